/*
 * status_view.c - the title bar (model, layer, head) and the status lines
 * under the panels: the query's top attended tokens, the key cursor's exact
 * weight, the colour scale, and the keys of the current mode.
 */
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "views.h"

/* "0 ░▒▓█ 1": the scale, in the palette in use. */
static void draw_legend(WINDOW *w, int y, int x, const Theme *t)
{
    view_puts(w, t, y, x, 2, A_NORMAL, "0 ");
    for (int l = 1; l <= t->levels; l++) {
        float wt = (float)l / t->levels;
        if (t->colour) view_puts(w, t, y, x + 1 + l, 1, theme_attr(t, wt), " ");
        else view_puts(w, t, y, x + 1 + l, 1, A_NORMAL, theme_glyph(t, wt));
    }
    view_puts(w, t, y, x + 2 + t->levels, 2, A_NORMAL, " 1");
}

static const char *hints(const AppState *st)
{
    switch (st->mode) {
    case MODE_EDIT: return "type to edit  ←→ move  ^←→ word  Home End  Enter/Esc done";
    case MODE_HELP: return "any key closes this help";
    case MODE_OVERVIEW: return "←→ head  ↑↓ layer  Enter open  Esc back  q quit";
    default:
        return st->multi ? "←→ query  Tab head  [ ] layer  m single head  e edit  q quit"
                         : "←→ query  ,. key  Tab head  [ ] layer  m heads  x math  e edit  q quit";
    }
}

void status_view_draw(WINDOW *w, const ViewData *v)
{
    const AppState *st = v->st;
    const Scene *s = v->scene;
    int W = getmaxx(w);
    char line[512];
    werase(w);
    if (s->have) {
        int top[3], k = scene_top(s, 3, top);
        int o = snprintf(line, sizeof line, " %s →", s->label[st->query]);
        for (int i = 0; i < k && o < (int)sizeof line; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "  %s %.2f", s->label[top[i]],
                          s->row[top[i]]);
        view_puts(w, v->theme, 0, 0, W, A_BOLD, line);
        snprintf(line, sizeof line, " query %d  key %d %s: %.4f", st->query, st->key,
                 s->label[st->key], s->row[st->key]);
        view_puts(w, v->theme, 1, 0, W - 14, A_NORMAL, line);
    }
    if (W >= 40) draw_legend(w, 1, W - 13, v->theme);
    if (v->message) view_puts(w, v->theme, 2, 0, W, A_BOLD, v->message);
    else if (v->computing) view_puts(w, v->theme, 2, 0, W, A_BOLD, " computing…");
    else {
        snprintf(line, sizeof line, " %s", hints(st));
        view_puts(w, v->theme, 2, 0, W, A_DIM, line);
    }
}
