/*
 * tokenizer_spm.c - SentencePiece BPE as llama.cpp's "llama" (SPM) tokenizer does it.
 *
 * Encoding works on a normalised copy of the text ("▁" prefix, spaces -> "▁")
 * with an offset table that maps every normalised byte back to the original,
 * so token spans come out without any further bookkeeping.  Merging is the
 * classic sentencepiece/llama.cpp scheme: a doubly linked list of symbols and
 * a binary max-heap of candidate bigrams; an entry goes stale when either of
 * its symbols has changed since it was pushed, and is then skipped.
 *
 * Symbols are cut as llama.cpp cuts them: by the length a first byte
 * announces, even when the bytes after it do not continue it (so "\xC3" "a"
 * is one symbol that falls back to two byte tokens, and "a" is not merged
 * with what follows).  Matching that is the point: the same ids as llama.cpp.
 */
#include "tokenizer_impl.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

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
    int32_t id = piece_table_find(t, &t->mergeable, norm + sym[l].start, len);
    if (id < 0) return 0;
    Bigram b = {t->scores[id], id, l, r, len};
    return heap_push(h, b);
}

static int spm_encode(const Tokenizer *t, const char *all, size_t from, size_t to,
                      int after_special, TokenList *out, char *err, size_t errlen) {
    const char *text = all + from;
    size_t len = to - from;
    char *norm = NULL;
    size_t *off = NULL;
    Symbol *sym = NULL;
    Heap heap = {0};

    /* Normalise.  off[k] is the original offset where normalised byte k
     * starts; a token over normalised [a, b) covers original [off[a], off[b]).
     * A "▁" from a space at i has offsets i, i+1, i+1 so that it covers [i, i+1)
     * as a whole and its byte-fallback tokens tile it; the prefix covers
     * [from, from). */
    size_t prefix = len > 0 && t->add_space_prefix && after_special ? 3 : 0;
    size_t spaces = 0;
    for (size_t i = 0; i < len; i++) spaces += text[i] == ' ';
    if (len > (SIZE_MAX - 4) / 3) goto oom;
    size_t nlen = prefix + len + 2 * spaces;
    norm = tokenizer_alloc(nlen, 1);
    off = tokenizer_alloc(nlen + 1, sizeof *off);
    sym = tokenizer_alloc(nlen, sizeof *sym);
    if (!norm || !off || !sym) goto oom;
    size_t k = 0;
    if (prefix) {
        memcpy(norm, "\xE2\x96\x81", 3);
        off[0] = off[1] = off[2] = from;
        k = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(norm + k, "\xE2\x96\x81", 3);
            off[k] = from + i;
            off[k + 1] = off[k + 2] = from + i + 1;
            k += 3;
        } else {
            norm[k] = text[i];
            off[k++] = from + i;
        }
    }
    off[nlen] = to;

    /* Split into symbols and seed the heap with every mergeable pair. */
    size_t nsym = 0;
    for (size_t p = 0; p < nlen;) {
        size_t cl = tokenizer_spm_char_len(norm + p, nlen - p);
        sym[nsym] = (Symbol){p, cl, nsym ? nsym - 1 : NONE, NONE,
                             piece_table_find(t, &t->mergeable, norm + p, cl)};
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

    /* Symbol 0 is never merged away. */
    for (size_t s = nsym ? 0 : NONE; s != NONE; s = sym[s].next) {
        size_t a = sym[s].start, e = a + sym[s].len;
        if (sym[s].id >= 0) {
            if (toklist_push(out, sym[s].id, off[a], off[e])) goto oom;
        } else {
            for (size_t q = a; q < e; q++)
                if (toklist_push(out, t->byte_id[(unsigned char)norm[q]], off[q], off[q + 1]))
                    goto oom;
        }
    }
    free(norm);
    free(off);
    free(sym);
    free(heap.a);
    return 0;

oom:
    error_set(err, errlen, "out of memory tokenizing %zu bytes of text", len);
    free(norm);
    free(off);
    free(sym);
    free(heap.a);
    return -1;
}

/* "▁" stands for a space; "<0xXX>" for its byte. */
static size_t spm_piece_text(const Tokenizer *t, int32_t id, char *buf, size_t cap) {
    for (int b = 0; b < 256; b++) {
        if (t->byte_id[b] == id && t->types[id] == TOKEN_TYPE_BYTE) {
            char c = (char)b;
            return tokenizer_put(buf, cap, 0, &c, 1);
        }
    }
    const char *p = tokenizer_piece(t, id);
    size_t len = tokenizer_piece_len(t, id), at = 0;
    for (size_t i = 0; i < len;) {
        if (len - i >= 3 && memcmp(p + i, "\xE2\x96\x81", 3) == 0) {
            at = tokenizer_put(buf, cap, at, " ", 1);
            i += 3;
        } else {
            at = tokenizer_put(buf, cap, at, p + i, 1);
            i++;
        }
    }
    return at;
}

const TokenizerKind tokenizer_kind_spm = {
    .model = "llama",
    .what = "SentencePiece BPE",
    .default_bos = 1,
    .default_unk = UNK_FIRST_UNKNOWN,
    .default_sep = -1,
    .default_add_bos = 1,
    .honours_add_bos = 1,
    .encode = spm_encode,
    .piece_text = spm_piece_text,
};
