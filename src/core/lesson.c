/* lesson.c - see lesson.h.  The step table first; then the measuring. */
#include "lesson.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "error.h"
#include "forward.h"
#include "importance.h"
#include "run.h"
#include "trace.h"

#define CAT_SENTENCE "The cat sat on the mat because it was tired."
#define TWIN_SENTENCE "The mat sat on the cat because it was tired."
#define BANK_SENTENCE "The bank by the river was steep."

/* The lesson.  Adding a step: one row here, plus its view in the UI.  Each
 * filled caption line must fit LESSON_CAPTION_COLUMNS (tests/test_lesson.c
 * checks the bundled model and ref260K). */
static const LessonStep steps[] = {
    {
        .title = "Where does \"it\" look?",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_ROW,
        .chooser = LESSON_CHOOSE_TARGET,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "In layer {layer}, head {head}, \"{query}\" puts {w_target} of its weight on "
            "\"{target}\", {w_competitor} on \"{competitor}\".",
            "{prefer} of the {heads} heads weigh \"{target}\" above \"{competitor}\"; "
            "this is the clearest.",
            "Each word's row says how much it reads from each word it can see.",
        },
        .caption_none = {
            "No head clearly sends \"{query}\" to \"{target}\" (at least 0.30, above "
            "\"{competitor}\").",
            "The best, layer {layer} head {head}: {w_target} on \"{target}\", "
            "{w_competitor} on \"{competitor}\".",
            "{prefer} of the {heads} heads weigh \"{target}\" above \"{competitor}\" at all.",
        },
    },
    {
        .title = "Query, key, value",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_QKV,
        .chooser = LESSON_CHOOSE_TOP_KEY,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "\"{query}\" asks with its query q, \"{key}\" answers with its key k "
            "(layer {layer}, head {head}).",
            "q.k = {dot}: |q| = {q_norm}, |k| = {k_norm}, a sum of d = {d} "
            "products.",
            "The higher q.k, the more \"{query}\" reads of \"{key}\"'s value v.",
        },
    },
    {
        .title = "Scaling and softmax",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_SOFTMAX,
        .chooser = LESSON_CHOOSE_TOP_KEY,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "Scores q.k are divided by sqrt(d) = {sqrt_d}; softmax makes them "
            "weights.",
            "\"{query}\" -> \"{key}\": {w_scaled} with the scale, {w_unscaled} "
            "without it (computed now).",
            "Without 1/sqrt(d) large d makes softmax too sharp: one key takes all.",
        },
    },
    {
        .title = "The mask",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_MASK,
        .chooser = LESSON_CHOOSE_TARGET,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "A word sees only itself and the words before it: the upper triangle "
            "is masked.",
            "\"{query}\" (token {query_pos}) sees {visible} of {n} tokens; "
            "{hidden} later ones are hidden.",
            "Per head {masked} of the {n2} cells are masked, so no word reads ahead.",
        },
        .caption_bidir = {
            "This encoder has no mask: every word sees every word, before and after it.",
            "\"{query}\" (token {query_pos}) sees all {n} tokens; none is hidden.",
            "A decoder hides the words after each one, to predict the next (M).",
        },
    },
    {
        .title = "Many heads, different relations",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_HEADS,
        .chooser = LESSON_CHOOSE_TARGET,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "Layer {layer} has {heads} heads; each reads the sentence its own way.",
            "Measured here: {n_prev} previous-token, {n_first} first-token, "
            "{n_self} self,",
            "{n_broad} broad and {n_content} content heads. Their outputs are "
            "joined side by side.",
        },
    },
    {
        .title = "O(n^2)",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_COST,
        .chooser = LESSON_CHOOSE_TARGET,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "{n} tokens: each head scores every pair, {n} x {n} = {n2} cells.",
            "{cells} cells in all ({heads} heads x {layers} layers); "
            "this pass took {ms} ms.",
            "Twice the words, four times the cells: attention costs O(n^2).",
        },
    },
    {
        .title = "Many heads are redundant",
        .sentence = CAT_SENTENCE,
        .view = LESSON_VIEW_PRUNE,
        .chooser = LESSON_CHOOSE_TARGET,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "Knocked out one by one, least important first: {k5} of {heads} heads "
            "go before",
            "the loss rises 5% ({loss0} -> {loss_k5} nats); the top-1 next word "
            "is kept at {top1_k5}/{positions}.",
            "+ knocks out the next head, - brings it back: watch the prediction.",
        },
        .caption_none = {
            "Heads are ranked by the loss of the next-word predictions: this encoder",
            "makes none, so its {heads} heads are not ranked here. In the bundled",
            "decoder (M) they go one by one, least important first.",
        },
    },
    {
        .title = "Pattern matching, not understanding",
        .sentence = CAT_SENTENCE,
        .twin = TWIN_SENTENCE,
        .view = LESSON_VIEW_TWIN,
        .chooser = LESSON_CHOOSE_TOP_KEY,
        .query_word = "it", .target_word = "cat", .competitor_word = "mat",
        .caption = {
            "Layer {layer} head {head}: \"{query}\" -> \"{key}\" ({w_key}); in the twin "
            "-> \"{twin_key}\" ({twin_w_key}).",
            "Weight on \"{target}\"/\"{competitor}\": {w_target}/{w_competitor}, "
            "then {twin_w_target}/{twin_w_competitor} in the twin.",
            "The head matches positions and word patterns; it does not know who "
            "was tired.",
        },
    },
    {
        /* Chosen like step 1; in a causal model every head gives "river" 0
         * (it is after "bank"), so only an encoder finds one. */
        .title = "Every word sees every other word",
        .sentence = BANK_SENTENCE,
        .view = LESSON_VIEW_PAIR,
        .chooser = LESSON_CHOOSE_TARGET,
        .query_word = "bank", .target_word = "river", .competitor_word = "steep",
        .caption = {
            "Layer {layer} head {head}: \"{query}\" puts {w_target} of its weight on "
            "\"{target}\", a word after it.",
            "{prefer} of the {heads} heads weigh \"{target}\" above \"{competitor}\". "
            "Each word sees every word:",
            "this encoder is bidirectional. A causal model hides \"{target}\" from "
            "\"{query}\" (M).",
        },
        .caption_none = {
            "No head sends \"{query}\" to \"{target}\" (at least 0.30); best {w_target}, "
            "layer {layer} head {head}.",
            "A causal model hides \"{target}\" from \"{query}\": it comes after, behind "
            "the mask.",
            "An encoder sees every word, after it too: M switches to the bundled encoder.",
        },
    },
};

int lesson_step_count(void)
{
    return (int)(sizeof steps / sizeof steps[0]);
}

const LessonStep *lesson_step(int i)
{
    return i >= 0 && i < lesson_step_count() ? &steps[i] : NULL;
}

const char *lesson_view_name(LessonView v)
{
    static const char *const names[] = {"row", "qkv", "softmax", "mask", "heads", "cost",
                                        "twin", "prune", "pair"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

const char *lesson_role_gloss(HeadPattern p)
{
    switch (p) {
    case PATTERN_PREVIOUS: return "reads the word just before: keeps track of word order";
    case PATTERN_SELF: return "reads the word itself: keeps its own meaning in view";
    case PATTERN_FIRST: return "rests on the first token when nothing else fits (a sink)";
    case PATTERN_BROAD: return "spreads its weight over many words: an average of context";
    case PATTERN_CONTENT: return "picks words by what they are: depends on the sentence";
    case PATTERN_INDUCTION: return "finds an earlier copy of the word and reads what followed it";
    }
    return "";
}

const LessonNumber *lesson_number(const LessonResult *r, const char *name)
{
    for (int i = 0; i < r->n_numbers; i++)
        if (strcmp(r->numbers[i].name, name) == 0) return &r->numbers[i];
    return NULL;
}

static void add_number(LessonResult *r, const char *name, double value, int decimals)
{
    if (r->n_numbers < LESSON_MAX_NUMBERS)
        r->numbers[r->n_numbers++] = (LessonNumber){name, value, decimals};
}

/* --- words and tokens ------------------------------------------------- */

typedef struct {
    Token *toks;
    size_t n;
    AttentionTrace *t;
    double ms; /* time of forward_run */
} Pass;

static void pass_free(Pass *p)
{
    free(p->toks);
    trace_free(p->t);
    memset(p, 0, sizeof *p);
}

static int pass_run(const Model *m, const char *text, Pass *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    RunRequest req = {.text = text, .len = strlen(text)};
    RunResult r;
    if (run_text(m, &req, &r, err, errlen)) return -1;
    *p = (Pass){r.tokens, (size_t)r.n, r.trace, r.ms};
    return 0;
}

int lesson_find_word(const char *text, const Token *toks, size_t n, const char *word, int *first,
                     int *last)
{
    size_t len = strlen(text), wl = strlen(word);
    for (size_t a = 0; a + wl <= len; a++) {
        if (a > 0 && isalnum((unsigned char)text[a - 1])) continue;
        if (a + wl < len && isalnum((unsigned char)text[a + wl])) continue;
        size_t k = 0;
        while (k < wl && tolower((unsigned char)text[a + k]) == tolower((unsigned char)word[k]))
            k++;
        if (k < wl) continue;
        *first = *last = -1;
        for (size_t i = 0; i < n; i++) {
            const Token *t = &toks[i];
            if (t->end > t->start && t->start < a + wl && t->end > a) {
                if (*first < 0) *first = (int)i;
                *last = (int)i;
            }
        }
        return *first >= 0 ? 0 : -1;
    }
    return -1;
}

/* lesson_find_word on a pass's tokens. */
static int find_word(const char *text, const Pass *p, const char *word, int *first, int *last)
{
    return lesson_find_word(text, p->toks, p->n, word, first, last);
}

/* The word token I belongs to (its text widened to whole-word boundaries,
 * so the piece "at" of "cat" gives "cat"), without spaces; its piece when it
 * covers no text (<s>). */
static void token_word(const Model *m, const char *text, const Pass *p, int i, char *out,
                       size_t outlen)
{
    size_t a = p->toks[i].start, b = p->toks[i].end;
    while (a < b && text[a] == ' ') a++;
    while (b > a && text[b - 1] == ' ') b--;
    if (a == b) {
        snprintf(out, outlen, "%s", tokenizer_piece(m->tok, p->toks[i].id));
        return;
    }
    if (isalnum((unsigned char)text[a]))
        while (a > 0 && isalnum((unsigned char)text[a - 1])) a--;
    if (isalnum((unsigned char)text[b - 1]))
        while (text[b] && isalnum((unsigned char)text[b])) b++;
    snprintf(out, outlen, "%.*s", (int)(b - a), text + a);
}

static double word_weight(const float *row, int first, int last)
{
    double w = 0;
    for (int j = first; j <= last; j++) w += row[j];
    return w;
}

static int top_key(const float *row, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (row[j] > row[best]) best = j;
    return best;
}

static const float *attn_row(const AttentionTrace *t, int layer, int head, int query)
{
    return trace_attn(t, layer, head) + (size_t)query * t->n_tokens;
}

/* --- captions ----------------------------------------------------------- */

/* The text a "{name}" stands for, into BUF. */
static int placeholder(const LessonResult *r, const LessonStep *s, const char *name, size_t len,
                       char *buf, size_t buflen)
{
    struct { const char *name; const char *text; } words[] = {
        {"query", r->query_word}, {"key", r->key_word}, {"twin_key", r->twin_key_word},
        {"target", s->target_word}, {"competitor", s->competitor_word},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].name) == len && memcmp(words[i].name, name, len) == 0) {
            snprintf(buf, buflen, "%s", words[i].text ? words[i].text : "");
            return 0;
        }
    if (len == 5 && memcmp(name, "layer", 5) == 0) return snprintf(buf, buflen, "%d", r->layer), 0;
    if (len == 4 && memcmp(name, "head", 4) == 0) return snprintf(buf, buflen, "%d", r->head), 0;
    for (int i = 0; i < r->n_numbers; i++)
        if (strlen(r->numbers[i].name) == len && memcmp(r->numbers[i].name, name, len) == 0) {
            snprintf(buf, buflen, "%.*f", r->numbers[i].decimals, r->numbers[i].value);
            return 0;
        }
    return -1;
}

static int fill_caption(LessonResult *r, const LessonStep *s, bool causal, char *err,
                        size_t errlen)
{
    const char *const *tpl = !causal && s->caption_bidir[0]      ? s->caption_bidir
                             : !r->found && s->caption_none[0] ? s->caption_none
                                                               : s->caption;
    r->n_caption = 0;
    for (int l = 0; l < LESSON_CAPTION_LINES && tpl[l]; l++) {
        char line[1024];
        size_t o = 0;
        for (const char *p = tpl[l]; *p && o < sizeof line - 1;) {
            const char *close = *p == '{' ? strchr(p, '}') : NULL;
            if (!close) {
                line[o++] = *p++;
                continue;
            }
            char val[LESSON_WORD_BYTES * 2];
            if (placeholder(r, s, p + 1, (size_t)(close - p - 1), val, sizeof val)) {
                error_set(err, errlen, "lesson step %d: caption names an unknown value "
                          "\"%.*s\"", r->step + 1, (int)(close - p + 1), p);
                return -1;
            }
            for (const char *v = val; *v && o < sizeof line - 1;) line[o++] = *v++;
            p = close + 1;
        }
        line[o] = '\0';
        /* Clip at the column limit (on a character boundary) and say so. */
        size_t cut = 0;
        int cols = 0;
        while (cut < o) {
            size_t next = cut + 1;
            while (next < o && ((unsigned char)line[next] & 0xC0) == 0x80) next++;
            if (cols + 1 > LESSON_CAPTION_COLUMNS) break;
            cols++;
            cut = next;
        }
        if (cut < o) r->clipped = 1;
        memcpy(r->caption[r->n_caption], line, cut);
        r->caption[r->n_caption][cut] = '\0';
        r->n_caption++;
    }
    return 0;
}

/* --- measuring ------------------------------------------------------------ */

/* The chooser: the head where QUERY puts the most weight on TARGET, among
 * those where TARGET beats COMPETITOR when there are any. */
static void choose_head(const AttentionTrace *t, int q, int t0, int t1, int c0, int c1,
                        LessonResult *r, double *w_target, double *w_comp, int *prefer)
{
    int best_l = 0, best_h = 0, best_wins = 0;
    double best = -1, best_c = 0;
    *prefer = 0;
    for (int l = 0; l < t->n_layers; l++)
        for (int h = 0; h < t->n_heads; h++) {
            const float *row = attn_row(t, l, h, q);
            double wt = word_weight(row, t0, t1), wc = word_weight(row, c0, c1);
            int wins = wt > wc;
            *prefer += wins;
            if (wins > best_wins || (wins == best_wins && wt > best)) {
                best_l = l, best_h = h, best = wt, best_c = wc, best_wins = wins;
            }
        }
    r->layer = best_l;
    r->head = best_h;
    *w_target = best;
    *w_comp = best_c;
    r->found = best_wins && best >= LESSON_MIN_WEIGHT;
}

static int argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

/* The PRUNE step: rank the heads by importance on TEXT, then knock out the
 * first k of them for k = 1 .. n_prune, measuring each (lesson.h). */
static int measure_prune(const Model *m, const char *text, const AttentionTrace *intact,
                         const Token *toks, int n, LessonResult *r, char *err, size_t errlen)
{
    int H = m->cfg.n_heads, cells = m->cfg.n_layers * H;
    if (n < 2) {
        error_set(err, errlen, "knocking heads out is measured on the next tokens: "
                               "the text needs at least two tokens");
        return -1;
    }
    Importance imp;
    if (importance_measure(m, text, strlen(text), &imp, err, errlen)) return -1;
    int *top1 = malloc((size_t)n * 2 * sizeof *top1);
    unsigned char *mask = calloc((size_t)cells, 1);
    int rc = -1;
    if (!top1 || !mask) {
        error_set(err, errlen, "lesson: out of memory");
        goto out;
    }
    /* Least important first; ties to the lower layer.head (--prune's order). */
    r->n_prune = cells < LESSON_MAX_HEADS ? cells : LESSON_MAX_HEADS;
    for (int k = 0; k < r->n_prune; k++) {
        int best = -1;
        for (int c = 0; c < cells; c++)
            if (!mask[c] && (best < 0 || imp.delta[c] < imp.delta[best])) best = c;
        r->prune_order[k] = best;
        mask[best] = 1;
    }
    memset(mask, 0, (size_t)cells);
    /* The intact pass again, keeping its residual streams: each point of
     * the curve then computes only from its lowest knocked-out layer up. */
    RunRequest keep = {.text = text, .len = strlen(text), .record_residual = true};
    RunResult kr;
    if (run_text(m, &keep, &kr, err, errlen)) goto out;
    int *base = top1 + n;
    r->prune_positions = n - 1;
    r->prune_loss[0] = (float)importance_loss(m, intact, toks, n, base);
    r->prune_top1[0] = n - 1;
    r->prune_next[0] = argmax(intact->logits_last, intact->vocab);
    for (int k = 1; k <= r->n_prune; k++) {
        mask[r->prune_order[k - 1]] = 1;
        RunRequest req = {.text = text, .len = strlen(text), .ablate = mask,
                          .prev_tokens = kr.tokens, .prev_n = kr.n, .prev = kr.trace};
        RunResult rr;
        if (run_text(m, &req, &rr, err, errlen)) {
            run_result_free(&kr);
            goto out;
        }
        r->prune_loss[k] = (float)importance_loss(m, rr.trace, toks, n, top1);
        r->prune_top1[k] = 0;
        for (int i = 0; i < n - 1; i++) r->prune_top1[k] += top1[i] == base[i];
        r->prune_next[k] = argmax(rr.trace->logits_last, rr.trace->vocab);
        run_result_free(&rr);
    }
    run_result_free(&kr);
    rc = 0;
out:
    free(top1);
    free(mask);
    importance_free(&imp);
    return rc;
}

int lesson_measure(const Model *m, int i, LessonResult *out, char *err, size_t errlen)
{
    return lesson_measure_text(m, i, NULL, out, err, errlen);
}

int lesson_measure_text(const Model *m, int i, const char *text, LessonResult *out, char *err,
                        size_t errlen)
{
    const LessonStep *step = lesson_step(i);
    if (!step) {
        error_set(err, errlen, "lesson: no step %d (there are %d)", i + 1, lesson_step_count());
        return -1;
    }
    Pass p;
    if (pass_run(m, text ? text : step->sentence, &p, err, errlen)) return -1;
    int rc = lesson_measure_trace(m, i, text ? text : step->sentence, p.toks, p.n, p.t, p.ms,
                                  out, err, errlen);
    pass_free(&p);
    return rc;
}

int lesson_measure_trace(const Model *m, int i, const char *text, const Token *toks,
                         size_t n_toks, const AttentionTrace *trace, double ms,
                         LessonResult *out, char *err, size_t errlen)
{
    const LessonStep *step = lesson_step(i);
    if (!step) {
        error_set(err, errlen, "lesson: no step %d (there are %d)", i + 1, lesson_step_count());
        return -1;
    }
    LessonStep copy = *step;
    copy.sentence = text;
    const LessonStep *s = &copy;
    memset(out, 0, sizeof *out);
    out->step = i;
    out->twin_key = out->twin_query = -1;
    /* A view of the caller's pass: never freed here. */
    Pass p = {(Token *)toks, n_toks, (AttentionTrace *)trace, ms}, tw = {0};
    const AttentionTrace *t = p.t;
    int n = t->n_tokens;
    int q0, q1, t0, t1, c0, c1;
    const char *missing = find_word(s->sentence, &p, s->query_word, &q0, &q1) ? s->query_word
                          : find_word(s->sentence, &p, s->target_word, &t0, &t1) ? s->target_word
                          : find_word(s->sentence, &p, s->competitor_word, &c0, &c1)
                              ? s->competitor_word : NULL;
    if (missing) {
        error_set(err, errlen, "lesson step %d: no word \"%s\" in \"%s\"", i + 1, missing,
                  s->sentence);
        goto fail;
    }
    out->n_tokens = n;
    out->query = q0;
    token_word(m, s->sentence, &p, q0, out->query_word, sizeof out->query_word);

    double w_target, w_comp;
    int prefer;
    choose_head(t, q0, t0, t1, c0, c1, out, &w_target, &w_comp, &prefer);
    const float *row = attn_row(t, out->layer, out->head, q0);
    if (s->chooser == LESSON_CHOOSE_TARGET) {
        out->key = t0;
        snprintf(out->key_word, sizeof out->key_word, "%s", s->target_word);
    } else {
        out->key = top_key(row, n);
        token_word(m, s->sentence, &p, out->key, out->key_word, sizeof out->key_word);
    }
    int heads_total = t->n_layers * t->n_heads;

    switch (s->view) {
    case LESSON_VIEW_ROW:
    case LESSON_VIEW_PAIR:
        add_number(out, "w_target", w_target, 3);
        add_number(out, "w_competitor", w_comp, 3);
        add_number(out, "prefer", prefer, 0);
        add_number(out, "heads", heads_total, 0);
        break;
    case LESSON_VIEW_QKV:
    case LESSON_VIEW_SOFTMAX: {
        int d = t->head_dim;
        size_t qs = (size_t)t->n_heads * d, ks = (size_t)t->n_kv_heads * d;
        const float *qv = t->q + (size_t)out->layer * n * qs + (size_t)q0 * qs
                          + (size_t)out->head * d;
        const float *kbase = t->k + (size_t)out->layer * n * ks
                             + (size_t)trace_kv_head(t, out->head) * d;
        const float *kv = kbase + (size_t)out->key * ks;
        float *buf = malloc((size_t)n * 4 * sizeof *buf);
        if (!buf) {
            error_set(err, errlen, "lesson: out of memory");
            goto fail;
        }
        AttentionRow scaled = {buf, buf + n, buf + 2 * n};
        trace_row(t, out->layer, out->head, q0, &scaled);
        double qn = 0, kn = 0;
        for (int c = 0; c < d; c++) qn += (double)qv[c] * qv[c], kn += (double)kv[c] * kv[c];
        if (s->view == LESSON_VIEW_QKV) {
            add_number(out, "dot", scaled.dot[out->key], 3);
            add_number(out, "q_norm", sqrt(qn), 3);
            add_number(out, "k_norm", sqrt(kn), 3);
            add_number(out, "d", d, 0);
            add_number(out, "scaled", scaled.scaled[out->key], 3);
            add_number(out, "weight", scaled.prob[out->key], 3);
        } else {
            /* The same kernel with scale 1: softmax of q.k itself. */
            AttentionRow raw = {NULL, NULL, buf + 3 * n};
            attention_row(qv, kbase, ks, n, d, 1.0f, t->causal, q0, &raw);
            add_number(out, "d", d, 0);
            add_number(out, "sqrt_d", sqrt((double)d), 2);
            add_number(out, "dot", scaled.dot[out->key], 3);
            add_number(out, "w_scaled", scaled.prob[out->key], 3);
            add_number(out, "w_unscaled", raw.prob[out->key], 3);
        }
        free(buf);
        break;
    }
    case LESSON_VIEW_MASK:
        add_number(out, "query_pos", q0, 0);
        add_number(out, "n", n, 0);
        /* An encoder masks nothing. */
        add_number(out, "visible", t->causal ? q0 + 1 : n, 0);
        add_number(out, "hidden", t->causal ? n - 1 - q0 : 0, 0);
        add_number(out, "n2", (double)n * n, 0);
        add_number(out, "masked", t->causal ? (double)n * (n - 1) / 2 : 0, 0);
        break;
    case LESSON_VIEW_HEADS: {
        int count[PATTERN_INDUCTION + 1] = {0};
        for (int h = 0; h < t->n_heads && h < LESSON_MAX_HEADS; h++) {
            LessonHeadRow *hr = &out->heads[out->n_head_rows++];
            HeadStats hs;
            analysis_head(trace_attn(t, out->layer, h), n, &hs);
            const float *hrow = attn_row(t, out->layer, h, q0);
            hr->head = h;
            hr->role = hs.pattern;
            hr->score = hs.score;
            hr->top_key = top_key(hrow, n);
            hr->top_weight = hrow[hr->top_key];
            token_word(m, s->sentence, &p, hr->top_key, hr->top_word, sizeof hr->top_word);
            count[hs.pattern]++;
        }
        add_number(out, "heads", t->n_heads, 0);
        add_number(out, "n_prev", count[PATTERN_PREVIOUS], 0);
        add_number(out, "n_first", count[PATTERN_FIRST], 0);
        add_number(out, "n_self", count[PATTERN_SELF], 0);
        add_number(out, "n_broad", count[PATTERN_BROAD], 0);
        add_number(out, "n_content", count[PATTERN_CONTENT], 0);
        break;
    }
    case LESSON_VIEW_COST:
        add_number(out, "n", n, 0);
        add_number(out, "n2", (double)n * n, 0);
        add_number(out, "heads", t->n_heads, 0);
        add_number(out, "layers", t->n_layers, 0);
        add_number(out, "cells", (double)n * n * t->n_heads * t->n_layers, 0);
        add_number(out, "ms", p.ms, 2);
        break;
    case LESSON_VIEW_PRUNE: {
        add_number(out, "heads", heads_total, 0);
        /* An encoder predicts no next word: no loss ranks its heads, and
         * the caption says so (caption_none); a decoder always has a curve. */
        out->found = model_has_lm_head(m);
        if (!out->found) break;
        /* Measured on the intact model, whatever the explorer knocked out. */
        const AttentionTrace *intact = t;
        if (t->ablated && pass_run(m, s->sentence, &tw, err, errlen)) goto fail;
        if (t->ablated) intact = tw.t;
        if (measure_prune(m, s->sentence, intact, toks, n, out, err, errlen)) goto fail;
        int k5 = 0;
        double limit = out->prune_loss[0] * 1.05;
        while (k5 < out->n_prune && out->prune_loss[k5 + 1] <= limit) k5++;
        add_number(out, "k5", k5, 0);
        add_number(out, "loss0", out->prune_loss[0], 2);
        add_number(out, "loss_k5", out->prune_loss[k5], 2);
        add_number(out, "top1_k5", out->prune_top1[k5], 0);
        add_number(out, "positions", out->prune_positions, 0);
        pass_free(&tw);
        break;
    }
    case LESSON_VIEW_TWIN: {
        if (pass_run(m, s->twin, &tw, err, errlen)) goto fail;
        int tq0, tq1, tt0, tt1, tc0, tc1;
        if (find_word(s->twin, &tw, s->query_word, &tq0, &tq1)
            || find_word(s->twin, &tw, s->target_word, &tt0, &tt1)
            || find_word(s->twin, &tw, s->competitor_word, &tc0, &tc1)) {
            error_set(err, errlen, "lesson step %d: the twin \"%s\" lacks one of its words",
                      i + 1, s->twin);
            goto fail;
        }
        const float *trow = attn_row(tw.t, out->layer, out->head, tq0);
        out->twin_query = tq0;
        out->twin_key = top_key(trow, tw.t->n_tokens);
        token_word(m, s->twin, &tw, out->twin_key, out->twin_key_word, sizeof out->twin_key_word);
        add_number(out, "w_key", row[out->key], 3);
        add_number(out, "twin_w_key", trow[out->twin_key], 3);
        add_number(out, "w_target", word_weight(row, t0, t1), 3);
        add_number(out, "w_competitor", word_weight(row, c0, c1), 3);
        add_number(out, "twin_w_target", word_weight(trow, tt0, tt1), 3);
        add_number(out, "twin_w_competitor", word_weight(trow, tc0, tc1), 3);
        break;
    }
    }
    if (fill_caption(out, s, t->causal, err, errlen)) goto fail;
    pass_free(&tw);
    return 0;
fail:
    pass_free(&tw);
    return -1;
}
