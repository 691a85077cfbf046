/*
 * lesson_prune_view.c - the lesson's "many heads are redundant" step: the
 * heads knocked out one by one, least important on this sentence first
 * (LessonResult.prune_*), a row for each count: which head went, the
 * next-token loss and how far it moved, at how many positions the most
 * probable next token is still the intact model's, and the word the model
 * predicts after the sentence.  The row the loss first passes +5% is
 * marked; the row of the heads now knocked out (+ and -) is the cursor.
 */
#include <stdio.h>
#include <string.h>

#include "lesson.h"
#include "ui_text.h"
#include "views.h"

void lesson_prune_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    const LessonResult *r = view_lesson(v);
    int H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    werase(w);
    const char *title = "heads out, least important first · + more, - back";
    if (!r || r->n_prune < 1 || H < 2) {
        view_frame(w, r || !s->have ? title : "heads knocked out · measuring…", t);
        return;
    }
    double limit = r->prune_loss[0] * 1.05;
    int first_over = -1;
    for (int k = 1; k <= r->n_prune && first_over < 0; k++)
        if (r->prune_loss[k] > limit) first_over = k;
    /* Rows k = 0 .. n_prune under a header line; the view pans to keep the
     * student's k, and the row where the loss passes +5%, in sight. */
    int rows = H - 1, total = r->n_prune + 1, k_now = st->prune_k;
    if (k_now > r->n_prune) k_now = r->n_prune;
    ViewPans *p = v->pans;
    p->multi_row = view_pan(k_now, rows, total, p->multi_row);
    int below = total - p->multi_row - rows;
    view_frame_more(w, title, t, p->multi_row, below > 0 ? below : 0);
    view_puts(w, t, 1, 1, W, A_BOLD, "  off  head    loss  change  top-1  next word");
    if (W - 65 >= 10) view_puts(w, t, 1, 64, W - 64, A_BOLD, "loss, lowest to highest");
    int n_heads = st->n_heads;
    /* Room to spare (a wide terminal): the loss as a bar from the curve's
     * lowest (a sliver) to its highest (full), so that where it climbs shows
     * at a glance. */
    double lo = r->prune_loss[0], hi = lo;
    for (int k = 0; k <= r->n_prune; k++) {
        if (r->prune_loss[k] < lo) lo = r->prune_loss[k];
        if (r->prune_loss[k] > hi) hi = r->prune_loss[k];
    }
    int bar_x = 64, bar_w = W - bar_x - 1;
    if (bar_w > 60) bar_w = 60;
    for (int i = 0; i < rows && p->multi_row + i < total; i++) {
        int k = p->multi_row + i, y = 2 + i;
        char head[16] = "-", next[64] = "", line[160];
        if (k > 0)
            snprintf(head, sizeof head, "%d.%d", r->prune_order[k - 1] / n_heads,
                     r->prune_order[k - 1] % n_heads);
        view_piece(s, t, r->prune_next[k], next, sizeof next, 14);
        double change = r->prune_loss[0] > 0 ? 100.0 * (r->prune_loss[k] / r->prune_loss[0] - 1) : 0;
        snprintf(line, sizeof line, "%3d  %-5s  %6.2f  %+5.1f%%  %2d/%-2d  %s%s", k, head,
                 r->prune_loss[k], change, r->prune_top1[k], r->prune_positions, next,
                 k == first_over ? "   ← loss +5%" : "");
        bool cur = k == k_now;
        int attr = cur ? A_REVERSE | A_BOLD : r->prune_loss[k] > limit ? A_BOLD : A_NORMAL;
        if (cur) view_puts(w, t, y, 1, 2, A_BOLD, theme_marker(t));
        view_puts(w, t, y, 2, W - 1, attr, line);
        if (bar_w >= 10 && hi > lo) {
            char bar[512];
            float f = 0.05f + 0.95f * (float)((r->prune_loss[k] - lo) / (hi - lo));
            view_bar(bar, sizeof bar, f, bar_w, t->utf8);
            view_puts(w, t, y, bar_x, bar_w, r->prune_loss[k] > limit ? A_BOLD : A_DIM, bar);
        }
    }
}
