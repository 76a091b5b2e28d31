/* What the library knows of a casebook beyond the public API (qcode/casebook.h). */
#ifndef QC_CASEBOOK_IMPL_H
#define QC_CASEBOOK_IMPL_H

#include "qcode/casebook.h"

/* The SHA-256 of the casebook's speaker rows' (document, speaker) keys, compared as the casebook
 * compares them: 1 and out filled when some row names a speaker, else 0. A document read with the
 * casebook (qc_read_options.casebook) trusts the labels those rows name, so its reading, and the
 * cache's key for it, depends on them and on nothing else of the casebook. */
int qc_casebook_speakers_digest(const qc_casebook *cb, unsigned char out[32]);

/* The file the casebook was read from (the name qc_casebook_load_buffer was given), and the line
 * of the row naming exactly this document and speaker (NULL: a row naming none; 0 when there is no
 * such row): where a warning about one of its values sends the reader. Borrowed. */
const char *qc_casebook_file(const qc_casebook *cb);
uint32_t qc_casebook_row_line(const qc_casebook *cb, const char *document_id, const char *speaker);

#endif
