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
 */
#ifndef ATTNSCOPE_ANALYSIS_H
#define ATTNSCOPE_ANALYSIS_H

typedef enum {
    PATTERN_PREVIOUS, /* prev >= 0.5 and the largest of prev, self, first */
    PATTERN_SELF,
    PATTERN_FIRST,    /* first-token / sink */
    PATTERN_BROAD,    /* none of those, entropy >= 0.75 */
    PATTERN_CONTENT,  /* none of those: it depends on the words */
} HeadPattern;

typedef struct {
    float prev, self, first, entropy;
    HeadPattern pattern;
    float score; /* the number behind the pattern (entropy for broad/content) */
} HeadStats;

/* Statistics of the (n, n) matrix A. */
void analysis_head(const float *a, int n, HeadStats *out);
/* "previous-token", "self", "first-token", "broad", "content". */
const char *analysis_pattern_name(HeadPattern p);
/* The same in at most 7 characters: "prev", "self", "first", "broad", "content". */
const char *analysis_pattern_short(HeadPattern p);

#endif
