/*
 * config.c - the [attnscope] settings file; see config.h.
 *
 * iniparser 4.1 has two habits we must work around.  It drops the whole file
 * (returns NULL) when one line is a syntax error, holds a NUL byte or is longer
 * than its 1024-byte buffer; and it reports neither line numbers nor anything
 * about where a key came from.  So we read the file once ourselves, scan its
 * lines the way iniparser splits them (sections, `key =`, comments, trailing
 * backslash continuations), warn about every problem with its line number, and
 * hand iniparser a cleaned copy holding only the [attnscope] lines, with every
 * other line blanked so the numbering is unchanged.  iniparser then does what
 * it is for: the values, with their quotes and trailing comments removed.
 */
#define _GNU_SOURCE /* memfd_create */
#include "config.h"
#include "error.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1u << 20)
/* iniparser reads a logical line (continuations included) into 1024 bytes,
 * newline and NUL among them; stay well inside that. */
#define CONFIG_MAX_LINE 1000
#define CONFIG_MAX_TEXT 4096
#define CONFIG_MAX_WARNINGS 100
#define SECTION "attnscope"

static const char *const palette_names[] = {"auto", "truecolor", "256", "8", "mono", "ascii"};
#define N_PALETTES (int)(sizeof palette_names / sizeof palette_names[0])

enum { KEY_MODEL, KEY_TEXT, KEY_PALETTE, KEY_VALUES, KEY_LAYER, KEY_HEAD, KEY_QUERY, N_KEYS };
static const char *const key_names[N_KEYS] = {"model", "text", "palette", "values",
                                              "layer", "head",  "query"};
/* A query word longer than this is no word of a sentence. */
#define CONFIG_MAX_QUERY 64

typedef struct {
    int line; /* 0: about the whole file */
    int seq;  /* keeps equal lines in the order found */
    char *msg;
} Warning;

typedef struct {
    const char *path;
    Warning *w;
    int n, cap;
    bool oom;
} Warnings;

static void warn(Warnings *ws, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn(Warnings *ws, int line, const char *fmt, ...)
{
    if (ws->oom) return;
    if (ws->n == ws->cap) {
        int cap = ws->cap ? 2 * ws->cap : 16;
        Warning *w = realloc(ws->w, (size_t)cap * sizeof *w);
        if (!w) {
            ws->oom = true;
            return;
        }
        ws->w = w;
        ws->cap = cap;
    }
    char body[512], where[64] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (line > 0) snprintf(where, sizeof where, ":%d", line);
    size_t len = strlen(ws->path) + strlen(where) + strlen(body) + 3;
    char *msg = malloc(len);
    if (!msg) {
        ws->oom = true;
        return;
    }
    snprintf(msg, len, "%s%s: %s", ws->path, where, body);
    ws->w[ws->n] = (Warning){line, ws->n, msg};
    ws->n++;
}

static int by_line(const void *a, const void *b)
{
    const Warning *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the warnings, in line order and at most CONFIG_MAX_WARNINGS of them,
 * into cfg. */
static void warnings_finish(Warnings *ws, Config *cfg)
{
    if (ws->n == 0 && !ws->oom) return;
    qsort(ws->w, (size_t)ws->n, sizeof *ws->w, by_line);
    int keep = ws->n < CONFIG_MAX_WARNINGS ? ws->n : CONFIG_MAX_WARNINGS;
    bool more = ws->n > keep || ws->oom;
    cfg->warnings = calloc((size_t)keep + (more ? 1 : 0), sizeof *cfg->warnings);
    if (cfg->warnings) {
        for (int i = 0; i < keep; i++) cfg->warnings[i] = ws->w[i].msg, ws->w[i].msg = NULL;
        cfg->n_warnings = keep;
        if (more) {
            char msg[64];
            snprintf(msg, sizeof msg, ": further problems were not listed");
            size_t len = strlen(ws->path) + strlen(msg) + 1;
            char *m = malloc(len);
            if (m) {
                snprintf(m, len, "%s%s", ws->path, msg);
                cfg->warnings[cfg->n_warnings++] = m;
            }
        }
    }
    for (int i = 0; i < ws->n; i++) free(ws->w[i].msg);
    free(ws->w);
    *ws = (Warnings){0};
}

/* A short, printable rendering of file content for a warning: valid UTF-8
 * passes through, control and invalid bytes become \xNN, and long input is
 * cut with "...".  The terminal showing the warning sees no escape codes. */
static const char *shown(char *out, size_t outlen, const char *s, size_t n)
{
    size_t o = 0, i = 0;
    const size_t room = outlen - 4; /* for "..." and the NUL */
    while (i < n) {
        const unsigned char *u = (const unsigned char *)s + i;
        size_t k = utf8_decode(s + i, n - i, NULL);
        bool plain = k > 1 || (k == 1 && u[0] >= 0x20 && u[0] != 0x7F);
        size_t need = plain ? k : 4;
        if (o + need > room) break;
        if (plain) memcpy(out + o, u, k);
        else snprintf(out + o, 5, "\\x%02X", u[0]);
        o += need;
        i += plain ? k : 1;
    }
    if (i < n) memcpy(out + o, "...", 3), o += 3;
    out[o] = '\0';
    return out;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Trim [*b, *e) of white space. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b)) (*b)++;
    while (*e > *b && is_space((*e)[-1])) (*e)--;
}

/* Copy [b, e) lower-cased into OUT (which holds CONFIG_MAX_LINE + 1). */
static void lower_copy(char *out, const char *b, const char *e)
{
    size_t n = (size_t)(e - b);
    for (size_t i = 0; i < n; i++)
        out[i] = (b[i] >= 'A' && b[i] <= 'Z') ? (char)(b[i] - 'A' + 'a') : b[i];
    out[n] = '\0';
}

typedef struct {
    char *clean;           /* the lines iniparser gets; others blanked */
    size_t clean_len;
    bool changed;          /* clean differs from the file */
    int key_line[N_KEYS];  /* the line of each key's last assignment, or 0 */
} Scan;

/* One pass over the file's lines, as iniparser splits them. */
static int scan_lines(const char *buf, size_t n, Warnings *ws, Scan *sc)
{
    char text[CONFIG_MAX_LINE + 1], name[CONFIG_MAX_LINE + 1], show[96];
    enum { NONE, OURS, OTHER, BROKEN } where = NONE;
    sc->clean = malloc(n + 1);
    if (!sc->clean) return -1;
    size_t p = 0;
    int line = 0;
    while (p < n) {
        const int first = line + 1;
        const size_t start = p;
        size_t tl = 0;
        bool has_nul = false, dangling = false;
        /* Gather a logical line: a line whose last non-blank byte is a
         * backslash continues on the next, the backslash removed. */
        for (;;) {
            const char *nl = memchr(buf + p, '\n', n - p);
            size_t e = nl ? (size_t)(nl - buf) : n;
            line++;
            if (memchr(buf + p, '\0', e - p)) has_nul = true;
            size_t k = e;
            while (k > p && is_space(buf[k - 1])) k--;
            bool more = k > p && buf[k - 1] == '\\';
            size_t take = (more ? k - 1 : k) - p;
            if (tl + take <= CONFIG_MAX_LINE) memcpy(text + tl, buf + p, take);
            tl += take;
            p = nl ? e + 1 : n;
            if (!more || p >= n) {
                /* iniparser drops a continuation with no line after it. */
                dangling = more;
                break;
            }
        }
        const size_t raw = p - start;
        bool keep = false;
        if (has_nul) {
            warn(ws, first, "line holds a NUL byte (ignored)");
        } else if (dangling) {
            warn(ws, first, "the last line ends in a backslash that continues it onto nothing "
                            "(ignored)");
        } else if (raw > CONFIG_MAX_LINE || tl > CONFIG_MAX_LINE) {
            warn(ws, first, "line is longer than %d bytes (ignored)", CONFIG_MAX_LINE);
        } else {
            const char *b = text, *e = text + tl;
            trim(&b, &e);
            if (b == e || *b == '#' || *b == ';') {
                keep = true; /* blank or comment */
            } else if (*b == '[' && e[-1] == ']') {
                const char *nb = b + 1, *ne = memchr(nb, ']', (size_t)(e - nb));
                trim(&nb, &ne);
                lower_copy(name, nb, ne);
                if (nb == ne || memchr(nb, ':', (size_t)(ne - nb))) {
                    /* iniparser files such a section under garbage or under a
                     * prefix of its name: keep its keys away from ours. */
                    warn(ws, first, "bad section name '%s' (section ignored)",
                         shown(show, sizeof show, nb, (size_t)(ne - nb)));
                    where = BROKEN;
                } else if (strcmp(name, SECTION) == 0) {
                    where = OURS;
                    keep = true;
                } else {
                    warn(ws, first, "unknown section '[%s]' (ignored)",
                         shown(show, sizeof show, nb, (size_t)(ne - nb)));
                    where = OTHER;
                }
            } else if (*b != '=' && memchr(b, '=', (size_t)(e - b))) {
                const char *kb = b, *ke = memchr(b, '=', (size_t)(e - b));
                trim(&kb, &ke);
                lower_copy(name, kb, ke);
                const char *k = shown(show, sizeof show, kb, (size_t)(ke - kb));
                if (where == NONE) {
                    warn(ws, first, "key '%s' is outside any section (ignored)", k);
                } else if (where == OURS) {
                    int i = 0;
                    while (i < N_KEYS && strcmp(name, key_names[i])) i++;
                    if (i < N_KEYS) {
                        sc->key_line[i] = first;
                        keep = true;
                    } else {
                        warn(ws, first, "unknown key '%s' (ignored)", k);
                    }
                }
            } else {
                warn(ws, first, "syntax error: '%s' is not a [section], a key = value or a "
                     "comment (ignored)", shown(show, sizeof show, b, (size_t)(e - b)));
            }
        }
        if (keep) {
            memcpy(sc->clean + sc->clean_len, buf + start, raw);
            sc->clean_len += raw;
        } else {
            for (int i = first; i <= line; i++) sc->clean[sc->clean_len++] = '\n';
            sc->changed = true;
        }
    }
    sc->clean[sc->clean_len] = '\0';
    return 0;
}

/* iniparser's errors are process-wide callbacks without a context pointer; a
 * thread-local slot takes them for the load in progress on this thread. */
static _Thread_local char *ini_message;
static _Thread_local size_t ini_message_len;

static int ini_capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ini_capture(const char *fmt, ...)
{
    if (ini_message && ini_message_len && !ini_message[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ini_message, ini_message_len, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* Parse the cleaned text with iniparser, which reads only named files: an
 * anonymous in-memory file serves.  Falls back to the file itself when that
 * is unavailable (no memfd or no /proc) and the cleaning changed nothing. */
static dictionary *ini_parse(const char *path, const Scan *sc, char *msg, size_t msglen)
{
    dictionary *d = NULL;
    msg[0] = '\0';
    ini_message = msg;
    ini_message_len = msglen;
    iniparser_set_error_callback(ini_capture);
    int fd = memfd_create("attnscope-config", MFD_CLOEXEC);
    if (fd >= 0) {
        size_t off = 0;
        while (off < sc->clean_len) {
            ssize_t w = write(fd, sc->clean + off, sc->clean_len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            off += (size_t)w;
        }
        if (off == sc->clean_len) {
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            d = iniparser_load(proc);
        }
        close(fd);
    }
    if (!d && !sc->changed) {
        msg[0] = '\0';
        d = iniparser_load(path);
    }
    iniparser_set_error_callback(NULL);
    ini_message = NULL;
    ini_message_len = 0;
    return d;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *out = true, true;
        if (strcasecmp(s, no[i]) == 0) return *out = false, true;
    }
    return false;
}

/* A count from 0: digits only, at most 9 of them (no sign, no spaces). */
static bool parse_count(const char *s, int *out)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 9 || s[n]) return false;
    *out = atoi(s);
    return true;
}

/* Take the values from the parsed dictionary, warning about bad ones. */
static int apply_values(Config *cfg, dictionary *d, const Scan *sc, Warnings *ws)
{
    char show[96];
    for (int i = 0; i < N_KEYS; i++) {
        char key[32];
        snprintf(key, sizeof key, SECTION ":%s", key_names[i]);
        const char *v = iniparser_getstring(d, key, NULL);
        if (!v) continue;
        const int line = sc->key_line[i];
        const size_t len = strlen(v);
        const char *s = shown(show, sizeof show, v, len);
        switch (i) {
        case KEY_MODEL:
        case KEY_TEXT: {
            char **dst = i == KEY_MODEL ? &cfg->model : &cfg->text;
            if (len == 0) {
                warn(ws, line, "%s: empty value (ignored)", key_names[i]);
            } else if (i == KEY_TEXT && len > CONFIG_MAX_TEXT) {
                warn(ws, line, "text: %zu bytes is longer than %d (ignored)", len, CONFIG_MAX_TEXT);
            } else if (i == KEY_TEXT && !utf8_valid(v, len)) {
                warn(ws, line, "text: '%s' is not valid UTF-8 (ignored)", s);
            } else {
                char *copy = strdup(v);
                if (!copy) return -1;
                free(*dst);
                *dst = copy;
            }
            break;
        }
        case KEY_PALETTE:
            if (config_parse_palette(v, &cfg->palette))
                warn(ws, line, "palette: '%s' is not one of auto, truecolor, 256, 8, mono, ascii "
                     "(using %s)", s, config_palette_name(cfg->palette));
            break;
        case KEY_VALUES:
            if (!parse_bool(v, &cfg->show_values))
                warn(ws, line, "values: '%s' is not one of true, false, yes, no, on, off, 1, 0 "
                     "(using %s)", s, cfg->show_values ? "true" : "false");
            break;
        case KEY_LAYER:
        case KEY_HEAD: {
            bool *have = i == KEY_LAYER ? &cfg->have_layer : &cfg->have_head;
            int *dst = i == KEY_LAYER ? &cfg->layer : &cfg->head;
            if (parse_count(v, dst)) *have = true;
            else warn(ws, line, "%s: '%s' is not a number from 0 (ignored)", key_names[i], s);
            break;
        }
        case KEY_QUERY:
            if (len == 0 || len > CONFIG_MAX_QUERY || !utf8_valid(v, len)) {
                warn(ws, line, "query: '%s' is not a token number or a word of at most %d "
                     "bytes (ignored)", s, CONFIG_MAX_QUERY);
            } else {
                char *copy = strdup(v);
                if (!copy) return -1;
                free(cfg->query);
                cfg->query = copy;
            }
            break;
        }
    }
    return 0;
}

/* Read all of PATH (a regular file of at most CONFIG_MAX_BYTES).  Returns 0,
 * 1 when it does not exist, or -1 with a message in ERR. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO named by mistake must not hang the open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return 1;
        error_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    struct stat st;
    if (fstat(fd, &st)) {
        error_set(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        error_set(err, errlen, "%s: not a regular file", path);
        goto fail;
    }
    if (st.st_size > (off_t)CONFIG_MAX_BYTES) {
        error_set(err, errlen, "%s: %lld bytes is larger than the 1 MiB a config file may be",
                  path, (long long)st.st_size);
        goto fail;
    }
    /* Read to the limit, not to st_size: the file may be growing. */
    buf = malloc(CONFIG_MAX_BYTES + 1);
    if (!buf) {
        error_set(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, CONFIG_MAX_BYTES + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            error_set(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > CONFIG_MAX_BYTES) {
            error_set(err, errlen, "%s: larger than the 1 MiB a config file may be", path);
            goto fail;
        }
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}

int config_load(Config *cfg, const char *path, bool required, char *err, size_t errlen)
{
    *cfg = (Config){0};
    if (!path || !*path) {
        if (!required) return 0;
        error_set(err, errlen, "no config file named");
        return -1;
    }
    char *buf = NULL;
    size_t n = 0;
    int r = read_file(path, &buf, &n, err, errlen);
    if (r == 1) {
        if (!required) return 0;
        error_set(err, errlen, "%s: cannot open: %s", path, strerror(ENOENT));
        return -1;
    }
    if (r) return -1;

    Warnings ws = {.path = path};
    Scan sc = {0};
    dictionary *d = NULL;
    if (scan_lines(buf, n, &ws, &sc)) goto oom;
    char msg[256];
    d = ini_parse(path, &sc, msg, sizeof msg);
    if (msg[0]) {
        /* The scan should leave iniparser nothing to object to; if it did,
         * say what it said, on one line. */
        msg[strcspn(msg, "\n")] = '\0';
        warn(&ws, 0, "%s", msg);
    }
    if (!d) warn(&ws, 0, "iniparser could not read the file (settings ignored)");
    else if (apply_values(cfg, d, &sc, &ws)) goto oom;
    iniparser_freedict(d);
    free(sc.clean);
    free(buf);
    warnings_finish(&ws, cfg);
    return 0;
oom:
    iniparser_freedict(d);
    free(sc.clean);
    free(buf);
    warnings_finish(&ws, cfg);
    config_free(cfg);
    error_set(err, errlen, "%s: out of memory", path);
    return -1;
}

void config_free(Config *cfg)
{
    if (!cfg) return;
    free(cfg->model);
    free(cfg->text);
    free(cfg->query);
    for (int i = 0; i < cfg->n_warnings; i++) free(cfg->warnings[i]);
    free(cfg->warnings);
    *cfg = (Config){0};
}

const char *config_default_path(char *buf, size_t len)
{
    if (!buf || !len) return NULL;
    /* The XDG spec: an empty or relative XDG_CONFIG_HOME is to be ignored. */
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int k;
    if (xdg && xdg[0] == '/')
        k = snprintf(buf, len, "%s/attnscope/config.ini", xdg);
    else if (home && *home)
        k = snprintf(buf, len, "%s/.config/attnscope/config.ini", home);
    else
        return NULL;
    return k >= 0 && (size_t)k < len ? buf : NULL; /* never a truncated path */
}

int config_parse_palette(const char *s, Palette *out)
{
    for (int i = 0; s && i < N_PALETTES; i++) {
        if (strcasecmp(s, palette_names[i]) == 0) {
            *out = (Palette)i;
            return 0;
        }
    }
    return -1;
}

const char *config_palette_name(Palette p)
{
    return (int)p >= 0 && (int)p < N_PALETTES ? palette_names[p] : "unknown";
}
