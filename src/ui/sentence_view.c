/*
 * sentence_view.c - the sentence, split into the model's tokens and laid
 * back onto the text as typed; each token shaded by the weight the query
 * gives it.  In edit mode: the text being typed, with the cursor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_text.h"
#include "views.h"

/* What a token shows: its span of the text; tokens that cover none (BOS, an
 * inserted "▁") show their label so they can be selected too. */
static const char *token_cells(const Scene *s, int i, int *w, bool *placeholder)
{
    const Token *t = &s->res.tokens[i];
    *placeholder = t->start == t->end;
    if (!*placeholder) {
        *w = s->shown_w[i];
        return s->shown[i];
    }
    *w = s->label_w[i];
    return s->label[i];
}

static void draw_tokens(WINDOW *w, const ViewData *v, int width)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    int n = s->res.n;
    /* Pan so the query token is in view. */
    int qx = 0, qw = 0, x = 0;
    for (int i = 0; i < n; i++) {
        int tw;
        bool ph;
        token_cells(s, i, &tw, &ph);
        if (i == st->query) qx = x, qw = tw;
        x += tw + (ph && i == 0 ? 1 : 0);
    }
    int *pan = &v->pans->sentence_x;
    if (qx < *pan) *pan = qx > 4 ? qx - 4 : 0;
    if (qx + qw > *pan + width) *pan = qx + qw - width + 4;
    if (*pan > x - width) *pan = x - width > 0 ? x - width : 0;
    if (*pan < 0) *pan = 0;

    x = 0;
    for (int i = 0; i < n; i++) {
        int tw;
        bool ph;
        const char *cells = token_cells(s, i, &tw, &ph);
        int col = x - *pan;
        float wt = s->row[i];
        int attr = v->theme->colour ? theme_attr(v->theme, wt) : (int)A_NORMAL;
        if (ph) attr |= A_DIM;
        if (i == st->query) attr = A_REVERSE | A_BOLD;
        if (col >= 0 && col + tw <= width) {
            view_puts(w, v->theme, 1, 1 + col, tw, attr, cells);
            if (!v->theme->colour) {
                /* Glyph palettes: a shade row under the token. */
                for (int c = 0; c < tw; c++)
                    view_puts(w, v->theme, 2, 1 + col + c, 1, A_NORMAL,
                              i == st->query ? "^" : theme_glyph(v->theme, wt));
            }
        }
        x += tw + (ph && i == 0 ? 1 : 0);
    }
    if (*pan > 0) view_puts(w, v->theme, 1, 0, 1, A_BOLD, v->theme->utf8 ? "◂" : "<");
    if (x - *pan > width) view_puts(w, v->theme, 1, width + 1, 1, A_BOLD, v->theme->utf8 ? "▸" : ">");
}

/* Edit mode: the text as typed, panned to keep the cursor in view. */
static void draw_edit(WINDOW *w, const ViewData *v, int width)
{
    const AppState *st = v->st;
    bool utf8 = v->theme->utf8;
    int cx = ui_text_width(st->text, st->edit, utf8);
    int *pan = &v->pans->sentence_x;
    /* Scrolling left, keep a quarter of the line of context before the
     * cursor: a pan left over from the token view (or Home and a key read
     * together) must not hide what was just typed at the start. */
    if (cx < *pan) *pan = cx > width / 4 ? cx - width / 4 : 0;
    if (cx >= *pan + width) *pan = cx - width + 1;
    /* Skip the panned-off columns, then draw what fits. */
    size_t start = 0;
    int skipped = 0;
    while (start < st->len && skipped < *pan) {
        char tmp[16] = "";
        size_t used;
        int c = ui_text_render(st->text + start, st->len - start, utf8, tmp, sizeof tmp, 1, &used);
        if (used == 0) { /* a wide character straddles the edge */
            ui_text_render(st->text + start, st->len - start, utf8, tmp, sizeof tmp, 2, &used);
            c = 2;
        }
        start += used;
        skipped += c;
    }
    char *buf = malloc(st->len * 3 + 8);
    if (buf) {
        buf[0] = '\0';
        ui_text_render(st->text + start, st->len - start, utf8, buf, st->len * 3 + 8,
                       width - (skipped - *pan), NULL);
        view_puts(w, v->theme, 1, 1 + (skipped - *pan), width, A_NORMAL, buf);
        free(buf);
    }
    const char *state = v->computing ? "computing…" : "";
    char line[96];
    snprintf(line, sizeof line, "editing: %zu bytes %s", st->len, state);
    view_puts(w, v->theme, 2, 1, width, A_DIM, line);
    wmove(w, 1, 1 + cx - *pan);
}

void sentence_view_draw(WINDOW *w, const ViewData *v)
{
    werase(w);
    view_frame(w, v->st->mode == MODE_EDIT ? "sentence (editing)" : "sentence", v->theme);
    int width = getmaxx(w) - 2;
    if (v->st->mode == MODE_EDIT) draw_edit(w, v, width);
    else if (v->scene->have) draw_tokens(w, v, width);
}
