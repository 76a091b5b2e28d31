/* A growable byte buffer, always NUL-terminated. An allocation failure makes the buffer
 * "failed": further appends do nothing and qc_buf_failed says so, so callers check once. */
#ifndef QC_BUF_H
#define QC_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct qc_buf {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} qc_buf;

#define QC_BUF_INIT {NULL, 0, 0, 0}

int qc_buf_reserve(qc_buf *b, size_t extra);
void qc_buf_append(qc_buf *b, const void *data, size_t len);
void qc_buf_puts(qc_buf *b, const char *s);
void qc_buf_putc(qc_buf *b, char c);
void qc_buf_printf(qc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qc_buf_vprintf(qc_buf *b, const char *fmt, va_list ap);
/* Appends s[0..n) percent-encoded: printable ASCII but '%' as it is, any other byte as %XX. */
void qc_buf_put_percent(qc_buf *b, const char *s, size_t n);
/* The value of a hexadecimal digit (either case), or -1. */
int qc_hex_digit(char c);
/* Appends the bytes s[0..n) percent-encodes (hex digits in either case); -1 for a '%' not
 * followed by two hex digits. */
int qc_buf_put_unpercent(qc_buf *b, const char *s, size_t n);
void qc_buf_clear(qc_buf *b);          /* len = 0, keeps the memory */
char *qc_buf_detach(qc_buf *b);        /* the caller owns the string; NULL if failed */
void qc_buf_free(qc_buf *b);
static inline int qc_buf_failed(const qc_buf *b) { return b->failed; }
static inline const char *qc_buf_cstr(const qc_buf *b) { return b->data ? b->data : ""; }

#endif
