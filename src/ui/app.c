/*
 * app.c - the event loop.
 *
 *   poll(terminal, signal pipe, worker pipe)
 *     key    -> keymap (pure) -> app_state_apply (pure) -> needs:
 *               a query row (the shared kernel, here, at once)
 *               a forward pass (the worker thread; stale results dropped)
 *     signal -> resize, or quit (SIGINT, SIGTERM, SIGHUP)
 *     worker -> install the new trace if it is for the current text
 *   then draw the panels; curses sends only the cells that changed.
 *
 * Nothing spins: poll() waits without a timeout unless libtermkey is holding
 * a partial escape sequence.
 */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termkey.h>
#include <unistd.h>

#include "app_state.h"
#include "error.h"
#include "export.h"
#include "keymap.h"
#include "scene.h"
#include "screen.h"
#include "theme.h"
#include "views.h"
#include "worker.h"

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t ignored = write(signal_pipe[1], &b, 1);
    (void)ignored;
    errno = saved;
}

typedef struct {
    const AppOptions *opt;
    AppState st;
    Scene scene;
    Theme theme;
    Layout layout;
    ViewPans pans;
    Worker *worker;
    TermKey *tk;
    int wake[2];
    bool submit_pending; /* the text changed: a pass to start once drawn */
    char message[300];
    bool have_message;
    bool message_from_compute; /* cleared by the next good result */
} App;

static int make_pipe(int fds[2])
{
    if (pipe(fds)) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void drain(int fd)
{
    unsigned char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {}
}

static UiKey convert_key(const TermKeyKey *k)
{
    UiKey u;
    memset(&u, 0, sizeof u);
    u.kind = UIKEY_OTHER;
    if (k->modifiers & TERMKEY_KEYMOD_SHIFT) u.mods |= UIMOD_SHIFT;
    if (k->modifiers & TERMKEY_KEYMOD_ALT) u.mods |= UIMOD_ALT;
    if (k->modifiers & TERMKEY_KEYMOD_CTRL) u.mods |= UIMOD_CTRL;
    if (k->type == TERMKEY_TYPE_UNICODE) {
        u.kind = UIKEY_CHAR;
        u.codepoint = (uint32_t)k->code.codepoint;
        memcpy(u.utf8, k->utf8, sizeof u.utf8 - 1);
        return u;
    }
    if (k->type != TERMKEY_TYPE_KEYSYM) return u;
    switch (k->code.sym) {
    case TERMKEY_SYM_LEFT: u.kind = UIKEY_LEFT; break;
    case TERMKEY_SYM_RIGHT: u.kind = UIKEY_RIGHT; break;
    case TERMKEY_SYM_UP: u.kind = UIKEY_UP; break;
    case TERMKEY_SYM_DOWN: u.kind = UIKEY_DOWN; break;
    /* VT220 "Find" and "Select" are what Home and End send as ESC [1~ and
     * ESC [4~ in tmux, screen and the Linux console. */
    case TERMKEY_SYM_HOME: case TERMKEY_SYM_BEGIN: case TERMKEY_SYM_FIND: u.kind = UIKEY_HOME; break;
    case TERMKEY_SYM_END: case TERMKEY_SYM_SELECT: u.kind = UIKEY_END; break;
    case TERMKEY_SYM_PAGEUP: u.kind = UIKEY_PAGEUP; break;
    case TERMKEY_SYM_PAGEDOWN: u.kind = UIKEY_PAGEDOWN; break;
    case TERMKEY_SYM_TAB: u.kind = UIKEY_TAB; break;
    case TERMKEY_SYM_ENTER: u.kind = UIKEY_ENTER; break;
    case TERMKEY_SYM_ESCAPE: u.kind = UIKEY_ESCAPE; break;
    case TERMKEY_SYM_BACKSPACE: case TERMKEY_SYM_DEL: u.kind = UIKEY_BACKSPACE; break;
    case TERMKEY_SYM_DELETE: u.kind = UIKEY_DELETE; break;
    case TERMKEY_SYM_SPACE:
        u.kind = UIKEY_CHAR;
        u.codepoint = ' ';
        u.utf8[0] = ' ';
        break;
    default: break;
    }
    return u;
}

static void set_message(App *a, const char *msg)
{
    a->have_message = msg != NULL;
    if (msg) snprintf(a->message, sizeof a->message, " %s", msg);
}

static void draw(App *a)
{
    Layout *l = &a->layout;
    if (l->too_small) {
        erase();
        char line[96];
        snprintf(line, sizeof line, "terminal too small: %dx%d", COLS, LINES);
        mvaddnstr(LINES / 2 - (LINES > 1), 0, line, COLS);
        snprintf(line, sizeof line, "attnscope needs %dx%d", SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
        if (LINES > 1) mvaddnstr(LINES / 2, 0, line, COLS);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    ViewData v = {
        .scene = &a->scene,
        .st = &a->st,
        .theme = &a->theme,
        .computing = a->submit_pending || (a->worker && worker_busy(a->worker)),
        .message = a->have_message ? a->message : (a->st.note ? a->st.note : NULL),
        .pans = &a->pans,
    };
    title_view_draw(l->title, &v);
    bool overview = a->st.mode == MODE_OVERVIEW ||
                    (a->st.mode == MODE_HELP && a->st.help_return == MODE_OVERVIEW);
    if (overview) overview_view_draw(l->heat, &v);
    else if (a->st.predict) predict_view_draw(l->heat, &v);
    else if (a->st.math) math_view_draw(l->heat, &v);
    else if (a->st.multi) multihead_view_draw(l->heat, &v);
    else if (a->st.pinned) compare_view_draw(l->heat_left, l->heat_right, &v);
    else heatmap_view_draw(l->heat, &v);
    if (l->side) sidebar_view_draw(l->side, &v);
    status_view_draw(l->status, &v);
    sentence_view_draw(l->sentence, &v);
    wnoutrefresh(l->title);
    if (!overview && a->st.pinned && !a->st.predict && !a->st.math && !a->st.multi) {
        /* The halves were drawn, not heat itself: copy them into it. */
        touchwin(l->heat);
    }
    wnoutrefresh(l->heat);
    if (l->side) wnoutrefresh(l->side);
    wnoutrefresh(l->status);
    if (a->st.mode == MODE_HELP) {
        wnoutrefresh(l->sentence);
        help_view_draw(l->help, &v);
        wnoutrefresh(l->help);
        curs_set(0);
    } else {
        /* The sentence last: in edit mode its cursor is the terminal's. */
        curs_set(a->st.mode == MODE_EDIT ? 1 : 0);
        wnoutrefresh(l->sentence);
    }
    doupdate();
}

/* A finished forward pass: show it if it is for the text now typed. */
static void take_result(App *a)
{
    WorkResult r;
    while (worker_take(a->worker, &r)) {
        if (r.gen != a->st.text_gen) {
            work_result_free(&r); /* the user typed on: stale */
            continue;
        }
        if (r.failed) {
            set_message(a, r.message);
            a->message_from_compute = true;
            work_result_free(&r);
            continue;
        }
        if (scene_install(&a->scene, &r)) {
            set_message(a, "out of memory preparing the view");
            work_result_free(&r);
            continue;
        }
        if (a->message_from_compute) set_message(a, NULL);
        a->message_from_compute = false;
        app_state_set_tokens(&a->st, a->scene.res.n);
        scene_update(&a->scene, &a->st);
    }
}

/* Write the matrix on screen as NAME.csv and NAME.svg in the current
 * directory, and say so (or why not) in the status line. */
static void save_head(App *a)
{
    const Scene *s = &a->scene;
    if (!s->have) return;
    char name[64], path[80], title[300];
    if (a->st.mean) snprintf(name, sizeof name, "attnscope-L%d-mean", a->st.layer);
    else snprintf(name, sizeof name, "attnscope-L%d-H%d", a->st.layer, a->st.head);
    snprintf(title, sizeof title, "%s: layer %d, %s", s->model->name, a->st.layer,
             a->st.mean ? "mean of the heads" : "head");
    if (!a->st.mean) snprintf(title + strlen(title), sizeof title - strlen(title), " %d", a->st.head);
    int n = s->res.n;
    const char **labels = malloc((size_t)n * sizeof *labels);
    if (!labels) return;
    for (int i = 0; i < n; i++) labels[i] = tokenizer_piece(s->model->tok, s->res.tokens[i].id);
    const float *m = scene_matrix(s, &a->st);
    const char *ext[] = {"csv", "svg"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s.%s", name, ext[k]);
        FILE *f = fopen(path, "w");
        int rc = f ? (k ? export_svg(f, title, labels, n, m) : export_csv(f, labels, n, m)) : -1;
        if (f && fclose(f)) rc = -1;
        if (rc) {
            char msg[200];
            snprintf(msg, sizeof msg, "could not write %s: %s", path, strerror(errno));
            set_message(a, msg);
            free(labels);
            return;
        }
    }
    char msg[200];
    snprintf(msg, sizeof msg, "saved %s.csv and %s.svg", name, name);
    set_message(a, msg);
    free(labels);
}

/* n, N or Enter after /: the query to the next or previous word that starts
 * with what was typed, or a message saying there is none. */
static void find_word(App *a)
{
    AppState *st = &a->st;
    int dir = st->search_dir;
    st->search_dir = 0;
    if (!a->scene.have) return;
    int i = scene_find(&a->scene, st->search, st->query, dir);
    char msg[160];
    if (i < 0) {
        snprintf(msg, sizeof msg, "no word starting with \"%s\"", st->search);
        set_message(a, msg);
        return;
    }
    if (app_state_set_query(st, i) & NEED_ROW) scene_update(&a->scene, st);
}

/* The layout was (re)built: PgDn moves the query by the heatmap's rows (its
 * window less the frame and the header line). */
static void layout_changed(App *a)
{
    int rows = a->layout.heat ? getmaxy(a->layout.heat) - 3 : 1;
    a->st.page_rows = rows > 1 ? rows : 1;
}

static void handle_key(App *a, const TermKeyKey *k)
{
    UiKey u = convert_key(k);
    Action act = keymap_lookup(a->st.mode, &u);
    unsigned need = app_state_apply(&a->st, act, &u);
    if (act != ACT_NONE) set_message(a, NULL);
    if (need & NEED_FORWARD) a->submit_pending = true;
    if (need & NEED_ROW) scene_update(&a->scene, &a->st);
    if (need & NEED_FULL) clearok(curscr, TRUE);
    if (need & NEED_SAVE) save_head(a);
    if (need & NEED_SEARCH) find_word(a);
}

/* Returns false when the terminal is gone; *held says libtermkey holds the
 * start of an escape sequence and wants a timeout before deciding. */
static bool read_keys(App *a, bool *held)
{
    TermKeyResult res = termkey_advisereadable(a->tk);
    if (res == TERMKEY_RES_ERROR) return false;
    TermKeyKey key;
    while ((res = termkey_getkey(a->tk, &key)) == TERMKEY_RES_KEY) {
        handle_key(a, &key);
        if (a->st.quit) return true;
    }
    *held = res == TERMKEY_RES_AGAIN;
    return res != TERMKEY_RES_EOF && res != TERMKEY_RES_ERROR;
}

static int install_signals(void)
{
    if (make_pipe(signal_pipe)) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCONT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void loop(App *a)
{
    bool pending_key = false;
    draw(a);
    while (!a->st.quit) {
        struct pollfd fds[3] = {
            {STDIN_FILENO, POLLIN, 0}, {signal_pipe[0], POLLIN, 0}, {a->wake[0], POLLIN, 0}};
        int timeout = pending_key ? termkey_get_waittime(a->tk) : -1;
        int r = poll(fds, 3, timeout);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        bool redraw = false, resized = false;
        if (fds[1].revents & POLLIN) {
            unsigned char sigs[64];
            ssize_t n;
            while ((n = read(signal_pipe[0], sigs, sizeof sigs)) > 0)
                for (ssize_t i = 0; i < n; i++) {
                    if (sigs[i] == SIGWINCH) resized = true;
                    else if (sigs[i] == SIGCONT) redraw = resized = true;
                    else a->st.quit = true;
                }
            if (a->st.quit) break;
        }
        if (fds[2].revents & POLLIN) {
            drain(a->wake[0]);
            take_result(a);
            redraw = true;
        }
        if (r == 0 && pending_key) {
            /* The escape-sequence timeout ran out: what was held is a key. */
            TermKeyKey key;
            if (termkey_getkey_force(a->tk, &key) == TERMKEY_RES_KEY) handle_key(a, &key);
            pending_key = false;
            redraw = true;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!read_keys(a, &pending_key)) break; /* the terminal went away */
            redraw = true;
        }
        if (resized) {
            screen_resize();
            layout_build(&a->layout);
            layout_changed(a);
            clearok(curscr, TRUE);
        }
        if (redraw || resized) draw(a);
        /* Start the pass only after the keys' echo is on the screen: waking
         * the worker first lets it (and OpenBLAS's threads) take the CPU
         * from this redraw.  A burst of keys read at once starts one pass. */
        if (a->submit_pending) {
            a->submit_pending = false;
            worker_submit(a->worker, a->st.text, a->st.len, a->st.text_gen);
        }
    }
}

int app_run(const AppOptions *o, char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        error_set(err, errlen, "the explorer needs a terminal on standard input and output; "
                               "use --dump, --info or --bench in pipes and scripts");
        return 2;
    }
    App a;
    memset(&a, 0, sizeof a);
    a.opt = o;
    a.wake[0] = a.wake[1] = -1;
    int rc = 1;
    bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    const ModelConfig *c = &o->model->cfg;
    if (app_state_init(&a.st, c->n_layers, c->n_heads, o->text, o->text_len)) {
        error_set(err, errlen, "out of memory");
        return 1;
    }
    a.st.show_values = o->show_values;
    scene_init(&a.scene, o->model, utf8);
    if (install_signals() || make_pipe(a.wake)) {
        error_set(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto out;
    }
    if (screen_start(err, errlen)) goto out;
    /* curses owns the terminal modes; libtermkey only decodes input. */
    a.tk = termkey_new(STDIN_FILENO, TERMKEY_FLAG_NOTERMIOS | (utf8 ? TERMKEY_FLAG_UTF8 : TERMKEY_FLAG_RAW));
    if (!a.tk) {
        screen_stop();
        error_set(err, errlen, "cannot set up keyboard input (libtermkey)");
        goto out;
    }
    theme_init(&a.theme, o->palette, utf8);
    layout_build(&a.layout);
    layout_changed(&a);
    a.worker = worker_start(o->model, a.wake[1]);
    if (!a.worker) {
        termkey_destroy(a.tk);
        screen_stop();
        error_set(err, errlen, "cannot start the compute thread");
        goto out;
    }
    if (o->startup_note) set_message(&a, o->startup_note);
    worker_submit(a.worker, a.st.text, a.st.len, a.st.text_gen);
    loop(&a);
    worker_stop(a.worker);
    layout_free(&a.layout);
    termkey_destroy(a.tk);
    screen_stop();
    rc = 0;
out:
    scene_free(&a.scene);
    app_state_free(&a.st);
    for (int i = 0; i < 2; i++) {
        if (a.wake[i] >= 0) close(a.wake[i]);
        if (signal_pipe[i] >= 0) close(signal_pipe[i]), signal_pipe[i] = -1;
    }
    return rc;
}
