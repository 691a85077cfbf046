/* scene.c - see scene.h. */
#include "scene.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "trace.h"
#include "ui_text.h"
#include "utf8.h"

void scene_init(Scene *s, const Model *m, bool utf8)
{
    memset(s, 0, sizeof *s);
    s->model = m;
    s->utf8 = utf8;
    s->mean_layer = -1;
}

static void free_prepared(Scene *s)
{
    int n = s->res.n;
    for (int i = 0; s->shown && i < n; i++) free(s->shown[i]);
    for (int i = 0; s->label && i < n; i++) free(s->label[i]);
    free(s->shown), free(s->shown_w), free(s->label), free(s->label_w);
    free(s->stats), free(s->mean), free(s->row), free(s->row_tmp), free(s->multi_rows);
    free(s->dot), free(s->scaled), free(s->weight), free(s->out), free(s->logits);
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

static char *render(const char *p, size_t len, bool utf8, int max_cols, int *w)
{
    size_t cap = len * 3 + 8;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = '\0';
    *w = ui_text_render(p, len, utf8, out, cap, max_cols, NULL);
    return out;
}

/* A label: the span without its leading spaces; for tokens that cover no
 * text (BOS, the inserted "▁") or part of a character, the piece itself. */
static char *make_label(const Scene *s, const Token *t, int *w)
{
    const char *text = s->res.text;
    size_t a = t->start, b = t->end;
    while (a < b && text[a] == ' ') a++;
    bool partial = false;
    if (a < b) {
        /* A byte token inside a multi-byte character shows as its piece. */
        unsigned char c0 = (unsigned char)text[a];
        partial = (c0 & 0xC0) == 0x80 || (b - a == 1 && c0 >= 0x80);
    }
    if (a == b || partial) {
        const char *piece = tokenizer_piece(s->model->tok, t->id);
        return render(piece, strlen(piece), s->utf8, SCENE_LABEL_COLS, w);
    }
    return render(text + a, b - a, s->utf8, SCENE_LABEL_COLS, w);
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
    s->logits = calloc((size_t)t->vocab, sizeof *s->logits);
    if (!s->dot || !s->scaled || !s->weight || !s->out || !s->logits) goto oom;
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
        size_t a = tok->start, b = tok->end;
        while (b < len && !starts[b]) b++;
        while (a < b && !starts[a]) a++;
        s->shown[i] = render(s->res.text + a, b - a, s->utf8, 1 << 20, &s->shown_w[i]);
        s->label[i] = make_label(s, tok, &s->label_w[i]);
        if (!s->shown[i] || !s->label[i]) {
            free(starts);
            goto oom;
        }
    }
    free(starts);
    /* The sidebar's numbers: what each head does on this sentence. */
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++)
            analysis_head(trace_attn(t, (int)l, (int)h), n, &s->stats[l * H + h]);
    top_next(s->res.trace->logits_last, t->vocab, s->next_id[0], s->next_p[0]);
    s->mean_layer = -1;
    s->have = true;
    return 0;
oom:
    scene_free(s);
    return -1;
}

void scene_update(Scene *s, const AppState *st)
{
    if (!s->have) return;
    /* The vocabulary product is the costliest step of a cursor move on a
     * large model: only when the next-token panel shows its result. */
    if (st->predict) {
        forward_logits(s->model, s->res.trace, st->query, s->logits);
        top_next(s->logits, s->res.trace->vocab, s->next_id[1], s->next_p[1]);
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
        for (int j = 0; j <= st->query; j++) sum += (double)s->weight[j] * scene_v(s, st, j)[c];
        s->out[c] = (float)sum;
    }
    if (st->mean) {
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int h = 0; h < H; h++) sum += s->multi_rows[(size_t)h * n + j];
            s->row[j] = (float)(sum / H);
        }
        if (s->mean_layer != st->layer) {
            for (size_t i = 0; i < (size_t)n * n; i++) {
                double sum = 0;
                for (int h = 0; h < H; h++) sum += trace_attn(t, st->layer, h)[i];
                s->mean[i] = (float)(sum / H);
            }
            s->mean_layer = st->layer;
        }
    } else {
        memcpy(s->row, s->multi_rows + (size_t)st->head * n, (size_t)n * sizeof *s->row);
    }
}

const float *scene_matrix(const Scene *s, const AppState *st)
{
    if (st->mean && s->mean_layer == st->layer) return s->mean;
    return trace_attn(s->res.trace, st->layer, st->head);
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

int scene_top(const Scene *s, int k, int *ids)
{
    int n = s->res.n, got = 0;
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

/* Does token I start a word: its text starts with a space, or it is the
 * first token that covers any text. */
static bool starts_word(const Scene *s, int i)
{
    const Token *t = &s->res.tokens[i];
    if (t->start >= t->end) return false;
    if (s->res.text[t->start] == ' ') return true;
    for (int j = 0; j < i; j++)
        if (s->res.tokens[j].end > s->res.tokens[j].start) return false;
    return true;
}

static bool word_matches(const Scene *s, int i, const char *word)
{
    const char *text = s->res.text;
    size_t a = s->res.tokens[i].start, len = s->res.len, k = 0;
    while (a < len && text[a] == ' ') a++;
    for (; word[k]; k++, a++) {
        if (a >= len) return false;
        unsigned char x = (unsigned char)text[a], y = (unsigned char)word[k];
        if (x < 0x80 && y < 0x80 ? tolower(x) != tolower(y) : x != y) return false;
    }
    return k > 0;
}

int scene_find(const Scene *s, const char *word, int from, int dir)
{
    int n = s->have ? s->res.n : 0;
    if (n == 0 || !word || !word[0]) return -1;
    if (from < -1 || from >= n) from = -1;
    int step = dir < 0 ? -1 : 1, i = from;
    for (int k = 0; k < n; k++) {
        i = (i + step + n) % n;
        if (starts_word(s, i) && word_matches(s, i, word)) return i;
    }
    return -1;
}

/* Units are tokens for now: whole words are built on these (w). */
int scene_units(const Scene *s, const AppState *st)
{
    (void)st;
    return s->have ? s->res.n : 0;
}

int scene_unit_of(const Scene *s, const AppState *st, int t)
{
    (void)s, (void)st;
    return t;
}

const char *scene_unit_label(const Scene *s, const AppState *st, int u, int *w)
{
    (void)st;
    if (w) *w = s->label_w[u];
    return s->label[u];
}

bool scene_masked(const Scene *s, const AppState *st, int i, int j)
{
    (void)s, (void)st;
    return j > i; /* every model read today is causal */
}
