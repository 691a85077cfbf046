/*
 * gguf_writer.c - the test-side GGUF builder (see gguf_writer.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "gguf_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg) {
    fprintf(stderr, "gguf_writer: %s\n", msg);
    abort();
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

/* ---- raw bytes ---------------------------------------------------------- */

void gwb_bytes(GwBuf *b, const void *p, size_t n) {
    if (n > SIZE_MAX - b->len) die("buffer too large");
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

void gwb_u8(GwBuf *b, uint8_t v) { gwb_bytes(b, &v, 1); }

void gwb_u16(GwBuf *b, uint16_t v) {
    uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    gwb_bytes(b, le, 2);
}

void gwb_u32(GwBuf *b, uint32_t v) {
    uint8_t le[4];
    for (int i = 0; i < 4; i++) le[i] = (uint8_t)(v >> (8 * i));
    gwb_bytes(b, le, 4);
}

void gwb_u64(GwBuf *b, uint64_t v) {
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(v >> (8 * i));
    gwb_bytes(b, le, 8);
}

void gwb_f32(GwBuf *b, float v) {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    gwb_u32(b, bits);
}

void gwb_f64(GwBuf *b, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    gwb_u64(b, bits);
}

void gwb_str(GwBuf *b, const char *s) {
    size_t n = strlen(s);
    gwb_u64(b, n);
    gwb_bytes(b, s, n);
}

void gwb_pad(GwBuf *b, size_t align) {
    while (align && b->len % align) gwb_u8(b, 0);
}

void gwb_free(GwBuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- conversions -------------------------------------------------------- */

uint16_t gw_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) /* inf, or a quiet NaN */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0));
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* >= 65520 rounds to inf */
    if (ax < 0x38800000u) {
        /* Below 2^-14: a subnormal half, i.e. a multiple of 2^-24.  The scaled
         * value is exact; round its fraction to nearest even by hand. */
        float v;
        memcpy(&v, &ax, 4);
        float q = v * 16777216.0f;
        uint32_t i = (uint32_t)q;
        float frac = q - (float)i;
        if (frac > 0.5f || (frac == 0.5f && (i & 1))) i++;
        return (uint16_t)(sign | i);
    }
    uint32_t h = ((ax >> 23) - 127 + 15) << 10 | (ax & 0x7fffffu) >> 13;
    uint32_t rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++; /* a carry bumps the exponent */
    return (uint16_t)(sign | h);
}

uint16_t gw_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
    x += 0x7fffu + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

void gw_quantize_q8_0(const float *x, size_t n, uint8_t *out) {
    if (n % GGML_Q8_0_BLOCK) die("Q8_0 needs a multiple of 32 values");
    for (size_t b = 0; b < n / GGML_Q8_0_BLOCK; b++) {
        const float *xb = x + b * GGML_Q8_0_BLOCK;
        uint8_t *ob = out + b * (2 + GGML_Q8_0_BLOCK);
        float amax = 0;
        for (int j = 0; j < GGML_Q8_0_BLOCK; j++)
            if (fabsf(xb[j]) > amax) amax = fabsf(xb[j]);
        float d = amax / 127.0f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        uint16_t dh = gw_f32_to_f16(d);
        ob[0] = (uint8_t)dh;
        ob[1] = (uint8_t)(dh >> 8);
        for (int j = 0; j < GGML_Q8_0_BLOCK; j++) {
            float q = roundf(xb[j] * id);
            if (q > 127) q = 127;
            if (q < -127) q = -127;
            int8_t qi = (int8_t)q;
            memcpy(&ob[2 + j], &qi, 1);
        }
    }
}

size_t gw_type_bytes(GgmlType type, uint64_t n) {
    const GgmlTypeTraits *t = ggml_type_find((uint32_t)type);
    uint64_t bytes;
    if (!t) die("unsupported tensor type");
    if (ggml_type_bytes(t, n, &bytes) || bytes > SIZE_MAX) die("not whole blocks, or too large");
    return (size_t)bytes;
}

/* Per block type: where its fp16 fields lie (a scale, and an offset or
 * minimum scale, or -1) and the largest |integer| the scale multiplies, so
 * that random blocks hold values of about +-amp. */
static const struct {
    GgmlType type;
    int d_at, m_at;
    float reach;
} random_layout[] = {
    {GGML_TYPE_Q4_0, 0, -1, 8},         {GGML_TYPE_Q4_1, 0, 2, 15},
    {GGML_TYPE_Q5_0, 0, -1, 16},        {GGML_TYPE_Q5_1, 0, 2, 31},
    {GGML_TYPE_Q8_0, 0, -1, 127},       {GGML_TYPE_Q2_K, 80, 82, 45},
    {GGML_TYPE_Q3_K, 108, -1, 128},     {GGML_TYPE_Q4_K, 0, 2, 63 * 15},
    {GGML_TYPE_Q5_K, 0, 2, 63 * 31},    {GGML_TYPE_Q6_K, 208, -1, 128 * 32},
    {GGML_TYPE_IQ4_NL, 0, -1, 127},     {GGML_TYPE_IQ4_XS, 0, -1, 32 * 127},
};

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

void gw_random_blocks(GgmlType type, uint64_t n, float amp, uint64_t *state, uint8_t *out) {
    const GgmlTypeTraits *t = ggml_type_find((uint32_t)type);
    if (!t || t->block_elems == 1) die("gw_random_blocks: not a block type");
    size_t k = 0, nk = sizeof random_layout / sizeof random_layout[0];
    while (k < nk && random_layout[k].type != type) k++;
    if (k == nk) die("gw_random_blocks: no layout for this type");
    if (n % t->block_elems) die("gw_random_blocks: not whole blocks");
    uint16_t d = gw_f32_to_f16(amp / random_layout[k].reach);
    /* An offset (Q4_1, Q5_1) centres the values; a minimum scale (k-quants)
     * subtracts up to 63 of it. */
    uint16_t m = gw_f32_to_f16(random_layout[k].m_at < 0 ? 0.0f
                               : t->block_elems == 32 ? -amp : amp / 63.0f);
    for (uint64_t b = 0; b < n / t->block_elems; b++, out += t->block_bytes) {
        for (uint32_t i = 0; i < t->block_bytes; i++) out[i] = (uint8_t)(xorshift(state) >> 32);
        out[random_layout[k].d_at] = (uint8_t)d;
        out[random_layout[k].d_at + 1] = (uint8_t)(d >> 8);
        if (random_layout[k].m_at >= 0) {
            out[random_layout[k].m_at] = (uint8_t)m;
            out[random_layout[k].m_at + 1] = (uint8_t)(m >> 8);
        }
    }
}

/* ---- whole files -------------------------------------------------------- */

typedef struct {
    char *name;
    uint32_t n_dims;
    uint64_t dims[GGUF_MAX_DIMS];
    uint32_t type;
    uint8_t *data;
    size_t n_bytes;
} GwTensor;

struct GgufWriter {
    uint32_t version;
    size_t alignment;
    GwBuf kvs; /* the KVs, already encoded */
    uint64_t n_kv;
    GwTensor *tensors;
    size_t n_tensors;
};

GgufWriter *gw_new(uint32_t version) {
    GgufWriter *w = calloc(1, sizeof *w);
    if (!w) die("out of memory");
    w->version = version;
    w->alignment = GGUF_DEFAULT_ALIGNMENT;
    return w;
}

void gw_free(GgufWriter *w) {
    if (!w) return;
    gwb_free(&w->kvs);
    for (size_t i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].data);
    }
    free(w->tensors);
    free(w);
}

/* Start a KV: key and value type. */
static void kv_head(GgufWriter *w, const char *key, GgufType type) {
    gwb_str(&w->kvs, key);
    gwb_u32(&w->kvs, (uint32_t)type);
    w->n_kv++;
}

void gw_add_u8(GgufWriter *w, const char *key, uint8_t v) {
    kv_head(w, key, GGUF_TYPE_UINT8);
    gwb_u8(&w->kvs, v);
}
void gw_add_i8(GgufWriter *w, const char *key, int8_t v) {
    kv_head(w, key, GGUF_TYPE_INT8);
    gwb_u8(&w->kvs, (uint8_t)v);
}
void gw_add_u16(GgufWriter *w, const char *key, uint16_t v) {
    kv_head(w, key, GGUF_TYPE_UINT16);
    gwb_u16(&w->kvs, v);
}
void gw_add_i16(GgufWriter *w, const char *key, int16_t v) {
    kv_head(w, key, GGUF_TYPE_INT16);
    gwb_u16(&w->kvs, (uint16_t)v);
}
void gw_add_u32(GgufWriter *w, const char *key, uint32_t v) {
    kv_head(w, key, GGUF_TYPE_UINT32);
    gwb_u32(&w->kvs, v);
    if (strcmp(key, "general.alignment") == 0 && v != 0 && (v & (v - 1)) == 0) w->alignment = v;
}
void gw_add_i32(GgufWriter *w, const char *key, int32_t v) {
    kv_head(w, key, GGUF_TYPE_INT32);
    gwb_u32(&w->kvs, (uint32_t)v);
}
void gw_add_u64(GgufWriter *w, const char *key, uint64_t v) {
    kv_head(w, key, GGUF_TYPE_UINT64);
    gwb_u64(&w->kvs, v);
}
void gw_add_i64(GgufWriter *w, const char *key, int64_t v) {
    kv_head(w, key, GGUF_TYPE_INT64);
    gwb_u64(&w->kvs, (uint64_t)v);
}
void gw_add_f32(GgufWriter *w, const char *key, float v) {
    kv_head(w, key, GGUF_TYPE_FLOAT32);
    gwb_f32(&w->kvs, v);
}
void gw_add_f64(GgufWriter *w, const char *key, double v) {
    kv_head(w, key, GGUF_TYPE_FLOAT64);
    gwb_f64(&w->kvs, v);
}
void gw_add_bool(GgufWriter *w, const char *key, bool v) {
    kv_head(w, key, GGUF_TYPE_BOOL);
    gwb_u8(&w->kvs, v ? 1 : 0);
}
void gw_add_str(GgufWriter *w, const char *key, const char *v) {
    kv_head(w, key, GGUF_TYPE_STRING);
    gwb_str(&w->kvs, v);
}

void gw_add_array(GgufWriter *w, const char *key, GgufType et, const void *elems, uint64_t n) {
    kv_head(w, key, GGUF_TYPE_ARRAY);
    gwb_u32(&w->kvs, (uint32_t)et);
    gwb_u64(&w->kvs, n);
    for (uint64_t i = 0; i < n; i++) {
        switch (et) {
        case GGUF_TYPE_UINT8: gwb_u8(&w->kvs, ((const uint8_t *)elems)[i]); break;
        case GGUF_TYPE_INT8: gwb_u8(&w->kvs, (uint8_t)((const int8_t *)elems)[i]); break;
        case GGUF_TYPE_UINT16: gwb_u16(&w->kvs, ((const uint16_t *)elems)[i]); break;
        case GGUF_TYPE_INT16: gwb_u16(&w->kvs, (uint16_t)((const int16_t *)elems)[i]); break;
        case GGUF_TYPE_UINT32: gwb_u32(&w->kvs, ((const uint32_t *)elems)[i]); break;
        case GGUF_TYPE_INT32: gwb_u32(&w->kvs, (uint32_t)((const int32_t *)elems)[i]); break;
        case GGUF_TYPE_UINT64: gwb_u64(&w->kvs, ((const uint64_t *)elems)[i]); break;
        case GGUF_TYPE_INT64: gwb_u64(&w->kvs, (uint64_t)((const int64_t *)elems)[i]); break;
        case GGUF_TYPE_FLOAT32: gwb_f32(&w->kvs, ((const float *)elems)[i]); break;
        case GGUF_TYPE_FLOAT64: gwb_f64(&w->kvs, ((const double *)elems)[i]); break;
        case GGUF_TYPE_BOOL: gwb_u8(&w->kvs, ((const bool *)elems)[i] ? 1 : 0); break;
        default: die("gw_add_array: not a scalar element type");
        }
    }
}

void gw_add_str_array(GgufWriter *w, const char *key, const char *const *strs, uint64_t n) {
    kv_head(w, key, GGUF_TYPE_ARRAY);
    gwb_u32(&w->kvs, GGUF_TYPE_STRING);
    gwb_u64(&w->kvs, n);
    for (uint64_t i = 0; i < n; i++) gwb_str(&w->kvs, strs[i]);
}

void gw_add_f32_array(GgufWriter *w, const char *key, const float *v, uint64_t n) {
    gw_add_array(w, key, GGUF_TYPE_FLOAT32, v, n);
}

void gw_add_i32_array(GgufWriter *w, const char *key, const int32_t *v, uint64_t n) {
    gw_add_array(w, key, GGUF_TYPE_INT32, v, n);
}

void gw_add_tensor_raw(GgufWriter *w, const char *name, uint32_t n_dims, const uint64_t *dims,
                       uint32_t type, const void *data, size_t n_bytes) {
    if (n_dims > GGUF_MAX_DIMS) die("too many dims (use GwBuf for broken files)");
    w->tensors = xrealloc(w->tensors, (w->n_tensors + 1) * sizeof *w->tensors);
    GwTensor *t = &w->tensors[w->n_tensors++];
    memset(t, 0, sizeof *t);
    size_t nlen = strlen(name);
    t->name = xrealloc(NULL, nlen + 1);
    memcpy(t->name, name, nlen + 1);
    t->n_dims = n_dims;
    for (uint32_t d = 0; d < n_dims; d++) t->dims[d] = dims[d];
    t->type = type;
    t->data = xrealloc(NULL, n_bytes);
    if (n_bytes) memcpy(t->data, data, n_bytes);
    t->n_bytes = n_bytes;
}

void gw_add_tensor(GgufWriter *w, const char *name, uint32_t n_dims, const uint64_t *dims,
                   GgmlType type, const float *values) {
    uint64_t n = 1;
    for (uint32_t d = 0; d < n_dims; d++) n *= dims[d];
    if (type != GGML_TYPE_F32 && type != GGML_TYPE_F16 && type != GGML_TYPE_BF16 &&
        type != GGML_TYPE_Q8_0)
        die("gw_add_tensor converts to F32, F16, BF16 or Q8_0 only (gw_add_tensor_raw for others)");
    if (type == GGML_TYPE_Q8_0 && (n_dims == 0 || dims[0] % GGML_Q8_0_BLOCK))
        die("Q8_0 needs dims[0] to be a multiple of 32");
    size_t bytes = gw_type_bytes(type, n);
    uint8_t *buf = xrealloc(NULL, bytes);
    for (uint64_t i = 0; i < n; i++) {
        uint16_t h;
        switch (type) {
        case GGML_TYPE_F32: {
            uint32_t bits;
            memcpy(&bits, &values[i], 4);
            for (int k = 0; k < 4; k++) buf[i * 4 + k] = (uint8_t)(bits >> (8 * k));
            break;
        }
        case GGML_TYPE_F16:
        case GGML_TYPE_BF16:
            h = type == GGML_TYPE_F16 ? gw_f32_to_f16(values[i]) : gw_f32_to_bf16(values[i]);
            buf[i * 2] = (uint8_t)h;
            buf[i * 2 + 1] = (uint8_t)(h >> 8);
            break;
        default: break;
        }
    }
    if (type == GGML_TYPE_Q8_0) gw_quantize_q8_0(values, (size_t)n, buf);
    gw_add_tensor_raw(w, name, n_dims, dims, (uint32_t)type, buf, bytes);
    free(buf);
}

uint8_t *gw_serialize(const GgufWriter *w, size_t *size) {
    GwBuf b = {0};
    gwb_bytes(&b, "GGUF", 4);
    gwb_u32(&b, w->version);
    gwb_u64(&b, w->n_tensors);
    gwb_u64(&b, w->n_kv);
    gwb_bytes(&b, w->kvs.data, w->kvs.len);
    /* Offsets are relative to the data section; each starts aligned. */
    uint64_t off = 0;
    for (size_t i = 0; i < w->n_tensors; i++) {
        const GwTensor *t = &w->tensors[i];
        gwb_str(&b, t->name);
        gwb_u32(&b, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++) gwb_u64(&b, t->dims[d]);
        gwb_u32(&b, t->type);
        gwb_u64(&b, off);
        off += (t->n_bytes + w->alignment - 1) / w->alignment * w->alignment;
    }
    gwb_pad(&b, w->alignment);
    size_t data_start = b.len;
    for (size_t i = 0; i < w->n_tensors; i++) {
        if (i) { /* pad between tensors, never after the last */
            size_t rel = b.len - data_start;
            while (rel % w->alignment) {
                gwb_u8(&b, 0);
                rel++;
            }
        }
        gwb_bytes(&b, w->tensors[i].data, w->tensors[i].n_bytes);
    }
    *size = b.len;
    return b.data;
}

int gw_write_file(const GgufWriter *w, const char *path) {
    size_t n;
    uint8_t *buf = gw_serialize(w, &n);
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (f) {
        rc = fwrite(buf, 1, n, f) == n ? 0 : -1;
        if (fclose(f) != 0) rc = -1;
    }
    free(buf);
    return rc;
}

float gw_frand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (float)((x >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

void gw_add_llama_keys(GgufWriter *w, const char *arch, const char *name, int layers, int dim, int ffn, int heads,
                       int kv_heads, int ctx, int rope_dim)
{
    gw_add_str(w, "general.architecture", arch ? arch : "llama");
    gw_add_str(w, "general.name", name);
    gw_add_u32(w, "llama.block_count", (uint32_t)layers);
    gw_add_u32(w, "llama.embedding_length", (uint32_t)dim);
    gw_add_u32(w, "llama.feed_forward_length", (uint32_t)ffn);
    gw_add_u32(w, "llama.attention.head_count", (uint32_t)heads);
    gw_add_u32(w, "llama.attention.head_count_kv", (uint32_t)kv_heads);
    gw_add_u32(w, "llama.context_length", (uint32_t)ctx);
    gw_add_u32(w, "llama.rope.dimension_count", (uint32_t)rope_dim);
    gw_add_f32(w, "llama.rope.freq_base", 10000.0f);
    gw_add_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
}
