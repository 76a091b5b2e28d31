/* `qcode export results.xml --qdpx`: a project from a finished run. results.xml keeps quotations
 * but not the documents' full texts, which the sources need, so the corpus is read again with the
 * options the run recorded, and each file must still have the SHA-256 the run saw: a project
 * whose sources differ from what was coded would put every quotation in the wrong place. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_export.h"
#include "results_coder.h"
#include "sha256.h"

typedef struct provenance {
    char *codebook_path, *codebook_sha;
    char *casebook, *encoding, *speaker_pattern, *speakers, *interviewers;
} provenance;

static void free_provenance(provenance *p)
{
    qc_free(p->codebook_path);
    qc_free(p->codebook_sha);
    qc_free(p->casebook);
    qc_free(p->encoding);
    qc_free(p->speaker_pattern);
    qc_free(p->speakers);
    qc_free(p->interviewers);
}

/* Reads the <provenance> element (the head of results.xml) on its own. */
static int read_provenance(const char *path, const char *data, size_t size, provenance *p, qc_error *err)
{
    memset(p, 0, sizeof *p);
    const char *open = NULL, *close = NULL;
    for (size_t i = 0; i + 12 < size && !close; i++) {
        if (!open && memcmp(data + i, "<provenance>", 12) == 0)
            open = data + i;
        else if (open && memcmp(data + i, "</provenance>", 13) == 0)
            close = data + i + 13;
    }
    if (!open || !close)
        return qc_error_set(err, QC_ERR_FORMAT, path, 0, 0, -1, "no <provenance> in results.xml");
    xmlDocPtr doc = NULL;
    int rc = qc_refi_xml_parse(open, (size_t)(close - open), path, "provenance", &doc, err);
    if (rc != 0)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr cb = qc_refi_xml_child(root, "codebook");
    int nomem = 0;
    if (cb) {
        p->codebook_path = qc_refi_xml_attr(cb, "path");
        p->codebook_sha = qc_refi_xml_attr(cb, "sha256");
    }
    for (xmlNodePtr o = qc_refi_xml_child(qc_refi_xml_child(root, "options"), "option"); o && !nomem;
         o = qc_refi_xml_next(o, "option")) {
        char *name = qc_refi_xml_attr(o, "name"), *value = qc_refi_xml_attr(o, "value");
        char **slot = NULL;
        if (name && strcmp(name, "casebook") == 0)
            slot = &p->casebook;
        else if (name && strcmp(name, "encoding") == 0)
            slot = &p->encoding;
        else if (name && strcmp(name, "speaker-pattern") == 0)
            slot = &p->speaker_pattern;
        else if (name && strcmp(name, "speakers") == 0)
            slot = &p->speakers;
        else if (name && strcmp(name, "interviewers") == 0)
            slot = &p->interviewers;
        if (slot) {
            qc_free(*slot);
            *slot = value;
            value = NULL;
        }
        qc_free(name);
        qc_free(value);
    }
    xmlFreeDoc(doc);
    if (!p->codebook_path || !*p->codebook_path)
        return qc_error_set(err, QC_ERR_FORMAT, path, 0, 0, -1, "results.xml does not name its codebook");
    return 0;
}

/* A path recorded in results.xml: as given when it exists, else beside results.xml. */
static char *resolve(const char *results_path, const char *p)
{
    if (p[0] == '/' || access(p, R_OK) == 0)
        return qc_strdup(p);
    const char *slash = strrchr(results_path, '/');
    if (!slash)
        return qc_strdup(p);
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "%.*s/%s", (int)(slash - results_path), results_path, p);
    return qc_buf_detach(&b);
}

typedef struct walk {
    const char *results_path;
    qc_refi_export *x;
    qc_read_options read;
    const char **interviewers;
    qc_error *err;
    int rc;
} walk;

static int on_document(const qc_result_document *d, size_t index, void *user)
{
    walk *w = user;
    (void)index;
    char *path = resolve(w->results_path, d->path ? d->path : d->id);
    if (!path) {
        w->rc = qc_error_nomem(w->err);
        return 1;
    }
    char *data = NULL;
    size_t size = 0;
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

int qc_refi_export_results_file(const char *results_path, const char *manual_path, const char *qdpx_path,
                                const qc_refi_options *opts, qc_error *err)
{
    if (!results_path || !qdpx_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no results.xml or no output path");
    char *data = NULL;
    size_t size = 0;
    /* The provenance is at the head; the file may be gigabytes (a corpus's every quotation) and is
     * walked below as a stream: it was read whole here, to look at its first 64 KiB. */
    int rc = qc_file_read_head(results_path, 65536, &data, &size, err);
    if (rc != 0)
        return rc;
    provenance p;
    memset(&p, 0, sizeof p);
    rc = read_provenance(results_path, data, size, &p, err);
    qc_free(data);
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_refi_export *x = NULL;
    char *cb_path = NULL, *cases_path = NULL;
    const char **interviewers = NULL;
    char *interviewer_text = NULL;
    if (rc == 0) {
        cb_path = resolve(results_path, p.codebook_path);
        rc = cb_path ? qc_codebook_load(&cb, cb_path, NULL, err) : qc_error_nomem(err);
    }
    if (rc == 0 && p.codebook_sha && strcmp(p.codebook_sha, qc_codebook_sha256(cb)) != 0)
        rc = qc_error_set(err, QC_ERR_INVALID, cb_path, 0, 0, -1,
                          "the codebook changed since the run (results.xml has SHA-256 %s): code again before "
                          "exporting",
                          p.codebook_sha);
    if (rc == 0 && p.casebook && *p.casebook) {
        cases_path = resolve(results_path, p.casebook);
        rc = cases_path ? qc_casebook_load(&cases, cases_path, err) : qc_error_nomem(err);
    }
    if (rc == 0)
        rc = qc_refi_export_new(&x, cb, cases, opts, err);
    qc_error walk_err; /* the walk's own: qc_results_read overwrites err with "stopped" */
    qc_error_clear(&walk_err);
    walk w = {results_path, x, QC_READ_OPTIONS_INIT, NULL, &walk_err, 0};
    if (rc == 0) {
        if (p.encoding && strcmp(p.encoding, "windows-1252") == 0)
            w.read.encoding = QC_ENCODING_WINDOWS1252;
        if (p.speakers && strcmp(p.speakers, "none") == 0)
            w.read.speakers = QC_SPEAKERS_NONE;
        w.read.speaker_pattern = p.speaker_pattern;
        if (p.interviewers && *p.interviewers) {
            interviewer_text = qc_strdup(p.interviewers);
            size_t n = 1;
            for (const char *c = p.interviewers; *c; c++)
                n += *c == ',';
            interviewers = qc_calloc(n, sizeof *interviewers);
            if (!interviewer_text || !interviewers) {
                rc = qc_error_nomem(err);
            } else {
                size_t k = 0;
                for (char *tok = strtok(interviewer_text, ","); tok; tok = strtok(NULL, ","))
                    interviewers[k++] = tok;
                w.read.interviewer_labels = interviewers;
                w.read.interviewer_label_count = k;
            }
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
        qc_buf_printf(&b, "Exported by qcode %s from %s.\nCodebook: %s", qc_version(), results_path,
                      qc_codebook_name(cb));
        const char *v = qc_codebook_version(cb);
        if (v && *v)
            qc_buf_printf(&b, " version %s", v);
        qc_buf_printf(&b, " (%s, SHA-256 %s).\nDocuments:", cb_path, qc_codebook_sha256(cb));
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
    qc_free(interviewers);
    qc_free(interviewer_text);
    free_provenance(&p);
    return rc;
}
