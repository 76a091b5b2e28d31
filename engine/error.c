#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "version.h"

static void copy_bounded(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int qc_error_set(qc_error *err, int code, const char *file, uint32_t line, uint32_t column, int64_t offset,
                 const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    copy_bounded(err->file, sizeof err->file, file ? file : "");
    err->line = line;
    err->column = column;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

int qc_error_in_file(qc_error *err, int code, const char *file, const char *fallback)
{
    if (!err)
        return code;
    err->code = code;
    copy_bounded(err->file, sizeof err->file, file ? file : "");
    err->line = 0;
    err->column = 0;
    err->offset = -1;
    if (!err->message[0])
        copy_bounded(err->message, sizeof err->message, fallback ? fallback : "");
    return code;
}

int qc_error_nomem(qc_error *err)
{
    return qc_error_set(err, QC_ERR_NOMEM, NULL, 0, 0, -1, "out of memory");
}

void qc_error_clear(qc_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->offset = -1;
}

const char *qc_status_name(int code)
{
    switch (code) {
    case QC_OK: return "ok";
    case QC_ERR_NOMEM: return "out of memory";
    case QC_ERR_IO: return "I/O error";
    case QC_ERR_FORMAT: return "format error";
    case QC_ERR_ENCODING: return "encoding error";
    case QC_ERR_CODEBOOK: return "codebook error";
    case QC_ERR_INVALID: return "invalid argument";
    case QC_ERR_LIMIT: return "limit exceeded";
    case QC_ERR_NOTFOUND: return "not found";
    case QC_ERR_CANCELLED: return "cancelled";
    default: return "unknown error";
    }
}

const char *qc_role_name(qc_role role)
{
    switch (role) {
    case QC_ROLE_PARTICIPANT: return "participant";
    case QC_ROLE_INTERVIEWER: return "interviewer";
    default: return "unknown";
    }
}

const char *qc_version(void)
{
    return QCODE_VERSION_STRING;
}
