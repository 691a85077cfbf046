/*
 * lesson_twin_view.c - the lesson's "pattern matching, not understanding"
 * step: the sentence on screen and its noun-swapped twin ("The mat sat on
 * the cat ..."), each lit by the same head's row for its query word, each
 * with the query's three strongest keys; then the weight on the step's two
 * nouns in both.  The pair step ("every word sees every other word") is
 * drawn the same way: the one sentence in the decoder and in the encoder,
 * each in its own chosen head.  One above the other, or side by side when each half gets
 * TWIN_SIDE_COLS.  The twin was run once, with the step (WorkResult.twin);
 * its row is read for the layer and head now on screen, so changing head
 * keeps both halves comparable.
 *
 * Both sentences are laid out the same way, from their text and tokens: a
 * token shows its span with the leading spaces turned into one gap, pieces
 * of one word joined by "·"; the byte tokens of one character show as that
 * character; lines wrap between tokens, and a token wider than the panel is
 * cut with "…".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "trace.h"
#include "ui_text.h"
#include "views.h"

#define TWIN_SIDE_COLS 60
#define TWIN_TOP 3

/* A sentence to light: its text and tokens, the weight each token shows and
 * the tokens marked as its query. */
typedef struct {
    const char *text;
    const Token *tok;
    int n;
    const float *wt;    /* (n) */
    bool per_word;      /* wt holds each piece's word's weight: not summed */
    int q0, q1;         /* the query's tokens, first and last */
    char *const *label; /* what a token covering no text shows, or NULL: its piece */
    const Tokenizer *tokenizer;
} Sentence;

/* One shown unit: a token, or a character's byte tokens together. */
typedef struct {
    int a;             /* its first token */
    size_t start, end; /* its text, leading spaces dropped */
    int pre;           /* before it: 0 nothing, 1 a gap, 2 the join mark */
    int w;             /* columns of its text */
    float wt;
    bool query;
    int line, col;     /* where it lands */
} Item;

/* Letters and digits, and any byte of a non-ASCII character, make words. */
static bool wordish(unsigned char c)
{
    return c >= 0x80 || isalnum(c);
}

/* What item IT shows, rendered into BUF (at most MAX_COLS); returns columns. */
static int item_text(const Sentence *s, const Item *it, bool utf8, char *buf, size_t cap,
                     int max_cols)
{
    buf[0] = '\0';
    if (max_cols <= 0) return 0;
    if (it->start < it->end)
        return ui_text_render(s->text + it->start, it->end - it->start, utf8, buf, cap, max_cols,
                              NULL);
    const Token *t = &s->tok[it->a];
    if (t->start < t->end) { /* only spaces */
        const char *space = utf8 ? "␣" : "_";
        return ui_text_render(space, strlen(space), utf8, buf, cap, max_cols, NULL);
    }
    const char *l = s->label ? s->label[it->a] : tokenizer_piece(s->tokenizer, t->id);
    return ui_text_render(l ? l : "?", l ? strlen(l) : 1, utf8, buf, cap, max_cols, NULL);
}

/* Group the tokens of S into ITEMS (room for s->n) and lay them out in
 * lines WIDTH columns wide; returns the items, *LINES the lines used. */
static int layout(const Sentence *s, Item *items, int width, bool utf8, int *lines)
{
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        const Token *t = &s->tok[i];
        bool covers = t->end > t->start;
        /* A token starting inside a character joins the one before. */
        if (k > 0 && covers && items[k - 1].end > items[k - 1].start
            && ((unsigned char)s->text[t->start] & 0xC0) == 0x80) {
            Item *p = &items[k - 1];
            p->end = t->end;
            p->wt += s->per_word ? 0.0f : s->wt[i];
            p->query |= i >= s->q0 && i <= s->q1;
            continue;
        }
        Item *it = &items[k++];
        memset(it, 0, sizeof *it);
        it->a = i;
        it->start = t->start, it->end = t->end;
        while (it->start < it->end && s->text[it->start] == ' ') it->start++;
        it->wt = s->wt[i];
        it->query = i >= s->q0 && i <= s->q1;
        if (k == 1) continue;
        /* A gap for the spaces the token starts with, or after a token that
         * covers no text (BOS); a token of spaces alone shows "␣" in their
         * place. */
        const Item *prev = &items[k - 2];
        const Token *pt = &s->tok[prev->a];
        if ((it->start > t->start && it->start < it->end) || pt->start == pt->end) it->pre = 1;
        else if (it->start < it->end && wordish((unsigned char)s->text[prev->end - 1])
                 && wordish((unsigned char)s->text[it->start]))
            it->pre = 2;
    }
    char buf[64];
    for (int i = 0; i < k; i++) {
        Item *it = &items[i];
        it->w = it->start < it->end ? ui_text_width(s->text + it->start, it->end - it->start, utf8)
                                    : item_text(s, it, utf8, buf, sizeof buf, 1 << 20);
    }
    int line = 0, x = 0;
    for (int i = 0; i < k; i++) {
        Item *it = &items[i];
        int pre = it->pre ? 1 : 0;
        /* A word's pieces wrap together, unless the word is wider than a line. */
        int run = it->w;
        for (int j = i + 1; it->pre != 2 && j < k && items[j].pre == 2; j++) run += 1 + items[j].w;
        if (run > width) run = it->w;
        if (x > 0 && x + pre + run > width) line++, x = 0;
        if (x > 0) x += pre;
        it->line = line, it->col = x;
        x += it->w < width ? it->w : width;
    }
    *lines = k > 0 ? line + 1 : 0;
    return k;
}

/* The items of lines [FIRST, FIRST + COUNT) from (Y, X); each line takes
 * ROWMUL rows: a shade row under the text when the palette has no colour.
 * WIDTH is the layout's; a mark in the column after it says more lines
 * lie above or below. */
static void draw_items(WINDOW *w, const ViewData *v, const Sentence *s, const Item *items, int k,
                       int y, int x, int width, int first, int count, int total)
{
    const Theme *t = v->theme;
    int rowmul = t->colour ? 1 : 2;
    char buf[1024];
    for (int i = 0; i < k; i++) {
        const Item *it = &items[i];
        if (it->line < first || it->line >= first + count) continue;
        int yy = y + (it->line - first) * rowmul, xx = x + it->col;
        if (it->pre == 2 && it->col > 0)
            view_puts(w, t, yy, xx - 1, 1, A_DIM, t->utf8 ? "·" : "-");
        /* A weight above 0 takes at least the first shade, as in the
         * heatmap: "looks a little" must not read as nothing. */
        float shade = it->wt > 0.0f && theme_level(t, it->wt) == 0 ? 1.0f / (float)t->levels
                                                                    : it->wt;
        int attr = t->colour ? theme_attr(t, shade) : (int)A_NORMAL;
        if (it->query) attr |= A_BOLD | A_UNDERLINE;
        int cols = it->w;
        if (cols > width) { /* wider than the panel: cut, with a mark */
            item_text(s, it, t->utf8, buf, sizeof buf, width - 1);
            view_puts(w, t, yy, xx, width - 1, attr, buf);
            view_puts(w, t, yy, xx + width - 1, 1, A_DIM, "…");
            cols = width;
        } else {
            item_text(s, it, t->utf8, buf, sizeof buf, cols);
            view_puts(w, t, yy, xx, cols, attr, buf);
        }
        if (rowmul == 2)
            for (int c = 0; c < cols; c++)
                view_puts(w, t, yy + 1, xx + c, 1, A_NORMAL, theme_glyph(t, shade));
    }
    if (first > 0) view_puts(w, t, y, x + width, 1, A_BOLD, "▴");
    if (first + count < total)
        view_puts(w, t, y + (count - 1) * rowmul, x + width, 1, A_BOLD, "▾");
}

/* The first line to show of TOTAL, COUNT at a time, keeping the query's. */
static int first_line(const Item *items, int k, int count, int total)
{
    int q = 0;
    for (int i = 0; i < k; i++)
        if (items[i].query) {
            q = items[i].line;
            break;
        }
    int first = q - count / 2;
    if (first > total - count) first = total - count;
    return first < 0 ? 0 : first;
}

/* The row of query Q in the layer and head on screen (the mean of the
 * layer's heads under its switch): a view into T, or MEAN filled. */
static const float *head_row(const AttentionTrace *t, const AppState *st, int q, float *mean)
{
    int n = t->n_tokens;
    if (!st->mean) return trace_attn(t, st->layer, st->head) + (size_t)q * n;
    for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int h = 0; h < t->n_heads; h++) sum += trace_attn(t, st->layer, h)[(size_t)q * n + j];
        mean[j] = (float)(sum / t->n_heads);
    }
    return mean;
}

/* The weight ROW puts on the first whole-word occurrence of WORD in TEXT
 * (lesson_find_word's rule): the sum over the tokens covering it.  -1 when
 * the word is not there. */
static double word_weight(const char *text, const Token *tok, int n, const float *row,
                          const char *word)
{
    int first, last;
    if (lesson_find_word(text, tok, (size_t)n, word, &first, &last)) return -1;
    double sum = 0;
    for (int i = first; i <= last; i++) sum += row[i];
    return sum;
}

/* A token's text as a short label: its span without spaces, or its piece. */
static void token_label(const Sentence *s, int i, bool utf8, char *buf, size_t cap)
{
    const Token *t = &s->tok[i];
    size_t a = t->start, b = t->end;
    buf[0] = '\0';
    while (a < b && s->text[a] == ' ') a++;
    while (b > a && s->text[b - 1] == ' ') b--;
    if (a < b) ui_text_render(s->text + a, b - a, utf8, buf, cap, SCENE_LABEL_COLS, NULL);
    else if (t->start < t->end) snprintf(buf, cap, "%s", utf8 ? "␣" : "_");
    else {
        const char *p = tokenizer_piece(s->tokenizer, t->id);
        ui_text_render(p ? p : "?", p ? strlen(p) : 1, utf8, buf, cap, SCENE_LABEL_COLS, NULL);
    }
}

/* "it → cat 0.86  The 0.05  mat 0.03" for the twin: ROW's strongest keys. */
static void twin_top_line(const Sentence *s, const float *row, int q, bool utf8, char *line,
                          size_t cap)
{
    char label[64];
    token_label(s, q, utf8, label, sizeof label);
    int o = snprintf(line, cap, "%s →", label);
    int ids[TWIN_TOP], got = 0;
    for (int r = 0; r < TWIN_TOP; r++) {
        int best = -1;
        for (int j = 0; j < s->n; j++) {
            bool taken = false;
            for (int g = 0; g < got; g++) taken |= ids[g] == j;
            if (!taken && row[j] > 0.0f && (best < 0 || row[j] > row[best])) best = j;
        }
        if (best < 0) break;
        ids[got++] = best;
        token_label(s, best, utf8, label, sizeof label);
        if (o >= 0 && (size_t)o < cap)
            o += snprintf(line + o, cap - (size_t)o, "%s%s %.2f", r ? "  " : " ", label, row[best]);
    }
}

/* The same for the sentence on screen, over its units (tokens, or words
 * under w), through the scene. */
static void scene_top_line(const ViewData *v, char *line, size_t cap)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    int ids[TWIN_TOP];
    int got = scene_top(s, TWIN_TOP, ids);
    int o = snprintf(line, cap, "%s →",
                     scene_unit_label(s, st, scene_unit_of(s, st, st->query), NULL));
    for (int r = 0; r < got && o >= 0 && (size_t)o < cap; r++)
        o += snprintf(line + o, cap - (size_t)o, "%s%s %.2f", r ? "  " : " ",
                      scene_unit_label(s, st, ids[r], NULL), s->row[ids[r]]);
}

/* Key by key, in the text's order: each token's label, ROW's weight on it
 * and a bar; ROWS lines from (Y, X), ending at query Q when they cannot
 * hold every key up to it (a later key is masked: weight 0). */
static void draw_keys(WINDOW *w, const ViewData *v, const Sentence *s, const float *row, int q,
                      int y, int x, int width, int rows)
{
    const Theme *t = v->theme;
    int first = q + 1 > rows ? q + 1 - rows : 0;
    char label[64], line[1024];
    for (int j = first; j < s->n && j < first + rows; j++) {
        token_label(s, j, t->utf8, label, sizeof label);
        int lw = ui_text_width(label, strlen(label), t->utf8);
        int o = snprintf(line, sizeof line, "%s%*s %5.2f ", label,
                         lw < SCENE_LABEL_COLS ? SCENE_LABEL_COLS - lw : 0, "", row[j]);
        if (o > 0 && (size_t)o < sizeof line)
            view_bar(line + o, sizeof line - (size_t)o, row[j], width - SCENE_LABEL_COLS - 7, t->utf8);
        view_puts(w, t, y + j - first, x, width, j == q ? A_BOLD : row[j] > 0 ? A_NORMAL : A_DIM,
                  line);
    }
}

/* One half: a header (or NULL), the lit sentence in up to MAX_LINES lines,
 * the top keys (or NULL); from line Y in columns [X, X + WIDTH), not below
 * line BOTTOM.  Returns the line after it. */
static int draw_half(WINDOW *w, const ViewData *v, const Sentence *s, const char *header,
                     const char *top, int y, int x, int width, int max_lines, int bottom)
{
    const Theme *t = v->theme;
    int rowmul = t->colour ? 1 : 2;
    if (y > bottom) return y;
    if (header) view_puts(w, t, y++, x, width, A_BOLD, header);
    Item *items = s->n > 0 ? malloc((size_t)s->n * sizeof *items) : NULL;
    if (!items) {
        if (y <= bottom) view_puts(w, t, y++, x, width, A_DIM, "(out of memory)");
        return y;
    }
    /* The last column stays free for the marks of lines cut off. */
    int total, k = layout(s, items, width - 1, t->utf8, &total);
    int room = (bottom - y + 1 - (top != NULL)) / rowmul;
    if (room > max_lines) room = max_lines;
    if (room < 1 && y + rowmul - 1 <= bottom) room = 1;
    int count = total < room ? total : room;
    if (count > 0) {
        draw_items(w, v, s, items, k, y, x, width - 1, first_line(items, k, count, total), count,
                   total);
        y += count * rowmul;
    }
    free(items);
    if (top && y <= bottom) view_puts(w, t, y++, x, width, A_NORMAL, top);
    return y;
}

/* Lines of the sentence S laid out WIDTH wide (for the split of the rows). */
static int lines_of(const Sentence *s, int width, bool utf8)
{
    Item *items = s->n > 0 ? malloc((size_t)s->n * sizeof *items) : NULL;
    int total = 1;
    if (items) layout(s, items, width - 1, utf8, &total);
    free(items);
    return total;
}

/* Why there is no twin to show, or NULL when there is one. */
static const char *twin_missing(const ViewData *v, const LessonResult *r, char *buf, size_t cap)
{
    const Scene *s = v->scene;
    const LessonStep *step = lesson_step(v->st->lesson);
    if (s->res.lesson_step != v->st->lesson || !step) return "measuring the twin…";
    if (!r) {
        /* The twin is run with the step's measuring, which needs the step's
         * words in the text (the caption says which is missing). */
        snprintf(buf, cap, "no twin measured: the step needs \"%s\", \"%s\" and \"%s\" in "
                 "your sentence (L puts it back)", step->query_word, step->target_word,
                 step->competitor_word);
        return buf;
    }
    if (!s->res.twin) return v->computing ? "measuring the twin…" : "no twin: its pass failed";
    if (r->twin_query < 0 || r->twin_query >= s->res.twin->n) return "no twin measured yet";
    return NULL;
}

/* "tinystories-2m · causal" for the half of model M. */
/* The sentence on screen as a Sentence: its units' weights (under w, each
 * piece shows its word's weight and the query is its whole word); SHOWN
 * (n floats) holds them then. */
static Sentence here_sentence(const ViewData *v, float *shown)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    int n = s->res.n;
    Sentence here = {s->res.text, s->res.tokens, n, s->row, false, st->query, st->query,
                     s->label, s->model->tok};
    if (st->words) {
        int word = s->word_of[st->query];
        for (int i = 0; i < n; i++) shown[i] = s->row[s->word_of[i]];
        here.wt = shown, here.per_word = true;
        here.q0 = s->word_first[word], here.q1 = s->word_first[word + 1] - 1;
    }
    return here;
}

/* "cat/mat: 0.86/0.03 here, 0.12/0.67 in the twin" into CMP (empty when
 * there is no second sentence or step); a word a sentence lacks is "-". */
static void compare_line(const LessonStep *step, const Sentence *here, const float *row_here,
                         const Sentence *twin, const float *row_twin, const char *other,
                         char *cmp, size_t cap)
{
    cmp[0] = '\0';
    if (!step || !step->target_word || !step->competitor_word || !row_twin) return;
    double x[4] = {
        word_weight(here->text, here->tok, here->n, row_here, step->target_word),
        word_weight(here->text, here->tok, here->n, row_here, step->competitor_word),
        word_weight(twin->text, twin->tok, twin->n, row_twin, step->target_word),
        word_weight(twin->text, twin->tok, twin->n, row_twin, step->competitor_word),
    };
    char f[4][16];
    for (int i = 0; i < 4; i++) {
        if (x[i] < 0) snprintf(f[i], sizeof f[i], "-");
        else snprintf(f[i], sizeof f[i], "%.2f", x[i]);
    }
    snprintf(cmp, cap, "%s/%s: %s/%s here, %s/%s in %s", step->target_word,
             step->competitor_word, f[0], f[1], f[2], f[3], other);
}

/* What the two halves show: each sentence with its header, top-keys line,
 * row and query; TWIN.n == 0 when there is none (MISSING says why). */
typedef struct {
    const Sentence *here, *twin;
    const float *row_here, *row_twin;
    int q_here, q_twin;
    const char *head_here, *head_twin, *top_here, *top_twin, *missing, *cmp;
} Pair;

/* Two sentences side by side when each half gets TWIN_SIDE_COLS, with
 * every key's weight under them when the panel has the rows; else one
 * above the other, every part getting its first line before any gets a
 * second: a line of each sentence, their headers, the comparison, the top
 * keys, a gap, then the sentences' other lines in turn. */
static void pair_layout(WINDOW *w, const ViewData *v, const Pair *p)
{
    const Theme *t = v->theme;
    int W = getmaxx(w) - 2, H = getmaxy(w) - 2;
    bool have_twin = p->twin->n > 0;
    bool side = W >= 2 * TWIN_SIDE_COLS + 1;
    int half = side ? (W - 1) / 2 : W;
    int need_here = lines_of(p->here, half, t->utf8);
    int need_twin = have_twin ? lines_of(p->twin, half, t->utf8) : 0;
    int has_cmp = p->cmp[0] != '\0';
    if (side) {
        int bottom = H - 2 * has_cmp;
        int y = draw_half(w, v, p->here, p->head_here, p->top_here, 1, 1, half, need_here, bottom);
        int xr = 1 + W - half;
        if (have_twin) {
            int yt = draw_half(w, v, p->twin, p->head_twin, p->top_twin, 1, xr, half, need_twin,
                               bottom);
            if (yt > y) y = yt;
        } else {
            view_puts(w, t, 1, xr, half, A_BOLD, p->head_twin);
            int ym = view_wrap(w, t, 2, xr, half, bottom, p->missing, A_DIM);
            if (y < ym) y = ym;
        }
        int keys = p->here->n > p->twin->n ? p->here->n : p->twin->n, rows = bottom - y - 1;
        if (have_twin && rows >= 4) {
            if (rows > keys) rows = keys;
            draw_keys(w, v, p->here, p->row_here, p->q_here, y + 1, 1, half, rows);
            draw_keys(w, v, p->twin, p->row_twin, p->q_twin, y + 1, xr, half, rows);
            y += 1 + rows;
        }
        if (has_cmp && y + 1 <= H) view_puts(w, t, y + 1, 1, W, A_BOLD, p->cmp);
        return;
    }
    int rowmul = t->colour ? 1 : 2;
    bool headers = H >= 2 + 2 * rowmul;
    int left = H - 2 * headers - 2 * rowmul;
    int cmp_line = has_cmp && left >= 1;
    left -= cmp_line;
    bool tops = left >= 2;
    left -= tops ? 2 : 0;
    int gap = left >= 1 + 2 * rowmul || (left >= 1 && need_here + need_twin <= 2);
    left -= gap;
    int la = 1, lb = 1;
    while (left >= rowmul && (la < need_here || lb < need_twin)) {
        if (la < need_here && (la <= lb || lb >= need_twin)) la++;
        else lb++;
        left -= rowmul;
    }
    int bottom = H - cmp_line;
    int y = draw_half(w, v, p->here, headers ? p->head_here : NULL, tops ? p->top_here : NULL, 1,
                      1, W, la, bottom);
    y += gap;
    if (have_twin) {
        y = draw_half(w, v, p->twin, headers ? p->head_twin : NULL, tops ? p->top_twin : NULL, y,
                      1, W, lb, bottom);
    } else if (y <= bottom) {
        if (headers) view_puts(w, t, y++, 1, W, A_BOLD, p->head_twin);
        y = view_wrap(w, t, y, 1, W, bottom, p->missing, A_DIM);
    }
    /* The comparison under the twin, after the same gap when it is spare. */
    if (cmp_line) view_puts(w, t, y + gap <= H ? y + gap : H, 1, W, A_BOLD, p->cmp);
}

/* "tinystories-2m · causal · L0 H2" for the half of model M. */
static void model_header(const Model *m, bool causal, const char *dot, const char *where,
                         char *buf, size_t cap)
{
    snprintf(buf, cap, "%s %s %s %s %s", m->name, dot, causal ? "causal" : "bidirectional", dot,
             where);
}

/* The pair step (LESSON_VIEW_PAIR): the sentence lit in the model on
 * screen (its head now shown) and in the other of the bundled pair (the
 * head the step chose there, WorkResult.twin); then the weight on the
 * step's two words in both. */
static void pair_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    view_frame(w, v->computing ? "the same sentence in both models · measuring…"
                               : "the same sentence in both models", t);
    if (getmaxx(w) < 4 || getmaxy(w) < 3) return;
    if (!s->have || s->res.n < 1) {
        view_puts(w, t, 1, 1, getmaxx(w) - 2, A_DIM, "measuring…");
        return;
    }
    const WorkResult *tw = s->res.lesson_step == st->lesson ? s->res.twin : NULL;
    const LessonResult *tr = tw ? tw->lesson : NULL;
    if (!tr) tw = NULL; /* the other model lacks the step's words */
    int n = s->res.n, tn = tw ? tw->n : 0;
    float *buf = malloc(((size_t)n * 2 + 1) * sizeof *buf);
    if (!buf) {
        view_puts(w, t, 1, 1, getmaxx(w) - 2, A_DIM, "out of memory");
        return;
    }
    Sentence here = here_sentence(v, buf);
    const float *row_here = head_row(s->res.trace, st, st->query, buf + n);
    const float *row_twin = NULL;
    Sentence twin = {NULL, NULL, 0, NULL, false, -1, -1, NULL, s->model->tok};
    if (tw) {
        row_twin = trace_attn(tw->trace, tr->layer, tr->head) + (size_t)tr->query * tn;
        twin = (Sentence){tw->text, tw->tokens, tn, row_twin, false, tr->query, tr->query, NULL,
                          tw->model->tok};
    }
    const char *dot = t->utf8 ? "·" : "-";
    char where[64], head_here[200], head_twin[200] = "the other model", top_here[256],
         top_twin[256] = "", cmp[256];
    if (st->mean) snprintf(where, sizeof where, "L%d mean", st->layer);
    else snprintf(where, sizeof where, "L%d H%d", st->layer, st->head);
    model_header(s->model, s->res.trace->causal, dot, where, head_here, sizeof head_here);
    scene_top_line(v, top_here, sizeof top_here);
    if (tw) {
        snprintf(where, sizeof where, "L%d H%d", tr->layer, tr->head);
        model_header(tw->model, tw->trace->causal, dot, where, head_twin, sizeof head_twin);
        twin_top_line(&twin, row_twin, tr->query, t->utf8, top_twin, sizeof top_twin);
    }
    compare_line(lesson_step(st->lesson), &here, row_here, &twin, row_twin,
                 tw && !tw->trace->causal ? "the encoder" : "the decoder", cmp, sizeof cmp);
    Pair p = {&here, &twin, row_here, row_twin, st->query, tw ? tr->query : -1,
              head_here, head_twin, top_here, top_twin,
              s->res.lesson_step != st->lesson || v->computing
                  ? "measuring…"
                  : "no other model here: open the bundled pair (--model decoder or --model "
                    "encoder) to see this sentence in both",
              cmp};
    pair_layout(w, v, &p);
    free(buf);
}

void lesson_twin_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    int W = getmaxx(w) - 2, H = getmaxy(w) - 2;
    werase(w);
    const LessonStep *step = lesson_step(st->lesson);
    if (step && step->view == LESSON_VIEW_PAIR) {
        pair_draw(w, v);
        return;
    }
    view_frame(w, v->computing ? "same head, nouns swapped · measuring…"
                               : "same head, nouns swapped", t);
    if (W < 2 || H < 1) return;
    if (!s->have || s->res.n < 1) {
        view_puts(w, t, 1, 1, W, A_DIM, "measuring…");
        return;
    }
    const LessonResult *r = view_lesson(v);
    char why[320];
    const char *missing = twin_missing(v, r, why, sizeof why);
    const WorkResult *tw = missing ? NULL : s->res.twin;
    int n = s->res.n, tn = tw ? tw->n : 0;

    /* The rows: the scene's through the scene (its units), the twin's and,
     * for the nouns, the scene's per token from the traces. */
    float *buf = malloc(((size_t)n * 2 + (size_t)tn + 1) * sizeof *buf);
    if (!buf) {
        view_puts(w, t, 1, 1, W, A_DIM, "out of memory");
        return;
    }
    Sentence here = here_sentence(v, buf);
    const float *row_here = head_row(s->res.trace, st, st->query, buf + n);
    const float *row_twin = NULL;
    Sentence twin = {NULL, NULL, 0, NULL, false, -1, -1, NULL, s->model->tok};
    if (tw) {
        row_twin = head_row(tw->trace, st, r->twin_query, buf + 2 * n);
        twin = (Sentence){tw->text, tw->tokens, tn, row_twin, false, r->twin_query,
                          r->twin_query, NULL, s->model->tok};
    }

    bool side = W >= 2 * TWIN_SIDE_COLS + 1;
    int half = side ? (W - 1) / 2 : W;
    char head_here[160], head_twin[160], top_here[256], top_twin[256], cmp[256], what[64];
    const char *dot = t->utf8 ? "·" : "-";
    const char *query = scene_unit_label(s, st, scene_unit_of(s, st, st->query), NULL);
    if (st->mean) snprintf(what, sizeof what, "layer %d mean of heads", st->layer);
    else snprintf(what, sizeof what, "layer %d head %d", st->layer, st->head);
    snprintf(head_here, sizeof head_here, "your sentence %s %s %s query \"%s\"", dot, what, dot,
             query);
    if (ui_text_width(head_here, strlen(head_here), true) > half) {
        /* Narrow: the same in short. */
        if (st->mean) snprintf(what, sizeof what, "L%d mean", st->layer);
        else snprintf(what, sizeof what, "L%d H%d", st->layer, st->head);
        snprintf(head_here, sizeof head_here, "yours %s %s %s \"%s\"", dot, what, dot, query);
    }
    scene_top_line(v, top_here, sizeof top_here);
    top_twin[0] = '\0';
    if (tw) {
        char q[64];
        token_label(&twin, r->twin_query, t->utf8, q, sizeof q);
        snprintf(head_twin, sizeof head_twin, "twin %s %s %s query \"%s\"", dot,
                 st->mean ? "same mean" : "same head", dot, q);
        twin_top_line(&twin, row_twin, r->twin_query, t->utf8, top_twin, sizeof top_twin);
    } else {
        snprintf(head_twin, sizeof head_twin, "twin");
    }
    compare_line(step, &here, row_here, &twin, row_twin, "the twin", cmp, sizeof cmp);
    Pair p = {&here, &twin, row_here, row_twin, st->query, tw ? r->twin_query : -1,
              head_here, head_twin, top_here, top_twin, missing ? missing : "", cmp};
    pair_layout(w, v, &p);
    free(buf);
}
