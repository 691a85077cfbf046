/*
 * views.h - the screen's panels.  Each draws one window from the Scene and
 * the AppState and nothing else; none reads input or changes state.  The
 * layout (screen.c) decides where the windows are.
 */
#ifndef ATTNSCOPE_VIEWS_H
#define ATTNSCOPE_VIEWS_H

#include <curses.h>

#include "app_state.h"
#include "scene.h"
#include "theme.h"

/* Where each panning panel starts; kept between draws so the view moves only
 * when a cursor would leave it. Owned by the loop, updated by the views. */
typedef struct {
    int sentence_x;
    int heat_row, heat_col;
    int multi_row;
    int math_row;
    int side_layer, side_head;
    int pin_row, pin_col; /* the pinned head's heatmap, when comparing */
    int help_last;        /* the help's last first line, as last drawn: help_scroll's bound */
} ViewPans;

typedef struct {
    const Scene *scene;
    const AppState *st;
    const Theme *theme;
    bool computing;      /* a forward pass is under way */
    const char *message; /* the last error or note, or NULL */
    ViewPans *pans;
} ViewData;

void title_view_draw(WINDOW *w, const ViewData *v);
void sentence_view_draw(WINDOW *w, const ViewData *v);
void heatmap_view_draw(WINDOW *w, const ViewData *v);
/* Compare: the pinned head on the left, the current one on the right. */
void compare_view_draw(WINDOW *left, WINDOW *right, const ViewData *v);
void multihead_view_draw(WINDOW *w, const ViewData *v);
void math_view_draw(WINDOW *w, const ViewData *v);
void predict_view_draw(WINDOW *w, const ViewData *v);
void overview_view_draw(WINDOW *w, const ViewData *v);
void sidebar_view_draw(WINDOW *w, const ViewData *v);
void status_view_draw(WINDOW *w, const ViewData *v);
void help_view_draw(WINDOW *w, const ViewData *v);
/* The lesson: the step's line and caption (lesson_view.c), and the panels
 * of the steps that are not the explorer's own (lesson_*_view.c). */
void lesson_view_draw(WINDOW *w, const ViewData *v);
void lesson_qkv_view_draw(WINDOW *w, const ViewData *v);
void lesson_heads_view_draw(WINDOW *w, const ViewData *v);
void lesson_cost_view_draw(WINDOW *w, const ViewData *v);
void lesson_twin_view_draw(WINDOW *w, const ViewData *v);
void lesson_prune_view_draw(WINDOW *w, const ViewData *v);
/* The lesson's measurement of the step on screen, or NULL (not in the
 * lesson, not measured yet, or the step's words are not in the text). */
const LessonResult *view_lesson(const ViewData *v);
/* The help box's size on a ROWS x COLS terminal: as much of it as the list
 * needs (screen.c sizes the help window with it). */
void help_view_size(int rows, int cols, int *h, int *w);

/* Shared by the views: draw display-safe UTF-8 S at (y, x), at most MAX_COLS
 * columns, with ATTR; returns the columns drawn. */
int view_puts(WINDOW *w, const Theme *t, int y, int x, int max_cols, int attr, const char *s);
/* Vocabulary piece ID as a view shows it, at most MAX_COLS columns, into OUT:
 * the piece's own characters ("▁He"); without UTF-8, view_puts's ASCII
 * stand-ins ("_He"), not the locale's replacement marks. */
void view_piece(const Scene *s, const Theme *t, int id, char *out, size_t cap, int max_cols);
/* A bar of WIDTH columns for weight W (0..1) into OUT, in eighths of a
 * column ("#" whole columns without UTF-8). */
void view_bar(char *out, size_t cap, float w, int width, bool utf8);
/* TEXT word-wrapped at spaces in lines Y..BOTTOM from column X, WIDTH wide,
 * with ATTR; returns the line after the last drawn.  view_wrap_lines: how
 * many lines it takes. */
int view_wrap(WINDOW *w, const Theme *t, int y, int x, int width, int bottom, const char *text,
              int attr);
int view_wrap_lines(const char *text, int width);
/* A box with a title in its top border. */
void view_frame(WINDOW *w, const char *title, const Theme *t);
/* The same, marking content that is cut: "↑ ABOVE more" in the top border and
 * "↓ BELOW more" in the bottom one (0: no mark), the title cut to leave room. */
void view_frame_more(WINDOW *w, const char *title, const Theme *t, int above, int below);
/* Columns for the heatmap cells: where the first visible column starts so
 * that column WANT shows within VISIBLE columns of N. */
int view_pan(int want, int visible, int n, int current_start);
/* Heatmap cells, shared by the heatmap and multi-head views.  The cells of
 * a panel widen to fill it; column labels alternate over two header lines
 * when a word is wider than its cell and the panel is tall enough. */
typedef struct {
    int x0;     /* the window column of the first cell */
    int cw;     /* a cell's columns, its gap included */
    int ncols;  /* cells in view */
    int col0;   /* the unit in the first of them */
    int header; /* header lines above the rows: 1 or 2 */
    bool tokens; /* columns are the model's tokens, not units (multi-head) */
} ViewGrid;
/* Header lines for a panel whose frame holds INNER_H lines: 2 once that
 * leaves room for rows, so that app.c can tell how many rows PgDn pages. */
int view_header_lines(int inner_h);
/* Rows of cells a heatmap window HEIGHT lines tall shows. */
int view_grid_rows(int height);
/* Fit N units into window W right of column X0 (col0: view_grid_pan). */
void view_grid_fit(ViewGrid *g, WINDOW *w, const ViewData *v, int x0, int n);
/* Set g->col0 so that the key cursor KEY and the strongest key of ROW (over
 * N units) are in view, and as much of the row up to QUERY as then fits. */
void view_grid_pan(ViewGrid *g, const float *row, int n, int query, int key);
/* Whether the model on screen is causal: a word only sees earlier words. */
bool view_causal(const ViewData *v);
/* Whether masked cells are marked in full (the lesson's mask step: the
 * hidden triangle filled with ×) rather than with a dim dot. */
bool view_mask_marked(const ViewData *v);
/* The glyph of a masked cell ("cannot see") in this palette. */
const char *view_masked_glyph(const Theme *t);
void view_draw_cell(WINDOW *w, int y, int x, int cw, const ViewData *v, float wt, bool masked,
                    bool selected);
/* The key labels on the header lines from Y, the key cursor KEY reversed. */
void view_draw_key_header(WINDOW *w, const ViewData *v, const ViewGrid *g, int y, int key);
/* The longest of NOTES (longest first, NULL-ended) that fits in the bottom
 * border, at its left. */
void view_frame_note(WINDOW *w, const Theme *t, const char *const *notes);

#endif
