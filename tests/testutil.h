/*
 * testutil.h - helpers the test programs share: finding ../shared, reading
 * files, running the attnscope binary and capturing what it prints.
 */
#ifndef ATTNSCOPE_TESTUTIL_H
#define ATTNSCOPE_TESTUTIL_H

#include <stddef.h>

#include "model.h"

/* The shared development folder: $ATTNSCOPE_SHARED when set, else ../shared
 * or ../../shared; the first that holds models/, or NULL. */
const char *test_shared_dir(void);

/* Read a whole file into a NUL-terminated malloc'd buffer; NULL on failure. */
char *test_read_file(const char *path, size_t *len);

/* Run ARGV (argv[0] a path) with stdin from /dev/null; capture stdout and
 * stderr into malloc'd NUL-terminated buffers (either pointer may be NULL).
 * Returns the exit status, or -1 when it could not run or was killed. */
int test_run(char *const argv[], char **out, size_t *out_len, char **errtext);

/* A model the tests run on: "bundled" ($ATTNSCOPE_SRCDIR/data, else
 * ../data: tinystories-2m.gguf) or a file name in the shared folder's
 * models/ ("ref260K.gguf").  NULL when it is not there (ERR empty) or does
 * not open (ERR says why). */
Model *test_open_model(const char *which, char *err, size_t errlen);

/* The attnscope binary under test: $ATTNSCOPE_BIN or ../src/attnscope. */
const char *test_attnscope_bin(void);

#endif
