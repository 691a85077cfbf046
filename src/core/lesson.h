/*
 * lesson.h - the guided lesson's steps as data, and their measuring on a
 * loaded model.  No terminal code: the explorer draws a step's view and its
 * caption, `attnscope --lesson --dump json` prints them, the tests read them.
 *
 * A step is one row of one table (lesson.c): a title, a sentence, the kind of
 * view the UI shows, how to choose the layer/head/query (a chooser and its
 * words) and a caption template of at most three lines.  Nothing names a
 * layer or head: lesson_measure() runs the model on the step's sentence and
 * scans every head, so the lesson works on whatever model is open, and when
 * no head shows the effect the caption says so, quoting the best found.
 *
 * Words are found through the tokenizer's byte spans, as whole words (ASCII
 * letters and digits delimit them, case folded): a word split into several
 * tokens is still one word.  The QUERY of a word is its first token; the
 * weight a query puts on a word is the sum of the weights on all its tokens.
 * A key chosen as the query's strongest is one token; its *_word is the
 * whole word that token is part of (the piece "at" of "cat": "cat").
 *
 * A LessonResult is a plain value the caller owns (no pointers inside); it
 * is filled completely by lesson_measure().
 */
#ifndef ATTNSCOPE_LESSON_H
#define ATTNSCOPE_LESSON_H

#include <stddef.h>

#include "analysis.h"
#include "model.h"
#include "tokenizer.h"
#include "trace.h"

/* What the UI shows for a step: one panel each. */
typedef enum {
    LESSON_VIEW_ROW,     /* the query's row in the chosen head, the sentence lit up */
    LESSON_VIEW_QKV,     /* q, k (and v) of the query and its key as vectors */
    LESSON_VIEW_SOFTMAX, /* scores, scaled scores, softmax, and softmax unscaled */
    LESSON_VIEW_MASK,    /* the causal triangle */
    LESSON_VIEW_HEADS,   /* every head of the layer for the query, with its role */
    LESSON_VIEW_COST,    /* n, n^2 cells, time of a pass */
    LESSON_VIEW_TWIN,    /* the sentence and its noun-swapped twin, same head */
    LESSON_VIEW_PRUNE,   /* heads knocked out one by one, least important first */
    LESSON_VIEW_PAIR,    /* the sentence in this model and in the other of the bundled
                            pair (decoder, encoder), each in its own chosen head;
                            measured as ROW */
} LessonView;

/* How a step picks its head, query and key. */
typedef enum {
    /* The head where QUERY puts the most weight on TARGET among the heads
     * where that weight is above the weight on COMPETITOR (else the most on
     * TARGET overall); key = TARGET's first token.  Found when the weight is
     * at least LESSON_MIN_WEIGHT and above COMPETITOR's. */
    LESSON_CHOOSE_TARGET,
    /* The same head and found flag; key = the query's strongest key there. */
    LESSON_CHOOSE_TOP_KEY,
} LessonChooser;

#define LESSON_MIN_WEIGHT 0.3
#define LESSON_CAPTION_LINES 3
#define LESSON_CAPTION_COLUMNS 78
#define LESSON_MAX_NUMBERS 16
#define LESSON_MAX_HEADS 256 /* rows of a HEADS step; more heads are not listed */
#define LESSON_WORD_BYTES 64

typedef struct {
    const char *title;
    const char *sentence;
    const char *twin;  /* LESSON_VIEW_TWIN: the second sentence; else NULL */
    LessonView view;
    LessonChooser chooser;
    const char *query_word, *target_word, *competitor_word;
    /* Caption templates: "{name}" is replaced by the number or word of that
     * name (see LessonResult); NULL lines end the caption early.  CAPTION_NONE
     * is used when no head shows the effect (NULL: CAPTION again). */
    const char *caption[LESSON_CAPTION_LINES];
    const char *caption_none[LESSON_CAPTION_LINES];
    /* For a bidirectional model (an encoder), where the step says something
     * else (the mask: there is none); NULL: the two above serve both. */
    const char *caption_bidir[LESSON_CAPTION_LINES];
} LessonStep;

/* A number a caption quotes, with the decimals it is printed with. */
typedef struct {
    const char *name;
    double value;
    int decimals;
} LessonNumber;

/* One head of a HEADS step: its measured role over the whole sentence, and
 * where the query looks in it. */
typedef struct {
    int head;
    HeadPattern role;
    float score;             /* the number behind the role (analysis.h) */
    int top_key;             /* the query's strongest key */
    float top_weight;
    char top_word[LESSON_WORD_BYTES];
} LessonHeadRow;

typedef struct {
    int step;
    int n_tokens;
    int layer, head;
    int query, key;          /* token indices */
    char query_word[LESSON_WORD_BYTES], key_word[LESSON_WORD_BYTES];
    int found;               /* the chooser's test held */
    LessonNumber numbers[LESSON_MAX_NUMBERS];
    int n_numbers;
    LessonHeadRow heads[LESSON_MAX_HEADS]; /* LESSON_VIEW_HEADS only */
    int n_head_rows;
    int twin_query;          /* LESSON_VIEW_TWIN: the query word's first token in the twin */
    int twin_key;            /* and its strongest key there (else both -1) */
    char twin_key_word[LESSON_WORD_BYTES];
    /* LESSON_VIEW_PRUNE: every head (at most LESSON_MAX_HEADS) ranked by its
     * importance on the sentence (importance.h), least important first, as
     * layer*n_heads+head; and with the first k of them knocked out (k = 0 ..
     * n_prune): the next-token loss (nats per token), the positions whose
     * most probable next token is the intact model's, and the most probable
     * token after the sentence.  One-shot: the ranking is not re-measured as
     * heads go. */
    int n_prune, prune_positions;
    int prune_order[LESSON_MAX_HEADS];
    float prune_loss[LESSON_MAX_HEADS + 1];
    int prune_top1[LESSON_MAX_HEADS + 1];
    int prune_next[LESSON_MAX_HEADS + 1];
    char caption[LESSON_CAPTION_LINES][LESSON_CAPTION_COLUMNS * 4 + 1];
    int n_caption;
    int clipped;             /* a filled line was longer than 78 columns and was cut */
} LessonResult;

int lesson_step_count(void);
/* Step I (from 0), or NULL when out of range. */
const LessonStep *lesson_step(int i);
/* "row", "qkv", "softmax", "mask", "heads", "cost", "twin", "prune". */
const char *lesson_view_name(LessonView v);
/* A one-line plain-words gloss of a head role, for the HEADS step. */
const char *lesson_role_gloss(HeadPattern p);

/* Measure step I on M into *OUT.  0 on success; else -1 with ERR saying why
 * (step out of range, a word missing from the sentence, the sentence longer
 * than the context, a failed pass). */
int lesson_measure(const Model *m, int i, LessonResult *out, char *err, size_t errlen);

/* The same on TEXT in place of the step's sentence (NULL: the step's own),
 * as when the student edits it; the twin of a TWIN step stays the table's. */
int lesson_measure_text(const Model *m, int i, const char *text, LessonResult *out, char *err,
                        size_t errlen);

/* The same on a pass the caller already ran: TOKS (N_TOKS of them) and
 * TRACE of TEXT, the pass having taken MS milliseconds (the worker's own
 * pass, so the explorer runs the model once).  Nothing of them is kept. */
int lesson_measure_trace(const Model *m, int i, const char *text, const Token *toks,
                         size_t n_toks, const AttentionTrace *trace, double ms,
                         LessonResult *out, char *err, size_t errlen);

/* The tokens [*FIRST, *LAST] of TOKS (N of them, spans into TEXT) covering
 * the first whole-word occurrence of WORD in TEXT (the rule above: ASCII
 * case folded, letters and digits delimit words); -1 when there is none. */
int lesson_find_word(const char *text, const Token *toks, size_t n, const char *word, int *first,
                     int *last);

/* The number NAME of R, or NULL. */
const LessonNumber *lesson_number(const LessonResult *r, const char *name);

#endif
