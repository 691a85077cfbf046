/*
 * attention.h - the one scaled dot-product attention kernel.
 *
 * Everything attnscope shows about attention comes through here: the forward
 * pass computes each head's whole matrix with attention_head(), and the UI
 * recomputes or explains a single query row with attention_row().  Both use
 * the same arithmetic (scores = q·k * scale, causal mask, max-subtracted
 * softmax), so a row recomputed later equals the row recorded.
 *
 * Matrices are row-major with explicit row strides (in floats), so a head can
 * be read in place out of a (tokens × heads·head_dim) projection.
 */
#ifndef ATTNSCOPE_ATTENTION_H
#define ATTNSCOPE_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

/* The explanation of one query row, for the math panel and --dump. */
typedef struct {
    float *dot;    /* (n_keys) raw q·k; caller-owned, may be NULL */
    float *scaled; /* (n_keys) q·k * scale, -INFINITY where masked; may be NULL */
    float *prob;   /* (n_keys) softmax weights, exactly 0 where masked; required */
} AttentionRow;

/*
 * Whole matrix for one head over n tokens.
 *   Q (n, head_dim) stride q_stride; K, V (n, head_dim) strides k_stride, v_stride
 *   probs (n, n) contiguous, written in full (masked entries exactly 0)
 *   out (n, head_dim) stride out_stride, the weighted sum of values; may be NULL
 * With CAUSAL, query i sees keys 0..i.  Uses cblas_sgemm.
 */
void attention_head(const float *Q, size_t q_stride, const float *K, size_t k_stride,
                    const float *V, size_t v_stride, int n, int head_dim, float scale,
                    bool causal, float *probs, float *out, size_t out_stride);

/*
 * Queries FIRST .. FIRST+ROWS-1 against keys 0 .. N_KEYS-1: Q holds just those
 * ROWS queries; PROBS receives ROWS rows of N_KEYS (row stride N_KEYS); OUT
 * (may be NULL) their weighted sums of values.  attention_head() is the case
 * FIRST = 0, ROWS = N_KEYS = n; the forward pass uses this form to extend a
 * sentence without recomputing the queries it already has.
 */
void attention_rows(const float *Q, size_t q_stride, const float *K, size_t k_stride,
                    const float *V, size_t v_stride, int first, int rows, int n_keys,
                    int head_dim, float scale, bool causal, float *probs, float *out,
                    size_t out_stride);

/*
 * One query row: q (head_dim) against keys K (n_keys, head_dim).  With CAUSAL,
 * keys after QUERY_POS are masked.  Fills what ROW asks for.
 */
void attention_row(const float *q, const float *K, size_t k_stride, int n_keys, int head_dim,
                   float scale, bool causal, int query_pos, AttentionRow *row);

/* In-place softmax over the first N_VALID entries of x[0..n); entries from
 * n_valid on are set to exactly 0.  Subtracts the maximum first. */
void attention_softmax(float *x, int n, int n_valid);

#endif
