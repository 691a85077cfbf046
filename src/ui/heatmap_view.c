/*
 * heatmap_view.c - the attention matrix of the selected head (or the layer
 * mean): one row per query token, one column per key token, the causal
 * upper triangle left as background.  The query row and the key cursor are
 * marked; the panel pans to keep both in view.
 */
#include <stdio.h>

#include "trace.h"
#include "views.h"

static int label_width(const Scene *s)
{
    int lw = 3;
    for (int i = 0; i < s->res.n; i++)
        if (s->label_w[i] > lw) lw = s->label_w[i];
    return lw > SCENE_LABEL_COLS ? SCENE_LABEL_COLS : lw;
}

/* The matrix M under TITLE, panned by *ROW0 and *COL0 to keep the query row
 * and the key cursor in view. */
static void draw_matrix(WINDOW *w, const ViewData *v, const float *m, const char *title,
                        int *row0, int *col0)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    werase(w);
    view_frame(w, title, v->theme);
    if (!s->have) return;
    int n = s->res.n, H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    int lw = label_width(s), cw = view_cell_width(st);
    int x0 = 1 + 2 + lw + 1; /* marker, label, gap */
    int ncols = (W - (x0 - 1) - 1) / cw, nrows = H - 1;
    if (ncols < 1 || nrows < 1) return;
    *col0 = view_pan(st->key, ncols, n, *col0);
    *row0 = view_pan(st->query, nrows, n, *row0);
    view_draw_key_header(w, v, x0, *col0, ncols, 1);
    for (int r = 0; r < nrows && *row0 + r < n; r++) {
        int i = *row0 + r, y = 2 + r;
        bool q = i == st->query;
        if (q) view_puts(w, v->theme, y, 1, 2, A_BOLD, theme_marker(v->theme));
        view_puts(w, v->theme, y, 3, lw, q ? A_REVERSE | A_BOLD : A_NORMAL, s->label[i]);
        for (int c = 0; c < ncols && *col0 + c < n; c++) {
            int j = *col0 + c;
            view_draw_cell(w, y, x0 + c * cw, v, m[(size_t)i * n + j], j > i, q && j == st->key);
        }
    }
    if (*row0 > 0) view_puts(w, v->theme, 2, 1, 1, A_BOLD, v->theme->utf8 ? "▴" : "^");
    if (*row0 + nrows < n) view_puts(w, v->theme, H, 1, 1, A_BOLD, v->theme->utf8 ? "▾" : "v");
}

void heatmap_view_draw(WINDOW *w, const ViewData *v)
{
    const AppState *st = v->st;
    char title[96];
    if (st->mean) snprintf(title, sizeof title, "layer %d · mean of %d heads", st->layer, st->n_heads);
    else snprintf(title, sizeof title, "layer %d · head %d", st->layer, st->head);
    const float *m = v->scene->have ? scene_matrix(v->scene, st) : NULL;
    draw_matrix(w, v, m, title, &v->pans->heat_row, &v->pans->heat_col);
}

void compare_view_draw(WINDOW *left, WINDOW *right, const ViewData *v)
{
    const AppState *st = v->st;
    char title[96];
    snprintf(title, sizeof title, "pinned: layer %d · head %d", st->pin_layer, st->pin_head);
    const float *m = v->scene->have ? trace_attn(v->scene->res.trace, st->pin_layer, st->pin_head)
                                    : NULL;
    draw_matrix(left, v, m, title, &v->pans->pin_row, &v->pans->pin_col);
    heatmap_view_draw(right, v);
}

