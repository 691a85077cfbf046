/*
 * main.c - attnscope's command line: parse options, then run one of the
 * headless commands (--info, --dump, --bench).  Only this file chooses exit
 * statuses: 0 success, 1 a failure while working (bad model file, text too
 * long, ...), 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "model.h"

#define DEFAULT_TEXT "The cat sat on the mat because it was tired."
/* Text files beyond this are refused before reading: no model's context
 * holds more than a fraction of it. */
#define MAX_TEXT_BYTES (16u << 20)

static void usage(FILE *out)
{
    fputs("Usage: attnscope [OPTION]...\n"
          "Explore the attention of a transformer language model (GGUF, llama architecture).\n"
          "\n"
          "Commands:\n"
          "  -i, --info             describe the model: shape, vocabulary, tensor types\n"
          "  -d, --dump FORMAT      run the model on the text and print its attention:\n"
          "                         json (every layer and head, or one with --layer/--head)\n"
          "                         or csv (one head, needs --layer and --head)\n"
          "  -b, --bench            time the forward pass at 16, 64 and 256 tokens\n"
          "\n"
          "Options:\n"
          "  -m, --model FILE       the GGUF model file\n"
          "  -t, --text TEXT        the sentence to analyse (default: \"" DEFAULT_TEXT "\")\n"
          "  -f, --text-file FILE   read the sentence from FILE (- for standard input)\n"
          "  -l, --layer L          layer, counted from 0\n"
          "  -H, --head H           head, counted from 0\n"
          "      --runs N           forward passes per size for --bench (default: automatic)\n"
          "  -h, --help             show this help and exit\n"
          "  -V, --version          show the version and exit\n"
          "\n"
          "Exit status: 0 on success, 1 when the work failed (unreadable model, text\n"
          "longer than the context, ...), 2 on a usage error.\n"
          "\n"
          "Examples:\n"
          "  attnscope --info --model model.gguf\n"
          "  attnscope -m model.gguf -t \"The cat sat.\" --dump json > attention.json\n"
          "  attnscope -m model.gguf -t \"The cat sat.\" --dump csv --layer 2 --head 1\n",
          out);
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* Read a whole file (or stdin) into a malloc'd buffer. */
static char *read_text_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        if (cap >= MAX_TEXT_BYTES) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = buf && ferror(f);
    if (f != stdin) fclose(f);
    if (failed) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    enum { OPT_RUNS = 256 };
    static const struct option longopts[] = {
        {"info", no_argument, NULL, 'i'},        {"dump", required_argument, NULL, 'd'},
        {"bench", no_argument, NULL, 'b'},       {"model", required_argument, NULL, 'm'},
        {"text", required_argument, NULL, 't'},  {"text-file", required_argument, NULL, 'f'},
        {"layer", required_argument, NULL, 'l'}, {"head", required_argument, NULL, 'H'},
        {"runs", required_argument, NULL, OPT_RUNS},
        {"help", no_argument, NULL, 'h'},        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    CliOptions o = {.text = DEFAULT_TEXT, .layer = -1, .head = -1, .format = DUMP_JSON};
    int info = 0, dump = 0, bench = 0;
    const char *text_file = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "id:bm:t:f:l:H:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': info = 1; break;
        case 'b': bench = 1; break;
        case 'd':
            dump = 1;
            if (strcmp(optarg, "json") == 0) o.format = DUMP_JSON;
            else if (strcmp(optarg, "csv") == 0) o.format = DUMP_CSV;
            else {
                fprintf(stderr, "attnscope: --dump takes json or csv, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'm': o.model_path = optarg; break;
        case 't': o.text = optarg; text_file = NULL; break;
        case 'f': text_file = optarg; break;
        case 'l':
        case 'H':
            if (parse_int(optarg, 0, INT_MAX, c == 'l' ? &o.layer : &o.head)) {
                fprintf(stderr, "attnscope: --%s takes a number from 0, not '%s'\n",
                        c == 'l' ? "layer" : "head", optarg);
                return 2;
            }
            break;
        case OPT_RUNS:
            if (parse_int(optarg, 1, 201, &o.bench_runs)) {
                fprintf(stderr, "attnscope: --runs takes a number from 1 to 201, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("attnscope %s\n", PACKAGE_VERSION); return 0;
        default:
            fprintf(stderr, "Try 'attnscope --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "attnscope: unexpected argument '%s'\n"
                        "Try 'attnscope --help' for more information.\n", argv[optind]);
        return 2;
    }
    if (info + dump + bench > 1) {
        fprintf(stderr, "attnscope: choose one of --info, --dump and --bench\n");
        return 2;
    }
    if (info + dump + bench == 0) {
        fprintf(stderr, "attnscope: the interactive explorer is not built yet; use --info, "
                        "--dump or --bench (see --help)\n");
        return 2;
    }
    if (!o.model_path) {
        fprintf(stderr, "attnscope: no model given: use --model FILE.gguf\n");
        return 2;
    }

    char *text_buf = NULL;
    o.text_len = strlen(o.text);
    if (text_file) {
        text_buf = read_text_file(text_file, &o.text_len);
        if (!text_buf) {
            fprintf(stderr, "attnscope: %s: %s\n", text_file,
                    errno == EFBIG ? "text file too large" : strerror(errno));
            return 1;
        }
        o.text = text_buf;
    }

    char err[512] = "";
    int rc;
    if (bench) {
        rc = cli_bench(stdout, o.model_path, &o, err, sizeof err);
    } else {
        Model *m;
        if (model_open(&m, o.model_path, err, sizeof err)) {
            rc = 1;
        } else {
            rc = info ? cli_info(stdout, m, err, sizeof err)
                      : cli_dump(stdout, m, &o, err, sizeof err);
            model_close(m);
        }
    }
    if (rc) fprintf(stderr, "attnscope: %s\n", err[0] ? err : "failed");
    free(text_buf);
    return rc;
}
