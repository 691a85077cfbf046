/*
 * test_gguf.c - the GGUF reader: round trips through the test writer, a
 * catalogue of hand-crafted bad files, every truncation of a valid file,
 * seeded random mutations, every tensor type of ggml_type.h's table (and the
 * malformed files of each), non-finite weights refused at model load, and
 * (when ../shared is present) the reference model.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gguf.h"
#include "model.h"
#include "gguf_writer.h"
#include "tap.h"
#include "testutil.h"

static char err[512];

/* ---- small helpers ------------------------------------------------------ */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static float f32_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static uint32_t bits_f32(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static const char *tmpdir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* Failures inside one group are diagnosed one by one and reported as one
 * TAP line, so a broken reader gives specific messages without a flood. */
static int group_fails;
#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            group_fails++;                                                                        \
            diag(__VA_ARGS__);                                                                    \
        }                                                                                         \
    } while (0)

/* ---- the sample file ---------------------------------------------------- */

static const char *const PIECES[] = {"<unk>", "<s>", "</s>", "\xe2\x96\x81the", "", "a\nb"};
#define N_PIECES 6

static const float F16_VALS[8] = {0.0f, 1.0f, -2.0f, 0.5f, 65504.0f, 6e-8f, 0.1f, -3.14159f};
static const float BF16_VALS[5] = {1.0f, -2.0f, 0.1f, 3.14159f, 1e30f};
#define Q8_N 128 /* a 64 x 2 Q8_0 tensor */

static float q8_value(int i) { return (float)((i * 37) % 101 - 50) / 25.0f; }
static float f32_value(int i) { return (float)i * 0.5f - 1.0f; }

/* Everything the reader must read back: each scalar type, arrays of several
 * element types (including empty ones and strings), and tensors of each
 * supported type, with and without a custom alignment. */
static GgufWriter *build_sample(uint32_t version, uint32_t alignment) {
    GgufWriter *w = gw_new(version);
    gw_add_str(w, "general.architecture", "llama");
    if (alignment) gw_add_u32(w, "general.alignment", alignment);
    gw_add_u8(w, "t.u8", 200);
    gw_add_i8(w, "t.i8", -100);
    gw_add_u16(w, "t.u16", 60000);
    gw_add_i16(w, "t.i16", -30000);
    gw_add_u32(w, "t.u32", 4000000000u);
    gw_add_i32(w, "t.i32", -2000000000);
    gw_add_f32(w, "t.f32", -0.15625f);
    gw_add_bool(w, "t.bool", true);
    gw_add_bool(w, "t.bool0", false);
    gw_add_str(w, "t.str", "hello, gguf");
    gw_add_str(w, "t.empty_str", "");
    gw_add_u64(w, "t.u64", 0xfedcba9876543210ull);
    gw_add_i64(w, "t.i64", INT64_MIN);
    gw_add_f64(w, "t.f64", 1e300);
    gw_add_f64(w, "t.f64small", 0.25);
    gw_add_i32(w, "t.i32pos", 77);
    gw_add_str_array(w, "t.arr.str", PIECES, N_PIECES);
    gw_add_str_array(w, "t.arr.emptystr", NULL, 0);
    gw_add_f32_array(w, "t.arr.f32", (const float[]){1.5f, -2.0f, 0.0f}, 3);
    gw_add_i32_array(w, "t.arr.i32", (const int32_t[]){-1, 0, 2147483647}, 3);
    gw_add_array(w, "t.arr.u8", GGUF_TYPE_UINT8, (const uint8_t[]){0, 255}, 2);
    gw_add_array(w, "t.arr.i16", GGUF_TYPE_INT16, (const int16_t[]){-32768, 5}, 2);
    gw_add_array(w, "t.arr.bool", GGUF_TYPE_BOOL, (const bool[]){true, false, true}, 3);
    gw_add_array(w, "t.arr.u64", GGUF_TYPE_UINT64, (const uint64_t[]){UINT64_MAX}, 1);
    gw_add_array(w, "t.arr.f64", GGUF_TYPE_FLOAT64, (const double[]){-0.5, 1e-300}, 2);
    gw_add_array(w, "t.arr.empty", GGUF_TYPE_UINT32, NULL, 0);

    float f32v[6], q8v[Q8_N];
    for (int i = 0; i < 6; i++) f32v[i] = f32_value(i);
    for (int i = 0; i < Q8_N; i++) q8v[i] = q8_value(i);
    gw_add_tensor(w, "f32.matrix", 2, (const uint64_t[]){3, 2}, GGML_TYPE_F32, f32v);
    gw_add_tensor(w, "f16.vec", 1, (const uint64_t[]){8}, GGML_TYPE_F16, F16_VALS);
    gw_add_tensor(w, "bf16.vec", 1, (const uint64_t[]){5}, GGML_TYPE_BF16, BF16_VALS);
    gw_add_tensor(w, "q8.mat", 2, (const uint64_t[]){64, 2}, GGML_TYPE_Q8_0, q8v);
    /* One Q8_0 block built by hand: scale 0.5 (fp16 0x3800), q = j - 16, and
     * q[31] = -128, which a quantizer never writes but a reader must take. */
    uint8_t blk[34] = {0x00, 0x38};
    for (int j = 0; j < 32; j++) blk[2 + j] = (uint8_t)(j == 31 ? 0x80 : j - 16);
    gw_add_tensor_raw(w, "q8.exact", 1, (const uint64_t[]){32}, GGML_TYPE_Q8_0, blk, sizeof blk);
    gw_add_tensor(w, "f32.4d", 4, (const uint64_t[]){2, 1, 3, 1}, GGML_TYPE_F32, f32v);
    return w;
}
#define SAMPLE_KVS 28
#define SAMPLE_TENSORS 6

static const GgufKV *kv_of(const Gguf *g, const char *key, GgufType type) {
    const GgufKV *kv = gguf_find_kv(g, key);
    CHECK(kv != NULL, "key %s missing", key);
    if (kv) CHECK(kv->type == type, "key %s type %d, want %d", key, (int)kv->type, (int)type);
    return kv && kv->type == type ? kv : NULL;
}

static const GgufKV *arr_of(const Gguf *g, const char *key, GgufType et, uint64_t n) {
    const GgufKV *kv = kv_of(g, key, GGUF_TYPE_ARRAY);
    if (!kv) return NULL;
    CHECK(kv->arr_type == et && kv->arr_count == n, "array %s: type %d count %llu", key,
          (int)kv->arr_type, (unsigned long long)kv->arr_count);
    return kv->arr_type == et && kv->arr_count == n ? kv : NULL;
}

static void check_kvs(const Gguf *g, uint32_t alignment, const char *label) {
    group_fails = 0;
    CHECK(gguf_kv_count(g) == SAMPLE_KVS - (alignment ? 0 : 1), "kv count %llu",
          (unsigned long long)gguf_kv_count(g));
    const GgufKV *kv;
    if ((kv = kv_of(g, "t.u8", GGUF_TYPE_UINT8))) CHECK(kv->v.u64 == 200, "u8");
    if ((kv = kv_of(g, "t.i8", GGUF_TYPE_INT8))) CHECK(kv->v.i64 == -100, "i8");
    if ((kv = kv_of(g, "t.u16", GGUF_TYPE_UINT16))) CHECK(kv->v.u64 == 60000, "u16");
    if ((kv = kv_of(g, "t.i16", GGUF_TYPE_INT16))) CHECK(kv->v.i64 == -30000, "i16");
    if ((kv = kv_of(g, "t.u32", GGUF_TYPE_UINT32))) CHECK(kv->v.u64 == 4000000000u, "u32");
    if ((kv = kv_of(g, "t.i32", GGUF_TYPE_INT32))) CHECK(kv->v.i64 == -2000000000, "i32");
    if ((kv = kv_of(g, "t.f32", GGUF_TYPE_FLOAT32))) CHECK(kv->v.f64 == -0.15625, "f32");
    if ((kv = kv_of(g, "t.bool", GGUF_TYPE_BOOL))) CHECK(kv->v.b == true, "bool");
    if ((kv = kv_of(g, "t.bool0", GGUF_TYPE_BOOL))) CHECK(kv->v.b == false, "bool0");
    if ((kv = kv_of(g, "t.str", GGUF_TYPE_STRING)))
        CHECK(gguf_str_eq(kv->v.str, "hello, gguf"), "str");
    if ((kv = kv_of(g, "t.empty_str", GGUF_TYPE_STRING)))
        CHECK(kv->v.str.len == 0 && gguf_str_eq(kv->v.str, ""), "empty str");
    if ((kv = kv_of(g, "t.u64", GGUF_TYPE_UINT64))) CHECK(kv->v.u64 == 0xfedcba9876543210ull, "u64");
    if ((kv = kv_of(g, "t.i64", GGUF_TYPE_INT64))) CHECK(kv->v.i64 == INT64_MIN, "i64");
    if ((kv = kv_of(g, "t.f64", GGUF_TYPE_FLOAT64))) CHECK(kv->v.f64 == 1e300, "f64");
    if (alignment && (kv = kv_of(g, "general.alignment", GGUF_TYPE_UINT32)))
        CHECK(kv->v.u64 == alignment, "alignment kv");

    if ((kv = arr_of(g, "t.arr.str", GGUF_TYPE_STRING, N_PIECES))) {
        CHECK(kv->arr_strs != NULL, "arr_strs NULL");
        for (int i = 0; kv->arr_strs && i < N_PIECES; i++)
            CHECK(gguf_str_eq(kv->arr_strs[i], PIECES[i]), "piece %d", i);
    }
    if ((kv = arr_of(g, "t.arr.emptystr", GGUF_TYPE_STRING, 0)))
        CHECK(kv->arr_strs == NULL, "empty string array has views");
    if ((kv = arr_of(g, "t.arr.f32", GGUF_TYPE_FLOAT32, 3)))
        CHECK(f32_bits(rd32(kv->arr_data)) == 1.5f && f32_bits(rd32(kv->arr_data + 4)) == -2.0f &&
                  f32_bits(rd32(kv->arr_data + 8)) == 0.0f, "f32 array");
    if ((kv = arr_of(g, "t.arr.i32", GGUF_TYPE_INT32, 3)))
        CHECK(rd32(kv->arr_data) == 0xffffffffu && rd32(kv->arr_data + 4) == 0 &&
                  rd32(kv->arr_data + 8) == 2147483647u, "i32 array");
    if ((kv = arr_of(g, "t.arr.u8", GGUF_TYPE_UINT8, 2)))
        CHECK(kv->arr_data[0] == 0 && kv->arr_data[1] == 255, "u8 array");
    if ((kv = arr_of(g, "t.arr.i16", GGUF_TYPE_INT16, 2)))
        CHECK(rd16(kv->arr_data) == 0x8000 && rd16(kv->arr_data + 2) == 5, "i16 array");
    if ((kv = arr_of(g, "t.arr.bool", GGUF_TYPE_BOOL, 3)))
        CHECK(kv->arr_data[0] == 1 && kv->arr_data[1] == 0 && kv->arr_data[2] == 1, "bool array");
    if ((kv = arr_of(g, "t.arr.u64", GGUF_TYPE_UINT64, 1)))
        CHECK(rd64(kv->arr_data) == UINT64_MAX, "u64 array");
    if ((kv = arr_of(g, "t.arr.f64", GGUF_TYPE_FLOAT64, 2))) {
        uint64_t b = rd64(kv->arr_data + 8);
        double d;
        memcpy(&d, &b, 8);
        CHECK(d == 1e-300, "f64 array");
    }
    arr_of(g, "t.arr.empty", GGUF_TYPE_UINT32, 0);
    /* Order is preserved and kv_at agrees with find. */
    CHECK(gguf_kv_at(g, 0) == gguf_find_kv(g, "general.architecture"), "kv_at(0)");
    CHECK(gguf_kv_at(g, gguf_kv_count(g)) == NULL, "kv_at past the end");
    CHECK(gguf_find_kv(g, "t.u") == NULL && gguf_find_kv(g, "t.u88") == NULL, "prefix lookups");
    ok(group_fails == 0, "%s: every KV of every type reads back", label);
}

static const GgufTensor *tensor_of(const Gguf *g, const char *name, GgmlType type, uint32_t n_dims,
                                   const uint64_t *dims) {
    const GgufTensor *t = gguf_find_tensor(g, name);
    CHECK(t != NULL, "tensor %s missing", name);
    if (!t) return NULL;
    uint64_t n = 1;
    CHECK(t->type == type, "%s: type %u", name, (unsigned)t->type);
    CHECK(t->n_dims == n_dims, "%s: n_dims %u", name, t->n_dims);
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        uint64_t want = d < n_dims ? dims[d] : 1;
        CHECK(t->dims[d] == want, "%s: dims[%u] = %llu, want %llu", name, d,
              (unsigned long long)t->dims[d], (unsigned long long)want);
        n *= want;
    }
    CHECK(t->n_elements == n, "%s: n_elements %llu", name, (unsigned long long)t->n_elements);
    CHECK(t->n_bytes == gw_type_bytes(type, n), "%s: n_bytes %llu", name,
          (unsigned long long)t->n_bytes);
    return t;
}

/* Convert the whole tensor; returns a malloc'd array or NULL (diagnosed). */
static float *all_f32(const GgufTensor *t) {
    float *v = malloc((size_t)t->n_elements * sizeof *v);
    if (gguf_tensor_to_f32(t, 0, t->n_elements, v, err, sizeof err) != 0) {
        CHECK(0, "to_f32: %s", err);
        free(v);
        return NULL;
    }
    return v;
}

static void check_tensors(const Gguf *g, const uint8_t *base, uint64_t alignment,
                          const char *label) {
    group_fails = 0;
    CHECK(gguf_tensor_count(g) == SAMPLE_TENSORS, "tensor count %llu",
          (unsigned long long)gguf_tensor_count(g));
    CHECK(gguf_alignment(g) == alignment, "alignment %llu", (unsigned long long)gguf_alignment(g));
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor_at(g, i);
        CHECK(t->offset % alignment == 0, "tensor %llu offset %llu", (unsigned long long)i,
              (unsigned long long)t->offset);
        CHECK((size_t)((const uint8_t *)t->data - base) % alignment == 0,
              "tensor %llu data not aligned in the file", (unsigned long long)i);
    }
    CHECK(gguf_tensor_at(g, SAMPLE_TENSORS) == NULL, "tensor_at past the end");
    CHECK(gguf_find_tensor(g, "f32") == NULL, "prefix tensor lookup");

    const GgufTensor *t;
    float *v;
    if ((t = tensor_of(g, "f32.matrix", GGML_TYPE_F32, 2, (const uint64_t[]){3, 2})) &&
        (v = all_f32(t))) {
        for (int i = 0; i < 6; i++) CHECK(v[i] == f32_value(i), "f32[%d] = %g", i, v[i]);
        free(v);
    }
    if ((t = tensor_of(g, "f32.4d", GGML_TYPE_F32, 4, (const uint64_t[]){2, 1, 3, 1})) &&
        (v = all_f32(t))) {
        for (int i = 0; i < 6; i++) CHECK(v[i] == f32_value(i), "f32.4d[%d] = %g", i, v[i]);
        free(v);
    }
    /* Half precision: 11 significant bits, so relative error <= 2^-11 for
     * normals; 6e-8 lies in the subnormal range, whose step is 2^-24. */
    if ((t = tensor_of(g, "f16.vec", GGML_TYPE_F16, 1, (const uint64_t[]){8})) && (v = all_f32(t))) {
        for (int i = 0; i < 8; i++) {
            float want = F16_VALS[i], tol = fabsf(want) / 2048.0f;
            if (fabsf(want) < 6.2e-5f) tol = 1.0f / 33554432.0f; /* half a subnormal step */
            CHECK(fabsf(v[i] - want) <= tol, "f16[%d] = %.9g, want %.9g", i, v[i], want);
        }
        CHECK(v[5] == 1.0f / 16777216.0f, "6e-8 became the smallest subnormal, got %.9g", v[5]);
        CHECK(v[4] == 65504.0f && v[1] == 1.0f && v[2] == -2.0f, "exact halves");
        free(v);
    }
    /* bfloat16: 8 significant bits. */
    if ((t = tensor_of(g, "bf16.vec", GGML_TYPE_BF16, 1, (const uint64_t[]){5})) && (v = all_f32(t))) {
        for (int i = 0; i < 5; i++)
            CHECK(fabsf(v[i] - BF16_VALS[i]) <= fabsf(BF16_VALS[i]) / 256.0f, "bf16[%d] = %.9g", i,
                  v[i]);
        CHECK(v[0] == 1.0f && v[1] == -2.0f, "exact bf16 values");
        free(v);
    }
    /* Q8_0: within one quantization step (block max / 127) of the input. */
    if ((t = tensor_of(g, "q8.mat", GGML_TYPE_Q8_0, 2, (const uint64_t[]){64, 2})) &&
        (v = all_f32(t))) {
        for (int b = 0; b < Q8_N / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(q8_value(b * 32 + j)));
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                CHECK(fabsf(v[i] - q8_value(i)) <= amax / 127.0f, "q8[%d] = %g, want %g", i, v[i],
                      q8_value(i));
            }
        }
        /* A block-aligned sub-range matches the whole conversion. */
        float part[32];
        CHECK(gguf_tensor_to_f32(t, 64, 32, part, err, sizeof err) == 0 &&
                  memcmp(part, v + 64, sizeof part) == 0, "q8 sub-range: %s", err);
        free(v);
    }
    if ((t = tensor_of(g, "q8.exact", GGML_TYPE_Q8_0, 1, (const uint64_t[]){32})) &&
        (v = all_f32(t))) {
        for (int j = 0; j < 31; j++) CHECK(v[j] == 0.5f * (float)(j - 16), "q8.exact[%d]", j);
        CHECK(v[31] == -64.0f, "q = -128 decodes to -64, got %g", v[31]);
        free(v);
    }
    ok(group_fails == 0, "%s: every tensor's shape, type, placement and values", label);
}

static void check_sample_buffer(uint32_t version, uint32_t alignment, const char *label) {
    GgufWriter *w = build_sample(version, alignment);
    size_t n;
    uint8_t *buf = gw_serialize(w, &n);
    gw_free(w);
    Gguf *g = NULL;
    int rc = gguf_open_buffer(&g, buf, n, label, err, sizeof err);
    if (!ok(rc == 0 && g, "%s: opens", label)) {
        diag("%s", err);
        free(buf);
        return;
    }
    is_int(gguf_version(g), version, "%s: version", label);
    is_int(gguf_file_size(g), n, "%s: file size", label);
    is_str(gguf_name(g), label, "%s: name", label);
    check_kvs(g, alignment, label);
    check_tensors(g, buf, alignment ? alignment : GGUF_DEFAULT_ALIGNMENT, label);
    gguf_close(g);
    free(buf);
}

/* ---- getters and conversions -------------------------------------------- */

static void test_getters(void) {
    GgufWriter *w = build_sample(3, 0);
    size_t n;
    uint8_t *buf = gw_serialize(w, &n);
    gw_free(w);
    Gguf *g = NULL;
    if (gguf_open_buffer(&g, buf, n, "getters.gguf", err, sizeof err) != 0) {
        ok(0, "getters: sample opens");
        diag("%s", err);
        free(buf);
        return;
    }
    uint64_t n_kv = gguf_kv_count(g);
    uint32_t u = 0;
    float f = 0;
    bool b = false;
    ok(gguf_get_u32(g, "t.u32", &u, err, sizeof err) == 0 && u == 4000000000u, "get_u32 of UINT32");
    ok(gguf_get_u32(g, "t.u8", &u, err, sizeof err) == 0 && u == 200, "get_u32 widens UINT8");
    ok(gguf_get_u32(g, "t.u16", &u, err, sizeof err) == 0 && u == 60000, "get_u32 widens UINT16");
    ok(gguf_get_u32(g, "t.i32pos", &u, err, sizeof err) == 0 && u == 77,
       "get_u32 takes a non-negative INT32");
    ok(gguf_get_u32(g, "t.i32", &u, err, sizeof err) != 0 && strstr(err, "t.i32") &&
           strstr(err, "does not fit"), "get_u32 refuses a negative INT32");
    ok(gguf_get_u32(g, "t.u64", &u, err, sizeof err) != 0 && strstr(err, "does not fit"),
       "get_u32 refuses a UINT64 above 2^32");
    ok(gguf_get_u32(g, "t.str", &u, err, sizeof err) != 0 &&
           strstr(err, "key 't.str' has type STRING"), "get_u32 of a STRING: %s", err);
    ok(gguf_get_u32(g, "no.such", &u, err, sizeof err) != 0 &&
           strstr(err, "getters.gguf: ") == err && strstr(err, "'no.such' is missing"),
       "get_u32 of a missing key: %s", err);
    ok(gguf_get_f32(g, "t.f32", &f, err, sizeof err) == 0 && f == -0.15625f, "get_f32 of FLOAT32");
    ok(gguf_get_f32(g, "t.f64small", &f, err, sizeof err) == 0 && f == 0.25f,
       "get_f32 of FLOAT64");
    ok(gguf_get_f32(g, "t.f64", &f, err, sizeof err) != 0 && strstr(err, "does not fit"),
       "get_f32 refuses a FLOAT64 beyond float range");
    ok(gguf_get_f32(g, "t.u8", &f, err, sizeof err) != 0 && strstr(err, "has type UINT8"),
       "get_f32 refuses an integer");
    ok(gguf_get_bool(g, "t.bool", &b, err, sizeof err) == 0 && b, "get_bool");
    ok(gguf_get_bool(g, "t.u8", &b, err, sizeof err) != 0 && strstr(err, "expected BOOL"),
       "get_bool refuses an integer");
    const GgufStr *s = gguf_get_str(g, "general.architecture", err, sizeof err);
    ok(s && gguf_str_eq(*s, "llama"), "get_str");
    ok(gguf_get_str(g, "t.arr.str", err, sizeof err) == NULL && strstr(err, "has type ARRAY"),
       "get_str refuses an array");
    ok(gguf_get_u32(g, "no.such", &u, NULL, 0) != 0, "getters accept a NULL message buffer");

    /* Range checks of the conversion. */
    const GgufTensor *t = gguf_find_tensor(g, "f32.matrix");
    float out[8] = {0};
    ok(t && gguf_tensor_to_f32(t, 2, 3, out, err, sizeof err) == 0 && out[0] == f32_value(2) &&
           out[2] == f32_value(4), "to_f32 of a sub-range");
    ok(t && gguf_tensor_to_f32(t, 4, 3, out, err, sizeof err) != 0 && strstr(err, "f32.matrix") &&
           strstr(err, "out of range"), "to_f32 refuses a range past the end: %s", err);
    ok(t && gguf_tensor_to_f32(t, UINT64_MAX, 2, out, err, sizeof err) != 0,
       "to_f32 refuses an overflowing range");
    ok(t && gguf_tensor_to_f32(t, 6, 0, NULL, err, sizeof err) == 0, "to_f32 of nothing");
    t = gguf_find_tensor(g, "q8.mat");
    ok(t && gguf_tensor_to_f32(t, 1, 32, out, err, sizeof err) != 0 && strstr(err, "block"),
       "to_f32 refuses a Q8_0 range off block boundaries: %s", err);
    ok(t && gguf_tensor_to_f32(t, 0, 16, out, err, sizeof err) != 0,
       "to_f32 refuses a partial Q8_0 block");
    gguf_close(g);

    /* gguf_close(NULL) does nothing.  In a child first, so that a close which
     * dereferences its argument is a failed check here, not the end of the
     * program; then here, after which the reader must still work. */
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        gguf_close(NULL);
        _exit(0);
    }
    bool child_ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                    WEXITSTATUS(status) == 0;
    if (!ok(child_ok, "gguf_close(NULL) returns"))
        diag("child %s %d", pid > 0 && WIFSIGNALED(status) ? "killed by signal" : "status",
             pid > 0 && WIFSIGNALED(status) ? WTERMSIG(status) : status);
    g = NULL, s = NULL, f = 0;
    if (child_ok) {
        gguf_close(NULL);
        if (gguf_open_buffer(&g, buf, n, "again.gguf", err, sizeof err) == 0) {
            s = gguf_get_str(g, "general.architecture", err, sizeof err);
            gguf_get_f32(g, "t.f32", &f, err, sizeof err);
        }
    }
    ok(g && s && gguf_str_eq(*s, "llama") && f == -0.15625f && gguf_kv_count(g) == n_kv,
       "after gguf_close(NULL), the same file opens again and reads the same");
    if (g) gguf_close(g); /* not NULL: a close that failed above would crash here */
    free(buf);
}

static void test_half_conversions(void) {
    static const struct {
        uint16_t h;
        float f;
    } f16[] = {
        {0x0000, 0.0f},       {0x3c00, 1.0f},        {0xc000, -2.0f},
        {0x3555, 0.333251953125f}, {0x7bff, 65504.0f}, {0x0400, 6.103515625e-05f},
        {0x0001, 5.9604644775390625e-08f}, {0x03ff, 6.097555160522461e-05f},
        {0x8001, -5.9604644775390625e-08f},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof f16 / sizeof f16[0]; i++)
        if (ggml_fp16_to_f32(f16[i].h) != f16[i].f) {
            bad++;
            diag("f16 %04x -> %.9g, want %.9g", f16[i].h, ggml_fp16_to_f32(f16[i].h), f16[i].f);
        }
    ok(bad == 0, "f16 normals, subnormals and extremes");
    ok(bits_f32(ggml_fp16_to_f32(0x8000)) == 0x80000000u, "f16 negative zero keeps its sign");
    ok(isinf(ggml_fp16_to_f32(0x7c00)) && ggml_fp16_to_f32(0x7c00) > 0 &&
           isinf(ggml_fp16_to_f32(0xfc00)) && ggml_fp16_to_f32(0xfc00) < 0, "f16 infinities");
    ok(isnan(ggml_fp16_to_f32(0x7e00)) && isnan(ggml_fp16_to_f32(0xfc01)), "f16 NaNs");
    ok(ggml_bf16_to_f32(0x3f80) == 1.0f && ggml_bf16_to_f32(0xc000) == -2.0f &&
           ggml_bf16_to_f32(0x3e80) == 0.25f && isinf(ggml_bf16_to_f32(0x7f80)) &&
           isnan(ggml_bf16_to_f32(0x7fc0)), "bf16 values, inf and NaN");

    /* The writer's rounding and the reader's widening agree on all 65536
     * patterns: widening then narrowing is the identity (NaNs stay NaN). */
    int bad16 = 0, badbf = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = ggml_fp16_to_f32((uint16_t)h);
        if (isnan(f) ? !isnan(ggml_fp16_to_f32(gw_f32_to_f16(f))) : gw_f32_to_f16(f) != h) bad16++;
        f = ggml_bf16_to_f32((uint16_t)h);
        if (isnan(f) ? !isnan(ggml_bf16_to_f32(gw_f32_to_bf16(f))) : gw_f32_to_bf16(f) != h) badbf++;
    }
    ok(bad16 == 0, "f16 round trip over all 65536 patterns (%d mismatches)", bad16);
    ok(badbf == 0, "bf16 round trip over all 65536 patterns (%d mismatches)", badbf);
    ok(gw_f32_to_f16(65520.0f) == 0x7c00 && gw_f32_to_f16(65519.0f) == 0x7bff &&
           gw_f32_to_f16(1.0f + 1.0f / 2048.0f) == 0x3c00 &&
           gw_f32_to_f16(1.0f + 3.0f / 2048.0f) == 0x3c02, "writer rounds half to even");
}

/* ---- files on disk ------------------------------------------------------- */

static int make_temp(char *path, size_t n) {
    snprintf(path, n, "%s/test_gguf.XXXXXX", tmpdir());
    return mkstemp(path);
}

static void test_files(void) {
    char path[4096];
    int fd = make_temp(path, sizeof path);
    if (!ok(fd >= 0, "create a temporary file in %s", tmpdir())) return;
    close(fd);
    GgufWriter *w = build_sample(3, 64);
    int wrc = gw_write_file(w, path);
    size_t n;
    uint8_t *buf = gw_serialize(w, &n);
    gw_free(w);
    ok(wrc == 0, "writer writes %s", path);
    Gguf *g = NULL;
    if (ok(gguf_open(&g, path, err, sizeof err) == 0 && g, "gguf_open maps the file")) {
        is_str(gguf_name(g), path, "gguf_name is the path");
        is_int(gguf_file_size(g), n, "file size");
        check_kvs(g, 64, "mapped v3 align 64");
        /* The mapped tensors hold the same bytes as the in-memory file. */
        Gguf *mem = NULL;
        group_fails = 0;
        CHECK(gguf_open_buffer(&mem, buf, n, "mem", err, sizeof err) == 0, "%s", err);
        CHECK(gguf_tensor_count(g) == SAMPLE_TENSORS, "tensor count");
        for (uint64_t i = 0; mem && i < gguf_tensor_count(g); i++) {
            const GgufTensor *tm = gguf_tensor_at(g, i), *tb = gguf_tensor_at(mem, i);
            CHECK(tb && tm->n_bytes == tb->n_bytes &&
                      memcmp(tm->data, tb->data, (size_t)tm->n_bytes) == 0,
                  "tensor %llu differs", (unsigned long long)i);
            free(all_f32(tm));
        }
        gguf_close(mem);
        ok(group_fails == 0, "mapped: every tensor matches the written bytes and converts");
        gguf_close(g);
    } else {
        diag("%s", err);
    }
    free(buf);
    unlink(path);

    /* An empty file must be refused before trying to map zero bytes. */
    fd = make_temp(path, sizeof path);
    if (fd >= 0) close(fd);
    g = (Gguf *)&g; /* must be reset to NULL on failure */
    ok(gguf_open(&g, path, err, sizeof err) != 0 && g == NULL && strstr(err, path) &&
           strstr(err, "empty"), "rejects an empty file: %s", err);
    unlink(path);
    ok(gguf_open(&g, path, err, sizeof err) != 0 && strstr(err, "cannot open"),
       "rejects a nonexistent path: %s", err);
    ok(gguf_open(&g, tmpdir(), err, sizeof err) != 0 && strstr(err, "regular"),
       "rejects a directory: %s", err);
    ok(gguf_open(&g, path, NULL, 0) != 0, "gguf_open accepts a NULL message buffer");
}

/* ---- the catalogue of bad files ----------------------------------------- */

static void hdr(GwBuf *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    gwb_bytes(b, "GGUF", 4);
    gwb_u32(b, version);
    gwb_u64(b, n_tensors);
    gwb_u64(b, n_kv);
}

static void tinfo(GwBuf *b, const char *name, uint32_t n_dims, const uint64_t *dims, uint32_t type,
                  uint64_t offset) {
    gwb_str(b, name);
    gwb_u32(b, n_dims);
    for (uint32_t d = 0; d < n_dims; d++) gwb_u64(b, dims[d]);
    gwb_u32(b, type);
    gwb_u64(b, offset);
}

/* Pad to ALIGN, then N bytes of tensor data. */
static void tdata(GwBuf *b, size_t align, size_t n) {
    gwb_pad(b, align);
    for (size_t i = 0; i < n; i++) gwb_u8(b, (uint8_t)i);
}

/* A one-KV file whose value is given raw after the key and type. */
static void kv_file(GwBuf *b, const char *key, uint32_t type) {
    hdr(b, 3, 0, 1);
    gwb_str(b, key);
    gwb_u32(b, type);
}

/* A one-tensor file with the given info and DATA_BYTES of data. */
static void tensor_file(GwBuf *b, uint32_t n_dims, const uint64_t *dims, uint32_t type,
                        uint64_t offset, size_t data_bytes) {
    hdr(b, 3, 1, 0);
    tinfo(b, "blk.0.attn_q.weight", n_dims, dims, type, offset);
    tdata(b, 32, data_bytes);
}

/* B must be rejected with a message naming the file and containing WORD.
 * The bytes are copied to an exactly-sized allocation so that ASan sees any
 * read past the end.  Frees B. */
static void expect_bad(const char *label, GwBuf *b, const char *word) {
    uint8_t *copy = malloc(b->len ? b->len : 1);
    if (b->len) memcpy(copy, b->data, b->len);
    Gguf *g = (Gguf *)copy; /* must be reset to NULL */
    err[0] = '\0';
    int rc = gguf_open_buffer(&g, copy, b->len, "bad.gguf", err, sizeof err);
    bool pass = rc != 0 && g == NULL && strncmp(err, "bad.gguf: ", 10) == 0 && strstr(err, word);
    if (ok(pass, "rejects %s", label))
        diag("  %s", err);
    else
        diag("rc %d, message \"%s\", wanted the word \"%s\"", rc, err, word);
    if (rc == 0) gguf_close(g);
    free(copy);
    gwb_free(b);
}

static void test_bad_files(void) {
    GwBuf b = {0};
    const uint64_t one16[] = {16};

    gwb_bytes(&b, "GGML", 4), gwb_u32(&b, 3), gwb_u64(&b, 0), gwb_u64(&b, 0);
    expect_bad("bad magic", &b, "magic");
    hdr(&b, 1, 0, 0);
    expect_bad("version 1", &b, "version 1");
    hdr(&b, 99, 0, 0);
    expect_bad("version 99", &b, "version 99");
    hdr(&b, 0x03000000u, 0, 0);
    expect_bad("a big-endian file", &b, "big-endian");
    gwb_bytes(&b, "GGUF", 4), gwb_u32(&b, 3), gwb_u32(&b, 0);
    expect_bad("a truncated header", &b, "truncated");
    expect_bad("an empty buffer", &b, "truncated");
    gwb_bytes(&b, "GG", 2);
    expect_bad("a 2-byte buffer", &b, "truncated");

    hdr(&b, 3, 0, 1ull << 60);
    expect_bad("an absurd KV count (2^60)", &b, "KV count");
    hdr(&b, 3, 1ull << 60, 0);
    expect_bad("an absurd tensor count (2^60)", &b, "tensor count");
    hdr(&b, 3, 1000, 1000), gwb_u64(&b, 0);
    expect_bad("counts the file is too small to hold", &b, "count");

    hdr(&b, 3, 0, 1), gwb_u64(&b, 1000), gwb_bytes(&b, "abcdefghijklmnopqrst", 20);
    expect_bad("a key length past EOF", &b, "past end");
    hdr(&b, 3, 0, 1), gwb_u64(&b, 1ull << 40), gwb_bytes(&b, "abcdefghijklmnopqrst", 20);
    expect_bad("a key length above the cap", &b, "limit");
    kv_file(&b, "k", GGUF_TYPE_STRING), gwb_u64(&b, 50), gwb_bytes(&b, "xy", 2);
    expect_bad("a string value past EOF", &b, "past end");
    kv_file(&b, "k", GGUF_TYPE_UINT64), gwb_u32(&b, 7);
    expect_bad("a truncated UINT64 value", &b, "truncated");
    kv_file(&b, "a", GGUF_TYPE_ARRAY), gwb_u32(&b, GGUF_TYPE_UINT32), gwb_u64(&b, 1ull << 40),
        gwb_u64(&b, 0);
    expect_bad("an array count past EOF", &b, "array");
    kv_file(&b, "a", GGUF_TYPE_ARRAY), gwb_u32(&b, GGUF_TYPE_STRING), gwb_u64(&b, 1ull << 59);
    expect_bad("a string-array count past EOF", &b, "array");
    kv_file(&b, "a", GGUF_TYPE_ARRAY), gwb_u32(&b, GGUF_TYPE_STRING), gwb_u64(&b, 2), gwb_str(&b, "x"),
        gwb_u64(&b, 9), gwb_bytes(&b, "yz", 2);
    expect_bad("a string-array element past EOF", &b, "past end");
    kv_file(&b, "k", 13), gwb_u64(&b, 0);
    expect_bad("an unknown value type", &b, "unknown value type 13");
    kv_file(&b, "a", GGUF_TYPE_ARRAY), gwb_u32(&b, 99), gwb_u64(&b, 0);
    expect_bad("an unknown array element type", &b, "unknown array element type 99");
    kv_file(&b, "a", GGUF_TYPE_ARRAY), gwb_u32(&b, GGUF_TYPE_ARRAY), gwb_u64(&b, 1),
        gwb_u32(&b, GGUF_TYPE_UINT8), gwb_u64(&b, 1), gwb_u8(&b, 0);
    expect_bad("a nested array", &b, "nested");
    kv_file(&b, "flag", GGUF_TYPE_BOOL), gwb_u8(&b, 2);
    expect_bad("a bool of 2", &b, "bool");
    hdr(&b, 3, 0, 2), gwb_str(&b, "k"), gwb_u32(&b, GGUF_TYPE_UINT8), gwb_u8(&b, 1), gwb_str(&b, "k"),
        gwb_u32(&b, GGUF_TYPE_UINT8), gwb_u8(&b, 2);
    expect_bad("a duplicate key", &b, "duplicate key 'k'");

    kv_file(&b, "general.alignment", GGUF_TYPE_UINT32), gwb_u32(&b, 0);
    expect_bad("alignment 0", &b, "power of two");
    kv_file(&b, "general.alignment", GGUF_TYPE_UINT32), gwb_u32(&b, 3);
    expect_bad("alignment 3", &b, "power of two");
    kv_file(&b, "general.alignment", GGUF_TYPE_STRING), gwb_str(&b, "32");
    expect_bad("a STRING alignment", &b, "expected UINT32");

    tensor_file(&b, 0, one16, GGML_TYPE_F32, 0, 64);
    expect_bad("n_dims 0", &b, "n_dims 0");
    tensor_file(&b, 5, (const uint64_t[]){1, 1, 1, 1, 16}, GGML_TYPE_F32, 0, 64);
    expect_bad("n_dims 5", &b, "n_dims 5");
    tensor_file(&b, 2, (const uint64_t[]){16, 0}, GGML_TYPE_F32, 0, 64);
    expect_bad("a dimension of 0", &b, "dimension 1 is 0");
    tensor_file(&b, 3, (const uint64_t[]){1ull << 32, 1ull << 32, 2}, GGML_TYPE_F32, 0, 64);
    expect_bad("a dims product overflowing 64 bits", &b, "overflow");
    tensor_file(&b, 1, (const uint64_t[]){1ull << 62}, GGML_TYPE_F32, 0, 64);
    expect_bad("a byte size overflowing 64 bits", &b, "overflow");
    tensor_file(&b, 1, one16, 99, 0, 64);
    expect_bad("an unknown tensor type", &b, "unsupported tensor type 99");
    /* Q4_K is read now: its 16-element row is not whole 256-element blocks. */
    tensor_file(&b, 1, one16, 12, 0, 64);
    expect_bad("a Q4_K tensor of 16 elements", &b,
               "'blk.0.attn_q.weight': Q4_K needs dims[0] (16) to be a multiple of its block of 256 elements");
    tensor_file(&b, 1, one16, GGML_TYPE_Q8_0, 0, 64);
    expect_bad("Q8_0 with dims[0] = 16", &b, "Q8_0");
    tensor_file(&b, 1, one16, GGML_TYPE_F32, 4, 128);
    expect_bad("a tensor offset not aligned", &b, "multiple of the alignment 32");
    tensor_file(&b, 1, one16, GGML_TYPE_F32, 0, 63);
    expect_bad("tensor data past EOF", &b, "blk.0.attn_q.weight': data (offset 0, 64 bytes) runs past end");
    tensor_file(&b, 1, one16, GGML_TYPE_F32, UINT64_MAX - 31, 64);
    expect_bad("a tensor offset near 2^64", &b, "past end");
    hdr(&b, 3, 1, 1), gwb_str(&b, "general.alignment"), gwb_u32(&b, GGUF_TYPE_UINT32), gwb_u32(&b, 64);
    tinfo(&b, "t", 1, one16, GGML_TYPE_F32, 32), tdata(&b, 64, 128);
    expect_bad("an offset aligned to 32 but not to general.alignment 64", &b, "alignment 64");
    hdr(&b, 3, 2, 0), tinfo(&b, "dup", 1, one16, GGML_TYPE_F32, 0),
        tinfo(&b, "dup", 1, one16, GGML_TYPE_F32, 64), tdata(&b, 32, 128);
    expect_bad("a duplicate tensor name", &b, "duplicate tensor name 'dup'");
    /* Two tensors on the same bytes (found by fuzz_gguf: a 1 MB file naming
     * one block hundreds of times made the loader allocate gigabytes). */
    hdr(&b, 3, 2, 0), tinfo(&b, "a", 1, one16, GGML_TYPE_F32, 0),
        tinfo(&b, "b", 1, one16, GGML_TYPE_F32, 32), tdata(&b, 32, 128);
    expect_bad("tensors whose data overlap", &b, "overlaps tensor 'a' (offset 0, 64 bytes)");
    hdr(&b, 3, 1, 0), gwb_str(&b, "tensor.name"), gwb_u32(&b, 4), gwb_u64(&b, 16), gwb_u64(&b, 16);
    expect_bad("a truncated tensor info", &b, "truncated");
    hdr(&b, 3, 1, 0), tinfo(&b, "bad\x01name", 1, one16, 2, 0), tdata(&b, 32, 64);
    expect_bad("an unprintable name (shown safely)", &b, "tensor 'bad?name'");
}

/* ---- every tensor type of the table (issue 18) ----------------------------- */

/* Raw data for N elements of T: random blocks for block types, random
 * floats converted for F32/F16/BF16.  Caller frees. */
static uint8_t *some_data(const GgmlTypeTraits *t, uint64_t n, size_t *bytes) {
    static uint64_t state = 0x5DEECE66Dull;
    *bytes = gw_type_bytes(t->id, n);
    uint8_t *buf = malloc(*bytes);
    if (t->block_elems > 1) {
        gw_random_blocks(t->id, n, 1.0f, &state, buf);
        return buf;
    }
    for (uint64_t i = 0; i < n; i++) {
        float f = gw_frand(&state);
        uint32_t v;
        if (t->id == GGML_TYPE_F32) memcpy(&v, &f, 4);
        else v = t->id == GGML_TYPE_F16 ? gw_f32_to_f16(f) : gw_f32_to_bf16(f);
        for (uint32_t k = 0; k < t->block_bytes; k++) buf[i * t->block_bytes + k] = (uint8_t)(v >> (8 * k));
    }
    return buf;
}

static void test_every_type(void) {
    /* One file holding a (2 blocks, 3 rows) tensor of every type. */
    GgufWriter *w = gw_new(3);
    size_t nt = ggml_type_count();
    uint8_t **raw = calloc(nt, sizeof *raw);
    for (size_t i = 0; i < nt; i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        uint64_t dims[2] = {2 * (uint64_t)t->block_elems, 3};
        size_t bytes;
        raw[i] = some_data(t, dims[0] * dims[1], &bytes);
        gw_add_tensor_raw(w, t->name, 2, dims, (uint32_t)t->id, raw[i], bytes);
    }
    size_t size;
    uint8_t *file = gw_serialize(w, &size);
    gw_free(w);
    Gguf *g = NULL;
    int rc = gguf_open_buffer(&g, file, size, "types.gguf", err, sizeof err);
    ok(rc == 0, "a file with a tensor of each of the %zu types opens%s%s", nt, rc ? ": " : "",
       rc ? err : "");
    for (size_t i = 0; g && i < nt; i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        const GgufTensor *tt = gguf_find_tensor(g, t->name);
        uint64_t n = 6 * (uint64_t)t->block_elems;
        bool shape = tt && tt->type == t->id && tt->traits == t && tt->n_elements == n &&
                     tt->n_bytes == 6 * (uint64_t)t->block_bytes &&
                     memcmp(tt->data, raw[i], (size_t)tt->n_bytes) == 0;
        /* Whole, and row by row from the middle of the data: the same floats,
         * all finite (the random blocks' scales are sane). */
        float *all = malloc((size_t)n * sizeof *all), *rows = malloc((size_t)n * sizeof *rows);
        bool conv = shape && gguf_tensor_to_f32(tt, 0, n, all, err, sizeof err) == 0;
        for (int r = 2; conv && r >= 0; r--)
            conv = gguf_tensor_to_f32(tt, (uint64_t)r * n / 3, n / 3, rows + (uint64_t)r * n / 3,
                                      err, sizeof err) == 0;
        bool same = conv && memcmp(all, rows, (size_t)n * sizeof *all) == 0, finite = same;
        for (uint64_t k = 0; finite && k < n; k++) finite = isfinite(all[k]);
        ok(shape && same && finite,
           "%s: type %u, %u elements in %u bytes per block: shape, bytes, and conversion whole = by rows, finite",
           t->name, (unsigned)t->id, t->block_elems, t->block_bytes);
        if (!conv) diag("%s", err);
        /* Off a block boundary is refused (block types). */
        if (t->block_elems > 1) {
            rc = gguf_tensor_to_f32(tt, 1, t->block_elems, rows, err, sizeof err);
            ok(rc != 0 && strstr(err, t->name) && strstr(err, "blocks"),
               "%s: a range off its %u-element blocks is refused: %s", t->name, t->block_elems, err);
        }
        free(all), free(rows);
    }
    gguf_close(g);
    free(file);
    for (size_t i = 0; i < nt; i++) free(raw[i]);
    free(raw);

    /* Malformed files of each block type: the last block cut short, and a row
     * (dims[0]) that is not whole blocks.  Both name the tensor. */
    GwBuf b = {0};
    for (size_t i = 0; i < nt; i++) {
        const GgmlTypeTraits *t = ggml_type_at(i);
        uint64_t dims[2] = {2 * (uint64_t)t->block_elems, 2};
        char label[96], want[160];
        snprintf(label, sizeof label, "%s with its last block one byte short", t->name);
        tensor_file(&b, 2, dims, (uint32_t)t->id, 0, 4 * (size_t)t->block_bytes - 1);
        snprintf(want, sizeof want, "'blk.0.attn_q.weight': data (offset 0, %u bytes) runs past end",
                 4 * t->block_bytes);
        expect_bad(label, &b, want);
        if (t->block_elems == 1) continue;
        dims[0] = t->block_elems + 16;
        snprintf(label, sizeof label, "%s with dims[0] = %llu", t->name, (unsigned long long)dims[0]);
        tensor_file(&b, 2, dims, (uint32_t)t->id, 0, 8 * (size_t)t->block_bytes);
        snprintf(want, sizeof want,
                 "'blk.0.attn_q.weight': %s needs dims[0] (%llu) to be a multiple of its block of %u elements",
                 t->name, (unsigned long long)dims[0], t->block_elems);
        expect_bad(label, &b, want);
    }

    /* Types ggml has and we do not read: refused by name, with the list. */
    char supported[256], want[400];
    ggml_type_supported(supported, sizeof supported);
    ok(strcmp(supported, "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, "
                         "Q6_K, IQ4_NL, IQ4_XS") == 0,
       "the supported list is the table's 15 types: %s", supported);
    const struct { uint32_t id; const char *name; } refused[] = {
        {9, "Q8_1"}, {15, "Q8_K"}, {16, "IQ2_XXS"}, {19, "IQ1_S"}, {21, "IQ3_S"}, {28, "F64"},
        {35, "TQ2_0"}, {4, "unknown"}, {1000, "unknown"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "type %u (%s) by name with the supported list", refused[i].id,
                 refused[i].name);
        snprintf(want, sizeof want, "'blk.0.attn_q.weight': unsupported tensor type %u (%s); supported: %s",
                 refused[i].id, refused[i].name, supported);
        tensor_file(&b, 1, (const uint64_t[]){256}, refused[i].id, 0, 1024);
        expect_bad(label, &b, want);
    }
    for (uint32_t id = 0; id < 64; id++) {
        const GgmlTypeTraits *t = ggml_type_find(id);
        if (t && (t->id != id || strcmp(t->name, ggml_type_name(id)) != 0 || t->dot_row))
            ok(0, "row %u: id %u, name %s (ggml's %s), kernel slot %s", id, (unsigned)t->id,
               t->name, ggml_type_name(id), t->dot_row ? "set" : "NULL");
    }
    ok(ggml_ftype_name(15) && strcmp(ggml_ftype_name(15), "mostly Q4_K_M") == 0 &&
           strcmp(ggml_ftype_name(0), "all F32") == 0 && strcmp(ggml_ftype_name(32), "mostly BF16") == 0 &&
           strcmp(ggml_ftype_name(30), "mostly IQ4_XS") == 0 && ggml_ftype_name(5) == NULL,
       "file types: 15 is mostly Q4_K_M, 0 all F32, 32 mostly BF16, 30 mostly IQ4_XS, 5 retired");
}

/* ---- non-finite weights are refused at load ----------------------------- */

/* A one-layer model (width 32, 2 heads, 8 pieces) whose matrices are random
 * Q4_0 blocks; DAMAGE (may be NULL) spoils the named tensor's bytes first. */
static const char *damage_name;
static void (*damage)(uint8_t *data, size_t bytes);

static void add_weight(GgufWriter *w, const char *name, uint64_t d0, uint64_t d1, GgmlType type) {
    static uint64_t state = 0x9E3779B97F4A7C15ull;
    uint64_t dims[2] = {d0, d1 ? d1 : 1};
    uint64_t n = dims[0] * dims[1];
    size_t bytes = gw_type_bytes(type, n);
    uint8_t *buf = malloc(bytes);
    if (type == GGML_TYPE_F32)
        for (uint64_t i = 0; i < n; i++) {
            float one = 1.0f;
            memcpy(buf + 4 * i, &one, 4);
        }
    else
        gw_random_blocks(type, n, 0.5f, &state, buf);
    if (damage && strcmp(name, damage_name) == 0) damage(buf, bytes);
    gw_add_tensor_raw(w, name, d1 ? 2 : 1, dims, (uint32_t)type, buf, bytes);
    free(buf);
}

static int write_tiny_model(const char *path) {
    GgufWriter *w = gw_new(3);
    gw_add_llama_keys(w, NULL, "tiny", 1, 32, 32, 2, 2, 16, 16);
    gw_add_str(w, "tokenizer.ggml.model", "llama");
    const char *pieces[] = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "c", "\xE2\x96\x81" "a"};
    float scores[8] = {0, 0, 0, -1, -2, -3, -4, -5};
    int32_t types[8] = {2, 3, 3, 1, 1, 1, 1, 1};
    gw_add_str_array(w, "tokenizer.ggml.tokens", pieces, 8);
    gw_add_f32_array(w, "tokenizer.ggml.scores", scores, 8);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, 8);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", 1);
    add_weight(w, "token_embd.weight", 32, 8, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.attn_norm.weight", 32, 0, GGML_TYPE_F32);
    add_weight(w, "blk.0.attn_q.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.attn_k.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.attn_v.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.attn_output.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.ffn_norm.weight", 32, 0, GGML_TYPE_F32);
    add_weight(w, "blk.0.ffn_gate.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.ffn_up.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "blk.0.ffn_down.weight", 32, 32, GGML_TYPE_Q4_0);
    add_weight(w, "output_norm.weight", 32, 0, GGML_TYPE_F32);
    int rc = gw_write_file(w, path);
    gw_free(w);
    return rc;
}

/* Block 3's fp16 scale (bytes 54, 55 of Q4_0's 18-byte blocks) made inf or NaN. */
static void inf_scale(uint8_t *d, size_t n) { (void)n, d[3 * 18] = 0x00, d[3 * 18 + 1] = 0x7c; }
static void nan_scale(uint8_t *d, size_t n) { (void)n, d[0] = 0x00, d[1] = 0x7e; }
/* Element 5 of an F32 tensor (mapped, not converted) made NaN, or -inf. */
static void nan_f32(uint8_t *d, size_t n) { (void)n, memcpy(d + 20, (const uint8_t[]){0, 0, 0xc0, 0x7f}, 4); }
static void inf_f32(uint8_t *d, size_t n) { (void)n, memcpy(d + 20, (const uint8_t[]){0, 0, 0x80, 0xff}, 4); }

static void test_nonfinite(void) {
    char path[256];
    int fd = make_temp(path, sizeof path);
    if (fd < 0) {
        ok(0, "non-finite: a temporary file");
        return;
    }
    close(fd);
    const struct {
        const char *tensor;
        void (*fn)(uint8_t *, size_t);
        const char *what;
        unsigned element;
    } cases[] = {
        {NULL, NULL, "no damage", 0},
        {"blk.0.attn_k.weight", inf_scale, "a Q4_0 block scale of +inf (block 3)", 96},
        {"token_embd.weight", nan_scale, "a Q4_0 block scale of NaN (block 0)", 0},
        {"blk.0.attn_norm.weight", nan_f32, "an F32 NaN, read from the mapping", 5},
        {"output_norm.weight", inf_f32, "an F32 -inf", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        damage_name = cases[i].tensor, damage = cases[i].fn;
        Model *m = NULL;
        err[0] = '\0';
        int rc = write_tiny_model(path) ? -2 : model_open(&m, path, err, sizeof err);
        if (!cases[i].tensor) {
            ok(rc == 0, "non-finite: the tiny Q4_0 model loads undamaged%s%s", rc ? ": " : "", err);
        } else {
            char want[sizeof err];
            snprintf(want, sizeof want, "%s: tensor '%s' has a value that is not finite (element %u)",
                     path, cases[i].tensor, cases[i].element);
            ok(rc != 0 && m == NULL && strcmp(err, want) == 0, "non-finite: %s is refused at load: %s",
               cases[i].what, err);
            if (strcmp(err, want) != 0) diag("wanted: %s", want);
        }
        model_close(m);
    }
    damage = NULL;
    unlink(path);
}

/* ---- truncations and mutations ------------------------------------------ */

static void test_truncations(const uint8_t *file, size_t size) {
    size_t rejected = 0;
    bool reported = false;
    for (size_t len = 0; len < size; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        if (len) memcpy(cut, file, len);
        Gguf *g = NULL;
        err[0] = '\0';
        int rc = gguf_open_buffer(&g, cut, len, "cut.gguf", err, sizeof err);
        if (rc != 0 && g == NULL && strncmp(err, "cut.gguf: ", 10) == 0 && err[10]) {
            rejected++;
        } else if (!reported) {
            reported = true;
            diag("length %zu: rc %d, message \"%s\"", len, rc, err);
        }
        gguf_close(g);
        free(cut);
    }
    ok(rejected == size, "all %zu truncations rejected with a message (%zu were)", size, rejected);
}

/* xorshift64*: a fixed seed makes every run test the same mutants. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void mutate(uint8_t *m, size_t region, size_t size) {
    static const uint64_t interesting[] = {0, 1, 2, 4, 5, 31, 32, 0x7f, 0xff, 1ull << 31,
                                           1ull << 32, 1ull << 62, UINT64_MAX, UINT64_MAX - 31};
    int edits = 1 + (int)(rng() % 3);
    for (int e = 0; e < edits; e++) {
        size_t at = (size_t)(rng() % region);
        switch (rng() % 5) {
        case 0: m[at] ^= (uint8_t)(1u << (rng() % 8)); break;
        case 1: m[at] = 0xff; break;
        case 2: m[at] = 0x00; break;
        case 3: m[at] = (uint8_t)rng(); break;
        default: {
            uint64_t v = rng() % 2 ? rng() : interesting[rng() % (sizeof interesting / 8)];
            if (rng() % 4 == 0) v = size + rng() % 64 - 32; /* lengths near the file size */
            for (int k = 0; k < 8 && at + k < size; k++) m[at + k] = (uint8_t)(v >> (8 * k));
        }
        }
    }
}

/* Whatever a successful open hands out must lie inside the buffer. */
static int audit(const Gguf *g, const uint8_t *buf, size_t size) {
    int bad = 0;
    const uint8_t *end = buf + size;
    volatile unsigned sink = 0;
    for (uint64_t i = 0; i < gguf_kv_count(g); i++) {
        const GgufKV *kv = gguf_kv_at(g, i);
        const uint8_t *k = (const uint8_t *)kv->key.ptr;
        if (k < buf || kv->key.len > (uint64_t)(end - k)) bad++;
        if (kv->type == GGUF_TYPE_STRING)
            for (uint64_t j = 0; j < kv->v.str.len; j++) sink += (unsigned char)kv->v.str.ptr[j];
        if (kv->type == GGUF_TYPE_ARRAY && kv->arr_type == GGUF_TYPE_STRING)
            for (uint64_t a = 0; a < kv->arr_count; a++)
                for (uint64_t j = 0; j < kv->arr_strs[a].len; j++)
                    sink += (unsigned char)kv->arr_strs[a].ptr[j];
    }
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor_at(g, i);
        const uint8_t *d = t->data;
        if (d < buf || d > end || t->n_bytes > (uint64_t)(end - d)) {
            bad++;
            continue;
        }
        float *v = malloc((size_t)t->n_elements * sizeof *v + 1);
        if (gguf_tensor_to_f32(t, 0, t->n_elements, v, err, sizeof err) != 0) bad++;
        free(v);
    }
    uint32_t u;
    gguf_get_u32(g, "t.u32", &u, err, sizeof err);
    gguf_get_str(g, "general.architecture", err, sizeof err);
    (void)sink;
    return bad;
}

static void test_mutations(const uint8_t *file, size_t size, size_t region) {
    enum { N_MUTANTS = 4000 };
    int accepted = 0, rejected = 0, broken = 0;
    uint8_t *m = malloc(size);
    for (int i = 0; i < N_MUTANTS; i++) {
        memcpy(m, file, size);
        mutate(m, region, size);
        Gguf *g = NULL;
        err[0] = '\0';
        if (gguf_open_buffer(&g, m, size, "mutant.gguf", err, sizeof err) == 0) {
            accepted++;
            if (audit(g, m, size) && broken++ == 0) diag("mutant %d: bad views after success", i);
            gguf_close(g);
        } else {
            rejected++;
            if ((g != NULL || strncmp(err, "mutant.gguf: ", 13) != 0 || !err[13]) && broken++ == 0)
                diag("mutant %d: failure without a proper message: \"%s\"", i, err);
        }
    }
    free(m);
    ok(broken == 0 && accepted + rejected == N_MUTANTS,
       "%d mutants of the first %zu bytes: %d rejected with a message, %d accepted and in bounds",
       N_MUTANTS, region, rejected, accepted);
}

static void test_damage(void) {
    GgufWriter *w = build_sample(3, 0);
    size_t size;
    uint8_t *file = gw_serialize(w, &size);
    gw_free(w);
    Gguf *g = NULL;
    if (!ok(gguf_open_buffer(&g, file, size, "whole.gguf", err, sizeof err) == 0,
            "the untouched file opens")) {
        diag("%s", err);
        free(file);
        return;
    }
    /* The header and metadata end where the first tensor's data begins. */
    size_t region = size;
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        size_t at = (size_t)((const uint8_t *)gguf_tensor_at(g, i)->data - file);
        if (at < region) region = at;
    }
    gguf_close(g);
    test_truncations(file, size);
    test_mutations(file, size, region);
    free(file);
}

/* ---- the reference model ------------------------------------------------- */

static void test_reference_model(void) {
    const char *shared = test_shared_dir();
    char path[4096];
    if (!shared) {
        skip("../shared not found (set ATTNSCOPE_SHARED)");
        return;
    }
    snprintf(path, sizeof path, "%s/models/ref260K.gguf", shared);
    Gguf *g = NULL;
    if (!ok(gguf_open(&g, path, err, sizeof err) == 0, "opens %s", path)) {
        diag("%s", err);
        return;
    }
    is_int(gguf_version(g), 3, "ref260K: version 3");
    is_int(gguf_tensor_count(g), 47, "ref260K: 47 tensors");
    is_int(gguf_kv_count(g), 22, "ref260K: 22 KVs");
    const GgufStr *arch = gguf_get_str(g, "general.architecture", err, sizeof err);
    ok(arch && gguf_str_eq(*arch, "llama"), "ref260K: architecture llama");
    uint32_t blocks = 0;
    ok(gguf_get_u32(g, "llama.block_count", &blocks, err, sizeof err) == 0 && blocks == 5,
       "ref260K: block_count 5");
    const GgufKV *tok = gguf_find_kv(g, "tokenizer.ggml.tokens");
    ok(tok && tok->type == GGUF_TYPE_ARRAY && tok->arr_type == GGUF_TYPE_STRING &&
           tok->arr_count == 512 && tok->arr_strs && gguf_str_eq(tok->arr_strs[1], "<s>"),
       "ref260K: 512 tokens, token 1 is <s>");
    const GgufTensor *t = gguf_find_tensor(g, "token_embd.weight");
    ok(t && t->n_dims == 2 && t->dims[0] == 64 && t->dims[1] == 512 && t->type == GGML_TYPE_F32,
       "ref260K: token_embd.weight is F32 (64, 512)");
    group_fails = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *ti = gguf_tensor_at(g, i);
        CHECK(ti->type == GGML_TYPE_F32, "tensor %llu is not F32", (unsigned long long)i);
        float *v = all_f32(ti);
        for (uint64_t j = 0; v && j < ti->n_elements; j++)
            if (!isfinite(v[j])) {
                CHECK(0, "tensor %llu element %llu not finite", (unsigned long long)i,
                      (unsigned long long)j);
                break;
            }
        free(v);
    }
    ok(group_fails == 0, "ref260K: every tensor converts to finite floats");
    gguf_close(g);
}

/* gguf_tensor_release drops the mapped pages of a converted tensor: reading
 * the tensor again must still give the file's bytes (a private file mapping
 * faults them back in), and on a buffer it must change nothing. */
static void test_release(void) {
    enum { N = 3 * 4096 + 100 }; /* several pages of F16, not page-aligned */
    float *v = malloc(N * sizeof *v);
    uint64_t rng = 7, dims[1] = {N};
    for (int i = 0; i < N; i++) v[i] = gw_frand(&rng);
    GgufWriter *w = gw_new(3);
    gw_add_str(w, "general.architecture", "llama");
    gw_add_tensor(w, "a", 1, dims, GGML_TYPE_F32, v);
    gw_add_tensor(w, "b", 1, dims, GGML_TYPE_F16, v);
    char path[4096];
    int fd = make_temp(path, sizeof path);
    if (fd >= 0) close(fd);
    size_t n;
    uint8_t *buf = gw_serialize(w, &n);
    int wrc = fd >= 0 ? gw_write_file(w, path) : -1;
    gw_free(w);
    Gguf *g = NULL, *mem = NULL;
    if (!ok(wrc == 0 && gguf_open(&g, path, err, sizeof err) == 0 &&
                gguf_open_buffer(&mem, buf, n, "mem", err, sizeof err) == 0,
            "release: a two-tensor file, mapped and in memory")) {
        diag("%s", err);
    } else {
        group_fails = 0;
        Gguf *both[2] = {g, mem};
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < 2; i++) {
                const GgufTensor *t = gguf_tensor_at(both[k], (uint64_t)i);
                uint8_t *copy = malloc((size_t)t->n_bytes);
                memcpy(copy, t->data, (size_t)t->n_bytes);
                gguf_tensor_release(both[k], t);
                CHECK(memcmp(copy, t->data, (size_t)t->n_bytes) == 0,
                      "%s tensor %d changed after release", k ? "buffer" : "mapped", i);
                float *f = all_f32(t);
                for (int j = 0; f && j < N; j++)
                    CHECK(fabsf(f[j] - v[j]) <= (i ? 1e-3f : 0.0f), "value %d", j);
                free(f);
                free(copy);
            }
        ok(group_fails == 0, "release: tensors read back unchanged, mapped (re-read from the file) and in memory (untouched)");
    }
    gguf_tensor_release(NULL, NULL); /* both NULL: nothing to do */
    gguf_close(g);
    gguf_close(mem);
    free(buf);
    free(v);
    if (fd >= 0) unlink(path);
}

int main(void) {
    check_sample_buffer(3, 0, "v3");
    check_sample_buffer(2, 0, "v2");
    check_sample_buffer(3, 64, "v3 align 64");
    check_sample_buffer(3, 32, "v3 explicit align 32");
    check_sample_buffer(2, 256, "v2 align 256");
    test_getters();
    test_half_conversions();
    test_files();
    test_release();
    test_bad_files();
    test_every_type();
    test_nonfinite();
    test_damage();
    test_reference_model();
    done_testing();
    return exit_status();
}
