/*
 * standalone_main.c - runs a harness without libFuzzer: each argument is a
 * file whose bytes go once through LLVMFuzzerTestOneInput, so replay.sh can
 * check saved inputs with a plain clang (ASan and UBSan, no fuzzer runtime).
 * A crash or a broken invariant ends the process as it would under
 * libFuzzer; otherwise the exit status is 0, or 1 when a file is unreadable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *b = realloc(buf, 2 * cap);
            if (!b) free(buf);
            buf = b;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        unsigned char *buf = read_all(argv[i], &len);
        if (!buf) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            rc = 1;
            continue;
        }
        /* An exact-size copy, as libFuzzer passes it: reading one byte past
         * the input is then an ASan error here too. */
        unsigned char *copy = malloc(len ? len : 1);
        if (!copy) abort();
        for (size_t k = 0; k < len; k++) copy[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(copy, len);
        free(copy);
    }
    return rc;
}
