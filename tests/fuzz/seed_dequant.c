/*
 * seed_dequant.c - writes the starting corpus of fuzz_dequant into a
 * directory: for every row of ggml_type.h's table, one block of plausible
 * values ("<type>-one") and three blocks whose first has a subnormal scale,
 * second an infinite scale and third a NaN offset or minimum (a NaN scale
 * when the type has neither) ("<type>-special"); for F32, F16 and BF16,
 * elements that are zero, subnormal, the largest finite, infinite and NaN.
 *
 *   seed_dequant DIR
 *
 * An input is: the row's index in the table, a byte that picks where the
 * GGUF path splits its conversion, then the blocks (see fuzz_dequant.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_type.h"
#include "gguf_writer.h"

/* Where each block type keeps its fp16 scale and its offset or minimum
 * (-1: none), from llama.cpp's ggml-common.h. */
static const struct {
    GgmlType id;
    int d_at, m_at;
} scales[] = {
    {GGML_TYPE_Q4_0, 0, -1},   {GGML_TYPE_Q4_1, 0, 2},     {GGML_TYPE_Q5_0, 0, -1},
    {GGML_TYPE_Q5_1, 0, 2},    {GGML_TYPE_Q8_0, 0, -1},    {GGML_TYPE_Q2_K, 80, 82},
    {GGML_TYPE_Q3_K, 108, -1}, {GGML_TYPE_Q4_K, 0, 2},     {GGML_TYPE_Q5_K, 0, 2},
    {GGML_TYPE_Q6_K, 208, -1}, {GGML_TYPE_IQ4_NL, 0, -1},  {GGML_TYPE_IQ4_XS, 0, -1},
};

static void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static int write_input(const char *dir, const char *name, const char *suffix, uint8_t idx,
                       uint8_t split, const uint8_t *blocks, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%s", dir, name, suffix);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    int bad = fputc(idx, f) == EOF || fputc(split, f) == EOF ||
              (n && fwrite(blocks, 1, n, f) != n);
    bad |= fclose(f) != 0;
    if (bad) perror(path);
    return bad;
}

/* F32, F16, BF16: the same ten values in each. */
static size_t plain_values(GgmlType id, uint8_t *out)
{
    /* 3e-6 is subnormal as a half, 1e-40 as a float and a bfloat16. */
    static const float v[] = {0.0f, -0.0f, 1.0f, -2.5f, 3e-6f, 1e-40f, 65504.0f, 3.0e38f};
    size_t k = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (id == GGML_TYPE_F32) {
            memcpy(out + k, &v[i], 4); /* little-endian hosts only: seeds, not tests */
            k += 4;
        } else {
            put16(out + k, id == GGML_TYPE_F16 ? gw_f32_to_f16(v[i]) : gw_f32_to_bf16(v[i]));
            k += 2;
        }
    }
    /* Then +inf and a NaN. */
    if (id == GGML_TYPE_F32) {
        const uint8_t inf[4] = {0, 0, 0x80, 0x7f}, nan[4] = {1, 0, 0xc0, 0x7f};
        memcpy(out + k, inf, 4), memcpy(out + k + 4, nan, 4);
        k += 8;
    } else if (id == GGML_TYPE_F16) {
        put16(out + k, 0x7c00), put16(out + k + 2, 0xfe01);
        k += 4;
    } else {
        put16(out + k, 0x7f80), put16(out + k + 2, 0xffc1);
        k += 4;
    }
    return k;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    uint8_t buf[3 * 256];
    int rc = 0;
    for (size_t i = 0; i < ggml_type_count(); i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        if (t->block_elems == 1) {
            size_t n = plain_values(t->id, buf);
            rc |= write_input(dir, t->name, "special", (uint8_t)i, 1, buf, n);
            rc |= write_input(dir, t->name, "one", (uint8_t)i, 0, buf, 4 * t->block_bytes);
            continue;
        }
        size_t k = 0, nk = sizeof scales / sizeof scales[0];
        while (k < nk && scales[k].id != t->id) k++;
        if (k == nk || 3 * t->block_bytes > sizeof buf) {
            fprintf(stderr, "seed_dequant: no seeds for %s: describe its scales here\n", t->name);
            rc = 1;
            continue;
        }
        gw_random_blocks(t->id, 3 * (uint64_t)t->block_elems, 1.0f, &rng, buf);
        rc |= write_input(dir, t->name, "one", (uint8_t)i, 0, buf, t->block_bytes);
        uint8_t *b1 = buf + t->block_bytes, *b2 = b1 + t->block_bytes;
        put16(buf + scales[k].d_at, 0x83ff); /* the largest subnormal, negative */
        put16(b1 + scales[k].d_at, 0x7c00); /* +inf */
        put16(b2 + (scales[k].m_at >= 0 ? scales[k].m_at : scales[k].d_at), 0xfe00); /* NaN */
        rc |= write_input(dir, t->name, "special", (uint8_t)i, 2, buf, 3 * t->block_bytes);
    }
    return rc ? 1 : 0;
}
