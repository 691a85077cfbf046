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

#include "lesson.h"
#include "model.h"
#include "trace.h"

typedef struct WorkResult {
    unsigned gen;
    int failed;         /* non-zero: message holds why, trace is NULL */
    bool cancelled;     /* given up for a newer text (failed is set too) */
    char message[256];
    char *text;         /* the text computed, owned by the result */
    size_t len;
    Token *tokens;      /* (n) owned */
    int n;
    AttentionTrace *trace; /* owned */
    double ms;          /* the forward pass's wall time */
    int reused;         /* positions taken from the previous pass (0: all computed) */
    int reused_layers;  /* layers taken from an earlier pass of the same text (knock-outs) */
    /* A lesson step measured on this pass (WorkJob.lesson >= 0): the result,
     * owned, or NULL with lesson_message saying why (a word of the step is
     * no longer in the text, ...).  For a step with a twin sentence, the
     * twin's own pass, owned (NULL when it failed). */
    int lesson_step;    /* -1: none asked */
    LessonResult *lesson;
    char lesson_message[256];
    struct WorkResult *twin;
    const Model *model; /* the model that computed it */
    /* When heads were knocked out (WorkJob.ablate): the same text with every
     * head in (owned), and what the knock-out did to the text's next-token
     * predictions (importance.h): loss in nats per token before (all heads)
     * and after, and at how many of the positions the most probable next
     * token stayed the same.  intact is NULL and n_off 0 otherwise. */
    AttentionTrace *intact;
    int n_off;
    bool have_loss;     /* the text has >= 2 tokens: the losses are set */
    double loss_before, loss_after;
    int top1_same, positions;
    /* Every head's importance on the text (WorkJob.importance): n_layers *
     * n_heads, owned, or NULL (not asked, or it failed: importance_message). */
    float *importance;
    char importance_message[128];
    /* Every head's induction score (induction.h: the model's, not the
     * text's; measured once by the worker), n_layers*n_heads, owned; NULL
     * when it could not be measured. */
    float *induction;
} WorkResult;

/* What the loop asks for: the text and its generation; LESSON, when >= 0,
 * the lesson step to measure on it; FULL: compute every position (no reuse
 * of the previous pass), so that the time is the whole text's. */
typedef struct {
    const char *text;
    size_t len;
    unsigned gen;
    int lesson;
    bool full;
    /* Heads to knock out (n_layers*n_heads bytes, run.h), or NULL. */
    const unsigned char *ablate;
    bool importance; /* measure every head's importance too (slow: a pass per head) */
    /* Bytes of the text hidden as [MASK] (run.h); mask_to <= mask_from: none. */
    size_t mask_from, mask_to;
    /* The other model of the bundled pair, for a LESSON_VIEW_PAIR step: the
     * same text is run and the step measured on it too (WorkResult.twin);
     * NULL: none.  It must outlive the job. */
    const Model *partner;
} WorkJob;

typedef struct Worker Worker;

/* M must outlive the worker. */
Worker *worker_start(const Model *m, int wake_fd);
void worker_stop(Worker *w); /* joins the thread; NULL is fine */
void worker_submit(Worker *w, const char *text, size_t len, unsigned gen);
void worker_submit_job(Worker *w, const WorkJob *job);
/* Move the newest finished result into *out; false when there is none. */
bool worker_take(Worker *w, WorkResult *out);
bool worker_busy(Worker *w);
void work_result_free(WorkResult *r);

/* The same work, synchronously: used by the worker and by tests.  PREV (may
 * be NULL) is an earlier result whose tokens and trace may be reused. */
void work_compute(const Model *m, const char *text, size_t len, unsigned gen, WorkResult *out);
void work_compute_from(const Model *m, const WorkResult *prev, const char *text, size_t len,
                       unsigned gen, WorkResult *out);
/* JOB in full: the pass (from PREV unless job->full) with the heads it
 * knocks out, and then without them; the lesson step it asks for, measured
 * on that pass, and the step's twin sentence; the heads' importance. */
void work_compute_job(const Model *m, const WorkResult *prev, const WorkJob *job,
                      const atomic_bool *cancel, WorkResult *out);

#endif
