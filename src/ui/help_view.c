/* help_view.c - the overlay listing the keys: keymap_help()'s rows, the mode
 * it was opened from first, then the other modes under their titles as far
 * as the window goes. */
#include <stdio.h>

#include "keymap.h"
#include "views.h"

/* The column the descriptions start in, after the keys. */
#define HELP_KEYS_COLS 22

static void draw_row(WINDOW *w, const Theme *t, int y, int width, const KeyHelp *row)
{
    char keys[128];
    keymap_help_keys(row, keys, sizeof keys);
    int c = view_puts(w, t, y, 2, width, A_NORMAL, keys);
    int x = c < HELP_KEYS_COLS ? HELP_KEYS_COLS : c + 1;
    if (x < width) view_puts(w, t, y, 2 + x, width - x, A_NORMAL, row->what);
}

void help_view_draw(WINDOW *w, const ViewData *v)
{
    size_t n;
    const KeymapHelp *all = keymap_help_all(&n);
    const KeymapHelp *first = keymap_help(v->st->help_return);
    char title[64];
    snprintf(title, sizeof title, first->mode == MODE_NORMAL ? "keys" : "keys: %s", first->title);
    werase(w);
    view_frame(w, title, v->theme);
    int W = getmaxx(w) - 4, H = getmaxy(w) - 2, y = 1;
    for (const KeyHelp *r = first->rows; r < first->rows + first->n_rows && y <= H; r++)
        draw_row(w, v->theme, y++, W, r);
    for (size_t i = 0; i < n; i++) {
        const KeymapHelp *m = &all[i];
        /* A title only with a row under it. */
        if (m == first || y + 1 > H) continue;
        view_puts(w, v->theme, y++, 2, W, A_BOLD, m->title);
        for (const KeyHelp *r = m->rows; r < m->rows + m->n_rows && y <= H; r++)
            draw_row(w, v->theme, y++, W, r);
    }
}
