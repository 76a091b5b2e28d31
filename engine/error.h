/* Filling qc_error values. Every boundary (file, PCRE2, libxml2, libzip) turns its own error into
 * one of these with a position. */
#ifndef QC_ERROR_INTERNAL_H
#define QC_ERROR_INTERNAL_H

#include "qcode/common.h"

/* Sets err (if not NULL) and returns `code`, so callers write `return qc_error_set(...)`.
 * file may be NULL; line/column 0 and offset -1 mean unknown. */
int qc_error_set(qc_error *err, int code, const char *file, uint32_t line, uint32_t column, int64_t offset,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Names the file of an error that had none (an error from coding a document names no file), keeping
 * its message, or `fallback` when it has none; the position becomes unknown. Returns `code`.
 * (Formatting err->message into itself with qc_error_set is undefined and gave "" on glibc.) */
int qc_error_in_file(qc_error *err, int code, const char *file, const char *fallback);

/* Shorthand for an allocation failure. */
int qc_error_nomem(qc_error *err);

#endif
