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

const unsigned char export_ramp[EXPORT_RAMP_STOPS][3] = {
    {0x2c, 0x11, 0x5f}, {0x51, 0x12, 0x7c}, {0x80, 0x25, 0x82}, {0xb5, 0x36, 0x7a},
    {0xe5, 0x50, 0x64}, {0xfb, 0x87, 0x61}, {0xfe, 0xc2, 0x87}, {0xfc, 0xfd, 0xbf},
};

void export_colour(float w, unsigned char rgb[3])
{
    /* Black, then the stops: k/8 lands exactly on stop k, as on screen. */
    float x = (w > 0 ? (w < 1 ? w : 1) : 0) * EXPORT_RAMP_STOPS;
    int k = (int)x;
    if (k >= EXPORT_RAMP_STOPS) k = EXPORT_RAMP_STOPS - 1;
    float f = x - (float)k;
    static const unsigned char black[3] = {0, 0, 0};
    const unsigned char *lo = k ? export_ramp[k - 1] : black, *hi = export_ramp[k];
    for (int i = 0; i < 3; i++) rgb[i] = (unsigned char)lroundf(lo[i] + f * (hi[i] - lo[i]));
}

static void colour(float w, char out[8])
{
    unsigned char c[3];
    export_colour(w, c);
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* Columns of a label, for the room left of the rows (one per code point:
 * near enough for a monospace font). */
static int label_cols(const char *s)
{
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int export_svg(FILE *out, const char *title, const char *const *labels, int n, const float *a)
{
    /* Left of the cells: "query" turned up the side, then the row labels
     * (right-aligned, about 7 units per character at font-size 11); above
     * them: the title, "key", then the column labels turned up. */
    int widest = 3;
    for (int i = 0; i < n; i++) {
        int c = label_cols(labels[i]);
        if (c > widest) widest = c < 40 ? c : 40;
    }
    const int cell = 18, left = 30 + 7 * widest, top = 110;
    const int legend_y = top + n * cell + 18, legend_steps = 2 * EXPORT_RAMP_STOPS + 1;
    int w = left + n * cell + 20, h = legend_y + 40;
    if (w < left + legend_steps * 10 + 60) w = left + legend_steps * 10 + 60;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n",
            w, h, w, h);
    fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<text x=\"4\" y=\"14\">", out);
    xml_text(out, title);
    fputs("</text>\n", out);
    /* The axes' names: rows are queries, columns keys, as on screen. */
    fprintf(out, "<text class=\"axis\" x=\"%d\" y=\"32\" text-anchor=\"middle\" "
                 "font-weight=\"bold\">key</text>\n", left + n * cell / 2);
    fprintf(out, "<text class=\"axis\" transform=\"translate(16,%d) rotate(-90)\" "
                 "text-anchor=\"middle\" font-weight=\"bold\">query</text>\n",
            top + n * cell / 2);
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
    /* The legend: the scale in steps of 1/16, from 0 to 1. */
    fprintf(out, "<text class=\"legend\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
            left - 4, legend_y + 11);
    for (int k = 0; k < legend_steps; k++) {
        char fill[8];
        colour((float)k / (legend_steps - 1), fill);
        fprintf(out, "<rect class=\"legend\" x=\"%d\" y=\"%d\" width=\"10\" height=\"14\" "
                     "fill=\"%s\"/>\n", left + k * 10, legend_y, fill);
    }
    fprintf(out, "<text class=\"legend\" x=\"%d\" y=\"%d\">1</text>\n"
                 "<text class=\"legend\" x=\"%d\" y=\"%d\">attention weight of the query "
                 "on the key</text>\n",
            left + legend_steps * 10 + 4, legend_y + 11, left, legend_y + 30);
    fputs("</svg>\n", out);
    return ferror(out) ? -1 : 0;
}
