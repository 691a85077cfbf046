/*
 * fuzz_dequant.c - bytes as blocks of one tensor type: every dequantizer of
 * ggml_type.h's table, directly and through a GGUF file and the model loader.
 *
 * Input: byte 0 picks the type (the table's row byte0 % ggml_type_count()),
 * byte 1 where the GGUF path splits its conversion, the rest is whole blocks
 * of that type (a partial last block is ignored).  Checked on each input:
 *
 *  - the table's row has the block size and bytes of the format description
 *    (layouts[] below, written from llama.cpp's ggml-common.h, not from
 *    ggml_type.c), and its byte count of whole and partial blocks;
 *  - to_float over all the blocks at once equals to_float block by block,
 *    and equals gguf_tensor_to_f32 (in two ranges) on the same blocks inside
 *    a GGUF file built in memory, bit for bit; ranges that cut a block or run
 *    past the end are refused;
 *  - finiteness, exactly: in a quantized block every value is finite when
 *    its fp16 scale d (and its fp16 offset m or minimum scale dmin, where the
 *    type has one) is finite, and none is when one of them is inf or NaN.
 *    Why this holds: every value is d times an integer of at most 12 bits
 *    (scale and quant together; the largest is Q6_K's 128 * 32), plus or
 *    minus m (or dmin times an integer of 6 bits), so with finite halves
 *    (|h| <= 65504) each |value| stays below 65504 * (4096 + 64) < FLT_MAX;
 *    and inf * 0 or inf - inf is NaN, inf * n is inf, so a non-finite half
 *    leaves no value of its block finite.  F32, F16 and BF16 values are
 *    non-finite exactly where the input element is;
 *  - each value lies within the bound the format gives, |v| <= kd |d| +
 *    km |m| (layouts[]), and F16 and BF16 decode to the exact value of the
 *    half written out independently below;
 *  - the model loader, given a model whose ffn_down holds these blocks (the
 *    rest of it zero blocks), refuses it exactly when a value is not finite,
 *    naming the tensor, and otherwise holds the same floats.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ggml_type.h"
#include "gguf.h"
#include "gguf_writer.h"
#include "model.h"
#include "tokenizer.h"

/* The model's ffn_down is (FFN, DIM) with dims[0] = FFN = one k-quant
 * super-block, so every type fits a row; 2048 elements in all. */
#define DIM 8
#define FFN 256
#define CAP_ELEMS ((uint64_t)FFN * DIM)
#define DOWN_NAME "blk.0.ffn_down.weight"

/* Each type as the format describes it.  d_at, m_at: byte offsets in a
 * block of the fp16 scale d and of the fp16 offset m (Q4_1, Q5_1) or
 * minimum scale dmin (k-quants), -1 when absent; kd, km: the largest
 * |integer| that multiplies |d| and |m| in a value.  Plain types (one
 * element per "block") have d_at = -1 and are checked element by element. */
typedef struct {
    GgmlType id;
    uint32_t elems, bytes;
    int d_at, m_at;
    double kd, km;
} Layout;

static const Layout layouts[] = {
    {GGML_TYPE_F32, 1, 4, -1, -1, 0, 0},
    {GGML_TYPE_F16, 1, 2, -1, -1, 0, 0},
    {GGML_TYPE_BF16, 1, 2, -1, -1, 0, 0},
    {GGML_TYPE_Q4_0, 32, 18, 0, -1, 8, 0},            /* (q - 8) d, q < 16 */
    {GGML_TYPE_Q4_1, 32, 20, 0, 2, 15, 1},            /* q d + m */
    {GGML_TYPE_Q5_0, 32, 22, 0, -1, 16, 0},           /* (q - 16) d, q < 32 */
    {GGML_TYPE_Q5_1, 32, 24, 0, 2, 31, 1},            /* q d + m */
    {GGML_TYPE_Q8_0, 32, 34, 0, -1, 128, 0},          /* q d, q int8 */
    {GGML_TYPE_Q2_K, 256, 84, 80, 82, 15 * 3, 15},    /* d s q - dmin m; s, m 4-bit, q 2-bit */
    {GGML_TYPE_Q3_K, 256, 110, 108, -1, 32 * 4, 0},   /* d (s - 32) q; s 6-bit, q in -4..3 */
    {GGML_TYPE_Q4_K, 256, 144, 0, 2, 63 * 15, 63},    /* d s q - dmin m; s, m 6-bit */
    {GGML_TYPE_Q5_K, 256, 176, 0, 2, 63 * 31, 63},
    {GGML_TYPE_Q6_K, 256, 210, 208, -1, 128 * 32, 0}, /* d s q; s int8, q in -32..31 */
    {GGML_TYPE_IQ4_NL, 32, 18, 0, -1, 127, 0},        /* d level, |level| <= 127 */
    {GGML_TYPE_IQ4_XS, 256, 136, 0, -1, 32 * 127, 0}, /* d (s - 32) level */
};
#define N_LAYOUTS (sizeof layouts / sizeof layouts[0])

static const Layout *layout_of(GgmlType id)
{
    for (size_t i = 0; i < N_LAYOUTS; i++)
        if (layouts[i].id == id) return &layouts[i];
    return NULL;
}

static uint16_t rd16(const uint8_t *b) { return (uint16_t)(b[0] | (unsigned)b[1] << 8); }

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* IEEE half, written out from the definition (not ggml_fp16_to_f32). */
static bool half_finite(uint16_t h) { return ((h >> 10) & 0x1f) != 0x1f; }
static double half_value(uint16_t h)
{
    int e = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = e == 0 ? ldexp(mant, -24) : ldexp(1024 + mant, e - 25);
    return h & 0x8000 ? -v : v;
}

/* A template GGUF per type: a one-layer model whose ffn_down is zero
 * blocks of that type; each input copies its blocks over the start of it. */
typedef struct {
    uint8_t *file;
    size_t size, down_at; /* ffn_down's data: byte offset in the file */
} Template;

static Template templates[64];

static const char *const pieces[] = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "ab"};
#define N_PIECES (int)(sizeof pieces / sizeof pieces[0])

static void add_f32(GgufWriter *w, const char *name, uint64_t d0, uint64_t d1, uint64_t *rng)
{
    uint64_t dims[2] = {d0, d1 ? d1 : 1};
    float v[FFN * DIM];
    FUZZ_CHECK(d0 * dims[1] <= sizeof v / sizeof v[0], "template tensor too large");
    for (uint64_t i = 0; i < d0 * dims[1]; i++) v[i] = gw_frand(rng);
    gw_add_tensor(w, name, d1 ? 2 : 1, dims, GGML_TYPE_F32, v);
}

static const Template *template_for(size_t idx, const GgmlTypeTraits *tr)
{
    Template *tp = &templates[idx];
    if (tp->file) return tp;
    uint64_t rng = 0x2545F4914F6CDD1Dull;
    GgufWriter *w = gw_new(3);
    gw_add_llama_keys(w, NULL, "dequant", 1, DIM, FFN, 2, 2, 16, 4);
    gw_add_str(w, "tokenizer.ggml.model", "llama");
    float scores[N_PIECES];
    int32_t types[N_PIECES];
    for (int i = 0; i < N_PIECES; i++) {
        scores[i] = -(float)i;
        types[i] = i == 0 ? TOKEN_TYPE_UNKNOWN : i < 3 ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL;
    }
    gw_add_str_array(w, "tokenizer.ggml.tokens", pieces, N_PIECES);
    gw_add_f32_array(w, "tokenizer.ggml.scores", scores, N_PIECES);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, N_PIECES);
    add_f32(w, "token_embd.weight", DIM, N_PIECES, &rng);
    add_f32(w, "blk.0.attn_norm.weight", DIM, 0, &rng);
    add_f32(w, "blk.0.attn_q.weight", DIM, DIM, &rng);
    add_f32(w, "blk.0.attn_k.weight", DIM, DIM, &rng);
    add_f32(w, "blk.0.attn_v.weight", DIM, DIM, &rng);
    add_f32(w, "blk.0.attn_output.weight", DIM, DIM, &rng);
    add_f32(w, "blk.0.ffn_norm.weight", DIM, 0, &rng);
    add_f32(w, "blk.0.ffn_gate.weight", DIM, FFN, &rng);
    add_f32(w, "blk.0.ffn_up.weight", DIM, FFN, &rng);
    uint64_t nbytes = 0;
    FUZZ_CHECK(ggml_type_bytes(tr, CAP_ELEMS, &nbytes) == 0, "%s: bytes of %llu elements",
               tr->name, (unsigned long long)CAP_ELEMS);
    uint8_t *zeros = calloc(1, (size_t)nbytes);
    FUZZ_CHECK(zeros != NULL, "out of memory");
    const uint64_t dims[2] = {FFN, DIM};
    gw_add_tensor_raw(w, DOWN_NAME, 2, dims, (uint32_t)tr->id, zeros, (size_t)nbytes);
    free(zeros);
    add_f32(w, "output_norm.weight", DIM, 0, &rng);
    tp->file = gw_serialize(w, &tp->size);
    gw_free(w);

    char err[512];
    Gguf *g = NULL;
    FUZZ_CHECK(gguf_open_buffer(&g, tp->file, tp->size, "template.gguf", err, sizeof err) == 0,
               "the %s template does not open: %s", tr->name, err);
    const GgufTensor *t = gguf_find_tensor(g, DOWN_NAME);
    FUZZ_CHECK(t && t->type == tr->id && t->n_bytes == nbytes, "the %s template's ffn_down",
               tr->name);
    tp->down_at = (size_t)((const uint8_t *)t->data - tp->file);
    gguf_close(g);
    return tp;
}

/* The table's row agrees with the format description. */
static void check_row(const GgmlTypeTraits *tr, const Layout *ly)
{
    uint64_t b;
    FUZZ_CHECK(ggml_type_find((uint32_t)tr->id) == tr, "%s: ggml_type_find", tr->name);
    FUZZ_CHECK(strcmp(ggml_type_name((uint32_t)tr->id), tr->name) == 0, "%s: name", tr->name);
    FUZZ_CHECK(tr->block_elems == ly->elems && tr->block_bytes == ly->bytes,
               "%s: block of %u elements in %u bytes, the format says %u in %u", tr->name,
               tr->block_elems, tr->block_bytes, ly->elems, ly->bytes);
    FUZZ_CHECK(tr->to_float != NULL, "%s: no to_float", tr->name);
    FUZZ_CHECK(ggml_type_bytes(tr, 3 * (uint64_t)ly->elems, &b) == 0 && b == 3ull * ly->bytes,
               "%s: bytes of three blocks", tr->name);
    if (ly->elems > 1)
        FUZZ_CHECK(ggml_type_bytes(tr, ly->elems + 1, &b) == 1, "%s: part of a block accepted",
                   tr->name);
    /* The fewest blocks whose bytes overflow, when their elements do not. */
    uint64_t n;
    if (!__builtin_mul_overflow(UINT64_MAX / ly->bytes + 1, (uint64_t)ly->elems, &n))
        FUZZ_CHECK(ggml_type_bytes(tr, n, &b) == 2, "%s: overflow not reported", tr->name);
}

/* Block B of the input: are its values to be finite, and their bound. */
static bool block_finite(const Layout *ly, const uint8_t *blk, double *bound)
{
    uint16_t d = rd16(blk + ly->d_at), m = ly->m_at >= 0 ? rd16(blk + ly->m_at) : 0;
    if (!half_finite(d) || !half_finite(m)) return false;
    *bound = ly->kd * fabs(half_value(d)) + ly->km * fabs(half_value(m));
    return true;
}

/* Checks OUT (N_BLOCKS blocks converted from SRC) against the format;
 * returns whether every value is finite. */
static bool check_values(const GgmlTypeTraits *tr, const Layout *ly, const uint8_t *src,
                         const float *out, uint64_t n_blocks)
{
    bool all_finite = true;
    if (ly->d_at < 0) { /* F32, F16, BF16: element by element */
        for (uint64_t i = 0; i < n_blocks; i++) {
            const uint8_t *e = src + i * ly->bytes;
            float v = out[i];
            bool fin;
            if (tr->id == GGML_TYPE_F32) {
                uint32_t in = (uint32_t)rd16(e) | (uint32_t)rd16(e + 2) << 16;
                FUZZ_CHECK(f32_bits(v) == in, "F32 %llu: bits %08x, input %08x",
                           (unsigned long long)i, f32_bits(v), in);
                fin = (in & 0x7f800000u) != 0x7f800000u;
            } else if (tr->id == GGML_TYPE_BF16) {
                uint16_t h = rd16(e);
                FUZZ_CHECK(f32_bits(v) == (uint32_t)h << 16, "BF16 %llu: bits %08x, input %04x",
                           (unsigned long long)i, f32_bits(v), h);
                fin = (h & 0x7f80u) != 0x7f80u;
            } else {
                uint16_t h = rd16(e);
                fin = half_finite(h);
                if (fin)
                    FUZZ_CHECK((double)v == half_value(h), "F16 %llu: %04x gave %.9g, not %.9g",
                               (unsigned long long)i, h, (double)v, half_value(h));
                else if (h & 0x3ff)
                    FUZZ_CHECK(isnan(v), "F16 %llu: NaN %04x gave %g", (unsigned long long)i, h,
                               (double)v);
                else
                    FUZZ_CHECK(isinf(v) && (signbit(v) != 0) == ((h & 0x8000) != 0),
                               "F16 %llu: infinity %04x gave %g", (unsigned long long)i, h,
                               (double)v);
            }
            FUZZ_CHECK(fin == (bool)isfinite(v), "%s %llu: finite %d, input finite %d", tr->name,
                       (unsigned long long)i, (int)isfinite(v), (int)fin);
            all_finite &= fin;
        }
        return all_finite;
    }
    for (uint64_t b = 0; b < n_blocks; b++) {
        const uint8_t *blk = src + b * ly->bytes;
        const float *v = out + b * ly->elems;
        double bound = 0;
        bool fin = block_finite(ly, blk, &bound);
        /* Products of halves and small integers round at most twice. */
        double limit = bound * (1.0 + 0x1p-20);
        for (uint32_t j = 0; j < ly->elems; j++) {
            FUZZ_CHECK((bool)isfinite(v[j]) == fin,
                       "%s block %llu element %u: %g, but its scales are %sfinite", tr->name,
                       (unsigned long long)b, j, (double)v[j], fin ? "" : "not ");
            if (fin)
                FUZZ_CHECK(fabs((double)v[j]) <= limit,
                           "%s block %llu element %u: |%g| exceeds the format's bound %g",
                           tr->name, (unsigned long long)b, j, (double)v[j], bound);
        }
        all_finite &= fin;
    }
    return all_finite;
}

/* The GGUF path: the blocks inside a model file, converted in two ranges,
 * then the model loader on the same file. */
static void check_gguf(size_t idx, const GgmlTypeTraits *tr, const uint8_t *src,
                       uint64_t n_blocks, unsigned split_sel, const float *direct, bool finite)
{
    char err[512];
    const Template *tp = template_for(idx, tr);
    uint8_t *file = malloc(tp->size);
    FUZZ_CHECK(file != NULL, "out of memory");
    memcpy(file, tp->file, tp->size);
    memcpy(file + tp->down_at, src, (size_t)n_blocks * tr->block_bytes);

    Gguf *g = NULL;
    FUZZ_CHECK(gguf_open_buffer(&g, file, tp->size, "dequant.gguf", err, sizeof err) == 0,
               "%s: the model file does not open: %s", tr->name, err);
    const GgufTensor *t = gguf_find_tensor(g, DOWN_NAME);
    FUZZ_CHECK(t && t->n_elements == CAP_ELEMS && t->traits == tr, "%s: ffn_down", tr->name);
    uint64_t be = tr->block_elems, cap = CAP_ELEMS / be, first = split_sel % (cap + 1) * be;
    float *conv = malloc((size_t)CAP_ELEMS * sizeof *conv);
    FUZZ_CHECK(conv != NULL, "out of memory");
    FUZZ_CHECK(gguf_tensor_to_f32(t, 0, first, conv, err, sizeof err) == 0,
               "%s: converting 0..+%llu: %s", tr->name, (unsigned long long)first, err);
    FUZZ_CHECK(gguf_tensor_to_f32(t, first, CAP_ELEMS - first, conv + first, err, sizeof err) == 0,
               "%s: converting %llu..: %s", tr->name, (unsigned long long)first, err);
    uint64_t n = n_blocks * be;
    FUZZ_CHECK(memcmp(conv, direct, (size_t)n * sizeof *conv) == 0,
               "%s: gguf_tensor_to_f32 differs from to_float", tr->name);
    for (uint64_t i = n; i < CAP_ELEMS; i++)
        FUZZ_CHECK(conv[i] == 0.0f, "%s: zero block gave %g at %llu", tr->name,
                   (double)conv[i], (unsigned long long)i);
    /* Ranges that cut a block or pass the end are refused, not read. */
    if (be > 1) {
        FUZZ_CHECK(gguf_tensor_to_f32(t, 1, be, conv, err, sizeof err) != 0,
                   "%s: a range starting inside a block was converted", tr->name);
        FUZZ_CHECK(gguf_tensor_to_f32(t, 0, be - 1, conv, err, sizeof err) != 0,
                   "%s: a range ending inside a block was converted", tr->name);
    }
    FUZZ_CHECK(gguf_tensor_to_f32(t, CAP_ELEMS - be, 2 * be, conv, err, sizeof err) != 0,
               "%s: a range past the end was converted", tr->name);

    Model *m = NULL;
    int rc = model_from_gguf(&m, g, err, sizeof err); /* owns g from here */
    if (finite) {
        FUZZ_CHECK(rc == 0, "%s: finite weights refused: %s", tr->name, err);
        FUZZ_CHECK(memcmp(m->layers[0].w_down, conv, (size_t)CAP_ELEMS * sizeof *conv) == 0,
                   "%s: the model's ffn_down differs from the conversion", tr->name);
    } else {
        FUZZ_CHECK(rc != 0 && m == NULL, "%s: a weight that is not finite was loaded", tr->name);
        FUZZ_CHECK(strstr(err, "not finite") && strstr(err, DOWN_NAME),
                   "%s: refused, but not for the non-finite ffn_down: %s", tr->name, err);
    }
    model_close(m);
    free(conv);
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t idx = data[0] % ggml_type_count();
    const GgmlTypeTraits *tr = ggml_type_at(idx);
    FUZZ_CHECK(tr != NULL, "ggml_type_at(%zu) of %zu", idx, ggml_type_count());
    FUZZ_CHECK(idx < sizeof templates / sizeof templates[0], "more types than templates");
    const Layout *ly = layout_of(tr->id);
    FUZZ_CHECK(ly != NULL, "type %s has no layout here: describe it in layouts[]", tr->name);
    check_row(tr, ly);

    const uint8_t *src = data + 2;
    uint64_t n_blocks = (size - 2) / tr->block_bytes, cap = CAP_ELEMS / tr->block_elems;
    if (n_blocks > cap) n_blocks = cap;
    uint64_t n = n_blocks * tr->block_elems;
    /* Exact-size buffers, so a write past the blocks is an ASan error. */
    float *all = malloc((size_t)(n ? n : 1) * sizeof *all);
    float *one = malloc((size_t)(n ? n : 1) * sizeof *one);
    FUZZ_CHECK(all && one, "out of memory");
    tr->to_float(src, all, n_blocks);
    for (uint64_t b = 0; b < n_blocks; b++)
        tr->to_float(src + b * tr->block_bytes, one + b * tr->block_elems, 1);
    FUZZ_CHECK(memcmp(all, one, (size_t)n * sizeof *all) == 0,
               "%s: %llu blocks at once differ from one at a time", tr->name,
               (unsigned long long)n_blocks);
    bool finite = check_values(tr, ly, src, all, n_blocks);
    check_gguf(idx, tr, src, n_blocks, data[1], all, finite);
    free(all);
    free(one);
    return 0;
}
