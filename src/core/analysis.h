/*
 * analysis.h - what a head does on one sentence, in numbers, and a name for
 * it.  Computed from the head's recorded attention matrix (n × n, causal).
 *
 *   prev    mean weight a query puts on the token just before it
 *   self    mean weight on itself
 *   first   mean weight on the first token (<s>), the usual "sink"
 *   entropy mean entropy of a row divided by its largest possible value
 *           (log of the number of keys it sees): 0 = one key, 1 = uniform
 * Means run over the queries that have a choice (positions 1..n-1; for
 * `first`, 2..n-1 where there are any, so that position 1's previous token
 * is not counted twice).
 *
 * Induction is not a property of one sentence but of the model (a score
 * measured once on a repeated random sequence, induction.h), so
 * analysis_head never gives it; analysis_set_induction adds it afterwards.
 */
#ifndef ATTNSCOPE_ANALYSIS_H
#define ATTNSCOPE_ANALYSIS_H

typedef enum {
    PATTERN_PREVIOUS, /* prev >= 0.5 and the largest of prev, self, first */
    PATTERN_SELF,
    PATTERN_FIRST,    /* first-token / sink */
    PATTERN_BROAD,    /* none of those, entropy >= 0.75 */
    PATTERN_CONTENT,  /* none of those: it depends on the words */
    PATTERN_INDUCTION, /* only from analysis_set_induction */
} HeadPattern;

/* A head whose sentence pattern is first-token, broad or content and whose
 * induction score reaches this is labelled induction: most of its weight on
 * the one right key of a row that sees 52..101 tokens.  Uniform weight gives
 * about ln 2 / T = 0.014; every head of the bundled model, ref260K and the
 * s15M random-weight model measures 0.05 or less (doc/MODEL.md). */
#define ANALYSIS_INDUCTION_MIN 0.3f

typedef struct {
    float prev, self, first, entropy;
    HeadPattern pattern;
    float score; /* the number behind the pattern (entropy for broad/content) */
    float induction; /* the model's induction score; NAN when not given */
} HeadStats;

/* Statistics of the (n, n) matrix A (induction NAN). */
void analysis_head(const float *a, int n, HeadStats *out);
/* Record the head's INDUCTION score (induction.h) and relabel it: a
 * first-token, broad or content head scoring ANALYSIS_INDUCTION_MIN or more
 * becomes PATTERN_INDUCTION with that score.  Previous-token and self heads
 * keep their label (a previous-token head is half of an induction circuit,
 * not an induction head).  Applied twice, the second score decides from the
 * sentence's own pattern again. */
void analysis_set_induction(HeadStats *hs, float induction);
/* "previous-token", "self", "first-token", "broad", "content", "induction". */
const char *analysis_pattern_name(HeadPattern p);
/* The same in at most 7 characters: "prev", "self", "first", "broad",
 * "content", "induct". */
const char *analysis_pattern_short(HeadPattern p);

#endif
