/* Collecting the errors and warnings of a codebook compile. Problems are gathered while the
 * file is parsed and compiled (in whatever order the passes find them), then sorted by position
 * and handed to the caller's callback at once, so a reader sees them in file order. */
#ifndef QC_DIAGNOSTICS_H
#define QC_DIAGNOSTICS_H

#include <stddef.h>
#include <stdint.h>

#include "qcode/codebook.h"

/* After this many diagnostics the rest are dropped (a binary file fed as a codebook would
 * otherwise produce one per line) and a final "too many errors" is added. */
#define QC_DIAG_MAX 1000

typedef struct qc_diag_entry {
    qc_severity severity;
    uint32_t line, column, length;
    uint32_t seq; /* order of discovery: keeps the sort stable */
    char *message;
} qc_diag_entry;

typedef struct qc_diag_list {
    const char *file; /* borrowed: the name messages carry */
    const char *text; /* borrowed: the source, for source lines */
    size_t size;
    size_t *line_starts; /* byte offset of each line (1-based line L at [L-1]) */
    size_t line_count;
    qc_diag_entry *items;
    size_t count, cap;
    size_t errors, warnings;
    size_t dropped, dropped_errors; /* not kept (QC_DIAG_MAX), and how many of them are errors */
    int nomem;
    /* The last column computed: positions are mostly asked for left to right, so counting
     * resumes from here instead of from the start of a (possibly very long) line. */
    uint32_t cache_line, cache_col;
    size_t cache_byte;
} qc_diag_list;

/* Where line (1-based) ends in d->text: the offset of its line end (LF, CRLF or CR), or the size. */
size_t qc_diag_line_end(const qc_diag_list *d, uint32_t line);

/* Indexes the lines of text[0..size). Returns 0 or QC_ERR_NOMEM. */
int qc_diag_init(qc_diag_list *d, const char *file, const char *text, size_t size);
void qc_diag_free(qc_diag_list *d);

/* Records a diagnostic at line/column (1-based; column in code points), underlining `length`
 * code points. Out of memory is remembered in d->nomem. The message may quote the codebook's
 * text: control characters in it are written as U+001B (a message goes to a terminal, where ESC
 * would start an escape sequence), and bytes that are not UTF-8 (a quote cut short) as '?'. */
void qc_diag_add(qc_diag_list *d, qc_severity severity, uint32_t line, uint32_t column, uint32_t length,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The column (1-based, code points) of byte `byte_in_line` of line `line`. Counts lead bytes,
 * so it also gives a sensible column on a line with invalid UTF-8 before the position. */
uint32_t qc_diag_column(qc_diag_list *d, uint32_t line, size_t byte_in_line);

/* Sorts by position and calls opts->on_diagnostic for each; fills err with the first error.
 * Returns QC_ERR_CODEBOOK when there was an error, QC_ERR_NOMEM when memory ran out, else 0. */
int qc_diag_emit(qc_diag_list *d, const qc_codebook_options *opts, qc_error *err);

/* Edit distance (Levenshtein, bytes) of two short strings, capped: returns cap+1 as soon as the
 * distance must exceed cap. Used for "did you mean" only after an error, so it may be slow. */
size_t qc_edit_distance(const char *a, const char *b, size_t cap);

#endif
