/*
 * cli.h - the non-interactive commands: --info, --dump and --bench.
 *
 * Each prints to the given stream and returns an exit status; errors are
 * reported once, on stderr, by the caller's message buffer convention.
 */
#ifndef ATTNSCOPE_CLI_H
#define ATTNSCOPE_CLI_H

#include <stdio.h>

#include "model.h"

typedef enum { DUMP_JSON, DUMP_CSV, DUMP_SVG, DUMP_HEADS } DumpFormat;

typedef struct {
    const char *model_path;
    const char *text;
    size_t text_len;
    DumpFormat format;
    int layer, head; /* -1: all */
    int query;       /* -1: none; else --dump json adds that row's math */
    int bench_runs;  /* 0: automatic */
} CliOptions;

int cli_info(FILE *out, const Model *m, char *err, size_t errlen);
int cli_dump(FILE *out, const Model *m, const CliOptions *o, char *err, size_t errlen);
int cli_bench(FILE *out, const char *model_path, const CliOptions *o, char *err, size_t errlen);
/* FLOPs of one forward pass over N tokens, as bench.c counts them. */
double bench_flops(const ModelConfig *c, int n);

#endif
