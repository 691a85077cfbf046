/*
 * induction.h - how much each head behaves as an induction head (Olsson et
 * al. 2022, "In-context learning and induction heads"): on a random token
 * sequence shown twice, a head that looks from each token of the second copy
 * to the token that followed its earlier copy is what lets a model continue
 * a repeated sequence.  Random tokens, so no head can do it from the words.
 *
 * The definition, exactly:
 *   T      = min(INDUCTION_MAX_T, (context - 1) / 2); fewer than 2 is an error.
 *   tokens r_0 .. r_{T-1}: T ordinary tokens (type NORMAL in
 *          tokenizer.ggml.token_type; every id when the model has no types)
 *          other than BOS, drawn with splitmix64 from INDUCTION_SEED, without
 *          replacement (partial Fisher-Yates over the ids in increasing
 *          order; each pick is next() modulo what remains).  A vocabulary
 *          with fewer than T ordinary tokens draws from every id that is not
 *          BOS, control or unknown, and with replacement when still fewer
 *          than T; fewer than 2 such ids is an error.
 *   sequence, 2T+1 tokens: BOS, r_0 .. r_{T-1}, r_0 .. r_{T-1}
 *          (position 0 is the model's BOS id, even when it adds none to text)
 *   score of head (l, h) = (1/T) * sum over j = 0..T-1 of A[1+T+j][2+j],
 *          A the head's attention (query, key) on that sequence in one
 *          forward pass: from the second copy of r_j to the token after its
 *          first copy (for j = T-1 that is r_0 of the second copy).
 * One sequence is enough: with T = 50 the score is a mean of 50 rows; over
 * five other random sequences a head's score varies by a standard deviation
 * of 0.003 at most on the bundled model, 0.014 on ref260K, far below the
 * label's threshold (ANALYSIS_INDUCTION_MIN, analysis.h).
 */
#ifndef ATTNSCOPE_INDUCTION_H
#define ATTNSCOPE_INDUCTION_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define INDUCTION_MAX_T 50
#define INDUCTION_SEED UINT64_C(20220308) /* the paper's date */

/* What a reference needs to rebuild the sequence. */
typedef struct {
    int T;
    uint64_t seed;
    int32_t bos;                      /* the id at position 0 */
    int32_t tokens[INDUCTION_MAX_T];  /* r_0 .. r_{T-1} */
} InductionInfo;

/* Every head's score as above into SCORES ((layer, head), n_layers*n_heads
 * floats) and the sequence into *INFO.  0, or -1 with ERR (context under 5,
 * no BOS id, too few ordinary tokens, out of memory). */
int induction_measure(const Model *m, float *scores, InductionInfo *info, char *err,
                      size_t errlen);

#endif
