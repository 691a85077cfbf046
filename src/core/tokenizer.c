/*
 * tokenizer.c - what every tokenizer kind shares: the vocabulary, the GGUF
 * keys, the table of kinds, and the split of the text around user-defined
 * pieces.
 *
 * llama.cpp's llama_tokenize(..., parse_special=false), which our reference
 * driver calls, still cuts USER_DEFINED pieces out of the text before the
 * tokenizer proper runs (longest piece first, each occurrence left to
 * right); CONTROL and UNKNOWN pieces are left as text.  We do the same, so
 * that e.g. Qwen3's "<think>" is one token here as it is there.
 */
#include "tokenizer_impl.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kinds, by tokenizer.ggml.model. */
static const TokenizerKind *const kinds[] = {
    &tokenizer_kind_spm,
    &tokenizer_kind_bpe,
    &tokenizer_kind_wpm,
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

void *tokenizer_alloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size;
    return malloc(bytes ? bytes : 1);
}

int toklist_push(TokenList *l, int32_t id, size_t start, size_t end) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        if (cap > SIZE_MAX / sizeof *l->a) return -1;
        Token *a = realloc(l->a, cap * sizeof *a);
        if (!a) return -1;
        l->a = a;
        l->cap = cap;
    }
    l->a[l->n++] = (Token){id, start, end};
    return 0;
}

size_t tokenizer_put(char *buf, size_t cap, size_t at, const char *s, size_t len) {
    if (at < cap) {
        size_t room = cap - 1 - at;
        memcpy(buf + at, s, len < room ? len : room);
        buf[at + (len < room ? len : room)] = '\0';
    }
    return at + len;
}

size_t tokenizer_piece_len(const Tokenizer *t, int32_t id) {
    return t->off[id + 1] - t->off[id] - 1;
}

size_t tokenizer_spm_char_len(const char *s, size_t left) {
    static const unsigned char by_high_nibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    size_t len = by_high_nibble[(unsigned char)s[0] >> 4];
    return len < left ? len : left;
}

size_t tokenizer_cpt_decode(const char *s, size_t left, uint32_t *cpt) {
    const unsigned char *u = (const unsigned char *)s;
    size_t len = u[0] < 0x80 ? 1 : u[0] < 0xC0 ? 0 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3
                 : u[0] < 0xF8 ? 4 : 0;
    if (len == 0 || len > left) return 0;
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t c = u[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        c = c << 6 | (u[i] & 0x3F);
    }
    *cpt = c;
    return len;
}

uint64_t tokenizer_hash(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

int32_t piece_table_find(const Tokenizer *t, const PieceTable *table, const char *s, size_t len) {
    size_t i = (size_t)tokenizer_hash(s, len) & table->mask;
    for (;;) {
        int32_t id = table->slot[i];
        if (id < 0) return -1;
        if (tokenizer_piece_len(t, id) == len && memcmp(t->blob + t->off[id], s, len) == 0)
            return id;
        i = (i + 1) & table->mask;
    }
}

/* Only these may result from SentencePiece merges or stand for a symbol. */
static int mergeable(int32_t type) {
    return type == TOKEN_TYPE_NORMAL || type == TOKEN_TYPE_USER_DEFINED;
}

/* A table over the pieces for which KEEP (NULL: all) holds; on duplicates
 * the first (LAST_WINS 0) or the last piece wins. */
static int piece_table_build(Tokenizer *t, PieceTable *table, int (*keep)(int32_t type),
                             int last_wins) {
    size_t cap = 16;
    while (cap < 2 * (size_t)t->n) cap *= 2;
    table->slot = tokenizer_alloc(cap, sizeof *table->slot);
    if (!table->slot) return -1;
    table->mask = cap - 1;
    for (size_t i = 0; i < cap; i++) table->slot[i] = -1;
    for (int32_t id = 0; id < t->n; id++) {
        if (keep && !keep(t->types[id])) continue;
        size_t len = tokenizer_piece_len(t, id);
        size_t i = (size_t)tokenizer_hash(t->blob + t->off[id], len) & table->mask;
        for (; table->slot[i] >= 0; i = (i + 1) & table->mask) {
            int32_t old = table->slot[i];
            if (tokenizer_piece_len(t, old) == len &&
                memcmp(t->blob + t->off[old], t->blob + t->off[id], len) == 0)
                break;
        }
        if (table->slot[i] < 0 || last_wins) table->slot[i] = id;
    }
    return 0;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The byte B when piece ID is exactly "<0xHH>" (uppercase hex), else -1. */
static int byte_piece_value(const Tokenizer *t, int32_t id) {
    const char *p = t->blob + t->off[id];
    if (tokenizer_piece_len(t, id) != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>') return -1;
    int hi = hex_digit(p[3]), lo = hex_digit(p[4]);
    if (hi < 0 || lo < 0) return -1;
    return hi * 16 + lo;
}

typedef struct {
    size_t len;
    int32_t id;
} SpecialKey;

/* Longest first (ties: lower id), as llama.cpp orders its special cache. */
static int by_length_desc(const void *a, const void *b) {
    const SpecialKey *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Copies N pieces (length-counted, NUL-free), scores (NULL: 0) and types
 * (NULL: NORMAL), then builds the lookup tables.  Ids are set by the caller. */
static int build(Tokenizer **out, const TokenizerKind *kind, const GgufStr *strs,
                 const float *scores, const int32_t *types, int32_t n, const char *what,
                 char *err, size_t errlen) {
    *out = NULL;
    Tokenizer *t = calloc(1, sizeof *t);
    if (!t) goto oom;
    t->kind = kind;
    t->n = n;
    t->bos_id = t->sep_id = t->unk_id = t->mask_id = -1;

    size_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        if (strs[i].len >= SIZE_MAX - total - 1) goto oom;
        if (strs[i].len && memchr(strs[i].ptr, '\0', (size_t)strs[i].len)) {
            error_set(err, errlen, "%s[%ld] contains a NUL byte", what, (long)i);
            goto fail;
        }
        total += (size_t)strs[i].len + 1;
    }
    t->blob = tokenizer_alloc(total, 1);
    t->off = tokenizer_alloc((size_t)n + 1, sizeof *t->off);
    t->scores = tokenizer_alloc((size_t)n, sizeof *t->scores);
    t->types = tokenizer_alloc((size_t)n, sizeof *t->types);
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
        if (strs[i].len > t->max_piece_len) t->max_piece_len = (size_t)strs[i].len;
    }
    t->off[n] = pos;

    if (piece_table_build(t, &t->mergeable, mergeable, 0) || piece_table_build(t, &t->all, NULL, 1))
        goto oom;

    /* Empty pieces can never be found in text: leave them out. */
    t->special = tokenizer_alloc((size_t)n, sizeof *t->special);
    SpecialKey *keys = tokenizer_alloc((size_t)n, sizeof *keys);
    if (!t->special || !keys) {
        free(keys);
        goto oom;
    }
    for (int32_t i = 0; i < n; i++)
        if (t->types[i] == TOKEN_TYPE_USER_DEFINED && tokenizer_piece_len(t, i) > 0)
            keys[t->n_special++] = (SpecialKey){tokenizer_piece_len(t, i), i};
    qsort(keys, t->n_special, sizeof *keys, by_length_desc);
    for (size_t i = 0; i < t->n_special; i++) t->special[i] = keys[i].id;
    free(keys);
    *out = t;
    return 0;

oom:
    error_set(err, errlen, "%s: out of memory building the tokenizer", what);
fail:
    tokenizer_free(t);
    return -1;
}

/* SentencePiece's byte pieces: prefer ones typed BYTE, but accept untyped
 * vocabularies; UNK stands in for a missing one. */
static void find_byte_pieces(Tokenizer *t) {
    for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
    for (int32_t i = 0; i < t->n; i++) {
        int b = byte_piece_value(t, i);
        if (b < 0) continue;
        if (t->byte_id[b] < 0 ||
            (t->types[t->byte_id[b]] != TOKEN_TYPE_BYTE && t->types[i] == TOKEN_TYPE_BYTE))
            t->byte_id[b] = i;
    }
    for (int b = 0; b < 256; b++)
        if (t->byte_id[b] < 0) t->byte_id[b] = t->unk_id;
}

/* The first UNKNOWN piece, else 0. */
static int32_t first_unknown(const Tokenizer *t) {
    for (int32_t i = 0; i < t->n; i++)
        if (t->types[i] == TOKEN_TYPE_UNKNOWN) return i;
    return 0;
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
    GgufStr *strs = tokenizer_alloc((size_t)n, sizeof *strs);
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
    int rc = build(out, &tokenizer_kind_spm, strs, scores, types, n, "tokenizer_new: piece", err,
                   errlen);
    free(strs);
    if (rc) return rc;
    (*out)->bos_id = bos_id < 0 ? -1 : bos_id;
    (*out)->add_space_prefix = add_space_prefix;
    (*out)->unk_id = first_unknown(*out);
    find_byte_pieces(*out);
    return 0;
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

int tokenizer_get_opt_bool(const Gguf *g, const char *key, int *out, char *err, size_t errlen) {
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
    Tokenizer *t = NULL;
    int rc = 0;
    const char *name = gguf_name(g);

    const GgufStr *model = gguf_get_str(g, "tokenizer.ggml.model", err, errlen);
    if (!model) return -1;
    const TokenizerKind *kind = NULL;
    for (size_t k = 0; k < N_KINDS; k++)
        if (gguf_str_eq(*model, kinds[k]->model)) kind = kinds[k];
    if (!kind) {
        int shown = model->len > 40 ? 40 : (int)model->len;
        error_set(err, errlen,
                "%s: tokenizer.ggml.model is \"%.*s\"; supported: \"llama\" (SentencePiece), "
                "\"gpt2\" (byte-level BPE), \"bert\" (WordPiece)", name, shown, model->ptr);
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
        scores = tokenizer_alloc((size_t)n, sizeof *scores);
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
        types = tokenizer_alloc((size_t)n, sizeof *types);
        if (!types) goto oom;
        for (int32_t i = 0; i < n; i++)
            types[i] = (int32_t)read_le32(ty->arr_data + 4 * (size_t)i);
    }

    char what[300];
    snprintf(what, sizeof what, "%s: tokenizer.ggml.tokens", name);
    if (build(&t, kind, tok->arr_strs, scores, types, n, what, err, errlen)) goto fail;
    free(scores);
    free(types);
    scores = NULL;
    types = NULL;

    /* llama.cpp's default ids hold only when inside the vocabulary. */
    int32_t bos_id = kind->default_bos < n ? kind->default_bos : -1;
    int32_t unk_id = kind->default_unk == UNK_FIRST_UNKNOWN ? first_unknown(t)
                     : kind->default_unk < n ? kind->default_unk : -1;
    int32_t sep_id = kind->default_sep < n ? kind->default_sep : -1;
    int add_bos = kind->default_add_bos && bos_id >= 0, add_space_prefix = 1;
    int32_t mask_id = -1;
    int bos_given = gguf_find_kv(g, "tokenizer.ggml.bos_token_id") != NULL;
    if (get_opt_id(g, "tokenizer.ggml.bos_token_id", n, &bos_id, err, errlen) ||
        get_opt_id(g, "tokenizer.ggml.mask_token_id", n, &mask_id, err, errlen) ||
        get_opt_id(g, "tokenizer.ggml.unknown_token_id", n, &unk_id, err, errlen) ||
        get_opt_id(g, "tokenizer.ggml.seperator_token_id", n, &sep_id, err, errlen) ||
        tokenizer_get_opt_bool(g, "tokenizer.ggml.add_space_prefix", &add_space_prefix, err,
                               errlen))
        goto fail;
    if (bos_given && kind->default_add_bos) add_bos = 1;
    t->unk_id = unk_id;
    t->add_space_prefix = add_space_prefix;
    if (kind->load && kind->load(t, g, &add_bos, err, errlen)) goto fail;
    if (kind->honours_add_bos &&
        tokenizer_get_opt_bool(g, "tokenizer.ggml.add_bos_token", &add_bos, err, errlen))
        goto fail;
    if (add_bos && bos_id < 0) {
        error_set(err, errlen, "%s: the %s tokenizer adds a BOS token but there is no "
                "tokenizer.ggml.bos_token_id (and the default id %ld is outside the vocabulary)",
                name, kind->model, (long)kind->default_bos);
        goto fail;
    }
    t->bos_id = add_bos ? bos_id : -1;
    t->sep_id = sep_id;
    t->mask_id = mask_id;
    find_byte_pieces(t);
    *out = t;
    return 0;

oom:
    error_set(err, errlen, "%s: out of memory reading the tokenizer", name);
fail:
    free(scores);
    free(types);
    tokenizer_free(t);
    return -1;
}

void tokenizer_free(Tokenizer *t) {
    if (!t) return;
    if (t->kind && t->kind->free_impl) t->kind->free_impl(t->impl);
    free(t->blob);
    free(t->off);
    free(t->scores);
    free(t->types);
    free(t->mergeable.slot);
    free(t->all.slot);
    free(t->special);
    free(t);
}

int32_t tokenizer_vocab_size(const Tokenizer *t) { return t->n; }

int32_t tokenizer_bos_id(const Tokenizer *t) { return t->bos_id; }
int32_t tokenizer_mask_id(const Tokenizer *t) { return t->mask_id; }

const char *tokenizer_model_name(const Tokenizer *t) { return t->kind->model; }

const char *tokenizer_kind_name(const Tokenizer *t) { return t->kind->what; }

const char *tokenizer_piece(const Tokenizer *t, int32_t id) {
    if (id < 0 || id >= t->n) return "";
    return t->blob + t->off[id];
}

size_t tokenizer_piece_text(const Tokenizer *t, int32_t id, char *buf, size_t cap) {
    if (cap) buf[0] = '\0';
    if (id < 0 || id >= t->n) return 0;
    int32_t type = t->types[id];
    if (type == TOKEN_TYPE_CONTROL || type == TOKEN_TYPE_UNKNOWN || type == TOKEN_TYPE_USER_DEFINED)
        return tokenizer_put(buf, cap, 0, t->blob + t->off[id], tokenizer_piece_len(t, id));
    return t->kind->piece_text(t, id, buf, cap);
}

/* A stretch of the text: raw [start, end), or the user-defined piece ID. */
typedef struct {
    int32_t id; /* -1: raw text */
    size_t start, end;
} Fragment;

typedef struct {
    Fragment *a;
    size_t n, cap;
} FragList;

static int frag_push(FragList *l, Fragment f) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        if (cap > SIZE_MAX / sizeof *l->a) return -1;
        Fragment *a = realloc(l->a, cap * sizeof *a);
        if (!a) return -1;
        l->a = a;
        l->cap = cap;
    }
    l->a[l->n++] = f;
    return 0;
}

/* The first H in [from, to - plen] with TEXT[H, H + PLEN) == P, or SIZE_MAX. */
static size_t find_bytes(const char *text, size_t from, size_t to, const char *p, size_t plen) {
    for (size_t h = from; to - h >= plen; h++) {
        const char *c = memchr(text + h, p[0], to - h - plen + 1);
        if (!c) break;
        h = (size_t)(c - text);
        if (memcmp(c, p, plen) == 0) return h;
    }
    return SIZE_MAX;
}

/* The text cut around every user-defined piece, longest piece first. */
static int split_special(const Tokenizer *t, const char *text, size_t len, FragList *frags) {
    if (frag_push(frags, (Fragment){-1, 0, len})) return -1;
    FragList next = {0};
    for (size_t s = 0; s < t->n_special; s++) {
        int32_t id = t->special[s];
        const char *p = t->blob + t->off[id];
        size_t plen = tokenizer_piece_len(t, id);
        next.n = 0;
        for (size_t f = 0; f < frags->n; f++) {
            Fragment fr = frags->a[f];
            if (fr.id >= 0) {
                if (frag_push(&next, fr)) goto oom;
                continue;
            }
            size_t at = fr.start;
            while (fr.end - at >= plen) {
                size_t h = find_bytes(text, at, fr.end, p, plen);
                if (h == SIZE_MAX) break;
                if (h > at && frag_push(&next, (Fragment){-1, at, h})) goto oom;
                if (frag_push(&next, (Fragment){id, h, h + plen})) goto oom;
                at = h + plen;
            }
            if (at < fr.end && frag_push(&next, (Fragment){-1, at, fr.end})) goto oom;
        }
        FragList swap = *frags;
        *frags = next;
        next = swap;
    }
    free(next.a);
    return 0;
oom:
    free(next.a);
    return -1;
}

int tokenizer_encode(const Tokenizer *t, const char *text, size_t len, size_t max_tokens,
                     Token **out, size_t *n_out, char *err, size_t errlen) {
    *out = NULL;
    *n_out = 0;
    FragList frags = {0};
    TokenList toks = {0};

    if (t->bos_id >= 0 && toklist_push(&toks, t->bos_id, 0, 0)) goto oom;
    if (len > 0 && split_special(t, text, len, &frags)) goto oom;
    int after_special = 1;
    for (size_t f = 0; f < frags.n; f++) {
        Fragment fr = frags.a[f];
        if (fr.id >= 0) {
            if (toklist_push(&toks, fr.id, fr.start, fr.end)) goto oom;
            after_special = 1;
            continue;
        }
        if (t->kind->encode(t, text, fr.start, fr.end, after_special, &toks, err, errlen))
            goto fail;
        after_special = 0;
    }
    if (t->sep_id >= 0 && toklist_push(&toks, t->sep_id, len, len)) goto oom;
    if (max_tokens && toks.n > max_tokens) {
        error_set(err, errlen, "text is %zu tokens, more than the limit of %zu", toks.n,
                max_tokens);
        goto fail;
    }
    free(frags.a);
    if (!toks.a && toklist_push(&toks, 0, 0, 0) == 0) toks.n = 0; /* never hand out NULL */
    if (!toks.a) goto oom;
    *out = toks.a;
    *n_out = toks.n;
    return 0;

oom:
    error_set(err, errlen, "out of memory tokenizing %zu bytes of text", len);
fail:
    free(frags.a);
    free(toks.a);
    return -1;
}
