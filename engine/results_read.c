/* Reading a results.xml back (for `qcode quotes --results` and exports) with libxml2's streaming
 * xmlReader, so a file of any size is read in constant memory (apart from an id table of documents
 * and codes). The file may come from anywhere: no network, no entity substitution, no DTD loading,
 * and a document with a DOCTYPE is refused. */
#include <libxml/xmlreader.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "results_coder.h"
#include "results_impl.h"
#include "xml_safe.h"

#define NS "urn:qcode:results:1"

typedef struct rd {
    xmlTextReaderPtr r;
    const char *path;
    const qc_results_handlers *h;
    qc_coded_quotation_fn on_coded; /* every quotation with its coder; NULL: h->on_quotation, engine's only */
    void *coded_user;               /* on_coded's */
    qc_error *err;
    int rc;
    int have_error;
    qc_error xml_err;

    char **doc_ids;
    size_t doc_count, doc_cap;
    qc_strmap doc_map;
    char **code_ids;
    size_t code_count, code_cap;
    qc_strmap code_map;

    /* the code or quotation being read */
    qc_results_file_code code;
    char *code_strs[3]; /* id, name, parent */
    int in_code;
    long quote_code;
    int in_quotation, in_text;
    qc_result_quotation q;
    char *q_doc, *q_speaker, *q_coder;
    qc_buf text;
    qc_hit *hits;
    size_t hit_count, hit_cap;
} rd;

static void on_xml_error(void *arg, xmlErrorPtr e)
{
    rd *d = arg;
    if (d->have_error || !e)
        return;
    d->have_error = 1;
    char msg[QC_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    qc_error_set(&d->xml_err, QC_ERR_FORMAT, d->path, e->line > 0 ? (uint32_t)e->line : 0,
                 e->int2 > 0 ? (uint32_t)e->int2 : 0, -1, "%s", msg);
}

static int fail(rd *d, int code, const char *what)
{
    int line = xmlTextReaderGetParserLineNumber(d->r);
    int col = xmlTextReaderGetParserColumnNumber(d->r);
    return qc_error_set(d->err, code, d->path, line > 0 ? (uint32_t)line : 0, col > 0 ? (uint32_t)col : 0, -1, "%s",
                        what);
}

static char *get_attr(rd *d, const char *name)
{
    return (char *)xmlTextReaderGetAttribute(d->r, BAD_CAST name);
}

/* An unsigned attribute; missing or malformed is an error. */
static int get_num(rd *d, const char *name, uint64_t *out)
{
    char *v = get_attr(d, name);
    if (!v || !*v || *v == '-') {
        xmlFree(v);
        return fail(d, QC_ERR_FORMAT, "a number attribute is missing or malformed");
    }
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    int ok = *end == '\0';
    xmlFree(v);
    if (!ok)
        return fail(d, QC_ERR_FORMAT, "a number attribute is malformed");
    *out = n;
    return 0;
}

static int push_id(rd *d, char ***ids, size_t *count, size_t *cap, qc_strmap *map, const char *id)
{
    if (QC_GROW(*ids, *cap, *count + 1) != 0)
        return qc_error_nomem(d->err);
    char *copy = qc_strdup(id);
    if (!copy || qc_strmap_put(map, copy, (uint32_t)*count) != 0) {
        qc_free(copy);
        return qc_error_nomem(d->err);
    }
    (*ids)[(*count)++] = copy;
    return 0;
}

static int cancelled(rd *d)
{
    return qc_error_set(d->err, QC_ERR_CANCELLED, d->path, 0, 0, -1, "stopped by the caller");
}

static int read_provenance_codebook(rd *d)
{
    if (!d->h->on_provenance)
        return 0;
    char *name = get_attr(d, "name"), *version = get_attr(d, "version"), *sha = get_attr(d, "sha256");
    int stop = d->h->on_provenance(name ? name : "", version ? version : "", sha ? sha : "", d->h->user);
    xmlFree(name);
    xmlFree(version);
    xmlFree(sha);
    return stop ? cancelled(d) : 0;
}

static int read_document(rd *d)
{
    char *id = get_attr(d, "id"), *path = get_attr(d, "path"), *format = get_attr(d, "format"),
         *sha = get_attr(d, "sha256"), *coding_sha = get_attr(d, "codingSha256");
    qc_result_document doc;
    memset(&doc, 0, sizeof doc);
    uint64_t size = 0, length = 0, turns = 0;
    int rc = !id ? fail(d, QC_ERR_FORMAT, "a document has no id") : 0;
    if (rc == 0 && qc_strmap_get(&d->doc_map, id) >= 0)
        rc = fail(d, QC_ERR_FORMAT, "two documents have the same id");
    if (rc == 0)
        rc = get_num(d, "size", &size);
    if (rc == 0)
        rc = get_num(d, "length", &length);
    if (rc == 0)
        rc = get_num(d, "turns", &turns);
    if (rc == 0)
        rc = push_id(d, &d->doc_ids, &d->doc_count, &d->doc_cap, &d->doc_map, id);
    if (rc == 0 && d->h->on_document) {
        doc.id = id;
        doc.path = path ? path : "";
        doc.sha256 = sha ? sha : "";
        doc.coding_sha256 = coding_sha ? coding_sha : "";
        doc.size = size;
        doc.length = (size_t)length;
        doc.turns = (size_t)turns;
        doc.format = QC_FORMAT_AUTO;
        static const qc_format formats[] = {QC_FORMAT_TEXT, QC_FORMAT_VTT, QC_FORMAT_SRT, QC_FORMAT_DOCX};
        for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
            if (format && strcmp(format, qc_format_name(formats[i])) == 0)
                doc.format = formats[i];
        if (d->h->on_document(&doc, d->doc_count - 1, d->h->user))
            rc = cancelled(d);
    }
    xmlFree(id);
    xmlFree(path);
    xmlFree(format);
    xmlFree(sha);
    xmlFree(coding_sha);
    return rc;
}

static void code_strs_free(rd *d)
{
    for (int i = 0; i < 3; i++) {
        xmlFree(d->code_strs[i]);
        d->code_strs[i] = NULL;
    }
}

static int start_code(rd *d)
{
    code_strs_free(d);
    memset(&d->code, 0, sizeof d->code);
    d->code_strs[0] = get_attr(d, "id");
    d->code_strs[1] = get_attr(d, "name");
    d->code_strs[2] = get_attr(d, "parent");
    if (!d->code_strs[0])
        return fail(d, QC_ERR_FORMAT, "a code has no id");
    if (qc_strmap_get(&d->code_map, d->code_strs[0]) >= 0)
        return fail(d, QC_ERR_FORMAT, "two codes have the same id");
    uint64_t depth = 0;
    int rc = get_num(d, "depth", &depth);
    if (rc != 0)
        return rc;
    d->code.index = d->code_count;
    d->code.depth = (size_t)depth;
    d->in_code = 1;
    return push_id(d, &d->code_ids, &d->code_count, &d->code_cap, &d->code_map, d->code_strs[0]);
}

static int read_counts(rd *d, qc_counts *c)
{
    int rc = get_num(d, "hits", &c->hits);
    if (rc == 0)
        rc = get_num(d, "quotations", &c->quotations);
    if (rc == 0)
        rc = get_num(d, "respondents", &c->respondents);
    if (rc == 0)
        rc = get_num(d, "documents", &c->documents);
    return rc;
}

static int end_code(rd *d)
{
    d->in_code = 0;
    if (!d->h->on_code)
        return 0;
    d->code.id = d->code_strs[0];
    d->code.name = d->code_strs[1] ? d->code_strs[1] : "";
    d->code.parent_id = d->code_strs[2];
    return d->h->on_code(&d->code, d->h->user) ? cancelled(d) : 0;
}

static int start_quotation(rd *d)
{
    xmlFree(d->q_doc);
    xmlFree(d->q_speaker);
    xmlFree(d->q_coder);
    memset(&d->q, 0, sizeof d->q);
    d->q_doc = get_attr(d, "document");
    d->q_speaker = get_attr(d, "speaker");
    d->q_coder = get_attr(d, "coder");
    if (d->q_coder && !*d->q_coder)
        return fail(d, QC_ERR_FORMAT, "a quotation's coder is empty");
    long doc = d->q_doc ? qc_strmap_get(&d->doc_map, d->q_doc) : -1;
    if (doc < 0)
        return fail(d, QC_ERR_FORMAT, "a quotation names a document that is not listed");
    uint64_t turn = 0, start = 0, end = 0;
    int rc = get_num(d, "turn", &turn);
    if (rc == 0)
        rc = get_num(d, "start", &start);
    if (rc == 0)
        rc = get_num(d, "end", &end);
    if (rc != 0)
        return rc;
    char *role = get_attr(d, "role");
    d->q.role = !role                              ? QC_ROLE_UNKNOWN
                : strcmp(role, "participant") == 0 ? QC_ROLE_PARTICIPANT
                : strcmp(role, "interviewer") == 0 ? QC_ROLE_INTERVIEWER
                                                   : QC_ROLE_UNKNOWN;
    xmlFree(role);
    d->q.code = (size_t)d->quote_code;
    d->q.document = (size_t)doc;
    d->q.document_id = d->doc_ids[doc];
    d->q.speaker = d->q_speaker;
    d->q.turn = (size_t)turn;
    d->q.start = (size_t)start;
    d->q.end = (size_t)end;
    d->hit_count = 0;
    qc_buf_clear(&d->text);
    d->in_quotation = 1;
    return 0;
}

static int read_hit(rd *d)
{
    uint64_t v[5];
    static const char *const names[5] = {"rule", "line", "column", "start", "end"};
    for (int i = 0; i < 5; i++) {
        int rc = get_num(d, names[i], &v[i]);
        if (rc != 0)
            return rc;
    }
    if (QC_GROW(d->hits, d->hit_cap, d->hit_count + 1) != 0)
        return qc_error_nomem(d->err);
    d->hits[d->hit_count++] = (qc_hit){(size_t)v[3], (size_t)v[4], (size_t)v[0], (uint32_t)v[1], (uint32_t)v[2]};
    return 0;
}

static int end_quotation(rd *d)
{
    d->in_quotation = 0;
    if (qc_buf_failed(&d->text))
        return qc_error_nomem(d->err);
    /* The public handler sees the engine's quotations only, as qc_results_foreach_quotation does. */
    if (!d->on_coded && (!d->h->on_quotation || d->q_coder))
        return 0;
    d->q.text = qc_buf_cstr(&d->text);
    d->q.text_len = d->text.len;
    d->q.coder = d->q_coder;
    d->q.hit_count = d->hit_count;
    d->q.hits = d->hit_count ? d->hits : NULL;
    int stop = d->on_coded ? d->on_coded(&d->q, d->q_coder, d->coded_user) : d->h->on_quotation(&d->q, d->h->user);
    return stop ? cancelled(d) : 0;
}

/* Handles an element start. `section` is the name of the root's child it is in. */
static int element_start(rd *d, const char *section, int depth, const char *name)
{
    if (strcmp(section, "provenance") == 0 && depth == 2 && strcmp(name, "codebook") == 0)
        return read_provenance_codebook(d);
    if (strcmp(section, "documents") == 0 && depth == 2 && strcmp(name, "document") == 0)
        return read_document(d);
    if (strcmp(section, "codes") == 0) {
        if (depth == 2 && strcmp(name, "code") == 0)
            return start_code(d);
        if (depth == 3 && d->in_code && strcmp(name, "own") == 0)
            return read_counts(d, &d->code.own);
        if (depth == 3 && d->in_code && strcmp(name, "rolledUp") == 0)
            return read_counts(d, &d->code.rolled_up);
        return 0;
    }
    if (strcmp(section, "quotations") == 0) {
        if (depth == 2 && strcmp(name, "code") == 0) {
            char *id = get_attr(d, "id");
            d->quote_code = id ? qc_strmap_get(&d->code_map, id) : -1;
            xmlFree(id);
            return d->quote_code < 0 ? fail(d, QC_ERR_FORMAT, "quotations of a code that is not listed") : 0;
        }
        if (depth == 3 && strcmp(name, "quotation") == 0)
            return start_quotation(d);
        if (depth == 4 && d->in_quotation && strcmp(name, "text") == 0)
            d->in_text = 1;
        else if (depth == 4 && d->in_quotation && strcmp(name, "hit") == 0)
            return read_hit(d);
    }
    return 0;
}

static int element_end(rd *d, const char *section, int depth, const char *name)
{
    if (strcmp(section, "codes") == 0 && depth == 2 && strcmp(name, "code") == 0 && d->in_code)
        return end_code(d);
    if (strcmp(section, "quotations") == 0) {
        if (depth == 4 && strcmp(name, "text") == 0)
            d->in_text = 0;
        else if (depth == 3 && strcmp(name, "quotation") == 0 && d->in_quotation)
            return end_quotation(d);
    }
    return 0;
}

static int walk(rd *d)
{
    char section[32] = "";
    int seen_root = 0;
    int ret;
    while ((ret = xmlTextReaderRead(d->r)) == 1) {
        int type = xmlTextReaderNodeType(d->r);
        int depth = xmlTextReaderDepth(d->r);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE ||
            type == XML_READER_TYPE_ENTITY)
            return fail(d, QC_ERR_FORMAT, "DTDs and entities are not allowed in a results file");
        if (type == XML_READER_TYPE_ELEMENT) {
            const char *name = (const char *)xmlTextReaderConstLocalName(d->r);
            const char *ns = (const char *)xmlTextReaderConstNamespaceUri(d->r);
            if (!ns || strcmp(ns, NS) != 0) {
                if (depth == 0)
                    return fail(d, QC_ERR_FORMAT, "not a qcode results file (expected namespace " NS ")");
                continue; /* elements of other namespaces are extensions: skipped */
            }
            int empty = xmlTextReaderIsEmptyElement(d->r);
            int rc = 0;
            if (depth == 0) {
                if (strcmp(name, "results") != 0)
                    return fail(d, QC_ERR_FORMAT, "not a qcode results file (the root is not <results>)");
                seen_root = 1;
            } else if (depth == 1) {
                snprintf(section, sizeof section, "%s", name);
            } else {
                rc = element_start(d, section, depth, name);
                if (rc == 0 && empty)
                    rc = element_end(d, section, depth, name);
            }
            if (rc != 0)
                return rc;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            const char *name = (const char *)xmlTextReaderConstLocalName(d->r);
            int rc = depth >= 2 ? element_end(d, section, depth, name) : 0;
            if (rc != 0)
                return rc;
            if (depth == 1)
                section[0] = '\0';
        } else if (d->in_text &&
                   (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                    type == XML_READER_TYPE_WHITESPACE || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            const char *v = (const char *)xmlTextReaderConstValue(d->r);
            if (v)
                qc_buf_puts(&d->text, v);
        }
    }
    if (ret < 0 || d->have_error) {
        if (d->have_error) {
            *d->err = d->xml_err;
            return d->xml_err.code;
        }
        return fail(d, QC_ERR_FORMAT, "malformed XML");
    }
    if (!seen_root)
        return fail(d, QC_ERR_FORMAT, "not a qcode results file (no <results> element)");
    return 0;
}

int qc_results_read(const char *path, const qc_results_handlers *handlers, qc_error *err)
{
    return qc_results_read_coded(path, handlers, NULL, err);
}

/* qc_results_read_all: every quotation to on_quotation, q->coder telling whose. */
static int to_on_quotation(const qc_result_quotation *q, const char *coder, void *user)
{
    (void)coder; /* q->coder is the same */
    const qc_results_handlers *h = user;
    return h->on_quotation ? h->on_quotation(q, h->user) : 0;
}

static int read_results(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                        void *coded_user, qc_error *err);

int qc_results_read_all(const char *path, const qc_results_handlers *handlers, qc_error *err)
{
    return read_results(path, handlers, handlers ? to_on_quotation : NULL, (void *)handlers, err);
}

int qc_results_read_coded(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                          qc_error *err)
{
    return read_results(path, handlers, on_coded, handlers ? handlers->user : NULL, err);
}

static int read_results(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                        void *coded_user, qc_error *err)
{
    static const qc_results_handlers none;
    qc_error local;
    if (!err)
        err = &local;
    qc_xml_file_input in;
    if (qc_xml_file_open(&in, path) != 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot open: %s", strerror(errno));
    rd d;
    memset(&d, 0, sizeof d);
    d.path = path;
    d.h = handlers ? handlers : &none;
    d.on_coded = on_coded;
    d.coded_user = coded_user;
    d.err = err;
    d.code_map.fold = 0;
    d.doc_map.fold = 0;
    /* Read through qc_xml_file_read so that an empty input, a pipe's or /dev/null's too, is told
     * as empty rather than in libxml2's words ("Extra content at the end of the document"). */
    d.r = xmlReaderForIO(qc_xml_file_read, NULL, &in, path, NULL, XML_PARSE_NONET);
    int rc;
    if (!d.r) {
        rc = qc_xml_file_refuse_empty(&in, path, "a qcode results.xml", err);
        qc_xml_file_close(&in);
        return rc ? rc : qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot open results file");
    }
    xmlTextReaderSetStructuredErrorHandler(d.r, on_xml_error, &d);
    rc = walk(&d);
    if (rc == QC_ERR_FORMAT) {
        int empty = qc_xml_file_refuse_empty(&in, path, "a qcode results.xml", err);
        if (empty)
            rc = empty;
    }
    xmlFreeTextReader(d.r);
    qc_xml_file_close(&in);
    for (size_t i = 0; i < d.doc_count; i++)
        qc_free(d.doc_ids[i]);
    qc_free(d.doc_ids);
    qc_strmap_free(&d.doc_map);
    for (size_t i = 0; i < d.code_count; i++)
        qc_free(d.code_ids[i]);
    qc_free(d.code_ids);
    qc_strmap_free(&d.code_map);
    code_strs_free(&d);
    xmlFree(d.q_doc);
    xmlFree(d.q_speaker);
    xmlFree(d.q_coder);
    qc_buf_free(&d.text);
    qc_free(d.hits);
    return rc;
}
