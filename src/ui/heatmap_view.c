/*
 * heatmap_view.c - the attention matrix of the selected head (or the layer
 * mean): one row per query unit, one column per key unit (tokens, or whole
 * words under w).  A masked cell (a key the query cannot see) shows a dim
 * dot; any weight above 0 shows at least the first shade.  The panel pans to
 * keep the query row, the key cursor and the row's strongest key in view,
 * and its cells widen to fill a big terminal.
 */
#include <stdio.h>

#include "flow.h"
#include "views.h"

/* How to read the matrix, in the bottom border: the longest that fits. */
static const char *const notes_causal[] = {
    "rows = query, columns = key; a word only sees earlier words",
    "rows = query, columns = key; causal",
    "rows query, columns key",
    NULL,
};
static const char *const notes_mask[] = {
    "× = masked: a word cannot see the words after it",
    "× = masked: no word sees later words",
    "× = masked",
    NULL,
};
static const char *const notes_mask_ascii[] = {
    "x = masked: a word cannot see the words after it",
    "x = masked: no word sees later words",
    "x = masked",
    NULL,
};
/* What the r and V views' rows are. */
static const char *const notes_rollout[] = {
    "row: how much of each input token reaches that position (r: back)",
    "rollout: input tokens reaching each position",
    "rollout",
    NULL,
};
static const char *const notes_values[] = {
    "weight × length of the value it moves, rows normalised (V: back)",
    "weights × value lengths, normalised",
    "value-weighted",
    NULL,
};
static const char *const notes_full[] = {
    "rows = query, columns = key",
    "rows query, columns key",
    NULL,
};

static int label_width(const Scene *s, const AppState *st, int n)
{
    int lw = 3;
    for (int u = 0; u < n; u++) {
        int w;
        scene_unit_label(s, st, u, &w);
        if (w > lw) lw = w;
    }
    return lw > SCENE_LABEL_COLS ? SCENE_LABEL_COLS : lw;
}

/* The matrix M under TITLE; *ROW0 pans with the query row, *COL0 records
 * the columns shown. */
static void draw_matrix(WINDOW *w, const ViewData *v, const float *m, const char *title,
                        int *row0, int *col0)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    werase(w);
    view_frame(w, title, v->theme);
    if (!s->have || !m) return;
    int n = scene_units(s, st), H = getmaxy(w) - 2;
    int qi = scene_unit_of(s, st, st->query), kj = scene_unit_of(s, st, st->key);
    ViewGrid g = {0};
    view_grid_fit(&g, w, v, 1 + 2 + label_width(s, st, n) + 1, n); /* marker, label, gap */
    int nrows = H - g.header;
    if (g.ncols < 1 || nrows < 1) return;
    view_frame_note(w, v->theme, st->flow == FLOW_ROLLOUT ? notes_rollout
                                 : st->flow == FLOW_VALUES ? notes_values
                                 : !view_causal(v)    ? notes_full
                                 : !view_mask_marked(v) ? notes_causal
                                 : v->theme->utf8        ? notes_mask
                                                         : notes_mask_ascii);
    view_grid_pan(&g, m + (size_t)qi * n, n, qi, kj);
    *col0 = g.col0;
    *row0 = view_pan(qi, nrows, n, *row0);
    view_draw_key_header(w, v, &g, 1, kj);
    int y0 = 1 + g.header;
    for (int r = 0; r < nrows && *row0 + r < n; r++) {
        int i = *row0 + r, y = y0 + r;
        bool q = i == qi;
        if (q) view_puts(w, v->theme, y, 1, 2, A_BOLD, theme_marker(v->theme));
        view_puts(w, v->theme, y, 3, g.x0 - 4, q ? A_REVERSE | A_BOLD : A_NORMAL,
                  scene_unit_label(s, st, i, NULL));
        for (int c = 0; c < g.ncols && g.col0 + c < n; c++) {
            int j = g.col0 + c;
            view_draw_cell(w, y, g.x0 + c * g.cw, g.cw, v, m[(size_t)i * n + j],
                           scene_masked(s, st, i, j), q && j == kj);
        }
    }
    if (*row0 > 0) view_puts(w, v->theme, y0, 1, 1, A_BOLD, v->theme->utf8 ? "▴" : "^");
    if (*row0 + nrows < n) view_puts(w, v->theme, H, 1, 1, A_BOLD, v->theme->utf8 ? "▾" : "v");
}

void heatmap_view_draw(WINDOW *w, const ViewData *v)
{
    const AppState *st = v->st;
    char title[96];
    if (st->flow == FLOW_ROLLOUT)
        snprintf(title, sizeof title, "rollout · layers 0-%d · all heads", st->layer);
    else if (st->flow == FLOW_VALUES)
        snprintf(title, sizeof title, "value-weighted · layer %d · head %d", st->layer, st->head);
    else if (st->mean) snprintf(title, sizeof title, "layer %d · mean of %d heads", st->layer, st->n_heads);
    else snprintf(title, sizeof title, "layer %d · head %d", st->layer, st->head);
    const float *m = v->scene->have ? scene_matrix(v->scene, st) : NULL;
    draw_matrix(w, v, m, title, &v->pans->heat_row, &v->pans->heat_col);
}

/* The layout puts the two windows side by side, or the pinned one on top
 * when halves would be too narrow to show a row's keys. */
void compare_view_draw(WINDOW *pinned, WINDOW *current, const ViewData *v)
{
    const AppState *st = v->st;
    char title[96];
    snprintf(title, sizeof title, "pinned: layer %d · head %d", st->pin_layer, st->pin_head);
    const float *m = v->scene->have ? scene_pinned_matrix(v->scene, st) : NULL;
    draw_matrix(pinned, v, m, title, &v->pans->pin_row, &v->pans->pin_col);
    heatmap_view_draw(current, v);
}
