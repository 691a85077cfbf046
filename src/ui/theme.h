/*
 * theme.h - how a weight in [0, 1] looks on this terminal.
 *
 * One perceptually ordered ramp (magma-like, dark to bright) in true colour
 * or the xterm 256-colour cube; a 4-step ramp with bold on 8/16 colours;
 * shade glyphs without colour (░▒▓█, or .:*# when the locale is not UTF-8).
 * Zero weight is always the plain background, so masked cells stay quiet.
 */
#ifndef ATTNSCOPE_THEME_H
#define ATTNSCOPE_THEME_H

#include <stdbool.h>

#include "config.h"

#define THEME_MAX_LEVELS 8

typedef struct {
    Palette palette;  /* resolved: never PALETTE_AUTO */
    bool utf8;        /* the locale can show UTF-8 */
    bool colour;      /* palette is one of the colour ones */
    int levels;       /* non-zero shades: 8 or 4 */
    int pair_base;    /* colour pairs pair_base+1 .. pair_base+levels */
    int pair_accent;  /* titles and the selected head */
} Theme;

/* Pick the palette (REQUESTED, or from the terminal when AUTO) and set up
 * colour pairs.  Call after curses has started. */
void theme_init(Theme *t, Palette requested, bool utf8);
/* The shade level of a weight: 0..levels, rounded (so 0 for any weight
 * under half a step). */
int theme_level(const Theme *t, float w);
/* Curses attributes for a cell of weight W (colour modes: the ramp colour as
 * background; glyph modes: A_NORMAL). */
int theme_attr(const Theme *t, float w);
/* A one-column glyph for weight W in the glyph palettes (" " for 0). */
const char *theme_glyph(const Theme *t, float w);
/* Box and marker glyphs that exist in this locale. */
const char *theme_marker(const Theme *t); /* the query row marker */

#endif
