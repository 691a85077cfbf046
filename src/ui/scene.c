/* scene.c - see scene.h. */
#include "scene.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "flow.h"
#include "forward.h"
#include "run.h"
#include "trace.h"
#include "ui_text.h"
#include "utf8.h"

void scene_init(Scene *s, const Model *m, bool utf8)
{
    memset(s, 0, sizeof *s);
    s->model = m;
    s->utf8 = utf8;
    s->mean_layer = -1;
    s->wmat_layer = s->wpin_layer = -2;
    s->flow_kind = 0;
}

static void free_prepared(Scene *s)
{
    int n = s->res.n;
    for (int i = 0; s->shown && i < n; i++) free(s->shown[i]);
    for (int i = 0; s->label && i < n; i++) free(s->label[i]);
    for (int i = 0; s->word_label && i < s->n_words; i++) free(s->word_label[i]);
    free(s->shown), free(s->shown_w), free(s->label), free(s->label_w);
    free(s->split), free(s->word_of), free(s->word_first), free(s->word_label);
    free(s->word_label_w), free(s->wmat), free(s->wpin), free(s->wtmp);
    s->split = NULL;
    s->word_of = s->word_first = s->word_label_w = NULL;
    s->word_label = NULL;
    s->wmat = s->wpin = s->wtmp = NULL;
    s->n_words = s->row_n = 0;
    s->wmat_layer = s->wpin_layer = -2;
    free(s->stats), free(s->mean), free(s->row), free(s->row_tmp), free(s->multi_rows);
    free(s->dot), free(s->scaled), free(s->weight), free(s->out), free(s->logits);
    free(s->plain);
    free(s->flowm);
    s->plain = s->flowm = NULL;
    s->flow_kind = 0;
    s->shown = s->label = NULL;
    s->shown_w = s->label_w = NULL;
    s->stats = NULL;
    s->mean = s->row = s->row_tmp = s->multi_rows = NULL;
    s->dot = s->scaled = s->weight = s->out = s->logits = NULL;
}

void scene_free(Scene *s)
{
    free_prepared(s);
    work_result_free(&s->res);
    s->have = false;
}

/* What a token covers, for labels, marks and words. */
typedef enum {
    TOK_CONTROL, /* no text: BOS and the like, a word of its own */
    TOK_SPACE,   /* only spaces (or the inserted "▁"): joins the next word */
    TOK_CONT,    /* the rest of a character begun by the token before */
    TOK_TEXT,
} TokKind;

/* Byte classes: a word starts where a space ends or where letters meet
 * punctuation.  Bytes of non-ASCII characters count as letters. */
typedef enum { CLS_SPACE, CLS_LETTER, CLS_PUNCT } ByteClass;

static ByteClass byte_class(unsigned char c)
{
    if (c == ' ' || c < 0x20 || c == 0x7F) return CLS_SPACE;
    if (c >= 0x80 || c == '_' || isalnum(c)) return CLS_LETTER;
    return CLS_PUNCT;
}

/* The marks: a join between pieces, a continuation, a lone space. */
typedef struct { const char *join, *cont, *space; } Marks;
static const Marks marks_utf8 = {"\xC2\xB7", "\xE2\x80\xA6", "\xE2\x90\xA3"}; /* · … ␣ */
static const Marks marks_ascii = {"-", "~", "_"};

static const Marks *scene_marks(const Scene *s)
{
    return s->utf8 ? &marks_utf8 : &marks_ascii;
}

static TokKind token_kind(const Scene *s, int i, const bool *starts)
{
    const Token *t = &s->res.tokens[i];
    if (t->start == t->end) {
        const char *piece = tokenizer_piece(s->model->tok, t->id);
        return strcmp(piece, "\xE2\x96\x81") == 0 ? TOK_SPACE : TOK_CONTROL;
    }
    if (!starts[t->start]) return TOK_CONT;
    for (size_t b = t->start; b < t->end; b++)
        if (byte_class((unsigned char)s->res.text[b]) != CLS_SPACE) return TOK_TEXT;
    return TOK_SPACE;
}

/* Does token I start a word (given the kinds of the tokens)? */
static bool starts_word(const Scene *s, const TokKind *kind, int i)
{
    if (i == 0 || kind[i] == TOK_CONTROL || kind[i - 1] == TOK_CONTROL) return true;
    if (kind[i] == TOK_CONT) return false;
    const Token *t = &s->res.tokens[i], *p = &s->res.tokens[i - 1];
    const unsigned char *text = (const unsigned char *)s->res.text;
    if (kind[i] == TOK_SPACE || byte_class(text[t->start]) == CLS_SPACE) return true;
    if (kind[i - 1] == TOK_SPACE) return false;
    return byte_class(text[t->start]) != byte_class(text[p->end - 1]);
}

/* S (LEN bytes) rendered, at most MAX_COLS columns, in a new string. */
static char *render(const char *p, size_t len, bool utf8, int max_cols, int *w)
{
    size_t cap = len * 3 + 8;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = '\0';
    *w = ui_text_render(p, len, utf8, out, cap, max_cols, NULL);
    return out;
}

/* TEXT[a..b) without its leading spaces, as a label of at most
 * SCENE_LABEL_COLS columns between the marks PRE and POST (either may be
 * ""); "␣" when there is nothing but spaces. */
static char *label_text(const Scene *s, size_t a, size_t b, const char *pre, const char *post,
                        int *w)
{
    const char *text = s->res.text;
    while (a < b && byte_class((unsigned char)text[a]) == CLS_SPACE) a++;
    const Marks *mk = scene_marks(s);
    if (a == b) return render(mk->space, strlen(mk->space), s->utf8, SCENE_LABEL_COLS, w);
    int mw = (*pre ? 1 : 0) + (*post ? 1 : 0);
    size_t cap = (b - a) * 3 + 16;
    char *out = malloc(cap);
    if (!out) return NULL;
    snprintf(out, cap, "%s", pre);
    *w = mw + ui_text_render(text + a, b - a, s->utf8, out, cap - 4, SCENE_LABEL_COLS - mw, NULL);
    strcat(out, post);
    return out;
}

/* The end of token I's text extended to the next character boundary: the
 * token holding a character's first byte shows all of it. */
static size_t char_end(const Scene *s, const bool *starts, size_t b)
{
    while (b < s->res.len && !starts[b]) b++;
    return b;
}

/* Labels, marks and words for the installed result (see scene.h). */
bool scene_hidden(const Scene *s, int i)
{
    return run_token_hidden(s->model, &s->res.tokens[i]);
}

static int prepare_pieces(Scene *s, const bool *starts)
{
    int n = s->res.n;
    TokKind *kind = malloc((size_t)n * sizeof *kind);
    bool *word_start = malloc((size_t)n * sizeof *word_start);
    int rc = -1;
    if (!kind || !word_start) goto out;
    for (int i = 0; i < n; i++) kind[i] = token_kind(s, i, starts);
    s->n_words = 0;
    for (int i = 0; i < n; i++) {
        word_start[i] = starts_word(s, kind, i);
        s->n_words += word_start[i];
        /* A mark where a word's text goes on in another piece: not after
         * its spaces, not inside a character. */
        s->split[i] = false;
        if (!word_start[i] && kind[i] == TOK_TEXT) {
            int k = i - 1;
            while (k > 0 && kind[k] == TOK_CONT) k--;
            s->split[i] = kind[k] == TOK_TEXT;
        }
    }
    s->word_first = calloc((size_t)s->n_words + 1, sizeof *s->word_first);
    s->word_label = calloc((size_t)s->n_words, sizeof *s->word_label);
    s->word_label_w = calloc((size_t)s->n_words, sizeof *s->word_label_w);
    if (!s->word_first || !s->word_label || !s->word_label_w) goto out;
    for (int i = 0, u = -1; i < n; i++) {
        if (word_start[i]) s->word_first[++u] = i;
        s->word_of[i] = u;
    }
    s->word_first[s->n_words] = n;
    const Marks *mk = scene_marks(s);
    for (int i = 0; i < n; i++) {
        const Token *t = &s->res.tokens[i];
        const char *piece = tokenizer_piece(s->model->tok, t->id);
        if (scene_hidden(s, i)) {
            s->label[i] = render("[MASK]", 6, s->utf8, SCENE_LABEL_COLS, &s->label_w[i]);
        } else if (kind[i] == TOK_CONTROL) {
            s->label[i] = render(piece, strlen(piece), s->utf8, SCENE_LABEL_COLS, &s->label_w[i]);
        } else if (kind[i] == TOK_CONT) {
            s->label[i] = render(mk->cont, strlen(mk->cont), s->utf8, 1, &s->label_w[i]);
        } else {
            int next = i + 1;
            while (next < n && kind[next] == TOK_CONT) next++;
            bool post = kind[i] == TOK_TEXT && next < n && s->split[next];
            s->label[i] = label_text(s, t->start, char_end(s, starts, t->end),
                                     s->split[i] ? mk->join : "", post ? mk->join : "",
                                     &s->label_w[i]);
        }
        if (!s->label[i]) goto out;
    }
    for (int u = 0; u < s->n_words; u++) {
        const Token *a = &s->res.tokens[s->word_first[u]];
        const Token *z = &s->res.tokens[s->word_first[u + 1] - 1];
        if (kind[s->word_first[u]] == TOK_CONTROL || scene_hidden(s, s->word_first[u])) {
            s->word_label[u] = strdup(s->label[s->word_first[u]]);
            s->word_label_w[u] = s->label_w[s->word_first[u]];
        } else {
            s->word_label[u] = label_text(s, a->start, char_end(s, starts, z->end), "", "",
                                          &s->word_label_w[u]);
        }
        if (!s->word_label[u]) goto out;
    }
    rc = 0;
out:
    free(kind);
    free(word_start);
    return rc;
}

/* The SCENE_NEXT most probable tokens of the softmax of LOGITS. */
static void top_next(const float *logits, int vocab, int *ids, float *p)
{
    float max = logits[0];
    for (int v = 1; v < vocab; v++)
        if (logits[v] > max) max = logits[v];
    double sum = 0;
    for (int v = 0; v < vocab; v++) sum += exp((double)logits[v] - max);
    for (int k = 0; k < SCENE_NEXT; k++) {
        int best = -1;
        for (int v = 0; v < vocab; v++) {
            bool taken = false;
            for (int q = 0; q < k; q++) taken |= ids[q] == v;
            if (!taken && (best < 0 || logits[v] > logits[best])) best = v;
        }
        ids[k] = best;
        p[k] = best < 0 ? 0.0f : (float)(exp((double)logits[best] - max) / sum);
    }
}

int scene_install(Scene *s, WorkResult *r)
{
    scene_free(s);
    s->res = *r;
    memset(r, 0, sizeof *r);
    int n = s->res.n;
    const AttentionTrace *t = s->res.trace;
    size_t L = (size_t)t->n_layers, H = (size_t)t->n_heads;
    s->shown = calloc((size_t)n, sizeof *s->shown);
    s->shown_w = calloc((size_t)n, sizeof *s->shown_w);
    s->label = calloc((size_t)n, sizeof *s->label);
    s->label_w = calloc((size_t)n, sizeof *s->label_w);
    s->stats = calloc(L * H, sizeof *s->stats);
    s->mean = calloc((size_t)n * n, sizeof *s->mean);
    s->row = calloc((size_t)n, sizeof *s->row);
    s->row_tmp = calloc((size_t)n, sizeof *s->row_tmp);
    s->multi_rows = calloc(H * n, sizeof *s->multi_rows);
    s->dot = calloc((size_t)n, sizeof *s->dot);
    s->scaled = calloc((size_t)n, sizeof *s->scaled);
    s->weight = calloc((size_t)n, sizeof *s->weight);
    s->out = calloc((size_t)t->head_dim, sizeof *s->out);
    s->plain = calloc((size_t)n, sizeof *s->plain);
    s->logits = calloc((size_t)t->vocab, sizeof *s->logits);
    s->split = calloc((size_t)n, sizeof *s->split);
    s->word_of = calloc((size_t)n, sizeof *s->word_of);
    /* n × n: a view that still indexes tokens reads inside it. */
    s->wmat = calloc((size_t)n * n, sizeof *s->wmat);
    s->wpin = calloc((size_t)n * n, sizeof *s->wpin);
    s->wtmp = calloc((size_t)n, sizeof *s->wtmp);
    s->flowm = calloc((size_t)n * n, sizeof *s->flowm);
    if (!s->dot || !s->scaled || !s->weight || !s->out || !s->logits || !s->plain) goto oom;
    if (!s->split || !s->word_of || !s->wmat || !s->wpin || !s->wtmp || !s->flowm) goto oom;
    if (!s->shown || !s->shown_w || !s->label || !s->label_w || !s->stats || !s->mean ||
        !s->row || !s->row_tmp || !s->multi_rows)
        goto oom;
    /* Where characters start: a character split over byte tokens (é as
     * <0xC3><0xA9>) is shown whole, by the token holding its first byte. */
    size_t len = s->res.len;
    bool *starts = calloc(len + 1, sizeof *starts);
    if (!starts) goto oom;
    for (size_t b = 0; b < len; b += utf8_char_len(s->res.text + b, len - b)) starts[b] = true;
    starts[len] = true;
    for (int i = 0; i < n; i++) {
        const Token *tok = &s->res.tokens[i];
        size_t a = tok->start, b = char_end(s, starts, tok->end);
        while (a < b && !starts[a]) a++;
        if (scene_hidden(s, i)) {
            /* What the model saw: "[MASK]", after the word's spaces. */
            char m[64];
            size_t sp = 0;
            while (a + sp < b && sp < 8 && s->res.text[a + sp] == ' ') sp++;
            snprintf(m, sizeof m, "%.*s[MASK]", (int)sp, s->res.text + a);
            s->shown[i] = render(m, strlen(m), s->utf8, 1 << 20, &s->shown_w[i]);
        } else {
            s->shown[i] = render(s->res.text + a, b - a, s->utf8, 1 << 20, &s->shown_w[i]);
        }
        if (!s->shown[i]) {
            free(starts);
            goto oom;
        }
    }
    int prepared = prepare_pieces(s, starts);
    free(starts);
    if (prepared) goto oom;
    /* The sidebar's numbers: what each head does on this sentence. */
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++)
            analysis_head(trace_attn(t, (int)l, (int)h), n, &s->stats[l * H + h]);
    /* The model's induction scores relabel the heads that have one. */
    for (size_t i = 0; s->res.induction && i < L * H; i++)
        analysis_set_induction(&s->stats[i], s->res.induction[i]);
    top_next(s->res.trace->logits_last, t->vocab, s->next_id[0], s->next_p[0]);
    if (s->res.intact)
        top_next(s->res.intact->logits_last, t->vocab, s->before_id[0], s->before_p[0]);
    s->mean_layer = -1;
    s->row_n = n;
    s->have = true;
    if (s->res.reused == 0 && s->res.reused_layers == 0 && !s->res.intact && n > 0) {
        /* A pass over the whole text: a point of the time-against-n plot. */
        if (s->n_cost == SCENE_COST_SAMPLES)
            memmove(s->cost, s->cost + 1, --s->n_cost * sizeof *s->cost);
        s->cost[s->n_cost++] = (CostSample){n, s->res.ms};
    }
    return 0;
oom:
    scene_free(s);
    return -1;
}

/* A token matrix A (n, n) over words: OUT (n_words, n_words), key pieces
 * summed, query pieces averaged (scene.h). */
static void words_matrix(Scene *s, const float *a, float *out)
{
    int n = s->res.n, U = s->n_words;
    double *acc = malloc((size_t)U * sizeof *acc);
    if (!acc) {
        memset(out, 0, (size_t)U * U * sizeof *out);
        return;
    }
    for (int I = 0; I < U; I++) {
        int i0 = s->word_first[I], i1 = s->word_first[I + 1];
        memset(acc, 0, (size_t)U * sizeof *acc);
        for (int i = i0; i < i1; i++)
            for (int j = 0; j < n; j++) acc[s->word_of[j]] += a[(size_t)i * n + j];
        for (int J = 0; J < U; J++) out[(size_t)I * U + J] = (float)(acc[J] / (i1 - i0));
    }
    free(acc);
}

/* The layer's mean over heads into s->mean, unless it holds it already. */
static void mean_matrix(Scene *s, int layer)
{
    if (s->mean_layer == layer) return;
    const AttentionTrace *t = s->res.trace;
    int n = s->res.n, H = t->n_heads;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        double sum = 0;
        for (int h = 0; h < H; h++) sum += trace_attn(t, layer, h)[i];
        s->mean[i] = (float)(sum / H);
    }
    s->mean_layer = layer;
}

void scene_update(Scene *s, const AppState *st)
{
    if (!s->have) return;
    /* The vocabulary product is the costliest step of a cursor move on a
     * large model: only when the next-token panel shows its result. */
    if (st->predict) {
        forward_logits(s->model, s->res.trace, st->query, s->logits);
        top_next(s->logits, s->res.trace->vocab, s->next_id[1], s->next_p[1]);
        if (s->res.intact) {
            forward_logits(s->model, s->res.intact, st->query, s->logits);
            top_next(s->logits, s->res.trace->vocab, s->before_id[1], s->before_p[1]);
        }
    }
    const AttentionTrace *t = s->res.trace;
    int n = s->res.n, H = t->n_heads;
    AttentionRow row = {NULL, NULL, NULL};
    /* Every head's row for this query: the multi-head view and the mean. */
    for (int h = 0; h < H; h++) {
        row.prob = s->multi_rows + (size_t)h * n;
        trace_row(t, st->layer, h, st->query, &row);
    }
    /* The current head explained: q·k, scaled, weights, and their sum of values. */
    AttentionRow ex = {s->dot, s->scaled, s->weight};
    trace_row(t, st->layer, st->head, st->query, &ex);
    for (int c = 0; c < t->head_dim; c++) {
        double sum = 0;
        for (int j = 0; j < n; j++) sum += (double)s->weight[j] * scene_v(s, st, j)[c];
        s->out[c] = (float)sum;
    }
    /* The same kernel with scale 1: what softmax makes of q·k unscaled. */
    AttentionRow plain = {NULL, NULL, s->plain};
    attention_row(scene_q(s, st), scene_k(s, st, 0), (size_t)t->n_kv_heads * t->head_dim, n,
                  t->head_dim, 1.0f, t->causal, st->query, &plain);
    if (st->flow) {
        /* r or V: the view's matrix, and the query's row of it. */
        int fh = st->flow == FLOW_ROLLOUT ? -1 : st->head;
        if (s->flow_kind != st->flow || s->flow_layer != st->layer || s->flow_head != fh) {
            if (flow_matrix(s->model, t, (FlowKind)st->flow, st->layer, st->head, s->flowm))
                memset(s->flowm, 0, (size_t)n * n * sizeof *s->flowm);
            s->flow_kind = st->flow, s->flow_layer = st->layer, s->flow_head = fh;
        }
        memcpy(s->row, s->flowm + (size_t)st->query * n, (size_t)n * sizeof *s->row);
    } else if (st->mean) {
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int h = 0; h < H; h++) sum += s->multi_rows[(size_t)h * n + j];
            s->row[j] = (float)(sum / H);
        }
        mean_matrix(s, st->layer);
    } else {
        memcpy(s->row, s->multi_rows + (size_t)st->head * n, (size_t)n * sizeof *s->row);
    }
    s->row_n = n;
    if (!st->words) return;
    /* Words: the matrix on screen (and the pinned one) over words, and the
     * query word's row of it. */
    int head = st->mean ? -1 : st->head;
    if (s->wmat_layer != st->layer || s->wmat_head != head || s->wmat_flow != st->flow) {
        words_matrix(s, st->flow ? s->flowm : st->mean ? s->mean : trace_attn(t, st->layer, st->head),
                     s->wmat);
        s->wmat_layer = st->layer, s->wmat_head = head, s->wmat_flow = st->flow;
    }
    if (st->pinned && (s->wpin_layer != st->pin_layer || s->wpin_head != st->pin_head)) {
        words_matrix(s, trace_attn(t, st->pin_layer, st->pin_head), s->wpin);
        s->wpin_layer = st->pin_layer, s->wpin_head = st->pin_head;
    }
    int U = s->n_words, I = s->word_of[st->query];
    memcpy(s->row, s->wmat + (size_t)I * U, (size_t)U * sizeof *s->row);
    s->row_n = U;
}

const float *scene_matrix(const Scene *s, const AppState *st)
{
    if (st->words && s->wmat_layer == st->layer && s->wmat_head == (st->mean ? -1 : st->head) &&
        s->wmat_flow == st->flow)
        return s->wmat;
    if (st->flow && s->flow_kind == st->flow && s->flow_layer == st->layer &&
        (st->flow == FLOW_ROLLOUT || s->flow_head == st->head))
        return s->flowm;
    if (st->mean && s->mean_layer == st->layer) return s->mean;
    return trace_attn(s->res.trace, st->layer, st->head);
}

const float *scene_pinned_matrix(const Scene *s, const AppState *st)
{
    if (st->words && s->wpin_layer == st->pin_layer && s->wpin_head == st->pin_head)
        return s->wpin;
    return trace_attn(s->res.trace, st->pin_layer, st->pin_head);
}

const float *scene_q(const Scene *s, const AppState *st)
{
    const AttentionTrace *t = s->res.trace;
    size_t n = (size_t)t->n_tokens, stride = (size_t)t->n_heads * t->head_dim;
    return t->q + (size_t)st->layer * n * stride + (size_t)st->query * stride +
           (size_t)st->head * t->head_dim;
}

const float *scene_v(const Scene *s, const AppState *st, int j)
{
    const AttentionTrace *t = s->res.trace;
    size_t n = (size_t)t->n_tokens, stride = (size_t)t->n_kv_heads * t->head_dim;
    return t->v + (size_t)st->layer * n * stride + (size_t)j * stride +
           (size_t)trace_kv_head(t, st->head) * t->head_dim;
}

const float *scene_k(const Scene *s, const AppState *st, int j)
{
    const AttentionTrace *t = s->res.trace;
    size_t n = (size_t)t->n_tokens, stride = (size_t)t->n_kv_heads * t->head_dim;
    return t->k + (size_t)st->layer * n * stride + (size_t)j * stride +
           (size_t)trace_kv_head(t, st->head) * t->head_dim;
}

int scene_top(const Scene *s, int k, int *ids)
{
    int n = s->row_n, got = 0;
    for (int i = 0; i < k; i++) {
        int best = -1;
        for (int j = 0; j < n; j++) {
            bool taken = false;
            for (int q = 0; q < got; q++) taken |= ids[q] == j;
            if (!taken && s->row[j] > 0.0f && (best < 0 || s->row[j] > s->row[best])) best = j;
        }
        if (best < 0) break;
        ids[got++] = best;
    }
    return got;
}

/* Does the text of word U start with WORD (ASCII case folded)? */
static bool word_matches(const Scene *s, int u, const char *word)
{
    const char *text = s->res.text;
    const Token *t = &s->res.tokens[s->word_first[u]];
    if (t->start == t->end && s->word_first[u + 1] - s->word_first[u] == 1) return false; /* BOS */
    size_t a = t->start, len = s->res.len, k = 0;
    while (a < len && byte_class((unsigned char)text[a]) == CLS_SPACE) a++;
    for (; word[k]; k++, a++) {
        if (a >= len) return false;
        unsigned char x = (unsigned char)text[a], y = (unsigned char)word[k];
        if (x < 0x80 && y < 0x80 ? tolower(x) != tolower(y) : x != y) return false;
    }
    return k > 0;
}

int scene_find(const Scene *s, const char *word, int from, int dir)
{
    int U = s->have ? s->n_words : 0;
    if (U == 0 || !word || !word[0]) return -1;
    int u = from < 0 || from >= s->res.n ? -1 : s->word_of[from];
    if (u < 0 && dir < 0) u = 0;
    int step = dir < 0 ? -1 : 1;
    for (int k = 0; k < U; k++) {
        u = (u + step + U) % U;
        if (word_matches(s, u, word)) return s->word_first[u];
    }
    return -1;
}

int scene_units(const Scene *s, const AppState *st)
{
    if (!s->have) return 0;
    return st->words ? s->n_words : s->res.n;
}

int scene_unit_of(const Scene *s, const AppState *st, int t)
{
    if (!s->have || t < 0) return 0;
    if (t >= s->res.n) t = s->res.n - 1;
    return st->words ? s->word_of[t] : t;
}

const char *scene_unit_label(const Scene *s, const AppState *st, int u, int *w)
{
    if (st->words) {
        if (w) *w = s->word_label_w[u];
        return s->word_label[u];
    }
    if (w) *w = s->label_w[u];
    return s->label[u];
}

bool scene_masked(const Scene *s, const AppState *st, int i, int j)
{
    (void)st;
    /* The trace says: in a causal model a word sees the words before it
     * and, piece by piece, itself (units keep the tokens' order, so i and
     * j compare as tokens do); in a bidirectional one every word. */
    return s->have && s->res.trace->causal && j > i;
}

int scene_unit_first(const Scene *s, const AppState *st, int u)
{
    if (!st->words) return u;
    if (u < 0) return 0;
    return s->word_first[u > s->n_words ? s->n_words : u];
}

const char *scene_units_note(const AppState *st, bool brief)
{
    if (!st->words) return NULL;
    return brief ? "words" : "words (keys summed, queries averaged)";
}

int scene_count_tokens(const Scene *s, const char *text, size_t len)
{
    Token *t = NULL;
    size_t n = 0;
    char err[128];
    if (tokenizer_encode(s->model->tok, text, len, 0, &t, &n, err, sizeof err)) return -1;
    free(t);
    return n > (size_t)1 << 30 ? 1 << 30 : (int)n;
}

bool scene_stale(const Scene *s, const AppState *st)
{
    if (!s->have) return true;
    return s->res.len != st->len || memcmp(s->res.text, st->text, st->len) != 0;
}
