/* A document's coding digest: what a results.xml's <document codingSha256> holds, so that a
 * re-code can tell whether its own coding of a document is the one an old results.xml lists
 * without reading that file's quotations (docs/recode.md). */
#ifndef QC_CODING_DIGEST_H
#define QC_CODING_DIGEST_H

#include "coding_impl.h"
#include "document_impl.h"

/* The SHA-256, as 64 lower-case hex digits, of the document's normalised text and, per quotation
 * in coding order, its code index, span and turn and who coded it (the engine, or each person by
 * name). Two equal digests mean the same quotation texts on the same codes. */
void qc_coding_digest(const qc_document *doc, const qc_coding *coding, char hex[65]);

#endif
