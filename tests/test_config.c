/*
 * test_config.c - the settings file: every field, the defaults, each kind of
 * warning with its line number, files iniparser alone would reject, files of
 * random bytes, the default path and the palette names.  Every load runs with
 * stderr sent to a file that must stay empty: the core never prints.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* By path: the build tree's autoconf config.h comes first on the include
 * path and would be taken for a plain "config.h". */
#include "config.h"
#include "tap.h"

static char err[512];
static int stderr_bytes; /* written to stderr by all loads so far */

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* Write LEN bytes to a new temporary file; its name goes to PATH. */
static int write_tmp(char *path, size_t pathlen, const void *data, size_t len)
{
    snprintf(path, pathlen, "%s/attnscope-cfg-XXXXXX", tmp_base());
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w <= 0) {
            close(fd);
            unlink(path);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    close(fd);
    return 0;
}

/* config_load with stderr redirected to a scratch file; returns its result and
 * adds what reached stderr to stderr_bytes (and to *printed if given). */
static int load_quiet(Config *cfg, const char *path, bool required, long *printed)
{
    char cap[1100];
    snprintf(cap, sizeof cap, "%s/attnscope-err-XXXXXX", tmp_base());
    int capfd = mkstemp(cap);
    if (capfd < 0) return config_load(cfg, path, required, err, sizeof err);
    fflush(stderr);
    int saved = dup(2);
    dup2(capfd, 2);
    err[0] = '\0';
    int r = config_load(cfg, path, required, err, sizeof err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct stat st;
    long n = fstat(capfd, &st) == 0 ? (long)st.st_size : -1;
    close(capfd);
    unlink(cap);
    if (n) stderr_bytes += n > 0 ? (int)n : 1;
    if (printed) *printed = n;
    return r;
}

/* Load TEXT from a temporary file into CFG; PATH receives the name (already
 * removed again). */
static int load_text(Config *cfg, const char *text, char *path, size_t pathlen, long *printed)
{
    if (write_tmp(path, pathlen, text, strlen(text))) {
        diag("cannot write a temporary file under %s", tmp_base());
        return -2;
    }
    int r = load_quiet(cfg, path, true, printed);
    unlink(path);
    return r;
}

/* The index of the first warning holding every one of up to three strings
 * (NULL: unused), or -1. */
static int find_warning(const Config *c, const char *a, const char *b, const char *d)
{
    for (int i = 0; i < c->n_warnings; i++) {
        const char *w = c->warnings[i];
        if (w && strstr(w, a) && (!b || strstr(w, b)) && (!d || strstr(w, d))) return i;
    }
    return -1;
}

static void show_warnings(const Config *c)
{
    for (int i = 0; i < c->n_warnings; i++) diag("warning: %s", c->warnings[i]);
}

static bool is_default(const Config *c)
{
    return !c->model && !c->text && c->palette == PALETTE_AUTO && !c->show_values &&
           !c->have_layer && !c->have_head && !c->query;
}

/* "PATH:LINE:" as it leads a warning. */
static const char *at(const char *path, int line)
{
    static char buf[1200];
    snprintf(buf, sizeof buf, "%s:%d: ", path, line);
    return buf;
}

static void test_full_file(void)
{
    char path[1100];
    Config c;
    const char *ini = "; attnscope settings\n"
                      "[attnscope]\n"
                      "model = /models/tiny.gguf\n"
                      "text = \"The cat sat ; on the mat.\"\n"
                      "palette = 256\n"
                      "values = yes\n";
    int r = load_text(&c, ini, path, sizeof path, NULL);
    is_int(r, 0, "full file: loads");
    is_str(c.model, "/models/tiny.gguf", "full file: model");
    is_str(c.text, "The cat sat ; on the mat.", "full file: quoted text keeps its ';' and loses its quotes");
    is_int(c.palette, PALETTE_256, "full file: palette");
    ok(c.show_values, "full file: values");
    is_int(c.n_warnings, 0, "full file: no warnings");
    show_warnings(&c);
    config_free(&c);
    ok(is_default(&c) && !c.warnings && c.n_warnings == 0, "config_free resets to defaults");
    config_free(&c);
    ok(is_default(&c), "config_free twice is harmless");
    Config zero = {0};
    config_free(&zero);
    config_free(NULL);
    ok(is_default(&zero), "config_free on a zeroed Config and on NULL");
}

/* Where the explorer opens: layer, head (counts from 0) and query (a token
 * number or a word, kept as written: main tells them apart). */
static void test_position(void)
{
    char path[1100];
    Config c;
    const char *ini = "[attnscope]\nlayer = 0\nhead = 12\nquery = it\n";
    is_int(load_text(&c, ini, path, sizeof path, NULL), 0, "position: loads");
    ok(c.have_layer && c.layer == 0 && c.have_head && c.head == 12 && c.n_warnings == 0,
       "position: layer 0 (set, though 0) and head 12");
    is_str(c.query, "it", "position: a query word");
    show_warnings(&c);
    config_free(&c);
    ok(is_default(&c), "position: config_free resets layer, head and query");

    ini = "[attnscope]\nquery = \"8\"\nLayer = 3\n";
    load_text(&c, ini, path, sizeof path, NULL);
    ok(c.query && strcmp(c.query, "8") == 0 && c.have_layer && c.layer == 3 && !c.have_head,
       "position: a query number, quoted; Layer in capitals; no head");
    config_free(&c);

    ini = "[attnscope]\nlayer = -1\nhead = two\nquery =\nlayer = 1e3\nhead = 99999999999\n";
    load_text(&c, ini, path, sizeof path, NULL);
    show_warnings(&c);
    ok(!c.have_layer && !c.have_head && !c.query, "position: bad values leave all three unset");
    ok(c.n_warnings == 3 && find_warning(&c, at(path, 5), "layer: '1e3' is not a number from 0",
                                         "(ignored)") >= 0 &&
           find_warning(&c, at(path, 6), "head: '99999999999'", "(ignored)") >= 0 &&
           find_warning(&c, at(path, 4), "query:", "(ignored)") >= 0,
       "position: one warning per key, naming the last assignment's line");
    config_free(&c);

    char long_query[200] = "[attnscope]\nquery = ";
    memset(long_query + strlen(long_query), 'w', 100);
    load_text(&c, long_query, path, sizeof path, NULL);
    ok(!c.query && find_warning(&c, "query:", "at most 64 bytes", NULL) >= 0,
       "position: a 100-byte query is no word (warning)");
    config_free(&c);
}

static void test_missing(void)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/attnscope-no-such-dir-%ld/config.ini", tmp_base(), (long)getpid());
    Config c;
    memset(&c, 0x5A, sizeof c); /* load must not read what was there */
    is_int(load_quiet(&c, path, false, NULL), 0, "missing, not required: success");
    ok(is_default(&c) && c.n_warnings == 0 && !c.warnings, "missing, not required: defaults");
    config_free(&c);

    int r = load_quiet(&c, path, true, NULL);
    ok(r != 0, "missing, required: an error");
    ok(strstr(err, path) != NULL, "missing, required: the message names the path");
    diag("%s", err);
    ok(is_default(&c), "missing, required: defaults");
    config_free(&c);

    ok(load_quiet(&c, NULL, false, NULL) == 0 && is_default(&c), "NULL path, not required: defaults");
    config_free(&c);

    r = load_quiet(&c, tmp_base(), false, NULL);
    ok(r != 0 && strstr(err, "not a regular file"), "a directory is an error even when not required");
    diag("%s", err);
    config_free(&c);

    /* One byte over 1 MiB, though every line is fine. */
    size_t big = (1u << 20) + 1;
    char *buf = malloc(big);
    if (buf) {
        memset(buf, '\n', big);
        memcpy(buf, "[attnscope]\n", 12);
        if (write_tmp(path, sizeof path, buf, big) == 0) {
            r = load_quiet(&c, path, false, NULL);
            ok(r != 0 && strstr(err, path) && strstr(err, "1 MiB"), "a file over 1 MiB is an error");
            diag("%s", err);
            config_free(&c);
            unlink(path);
        } else {
            ok(0, "a file over 1 MiB is an error (could not write it)");
        }
        /* Exactly 1 MiB is allowed. */
        if (write_tmp(path, sizeof path, buf, big - 1) == 0) {
            r = load_quiet(&c, path, false, NULL);
            ok(r == 0 && c.n_warnings == 0, "a file of exactly 1 MiB loads");
            config_free(&c);
            unlink(path);
        } else {
            ok(0, "a file of exactly 1 MiB loads (could not write it)");
        }
        free(buf);
    }
}

static void test_unknown_key(void)
{
    char path[1100];
    Config c;
    const char *ini = "[attnscope]\n"
                      "palette = mono\n"
                      "colour = red\n"
                      "values = on\n";
    is_int(load_text(&c, ini, path, sizeof path, NULL), 0, "unknown key: loads");
    is_int(c.n_warnings, 1, "unknown key: one warning");
    ok(find_warning(&c, at(path, 3), "unknown key 'colour'", NULL) >= 0,
       "unknown key: warning names file, line 3 and the key");
    show_warnings(&c);
    ok(c.palette == PALETTE_MONO && c.show_values && !c.model && !c.text,
       "unknown key: the other settings apply, the rest stay default");
    config_free(&c);
}

/* A continuation on the last line continues onto nothing: iniparser drops
 * that line, so it must be reported, not lost silently (found by reading
 * the code while writing fuzz_config). */
static void test_dangling_continuation(void)
{
    char path[1100];
    Config c;
    const char *ini = "[attnscope]\n"
                      "palette = mono\n"
                      "text = hello \\";
    is_int(load_text(&c, ini, path, sizeof path, NULL), 0, "dangling continuation: loads");
    ok(c.n_warnings == 1 &&
           find_warning(&c, at(path, 3), "backslash that continues it onto nothing", NULL) >= 0,
       "dangling continuation: one warning naming line 3");
    show_warnings(&c);
    ok(c.palette == PALETTE_MONO && !c.text, "dangling continuation: text stays default, palette applies");
    config_free(&c);
}

static void test_bad_values(void)
{
    char path[1100];
    Config c;
    const char *ini = "[attnscope]\n"
                      "\n"
                      "values = maybe\n"
                      "text = hello\n"
                      "palette = purple\n"
                      "model =\n";
    is_int(load_text(&c, ini, path, sizeof path, NULL), 0, "bad values: loads");
    is_int(c.n_warnings, 3, "bad values: three warnings");
    show_warnings(&c);
    ok(find_warning(&c, at(path, 3), "values: 'maybe'", "(using false)") >= 0,
       "bad values: 'values' warning with line 3");
    ok(find_warning(&c, at(path, 5), "palette: 'purple' is not one of auto, truecolor, 256, 8, mono, ascii",
                    "(using auto)") >= 0,
       "bad values: 'palette' warning with line 5");
    ok(find_warning(&c, at(path, 6), "model: empty value", NULL) >= 0,
       "bad values: empty model warning with line 6");
    ok(c.n_warnings == 3 && strstr(c.warnings[0], ":3:") && strstr(c.warnings[1], ":5:") &&
           strstr(c.warnings[2], ":6:"),
       "bad values: warnings in line order");
    ok(c.palette == PALETTE_AUTO && !c.show_values && !c.model, "bad values: defaults kept");
    is_str(c.text, "hello", "bad values: the good key still applies");
    config_free(&c);

    /* A value's warning points at the assignment that counts: the last. */
    ini = "[attnscope]\npalette = 8\npalette = violet\n";
    load_text(&c, ini, path, sizeof path, NULL);
    ok(c.n_warnings == 1 && find_warning(&c, at(path, 3), "palette: 'violet'", NULL) >= 0 &&
           c.palette == PALETTE_AUTO,
       "repeated key: the last assignment counts, its line is named");
    show_warnings(&c);
    config_free(&c);

    /* Control characters in a value are shown escaped, never raw. */
    ini = "[attnscope]\npalette = \x1b[31mred\n";
    load_text(&c, ini, path, sizeof path, NULL);
    ok(c.n_warnings == 1 && !strchr(c.warnings[0], '\x1b') && strstr(c.warnings[0], "\\x1B[31mred"),
       "an escape sequence in a value is shown as \\x1B");
    show_warnings(&c);
    config_free(&c);

    /* text must be UTF-8; model is a path, and paths are bytes. */
    ini = "[attnscope]\ntext = caf\xe9\nmodel = /m/caf\xe9.gguf\n";
    load_text(&c, ini, path, sizeof path, NULL);
    ok(!c.text && find_warning(&c, at(path, 2), "text:", "UTF-8") >= 0,
       "text that is not UTF-8: warning, default kept");
    is_str(c.model, "/m/caf\xe9.gguf", "a model path need not be UTF-8");
    config_free(&c);
}

static void test_sections(void)
{
    char path[1100];
    Config c;
    const char *ini = "top = 1\n"
                      "[attnscope]\n"
                      "palette = ascii\n"
                      "[Display]\n"
                      "palette = mono\n"
                      "[]\n"
                      "values = true\n"
                      "[a:b]\n"
                      "values = true\n"
                      "[ attnscope ]\n"
                      "text = back again\n";
    is_int(load_text(&c, ini, path, sizeof path, NULL), 0, "sections: loads");
    show_warnings(&c);
    ok(find_warning(&c, at(path, 1), "key 'top' is outside any section", NULL) >= 0,
       "sections: a key before any section, line 1");
    ok(find_warning(&c, at(path, 4), "unknown section '[Display]'", NULL) >= 0,
       "sections: unknown section, line 4");
    ok(find_warning(&c, at(path, 6), "bad section name ''", NULL) >= 0,
       "sections: empty section name, line 6");
    ok(find_warning(&c, at(path, 8), "bad section name 'a:b'", NULL) >= 0,
       "sections: section name with ':', line 8");
    is_int(c.n_warnings, 4, "sections: no warnings for keys inside ignored sections");
    ok(c.palette == PALETTE_ASCII && !c.show_values,
       "sections: keys of other and broken sections do not leak into [attnscope]");
    is_str(c.text, "back again", "sections: [attnscope] may be reopened, with spaces in the brackets");
    config_free(&c);
}

static void test_case_and_comments(void)
{
    char path[1100];
    Config c;
    const char *ini = "# leading comment\n"
                      "\n"
                      "[AttnScope]\r\n"
                      "  ; indented comment\n"
                      "MODEL = /m/A.gguf   ; trailing comment\n"
                      "\t\n"
                      "Palette = TrueColor\n"
                      "# palette = mono\n"
                      "VALUES = Off\n"
                      "   Text   =   spaced out   \r\n"
                      ";values = on\n";
    is_int(load_text(&c, ini, path, sizeof path, NULL), 0, "case and comments: loads");
    is_int(c.n_warnings, 0, "case and comments: no warnings");
    show_warnings(&c);
    is_str(c.model, "/m/A.gguf", "case and comments: key case ignored, value case kept, comment dropped");
    is_int(c.palette, PALETTE_TRUECOLOR, "case and comments: palette name in any case");
    ok(!c.show_values, "case and comments: 'Off', and the commented-out 'on' ignored");
    is_str(c.text, "spaced out", "case and comments: white space and CR around a value dropped");
    config_free(&c);

    const char *truths[][2] = {{"TRUE", "1"}, {"Yes", "1"}, {"on", "1"}, {"1", "1"},
                               {"False", "0"}, {"NO", "0"}, {"oFf", "0"}, {"0", "0"}};
    int good = 0;
    for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++) {
        char ini2[128];
        snprintf(ini2, sizeof ini2, "[attnscope]\nvalues = %s\n", truths[i][0]);
        load_text(&c, ini2, path, sizeof path, NULL);
        if (c.n_warnings == 0 && c.show_values == (truths[i][1][0] == '1')) good++;
        else diag("values = %s gave %d with %d warnings", truths[i][0], c.show_values, c.n_warnings);
        config_free(&c);
    }
    is_int(good, 8, "every spelling of true and false");

    ini = "[attnscope]\ntext = a long \\\n  sentence\npalette = 8\n";
    load_text(&c, ini, path, sizeof path, NULL);
    is_str(c.text, "a long   sentence", "a trailing backslash continues the line");
    ok(c.palette == PALETTE_8 && c.n_warnings == 0, "continuation: the next key's line still works");
    config_free(&c);
}

static void test_syntax_error(void)
{
    char path[1100];
    Config c;
    long printed = -1;
    const char *ini = "[attnscope]\n"
                      "model = /m/x.gguf\n"
                      "this line is nonsense\n"
                      "= no key\n"
                      "palette = mono\n";
    is_int(load_text(&c, ini, path, sizeof path, &printed), 0, "syntax error: loads");
    is_int(printed, 0, "syntax error: nothing reaches stderr");
    ok(find_warning(&c, at(path, 3), "syntax error", "this line is nonsense") >= 0,
       "syntax error: warning with line 3 and the line's text");
    ok(find_warning(&c, at(path, 4), "syntax error", NULL) >= 0, "syntax error: '= no key', line 4");
    is_int(c.n_warnings, 2, "syntax error: two warnings");
    show_warnings(&c);
    ok(c.model && strcmp(c.model, "/m/x.gguf") == 0 && c.palette == PALETTE_MONO,
       "syntax error: the good lines around it still apply (iniparser alone drops the file)");
    config_free(&c);
}

static void test_long_and_nul(void)
{
    char path[1100];
    Config c;
    long printed = -1;
    size_t n = 5000;
    char *ini = malloc(n + 100);
    if (!ini) return;
    strcpy(ini, "[attnscope]\ntext = ");
    size_t k = strlen(ini);
    memset(ini + k, 'x', n);
    strcpy(ini + k + n, "\npalette = 8\n");
    is_int(load_text(&c, ini, path, sizeof path, &printed), 0, "5000-byte line: loads");
    is_int(printed, 0, "5000-byte line: nothing reaches stderr");
    ok(find_warning(&c, at(path, 2), "longer than", NULL) >= 0, "5000-byte line: warning with line 2");
    ok(!c.text && c.palette == PALETTE_8, "5000-byte line: ignored, the next line applies");
    show_warnings(&c);
    config_free(&c);

    /* A long line made of continuations is one line to iniparser. */
    strcpy(ini, "[attnscope]\n");
    for (int i = 0; i < 40; i++) strcat(ini, "text = abcdefghijklmnopqrstuvwxyz\\\n");
    strcat(ini, "end\nvalues = 1\n");
    load_text(&c, ini, path, sizeof path, &printed);
    ok(printed == 0 && find_warning(&c, at(path, 2), "longer than", NULL) >= 0 && c.show_values &&
           !c.text,
       "a 1400-byte line built from continuations: warning at its first line, later lines apply");
    config_free(&c);
    free(ini);

    const char nul[] = "[attnscope]\nmodel = a\0b\ntext = after\n";
    if (write_tmp(path, sizeof path, nul, sizeof nul - 1) == 0) {
        int r = load_quiet(&c, path, true, &printed);
        ok(r == 0 && printed == 0 && find_warning(&c, at(path, 2), "NUL", NULL) >= 0 && !c.model,
           "a NUL byte: warning with line 2, line ignored");
        is_str(c.text, "after", "a NUL byte: the next line still applies");
        config_free(&c);
        unlink(path);
    }
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* Random files, half of them built from INI-ish pieces so that they reach
 * past the first line. */
static void test_random(void)
{
    static const char *pieces[] = {"[attnscope]", "[", "]", "=", "model", "text", "palette",
                                   "values", "256", "yes", ";", "#", "\\", "\n", "\r\n", " ",
                                   "\t", "\"", "'", ":", "\xff", "\xc3\xa9", "\xe2\x96", "\0"};
    const int n_pieces = (int)(sizeof pieces / sizeof pieces[0]);
    char path[1100];
    int runs = 400, bad = 0;
    size_t cap = 4096;
    char *buf = malloc(cap);
    if (!buf) return;
    for (int run = 0; run < runs; run++) {
        size_t n = 0, want = rnd() % (run % 8 == 0 ? 3000 : 600);
        while (n < want) {
            if (run % 2) {
                buf[n++] = (char)rnd();
            } else {
                int i = (int)(rnd() % (unsigned)n_pieces);
                size_t len = i == n_pieces - 1 ? 1 : strlen(pieces[i]);
                if (n + len > want) break;
                memcpy(buf + n, pieces[i], len);
                n += len;
            }
        }
        if (write_tmp(path, sizeof path, buf, n)) {
            bad++;
            break;
        }
        Config c;
        long printed = -1;
        int r = load_quiet(&c, path, true, &printed);
        bool fine = r == 0 && printed == 0 && (int)c.palette >= 0 && c.palette <= PALETTE_ASCII &&
                    c.n_warnings >= 0 && c.n_warnings <= 101 && (c.n_warnings == 0 || c.warnings);
        for (int i = 0; fine && i < c.n_warnings; i++)
            fine = c.warnings[i] && strncmp(c.warnings[i], path, strlen(path)) == 0;
        if (!fine) {
            bad++;
            diag("run %d: r=%d printed=%ld err=%s", run, r, printed, err);
        }
        config_free(&c);
        unlink(path);
    }
    free(buf);
    is_int(bad, 0, "%d random files: each loads, prints nothing, warnings name the file", runs);
}

static void test_many_warnings(void)
{
    char path[1100];
    Config c;
    size_t cap = 64 * 1024;
    char *ini = malloc(cap);
    if (!ini) return;
    strcpy(ini, "[attnscope]\n");
    for (int i = 0; i < 500; i++) strcat(ini, "junk\n");
    strcat(ini, "palette = mono\n");
    load_text(&c, ini, path, sizeof path, NULL);
    ok(c.n_warnings == 101 && strstr(c.warnings[100], "further problems") && c.palette == PALETTE_MONO,
       "500 bad lines: 100 warnings and a note, and the good line still applies");
    config_free(&c);
    free(ini);
}

static void restore_env(const char *name, const char *saved)
{
    if (saved) setenv(name, saved, 1);
    else unsetenv(name);
}

static void test_default_path(void)
{
    char buf[256];
    char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char *saved_xdg = xdg ? strdup(xdg) : NULL, *saved_home = home ? strdup(home) : NULL;

    setenv("XDG_CONFIG_HOME", "/x/conf", 1);
    setenv("HOME", "/home/u", 1);
    is_str(config_default_path(buf, sizeof buf), "/x/conf/attnscope/config.ini",
           "default path: XDG_CONFIG_HOME first");
    unsetenv("XDG_CONFIG_HOME");
    is_str(config_default_path(buf, sizeof buf), "/home/u/.config/attnscope/config.ini",
           "default path: HOME when XDG_CONFIG_HOME is unset");
    setenv("XDG_CONFIG_HOME", "", 1);
    is_str(config_default_path(buf, sizeof buf), "/home/u/.config/attnscope/config.ini",
           "default path: an empty XDG_CONFIG_HOME is ignored");
    setenv("XDG_CONFIG_HOME", "rel/conf", 1);
    is_str(config_default_path(buf, sizeof buf), "/home/u/.config/attnscope/config.ini",
           "default path: a relative XDG_CONFIG_HOME is ignored (XDG spec)");
    ok(config_default_path(buf, 10) == NULL, "default path: NULL rather than a truncated path");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    ok(config_default_path(buf, sizeof buf) == NULL, "default path: NULL with neither variable");

    restore_env("XDG_CONFIG_HOME", saved_xdg);
    restore_env("HOME", saved_home);
    free(saved_xdg);
    free(saved_home);
}

static void test_palette_names(void)
{
    static const struct {
        const char *name;
        Palette p;
    } all[] = {{"auto", PALETTE_AUTO}, {"truecolor", PALETTE_TRUECOLOR}, {"256", PALETTE_256},
               {"8", PALETTE_8},       {"mono", PALETTE_MONO},           {"ascii", PALETTE_ASCII}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        Palette p = (Palette)-1;
        ok(config_parse_palette(all[i].name, &p) == 0 && p == all[i].p, "palette '%s' parses",
           all[i].name);
        is_str(config_palette_name(all[i].p), all[i].name, "palette %d is named '%s'", (int)all[i].p,
               all[i].name);
    }
    Palette p = PALETTE_MONO;
    ok(config_parse_palette("purple", &p) == -1 && p == PALETTE_MONO, "'purple' is refused, out untouched");
    ok(config_parse_palette("", &p) == -1 && config_parse_palette("25", &p) == -1 &&
           config_parse_palette("256 ", &p) == -1 && config_parse_palette(NULL, &p) == -1,
       "'', '25', '256 ' and NULL are refused");
    ok(config_parse_palette("ASCII", &p) == 0 && p == PALETTE_ASCII, "palette names ignore case");
}

int main(void)
{
    test_full_file();
    test_position();
    test_missing();
    test_unknown_key();
    test_bad_values();
    test_sections();
    test_case_and_comments();
    test_syntax_error();
    test_dangling_continuation();
    test_long_and_nul();
    test_random();
    test_many_warnings();
    test_default_path();
    test_palette_names();
    is_int(stderr_bytes, 0, "no load wrote anything to stderr");
    done_testing();
    return exit_status();
}
