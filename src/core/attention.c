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

void attention_rows(const float *Q, size_t q_stride, const float *K, size_t k_stride,
                    const float *V, size_t v_stride, int first, int rows, int n_keys,
                    int head_dim, float scale, bool causal, float *probs, float *out,
                    size_t out_stride)
{
    if (rows <= 0 || n_keys <= 0) return;
    /* probs = scale * Q K^T, every key; the masked part is overwritten below. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n_keys, head_dim, scale, Q,
                (int)q_stride, K, (int)k_stride, 0.0f, probs, n_keys);
    for (int r = 0; r < rows; r++)
        attention_softmax(probs + (size_t)r * n_keys, n_keys, causal ? first + r + 1 : n_keys);
    if (out)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, head_dim, n_keys, 1.0f,
                    probs, n_keys, V, (int)v_stride, 0.0f, out, (int)out_stride);
}

void attention_head(const float *Q, size_t q_stride, const float *K, size_t k_stride,
                    const float *V, size_t v_stride, int n, int head_dim, float scale,
                    bool causal, float *probs, float *out, size_t out_stride)
{
    attention_rows(Q, q_stride, K, k_stride, V, v_stride, 0, n, n, head_dim, scale, causal,
                   probs, out, out_stride);
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
