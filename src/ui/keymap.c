/* keymap.c - see keymap.h.  The help overlay and the man page list these. */
#include "keymap.h"

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
    case UIKEY_CHAR:
        if (is_ctrl(k, 'c')) return ACT_QUIT;
        if (is_ctrl(k, 'l')) return ACT_REDRAW;
        if (k->mods & (UIMOD_CTRL | UIMOD_ALT)) return ACT_NONE;
        switch (k->codepoint) {
        case 'q': return ACT_QUIT;
        case 'h': return ACT_QUERY_PREV;
        case 'l': return ACT_QUERY_NEXT;
        case 'k': return ACT_QUERY_PREV;
        case 'j': return ACT_QUERY_NEXT;
        case 'g': return ACT_QUERY_FIRST;
        case 'G': return ACT_QUERY_LAST;
        case ',': case '<': return ACT_KEY_PREV;
        case '.': case '>': return ACT_KEY_NEXT;
        case ']': return ACT_LAYER_NEXT;
        case '[': return ACT_LAYER_PREV;
        case 'n': return ACT_HEAD_NEXT;
        case 'p': return ACT_HEAD_PREV;
        case 'a': return ACT_TOGGLE_MEAN;
        case 'm': return ACT_TOGGLE_MULTI;
        case 'x': return ACT_TOGGLE_MATH;
        case 't': return ACT_TOGGLE_PREDICT;
        case 's': return ACT_SAVE;
        case 'c': return ACT_PIN;
        case 'o': return ACT_OVERVIEW;
        case 'v': return ACT_TOGGLE_VALUES;
        case 'e': return ACT_EDIT_START;
        case '?': return ACT_HELP;
        default: return ACT_NONE;
        }
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
        if (is_ctrl(k, 'c')) return ACT_QUIT;
        if (is_ctrl(k, 'l')) return ACT_REDRAW;
        if (k->mods & (UIMOD_CTRL | UIMOD_ALT)) return ACT_NONE;
        switch (k->codepoint) {
        case 'q': return ACT_QUIT;
        case 'h': return ACT_HEAD_PREV;
        case 'l': return ACT_HEAD_NEXT;
        case 'k': case '[': return ACT_LAYER_PREV;
        case 'j': case ']': return ACT_LAYER_NEXT;
        case 'o': return ACT_OVERVIEW_OPEN;
        case '?': return ACT_HELP;
        default: return ACT_NONE;
        }
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
