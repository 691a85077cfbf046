/*
 * fuzz_tokenizer.c - any bytes through the `llama` tokenizer of the
 * reference model (or, without ../shared, a small vocabulary built here).
 *
 * The tokenizer promises that every input tokenizes, so the checks are on
 * the result: BOS first; ids in range; spans tile the input in order (each
 * starts where the previous ended, empty ones included, and the last ends at
 * the length); and the pieces, byte tokens decoded, spell the normalised text
 * ("▁" prefix, spaces as "▁") exactly.  The token limit is checked too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "gguf.h"
#include "tokenizer.h"

#define MAX_INPUT 4096
#define SPACE_MARK "\xE2\x96\x81" /* ▁ */

static Tokenizer *tok;
static bool space_prefix = true;

/* Without the model: every ASCII letter, a few merges, all 256 byte
 * pieces, so byte fallback and merging both happen. */
static void build_fallback(void)
{
    static const char *const merges[] = {
        "<unk>", "<s>", "</s>", SPACE_MARK, SPACE_MARK "t", "th", SPACE_MARK "th", "he",
        SPACE_MARK "the", "at", "an", "in", SPACE_MARK "a", "er", "re", "on", "\xC3\xA9",
        "caf", "caf\xC3\xA9", "\xE6\x97\xA5",
    };
    enum { N_MERGES = sizeof merges / sizeof merges[0] };
    enum { N = N_MERGES + 26 + 26 + 10 + 256 };
    static char names[26 + 26 + 10 + 256][8];
    const char *pieces[N];
    float scores[N];
    int32_t types[N];
    int n = 0;
    for (int i = 0; i < N_MERGES; i++, n++) {
        pieces[n] = merges[i];
        scores[n] = -(float)i;
        types[n] = i == 0 ? TOKEN_TYPE_UNKNOWN : i < 3 ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL;
    }
    int k = 0;
    for (int c = 0; c < 62; c++, k++, n++) {
        names[k][0] = c < 26 ? (char)('a' + c) : c < 52 ? (char)('A' + c - 26) : (char)('0' + c - 52);
        names[k][1] = '\0';
        pieces[n] = names[k];
        scores[n] = -100.0f - (float)c;
        types[n] = TOKEN_TYPE_NORMAL;
    }
    for (int b = 0; b < 256; b++, k++, n++) {
        snprintf(names[k], sizeof names[k], "<0x%02X>", b);
        pieces[n] = names[k];
        scores[n] = 0.0f;
        types[n] = TOKEN_TYPE_BYTE;
    }
    char err[256];
    if (tokenizer_new(&tok, pieces, scores, types, n, 1, 1, err, sizeof err)) {
        fprintf(stderr, "fuzz_tokenizer: %s\n", err);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[512];
    const char *path = fuzz_model_path();
    Gguf *g = NULL;
    if (path && gguf_open(&g, path, err, sizeof err) == 0) {
        bool sp = true;
        if (gguf_find_kv(g, "tokenizer.ggml.add_space_prefix") &&
            gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &sp, err, sizeof err) == 0)
            space_prefix = sp;
        if (tokenizer_from_gguf(&tok, g, err, sizeof err)) tok = NULL;
        gguf_close(g); /* the tokenizer keeps copies */
    }
    if (!tok) build_fallback();
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Append what token ID spells to OUT: the byte of "<0xHH>", else the piece. */
static size_t spell(int32_t id, char *out)
{
    const char *p = tokenizer_piece(tok, id);
    size_t n = strlen(p);
    if (n == 6 && memcmp(p, "<0x", 3) == 0 && p[5] == '>' && hexval(p[3]) >= 0 &&
        hexval(p[4]) >= 0) {
        out[0] = (char)(hexval(p[3]) * 16 + hexval(p[4]));
        return 1;
    }
    memcpy(out, p, n);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT) size = MAX_INPUT;
    const char *text = (const char *)data;
    char err[512];
    Token *t = NULL;
    size_t n = 0;
    int rc = tokenizer_encode(tok, text, size, 0, &t, &n, err, sizeof err);
    FUZZ_CHECK(rc == 0, "tokenizer_encode failed on %zu bytes: %s", size, err);
    FUZZ_CHECK(t != NULL, "no token array");

    int32_t vocab = tokenizer_vocab_size(tok), bos = tokenizer_bos_id(tok);
    size_t i = 0, at = 0;
    if (bos >= 0) {
        FUZZ_CHECK(n >= 1 && t[0].id == bos && t[0].start == 0 && t[0].end == 0,
                   "BOS is not first with an empty span");
        i = 1;
    }
    /* Pieces spell the normalised text; the longest piece bounds the growth. */
    size_t cap = 3 * size + 3 + 1, got = 0;
    char *norm = malloc(cap), *spelled = NULL;
    size_t nlen = 0;
    if (!norm) goto out;
    if (size && space_prefix) memcpy(norm, SPACE_MARK, 3), nlen = 3;
    for (size_t b = 0; b < size; b++) {
        if (text[b] == ' ') memcpy(norm + nlen, SPACE_MARK, 3), nlen += 3;
        else norm[nlen++] = text[b];
    }
    size_t scap = 0;
    for (size_t k = i; k < n; k++) scap += strlen(tokenizer_piece(tok, t[k].id)) + 1;
    spelled = malloc(scap + 1);
    if (!spelled) goto out;
    for (; i < n; i++) {
        FUZZ_CHECK(t[i].id >= 0 && t[i].id < vocab, "token %zu: id %d outside %d", i, t[i].id,
                   vocab);
        FUZZ_CHECK(t[i].start <= t[i].end && t[i].end <= size,
                   "token %zu: span [%zu, %zu) of %zu bytes", i, t[i].start, t[i].end, size);
        FUZZ_CHECK(t[i].start == at, "token %zu: span [%zu, %zu) after one ending at %zu", i,
                   t[i].start, t[i].end, at);
        at = t[i].end;
        got += spell(t[i].id, spelled + got);
    }
    FUZZ_CHECK(at == size, "tokens cover %zu of %zu bytes", at, size);
    FUZZ_CHECK(got == nlen && memcmp(spelled, norm, nlen) == 0,
               "pieces spell %zu bytes, the normalised text is %zu", got, nlen);

    /* One token fewer than needed is refused, cleanly. */
    if (n >= 2 && size <= 256) {
        Token *t2 = (Token *)1;
        size_t n2 = 99;
        rc = tokenizer_encode(tok, text, size, n - 1, &t2, &n2, err, sizeof err);
        FUZZ_CHECK(rc != 0 && t2 == NULL && n2 == 0, "a limit of %zu tokens let %zu through",
                   n - 1, n);
        rc = tokenizer_encode(tok, text, size, n, &t2, &n2, err, sizeof err);
        FUZZ_CHECK(rc == 0 && n2 == n, "a limit of exactly %zu tokens was refused", n);
        for (size_t k = 0; k < n; k++)
            FUZZ_CHECK(t2[k].id == t[k].id && t2[k].start == t[k].start && t2[k].end == t[k].end,
                       "a limit of exactly %zu tokens changed token %zu", n, k);
        free(t2);
    }
out:
    free(norm);
    free(spelled);
    free(t);
    return 0;
}
