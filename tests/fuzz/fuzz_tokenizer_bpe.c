/*
 * fuzz_tokenizer_bpe.c - any bytes through the byte-level BPE tokenizer
 * (each pre-tokenizer: gpt-2, llama-bpe, qwen2, smollm, llama.cpp's
 * default) and the WordPiece one, on small vocabularies built here as GGUF
 * files in memory (the reader's path, as a model file takes it).
 *
 * The input's first byte picks the tokenizer; the rest is the text.  Checks:
 * ids in range; spans inside the text, in order; for byte-level BPE, the
 * texts of the pieces (tokenizer_piece_text), BOS aside, spell the text
 * exactly when it is valid UTF-8 (an invalid byte reads as U+FFFD, as
 * llama.cpp reads it, so only valid text must come back byte for byte);
 * and the token limit holds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "gguf.h"
#include "gguf_writer.h"
#include "tokenizer.h"
#include "utf8.h"

#define MAX_INPUT 4096

static const char *const pres[] = {"gpt-2", "llama-bpe", "qwen2", "smollm", NULL};
enum { N_BPE = sizeof pres / sizeof pres[0], N_TOK = N_BPE + 1 };
static Tokenizer *toks[N_TOK];

/* A GGUF holding only the tokenizer keys W has, opened and read. */
static Tokenizer *load(GgufWriter *w)
{
    size_t size = 0;
    uint8_t *data = gw_serialize(w, &size);
    Gguf *g = NULL;
    Tokenizer *t = NULL;
    char err[512];
    FUZZ_CHECK(data && gguf_open_buffer(&g, data, size, "fuzz.gguf", err, sizeof err) == 0,
               "gguf: %s", err);
    FUZZ_CHECK(tokenizer_from_gguf(&t, g, err, sizeof err) == 0, "tokenizer: %s", err);
    gguf_close(g);
    free(data);
    gw_free(w);
    return t;
}

/* GPT-2's byte alphabet, then a few merged pieces and their merges. */
static Tokenizer *build_bpe(const char *pre)
{
    static char alpha[256][3];
    static const char *const extra[] = {"\xC4\xA0" "t", "\xC4\xA0" "th", "\xC4\xA0" "the", "he",
                                        "in", "12", "123", "'s", "\xC4\xA0\xC4\xA0", "<|eot|>"};
    static const char *const merges[] = {"\xC4\xA0 t", "\xC4\xA0t h", "\xC4\xA0th e", "h e",
                                         "i n", "1 2", "12 3", "' s", "\xC4\xA0 \xC4\xA0"};
    enum { NE = sizeof extra / sizeof extra[0], N = 256 + NE };
    const char *pieces[N];
    int32_t types[N];
    int next = 256;
    for (int x = 0; x < 256; x++) {
        int cp = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE ? x : next++;
        if (cp < 0x80) alpha[x][0] = (char)cp, alpha[x][1] = 0;
        else alpha[x][0] = (char)(0xC0 | cp >> 6), alpha[x][1] = (char)(0x80 | (cp & 0x3F)), alpha[x][2] = 0;
        pieces[x] = alpha[x], types[x] = TOKEN_TYPE_NORMAL;
    }
    for (int i = 0; i < NE; i++) pieces[256 + i] = extra[i], types[256 + i] = TOKEN_TYPE_NORMAL;
    types[N - 1] = TOKEN_TYPE_CONTROL;
    GgufWriter *w = gw_new(3);
    gw_add_str(w, "tokenizer.ggml.model", "gpt2");
    if (pre) gw_add_str(w, "tokenizer.ggml.pre", pre);
    gw_add_str_array(w, "tokenizer.ggml.tokens", pieces, N);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, N);
    gw_add_str_array(w, "tokenizer.ggml.merges", merges, sizeof merges / sizeof merges[0]);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", N - 1);
    return load(w);
}

static Tokenizer *build_wpm(void)
{
    static const char *const pieces[] = {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "\xE2\x96\x81the", "\xE2\x96\x81" "cat", "\xE2\x96\x81un",
        "aff", "able", "\xE2\x96\x81,", "\xE2\x96\x81.", "\xE2\x96\x81\xE4\xBD\xA0", "\xE2\x96\x81" "cafe",
        "\xE2\x96\x81" "a", "b", "c"};
    enum { N = sizeof pieces / sizeof pieces[0] };
    int32_t types[N];
    for (int i = 0; i < N; i++) types[i] = i < 4 ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL;
    GgufWriter *w = gw_new(3);
    gw_add_str(w, "tokenizer.ggml.model", "bert");
    gw_add_str_array(w, "tokenizer.ggml.tokens", pieces, N);
    gw_add_i32_array(w, "tokenizer.ggml.token_type", types, N);
    gw_add_u32(w, "tokenizer.ggml.bos_token_id", 2);
    gw_add_u32(w, "tokenizer.ggml.seperator_token_id", 3);
    gw_add_u32(w, "tokenizer.ggml.unknown_token_id", 1);
    return load(w);
}

static bool valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!toks[0]) {
        for (int i = 0; i < N_BPE; i++) toks[i] = build_bpe(pres[i]);
        toks[N_BPE] = build_wpm();
    }
    if (size < 1 || size > MAX_INPUT) return 0;
    int which = data[0] % N_TOK;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const Tokenizer *t = toks[which];
    Token *out = NULL;
    size_t n = 0;
    char err[256];
    int rc = tokenizer_encode(t, text, len, 0, &out, &n, err, sizeof err);
    FUZZ_CHECK(rc == 0, "encode failed: %s", err);
    int32_t vocab = tokenizer_vocab_size(t);
    size_t prev = 0;
    char *spelled = malloc(len * 4 + 64);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(out[i].id >= 0 && out[i].id < vocab, "id %ld out of range", (long)out[i].id);
        FUZZ_CHECK(out[i].start <= out[i].end && out[i].end <= len, "span [%zu,%zu) of %zu",
                   out[i].start, out[i].end, len);
        FUZZ_CHECK(out[i].start >= prev, "span %zu starts before %zu", out[i].start, prev);
        prev = out[i].start;
        if (which < N_BPE && !(i == 0 && out[i].id == tokenizer_bos_id(t)) && spelled) {
            char buf[64];
            size_t k = tokenizer_piece_text(t, out[i].id, buf, sizeof buf);
            FUZZ_CHECK(k < sizeof buf, "piece text of %ld too long", (long)out[i].id);
            memcpy(spelled + o, buf, k);
            o += k;
        }
    }
    if (which < N_BPE && spelled && valid_utf8(text, len))
        FUZZ_CHECK(o == len && memcmp(spelled, text, len) == 0,
                   "pieces spell %zu bytes, the text has %zu", o, len);
    free(spelled);
    free(out);
    if (n > 1) {
        /* The limit: one token fewer than it takes is refused, cleanly. */
        Token *cut = NULL;
        size_t m = 0;
        FUZZ_CHECK(tokenizer_encode(t, text, len, n - 1, &cut, &m, err, sizeof err) != 0 && !cut,
                   "a limit of %zu of %zu tokens was not refused", n - 1, n);
    }
    return 0;
}
