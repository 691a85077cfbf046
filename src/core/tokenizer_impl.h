/*
 * tokenizer_impl.h - what the tokenizer kinds share; not for the rest of the
 * program (which sees tokenizer.h only).
 *
 * A Tokenizer is a vocabulary (pieces, scores, types), the special ids, and
 * one row of the kinds table (TokenizerKind): SentencePiece (tokenizer_spm.c),
 * byte-level BPE (tokenizer_bpe.c) or WordPiece (tokenizer_wpm.c).  The common
 * part (tokenizer.c) reads the GGUF keys every kind has, splits the text
 * around user-defined pieces as llama.cpp does, and asks the kind to encode
 * each stretch of raw text; the kind keeps its own state in `impl`.
 */
#ifndef ATTNSCOPE_TOKENIZER_IMPL_H
#define ATTNSCOPE_TOKENIZER_IMPL_H

#include "tokenizer.h"

/* A growable token array; the kinds append to it. */
typedef struct {
    Token *a;
    size_t n, cap;
} TokenList;

/* 0, or -1 when out of memory. */
int toklist_push(TokenList *l, int32_t id, size_t start, size_t end);

/* An open-addressing table from piece text to id; -1 = empty slot. */
typedef struct {
    int32_t *slot;
    size_t mask;
} PieceTable;

typedef struct TokenizerKind TokenizerKind;

#define UNK_FIRST_UNKNOWN (-2)

struct Tokenizer {
    const TokenizerKind *kind;
    int32_t n;            /* vocabulary size */
    char *blob;           /* all pieces, each NUL-terminated */
    size_t *off;          /* (n + 1) offsets into blob; piece i has length off[i+1]-off[i]-1 */
    float *scores;        /* (n) */
    int32_t *types;       /* (n) */
    int32_t bos_id;       /* prepended when >= 0 */
    int32_t sep_id;       /* appended when >= 0 (WordPiece's [SEP]) */
    int32_t unk_id;
    int32_t mask_id;      /* tokenizer.ggml.mask_token_id, or -1 */
    int add_space_prefix; /* SentencePiece */
    int32_t byte_id[256]; /* SentencePiece: id of "<0xXX>", or unk_id */
    PieceTable mergeable; /* SentencePiece: NORMAL and USER_DEFINED pieces, first wins */
    PieceTable all;       /* every piece, last wins (llama.cpp's token_to_id) */
    int32_t *special;     /* USER_DEFINED ids, longest first: split out of the text */
    size_t n_special;
    size_t max_piece_len;
    void *impl;           /* the kind's own state */
};

/* One row per tokenizer.ggml.model value. */
struct TokenizerKind {
    const char *model;    /* tokenizer.ggml.model */
    const char *what;     /* for messages and --info */
    /* llama.cpp's default special ids (-1: none) when the GGUF has no key;
     * UNK_FIRST_UNKNOWN: the first piece typed UNKNOWN, else 0. */
    int32_t default_bos, default_unk, default_sep;
    int default_add_bos;
    int honours_add_bos;  /* WordPiece adds [CLS] whatever add_bos_token says */
    /* Kind-specific keys and state (may be NULL); called after the common
     * keys are read, before the add_bos key, so it may change t->bos_id's
     * default through *ADD_BOS. */
    int (*load)(Tokenizer *t, const Gguf *g, int *add_bos, char *err, size_t errlen);
    void (*free_impl)(void *impl);
    /* Encode TEXT[start, end), raw text between user-defined pieces;
     * AFTER_SPECIAL when it starts the text or follows one.  Spans are
     * offsets into TEXT.  0, or -1 with a message. */
    int (*encode)(const Tokenizer *t, const char *text, size_t start, size_t end,
                  int after_special, TokenList *out, char *err, size_t errlen);
    /* The text piece ID stands for, as tokenizer_piece_text() describes. */
    size_t (*piece_text)(const Tokenizer *t, int32_t id, char *buf, size_t cap);
};

extern const TokenizerKind tokenizer_kind_spm, tokenizer_kind_bpe, tokenizer_kind_wpm;

/* malloc of COUNT * SIZE bytes with an overflow check; never asks for 0 bytes. */
void *tokenizer_alloc(size_t count, size_t size);
size_t tokenizer_piece_len(const Tokenizer *t, int32_t id);
/* The piece of TABLE equal to S[0, LEN), or -1. */
int32_t piece_table_find(const Tokenizer *t, const PieceTable *table, const char *s, size_t len);
/* Copy S[0, LEN) into BUF (CAP bytes, NUL-terminated when CAP > 0) from AT;
 * returns AT + LEN, the length the whole text needs. */
size_t tokenizer_put(char *buf, size_t cap, size_t at, const char *s, size_t len);

/* An optional boolean KEY into *OUT (left alone when missing). */
int tokenizer_get_opt_bool(const Gguf *g, const char *key, int *out, char *err, size_t errlen);

uint64_t tokenizer_hash(const char *s, size_t len);

/* One code point of S (LEFT >= 1 bytes) read as llama.cpp reads UTF-8
 * (unicode_cpt_from_utf8): the length comes from the first byte and the
 * following bytes need only be continuation bytes, so overlong forms,
 * surrogates and values up to 0x1FFFFF pass.  Returns the length and sets
 * *CPT, or 0 when llama.cpp would throw (it then takes one byte as U+FFFD). */
size_t tokenizer_cpt_decode(const char *s, size_t left, uint32_t *cpt);

/* SentencePiece's split of text into symbols, as llama.cpp does it: a
 * character's length comes from its first byte alone (0xxx: 1, 110x: 2,
 * 1110: 3, 1111: 4; a stray continuation byte: 1), cut at the end. */
size_t tokenizer_spm_char_len(const char *s, size_t left);

#endif
