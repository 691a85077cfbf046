/*
 * app.h - the interactive explorer: one event loop over the terminal's keys
 * (libtermkey), a signal pipe and the worker's wake-up pipe.
 */
#ifndef ATTNSCOPE_APP_H
#define ATTNSCOPE_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "model.h"

typedef struct {
    const Model *model;
    /* The other model of the bundled pair (decoder <-> encoder), which M
     * switches to, or NULL. */
    const Model *partner;
    /* Open with the first word starting so hidden as [MASK] (--mask), or NULL. */
    const char *mask_word;
    const char *text;
    size_t text_len;
    Palette palette;
    bool show_values;
    int layer, head;          /* where to open: checked against the model */
    int query;                /* the query token, or -1: the last one */
    const char *query_word;   /* or the first word starting so (NULL: none) */
    const char *startup_note; /* e.g. a config warning, shown once */
    int lesson;               /* open the lesson on this step (from 0), or -1 */
    /* The first screen of a plain `attnscope`: the lesson's first step
     * measured, its layer, head and query shown, and a hint to start it. */
    bool intro;
    /* Heads to open knocked out (n_layers*n_heads bytes, run.h), or NULL. */
    const unsigned char *ablate;
} AppOptions;

/* Run until the user quits or the terminal goes away.  Returns 0, or non-zero
 * with a message (no terminal, unknown TERM, out of memory). */
int app_run(const AppOptions *o, char *err, size_t errlen);

#endif
