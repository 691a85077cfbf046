/* test_analysis.c - head statistics and pattern names on hand-made matrices,
 * including ones just either side of each threshold of analysis_head. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "tap.h"

#define N 5

static void fill(float a[N * N], int kind)
{
    memset(a, 0, sizeof(float) * N * N);
    for (int i = 0; i < N; i++) {
        if (i == 0) { a[0] = 1; continue; }
        switch (kind) {
        case 0: a[i * N + i - 1] = 1; break;               /* previous token */
        case 1: a[i * N + i] = 1; break;                   /* itself */
        case 2: a[i * N] = 1; break;                       /* the first token */
        case 3: for (int j = 0; j <= i; j++) a[i * N + j] = 1.0f / (i + 1); break; /* uniform */
        case 4: a[i * N + (i > 2 ? i - 2 : 0)] = 0.9f, a[i * N + i] += 0.1f; break; /* two back */
        }
    }
}

/* Row I of an N x N causal matrix A: weight P on key K, the rest shared
 * evenly by the other I keys it sees. */
static void peaked_row(float a[N * N], int i, int k, float p)
{
    for (int j = 0; j <= i; j++) a[i * N + j] = j == k ? p : (1 - p) / i;
}

/* Row I: the same weight on each of the M keys listed, none elsewhere. */
static void spread_row(float a[N * N], int i, const int *keys, int m)
{
    for (int j = 0; j <= i; j++) a[i * N + j] = 0;
    for (int k = 0; k < m; k++) a[i * N + keys[k]] = 1.0f / m;
}

/* A's statistics are those given (to 1e-5) and its pattern WANT. */
static void expect(const char *label, const float a[N * N], HeadPattern want, double prev,
                   double self, double first, double entropy)
{
    HeadStats s;
    analysis_head(a, N, &s);
    double tol = 1e-5;
    if (!ok(s.pattern == want && fabs(s.prev - prev) < tol && fabs(s.self - self) < tol &&
                fabs(s.first - first) < tol && fabs(s.entropy - entropy) < tol,
            "%s: %s", label, analysis_pattern_name(want)))
        diag("got %s, prev %.6f self %.6f first %.6f entropy %.6f; want prev %.6f self %.6f "
             "first %.6f entropy %.6f", analysis_pattern_name(s.pattern), s.prev, s.self,
             s.first, s.entropy, prev, self, first, entropy);
}

/*
 * The positional mass threshold (0.5).  Rows 1..4 put P on the key under
 * test and share 1 - P evenly over the other i keys, so
 *   that key's mean      P
 *   self or prev (the    (1 - P)(1 + 1/2 + 1/3 + 1/4) / 4 = (1 - P) 25/48
 *     other of the two)
 *   first (rows 2..4)    (1 - P)(1/2 + 1/3 + 1/4) / 3 = (1 - P) 13/36
 *   entropy, row i       (h(P) + (1 - P) ln i) / ln(i + 1), h(P) = -P ln P - (1-P) ln(1-P)
 * P = 0.49: h = 0.69295; rows 0.99971, 0.95252, 0.90402, 0.86984; mean 0.931524.
 * P = 0.51: h = 0.69295; rows 0.99971, 0.93990, 0.88817, 0.85262; mean 0.920100.
 * P = 0.5:  h = ln 2;  rows 1, 0.946395, 0.896241, 0.861353;          mean 0.925997.
 * Below 0.5 no mass counts and the entropy (> 0.75) says broad; 0.5 itself
 * counts (exactly representable, so prev is exactly 0.5).
 * For `first`, row 1 (whose key 0 counts as prev, not first) is (1/2, 1/2):
 *   prev = self = (1/2 + (1 - P)(1/2 + 1/3 + 1/4)) / 4 = (1/2 + (1 - P) 13/12) / 4
 *   entropy: row 1 is 1 exactly, so the mean is 0.931596 or 0.920173.
 */
static void check_mass_threshold(void)
{
    float a[N * N];
    static const float ps[2] = {0.49f, 0.51f};
    for (int t = 0; t < 2; t++) {
        double p = ps[t], rest = 1 - p;
        double ent = t ? 0.920100 : 0.931524, ent_first = t ? 0.920173 : 0.931596;
        char label[64];

        memset(a, 0, sizeof a);
        a[0] = 1;
        for (int i = 1; i < N; i++) peaked_row(a, i, i - 1, ps[t]);
        snprintf(label, sizeof label, "prev %.2f", p);
        expect(label, a, t ? PATTERN_PREVIOUS : PATTERN_BROAD, p, rest * 25 / 48,
               rest * 13 / 36, ent);

        for (int i = 1; i < N; i++) peaked_row(a, i, i, ps[t]);
        snprintf(label, sizeof label, "self %.2f", p);
        expect(label, a, t ? PATTERN_SELF : PATTERN_BROAD, rest * 25 / 48, p, rest * 13 / 36,
               ent);

        a[1 * N + 0] = a[1 * N + 1] = 0.5f;
        for (int i = 2; i < N; i++) peaked_row(a, i, 0, ps[t]);
        snprintf(label, sizeof label, "first %.2f", p);
        expect(label, a, t ? PATTERN_FIRST : PATTERN_BROAD, (0.5 + rest * 13 / 12) / 4,
               (0.5 + rest * 13 / 12) / 4, p, ent_first);
    }
    for (int i = 1; i < N; i++) peaked_row(a, i, i - 1, 0.5f);
    expect("prev exactly 0.5", a, PATTERN_PREVIOUS, 0.5, 0.5 * 25 / 48, 0.5 * 13 / 36, 0.925997);
}

/*
 * The entropy threshold (0.75), with no positional mass near 0.5.  Each row
 * is uniform over m of its i + 1 keys: normalised entropy ln m / ln(i + 1).
 * Row 0 is (1) throughout.
 *
 * Just below, 0.732669 (content):
 *   row 1 keys {0, 1}        ln 2 / ln 2 = 1
 *   row 2 keys {0, 1, 2}     ln 3 / ln 3 = 1
 *   row 3 keys {0, 1}        ln 2 / ln 4 = 0.5
 *   row 4 keys {1, 2}        ln 2 / ln 5 = 0.430677
 *   mean (1 + 1 + 0.5 + 0.430677) / 4 = 0.732669
 *   prev  (1/2 + 1/3 + 0 + 0) / 4 = 5/24    self the same, 5/24
 *   first (1/3 + 1/2 + 0) / 3 = 5/18 (rows 2..4)
 * Just above, 0.765402 (broad):
 *   row 1 keys {0, 1}        1
 *   row 2 keys {0, 1}        ln 2 / ln 3 = 0.630930
 *   row 3 keys {0, 1, 2, 3}  ln 4 / ln 4 = 1
 *   row 4 keys {1, 2}        0.430677
 *   mean (1 + 0.630930 + 1 + 0.430677) / 4 = 0.765402
 *   prev  (1/2 + 1/2 + 1/4 + 0) / 4 = 5/16
 *   self  (1/2 + 0 + 1/4 + 0) / 4 = 3/16
 *   first (1/2 + 1/4 + 0) / 3 = 1/4
 */
static void check_entropy_threshold(void)
{
    float a[N * N];
    static const int k01[] = {0, 1}, k012[] = {0, 1, 2}, k0123[] = {0, 1, 2, 3}, k12[] = {1, 2};
    memset(a, 0, sizeof a);
    a[0] = 1;
    spread_row(a, 1, k01, 2);
    spread_row(a, 2, k012, 3);
    spread_row(a, 3, k01, 2);
    spread_row(a, 4, k12, 2);
    expect("entropy just below 0.75", a, PATTERN_CONTENT, 5.0 / 24, 5.0 / 24, 5.0 / 18,
           (2.5 + log(2) / log(5)) / 4);
    spread_row(a, 2, k01, 2);
    spread_row(a, 3, k0123, 4);
    expect("entropy just above 0.75", a, PATTERN_BROAD, 5.0 / 16, 3.0 / 16, 1.0 / 4,
           (2 + log(2) / log(3) + log(2) / log(5)) / 4);
}

int main(void)
{
    plan(23);
    float a[N * N];
    HeadStats s;
    fill(a, 0);
    analysis_head(a, N, &s);
    ok(s.pattern == PATTERN_PREVIOUS && fabsf(s.prev - 1) < 1e-6f, "all on the previous token: previous-token, prev 1");
    ok(fabsf(s.first - 0) < 1e-6f, "first is counted from position 2, so position 1 is not a sink");
    is_near(s.entropy, 0.0, 1e-6, "one key per row: entropy 0");
    fill(a, 1);
    analysis_head(a, N, &s);
    ok(s.pattern == PATTERN_SELF && fabsf(s.score - 1) < 1e-6f, "all on itself: self, 1");
    fill(a, 2);
    analysis_head(a, N, &s);
    ok(s.pattern == PATTERN_FIRST && fabsf(s.first - 1) < 1e-6f, "all on <s>: first-token, 1");
    is_near(s.prev, 0.25, 1e-6, "prev counts position 1's look at <s> (1 of 4 queries)");
    fill(a, 3);
    analysis_head(a, N, &s);
    ok(s.pattern == PATTERN_BROAD, "uniform rows: broad");
    is_near(s.entropy, 1.0, 1e-6, "uniform rows: normalised entropy 1");
    is_near(s.self, (1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5) / 4, 1e-6, "uniform rows: self is the mean of 1/(i+1)");
    fill(a, 4);
    analysis_head(a, N, &s);
    ok(s.prev < 0.5f && s.self < 0.5f && s.first < 0.5f, "two tokens back: no positional mass reaches 0.5");
    ok(s.pattern == PATTERN_CONTENT && s.entropy < 0.75f, "…and a low entropy (%.2f): content, not broad", s.entropy);
    float one = 1;
    analysis_head(&one, 1, &s);
    ok(s.pattern == PATTERN_CONTENT && s.prev == 0 && s.first == 0, "one token: no pattern, no NaN");
    is_str(analysis_pattern_name(PATTERN_FIRST), "first-token", "pattern names");
    is_str(analysis_pattern_short(PATTERN_PREVIOUS), "prev", "short pattern names");
    check_mass_threshold();
    check_entropy_threshold();
    return exit_status();
}
