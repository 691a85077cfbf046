/* theme.c - see theme.h. */
#include "theme.h"

#include <curses.h>
#include <term.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

/* The scale is export.h's, shared with the saved SVG: one level per stop. */
_Static_assert(THEME_MAX_LEVELS == EXPORT_RAMP_STOPS, "one level per stop of the scale");

/* 8 colours: each level a background, and between two backgrounds the
 * upper one as a half-shade over the lower (fg on bg), dark to bright. */
static const struct {
    short fg, bg;
    bool dither;
} ramp8[THEME_MAX_LEVELS] = {
    {COLOR_WHITE, COLOR_BLUE, false},   {COLOR_MAGENTA, COLOR_BLUE, true},
    {COLOR_WHITE, COLOR_MAGENTA, false}, {COLOR_RED, COLOR_MAGENTA, true},
    {COLOR_WHITE, COLOR_RED, false},    {COLOR_YELLOW, COLOR_RED, true},
    {COLOR_BLACK, COLOR_YELLOW, false}, {COLOR_BLACK, COLOR_WHITE, false},
};

/* Nearest colour of the xterm 256 palette (6×6×6 cube or the grey ramp). */
static int xterm256(const unsigned char rgb[3])
{
    static const int steps[6] = {0, 95, 135, 175, 215, 255};
    int idx[3];
    for (int c = 0; c < 3; c++) {
        int best = 0;
        for (int i = 1; i < 6; i++)
            if (abs(steps[i] - rgb[c]) < abs(steps[best] - rgb[c])) best = i;
        idx[c] = best;
    }
    int cube = 16 + 36 * idx[0] + 6 * idx[1] + idx[2];
    long dc = 0;
    for (int c = 0; c < 3; c++) dc += (long)(steps[idx[c]] - rgb[c]) * (steps[idx[c]] - rgb[c]);
    int grey = (rgb[0] + rgb[1] + rgb[2]) / 3;
    int gi = grey < 8 ? 0 : grey > 238 ? 23 : (grey - 8) / 10;
    int gv = 8 + 10 * gi;
    long dg = 0;
    for (int c = 0; c < 3; c++) dg += (long)(gv - rgb[c]) * (gv - rgb[c]);
    return dg < dc ? 232 + gi : cube;
}

static bool bright(const unsigned char rgb[3])
{
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140;
}

/* The terminal's colour count from terminfo (COLORS is only set once
 * start_color() has run, which we do only when colour is used). */
static int terminal_colours(void)
{
    int n = tigetnum("colors");
    return has_colors() && n > 0 ? n : 0;
}

/* NO_COLOR (https://no-color.org): set and not empty. */
static bool no_color(void)
{
    const char *v = getenv("NO_COLOR");
    return v && *v;
}

static bool colorterm_truecolor(void)
{
    const char *v = getenv("COLORTERM");
    return v && (strcmp(v, "truecolor") == 0 || strcmp(v, "24bit") == 0);
}

static Palette detect(bool utf8)
{
    int n = terminal_colours();
    if (no_color() || n < 8) return utf8 ? PALETTE_MONO : PALETTE_ASCII;
    if (n >= 0x1000000 || colorterm_truecolor()) return PALETTE_TRUECOLOR;
    if (n >= 256) return PALETTE_256;
    return PALETTE_8;
}

const char *theme_terminal(Palette requested, char *buf, size_t cap)
{
    bool want = requested == PALETTE_TRUECOLOR ||
                (requested == PALETTE_AUTO && !no_color() && colorterm_truecolor());
    const char *term = getenv("TERM");
    if (!want || !term || !*term || strstr(term, "direct")) return NULL;
    int k = snprintf(buf, cap, "%.*s-direct", (int)strcspn(term, "-"), term);
    return k > 0 && (size_t)k < cap ? buf : NULL;
}

void theme_init(Theme *t, Palette requested, bool utf8)
{
    memset(t, 0, sizeof *t);
    t->utf8 = utf8;
    Palette p = requested == PALETTE_AUTO ? detect(utf8) : requested;
    /* Never ask for more than the terminal has: fall back step by step. */
    int n = terminal_colours();
    bool colours = n >= 8;
    if (p == PALETTE_TRUECOLOR && n < 0x1000000) p = PALETTE_256;
    if (p == PALETTE_256 && n < 256) p = PALETTE_8;
    if (p == PALETTE_8 && !colours) p = utf8 ? PALETTE_MONO : PALETTE_ASCII;
    if (p == PALETTE_MONO && !utf8) p = PALETTE_ASCII;
    t->palette = p;
    t->colour = p == PALETTE_TRUECOLOR || p == PALETTE_256 || p == PALETTE_8;
    t->levels = THEME_MAX_LEVELS;
    if (!t->colour) return;

    start_color();
    use_default_colors();
    t->pair_base = 0;
    for (int i = 0; i < THEME_MAX_LEVELS; i++) {
        const unsigned char *c = export_ramp[i];
        int fg, bg;
        if (p == PALETTE_8) {
            fg = ramp8[i].fg;
            bg = ramp8[i].bg;
        } else if (p == PALETTE_TRUECOLOR) {
            bg = (c[0] << 16) | (c[1] << 8) | c[2];
            fg = bright(c) ? 0x000000 : 0xffffff;
        } else {
            bg = xterm256(c);
            fg = bright(c) ? 16 : 231;
        }
        init_extended_pair(i + 1, fg, bg);
    }
    t->pair_accent = t->levels + 1;
    init_pair((short)t->pair_accent, COLOR_CYAN, -1);
}

int theme_level(const Theme *t, float w)
{
    /* Rounded, not ceiled: weights under half a step (1/16 with 8 levels)
     * stay background, so the many near-zero weights of a peaked head do
     * not paint the whole matrix; the exact value is one key away. */
    if (!(w > 0.0f)) return 0;
    if (w >= 1.0f) return t->levels;
    int l = (int)lroundf(w * t->levels);
    return l < 0 ? 0 : l > t->levels ? t->levels : l;
}

int theme_attr(const Theme *t, float w)
{
    int l = theme_level(t, w);
    if (!t->colour || l == 0) return A_NORMAL;
    return COLOR_PAIR(t->pair_base + l);
}

const char *theme_glyph(const Theme *t, float w)
{
    static const char *utf8_shades[] = {" ", "░", "▒", "▓", "█"};
    static const char *ascii_shades[] = {" ", ".", ":", "*", "#"};
    int l = theme_level(t, w);
    if (t->palette == PALETTE_8) return l && ramp8[l - 1].dither ? (t->utf8 ? "▒" : ":") : " ";
    if (t->colour) return " ";
    /* Glyphs have four steps: fold the levels onto them. */
    int g = l == 0 ? 0 : 1 + (l - 1) * 4 / t->levels;
    return t->utf8 && t->palette != PALETTE_ASCII ? utf8_shades[g] : ascii_shades[g];
}

const char *theme_marker(const Theme *t)
{
    return t->utf8 ? "▶" : ">";
}
