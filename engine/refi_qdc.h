/* Codebooks in REFI-QDA form: from a compiled codebook to the model's codes (with each code's qcode
 * statements kept in its Description), the <Codes> tree as XML, reading <Codes> back, and writing
 * a .qcb from the model's codes. */
#ifndef QC_REFI_QDC_H
#define QC_REFI_QDC_H

#include <libxml/tree.h>

#include "buf.h"
#include "refi_model.h"
#include "refi_xml.h"

/* Fills m->codes and m->header from a codebook. Each code's Description is its definition, then
 * QC_REFI_RULES_MARK and the code's own statements as written in the codebook file (read from
 * qc_codebook_path; rebuilt from the accessors when the file cannot be read or has changed). */
int qc_refi_codes_from_codebook(qc_refi_model *m, const qc_codebook *cb, qc_error *err);

/* Appends <Codes>...</Codes> (nested Code elements) at indentation `indent` (spaces). */
void qc_refi_write_codes(qc_buf *b, const qc_refi_model *m, int indent);

/* Reads the Code elements under `codes` (a <Codes> element) into m->codes, depth first. Bad GUIDs
 * and colours are warned about and repaired (a GUID derived from the name; no colour). */
int qc_refi_read_codes(qc_refi_model *m, xmlNodePtr codes, qc_refi_log *log, qc_error *err);

/* Reads the qcode header Set (if any) from a <Sets> element into m->header. -1 when out of memory
 * (a header taken for absent would write another codebook line and lose the file's comments). */
int qc_refi_read_header_set(qc_refi_model *m, xmlNodePtr sets, qc_refi_log *log);

/* Whether a Set is a document group named "attribute: value" (it has MemberSources), with its name
 * (trailing blanks trimmed) in *name, the caller's: 1 yes, 0 no (*name NULL), -1 out of memory
 * (refi_groups.c). */
int qc_refi_set_is_document_group(xmlNodePtr set, char **name);
/* Each such group of a project's <Sets>: its attribute a variable of the model (added as Text
 * when the project has none of that name), its value on each member source it imports. 0 or -1
 * (out of memory). */
int qc_refi_read_document_groups(qc_refi_model *m, xmlNodePtr sets, qc_refi_log *log);

/* Writes a .qcb text for the model's codes: codes carrying a qcode block get their statements back,
 * others become `manual` codes (codable, with no children or used by a coding) or categories.
 * Assigns each code's id (m->codes[i].id) when not set. `name` is the codebook name used when the
 * model has no header; `source` is named in a leading comment. */
int qc_refi_write_qcb(qc_refi_model *m, const char *name, const char *source, qc_refi_log *log, qc_buf *out,
                      qc_error *err);

#endif
