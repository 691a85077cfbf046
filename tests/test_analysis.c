/* test_analysis.c - head statistics and pattern names on hand-made matrices. */
#include <math.h>
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

int main(void)
{
    plan(14);
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
    return exit_status();
}
