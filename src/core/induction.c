/* induction.c - see induction.h. */
#include "induction.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "forward.h"
#include "tokenizer.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Token I's type from the file (the Tokenizer keeps its types private);
 * NORMAL when the model has none.  model_open checked the array's shape. */
static int32_t token_type(const Gguf *g, int32_t i)
{
    const GgufKV *kv = gguf_find_kv(g, "tokenizer.ggml.token_type");
    if (!kv || kv->type != GGUF_TYPE_ARRAY || kv->arr_type != GGUF_TYPE_INT32 ||
        (uint64_t)i >= kv->arr_count)
        return TOKEN_TYPE_NORMAL;
    const uint8_t *p = kv->arr_data + 4 * (size_t)i;
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

/* The model's BOS id even when it prepends none to text. */
static int32_t bos_id(const Model *m, int32_t vocab)
{
    int32_t b = tokenizer_bos_id(m->tok);
    if (b >= 0) return b;
    uint32_t v;
    if (gguf_find_kv(m->gguf, "tokenizer.ggml.bos_token_id") &&
        !gguf_get_u32(m->gguf, "tokenizer.ggml.bos_token_id", &v, NULL, 0) && v < (uint32_t)vocab)
        return (int32_t)v;
    return vocab > 1 ? 1 : -1; /* the tokenizer's own default */
}

/* The ids r_j may be drawn from, in increasing order, into POOL; their count. */
static int32_t candidates(const Model *m, int32_t vocab, int32_t bos, int T, int32_t *pool)
{
    int32_t n = 0;
    for (int32_t i = 0; i < vocab; i++)
        if (i != bos && token_type(m->gguf, i) == TOKEN_TYPE_NORMAL) pool[n++] = i;
    if (n >= T) return n;
    /* A tiny vocabulary: anything a text could hold but BOS and the specials. */
    n = 0;
    for (int32_t i = 0; i < vocab; i++) {
        int32_t ty = token_type(m->gguf, i);
        if (i != bos && ty != TOKEN_TYPE_CONTROL && ty != TOKEN_TYPE_UNKNOWN) pool[n++] = i;
    }
    return n;
}

int induction_measure(const Model *m, float *scores, InductionInfo *info, char *err,
                      size_t errlen)
{
    const ModelConfig *c = &m->cfg;
    memset(info, 0, sizeof *info);
    int T = (c->context - 1) / 2;
    if (T > INDUCTION_MAX_T) T = INDUCTION_MAX_T;
    if (T < 2) {
        error_set(err, errlen, "induction: a context of %d tokens cannot hold a sequence of "
                  "2 or more tokens twice after BOS", c->context);
        return -1;
    }
    int32_t vocab = tokenizer_vocab_size(m->tok);
    if (vocab > c->vocab) vocab = c->vocab;
    int32_t bos = bos_id(m, vocab);
    if (bos < 0) {
        error_set(err, errlen, "induction: the model has no BOS token to start the sequence");
        return -1;
    }
    int32_t *pool = malloc((size_t)vocab * sizeof *pool);
    int32_t *seq = malloc((size_t)(2 * T + 1) * sizeof *seq);
    if (!pool || !seq) {
        free(pool);
        free(seq);
        error_set(err, errlen, "induction: out of memory");
        return -1;
    }
    int32_t n = candidates(m, vocab, bos, T, pool);
    if (n < 2) {
        free(pool);
        free(seq);
        error_set(err, errlen, "induction: the vocabulary has %ld ordinary token%s: a random "
                  "sequence needs 2", (long)n, n == 1 ? "" : "s");
        return -1;
    }
    uint64_t state = INDUCTION_SEED;
    for (int j = 0; j < T; j++) {
        if (n >= T) { /* without replacement: swap the pick out of the rest */
            int32_t k = j + (int32_t)(splitmix64(&state) % (uint64_t)(n - j));
            int32_t x = pool[k];
            pool[k] = pool[j];
            pool[j] = x;
            info->tokens[j] = x;
        } else {
            info->tokens[j] = pool[splitmix64(&state) % (uint64_t)n];
        }
    }
    free(pool);
    info->T = T;
    info->seed = INDUCTION_SEED;
    info->bos = bos;
    seq[0] = bos;
    for (int j = 0; j < T; j++) seq[1 + j] = seq[1 + T + j] = info->tokens[j];

    AttentionTrace *t = NULL;
    int rc = forward_run(m, seq, 2 * T + 1, &t, err, errlen);
    free(seq);
    if (rc) return -1;
    int N = t->n_tokens;
    for (int l = 0; l < c->n_layers; l++)
        for (int h = 0; h < c->n_heads; h++) {
            const float *a = trace_attn(t, l, h);
            double sum = 0;
            for (int j = 0; j < T; j++) sum += a[(size_t)(1 + T + j) * N + (2 + j)];
            scores[(size_t)l * c->n_heads + h] = (float)(sum / T);
        }
    trace_free(t);
    return 0;
}
