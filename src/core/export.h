/*
 * export.h - one head's attention matrix as a file: CSV (the numbers, with
 * the token pieces as the first row and column) or SVG (a heatmap that a
 * browser or an image viewer shows, hand-written: one <rect> per cell).
 * Used by `--dump csv|svg` and by the explorer's save key.
 */
#ifndef ATTNSCOPE_EXPORT_H
#define ATTNSCOPE_EXPORT_H

#include <stdio.h>

/* The colour scale the explorer and the SVG share, dark to bright: weight 0
 * is black (a terminal's background), weight k/8 the k-th of these
 * magma-like stops (perceptually ordered, readable as "more"). */
#define EXPORT_RAMP_STOPS 8
extern const unsigned char export_ramp[EXPORT_RAMP_STOPS][3];
/* The scale at weight W (clamped to [0, 1]), interpolated between the stops. */
void export_colour(float w, unsigned char rgb[3]);

/* LABELS: N token pieces (UTF-8, possibly invalid: it is made safe);
 * A: the (N, N) matrix, row = query.  Return 0, or -1 when writing failed. */
int export_csv(FILE *out, const char *const *labels, int n, const float *a);
/* TITLE: a line of text over the heatmap; the axes are named "query" (the
 * rows) and "key" (the columns), and a legend shows the scale from 0 to 1. */
int export_svg(FILE *out, const char *title, const char *const *labels, int n, const float *a);

#endif
