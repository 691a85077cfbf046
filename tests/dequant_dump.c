/*
 * dequant_dump.c - not a test: writes random blocks of every tensor type and
 * attnscope's floats for them, for tools/golden/dequant.py to compare with
 * its numpy dequantizers (tests/test_dequant_reference.sh).
 *
 *   dequant_dump DIR
 *   dequant_dump --file FILE.gguf DIR
 *
 * For each row of ggml_type.h's table: DIR/NAME.blocks (the raw blocks),
 * DIR/NAME.f32 (little-endian float32) and a line "NAME ID BLOCK_ELEMS
 * BLOCK_BYTES N_BLOCKS" in DIR/manifest.txt.  The floats come through the
 * reader: all types go into one GGUF built in memory, opened with
 * gguf_open_buffer, and each tensor is converted by gguf_tensor_to_f32 in two
 * ranges (the second starting mid-tensor, on a block boundary).
 *
 * With --file, every tensor of FILE instead: DIR/<i>.f32 (the i-th tensor
 * in the file's order) and a line "NAME TYPE N_ELEMENTS" in manifest.txt,
 * for dequant.py --file to check against the file's own bytes.
 *
 * The blocks are random bytes (a fixed seed), so every bit pattern of the
 * quants and sub-block scales appears; their fp16 scales are random halves
 * of either sign, subnormals included, with the non-finite ones (exponent
 * 31) moved to finite (load refuses those; test_gguf checks that).  The
 * first blocks of each type are fixed: scales +0, -0, the smallest
 * subnormal, +-65504 (the largest half); then quants all 0x00 and all 0xff.
 * F16 and BF16 take every finite 16-bit pattern.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_type.h"
#include "gguf.h"
#include "gguf_writer.h"

/* Byte offsets of each block type's fp16 fields (-1 ends a list). */
static const struct {
    GgmlType type;
    int halves[3];
} fp16_fields[] = {
    {GGML_TYPE_Q8_0, {0, -1}},     {GGML_TYPE_Q4_0, {0, -1}},      {GGML_TYPE_Q4_1, {0, 2, -1}},
    {GGML_TYPE_Q5_0, {0, -1}},     {GGML_TYPE_Q5_1, {0, 2, -1}},   {GGML_TYPE_Q2_K, {80, 82, -1}},
    {GGML_TYPE_Q3_K, {108, -1}},   {GGML_TYPE_Q4_K, {0, 2, -1}},   {GGML_TYPE_Q5_K, {0, 2, -1}},
    {GGML_TYPE_Q6_K, {208, -1}},   {GGML_TYPE_IQ4_NL, {0, -1}},    {GGML_TYPE_IQ4_XS, {0, -1}},
};

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint8_t rbyte(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)(rng >> 40);
}

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* A finite half: exponent 31 (inf, NaN) becomes 30. */
static uint16_t finite_half(uint16_t h) { return (h & 0x7c00u) == 0x7c00u ? h & ~0x0400u : h; }

/* Fill N_BLOCKS blocks of block type T at OUT (see the header). */
static void fill_blocks(const GgmlTypeTraits *t, const int *halves, uint8_t *out, size_t n_blocks)
{
    static const uint16_t fixed[] = {0x0000, 0x8000, 0x0001, 0x7bff, 0xfbff};
    size_t nf = sizeof fixed / sizeof fixed[0];
    for (size_t b = 0; b < n_blocks; b++) {
        uint8_t *blk = out + b * t->block_bytes;
        for (uint32_t i = 0; i < t->block_bytes; i++)
            blk[i] = b == nf ? 0x00 : b == nf + 1 ? 0xff : rbyte();
        for (int k = 0; halves[k] >= 0; k++) {
            uint16_t h = b < nf ? fixed[b] : (uint16_t)(rbyte() | rbyte() << 8);
            put16(blk + halves[k], finite_half(h));
        }
    }
}

/* --file: every tensor of FILE converted by the reader, as DIR/<i>.f32,
 * and a line "NAME TYPE N_ELEMENTS" per tensor in DIR/manifest.txt. */
static int dump_file(const char *file, const char *dir)
{
    Gguf *g = NULL;
    char err[512], path[4096];
    if (gguf_open(&g, file, err, sizeof err)) {
        fprintf(stderr, "dequant_dump: %s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *man = fopen(path, "w");
    int rc = man ? 0 : 1;
    if (!man) perror(path);
    for (uint64_t i = 0; i < gguf_tensor_count(g) && rc == 0; i++) {
        const GgufTensor *t = gguf_tensor_at(g, i);
        float *v = malloc((size_t)t->n_elements * sizeof *v);
        if (!v || gguf_tensor_to_f32(t, 0, t->n_elements, v, err, sizeof err)) {
            fprintf(stderr, "dequant_dump: %.*s: %s\n", (int)t->name.len, t->name.ptr,
                    v ? err : "out of memory");
            rc = 1;
        }
        snprintf(path, sizeof path, "%s/%llu.f32", dir, (unsigned long long)i);
        FILE *f = rc ? NULL : fopen(path, "wb");
        size_t len = (size_t)t->n_elements * sizeof *v;
        if (rc == 0 && (!f || fwrite(v, 1, len, f) != len || fclose(f))) {
            perror(path);
            rc = 1;
        }
        if (rc == 0)
            fprintf(man, "%.*s %s %llu\n", (int)t->name.len, t->name.ptr, ggml_type_name(t->type),
                    (unsigned long long)t->n_elements);
        free(v);
    }
    if (man && fclose(man)) rc = 1;
    gguf_close(g);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--file") == 0) return dump_file(argv[2], argv[3]);
    if (argc != 2) {
        fprintf(stderr, "usage: dequant_dump DIR | dequant_dump --file FILE.gguf DIR\n");
        return 2;
    }
    size_t nt = ggml_type_count();
    uint8_t **blocks = calloc(nt, sizeof *blocks);
    size_t *n_blocks = calloc(nt, sizeof *n_blocks);
    GgufWriter *w = gw_new(3);
    if (!blocks || !n_blocks) return 1;
    for (size_t i = 0; i < nt; i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        size_t n = t->block_elems == 1 ? 65536 : t->block_elems == 32 ? 4096 : 1024;
        n_blocks[i] = n;
        blocks[i] = malloc(n * t->block_bytes);
        if (!blocks[i]) return 1;
        if (t->id == GGML_TYPE_F16 || t->id == GGML_TYPE_BF16) {
            /* Every 16-bit pattern, the non-finite ones made finite. */
            for (size_t k = 0; k < n; k++) {
                uint16_t h = (uint16_t)k;
                if (t->id == GGML_TYPE_F16) h = finite_half(h);
                else if ((h & 0x7f80u) == 0x7f80u) h &= (uint16_t)~0x0080u;
                put16(blocks[i] + 2 * k, h);
            }
        } else if (t->id == GGML_TYPE_F32) {
            for (size_t k = 0; k < n; k++) {
                uint8_t *p = blocks[i] + 4 * k;
                for (int j = 0; j < 4; j++) p[j] = rbyte();
                if ((p[3] & 0x7f) == 0x7f && (p[2] & 0x80)) p[2] &= 0x7f; /* finite */
            }
        } else {
            size_t f = 0, nfields = sizeof fp16_fields / sizeof fp16_fields[0];
            while (f < nfields && fp16_fields[f].type != t->id) f++;
            if (f == nfields) {
                fprintf(stderr, "dequant_dump: no fp16 layout for %s\n", t->name);
                return 1;
            }
            fill_blocks(t, fp16_fields[f].halves, blocks[i], n);
        }
        gw_add_tensor_raw(w, t->name, 1, (const uint64_t[]){(uint64_t)n * t->block_elems},
                          (uint32_t)t->id, blocks[i], n * t->block_bytes);
    }

    size_t size;
    uint8_t *file = gw_serialize(w, &size);
    Gguf *g = NULL;
    char err[512], path[4096];
    if (gguf_open_buffer(&g, file, size, "dequant_dump", err, sizeof err)) {
        fprintf(stderr, "dequant_dump: %s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/manifest.txt", argv[1]);
    FILE *man = fopen(path, "w");
    if (!man) {
        perror(path);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < nt && rc == 0; i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        const GgufTensor *tt = gguf_find_tensor(g, t->name);
        uint64_t n = tt ? tt->n_elements : 0;
        float *v = malloc((size_t)n * sizeof *v);
        uint64_t half = n / 2 / t->block_elems * t->block_elems;
        if (!tt || !v || gguf_tensor_to_f32(tt, 0, half, v, err, sizeof err) ||
            gguf_tensor_to_f32(tt, half, n - half, v + half, err, sizeof err)) {
            fprintf(stderr, "dequant_dump: %s: %s\n", t->name, tt && v ? err : "missing");
            rc = 1;
        }
        /* The reader's bytes are the ones written. */
        if (rc == 0 && memcmp(tt->data, blocks[i], n_blocks[i] * t->block_bytes) != 0) {
            fprintf(stderr, "dequant_dump: %s: the file's bytes differ from the blocks\n", t->name);
            rc = 1;
        }
        for (int k = 0; k < 2 && rc == 0; k++) {
            snprintf(path, sizeof path, "%s/%s.%s", argv[1], t->name, k ? "f32" : "blocks");
            FILE *f = fopen(path, "wb");
            size_t len = k ? (size_t)n * sizeof *v : n_blocks[i] * t->block_bytes;
            /* Little-endian hosts only write floats as they are (checked by
             * the script's sizes and values on any other). */
            if (!f || fwrite(k ? (const void *)v : blocks[i], 1, len, f) != len || fclose(f)) {
                perror(path);
                rc = 1;
            }
        }
        if (rc == 0)
            fprintf(man, "%s %u %u %u %zu\n", t->name, (unsigned)t->id, t->block_elems,
                    t->block_bytes, n_blocks[i]);
        free(v);
    }
    if (fclose(man)) rc = 1;
    gguf_close(g);
    free(file);
    gw_free(w);
    for (size_t i = 0; i < nt; i++) free(blocks[i]);
    free(blocks), free(n_blocks);
    return rc;
}
