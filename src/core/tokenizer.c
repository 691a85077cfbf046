/*
 * tokenizer.c - SentencePiece BPE as llama.cpp's "llama" (SPM) tokenizer does it.
 *
 * Encoding works on a normalised copy of the text ("▁" prefix, spaces -> "▁")
 * with an offset table that maps every normalised byte back to the original,
 * so token spans come out without any further bookkeeping.  Merging is the
 * classic sentencepiece/llama.cpp scheme: a doubly linked list of symbols and
 * a binary max-heap of candidate bigrams; an entry goes stale when either of
 * its symbols has changed since it was pushed, and is then skipped.
 */
#include "tokenizer.h"
#include "error.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

struct Tokenizer {
    int32_t n;            /* vocabulary size */
    char *blob;           /* all pieces, each NUL-terminated */
    size_t *off;          /* (n + 1) offsets into blob; piece i has length off[i+1]-off[i]-1 */
    float *scores;        /* (n) */
    int32_t *types;       /* (n) */
    int32_t bos_id;       /* prepended when >= 0 */
    int add_space_prefix;
    int32_t unk_id;
    int32_t byte_id[256]; /* id of "<0xXX>", or unk_id */
    int32_t *table;       /* open addressing over mergeable pieces; -1 = empty */
    size_t table_mask;
};

/* malloc of COUNT * SIZE bytes with an overflow check; never asks for 0 bytes. */
static void *alloc_array(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size;
    return malloc(bytes ? bytes : 1);
}

/* Only these may result from merging or stand for a symbol of the text. */
static int mergeable(int32_t type) {
    return type == TOKEN_TYPE_NORMAL || type == TOKEN_TYPE_USER_DEFINED;
}

static size_t piece_len(const Tokenizer *t, int32_t id) {
    return t->off[id + 1] - t->off[id] - 1;
}

static uint64_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The mergeable piece equal to S[0, LEN), or -1. */
static int32_t lookup(const Tokenizer *t, const char *s, size_t len) {
    size_t i = (size_t)hash_bytes(s, len) & t->table_mask;
    for (;;) {
        int32_t id = t->table[i];
        if (id < 0) return -1;
        if (piece_len(t, id) == len && memcmp(t->blob + t->off[id], s, len) == 0) return id;
        i = (i + 1) & t->table_mask;
    }
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The byte B when piece ID is exactly "<0xHH>" (uppercase hex), else -1. */
static int byte_piece_value(const Tokenizer *t, int32_t id) {
    const char *p = t->blob + t->off[id];
    if (piece_len(t, id) != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>') return -1;
    int hi = hex_digit(p[3]), lo = hex_digit(p[4]);
    if (hi < 0 || lo < 0) return -1;
    return hi * 16 + lo;
}

/* Shared by both constructors: copies N pieces (length-counted, NUL-free),
 * scores (NULL: 0) and types (NULL: NORMAL), then builds the lookup tables.
 * UNK_ID < 0 means: the first UNKNOWN piece, else 0. */
static int build(Tokenizer **out, const GgufStr *strs, const float *scores, const int32_t *types,
                 int32_t n, int32_t bos_id, int add_space_prefix, int32_t unk_id,
                 const char *what, char *err, size_t errlen) {
    *out = NULL;
    Tokenizer *t = calloc(1, sizeof *t);
    if (!t) goto oom;
    t->n = n;
    t->bos_id = bos_id;
    t->add_space_prefix = add_space_prefix;

    size_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        if (strs[i].len >= SIZE_MAX - total - 1) goto oom;
        if (strs[i].len && memchr(strs[i].ptr, '\0', (size_t)strs[i].len)) {
            error_set(err, errlen, "%s[%ld] contains a NUL byte", what, (long)i);
            goto fail;
        }
        total += (size_t)strs[i].len + 1;
    }
    t->blob = alloc_array(total, 1);
    t->off = alloc_array((size_t)n + 1, sizeof *t->off);
    t->scores = alloc_array((size_t)n, sizeof *t->scores);
    t->types = alloc_array((size_t)n, sizeof *t->types);
    if (!t->blob || !t->off || !t->scores || !t->types) goto oom;
    size_t pos = 0;
    for (int32_t i = 0; i < n; i++) {
        t->off[i] = pos;
        if (strs[i].len) memcpy(t->blob + pos, strs[i].ptr, (size_t)strs[i].len);
        pos += (size_t)strs[i].len;
        t->blob[pos++] = '\0';
        t->scores[i] = scores ? scores[i] : 0.0f;
        t->types[i] = types ? types[i] : TOKEN_TYPE_NORMAL;
        if (isnan(t->scores[i])) {
            error_set(err, errlen, "the score of %s[%ld] is NaN", what, (long)i);
            goto fail;
        }
    }
    t->off[n] = pos;

    if (unk_id < 0) {
        unk_id = 0;
        for (int32_t i = 0; i < n; i++) {
            if (t->types[i] == TOKEN_TYPE_UNKNOWN) {
                unk_id = i;
                break;
            }
        }
    }
    t->unk_id = unk_id;

    /* Byte pieces: prefer ones typed BYTE, but accept untyped vocabularies. */
    for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
    for (int32_t i = 0; i < n; i++) {
        int b = byte_piece_value(t, i);
        if (b < 0) continue;
        if (t->byte_id[b] < 0 ||
            (t->types[t->byte_id[b]] != TOKEN_TYPE_BYTE && t->types[i] == TOKEN_TYPE_BYTE))
            t->byte_id[b] = i;
    }
    for (int b = 0; b < 256; b++)
        if (t->byte_id[b] < 0) t->byte_id[b] = unk_id;

    size_t cap = 16;
    while (cap < 2 * (size_t)n) cap *= 2;
    t->table = alloc_array(cap, sizeof *t->table);
    if (!t->table) goto oom;
    t->table_mask = cap - 1;
    for (size_t i = 0; i < cap; i++) t->table[i] = -1;
    for (int32_t id = 0; id < n; id++) {
        if (!mergeable(t->types[id])) continue;
        size_t len = piece_len(t, id);
        if (lookup(t, t->blob + t->off[id], len) >= 0) continue; /* duplicate: first wins */
        size_t i = (size_t)hash_bytes(t->blob + t->off[id], len) & t->table_mask;
        while (t->table[i] >= 0) i = (i + 1) & t->table_mask;
        t->table[i] = id;
    }
    *out = t;
    return 0;

oom:
    error_set(err, errlen, "%s: out of memory building the tokenizer", what);
fail:
    tokenizer_free(t);
    return -1;
}

int tokenizer_new(Tokenizer **out, const char *const *pieces, const float *scores,
                  const int32_t *types, int32_t n, int32_t bos_id, int add_space_prefix,
                  char *err, size_t errlen) {
    *out = NULL;
    if (n < 1 || !pieces) {
        error_set(err, errlen, "tokenizer_new: the vocabulary is empty");
        return -1;
    }
    if (bos_id >= n) {
        error_set(err, errlen, "tokenizer_new: BOS id %ld is out of range (vocabulary of %ld)",
                (long)bos_id, (long)n);
        return -1;
    }
    GgufStr *strs = alloc_array((size_t)n, sizeof *strs);
    if (!strs) {
        error_set(err, errlen, "tokenizer_new: out of memory");
        return -1;
    }
    for (int32_t i = 0; i < n; i++) {
        if (!pieces[i]) {
            error_set(err, errlen, "tokenizer_new: piece %ld is NULL", (long)i);
            free(strs);
            return -1;
        }
        strs[i].ptr = pieces[i];
        strs[i].len = strlen(pieces[i]);
    }
    int rc = build(out, strs, scores, types, n, bos_id < 0 ? -1 : bos_id, add_space_prefix, -1,
                   "tokenizer_new: piece", err, errlen);
    free(strs);
    return rc;
}

/* The array KEY when it has ELEM_TYPE elements, NULL when missing; -1 in *rc
 * (with a message) when present but unusable. */
static const GgufKV *find_array(const Gguf *g, const char *key, GgufType elem_type, int *rc,
                                char *err, size_t errlen) {
    const GgufKV *kv = gguf_find_kv(g, key);
    if (!kv) return NULL;
    if (kv->type != GGUF_TYPE_ARRAY) {
        error_set(err, errlen, "%s: %s is a %s, not an array", gguf_name(g), key,
                gguf_type_name(kv->type));
        *rc = -1;
        return NULL;
    }
    if (kv->arr_type != elem_type) {
        error_set(err, errlen, "%s: %s is an array of %s, not of %s", gguf_name(g), key,
                gguf_type_name(kv->arr_type), gguf_type_name(elem_type));
        *rc = -1;
        return NULL;
    }
    return kv;
}

static uint32_t read_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An optional token id KEY into *OUT (left alone when missing), checked against N. */
static int get_opt_id(const Gguf *g, const char *key, int32_t n, int32_t *out, char *err,
                      size_t errlen) {
    if (!gguf_find_kv(g, key)) return 0;
    uint32_t v;
    if (gguf_get_u32(g, key, &v, err, errlen)) return -1;
    if (v >= (uint32_t)n) {
        error_set(err, errlen, "%s: %s is %lu, outside the vocabulary of %ld tokens", gguf_name(g),
                key, (unsigned long)v, (long)n);
        return -1;
    }
    *out = (int32_t)v;
    return 0;
}

static int get_opt_bool(const Gguf *g, const char *key, int *out, char *err, size_t errlen) {
    if (!gguf_find_kv(g, key)) return 0;
    bool v;
    if (gguf_get_bool(g, key, &v, err, errlen)) return -1;
    *out = v;
    return 0;
}

int tokenizer_from_gguf(Tokenizer **out, const Gguf *g, char *err, size_t errlen) {
    *out = NULL;
    float *scores = NULL;
    int32_t *types = NULL;
    int rc = 0;
    const char *name = gguf_name(g);

    const GgufStr *model = gguf_get_str(g, "tokenizer.ggml.model", err, errlen);
    if (!model) return -1;
    if (!gguf_str_eq(*model, "llama")) {
        int shown = model->len > 40 ? 40 : (int)model->len;
        error_set(err, errlen,
                "%s: tokenizer.ggml.model is \"%.*s\"; only \"llama\" (SentencePiece BPE) is "
                "supported", name, shown, model->ptr);
        return -1;
    }

    const GgufKV *tok = find_array(g, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &rc, err, errlen);
    if (rc) return -1;
    if (!tok) {
        error_set(err, errlen, "%s: tokenizer.ggml.tokens is missing", name);
        return -1;
    }
    if (tok->arr_count < 1 || tok->arr_count > INT32_MAX || !tok->arr_strs) {
        error_set(err, errlen, "%s: tokenizer.ggml.tokens has %llu entries (need 1 to %ld)", name,
                (unsigned long long)tok->arr_count, (long)INT32_MAX);
        return -1;
    }
    int32_t n = (int32_t)tok->arr_count;

    const GgufKV *sc = find_array(g, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, &rc, err, errlen);
    if (rc) return -1;
    if (sc) {
        if (sc->arr_count != tok->arr_count) {
            error_set(err, errlen, "%s: tokenizer.ggml.scores has %llu entries but there are %ld "
                    "tokens", name, (unsigned long long)sc->arr_count, (long)n);
            return -1;
        }
        scores = alloc_array((size_t)n, sizeof *scores);
        if (!scores) goto oom;
        for (int32_t i = 0; i < n; i++) {
            uint32_t u = read_le32(sc->arr_data + 4 * (size_t)i);
            memcpy(&scores[i], &u, sizeof u);
        }
    }

    const GgufKV *ty = find_array(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, &rc, err,
                                  errlen);
    if (rc) goto fail;
    if (ty) {
        if (ty->arr_count != tok->arr_count) {
            error_set(err, errlen, "%s: tokenizer.ggml.token_type has %llu entries but there are "
                    "%ld tokens", name, (unsigned long long)ty->arr_count, (long)n);
            goto fail;
        }
        types = alloc_array((size_t)n, sizeof *types);
        if (!types) goto oom;
        for (int32_t i = 0; i < n; i++)
            types[i] = (int32_t)read_le32(ty->arr_data + 4 * (size_t)i);
    }

    int32_t bos_id = 1 < n ? 1 : -1, unk_id = -1;
    int add_bos = 1, add_space_prefix = 1;
    if (gguf_find_kv(g, "tokenizer.ggml.bos_token_id")) {
        if (get_opt_id(g, "tokenizer.ggml.bos_token_id", n, &bos_id, err, errlen)) goto fail;
    } else if (bos_id < 0) {
        add_bos = 0; /* the default id 1 does not exist in a 1-piece vocabulary */
    }
    if (get_opt_bool(g, "tokenizer.ggml.add_bos_token", &add_bos, err, errlen) ||
        get_opt_bool(g, "tokenizer.ggml.add_space_prefix", &add_space_prefix, err, errlen) ||
        get_opt_id(g, "tokenizer.ggml.unknown_token_id", n, &unk_id, err, errlen))
        goto fail;
    if (add_bos && bos_id < 0) {
        error_set(err, errlen, "%s: tokenizer.ggml.add_bos_token is set but there is no "
                "tokenizer.ggml.bos_token_id and id 1 is outside the vocabulary", name);
        goto fail;
    }

    char what[300];
    snprintf(what, sizeof what, "%s: tokenizer.ggml.tokens", name);
    rc = build(out, tok->arr_strs, scores, types, n, add_bos ? bos_id : -1, add_space_prefix,
               unk_id, what, err, errlen);
    free(scores);
    free(types);
    return rc;

oom:
    error_set(err, errlen, "%s: out of memory reading the tokenizer", name);
fail:
    free(scores);
    free(types);
    return -1;
}

void tokenizer_free(Tokenizer *t) {
    if (!t) return;
    free(t->blob);
    free(t->off);
    free(t->scores);
    free(t->types);
    free(t->table);
    free(t);
}

int32_t tokenizer_vocab_size(const Tokenizer *t) { return t->n; }

int32_t tokenizer_bos_id(const Tokenizer *t) { return t->bos_id; }

const char *tokenizer_piece(const Tokenizer *t, int32_t id) {
    if (id < 0 || id >= t->n) return "";
    return t->blob + t->off[id];
}

typedef struct {
    size_t start, len;  /* in the normalised text; len 0 once merged into its left */
    size_t prev, next;  /* NONE at the ends */
    int32_t id;         /* its piece, or -1 (byte fallback) */
} Symbol;

typedef struct {
    float score;
    int32_t id;         /* the merged piece */
    size_t left, right; /* symbols */
    size_t len;         /* left.len + right.len when pushed; stale when that changed */
} Bigram;

typedef struct {
    Bigram *a;
    size_t n, cap;
} Heap;

/* Higher score first; ties: leftmost. */
static int bigram_before(const Bigram *x, const Bigram *y) {
    return x->score > y->score || (x->score == y->score && x->left < y->left);
}

static int heap_push(Heap *h, Bigram b) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        if (cap > SIZE_MAX / sizeof *h->a) return -1;
        Bigram *a = realloc(h->a, cap * sizeof *a);
        if (!a) return -1;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!bigram_before(&b, &h->a[parent])) break;
        h->a[i] = h->a[parent];
        i = parent;
    }
    h->a[i] = b;
    return 0;
}

static Bigram heap_pop(Heap *h) {
    Bigram top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && bigram_before(&h->a[c + 1], &h->a[c])) c++;
        if (!bigram_before(&h->a[c], &last)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n) h->a[i] = last;
    return top;
}

/* Push the bigram (L, R) when their concatenation is a mergeable piece. */
static int try_bigram(const Tokenizer *t, const char *norm, const Symbol *sym, Heap *h, size_t l,
                      size_t r) {
    if (l == NONE || r == NONE) return 0;
    size_t len = sym[l].len + sym[r].len;
    int32_t id = lookup(t, norm + sym[l].start, len);
    if (id < 0) return 0;
    Bigram b = {t->scores[id], id, l, r, len};
    return heap_push(h, b);
}

int tokenizer_encode(const Tokenizer *t, const char *text, size_t len, size_t max_tokens,
                     Token **out, size_t *n_out, char *err, size_t errlen) {
    *out = NULL;
    *n_out = 0;
    char *norm = NULL;
    size_t *off = NULL;
    Symbol *sym = NULL;
    Heap heap = {0};
    Token *toks = NULL;
    int add_bos = t->bos_id >= 0;

    /* Normalise.  off[k] is the original offset where normalised byte k
     * starts; a token over normalised [a, b) covers original [off[a], off[b]).
     * A "▁" from a space at i has offsets i, i+1, i+1 so that it covers [i, i+1)
     * as a whole and its byte-fallback tokens tile it; the prefix covers [0, 0). */
    size_t prefix = len > 0 && t->add_space_prefix ? 3 : 0;
    size_t spaces = 0;
    for (size_t i = 0; i < len; i++) spaces += text[i] == ' ';
    if (len > (SIZE_MAX - 4) / 3) goto oom;
    size_t nlen = prefix + len + 2 * spaces;
    norm = alloc_array(nlen, 1);
    off = alloc_array(nlen + 1, sizeof *off);
    sym = alloc_array(nlen, sizeof *sym);
    if (!norm || !off || !sym) goto oom;
    size_t k = 0;
    if (prefix) {
        memcpy(norm, "\xE2\x96\x81", 3);
        off[0] = off[1] = off[2] = 0;
        k = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(norm + k, "\xE2\x96\x81", 3);
            off[k] = i;
            off[k + 1] = off[k + 2] = i + 1;
            k += 3;
        } else {
            norm[k] = text[i];
            off[k++] = i;
        }
    }
    off[nlen] = len;

    /* Split into characters and seed the heap with every mergeable pair. */
    size_t nsym = 0;
    for (size_t p = 0; p < nlen;) {
        size_t cl = utf8_char_len(norm + p, nlen - p);
        sym[nsym] = (Symbol){p, cl, nsym ? nsym - 1 : NONE, NONE, lookup(t, norm + p, cl)};
        if (nsym) sym[nsym - 1].next = nsym;
        nsym++;
        p += cl;
    }
    for (size_t i = 0; i + 1 < nsym; i++)
        if (try_bigram(t, norm, sym, &heap, i, i + 1)) goto oom;

    while (heap.n) {
        Bigram b = heap_pop(&heap);
        Symbol *l = &sym[b.left], *r = &sym[b.right];
        if (l->len == 0 || r->len == 0 || l->next != b.right || l->len + r->len != b.len)
            continue; /* stale */
        l->len += r->len;
        l->id = b.id;
        l->next = r->next;
        if (r->next != NONE) sym[r->next].prev = b.left;
        r->len = 0;
        if (try_bigram(t, norm, sym, &heap, l->prev, b.left) ||
            try_bigram(t, norm, sym, &heap, b.left, l->next))
            goto oom;
    }

    /* Count, check the limit, then emit. Symbol 0 is never merged away. */
    size_t count = add_bos ? 1 : 0;
    for (size_t s = nsym ? 0 : NONE; s != NONE; s = sym[s].next)
        count += sym[s].id >= 0 ? 1 : sym[s].len;
    if (max_tokens && count > max_tokens) {
        error_set(err, errlen, "text is %zu tokens, more than the limit of %zu", count, max_tokens);
        goto fail;
    }
    toks = alloc_array(count, sizeof *toks);
    if (!toks) goto oom;
    size_t n = 0;
    if (add_bos) toks[n++] = (Token){t->bos_id, 0, 0};
    for (size_t s = nsym ? 0 : NONE; s != NONE; s = sym[s].next) {
        size_t a = sym[s].start, e = a + sym[s].len;
        if (sym[s].id >= 0) {
            toks[n++] = (Token){sym[s].id, off[a], off[e]};
        } else {
            for (size_t q = a; q < e; q++)
                toks[n++] = (Token){t->byte_id[(unsigned char)norm[q]], off[q], off[q + 1]};
        }
    }
    free(norm);
    free(off);
    free(sym);
    free(heap.a);
    *out = toks;
    *n_out = n;
    return 0;

oom:
    error_set(err, errlen, "out of memory tokenizing %zu bytes of text", len);
fail:
    free(norm);
    free(off);
    free(sym);
    free(heap.a);
    free(toks);
    return -1;
}
