/* help_view.c - the overlay listing every key (kept in step with keymap.c). */
#include "views.h"

static const char *const help_lines[] = {
    "←/→  h/l  ↑/↓  k/j   move the query token",
    "Home/End  g/G        first / last token",
    "Shift-←/→  , .       move the key cursor",
    "Tab / Shift-Tab  n p next / previous head",
    "PgDn / PgUp  ] [     next / previous layer",
    "a                    mean over the layer's heads",
    "m                    all heads of the layer",
    "x                    the math: q·k, scaled, softmax",
    "t                    the next token the model predicts",
    "v                    numbers in the heatmap",
    "s                    save the head as CSV and SVG",
    "c                    pin the head; move to compare",
    "o                    overview of every head (Enter opens)",
    "e                    edit the sentence",
    "   (in edit) ←→ Home End, Ctrl-←/→ by word,",
    "   Backspace Delete; Enter or Esc to finish",
    "Esc                  back to the plain view",
    "Ctrl-L               redraw the screen",
    "q  Ctrl-C            quit",
};

void help_view_draw(WINDOW *w, const ViewData *v)
{
    werase(w);
    view_frame(w, "keys", v->theme);
    int W = getmaxx(w) - 4, H = getmaxy(w) - 2;
    int n = (int)(sizeof help_lines / sizeof help_lines[0]);
    for (int i = 0; i < n && i < H; i++) view_puts(w, v->theme, 1 + i, 2, W, A_NORMAL, help_lines[i]);
}
