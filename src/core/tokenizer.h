/*
 * tokenizer.h - GGUF's `llama` tokenizer: SentencePiece-style BPE.
 *
 * The text gets one leading U+2581 ("▁") and every space becomes "▁"; no other
 * normalisation.  The text is split into UTF-8 characters, adjacent symbols are
 * merged best score first (ties: leftmost) while the merged string is a piece of
 * the vocabulary, and characters without a piece fall back to <0xXX> byte
 * tokens.  Invalid UTF-8 bytes are single-byte symbols, so they become byte
 * tokens too: every input is tokenizable and never crashes.
 *
 * Each token carries the byte span [start, end) of the original text it covers,
 * so a UI can map tokens back onto what the user typed.  The inserted "▁" and
 * BOS cover empty spans.
 *
 * The Tokenizer copies what it needs from the Gguf; the Gguf may be closed after.
 */
#ifndef ATTNSCOPE_TOKENIZER_H
#define ATTNSCOPE_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

/* Token types as GGUF stores them in tokenizer.ggml.token_type. */
enum {
    TOKEN_TYPE_NORMAL = 1,
    TOKEN_TYPE_UNKNOWN = 2,
    TOKEN_TYPE_CONTROL = 3,
    TOKEN_TYPE_USER_DEFINED = 4,
    TOKEN_TYPE_UNUSED = 5,
    TOKEN_TYPE_BYTE = 6,
};

typedef struct {
    int32_t id;
    size_t start, end; /* byte span of the input text */
} Token;

typedef struct Tokenizer Tokenizer;

/* Build from tokenizer.ggml.* keys; refuses models other than "llama". */
int tokenizer_from_gguf(Tokenizer **out, const Gguf *g, char *err, size_t errlen);
/* Build from arrays (tests): N pieces as NUL-terminated UTF-8, their scores and
 * types.  BOS_ID < 0 means no BOS is prepended. */
int tokenizer_new(Tokenizer **out, const char *const *pieces, const float *scores,
                  const int32_t *types, int32_t n, int32_t bos_id, int add_space_prefix,
                  char *err, size_t errlen);
void tokenizer_free(Tokenizer *t); /* NULL is fine */

int32_t tokenizer_vocab_size(const Tokenizer *t);
int32_t tokenizer_bos_id(const Tokenizer *t);
/* The vocabulary string of ID (e.g. "▁cat", "<0xC3>"); "" when out of range. */
const char *tokenizer_piece(const Tokenizer *t, int32_t id);

/* Tokenize LEN bytes of TEXT (need not be NUL-terminated or valid UTF-8).
 * On success *out is a malloc'd array of *n_out tokens (BOS first when the
 * model adds one) which the caller frees.  Fails only on allocation failure
 * or when the result would exceed MAX_TOKENS (0: no limit). */
int tokenizer_encode(const Tokenizer *t, const char *text, size_t len, size_t max_tokens,
                     Token **out, size_t *n_out, char *err, size_t errlen);

#endif
