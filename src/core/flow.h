/*
 * flow.h - two views of where information flows beyond one head's raw
 * weights, each an (n, n) matrix like an attention matrix (query rows, key
 * columns), computed from a filled trace (and, for values, the model):
 *
 *   attention       the head's softmax weights, as recorded (trace_attn)
 *   rollout         Abnar & Zuidema (2020): per layer the mean of the heads
 *                   plus the residual, Â_l = rownorm(0.5·mean_h A_l,h + 0.5·I),
 *                   multiplied through the layers, R_l = Â_l · ... · Â_0:
 *                   how much of each input token reaches position i after
 *                   layer l.  One matrix per layer, the same for every head.
 *   value-weighted  α_ij · ‖W_O^(h) v_j‖ (Kobayashi et al. 2020): a weight
 *                   counts as much as the vector it moves into the residual
 *                   stream; each row divided by its sum for display.
 *
 * Heads knocked out in the trace (trace_ablated) move nothing: rollout
 * averages only the others (a layer with none left is Â = I) and their
 * value-weighted rows are 0.  All views are causal-safe: an entry the
 * causal mask hides (key after query) is 0 in every view, since products
 * and row scalings of lower-triangular matrices stay lower-triangular.
 *
 * The caller owns every buffer; LAYER and HEAD must be the trace's.  The
 * UI needs only flow_matrix, flow_name and flow_describe.
 */
#ifndef ATTNSCOPE_FLOW_H
#define ATTNSCOPE_FLOW_H

#include "model.h"
#include "trace.h"

typedef enum { FLOW_ATTENTION, FLOW_ROLLOUT, FLOW_VALUES, FLOW_COUNT } FlowKind;

/* "attention", "rollout", "value-weighted": the name to show on screen. */
const char *flow_name(FlowKind k);
/* One line saying what the view shows. */
const char *flow_describe(FlowKind k);
/* "attention", "rollout", "values": the word --view takes and --dump json's
 * "view" field prints. */
const char *flow_key(FlowKind k);
/* The kind whose flow_key is KEY: 0 with *OUT set, or -1. */
int flow_parse(const char *key, FlowKind *out);

/* OUT (n, n): the rollout through layers 0..LAYER inclusive, computed in
 * double.  Every row sums to 1.  0, or -1 when out of memory. */
int flow_rollout(const AttentionTrace *t, int layer, float *out);

/* NORMS (n_heads, n): ‖W_O^(h) v_j‖ for every head h and key j of LAYER,
 * W_O^(h) the columns h*head_dim.. of the layer's output projection, v_j
 * the value vector of key j in head h's key/value head (grouped-query
 * attention).  0, or -1 when M's shape is not T's. */
int flow_value_norms(const Model *m, const AttentionTrace *t, int layer, float *norms);
/* OUT (n, n): α_ij · NORMS[HEAD][j] of (LAYER, HEAD), each row divided by
 * its sum (a row summing to 0 stays 0; a knocked-out head's rows are 0). */
void flow_value_weighted(const AttentionTrace *t, int layer, int head, const float *norms,
                         float *out);

/* OUT (n, n): the view K of (LAYER, HEAD); for rollout HEAD is ignored.
 * 0, or -1 when out of memory (or M's shape is not T's). */
int flow_matrix(const Model *m, const AttentionTrace *t, FlowKind k, int layer, int head,
                float *out);
/* OUT (n_heads, n, n): the view K of every head of LAYER at once, what the
 * heads share computed once (one rollout, one set of value norms): for
 * dumps of every head.  0 or -1 as flow_matrix. */
int flow_layer(const Model *m, const AttentionTrace *t, FlowKind k, int layer, float *out);

#endif
