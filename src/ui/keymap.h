/*
 * keymap.h - keys to actions, per mode.  Pure: no terminal, no state beyond
 * its arguments, so it is tested (and fuzzed) without a terminal.
 *
 * The event loop turns libtermkey's keys into UiKey; keymap_lookup() says
 * what they mean in the current mode; app_state_apply() carries it out.
 */
#ifndef ATTNSCOPE_KEYMAP_H
#define ATTNSCOPE_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    UIKEY_CHAR,      /* a printable character: codepoint and utf8 */
    UIKEY_LEFT, UIKEY_RIGHT, UIKEY_UP, UIKEY_DOWN,
    UIKEY_HOME, UIKEY_END, UIKEY_PAGEUP, UIKEY_PAGEDOWN,
    UIKEY_TAB, UIKEY_ENTER, UIKEY_ESCAPE, UIKEY_BACKSPACE, UIKEY_DELETE,
    UIKEY_OTHER,     /* function keys and anything else: ignored */
} UiKeyKind;

enum { UIMOD_SHIFT = 1, UIMOD_ALT = 2, UIMOD_CTRL = 4 };

typedef struct {
    UiKeyKind kind;
    uint32_t codepoint; /* UIKEY_CHAR; with UIMOD_CTRL, the letter (e.g. 'c') */
    char utf8[8];       /* UIKEY_CHAR: the character, NUL-terminated */
    int mods;
} UiKey;

typedef enum { MODE_NORMAL, MODE_EDIT, MODE_HELP, MODE_OVERVIEW } Mode;

typedef enum {
    ACT_NONE,
    ACT_QUIT,
    ACT_QUERY_PREV, ACT_QUERY_NEXT, ACT_QUERY_FIRST, ACT_QUERY_LAST,
    ACT_KEY_PREV, ACT_KEY_NEXT,
    ACT_HEAD_NEXT, ACT_HEAD_PREV, ACT_LAYER_NEXT, ACT_LAYER_PREV,
    ACT_TOGGLE_MEAN, ACT_TOGGLE_MULTI, ACT_TOGGLE_MATH, ACT_TOGGLE_PREDICT, ACT_TOGGLE_VALUES,
    ACT_HELP, ACT_CLOSE,       /* Esc: back to normal from any mode */
    ACT_EDIT_START, ACT_EDIT_DONE,
    ACT_EDIT_INSERT,           /* insert the key's utf8 */
    ACT_EDIT_BACKSPACE, ACT_EDIT_DELETE,
    ACT_EDIT_LEFT, ACT_EDIT_RIGHT, ACT_EDIT_HOME, ACT_EDIT_END,
    ACT_EDIT_WORD_LEFT, ACT_EDIT_WORD_RIGHT,
    ACT_REDRAW,
    ACT_SAVE,                  /* the head on screen as CSV and SVG files */
    ACT_PIN,                   /* pin the head for comparison, or unpin */
    ACT_OVERVIEW,              /* every head of the model at once */
    ACT_OVERVIEW_OPEN,         /* leave the overview on the selected head */
} Action;

Action keymap_lookup(Mode mode, const UiKey *key);

#endif
