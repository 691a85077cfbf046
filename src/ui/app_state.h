/*
 * app_state.h - everything the explorer's screen depends on that the user
 * changes: mode, layer, head, query and key cursors, the sentence being
 * edited.  Pure: app_state_apply() turns an action into a new state and says
 * what must be recomputed; the event loop does the computing and drawing.
 *
 * The state owns its text buffer (app_state_free releases it).
 */
#ifndef ATTNSCOPE_APP_STATE_H
#define ATTNSCOPE_APP_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "keymap.h"

/* Sentences longer than this are not typed by hand; refusing more keeps
 * every later step bounded. */
#define APP_MAX_TEXT 4096

typedef struct {
    Mode mode;
    bool multi;       /* all heads of the layer, one bar each */
    bool math;        /* the math panel: q·k, scaled, softmax for the query */
    bool predict;     /* the next-token panel */
    bool pinned;      /* compare: pin_layer/pin_head shown beside the current head */
    int pin_layer, pin_head;
    int ov_layer, ov_head; /* where the overview was opened: Esc goes back */
    Mode help_return;      /* the mode the help overlay was opened from */
    bool mean;        /* show the mean over the layer's heads */
    bool show_values; /* numbers in heatmap cells */
    bool quit;
    int n_layers, n_heads;
    int n_tokens;     /* of the trace on screen; 0 before the first */
    int layer, head, query, key;
    /* The sentence, as typed; edit is a byte offset on a character boundary. */
    char *text;
    size_t len, edit;
    unsigned text_gen; /* bumped on every change of text (or of the heads knocked out) */
    char *saved;       /* the text as it was when editing began (Esc restores it) */
    size_t saved_len;
    const char *note;  /* a one-off message for the status line, or NULL */
    bool words;        /* whole words: pieces of a word shown as one (w) */
    int page_rows;     /* heatmap rows on screen: what PgDn moves (set by the loop) */
    int help_scroll;   /* the help's first line shown (the view clamps it) */
    int help_page;     /* the help's lines on screen: what PgDn scrolls (set by the loop) */
    /* The word / looks for, as typed; search_dir is where the loop must look
     * next (+1 forward from the query, -1 back; 0: nothing asked). */
    char search[64];
    size_t search_len;
    int search_dir;
    /* The guided lesson: the step on screen (from 0), or -1 outside it;
     * the step L goes back to; softmax without its 1/sqrt(d) scale (u). */
    int lesson;
    int lesson_last;
    bool unscaled;
    /* Heads knocked out (K): n_layers*n_heads bytes, (layer, head) non-zero
     * when its output is zeroed; n_ablated of them.  A change is a new
     * computation: text_gen is bumped as for an edit. */
    unsigned char *ablate;
    int n_ablated;
    /* What the heatmap shows: 0 the weights, 1 attention rollout (r),
     * 2 value-weighted attention (V); FLOW_* of flow.h. */
    int flow;
    bool importance;   /* the overview shades heads by importance (i) */
    /* The model on screen sees every word from every word (an encoder):
     * the key cursor may go right of the query.  Set by the loop from the
     * trace; false (causal) until then. */
    bool bidirectional;
    /* The lesson's pruning step: how many of its ranked heads + has knocked
     * out (the loop sets the mask from the step's measured order). */
    int prune_k;
    /* The query's word hidden as [MASK] from a masked-language model (_):
     * bytes [mask_from, mask_to) of the text (the loop sets them from the
     * tokens); any change of the text unmasks it. */
    bool masked;
    size_t mask_from, mask_to;
} AppState;

/* What an action requires of the loop. */
enum {
    NEED_DRAW = 1,    /* something on screen changed */
    NEED_ROW = 2,     /* the query row (or layer/head) changed: recompute it */
    NEED_FORWARD = 4, /* the text changed: tokenize and run the model again */
    NEED_FULL = 8,    /* repaint the whole terminal (Ctrl-L) */
    NEED_SAVE = 16,   /* write the head on screen to files */
    NEED_SEARCH = 32, /* look for search[] from the query in search_dir */
    NEED_LESSON = 64, /* the lesson's step changed (or the lesson was left):
                         measure it, lay the screen out for it */
    NEED_PRUNE = 128, /* prune_k changed: knock out the step's first prune_k heads */
    NEED_MODEL = 256, /* switch to the other bundled model (M) */
    NEED_MASK = 512,  /* hide the query's word, or show it again (_) */
};

int app_state_init(AppState *s, int n_layers, int n_heads, const char *text, size_t len);
void app_state_free(AppState *s);
/* Another model (M): its layers and heads; every head back in, the layer
 * and head kept where it has them, the mask and the tokens forgotten (the
 * loop puts the query back on its word).  -1 when out of memory. */
int app_state_set_model(AppState *s, int n_layers, int n_heads);
/* A new trace of N tokens arrived: keep the cursors where they still fit
 * (the very first trace puts them on its last token). */
void app_state_set_tokens(AppState *s, int n);
unsigned app_state_apply(AppState *s, Action a, const UiKey *key);
/* The last token the key cursor may stand on: the query's in a causal
 * model, the text's last in a bidirectional one. */
int app_state_key_last(const AppState *s);
/* Put the query on token Q (clamped), dragging the key cursor as the arrows
 * do; returns the needs (0 when it did not move). */
unsigned app_state_set_query(AppState *s, int q);
/* Open the lesson on step I (from 0) as L and --lesson do: its sentence
 * typed in, the panels of the plain view closed. */
unsigned app_state_lesson(AppState *s, int i);
/* The mode the others return to: the lesson's while in it, else normal. */
Mode app_state_base_mode(const AppState *s);

#endif
