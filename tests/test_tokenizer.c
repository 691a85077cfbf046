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
    /* A lone continuation byte as a piece: it shows that, as in llama.cpp, a
     * lead byte takes the bytes it announces whatever they are (so 0x82 after
     * 0xE2 is never this piece), while a stray continuation byte is alone. */
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

/* The user-defined piece of the hand vocabulary: as in llama.cpp, it is cut
 * out of the text first, and the text after it starts like a new text (with
 * the "▁" prefix).  NULL for vocabularies without one. */
#define HAND_USER "hh"

/* Where the user-defined piece USER (NULL: none) next starts in TEXT[at, len), or len. */
static size_t next_user(const char *text, size_t at, size_t len, const char *user) {
    size_t ul = user ? strlen(user) : 0;
    for (size_t i = at; user && i + ul <= len; i++)
        if (memcmp(text + i, user, ul) == 0) return i;
    return len;
}

/* What the tokenizer works on: the user-defined piece as it is, each stretch
 * of text around it with the optional "▁" prefix and spaces as "▁". */
static char *normalize(const char *text, size_t len, int prefix, const char *user, size_t *nlen) {
    char *s = malloc(4 * len + 4);
    size_t k = 0;
    for (size_t at = 0; at < len;) {
        size_t end = next_user(text, at, len, user);
        if (end > at && prefix) memcpy(s + k, "\xE2\x96\x81", 3), k += 3;
        for (size_t i = at; i < end; i++) {
            if (text[i] == ' ') memcpy(s + k, "\xE2\x96\x81", 3), k += 3;
            else s[k++] = text[i];
        }
        if (end < len) {
            memcpy(s + k, user, strlen(user));
            k += strlen(user);
            end += strlen(user);
        }
        at = end;
    }
    *nlen = k;
    return s;
}

/* Invariants on any output: BOS first, spans tile the input in order, and the
 * pieces (byte pieces decoded) spell the normalised text.  Returns 1 when all hold,
 * else 0 with a diagnostic in WHY. */
static int check_invariants(const Tokenizer *t, const char *text, size_t len, int prefix,
                            const char *user, const Token *tok, size_t n, char *why,
                            size_t whylen) {
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
    char *norm = normalize(text, len, prefix, user, &nlen);
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

/* A symbol's length as llama.cpp's SentencePiece cuts it: announced by the
 * first byte's high bits alone, cut at the end. */
static size_t ref_char_len(const unsigned char *s, size_t n) {
    size_t len = s[0] < 0xC0 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    return len < n ? len : n;
}

static int32_t ref_find(const char *s, size_t len) {
    for (int32_t i = 0; i < HAND_N; i++)
        if ((hand_types[i] == TOKEN_TYPE_NORMAL || hand_types[i] == TOKEN_TYPE_USER_DEFINED) &&
            strlen(hand_pieces[i]) == len && memcmp(hand_pieces[i], s, len) == 0)
            return i;
    return -1;
}

/* Repeatedly merge the best-scoring (then leftmost) pair in one stretch of
 * text; returns the count of ids. */
static size_t ref_bpe_raw(const char *text, size_t len, int prefix, int32_t *ids) {
    size_t nlen, ns = 0, n = 0;
    char *norm = normalize(text, len, prefix, NULL, &nlen);
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

/* The whole text: BOS, then each stretch around the user-defined piece. */
static size_t ref_bpe(const char *text, size_t len, int prefix, int bos, int32_t *ids) {
    int32_t user_id = ref_find(HAND_USER, strlen(HAND_USER));
    size_t n = 0;
    int after_user = 1;
    if (bos) ids[n++] = 1;
    for (size_t at = 0; at < len;) {
        size_t end = next_user(text, at, len, HAND_USER);
        if (end > at) n += ref_bpe_raw(text + at, end - at, prefix && after_user, ids + n);
        after_user = 0;
        if (end < len) {
            ids[n++] = user_id;
            end += strlen(HAND_USER);
            after_user = 1;
        }
        at = end;
    }
    return n;
}

static void test_random_bytes(const Tokenizer *t, int prefix, const char *user, const char *name);

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
    /* Invalid UTF-8 as llama.cpp cuts it: a lead byte takes as many bytes as
     * it announces (cut at the end), whatever they are; the symbol is no
     * piece and falls back to byte tokens, ASCII included. */
    CHECK(t, "\xE2\x82", "<s>|\xE2\x96\x81|<0xE2>|<0x82>", "[0,0)[0,0)[0,1)[1,2)",
          "truncated 0xE2 0x82");
    CHECK(t, "a\xE2\x82" "a", "<s>|\xE2\x96\x81" "a|<0xE2>|<0x82>|<0x61>", "[0,0)[0,1)[1,2)[2,3)[3,4)",
          "truncated sequence inside text takes the next ASCII byte");
    CHECK(np, "\xC3" "a", "<0xC3>|<0x61>", NULL, "lead byte followed by ASCII");
    CHECK(np, "\xC3" "ab", "<0xC3>|<0x61>|b", NULL, "only the announced bytes are taken");
    CHECK(np, "\xC0\x82", "<0xC0>|<0x82>", NULL, "overlong 2-byte");
    CHECK(np, "\xE0\x82\xAF", "<0xE0>|<0x82>|<0xAF>", NULL, "overlong 3-byte");
    CHECK(np, "\xF0\x82\x80\x80", "<0xF0>|<0x82>|<0x80>|<0x80>", NULL, "overlong 4-byte");
    CHECK(np, "\xED\xA0\x82", "<0xED>|<0xA0>|<0x82>", NULL, "surrogate");
    CHECK(np, "\xF4\x90\x80\x82", "<0xF4>|<0x90>|<0x80>|<0x82>", NULL, "above U+10FFFF");
    CHECK(np, "\xF8\x82", "<0xF8>|<0x82>", NULL, "5-byte lead");
    CHECK(np, "\xE2\x82\x41", "<0xE2>|<0x82>|<0x41>", NULL, "bad third byte");
    CHECK(np, "\x82\x82", "\x82|\x82", NULL, "stray continuation bytes are symbols of their own");
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
        test_random_bytes(nb, 1, NULL, "vocabulary without \xE2\x96\x81");
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
            if (!check_invariants(tk, buf, len, prefix, HAND_USER, tok, n, why, sizeof why) &&
                !inv_bad++)
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
static void test_random_bytes(const Tokenizer *t, int prefix, const char *user, const char *name) {
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
        if (!check_invariants(t, (const char *)buf, len, prefix, user, tok, n, why, sizeof why) &&
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
    kv_str(&b, "tokenizer.ggml.model", "t5");
    expect_error(b, "\"t5\"", "model t5 (Unigram) refused by name");
    b = base_kvs((unsigned)all & ~F_MODEL);
    kv_str(&b, "tokenizer.ggml.model", "gpt2");
    expect_error(b, "tokenizer.ggml.merges", "model gpt2 without merges");
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
        ok(rc == 0 && check_invariants(t, s, strlen(s), 1, NULL, tok, n, why, sizeof why),
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
    ok(rc == 0 && check_invariants(t, text, want, 1, NULL, tok, n, why, sizeof why),
       "its spans tile the text");
    free(tok);
    tok = NULL;
    size_t n2 = 0;
    rc = tokenizer_encode(t, text, want, n - 1, &tok, &n2, err, sizeof err);
    ok(rc != 0 && tok == NULL && strstr(err, "more than the limit"), "max_tokens one short fails: %s", err);
    free(text);
}

/* ---- byte-level BPE ("gpt2") and WordPiece ("bert") --------------------- */

static void kv_strs(Buf *b, const char *key, const char *const *v, size_t n) {
    kv_key(b, key, GGUF_TYPE_ARRAY);
    put_u32(b, GGUF_TYPE_STRING);
    put_u64(b, n);
    for (size_t i = 0; i < n; i++) put_gstr(b, v[i], strlen(v[i]));
}

/* Ids and spans as "id id ..." and "[s,e)...". */
static void check_ids(const Tokenizer *t, const char *text, size_t len, const char *want_ids,
                      const char *want_spans, const char *name) {
    Token *tok = NULL;
    size_t n = 0;
    char err[256], ids[1024] = "", spans[1024] = "";
    if (!ok(tokenizer_encode(t, text, len, 0, &tok, &n, err, sizeof err) == 0, "%s: encodes", name)) {
        diag("%s", err);
        return;
    }
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        a += (size_t)snprintf(ids + a, sizeof ids - a, "%s%ld", i ? " " : "", (long)tok[i].id);
        b += (size_t)snprintf(spans + b, sizeof spans - b, "[%zu,%zu)", tok[i].start, tok[i].end);
    }
    is_str(ids, want_ids, "%s: ids", name);
    if (want_spans) is_str(spans, want_spans, "%s: spans", name);
    free(tok);
}
#define CHECK_IDS(t, text, ids, spans, name) check_ids(t, text, sizeof text - 1, ids, spans, name)

/* GPT-2's byte alphabet, written out independently of tokenizer_bpe.c: the
 * printable Latin-1 bytes stand for themselves, the rest take U+0100... */
static char bpe_alpha[256][3];
static void bpe_alphabet(void) {
    int next = 256;
    for (int x = 0; x < 256; x++) {
        int cp = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE ? x : next++;
        if (cp < 0x80) bpe_alpha[x][0] = (char)cp, bpe_alpha[x][1] = 0;
        else bpe_alpha[x][0] = (char)(0xC0 | cp >> 6), bpe_alpha[x][1] = (char)(0x80 | (cp & 0x3F)), bpe_alpha[x][2] = 0;
    }
}

enum { B_GC = 256, B_GCA, B_GCAT, B_IT, B_APOS_S, B_T_APOS, B_12, B_123, B_34, B_45, B_THINK,
       B_EOT, B_GG, B_WHOLE, B_BANG_A, B_N };
static const char *const bpe_extra[] = {"\xC4\xA0" "c", "\xC4\xA0" "ca", "\xC4\xA0" "cat", "it", "'s",
                                        "t'", "12", "123", "34", "45", "<think>", "<|endoftext|>",
                                        "\xC4\xA0\xC4\xA0", "whole", "!\xC3\xA1"};
/* Rank 0 "t '" would join "it's" across the contraction: only a
 * pre-tokenizer keeps it apart. */
static const char *const bpe_merges[] = {"t '", "i t", "' s", "\xC4\xA0 c", "\xC4\xA0" "c a",
                                         "\xC4\xA0" "ca t", "3 4", "1 2", "12 3", "4 5",
                                         "\xC4\xA0 \xC4\xA0", "! \xC3\xA1"};

/* A byte-level BPE GGUF with pre-tokenizer PRE (NULL: no key). */
static int load_bpe(const char *pre, int add_bos_key, Tokenizer **t, char *err, size_t errlen) {
    const char *pieces[B_N];
    int32_t types[B_N];
    for (int i = 0; i < 256; i++) pieces[i] = bpe_alpha[i], types[i] = TOKEN_TYPE_NORMAL;
    for (int i = 256; i < B_N; i++) pieces[i] = bpe_extra[i - 256], types[i] = TOKEN_TYPE_NORMAL;
    types[B_THINK] = TOKEN_TYPE_USER_DEFINED;
    types[B_EOT] = TOKEN_TYPE_CONTROL;
    Buf b = {0};
    kv_str(&b, "tokenizer.ggml.model", "gpt2");
    if (pre) kv_str(&b, "tokenizer.ggml.pre", pre);
    kv_tokens(&b, pieces, NULL, B_N);
    kv_i32s(&b, "tokenizer.ggml.token_type", types, B_N);
    kv_strs(&b, "tokenizer.ggml.merges", bpe_merges, sizeof bpe_merges / sizeof bpe_merges[0]);
    kv_u32(&b, "tokenizer.ggml.bos_token_id", B_EOT);
    if (add_bos_key >= 0) kv_bool(&b, "tokenizer.ggml.add_bos_token", add_bos_key);
    return load(b, t, err, errlen);
}

static void test_bpe(void) {
    char err[512], buf[64];
    Tokenizer *t = NULL;
    bpe_alphabet();
    if (!ok(load_bpe("gpt-2", -1, &t, err, sizeof err) == 0, "a byte-level BPE GGUF (pre gpt-2) loads")) {
        diag("%s", err);
        return;
    }
    is_str(tokenizer_model_name(t), "gpt2", "its model name is gpt2");
    is_str(tokenizer_kind_name(t), "byte-level BPE", "its kind is byte-level BPE");
    is_int(tokenizer_bos_id(t), -1, "gpt-2: no BOS by default");
    is_str(tokenizer_piece(t, ' '), "\xC4\xA0", "byte 0x20 is the piece \xC4\xA0");
    is_str(tokenizer_piece(t, '\n'), "\xC4\x8A", "byte 0x0A is the piece \xC4\x8A");
    is_str(tokenizer_piece(t, 0), "\xC4\x80", "byte 0x00 is the piece \xC4\x80");
    is_str(tokenizer_piece(t, 0xAD), "\xC5\x83", "byte 0xAD (soft hyphen), the last unprintable, is \xC5\x83");
    CHECK_IDS(t, " cat", "258", "[0,4)", "' cat' merges to \xC4\xA0" "cat");
    CHECK_IDS(t, "it's", "259 260", "[0,2)[2,4)", "gpt-2 splits the contraction before merging");
    CHECK_IDS(t, "12345", "262 264 53", "[0,2)[2,4)[4,5)", "gpt-2: one digit run, merged by rank");
    CHECK_IDS(t, "a  b", "97 32 32 98", "[0,1)[1,2)[2,3)[3,4)", "gpt-2: two spaces: ' ' then ' b'");
    CHECK_IDS(t, "\n", "10", "[0,1)", "a newline is \xC4\x8A");
    CHECK_IDS(t, "\xC3\xA9", "195 169", "[0,1)[1,2)", "\xC3\xA9: two byte pieces, one byte each");
    CHECK_IDS(t, "\xFF", "239 191 189", "[0,1)[1,1)[1,1)",
              "invalid 0xFF is U+FFFD's three bytes, as llama.cpp reads it");
    /* U+180E (E1 A0 8E, the first byte "\xC3\xA1") is no white space for
     * llama.cpp (nor for Unicode since 6.3), though PCRE2's \s has it: "!" and
     * it are one word, so "! \xC3\xA1" merges. */
    CHECK_IDS(t, "!\xE1\xA0\x8E", "270 160 142", "[0,2)[2,3)[3,4)", "U+180E is not white space");
    CHECK_IDS(t, "!\xE2\x80\x80", "33 226 128 128", NULL, "U+2000 is white space");
    CHECK_IDS(t, "a<think>b", "97 266 98", "[0,1)[1,8)[8,9)", "a user-defined piece is cut out of the text");
    CHECK_IDS(t, "whole", "119 104 111 108 101", NULL, "gpt-2: a word that is a piece is still merged");
    Token *tok = NULL;
    size_t n = 0;
    int has_eot = 0;
    if (tokenizer_encode(t, "<|endoftext|>", 13, 0, &tok, &n, err, sizeof err) == 0)
        for (size_t i = 0; i < n; i++) has_eot |= tok[i].id == B_EOT;
    ok(n > 1 && !has_eot, "a control piece in the text stays text (%zu tokens)", n);
    free(tok);

    /* The text a piece stands for. */
    is_int((long)tokenizer_piece_text(t, B_GCAT, buf, sizeof buf), 4, "piece text of \xC4\xA0" "cat: 4 bytes");
    is_str(buf, " cat", "piece text of \xC4\xA0" "cat is ' cat'");
    tokenizer_piece_text(t, '\n', buf, sizeof buf);
    is_str(buf, "\n", "piece text of \xC4\x8A is a newline");
    tokenizer_piece_text(t, 0xC3, buf, sizeof buf);
    is_str(buf, "\xC3", "piece text of a byte piece is that byte");
    tokenizer_piece_text(t, B_THINK, buf, sizeof buf);
    is_str(buf, "<think>", "piece text of a user-defined piece is itself");
    is_int((long)tokenizer_piece_text(t, B_GCAT, buf, 3), 4, "piece text into 3 bytes: needs 4");
    is_str(buf, " c", "and holds the first 2 and a NUL");
    is_int((long)tokenizer_piece_text(t, B_N, buf, sizeof buf), 0, "piece text of an id out of range: 0");
    tokenizer_free(t);

    /* Llama 3: digits in threes, whole-word pieces, BOS by default. */
    if (ok(load_bpe("llama-bpe", -1, &t, err, sizeof err) == 0, "pre llama-bpe loads")) {
        is_int(tokenizer_bos_id(t), B_EOT, "llama-bpe: BOS added by default");
        CHECK_IDS(t, "12345", "267 263 265", "[0,0)[0,3)[3,5)", "llama-bpe: digits in groups of three");
        CHECK_IDS(t, "whole", "267 269", "[0,0)[0,5)", "llama-bpe: a word that is a piece is taken whole");
        CHECK_IDS(t, "it's", "267 259 260", NULL, "llama-bpe splits the contraction");
    } else {
        diag("%s", err);
    }
    tokenizer_free(t);
    if (ok(load_bpe("llama-bpe", 0, &t, err, sizeof err) == 0, "add_bos_token false overrides llama-bpe"))
        is_int(tokenizer_bos_id(t), -1, "llama-bpe with add_bos_token false: no BOS");
    tokenizer_free(t);
    if (ok(load_bpe("qwen2", -1, &t, err, sizeof err) == 0, "pre qwen2 loads"))
        CHECK_IDS(t, "12345", "49 50 51 52 53", NULL, "qwen2: every digit alone");
    tokenizer_free(t);
    if (ok(load_bpe("smollm", -1, &t, err, sizeof err) == 0, "pre smollm loads"))
        CHECK_IDS(t, "12345", "49 50 51 52 53", NULL, "smollm: every digit alone");
    tokenizer_free(t);
    if (ok(load_bpe(NULL, -1, &t, err, sizeof err) == 0, "no pre: llama.cpp's default"))
        CHECK_IDS(t, "12345", "263 265", NULL, "default: digit runs cut in threes");
    tokenizer_free(t);
    ok(load_bpe("foo-bar", -1, &t, err, sizeof err) != 0 && t == NULL && strstr(err, "\"foo-bar\""),
       "an unknown pre-tokenizer is refused by name: %s", err);
    tokenizer_free(t);
}

static void test_wpm(void) {
    static const char *const pieces[] = {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "\xE2\x96\x81hello", "\xE2\x96\x81world", "\xE2\x96\x81un",
        "aff", "able", "\xE2\x96\x81,", "\xE2\x96\x81!", "\xE2\x96\x81\xE4\xBD\xA0", "\xE2\x96\x81" "cafe"};
    static const int32_t types[] = {3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    char err[512], buf[64];
    Tokenizer *t = NULL;
    Buf b = {0};
    kv_str(&b, "tokenizer.ggml.model", "bert");
    kv_tokens(&b, pieces, NULL, 13);
    kv_i32s(&b, "tokenizer.ggml.token_type", types, 13);
    kv_u32(&b, "tokenizer.ggml.bos_token_id", 2);
    kv_u32(&b, "tokenizer.ggml.seperator_token_id", 3);
    kv_u32(&b, "tokenizer.ggml.unknown_token_id", 1);
    kv_bool(&b, "tokenizer.ggml.add_bos_token", 0); /* llama.cpp adds [CLS] whatever it says */
    if (!ok(load(b, &t, err, sizeof err) == 0, "a WordPiece GGUF loads")) {
        diag("%s", err);
        return;
    }
    is_str(tokenizer_model_name(t), "bert", "its model name is bert");
    CHECK_IDS(t, "Hello, WORLD!", "2 4 9 5 10 3", "[0,0)[0,5)[5,6)[6,12)[12,13)[13,13)",
              "[CLS], lower-cased words (a space goes to the word after it), punctuation alone, [SEP]");
    CHECK_IDS(t, "unaffable", "2 6 7 8 3", "[0,0)[0,2)[2,5)[5,9)[9,9)", "longest pieces from the left");
    CHECK_IDS(t, "Caf\xC3\xA9", "2 12 3", "[0,0)[0,5)[5,5)", "accents stripped");
    CHECK_IDS(t, "Cafe\xCC\x81", "2 12 3", "[0,0)[0,4)[6,6)", "a combining accent dropped (and not covered)");
    CHECK_IDS(t, "xyz hello", "2 1 4 3", "[0,0)[0,3)[3,9)[9,9)", "a word without pieces is one [UNK]");
    CHECK_IDS(t, "\xE4\xBD\xA0\xE5\xA5\xBD", "2 11 1 3", "[0,0)[0,3)[3,6)[6,6)", "CJK: a word per ideograph");
    CHECK_IDS(t, "hel\x01lo\xFF", "2 4 3", "[0,0)[0,6)[7,7)", "control bytes and invalid UTF-8 dropped");
    CHECK_IDS(t, "", "2 3", "[0,0)[0,0)", "empty text: [CLS] [SEP]");
    tokenizer_piece_text(t, 4, buf, sizeof buf);
    is_str(buf, " hello", "piece text of \xE2\x96\x81hello is ' hello'");
    tokenizer_piece_text(t, 7, buf, sizeof buf);
    is_str(buf, "aff", "piece text of a continuation is the bare text");
    tokenizer_piece_text(t, 2, buf, sizeof buf);
    is_str(buf, "[CLS]", "piece text of a control piece is itself");
    tokenizer_free(t);
}

static void test_spm_piece_text(void) {
    char err[256], buf[16];
    Tokenizer *t = NULL;
    if (!ok(tokenizer_new(&t, hand_pieces, hand_scores, hand_types, HAND_N, 1, 1, err, sizeof err) == 0,
            "hand vocabulary for piece texts"))
        return;
    is_str(tokenizer_model_name(t), "llama", "SentencePiece's model name is llama");
    for (int32_t i = 0; i < HAND_N; i++) {
        if (strcmp(hand_pieces[i], "\xE2\x96\x81" "a") == 0) {
            tokenizer_piece_text(t, i, buf, sizeof buf);
            is_str(buf, " a", "piece text of \xE2\x96\x81" "a is ' a'");
        }
    }
    is_int((long)tokenizer_piece_text(t, HAND_FIRST_BYTE + 'A', buf, sizeof buf), 1, "<0x41>: one byte");
    is_str(buf, "A", "piece text of <0x41> is A");
    tokenizer_piece_text(t, 1, buf, sizeof buf);
    is_str(buf, "<s>", "piece text of <s> is itself");
    tokenizer_free(t);
}

int main(void) {
    hand_init();
    test_hand();
    test_bpe();
    test_wpm();
    test_spm_piece_text();

    char err[512] = "";
    Tokenizer *hand = NULL, *hand_np = NULL;
    tokenizer_new(&hand, hand_pieces, hand_scores, hand_types, HAND_N, 1, 1, err, sizeof err);
    tokenizer_new(&hand_np, hand_pieces, hand_scores, hand_types, HAND_N, -1, 0, err, sizeof err);
    if (hand && hand_np) {
        test_random_bytes(hand, 1, HAND_USER, "hand vocabulary");
        test_random_bytes(hand_np, 0, HAND_USER, "hand vocabulary, no BOS or prefix");
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
            test_random_bytes(t, 1, NULL, "ref260K");
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
