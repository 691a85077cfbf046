/*
 * keymap.h - keys to actions, per mode.  Pure: no terminal, no state beyond
 * its arguments, so it is tested (and fuzzed) without a terminal.
 *
 * The event loop turns libtermkey's keys into UiKey; keymap_lookup() says
 * what they mean in the current mode; app_state_apply() carries it out.
 * The same module holds the help that lists them (keymap_help()).
 */
#ifndef ATTNSCOPE_KEYMAP_H
#define ATTNSCOPE_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
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

/* MODE_SEARCH: typing the word that / looks for, on the status line.
 * MODE_LESSON: the guided lesson; its own keys, then every key of MODE_NORMAL. */
typedef enum { MODE_NORMAL, MODE_EDIT, MODE_HELP, MODE_OVERVIEW, MODE_SEARCH, MODE_LESSON } Mode;
#define MODE_LAST MODE_LESSON

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
    ACT_PAGE_DOWN, ACT_PAGE_UP, /* the query a page of heatmap rows on / back */
    ACT_HALF_DOWN, ACT_HALF_UP, /* half a page */
    ACT_SEARCH_START,          /* / : type a word to look for */
    ACT_SEARCH_NEXT, ACT_SEARCH_PREV, /* the query to the next / previous match */
    ACT_TOGGLE_WORDS,          /* whole words instead of the model's pieces */
    ACT_EDIT_CANCEL,           /* leave editing (or searching), restoring the text */
    ACT_SCROLL_UP, ACT_SCROLL_DOWN, ACT_SCROLL_PAGE_UP, ACT_SCROLL_PAGE_DOWN,
    ACT_SCROLL_TOP, ACT_SCROLL_BOTTOM, /* the help's lines */
    ACT_LESSON,                /* L: open the guided lesson */
    ACT_LESSON_NEXT, ACT_LESSON_PREV, /* its next / previous step */
    ACT_LESSON_LEAVE,          /* Esc in the lesson: leave it, keeping the view */
    ACT_TOGGLE_UNSCALED,       /* softmax without the 1/sqrt(d) scale */
    ACT_KNOCKOUT,              /* K: knock the current head out, or back in */
    ACT_RESTORE_HEADS,         /* R: every head back in */
    ACT_TOGGLE_ROLLOUT,        /* r: the heatmap shows attention rollout */
    ACT_TOGGLE_VALUE_WEIGHTED, /* V: the heatmap shows value-weighted attention */
    ACT_TOGGLE_IMPORTANCE,     /* i in the overview: heads shaded by importance */
    ACT_PRUNE_MORE, ACT_PRUNE_LESS, /* + / - in the lesson: the next least important head out, or back */
    ACT_SWITCH_MODEL,          /* M: the other bundled model (decoder <-> encoder) */
    ACT_MASK,                  /* _: hide the query's word as [MASK] (a masked-language model) */
    /* A new action goes here, and ACT_LAST below names it: keymap.c's names
     * and the fuzzer's range check follow ACT_LAST. */
} Action;
#define ACT_LAST ACT_MASK

Action keymap_lookup(Mode mode, const UiKey *key);
/* The action's name as in the enum without ACT_ ("QUERY_PREV"), for
 * messages and tests; "?" for a value that is no action. */
const char *keymap_action_name(Action a);

/*
 * The help: for each mode, what its keys do, as the help overlay shows it and
 * the man page's KEYS section says it (tests/test_keymap.c checks the three
 * against one another, key by key).  Data apart from the bindings behind
 * keymap_lookup(), so that one can be checked against the other.
 *
 * A row of kind HELP_KEYS names its keys: names separated by spaces, each a
 * character ("q", "?", "[") or one of ← → ↑ ↓ Home End PgUp PgDn Tab Enter
 * Esc Backspace Delete, after modifiers Ctrl- Alt- Shift- (a letter with
 * Ctrl is written in capitals: "Ctrl-A").  keys[0] do act[0]; keys[1], when
 * act[1] is not ACT_NONE, do act[1], name for name: the overlay pairs them,
 * "←/→ h/l".  A key named with fewer modifiers than it is pressed with does
 * what the name says or nothing (Shift-q in normal mode quits: terminals
 * report capitals with Shift; Alt-q does nothing).
 * A row of kind HELP_TEXT or HELP_ANY stands for the keys no other row
 * names: the characters typed as text (no Ctrl or Alt), or every key; keys[0]
 * then says so in words ("characters", "any other key").
 */
typedef enum { HELP_KEYS, HELP_TEXT, HELP_ANY } HelpKind;

typedef struct {
    HelpKind kind;
    const char *keys[2];
    Action act[2];
    const char *what; /* what the keys do, as the overlay and the man page say it */
} KeyHelp;

typedef struct {
    Mode mode;
    const char *name;  /* "normal", "edit", ...: for messages */
    const char *title; /* the overlay's heading and the man page's KEYS subsection */
    const KeyHelp *rows;
    size_t n_rows;
    /* A mode that adds keys to another: the keys ROWS do not name do what
     * BASE's rows say (the lesson: every key of the main view).  BASE ==
     * MODE for a mode of its own. */
    Mode base;
} KeymapHelp;

/* Every mode's help, in the order the overlay lists them; *N of them. */
const KeymapHelp *keymap_help_all(size_t *n);
/* MODE's help (normal mode's for a mode out of range). */
const KeymapHelp *keymap_help(Mode mode);
/* ROW's keys as the overlay shows them ("Tab/Shift-Tab n/p") into BUF of CAP
 * bytes, cut to fit; returns BUF. */
const char *keymap_help_keys(const KeyHelp *row, char *buf, size_t cap);

#endif
