/*
 * fuzz_gguf.c - bytes as a GGUF file: the reader, every tensor conversion,
 * the model loader and, for models small enough, a short forward pass.
 *
 * Besides what ASan and UBSan catch, the reader's promises are checked:
 * every string and tensor it hands out lies inside the buffer, sizes agree
 * with shapes and types, lookups find what the walk saw.  The Model borrows
 * F32 weights from the input, so it is closed before returning.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "fuzz_util.h"
#include "gguf.h"
#include "model.h"
#include "tokenizer.h"
#include "trace.h"

/* Keep each run fast: elements converted per input, and the forward pass. */
#define MAX_CONVERT (1u << 20)
#define MAX_VOCAB (1 << 16)
#define MAX_TOKENS 8
#define TEXT "The cat sat on the mat. caf\xC3\xA9 \xE6\x97\xA5 \xFF"

static const uint8_t *lo, *hi; /* the input, for bounds checks */

static bool inside(const void *p, uint64_t n)
{
    const uint8_t *b = p;
    return n == 0 || (b >= lo && b <= hi && n <= (uint64_t)(hi - b));
}

static uint64_t sink; /* keeps the touching loops from being optimised away */

static void touch(const void *p, uint64_t n)
{
    const uint8_t *b = p;
    for (uint64_t i = 0; i < n; i++) sink += b[i];
}

static size_t elem_size(GgufType t)
{
    switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64: case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

/* A key as a C string for the getters, or false when it holds a NUL. */
static bool cstr(GgufStr s, char *buf, size_t cap)
{
    if (s.len >= cap || (s.len && memchr(s.ptr, '\0', (size_t)s.len))) return false;
    if (s.len) memcpy(buf, s.ptr, (size_t)s.len);
    buf[s.len] = '\0';
    return true;
}

static void walk_kvs(const Gguf *g)
{
    char err[512], key[256];
    for (uint64_t i = 0; i < gguf_kv_count(g); i++) {
        const GgufKV *kv = gguf_kv_at(g, i);
        FUZZ_CHECK(kv != NULL, "KV %llu of %llu", (unsigned long long)i,
                   (unsigned long long)gguf_kv_count(g));
        FUZZ_CHECK(inside(kv->key.ptr, kv->key.len), "key %llu outside the input",
                   (unsigned long long)i);
        touch(kv->key.ptr, kv->key.len);
        (void)gguf_type_name(kv->type);
        if (kv->type == GGUF_TYPE_STRING) {
            FUZZ_CHECK(inside(kv->v.str.ptr, kv->v.str.len), "string value outside the input");
            touch(kv->v.str.ptr, kv->v.str.len);
        } else if (kv->type == GGUF_TYPE_ARRAY) {
            if (kv->arr_type == GGUF_TYPE_STRING) {
                FUZZ_CHECK(kv->arr_count == 0 || kv->arr_strs, "string array without views");
                for (uint64_t j = 0; j < kv->arr_count; j++) {
                    FUZZ_CHECK(inside(kv->arr_strs[j].ptr, kv->arr_strs[j].len),
                               "array string %llu outside the input", (unsigned long long)j);
                    touch(kv->arr_strs[j].ptr, kv->arr_strs[j].len);
                }
            } else {
                size_t es = elem_size(kv->arr_type);
                FUZZ_CHECK(es > 0, "array of type %d", (int)kv->arr_type);
                FUZZ_CHECK(kv->arr_count <= UINT64_MAX / es &&
                               inside(kv->arr_data, kv->arr_count * es),
                           "array data outside the input");
                touch(kv->arr_data, kv->arr_count * es);
            }
        } else {
            FUZZ_CHECK(elem_size(kv->type) > 0, "scalar of type %d", (int)kv->type);
        }
        if (cstr(kv->key, key, sizeof key)) {
            /* Keys are unique, so the lookup finds this very entry. */
            FUZZ_CHECK(gguf_find_kv(g, key) == kv, "gguf_find_kv('%s') finds another entry", key);
            uint32_t u;
            float f;
            bool b;
            (void)gguf_get_u32(g, key, &u, err, sizeof err);
            (void)gguf_get_f32(g, key, &f, err, sizeof err);
            (void)gguf_get_bool(g, key, &b, err, sizeof err);
            const GgufStr *s = gguf_get_str(g, key, err, sizeof err);
            FUZZ_CHECK(!s || kv->type == GGUF_TYPE_STRING, "gguf_get_str on a non-string");
        }
    }
    FUZZ_CHECK(gguf_kv_at(g, gguf_kv_count(g)) == NULL, "gguf_kv_at past the end");
}

/* Bytes of T from the type table, or UINT64_MAX when its type has no row,
 * is not whole blocks or overflows (the reader must have refused those). */
static uint64_t expected_bytes(const GgufTensor *t)
{
    const GgmlTypeTraits *tr = ggml_type_find((uint32_t)t->type);
    uint64_t bytes;
    if (!tr || ggml_type_bytes(tr, t->n_elements, &bytes)) return UINT64_MAX;
    return bytes;
}

static void walk_tensors(const Gguf *g)
{
    char err[512], name[256];
    uint64_t budget = MAX_CONVERT;
    float *buf = NULL;
    uint64_t align = gguf_alignment(g);
    FUZZ_CHECK(align > 0 && (align & (align - 1)) == 0, "alignment %llu",
               (unsigned long long)align);
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor_at(g, i);
        FUZZ_CHECK(t != NULL, "tensor %llu", (unsigned long long)i);
        FUZZ_CHECK(inside(t->name.ptr, t->name.len), "tensor name outside the input");
        FUZZ_CHECK(t->n_dims >= 1 && t->n_dims <= GGUF_MAX_DIMS, "n_dims %u", t->n_dims);
        uint64_t n = 1;
        for (int d = 0; d < GGUF_MAX_DIMS; d++) {
            FUZZ_CHECK(t->dims[d] >= 1, "dims[%d] is 0", d);
            FUZZ_CHECK(!__builtin_mul_overflow(n, t->dims[d], &n), "element count overflows");
        }
        FUZZ_CHECK(n == t->n_elements, "n_elements %llu, dims give %llu",
                   (unsigned long long)t->n_elements, (unsigned long long)n);
        const GgmlTypeTraits *tr = ggml_type_find((uint32_t)t->type);
        FUZZ_CHECK(tr != NULL && t->traits == tr, "type %u (%s) opened without its table row",
                   (unsigned)t->type, ggml_type_name((uint32_t)t->type));
        uint64_t be = tr->block_elems;
        /* ggml quantizes rows: a row (dims[0]) is whole blocks. */
        FUZZ_CHECK(t->dims[0] % be == 0, "%s with dims[0] %llu", tr->name,
                   (unsigned long long)t->dims[0]);
        FUZZ_CHECK(t->n_bytes == expected_bytes(t), "n_bytes %llu for %llu elements of %s",
                   (unsigned long long)t->n_bytes, (unsigned long long)t->n_elements,
                   ggml_type_name(t->type));
        FUZZ_CHECK(t->offset % align == 0, "offset %llu not aligned to %llu",
                   (unsigned long long)t->offset, (unsigned long long)align);
        FUZZ_CHECK(inside(t->data, t->n_bytes), "tensor data outside the input");
        if (cstr(t->name, name, sizeof name))
            FUZZ_CHECK(gguf_find_tensor(g, name) == t, "gguf_find_tensor('%s') finds another",
                       name);

        /* Convert what the budget allows, in two pieces when it can, so
         * ranges that do not start at 0 are exercised too. */
        uint64_t count = t->n_elements < budget ? t->n_elements : budget;
        count -= count % be;
        budget -= count;
        if (count == 0) continue;
        float *nb = realloc(buf, (size_t)count * sizeof *buf);
        if (!nb) break;
        buf = nb;
        uint64_t half = count / 2;
        half -= half % be;
        int rc = gguf_tensor_to_f32(t, 0, half, buf, err, sizeof err);
        FUZZ_CHECK(rc == 0, "converting the first %llu elements: %s", (unsigned long long)half,
                   err);
        rc = gguf_tensor_to_f32(t, half, count - half, buf + half, err, sizeof err);
        FUZZ_CHECK(rc == 0, "converting %llu..+%llu: %s", (unsigned long long)half,
                   (unsigned long long)(count - half), err);
        /* Out of range, or cutting a block, must be refused, not read. */
        if (be > 1) {
            FUZZ_CHECK(gguf_tensor_to_f32(t, be / 2, be, buf, err, sizeof err) != 0,
                       "%s: a range starting inside a block was converted", tr->name);
            FUZZ_CHECK(gguf_tensor_to_f32(t, 0, be - 1, buf, err, sizeof err) != 0,
                       "%s: a range ending inside a block was converted", tr->name);
        }
        FUZZ_CHECK(gguf_tensor_to_f32(t, t->n_elements, 1, buf, err, sizeof err) != 0,
                   "a conversion past the end succeeded");
        FUZZ_CHECK(gguf_tensor_to_f32(t, UINT64_MAX, 2, buf, err, sizeof err) != 0,
                   "a conversion whose range overflows succeeded");
    }
    free(buf);
    FUZZ_CHECK(gguf_tensor_at(g, gguf_tensor_count(g)) == NULL, "gguf_tensor_at past the end");
}

static void run_model(const Model *m)
{
    char err[512];
    const ModelConfig *c = &m->cfg;
    FUZZ_CHECK(c->n_heads % c->n_kv_heads == 0, "heads %d, kv heads %d", c->n_heads,
               c->n_kv_heads);
    FUZZ_CHECK(c->rope_dim <= c->head_dim && c->rope_dim % 2 == 0, "rope_dim %d, head_dim %d",
               c->rope_dim, c->head_dim);
    FUZZ_CHECK(c->vocab == tokenizer_vocab_size(m->tok), "vocab");
    if (c->vocab > MAX_VOCAB) return;
    Token *toks = NULL;
    size_t n = 0;
    int rc = tokenizer_encode(m->tok, TEXT, strlen(TEXT), 0, &toks, &n, err, sizeof err);
    FUZZ_CHECK(rc == 0, "tokenizer_encode: %s", err);
    int32_t ids[MAX_TOKENS];
    int k = n < MAX_TOKENS ? (int)n : MAX_TOKENS;
    for (int i = 0; i < k; i++) {
        ids[i] = toks[i].id;
        FUZZ_CHECK(ids[i] >= 0 && ids[i] < c->vocab, "token id %d of vocab %d", ids[i],
                   c->vocab);
    }
    free(toks);
    if (k > c->context) k = c->context;
    if (k == 0) return;
    AttentionTrace *t = NULL;
    rc = forward_run(m, ids, k, &t, err, sizeof err);
    if (rc) return; /* out of memory is allowed; anything else is checked below */
    FUZZ_CHECK(t->n_tokens == k && t->n_layers == c->n_layers && t->n_heads == c->n_heads,
               "trace shape");
    /* The causal mask holds whatever the weights: above the diagonal is 0. */
    for (int l = 0; l < t->n_layers; l++)
        for (int h = 0; h < t->n_heads; h++) {
            const float *a = trace_attn(t, l, h);
            for (int q = 0; q < k; q++)
                for (int j = q + 1; j < k; j++)
                    FUZZ_CHECK(a[q * k + j] == 0.0f, "layer %d head %d: weight %g at (%d, %d)",
                               l, h, (double)a[q * k + j], q, j);
        }
    float *logits = malloc((size_t)c->vocab * sizeof *logits);
    float *row = malloc((size_t)k * sizeof *row);
    if (logits && row) {
        forward_logits(m, t, 0, logits);
        AttentionRow r = {NULL, NULL, row};
        trace_row(t, t->n_layers - 1, t->n_heads - 1, k - 1, &r);
    }
    free(logits);
    free(row);
    trace_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    Gguf *g = NULL;
    lo = data;
    hi = data + size;
    if (gguf_open_buffer(&g, data, size, "fuzz.gguf", err, sizeof err)) {
        FUZZ_CHECK(g == NULL, "failed open left a Gguf");
        FUZZ_CHECK(err[0] != '\0', "failed open without a message");
        return 0;
    }
    FUZZ_CHECK(gguf_version(g) == 2 || gguf_version(g) == 3, "version %u", gguf_version(g));
    FUZZ_CHECK(gguf_file_size(g) == size, "file size");
    walk_kvs(g);
    walk_tensors(g);

    Model *m = NULL;
    if (model_from_gguf(&m, g, err, sizeof err)) { /* it closed g */
        FUZZ_CHECK(m == NULL, "failed load left a Model");
        FUZZ_CHECK(err[0] != '\0', "failed load without a message");
        return 0;
    }
    run_model(m);
    model_close(m);
    return 0;
}
