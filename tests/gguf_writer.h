/*
 * gguf_writer.h - a small in-memory GGUF builder for tests and fuzz seeds.
 *
 * Two layers:
 *  - GwBuf: a growable byte buffer with little-endian put functions, for
 *    hand-crafting files byte by byte (including deliberately broken ones);
 *  - GgufWriter: collects KVs and tensors and serializes a valid GGUF file
 *    (version 2 or 3).  Tensor data is laid out in the order added, each
 *    tensor at a multiple of the alignment; the file ends right after the
 *    last tensor's data (no trailing padding), so any truncation of it is
 *    invalid.
 *
 * The alignment is 32 unless a UINT32 "general.alignment" KV holding a
 * non-zero power of two was added; any other value is written as given but
 * the layout stays at 32 (so tests can write files with bad alignments).
 *
 * Test code: allocation failures and misuse abort() with a message.
 */
#ifndef ATTNSCOPE_GGUF_WRITER_H
#define ATTNSCOPE_GGUF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

/* ---- raw bytes ---------------------------------------------------------- */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} GwBuf;

void gwb_bytes(GwBuf *b, const void *p, size_t n);
void gwb_u8(GwBuf *b, uint8_t v);
void gwb_u16(GwBuf *b, uint16_t v);
void gwb_u32(GwBuf *b, uint32_t v);
void gwb_u64(GwBuf *b, uint64_t v);
void gwb_f32(GwBuf *b, float v);
void gwb_f64(GwBuf *b, double v);
/* A GGUF string: u64 length, then the bytes of the NUL-terminated S. */
void gwb_str(GwBuf *b, const char *s);
/* Zero bytes until len is a multiple of ALIGN. */
void gwb_pad(GwBuf *b, size_t align);
void gwb_free(GwBuf *b);

/* ---- conversions -------------------------------------------------------- */

uint16_t gw_f32_to_f16(float f);  /* round to nearest even; overflow -> inf */
uint16_t gw_f32_to_bf16(float f); /* round to nearest even */
/* Quantize N floats (N a multiple of 32) into N/32 Q8_0 blocks at OUT
 * (34 bytes each: fp16 scale d = max|x|/127, then 32 int8 round(x/d)). */
void gw_quantize_q8_0(const float *x, size_t n, uint8_t *out);
/* Bytes of N elements of TYPE (any type of ggml_type.h's table; N whole blocks). */
size_t gw_type_bytes(GgmlType type, uint64_t n);
/* N elements (whole blocks) of a block TYPE (Q4_0 ... IQ4_XS) as random
 * blocks at OUT: random bytes from *STATE, the fp16 scale set so values
 * span about +-AMP (and an offset or minimum scale to match).  Not a
 * quantization of anything: for speed and memory measurements. */
void gw_random_blocks(GgmlType type, uint64_t n, float amp, uint64_t *state, uint8_t *out);

/* ---- test weights -------------------------------------------------------- */

/* A deterministic xorshift generator: the next value in [-1, 1) from *STATE
 * (which must start non-zero), so failures reproduce. */
float gw_frand(uint64_t *state);

/* ---- whole files -------------------------------------------------------- */

typedef struct GgufWriter GgufWriter;

GgufWriter *gw_new(uint32_t version);
void gw_free(GgufWriter *w); /* NULL is fine */

void gw_add_u8(GgufWriter *w, const char *key, uint8_t v);
void gw_add_i8(GgufWriter *w, const char *key, int8_t v);
void gw_add_u16(GgufWriter *w, const char *key, uint16_t v);
void gw_add_i16(GgufWriter *w, const char *key, int16_t v);
void gw_add_u32(GgufWriter *w, const char *key, uint32_t v);
void gw_add_i32(GgufWriter *w, const char *key, int32_t v);
void gw_add_u64(GgufWriter *w, const char *key, uint64_t v);
void gw_add_i64(GgufWriter *w, const char *key, int64_t v);
void gw_add_f32(GgufWriter *w, const char *key, float v);
void gw_add_f64(GgufWriter *w, const char *key, double v);
void gw_add_bool(GgufWriter *w, const char *key, bool v);
void gw_add_str(GgufWriter *w, const char *key, const char *v);
/* An array of a scalar element type; ELEMS holds N host values of the
 * matching C type (uint8_t, int8_t, ..., float, double, bool). */
void gw_add_array(GgufWriter *w, const char *key, GgufType elem_type, const void *elems,
                  uint64_t n);
void gw_add_str_array(GgufWriter *w, const char *key, const char *const *strs, uint64_t n);
void gw_add_f32_array(GgufWriter *w, const char *key, const float *v, uint64_t n);
void gw_add_i32_array(GgufWriter *w, const char *key, const int32_t *v, uint64_t n);

/* general.architecture ARCH (NULL: "llama"), general.name NAME and the
 * llama.* shape keys (RoPE base 10000, RMSNorm epsilon 1e-5). */
void gw_add_llama_keys(GgufWriter *w, const char *arch, const char *name, int layers, int dim, int ffn, int heads,
                       int kv_heads, int ctx, int rope_dim);

/* A tensor from N_DIMS dims (dims[0] fastest) and VALUES (their product of
 * floats), converted to TYPE (F32, F16, BF16 or Q8_0). */
void gw_add_tensor(GgufWriter *w, const char *name, uint32_t n_dims, const uint64_t *dims,
                   GgmlType type, const float *values);
/* A tensor with raw data of N_BYTES bytes and any type number (not checked). */
void gw_add_tensor_raw(GgufWriter *w, const char *name, uint32_t n_dims, const uint64_t *dims,
                       uint32_t type, const void *data, size_t n_bytes);

/* The whole file in a malloc'd buffer the caller frees; *size gets its length. */
uint8_t *gw_serialize(const GgufWriter *w, size_t *size);
/* Write the file to PATH; 0 on success, -1 (errno set) on failure. */
int gw_write_file(const GgufWriter *w, const char *path);

#endif
