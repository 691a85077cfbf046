/* attention.c - scaled dot-product attention for one head; see attention.h. */
#include "attention.h"

#include <cblas.h>
#include <math.h>

void attention_softmax(float *x, int n, int n_valid)
{
    if (n_valid > n) n_valid = n;
    if (n_valid <= 0) {
        for (int j = 0; j < n; j++) x[j] = 0.0f;
        return;
    }
    float max = x[0];
    for (int j = 1; j < n_valid; j++)
        if (x[j] > max) max = x[j];
    /* Sum in double: rows of a long context hold many tiny terms. */
    double sum = 0.0;
    for (int j = 0; j < n_valid; j++) {
        x[j] = expf(x[j] - max);
        sum += x[j];
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < n_valid; j++) x[j] *= inv;
    for (int j = n_valid; j < n; j++) x[j] = 0.0f;
}

void attention_head(const float *Q, size_t q_stride, const float *K, size_t k_stride,
                    const float *V, size_t v_stride, int n, int head_dim, float scale,
                    bool causal, float *probs, float *out, size_t out_stride)
{
    if (n <= 0) return;
    /* probs = scale * Q K^T, all n×n; the masked half is overwritten below. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, head_dim, scale, Q,
                (int)q_stride, K, (int)k_stride, 0.0f, probs, n);
    for (int i = 0; i < n; i++)
        attention_softmax(probs + (size_t)i * n, n, causal ? i + 1 : n);
    if (out)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, head_dim, n, 1.0f, probs, n,
                    V, (int)v_stride, 0.0f, out, (int)out_stride);
}

void attention_row(const float *q, const float *K, size_t k_stride, int n_keys, int head_dim,
                   float scale, bool causal, int query_pos, AttentionRow *row)
{
    int n_valid = causal ? query_pos + 1 : n_keys;
    if (n_valid > n_keys) n_valid = n_keys;
    for (int j = 0; j < n_keys; j++) {
        /* Same order of operations as sgemm's dot product is not guaranteed;
         * the difference is rounding (~1e-7), far below what is displayed. */
        float dot = cblas_sdot(head_dim, q, 1, K + (size_t)j * k_stride, 1);
        if (row->dot) row->dot[j] = dot;
        bool masked = j >= n_valid;
        if (row->scaled) row->scaled[j] = masked ? -INFINITY : dot * scale;
        row->prob[j] = dot * scale;
    }
    attention_softmax(row->prob, n_keys, n_valid);
}
