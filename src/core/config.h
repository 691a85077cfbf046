/*
 * config.h - user settings from an INI file (read with iniparser).
 *
 *   [attnscope]
 *   model = /path/to/model.gguf     ; default model
 *   text = The cat sat on the mat.  ; default sentence
 *   palette = auto                  ; auto | truecolor | 256 | 8 | mono | ascii
 *   values = false                  ; show numbers in heatmap cells
 *   layer = 0                       ; the explorer opens on this layer,
 *   head = 2                        ; this head
 *   query = it                      ; and this query: a token number, or
 *                                   ; a word (its first occurrence)
 *
 * Loading never fails on bad content: an unknown section or key, or a bad
 * value, is reported as a warning naming the file, the line and the key, and
 * the default is kept.  Only an unreadable file that was named explicitly is
 * an error.  The Config owns its strings; config_free() releases them.
 */
#ifndef ATTNSCOPE_CONFIG_H
#define ATTNSCOPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    PALETTE_AUTO = 0,  /* pick from the terminal's capabilities */
    PALETTE_TRUECOLOR, /* 24-bit colour */
    PALETTE_256,       /* the xterm 256-colour cube */
    PALETTE_8,         /* 8 or 16 colours: a short ramp with bold */
    PALETTE_MONO,      /* shade glyphs, UTF-8 ░▒▓█ */
    PALETTE_ASCII,     /* shade glyphs, ASCII .:*# */
} Palette;

typedef struct {
    char *model;      /* NULL: not set */
    char *text;       /* NULL: not set */
    Palette palette;
    bool show_values;
    /* Where the explorer opens; not range-checked here (the model decides). */
    bool have_layer, have_head;
    int layer, head;
    char *query;      /* NULL: not set; digits: a token number; else a word */
    /* Warnings collected while loading, one per line, for the caller to show. */
    char **warnings;
    int n_warnings;
} Config;

/* The default path: $XDG_CONFIG_HOME/attnscope/config.ini, or
 * $HOME/.config/attnscope/config.ini.  Writes into BUF; returns BUF, or NULL
 * when neither variable is set. */
const char *config_default_path(char *buf, size_t len);

/* Load PATH into *cfg (which is first reset to defaults).  When PATH does not
 * exist and REQUIRED is false, *cfg keeps the defaults and 0 is returned.
 * Returns non-zero with a message in ERR only when the file cannot be read
 * (missing and REQUIRED, unreadable, not a regular file, larger than 1 MiB). */
int config_load(Config *cfg, const char *path, bool required, char *err, size_t errlen);
void config_free(Config *cfg); /* resets to defaults; safe on a zeroed Config */

/* Parse a palette name ("auto", "truecolor", "256", "8", "mono", "ascii");
 * returns 0 and sets *out, or -1 for anything else. */
int config_parse_palette(const char *s, Palette *out);
const char *config_palette_name(Palette p);

#endif
