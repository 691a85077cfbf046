/*
 * test_lesson.c - the lesson's steps (src/core/lesson.c) against what they
 * claim: step 1's head against the independent float64 reference
 * (tests/golden/tinystories-2m/, written by tools/golden/make_golden.py) and
 * the head table of tools/heads/tinystories-2m.json; every quoted number
 * against the trace or a recomputation here from q and k; every caption
 * within three lines of 78 columns.  On ../shared's ref260K (a model that
 * splits "cat" into pieces) every step must measure and step 1's caption must
 * agree with its numbers.
 */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "forward.h"
#include "importance.h"
#include "lesson.h"
#include "model.h"
#include "tap.h"
#include "testutil.h"

static double num(const LessonResult *r, const char *name)
{
    const LessonNumber *n = lesson_number(r, name);
    if (!n) diag("step %d has no number \"%s\"", r->step + 1, name);
    return n ? n->value : NAN;
}

static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A fresh pass over TEXT: tokens and trace. */
static AttentionTrace *run(const Model *m, const char *text, Token **toks, size_t *n)
{
    char err[512] = "";
    AttentionTrace *t = NULL;
    if (tokenizer_encode(m->tok, text, strlen(text), 0, toks, n, err, sizeof err)) return NULL;
    int32_t *ids = malloc(*n * sizeof *ids);
    for (size_t i = 0; ids && i < *n; i++) ids[i] = (*toks)[i].id;
    if (!ids || forward_run(m, ids, (int)*n, &t, err, sizeof err)) diag("%s", err);
    free(ids);
    return t;
}

/* Every step measures; its caption fits.  Fills R[0..7). */
static int measure_all(const Model *m, const char *name, LessonResult *r)
{
    int failures = 0;
    for (int i = 0; i < lesson_step_count(); i++) {
        char err[512] = "";
        int rc = lesson_measure(m, i, &r[i], err, sizeof err);
        if (!ok(rc == 0, "%s: step %d measures", name, i + 1)) {
            diag("%s", err);
            failures++;
            continue;
        }
        int fits = r[i].n_caption >= 1 && r[i].n_caption <= LESSON_CAPTION_LINES && !r[i].clipped;
        for (int l = 0; l < r[i].n_caption; l++)
            if (columns(r[i].caption[l]) > LESSON_CAPTION_COLUMNS || !strchr(r[i].caption[l], ' ')) {
                fits = 0;
                diag("line %d: \"%s\"", l + 1, r[i].caption[l]);
            }
        if (!ok(fits, "%s: step %d's caption is 1-3 lines of at most 78 columns, none cut",
                name, i + 1))
            diag("%d lines, clipped %d", r[i].n_caption, r[i].clipped);
    }
    return failures;
}

/* The golden file's head where "it" puts most weight on "cat" among those
 * weighing it above "mat": the same rule, computed from float64 numbers. */
static void golden_head(const char *srcdir, int *gl, int *gh, double *gw)
{
    char path[4200];
    snprintf(path, sizeof path,
             "%s/tests/golden/tinystories-2m/the-cat-sat-on-the-mat-because-it-was-ti.json", srcdir);
    char *text = test_read_file(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    *gl = *gh = -1;
    *gw = -1;
    const cJSON *pieces = cJSON_GetObjectItem(j, "pieces"), *attn = cJSON_GetObjectItem(j, "attention");
    int it = -1, cat = -1, mat = -1;
    for (int i = 0; i < cJSON_GetArraySize(pieces); i++) {
        const char *p = cJSON_GetStringValue(cJSON_GetArrayItem(pieces, i));
        if (!p) continue;
        if (strcmp(p, "\u2581it") == 0) it = i;
        if (strcmp(p, "\u2581cat") == 0) cat = i;
        if (strcmp(p, "\u2581mat") == 0) mat = i;
    }
    if (!ok(j && it >= 0 && cat >= 0 && mat >= 0, "golden file %s has it, cat, mat", path)) {
        cJSON_Delete(j);
        return;
    }
    for (int l = 0; l < cJSON_GetArraySize(attn); l++) {
        const cJSON *layer = cJSON_GetArrayItem(attn, l);
        for (int h = 0; h < cJSON_GetArraySize(layer); h++) {
            const cJSON *row = cJSON_GetArrayItem(cJSON_GetArrayItem(layer, h), it);
            double wc = cJSON_GetNumberValue(cJSON_GetArrayItem(row, cat));
            double wm = cJSON_GetNumberValue(cJSON_GetArrayItem(row, mat));
            if (wc > wm && wc > *gw) *gl = l, *gh = h, *gw = wc;
        }
    }
    cJSON_Delete(j);
}

/* tools/heads/tinystories-2m.json: the head with the largest mean weight
 * from a pronoun on its antecedent over its 30 sentences. */
static void heads_table_best(const char *srcdir, int *bl, int *bh)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/tools/heads/tinystories-2m.json", srcdir);
    char *text = test_read_file(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    double best = -1;
    *bl = *bh = -1;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(j, "heads")) {
        double a = cJSON_GetNumberValue(cJSON_GetObjectItem(h, "ante"));
        if (a > best) {
            best = a;
            *bl = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "layer"));
            *bh = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "head"));
        }
    }
    ok(j && *bl >= 0, "read %s", path);
    cJSON_Delete(j);
}

/* The first token overlapping whole word WORD of TEXT, and the last. */
static void word_tokens(const char *text, const Token *toks, size_t n, const char *word, int *a,
                        int *b)
{
    const char *p = strstr(text, word);
    while (p && ((p > text && p[-1] != ' ') || (p[strlen(word)] >= 'a' && p[strlen(word)] <= 'z')))
        p = strstr(p + 1, word);
    *a = *b = -1;
    if (!p) return;
    size_t s = (size_t)(p - text), e = s + strlen(word);
    for (size_t i = 0; i < n; i++)
        if (toks[i].end > toks[i].start && toks[i].start < e && toks[i].end > s) {
            if (*a < 0) *a = (int)i;
            *b = (int)i;
        }
}

static void test_bundled(const Model *m, const char *srcdir)
{
    LessonResult *r = calloc((size_t)lesson_step_count(), sizeof *r);
    if (measure_all(m, "tinystories-2m", r)) {
        free(r);
        return;
    }
    const LessonStep *s1 = lesson_step(0);

    /* Step 1 against the independent reference. */
    int gl, gh;
    double gw;
    golden_head(srcdir, &gl, &gh, &gw);
    ok(r[0].layer == gl && r[0].head == gh,
       "step 1 chooses the golden reference's clearest it->cat head (%d.%d; lesson %d.%d)", gl,
       gh, r[0].layer, r[0].head);
    is_near(num(&r[0], "w_target"), gw, 1e-3, "step 1's weight on cat is the reference's");
    int bl, bh;
    heads_table_best(srcdir, &bl, &bh);
    ok(r[0].layer == bl && r[0].head == bh,
       "step 1's head is tools/heads' best pronoun-to-antecedent head by mean weight (%d.%d)",
       bl, bh);
    ok(r[0].found && num(&r[0], "w_target") >= LESSON_MIN_WEIGHT
           && num(&r[0], "w_target") > num(&r[0], "w_competitor"),
       "step 1 found a clear head: at least 0.3 on cat, above mat");
    is_str(r[0].query_word, "it", "step 1's query word");
    is_str(r[0].key_word, "cat", "step 1's key word");

    /* The same numbers from a pass of our own. */
    Token *toks;
    size_t n;
    AttentionTrace *t = run(m, s1->sentence, &toks, &n);
    if (!t) {
        free(r);
        return;
    }
    int it0, it1, c0, c1, m0, m1;
    word_tokens(s1->sentence, toks, n, "it", &it0, &it1);
    word_tokens(s1->sentence, toks, n, "cat", &c0, &c1);
    word_tokens(s1->sentence, toks, n, "mat", &m0, &m1);
    is_int(r[0].query, it0, "step 1's query is the first token of \"it\"");
    is_int(r[0].key, c0, "step 1's key is the first token of \"cat\"");
    const float *row = trace_attn(t, r[0].layer, r[0].head) + (size_t)it0 * n;
    double wc = 0, wm = 0;
    for (int j = c0; j <= c1; j++) wc += row[j];
    for (int j = m0; j <= m1; j++) wm += row[j];
    is_near(num(&r[0], "w_target"), wc, 1e-6, "step 1's weight on cat equals the trace's");
    is_near(num(&r[0], "w_competitor"), wm, 1e-6, "step 1's weight on mat equals the trace's");
    char want[32];
    snprintf(want, sizeof want, "%.3f", wc);
    ok(strstr(r[0].caption[0], want) != NULL, "step 1's caption quotes %s", want);
    int prefer = 0;
    for (int l = 0; l < t->n_layers; l++)
        for (int h = 0; h < t->n_heads; h++) {
            const float *rw = trace_attn(t, l, h) + (size_t)it0 * n;
            double a = 0, b = 0;
            for (int j = c0; j <= c1; j++) a += rw[j];
            for (int j = m0; j <= m1; j++) b += rw[j];
            prefer += a > b;
        }
    is_int(num(&r[0], "prefer"), prefer, "step 1 counts the heads weighing cat above mat");

    /* Step 2: q.k of the query and its strongest key, recomputed. */
    int d = t->head_dim, q = r[1].query, k = r[1].key;
    size_t qs = (size_t)t->n_heads * d, ks = (size_t)t->n_kv_heads * d;
    const float *qv = t->q + (size_t)r[1].layer * n * qs + (size_t)q * qs + (size_t)r[1].head * d;
    const float *kb = t->k + (size_t)r[1].layer * n * ks + (size_t)trace_kv_head(t, r[1].head) * d;
    double dot = 0, qn = 0, kn = 0;
    for (int c = 0; c < d; c++) {
        const float *kv = kb + (size_t)k * ks;
        dot += (double)qv[c] * kv[c], qn += (double)qv[c] * qv[c], kn += (double)kv[c] * kv[c];
    }
    ok(r[1].layer == r[0].layer && r[1].head == r[0].head, "step 2 uses step 1's head");
    const float *row2 = trace_attn(t, r[1].layer, r[1].head) + (size_t)q * n;
    int top = 0;
    for (int j = 1; j < (int)n; j++) top = row2[j] > row2[top] ? j : top;
    is_int(k, top, "step 2's key is the query's strongest");
    is_near(num(&r[1], "dot"), dot, 1e-3, "step 2's q.k recomputed");
    is_near(num(&r[1], "q_norm"), sqrt(qn), 1e-4, "step 2's |q| recomputed");
    is_near(num(&r[1], "k_norm"), sqrt(kn), 1e-4, "step 2's |k| recomputed");
    is_int(num(&r[1], "d"), d, "step 2's d is the head size");

    /* Step 3: softmax of q.k/sqrt(d) and of q.k, recomputed over keys 0..q. */
    q = r[2].query, k = r[2].key;
    qv = t->q + (size_t)r[2].layer * n * qs + (size_t)q * qs + (size_t)r[2].head * d;
    kb = t->k + (size_t)r[2].layer * n * ks + (size_t)trace_kv_head(t, r[2].head) * d;
    double *dots = calloc(n, sizeof *dots), mx = -INFINITY;
    for (int j = 0; j <= q; j++) {
        for (int c = 0; c < d; c++) dots[j] += (double)qv[c] * kb[(size_t)j * ks + c];
        mx = fmax(mx, dots[j]);
    }
    double zs = 0, zu = 0;
    for (int j = 0; j <= q; j++) {
        zs += exp((dots[j] - mx) / sqrt((double)d));
        zu += exp(dots[j] - mx);
    }
    double ws = exp((dots[k] - mx) / sqrt((double)d)) / zs, wu = exp(dots[k] - mx) / zu;
    free(dots);
    is_near(num(&r[2], "w_scaled"), ws, 1e-4, "step 3's scaled top weight recomputed (%.4f)", ws);
    is_near(num(&r[2], "w_unscaled"), wu, 1e-4, "step 3's unscaled top weight recomputed (%.4f)",
            wu);
    ok(num(&r[2], "w_unscaled") >= num(&r[2], "w_scaled"),
       "step 3: without the scale the top weight is at least as large");
    const float *row3 = trace_attn(t, r[2].layer, r[2].head) + (size_t)q * n;
    is_near(num(&r[2], "w_scaled"), row3[k], 1e-6, "step 3's scaled weight is the trace's");

    /* Step 4: the mask. */
    is_int(num(&r[3], "hidden"), (int)n - 1 - r[3].query, "step 4: keys the query cannot see");
    is_int(num(&r[3], "masked"), (int)(n * (n - 1) / 2), "step 4: masked cells per head");

    /* Step 5: every head of the layer with its measured role. */
    is_int(r[4].n_head_rows, t->n_heads, "step 5 lists every head of the layer");
    int roles_ok = 1;
    for (int h = 0; h < r[4].n_head_rows; h++) {
        HeadStats hs;
        analysis_head(trace_attn(t, r[4].layer, h), (int)n, &hs);
        roles_ok &= r[4].heads[h].head == h && r[4].heads[h].role == hs.pattern
                    && *lesson_role_gloss(hs.pattern);
    }
    ok(roles_ok, "step 5's roles are analysis_head's, each with a gloss");

    /* Step 6: the cost. */
    double cells = (double)n * n * m->cfg.n_heads * m->cfg.n_layers;
    is_near(num(&r[5], "cells"), cells, 0.5, "step 6: cells = n*n*heads*layers (%.0f)", cells);
    is_int(num(&r[5], "n"), n, "step 6: n is the token count");
    ok(num(&r[5], "ms") > 0, "step 6: the pass was timed (%.3f ms)", num(&r[5], "ms"));

    /* Step 7: the heads knocked out cumulatively, least important first:
     * the order is --prune's (importance_measure, ties to the lower head) and
     * each point of the curve is importance_prune's of that many heads (the
     * path test_importance_reference.sh checks against float64). */
    {
        Importance imp;
        char err_buf[256];
        const LessonResult *p7 = &r[6];
        int all = m->cfg.n_layers * m->cfg.n_heads;
        is_int(p7->n_prune, all, "step 7 ranks every head");
        if (importance_measure(m, s1->sentence, strlen(s1->sentence), &imp, err_buf,
                               sizeof err_buf) == 0) {
            unsigned char *mask = malloc((size_t)all);
            int counts[] = {1, 5, all / 2, all}, same_order = 1;
            for (size_t x = 0; x < sizeof counts / sizeof counts[0]; x++) {
                PruneReport pr;
                int kk = counts[x];
                if (!mask || importance_prune(m, s1->sentence, strlen(s1->sentence), &imp, kk,
                                              mask, &pr, err_buf, sizeof err_buf))
                    break;
                for (int c = 0; c < kk; c++) same_order &= mask[p7->prune_order[c]] == 1;
                is_near(p7->prune_loss[kk], pr.loss_after, 1e-5,
                        "step 7: loss with %d heads out is --prune %d's (%.4f)", kk, kk,
                        pr.loss_after);
                is_int(p7->prune_top1[kk], pr.top1_same, "step 7: top-1 kept with %d heads out", kk);
                if (x == 0) is_near(p7->prune_loss[0], pr.loss_before, 1e-5, "step 7: loss intact");
            }
            ok(same_order, "step 7 knocks the heads out in --prune's order");
            free(mask);
            importance_free(&imp);
        }
        int k5 = (int)num(p7, "k5");
        ok(k5 >= 0 && k5 <= p7->n_prune && p7->prune_loss[k5] <= 1.05 * p7->prune_loss[0] &&
               (k5 == p7->n_prune || p7->prune_loss[k5 + 1] > 1.05 * p7->prune_loss[0]),
           "step 7's k5 (%d) is the first count whose next one passes +5%%", k5);
    }

    /* Step 8: both sentences in step 1's head. */
    ok(r[7].layer == r[0].layer && r[7].head == r[0].head, "step 8 uses step 1's head");
    Token *ttoks;
    size_t tn;
    AttentionTrace *tt = run(m, lesson_step(7)->twin, &ttoks, &tn);
    if (tt) {
        int ti0, ti1, tc0, tc1;
        word_tokens(lesson_step(7)->twin, ttoks, tn, "it", &ti0, &ti1);
        word_tokens(lesson_step(7)->twin, ttoks, tn, "cat", &tc0, &tc1);
        const float *trow = trace_attn(tt, r[7].layer, r[7].head) + (size_t)ti0 * tn;
        double twc = 0;
        for (int j = tc0; j <= tc1; j++) twc += trow[j];
        is_near(num(&r[7], "twin_w_target"), twc, 1e-6,
                "step 8's twin is measured in the same head (cat %.3f)", twc);
        is_near(num(&r[7], "twin_w_key"), trow[r[7].twin_key], 1e-6,
                "step 8's twin key weight is the trace's");
        is_near(num(&r[7], "w_target"), num(&r[0], "w_target"), 1e-9,
                "step 8's original matches step 1");
        free(ttoks);
        trace_free(tt);
    }
    free(toks);
    trace_free(t);
    free(r);
}

/* The bundled encoder: every step measures and fits; the pruning step
 * says it has nothing to rank (no next-word predictions) instead of
 * failing; step 9's head is the one where "bank" weighs "river" most,
 * found from the trace itself, and a later word gets weight. */
static void test_encoder(const Model *m)
{
    LessonResult *r = calloc((size_t)lesson_step_count(), sizeof *r);
    if (measure_all(m, "tinystories-bert", r) == 0) {
        const LessonResult *p = &r[6], *b = &r[8];
        ok(!p->found && p->n_prune == 0 && strstr(p->caption[0], "this encoder") != NULL,
           "tinystories-bert: step 7 says the encoder's heads are not ranked (\"%s\")",
           p->caption[0]);
        Token *toks;
        size_t n;
        AttentionTrace *t = run(m, lesson_step(8)->sentence, &toks, &n);
        if (t) {
            int q0, q1, r0, r1;
            word_tokens(lesson_step(8)->sentence, toks, n, "bank", &q0, &q1);
            word_tokens(lesson_step(8)->sentence, toks, n, "river", &r0, &r1);
            double best = -1;
            int bl = -1, bh = -1;
            for (int l = 0; l < t->n_layers; l++)
                for (int h = 0; h < t->n_heads; h++) {
                    const float *row = trace_attn(t, l, h) + (size_t)q0 * n;
                    double w = 0;
                    for (int j = r0; j <= r1; j++) w += row[j];
                    if (w > best) best = w, bl = l, bh = h;
                }
            is_near(num(b, "w_target"), best, 1e-3,
                    "tinystories-bert: step 9's weight on river is the trace's largest (%.3f)",
                    best);
            ok(b->found == (best >= LESSON_MIN_WEIGHT) && (!b->found || (b->layer == bl &&
                                                                          b->head == bh)),
               "tinystories-bert: step 9 found %d, in layer %d head %d (trace: %d.%d)", b->found,
               b->layer, b->head, bl, bh);
            ok(r1 > q1, "\"river\" comes after \"bank\" (tokens %d and %d)", r0, q0);
            free(toks);
            trace_free(t);
        }
    }
    free(r);
}

static void test_ref260k(const Model *m)
{
    LessonResult *r = calloc((size_t)lesson_step_count(), sizeof *r);
    if (measure_all(m, "ref260K", r) == 0) {
        double wt = num(&r[0], "w_target"), wc = num(&r[0], "w_competitor");
        int clear = wt >= LESSON_MIN_WEIGHT && wt > wc;
        is_int(r[0].found, clear, "ref260K: step 1's found flag follows its numbers (%.3f, %.3f)",
               wt, wc);
        int says_none = strncmp(r[0].caption[0], "No head", 7) == 0;
        is_int(says_none, !clear, "ref260K: step 1's caption says what it found");
        is_str(r[0].key_word, "cat", "ref260K: the key word is whole though split in pieces");
        /* "cat" is several tokens here: the weight on it is their sum. */
        Token *toks;
        size_t n;
        AttentionTrace *t = run(m, lesson_step(0)->sentence, &toks, &n);
        if (t) {
            int q0, q1, c0, c1;
            word_tokens(lesson_step(0)->sentence, toks, n, "it", &q0, &q1);
            word_tokens(lesson_step(0)->sentence, toks, n, "cat", &c0, &c1);
            const float *row = trace_attn(t, r[0].layer, r[0].head) + (size_t)q0 * n;
            double w = 0;
            for (int j = c0; j <= c1; j++) w += row[j];
            ok(c1 > c0, "ref260K splits \"cat\" into %d tokens", c1 - c0 + 1);
            is_near(wt, w, 1e-6, "ref260K: step 1's weight on cat sums its pieces");
            free(toks);
            trace_free(t);
        }
    }
    free(r);
}

/* A sentence where no head shows the effect: the caption must say so and
 * quote the best head's numbers. */
static void test_not_found(const Model *m, const char *name, const char *text)
{
    LessonResult *r = malloc(sizeof *r);
    char err[512] = "";
    if (!ok(lesson_measure_text(m, 0, text, r, err, sizeof err) == 0, "%s: step 1 on \"%s\"",
            name, text)) {
        diag("%s", err);
        free(r);
        return;
    }
    double wt = num(r, "w_target"), wc = num(r, "w_competitor");
    ok(!r->found && !(wt >= LESSON_MIN_WEIGHT && wt > wc),
       "%s: no clear head (best %d.%d: %.3f on cat, %.3f on mat)", name, r->layer, r->head, wt,
       wc);
    char want[32];
    snprintf(want, sizeof want, "%.3f", wt);
    ok(strncmp(r->caption[0], "No head", 7) == 0 && strstr(r->caption[1], want)
           && r->n_caption <= 3 && !r->clipped,
       "%s: the caption says no head shows it, quoting the best (%s)", name, want);
    for (int l = 0; l < r->n_caption; l++) diag("%s", r->caption[l]);
    free(r);
}

int main(void)
{
    char err[512] = "";
    is_int(lesson_step_count(), 9, "nine steps");
    int table_ok = 1;
    for (int i = 0; i < lesson_step_count(); i++) {
        const LessonStep *s = lesson_step(i);
        table_ok &= s->title && s->sentence && s->caption[0] && s->query_word
                    && strcmp(lesson_view_name(s->view), "?") != 0
                    && (s->view != LESSON_VIEW_TWIN || s->twin);
    }
    ok(table_ok && lesson_step(9) == NULL && lesson_step(-1) == NULL,
       "every step has a title, sentence, view and caption; out of range is NULL");

    const char *srcdir = getenv("ATTNSCOPE_SRCDIR");
    if (!srcdir || !*srcdir) srcdir = "..";
    char path[4200];
    snprintf(path, sizeof path, "%s/data/tinystories-2m.gguf", srcdir);
    Model *m = NULL;
    if (access(path, R_OK) == 0 && model_open(&m, path, err, sizeof err) == 0) {
        LessonResult *r = malloc(sizeof *r);
        ok(lesson_measure(m, 9, r, err, sizeof err) == -1 && strstr(err, "no step 10"),
           "a step out of range is an error with a message");
        free(r);
        test_bundled(m, srcdir);
        test_not_found(m, "tinystories-2m", "The cat, the dog, the bird, the fish, the mat and "
                                            "the ball: it was there.");
        test_not_found(m, "tinystories-2m", "It was a cat on a mat.");
        model_close(m);
    } else {
        skip("no data/tinystories-2m.gguf");
    }
    snprintf(path, sizeof path, "%s/data/tinystories-bert.gguf", srcdir);
    if (access(path, R_OK) == 0 && model_open(&m, path, err, sizeof err) == 0) {
        test_encoder(m);
        model_close(m);
    } else {
        skip("no data/tinystories-bert.gguf");
    }
    const char *shared = test_shared_dir();
    snprintf(path, sizeof path, "%s/models/ref260K.gguf", shared ? shared : ".");
    if (shared && access(path, R_OK) == 0 && model_open(&m, path, err, sizeof err) == 0) {
        test_ref260k(m);
        test_not_found(m, "ref260K", "It was a cat on a mat.");
        model_close(m);
    } else {
        skip("no models/ref260K.gguf in the shared folder");
    }
    done_testing();
    return exit_status();
}
