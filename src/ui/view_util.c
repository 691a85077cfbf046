/* view_util.c - drawing helpers the views share; see views.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui_text.h"
#include "lesson.h"
#include "views.h"

/* ASCII stand-ins for the few symbols the views use, for non-UTF-8 locales. */
static const char *const ascii_subst[][2] = {
    {"←", "<-"}, {"→", "->"}, {"↑", "^"}, {"↓", "v"}, {"…", "..."}, {"×", "x"},
    {"·", "."}, {"▶", ">"}, {"◂", "<"}, {"▸", ">"}, {"▴", "^"}, {"▾", "v"},
    {"▣", "#"}, {"░", "."}, {"▒", ":"}, {"▓", "*"}, {"█", "#"}, {"▁", "_"},
    {"␣", "_"}, {"↵", "\\n"}, {"⇥", "\\t"},
};

/* S with the symbols above replaced, and any other non-ASCII as "?". */
static void to_ascii(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    while (*s && o + 4 < cap) {
        if ((unsigned char)*s < 0x80) {
            out[o++] = *s++;
            continue;
        }
        size_t k, n = sizeof ascii_subst / sizeof ascii_subst[0];
        for (k = 0; k < n; k++) {
            size_t len = strlen(ascii_subst[k][0]);
            if (strncmp(s, ascii_subst[k][0], len) == 0) {
                size_t r = strlen(ascii_subst[k][1]);
                memcpy(out + o, ascii_subst[k][1], r);
                o += r;
                s += len;
                break;
            }
        }
        if (k == n) {
            out[o++] = '?';
            s++;
            while ((*s & 0xC0) == 0x80) s++;
        }
    }
    out[o] = '\0';
}

int view_puts(WINDOW *w, const Theme *t, int y, int x, int max_cols, int attr, const char *s)
{
    if (max_cols <= 0) return 0;
    char ascii[1024], buf[1024];
    if (!t->utf8) {
        to_ascii(s, ascii, sizeof ascii);
        s = ascii;
    }
    buf[0] = '\0';
    /* The strings are display-safe already; this only clips by columns. */
    int cols = ui_text_render(s, strlen(s), t->utf8, buf, sizeof buf, max_cols, NULL);
    wattr_on(w, (attr_t)attr, NULL);
    mvwaddstr(w, y, x, buf);
    wattr_off(w, (attr_t)attr, NULL);
    return cols;
}

void view_piece(const Scene *s, const Theme *t, int id, char *out, size_t cap, int max_cols)
{
    /* The text the piece stands for (byte-level "Ġcat" and SentencePiece
     * "▁cat" alike " cat"), its leading space, newlines and tabs made
     * visible: "␣cat", "↵". */
    char text[192], shown[256];
    size_t len = tokenizer_piece_text(s->model->tok, id, text, sizeof text);
    if (len >= sizeof text) len = sizeof text - 1;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < sizeof shown; i++) {
        const char *sub = text[i] == '\n' ? "↵" : text[i] == '\t' ? "⇥"
                          : text[i] == ' ' && i == 0 ? "␣" : NULL;
        if (sub) o += (size_t)snprintf(shown + o, sizeof shown - o, "%s", sub);
        else shown[o++] = text[i];
    }
    shown[o] = '\0';
    const char *piece = shown;
    char ascii[256];
    if (!t->utf8) {
        to_ascii(piece, ascii, sizeof ascii);
        piece = ascii;
    }
    out[0] = '\0';
    ui_text_render(piece, strlen(piece), t->utf8, out, cap, max_cols, NULL);
}

void view_frame(WINDOW *w, const char *title, const Theme *t)
{
    /* Unicode lines in UTF-8, plain ASCII otherwise: the VT100 alternate
     * character set is not honoured by every terminal and multiplexer. */
    if (t->utf8) box_set(w, WACS_VLINE, WACS_HLINE);
    else wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    if (title && *title) {
        int width = getmaxx(w);
        int attr = t->colour ? COLOR_PAIR(t->pair_accent) | A_BOLD : A_BOLD;
        mvwaddch(w, 0, 1, ' ');
        int c = view_puts(w, t, 0, 2, width - 5, attr, title);
        mvwaddch(w, 0, 2 + c, ' ');
    }
}

/* " ↑ 3 more " into BUF, or " ↑3 " when the border has no room for that;
 * returns its columns (0 for no mark). */
static int more_mark(char *buf, size_t cap, const char *arrow, int count, int room)
{
    buf[0] = '\0';
    if (count <= 0) return 0;
    int c = snprintf(buf, cap, " %s %d more ", arrow, count) - (int)strlen(arrow) + 1;
    if (c > room) c = snprintf(buf, cap, " %s%d ", arrow, count) - (int)strlen(arrow) + 1;
    if (c > room) buf[0] = '\0', c = 0;
    return c;
}

void view_frame_more(WINDOW *w, const char *title, const Theme *t, int above, int below)
{
    view_frame(w, NULL, t);
    int width = getmaxx(w), height = getmaxy(w);
    char up[48], down[48];
    int uw = more_mark(up, sizeof up, "↑", above, width - 2);
    int dw = more_mark(down, sizeof down, "↓", below, width - 2);
    int attr = t->colour ? COLOR_PAIR(t->pair_accent) | A_BOLD : A_BOLD;
    if (title && *title && width - 5 - uw > 0) {
        /* Cut to the room left, without a space at the cut. */
        char cut[512] = "", ascii[512];
        if (!t->utf8) { /* the stand-ins first: the locale cannot measure UTF-8 */
            to_ascii(title, ascii, sizeof ascii);
            title = ascii;
        }
        ui_text_render(title, strlen(title), t->utf8, cut, sizeof cut, width - 5 - uw, NULL);
        for (size_t e = strlen(cut); e > 0 && cut[e - 1] == ' '; e--) cut[e - 1] = '\0';
        mvwaddch(w, 0, 1, ' ');
        int c = view_puts(w, t, 0, 2, width - 5 - uw, attr, cut);
        mvwaddch(w, 0, 2 + c, ' ');
    }
    if (uw) view_puts(w, t, 0, width - 1 - uw, uw, A_BOLD, up);
    if (dw) view_puts(w, t, height - 1, width - 1 - dw, dw, A_BOLD, down);
}

int view_pan(int want, int visible, int n, int current_start)
{
    if (visible <= 0 || n <= visible) return 0;
    int start = current_start;
    if (want < start) start = want;
    if (want >= start + visible) start = want - visible + 1;
    if (start > n - visible) start = n - visible;
    return start < 0 ? 0 : start;
}

/* Cells widen to fill the panel up to this; wider, the eye loses the row. */
#define VIEW_CELL_MAX 16

int view_header_lines(int inner_h)
{
    /* A second line lets each label take two cells; spend it once at least
     * eight rows remain. */
    return inner_h >= 10 ? 2 : 1;
}

int view_grid_rows(int height)
{
    int inner = height - 2;
    int rows = inner - view_header_lines(inner);
    return rows > 1 ? rows : 1;
}

void view_grid_fit(ViewGrid *g, WINDOW *w, const ViewData *v, int x0, int n)
{
    /* Two shade columns and a gap, or a number "0.41" and a gap, at least. */
    int cmin = v->st->show_values ? 5 : 3;
    /* The frame's last inside column stays free for the "more" mark. */
    int room = getmaxx(w) - 2 - x0;
    int cw = n > 0 ? room / n : cmin;
    if (cw > VIEW_CELL_MAX) cw = VIEW_CELL_MAX;
    if (cw < cmin) cw = cmin;
    g->x0 = x0;
    g->cw = cw;
    g->ncols = room > 0 ? room / cw : 0;
    if (g->ncols > n) g->ncols = n;
    g->header = view_header_lines(getmaxy(w) - 2);
}

void view_grid_pan(ViewGrid *g, const float *row, int n, int query, int key)
{
    int vis = g->ncols;
    if (vis <= 0 || n <= vis) {
        g->col0 = 0;
        return;
    }
    int best = key;
    if (row) {
        best = 0;
        for (int j = 1; j < n; j++)
            if (row[j] > row[best]) best = j;
    }
    /* A key cursor moved off the query is what the user looks at; left on
     * the query (where moving the query leaves it), the strongest key is. */
    int first = key != query ? key : best, second = key != query ? best : key;
    int lo = first, hi = first;
    if (second - first < vis && first - second < vis) {
        lo = first < second ? first : second;
        hi = first < second ? second : first;
    }
    /* End at the query when that keeps both in view, since a causal row's
     * keys all lie left of it; else as near as keeps them.  A function of
     * the state alone, not of earlier draws: the same state (after a resize
     * back, say) shows the same columns. */
    int s = query - vis + 1;
    if (s > lo) s = lo;
    if (s < hi - vis + 1) s = hi - vis + 1;
    if (s > n - vis) s = n - vis;
    g->col0 = s < 0 ? 0 : s;
}

bool view_causal(const ViewData *v)
{
    const Scene *s = v->scene;
    return s->have && scene_units(s, v->st) > 1 && scene_masked(s, v->st, 0, 1);
}

bool view_mask_marked(const ViewData *v)
{
    const LessonStep *step = lesson_step(v->st->lesson);
    return step && step->view == LESSON_VIEW_MASK;
}

const char *view_masked_glyph(const Theme *t)
{
    /* The ASCII palette's first shade is "."; its masked cells need another. */
    return t->palette == PALETTE_ASCII ? "-" : "·";
}

/* One cell of weight WT at (y, x), CW columns with its gap; SELECTED marks
 * the key cursor's cell. */
void view_draw_cell(WINDOW *w, int y, int x, int cw, const ViewData *v, float wt, bool masked,
                    bool selected)
{
    const Theme *t = v->theme;
    int width = cw - 1;
    char text[VIEW_CELL_MAX * 4 + 8];
    if (width < 1) return;
    if (masked && view_mask_marked(v)) {
        /* The lesson's mask step: the hidden triangle filled, not dotted. */
        size_t o = 0;
        for (int c = 0; c < width && o + 3 < sizeof text; c++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%s", t->utf8 ? "×" : "x");
        view_puts(w, t, y, x, width, A_BOLD | (selected ? A_REVERSE : 0), text);
        return;
    }
    if (masked) {
        view_puts(w, t, y, x + (width - 1) / 2, 1, A_DIM | (selected ? A_REVERSE : 0),
                  view_masked_glyph(t));
        return;
    }
    /* A weight above 0 takes at least the first step: "looks a little" must
     * not read as "cannot see" or as nothing.  An exact 0 stays blank. */
    float shade = wt > 0.0f && theme_level(t, wt) == 0 ? 1.0f / (float)t->levels : wt;
    int attr = t->colour ? theme_attr(t, shade) : (int)A_NORMAL;
    if (v->st->show_values) {
        snprintf(text, sizeof text, "%-*.2f", width, wt);
        view_puts(w, t, y, x, width, attr | (selected ? A_REVERSE | A_BOLD : 0), text);
        return;
    }
    const char *fill = theme_glyph(t, shade); /* " " in 256 and true colour */
    size_t o = 0, fl = strlen(fill);
    for (int c = 0; c < width && o + fl + 1 < sizeof text; c++) {
        const char *g = selected && width >= 2 && (c == 0 || c == width - 1) ? (c ? "]" : "[") : fill;
        size_t gl = strlen(g);
        memcpy(text + o, g, gl);
        o += gl;
    }
    text[o] = '\0';
    view_puts(w, t, y, x, width, attr | (selected ? A_BOLD : 0), text);
}

/* Column J's label and its columns. */
static const char *column_label(const ViewData *v, const ViewGrid *g, int j, int *w)
{
    const Scene *s = v->scene;
    if (!g->tokens) return scene_unit_label(s, v->st, j, w);
    if (w) *w = s->label_w[j];
    return s->label[j];
}

void view_draw_key_header(WINDOW *w, const ViewData *v, const ViewGrid *g, int y, int key)
{
    const Scene *s = v->scene;
    int n = g->tokens ? s->res.n : scene_units(s, v->st), right = getmaxx(w) - 2;
    int last = g->col0 + g->ncols < n ? g->col0 + g->ncols : n;
    /* Labels wider than their cell alternate over the two lines, each then
     * having two cells' room; the unit's parity picks the line, so a label
     * stays on its line as the columns pan. */
    bool stagger = false;
    for (int j = g->col0; g->header == 2 && j < last; j++) {
        int lw;
        column_label(v, g, j, &lw);
        if (lw > g->cw - 1) stagger = true;
    }
    for (int j = g->col0; j < last; j++) {
        int x = g->x0 + (j - g->col0) * g->cw;
        int line = stagger ? j % 2 : g->header - 1;
        int room = stagger ? 2 * g->cw - 1 : g->cw - 1;
        if (room > right - x) room = right - x;
        view_puts(w, v->theme, y + line, x, room, j == key ? A_REVERSE | A_BOLD : A_BOLD,
                  column_label(v, g, j, NULL));
    }
    const char *left = v->theme->utf8 ? "◂" : "<", *rt = v->theme->utf8 ? "▸" : ">";
    int ym = y + g->header - 1;
    if (g->col0 > 0) view_puts(w, v->theme, ym, g->x0 - 1, 1, A_BOLD, left);
    if (last < n) view_puts(w, v->theme, ym, right, 1, A_BOLD, rt);
}

void view_frame_note(WINDOW *w, const Theme *t, const char *const *notes)
{
    int room = getmaxx(w) - 5, y = getmaxy(w) - 1;
    char scratch[256];
    for (; *notes; notes++) {
        int cols = ui_text_render(*notes, strlen(*notes), true, scratch, sizeof scratch, 1 << 20, NULL);
        if (cols > room) continue;
        mvwaddch(w, y, 1, ' ');
        view_puts(w, t, y, 2, cols, A_DIM, *notes);
        mvwaddch(w, y, 2 + cols, ' ');
        return;
    }
}

const LessonResult *view_lesson(const ViewData *v)
{
    const Scene *s = v->scene;
    if (v->st->lesson < 0 || !s->have || s->res.lesson_step != v->st->lesson) return NULL;
    return s->res.lesson;
}

void view_bar(char *out, size_t cap, float w, int width, bool utf8)
{
    static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int units = (int)lroundf(w * width * 8);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < units / 8 && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s", utf8 ? "█" : "#");
    if (utf8 && units % 8 && o + 4 < cap) snprintf(out + o, cap - o, "%s", eighths[units % 8]);
}

/* The bytes of P's next wrapped line: up to the last space within WIDTH, or
 * WIDTH bytes when a word is longer. */
static size_t wrap_take(const char *p, int width)
{
    size_t len = strlen(p), take = len;
    if ((int)len > width) {
        take = (size_t)width;
        while (take > 0 && p[take] != ' ') take--;
        if (take == 0) take = (size_t)width;
    }
    return take;
}

static const char *wrap_next(const char *p, size_t take)
{
    p += take;
    while (*p == ' ') p++;
    return p;
}

int view_wrap_lines(const char *text, int width)
{
    int n = 0;
    for (const char *p = text; *p && width > 0; n++) p = wrap_next(p, wrap_take(p, width));
    return n;
}

int view_wrap(WINDOW *w, const Theme *t, int y, int x, int width, int bottom, const char *text,
              int attr)
{
    for (const char *p = text; *p && y <= bottom && width > 0;) {
        size_t take = wrap_take(p, width);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)take, p);
        view_puts(w, t, y++, x, width, attr, line);
        p = wrap_next(p, take);
    }
    return y;
}
