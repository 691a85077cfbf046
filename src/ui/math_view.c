/*
 * math_view.c - the attention of the query, step by step, for the current
 * head: its query vector; for each key q·k, the scaled score q·k/√d (or
 * "masked"), the softmax weight (the number the heatmap shades) and a bar;
 * then the weighted sum of the value vectors and its largest contributors.
 * Every number comes from the shared kernel (scene_update → trace_row).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "views.h"

static double norm(const float *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)v[i] * v[i];
    return sqrt(s);
}

/* A bar of WIDTH cells for weight W, in eighths. */
static void bar(char *out, size_t cap, float w, int width, bool utf8)
{
    static const char *eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int units = (int)lroundf(w * width * 8);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < units / 8 && o + 4 < cap; i++) o += (size_t)snprintf(out + o, cap - o, "%s", utf8 ? "█" : "#");
    if (utf8 && units % 8 && o + 4 < cap) snprintf(out + o, cap - o, "%s", eighths[units % 8]);
}

void math_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    char title[96], line[256];
    snprintf(title, sizeof title, "math · layer %d · head %d · query %d", st->layer, st->head,
             st->query);
    werase(w);
    view_frame(w, title, v->theme);
    if (!s->have) return;
    const AttentionTrace *t = s->res.trace;
    int n = s->res.n, H = getmaxy(w) - 2, W = getmaxx(w) - 2, hd = t->head_dim;
    const float *q = scene_q(s, st);

    /* Header: the query vector and the scale. */
    int o = snprintf(line, sizeof line, "q \"%s\" = [", s->label[st->query]);
    for (int i = 0; i < hd && i < 4 && o < (int)sizeof line; i++)
        o += snprintf(line + o, sizeof line - (size_t)o, "%s%.2f", i ? " " : "", q[i]);
    snprintf(line + o, sizeof line - (size_t)o, "%s]  |q| %.2f  d %d  1/√d %.4f",
             hd > 4 ? " …" : "", norm(q, hd), hd, t->scale);
    view_puts(w, v->theme, 1, 1, W, A_NORMAL, line);
    /* Labels and numbers go in fixed columns: labels may be wide or multi-byte. */
    int num_x = 3 + SCENE_LABEL_COLS + 1;
    view_puts(w, v->theme, 2, 3, W - 2, A_BOLD, "key");
    /* "%9s" and "%12s": the symbols take more bytes than columns. */
    snprintf(line, sizeof line, "%9s %12s %7s", "q·k", "q·k/√d", "weight");
    view_puts(w, v->theme, 2, num_x, W - num_x + 1, A_BOLD, line);

    /* One line per key, panned to keep the key cursor in view. */
    int rows = H - 3, bar_w = W - (SCENE_LABEL_COLS + 2 + 8 + 10 + 8 + 2);
    if (rows < 1) return;
    ViewPans *p = v->pans;
    p->math_row = view_pan(st->key, rows, n, p->math_row);
    for (int r = 0; r < rows && p->math_row + r < n; r++) {
        int j = p->math_row + r;
        char b[128];
        if (j > st->query) {
            snprintf(line, sizeof line, "%8.3f %9s %7s", s->dot[j], "masked", "0");
        } else {
            bar(b, sizeof b, s->weight[j], bar_w > 0 ? bar_w : 0, v->theme->utf8);
            snprintf(line, sizeof line, "%8.3f %9.3f %7.4f %s", s->dot[j], s->scaled[j],
                     s->weight[j], b);
        }
        int attr = j == st->key ? A_REVERSE | A_BOLD : j > st->query ? A_DIM : (int)A_NORMAL;
        view_puts(w, v->theme, 3 + r, 3, SCENE_LABEL_COLS, attr, s->label[j]);
        view_puts(w, v->theme, 3 + r, num_x, W - num_x + 1, attr, line);
    }

    /* Footer: the head's output for this query and who contributed most. */
    int top[3] = {-1, -1, -1};
    double contrib[3] = {0, 0, 0};
    for (int j = 0; j <= st->query; j++) {
        double c = s->weight[j] * norm(scene_v(s, st, j), hd);
        for (int k = 0; k < 3; k++)
            if (top[k] < 0 || c > contrib[k]) {
                for (int m = 2; m > k; m--) top[m] = top[m - 1], contrib[m] = contrib[m - 1];
                top[k] = j, contrib[k] = c;
                break;
            }
    }
    o = snprintf(line, sizeof line, "Σ w·v: |out| %.3f  top w·|v|:", norm(s->out, hd));
    for (int k = 0; k < 3 && top[k] >= 0 && o < (int)sizeof line; k++)
        o += snprintf(line + o, sizeof line - (size_t)o, "  %s %.3f", s->label[top[k]], contrib[k]);
    view_puts(w, v->theme, H, 1, W, A_NORMAL, line);
}
