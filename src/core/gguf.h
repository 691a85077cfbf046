/*
 * gguf.h - a bounds-checked reader for GGUF model files (versions 2 and 3).
 *
 * The file is memory-mapped read-only; every string, array and tensor the
 * reader hands out is a borrowed view into that mapping and stays valid until
 * gguf_close().  Nothing is trusted: each count, length, offset and size is
 * checked against what remains of the file, with overflow-safe arithmetic,
 * before it is used.  On failure the functions return non-zero and write one
 * message naming the file and the cause into the caller's buffer.
 */
#ifndef ATTNSCOPE_GGUF_H
#define ATTNSCOPE_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ggml_type.h" /* GgmlType: the tensor types and their table */

/* Metadata value types, numbered as in the GGUF specification. */
typedef enum {
    GGUF_TYPE_UINT8 = 0,
    GGUF_TYPE_INT8 = 1,
    GGUF_TYPE_UINT16 = 2,
    GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4,
    GGUF_TYPE_INT32 = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_UINT64 = 10,
    GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
} GgufType;

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

/* A borrowed, length-counted string; not NUL-terminated. */
typedef struct {
    const char *ptr;
    uint64_t len;
} GgufStr;

typedef struct {
    GgufStr key;
    GgufType type;
    union {
        uint64_t u64;   /* UINT8/16/32/64 */
        int64_t i64;    /* INT8/16/32/64 */
        double f64;     /* FLOAT32/64 */
        bool b;         /* BOOL */
        GgufStr str;    /* STRING */
    } v;
    /* ARRAY only: element type, count and the raw little-endian elements. */
    GgufType arr_type;
    uint64_t arr_count;
    const uint8_t *arr_data;
    /* ARRAY of STRING only: one view per element (owned by the Gguf). */
    GgufStr *arr_strs;
} GgufKV;

typedef struct {
    GgufStr name;
    uint32_t n_dims;
    uint64_t dims[GGUF_MAX_DIMS]; /* dims[0] varies fastest; unused dims are 1 */
    uint64_t n_elements;
    GgmlType type;
    const GgmlTypeTraits *traits; /* the type's row: block size, to-float */
    uint64_t offset;    /* relative to the start of the data section */
    uint64_t n_bytes;
    const void *data;   /* borrowed view into the mapping */
} GgufTensor;

typedef struct Gguf Gguf;

/* Open and fully validate PATH.  On success *out owns the mapping. */
int gguf_open(Gguf **out, const char *path, char *err, size_t errlen);
/* Parse a buffer the caller keeps alive for the Gguf's lifetime (tests, fuzzing).
 * NAME is used in error messages. */
int gguf_open_buffer(Gguf **out, const void *data, size_t size, const char *name,
                     char *err, size_t errlen);
void gguf_close(Gguf *g); /* NULL is fine */

const char *gguf_name(const Gguf *g);   /* the path or name given at open */
uint32_t gguf_version(const Gguf *g);
uint64_t gguf_file_size(const Gguf *g);
uint64_t gguf_alignment(const Gguf *g);

uint64_t gguf_kv_count(const Gguf *g);
const GgufKV *gguf_kv_at(const Gguf *g, uint64_t i);
const GgufKV *gguf_find_kv(const Gguf *g, const char *key);

uint64_t gguf_tensor_count(const Gguf *g);
const GgufTensor *gguf_tensor_at(const Gguf *g, uint64_t i);
const GgufTensor *gguf_find_tensor(const Gguf *g, const char *name);

/* Typed getters: 0 on success; non-zero (with a message naming the key) when
 * the key is missing or its type cannot be converted without loss.  Integer
 * getters accept any integer type whose value fits. */
int gguf_get_u32(const Gguf *g, const char *key, uint32_t *out, char *err, size_t errlen);
int gguf_get_f32(const Gguf *g, const char *key, float *out, char *err, size_t errlen);
int gguf_get_bool(const Gguf *g, const char *key, bool *out, char *err, size_t errlen);
/* Returns a borrowed view, or NULL (with a message) when missing or not a string. */
const GgufStr *gguf_get_str(const Gguf *g, const char *key, char *err, size_t errlen);

/* True when S equals the NUL-terminated string C. */
bool gguf_str_eq(GgufStr s, const char *c);

const char *gguf_type_name(GgufType t);
/* Tensor type names: ggml_type_name() in ggml_type.h. */

/* Convert COUNT elements of T, starting at element FIRST, to float32.
 * Bounds are checked against the tensor; for block types (Q8_0, Q4_K, ...)
 * the range must start and end on block boundaries (the type's
 * block_elems).  Values are not checked: a hostile scale gives inf or NaN. */
int gguf_tensor_to_f32(const GgufTensor *t, uint64_t first, uint64_t count, float *dst,
                       char *err, size_t errlen);

/* Tell the kernel the mapped bytes of T are no longer needed (after they
 * were converted to another form): their pages leave the process's resident
 * set.  Only for a file opened with gguf_open (a private read-only mapping,
 * so reading T again later still works); a no-op for buffers. */
void gguf_tensor_release(const Gguf *g, const GgufTensor *t);

#endif
