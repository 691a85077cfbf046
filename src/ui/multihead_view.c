/*
 * multihead_view.c - every head of the current layer at once for the query:
 * one bar per head, so heads can be compared side by side.
 */
#include <stdio.h>

#include "views.h"

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
    int n = s->res.n, H = getmaxy(w) - 2, W = getmaxx(w) - 2, cw = view_cell_width(st);
    int x0 = 1 + 2 + 4 + 1; /* marker, "H12", gap */
    int ncols = (W - (x0 - 1) - 1) / cw, nrows = H - 1;
    if (ncols < 1 || nrows < 1) return;
    ViewPans *p = v->pans;
    p->heat_col = view_pan(st->key, ncols, n, p->heat_col);
    p->multi_row = view_pan(st->head, nrows, nh, p->multi_row);
    view_draw_key_header(w, v, x0, p->heat_col, ncols, 1);
    for (int r = 0; r < nrows && p->multi_row + r < nh; r++) {
        int h = p->multi_row + r, y = 2 + r;
        bool cur = h == st->head && !st->mean;
        char name[16];
        snprintf(name, sizeof name, "H%d", h);
        if (cur) view_puts(w, v->theme, y, 1, 2, A_BOLD, theme_marker(v->theme));
        view_puts(w, v->theme, y, 3, 4, cur ? A_REVERSE | A_BOLD : A_NORMAL, name);
        const float *row = s->multi_rows + (size_t)h * n;
        for (int c = 0; c < ncols && p->heat_col + c < n; c++) {
            int j = p->heat_col + c;
            view_draw_cell(w, y, x0 + c * cw, v, row[j], j > st->query, cur && j == st->key);
        }
    }
}
