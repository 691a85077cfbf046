/*
 * tokenizer.h - text to token ids as llama.cpp does it, for the tokenizers
 * GGUF files name in tokenizer.ggml.model:
 *   "llama"  SentencePiece BPE (tokenizer_spm.c): one leading "▁", spaces
 *            become "▁", pieces merged best score first, <0xXX> byte
 *            fallback;
 *   "gpt2"   byte-level BPE (tokenizer_bpe.c): the text is split by the
 *            pre-tokenizer regexes of tokenizer.ggml.pre, each byte becomes a
 *            printable character ("Ġ" for a space, "Ċ" for a newline), and
 *            tokenizer.ggml.merges are applied lowest rank first;
 *   "bert"   WordPiece (tokenizer_wpm.c): lower-cased, accents stripped,
 *            split at spaces and punctuation, longest piece first; [CLS]
 *            before and [SEP] after.
 * Every input is tokenizable (any bytes, invalid UTF-8 included) and never
 * crashes; user-defined pieces in the text are tokens of their own, control
 * pieces (<s>, <|endoftext|>, [CLS]) are not recognised in the text.
 *
 * Each token carries the byte span [start, end) of the original text it covers,
 * so a UI can map tokens back onto what the user typed.  Inserted pieces
 * (SentencePiece's leading "▁", BOS, [SEP]) cover empty spans.  The spans of
 * SentencePiece and byte-level BPE tile the text (a byte read as U+FFFD is
 * covered by the first of its three byte tokens, the other two are empty);
 * WordPiece drops spaces and control characters, so its spans leave gaps.
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

/* Build from tokenizer.ggml.* keys; refuses a tokenizer.ggml.model (or a
 * tokenizer.ggml.pre) it does not know, naming it. */
int tokenizer_from_gguf(Tokenizer **out, const Gguf *g, char *err, size_t errlen);
/* A SentencePiece tokenizer from arrays (tests): N pieces as NUL-terminated UTF-8, their scores and
 * types.  BOS_ID < 0 means no BOS is prepended. */
int tokenizer_new(Tokenizer **out, const char *const *pieces, const float *scores,
                  const int32_t *types, int32_t n, int32_t bos_id, int add_space_prefix,
                  char *err, size_t errlen);
void tokenizer_free(Tokenizer *t); /* NULL is fine */

int32_t tokenizer_vocab_size(const Tokenizer *t);
int32_t tokenizer_bos_id(const Tokenizer *t);
/* The masked-language-model's [MASK] (tokenizer.ggml.mask_token_id), or -1. */
int32_t tokenizer_mask_id(const Tokenizer *t);
/* tokenizer.ggml.model of this tokenizer: "llama", "gpt2" or "bert". */
const char *tokenizer_model_name(const Tokenizer *t);
/* What kind it is, for people: "SentencePiece BPE", "byte-level BPE", "WordPiece". */
const char *tokenizer_kind_name(const Tokenizer *t);
/* The vocabulary string of ID (e.g. "▁cat", "<0xC3>", "Ġcat", "##ing");
 * "" when out of range. */
const char *tokenizer_piece(const Tokenizer *t, int32_t id);
/* The text ID stands for, for display: SentencePiece "▁" becomes a space and
 * <0xXX> its byte; byte-level BPE pieces are decoded to their bytes ("Ġcat"
 * -> " cat", "Ċ" -> "\n"); WordPiece's word-start "▁" becomes a space and a
 * continuation is the bare text; control, unknown and user-defined pieces
 * are shown as they are.  The bytes need not be valid UTF-8 (a byte token is
 * one byte of a character).  Writes at most CAP - 1 bytes and a NUL into BUF
 * (when CAP > 0) and returns the length the whole text needs, like
 * snprintf; 0 for an id out of range. */
size_t tokenizer_piece_text(const Tokenizer *t, int32_t id, char *buf, size_t cap);

/* Tokenize LEN bytes of TEXT (need not be NUL-terminated or valid UTF-8).
 * On success *out is a malloc'd array of *n_out tokens (BOS first when the
 * model adds one) which the caller frees.  Fails only on allocation failure
 * or when the result would exceed MAX_TOKENS (0: no limit). */
int tokenizer_encode(const Tokenizer *t, const char *text, size_t len, size_t max_tokens,
                     Token **out, size_t *n_out, char *err, size_t errlen);

#endif
