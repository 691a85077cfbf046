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

static void block(WINDOW *w, const ViewData *v, int y, int rows, const char *heading, int which)
{
    const Scene *s = v->scene;
    int W = getmaxx(w) - 2;
    view_puts(w, v->theme, y, 1, W, A_BOLD, heading);
    for (int k = 0; k < SCENE_NEXT && k + 1 < rows; k++) {
        const char *piece = tokenizer_piece(s->model->tok, s->next_id[which][k]);
        char shown[64] = "", line[128], bar[256] = "";
        ui_text_render(piece, strlen(piece), v->theme->utf8, shown, sizeof shown, 14, NULL);
        int cells = (int)(s->next_p[which][k] * (W - 28) + 0.5f);
        for (int c = 0; c < cells && c < 60; c++) strcat(bar, v->theme->utf8 ? "█" : "#");
        snprintf(line, sizeof line, "%6.3f ", s->next_p[which][k]);
        view_puts(w, v->theme, y + 1 + k, 3, 16, A_NORMAL, shown);
        view_puts(w, v->theme, y + 1 + k, 20, W - 19, A_NORMAL, line);
        view_puts(w, v->theme, y + 1 + k, 27, W - 26, A_NORMAL, bar);
    }
}

void predict_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    werase(w);
    view_frame(w, "next token", v->theme);
    if (!s->have) return;
    int H = getmaxy(w) - 2, half = (H + 1) / 2;
    char heading[128];
    snprintf(heading, sizeof heading, "after the sentence (%d tokens):", s->res.n);
    block(w, v, 1, half, heading, 0);
    snprintf(heading, sizeof heading, "after the query \"%s\" (token %d):", s->label[st->query],
             st->query);
    block(w, v, 1 + half, H - half, heading, 1);
}
