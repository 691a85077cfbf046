/*
 * test_export.c - the CSV and SVG exports of one head, read back: every
 * weight at its own row (query) and column (key), the labels in order along
 * both axes, the colour ramp's direction (the explorer's: dark for 0, bright
 * for 1), the axes' names and the legend, quoting and escaping of awkward
 * pieces (separators, markup, invalid UTF-8), and -1 when writing fails.
 * The matrix is neither symmetric nor causal, so a transposition or a shift
 * by one changes what is read back.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "tap.h"
#include "utf8.h"

#define N 4    /* the main matrix: (N, N) */
#define MAXN 8 /* the largest matrix the readers below take apart */
#define BIG 64 /* large enough to overflow stdio's buffer */

/* U+FFFD as UTF-8, for the expected text of invalid bytes. */
#define REPL "\xEF\xBF\xBD"

/* Distinct weights, (10i + j + 1) / 41: a[i][j] != a[j][i] off the
 * diagonal, and a denominator that needs all six printed digits. */
static void fill_matrix(float *a, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) a[i * n + j] = (float)(i * 10 + j + 1) / 41.0f;
}

/* One export written to memory: the text (malloc'd, NUL-terminated, or NULL
 * when the stream failed) and the export's return value in *RC. */
static char *capture(bool svg, const char *title, const char *const *labels, int n, const float *a,
                     int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *rc = -2;
    if (!f) return NULL;
    *rc = svg ? export_svg(f, title, labels, n, a) : export_csv(f, labels, n, a);
    if (fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* %.6g keeps six significant digits: half a unit in the sixth. */
static bool near_printed(double got, double want)
{
    return fabs(got - want) <= 5e-6 * fabs(want) + 1e-12;
}

/* A whole string as a number, or NAN when anything else is in it. */
static double number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == 0 ? v : NAN;
}

/* TEXT (its first MAX bytes) on one line for diag(): controls and bytes
 * above 0x7e as \xNN, so a line break cannot end the TAP comment. */
static const char *shown(const char *text, size_t max)
{
    static char bufs[2][1024]; /* two per diag() */
    static int turn;
    char *buf = bufs[turn++ & 1];
    size_t o = 0;
    for (size_t i = 0; text && text[i] && i < max && o + 5 < sizeof bufs[0]; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f) buf[o++] = (char)c;
        else o += (size_t)snprintf(buf + o, sizeof bufs[0] - o, "\\x%02x", c);
    }
    buf[o] = 0;
    return text ? buf : "(none)";
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct {
    int rows;
    int cols[MAXN + 1];
    char *f[MAXN + 1][MAXN + 1]; /* unquoted field text */
} Csv;

static void csv_free(Csv *c)
{
    for (int r = 0; r <= MAXN; r++)
        for (int k = 0; k <= MAXN; k++) free(c->f[r][k]);
    memset(c, 0, sizeof *c);
}

/* RFC 4180, strictly: a quoted field doubles its quotes and may hold
 * separators and line breaks; a bare field holds no quote and no CR; every
 * record ends with \n.  0, or -1 on text a CSV reader would misread. */
static int csv_parse(const char *s, Csv *c)
{
    memset(c, 0, sizeof *c);
    if (!s) return -1;
    while (*s) {
        if (c->rows > MAXN) return -1;
        int r = c->rows++;
        for (;;) {
            if (c->cols[r] > MAXN) return -1;
            char *o = malloc(strlen(s) + 1);
            if (!o) return -1;
            c->f[r][c->cols[r]++] = o;
            if (*s == '"') {
                for (s++;; s++) {
                    if (!*s) return -1;
                    if (*s == '"') {
                        if (s[1] != '"') break;
                        s++;
                    }
                    *o++ = *s;
                }
                s++;
            } else {
                for (; *s && *s != ',' && *s != '\n'; s++) {
                    if (*s == '"' || *s == '\r') return -1;
                    *o++ = *s;
                }
            }
            *o = 0;
            if (*s == ',') {
                s++;
                continue;
            }
            if (*s == '\n') {
                s++;
                break;
            }
            return -1; /* text after a closing quote, or no final line break */
        }
    }
    return 0;
}

static void test_csv_values(const float *a)
{
    const char *labels[N] = {"The", " cat", " sat", "."};
    int rc;
    char *text = capture(false, NULL, labels, N, a, &rc);
    is_int(rc, 0, "csv: returns 0 on success");
    Csv c;
    bool good = csv_parse(text, &c) == 0 && c.rows == N + 1;
    for (int r = 0; good && r <= N; r++) good = c.cols[r] == N + 1;
    ok(good, "csv: parses as %d records of %d fields", N + 1, N + 1);
    if (!good) diag("text: %s", shown(text, 400));

    int bad = 0;
    for (int j = 0; good && j < N; j++)
        if (strcmp(c.f[0][1 + j], labels[j])) {
            if (!bad++)
                diag("header field %d: \"%s\", want \"%s\"", 1 + j, shown(c.f[0][1 + j], 100),
                     shown(labels[j], 100));
        }
    ok(good && !bad && strcmp(c.f[0][0], "query\\key") == 0,
       "csv: header is query\\key then the key labels in order");

    bad = 0;
    for (int i = 0; good && i < N; i++)
        if (strcmp(c.f[1 + i][0], labels[i])) {
            if (!bad++)
                diag("row %d starts \"%s\", want \"%s\"", i, shown(c.f[1 + i][0], 100),
                     shown(labels[i], 100));
        }
    ok(good && !bad, "csv: first column is the query labels in order");

    bad = 0;
    for (int i = 0; good && i < N; i++)
        for (int j = 0; j < N; j++) {
            double v = number(c.f[1 + i][1 + j]);
            if (!near_printed(v, a[i * N + j]) && !bad++)
                diag("cell (%d,%d) reads \"%s\", want %.6g", i, j, shown(c.f[1 + i][1 + j], 40),
                     a[i * N + j]);
        }
    ok(good && !bad, "csv: every cell (row i = query, column j = key) is a[i*n+j]");
    csv_free(&c);
    free(text);
}

static void test_csv_awkward_labels(void)
{
    /* A separator, quotes, a line break, a CR and bytes that are not UTF-8
     * (a stray 0xFF; 0xC3 opening a sequence that '(' does not continue). */
    const char *labels[6] = {"plain", "a,b", "say \"hi\"", "x\ny", "cr\rlf", "bad\xff\xc3(byte"};
    const char *want[6] = {"plain", "a,b", "say \"hi\"", "x\ny", "cr\rlf", "bad" REPL REPL "(byte"};
    float a[36] = {0};
    int rc;
    char *text = capture(false, NULL, labels, 6, a, &rc);
    is_int(rc, 0, "csv awkward labels: returns 0");
    ok(text && utf8_valid(text, strlen(text)),
       "csv awkward labels: output is valid UTF-8 (invalid bytes become U+FFFD)");

    /* Quoted only when needed, quotes doubled, the bytes otherwise as given. */
    const char *header = "query\\key,plain,\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"cr\rlf\","
                         "bad" REPL REPL "(byte\n";
    bool same = text && strncmp(text, header, strlen(header)) == 0;
    ok(same, "csv awkward labels: header row written exactly (quoted only when needed)");
    if (!same) diag("got: %s", shown(text, strlen(header)));

    Csv c;
    bool good = csv_parse(text, &c) == 0 && c.rows == 7;
    int bad = 0;
    for (int k = 0; good && k < 6; k++) {
        if (c.cols[0] != 7 || c.cols[1 + k] != 7 || strcmp(c.f[0][1 + k], want[k]) ||
            strcmp(c.f[1 + k][0], want[k]))
            bad++;
    }
    ok(good && !bad, "csv awkward labels: every label reads back by the CSV rules, in both places");
    csv_free(&c);
    free(text);
}

static void test_csv_one(void)
{
    const char *labels[1] = {"tok"};
    float a = 1.0f / 3;
    int rc;
    char *text = capture(false, NULL, labels, 1, &a, &rc);
    /* Six significant digits: what the explorer's users see in a spreadsheet. */
    ok(rc == 0 && text && strcmp(text, "query\\key,tok\ntok,0.333333\n") == 0,
       "csv n=1: exactly the header, one row, the weight to six digits");
    if (text && strcmp(text, "query\\key,tok\ntok,0.333333\n"))
        diag("got \"%s\"", shown(text, 100));
    free(text);
}

/* ---- SVG ---------------------------------------------------------------- */

/* At P, one of XML's predefined entities. */
static bool entity_at(const char *p)
{
    static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++)
        if (strncmp(p, ents[k], strlen(ents[k])) == 0) return true;
    return false;
}

/* Well-formed enough for a browser and xmllint: valid UTF-8 without the
 * control characters XML 1.0 forbids, one root <svg>, tags that nest and
 * close, quoted attributes, and no raw '<' or stray '&' in attribute values
 * or text.  NULL, or what is wrong. */
static const char *xml_problem(const char *s)
{
    static const char name_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:";
    char stack[16][16];
    int depth = 0, roots = 0;
    if (!utf8_valid(s, strlen(s))) return "not valid UTF-8";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && !strchr("\t\n\r", *p)) return "a control character";
    if (strncmp(s, "<?xml", 5) == 0) {
        s = strstr(s, "?>");
        if (!s) return "an unterminated <?xml";
        s += 2;
    }
    while (*s) {
        if (*s == '&') {
            if (!entity_at(s)) return "a bare & in text";
            s++;
            continue;
        }
        if (*s != '<') {
            if (!depth && !strchr(" \t\r\n", *s)) return "text outside the root element";
            s++;
            continue;
        }
        if (s[1] == '/') {
            s += 2;
            size_t k = strcspn(s, ">");
            if (!depth || s[k] != '>' || strlen(stack[depth - 1]) != k ||
                strncmp(s, stack[depth - 1], k))
                return "a closing tag that matches no open one";
            depth--;
            s += k + 1;
            continue;
        }
        s++;
        size_t k = strspn(s, name_chars);
        if (k == 0 || k >= sizeof stack[0]) return "a bad tag name";
        if (!depth && (roots++ || k != 3 || strncmp(s, "svg", 3)))
            return "a root other than one <svg>";
        if (depth == 16) return "nesting too deep";
        memcpy(stack[depth], s, k);
        stack[depth][k] = 0;
        s += k;
        for (;;) {
            size_t sp = strspn(s, " \t\r\n");
            s += sp;
            if (*s == '>') {
                depth++;
                s++;
                break;
            }
            if (s[0] == '/' && s[1] == '>') {
                s += 2;
                break;
            }
            size_t an = strspn(s, name_chars);
            if (!sp || !an) return "a malformed attribute";
            s += an;
            if (s[0] != '=' || s[1] != '"') return "an attribute without a quoted value";
            for (s += 2; *s != '"'; s++) {
                if (!*s || *s == '<') return "a raw '<' (or the end) in an attribute value";
                if (*s == '&' && !entity_at(s)) return "a bare & in an attribute value";
            }
            s++;
        }
    }
    if (depth) return "elements left open";
    if (!roots) return "no root element";
    return NULL;
}

typedef struct {
    int x, y, w, h;
    unsigned rgb;
    int ti, tj;   /* the row and column the title names */
    double v;     /* the weight the title shows */
    int row, col; /* where the geometry puts it */
} Cell;

typedef struct {
    int width, height;     /* of the root <svg> */
    int ncells, bad_cells; /* rects with a <title>; those that did not parse */
    Cell cell[MAXN * MAXN];
    int ncolx, nrowy; /* distinct cell x and y, sorted */
    int colx[MAXN * MAXN], rowy[MAXN * MAXN];
    int ncollab[MAXN], nrowlab[MAXN];
    char *collab[MAXN], *rowlab[MAXN]; /* the (raw, escaped) text of each */
    int nother;
    char *other[4]; /* texts beside neither axis: the title */
    /* Texts of class "axis" and "legend", and the legend's rects, apart
     * from the labels whatever their place. */
    int naxis, nlegend, nswatch;
    char *axis[4], *legend[4];
    int axis_x[4], axis_y[4], legend_x[4];
    int swatch_x[32];
    unsigned swatch_rgb[32];
} Svg;

static void svg_free(Svg *s)
{
    for (int k = 0; k < MAXN; k++) free(s->collab[k]), free(s->rowlab[k]);
    for (int k = 0; k < 4; k++) free(s->other[k]), free(s->axis[k]), free(s->legend[k]);
    memset(s, 0, sizeof *s);
}

/* The start tag at P (up to its '>') copied into TAG; NULL if too long. */
static const char *tag_at(const char *p, char *tag, size_t size)
{
    const char *end = strchr(p, '>');
    if (!end || (size_t)(end - p + 1) >= size) return NULL;
    memcpy(tag, p, (size_t)(end - p + 1));
    tag[end - p + 1] = 0;
    return end + 1;
}

/* Attribute NAME="integer" in TAG; false when absent or not an integer. */
static bool attr_int(const char *tag, const char *name, int *v)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(tag, key);
    char *end;
    if (!p) return false;
    p += strlen(key);
    long l = strtol(p, &end, 10);
    if (end == p || *end != '"') return false;
    *v = (int)l;
    return true;
}

static void insert_sorted(int *v, int *n, int x)
{
    int k = 0;
    while (k < *n && v[k] < x) k++;
    if (k < *n && v[k] == x) return;
    memmove(v + k + 1, v + k, (size_t)(*n - k) * sizeof *v);
    v[k] = x;
    (*n)++;
}

static int index_of(const int *v, int n, int x)
{
    for (int k = 0; k < n; k++)
        if (v[k] == x) return k;
    return -1;
}

/* Take the SVG apart: the cells with their geometry, fill and title; the
 * grid they form; and each <text> placed by its position against the grid
 * (above a column, left of a row, or elsewhere). */
static void svg_read(const char *svg, Svg *s)
{
    char tag[512];
    memset(s, 0, sizeof *s);
    if (!svg) return;
    const char *root = strstr(svg, "<svg");
    if (!root || !tag_at(root, tag, sizeof tag) || !attr_int(tag, "width", &s->width) ||
        !attr_int(tag, "height", &s->height))
        s->width = s->height = -1;

    for (const char *p = strstr(svg, "<rect"); p; p = strstr(p + 1, "<rect")) {
        const char *after = tag_at(p, tag, sizeof tag);
        const char *fill = after ? strstr(tag, " fill=\"#") : NULL;
        if (after && strstr(tag, " class=\"legend\"") && fill && s->nswatch < 32 &&
            attr_int(tag, "x", &s->swatch_x[s->nswatch])) {
            s->swatch_rgb[s->nswatch++] = (unsigned)strtoul(fill + 8, NULL, 16);
            continue;
        }
        if (!after || strstr(tag, "/>")) continue; /* no title: the background */
        if (s->ncells == MAXN * MAXN) {
            s->bad_cells++;
            continue;
        }
        Cell *c = &s->cell[s->ncells];
        const char *f = strstr(tag, " fill=\"#");
        char *end;
        bool good = attr_int(tag, "x", &c->x) && attr_int(tag, "y", &c->y) &&
                    attr_int(tag, "width", &c->w) && attr_int(tag, "height", &c->h) && f &&
                    strncmp(after, "<title>", 7) == 0;
        if (good) {
            c->rgb = (unsigned)strtoul(f + 8, &end, 16);
            good = end == f + 14 && *end == '"';
        }
        if (good) {
            int used = 0;
            good = sscanf(after + 7, "%d,%d: %n", &c->ti, &c->tj, &used) == 2 && used > 0;
            if (good) {
                c->v = strtod(after + 7 + used, &end);
                good = strncmp(end, "</title></rect>", 15) == 0;
            }
        }
        if (!good) {
            s->bad_cells++;
            continue;
        }
        insert_sorted(s->colx, &s->ncolx, c->x);
        insert_sorted(s->rowy, &s->nrowy, c->y);
        s->ncells++;
    }
    for (int k = 0; k < s->ncells; k++) {
        s->cell[k].col = index_of(s->colx, s->ncolx, s->cell[k].x);
        s->cell[k].row = index_of(s->rowy, s->nrowy, s->cell[k].y);
    }
    if (!s->ncells) return;
    int w = s->cell[0].w, h = s->cell[0].h, left = s->colx[0], top = s->rowy[0];

    for (const char *p = strstr(svg, "<text"); p; p = strstr(p + 1, "<text")) {
        const char *after = tag_at(p, tag, sizeof tag);
        const char *close = after ? strstr(after, "</text>") : NULL;
        if (!close) continue;
        int x = 0, y = 0;
        const char *tr = strstr(tag, "translate(");
        if (tr ? sscanf(tr, "translate(%d,%d)", &x, &y) != 2
               : !attr_int(tag, "x", &x) || !attr_int(tag, "y", &y))
            continue;
        char *text = strndup(after, (size_t)(close - after));
        if (strstr(tag, " class=\"axis\"") && s->naxis < 4) {
            s->axis_x[s->naxis] = x, s->axis_y[s->naxis] = y;
            s->axis[s->naxis++] = text;
            continue;
        }
        if (strstr(tag, " class=\"legend\"") && s->nlegend < 4) {
            s->legend_x[s->nlegend] = x;
            s->legend[s->nlegend++] = text;
            continue;
        }
        int col = -1, row = -1;
        for (int k = 0; k < s->ncolx && k < MAXN; k++)
            if (y <= top && x >= s->colx[k] && x < s->colx[k] + w) col = k;
        for (int k = 0; k < s->nrowy && k < MAXN; k++)
            if (x <= left && y > s->rowy[k] && y <= s->rowy[k] + h) row = k;
        if (col >= 0 && !s->ncollab[col]++) s->collab[col] = text;
        else if (row >= 0 && !s->nrowlab[row]++) s->rowlab[row] = text;
        else if (col < 0 && row < 0 && s->nother < 4) s->other[s->nother++] = text;
        else free(text);
    }
}

/* The n labels along each axis, one per column and per row, equal WANT. */
static bool axis_labels(const Svg *s, bool columns, const char *const *want, int n)
{
    for (int k = 0; k < n; k++) {
        int count = columns ? s->ncollab[k] : s->nrowlab[k];
        const char *got = columns ? s->collab[k] : s->rowlab[k];
        if (count != 1 || strcmp(got, want[k])) {
            diag("%s %d: %d label(s), \"%s\", want \"%s\"", columns ? "column" : "row", k, count,
                 shown(got, 100), shown(want[k], 100));
            return false;
        }
    }
    return true;
}

static int luma(unsigned rgb)
{
    return 299 * (int)(rgb >> 16) + 587 * (int)(rgb >> 8 & 0xff) + 114 * (int)(rgb & 0xff);
}

/* The rgb of the cell at (ROW, COL), or ~0u. */
static unsigned fill_at(const Svg *s, int row, int col)
{
    for (int k = 0; k < s->ncells; k++)
        if (s->cell[k].row == row && s->cell[k].col == col) return s->cell[k].rgb;
    return ~0u;
}

static void test_svg_values(const float *a)
{
    const char *labels[N] = {"The", " cat", " sat", "."};
    int rc;
    char *text = capture(true, "stories: layer 2, head 1", labels, N, a, &rc);
    is_int(rc, 0, "svg: returns 0 on success");
    size_t len = text ? strlen(text) : 0;
    ok(text && (strncmp(text, "<?xml", 5) == 0 || strncmp(text, "<svg", 4) == 0) && len >= 7 &&
           strcmp(text + len - 7, "</svg>\n") == 0,
       "svg: opens with <?xml or <svg and ends with </svg>");
    const char *why = text ? xml_problem(text) : "no output";
    ok(!why, "svg: well-formed (tags nest, attributes quoted, entities only)");
    if (why) diag("%s", why);

    Svg s;
    svg_read(text, &s);
    is_int(s.ncells, N * N, "svg: n*n cells (rects with a title)");
    ok(!s.bad_cells,
       "svg: every cell has x, y, width, height, a #rrggbb fill and a \"i,j: w\" title");

    /* The cells tile an n x n grid of equal squares inside the picture. */
    bool grid = s.ncells == N * N && s.ncolx == N && s.nrowy == N;
    for (int k = 0; grid && k < s.ncells; k++) {
        const Cell *c = &s.cell[k];
        grid = c->w > 0 && c->w == s.cell[0].w && c->h == s.cell[0].h &&
               c->x == s.colx[0] + c->col * c->w && c->y == s.rowy[0] + c->row * c->h &&
               c->x + c->w <= s.width && c->y + c->h <= s.height;
        for (int m = 0; grid && m < k; m++)
            grid = s.cell[m].row != c->row || s.cell[m].col != c->col;
    }
    ok(grid, "svg: the cells tile an n x n grid of equal, adjacent cells inside width x height");

    int bad_name = 0, bad_value = 0;
    for (int k = 0; k < s.ncells; k++) {
        const Cell *c = &s.cell[k];
        if ((c->ti != c->row || c->tj != c->col) && !bad_name++)
            diag("the cell at row %d, column %d is titled %d,%d", c->row, c->col, c->ti, c->tj);
        if (c->row >= 0 && c->row < N && c->col >= 0 && c->col < N &&
            near_printed(c->v, a[c->row * N + c->col]))
            continue;
        if (!bad_value++)
            diag("the cell at row %d (y %d), column %d (x %d) shows %.6g", c->row, c->y, c->col,
                 c->x, c->v);
    }
    ok(s.ncells && !bad_name, "svg: each title names the cell's own row (y) and column (x)");
    ok(s.ncells && !bad_value,
       "svg: the cell at row i (query, y) and column j (key, x) shows a[i*n+j]");

    /* As on screen, 0 is dark and the ramp brightens with the weight:
     * ordered by the weight expected at each position, the fills never get
     * darker. */
    int order[N * N], inversions = 0;
    for (int k = 0; k < N * N; k++) order[k] = k;
    for (int k = 1; k < N * N; k++)
        for (int m = k; m > 0 && a[order[m - 1]] > a[order[m]]; m--) {
            int t = order[m];
            order[m] = order[m - 1], order[m - 1] = t;
        }
    for (int k = 1; k < N * N; k++) {
        unsigned lo = fill_at(&s, order[k - 1] / N, order[k - 1] % N);
        unsigned hi = fill_at(&s, order[k] / N, order[k] % N);
        if (lo == ~0u || hi == ~0u || luma(hi) < luma(lo)) {
            if (!inversions++)
                diag("weight %.3g is #%06x, darker than #%06x for weight %.3g", a[order[k]], hi,
                     lo, a[order[k - 1]]);
        }
    }
    unsigned darkest = fill_at(&s, order[0] / N, order[0] % N);
    unsigned lightest = fill_at(&s, order[N * N - 1] / N, order[N * N - 1] % N);
    ok(s.ncells == N * N && !inversions && luma(darkest) < luma(lightest),
       "svg: the fill brightens monotonically with the weight at that position");

    ok(s.ncells && axis_labels(&s, true, labels, N),
       "svg: one label above each column (x), the key labels in order");
    ok(s.ncells && axis_labels(&s, false, labels, N),
       "svg: one label left of each row (y), the query labels in order");
    ok(s.nother == 1 && strcmp(s.other[0], "stories: layer 2, head 1") == 0,
       "svg: the title is the one other text");

    /* The axes' names: "key" over the columns, "query" beside the rows. */
    int left = s.ncells ? s.colx[0] : 0, top = s.ncells ? s.rowy[0] : 0;
    int right = left + N * (s.ncells ? s.cell[0].w : 0), bottom = top + N * (s.ncells ? s.cell[0].h : 0);
    int key = -1, query = -1;
    for (int k = 0; k < s.naxis; k++) {
        if (strcmp(s.axis[k], "key") == 0) key = key < 0 ? k : -2;
        if (strcmp(s.axis[k], "query") == 0) query = query < 0 ? k : -2;
    }
    ok(s.naxis == 2 && key >= 0 && s.axis_y[key] < top && s.axis_x[key] >= left &&
           s.axis_x[key] <= right,
       "svg: one \"key\" over the columns");
    ok(s.naxis == 2 && query >= 0 && s.axis_x[query] < left && s.axis_y[query] >= top &&
           s.axis_y[query] <= bottom && strstr(text, "rotate(-90)\" text-anchor=\"middle\" "
                                                     "font-weight=\"bold\">query<"),
       "svg: one \"query\" left of the rows, turned up the side");
    svg_free(&s);
    free(text);
}

/* The legend: the scale from "0" to "1", left to right, in swatches that
 * brighten steadily from the colour of weight 0 to that of weight 1. */
static void test_svg_legend(void)
{
    const char *labels[2] = {"a", "b"};
    float a[4] = {0, 1, 0.5f, 0.25f};
    int rc;
    char *text = capture(true, "t", labels, 2, a, &rc);
    Svg s;
    svg_read(text, &s);
    int zero = -1, one = -1;
    for (int k = 0; k < s.nlegend; k++) {
        if (strcmp(s.legend[k], "0") == 0) zero = k;
        if (strcmp(s.legend[k], "1") == 0) one = k;
    }
    ok(rc == 0 && zero >= 0 && one >= 0 && s.legend_x[zero] < s.legend_x[one],
       "svg legend: \"0\" left of \"1\"");
    int dim = 0;
    for (int k = 1; k < s.nswatch; k++)
        if (s.swatch_x[k] <= s.swatch_x[k - 1] || luma(s.swatch_rgb[k]) <= luma(s.swatch_rgb[k - 1]))
            dim++;
    ok(s.nswatch >= 9 && !dim && zero >= 0 && one >= 0 && s.legend_x[zero] <= s.swatch_x[0] &&
           s.legend_x[one] > s.swatch_x[s.nswatch - 1],
       "svg legend: 9 or more swatches between 0 and 1, each brighter than the last (saw %d)",
       s.nswatch);
    ok(s.nswatch && s.swatch_rgb[0] == fill_at(&s, 0, 0) &&
           s.swatch_rgb[s.nswatch - 1] == fill_at(&s, 0, 1),
       "svg legend: its ends are the colours of weights 0 and 1 in the cells");
    svg_free(&s);
    free(text);
}

static void test_svg_colours(void)
{
    /* Row 0: the ends of the scale; row 1: beyond them. */
    const char *labels[2] = {"a", "b"};
    float a[4] = {0, 1, -0.5f, 1.5f};
    int rc;
    char *text = capture(true, "t", labels, 2, a, &rc);
    Svg s;
    svg_read(text, &s);
    unsigned zero = fill_at(&s, 0, 0), one = fill_at(&s, 0, 1);
    /* The explorer's scale: a dark terminal's black for 0, the last stop of
     * the magma-like ramp (theme.c, export.h) for 1. */
    ok(rc == 0 && s.ncells == 4 && zero == 0x000000 && one == 0xfcfdbf,
       "svg colours: weight 0 is black, weight 1 the ramp's brightest (#fcfdbf), as on screen");
    ok(s.ncells == 4 && fill_at(&s, 1, 0) == zero && fill_at(&s, 1, 1) == one,
       "svg colours: weights below 0 and above 1 take the ends of the scale");
    svg_free(&s);
    free(text);
}

static void test_svg_escaping(const float *a)
{
    /* Markup, quotes, a control character, a stray byte and a broken
     * sequence; a tab is allowed in XML text and stays. */
    const char *title = "L<0> & \"H\" \xff\x01 end";
    const char *labels[N] = {"<s>", "a&b", "\"q\"", "x\xc3(\t"};
    const char *want_title = "L&lt;0&gt; &amp; &quot;H&quot; " REPL REPL " end";
    const char *want[N] = {"&lt;s&gt;", "a&amp;b", "&quot;q&quot;", "x" REPL "(\t"};
    int rc;
    char *text = capture(true, title, labels, N, a, &rc);
    is_int(rc, 0, "svg escaping: returns 0");
    const char *why = text ? xml_problem(text) : "no output";
    ok(!why,
       "svg escaping: still well-formed (valid UTF-8, no control characters, markup escaped)");
    if (why) diag("%s", why);
    Svg s;
    svg_read(text, &s);
    ok(s.nother == 1 && strcmp(s.other[0], want_title) == 0,
       "svg escaping: the title is present, escaped, invalid bytes and controls as U+FFFD");
    if (s.nother != 1 || strcmp(s.other[0], want_title))
        diag("%d other text(s), first \"%s\"", s.nother, shown(s.nother ? s.other[0] : "", 200));
    ok(s.ncells == N * N && axis_labels(&s, true, want, N) && axis_labels(&s, false, want, N),
       "svg escaping: labels escaped exactly the same way on both axes");
    svg_free(&s);
    free(text);
}

static void test_svg_one(void)
{
    const char *labels[1] = {"tok"};
    float a = 1.0f / 3;
    int rc;
    char *text = capture(true, "one", labels, 1, &a, &rc);
    Svg s;
    svg_read(text, &s);
    ok(rc == 0 && text && !xml_problem(text) && s.ncells == 1 && s.cell[0].row == 0 &&
           s.cell[0].col == 0 && s.cell[0].ti == 0 && s.cell[0].tj == 0 &&
           s.cell[0].v == 0.333333 && axis_labels(&s, true, labels, 1) &&
           axis_labels(&s, false, labels, 1),
       "svg n=1: one cell titled 0,0: 0.333333, one label on each axis");
    svg_free(&s);
    free(text);
}

/* ---- write failures ----------------------------------------------------- */

/* Export into /dev/full, where every write fails with ENOSPC.  Unbuffered,
 * the first write fails; buffered, the failure shows once the output
 * outgrows the buffer.  Either way ferror() is what export_* reports;
 * smaller buffered output fails only at the caller's fflush/fclose. */
static void test_write_failure(void)
{
    static float big[BIG * BIG];
    static const char *labels[BIG];
    for (int k = 0; k < BIG; k++) labels[k] = "tok";
    fill_matrix(big, BIG);
    for (int k = 0; k < 4; k++) {
        bool svg = k & 1, unbuffered = k < 2;
        int n = unbuffered ? N : BIG;
        const char *what = svg ? "svg" : "csv";
        FILE *f = fopen("/dev/full", "w");
        if (!f) {
            skip("/dev/full cannot be opened");
            continue;
        }
        if (unbuffered) setvbuf(f, NULL, _IONBF, 0);
        int rc = svg ? export_svg(f, "t", labels, n, big) : export_csv(f, labels, n, big);
        fclose(f);
        char name[100];
        if (unbuffered) snprintf(name, sizeof name, "unbuffered /dev/full");
        else snprintf(name, sizeof name, "a %dx%d export outgrowing the buffer on /dev/full", n, n);
        is_int(rc, -1, "%s: -1 when writing fails (%s)", what, name);
    }
}

int main(void)
{
    plan(38);
    float a[N * N];
    fill_matrix(a, N);
    test_csv_values(a);
    test_csv_awkward_labels();
    test_csv_one();
    test_svg_values(a);
    test_svg_colours();
    test_svg_legend();
    test_svg_escaping(a);
    test_svg_one();
    test_write_failure();
    return exit_status();
}
