/*
 * gguf.c - a bounds-checked GGUF (v2/v3, little-endian) reader.
 *
 * Parsing walks a cursor over (base, size); every read first asks whether
 * enough bytes remain, and every count is compared with what remains before
 * anything is allocated for it, so a hostile or truncated file fails fast
 * with one message instead of reading out of bounds or allocating wildly.
 * Multi-byte fields are decoded byte by byte: the mapping is never assumed to
 * be aligned for typed loads, and the host's byte order does not matter.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Caps on what we accept.  Real models are far below them; the point is that
 * a corrupt count can never drive an allocation larger than these. */
#define GGUF_MAX_STRING (1ull << 30)  /* bytes in one string */
#define GGUF_MAX_KVS (1ull << 20)     /* metadata entries */
#define GGUF_MAX_TENSORS (1ull << 20) /* tensor infos */
/* Smallest possible encodings, used to reject counts the file cannot hold:
 * a KV is key length (8) + type (4) + a one-byte value; a tensor info is name
 * length (8) + n_dims (4) + one dim (8) + type (4) + offset (8). */
#define KV_MIN_BYTES 13u
#define TENSOR_MIN_BYTES 32u

struct Gguf {
    char *name;
    const uint8_t *base;
    size_t size;
    void *map; /* non-NULL when we own an mmap of SIZE bytes */
    uint32_t version;
    uint64_t alignment;
    uint64_t data_offset; /* start of the data section in the file */
    uint64_t n_kv;
    GgufKV *kv;
    uint64_t n_tensors;
    GgufTensor *tensors;
};

typedef struct {
    const uint8_t *base;
    size_t size, pos;
    const char *name; /* file name for messages */
    char ctx[128];    /* what is being parsed, e.g. "tensor 'x'"; may be empty */
    char *err;
    size_t errlen;
} Parser;

/* ---- messages ---------------------------------------------------------- */

/* Write "NAME: CTX: message" (parts omitted when NULL/empty) into ERR. */
static void verr(char *err, size_t errlen, const char *name, const char *ctx, const char *fmt,
                 va_list ap) {
    if (!err || errlen == 0) return;
    char msg[384];
    vsnprintf(msg, sizeof msg, fmt, ap);
    bool has_ctx = ctx && ctx[0];
    if (name)
        snprintf(err, errlen, "%s: %s%s%s", name, has_ctx ? ctx : "", has_ctx ? ": " : "", msg);
    else
        snprintf(err, errlen, "%s%s%s", has_ctx ? ctx : "", has_ctx ? ": " : "", msg);
}

static int set_err(char *err, size_t errlen, const char *name, const char *ctx, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
static int set_err(char *err, size_t errlen, const char *name, const char *ctx, const char *fmt,
                   ...) {
    va_list ap;
    va_start(ap, fmt);
    verr(err, errlen, name, ctx, fmt, ap);
    va_end(ap);
    return -1;
}

static int pfail(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pfail(Parser *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verr(p->err, p->errlen, p->name, p->ctx, fmt, ap);
    va_end(ap);
    return -1;
}

/* A printable, bounded rendering of a file-supplied name for messages:
 * control and non-ASCII bytes become '?', long names end in "...". */
static void show_str(char *dst, size_t n, const char *s, uint64_t len) {
    size_t room = n - 1, i = 0;
    bool cut = len > room;
    if (cut) room = n > 4 ? n - 4 : 0;
    for (; i < room && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (cut) {
        memcpy(dst + i, "...", 3);
        i += 3;
    }
    dst[i] = '\0';
}

#define SHOWN_MAX 72

static void set_ctx(Parser *p, const char *what, GgufStr s) {
    char shown[SHOWN_MAX];
    show_str(shown, sizeof shown, s.ptr, s.len);
    snprintf(p->ctx, sizeof p->ctx, "%s '%s'", what, shown);
}

/* ---- little-endian decoding and the cursor ----------------------------- */

static uint16_t le16(const uint8_t *b) { return (uint16_t)(b[0] | (unsigned)b[1] << 8); }
static uint32_t le32(const uint8_t *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint64_t le64(const uint8_t *b) { return le32(b) | (uint64_t)le32(b + 4) << 32; }

static float bits_to_f32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Sign extension without relying on implementation-defined conversions. */
static int64_t sext(uint64_t v, unsigned bits) {
    uint64_t sign = 1ull << (bits - 1);
    if (bits == 64) return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
    v &= (sign << 1) - 1;
    return (v & sign) ? (int64_t)v - (int64_t)(sign << 1) : (int64_t)v;
}

static size_t left(const Parser *p) { return p->size - p->pos; }

/* Consume N bytes, or fail naming WHAT. */
static int take(Parser *p, uint64_t n, const char *what, const uint8_t **out) {
    if (n > left(p))
        return pfail(p, "file truncated: %s needs %llu bytes at offset %zu, only %zu left", what,
                     (unsigned long long)n, p->pos, left(p));
    *out = p->base + p->pos;
    p->pos += (size_t)n;
    return 0;
}

static int read_u32(Parser *p, uint32_t *v, const char *what) {
    const uint8_t *b = NULL;
    if (take(p, 4, what, &b)) return -1;
    *v = le32(b);
    return 0;
}

static int read_u64(Parser *p, uint64_t *v, const char *what) {
    const uint8_t *b = NULL;
    if (take(p, 8, what, &b)) return -1;
    *v = le64(b);
    return 0;
}

static int read_str(Parser *p, GgufStr *s, const char *what) {
    char lwhat[64];
    snprintf(lwhat, sizeof lwhat, "%s length", what);
    uint64_t len;
    if (read_u64(p, &len, lwhat)) return -1;
    if (len > GGUF_MAX_STRING)
        return pfail(p, "%s length %llu exceeds the limit of %llu bytes", what,
                     (unsigned long long)len, GGUF_MAX_STRING);
    if (len > left(p))
        return pfail(p, "%s (length %llu at offset %zu) runs past end of file (%zu bytes left)",
                     what, (unsigned long long)len, p->pos, left(p));
    s->ptr = (const char *)(p->base + p->pos);
    s->len = len;
    p->pos += (size_t)len;
    return 0;
}

/* ---- metadata ---------------------------------------------------------- */

/* Encoded size of a fixed-size value type; 0 for STRING, ARRAY and unknown. */
static size_t scalar_size(uint32_t t) {
    switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64: case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

static int read_scalar(Parser *p, GgufType t, GgufKV *kv) {
    const uint8_t *b = NULL;
    if (take(p, scalar_size(t), "value", &b)) return -1;
    switch (t) {
    case GGUF_TYPE_UINT8: kv->v.u64 = b[0]; break;
    case GGUF_TYPE_UINT16: kv->v.u64 = le16(b); break;
    case GGUF_TYPE_UINT32: kv->v.u64 = le32(b); break;
    case GGUF_TYPE_UINT64: kv->v.u64 = le64(b); break;
    case GGUF_TYPE_INT8: kv->v.i64 = sext(b[0], 8); break;
    case GGUF_TYPE_INT16: kv->v.i64 = sext(le16(b), 16); break;
    case GGUF_TYPE_INT32: kv->v.i64 = sext(le32(b), 32); break;
    case GGUF_TYPE_INT64: kv->v.i64 = sext(le64(b), 64); break;
    case GGUF_TYPE_FLOAT32: kv->v.f64 = bits_to_f32(le32(b)); break;
    case GGUF_TYPE_FLOAT64: {
        uint64_t bits = le64(b);
        double d;
        memcpy(&d, &bits, sizeof d);
        kv->v.f64 = d;
        break;
    }
    case GGUF_TYPE_BOOL:
        if (b[0] > 1) return pfail(p, "bool value %u is neither 0 nor 1", b[0]);
        kv->v.b = b[0] != 0;
        break;
    default: return pfail(p, "internal error: not a scalar type %d", (int)t);
    }
    return 0;
}

static int parse_array(Parser *p, GgufKV *kv) {
    uint32_t et;
    uint64_t count;
    if (read_u32(p, &et, "array element type")) return -1;
    if (et == GGUF_TYPE_ARRAY) return pfail(p, "nested arrays are not supported");
    if (et != GGUF_TYPE_STRING && scalar_size(et) == 0)
        return pfail(p, "unknown array element type %u", et);
    if (read_u64(p, &count, "array count")) return -1;
    kv->type = GGUF_TYPE_ARRAY;
    kv->arr_type = (GgufType)et;
    kv->arr_count = count;
    kv->arr_data = p->base + p->pos;
    /* Each string needs at least its 8-byte length, so COUNT is bounded by
     * the bytes left before we allocate one view per element. */
    size_t elem = et == GGUF_TYPE_STRING ? 8 : scalar_size(et);
    if (count > left(p) / elem)
        return pfail(p, "array of %llu %s runs past end of file (%zu bytes left)",
                     (unsigned long long)count, gguf_type_name((GgufType)et), left(p));
    if (et != GGUF_TYPE_STRING) {
        p->pos += (size_t)(count * elem);
        return 0;
    }
    if (count == 0) return 0;
    kv->arr_strs = calloc((size_t)count, sizeof *kv->arr_strs);
    if (!kv->arr_strs) return pfail(p, "out of memory for %llu strings", (unsigned long long)count);
    for (uint64_t j = 0; j < count; j++) {
        char what[48];
        snprintf(what, sizeof what, "array element %llu", (unsigned long long)j);
        if (read_str(p, &kv->arr_strs[j], what)) return -1;
    }
    return 0;
}

static int parse_kv(Parser *p, uint64_t i, GgufKV *kv) {
    snprintf(p->ctx, sizeof p->ctx, "KV %llu", (unsigned long long)i);
    if (read_str(p, &kv->key, "key")) return -1;
    set_ctx(p, "key", kv->key);
    uint32_t type;
    if (read_u32(p, &type, "value type")) return -1;
    if (type == GGUF_TYPE_ARRAY) return parse_array(p, kv);
    if (type == GGUF_TYPE_STRING) {
        kv->type = GGUF_TYPE_STRING;
        return read_str(p, &kv->v.str, "string value");
    }
    if (scalar_size(type) == 0) return pfail(p, "unknown value type %u", type);
    kv->type = (GgufType)type;
    return read_scalar(p, kv->type, kv);
}

/* ---- duplicates -------------------------------------------------------- */

static int str_cmp(const void *a, const void *b) {
    const GgufStr *x = a, *y = b;
    uint64_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->ptr, y->ptr, (size_t)n) : 0;
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sort the names (a scratch copy, which this frees) so duplicates are found
 * in O(n log n) even for large, possibly hostile, counts. */
static int check_unique(Parser *p, GgufStr *s, uint64_t n, const char *what) {
    qsort(s, (size_t)n, sizeof *s, str_cmp);
    for (uint64_t i = 1; i < n; i++) {
        if (str_cmp(&s[i - 1], &s[i]) == 0) {
            char shown[SHOWN_MAX];
            show_str(shown, sizeof shown, s[i].ptr, s[i].len);
            free(s);
            p->ctx[0] = '\0';
            return pfail(p, "duplicate %s '%s'", what, shown);
        }
    }
    free(s);
    return 0;
}

/* ---- tensors ----------------------------------------------------------- */

static int parse_tensor_info(Parser *p, uint64_t i, GgufTensor *t) {
    snprintf(p->ctx, sizeof p->ctx, "tensor %llu", (unsigned long long)i);
    if (read_str(p, &t->name, "name")) return -1;
    set_ctx(p, "tensor", t->name);

    if (read_u32(p, &t->n_dims, "n_dims")) return -1;
    if (t->n_dims == 0 || t->n_dims > GGUF_MAX_DIMS)
        return pfail(p, "n_dims %u is out of range 1..%d", t->n_dims, GGUF_MAX_DIMS);
    uint64_t n = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->dims[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        if (read_u64(p, &t->dims[d], "dimension")) return -1;
        if (t->dims[d] == 0) return pfail(p, "dimension %u is 0", d);
        if (__builtin_mul_overflow(n, t->dims[d], &n))
            return pfail(p, "element count overflows 64 bits at dimension %u (%llu)", d,
                         (unsigned long long)t->dims[d]);
    }
    t->n_elements = n;

    uint32_t type;
    if (read_u32(p, &type, "type")) return -1;
    const GgmlTypeTraits *tr = ggml_type_find(type);
    if (!tr) {
        char supported[256];
        ggml_type_supported(supported, sizeof supported);
        return pfail(p, "unsupported tensor type %u (%s); supported: %s", type,
                     ggml_type_name(type), supported);
    }
    /* ggml quantizes rows, so a row (dims[0]) is whole blocks. */
    if (t->dims[0] % tr->block_elems)
        return pfail(p, "%s needs dims[0] (%llu) to be a multiple of its block of %u elements",
                     tr->name, (unsigned long long)t->dims[0], tr->block_elems);
    uint64_t bytes;
    if (ggml_type_bytes(tr, n, &bytes))
        return pfail(p, "size in bytes of %llu %s elements overflows 64 bits",
                     (unsigned long long)n, tr->name);
    t->type = tr->id;
    t->traits = tr;
    t->n_bytes = bytes;
    return read_u64(p, &t->offset, "offset");
}

/* Place each tensor in the data section, checking alignment and bounds. */
/* Tensors ordered by offset, for the overlap check. */
static int by_offset(const void *a, const void *b) {
    const GgufTensor *x = *(const GgufTensor *const *)a, *y = *(const GgufTensor *const *)b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

static int place_tensors(Parser *p, Gguf *g) {
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        GgufTensor *t = &g->tensors[i];
        set_ctx(p, "tensor", t->name);
        if (t->offset % g->alignment)
            return pfail(p, "offset %llu is not a multiple of the alignment %llu",
                         (unsigned long long)t->offset, (unsigned long long)g->alignment);
        uint64_t start, end;
        if (__builtin_add_overflow(g->data_offset, t->offset, &start) ||
            __builtin_add_overflow(start, t->n_bytes, &end) || end > g->size)
            return pfail(p, "data (offset %llu, %llu bytes) runs past end of file (size %zu)",
                         (unsigned long long)t->offset, (unsigned long long)t->n_bytes, g->size);
        t->data = g->base + start;
    }
    /* No two tensors may share bytes.  Otherwise a small file could name the
     * same block of data thousands of times, and everything that converts
     * or computes per tensor would grow with the square of the file's size. */
    if (g->n_tensors < 2) return 0;
    GgufTensor **order = malloc(g->n_tensors * sizeof *order);
    if (!order) return pfail(p, "out of memory");
    for (uint64_t i = 0; i < g->n_tensors; i++) order[i] = &g->tensors[i];
    qsort(order, g->n_tensors, sizeof *order, by_offset);
    for (uint64_t i = 1; i < g->n_tensors; i++) {
        const GgufTensor *a = order[i - 1], *b = order[i];
        if (b->offset < a->offset + a->n_bytes) { /* in bounds, so no overflow */
            set_ctx(p, "tensor", b->name);
            int rc = pfail(p, "data (offset %llu) overlaps tensor '%.*s' (offset %llu, %llu bytes)",
                           (unsigned long long)b->offset, (int)(a->name.len > 64 ? 64 : a->name.len),
                           a->name.ptr, (unsigned long long)a->offset,
                           (unsigned long long)a->n_bytes);
            free(order);
            return rc;
        }
    }
    free(order);
    return 0;
}

/* ---- the whole file ---------------------------------------------------- */

static int parse_header(Parser *p, Gguf *g) {
    const uint8_t *magic = NULL;
    if (take(p, 4, "magic", &magic)) return -1;
    if (memcmp(magic, "GGUF", 4) != 0)
        return pfail(p, "bad magic %02x %02x %02x %02x (expected \"GGUF\"); not a GGUF file",
                     magic[0], magic[1], magic[2], magic[3]);
    if (read_u32(p, &g->version, "version")) return -1;
    uint32_t v = g->version;
    if ((v & 0xffffu) == 0 && (v >> 24 == 2 || v >> 24 == 3))
        return pfail(p, "version field %u looks byte-swapped: big-endian GGUF is not supported", v);
    if (v == 1)
        return pfail(p, "GGUF version 1 is not supported (32-bit counts); only versions 2 and 3");
    if (v != 2 && v != 3) return pfail(p, "unsupported GGUF version %u; only versions 2 and 3", v);

    if (read_u64(p, &g->n_tensors, "tensor count")) return -1;
    if (read_u64(p, &g->n_kv, "KV count")) return -1;
    if (g->n_kv > GGUF_MAX_KVS)
        return pfail(p, "KV count %llu exceeds the limit of %llu", (unsigned long long)g->n_kv,
                     GGUF_MAX_KVS);
    if (g->n_tensors > GGUF_MAX_TENSORS)
        return pfail(p, "tensor count %llu exceeds the limit of %llu",
                     (unsigned long long)g->n_tensors, GGUF_MAX_TENSORS);
    /* Both are capped at 2^20, so this sum cannot overflow. */
    uint64_t need = g->n_kv * KV_MIN_BYTES + g->n_tensors * TENSOR_MIN_BYTES;
    if (need > left(p))
        return pfail(p,
                     "KV count %llu and tensor count %llu need at least %llu bytes, "
                     "only %zu left",
                     (unsigned long long)g->n_kv, (unsigned long long)g->n_tensors,
                     (unsigned long long)need, left(p));
    return 0;
}

static int read_alignment(Parser *p, Gguf *g) {
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const GgufKV *kv = gguf_find_kv(g, "general.alignment");
    if (!kv) return 0;
    snprintf(p->ctx, sizeof p->ctx, "key 'general.alignment'");
    if (kv->type != GGUF_TYPE_UINT32)
        return pfail(p, "alignment has type %s, expected UINT32", gguf_type_name(kv->type));
    uint64_t a = kv->v.u64;
    if (a == 0 || (a & (a - 1)))
        return pfail(p, "alignment %llu is not a non-zero power of two", (unsigned long long)a);
    g->alignment = a;
    return 0;
}

static int parse(Parser *p, Gguf *g) {
    if (parse_header(p, g)) return -1;

    if (g->n_kv) {
        g->kv = calloc((size_t)g->n_kv, sizeof *g->kv);
        if (!g->kv) return pfail(p, "out of memory for %llu KVs", (unsigned long long)g->n_kv);
    }
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (parse_kv(p, i, &g->kv[i])) return -1;
    if (g->n_kv > 1) {
        GgufStr *keys = malloc((size_t)g->n_kv * sizeof *keys);
        if (!keys) return pfail(p, "out of memory checking keys");
        for (uint64_t i = 0; i < g->n_kv; i++) keys[i] = g->kv[i].key;
        if (check_unique(p, keys, g->n_kv, "key")) return -1;
    }
    if (read_alignment(p, g)) return -1;

    if (g->n_tensors) {
        g->tensors = calloc((size_t)g->n_tensors, sizeof *g->tensors);
        if (!g->tensors)
            return pfail(p, "out of memory for %llu tensors", (unsigned long long)g->n_tensors);
    }
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (parse_tensor_info(p, i, &g->tensors[i])) return -1;
    p->ctx[0] = '\0';
    if (g->n_tensors > 1) {
        GgufStr *names = malloc((size_t)g->n_tensors * sizeof *names);
        if (!names) return pfail(p, "out of memory checking tensor names");
        for (uint64_t i = 0; i < g->n_tensors; i++) names[i] = g->tensors[i].name;
        if (check_unique(p, names, g->n_tensors, "tensor name")) return -1;
    }

    /* The data section starts at the next multiple of the alignment.  With no
     * tensors it may be absent, so it is only checked through the tensors. */
    g->data_offset = ((uint64_t)p->pos + g->alignment - 1) / g->alignment * g->alignment;
    return place_tensors(p, g);
}

/* Parse DATA into a new Gguf; takes ownership of MAP (an mmap of SIZE bytes,
 * or NULL) whether or not parsing succeeds. */
static int open_common(Gguf **out, const void *data, size_t size, const char *name, void *map,
                       char *err, size_t errlen) {
    if (!name) name = "(buffer)";
    Gguf *g = calloc(1, sizeof *g);
    size_t nlen = strlen(name);
    char *copy = malloc(nlen + 1);
    if (!g || !copy) {
        free(g);
        free(copy);
        if (map) munmap(map, size);
        return set_err(err, errlen, name, NULL, "out of memory");
    }
    memcpy(copy, name, nlen + 1);
    g->name = copy;
    g->base = data;
    g->size = size;
    g->map = map;

    Parser p = {.base = data, .size = size, .name = g->name, .err = err, .errlen = errlen};
    if (!data && size) {
        set_err(err, errlen, name, NULL, "NULL buffer of %zu bytes", size);
        gguf_close(g);
        return -1;
    }
    if (parse(&p, g)) {
        gguf_close(g);
        return -1;
    }
    *out = g;
    return 0;
}

int gguf_open_buffer(Gguf **out, const void *data, size_t size, const char *name, char *err,
                     size_t errlen) {
    if (!out) return set_err(err, errlen, name, NULL, "no output pointer");
    *out = NULL;
    return open_common(out, data, size, name, NULL, err, errlen);
}

int gguf_open(Gguf **out, const char *path, char *err, size_t errlen) {
    if (!out) return set_err(err, errlen, path, NULL, "no output pointer");
    *out = NULL;
    if (!path) return set_err(err, errlen, "(null)", NULL, "no path given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return set_err(err, errlen, path, NULL, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return set_err(err, errlen, path, NULL, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return set_err(err, errlen, path, NULL, "not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return set_err(err, errlen, path, NULL, "empty file (0 bytes); not a GGUF file");
    }
    if ((uintmax_t)st.st_size > SIZE_MAX) {
        close(fd);
        return set_err(err, errlen, path, NULL, "file too large to map");
    }
    size_t size = (size_t)st.st_size;
    /* Note: if another process truncates the file while it is mapped, reads
     * of the lost pages raise SIGBUS; no reader can defend against that. */
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) return set_err(err, errlen, path, NULL, "cannot mmap: %s", strerror(e));
    return open_common(out, map, size, path, map, err, errlen);
}

void gguf_tensor_release(const Gguf *g, const GgufTensor *t)
{
    if (!g || !g->map || !t || t->n_bytes == 0) return;
    /* Whole pages inside the tensor only: a neighbour sharing a page may
     * still be in use. */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)t->data + page - 1) / page * page;
    uintptr_t hi = ((uintptr_t)t->data + t->n_bytes) / page * page;
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void gguf_close(Gguf *g) {
    if (!g) return;
    for (uint64_t i = 0; g->kv && i < g->n_kv; i++) free(g->kv[i].arr_strs);
    free(g->kv);
    free(g->tensors);
    if (g->map) munmap(g->map, g->size);
    free(g->name);
    free(g);
}

/* ---- accessors --------------------------------------------------------- */

const char *gguf_name(const Gguf *g) { return g ? g->name : "(null)"; }
uint32_t gguf_version(const Gguf *g) { return g ? g->version : 0; }
uint64_t gguf_file_size(const Gguf *g) { return g ? g->size : 0; }
uint64_t gguf_alignment(const Gguf *g) { return g ? g->alignment : 0; }
uint64_t gguf_kv_count(const Gguf *g) { return g ? g->n_kv : 0; }
uint64_t gguf_tensor_count(const Gguf *g) { return g ? g->n_tensors : 0; }

const GgufKV *gguf_kv_at(const Gguf *g, uint64_t i) {
    return g && i < g->n_kv ? &g->kv[i] : NULL;
}

const GgufTensor *gguf_tensor_at(const Gguf *g, uint64_t i) {
    return g && i < g->n_tensors ? &g->tensors[i] : NULL;
}

bool gguf_str_eq(GgufStr s, const char *c) {
    if (!c) return false;
    size_t n = strlen(c);
    return s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

/* Linear scans: files hold tens of keys and at most a few thousand tensors. */
const GgufKV *gguf_find_kv(const Gguf *g, const char *key) {
    for (uint64_t i = 0; g && key && i < g->n_kv; i++)
        if (gguf_str_eq(g->kv[i].key, key)) return &g->kv[i];
    return NULL;
}

const GgufTensor *gguf_find_tensor(const Gguf *g, const char *name) {
    for (uint64_t i = 0; g && name && i < g->n_tensors; i++)
        if (gguf_str_eq(g->tensors[i].name, name)) return &g->tensors[i];
    return NULL;
}

/* ---- typed getters ----------------------------------------------------- */

static const GgufKV *getter_kv(const Gguf *g, const char *key, char *err, size_t errlen) {
    const GgufKV *kv = gguf_find_kv(g, key);
    if (!kv) set_err(err, errlen, gguf_name(g), NULL, "key '%s' is missing", key ? key : "(null)");
    return kv;
}

static int wrong_type(const Gguf *g, const char *key, const GgufKV *kv, const char *want,
                      char *err, size_t errlen) {
    return set_err(err, errlen, gguf_name(g), NULL, "key '%s' has type %s, expected %s", key,
                   gguf_type_name(kv->type), want);
}

static bool is_unsigned(GgufType t) {
    return t == GGUF_TYPE_UINT8 || t == GGUF_TYPE_UINT16 || t == GGUF_TYPE_UINT32 ||
           t == GGUF_TYPE_UINT64;
}

static bool is_signed(GgufType t) {
    return t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 ||
           t == GGUF_TYPE_INT64;
}

int gguf_get_u32(const Gguf *g, const char *key, uint32_t *out, char *err, size_t errlen) {
    const GgufKV *kv = getter_kv(g, key, err, errlen);
    if (!kv) return -1;
    if (is_unsigned(kv->type)) {
        if (kv->v.u64 > UINT32_MAX)
            return set_err(err, errlen, gguf_name(g), NULL, "key '%s' value %llu does not fit in u32",
                           key, (unsigned long long)kv->v.u64);
        *out = (uint32_t)kv->v.u64;
        return 0;
    }
    if (is_signed(kv->type)) {
        if (kv->v.i64 < 0 || kv->v.i64 > (int64_t)UINT32_MAX)
            return set_err(err, errlen, gguf_name(g), NULL, "key '%s' value %lld does not fit in u32",
                           key, (long long)kv->v.i64);
        *out = (uint32_t)kv->v.i64;
        return 0;
    }
    return wrong_type(g, key, kv, "an integer type", err, errlen);
}

int gguf_get_f32(const Gguf *g, const char *key, float *out, char *err, size_t errlen) {
    const GgufKV *kv = getter_kv(g, key, err, errlen);
    if (!kv) return -1;
    if (kv->type != GGUF_TYPE_FLOAT32 && kv->type != GGUF_TYPE_FLOAT64)
        return wrong_type(g, key, kv, "FLOAT32 or FLOAT64", err, errlen);
    double d = kv->v.f64;
    if (!isinf(d) && (d > FLT_MAX || d < -FLT_MAX))
        return set_err(err, errlen, gguf_name(g), NULL, "key '%s' value %g does not fit in f32",
                       key, d);
    *out = (float)d;
    return 0;
}

int gguf_get_bool(const Gguf *g, const char *key, bool *out, char *err, size_t errlen) {
    const GgufKV *kv = getter_kv(g, key, err, errlen);
    if (!kv) return -1;
    if (kv->type != GGUF_TYPE_BOOL) return wrong_type(g, key, kv, "BOOL", err, errlen);
    *out = kv->v.b;
    return 0;
}

const GgufStr *gguf_get_str(const Gguf *g, const char *key, char *err, size_t errlen) {
    const GgufKV *kv = getter_kv(g, key, err, errlen);
    if (!kv) return NULL;
    if (kv->type != GGUF_TYPE_STRING) {
        wrong_type(g, key, kv, "STRING", err, errlen);
        return NULL;
    }
    return &kv->v.str;
}

/* ---- names ------------------------------------------------------------- */

const char *gguf_type_name(GgufType t) {
    static const char *const names[] = {
        "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
        "BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64",
    };
    unsigned u = (unsigned)t;
    return u < sizeof names / sizeof names[0] ? names[u] : "unknown";
}

/* ---- conversion -------------------------------------------------------- */

int gguf_tensor_to_f32(const GgufTensor *t, uint64_t first, uint64_t count, float *dst,
                       char *err, size_t errlen) {
    if (!t) return set_err(err, errlen, NULL, NULL, "no tensor");
    char ctx[SHOWN_MAX + 16], shown[SHOWN_MAX];
    show_str(shown, sizeof shown, t->name.ptr, t->name.len);
    snprintf(ctx, sizeof ctx, "tensor '%s'", shown);
    uint64_t end;
    if (__builtin_add_overflow(first, count, &end) || end > t->n_elements)
        return set_err(err, errlen, NULL, ctx, "elements %llu..+%llu out of range (%llu elements)",
                       (unsigned long long)first, (unsigned long long)count,
                       (unsigned long long)t->n_elements);
    if (count == 0) return 0;
    if (!dst || !t->data) return set_err(err, errlen, NULL, ctx, "no data or destination");
    const GgmlTypeTraits *tr = t->traits ? t->traits : ggml_type_find(t->type);
    if (!tr) return set_err(err, errlen, NULL, ctx, "unsupported type %u", (unsigned)t->type);
    uint64_t be = tr->block_elems;
    if (first % be || count % be)
        return set_err(err, errlen, NULL, ctx,
                       "%s range %llu..+%llu does not start and end on %llu-element blocks",
                       tr->name, (unsigned long long)first, (unsigned long long)count,
                       (unsigned long long)be);
    /* In bounds: FIRST + COUNT <= n_elements, whose bytes were checked. */
    tr->to_float((const uint8_t *)t->data + first / be * tr->block_bytes, dst, count / be);
    return 0;
}
