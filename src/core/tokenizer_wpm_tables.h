/*
 * tokenizer_wpm_tables.h - the Unicode data WordPiece's normaliser needs
 * (tokenizer_wpm.c): simple lower-case mappings and the first code point of
 * each character's canonical decomposition, both sorted by code point.
 * Generated (tools/vocab/gen_wpm_tables.py), as llama.cpp generates its own.
 */
#ifndef ATTNSCOPE_TOKENIZER_WPM_TABLES_H
#define ATTNSCOPE_TOKENIZER_WPM_TABLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t from, to;
} WpmPair;

typedef struct {
    uint32_t first, last, to; /* every code point in [first, last] -> to */
} WpmRange;

extern const WpmPair wpm_lowercase[];
extern const size_t wpm_lowercase_count;
extern const WpmRange wpm_nfd_first[];
extern const size_t wpm_nfd_first_count;

#endif
