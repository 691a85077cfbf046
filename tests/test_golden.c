/*
 * test_golden.c - attnscope's numbers against an independent implementation.
 *
 * Two sets of references, each computed in float64 by code that shares
 * nothing with ours: ../shared/golden/ for ../shared/models/ref260K.gguf
 * (see its README), and tests/golden/NAME/ for each bundled data/NAME.gguf
 * (written by tools/golden/make_golden.py).  For every file the token ids
 * must be identical and every attention value within 1e-4, both through the
 * core directly and through the command line (`attnscope --dump json`),
 * whose output is parsed as JSON.
 */
#include <cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "model.h"
#include "tap.h"
#include "testutil.h"

#define TOLERANCE 1e-4

/* Compare an [layer][head][query][key] JSON array with a getter. */
typedef double (*AttnGetter)(const void *ctx, int l, int h, int i, int j);

static double trace_get(const void *ctx, int l, int h, int i, int j)
{
    const AttentionTrace *t = ctx;
    return trace_attn(t, l, h)[(size_t)i * t->n_tokens + j];
}

static double json_get(const void *ctx, int l, int h, int i, int j)
{
    const cJSON *a = ctx;
    const cJSON *v = cJSON_GetArrayItem(
        cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetArrayItem(a, l), h), i), j);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Largest difference from the golden attention; NAN when a value is missing. */
static double attn_max_diff(const cJSON *golden, int L, int H, int n, AttnGetter get,
                            const void *ctx, int *where)
{
    double worst = 0;
    for (int l = 0; l < L; l++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double want = json_get(golden, l, h, i, j), got = get(ctx, l, h, i, j);
                    double d = fabs(want - got);
                    if (isnan(d)) return NAN;
                    if (d > worst) {
                        worst = d;
                        where[0] = l, where[1] = h, where[2] = i, where[3] = j;
                    }
                }
    return worst;
}

static int ids_equal(const cJSON *arr, const int32_t *ids, int n)
{
    if (cJSON_GetArraySize(arr) != n) return 0;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(arr, i);
        if (!cJSON_IsNumber(v) || v->valueint != ids[i]) return 0;
    }
    return 1;
}

static void check_core(const Model *m, const char *name, const cJSON *g)
{
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(g, "text"));
    Token *toks;
    size_t n;
    char err[512];
    if (!ok(text && tokenizer_encode(m->tok, text, strlen(text), 0, &toks, &n, err, sizeof err) == 0,
            "%s: core tokenizes", name)) {
        skip("no tokens");
        skip("no tokens");
        skip("no tokens");
        return;
    }
    int32_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++) ids[i] = toks[i].id;
    free(toks);
    ok(ids_equal(cJSON_GetObjectItem(g, "tokens"), ids, (int)n), "%s: core token ids identical",
       name);
    AttentionTrace *t;
    if (!ok(forward_run(m, ids, (int)n, &t, err, sizeof err) == 0, "%s: forward pass runs", name)) {
        diag("%s", err);
        skip("no trace");
        free(ids);
        return;
    }
    int where[4] = {0};
    double d = attn_max_diff(cJSON_GetObjectItem(g, "attention"), t->n_layers, t->n_heads,
                             (int)n, trace_get, t, where);
    if (!ok(d <= TOLERANCE, "%s: core attention within %g (worst %.2g)", name, TOLERANCE, d))
        diag("worst at layer %d head %d query %d key %d", where[0], where[1], where[2], where[3]);
    trace_free(t);
    free(ids);
}

static void check_cli(const char *model_path, const char *name, const cJSON *g)
{
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(g, "text"));
    char *argv[] = {(char *)test_attnscope_bin(), "--model", (char *)model_path, "--text",
                    (char *)(text ? text : ""), "--dump", "json", NULL};
    char *out, *errtext;
    size_t len;
    int rc = test_run(argv, &out, &len, &errtext);
    cJSON *got = cJSON_Parse(out);
    if (!ok(rc == 0 && got, "%s: attnscope --dump json exits 0 with valid JSON", name))
        diag("exit %d, stderr: %s", rc, errtext);
    const cJSON *tokens = cJSON_GetObjectItem(got, "tokens");
    int n = cJSON_GetArraySize(tokens);
    int32_t *ids = malloc(((size_t)n + 1) * sizeof *ids);
    for (int i = 0; i < n; i++) ids[i] = cJSON_GetArrayItem(tokens, i)->valueint;
    ok(got && ids_equal(cJSON_GetObjectItem(g, "tokens"), ids, n), "%s: CLI token ids identical",
       name);
    int pieces_ok = got != NULL;
    const cJSON *gp = cJSON_GetObjectItem(g, "pieces"), *op = cJSON_GetObjectItem(got, "pieces");
    for (int i = 0; pieces_ok && i < cJSON_GetArraySize(gp); i++) {
        const char *a = cJSON_GetStringValue(cJSON_GetArrayItem(gp, i));
        const char *b = cJSON_GetStringValue(cJSON_GetArrayItem(op, i));
        pieces_ok = a && b && strcmp(a, b) == 0;
    }
    ok(pieces_ok && cJSON_GetArraySize(op) == cJSON_GetArraySize(gp), "%s: CLI pieces identical",
       name);
    int where[4] = {0};
    const cJSON *ga = cJSON_GetObjectItem(g, "attention");
    int L = cJSON_GetObjectItem(g, "n_layers") ? cJSON_GetObjectItem(g, "n_layers")->valueint : 0;
    int H = cJSON_GetObjectItem(g, "n_heads") ? cJSON_GetObjectItem(g, "n_heads")->valueint : 0;
    double d = got && L > 0 && H > 0
                   ? attn_max_diff(ga, L, H, n, json_get, cJSON_GetObjectItem(got, "attention"), where)
                   : NAN;
    if (!ok(d <= TOLERANCE, "%s: CLI attention within %g (worst %.2g)", name, TOLERANCE, d))
        diag("worst at layer %d head %d query %d key %d", where[0], where[1], where[2], where[3]);
    /* The top next token is the same; its logit agrees to float32 rounding. */
    const cJSON *gl = cJSON_GetObjectItem(g, "logits_last"), *ol = cJSON_GetObjectItem(got, "logits_last");
    if (cJSON_IsNull(gl)) {
        /* An encoder (the reference says it has no next-token head). */
        ok(got && cJSON_IsNull(ol), "%s: no next-token logits, as in the reference", name);
        free(ids);
        cJSON_Delete(got);
        free(out);
        free(errtext);
        return;
    }
    const cJSON *gid = cJSON_GetArrayItem(cJSON_GetObjectItem(gl, "top_ids"), 0);
    const cJSON *oid = cJSON_GetArrayItem(cJSON_GetObjectItem(ol, "top_ids"), 0);
    const cJSON *gv = cJSON_GetArrayItem(cJSON_GetObjectItem(gl, "top_values"), 0);
    const cJSON *ov = cJSON_GetArrayItem(cJSON_GetObjectItem(ol, "top_values"), 0);
    ok(gid && oid && gid->valueint == oid->valueint && fabs(gv->valuedouble - ov->valuedouble) < 1e-3,
       "%s: top next token and its logit agree", name);
    free(ids);
    cJSON_Delete(got);
    free(out);
    free(errtext);
}

/* --query: the math of the last query but one of layer 0, head 0 must give
 * the golden weights, and be self-consistent: scaled = dot * scale, softmax
 * of the scaled scores = the weights, masked keys null (in a causal model
 * the last key; in an encoder, which --dump json says, none). */
static void check_query_math(const char *model_path, const char *name, const cJSON *g)
{
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(g, "text"));
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(g, "tokens"));
    if (n < 2 || !text) return; /* one token: nothing to explain */
    char q[16];
    snprintf(q, sizeof q, "%d", n - 2);
    char *argv[] = {(char *)test_attnscope_bin(), "--model", (char *)model_path, "--text",
                    (char *)text, "--dump", "json", "--layer", "0", "--head", "0", "--query", q, NULL};
    char *out;
    size_t len;
    test_run(argv, &out, &len, NULL);
    cJSON *got = cJSON_Parse(out);
    const cJSON *math = cJSON_GetObjectItem(got, "math");
    const cJSON *dot = cJSON_GetObjectItem(math, "dot"), *sc = cJSON_GetObjectItem(math, "scaled"),
                *w = cJSON_GetObjectItem(math, "weight");
    double scale = cJSON_GetNumberValue(cJSON_GetObjectItem(math, "scale"));
    const cJSON *want = cJSON_GetArrayItem(
        cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(g, "attention"), 0), 0), n - 2);
    double worst_ref = 0, worst_scale = 0, worst_soft = 0, max = -INFINITY, sum = 0;
    int masked_ok = 1;
    /* The last key the query sees. */
    int last = cJSON_IsFalse(cJSON_GetObjectItem(got, "causal")) ? n - 1 : n - 2;
    for (int j = 0; j < n; j++) {
        const cJSON *s = cJSON_GetArrayItem(sc, j);
        if (j > last) {
            masked_ok &= cJSON_IsNull(s) && cJSON_GetArrayItem(w, j)->valuedouble == 0.0;
            continue;
        }
        if (!cJSON_IsNumber(s)) { masked_ok = 0; continue; }
        if (s->valuedouble > max) max = s->valuedouble;
        double d = fabs(s->valuedouble - cJSON_GetArrayItem(dot, j)->valuedouble * scale);
        if (d > worst_scale) worst_scale = d;
    }
    for (int j = 0; j <= last && masked_ok; j++) sum += exp(cJSON_GetArrayItem(sc, j)->valuedouble - max);
    for (int j = 0; j <= last && masked_ok; j++) {
        double p = exp(cJSON_GetArrayItem(sc, j)->valuedouble - max) / sum;
        double wj = cJSON_GetArrayItem(w, j)->valuedouble;
        if (fabs(p - wj) > worst_soft) worst_soft = fabs(p - wj);
        double r = fabs(wj - cJSON_GetArrayItem(want, j)->valuedouble);
        if (r > worst_ref) worst_ref = r;
    }
    ok(got && math && masked_ok && worst_ref <= TOLERANCE && worst_scale < 1e-5 && worst_soft < 1e-5,
       "%s: --query %d math: weights within %g of the reference (%.2g), scaled = q·k·scale, "
       "softmax(scaled) = weights (%.2g), masked keys null", name, n - 2, TOLERANCE, worst_ref,
       worst_soft);
    cJSON_Delete(got);
    free(out);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare MODEL_PATH with every JSON reference in DIR. */
static void check_set(const char *model_path, const char *dir)
{
    DIR *d = opendir(dir);
    char *names[256];
    int count = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && count < 256) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) names[count++] = strdup(e->d_name);
    }
    if (d) closedir(d);
    qsort(names, (size_t)count, sizeof *names, by_name);

    Model *m;
    char err[512];
    ok(count > 0, "found %d golden files in %s", count, dir);
    if (!ok(model_open(&m, model_path, err, sizeof err) == 0, "open %s", model_path)) {
        diag("%s", err);
        for (int i = 0; i < count; i++) free(names[i]);
        return;
    }
    for (int i = 0; i < count; i++) {
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = test_read_file(path, NULL);
        cJSON *g = cJSON_Parse(text);
        if (ok(g != NULL, "%s parses", names[i])) {
            check_core(m, names[i], g);
            check_cli(model_path, names[i], g);
            check_query_math(model_path, names[i], g);
        }
        cJSON_Delete(g);
        free(text);
        free(names[i]);
    }
    model_close(m);
}

int main(void)
{
    char dir[4200], model_path[4200];
    /* The bundled models, always present in the source tree. */
    const char *srcdir = getenv("ATTNSCOPE_SRCDIR");
    if (!srcdir || !*srcdir) srcdir = "..";
    snprintf(dir, sizeof dir, "%s/data", srcdir);
    DIR *data = opendir(dir);
    struct dirent *e;
    int bundled = 0;
    while (data && (e = readdir(data))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".gguf") != 0) continue;
        snprintf(model_path, sizeof model_path, "%s/data/%s", srcdir, e->d_name);
        snprintf(dir, sizeof dir, "%s/tests/golden/%.*s", srcdir, (int)(len - 5), e->d_name);
        check_set(model_path, dir);
        bundled++;
    }
    if (data) closedir(data);
    if (!bundled) skip("no bundled model in data/");

    const char *shared = test_shared_dir();
    if (!shared) {
        skip("../shared not found: no ref260K golden references to compare against");
    } else {
        snprintf(dir, sizeof dir, "%s/golden", shared);
        snprintf(model_path, sizeof model_path, "%s/models/ref260K.gguf", shared);
        check_set(model_path, dir);
    }
    done_testing();
    return exit_status();
}
