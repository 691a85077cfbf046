/* screen.c - see screen.h. */
#include "screen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "error.h"
#include "views.h"

#include <term.h>

#define SIDEBAR_COLS 16
#define SIDEBAR_MIN_SCREEN 72
/* A compare panel narrower than this stacks; each stacked one keeps its
 * frame, a header and a few rows. */
#define COMPARE_MIN_COLS 48
#define COMPARE_MIN_ROWS 6
/* Below this many rows the lesson shows its step's line, not its caption. */
#define LESSON_FULL_ROWS 20

static SCREEN *term_screen;

int screen_start(FILE *in, const char *term_name, char *err, size_t errlen)
{
    const char *term = getenv("TERM");
    if (!term || !*term) {
        error_set(err, errlen, "TERM is not set: cannot drive the terminal "
                               "(try TERM=xterm, or --dump for plain output)");
        return -1;
    }
    /* newterm, unlike initscr, returns NULL on an unknown TERM rather than exiting. */
    term_screen = term_name ? newterm(term_name, stdout, in) : NULL;
    if (!term_screen) term_screen = newterm(NULL, stdout, in);
    if (!term_screen) {
        error_set(err, errlen, "unknown terminal type '%s' (try TERM=xterm, or --dump for "
                               "plain output)", term);
        return -1;
    }
    /* A terminal that cannot place the cursor (TERM=dumb, a printer) would
     * get a scroll of garbage: refuse it before drawing anything. */
    const char *cup = tigetstr("cup");
    if (!cup || cup == (const char *)-1) {
        endwin();
        delscreen(term_screen);
        term_screen = NULL;
        error_set(err, errlen, "terminal type '%s' cannot move the cursor, which the explorer "
                               "needs (try TERM=xterm, or --dump for plain output)", term);
        return -1;
    }
    raw();
    noecho();
    nonl();
    curs_set(0);
    return 0;
}

void screen_stop(void)
{
    if (!term_screen) return;
    curs_set(1);
    endwin();
    delscreen(term_screen);
    term_screen = NULL;
}

void screen_resize(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
}

void layout_free(Layout *l)
{
    /* Subwindows first: they live inside heat. */
    WINDOW **all[] = {&l->heat_left, &l->heat_right, &l->title, &l->sentence,
                      &l->heat, &l->side, &l->status, &l->help, &l->lesson};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (*all[i]) delwin(*all[i]), *all[i] = NULL;
}

void layout_build(Layout *l, bool lesson)
{
    layout_free(l);
    l->rows = LINES;
    l->cols = COLS;
    l->in_lesson = lesson;
    l->too_small = l->rows < SCREEN_MIN_ROWS || l->cols < SCREEN_MIN_COLS;
    if (l->too_small) return;
    int side = l->cols >= SIDEBAR_MIN_SCREEN ? SIDEBAR_COLS : 0;
    /* The caption: the step's line and its three, full width (they are
     * written for 80 columns); only the step's line on a short screen. */
    int cap = !lesson ? 0 : l->rows >= LESSON_FULL_ROWS ? 4 : 1;
    /* That line is taken from the sentence's second line of text on a short
     * screen, so the heatmap keeps its rows. */
    int sent = cap == 1 ? 3 : 4;
    int main_cols = l->cols - side, mid = l->rows - 1 - 3 - cap, heat_h = mid - sent;
    if (cap) l->lesson = newwin(cap, l->cols, l->rows - 3 - cap, 0);
    l->title = newwin(1, l->cols, 0, 0);
    l->sentence = newwin(sent, main_cols, 1, 0);
    l->heat = newwin(heat_h, main_cols, 1 + sent, 0);
    /* Compare: side by side, or the pinned head on top when halves would
     * show a row's keys only a few at a time. */
    l->compare_stacked = main_cols / 2 < COMPARE_MIN_COLS && heat_h >= 2 * COMPARE_MIN_ROWS;
    if (l->compare_stacked) {
        l->heat_left = derwin(l->heat, heat_h / 2, main_cols, 0, 0);
        l->heat_right = derwin(l->heat, heat_h - heat_h / 2, main_cols, heat_h / 2, 0);
    } else {
        l->heat_left = derwin(l->heat, heat_h, main_cols / 2, 0, 0);
        l->heat_right = derwin(l->heat, heat_h, main_cols - main_cols / 2, 0, main_cols / 2);
    }
    if (side) l->side = newwin(mid, side, 1, main_cols);
    l->status = newwin(3, l->cols, l->rows - 3, 0);
    int hw, hh;
    help_view_size(l->rows, l->cols, &hh, &hw); /* as much as the list needs */
    l->help = newwin(hh, hw, (l->rows - hh) / 2, (l->cols - hw) / 2);
}
