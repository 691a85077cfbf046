/*
 * arch.h - transformer architectures as data: one row per GGUF
 * `general.architecture`, from which the hyper-parameter keys, the tensor
 * list and the steps of a layer follow.
 *
 * A row says how a layer normalises (RMSNorm or LayerNorm with bias), where
 * positions come from (none, a learned table, RoPE on adjacent pairs or on
 * NeoX's halves), which feed-forward it has (SwiGLU, GELU, GeGLU) and a set of
 * flags.  The names and the arithmetic are llama.cpp's (src/models/<arch>.cpp
 * and llama-graph.cpp), so that a file llama.cpp opens opens here the same.
 * model.c binds what arch_tensors() lists, forward.c asks the row what to
 * compute, and tests/bench/mkmodel writes the same list with random values:
 * a new architecture is one row (and its tests).  The table is static.
 */
#ifndef ATTNSCOPE_ARCH_H
#define ATTNSCOPE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ARCH_NORM_RMS, ARCH_NORM_LAYER } ArchNorm;

typedef enum {
    ARCH_POS_NONE,
    ARCH_POS_LEARNED,   /* position_embd added to the token embeddings */
    ARCH_POS_ROPE,      /* rotate pairs (2i, 2i+1): llama.cpp's "normal" */
    ARCH_POS_ROPE_NEOX, /* rotate pairs (i, i + rope_dim/2) */
} ArchPos;

typedef enum {
    ARCH_FFN_SWIGLU, /* down(silu(gate x) * up x) */
    ARCH_FFN_GELU,   /* down(gelu(up x)) */
    ARCH_FFN_GEGLU,  /* down(gelu(gate x) * up x) */
} ArchFfn;

enum {
    ARCH_CAUSAL = 1u << 0,        /* default of <arch>.attention.causal */
    ARCH_QKV_BIAS = 1u << 1,      /* q, k, v projections have biases */
    ARCH_FUSED_QKV = 1u << 2,     /* one attn_qkv matrix, rows q | k | v */
    ARCH_QK_NORM = 1u << 3,       /* RMSNorm of each head's q and k (head_dim weights) */
    ARCH_POST_NORM = 1u << 4,     /* norm after each residual add (bert) */
    ARCH_TOKEN_TYPES = 1u << 5,   /* token_types row 0 added to every token (bert) */
    ARCH_EMBD_SCALE = 1u << 6,    /* embeddings times sqrt(dim) (gemma) */
    ARCH_TIED_OUTPUT = 1u << 7,   /* the converter writes no output.weight */
    ARCH_FUSED_GATE_UP = 1u << 8, /* ffn_up holds gate | up, 2*ffn rows (phi3) */
    ARCH_LINEAR_BIAS = 1u << 9,   /* attn_output, ffn_up, ffn_down have biases */
    ARCH_EMBD_NORM = 1u << 10,    /* LayerNorm token_embd_norm after embedding (bert) */
    ARCH_NO_LM_HEAD = 1u << 11,   /* final embeddings, no output norm, no logits (bert) */
    ARCH_PARTIAL_ROPE = 1u << 12, /* rope.dimension_count may be below head_dim */
};

typedef struct {
    const char *name; /* general.architecture, and the prefix of its keys */
    ArchNorm norm;
    ArchPos pos;
    ArchFfn ffn;
    unsigned flags;
} Arch;

/* The row named NAME (LEN bytes), or NULL. */
const Arch *arch_find(const char *name, size_t len);
size_t arch_count(void);
const Arch *arch_at(size_t i);
static inline bool arch_has(const Arch *a, unsigned flag) { return (a->flags & flag) != 0; }
/* "bidirectional" or "causal" for a model whose attention is CAUSAL. */
const char *arch_masking_name(bool causal);

/* KEY of row A: "<name>.<suffix>" into BUF (truncated to N). */
void arch_key(const Arch *a, const char *suffix, char *buf, size_t n);

/* Which weight a tensor of the list is. */
typedef enum {
    /* whole model */
    ARCH_W_TOK_EMBD, ARCH_W_POS_EMBD, ARCH_W_TYPE_EMBD, ARCH_W_EMBD_NORM, ARCH_W_EMBD_NORM_B,
    ARCH_W_OUT_NORM, ARCH_W_OUT_NORM_B, ARCH_W_OUTPUT,
    /* per layer */
    ARCH_W_ATTN_NORM, ARCH_W_ATTN_NORM_B, ARCH_W_Q, ARCH_W_K, ARCH_W_V, ARCH_W_QKV,
    ARCH_W_Q_B, ARCH_W_K_B, ARCH_W_V_B, ARCH_W_QKV_B, ARCH_W_Q_NORM, ARCH_W_K_NORM,
    ARCH_W_O, ARCH_W_O_B, ARCH_W_ATTN_OUT_NORM, ARCH_W_ATTN_OUT_NORM_B,
    ARCH_W_FFN_NORM, ARCH_W_FFN_NORM_B, ARCH_W_GATE, ARCH_W_UP, ARCH_W_UP_B,
    ARCH_W_DOWN, ARCH_W_DOWN_B, ARCH_W_LAYER_OUT_NORM, ARCH_W_LAYER_OUT_NORM_B,
} ArchWeight;

/* What a tensor holds, for a writer of random weights: a matrix, a norm's
 * scale (ones), a bias or a norm's shift. */
typedef enum { ARCH_INIT_MATRIX, ARCH_INIT_SCALE, ARCH_INIT_BIAS } ArchInit;

/* The sizes the tensor list depends on. */
typedef struct {
    int n_layers, dim, n_heads, n_kv_heads, head_dim, ffn_dim, vocab, context, n_token_types;
} ArchShape;

typedef struct {
    char name[48];   /* "blk.3.attn_q.weight" */
    uint64_t d0, d1; /* GGUF dims (ne[0] fastest); d1 = 0: one-dimensional */
    int layer;       /* -1: a whole-model tensor */
    ArchWeight weight;
    ArchInit init;
    bool required;   /* else bound when present (output.weight: else tied) */
} ArchTensor;

/* Every tensor of row A with shape S: the embeddings, each layer's, then the
 * output's (the order mkmodel writes them in); at most CAP into OUT.  Returns how many there are
 * (call with CAP 0 to size OUT). */
size_t arch_tensors(const Arch *a, const ArchShape *s, ArchTensor *out, size_t cap);

#endif
