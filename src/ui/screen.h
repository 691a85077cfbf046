/*
 * screen.h - the terminal: starting and stopping curses, and the layout of
 * the panels for the current size.  Rebuilt from scratch on every resize.
 *
 *   title                                   (1 line)
 *   sentence (4 lines)               | heads sidebar (when wide enough)
 *   heatmap / multi-head (the rest)  |
 *   status                                  (3 lines)
 */
#ifndef ATTNSCOPE_SCREEN_H
#define ATTNSCOPE_SCREEN_H

#include <curses.h>
#include <stdbool.h>

#define SCREEN_MIN_COLS 40
#define SCREEN_MIN_ROWS 12

typedef struct {
    int rows, cols;
    bool too_small;
    WINDOW *title, *sentence, *heat, *side, *status, *help; /* side may be NULL */
    WINDOW *heat_left, *heat_right; /* halves of heat, for comparing two heads */
} Layout;

/* Start curses on the controlling terminal (stdin/stdout).  Fails with a
 * message when TERM names no known terminal. */
int screen_start(char *err, size_t errlen);
void screen_stop(void);
/* The terminal's size now (after SIGWINCH), applied to curses. */
void screen_resize(void);
void layout_build(Layout *l);
void layout_free(Layout *l);

#endif
