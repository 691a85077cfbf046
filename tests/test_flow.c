/*
 * test_flow.c - attention rollout and value-weighted attention
 * (src/core/flow.c) on hand-made traces whose answers are worked out by
 * hand, then the invariants on the bundled model's real trace:
 *   - names: each view's key parses back to it, others do not;
 *   - one layer's rollout is rownorm(0.5·mean A + 0.5·I); two layers its
 *     square; knocked-out heads leave the mean; a layer with none left is I;
 *   - value norms ‖W_O^(h) v_j‖ with two heads sharing one value head
 *     (grouped-query attention), value-weighted rows, a row whose weights
 *     fall on zero vectors stays 0, a knocked-out head's rows are 0;
 *   - on a real trace: every view's rows sum to 1 (value-weighted: 1, or 0
 *     for a knocked-out head) and no entry above the diagonal is non-zero.
 * tools/golden/check_flow.py checks the same views against float64
 * (tests/test_flow_reference.sh).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "model.h"
#include "run.h"
#include "tap.h"
#include "testutil.h"
#include "trace.h"

#define N 3

static void test_names(void)
{
    static const char *const keys[] = {"attention", "rollout", "values"};
    for (int k = 0; k < FLOW_COUNT; k++) {
        FlowKind got = FLOW_COUNT;
        ok(flow_parse(keys[k], &got) == 0 && got == (FlowKind)k &&
               strcmp(flow_key((FlowKind)k), keys[k]) == 0 && *flow_describe((FlowKind)k),
           "\"%s\" parses to %s and back", keys[k], flow_name((FlowKind)k));
    }
    FlowKind got;
    ok(flow_parse("value-weighted", &got) && flow_parse("Rollout", &got) && flow_parse("", &got),
       "\"value-weighted\", \"Rollout\" and \"\" are not --view's words");
    ok(strcmp(flow_name(FLOW_VALUES), "value-weighted") == 0, "FLOW_VALUES is shown as "
       "\"value-weighted\"");
}

/* Entries of the (N, N) matrix GOT within 1e-6 of WANT. */
static int same(const float *got, const double *want)
{
    for (int i = 0; i < N * N; i++)
        if (fabs(got[i] - want[i]) > 1e-6) {
            diag("entry (%d, %d): got %.7f, want %.7f", i / N, i % N, got[i], want[i]);
            return 0;
        }
    return 1;
}

/* Two layers of two heads over N = 3 tokens: head 0 the previous token
 * (token 0 itself), head 1 uniform; both layers alike. */
static AttentionTrace *hand_trace(void)
{
    static const float prev[N * N] = {1, 0, 0, 1, 0, 0, 0, 1, 0};
    static const float unif[N * N] = {1, 0, 0, 0.5f, 0.5f, 0, 1 / 3.f, 1 / 3.f, 1 / 3.f};
    AttentionTrace *t = trace_new(N, 2, 2, 1, 1, 1, 2);
    if (!t) return NULL;
    for (int l = 0; l < 2; l++) {
        memcpy(trace_attn(t, l, 0), prev, sizeof prev);
        memcpy(trace_attn(t, l, 1), unif, sizeof unif);
    }
    t->ablated = calloc(4, 1);
    return t;
}

static void test_rollout(void)
{
    AttentionTrace *t = hand_trace();
    if (!t || !t->ablated) {
        ok(0, "hand-made trace: out of memory");
        trace_free(t);
        return;
    }
    float r[N * N];
    /* mean = [1 0 0; .75 .25 0; 1/6 2/3 1/6]; 0.5 mean + 0.5 I: */
    const double one[N * N] = {1, 0, 0, 0.375, 0.625, 0, 1 / 12., 1 / 3., 7 / 12.};
    ok(flow_rollout(t, 0, r) == 0 && same(r, one), "layer 0: rownorm(0.5·mean A + 0.5·I)");
    /* Â·Â, the last row worked out: (37, 58, 49) / 144. */
    const double two[N * N] = {1, 0, 0, 0.375 + 0.625 * 0.375, 0.625 * 0.625, 0,
                               37 / 144., 58 / 144., 49 / 144.};
    ok(flow_rollout(t, 1, r) == 0 && same(r, two), "layers 0-1: Â_1·Â_0");
    float m[N * N];
    ok(flow_matrix(NULL, t, FLOW_ROLLOUT, 1, 1, m) == 0 && memcmp(m, r, sizeof r) == 0,
       "flow_matrix(FLOW_ROLLOUT) is flow_rollout, whatever the head");
    t->ablated[1] = 1; /* layer 0 head 1 out: the mean is head 0 alone */
    const double prev[N * N] = {1, 0, 0, 0.5, 0.5, 0, 0, 0.5, 0.5};
    ok(flow_rollout(t, 0, r) == 0 && same(r, prev), "head 0.1 knocked out: the mean of head 0 only");
    t->ablated[0] = 1; /* every head of layer 0 out: Â_0 = I, so R_1 = Â_1 */
    const double eye[N * N] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    ok(flow_rollout(t, 0, r) == 0 && same(r, eye), "every head of layer 0 knocked out: I");
    ok(flow_rollout(t, 1, r) == 0 && same(r, one), "... and through layer 1: Â_1 alone");
    trace_free(t);
}

static void test_values(void)
{
    AttentionTrace *t = hand_trace();
    if (!t || !t->ablated) {
        ok(0, "hand-made trace: out of memory");
        trace_free(t);
        return;
    }
    /* dim 2, head_dim 1, two heads over one value head: W_O (2, 2). */
    static const float wo[4] = {3, 1, 4, 2};
    LayerWeights lw[2] = {{.wo = wo}, {.wo = wo}};
    Model m = {.cfg = {.n_layers = 2, .n_heads = 2, .n_kv_heads = 1, .dim = 2, .head_dim = 1},
               .layers = lw};
    static const float v[N] = {0, -2, 0.5f}; /* layer 1's values; key 0's is zero */
    memcpy(t->v + N, v, sizeof v);
    float norms[2 * N];
    ok(flow_value_norms(&m, t, 1, norms) == 0 && fabsf(norms[0]) < 1e-6f &&
           fabsf(norms[1] - 10) < 1e-5f && fabsf(norms[2] - 2.5f) < 1e-6f &&
           fabsf(norms[4] - 2 * sqrtf(5)) < 1e-5f && fabsf(norms[5] - 0.5f * sqrtf(5)) < 1e-6f,
       "norms: |(3,4)·v| for head 0, |(1,2)·v| for head 1, both reading value head 0");
    float out[N * N];
    /* uniform head 1, last row: (0, 2, 0.5)·√5/3 over its sum -> (0, 0.8, 0.2);
     * row 0 reads only key 0, whose value is zero: it stays 0. */
    const double want[N * N] = {0, 0, 0, 0, 1, 0, 0, 0.8, 0.2};
    flow_value_weighted(t, 1, 1, norms, out);
    ok(same(out, want), "value-weighted: a·norm over the row's sum; a row on zero vectors is 0");
    ok(flow_matrix(&m, t, FLOW_VALUES, 1, 1, out) == 0 && same(out, want),
       "flow_matrix(FLOW_VALUES) is the same");
    float layer[2 * N * N];
    ok(flow_layer(&m, t, FLOW_VALUES, 1, layer) == 0 && same(layer + N * N, want),
       "flow_layer(FLOW_VALUES)'s head 1 is the same");
    t->ablated[3] = 1;
    flow_value_weighted(t, 1, 1, norms, out);
    const double zero[N * N] = {0};
    ok(same(out, zero), "head 1.1 knocked out: every row 0");
    Model bad = m;
    bad.cfg.n_kv_heads = 2;
    ok(flow_value_norms(&bad, t, 1, norms) == -1, "a model of another shape than the trace: -1");
    trace_free(t);
}

/* Every view of every head of the bundled model: rows sum to 1 (or 0 for
 * value-weighted rows of a knocked-out head), nothing above the diagonal. */
static void test_real(void)
{
    char err[256] = "";
    Model *m = test_open_model("bundled", err, sizeof err);
    if (!m) {
        ok(0, "the bundled model opens: %s", err[0] ? err : "missing");
        return;
    }
    const ModelConfig *c = &m->cfg;
    unsigned char *mask = calloc((size_t)c->n_layers * c->n_heads, 1);
    RunResult r;
    const char *text = "The cat sat on the mat because it was tired.";
    if (!mask || run_parse_heads(c, "1.2,3.0,3.1,3.2,3.3,3.4", mask, err, sizeof err) ||
        run_text(m, &(RunRequest){.text = text, .len = strlen(text), .ablate = mask}, &r, err,
                 sizeof err)) {
        ok(0, "the bundled model runs: %s", err);
        free(mask);
        model_close(m);
        return;
    }
    const AttentionTrace *t = r.trace;
    int n = t->n_tokens;
    float *a = malloc((size_t)c->n_heads * n * n * sizeof *a);
    for (int k = 0; a && k < FLOW_COUNT; k++) {
        double worst_sum = 0, above = 0;
        int fails = 0;
        for (int l = 0; l < c->n_layers; l++) {
            fails += flow_layer(m, t, (FlowKind)k, l, a) != 0;
            for (int h = 0; h < c->n_heads; h++)
                for (int i = 0; i < n; i++) {
                    const float *row = a + ((size_t)h * n + i) * n;
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += row[j];
                        if (j > i) above = fmax(above, fabs(row[j]));
                    }
                    double want = k == FLOW_VALUES && trace_ablated(t, l, h) ? 0 : 1;
                    worst_sum = fmax(worst_sum, fabs(s - want));
                }
        }
        ok(!fails && worst_sum < 1e-5 && above == 0,
           "bundled model, heads 1.2 and all of layer 3 knocked out, %s: rows sum to 1 "
           "(knocked-out value-weighted rows 0) within %.1g, masked entries 0 (largest %g)",
           flow_name((FlowKind)k), worst_sum, above);
    }
    /* flow_matrix agrees with flow_layer, head by head. */
    float *one = malloc((size_t)n * n * sizeof *one);
    int differ = !a || !one;
    for (int k = 0; !differ && k < FLOW_COUNT; k++)
        for (int l = 0; !differ && l < c->n_layers; l += 2) {
            differ |= flow_layer(m, t, (FlowKind)k, l, a) != 0;
            for (int h = 0; !differ && h < c->n_heads; h++)
                differ |= flow_matrix(m, t, (FlowKind)k, l, h, one) != 0 ||
                          memcmp(one, a + (size_t)h * n * n, (size_t)n * n * sizeof *one) != 0;
        }
    ok(!differ, "flow_matrix is flow_layer's matrix of that head, for every view");
    free(one);
    free(a);
    free(mask);
    run_result_free(&r);
    model_close(m);
}

int main(void)
{
    test_names();
    test_rollout();
    test_values();
    test_real();
    done_testing();
    return exit_status();
}
