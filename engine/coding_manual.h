/* Manual codings (manual.xml) merged into a document's coding, for qc_corpus_run (run.c). */
#ifndef QC_CODING_MANUAL_H
#define QC_CODING_MANUAL_H

#include "qcode/coding.h"

/* Merges the manual codings of doc (by its id) into coding, which stays untouched. *out is NULL
 * when doc has none to count (use coding as it is); else a new coding with coding_impl.h's `who`,
 * freed with qc_manual_coding_free, that borrows m's coder names (m must outlive it). A coding
 * whose text no longer matches the document is warned about and left out. Fails only with
 * QC_ERR_NOMEM. */
int qc_manual_merge(qc_manual *m, const qc_document *doc, const qc_coding *coding, qc_coding **out, qc_error *err);
void qc_manual_coding_free(qc_coding *coding);

#endif
