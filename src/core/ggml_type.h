/*
 * ggml_type.h - the tensor element types of GGUF files, one table row each.
 *
 * In the manner of ggml's type traits: a row says how many elements a block
 * holds, how many bytes it takes and how to turn blocks into floats, so the
 * reader's size, alignment and divisibility checks and its conversion all ask
 * the row, and a new type is one row and one tested function.  Types are
 * numbered as ggml numbers them (the number stored in the file).  The table
 * is static and read-only; nothing here allocates.
 *
 * Block layouts follow llama.cpp's ggml-common.h (every multi-byte field is
 * little-endian; "fp16" is IEEE half).  The dequantizers are plain scalar C
 * and read the bytes one at a time, so blocks need no alignment.
 */
#ifndef ATTNSCOPE_GGML_TYPE_H
#define ATTNSCOPE_GGML_TYPE_H

#include <stddef.h>
#include <stdint.h>

/* ggml's numbers for the types we read (others are named by ggml_type_name). */
typedef enum {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q4_1 = 3,
    GGML_TYPE_Q5_0 = 6,
    GGML_TYPE_Q5_1 = 7,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_Q2_K = 10,
    GGML_TYPE_Q3_K = 11,
    GGML_TYPE_Q4_K = 12,
    GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14,
    GGML_TYPE_IQ4_NL = 20,
    GGML_TYPE_IQ4_XS = 23,
    GGML_TYPE_BF16 = 30,
} GgmlType;

/* Elements in a k-quant super-block (ggml's QK_K). */
#define GGML_QK_K 256
/* Q8_0: blocks of 32 int8 values sharing one fp16 scale (2 + 32 bytes). */
#define GGML_Q8_0_BLOCK 32

/* Convert N_BLOCKS consecutive blocks at SRC to N_BLOCKS * block_elems
 * floats at DST.  Any bytes are accepted: a hostile scale gives inf or NaN,
 * which the caller checks for (the model refuses non-finite weights). */
typedef void (*GgmlToFloat)(const uint8_t *src, float *dst, uint64_t n_blocks);

/* Reserved for the "weights stay quantized" issue and NULL in every row
 * today: the dot product of N_BLOCKS blocks of weights at W (one row) with
 * N_BLOCKS * block_elems floats at X, read where the blocks lie in the
 * mapped file. */
typedef float (*GgmlDotRow)(const uint8_t *w, const float *x, uint64_t n_blocks);

typedef struct {
    GgmlType id;          /* ggml's number */
    const char *name;     /* ggml's name: "Q4_K" */
    uint32_t block_elems; /* elements per block (1 for F32, F16, BF16) */
    uint32_t block_bytes; /* bytes per block */
    GgmlToFloat to_float;
    GgmlDotRow dot_row;   /* reserved: NULL (see above) */
} GgmlTypeTraits;

/* The row for ggml type number ID, or NULL when we cannot read that type. */
const GgmlTypeTraits *ggml_type_find(uint32_t id);
/* Rows 0..ggml_type_count()-1, in the table's order (for tests and lists). */
size_t ggml_type_count(void);
const GgmlTypeTraits *ggml_type_at(size_t i);
/* ggml's name for any type number it has, readable or not ("Q8_1",
 * "IQ2_XXS"), so a refusal can name it; "unknown" otherwise. */
const char *ggml_type_name(uint32_t id);
/* "F32, F16, BF16, Q8_0, ...": the readable types, generated from the table,
 * into BUF (cut to fit N bytes, always NUL-terminated when N > 0). */
void ggml_type_supported(char *buf, size_t n);

/* Bytes of N elements of T, in *OUT.  Non-zero when N is not a whole number
 * of blocks (1) or the size overflows 64 bits (2). */
int ggml_type_bytes(const GgmlTypeTraits *t, uint64_t n, uint64_t *out);

/* IEEE half (with subnormals, inf and NaN) and bfloat16 to float: exact. */
float ggml_fp16_to_f32(uint16_t h);
float ggml_bf16_to_f32(uint16_t h);

/* What a general.file_type (llama.cpp's llama_ftype) number means, spelt
 * as its quantize tool names it: "mostly Q4_K_M", "mostly F16", "all F32";
 * NULL for a number llama.cpp does not have. */
const char *ggml_ftype_name(uint32_t ftype);

#endif
