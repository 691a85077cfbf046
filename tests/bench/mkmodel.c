/*
 * mkmodel.c - write a `llama` GGUF model with random weights, for speed and
 * memory measurements on real-size shapes (speed does not depend on the
 * values).  Its tokenizer has the byte pieces, "▁" + every lower-case letter
 * and two-letter pair, and filler pieces up to the vocabulary size, so any
 * text of N short words makes about 2N tokens.
 *
 *   mkmodel SHAPE TYPE OUT.gguf
 *     SHAPE  s15M  (width 288, 6 layers, 6 heads, ffn 768, vocab 32000, context 256)
 *            s110M (width 768, 12 layers, 12 heads, ffn 2048, vocab 32000, context 1024)
 *            tiny  (width 64, 2 layers, 4 heads, ffn 128, vocab 512, context 128)
 *            q256  (width 256, 4 layers, 4 heads, ffn 768, vocab 512, context 128):
 *                  every row a multiple of 256, so the k-quants (and IQ4_XS)
 *                  apply to every matrix
 *     TYPE   f32, f16, bf16 or q8_0: the random weights converted (q8_0 by
 *            gguf_writer's round-to-nearest quantizer);
 *            q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k iq4_nl iq4_xs: RANDOM
 *            BLOCKS (gw_random_blocks: random quants, sane fp16 scales), not a
 *            quantization of the f32 weights: for speed and memory only.  For
 *            logits against llama.cpp, write f32 and quantize with llama.cpp.
 *            The k-quants and IQ4_XS need a shape whose rows are multiples of
 *            256 (q256); norms stay F32 whatever the type.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_writer.h"
#include "tokenizer.h"

typedef struct {
    const char *name;
    int dim, layers, heads, ffn, vocab, ctx;
} Shape;

static const Shape shapes[] = {
    {"s15M", 288, 6, 6, 768, 32000, 256},
    {"s110M", 768, 12, 12, 2048, 32000, 1024},
    {"tiny", 64, 2, 4, 128, 512, 128},
    {"q256", 256, 4, 4, 768, 512, 128},
};

/* general.file_type (llama.cpp's llama_ftype) for a model whose matrices
 * are all TYPE: the k-quants' "_S" variants are the ones that keep one type. */
static const struct {
    GgmlType type;
    uint32_t ftype;
} file_types[] = {
    {GGML_TYPE_F32, 0},   {GGML_TYPE_F16, 1},   {GGML_TYPE_Q4_0, 2},    {GGML_TYPE_Q4_1, 3},
    {GGML_TYPE_Q8_0, 7},  {GGML_TYPE_Q5_0, 8},  {GGML_TYPE_Q5_1, 9},    {GGML_TYPE_Q2_K, 10},
    {GGML_TYPE_Q3_K, 11}, {GGML_TYPE_Q4_K, 14}, {GGML_TYPE_Q5_K, 16},   {GGML_TYPE_Q6_K, 18},
    {GGML_TYPE_IQ4_NL, 25}, {GGML_TYPE_IQ4_XS, 30}, {GGML_TYPE_BF16, 32},
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) { return gw_frand(&rng); }

static void tensor(GgufWriter *w, const char *name, int d0, int d1, GgmlType type, float amp)
{
    uint64_t dims[2] = {(uint64_t)d0, (uint64_t)(d1 ? d1 : 1)};
    size_t n = (size_t)d0 * dims[1];
    float *v = malloc(n * sizeof *v);
    if (!v) {
        fprintf(stderr, "mkmodel: out of memory for %s\n", name);
        exit(1);
    }
    for (size_t i = 0; i < n; i++) v[i] = amp ? amp * frand() : 1.0f;
    if (!d1 || type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16 ||
        type == GGML_TYPE_Q8_0) {
        gw_add_tensor(w, name, d1 ? 2 : 1, dims, d1 ? type : GGML_TYPE_F32, v);
    } else {
        size_t bytes = gw_type_bytes(type, n);
        uint8_t *raw = malloc(bytes);
        if (!raw) {
            fprintf(stderr, "mkmodel: out of memory for %s\n", name);
            exit(1);
        }
        gw_random_blocks(type, n, amp, &rng, raw);
        gw_add_tensor_raw(w, name, 2, dims, (uint32_t)type, raw, bytes);
        free(raw);
    }
    free(v);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mkmodel s15M|s110M|tiny|q256 f32|f16|bf16|q8_0|q4_0|...|iq4_xs OUT.gguf\n");
        return 2;
    }
    const Shape *s = NULL;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (strcmp(argv[1], shapes[i].name) == 0) s = &shapes[i];
    /* TYPE is a table name in lower case ("q4_k" for Q4_K). */
    const GgmlTypeTraits *tr = NULL;
    for (size_t i = 0; i < ggml_type_count() && !tr; i++) {
        const char *nm = ggml_type_at(i)->name;
        size_t k = 0;
        while (nm[k] && argv[2][k] && tolower((unsigned char)nm[k]) == argv[2][k]) k++;
        if (!nm[k] && !argv[2][k]) tr = ggml_type_at(i);
    }
    if (!s || !tr) {
        fprintf(stderr, "mkmodel: unknown shape '%s' or type '%s'\n", argv[1], argv[2]);
        return 2;
    }
    GgmlType type = tr->id;
    if (s->dim % (int)tr->block_elems || s->ffn % (int)tr->block_elems) {
        fprintf(stderr, "mkmodel: %s needs rows of whole %u-element blocks; shape %s has width %d, ffn %d\n",
                tr->name, tr->block_elems, s->name, s->dim, s->ffn);
        return 2;
    }

    /* The vocabulary: specials, bytes, ▁ + letters and pairs, then fillers. */
    char **pieces = calloc((size_t)s->vocab, sizeof *pieces);
    float *scores = calloc((size_t)s->vocab, sizeof *scores);
    int32_t *types = calloc((size_t)s->vocab, sizeof *types);
    int n = 0;
    const char *specials[] = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < 3; i++) {
        pieces[n] = strdup(specials[i]);
        types[n++] = i == 0 ? TOKEN_TYPE_UNKNOWN : TOKEN_TYPE_CONTROL;
    }
    for (int b = 0; b < 256 && n < s->vocab; b++) {
        pieces[n] = malloc(8);
        snprintf(pieces[n], 8, "<0x%02X>", b);
        types[n++] = TOKEN_TYPE_BYTE;
    }
    for (int a = -1; a < 26 && n < s->vocab; a++)
        for (int b = 0; b < 26 && n < s->vocab; b++) {
            char buf[8];
            if (a < 0) snprintf(buf, sizeof buf, "\xE2\x96\x81%c", 'a' + b);
            else snprintf(buf, sizeof buf, "%c%c", 'a' + a, 'a' + b);
            pieces[n] = strdup(buf);
            scores[n] = -(float)n;
            types[n++] = TOKEN_TYPE_NORMAL;
        }
    for (int c = 0; c < 26 && n < s->vocab; c++) {
        char buf[4] = {(char)('a' + c), 0};
        pieces[n] = strdup(buf);
        scores[n] = -(float)n;
        types[n++] = TOKEN_TYPE_NORMAL;
    }
    for (int i = 0; n < s->vocab; i++) { /* never produced from text */
        pieces[n] = malloc(24);
        snprintf(pieces[n], 24, "<filler%d>", i);
        types[n++] = TOKEN_TYPE_UNUSED;
    }

    GgufWriter *w = gw_new(3);
    gw_add_llama_keys(w, NULL, s->name, s->layers, s->dim, s->ffn, s->heads, s->heads, s->ctx,
                      s->dim / s->heads);
    gw_add_str(w, "general.description", "random weights, for speed measurements only");
    for (size_t i = 0; i < sizeof file_types / sizeof file_types[0]; i++)
        if (file_types[i].type == type) gw_add_u32(w, "general.file_type", file_types[i].ftype);
    gw_add_str(w, "tokenizer.ggml.model", "llama");
    gw_add_str_array(w, "tokenizer.ggml.tokens", (const char *const *)pieces, (uint64_t)n);
    gw_add_f32_array(w, "tokenizer.ggml.scores", scores, (uint64_t)n);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, (uint64_t)n);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", 1);

    /* Amplitudes (uniform ±amp) chosen so that every part of the network
     * counts, which is what makes a reference check of these models able to
     * fail: q·k/√hd has a standard deviation near 2, so attention is peaked
     * rather than uniform; the attention and feed-forward outputs are
     * comparable to the residual stream they are added to. */
    float a = 1.5f / sqrtf((float)s->dim), aqk = 2.5f / sqrtf((float)s->dim),
          af = 1.5f / sqrtf((float)s->ffn);
    int d = s->dim;
    tensor(w, "token_embd.weight", d, s->vocab, type, 1.0f);
    for (int l = 0; l < s->layers; l++) {
        char name[64];
#define T(suffix, d0, d1, amp) \
    (snprintf(name, sizeof name, "blk.%d." suffix ".weight", l), tensor(w, name, d0, d1, type, amp))
        T("attn_norm", d, 0, 0);
        T("attn_q", d, d, aqk);
        T("attn_k", d, d, aqk);
        T("attn_v", d, d, a);
        T("attn_output", d, d, a);
        T("ffn_norm", d, 0, 0);
        T("ffn_gate", d, s->ffn, a);
        T("ffn_up", d, s->ffn, a);
        T("ffn_down", s->ffn, d, af);
#undef T
    }
    tensor(w, "output_norm.weight", d, 0, type, 0);
    int rc = gw_write_file(w, argv[3]);
    if (rc) perror(argv[3]);
    gw_free(w);
    for (int i = 0; i < n; i++) free(pieces[i]);
    free(pieces), free(scores), free(types);
    return rc ? 1 : 0;
}
