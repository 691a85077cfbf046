/* worker.c - see worker.h. */
#include "worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "importance.h"
#include "induction.h"
#include "run.h"

struct Worker {
    const Model *model;
    int wake_fd;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    bool running;      /* a pass is under way */
    bool has_job;
    atomic_bool cancel; /* set by a submission while a pass runs */
    char *job_text;
    unsigned char *job_ablate; /* job.ablate, owned; NULL: none */
    WorkJob job;        /* job.text is job_text, job.ablate job_ablate */
    bool has_result;
    WorkResult result;
    WorkResult last;   /* the worker's own reference to what it computed last */
    float *induction;  /* the model's induction scores, measured before the first pass */
};

void work_result_free(WorkResult *r)
{
    free(r->text);
    free(r->tokens);
    trace_free(r->trace);
    trace_free(r->intact);
    free(r->importance);
    free(r->induction);
    free(r->lesson);
    if (r->twin) work_result_free(r->twin), free(r->twin);
    memset(r, 0, sizeof *r);
    r->lesson_step = -1;
}


void work_compute(const Model *m, const char *text, size_t len, unsigned gen, WorkResult *out)
{
    work_compute_from(m, NULL, text, len, gen, out);
}


/* The pass over TEXT with the heads ABLATE knocks out (NULL: none), from
 * PREV's positions where they are the same (run.h). */
static void compute(const Model *m, const Token *prev_tokens, int prev_n,
                    const AttentionTrace *prev, const char *text, size_t len,
                    const unsigned char *ablate, bool residual, const size_t *mask,
                    unsigned gen, const atomic_bool *cancel, WorkResult *out)
{
    memset(out, 0, sizeof *out);
    out->gen = gen;
    out->model = m;
    out->lesson_step = -1;
    out->text = malloc(len + 1);
    if (!out->text) {
        snprintf(out->message, sizeof out->message, "out of memory");
        out->failed = 1;
        return;
    }
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    out->len = len;
    RunRequest req = {.text = text, .len = len, .ablate = ablate, .cancel = cancel,
                      .prev_tokens = prev ? prev_tokens : NULL, .prev_n = prev ? prev_n : 0,
                      .prev = prev, .record_residual = residual,
                      .mask_from = mask ? mask[0] : 0, .mask_to = mask ? mask[1] : 0};
    RunResult r;
    int rc = run_text(m, &req, &r, out->message, sizeof out->message);
    if (rc == FORWARD_CANCELLED) out->cancelled = true;
    if (rc) {
        out->failed = 1;
        return;
    }
    out->tokens = r.tokens;
    out->n = r.n;
    out->trace = r.trace;
    out->ms = r.ms;
    out->reused = r.reused;
    out->reused_layers = r.reused_layers;
}

void work_compute_from(const Model *m, const WorkResult *prev, const char *text, size_t len,
                       unsigned gen, WorkResult *out)
{
    bool reuse = prev && prev->trace && !prev->failed;
    compute(m, reuse ? prev->tokens : NULL, reuse ? prev->n : 0, reuse ? prev->trace : NULL,
            text, len, NULL, false, NULL, gen, NULL, out);
}

/* TEXT with the heads ABLATE knocks out: first with every head (from
 * PREV's intact pass, or PREV's own when it had none off), keeping its
 * residual streams, then the knock-out from it, which computes only from
 * the lowest knocked-out layer up (run.h); and the losses of both.  Fails
 * (out->failed) only when cancelled or out of memory. */
static void compute_knockout(const Model *m, const WorkResult *prev, const char *text, size_t len,
                             const unsigned char *ablate, const size_t *mask, unsigned gen,
                             const atomic_bool *cancel, WorkResult *out)
{
    const AttentionTrace *from = NULL;
    if (prev && !prev->failed) from = prev->intact ? prev->intact : prev->trace;
    WorkResult in;
    compute(m, prev ? prev->tokens : NULL, prev ? prev->n : 0, from, text, len, NULL, true, mask,
            gen, cancel, &in);
    if (in.failed) {
        *out = in;
        return;
    }
    compute(m, in.tokens, in.n, in.trace, text, len, ablate, false, mask, gen, cancel, out);
    if (out->failed) {
        work_result_free(&in);
        return;
    }
    /* Both passes are the knock-out's cost; what either reused is said. */
    out->ms += in.ms;
    out->reused = in.reused;
    if (in.reused_layers > out->reused_layers) out->reused_layers = in.reused_layers;
    out->intact = in.trace;
    in.trace = NULL;
    work_result_free(&in);
    int cells = m->cfg.n_layers * m->cfg.n_heads;
    for (int i = 0; i < cells; i++) out->n_off += ablate[i] != 0;
    if (out->n < 2 || !model_has_lm_head(m)) return; /* an encoder: no loss to show */
    int *before = malloc((size_t)out->n * sizeof *before);
    int *after = malloc((size_t)out->n * sizeof *after);
    if (before && after) {
        out->loss_before = importance_loss(m, out->intact, out->tokens, out->n, before);
        out->loss_after = importance_loss(m, out->trace, out->tokens, out->n, after);
        out->positions = out->n - 1;
        for (int i = 0; i < out->positions; i++) out->top1_same += before[i] == after[i];
        out->have_loss = true;
    }
    free(before);
    free(after);
}

void work_compute_job(const Model *m, const WorkResult *prev, const WorkJob *job,
                      const atomic_bool *cancel, WorkResult *out)
{
    const char *text = job->text ? job->text : "";
    size_t len = job->text ? job->len : 0;
    int cells = m->cfg.n_layers * m->cfg.n_heads;
    const unsigned char *ablate = NULL;
    for (int i = 0; job->ablate && i < cells && !ablate; i++)
        if (job->ablate[i]) ablate = job->ablate;
    bool reuse = !job->full && prev && prev->trace && !prev->failed;
    size_t span[2] = {job->mask_from, job->mask_to};
    const size_t *mask = job->mask_to > job->mask_from ? span : NULL;
    if (ablate)
        compute_knockout(m, reuse ? prev : NULL, text, len, ablate, mask, job->gen, cancel, out);
    else
        compute(m, reuse ? prev->tokens : NULL, reuse ? prev->n : 0, reuse ? prev->trace : NULL,
                text, len, NULL, false, mask, job->gen, cancel, out);
    if (!out->failed && job->importance) {
        Importance imp;
        if (importance_measure(m, text, len, &imp, out->importance_message,
                               sizeof out->importance_message) == 0) {
            out->importance = imp.delta;
            imp.delta = NULL;
            importance_free(&imp);
        }
    }
    out->lesson_step = job->lesson;
    const LessonStep *step = lesson_step(job->lesson);
    if (out->failed || !step) return;
    out->lesson = malloc(sizeof *out->lesson);
    if (!out->lesson) {
        snprintf(out->lesson_message, sizeof out->lesson_message, "out of memory");
        return;
    }
    /* The pruning step is measured on the intact model, a pass per head
     * twice over: on the same text (only the knock-outs changed), the last
     * measurement stands. */
    if (step->view == LESSON_VIEW_PRUNE && prev && prev->lesson &&
        prev->lesson_step == job->lesson && prev->text && strcmp(prev->text, out->text) == 0) {
        memcpy(out->lesson, prev->lesson, sizeof *out->lesson);
        return;
    }
    if (lesson_measure_trace(m, job->lesson, out->text, out->tokens, (size_t)out->n, out->trace,
                             out->ms, out->lesson, out->lesson_message,
                             sizeof out->lesson_message)) {
        free(out->lesson);
        out->lesson = NULL;
        return;
    }
    if (step->twin) {
        WorkResult *tw = malloc(sizeof *tw);
        if (!tw) return;
        work_compute(m, step->twin, strlen(step->twin), job->gen, tw);
        if (tw->failed) work_result_free(tw), free(tw), tw = NULL;
        out->twin = tw;
    }
    if (step->view == LESSON_VIEW_PAIR && job->partner) {
        /* The same text in the other model, the step measured there too. */
        const Model *pm = job->partner;
        WorkResult *tw = malloc(sizeof *tw);
        if (!tw) return;
        work_compute(pm, out->text, out->len, job->gen, tw);
        if (!tw->failed && (tw->lesson = malloc(sizeof *tw->lesson)) &&
            lesson_measure_trace(pm, job->lesson, tw->text, tw->tokens, (size_t)tw->n, tw->trace,
                                 tw->ms, tw->lesson, tw->lesson_message,
                                 sizeof tw->lesson_message))
            free(tw->lesson), tw->lesson = NULL;
        if (tw->failed) work_result_free(tw), free(tw), tw = NULL;
        out->twin = tw;
    }
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    /* One pass over a repeated random sequence, once: the sidebar's
     * induction labels.  A model it cannot be measured on just has none. */
    size_t cells = (size_t)w->model->cfg.n_layers * w->model->cfg.n_heads;
    InductionInfo info;
    char ignored_err[128];
    w->induction = malloc(cells * sizeof *w->induction);
    if (w->induction &&
        induction_measure(w->model, w->induction, &info, ignored_err, sizeof ignored_err))
        free(w->induction), w->induction = NULL;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && !w->has_job) pthread_cond_wait(&w->cond, &w->lock);
        if (w->stop) break;
        char *text = w->job_text;
        unsigned char *mask = w->job_ablate;
        WorkJob job = w->job;
        job.text = text;
        job.ablate = mask;
        w->job_text = NULL;
        w->job_ablate = NULL;
        w->has_job = false;
        w->running = true;
        atomic_store(&w->cancel, false);
        pthread_mutex_unlock(&w->lock);

        WorkResult r;
        work_compute_job(w->model, &w->last, &job, &w->cancel, &r);
        free(text);
        free(mask);
        if (w->induction && (r.induction = malloc(cells * sizeof *r.induction)))
            memcpy(r.induction, w->induction, cells * sizeof *r.induction);
        if (r.cancelled) {
            /* A newer text is waiting: no result, no wake-up; take it next. */
            work_result_free(&r);
            pthread_mutex_lock(&w->lock);
            w->running = false;
            continue;
        }
        if (!r.failed) {
            /* Keep the tokens and a reference to the trace for the next edit. */
            Token *copy = malloc((size_t)r.n * sizeof *copy);
            work_result_free(&w->last);
            if (copy) {
                memcpy(copy, r.tokens, (size_t)r.n * sizeof *copy);
                w->last.tokens = copy;
                w->last.n = r.n;
                w->last.trace = trace_ref(r.trace);
                if (r.intact) w->last.intact = trace_ref(r.intact);
                /* What the pruning step's cache compares (work_compute_job). */
                w->last.text = strdup(r.text);
                w->last.lesson_step = r.lesson_step;
                if (r.lesson && (w->last.lesson = malloc(sizeof *w->last.lesson)))
                    memcpy(w->last.lesson, r.lesson, sizeof *r.lesson);
            }
        }

        pthread_mutex_lock(&w->lock);
        w->running = false;
        if (w->has_result) work_result_free(&w->result);
        w->result = r;
        w->has_result = true;
        /* A full pipe already means "look": losing this byte is harmless. */
        char b = 1;
        ssize_t ignored = write(w->wake_fd, &b, 1);
        (void)ignored;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

Worker *worker_start(const Model *m, int wake_fd)
{
    Worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->model = m;
    w->wake_fd = wake_fd;
    atomic_init(&w->cancel, false);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w)) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
        return NULL;
    }
    return w;
}

void worker_stop(Worker *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    /* Quitting (or a dropped terminal) must not wait for a long pass. */
    atomic_store(&w->cancel, true);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    free(w->job_text);
    free(w->job_ablate);
    free(w->induction);
    if (w->has_result) work_result_free(&w->result);
    work_result_free(&w->last);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}

void worker_submit(Worker *w, const char *text, size_t len, unsigned gen)
{
    WorkJob job = {.text = text, .len = len, .gen = gen, .lesson = -1};
    worker_submit_job(w, &job);
}

void worker_submit_job(Worker *w, const WorkJob *job)
{
    char *copy = malloc(job->len + 1);
    if (copy) memcpy(copy, job->text, job->len), copy[job->len] = '\0';
    size_t cells = (size_t)w->model->cfg.n_layers * w->model->cfg.n_heads;
    unsigned char *mask = job->ablate ? malloc(cells) : NULL;
    if (mask) memcpy(mask, job->ablate, cells);
    pthread_mutex_lock(&w->lock);
    free(w->job_text); /* a newer text replaces one not started yet */
    free(w->job_ablate);
    w->job_text = copy;
    w->job_ablate = mask;
    w->job = *job;
    w->job.text = NULL;
    w->job.ablate = NULL;
    w->job.len = copy ? job->len : 0;
    w->has_job = true;
    if (w->running) atomic_store(&w->cancel, true); /* its text is stale now */
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

bool worker_take(Worker *w, WorkResult *out)
{
    pthread_mutex_lock(&w->lock);
    bool got = w->has_result;
    if (got) {
        *out = w->result;
        memset(&w->result, 0, sizeof w->result);
        w->has_result = false;
    }
    pthread_mutex_unlock(&w->lock);
    return got;
}

bool worker_busy(Worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool busy = w->running || w->has_job;
    pthread_mutex_unlock(&w->lock);
    return busy;
}
