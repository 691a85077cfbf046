/*
 * heatmap_view.c - the attention matrix of the selected head (or the layer
 * mean): one row per query token, one column per key token, the causal
 * upper triangle left as background.  The query row and the key cursor are
 * marked; the panel pans to keep both in view.
 */
#include <stdio.h>

#include "views.h"

static int label_width(const Scene *s)
{
    int lw = 3;
    for (int i = 0; i < s->res.n; i++)
        if (s->label_w[i] > lw) lw = s->label_w[i];
    return lw > SCENE_LABEL_COLS ? SCENE_LABEL_COLS : lw;
}

void heatmap_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    char title[96];
    if (st->mean) snprintf(title, sizeof title, "layer %d · mean of %d heads", st->layer, st->n_heads);
    else snprintf(title, sizeof title, "layer %d · head %d", st->layer, st->head);
    werase(w);
    view_frame(w, title, v->theme);
    if (!s->have) return;
    int n = s->res.n, H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    int lw = label_width(s), cw = view_cell_width(st);
    int x0 = 1 + 2 + lw + 1; /* marker, label, gap */
    int ncols = (W - (x0 - 1) - 1) / cw, nrows = H - 1;
    if (ncols < 1 || nrows < 1) return;
    ViewPans *p = v->pans;
    p->heat_col = view_pan(st->key, ncols, n, p->heat_col);
    p->heat_row = view_pan(st->query, nrows, n, p->heat_row);
    view_draw_key_header(w, v, x0, p->heat_col, ncols, 1);
    const float *m = scene_matrix(s, st);
    for (int r = 0; r < nrows && p->heat_row + r < n; r++) {
        int i = p->heat_row + r, y = 2 + r;
        bool q = i == st->query;
        if (q) view_puts(w, v->theme, y, 1, 2, A_BOLD, theme_marker(v->theme));
        view_puts(w, v->theme, y, 3, lw, q ? A_REVERSE | A_BOLD : A_NORMAL, s->label[i]);
        for (int c = 0; c < ncols && p->heat_col + c < n; c++) {
            int j = p->heat_col + c;
            view_draw_cell(w, y, x0 + c * cw, v, m[(size_t)i * n + j], j > i, q && j == st->key);
        }
    }
    if (p->heat_row > 0) view_puts(w, v->theme, 2, 1, 1, A_BOLD, v->theme->utf8 ? "▴" : "^");
    if (p->heat_row + nrows < n) view_puts(w, v->theme, H, 1, 1, A_BOLD, v->theme->utf8 ? "▾" : "v");
}

