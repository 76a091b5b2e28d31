/* Name-based GUIDs (RFC 4122 section 4.3, version 5) and GUID normalisation. */
#include "refi_guid.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "sha1.h"

/* Parses the 36 characters of a bare GUID into 16 bytes; -1 when not a GUID. */
static int parse_bare(const char *s, size_t len, unsigned char bytes[16])
{
    if (len != 36)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -1;
            i++;
            continue;
        }
        int hi = qc_hex_digit(s[i]), lo = qc_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0 || i + 1 == 8 || i + 1 == 13 || i + 1 == 18 || i + 1 == 23)
            return -1;
        bytes[k++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}

/* Finds the bare GUID inside optional white space and braces. */
static int parse_any(const char *s, unsigned char bytes[16])
{
    if (!s)
        return -1;
    size_t len = strlen(s);
    while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 38 && s[0] == '{' && s[37] == '}')
        return parse_bare(s + 1, 36, bytes);
    return parse_bare(s, len, bytes);
}

static void format_guid(const unsigned char b[16], char out[QC_GUID_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

int qc_refi_guid_v5(const char *ns, const void *name, size_t len, char out[QC_GUID_SIZE])
{
    unsigned char nsb[16], digest[20];
    out[0] = '\0';
    if (parse_any(ns, nsb) != 0)
        return QC_ERR_INVALID;
    qc_sha1_ctx ctx;
    qc_sha1_init(&ctx);
    qc_sha1_update(&ctx, nsb, sizeof nsb);
    qc_sha1_update(&ctx, name, len);
    qc_sha1_final(&ctx, digest);
    digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x50); /* version 5 */
    digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    format_guid(digest, out);
    return 0;
}

void qc_refi_guid(const char *name, char out[QC_GUID_SIZE])
{
    qc_refi_guid_v5(QC_REFI_NAMESPACE, name, strlen(name), out);
}

int qc_refi_guidf(char out[QC_GUID_SIZE], const char *fmt, ...)
{
    qc_buf b = QC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    qc_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (qc_buf_failed(&b)) {
        qc_buf_free(&b);
        out[0] = '\0';
        return -1;
    }
    qc_refi_guid_v5(QC_REFI_NAMESPACE, qc_buf_cstr(&b), b.len, out);
    qc_buf_free(&b);
    return 0;
}

int qc_refi_guid_normalise(const char *in, char out[QC_GUID_SIZE])
{
    unsigned char b[16];
    if (parse_any(in, b) != 0) {
        out[0] = '\0';
        return QC_ERR_FORMAT;
    }
    format_guid(b, out);
    return 0;
}

int qc_refi_guid_valid(const char *s)
{
    unsigned char b[16];
    if (!s)
        return 0;
    size_t len = strlen(s);
    if (len == 38 && s[0] == '{' && s[37] == '}')
        return parse_bare(s + 1, 36, b) == 0;
    return parse_bare(s, len, b) == 0;
}

int qc_refi_guid_is_normal(const char *s)
{
    char norm[QC_GUID_SIZE];
    return qc_refi_guid_normalise(s, norm) == 0 && strcmp(norm, s) == 0;
}

void qc_refi_sha1_hex(const void *data, size_t len, char hex[41])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[20];
    qc_sha1_ctx ctx;
    qc_sha1_init(&ctx);
    qc_sha1_update(&ctx, data, len);
    qc_sha1_final(&ctx, d);
    for (int i = 0; i < 20; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[40] = '\0';
}

int qc_refi_guid_or_derive(const char *raw, char out[QC_GUID_SIZE])
{
    if (raw && qc_refi_guid_normalise(raw, out) == 0)
        return 0;
    return qc_refi_guidf(out, "foreign-id:%s", raw ? raw : "") == 0 ? 1 : -1;
}
