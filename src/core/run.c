/* run.c - see run.h. */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "forward.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void run_result_free(RunResult *r)
{
    free(r->tokens);
    trace_free(r->trace);
    memset(r, 0, sizeof *r);
}

int run_text(const Model *m, const RunRequest *req, RunResult *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t n;
    if (tokenizer_encode(m->tok, req->text, req->len, 0, &out->tokens, &n, err, errlen))
        return -1;
    /* Checked here, not only in the pass, to count the user's own tokens. */
    if (n > (size_t)m->cfg.context) {
        error_set(err, errlen, "the text is %zu tokens, longer than the model's context of %d "
                  "tokens", n, m->cfg.context);
        run_result_free(out);
        return -1;
    }
    out->n = (int)n;
    int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) {
        error_set(err, errlen, "out of memory");
        run_result_free(out);
        return -1;
    }
    int32_t mask = tokenizer_mask_id(m->tok);
    for (size_t i = 0; i < n; i++) {
        Token *t = &out->tokens[i];
        if (mask >= 0 && req->mask_to > req->mask_from && t->end > t->start &&
            t->start >= req->mask_from && t->start < req->mask_to)
            t->id = mask;
        ids[i] = t->id;
    }
    /* Positions before the first changed token can be reused. */
    int keep = 0;
    if (req->prev && req->prev_tokens)
        while (keep < req->prev_n && (size_t)keep < n && req->prev_tokens[keep].id == ids[keep])
            keep++;
    ForwardOptions o = {.prev = req->prev, .keep = keep, .ablate = req->ablate,
                        .cancel = req->cancel, .reused = &out->reused,
                        .record_residual = req->record_residual,
                        .reused_layers = &out->reused_layers};
    double t0 = now_ms();
    int rc = forward_run_opts(m, ids, (int)n, &o, &out->trace, err, errlen);
    out->ms = now_ms() - t0;
    free(ids);
    if (rc) {
        run_result_free(out);
        return rc;
    }
    return 0;
}

bool run_token_hidden(const Model *m, const Token *t)
{
    int32_t mask = model_fills_mask(m) ? tokenizer_mask_id(m->tok) : -1;
    return mask >= 0 && t->id == mask && t->end > t->start;
}

int run_first_hidden(const Model *m, const Token *toks, int n)
{
    for (int i = 0; i < n; i++)
        if (run_token_hidden(m, &toks[i])) return i;
    return -1;
}

int run_parse_heads(const ModelConfig *c, const char *spec, unsigned char *mask, char *err,
                    size_t errlen)
{
    memset(mask, 0, (size_t)c->n_layers * c->n_heads);
    const char *p = spec;
    if (!*p) {
        error_set(err, errlen, "--ablate: no heads given (LAYER.HEAD, e.g. 0.2,3.1)");
        return -1;
    }
    for (;;) {
        char *end;
        size_t part = strcspn(p, ",");
        errno = 0;
        long l = strtol(p, &end, 10), h = -1;
        bool ok = end != p && *end == '.' && p[0] >= '0' && p[0] <= '9' && errno == 0;
        if (ok) {
            const char *hp = end + 1;
            h = strtol(hp, &end, 10);
            ok = end != hp && hp[0] >= '0' && hp[0] <= '9' && errno == 0 &&
                 (size_t)(end - p) == part;
        }
        if (!ok) {
            error_set(err, errlen, "--ablate: \"%.*s\" is not LAYER.HEAD (e.g. 0.2)",
                      (int)(part > 40 ? 40 : part), p);
            return -1;
        }
        if (l >= c->n_layers || h >= c->n_heads) {
            error_set(err, errlen, "--ablate: %ld.%ld: the model has layers 0..%d and heads "
                      "0..%d", l, h, c->n_layers - 1, c->n_heads - 1);
            return -1;
        }
        unsigned char *at = &mask[(size_t)l * c->n_heads + (size_t)h];
        if (*at) {
            error_set(err, errlen, "--ablate: %ld.%ld is given twice", l, h);
            return -1;
        }
        *at = 1;
        if (!p[part]) return 0;
        p += part + 1;
    }
}
