/* The export builder's representation (qcode/refi.h's qc_refi_export), shared by the builder
 * (refi_export.c), the archive writer (refi_qdpx_write.c) and the results.xml route
 * (refi_export_results.c). */
#ifndef QC_REFI_EXPORT_H
#define QC_REFI_EXPORT_H

#include "refi_model.h"
#include "refi_xml.h"

typedef struct qc_refi_exp_doc {
    char *id;
    char *text; /* normalised */
    size_t size, length;
    uint32_t *cp_to_byte; /* length+1 */
    char **speakers;      /* participants, first appearance order */
    size_t speaker_count;
    char **attr_keys, **attr_values;
    size_t attr_count;
} qc_refi_exp_doc;

typedef struct qc_refi_exp_quote {
    int doc;
    size_t code;
    size_t start, end;
    char *coder;   /* NULL: the engine */
    char *created; /* NULL: the export's time */
} qc_refi_exp_quote;

struct qc_refi_export {
    const qc_codebook *cb;
    const qc_casebook *cases;
    qc_refi_log log;
    int utf16;
    char *time;
    char *description;
    qc_refi_exp_doc *docs;
    size_t doc_count, doc_cap;
    qc_refi_index doc_index; /* document id -> index in docs (the keys are the docs' ids) */
    qc_refi_exp_quote *quotes;
    size_t quote_count, quote_cap;
    qc_outputs *outputs; /* qc_refi_options.outputs: the commit set the written file joins */
};

/* Builds the REFI model of the export (sorts the quotations). m is initialised here; free it with
 * qc_refi_model_free also on failure. */
int qc_refi_export_build(qc_refi_export *x, qc_refi_model *m, qc_error *err);

/* Writes a model (sources with their texts) as a .qdpx archive, atomically (into set, when not
 * NULL: qc_outputs). */
int qc_refi_write_qdpx(const qc_refi_model *m, const char *path, const char *time, qc_outputs *set, qc_error *err);

#endif
