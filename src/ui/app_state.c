/* app_state.c - see app_state.h. */
#include "app_state.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "lesson.h"

int app_state_init(AppState *s, int n_layers, int n_heads, const char *text, size_t len)
{
    memset(s, 0, sizeof *s);
    if (len > APP_MAX_TEXT) {
        /* Cut on a character boundary, never inside a UTF-8 sequence. */
        len = APP_MAX_TEXT;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) len--;
    }
    s->text = malloc(APP_MAX_TEXT + 1);
    s->saved = malloc(APP_MAX_TEXT + 1);
    s->ablate = calloc((size_t)(n_layers > 0 ? n_layers : 1) * (n_heads > 0 ? n_heads : 1), 1);
    if (!s->text || !s->saved || !s->ablate) {
        app_state_free(s);
        return -1;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = s->edit = len;
    s->n_layers = n_layers;
    s->n_heads = n_heads;
    s->page_rows = 10;
    s->lesson = -1;
    return 0;
}

static int clamp(int v, int lo, int hi);

int app_state_set_model(AppState *s, int n_layers, int n_heads)
{
    unsigned char *a = calloc((size_t)(n_layers > 0 ? n_layers : 1) * (n_heads > 0 ? n_heads : 1), 1);
    if (!a) return -1;
    free(s->ablate);
    s->ablate = a;
    s->n_ablated = s->prune_k = 0;
    s->n_layers = n_layers;
    s->n_heads = n_heads;
    s->layer = clamp(s->layer, 0, n_layers - 1);
    s->head = clamp(s->head, 0, n_heads - 1);
    s->pin_layer = clamp(s->pin_layer, 0, n_layers - 1);
    s->pin_head = clamp(s->pin_head, 0, n_heads - 1);
    s->ov_layer = clamp(s->ov_layer, 0, n_layers - 1);
    s->ov_head = clamp(s->ov_head, 0, n_heads - 1);
    s->importance = false;
    s->masked = false;
    s->bidirectional = false;
    s->n_tokens = 0;
    s->text_gen++;
    return 0;
}

void app_state_free(AppState *s)
{
    free(s->text);
    free(s->saved);
    free(s->ablate);
    s->text = s->saved = NULL;
    s->ablate = NULL;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void app_state_set_tokens(AppState *s, int n)
{
    /* The first sentence opens on its last token: the query whose row sees
     * the whole sentence. */
    if (s->n_tokens == 0 && n > 0) s->query = s->key = n - 1;
    s->n_tokens = n;
    s->query = clamp(s->query, 0, n > 0 ? n - 1 : 0);
    s->key = clamp(s->key, 0, app_state_key_last(s));
}

int app_state_key_last(const AppState *s)
{
    if (!s->bidirectional) return s->query;
    return s->n_tokens > 0 ? s->n_tokens - 1 : 0;
}

static size_t prev_char(const char *t, size_t i);

/* Moving the query drags the key cursor along: it stays on the same key when
 * it can, and in a causal model never right of the query (those keys are
 * masked). */
static unsigned move_query(AppState *s, int q)
{
    q = clamp(q, 0, s->n_tokens > 0 ? s->n_tokens - 1 : 0);
    if (q == s->query) return 0;
    bool key_was_on_query = s->key == s->query;
    s->query = q;
    if (key_was_on_query || s->key > app_state_key_last(s)) s->key = q;
    return NEED_DRAW | NEED_ROW;
}

unsigned app_state_set_query(AppState *s, int q)
{
    return move_query(s, q);
}

Mode app_state_base_mode(const AppState *s)
{
    return s->lesson >= 0 ? MODE_LESSON : MODE_NORMAL;
}

/* The text changed: a new computation, and a masked word's bytes no longer
 * name it. */
static void text_changed(AppState *s)
{
    s->text_gen++;
    s->masked = false;
}

/* Replace the sentence with TEXT (as if typed); nothing when it is the same. */
static unsigned set_text(AppState *s, const char *text)
{
    size_t len = strlen(text);
    if (len > APP_MAX_TEXT) len = APP_MAX_TEXT; /* the table's sentences are short */
    if (len == s->len && memcmp(s->text, text, len) == 0) return 0;
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = s->edit = len;
    text_changed(s);
    return NEED_DRAW | NEED_FORWARD;
}

/* Every head back in; NEED_FORWARD when any was out. */
static unsigned restore_heads(AppState *s)
{
    s->prune_k = 0;
    if (!s->n_ablated) return 0;
    memset(s->ablate, 0, (size_t)s->n_layers * s->n_heads);
    s->n_ablated = 0;
    s->text_gen++;
    return NEED_DRAW | NEED_FORWARD;
}

/* Step I: its sentence when entering the lesson or when it differs from
 * the step before's (a step that shares it keeps the student's edits), the
 * panels that would hide the step's own view closed. */
static unsigned lesson_go(AppState *s, int i)
{
    const LessonStep *to = lesson_step(i), *from = lesson_step(s->lesson);
    if (!to) return 0;
    unsigned need = NEED_DRAW | NEED_ROW | NEED_LESSON;
    /* The heads the pruning step knocked out go back in as it is left. */
    if (from && from->view == LESSON_VIEW_PRUNE && s->prune_k) need |= restore_heads(s);
    if (!from || strcmp(from->sentence, to->sentence) != 0) need |= set_text(s, to->sentence);
    s->lesson = s->lesson_last = i;
    s->mode = MODE_LESSON;
    s->multi = s->math = s->predict = s->pinned = s->mean = s->unscaled = false;
    s->flow = 0;
    return need;
}

unsigned app_state_lesson(AppState *s, int i)
{
    if (!lesson_step(i)) return 0;
    s->lesson = -1; /* entering: the step's sentence, whatever was typed */
    return lesson_go(s, i);
}

/* The word being searched for: typed characters and Backspace. */
static unsigned search_text(AppState *s, Action a, const UiKey *key)
{
    if (a == ACT_EDIT_BACKSPACE) {
        if (s->search_len == 0) return 0;
        s->search_len = prev_char(s->search, s->search_len);
    } else {
        size_t n = key ? strnlen(key->utf8, sizeof key->utf8) : 0;
        if (n == 0 || s->search_len + n >= sizeof s->search) return 0;
        memcpy(s->search + s->search_len, key->utf8, n);
        s->search_len += n;
    }
    s->search[s->search_len] = '\0';
    return NEED_DRAW;
}

/* UTF-8 aware cursor steps: continuation bytes are 10xxxxxx. */
static size_t prev_char(const char *t, size_t i)
{
    if (i == 0) return 0;
    do i--;
    while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80);
    return i;
}

static size_t next_char(const char *t, size_t len, size_t i)
{
    if (i >= len) return len;
    do i++;
    while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80);
    return i;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

static unsigned edit_text(AppState *s, Action a, const UiKey *key)
{
    size_t from = s->edit, to = s->edit;
    switch (a) {
    case ACT_EDIT_INSERT: {
        size_t n = key ? strnlen(key->utf8, sizeof key->utf8) : 0;
        if (n == 0) return 0;
        if (s->len + n > APP_MAX_TEXT) {
            s->note = "the sentence is at its maximum length";
            return NEED_DRAW;
        }
        memmove(s->text + s->edit + n, s->text + s->edit, s->len - s->edit + 1);
        memcpy(s->text + s->edit, key->utf8, n);
        s->len += n;
        s->edit += n;
        text_changed(s);
        return NEED_DRAW | NEED_FORWARD;
    }
    case ACT_EDIT_BACKSPACE: from = prev_char(s->text, s->edit); break;
    case ACT_EDIT_DELETE: to = next_char(s->text, s->len, s->edit); break;
    default: return 0;
    }
    if (from == to) return 0;
    memmove(s->text + from, s->text + to, s->len - to + 1);
    s->len -= to - from;
    s->edit = from;
    text_changed(s);
    return NEED_DRAW | NEED_FORWARD;
}

static unsigned edit_move(AppState *s, Action a)
{
    size_t e = s->edit;
    switch (a) {
    case ACT_EDIT_LEFT: e = prev_char(s->text, e); break;
    case ACT_EDIT_RIGHT: e = next_char(s->text, s->len, e); break;
    case ACT_EDIT_HOME: e = 0; break;
    case ACT_EDIT_END: e = s->len; break;
    case ACT_EDIT_WORD_LEFT:
        while (e > 0 && is_space(s->text[e - 1])) e--;
        while (e > 0 && !is_space(s->text[e - 1])) e--;
        break;
    case ACT_EDIT_WORD_RIGHT:
        while (e < s->len && is_space(s->text[e])) e++;
        while (e < s->len && !is_space(s->text[e])) e++;
        break;
    default: break;
    }
    if (e == s->edit) return 0;
    s->edit = e;
    return NEED_DRAW;
}

/* The help's first line; the view knows how long it is and clamps. */
static unsigned scroll_help(AppState *s, int line)
{
    if (line < 0) line = 0;
    if (line == s->help_scroll) return 0;
    s->help_scroll = line;
    return NEED_DRAW;
}

unsigned app_state_apply(AppState *s, Action a, const UiKey *key)
{
    s->note = NULL;
    int last = s->n_tokens > 0 ? s->n_tokens - 1 : 0;
    int page = s->page_rows > 1 ? s->page_rows : 1;
    int help_page = s->help_page > 1 ? s->help_page : page;
    switch (a) {
    case ACT_NONE: return 0;
    case ACT_QUIT: s->quit = true; return 0;
    case ACT_QUERY_PREV: return move_query(s, s->query - 1);
    case ACT_QUERY_NEXT: return move_query(s, s->query + 1);
    case ACT_QUERY_FIRST: return move_query(s, 0);
    case ACT_QUERY_LAST: return move_query(s, last);
    case ACT_KEY_PREV:
    case ACT_KEY_NEXT: {
        int k = clamp(s->key + (a == ACT_KEY_NEXT ? 1 : -1), 0, app_state_key_last(s));
        if (k == s->key) return 0;
        s->key = k;
        return NEED_DRAW;
    }
    case ACT_HEAD_NEXT:
    case ACT_HEAD_PREV:
        /* Tab leaves the mean view: it picks one head. */
        s->mean = false;
        s->head = (s->head + (a == ACT_HEAD_NEXT ? 1 : s->n_heads - 1)) % s->n_heads;
        return NEED_DRAW | NEED_ROW;
    case ACT_LAYER_NEXT:
    case ACT_LAYER_PREV:
        s->layer = (s->layer + (a == ACT_LAYER_NEXT ? 1 : s->n_layers - 1)) % s->n_layers;
        return NEED_DRAW | NEED_ROW;
    case ACT_TOGGLE_MEAN: s->mean = !s->mean, s->flow = 0; return NEED_DRAW | NEED_ROW;
    /* The multi-head view, the math and the next-token panels share the
     * space under the sentence: opening one closes the others. */
    case ACT_TOGGLE_MULTI:
        s->multi = !s->multi, s->math = s->predict = s->pinned = false;
        return NEED_DRAW;
    case ACT_TOGGLE_MATH:
        s->math = !s->math, s->multi = s->predict = s->pinned = false;
        return NEED_DRAW;
    case ACT_TOGGLE_PREDICT:
        s->predict = !s->predict, s->multi = s->math = s->pinned = false;
        return NEED_DRAW | NEED_ROW; /* the panel's numbers are computed on demand */
    case ACT_TOGGLE_VALUES: s->show_values = !s->show_values; return NEED_DRAW;
    case ACT_KNOCKOUT: {
        if (s->mean) {
            s->note = "K knocks out one head: Tab to pick one (a shows the mean)";
            return NEED_DRAW;
        }
        unsigned char *b = &s->ablate[(size_t)s->layer * s->n_heads + s->head];
        *b = !*b;
        s->n_ablated += *b ? 1 : -1;
        s->text_gen++;
        return NEED_DRAW | NEED_FORWARD;
    }
    case ACT_RESTORE_HEADS:
        if (!s->n_ablated) {
            s->note = "no head is knocked out (K knocks out the head on screen)";
            return NEED_DRAW;
        }
        return restore_heads(s);
    case ACT_PRUNE_MORE:
    case ACT_PRUNE_LESS: {
        const LessonStep *step = lesson_step(s->lesson);
        if (!step || step->view != LESSON_VIEW_PRUNE) {
            s->note = "+ and - knock heads out in the lesson's step \"Many heads are redundant\"";
            return NEED_DRAW;
        }
        int k = s->prune_k + (a == ACT_PRUNE_MORE ? 1 : -1);
        if (k < 0) {
            s->note = "every head is in: + knocks out the least important";
            return NEED_DRAW;
        }
        s->prune_k = k; /* the loop bounds it by the heads ranked */
        return NEED_DRAW | NEED_PRUNE;
    }
    /* The heatmap shows one of three things: r and V switch to theirs, or
     * back to the weights. */
    case ACT_TOGGLE_ROLLOUT:
    case ACT_TOGGLE_VALUE_WEIGHTED: {
        int f = a == ACT_TOGGLE_ROLLOUT ? FLOW_ROLLOUT : FLOW_VALUES;
        s->flow = s->flow == f ? 0 : f;
        s->mean = false; /* the views are of one head (or, rollout, of all) */
        return NEED_DRAW | NEED_ROW;
    }
    case ACT_TOGGLE_IMPORTANCE: s->importance = !s->importance; return NEED_DRAW;
    case ACT_SWITCH_MODEL: return NEED_DRAW | NEED_MODEL;
    case ACT_MASK: return NEED_DRAW | NEED_MASK;
    case ACT_HELP:
        if (s->mode != MODE_HELP) s->help_return = s->mode, s->help_scroll = 0;
        s->mode = MODE_HELP;
        return NEED_DRAW;
    case ACT_OVERVIEW:
        s->mode = MODE_OVERVIEW;
        s->ov_layer = s->layer, s->ov_head = s->head;
        s->mean = false;
        return NEED_DRAW | NEED_ROW;
    case ACT_OVERVIEW_OPEN:
        s->mode = app_state_base_mode(s);
        return NEED_DRAW | NEED_ROW;
    case ACT_CLOSE:
        if (s->mode == MODE_HELP) {
            s->mode = s->help_return == MODE_OVERVIEW ? MODE_OVERVIEW : app_state_base_mode(s);
            return NEED_DRAW;
        }
        if (s->mode == MODE_OVERVIEW) {
            s->layer = s->ov_layer, s->head = s->ov_head;
            s->mode = app_state_base_mode(s);
            return NEED_DRAW | NEED_ROW;
        }
        if (s->mode == MODE_NORMAL && !s->multi && !s->mean && !s->math && !s->predict &&
            !s->pinned && !s->flow)
            return 0;
        /* Esc from normal mode also leaves the multi-head, math, next-token,
         * mean, compare, rollout and value-weighted views. */
        if (s->mode == MODE_NORMAL)
            s->multi = s->mean = s->math = s->predict = s->pinned = false, s->flow = 0;
        s->mode = MODE_NORMAL;
        return NEED_DRAW | NEED_ROW;
    case ACT_EDIT_START:
        s->mode = MODE_EDIT;
        s->edit = s->len;
        memcpy(s->saved, s->text, s->len + 1);
        s->saved_len = s->len;
        return NEED_DRAW;
    case ACT_EDIT_DONE:
        if (s->mode == MODE_SEARCH) {
            s->mode = app_state_base_mode(s);
            if (s->search_len == 0) return NEED_DRAW;
            s->search_dir = 1;
            return NEED_DRAW | NEED_SEARCH;
        }
        s->mode = app_state_base_mode(s);
        return NEED_DRAW;
    case ACT_EDIT_CANCEL:
        if (s->mode == MODE_SEARCH) {
            s->mode = app_state_base_mode(s);
            s->search_len = 0, s->search[0] = '\0';
            return NEED_DRAW;
        }
        s->mode = app_state_base_mode(s);
        if (s->saved_len == s->len && memcmp(s->saved, s->text, s->len) == 0) return NEED_DRAW;
        memcpy(s->text, s->saved, s->saved_len + 1);
        s->len = s->edit = s->saved_len;
        text_changed(s);
        return NEED_DRAW | NEED_FORWARD;
    case ACT_EDIT_INSERT:
    case ACT_EDIT_BACKSPACE:
    case ACT_EDIT_DELETE:
        if (s->mode == MODE_SEARCH) return search_text(s, a, key);
        return edit_text(s, a, key);
    case ACT_EDIT_LEFT:
    case ACT_EDIT_RIGHT:
    case ACT_EDIT_HOME:
    case ACT_EDIT_END:
    case ACT_EDIT_WORD_LEFT:
    case ACT_EDIT_WORD_RIGHT: return edit_move(s, a);
    case ACT_REDRAW: return NEED_DRAW | NEED_FULL;
    case ACT_SAVE: return NEED_DRAW | NEED_SAVE;
    case ACT_PAGE_DOWN: return move_query(s, s->query + page);
    case ACT_PAGE_UP: return move_query(s, s->query - page);
    case ACT_HALF_DOWN: return move_query(s, s->query + (page + 1) / 2);
    case ACT_HALF_UP: return move_query(s, s->query - (page + 1) / 2);
    case ACT_SEARCH_START:
        s->mode = MODE_SEARCH;
        s->search_len = 0, s->search[0] = '\0';
        return NEED_DRAW;
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
        if (s->search_len == 0) {
            s->note = "no word to find yet: / types one";
            return NEED_DRAW;
        }
        s->search_dir = a == ACT_SEARCH_NEXT ? 1 : -1;
        return NEED_DRAW | NEED_SEARCH;
    case ACT_TOGGLE_WORDS: s->words = !s->words; return NEED_DRAW | NEED_ROW;
    case ACT_SCROLL_UP: return scroll_help(s, s->help_scroll - 1);
    case ACT_SCROLL_DOWN: return scroll_help(s, s->help_scroll + 1);
    case ACT_SCROLL_PAGE_UP: return scroll_help(s, s->help_scroll - help_page);
    case ACT_SCROLL_PAGE_DOWN: return scroll_help(s, s->help_scroll + help_page);
    case ACT_SCROLL_TOP: return scroll_help(s, 0);
    case ACT_SCROLL_BOTTOM: return scroll_help(s, APP_MAX_TEXT); /* the view clamps */
    case ACT_PIN:
        s->pinned = !s->pinned;
        s->pin_layer = s->layer, s->pin_head = s->head;
        if (s->pinned) {
            s->multi = s->math = s->predict = s->mean = false, s->flow = 0;
            s->note = "pinned this head: move to another to compare; c again to unpin";
        }
        return NEED_DRAW | NEED_ROW;
    case ACT_LESSON: return app_state_lesson(s, s->lesson_last);
    case ACT_LESSON_NEXT:
    case ACT_LESSON_PREV: {
        int to = s->lesson + (a == ACT_LESSON_NEXT ? 1 : -1);
        if (!lesson_step(to)) {
            s->note = a == ACT_LESSON_NEXT ? "that was the last step: p goes back, Esc leaves "
                                             "the lesson"
                                           : "this is the first step: n (or Space) goes on";
            return NEED_DRAW;
        }
        return lesson_go(s, to);
    }
    case ACT_LESSON_LEAVE:
        if (s->multi || s->math || s->predict || s->pinned || s->mean || s->flow) {
            /* First back to the step's own view, as Esc does outside. */
            s->multi = s->math = s->predict = s->pinned = s->mean = false, s->flow = 0;
            return NEED_DRAW | NEED_ROW;
        }
        s->lesson = -1;
        s->mode = MODE_NORMAL;
        s->unscaled = false;
        s->note = "left the lesson: the view stays as it was; L goes back to the step";
        return NEED_DRAW | NEED_ROW | NEED_LESSON;
    case ACT_TOGGLE_UNSCALED:
        s->unscaled = !s->unscaled;
        return NEED_DRAW | NEED_ROW;
    }
    return 0;
}
