/* forward.c - a forward pass over a whole sequence, each step as the
 * architecture's row (arch.h) says; see forward.h. */
#include "forward.h"
#include "error.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Activations for one pass, allocated once per run (not per token). */
typedef struct {
    float *x;      /* (n, dim) the residual stream */
    float *xb;     /* (n, dim) normalised input of a sub-layer */
    float *att;    /* (n, n_heads*head_dim) heads' outputs, concatenated */
    float *gate;   /* (n, ffn_dim) */
    float *up;     /* (n, ffn_dim), or (n, 2*ffn_dim) gate | up when fused */
    float *qkv;    /* (n, q + 2kv) a fused projection, before it is split */
    float *rope;   /* (n, rope_dim/2, 2) cos and sin per position and pair */
} RunState;

static void run_state_free(RunState *s)
{
    free(s->x);
    free(s->xb);
    free(s->att);
    free(s->gate);
    free(s->up);
    free(s->qkv);
    free(s->rope);
}

static int run_state_alloc(RunState *s, const ModelConfig *c, size_t n)
{
    memset(s, 0, sizeof *s);
    s->x = malloc(n * c->dim * sizeof(float));
    s->xb = malloc(n * c->dim * sizeof(float));
    s->att = malloc(n * c->n_heads * c->head_dim * sizeof(float));
    s->gate = malloc(n * c->ffn_dim * sizeof(float));
    s->up = malloc(n * c->ffn_dim * 2 * sizeof(float));
    s->qkv = malloc(n * (size_t)(c->n_heads + 2 * c->n_kv_heads) * c->head_dim * sizeof(float));
    s->rope = malloc((n * (size_t)c->rope_dim + 1) * sizeof(float)); /* rope_dim may be 0 */
    if (!s->x || !s->xb || !s->att || !s->gate || !s->up || !s->qkv || !s->rope) {
        run_state_free(s);
        return -1;
    }
    return 0;
}

/* out = x / rms(x) * w, row by row. */
static void rmsnorm(float *out, const float *x, const float *w, size_t n, int dim, float eps)
{
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * dim;
        float *oi = out + i * dim;
        double ss = 0.0;
        for (int j = 0; j < dim; j++) ss += (double)xi[j] * xi[j];
        float inv = (float)(1.0 / sqrt(ss / dim + eps));
        for (int j = 0; j < dim; j++) oi[j] = xi[j] * inv * w[j];
    }
}

/* out = (x - mean) / sqrt(var + eps) * w + b, row by row: LayerNorm, as
 * ggml_norm then the scale and the shift.  OUT may be X. */
static void layernorm(float *out, const float *x, const float *w, const float *b, size_t n,
                      int dim, float eps)
{
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * dim;
        float *oi = out + i * dim;
        double sum = 0.0, ss = 0.0;
        for (int j = 0; j < dim; j++) sum += xi[j];
        float mean = (float)(sum / dim);
        for (int j = 0; j < dim; j++) ss += (double)(xi[j] - mean) * (xi[j] - mean);
        float inv = (float)(1.0 / sqrt(ss / dim + eps));
        for (int j = 0; j < dim; j++) oi[j] = (xi[j] - mean) * inv * w[j] + (b ? b[j] : 0.0f);
    }
}

/* The row's norm with scale W and shift B (LayerNorm's; NULL for RMSNorm). */
static void norm(const Model *m, float *out, const float *x, const float *w, const float *b,
                 size_t n)
{
    if (m->arch->norm == ARCH_NORM_LAYER) layernorm(out, x, w, b, n, m->cfg.dim, m->cfg.rms_eps);
    else rmsnorm(out, x, w, n, m->cfg.dim, m->cfg.rms_eps);
}

/* The tanh approximation of GELU (GPT-2's gelu_new, ggml_gelu's formula). */
static float gelu(float x)
{
    return 0.5f * x * (1.0f + tanhf(0.79788456080286535588f * x * (1.0f + 0.044715f * x * x)));
}

/* Add bias B (cols) to each of the N rows of Y (row stride LD); B may be NULL. */
static void add_bias(float *y, size_t ld, const float *b, size_t n, int cols)
{
    for (size_t i = 0; b && i < n; i++)
        for (int j = 0; j < cols; j++) y[i * ld + j] += b[j];
}

/* Rotary table: pair i of a head at position p turns by p * base^(-2i/rope_dim). */
static void rope_table(float *tab, size_t n, int rope_dim, float base)
{
    int half = rope_dim / 2;
    for (size_t p = 0; p < n; p++)
        for (int i = 0; i < half; i++) {
            double theta = (double)p * pow(base, -2.0 * i / rope_dim);
            tab[(p * half + i) * 2] = (float)cos(theta);
            tab[(p * half + i) * 2 + 1] = (float)sin(theta);
        }
}

/* Rotate pairs of each head's first rope_dim dimensions: adjacent ones
 * (2i, 2i+1), llama.cpp's "normal" layout for llama, or with NEOX the two
 * halves (i, i + rope_dim/2), its layout for qwen2, qwen3, phi3, gemma. */
static void rope_apply(float *m, size_t n, int n_heads, int head_dim, int rope_dim,
                       const float *tab, bool neox)
{
    int half = rope_dim / 2, step = neox ? 1 : 2, other = neox ? half : 1;
    size_t stride = (size_t)n_heads * head_dim;
    for (size_t p = 0; p < n; p++)
        for (int h = 0; h < n_heads; h++) {
            float *v = m + p * stride + (size_t)h * head_dim;
            for (int i = 0; i < half; i++) {
                float c = tab[(p * half + i) * 2], s = tab[(p * half + i) * 2 + 1];
                float *x0 = v + step * i, *x1 = x0 + other;
                float a = *x0, b = *x1;
                *x0 = a * c - b * s;
                *x1 = a * s + b * c;
            }
        }
}

/* RMSNorm of each of the N_HEADS head_dim slices of N rows (q/k norm). */
static void head_norm(float *m, size_t n, int n_heads, int head_dim, const float *w, float eps)
{
    rmsnorm(m, m, w, n * (size_t)n_heads, head_dim, eps);
}

/* C (n, out) = A (n, in) · W^T, W being (out, in); BETA 1 accumulates into C. */
static void matmul(float *C, const float *A, const float *W, size_t n, int in, int out,
                   float beta)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, out, in, 1.0f, A, in, W, in,
                beta, C, out);
}

/* Q, K, V of the ROWS new positions from XB: three products, or one fused
 * product split (rows q | k | v of attn_qkv), each with its bias. */
static void project_qkv(const Model *m, const LayerWeights *w, RunState *s, size_t rows,
                        float *Qn, float *Kn, float *Vn)
{
    const ModelConfig *c = &m->cfg;
    int qdim = c->n_heads * c->head_dim, kvdim = c->n_kv_heads * c->head_dim;
    if (w->wqkv) {
        int all = qdim + 2 * kvdim;
        matmul(s->qkv, s->xb, w->wqkv, rows, c->dim, all, 0.0f);
        add_bias(s->qkv, (size_t)all, w->bqkv, rows, all);
        for (size_t i = 0; i < rows; i++) {
            const float *r = s->qkv + i * all;
            memcpy(Qn + i * qdim, r, (size_t)qdim * sizeof(float));
            memcpy(Kn + i * kvdim, r + qdim, (size_t)kvdim * sizeof(float));
            memcpy(Vn + i * kvdim, r + qdim + kvdim, (size_t)kvdim * sizeof(float));
        }
        return;
    }
    matmul(Qn, s->xb, w->wq, rows, c->dim, qdim, 0.0f);
    matmul(Kn, s->xb, w->wk, rows, c->dim, kvdim, 0.0f);
    matmul(Vn, s->xb, w->wv, rows, c->dim, kvdim, 0.0f);
    add_bias(Qn, (size_t)qdim, w->bq, rows, qdim);
    add_bias(Kn, (size_t)kvdim, w->bk, rows, kvdim);
    add_bias(Vn, (size_t)kvdim, w->bv, rows, kvdim);
}

/* x += ffn(norm(x)) (pre-norm), or x = norm(x + ffn(x)) (post-norm), over
 * ROWS positions, with the row's feed-forward kind. */
static void ffn_forward(const Model *m, const LayerWeights *w, RunState *s, size_t rows)
{
    const ModelConfig *c = &m->cfg;
    bool post = arch_has(m->arch, ARCH_POST_NORM);
    int f = c->ffn_dim;
    size_t nf = rows * (size_t)f;
    if (post) memcpy(s->xb, s->x, rows * c->dim * sizeof(float));
    else norm(m, s->xb, s->x, w->ffn_norm, w->ffn_norm_b, rows);
    if (m->arch->ffn == ARCH_FFN_GELU) {
        /* down(gelu(up x + b)) + b: GPT-2 and BERT. */
        matmul(s->gate, s->xb, w->w_up, rows, c->dim, f, 0.0f);
        add_bias(s->gate, (size_t)f, w->b_up, rows, f);
        for (size_t i = 0; i < nf; i++) s->gate[i] = gelu(s->gate[i]);
    } else {
        if (w->w_gate) {
            matmul(s->gate, s->xb, w->w_gate, rows, c->dim, f, 0.0f);
            matmul(s->up, s->xb, w->w_up, rows, c->dim, f, 0.0f);
        } else { /* fused (phi3): each row of the product is gate | up */
            matmul(s->up, s->xb, w->w_up, rows, c->dim, 2 * f, 0.0f);
            for (size_t i = 0; i < rows; i++) { /* forward: no row overwrites an unread one */
                memcpy(s->gate + i * f, s->up + i * 2 * f, (size_t)f * sizeof(float));
                memmove(s->up + i * f, s->up + i * 2 * f + f, (size_t)f * sizeof(float));
            }
        }
        if (m->arch->ffn == ARCH_FFN_SWIGLU) /* down(silu(gate(x)) * up(x)) */
            for (size_t i = 0; i < nf; i++) {
                float g = s->gate[i];
                s->gate[i] = g / (1.0f + expf(-g)) * s->up[i];
            }
        else /* GeGLU: down(gelu(gate(x)) * up(x)) */
            for (size_t i = 0; i < nf; i++) s->gate[i] = gelu(s->gate[i]) * s->up[i];
    }
    matmul(s->x, s->gate, w->w_down, rows, f, c->dim, 1.0f);
    add_bias(s->x, (size_t)c->dim, w->b_down, rows, c->dim);
    if (post) norm(m, s->x, s->x, w->layer_out_norm, w->layer_out_norm_b, rows);
}

/* One layer over the new positions K0 .. N-1 (s holds their M = N - K0 rows);
 * the trace already holds the keys and values of positions 0 .. K0-1. */
static void layer_forward(const Model *m, int l, RunState *s, AttentionTrace *t, size_t k0,
                          size_t n)
{
    const ModelConfig *c = &m->cfg;
    const LayerWeights *w = &m->layers[l];
    size_t rows = n - k0;
    int hd = c->head_dim, qdim = c->n_heads * hd, kvdim = c->n_kv_heads * hd;
    float *Q = t->q + (size_t)l * n * qdim;
    float *K = t->k + (size_t)l * n * kvdim;
    float *V = t->v + (size_t)l * n * kvdim;
    float *Qn = Q + k0 * qdim, *Kn = K + k0 * kvdim, *Vn = V + k0 * kvdim;
    const float *rope = s->rope + k0 * (size_t)c->rope_dim; /* from position k0 */
    bool post = arch_has(m->arch, ARCH_POST_NORM);

    if (post) memcpy(s->xb, s->x, rows * c->dim * sizeof(float));
    else norm(m, s->xb, s->x, w->attn_norm, w->attn_norm_b, rows);
    project_qkv(m, w, s, rows, Qn, Kn, Vn);
    if (w->q_norm) head_norm(Qn, rows, c->n_heads, hd, w->q_norm, c->rms_eps);
    if (w->k_norm) head_norm(Kn, rows, c->n_kv_heads, hd, w->k_norm, c->rms_eps);
    if (c->rope_dim) {
        bool neox = m->arch->pos == ARCH_POS_ROPE_NEOX;
        rope_apply(Qn, rows, c->n_heads, hd, c->rope_dim, rope, neox);
        rope_apply(Kn, rows, c->n_kv_heads, hd, c->rope_dim, rope, neox);
    }

    for (int h = 0; h < c->n_heads; h++) {
        int kvh = trace_kv_head(t, h);
        attention_rows(Qn + (size_t)h * hd, qdim, K + (size_t)kvh * hd, kvdim,
                       V + (size_t)kvh * hd, kvdim, (int)k0, (int)rows, (int)n, hd, t->scale,
                       c->causal, trace_attn(t, l, h) + k0 * n, s->att + (size_t)h * hd, qdim);
        if (trace_ablated(t, l, h)) /* knocked out: nothing of it reaches W_O */
            for (size_t i = 0; i < rows; i++)
                memset(s->att + i * qdim + (size_t)h * hd, 0, (size_t)hd * sizeof(float));
    }
    matmul(s->x, s->att, w->wo, rows, qdim, c->dim, 1.0f);
    add_bias(s->x, (size_t)c->dim, w->bo, rows, c->dim);
    if (post) norm(m, s->x, s->x, w->attn_out_norm, w->attn_out_norm_b, rows);

    ffn_forward(m, w, s, rows);
}

/* Copy what positions 0 .. K0-1 of PREV recorded into T (of N positions). */
static void copy_prefix(AttentionTrace *t, const AttentionTrace *prev, size_t k0, size_t n)
{
    size_t pn = (size_t)prev->n_tokens, qdim = (size_t)t->n_heads * t->head_dim,
           kvdim = (size_t)t->n_kv_heads * t->head_dim;
    for (int l = 0; l < t->n_layers; l++) {
        memcpy(t->q + l * n * qdim, prev->q + l * pn * qdim, k0 * qdim * sizeof(float));
        memcpy(t->k + l * n * kvdim, prev->k + l * pn * kvdim, k0 * kvdim * sizeof(float));
        memcpy(t->v + l * n * kvdim, prev->v + l * pn * kvdim, k0 * kvdim * sizeof(float));
        for (int h = 0; h < t->n_heads; h++) {
            float *dst = trace_attn(t, l, h);
            const float *src = trace_attn(prev, l, h);
            /* Row i < k0 has weights only on keys 0..i; the rest stay 0. */
            for (size_t i = 0; i < k0; i++) memcpy(dst + i * n, src + i * pn, k0 * sizeof(float));
        }
    }
    memcpy(t->hidden, prev->hidden, k0 * (size_t)t->dim * sizeof(float));
    for (int l = 0; t->resid && l < t->n_layers; l++) /* PREV has them (see forward_run_opts) */
        memcpy(t->resid + l * n * t->dim, prev->resid + l * pn * t->dim,
               k0 * (size_t)t->dim * sizeof(float));
}

/* The layer-0 input of ROWS positions from FIRST: the token's embedding
 * (times sqrt(dim) for gemma), plus token type 0 and the learned position
 * (bert, gpt2), then bert's embedding LayerNorm; llama.cpp's order. */
static void embed_rows(const Model *m, const int32_t *tokens, size_t first, size_t rows,
                       float *x)
{
    size_t d = (size_t)m->cfg.dim;
    float scale = sqrtf((float)m->cfg.dim);
    for (size_t i = 0; i < rows; i++) {
        float *xi = x + i * d;
        memcpy(xi, m->tok_embd + (size_t)tokens[first + i] * d, d * sizeof(float));
        if (arch_has(m->arch, ARCH_EMBD_SCALE))
            for (size_t j = 0; j < d; j++) xi[j] *= scale;
        if (m->type_embd)
            for (size_t j = 0; j < d; j++) xi[j] += m->type_embd[j];
        if (m->pos_embd)
            for (size_t j = 0; j < d; j++) xi[j] += m->pos_embd[(first + i) * d + j];
    }
    if (m->embd_norm) norm(m, x, x, m->embd_norm, m->embd_norm_b, rows);
}

/* How many leading layers of PREV a pass over TOKENS[0..n) knocking out
 * ABLATE can take as they are: PREV kept its residual streams, had the same
 * shape and tokens (its layer-0 input is their embeddings bit for bit: the
 * only way tokens enter the pass) and knocked out the same heads below. */
static int reusable_layers(const Model *m, const AttentionTrace *prev,
                           const unsigned char *ablate, const int32_t *tokens, int n)
{
    const ModelConfig *c = &m->cfg;
    if (!prev || !prev->resid || prev->n_tokens != n || prev->n_layers != c->n_layers ||
        prev->n_heads != c->n_heads || prev->n_kv_heads != c->n_kv_heads ||
        prev->head_dim != c->head_dim || prev->dim != c->dim)
        return 0;
    int from = trace_first_ablation_change(prev, ablate);
    size_t d = (size_t)c->dim;
    float *row = from > 0 ? malloc(d * sizeof *row) : NULL;
    if (!row) return 0; /* out of memory: no reuse, a full pass */
    for (int i = 0; from > 0 && i < n; i++) {
        embed_rows(m, tokens, (size_t)i, 1, row);
        if (memcmp(prev->resid + (size_t)i * d, row, d * sizeof(float))) from = 0;
    }
    free(row);
    return from;
}

/* Copy layers 0 .. FROM-1 of PREV (same tokens, see reusable_layers) into
 * T, and the outputs too when FROM is every layer. */
static void copy_layers(AttentionTrace *t, const AttentionTrace *prev, int from)
{
    size_t n = (size_t)t->n_tokens, L = (size_t)from, d = (size_t)t->dim;
    size_t qdim = (size_t)t->n_heads * t->head_dim, kvdim = (size_t)t->n_kv_heads * t->head_dim;
    memcpy(t->q, prev->q, L * n * qdim * sizeof(float));
    memcpy(t->k, prev->k, L * n * kvdim * sizeof(float));
    memcpy(t->v, prev->v, L * n * kvdim * sizeof(float));
    memcpy(t->attn, prev->attn, L * (size_t)t->n_heads * n * n * sizeof(float));
    if (t->resid) memcpy(t->resid, prev->resid, L * n * d * sizeof(float));
    if (from == t->n_layers) {
        memcpy(t->hidden, prev->hidden, n * d * sizeof(float));
        memcpy(t->logits_last, prev->logits_last, (size_t)t->vocab * sizeof(float));
    }
}

void forward_logits(const Model *m, const AttentionTrace *t, int pos, float *logits)
{
    const ModelConfig *c = &m->cfg;
    if (!m->output) { /* no language-model head: nothing is predicted */
        memset(logits, 0, (size_t)c->vocab * sizeof(float));
        return;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, c->vocab, c->dim, 1.0f, m->output, c->dim,
                t->hidden + (size_t)pos * c->dim, 1, 0.0f, logits, 1);
}

int forward_run_from(const Model *m, const AttentionTrace *prev, int keep,
                     const int32_t *tokens, int n, AttentionTrace **out, char *err,
                     size_t errlen)
{
    ForwardOptions o = {.prev = prev, .keep = keep};
    return forward_run_opts(m, tokens, n, &o, out, err, errlen);
}

int forward_run_opts(const Model *m, const int32_t *tokens, int n, const ForwardOptions *o,
                     AttentionTrace **out, char *err, size_t errlen)
{
    static const ForwardOptions none = {0};
    if (!o) o = &none;
    const AttentionTrace *prev = o->prev;
    const atomic_bool *cancel = o->cancel;
    int keep = o->keep;
    const ModelConfig *c = &m->cfg;
    *out = NULL;
    if (n <= 0) {
        error_set(err, errlen, "nothing to compute: no tokens");
        return -1;
    }
    if (n > c->context) {
        error_set(err, errlen, "the text is %d tokens, longer than the model's context of %d", n,
                  c->context);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab) {
            error_set(err, errlen, "token %d at position %d is outside the vocabulary (%d)",
                      tokens[i], i, c->vocab);
            return -1;
        }
    /* Layers when the tokens are the same, else positions; not both. */
    int from = reusable_layers(m, prev, o->ablate, tokens, n);
    if (from || (prev && !trace_same_ablation(prev, o->ablate)) ||
        (prev && o->record_residual && !prev->resid))
        prev = NULL;
    /* Bidirectional attention: a later token changes every earlier row. */
    if (!prev || keep < 0 || !c->causal) keep = 0;
    if (prev && keep > prev->n_tokens) keep = prev->n_tokens;
    if (keep > n - 1) keep = n - 1;
    size_t k0 = (size_t)keep, rows = (size_t)n - k0;
    if (o->reused) *o->reused = keep;
    if (o->reused_layers) *o->reused_layers = from;
    AttentionTrace *t =
        trace_new(n, c->n_layers, c->n_heads, c->n_kv_heads, c->head_dim, c->vocab, c->dim);
    RunState s;
    if (!t || (o->record_residual && trace_keep_residual(t)) ||
        run_state_alloc(&s, c, (size_t)n)) {
        trace_free(t);
        error_set(err, errlen, "out of memory for a %d-token forward pass", n);
        return -1;
    }
    t->scale = 1.0f / sqrtf((float)c->head_dim);
    t->causal = c->causal;
    size_t heads = (size_t)c->n_layers * c->n_heads, knocked = 0;
    for (size_t i = 0; o->ablate && i < heads; i++) knocked += o->ablate[i] != 0;
    if (knocked) {
        t->ablated = malloc(heads);
        if (!t->ablated) {
            run_state_free(&s);
            trace_free(t);
            error_set(err, errlen, "out of memory for a %d-token forward pass", n);
            return -1;
        }
        for (size_t i = 0; i < heads; i++) t->ablated[i] = o->ablate[i] != 0;
    }
    size_t d = (size_t)c->dim;
    if (k0) copy_prefix(t, prev, k0, (size_t)n);
    if (from) copy_layers(t, o->prev, from);
    if (from && from < c->n_layers) /* layer FROM's input, as PREV recorded it */
        memcpy(s.x, o->prev->resid + (size_t)from * n * d, (size_t)n * d * sizeof(float));
    else if (!from)
        embed_rows(m, tokens, k0, rows, s.x);
    if (c->rope_dim) rope_table(s.rope, (size_t)n, c->rope_dim, c->rope_base);
    for (int l = from; l < c->n_layers; l++) {
        if (cancel && atomic_load_explicit(cancel, memory_order_relaxed)) {
            run_state_free(&s);
            trace_free(t);
            error_set(err, errlen, "cancelled");
            return FORWARD_CANCELLED;
        }
        if (t->resid) memcpy(t->resid + ((size_t)l * n + k0) * d, s.x, rows * d * sizeof(float));
        layer_forward(m, l, &s, t, k0, (size_t)n);
    }

    /* Keep every position's final hidden state, but compute logits only for
     * the last: the vocabulary product is the costliest and rarely needed.
     * (Every layer reused: PREV's outputs, copied.) */
    if (from < c->n_layers) {
        if (m->out_norm) norm(m, t->hidden + k0 * d, s.x, m->out_norm, m->out_norm_b, rows);
        else memcpy(t->hidden + k0 * d, s.x, rows * d * sizeof(float)); /* bert: final embeddings */
        forward_logits(m, t, n - 1, t->logits_last);
    }
    run_state_free(&s);
    *out = t;
    return 0;
}

int forward_run(const Model *m, const int32_t *tokens, int n, AttentionTrace **out, char *err,
                size_t errlen)
{
    return forward_run_from(m, NULL, 0, tokens, n, out, err, errlen);
}
