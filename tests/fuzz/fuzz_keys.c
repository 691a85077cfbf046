/*
 * fuzz_keys.c - the explorer's state machine driven by arbitrary key
 * sequences, without a terminal: keymap -> app_state -> scene, as app.c
 * wires them, with the forward pass run synchronously.
 *
 * Input: 4 bytes per key event.
 *   byte 0: the kind, UiKeyKind = b % 16 (15 is a character too)
 *   byte 1: modifiers, b & 7 (shift, alt, ctrl)
 *   bytes 2, 3: for a character, what it is:
 *     b2 < 0x80          ASCII b2
 *     0x80 <= b2 < 0xF0  U+((b2 - 0x80) << 8 | b3), UTF-8 encoded
 *     0xF0 <= b2 < 0xFF  U+10000 + ((b2 - 0xF0) << 8 | b3)
 *     b2 == 0xFF         the single raw byte b3 (invalid UTF-8 from 0x80)
 *
 * After every key the state's invariants are checked (cursors in range, the
 * text bounded and, while only valid characters were typed, valid UTF-8
 * with the edit point on a character boundary), an action that moves the
 * query, layer, head or mean must ask for NEED_ROW, and the scene's row must
 * agree with the matrix it shows.  Each input starts from the same state:
 * the reference model on the default sentence.  Without ../shared there is
 * no model, and only keymap and app_state are exercised.
 */
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app_state.h"
#include "fuzz_util.h"
#include "keymap.h"
#include "lesson.h"
#include "model.h"
#include "scene.h"
#include "trace.h"
#include "utf8.h"
#include "worker.h"

#define SENTENCE "The cat sat on the mat because it was tired."
/* Forward passes per input: the last is kept for the text as it ends. */
#define MAX_FORWARD 3
#define NO_MODEL_LAYERS 5
#define NO_MODEL_HEADS 8

static Model *model;
static Scene scene;
static bool scene_dirty; /* holds something other than SENTENCE */
static int n_layers = NO_MODEL_LAYERS, n_heads = NO_MODEL_HEADS;
static float sink;

static void install(const char *text, size_t len, unsigned gen, AppState *st)
{
    WorkResult r;
    work_compute(model, text, len, gen, &r);
    if (r.failed) { /* e.g. longer than the context: the app keeps the old scene */
        work_result_free(&r);
        return;
    }
    FUZZ_CHECK(r.n >= 1 && r.trace && r.trace->n_tokens == r.n, "result of %d tokens", r.n);
    FUZZ_CHECK(r.len == len && memcmp(r.text, text, len) == 0, "result for another text");
    for (int i = 0; i < r.n; i++)
        FUZZ_CHECK(r.tokens[i].start <= r.tokens[i].end && r.tokens[i].end <= len,
                   "token %d: span [%zu, %zu) of %zu bytes", i, r.tokens[i].start,
                   r.tokens[i].end, len);
    FUZZ_CHECK(scene_install(&scene, &r) == 0, "scene_install failed");
    scene_dirty = len != strlen(SENTENCE) || memcmp(text, SENTENCE, len) != 0;
    if (st) {
        app_state_set_tokens(st, scene.res.n);
        scene_update(&scene, st);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* As in a UTF-8 terminal: the labels' widths come from wcwidth(). */
    if (!setlocale(LC_ALL, "C.UTF-8")) setlocale(LC_ALL, "C.utf8");
    char err[512];
    const char *path = fuzz_model_path();
    if (path && model_open(&model, path, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_keys: %s (fuzzing without a scene)\n", err);
        model = NULL;
    }
    if (!model) return 0;
    n_layers = model->cfg.n_layers;
    n_heads = model->cfg.n_heads;
    scene_init(&scene, model, true);
    install(SENTENCE, strlen(SENTENCE), 0, NULL);
    FUZZ_CHECK(scene.have, "the default sentence does not compute");
    return 0;
}

/* Code point CP as UTF-8 into OUT (at least 5 bytes). */
static void encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp, out[1] = '\0';
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), out[2] = '\0';
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)), out[3] = '\0';
    } else {
        out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F));
        out[4] = '\0';
    }
}

static UiKey decode_key(const uint8_t *b)
{
    UiKey k;
    memset(&k, 0, sizeof k);
    int kind = b[0] % 16;
    k.kind = kind > UIKEY_OTHER ? UIKEY_CHAR : (UiKeyKind)kind;
    k.mods = b[1] & (UIMOD_SHIFT | UIMOD_ALT | UIMOD_CTRL);
    if (k.kind != UIKEY_CHAR) return k;
    if (b[2] < 0x80) {
        k.codepoint = b[2];
        encode(k.codepoint, k.utf8);
    } else if (b[2] < 0xF0) {
        k.codepoint = (uint32_t)(b[2] - 0x80) << 8 | b[3];
        encode(k.codepoint, k.utf8);
    } else if (b[2] < 0xFF) {
        k.codepoint = 0x10000 + ((uint32_t)(b[2] - 0xF0) << 8 | b[3]);
        encode(k.codepoint, k.utf8);
    } else {
        k.codepoint = b[3];
        k.utf8[0] = (char)b[3];
    }
    return k;
}

static bool on_boundary(const char *t, size_t len, size_t at)
{
    size_t i = 0;
    while (i < at) i += utf8_char_len(t + i, len - i);
    return i == at;
}

static void check_state(const AppState *st, bool valid)
{
    FUZZ_CHECK(st->mode == MODE_NORMAL || st->mode == MODE_EDIT || st->mode == MODE_HELP ||
                   st->mode == MODE_OVERVIEW || st->mode == MODE_SEARCH ||
                   st->mode == MODE_LESSON, "mode %d", (int)st->mode);
    FUZZ_CHECK(st->help_return == MODE_NORMAL || st->help_return == MODE_OVERVIEW ||
                   st->help_return == MODE_EDIT || st->help_return == MODE_LESSON,
               "help returns to %d", (int)st->help_return);
    /* The lesson: a step of the table, and its mode exactly while in it. */
    FUZZ_CHECK(st->lesson >= -1 && st->lesson < lesson_step_count() && st->lesson_last >= 0 &&
                   st->lesson_last < lesson_step_count(), "lesson step %d (last %d) of %d",
               st->lesson, st->lesson_last, lesson_step_count());
    FUZZ_CHECK(st->mode != MODE_LESSON || st->lesson >= 0, "lesson mode outside the lesson");
    FUZZ_CHECK(st->mode != MODE_NORMAL || st->lesson < 0, "normal mode inside the lesson");
    FUZZ_CHECK(st->layer >= 0 && st->layer < n_layers, "layer %d of %d", st->layer, n_layers);
    FUZZ_CHECK(st->head >= 0 && st->head < n_heads, "head %d of %d", st->head, n_heads);
    FUZZ_CHECK(st->pin_layer >= 0 && st->pin_layer < n_layers && st->pin_head >= 0 &&
                   st->pin_head < n_heads, "pinned %d/%d", st->pin_layer, st->pin_head);
    FUZZ_CHECK(st->ov_layer >= 0 && st->ov_layer < n_layers && st->ov_head >= 0 &&
                   st->ov_head < n_heads, "overview %d/%d", st->ov_layer, st->ov_head);
    if (model) FUZZ_CHECK(st->n_tokens == scene.res.n, "state has %d tokens, scene %d",
                          st->n_tokens, scene.res.n);
    int last = st->n_tokens > 0 ? st->n_tokens - 1 : 0;
    FUZZ_CHECK(st->query >= 0 && st->query <= last, "query %d of %d tokens", st->query,
               st->n_tokens);
    FUZZ_CHECK(st->key >= 0 && st->key <= st->query, "key %d, query %d", st->key, st->query);
    FUZZ_CHECK(st->len <= APP_MAX_TEXT && st->edit <= st->len, "len %zu, edit %zu", st->len,
               st->edit);
    FUZZ_CHECK(st->text[st->len] == '\0' && memchr(st->text, '\0', st->len) == NULL,
               "text of %zu bytes is not NUL-terminated there", st->len);
    if (valid) {
        FUZZ_CHECK(utf8_valid(st->text, st->len), "only valid characters typed, text invalid");
        FUZZ_CHECK(on_boundary(st->text, st->len, st->edit), "edit point %zu inside a character",
                   st->edit);
    }
}

/* Read what the views read, and check the row on screen is the matrix's. */
static void check_scene(const AppState *st)
{
    if (!model || !scene.have) return;
    const AttentionTrace *t = scene.res.trace;
    int n = scene.res.n, hd = t->head_dim;
    /* The row and the matrix are over units: tokens, or words under w. */
    int units = scene_units(&scene, st), qu = scene_unit_of(&scene, st, st->query);
    FUZZ_CHECK(units >= 1 && units <= n && qu >= 0 && qu < units, "unit %d of %d (%d tokens)",
               qu, units, n);
    const float *m = scene_matrix(&scene, st);
    for (int j = 0; j < units; j++) {
        float want = m[(size_t)qu * units + j];
        FUZZ_CHECK(fabsf(scene.row[j] - want) < 1e-3f,
                   "layer %d head %d%s query %d: row[%d] %g, matrix %g", st->layer, st->head,
                   st->mean ? " (mean)" : "", st->query, j, (double)scene.row[j], (double)want);
    }
    int ids[3];
    int got = scene_top(&scene, 3, ids);
    FUZZ_CHECK(got >= 0 && got <= 3, "scene_top gave %d", got);
    for (int i = 0; i < got; i++) {
        FUZZ_CHECK(ids[i] >= 0 && ids[i] <= qu, "top %d is unit %d, query unit %d", i, ids[i],
                   qu);
        FUZZ_CHECK(i == 0 || scene.row[ids[i]] <= scene.row[ids[i - 1]], "top not sorted");
    }
    const float *q = scene_q(&scene, st);
    for (int c = 0; c < hd; c++) sink += q[c];
    /* Softmax without the scale (u): a distribution over the keys seen. */
    double plain = 0;
    for (int j = 0; j < n; j++) {
        FUZZ_CHECK(j <= st->query || scene.plain[j] == 0.0f, "unscaled weight on masked key %d", j);
        plain += scene.plain[j];
    }
    FUZZ_CHECK(fabs(plain - 1.0) < 1e-3, "unscaled softmax sums to %g", plain);
    for (int j = 0; j <= st->query; j++) {
        const float *v = scene_v(&scene, st, j);
        for (int c = 0; c < hd; c++) sink += v[c];
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < SCENE_NEXT; i++)
            FUZZ_CHECK(scene.next_id[k][i] >= 0 && scene.next_id[k][i] < t->vocab,
                       "next token %d", scene.next_id[k][i]);
    for (int i = 0; i < n; i++)
        sink += (float)(strlen(scene.shown[i]) + strlen(scene.label[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (model && scene_dirty) install(SENTENCE, strlen(SENTENCE), 0, NULL);
    scene.mean_layer = -1; /* no cache carried over from the previous input */
    AppState st;
    if (app_state_init(&st, n_layers, n_heads, SENTENCE, strlen(SENTENCE))) return 0;
    if (model) {
        app_state_set_tokens(&st, scene.res.n);
        scene_update(&scene, &st);
    } else {
        app_state_set_tokens(&st, 12);
    }
    bool valid = true, pending = false;
    int forwards = 0;
    check_state(&st, valid);
    for (size_t off = 0; off + 4 <= size && !st.quit; off += 4) {
        UiKey key = decode_key(data + off);
        Action a = keymap_lookup(st.mode, &key);
        FUZZ_CHECK((int)a >= ACT_NONE && (int)a <= ACT_LAST, "action %d", (int)a);
        int layer = st.layer, head = st.head, query = st.query;
        bool mean = st.mean;
        unsigned need = app_state_apply(&st, a, &key);
        if (a == ACT_EDIT_INSERT && (need & NEED_FORWARD) &&
            !utf8_valid(key.utf8, strlen(key.utf8)))
            valid = false;
        if (st.layer != layer || st.head != head || st.query != query || st.mean != mean)
            FUZZ_CHECK(need & NEED_ROW, "action %d moved the view without NEED_ROW", (int)a);
        if (need & NEED_FORWARD) {
            if (!model) {
                app_state_set_tokens(&st, (int)(st.len / 3) + 1);
            } else if (forwards < MAX_FORWARD - 1) {
                forwards++;
                install(st.text, st.len, st.text_gen, &st);
            } else {
                pending = true;
            }
        }
        if ((need & NEED_SEARCH) && model) {
            /* As the loop does: the query to the match, if any. */
            int hit = scene_find(&scene, st.search, st.query, st.search_dir);
            FUZZ_CHECK(hit >= -1 && hit < scene.res.n, "scene_find gave %d", hit);
            st.search_dir = 0;
            if (hit >= 0) need |= app_state_set_query(&st, hit);
        }
        if ((need & NEED_ROW) && model) scene_update(&scene, &st);
        check_state(&st, valid);
        check_scene(&st);
    }
    if (pending) {
        install(st.text, st.len, st.text_gen, &st);
        check_state(&st, valid);
        check_scene(&st);
    }
    app_state_free(&st);
    /* Back to the default sentence now rather than at the next input: each
     * input then frees what it allocates, and libFuzzer has no reason to
     * suspect a leak and run it again. */
    if (model && scene_dirty) install(SENTENCE, strlen(SENTENCE), 0, NULL);
    return 0;
}
