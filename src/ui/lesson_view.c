/*
 * lesson_view.c - the lesson's caption, full width above the status line:
 * the step's number and title, then the caption measured on the model for
 * the text on screen (lesson.c fills it).  When the screen has moved away
 * from what the caption describes (another head, another query), the first
 * line says so; when the step's words are no longer in the text, the
 * caption says that instead of numbers that would mean nothing.
 */
#include <stdio.h>
#include <string.h>

#include "lesson.h"
#include "ui_text.h"
#include "views.h"

static int cols_of(const char *s)
{
    return ui_text_width(s, strlen(s), true);
}

/* What the first line says on its right: the keys, or how the screen
 * differs from the caption's choice. */
static void right_note(char *buf, size_t cap, const ViewData *v, const LessonResult *r)
{
    const AppState *st = v->st;
    const char *sep = v->theme->utf8 ? " · " : " - ";
    if (r && (st->layer != r->layer || st->head != r->head || st->mean))
        snprintf(buf, cap, "you are on L%d %s%d%sthe caption is about L%d H%d", st->layer,
                 st->mean ? "mean of " : "H", st->mean ? st->n_heads : st->head, sep, r->layer,
                 r->head);
    else if (r && st->query != r->query)
        snprintf(buf, cap, "query moved%sthe caption is about \"%s\"", sep, r->query_word);
    else
        snprintf(buf, cap, "n next%sp back%sEsc leave", sep, sep);
}

void lesson_view_draw(WINDOW *w, const ViewData *v)
{
    const AppState *st = v->st;
    const Scene *s = v->scene;
    const LessonStep *step = lesson_step(st->lesson);
    int W = getmaxx(w), H = getmaxy(w);
    werase(w);
    if (!step) return;
    const LessonResult *r = view_lesson(v);
    char head[256], note[160];
    snprintf(head, sizeof head, " Lesson %d/%d%s%s", st->lesson + 1, lesson_step_count(),
             v->theme->utf8 ? " · " : " - ", step->title);
    right_note(note, sizeof note, v, r);
    wattron(w, A_REVERSE);
    mvwhline(w, 0, 0, ' ', W);
    wattroff(w, A_REVERSE);
    /* The note, when the screen left the caption's choice, matters more
     * than the step's title: the title shortens to its number for it. */
    int nw = cols_of(note);
    bool moved = strncmp(note, "n next", 6) != 0;
    if (moved && cols_of(head) + 2 + nw + 1 > W)
        snprintf(head, sizeof head, " Lesson %d/%d", st->lesson + 1, lesson_step_count());
    int used = view_puts(w, v->theme, 0, 0, W, A_REVERSE | A_BOLD, head);
    if (used + 2 + nw + 1 <= W)
        view_puts(w, v->theme, 0, W - nw - 1, nw, moved ? A_REVERSE | A_BOLD : A_REVERSE, note);
    if (H < 2) return;
    bool measured = s->have && s->res.lesson_step == st->lesson && !scene_stale(s, st);
    if (r && measured) {
        for (int i = 0; i < r->n_caption && 1 + i < H; i++) {
            char line[LESSON_CAPTION_COLUMNS * 4 + 2];
            snprintf(line, sizeof line, " %s", r->caption[i]);
            view_puts(w, v->theme, 1 + i, 0, W, A_NORMAL, line);
        }
        return;
    }
    char line[400];
    if (measured) {
        /* The pass ran but the step could not be measured on this text. */
        snprintf(line, sizeof line, " This step looks at \"%s\", \"%s\" and \"%s\"; the sentence "
                 "has lost one.", step->query_word, step->target_word, step->competitor_word);
        view_puts(w, v->theme, 1, 0, W, A_BOLD, line);
        if (H > 2) {
            snprintf(line, sizeof line, " (%s)", s->res.lesson_message);
            view_puts(w, v->theme, 2, 0, W, A_DIM, line);
        }
        if (H > 3)
            view_puts(w, v->theme, 3, 0, W, A_NORMAL,
                      " e edits the sentence; L puts the step's own sentence back.");
        return;
    }
    view_puts(w, v->theme, 1, 0, W, A_DIM,
              v->computing || !s->have ? " measuring this step on the model…"
                                       : " the sentence changed: measuring again…");
}
