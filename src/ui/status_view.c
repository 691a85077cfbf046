/*
 * status_view.c - the title bar (model, layer, head) and the status lines
 * under the panels: the query's top attended tokens, the key cursor's exact
 * weight, the colour scale, and the keys of the current mode (or, with
 * heads knocked out, what that did to the model's predictions).
 */
#include <stdio.h>
#include <string.h>

#include "lesson.h"
#include "trace.h"
#include "views.h"

/* "· cannot see  >0 ░░▒▒▓▓██ 1" at the right of line Y: the masked glyph
 * (causal models), then the scale in the palette in use, whose first step
 * holds every weight above 0 (view_draw_cell).  Returns its columns, or 0
 * when it does not fit in ROOM. */
static int draw_legend(WINDOW *w, int y, int room, const Theme *t, bool causal)
{
    static const char masked[] = " cannot see  ";
    int scale = 3 + t->levels + 2, mw = causal ? 1 + (int)sizeof masked - 1 : 0;
    if (scale + mw > room) mw = 0;
    if (scale > room) return 0;
    int x = getmaxx(w) - 1 - scale - mw;
    if (mw) {
        view_puts(w, t, y, x, 1, A_DIM, view_masked_glyph(t));
        view_puts(w, t, y, x + 1, mw - 1, A_NORMAL, masked);
        x += mw;
    }
    view_puts(w, t, y, x, 3, A_NORMAL, ">0 ");
    for (int l = 1; l <= t->levels; l++) {
        float wt = (float)l / t->levels;
        view_puts(w, t, y, x + 2 + l, 1, theme_attr(t, wt), theme_glyph(t, wt));
    }
    view_puts(w, t, y, x + 3 + t->levels, 2, A_NORMAL, " 1");
    return scale + mw;
}

/* The keys of the mode, in short (? lists them all). */
static const char *hints(const AppState *st)
{
    switch (st->mode) {
    case MODE_EDIT: return "type to edit  ←→ move  ^←→ word  Enter keep  Esc restore";
    case MODE_HELP: return "↑↓ PgUp PgDn scroll  any other key closes this help";
    case MODE_OVERVIEW: return "←→ head  ↑↓ layer  Enter open  Esc back  q quit";
    case MODE_SEARCH: return "";
    case MODE_LESSON:
        return st->lesson >= 0 && lesson_step(st->lesson)->view == LESSON_VIEW_SOFTMAX
                   ? "n next step  p back  u without √d  ←→ query  Tab head  e edit  Esc leave"
                   : "n next step  p back  ←→ query  Tab head  e edit  Esc leave  ? keys";
    default:
        return st->multi ? "←→ query  Tab head  [ ] layer  m single head  / find  ? keys  q quit"
                         : "←→ query  ,. key  Tab head  [ ] layer  / find  L lesson  ? keys  q quit";
    }
}

void status_view_draw(WINDOW *w, const ViewData *v)
{
    const AppState *st = v->st;
    const Scene *s = v->scene;
    int W = getmaxx(w);
    char line[512];
    werase(w);
    int legend = draw_legend(w, 1, W - 26, v->theme, view_causal(v));
    if (s->have) {
        int top[3], k = scene_top(s, 3, top);
        int qu = scene_unit_of(s, st, st->query), ku = scene_unit_of(s, st, st->key);
        int o = snprintf(line, sizeof line, " %s →", scene_unit_label(s, st, qu, NULL));
        for (int i = 0; i < k && o < (int)sizeof line; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "  %s %.2f",
                          scene_unit_label(s, st, top[i], NULL), s->row[top[i]]);
        view_puts(w, v->theme, 0, 0, W, A_BOLD, line);
        snprintf(line, sizeof line, " query %d  key %d %s: %.4f", st->query, st->key,
                 scene_unit_label(s, st, ku, NULL), s->row[ku]);
        view_puts(w, v->theme, 1, 0, W - legend - 2, A_NORMAL, line);
    }
    if (st->mode == MODE_SEARCH) {
        /* The word being typed, where the hints were. */
        snprintf(line, sizeof line, " find: %s_   Enter find  Esc cancel", st->search);
        view_puts(w, v->theme, 2, 0, W, A_BOLD, line);
    } else if (v->message) view_puts(w, v->theme, 2, 0, W, A_BOLD, v->message);
    else if (v->computing) view_puts(w, v->theme, 2, 0, W, A_BOLD, " computing…");
    else if (s->have && s->res.n_off > 0) {
        /* Heads knocked out: the meter, in the place of the hints. */
        const WorkResult *r = &s->res;
        int o = snprintf(line, sizeof line, " %d/%d heads off", r->n_off,
                         st->n_layers * st->n_heads);
        if (r->have_loss)
            o += snprintf(line + o, sizeof line - (size_t)o,
                          " · loss %.2f → %.2f · top-1 same %d/%d", r->loss_before,
                          r->loss_after, r->top1_same, r->positions);
        snprintf(line + o, sizeof line - (size_t)o, "   K toggles  R restores");
        view_puts(w, v->theme, 2, 0, W, A_BOLD, line);
    } else {
        snprintf(line, sizeof line, " %s", hints(st));
        view_puts(w, v->theme, 2, 0, W, A_DIM, line);
    }
}
