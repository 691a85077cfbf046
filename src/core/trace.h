/*
 * trace.h - what one forward pass recorded: every head's attention matrix,
 * the query/key/value vectors it came from, and the last position's logits.
 *
 * An AttentionTrace is filled by forward_run() and read by the UI, the CLI and
 * the tests.  Keeping Q and K after RoPE, and V, lets any row be recomputed
 * or explained later through the same kernel (trace_row) without another pass.
 * A trace is never changed once filled, so it may be shared, across threads
 * too: trace_ref() takes another reference, trace_free() drops one and frees
 * the trace with the last.
 */
#ifndef ATTNSCOPE_TRACE_H
#define ATTNSCOPE_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "attention.h"

typedef struct {
    int n_tokens;
    int n_layers;
    int n_heads;
    int n_kv_heads;
    int head_dim;
    int vocab;
    float scale;        /* 1/sqrt(head_dim) */
    bool causal;        /* query i saw keys 0..i only; else every key (bert) */
    float *attn;        /* (layer, head, query, key) softmax probabilities */
    float *q;           /* (layer, token, n_heads*head_dim), after RoPE */
    float *k;           /* (layer, token, n_kv_heads*head_dim), after RoPE */
    float *v;           /* (layer, token, n_kv_heads*head_dim) */
    float *logits_last; /* (vocab) logits of the last position */
    int dim;
    float *hidden;      /* (token, dim) final normalised hidden states: any
                           position's logits are one product away */
    /* (layer, head) 1 where the head was knocked out (its output zeroed
     * before the output projection), or NULL when none was: part of what
     * the pass computed, so a pass reuses another's positions only with the
     * same, and its layers only below the first layer where they differ. */
    unsigned char *ablated;
    /* (layer, token, dim) the residual stream entering each layer, or NULL
     * when the pass was not asked to keep it (ForwardOptions.record_residual):
     * with it, a pass that differs only from layer l up (a knock-out there)
     * can start at layer l from this trace. */
    float *resid;
    int refs;           /* references; 1 from trace_new */
} AttentionTrace;

/* Allocate a trace for N tokens with the given shape; NULL when out of memory. */
AttentionTrace *trace_new(int n_tokens, int n_layers, int n_heads, int n_kv_heads,
                          int head_dim, int vocab, int dim);
void trace_free(AttentionTrace *t); /* drops a reference; NULL is fine */
AttentionTrace *trace_ref(AttentionTrace *t); /* returns T */

/* Bytes a trace of this shape holds: the formula behind trace_new's
 * allocation, plus trace_keep_residual's when RESIDUAL. */
size_t trace_bytes(int n_tokens, int n_layers, int n_heads, int n_kv_heads, int head_dim,
                   int vocab, int dim, int residual);
/* Give T room for its per-layer residual streams (t->resid, zeroed); -1
 * when out of memory.  The forward pass calls it when asked to record them. */
int trace_keep_residual(AttentionTrace *t);

/* Whether (LAYER, HEAD) was knocked out in the pass T records. */
int trace_ablated(const AttentionTrace *t, int layer, int head);
/* Whether a pass with head mask ABLATE (NULL: none) may reuse T's positions:
 * the same heads knocked out. */
int trace_same_ablation(const AttentionTrace *t, const unsigned char *ablate);
/* The first layer where ABLATE (NULL: none) and T's knock-outs differ, or
 * n_layers when they agree everywhere: layers below it compute the same
 * from the same tokens. */
int trace_first_ablation_change(const AttentionTrace *t, const unsigned char *ablate);

/* Whether key J was hidden from query I (causal and J > I): the views ask
 * this rather than assume a triangle. */
bool trace_masked(const AttentionTrace *t, int i, int j);

/* The (n, n) matrix of one head. */
float *trace_attn(const AttentionTrace *t, int layer, int head);
/* Which key/value head a query head reads (grouped-query attention). */
int trace_kv_head(const AttentionTrace *t, int head);
/* Recompute row QUERY of (LAYER, HEAD) through the shared kernel into ROW
 * (each buffer n_tokens long). */
void trace_row(const AttentionTrace *t, int layer, int head, int query, AttentionRow *row);

#endif
