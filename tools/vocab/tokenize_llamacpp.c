/*
 * tokenize_llamacpp.c - llama.cpp's token ids for many texts at once, so a
 * vocabulary of 150k pieces is loaded once and not once per text.
 *
 *   tokenize_llamacpp FILE.gguf TEXTS
 *
 * TEXTS holds the texts separated by NUL bytes.  For each text, one line:
 * its ids separated by spaces, as llama_tokenize(add_special=true,
 * parse_special=false) gives them: what tools/llamacpp/driver.c's tokenize
 * does and what attnscope matches.  Built by tests/test_tokenizer_llamacpp.sh
 * against the libraries tools/llamacpp/setup.sh fetched.
 * Exit status: 0 done, 1 llama.cpp failed, 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml-backend.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: tokenize_llamacpp FILE.gguf TEXTS\n", stderr);
        return 2;
    }
    llama_log_set(quiet, NULL);
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

    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    struct llama_model *m = llama_model_load_from_file(argv[1], mp);
    if (!m) {
        fprintf(stderr, "tokenize_llamacpp: cannot load %s\n", argv[1]);
        return 1;
    }
    const struct llama_vocab *voc = llama_model_get_vocab(m);
    for (size_t at = 0; at < len;) {
        size_t n = strlen(buf + at);
        int idcap = (int)n + 8;
        llama_token *ids = malloc((size_t)idcap * sizeof *ids);
        int k = ids ? llama_tokenize(voc, buf + at, (int32_t)n, ids, idcap, true, false) : -1;
        if (k < 0) {
            fprintf(stderr, "tokenize_llamacpp: text at byte %zu failed (%d)\n", at, k);
            return 1;
        }
        for (int i = 0; i < k; i++) printf(i ? " %d" : "%d", ids[i]);
        putchar('\n');
        free(ids);
        at += n + 1;
    }
    llama_model_free(m);
    free(buf);
    return fflush(stdout) == 0 ? 0 : 1;
}
