/* trace.c - storage and access for a recorded forward pass; see trace.h. */
#include "trace.h"

#include <stdlib.h>

size_t trace_bytes(int n_tokens, int n_layers, int n_heads, int n_kv_heads, int head_dim,
                   int vocab, int dim, int residual)
{
    size_t n = (size_t)n_tokens, L = (size_t)n_layers;
    size_t floats = L * (size_t)n_heads * n * n                 /* attention */
                    + L * n * (size_t)n_heads * head_dim         /* q */
                    + 2 * L * n * (size_t)n_kv_heads * head_dim  /* k, v */
                    + (size_t)vocab                              /* logits */
                    + n * (size_t)dim                            /* hidden */
                    + (residual ? L * n * (size_t)dim : 0);      /* resid */
    return floats * sizeof(float) + sizeof(AttentionTrace);
}

AttentionTrace *trace_new(int n_tokens, int n_layers, int n_heads, int n_kv_heads,
                          int head_dim, int vocab, int dim)
{
    AttentionTrace *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    size_t n = (size_t)n_tokens, L = (size_t)n_layers;
    t->refs = 1;
    t->causal = true; /* forward_run sets the model's */
    t->n_tokens = n_tokens;
    t->n_layers = n_layers;
    t->n_heads = n_heads;
    t->n_kv_heads = n_kv_heads;
    t->head_dim = head_dim;
    t->vocab = vocab;
    /* +1 keeps every allocation non-empty when n_tokens is 0. */
    t->attn = calloc(L * (size_t)n_heads * n * n + 1, sizeof(float));
    t->q = calloc(L * n * (size_t)n_heads * head_dim + 1, sizeof(float));
    t->k = calloc(L * n * (size_t)n_kv_heads * head_dim + 1, sizeof(float));
    t->v = calloc(L * n * (size_t)n_kv_heads * head_dim + 1, sizeof(float));
    t->logits_last = calloc((size_t)vocab + 1, sizeof(float));
    t->dim = dim;
    t->hidden = calloc(n * (size_t)dim + 1, sizeof(float));
    if (!t->attn || !t->q || !t->k || !t->v || !t->logits_last || !t->hidden) {
        trace_free(t);
        return NULL;
    }
    return t;
}

int trace_keep_residual(AttentionTrace *t)
{
    if (!t->resid)
        t->resid = calloc((size_t)t->n_layers * t->n_tokens * t->dim + 1, sizeof(float));
    return t->resid ? 0 : -1;
}

AttentionTrace *trace_ref(AttentionTrace *t)
{
    if (t) __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

void trace_free(AttentionTrace *t)
{
    if (!t) return;
    /* The last reference frees; acquire-release orders the other holders'
     * reads before the memory goes. */
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    free(t->attn);
    free(t->q);
    free(t->k);
    free(t->v);
    free(t->logits_last);
    free(t->hidden);
    free(t->ablated);
    free(t->resid);
    free(t);
}

int trace_ablated(const AttentionTrace *t, int layer, int head)
{
    return t->ablated && t->ablated[(size_t)layer * t->n_heads + head];
}

int trace_first_ablation_change(const AttentionTrace *t, const unsigned char *ablate)
{
    size_t H = (size_t)t->n_heads;
    for (int l = 0; l < t->n_layers; l++)
        for (size_t h = 0; h < H; h++) {
            size_t i = (size_t)l * H + h;
            if ((t->ablated && t->ablated[i]) != (ablate && ablate[i])) return l;
        }
    return t->n_layers;
}

int trace_same_ablation(const AttentionTrace *t, const unsigned char *ablate)
{
    return trace_first_ablation_change(t, ablate) == t->n_layers;
}

float *trace_attn(const AttentionTrace *t, int layer, int head)
{
    size_t n = (size_t)t->n_tokens;
    return t->attn + ((size_t)layer * t->n_heads + head) * n * n;
}

int trace_kv_head(const AttentionTrace *t, int head)
{
    return head / (t->n_heads / t->n_kv_heads);
}

void trace_row(const AttentionTrace *t, int layer, int head, int query, AttentionRow *row)
{
    size_t n = (size_t)t->n_tokens, hd = (size_t)t->head_dim;
    size_t q_stride = (size_t)t->n_heads * hd, kv_stride = (size_t)t->n_kv_heads * hd;
    const float *q = t->q + (size_t)layer * n * q_stride + (size_t)query * q_stride + head * hd;
    const float *k = t->k + (size_t)layer * n * kv_stride + (size_t)trace_kv_head(t, head) * hd;
    attention_row(q, k, kv_stride, t->n_tokens, t->head_dim, t->scale, t->causal, query, row);
}

bool trace_masked(const AttentionTrace *t, int i, int j) { return t->causal && j > i; }
