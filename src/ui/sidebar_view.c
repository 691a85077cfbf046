/*
 * sidebar_view.c - every layer and head as a grid, one cell per head shaded
 * by how much that head looks at the previous token in this sentence; the
 * current head marked.  Pans when the model has more than fits.
 */
#include <stdio.h>

#include "views.h"

void sidebar_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    werase(w);
    view_frame(w, "heads", t);
    int H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    int legend = 4; /* lines under the grid */
    int rows = H - legend - 1, cols = W - 4;
    if (rows < 1 || cols < 1) return;
    ViewPans *p = v->pans;
    p->side_layer = view_pan(st->layer, rows, st->n_layers, p->side_layer);
    p->side_head = view_pan(st->head, cols, st->n_heads, p->side_head);
    for (int r = 0; r < rows && p->side_layer + r < st->n_layers; r++) {
        int l = p->side_layer + r;
        char name[16];
        snprintf(name, sizeof name, "L%d", l);
        view_puts(w, v->theme, 1 + r, 1, 3, l == st->layer ? A_BOLD : A_NORMAL, name);
        for (int c = 0; c < cols && p->side_head + c < st->n_heads; c++) {
            int h = p->side_head + c;
            float mass = s->have ? s->stats[(size_t)l * st->n_heads + h].prev : 0.0f;
            bool cur = l == st->layer && (h == st->head || st->mean);
            int attr = t->colour ? theme_attr(t, mass) : (int)A_NORMAL;
            const char *g = t->colour ? " " : theme_glyph(t, mass);
            if (cur) {
                g = t->utf8 ? "▣" : "#";
                attr = A_REVERSE | A_BOLD;
            } else if (t->colour && mass <= 0.0f) {
                g = t->utf8 ? "·" : ".";
            }
            view_puts(w, v->theme, 1 + r, 4 + c, 1, attr, g);
        }
    }
    int y = H - legend + 1;
    view_puts(w, v->theme, y++, 1, W, A_DIM, "shade: weight");
    view_puts(w, v->theme, y++, 1, W, A_DIM, "on previous");
    view_puts(w, v->theme, y++, 1, W, A_DIM, "token");
    if (s->have && !st->mean) {
        /* The current head's pattern, as the title names it. */
        const HeadStats *hs = &s->stats[(size_t)st->layer * st->n_heads + st->head];
        char line[48];
        snprintf(line, sizeof line, "%s %.2f", analysis_pattern_short(hs->pattern), hs->score);
        view_puts(w, v->theme, y, 1, W, A_BOLD, line);
    }
}
