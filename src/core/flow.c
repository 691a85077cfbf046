/* flow.c - attention rollout and value-weighted attention; see flow.h. */
#include "flow.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One row per view: a new view is one row here and one case in flow_matrix. */
static const struct {
    const char *name, *key, *what;
} kinds[FLOW_COUNT] = {
    [FLOW_ATTENTION] = {"attention", "attention",
                        "the head's softmax weights: how much each query reads each key"},
    [FLOW_ROLLOUT] = {"rollout", "rollout",
                      "heads averaged plus the residual, multiplied through layers 0..this one"},
    [FLOW_VALUES] = {"value-weighted", "values",
                     "weight times the size of the value it moves (|W_O v|), rows summing to 1"},
};

const char *flow_name(FlowKind k)
{
    return (unsigned)k < FLOW_COUNT ? kinds[k].name : "?";
}

const char *flow_describe(FlowKind k)
{
    return (unsigned)k < FLOW_COUNT ? kinds[k].what : "?";
}

const char *flow_key(FlowKind k)
{
    return (unsigned)k < FLOW_COUNT ? kinds[k].key : "?";
}

int flow_parse(const char *key, FlowKind *out)
{
    for (int k = 0; k < FLOW_COUNT; k++)
        if (strcmp(key, kinds[k].key) == 0) {
            *out = (FlowKind)k;
            return 0;
        }
    return -1;
}

/* Row I of Â_L = rownorm(0.5·mean A + 0.5·I) over the heads not knocked
 * out, keys 0..I, into ROW (double). */
static void rollout_row(const AttentionTrace *t, int layer, int i, double *row)
{
    size_t n = (size_t)t->n_tokens;
    int live = 0;
    for (int j = 0; j <= i; j++) row[j] = 0;
    for (int h = 0; h < t->n_heads; h++) {
        if (trace_ablated(t, layer, h)) continue;
        const float *a = trace_attn(t, layer, h) + (size_t)i * n;
        for (int j = 0; j <= i; j++) row[j] += a[j];
        live++;
    }
    double sum = 0;
    for (int j = 0; j <= i; j++) {
        row[j] = live ? 0.5 * row[j] / live : 0;
        sum += row[j];
    }
    row[i] += live ? 0.5 : 1.0; /* no head left: the residual alone, Â = I */
    sum += live ? 0.5 : 1.0;
    for (int j = 0; j <= i; j++) row[j] /= sum;
}

int flow_rollout(const AttentionTrace *t, int layer, float *out)
{
    size_t n = (size_t)t->n_tokens;
    /* R in double (the product runs through every layer); A and FRESH are
     * one row each: R is updated in place from the last row up, as row i of
     * Â_l·R reads only rows 0..i of R, which are still the old ones. */
    double *r = calloc(n * n + 1, sizeof *r), *a = malloc((n + 1) * sizeof *a),
           *fresh = malloc((n + 1) * sizeof *fresh);
    int rc = -1;
    if (!r || !a || !fresh) goto fail;
    for (size_t i = 0; i < n; i++) r[i * n + i] = 1; /* R_-1 = I */
    for (int l = 0; l <= layer; l++)
        for (size_t i = n; i-- > 0;) {
            rollout_row(t, l, (int)i, a);
            for (size_t j = 0; j <= i; j++) fresh[j] = 0;
            /* causal: R's row k is 0 past column k */
            for (size_t k = 0; k <= i; k++) {
                const double *rk = r + k * n;
                for (size_t j = 0; j <= k; j++) fresh[j] += a[k] * rk[j];
            }
            memcpy(r + i * n, fresh, (i + 1) * sizeof *fresh);
        }
    for (size_t i = 0; i < n * n; i++) out[i] = (float)r[i];
    rc = 0;
fail:
    free(r);
    free(a);
    free(fresh);
    return rc;
}

static int same_shape(const Model *m, const AttentionTrace *t)
{
    const ModelConfig *c = &m->cfg;
    return c->n_layers == t->n_layers && c->n_heads == t->n_heads &&
           c->n_kv_heads == t->n_kv_heads && c->head_dim == t->head_dim && c->dim == t->dim;
}

/* NORMS (n): ‖W_O^(H) v_j‖ of head H of LAYER, in double. */
static void head_norms(const Model *m, const AttentionTrace *t, int layer, int h, float *norms)
{
    size_t n = (size_t)t->n_tokens, hd = (size_t)t->head_dim, dim = (size_t)m->cfg.dim;
    size_t in = (size_t)t->n_heads * hd, kv_stride = (size_t)t->n_kv_heads * hd;
    /* wo (dim, n_heads*head_dim); W_O^(h) its columns h*hd.. */
    const float *w = m->layers[layer].wo + (size_t)h * hd;
    const float *v = t->v + (size_t)layer * n * kv_stride + (size_t)trace_kv_head(t, h) * hd;
    for (size_t j = 0; j < n; j++) {
        const float *vj = v + j * kv_stride;
        double sq = 0;
        for (size_t r = 0; r < dim; r++) {
            double y = 0;
            for (size_t d = 0; d < hd; d++) y += (double)w[r * in + d] * vj[d];
            sq += y * y;
        }
        norms[j] = (float)sqrt(sq);
    }
}

int flow_value_norms(const Model *m, const AttentionTrace *t, int layer, float *norms)
{
    if (!same_shape(m, t)) return -1;
    for (int h = 0; h < t->n_heads; h++)
        head_norms(m, t, layer, h, norms + (size_t)h * t->n_tokens);
    return 0;
}

/* OUT: flow_value_weighted with NH (n) the head's own norms. */
static void weighted(const AttentionTrace *t, int layer, int head, const float *nh, float *out)
{
    size_t n = (size_t)t->n_tokens;
    const float *a = trace_attn(t, layer, head);
    bool off = trace_ablated(t, layer, head); /* its output was zeroed */
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t j = 0; j < n; j++) sum += (double)a[i * n + j] * nh[j];
        for (size_t j = 0; j < n; j++)
            out[i * n + j] = off || sum <= 0 ? 0.0f : (float)(a[i * n + j] * (double)nh[j] / sum);
    }
}

void flow_value_weighted(const AttentionTrace *t, int layer, int head, const float *norms,
                         float *out)
{
    weighted(t, layer, head, norms + (size_t)head * t->n_tokens, out);
}

int flow_matrix(const Model *m, const AttentionTrace *t, FlowKind k, int layer, int head,
                float *out)
{
    size_t n = (size_t)t->n_tokens;
    switch (k) {
    case FLOW_ROLLOUT:
        return flow_rollout(t, layer, out);
    case FLOW_VALUES: {
        /* only this head's norms: a UI redraw asks for one head at a time */
        float *nh = same_shape(m, t) ? malloc((n + 1) * sizeof *nh) : NULL;
        int rc = nh ? 0 : -1;
        if (nh) {
            head_norms(m, t, layer, head, nh);
            weighted(t, layer, head, nh, out);
        }
        free(nh);
        return rc;
    }
    case FLOW_ATTENTION:
    default:
        memcpy(out, trace_attn(t, layer, head), n * n * sizeof *out);
        return 0;
    }
}

int flow_layer(const Model *m, const AttentionTrace *t, FlowKind k, int layer, float *out)
{
    size_t n = (size_t)t->n_tokens, nn = n * n;
    switch (k) {
    case FLOW_ROLLOUT:
        if (flow_rollout(t, layer, out)) return -1;
        for (int h = 1; h < t->n_heads; h++) memcpy(out + h * nn, out, nn * sizeof *out);
        return 0;
    case FLOW_VALUES: {
        float *norms = malloc(((size_t)t->n_heads * n + 1) * sizeof *norms);
        int rc = norms ? flow_value_norms(m, t, layer, norms) : -1;
        for (int h = 0; rc == 0 && h < t->n_heads; h++)
            flow_value_weighted(t, layer, h, norms, out + h * nn);
        free(norms);
        return rc;
    }
    case FLOW_ATTENTION:
    default:
        /* a layer's heads lie together in the trace: (layer, head, query, key) */
        memcpy(out, trace_attn(t, layer, 0), (size_t)t->n_heads * nn * sizeof *out);
        return 0;
    }
}
