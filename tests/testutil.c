/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *test_shared_dir(void)
{
    static char found[4096];
    /* An explicit ATTNSCOPE_SHARED is the only place looked at: a test told
     * where the material is must not find another copy elsewhere. */
    const char *env = getenv("ATTNSCOPE_SHARED");
    const char *candidates[] = {"../shared", "../../shared"};
    if (env && *env) candidates[0] = env, candidates[1] = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (!candidates[i]) continue;
        char probe[4200];
        struct stat st;
        snprintf(probe, sizeof probe, "%s/models", candidates[i]);
        if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(found, sizeof found, "%s", candidates[i]);
            return found;
        }
    }
    return NULL;
}

Model *test_open_model(const char *which, char *err, size_t errlen)
{
    char path[4200];
    const char *srcdir = getenv("ATTNSCOPE_SRCDIR"), *shared = test_shared_dir();
    err[0] = '\0';
    if (strcmp(which, "bundled") == 0)
        snprintf(path, sizeof path, "%s/data/tinystories-2m.gguf",
                 srcdir && *srcdir ? srcdir : "..");
    else if (shared)
        snprintf(path, sizeof path, "%s/models/%s", shared, which);
    else
        return NULL;
    if (access(path, R_OK) != 0) return NULL;
    Model *m = NULL;
    if (model_open(&m, path, err, errlen)) return NULL;
    return m;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) free(buf);
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

const char *test_attnscope_bin(void)
{
    const char *env = getenv("ATTNSCOPE_BIN");
    return env && *env ? env : "../src/attnscope";
}

/* Append what is readable on FD to a growing buffer; 0 at end of file. */
static int drain(int fd, char **buf, size_t *len, size_t *cap)
{
    if (*len + 65536 + 1 > *cap) {
        size_t ncap = (*cap ? *cap * 2 : 131072);
        while (ncap < *len + 65536 + 1) ncap *= 2;
        char *b = realloc(*buf, ncap);
        if (!b) return -1;
        *buf = b;
        *cap = ncap;
    }
    ssize_t r = read(fd, *buf + *len, 65536);
    if (r > 0) *len += (size_t)r;
    return r > 0 ? 1 : (int)r;
}

int test_run(char *const argv[], char **out, size_t *out_len, char **errtext)
{
    int po[2], pe[2];
    if (pipe(po) || pipe(pe)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]), close(pe[1]);
    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0}, caps[2] = {0, 0};
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    /* Read both pipes together so a child filling one never blocks. */
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (drain(fds[i].fd, &bufs[i], &lens[i], &caps[i]) <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int status;
    waitpid(pid, &status, 0);
    for (int i = 0; i < 2; i++) {
        if (!bufs[i]) bufs[i] = calloc(1, 1);
        else bufs[i][lens[i]] = '\0';
    }
    if (out_len) *out_len = lens[0];
    if (out) *out = bufs[0];
    else free(bufs[0]);
    if (errtext) *errtext = bufs[1];
    else free(bufs[1]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
