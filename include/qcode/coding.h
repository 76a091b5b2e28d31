/* qcode/coding.h: applying a compiled codebook to one document.
 *
 * A qc_coder holds one thread's scratch (regex match data, buffers): create one per thread;
 * a coder is not thread-safe, but any number of coders may share one codebook, casebook and
 * document. qc_coder_code returns the document's quotations, each with the rule hits inside it.
 */
#ifndef QCODE_CODING_H
#define QCODE_CODING_H

#include "casebook.h"
#include "codebook.h"
#include "document.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qc_coder qc_coder;
typedef struct qc_coding qc_coding;

typedef enum qc_engine {
    QC_ENGINE_FAST = 0,   /* token tables, one pass per document */
    QC_ENGINE_REFERENCE   /* each rule leaf's own search over each unit: simple, the oracle */
} qc_engine;

#define QC_CODER_OPTIONS_VERSION 1
typedef struct qc_coder_options {
    unsigned version;
    qc_engine engine;
    /* Which codes to code: NULL for all; else one byte per code of the codebook, codes[i] != 0
     * selecting code i. The coder also evaluates, silently, every code a selected code references
     * through {REF}/{REF*} (transitively), and returns quotations and issues of the selected codes
     * only: the full coding restricted to them. Copied by qc_coder_new (borrowed for the call). */
    const uint8_t *codes;
} qc_coder_options;
#define QC_CODER_OPTIONS_INIT { QC_CODER_OPTIONS_VERSION, QC_ENGINE_FAST, NULL }

/* opts may be NULL. The codebook must outlive the coder. */
QC_EXPORT int qc_coder_new(qc_coder **out, const qc_codebook *cb, const qc_coder_options *opts, qc_error *err);
QC_EXPORT void qc_coder_free(qc_coder *coder);

/* Codes one document. cases may be NULL (then `where` conditions see only the document's header
 * attributes). *out is the caller's. A rule that exceeds a regex limit in some unit does not fail
 * the call: it is recorded as an issue of the coding and the rest is coded. */
QC_EXPORT int qc_coder_code(qc_coder *coder, const qc_document *doc, const qc_casebook *cases, qc_coding **out,
                            qc_error *err);
QC_EXPORT void qc_coding_free(qc_coding *coding);

typedef struct qc_quotation {
    size_t code;         /* code index in the codebook */
    size_t start, end;   /* code points, [start, end) */
    size_t turn;         /* turn index in the document */
    size_t hit_count;
} qc_quotation;

typedef struct qc_hit {
    size_t start, end;   /* code points */
    size_t rule;         /* rule index within the code */
    uint32_t line, column; /* where the matching leaf is written in the codebook */
} qc_hit;

/* Quotations sorted by code index, then start, then end. */
QC_EXPORT size_t qc_coding_quotation_count(const qc_coding *coding);
QC_EXPORT int qc_coding_quotation(const qc_coding *coding, size_t index, qc_quotation *out);
QC_EXPORT int qc_coding_hit(const qc_coding *coding, size_t quotation, size_t hit, qc_hit *out);

/* Problems met while coding (a regex limit hit): message with code id, rule line and unit. */
QC_EXPORT size_t qc_coding_issue_count(const qc_coding *coding);
QC_EXPORT const char *qc_coding_issue(const qc_coding *coding, size_t index);

/* --- codings people made: manual.xml (from qcode import, docs/refi.md) ---
 *
 * qcode code --manual counts a person's codings beside the engine's: qc_corpus_run, given a
 * qc_manual in qc_run_options.manual, merges each document's manual codings into its coding before
 * handing it over, so results count them like quotations of the same span and list them by coder
 * (docs/semantics.md, "Manual codings"). */
typedef struct qc_manual qc_manual;

/* Reads a manual.xml for a codebook (borrowed: it must outlive the qc_manual). Every problem with
 * one coding is a warning to on_warning (file: the manual.xml, line: the coding's) and the coding is
 * not counted: a malformed coding or an unknown code id here, a document the run did not have in
 * qc_manual_finish, text that no longer matches its document when the run reaches it. A file that is
 * not a manual.xml fails with its line. on_warning may be NULL. *out is the caller's.
 * Threads: a qc_manual is used by one thread at a time (qc_corpus_run: the calling thread). */
QC_EXPORT int qc_manual_load(qc_manual **out, const char *path, const qc_codebook *cb, qc_diagnostic_fn on_warning,
                             void *user, qc_error *err);
QC_EXPORT void qc_manual_free(qc_manual *m);

typedef struct qc_manual_stats {
    size_t codings;  /* in the file (exact repeats once) */
    size_t counted;  /* merged into a document's coding so far */
    size_t warnings; /* codings not counted, each warned about */
    size_t coders;   /* distinct coders of the codings in the file */
} qc_manual_stats;

/* After a run: warns about each coding whose document the run never reached (not counted), once. */
QC_EXPORT void qc_manual_finish(qc_manual *m);
QC_EXPORT void qc_manual_get_stats(const qc_manual *m, qc_manual_stats *out);

#ifdef __cplusplus
}
#endif
#endif
