/* arch.c - the architecture table and the tensor list it implies; see arch.h. */
#include "arch.h"

#include <stdio.h>
#include <string.h>

/* Each row checked against llama.cpp's src/models/<name>.cpp (tensors and
 * graph) and llama_model_rope_type() (llama-model.cpp). */
static const Arch table[] = {
    {"llama", ARCH_NORM_RMS, ARCH_POS_ROPE, ARCH_FFN_SWIGLU, ARCH_CAUSAL},
    {"qwen2", ARCH_NORM_RMS, ARCH_POS_ROPE_NEOX, ARCH_FFN_SWIGLU, ARCH_CAUSAL | ARCH_QKV_BIAS},
    {"qwen3", ARCH_NORM_RMS, ARCH_POS_ROPE_NEOX, ARCH_FFN_SWIGLU, ARCH_CAUSAL | ARCH_QK_NORM},
    {"gpt2", ARCH_NORM_LAYER, ARCH_POS_LEARNED, ARCH_FFN_GELU,
     ARCH_CAUSAL | ARCH_FUSED_QKV | ARCH_QKV_BIAS | ARCH_LINEAR_BIAS | ARCH_TIED_OUTPUT},
    {"bert", ARCH_NORM_LAYER, ARCH_POS_LEARNED, ARCH_FFN_GELU,
     ARCH_QKV_BIAS | ARCH_LINEAR_BIAS | ARCH_POST_NORM | ARCH_TOKEN_TYPES | ARCH_EMBD_NORM |
         ARCH_NO_LM_HEAD},
    {"phi3", ARCH_NORM_RMS, ARCH_POS_ROPE_NEOX, ARCH_FFN_SWIGLU,
     ARCH_CAUSAL | ARCH_FUSED_QKV | ARCH_FUSED_GATE_UP | ARCH_PARTIAL_ROPE},
    /* Gemma's RMSNorm multiplies by (1 + w): the converter stores 1 + w, so
     * the file's weight is used as it is, as llama.cpp does. */
    {"gemma", ARCH_NORM_RMS, ARCH_POS_ROPE_NEOX, ARCH_FFN_GEGLU,
     ARCH_CAUSAL | ARCH_EMBD_SCALE | ARCH_TIED_OUTPUT},
};

const Arch *arch_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

size_t arch_count(void) { return sizeof table / sizeof table[0]; }

const Arch *arch_at(size_t i) { return i < arch_count() ? &table[i] : NULL; }

const char *arch_masking_name(bool causal) { return causal ? "causal" : "bidirectional"; }

void arch_key(const Arch *a, const char *suffix, char *buf, size_t n)
{
    snprintf(buf, n, "%s.%s", a->name, suffix);
}

typedef struct {
    ArchTensor *out;
    size_t cap, n;
} List;

static void add(List *l, int layer, const char *stem, const char *kind, uint64_t d0, uint64_t d1,
                ArchWeight w, ArchInit init, bool required)
{
    if (l->n < l->cap) {
        ArchTensor *t = &l->out[l->n];
        if (layer < 0) snprintf(t->name, sizeof t->name, "%s.%s", stem, kind);
        else snprintf(t->name, sizeof t->name, "blk.%d.%s.%s", layer, stem, kind);
        t->d0 = d0, t->d1 = d1, t->layer = layer, t->weight = w, t->init = init;
        t->required = required;
    }
    l->n++;
}

/* A norm's scale, and its shift when it is a LayerNorm. */
static void add_norm(List *l, const Arch *a, int layer, const char *stem, uint64_t d,
                     ArchWeight w, ArchWeight b)
{
    add(l, layer, stem, "weight", d, 0, w, ARCH_INIT_SCALE, true);
    if (a->norm == ARCH_NORM_LAYER) add(l, layer, stem, "bias", d, 0, b, ARCH_INIT_BIAS, true);
}

size_t arch_tensors(const Arch *a, const ArchShape *s, ArchTensor *out, size_t cap)
{
    List l = {out, cap, 0};
    uint64_t d = (uint64_t)s->dim, q = (uint64_t)s->n_heads * s->head_dim,
             kv = (uint64_t)s->n_kv_heads * s->head_dim, f = (uint64_t)s->ffn_dim;
    bool lbias = arch_has(a, ARCH_LINEAR_BIAS);
    add(&l, -1, "token_embd", "weight", d, (uint64_t)s->vocab, ARCH_W_TOK_EMBD, ARCH_INIT_MATRIX,
        true);
    if (a->pos == ARCH_POS_LEARNED)
        add(&l, -1, "position_embd", "weight", d, (uint64_t)s->context, ARCH_W_POS_EMBD,
            ARCH_INIT_MATRIX, true);
    if (arch_has(a, ARCH_TOKEN_TYPES))
        add(&l, -1, "token_types", "weight", d, (uint64_t)s->n_token_types, ARCH_W_TYPE_EMBD,
            ARCH_INIT_MATRIX, false);
    if (arch_has(a, ARCH_EMBD_NORM))
        add_norm(&l, a, -1, "token_embd_norm", d, ARCH_W_EMBD_NORM, ARCH_W_EMBD_NORM_B);
    for (int i = 0; i < s->n_layers; i++) {
        if (!arch_has(a, ARCH_POST_NORM))
            add_norm(&l, a, i, "attn_norm", d, ARCH_W_ATTN_NORM, ARCH_W_ATTN_NORM_B);
        if (arch_has(a, ARCH_FUSED_QKV)) {
            add(&l, i, "attn_qkv", "weight", d, q + 2 * kv, ARCH_W_QKV, ARCH_INIT_MATRIX, true);
            if (arch_has(a, ARCH_QKV_BIAS))
                add(&l, i, "attn_qkv", "bias", q + 2 * kv, 0, ARCH_W_QKV_B, ARCH_INIT_BIAS, true);
        } else {
            add(&l, i, "attn_q", "weight", d, q, ARCH_W_Q, ARCH_INIT_MATRIX, true);
            add(&l, i, "attn_k", "weight", d, kv, ARCH_W_K, ARCH_INIT_MATRIX, true);
            add(&l, i, "attn_v", "weight", d, kv, ARCH_W_V, ARCH_INIT_MATRIX, true);
            if (arch_has(a, ARCH_QKV_BIAS)) {
                add(&l, i, "attn_q", "bias", q, 0, ARCH_W_Q_B, ARCH_INIT_BIAS, true);
                add(&l, i, "attn_k", "bias", kv, 0, ARCH_W_K_B, ARCH_INIT_BIAS, true);
                add(&l, i, "attn_v", "bias", kv, 0, ARCH_W_V_B, ARCH_INIT_BIAS, true);
            }
        }
        if (arch_has(a, ARCH_QK_NORM)) {
            add(&l, i, "attn_q_norm", "weight", (uint64_t)s->head_dim, 0, ARCH_W_Q_NORM,
                ARCH_INIT_SCALE, true);
            add(&l, i, "attn_k_norm", "weight", (uint64_t)s->head_dim, 0, ARCH_W_K_NORM,
                ARCH_INIT_SCALE, true);
        }
        add(&l, i, "attn_output", "weight", q, d, ARCH_W_O, ARCH_INIT_MATRIX, true);
        if (lbias) add(&l, i, "attn_output", "bias", d, 0, ARCH_W_O_B, ARCH_INIT_BIAS, true);
        if (arch_has(a, ARCH_POST_NORM))
            add_norm(&l, a, i, "attn_output_norm", d, ARCH_W_ATTN_OUT_NORM,
                     ARCH_W_ATTN_OUT_NORM_B);
        else
            add_norm(&l, a, i, "ffn_norm", d, ARCH_W_FFN_NORM, ARCH_W_FFN_NORM_B);
        if (a->ffn != ARCH_FFN_GELU && !arch_has(a, ARCH_FUSED_GATE_UP))
            add(&l, i, "ffn_gate", "weight", d, f, ARCH_W_GATE, ARCH_INIT_MATRIX, true);
        add(&l, i, "ffn_up", "weight", d, arch_has(a, ARCH_FUSED_GATE_UP) ? 2 * f : f, ARCH_W_UP,
            ARCH_INIT_MATRIX, true);
        if (lbias) add(&l, i, "ffn_up", "bias", f, 0, ARCH_W_UP_B, ARCH_INIT_BIAS, true);
        add(&l, i, "ffn_down", "weight", f, d, ARCH_W_DOWN, ARCH_INIT_MATRIX, true);
        if (lbias) add(&l, i, "ffn_down", "bias", d, 0, ARCH_W_DOWN_B, ARCH_INIT_BIAS, true);
        if (arch_has(a, ARCH_POST_NORM))
            add_norm(&l, a, i, "layer_output_norm", d, ARCH_W_LAYER_OUT_NORM,
                     ARCH_W_LAYER_OUT_NORM_B);
    }
    if (!arch_has(a, ARCH_NO_LM_HEAD)) {
        add_norm(&l, a, -1, "output_norm", d, ARCH_W_OUT_NORM, ARCH_W_OUT_NORM_B);
        add(&l, -1, "output", "weight", d, (uint64_t)s->vocab, ARCH_W_OUTPUT, ARCH_INIT_MATRIX,
            false);
    }
    return l.n;
}
