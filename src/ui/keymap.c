/* keymap.c - see keymap.h.  Two tables per mode: the bindings, and the help
 * that lists them (for the overlay and, in the same words, the man page). */
#include "keymap.h"

#include <stdio.h>
#include <string.h>

/* One binding: a key of KIND (for UIKEY_CHAR, code point CH; with Ctrl, the
 * lower-case letter) pressed with modifiers M where (M & CARE) == MODS.  The
 * rows of a mode never match the same key, so their order does not matter. */
typedef struct {
    UiKeyKind kind;
    uint32_t ch;
    int mods, care;
    Action action;
} Binding;

/* Whatever the modifiers. */
#define ANY(kind, act) {kind, 0, 0, 0, act}
/* Without Shift / with Shift, whatever else is held. */
#define NOSHIFT(kind, act) {kind, 0, 0, UIMOD_SHIFT, act}
#define SHIFT(kind, act) {kind, 0, UIMOD_SHIFT, UIMOD_SHIFT, act}
/* The same without Ctrl / with Ctrl. */
#define NOCTRL(kind, act) {kind, 0, 0, UIMOD_CTRL, act}
#define CTRL(kind, act) {kind, 0, UIMOD_CTRL, UIMOD_CTRL, act}
/* A character without Ctrl or Alt (Shift is how terminals report capitals). */
#define CH(c, act) {UIKEY_CHAR, c, 0, UIMOD_CTRL | UIMOD_ALT, act}
/* Ctrl and a letter, whatever else is held. */
#define CTRL_CH(c, act) {UIKEY_CHAR, c, UIMOD_CTRL, UIMOD_CTRL, act}

static const Binding normal_keys[] = {
    NOSHIFT(UIKEY_LEFT, ACT_QUERY_PREV), NOSHIFT(UIKEY_RIGHT, ACT_QUERY_NEXT),
    ANY(UIKEY_UP, ACT_QUERY_PREV),       ANY(UIKEY_DOWN, ACT_QUERY_NEXT),
    CH('h', ACT_QUERY_PREV),             CH('l', ACT_QUERY_NEXT),
    CH('k', ACT_QUERY_PREV),             CH('j', ACT_QUERY_NEXT),
    ANY(UIKEY_HOME, ACT_QUERY_FIRST),    ANY(UIKEY_END, ACT_QUERY_LAST),
    CH('g', ACT_QUERY_FIRST),            CH('G', ACT_QUERY_LAST),
    ANY(UIKEY_PAGEDOWN, ACT_PAGE_DOWN),  ANY(UIKEY_PAGEUP, ACT_PAGE_UP),
    CTRL_CH('d', ACT_HALF_DOWN),         CTRL_CH('u', ACT_HALF_UP),
    SHIFT(UIKEY_LEFT, ACT_KEY_PREV),     SHIFT(UIKEY_RIGHT, ACT_KEY_NEXT),
    CH(',', ACT_KEY_PREV),               CH('.', ACT_KEY_NEXT),
    CH('<', ACT_KEY_PREV),               CH('>', ACT_KEY_NEXT),
    NOSHIFT(UIKEY_TAB, ACT_HEAD_NEXT),   SHIFT(UIKEY_TAB, ACT_HEAD_PREV),
    CH('}', ACT_HEAD_NEXT),              CH('{', ACT_HEAD_PREV),
    CH(']', ACT_LAYER_NEXT),             CH('[', ACT_LAYER_PREV),
    CH('/', ACT_SEARCH_START),           CH('n', ACT_SEARCH_NEXT),
    CH('N', ACT_SEARCH_PREV),            CH('w', ACT_TOGGLE_WORDS),
    CH('a', ACT_TOGGLE_MEAN),            CH('m', ACT_TOGGLE_MULTI),
    CH('x', ACT_TOGGLE_MATH),            CH('t', ACT_TOGGLE_PREDICT),
    CH('v', ACT_TOGGLE_VALUES),          CH('s', ACT_SAVE),
    CH('c', ACT_PIN),                    CH('o', ACT_OVERVIEW),
    CH('e', ACT_EDIT_START),             CH('?', ACT_HELP),
    CH('L', ACT_LESSON),                 CH('K', ACT_KNOCKOUT),
    CH('R', ACT_RESTORE_HEADS),          CH('r', ACT_TOGGLE_ROLLOUT),
    CH('V', ACT_TOGGLE_VALUE_WEIGHTED),  CH('M', ACT_SWITCH_MODEL),
    CH('_', ACT_MASK),
    ANY(UIKEY_ESCAPE, ACT_CLOSE),        CTRL_CH('l', ACT_REDRAW),
    CH('q', ACT_QUIT),                   CTRL_CH('c', ACT_QUIT),
};

/* Emacs-style line keys beside the arrows, as a shell's line editor has them. */
static const Binding edit_keys[] = {
    NOCTRL(UIKEY_LEFT, ACT_EDIT_LEFT),        NOCTRL(UIKEY_RIGHT, ACT_EDIT_RIGHT),
    CTRL_CH('b', ACT_EDIT_LEFT),              CTRL_CH('f', ACT_EDIT_RIGHT),
    CTRL(UIKEY_LEFT, ACT_EDIT_WORD_LEFT),     CTRL(UIKEY_RIGHT, ACT_EDIT_WORD_RIGHT),
    ANY(UIKEY_HOME, ACT_EDIT_HOME),           ANY(UIKEY_END, ACT_EDIT_END),
    CTRL_CH('a', ACT_EDIT_HOME),              CTRL_CH('e', ACT_EDIT_END),
    ANY(UIKEY_BACKSPACE, ACT_EDIT_BACKSPACE), CTRL_CH('h', ACT_EDIT_BACKSPACE),
    ANY(UIKEY_DELETE, ACT_EDIT_DELETE),       CTRL_CH('d', ACT_EDIT_DELETE),
    ANY(UIKEY_ENTER, ACT_EDIT_DONE),          ANY(UIKEY_ESCAPE, ACT_EDIT_CANCEL),
    CTRL_CH('l', ACT_REDRAW),                 CTRL_CH('c', ACT_QUIT),
};

/* The word / looks for: typed like the sentence, one line, no cursor moves. */
static const Binding search_keys[] = {
    ANY(UIKEY_BACKSPACE, ACT_EDIT_BACKSPACE), CTRL_CH('h', ACT_EDIT_BACKSPACE),
    ANY(UIKEY_ENTER, ACT_EDIT_DONE),          ANY(UIKEY_ESCAPE, ACT_EDIT_CANCEL),
    CTRL_CH('l', ACT_REDRAW),                 CTRL_CH('c', ACT_QUIT),
};

/* The arrows and the page keys scroll the list; Ctrl-C quits; any other key
 * (q too: the list says "any key") closes it. */
static const Binding help_keys[] = {
    ANY(UIKEY_UP, ACT_SCROLL_UP),              ANY(UIKEY_DOWN, ACT_SCROLL_DOWN),
    CH('k', ACT_SCROLL_UP),                    CH('j', ACT_SCROLL_DOWN),
    ANY(UIKEY_PAGEUP, ACT_SCROLL_PAGE_UP),     ANY(UIKEY_PAGEDOWN, ACT_SCROLL_PAGE_DOWN),
    ANY(UIKEY_HOME, ACT_SCROLL_TOP),           ANY(UIKEY_END, ACT_SCROLL_BOTTOM),
    CTRL_CH('c', ACT_QUIT),
};

/* The lesson: its steps and its one toggle; every other key as in normal
 * mode (ModeKeys.base), so the explorer stays live inside a step. */
static const Binding lesson_keys[] = {
    CH('n', ACT_LESSON_NEXT),           CH(' ', ACT_LESSON_NEXT),
    CH('p', ACT_LESSON_PREV),           ANY(UIKEY_BACKSPACE, ACT_LESSON_PREV),
    CH('u', ACT_TOGGLE_UNSCALED),       ANY(UIKEY_ESCAPE, ACT_LESSON_LEAVE),
    CH('+', ACT_PRUNE_MORE),            CH('-', ACT_PRUNE_LESS),
};

/* The overview: the selection moves over heads (across) and layers (down). */
static const Binding overview_keys[] = {
    ANY(UIKEY_LEFT, ACT_HEAD_PREV),       ANY(UIKEY_RIGHT, ACT_HEAD_NEXT),
    CH('h', ACT_HEAD_PREV),               CH('l', ACT_HEAD_NEXT),
    SHIFT(UIKEY_TAB, ACT_HEAD_PREV),      NOSHIFT(UIKEY_TAB, ACT_HEAD_NEXT),
    ANY(UIKEY_UP, ACT_LAYER_PREV),        ANY(UIKEY_DOWN, ACT_LAYER_NEXT),
    CH('k', ACT_LAYER_PREV),              CH('j', ACT_LAYER_NEXT),
    ANY(UIKEY_PAGEUP, ACT_LAYER_PREV),    ANY(UIKEY_PAGEDOWN, ACT_LAYER_NEXT),
    CH('[', ACT_LAYER_PREV),              CH(']', ACT_LAYER_NEXT),
    ANY(UIKEY_ENTER, ACT_OVERVIEW_OPEN),  CH('o', ACT_OVERVIEW_OPEN),
    CH('K', ACT_KNOCKOUT),                CH('R', ACT_RESTORE_HEADS),
    CH('i', ACT_TOGGLE_IMPORTANCE),
    ANY(UIKEY_ESCAPE, ACT_CLOSE),         CH('?', ACT_HELP),
    CTRL_CH('l', ACT_REDRAW),             CH('q', ACT_QUIT),
    CTRL_CH('c', ACT_QUIT),
};

#define N_OF(a) (sizeof a / sizeof a[0])

/* A mode's bindings, then the bindings of the mode it adds to (BASE, when
 * not NULL: its keys count where the mode's own do not match), and what the
 * keys they leave out do: a character typed as text (one with UTF-8 and
 * without Ctrl or Alt), and any other key. */
typedef struct {
    Mode mode;
    const Binding *keys;
    size_t n_keys;
    const Binding *base;
    size_t n_base;
    Action text, other;
} ModeKeys;

static const ModeKeys mode_keys[] = {
    {MODE_NORMAL, normal_keys, N_OF(normal_keys), NULL, 0, ACT_NONE, ACT_NONE},
    {MODE_EDIT, edit_keys, N_OF(edit_keys), NULL, 0, ACT_EDIT_INSERT, ACT_NONE},
    {MODE_HELP, help_keys, N_OF(help_keys), NULL, 0, ACT_CLOSE, ACT_CLOSE},
    {MODE_OVERVIEW, overview_keys, N_OF(overview_keys), NULL, 0, ACT_NONE, ACT_NONE},
    {MODE_SEARCH, search_keys, N_OF(search_keys), NULL, 0, ACT_EDIT_INSERT, ACT_NONE},
    {MODE_LESSON, lesson_keys, N_OF(lesson_keys), normal_keys, N_OF(normal_keys), ACT_NONE,
     ACT_NONE},
};

static bool binding_matches(const Binding *b, const UiKey *k)
{
    return b->kind == k->kind && (k->kind != UIKEY_CHAR || b->ch == k->codepoint) &&
           (k->mods & b->care) == b->mods;
}

Action keymap_lookup(Mode mode, const UiKey *key)
{
    const ModeKeys *m = &mode_keys[0];
    for (size_t i = 0; i < N_OF(mode_keys); i++)
        if (mode_keys[i].mode == mode) m = &mode_keys[i];
    for (size_t i = 0; i < m->n_keys; i++)
        if (binding_matches(&m->keys[i], key)) return m->keys[i].action;
    for (size_t i = 0; i < m->n_base; i++)
        if (binding_matches(&m->base[i], key)) return m->base[i].action;
    bool text = key->kind == UIKEY_CHAR && !(key->mods & (UIMOD_CTRL | UIMOD_ALT)) && key->utf8[0];
    return text ? m->text : m->other;
}

static const char *const action_names[] = {
    "NONE", "QUIT", "QUERY_PREV", "QUERY_NEXT", "QUERY_FIRST", "QUERY_LAST", "KEY_PREV",
    "KEY_NEXT", "HEAD_NEXT", "HEAD_PREV", "LAYER_NEXT", "LAYER_PREV", "TOGGLE_MEAN",
    "TOGGLE_MULTI", "TOGGLE_MATH", "TOGGLE_PREDICT", "TOGGLE_VALUES", "HELP", "CLOSE",
    "EDIT_START", "EDIT_DONE", "EDIT_INSERT", "EDIT_BACKSPACE", "EDIT_DELETE", "EDIT_LEFT",
    "EDIT_RIGHT", "EDIT_HOME", "EDIT_END", "EDIT_WORD_LEFT", "EDIT_WORD_RIGHT", "REDRAW",
    "SAVE", "PIN", "OVERVIEW", "OVERVIEW_OPEN", "PAGE_DOWN", "PAGE_UP", "HALF_DOWN", "HALF_UP",
    "SEARCH_START", "SEARCH_NEXT", "SEARCH_PREV", "TOGGLE_WORDS", "EDIT_CANCEL", "SCROLL_UP",
    "SCROLL_DOWN", "SCROLL_PAGE_UP", "SCROLL_PAGE_DOWN", "SCROLL_TOP", "SCROLL_BOTTOM",
    "LESSON", "LESSON_NEXT", "LESSON_PREV", "LESSON_LEAVE", "TOGGLE_UNSCALED", "KNOCKOUT",
    "RESTORE_HEADS", "TOGGLE_ROLLOUT", "TOGGLE_VALUE_WEIGHTED", "TOGGLE_IMPORTANCE", "PRUNE_MORE", "PRUNE_LESS",
    "SWITCH_MODEL", "MASK",
};
_Static_assert(N_OF(action_names) == ACT_LAST + 1, "a name for every action");

const char *keymap_action_name(Action a)
{
    return (unsigned)a < N_OF(action_names) ? action_names[a] : "?";
}

/* ---- the help ------------------------------------------------------------ */

/* Each row's words appear in the man page's KEYS section, in the subsection
 * of the mode's title, in the .TP entry that names the same keys. */
#define KEYS1(keys, act, what) {HELP_KEYS, {keys, NULL}, {act, ACT_NONE}, what}
#define KEYS2(k0, k1, a0, a1, what) {HELP_KEYS, {k0, k1}, {a0, a1}, what}

static const KeyHelp normal_help[] = {
    KEYS2("← h ↑ k", "→ l ↓ j", ACT_QUERY_PREV, ACT_QUERY_NEXT, "move the query token"),
    KEYS2("Home g", "End G", ACT_QUERY_FIRST, ACT_QUERY_LAST, "first or last token"),
    KEYS2("PgDn", "PgUp", ACT_PAGE_DOWN, ACT_PAGE_UP, "the query a page down or up"),
    KEYS2("Ctrl-D", "Ctrl-U", ACT_HALF_DOWN, ACT_HALF_UP, "the query half a page down or up"),
    KEYS2("Shift-← , <", "Shift-→ . >", ACT_KEY_PREV, ACT_KEY_NEXT, "move the key cursor"),
    KEYS2("Tab }", "Shift-Tab {", ACT_HEAD_NEXT, ACT_HEAD_PREV, "next or previous head"),
    KEYS2("]", "[", ACT_LAYER_NEXT, ACT_LAYER_PREV, "next or previous layer"),
    KEYS1("/", ACT_SEARCH_START, "find a word, make it the query"),
    KEYS2("n", "N", ACT_SEARCH_NEXT, ACT_SEARCH_PREV, "next or previous match"),
    KEYS1("w", ACT_TOGGLE_WORDS, "whole words instead of pieces"),
    KEYS2("a", "m", ACT_TOGGLE_MEAN, ACT_TOGGLE_MULTI, "layer mean, or all its heads"),
    KEYS1("x", ACT_TOGGLE_MATH, "the math: q·k, scaled, softmax"),
    KEYS1("t", ACT_TOGGLE_PREDICT, "next token the model predicts"),
    KEYS1("v", ACT_TOGGLE_VALUES, "numbers in the heatmap"),
    KEYS2("r", "V", ACT_TOGGLE_ROLLOUT, ACT_TOGGLE_VALUE_WEIGHTED, "rollout or value-weighted view"),
    KEYS2("K", "R", ACT_KNOCKOUT, ACT_RESTORE_HEADS, "knock the head out; all back in"),
    KEYS2("M", "_", ACT_SWITCH_MODEL, ACT_MASK, "other bundled model; hide word"),
    KEYS1("s", ACT_SAVE, "save the view as CSV and SVG"),
    KEYS1("c", ACT_PIN, "pin the head to compare"),
    KEYS1("o", ACT_OVERVIEW, "the overview of every head"),
    KEYS1("e", ACT_EDIT_START, "edit the sentence"),
    KEYS1("L", ACT_LESSON, "the guided lesson, step by step"),
    KEYS2("?", "Esc", ACT_HELP, ACT_CLOSE, "this list; back to plain view"),
    KEYS1("Ctrl-L", ACT_REDRAW, "redraw the screen"),
    KEYS1("q Ctrl-C", ACT_QUIT, "quit"),
};

static const KeyHelp edit_help[] = {
    {HELP_TEXT, {"characters", NULL}, {ACT_EDIT_INSERT, ACT_NONE}, "typed into the sentence"},
    KEYS2("← Ctrl-B", "→ Ctrl-F", ACT_EDIT_LEFT, ACT_EDIT_RIGHT, "previous or next character"),
    KEYS2("Ctrl-←", "Ctrl-→", ACT_EDIT_WORD_LEFT, ACT_EDIT_WORD_RIGHT, "previous or next word"),
    KEYS2("Home Ctrl-A", "End Ctrl-E", ACT_EDIT_HOME, ACT_EDIT_END, "start or end of the text"),
    KEYS1("Backspace Ctrl-H", ACT_EDIT_BACKSPACE, "delete the character before"),
    KEYS1("Delete Ctrl-D", ACT_EDIT_DELETE, "delete the character after"),
    KEYS1("Enter", ACT_EDIT_DONE, "keep the new text"),
    KEYS1("Esc", ACT_EDIT_CANCEL, "restore the text as it was"),
    KEYS1("Ctrl-L", ACT_REDRAW, "redraw the screen"),
    KEYS1("Ctrl-C", ACT_QUIT, "quit"),
};

static const KeyHelp search_help[] = {
    {HELP_TEXT, {"characters", NULL}, {ACT_EDIT_INSERT, ACT_NONE}, "the word to find"},
    KEYS1("Backspace Ctrl-H", ACT_EDIT_BACKSPACE, "delete the last character"),
    KEYS1("Enter", ACT_EDIT_DONE, "find it from the query on"),
    KEYS1("Esc", ACT_EDIT_CANCEL, "give up"),
    KEYS2("Ctrl-L", "Ctrl-C", ACT_REDRAW, ACT_QUIT, "redraw the screen, or quit"),
};

static const KeyHelp overview_help[] = {
    KEYS2("← h Shift-Tab", "→ l Tab", ACT_HEAD_PREV, ACT_HEAD_NEXT, "previous or next head"),
    KEYS2("↑ k PgUp [", "↓ j PgDn ]", ACT_LAYER_PREV, ACT_LAYER_NEXT, "previous or next layer"),
    KEYS1("Enter o", ACT_OVERVIEW_OPEN, "open the selected head"),
    KEYS2("K", "R", ACT_KNOCKOUT, ACT_RESTORE_HEADS, "knock the head out; all back in"),
    KEYS1("i", ACT_TOGGLE_IMPORTANCE, "heads shaded by importance"),
    KEYS1("Esc", ACT_CLOSE, "back to the head you were on"),
    KEYS1("?", ACT_HELP, "the list of keys"),
    KEYS1("Ctrl-L", ACT_REDRAW, "redraw the screen"),
    KEYS1("q Ctrl-C", ACT_QUIT, "quit"),
};

static const KeyHelp lesson_help[] = {
    KEYS2("n Space", "p Backspace", ACT_LESSON_NEXT, ACT_LESSON_PREV, "next or previous step"),
    KEYS1("u", ACT_TOGGLE_UNSCALED, "softmax without the 1/√d scale"),
    KEYS2("+", "-", ACT_PRUNE_MORE, ACT_PRUNE_LESS, "one more head out, or back in"),
    KEYS1("Esc", ACT_LESSON_LEAVE, "leave the lesson, keep the view"),
};

static const KeyHelp help_help[] = {
    KEYS2("↑ k", "↓ j", ACT_SCROLL_UP, ACT_SCROLL_DOWN, "scroll the list a line"),
    KEYS2("PgUp", "PgDn", ACT_SCROLL_PAGE_UP, ACT_SCROLL_PAGE_DOWN, "scroll it a page"),
    KEYS2("Home", "End", ACT_SCROLL_TOP, ACT_SCROLL_BOTTOM, "its top or bottom"),
    KEYS1("Ctrl-C", ACT_QUIT, "quit"),
    {HELP_ANY, {"any other key", NULL}, {ACT_CLOSE, ACT_NONE}, "closes the list"},
};

static const KeymapHelp help_all[] = {
    {MODE_NORMAL, "normal", "The main view", normal_help, N_OF(normal_help), MODE_NORMAL},
    {MODE_EDIT, "edit", "Editing the sentence", edit_help, N_OF(edit_help), MODE_EDIT},
    {MODE_LESSON, "lesson", "The lesson (and every key of the main view)", lesson_help,
     N_OF(lesson_help), MODE_NORMAL},
    {MODE_SEARCH, "search", "Finding a word", search_help, N_OF(search_help), MODE_SEARCH},
    {MODE_OVERVIEW, "overview", "The overview", overview_help, N_OF(overview_help),
     MODE_OVERVIEW},
    {MODE_HELP, "help", "The list of keys", help_help, N_OF(help_help), MODE_HELP},
};

const KeymapHelp *keymap_help_all(size_t *n)
{
    *n = N_OF(help_all);
    return help_all;
}

const KeymapHelp *keymap_help(Mode mode)
{
    for (size_t i = 0; i < N_OF(help_all); i++)
        if (help_all[i].mode == mode) return &help_all[i];
    return &help_all[0]; /* MODE_NORMAL's */
}

/* The length of the modifiers that start NAME ("Ctrl-Shift-" of "Ctrl-Shift-A"). */
static size_t mods_len(const char *name)
{
    static const char *const mods[] = {"Ctrl-", "Alt-", "Shift-"};
    size_t len = 0;
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < N_OF(mods); i++) {
            size_t l = strlen(mods[i]);
            /* "-" alone, or "Ctrl--", is a key, not a modifier. */
            if (strncmp(name + len, mods[i], l) == 0 && name[len + l]) len += l, more = true;
        }
    }
    return len;
}

/* The next space-separated word of *S into WORD (of CAP bytes); false at the end. */
static bool next_word(const char **s, char *word, size_t cap)
{
    while (**s == ' ') (*s)++;
    if (!**s) return false;
    size_t n = strcspn(*s, " ");
    snprintf(word, cap, "%.*s", (int)n, *s);
    *s += n;
    return true;
}

const char *keymap_help_keys(const KeyHelp *row, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    if (row->kind != HELP_KEYS || row->act[1] == ACT_NONE || !row->keys[1]) {
        snprintf(buf, cap, "%s", row->keys[0]);
        return buf;
    }
    /* "Shift-← ," and "Shift-→ ." as "Shift-←/→ ,/.": name for name, the
     * modifiers both share written once. */
    const char *s0 = row->keys[0], *s1 = row->keys[1];
    char a[32], b[32];
    bool more_a, more_b;
    while ((more_a = next_word(&s0, a, sizeof a)) | (more_b = next_word(&s1, b, sizeof b))) {
        const char *sep = o ? " " : "";
        int n;
        if (more_a && more_b) {
            size_t p = mods_len(a);
            if (p != mods_len(b) || strncmp(a, b, p) != 0) p = 0;
            n = snprintf(buf + o, cap - o, "%s%s/%s", sep, a, b + p);
        } else {
            n = snprintf(buf + o, cap - o, "%s%s", sep, more_a ? a : b);
        }
        if (n < 0 || (size_t)n >= cap - o) break; /* cut: snprintf kept it terminated */
        o += (size_t)n;
    }
    return buf;
}
