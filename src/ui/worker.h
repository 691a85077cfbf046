/*
 * worker.h - runs tokenization and the forward pass off the UI thread, so
 * typing never waits for the model.
 *
 * The loop submits (text, generation); a newer submission replaces one not
 * yet started and cancels the one running (between layers), so at most one
 * pass runs and one waits, and the newest text's result comes soonest.  The worker keeps the
 * last trace it computed (a shared reference) and recomputes only from the
 * first token that changed.  When a result is
 * ready the worker writes a byte to WAKE_FD (the loop polls its other end);
 * the loop takes the result and drops it if its generation is stale.
 */
#ifndef ATTNSCOPE_WORKER_H
#define ATTNSCOPE_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "trace.h"

typedef struct {
    unsigned gen;
    int failed;         /* non-zero: message holds why, trace is NULL */
    bool cancelled;     /* given up for a newer text (failed is set too) */
    char message[256];
    char *text;         /* the text computed, owned by the result */
    size_t len;
    Token *tokens;      /* (n) owned */
    int n;
    AttentionTrace *trace; /* owned */
} WorkResult;

typedef struct Worker Worker;

/* M must outlive the worker. */
Worker *worker_start(const Model *m, int wake_fd);
void worker_stop(Worker *w); /* joins the thread; NULL is fine */
void worker_submit(Worker *w, const char *text, size_t len, unsigned gen);
/* Move the newest finished result into *out; false when there is none. */
bool worker_take(Worker *w, WorkResult *out);
bool worker_busy(Worker *w);
void work_result_free(WorkResult *r);

/* The same work, synchronously: used by the worker and by tests.  PREV (may
 * be NULL) is an earlier result whose tokens and trace may be reused. */
void work_compute(const Model *m, const char *text, size_t len, unsigned gen, WorkResult *out);
void work_compute_from(const Model *m, const WorkResult *prev, const char *text, size_t len,
                       unsigned gen, WorkResult *out);
/* The same, giving up (out->cancelled) when *CANCEL becomes true. */
void work_compute_cancellable(const Model *m, const WorkResult *prev, const char *text,
                              size_t len, unsigned gen, const atomic_bool *cancel,
                              WorkResult *out);

#endif
