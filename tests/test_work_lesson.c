/*
 * test_work_lesson.c - what the explorer's lesson is built on, without a
 * terminal: a work job that names a lesson step measures it on the job's
 * own pass exactly as lesson_measure_text() does on a pass of its own (the
 * CLI's path); the twin sentence's pass comes with the twin step; a step
 * whose words are gone fails with a reason and still returns the pass; the
 * scene's unscaled softmax (u) against a float64 softmax of q·k computed
 * here from the trace's q and k; the cost samples (only passes that
 * computed every position, with their token counts).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_state.h"
#include "lesson.h"
#include "model.h"
#include "scene.h"
#include "tap.h"
#include "testutil.h"
#include "trace.h"
#include "importance.h"
#include "run.h"
#include "worker.h"

#define CAT "The cat sat on the mat because it was tired."

static void job(const Model *m, const WorkResult *prev, const char *text, int step, bool full,
                WorkResult *out)
{
    WorkJob j = {.text = text, .len = strlen(text), .gen = 1, .lesson = step, .full = full};
    work_compute_job(m, prev, &j, NULL, out);
}

/* Every step through the job equals the CLI's measurement, caption and all. */
static void test_steps(const Model *m, const char *name)
{
    for (int i = 0; i < lesson_step_count(); i++) {
        const LessonStep *s = lesson_step(i);
        WorkResult r;
        job(m, NULL, s->sentence, i, false, &r);
        LessonResult ref;
        char err[256];
        int rc = lesson_measure_text(m, i, s->sentence, &ref, err, sizeof err);
        if (!ok(!r.failed && r.lesson && rc == 0, "%s step %d: measured through the job", name,
                i + 1)) {
            diag("%s / %s / %s", r.message, r.lesson_message, err);
            work_result_free(&r);
            continue;
        }
        const LessonResult *l = r.lesson;
        bool same = l->layer == ref.layer && l->head == ref.head && l->query == ref.query &&
                    l->key == ref.key && l->found == ref.found && l->n_caption == ref.n_caption &&
                    l->n_numbers == ref.n_numbers && r.lesson_step == i;
        for (int c = 0; same && c < l->n_caption; c++)
            same = strcmp(l->caption[c], ref.caption[c]) == 0 || s->view == LESSON_VIEW_COST;
        for (int k = 0; same && k < l->n_numbers; k++)
            same = strcmp(l->numbers[k].name, ref.numbers[k].name) == 0 &&
                   (l->numbers[k].value == ref.numbers[k].value ||
                    strcmp(l->numbers[k].name, "ms") == 0);
        ok(same, "%s step %d: the job's choice, numbers and caption are the CLI's (L%d H%d, "
           "query %d, key %d)", name, i + 1, l->layer, l->head, l->query, l->key);
        if (s->twin) {
            bool twin = r.twin && !r.twin->failed && strcmp(r.twin->text, s->twin) == 0 &&
                        l->twin_query >= 0 && l->twin_query < r.twin->n && l->twin_key >= 0 &&
                        l->twin_key <= l->twin_query;
            ok(twin, "%s step %d: the twin's own pass comes with it (query %d, key %d)", name,
               i + 1, l->twin_query, l->twin_key);
        } else {
            ok(r.twin == NULL, "%s step %d: no twin pass for a step without one", name, i + 1);
        }
        work_result_free(&r);
    }
}

/* A job on a text without the step's words: the pass, and why not the step. */
static void test_lost_words(const Model *m)
{
    WorkResult r;
    job(m, NULL, "The dog ran home.", 0, false, &r);
    ok(!r.failed && r.trace && r.lesson == NULL && strstr(r.lesson_message, "no word \"it\""),
       "a text without \"it\": the pass is there, the step is not, saying why (%s)",
       r.lesson_message);
    work_result_free(&r);
    job(m, NULL, "The dog ran home.", -1, false, &r);
    ok(!r.failed && r.lesson == NULL && r.lesson_step == -1 && !r.lesson_message[0],
       "no step asked: nothing measured");
    work_result_free(&r);
}

/* Reuse and FULL: the cost step's passes compute every position. */
static void test_full(const Model *m)
{
    WorkResult a, b, c;
    job(m, NULL, CAT, -1, false, &a);
    job(m, &a, CAT " It slept.", -1, false, &b);
    job(m, &a, CAT " It slept.", -1, true, &c);
    ok(a.reused == 0 && b.reused == a.n && c.reused == 0 && b.ms >= 0 && c.ms > 0,
       "a longer text reuses the %d positions it shares (%d), not with FULL (%d)", a.n, b.reused,
       c.reused);
    /* Not bit for bit: the matrix products block differently over a
     * prefix than over the whole text. */
    bool same = b.n == c.n && b.trace && c.trace;
    double worst = 0;
    for (int l = 0; same && l < b.trace->n_layers; l++)
        for (int h = 0; h < b.trace->n_heads; h++) {
            const float *x = trace_attn(b.trace, l, h), *y = trace_attn(c.trace, l, h);
            for (size_t i = 0; i < (size_t)b.n * b.n; i++)
                worst = fmax(worst, fabs((double)x[i] - y[i]));
        }
    ok(same && worst < 1e-5, "the full pass and the reusing pass record the same attention "
       "(within %.1e; tolerance 1e-5)", worst);

    /* The scene keeps a cost sample for the full passes only. */
    Scene sc;
    scene_init(&sc, m, true);
    int n_before = sc.n_cost;
    int n_a = a.n, n_c = c.n;
    double ms_c = c.ms;
    scene_install(&sc, &a);
    scene_install(&sc, &b);
    scene_install(&sc, &c);
    ok(sc.n_cost == n_before + 2 && sc.cost[0].n == n_a && sc.cost[1].n == n_c &&
       sc.cost[1].ms == ms_c,
       "cost samples: the two full passes (n %d and %d), not the one that reused", n_a, n_c);
    scene_free(&sc);
}

/* softmax(q·k) without the scale, from the trace's q and k in double. */
static void test_unscaled(const Model *m)
{
    Scene sc;
    scene_init(&sc, m, true);
    WorkResult r;
    job(m, NULL, CAT, -1, false, &r);
    if (!ok(!r.failed && scene_install(&sc, &r) == 0, "the cat sentence installs")) {
        work_result_free(&r);
        return;
    }
    AppState st;
    app_state_init(&st, m->cfg.n_layers, m->cfg.n_heads, CAT, strlen(CAT));
    app_state_set_tokens(&st, sc.res.n);
    double worst = 0;
    int n = sc.res.n, d = sc.res.trace->head_dim;
    for (int layer = 0; layer < st.n_layers; layer++)
        for (int head = 0; head < st.n_heads; head++)
            for (int q = 0; q < n; q++) {
                st.layer = layer, st.head = head, st.query = st.key = q;
                scene_update(&sc, &st);
                const float *qv = scene_q(&sc, &st);
                double dots[512], max = -INFINITY, sum = 0;
                for (int j = 0; j <= q; j++) {
                    const float *kv = scene_k(&sc, &st, j);
                    dots[j] = 0;
                    for (int c = 0; c < d; c++) dots[j] += (double)qv[c] * kv[c];
                    if (dots[j] > max) max = dots[j];
                }
                for (int j = 0; j <= q; j++) sum += exp(dots[j] - max);
                for (int j = 0; j < n; j++) {
                    double want = j <= q ? exp(dots[j] - max) / sum : 0;
                    double e = fabs(sc.plain[j] - want);
                    if (e > worst) worst = e;
                }
            }
    ok(worst < 1e-5, "unscaled softmax of every row of every head: within %.1e of float64 "
       "(tolerance 1e-5)", worst);
    /* And it is sharper than the scaled one on the lesson's row. */
    LessonResult lr;
    char err[256];
    if (lesson_measure_text(m, 0, NULL, &lr, err, sizeof err) == 0) {
        st.layer = lr.layer, st.head = lr.head, st.query = st.key = lr.query;
        scene_update(&sc, &st);
        int top = 0;
        for (int j = 1; j <= lr.query; j++)
            if (sc.weight[j] > sc.weight[top]) top = j;
        ok(sc.plain[top] >= sc.weight[top],
           "without 1/sqrt(d) the strongest key of \"it\" gets more (%.4f >= %.4f)",
           sc.plain[top], sc.weight[top]);
    }
    app_state_free(&st);
    scene_free(&sc);
}

/* A job with heads knocked out: the pass with them off equals run_text's
 * with the same mask, the intact one run_text's without, bit for bit; the
 * meter's numbers are importance_loss's of the two; the knock-out pass
 * reuses the layers below the lowest head; the next job, the same heads
 * off, reuses every layer of the intact pass. */
static void test_knockout(const Model *m)
{
    int cells = m->cfg.n_layers * m->cfg.n_heads, H = m->cfg.n_heads;
    unsigned char *mask = calloc((size_t)cells, 1);
    mask[3 * H + 1] = mask[4 * H + 0] = 1;
    WorkJob j = {.text = CAT, .len = strlen(CAT), .gen = 1, .lesson = -1, .ablate = mask};
    WorkResult r, r2;
    work_compute_job(m, NULL, &j, NULL, &r);
    char err[256];
    RunRequest on = {.text = CAT, .len = strlen(CAT), .ablate = mask}, off = {.text = CAT, .len = strlen(CAT)};
    RunResult a, b;
    if (r.failed || !r.intact || run_text(m, &on, &a, err, sizeof err) ||
        run_text(m, &off, &b, err, sizeof err)) {
        ok(0, "knock-out job and reference passes run");
        free(mask);
        return;
    }
    size_t V = (size_t)m->cfg.vocab, D = (size_t)m->cfg.dim, n = (size_t)r.n;
    ok(memcmp(r.trace->logits_last, a.trace->logits_last, V * sizeof(float)) == 0 &&
           memcmp(r.trace->hidden, a.trace->hidden, n * D * sizeof(float)) == 0,
       "the knock-out pass equals run_text's with the same heads off, bit for bit");
    ok(memcmp(r.intact->logits_last, b.trace->logits_last, V * sizeof(float)) == 0 &&
           memcmp(r.intact->hidden, b.trace->hidden, n * D * sizeof(float)) == 0,
       "the intact pass equals run_text's without knock-outs, bit for bit");
    ok(memcmp(r.intact->logits_last, r.trace->logits_last, V * sizeof(float)) != 0,
       "... and the two differ");
    is_int(r.n_off, 2, "two heads off");
    is_int(r.reused_layers, 3, "the knock-out pass computed from layer 3 up (3 layers reused)");
    int *t1 = malloc(n * sizeof *t1), *t2 = malloc(n * sizeof *t2), same = 0;
    double lb = importance_loss(m, b.trace, b.tokens, b.n, t1);
    double la = importance_loss(m, a.trace, a.tokens, a.n, t2);
    for (size_t i = 0; i + 1 < n; i++) same += t1[i] == t2[i];
    ok(r.have_loss && r.loss_before == lb && r.loss_after == la && r.top1_same == same &&
           r.positions == (int)n - 1,
       "the meter: loss %.4f -> %.4f, top-1 same %d/%d, as importance_loss measures them", lb,
       la, same, (int)n - 1);
    work_compute_job(m, &r, &j, NULL, &r2);
    ok(!r2.failed && r2.reused_layers == m->cfg.n_layers &&
           memcmp(r2.trace->logits_last, r.trace->logits_last, V * sizeof(float)) == 0,
       "the same job again reuses every layer of the last intact pass");
    free(t1), free(t2), free(mask);
    run_result_free(&a), run_result_free(&b);
    work_result_free(&r), work_result_free(&r2);
}

int main(void)
{
    static const char *const models[] = {"bundled", "ref260K.gguf"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char err[512];
        Model *m = test_open_model(models[i], err, sizeof err);
        if (!m) {
            if (err[0]) ok(0, "open %s: %s", models[i], err);
            else skip(models[i]);
            continue;
        }
        test_steps(m, models[i]);
        if (i == 0) {
            /* The rest on the model whose numbers doc/MODEL.md quotes. */
            test_lost_words(m);
            test_full(m);
            test_unscaled(m);
            test_knockout(m);
        }
        model_close(m);
    }
    done_testing();
    return exit_status();
}
