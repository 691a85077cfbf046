/* analysis.c - see analysis.h. */
#include "analysis.h"

#include <math.h>
#include <stddef.h>

#define PATTERN_MASS 0.5f
#define PATTERN_BROAD_ENTROPY 0.75f

/* The label the sentence's numbers give (n >= 2), and its score. */
static void sentence_pattern(HeadStats *out)
{
    HeadPattern best = PATTERN_PREVIOUS;
    float mass = out->prev;
    if (out->self > mass) best = PATTERN_SELF, mass = out->self;
    if (out->first > mass) best = PATTERN_FIRST, mass = out->first;
    if (mass >= PATTERN_MASS) {
        out->pattern = best;
        out->score = mass;
    } else {
        out->pattern = out->entropy >= PATTERN_BROAD_ENTROPY ? PATTERN_BROAD : PATTERN_CONTENT;
        out->score = out->entropy;
    }
}

void analysis_head(const float *a, int n, HeadStats *out)
{
    double prev = 0, self = 0, first = 0, ent = 0;
    int first_from = n > 2 ? 2 : 1, n_first = 0;
    for (int i = 1; i < n; i++) {
        const float *row = a + (size_t)i * n;
        prev += row[i - 1];
        self += row[i];
        if (i >= first_from) first += row[0], n_first++;
        double h = 0;
        for (int j = 0; j <= i; j++)
            if (row[j] > 0) h -= row[j] * log(row[j]);
        ent += h / log(i + 1.0);
    }
    int m = n > 1 ? n - 1 : 1;
    out->prev = (float)(prev / m);
    out->self = (float)(self / m);
    out->first = n_first ? (float)(first / n_first) : 0.0f;
    out->entropy = (float)(ent / m);
    out->induction = NAN;
    if (n < 2) { /* one token: nothing to choose between */
        out->pattern = PATTERN_CONTENT;
        out->score = 0;
        return;
    }
    sentence_pattern(out);
}

void analysis_set_induction(HeadStats *hs, float induction)
{
    hs->induction = induction;
    if (hs->pattern == PATTERN_INDUCTION) sentence_pattern(hs); /* a second score */
    if (hs->pattern != PATTERN_PREVIOUS && hs->pattern != PATTERN_SELF &&
        induction >= ANALYSIS_INDUCTION_MIN) {
        hs->pattern = PATTERN_INDUCTION;
        hs->score = induction;
    }
}

const char *analysis_pattern_name(HeadPattern p)
{
    switch (p) {
    case PATTERN_PREVIOUS: return "previous-token";
    case PATTERN_SELF: return "self";
    case PATTERN_FIRST: return "first-token";
    case PATTERN_BROAD: return "broad";
    case PATTERN_INDUCTION: return "induction";
    default: return "content";
    }
}

const char *analysis_pattern_short(HeadPattern p)
{
    switch (p) {
    case PATTERN_PREVIOUS: return "prev";
    case PATTERN_SELF: return "self";
    case PATTERN_FIRST: return "first";
    case PATTERN_BROAD: return "broad";
    case PATTERN_INDUCTION: return "induct";
    default: return "content";
    }
}
