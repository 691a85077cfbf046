/* view_util.c - drawing helpers the views share; see views.h. */
#include <stdio.h>
#include <string.h>

#include "ui_text.h"
#include "views.h"

/* ASCII stand-ins for the few symbols the views use, for non-UTF-8 locales. */
static const char *const ascii_subst[][2] = {
    {"←", "<-"}, {"→", "->"}, {"↑", "^"}, {"↓", "v"}, {"…", "..."}, {"×", "x"},
    {"·", "."}, {"▶", ">"}, {"◂", "<"}, {"▸", ">"}, {"▴", "^"}, {"▾", "v"},
    {"▣", "#"}, {"░", "."}, {"▒", ":"}, {"▓", "*"}, {"█", "#"}, {"▁", "_"},
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

int view_pan(int want, int visible, int n, int current_start)
{
    if (visible <= 0 || n <= visible) return 0;
    int start = current_start;
    if (want < start) start = want;
    if (want >= start + visible) start = want - visible + 1;
    if (start > n - visible) start = n - visible;
    return start < 0 ? 0 : start;
}

/* Cell width: two shade columns and a gap, or a number "0.41" and a gap. */
int view_cell_width(const AppState *st)
{
    return st->show_values ? 5 : 3;
}

/* One cell of weight WT at (y, x); SELECTED marks the key cursor's cell. */
void view_draw_cell(WINDOW *w, int y, int x, const ViewData *v, float wt, bool masked,
                      bool selected)
{
    const Theme *t = v->theme;
    int cw = view_cell_width(v->st) - 1;
    char text[16];
    if (masked) return;
    int attr = t->colour ? theme_attr(t, wt) : (int)A_NORMAL;
    if (v->st->show_values) {
        snprintf(text, sizeof text, "%4.2f", wt);
        view_puts(w, v->theme, y, x, cw, attr | (selected ? A_REVERSE | A_BOLD : 0), text);
        return;
    }
    if (selected) {
        view_puts(w, v->theme, y, x, cw, attr | A_BOLD, "[]");
        return;
    }
    if (t->colour) {
        view_puts(w, v->theme, y, x, cw, attr, "  ");
    } else {
        const char *g = theme_glyph(t, wt);
        for (int c = 0; c < cw; c++) view_puts(w, v->theme, y, x + c, 1, A_NORMAL, g);
    }
}

/* The column labels: each key's label, cut to the cell width. */
void view_draw_key_header(WINDOW *w, const ViewData *v, int x0, int col0, int ncols, int y)
{
    const Scene *s = v->scene;
    int cw = view_cell_width(v->st);
    for (int c = 0; c < ncols && col0 + c < s->res.n; c++) {
        int j = col0 + c;
        view_puts(w, v->theme, y, x0 + c * cw, cw - 1, j == v->st->key ? A_REVERSE | A_BOLD : A_BOLD,
                  s->label[j]);
    }
    const char *left = v->theme->utf8 ? "◂" : "<", *right = v->theme->utf8 ? "▸" : ">";
    if (col0 > 0) view_puts(w, v->theme, y, x0 - 1, 1, A_BOLD, left);
    if (col0 + ncols < s->res.n) view_puts(w, v->theme, y, getmaxx(w) - 2, 1, A_BOLD, right);
}

