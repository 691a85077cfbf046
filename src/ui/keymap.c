/* keymap.c - see keymap.h.  The help overlay and the man page list these. */
#include "keymap.h"

#include <stddef.h>

static bool is_ctrl(const UiKey *k, char c)
{
    return k->kind == UIKEY_CHAR && (k->mods & UIMOD_CTRL) && k->codepoint == (uint32_t)c;
}

static Action edit_lookup(const UiKey *k)
{
    bool ctrl = k->mods & UIMOD_CTRL;
    switch (k->kind) {
    case UIKEY_ENTER:
    case UIKEY_ESCAPE: return ACT_EDIT_DONE;
    case UIKEY_LEFT: return ctrl ? ACT_EDIT_WORD_LEFT : ACT_EDIT_LEFT;
    case UIKEY_RIGHT: return ctrl ? ACT_EDIT_WORD_RIGHT : ACT_EDIT_RIGHT;
    case UIKEY_HOME: return ACT_EDIT_HOME;
    case UIKEY_END: return ACT_EDIT_END;
    case UIKEY_BACKSPACE: return ACT_EDIT_BACKSPACE;
    case UIKEY_DELETE: return ACT_EDIT_DELETE;
    case UIKEY_CHAR:
        /* Emacs-style line keys, as a shell's line editor has them. */
        if (is_ctrl(k, 'c')) return ACT_QUIT;
        if (is_ctrl(k, 'a')) return ACT_EDIT_HOME;
        if (is_ctrl(k, 'e')) return ACT_EDIT_END;
        if (is_ctrl(k, 'b')) return ACT_EDIT_LEFT;
        if (is_ctrl(k, 'f')) return ACT_EDIT_RIGHT;
        if (is_ctrl(k, 'h')) return ACT_EDIT_BACKSPACE;
        if (is_ctrl(k, 'd')) return ACT_EDIT_DELETE;
        if (is_ctrl(k, 'l')) return ACT_REDRAW;
        if (k->mods & (UIMOD_CTRL | UIMOD_ALT)) return ACT_NONE;
        return k->utf8[0] ? ACT_EDIT_INSERT : ACT_NONE;
    default: return ACT_NONE;
    }
}

typedef struct {
    uint32_t ch;
    Action action;
} CharKey;

static const CharKey normal_chars[] = {
    {'q', ACT_QUIT},          {'h', ACT_QUERY_PREV},     {'l', ACT_QUERY_NEXT},
    {'k', ACT_QUERY_PREV},    {'j', ACT_QUERY_NEXT},     {'g', ACT_QUERY_FIRST},
    {'G', ACT_QUERY_LAST},    {',', ACT_KEY_PREV},       {'<', ACT_KEY_PREV},
    {'.', ACT_KEY_NEXT},      {'>', ACT_KEY_NEXT},       {']', ACT_LAYER_NEXT},
    {'[', ACT_LAYER_PREV},    {'n', ACT_HEAD_NEXT},      {'p', ACT_HEAD_PREV},
    {'a', ACT_TOGGLE_MEAN},   {'m', ACT_TOGGLE_MULTI},   {'x', ACT_TOGGLE_MATH},
    {'t', ACT_TOGGLE_PREDICT}, {'s', ACT_SAVE},          {'c', ACT_PIN},
    {'o', ACT_OVERVIEW},      {'v', ACT_TOGGLE_VALUES},  {'e', ACT_EDIT_START},
    {'?', ACT_HELP},
};

/* The overview: h l k j [ ] move the selection over heads and layers. */
static const CharKey overview_chars[] = {
    {'q', ACT_QUIT},       {'h', ACT_HEAD_PREV},  {'l', ACT_HEAD_NEXT},
    {'k', ACT_LAYER_PREV}, {'[', ACT_LAYER_PREV}, {'j', ACT_LAYER_NEXT},
    {']', ACT_LAYER_NEXT}, {'o', ACT_OVERVIEW_OPEN}, {'?', ACT_HELP},
};

/* A character key outside edit mode: Ctrl-C quits and Ctrl-L redraws
 * everywhere; other modified keys do nothing; plain ones come from TABLE. */
static Action char_lookup(const CharKey *table, size_t n, const UiKey *k)
{
    if (is_ctrl(k, 'c')) return ACT_QUIT;
    if (is_ctrl(k, 'l')) return ACT_REDRAW;
    if (k->mods & (UIMOD_CTRL | UIMOD_ALT)) return ACT_NONE;
    for (size_t i = 0; i < n; i++)
        if (table[i].ch == k->codepoint) return table[i].action;
    return ACT_NONE;
}

static Action normal_lookup(const UiKey *k)
{
    bool shift = k->mods & UIMOD_SHIFT;
    switch (k->kind) {
    case UIKEY_LEFT: return shift ? ACT_KEY_PREV : ACT_QUERY_PREV;
    case UIKEY_RIGHT: return shift ? ACT_KEY_NEXT : ACT_QUERY_NEXT;
    case UIKEY_UP: return ACT_QUERY_PREV;
    case UIKEY_DOWN: return ACT_QUERY_NEXT;
    case UIKEY_HOME: return ACT_QUERY_FIRST;
    case UIKEY_END: return ACT_QUERY_LAST;
    case UIKEY_TAB: return shift ? ACT_HEAD_PREV : ACT_HEAD_NEXT;
    case UIKEY_PAGEDOWN: return ACT_LAYER_NEXT;
    case UIKEY_PAGEUP: return ACT_LAYER_PREV;
    case UIKEY_ESCAPE: return ACT_CLOSE;
    case UIKEY_ENTER: return ACT_NONE;
    case UIKEY_CHAR: return char_lookup(normal_chars, sizeof normal_chars / sizeof normal_chars[0], k);
    default: return ACT_NONE;
    }
}

/* The overview: arrows move the selection over layers and heads. */
static Action overview_lookup(const UiKey *k)
{
    switch (k->kind) {
    case UIKEY_LEFT: return ACT_HEAD_PREV;
    case UIKEY_RIGHT: return ACT_HEAD_NEXT;
    case UIKEY_TAB: return k->mods & UIMOD_SHIFT ? ACT_HEAD_PREV : ACT_HEAD_NEXT;
    case UIKEY_UP: case UIKEY_PAGEUP: return ACT_LAYER_PREV;
    case UIKEY_DOWN: case UIKEY_PAGEDOWN: return ACT_LAYER_NEXT;
    case UIKEY_ENTER: return ACT_OVERVIEW_OPEN;
    case UIKEY_ESCAPE: return ACT_CLOSE;
    case UIKEY_CHAR:
        return char_lookup(overview_chars, sizeof overview_chars / sizeof overview_chars[0], k);
    default: return ACT_NONE;
    }
}

Action keymap_lookup(Mode mode, const UiKey *key)
{
    switch (mode) {
    case MODE_OVERVIEW: return overview_lookup(key);
    case MODE_EDIT: return edit_lookup(key);
    case MODE_HELP:
        /* Any key closes the overlay; q and Ctrl-C still quit. */
        if (is_ctrl(key, 'c') || (key->kind == UIKEY_CHAR && key->codepoint == 'q' && !key->mods))
            return ACT_QUIT;
        return ACT_CLOSE;
    default: return normal_lookup(key);
    }
}
