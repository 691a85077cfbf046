/*
 * fuzz_config.c - bytes as the settings file, through config_load().
 *
 * The input is written to one anonymous file (memfd, else a file in /tmp)
 * that config_load() opens by path.  Checked besides memory safety: nothing
 * reaches standard error (the core never prints, and iniparser's messages
 * must be captured), the values kept are valid (text is UTF-8 and at most
 * 4096 bytes, the palette is one of the six), and iniparser never disagrees
 * with config.c's own scan of the lines: config.c hands it only lines the
 * scan accepted, so a whole-file warning from iniparser means the two split
 * the file differently.
 *
 * Standard error is pointed at a second memfd around the call; sanitizer
 * reports go to a copy of the real one, so a crash inside is still shown.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_util.h"
#include "utf8.h"

static int input_fd = -1, capture_fd = -1, real_stderr = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    input_fd = memfd_create("fuzz-config", MFD_CLOEXEC);
    if (input_fd >= 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", input_fd);
        if (access(path, R_OK) != 0) close(input_fd), input_fd = -1;
    }
    if (input_fd < 0) {
        snprintf(path, sizeof path, "/tmp/attnscope-fuzz-config-%ld.ini", (long)getpid());
        input_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (input_fd < 0) {
            perror(path);
            abort();
        }
    }
    capture_fd = memfd_create("fuzz-config-stderr", MFD_CLOEXEC);
    real_stderr = dup(STDERR_FILENO);
    if (real_stderr >= 0) __sanitizer_set_report_fd((void *)(intptr_t)real_stderr);
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    if (ftruncate(input_fd, 0) != 0) abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = pwrite(input_fd, data + off, size - off, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) abort();
        off += (size_t)w;
    }
}

/* Point stderr at the capture file (emptied), or back. */
static bool capture_begin(void)
{
    if (capture_fd < 0 || real_stderr < 0) return false;
    if (ftruncate(capture_fd, 0) != 0 || lseek(capture_fd, 0, SEEK_SET) != 0) return false;
    fflush(stderr);
    return dup2(capture_fd, STDERR_FILENO) >= 0;
}

static void capture_end(void)
{
    fflush(stderr);
    dup2(real_stderr, STDERR_FILENO);
    struct stat st;
    if (fstat(capture_fd, &st) != 0 || st.st_size == 0) return;
    char buf[512];
    ssize_t r = pread(capture_fd, buf, sizeof buf - 1, 0);
    buf[r > 0 ? r : 0] = '\0';
    FUZZ_CHECK(st.st_size == 0, "config_load printed %lld bytes to stderr: %s",
               (long long)st.st_size, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    write_input(data, size);
    Config cfg;
    char err[512] = "";
    bool captured = capture_begin();
    int rc = config_load(&cfg, path, true, err, sizeof err);
    if (captured) capture_end();
    if (size <= (1u << 20)) FUZZ_CHECK(rc == 0, "config_load refused %zu bytes: %s", size, err);
    if (rc) return 0;

    FUZZ_CHECK((int)cfg.palette >= PALETTE_AUTO && (int)cfg.palette <= PALETTE_ASCII,
               "palette %d", (int)cfg.palette);
    if (cfg.text) {
        size_t n = strlen(cfg.text);
        FUZZ_CHECK(n > 0 && n <= 4096 && utf8_valid(cfg.text, n), "text of %zu bytes kept", n);
    }
    FUZZ_CHECK(!cfg.model || cfg.model[0], "an empty model path kept");
    FUZZ_CHECK(cfg.n_warnings >= 0 && cfg.n_warnings <= 101, "%d warnings", cfg.n_warnings);
    size_t plen = strlen(path);
    for (int i = 0; i < cfg.n_warnings; i++) {
        const char *w = cfg.warnings[i];
        FUZZ_CHECK(w && strncmp(w, path, plen) == 0, "warning %d does not name the file", i);
        /* "PATH: ..." without a line number is about the whole file: only
         * the note that the list was cut may be one. */
        if (w[plen] == ':' && w[plen + 1] == ' ')
            FUZZ_CHECK(strcmp(w + plen, ": further problems were not listed") == 0,
                       "iniparser disagrees with the scan: %s", w);
    }
    config_free(&cfg);
    return 0;
}
