/*
 * error.h - the core's one way to report a failure: a message written into a
 * caller's buffer (which may be NULL or empty), never printed, never exit().
 */
#ifndef ATTNSCOPE_ERROR_H
#define ATTNSCOPE_ERROR_H

#include <stddef.h>

void error_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
