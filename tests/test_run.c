/*
 * test_run.c - the one request from text to trace (src/core/run.c) and the
 * heads it knocks out:
 *   - "L.H,..." parsing: exact masks, every malformed spec refused;
 *   - a knocked-out head equals the same model with that head's columns of
 *     W_O set to zero (an independent way to remove its output), attention
 *     and logits, within 1e-5;
 *   - layers at or below the knocked-out head record the same attention as
 *     without the knock-out, bit for bit; the layers above and the logits
 *     change;
 *   - reuse: an earlier run's positions are reused only when it knocked out
 *     the same heads, and a reusing run equals a full one.
 *   - layer reuse: for the same text, a run reusing an earlier run's layers
 *     below its first differently knocked-out layer (head in layer 0, in
 *     the middle, in the last, two heads in different layers, the same
 *     heads) equals a full run bit for bit (attention of every layer, Q, K,
 *     V, residuals, hidden states, logits) and reuses exactly those layers;
 *     none from a run of another token, of a differing lower-layer mask or
 *     without residuals;
 *   - importance and pruning: every head measured, finite, each equal bit
 *     for bit to a full pass's; the heads pruned the K least important; a
 *     text with nothing to predict refused.
 * tools/golden/reference.py checks the same against float64
 * (tests/test_ablate_reference.sh, tests/test_importance_reference.sh).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importance.h"
#include "model.h"
#include "run.h"
#include "tap.h"
#include "testutil.h"
#include "trace.h"

#define CAT "The cat sat on the mat because it was tired."

static void test_parse(const ModelConfig *c)
{
    size_t heads = (size_t)c->n_layers * c->n_heads;
    unsigned char *mask = malloc(heads);
    char err[256];
    ok(run_parse_heads(c, "0.2,3.1", mask, err, sizeof err) == 0 && mask[2] == 1 &&
           mask[3 * c->n_heads + 1] == 1 && memchr(mask + 3, 1, 3 * c->n_heads + 1 - 3) == NULL &&
           memchr(mask + 3 * c->n_heads + 2, 1, heads - 3 * c->n_heads - 2) == NULL,
       "\"0.2,3.1\": exactly heads 0.2 and 3.1");
    char last[32];
    snprintf(last, sizeof last, "%d.%d", c->n_layers - 1, c->n_heads - 1);
    ok(run_parse_heads(c, last, mask, err, sizeof err) == 0 && mask[heads - 1] == 1,
       "\"%s\": the last head", last);
    static const char *const bad[] = {"", "x", "0", "0.", ".1", "0.1,", ",0.1", "0.1,,0.2",
                                      "-1.0", "0.-1", "0.1x", "0 .1", "0.1 ", "99.0", "0.99",
                                      "0.1,0.1", "99999999999999999999.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ok(run_parse_heads(c, bad[i], mask, err, sizeof err) == -1 && strstr(err, "--ablate"),
           "\"%s\" refused: %s", bad[i], err);
    }
    free(mask);
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

static bool run(const Model *m, const char *text, const unsigned char *mask, const RunResult *prev,
                RunResult *out)
{
    char err[256];
    RunRequest req = {.text = text, .len = strlen(text), .ablate = mask};
    if (prev) req.prev = prev->trace, req.prev_tokens = prev->tokens, req.prev_n = prev->n;
    if (run_text(m, &req, out, err, sizeof err) == 0) return true;
    diag("run_text(\"%s\"): %s", text, err);
    return false;
}

/* Like run, with the residual streams recorded when RECORD. */
static bool run_rec(const Model *m, const char *text, const unsigned char *mask,
                    const RunResult *prev, bool record, RunResult *out)
{
    char err[256];
    RunRequest req = {.text = text, .len = strlen(text), .ablate = mask, .record_residual = record};
    if (prev) req.prev = prev->trace, req.prev_tokens = prev->tokens, req.prev_n = prev->n;
    if (run_text(m, &req, out, err, sizeof err) == 0) return true;
    diag("run_text(\"%s\"): %s", text, err);
    return false;
}

/* NULL when A and B hold the same bits everywhere (residuals too when both
 * kept them), else the name of the first part that differs. */
static const char *trace_differs(const AttentionTrace *a, const AttentionTrace *b)
{
    size_t n = (size_t)a->n_tokens, L = (size_t)a->n_layers, d = (size_t)a->dim;
    size_t qdim = (size_t)a->n_heads * a->head_dim, kvdim = (size_t)a->n_kv_heads * a->head_dim;
    if (b->n_tokens != a->n_tokens) return "length";
    struct { const char *name; const float *x, *y; size_t len; } part[] = {
        {"attention", a->attn, b->attn, L * a->n_heads * n * n},
        {"q", a->q, b->q, L * n * qdim},
        {"k", a->k, b->k, L * n * kvdim},
        {"v", a->v, b->v, L * n * kvdim},
        {"hidden", a->hidden, b->hidden, n * d},
        {"logits", a->logits_last, b->logits_last, (size_t)a->vocab},
        {"residuals", a->resid, b->resid, a->resid && b->resid ? L * n * d : 0},
    };
    for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
        if (part[i].len && memcmp(part[i].x, part[i].y, part[i].len * sizeof(float)))
            return part[i].name;
    return NULL;
}

/* The first layer whose attention differs between A and B, or n_layers. */
static int first_changed_layer(const AttentionTrace *a, const AttentionTrace *b)
{
    size_t nn = (size_t)a->n_tokens * a->n_tokens;
    for (int l = 0; l < a->n_layers; l++)
        for (int h = 0; h < a->n_heads; h++)
            if (memcmp(trace_attn(a, l, h), trace_attn(b, l, h), nn * sizeof(float))) return l;
    return a->n_layers;
}

/* Layer reuse for the same text: masks knocking out heads at various
 * depths, each run from an intact run that kept its residuals, against the
 * same run computed in full. */
static void test_layer_reuse(const Model *m)
{
    const ModelConfig *c = &m->cfg;
    int L = c->n_layers, H = c->n_heads;
    size_t heads = (size_t)L * H;
    unsigned char *mask = calloc(heads, 1), *lower = calloc(heads, 1);
    if (!mask || !lower) abort();
    RunResult intact, plain;
    if (!run_rec(m, CAT, NULL, NULL, true, &intact) || !run_rec(m, CAT, NULL, NULL, false, &plain))
        abort();
    ok(intact.trace->resid && !plain.trace->resid && !trace_differs(intact.trace, plain.trace) &&
           intact.reused_layers == 0 && plain.reused_layers == 0,
       "recording the residual streams changes nothing else; only asked for, they are kept");
    /* Layer 0's input is the tokens' embeddings, layer 1's is not. */
    size_t d = (size_t)c->dim;
    ok(memcmp(intact.trace->resid + d, m->tok_embd + (size_t)intact.tokens[1].id * d,
                  d * sizeof(float)) == 0 &&
           memcmp(intact.trace->resid + (size_t)intact.n * d + d,
                  m->tok_embd + (size_t)intact.tokens[1].id * d, d * sizeof(float)) != 0,
       "residuals: layer 0's input at position 1 is its token's embedding, layer 1's is not");

    /* Each case: the knocked-out heads ("L.H,..."), run from INTACT. */
    char spec[4][32];
    snprintf(spec[0], sizeof spec[0], "0.%d", H - 1);
    snprintf(spec[1], sizeof spec[1], "%d.1", L / 2);
    snprintf(spec[2], sizeof spec[2], "%d.0", L - 1);
    snprintf(spec[3], sizeof spec[3], "%d.2,%d.0", L - 2, 1);
    static const int want[4] = {0, -1, -1, 1}; /* -1: the head's layer */
    char err[256];
    for (int i = 0; i < 4; i++) {
        if (run_parse_heads(c, spec[i], mask, err, sizeof err)) abort();
        int expect = want[i] >= 0 ? want[i] : atoi(spec[i]);
        RunResult reused, full;
        if (!run_rec(m, CAT, mask, &intact, true, &reused) ||
            !run_rec(m, CAT, mask, NULL, true, &full))
            abort();
        const char *diff = trace_differs(reused.trace, full.trace);
        ok(!diff && reused.reused_layers == expect && reused.reused == 0 &&
               full.reused_layers == 0 && trace_same_ablation(reused.trace, mask),
           "knock out %s from the intact run: %d layers reused (want %d), equal to a full run "
           "bit for bit (%s)", spec[i], reused.reused_layers, expect, diff ? diff : "all parts");
        /* A knocked-out head's own attention stays; its output changes the
         * layers above: the reused layers are among the unchanged ones. */
        int changed = first_changed_layer(intact.trace, full.trace);
        ok(changed == (expect + 1 < L ? expect + 1 : L),
           "knock out %s: a full run's attention first differs from the intact one's at "
           "layer %d (%d: none)", spec[i], changed, L);
        run_result_free(&reused), run_result_free(&full);
    }

    /* The same heads again: every layer, and the outputs, from the earlier run. */
    RunResult knocked, again;
    if (run_parse_heads(c, spec[2], mask, err, sizeof err) ||
        !run_rec(m, CAT, mask, NULL, true, &knocked) || !run_rec(m, CAT, mask, &knocked, false, &again))
        abort();
    ok(again.reused_layers == L && !again.trace->resid && !trace_differs(again.trace, knocked.trace),
       "the same text and heads: all %d layers reused, equal bit for bit", again.reused_layers);
    run_result_free(&again);

    /* A differing lower-layer mask: only the layers below the difference. */
    if (run_parse_heads(c, "0.0", lower, err, sizeof err)) abort();
    RunResult low, from_low, from_plain;
    if (!run_rec(m, CAT, lower, NULL, true, &low) || !run_rec(m, CAT, mask, &low, false, &from_low) ||
        !run_rec(m, CAT, mask, &plain, false, &from_plain))
        abort();
    ok(from_low.reused_layers == 0 && from_low.reused == 0 && from_plain.reused_layers == 0 &&
           !trace_differs(from_low.trace, knocked.trace) &&
           !trace_differs(from_plain.trace, knocked.trace),
       "no layers from a run that knocked out 0.0 (%d) nor from one without residuals (%d); "
       "both equal a full run", from_low.reused_layers, from_plain.reused_layers);
    run_result_free(&low), run_result_free(&from_low), run_result_free(&from_plain);

    /* Another token, the same length: positions before it, no layers. */
    const char *dog = "The dog sat on the mat because it was tired.";
    RunResult other, other_full;
    if (!run_rec(m, dog, mask, &knocked, true, &other) || !run_rec(m, dog, mask, NULL, true, &other_full))
        abort();
    int first = 0;
    while (first < other.n && other.tokens[first].id == knocked.tokens[first].id) first++;
    double dd = 0;
    size_t rl = (size_t)L * other.n * d;
    for (size_t j = 0; other.n == knocked.n && j < rl; j++)
        dd = fmax(dd, fabs((double)other.trace->resid[j] - other_full.trace->resid[j]));
    ok(other.n == knocked.n && first < other.n - 1 && other.reused_layers == 0 &&
           other.reused == first && dd < 1e-5,
       "\"%s\" (%d tokens as before, token %d differs): no layers reused, %d positions; its "
       "residuals within %.1e of a full run's", dog, other.n, first, other.reused, dd);
    run_result_free(&other), run_result_free(&other_full);
    run_result_free(&knocked), run_result_free(&intact), run_result_free(&plain);
    free(mask);
    free(lower);
}

/* Knock out (L, H) and compare with zeroed W_O columns and with no knock-out. */
static void test_knockout(Model *m, int L, int H)
{
    const ModelConfig *c = &m->cfg;
    size_t heads = (size_t)c->n_layers * c->n_heads, qdim = (size_t)c->n_heads * c->head_dim;
    unsigned char *mask = calloc(heads, 1);
    float *wo = malloc((size_t)c->dim * qdim * sizeof *wo);
    if (!mask || !wo) abort();
    mask[(size_t)L * c->n_heads + H] = 1;
    RunResult plain, knocked, zeroed;
    if (!run(m, CAT, NULL, NULL, &plain) || !run(m, CAT, mask, NULL, &knocked)) abort();
    /* The same model with the head's W_O columns zeroed (wo is (dim, qdim)). */
    const float *saved = m->layers[L].wo;
    memcpy(wo, saved, (size_t)c->dim * qdim * sizeof *wo);
    for (int r = 0; r < c->dim; r++)
        memset(wo + (size_t)r * qdim + (size_t)H * c->head_dim, 0, (size_t)c->head_dim * sizeof *wo);
    m->layers[L].wo = wo;
    bool ran = run(m, CAT, NULL, NULL, &zeroed);
    m->layers[L].wo = saved;
    if (!ran) abort();
    const AttentionTrace *a = plain.trace, *k = knocked.trace, *z = zeroed.trace;
    size_t nn = (size_t)a->n_tokens * a->n_tokens;
    double vs_zeroed = max_diff(k->logits_last, z->logits_last, (size_t)c->vocab);
    for (int l = 0; l < c->n_layers; l++)
        for (int h = 0; h < c->n_heads; h++)
            vs_zeroed = fmax(vs_zeroed, max_diff(trace_attn(k, l, h), trace_attn(z, l, h), nn));
    ok(vs_zeroed < 1e-5, "knock out %d.%d = zero its W_O columns: attention and logits within "
       "%.1e (tolerance 1e-5)", L, H, vs_zeroed);
    bool below_same = true, above_changed = true;
    for (int l = 0; l < c->n_layers; l++) {
        double d = 0;
        for (int h = 0; h < c->n_heads; h++)
            d = fmax(d, max_diff(trace_attn(a, l, h), trace_attn(k, l, h), nn));
        if (l <= L) below_same &= d == 0;
        else above_changed &= d > 1e-6;
    }
    double dl = max_diff(a->logits_last, k->logits_last, (size_t)c->vocab);
    ok(below_same && above_changed && dl > 1e-4,
       "knock out %d.%d: layers 0..%d unchanged bit for bit, every layer above changed, logits "
       "moved by %.3g", L, H, L, dl);
    ok(trace_ablated(k, L, H) && !trace_ablated(a, L, H) && trace_same_ablation(k, mask) &&
           !trace_same_ablation(a, mask) && trace_same_ablation(a, NULL),
       "the trace records which heads were knocked out");

    /* Reuse: a longer text after the knocked-out run reuses it only with
     * the same mask, and equals a full run. */
    RunResult reused, fresh, other;
    if (!run(m, CAT " It slept.", mask, &knocked, &reused) ||
        !run(m, CAT " It slept.", mask, NULL, &fresh) ||
        !run(m, CAT " It slept.", NULL, &knocked, &other))
        abort();
    size_t n2 = (size_t)fresh.n * fresh.n;
    double d = max_diff(reused.trace->logits_last, fresh.trace->logits_last, (size_t)c->vocab);
    for (int l = 0; l < c->n_layers; l++)
        for (int h = 0; h < c->n_heads; h++)
            d = fmax(d, max_diff(trace_attn(reused.trace, l, h), trace_attn(fresh.trace, l, h), n2));
    ok(reused.reused == knocked.n && fresh.reused == 0 && other.reused == 0 && d < 1e-5,
       "reuse with the same knock-out (%d positions; none across masks: %d), equal to a full "
       "run within %.1e", reused.reused, other.reused, d);
    run_result_free(&reused), run_result_free(&fresh), run_result_free(&other);
    run_result_free(&plain), run_result_free(&knocked), run_result_free(&zeroed);
    free(mask);
    free(wo);
}

static void test_importance(const Model *m)
{
    const ModelConfig *c = &m->cfg;
    size_t heads = (size_t)c->n_layers * c->n_heads;
    Importance imp;
    char err[256];
    if (!ok(importance_measure(m, CAT, strlen(CAT), &imp, err, sizeof err) == 0,
            "importance of every head on the lesson's sentence")) {
        diag("%s", err);
        return;
    }
    bool finite = imp.n == 12 && isfinite(imp.loss) && imp.loss > 0;
    for (size_t i = 0; i < heads; i++) finite &= isfinite(imp.delta[i]) != 0;
    ok(finite, "12 tokens, loss %.4f, %zu finite importances", imp.loss, heads);
    /* Each head's value (from layer reuse) against a full pass of its own. */
    unsigned char *one = calloc(heads, 1);
    size_t same = 0;
    RunResult full;
    double intact = NAN;
    if (run_rec(m, CAT, NULL, NULL, false, &full)) {
        intact = importance_loss(m, full.trace, full.tokens, full.n, NULL);
        run_result_free(&full);
    }
    for (size_t i = 0; one && i < heads; i++) {
        one[i] = 1;
        if (run_rec(m, CAT, one, NULL, false, &full)) {
            double l = importance_loss(m, full.trace, full.tokens, full.n, NULL);
            same += imp.delta[i] == (float)(l - intact);
            run_result_free(&full);
        }
        one[i] = 0;
    }
    ok(same == heads && imp.loss == intact,
       "every head's importance equal bit for bit to a full pass's (%zu of %zu)", same, heads);
    free(one);
    /* One head's importance is the loss with it knocked out, minus without. */
    unsigned char *mask = calloc(heads, 1);
    mask[2] = 1;
    RunResult r;
    RunRequest req = {.text = CAT, .len = strlen(CAT), .ablate = mask};
    if (run_text(m, &req, &r, err, sizeof err) == 0) {
        double l = importance_loss(m, r.trace, r.tokens, r.n, NULL);
        ok(fabs((l - imp.loss) - imp.delta[2]) < 1e-6, "head 0.2: %.6f = %.6f - %.6f",
           imp.delta[2], l, imp.loss);
        run_result_free(&r);
    }
    for (int k = 1; k <= (int)heads; k += (int)heads / 3) {
        PruneReport pr;
        bool pass = importance_prune(m, CAT, strlen(CAT), &imp, k, mask, &pr, err, sizeof err) == 0;
        int chosen = 0;
        float worst_in = -INFINITY, best_out = INFINITY;
        for (size_t i = 0; pass && i < heads; i++) {
            chosen += mask[i] != 0;
            if (mask[i]) worst_in = fmaxf(worst_in, imp.delta[i]);
            else best_out = fminf(best_out, imp.delta[i]);
        }
        ok(pass && chosen == k && worst_in <= best_out && pr.k == k && pr.positions == 11 &&
               pr.loss_before == imp.loss && pr.top1_same >= 0 && pr.top1_same <= 11,
           "prune %d: the %d least important heads (up to %+.4f, the rest from %+.4f); loss "
           "%.4f -> %.4f, top-1 same %d/%d", k, chosen, worst_in, best_out, pr.loss_before,
           pr.loss_after, pr.top1_same, pr.positions);
    }
    PruneReport pr;
    ok(importance_prune(m, CAT, strlen(CAT), &imp, (int)heads + 1, mask, &pr, err, sizeof err) ==
           -1, "prune more heads than there are: refused (%s)", err);
    importance_free(&imp);
    ok(importance_measure(m, "", 0, &imp, err, sizeof err) == -1 && strstr(err, "two"),
       "an empty text (only <s>): nothing to predict, refused (%s)", err);
    free(mask);
}

int main(void)
{
    char err[512];
    Model *m = test_open_model("bundled", err, sizeof err);
    if (!m) {
        if (err[0]) ok(0, "open the bundled model: %s", err);
        else skip("no data/tinystories-2m.gguf");
        done_testing();
        return exit_status();
    }
    test_parse(&m->cfg);
    test_knockout(m, 0, 2);
    test_knockout(m, m->cfg.n_layers / 2, m->cfg.n_heads - 1);
    test_layer_reuse(m);
    test_importance(m);
    model_close(m);
    done_testing();
    return exit_status();
}
