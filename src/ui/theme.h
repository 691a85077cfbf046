/*
 * theme.h - how a weight in [0, 1] looks on this terminal.
 *
 * One perceptually ordered ramp (magma-like, dark to bright: export.h's,
 * which the saved SVG uses too) in true colour or the xterm 256-colour cube;
 * on 8 colours, blue, magenta, red, yellow and white backgrounds with a
 * half-shade of the next colour between each (8 steps); shade glyphs without
 * colour (░▒▓█, or .:*# in the ascii palette and when the locale is not
 * UTF-8).  A cell of weight W is theme_glyph() drawn with theme_attr(), in
 * every palette.  Zero weight is the plain background.
 *
 * The palette asked for as "auto" is: none (mono) when NO_COLOR is set and
 * not empty, true colour when COLORTERM is "truecolor" or "24bit", else the
 * best the terminal's terminfo offers.
 */
#ifndef ATTNSCOPE_THEME_H
#define ATTNSCOPE_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define THEME_MAX_LEVELS 8

typedef struct {
    Palette palette;  /* resolved: never PALETTE_AUTO */
    bool utf8;        /* the locale can show UTF-8 */
    bool colour;      /* palette is one of the colour ones */
    int levels;       /* non-zero shades */
    int pair_base;    /* colour pairs pair_base+1 .. pair_base+levels */
    int pair_accent;  /* titles and the selected head */
} Theme;

/* The terminal type curses should start with instead of $TERM: true colour
 * needs a direct-colour terminfo entry (xterm-direct, tmux-direct, from
 * ncurses-term), and COLORTERM says the terminal has it when TERM does not.
 * Returns BUF holding "<TERM's first word>-direct" when REQUESTED (or AUTO
 * with COLORTERM) asks for true colour and TERM is not a direct one already;
 * NULL otherwise.  The caller falls back to $TERM when that entry is absent. */
const char *theme_terminal(Palette requested, char *buf, size_t cap);
/* Pick the palette (REQUESTED, or from the environment and the terminal when
 * AUTO) and set up colour pairs.  Call after curses has started. */
void theme_init(Theme *t, Palette requested, bool utf8);
/* The shade level of a weight: 0..levels, rounded (so 0 for any weight
 * under half a step). */
int theme_level(const Theme *t, float w);
/* Curses attributes for a cell of weight W (colour palettes: the ramp's
 * colour pair; glyph palettes: A_NORMAL). */
int theme_attr(const Theme *t, float w);
/* The one-column glyph to draw, with theme_attr(), in a cell of weight W:
 * a shade in the glyph palettes, a half-shade between two backgrounds on 8
 * colours, a space in 256 and true colour (and for 0). */
const char *theme_glyph(const Theme *t, float w);
/* Box and marker glyphs that exist in this locale. */
const char *theme_marker(const Theme *t); /* the query row marker */

#endif
