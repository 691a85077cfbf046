/* title_view.c - the top line: model, its shape, the layer and head shown,
 * what the head does, and "? help" at the right.  When the line is too
 * narrow for all of it, parts shorten or give way, least useful first, so
 * that nothing overlaps and the layer and head stay readable. */
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "ui_text.h"
#include "views.h"

enum { P_BRAND, P_MODEL, P_SHAPE, P_MASK, P_LAYER, P_HEAD, P_KV, P_PATTERN, P_WORDS, P_N };

/* A part's text at each level: 0 full, 1 short ("" for none), 2 gone. */
typedef struct {
    char text[2][96];
    const char *sep; /* before it, after the previous part */
    int level;
} Part;

/* The order in which parts give way: each step shortens or drops one. */
static const struct {
    int part, level;
} give_way[] = {
    {P_MASK, 1},  {P_KV, 2},    {P_BRAND, 2}, {P_MODEL, 1},   {P_MODEL, 2}, {P_SHAPE, 2},
    {P_WORDS, 1},
    {P_PATTERN, 1}, {P_LAYER, 1}, {P_HEAD, 1},  {P_PATTERN, 2}, {P_WORDS, 2}, {P_MASK, 2},
};

#define HELP_MARK "? help"

static int cols_of(const char *s)
{
    return ui_text_width(s, strlen(s), true);
}

static const char *part_text(const Part *p)
{
    return p->level < 2 ? p->text[p->level] : "";
}

/* The parts joined, with a leading space, into LINE; returns its columns. */
static int join(const Part *parts, char *line, size_t cap)
{
    size_t o = (size_t)snprintf(line, cap, " ");
    bool first = true;
    for (int i = 0; i < P_N; i++) {
        const char *t = part_text(&parts[i]);
        if (!*t) continue;
        o += (size_t)snprintf(line + o, o < cap ? cap - o : 0, "%s%s", first ? "" : parts[i].sep, t);
        first = false;
    }
    return cols_of(line);
}

static void fill_parts(Part *p, const ViewData *v)
{
    const AppState *st = v->st;
    const Scene *s = v->scene;
    memset(p, 0, sizeof *p * P_N);
    for (int i = 0; i < P_N; i++) p[i].sep = "  ";
    p[P_KV].sep = " ";
    snprintf(p[P_BRAND].text[0], sizeof p[P_BRAND].text[0], "attnscope");
    snprintf(p[P_MODEL].text[0], sizeof p[P_MODEL].text[0], "%s", s->model->name);
    /* A long model name shortens to its start before it goes. */
    char cut[64] = "";
    ui_text_render(s->model->name, strlen(s->model->name), true, cut, sizeof cut, 12, NULL);
    bool cut_short = strcmp(cut, s->model->name) != 0;
    snprintf(p[P_MODEL].text[1], sizeof p[P_MODEL].text[1], "%s%s", cut,
             !cut_short ? "" : v->theme->utf8 ? "…" : "...");
    snprintf(p[P_SHAPE].text[0], sizeof p[P_SHAPE].text[0], "%d×%d", st->n_layers, st->n_heads);
    /* Which way words see: an encoder's every word sees every other and
     * its matrices are full ("bidir" when short); a causal model's only the
     * words before (first to give way: the mask shows it). */
    if (s->have && !s->res.trace->causal) {
        snprintf(p[P_MASK].text[0], sizeof p[P_MASK].text[0], "bidirectional");
        snprintf(p[P_MASK].text[1], sizeof p[P_MASK].text[1], "bidir");
    } else if (s->have) {
        snprintf(p[P_MASK].text[0], sizeof p[P_MASK].text[0], "causal");
    }
    /* Whole words (w) change what every row means: said while on. */
    const char *words = scene_units_note(st, true);
    if (words && *words) {
        snprintf(p[P_WORDS].text[0], sizeof p[P_WORDS].text[0], "[%s]", words);
        snprintf(p[P_WORDS].text[1], sizeof p[P_WORDS].text[1], "[w]");
    }
    snprintf(p[P_LAYER].text[0], sizeof p[P_LAYER].text[0], "layer %d", st->layer);
    snprintf(p[P_LAYER].text[1], sizeof p[P_LAYER].text[1], "L%d", st->layer);
    if (st->mean) {
        snprintf(p[P_HEAD].text[0], sizeof p[P_HEAD].text[0], "head mean of %d", st->n_heads);
        snprintf(p[P_HEAD].text[1], sizeof p[P_HEAD].text[1], "mean");
        return;
    }
    bool off = st->ablate && st->ablate[(size_t)st->layer * st->n_heads + st->head];
    snprintf(p[P_HEAD].text[0], sizeof p[P_HEAD].text[0], "head %d%s", st->head,
             off ? " (knocked out)" : "");
    snprintf(p[P_HEAD].text[1], sizeof p[P_HEAD].text[1], "H%d%s", st->head,
             off ? (v->theme->utf8 ? "×" : "x") : "");
    if (!s->have) return;
    const HeadStats *hs = &s->stats[(size_t)st->layer * st->n_heads + st->head];
    /* Only where heads share keys and values (grouped-query attention). */
    if (s->res.trace->n_kv_heads < st->n_heads)
        snprintf(p[P_KV].text[0], sizeof p[P_KV].text[0], "(kv %d)",
                 trace_kv_head(s->res.trace, st->head));
    snprintf(p[P_PATTERN].text[0], sizeof p[P_PATTERN].text[0], "%s %.2f",
             analysis_pattern_name(hs->pattern), hs->score);
    snprintf(p[P_PATTERN].text[1], sizeof p[P_PATTERN].text[1], "%s %.2f",
             analysis_pattern_short(hs->pattern), hs->score);
}

void title_view_draw(WINDOW *w, const ViewData *v)
{
    Part parts[P_N];
    char line[1024];
    fill_parts(parts, v);
    int W = getmaxx(w), help_w = cols_of(HELP_MARK);
    /* "? help" keeps two spaces from the rest and one from the edge, or goes. */
    bool help = true;
    size_t step = 0, n_steps = sizeof give_way / sizeof give_way[0];
    for (;;) {
        int used = join(parts, line, sizeof line) + (help ? 2 + help_w + 1 : 0);
        if (used <= W) break;
        if (step < n_steps) {
            parts[give_way[step].part].level = give_way[step].level;
            step++;
        } else if (help) {
            help = false;
        } else {
            break; /* the layer and head alone, cut at the edge */
        }
    }
    werase(w);
    wbkgd(w, A_REVERSE);
    view_puts(w, v->theme, 0, 0, W, A_REVERSE | A_BOLD, line);
    if (help) view_puts(w, v->theme, 0, W - help_w - 1, help_w, A_REVERSE, HELP_MARK);
}
