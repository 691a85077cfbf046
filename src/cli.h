/*
 * cli.h - the non-interactive commands: --info, --dump, --lesson --dump json
 * and --bench.
 *
 * Each prints to the given stream and returns an exit status; errors are
 * reported once, on stderr, by the caller's message buffer convention.
 */
#ifndef ATTNSCOPE_CLI_H
#define ATTNSCOPE_CLI_H

#include <stdio.h>

#include "flow.h"
#include "model.h"

typedef enum { DUMP_JSON, DUMP_CSV, DUMP_SVG, DUMP_HEADS, DUMP_IMPORTANCE, DUMP_LOGITS } DumpFormat;

typedef struct {
    const char *model_path;
    const char *text;
    size_t text_len;
    DumpFormat format;
    int layer, head; /* -1: all */
    int query;       /* -1: none; else --dump json adds that row's math */
    const char *query_word; /* --query given as a word: its first occurrence */
    int bench_runs;  /* 0: automatic */
    const char *ablate; /* --ablate "L.H[,L.H...]": heads to knock out, or NULL */
    FlowKind view;   /* --view: what --dump json/csv/svg prints (flow.h) */
    const char *mask_word; /* --mask: the first word starting so is hidden as [MASK] */
} CliOptions;

int cli_info(FILE *out, const Model *m, char *err, size_t errlen);
int cli_dump(FILE *out, const Model *m, const CliOptions *o, char *err, size_t errlen);
/* Whether LAYER and HEAD (-1: not given) exist in the model: 0, or 2 with
 * the one message --dump and the explorer both give. */
int cli_check_head(const ModelConfig *c, int layer, int head, char *err, size_t errlen);
/* The token --query names in TEXT: token QUERY itself (checked against the
 * token count), or, when WORD is not NULL, the first token starting a word
 * that starts with WORD (ASCII case folded), as the explorer's / finds it.
 * Returns 0 with *OUT set, 1 on failure (tokenizing), 2 when the text has
 * no such token or word; ERR says why. */
int cli_query_token(const Model *m, const char *text, size_t len, int query, const char *word,
                    int *out, char *err, size_t errlen);
/* The bytes --mask WORD hides in TEXT: from the start of the first token
 * starting a word that starts with WORD (as --query finds it) to the end of
 * that word's letters and digits, so that every piece of the word, and no
 * punctuation after it, becomes [MASK] (run.h).  0, 1 (tokenizing) or 2 (no
 * such word, or the model has no masked-language-model head). */
int cli_mask_span(const Model *m, const char *text, size_t len, const char *word, size_t *from,
                  size_t *to, char *err, size_t errlen);
/* The lesson's steps measured on M (lesson.h), as one JSON object. */
int cli_lesson(FILE *out, const Model *m, char *err, size_t errlen);
/* --prune K: knock out the K least important heads on the text at once and
 * report the loss and top-1 agreement before and after. */
int cli_prune(FILE *out, const Model *m, const CliOptions *o, int k, char *err, size_t errlen);
int cli_bench(FILE *out, const char *model_path, const CliOptions *o, char *err, size_t errlen);
/* FLOPs of one forward pass over N tokens, as bench.c counts them. */
double bench_flops(const ModelConfig *c, int n);

#endif
