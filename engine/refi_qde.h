/* project.qde: reading it into the model and writing the model as one. */
#ifndef QC_REFI_QDE_H
#define QC_REFI_QDE_H

#include "buf.h"
#include "refi_model.h"
#include "refi_xml.h"

/* Parses a project.qde (data[0..size), named file/part in messages) into m: users, codes,
 * variables, cases, text sources with their selections and codings, the qcode header Set and the
 * project Description. Sources keep their plainTextPath (or their inline PlainTextContent as
 * text); references are kept as GUIDs and resolved by the caller. Kinds of sources qcode cannot
 * use (pictures, PDF, audio, video) are counted in a warning. A Coding directly under a
 * TextSource (the whole source) becomes a selection with end -1. */
int qc_refi_read_qde(qc_refi_model *m, const char *data, size_t size, const char *file, const char *part,
                     qc_refi_log *log, qc_error *err);

/* Writes the model as a project.qde, elements in the order of Project.xsd's sequences.
 * Selections' positions are written as they are in the model. */
int qc_refi_write_qde(const qc_refi_model *m, qc_buf *out, qc_error *err);

#endif
