/*
 * multihead_view.c - every head of the current layer at once for the query:
 * one bar per head, so heads can be compared side by side.  Per token, as
 * the model sees them (words do not apply here); cells follow the heatmap's
 * rules (a dim dot where the query cannot see, a weight above 0 never
 * blank) and pan to keep the key cursor and the current head's strongest
 * key in view.
 */
#include <stdio.h>

#include "views.h"

static const char *const notes_causal[] = {
    "rows = heads, columns = key; a word only sees earlier words",
    "rows = heads, columns = key; causal",
    "rows heads, columns key",
    NULL,
};
static const char *const notes_full[] = {
    "rows = heads, columns = key",
    "rows heads, columns key",
    NULL,
};

/* All heads of the layer for the current query, one bar each. */
void multihead_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    char title[96];
    int nh = st->n_heads;
    snprintf(title, sizeof title, "layer %d · all %d heads · query %d", st->layer, nh, st->query);
    werase(w);
    view_frame(w, title, v->theme);
    if (!s->have) return;
    int n = s->res.n, H = getmaxy(w) - 2;
    bool causal = view_causal(v);
    ViewGrid g = {.tokens = true};
    view_grid_fit(&g, w, v, 1 + 2 + 4 + 1, n); /* marker, "H12", gap */
    int nrows = H - g.header;
    if (g.ncols < 1 || nrows < 1) return;
    view_frame_note(w, v->theme, causal ? notes_causal : notes_full);
    ViewPans *p = v->pans;
    view_grid_pan(&g, s->multi_rows + (size_t)st->head * n, n, st->query, st->key);
    p->heat_col = g.col0;
    p->multi_row = view_pan(st->head, nrows, nh, p->multi_row);
    view_draw_key_header(w, v, &g, 1, st->key);
    int y0 = 1 + g.header;
    for (int r = 0; r < nrows && p->multi_row + r < nh; r++) {
        int h = p->multi_row + r, y = y0 + r;
        bool cur = h == st->head && !st->mean;
        char name[16];
        snprintf(name, sizeof name, "H%d", h);
        if (cur) view_puts(w, v->theme, y, 1, 2, A_BOLD, theme_marker(v->theme));
        view_puts(w, v->theme, y, 3, 4, cur ? A_REVERSE | A_BOLD : A_NORMAL, name);
        const float *row = s->multi_rows + (size_t)h * n;
        for (int c = 0; c < g.ncols && g.col0 + c < n; c++) {
            int j = g.col0 + c;
            view_draw_cell(w, y, g.x0 + c * g.cw, g.cw, v, row[j], causal && j > st->query,
                           cur && j == st->key);
        }
    }
}
