/* importance.c - see importance.h. */
#include "importance.h"

#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "forward.h"

/* Positions whose logits are computed together: one matrix product each
 * (the output matrix read once per block, not once per position), the
 * block's logits BLOCK * vocab floats. */
#define BLOCK 32

double importance_loss(const Model *m, const AttentionTrace *t, const Token *tokens, int n,
                       int *top1)
{
    if (!model_has_lm_head(m)) return NAN; /* an encoder predicts nothing */
    int V = m->cfg.vocab, D = m->cfg.dim;
    float *logits = malloc((size_t)BLOCK * V * sizeof *logits);
    if (!logits) return NAN;
    double sum = 0;
    for (int i0 = 0; i0 + 1 < n; i0 += BLOCK) {
        int rows = n - 1 - i0 < BLOCK ? n - 1 - i0 : BLOCK;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, V, D, 1.0f,
                    t->hidden + (size_t)i0 * D, D, m->output, D, 0.0f, logits, V);
        for (int r = 0; r < rows; r++) {
            const float *z = logits + (size_t)r * V;
            int i = i0 + r, best = 0;
            /* log-softmax in double, the maximum subtracted first */
            for (int v = 1; v < V; v++)
                if (z[v] > z[best]) best = v;
            double e = 0;
            for (int v = 0; v < V; v++) e += exp((double)z[v] - z[best]);
            sum += -((double)z[tokens[i + 1].id] - z[best] - log(e));
            if (top1) top1[i] = best;
        }
    }
    free(logits);
    return n > 1 ? sum / (n - 1) : NAN;
}

void importance_free(Importance *imp)
{
    free(imp->delta);
    memset(imp, 0, sizeof *imp);
}

/* Run TEXT with MASK's heads knocked out (NULL: none) into R, reusing
 * BASE's layers below the first knocked-out one when BASE is not NULL (and
 * kept its residual streams, as RECORD asks of this run).  A text with
 * nothing to predict is refused. */
static int masked_run(const Model *m, const char *text, size_t len, const unsigned char *mask,
                      const RunResult *base, bool record, RunResult *r, char *err, size_t errlen)
{
    RunRequest req = {.text = text, .len = len, .ablate = mask, .record_residual = record};
    if (base) req.prev = base->trace, req.prev_tokens = base->tokens, req.prev_n = base->n;
    if (run_text(m, &req, r, err, errlen)) return -1;
    if (r->n < 2) {
        error_set(err, errlen, "the text is %d token%s: a next token to predict needs two",
                  r->n, r->n == 1 ? "" : "s");
        run_result_free(r);
        return -1;
    }
    return 0;
}

/* importance_loss of R into *LOSS; -1 with ERR when out of memory. */
static int run_loss(const Model *m, const RunResult *r, double *loss, int *top1, char *err,
                    size_t errlen)
{
    *loss = importance_loss(m, r->trace, r->tokens, r->n, top1);
    if (!isnan(*loss)) return 0;
    error_set(err, errlen, "out of memory");
    return -1;
}

int importance_measure(const Model *m, const char *text, size_t len, Importance *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!model_has_lm_head(m)) {
        error_set(err, errlen, "%s has no language-model head (an encoder): importance is "
                               "measured on its next-token predictions", m->name);
        return -1;
    }
    size_t heads = (size_t)m->cfg.n_layers * m->cfg.n_heads;
    RunResult intact = {0};
    unsigned char *mask = calloc(heads, 1);
    out->delta = malloc(heads * sizeof *out->delta);
    if (!mask || !out->delta) {
        error_set(err, errlen, "out of memory");
        goto fail;
    }
    /* The intact pass keeps its residual streams: a knock-out in layer l
     * then starts from its layer l (layers below cannot change). */
    if (masked_run(m, text, len, NULL, NULL, true, &intact, err, errlen) ||
        run_loss(m, &intact, &out->loss, NULL, err, errlen))
        goto fail;
    out->n = intact.n;
    for (size_t i = 0; i < heads; i++) {
        RunResult r;
        double loss;
        mask[i] = 1;
        if (masked_run(m, text, len, mask, &intact, false, &r, err, errlen)) goto fail;
        int rc = run_loss(m, &r, &loss, NULL, err, errlen);
        run_result_free(&r);
        if (rc) goto fail;
        mask[i] = 0;
        out->delta[i] = (float)(loss - out->loss);
    }
    run_result_free(&intact);
    free(mask);
    return 0;
fail:
    run_result_free(&intact);
    free(mask);
    importance_free(out);
    return -1;
}

int importance_prune(const Model *m, const char *text, size_t len, const Importance *imp, int k,
                     unsigned char *mask, PruneReport *out, char *err, size_t errlen)
{
    size_t heads = (size_t)m->cfg.n_layers * m->cfg.n_heads;
    memset(out, 0, sizeof *out);
    memset(mask, 0, heads);
    if (k < 0 || (size_t)k > heads) {
        error_set(err, errlen, "--prune %d: the model has %zu heads", k, heads);
        return -1;
    }
    /* The K smallest importances, ties to the lower (layer, head). */
    for (int c = 0; c < k; c++) {
        size_t best = heads;
        for (size_t i = 0; i < heads; i++)
            if (!mask[i] && (best == heads || imp->delta[i] < imp->delta[best])) best = i;
        mask[best] = 1;
    }
    int n = imp->n, *before = malloc((size_t)n * sizeof *before),
        *after = malloc((size_t)n * sizeof *after);
    int rc = -1;
    RunResult intact = {0}, pruned = {0};
    if (!before || !after) {
        error_set(err, errlen, "out of memory");
        goto out;
    }
    /* The pruned pass starts from the intact one's first pruned layer. */
    if (masked_run(m, text, len, NULL, NULL, true, &intact, err, errlen)) goto out;
    if (intact.n != n) { /* BEFORE and AFTER hold n - 1 positions */
        error_set(err, errlen, "--prune: the text is %d tokens, the importance was measured on "
                  "%d", intact.n, n);
        goto out;
    }
    if (run_loss(m, &intact, &out->loss_before, before, err, errlen) ||
        masked_run(m, text, len, mask, &intact, false, &pruned, err, errlen) ||
        run_loss(m, &pruned, &out->loss_after, after, err, errlen))
        goto out;
    out->k = k;
    out->positions = pruned.n - 1;
    for (int i = 0; i + 1 < pruned.n; i++) out->top1_same += before[i] == after[i];
    rc = 0;
out:
    run_result_free(&intact);
    run_result_free(&pruned);
    free(before);
    free(after);
    return rc;
}
