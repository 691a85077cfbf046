/*
 * forward.h - the forward pass of a Model over a whole token sequence,
 * recording attention.
 *
 * All positions go through each layer at once as matrix products
 * (cblas_sgemm), each step as the architecture's row says (arch.h: norms,
 * positions, feed-forward, causal or bidirectional); every head's attention matrix comes
 * from the shared kernel (attention.h) and lands in an AttentionTrace,
 * together with Q and K after RoPE, V, and the last position's logits.
 */
#ifndef ATTNSCOPE_FORWARD_H
#define ATTNSCOPE_FORWARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "trace.h"

/* Run M over TOKENS[0..n).  Fails (with a message) when n is 0, longer than
 * the model's context, a token id is out of range, or memory runs out.
 * On success *out is a new trace the caller frees with trace_free(). */
int forward_run(const Model *m, const int32_t *tokens, int n, AttentionTrace **out, char *err,
                size_t errlen);

/* The same, reusing PREV (a trace of a sentence whose first KEEP tokens equal
 * TOKENS' first KEEP): in a causal model those positions' queries, keys,
 * values, attention rows and hidden states cannot change, so only positions
 * KEEP.. are computed.  PREV may be NULL (then KEEP must be 0); it is only
 * read.  KEEP is clamped to PREV's length and to n - 1 (the last position's
 * logits are always computed), and is 0 for a bidirectional model (where a
 * later token changes the earlier rows). */
int forward_run_from(const Model *m, const AttentionTrace *prev, int keep,
                     const int32_t *tokens, int n, AttentionTrace **out, char *err,
                     size_t errlen);

/* A pass that gives up when *CANCEL becomes true (ForwardOptions.cancel,
 * checked before each layer) returns FORWARD_CANCELLED: *out stays NULL
 * and nothing needs freeing.  For a pass whose text has been replaced. */
#define FORWARD_CANCELLED 1

/* Everything a pass may be asked beyond its tokens: the trace to reuse the
 * first KEEP positions of (see forward_run_from; only when it knocked out
 * the same heads), the heads to knock out (ABLATE: n_layers*n_heads bytes,
 * (layer, head) non-zero to zero that head's output before the layer's
 * output projection; its own attention is still computed and recorded),
 * and CANCEL (see FORWARD_CANCELLED).  Any may be NULL / 0.
 *
 * Layer reuse: when PREV recorded its residual streams (RECORD_RESIDUAL),
 * ran the same N tokens (checked: its layer-0 input is their embeddings)
 * and knocked out the same heads in layers 0..l-1, layers 0..l-1 (attention,
 * Q, K, V, residuals) are copied from it and the pass starts at layer l;
 * when l is every layer, PREV's hidden states and logits are copied too.
 * The result is bit for bit a full pass's when PREV was one.  Layer reuse,
 * when it applies, replaces position reuse (KEEP is then ignored). */
typedef struct {
    const AttentionTrace *prev;
    int keep;
    const unsigned char *ablate;
    const atomic_bool *cancel;
    int *reused; /* when not NULL: set to the positions actually taken from PREV */
    /* Keep each layer's input residual stream in the trace (t->resid,
     * n_layers*n*dim floats) so that later passes can reuse its layers.
     * Position reuse then needs a PREV that kept them too. */
    bool record_residual;
    int *reused_layers; /* when not NULL: set to the layers taken from PREV */
} ForwardOptions;
int forward_run_opts(const Model *m, const int32_t *tokens, int n, const ForwardOptions *o,
                     AttentionTrace **out, char *err, size_t errlen);

/* The logits after position POS (what the model predicts next there), from
 * the trace's final hidden state: VOCAB floats into LOGITS. */
void forward_logits(const Model *m, const AttentionTrace *t, int pos, float *logits);

#endif
