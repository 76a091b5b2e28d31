/* A document's coding digest: what a results.xml's <document codingSha256> holds, so that a
 * re-code can tell whether its own coding of a document is the one an old results.xml lists
 * without reading that file's quotations (docs/recode.md). */
#ifndef QC_CODING_DIGEST_H
#define QC_CODING_DIGEST_H

#include "coding_impl.h"
#include "document_impl.h"

/* SHA-256 of the coding's quotations in order: each one's code index, span and turn and who coded
 * it (the engine, or each person by name). On the thread that coded the document. */
void qc_coding_records_hash(const qc_coding *coding, unsigned char out[32]);

/* The digest, as 64 lower-case hex digits: SHA-256 of the source file's SHA-256 (NULL: unknown),
 * how the document was read (document_impl.h: `reading`, the read options that change the text
 * and qcode's version), the text's sizes and the records' hash. The same bytes read the same way
 * give the same text, so two equal digests mean the same quotations with the same texts, without
 * hashing the text itself. */
void qc_coding_digest(const qc_document *doc, const char *source_sha256, const unsigned char records[32],
                      char hex[65]);

#endif
