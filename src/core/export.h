/*
 * export.h - one head's attention matrix as a file: CSV (the numbers, with
 * the token pieces as the first row and column) or SVG (a heatmap that a
 * browser or an image viewer shows, hand-written: one <rect> per cell).
 * Used by `--dump csv|svg` and by the explorer's save key.
 */
#ifndef ATTNSCOPE_EXPORT_H
#define ATTNSCOPE_EXPORT_H

#include <stdio.h>

/* LABELS: N token pieces (UTF-8, possibly invalid: it is made safe);
 * A: the (N, N) matrix, row = query.  Return 0, or -1 when writing failed. */
int export_csv(FILE *out, const char *const *labels, int n, const float *a);
/* TITLE: a line of text over the heatmap. */
int export_svg(FILE *out, const char *title, const char *const *labels, int n, const float *a);

#endif
