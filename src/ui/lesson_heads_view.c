/*
 * lesson_heads_view.c - the lesson's "many heads" step: every head of the
 * layer, each with what it does on this sentence (its measured pattern and
 * the number behind it, analysis.h), where the query looks in it, and a
 * line in plain words saying what the pattern means (lesson_role_gloss).
 * Live: the layer, the query and the sentence are the screen's.
 */
#include <stdio.h>

#include "lesson.h"
#include "views.h"

/* What a pattern's number measures, in words (analysis.h). */
static const char *const score_meaning[] = {
    [PATTERN_PREVIOUS] = "weight on the token before",
    [PATTERN_SELF] = "weight on itself",
    [PATTERN_FIRST] = "weight on the first token",
    [PATTERN_BROAD] = "spread, 1 = even",
    [PATTERN_CONTENT] = "spread, 1 = even",
    [PATTERN_INDUCTION] = "induction score",
};

void lesson_heads_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    int nh = st->n_heads, H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    char title[96], line[512];
    snprintf(title, sizeof title, "layer %d · all %d heads · what each does", st->layer, nh);
    werase(w);
    if (!s->have || H < 1) {
        view_frame(w, title, t);
        return;
    }
    /* Two lines a head (its numbers, then the gloss) when they all fit or
     * the panel is tall; else one, and the panel pans to the current head. */
    int per = 2 * nh <= H || H >= 8 ? 2 : 1, shown = H / per;
    if (shown < 1) shown = 1;
    ViewPans *p = v->pans;
    p->multi_row = view_pan(st->head, shown, nh, p->multi_row);
    int below = nh - p->multi_row - shown;
    view_frame_more(w, title, t, p->multi_row * per, below > 0 ? below * per : 0);
    int n = s->res.n, q = st->query;
    const char *arrow = t->utf8 ? "→" : "->";
    for (int r = 0; r < shown && p->multi_row + r < nh; r++) {
        int h = p->multi_row + r, y = 1 + r * per;
        const HeadStats *hs = &s->stats[(size_t)st->layer * nh + h];
        const float *row = s->multi_rows + (size_t)h * n;
        int top = 0;
        for (int j = 1; j < n; j++) /* masked keys weigh 0 */
            if (row[j] > row[top]) top = j;
        bool cur = h == st->head && !st->mean;
        snprintf(line, sizeof line, "H%-2d %-14s %.2f  %s %s %s %.2f", h,
                 analysis_pattern_name(hs->pattern), hs->score, s->label[q], arrow,
                 s->label[top], row[top]);
        if (cur) view_puts(w, t, y, 1, 2, A_BOLD, theme_marker(t));
        view_puts(w, t, y, 3, W - 2, cur ? A_REVERSE | A_BOLD : A_BOLD, line);
        if (per < 2) continue;
        /* The gloss, and what the number is when that fits too. */
        int len = snprintf(line, sizeof line, "  %s (%.2f = %s)", lesson_role_gloss(hs->pattern),
                           hs->score, score_meaning[hs->pattern]);
        if (len > W - 2) snprintf(line, sizeof line, "  %s", lesson_role_gloss(hs->pattern));
        view_puts(w, t, y + 1, 3, W - 2, A_DIM, line);
    }
}
