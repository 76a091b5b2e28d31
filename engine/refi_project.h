/* A REFI-QDA project loaded for import or checking: the model, each source's text normalised with
 * its position maps, and each selection placed on its text (refi_qdpx_read.c). */
#ifndef QC_REFI_PROJECT_H
#define QC_REFI_PROJECT_H

#include "refi_manual.h"
#include "refi_model.h"
#include "refi_text.h"
#include "refi_xml.h"
#include "zip_read.h"

typedef struct qc_refi_loaded {
    const char *path;
    qc_refi_log log;
    char *log_file;
    qc_zip *zip; /* NULL for a bare .qde */
    char *qde;   /* the .qde's bytes */
    size_t qde_size;
    char *part; /* its entry name in the archive, NULL for a bare .qde */
    qc_refi_model m;
    qc_refi_text *texts;         /* one per source; text NULL when the source could not be read */
    char **file_names;           /* one per source: the file name it is written under, NULL when skipped */
    size_t *sel_start, *sel_end; /* normalised positions per selection */
    uint8_t *sel_ok;
    size_t problems; /* selections past the end, reversed, or off their stored text */
    size_t skipped;  /* codings left out */
    qc_refi_unit unit;
    qc_refi_manual manual;
    qc_refi_import_summary *summary;
} qc_refi_loaded;

/* Reads the archive (or bare .qde), parses it, loads and normalises the sources and places the
 * selections, warning through opts->on_warning. Unload also after a failure. */
int qc_refi_project_load(qc_refi_loaded *st, const char *path, const qc_refi_options *opts, qc_error *err);
void qc_refi_project_unload(qc_refi_loaded *st);

#endif
