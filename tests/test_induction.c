/* test_induction.c - the induction label rule of analysis_set_induction
 * either side of its threshold for every sentence pattern, and
 * induction_measure's sequence on the bundled model: its length, seed, BOS,
 * distinct ordinary tokens, the same on every call, and the short-context
 * limit.  The scores themselves are checked against the float64 reference
 * by test_induction_reference.sh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "induction.h"
#include "tap.h"
#include "testutil.h"
#include "tokenizer.h"

#define N 6

/* A causal N x N matrix of one kind: 0 previous token, 1 itself, 2 the first
 * token, 3 uniform (broad), 4 two tokens back with a little on itself (content). */
static void fill(float a[N * N], int kind)
{
    memset(a, 0, sizeof(float) * N * N);
    a[0] = 1;
    for (int i = 1; i < N; i++) {
        switch (kind) {
        case 0: a[i * N + i - 1] = 1; break;
        case 1: a[i * N + i] = 1; break;
        case 2: a[i * N] = 1; break;
        case 3: for (int j = 0; j <= i; j++) a[i * N + j] = 1.0f / (i + 1); break;
        default: a[i * N + (i > 2 ? i - 2 : 0)] = 0.9f, a[i * N + i] += 0.1f; break;
        }
    }
}

static void labels(void)
{
    static const HeadPattern base[] = {PATTERN_PREVIOUS, PATTERN_SELF, PATTERN_FIRST,
                                       PATTERN_BROAD, PATTERN_CONTENT};
    const float below = nextafterf(ANALYSIS_INDUCTION_MIN, 0.0f);
    float a[N * N];
    for (int k = 0; k < 5; k++) {
        HeadStats hs;
        fill(a, k);
        analysis_head(a, N, &hs);
        const char *name = analysis_pattern_name(base[k]);
        ok(hs.pattern == base[k] && isnan(hs.induction), "%s matrix: %s, induction not given (NaN)",
           name, analysis_pattern_name(hs.pattern));
        float score = hs.score;
        int moves = base[k] != PATTERN_PREVIOUS && base[k] != PATTERN_SELF;
        analysis_set_induction(&hs, below);
        ok(hs.pattern == base[k] && hs.score == score && hs.induction == below,
           "%s, induction just below the threshold: stays %s with its own score", name, name);
        analysis_set_induction(&hs, ANALYSIS_INDUCTION_MIN);
        ok(moves ? hs.pattern == PATTERN_INDUCTION && hs.score == ANALYSIS_INDUCTION_MIN
                 : hs.pattern == base[k] && hs.score == score,
           "%s, induction at the threshold: %s", name, moves ? "induction, scored so" : "unchanged");
        analysis_set_induction(&hs, 0.9f);
        ok(moves ? hs.pattern == PATTERN_INDUCTION && hs.score == 0.9f
                 : hs.pattern == base[k] && hs.score == score,
           "%s, induction 0.9: %s", name, moves ? "induction 0.9" : "unchanged");
        analysis_set_induction(&hs, 0.01f);
        ok(hs.pattern == base[k] && hs.score == score && hs.induction == 0.01f,
           "%s: a second, low score gives the sentence's label back", name);
    }
    is_str(analysis_pattern_name(PATTERN_INDUCTION), "induction", "the name");
    is_str(analysis_pattern_short(PATTERN_INDUCTION), "induct", "the short name");
}

static void measure(void)
{
    char err[512] = "";
    Model *m = test_open_model("bundled", err, sizeof err);
    if (!m) {
        ok(0, "the bundled model opens: %s", err[0] ? err : "missing");
        return;
    }
    size_t heads = (size_t)m->cfg.n_layers * m->cfg.n_heads;
    float *s1 = malloc(heads * sizeof *s1), *s2 = malloc(heads * sizeof *s2);
    InductionInfo i1, i2;
    int rc = induction_measure(m, s1, &i1, err, sizeof err);
    ok(rc == 0, "induction_measure on the bundled model: %s", rc ? err : "0");
    if (rc) goto done;
    ok(i1.T == 50 && i1.seed == INDUCTION_SEED && i1.bos == tokenizer_bos_id(m->tok),
       "T 50 (context %d), seed %llu, BOS %ld", m->cfg.context, (unsigned long long)i1.seed,
       (long)i1.bos);
    /* Ordinary: no <s>, </s>, <unk> or <0xXX> piece; each used once. */
    int plain = 1, distinct = 1;
    for (int j = 0; j < i1.T; j++) {
        const char *p = tokenizer_piece(m->tok, i1.tokens[j]);
        if (!p[0] || (p[0] == '<' && p[strlen(p) - 1] == '>')) plain = 0;
        for (int k = 0; k < j; k++) distinct &= i1.tokens[k] != i1.tokens[j];
    }
    ok(plain && distinct, "the 50 tokens are ordinary pieces, each once");
    int inrange = 1;
    for (size_t i = 0; i < heads; i++) inrange &= s1[i] >= 0 && s1[i] <= 1;
    ok(inrange, "every score is a weight, in [0, 1]");
    rc = induction_measure(m, s2, &i2, err, sizeof err);
    ok(rc == 0 && !memcmp(&i1, &i2, sizeof i1) && !memcmp(s1, s2, heads * sizeof *s1),
       "a second call: the same sequence and the same scores");
    int ctx = m->cfg.context;
    m->cfg.context = 5;
    rc = induction_measure(m, s2, &i2, err, sizeof err);
    ok(rc == 0 && i2.T == 2, "a context of 5: T = 2 (%s)", rc ? err : "0");
    m->cfg.context = 4;
    err[0] = 0;
    rc = induction_measure(m, s2, &i2, err, sizeof err);
    ok(rc == -1 && strstr(err, "context of 4"), "a context of 4: an error that says so: %s", err);
    m->cfg.context = ctx;
done:
    free(s1);
    free(s2);
    model_close(m);
}

int main(void)
{
    labels();
    measure();
    done_testing();
    return exit_status();
}
