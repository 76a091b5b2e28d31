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

/* The codings of the document with this id (as XML gives ids back) taken as merged: not merged
 * into a document of that id, nor told of by qc_manual_finish (qcode recode: the document was
 * counted before m was made, with a qc_manual of the same codings but for others' documents). */
void qc_manual_pass_over(qc_manual *m, const char *id);

/* Where m's warnings go from now on (qc_manual_adopt's on_warning and user). */
void qc_manual_set_warnings(qc_manual *m, qc_diagnostic_fn on_warning, void *user);

struct qc_refi_manual;
/* qc_manual_load of codings already in memory (qcode recode: those it carried to a new codebook):
 * takes mm's codings (mm is left empty, also on failure). path names them in warnings (with each
 * coding's line when it has one). */
int qc_manual_adopt(qc_manual **out, struct qc_refi_manual *mm, const char *path, const qc_codebook *cb,
                    qc_diagnostic_fn on_warning, void *user, qc_error *err);

#endif
