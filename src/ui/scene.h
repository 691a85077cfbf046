/*
 * scene.h - what the views draw, prepared once per change: the computed
 * result (tokens, trace), each token's display text and short label, the
 * per-head summary for the sidebar, the current query row (recomputed
 * through the shared attention kernel) and, in mean mode, the layer's mean
 * matrix.  No curses here; the views only read a Scene.
 */
#ifndef ATTNSCOPE_SCENE_H
#define ATTNSCOPE_SCENE_H

#include <stdbool.h>

#include "analysis.h"
#include "app_state.h"
#include "model.h"
#include "worker.h"

#define SCENE_LABEL_COLS 10
#define SCENE_NEXT 5

typedef struct {
    const Model *model;
    bool utf8;
    WorkResult res;     /* owned: text, tokens, trace of what is shown */
    bool have;          /* res holds a trace */
    char **shown;       /* (n) each token's span as it displays, "" if empty */
    int *shown_w;       /* (n) its columns */
    char **label;       /* (n) a short label: span trimmed, or the piece */
    int *label_w;       /* (n) */
    HeadStats *stats;   /* (layers*heads) what each head does on this sentence */
    float *mean;        /* (n, n) mean over the heads of mean_layer */
    int mean_layer;     /* -1: mean not computed */
    float *row;         /* (n) the query row on screen */
    float *row_tmp;     /* (n) scratch for the mean of rows */
    float *multi_rows;  /* (heads, n) the query row in every head of the layer */
    /* The current head's query row, explained (the math panel): */
    float *dot;         /* (n) q·k */
    float *scaled;      /* (n) q·k/sqrt(d), -inf where masked */
    float *weight;      /* (n) softmax of scaled: the head's row */
    float *out;         /* (head_dim) sum of weight_j * v_j */
    /* What the model predicts next, after the sentence [0] and after the
     * query token [1] (computed only while the next-token panel is open):
     * the SCENE_NEXT most probable tokens. */
    int next_id[2][SCENE_NEXT];
    float next_p[2][SCENE_NEXT];
    float *logits;      /* (vocab) scratch */
} Scene;

void scene_init(Scene *s, const Model *m, bool utf8);
void scene_free(Scene *s);
/* Take ownership of a successful result and prepare everything for it. */
int scene_install(Scene *s, WorkResult *r);
/* Recompute the query row(s) for the state's layer, head, query and mode. */
void scene_update(Scene *s, const AppState *st);
/* The matrix on screen: the head's recorded one, or the layer mean. */
const float *scene_matrix(const Scene *s, const AppState *st);
/* The query vector (after RoPE) of the current head, and value vector J of
 * its key/value head: views into the trace. */
const float *scene_q(const Scene *s, const AppState *st);
const float *scene_v(const Scene *s, const AppState *st, int j);
/* The K largest weights of the query row: fills ids (sorted, largest first);
 * returns how many (≤ k, only non-zero weights). */
int scene_top(const Scene *s, int k, int *ids);
/* The first token of the next word (DIR +1) or previous word (DIR -1) after
 * token FROM, going round the end, whose text starts with WORD (ASCII case
 * folded); FROM -1 with DIR +1 looks from the start.  A word starts at a
 * token whose text starts with a space, or at the first token of the text.
 * Returns the token, or -1 when no word matches. */
int scene_find(const Scene *s, const char *word, int from, int dir);

/*
 * What the heatmap, the status line and the saved files show are UNITS: the
 * model's tokens, or whole words when st->words is on (w).  Views ask these
 * rather than indexing tokens, so that one switch serves them all.
 *   scene_units        how many units there are
 *   scene_unit_of      the unit holding token T (the query's, the key's)
 *   scene_unit_label   unit U's label and its columns (*w, when not NULL)
 *   scene_masked       whether key unit J is hidden from query unit I (a
 *                      causal model sees no later word)
 * scene_matrix() and s->row are over units too.
 */
int scene_units(const Scene *s, const AppState *st);
int scene_unit_of(const Scene *s, const AppState *st, int t);
const char *scene_unit_label(const Scene *s, const AppState *st, int u, int *w);
bool scene_masked(const Scene *s, const AppState *st, int i, int j);

#endif
