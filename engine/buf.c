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
