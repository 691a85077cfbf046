/*
 * mkmodel.c - write a GGUF model with random weights, for speed and memory
 * measurements on real-size shapes (speed does not depend on the values) and,
 * with ARCH, a model of any row of the architecture table (src/core/arch.h)
 * for the reference checks (tests/test_arch_reference.sh).  Its tokenizer has the byte pieces, "▁" + every lower-case letter
 * and two-letter pair, and filler pieces up to the vocabulary size, so any
 * text of N short words makes about 2N tokens.
 *
 *   mkmodel SHAPE TYPE OUT.gguf [ARCH]
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
 *     ARCH   a row of arch.h (llama, qwen2, qwen3, gpt2, bert, phi3, gemma):
 *            the tensors arch_tensors() lists for it, the optional ones too
 *            (but no output.weight for a row whose converter ties it), with
 *            random norm scales and biases so that a step left out shows;
 *            grouped-query attention (kv heads = heads/2) for qwen2, qwen3,
 *            gemma; half-rotary RoPE for phi3; bert is bidirectional, with 2
 *            token types.  Without ARCH: the `llama` model as it always was,
 *            byte for byte.  The tokenizer is the same toy SentencePiece one
 *            for every row.
 *            ARCH+mlm adds a masked-language-model head (model.h): the key
 *            attnscope.mlm_head = "tied_embeddings" and [MASK] = token 2;
 *            ARCH+mlmhead=VALUE only the key, with VALUE (for the refusals).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
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
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: mkmodel s15M|s110M|tiny|q256 f32|f16|bf16|q8_0|q4_0|...|iq4_xs OUT.gguf [ARCH]\n");
        return 2;
    }
    const char *mlm = argc == 5 ? strchr(argv[4], '+') : NULL;
    const char *mlm_head = NULL;
    if (mlm && strcmp(mlm, "+mlm") == 0) mlm_head = "tied_embeddings";
    else if (mlm && strncmp(mlm, "+mlmhead=", 9) == 0) mlm_head = mlm + 9;
    else if (mlm) {
        fprintf(stderr, "mkmodel: unknown suffix '%s' (+mlm or +mlmhead=VALUE)\n", mlm);
        return 2;
    }
    const Arch *arch = argc == 5 ? arch_find(argv[4], mlm ? (size_t)(mlm - argv[4])
                                                         : strlen(argv[4])) : NULL;
    if (argc == 5 && !arch) {
        fprintf(stderr, "mkmodel: unknown architecture '%s'; known:", argv[4]);
        for (size_t i = 0; i < arch_count(); i++) fprintf(stderr, " %s", arch_at(i)->name);
        fputc('\n', stderr);
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
    int kv_heads = s->heads, hd = s->dim / s->heads, rope_dim = hd;
    if (arch) {
        const Arch *a = arch;
        char key[96];
#define KEY(suffix) (arch_key(a, (suffix), key, sizeof key), key)
        if (strcmp(a->name, "qwen2") == 0 || strcmp(a->name, "qwen3") == 0 ||
            strcmp(a->name, "gemma") == 0)
            kv_heads = s->heads / 2;
        if (arch_has(a, ARCH_PARTIAL_ROPE)) rope_dim = hd / 2;
        gw_add_str(w, "general.architecture", a->name);
        gw_add_str(w, "general.name", s->name);
        gw_add_u32(w, KEY("block_count"), (uint32_t)s->layers);
        gw_add_u32(w, KEY("embedding_length"), (uint32_t)s->dim);
        gw_add_u32(w, KEY("feed_forward_length"), (uint32_t)s->ffn);
        gw_add_u32(w, KEY("attention.head_count"), (uint32_t)s->heads);
        gw_add_u32(w, KEY("attention.head_count_kv"), (uint32_t)kv_heads);
        gw_add_u32(w, KEY("context_length"), (uint32_t)s->ctx);
        if (a->pos == ARCH_POS_ROPE || a->pos == ARCH_POS_ROPE_NEOX) {
            gw_add_u32(w, KEY("rope.dimension_count"), (uint32_t)rope_dim);
            gw_add_f32(w, KEY("rope.freq_base"), 10000.0f);
        }
        gw_add_f32(w, KEY(a->norm == ARCH_NORM_RMS ? "attention.layer_norm_rms_epsilon"
                                                   : "attention.layer_norm_epsilon"),
                   1e-5f);
        if (!arch_has(a, ARCH_CAUSAL)) {
            gw_add_bool(w, KEY("attention.causal"), false);
            gw_add_u32(w, KEY("pooling_type"), 0); /* none: an embedding per token */
        }
        if (arch_has(a, ARCH_TOKEN_TYPES)) gw_add_u32(w, "tokenizer.ggml.token_type_count", 2);
#undef KEY
    } else {
        gw_add_llama_keys(w, NULL, s->name, s->layers, s->dim, s->ffn, s->heads, s->heads,
                          s->ctx, s->dim / s->heads);
    }
    gw_add_str(w, "general.description", "random weights, for speed measurements only");
    for (size_t i = 0; i < sizeof file_types / sizeof file_types[0]; i++)
        if (file_types[i].type == type) gw_add_u32(w, "general.file_type", file_types[i].ftype);
    gw_add_str(w, "tokenizer.ggml.model", "llama");
    gw_add_str_array(w, "tokenizer.ggml.tokens", (const char *const *)pieces, (uint64_t)n);
    gw_add_f32_array(w, "tokenizer.ggml.scores", scores, (uint64_t)n);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, (uint64_t)n);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", 1);
    if (mlm_head) gw_add_str(w, "attnscope.mlm_head", mlm_head);
    if (mlm_head && strcmp(mlm, "+mlm") == 0) gw_add_u32(w, "tokenizer.ggml.mask_token_id", 2);

    /* Amplitudes (uniform ±amp) chosen so that every part of the network
     * counts, which is what makes a reference check of these models able to
     * fail: q·k/√hd has a standard deviation near 2, so attention is peaked
     * rather than uniform; the attention and feed-forward outputs are
     * comparable to the residual stream they are added to. */
    float a = 1.5f / sqrtf((float)s->dim), aqk = 2.5f / sqrtf((float)s->dim),
          af = 1.5f / sqrtf((float)s->ffn);
    int d = s->dim;
    if (arch) {
        ArchShape sh = {s->layers, d, s->heads, kv_heads, hd, s->ffn, s->vocab, s->ctx, 2};
        size_t nt = arch_tensors(arch, &sh, NULL, 0);
        ArchTensor *list = malloc(nt * sizeof *list);
        if (!list) {
            fprintf(stderr, "mkmodel: out of memory\n");
            return 1;
        }
        arch_tensors(arch, &sh, list, nt);
        for (size_t i = 0; i < nt; i++) {
            const ArchTensor *t = &list[i];
            if (t->weight == ARCH_W_OUTPUT && arch_has(arch, ARCH_TIED_OUTPUT)) continue;
            float amp = a;
            switch (t->weight) {
            case ARCH_W_TOK_EMBD: amp = 1.0f; break;
            case ARCH_W_POS_EMBD: case ARCH_W_TYPE_EMBD: amp = 0.5f; break;
            case ARCH_W_Q: case ARCH_W_K: case ARCH_W_QKV: amp = aqk; break;
            case ARCH_W_DOWN: amp = af; break;
            default: break;
            }
            if (t->init == ARCH_INIT_MATRIX) {
                tensor(w, t->name, (int)t->d0, (int)t->d1, type, amp);
            } else { /* scales near 1, small shifts: random, so that each counts */
                float *v = malloc(t->d0 * sizeof *v);
                if (!v) {
                    fprintf(stderr, "mkmodel: out of memory\n");
                    return 1;
                }
                for (uint64_t k = 0; k < t->d0; k++)
                    v[k] = t->init == ARCH_INIT_SCALE ? 1.0f + 0.3f * frand() : 0.2f * frand();
                uint64_t dims[1] = {t->d0};
                gw_add_tensor(w, t->name, 1, dims, GGML_TYPE_F32, v);
                free(v);
            }
        }
        free(list);
    } else {
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
    }
    int rc = gw_write_file(w, argv[3]);
    if (rc) perror(argv[3]);
    gw_free(w);
    for (int i = 0; i < n; i++) free(pieces[i]);
    free(pieces), free(scores), free(types);
    return rc ? 1 : 0;
}
