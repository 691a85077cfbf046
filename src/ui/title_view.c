/* title_view.c - the top line: model, its shape, the layer and head shown. */
#include <stdio.h>

#include "trace.h"
#include "views.h"

void title_view_draw(WINDOW *w, const ViewData *v)
{
    const AppState *st = v->st;
    const Scene *s = v->scene;
    char line[512], head[64];
    if (st->mean) snprintf(head, sizeof head, "head mean of %d", st->n_heads);
    else if (s->have) {
        const HeadStats *hs = &s->stats[(size_t)st->layer * st->n_heads + st->head];
        snprintf(head, sizeof head, "head %d (kv %d)  %s %.2f", st->head,
                 trace_kv_head(s->res.trace, st->head), analysis_pattern_name(hs->pattern),
                 hs->score);
    }
    else snprintf(head, sizeof head, "head %d", st->head);
    snprintf(line, sizeof line, " attnscope  %s  %d×%d  layer %d  %s", s->model->name,
             st->n_layers, st->n_heads, st->layer, head);
    werase(w);
    wbkgd(w, A_REVERSE);
    int W = getmaxx(w);
    view_puts(w, v->theme, 0, 0, W, A_REVERSE | A_BOLD, line);
    const char *help = "? help ";
    if (W > 40) view_puts(w, v->theme, 0, W - 7, 7, A_REVERSE, help);
}

