/*
 * main.c - attnscope's command line: parse options and the config file, find
 * the model, then open the explorer or run one of the headless commands
 * (--info, --dump, --lesson --dump json, --bench).  Only this file chooses
 * exit statuses: 0 success, 1 a failure while working (bad model file, text
 * too long, ...), 2 a usage error (including no terminal for the explorer).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "buildinfo.h"
#include "cli.h"
#include "config.h"
#include "error.h"
#include "keymap.h"
#include "model.h"
#include "run.h"

#define DEFAULT_TEXT "The cat sat on the mat because it was tired."
/* Text files beyond this are refused before reading: no model's context
 * holds more than a fraction of it. */
#define MAX_TEXT_BYTES (16u << 20)

/* Columns a UTF-8 string takes: the help's key names are one column each. */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The keys, from the table the explorer's own help is drawn from. */
static void usage_keys(FILE *out)
{
    size_t n_modes;
    const KeymapHelp *modes = keymap_help_all(&n_modes);
    fputs("Keys in the explorer (? lists them there too):\n", out);
    for (size_t m = 0; m < n_modes; m++) {
        fprintf(out, "  %s:\n", modes[m].title);
        for (size_t r = 0; r < modes[m].n_rows; r++) {
            char keys[96];
            keymap_help_keys(&modes[m].rows[r], keys, sizeof keys);
            int pad = 26 - columns(keys);
            fprintf(out, "    %s%*s %s\n", keys, pad > 0 ? pad : 0, "", modes[m].rows[r].what);
        }
    }
}

static void usage(FILE *out)
{
    fputs("Usage: attnscope [OPTION]...\n"
          "Explore the attention of a transformer language model (GGUF, llama architecture).\n"
          "With no command, open the interactive explorer on the sentence.\n"
          "\n"
          "Commands:\n"
          "  -i, --info             describe the model: shape, vocabulary, tensor types\n"
          "  -d, --dump FORMAT      run the model on the text and print its attention:\n"
          "                         json (every layer and head, or one with --layer/--head)\n"
          "                         csv or svg (one head, needs --layer and --head)\n"
          "                         or heads (what each head does: pattern and numbers,\n"
          "                         and induct, its induction score on a repeated random\n"
          "                         sequence)\n"
          "                         or importance (each head's cost to the text's loss\n"
          "                         when knocked out, nats per token, as a grid)\n"
          "                         or logits (every logit of the last position)\n"
          "      --lesson           open the explorer on the guided lesson (n/p steps, Esc\n"
          "                         leaves it); with --dump json, print each step's chosen\n"
          "                         layer, head, query and caption numbers instead\n"
          "      --prune K          knock out the K least important heads on the text at\n"
          "                         once; report the loss and top-1 agreement before/after\n"
          "  -b, --bench            time the forward pass at 16, 64 and 256 tokens\n"
          "\n"
          "Options:\n"
          "  -m, --model FILE       the GGUF model file, or a bundled one by name: decoder\n"
          "                         (" DEFAULT_MODEL_FILE ", causal, the default) or\n"
          "                         encoder (" ENCODER_MODEL_FILE ", bidirectional); M\n"
          "                         switches between the two in the explorer\n"
          "  -t, --text TEXT        the sentence to analyse (default: \"" DEFAULT_TEXT "\")\n"
          "  -f, --text-file FILE   read the sentence from FILE (- for standard input; the\n"
          "                         explorer then reads keys from the terminal, /dev/tty)\n"
          "  -l, --layer L          layer, counted from 0: the explorer opens there\n"
          "  -H, --head H           head, counted from 0: the explorer opens there\n"
          "  -q, --query Q          the query: token number Q, or the first word starting\n"
          "                         with Q; the explorer opens on it, and --dump json with\n"
          "                         one head adds its row's math (q·k, scaled, weight per key)\n"
          "      --ablate L.H,...   knock these heads out (layer.head, from 0), in --dump\n"
          "                         or in the explorer (K toggles a head there):\n"
          "                         their outputs are zeroed before the output projection\n"
          "      --mask WORD        hide the first word starting with WORD as [MASK] from a\n"
          "                         masked-language model (the bundled encoder): --dump\n"
          "                         json adds its guesses, --dump logits gives them all\n"
          "      --view VIEW        with --dump json, csv or svg: what the matrices show:\n"
          "                         attention (the softmax weights, the default), rollout\n"
          "                         (heads averaged with the residual, multiplied through\n"
          "                         the layers up to this one) or values (weights times\n"
          "                         the size of the value each moves, |a W_O v|, rows\n"
          "                         normalised)\n"
          "      --runs N           timed passes per size for --bench, after one untimed\n"
          "                         warm-up (default: automatic)\n"
          "  -c, --config FILE      settings file (default: $XDG_CONFIG_HOME/attnscope/config.ini)\n"
          "  -p, --palette NAME     auto, truecolor, 256, 8, mono or ascii (default: auto:\n"
          "                         none if NO_COLOR is set, truecolor if COLORTERM says so,\n"
          "                         else what the terminal's terminfo offers)\n"
          "      --values           show numbers in the heatmap cells\n"
          "  -h, --help             show this help and exit\n"
          "  -V, --version          show the version and exit\n"
          "\n"
          "The model is --model, else model= in the config file, else $ATTNSCOPE_MODEL,\n"
          "else the bundled " DEFAULT_MODEL_FILE ".\n"
          "\n",
          out);
    usage_keys(out);
    fputs("\n"
          "Exit status: 0 on success, 1 when the work failed (unreadable model, text\n"
          "longer than the context, ...), 2 on a usage error.\n"
          "\n"
          "Examples:\n"
          "  attnscope -l 0 -H 2 -q it\n"
          "  attnscope --info --model model.gguf\n"
          "  attnscope --lesson --dump json\n"
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

/* A query: a token number (digits), or a word (anything else).  Returns -1
 * for what is neither: empty, or a number out of range (such as -1). */
static int parse_query(const char *s, int *query, const char **word)
{
    char *end;
    if (!*s) return -1;
    if (strspn(s, "0123456789") == strlen(s)) {
        *word = NULL;
        return parse_int(s, 0, INT_MAX, query);
    }
    (void)strtol(s, &end, 10);
    if (!*end) return -1; /* "-1", "+3": numbers, but no token's */
    *word = s;
    *query = -1;
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

/* The bundled pair, by the names --model also takes: the causal decoder
 * (the default model) and the bidirectional encoder (issue 20). */
static const struct {
    const char *name, *file;
} bundled[] = {
    {"decoder", DEFAULT_MODEL_FILE},
    {"encoder", ENCODER_MODEL_FILE},
};
enum { N_BUNDLED = sizeof bundled / sizeof bundled[0] };

/* Bundled model FILE: beside the binary in a build tree (src/../data), where
 * `make install` put it, or in the source tree of an out-of-tree build.
 * BUF receives the path; NULL when none of them exists. */
static const char *bundled_path(const char *file, char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char dir[PATH_MAX] = "";
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(dir, sizeof dir, "%s", exe);
    }
    const char *candidates[][2] = {
        {dir, "/../data/"},
        {PKGDATADIR, "/"},
        {ATTNSCOPE_SRCDIR, "/data/"},
    };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (!candidates[i][0][0]) continue;
        snprintf(buf, len, "%s%s%s", candidates[i][0], candidates[i][1], file);
        if (access(buf, R_OK) == 0) return buf;
    }
    return NULL;
}

/* --model decoder / encoder: the bundled model of that name (a file of
 * that name in the current directory wins).  Else PATH itself. */
static const char *model_by_name(const char *path, char *buf, size_t len)
{
    if (access(path, F_OK) == 0) return path;
    for (int i = 0; i < N_BUNDLED; i++)
        if (strcmp(path, bundled[i].name) == 0) {
            const char *p = bundled_path(bundled[i].file, buf, len);
            return p ? p : path;
        }
    return path;
}

/* Which bundled model PATH is (the same file), or -1. */
static int bundled_index(const char *path)
{
    char want[PATH_MAX], buf[PATH_MAX + 64], got[PATH_MAX];
    if (!realpath(path, want)) return -1;
    for (int i = 0; i < N_BUNDLED; i++) {
        const char *p = bundled_path(bundled[i].file, buf, sizeof buf);
        if (p && realpath(p, got) && strcmp(got, want) == 0) return i;
    }
    return -1;
}

/* The model when --model is not given: the config's, then $ATTNSCOPE_MODEL,
 * then the bundled one. */
static const char *default_model(const Config *cfg, char *buf, size_t len)
{
    if (cfg->model) return cfg->model;
    const char *env = getenv("ATTNSCOPE_MODEL");
    if (env && *env) return env;
    return bundled_path(DEFAULT_MODEL_FILE, buf, len);
}

/* The explorer, opened where the options (else the config file) say:
 * a layer, head or query number the model or the text does not have is the
 * usage error --dump gives; a query word the text lacks is only a note. */
static int explore(const Model *m, const Model *partner, const CliOptions *o, const Config *cfg,
                   int have_query,
                   Palette palette, int values, int lesson, bool plain, char *err,
                   size_t errlen)
{
    AppOptions ao = {
        .model = m, .partner = partner, .mask_word = o->mask_word, .text = o->text, .text_len = o->text_len, .palette = palette,
        .show_values = values,
        .layer = o->layer >= 0 ? o->layer : cfg->have_layer ? cfg->layer : 0,
        .head = o->head >= 0 ? o->head : cfg->have_head ? cfg->head : 0,
        .query = o->query, .query_word = o->query_word,
        .startup_note = cfg->n_warnings ? cfg->warnings[0] : NULL,
        .lesson = lesson ? 0 : -1,
        /* A plain `attnscope` (nothing chosen, here or in the config) opens
         * on the lesson's first example rather than on layer 0, head 0. */
        .intro = plain && !cfg->text && !cfg->have_layer && !cfg->have_head && !cfg->query,
    };
    if (!have_query && cfg->query && parse_query(cfg->query, &ao.query, &ao.query_word))
        ao.query = -1, ao.query_word = cfg->query; /* "-1": no token's number, a word then */
    if (cli_check_head(&m->cfg, ao.layer, ao.head, err, errlen)) return 2;
    unsigned char *mask = NULL;
    if (o->ablate) {
        /* --ablate without --dump: the explorer opens with them out (K). */
        mask = malloc((size_t)m->cfg.n_layers * m->cfg.n_heads);
        if (!mask) {
            error_set(err, errlen, "out of memory");
            return 1;
        }
        if (run_parse_heads(&m->cfg, o->ablate, mask, err, errlen)) {
            free(mask);
            return 2;
        }
        ao.ablate = mask;
    }
    if (ao.query >= 0) {
        int q;
        int rc = cli_query_token(m, o->text, o->text_len, ao.query, NULL, &q, err, errlen);
        if (rc) {
            free(mask);
            return rc;
        }
    }
    int rc = app_run(&ao, err, errlen);
    free(mask);
    return rc;
}

int main(int argc, char **argv)
{
    enum { OPT_RUNS = 256, OPT_VALUES, OPT_LESSON, OPT_ABLATE, OPT_PRUNE, OPT_VIEW, OPT_MASK };
    static const struct option longopts[] = {
        {"info", no_argument, NULL, 'i'},        {"dump", required_argument, NULL, 'd'},
        {"bench", no_argument, NULL, 'b'},       {"model", required_argument, NULL, 'm'},
        {"text", required_argument, NULL, 't'},  {"text-file", required_argument, NULL, 'f'},
        {"layer", required_argument, NULL, 'l'}, {"head", required_argument, NULL, 'H'},
        {"query", required_argument, NULL, 'q'},
        {"runs", required_argument, NULL, OPT_RUNS},
        {"config", required_argument, NULL, 'c'}, {"palette", required_argument, NULL, 'p'},
        {"values", no_argument, NULL, OPT_VALUES},
        {"lesson", no_argument, NULL, OPT_LESSON},
        {"ablate", required_argument, NULL, OPT_ABLATE},
        {"prune", required_argument, NULL, OPT_PRUNE},
        {"view", required_argument, NULL, OPT_VIEW},
        {"mask", required_argument, NULL, OPT_MASK},
        {"help", no_argument, NULL, 'h'},        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    CliOptions o = {.text = NULL, .layer = -1, .head = -1, .query = -1, .format = DUMP_JSON};
    int info = 0, dump = 0, bench = 0, lesson = 0, prune = 0, values = 0, have_palette = 0, have_query = 0;
    int have_view = 0;
    Palette palette = PALETTE_AUTO;
    const char *text_file = NULL, *config_path = NULL;
    int c;
    setlocale(LC_ALL, "");
    while ((c = getopt_long(argc, argv, "id:bm:t:f:l:H:q:c:p:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': info = 1; break;
        case 'b': bench = 1; break;
        case 'd':
            dump = 1;
            if (strcmp(optarg, "json") == 0) o.format = DUMP_JSON;
            else if (strcmp(optarg, "csv") == 0) o.format = DUMP_CSV;
            else if (strcmp(optarg, "svg") == 0) o.format = DUMP_SVG;
            else if (strcmp(optarg, "heads") == 0) o.format = DUMP_HEADS;
            else if (strcmp(optarg, "importance") == 0) o.format = DUMP_IMPORTANCE;
            else if (strcmp(optarg, "logits") == 0) o.format = DUMP_LOGITS;
            else {
                fprintf(stderr, "attnscope: --dump takes json, csv, svg, heads, importance or "
                                "logits, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'm': o.model_path = optarg; break;
        case 't': o.text = optarg; text_file = NULL; break;
        case 'f': text_file = optarg; break;
        case 'c': config_path = optarg; break;
        case 'p':
            if (config_parse_palette(optarg, &palette)) {
                fprintf(stderr, "attnscope: --palette takes auto, truecolor, 256, 8, mono or "
                                "ascii, not '%s'\n", optarg);
                return 2;
            }
            have_palette = 1;
            break;
        case OPT_VALUES: values = 1; break;
        case OPT_ABLATE: o.ablate = optarg; break;
        case OPT_MASK: o.mask_word = optarg; break;
        case OPT_VIEW:
            if (flow_parse(optarg, &o.view)) {
                fprintf(stderr, "attnscope: --view takes attention, rollout or values, not '%s'\n",
                        optarg);
                return 2;
            }
            have_view = 1;
            break;
        case OPT_PRUNE:
            if (parse_int(optarg, 1, INT_MAX, &prune)) {
                fprintf(stderr, "attnscope: --prune takes a number of heads from 1, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_LESSON: lesson = 1; break;
        case 'l':
        case 'H': {
            int *dst = c == 'l' ? &o.layer : &o.head;
            if (parse_int(optarg, 0, INT_MAX, dst)) {
                fprintf(stderr, "attnscope: --%s takes a number from 0, not '%s'\n",
                        c == 'l' ? "layer" : "head", optarg);
                return 2;
            }
            break;
        }
        case 'q':
            if (parse_query(optarg, &o.query, &o.query_word)) {
                fprintf(stderr, "attnscope: --query takes a token number from 0 or a word, "
                                "not '%s'\n", optarg);
                return 2;
            }
            have_query = 1;
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
    if (info + dump + bench + (prune > 0) > 1 || (lesson && (info || bench || prune))) {
        fprintf(stderr, "attnscope: choose one of --info, --dump, --lesson, --prune and --bench\n");
        return 2;
    }
    if (o.ablate && (lesson || bench || info || prune || (dump && o.format == DUMP_IMPORTANCE))) {
        fprintf(stderr, "attnscope: --ablate goes with --dump (e.g. --dump json --ablate 0.2) "
                        "or opens the explorer with those heads knocked out\n");
        return 2;
    }
    if (have_view && (!dump || lesson || o.format == DUMP_HEADS || o.format == DUMP_IMPORTANCE ||
                      o.format == DUMP_LOGITS)) {
        fprintf(stderr, "attnscope: --view goes with --dump json, csv or svg (e.g. --dump json "
                        "--view rollout)\n");
        return 2;
    }
    if (o.mask_word && (lesson || bench || info || prune || (dump && o.format == DUMP_IMPORTANCE))) {
        fprintf(stderr, "attnscope: --mask goes with --dump (e.g. --dump json --mask bank) or "
                        "opens the explorer with that word hidden\n");
        return 2;
    }
    if (lesson && dump && o.format != DUMP_JSON) {
        fprintf(stderr, "attnscope: --lesson prints its steps with --dump json only\n");
        return 2;
    }

    /* Settings: a named config must exist; the default one may not. */
    Config cfg;
    char err[512] = "", cfg_buf[4096];
    memset(&cfg, 0, sizeof cfg);
    const char *cfg_file = config_path ? config_path : config_default_path(cfg_buf, sizeof cfg_buf);
    if (cfg_file && config_load(&cfg, cfg_file, config_path != NULL, err, sizeof err)) {
        fprintf(stderr, "attnscope: %s\n", err);
        return 2;
    }
    for (int i = 0; i < cfg.n_warnings; i++) fprintf(stderr, "attnscope: %s\n", cfg.warnings[i]);
    char model_buf[PATH_MAX + 64];
    if (!o.model_path) o.model_path = default_model(&cfg, model_buf, sizeof model_buf);
    if (o.model_path) o.model_path = model_by_name(o.model_path, model_buf, sizeof model_buf);
    if (!o.text && !text_file) o.text = cfg.text ? cfg.text : DEFAULT_TEXT;
    if (!have_palette) palette = cfg.palette;
    if (!values) values = cfg.show_values;

    int rc = 0;
    char *text_buf = NULL;
    if (!o.model_path) {
        fprintf(stderr, "attnscope: no model given and the bundled model " DEFAULT_MODEL_FILE
                        " is not installed (looked in %s); use --model FILE.gguf, model= in the "
                        "config file, or ATTNSCOPE_MODEL\n", PKGDATADIR);
        rc = 2;
        goto done;
    }
    if (text_file) {
        text_buf = read_text_file(text_file, &o.text_len);
        if (!text_buf) {
            fprintf(stderr, "attnscope: %s: %s\n", text_file,
                    errno == EFBIG ? "text file too large" : strerror(errno));
            rc = 1;
            goto done;
        }
        o.text = text_buf;
    } else {
        o.text_len = strlen(o.text);
    }

    if (bench) {
        rc = cli_bench(stdout, o.model_path, &o, err, sizeof err);
    } else {
        Model *m;
        if (model_open(&m, o.model_path, err, sizeof err)) {
            rc = 1;
        } else if (info || dump || prune) {
            rc = info     ? cli_info(stdout, m, err, sizeof err)
                 : lesson ? cli_lesson(stdout, m, err, sizeof err)
                 : prune  ? cli_prune(stdout, m, &o, prune, err, sizeof err)
                          : cli_dump(stdout, m, &o, err, sizeof err);
            model_close(m);
        } else {
            /* The bundled pair: the other one is opened too, for M. */
            Model *partner = NULL;
            int b = bundled_index(o.model_path);
            char pbuf[PATH_MAX + 64], perr[512];
            const char *ppath = b >= 0 ? bundled_path(bundled[(b + 1) % N_BUNDLED].file, pbuf, sizeof pbuf)
                                       : NULL;
            if (ppath && model_open(&partner, ppath, perr, sizeof perr)) partner = NULL;
            rc = explore(m, partner, &o, &cfg, have_query, palette, values, lesson, argc == 1,
                         err, sizeof err);
            model_close(partner);
            model_close(m);
        }
    }
    if (rc) fprintf(stderr, "attnscope: %s\n", err[0] ? err : "failed");
done:
    free(text_buf);
    config_free(&cfg);
    return rc;
}
