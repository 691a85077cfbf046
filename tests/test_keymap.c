/*
 * test_keymap.c - the keymap against its help, and the help against the man
 * page, key by key, in every mode.
 *
 * The keys: every UiKeyKind with every combination of Shift, Alt and Ctrl,
 * and for characters every printable ASCII one, a few others, and one
 * without text.  For each mode:
 *   - the help's rows are well formed: each name is a key, a row pairing two
 *     actions names as many keys for each, no key is named twice, each row
 *     fits the overlay;
 *   - a mode that adds keys to another (its help's base is not itself: the
 *     lesson, to the main view) names its own rows' keys and every key the
 *     base mode's rows name that its own do not (the same kind, modifiers
 *     and character), with the base row's action; the base's rows for a
 *     class of keys count as well.  The base is a mode of its own, and its
 *     rows are checked as its own mode; the overlay's widths and the man
 *     page concern the mode's own rows;
 *   - every key a row names does, in that mode, the action the row says;
 *   - every key does what the help says: what the row naming it says; else,
 *     pressed with more modifiers than a row names it with, that or nothing;
 *     else what a row for a class of keys (the characters typed as text, any
 *     other key) says for its class; else nothing;
 *   - the man page's KEYS section has a subsection with the mode's title, and
 *     its .TP entries are the rows: an entry's tag names the same keys as
 *     the row (or says the same words, for a class of keys) and its text
 *     contains the row's description.
 * A failure names the mode, the key, what it does and what the help says.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keymap.h"
#include "tap.h"

#define N_OF(a) (sizeof a / sizeof a[0])
/* The overlay's window is at most 58 columns (screen.c): 54 inside the frame;
 * descriptions start after 22 columns of keys (help_view.c). */
#define HELP_COLS 54
#define HELP_KEYS_COLS 22
/* Diagnostic lines printed per check; the rest are counted. */
#define MAX_DIAG 12

static const char *act_name(Action a)
{
    return keymap_action_name(a);
}

/* The names the help gives the keys that are not characters. */
static const struct {
    UiKeyKind kind;
    const char *name;
} kind_names[] = {
    {UIKEY_LEFT, "←"},      {UIKEY_RIGHT, "→"},         {UIKEY_UP, "↑"},
    {UIKEY_DOWN, "↓"},      {UIKEY_HOME, "Home"},       {UIKEY_END, "End"},
    {UIKEY_PAGEUP, "PgUp"}, {UIKEY_PAGEDOWN, "PgDn"},   {UIKEY_TAB, "Tab"},
    {UIKEY_ENTER, "Enter"}, {UIKEY_ESCAPE, "Esc"},      {UIKEY_BACKSPACE, "Backspace"},
    {UIKEY_DELETE, "Delete"},
};

static const struct {
    int mod;
    const char *prefix;
} mod_names[] = {{UIMOD_CTRL, "Ctrl-"}, {UIMOD_ALT, "Alt-"}, {UIMOD_SHIFT, "Shift-"}};

/* ---- keys ---------------------------------------------------------------- */

static size_t utf8_encode(uint32_t cp, char *out)
{
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n == 1) out[0] = (char)cp;
    else {
        static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
        for (size_t i = n - 1; i > 0; i--, cp >>= 6) out[i] = (char)(0x80 | (cp & 0x3F));
        out[0] = (char)(lead[n] | cp);
    }
    out[n] = '\0';
    return n;
}

static uint32_t utf8_decode(const char *s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? p[0] : p[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return *len = 0, 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    *len = n;
    return cp;
}

static UiKey make_key(UiKeyKind kind, uint32_t cp, int mods)
{
    UiKey k;
    memset(&k, 0, sizeof k);
    k.kind = kind;
    k.mods = mods;
    if (kind == UIKEY_CHAR && cp) {
        k.codepoint = cp;
        utf8_encode(cp, k.utf8);
    }
    return k;
}

/* A key as the help would name it: "Ctrl-A", "Shift-Tab", "q". */
static const char *key_str(const UiKey *k)
{
    static char buf[4][48];
    static int turn;
    char *s = buf[turn++ % 4];
    size_t o = 0;
    s[0] = '\0';
    for (size_t i = 0; i < N_OF(mod_names); i++)
        if (k->mods & mod_names[i].mod) o += (size_t)snprintf(s + o, 48 - o, "%s", mod_names[i].prefix);
    if (k->kind != UIKEY_CHAR) {
        const char *name = "(function key)";
        for (size_t i = 0; i < N_OF(kind_names); i++)
            if (kind_names[i].kind == k->kind) name = kind_names[i].name;
        snprintf(s + o, 48 - o, "%s", name);
    } else if (!k->utf8[0]) {
        snprintf(s + o, 48 - o, "(a character key without text)");
    } else if (k->codepoint == ' ') {
        snprintf(s + o, 48 - o, "Space");
    } else if ((k->mods & UIMOD_CTRL) && k->codepoint >= 'a' && k->codepoint <= 'z') {
        snprintf(s + o, 48 - o, "%c", (char)toupper((int)k->codepoint));
    } else if ((k->mods & UIMOD_CTRL) && k->codepoint >= 'A' && k->codepoint <= 'Z') {
        snprintf(s + o, 48 - o, "%c (a capital)", (char)k->codepoint);
    } else {
        snprintf(s + o, 48 - o, "%s", k->utf8);
    }
    return s;
}

/* NAME as the help writes keys (see keymap.h) into *K; false if it is none. */
static bool parse_key(const char *name, UiKey *k)
{
    int mods = 0;
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < N_OF(mod_names); i++) {
            size_t l = strlen(mod_names[i].prefix);
            if (strncmp(name, mod_names[i].prefix, l) == 0 && name[l]) {
                if (mods & mod_names[i].mod) return false;
                mods |= mod_names[i].mod, name += l, more = true;
            }
        }
    }
    for (size_t i = 0; i < N_OF(kind_names); i++)
        if (strcmp(name, kind_names[i].name) == 0) {
            *k = make_key(kind_names[i].kind, 0, mods);
            return true;
        }
    if (strcmp(name, "Space") == 0) {
        *k = make_key(UIKEY_CHAR, ' ', mods);
        return true;
    }
    size_t len;
    uint32_t cp = utf8_decode(name, &len);
    if (!len || name[len] || cp <= ' ' || cp == 0x7F) return false;
    if (mods & UIMOD_CTRL) {
        /* Ctrl and a letter is written in capitals and reported in lower case. */
        if (cp >= 'a' && cp <= 'z') return false;
        if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    }
    *k = make_key(UIKEY_CHAR, cp, mods);
    return true;
}

static bool same_key(const UiKey *a, const UiKey *b)
{
    return a->kind == b->kind && a->mods == b->mods &&
           (a->kind != UIKEY_CHAR || a->codepoint == b->codepoint);
}

/* Whether A is B pressed with fewer modifiers (a proper subset of them). */
static bool fewer_mods(const UiKey *a, const UiKey *b)
{
    return a->kind == b->kind && (a->kind != UIKEY_CHAR || a->codepoint == b->codepoint) &&
           a->mods != b->mods && (a->mods & ~b->mods) == 0;
}

static int popcount(int m)
{
    return (m & 1) + (m >> 1 & 1) + (m >> 2 & 1);
}

/* Every key there is to press. */
static UiKey universe[4096];
static size_t n_universe;

static void build_universe(void)
{
    static const uint32_t others[] = {0xE9, 0x3B1, 0x65E5, 0x1F600}; /* é α 日 😀 */
    for (int mods = 0; mods < 8; mods++)
        for (int kind = 0; kind <= UIKEY_OTHER; kind++) {
            if (kind != UIKEY_CHAR) {
                universe[n_universe++] = make_key((UiKeyKind)kind, 0, mods);
                continue;
            }
            for (uint32_t c = ' '; c < 0x7F; c++) universe[n_universe++] = make_key(UIKEY_CHAR, c, mods);
            for (size_t i = 0; i < N_OF(others); i++)
                universe[n_universe++] = make_key(UIKEY_CHAR, others[i], mods);
            universe[n_universe++] = make_key(UIKEY_CHAR, 0, mods); /* no text */
        }
}

/* ---- the help's rows ----------------------------------------------------- */

/* One key a row names, and what the row says it does. */
typedef struct {
    UiKey key;
    Action action;
    const KeyHelp *row;
    bool inherited; /* named by a row of the base mode, not of the mode's own */
} Named;

typedef struct {
    const KeymapHelp *help;
    const KeymapHelp *base; /* the mode it adds keys to, or NULL: a mode of its own */
    Named named[256];
    size_t n_named;
    size_t n_own;      /* named[0 .. n_own): by the mode's own rows */
    size_t n_shadowed; /* keys of the base's rows that the own rows name again */
} ModeHelp;

/* Diagnostics, at most MAX_DIAG per check. */
static int n_diag;

static void fail_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail_diag(const char *fmt, ...)
{
    if (n_diag++ >= MAX_DIAG) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    diag("%s", line);
}

static bool end_check(bool pass)
{
    if (n_diag > MAX_DIAG) diag("... and %d more", n_diag - MAX_DIAG);
    n_diag = 0;
    return pass;
}

static const char *row_str(const KeyHelp *row)
{
    static char buf[2][160];
    static int turn;
    char *s = buf[turn++ % 2], keys[96];
    snprintf(s, 160, "\"%s  %s\"", keymap_help_keys(row, keys, sizeof keys), row->what);
    return s;
}

/* N's row as row_str() shows it, saying so when it is the base mode's. */
static const char *named_row_str(const ModeHelp *mh, const Named *n)
{
    static char buf[2][224];
    static int turn;
    char *s = buf[turn++ % 2];
    if (n->inherited)
        snprintf(s, 224, "%s (of %s mode, not named by %s mode's rows)", row_str(n->row),
                 mh->base->name, mh->help->name);
    else
        snprintf(s, 224, "%s", row_str(n->row));
    return s;
}

/* How many columns S takes: one per character (the help has no wide ones). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The keys MODE's rows name; checks the rows are well formed. */
static void collect_named(ModeHelp *mh)
{
    const KeymapHelp *h = mh->help;
    bool pass = h->n_rows > 0;
    for (const KeyHelp *row = h->rows; row < h->rows + h->n_rows; row++) {
        char keys[128];
        int cols = columns(keymap_help_keys(row, keys, sizeof keys));
        if (cols >= HELP_KEYS_COLS || HELP_KEYS_COLS + columns(row->what) > HELP_COLS) {
            pass = false;
            fail_diag("%s mode: row %s is wider than the overlay: keys of %d columns (at most "
                      "%d), a description of %d (at most %d)", h->name, row_str(row), cols,
                      HELP_KEYS_COLS - 1, columns(row->what), HELP_COLS - HELP_KEYS_COLS);
        }
        if (!row->what || !*row->what || !row->keys[0] || !*row->keys[0]) {
            pass = false;
            fail_diag("%s mode: a row without keys or description", h->name);
            continue;
        }
        if (row->kind != HELP_KEYS) {
            if (row->act[0] == ACT_NONE || row->act[1] != ACT_NONE) {
                pass = false;
                fail_diag("%s mode: row %s for a class of keys needs one action", h->name,
                          row_str(row));
            }
            continue;
        }
        int pairs = row->act[1] != ACT_NONE ? 2 : 1, count[2] = {0, 0};
        if (pairs == 2 && !row->keys[1]) {
            pass = false;
            fail_diag("%s mode: row %s has two actions and one list of keys", h->name, row_str(row));
            continue;
        }
        for (int j = 0; j < pairs; j++) {
            const char *s = row->keys[j];
            char name[64];
            while (*s) {
                while (*s == ' ') s++;
                size_t n = strcspn(s, " ");
                if (!n) break;
                snprintf(name, sizeof name, "%.*s", (int)n, s);
                s += n;
                count[j]++;
                UiKey k;
                if (!parse_key(name, &k)) {
                    pass = false;
                    fail_diag("%s mode: row %s names \"%s\", which is no key", h->name,
                              row_str(row), name);
                    continue;
                }
                for (size_t i = 0; i < mh->n_named; i++)
                    if (same_key(&mh->named[i].key, &k)) {
                        pass = false;
                        fail_diag("%s mode: %s is named twice, in %s and %s", h->name,
                                  key_str(&k), row_str(mh->named[i].row), row_str(row));
                    }
                if (mh->n_named < N_OF(mh->named))
                    mh->named[mh->n_named++] = (Named){k, row->act[j], row, false};
            }
        }
        if (pairs == 2 && count[0] != count[1]) {
            pass = false;
            fail_diag("%s mode: row %s pairs %d keys for %s with %d for %s", h->name,
                      row_str(row), count[0], act_name(row->act[0]), count[1],
                      act_name(row->act[1]));
        }
    }
    mh->n_own = mh->n_named;
    ok(end_check(pass), "%s mode: the help's %zu rows are well formed", h->name, h->n_rows);
}

/* A mode that adds keys to another: its base is a mode of its own (with its
 * help, adding to no other), and the keys the base's rows name that MH's own
 * rows do not are MH's too, doing what the base's rows say.  The base's rows
 * are checked as its own mode's, so only their keys are read here. */
static void collect_base(ModeHelp *mh)
{
    const KeymapHelp *h = mh->help;
    if (h->base == h->mode) return;
    const KeymapHelp *b = keymap_help(h->base);
    if ((int)h->base < MODE_NORMAL || h->base > MODE_LAST || b->mode != h->base ||
        b->base != b->mode) {
        ok(0, "%s mode: adds keys to a mode of its own", h->name);
        diag("its help's base is mode %d, %s", (int)h->base,
             (int)h->base < MODE_NORMAL || h->base > MODE_LAST ? "no mode"
             : b->mode != h->base                              ? "a mode without help"
                                                               : "which adds keys to another");
        return;
    }
    mh->base = b;
    bool room = true;
    for (const KeyHelp *row = b->rows; row < b->rows + b->n_rows; row++) {
        if (row->kind != HELP_KEYS) continue; /* classes: see check_keys_documented */
        for (int j = 0; j < (row->act[1] != ACT_NONE ? 2 : 1); j++) {
            for (const char *s = row->keys[j] ? row->keys[j] : ""; *s;) {
                while (*s == ' ') s++;
                size_t len = strcspn(s, " ");
                if (!len) break;
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)len, s);
                s += len;
                UiKey k;
                if (!parse_key(name, &k)) continue; /* the base's own check says so */
                bool own = false;
                for (size_t i = 0; i < mh->n_own; i++) own |= same_key(&mh->named[i].key, &k);
                if (own) mh->n_shadowed++;
                else if (mh->n_named < N_OF(mh->named))
                    mh->named[mh->n_named++] = (Named){k, row->act[j], row, true};
                else
                    room = false;
            }
        }
    }
    if (!room) diag("more than %zu keys named: make Named named[] larger", N_OF(mh->named));
    ok(room && mh->n_named > mh->n_own,
       "%s mode: adds %s mode's keys: %zu of its own, %zu of %s mode's, %zu of those named "
       "by its own rows instead", h->name, b->name, mh->n_own, mh->n_named - mh->n_own, b->name,
       mh->n_shadowed);
}

/* Every key a row names does what the row says. */
static void check_named_bound(const ModeHelp *mh)
{
    bool pass = true;
    for (size_t i = 0; i < mh->n_named; i++) {
        const Named *n = &mh->named[i];
        Action got = keymap_lookup(mh->help->mode, &n->key);
        if (got != n->action) {
            pass = false;
            fail_diag("%s mode: the help row %s names %s for %s, but %s does %s",
                      mh->help->name, named_row_str(mh, n), key_str(&n->key),
                      act_name(n->action), key_str(&n->key), act_name(got));
        }
    }
    if (mh->base)
        ok(end_check(pass), "%s mode: the %zu keys the help names (%zu by its own rows, %zu by %s "
           "mode's) do what it says", mh->help->name, mh->n_named, mh->n_own,
           mh->n_named - mh->n_own, mh->base->name);
    else
        ok(end_check(pass), "%s mode: the %zu keys the help names do what it says",
           mh->help->name, mh->n_named);
}

static bool in_class(HelpKind kind, const UiKey *k)
{
    if (kind == HELP_ANY) return true;
    return kind == HELP_TEXT && k->kind == UIKEY_CHAR && !(k->mods & (UIMOD_CTRL | UIMOD_ALT)) &&
           k->utf8[0];
}

/* Every key does what the help says (see the top of the file). */
static void check_keys_documented(const ModeHelp *mh)
{
    const KeymapHelp *h = mh->help;
    bool pass = true;
    size_t doing = 0;
    for (size_t u = 0; u < n_universe; u++) {
        const UiKey *k = &universe[u];
        Action got = keymap_lookup(h->mode, k);
        doing += got != ACT_NONE;
        const Named *exact = NULL, *fewer = NULL;
        for (size_t i = 0; i < mh->n_named; i++) {
            const Named *n = &mh->named[i];
            if (same_key(&n->key, k)) exact = n;
            /* The row naming the most of its modifiers. */
            else if (fewer_mods(&n->key, k) &&
                     (!fewer || popcount(n->key.mods) > popcount(fewer->key.mods)))
                fewer = n;
        }
        if (exact) {
            if (got != exact->action) {
                pass = false;
                fail_diag("%s mode: %s does %s, but the help row %s says %s", h->name, key_str(k),
                          act_name(got), named_row_str(mh, exact), act_name(exact->action));
            }
            continue;
        }
        /* The rows for a class of keys: the mode's own and its base's. */
        const KeyHelp *cls = NULL;
        bool allowed = fewer && got == fewer->action;
        for (int b = 0; b < (mh->base ? 2 : 1); b++) {
            const KeymapHelp *rows = b ? mh->base : h;
            for (const KeyHelp *row = rows->rows; row < rows->rows + rows->n_rows; row++)
                if (row->kind != HELP_KEYS && in_class(row->kind, k)) {
                    cls = row;
                    allowed |= got == row->act[0];
                }
        }
        if (!cls && got == ACT_NONE) allowed = true;
        if (allowed) continue;
        pass = false;
        if (cls)
            fail_diag("%s mode: %s does %s, but the help row %s says %s", h->name, key_str(k),
                      act_name(got), row_str(cls), act_name(cls->act[0]));
        else if (fewer)
            fail_diag("%s mode: %s does %s, but the help row %s says %s does %s", h->name,
                      key_str(k), act_name(got), named_row_str(mh, fewer), key_str(&fewer->key),
                      act_name(fewer->action));
        else
            fail_diag("%s mode: %s does %s, but no help row names it", h->name, key_str(k),
                      act_name(got));
    }
    ok(end_check(pass), "%s mode: all %zu keys do what the help says (%zu do something)", h->name,
       n_universe, doing);
}

/* ---- the man page -------------------------------------------------------- */

/* The troff escapes the KEYS section uses, as the help writes them. */
static const char *const troff_chars[][2] = {
    {"<-", "←"}, {"->", "→"}, {"ua", "↑"}, {"da", "↓"}, {"mu", "×"}, {"pc", "·"},
    {"sr", "√"}, {"em", "—"}, {"en", "–"}, {"aq", "'"}, {"dq", "\""}, {"bu", "•"},
};

/* One troff line as text: escapes translated, fonts dropped, a font
 * macro's arguments unquoted (and run together for .BR and the like). */
static void troff_text(const char *line, char *out, size_t cap)
{
    char args[1024];
    size_t o = 0;
    if (line[0] == '.' || line[0] == '\'') {
        char macro[8];
        size_t n = strcspn(line + 1, " \t");
        snprintf(macro, sizeof macro, "%.*s", (int)n, line + 1);
        static const char *const join[] = {"B", "I", "SM", "SB"};
        static const char *const alternate[] = {"BR", "RB", "BI", "IB", "IR", "RI"};
        bool spaced = false, font = false;
        for (size_t i = 0; i < N_OF(join); i++) font |= spaced |= strcmp(macro, join[i]) == 0;
        for (size_t i = 0; i < N_OF(alternate); i++) font |= strcmp(macro, alternate[i]) == 0;
        if (!font) { /* .br, .nf and the like: no text */
            out[0] = '\0';
            return;
        }
        const char *s = line + 1 + n;
        size_t a = 0;
        while (*s && a + 1 < sizeof args) {
            while (*s == ' ' || *s == '\t') s++;
            if (!*s) break;
            if (a && spaced) args[a++] = ' ';
            if (*s == '"') {
                for (s++; *s && *s != '"' && a + 1 < sizeof args; s++) args[a++] = *s;
                if (*s) s++;
            } else {
                for (; *s && *s != ' ' && *s != '\t' && a + 1 < sizeof args; s++) args[a++] = *s;
            }
        }
        args[a] = '\0';
        line = args;
    }
    for (const char *s = line; *s && o + 8 < cap;) {
        if (*s != '\\') {
            out[o++] = *s++;
            continue;
        }
        s++;
        const char *rep = "";
        if (*s == '(' && s[1] && s[2]) {
            rep = "?";
            for (size_t i = 0; i < N_OF(troff_chars); i++)
                if (strncmp(s + 1, troff_chars[i][0], 2) == 0) rep = troff_chars[i][1];
            s += 3;
        } else if (*s == '[') {
            rep = "?";
            s += strcspn(s, "]");
            if (*s) s++;
        } else if (*s == 'f') {
            s++;
            if (*s == '(') s += 3;
            else if (*s == '[') s += strcspn(s, "]") + 1;
            else if (*s) s++;
        } else if (*s == '-') {
            rep = "-", s++;
        } else if (*s == 'e' || *s == '\\') {
            rep = "\\", s++;
        } else if (*s == ' ' || *s == '~') {
            rep = " ", s++;
        } else if (*s) {
            s++; /* \& \| \^ \% \c and the like: nothing to see */
        }
        size_t r = strlen(rep);
        memcpy(out + o, rep, r);
        o += r;
    }
    out[o] = '\0';
}

/* S with runs of white space as one space and none at either end, and with
 * LOWER, ASCII in lower case: how the text is compared. */
static void squeeze(char *s, bool lower)
{
    size_t o = 0;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            if (o && s[o - 1] != ' ') s[o++] = ' ';
        } else {
            s[o++] = lower ? (char)tolower((unsigned char)*p) : *p;
        }
    }
    if (o && s[o - 1] == ' ') o--;
    s[o] = '\0';
}

/* A .TP entry of the KEYS section. */
typedef struct {
    char tag[256];
    char body[2048];
    bool claimed; /* by a row of the help */
} ManItem;

typedef struct {
    char title[128];
    ManItem items[40];
    int n_items;
} ManSection;

static ManSection man_sections[8];
static int n_man_sections;

/* The KEYS section of PATH into man_sections; false (with a diagnostic) on failure. */
static bool read_man(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        diag("%s: cannot open it (is ATTNSCOPE_SRCDIR the source tree?)", path);
        return false;
    }
    char line[1024], text[1024];
    bool in_keys = false, seen_keys = false;
    enum { NONE, TAG, BODY } at = NONE;
    ManSection *sec = NULL;
    ManItem *item = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, ".SH", 3) == 0) {
            in_keys = strcmp(line, ".SH KEYS") == 0;
            seen_keys |= in_keys;
            at = NONE;
            continue;
        }
        if (!in_keys) continue;
        if (strncmp(line, ".SS ", 4) == 0) {
            if (n_man_sections == (int)N_OF(man_sections)) break;
            sec = &man_sections[n_man_sections++];
            snprintf(sec->title, sizeof sec->title, "%.127s", line + 4);
            for (char *q; (q = strchr(sec->title, '"'));) memmove(q, q + 1, strlen(q));
            squeeze(sec->title, true);
            at = NONE;
        } else if (strcmp(line, ".TP") == 0) {
            if (!sec || sec->n_items == (int)N_OF(sec->items)) {
                diag("%s: a .TP in KEYS outside a subsection (.SS), or too many", path);
                fclose(f);
                return false;
            }
            item = &sec->items[sec->n_items++];
            at = TAG;
        } else if (strcmp(line, ".PP") == 0 || strcmp(line, ".LP") == 0 || strcmp(line, ".P") == 0) {
            at = NONE;
        } else if (at != NONE) {
            troff_text(line, text, sizeof text);
            char *dst = at == TAG ? item->tag : item->body;
            size_t cap = at == TAG ? sizeof item->tag : sizeof item->body, len = strlen(dst);
            snprintf(dst + len, cap - len, "%s%s", len ? " " : "", text);
            if (at == TAG) squeeze(item->tag, false);
            at = BODY;
        }
    }
    fclose(f);
    for (int s = 0; s < n_man_sections; s++)
        for (int i = 0; i < man_sections[s].n_items; i++) squeeze(man_sections[s].items[i].body, true);
    if (!seen_keys) diag("%s: no .SH KEYS", path);
    return seen_keys;
}

/* Whether NAME is one of the words of TAG. */
static bool tag_has(const char *tag, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = tag; (s = strstr(s, name)); s++)
        if ((s == tag || s[-1] == ' ') && (s[n] == ' ' || !s[n])) return true;
    return false;
}

/* The names of ROW's keys into NAMES (CAP of them); returns how many. */
static int row_names(const KeyHelp *row, char names[][64], int cap)
{
    int n = 0;
    for (int j = 0; j < 2; j++) {
        if (!row->keys[j] || (j == 1 && row->act[1] == ACT_NONE)) continue;
        for (const char *s = row->keys[j]; *s && n < cap;) {
            while (*s == ' ') s++;
            size_t len = strcspn(s, " ");
            if (!len) break;
            snprintf(names[n], 64, "%.*s", (int)len, s);
            n++;
            s += len;
        }
    }
    return n;
}

static void check_man(const ModeHelp *mh, bool have_man)
{
    const KeymapHelp *h = mh->help;
    if (!have_man) {
        ok(0, "%s mode: the man page lists the help's rows (no man page read)", h->name);
        return;
    }
    char title[128];
    snprintf(title, sizeof title, "%s", h->title);
    squeeze(title, true);
    ManSection *sec = NULL;
    for (int s = 0; s < n_man_sections; s++)
        if (strcmp(man_sections[s].title, title) == 0) sec = &man_sections[s];
    if (!sec) {
        ok(0, "%s mode: the man page lists the help's rows", h->name);
        diag("the man page's KEYS section has no subsection \".SS %s\"", h->title);
        return;
    }
    bool pass = true;
    for (const KeyHelp *row = h->rows; row < h->rows + h->n_rows; row++) {
        char names[32][64], want[256], phrase[128];
        int n = 0;
        ManItem *item = NULL;
        if (row->kind == HELP_KEYS) {
            n = row_names(row, names, 32);
            for (int i = 0; i < sec->n_items && !item; i++)
                if (n && tag_has(sec->items[i].tag, names[0])) item = &sec->items[i];
        } else {
            snprintf(phrase, sizeof phrase, "%s", row->keys[0]);
            squeeze(phrase, true);
            for (int i = 0; i < sec->n_items && !item; i++)
                if (strcasecmp(sec->items[i].tag, phrase) == 0) item = &sec->items[i];
        }
        if (!item) {
            pass = false;
            fail_diag("%s mode: the man page's \"%s\" has no .TP entry for the help row %s",
                      h->name, h->title, row_str(row));
            continue;
        }
        item->claimed = true;
        if (row->kind == HELP_KEYS) {
            bool same = true;
            for (int i = 0; i < n; i++) same &= tag_has(item->tag, names[i]);
            for (const char *w = item->tag; *w;) {
                size_t len = strcspn(w, " ");
                bool named = false;
                for (int i = 0; i < n; i++)
                    named |= strlen(names[i]) == len && strncmp(names[i], w, len) == 0;
                same &= named;
                w += len + (w[len] == ' ');
            }
            if (!same) {
                pass = false;
                fail_diag("%s mode: the man page's .TP \"%s\" and the help row %s name "
                          "different keys", h->name, item->tag, row_str(row));
            }
        }
        snprintf(want, sizeof want, "%s", row->what);
        squeeze(want, true);
        if (!strstr(item->body, want)) {
            pass = false;
            fail_diag("%s mode: the man page's .TP \"%s\" does not say \"%s\", as the help row "
                      "does", h->name, item->tag, row->what);
        }
    }
    for (int i = 0; i < sec->n_items; i++)
        if (!sec->items[i].claimed) {
            pass = false;
            fail_diag("%s mode: the man page's .TP \"%s\" in \"%s\" is no row of the help",
                      h->name, sec->items[i].tag, h->title);
        }
    ok(end_check(pass), "%s mode: the man page's \"%s\" lists the help's %zu rows", h->name,
       h->title, h->n_rows);
}

/* ---- the keys as shown ----------------------------------------------------- */

static void check_shown(void)
{
    static const KeyHelp rows[] = {
        {HELP_KEYS, {"← h ↑ k", "→ l ↓ j"}, {ACT_QUERY_PREV, ACT_QUERY_NEXT}, "x"},
        {HELP_KEYS, {"Shift-← , <", "Shift-→ . >"}, {ACT_KEY_PREV, ACT_KEY_NEXT}, "x"},
        {HELP_KEYS, {"Tab n", "Shift-Tab p"}, {ACT_HEAD_NEXT, ACT_HEAD_PREV}, "x"},
        {HELP_KEYS, {"Ctrl-← Ctrl-A", "Ctrl-Alt-→ Ctrl-E"}, {ACT_EDIT_LEFT, ACT_EDIT_RIGHT}, "x"},
        {HELP_KEYS, {"q Ctrl-C", NULL}, {ACT_QUIT, ACT_NONE}, "x"},
        {HELP_ANY, {"any other key", NULL}, {ACT_CLOSE, ACT_NONE}, "x"},
    };
    static const char *const want[] = {
        "←/→ h/l ↑/↓ k/j", "Shift-←/→ ,/. </>", "Tab/Shift-Tab n/p",
        "Ctrl-←/Ctrl-Alt-→ Ctrl-A/E", "q Ctrl-C", "any other key",
    };
    char buf[64];
    for (size_t i = 0; i < N_OF(rows); i++)
        is_str(keymap_help_keys(&rows[i], buf, sizeof buf), want[i], "keys shown as \"%s\"", want[i]);
    char small[8];
    keymap_help_keys(&rows[0], small, sizeof small);
    ok(strlen(small) < sizeof small, "keys cut to fit a small buffer: \"%s\"", small);
}

int main(void)
{
    build_universe();
    check_shown();

    char path[4096];
    const char *srcdir = getenv("ATTNSCOPE_SRCDIR");
    if (!srcdir || !*srcdir) srcdir = "..";
    snprintf(path, sizeof path, "%s/doc/attnscope.1", srcdir);
    bool have_man = read_man(path);

    size_t n_modes;
    const KeymapHelp *all = keymap_help_all(&n_modes);
    bool every_mode = n_modes == MODE_LAST + 1;
    for (int m = MODE_NORMAL; m <= MODE_LAST; m++) every_mode &= (int)keymap_help((Mode)m)->mode == m;
    ok(every_mode, "every mode has its help");

    static ModeHelp modes[8];
    for (size_t i = 0; i < n_modes && i < N_OF(modes); i++) {
        ModeHelp *mh = &modes[i];
        mh->help = &all[i];
        collect_named(mh);
        collect_base(mh);
        check_named_bound(mh);
        check_keys_documented(mh);
        check_man(mh, have_man);
    }

    /* Every subsection of KEYS is a mode's. */
    bool known = have_man;
    for (int s = 0; s < n_man_sections; s++) {
        bool found = false;
        for (size_t i = 0; i < n_modes; i++) {
            char title[128];
            snprintf(title, sizeof title, "%s", all[i].title);
            squeeze(title, true);
            found |= strcmp(title, man_sections[s].title) == 0;
        }
        if (!found) diag("the man page's KEYS has \".SS %s\", the title of no mode",
                         man_sections[s].title);
        known &= found;
    }
    ok(known, "the man page's KEYS subsections are the modes'");
    done_testing();
    return exit_status();
}
