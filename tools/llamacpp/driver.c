/*
 * driver.c - a small command-line front end to llama.cpp's C API, so that
 * the tests can ask an independent implementation of the GGUF formats to
 * quantize a file, convert it back to F32 and compute logits.  Built by
 * tools/llamacpp/setup.sh against the prebuilt libraries of node-llama-cpp
 * (npm); not part of attnscope and never linked into it.
 *
 *   driver quantize IN.gguf OUT.gguf TYPE [--pure]
 *   driver tof32 IN.gguf OUT.gguf
 *   driver logits [--all] FILE.gguf ID...
 *   driver embeddings FILE.gguf ID...
 *   driver tokenize FILE.gguf TEXT
 *
 * Exit status: 0 done, 1 llama.cpp failed (one line on stderr, with
 * llama.cpp's own first error when it logged one), 2 bad usage.
 * llama.cpp's log is silent unless ATTNSCOPE_LLAMACPP_VERBOSE=1.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml-backend.h"
#include "llama.h"

/* Where setup.sh put the CPU backends (libggml-cpu-*.so), which ggml picks
 * from at run time by what this CPU supports. */
#ifndef LLAMACPP_LIBDIR
#define LLAMACPP_LIBDIR "."
#endif

/* llama.cpp's first error-level log line: the API reports most failures
 * only as a status, and the lines logged after the first merely wrap it. */
static char first_error[512];
static int verbose;

static void log_keep(enum ggml_log_level level, const char *text, void *user)
{
    (void)user;
    if (verbose) fputs(text, stderr);
    if (level == GGML_LOG_LEVEL_ERROR && !first_error[0]) {
        snprintf(first_error, sizeof first_error, "%s", text);
        first_error[strcspn(first_error, "\n")] = '\0';
    }
}

static int fail(const char *fmt, ...)
{
    va_list ap;
    fputs("driver: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (first_error[0]) fprintf(stderr, " (llama.cpp: %s)", first_error);
    fputc('\n', stderr);
    return 1;
}

static int usage(void)
{
    fputs("usage: driver quantize IN.gguf OUT.gguf TYPE [--pure]\n"
          "       driver tof32 IN.gguf OUT.gguf\n"
          "       driver logits [--all] FILE.gguf ID...\n"
          "       driver embeddings FILE.gguf ID...\n"
          "       driver tokenize FILE.gguf TEXT\n",
          stderr);
    return 2;
}

/* The names the tests use, and llama.cpp's file types (llama.h). */
static const struct {
    const char *name;
    enum llama_ftype ftype;
} ftypes[] = {
    {"f32", LLAMA_FTYPE_ALL_F32},         {"f16", LLAMA_FTYPE_MOSTLY_F16},
    {"bf16", LLAMA_FTYPE_MOSTLY_BF16},    {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},
    {"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},    {"q4_1", LLAMA_FTYPE_MOSTLY_Q4_1},
    {"q5_0", LLAMA_FTYPE_MOSTLY_Q5_0},    {"q5_1", LLAMA_FTYPE_MOSTLY_Q5_1},
    {"q2_k", LLAMA_FTYPE_MOSTLY_Q2_K},    {"q3_k_s", LLAMA_FTYPE_MOSTLY_Q3_K_S},
    {"q3_k_m", LLAMA_FTYPE_MOSTLY_Q3_K_M}, {"q3_k_l", LLAMA_FTYPE_MOSTLY_Q3_K_L},
    {"q4_k_s", LLAMA_FTYPE_MOSTLY_Q4_K_S}, {"q4_k_m", LLAMA_FTYPE_MOSTLY_Q4_K_M},
    {"q5_k_s", LLAMA_FTYPE_MOSTLY_Q5_K_S}, {"q5_k_m", LLAMA_FTYPE_MOSTLY_Q5_K_M},
    {"q6_k", LLAMA_FTYPE_MOSTLY_Q6_K},    {"iq4_nl", LLAMA_FTYPE_MOSTLY_IQ4_NL},
    {"iq4_xs", LLAMA_FTYPE_MOSTLY_IQ4_XS},
};

/* quantize IN OUT FTYPE: allow_requantize so that a quantized input is
 * accepted too (llama.cpp dequantizes it first); pure puts every tensor in
 * the file type's own type instead of llama.cpp's per-tensor mixture
 * (e.g. Q6_K for the output of a Q4_K_M file). */
static int quantize_file(const char *in, const char *out, enum llama_ftype ftype, int pure)
{
    llama_model_quantize_params p = llama_model_quantize_default_params();
    p.nthread = 2;
    p.ftype = ftype;
    p.allow_requantize = true;
    p.pure = pure != 0;
    if (llama_model_quantize(in, out, &p) != 0) return fail("quantize %s to %s failed", in, out);
    return 0;
}

static int cmd_quantize(int argc, char **argv)
{
    int pure = argc == 4 && strcmp(argv[3], "--pure") == 0;
    if (argc != 3 + pure) return usage();
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
        if (strcmp(argv[2], ftypes[i].name) == 0) return quantize_file(argv[0], argv[1], ftypes[i].ftype, pure);
    fprintf(stderr, "driver: unknown type '%s'; known:", argv[2]);
    for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++) fprintf(stderr, " %s", ftypes[i].name);
    fputc('\n', stderr);
    return 2;
}

/* tof32 IN OUT: llama.cpp's own dequantization of every tensor. */
static int cmd_tof32(int argc, char **argv)
{
    if (argc != 2) return usage();
    return quantize_file(argv[0], argv[1], LLAMA_FTYPE_ALL_F32, 0);
}

/* On the CPU only, whatever else the libraries could drive. */
static struct llama_model *model_load(const char *path)
{
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model *m = llama_model_load_from_file(path, mp);
    if (!m) fail("cannot load %s", path);
    return m;
}

static int parse_token(const char *s, int n_vocab, llama_token *id)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v >= n_vocab) {
        fprintf(stderr, "driver: '%s' is not a token id below %d\n", s, n_vocab);
        return 2;
    }
    *id = (llama_token)v;
    return 0;
}

/* logits [--all] FILE ID...: one batch, a context just as long, F32 K/V
 * cache and no flash attention, so that nothing is rounded below F32 but
 * what the file stores. */
static int cmd_logits(int argc, char **argv)
{
    int all = argc > 0 && strcmp(argv[0], "--all") == 0;
    argc -= all, argv += all;
    if (argc < 2 || argc - 1 > INT32_MAX) return usage();
    int n = argc - 1, rc = 1;
    struct llama_model *m = model_load(argv[0]);
    if (!m) return 1;
    struct llama_context *ctx = NULL;
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(m));
    struct llama_batch b = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        if ((rc = parse_token(argv[1 + i], n_vocab, &b.token[i])) != 0) goto done;
        b.pos[i] = i;
        b.n_seq_id[i] = 1;
        b.seq_id[i][0] = 0;
        b.logits[i] = all || i == n - 1;
    }
    b.n_tokens = n;
    rc = 1;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = cp.n_batch = cp.n_ubatch = (uint32_t)n;
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = 2;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = cp.type_v = GGML_TYPE_F32;
    cp.no_perf = true;
    ctx = llama_init_from_model(m, cp);
    if (!ctx) {
        fail("cannot make a context of %d tokens for %s", n, argv[0]);
        goto done;
    }
    int st = llama_decode(ctx, b);
    if (st != 0) {
        fail("llama_decode of %d tokens returned %d", n, st);
        goto done;
    }
    for (int i = all ? 0 : n - 1; i < n; i++) {
        const float *l = llama_get_logits_ith(ctx, i);
        if (!l) {
            fail("no logits for position %d", i);
            goto done;
        }
        for (int v = 0; v < n_vocab; v++) printf("%.9g\n", l[v]);
    }
    rc = fflush(stdout) == 0 ? 0 : fail("writing the logits: %s", strerror(errno));
done:
    llama_free(ctx);
    llama_batch_free(b);
    llama_model_free(m);
    return rc;
}

/* embeddings FILE ID...: every position's final hidden state (pooling
 * none), one value a line, position by position: what an encoder such as
 * bert gives instead of logits.  One batch through llama_encode, F32
 * throughout, as for logits. */
static int cmd_embeddings(int argc, char **argv)
{
    if (argc < 2 || argc - 1 > INT32_MAX) return usage();
    int n = argc - 1, rc = 1;
    struct llama_model *m = model_load(argv[0]);
    if (!m) return 1;
    struct llama_context *ctx = NULL;
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(m));
    int n_embd = llama_model_n_embd(m);
    struct llama_batch b = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        if ((rc = parse_token(argv[1 + i], n_vocab, &b.token[i])) != 0) goto done;
        b.pos[i] = i;
        b.n_seq_id[i] = 1;
        b.seq_id[i][0] = 0;
        b.logits[i] = 1; /* an output for every position */
    }
    b.n_tokens = n;
    rc = 1;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = cp.n_batch = cp.n_ubatch = (uint32_t)n;
    cp.n_seq_max = 1;
    cp.n_threads = cp.n_threads_batch = 2;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = cp.type_v = GGML_TYPE_F32;
    cp.embeddings = true;
    cp.pooling_type = LLAMA_POOLING_TYPE_NONE;
    cp.no_perf = true;
    ctx = llama_init_from_model(m, cp);
    if (!ctx) {
        fail("cannot make a context of %d tokens for %s", n, argv[0]);
        goto done;
    }
    int st = llama_encode(ctx, b);
    if (st != 0) {
        fail("llama_encode of %d tokens returned %d", n, st);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const float *e = llama_get_embeddings_ith(ctx, i);
        if (!e) {
            fail("no embedding for position %d", i);
            goto done;
        }
        for (int j = 0; j < n_embd; j++) printf("%.9g\n", e[j]);
    }
    rc = fflush(stdout) == 0 ? 0 : fail("writing the embeddings: %s", strerror(errno));
done:
    llama_free(ctx);
    llama_batch_free(b);
    llama_model_free(m);
    return rc;
}

/* tokenize FILE TEXT: with BOS, as attnscope does; special pieces in the
 * text are not parsed as such. */
static int cmd_tokenize(int argc, char **argv)
{
    if (argc != 2) return usage();
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    struct llama_model *m = llama_model_load_from_file(argv[0], mp);
    if (!m) return fail("cannot load %s", argv[0]);
    const struct llama_vocab *voc = llama_model_get_vocab(m);
    size_t len = strlen(argv[1]);
    int rc = 1;
    llama_token *ids = NULL;
    if (len >= INT32_MAX / 2) {
        fail("text too long");
        goto done;
    }
    int cap = (int)len + 2; /* at most one token per byte, plus BOS and EOS */
    ids = malloc((size_t)cap * sizeof *ids);
    if (!ids) {
        fail("out of memory");
        goto done;
    }
    int got = llama_tokenize(voc, argv[1], (int32_t)len, ids, cap, true, false);
    if (got < 0) {
        fail("tokenize: %d tokens do not fit in %d", -got, cap);
        goto done;
    }
    for (int i = 0; i < got; i++) printf("%d\n", ids[i]);
    rc = fflush(stdout) == 0 ? 0 : fail("writing the ids: %s", strerror(errno));
done:
    free(ids);
    llama_model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage();
    const char *v = getenv("ATTNSCOPE_LLAMACPP_VERBOSE");
    verbose = v && strcmp(v, "1") == 0;
    llama_log_set(log_keep, NULL);
    ggml_backend_load_all_from_path(LLAMACPP_LIBDIR);
    llama_backend_init();
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {
        {"quantize", cmd_quantize},
        {"tof32", cmd_tof32},
        {"logits", cmd_logits},
        {"embeddings", cmd_embeddings},
        {"tokenize", cmd_tokenize},
    };
    int rc = -1;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0) rc = cmds[i].run(argc - 2, argv + 2);
    if (rc < 0) rc = usage();
    llama_backend_free();
    return rc;
}
