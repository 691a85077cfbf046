/*
 * predict_view.c - what the model predicts next: the most probable tokens
 * after the whole sentence and after the query token (a causal model sees
 * only up to the query there), so where a word looks can be set beside what
 * the model makes of it.  With heads knocked out (K), what the model with
 * every head predicted stands at the right: before and after.
 */
#include <stdio.h>
#include <string.h>

#include "ui_text.h"
#include "views.h"

/* Token ID as it shows, at most 14 columns, into SHOWN. */
static void piece_text(const ViewData *v, int id, char *shown, size_t cap)
{
    view_piece(v->scene, v->theme, id, shown, cap, 14);
}

/* Columns of the "before" list at the right of a block, when heads are
 * knocked out: "│ piece   0.123". */
#define BEFORE_COLS 24

/* A block's list: its heading, then up to ROWS predictions with a bar; with
 * heads knocked out, what the model with every head predicted at the right. */
static void block(WINDOW *w, const ViewData *v, int y, int rows, const char *heading, int which)
{
    const Scene *s = v->scene;
    int W = getmaxx(w) - 2;
    bool before = s->res.intact && W >= 34 + BEFORE_COLS;
    int right = before ? W - BEFORE_COLS : W; /* the after list's last column + 1 */
    view_puts(w, v->theme, y, 1, right - 1, A_BOLD, heading);
    if (before) {
        view_puts(w, v->theme, y, right + 1, BEFORE_COLS - 1, A_BOLD, "with every head:");
        for (int k = 0; k <= rows && k <= SCENE_NEXT; k++)
            view_puts(w, v->theme, y + k, right, 1, A_DIM, v->theme->utf8 ? "│" : "|");
    }
    for (int k = 0; k < SCENE_NEXT && k < rows; k++) {
        char shown[64], line[128], bar[256] = "";
        piece_text(v, s->next_id[which][k], shown, sizeof shown);
        int cells = (int)(s->next_p[which][k] * (right - 28) + 0.5f);
        for (int c = 0; c < cells && c < 60; c++) strcat(bar, v->theme->utf8 ? "█" : "#");
        snprintf(line, sizeof line, "%6.3f ", s->next_p[which][k]);
        view_puts(w, v->theme, y + 1 + k, 3, 16, A_NORMAL, shown);
        view_puts(w, v->theme, y + 1 + k, 20, right - 20, A_NORMAL, line);
        view_puts(w, v->theme, y + 1 + k, 27, right - 27, A_NORMAL, bar);
        if (!before) continue;
        piece_text(v, s->before_id[which][k], shown, sizeof shown);
        /* A prediction the knock-out moved (another token at this rank) is bold. */
        int attr = s->before_id[which][k] != s->next_id[which][k] ? A_BOLD : A_NORMAL;
        view_puts(w, v->theme, y + 1 + k, right + 2, 15, attr, shown);
        snprintf(line, sizeof line, "%6.3f", s->before_p[which][k]);
        view_puts(w, v->theme, y + 1 + k, right + 17, 6, attr, line);
    }
}

/* A block on one line, for a short panel: "LEAD  He .29  It .23 ..." with
 * as many predictions as fit; returns how many did not. */
static int block_line(WINDOW *w, const ViewData *v, int y, const char *lead, int which)
{
    const Scene *s = v->scene;
    int W = getmaxx(w) - 2, x = 1 + view_puts(w, v->theme, y, 1, W, A_BOLD, lead);
    for (int k = 0; k < SCENE_NEXT; k++) {
        char shown[64], item[96];
        piece_text(v, s->next_id[which][k], shown, sizeof shown);
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
    if (model_fills_mask(s->model)) {
        /* A masked-language model guesses the token at a position from the
         * words on both sides: meaningful where the word is hidden. */
        bool hidden = scene_hidden(s, st->query);
        view_frame(w, "hidden word", v->theme);
        int y = 1;
        if (!hidden) {
            snprintf(heading, sizeof heading, "_ hides \"%s\" as [MASK]: the encoder then "
                     "guesses it from the words on both sides.", s->label[st->query]);
            y = view_wrap(w, v->theme, y, 2, getmaxx(w) - 4, H, heading, A_NORMAL);
            if (H - y > SCENE_NEXT) y++;
            snprintf(heading, sizeof heading, "at \"%s\" (token %d), which it can see:",
                     s->label[st->query], st->query);
        } else {
            snprintf(heading, sizeof heading, "its guesses for the hidden word (token %d):",
                     st->query);
        }
        int rows = H - y; /* the heading's line is one of H - y + 1 */
        if (rows > SCENE_NEXT) rows = SCENE_NEXT;
        if (rows >= 1) block(w, v, y, rows, heading, 1);
        return;
    }
    if (!model_has_lm_head(s->model)) {
        /* An encoder (bert): its last layer is embeddings, not predictions. */
        view_frame(w, "next token", v->theme);
        view_wrap(w, v->theme, 1, 2, getmaxx(w) - 4, H,
                  "This model has no language-model head: it is an encoder, whose last layer "
                  "gives each word an embedding, not a next-word prediction.", A_NORMAL);
        return;
    }
    /* Two lists of heading and predictions, a blank line between them when
     * there is room; a few predictions each when not; a line each when even
     * two rows each do not fit. */
    int gap = H >= 2 * (1 + SCENE_NEXT) + 1, rows = (H - gap) / 2 - 1;
    if (rows > SCENE_NEXT) rows = SCENE_NEXT;
    if (rows >= 2) {
        int hidden = 2 * (SCENE_NEXT - rows);
        view_frame_more(w, "next token", v->theme, 0, hidden);
        /* With heads knocked out, the headings say so first: the list
         * under them is the model without those heads. */
        char off[48] = "";
        if (s->res.intact) snprintf(off, sizeof off, "%d head%s off, ", s->res.n_off,
                                    s->res.n_off == 1 ? "" : "s");
        if (*off) snprintf(heading, sizeof heading, "%safter the sentence:", off);
        else snprintf(heading, sizeof heading, "after the sentence (%d tokens):", s->res.n);
        block(w, v, 1, rows, heading, 0);
        if (*off) snprintf(heading, sizeof heading, "%safter \"%s\":", off, s->label[st->query]);
        else snprintf(heading, sizeof heading, "after the query \"%s\" (token %d):",
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
