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

/* Shared by the views: draw display-safe UTF-8 S at (y, x), at most MAX_COLS
 * columns, with ATTR; returns the columns drawn. */
int view_puts(WINDOW *w, const Theme *t, int y, int x, int max_cols, int attr, const char *s);
/* A box with a title in its top border. */
void view_frame(WINDOW *w, const char *title, const Theme *t);
/* Columns for the heatmap cells: where the first visible column starts so
 * that column WANT shows within VISIBLE columns of N. */
int view_pan(int want, int visible, int n, int current_start);
/* Heatmap cells, shared by the heatmap and multi-head views. */
int view_cell_width(const AppState *st);
void view_draw_cell(WINDOW *w, int y, int x, const ViewData *v, float wt, bool masked,
                    bool selected);
void view_draw_key_header(WINDOW *w, const ViewData *v, int x0, int col0, int ncols, int y);

#endif
