/* The diff of two compiled codebooks by stable id, and the lineage rules it rests on (which new
 * codes inherit an old code's codings), shared with re-coding (recode.c). */
#ifndef QC_CODEBOOK_DIFF_H
#define QC_CODEBOOK_DIFF_H

#include <stddef.h>

#include "buf.h"
#include "qcode/diff.h"

/* Whether an id exists on the old side (a codebook, or the codes of a results.xml). */
typedef int (*qc_old_has_fn)(const char *id, void *user);

/* The new codes an old id's codings go to, in new-codebook order, each with how it got there
 * (0 same id; QC_CHANGE_ID, QC_CHANGE_SPLIT or QC_CHANGE_MERGED). Only `was`/`merged-from` ids
 * for which old_has holds count, so a codebook's older history is ignored; and when the old
 * codebook is known (old_cb, else NULL), a line its code of the same id already had is ignored
 * too (shared history: B `was A` beside a living A is a split once, not in every later diff).
 * Writes at most cap entries and returns the full count. */
size_t qc_lineage_successors(const qc_codebook *new_cb, const char *old_id, qc_old_has_fn old_has, void *user,
                             const qc_codebook *old_cb, size_t *codes, unsigned *how, size_t cap);

/* The old (new_side 0) or new codebook of a diff. */
const qc_codebook *qc_codebook_diff_side(const qc_codebook_diff *d, int new_side);

/* Escapes s for XML text (attr 0) or a double-quoted attribute value (attr 1). */
void qc_diff_xml_escape(qc_buf *b, const char *s, int attr);

#endif
