/* `qcode export results.xml --qdpx`: a project from a finished run. results.xml keeps quotations
 * but not the documents' full texts, which the sources need, so the corpus is read again with the
 * options the run recorded, and each file must still have the SHA-256 the run saw: a project
 * whose sources differ from what was coded would put every quotation in the wrong place. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_export.h"
#include "results_coder.h"
#include "results_provenance.h"
#include "sha256.h"
#include "xml_out.h"

typedef struct walk {
    const char *results_path;
    qc_refi_export *x;
    qc_read_options read;
    qc_error *err;
    int rc;
} walk;

static int on_document(const qc_result_document *d, size_t index, void *user)
{
    walk *w = user;
    (void)index;
    char *path = qc_provenance_resolve(w->results_path, d->path ? d->path : d->id);
    if (!path) {
        w->rc = qc_error_nomem(w->err);
        return 1;
    }
    char *data = NULL;
    size_t size = 0;
    w->rc = qc_file_require_regular(path, w->err);
    if (w->rc == 0)
        w->rc = qc_transcript_read(path, &data, &size, w->err);
    if (w->rc == 0 && d->sha256 && *d->sha256) {
        char hex[65];
        qc_sha256_hex(data, size, hex);
        if (strcmp(hex, d->sha256) != 0)
            w->rc = qc_error_set(w->err, QC_ERR_INVALID, path, 0, 0, -1,
                                 "the file changed since the run (SHA-256 %s, results.xml says %s): code it again "
                                 "before exporting",
                                 hex, d->sha256);
    }
    if (w->rc == 0) {
        qc_document *doc = NULL;
        qc_read_options ro = w->read;
        ro.id = d->id;
        w->rc = qc_document_read_buffer(&doc, path, data, size, &ro, w->err);
        if (w->rc == 0)
            w->rc = qc_refi_export_add_document(w->x, doc, w->err);
        qc_document_free(doc);
    }
    qc_free(data);
    qc_free(path);
    return w->rc != 0;
}

/* Every quotation results.xml lists, the people's with their coder (its `coder` attribute), so
 * results.xml alone gives the project every coding the run counted, each by whom it was made. */
static int on_quotation(const qc_result_quotation *q, const char *coder, void *user)
{
    walk *w = user;
    w->rc = qc_refi_export_add_quotation(w->x, q->document_id, q->code, q->start, q->end, q->text, coder, NULL, w->err);
    return w->rc != 0;
}

/* The interviewer labels the run recorded, pointing into their split text. */
typedef struct label_list {
    const char **items;
    size_t count, cap;
} label_list;

static int add_label(const char *label, void *user)
{
    label_list *l = user;
    if (QC_GROW(l->items, l->cap, l->count + 1) != 0)
        return QC_ERR_NOMEM;
    l->items[l->count++] = label;
    return 0;
}

int qc_refi_export_results_file(const char *results_path, const char *manual_path, const char *qdpx_path,
                                const qc_refi_options *opts, qc_error *err)
{
    if (!results_path || !qdpx_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no results.xml or no output path");
    /* The provenance is at the head; the file may be gigabytes (a corpus's every quotation) and is
     * walked below as a stream. */
    qc_provenance p;
    int rc = qc_provenance_read(results_path, &p, err);
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_refi_export *x = NULL;
    char *cb_path = NULL, *cases_path = NULL;
    label_list interviewers = {NULL, 0, 0};
    char *interviewer_text = NULL;
    if (rc == 0) {
        cb_path = qc_provenance_resolve(results_path, p.codebook_path);
        rc = !cb_path ? qc_error_nomem(err) : qc_file_require_regular(cb_path, err);
        if (rc == 0)
            rc = qc_codebook_load(&cb, cb_path, NULL, err);
    }
    if (rc == 0 && p.codebook_sha && strcmp(p.codebook_sha, qc_codebook_sha256(cb)) != 0)
        rc = qc_error_set(err, QC_ERR_INVALID, cb_path, 0, 0, -1,
                          "the codebook changed since the run (results.xml has SHA-256 %s): code again before "
                          "exporting",
                          p.codebook_sha);
    const char *casebook = qc_provenance_option(&p, "casebook");
    if (rc == 0 && casebook && *casebook) {
        cases_path = qc_provenance_resolve(results_path, casebook);
        rc = cases_path ? qc_casebook_load(&cases, cases_path, err) : qc_error_nomem(err);
    }
    if (rc == 0)
        rc = qc_refi_export_new(&x, cb, cases, opts, err);
    qc_error walk_err; /* the walk's own: qc_results_read overwrites err with "stopped" */
    qc_error_clear(&walk_err);
    walk w = {results_path, x, QC_READ_OPTIONS_INIT, &walk_err, 0};
    const char *encoding = qc_provenance_option(&p, "encoding"), *speakers = qc_provenance_option(&p, "speakers");
    const char *labels = qc_provenance_option(&p, "interviewers");
    if (rc == 0) {
        w.read.casebook = cases; /* the run read its documents trusting the casebook's people */
        if (encoding && strcmp(encoding, "windows-1252") == 0)
            w.read.encoding = QC_ENCODING_WINDOWS1252;
        if (speakers && strcmp(speakers, "none") == 0)
            w.read.speakers = QC_SPEAKERS_NONE;
        w.read.speaker_pattern = qc_provenance_option(&p, "speaker-pattern");
        /* A run told --input-format read its files as that, whatever their names: read otherwise
         * here, a transcript without an extension was read as text and its coding refused. */
        const char *format = qc_provenance_option(&p, "input-format");
        for (qc_format f = QC_FORMAT_TEXT; format && f <= QC_FORMAT_DOCX; f++)
            if (strcmp(format, qc_format_name(f)) == 0)
                w.read.format = f;
        if (labels) {
            interviewer_text = qc_strdup(labels);
            if (!interviewer_text || qc_results_split_labels(interviewer_text, add_label, &interviewers) != 0)
                rc = qc_error_nomem(err);
            w.read.interviewer_labels = interviewers.items;
            w.read.interviewer_label_count = interviewers.count;
        }
    }
    if (rc == 0) {
        qc_results_handlers h = {NULL, on_document, NULL, NULL, &w};
        rc = qc_results_read_coded(results_path, &h, on_quotation, err);
        if (w.rc != 0) {
            rc = w.rc;
            if (err)
                *err = walk_err;
        }
    }
    if (rc == 0) {
        qc_buf b = QC_BUF_INIT;
        /* File names that are not UTF-8 with their bytes percent-encoded, not lost to U+FFFD. */
        qc_buf_printf(&b, "Exported by qcode %s from ", qc_version());
        qc_xml_put_shown_name(&b, results_path, strlen(results_path));
        qc_buf_printf(&b, ".\nCodebook: %s", qc_codebook_name(cb));
        const char *v = qc_codebook_version(cb);
        if (v && *v)
            qc_buf_printf(&b, " version %s", v);
        qc_buf_puts(&b, " (");
        qc_xml_put_shown_name(&b, cb_path, strlen(cb_path));
        qc_buf_printf(&b, ", SHA-256 %s).\nDocuments:", qc_codebook_sha256(cb));
        for (size_t i = 0; i < x->doc_count; i++)
            qc_buf_printf(&b, "\n  %s", x->docs[i].id);
        rc = qc_buf_failed(&b) ? qc_error_nomem(err) : qc_refi_export_set_description(x, b.data, err);
        qc_buf_free(&b);
    }
    if (rc == 0 && manual_path)
        rc = qc_refi_export_add_manual(x, manual_path, err);
    if (rc == 0)
        rc = qc_refi_export_write(x, qdpx_path, err);
    qc_refi_export_free(x);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    qc_free(cb_path);
    qc_free(cases_path);
    qc_free(interviewers.items);
    qc_free(interviewer_text);
    qc_provenance_free(&p);
    return rc;
}
