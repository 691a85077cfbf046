/*
 * scene.h - what the views draw, prepared once per change: the computed
 * result (tokens, trace), each token's display text and short label, the
 * tokens grouped into words, the per-head summary for the sidebar, the
 * current query row (recomputed through the shared attention kernel) and,
 * in mean mode, the layer's mean matrix.  No curses here; the views only
 * read a Scene.
 *
 * Pieces read as text.  A label is the token's text, not its vocabulary
 * string: no "▁" (a leading space is dropped; a token that is only spaces
 * is "␣"), and a character the model sees as byte tokens (é as <0xC3>
 * <0xA9>) is shown by the token holding its first byte, the others being
 * "…" (a continuation); a byte that is not UTF-8 shows as U+FFFD.  Where a
 * word is split into pieces, a mark "·" joins them: the sentence shows
 * "b·ank", the labels "b·" and "·ank" ("-" instead of "·" without UTF-8).
 *
 * Words.  A word starts at a token whose text starts with a space, at the
 * first token of the text, or where letters meet punctuation ("steep." is
 * "ste·ep" and "."); spaces belong to the word after them; BOS (any token
 * covering no text) is a word of its own.
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
#define SCENE_COST_SAMPLES 64

/* One forward pass that computed every position: its tokens and time. */
typedef struct {
    int n;
    double ms;
} CostSample;

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
    float *plain;       /* (n) softmax of q·k itself, without 1/sqrt(d) (u) */
    /* What the model predicts next, after the sentence [0] and after the
     * query token [1] (computed only while the next-token panel is open):
     * the SCENE_NEXT most probable tokens. */
    int next_id[2][SCENE_NEXT];
    float next_p[2][SCENE_NEXT];
    /* The same with every head in, when heads are knocked out (res.intact):
     * what the model predicted before the knock-out. */
    int before_id[2][SCENE_NEXT];
    float before_p[2][SCENE_NEXT];
    float *logits;      /* (vocab) scratch */
    int row_n;          /* entries of row: units (tokens, or words under w) */
    /* Pieces and words (see above): */
    bool *split;        /* (n) a "·" goes before token i in the sentence */
    int n_words;
    int *word_of;       /* (n) the word holding each token */
    int *word_first;    /* (n_words + 1) each word's first token; [n_words] = n */
    char **word_label;  /* (n_words) the whole word, as text */
    int *word_label_w;  /* (n_words) */
    /* The matrix on screen over words (w), and the pinned head's, for the
     * layer and head (or -1: the mean) they were computed for. */
    float *wmat;        /* (n_words, n_words) */
    float *wpin;        /* (n_words, n_words) */
    float *wtmp;        /* (n) scratch */
    int wmat_layer, wmat_head, wpin_layer, wpin_head;
    int wmat_flow;      /* the view wmat was made from (flow.h) */
    /* The heatmap's matrix under r or V (flow.h: rollout, value-weighted),
     * for the kind, layer and head (-1 for rollout: one per layer) it was
     * computed for; flow_kind 0: none yet. */
    float *flowm;       /* (n, n) */
    int flow_kind, flow_layer, flow_head;
    /* The explorer's full passes since it started, oldest first (the
     * lesson's cost plot); kept across results. */
    CostSample cost[SCENE_COST_SAMPLES];
    int n_cost;
} Scene;

void scene_init(Scene *s, const Model *m, bool utf8);
/* Token I of the result was hidden as [MASK] (_, --mask): it covers text
 * but the model saw [MASK]; the sentence and labels show "[MASK]". */
bool scene_hidden(const Scene *s, int i);
void scene_free(Scene *s);
/* Take ownership of a successful result and prepare everything for it. */
int scene_install(Scene *s, WorkResult *r);
/* Recompute the query row(s) for the state's layer, head, query and mode. */
void scene_update(Scene *s, const AppState *st);
/* The matrix on screen, over units: the head's recorded one, the layer
 * mean, or the rollout / value-weighted view (st->flow); under w, over
 * words (see scene_units). */
const float *scene_matrix(const Scene *s, const AppState *st);
/* The pinned head's matrix (compare), over units likewise. */
const float *scene_pinned_matrix(const Scene *s, const AppState *st);
/* The query vector (after RoPE) of the current head, and value vector J of
 * its key/value head: views into the trace. */
const float *scene_q(const Scene *s, const AppState *st);
const float *scene_v(const Scene *s, const AppState *st, int j);
/* The key vector (after RoPE) of token J in the current head's key/value head. */
const float *scene_k(const Scene *s, const AppState *st, int j);
/* The K largest weights of the query row: fills ids (units, sorted, largest
 * first); returns how many (≤ k, only non-zero weights). */
int scene_top(const Scene *s, int k, int *ids);
/* The first token of the next word (DIR +1) or previous word (DIR -1) after
 * the word of token FROM, going round the end, whose text starts with WORD
 * (ASCII case folded); FROM -1 with DIR +1 looks from the start.  Words are
 * whole words (above): "bank" finds "b·ank", "ank" finds nothing.  Returns
 * the token, or -1 when no word matches. */
int scene_find(const Scene *s, const char *word, int from, int dir);

/*
 * What the heatmap, the status line and the saved files show are UNITS: the
 * model's tokens, or whole words when st->words is on (w).  Views ask these
 * rather than indexing tokens, so that one switch serves them all.
 *   scene_units        how many units there are
 *   scene_unit_of      the unit holding token T (the query's, the key's)
 *   scene_unit_label   unit U's label and its columns (*w, when not NULL)
 *   scene_unit_first   the first token of unit U (U = units: the end)
 *   scene_masked       whether key unit J is hidden from query unit I (a
 *                      causal model sees no later word)
 * scene_matrix() and s->row are over units too (s->row_n of them).
 *
 * Words aggregate the token matrix A (rows sum to 1) into W: for query word
 * I of pieces i and key word J of pieces j,
 *     W[I][J] = mean over i in I of (sum over j in J of A[i][j]),
 * the weight the word gives each word (its key pieces summed), averaged over
 * the word's query pieces; each row of W still sums to 1.  The math, next
 * token and multi-head panels stay per piece.
 */
int scene_units(const Scene *s, const AppState *st);
int scene_unit_of(const Scene *s, const AppState *st, int t);
const char *scene_unit_label(const Scene *s, const AppState *st, int u, int *w);
bool scene_masked(const Scene *s, const AppState *st, int i, int j);
int scene_unit_first(const Scene *s, const AppState *st, int u);
/* What the units are, for a title or legend: NULL for tokens; under w
 * "words (keys summed, queries averaged)", or "words" when BRIEF. */
const char *scene_units_note(const AppState *st, bool brief);
/* Tokens of TEXT[0..len) as the model would see them (BOS included), for
 * the edit line's count against the context; -1 when out of memory. */
int scene_count_tokens(const Scene *s, const char *text, size_t len);
/* Whether the result on screen is for another text than the one typed (the
 * pass has not come back, or failed): the views are then stale. */
bool scene_stale(const Scene *s, const AppState *st);

#endif
