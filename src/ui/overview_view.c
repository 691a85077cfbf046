/*
 * overview_view.c - every layer × head of the model for this sentence: a
 * grid of tiny heatmaps (each the head's matrix shrunk by taking the largest
 * weight of each block, so sharp patterns survive), or, when the tiles
 * would be too small, each head's pattern name and number; or (i) each
 * head's importance on the sentence, shaded.  The selected head is marked,
 * knocked-out heads carry ×; Enter opens the selected one.
 */
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "views.h"

/* The largest weight of rows [i0, i1) × columns [j0, j1) of A (n × n). */
static float block_max(const float *a, int n, int i0, int i1, int j0, int j1)
{
    float m = 0; /* masked cells hold 0: no need to skip them */
    for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++)
            if (a[(size_t)i * n + j] > m) m = a[(size_t)i * n + j];
    return m;
}

static void tile(WINDOW *w, const ViewData *v, int y, int x, int th, int tw, int l, int h)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    bool sel = l == st->layer && h == st->head;
    bool off = st->ablate && st->ablate[(size_t)l * st->n_heads + h];
    char name[32];
    snprintf(name, sizeof name, "%d.%d%s", l, h, !off ? "" : t->utf8 ? "×" : "x");
    view_puts(w, t, y, x, tw - 1, sel ? A_REVERSE | A_BOLD : A_BOLD, name);
    const float *a = trace_attn(s->res.trace, l, h);
    int n = s->res.n, rows = th - 1, cols = tw - 1;
    if (rows > n) rows = n;
    if (cols > n) cols = n;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int i0 = r * n / rows, i1 = (r + 1) * n / rows;
            int j0 = c * n / cols, j1 = (c + 1) * n / cols;
            float m = block_max(a, n, i0, i1, j0, j1);
            if (t->colour) view_puts(w, t, y + 1 + r, x + c, 1, theme_attr(t, m), " ");
            else view_puts(w, t, y + 1 + r, x + c, 1, A_NORMAL, theme_glyph(t, m));
        }
}

/* The largest importance of the model's heads (at least a tiny positive
 * number): what a full shade stands for. */
static float importance_max(const ViewData *v)
{
    const AppState *st = v->st;
    const float *imp = v->scene->res.importance;
    float m = 1e-6f;
    for (int i = 0; imp && i < st->n_layers * st->n_heads; i++)
        if (imp[i] > m) m = imp[i];
    return m;
}

static void summary(WINDOW *w, const ViewData *v, int y, int x, int cw, int l, int h, float imax)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    size_t i = (size_t)l * st->n_heads + h;
    const HeadStats *hs = &s->stats[i];
    /* prev, self, first, broad, content, induction */
    static const char abbrev[] = {'P', 'S', 'F', 'B', 'C', 'I'};
    char cell[48];
    bool sel = l == st->layer && h == st->head;
    bool off = st->ablate && st->ablate[i];
    int attr = sel ? A_REVERSE | A_BOLD : A_NORMAL;
    const float *imp = s->res.importance;
    if (st->importance) {
        if (!imp) snprintf(cell, sizeof cell, "  …");
        else snprintf(cell, sizeof cell, "%+.2f", imp[i]);
        /* Shaded by importance: darkest the head the text can least do without. */
        float shade = imp && imp[i] > 0 ? imp[i] / imax : 0.0f;
        if (!sel && t->colour) attr = theme_attr(t, shade);
        else if (!sel && shade >= 0.5f) attr = A_BOLD;
    } else {
        unsigned p = (unsigned)hs->pattern;
        char c = p < sizeof abbrev ? abbrev[p] : '?';
        snprintf(cell, sizeof cell, "%c%.2f", c, hs->score);
    }
    if (off) cell[0] = 'x'; /* knocked out (K) */
    view_puts(w, t, y, x, cw - 1, attr, off && t->utf8 ? "×" : cell);
    if (off && t->utf8) view_puts(w, t, y, x + 1, cw - 2, attr, cell + 1);
}

/* What the letters stand for, longest first: the first that fits is shown. */
static const char *const legends[] = {
    "P previous-token  S self  F first-token  B broad  C content  I induction",
    "P previous-token  S self  F first-token  B broad  C content",
    "P prev  S self  F first  B broad  C content",
    "P prev S self F first B broad C cont",
};

/* Under i: what the numbers are (importance.h). */
static const char *const importance_legends[] = {
    "nats per next token the sentence costs more with the head alone knocked out",
    "loss rise (nats/token) with the head alone knocked out",
    "loss rise without the head",
};

void overview_view_draw(WINDOW *w, const ViewData *v)
{
    const Scene *s = v->scene;
    const AppState *st = v->st;
    const Theme *t = v->theme;
    char title[128];
    werase(w);
    snprintf(title, sizeof title, "overview · %d layers × %d heads · selected %d.%d · Enter opens",
             st->n_layers, st->n_heads, st->layer, st->head);
    int H = getmaxy(w) - 2, W = getmaxx(w) - 2;
    int L = st->n_layers, NH = st->n_heads;
    int tw = (W - 1) / NH, th = H / L;
    if (st->importance)
        snprintf(title, sizeof title, "importance · loss rise without each head%s · i pictures",
                 s->have && !s->res.importance ? " (measuring…)" : "");
    if (!s->have || (tw >= 5 && th >= 3 && !st->importance)) {
        view_frame(w, title, t);
        if (!s->have) return;
        for (int l = 0; l < L; l++)
            for (int h = 0; h < NH; h++) tile(w, v, 1 + l * th, 2 + h * tw, th, tw, l, h);
        return;
    }
    /* Too small for pictures: one line per layer, a pattern and number per
     * head (P previous-token, S self, F first-token, B broad, C content);
     * the legend under them when every layer fits with it. */
    int cw = 6, lw = 4;
    bool legend = H - 1 >= L;
    int heads_fit = (W - lw) / cw, rows_fit = legend ? H - 1 : H;
    if (heads_fit < 1 || rows_fit < 1) {
        view_frame(w, title, t);
        return;
    }
    float imax = importance_max(v);
    ViewPans *p = v->pans;
    p->side_head = view_pan(st->head, heads_fit, NH, p->side_head);
    p->side_layer = view_pan(st->layer, rows_fit, L, p->side_layer);
    int below = L - p->side_layer - rows_fit;
    view_frame_more(w, title, t, p->side_layer, below > 0 ? below : 0);
    const char *left = t->utf8 ? "◂" : "<", *right = t->utf8 ? "▸" : ">";
    for (int r = 0; r < rows_fit && p->side_layer + r < L; r++) {
        int l = p->side_layer + r;
        char name[32];
        snprintf(name, sizeof name, "L%d", l);
        view_puts(w, t, 1 + r, 1, lw, A_BOLD, name);
        for (int c = 0; c < heads_fit && p->side_head + c < NH; c++)
            summary(w, v, 1 + r, 1 + lw + c * cw, cw, l, p->side_head + c, imax);
        /* Heads off either side. */
        if (p->side_head > 0) view_puts(w, t, 1 + r, lw, 1, A_BOLD, left);
        if (p->side_head + heads_fit < NH) view_puts(w, t, 1 + r, lw + heads_fit * cw, 1, A_BOLD, right);
    }
    if (!legend) return;
    const char *const *rows = st->importance ? importance_legends : legends;
    size_t i = 0, n = st->importance ? sizeof importance_legends / sizeof *importance_legends
                                     : sizeof legends / sizeof *legends;
    while (i + 1 < n && (int)strlen(rows[i]) > W) i++;
    view_puts(w, t, H, 1, W, A_DIM, rows[i]);
}
