/* Text hygiene for line-based formats (see lines.h and docs/transcripts.md). One pass over each
 * line checks for NUL bytes, validates UTF-8 (or decodes Windows-1252) and measures the line, so
 * reading stays linear in the file size. */
#include "lines.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "error.h"
#include "text.h"

/* Windows-1252 0x80..0x9F. The five bytes Windows leaves undefined (0x81 0x8D 0x8F 0x90 0x9D)
 * decode to the C1 controls of the same value, as MultiByteToWideChar does, so every byte has
 * exactly one meaning and decoding never fails. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

int32_t qc_windows1252_decode(unsigned char byte)
{
    if (byte >= 0x80 && byte <= 0x9F)
        return cp1252_high[byte - 0x80];
    return byte; /* 0x00..0x7F are ASCII, 0xA0..0xFF are Latin-1 */
}

void qc_lines_init(qc_line_reader *lr, const char *name, const char *data, size_t size, qc_encoding encoding)
{
    memset(lr, 0, sizeof *lr);
    lr->name = name;
    lr->data = data;
    lr->size = size;
    lr->encoding = encoding;
    /* A UTF-8 BOM is dropped in either encoding: in a file read as Windows-1252 it would decode
     * to the nonsense "ï»¿", and its presence says the writer meant UTF-8 there anyway. */
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        lr->pos = 3;
}

/* Where the scan of a line must stop: '\n', '\r', NUL or a byte >= 0x80 in s[i..limit), eight
 * bytes at a time (the lowest flagged byte of each test is exact), or limit. */
static size_t next_special(const unsigned char *s, size_t i, size_t limit)
{
#ifdef __SSE2__
    /* Sixteen at a time where SSE2 is there (all of x86-64). One signed comparison finds every
     * byte below '\r' + 1 and every byte >= 0x80 (negative): the four it looks for, and a tab or
     * another control byte now and then, looked at one by one. */
    const __m128i below = _mm_set1_epi8('\r' + 1);
    /* Thirty-two bytes a step while none is a candidate (most of a line's bytes), one test for
     * both halves; the half that holds one is looked at below. */
    while (i + 32 <= limit) {
        __m128i a = _mm_cmplt_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), below);
        __m128i b = _mm_cmplt_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i + 16)), below);
        if (_mm_movemask_epi8(_mm_or_si128(a, b)))
            break;
        i += 32;
    }
    while (i + 16 <= limit) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        for (unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, below)); mask; mask &= mask - 1) {
            size_t k = i + (size_t)__builtin_ctz(mask);
            if (s[k] == '\n' || s[k] == '\r' || s[k] == 0 || s[k] >= 0x80)
                return k;
        }
        i += 16;
    }
#endif
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= limit) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t nl = w ^ (ones * '\n'), cr = w ^ (ones * '\r');
        uint64_t hit = ((nl - ones) & ~nl) | ((cr - ones) & ~cr) | ((w - ones) & ~w) | w;
        hit &= highs;
        if (hit) {
            /* This word holds one: find it byte by byte (whatever the machine's byte order). */
            while (s[i] != '\n' && s[i] != '\r' && s[i] != 0 && s[i] < 0x80)
                i++;
            return i;
        }
        i += 8;
    }
    while (i < limit && s[i] != '\n' && s[i] != '\r' && s[i] != 0 && s[i] < 0x80)
        i++;
    return i;
}

/* The column (in code points, 1-based) of byte i of a line starting at `start`. */
static uint32_t column_of(const qc_line_reader *lr, size_t start, size_t i)
{
    if (lr->encoding == QC_ENCODING_WINDOWS1252)
        return (uint32_t)(i - start + 1);
    return (uint32_t)qc_utf8_length(lr->data + start, i - start) + 1;
}

int qc_lines_next(qc_line_reader *lr, const char **line, size_t *len, uint32_t *source_offset, int *verbatim,
                  qc_error *err)
{
    if (lr->pos >= lr->size)
        return 0;
    const unsigned char *d = (const unsigned char *)lr->data;
    size_t start = lr->pos, i = start;
    uint32_t lineno = lr->line + 1;
    /* A byte at start + QC_MAX_LINE_BYTES that does not end the line makes the line too long. */
    size_t limit = lr->size - start > QC_MAX_LINE_BYTES ? start + QC_MAX_LINE_BYTES : lr->size;
    int high = 0;
    for (;;) {
        i = next_special(d, i, limit);
        if (i >= lr->size)
            break;
        unsigned char c = d[i];
        if (c == '\n' || c == '\r')
            break;
        if (i >= limit)
            return qc_error_set(err, QC_ERR_LIMIT, lr->name, lineno, 0, (int64_t)start,
                                "line %u is longer than %u bytes (the limit for one line)", lineno, QC_MAX_LINE_BYTES);
        if (c == 0)
            return qc_error_set(err, QC_ERR_FORMAT, lr->name, lineno, column_of(lr, start, i), (int64_t)i,
                                "binary file (NUL byte at offset %zu), not a text transcript", i);
        if (lr->encoding == QC_ENCODING_WINDOWS1252) {
            high = 1;
            i++;
        } else {
            size_t p = i;
            if (qc_utf8_decode(lr->data, lr->size, &p) < 0)
                return qc_error_set(err, QC_ERR_ENCODING, lr->name, lineno, column_of(lr, start, i), (int64_t)i,
                                    "invalid UTF-8 (byte 0x%02X at offset %zu); if the file is a Word "
                                    "\"ANSI\" export, read it with --encoding windows-1252",
                                    c, i);
            i = p;
        }
    }
    size_t end = i;
    if (i < lr->size && d[i++] == '\r' && i < lr->size && d[i] == '\n')
        i++; /* CRLF is one line end; a lone CR is one too */
    lr->pos = i;
    lr->line = lineno;
    *source_offset = (uint32_t)start;
    if (!high) {
        *line = lr->data + start;
        *len = end - start;
        *verbatim = 1;
        return 1;
    }
    qc_buf_clear(&lr->decoded);
    if (qc_buf_reserve(&lr->decoded, (end - start) * 3) != 0)
        return qc_error_nomem(err);
    for (size_t k = start; k < end; k++) {
        char tmp[4];
        size_t n = qc_utf8_encode(qc_windows1252_decode(d[k]), tmp);
        qc_buf_append(&lr->decoded, tmp, n);
    }
    *line = lr->decoded.data;
    *len = lr->decoded.len;
    *verbatim = 0;
    return 1;
}

void qc_lines_free(qc_line_reader *lr)
{
    qc_buf_free(&lr->decoded);
}
