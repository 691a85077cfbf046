/*
 * predict_view.c - what the model predicts next: the most probable tokens
 * after the whole sentence and after the query token (a causal model sees
 * only up to the query there), so where a word looks can be set beside what
 * the model makes of it.
 */
#include <stdio.h>
#include <string.h>

#include "ui_text.h"
#include "views.h"

/* A block's list: its heading, then up to ROWS predictions with a bar. */
static void block(WINDOW *w, const ViewData *v, int y, int rows, const char *heading, int which)
{
    const Scene *s = v->scene;
    int W = getmaxx(w) - 2;
    view_puts(w, v->theme, y, 1, W, A_BOLD, heading);
    for (int k = 0; k < SCENE_NEXT && k < rows; k++) {
        const char *piece = tokenizer_piece(s->model->tok, s->next_id[which][k]);
        char shown[64] = "", line[128], bar[256] = "";
        /* As UTF-8: without it, view_puts shows "▁" as "_". */
        ui_text_render(piece, strlen(piece), true, shown, sizeof shown, 14, NULL);
        int cells = (int)(s->next_p[which][k] * (W - 28) + 0.5f);
        for (int c = 0; c < cells && c < 60; c++) strcat(bar, v->theme->utf8 ? "█" : "#");
        snprintf(line, sizeof line, "%6.3f ", s->next_p[which][k]);
        view_puts(w, v->theme, y + 1 + k, 3, 16, A_NORMAL, shown);
        view_puts(w, v->theme, y + 1 + k, 20, W - 19, A_NORMAL, line);
        view_puts(w, v->theme, y + 1 + k, 27, W - 26, A_NORMAL, bar);
    }
}

/* A block on one line, for a short panel: "LEAD  He .29  It .23 ..." with
 * as many predictions as fit; returns how many did not. */
static int block_line(WINDOW *w, const ViewData *v, int y, const char *lead, int which)
{
    const Scene *s = v->scene;
    int W = getmaxx(w) - 2, x = 1 + view_puts(w, v->theme, y, 1, W, A_BOLD, lead);
    for (int k = 0; k < SCENE_NEXT; k++) {
        const char *piece = tokenizer_piece(s->model->tok, s->next_id[which][k]);
        char shown[64] = "", item[96];
        ui_text_render(piece, strlen(piece), true, shown, sizeof shown, 14, NULL);
        snprintf(item, sizeof item, "  %s %.2f", shown, s->next_p[which][k]);
        int c = ui_text_width(item, strlen(item), true);
        if (x + c > W + 1) return SCENE_NEXT - k;
        x += view_puts(w, v->theme, y, x, c, A_NORMAL, item);
    }
    return 0;
}

void predict_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    werase(w);
    if (!s->have) {
        view_frame(w, "next token", v->theme);
        return;
    }
    int H = getmaxy(w) - 2;
    char heading[128];
    /* Two lists of heading and predictions, a blank line between them when
     * there is room; a few predictions each when not; a line each when even
     * two rows each do not fit. */
    int gap = H >= 2 * (1 + SCENE_NEXT) + 1, rows = (H - gap) / 2 - 1;
    if (rows > SCENE_NEXT) rows = SCENE_NEXT;
    if (rows >= 2) {
        int hidden = 2 * (SCENE_NEXT - rows);
        view_frame_more(w, "next token", v->theme, 0, hidden);
        snprintf(heading, sizeof heading, "after the sentence (%d tokens):", s->res.n);
        block(w, v, 1, rows, heading, 0);
        snprintf(heading, sizeof heading, "after the query \"%s\" (token %d):",
                 s->label[st->query], st->query);
        block(w, v, 2 + rows + gap, rows, heading, 1);
        return;
    }
    int hidden = 0;
    hidden += block_line(w, v, 1, "sentence →", 0);
    snprintf(heading, sizeof heading, "\"%s\" →", s->label[st->query]);
    if (H >= 2) hidden += block_line(w, v, 2, heading, 1);
    else hidden += SCENE_NEXT;
    view_frame_more(w, "next token", v->theme, 0, hidden);
}
