/*
 * importance.h - how much each head matters to the model's predictions on
 * one text, measured by knocking it out (run.h): the mean log-probability
 * the model gives each next token of the text (teacher forcing: position i
 * predicts token i+1 from tokens 0..i), with and without the head.
 *
 *   loss        mean of -log p(token i+1 | tokens 0..i), i = 0 .. n-2, in
 *               nats per token
 *   importance  loss with the head knocked out minus loss with it: how many
 *               nats per token the text costs more without it (can be < 0)
 *   top-1       positions whose most probable next token is the same as the
 *               intact model's
 */
#ifndef ATTNSCOPE_IMPORTANCE_H
#define ATTNSCOPE_IMPORTANCE_H

#include <stddef.h>

#include "model.h"
#include "run.h"

/* The loss of TRACE (of TOKENS[0..n)) and, when TOP1 is not NULL, each
 * position's most probable next token (n-1 of them).  n >= 2. */
double importance_loss(const Model *m, const AttentionTrace *t, const Token *tokens, int n,
                       int *top1);

typedef struct {
    double loss;       /* the intact model's */
    int n;             /* tokens of the text */
    float *delta;      /* (n_layers*n_heads) importance of each head, owned */
} Importance;

/* Every head's importance on TEXT: one intact pass keeping its residual
 * streams, then one pass per head computing only from the head's layer up
 * (a knock-out in layer l changes every layer from l, none below; run.h,
 * record_residual).  0, or -1 with ERR (the text has fewer than 2 tokens,
 * is over the context, out of memory). */
int importance_measure(const Model *m, const char *text, size_t len, Importance *out, char *err,
                       size_t errlen);
void importance_free(Importance *imp);

/* Knock out the K heads of least importance at once (one-shot: ranked by
 * IMP, not re-measured after each removal), and compare with the intact
 * model on TEXT.  MASK (n_layers*n_heads) gets the heads removed. */
typedef struct {
    int k;
    double loss_before, loss_after;
    int top1_same, positions;
} PruneReport;
int importance_prune(const Model *m, const char *text, size_t len, const Importance *imp, int k,
                     unsigned char *mask, PruneReport *out, char *err, size_t errlen);

#endif
