/*
 * ui_text.h - turning bytes of the user's text into what a terminal can show.
 *
 * Valid printable UTF-8 is shown as is (with its display width); control
 * characters become "·" (or "."), invalid bytes "?" — one column each, so a
 * sentence of any bytes lays out predictably.  Without a UTF-8 locale every
 * non-ASCII character shows as "?".
 */
#ifndef ATTNSCOPE_UI_TEXT_H
#define ATTNSCOPE_UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Append the display form of S[0..len) to OUT (capacity CAP, always
 * NUL-terminated), stopping before MAX_COLS would be exceeded; returns the
 * columns written.  *used gets the bytes of S consumed, when not NULL. */
int ui_text_render(const char *s, size_t len, bool utf8, char *out, size_t cap, int max_cols,
                   size_t *used);
/* Columns S[0..len) takes on screen. */
int ui_text_width(const char *s, size_t len, bool utf8);

#endif
