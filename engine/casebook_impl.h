/* What the library knows of a casebook beyond the public API (qcode/casebook.h). */
#ifndef QC_CASEBOOK_IMPL_H
#define QC_CASEBOOK_IMPL_H

#include "qcode/casebook.h"

/* The SHA-256 of what a reading of document `document_id` with the casebook
 * (qc_read_options.casebook) depends on, and nothing else of the casebook: the labels it trusts,
 * those the speaker rows for that document or for every document name, compared as the casebook
 * compares them, in any order. 1 and out filled when some such row exists, else 0 (the document
 * is read as with no casebook). A row added or changed for one document leaves the others' cache
 * keys as they were. */
int qc_casebook_speakers_digest(const qc_casebook *cb, const char *document_id, unsigned char out[32]);

/* The file the casebook was read from (the name qc_casebook_load_buffer was given), and the line
 * of the row naming exactly this document and speaker (NULL: a row naming none; 0 when there is no
 * such row): where a warning about one of its values sends the reader. Borrowed. */
const char *qc_casebook_file(const qc_casebook *cb);

/* The column a `where` condition's key names: the first whose name compares equal to key as names
 * do (qc_fold_equal: `where RÉGION` reads the column `Région`), -1 when none does or cb is NULL.
 * The evaluation (rule_eval.c) and the cache's keys (cache.c) read the same column through it. */
long qc_casebook_attribute_named(const qc_casebook *cb, const char *key);
uint32_t qc_casebook_row_line(const qc_casebook *cb, const char *document_id, const char *speaker);

#endif
