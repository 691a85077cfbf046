/* test_attention.c - the shared attention kernel against hand-computed cases. */
#include <math.h>
#include <stdlib.h>

#include "attention.h"
#include "gguf_writer.h"
#include "tap.h"

/* A tiny deterministic generator, so failures reproduce. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float frand(void) { return gw_frand(&rng_state); }

static void hand_cases(void)
{
    /* Two tokens, head size 2, orthogonal queries and keys, scale 1. */
    float Q[] = {1, 0, 0, 1}, K[] = {1, 0, 0, 1}, V[] = {10, 20, 30, 40};
    float P[4], O[4];
    attention_head(Q, 2, K, 2, V, 2, 2, 2, 1.0f, true, P, O, 2);
    double e = exp(1.0);
    is_near(P[0], 1.0, 1e-7, "causal: the first query sees only itself");
    ok(P[1] == 0.0f, "causal: the masked entry is exactly 0");
    is_near(P[2], 1.0 / (1.0 + e), 1e-6, "row 1, key 0: 1/(1+e)");
    is_near(P[3], e / (1.0 + e), 1e-6, "row 1, key 1: e/(1+e)");
    is_near(O[0], 10.0, 1e-5, "output row 0 is value 0");
    is_near(O[2], 10.0 / (1 + e) + 30.0 * e / (1 + e), 1e-4, "output row 1 is the weighted sum");
    is_near(O[3], 20.0 / (1 + e) + 40.0 * e / (1 + e), 1e-4, "output row 1, second component");

    /* Without the mask the first query sees both keys: scores 1, 0. */
    attention_head(Q, 2, K, 2, V, 2, 2, 2, 1.0f, false, P, NULL, 0);
    is_near(P[0], e / (1.0 + e), 1e-6, "non-causal row 0, key 0");
    is_near(P[1], 1.0 / (1.0 + e), 1e-6, "non-causal row 0, key 1 is not masked");

    /* The scale divides the scores: q·k = 4 with scale 1/2 gives 2. */
    float q2[] = {2, 0}, K2[] = {2, 0, 0, 0};
    float dot[2], scaled[2], prob[2];
    AttentionRow row = {dot, scaled, prob};
    attention_row(q2, K2, 2, 2, 2, 0.5f, false, 1, &row);
    is_near(dot[0], 4.0, 1e-6, "row: q·k before scaling");
    is_near(scaled[0], 2.0, 1e-6, "row: q·k/sqrt(d) after scaling");
    is_near(prob[0], exp(2.0) / (exp(2.0) + 1.0), 1e-6, "row: softmax of the scaled scores");
    attention_row(q2, K2, 2, 2, 2, 0.5f, true, 0, &row);
    ok(isinf(scaled[1]) && scaled[1] < 0, "row: a masked score is -inf");
    ok(prob[1] == 0.0f && prob[0] == 1.0f, "row: masked weight 0, the rest 1");
}

static void softmax_cases(void)
{
    float big[] = {1000.0f, 1001.0f, -1e30f};
    attention_softmax(big, 3, 3);
    ok(isfinite(big[0]) && isfinite(big[1]), "softmax of large scores stays finite");
    is_near(big[1], exp(1.0) / (1.0 + exp(1.0)), 1e-6, "softmax subtracts the maximum");
    ok(big[2] == 0.0f, "a score of -1e30 gets weight 0");
    float none[] = {1, 2, 3};
    attention_softmax(none, 3, 0);
    ok(none[0] == 0 && none[1] == 0 && none[2] == 0, "no valid entries: all zero");
}

/* Random heads: rows sum to 1, the mask is exact, and the row API agrees
 * with the matrix API (the UI recomputes rows the forward pass recorded). */
static void random_cases(void)
{
    enum { N = 37, D = 16, STRIDE = 3 * D };
    float *Q = malloc(sizeof(float) * N * STRIDE), *K = malloc(sizeof(float) * N * STRIDE),
          *V = malloc(sizeof(float) * N * STRIDE), *P = malloc(sizeof(float) * N * N),
          *O = malloc(sizeof(float) * N * D);
    for (int i = 0; i < N * STRIDE; i++) Q[i] = 3 * frand(), K[i] = 3 * frand(), V[i] = frand();
    float scale = 1.0f / sqrtf((float)D);
    /* Read head 1 of 3 in place, through the strides. */
    attention_head(Q + D, STRIDE, K + D, STRIDE, V + D, STRIDE, N, D, scale, true, P, O, D);
    double worst_sum = 0, worst_row = 0, worst_out = 0;
    int masked_nonzero = 0;
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < N; j++) {
            s += P[i * N + j];
            if (j > i && P[i * N + j] != 0.0f) masked_nonzero++;
        }
        if (fabs(s - 1) > worst_sum) worst_sum = fabs(s - 1);
        float prob[N];
        AttentionRow row = {NULL, NULL, prob};
        attention_row(Q + i * STRIDE + D, K + D, STRIDE, N, D, scale, true, i, &row);
        for (int j = 0; j < N; j++)
            if (fabs(prob[j] - P[i * N + j]) > worst_row) worst_row = fabs(prob[j] - P[i * N + j]);
        /* The output is the weighted sum of values, computed naively in double. */
        for (int c = 0; c < D; c++) {
            double want = 0;
            for (int j = 0; j <= i; j++) want += (double)P[i * N + j] * V[j * STRIDE + D + c];
            if (fabs(want - O[i * D + c]) > worst_out) worst_out = fabs(want - O[i * D + c]);
        }
    }
    ok(worst_sum < 1e-5, "every row sums to 1 (worst error %.2g)", worst_sum);
    is_int(masked_nonzero, 0, "every masked entry is exactly 0");
    ok(worst_row < 1e-6, "row API equals the matrix API (worst %.2g)", worst_row);
    ok(worst_out < 1e-5, "output equals the weighted sum of values (worst %.2g)", worst_out);

    /* Against a float64 reference for the probabilities themselves. */
    double worst_ref = 0;
    for (int i = 0; i < N; i++) {
        double sc[N], max = -INFINITY, sum = 0;
        for (int j = 0; j <= i; j++) {
            double d = 0;
            for (int c = 0; c < D; c++) d += (double)Q[i * STRIDE + D + c] * K[j * STRIDE + D + c];
            sc[j] = d / sqrt((double)D);
            if (sc[j] > max) max = sc[j];
        }
        for (int j = 0; j <= i; j++) sum += exp(sc[j] - max);
        for (int j = 0; j <= i; j++) {
            double p = exp(sc[j] - max) / sum;
            if (fabs(p - P[i * N + j]) > worst_ref) worst_ref = fabs(p - P[i * N + j]);
        }
    }
    ok(worst_ref < 1e-6, "probabilities match a float64 reference (worst %.2g)", worst_ref);
    free(Q), free(K), free(V), free(P), free(O);
}

int main(void)
{
    plan(23);
    hand_cases();
    softmax_cases();
    random_cases();
    return exit_status();
}
