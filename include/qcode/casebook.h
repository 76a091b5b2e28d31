/* qcode/casebook.h: attributes of speakers and documents, as an NVivo classification sheet.
 *
 * A casebook is a TSV or CSV file with a header row. A column named `speaker` and/or one named
 * `document` says what a row describes; every other column is an attribute (site, profession,
 * phase...). Rows with both apply to that speaker in that document; rows with only a speaker
 * apply to that speaker everywhere; rows with only a document apply to every speaker in it.
 * The casebook is immutable once loaded: threads may share it.
 */
#ifndef QCODE_CASEBOOK_H
#define QCODE_CASEBOOK_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qc_casebook qc_casebook;

/* Loads a casebook (TSV when the file name ends in .tsv or the header has a tab, else CSV with
 * RFC 4180 quoting, its fields separated by ';' when the header has more semicolons than commas
 * outside quotes; an Excel "sep=;" line before the header names the separator instead). *out is
 * the caller's. Errors name file, line and column. */
QC_EXPORT int qc_casebook_load(qc_casebook **out, const char *path, qc_error *err);
QC_EXPORT int qc_casebook_load_buffer(qc_casebook **out, const char *name, const void *data, size_t size,
                                      qc_error *err);
QC_EXPORT void qc_casebook_free(qc_casebook *cb);

/* Attribute names (columns other than speaker/document), in file order. */
QC_EXPORT size_t qc_casebook_attribute_count(const qc_casebook *cb);
QC_EXPORT const char *qc_casebook_attribute_name(const qc_casebook *cb, size_t index);

QC_EXPORT size_t qc_casebook_row_count(const qc_casebook *cb);
/* Row `index` in file order: the document and speaker it names (NULL for none; borrowed) and its
 * 1-based line in the file. Any out-parameter may be NULL. 0, or QC_ERR_NOTFOUND past the end. */
QC_EXPORT int qc_casebook_row(const qc_casebook *cb, size_t index, const char **document, const char **speaker,
                              uint32_t *line);

/* The value of attribute `index` for a speaker in a document, or NULL when no row gives it.
 * document_id or speaker may be NULL. The most specific row wins (document+speaker, then
 * speaker, then document). Borrowed: lives as long as the casebook. */
QC_EXPORT const char *qc_casebook_value(const qc_casebook *cb, const char *document_id, const char *speaker,
                                        size_t index);

/* The value of attribute `index` given by the one row that names exactly this document and this
 * speaker (NULL: a row naming none), without qc_casebook_value's fallback to less specific rows;
 * NULL when there is no such row or its cell is empty. Lets a reader tell a document's values
 * from a speaker's (a REFI-QDA export puts them on sources and on cases). Borrowed. */
QC_EXPORT const char *qc_casebook_row_value(const qc_casebook *cb, const char *document_id, const char *speaker,
                                            size_t index);

/* Whether attribute `index` is an identifier rather than a group: more than
 * QC_CASEBOOK_IDENTIFIER_MIN values, none of them given to two people (a row naming a speaker is
 * that person, in whatever document; a row naming only a document is that document). A pseudonym,
 * a participant number or an e-mail address is one; `team` or `profession` is not. The results do
 * not break the counts down by an identifier: each value's row would repeat one respondent's (or
 * document's) counts, and with thousands of people the table would outgrow the corpus
 * (docs/results.md). Values and people compare as names do (qc_casebook_name_compare). *values,
 * when not NULL, is set to the number of distinct values. 0 for an unknown index or when memory is
 * short (the column is then broken down, as any other). */
#define QC_CASEBOOK_IDENTIFIER_MIN 50
QC_EXPORT int qc_casebook_attribute_is_identifier(const qc_casebook *cb, size_t index, size_t *values);

/* Whether any row names this speaker (with this document or none). Used to report speakers
 * the casebook does not know. */
QC_EXPORT int qc_casebook_knows_speaker(const qc_casebook *cb, const char *document_id, const char *speaker);

/* Whether some row names a speaker (0 for NULL): a casebook of documents alone says nothing of
 * speakers, so that it knows none of a transcript's is no news. Answered from the load, without
 * walking the rows. */
QC_EXPORT int qc_casebook_has_speakers(const qc_casebook *cb);

/* How the casebook orders names (documents and speakers) and tells them apart: case aside, in any
 * script, and an accent typed as one character or as a combining mark alike (`Élodie`, `élodie`,
 * `E` + U+0301 `lodie`). Negative, 0 or positive, as strcmp; 0 for one name. The readers' speaker
 * labels and the results' respondents compare the same way. */
QC_EXPORT int qc_casebook_name_compare(const char *a, const char *b);

/* A name as qc_casebook_name_compare compares it, folded: NFC, full Unicode case folding (`Weiß`
 * is `weiss`), look-alike apostrophes and hyphens as `'` and `-` (`O’Brien` is `o'brien`); a name
 * that is not UTF-8 with its ASCII letters lowered. Two names compare equal exactly when their
 * folded forms are the same bytes, so a tool can measure how far apart two names are, character
 * by character (the command line's "did you mean" for a casebook row). Writes at most cap - 1
 * bytes and a NUL into out (nothing when cap is 0), cut before a character; returns the length of
 * the whole folded name (as snprintf: cap must be more to hold it), or SIZE_MAX when memory is
 * short (out then holds "" when cap is not 0). name NULL is "". Thread-safe. */
QC_EXPORT size_t qc_casebook_name_fold(const char *name, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
