/* Segmentation: splits each turn of a document into paragraphs (at blank lines), sentences (at
 * terminal punctuation, minding abbreviations and numbers) and words (qc_word_scan). Linear in the
 * text; arrays grow geometrically. */
#ifndef QC_SEGMENT_H
#define QC_SEGMENT_H

#include "document_impl.h"

/* Needs doc->text, text_size, length, cp_to_byte and turns; fills paragraphs, sentences and
 * words (replacing nothing: they must be empty). Returns 0 or QC_ERR_NOMEM. */
int qc_segment_document(qc_document *doc);

/* Whether the '.' at byte `dot` of s ends a common abbreviation (Dr. e.g. etc. No. 5 ...), in
 * which case it does not end a sentence. `start` bounds the look-back. */
int qc_segment_is_abbreviation(const char *s, size_t start, size_t dot, size_t len);

#endif
