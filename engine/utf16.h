/* UTF-16 text, what Windows calls "Unicode" (Notepad's and Word's "Unicode text", Excel's "Unicode
 * text" tables): told from its first bytes and converted to UTF-8 before any reader sees it, so
 * that transcripts, casebooks and codebooks saved that way are read like the others. */
#ifndef QC_UTF16_H
#define QC_UTF16_H

#include <stddef.h>

#include "buf.h"
#include "qcode/common.h"

/* 'L' (little-endian) or 'B' (big-endian) when the data is UTF-16: it starts with a byte order
 * mark (FF FE, FE FF) or, without one, every one of its first characters (up to 32) has its high
 * byte NUL and its low byte not, as text in Latin letters has; 0 otherwise. *bom says which of the
 * two it was. Neither mark is valid UTF-8, and data the second test takes holds NUL bytes, which
 * every reader refuses as binary: reading UTF-16 changes nothing that was read before. */
int qc_utf16_kind(const char *data, size_t size, int *bom);

/* Appends the UTF-8 of UTF-16 data of that kind to *out, its byte order mark (bom: as
 * qc_utf16_kind said) left out. A character
 * cut off by the end of the data, or a surrogate without its other half, is QC_ERR_ENCODING naming
 * the file's line and column (counted in the converted text) and the byte's offset in the file. */
int qc_utf16_to_utf8(const char *name, const char *data, size_t size, int kind, int bom, qc_buf *out, qc_error *err);

/* Where byte `at` of that UTF-8 copy (utf8[0..at), whole code points) came from in the UTF-16
 * file: two bytes for each code point before it, four for one beyond the BMP (four bytes of
 * UTF-8), after the byte order mark's two. Linear in `at`: for an error's place, not for every
 * code point. */
size_t qc_utf16_file_offset(const char *utf8, size_t at, int bom);

/* An error found in the UTF-8 copy utf8[0..len) (by a reader, the casebook's parser), about the
 * file `name`, made the file's: its byte offset, and the `offset N` its message gives, counted in
 * the UTF-16 file (line and column are the same in both). Other errors (another file's, none
 * about a byte, a speaker pattern's offset into the pattern) are left alone. */
void qc_utf16_error_in_file(qc_error *err, const char *name, const char *utf8, size_t len, int bom);

#endif
