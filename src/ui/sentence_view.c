/*
 * sentence_view.c - the sentence, split into the model's tokens and laid
 * back onto the text as typed; each token shaded by the weight the query
 * gives it, a "·" where a word is split into pieces ("b·ank").  Under w the
 * query is a whole word and each piece shows its word's weight.  The frame
 * says when the result shown is for an older text (stale).  In edit mode:
 * the text being typed, with the cursor and its count of tokens against the
 * model's context.
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

/* The token whose cells show token I: itself, or for the rest of a
 * character split into byte tokens (no cells of its own), the one before. */
static int cell_owner(const Scene *s, int i)
{
    while (i > 0 && s->shown_w[i] == 0 && s->res.tokens[i].start < s->res.tokens[i].end) i--;
    return i;
}

/* Is token I part of the query: its word under w, else its character. */
static bool in_query(const Scene *s, const AppState *st, int i)
{
    if (st->words) return s->word_of[i] == s->word_of[st->query];
    return cell_owner(s, i) == cell_owner(s, st->query);
}

/* The weight token I's cells show: its word's under w; else its own and
 * that of the byte tokens whose character it shows. */
static float cell_weight(const Scene *s, const AppState *st, int i)
{
    if (st->words) return s->row[s->word_of[i]];
    float sum = s->row[i];
    for (int k = i + 1; k < s->res.n && cell_owner(s, k) == i; k++) sum += s->row[k];
    return sum;
}

/* Columns before token I's cells: the split mark, or a gap after BOS. */
static int gap_before(const Scene *s, int i)
{
    if (s->split[i]) return 1;
    return i == 1 && s->res.tokens[0].start == s->res.tokens[0].end;
}

static void draw_tokens(WINDOW *w, const ViewData *v, int width)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const char *join = v->theme->utf8 ? "\xC2\xB7" : "-";
    int n = s->res.n;
    /* Pan so the query (its word under w) is in view. */
    int qx = -1, qend = 0, x = 0;
    for (int i = 0; i < n; i++) {
        int tw;
        bool ph;
        token_cells(s, i, &tw, &ph);
        x += gap_before(s, i);
        if (in_query(s, st, i)) {
            if (qx < 0) qx = x;
            qend = x + tw;
        }
        x += tw;
    }
    if (qx < 0) qx = 0;
    /* By half lines, from the query alone: the same query and width give
     * the same strip, whatever was shown before (a resize and back). */
    int *pan = &v->pans->sentence_x, step = width > 3 ? width / 2 : 1;
    *pan = 0;
    while (qend > *pan + width - 1 && *pan + step <= qx) *pan += step;
    if (*pan > x - width) *pan = x - width > 0 ? x - width : 0;
    /* Start at a token, not in the middle of one. */
    for (int i = 0, tx = 0; i < n && *pan > 0; i++) {
        int tw;
        bool ph;
        token_cells(s, i, &tw, &ph);
        tx += gap_before(s, i);
        if (tx >= *pan) {
            if (tx <= qx) *pan = tx;
            break;
        }
        tx += tw;
    }

    x = 0;
    for (int i = 0; i < n; i++) {
        int tw;
        bool ph;
        const char *cells = token_cells(s, i, &tw, &ph);
        bool q = in_query(s, st, i);
        if (s->split[i] && x - *pan >= 0 && x - *pan < width)
            view_puts(w, v->theme, 1, 1 + x - *pan, 1, q && st->words ? A_REVERSE : A_DIM, join);
        x += gap_before(s, i);
        int col = x - *pan;
        float wt = cell_weight(s, st, i);
        int attr = v->theme->colour ? theme_attr(v->theme, wt) : (int)A_NORMAL;
        if (ph) attr |= A_DIM;
        if (q) attr = A_REVERSE | A_BOLD;
        if (tw > 0 && col >= 0 && col + tw <= width) {
            view_puts(w, v->theme, 1, 1 + col, tw, attr, cells);
            if (!v->theme->colour) {
                /* Glyph palettes: a shade row under the token. */
                for (int c = 0; c < tw; c++)
                    view_puts(w, v->theme, 2, 1 + col + c, 1, A_NORMAL,
                              q ? "^" : theme_glyph(v->theme, wt));
            }
        }
        x += tw;
    }
    if (*pan > 0) view_puts(w, v->theme, 1, 0, 1, A_BOLD, v->theme->utf8 ? "◂" : "<");
    if (x - *pan > width) view_puts(w, v->theme, 1, width + 1, 1, A_BOLD, v->theme->utf8 ? "▸" : ">");
}

/* The typed text on line 1, panned to keep byte offset AT in view; returns
 * the column of AT on screen. */
static int draw_text(WINDOW *w, const ViewData *v, int width, size_t at)
{
    const AppState *st = v->st;
    bool utf8 = v->theme->utf8;
    int cx = ui_text_width(st->text, at, utf8);
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
    if (*pan > 0) view_puts(w, v->theme, 1, 0, 1, A_BOLD, utf8 ? "◂" : "<");
    return cx - *pan;
}

/* Edit mode: the text as typed, with the cursor, and under it the tokens it
 * makes against the model's context ("12/256 tokens"), marked when over. */
static void draw_edit(WINDOW *w, const ViewData *v, int width)
{
    const Scene *s = v->scene;
    int cx = draw_text(w, v, width, v->st->edit);
    int count = scene_count_tokens(s, v->st->text, v->st->len);
    int context = s->model->cfg.context;
    char line[160];
    int x = 1;
    if (count >= 0) {
        snprintf(line, sizeof line, "%d/%d tokens", count, context);
        x += view_puts(w, v->theme, 2, x, width, count > context ? A_REVERSE | A_BOLD : A_DIM, line);
    }
    if (count > context) {
        snprintf(line, sizeof line, "  over the context: the view keeps the last text that fit");
        if (x - 1 + (int)strlen(line) > width) snprintf(line, sizeof line, "  over the context");
    } else
        snprintf(line, sizeof line, "  %s", v->computing ? "computing…" : "");
    view_puts(w, v->theme, 2, x, width - (x - 1), count > context ? A_BOLD : A_DIM, line);
    wmove(w, 1, 1 + cx);
}

/* The frame's title: what the strip shows, and whether it is stale. */
static const char *frame_title(const ViewData *v, int width, char *buf, size_t cap)
{
    const AppState *st = v->st;
    const Scene *s = v->scene;
    if (st->mode == MODE_EDIT) return "sentence (editing)";
    if (!s->have)
        return v->computing ? "sentence (computing…)" : "sentence (no result for this text)";
    if (scene_stale(s, st)) {
        const char *what = v->computing ? "computing" : "showing the previous text";
        snprintf(buf, cap, "sentence (stale: %s)", what);
        return (int)strlen(buf) + 4 <= width ? buf : "sentence (stale)";
    }
    const char *note = scene_units_note(st, false);
    if (!note) return "sentence";
    snprintf(buf, cap, "sentence · %s", note);
    if ((int)strlen(buf) + 4 > width) snprintf(buf, cap, "sentence · %s", scene_units_note(st, true));
    return buf;
}

void sentence_view_draw(WINDOW *w, const ViewData *v)
{
    werase(w);
    int width = getmaxx(w) - 2;
    char title[128];
    view_frame(w, frame_title(v, width, title, sizeof title), v->theme);
    if (v->st->mode == MODE_EDIT) draw_edit(w, v, width);
    else if (v->scene->have) draw_tokens(w, v, width);
    else draw_text(w, v, width, 0); /* what was typed, though not computed */
}
