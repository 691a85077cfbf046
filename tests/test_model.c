/*
 * test_model.c - model loading and the forward pass on small models the test
 * writes itself, against a naive float64 implementation written here.
 *
 * The models exercise what ref260K does not: an untied output matrix, partial
 * rotary dimensions, F16/BF16/Q8_0 weights, and every refusal the loader makes
 * (check_refusals: one file per rule, each valid but for that rule).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "gguf_writer.h"
#include "model.h"
#include "tap.h"
#include "testutil.h"

/* What a spec does to one metadata key. */
typedef enum { KEY_DROP = 1, KEY_U32, KEY_F32, KEY_STR } KeyEdit;
typedef struct {
    const char *name; /* NULL: no change */
    KeyEdit edit;
    uint32_t u32;
    float f32;
    const char *str;
} KeyChange;

typedef struct {
    int layers, heads, kv_heads, dim, ffn, ctx, rope_dim;
    int vocab; /* pieces beyond the 16 below are empty strings */
    int tied;
    GgmlType wtype;
    const char *arch;
    const char *skip_tensor; /* leave this tensor out */
    const char *bad_shape;   /* write this tensor with a wrong shape: */
    uint32_t bad_n_dims;     /* these dims, or (0) its first one 32 larger */
    uint64_t bad_dims[3];
    KeyChange key; /* left out, or written with another value (added if not one of ours) */
} Spec;

static uint64_t rng;
static float frand(void) { return gw_frand(&rng); }

static const char *pieces[] = {"<unk>", "<s>", "</s>", "▁", "a", "b", "c", "▁a", "▁b", "ab",
                               "▁ab", "bc", "▁c", "ca", "▁ca", "cab"};
#define N_PIECES 16

static void add_tensor(GgufWriter *w, const Spec *s, const char *name, uint64_t d0, uint64_t d1,
                       GgmlType type, float amp)
{
    if (s->skip_tensor && strcmp(name, s->skip_tensor) == 0) return;
    uint32_t n_dims = d1 ? 2 : 1;
    uint64_t dims[3] = {d0, d1 ? d1 : 1, 1};
    if (s->bad_shape && strcmp(name, s->bad_shape) == 0) {
        if (s->bad_n_dims) {
            n_dims = s->bad_n_dims;
            memcpy(dims, s->bad_dims, sizeof dims);
        } else {
            dims[0] += 32; /* keep Q8_0 legal */
        }
    }
    size_t n = 1;
    for (uint32_t i = 0; i < n_dims; i++) n *= (size_t)dims[i];
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = amp * frand();
    gw_add_tensor(w, name, n_dims, dims, type, v);
    free(v);
}

/* If KEY is the one the spec changes, write the spec's version of it (or
 * nothing) and return true; else return false and let the caller write it. */
static bool key_changed(GgufWriter *w, const Spec *s, const char *key)
{
    const KeyChange *k = &s->key;
    if (!k->name || strcmp(k->name, key) != 0) return false;
    switch (k->edit) {
    case KEY_DROP: break;
    case KEY_U32: gw_add_u32(w, key, k->u32); break;
    case KEY_F32: gw_add_f32(w, key, k->f32); break;
    case KEY_STR: gw_add_str(w, key, k->str); break;
    }
    return true;
}

static bool put_u32(GgufWriter *w, const Spec *s, const char *key, uint32_t v)
{
    if (key_changed(w, s, key)) return true;
    gw_add_u32(w, key, v);
    return false;
}

static bool put_f32(GgufWriter *w, const Spec *s, const char *key, float v)
{
    if (key_changed(w, s, key)) return true;
    gw_add_f32(w, key, v);
    return false;
}

static bool put_str(GgufWriter *w, const Spec *s, const char *key, const char *v)
{
    if (key_changed(w, s, key)) return true;
    gw_add_str(w, key, v);
    return false;
}

static uint8_t *write_model(const Spec *s, size_t *size)
{
    rng = 0x2545F4914F6CDD1Dull;
    GgufWriter *w = gw_new(3);
    /* gw_add_llama_keys' keys, each open to the spec's change. */
    bool changed = put_str(w, s, "general.architecture", s->arch ? s->arch : "llama");
    changed |= put_str(w, s, "general.name", "tiny test model");
    changed |= put_u32(w, s, "llama.block_count", (uint32_t)s->layers);
    changed |= put_u32(w, s, "llama.embedding_length", (uint32_t)s->dim);
    changed |= put_u32(w, s, "llama.feed_forward_length", (uint32_t)s->ffn);
    changed |= put_u32(w, s, "llama.attention.head_count", (uint32_t)s->heads);
    changed |= put_u32(w, s, "llama.attention.head_count_kv", (uint32_t)s->kv_heads);
    changed |= put_u32(w, s, "llama.context_length", (uint32_t)s->ctx);
    changed |= put_u32(w, s, "llama.rope.dimension_count", (uint32_t)s->rope_dim);
    changed |= put_f32(w, s, "llama.rope.freq_base", 10000.0f);
    changed |= put_f32(w, s, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    if (!changed && s->key.name) key_changed(w, s, s->key.name);
    gw_add_str(w, "tokenizer.ggml.model", "llama");
    const char **names = malloc((size_t)s->vocab * sizeof *names);
    float *scores = malloc((size_t)s->vocab * sizeof *scores);
    int32_t *types = malloc((size_t)s->vocab * sizeof *types);
    for (int i = 0; i < s->vocab; i++) {
        names[i] = i < N_PIECES ? pieces[i] : "";
        scores[i] = -(float)i;
        types[i] = i == 0 ? TOKEN_TYPE_UNKNOWN : i < 3 ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL;
    }
    gw_add_str_array(w, "tokenizer.ggml.tokens", names, (uint64_t)s->vocab);
    gw_add_f32_array(w, "tokenizer.ggml.scores", scores, (uint64_t)s->vocab);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, (uint64_t)s->vocab);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", 1);
    free(names), free(scores), free(types);

    int hd = s->dim / s->heads;
    uint64_t q = (uint64_t)s->heads * hd, kv = (uint64_t)s->kv_heads * hd;
    /* N_PIECES columns whatever the vocabulary: a huge one is refused before
     * the weights are bound, and the embedding need not be that huge too. */
    add_tensor(w, s, "token_embd.weight", (uint64_t)s->dim, N_PIECES, s->wtype, 1.0f);
    for (int l = 0; l < s->layers; l++) {
        char name[64];
#define T(suffix, d0, d1, type, amp) \
    (snprintf(name, sizeof name, "blk.%d." suffix ".weight", l), add_tensor(w, s, name, d0, d1, type, amp))
        T("attn_norm", (uint64_t)s->dim, 0, GGML_TYPE_F32, 1.0f);
        T("attn_q", (uint64_t)s->dim, q, s->wtype, 0.8f);
        T("attn_k", (uint64_t)s->dim, kv, s->wtype, 0.8f);
        T("attn_v", (uint64_t)s->dim, kv, s->wtype, 0.5f);
        T("attn_output", q, (uint64_t)s->dim, s->wtype, 0.5f);
        T("ffn_norm", (uint64_t)s->dim, 0, GGML_TYPE_F32, 1.0f);
        T("ffn_gate", (uint64_t)s->dim, (uint64_t)s->ffn, s->wtype, 0.5f);
        T("ffn_up", (uint64_t)s->dim, (uint64_t)s->ffn, s->wtype, 0.5f);
        T("ffn_down", (uint64_t)s->ffn, (uint64_t)s->dim, s->wtype, 0.5f);
#undef T
    }
    add_tensor(w, s, "output_norm.weight", (uint64_t)s->dim, 0, GGML_TYPE_F32, 1.0f);
    if (!s->tied) add_tensor(w, s, "output.weight", (uint64_t)s->dim, N_PIECES, s->wtype, 0.5f);
    uint8_t *buf = gw_serialize(w, size);
    gw_free(w);
    return buf;
}

/* ---- the float64 reference: plain loops, one position at a time ---------- */

/* A weight as doubles, read through the reader's conversion (dequantized the
 * same way for every type). */
static double *weight(const Gguf *g, const char *name)
{
    const GgufTensor *t = gguf_find_tensor(g, name);
    float *f = malloc(t->n_elements * sizeof *f);
    double *d = malloc(t->n_elements * sizeof *d);
    gguf_tensor_to_f32(t, 0, t->n_elements, f, NULL, 0);
    for (uint64_t i = 0; i < t->n_elements; i++) d[i] = f[i];
    free(f);
    return d;
}

static void ref_rmsnorm(double *o, const double *x, const double *w, int dim)
{
    double ss = 0;
    for (int i = 0; i < dim; i++) ss += x[i] * x[i];
    double inv = 1.0 / sqrt(ss / dim + 1e-5);
    for (int i = 0; i < dim; i++) o[i] = x[i] * inv * w[i];
}

/* y (rows) = W (rows, cols) x */
static void ref_matvec(double *y, const double *W, const double *x, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) s += W[(size_t)r * cols + c] * x[c];
        y[r] = s;
    }
}

static void ref_rope(double *v, int pos, int hd, int rope_dim)
{
    for (int i = 0; i < rope_dim / 2; i++) {
        double th = pos * pow(10000.0, -2.0 * i / rope_dim), c = cos(th), s = sin(th);
        double a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * c - b * s;
        v[2 * i + 1] = a * s + b * c;
    }
    (void)hd;
}

/* Attention (layers, heads, n, n) and last logits (vocab), in double. */
static void reference(const Gguf *g, const Spec *s, const int32_t *tok, int n, double *attn,
                      double *logits)
{
    int D = s->dim, H = s->heads, KV = s->kv_heads, hd = D / H, F = s->ffn;
    double *x = calloc((size_t)n * D, sizeof *x), *xb = calloc(D, sizeof *x);
    double *K = calloc((size_t)n * KV * hd, sizeof *x), *V = calloc((size_t)n * KV * hd, sizeof *x);
    double *Q = calloc((size_t)n * H * hd, sizeof *x), *o = calloc(H * hd, sizeof *x);
    double *tmp = calloc(D > F ? D : F, sizeof *x), *g1 = calloc(F, sizeof *x), *g3 = calloc(F, sizeof *x);
    double *emb = weight(g, "token_embd.weight");
    for (int p = 0; p < n; p++) memcpy(x + (size_t)p * D, emb + (size_t)tok[p] * D, D * sizeof *x);
    for (int l = 0; l < s->layers; l++) {
        char nm[64];
#define W(suffix) (snprintf(nm, sizeof nm, "blk.%d." suffix ".weight", l), weight(g, nm))
        double *an = W("attn_norm"), *wq = W("attn_q"), *wk = W("attn_k"), *wv = W("attn_v"),
               *wo = W("attn_output"), *fn = W("ffn_norm"), *wg = W("ffn_gate"),
               *wu = W("ffn_up"), *wd = W("ffn_down");
#undef W
        for (int p = 0; p < n; p++) {
            ref_rmsnorm(xb, x + (size_t)p * D, an, D);
            ref_matvec(Q + (size_t)p * H * hd, wq, xb, H * hd, D);
            ref_matvec(K + (size_t)p * KV * hd, wk, xb, KV * hd, D);
            ref_matvec(V + (size_t)p * KV * hd, wv, xb, KV * hd, D);
            for (int h = 0; h < H; h++) ref_rope(Q + ((size_t)p * H + h) * hd, p, hd, s->rope_dim);
            for (int h = 0; h < KV; h++) ref_rope(K + ((size_t)p * KV + h) * hd, p, hd, s->rope_dim);
        }
        for (int p = 0; p < n; p++) {
            for (int h = 0; h < H; h++) {
                int kh = h / (H / KV);
                double *row = attn + (((size_t)l * H + h) * n + p) * n, max = -INFINITY, sum = 0;
                for (int j = 0; j < n; j++) row[j] = 0;
                for (int j = 0; j <= p; j++) {
                    double d = 0;
                    for (int c = 0; c < hd; c++)
                        d += Q[((size_t)p * H + h) * hd + c] * K[((size_t)j * KV + kh) * hd + c];
                    row[j] = d / sqrt((double)hd);
                    if (row[j] > max) max = row[j];
                }
                for (int j = 0; j <= p; j++) sum += (row[j] = exp(row[j] - max));
                for (int c = 0; c < hd; c++) o[h * hd + c] = 0;
                for (int j = 0; j <= p; j++) {
                    row[j] /= sum;
                    for (int c = 0; c < hd; c++) o[h * hd + c] += row[j] * V[((size_t)j * KV + kh) * hd + c];
                }
            }
            ref_matvec(tmp, wo, o, D, H * hd);
            for (int i = 0; i < D; i++) x[(size_t)p * D + i] += tmp[i];
        }
        for (int p = 0; p < n; p++) {
            ref_rmsnorm(xb, x + (size_t)p * D, fn, D);
            ref_matvec(g1, wg, xb, F, D);
            ref_matvec(g3, wu, xb, F, D);
            for (int i = 0; i < F; i++) g1[i] = g1[i] / (1 + exp(-g1[i])) * g3[i];
            ref_matvec(tmp, wd, g1, D, F);
            for (int i = 0; i < D; i++) x[(size_t)p * D + i] += tmp[i];
        }
        free(an), free(wq), free(wk), free(wv), free(wo), free(fn), free(wg), free(wu), free(wd);
    }
    double *on = weight(g, "output_norm.weight");
    double *out = s->tied ? emb : weight(g, "output.weight");
    ref_rmsnorm(xb, x + (size_t)(n - 1) * D, on, D);
    ref_matvec(logits, out, xb, s->vocab, D);
    if (!s->tied) free(out);
    free(on), free(emb), free(x), free(xb), free(K), free(V), free(Q), free(o), free(tmp), free(g1), free(g3);
}

static const Spec base = {.layers = 2, .heads = 4, .kv_heads = 2, .dim = 64, .ffn = 96,
                          .ctx = 32, .rope_dim = 8, .vocab = N_PIECES, .tied = 1,
                          .wtype = GGML_TYPE_F32};

/* The base model with one metadata key changed. */
static Spec key_u32(const char *key, uint32_t v)
{
    Spec s = base;
    s.key = (KeyChange){.name = key, .edit = KEY_U32, .u32 = v};
    return s;
}

static Spec key_f32(const char *key, float v)
{
    Spec s = base;
    s.key = (KeyChange){.name = key, .edit = KEY_F32, .f32 = v};
    return s;
}

static Spec key_str(const char *key, const char *v)
{
    Spec s = base;
    s.key = (KeyChange){.name = key, .edit = KEY_STR, .str = v};
    return s;
}

static Spec key_drop(const char *key)
{
    Spec s = base;
    s.key = (KeyChange){.name = key, .edit = KEY_DROP};
    return s;
}

/* The base model with tensor NAME written with N_DIMS dims D0, D1, D2. */
static Spec reshaped(const char *name, uint32_t n_dims, uint64_t d0, uint64_t d1, uint64_t d2)
{
    Spec s = base;
    s.bad_shape = name;
    s.bad_n_dims = n_dims;
    s.bad_dims[0] = d0, s.bad_dims[1] = d1, s.bad_dims[2] = d2;
    return s;
}

static void check_against_reference(const char *label, Spec s)
{
    size_t size;
    uint8_t *buf = write_model(&s, &size);
    Gguf *g;
    Model *m;
    char err[512];
    if (!ok(gguf_open_buffer(&g, buf, size, label, err, sizeof err) == 0 &&
                model_from_gguf(&m, g, err, sizeof err) == 0,
            "%s: loads", label)) {
        diag("%s", err);
        free(buf);
        return;
    }
    int32_t tok[20];
    int n = 20;
    for (int i = 0; i < n; i++) tok[i] = i == 0 ? 1 : 3 + (i * 7) % (N_PIECES - 3);
    AttentionTrace *t;
    if (!ok(forward_run(m, tok, n, &t, err, sizeof err) == 0, "%s: forward pass runs", label)) {
        diag("%s", err);
        model_close(m);
        free(buf);
        return;
    }
    double *attn = malloc(sizeof(double) * s.layers * s.heads * n * n), logits[N_PIECES];
    reference(m->gguf, &s, tok, n, attn, logits);
    double worst = 0, worst_logit = 0, worst_row = 0;
    float prob[20];
    AttentionRow row = {NULL, NULL, prob};
    for (int l = 0; l < s.layers; l++)
        for (int h = 0; h < s.heads; h++)
            for (int i = 0; i < n; i++) {
                trace_row(t, l, h, i, &row);
                for (int j = 0; j < n; j++) {
                    float got = trace_attn(t, l, h)[i * n + j];
                    double d = fabs(got - attn[((l * s.heads + h) * n + i) * n + j]);
                    if (d > worst) worst = d;
                    if (fabs(prob[j] - got) > worst_row) worst_row = fabs(prob[j] - got);
                }
            }
    for (int v = 0; v < N_PIECES; v++)
        if (fabs(t->logits_last[v] - logits[v]) > worst_logit) worst_logit = fabs(t->logits_last[v] - logits[v]);
    ok(worst < 1e-5, "%s: attention matches the float64 reference (worst %.2g)", label, worst);
    ok(worst_logit < 1e-3, "%s: last logits match (worst %.2g)", label, worst_logit);
    ok(worst_row < 1e-6, "%s: every recomputed row equals the recorded one (worst %.2g)", label,
       worst_row);
    /* Causal: the logits after position 5 are those of the 6-token prefix. */
    AttentionTrace *prefix;
    float mid[N_PIECES];
    forward_logits(m, t, 5, mid);
    double worst_mid = INFINITY;
    if (forward_run(m, tok, 6, &prefix, err, sizeof err) == 0) {
        worst_mid = 0;
        for (int v = 0; v < N_PIECES; v++)
            if (fabs(mid[v] - prefix->logits_last[v]) > worst_mid)
                worst_mid = fabs(mid[v] - prefix->logits_last[v]);
        trace_free(prefix);
    }
    ok(worst_mid < 1e-4, "%s: logits after position 5 equal the 6-token prefix's (worst %.2g)",
       label, worst_mid);
    free(attn);
    trace_free(t);
    model_close(m);
    free(buf);
}

/* Load SPEC as "bad.gguf": 0, or -1 with the message in ERR. */
static int load(Spec s, char *err, size_t errlen)
{
    size_t size;
    uint8_t *buf = write_model(&s, &size);
    Gguf *g;
    Model *m = NULL;
    err[0] = '\0';
    int rc = gguf_open_buffer(&g, buf, size, "bad.gguf", err, errlen);
    if (rc == 0) rc = model_from_gguf(&m, g, err, errlen);
    model_close(m);
    free(buf);
    return rc;
}

/* The loader must refuse SPEC with a message naming the file and containing WANT. */
static void check_refused(const char *label, Spec s, const char *want)
{
    char err[512];
    int rc = load(s, err, sizeof err);
    if (!ok(rc != 0 && strncmp(err, "bad.gguf: ", 10) == 0 && strstr(err, want) != NULL,
            "refused: %s", label))
        diag("rc %d, message \"%s\", wanted \"bad.gguf: ...%s...\"", rc, err, want);
}

/* An edit after position K: forward_run_from on the old trace equals a full
 * pass over the new tokens (attention, Q/K/V, logits), for every K. */
static void check_incremental(const char *label, Spec s)
{
    size_t size;
    uint8_t *buf = write_model(&s, &size);
    Gguf *g;
    Model *m;
    char err[512];
    if (gguf_open_buffer(&g, buf, size, label, err, sizeof err) || model_from_gguf(&m, g, err, sizeof err)) {
        ok(0, "%s: loads", label);
        free(buf);
        return;
    }
    int32_t a[24], b[24];
    for (int i = 0; i < 24; i++) a[i] = b[i] = i == 0 ? 1 : 3 + (i * 5) % (N_PIECES - 3);
    double worst = 0;
    int cases = 0;
    for (int k = 0; k <= 20; k++) {
        /* b: a's first k tokens, then different ones, and a different length. */
        int nb = 18 + k % 6;
        for (int i = k; i < 24; i++) b[i] = 3 + (i * 7 + k) % (N_PIECES - 3);
        AttentionTrace *old, *inc, *full;
        if (forward_run(m, a, 20, &old, err, sizeof err)) break;
        if (forward_run_from(m, old, k, b, nb, &inc, err, sizeof err) ||
            forward_run(m, b, nb, &full, err, sizeof err)) {
            trace_free(old);
            worst = INFINITY;
            break;
        }
        size_t na = (size_t)s.layers * s.heads * nb * nb, nq = (size_t)s.layers * nb * s.heads * (s.dim / s.heads),
               nkv = (size_t)s.layers * nb * s.kv_heads * (s.dim / s.heads);
        const float *x[] = {inc->attn, inc->q, inc->k, inc->v, inc->logits_last, inc->hidden};
        const float *y[] = {full->attn, full->q, full->k, full->v, full->logits_last, full->hidden};
        size_t len[] = {na, nq, nkv, nkv, N_PIECES, (size_t)nb * s.dim};
        /* Attention absolutely, the vectors relative to their size: sgemm
         * blocks a 5-row product differently from a 20-row one. */
        for (int f = 0; f < 6; f++)
            for (size_t i = 0; i < len[f]; i++) {
                double d = fabs(x[f][i] - y[f][i]) / (f == 0 ? 1.0 : 1.0 + fabs(y[f][i]));
                if (d > worst) worst = d;
            }
        cases++;
        trace_free(old), trace_free(inc), trace_free(full);
        for (int i = 0; i < 24; i++) b[i] = a[i];
    }
    ok(cases == 21 && worst < 3e-5,
       "%s: extending from each of 21 shared prefixes equals a full pass (worst %.2g, relative for vectors)", label, worst);

    /* Cancellation: a raised flag stops the pass with nothing to free; a
     * lowered one changes nothing. */
    atomic_bool stop;
    atomic_init(&stop, true);
    AttentionTrace *t = (AttentionTrace *)&stop, *plain = NULL;
    ForwardOptions with_stop = {.cancel = &stop};
    int rc = forward_run_opts(m, a, 20, &with_stop, &t, err, sizeof err);
    ok(rc == FORWARD_CANCELLED && t == NULL && strcmp(err, "cancelled") == 0,
       "%s: a raised cancel flag gives FORWARD_CANCELLED and no trace", label);
    atomic_store(&stop, false);
    rc = forward_run_opts(m, a, 20, &with_stop, &t, err, sizeof err);
    int rc2 = forward_run(m, a, 20, &plain, err, sizeof err);
    size_t na = (size_t)s.layers * s.heads * 20 * 20;
    ok(rc == 0 && rc2 == 0 && t && plain && memcmp(t->attn, plain->attn, na * sizeof(float)) == 0 &&
           memcmp(t->logits_last, plain->logits_last, N_PIECES * sizeof(float)) == 0,
       "%s: with the flag down the pass equals forward_run exactly", label);
    if (rc == 0) trace_free(t);
    trace_free(plain);
    model_close(m);
    free(buf);
}

static void check_forward_limits(void)
{
    Spec s = base;
    size_t size;
    uint8_t *buf = write_model(&s, &size);
    Gguf *g;
    Model *m;
    char err[512];
    gguf_open_buffer(&g, buf, size, "tiny.gguf", err, sizeof err);
    if (!ok(model_from_gguf(&m, g, err, sizeof err) == 0, "tiny model loads for limit checks")) {
        free(buf);
        return;
    }
    AttentionTrace *t = NULL;
    int32_t tok[40] = {1};
    ok(forward_run(m, tok, 0, &t, err, sizeof err) != 0 && t == NULL, "no tokens: refused");
    ok(forward_run(m, tok, 33, &t, err, sizeof err) != 0 && strstr(err, "context of 32"),
       "33 tokens in a 32-token context: refused naming the context");
    tok[3] = N_PIECES;
    ok(forward_run(m, tok, 5, &t, err, sizeof err) != 0 && strstr(err, "position 3"),
       "an id outside the vocabulary: refused naming its position");
    tok[3] = 2;
    ok(forward_run(m, tok, 32, &t, err, sizeof err) == 0 && t->n_tokens == 32,
       "exactly the context length runs");
    trace_free(t);
    model_close(m);
    free(buf);
}

/* The real reference model, damaged: every cut of its header and metadata
 * must be refused with a message, and every seeded mutation of that region
 * must either be refused with a message or load and run (sanitizers watch). */
static void check_real_model_damage(void)
{
    const char *shared = test_shared_dir();
    if (!shared) {
        skip("../shared not found: no ref260K.gguf to damage");
        skip("../shared not found");
        return;
    }
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/models/ref260K.gguf", shared);
    size_t size;
    uint8_t *file = (uint8_t *)test_read_file(path, &size);
    Gguf *g;
    if (!file || gguf_open_buffer(&g, file, size, "ref260K.gguf", err, sizeof err)) {
        ok(0, "read %s", path);
        ok(0, "read %s", path);
        free(file);
        return;
    }
    size_t meta = (size_t)((const uint8_t *)gguf_tensor_at(g, 0)->data - file);
    gguf_close(g);

    size_t cuts_refused = 0;
    for (size_t len = 0; len < meta; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, file, len);
        err[0] = '\0';
        if (gguf_open_buffer(&g, cut, len, "cut.gguf", err, sizeof err) != 0 && err[0])
            cuts_refused++;
        else if (len < meta)
            gguf_close(g);
        free(cut);
    }
    ok(cuts_refused == meta, "ref260K: all %zu cuts of the header and metadata refused with a "
       "message (%zu were)", meta, cuts_refused);

    rng = 0x853C49E6748FEA9Bull;
    int refused = 0, loaded = 0, silent = 0;
    uint8_t *mutant = malloc(size);
    for (int k = 0; k < 1500; k++) {
        memcpy(mutant, file, size);
        int flips = 1 + (int)((rng >> 3) % 4);
        for (int f = 0; f < flips; f++) {
            frand();
            size_t at = (size_t)(rng >> 7) % meta;
            frand();
            mutant[at] = (k % 3 == 0) ? 0xFF : (k % 3 == 1) ? 0x00 : (uint8_t)(rng >> 24);
        }
        Model *m;
        err[0] = '\0';
        if (gguf_open_buffer(&g, mutant, size, "mutant.gguf", err, sizeof err) ||
            model_from_gguf(&m, g, err, sizeof err)) {
            refused++;
            silent += err[0] == '\0';
            continue;
        }
        loaded++;
        Token *toks;
        size_t n;
        AttentionTrace *t;
        if (tokenizer_encode(m->tok, "The cat sat.", 12, 0, &toks, &n, err, sizeof err) == 0) {
            int32_t ids[64];
            for (size_t i = 0; i < n && i < 64; i++) ids[i] = toks[i].id;
            if (forward_run(m, ids, (int)(n < 64 ? n : 64), &t, err, sizeof err) == 0) trace_free(t);
            free(toks);
        }
        model_close(m);
    }
    ok(silent == 0, "ref260K: 1500 mutants: %d refused with a message, %d loaded and ran, "
       "%d refused silently", refused, loaded, silent);
    free(mutant);
    free(file);
}

/* Every refusal of read_config and bind, each by a file that breaks only
 * that rule (the base model is valid), so that each check is needed. */
static void check_refusals(void)
{
    Spec s;
    char label[160], want[200];

    /* The architecture. */
    s = base, s.arch = "mamba";
    check_refused("architecture mamba", s,
                  "architecture 'mamba' is not supported (only llama, qwen2, qwen3, gpt2, bert, "
                  "phi3, gemma)");
    s = base, s.arch = "llama2";
    check_refused("architecture llama2 (a longer name starting with llama)", s,
                  "architecture 'llama2' is not supported");
    check_refused("no general.architecture", key_drop("general.architecture"),
                  "key 'general.architecture' is missing");
    check_refused("general.architecture not a string", key_u32("general.architecture", 1),
                  "key 'general.architecture' has type UINT32");

    /* RoPE scaling: any value but the string "none". */
    check_refused("rope scaling linear", key_str("llama.rope.scaling.type", "linear"),
                  "llama.rope.scaling.type is set; RoPE scaling is not supported");
    check_refused("rope scaling as a number", key_u32("llama.rope.scaling.type", 0),
                  "llama.rope.scaling.type is set; RoPE scaling is not supported");
    char err[512];
    if (!ok(load(key_str("llama.rope.scaling.type", "none"), err, sizeof err) == 0,
            "rope scaling \"none\" loads"))
        diag("%s", err);

    /* Each dimension just outside its range is refused, and its limits pass
     * that check (the model may still fail later for another reason, e.g. a
     * 1024-layer model lacks blk.2's tensors). */
    static const struct {
        const char *key;
        uint32_t lo, hi;
    } ranges[] = {
        /* model.c's MODEL_MAX_LAYERS, _DIM, _FFN, _HEADS and _CONTEXT */
        {"llama.block_count", 1, 1024},
        {"llama.embedding_length", 1, 1 << 16},
        {"llama.feed_forward_length", 1, 1 << 18},
        {"llama.attention.head_count", 1, 1024},
        {"llama.attention.head_count_kv", 1, 1024},
        {"llama.context_length", 1, 1 << 20},
        {"llama.attention.key_length", 1, 1 << 16},
        {"llama.attention.value_length", 1, 1 << 16},
        {"llama.rope.dimension_count", 2, 16}, /* up to the head size, 64 / 4 */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const char *key = ranges[i].key;
        uint32_t lo = ranges[i].lo, hi = ranges[i].hi;
        uint32_t bad[2] = {lo - 1, hi + 1};
        for (int b = 0; b < 2; b++) {
            snprintf(label, sizeof label, "%s = %u", key, bad[b]);
            snprintf(want, sizeof want, "%s = %u is outside the supported range %u..%u", key,
                     bad[b], lo, hi);
            check_refused(label, key_u32(key, bad[b]), want);
        }
        /* At each limit the model may fail, but not on KEY's range. */
        for (int b = 0; b < 2; b++) {
            uint32_t v = b ? hi : lo;
            snprintf(label, sizeof label, "%s = %u is in range", key, v);
            snprintf(want, sizeof want, "%s = %u is outside", key, v);
            int rc = load(key_u32(key, v), err, sizeof err);
            if (!ok(rc == 0 || !strstr(err, want), "passes: %s", label)) diag("%s", err);
        }
    }
    check_refused("no llama.block_count", key_drop("llama.block_count"),
                  "key 'llama.block_count' is missing");

    /* Head counts and sizes. */
    s = base, s.kv_heads = 3;
    check_refused("heads not a multiple of kv heads", s,
                  "head_count 4 is not a multiple of head_count_kv 3");
    check_refused("embedding 66 not divisible by 4 heads, no key_length",
                  key_u32("llama.embedding_length", 66),
                  "cannot determine one head size (embedding 66, heads 4)");
    check_refused("value_length 8 differs from the head size 16",
                  key_u32("llama.attention.value_length", 8),
                  "cannot determine one head size (embedding 64, heads 4)");
    s = base, s.rope_dim = 7;
    check_refused("odd rope dimension", s, "llama.rope.dimension_count 7 is odd");

    /* RoPE base and RMSNorm epsilon: "> 0" and ">= 0", NaN failing both. */
    check_refused("rope.freq_base 0", key_f32("llama.rope.freq_base", 0.0f),
                  "rope.freq_base 0 or layer_norm_rms_epsilon 1e-05 is invalid");
    check_refused("rope.freq_base negative", key_f32("llama.rope.freq_base", -10000.0f),
                  "rope.freq_base -10000 or layer_norm_rms_epsilon 1e-05 is invalid");
    check_refused("rope.freq_base NaN", key_f32("llama.rope.freq_base", NAN),
                  "rope.freq_base nan or layer_norm_rms_epsilon 1e-05 is invalid");
    check_refused("layer_norm_rms_epsilon negative",
                  key_f32("llama.attention.layer_norm_rms_epsilon", -1e-5f),
                  "rope.freq_base 10000 or layer_norm_rms_epsilon -1e-05 is invalid");
    check_refused("layer_norm_rms_epsilon NaN",
                  key_f32("llama.attention.layer_norm_rms_epsilon", NAN),
                  "rope.freq_base 10000 or layer_norm_rms_epsilon nan is invalid");
    check_refused("rope.freq_base as a string", key_str("llama.rope.freq_base", "10000"),
                  "key 'llama.rope.freq_base' has type STRING");

    /* The vocabulary: 2^22 pieces (MODEL_MAX_VOCAB) is the most; the
     * embedding keeps 16 columns, so the limit itself fails at binding. */
    s = base, s.vocab = (1 << 22) + 1;
    check_refused("a vocabulary of 2^22 + 1 pieces", s,
                  "vocabulary of 4194305 pieces is larger than supported (4194304)");
    s = base, s.vocab = 1 << 22;
    check_refused("a vocabulary of 2^22 pieces passes, to bind the embedding", s,
                  "tensor 'token_embd.weight' has shape (64, 16), expected (64, 4194304)");

    /* Tensors: missing, and every way a shape can be wrong. */
    s = base, s.skip_tensor = "blk.1.ffn_up.weight";
    check_refused("missing tensor", s, "missing tensor 'blk.1.ffn_up.weight'");
    s = base, s.skip_tensor = "output_norm.weight";
    check_refused("missing output norm", s, "missing tensor 'output_norm.weight'");
    s = base, s.bad_shape = "blk.0.attn_k.weight";
    check_refused("2-D, first dim wrong", s,
                  "tensor 'blk.0.attn_k.weight' has shape (96, 32), expected (64, 32)");
    check_refused("2-D, second dim wrong", reshaped("blk.1.attn_q.weight", 2, 64, 48, 1),
                  "tensor 'blk.1.attn_q.weight' has shape (64, 48), expected (64, 64)");
    check_refused("2-D written transposed", reshaped("token_embd.weight", 2, 16, 64, 1),
                  "tensor 'token_embd.weight' has shape (16, 64), expected (64, 16)");
    check_refused("2-D written as 3-D", reshaped("blk.0.ffn_gate.weight", 3, 64, 96, 1),
                  "tensor 'blk.0.ffn_gate.weight' has shape (64, 96, 1), expected (64, 96)");
    check_refused("1-D of the wrong length", reshaped("output_norm.weight", 1, 96, 1, 1),
                  "tensor 'output_norm.weight' has shape (96), expected (64)");
    check_refused("1-D written as 2-D", reshaped("blk.1.attn_norm.weight", 2, 64, 1, 1),
                  "tensor 'blk.1.attn_norm.weight' has shape (64, 1), expected (64)");
    s = reshaped("output.weight", 2, 64, 15, 1), s.tied = 0;
    check_refused("untied output of the wrong vocabulary", s,
                  "tensor 'output.weight' has shape (64, 15), expected (64, 16)");
}

int main(void)
{
    Spec s;
    check_against_reference("F32 tied, partial RoPE, GQA 4/2", base);
    s = base, s.tied = 0, s.rope_dim = 16, s.kv_heads = 4;
    check_against_reference("F32 untied output, full RoPE, MHA", s);
    s = base, s.wtype = GGML_TYPE_F16;
    check_against_reference("F16 weights", s);
    s = base, s.wtype = GGML_TYPE_BF16;
    check_against_reference("BF16 weights", s);
    s = base, s.wtype = GGML_TYPE_Q8_0, s.tied = 0;
    check_against_reference("Q8_0 weights", s);
    s = base, s.kv_heads = 1, s.layers = 3;
    check_against_reference("multi-query (one kv head), 3 layers", s);

    check_refusals();
    check_forward_limits();
    check_incremental("incremental, GQA 4/2", base);
    s = base, s.kv_heads = 1, s.wtype = GGML_TYPE_Q8_0, s.tied = 0;
    check_incremental("incremental, MQA, Q8_0", s);
    check_real_model_damage();
    done_testing();
    return exit_status();
}
