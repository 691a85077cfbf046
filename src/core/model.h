/*
 * model.h - a `llama`-architecture transformer loaded from a GGUF file.
 *
 * model_open() maps the file, reads the hyper-parameters (keys `llama.*`),
 * builds the tokenizer and binds every weight.  F32 weights are borrowed views
 * into the mapping; F16, BF16 and Q8_0 weights are converted to float once,
 * here, into buffers the Model owns.  The Model owns the Gguf and the
 * Tokenizer; model_close() releases all of it.
 *
 * Weight matrices are row-major (out, in): y = W x, as GGUF stores them
 * (ne[0] = in varies fastest).
 */
#ifndef ATTNSCOPE_MODEL_H
#define ATTNSCOPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

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
    float rms_eps;
} ModelConfig;

typedef struct {
    const float *attn_norm; /* (dim) */
    const float *wq;        /* (n_heads*head_dim, dim) */
    const float *wk;        /* (n_kv_heads*head_dim, dim) */
    const float *wv;        /* (n_kv_heads*head_dim, dim) */
    const float *wo;        /* (dim, n_heads*head_dim) */
    const float *ffn_norm;  /* (dim) */
    const float *w_gate;    /* (ffn_dim, dim) */
    const float *w_up;      /* (ffn_dim, dim) */
    const float *w_down;    /* (dim, ffn_dim) */
} LayerWeights;

typedef struct Model {
    ModelConfig cfg;
    char *name;             /* general.name, or the file's base name */
    Gguf *gguf;
    Tokenizer *tok;
    const float *tok_embd;  /* (vocab, dim) */
    LayerWeights *layers;   /* (n_layers) */
    const float *out_norm;  /* (dim) */
    const float *output;    /* (vocab, dim); token_embd when tied */
    float **owned;          /* converted weights, freed at close */
    int n_owned;
} Model;

int model_open(Model **out, const char *path, char *err, size_t errlen);
/* The same from a GGUF already open; takes ownership of G even on failure. */
int model_from_gguf(Model **out, Gguf *g, char *err, size_t errlen);
void model_close(Model *m); /* NULL is fine */

#endif
