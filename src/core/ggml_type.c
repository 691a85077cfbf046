/*
 * ggml_type.c - the table of tensor types and their dequantizers; see
 * ggml_type.h.
 *
 * Each dequantizer computes what llama.cpp's reference dequantizer computes,
 * in the same order of float operations: every product of a scale and a
 * small integer is exact in float, so each output is the exact value rounded
 * once to float, and matches llama.cpp's own conversion bit for bit.
 */
#include "ggml_type.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---- bytes and halves ---------------------------------------------------- */

static uint16_t le16(const uint8_t *b) { return (uint16_t)(b[0] | (unsigned)b[1] << 8); }
static uint32_t le32(const uint8_t *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static float bits_to_f32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

float ggml_fp16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0) {
        /* Zero or subnormal: mant * 2^-24, exact in float. */
        float v = (float)mant * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    if (exp == 31) /* inf, or NaN keeping its payload */
        return bits_to_f32(sign | 0x7f800000u | mant << 13);
    return bits_to_f32(sign | (exp + 127 - 15) << 23 | mant << 13);
}

float ggml_bf16_to_f32(uint16_t h) { return bits_to_f32((uint32_t)h << 16); }

static float half_at(const uint8_t *b) { return ggml_fp16_to_f32(le16(b)); }

/* ---- plain floats ---------------------------------------------------------- */

static void f32_to_float(const uint8_t *src, float *dst, uint64_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, src, (size_t)n * 4);
#else
    for (uint64_t i = 0; i < n; i++) dst[i] = bits_to_f32(le32(src + i * 4));
#endif
}

static void f16_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) dst[i] = half_at(src + i * 2);
}

static void bf16_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) dst[i] = ggml_bf16_to_f32(le16(src + i * 2));
}

/* ---- 32-element blocks ------------------------------------------------------ */

/* Q4_0 (18 bytes): fp16 d; qs[16].  Element j < 16 is the low nibble of
 * qs[j], element j + 16 its high nibble; value (q - 8) * d. */
static void q4_0_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 18, dst += 32) {
        float d = half_at(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)((qs[j] & 0x0f) - 8) * d;
            dst[j + 16] = (float)((qs[j] >> 4) - 8) * d;
        }
    }
}

/* Q4_1 (20 bytes): fp16 d, fp16 m; qs[16] as in Q4_0; value q * d + m. */
static void q4_1_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 20, dst += 32) {
        float d = half_at(src), m = half_at(src + 2);
        const uint8_t *qs = src + 4;
        for (int j = 0; j < 16; j++) {
            dst[j] = (float)(qs[j] & 0x0f) * d + m;
            dst[j + 16] = (float)(qs[j] >> 4) * d + m;
        }
    }
}

/* Q5_0 (22 bytes): fp16 d; qh (u32: bit j is the fifth bit of element j);
 * qs[16] the low four bits as in Q4_0; value (q - 16) * d. */
static void q5_0_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 22, dst += 32) {
        float d = half_at(src);
        uint32_t qh = le32(src + 2);
        const uint8_t *qs = src + 6;
        for (int j = 0; j < 16; j++) {
            int lo = (qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int hi = (qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            dst[j] = (float)(lo - 16) * d;
            dst[j + 16] = (float)(hi - 16) * d;
        }
    }
}

/* Q5_1 (24 bytes): fp16 d, fp16 m; qh and qs as in Q5_0; value q * d + m. */
static void q5_1_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 24, dst += 32) {
        float d = half_at(src), m = half_at(src + 2);
        uint32_t qh = le32(src + 4);
        const uint8_t *qs = src + 8;
        for (int j = 0; j < 16; j++) {
            int lo = (qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int hi = (qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            dst[j] = (float)lo * d + m;
            dst[j + 16] = (float)hi * d + m;
        }
    }
}

/* Q8_0 (34 bytes): fp16 d; qs[32] int8; value q * d. */
static void q8_0_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 34, dst += 32) {
        float d = half_at(src);
        for (int j = 0; j < 32; j++) dst[j] = (float)(int8_t)src[2 + j] * d;
    }
}

/* IQ4_NL's sixteen levels: a 4-bit index picks one, scaled by d. */
static const int8_t iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                        1,    13,   25,  38,  53,  69,  89,  113};

/* IQ4_NL (18 bytes): fp16 d; qs[16] as in Q4_0; value iq4nl_values[q] * d. */
static void iq4_nl_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 18, dst += 32) {
        float d = half_at(src);
        const uint8_t *qs = src + 2;
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)iq4nl_values[qs[j] & 0x0f];
            dst[j + 16] = d * (float)iq4nl_values[qs[j] >> 4];
        }
    }
}

/* ---- 256-element super-blocks (k-quants) -------------------------------------- */

/* Q2_K (84 bytes): scales[16]; qs[64]; fp16 d; fp16 dmin.  Sixteen groups
 * of 16: group g has scale d * (scales[g] & 15) and minimum
 * dmin * (scales[g] >> 4).  Element 128h + 32j + 16k + l (h < 2, j < 4,
 * k < 2, l < 16) is bits 2j..2j+1 of qs[32h + 16k + l], in group 8h + 2j + k;
 * value scale * q - minimum. */
static void q2_k_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 84) {
        const uint8_t *sc = src, *qs = src + 16;
        float d = half_at(src + 80), dmin = half_at(src + 82);
        for (int h = 0; h < 2; h++, qs += 32)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 2; k++) {
                    uint8_t s = *sc++;
                    float dl = d * (float)(s & 0x0f), ml = dmin * (float)(s >> 4);
                    for (int l = 0; l < 16; l++)
                        *dst++ = dl * (float)((qs[16 * k + l] >> (2 * j)) & 3) - ml;
                }
    }
}

/* Q3_K (110 bytes): hmask[32]; qs[64]; scales[12]; fp16 d.  Sixteen groups
 * of 16 with 6-bit scales s (signed as s - 32): the low four bits of s_i are
 * the low nibble of scales[i] (i < 8) or the high nibble of scales[i - 8];
 * its high two bits are bits 2(i/4)..+1 of scales[8 + i%4].  Element
 * 128h + 32j + 16k + l (as in Q2_K) takes two bits from qs the same way and
 * a third from bit 4h + j of hmask[16k + l]: q = low2 - (bit ? 0 : 4), in
 * group 8h + 2j + k; value d * (s - 32) * q. */
static int q3_k_scale(const uint8_t *sc, int i) {
    int lo = i < 8 ? sc[i] & 0x0f : sc[i - 8] >> 4;
    int hi = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
    return (lo | hi << 4) - 32;
}

static void q3_k_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 110) {
        const uint8_t *hmask = src, *qs = src + 32, *sc = src + 96;
        float d = half_at(src + 108);
        int g = 0;
        for (int h = 0; h < 2; h++, qs += 32)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 2; k++, g++) {
                    float dl = d * (float)q3_k_scale(sc, g);
                    int bit = 4 * h + j;
                    for (int l = 0; l < 16; l++) {
                        int q = (qs[16 * k + l] >> (2 * j)) & 3;
                        if (!((hmask[16 * k + l] >> bit) & 1)) q -= 4;
                        *dst++ = dl * (float)q;
                    }
                }
    }
}

/* Q4_K and Q5_K pack eight 6-bit scales and eight 6-bit minimums in 12
 * bytes: for i < 4, scale = s[i] & 63 and min = s[i + 4] & 63; for i >= 4,
 * scale = (s[i + 4] & 15) | (s[i - 4] >> 6) << 4 and
 * min = (s[i + 4] >> 4) | (s[i] >> 6) << 4. */
static void k4_scale_min(const uint8_t *s, int i, int *scale, int *min) {
    if (i < 4) {
        *scale = s[i] & 63;
        *min = s[i + 4] & 63;
    } else {
        *scale = (s[i + 4] & 0x0f) | (s[i - 4] >> 6) << 4;
        *min = (s[i + 4] >> 4) | (s[i] >> 6) << 4;
    }
}

/* Q4_K (144 bytes): fp16 d; fp16 dmin; scales[12] (above); qs[128].  Eight
 * groups of 32: element 64c + l (l < 32) is the low nibble of qs[32c + l]
 * in group 2c, element 64c + 32 + l its high nibble in group 2c + 1; value
 * d * scale * q - dmin * min.
 * Q5_K (176 bytes): fp16 d; fp16 dmin; scales[12] (as Q4_K); qh[32];
 * qs[128].  As Q4_K, with a fifth bit for element 64c + l from bit 2c of
 * qh[l], and for element 64c + 32 + l from bit 2c + 1 of qh[l].
 * One super-block of either at SRC (QH NULL for Q4_K) into DST. */
static void k4_block(const uint8_t *src, const uint8_t *qh, const uint8_t *qs, float *dst) {
    float d = half_at(src), dmin = half_at(src + 2);
    const uint8_t *sc = src + 4;
    for (int c = 0; c < 4; c++, qs += 32) {
        int s1, m1, s2, m2;
        k4_scale_min(sc, 2 * c, &s1, &m1);
        k4_scale_min(sc, 2 * c + 1, &s2, &m2);
        float d1 = d * (float)s1, mn1 = dmin * (float)m1;
        float d2 = d * (float)s2, mn2 = dmin * (float)m2;
        for (int l = 0; l < 32; l++) {
            int hi = qh ? ((qh[l] >> (2 * c)) & 1) << 4 : 0;
            *dst++ = d1 * (float)((qs[l] & 0x0f) | hi) - mn1;
        }
        for (int l = 0; l < 32; l++) {
            int hi = qh ? ((qh[l] >> (2 * c + 1)) & 1) << 4 : 0;
            *dst++ = d2 * (float)((qs[l] >> 4) | hi) - mn2;
        }
    }
}

static void q4_k_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 144, dst += GGML_QK_K) k4_block(src, NULL, src + 16, dst);
}

static void q5_k_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 176, dst += GGML_QK_K)
        k4_block(src, src + 16, src + 48, dst);
}

/* Q6_K (210 bytes): ql[128]; qh[64]; scales[16] int8; fp16 d.  Two halves
 * of 128 (h < 2); within one, element 32r + l (r < 4, l < 32) takes its low
 * four bits from ql[64h + 32(r%2) + l] (low nibble for r < 2, high for
 * r >= 2) and its high two from bits 2r..2r+1 of qh[32h + l]; q = bits - 32,
 * in group 8h + 2r + l/16; value d * scale * q. */
static void q6_k_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 210) {
        const uint8_t *ql = src, *qh = src + 128, *sc = src + 192;
        float d = half_at(src + 208);
        for (int h = 0; h < 2; h++, ql += 64, qh += 32, sc += 8, dst += 128)
            for (int r = 0; r < 4; r++)
                for (int l = 0; l < 32; l++) {
                    uint8_t lowbyte = ql[32 * (r % 2) + l];
                    int lo = r < 2 ? lowbyte & 0x0f : lowbyte >> 4;
                    int q = (lo | ((qh[l] >> (2 * r)) & 3) << 4) - 32;
                    dst[32 * r + l] = d * (float)(int8_t)sc[2 * r + l / 16] * (float)q;
                }
    }
}

/* IQ4_XS (136 bytes): fp16 d; scales_h (u16); scales_l[4]; qs[128].  Eight
 * groups of 32 with 6-bit scales: the low four bits of group g's come from
 * scales_l[g/2] (low nibble for even g), the high two from bits 2g..2g+1 of
 * scales_h; group g's qs[16g..16g+15] hold its elements as IQ4_NL's do;
 * value d * (scale - 32) * iq4nl_values[q]. */
static void iq4_xs_to_float(const uint8_t *src, float *dst, uint64_t n) {
    for (uint64_t b = 0; b < n; b++, src += 136) {
        float d = half_at(src);
        unsigned sh = le16(src + 2);
        const uint8_t *sl = src + 4, *qs = src + 8;
        for (int g = 0; g < 8; g++, qs += 16, dst += 32) {
            int ls = ((sl[g / 2] >> (4 * (g % 2))) & 0x0f) | (int)((sh >> (2 * g)) & 3) << 4;
            float dl = d * (float)(ls - 32);
            for (int j = 0; j < 16; j++) {
                dst[j] = dl * (float)iq4nl_values[qs[j] & 0x0f];
                dst[j + 16] = dl * (float)iq4nl_values[qs[j] >> 4];
            }
        }
    }
}

/* ---- the table ------------------------------------------------------------- */

static const GgmlTypeTraits table[] = {
    {GGML_TYPE_F32, "F32", 1, 4, f32_to_float, NULL},
    {GGML_TYPE_F16, "F16", 1, 2, f16_to_float, NULL},
    {GGML_TYPE_BF16, "BF16", 1, 2, bf16_to_float, NULL},
    {GGML_TYPE_Q8_0, "Q8_0", 32, 34, q8_0_to_float, NULL},
    {GGML_TYPE_Q4_0, "Q4_0", 32, 18, q4_0_to_float, NULL},
    {GGML_TYPE_Q4_1, "Q4_1", 32, 20, q4_1_to_float, NULL},
    {GGML_TYPE_Q5_0, "Q5_0", 32, 22, q5_0_to_float, NULL},
    {GGML_TYPE_Q5_1, "Q5_1", 32, 24, q5_1_to_float, NULL},
    {GGML_TYPE_Q2_K, "Q2_K", GGML_QK_K, 84, q2_k_to_float, NULL},
    {GGML_TYPE_Q3_K, "Q3_K", GGML_QK_K, 110, q3_k_to_float, NULL},
    {GGML_TYPE_Q4_K, "Q4_K", GGML_QK_K, 144, q4_k_to_float, NULL},
    {GGML_TYPE_Q5_K, "Q5_K", GGML_QK_K, 176, q5_k_to_float, NULL},
    {GGML_TYPE_Q6_K, "Q6_K", GGML_QK_K, 210, q6_k_to_float, NULL},
    {GGML_TYPE_IQ4_NL, "IQ4_NL", 32, 18, iq4_nl_to_float, NULL},
    {GGML_TYPE_IQ4_XS, "IQ4_XS", GGML_QK_K, 136, iq4_xs_to_float, NULL},
};
#define N_TYPES (sizeof table / sizeof table[0])

const GgmlTypeTraits *ggml_type_find(uint32_t id) {
    for (size_t i = 0; i < N_TYPES; i++)
        if ((uint32_t)table[i].id == id) return &table[i];
    return NULL;
}

size_t ggml_type_count(void) { return N_TYPES; }

const GgmlTypeTraits *ggml_type_at(size_t i) { return i < N_TYPES ? &table[i] : NULL; }

/* ggml's names, including the types we cannot read, so that a refusal can
 * say "IQ2_XXS" rather than a bare number.  Gaps are numbers ggml retired. */
const char *ggml_type_name(uint32_t id) {
    static const char *const names[] = {
        [0] = "F32",      [1] = "F16",      [2] = "Q4_0",    [3] = "Q4_1",    [6] = "Q5_0",
        [7] = "Q5_1",     [8] = "Q8_0",     [9] = "Q8_1",    [10] = "Q2_K",   [11] = "Q3_K",
        [12] = "Q4_K",    [13] = "Q5_K",    [14] = "Q6_K",   [15] = "Q8_K",   [16] = "IQ2_XXS",
        [17] = "IQ2_XS",  [18] = "IQ3_XXS", [19] = "IQ1_S",  [20] = "IQ4_NL", [21] = "IQ3_S",
        [22] = "IQ2_S",   [23] = "IQ4_XS",  [24] = "I8",     [25] = "I16",    [26] = "I32",
        [27] = "I64",     [28] = "F64",     [29] = "IQ1_M",  [30] = "BF16",   [34] = "TQ1_0",
        [35] = "TQ2_0",   [39] = "MXFP4",
    };
    if (id < sizeof names / sizeof names[0] && names[id]) return names[id];
    return "unknown";
}

void ggml_type_supported(char *buf, size_t n) {
    if (!buf || n == 0) return;
    buf[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < N_TYPES && len < n; i++) {
        int k = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", table[i].name);
        if (k < 0) break;
        len += (size_t)k;
    }
}

int ggml_type_bytes(const GgmlTypeTraits *t, uint64_t n, uint64_t *out) {
    if (n % t->block_elems) return 1;
    if (__builtin_mul_overflow(n / t->block_elems, (uint64_t)t->block_bytes, out)) return 2;
    return 0;
}

/* llama.cpp's llama_ftype numbers (llama.h), as its quantize tool names
 * them; numbers 5 and 6 were retired. */
static const struct {
    uint32_t ftype;
    const char *name;
} ftypes[] = {
    {0, "all F32"},        {1, "mostly F16"},     {2, "mostly Q4_0"},   {3, "mostly Q4_1"},
    {4, "mostly Q4_1, some F16"},                 {7, "mostly Q8_0"},   {8, "mostly Q5_0"},
    {9, "mostly Q5_1"},    {10, "mostly Q2_K"},   {11, "mostly Q3_K_S"}, {12, "mostly Q3_K_M"},
    {13, "mostly Q3_K_L"}, {14, "mostly Q4_K_S"}, {15, "mostly Q4_K_M"}, {16, "mostly Q5_K_S"},
    {17, "mostly Q5_K_M"}, {18, "mostly Q6_K"},   {19, "mostly IQ2_XXS"}, {20, "mostly IQ2_XS"},
    {21, "mostly Q2_K_S"}, {22, "mostly IQ3_XS"}, {23, "mostly IQ3_XXS"}, {24, "mostly IQ1_S"},
    {25, "mostly IQ4_NL"}, {26, "mostly IQ3_S"},  {27, "mostly IQ3_M"},  {28, "mostly IQ2_S"},
    {29, "mostly IQ2_M"},  {30, "mostly IQ4_XS"}, {31, "mostly IQ1_M"},  {32, "mostly BF16"},
    {36, "mostly TQ1_0"},  {37, "mostly TQ2_0"},
};

const char *ggml_ftype_name(uint32_t ftype) {
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
        if (ftypes[i].ftype == ftype) return ftypes[i].name;
    return NULL;
}
