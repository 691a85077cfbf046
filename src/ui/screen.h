/*
 * screen.h - the terminal: starting and stopping curses, and the layout of
 * the panels for the current size.  Rebuilt from scratch on every resize.
 *
 *   title                                   (1 line)
 *   sentence (4 lines)               | heads sidebar (when wide enough)
 *   heatmap / multi-head (the rest)  |   (compare: two heatmaps, side
 *                                    |    by side or one over the other)
 *   lesson caption, in the lesson           (4 lines; 1 on a short screen)
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
    WINDOW *lesson;  /* the step's title and caption, or NULL outside the lesson */
    bool in_lesson;  /* laid out for the lesson */
    /* Halves of heat, for comparing two heads: the pinned one left, or on
     * top when side by side is too narrow (compare_stacked). */
    WINDOW *heat_left, *heat_right;
    bool compare_stacked;
} Layout;

/* Start curses on the terminal: output to stdout, input from IN (stdin, or
 * /dev/tty when stdin is a pipe).  TERM_NAME, when not NULL, is tried
 * before $TERM (a direct-colour entry: theme_terminal()).  Fails with a
 * message when TERM names no known terminal. */
int screen_start(FILE *in, const char *term_name, char *err, size_t errlen);
void screen_stop(void);
/* The terminal's size now (after SIGWINCH), applied to curses. */
void screen_resize(void);
/* The panels for the terminal's size; LESSON: with the lesson's caption. */
void layout_build(Layout *l, bool lesson);
void layout_free(Layout *l);

#endif
