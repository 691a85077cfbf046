/* export.c - see export.h. */
#include "export.h"

#include <math.h>
#include <string.h>

#include "utf8.h"

/* A CSV field, quoted when it holds a separator, a quote or a line break;
 * invalid UTF-8 becomes U+FFFD, one per bad byte, as in the SVG. */
static void csv_field(FILE *out, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    size_t len = strlen(s);
    if (quote) fputc('"', out);
    for (size_t i = 0; i < len;) {
        size_t k = utf8_decode(s + i, len - i, NULL);
        if (k == 0) {
            fputs("\xEF\xBF\xBD", out);
            i++;
            continue;
        }
        if (s[i] == '"') fputc('"', out);
        fwrite(s + i, 1, k, out);
        i += k;
    }
    if (quote) fputc('"', out);
}

int export_csv(FILE *out, const char *const *labels, int n, const float *a)
{
    fputs("query\\key", out);
    for (int j = 0; j < n; j++) {
        fputc(',', out);
        csv_field(out, labels[j]);
    }
    fputc('\n', out);
    for (int i = 0; i < n; i++) {
        csv_field(out, labels[i]);
        for (int j = 0; j < n; j++) fprintf(out, ",%.6g", a[(size_t)i * n + j]);
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}

/* Text for XML: escaped, and only characters XML 1.0 allows (invalid UTF-8
 * and control characters become U+FFFD). */
static void xml_text(FILE *out, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0 || (cp < 0x20 && cp != '\t') || cp == 0xFFFE || cp == 0xFFFF) {
            fputs("\xEF\xBF\xBD", out);
            i += k ? k : 1;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fwrite(s + i, 1, k, out);
        }
        i += k;
    }
}

/* The magma-like ramp, interpolated: 0 is white (the page), 1 the darkest. */
static void colour(float w, char out[8])
{
    static const unsigned char stops[][3] = {
        {0xff, 0xff, 0xff}, {0xfc, 0xfd, 0xbf}, {0xfe, 0xc2, 0x87}, {0xfb, 0x87, 0x61},
        {0xe5, 0x50, 0x64}, {0xb5, 0x36, 0x7a}, {0x80, 0x25, 0x82}, {0x51, 0x12, 0x7c},
        {0x2c, 0x11, 0x5f},
    };
    int last = (int)(sizeof stops / sizeof stops[0]) - 1;
    float x = (w < 0 ? 0 : w > 1 ? 1 : w) * last;
    int k = (int)x;
    if (k >= last) k = last - 1;
    float f = x - k;
    unsigned char c[3];
    for (int i = 0; i < 3; i++) c[i] = (unsigned char)lroundf(stops[k][i] + f * (stops[k + 1][i] - stops[k][i]));
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

int export_svg(FILE *out, const char *title, const char *const *labels, int n, const float *a)
{
    const int cell = 18, left = 90, top = 100;
    int w = left + n * cell + 20, h = top + n * cell + 20;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n",
            w, h, w, h);
    fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<text x=\"4\" y=\"14\">", out);
    xml_text(out, title);
    fputs("</text>\n", out);
    for (int j = 0; j < n; j++) {
        fprintf(out, "<text transform=\"translate(%d,%d) rotate(-60)\">", left + j * cell + cell / 2,
                top - 4);
        xml_text(out, labels[j]);
        fputs("</text>\n", out);
    }
    for (int i = 0; i < n; i++) {
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 4, top + i * cell + 13);
        xml_text(out, labels[i]);
        fputs("</text>\n", out);
        for (int j = 0; j < n; j++) {
            char fill[8];
            float v = a[(size_t)i * n + j];
            colour(v, fill);
            /* The title shows the exact weight on hover. */
            fprintf(out, "<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                         "fill=\"%s\"><title>%d,%d: %.6g</title></rect>\n",
                    left + j * cell, top + i * cell, cell, cell, fill, i, j, v);
        }
    }
    fputs("</svg>\n", out);
    return ferror(out) ? -1 : 0;
}
