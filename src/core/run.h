/*
 * run.h - one request from text to trace: tokenize, check the context, run
 * the forward pass (reusing an earlier run's positions, or for the same
 * text its lower layers, where it can, with the heads the request knocks
 * out).  The CLI's --dump, the explorer's
 * worker and the lesson all go through run_text(), so a text gives the same
 * tokens, the same trace and the same messages everywhere.
 */
#ifndef ATTNSCOPE_RUN_H
#define ATTNSCOPE_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "tokenizer.h"
#include "trace.h"

typedef struct {
    const char *text;
    size_t len;
    /* Heads to knock out: n_layers*n_heads bytes, non-zero for (layer,
     * head); NULL: none (forward.h, ForwardOptions). */
    const unsigned char *ablate;
    /* An earlier run (its tokens and trace) whose leading positions may be
     * reused when its tokens and knocked-out heads are the same, or its
     * lower layers (see record_residual); all NULL: compute everything. */
    const Token *prev_tokens;
    int prev_n;
    const AttentionTrace *prev;
    const atomic_bool *cancel; /* may be NULL */
    /* Keep each layer's input residual stream in the trace, so that a later
     * request for the same text with PREV = this trace reuses every layer
     * below its first differently knocked-out one (forward.h,
     * ForwardOptions: layer reuse).  Costs n_layers*n*dim floats. */
    bool record_residual;
    /* Bytes [mask_from, mask_to) of the text hidden from a masked-language
     * model (model_fills_mask): every token starting there becomes [MASK],
     * keeping its span.  mask_to <= mask_from: none. */
    size_t mask_from, mask_to;
} RunRequest;

typedef struct {
    Token *tokens;         /* (n) owned */
    int n;
    AttentionTrace *trace; /* owned */
    double ms;             /* the forward pass's wall time */
    int reused;            /* positions taken from the earlier run */
    int reused_layers;     /* layers taken from it (same tokens; then reused is 0) */
} RunResult;

/* 0 with *OUT filled; -1 with ERR saying why (nothing to free); or
 * FORWARD_CANCELLED when *CANCEL became true. */
int run_text(const Model *m, const RunRequest *req, RunResult *out, char *err, size_t errlen);
/* Token T was hidden from M as [MASK] (a mask range, above): it covers text
 * but carries M's mask id.  The first such of N tokens, or -1. */
bool run_token_hidden(const Model *m, const Token *t);
int run_first_hidden(const Model *m, const Token *toks, int n);
void run_result_free(RunResult *r);

/* Parse "L.H[,L.H...]" (layers and heads from 0) into MASK (n_layers*n_heads
 * bytes, zeroed first); -1 with ERR naming the bad part.  For --ablate. */
int run_parse_heads(const ModelConfig *c, const char *spec, unsigned char *mask, char *err,
                    size_t errlen);

#endif
