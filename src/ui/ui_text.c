/* ui_text.c - see ui_text.h. */
#include "ui_text.h"
#include "utf8.h"

#include <string.h>
#include <wchar.h>

int ui_text_render(const char *s, size_t len, bool utf8, char *out, size_t cap, int max_cols,
                   size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = strlen(out), i = 0;
    int cols = 0;
    while (i < len) {
        uint32_t cp;
        int n = (int)utf8_decode((const char *)p + i, len - i, &cp);
        const char *sub = NULL;
        int w = 1;
        if (n == 0) {
            sub = utf8 ? "\xEF\xBF\xBD" : "?"; /* U+FFFD */
            n = 1;
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            sub = utf8 ? "\xC2\xB7" : "."; /* middle dot */
        } else if (cp >= 0x80 && !utf8) {
            sub = "?";
        } else {
            w = wcwidth((wchar_t)cp);
            if (w < 0) sub = utf8 ? "\xEF\xBF\xBD" : "?", w = 1;
        }
        if (cols + w > max_cols) break;
        size_t bytes = sub ? strlen(sub) : (size_t)n;
        if (o + bytes + 1 > cap) break;
        memcpy(out + o, sub ? sub : (const char *)p + i, bytes);
        o += bytes;
        out[o] = '\0';
        cols += w;
        i += (size_t)n;
    }
    if (used) *used = i;
    return cols;
}

int ui_text_width(const char *s, size_t len, bool utf8)
{
    char buf[64];
    int cols = 0;
    size_t done = 0;
    /* Render in pieces: only the width is wanted. */
    while (done < len) {
        size_t used;
        buf[0] = '\0';
        int w = ui_text_render(s + done, len - done, utf8, buf, sizeof buf, 1 << 20, &used);
        if (used == 0) break;
        cols += w;
        done += used;
    }
    return cols;
}
