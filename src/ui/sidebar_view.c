/*
 * sidebar_view.c - every layer and head as a grid, one cell per head shaded
 * by how much that head looks at the previous token in this sentence; the
 * current head marked, and × on the heads knocked out (K).  Pans when the model has more than fits.  Under it,
 * room allowing: the current head's pattern, and its "sink", the mean
 * weight its queries put on the first token (the bright first column most
 * heads have: where a head parks weight it has no use for), and its
 * induction score (the model's, induction.h).
 */
#include <stdio.h>

#include "views.h"

/* What the shade means, under the grid when there is room (and × the
 * knocked-out heads, in the status line's meter). */
static const char *const legend[] = {"shade: weight", "on previous", "token"};
#define LEGEND_LINES (int)(sizeof legend / sizeof legend[0])

void sidebar_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    werase(w);
    int H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    int L = st->n_layers, NH = st->n_heads;
    /* Every layer first; then the head's pattern; then the legend, with a
     * blank line above it. */
    int rows = H < L ? H : L, cols = W - 4, spare = H - rows;
    bool pattern = spare >= 1 && s->have && !st->mean;
    bool sink = pattern && spare >= 2;
    bool induct = sink && spare >= 3 && s->res.induction;
    bool key = spare - pattern - sink - induct >= LEGEND_LINES + 1;
    if (rows < 1 || cols < 1) {
        view_frame(w, "heads", t);
        return;
    }
    ViewPans *p = v->pans;
    p->side_layer = view_pan(st->layer, rows, L, p->side_layer);
    p->side_head = view_pan(st->head, cols, NH, p->side_head);
    /* Heads off the side: the title says which are shown. */
    char title[32];
    if (cols < NH) snprintf(title, sizeof title, "heads %d-%d", p->side_head, p->side_head + cols - 1);
    else snprintf(title, sizeof title, "heads");
    int below = L - p->side_layer - rows;
    view_frame_more(w, title, t, p->side_layer, below > 0 ? below : 0);
    for (int r = 0; r < rows && p->side_layer + r < L; r++) {
        int l = p->side_layer + r;
        char name[16];
        snprintf(name, sizeof name, "L%d", l);
        view_puts(w, t, 1 + r, 1, 3, l == st->layer ? A_BOLD : A_NORMAL, name);
        for (int c = 0; c < cols && p->side_head + c < NH; c++) {
            int h = p->side_head + c;
            float mass = s->have ? s->stats[(size_t)l * NH + h].prev : 0.0f;
            bool cur = l == st->layer && (h == st->head || st->mean);
            int attr = t->colour ? theme_attr(t, mass) : (int)A_NORMAL;
            const char *g = t->colour ? " " : theme_glyph(t, mass);
            bool off = st->ablate && st->ablate[(size_t)l * NH + h];
            if (cur) {
                g = off ? (t->utf8 ? "×" : "x") : t->utf8 ? "▣" : "#";
                attr = A_REVERSE | A_BOLD;
            } else if (off) {
                g = t->utf8 ? "×" : "x"; /* knocked out (K): on its shade */
                attr |= A_BOLD;
            } else if (t->colour && mass <= 0.0f) {
                g = t->utf8 ? "·" : ".";
            }
            view_puts(w, t, 1 + r, 4 + c, 1, attr, g);
        }
    }
    int y = H - (key ? LEGEND_LINES : 0) - pattern - sink - induct + 1;
    for (int i = 0; key && i < LEGEND_LINES; i++) view_puts(w, t, y++, 1, W, A_DIM, legend[i]);
    if (pattern) {
        /* The current head's pattern, as the title names it. */
        const HeadStats *hs = &s->stats[(size_t)st->layer * NH + st->head];
        char line[48];
        snprintf(line, sizeof line, "%s %.2f", analysis_pattern_short(hs->pattern), hs->score);
        view_puts(w, t, y++, 1, W, A_BOLD, line);
        if (sink) {
            snprintf(line, sizeof line, "sink %.2f", hs->first);
            view_puts(w, t, y++, 1, W, A_NORMAL, line);
        }
        if (induct) {
            /* The model's score on a repeated random sequence (induction.h). */
            snprintf(line, sizeof line, "induct %.2f", s->res.induction[(size_t)st->layer * NH + st->head]);
            view_puts(w, t, y, 1, W, A_NORMAL, line);
        }
    }
}
