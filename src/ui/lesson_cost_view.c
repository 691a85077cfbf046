/*
 * lesson_cost_view.c - the lesson's O(n^2) step: a live meter of what
 * attention costs on the text on screen.  First the numbers (tokens n, the
 * n^2 cells of one head, the cells of every head of every layer, the time
 * of the last pass), then, in the rows left, a plot of the time of every
 * full pass since the explorer started (Scene.cost) against its tokens,
 * the latest point highlighted, with a dim n^2 curve through that point:
 * where the times would lie if they grew as the cells do.  Every number is
 * the scene's; editing the sentence in this step adds a point.
 */
#include <stdio.h>
#include <string.h>

#include "ui_text.h"
#include "views.h"

/* N with its thousands grouped by a space ("5 070"): readable at a glance. */
static void group_digits(char *buf, size_t cap, unsigned long long n)
{
    char raw[32];
    int len = snprintf(raw, sizeof raw, "%llu", n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0) buf[o++] = ' ';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
}

/* A time in milliseconds with about three significant digits. */
static void format_ms(char *buf, size_t cap, double ms)
{
    snprintf(buf, cap, ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
}

/* The numbers, one a line from line 1, as many as MAX_LINES allows (most
 * important first); returns the lines drawn. */
static int draw_numbers(WINDOW *w, const ViewData *v, int width, int max_lines)
{
    const Theme *t = v->theme;
    const WorkResult *r = &v->scene->res;
    unsigned long long per_head = (unsigned long long)r->n * (unsigned long long)r->n;
    unsigned long long all = per_head * (unsigned)v->st->n_heads * (unsigned)v->st->n_layers;
    /* The values in one column, so that they line up; narrow panels take
     * short labels, so that the values keep their room. */
    bool narrow = width < 56;
    const int lw = narrow ? 5 : 20;
    char value[4][160], cells[32], total[32], ms[32];
    group_digits(cells, sizeof cells, per_head);
    group_digits(total, sizeof total, all);
    format_ms(ms, sizeof ms, r->ms);
    snprintf(value[0], sizeof value[0], "%d", r->n);
    snprintf(value[1], sizeof value[1], "%s", cells);
    /* Long texts make long numbers, narrow panels little room: shorter
     * forms of the same numbers when the full ones do not fit. */
    snprintf(value[2], sizeof value[2], "%s × %d heads × %d layers = %s cells", cells,
             v->st->n_heads, v->st->n_layers, total);
    if (ui_text_width(value[2], strlen(value[2]), true) > width - lw)
        snprintf(value[2], sizeof value[2], "%s × %d × %d = %s cells", cells, v->st->n_heads,
                 v->st->n_layers, total);
    if (r->reused > 0)
        snprintf(value[3], sizeof value[3], "%s ms (%d positions reused, %d computed)", ms,
                 r->reused, r->n - r->reused);
    else
        snprintf(value[3], sizeof value[3], "%s ms (all %d positions computed)", ms, r->n);
    if ((int)strlen(value[3]) > width - lw)
        snprintf(value[3], sizeof value[3], "%s ms, %d computed", ms, r->n - r->reused);
    const char *label[4] = {narrow ? "n" : "tokens n",
                            narrow ? (t->utf8 ? "n²" : "n^2")
                                   : (t->utf8 ? "cells per head n²" : "cells per head n^2"),
                            narrow ? "all" : "all heads", narrow ? "pass" : "last pass"};
    int lines = max_lines < 4 ? max_lines : 4;
    for (int i = 0; i < lines; i++) {
        view_puts(w, t, 1 + i, 1, width, A_BOLD, label[i]);
        view_puts(w, t, 1 + i, 1 + lw, width - lw, A_NORMAL, value[i]);
    }
    return lines;
}

/* TEXT word-wrapped into the box (Y0, X0, H, W), centred vertically. */
static void draw_wrapped(WINDOW *w, const Theme *t, int y0, int x0, int h, int wd,
                         const char *text)
{
    int nl = view_wrap_lines(text, wd);
    view_wrap(w, t, y0 + (h > nl ? (h - nl) / 2 : 0), x0, wd, y0 + h - 1, text, A_DIM);
}

/* The plot's canvas: PW x PH cells from (Y0, X0); column 0 is n = 0, the
 * last n = XMAX; the bottom row 0 ms, the top YMAX. */
typedef struct {
    int y0, x0, pw, ph, xmax;
    double ymax;
} Plot;

static int plot_col(const Plot *p, double n)
{
    return p->x0 + (int)(n / p->xmax * (p->pw - 1) + 0.5);
}

static int plot_row(const Plot *p, double ms)
{
    return p->y0 + p->ph - 1 - (int)(ms / p->ymax * (p->ph - 1) + 0.5);
}

/* One cell of the curve: BITS of braille dots, or "." without braille. */
static void curve_cell(WINDOW *w, const Theme *t, int y, int x, bool braille, unsigned bits)
{
    char cell[8] = ".";
    if (braille) {
        unsigned u = 0x2800 + bits; /* the braille block, in UTF-8 */
        snprintf(cell, sizeof cell, "%c%c%c", 0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F),
                 0x80 | (u & 0x3F));
    }
    view_puts(w, t, y, x, 1, A_DIM, cell);
}

/* The curve c·n² over the canvas, dim, where it stays under the top.  In
 * braille where the palette allows, each cell then holding 2 x 4 dots: a
 * few rows would otherwise draw the curve as a coarse staircase. */
static void draw_curve(WINDOW *w, const Theme *t, const Plot *p, double c)
{
    bool braille = t->utf8 && t->palette != PALETTE_ASCII;
    int sub_x = braille ? 2 : 1, sub_y = braille ? 4 : 1;
    /* The braille dots of column K (left, right), from the bottom up. */
    static const unsigned dots[2][4] = {{0x40, 0x04, 0x02, 0x01}, {0x80, 0x20, 0x10, 0x08}};
    for (int col = 0; col < p->pw; col++) {
        int row = -1;
        unsigned bits = 0;
        for (int k = 0; k < sub_x; k++) {
            double n = (double)(col * sub_x + k) / (p->pw * sub_x - 1) * p->xmax, m = c * n * n;
            if (m > p->ymax) break;
            int level = (int)(m / p->ymax * (p->ph * sub_y - 1) + 0.5);
            int r = p->ph - 1 - level / sub_y;
            if (row >= 0 && r != row) { /* a steep part: the next dot is a row up */
                curve_cell(w, t, p->y0 + row, p->x0 + col, braille, bits);
                bits = 0;
            }
            row = r;
            bits |= dots[k][level % sub_y];
        }
        if (row < 0) return;
        curve_cell(w, t, p->y0 + row, p->x0 + col, braille, bits);
    }
}

/* The plot of the cost samples in the box (Y0, X0, H, WD): ms up, n across.
 * Returns false when it showed the hint instead (fewer than two sizes). */
static bool draw_plot(WINDOW *w, const ViewData *v, int y0, int x0, int h, int wd)
{
    const Scene *s = v->scene;
    const Theme *t = v->theme;
    Plot p = {0, 0, 0, 0, 0, 0};
    int distinct = 0;
    for (int i = 0; i < s->n_cost; i++) {
        bool seen = false;
        for (int k = 0; k < i && !seen; k++) seen = s->cost[k].n == s->cost[i].n;
        distinct += !seen;
        if (s->cost[i].n > p.xmax) p.xmax = s->cost[i].n;
        if (s->cost[i].ms > p.ymax) p.ymax = s->cost[i].ms;
    }
    /* One size is a point, not a trend: ask for another. */
    if (distinct < 2 || p.ymax <= 0) {
        draw_wrapped(w, t, y0, x0, h, wd,
                     "type words (e, then Enter) and watch the points: time against tokens");
        return false;
    }

    /* The y axis's labels right-aligned before it, the canvas right of it;
     * the axis under it ends in the largest n, at the canvas's last column. */
    char top[40], ms[24], right[40];
    format_ms(ms, sizeof ms, p.ymax);
    snprintf(top, sizeof top, "%s ms", ms);
    snprintf(right, sizeof right, " %d tokens", p.xmax);
    int lab = (int)strlen(top), ax = x0 + lab + 1;
    p.y0 = y0, p.x0 = ax + 1, p.ph = h - 1, p.pw = wd - lab - 2;
    if (p.ph < 1 || p.pw < 4) return false;
    const char *vline = t->utf8 ? "│" : "|", *corner = t->utf8 ? "└" : "+";
    const char *hline = t->utf8 ? "─" : "-";
    for (int r = 0; r < p.ph; r++) view_puts(w, t, y0 + r, ax, 1, A_DIM, vline);
    view_puts(w, t, y0, x0, lab, A_NORMAL, top);
    view_puts(w, t, y0 + p.ph, ax - 1, 1, A_NORMAL, "0");
    view_puts(w, t, y0 + p.ph, ax, 1, A_DIM, corner);
    for (int c = 0; c < p.pw; c++) view_puts(w, t, y0 + p.ph, p.x0 + c, 1, A_DIM, hline);
    int rw = (int)strlen(right);
    if (rw < p.pw) view_puts(w, t, y0 + p.ph, p.x0 + p.pw - rw, rw, A_NORMAL, right);

    /* c·n² through the latest point, dim and under the marks: where the
     * times would lie if they grew as the cells do. */
    const CostSample *last = &s->cost[s->n_cost - 1];
    draw_curve(w, t, &p, last->ms / ((double)last->n * last->n));
    for (int i = 0; i < s->n_cost; i++) {
        int attr = i == s->n_cost - 1 ? A_BOLD | A_REVERSE : A_BOLD;
        view_puts(w, t, plot_row(&p, s->cost[i].ms), plot_col(&p, s->cost[i].n), 1, attr,
                  t->utf8 ? "•" : "*");
    }
    return true;
}

void lesson_cost_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const Theme *t = v->theme;
    int W = getmaxx(w) - 2, H = getmaxy(w) - 2;
    werase(w);
    view_frame(w, v->computing ? "the cost of attention · measuring…" : "the cost of attention",
               t);
    if (W < 1 || H < 1) return;
    if (!s->have) {
        view_puts(w, t, 1, 1, W, A_DIM, "measuring the first pass…");
        return;
    }
    int used = draw_numbers(w, v, W, H);
    /* The plot needs two rows of points and its axis, after a gap when the
     * panel is tall enough to spare it. */
    int gap = H >= 16, left = H - used - gap;
    if (left < 3) return;
    bool plotted = draw_plot(w, v, 1 + used + gap, 1, left, W);
    const char *n2 = t->utf8 ? "n²" : "n^2";
    const char *mark = t->utf8 ? "•" : "*";
    char legend[160], medium[96], brief[64];
    snprintf(legend, sizeof legend,
             "%s a full pass · highlighted: the latest · dim: %s through it, ×4 when n doubles",
             mark, n2);
    snprintf(medium, sizeof medium, "%s a pass · dim: %s through the latest, ×4 when n doubles",
             mark, n2);
    snprintf(brief, sizeof brief, "%s grows 4× when n doubles", n2);
    const char *notes[] = {plotted ? legend : brief, plotted ? medium : brief, brief, NULL};
    view_frame_note(w, t, notes);
}
