/*
 * convert.c - F16/BF16/Q8_0 weights: convert once at load, or by blocks
 * (one weight matrix at a time, into a scratch buffer, on every pass)?
 *
 *   convert MODEL.gguf [RUNS]
 *
 * For every two-dimensional blk.* weight of MODEL it times the products a
 * forward pass makes with it, x (n × in) · Wᵀ, at n = 16, 64 and 256:
 *   at load    W converted to F32 once (that time reported apart), then
 *              only the sgemm on each pass;
 *   by blocks  on each pass, W converted into one scratch matrix, then the
 *              same sgemm.
 * Medians of RUNS (default 5) passes over all the weights.  Attention,
 * norms and the logits are left out: they are the same either way.  The
 * memory each way holds is printed too: F32 copies of every weight against
 * the file's own bytes plus one scratch matrix.
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gguf.h"

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

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s MODEL.gguf [RUNS]\n", argv[0]);
        return 2;
    }
    int runs = argc == 3 ? atoi(argv[2]) : 5;
    if (runs < 1 || runs > 100) runs = 5;
    char err[512];
    Gguf *g;
    if (gguf_open(&g, argv[1], err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* The weights the layers multiply by: blk.*, two-dimensional. */
    size_t nw = 0, biggest = 0, raw_bytes = 0, f32_bytes = 0, max_in = 0, max_out = 0;
    const GgufTensor **w = malloc(gguf_tensor_count(g) * sizeof *w);
    float **conv = calloc(gguf_tensor_count(g), sizeof *conv);
    if (!w || !conv) return 1;
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor_at(g, i);
        if (t->n_dims != 2 || strncmp(t->name.ptr, "blk.", 4) != 0) continue;
        w[nw++] = t;
        if (t->n_elements > biggest) biggest = t->n_elements;
        if (t->dims[0] > max_in) max_in = t->dims[0];
        if (t->dims[1] > max_out) max_out = t->dims[1];
        raw_bytes += t->n_bytes;
        f32_bytes += t->n_elements * sizeof(float);
    }
    if (nw == 0) {
        fprintf(stderr, "%s: no blk.* matrices\n", argv[1]);
        return 1;
    }
    double t0 = now_seconds();
    for (size_t i = 0; i < nw; i++) {
        conv[i] = malloc(w[i]->n_elements * sizeof(float));
        if (!conv[i] || gguf_tensor_to_f32(w[i], 0, w[i]->n_elements, conv[i], err, sizeof err)) {
            fprintf(stderr, "%s\n", conv[i] ? err : "out of memory");
            return 1;
        }
    }
    double load = now_seconds() - t0;
    printf("%s: %zu matrices, type %s; conversion at load %.1f ms\n", argv[1], nw,
           ggml_type_name(w[0]->type), load * 1e3);
    printf("memory: at load %.1f MiB of F32; by blocks %.1f MiB in the file + %.1f MiB scratch\n",
           f32_bytes / 1048576.0, raw_bytes / 1048576.0, biggest * 4 / 1048576.0);

    static const int sizes[] = {16, 64, 256};
    float *scratch = malloc(biggest * sizeof(float));
    float *x = malloc(256 * max_in * sizeof(float)), *y = malloc(256 * max_out * sizeof(float));
    if (!scratch || !x || !y) return 1;
    for (size_t i = 0; i < 256 * max_in; i++) x[i] = (float)(i % 13) * 0.01f;
    printf("%8s %14s %14s %8s\n", "tokens", "at load ms", "by blocks ms", "ratio");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        double a[100], b[100];
        for (int r = 0; r < runs; r++) {
            for (int way = 0; way < 2; way++) {
                double r0 = now_seconds();
                for (size_t i = 0; i < nw; i++) {
                    int in = (int)w[i]->dims[0], out = (int)w[i]->dims[1];
                    const float *W = conv[i];
                    if (way == 1) {
                        gguf_tensor_to_f32(w[i], 0, w[i]->n_elements, scratch, err, sizeof err);
                        W = scratch;
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in,
                                W, in, 0.0f, y, out);
                }
                (way ? b : a)[r] = now_seconds() - r0;
            }
        }
        qsort(a, (size_t)runs, sizeof a[0], cmp_double);
        qsort(b, (size_t)runs, sizeof b[0], cmp_double);
        printf("%8d %14.2f %14.2f %7.2fx\n", n, a[runs / 2] * 1e3, b[runs / 2] * 1e3,
               b[runs / 2] / a[runs / 2]);
    }
    for (size_t i = 0; i < nw; i++) free(conv[i]);
    free(conv), free(w), free(scratch), free(x), free(y);
    gguf_close(g);
    return 0;
}
