/* model.c - bind a GGUF model's hyper-parameters and weights, as its
 * architecture's row lists them; see model.h. */
#define _POSIX_C_SOURCE 200809L
#include "model.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds that keep every size product below 2^62 and reject nonsense
 * early; real models are far inside them. */
#define MODEL_MAX_LAYERS 1024
#define MODEL_MAX_HEADS 1024
#define MODEL_MAX_DIM (1 << 16)
#define MODEL_MAX_FFN (1 << 18)
#define MODEL_MAX_VOCAB (1 << 22)
#define MODEL_MAX_CONTEXT (1 << 20)

static int get_dim(const Gguf *g, const char *key, int lo, int hi, int *out, char *err,
                   size_t errlen)
{
    uint32_t v;
    if (gguf_get_u32(g, key, &v, err, errlen)) return -1;
    if (v < (uint32_t)lo || v > (uint32_t)hi) {
        error_set(err, errlen, "%s: %s = %u is outside the supported range %d..%d", gguf_name(g),
               key, v, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_opt_dim(const Gguf *g, const char *key, int lo, int hi, int dflt, int *out,
                       char *err, size_t errlen)
{
    if (!gguf_find_kv(g, key)) {
        *out = dflt;
        return 0;
    }
    return get_dim(g, key, lo, hi, out, err, errlen);
}

static int get_opt_f32(const Gguf *g, const char *key, float dflt, float *out, char *err,
                       size_t errlen)
{
    if (!gguf_find_kv(g, key)) {
        *out = dflt;
        return 0;
    }
    return gguf_get_f32(g, key, out, err, errlen);
}

/* A weight that is NaN or infinite (a damaged or hostile file: an F32 value,
 * or a quantized block's scale) would turn every score it touches into NaN
 * on the screen; refuse the file at load instead, naming the tensor. */
static int check_finite(const char *file, const char *name, const float *v, uint64_t n,
                        char *err, size_t errlen)
{
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            error_set(err, errlen, "%s: tensor '%s' has a value that is not finite (element %llu)",
                      file, name, (unsigned long long)i);
            return -1;
        }
    return 0;
}

/* Find tensor NAME, check its shape is (d0, d1) (d1 = 0: one-dimensional), and
 * return float data: borrowed when F32 and aligned, else converted and owned. */
static int bind(Model *m, const char *name, uint64_t d0, uint64_t d1, const float **out,
                char *err, size_t errlen)
{
    const char *file = gguf_name(m->gguf);
    const GgufTensor *t = gguf_find_tensor(m->gguf, name);
    if (!t) {
        error_set(err, errlen, "%s: missing tensor '%s'", file, name);
        return -1;
    }
    bool shape_ok = d1 ? (t->n_dims == 2 && t->dims[0] == d0 && t->dims[1] == d1)
                       : (t->n_dims == 1 && t->dims[0] == d0);
    if (!shape_ok) {
        char got[96];
        int k = snprintf(got, sizeof got, "(");
        for (uint32_t i = 0; i < t->n_dims && k < (int)sizeof got; i++)
            k += snprintf(got + k, sizeof got - (size_t)k, "%s%llu", i ? ", " : "",
                          (unsigned long long)t->dims[i]);
        if (k < (int)sizeof got) snprintf(got + k, sizeof got - (size_t)k, ")");
        if (d1)
            error_set(err, errlen, "%s: tensor '%s' has shape %s, expected (%llu, %llu)", file,
                   name, got, (unsigned long long)d0, (unsigned long long)d1);
        else
            error_set(err, errlen, "%s: tensor '%s' has shape %s, expected (%llu)", file, name,
                   got, (unsigned long long)d0);
        return -1;
    }
    if (t->type == GGML_TYPE_F32 && ((uintptr_t)t->data % sizeof(float)) == 0) {
        if (check_finite(file, name, t->data, t->n_elements, err, errlen)) return -1;
        *out = t->data;
        m->mapped_bytes += t->n_elements * sizeof(float);
        return 0;
    }
    float *buf = malloc(t->n_elements * sizeof(float));
    float **owned = realloc(m->owned, (size_t)(m->n_owned + 1) * sizeof *owned);
    if (!buf || !owned) {
        free(buf);
        if (owned) m->owned = owned;
        error_set(err, errlen, "%s: out of memory converting tensor '%s'", file, name);
        return -1;
    }
    m->owned = owned;
    m->owned[m->n_owned++] = buf;
    m->owned_bytes += t->n_elements * sizeof(float);
    if (gguf_tensor_to_f32(t, 0, t->n_elements, buf, err, errlen)) return -1;
    if (check_finite(file, name, buf, t->n_elements, err, errlen)) return -1;
    /* The converted copy is what the passes read: let the file's pages go,
     * or an F16 model would be resident twice over (1.5x its F32 size). */
    gguf_tensor_release(m->gguf, t);
    *out = buf;
    return 0;
}

/* The row's key SUFFIX: "<arch>.<suffix>". */
#define KEY(suffix) (arch_key(m->arch, (suffix), key, sizeof key), key)

static int read_config(Model *m, char *err, size_t errlen)
{
    const Gguf *g = m->gguf;
    ModelConfig *c = &m->cfg;
    char key[96];
    const GgufStr *name = gguf_get_str(g, "general.architecture", err, errlen);
    if (!name) return -1;
    m->arch = arch_find(name->ptr, (size_t)name->len);
    if (!m->arch) {
        char known[160] = "";
        for (size_t i = 0, k = 0; i < arch_count() && k < sizeof known; i++)
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "",
                                  arch_at(i)->name);
        error_set(err, errlen, "%s: architecture '%.*s' is not supported (only %s)",
               gguf_name(g), (int)(name->len > 64 ? 64 : name->len), name->ptr, known);
        return -1;
    }
    const Arch *a = m->arch;
    const GgufKV *scaling = gguf_find_kv(g, KEY("rope.scaling.type"));
    if (scaling && !(scaling->type == GGUF_TYPE_STRING && gguf_str_eq(scaling->v.str, "none"))) {
        error_set(err, errlen, "%s: %s is set; RoPE scaling is not supported", gguf_name(g),
                  key);
        return -1;
    }
    if (get_dim(g, KEY("block_count"), 1, MODEL_MAX_LAYERS, &c->n_layers, err, errlen) ||
        get_dim(g, KEY("embedding_length"), 1, MODEL_MAX_DIM, &c->dim, err, errlen) ||
        get_dim(g, KEY("feed_forward_length"), 1, MODEL_MAX_FFN, &c->ffn_dim, err, errlen) ||
        get_dim(g, KEY("attention.head_count"), 1, MODEL_MAX_HEADS, &c->n_heads, err, errlen) ||
        get_opt_dim(g, KEY("attention.head_count_kv"), 1, MODEL_MAX_HEADS, c->n_heads,
                    &c->n_kv_heads, err, errlen) ||
        get_opt_dim(g, KEY("context_length"), 1, MODEL_MAX_CONTEXT, 2048, &c->context, err,
                    errlen))
        return -1;
    if (c->n_heads % c->n_kv_heads) {
        error_set(err, errlen, "%s: head_count %d is not a multiple of head_count_kv %d",
               gguf_name(g), c->n_heads, c->n_kv_heads);
        return -1;
    }
    int dflt_hd = c->dim % c->n_heads == 0 ? c->dim / c->n_heads : 0;
    if (get_opt_dim(g, KEY("attention.key_length"), 1, MODEL_MAX_DIM, dflt_hd, &c->head_dim,
                    err, errlen))
        return -1;
    int vlen;
    if (get_opt_dim(g, KEY("attention.value_length"), 1, MODEL_MAX_DIM, c->head_dim, &vlen, err,
                    errlen))
        return -1;
    if (c->head_dim == 0 || vlen != c->head_dim) {
        error_set(err, errlen, "%s: cannot determine one head size (embedding %d, heads %d)",
               gguf_name(g), c->dim, c->n_heads);
        return -1;
    }
    c->rope_dim = 0;
    if (a->pos == ARCH_POS_ROPE || a->pos == ARCH_POS_ROPE_NEOX) {
        if (get_opt_dim(g, KEY("rope.dimension_count"), 2, c->head_dim, c->head_dim,
                        &c->rope_dim, err, errlen))
            return -1;
        if (c->rope_dim % 2) {
            error_set(err, errlen, "%s: %s %d is odd", gguf_name(g), key, c->rope_dim);
            return -1;
        }
    }
    /* RMSNorm and LayerNorm have their own epsilon keys (llama.cpp's
     * LLM_KV_ATTENTION_LAYERNORM_RMS_EPS and _LAYERNORM_EPS). */
    if (get_opt_f32(g, KEY("rope.freq_base"), 10000.0f, &c->rope_base, err, errlen) ||
        get_opt_f32(g,
                    KEY(a->norm == ARCH_NORM_RMS ? "attention.layer_norm_rms_epsilon"
                                                 : "attention.layer_norm_epsilon"),
                    1e-5f, &c->rms_eps, err, errlen))
        return -1;
    if (!(c->rope_base > 0.0f) || !(c->rms_eps >= 0.0f)) {
        error_set(err, errlen, "%s: rope.freq_base %g or layer_norm_rms_epsilon %g is invalid",
               gguf_name(g), c->rope_base, c->rms_eps);
        return -1;
    }
    c->causal = arch_has(a, ARCH_CAUSAL);
    if (gguf_find_kv(g, KEY("attention.causal")) &&
        gguf_get_bool(g, key, &c->causal, err, errlen))
        return -1;
    c->n_token_types = 0;
    if (arch_has(a, ARCH_TOKEN_TYPES) &&
        get_opt_dim(g, "tokenizer.ggml.token_type_count", 1, 1024, 2, &c->n_token_types, err,
                    errlen))
        return -1;
    c->vocab = tokenizer_vocab_size(m->tok);
    if (c->vocab > MODEL_MAX_VOCAB) {
        error_set(err, errlen, "%s: vocabulary of %d pieces is larger than supported (%d)",
               gguf_name(g), c->vocab, MODEL_MAX_VOCAB);
        return -1;
    }
    return 0;
}
#undef KEY

/* Where weight W of LAYER goes. */
static const float **slot(Model *m, int layer, ArchWeight w)
{
    LayerWeights *l = layer >= 0 ? &m->layers[layer] : NULL;
    switch (w) {
    case ARCH_W_TOK_EMBD: return &m->tok_embd;
    case ARCH_W_POS_EMBD: return &m->pos_embd;
    case ARCH_W_TYPE_EMBD: return &m->type_embd;
    case ARCH_W_EMBD_NORM: return &m->embd_norm;
    case ARCH_W_EMBD_NORM_B: return &m->embd_norm_b;
    case ARCH_W_OUT_NORM: return &m->out_norm;
    case ARCH_W_OUT_NORM_B: return &m->out_norm_b;
    case ARCH_W_OUTPUT: return &m->output;
    default: break;
    }
    if (!l) return NULL;
    switch (w) {
    case ARCH_W_ATTN_NORM: return &l->attn_norm;
    case ARCH_W_ATTN_NORM_B: return &l->attn_norm_b;
    case ARCH_W_Q: return &l->wq;
    case ARCH_W_K: return &l->wk;
    case ARCH_W_V: return &l->wv;
    case ARCH_W_QKV: return &l->wqkv;
    case ARCH_W_Q_B: return &l->bq;
    case ARCH_W_K_B: return &l->bk;
    case ARCH_W_V_B: return &l->bv;
    case ARCH_W_QKV_B: return &l->bqkv;
    case ARCH_W_Q_NORM: return &l->q_norm;
    case ARCH_W_K_NORM: return &l->k_norm;
    case ARCH_W_O: return &l->wo;
    case ARCH_W_O_B: return &l->bo;
    case ARCH_W_ATTN_OUT_NORM: return &l->attn_out_norm;
    case ARCH_W_ATTN_OUT_NORM_B: return &l->attn_out_norm_b;
    case ARCH_W_FFN_NORM: return &l->ffn_norm;
    case ARCH_W_FFN_NORM_B: return &l->ffn_norm_b;
    case ARCH_W_GATE: return &l->w_gate;
    case ARCH_W_UP: return &l->w_up;
    case ARCH_W_UP_B: return &l->b_up;
    case ARCH_W_DOWN: return &l->w_down;
    case ARCH_W_DOWN_B: return &l->b_down;
    case ARCH_W_LAYER_OUT_NORM: return &l->layer_out_norm;
    case ARCH_W_LAYER_OUT_NORM_B: return &l->layer_out_norm_b;
    default: return NULL;
    }
}

static int bind_weights(Model *m, char *err, size_t errlen)
{
    const ModelConfig *c = &m->cfg;
    ArchShape shape = {c->n_layers, c->dim,     c->n_heads, c->n_kv_heads,     c->head_dim,
                       c->ffn_dim,  c->vocab,   c->context, c->n_token_types};
    size_t n = arch_tensors(m->arch, &shape, NULL, 0);
    ArchTensor *list = malloc(n * sizeof *list);
    m->layers = calloc((size_t)c->n_layers, sizeof *m->layers);
    if (!list || !m->layers) {
        free(list);
        error_set(err, errlen, "%s: out of memory", gguf_name(m->gguf));
        return -1;
    }
    arch_tensors(m->arch, &shape, list, n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const ArchTensor *t = &list[i];
        if (!t->required && !gguf_find_tensor(m->gguf, t->name)) continue;
        rc = bind(m, t->name, t->d0, t->d1, slot(m, t->layer, t->weight), err, errlen);
    }
    free(list);
    if (!rc && !m->output && !arch_has(m->arch, ARCH_NO_LM_HEAD))
        m->output = m->tok_embd; /* tied embeddings */
    return rc;
}

/* attnscope.mlm_head (our key): "tied_embeddings" makes an encoder's
 * token embeddings its masked-language-model head (logits = h_final E^T,
 * nothing else), so the file holds only tensors llama.cpp expects.  It needs
 * a [MASK] token to hide words with. */
static int bind_mlm_head(Model *m, char *err, size_t errlen)
{
    static const char key[] = "attnscope.mlm_head";
    const char *file = gguf_name(m->gguf);
    if (!gguf_find_kv(m->gguf, key)) return 0;
    const GgufStr *v = gguf_get_str(m->gguf, key, err, errlen);
    if (!v) return -1;
    if (v->len != 15 || memcmp(v->ptr, "tied_embeddings", 15) != 0) {
        error_set(err, errlen, "%s: %s is \"%.*s\"; the only head attnscope knows is "
                  "\"tied_embeddings\"", file, key, v->len > 40 ? 40 : (int)v->len, v->ptr);
        return -1;
    }
    if (!arch_has(m->arch, ARCH_NO_LM_HEAD) || m->cfg.causal) {
        error_set(err, errlen, "%s: %s is for a bidirectional encoder without a head; this is "
                  "a %s %s model", file, key, m->cfg.causal ? "causal" : "bidirectional",
                  m->arch->name);
        return -1;
    }
    if (tokenizer_mask_id(m->tok) < 0) {
        error_set(err, errlen, "%s: %s needs tokenizer.ggml.mask_token_id, the token that "
                  "hides a word", file, key);
        return -1;
    }
    m->output = m->tok_embd;
    m->masked_lm = true;
    return 0;
}

static char *model_name(const Gguf *g)
{
    const GgufKV *kv = gguf_find_kv(g, "general.name");
    if (kv && kv->type == GGUF_TYPE_STRING && kv->v.str.len > 0 && kv->v.str.len < 256)
        return strndup(kv->v.str.ptr, (size_t)kv->v.str.len);
    const char *path = gguf_name(g);
    const char *base = strrchr(path, '/');
    return strdup(base ? base + 1 : path);
}

int model_from_gguf(Model **out, Gguf *g, char *err, size_t errlen)
{
    *out = NULL;
    Model *m = calloc(1, sizeof *m);
    if (!m) {
        gguf_close(g);
        error_set(err, errlen, "out of memory");
        return -1;
    }
    m->gguf = g;
    if (tokenizer_from_gguf(&m->tok, g, err, errlen)) goto fail;
    if (read_config(m, err, errlen)) goto fail;
    if (bind_weights(m, err, errlen) || bind_mlm_head(m, err, errlen)) goto fail;
    m->name = model_name(g);
    if (!m->name) {
        error_set(err, errlen, "out of memory");
        goto fail;
    }
    *out = m;
    return 0;
fail:
    model_close(m);
    return -1;
}

int model_open(Model **out, const char *path, char *err, size_t errlen)
{
    Gguf *g;
    *out = NULL;
    if (gguf_open(&g, path, err, errlen)) return -1;
    return model_from_gguf(out, g, err, errlen);
}

void model_close(Model *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_owned; i++) free(m->owned[i]);
    free(m->owned);
    free(m->layers);
    free(m->name);
    tokenizer_free(m->tok);
    gguf_close(m->gguf);
    free(m);
}

bool model_has_lm_head(const Model *m) { return m->output != NULL && !m->masked_lm; }
bool model_fills_mask(const Model *m) { return m->masked_lm; }
