/* ui_text.c - see ui_text.h. */
#include "ui_text.h"

#include <string.h>
#include <wchar.h>

/* Decode one UTF-8 character; 0 when the bytes are not valid UTF-8. */
static int decode(const unsigned char *s, size_t left, wchar_t *cp)
{
    unsigned c = s[0];
    int len;
    unsigned min;
    if (c < 0x80) {
        *cp = (wchar_t)c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000;
    else return 0;
    if ((size_t)len > left) return 0;
    unsigned v = c & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = (wchar_t)v;
    return len;
}

int ui_text_render(const char *s, size_t len, bool utf8, char *out, size_t cap, int max_cols,
                   size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = strlen(out), i = 0;
    int cols = 0;
    while (i < len) {
        wchar_t cp;
        int n = decode(p + i, len - i, &cp);
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
            w = wcwidth(cp);
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

size_t ui_text_char_len(const char *s, size_t left)
{
    wchar_t cp;
    if (left == 0) return 0;
    int n = decode((const unsigned char *)s, left, &cp);
    return n ? (size_t)n : 1;
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
