#include "subtitle_time.h"

#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int qc_timing_line_like(const char *line, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++)
        if (line[i] == '-' && line[i + 1] == '-' && line[i + 2] == '>')
            return 1;
    return 0;
}

/* Reads a run of digits (at most `max`), returns how many were read. */
static size_t digits(const char *s, size_t len, size_t pos, size_t max, int64_t *value)
{
    size_t n = 0;
    int64_t v = 0;
    while (pos + n < len && is_digit(s[pos + n]) && n < max) {
        v = v * 10 + (s[pos + n] - '0');
        n++;
    }
    *value = v;
    return n;
}

/* One timestamp at s[*pos]. Hours are optional in both flavours (real SubRip files from some tools
 * omit them too); minutes and seconds are two digits below 60. WebVTT wants '.' and exactly three
 * fraction digits; SubRip takes ',' or '.' and one to three digits (a lone ",5" is half a second). */
static int timestamp(const char *s, size_t len, size_t *pos, int flavour, int64_t *ms, const char **why)
{
    size_t p = *pos;
    int64_t a, b, c, frac;
    size_t n = digits(s, len, p, 9, &a);
    if (n == 0 || p + n >= len || s[p + n] != ':') {
        *why = flavour == QC_TIMING_SRT ? "expected a timestamp HH:MM:SS,mmm"
                                        : "expected a timestamp HH:MM:SS.mmm or MM:SS.mmm";
        return -1;
    }
    p += n + 1;
    n = digits(s, len, p, 3, &b);
    if (n != 2) {
        *pos = p;
        *why = "expected two digits for minutes or seconds";
        return -1;
    }
    p += 2;
    int64_t hours = 0, minutes = a, seconds = b;
    if (p < len && s[p] == ':') {
        p++;
        n = digits(s, len, p, 3, &c);
        if (n != 2) {
            *pos = p;
            *why = "expected two digits for seconds";
            return -1;
        }
        p += 2;
        hours = a;
        minutes = b;
        seconds = c;
    }
    if (minutes > 59 || seconds > 59) {
        *why = "minutes and seconds must be below 60";
        return -1;
    }
    int sep_ok = p < len && (s[p] == '.' || (flavour == QC_TIMING_SRT && s[p] == ','));
    if (!sep_ok) {
        *pos = p;
        *why = flavour == QC_TIMING_SRT ? "expected ',' and milliseconds"
                                        : "expected '.' and three digits of milliseconds";
        return -1;
    }
    p++;
    n = digits(s, len, p, 4, &frac);
    if (flavour == QC_TIMING_VTT ? n != 3 : (n < 1 || n > 3)) {
        *pos = p;
        *why = "expected three digits of milliseconds";
        return -1;
    }
    for (size_t k = n; k < 3; k++)
        frac *= 10;
    p += n;
    *ms = ((hours * 60 + minutes) * 60 + seconds) * 1000 + frac;
    *pos = p;
    return 0;
}

int qc_timing_parse(const char *line, size_t len, int flavour, int64_t *start_ms, int64_t *end_ms, size_t *bad,
                    const char **why)
{
    size_t p = 0;
    while (p < len && is_blank(line[p]))
        p++;
    size_t at = p;
    if (timestamp(line, len, &p, flavour, start_ms, why) < 0) {
        *bad = p > at ? p : at;
        return -1;
    }
    while (p < len && is_blank(line[p]))
        p++;
    if (p + 3 > len || memcmp(line + p, "-->", 3) != 0) {
        *bad = p;
        *why = "expected '-->' between the start and end times";
        return -1;
    }
    p += 3;
    while (p < len && is_blank(line[p]))
        p++;
    at = p;
    if (timestamp(line, len, &p, flavour, end_ms, why) < 0) {
        *bad = p > at ? p : at;
        return -1;
    }
    if (p < len && !is_blank(line[p])) {
        *bad = p;
        *why = "unexpected character after the end time";
        return -1;
    }
    if (*end_ms < *start_ms) {
        *bad = at;
        *why = "the cue ends before it starts";
        return -1;
    }
    return 0;
}
