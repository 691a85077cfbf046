/*
 * bench.c - attnscope --bench: the forward pass with attention recording at
 * 16, 64 and 256 tokens against the machine's own sgemm throughput measured
 * in the same run, the recomputation of one query row, load time, peak RSS.
 *
 * FLOPs counted for a pass over n tokens (multiply-adds count 2), per layer
 * times the L layers, plus the logits:
 *   projections  L·2·n·d·(2·H·hd + 2·KV·hd)   (Q, K, V, output)
 *   feed-forward L·2·n·d·ffn·3                (gate, up, down)
 *   attention    L·2·2·hd·H·n(n+1)/2          (q·k and the weighted sum of
 *                                              values over the causal half)
 *   logits       2·d·vocab                    (the last position only)
 * Norms, RoPE, softmax and SiLU (O(n·d)) are not counted.
 */
#include <cblas.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "error.h"
#include "forward.h"


static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define BENCH_MAX_RUNS 201

/* Runs of a forward pass at N tokens; returns the median in seconds.  One
 * untimed pass first: the first touches cold weights, caches and OpenBLAS's
 * thread pool, and would count in the median of a few runs. */
static int bench_forward(const Model *m, const int32_t *ids, int n, int runs, double *med,
                         char *err, size_t errlen)
{
    double times[BENCH_MAX_RUNS];
    int done = 0;
    AttentionTrace *warm;
    if (forward_run(m, ids, n, &warm, err, errlen)) return -1;
    trace_free(warm);
    double start = now_seconds();
    /* Automatic: at least 5 runs, more until about a second has passed. */
    while (done < BENCH_MAX_RUNS && (runs ? done < runs : (done < 5 || now_seconds() - start < 1.0))) {
        AttentionTrace *t;
        double t0 = now_seconds();
        if (forward_run(m, ids, n, &t, err, errlen)) return -1;
        times[done++] = now_seconds() - t0;
        trace_free(t);
    }
    *med = median(times, done);
    return 0;
}

double bench_flops(const ModelConfig *c, int n)
{
    double d = c->dim, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim, N = n;
    double layer = 2 * N * d * (2 * H * hd + 2 * KV * hd) + 2 * N * d * c->ffn_dim * 3 +
                   4 * hd * H * N * (N + 1) / 2;
    return c->n_layers * layer + 2 * d * c->vocab;
}

/* GFLOP/s of cblas_sgemm on (m × k)·(k × n): the median of at least 5 runs
 * and of about half a second of them. */
static double sgemm_gflops(int m, int n, int k)
{
    float *a = calloc((size_t)m * k, sizeof *a), *b = calloc((size_t)k * n, sizeof *b),
          *c = calloc((size_t)m * n, sizeof *c);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return 0;
    }
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
    /* Untimed once, as for the forward pass. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
    double times[BENCH_MAX_RUNS], start = now_seconds();
    int runs = 0;
    while (runs < BENCH_MAX_RUNS && (runs < 5 || now_seconds() - start < 0.5)) {
        double t0 = now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
        times[runs++] = now_seconds() - t0;
    }
    free(a), free(b), free(c);
    return 2.0 * m * n * k / median(times, runs) / 1e9;
}

int cli_bench(FILE *out, const char *model_path, const CliOptions *o, char *err, size_t errlen)
{
    double t0 = now_seconds();
    Model *m;
    if (model_open(&m, model_path, err, errlen)) return 1;
    double load = now_seconds() - t0;
    const ModelConfig *c = &m->cfg;

    /* Any ids will do for timing; a story keeps them realistic. */
    static const char story[] =
        "Once upon a time, there was a little girl named Lily. She loved to play with her "
        "friends in the park. One day, she saw a big red ball under a tree. ";
    int32_t *ids = malloc((size_t)c->context * sizeof *ids);
    Token *toks = NULL;
    size_t nt = 0;
    if (!ids || tokenizer_encode(m->tok, story, sizeof story - 1, 0, &toks, &nt, err, errlen)) {
        if (!ids) error_set(err, errlen, "out of memory");
        free(ids);
        model_close(m);
        return 1;
    }
    for (int i = 0; i < c->context; i++) ids[i] = toks[(size_t)i % nt].id;
    free(toks);

    fprintf(out, "model %s: %d layers, %d heads (%d kv), width %d, context %d\n", m->name,
            c->n_layers, c->n_heads, c->n_kv_heads, c->dim, c->context);
    fprintf(out, "load (mmap + bind): %.3f ms; OpenBLAS threads: %d\n", load * 1e3,
            openblas_get_num_threads());
    /* What the weights cost in memory, beside what the file holds: every
     * type but F32 is converted to F32 at load today. */
    fprintf(out, "file %.1f MiB; weights in memory %.1f MiB (%.1f MiB read in place from the "
                 "file, %.1f MiB converted to F32)\n",
            gguf_file_size(m->gguf) / 1048576.0, (m->mapped_bytes + m->owned_bytes) / 1048576.0,
            m->mapped_bytes / 1048576.0, m->owned_bytes / 1048576.0);
    /* The ceiling: sgemm on the model's largest product at 256 tokens
     * (activations times the feed-forward weights), same thread count. */
    int big = c->ffn_dim > c->dim ? c->ffn_dim : c->dim;
    double ceiling = sgemm_gflops(256, big, c->dim);
    fprintf(out, "sgemm (256x%d . %dx%d, same threads): %.1f GFLOP/s\n", c->dim, c->dim, big,
            ceiling);
    fprintf(out, "%8s %12s %10s %9s %9s %12s\n", "tokens", "forward ms", "tokens/s", "GFLOP/s",
            "of sgemm", "row us");
    static const int sizes[] = {16, 64, 256};
    int rc = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        if (n > c->context) {
            fprintf(out, "%8d %12s\n", n, "(beyond context)");
            continue;
        }
        double fwd;
        if (bench_forward(m, ids, n, o->bench_runs, &fwd, err, errlen)) {
            rc = 1;
            break;
        }
        /* One query row (the last, the longest) of layer 0 head 0, many times
         * per sample because one is too quick for the clock. */
        AttentionTrace *t;
        if (forward_run(m, ids, n, &t, err, errlen)) {
            rc = 1;
            break;
        }
        float *buf = malloc((size_t)n * 3 * sizeof(float));
        if (!buf) {
            trace_free(t);
            error_set(err, errlen, "out of memory");
            rc = 1;
            break;
        }
        AttentionRow row = {buf, buf + n, buf + 2 * n};
        double samples[15];
        for (int r = 0; r < 15; r++) {
            double r0 = now_seconds();
            for (int k = 0; k < 1000; k++) trace_row(t, 0, 0, n - 1, &row);
            samples[r] = (now_seconds() - r0) / 1000;
        }
        double row_med = median(samples, 15);
        free(buf);
        trace_free(t);
        double gflops = bench_flops(c, n) / fwd / 1e9;
        fprintf(out, "%8d %12.3f %10.0f %9.2f %8.0f%% %12.3f\n", n, fwd * 1e3, n / fwd, gflops,
                ceiling > 0 ? 100 * gflops / ceiling : 0, row_med * 1e6);
    }
    /* An edit at the end of a 128-token sentence: a full pass against one
     * that reuses the 127 unchanged positions. */
    int ne = c->context < 128 ? c->context : 128;
    AttentionTrace *prev = NULL;
    if (rc == 0 && ne >= 2 && forward_run(m, ids, ne, &prev, err, errlen) == 0) {
        int32_t saved = ids[ne - 1];
        ids[ne - 1] = ids[ne - 2]; /* another token at the end */
        double full, inc, times[BENCH_MAX_RUNS];
        AttentionTrace *warm = NULL;
        if (bench_forward(m, ids, ne, o->bench_runs, &full, err, errlen) == 0 &&
            forward_run_from(m, prev, ne - 1, ids, ne, &warm, err, errlen) == 0) {
            trace_free(warm); /* untimed, as above */
            int runs = 0;
            double start = now_seconds();
            while (runs < BENCH_MAX_RUNS &&
                   (o->bench_runs ? runs < o->bench_runs : (runs < 5 || now_seconds() - start < 1.0))) {
                AttentionTrace *t;
                double r0 = now_seconds();
                if (forward_run_from(m, prev, ne - 1, ids, ne, &t, err, errlen)) break;
                times[runs++] = now_seconds() - r0;
                trace_free(t);
            }
            inc = runs ? median(times, runs) : 0;
            fprintf(out, "edit at the end of %d tokens: full pass %.3f ms, from the unchanged "
                         "prefix %.3f ms (%.1fx)\n",
                    ne, full * 1e3, inc * 1e3, inc > 0 ? full / inc : 0);
        }
        ids[ne - 1] = saved;
        trace_free(prev);
    }
    struct rusage ru;
    if (rc == 0 && getrusage(RUSAGE_SELF, &ru) == 0)
        fprintf(out, "peak RSS: %.1f MiB\n", ru.ru_maxrss / 1024.0);
    free(ids);
    model_close(m);
    return rc;
}
