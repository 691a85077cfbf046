/*
 * math_view.c - the attention of the query, step by step, for the current
 * head: its query vector; for each key q·k, the scaled score q·k/√d (or
 * "masked"), the softmax weight (the number the heatmap shades) and a bar;
 * then the weighted sum of the value vectors and its largest contributors.
 * Every number comes from the shared kernel (scene_update → trace_row).
 * With u (the lesson's softmax step) the score and weight columns are those
 * of softmax(q·k) itself, without the 1/√d scale, so the sharpening shows.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "ui_text.h"
#include "views.h"

static double norm(const float *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)v[i] * v[i];
    return sqrt(s);
}

/* The number columns, dropped from the first when the panel is narrow (the
 * weight, the heatmap's number, goes last); headers are printf'd with
 * "%*s" and these widths plus the bytes the symbols take beyond a column. */
static const struct {
    const char *head;
    int width, extra_bytes;
} num_cols[] = {{"q·k", 8, 1}, {"q·k/√d", 9, 3}, {"weight", 7, 0}};
enum { COL_DOT, COL_SCALED, COL_WEIGHT, N_COLS };

/* The lines the panel gives its parts, by what matters most: one key row,
 * then the weighted sum, the column headers, the query vector; more key
 * rows with what is left. */
typedef struct {
    bool q_line, header, sum;
    int rows;
} MathLines;

static MathLines math_lines(int height, int n)
{
    MathLines m = {height >= 4, height >= 3, height >= 2, 0};
    m.rows = height - m.q_line - m.header - m.sum;
    if (m.rows > n) m.rows = n;
    return m;
}

/* The key row J: its numbers in the columns from FIRST, then a bar. */
static void key_row(char *line, size_t cap, const Scene *s, int j, int first, int bar_w, bool utf8,
                    bool unscaled)
{
    bool masked = isinf(s->scaled[j]) && s->scaled[j] < 0;
    const float *weight = unscaled ? s->plain : s->weight;
    size_t o = 0;
    line[0] = '\0';
    for (int c = first; c < N_COLS && o < cap; c++) {
        const char *sep = c > first ? " " : "";
        int w = num_cols[c].width;
        if (c == COL_DOT) o += (size_t)snprintf(line + o, cap - o, "%s%*.3f", sep, w, s->dot[j]);
        else if (masked && c == (first > COL_SCALED ? first : COL_SCALED))
            o += (size_t)snprintf(line + o, cap - o, "%s%*s", sep, w, "masked");
        else if (masked) o += (size_t)snprintf(line + o, cap - o, "%s%*s", sep, w, "0");
        else if (c == COL_SCALED)
            o += (size_t)snprintf(line + o, cap - o, "%s%*.3f", sep, w,
                                  unscaled ? s->dot[j] : s->scaled[j]);
        else o += (size_t)snprintf(line + o, cap - o, "%s%*.4f", sep, w, weight[j]);
    }
    if (!masked && o + 1 < cap) {
        line[o++] = ' ', line[o] = '\0';
        view_bar(line + o, cap - o, weight[j], bar_w > 0 ? bar_w : 0, utf8);
    }
}

void math_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    char title[96], line[512];
    if (st->unscaled)
        snprintf(title, sizeof title, "math · layer %d · head %d · WITHOUT 1/√d (u: with)",
                 st->layer, st->head);
    else if (st->lesson >= 0)
        snprintf(title, sizeof title, "math · layer %d · head %d · scaled by 1/√d (u: without)",
                 st->layer, st->head);
    else
        snprintf(title, sizeof title, "math · layer %d · head %d · query %d", st->layer,
                 st->head, st->query);
    werase(w);
    if (!s->have) {
        view_frame(w, title, v->theme);
        return;
    }
    const AttentionTrace *t = s->res.trace;
    int n = s->res.n, H = getmaxy(w) - 2, W = getmaxx(w) - 2, hd = t->head_dim;
    MathLines m = math_lines(H, n);
    ViewPans *p = v->pans;
    p->math_row = m.rows > 0 ? view_pan(st->key, m.rows, n, p->math_row) : 0;
    int below = n - p->math_row - m.rows;
    view_frame_more(w, title, v->theme, p->math_row, below > 0 ? below : 0);
    int y = 1;

    if (m.q_line) {
        /* The query vector and the scale. */
        const float *q = scene_q(s, st);
        int o = snprintf(line, sizeof line, "q \"%s\" = [", s->label[st->query]);
        for (int i = 0; i < hd && i < 4 && o < (int)sizeof line; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "%s%.2f", i ? " " : "", q[i]);
        snprintf(line + o, sizeof line - (size_t)o, "%s]  |q| %.2f  d %d  1/√d %.4f",
                 hd > 4 ? " …" : "", norm(q, hd), hd, t->scale);
        view_puts(w, v->theme, y++, 1, W, A_NORMAL, line);
    }
    /* Labels and numbers go in fixed columns: labels may be wide or
     * multi-byte.  Columns give way from the left, keeping a bar of 4. */
    int num_x = 3 + SCENE_LABEL_COLS + 1, first = 0, room = W + 1 - num_x;
    for (int need = 0; first < N_COLS; first++, need = 0) {
        for (int c = first; c < N_COLS; c++) need += num_cols[c].width + 1;
        if (need + 4 <= room || first == COL_WEIGHT) break;
    }
    int bar_w = room;
    for (int c = first; c < N_COLS; c++) bar_w -= num_cols[c].width + 1;
    if (m.header) {
        view_puts(w, v->theme, y, 3, W - 2, A_BOLD, "key");
        size_t o = 0;
        line[0] = '\0';
        for (int c = first; c < N_COLS && o < sizeof line; c++) {
            /* Unscaled, the score column is q·k itself: "q·k×1". */
            bool plain = st->unscaled && c == COL_SCALED;
            o += (size_t)snprintf(line + o, sizeof line - o, "%s%*s", c > first ? " " : "",
                                  num_cols[c].width + (plain ? 2 : num_cols[c].extra_bytes),
                                  plain ? "q·k×1" : num_cols[c].head);
        }
        view_puts(w, v->theme, y++, num_x, room, A_BOLD, line);
    }

    /* One line per key, panned to keep the key cursor in view. */
    for (int r = 0; r < m.rows && p->math_row + r < n; r++, y++) {
        int j = p->math_row + r;
        bool masked = isinf(s->scaled[j]) && s->scaled[j] < 0;
        key_row(line, sizeof line, s, j, first, bar_w - 1, v->theme->utf8, st->unscaled);
        int attr = j == st->key ? A_REVERSE | A_BOLD : masked ? A_DIM : (int)A_NORMAL;
        view_puts(w, v->theme, y, 3, SCENE_LABEL_COLS, attr, s->label[j]);
        view_puts(w, v->theme, y, num_x, room, attr, line);
    }
    if (!m.sum) return;

    /* Footer: the head's output for this query and who contributed most,
     * as many of them as fit. */
    int top[3] = {-1, -1, -1};
    double contrib[3] = {0, 0, 0};
    for (int j = 0; j < s->res.n; j++) { /* masked keys weigh 0 */
        double c = s->weight[j] * norm(scene_v(s, st, j), hd);
        for (int k = 0; k < 3; k++)
            if (top[k] < 0 || c > contrib[k]) {
                for (int q = 2; q > k; q--) top[q] = top[q - 1], contrib[q] = contrib[q - 1];
                top[k] = j, contrib[k] = c;
                break;
            }
    }
    char tops[256];
    int o = snprintf(line, sizeof line, "%s |out| %.3f", v->theme->utf8 ? "Σ w·v:" : "sum w*v:",
                     norm(s->out, hd));
    int used = ui_text_width(line, (size_t)o, true), to = snprintf(tops, sizeof tops, "  top w·|v|:");
    int added = 0;
    used += ui_text_width(tops, (size_t)to, true);
    for (int k = 0; k < 3 && top[k] >= 0; k++) {
        char one[96];
        int b = snprintf(one, sizeof one, "  %s %.3f", s->label[top[k]], contrib[k]);
        int c = ui_text_width(one, strlen(one), true);
        if (used + c > W || to + b >= (int)sizeof tops) break;
        to += snprintf(tops + to, sizeof tops - (size_t)to, "%s", one);
        used += c, added++;
    }
    if (added) snprintf(line + o, sizeof line - (size_t)o, "%s", tops);
    view_puts(w, v->theme, H, 1, W, A_NORMAL, line);
}
