/*
 * utf8.h - strict UTF-8 decoding, shared by the tokenizer, the config
 * reader, the JSON writer and the UI.  Strict: a bad lead byte, a truncated
 * or overlong sequence, a surrogate or anything beyond U+10FFFF is not UTF-8.
 */
#ifndef ATTNSCOPE_UTF8_H
#define ATTNSCOPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid sequence at S (LEFT bytes available, at least
 * 1) and its code point in *cp (may be NULL); 0 when it is not valid. */
size_t utf8_decode(const char *s, size_t left, uint32_t *cp);
/* Bytes of the character at S: its length when valid, else 1, so that an
 * invalid byte counts as a character of its own. */
size_t utf8_char_len(const char *s, size_t left);
bool utf8_valid(const char *s, size_t len);

#endif
