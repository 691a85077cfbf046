/*
 * tap.h - a tiny Test Anything Protocol helper for automake's TAP driver.
 *
 * plan(n) first (or done_testing() at the end); each check prints one
 * "ok N - name" or "not ok N - name" line plus a diagnostic; exit_status()
 * is non-zero when any check failed, so the program's status reflects it.
 */
#ifndef ATTNSCOPE_TAP_H
#define ATTNSCOPE_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count_, tap_failed_, tap_planned_;

static inline void plan(int n) { tap_planned_ = n; printf("1..%d\n", n); fflush(stdout); }

static inline void skip_all(const char *why) { printf("1..0 # SKIP %s\n", why); fflush(stdout); }

static inline int tap_report_(int pass, const char *fmt, va_list ap) {
    tap_count_++;
    if (!pass) tap_failed_++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count_);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    return pass;
}

static inline void diag(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static inline int ok(int pass, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = tap_report_(pass, fmt, ap);
    va_end(ap);
    return r;
}

#define is_int(got, want, ...)                                                     \
    do {                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                   \
        if (!ok(g_ == w_, __VA_ARGS__)) diag("got %lld, want %lld", g_, w_);       \
    } while (0)

#define is_near(got, want, tol, ...)                                               \
    do {                                                                           \
        double g_ = (double)(got), w_ = (double)(want);                            \
        if (!ok(fabs(g_ - w_) <= (tol), __VA_ARGS__))                              \
            diag("got %.9g, want %.9g (tolerance %g)", g_, w_, (double)(tol));     \
    } while (0)

#define is_str(got, want, ...)                                                     \
    do {                                                                           \
        const char *g_ = (got), *w_ = (want);                                      \
        if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__))                     \
            diag("got \"%s\", want \"%s\"", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

static inline void skip(const char *why) {
    tap_count_++;
    printf("ok %d # SKIP %s\n", tap_count_, why);
    fflush(stdout);
}

static inline void done_testing(void) {
    if (!tap_planned_) printf("1..%d\n", tap_count_);
    fflush(stdout);
}

/* The exit status: failures, or a count that differs from the plan. */
static inline int exit_status(void) {
    if (tap_failed_) return 1;
    if (tap_planned_ && tap_count_ != tap_planned_) {
        printf("# planned %d tests but ran %d\n", tap_planned_, tap_count_);
        return 1;
    }
    return 0;
}

#endif
