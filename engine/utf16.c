/* UTF-16 to UTF-8 through iconv (glibc's converters check surrogate pairs; see utf16.h). */
#include "utf16.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int qc_utf16_kind(const char *data, size_t size, int *bom)
{
    const unsigned char *d = (const unsigned char *)data;
    *bom = 1;
    if (size >= 2 && d[0] == 0xFF && d[1] == 0xFE)
        return 'L';
    if (size >= 2 && d[0] == 0xFE && d[1] == 0xFF)
        return 'B';
    *bom = 0;
    /* Two characters at least, up to 32: enough to tell, and no more than a first line needs. */
    size_t n = (size < 64 ? size : 64) & ~(size_t)1;
    if (n < 4)
        return 0;
    int le = 1, be = 1;
    for (size_t k = 0; k < n; k += 2) {
        le &= d[k] != 0 && d[k + 1] == 0;
        be &= d[k] == 0 && d[k + 1] != 0;
    }
    return le ? 'L' : be ? 'B' : 0;
}

/* Line and column (1-based, in code points) of the end of UTF-8 text t[0..n): where conversion
 * stopped. A CR LF pair is one line end, as the readers count them. */
static void position_at_end(const char *t, size_t n, uint32_t *line, uint32_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n' || (c == '\r' && !(i + 1 < n && t[i + 1] == '\n')))
            ++*line, *col = 1;
        else if (c != '\r' && (c & 0xC0) != 0x80)
            ++*col;
    }
}

int qc_utf16_to_utf8(const char *name, const char *data, size_t size, int kind, int bom, qc_buf *out, qc_error *err)
{
    size_t skip = bom ? 2 : 0;
    iconv_t cd = iconv_open("UTF-8", kind == 'L' ? "UTF-16LE" : "UTF-16BE");
    if (cd == (iconv_t)-1)
        return qc_error_set(err, QC_ERR_ENCODING, name, 0, 0, -1, "cannot convert UTF-16 here: %s", strerror(errno));
    size_t start = out->len;
    /* Each UTF-16 unit becomes at most 3 bytes of UTF-8 (a pair of them, 4). */
    if (qc_buf_reserve(out, (size - skip) / 2 * 3 + 4) != 0) {
        iconv_close(cd);
        return qc_error_nomem(err);
    }
    char *in = (char *)(uintptr_t)(data + skip), *to = out->data + out->len;
    size_t in_left = size - skip, out_left = out->cap - out->len;
    size_t r = iconv(cd, &in, &in_left, &to, &out_left);
    int why = r == (size_t)-1 ? errno : 0;
    iconv_close(cd);
    out->len = (size_t)(to - out->data);
    if (!why)
        return QC_OK;
    size_t at = (size_t)(in - data);
    uint32_t line, col;
    position_at_end(out->data + start, out->len - start, &line, &col);
    if (why == EINVAL || (why == EILSEQ && in_left < 2))
        return qc_error_set(err, QC_ERR_ENCODING, name, line, col, (int64_t)at,
                            "the UTF-16 file ends in the middle of a character (byte offset %zu of %zu)", at, size);
    if (why == EILSEQ)
        return qc_error_set(err, QC_ERR_ENCODING, name, line, col, (int64_t)at,
                            "invalid UTF-16 (a surrogate without its other half at byte offset %zu)", at);
    return qc_error_set(err, QC_ERR_ENCODING, name, line, col, (int64_t)at, "cannot convert UTF-16: %s", strerror(why));
}

size_t qc_utf16_file_offset(const char *utf8, size_t at, int bom)
{
    size_t file = bom ? 2 : 0;
    for (size_t i = 0; i < at; i++) {
        unsigned char c = (unsigned char)utf8[i];
        if ((c & 0xC0) != 0x80) /* a code point starts: one UTF-16 unit, two from 0xF0 on */
            file += c >= 0xF0 ? 4 : 2;
    }
    return file;
}

void qc_utf16_error_in_file(qc_error *err, const char *name, const char *utf8, size_t len, int bom)
{
    if (!err || err->offset < 0 || (uint64_t)err->offset > len || err->code == QC_ERR_INVALID ||
        err->code == QC_ERR_NOMEM || strcmp(err->file, name ? name : "") != 0)
        return;
    size_t was = (size_t)err->offset, now = qc_utf16_file_offset(utf8, was, bom);
    err->offset = (int64_t)now;
    /* The message's "offset N" (a NUL byte's: lines.c), N a whole number. */
    char old[40];
    int k = snprintf(old, sizeof old, "offset %zu", was);
    for (char *p = strstr(err->message, old); p; p = strstr(p + 1, old)) {
        if (p[k] >= '0' && p[k] <= '9')
            continue;
        char message[sizeof err->message];
        snprintf(message, sizeof message, "%.*soffset %zu%s", (int)(p - err->message), err->message, now, p + k);
        memcpy(err->message, message, sizeof message);
        break;
    }
}
