/* qcode/document_xml.h: the document model as XML, for `qcode inspect --format xml` and for
 * anyone who wants to see what qcode read.
 *
 * One <document> element per call, so a caller can wrap several in its own root. The element
 * holds the id, path, format, encoding (qc_document_encoding: encoding="utf-16le",
 * byte-order-mark="yes" or "no"), length and counts (a subtitle file's cues first:
 * qc_document_cue_count), the attributes, the speakers (one per name, as the
 * results count respondents: spellings that compare as one name, qc_casebook_name_compare, are one
 * <speaker> named as first written, with the turns of all; with casebook values when a casebook
 * is given), and the turns (each with its label as written) with their paragraphs and sentences
 * (and words when asked), each with [start, end) code-point offsets into the normalised text.
 */
#ifndef QCODE_DOCUMENT_XML_H
#define QCODE_DOCUMENT_XML_H

#include <stdio.h>

#include "casebook.h"
#include "document.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    QC_DOCUMENT_XML_WORDS = 1u << 0 /* include <word> elements in sentences */
};

/* Writes one <document> element (indented, no XML declaration) to fp. cases may be NULL.
 * Returns 0, or QC_ERR_IO / QC_ERR_NOMEM. Thread-safe for distinct fp. */
QC_EXPORT int qc_document_write_xml(const qc_document *doc, const qc_casebook *cases, FILE *fp, unsigned flags,
                                    qc_error *err);

#ifdef __cplusplus
}
#endif
#endif
