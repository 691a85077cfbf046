/*
 * seed_gguf.c - writes the starting corpus of fuzz_gguf into a directory:
 * small valid files (tests/gguf_writer.c serializes them) covering what the
 * reader and the loader branch on, so mutations start from deep inside.
 *
 *   seed_gguf DIR
 *
 * Models: every weight type of ggml_type.h's table (the k-quants and IQ4_XS
 * in ffn_down, whose rows are 256 wide, beside a 32-element block type, as
 * llama.cpp mixes them), GGUF v2 and v3, tied and untied output,
 * grouped-query heads, partial rotary dimensions, alignments 1 and 64,
 * tokenizer options.  Plain files: every metadata type and array, tensors of
 * every type and of 1 to 4 dimensions, and the empty file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_writer.h"
#include "tokenizer.h"

typedef struct {
    const char *file;
    uint32_t version;
    int layers, heads, kv_heads, dim, ffn, ctx, rope_dim;
    GgmlType wtype;
    GgmlType down;       /* ffn_down's type (0: wtype) */
    int tied;
    uint32_t alignment;  /* 0: the default */
    int tokenizer_opts;  /* write add_bos/add_space_prefix/unknown_token_id */
    int byte_pieces;     /* add <0x00>..<0xFF> */
} Spec;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) { return gw_frand(&rng); }

static const char *const base_pieces[] = {
    "<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "c", "t", "h", "e", "\xE2\x96\x81" "a",
    "\xE2\x96\x81t", "th", "\xE2\x96\x81th", "he", "\xE2\x96\x81the", "at", "ca", "cat",
    "\xC3\xA9",
};
#define N_BASE (int)(sizeof base_pieces / sizeof base_pieces[0])

/* F32, F16, BF16, Q8_0: random values, converted; other block types:
 * random blocks of about the same spread (gw_random_blocks). */
static void tensor(GgufWriter *w, const char *name, uint64_t d0, uint64_t d1, GgmlType type,
                   float amp)
{
    uint64_t dims[2] = {d0, d1 ? d1 : 1};
    size_t n = (size_t)(d0 * dims[1]);
    if (type != GGML_TYPE_F32 && type != GGML_TYPE_F16 && type != GGML_TYPE_BF16 &&
        type != GGML_TYPE_Q8_0) {
        size_t bytes = gw_type_bytes(type, n);
        uint8_t *q = malloc(bytes);
        if (!q) abort();
        gw_random_blocks(type, n, amp, &rng, q);
        gw_add_tensor_raw(w, name, d1 ? 2 : 1, dims, (uint32_t)type, q, bytes);
        free(q);
        return;
    }
    float *v = malloc(n * sizeof *v);
    if (!v) abort();
    for (size_t i = 0; i < n; i++) v[i] = amp * frand();
    gw_add_tensor(w, name, d1 ? 2 : 1, dims, type, v);
    free(v);
}

static int write_model(const char *dir, const Spec *s)
{
    GgufWriter *w = gw_new(s->version);
    if (s->alignment) gw_add_u32(w, "general.alignment", s->alignment);
    gw_add_llama_keys(w, NULL, s->file, s->layers, s->dim, s->ffn, s->heads, s->kv_heads, s->ctx,
                      s->rope_dim);
    gw_add_str(w, "tokenizer.ggml.model", "llama");

    int n = N_BASE + (s->byte_pieces ? 256 : 0);
    const char **pieces = malloc((size_t)n * sizeof *pieces);
    float *scores = malloc((size_t)n * sizeof *scores);
    int32_t *types = malloc((size_t)n * sizeof *types);
    static char bytes[256][8];
    if (!pieces || !scores || !types) abort();
    for (int i = 0; i < n; i++) {
        if (i < N_BASE) {
            pieces[i] = base_pieces[i];
            types[i] = i == 0 ? TOKEN_TYPE_UNKNOWN : i < 3 ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL;
        } else {
            snprintf(bytes[i - N_BASE], sizeof bytes[0], "<0x%02X>", i - N_BASE);
            pieces[i] = bytes[i - N_BASE];
            types[i] = TOKEN_TYPE_BYTE;
        }
        scores[i] = -(float)i;
    }
    gw_add_str_array(w, "tokenizer.ggml.tokens", pieces, (uint64_t)n);
    gw_add_f32_array(w, "tokenizer.ggml.scores", scores, (uint64_t)n);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, (uint64_t)n);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", 1);
    if (s->tokenizer_opts) {
        gw_add_bool(w, "tokenizer.ggml.add_bos_token", true);
        gw_add_bool(w, "tokenizer.ggml.add_space_prefix", false);
        gw_add_u32(w, "tokenizer.ggml.unknown_token_id", 0);
        gw_add_u32(w, "tokenizer.ggml.eos_token_id", 2);
    }
    free(pieces), free(scores), free(types);

    int hd = s->dim / s->heads;
    uint64_t d = (uint64_t)s->dim, q = (uint64_t)s->heads * hd, kv = (uint64_t)s->kv_heads * hd,
             f = (uint64_t)s->ffn;
    tensor(w, "token_embd.weight", d, (uint64_t)n, s->wtype, 1.0f);
    for (int l = 0; l < s->layers; l++) {
        char name[64];
#define T(suffix, d0, d1, type, amp) \
    (snprintf(name, sizeof name, "blk.%d." suffix ".weight", l), tensor(w, name, d0, d1, type, amp))
        T("attn_norm", d, 0, GGML_TYPE_F32, 1.0f);
        T("attn_q", d, q, s->wtype, 0.8f);
        T("attn_k", d, kv, s->wtype, 0.8f);
        T("attn_v", d, kv, s->wtype, 0.5f);
        T("attn_output", q, d, s->wtype, 0.5f);
        T("ffn_norm", d, 0, GGML_TYPE_F32, 1.0f);
        T("ffn_gate", d, f, s->wtype, 0.5f);
        T("ffn_up", d, f, s->wtype, 0.5f);
        T("ffn_down", f, d, s->down ? s->down : s->wtype, 0.5f);
#undef T
    }
    tensor(w, "output_norm.weight", d, 0, GGML_TYPE_F32, 1.0f);
    if (!s->tied) tensor(w, "output.weight", d, (uint64_t)n, s->wtype, 0.5f);

    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, s->file);
    int rc = gw_write_file(w, path);
    gw_free(w);
    if (rc) perror(path);
    return rc;
}

/* Metadata of every type, arrays of every element type, tensors of every
 * type and rank, no model. */
static int write_plain(const char *dir, const char *file, uint32_t version)
{
    GgufWriter *w = gw_new(version);
    gw_add_u8(w, "t.u8", 200);
    gw_add_i8(w, "t.i8", -100);
    gw_add_u16(w, "t.u16", 60000);
    gw_add_i16(w, "t.i16", -30000);
    gw_add_u32(w, "t.u32", 4000000000u);
    gw_add_i32(w, "t.i32", -2000000000);
    gw_add_u64(w, "t.u64", 18000000000000000000ull);
    gw_add_i64(w, "t.i64", -9000000000000000000ll);
    gw_add_f32(w, "t.f32", 3.5f);
    gw_add_f64(w, "t.f64", 1e300);
    gw_add_bool(w, "t.bool", true);
    gw_add_str(w, "t.str", "caf\xC3\xA9");
    gw_add_str(w, "t.empty", "");
    const uint8_t u8s[] = {1, 2, 3};
    const int16_t i16s[] = {-1, 2};
    const uint64_t u64s[] = {1, 2};
    const double f64s[] = {0.5, -0.25};
    const bool bools[] = {true, false, true};
    const char *strs[] = {"x", "", "\xE2\x96\x81yz"};
    gw_add_array(w, "a.u8", GGUF_TYPE_UINT8, u8s, 3);
    gw_add_array(w, "a.i16", GGUF_TYPE_INT16, i16s, 2);
    gw_add_array(w, "a.u64", GGUF_TYPE_UINT64, u64s, 2);
    gw_add_array(w, "a.f64", GGUF_TYPE_FLOAT64, f64s, 2);
    gw_add_array(w, "a.bool", GGUF_TYPE_BOOL, bools, 3);
    gw_add_array(w, "a.empty", GGUF_TYPE_INT32, NULL, 0);
    gw_add_str_array(w, "a.str", strs, 3);
    gw_add_str_array(w, "a.nostr", strs, 0);
    tensor(w, "f32", 3, 2, GGML_TYPE_F32, 1.0f);
    tensor(w, "f16", 5, 0, GGML_TYPE_F16, 2.0f);
    tensor(w, "bf16", 4, 3, GGML_TYPE_BF16, 1.0f);
    tensor(w, "q8_0", 64, 2, GGML_TYPE_Q8_0, 1.0f);
    /* The other block types: two blocks each, named by type. */
    for (size_t i = 0; i < ggml_type_count(); i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        if (t->block_elems == 1 || t->id == GGML_TYPE_Q8_0) continue;
        tensor(w, t->name, t->block_elems, 2, t->id, 1.0f);
    }
    float v[24];
    for (int i = 0; i < 24; i++) v[i] = (float)i;
    const uint64_t d3[] = {2, 3, 4}, d4[] = {2, 1, 3, 2};
    gw_add_tensor(w, "rank3", 3, d3, GGML_TYPE_F32, v);
    gw_add_tensor(w, "rank4", 4, d4, GGML_TYPE_F16, v);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = gw_write_file(w, path);
    gw_free(w);
    if (rc) perror(path);
    return rc;
}

static int write_empty(const char *dir, const char *file, uint32_t version)
{
    GgufWriter *w = gw_new(version);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = gw_write_file(w, path);
    gw_free(w);
    if (rc) perror(path);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    static const Spec models[] = {
        /* file               ver  L  H kv  dim ffn ctx rope type, ffn_down type   tied align opts bytes */
        {"model-f32.gguf",     3, 1, 2, 1,   8, 16, 16, 4, GGML_TYPE_F32,  0,  1, 0,  0, 0},
        {"model-f16-v2.gguf",  2, 1, 2, 2,   8, 12, 16, 2, GGML_TYPE_F16,  0,  0, 0,  0, 0},
        {"model-bf16.gguf",    3, 2, 4, 2,   8,  8,  8, 2, GGML_TYPE_BF16, 0,  1, 64, 1, 0},
        {"model-q8_0.gguf",    3, 1, 4, 1,  32, 32, 16, 8, GGML_TYPE_Q8_0, 0,  0, 0,  0, 0},
        {"model-align1.gguf",  3, 1, 1, 1,   4,  4,  4, 4, GGML_TYPE_F32,  0,  0, 1,  0, 0},
        {"model-bytes.gguf",   3, 1, 2, 1,   4,  4, 32, 2, GGML_TYPE_F16,  0,  1, 0,  0, 1},
        {"model-q4_0-q4_k.gguf",   3, 1, 4, 2, 32, 256, 16, 8, GGML_TYPE_Q4_0, GGML_TYPE_Q4_K, 1, 0, 0, 0},
        {"model-q4_1-q5_k.gguf",   3, 1, 4, 2, 32, 256, 16, 8, GGML_TYPE_Q4_1, GGML_TYPE_Q5_K, 0, 0, 0, 0},
        {"model-q5_0-q6_k.gguf",   3, 1, 4, 2, 32, 256, 16, 8, GGML_TYPE_Q5_0, GGML_TYPE_Q6_K, 1, 0, 0, 0},
        {"model-q5_1-q2_k.gguf",   3, 1, 4, 2, 32, 256, 16, 8, GGML_TYPE_Q5_1, GGML_TYPE_Q2_K, 1, 0, 0, 0},
        {"model-iq4_nl-q3_k.gguf", 3, 1, 4, 2, 32, 256, 16, 8, GGML_TYPE_IQ4_NL, GGML_TYPE_Q3_K, 1, 0, 0, 0},
        {"model-q8_0-iq4_xs.gguf", 3, 1, 4, 2, 32, 256, 16, 8, GGML_TYPE_Q8_0, GGML_TYPE_IQ4_XS, 1, 0, 0, 0},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) rc |= write_model(dir, &models[i]);
    rc |= write_plain(dir, "plain-v3.gguf", 3);
    rc |= write_plain(dir, "plain-v2.gguf", 2);
    rc |= write_empty(dir, "empty.gguf", 3);
    return rc ? 1 : 0;
}
