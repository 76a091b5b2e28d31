#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

int qc_buf_reserve(qc_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > (size_t)-1 - b->len - 1 || QC_GROW(b->data, b->cap, b->len + extra + 1) != 0) {
        b->failed = 1;
        return -1;
    }
    /* the header's promise: a buffer that has memory holds a string, even before the first append */
    b->data[b->len] = '\0';
    return 0;
}

void qc_buf_append(qc_buf *b, const void *data, size_t len)
{
    if (qc_buf_reserve(b, len) != 0)
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void qc_buf_puts(qc_buf *b, const char *s)
{
    qc_buf_append(b, s, strlen(s));
}

void qc_buf_putc(qc_buf *b, char c)
{
    qc_buf_append(b, &c, 1);
}

void qc_buf_vprintf(qc_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (qc_buf_reserve(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void qc_buf_printf(qc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qc_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void qc_buf_clear(qc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *qc_buf_detach(qc_buf *b)
{
    if (b->failed) {
        qc_buf_free(b);
        return NULL;
    }
    if (!b->data && qc_buf_reserve(b, 0) != 0)
        return NULL;
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void qc_buf_free(qc_buf *b)
{
    qc_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* Percent-encoding of bytes that need not be text (results.xml's pathBytes, docs/results.md):
 * printable ASCII but '%' as it is, every other byte as %XX. */
void qc_buf_put_percent(qc_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '%') {
            qc_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            qc_buf_append(b, e, 3);
        }
    }
}

int qc_hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

int qc_buf_put_unpercent(qc_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            qc_buf_putc(b, s[i]);
            continue;
        }
        int hi = i + 2 < n ? qc_hex_digit(s[i + 1]) : -1, lo = i + 2 < n ? qc_hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            return -1;
        qc_buf_putc(b, (char)(hi << 4 | lo));
        i += 2;
    }
    return 0;
}
