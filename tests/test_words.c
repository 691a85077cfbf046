/*
 * test_words.c - words and pieces in the scene, without a terminal: labels
 * read as text (no "▁", no "<0x..>"), the "·" that joins the pieces of a
 * split word, the words themselves, the matrix over words (key pieces
 * summed, query pieces averaged) against sums and means taken here from the
 * trace's own numbers (what --dump prints), finding a word, the token count
 * of the edit line and the stale test.
 *
 * The bundled model splits "bank" into ▁b + ank and "steep" into ▁ste + ep,
 * and has byte tokens for é and 😀 (see --dump json).
 */
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_state.h"
#include "model.h"
#include "scene.h"
#include "tap.h"
#include "testutil.h"
#include "trace.h"
#include "worker.h"

#define BANK "The bank by the river was steep."

/* Compute TEXT and install it into a fresh scene; false on failure. */
static bool load(Scene *sc, const Model *m, bool utf8, const char *text, AppState *st)
{
    scene_init(sc, m, utf8);
    WorkResult r;
    work_compute(m, text, strlen(text), 1, &r);
    if (r.failed || scene_install(sc, &r)) {
        diag("cannot compute \"%s\": %s", text, r.message);
        work_result_free(&r);
        return false;
    }
    app_state_init(st, m->cfg.n_layers, m->cfg.n_heads, text, strlen(text));
    app_state_set_tokens(st, sc->res.n);
    scene_update(sc, st);
    return true;
}

static bool has(const char *s, const char *what) { return strstr(s, what) != NULL; }

/* No label of the scene, per token or per word, shows a vocabulary string. */
static bool labels_are_text(const Scene *sc, char *bad, size_t cap)
{
    for (int i = 0; i < sc->res.n; i++)
        if (has(sc->label[i], "\xE2\x96\x81") || has(sc->label[i], "<0x")) {
            snprintf(bad, cap, "token %d: \"%s\"", i, sc->label[i]);
            return false;
        }
    for (int u = 0; u < sc->n_words; u++)
        if (has(sc->word_label[u], "\xE2\x96\x81") || has(sc->word_label[u], "<0x")) {
            snprintf(bad, cap, "word %d: \"%s\"", u, sc->word_label[u]);
            return false;
        }
    return true;
}

static void test_pieces(const Model *m)
{
    Scene sc;
    AppState st;
    if (!load(&sc, m, true, BANK, &st)) {
        skip("the bank sentence did not compute");
        return;
    }
    /* <s> ▁The ▁b ank ▁by ▁the ▁river ▁was ▁ste ep . */
    is_int(sc.res.n, 11, "\"%s\" is 11 tokens in the bundled model", BANK);
    const char *want[] = {"<s>", "The", "b\xC2\xB7", "\xC2\xB7" "ank", "by", "the", "river",
                          "was", "ste\xC2\xB7", "\xC2\xB7" "ep", "."};
    int same = 0;
    for (int i = 0; i < 11 && i < sc.res.n; i++) {
        same += strcmp(sc.label[i], want[i]) == 0;
        if (strcmp(sc.label[i], want[i]) != 0) diag("label %d: \"%s\", want \"%s\"", i, sc.label[i], want[i]);
    }
    is_int(same, 11, "labels: b· ·ank and ste· ·ep mark the split words, the rest plain text");
    ok(sc.label_w[3] == 4 && sc.label_w[2] == 2, "a mark is one column (·ank 4, b· 2)");
    int splits = 0;
    for (int i = 0; i < sc.res.n; i++) splits += sc.split[i];
    ok(splits == 2 && sc.split[3] && sc.split[9], "the strip joins ank to b and ep to ste, nothing else");

    /* Words: <s> The bank by the river was steep . */
    is_int(sc.n_words, 9, "9 words: BOS, seven words, and the full stop");
    const char *words[] = {"<s>", "The", "bank", "by", "the", "river", "was", "steep", "."};
    same = 0;
    for (int u = 0; u < 9 && u < sc.n_words; u++) {
        same += strcmp(sc.word_label[u], words[u]) == 0;
        if (strcmp(sc.word_label[u], words[u]) != 0) diag("word %d: \"%s\"", u, sc.word_label[u]);
    }
    is_int(same, 9, "word labels are the whole words: bank, steep");
    ok(sc.word_of[2] == 2 && sc.word_of[3] == 2 && sc.word_of[8] == 7 && sc.word_of[9] == 7 &&
           sc.word_of[10] == 8,
       "b and ank are word 2, ste and ep word 7, \".\" word 8");
    st.words = true;
    is_int(scene_units(&sc, &st), 9, "under w: 9 units");
    is_int(scene_unit_of(&sc, &st, 3), 2, "token ank is in unit 2");
    is_int(scene_unit_first(&sc, &st, 7), 8, "unit 7 (steep) starts at token 8");
    int w = 0;
    ok(strcmp(scene_unit_label(&sc, &st, 2, &w), "bank") == 0 && w == 4, "unit 2 is labelled bank");
    ok(scene_units_note(&st, false) && has(scene_units_note(&st, false), "words") &&
           scene_units_note(&st, true),
       "under w the note says words");
    st.words = false;
    is_int(scene_units(&sc, &st), 11, "without w: 11 units, the tokens");
    ok(scene_units_note(&st, false) == NULL, "without w: no note");

    /* Finding: a word, never a piece inside one. */
    is_int(scene_find(&sc, "bank", -1, 1), 2, "/bank finds the word b·ank at token 2");
    is_int(scene_find(&sc, "BAN", -1, 1), 2, "/BAN finds it too (a prefix, case folded)");
    is_int(scene_find(&sc, "ank", -1, 1), -1, "/ank finds nothing: it is not a word's start");
    is_int(scene_find(&sc, "steep", 2, 1), 8, "/steep finds ste·ep at token 8");
    is_int(scene_find(&sc, "the", 5, 1), 1, "n from the second \"the\" goes round to The");
    is_int(scene_find(&sc, "the", 2, -1), 1, "N from bank finds The before it");
    is_int(scene_find(&sc, "the", 3, 1), 5, "n from ank (inside bank) finds the next \"the\"");
    is_int(scene_find(&sc, "<s>", -1, 1), -1, "BOS is not a word of the text");

    /* The token count of the edit line and the stale test. */
    is_int(scene_count_tokens(&sc, BANK, strlen(BANK)), 11, "the sentence counts 11 tokens");
    is_int(scene_count_tokens(&sc, "", 0), 1, "an empty text counts BOS alone");
    ok(!scene_stale(&sc, &st), "the scene is for the text typed: not stale");
    app_state_free(&st);
    app_state_init(&st, m->cfg.n_layers, m->cfg.n_heads, BANK " More.", strlen(BANK " More."));
    ok(scene_stale(&sc, &st), "a longer text typed: stale");
    app_state_free(&st);
    app_state_init(&st, m->cfg.n_layers, m->cfg.n_heads, "The bank by the river was steeP.",
                   strlen(BANK));
    ok(scene_stale(&sc, &st), "a text of the same length, one letter changed: stale");
    app_state_free(&st);
    scene_free(&sc);

    /* Without UTF-8 the marks are ASCII. */
    if (load(&sc, m, false, BANK, &st)) {
        ok(strcmp(sc.label[2], "b-") == 0 && strcmp(sc.label[3], "-ank") == 0,
           "ASCII: labels b- and -ank (got %s %s)", sc.label[2], sc.label[3]);
        app_state_free(&st);
    }
    scene_free(&sc);
}

/* Byte tokens: é and 😀 as characters, the rest of their bytes "…". */
static void test_bytes(const Model *m, bool have_locale)
{
    Scene sc;
    AppState st;
    const char *text = "caf\xC3\xA9 \xF0\x9F\x98\x80";
    if (!load(&sc, m, true, text, &st)) {
        skip("café 😀 did not compute");
        return;
    }
    char bad[128] = "";
    ok(labels_are_text(&sc, bad, sizeof bad), "café 😀: no ▁ and no <0x..> in any label %s", bad);
    /* <s> ▁ca f <0xC3> <0xA9> ▁ <0xF0> <0x9F> <0x98> <0x80> */
    int n = sc.res.n;
    if (have_locale && n == 10) {
        ok(strcmp(sc.label[1], "ca\xC2\xB7") == 0 && strcmp(sc.label[2], "\xC2\xB7" "f\xC2\xB7") == 0 &&
               strcmp(sc.label[3], "\xC2\xB7\xC3\xA9") == 0,
           "café: ca· ·f· ·é (got %s %s %s)", sc.label[1], sc.label[2], sc.label[3]);
        ok(strcmp(sc.label[4], "\xE2\x80\xA6") == 0 && strcmp(sc.label[7], "\xE2\x80\xA6") == 0 &&
               strcmp(sc.label[9], "\xE2\x80\xA6") == 0,
           "the second byte of é and the last three of 😀 are … (continuations)");
        ok(strcmp(sc.label[6], "\xF0\x9F\x98\x80") == 0, "the first byte token of 😀 shows 😀");
        ok(strcmp(sc.label[5], "\xE2\x90\xA3") == 0, "the space alone in its token is ␣");
        ok(sc.n_words == 3 && strcmp(sc.word_label[1], "caf\xC3\xA9") == 0 &&
               strcmp(sc.word_label[2], "\xF0\x9F\x98\x80") == 0,
           "words: <s>, café, 😀 (the space belongs to the word after it)");
        ok(!sc.split[4] && !sc.split[6] && sc.split[3],
           "marks: none inside a character, none after a space, one before é");
    } else {
        skip("no C.UTF-8 locale, or the pieces changed: byte labels not checked one by one");
    }
    app_state_free(&st);
    scene_free(&sc);

    /* A byte that is not UTF-8 is U+FFFD. */
    const char *invalid = "a\xFF" "b";
    if (load(&sc, m, true, invalid, &st)) {
        bool fffd = false;
        for (int i = 0; i < sc.res.n; i++) fffd |= has(sc.label[i], "\xEF\xBF\xBD");
        ok(labels_are_text(&sc, bad, sizeof bad) && fffd, "a\\xFFb: the lone byte is U+FFFD %s",
           bad);
        app_state_free(&st);
    }
    scene_free(&sc);
}

/* W[I][J] = mean over query pieces i of I of the sum over key pieces j of
 * J of A[i][j], from the trace's matrix A. */
static double words_diff(const Scene *sc, const float *a, const float *W)
{
    int n = sc->res.n, U = sc->n_words;
    double worst = 0;
    for (int I = 0; I < U; I++)
        for (int J = 0; J < U; J++) {
            double mean = 0;
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (sc->word_of[i] != I) continue;
                double sum = 0;
                for (int j = 0; j < n; j++)
                    if (sc->word_of[j] == J) sum += a[(size_t)i * n + j];
                mean += sum;
                count++;
            }
            double d = fabs(mean / count - W[(size_t)I * U + J]);
            if (d > worst) worst = d;
        }
    return worst;
}

static void test_matrix(const Model *m, const char *text)
{
    Scene sc;
    AppState st;
    if (!load(&sc, m, true, text, &st)) {
        skip("the sentence did not compute");
        return;
    }
    const AttentionTrace *t = sc.res.trace;
    int n = sc.res.n, U = sc.n_words;
    st.words = true;
    double worst = 0, row_err = 0;
    bool masked_zero = true, row_ok = true;
    for (int l = 0; l < t->n_layers; l++)
        for (int h = 0; h < t->n_heads; h++) {
            st.layer = l, st.head = h;
            for (int q = 0; q < n; q++) {
                st.query = st.key = q;
                scene_update(&sc, &st);
                const float *W = scene_matrix(&sc, &st);
                if (q == 0) {
                    double d = words_diff(&sc, trace_attn(t, l, h), W);
                    if (d > worst) worst = d;
                    for (int I = 0; I < U; I++) {
                        double sum = 0;
                        for (int J = 0; J < U; J++) {
                            sum += W[(size_t)I * U + J];
                            masked_zero &= !scene_masked(&sc, &st, I, J) || W[(size_t)I * U + J] == 0;
                        }
                        if (fabs(sum - 1) > row_err) row_err = fabs(sum - 1);
                    }
                }
                /* The row on screen is the query word's row of W. */
                int I = scene_unit_of(&sc, &st, q);
                row_ok &= sc.row_n == U &&
                          memcmp(sc.row, W + (size_t)I * U, (size_t)U * sizeof *sc.row) == 0;
            }
        }
    ok(worst <= 1e-6, "\"%s\": every head's word matrix is the mean over query pieces of the "
       "sum over key pieces (max diff %.2g)", text, worst);
    ok(row_err <= 1e-5, "every row over words sums to 1 (max error %.2g)", row_err);
    ok(masked_zero, "cells of later words (scene_masked) are exactly 0");
    ok(row_ok, "the row on screen is the query word's row, for every query token");

    /* The layer mean over words. */
    st.mean = true, st.layer = 1, st.query = n - 1;
    scene_update(&sc, &st);
    float *mean = malloc((size_t)n * n * sizeof *mean);
    if (mean) {
        for (size_t i = 0; i < (size_t)n * n; i++) {
            double s = 0;
            for (int h = 0; h < t->n_heads; h++) s += trace_attn(t, 1, h)[i];
            mean[i] = (float)(s / t->n_heads);
        }
        double d = words_diff(&sc, mean, scene_matrix(&sc, &st));
        ok(d <= 1e-6, "mean of the heads over words: the same aggregation of the mean (%.2g)", d);
        free(mean);
    }
    st.mean = false;

    /* The pinned head (compare) over words too. */
    st.pinned = true, st.pin_layer = 0, st.pin_head = 1;
    scene_update(&sc, &st);
    double d = words_diff(&sc, trace_attn(t, 0, 1), scene_pinned_matrix(&sc, &st));
    ok(d <= 1e-6, "the pinned head's matrix over words (%.2g)", d);

    /* scene_top ranks words; without w, tokens again. */
    int top[3], k = scene_top(&sc, 3, top);
    bool in_range = k > 0;
    for (int i = 0; i < k; i++) in_range &= top[i] >= 0 && top[i] < U;
    ok(in_range, "under w the top keys are words (%d of %d)", k, U);
    st.words = false;
    scene_update(&sc, &st);
    ok(sc.row_n == n && scene_matrix(&sc, &st) == trace_attn(t, st.layer, st.head),
       "w off: the row and the matrix are the tokens' again");
    app_state_free(&st);
    scene_free(&sc);
}

static Model *open_model(const char *dir, const char *name)
{
    char path[4200], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    Model *m = NULL;
    if (access(path, R_OK) != 0) return NULL;
    if (!ok(model_open(&m, path, err, sizeof err) == 0, "open %s", path)) diag("%s", err);
    return m;
}

int main(void)
{
    bool have_locale = setlocale(LC_ALL, "C.UTF-8") != NULL;
    if (!have_locale) have_locale = setlocale(LC_ALL, "C.utf8") != NULL;
    const char *srcdir = getenv("ATTNSCOPE_SRCDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/data", srcdir && *srcdir ? srcdir : "..");
    Model *m = open_model(dir, "tinystories-2m.gguf");
    if (m) {
        test_pieces(m);
        test_bytes(m, have_locale);
        test_matrix(m, BANK);
        model_close(m);
    } else {
        skip("no data/tinystories-2m.gguf");
    }
    /* A model that splits nearly every word. */
    const char *shared = test_shared_dir();
    if (shared) snprintf(dir, sizeof dir, "%s/models", shared);
    m = shared ? open_model(dir, "ref260K.gguf") : NULL;
    if (m) {
        test_matrix(m, "The cat sat on the mat because it was tired. It's steep!");
        model_close(m);
    } else {
        skip("no models/ref260K.gguf in the shared folder");
    }
    done_testing();
    return exit_status();
}
