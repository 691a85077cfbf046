/*
 * lesson_qkv_view.c - the lesson's "query, key, value" step: the query's
 * q, the key cursor's k, their products component by component and their
 * sum q·k worked out, then v of the keys the query weighs most.  Every
 * component is drawn, one cell each: a bar standing up from the cell's
 * bottom for a positive value, hanging from its top for a negative one (the
 * lower block in reverse video), each vector scaled to its own largest
 * component.  A vector longer than the panel is wide wraps onto more lines.
 * The numbers are the trace's (scene_q, scene_k, scene_v) and the kernel's
 * (s->dot, s->scaled, s->weight), so they move with the cursors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "views.h"

#define LABEL_COLS 12
#define TOP_V 8 /* as many as fit */

/* One component as a cell: glyph and attribute. */
static const char *component(const Theme *t, float x, float max, int *attr)
{
    static const char *const up[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    static const char *const ascii_up[] = {" ", ".", "o", "O", "#"};
    static const char *const ascii_down[] = {" ", "'", "~", "=", "#"};
    *attr = A_NORMAL;
    float m = max > 0 ? fabsf(x) / max : 0;
    if (!t->utf8) {
        int l = (int)lroundf(m * 4);
        if (l == 0 && x != 0) l = 1;
        return x >= 0 ? ascii_up[l] : ascii_down[l];
    }
    int l = (int)lroundf(m * 8);
    if (l == 0 && x != 0) l = 1; /* never blank: a small value is still there */
    if (x >= 0 || l == 8) return up[l];
    /* Hanging k/8 from the top: the lower (8-k)/8 block, reversed. */
    *attr = A_REVERSE;
    return up[8 - l];
}

/* Vector X (D components) from column X0 of line *Y, wrapping at the
 * window's edge; advances *Y past it.  Returns false when it did not fit. */
static int cell_cols(WINDOW *w, int x0, int d)
{
    /* Two columns a component when the whole vector still fits on a line. */
    return 2 * d <= getmaxx(w) - 1 - x0 ? 2 : 1;
}

static bool draw_vector(WINDOW *w, const Theme *t, int *y, int x0, int max_y, const float *x,
                        int d)
{
    int cw = cell_cols(w, x0, d), cols = (getmaxx(w) - 1 - x0) / cw;
    if (cols < 1) return false;
    int lines = (d + cols - 1) / cols;
    if (*y + lines > max_y) return false;
    float max = 0;
    for (int i = 0; i < d; i++) max = fmaxf(max, fabsf(x[i]));
    for (int i = 0; i < d; i++) {
        int attr;
        const char *g = component(t, x[i], max, &attr);
        for (int c = 0; c < cw; c++)
            view_puts(w, t, *y + i / cols, x0 + (i % cols) * cw + c, 1, attr, g);
    }
    *y += lines;
    return true;
}

static int lines_of(WINDOW *w, int x0, int d)
{
    int cols = (getmaxx(w) - 1 - x0) / cell_cols(w, x0, d);
    return cols < 1 ? 1 : (d + cols - 1) / cols;
}

/* The query's strongest keys in this head, by weight: up to K of them. */
static int top_keys(const Scene *s, int query, int k, int *ids)
{
    int got = 0;
    (void)query; /* masked keys weigh 0: the loop skips them */
    for (int j = 0; j < s->res.n; j++) {
        if (s->weight[j] <= 0) continue;
        int at = got < k ? got++ : k;
        if (at == k && s->weight[j] <= s->weight[ids[k - 1]]) continue;
        if (at == k) at = k - 1;
        while (at > 0 && s->weight[ids[at - 1]] < s->weight[j]) ids[at] = ids[at - 1], at--;
        ids[at] = j;
    }
    return got;
}

void lesson_qkv_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    char title[128], line[512];
    snprintf(title, sizeof title, "query, key, value · layer %d · head %d", st->layer, st->head);
    werase(w);
    view_frame(w, title, t);
    if (!s->have) return;
    int d = s->res.trace->head_dim, q = st->query, k = st->key, max_y = getmaxy(w) - 1;
    int W = getmaxx(w) - 2, x0 = 1 + LABEL_COLS, y = 1;
    const float *qv = scene_q(s, st), *kv = scene_k(s, st, k);
    float *prod = malloc((size_t)d * sizeof *prod);
    if (!prod) return;
    for (int i = 0; i < d; i++) prod[i] = qv[i] * kv[i];
    /* Lines by what matters most: q, k and the sum; then the products;
     * then as many values as fit. */
    int vec = lines_of(w, x0, d);
    bool products = 1 + 3 * vec + 2 + vec <= max_y;
    const char *dot = t->utf8 ? "·" : ".";

    snprintf(line, sizeof line, "q %s", s->label[q]);
    view_puts(w, t, y, 1, LABEL_COLS - 1, A_BOLD, line);
    draw_vector(w, t, &y, x0, max_y, qv, d);
    snprintf(line, sizeof line, "k %s", s->label[k]);
    view_puts(w, t, y, 1, LABEL_COLS - 1, A_BOLD, line);
    draw_vector(w, t, &y, x0, max_y, kv, d);
    if (products) {
        view_puts(w, t, y, 1, LABEL_COLS - 1, A_NORMAL, t->utf8 ? "q×k each" : "q*k each");
        draw_vector(w, t, &y, x0, max_y, prod, d);
    }
    if (y < max_y) {
        /* The dot product written out: its first terms, then the total as
         * the kernel computed it; then the scaled score and the weight. */
        int o = snprintf(line, sizeof line, "q%sk = ", dot);
        for (int i = 0; i < 2 && i < d; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "%s%.2f%s%.2f", i ? " + " : "",
                          qv[i], t->utf8 ? "×" : "*", kv[i]);
        snprintf(line + o, sizeof line - (size_t)o, "%s (%d terms) = %.3f", d > 2 ? " + …" : "",
                 d, s->dot[k]);
        view_puts(w, t, y++, 1, W, A_BOLD, line);
    }
    if (y < max_y && k <= q) {
        snprintf(line, sizeof line, "/ %s%d = %.3f; softmax gives %s%s%s the weight %.3f",
                 t->utf8 ? "√" : "sqrt ", d, s->scaled[k], t->utf8 ? "“" : "\"", s->label[k],
                 t->utf8 ? "”" : "\"", s->weight[k]);
        view_puts(w, t, y++, 1, W, A_NORMAL, line);
    }
    int ids[TOP_V], n_top = top_keys(s, q, TOP_V, ids);
    for (int i = 0; i < n_top && y + vec <= max_y; i++) {
        /* The weight first: a long word is what gets cut. */
        snprintf(line, sizeof line, "v %.2f %s", s->weight[ids[i]], s->label[ids[i]]);
        view_puts(w, t, y, 1, LABEL_COLS - 1, ids[i] == k ? A_BOLD : A_NORMAL, line);
        draw_vector(w, t, &y, x0, max_y, scene_v(s, st, ids[i]), d);
    }
    free(prod);
    static const char *const notes[] = {
        "bars: each vector scaled to its largest; up +, down -",
        "each vector scaled to its largest",
        NULL,
    };
    view_frame_note(w, t, notes);
}
