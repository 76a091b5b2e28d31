/* Text hygiene for line-based formats: splits raw bytes into lines (LF, CRLF or CR), drops a
 * UTF-8 BOM, checks UTF-8 (or decodes Windows-1252), refuses binary data (NUL bytes) and lines
 * longer than QC_MAX_LINE_BYTES, and says where each line came from in the file. */
#ifndef QC_LINES_H
#define QC_LINES_H

#include <stdint.h>

#include "buf.h"
#include "qcode/document.h"

#define QC_MAX_LINE_BYTES (1u << 20)

typedef struct qc_line_reader {
    const char *name;
    const char *data;
    size_t size;
    size_t pos;
    uint32_t line; /* number of the line last returned, 1-based */
    qc_encoding encoding;
    qc_buf decoded; /* holds a Windows-1252 line decoded to UTF-8 */
} qc_line_reader;

void qc_lines_init(qc_line_reader *lr, const char *name, const char *data, size_t size, qc_encoding encoding);
/* The next line, without its line end: *line is valid UTF-8 of *len bytes, *source_offset the
 * byte offset of the line's first byte in the file, *verbatim 1 when the line's bytes are the
 * file's own (byte i came from source_offset + i), 0 when decoded. Returns 1, 0 at the end, or a
 * negative qc_status with err naming file, line, column and byte offset. */
int qc_lines_next(qc_line_reader *lr, const char **line, size_t *len, uint32_t *source_offset, int *verbatim,
                  qc_error *err);

void qc_lines_free(qc_line_reader *lr);

/* The code point a Windows-1252 byte stands for (every byte has one: the five bytes Windows
 * leaves undefined decode to the C1 controls of the same value). */
int32_t qc_windows1252_decode(unsigned char byte);

#endif
