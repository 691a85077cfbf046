/*
 * tokenize_batch.c - attnscope's token ids for many texts at once: the
 * counterpart of tools/vocab/tokenize_llamacpp.c, for
 * test_tokenizer_llamacpp.sh.
 *
 *   tokenize_batch FILE.gguf TEXTS
 *
 * TEXTS holds the texts separated by NUL bytes; one line of ids per text.
 * Every token's span is checked on the way (inside the text, in order),
 * and a bad one fails the run: exit 0 done, 1 failure, 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "tokenizer.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: tokenize_batch FILE.gguf TEXTS\n", stderr);
        return 2;
    }
    char err[512];
    Gguf *g = NULL;
    Tokenizer *t = NULL;
    if (gguf_open(&g, argv[1], err, sizeof err) || tokenizer_from_gguf(&t, g, err, sizeof err)) {
        fprintf(stderr, "tokenize_batch: %s\n", err);
        return 1;
    }
    gguf_close(g);
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    if (!buf) return 1;
    buf[len] = '\0';
    int rc = 0;
    for (size_t at = 0; at < len;) {
        size_t n = strlen(buf + at), nt = 0;
        Token *tok = NULL;
        if (tokenizer_encode(t, buf + at, n, 0, &tok, &nt, err, sizeof err)) {
            fprintf(stderr, "tokenize_batch: %s\n", err);
            return 1;
        }
        size_t prev_start = 0;
        for (size_t i = 0; i < nt; i++) {
            printf(i ? " %d" : "%d", (int)tok[i].id);
            if (tok[i].start > tok[i].end || tok[i].end > n || tok[i].start < prev_start) {
                fprintf(stderr, "tokenize_batch: text at byte %zu: token %zu has span [%zu,%zu) "
                        "after one starting at %zu\n", at, i, tok[i].start, tok[i].end, prev_start);
                rc = 1;
            }
            prev_start = tok[i].start;
        }
        putchar('\n');
        free(tok);
        at += n + 1;
    }
    tokenizer_free(t);
    free(buf);
    return fflush(stdout) == 0 ? rc : 1;
}
