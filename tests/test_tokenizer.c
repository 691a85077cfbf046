/*
 * test_tokenizer.c - the SentencePiece BPE tokenizer: exact ids and spans on a
 * hand-made vocabulary, a naive O(n^3) reference BPE on random text, span
 * tiling and byte round trips on random bytes, GGUF loading (hand-built files
 * and their error messages), a 1 MB input, and the golden token ids computed
 * with ref260K.gguf.
 */
#define _POSIX_C_SOURCE 200809L

#include <cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "testutil.h"
#include "tokenizer.h"

/* ---- the hand-made vocabulary ------------------------------------------- */

typedef struct {
    const char *piece;
    float score;
    int32_t type;
} Entry;

#define N TOKEN_TYPE_NORMAL
static const Entry hand_entries[] = {
    {"\xE2\x96\x81", -50, N}, /* ▁ */
    {"a", -60, N}, {"b", -60, N}, {"c", -60, N}, {"d", -60, N}, {"e", -60, N},
    {"h", -60, N}, {"t", -60, N}, {"s", -60, N}, {"x", -60, N}, {"y", -60, N},
    {"z", -60, N}, {"<", -60, N}, {">", -60, N}, {"\xC3\xBC", -60, N}, /* ü */
    /* score order: "abcde" must become abc|de although ab and abc are leftmost */
    {"ab", -5, N}, {"bc", -1, N}, {"cd", -3, N}, {"de", -2, N}, {"abc", -4, N},
    /* ties: leftmost first */
    {"aa", -1, N}, {"xy", -6, N}, {"yz", -6, N},
    {"\xE2\x96\x81" "a", -8, N}, {"at", -9, N}, {"\xE2\x96\x81" "b", -10, N},
    {"\xC3\xBC" "a", -30, N}, /* üa */
    /* "<s" + ">" would make the CONTROL piece "<s>": must never happen */
    {"<s", -20, N},
    {"ee", 10, TOKEN_TYPE_UNUSED},       /* must never be produced */
    {"hh", 10, TOKEN_TYPE_USER_DEFINED}, /* may be produced */
    {"zz", 10, TOKEN_TYPE_BYTE},         /* a stray BYTE-typed piece: never produced */
    /* A lone continuation byte as a piece: it shows where invalid UTF-8 is cut
     * into 1-byte symbols (a valid character holding 0x82 is not cut). */
    {"\x82", -60, N},
};
#undef N

enum { HAND_FIRST_BYTE = 3, HAND_FIRST_EXTRA = 3 + 256 };
#define HAND_N (HAND_FIRST_EXTRA + (int32_t)(sizeof hand_entries / sizeof hand_entries[0]))

static char hand_byte_names[256][8];
static const char *hand_pieces[HAND_N];
static float hand_scores[HAND_N];
static int32_t hand_types[HAND_N];

static void hand_init(void) {
    hand_pieces[0] = "<unk>", hand_types[0] = TOKEN_TYPE_UNKNOWN;
    hand_pieces[1] = "<s>", hand_types[1] = TOKEN_TYPE_CONTROL;
    hand_pieces[2] = "</s>", hand_types[2] = TOKEN_TYPE_CONTROL;
    for (int b = 0; b < 256; b++) {
        snprintf(hand_byte_names[b], sizeof hand_byte_names[b], "<0x%02X>", b);
        hand_pieces[HAND_FIRST_BYTE + b] = hand_byte_names[b];
        hand_types[HAND_FIRST_BYTE + b] = TOKEN_TYPE_BYTE;
    }
    for (int32_t i = HAND_FIRST_EXTRA; i < HAND_N; i++) {
        hand_pieces[i] = hand_entries[i - HAND_FIRST_EXTRA].piece;
        hand_scores[i] = hand_entries[i - HAND_FIRST_EXTRA].score;
        hand_types[i] = hand_entries[i - HAND_FIRST_EXTRA].type;
    }
}

/* ---- helpers ------------------------------------------------------------- */

/* Tokens as "piece|piece|..." and spans as "[s,e)[s,e)...". */
static void describe(const Tokenizer *t, const Token *tok, size_t n, char *pieces, size_t plen,
                     char *spans, size_t slen) {
    size_t p = 0, s = 0;
    pieces[0] = spans[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        p += (size_t)snprintf(pieces + p, p < plen ? plen - p : 0, "%s%s", i ? "|" : "",
                              tokenizer_piece(t, tok[i].id));
        s += (size_t)snprintf(spans + s, s < slen ? slen - s : 0, "[%zu,%zu)", tok[i].start,
                              tok[i].end);
        if (p >= plen || s >= slen) break;
    }
}

static void check_enc(const Tokenizer *t, const char *text, size_t len, const char *want_pieces,
                      const char *want_spans, const char *name) {
    Token *tok = NULL;
    size_t n = 0;
    char err[256] = "";
    int rc = tokenizer_encode(t, text, len, 0, &tok, &n, err, sizeof err);
    if (!ok(rc == 0, "%s: encodes", name)) {
        diag("%s", err);
        return;
    }
    char pieces[2048], spans[2048];
    describe(t, tok, n, pieces, sizeof pieces, spans, sizeof spans);
    is_str(pieces, want_pieces, "%s: pieces", name);
    if (want_spans) is_str(spans, want_spans, "%s: spans", name);
    free(tok);
}
#define CHECK(t, text, pieces, spans, name) check_enc(t, text, sizeof text - 1, pieces, spans, name)

static int byte_piece(const char *p) {
    unsigned v;
    char close;
    if (strlen(p) != 6 || strncmp(p, "<0x", 3) != 0) return -1;
    if (sscanf(p + 3, "%2X%c", &v, &close) != 2 || close != '>') return -1;
    return (int)v;
}

/* What the tokenizer works on: optional "▁" prefix, spaces as "▁". */
static char *normalize(const char *text, size_t len, int prefix, size_t *nlen) {
    char *s = malloc(3 * len + 4);
    size_t k = 0;
    if (prefix && len) memcpy(s, "\xE2\x96\x81", 3), k = 3;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') memcpy(s + k, "\xE2\x96\x81", 3), k += 3;
        else s[k++] = text[i];
    }
    *nlen = k;
    return s;
}

/* Invariants on any output: BOS first, spans tile the input in order, and the
 * pieces (byte pieces decoded) spell the normalised text.  Returns 1 when all hold,
 * else 0 with a diagnostic in WHY. */
static int check_invariants(const Tokenizer *t, const char *text, size_t len, int prefix,
                            const Token *tok, size_t n, char *why, size_t whylen) {
    size_t i = 0, pos = 0;
    int32_t bos = tokenizer_bos_id(t);
    if (bos >= 0) {
        if (n < 1 || tok[0].id != bos || tok[0].start != 0 || tok[0].end != 0) {
            snprintf(why, whylen, "no BOS [0,0) first");
            return 0;
        }
        i = 1;
    }
    size_t nlen;
    char *norm = normalize(text, len, prefix, &nlen);
    char *spelled = malloc(nlen + 1);
    size_t k = 0;
    int good = 1;
    for (; i < n && good; i++) {
        if (tok[i].start != pos || tok[i].end < tok[i].start || tok[i].end > len) {
            snprintf(why, whylen, "token %zu spans [%zu,%zu), expected to start at %zu", i,
                     tok[i].start, tok[i].end, pos);
            good = 0;
            break;
        }
        pos = tok[i].end;
        if (tok[i].id == bos) {
            snprintf(why, whylen, "token %zu is BOS", i);
            good = 0;
            break;
        }
        const char *p = tokenizer_piece(t, tok[i].id);
        int b = byte_piece(p);
        size_t pl = b >= 0 ? 1 : strlen(p);
        if (k + pl > nlen) {
            snprintf(why, whylen, "pieces spell more than the normalised text");
            good = 0;
            break;
        }
        if (b >= 0) spelled[k] = (char)b;
        else memcpy(spelled + k, p, pl);
        k += pl;
    }
    if (good && pos != len) {
        snprintf(why, whylen, "spans end at %zu, not %zu", pos, len);
        good = 0;
    }
    if (good && (k != nlen || memcmp(spelled, norm, nlen) != 0)) {
        snprintf(why, whylen, "pieces do not spell the normalised text");
        good = 0;
    }
    free(norm);
    free(spelled);
    return good;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- a naive reference BPE (hand vocabulary only) ------------------------ */

/* Decode one code point; 1 when S does not start with a valid UTF-8 character. */
static size_t ref_char_len(const unsigned char *s, size_t n) {
    size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n) return 1;
    if (len == 1) return 1;
    uint32_t cp = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 1;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 1;
    return len;
}

static int32_t ref_find(const char *s, size_t len) {
    for (int32_t i = 0; i < HAND_N; i++)
        if ((hand_types[i] == TOKEN_TYPE_NORMAL || hand_types[i] == TOKEN_TYPE_USER_DEFINED) &&
            strlen(hand_pieces[i]) == len && memcmp(hand_pieces[i], s, len) == 0)
            return i;
    return -1;
}

/* Repeatedly merge the best-scoring (then leftmost) pair; returns the count of ids. */
static size_t ref_bpe(const char *text, size_t len, int prefix, int bos, int32_t *ids) {
    size_t nlen, ns = 0, n = 0;
    char *norm = normalize(text, len, prefix, &nlen);
    size_t *st = malloc((nlen + 1) * sizeof *st), *ln = malloc((nlen + 1) * sizeof *ln);
    for (size_t p = 0; p < nlen; p += ln[ns++]) st[ns] = p, ln[ns] = ref_char_len((const unsigned char *)norm + p, nlen - p);
    for (;;) {
        size_t best = SIZE_MAX;
        float best_score = 0;
        for (size_t i = 0; i + 1 < ns; i++) {
            int32_t id = ref_find(norm + st[i], ln[i] + ln[i + 1]);
            if (id >= 0 && (best == SIZE_MAX || hand_scores[id] > best_score))
                best = i, best_score = hand_scores[id];
        }
        if (best == SIZE_MAX) break;
        ln[best] += ln[best + 1];
        memmove(st + best + 1, st + best + 2, (ns - best - 2) * sizeof *st);
        memmove(ln + best + 1, ln + best + 2, (ns - best - 2) * sizeof *ln);
        ns--;
    }
    if (bos) ids[n++] = 1;
    for (size_t i = 0; i < ns; i++) {
        int32_t id = ref_find(norm + st[i], ln[i]);
        if (id >= 0) ids[n++] = id;
        else
            for (size_t q = 0; q < ln[i]; q++)
                ids[n++] = HAND_FIRST_BYTE + (unsigned char)norm[st[i] + q];
    }
    free(norm);
    free(st);
    free(ln);
    return n;
}

static void test_random_bytes(const Tokenizer *t, int prefix, const char *name);

/* ---- tests on the hand vocabulary ---------------------------------------- */

static void test_hand(void) {
    char err[256] = "";
    Tokenizer *t = NULL, *np = NULL, *tiny = NULL;
    int rc = tokenizer_new(&t, hand_pieces, hand_scores, hand_types, HAND_N, 1, 1, err, sizeof err);
    if (!ok(rc == 0, "tokenizer_new builds the hand vocabulary")) {
        diag("%s", err);
        return;
    }
    rc = tokenizer_new(&np, hand_pieces, hand_scores, hand_types, HAND_N, -1, 0, err, sizeof err);
    ok(rc == 0, "tokenizer_new without BOS and space prefix");
    is_int(tokenizer_vocab_size(t), HAND_N, "vocab size");
    is_int(tokenizer_bos_id(t), 1, "bos id");
    is_int(tokenizer_bos_id(np), -1, "bos id when none is added");
    is_str(tokenizer_piece(t, 1), "<s>", "piece 1");
    is_str(tokenizer_piece(t, HAND_FIRST_BYTE + 0xC3), "<0xC3>", "a byte piece");
    is_str(tokenizer_piece(t, -1), "", "piece -1 is empty");
    is_str(tokenizer_piece(t, HAND_N), "", "piece past the end is empty");

    CHECK(t, "", "<s>", "[0,0)", "empty text is just BOS");
    CHECK(np, "", "", "", "empty text without BOS is nothing");
    CHECK(np, "abcde", "abc|de", "[0,3)[3,5)", "best score first, not leftmost");
    CHECK(np, "abcd", "abc|d", NULL, "bc, then abc over cd");
    CHECK(np, "aaa", "aa|a", "[0,2)[2,3)", "tie: leftmost pair");
    CHECK(np, "aaaaa", "aa|aa|a", NULL, "ties along a run");
    CHECK(np, "xyz", "xy|z", NULL, "tie between different pieces: leftmost");
    CHECK(np, "yzxyz", "yz|xy|z", NULL, "ties, leftmost each time");
    CHECK(t, "at", "<s>|\xE2\x96\x81" "a|t", "[0,0)[0,1)[1,2)",
          "leading \xE2\x96\x81 merges with the first character, empty prefix span");
    CHECK(np, "at", "at", "[0,2)", "no space prefix");
    CHECK(t, "a b", "<s>|\xE2\x96\x81" "a|\xE2\x96\x81" "b", "[0,0)[0,1)[1,3)", "space becomes \xE2\x96\x81");
    CHECK(np, "a b", "a|\xE2\x96\x81" "b", "[0,1)[1,3)", "space becomes \xE2\x96\x81 without the prefix too");
    CHECK(t, "a  b", "<s>|\xE2\x96\x81" "a|\xE2\x96\x81|\xE2\x96\x81" "b", "[0,0)[0,1)[1,2)[2,4)",
          "repeated spaces are kept");
    CHECK(t, " ", "<s>|\xE2\x96\x81|\xE2\x96\x81", "[0,0)[0,0)[0,1)", "a lone space");
    CHECK(t, "a\tb\nc", "<s>|\xE2\x96\x81" "a|<0x09>|b|<0x0A>|c", "[0,0)[0,1)[1,2)[2,3)[3,4)[4,5)",
          "tab and newline kept as bytes");
    CHECK(t, "\xC3\xA9", "<s>|\xE2\x96\x81|<0xC3>|<0xA9>", "[0,0)[0,0)[0,1)[1,2)",
          "\xC3\xA9 falls back to bytes");
    CHECK(t, "a\xC3\xBC" "a", "<s>|\xE2\x96\x81" "a|\xC3\xBC" "a", "[0,0)[0,1)[1,4)",
          "a multibyte character with a piece merges");
    CHECK(t, "\xE2\x82\xAC" "a", "<s>|\xE2\x96\x81|<0xE2>|<0x82>|<0xAC>|a",
          "[0,0)[0,0)[0,1)[1,2)[2,3)[3,4)", "\xE2\x82\xAC: three byte tokens, one byte each");
    CHECK(t, "\xFF", "<s>|\xE2\x96\x81|<0xFF>", "[0,0)[0,0)[0,1)", "lone 0xFF");
    CHECK(t, "\xE2\x82", "<s>|\xE2\x96\x81|<0xE2>|\x82", "[0,0)[0,0)[0,1)[1,2)", "truncated 0xE2 0x82");
    CHECK(t, "a\xE2\x82" "a", "<s>|\xE2\x96\x81" "a|<0xE2>|\x82|a", NULL,
          "truncated sequence inside text");
    CHECK(np, "\xC3" "a", "<0xC3>|a", NULL, "lead byte followed by ASCII");
    CHECK(np, "\xC0\x82", "<0xC0>|\x82", NULL, "overlong 2-byte");
    CHECK(np, "\xE0\x82\xAF", "<0xE0>|\x82|<0xAF>", NULL, "overlong 3-byte");
    CHECK(np, "\xF0\x82\x80\x80", "<0xF0>|\x82|<0x80>|<0x80>", NULL, "overlong 4-byte");
    CHECK(np, "\xED\xA0\x82", "<0xED>|<0xA0>|\x82", NULL, "surrogate");
    CHECK(np, "\xF4\x90\x80\x82", "<0xF4>|<0x90>|<0x80>|\x82", NULL, "above U+10FFFF");
    CHECK(np, "\xF8\x82", "<0xF8>|\x82", NULL, "5-byte lead");
    CHECK(np, "\xE2\x82\x41", "<0xE2>|\x82|<0x41>", NULL, "bad third byte");
    CHECK(np, "\xED\x9F\xBF", "<0xED>|<0x9F>|<0xBF>", NULL, "U+D7FF is valid (one symbol)");
    CHECK(np, "\xF4\x8F\xBF\xBF", "<0xF4>|<0x8F>|<0xBF>|<0xBF>", NULL, "U+10FFFF is valid");
    CHECK(np, "\x80" "ab", "<0x80>|ab", NULL, "stray continuation byte");
    CHECK(np, "\xE2\x96", "<0xE2>|<0x96>", NULL, "half of \xE2\x96\x81 stays bytes");
    check_enc(np, "a\0b", 3, "a|<0x00>|b", "[0,1)[1,2)[2,3)", "NUL byte inside text");
    CHECK(t, "<s>", "<s>|\xE2\x96\x81|<s|>", "[0,0)[0,0)[0,2)[2,3)",
          "text <s> never becomes the control piece");
    CHECK(np, "ee", "e|e", NULL, "UNUSED piece never produced");
    CHECK(np, "zz", "z|z", NULL, "BYTE-typed piece never produced from text");
    CHECK(np, "hh", "hh", NULL, "USER_DEFINED piece is produced");
    CHECK(np, "<0x41>", "<|<0x30>|x|<0x34>|<0x31>|>", NULL, "text <0x41> is not the byte token");
    CHECK(t, "\xE2\x96\x81" "a", "<s>|\xE2\x96\x81|\xE2\x96\x81" "a", "[0,0)[0,0)[0,4)",
          "a literal \xE2\x96\x81 in the text acts like a space");

    /* Without a "\xE2\x96\x81" piece a space falls back to three byte tokens:
     * the first covers the space, the others are empty, so spans still tile. */
    static const char *nb_pieces[2 + 256 + 2];
    nb_pieces[0] = "<unk>", nb_pieces[1] = "<s>";
    for (int b = 0; b < 256; b++) nb_pieces[2 + b] = hand_byte_names[b];
    nb_pieces[258] = "a", nb_pieces[259] = "b";
    Tokenizer *nb = NULL;
    rc = tokenizer_new(&nb, nb_pieces, NULL, NULL, 260, 1, 1, err, sizeof err);
    if (ok(rc == 0, "a vocabulary without \xE2\x96\x81 (untyped)")) {
        CHECK(nb, "a b", "<s>|<0xE2>|<0x96>|<0x81>|a|<0xE2>|<0x96>|<0x81>|b",
              "[0,0)[0,0)[0,0)[0,0)[0,1)[1,2)[2,2)[2,2)[2,3)", "spaces as byte tokens");
        test_random_bytes(nb, 1, "vocabulary without \xE2\x96\x81");
    }
    tokenizer_free(nb);

    /* max_tokens */
    Token *tok = NULL;
    size_t n = 0;
    err[0] = '\0';
    rc = tokenizer_encode(t, "abcde", 5, 4, &tok, &n, err, sizeof err); /* <s> ▁ abc de */
    ok(rc == 0 && n == 4, "max_tokens equal to the count succeeds");
    free(tok);
    tok = NULL;
    rc = tokenizer_encode(t, "abcde", 5, 3, &tok, &n, err, sizeof err);
    ok(rc != 0 && tok == NULL && n == 0, "max_tokens below the count fails");
    is_str(err, "text is 4 tokens, more than the limit of 3", "max_tokens message");

    /* A vocabulary without byte pieces falls back to the unknown piece. */
    const char *tiny_pieces[] = {"<s>", "a", "<unk>", "\xE2\x96\x81"};
    const int32_t tiny_types[] = {TOKEN_TYPE_CONTROL, TOKEN_TYPE_NORMAL, TOKEN_TYPE_UNKNOWN,
                                  TOKEN_TYPE_NORMAL};
    rc = tokenizer_new(&tiny, tiny_pieces, NULL, tiny_types, 4, 0, 1, err, sizeof err);
    ok(rc == 0, "tokenizer_new with NULL scores");
    if (rc == 0)
        CHECK(tiny, "a\xC3\xA9", "<s>|\xE2\x96\x81|a|<unk>|<unk>", "[0,0)[0,0)[0,1)[1,2)[2,3)",
              "missing byte pieces become <unk>");
    tokenizer_free(tiny);

    /* Construction errors. */
    Tokenizer *bad = (Tokenizer *)&rc;
    err[0] = '\0';
    rc = tokenizer_new(&bad, hand_pieces, NULL, NULL, 0, -1, 1, err, sizeof err);
    ok(rc != 0 && bad == NULL && err[0], "an empty vocabulary is refused: %s", err);
    err[0] = '\0';
    rc = tokenizer_new(&bad, hand_pieces, NULL, NULL, 5, 5, 1, err, sizeof err);
    ok(rc != 0 && bad == NULL && strstr(err, "BOS"), "BOS out of range is refused: %s", err);
    const char *with_null[] = {"a", NULL};
    err[0] = '\0';
    rc = tokenizer_new(&bad, with_null, NULL, NULL, 2, -1, 1, err, sizeof err);
    ok(rc != 0 && bad == NULL && err[0], "a NULL piece is refused: %s", err);
    const float nan_score[] = {0.0f, NAN};
    const char *two[] = {"a", "b"};
    err[0] = '\0';
    rc = tokenizer_new(&bad, two, nan_score, NULL, 2, -1, 1, err, sizeof err);
    ok(rc != 0 && bad == NULL && strstr(err, "NaN"), "a NaN score is refused: %s", err);
    tokenizer_free(NULL);

    /* Against the naive reference on random strings over the vocabulary's alphabet. */
    static const char *const alphabet[] = {
        "a", "b", "c", "d", "e", "h", "t", "s", "x", "y", "z", "<", ">", " ", " ", " ", "\t",
        "\n", "\xC3\xBC", "\xC3\xA9", "\xFF", "\xE2\x82", "\xE2\x96\x81", "\xC3", "\x80", "\0"};
    const size_t n_alpha = sizeof alphabet / sizeof alphabet[0];
    int ref_bad = 0, inv_bad = 0;
    int32_t ids[1024];
    char buf[512], why[256];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0, parts = rng() % 40;
        for (size_t p = 0; p < parts; p++) {
            const char *a = alphabet[rng() % n_alpha];
            size_t al = a[0] ? strlen(a) : 1;
            memcpy(buf + len, a, al);
            len += al;
        }
        for (int which = 0; which < 2; which++) {
            const Tokenizer *tk = which ? np : t;
            int prefix = !which;
            rc = tokenizer_encode(tk, buf, len, 0, &tok, &n, err, sizeof err);
            if (rc) {
                if (!inv_bad++) diag("iteration %d: %s", iter, err);
                continue;
            }
            size_t nref = ref_bpe(buf, len, prefix, !which, ids);
            int same = nref == n;
            for (size_t i = 0; same && i < n; i++) same = ids[i] == tok[i].id;
            if (!same && !ref_bad++) {
                char pieces[2048], spans[2048];
                describe(tk, tok, n, pieces, sizeof pieces, spans, sizeof spans);
                diag("iteration %d (%s): got %s", iter, which ? "no prefix" : "prefix", pieces);
            }
            if (!check_invariants(tk, buf, len, prefix, tok, n, why, sizeof why) && !inv_bad++)
                diag("iteration %d: %s", iter, why);
            free(tok);
        }
    }
    ok(ref_bad == 0, "3000 random strings x 2 settings agree with the naive reference BPE (%d differ)",
       ref_bad);
    ok(inv_bad == 0, "and their spans tile the input and pieces spell it (%d bad)", inv_bad);

    tokenizer_free(t);
    tokenizer_free(np);
}

/* Random bytes (lengths 0..200): success, tiling spans, pieces spelling the text. */
static void test_random_bytes(const Tokenizer *t, int prefix, const char *name) {
    static const unsigned char interesting[] = {' ', ' ', 'a', 'e', 't', 'h', '\n', '\t', 0,
                                                0xC3, 0xA9, 0xE2, 0x96, 0x81, 0x82, 0xF0, 0x9F,
                                                0xFF, 0x80, 0xED, 0xBF};
    unsigned char buf[200];
    char err[256], why[256];
    int failed = 0, bad = 0;
    for (int iter = 0; iter < 5000; iter++) {
        size_t len = (size_t)(rng() % 201);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = rng();
            buf[i] = r & 1 ? (unsigned char)(r >> 8) : interesting[(r >> 8) % sizeof interesting];
        }
        Token *tok = NULL;
        size_t n = 0;
        if (tokenizer_encode(t, (const char *)buf, len, 0, &tok, &n, err, sizeof err)) {
            if (!failed++) diag("iteration %d: %s", iter, err);
            continue;
        }
        if (!check_invariants(t, (const char *)buf, len, prefix, tok, n, why, sizeof why) &&
            !bad++)
            diag("iteration %d: %s", iter, why);
        free(tok);
    }
    ok(failed == 0, "%s: 5000 random byte strings encode (%d failed)", name, failed);
    ok(bad == 0, "%s: spans tile the input, pieces spell it (%d bad)", name, bad);
}

/* ---- GGUF files built by hand -------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t n, cap;
    uint64_t n_kv;
} Buf;

static void put(Buf *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}
static void put_u32(Buf *b, uint32_t v) {
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, x, 4);
}
static void put_u64(Buf *b, uint64_t v) {
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}
static void put_gstr(Buf *b, const char *s, size_t len) {
    put_u64(b, len);
    put(b, s, len);
}
static void kv_key(Buf *b, const char *key, GgufType type) {
    put_gstr(b, key, strlen(key));
    put_u32(b, type);
    b->n_kv++;
}
static void kv_str(Buf *b, const char *key, const char *v) {
    kv_key(b, key, GGUF_TYPE_STRING);
    put_gstr(b, v, strlen(v));
}
static void kv_u32(Buf *b, const char *key, uint32_t v) {
    kv_key(b, key, GGUF_TYPE_UINT32);
    put_u32(b, v);
}
static void kv_bool(Buf *b, const char *key, int v) {
    kv_key(b, key, GGUF_TYPE_BOOL);
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}
static void kv_tokens(Buf *b, const char *const *s, const size_t *lens, size_t n) {
    kv_key(b, "tokenizer.ggml.tokens", GGUF_TYPE_ARRAY);
    put_u32(b, GGUF_TYPE_STRING);
    put_u64(b, n);
    for (size_t i = 0; i < n; i++) put_gstr(b, s[i], lens ? lens[i] : strlen(s[i]));
}
static void kv_f32s(Buf *b, const char *key, const float *v, size_t n) {
    kv_key(b, key, GGUF_TYPE_ARRAY);
    put_u32(b, GGUF_TYPE_FLOAT32);
    put_u64(b, n);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_u32(b, u);
    }
}
static void kv_i32s(Buf *b, const char *key, const int32_t *v, size_t n) {
    kv_key(b, key, GGUF_TYPE_ARRAY);
    put_u32(b, GGUF_TYPE_INT32);
    put_u64(b, n);
    for (size_t i = 0; i < n; i++) put_u32(b, (uint32_t)v[i]);
}

/* Header + the KVs in BODY, no tensors, padded to the alignment. */
static unsigned char *finish(Buf *body, size_t *size) {
    Buf f = {0};
    put(&f, "GGUF", 4);
    put_u32(&f, 3);
    put_u64(&f, 0);
    put_u64(&f, body->n_kv);
    put(&f, body->p, body->n);
    static const unsigned char zeros[GGUF_DEFAULT_ALIGNMENT] = {0};
    if (f.n % GGUF_DEFAULT_ALIGNMENT)
        put(&f, zeros, GGUF_DEFAULT_ALIGNMENT - f.n % GGUF_DEFAULT_ALIGNMENT);
    free(body->p);
    *size = f.n;
    return f.p;
}

static const char *const g_tokens[] = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "\342\226\201a"};
static const float g_scores[] = {0, 0, 0, -3, -4, -1};
static const int32_t g_types[] = {2, 3, 3, 1, 1, 1};
enum { G_N = 6 };

enum {
    F_MODEL = 1 << 0, F_SCORES = 1 << 1, F_TYPES = 1 << 2, F_BOS = 1 << 3, F_TOKENS = 1 << 4,
};

/* A small valid tokenizer GGUF, minus the parts not in FLAGS, plus EXTRA. */
static Buf base_kvs(unsigned flags) {
    Buf b = {0};
    kv_str(&b, "general.architecture", "llama");
    if (flags & F_MODEL) kv_str(&b, "tokenizer.ggml.model", "llama");
    if (flags & F_TOKENS) kv_tokens(&b, g_tokens, NULL, G_N);
    if (flags & F_SCORES) kv_f32s(&b, "tokenizer.ggml.scores", g_scores, G_N);
    if (flags & F_TYPES) kv_i32s(&b, "tokenizer.ggml.token_type", g_types, G_N);
    if (flags & F_BOS) kv_u32(&b, "tokenizer.ggml.bos_token_id", 1);
    return b;
}

/* Load BODY through gguf_open_buffer and tokenizer_from_gguf; the buffer and the
 * Gguf are destroyed before returning, so the tokenizer must own its data. */
static int load(Buf body, Tokenizer **t, char *err, size_t errlen) {
    size_t size;
    unsigned char *data = finish(&body, &size);
    Gguf *g = NULL;
    *t = NULL;
    err[0] = '\0';
    char gerr[256];
    if (gguf_open_buffer(&g, data, size, "test.gguf", gerr, sizeof gerr)) {
        snprintf(err, errlen, "(gguf_open_buffer failed: %s)", gerr);
        free(data);
        return -2;
    }
    int rc = tokenizer_from_gguf(t, g, err, errlen);
    gguf_close(g);
    memset(data, 0xAB, size);
    free(data);
    return rc;
}

static void expect_error(Buf body, const char *needle, const char *name) {
    Tokenizer *t;
    char err[512];
    int rc = load(body, &t, err, sizeof err);
    ok(rc == -1 && t == NULL && strstr(err, needle), "%s: error names %s", name, needle);
    diag("  %s", err);
    tokenizer_free(t);
}

static void test_gguf_files(void) {
    Tokenizer *t;
    char err[512];
    int all = F_MODEL | F_SCORES | F_TYPES | F_BOS | F_TOKENS;

    int rc = load(base_kvs((unsigned)all), &t, err, sizeof err);
    if (ok(rc == 0, "a hand-built tokenizer GGUF loads")) {
        is_int(tokenizer_vocab_size(t), G_N, "its vocab size");
        is_int(tokenizer_bos_id(t), 1, "its bos id");
        is_str(tokenizer_piece(t, 5), "\xE2\x96\x81" "a", "its piece 5");
        CHECK(t, "a aa", "<s>|\xE2\x96\x81" "a|\xE2\x96\x81" "a|a", "[0,0)[0,1)[1,3)[3,4)",
              "it encodes after the Gguf and its buffer are gone");
        CHECK(t, "\xC3\xA9", "<s>|\xE2\x96\x81|<unk>|<unk>", NULL, "no byte pieces: the UNKNOWN piece");
    } else {
        diag("%s", err);
    }
    tokenizer_free(t);

    /* Defaults: no scores (all 0), no types (all NORMAL), BOS 1. */
    rc = load(base_kvs(F_MODEL | F_TOKENS), &t, err, sizeof err);
    if (ok(rc == 0, "scores, types and bos id are optional")) {
        is_int(tokenizer_bos_id(t), 1, "default bos id is 1");
        CHECK(t, "a", "<s>|\xE2\x96\x81" "a", NULL, "default encoding");
        /* Untyped: "<s>" is NORMAL now, so text "<s>" still cannot form it (no "<" pieces). */
    } else {
        diag("%s", err);
    }
    tokenizer_free(t);

    Buf b = base_kvs((unsigned)all);
    kv_bool(&b, "tokenizer.ggml.add_bos_token", 0);
    kv_bool(&b, "tokenizer.ggml.add_space_prefix", 0);
    kv_u32(&b, "tokenizer.ggml.unknown_token_id", 2);
    rc = load(b, &t, err, sizeof err);
    if (ok(rc == 0, "add_bos_token, add_space_prefix and unknown_token_id are read")) {
        is_int(tokenizer_bos_id(t), -1, "no BOS added: bos id -1");
        CHECK(t, "a a\xFF", "a|\xE2\x96\x81" "a|</s>", "[0,1)[1,3)[3,4)", "no BOS, no prefix, unknown id 2");
    } else {
        diag("%s", err);
    }
    tokenizer_free(t);

    b = base_kvs((unsigned)all & ~F_MODEL);
    kv_str(&b, "tokenizer.ggml.model", "gpt2");
    expect_error(b, "gpt2", "model gpt2");
    expect_error(base_kvs((unsigned)all & ~F_MODEL), "tokenizer.ggml.model", "model missing");
    expect_error(base_kvs((unsigned)all & ~F_TOKENS), "tokenizer.ggml.tokens", "tokens missing");

    b = base_kvs((unsigned)all & ~F_TOKENS);
    kv_tokens(&b, g_tokens, NULL, 0);
    expect_error(b, "tokenizer.ggml.tokens", "no tokens");

    b = base_kvs((unsigned)all & ~F_TOKENS);
    kv_str(&b, "tokenizer.ggml.tokens", "a");
    expect_error(b, "tokenizer.ggml.tokens", "tokens not an array");

    b = base_kvs((unsigned)all & ~F_TOKENS);
    const size_t lens[] = {5, 3, 4, 3, 2, 4}; /* "a\0" */
    kv_tokens(&b, g_tokens, lens, G_N);
    expect_error(b, "tokenizer.ggml.tokens", "token with a NUL byte");

    b = base_kvs((unsigned)all & ~F_SCORES);
    kv_f32s(&b, "tokenizer.ggml.scores", g_scores, G_N - 1);
    expect_error(b, "tokenizer.ggml.scores", "scores count mismatch");

    b = base_kvs((unsigned)all & ~F_SCORES);
    kv_i32s(&b, "tokenizer.ggml.scores", g_types, G_N);
    expect_error(b, "tokenizer.ggml.scores", "scores of the wrong type");

    b = base_kvs((unsigned)all & ~F_TYPES);
    kv_f32s(&b, "tokenizer.ggml.token_type", g_scores, G_N);
    expect_error(b, "tokenizer.ggml.token_type", "token_type of the wrong type");

    b = base_kvs((unsigned)all & ~F_TYPES);
    kv_i32s(&b, "tokenizer.ggml.token_type", g_types, G_N + 0 - 2);
    expect_error(b, "tokenizer.ggml.token_type", "token_type count mismatch");

    b = base_kvs((unsigned)all & ~F_BOS);
    kv_u32(&b, "tokenizer.ggml.bos_token_id", G_N);
    expect_error(b, "tokenizer.ggml.bos_token_id", "bos id out of range");

    b = base_kvs((unsigned)all & ~F_BOS);
    kv_str(&b, "tokenizer.ggml.bos_token_id", "1");
    expect_error(b, "tokenizer.ggml.bos_token_id", "bos id not an integer");

    b = base_kvs((unsigned)all);
    kv_u32(&b, "tokenizer.ggml.unknown_token_id", 1000);
    expect_error(b, "tokenizer.ggml.unknown_token_id", "unknown id out of range");

    b = base_kvs((unsigned)all);
    kv_str(&b, "tokenizer.ggml.add_space_prefix", "yes");
    expect_error(b, "tokenizer.ggml.add_space_prefix", "add_space_prefix not a bool");
}

/* ---- the real model -------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_golden(const Tokenizer *t, const char *shared) {
    char path[4096];
    snprintf(path, sizeof path, "%s/golden", shared);
    DIR *d = opendir(path);
    if (!d) {
        skip("golden directory not found");
        return;
    }
    char *names[256];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 256) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_str);
    ok(nn > 0, "found %zu golden files", nn);
    for (size_t f = 0; f < nn; f++) {
        snprintf(path, sizeof path, "%s/golden/%s", shared, names[f]);
        size_t size;
        char *json = test_read_file(path, &size);
        cJSON *root = json ? cJSON_Parse(json) : NULL;
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "text");
        const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(root, "tokens");
        const cJSON *pieces = cJSON_GetObjectItemCaseSensitive(root, "pieces");
        if (!ok(cJSON_IsString(text) && cJSON_IsArray(tokens) && cJSON_IsArray(pieces),
                "%s: parses", names[f])) {
            cJSON_Delete(root);
            free(json);
            free(names[f]);
            continue;
        }
        Token *tok = NULL;
        size_t n = 0;
        char err[256], why[256];
        const char *s = text->valuestring;
        int rc = tokenizer_encode(t, s, strlen(s), 0, &tok, &n, err, sizeof err);
        int same_ids = rc == 0 && (size_t)cJSON_GetArraySize(tokens) == n;
        int same_pieces = rc == 0 && (size_t)cJSON_GetArraySize(pieces) == n;
        for (size_t i = 0; i < n && (same_ids || same_pieces); i++) {
            const cJSON *id = cJSON_GetArrayItem(tokens, (int)i);
            const cJSON *pc = cJSON_GetArrayItem(pieces, (int)i);
            if (!cJSON_IsNumber(id) || id->valueint != tok[i].id) same_ids = 0;
            if (!cJSON_IsString(pc) || strcmp(pc->valuestring, tokenizer_piece(t, tok[i].id)))
                same_pieces = 0;
        }
        if (!ok(same_ids, "%s: token ids match", names[f])) {
            char *want = cJSON_PrintUnformatted(tokens);
            diag("want %s", want);
            free(want);
            for (size_t i = 0; i < n; i++) diag("got %ld [%zu,%zu)", (long)tok[i].id, tok[i].start, tok[i].end);
        }
        ok(same_pieces, "%s: pieces match", names[f]);
        ok(rc == 0 && check_invariants(t, s, strlen(s), 1, tok, n, why, sizeof why),
           "%s: spans tile the text", names[f]);
        free(tok);
        cJSON_Delete(root);
        free(json);
        free(names[f]);
    }
}

static void test_long(const Tokenizer *t, const char *shared) {
    size_t want = 1 << 20, size = 0;
    char *text = malloc(want), *src = NULL;
    int from_corpus = 0;
    char path[4096];
    if (shared) {
        snprintf(path, sizeof path, "%s/corpus/tinystories-valid.txt", shared);
        src = test_read_file(path, &size);
    }
    if (src && size > 0) {
        from_corpus = 1;
        for (size_t i = 0; i < want; i += size) memcpy(text + i, src, want - i < size ? want - i : size);
    } else {
        static const char *const words[] = {"a", "ab", "abc", "at", "the", "hat", "de", "xyz", "\303\274a"};
        size_t i = 0;
        while (i < want) {
            const char *w = words[rng() % 9];
            for (size_t k = 0; w[k] && i < want; k++) text[i++] = w[k];
            if (i < want) text[i++] = rng() % 10 ? ' ' : '\n';
        }
    }
    free(src);
    Token *tok = NULL;
    size_t n = 0;
    char err[256], why[256];
    int rc = tokenizer_encode(t, text, want, 0, &tok, &n, err, sizeof err);
    if (!ok(rc == 0, "1 MB of %s text encodes", from_corpus ? "corpus" : "generated")) diag("%s", err);
    ok(n > want / 12 && n < want, "a plausible count: %zu tokens for %zu bytes", n, want);
    ok(rc == 0 && check_invariants(t, text, want, 1, tok, n, why, sizeof why),
       "its spans tile the text");
    free(tok);
    tok = NULL;
    size_t n2 = 0;
    rc = tokenizer_encode(t, text, want, n - 1, &tok, &n2, err, sizeof err);
    ok(rc != 0 && tok == NULL && strstr(err, "more than the limit"), "max_tokens one short fails: %s", err);
    free(text);
}

int main(void) {
    hand_init();
    test_hand();

    char err[512] = "";
    Tokenizer *hand = NULL, *hand_np = NULL;
    tokenizer_new(&hand, hand_pieces, hand_scores, hand_types, HAND_N, 1, 1, err, sizeof err);
    tokenizer_new(&hand_np, hand_pieces, hand_scores, hand_types, HAND_N, -1, 0, err, sizeof err);
    if (hand && hand_np) {
        test_random_bytes(hand, 1, "hand vocabulary");
        test_random_bytes(hand_np, 0, "hand vocabulary, no BOS or prefix");
    } else {
        ok(0, "hand vocabulary for the random tests: %s", err);
    }

    test_gguf_files();

    const char *shared = test_shared_dir();
    if (!shared) {
        skip("../shared not found: no ref260K.gguf, golden tokens or corpus");
        if (hand) test_long(hand, NULL);
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/models/ref260K.gguf", shared);
        Gguf *g = NULL;
        Tokenizer *t = NULL;
        int rc = gguf_open(&g, path, err, sizeof err);
        if (rc == 0) rc = tokenizer_from_gguf(&t, g, err, sizeof err);
        gguf_close(g);
        if (ok(rc == 0, "ref260K.gguf's tokenizer loads")) {
            is_int(tokenizer_vocab_size(t), 512, "ref260K: 512 pieces");
            is_int(tokenizer_bos_id(t), 1, "ref260K: BOS 1");
            is_str(tokenizer_piece(t, 3), "<0x00>", "ref260K: piece 3 is <0x00>");
            test_random_bytes(t, 1, "ref260K");
            test_golden(t, shared);
            test_long(t, shared);
        } else {
            diag("%s", err);
        }
        tokenizer_free(t);
    }
    tokenizer_free(hand);
    tokenizer_free(hand_np);
    done_testing();
    return exit_status();
}
