/*
 * arch_dump.c - the forward pass of any architecture on token ids given
 * directly, as JSON, for tests/test_arch_reference.sh: the ids bypass the
 * tokenizer (a bert model's WordPiece, say), so that attnscope, the float64
 * reference and llama.cpp see exactly the same input.
 *
 *   arch_dump [--reuse K] MODEL.gguf ID...
 *
 * --reuse K: first a pass over the first K ids, then the whole pass asked
 * to reuse its first K positions (forward_run_opts): a causal model takes
 * them, a bidirectional one must not (a later token changes earlier rows);
 * "reused" says how many were taken.
 *
 * Prints {"arch", "causal", "tokens", "attention" (layer, head, query, key),
 * and "logits" (the last position's, a model with a language-model head)
 * or "embeddings" (every position's final hidden state, one without)}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "model.h"

static void floats(const float *v, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) printf("%s%.9g", i ? "," : "", v[i]);
    putchar(']');
}

int main(int argc, char **argv)
{
    char err[512];
    int keep = 0;
    if (argc > 2 && strcmp(argv[1], "--reuse") == 0) {
        keep = atoi(argv[2]);
        argc -= 2, argv += 2;
    }
    if (argc < 3 || keep < 0 || keep >= argc - 2) {
        fprintf(stderr, "usage: arch_dump [--reuse K] MODEL.gguf ID...\n");
        return 2;
    }
    Model *m;
    if (model_open(&m, argv[1], err, sizeof err)) {
        fprintf(stderr, "arch_dump: %s\n", err);
        return 1;
    }
    int n = argc - 2;
    int32_t *ids = malloc((size_t)n * sizeof *ids);
    if (!ids) return 1;
    for (int i = 0; i < n; i++) ids[i] = (int32_t)strtol(argv[2 + i], NULL, 10);
    AttentionTrace *t, *prev = NULL;
    int reused = 0;
    ForwardOptions o = {.keep = keep, .reused = &reused};
    if (keep && forward_run(m, ids, keep, &prev, err, sizeof err) == 0) o.prev = prev;
    int rc = (keep && !prev) ? -1 : forward_run_opts(m, ids, n, &o, &t, err, sizeof err);
    trace_free(prev);
    if (rc) {
        fprintf(stderr, "arch_dump: %s\n", err);
        model_close(m);
        free(ids);
        return 1;
    }
    printf("{\"arch\":\"%s\",\"causal\":%s,\"reused\":%d,\"tokens\":[", m->arch->name,
           t->causal ? "true" : "false", reused);
    for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("],\"attention\":[");
    for (int l = 0; l < t->n_layers; l++) {
        printf("%s[", l ? "," : "");
        for (int h = 0; h < t->n_heads; h++) {
            printf("%s[", h ? "," : "");
            for (int i = 0; i < n; i++) {
                if (i) putchar(',');
                floats(trace_attn(t, l, h) + (size_t)i * n, (size_t)n);
            }
            putchar(']');
        }
        putchar(']');
    }
    putchar(']');
    if (model_has_lm_head(m)) {
        printf(",\"logits\":");
        floats(t->logits_last, (size_t)t->vocab);
    } else {
        printf(",\"embeddings\":[");
        for (int i = 0; i < n; i++) {
            if (i) putchar(',');
            floats(t->hidden + (size_t)i * t->dim, (size_t)t->dim);
        }
        putchar(']');
    }
    printf("}\n");
    trace_free(t);
    model_close(m);
    free(ids);
    return ferror(stdout) ? 1 : 0;
}
