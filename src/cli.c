/* cli.c - the headless commands: model description, attention dumps, the
 * lesson's steps, benchmark. */
#include "cli.h"
#include "analysis.h"
#include "error.h"
#include "export.h"
#include "importance.h"
#include "induction.h"
#include "lesson.h"
#include "run.h"

#include <cblas.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "gguf.h"
#include "utf8.h"

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD. */
static void json_string(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
            i++;
        } else if (c == '\n') {
            fputs("\\n", out);
            i++;
        } else if (c == '\t') {
            fputs("\\t", out);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
            i++;
        } else {
            int n = (int)utf8_decode((const char *)p + i, len - i, NULL);
            if (n == 0) {
                fputs("\\ufffd", out);
                i++;
            } else {
                fwrite(p + i, 1, (size_t)n, out);
                i += (size_t)n;
            }
        }
    }
    fputc('"', out);
}

int cli_info(FILE *out, const Model *m, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    const ModelConfig *c = &m->cfg;
    const Gguf *g = m->gguf;
    /* Parameters and tensor types, counted over the whole directory. */
    uint64_t params = 0, per_type[64] = {0}, other = 0;
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const GgufTensor *t = gguf_tensor_at(g, i);
        params += t->n_elements;
        if ((unsigned)t->type < 64) per_type[t->type]++;
        else other++;
    }
    fprintf(out, "file:            %s\n", gguf_name(g));
    fprintf(out, "file size:       %llu bytes\n", (unsigned long long)gguf_file_size(g));
    fprintf(out, "gguf version:    %u\n", gguf_version(g));
    /* What the quantizer was asked for; the tensors line says what it did
     * (llama.cpp keeps norms F32 and substitutes types for narrow rows). */
    uint32_t ftype;
    if (gguf_find_kv(g, "general.file_type") &&
        gguf_get_u32(g, "general.file_type", &ftype, NULL, 0) == 0) {
        const char *fname = ggml_ftype_name(ftype);
        if (fname) fprintf(out, "file type:       %s\n", fname);
        else fprintf(out, "file type:       unknown (%u)\n", ftype);
    }
    fprintf(out, "name:            %s\n", m->name);
    fprintf(out, "architecture:    %s (%s)\n", m->arch->name, arch_masking_name(c->causal));
    fprintf(out, "parameters:      %llu\n", (unsigned long long)params);
    fprintf(out, "layers:          %d\n", c->n_layers);
    fprintf(out, "heads:           %d\n", c->n_heads);
    fprintf(out, "kv heads:        %d\n", c->n_kv_heads);
    fprintf(out, "embedding:       %d\n", c->dim);
    fprintf(out, "head size:       %d\n", c->head_dim);
    fprintf(out, "feed-forward:    %d\n", c->ffn_dim);
    fprintf(out, "context:         %d\n", c->context);
    fprintf(out, "vocabulary:      %d\n", c->vocab);
    fprintf(out, "rope:            %d dims, base %g\n", c->rope_dim, c->rope_base);
    fprintf(out, "rms epsilon:     %g\n", c->rms_eps);
    fprintf(out, "output:          %s\n", !m->output ? "none: final embeddings, no predictions"
                                         : model_fills_mask(m)
                                             ? "masked-word guesses, tied to token_embd "
                                               "(attnscope.mlm_head)"
                                         : m->output == m->tok_embd ? "tied to token_embd"
                                                                    : "output.weight");
    fprintf(out, "tensors:         %llu", (unsigned long long)gguf_tensor_count(g));
    const char *sep = " (";
    for (unsigned t = 0; t < 64; t++)
        if (per_type[t]) {
            fprintf(out, "%s%llu %s", sep, (unsigned long long)per_type[t], ggml_type_name(t));
            sep = ", ";
        }
    if (other) fprintf(out, "%s%llu other", sep, (unsigned long long)other);
    fprintf(out, "%s\n", strcmp(sep, ", ") == 0 ? ")" : "");
    const GgufKV *desc = gguf_find_kv(g, "general.description");
    if (desc && desc->type == GGUF_TYPE_STRING) {
        fputs("description:     ", out);
        fwrite(desc->v.str.ptr, 1, (size_t)desc->v.str.len, out);
        fputc('\n', out);
    }
    return 0;
}

/* The first token that starts a word beginning with WORD, the rule the
 * explorer's / follows (scene_find): a word starts at a token whose text
 * starts with a space, or at the first token covering any text; letters
 * compare with ASCII case folded.  -1 when there is none. */
static int find_word(const char *text, size_t len, const Token *toks, size_t n, const char *word)
{
    bool first = true;
    for (size_t i = 0; i < n && word[0]; i++) {
        size_t a = toks[i].start, k = 0;
        if (a >= toks[i].end) continue;
        bool starts = first || text[a] == ' ';
        first = false;
        if (!starts) continue;
        while (a < len && text[a] == ' ') a++;
        for (; word[k] && a < len; k++, a++) {
            unsigned char x = (unsigned char)text[a], y = (unsigned char)word[k];
            if (x < 0x80 && y < 0x80 ? tolower(x) != tolower(y) : x != y) break;
        }
        if (!word[k]) return (int)i;
    }
    return -1;
}

/* Point *OUT at the token --query names among N tokens, or say why not. */
static int resolve_query(const char *text, size_t len, const Token *toks, size_t n, int query,
                         const char *word, int *out, char *err, size_t errlen)
{
    if (word) {
        *out = find_word(text, len, toks, n, word);
        if (*out >= 0) return 0;
        error_set(err, errlen, "--query '%s': no word of the text starts with it", word);
        return 2;
    }
    if (query >= (int)n) {
        error_set(err, errlen, "--query %d: the text has tokens 0..%zu", query, n - 1);
        return 2;
    }
    *out = query;
    return 0;
}

int cli_query_token(const Model *m, const char *text, size_t len, int query, const char *word,
                    int *out, char *err, size_t errlen)
{
    Token *toks;
    size_t n;
    if (tokenizer_encode(m->tok, text, len, 0, &toks, &n, err, errlen)) return 1;
    int rc = resolve_query(text, len, toks, n, query, word, out, err, errlen);
    free(toks);
    return rc;
}

int cli_mask_span(const Model *m, const char *text, size_t len, const char *word, size_t *from,
                  size_t *to, char *err, size_t errlen)
{
    if (!model_fills_mask(m)) {
        error_set(err, errlen, "--mask: %s is not a masked-language model (it has no head that "
                  "guesses a hidden word%s)", m->name,
                  model_has_lm_head(m) ? "; it predicts the next token instead" : "");
        return 2;
    }
    Token *toks;
    size_t n;
    if (tokenizer_encode(m->tok, text, len, 0, &toks, &n, err, errlen)) return 1;
    int i = find_word(text, len, toks, n, word);
    if (i < 0) {
        free(toks);
        error_set(err, errlen, "--mask '%s': no word of the text starts with it", word);
        return 2;
    }
    size_t a = toks[i].start, e = a;
    free(toks);
    while (e < len && text[e] == ' ') e++;
    while (e < len && (isalnum((unsigned char)text[e]) || (unsigned char)text[e] >= 0x80)) e++;
    *from = a;
    *to = e;
    return 0;
}

/* The ids of the (at most) five largest of the N values V, largest first
 * (ties: the lower id); returns how many. */
static int top_five(const float *v, int n, int top[5])
{
    int k = n < 5 ? n : 5;
    for (int i = 0; i < k; i++) {
        int best = -1;
        for (int u = 0; u < n; u++) {
            int taken = 0;
            for (int j = 0; j < i; j++) taken |= top[j] == u;
            if (!taken && (best < 0 || v[u] > v[best])) best = u;
        }
        top[i] = best;
    }
    return k;
}

/* The masked-language model's top guesses at the first [MASK] (none: no
 * word is masked), as "mask_guesses". */
static void json_mask_guesses(FILE *out, const Model *m, const Token *toks, int n,
                              const AttentionTrace *t)
{
    int p = run_first_hidden(m, toks, n);
    float *logits = p >= 0 ? malloc((size_t)t->vocab * sizeof *logits) : NULL;
    if (!logits) {
        fputs(",\"mask_guesses\":null", out);
        return;
    }
    forward_logits(m, t, p, logits);
    int top[5], k = top_five(logits, t->vocab, top);
    fprintf(out, ",\"mask_guesses\":{\"position\":%d,\"top_ids\":[", p);
    for (int i = 0; i < k; i++) fprintf(out, i ? ",%d" : "%d", top[i]);
    fputs("],\"top_pieces\":[", out);
    for (int i = 0; i < k; i++) {
        if (i) fputc(',', out);
        const char *s = tokenizer_piece(m->tok, top[i]);
        json_string(out, s, strlen(s));
    }
    fputs("],\"top_values\":[", out);
    for (int i = 0; i < k; i++) fprintf(out, i ? ",%.7g" : "%.7g", logits[top[i]]);
    fputs("]}", out);
    free(logits);
}

static void json_matrix(FILE *out, const float *a, int n)
{
    fputc('[', out);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",[" : "[", out);
        for (int j = 0; j < n; j++) fprintf(out, j ? ",%.6g" : "%.6g", a[(size_t)i * n + j]);
        fputc(']', out);
    }
    fputc(']', out);
}

/* One query row explained through the shared kernel: q·k, the scaled score
 * (null where the causal mask hides the key) and the softmax weight. */
static void json_math(FILE *out, const AttentionTrace *t, const CliOptions *o, int query)
{
    int n = t->n_tokens;
    float *buf = malloc((size_t)n * 3 * sizeof *buf);
    if (!buf) return;
    AttentionRow row = {buf, buf + n, buf + 2 * n};
    trace_row(t, o->layer, o->head, query, &row);
    fprintf(out, ",\"query\":%d,\"math\":{\"scale\":%.9g,\"dot\":[", query, t->scale);
    for (int j = 0; j < n; j++) fprintf(out, j ? ",%.7g" : "%.7g", row.dot[j]);
    fputs("],\"scaled\":[", out);
    for (int j = 0; j < n; j++) {
        if (j) fputc(',', out);
        if (isinf(row.scaled[j])) fputs("null", out);
        else fprintf(out, "%.7g", row.scaled[j]);
    }
    fputs("],\"weight\":[", out);
    for (int j = 0; j < n; j++) fprintf(out, j ? ",%.7g" : "%.7g", row.prob[j]);
    fputs("]}", out);
    free(buf);
}

/* MATS: what --view asks for, one (n, n) matrix with --layer/--head, else
 * (layer, head, n, n) (view_matrices). */
static void json_dump(FILE *out, const Model *m, const CliOptions *o, const Token *toks, int n,
                      const AttentionTrace *t, const float *mats, int query)
{
    fputs("{\"model\":", out);
    json_string(out, m->name, strlen(m->name));
    fputs(",\"text\":", out);
    json_string(out, o->text, o->text_len);
    fputs(",\"tokens\":[", out);
    for (int i = 0; i < n; i++) fprintf(out, i ? ",%d" : "%d", toks[i].id);
    fputs("],\"pieces\":[", out);
    for (int i = 0; i < n; i++) {
        const char *p = tokenizer_piece(m->tok, toks[i].id);
        if (i) fputc(',', out);
        json_string(out, p, strlen(p));
    }
    fputs("],\"spans\":[", out);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s[%zu,%zu]", i ? "," : "", toks[i].start, toks[i].end);
    fprintf(out, "],\"n_layers\":%d,\"n_heads\":%d,\"n_kv_heads\":%d,\"head_dim\":%d,"
                 "\"causal\":%s",
            t->n_layers, t->n_heads, t->n_kv_heads, t->head_dim, t->causal ? "true" : "false");
    /* The heads --ablate knocked out, as [layer, head] pairs. */
    fputs(",\"ablated\":[", out);
    for (int l = 0, first = 1; l < t->n_layers; l++)
        for (int h = 0; h < t->n_heads; h++)
            if (trace_ablated(t, l, h)) fprintf(out, "%s[%d,%d]", first ? "" : ",", l, h), first = 0;
    fputc(']', out);
    fprintf(out, ",\"view\":\"%s\"", flow_key(o->view));
    if (o->layer >= 0) {
        fprintf(out, ",\"layer\":%d,\"head\":%d,\"attention\":", o->layer, o->head);
        json_matrix(out, mats, n);
        if (query >= 0) json_math(out, t, o, query);
    } else {
        fputs(",\"attention\":[", out);
        for (int l = 0; l < t->n_layers; l++) {
            fputs(l ? ",[" : "[", out);
            for (int h = 0; h < t->n_heads; h++) {
                if (h) fputc(',', out);
                json_matrix(out, mats + ((size_t)l * t->n_heads + h) * n * n, n);
            }
            fputc(']', out);
        }
        fputc(']', out);
    }
    /* The five largest logits of the last position (none: no language-model
     * head, an encoder). */
    if (!model_has_lm_head(m)) {
        if (model_fills_mask(m)) json_mask_guesses(out, m, toks, n, t);
        fputs(",\"logits_last\":null}\n", out);
        return;
    }
    int top[5], k = top_five(t->logits_last, t->vocab, top);
    fputs(",\"logits_last\":{\"top_ids\":[", out);
    for (int i = 0; i < k; i++) fprintf(out, i ? ",%d" : "%d", top[i]);
    fputs("],\"top_values\":[", out);
    for (int i = 0; i < k; i++) fprintf(out, i ? ",%.7g" : "%.7g", t->logits_last[top[i]]);
    fputs("]}}\n", out);
}

/* What every head does on the text: its pattern and numbers, one line each,
 * with the model's induction score (induction.h; measured on its own
 * sequence, without --ablate), whose tokens the comment line lists so that
 * a reference can rebuild it: BOS r_0 .. r_{T-1}, then r_0 .. r_{T-1} again. */
static int heads_dump(FILE *out, const Model *m, const AttentionTrace *t, char *err,
                      size_t errlen)
{
    float *induct = malloc((size_t)t->n_layers * t->n_heads * sizeof *induct);
    InductionInfo info;
    if (!induct) {
        error_set(err, errlen, "out of memory");
        return -1;
    }
    if (induction_measure(m, induct, &info, err, errlen)) {
        free(induct);
        return -1;
    }
    fprintf(out, "# induction: T=%d seed=%llu tokens %ld", info.T, (unsigned long long)info.seed,
            (long)info.bos);
    for (int j = 0; j < info.T; j++) fprintf(out, " %ld", (long)info.tokens[j]);
    fputc('\n', out);
    fprintf(out, "%5s %4s  %-14s %6s %6s %6s %6s %8s %7s\n", "layer", "head", "pattern", "score",
            "prev", "self", "first", "entropy", "induct");
    for (int l = 0; l < t->n_layers; l++)
        for (int h = 0; h < t->n_heads; h++) {
            HeadStats hs;
            analysis_head(trace_attn(t, l, h), t->n_tokens, &hs);
            analysis_set_induction(&hs, induct[(size_t)l * t->n_heads + h]);
            fprintf(out, "%5d %4d  %-14s %6.3f %6.3f %6.3f %6.3f %8.3f %7.5f\n", l, h,
                    analysis_pattern_name(hs.pattern), hs.score, hs.prev, hs.self, hs.first,
                    hs.entropy, hs.induction);
        }
    free(induct);
    return 0;
}

/* --dump logits: every logit of the last position, one a line in
 * vocabulary order, to 9 significant digits (what an independent
 * implementation's logits are compared with). */
static int logits_dump(FILE *out, const Model *m, const Token *toks, const AttentionTrace *t,
                       char *err, size_t errlen)
{
    if (!model_fills_mask(m)) {
        fprintf(out, "# logits after token %d of %d, %d of them, one per vocabulary id\n",
                t->n_tokens - 1, t->n_tokens, t->vocab);
        for (int v = 0; v < t->vocab; v++) fprintf(out, "%.9g\n", t->logits_last[v]);
        return 0;
    }
    /* A masked-language model: its guesses for the first hidden token
     * (--mask hid at least one: cli_dump asks for it). */
    int p = run_first_hidden(m, toks, t->n_tokens);
    if (p < 0) {
        error_set(err, errlen, "--dump logits: no token of the text is hidden as [MASK]");
        return -1;
    }
    float *logits = malloc((size_t)t->vocab * sizeof *logits);
    if (!logits) {
        error_set(err, errlen, "out of memory");
        return -1;
    }
    forward_logits(m, t, p, logits);
    fprintf(out, "# logits at the masked token %d of %d, %d of them, one per vocabulary id\n", p,
            t->n_tokens, t->vocab);
    for (int v = 0; v < t->vocab; v++) fprintf(out, "%.9g\n", logits[v]);
    free(logits);
    return 0;
}

/* --dump importance: every head's importance as a grid, layers down, heads
 * across (importance.h). */
static int importance_dump(FILE *out, const Model *m, const CliOptions *o, char *err,
                           size_t errlen)
{
    Importance imp;
    if (importance_measure(m, o->text, o->text_len, &imp, err, errlen)) return 1;
    const ModelConfig *c = &m->cfg;
    fprintf(out, "# importance: the loss (nats per next token of the text, %d tokens) with the "
            "head knocked out, minus %.4f without\n", imp.n, imp.loss);
    fprintf(out, "%5s", "layer");
    for (int h = 0; h < c->n_heads; h++) fprintf(out, "  head %-4d", h);
    fputc('\n', out);
    for (int l = 0; l < c->n_layers; l++) {
        fprintf(out, "%5d", l);
        for (int h = 0; h < c->n_heads; h++)
            fprintf(out, " %+10.4f", imp.delta[(size_t)l * c->n_heads + h]);
        fputc('\n', out);
    }
    importance_free(&imp);
    return 0;
}

int cli_prune(FILE *out, const Model *m, const CliOptions *o, int k, char *err, size_t errlen)
{
    const ModelConfig *c = &m->cfg;
    int heads = c->n_layers * c->n_heads;
    if (k < 1 || k > heads) {
        error_set(err, errlen, "--prune %d: give 1 to %d (the model's heads)", k, heads);
        return 2;
    }
    Importance imp;
    if (importance_measure(m, o->text, o->text_len, &imp, err, errlen)) return 1;
    unsigned char *mask = malloc((size_t)heads);
    PruneReport r;
    int rc = !mask ? -1 : importance_prune(m, o->text, o->text_len, &imp, k, mask, &r, err,
                                           errlen);
    if (rc == 0) {
        fprintf(out, "pruned %d of %d heads at once (one-shot: the least important on this "
                "text, not re-measured between removals):", k, heads);
        for (int i = 0; i < heads; i++)
            if (mask[i]) fprintf(out, " %d.%d", i / c->n_heads, i % c->n_heads);
        fprintf(out, "\nloss: %.4f -> %.4f nats per token (%+.1f%%)\n", r.loss_before,
                r.loss_after, 100.0 * (r.loss_after - r.loss_before) / r.loss_before);
        fprintf(out, "top-1 next token unchanged: %d of %d positions\n", r.top1_same,
                r.positions);
    } else if (!mask) {
        error_set(err, errlen, "out of memory");
    }
    free(mask);
    importance_free(&imp);
    if (rc) return 1;
    if (fflush(out) || ferror(out)) {
        error_set(err, errlen, "writing the report failed: %s", strerror(errno));
        return 1;
    }
    return 0;
}

/* One head as CSV or SVG, labelled with the token pieces. */
static int file_dump(FILE *out, const Model *m, const CliOptions *o, const Token *toks, int n,
                     const float *a)
{
    const char **labels = malloc((size_t)n * sizeof *labels);
    if (!labels) return -1;
    for (int i = 0; i < n; i++) labels[i] = tokenizer_piece(m->tok, toks[i].id);
    char title[300];
    if (o->view == FLOW_ATTENTION)
        snprintf(title, sizeof title, "%s: layer %d, head %d", m->name, o->layer, o->head);
    else
        snprintf(title, sizeof title, "%s: layer %d, head %d, %s", m->name, o->layer, o->head,
                 flow_name(o->view));
    int rc = o->format == DUMP_CSV ? export_csv(out, labels, n, a)
                                   : export_svg(out, title, labels, n, a);
    free(labels);
    return rc;
}

/* The matrices --view asks for: one head's (n, n) with --layer/--head, else
 * every head's (layer, head, n, n).  Attention is the trace's own (*OWNED
 * stays NULL); the other views are computed into *OWNED. */
static int view_matrices(const Model *m, const CliOptions *o, const AttentionTrace *t,
                         const float **mats, float **owned, char *err, size_t errlen)
{
    size_t nn = (size_t)t->n_tokens * t->n_tokens, L = (size_t)t->n_layers;
    *owned = NULL;
    if (o->view == FLOW_ATTENTION) {
        *mats = o->layer >= 0 ? trace_attn(t, o->layer, o->head) : t->attn;
        return 0;
    }
    float *buf = malloc(((o->layer >= 0 ? 1 : L * t->n_heads) * nn + 1) * sizeof *buf);
    int rc = buf ? 0 : -1;
    if (rc == 0 && o->layer >= 0)
        rc = flow_matrix(m, t, o->view, o->layer, o->head, buf);
    for (size_t l = 0; rc == 0 && o->layer < 0 && l < L; l++)
        rc = flow_layer(m, t, o->view, (int)l, buf + l * t->n_heads * nn);
    if (rc) {
        free(buf);
        error_set(err, errlen, "--view %s: out of memory", flow_key(o->view));
        return 1;
    }
    *mats = *owned = buf;
    return 0;
}

int cli_check_head(const ModelConfig *c, int layer, int head, char *err, size_t errlen)
{
    if (layer < c->n_layers && head < c->n_heads) return 0;
    error_set(err, errlen, "layer %d / head %d: the model has layers 0..%d and heads 0..%d",
              layer < 0 ? 0 : layer, head < 0 ? 0 : head, c->n_layers - 1, c->n_heads - 1);
    return 2;
}

int cli_dump(FILE *out, const Model *m, const CliOptions *o, char *err, size_t errlen)
{
    const ModelConfig *c = &m->cfg;
    if ((o->layer >= 0) != (o->head >= 0)) {
        error_set(err, errlen, "--layer and --head go together");
        return 2;
    }
    bool query = o->query >= 0 || o->query_word;
    if (query && (o->layer < 0 || o->format != DUMP_JSON)) {
        error_set(err, errlen, "--query explains one head's row: use it with --dump json "
                               "--layer L --head H");
        return 2;
    }
    if (query && o->view != FLOW_ATTENTION) {
        error_set(err, errlen, "--query explains a head's attention weights: leave out --view %s",
                  flow_key(o->view));
        return 2;
    }
    if (o->view != FLOW_ATTENTION &&
        (o->format == DUMP_HEADS || o->format == DUMP_IMPORTANCE || o->format == DUMP_LOGITS)) {
        error_set(err, errlen, "--view goes with --dump json, csv or svg, not --dump %s",
                  o->format == DUMP_HEADS ? "heads" : o->format == DUMP_LOGITS ? "logits"
                                                                              : "importance");
        return 2;
    }
    if (o->format == DUMP_LOGITS && model_fills_mask(m) && !o->mask_word) {
        error_set(err, errlen, "%s is a masked-language model: its logits are guesses for a "
                               "hidden word; name it with --mask WORD", m->name);
        return 2;
    }
    if (o->format == DUMP_LOGITS && !model_has_lm_head(m) && !model_fills_mask(m)) {
        error_set(err, errlen, "%s has no language-model head (an encoder): there are no "
                               "logits, only final embeddings", m->name);
        return 2;
    }
    if ((o->format == DUMP_HEADS || o->format == DUMP_LOGITS) && o->layer >= 0) {
        error_set(err, errlen, "--dump %s describes the whole model: leave out --layer/--head",
                  o->format == DUMP_HEADS ? "heads" : "logits");
        return 2;
    }
    if ((o->format == DUMP_CSV || o->format == DUMP_SVG) && o->layer < 0) {
        error_set(err, errlen, "--dump %s prints one head: give --layer L --head H",
                  o->format == DUMP_CSV ? "csv" : "svg");
        return 2;
    }
    if (cli_check_head(c, o->layer, o->head, err, errlen)) return 2;
    if (o->format == DUMP_IMPORTANCE) {
        int rc = importance_dump(out, m, o, err, errlen);
        if (!rc && (fflush(out) || ferror(out))) {
            error_set(err, errlen, "writing the dump failed: %s", strerror(errno));
            rc = 1;
        }
        return rc;
    }
    unsigned char *mask = NULL;
    if (o->ablate) {
        mask = malloc((size_t)c->n_layers * c->n_heads);
        if (!mask) {
            error_set(err, errlen, "out of memory");
            return 1;
        }
        if (run_parse_heads(c, o->ablate, mask, err, errlen)) {
            free(mask);
            return 2;
        }
    }
    RunRequest req = {.text = o->text, .len = o->text_len, .ablate = mask};
    if (o->mask_word) {
        int mrc = cli_mask_span(m, o->text, o->text_len, o->mask_word, &req.mask_from,
                                &req.mask_to, err, errlen);
        if (mrc) {
            free(mask);
            return mrc;
        }
    }
    RunResult r;
    int rc = run_text(m, &req, &r, err, errlen);
    free(mask);
    if (rc) return 1;
    const Token *toks = r.tokens;
    const AttentionTrace *t = r.trace;
    size_t n = (size_t)r.n;
    int q = -1;
    if (query) {
        rc = resolve_query(o->text, o->text_len, toks, n, o->query, o->query_word, &q, err, errlen);
        if (rc) {
            run_result_free(&r);
            return rc;
        }
    }
    const float *mats = NULL;
    float *owned = NULL;
    bool matrices = o->format != DUMP_HEADS && o->format != DUMP_LOGITS;
    if (matrices && view_matrices(m, o, t, &mats, &owned, err, errlen)) {
        run_result_free(&r);
        return 1;
    }
    if (o->format == DUMP_JSON) json_dump(out, m, o, toks, (int)n, t, mats, q);
    else if (o->format == DUMP_HEADS) rc = heads_dump(out, m, t, err, errlen);
    else if (o->format == DUMP_LOGITS) rc = logits_dump(out, m, toks, t, err, errlen);
    else file_dump(out, m, o, toks, (int)n, mats);
    free(owned);
    run_result_free(&r);
    if (rc) return 1;
    if (fflush(out) || ferror(out)) {
        error_set(err, errlen, "writing the dump failed: %s", strerror(errno));
        return 1;
    }
    return 0;
}

static void json_cstr(FILE *out, const char *s)
{
    json_string(out, s, strlen(s));
}

/* One measured step: where it looks, the numbers its caption quotes, the
 * caption itself. */
static void json_lesson_step(FILE *out, const Model *m, const LessonStep *s,
                             const LessonResult *r)
{
    int H = m->cfg.n_heads;
    fprintf(out, "{\"index\":%d,\"title\":", r->step + 1);
    json_cstr(out, s->title);
    fputs(",\"view\":", out);
    json_cstr(out, lesson_view_name(s->view));
    fputs(",\"sentence\":", out);
    json_cstr(out, s->sentence);
    if (s->twin) {
        fputs(",\"twin\":", out);
        json_cstr(out, s->twin);
    }
    fprintf(out, ",\"n_tokens\":%d,\"layer\":%d,\"head\":%d,\"query\":%d,\"query_word\":",
            r->n_tokens, r->layer, r->head, r->query);
    json_cstr(out, r->query_word);
    fprintf(out, ",\"key\":%d,\"key_word\":", r->key);
    json_cstr(out, r->key_word);
    if (r->twin_key >= 0) {
        fprintf(out, ",\"twin_key\":%d,\"twin_key_word\":", r->twin_key);
        json_cstr(out, r->twin_key_word);
    }
    fprintf(out, ",\"found\":%s,\"numbers\":{", r->found ? "true" : "false");
    for (int i = 0; i < r->n_numbers; i++) {
        if (i) fputc(',', out);
        json_cstr(out, r->numbers[i].name);
        fprintf(out, ":%.*f", r->numbers[i].decimals ? 6 : 0, r->numbers[i].value);
    }
    fputc('}', out);
    if (s->view == LESSON_VIEW_HEADS) {
        fputs(",\"heads\":[", out);
        for (int i = 0; i < r->n_head_rows; i++) {
            const LessonHeadRow *h = &r->heads[i];
            fprintf(out, "%s{\"head\":%d,\"role\":", i ? "," : "", h->head);
            json_cstr(out, analysis_pattern_name(h->role));
            fputs(",\"gloss\":", out);
            json_cstr(out, lesson_role_gloss(h->role));
            fprintf(out, ",\"score\":%.6f,\"top_key\":%d,\"top_word\":", h->score, h->top_key);
            json_cstr(out, h->top_word);
            fprintf(out, ",\"top_weight\":%.6f}", h->top_weight);
        }
        fputc(']', out);
    }
    if (s->view == LESSON_VIEW_PRUNE) {
        /* The heads as knocked out, in order, and after the first k of
         * them (k = 0, 1, ...): loss, top-1 agreement, the next token. */
        fputs(",\"prune\":{\"order\":[", out);
        for (int k = 0; k < r->n_prune; k++)
            fprintf(out, "%s[%d,%d]", k ? "," : "", r->prune_order[k] / H,
                    r->prune_order[k] % H);
        fputs("],\"loss\":[", out);
        for (int k = 0; k <= r->n_prune; k++) fprintf(out, k ? ",%.6f" : "%.6f", r->prune_loss[k]);
        fputs("],\"top1_same\":[", out);
        for (int k = 0; k <= r->n_prune; k++) fprintf(out, k ? ",%d" : "%d", r->prune_top1[k]);
        fputs("],\"next\":[", out);
        for (int k = 0; k <= r->n_prune; k++) fprintf(out, k ? ",%d" : "%d", r->prune_next[k]);
        fputs("]}", out);
    }
    fputs(",\"caption\":[", out);
    for (int i = 0; i < r->n_caption; i++) {
        if (i) fputc(',', out);
        json_cstr(out, r->caption[i]);
    }
    fputs("]}", out);
}

int cli_lesson(FILE *out, const Model *m, char *err, size_t errlen)
{
    /* Measure every step before printing, so a failure prints no half object. */
    int n = lesson_step_count();
    LessonResult *r = malloc((size_t)n * sizeof *r);
    if (!r) {
        error_set(err, errlen, "out of memory");
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (lesson_measure(m, i, &r[i], err, errlen)) {
            free(r);
            return 1;
        }
    fputs("{\"model\":", out);
    json_cstr(out, m->name);
    fputs(",\"steps\":[", out);
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', out);
        json_lesson_step(out, m, lesson_step(i), &r[i]);
    }
    fputs("]}\n", out);
    free(r);
    if (fflush(out) || ferror(out)) {
        error_set(err, errlen, "writing the lesson failed: %s", strerror(errno));
        return 1;
    }
    return 0;
}
