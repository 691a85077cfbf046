/*
 * tokenizer_bpe.c - byte-level BPE (GPT-2, Llama 3, Qwen2/3, SmolLM) as
 * llama.cpp's "gpt2" tokenizer does it.
 *
 * 1. The text is read as code points the way llama.cpp reads them: a byte
 *    that does not start a sequence becomes U+FFFD (so its three bytes
 *    EF BF BD are what gets tokenized), overlong forms are decoded.
 * 2. The pre-tokenizer named by tokenizer.ggml.pre cuts it into words: each
 *    of its regexes, in turn, splits every piece so far into its matches and
 *    the stretches between them.  The regexes are llama.cpp's (llama-vocab.cpp,
 *    llm_tokenizer_bpe), run by PCRE2 because they need Unicode categories
 *    (\p{L}, \p{N}) and look-ahead ((?!\S)), which no regex in libc has;
 *    llama.cpp runs hand-written equivalents of the same patterns.
 * 3. Each byte of a word becomes one printable character (GPT-2's
 *    bytes_to_unicode: a space is "Ġ", a newline "Ċ"), and the merges of
 *    tokenizer.ggml.merges are applied, lowest rank first (ties: leftmost).
 *    Llama 3's pre-tokenizer takes a whole word that is a piece as it is.
 * 4. A symbol left that is not a piece falls back to its single bytes, as
 *    llama.cpp does (only the ones that are pieces remain).
 * Spans: every byte of the word maps back to the input bytes it came from.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer_impl.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGEX 4

/* A row per pre-tokenizer: the tokenizer.ggml.pre names llama.cpp maps to
 * it, its regexes (verbatim from llama-vocab.cpp), and its flags. */
typedef struct {
    const char *names[8];
    const char *regex[MAX_REGEX];
    int ignore_merges; /* a word that is a piece is taken whole */
    int add_bos;       /* llama.cpp's default for tokenizer.ggml.add_bos_token */
} PreTokenizer;

#define GPT2_REGEX "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"

static const PreTokenizer pre_tokenizers[] = {
    /* llama.cpp's default, also used when tokenizer.ggml.pre is missing. */
    {{"default", ""},
     {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_REGEX, "\\p{N}+", "[0-9][0-9][0-9]"}, 0, 0},
    {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "mellum"},
     {GPT2_REGEX}, 0, 0},
    {{"llama-bpe", "llama3", "llama-v3", "falcon3", "pixtral"},
     {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
      "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     1, 1},
    {{"qwen2", "deepseek-r1-qwen"},
     {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
      "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     0, 0},
    {{"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"},
     {"\\p{N}", GPT2_REGEX}, 0, 0},
};
#define N_PRE (sizeof pre_tokenizers / sizeof pre_tokenizers[0])

typedef struct {
    const PreTokenizer *pre;
    pcre2_code *re[MAX_REGEX];
    int n_re;
    /* The merges "left right", rank = index; open addressing, first wins. */
    char *merge_blob;
    size_t *merge_off;    /* (n_merges + 1) */
    int32_t *merge_slot;  /* -1 empty */
    size_t merge_mask;
    /* GPT-2's bytes_to_unicode: byte b is the character byte_char[b]. */
    char byte_utf8[256][2];
    unsigned char byte_len[256];
    int16_t char_byte[324]; /* the inverse, by code point (all are < 324); -1 none */
} Bpe;

static void bpe_free(void *impl) {
    Bpe *b = impl;
    if (!b) return;
    for (int i = 0; i < b->n_re; i++) pcre2_code_free(b->re[i]);
    free(b->merge_blob);
    free(b->merge_off);
    free(b->merge_slot);
    free(b);
}

/* GPT-2's printable alphabet: bytes that are printable Latin-1 stand for
 * themselves, the other 68 take the code points 256, 257, ... in order. */
static void byte_alphabet(Bpe *b) {
    for (int c = 0; c < 324; c++) b->char_byte[c] = -1;
    int next = 256;
    for (int x = 0; x < 256; x++) {
        int printable = (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174);
        int cp = printable ? x : next++;
        b->char_byte[cp] = (int16_t)x;
        if (cp < 0x80) {
            b->byte_utf8[x][0] = (char)cp;
            b->byte_len[x] = 1;
        } else {
            b->byte_utf8[x][0] = (char)(0xC0 | cp >> 6);
            b->byte_utf8[x][1] = (char)(0x80 | (cp & 0x3F));
            b->byte_len[x] = 2;
        }
    }
}

/* llama.cpp's \s is Unicode's White_Space list; PCRE2's \s (in UCP mode)
 * also has U+180E, which Unicode moved out of it (and which PCRE2 versions
 * may treat differently).  So \s is written out as that list ([...], or
 * inside a class its contents) and \S as its complement. */
#define WHITE_SPACE "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
                    "\\x{202F}\\x{205F}\\x{3000}"
static int adapt_regex(const char *src, char *dst, size_t cap) {
    size_t k = 0;
    int in_class = 0;
    for (const char *p = src; *p; p++) {
        const char *add = NULL;
        char one[3] = {0};
        if (p[0] == '\\' && p[1]) {
            if (p[1] == 's') add = in_class ? WHITE_SPACE : "[" WHITE_SPACE "]";
            else if (p[1] == 'S' && !in_class) add = "[^" WHITE_SPACE "]";
            else one[0] = p[0], one[1] = p[1];
            p++;
        } else {
            if (p[0] == '[' && !in_class) in_class = 1;
            else if (p[0] == ']' && in_class) in_class = 0;
            one[0] = p[0];
        }
        if (!add) add = one;
        size_t n = strlen(add);
        if (k + n >= cap) return -1;
        memcpy(dst + k, add, n);
        k += n;
    }
    dst[k] = '\0';
    return 0;
}

static int load_merges(Tokenizer *t, Bpe *b, const Gguf *g, char *err, size_t errlen) {
    const char *name = gguf_name(g);
    const GgufKV *kv = gguf_find_kv(g, "tokenizer.ggml.merges");
    if (!kv) {
        error_set(err, errlen, "%s: tokenizer.ggml.merges is missing (a \"gpt2\" tokenizer needs "
                "its merges)", name);
        return -1;
    }
    if (kv->type != GGUF_TYPE_ARRAY || kv->arr_type != GGUF_TYPE_STRING || !kv->arr_strs) {
        error_set(err, errlen, "%s: tokenizer.ggml.merges is not an array of strings", name);
        return -1;
    }
    if (kv->arr_count > INT32_MAX / 4) {
        error_set(err, errlen, "%s: tokenizer.ggml.merges has %llu entries, too many", name,
                (unsigned long long)kv->arr_count);
        return -1;
    }
    size_t n = (size_t)kv->arr_count, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (kv->arr_strs[i].len >= SIZE_MAX / 4 - total) goto oom;
        total += (size_t)kv->arr_strs[i].len;
    }
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    b->merge_blob = tokenizer_alloc(total, 1);
    b->merge_off = tokenizer_alloc(n + 1, sizeof *b->merge_off);
    b->merge_slot = tokenizer_alloc(cap, sizeof *b->merge_slot);
    if (!b->merge_blob || !b->merge_off || !b->merge_slot) goto oom;
    b->merge_mask = cap - 1;
    for (size_t i = 0; i < cap; i++) b->merge_slot[i] = -1;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const GgufStr *s = &kv->arr_strs[i];
        b->merge_off[i] = pos;
        if (s->len) memcpy(b->merge_blob + pos, s->ptr, (size_t)s->len);
        pos += (size_t)s->len;
        const char *m = b->merge_blob + b->merge_off[i];
        size_t h = (size_t)tokenizer_hash(m, (size_t)s->len) & b->merge_mask;
        for (;; h = (h + 1) & b->merge_mask) {
            int32_t old = b->merge_slot[h];
            if (old < 0) {
                b->merge_slot[h] = (int32_t)i;
                break;
            }
            size_t olen = b->merge_off[old + 1] - b->merge_off[old]; /* old < i: set */
            if (olen == s->len && memcmp(b->merge_blob + b->merge_off[old], m, olen) == 0)
                break; /* a duplicate: the first (lower) rank stays */
        }
    }
    b->merge_off[n] = pos;
    (void)t;
    return 0;
oom:
    error_set(err, errlen, "%s: out of memory reading tokenizer.ggml.merges", name);
    return -1;
}

/* The rank of the merge "L R", or -1. */
static int32_t merge_rank(const Bpe *b, const char *key, size_t len) {
    size_t h = (size_t)tokenizer_hash(key, len) & b->merge_mask;
    for (;; h = (h + 1) & b->merge_mask) {
        int32_t r = b->merge_slot[h];
        if (r < 0) return -1;
        size_t rlen = b->merge_off[r + 1] - b->merge_off[r];
        if (rlen == len && memcmp(b->merge_blob + b->merge_off[r], key, len) == 0) return r;
    }
}

static int bpe_load(Tokenizer *t, const Gguf *g, int *add_bos, char *err, size_t errlen) {
    const char *name = gguf_name(g);
    Bpe *b = calloc(1, sizeof *b);
    if (!b) {
        error_set(err, errlen, "%s: out of memory building the tokenizer", name);
        return -1;
    }
    t->impl = b;
    byte_alphabet(b);

    GgufStr pre = {"", 0};
    const GgufKV *kv = gguf_find_kv(g, "tokenizer.ggml.pre");
    if (kv) {
        const GgufStr *s = gguf_get_str(g, "tokenizer.ggml.pre", err, errlen);
        if (!s) return -1;
        pre = *s;
    }
    for (size_t r = 0; r < N_PRE && !b->pre; r++)
        for (int k = 0; k < 8 && pre_tokenizers[r].names[k]; k++)
            if (gguf_str_eq(pre, pre_tokenizers[r].names[k])) b->pre = &pre_tokenizers[r];
    if (!b->pre) {
        int shown = pre.len > 40 ? 40 : (int)pre.len;
        error_set(err, errlen, "%s: tokenizer.ggml.pre is \"%.*s\"; supported: \"gpt-2\", "
                "\"llama-bpe\", \"qwen2\", \"smollm\", \"default\" and their aliases", name, shown,
                pre.ptr);
        return -1;
    }
    if (b->pre->add_bos) *add_bos = 1;

    for (int i = 0; i < MAX_REGEX && b->pre->regex[i]; i++) {
        char pattern[2048];
        if (adapt_regex(b->pre->regex[i], pattern, sizeof pattern)) {
            error_set(err, errlen, "tokenizer_bpe: pre-tokenizer regex %d is too long", i);
            return -1;
        }
        int code;
        PCRE2_SIZE at;
        b->re[i] = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                                 &code, &at, NULL);
        if (!b->re[i]) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            error_set(err, errlen, "tokenizer_bpe: PCRE2 cannot compile pre-tokenizer regex %d "
                    "at %zu: %s", i, (size_t)at, (const char *)msg);
            return -1;
        }
        b->n_re = i + 1;
    }
    return load_merges(t, b, g, err, errlen);
}

/* A word or a stretch between matches, as byte offsets in the decoded text. */
typedef struct {
    size_t start, end;
} Span;

typedef struct {
    Span *a;
    size_t n, cap;
} SpanList;

static int span_push(SpanList *l, size_t start, size_t end) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        if (cap > SIZE_MAX / sizeof *l->a) return -1;
        Span *a = realloc(l->a, cap * sizeof *a);
        if (!a) return -1;
        l->a = a;
        l->cap = cap;
    }
    l->a[l->n++] = (Span){start, end};
    return 0;
}

/* Split every span of WORDS by regex RE over MATCH (valid UTF-8). */
static int regex_split(const pcre2_code *re, const char *match, SpanList *words, SpanList *next,
                       pcre2_match_data *md) {
    next->n = 0;
    for (size_t w = 0; w < words->n; w++) {
        size_t s = words->a[w].start, e = words->a[w].end, p = 0, len = e - s;
        while (p < len) {
            int rc = pcre2_match(re, (PCRE2_SPTR)(match + s), len, p, PCRE2_NO_UTF_CHECK, md, NULL);
            if (rc < 0) break; /* no match (errors cannot happen on valid UTF-8) */
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t ms = ov[0], me = ov[1];
            if (me == ms) { /* an empty match: none of ours can, but never loop */
                if (ms >= len) break;
                p = ms + 1;
                while (p < len && ((unsigned char)match[s + p] & 0xC0) == 0x80) p++;
                continue;
            }
            if (ms > p && span_push(next, s + p, s + ms)) return -1;
            if (span_push(next, s + ms, s + me)) return -1;
            p = me;
        }
        if (p < len && span_push(next, s + p, e)) return -1;
    }
    SpanList swap = *words;
    *words = *next;
    *next = swap;
    return 0;
}

typedef struct {
    size_t estart, elen; /* in the word's byte-level string */
    size_t cstart, clen; /* in the decoded text */
    size_t prev, next;   /* SIZE_MAX at the ends */
} Sym;

typedef struct {
    int32_t rank;
    size_t left, right, llen, rlen;
} Pair;

typedef struct {
    Pair *a;
    size_t n, cap;
} PairHeap;

static int pair_before(const Pair *x, const Pair *y) {
    return x->rank < y->rank || (x->rank == y->rank && x->left < y->left);
}

static int pair_push(PairHeap *h, Pair p) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        if (cap > SIZE_MAX / sizeof *h->a) return -1;
        Pair *a = realloc(h->a, cap * sizeof *a);
        if (!a) return -1;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && pair_before(&p, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = p;
    return 0;
}

static Pair pair_pop(PairHeap *h) {
    Pair top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && pair_before(&h->a[c + 1], &h->a[c])) c++;
        if (!pair_before(&h->a[c], &last)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n) h->a[i] = last;
    return top;
}

/* Scratch shared by the words of one encode. */
typedef struct {
    char *enc;      /* a word's byte-level string */
    Sym *sym;
    char *key;      /* "left right" */
    size_t cap;     /* bytes of the word's decoded text the buffers hold */
    PairHeap heap;
} Work;

static int work_reserve(Work *w, size_t bytes) {
    if (bytes <= w->cap) return 0;
    size_t cap = w->cap ? w->cap : 64;
    while (cap < bytes) {
        if (cap > SIZE_MAX / 8) return -1;
        cap *= 2;
    }
    char *enc = realloc(w->enc, 2 * cap);
    if (!enc) return -1;
    w->enc = enc;
    char *key = realloc(w->key, 4 * cap + 1);
    if (!key) return -1;
    w->key = key;
    if (cap > SIZE_MAX / sizeof *w->sym) return -1;
    Sym *sym = realloc(w->sym, cap * sizeof *sym);
    if (!sym) return -1;
    w->sym = sym;
    w->cap = cap;
    return 0;
}

static int try_pair(const Bpe *b, Work *w, size_t l, size_t r) {
    if (l == SIZE_MAX || r == SIZE_MAX) return 0;
    const Sym *L = &w->sym[l], *R = &w->sym[r];
    memcpy(w->key, w->enc + L->estart, L->elen);
    w->key[L->elen] = ' ';
    memcpy(w->key + L->elen + 1, w->enc + R->estart, R->elen);
    int32_t rank = merge_rank(b, w->key, L->elen + 1 + R->elen);
    if (rank < 0) return 0;
    return pair_push(&w->heap, (Pair){rank, l, r, L->elen, R->elen});
}

/* One word: CLEAN[ws, we) with input offsets OFF. */
static int bpe_word(const Tokenizer *t, const Bpe *b, Work *w, const char *clean,
                    const size_t *off, size_t ws, size_t we, TokenList *out) {
    size_t n = we - ws, elen = 0;
    if (work_reserve(w, n)) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)clean[ws + i];
        memcpy(w->enc + elen, b->byte_utf8[c], b->byte_len[c]);
        w->sym[i] = (Sym){elen, b->byte_len[c], ws + i, 1, i ? i - 1 : SIZE_MAX,
                          i + 1 < n ? i + 1 : SIZE_MAX};
        elen += b->byte_len[c];
    }
    if (b->pre->ignore_merges) {
        int32_t id = piece_table_find(t, &t->all, w->enc, elen);
        if (id >= 0) return toklist_push(out, id, off[ws], off[we]);
    }
    w->heap.n = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (try_pair(b, w, i, i + 1)) return -1;
    while (w->heap.n) {
        Pair p = pair_pop(&w->heap);
        Sym *L = &w->sym[p.left], *R = &w->sym[p.right];
        if (L->elen != p.llen || R->elen != p.rlen || L->next != p.right) continue; /* stale */
        L->elen += R->elen;
        L->clen += R->clen;
        L->next = R->next;
        if (R->next != SIZE_MAX) w->sym[R->next].prev = p.left;
        R->elen = 0;
        R->clen = 0;
        R->next = SIZE_MAX;
        if (try_pair(b, w, L->prev, p.left) || try_pair(b, w, p.left, L->next)) return -1;
    }
    for (size_t s = n ? 0 : SIZE_MAX; s != SIZE_MAX; s = w->sym[s].next) {
        const Sym *S = &w->sym[s];
        size_t a = off[S->cstart], e = off[S->cstart + S->clen];
        int32_t id = piece_table_find(t, &t->all, w->enc + S->estart, S->elen);
        if (id >= 0) {
            if (toklist_push(out, id, a, e)) return -1;
            continue;
        }
        /* llama.cpp looks up each byte of the byte-level string on its own. */
        for (size_t k = 0; k < S->elen; k++) {
            int32_t bid = piece_table_find(t, &t->all, w->enc + S->estart + k, 1);
            if (bid >= 0 && toklist_push(out, bid, a, e)) return -1;
        }
    }
    return 0;
}

static int bpe_encode(const Tokenizer *t, const char *text, size_t from, size_t to,
                      int after_special, TokenList *out, char *err, size_t errlen) {
    (void)after_special;
    const Bpe *b = t->impl;
    size_t len = to - from;
    char *clean = NULL, *match = NULL;
    size_t *off = NULL;
    SpanList words = {0}, next = {0};
    Work w = {0};
    pcre2_match_data *md = NULL;
    int rc = -1;

    /* Decode as llama.cpp does, then re-encode: CLEAN holds the bytes to
     * tokenize, MATCH the same with what PCRE2 would refuse as UTF-8
     * (surrogates, values past U+10FFFF) as U+FFFD, which is of the same
     * class for every regex here.  OFF maps clean bytes to input offsets. */
    if (len > SIZE_MAX / 4 - 1) goto oom;
    clean = tokenizer_alloc(3 * len, 1);
    match = tokenizer_alloc(3 * len, 1);
    off = tokenizer_alloc(3 * len + 1, sizeof *off);
    if (!clean || !match || !off) goto oom;
    size_t k = 0;
    for (size_t i = from; i < to;) {
        uint32_t cp = 0;
        size_t l = tokenizer_cpt_decode(text + i, to - i, &cp);
        char enc[4], menc[4];
        size_t el;
        if (l == 0) {
            l = 1;
            cp = 0xFFFD;
        }
        if (cp < 0x80) {
            enc[0] = (char)cp;
            el = 1;
        } else if (cp < 0x800) {
            enc[0] = (char)(0xC0 | cp >> 6);
            enc[1] = (char)(0x80 | (cp & 0x3F));
            el = 2;
        } else if (cp < 0x10000) {
            enc[0] = (char)(0xE0 | cp >> 12);
            enc[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            enc[2] = (char)(0x80 | (cp & 0x3F));
            el = 3;
        } else {
            enc[0] = (char)(0xF0 | (cp >> 18 & 0x07));
            enc[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            enc[2] = (char)(0x80 | (cp >> 6 & 0x3F));
            enc[3] = (char)(0x80 | (cp & 0x3F));
            el = 4;
        }
        memcpy(menc, enc, el);
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            /* same length: a 3-byte surrogate stays 3 bytes; past U+10FFFF
             * the 4 bytes read as U+FFFD and a NUL-free filler */
            memcpy(menc, "\xEF\xBF\xBD", 3);
            if (el == 4) menc[3] = '\x01';
        }
        memcpy(clean + k, enc, el);
        memcpy(match + k, menc, el);
        /* A character read as it is written maps byte to byte; one that
         * changed (U+FFFD for a bad byte, an overlong form re-encoded) is
         * covered by its first byte, the others are empty. */
        int same = el == l && memcmp(enc, text + i, el) == 0;
        off[k] = i;
        for (size_t q = 1; q < el; q++) off[k + q] = same ? i + q : i + l;
        k += el;
        i += l;
    }
    off[k] = to;

    if (span_push(&words, 0, k)) goto oom;
    md = pcre2_match_data_create(1, NULL);
    if (!md) goto oom;
    for (int r = 0; r < b->n_re; r++)
        if (regex_split(b->re[r], match, &words, &next, md)) goto oom;
    for (size_t i = 0; i < words.n; i++)
        if (bpe_word(t, b, &w, clean, off, words.a[i].start, words.a[i].end, out)) goto oom;
    rc = 0;
    goto done;

oom:
    error_set(err, errlen, "out of memory tokenizing %zu bytes of text", len);
done:
    pcre2_match_data_free(md);
    free(clean);
    free(match);
    free(off);
    free(words.a);
    free(next.a);
    free(w.enc);
    free(w.sym);
    free(w.key);
    free(w.heap.a);
    return rc;
}

/* Each character of the piece back to its byte; characters outside the
 * alphabet (pieces added by hand) are kept as they are. */
static size_t bpe_piece_text(const Tokenizer *t, int32_t id, char *buf, size_t cap) {
    const Bpe *b = t->impl;
    const char *p = tokenizer_piece(t, id);
    size_t len = tokenizer_piece_len(t, id), at = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t l = tokenizer_cpt_decode(p + i, len - i, &cp);
        if (l == 0) l = 1, cp = 0xFFFFFFFF;
        if (cp < 324 && b->char_byte[cp] >= 0) {
            char c = (char)b->char_byte[cp];
            at = tokenizer_put(buf, cap, at, &c, 1);
        } else {
            at = tokenizer_put(buf, cap, at, p + i, l);
        }
        i += l;
    }
    return at;
}

const TokenizerKind tokenizer_kind_bpe = {
    .model = "gpt2",
    .what = "byte-level BPE",
    .default_bos = 11, /* llama.cpp's, whatever it means in a given vocabulary */
    .default_unk = -1,
    .default_sep = -1,
    .default_add_bos = 0,
    .honours_add_bos = 1,
    .load = bpe_load,
    .free_impl = bpe_free,
    .encode = bpe_encode,
    .piece_text = bpe_piece_text,
};
