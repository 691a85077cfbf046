/*
 * model.h - a transformer loaded from a GGUF file, of any architecture in
 * the table of arch.h (llama, qwen2, qwen3, gpt2, bert, phi3, gemma).
 *
 * model_open() maps the file, finds the row of general.architecture, reads
 * the hyper-parameters (keys `<arch>.*`), builds the tokenizer and binds every
 * weight the row lists (arch_tensors); a weight the architecture lacks is
 * NULL.  F32 weights are borrowed views
 * into the mapping; F16, BF16 and Q8_0 weights are converted to float once,
 * here, into buffers the Model owns.  The Model owns the Gguf and the
 * Tokenizer; model_close() releases all of it.
 *
 * Weight matrices are row-major (out, in): y = W x, as GGUF stores them
 * (ne[0] = in varies fastest).
 */
#ifndef ATTNSCOPE_MODEL_H
#define ATTNSCOPE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "gguf.h"
#include "tokenizer.h"

typedef struct {
    int n_layers;
    int n_heads;
    int n_kv_heads;   /* grouped-query attention: n_heads % n_kv_heads == 0 */
    int dim;          /* embedding width */
    int head_dim;
    int ffn_dim;
    int vocab;
    int context;
    int rope_dim;     /* leading dimensions of each head that are rotated */
    float rope_base;
    float rms_eps;    /* the norms' epsilon: RMSNorm's or LayerNorm's, per the row */
    bool causal;      /* <arch>.attention.causal, else the row's default */
    int n_token_types; /* tokenizer.ggml.token_type_count (bert), else 0 */
} ModelConfig;

/* NULL wherever the row has no such weight.  q = n_heads*head_dim,
 * kv = n_kv_heads*head_dim. */
typedef struct {
    const float *attn_norm, *attn_norm_b; /* (dim); NULL in a post-norm model */
    const float *wq;        /* (q, dim); NULL when fused */
    const float *wk;        /* (kv, dim) */
    const float *wv;        /* (kv, dim) */
    const float *wqkv;      /* (q + 2kv, dim), rows q | k | v; NULL unless fused */
    const float *bq, *bk, *bv; /* (q), (kv), (kv) */
    const float *bqkv;      /* (q + 2kv) */
    const float *q_norm, *k_norm; /* (head_dim) RMSNorm of each head's q, k */
    const float *wo;        /* (dim, q) */
    const float *bo;        /* (dim) */
    const float *attn_out_norm, *attn_out_norm_b; /* (dim) post-norm after attention */
    const float *ffn_norm, *ffn_norm_b; /* (dim) */
    const float *w_gate;    /* (ffn_dim, dim); NULL for GELU or fused gate|up */
    const float *w_up;      /* (ffn_dim, dim), or (2*ffn_dim, dim) gate | up when fused */
    const float *b_up;      /* (ffn_dim) */
    const float *w_down;    /* (dim, ffn_dim) */
    const float *b_down;    /* (dim) */
    const float *layer_out_norm, *layer_out_norm_b; /* (dim) post-norm after the ffn */
} LayerWeights;

typedef struct Model {
    ModelConfig cfg;
    char *name;             /* general.name, or the file's base name */
    Gguf *gguf;
    Tokenizer *tok;
    const Arch *arch;       /* the row of general.architecture */
    const float *tok_embd;  /* (vocab, dim) */
    const float *pos_embd;  /* (context, dim) learned positions */
    const float *type_embd; /* (n_token_types, dim): row 0 is added */
    const float *embd_norm, *embd_norm_b; /* (dim) LayerNorm of the embeddings */
    LayerWeights *layers;   /* (n_layers) */
    const float *out_norm, *out_norm_b; /* (dim); NULL without a language-model head */
    const float *output;    /* (vocab, dim); token_embd when tied; NULL without a
                               language-model head (bert: final embeddings only) */
    /* An encoder trained as a masked-language model whose head is its token
     * embeddings (attnscope.mlm_head = "tied_embeddings", a key of ours that
     * llama.cpp ignores): output is tok_embd and the logits at a position
     * are its guesses for the token there (at a [MASK], the hidden word),
     * not for the next one.  See model_fills_mask. */
    bool masked_lm;
    float **owned;          /* converted weights, freed at close */
    int n_owned;
    /* The weights' bytes as the passes read them: F32 views into the
     * mapped file, and the F32 copies converted from other types (the file's
     * pages of those are released).  --bench prints them. */
    size_t mapped_bytes, owned_bytes;
} Model;

int model_open(Model **out, const char *path, char *err, size_t errlen);
/* The same from a GGUF already open; takes ownership of G even on failure. */
int model_from_gguf(Model **out, Gguf *g, char *err, size_t errlen);
void model_close(Model *m); /* NULL is fine */
/* Whether M predicts the next token (a causal language model's head); bert
 * embedding models and masked-language models do not. */
bool model_has_lm_head(const Model *m);
/* Whether M guesses the token at a position from both sides (a masked-
 * language-model head, and a [MASK] token to hide a word with). */
bool model_fills_mask(const Model *m);

#endif
