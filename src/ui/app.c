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
#include "lesson.h"
#include "scene.h"
#include "screen.h"
#include "theme.h"
#include "ui_text.h"
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
    const Model *model;  /* on screen: opt->model, or after M its partner */
    const Model *other;  /* what M switches to, or NULL */
    bool utf8;
    /* After M: the byte of the text the query stood on, to put it back on
     * that word in the other model's tokens; (size_t)-1: none. */
    size_t follow_byte;
    char fatal[256];     /* why the loop had to stop (app_run's error), or "" */
    AppState st;
    Scene scene;
    Theme theme;
    Layout layout;
    ViewPans pans;
    Worker *worker;
    TermKey *tk;
    int in_fd;           /* the keys: stdin, or /dev/tty when stdin is a pipe */
    int wake[2];
    bool submit_pending; /* the text changed: a pass to start once drawn */
    char message[512];   /* the last key's outcome: gone at the next key */
    bool have_message;
    /* Why the text on screen could not be computed (over the context, ...):
     * stays until a pass succeeds, whatever keys come between. */
    char compute_message[300];
    bool have_compute_message;
    bool opened;         /* the first result is in: --query applied */
    /* The lesson step whose measured layer, head and query the screen takes
     * when its result comes in (entering a step, the intro); -1: none. */
    int lesson_apply;
} App;

/* The panel each lesson step shows (views.h), unless the student opened one
 * of the explorer's own (m, x, t, c).  Adding a step of a new kind: a row. */
static void (*const lesson_panels[])(WINDOW *, const ViewData *) = {
    [LESSON_VIEW_ROW] = heatmap_view_draw,
    [LESSON_VIEW_QKV] = lesson_qkv_view_draw,
    [LESSON_VIEW_SOFTMAX] = math_view_draw,
    [LESSON_VIEW_MASK] = heatmap_view_draw,
    [LESSON_VIEW_HEADS] = lesson_heads_view_draw,
    [LESSON_VIEW_COST] = lesson_cost_view_draw,
    [LESSON_VIEW_TWIN] = lesson_twin_view_draw,
    [LESSON_VIEW_PRUNE] = lesson_prune_view_draw,
    [LESSON_VIEW_PAIR] = lesson_twin_view_draw,
};

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
    if (msg) snprintf(a->message, sizeof a->message, " %.500s", msg);
}

static void layout_changed(App *a);

static void draw(App *a)
{
    Layout *l = &a->layout;
    if (l->in_lesson != (a->st.lesson >= 0)) {
        layout_build(l, a->st.lesson >= 0);
        layout_changed(a);
        clearok(curscr, TRUE);
    }
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
        .message = a->have_message           ? a->message
                   : a->have_compute_message ? a->compute_message
                                             : a->st.note,
        .pans = &a->pans,
    };
    title_view_draw(l->title, &v);
    bool overview = a->st.mode == MODE_OVERVIEW ||
                    (a->st.mode == MODE_HELP && a->st.help_return == MODE_OVERVIEW);
    const LessonStep *step = lesson_step(a->st.lesson);
    if (overview) overview_view_draw(l->heat, &v);
    else if (a->st.predict) predict_view_draw(l->heat, &v);
    else if (a->st.math) math_view_draw(l->heat, &v);
    else if (a->st.multi) multihead_view_draw(l->heat, &v);
    else if (a->st.pinned) compare_view_draw(l->heat_left, l->heat_right, &v);
    else if (step) lesson_panels[step->view](l->heat, &v);
    else heatmap_view_draw(l->heat, &v);
    if (l->lesson) lesson_view_draw(l->lesson, &v);
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
    if (l->lesson) wnoutrefresh(l->lesson);
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

/* The token of NEW holding the character the query token of OLD started
 * its word with, when that character is in the text both share (before or
 * after the edit); else -1.  So the query stays on its word across an edit
 * even as the tokens before it come and go. */
static int follow_query(const WorkResult *old, int q, const WorkResult *new)
{
    if (q < 0 || q >= old->n || old->tokens[q].start >= old->tokens[q].end) return -1;
    size_t c = old->tokens[q].start;
    while (c + 1 < old->tokens[q].end && old->text[c] == ' ') c++;
    size_t pre = 0, suf = 0, lim = old->len < new->len ? old->len : new->len;
    while (pre < lim && old->text[pre] == new->text[pre]) pre++;
    while (suf < lim - pre && old->text[old->len - 1 - suf] == new->text[new->len - 1 - suf]) suf++;
    size_t to;
    if (c < pre) to = c;
    else if (c >= old->len - suf) to = c - old->len + new->len;
    else return -1; /* the edit changed the word itself */
    for (int i = 0; i < new->n; i++)
        if (new->tokens[i].start <= to && to < new->tokens[i].end) return i;
    return -1;
}

static void toggle_mask(App *a);

/* The first result: the query --query named, or a note saying why not. */
static void open_query(App *a)
{
    const AppOptions *o = a->opt;
    int q = o->query;
    a->opened = true;
    if (o->query_word) {
        q = scene_find(&a->scene, o->query_word, -1, +1);
        if (q < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "--query: no word starting with \"%s\" in the text",
                     o->query_word);
            set_message(a, msg);
        }
    }
    if (q >= 0) app_state_set_query(&a->st, q);
    if (o->mask_word) {
        /* --mask: that word hidden, as _ would hide it with the query on it. */
        int m = scene_find(&a->scene, o->mask_word, -1, +1);
        if (m < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "--mask: no word starting with \"%s\" in the text",
                     o->mask_word);
            set_message(a, msg);
        } else {
            if (q < 0) app_state_set_query(&a->st, m);
            int keep = a->st.query;
            a->st.query = m;
            toggle_mask(a);
            a->st.query = keep;
        }
    }
}

/* A step was entered (or the intro opened): its measured layer, head, query
 * and key, once the measurement for it is on screen. */
static void apply_lesson(App *a, bool followed)
{
    const WorkResult *r = &a->scene.res;
    if (!followed && a->lesson_apply < 0 && a->st.lesson >= 0 && r->lesson &&
        r->lesson_step == a->st.lesson) {
        /* An edit took the query's word away: back to the step's query. */
        app_state_set_query(&a->st, r->lesson->query);
        return;
    }
    if (a->lesson_apply < 0 || r->lesson_step != a->lesson_apply) return;
    a->lesson_apply = -1;
    const LessonResult *lr = r->lesson;
    if (!lr) return; /* the step's words are not in the text: the caption says so */
    AppState *st = &a->st;
    st->layer = lr->layer;
    st->head = lr->head;
    st->mean = false;
    app_state_set_query(st, lr->query);
    st->key = lr->key <= app_state_key_last(st) ? lr->key : st->query;
    /* The captions weigh whole words: when the model splits the query's or
     * the key's word into pieces, the screen shows words too (w). */
    const Scene *s = &a->scene;
    for (int i = 0; i < 2; i++) {
        int w = s->word_of[i ? st->key : st->query];
        if (s->word_first[w + 1] - s->word_first[w] > 1) st->words = true;
    }
}

/* The pass for the text now typed, measuring the lesson's step on it (or
 * the first step, for the intro); the cost step times whole passes. */
static void submit(App *a)
{
    if (!a->worker) return; /* M could not start one: the loop is ending */
    const AppState *st = &a->st;
    int step = st->lesson >= 0 ? st->lesson : a->lesson_apply;
    const LessonStep *ls = lesson_step(step);
    WorkJob job = {st->text, st->len, st->text_gen, ls ? step : -1,
                   ls && st->lesson >= 0 && ls->view == LESSON_VIEW_COST,
                   st->n_ablated ? st->ablate : NULL,
                   st->importance && st->mode == MODE_OVERVIEW,
                   st->masked ? st->mask_from : 0, st->masked ? st->mask_to : 0, a->other};
    worker_submit_job(a->worker, &job);
}

/* A finished forward pass: show it if it is for the text now typed. */
static void take_result(App *a)
{
    WorkResult r;
    while (a->worker && worker_take(a->worker, &r)) {
        if (r.gen != a->st.text_gen) {
            work_result_free(&r); /* the user typed on: stale */
            continue;
        }
        if (r.failed) {
            a->have_compute_message = true;
            snprintf(a->compute_message, sizeof a->compute_message, " %s", r.message);
            work_result_free(&r);
            continue;
        }
        bool had = a->scene.have;
        int follow = had ? follow_query(&a->scene.res, a->st.query, &r) : -1;
        if (scene_install(&a->scene, &r)) {
            set_message(a, "out of memory preparing the view");
            work_result_free(&r);
            continue;
        }
        a->have_compute_message = false;
        a->st.bidirectional = !a->scene.res.trace->causal;
        app_state_set_tokens(&a->st, a->scene.res.n);
        if (a->follow_byte != (size_t)-1) {
            /* The other model's tokens: the query back on its word. */
            for (int i = 0; i < a->scene.res.n && follow < 0; i++)
                if (a->scene.res.tokens[i].start <= a->follow_byte &&
                    a->follow_byte < a->scene.res.tokens[i].end)
                    follow = i;
            a->follow_byte = (size_t)-1;
        }
        if (follow >= 0) app_state_set_query(&a->st, follow);
        if (!a->opened) open_query(a);
        apply_lesson(a, follow >= 0 || !had);
        scene_update(&a->scene, &a->st);
    }
}

/* Create NAME.csv and NAME.svg, both new: attnscope-L0-H2, then
 * attnscope-L0-H2-2, ...; never over an existing file (O_EXCL).  Fills
 * NAME with the one taken and the two streams; -1 (errno) on failure. */
static int create_pair(const char *base, char *name, size_t cap, FILE *f[2])
{
    for (int k = 1; k < 1000; k++) {
        char path[2][128];
        if (k == 1) snprintf(name, cap, "%s", base);
        else snprintf(name, cap, "%s-%d", base, k);
        int fd[2] = {-1, -1};
        for (int e = 0; e < 2; e++) {
            snprintf(path[e], sizeof path[e], "%s.%s", name, e ? "svg" : "csv");
            fd[e] = open(path[e], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd[e] < 0) break;
        }
        if (fd[1] >= 0) {
            for (int e = 0; e < 2; e++) f[e] = fdopen(fd[e], "w");
            if (f[0] && f[1]) return 0;
            int saved = errno;
            for (int e = 0; e < 2; e++) {
                if (f[e]) fclose(f[e]);
                else close(fd[e]);
                unlink(path[e]);
            }
            errno = saved;
            return -1;
        }
        int saved = errno;
        if (fd[0] >= 0) close(fd[0]), unlink(path[0]);
        if (saved != EEXIST) {
            errno = saved;
            return -1;
        }
    }
    errno = EEXIST;
    return -1;
}

/* Matrix M of the screen (ST says what it is: head or mean, tokens or
 * words) as a new numbered NAME.csv and NAME.svg; 0, or -1 with a message. */
static int save_matrix(App *a, const AppState *st, const float *m, char *name, size_t cap,
                       char *msg, size_t msgcap)
{
    const Scene *s = &a->scene;
    char base[64], title[300];
    const char *words = st->words ? "-words" : "";
    if (st->mean) snprintf(base, sizeof base, "attnscope-L%d-mean%s", st->layer, words);
    else snprintf(base, sizeof base, "attnscope-L%d-H%d%s", st->layer, st->head, words);
    int o = snprintf(title, sizeof title, "%s: layer %d, ", s->model->name, st->layer);
    if (st->mean) o += snprintf(title + o, sizeof title - (size_t)o, "mean of the heads");
    else o += snprintf(title + o, sizeof title - (size_t)o, "head %d", st->head);
    if (st->words) snprintf(title + o, sizeof title - (size_t)o, ", whole words");
    /* Tokens are labelled with the model's pieces, as --dump writes them;
     * whole words with the words. */
    int n = scene_units(s, st);
    const char **labels = malloc((size_t)(n ? n : 1) * sizeof *labels);
    if (!labels) {
        snprintf(msg, msgcap, "out of memory saving the view");
        return -1;
    }
    for (int u = 0; u < n; u++)
        labels[u] = st->words ? scene_unit_label(s, st, u, NULL)
                              : tokenizer_piece(s->model->tok, s->res.tokens[u].id);
    FILE *f[2];
    int rc = create_pair(base, name, cap, f);
    if (rc) {
        snprintf(msg, msgcap, "could not save %s.csv: %s", base, strerror(errno));
    } else {
        rc = export_csv(f[0], labels, n, m) | export_svg(f[1], title, labels, n, m);
        for (int e = 0; e < 2; e++)
            if (fclose(f[e])) rc = -1;
        if (rc) snprintf(msg, msgcap, "could not write %s.csv/.svg: %s", name, strerror(errno));
    }
    free(labels);
    return rc;
}

/* s: what is on screen, each matrix as new CSV and SVG files in the current
 * directory (both heads when comparing), and the status line says where. */
static void save_view(App *a)
{
    if (!a->scene.have) return;
    char names[2][80], msg[500], dir[200] = ".";
    AppState pinned = a->st;
    pinned.layer = a->st.pin_layer;
    pinned.head = a->st.pin_head;
    pinned.mean = false;
    const AppState *views[2] = {a->st.pinned ? &pinned : NULL, &a->st};
    const float *m[2] = {scene_pinned_matrix(&a->scene, &a->st), scene_matrix(&a->scene, &a->st)};
    int saved = 0;
    for (int v = 0; v < 2; v++) {
        if (!views[v]) continue;
        if (save_matrix(a, views[v], m[v], names[saved], sizeof names[saved], msg, sizeof msg)) {
            set_message(a, msg);
            return;
        }
        saved++;
    }
    if (!getcwd(dir, sizeof dir)) snprintf(dir, sizeof dir, "the current directory");
    const char *home = getenv("HOME");
    size_t hl = home ? strlen(home) : 0;
    char shown[120];
    if (hl > 1 && strncmp(dir, home, hl) == 0 && (dir[hl] == '/' || !dir[hl]))
        snprintf(shown, sizeof shown, "~%.100s", dir + hl);
    else snprintf(shown, sizeof shown, "%.100s", dir);
    /* As much as the status line holds: the names and the directory, the
     * names, or the names with the extensions folded. */
    for (int form = 0; form < 3; form++) {
        const char *where = form == 0 ? shown : NULL;
        if (saved == 2)
            snprintf(msg, sizeof msg, "saved %s.csv/.svg and %s.csv/.svg%s%s", names[0], names[1],
                     where ? " in " : "", where ? where : "");
        else if (form < 2)
            snprintf(msg, sizeof msg, "saved %s.csv and %s.svg%s%s", names[0], names[0],
                     where ? " in " : "", where ? where : "");
        else snprintf(msg, sizeof msg, "saved %s.csv/.svg", names[0]);
        if (ui_text_width(msg, strlen(msg), true) < COLS) break;
    }
    set_message(a, msg);
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
 * window less the frame and the header lines). */
static void layout_changed(App *a)
{
    int rows = a->layout.heat ? view_grid_rows(getmaxy(a->layout.heat)) : 1;
    a->st.page_rows = rows > 1 ? rows : 1;
    /* The help's box less its frame and its last line (how to scroll). */
    int help = a->layout.help ? getmaxy(a->layout.help) - 3 : 1;
    a->st.help_page = help > 1 ? help : 1;
}

/* + or - in the pruning step: the step's first prune_k heads (least
 * important first, as measured on this sentence) knocked out, the rest in. */
static void apply_prune(App *a)
{
    AppState *st = &a->st;
    const WorkResult *r = &a->scene.res;
    const LessonResult *lr = a->scene.have && r->lesson_step == st->lesson ? r->lesson : NULL;
    if (!lr || lr->n_prune < 1) {
        st->prune_k = 0;
        set_message(a, lr && !lr->found ? "no ranking here: an encoder makes no next-word "
                                          "predictions (M: the decoder)"
                                        : "the heads' ranking is still being measured");
        return;
    }
    if (st->prune_k > lr->n_prune) {
        st->prune_k = lr->n_prune;
        set_message(a, "every head is out: - brings the last one back");
        return;
    }
    memset(st->ablate, 0, (size_t)st->n_layers * st->n_heads);
    for (int k = 0; k < st->prune_k; k++) st->ablate[lr->prune_order[k]] = 1;
    st->n_ablated = st->prune_k;
    st->text_gen++;
    a->submit_pending = true;
}

/* Under w a row is a word: the cursors step over words, not pieces, and
 * stand on a word's first piece (a word's row is its pieces' mean, so any
 * piece would show the same).  OLD_Q and OLD_K: before the action. */
static unsigned step_words(App *a, Action act, int old_q, int old_k)
{
    AppState *st = &a->st;
    const Scene *s = &a->scene;
    if (!st->words || !s->have) return 0;
    int units = scene_units(s, st), q = st->query, k = st->key;
    int uq = scene_unit_of(s, st, old_q), uk = scene_unit_of(s, st, old_k);
    if (act == ACT_QUERY_PREV && uq > 0) q = scene_unit_first(s, st, uq - 1);
    else if (act == ACT_QUERY_NEXT && uq + 1 < units) q = scene_unit_first(s, st, uq + 1);
    else if (act == ACT_QUERY_PREV || act == ACT_QUERY_NEXT) q = old_q;
    q = scene_unit_first(s, st, scene_unit_of(s, st, q));
    bool key_on_query = old_k == old_q || st->key == st->query;
    unsigned need = app_state_set_query(st, q);
    if (act == ACT_KEY_PREV && uk > 0) k = scene_unit_first(s, st, uk - 1);
    else if (act == ACT_KEY_NEXT) k = scene_unit_first(s, st, uk + 1 < units ? uk + 1 : uk);
    else k = key_on_query ? st->query : st->key;
    k = scene_unit_first(s, st, scene_unit_of(s, st, k));
    if (k > app_state_key_last(st)) k = st->query;
    if (k != st->key) st->key = k, need |= NEED_DRAW;
    return need;
}

/* M: the other model of the bundled pair on the same sentence, the query
 * kept on its word; a new worker for it (the old one is joined first). */
static void switch_model(App *a)
{
    if (!a->other) {
        set_message(a, "M: no other bundled model to switch to (--model decoder or encoder)");
        return;
    }
    if (!a->worker) return;
    size_t byte = (size_t)-1;
    const WorkResult *r = &a->scene.res;
    if (a->scene.have && a->st.query < r->n && r->tokens[a->st.query].end > r->tokens[a->st.query].start) {
        byte = r->tokens[a->st.query].start;
        while (byte + 1 < r->tokens[a->st.query].end && r->text[byte] == ' ') byte++;
    }
    worker_stop(a->worker);
    a->worker = NULL;
    const Model *m = a->other;
    a->other = a->model;
    a->model = m;
    scene_free(&a->scene);
    scene_init(&a->scene, m, a->utf8);
    /* Without the state or a worker the explorer cannot go on: it quits,
     * and app_run returns the reason. */
    if (app_state_set_model(&a->st, m->cfg.n_layers, m->cfg.n_heads)) {
        snprintf(a->fatal, sizeof a->fatal, "out of memory switching to %s", m->name);
        a->st.quit = true;
        return;
    }
    a->worker = worker_start(m, a->wake[1]);
    if (!a->worker) {
        snprintf(a->fatal, sizeof a->fatal, "cannot start the compute thread for %s", m->name);
        a->st.quit = true;
        return;
    }
    a->follow_byte = byte;
    if (a->st.lesson >= 0) a->lesson_apply = a->st.lesson;
    a->submit_pending = true;
    char msg[200];
    snprintf(msg, sizeof msg, "%s: %s", m->name,
             m->cfg.causal ? "causal: each word sees only the words before it"
                           : "bidirectional: each word sees every word, after it too");
    set_message(a, msg);
}

/* _: hide the query's word as [MASK] from a masked-language model and show
 * its guesses (the predictions panel), or show the word again. */
static void toggle_mask(App *a)
{
    AppState *st = &a->st;
    if (!model_fills_mask(a->model)) {
        set_message(a, a->other && model_fills_mask(a->other)
                           ? "_ hides a word from a masked-language model: M switches to the "
                             "encoder, which guesses hidden words"
                           : "_ hides a word from a masked-language model; this model has no "
                             "head that guesses hidden words");
        return;
    }
    if (st->masked) {
        st->masked = false;
        st->text_gen++;
        a->submit_pending = true;
        return;
    }
    const Scene *s = &a->scene;
    if (!s->have) return;
    int w = s->word_of[st->query];
    int first = s->word_first[w], last = s->word_first[w + 1] - 1;
    const Token *t = s->res.tokens;
    if (t[first].end <= t[first].start) {
        set_message(a, "the query is not on a word of the text: move it to one to hide it");
        return;
    }
    st->mask_from = t[first].start;
    st->mask_to = t[last].end;
    st->masked = true;
    st->text_gen++;
    st->predict = true, st->multi = st->math = st->pinned = false;
    a->submit_pending = true;
}

static void handle_key(App *a, const TermKeyKey *k)
{
    UiKey u = convert_key(k);
    Action act = keymap_lookup(a->st.mode, &u);
    int old_q = a->st.query, old_k = a->st.key;
    unsigned need = app_state_apply(&a->st, act, &u);
    need |= step_words(a, act, old_q, old_k);
    if (a->st.help_scroll > a->pans.help_last) a->st.help_scroll = a->pans.help_last; /* help: not past its end */
    if (act != ACT_NONE) set_message(a, NULL);
    if (need & NEED_FORWARD) a->submit_pending = true;
    /* The overview's importance (i) is measured on demand: a pass per head. */
    if (act == ACT_TOGGLE_IMPORTANCE && a->st.importance && a->scene.have &&
        !a->scene.res.importance)
        a->submit_pending = true;
    if (need & NEED_ROW) scene_update(&a->scene, &a->st);
    if (need & NEED_FULL) clearok(curscr, TRUE);
    if (need & NEED_SAVE) save_view(a);
    if (need & NEED_SEARCH) find_word(a);
    if (need & NEED_PRUNE) apply_prune(a);
    if (need & NEED_MODEL) switch_model(a);
    if (need & NEED_MASK) toggle_mask(a);
    if (need & NEED_LESSON) {
        /* Measure the new step, even on the same text; leaving: nothing. */
        a->lesson_apply = a->st.lesson;
        if (a->st.lesson >= 0) a->submit_pending = true;
    } else if (need & NEED_ROW) {
        /* The student moved before the step's measurement came in: what
         * they chose stays. */
        a->lesson_apply = -1;
    }
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
            {a->in_fd, POLLIN, 0}, {signal_pipe[0], POLLIN, 0}, {a->wake[0], POLLIN, 0}};
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
            layout_build(&a->layout, a->st.lesson >= 0);
            layout_changed(a);
            clearok(curscr, TRUE);
        }
        if (redraw || resized) draw(a);
        /* Start the pass only after the keys' echo is on the screen: waking
         * the worker first lets it (and OpenBLAS's threads) take the CPU
         * from this redraw.  A burst of keys read at once starts one pass. */
        if (a->submit_pending) {
            a->submit_pending = false;
            submit(a);
        }
    }
}

/* The keys' terminal: stdin, or when it is a pipe (`echo text | attnscope
 * -f -`), the controlling terminal, as less and fzf do.  *TTY is the
 * stream opened for it (NULL for stdin); -1 when there is none. */
static int open_keys(FILE **tty, char *err, size_t errlen)
{
    *tty = NULL;
    if (!isatty(STDOUT_FILENO)) {
        error_set(err, errlen, "the explorer needs a terminal on standard output; "
                               "use --dump, --info or --bench in pipes and scripts");
        return -1;
    }
    if (isatty(STDIN_FILENO)) return STDIN_FILENO;
    *tty = fopen("/dev/tty", "r+e");
    if (!*tty || !isatty(fileno(*tty))) {
        error_set(err, errlen, "the explorer needs a terminal for its keys: standard input "
                               "is not one and /dev/tty %s; use --dump, --info or --bench in "
                               "pipes and scripts", *tty ? "is not a terminal" : "cannot be opened");
        if (*tty) fclose(*tty), *tty = NULL;
        return -1;
    }
    return fileno(*tty);
}

int app_run(const AppOptions *o, char *err, size_t errlen)
{
    FILE *tty;
    int in_fd = open_keys(&tty, err, errlen);
    if (in_fd < 0) return 2;
    App a;
    memset(&a, 0, sizeof a);
    a.opt = o;
    a.in_fd = in_fd;
    a.wake[0] = a.wake[1] = -1;
    int rc = 1;
    bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    a.utf8 = utf8;
    a.model = o->model;
    a.other = o->partner;
    a.follow_byte = (size_t)-1;
    const ModelConfig *c = &o->model->cfg;
    if (app_state_init(&a.st, c->n_layers, c->n_heads, o->text, o->text_len)) {
        error_set(err, errlen, "out of memory");
        if (tty) fclose(tty);
        return 1;
    }
    /* main checked them against the model */
    a.st.layer = o->layer;
    a.st.head = o->head;
    a.st.show_values = o->show_values;
    for (int i = 0; o->ablate && i < c->n_layers * c->n_heads; i++)
        if (o->ablate[i]) a.st.ablate[i] = 1, a.st.n_ablated++;
    a.lesson_apply = -1;
    if (o->lesson >= 0 && lesson_step(o->lesson)) {
        app_state_lesson(&a.st, o->lesson);
        a.lesson_apply = o->lesson;
    } else if (o->intro) {
        a.lesson_apply = 0;
    }
    scene_init(&a.scene, a.model, utf8);
    if (install_signals() || make_pipe(a.wake)) {
        error_set(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto out;
    }
    char term_buf[64];
    if (screen_start(tty ? tty : stdin, theme_terminal(o->palette, term_buf, sizeof term_buf),
                     err, errlen))
        goto out;
    /* curses owns the terminal modes; libtermkey only decodes input. */
    a.tk = termkey_new(in_fd, TERMKEY_FLAG_NOTERMIOS | (utf8 ? TERMKEY_FLAG_UTF8 : TERMKEY_FLAG_RAW));
    if (!a.tk) {
        screen_stop();
        error_set(err, errlen, "cannot set up keyboard input (libtermkey)");
        goto out;
    }
    theme_init(&a.theme, o->palette, utf8);
    layout_build(&a.layout, a.st.lesson >= 0);
    layout_changed(&a);
    a.worker = worker_start(a.model, a.wake[1]);
    if (!a.worker) {
        termkey_destroy(a.tk);
        screen_stop();
        error_set(err, errlen, "cannot start the compute thread");
        goto out;
    }
    if (o->startup_note) set_message(&a, o->startup_note);
    else if (o->intro && a.st.lesson < 0) {
        /* What a plain `attnscope` says first, under step 1's view. */
        char hint[160];
        snprintf(hint, sizeof hint, "Press L for the lesson: %d steps on how attention works "
                 "(? lists the keys)", lesson_step_count());
        set_message(&a, hint);
    }
    submit(&a);
    loop(&a);
    worker_stop(a.worker);
    layout_free(&a.layout);
    termkey_destroy(a.tk);
    screen_stop();
    rc = 0;
    if (a.fatal[0]) {
        error_set(err, errlen, "%s", a.fatal);
        rc = 1;
    }
out:
    scene_free(&a.scene);
    app_state_free(&a.st);
    for (int i = 0; i < 2; i++) {
        if (a.wake[i] >= 0) close(a.wake[i]);
        if (signal_pipe[i] >= 0) close(signal_pipe[i]), signal_pipe[i] = -1;
    }
    if (tty) fclose(tty);
    return rc;
}
