/*
 * tokenizer_wpm.c - WordPiece (BERT) as llama.cpp's "bert" tokenizer
 * (llm_tokenizer_wpm) does it.
 *
 * Normalise and split (llama.cpp's preprocess): each code point is first
 * replaced by the first code point of its canonical decomposition when
 * accents are stripped ("é" -> "e"); white space ends a word; NUL, U+FFFD
 * (what invalid UTF-8 reads as) and control/format characters are dropped,
 * so are combining marks when accents are stripped; the rest is lower-cased
 * (tokenizer.ggml.normalizer.lowercase, default on); punctuation, ASCII
 * symbols and CJK ideographs are words of their own.
 *
 * Then each word, with the "▁" that marks a word start in GGUF vocabularies
 * (llama.cpp's converter writes "▁the" for BERT's "the" and "ing" for
 * "##ing"), is cut greedily into the longest pieces from the left; a word
 * with a part no piece matches becomes one [UNK].  [CLS] and [SEP] go around
 * the whole text (tokenizer.c).
 *
 * Categories come from PCRE2 (\p{P}, \p{S}, \p{M}, \p{C*}) as for the BPE
 * pre-tokenizers; lower-casing and decomposition from generated tables
 * (tokenizer_wpm_tables.c), as neither libc nor PCRE2 exposes them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer_impl.h"
#include "tokenizer_wpm_tables.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int lowercase, strip_accents;
    pcre2_code *category; /* one group per class below, anchored */
} Wpm;

enum { CAT_NONE, CAT_PUNCT, CAT_SYMBOL, CAT_MARK, CAT_CONTROL };

static void wpm_free(void *impl) {
    Wpm *w = impl;
    if (!w) return;
    pcre2_code_free(w->category);
    free(w);
}

static int wpm_load(Tokenizer *t, const Gguf *g, int *add_bos, char *err, size_t errlen) {
    (void)add_bos;
    Wpm *w = calloc(1, sizeof *w);
    if (!w) {
        error_set(err, errlen, "%s: out of memory building the tokenizer", gguf_name(g));
        return -1;
    }
    t->impl = w;
    w->lowercase = 1;
    if (tokenizer_get_opt_bool(g, "tokenizer.ggml.normalizer.lowercase", &w->lowercase, err,
                               errlen))
        return -1;
    w->strip_accents = w->lowercase;
    if (tokenizer_get_opt_bool(g, "tokenizer.ggml.normalizer.strip_accents", &w->strip_accents,
                               err, errlen))
        return -1;
    int code;
    PCRE2_SIZE at;
    w->category = pcre2_compile((PCRE2_SPTR) "(\\p{P})|(\\p{S})|(\\p{M})|(\\p{Cc}|\\p{Cf}|\\p{Co})",
                                PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED,
                                &code, &at, NULL);
    if (!w->category) {
        error_set(err, errlen, "tokenizer_wpm: PCRE2 cannot compile the category regex");
        return -1;
    }
    return 0;
}

static size_t utf8_put(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unicode White_Space, the set llama.cpp uses. */
static int is_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* BERT's "Chinese character" blocks, as llama.cpp lists them. */
static int is_cjk(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int category(const Wpm *w, uint32_t c, pcre2_match_data *md) {
    char u[4];
    size_t n = utf8_put(c, u);
    int rc = pcre2_match(w->category, (PCRE2_SPTR)u, n, 0, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc < 2) return CAT_NONE;
    return rc - 1; /* the highest group set: the one that matched */
}

static uint32_t nfd_first(uint32_t c) {
    size_t lo = 0, hi = wpm_nfd_first_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (wpm_nfd_first[mid].last < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < wpm_nfd_first_count && wpm_nfd_first[lo].first <= c ? wpm_nfd_first[lo].to : c;
}

static uint32_t to_lower(uint32_t c) {
    size_t lo = 0, hi = wpm_lowercase_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (wpm_lowercase[mid].from < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < wpm_lowercase_count && wpm_lowercase[lo].from == c ? wpm_lowercase[lo].to : c;
}

/* A word being built: "▁" and its normalised bytes, each with the input
 * offset of the character it came from; END is where the last one ends. */
typedef struct {
    char *s;
    size_t *off;
    size_t n, cap, end;
} Word;

static int word_put(Word *w, const char *b, size_t n, size_t in_start, size_t in_end) {
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        while (cap < w->n + n) cap *= 2;
        char *s = realloc(w->s, cap);
        if (!s) return -1;
        w->s = s;
        size_t *off = realloc(w->off, (cap + 1) * sizeof *off);
        if (!off) return -1;
        w->off = off;
        w->cap = cap;
    }
    memcpy(w->s + w->n, b, n);
    for (size_t i = 0; i < n; i++) w->off[w->n + i] = in_start;
    w->n += n;
    w->end = in_end;
    return 0;
}

/* Cut the word into the longest pieces from the left; all or [UNK]. */
static int word_finish(const Tokenizer *t, Word *w, TokenList *out) {
    if (w->n <= 3) { /* only the "▁": no word */
        w->n = 0;
        return 0;
    }
    size_t n = w->n, first = out->n;
    w->off[n] = w->end;
    for (size_t i = 0; i < n;) {
        size_t j = n < i + t->max_piece_len + 1 ? n : i + t->max_piece_len + 1;
        int32_t id = -1;
        for (; j > i; j--)
            if ((id = piece_table_find(t, &t->all, w->s + i, j - i)) >= 0) break;
        if (id < 0) {
            out->n = first;
            break;
        }
        if (toklist_push(out, id, w->off[i], w->off[j])) return -1;
        i = j;
    }
    if (out->n == first && t->unk_id >= 0 && toklist_push(out, t->unk_id, w->off[0], w->end))
        return -1;
    w->n = 0;
    return 0;
}

static int word_start(Word *w, size_t in_start) {
    return word_put(w, "\xE2\x96\x81", 3, in_start, in_start);
}

static int wpm_encode(const Tokenizer *t, const char *text, size_t from, size_t to,
                      int after_special, TokenList *out, char *err, size_t errlen) {
    (void)after_special;
    const Wpm *wp = t->impl;
    size_t first = out->n;
    Word w = {0};
    pcre2_match_data *md = pcre2_match_data_create(5, NULL); /* whole match + 4 groups */
    int rc = -1;
    if (!md) goto oom;
    for (size_t i = from; i < to;) {
        uint32_t c = 0;
        size_t l = tokenizer_cpt_decode(text + i, to - i, &c);
        if (l == 0) l = 1, c = 0xFFFD;
        size_t at = i;
        i += l;
        if (wp->strip_accents) c = nfd_first(c);
        if (is_space(c)) {
            if (word_finish(t, &w, out)) goto oom;
            continue;
        }
        /* surrogates and values past U+10FFFF (which llama.cpp cannot
         * print) count as control characters */
        if (c == 0 || c == 0xFFFD || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) continue;
        int cat = category(wp, c, md);
        if (cat == CAT_CONTROL || (wp->strip_accents && cat == CAT_MARK)) continue;
        char u[4];
        size_t n = utf8_put(wp->lowercase ? to_lower(c) : c, u);
        if (cat == CAT_PUNCT || (c < 0x7F && cat == CAT_SYMBOL) || is_cjk(c)) {
            if (word_finish(t, &w, out) || word_start(&w, at) || word_put(&w, u, n, at, i) ||
                word_finish(t, &w, out))
                goto oom;
            continue;
        }
        if (w.n == 0 && word_start(&w, at)) goto oom;
        if (word_put(&w, u, n, at, i)) goto oom;
    }
    if (word_finish(t, &w, out)) goto oom;
    /* What the pieces skip (spaces, dropped controls and marks) belongs to
     * the piece after it, as a SentencePiece or byte-level BPE piece holds
     * the space before its word: " bank" is a word of the sentence, not a
     * piece joined to "The". */
    for (size_t k = first, end = from; k < out->n; end = out->a[k].end, k++)
        if (out->a[k].start > end) out->a[k].start = end;
    rc = 0;
    goto done;
oom:
    error_set(err, errlen, "out of memory tokenizing %zu bytes of text", to - from);
done:
    pcre2_match_data_free(md);
    free(w.s);
    free(w.off);
    return rc;
}

/* A word-start piece "▁cat" stands for " cat", a continuation "s" for "s". */
static size_t wpm_piece_text(const Tokenizer *t, int32_t id, char *buf, size_t cap) {
    const char *p = tokenizer_piece(t, id);
    size_t len = tokenizer_piece_len(t, id);
    if (len >= 3 && memcmp(p, "\xE2\x96\x81", 3) == 0)
        return tokenizer_put(buf, cap, tokenizer_put(buf, cap, 0, " ", 1), p + 3, len - 3);
    return tokenizer_put(buf, cap, 0, p, len);
}

const TokenizerKind tokenizer_kind_wpm = {
    .model = "bert",
    .what = "WordPiece",
    .default_bos = 101, /* [CLS] in BERT's vocabulary */
    .default_unk = 100, /* [UNK] */
    .default_sep = 102, /* [SEP] */
    .default_add_bos = 1,
    .honours_add_bos = 0,
    .load = wpm_load,
    .free_impl = wpm_free,
    .encode = wpm_encode,
    .piece_text = wpm_piece_text,
};
