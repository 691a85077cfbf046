/*
 * fuzz_util.h - what the fuzz harnesses share: finding the reference model,
 * and one way to report a broken invariant.
 *
 * A harness is one translation unit built straight from the core sources
 * (see run.sh), so these are static functions in a header rather than
 * another library.  FUZZ_CHECK prints what failed and traps: libFuzzer (or
 * standalone_main.c under ASan) records the input that did it.
 */
#ifndef ATTNSCOPE_FUZZ_UTIL_H
#define ATTNSCOPE_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define FUZZ_CHECK(cond, ...)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                              \
            fprintf(stderr, "\n");                                                     \
            fflush(stderr);                                                            \
            __builtin_trap();                                                          \
        }                                                                              \
    } while (0)

/* The reference model, models/ref260K.gguf under $ATTNSCOPE_SHARED (else
 * ../shared); NULL when it is not there, and the harness falls back to what
 * it can do without it. */
static const char *fuzz_model_path(void)
{
    static char path[4096];
    const char *dir = getenv("ATTNSCOPE_SHARED");
    if (!dir || !*dir) dir = "../shared";
    snprintf(path, sizeof path, "%s/models/ref260K.gguf", dir);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? path : NULL;
}

#endif
