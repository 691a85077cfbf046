/*
 * test_ui_state.c - the explorer's pure parts, without a terminal: the keymap,
 * the state machine (cursors, heads, layers, the sentence editor), a fuzz run
 * of random keys through both, text rendering for the terminal, and the scene
 * and background worker on the reference model.
 *
 * The guided lesson's part of the state (app_state_lesson, L, n/p, u, Esc,
 * and the modes that return to it) is tested on the step table itself
 * (lesson.h), without a model: which step, which sentence, what is closed.
 *
 * Nothing here calls curses: only keymap.o, app_state.o, scene.o, worker.o
 * and ui_text.o are linked from the UI library.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_state.h"
#include "forward.h"
#include "keymap.h"
#include "lesson.h"
#include "model.h"
#include "scene.h"
#include "tap.h"
#include "testutil.h"
#include "trace.h"
#include "ui_text.h"
#include "worker.h"

/* ---- keys --------------------------------------------------------------- */

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static UiKey kk(UiKeyKind kind, int mods)
{
    UiKey k;
    memset(&k, 0, sizeof k);
    k.kind = kind;
    k.mods = mods;
    return k;
}

/* A character key as the event loop builds it: codepoint and its UTF-8. */
static UiKey ch(uint32_t cp, int mods)
{
    UiKey k = kk(UIKEY_CHAR, mods);
    k.codepoint = cp;
    utf8_encode(cp, k.utf8);
    return k;
}

static UiKey ctrl(char c) { return ch((uint32_t)c, UIMOD_CTRL); }

/* A character key from a UTF-8 string (one character). */
static UiKey chs(const char *utf8)
{
    UiKey k = kk(UIKEY_CHAR, 0);
    const unsigned char *p = (const unsigned char *)utf8;
    uint32_t cp = p[0];
    int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
    if (n > 1) cp &= 0x7Fu >> n;
    for (int i = 1; i < n; i++) cp = (cp << 6) | (p[i] & 0x3F);
    k.codepoint = cp;
    memcpy(k.utf8, utf8, strlen(utf8));
    return k;
}

static const char *act_name(Action a)
{
    return keymap_action_name(a);
}

static const char *mode_name(Mode m)
{
    return m == MODE_NORMAL ? "normal" : m == MODE_EDIT ? "edit" : m == MODE_HELP ? "help"
           : m == MODE_SEARCH ? "search" : m == MODE_LESSON ? "lesson" : "overview";
}

#define KEY_IS(mode, key, want, what)                                                      \
    do {                                                                                   \
        UiKey k_ = (key);                                                                  \
        Action a_ = keymap_lookup((mode), &k_);                                            \
        if (!ok(a_ == (want), "%s mode: %s -> %s", mode_name(mode), (what), act_name(want))) \
            diag("got %s", act_name(a_));                                                  \
    } while (0)

static void test_keymap(void)
{
    const Mode N = MODE_NORMAL, E = MODE_EDIT, H = MODE_HELP;

    /* Normal mode: the query cursor. */
    KEY_IS(N, kk(UIKEY_LEFT, 0), ACT_QUERY_PREV, "Left");
    KEY_IS(N, kk(UIKEY_RIGHT, 0), ACT_QUERY_NEXT, "Right");
    KEY_IS(N, kk(UIKEY_UP, 0), ACT_QUERY_PREV, "Up");
    KEY_IS(N, kk(UIKEY_DOWN, 0), ACT_QUERY_NEXT, "Down");
    KEY_IS(N, ch('h', 0), ACT_QUERY_PREV, "h");
    KEY_IS(N, ch('l', 0), ACT_QUERY_NEXT, "l");
    KEY_IS(N, ch('k', 0), ACT_QUERY_PREV, "k");
    KEY_IS(N, ch('j', 0), ACT_QUERY_NEXT, "j");
    KEY_IS(N, kk(UIKEY_HOME, 0), ACT_QUERY_FIRST, "Home");
    KEY_IS(N, kk(UIKEY_END, 0), ACT_QUERY_LAST, "End");
    KEY_IS(N, ch('g', 0), ACT_QUERY_FIRST, "g");
    KEY_IS(N, ch('G', 0), ACT_QUERY_LAST, "G");
    KEY_IS(N, ch('G', UIMOD_SHIFT), ACT_QUERY_LAST, "G reported with Shift");
    /* The key cursor. */
    KEY_IS(N, kk(UIKEY_LEFT, UIMOD_SHIFT), ACT_KEY_PREV, "Shift-Left");
    KEY_IS(N, kk(UIKEY_RIGHT, UIMOD_SHIFT), ACT_KEY_NEXT, "Shift-Right");
    KEY_IS(N, ch(',', 0), ACT_KEY_PREV, ",");
    KEY_IS(N, ch('.', 0), ACT_KEY_NEXT, ".");
    KEY_IS(N, ch('<', 0), ACT_KEY_PREV, "<");
    KEY_IS(N, ch('>', 0), ACT_KEY_NEXT, ">");
    /* Heads and layers. */
    KEY_IS(N, kk(UIKEY_TAB, 0), ACT_HEAD_NEXT, "Tab");
    KEY_IS(N, kk(UIKEY_TAB, UIMOD_SHIFT), ACT_HEAD_PREV, "Shift-Tab");
    KEY_IS(N, ch('}', 0), ACT_HEAD_NEXT, "}");
    KEY_IS(N, ch('{', 0), ACT_HEAD_PREV, "{");
    KEY_IS(N, ch('p', 0), ACT_NONE, "p (no longer a head key)");
    /* Paging, finding, words. */
    KEY_IS(N, kk(UIKEY_PAGEDOWN, 0), ACT_PAGE_DOWN, "PgDn");
    KEY_IS(N, kk(UIKEY_PAGEUP, 0), ACT_PAGE_UP, "PgUp");
    KEY_IS(N, ctrl('d'), ACT_HALF_DOWN, "Ctrl-D");
    KEY_IS(N, ctrl('u'), ACT_HALF_UP, "Ctrl-U");
    KEY_IS(N, ch('/', 0), ACT_SEARCH_START, "/");
    KEY_IS(N, ch('n', 0), ACT_SEARCH_NEXT, "n");
    KEY_IS(N, ch('N', UIMOD_SHIFT), ACT_SEARCH_PREV, "N");
    KEY_IS(N, ch('w', 0), ACT_TOGGLE_WORDS, "w");
    KEY_IS(N, ch(']', 0), ACT_LAYER_NEXT, "]");
    KEY_IS(N, ch('[', 0), ACT_LAYER_PREV, "[");
    /* Views, modes, quitting. */
    KEY_IS(N, ch('a', 0), ACT_TOGGLE_MEAN, "a");
    KEY_IS(N, ch('m', 0), ACT_TOGGLE_MULTI, "m");
    KEY_IS(N, ch('v', 0), ACT_TOGGLE_VALUES, "v");
    KEY_IS(N, ch('e', 0), ACT_EDIT_START, "e");
    KEY_IS(N, ch('?', 0), ACT_HELP, "?");
    KEY_IS(N, ch('q', 0), ACT_QUIT, "q");
    KEY_IS(N, ctrl('c'), ACT_QUIT, "Ctrl-C");
    KEY_IS(N, kk(UIKEY_ESCAPE, 0), ACT_CLOSE, "Esc");
    KEY_IS(N, ctrl('l'), ACT_REDRAW, "Ctrl-L");
    /* Modified letters and unknown keys do nothing. */
    KEY_IS(N, ch('q', UIMOD_ALT), ACT_NONE, "Alt-q");
    KEY_IS(N, ctrl('a'), ACT_NONE, "Ctrl-A");
    KEY_IS(N, ch('x', 0), ACT_TOGGLE_MATH, "x");
    KEY_IS(N, ch('z', 0), ACT_NONE, "z");
    KEY_IS(N, ch(0xE9, 0), ACT_NONE, "é");
    KEY_IS(N, kk(UIKEY_ENTER, 0), ACT_NONE, "Enter");
    KEY_IS(N, kk(UIKEY_BACKSPACE, 0), ACT_NONE, "Backspace");
    KEY_IS(N, kk(UIKEY_OTHER, 0), ACT_NONE, "a function key");

    /* Edit mode: printable characters are text, even the normal-mode keys. */
    KEY_IS(E, ch('q', 0), ACT_EDIT_INSERT, "q");
    KEY_IS(E, ch('e', 0), ACT_EDIT_INSERT, "e");
    KEY_IS(E, ch('?', 0), ACT_EDIT_INSERT, "?");
    KEY_IS(E, ch(' ', 0), ACT_EDIT_INSERT, "space");
    KEY_IS(E, ch('A', UIMOD_SHIFT), ACT_EDIT_INSERT, "Shift-A");
    KEY_IS(E, chs("é"), ACT_EDIT_INSERT, "é");
    KEY_IS(E, chs("日"), ACT_EDIT_INSERT, "日");
    KEY_IS(E, chs("😀"), ACT_EDIT_INSERT, "😀");
    KEY_IS(E, kk(UIKEY_CHAR, 0), ACT_NONE, "a character key with no UTF-8");
    KEY_IS(E, ch('x', UIMOD_ALT), ACT_NONE, "Alt-x");
    KEY_IS(E, kk(UIKEY_LEFT, 0), ACT_EDIT_LEFT, "Left");
    KEY_IS(E, kk(UIKEY_RIGHT, 0), ACT_EDIT_RIGHT, "Right");
    KEY_IS(E, kk(UIKEY_LEFT, UIMOD_CTRL), ACT_EDIT_WORD_LEFT, "Ctrl-Left");
    KEY_IS(E, kk(UIKEY_RIGHT, UIMOD_CTRL), ACT_EDIT_WORD_RIGHT, "Ctrl-Right");
    KEY_IS(E, kk(UIKEY_HOME, 0), ACT_EDIT_HOME, "Home");
    KEY_IS(E, kk(UIKEY_END, 0), ACT_EDIT_END, "End");
    KEY_IS(E, ctrl('a'), ACT_EDIT_HOME, "Ctrl-A");
    KEY_IS(E, ctrl('e'), ACT_EDIT_END, "Ctrl-E");
    KEY_IS(E, ctrl('b'), ACT_EDIT_LEFT, "Ctrl-B");
    KEY_IS(E, ctrl('f'), ACT_EDIT_RIGHT, "Ctrl-F");
    KEY_IS(E, kk(UIKEY_BACKSPACE, 0), ACT_EDIT_BACKSPACE, "Backspace");
    KEY_IS(E, ctrl('h'), ACT_EDIT_BACKSPACE, "Ctrl-H");
    KEY_IS(E, kk(UIKEY_DELETE, 0), ACT_EDIT_DELETE, "Delete");
    KEY_IS(E, ctrl('d'), ACT_EDIT_DELETE, "Ctrl-D");
    KEY_IS(E, kk(UIKEY_ENTER, 0), ACT_EDIT_DONE, "Enter");
    KEY_IS(E, kk(UIKEY_ESCAPE, 0), ACT_EDIT_CANCEL, "Esc");
    KEY_IS(E, ctrl('c'), ACT_QUIT, "Ctrl-C");
    KEY_IS(E, ctrl('l'), ACT_REDRAW, "Ctrl-L");
    KEY_IS(E, ctrl('x'), ACT_NONE, "Ctrl-X");
    KEY_IS(E, kk(UIKEY_UP, 0), ACT_NONE, "Up");
    KEY_IS(E, kk(UIKEY_TAB, 0), ACT_NONE, "Tab");
    KEY_IS(E, kk(UIKEY_PAGEDOWN, 0), ACT_NONE, "PgDn");

    /* Help mode: the arrows and page keys scroll it, Ctrl-C quits, any other
     * key (q too) closes the overlay. */
    KEY_IS(H, ch('q', 0), ACT_CLOSE, "q");
    KEY_IS(H, ctrl('c'), ACT_QUIT, "Ctrl-C");
    KEY_IS(H, kk(UIKEY_DOWN, 0), ACT_SCROLL_DOWN, "Down");
    KEY_IS(H, ch('k', 0), ACT_SCROLL_UP, "k");
    KEY_IS(H, kk(UIKEY_PAGEDOWN, 0), ACT_SCROLL_PAGE_DOWN, "PgDn");
    KEY_IS(H, kk(UIKEY_END, 0), ACT_SCROLL_BOTTOM, "End");
    KEY_IS(H, kk(UIKEY_ESCAPE, 0), ACT_CLOSE, "Esc");
    KEY_IS(H, ch('?', 0), ACT_CLOSE, "?");
    KEY_IS(H, ch('x', 0), ACT_CLOSE, "x");
    KEY_IS(H, ch('e', 0), ACT_CLOSE, "e");
    KEY_IS(H, kk(UIKEY_ENTER, 0), ACT_CLOSE, "Enter");
    KEY_IS(H, kk(UIKEY_LEFT, 0), ACT_CLOSE, "Left");
    KEY_IS(H, kk(UIKEY_OTHER, 0), ACT_CLOSE, "a function key");
    KEY_IS(H, ch('q', UIMOD_ALT), ACT_CLOSE, "Alt-q");

    /* The lesson: its own keys first, then every key of normal mode. */
    const Mode LS = MODE_LESSON;
    KEY_IS(N, ch('L', UIMOD_SHIFT), ACT_LESSON, "L");
    KEY_IS(N, ch('u', 0), ACT_NONE, "u (the lesson's only)");
    KEY_IS(N, ch(' ', 0), ACT_NONE, "Space (the lesson's only)");
    KEY_IS(LS, ch('n', 0), ACT_LESSON_NEXT, "n");
    KEY_IS(LS, ch(' ', 0), ACT_LESSON_NEXT, "Space");
    KEY_IS(LS, ch('p', 0), ACT_LESSON_PREV, "p");
    KEY_IS(LS, kk(UIKEY_BACKSPACE, 0), ACT_LESSON_PREV, "Backspace");
    KEY_IS(LS, ch('u', 0), ACT_TOGGLE_UNSCALED, "u");
    KEY_IS(LS, kk(UIKEY_ESCAPE, 0), ACT_LESSON_LEAVE, "Esc");
    KEY_IS(LS, ch('N', UIMOD_SHIFT), ACT_SEARCH_PREV, "N (normal mode's)");
    KEY_IS(LS, ch('/', 0), ACT_SEARCH_START, "/ (normal mode's)");
    KEY_IS(LS, kk(UIKEY_LEFT, 0), ACT_QUERY_PREV, "Left (normal mode's)");
    KEY_IS(LS, kk(UIKEY_RIGHT, UIMOD_SHIFT), ACT_KEY_NEXT, "Shift-Right (normal mode's)");
    KEY_IS(LS, kk(UIKEY_TAB, 0), ACT_HEAD_NEXT, "Tab (normal mode's)");
    KEY_IS(LS, ch(']', 0), ACT_LAYER_NEXT, "] (normal mode's)");
    KEY_IS(LS, ch('x', 0), ACT_TOGGLE_MATH, "x (normal mode's)");
    KEY_IS(LS, ch('m', 0), ACT_TOGGLE_MULTI, "m (normal mode's)");
    KEY_IS(LS, ch('e', 0), ACT_EDIT_START, "e (normal mode's)");
    KEY_IS(LS, ch('o', 0), ACT_OVERVIEW, "o (normal mode's)");
    KEY_IS(LS, ch('?', 0), ACT_HELP, "? (normal mode's)");
    KEY_IS(LS, ch('L', UIMOD_SHIFT), ACT_LESSON, "L (normal mode's: the step again)");
    KEY_IS(LS, ch('q', 0), ACT_QUIT, "q (normal mode's)");
    KEY_IS(LS, ch('z', 0), ACT_NONE, "z");
    KEY_IS(LS, ch('n', UIMOD_ALT), ACT_NONE, "Alt-n");
    KEY_IS(LS, kk(UIKEY_ENTER, 0), ACT_NONE, "Enter");

    /* Ctrl-C quits whatever the mode, whatever else is held. */
    int all = 1;
    for (int m = MODE_NORMAL; m <= MODE_LAST; m++)
        for (int mods = 0; mods < 8; mods++) {
            UiKey k = ch('c', mods | UIMOD_CTRL);
            all &= keymap_lookup((Mode)m, &k) == ACT_QUIT;
        }
    ok(all, "Ctrl-C quits in every mode with any other modifiers");
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        int n;
        uint32_t min, v;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
        else return 0;
        if (i + (size_t)n > len) return 0;
        v = c & (0x7Fu >> n);
        for (int k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return 0;
            v = (v << 6) | (p[i + k] & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
        i += (size_t)n;
    }
    return 1;
}

static int on_boundary(const AppState *s)
{
    return s->edit == s->len || ((unsigned char)s->text[s->edit] & 0xC0) != 0x80;
}

/* ---- app_state ---------------------------------------------------------- */

static unsigned press(AppState *s, UiKey k)
{
    return app_state_apply(s, keymap_lookup(s->mode, &k), &k);
}

static void test_app_state_cursors(void)
{
    AppState s;
    const char *text = "The cat sat.";
    is_int(app_state_init(&s, 5, 8, text, strlen(text)), 0, "init succeeds");
    ok(s.text != text && strcmp(s.text, text) == 0, "init copies the text");
    is_int(s.len, strlen(text), "init: len is the text's length");
    is_int(s.edit, s.len, "init: the edit cursor is at the end");
    ok(s.mode == MODE_NORMAL && !s.multi && !s.mean && !s.quit && s.layer == 0 &&
           s.head == 0 && s.query == 0 && s.key == 0 && s.n_tokens == 0 && s.text_gen == 0,
       "init: normal mode, everything at zero");
    is_int(s.n_layers, 5, "init: n_layers");
    is_int(s.n_heads, 8, "init: n_heads");

    /* Before any trace, query moves have nowhere to go. */
    is_int(press(&s, kk(UIKEY_RIGHT, 0)), 0, "no tokens: Right changes nothing");
    is_int(s.query, 0, "no tokens: the query stays 0");

    app_state_set_tokens(&s, 10);
    is_int(s.n_tokens, 10, "set_tokens records the count");
    is_int(s.query, 9, "the first trace opens on its last token");
    is_int(s.key, 9, "with the key cursor on it too");
    unsigned need = press(&s, kk(UIKEY_HOME, 0));
    ok(need & NEED_ROW, "Home returns NEED_ROW");
    is_int(s.query, 0, "Home: query 0");
    is_int(s.key, 0, "the key cursor on the query follows it to 0");
    need = press(&s, kk(UIKEY_LEFT, 0));
    is_int(need, 0, "Left at query 0: nothing to do");
    is_int(s.query, 0, "Left at query 0 stays at 0");
    need = press(&s, kk(UIKEY_RIGHT, 0));
    ok((need & NEED_ROW) && (need & NEED_DRAW), "Right returns NEED_ROW | NEED_DRAW");
    is_int(s.query, 1, "Right: query 1");
    is_int(s.key, 1, "the key cursor on the query follows it");
    need = press(&s, ch('G', 0));
    ok(need & NEED_ROW, "G returns NEED_ROW");
    is_int(s.query, 9, "G: the last token");
    is_int(s.key, 9, "G: the key on the query follows it");
    need = press(&s, ch('l', 0));
    is_int(need, 0, "l at the last token: nothing to do");
    is_int(s.query, 9, "the query stays at n-1");
    press(&s, kk(UIKEY_END, 0));
    is_int(s.query, 9, "End: n-1");

    /* The key cursor: never right of the query. */
    need = press(&s, kk(UIKEY_RIGHT, UIMOD_SHIFT));
    is_int(need, 0, "Shift-Right with the key on the query: nothing to do");
    is_int(s.key, 9, "the key stays on the query");
    for (int i = 0; i < 4; i++) press(&s, ch(',', 0));
    is_int(s.key, 5, "four ',' move the key to 5");
    need = press(&s, ch('.', 0));
    is_int(need, NEED_DRAW, "'.' returns NEED_DRAW only (the row is unchanged)");
    is_int(s.key, 6, "'.' moves the key right");
    press(&s, ch('k', 0));
    is_int(s.query, 8, "k: query 8");
    is_int(s.key, 6, "a key left of the query stays where it is");
    press(&s, kk(UIKEY_UP, 0));
    press(&s, kk(UIKEY_UP, 0));
    is_int(s.query, 6, "Up twice: query 6");
    is_int(s.key, 6, "the key stays at 6 (equal to the query)");
    press(&s, kk(UIKEY_UP, 0));
    is_int(s.query, 5, "Up: query 5");
    is_int(s.key, 5, "the key, now on the query, follows it left");
    press(&s, kk(UIKEY_DOWN, 0));
    is_int(s.query, 6, "Down: query 6");
    is_int(s.key, 6, "and right");
    for (int i = 0; i < 3; i++) press(&s, kk(UIKEY_LEFT, UIMOD_SHIFT));
    is_int(s.key, 3, "Shift-Left three times: key 3");
    press(&s, ch('j', 0));
    is_int(s.key, 3, "j: a key left of the query stays");
    press(&s, ch('g', 0));
    is_int(s.query, 0, "g: query 0");
    is_int(s.key, 0, "the key is dragged to 0 with it");
    need = press(&s, kk(UIKEY_LEFT, UIMOD_SHIFT));
    is_int(need, 0, "Shift-Left at key 0: nothing to do");

    /* set_tokens clamps the cursors to a shorter trace. */
    press(&s, kk(UIKEY_END, 0));
    press(&s, ch(',', 0));
    is_int(s.key, 8, "query 9, key 8");
    app_state_set_tokens(&s, 5);
    is_int(s.query, 4, "set_tokens(5) clamps the query to 4");
    is_int(s.key, 4, "and the key to the query");
    app_state_set_tokens(&s, 20);
    ok(s.query == 4 && s.key == 4, "a longer trace keeps the cursors");
    press(&s, ch(',', 0));
    app_state_set_tokens(&s, 5);
    ok(s.query == 4 && s.key == 3, "set_tokens(5) keeps query 4, key 3 where they fit");
    app_state_set_tokens(&s, 0);
    ok(s.query == 0 && s.key == 0, "set_tokens(0): both 0");
    app_state_set_tokens(&s, 10);

    /* Heads and layers wrap around both ways; Tab leaves the mean view. */
    need = press(&s, kk(UIKEY_TAB, UIMOD_SHIFT));
    is_int(s.head, 7, "Shift-Tab from head 0 wraps to 7");
    ok(need & NEED_ROW, "a head change returns NEED_ROW");
    press(&s, kk(UIKEY_TAB, 0));
    is_int(s.head, 0, "Tab from head 7 wraps to 0");
    for (int i = 0; i < 3; i++) press(&s, ch('}', 0));
    is_int(s.head, 3, "} three times: head 3");
    press(&s, ch('{', 0));
    is_int(s.head, 2, "{: head 2");
    need = press(&s, ch('[', 0));
    is_int(s.layer, 4, "[ from layer 0 wraps to 4");
    ok(need & NEED_ROW, "a layer change returns NEED_ROW");
    press(&s, ch(']', 0));
    is_int(s.layer, 0, "] from layer 4 wraps to 0");
    press(&s, ch(']', 0));
    press(&s, ch(']', 0));
    is_int(s.layer, 2, "] twice: layer 2");
    press(&s, ch('[', 0));
    is_int(s.layer, 1, "[: layer 1");
    for (int i = 0; i < 5; i++) press(&s, ch(']', 0));
    is_int(s.layer, 1, "five ] come back to the same layer");

    need = press(&s, ch('a', 0));
    ok(s.mean && (need & NEED_ROW), "a: mean on, NEED_ROW");
    press(&s, kk(UIKEY_TAB, 0));
    ok(!s.mean && s.head == 3, "Tab leaves the mean view and picks the next head");
    press(&s, ch('a', 0));
    press(&s, kk(UIKEY_TAB, UIMOD_SHIFT));
    ok(!s.mean && s.head == 2, "Shift-Tab leaves the mean view too");
    press(&s, ch('a', 0));
    press(&s, ch('a', 0));
    ok(!s.mean, "a twice: mean off again");
    need = press(&s, ch('m', 0));
    ok(s.multi && need == NEED_DRAW, "m: multi on, NEED_DRAW");
    press(&s, ch('v', 0));
    ok(s.show_values, "v: values on");
    press(&s, ch('v', 0));
    ok(!s.show_values, "v again: values off");

    /* Esc from normal mode leaves the multi-head and mean views. */
    press(&s, ch('a', 0));
    ok(s.multi && s.mean, "multi and mean both on");
    need = press(&s, kk(UIKEY_ESCAPE, 0));
    ok(!s.multi && !s.mean && s.mode == MODE_NORMAL, "Esc leaves multi and mean");
    ok(need & NEED_ROW, "that Esc returns NEED_ROW");
    need = press(&s, kk(UIKEY_ESCAPE, 0));
    is_int(need, 0, "Esc in the plain view: nothing to do");
    press(&s, ch('m', 0));
    need = press(&s, kk(UIKEY_ESCAPE, 0));
    ok(!s.multi && need != 0, "Esc leaves multi alone");
    press(&s, ch('m', 0));
    press(&s, ch('x', 0));
    ok(s.math && !s.multi, "x opens the math panel in place of the multi-head view");
    press(&s, ch('m', 0));
    ok(s.multi && !s.math, "m replaces the math panel with the multi-head view");
    press(&s, ch('x', 0));
    press(&s, kk(UIKEY_ESCAPE, 0));
    ok(!s.math && !s.multi, "Esc leaves the math panel");

    /* Help: any key closes it; it keeps the view it was opened from. */
    press(&s, ch('m', 0));
    press(&s, ch('?', 0));
    is_int(s.mode, MODE_HELP, "?: help mode");
    press(&s, ch('z', 0));
    is_int(s.mode, MODE_NORMAL, "z closes help");
    ok(s.multi, "closing help keeps the multi-head view");
    press(&s, ch('?', 0));
    press(&s, kk(UIKEY_ESCAPE, 0));
    ok(s.mode == MODE_NORMAL && s.multi, "Esc closes help, keeping multi");
    press(&s, ch('?', 0));
    press(&s, ch('q', 0));
    ok(!s.quit && s.mode == MODE_NORMAL, "q in help closes it, as any key does");
    press(&s, ch('?', 0));
    need = press(&s, kk(UIKEY_DOWN, 0));
    ok(s.mode == MODE_HELP && s.help_scroll == 1 && need == NEED_DRAW, "Down scrolls help a line");
    s.page_rows = 3, s.help_page = 7; /* the help's page, not the heatmap's */
    press(&s, kk(UIKEY_PAGEDOWN, 0));
    is_int(s.help_scroll, 8, "PgDn scrolls it a page (7 rows)");
    press(&s, kk(UIKEY_UP, 0));
    is_int(s.help_scroll, 7, "Up a line back");
    press(&s, kk(UIKEY_HOME, 0));
    is_int(s.help_scroll, 0, "Home: the top");
    need = press(&s, kk(UIKEY_UP, 0));
    ok(s.help_scroll == 0 && need == 0, "Up at the top: nothing");
    press(&s, kk(UIKEY_ESCAPE, 0));
    press(&s, ch('?', 0));
    is_int(s.help_scroll, 0, "help opens at its top again");
    press(&s, ctrl('c'));
    ok(s.quit, "Ctrl-C in help quits");
    s.quit = false;
    s.mode = MODE_NORMAL;
    press(&s, ch('q', 0));
    ok(s.quit, "q quits");
    s.quit = false;
    need = press(&s, ctrl('l'));
    ok((need & NEED_FULL) && (need & NEED_DRAW), "Ctrl-L returns NEED_FULL | NEED_DRAW");

    /* Edit mode round trip. */
    s.edit = 0;
    need = press(&s, ch('e', 0));
    ok(s.mode == MODE_EDIT && s.edit == s.len && need == NEED_DRAW,
       "e: edit mode, the cursor at the end");
    press(&s, kk(UIKEY_ENTER, 0));
    is_int(s.mode, MODE_NORMAL, "Enter finishes editing");
    press(&s, ch('e', 0));
    press(&s, kk(UIKEY_ESCAPE, 0));
    is_int(s.mode, MODE_NORMAL, "Esc finishes editing");
    ok(s.multi, "Esc from edit mode keeps the multi view (only normal-mode Esc leaves it)");
    press(&s, ch('e', 0));
    press(&s, ctrl('c'));
    ok(s.quit, "Ctrl-C in edit mode quits");
    is_str(s.text, text, "no edit happened: the text is unchanged");
    is_int(s.text_gen, 0, "and text_gen is still 0");
    s.quit = false;
    s.mode = MODE_NORMAL;

    /* Esc restores the text as it was when editing began; Enter keeps it. */
    press(&s, ch('e', 0));
    press(&s, kk(UIKEY_BACKSPACE, 0));
    press(&s, ch('X', UIMOD_SHIFT));
    ok(strcmp(s.text, text) != 0 && s.text_gen == 2, "typed: the text changed twice");
    need = press(&s, kk(UIKEY_ESCAPE, 0));
    ok(s.mode == MODE_NORMAL && strcmp(s.text, text) == 0 && s.len == strlen(text),
       "Esc restores the text as it was");
    ok((need & NEED_FORWARD) && s.text_gen == 3, "and asks for a pass over it (a new generation)");
    press(&s, ch('e', 0));
    need = press(&s, kk(UIKEY_ESCAPE, 0));
    ok(!(need & NEED_FORWARD) && s.text_gen == 3, "Esc with nothing changed: no pass");
    press(&s, ch('e', 0));
    press(&s, ch('!', 0));
    press(&s, kk(UIKEY_ENTER, 0));
    ok(s.len == strlen(text) + 1 && s.text[s.len - 1] == '!', "Enter keeps the new text");
    press(&s, ch('e', 0));
    press(&s, kk(UIKEY_ESCAPE, 0));
    ok(s.text[s.len - 1] == '!', "a later Esc restores to the text kept by Enter");

    /* Paging: a page is the heatmap's rows, set by the loop. */
    app_state_set_tokens(&s, 100);
    press(&s, kk(UIKEY_HOME, 0));
    s.page_rows = 12;
    need = press(&s, kk(UIKEY_PAGEDOWN, 0));
    ok(s.query == 12 && (need & NEED_ROW), "PgDn: the query 12 rows on");
    press(&s, ctrl('d'));
    is_int(s.query, 18, "Ctrl-D: half a page (6) more");
    press(&s, ctrl('u'));
    is_int(s.query, 12, "Ctrl-U: half a page back");
    press(&s, kk(UIKEY_PAGEUP, 0));
    press(&s, kk(UIKEY_PAGEUP, 0));
    is_int(s.query, 0, "PgUp twice stops at the first token");
    for (int i = 0; i < 10; i++) press(&s, kk(UIKEY_PAGEDOWN, 0));
    is_int(s.query, 99, "PgDn stops at the last token");

    /* Finding a word: typed in search mode, looked for by the loop. */
    need = press(&s, ch('n', 0));
    ok(!(need & NEED_SEARCH) && s.note, "n before any search: a note, nothing to look for");
    press(&s, ch('/', 0));
    is_int(s.mode, MODE_SEARCH, "/: search mode");
    press(&s, ch('r', 0));
    press(&s, ch('i', 0));
    press(&s, ch('x', 0));
    press(&s, kk(UIKEY_BACKSPACE, 0));
    press(&s, chs("é"));
    ok(strcmp(s.search, "ri\xc3\xa9") == 0 && strcmp(s.text + s.len - 1, "!") == 0,
       "the word is typed into the search, not the sentence (\"%s\")", s.search);
    need = press(&s, kk(UIKEY_ENTER, 0));
    ok(s.mode == MODE_NORMAL && (need & NEED_SEARCH) && s.search_dir == 1,
       "Enter: look forward for it");
    need = press(&s, ch('N', UIMOD_SHIFT));
    ok((need & NEED_SEARCH) && s.search_dir == -1, "N: look back");
    need = press(&s, ch('n', 0));
    ok((need & NEED_SEARCH) && s.search_dir == 1, "n: look forward");
    press(&s, ch('/', 0));
    press(&s, ch('z', 0));
    need = press(&s, kk(UIKEY_ESCAPE, 0));
    ok(s.mode == MODE_NORMAL && !(need & NEED_SEARCH) && s.search_len == 0,
       "Esc gives the search up");
    press(&s, ch('/', 0));
    need = press(&s, kk(UIKEY_ENTER, 0));
    ok(s.mode == MODE_NORMAL && !(need & NEED_SEARCH), "Enter on an empty search: nothing");
    need = app_state_set_query(&s, 40);
    ok(s.query == 40 && s.key == 40 && (need & NEED_ROW), "set_query moves query and key");

    /* Words. */
    need = press(&s, ch('w', 0));
    ok(s.words && (need & NEED_ROW), "w: whole words");
    press(&s, ch('w', 0));
    ok(!s.words, "w again: pieces");

    app_state_free(&s);
    ok(s.text == NULL && s.saved == NULL, "free clears the text pointers");
}

/* Apply one edit key and check the result's text and cursor. */
static void edit_case(AppState *s, UiKey k, const char *want, size_t want_edit, unsigned want_need,
                      const char *what)
{
    unsigned gen = s->text_gen;
    unsigned need = press(s, k);
    int text_ok = strcmp(s->text, want) == 0 && s->len == strlen(want);
    if (!ok(text_ok && s->edit == want_edit && need == want_need, "edit: %s", what))
        diag("text \"%s\" (len %zu) edit %zu need %u; want \"%s\" edit %zu need %u", s->text,
             s->len, s->edit, need, want, want_edit, want_need);
    unsigned bumped = s->text_gen - gen;
    if (!ok(bumped == ((want_need & NEED_FORWARD) ? 1u : 0u) && utf8_valid(s->text, s->len) &&
                s->text[s->len] == '\0' && on_boundary(s),
            "edit: %s: text_gen %s, valid UTF-8, cursor on a boundary", what,
            (want_need & NEED_FORWARD) ? "bumped" : "unchanged"))
        diag("text_gen went %u -> %u", gen, s->text_gen);
}

static void test_app_state_edit(void)
{
    const unsigned T = NEED_DRAW | NEED_FORWARD, D = NEED_DRAW;
    AppState s;
    /* "aé😀b": a (1 byte) é (2) 😀 (4) b (1) */
    const char *t0 = "a\xC3\xA9\xF0\x9F\x98\x80" "b";
    app_state_init(&s, 5, 8, t0, strlen(t0));
    press(&s, ch('e', 0));
    is_int(s.edit, 8, "edit starts at the end (byte 8)");
    edit_case(&s, kk(UIKEY_LEFT, 0), t0, 7, D, "Left over b");
    edit_case(&s, kk(UIKEY_LEFT, 0), t0, 3, D, "Left over the emoji: 4 bytes");
    edit_case(&s, kk(UIKEY_LEFT, 0), t0, 1, D, "Left over é: 2 bytes");
    edit_case(&s, ctrl('b'), t0, 0, D, "Ctrl-B over a");
    edit_case(&s, kk(UIKEY_LEFT, 0), t0, 0, 0, "Left at 0 stays");
    edit_case(&s, kk(UIKEY_RIGHT, 0), t0, 1, D, "Right over a");
    edit_case(&s, kk(UIKEY_RIGHT, 0), t0, 3, D, "Right over é");
    edit_case(&s, ctrl('f'), t0, 7, D, "Ctrl-F over the emoji");
    edit_case(&s, kk(UIKEY_RIGHT, 0), t0, 8, D, "Right over b");
    edit_case(&s, kk(UIKEY_RIGHT, 0), t0, 8, 0, "Right at the end stays");
    edit_case(&s, ctrl('a'), t0, 0, D, "Ctrl-A: home");
    edit_case(&s, ctrl('e'), t0, 8, D, "Ctrl-E: end");
    edit_case(&s, kk(UIKEY_HOME, 0), t0, 0, D, "Home");
    edit_case(&s, kk(UIKEY_END, 0), t0, 8, D, "End");

    /* Insert, backspace and delete in the middle of multi-byte text. */
    press(&s, kk(UIKEY_HOME, 0));
    press(&s, kk(UIKEY_RIGHT, 0));
    press(&s, kk(UIKEY_RIGHT, 0)); /* between é and the emoji */
    edit_case(&s, chs("日"), "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80" "b", 6, T, "insert 日 after é");
    edit_case(&s, ch('x', 0), "a\xC3\xA9\xE6\x97\xA5x\xF0\x9F\x98\x80" "b", 7, T, "insert x");
    edit_case(&s, kk(UIKEY_DELETE, 0), "a\xC3\xA9\xE6\x97\xA5xb", 7, T,
              "Delete removes the whole emoji");
    edit_case(&s, kk(UIKEY_BACKSPACE, 0), "a\xC3\xA9\xE6\x97\xA5" "b", 6, T, "Backspace removes x");
    edit_case(&s, kk(UIKEY_BACKSPACE, 0), "a\xC3\xA9" "b", 3, T, "Backspace removes the whole 日");
    edit_case(&s, ctrl('h'), "ab", 1, T, "Ctrl-H removes the whole é");
    edit_case(&s, chs("😀"), "a\xF0\x9F\x98\x80" "b", 5, T, "insert an emoji");
    edit_case(&s, kk(UIKEY_LEFT, 0), "a\xF0\x9F\x98\x80" "b", 1, D, "Left over it");
    edit_case(&s, ctrl('d'), "ab", 1, T, "Ctrl-D deletes it whole");
    edit_case(&s, kk(UIKEY_BACKSPACE, 0), "b", 0, T, "Backspace the a");
    edit_case(&s, kk(UIKEY_BACKSPACE, 0), "b", 0, 0, "Backspace at 0: nothing");
    edit_case(&s, kk(UIKEY_END, 0), "b", 1, D, "End");
    edit_case(&s, kk(UIKEY_DELETE, 0), "b", 1, 0, "Delete at the end: nothing");
    edit_case(&s, kk(UIKEY_BACKSPACE, 0), "", 0, T, "Backspace the last character");
    edit_case(&s, kk(UIKEY_BACKSPACE, 0), "", 0, 0, "Backspace in empty text: nothing");
    edit_case(&s, kk(UIKEY_DELETE, 0), "", 0, 0, "Delete in empty text: nothing");
    edit_case(&s, chs("é"), "\xC3\xA9", 2, T, "insert é into empty text");
    press(&s, kk(UIKEY_ENTER, 0));
    app_state_free(&s);

    /* Word moves. */
    const char *w = "hello  w\xC3\xB6rld foo"; /* "hello  wörld foo": 17 bytes */
    app_state_init(&s, 5, 8, w, strlen(w));
    press(&s, ch('e', 0));
    edit_case(&s, kk(UIKEY_LEFT, UIMOD_CTRL), w, 14, D, "Ctrl-Left to the start of foo");
    edit_case(&s, kk(UIKEY_LEFT, UIMOD_CTRL), w, 7, D, "Ctrl-Left to the start of wörld");
    edit_case(&s, kk(UIKEY_LEFT, UIMOD_CTRL), w, 0, D, "Ctrl-Left over two spaces to hello");
    edit_case(&s, kk(UIKEY_LEFT, UIMOD_CTRL), w, 0, 0, "Ctrl-Left at 0 stays");
    edit_case(&s, kk(UIKEY_RIGHT, UIMOD_CTRL), w, 5, D, "Ctrl-Right to the end of hello");
    edit_case(&s, kk(UIKEY_RIGHT, UIMOD_CTRL), w, 13, D, "Ctrl-Right to the end of wörld");
    edit_case(&s, kk(UIKEY_RIGHT, UIMOD_CTRL), w, 17, D, "Ctrl-Right to the end of foo");
    edit_case(&s, kk(UIKEY_RIGHT, UIMOD_CTRL), w, 17, 0, "Ctrl-Right at the end stays");
    s.edit = 10; /* inside "wörld", after the ö */
    edit_case(&s, kk(UIKEY_LEFT, UIMOD_CTRL), w, 7, D, "Ctrl-Left from inside a word");
    s.edit = 10;
    edit_case(&s, kk(UIKEY_RIGHT, UIMOD_CTRL), w, 13, D, "Ctrl-Right from inside a word");
    app_state_free(&s);

    /* The length limit: a note, and the text unchanged. */
    char *big = malloc(APP_MAX_TEXT + 2);
    memset(big, 'a', APP_MAX_TEXT + 1);
    big[APP_MAX_TEXT + 1] = '\0';
    app_state_init(&s, 5, 8, big, APP_MAX_TEXT - 1);
    press(&s, ch('e', 0));
    unsigned gen = s.text_gen;
    unsigned need = press(&s, chs("é"));
    ok(need == NEED_DRAW && s.note != NULL && s.len == APP_MAX_TEXT - 1 && s.text_gen == gen,
       "a 2-byte character one byte short of APP_MAX_TEXT is refused with a note");
    if (s.note) diag("note: %s", s.note);
    ok(s.note && strstr(s.note, "maximum"), "the note says the sentence is at its maximum");
    need = press(&s, ch('b', 0));
    ok(need == T && s.len == APP_MAX_TEXT && s.text[APP_MAX_TEXT - 1] == 'b' &&
           s.text[APP_MAX_TEXT] == '\0' && s.note == NULL,
       "one byte still fits, reaching APP_MAX_TEXT; the note is cleared");
    need = press(&s, ch('c', 0));
    ok(need == NEED_DRAW && s.note && s.len == APP_MAX_TEXT, "then even one byte is refused");
    need = press(&s, kk(UIKEY_BACKSPACE, 0));
    ok(need == T && s.len == APP_MAX_TEXT - 1 && s.note == NULL, "Backspace makes room again");
    app_state_free(&s);

    app_state_init(&s, 5, 8, big, APP_MAX_TEXT + 1);
    ok(s.len == APP_MAX_TEXT && s.text[APP_MAX_TEXT] == '\0' && s.edit == APP_MAX_TEXT,
       "init truncates a longer text to APP_MAX_TEXT");
    app_state_free(&s);
    free(big);

    /* Truncating at APP_MAX_TEXT must not split a character: "a" then 2048 é
     * is 4097 bytes, and byte 4096 is the lead byte of the last é. */
    char *eacute = malloc(1 + 2 * 2048 + 1);
    eacute[0] = 'a';
    for (int i = 0; i < 2048; i++) memcpy(eacute + 1 + 2 * i, "\xC3\xA9", 2);
    eacute[1 + 2 * 2048] = '\0';
    app_state_init(&s, 5, 8, eacute, 1 + 2 * 2048);
    ok(utf8_valid(s.text, s.len) && s.len == APP_MAX_TEXT - 1,
       "init truncates a long text on a character boundary (valid UTF-8 kept)");
    if (!utf8_valid(s.text, s.len))
        diag("len %zu, last byte 0x%02X: a lone lead byte", s.len,
             (unsigned char)s.text[s.len - 1]);
    app_state_free(&s);
    free(eacute);
}

/* ---- the lesson --------------------------------------------------------- */

/* What moving to step TO from step FROM asks of the loop: the step measured
 * and laid out, and a pass over its sentence unless FROM's is the same
 * (the student's text is kept then). */
static unsigned step_need(int from, int to)
{
    const LessonStep *f = lesson_step(from), *t = lesson_step(to);
    bool same = f && t && strcmp(f->sentence, t->sentence) == 0;
    return NEED_DRAW | NEED_ROW | NEED_LESSON | (same ? 0u : NEED_FORWARD);
}

/* One press in the lesson and what it should leave: the need, the mode,
 * the step and the text (NULL: unchanged), text_gen bumped or not. */
static void lesson_case(AppState *s, UiKey k, unsigned want_need, Mode want_mode, int want_step,
                        const char *want_text, const char *what)
{
    char before[APP_MAX_TEXT + 1];
    memcpy(before, s->text, s->len + 1);
    unsigned gen = s->text_gen;
    unsigned need = press(s, k);
    const char *text = want_text ? want_text : before;
    bool bumped = s->text_gen != gen;
    if (!ok(need == want_need && s->mode == want_mode && s->lesson == want_step &&
                strcmp(s->text, text) == 0 && s->len == strlen(text) &&
                bumped == ((want_need & NEED_FORWARD) != 0),
            "lesson: %s", what))
        diag("need %u mode %s step %d text \"%s\" text_gen %u -> %u; want need %u mode %s step "
             "%d text \"%s\"", need, mode_name(s->mode), s->lesson, s->text, gen, s->text_gen,
             want_need, mode_name(want_mode), want_step, text);
}

static bool panels_closed(const AppState *s)
{
    return !s->multi && !s->math && !s->predict && !s->pinned && !s->mean;
}

static void test_app_state_lesson(void)
{
    const unsigned D = NEED_DRAW, R = NEED_ROW, F = NEED_FORWARD, LN = NEED_LESSON;
    const Mode N = MODE_NORMAL, LS = MODE_LESSON;
    const int n_steps = lesson_step_count(), last = n_steps - 1;
    if (!ok(n_steps >= 2 && lesson_step(0) && lesson_step(last) && !lesson_step(n_steps) &&
                !lesson_step(-1),
            "the lesson has %d steps, 0 to %d", n_steps, last))
        return;
    const char *s0 = lesson_step(0)->sentence;
    const UiKey L = ch('L', UIMOD_SHIFT), n = ch('n', 0), p = ch('p', 0), esc = kk(UIKEY_ESCAPE, 0);
    const UiKey space = ch(' ', 0), bksp = kk(UIKEY_BACKSPACE, 0), enter = kk(UIKEY_ENTER, 0);

    AppState s;
    const char *mine = "A dog ran home.";
    app_state_init(&s, 6, 5, mine, strlen(mine));
    app_state_set_tokens(&s, 5);
    ok(s.lesson == -1 && s.lesson_last == 0 && !s.unscaled && app_state_base_mode(&s) == N,
       "init: outside the lesson (-1), L would open step 0, scaled softmax");

    /* L: step 0 with its sentence, the panels of the plain view closed. */
    press(&s, ch('a', 0));
    press(&s, ch('m', 0));
    ok(s.mean && s.multi, "mean and multi-head views open before L");
    lesson_case(&s, L, D | R | F | LN, LS, 0, s0, "L from normal mode: step 0, its sentence");
    ok(s.lesson_last == 0 && s.edit == s.len && s.text_gen == 1 && panels_closed(&s) &&
           app_state_base_mode(&s) == LS,
       "L: lesson_last 0, the cursor at the end, text_gen 1, every panel closed, "
       "the lesson is the mode to return to");
    app_state_set_tokens(&s, 12);

    /* n / Space forward, p / Backspace back; the same sentence is kept. */
    lesson_case(&s, n, step_need(0, 1), LS, 1, NULL, "n: step 1");
    is_int(s.lesson_last, 1, "n: lesson_last follows (1)");
    lesson_case(&s, p, step_need(1, 0), LS, 0, NULL, "p: step 0");
    lesson_case(&s, space, step_need(0, 1), LS, 1, NULL, "Space: step 1");
    lesson_case(&s, bksp, step_need(1, 0), LS, 0, NULL, "Backspace: step 0");
    lesson_case(&s, p, D, LS, 0, NULL, "p at step 0: nowhere to go");
    ok(s.note && strstr(s.note, "first step") && s.lesson_last == 0,
       "p at step 0: a note says it is the first step (\"%s\")", s.note ? s.note : "");
    lesson_case(&s, kk(UIKEY_TAB, 0), D | R, LS, 0, NULL, "Tab in a step: the next head");
    ok(s.head == 1 && s.note == NULL, "Tab: head 1, the note gone");

    /* The student's edit: kept by n and p while the steps share the sentence. */
    char edited[256];
    snprintf(edited, sizeof edited, "%s Then it slept.", s0);
    lesson_case(&s, ch('e', 0), D, MODE_EDIT, 0, NULL, "e in a step: editing");
    for (const char *c = " Then it slept."; *c; c++) press(&s, ch((uint32_t)*c, 0));
    is_str(s.text, edited, "typed into the step's sentence");
    lesson_case(&s, enter, D, LS, 0, NULL, "Enter: back to the lesson with the new text");
    bool shared = true; /* every step on the same sentence: the edit lasts */
    for (int i = 0; i < last; i++) {
        const LessonStep *a = lesson_step(i), *b = lesson_step(i + 1);
        bool same = strcmp(a->sentence, b->sentence) == 0;
        char what[96];
        snprintf(what, sizeof what, "n: step %d, %s", i + 1,
                 same ? "the edited text kept" : "its own sentence");
        lesson_case(&s, n, step_need(i, i + 1), LS, i + 1, same ? NULL : b->sentence, what);
        shared &= same;
    }
    is_int(s.lesson_last, last, "lesson_last is the last step");
    lesson_case(&s, n, D, LS, last, NULL, "n at the last step: nowhere to go");
    ok(s.note && strstr(s.note, "last step") && s.lesson_last == last,
       "n at the last step: a note says it was the last (\"%s\")", s.note ? s.note : "");
    for (int i = last; i > 0; i--) {
        char what[64];
        snprintf(what, sizeof what, "p: back to step %d", i - 1);
        const char *back = lesson_step(i - 1)->sentence;
        bool same = strcmp(lesson_step(i)->sentence, back) == 0;
        lesson_case(&s, p, step_need(i, i - 1), LS, i - 1, same ? NULL : back, what);
    }
    if (shared) is_str(s.text, edited, "all the way back: still the student's text");

    /* L inside the lesson: the step again, from its own sentence. */
    unsigned gen = s.text_gen;
    unsigned differed = strcmp(s.text, s0) != 0;
    lesson_case(&s, L, strcmp(s.text, s0) ? D | R | F | LN : D | R | LN, LS, 0, s0,
                "L in step 0: the step again, its own sentence back");
    lesson_case(&s, L, D | R | LN, LS, 0, s0, "L again: the same sentence, no pass");
    is_int(s.text_gen, gen + differed, "a new text only when the step's own came back");

    /* u: softmax without its scale; a step change puts the scale back. */
    lesson_case(&s, ch('u', 0), D | R, LS, 0, NULL, "u: unscaled");
    ok(s.unscaled, "u: unscaled on");
    press(&s, ch('u', 0));
    ok(!s.unscaled, "u again: off");
    press(&s, ch('u', 0));
    press(&s, n);
    ok(!s.unscaled && s.lesson == 1, "n goes to step 1 with the scale back");

    /* Esc first closes what the student opened, then leaves. */
    static const struct {
        char key;
        const char *name;
    } panels[] = {{'m', "multi-head"}, {'x', "math"}, {'t', "next-token"}, {'c', "compare"},
                  {'a', "mean"}};
    for (size_t i = 0; i < sizeof panels / sizeof panels[0]; i++) {
        char what[96];
        press(&s, ch((uint32_t)panels[i].key, 0));
        bool open = !panels_closed(&s);
        snprintf(what, sizeof what, "Esc with the %s view open: closes it, stays in step 1",
                 panels[i].name);
        lesson_case(&s, esc, D | R, LS, 1, NULL, what);
        ok(open && panels_closed(&s), "%c opened the %s view, Esc closed it", panels[i].key,
           panels[i].name);
    }
    press(&s, ch('u', 0));
    press(&s, ch('e', 0));
    press(&s, ch('!', 0));
    press(&s, enter);
    char kept[256];
    snprintf(kept, sizeof kept, "%s", s.text);
    int head = s.head;
    lesson_case(&s, esc, D | R | LN, N, -1, NULL, "Esc in the plain step: leaves the lesson");
    ok(s.lesson_last == 1 && !s.unscaled && s.head == head && strcmp(s.text, kept) == 0 &&
           s.note != NULL && app_state_base_mode(&s) == N,
       "left: lesson_last 1 kept, the scale back, the head and the student's text kept, a note");
    lesson_case(&s, esc, 0, N, -1, NULL, "Esc again: the plain view, nothing to do");
    lesson_case(&s, ch('u', 0), 0, N, -1, NULL, "u outside the lesson: nothing");
    lesson_case(&s, n, D, N, -1, NULL, "n outside the lesson: find the next match (none yet)");

    /* L comes back to the step left, with its sentence. */
    lesson_case(&s, L, step_need(-1, 1), LS, 1, lesson_step(1)->sentence,
                "L: back to step 1, its sentence");

    /* Edit, search, help and the overview come back to the lesson. */
    lesson_case(&s, ch('e', 0), D, MODE_EDIT, 1, NULL, "e: editing");
    press(&s, ch('?', 0));
    ok(s.mode == MODE_EDIT && s.text[s.len - 1] == '?', "? is typed while editing");
    lesson_case(&s, esc, D | F, LS, 1, lesson_step(1)->sentence,
                "Esc from editing: the text restored, back to the lesson");
    lesson_case(&s, ch('/', 0), D, MODE_SEARCH, 1, NULL, "/: searching from the lesson");
    press(&s, ch('c', 0));
    press(&s, ch('a', 0));
    press(&s, ch('t', 0));
    lesson_case(&s, enter, D | NEED_SEARCH, LS, 1, NULL, "Enter: look for it, back to the lesson");
    ok(strcmp(s.search, "cat") == 0 && s.search_dir == 1, "the word \"cat\", forward");
    lesson_case(&s, ch('N', UIMOD_SHIFT), D | NEED_SEARCH, LS, 1, NULL, "N: the previous match");
    is_int(s.search_dir, -1, "N looks back");
    lesson_case(&s, ch('/', 0), D, MODE_SEARCH, 1, NULL, "/ again");
    lesson_case(&s, esc, D, LS, 1, NULL, "Esc: the search given up, back to the lesson");
    lesson_case(&s, ch('?', 0), D, MODE_HELP, 1, NULL, "?: the list of keys");
    is_int(s.help_return, LS, "opened from the lesson");
    lesson_case(&s, ch('z', 0), D, LS, 1, NULL, "any key closes it: back to the lesson");
    press(&s, ch('?', 0));
    lesson_case(&s, ch('q', 0), D, LS, 1, NULL, "q in the list closes it too, no quitting");
    ok(!s.quit, "and nothing quit");
    press(&s, ch('?', 0));
    lesson_case(&s, esc, D, LS, 1, NULL, "Esc closes the list: the lesson, not left");
    s.layer = 2, s.head = 3;
    lesson_case(&s, ch('o', 0), D | R, MODE_OVERVIEW, 1, NULL, "o: the overview");
    press(&s, kk(UIKEY_RIGHT, 0));
    press(&s, kk(UIKEY_DOWN, 0));
    ok(s.layer == 3 && s.head == 4, "the overview's selection moves: layer 3, head 4");
    lesson_case(&s, esc, D | R, LS, 1, NULL, "Esc: back to the lesson");
    ok(s.layer == 2 && s.head == 3, "on the head it was opened from (layer 2, head 3)");
    press(&s, ch('o', 0));
    press(&s, ch('?', 0));
    lesson_case(&s, ch('z', 0), D, MODE_OVERVIEW, 1, NULL, "the list of keys from the overview "
                "goes back to the overview");
    press(&s, kk(UIKEY_LEFT, 0));
    lesson_case(&s, enter, D | R, LS, 1, NULL, "Enter: the selected head, in the lesson");
    ok(s.layer == 2 && s.head == 2, "on the head selected (layer 2, head 2)");
    press(&s, ch('o', 0));
    lesson_case(&s, ch('o', 0), D | R, LS, 1, NULL, "o in the overview opens the head too");
    app_state_free(&s);

    /* app_state_lesson, as --lesson starts: the step's sentence whatever
     * was typed; a step that does not exist changes nothing. */
    app_state_init(&s, 6, 5, mine, strlen(mine));
    is_int(app_state_lesson(&s, n_steps), 0, "app_state_lesson past the last step: nothing");
    ok(s.lesson == -1 && s.mode == N && strcmp(s.text, mine) == 0 && s.text_gen == 0,
       "and the state is untouched");
    is_int(app_state_lesson(&s, last), D | R | F | LN, "app_state_lesson(last): the step's pass");
    ok(s.mode == LS && s.lesson == last && s.lesson_last == last &&
           strcmp(s.text, lesson_step(last)->sentence) == 0 && s.text_gen == 1,
       "in the lesson at the last step, its sentence typed in");
    press(&s, ch('e', 0));
    press(&s, ch('!', 0));
    press(&s, enter);
    ok(s.mode == LS && s.text_gen == 2 && s.text[s.len - 1] == '!', "edited in the last step");
    is_int(app_state_lesson(&s, 0), D | R | F | LN,
           "app_state_lesson(0) from inside the lesson: a pass over its sentence");
    ok(s.lesson == 0 && s.lesson_last == 0 && strcmp(s.text, s0) == 0 && s.text_gen == 3,
       "step 0 with its sentence, the edit dropped");
    is_int(app_state_lesson(&s, 0), D | R | LN, "app_state_lesson(0) again: no pass, same text");
    ok(s.lesson == 0 && s.text_gen == 3, "still step 0, text_gen 3");
    app_state_free(&s);
}

/* ---- fuzz --------------------------------------------------------------- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    /* xorshift64*: deterministic for a fixed seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}
static uint32_t rnd_below(uint32_t n) { return rnd() % n; }

/* A random key.  In edit mode, editing keys are favoured so that sessions
 * last; GROW tilts typing against deleting, so the text drifts up to the
 * length limit and back down. */
static UiKey random_key(Mode mode, bool grow)
{
    UiKey k;
    memset(&k, 0, sizeof k);
    /* Mostly unmodified, sometimes any combination. */
    k.mods = rnd_below(4) == 0 ? (int)rnd_below(8) : 0;
    uint32_t r = rnd_below(100);
    if (mode == MODE_EDIT) {
        uint32_t chars = grow ? 50 : 30, dels = chars + (grow ? 15 : 35);
        if (r < chars) k.kind = UIKEY_CHAR;
        else if (r < dels) k.kind = rnd_below(2) ? UIKEY_BACKSPACE : UIKEY_DELETE;
        else if (r < 95) {
            static const UiKeyKind moves[] = {UIKEY_LEFT, UIKEY_RIGHT, UIKEY_LEFT, UIKEY_RIGHT,
                                              UIKEY_HOME, UIKEY_END};
            k.kind = moves[rnd_below(6)];
        }
        else if (r < 97) k.kind = rnd_below(2) ? UIKEY_ENTER : UIKEY_ESCAPE;
        else k.kind = (UiKeyKind)rnd_below(UIKEY_OTHER + 1);
    } else {
        /* Characters most often: they are the normal-mode keys; 'e' often
         * enough that about half the run is spent editing. */
        if (r < 5) {
            k.kind = UIKEY_CHAR, k.codepoint = 'e', k.utf8[0] = 'e', k.mods = 0;
            return k;
        }
        k.kind = r < 60 ? UIKEY_CHAR : (UiKeyKind)rnd_below(UIKEY_OTHER + 1);
    }
    if (k.kind != UIKEY_CHAR) return k;
    uint32_t cp;
    switch (rnd_below(8)) {
    case 0: cp = "qhljkgGnp,.<>[]amve?"[rnd_below(20)]; break; /* the mapped keys */
    case 1: cp = 'a' + rnd_below(26); k.mods |= rnd_below(2) ? UIMOD_CTRL : 0; break;
    case 2: cp = ' '; break;
    case 3: cp = 0x80 + rnd_below(0x800 - 0x80); break;      /* two bytes */
    case 4:
        do cp = 0x800 + rnd_below(0x10000 - 0x800);           /* three bytes */
        while (cp >= 0xD800 && cp <= 0xDFFF);
        break;
    case 5: cp = 0x10000 + rnd_below(0x110000 - 0x10000); break; /* four bytes */
    case 6: cp = rnd_below(0x20); break;                      /* control */
    default: cp = 0x20 + rnd_below(0x5F); break;              /* printable ASCII */
    }
    k.codepoint = cp;
    utf8_encode(cp, k.utf8);
    if (rnd_below(64) == 0) k.utf8[0] = '\0'; /* a key without text */
    return k;
}

static void test_fuzz(void)
{
    enum { STEPS = 100000, LAYERS = 5, HEADS = 8 };
    const char *start = "The caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 sat.";
    rng_state = 0x9E3779B97F4A7C15ull;
    AppState s;
    app_state_init(&s, LAYERS, HEADS, start, strlen(start));
    app_state_set_tokens(&s, 12);
    int started_valid = utf8_valid(s.text, s.len);
    char *shadow = malloc(APP_MAX_TEXT + 1);
    memcpy(shadow, s.text, s.len + 1);
    size_t shadow_len = s.len;
    long bad = 0, inserts = 0, deletes = 0, refused = 0, set_tokens = 0, quits = 0;
    long edit_steps = 0, help_steps = 0, longest = 0;
    char first_bad[300] = "";
    for (long step = 0; step < STEPS; step++) {
        if (rnd_below(40) == 0) {
            app_state_set_tokens(&s, (int)rnd_below(70));
            set_tokens++;
        }
        UiKey k = random_key(s.mode, (step / 10000) % 2 == 0);
        Mode mode = s.mode;
        Action a = keymap_lookup(s.mode, &k);
        unsigned gen = s.text_gen;
        unsigned need = app_state_apply(&s, a, &k);
        if (s.quit) quits++, s.quit = false;
        edit_steps += mode == MODE_EDIT;
        help_steps += mode == MODE_HELP;
        if (a == ACT_EDIT_INSERT && s.note) refused++;
        if (s.text_gen != gen) {
            if (s.len > shadow_len) inserts++;
            else deletes++;
        }
        if ((long)s.len > longest) longest = (long)s.len;

        const char *why = NULL;
        int n_eff = s.n_tokens > 1 ? s.n_tokens : 1;
        if (s.query < 0 || s.query >= n_eff) why = "query out of range";
        else if (s.key < 0 || s.key > s.query) why = "key out of range";
        else if (s.layer < 0 || s.layer >= LAYERS) why = "layer out of range";
        else if (s.head < 0 || s.head >= HEADS) why = "head out of range";
        else if (s.len > APP_MAX_TEXT) why = "text longer than APP_MAX_TEXT";
        else if (s.text[s.len] != '\0') why = "text not NUL-terminated at len";
        else if (strlen(s.text) != s.len) why = "a NUL inside the text";
        else if (s.edit > s.len) why = "edit cursor past the end";
        else if (!on_boundary(&s)) why = "edit cursor inside a character";
        else if (started_valid && !utf8_valid(s.text, s.len)) why = "text is not valid UTF-8";
        else if (s.text_gen == gen && (s.len != shadow_len || memcmp(s.text, shadow, s.len)))
            why = "text changed without a text_gen bump";
        else if (s.text_gen != gen && s.text_gen != gen + 1) why = "text_gen bumped twice";
        else if (s.text_gen != gen && !(need & NEED_FORWARD)) why = "text changed, no NEED_FORWARD";
        else if (s.text_gen == gen && (need & NEED_FORWARD)) why = "NEED_FORWARD for no change";
        else if ((need & NEED_ROW) && !(need & NEED_DRAW)) why = "NEED_ROW without NEED_DRAW";
        if (s.text_gen != gen) {
            shadow_len = s.len <= APP_MAX_TEXT ? s.len : APP_MAX_TEXT;
            memcpy(shadow, s.text, shadow_len);
            shadow[shadow_len] = '\0';
        }
        if (why && bad++ == 0)
            snprintf(first_bad, sizeof first_bad,
                     "step %ld: %s (mode %s, action %s, key kind %d mods %d cp U+%04X; "
                     "n %d query %d key %d layer %d head %d len %zu edit %zu)",
                     step, why, mode_name(mode), act_name(a), (int)k.kind, k.mods,
                     (unsigned)k.codepoint, s.n_tokens, s.query, s.key, s.layer, s.head, s.len,
                     s.edit);
    }
    ok(bad == 0,
       "fuzz: %d random keys (%ld in edit mode, %ld in help), %ld set_tokens, %ld inserts, "
       "%ld deletions, %ld refused at the limit, longest text %ld bytes: %ld invariant "
       "violations",
       STEPS, edit_steps, help_steps, set_tokens, inserts, deletes, refused, longest, bad);
    if (bad) diag("first: %s", first_bad);
    diag("fuzz: %ld quits (reset each time); final text %zu bytes, text_gen %u", quits, s.len,
         s.text_gen);
    free(shadow);
    app_state_free(&s);
}

/* ---- ui_text ------------------------------------------------------------ */

static void render_case(const char *s, size_t len, bool utf8, int max_cols, const char *want,
                        int want_cols, size_t want_used, const char *what)
{
    char out[256];
    out[0] = '\0';
    size_t used = 12345;
    int cols = ui_text_render(s, len, utf8, out, sizeof out, max_cols, &used);
    if (!ok(strcmp(out, want) == 0 && cols == want_cols && used == want_used, "render %s: %s",
            utf8 ? "utf8" : "ascii", what))
        diag("got \"%s\" %d cols %zu used; want \"%s\" %d cols %zu used", out, cols, used, want,
             want_cols, want_used);
}

#define RC(s, utf8, max, want, cols, used, what) \
    render_case((s), strlen(s), (utf8), (max), (want), (cols), (used), (what))

static void test_ui_text(bool have_locale)
{
    const char *FFFD = "\xEF\xBF\xBD", *DOT = "\xC2\xB7";
    char want[64];

    /* ASCII: the same in both modes, any locale. */
    RC("hello", true, 80, "hello", 5, 5, "ASCII");
    RC("hello", false, 80, "hello", 5, 5, "ASCII");
    RC("hello", true, 3, "hel", 3, 3, "ASCII clipped at 3 columns");
    RC("hello", true, 0, "", 0, 0, "zero columns");
    RC("", true, 10, "", 0, 0, "empty");
    render_case("hello", 2, true, 80, "he", 2, 2, "only LEN bytes are read");

    /* Control characters: a middle dot (utf8) or '.' (ascii), one column. */
    snprintf(want, sizeof want, "a%sb%s%s", DOT, DOT, DOT);
    RC("a\tb\x01\x7F", true, 80, want, 5, 5, "TAB, ^A, DEL -> middle dots");
    RC("a\tb\x01\x7F", false, 80, "a.b..", 5, 5, "TAB, ^A, DEL -> dots");
    snprintf(want, sizeof want, "%s%s", DOT, DOT);
    RC("\n\r", true, 80, want, 2, 2, "newline and CR");
    snprintf(want, sizeof want, "x%sy", DOT);
    RC("x\xC2\x85y", true, 80, want, 3, 4, "a C1 control (U+0085) -> middle dot");
    RC("x\xC2\x85y", false, 80, "x.y", 3, 4, "a C1 control (U+0085) -> dot");

    /* Invalid bytes: U+FFFD (utf8) or '?' (ascii), one per byte. */
    snprintf(want, sizeof want, "a%sb", FFFD);
    RC("a\xFF" "b", true, 80, want, 3, 3, "0xFF -> U+FFFD");
    RC("a\xFF" "b", false, 80, "a?b", 3, 3, "0xFF -> ?");
    snprintf(want, sizeof want, "%s(", FFFD);
    RC("\xC3(", true, 80, want, 2, 2, "a lead byte without its continuation");
    snprintf(want, sizeof want, "a%s", FFFD);
    RC("a\xC3", true, 80, want, 2, 2, "a truncated character at the end");
    snprintf(want, sizeof want, "%s%s", FFFD, FFFD);
    RC("\xC0\x80", true, 80, want, 2, 2, "an overlong NUL -> two U+FFFD");
    snprintf(want, sizeof want, "%s%s%s", FFFD, FFFD, FFFD);
    RC("\xED\xA0\x80", true, 80, want, 3, 3, "a surrogate -> three U+FFFD");
    snprintf(want, sizeof want, "%s%s%s%s", FFFD, FFFD, FFFD, FFFD);
    RC("\xF4\x90\x80\x80", true, 80, want, 4, 4, "above U+10FFFF -> four U+FFFD");
    RC("\x80\xBF", false, 80, "??", 2, 2, "lone continuation bytes -> ?");
    snprintf(want, sizeof want, "ab%s", FFFD);
    RC("ab\xFF" "cd", true, 3, want, 3, 3, "clipping counts U+FFFD as one column");

    /* Without a UTF-8 terminal every non-ASCII character is one '?'. */
    RC("\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80", false, 80, "???", 3, 9, "é 日 😀 -> ???");
    RC("a\xE6\x97\xA5" "b", false, 2, "a?", 2, 4, "ascii clipping: 日 is one column");

    /* Appending: OUT already holds text. */
    char out[16] = "X>";
    int cols = ui_text_render("ab", 2, true, out, sizeof out, 80, NULL);
    ok(strcmp(out, "X>ab") == 0 && cols == 2, "render appends to OUT; used may be NULL");
    /* The capacity: always NUL-terminated, never a partial character. */
    char small[4] = "";
    size_t used = 0;
    cols = ui_text_render("abcdef", 6, true, small, sizeof small, 80, &used);
    ok(strcmp(small, "abc") == 0 && cols == 3 && used == 3, "CAP 4 holds 3 bytes and the NUL");
    small[0] = '\0';
    cols = ui_text_render("a\xC3\xA9", 3, true, small, 3, 80, &used);
    ok(strcmp(small, "a") == 0 && cols == 1 && used == 1,
       "a 2-byte character that does not fit in CAP is not written");

    is_int(ui_text_width("hello", 5, true), 5, "width of ASCII");
    is_int(ui_text_width("a\tb", 3, true), 3, "width counts a control character as 1");
    is_int(ui_text_width("\xFF\xFE", 2, true), 2, "width of two invalid bytes");
    is_int(ui_text_width("\xC3\xA9\xE6\x97\xA5", 5, false), 2, "ascii width: é 日 -> 2");
    is_int(ui_text_width("", 0, true), 0, "width of nothing");

    if (!have_locale) {
        skip("no C.UTF-8 locale: wcwidth cannot measure non-ASCII characters");
        return;
    }
    RC("caf\xC3\xA9", true, 80, "caf\xC3\xA9", 4, 5, "é is one column, two bytes");
    RC("\xE6\x97\xA5\xE6\x9C\xAC", true, 80, "\xE6\x97\xA5\xE6\x9C\xAC", 4, 6,
       "CJK 日本: two columns each");
    RC("\xF0\x9F\x98\x80", true, 80, "\xF0\x9F\x98\x80", 2, 4, "emoji 😀: two columns");
    RC("e\xCC\x81", true, 80, "e\xCC\x81", 1, 3, "a combining accent takes no column");
    RC("ab\xE6\x97\xA5" "c", true, 3, "ab", 2, 2, "a wide character that does not fit is not drawn");
    RC("ab\xE6\x97\xA5" "c", true, 4, "ab\xE6\x97\xA5", 4, 5, "it is drawn when it fits exactly");
    RC("ab\xE6\x97\xA5" "c", true, 5, "ab\xE6\x97\xA5" "c", 5, 6, "all of it in 5 columns");
    RC("\xF0\x9F\x98\x80", true, 1, "", 0, 0, "an emoji in one column: nothing");
    /* U+0378 is unassigned: wcwidth says -1, shown as U+FFFD. */
    snprintf(want, sizeof want, "a%s", FFFD);
    RC("a\xCD\xB8", true, 80, want, 2, 3, "an unassigned code point -> U+FFFD");
    const char *hello = "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
    is_int(ui_text_width(hello, strlen(hello), true), 13, "width of \"héllo 日本 😀\"");
    char cjk[40 * 3 + 1];
    for (int i = 0; i < 40; i++) memcpy(cjk + 3 * i, "\xE6\x97\xA5", 3);
    cjk[120] = '\0';
    is_int(ui_text_width(cjk, 120, true), 80, "width of 40 × 日 (longer than the internal buffer)");
    char mixed[300];
    size_t m = 0;
    for (int i = 0; i < 30; i++) {
        memcpy(mixed + m, "\xF0\x9F\x98\x80" "a\xC3\xA9\xFF", 8);
        m += 8;
    }
    is_int(ui_text_width(mixed, m, true), 30 * 5, "width of 30 × \"😀aé\\xFF\" (2+1+1+1 each)");
}

/* ---- scene and worker (reference model) ---------------------------------- */

static const char *SENTENCE = "The cat sat on the mat because it was tired.";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {}
}

/* Wait for a result of generation GEN; earlier generations are dropped
 * (counted in *stale).  Returns false on timeout. */
static bool wait_result(Worker *w, int fd, unsigned gen, double timeout, WorkResult *out,
                        int *stale, bool *order_ok)
{
    double end = now_s() + timeout;
    unsigned last = 0;
    while (now_s() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        int rc = poll(&p, 1, 200);
        if (rc < 0 && errno != EINTR) return false;
        if (rc > 0) drain(fd);
        WorkResult r;
        while (worker_take(w, &r)) {
            if (r.gen < last) *order_ok = false;
            last = r.gen;
            if (r.gen == gen) {
                *out = r;
                return true;
            }
            (*stale)++;
            work_result_free(&r);
        }
    }
    return false;
}

/* The K most probable ids of LOGITS with their softmax probabilities, by a
 * plain selection (the scene's own ranking is what is under test). */
static void top_by_logit(const float *logits, int vocab, int *ids, float *p)
{
    double max = logits[0], sum = 0;
    for (int v = 1; v < vocab; v++) max = fmax(max, logits[v]);
    for (int v = 0; v < vocab; v++) sum += exp(logits[v] - max);
    for (int k = 0; k < SCENE_NEXT; k++) {
        int best = -1;
        for (int v = 0; v < vocab; v++) {
            bool used = false;
            for (int j = 0; j < k; j++) used |= ids[j] == v;
            if (!used && (best < 0 || logits[v] > logits[best])) best = v;
        }
        ids[k] = best;
        p[k] = (float)(exp(logits[best] - max) / sum);
    }
}

static bool same_tokens(const Token *a, int na, const Token *b, int nb)
{
    if (na != nb) return false;
    for (int i = 0; i < na; i++)
        if (a[i].id != b[i].id || a[i].start != b[i].start || a[i].end != b[i].end) return false;
    return true;
}

static void test_scene(const Model *m, bool have_locale)
{
    size_t len = strlen(SENTENCE);
    WorkResult r;
    work_compute(m, SENTENCE, len, 7, &r);
    if (!ok(!r.failed, "work_compute succeeds")) diag("%s", r.message);
    is_int(r.n, 21, "the sentence is 21 tokens");
    ok(r.gen == 7 && r.trace && r.trace->n_tokens == r.n && r.len == len &&
           strcmp(r.text, SENTENCE) == 0,
       "the result holds its generation, text and a trace of n tokens");
    if (r.failed || r.n != 21) {
        work_result_free(&r);
        return;
    }
    int n = r.n;
    const AttentionTrace *t = r.trace;
    int L = t->n_layers, H = t->n_heads;
    ok(L == 5 && H == 8, "the trace has 5 layers and 8 heads");

    Scene sc;
    scene_init(&sc, m, true);
    ok(!sc.have && sc.mean_layer == -1, "scene_init: nothing shown yet");
    is_int(scene_install(&sc, &r), 0, "scene_install succeeds");
    ok(sc.have && sc.res.trace == t && r.trace == NULL && r.tokens == NULL && r.text == NULL,
       "scene_install takes ownership of the result");

    AppState st;
    app_state_init(&st, L, H, SENTENCE, len);
    app_state_set_tokens(&st, n);
    st.layer = 2, st.head = 3, st.query = 15, st.key = 15;
    scene_update(&sc, &st);
    const float *A = trace_attn(t, 2, 3) + (size_t)15 * n;
    double maxdiff = 0, sum = 0, masked = 0;
    for (int j = 0; j < n; j++) {
        double d = fabs((double)sc.row[j] - A[j]);
        if (d > maxdiff) maxdiff = d;
        sum += sc.row[j];
        if (j > 15) masked += fabs(sc.row[j]);
    }
    ok(maxdiff <= 1e-6, "layer 2 head 3 query 15: the row equals the recorded one (max diff %.2g)",
       maxdiff);
    is_near(sum, 1.0, 1e-5, "the row sums to 1");
    ok(masked == 0, "keys after the query have weight exactly 0");
    ok(scene_matrix(&sc, &st) == trace_attn(t, 2, 3), "scene_matrix: the head's own matrix");
    double multidiff = 0;
    for (int h = 0; h < H; h++)
        for (int j = 0; j < n; j++) {
            double d = fabs((double)sc.multi_rows[(size_t)h * n + j] -
                            trace_attn(t, 2, h)[(size_t)15 * n + j]);
            if (d > multidiff) multidiff = d;
        }
    ok(multidiff <= 1e-6, "multi_rows hold every head's row (max diff %.2g)", multidiff);

    int ids[32];
    int got = scene_top(&sc, 3, ids);
    is_int(got, 3, "scene_top(3) returns 3");
    if (got == 3) {
        ok(sc.row[ids[0]] >= sc.row[ids[1]] && sc.row[ids[1]] >= sc.row[ids[2]] &&
               ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
           "scene_top: three distinct keys, weights descending (%.3f %.3f %.3f)",
           sc.row[ids[0]], sc.row[ids[1]], sc.row[ids[2]]);
        int beaten = 0;
        for (int j = 0; j < n; j++)
            if (j != ids[0] && j != ids[1] && j != ids[2] && sc.row[j] > sc.row[ids[2]]) beaten++;
        is_int(beaten, 0, "scene_top: no other key outweighs the third");
    }
    got = scene_top(&sc, 32, ids);
    int nonzero = 0;
    for (int j = 0; j < n; j++) nonzero += sc.row[j] > 0.0f;
    ok(got == nonzero && got <= 16, "scene_top(32) returns only the %d non-zero weights", nonzero);

    /* Mean mode: the mean of the layer's 8 rows, and the mean matrix. */
    st.mean = true;
    scene_update(&sc, &st);
    double meandiff = 0, meansum = 0;
    for (int j = 0; j < n; j++) {
        double mm = 0;
        for (int h = 0; h < H; h++) mm += trace_attn(t, 2, h)[(size_t)15 * n + j];
        mm /= H;
        double d = fabs(sc.row[j] - mm);
        if (d > meandiff) meandiff = d;
        meansum += sc.row[j];
    }
    ok(meandiff <= 1e-6, "mean mode: the row is the mean of the 8 heads' rows (max diff %.2g)",
       meandiff);
    is_near(meansum, 1.0, 1e-5, "the mean row sums to 1");
    ok(sc.mean_layer == 2 && scene_matrix(&sc, &st) == sc.mean,
       "mean mode: scene_matrix is the layer-2 mean");
    double matdiff = 0;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        double mm = 0;
        for (int h = 0; h < H; h++) mm += trace_attn(t, 2, h)[i];
        double d = fabs(sc.mean[i] - mm / H);
        if (d > matdiff) matdiff = d;
    }
    ok(matdiff <= 1e-6, "the mean matrix is the mean of the 8 heads (max diff %.2g)", matdiff);
    st.layer = 4;
    scene_update(&sc, &st);
    ok(sc.mean_layer == 4, "a new layer recomputes the mean");
    st.mean = false;
    ok(scene_matrix(&sc, &st) == trace_attn(t, 4, 3), "mean off: the head's matrix again");

    /* The next-token panel.  After the sentence: the same ranking as the
     * pass's own last logits.  After the query: in a causal model what it
     * predicts there is what a pass over the text up to the query predicts
     * last, an independent computation of the same numbers. */
    st.predict = true;
    for (int q = 0; q < n; q += 7) {
        st.query = q, st.key = q;
        scene_update(&sc, &st);
        int32_t prefix[32];
        for (int i = 0; i <= q; i++) prefix[i] = sc.res.tokens[i].id;
        AttentionTrace *pt = NULL;
        char perr[256] = "";
        if (!ok(forward_run(m, prefix, q + 1, &pt, perr, sizeof perr) == 0,
                "a pass over tokens 0..%d", q)) {
            diag("%s", perr);
            continue;
        }
        int want[SCENE_NEXT];
        float wantp[SCENE_NEXT];
        top_by_logit(pt->logits_last, pt->vocab, want, wantp);
        int same = 0;
        double pdiff = 0;
        for (int k = 0; k < SCENE_NEXT; k++) {
            same += sc.next_id[1][k] == want[k];
            if (fabs(sc.next_p[1][k] - wantp[k]) > pdiff) pdiff = fabs(sc.next_p[1][k] - wantp[k]);
        }
        ok(same == SCENE_NEXT && pdiff <= 1e-4,
           "predicted after query %d: the top %d of a pass over tokens 0..%d (ids %d/%d, p %.3f/%.3f)",
           q, SCENE_NEXT, q, sc.next_id[1][0], want[0], sc.next_p[1][0], wantp[0]);
        trace_free(pt);
    }
    {
        int want[SCENE_NEXT];
        float wantp[SCENE_NEXT];
        top_by_logit(t->logits_last, t->vocab, want, wantp);
        int same = 0;
        for (int k = 0; k < SCENE_NEXT; k++) same += sc.next_id[0][k] == want[k];
        is_int(same, SCENE_NEXT, "predicted after the sentence: the top %d of the last logits",
               SCENE_NEXT);
    }
    st.predict = false;

    /* Labels and the text as shown. */
    is_str(sc.label[0], "<s>", "label 0: BOS shows its piece");
    is_str(sc.shown[0], "", "BOS covers no text");
    is_int(sc.shown_w[0], 0, "and takes no column");
    ok(strcmp(tokenizer_piece(m->tok, sc.res.tokens[2].id), "\xE2\x96\x81" "c") == 0,
       "token 2 is the piece \"▁c\"");
    is_str(sc.shown[2], " c", "token 2 shows its span \" c\"");
    is_int(sc.shown_w[2], 2, "two columns");
    is_str(sc.label[2], "c\xC2\xB7",
           "label 2 is \"c·\": the span without its leading space, marked as cat's first piece");
    is_int(sc.label_w[2], 2, "two columns");
    is_str(sc.label[1], "The", "label 1 is \"The\" (the inserted ▁ covers no text)");
    int wsum = 0, labels_ok = 1;
    char joined[256] = "";
    for (int i = 1; i < n; i++) {
        wsum += sc.shown_w[i];
        strncat(joined, sc.shown[i], sizeof joined - strlen(joined) - 1);
    }
    for (int i = 0; i < n; i++)
        labels_ok &= sc.label_w[i] >= 1 && sc.label_w[i] <= SCENE_LABEL_COLS &&
                     sc.label_w[i] == ui_text_width(sc.label[i], strlen(sc.label[i]), true);
    is_int(wsum, len, "the shown widths of tokens 1..n-1 add up to the text's length");
    is_str(joined, SENTENCE, "the shown spans, joined, are the text");
    ok(labels_ok, "every label is 1..%d columns wide, as measured", SCENE_LABEL_COLS);

    int pm_ok = 1;
    double pm_diff = 0;
    for (int l = 0; l < L; l++)
        for (int h = 0; h < H; h++) {
            float v = sc.stats[l * H + h].prev;
            pm_ok &= v >= 0.0f && v <= 1.0f;
            const float *a = trace_attn(t, l, h);
            double s = 0;
            for (int i = 1; i < n; i++) s += a[(size_t)i * n + i - 1];
            double d = fabs(v - s / (n - 1));
            if (d > pm_diff) pm_diff = d;
        }
    ok(pm_ok, "stats.prev: all %d values in [0, 1]", L * H);
    ok(pm_diff <= 1e-6, "stats.prev is the mean weight on the previous token (max diff %.2g)",
       pm_diff);

    /* Installing again replaces the result without leaking. */
    WorkResult r2;
    work_compute(m, "a b", 3, 8, &r2);
    ok(!r2.failed && scene_install(&sc, &r2) == 0 && sc.res.gen == 8 && sc.mean_layer == -1,
       "a second install replaces the first");
    app_state_set_tokens(&st, sc.res.n);
    ok(st.query == sc.res.n - 1 && st.key <= st.query, "set_tokens clamps to the new trace");
    scene_update(&sc, &st);
    double s2 = 0;
    for (int j = 0; j < sc.res.n; j++) s2 += sc.row[j];
    is_near(s2, 1.0, 1e-5, "its row sums to 1");

    /* Characters outside the vocabulary fall back to byte tokens; the token
     * holding a character's first byte shows (and is labelled with) the
     * whole character, the others nothing (labelled "…", a continuation). */
    const char *cjk = "caf\xC3\xA9 \xE6\x97\xA5";
    WorkResult r3;
    work_compute(m, cjk, strlen(cjk), 9, &r3);
    ok(!r3.failed && scene_install(&sc, &r3) == 0, "install \"café 日\"");
    int bytes = 0, byte_ok = 1;
    char whole[64] = "";
    for (int i = 1; i < sc.res.n; i++) {
        const Token *tk = &sc.res.tokens[i];
        const char *piece = tokenizer_piece(m->tok, tk->id);
        if (strncmp(piece, "<0x", 3) != 0 || tk->end - tk->start != 1) continue;
        bytes++;
        bool first = strcmp(sc.shown[i], "") != 0;
        byte_ok &= first ? strstr(sc.label[i], sc.shown[i]) != NULL
                         : strcmp(sc.label[i], "\xE2\x80\xA6") == 0;
        strncat(whole, sc.shown[i], sizeof whole - strlen(whole) - 1);
    }
    ok(bytes == 5 && byte_ok && strcmp(whole, "\xC3\xA9\xE6\x97\xA5") == 0,
       "é and 日 are five byte tokens, labelled é … 日 … …, shown together as é and 日 (%d)",
       bytes);
    int cover = 1;
    for (int i = 1; i < sc.res.n; i++)
        cover &= sc.res.tokens[i].start == sc.res.tokens[i - 1].end;
    ok(cover && sc.res.tokens[sc.res.n - 1].end == strlen(cjk), "the spans tile the text");
    /* The sentence view draws the tokens' shown cells side by side, and
     * "the sentence is shown as typed" (DESIGN.md): a valid character split
     * into byte tokens should still read as itself, not as one U+FFFD per
     * byte: the token holding its first byte shows it whole. */
    if (have_locale) {
        char joined2[128] = "";
        int w2 = 0;
        for (int i = 1; i < sc.res.n; i++) {
            strncat(joined2, sc.shown[i], sizeof joined2 - strlen(joined2) - 1);
            w2 += sc.shown_w[i];
        }
        ok(strcmp(joined2, cjk) == 0,
           "byte tokens of a valid character: the shown spans, joined, are the text");
        if (strcmp(joined2, cjk) != 0) diag("shown: \"%s\", typed: \"%s\"", joined2, cjk);
        ok(w2 == ui_text_width(cjk, strlen(cjk), true),
           "byte tokens of a valid character: shown widths add up to the text's width");
        if (w2 != ui_text_width(cjk, strlen(cjk), true))
            diag("shown widths add up to %d, the text is %d columns", w2,
                 ui_text_width(cjk, strlen(cjk), true));
    } else {
        skip("no C.UTF-8 locale: the shown text of non-ASCII tokens is not checked");
    }

    scene_free(&sc);
    ok(!sc.have && sc.row == NULL && sc.label == NULL, "scene_free releases everything");
    scene_free(&sc);
    app_state_free(&st);
}

/* The largest difference between two traces over everything they record
 * (attention, Q, K, V, hidden states, last logits), relative to 1 + |value|
 * since logits and activations reach tens and a product over fewer rows may
 * round differently; INFINITY when their shapes differ. */
static double trace_diff(const AttentionTrace *a, const AttentionTrace *b)
{
    if (!a || !b || a->n_tokens != b->n_tokens || a->n_layers != b->n_layers ||
        a->n_heads != b->n_heads || a->n_kv_heads != b->n_kv_heads ||
        a->head_dim != b->head_dim || a->vocab != b->vocab || a->dim != b->dim)
        return INFINITY;
    size_t n = (size_t)a->n_tokens, L = (size_t)a->n_layers, hd = (size_t)a->head_dim;
    const struct { const float *x, *y; size_t len; } parts[] = {
        {a->attn, b->attn, L * (size_t)a->n_heads * n * n},
        {a->q, b->q, L * n * (size_t)a->n_heads * hd},
        {a->k, b->k, L * n * (size_t)a->n_kv_heads * hd},
        {a->v, b->v, L * n * (size_t)a->n_kv_heads * hd},
        {a->hidden, b->hidden, n * (size_t)a->dim},
        {a->logits_last, b->logits_last, (size_t)a->vocab},
    };
    double worst = 0;
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++)
        for (size_t i = 0; i < parts[p].len; i++) {
            double y = parts[p].y[i], d = fabs(parts[p].x[i] - y) / (1.0 + fabs(y));
            if (!(d <= worst)) worst = d; /* NaN counts as the worst */
        }
    return worst;
}

static atomic_bool stop_returned;
static void *stop_thread(void *w)
{
    worker_stop(w);
    atomic_store(&stop_returned, true);
    return NULL;
}

static void test_worker(const Model *m)
{
    const char *t1 = "Once upon a time there was a dog.";
    const char *t2 = "The cat sat on the mat because it was tired.";
    int fds[2];
    if (!ok(pipe(fds) == 0, "pipe")) return;
    for (int i = 0; i < 2; i++) fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
    Worker *w = worker_start(m, fds[1]);
    if (!ok(w != NULL, "worker_start")) return;

    worker_submit(w, t1, strlen(t1), 1);
    worker_submit(w, t2, strlen(t2), 2);
    WorkResult r;
    int stale = 0;
    bool order_ok = true;
    bool got = wait_result(w, fds[0], 2, 20.0, &r, &stale, &order_ok);
    ok(got, "the generation-2 result arrives (after %d stale one%s)", stale, stale == 1 ? "" : "s");
    if (got) {
        ok(order_ok && stale <= 1, "results come in order; at most gen 1 before gen 2");
        ok(!r.failed && r.gen == 2 && r.text && strcmp(r.text, t2) == 0,
           "the final result is gen 2 for the second text");
        WorkResult sync;
        work_compute(m, t2, strlen(t2), 2, &sync);
        ok(same_tokens(r.tokens, r.n, sync.tokens, sync.n) && r.n == 21,
           "its tokens match work_compute of the same text");
        ok(r.trace && sync.trace &&
               memcmp(trace_attn(r.trace, 4, 7), trace_attn(sync.trace, 4, 7),
                      sizeof(float) * (size_t)r.n * r.n) == 0,
           "and so does its attention (layer 4 head 7)");
        work_result_free(&sync);
        work_result_free(&r);
        ok(r.trace == NULL && r.text == NULL, "work_result_free clears the result");
    }
    ok(!worker_busy(w), "idle once the last result is taken");
    ok(!worker_take(w, &r), "no further result");

    /* Longer than the context: a failure with a message, from both paths. */
    size_t blen = 600 * 2;
    char *big = malloc(blen + 1);
    for (size_t i = 0; i < blen; i += 2) big[i] = 'a', big[i + 1] = ' ';
    big[blen] = '\0';
    WorkResult f;
    work_compute(m, big, blen, 3, &f);
    ok(f.failed == 1 && strstr(f.message, "context") && f.trace == NULL && f.tokens == NULL &&
           f.n == 0,
       "work_compute: 600 × \"a \" is refused as longer than the context");
    diag("message: %s", f.message);
    work_result_free(&f);
    worker_submit(w, big, blen, 3);
    got = wait_result(w, fds[0], 3, 20.0, &f, &stale, &order_ok);
    ok(got && f.failed == 1 && strstr(f.message, "context") && f.trace == NULL,
       "the worker reports the same failure for gen 3");
    if (got) work_result_free(&f);
    free(big);

    /* Empty text: only BOS. */
    worker_submit(w, "", 0, 4);
    got = wait_result(w, fds[0], 4, 20.0, &f, &stale, &order_ok);
    ok(got && !f.failed && f.n == 1 && f.trace, "an empty text is one token (BOS)");
    if (got) work_result_free(&f);

    /* Edits after completed passes: each pass reuses the positions before
     * the first changed token from the worker's last result, and must give
     * what a pass over the whole new text gives (to 1e-4: OpenBLAS rounds
     * differently on the worker's thread, by ~1e-5; a stale position moves
     * the values by 0.1 and more).  The texts change in the
     * middle (reusing one position too many would keep a stale token), at
     * the end, and not at all. */
    const char *edits[] = {
        "The cat sat on the mat because it was tired.",
        "The dog sat on the mat because it was tired.",
        "The dog sat on the mat because it was tired. It slept.",
        "The dog sat on the rug because it was tired. It slept.",
        "The dog sat on the rug because it was tired. It slept.",
        "The dog",
    };
    for (unsigned e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        unsigned gen = 10 + e;
        worker_submit(w, edits[e], strlen(edits[e]), gen);
        got = wait_result(w, fds[0], gen, 20.0, &f, &stale, &order_ok);
        if (!ok(got && !f.failed, "edit %u: the worker's result arrives", e)) {
            if (got) work_result_free(&f);
            continue;
        }
        WorkResult full;
        work_compute(m, edits[e], strlen(edits[e]), gen, &full);
        double d = trace_diff(f.trace, full.trace);
        ok(same_tokens(f.tokens, f.n, full.tokens, full.n) && d <= 1e-4,
           "edit %u \"%s\": the incremental pass equals a whole pass (max diff %.2g)", e,
           edits[e], d);
        work_result_free(&full);
        work_result_free(&f);
    }

    /* The same through work_compute_from, with the earlier result given. */
    WorkResult a, b, full;
    work_compute(m, edits[0], strlen(edits[0]), 20, &a);
    work_compute_from(m, &a, edits[1], strlen(edits[1]), 21, &b);
    work_compute(m, edits[1], strlen(edits[1]), 21, &full);
    double d = trace_diff(b.trace, full.trace);
    ok(!a.failed && !b.failed && d <= 1e-5,
       "work_compute_from after a change at token 2 equals a whole pass (max diff %.2g)", d);
    d = trace_diff(a.trace, full.trace);
    ok(d > 1e-3, "and the two texts' traces do differ (max diff %.2g)", d);
    work_result_free(&a), work_result_free(&b), work_result_free(&full);

    /* Stopping with a job queued and a result untaken must return (and, under
     * the sanitizers, leak nothing): joined from a thread, watched by a clock. */
    worker_submit(w, t1, strlen(t1), 5);
    worker_submit(w, t2, strlen(t2), 6);
    atomic_store(&stop_returned, false);
    pthread_t stopper;
    double t0 = now_s(), waited = 0;
    if (ok(pthread_create(&stopper, NULL, stop_thread, w) == 0, "a thread to stop the worker")) {
        while (!atomic_load(&stop_returned) && (waited = now_s() - t0) < 10.0)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        bool returned = atomic_load(&stop_returned);
        ok(returned, "worker_stop with work pending returns within 10 s (%.3f s)", waited);
        if (returned) pthread_join(stopper, NULL);
        else pthread_detach(stopper);
    }
    worker_stop(NULL);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    bool have_locale = setlocale(LC_ALL, "C.UTF-8") != NULL;
    if (!have_locale) have_locale = setlocale(LC_ALL, "C.utf8") != NULL;
    if (!have_locale) diag("no C.UTF-8 locale: width checks of non-ASCII text are skipped");

    test_keymap();
    test_app_state_cursors();
    test_app_state_edit();
    test_app_state_lesson();
    test_fuzz();
    test_ui_text(have_locale);

    const char *shared = test_shared_dir();
    char path[4200];
    Model *m = NULL;
    char err[512] = "";
    if (shared) {
        snprintf(path, sizeof path, "%s/models/ref260K.gguf", shared);
        if (access(path, R_OK) == 0 && !ok(model_open(&m, path, err, sizeof err) == 0,
                                           "open %s", path))
            diag("%s", err), m = NULL;
    }
    if (m) {
        test_scene(m, have_locale);
        test_worker(m);
        model_close(m);
    } else {
        skip("no models/ref260K.gguf in the shared folder: scene and worker not tested");
    }
    done_testing();
    return exit_status();
}
