/* cases.tsv from an imported project: the casebook of its cases and of its sources' variables. */
#ifndef QC_REFI_CASES_H
#define QC_REFI_CASES_H

#include "buf.h"
#include "refi_model.h"
#include "refi_text.h"
#include "refi_xml.h"

/* Writes cases.tsv into b: a speaker row per case named like a speaker of its sources (or with
 * no source), a document row per imported source with variables (its own VariableValues, and
 * those of cases that name no speaker of the sources they reference) or described by such a case
 * (its name in a `case` column, so that the case is not lost). texts and file_names are
 * per source (file_names[i] NULL: the source was not imported). Conflicts and renamed columns
 * are warned about through log. 0, or -1 out of memory. */
int qc_refi_write_cases(const qc_refi_model *m, const qc_refi_text *texts, char *const *file_names, qc_refi_log *log,
                        qc_buf *b);

#endif
