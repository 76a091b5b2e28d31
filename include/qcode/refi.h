/* qcode/refi.h: REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette.
 *
 * A `.qdc` file carries a codebook, a `.qdpx` file (a ZIP holding `project.qde` and a `sources/`
 * folder) a whole project: sources, codes, cases, and the codings people made. docs/refi.md says
 * what is exported and imported, how offsets are counted and which oddities of real files are
 * accepted with a warning.
 *
 * GUIDs that qcode writes are name-based UUIDs (RFC 4122 version 5, SHA-1) in a fixed qcode
 * namespace, so the same code, source or quotation gets the same GUID on every run.
 *
 * Every function here is thread-safe unless it says otherwise (they share no state).
 */
#ifndef QCODE_REFI_H
#define QCODE_REFI_H

#include "casebook.h"
#include "codebook.h"
#include "common.h"
#include "document.h"
#include "results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A GUID as text: 36 characters, 8-4-4-4-12 lower-case hex digits, and a NUL. */
#define QC_GUID_SIZE 37

/* The namespace of every GUID qcode derives. */
#define QC_REFI_NAMESPACE "2787df2f-f59b-4517-9438-eba71542bc82"

/* The version 5 UUID of `name` (len bytes) in the namespace `ns` (a GUID in any accepted form).
 * Returns 0, or QC_ERR_INVALID when ns is not a GUID. */
QC_EXPORT int qc_refi_guid_v5(const char *ns, const void *name, size_t len, char out[QC_GUID_SIZE]);

/* The GUID qcode uses for `name` (a NUL-terminated string such as "code:<codebook>:<id>",
 * "source:<document id>", "selection:<code id>:<document id>:<start>:<end>", "user:<name>",
 * "case:<speaker>", "variable:<name>"): qc_refi_guid_v5(QC_REFI_NAMESPACE, name). */
QC_EXPORT void qc_refi_guid(const char *name, char out[QC_GUID_SIZE]);

/* Normalises a GUID as other tools write it (upper case, in braces, surrounding white space) to
 * lower-case 8-4-4-4-12. Returns 0, or QC_ERR_FORMAT when `in` is not a GUID (then out is ""). */
QC_EXPORT int qc_refi_guid_normalise(const char *in, char out[QC_GUID_SIZE]);

/* SHA-1 of data as 40 lower-case hex digits and a NUL (the hash behind version 5 UUIDs). */
QC_EXPORT void qc_refi_sha1_hex(const void *data, size_t len, char hex[41]);

/* --- options shared by import, export and checking --- */

#define QC_REFI_OPTIONS_VERSION 2
typedef struct qc_refi_options {
    unsigned version;            /* QC_REFI_OPTIONS_VERSION */
    qc_diagnostic_fn on_warning; /* every warning (file, line, message); may be NULL */
    void *user;
    int utf16_offsets;      /* export: positions in UTF-16 code units (NVivo) instead of code points */
    const char *time;       /* export: creationDateTime, "YYYY-MM-DDTHH:MM:SSZ"; NULL: now (UTC) */
    const char *schema_dir; /* check: folder holding Project.xsd and Codebook.xsd; NULL: no XSD check */
    /* (Version 2.) Export: the commit set (qc_outputs, qcode/common.h) the .qdpx, .qde or .qdc
     * written joins, renamed into place when the caller commits it; NULL (and version 1): renamed
     * at once. */
    qc_outputs *outputs;
} qc_refi_options;
#define QC_REFI_OPTIONS_INIT                                                                                           \
    {                                                                                                                  \
        QC_REFI_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, NULL                                                       \
    }

/* --- codebooks (.qdc) --- */

/* Writes a codebook as a REFI-QDA .qdc file (atomically): the code tree with names, colours,
 * isCodable, and a Description holding the definition and then, after a line
 * "---- qcode rules ----", the code's own statements as written in its .qcb, so that
 * qc_refi_import_qdc gives the same codebook back. The codebook header statements travel in a
 * Set named "qcode codebook header". opts may be NULL. */
QC_EXPORT int qc_refi_export_qdc(const qc_codebook *cb, const char *path, const qc_refi_options *opts, qc_error *err);

/* Reads a .qdc written by any tool and writes a .qcb (atomically). Codes that carry qcode
 * statements get them back; others become `manual` codes (leaves) or categories (codes with
 * children). Ids are made from names. Oddities of real files (namespace variants, rgb() colours,
 * GUIDs in braces or that are not GUIDs, an empty <Sets/>) are accepted with a warning.
 * opts may be NULL. */
QC_EXPORT int qc_refi_import_qdc(const char *qdc_path, const char *qcb_path, const qc_refi_options *opts,
                                 qc_error *err);

/* --- projects (.qdpx) --- */

typedef struct qc_refi_coder_count {
    const char *name; /* the coder's name as the project gives it */
    size_t codings;
} qc_refi_coder_count;

/* What an import found. Strings and arrays live until qc_refi_import_summary_free. */
typedef struct qc_refi_import_summary {
    const char *project; /* the project's name ("" when none) */
    const char *origin;  /* the tool that wrote it ("" when unknown) */
    const char *offsets; /* the unit positions were read in: "code points", "UTF-16 code units", ... */
    size_t sources;      /* text sources written */
    size_t codes;
    size_t cases;
    size_t selections; /* coded selections placed on their text */
    size_t codings;    /* codings written to manual.xml */
    size_t skipped;    /* codings left out (each with a warning) */
    size_t warnings;
    size_t coder_count;
    const qc_refi_coder_count *coders; /* codings by coder, in order of first appearance */
    void *internal_;
} qc_refi_import_summary;

/* Imports a REFI-QDA project (a .qdpx, or a bare project.qde) into the folder `dir`, which must
 * not exist or be empty: sources/<name>.txt (each source's text, UTF-8, LF, NFC), codebook.qcb,
 * cases.tsv (when the project has cases) and manual.xml (the codings, with coder and time, in
 * code points of the written texts). Everything is written to a temporary folder beside `dir`
 * (DIR.tmp-XXXXXX) and renamed at the end, so a failed import leaves nothing behind; such folders
 * that killed imports left (no live process holds them) are removed once the import is in place
 * (docs/reliability.md, "Leftovers of interrupted runs"). Positions are read in the
 * unit the exporting tool uses (NVivo: UTF-16 code units) and checked against the texts.
 * summary may be NULL; when given, free it with qc_refi_import_summary_free (also on failure). */
QC_EXPORT int qc_refi_import_project(const char *path, const char *dir, const qc_refi_options *opts,
                                     qc_refi_import_summary *summary, qc_error *err);
QC_EXPORT void qc_refi_import_summary_free(qc_refi_import_summary *summary);

/* --- exporting a project (.qdpx) --- */

/* A project being put together for export: a codebook, documents (their normalised texts become
 * the sources), quotations (the engine's and people's), and the casebook for cases. Not
 * thread-safe: fill it from one thread. */
typedef struct qc_refi_export qc_refi_export;

/* cb and cases (may be NULL) are borrowed and must outlive the export. opts may be NULL; its
 * strings are copied. */
QC_EXPORT int qc_refi_export_new(qc_refi_export **out, const qc_codebook *cb, const qc_casebook *cases,
                                 const qc_refi_options *opts, qc_error *err);
QC_EXPORT void qc_refi_export_free(qc_refi_export *x);

/* Adds a document: its id, normalised text, speakers and header attributes are copied (the
 * document may be freed afterwards). A repeated id is QC_ERR_INVALID. */
QC_EXPORT int qc_refi_export_add_document(qc_refi_export *x, const qc_document *doc, qc_error *err);

/* Adds a quotation of code `code` (codebook index) on the document with that id, [start, end) in
 * code points. coder NULL: the engine (user "qcode"); created NULL: the export's time. When text
 * is not NULL it must equal the document's text there (else QC_ERR_INVALID: the corpus changed). */
QC_EXPORT int qc_refi_export_add_quotation(qc_refi_export *x, const char *document_id, size_t code, size_t start,
                                           size_t end, const char *text, const char *coder, const char *created,
                                           qc_error *err);

/* Adds every quotation of a run (documents must have been added) and its provenance, which goes
 * into the project's Description. Counts-only results have no quotations: QC_ERR_INVALID. */
QC_EXPORT int qc_refi_export_add_results(qc_refi_export *x, qc_results *res, qc_error *err);

/* Adds the codings of a manual.xml (from qcode import), each by its coder. A coding whose
 * document or code is not in this export, or whose text is no longer at its offsets, is warned
 * about; when its text is found elsewhere in the document it is moved there (with a warning),
 * else it is skipped. Returns 0 unless the file cannot be read or is not manual.xml. */
QC_EXPORT int qc_refi_export_add_manual(qc_refi_export *x, const char *manual_path, qc_error *err);

/* Text for the project's Description (replaces what add_results put there). */
QC_EXPORT int qc_refi_export_set_description(qc_refi_export *x, const char *text, qc_error *err);

/* Writes the .qdpx: a ZIP with project.qde and sources/<GUID>.txt, written to a temporary file in
 * the target folder and renamed on success. */
QC_EXPORT int qc_refi_export_write(qc_refi_export *x, const char *qdpx_path, qc_error *err);

/* Writes the project.qde alone (atomically), without the sources: for inspection and tests. */
QC_EXPORT int qc_refi_export_write_qde(qc_refi_export *x, const char *qde_path, qc_error *err);

/* `qcode export results.xml --qdpx`: re-reads the codebook, casebook and corpus files named in
 * results.xml's provenance (refusing any whose SHA-256 changed since the run), adds the run's
 * quotations (people's codings listed in results.xml by their coder, the engine's as qcode) and,
 * when manual_path is not NULL, a manual.xml (a coding given by both comes once), and writes the
 * .qdpx. Relative
 * paths are tried from the current folder, then from the folder of results.xml. */
QC_EXPORT int qc_refi_export_results_file(const char *results_path, const char *manual_path, const char *qdpx_path,
                                          const qc_refi_options *opts, qc_error *err);

/* Exports a folder written by qc_refi_import_project (codebook.qcb, sources/ *.txt, cases.tsv and
 * manual.xml when present) back to a .qdpx, with no automatic coding: what came in goes out, with
 * any edits made to the codebook or the texts since (codings whose text moved are followed). */
QC_EXPORT int qc_refi_export_folder(const char *dir, const char *qdpx_path, const qc_refi_options *opts, qc_error *err);

/* --- checking --- */

typedef struct qc_refi_check_result {
    size_t errors;   /* schema violations, repeated GUIDs, unresolved references, misplaced selections */
    size_t warnings; /* oddities a reader accepts (reported as warnings) */
} qc_refi_check_result;

/* Checks a .qdpx, .qde or .qdc: against Project.xsd / Codebook.xsd from opts->schema_dir (when
 * set), and always for what the schema cannot see: every GUID unique, every reference resolving
 * to an element of the right kind, 0 <= start <= end <= length of the source, and each
 * selection's stored name agreeing with its text. Each finding goes to opts->on_warning (errors
 * with QC_SEVERITY_ERROR) with its file and line. A name ending in .qdc is read as a codebook, and
 * so is the temporary of one waiting in a commit set (NAME.qdc.tmp-XXXXXX, qc_outputs_pending);
 * any other as a project. Returns 0 when the file could be read (result says what was found), or
 * a negative status when it could not. */
QC_EXPORT int qc_refi_check(const char *path, const qc_refi_options *opts, qc_refi_check_result *result, qc_error *err);

/* Whether schema_dir holds a readable, compilable Project.xsd and Codebook.xsd: for a caller that
 * will write a file and then check it, so that a wrong folder fails before anything is written.
 * 0, or a negative status with err naming the schema and why. */
QC_EXPORT int qc_refi_schemas_check(const char *schema_dir, qc_error *err);

#ifdef __cplusplus
}
#endif
#endif
