/* help_view.c - the overlay listing the keys: every mode's rows of
 * keymap_help_all() under its title, the mode it was opened from first.
 * The box takes as much of the terminal as the list needs: one column, or
 * several side by side on a wide terminal; when even that is too small, one
 * column that scrolls (AppState.help_scroll, clamped here and, through
 * ViewPans.help_last, by the loop), with marks in the border saying how
 * many lines are above and below. */
#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "ui_text.h"
#include "views.h"

/* The column descriptions start in, after the longest keys, is at most this. */
#define HELP_KEYS_COLS_MAX 26
/* Columns between two columns of the list. */
#define HELP_GAP 3
/* Lines at most: every row, its description wrapped, and the headings. */
#define HELP_MAX_LINES 256

/* One line of the list: a mode's heading, or a row's keys and (a part of)
 * its description in the descriptions' column, wrapped at spaces onto the
 * lines under it when it does not fit. */
typedef struct {
    const KeymapHelp *mode; /* a heading: the mode */
    const KeyHelp *row;     /* else the row; keys on its first line only */
    bool first;
    int what_x;             /* the description's column */
    size_t what_at, what_len; /* its bytes on this line */
    bool last;              /* the last line of its mode */
} HelpLine;

typedef struct {
    int n;
    HelpLine line[HELP_MAX_LINES];
} HelpText;

/* How to scroll and close, longest first: the first that fits is shown. */
static const char *const scroll_hints[] = {
    "↑↓ PgUp PgDn Home End scroll · any other key closes",
    "↑↓ PgUp PgDn scroll · other keys close",
    "↑↓ scroll · other keys close",
    "↑↓ scroll",
};
static const char *const close_hints[] = {"any key closes this list", "any key closes"};

static int text_cols(const char *s)
{
    return ui_text_width(s, strlen(s), true);
}

static int keys_cols(const KeyHelp *row)
{
    char keys[128];
    return text_cols(keymap_help_keys(row, keys, sizeof keys));
}

/* The column the descriptions start in: after the longest keys and two
 * spaces, unless that is too far for the rest. */
static int keys_column(void)
{
    size_t n;
    const KeymapHelp *all = keymap_help_all(&n);
    int col = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < all[i].n_rows; r++) {
            int k = keys_cols(&all[i].rows[r]) + 2;
            if (k > col && k <= HELP_KEYS_COLS_MAX) col = k;
        }
    return col;
}

/* The width of one column with every description beside its keys. */
static int full_width(void)
{
    size_t n;
    const KeymapHelp *all = keymap_help_all(&n);
    int w = 0, col = keys_column();
    for (size_t i = 0; i < n; i++) {
        int t = text_cols(all[i].title);
        if (t > w) w = t;
        for (size_t r = 0; r < all[i].n_rows; r++) {
            int k = keys_cols(&all[i].rows[r]) + 2;
            int c = (k > col ? k : col) + text_cols(all[i].rows[r].what);
            if (c > w) w = c;
        }
    }
    return w;
}

/* The bytes of S that fit in COLS columns, ending at a space when one does. */
static size_t wrap_at(const char *s, int cols)
{
    size_t len = strlen(s), fit = 0;
    char buf[256] = "";
    if (ui_text_width(s, len, true) <= cols) return len;
    ui_text_render(s, len, true, buf, sizeof buf, cols, &fit);
    size_t cut = fit;
    while (cut > 0 && s[cut] != ' ') cut--;
    return cut > 0 ? cut : fit > 0 ? fit : 1;
}

/* ROW's lines in a column of WIDTH with descriptions at COL, into H when not
 * NULL; returns how many. */
static int add_row(HelpText *h, const KeyHelp *row, int col, int width)
{
    int n = 0;
    const char *what = row->what;
    /* Keys too long for the column: on a line of their own. */
    if (keys_cols(row) + 2 > col) {
        if (h && h->n < HELP_MAX_LINES) h->line[h->n++] = (HelpLine){.row = row, .first = true};
        n++;
    }
    do {
        size_t len = wrap_at(what, width - col);
        if (h && h->n < HELP_MAX_LINES)
            h->line[h->n++] = (HelpLine){.row = row, .first = n == 0, .what_x = col,
                                         .what_at = (size_t)(what - row->what), .what_len = len};
        n++;
        what += len;
        while (*what == ' ') what++;
    } while (*what);
    return n;
}

/* The descriptions' column for a list WIDTH wide: after the longest keys
 * when that leaves room; narrower, the column that takes the fewest lines. */
static int what_column(int width)
{
    size_t n;
    const KeymapHelp *all = keymap_help_all(&n);
    int best = keys_column(), best_lines = -1;
    if (best >= width) best = width / 2;
    for (int col = best; col >= 4; col--) {
        int lines = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t r = 0; r < all[i].n_rows; r++) lines += add_row(NULL, &all[i].rows[r], col, width);
        if (best_lines < 0 || lines < best_lines) best = col, best_lines = lines;
    }
    return best;
}

/* MODE's heading and rows in columns of WIDTH. */
static void add_mode(HelpText *h, const KeymapHelp *m, int width)
{
    int col = what_column(width);
    if (h->n < HELP_MAX_LINES) h->line[h->n++] = (HelpLine){.mode = m};
    for (size_t r = 0; r < m->n_rows; r++) add_row(h, &m->rows[r], col, width);
    h->line[h->n - 1].last = true;
}

/* What the screen's short words mean: the title's shape, kv head and
 * pattern, the sidebar's and the heatmap's marks.  Rows in the keys' form
 * (the term where the keys go), listed after the keys. */
#define TERM(term, what) {HELP_KEYS, {term, NULL}, {ACT_NONE, ACT_NONE}, what}
static const KeyHelp legend_rows[] = {
    TERM("6×5", "layers × heads in each layer"),
    TERM("(kv 2)", "the key/value head it shares"),
    TERM("previous-token 0.93", "weight on the token before (self: on itself, "
                                "first-token: on the first)"),
    TERM("broad 0.80", "spread, 1 = even; content: less"),
    TERM("sink 0.18", "weight parked on the first token"),
    TERM("induct 0.02", "the model's induction score"),
    TERM("▣ ×", "this head; × knocked out (K)"),
};
static const KeymapHelp legend = {MODE_NORMAL, "legend", "Reading the screen", legend_rows,
                                  sizeof legend_rows / sizeof legend_rows[0], MODE_NORMAL};

/* Every mode's lines for columns of WIDTH, FIRST's mode first, then the
 * legend when LEGEND. */
static void help_layout(HelpText *h, Mode first, int width, bool with_legend)
{
    size_t n;
    const KeymapHelp *all = keymap_help_all(&n), *f = keymap_help(first);
    h->n = 0;
    add_mode(h, f, width);
    for (size_t i = 0; i < n; i++)
        if (&all[i] != f) add_mode(h, &all[i], width);
    if (with_legend) add_mode(h, &legend, width);
}

/* The columns the lines need at CAP lines a column: a mode that fits in a
 * column of its own is not split; a heading is never a column's last line.
 * Fills START (of MAX) with each column's first line when not NULL. */
static int columns_needed(const HelpText *h, int cap, int *start, int max)
{
    int cols = 1, used = 0, i = 0;
    if (start && max > 0) start[0] = 0;
    while (i < h->n) {
        int len = 1; /* the lines left in this mode */
        while (i + len < h->n && !h->line[i + len - 1].last) len++;
        bool heading = h->line[i].mode != NULL;
        int take = heading && len <= cap ? len : 1;
        bool heading_at_bottom = heading && used + 1 == cap;
        if (used > 0 && (used + take > cap || heading_at_bottom)) {
            if (start && cols < max) start[cols] = i;
            cols++, used = 0;
        }
        used += take, i += take;
    }
    return cols;
}

/* The fewest columns (at most what COLS leaves room for) that show every
 * line in at most AVAIL lines each; *cap gets their height.  0 when none do. */
static int columns_fitting(const HelpText *h, int avail, int cols_room, int width, int *cap)
{
    for (int k = 1; k * width + (k - 1) * HELP_GAP <= cols_room; k++)
        for (*cap = (h->n + k - 1) / k; *cap <= avail; (*cap)++)
            if (columns_needed(h, *cap, NULL, 0) <= k) return k;
    return 0;
}

void help_view_size(int rows, int cols, int *h, int *w)
{
    static HelpText text; /* a few kB, and the loop draws from one thread */
    int full = full_width(), cap;
    /* A frame and a space each side; a frame and the hint line.  Whichever
     * mode it opens from, the lines are the same (their order aside, which
     * side by side columns do not change: see help_view_draw). */
    int room = cols - 4, avail = rows - 3;
    /* The keys with the legend side by side; else the keys alone (the
     * legend is then left out, help_view_draw); else one column that
     * scrolls, with the legend at its end. */
    help_layout(&text, MODE_NORMAL, full, true);
    int k = columns_fitting(&text, avail, room, full, &cap);
    if (k == 0) {
        help_layout(&text, MODE_NORMAL, full, false);
        k = columns_fitting(&text, avail, room, full, &cap);
    }
    if (k > 0) {
        *w = k * full + (k - 1) * HELP_GAP + 4;
        *h = cap + 3;
        return;
    }
    /* One column that scrolls, as wide as the terminal allows. */
    *w = (full < room ? full : room) + 4;
    *h = rows;
}

static void draw_line(WINDOW *w, const Theme *t, int y, int x, int width, const HelpLine *l)
{
    char buf[256];
    if (l->mode) {
        view_puts(w, t, y, x, width, A_BOLD, l->mode->title);
        return;
    }
    if (l->first) view_puts(w, t, y, x, width, A_NORMAL, keymap_help_keys(l->row, buf, sizeof buf));
    if (!l->what_len) return;
    snprintf(buf, sizeof buf, "%.*s", (int)l->what_len, l->row->what + l->what_at);
    view_puts(w, t, y, x + l->what_x, width - l->what_x, A_NORMAL, buf);
}

static void draw_hint(WINDOW *w, const Theme *t, int y, int width, bool scrolls)
{
    const char *const *hints = scrolls ? scroll_hints : close_hints;
    size_t n = scrolls ? sizeof scroll_hints / sizeof *scroll_hints
                       : sizeof close_hints / sizeof *close_hints;
    size_t i = 0;
    while (i + 1 < n && text_cols(hints[i]) > width) i++;
    view_puts(w, t, y, 2, width, A_DIM, hints[i]);
}

void help_view_draw(WINDOW *w, const ViewData *v)
{
    static HelpText text;
    enum { MAX_COLS = 8 };
    int start[MAX_COLS + 1];
    int full = full_width(), width = getmaxx(w) - 4, visible = getmaxy(w) - 3;
    /* Several columns only when the box was made for them (help_view_size). */
    int k = width >= 2 * full + HELP_GAP ? (width + HELP_GAP) / (full + HELP_GAP) : 1;
    if (k > MAX_COLS) k = MAX_COLS;
    int col_w = k > 1 ? full : width;
    /* In one column the mode it was opened from comes first; side by side,
     * every mode is in view anyway: in their usual order, as sized. */
    help_layout(&text, k > 1 ? MODE_NORMAL : v->st->help_return, col_w, true);
    int above = 0, below = 0, cap = 0, room = k * col_w + (k - 1) * HELP_GAP;
    bool fits = k > 1 && columns_fitting(&text, visible, room, col_w, &cap);
    if (k > 1 && !fits) {
        /* Sized for the keys alone (help_view_size): the legend stays out. */
        help_layout(&text, MODE_NORMAL, col_w, false);
        fits = columns_fitting(&text, visible, room, col_w, &cap);
    }
    if (fits) {
        /* The fewest columns, as even as whole modes allow. */
        k = columns_needed(&text, cap, start, MAX_COLS);
        start[k] = text.n;
        v->pans->help_last = 0;
    } else {
        /* One column, scrolled: keep the first line shown where the last
         * page still fills the box. */
        k = 1, col_w = width;
        int last = text.n > visible ? text.n - visible : 0, top = v->st->help_scroll;
        top = top < 0 ? 0 : top > last ? last : top;
        v->pans->help_last = last; /* app.c keeps help_scroll within it */
        start[0] = top;
        start[1] = top + visible < text.n ? top + visible : text.n;
        above = top, below = text.n - start[1];
    }
    werase(w);
    view_frame_more(w, "keys", v->theme, above, below);
    for (int c = 0; c < k; c++)
        for (int i = start[c]; i < start[c + 1]; i++)
            draw_line(w, v->theme, 1 + i - start[c], 2 + c * (col_w + HELP_GAP), col_w,
                      &text.line[i]);
    draw_hint(w, v->theme, visible + 1, width, above + below > 0);
}
