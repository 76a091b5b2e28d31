/* Putting a project together for export: documents, quotations (the engine's and people's), the
 * codebook and the casebook become the REFI model, which refi_qde_write.c and refi_qdpx_write.c
 * serialise.
 *
 * Every GUID is derived from ids (qc_refi_guid), so a re-export after a revision lines up with the
 * previous one in other tools: a code keeps its GUID while its id stays, a quotation while its
 * code, document and span stay. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "bound.h"
#include "casebook_impl.h"
#include "error.h"
#include "outputs.h"
#include "refi_export.h"
#include "refi_guid.h"
#include "refi_manual.h"
#include "refi_qdc.h"
#include "refi_text.h"
#include "text.h"
#include "version.h"
#include "xml_out.h"

#define ENGINE_USER "qcode"

static void free_doc(qc_refi_exp_doc *d)
{
    qc_free(d->id);
    qc_free(d->text);
    qc_free(d->cp_to_byte);
    for (size_t i = 0; i < d->speaker_count; i++)
        qc_free(d->speakers[i]);
    qc_free(d->speakers);
    for (size_t i = 0; i < d->attr_count; i++) {
        qc_free(d->attr_keys[i]);
        qc_free(d->attr_values[i]);
    }
    qc_free(d->attr_keys);
    qc_free(d->attr_values);
}

void qc_refi_export_free(qc_refi_export *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->doc_count; i++)
        free_doc(&x->docs[i]);
    qc_free(x->docs);
    qc_refi_index_free(&x->doc_index);
    for (size_t i = 0; i < x->quote_count; i++) {
        qc_free(x->quotes[i].coder);
        qc_free(x->quotes[i].created);
    }
    qc_free(x->quotes);
    qc_free(x->time);
    qc_free(x->description);
    qc_free(x);
}

static char *now_utc(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return qc_strdup("1970-01-01T00:00:00Z");
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return qc_strdup(buf);
}

int qc_refi_export_new(qc_refi_export **out, const qc_codebook *cb, const qc_casebook *cases,
                       const qc_refi_options *opts, qc_error *err)
{
    *out = NULL;
    if (!cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "an export needs a codebook");
    qc_refi_export *x = qc_calloc(1, sizeof *x);
    if (!x)
        return qc_error_nomem(err);
    x->cb = cb;
    x->cases = cases;
    if (qc_refi_index_init(&x->doc_index, 64) != 0) {
        qc_free(x);
        return qc_error_nomem(err);
    }
    if (opts) {
        x->log.fn = opts->on_warning;
        x->log.user = opts->user;
        x->utf16 = opts->utf16_offsets != 0;
        x->outputs = qc_refi_outputs(opts);
    }
    x->time = opts && opts->time ? qc_strdup(opts->time) : now_utc();
    if (!x->time) {
        qc_refi_export_free(x);
        return qc_error_nomem(err);
    }
    *out = x;
    return 0;
}

int qc_refi_export_add_document(qc_refi_export *x, const qc_document *doc, qc_error *err)
{
    const char *id = qc_document_id(doc);
    if (qc_refi_index_get(&x->doc_index, id) >= 0)
        return qc_error_set(err, QC_ERR_INVALID, qc_document_path(doc), 0, 0, -1,
                            "document id '%s' is already in the export", id);
    if (QC_GROW(x->docs, x->doc_cap, x->doc_count + 1) != 0)
        return qc_error_nomem(err);
    qc_refi_exp_doc *d = &x->docs[x->doc_count];
    memset(d, 0, sizeof *d);
    size_t size = 0;
    const char *text = qc_document_text(doc, &size);
    d->id = qc_strdup(id);
    d->text = qc_strndup(text, size);
    d->size = size;
    d->length = qc_document_length(doc);
    d->cp_to_byte = qc_malloc((d->length + 1) * sizeof *d->cp_to_byte);
    int nomem = !d->id || !d->text || !d->cp_to_byte;
    for (size_t k = 0; !nomem && k <= d->length; k++)
        d->cp_to_byte[k] = (uint32_t)qc_document_text_offset(doc, k);
    size_t ns = qc_document_speaker_count(doc);
    if (!nomem && ns) {
        d->speakers = qc_calloc(ns, sizeof *d->speakers);
        nomem = !d->speakers;
        for (size_t k = 0; !nomem && k < ns; k++) {
            qc_role role;
            const char *label = qc_document_speaker(doc, k, &role);
            if (role != QC_ROLE_PARTICIPANT || !label)
                continue;
            if (!(d->speakers[d->speaker_count++] = qc_strdup(label)))
                nomem = 1;
        }
    }
    size_t na = qc_document_attribute_count(doc);
    if (!nomem && na) {
        d->attr_keys = qc_calloc(na, sizeof *d->attr_keys);
        d->attr_values = qc_calloc(na, sizeof *d->attr_values);
        nomem = !d->attr_keys || !d->attr_values;
        for (size_t k = 0; !nomem && k < na; k++) {
            const char *key, *value;
            qc_document_attribute(doc, k, &key, &value);
            d->attr_keys[k] = qc_strdup(key);
            d->attr_values[k] = qc_strdup(value ? value : "");
            d->attr_count++;
            nomem = !d->attr_keys[k] || !d->attr_values[k];
        }
    }
    x->doc_count++; /* counted even when half-filled, so free_doc releases it */
    if (!nomem && qc_refi_index_put(&x->doc_index, d->id, (int32_t)(x->doc_count - 1)) < 0)
        nomem = 1;
    if (nomem) {
        free_doc(d);
        x->doc_count--;
        return qc_error_nomem(err);
    }
    return 0;
}

/* By the index: a scan per quotation made an export of 8,000 documents take minutes. */
static int find_doc(const qc_refi_export *x, const char *id)
{
    return (int)qc_refi_index_get(&x->doc_index, id);
}

/* Whether the document's text at [start, end) is exactly text. */
static int text_at(const qc_refi_exp_doc *d, size_t start, size_t end, const char *text)
{
    size_t a = d->cp_to_byte[start], b = d->cp_to_byte[end];
    return strlen(text) == b - a && memcmp(d->text + a, text, b - a) == 0;
}

static int add_quote(qc_refi_export *x, int doc, size_t code, size_t start, size_t end, const char *coder,
                     const char *created, qc_error *err)
{
    if (QC_GROW(x->quotes, x->quote_cap, x->quote_count + 1) != 0)
        return qc_error_nomem(err);
    qc_refi_exp_quote *q = &x->quotes[x->quote_count];
    memset(q, 0, sizeof *q);
    q->doc = doc;
    q->code = code;
    q->start = start;
    q->end = end;
    q->coder = coder ? qc_strdup(coder) : NULL;
    q->created = created ? qc_strdup(created) : NULL;
    if ((coder && !q->coder) || (created && !q->created)) {
        qc_free(q->coder);
        qc_free(q->created);
        return qc_error_nomem(err);
    }
    x->quote_count++;
    return 0;
}

int qc_refi_export_add_quotation(qc_refi_export *x, const char *document_id, size_t code, size_t start, size_t end,
                                 const char *text, const char *coder, const char *created, qc_error *err)
{
    int doc = find_doc(x, document_id);
    if (doc < 0)
        return qc_error_set(err, QC_ERR_NOTFOUND, NULL, 0, 0, -1,
                            "quotation on document '%s', which is not in the export", document_id);
    const qc_refi_exp_doc *d = &x->docs[doc];
    if (code >= qc_codebook_code_count(x->cb))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "code index %zu is not in the codebook", code);
    if (start > end || end > d->length)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1,
                            "quotation %zu-%zu lies outside document '%s' (%zu code points)", start, end, document_id,
                            d->length);
    if (text && !text_at(d, start, end, text))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1,
                            "the text of document '%s' at %zu-%zu is not the quotation's text: the document changed",
                            document_id, start, end);
    return add_quote(x, doc, code, start, end, coder, created, err);
}

/* The walk's own error is kept apart from the caller's: the walk that a quotation stopped sets
 * "stopped by the caller" over it, which is what a run out of memory said. */
typedef struct results_walk {
    qc_refi_export *x;
    qc_error err;
    int rc;
} results_walk;

static int on_result_quote(const qc_result_quotation *q, void *user)
{
    results_walk *w = user;
    w->rc = qc_refi_export_add_quotation(w->x, q->document_id, q->code, q->start, q->end, q->text, NULL, NULL, &w->err);
    return w->rc != 0;
}

int qc_refi_export_add_results(qc_refi_export *x, qc_results *res, qc_error *err)
{
    results_walk w = {x, {0}, 0};
    int rc = qc_results_foreach_quotation(res, QC_ALL_CODES, on_result_quote, &w, err);
    if (w.rc != 0) {
        if (err)
            *err = w.err;
        return w.rc;
    }
    if (rc != 0)
        return rc;
    /* Provenance: what made these codings, so a reader of the project can trace them. */
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "Coded by qcode %s on %s.\nCodebook: %s", qc_version(), x->time, qc_codebook_name(x->cb));
    const char *v = qc_codebook_version(x->cb);
    if (v && *v)
        qc_buf_printf(&b, " version %s", v);
    /* File names that are not UTF-8 with their bytes percent-encoded, not lost to U+FFFD. */
    const char *cb_path = qc_codebook_path(x->cb);
    qc_buf_puts(&b, " (");
    qc_xml_put_shown_name(&b, cb_path, strlen(cb_path));
    qc_buf_printf(&b, ", SHA-256 %s).\nDocuments:", qc_codebook_sha256(x->cb));
    for (size_t i = 0; i < qc_results_document_count(res); i++) {
        qc_result_document d;
        if (qc_results_document(res, i, &d) != 0)
            continue;
        qc_buf_printf(&b, "\n  %s (", d.id);
        qc_xml_put_shown_name(&b, d.path ? d.path : "", d.path ? strlen(d.path) : 0);
        qc_buf_printf(&b, ", SHA-256 %s)", d.sha256 ? d.sha256 : "");
    }
    if (qc_buf_failed(&b)) {
        qc_buf_free(&b);
        return qc_error_nomem(err);
    }
    qc_free(x->description);
    x->description = qc_buf_detach(&b);
    return 0;
}

int qc_refi_export_set_description(qc_refi_export *x, const char *text, qc_error *err)
{
    char *copy = qc_strdup(text ? text : "");
    if (!copy)
        return qc_error_nomem(err);
    qc_free(x->description);
    x->description = copy;
    return 0;
}

/* The start of the occurrence of text in d nearest to `near`, or -1. */
static long find_nearest(const qc_refi_exp_doc *d, const char *text, size_t near)
{
    size_t n = strlen(text);
    if (n == 0)
        return -1;
    long best = -1;
    size_t best_dist = (size_t)-1;
    for (const char *p = d->text; (p = strstr(p, text)) != NULL; p++) {
        size_t byte = (size_t)(p - d->text);
        /* The code point where this byte offset starts (binary search in cp_to_byte). */
        size_t lo = qc_lower_bound_u32(d->cp_to_byte, sizeof *d->cp_to_byte, 0, 0, d->length, (uint32_t)byte);
        if (d->cp_to_byte[lo] != byte)
            continue; /* not on a character boundary */
        size_t dist = lo > near ? lo - near : near - lo;
        if (dist < best_dist) {
            best_dist = dist;
            best = (long)lo;
        }
    }
    return best;
}

int qc_refi_export_add_manual(qc_refi_export *x, const char *manual_path, qc_error *err)
{
    qc_refi_manual mm;
    qc_refi_log log = x->log;
    log.file = manual_path;
    log.warnings = 0;
    int rc = qc_refi_manual_read(&mm, manual_path, &log, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < mm.count && rc == 0; i++) {
        qc_refi_manual_coding *c = &mm.items[i];
        int doc = find_doc(x, c->document);
        long code = qc_codebook_find(x->cb, c->code);
        if (doc < 0) {
            qc_refi_warn(&log, c->line, "coding of %s by %s: document '%s' is not in this run: skipped", c->code,
                         c->coder, c->document);
            continue;
        }
        if (code < 0) {
            qc_refi_warn(&log, c->line, "coding by %s on '%s': code %s is not in the codebook: skipped", c->coder,
                         c->document, c->code);
            continue;
        }
        const qc_refi_exp_doc *d = &x->docs[doc];
        size_t start = c->start, end = c->end;
        if (end > d->length || !text_at(d, start, end, c->text)) {
            long moved = find_nearest(d, c->text, start);
            if (moved < 0) {
                qc_refi_warn(&log, c->line,
                             "coding of %s by %s on '%s' at %zu-%zu: its text is no longer in the document: skipped",
                             c->code, c->coder, c->document, c->start, c->end);
                continue;
            }
            start = (size_t)moved;
            end = start + qc_utf8_length(c->text, strlen(c->text));
            qc_refi_warn(&log, c->line, "coding of %s by %s on '%s': text found at %zu-%zu instead of %zu-%zu: moved",
                         c->code, c->coder, c->document, start, end, c->start, c->end);
        }
        /* Codings qcode made and another tool sent back are the engine's, not a person's: same
         * identity, so a re-export lines up and a re-run does not count them twice. */
        /* `QCode` too: coders' names compare as names (one_name_per_coder). */
        const char *coder =
            qc_fold_equal(c->coder, strlen(c->coder), ENGINE_USER, strlen(ENGINE_USER)) ? NULL : c->coder;
        rc = add_quote(x, doc, (size_t)code, start, end, coder, c->created, err);
    }
    x->log.warnings += log.warnings;
    qc_refi_manual_free(&mm);
    return rc;
}

/* --- from the export to the model --- */

/* A coding's identity in the project: document, span, code, coder (the engine first, people by
 * name). The same coding from results.xml and from a manual.xml given again is one selection. */
static int same_coding(const qc_refi_exp_quote *a, const qc_refi_exp_quote *b);

static int cmp_quotes(const void *pa, const void *pb)
{
    const qc_refi_exp_quote *a = pa, *b = pb;
    int c = same_coding(a, b);
    if (c)
        return c;
    /* Of two equal ones the one that knows when it was made first (results.xml does not keep the
     * creation time a manual.xml has), so that one is kept. */
    if (!a->created != !b->created)
        return a->created ? -1 : 1;
    return 0;
}

static int same_coding(const qc_refi_exp_quote *a, const qc_refi_exp_quote *b)
{
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->code != b->code)
        return a->code < b->code ? -1 : 1;
    /* The engine's before people's, people by name. */
    if (!a->coder || !b->coder)
        return a->coder ? 1 : b->coder ? -1 : 0;
    return strcmp(a->coder, b->coder);
}

/* The variable type every value fits: Integer, Float, Boolean, Date, else Text. */
static int all_match(char **values, size_t n, int (*fits)(const char *))
{
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!values[i] || !*values[i])
            continue;
        if (!fits(values[i]))
            return 0;
        seen++;
    }
    return seen > 0;
}

static int is_integer(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int is_decimal(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    int digits = 0, dot = 0;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digits++;
        else if (*s == '.' && !dot)
            dot = 1;
        else
            return 0;
    }
    return digits > 0;
}

static int is_boolean(const char *s)
{
    return strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0 || strcasecmp(s, "yes") == 0 ||
           strcasecmp(s, "no") == 0;
}

static int is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    int year = atoi(s), month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
    /* A day the calendar does not have (2016-04-31, 2015-02-29) or year 0000 is not an xs:date:
     * written as a DateValue it made the project invalid against Project.xsd. */
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days[month - 1])
        return 0;
    return !(month == 2 && day == 29 && !leap);
}

static const char *type_of(char **values, size_t n)
{
    if (all_match(values, n, is_integer))
        return "Integer";
    if (all_match(values, n, is_decimal))
        return "Float";
    if (all_match(values, n, is_boolean))
        return "Boolean";
    if (all_match(values, n, is_date))
        return "Date";
    return "Text";
}

/* A value as its type wants it written (booleans as true/false, numbers without a '+'). */
static const char *typed_value(const char *type, const char *v)
{
    if (strcmp(type, "Boolean") == 0)
        return (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0) ? "true" : "false";
    if ((strcmp(type, "Integer") == 0 || strcmp(type, "Float") == 0) && *v == '+')
        return v + 1;
    return v;
}

typedef struct var_build {
    char **names;
    char ***values; /* per variable, every value seen */
    size_t *value_counts, *value_caps;
    size_t count, cap;
} var_build;

/* The variable of an attribute name, compared as the counts compare attribute names (qc_fold_equal:
 * the casebook's `RÉGION` and a header's `région` are one variable, named as first seen). */
static long var_index(var_build *vb, const char *name, int create)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < vb->count; i++)
        if (qc_fold_equal(vb->names[i], strlen(vb->names[i]), name, n))
            return (long)i;
    if (!create)
        return -1;
    size_t c1 = vb->cap, c2 = vb->cap, c3 = vb->cap;
    if (QC_GROW(vb->names, c1, vb->count + 1) != 0 || QC_GROW(vb->values, c2, vb->count + 1) != 0 ||
        QC_GROW(vb->value_counts, c3, vb->count + 1) != 0 || QC_GROW(vb->value_caps, vb->cap, vb->count + 1) != 0)
        return -2;
    vb->names[vb->count] = (char *)name;
    vb->values[vb->count] = NULL;
    vb->value_counts[vb->count] = vb->value_caps[vb->count] = 0;
    return (long)vb->count++;
}

static int var_value(var_build *vb, long v, const char *value)
{
    if (QC_GROW(vb->values[v], vb->value_caps[v], vb->value_counts[v] + 1) != 0)
        return -1;
    vb->values[v][vb->value_counts[v]++] = (char *)value;
    return 0;
}

static void var_free(var_build *vb)
{
    for (size_t i = 0; i < vb->count; i++)
        qc_free(vb->values[i]);
    qc_free(vb->names);
    qc_free(vb->values);
    qc_free(vb->value_counts);
    qc_free(vb->value_caps);
}

/* The selection's name: the start of its text, as ATLAS.ti writes it (readers use it to check
 * positions). */
static char *selection_name(const qc_refi_exp_doc *d, size_t start, size_t end)
{
    size_t cut = end - start > 60 ? start + 60 : end;
    qc_buf b = QC_BUF_INIT;
    const char *p = d->text + d->cp_to_byte[start], *e = d->text + d->cp_to_byte[cut];
    for (; p < e; p++)
        qc_buf_putc(&b, (*p == '\n' || *p == '\t' || *p == '\r') ? ' ' : *p);
    if (cut < end)
        qc_buf_puts(&b, "\xe2\x80\xa6");
    if (!b.data && !b.failed)
        qc_buf_puts(&b, "");
    return qc_buf_detach(&b);
}

static int user_guid(qc_refi_model *m, const char *name, char out[QC_GUID_SIZE])
{
    if (qc_refi_guidf(out, "user:%s", name) != 0)
        return -1;
    for (size_t i = 0; i < m->user_count; i++)
        if (strcmp(m->users[i].guid, out) == 0)
            return 0;
    qc_refi_user *u = qc_refi_add_user(m);
    if (!u || !(u->name = qc_strdup(name)))
        return -1;
    memcpy(u->guid, out, QC_GUID_SIZE);
    return 0;
}

/* The value document d's TextSource carries for variable v: its casebook document row's (a row
 * with no speaker), else its header's; the casebook wins as it does in the counts. NULL for none. */
static const char *source_value(const qc_refi_export *x, const var_build *vb, size_t ncase_attr, size_t d, size_t v)
{
    const qc_refi_exp_doc *doc = &x->docs[d];
    if (v < ncase_attr) {
        const char *value = qc_casebook_row_value(x->cases, doc->id, NULL, v);
        if (value && *value)
            return value;
    }
    size_t n = strlen(vb->names[v]);
    for (size_t a = 0; a < doc->attr_count; a++)
        if (qc_fold_equal(doc->attr_keys[a], strlen(doc->attr_keys[a]), vb->names[v], n))
            return *doc->attr_values[a] ? doc->attr_values[a] : NULL;
    return NULL;
}

/* The value a participant's Case carries for casebook attribute a: what the speaker's own rows
 * give (document+speaker, else speaker), never a document row, which describes the document and
 * goes on its source. A Case holds one value, so when the speaker's rows differ between their
 * documents the first document's wins and the export says so, at the casebook row of the value
 * left out (it named no file: the casebook may be one of several, found through results.xml). NULL
 * for none. */
static const char *case_value(qc_refi_export *x, const char *label, const int32_t *docs, size_t ndocs, size_t a)
{
    const char *first = NULL, *first_doc = NULL;
    uint32_t first_line = 0;
    int warned = 0;
    for (size_t i = 0; i < ndocs; i++) {
        const qc_refi_exp_doc *doc = &x->docs[docs[i]];
        const char *row = doc->id; /* the document of the row that gives it, NULL for none */
        const char *value = qc_casebook_row_value(x->cases, row, label, a);
        if (!value || !*value) {
            row = NULL;
            value = qc_casebook_row_value(x->cases, row, label, a);
        }
        if (!value || !*value)
            continue;
        uint32_t line = qc_casebook_row_line(x->cases, row, label);
        if (!first) {
            first = value;
            first_doc = doc->id;
            first_line = line;
        } else if (strcmp(first, value) != 0 && !warned) {
            qc_refi_warn_in(&x->log, qc_casebook_file(x->cases), line,
                            "speaker %s: casebook attribute '%s' is '%s' in %s (line %u) but '%s' in %s; a case "
                            "holds one value: the project's case %s has '%s'",
                            label, qc_casebook_attribute_name(x->cases, a), first, first_doc, first_line, value,
                            doc->id, label, first);
            warned = 1;
        }
    }
    return first;
}

/* The participants of the export, one per label (case aside, qc_fold_dup, named as first seen), in order
 * of first appearance, each with the documents it speaks in, in order: found by hashing the
 * labels folded, where a scan of the participants per speaker, and of every document's speakers
 * per participant and attribute, made an export of 8,000 documents take minutes. */
typedef struct participants {
    const char **label; /* borrowed from the documents */
    size_t count;
    size_t *first; /* participant k's documents are docs[first[k] .. first[k + 1]) */
    int32_t *docs;
    char **folded; /* owned: the index's keys */
    qc_refi_index index;
} participants;

static void participants_free(participants *p)
{
    for (size_t i = 0; p->folded && i < p->count; i++)
        qc_free(p->folded[i]);
    qc_free(p->folded);
    qc_free(p->label);
    qc_free(p->first);
    qc_free(p->docs);
    qc_refi_index_free(&p->index);
}

static int find_participants(const qc_refi_export *x, participants *p)
{
    size_t total = 0;
    for (size_t d = 0; d < x->doc_count; d++)
        total += x->docs[d].speaker_count;
    int32_t *who = qc_malloc((total + 1) * sizeof *who); /* each (document, speaker)'s participant */
    p->label = qc_calloc(total + 1, sizeof *p->label);
    p->folded = qc_calloc(total + 1, sizeof *p->folded);
    p->first = qc_calloc(total + 2, sizeof *p->first);
    p->docs = qc_malloc((total + 1) * sizeof *p->docs);
    int rc = who && p->label && p->folded && p->first && p->docs && qc_refi_index_init(&p->index, total) == 0 ? 0 : -1;
    size_t n = 0;
    for (size_t d = 0; d < x->doc_count && rc == 0; d++)
        for (size_t s = 0; s < x->docs[d].speaker_count && rc == 0; s++, n++) {
            const char *label = x->docs[d].speakers[s];
            char *folded = qc_fold_dup(label);
            if (!folded) {
                rc = -1;
                break;
            }
            int32_t k = qc_refi_index_get(&p->index, folded);
            if (k >= 0) {
                qc_free(folded);
            } else {
                k = (int32_t)p->count;
                p->label[p->count] = label;
                p->folded[p->count++] = folded;
                rc = qc_refi_index_put(&p->index, folded, k) < 0 ? -1 : 0;
            }
            who[n] = k;
            p->first[k + 1]++;
        }
    /* Each participant's documents, by counting: in document order, a document once. */
    for (size_t k = 0; rc == 0 && k < p->count; k++)
        p->first[k + 1] += p->first[k];
    size_t *fill = rc == 0 ? qc_calloc(p->count + 1, sizeof *fill) : NULL;
    rc = rc == 0 && !fill ? -1 : rc;
    n = 0;
    for (size_t d = 0; d < x->doc_count && rc == 0; d++)
        for (size_t s = 0; s < x->docs[d].speaker_count; s++, n++) {
            int32_t k = who[n];
            size_t at = p->first[k] + fill[k];
            if (fill[k] && p->docs[at - 1] == (int32_t)d)
                continue; /* "S1" and "s1" in one document: one source of the case */
            p->docs[at] = (int32_t)d;
            fill[k]++;
        }
    /* Close the gaps a document met twice left: first[] as the documents kept. */
    if (rc == 0) {
        size_t out = 0;
        for (size_t k = 0; k < p->count; k++) {
            size_t from = p->first[k];
            p->first[k] = out;
            memmove(p->docs + out, p->docs + from, fill[k] * sizeof *p->docs);
            out += fill[k];
        }
        p->first[p->count] = out;
    }
    qc_free(fill);
    qc_free(who);
    return rc;
}

/* One name per person: a coder's name typed another way (`anna` after `Anna`, an accent typed
 * either way: compared as the casebook compares names) becomes the one first met, so they are one
 * User, and their coding of a span one selection. -1 out of memory. */
static int one_name_per_coder(qc_refi_export *x)
{
    qc_refi_index seen = {0};
    char **keys = qc_calloc(x->quote_count + 1, sizeof *keys);
    int rc = keys && qc_refi_index_init(&seen, x->quote_count) == 0 ? 0 : -1;
    for (size_t i = 0; i < x->quote_count && rc == 0; i++) {
        qc_refi_exp_quote *q = &x->quotes[i];
        if (!q->coder)
            continue;
        if (!(keys[i] = qc_fold_dup(q->coder))) {
            rc = -1;
            break;
        }
        int32_t first = qc_refi_index_get(&seen, keys[i]);
        if (first < 0) {
            rc = qc_refi_index_put(&seen, keys[i], (int32_t)i) < 0 ? -1 : 0;
            continue;
        }
        if (strcmp(q->coder, x->quotes[first].coder) == 0)
            continue;
        char *name = qc_strdup(x->quotes[first].coder);
        if (!name) {
            rc = -1;
            break;
        }
        qc_free(q->coder);
        q->coder = name;
    }
    qc_refi_index_free(&seen);
    for (size_t i = 0; keys && i < x->quote_count; i++)
        qc_free(keys[i]);
    qc_free(keys);
    return rc;
}

int qc_refi_export_build(qc_refi_export *x, qc_refi_model *m, qc_error *err)
{
    qc_refi_model_init(m);
    int rc = qc_refi_codes_from_codebook(m, x->cb, err);
    if (rc != 0)
        return rc;
    if (one_name_per_coder(x) != 0)
        return qc_error_nomem(err);
    char engine_guid[QC_GUID_SIZE];
    if (x->quote_count > 1)
        qsort(x->quotes, x->quote_count, sizeof *x->quotes, cmp_quotes);
    m->name = qc_strdup(qc_codebook_name(x->cb));
    qc_buf origin = QC_BUF_INIT;
    qc_buf_printf(&origin, "qcode %s", QCODE_VERSION_STRING);
    if (x->utf16)
        qc_buf_puts(&origin, " (positions in UTF-16 code units, as NVivo)");
    m->origin = qc_buf_detach(&origin);
    m->created = qc_strdup(x->time);
    m->description = x->description ? qc_strdup(x->description) : NULL;
    if (!m->name || !m->origin || !m->created || (x->description && !m->description) ||
        user_guid(m, ENGINE_USER, engine_guid) != 0)
        return qc_error_nomem(err);
    memcpy(m->creating_user, engine_guid, QC_GUID_SIZE);
    for (size_t i = 0; i < x->quote_count; i++)
        if (x->quotes[i].coder) {
            char g[QC_GUID_SIZE];
            if (user_guid(m, x->quotes[i].coder, g) != 0)
                return qc_error_nomem(err);
        }

    /* Variables: the casebook's columns, then document header keys; typed from the values written. */
    var_build vb = {0};
    int nomem = 0;
    size_t ncase_attr = x->cases ? qc_casebook_attribute_count(x->cases) : 0;
    for (size_t a = 0; a < ncase_attr && !nomem; a++)
        nomem = var_index(&vb, qc_casebook_attribute_name(x->cases, a), 1) < 0;
    for (size_t d = 0; d < x->doc_count && !nomem; d++)
        for (size_t a = 0; a < x->docs[d].attr_count && !nomem; a++)
            nomem = var_index(&vb, x->docs[d].attr_keys[a], 1) < 0;
    size_t nvar = vb.count;
    const char **src_values = nomem ? NULL : qc_calloc(x->doc_count * nvar + 1, sizeof *src_values);
    nomem = nomem || !src_values;
    for (size_t d = 0; d < x->doc_count && !nomem; d++)
        for (size_t v = 0; v < nvar && !nomem; v++) {
            const char *value = source_value(x, &vb, ncase_attr, d, v);
            src_values[d * nvar + v] = value;
            nomem = value && var_value(&vb, (long)v, value) != 0;
        }
    /* Cases: one per participant, in order of first appearance; labels the casebook takes for one
     * name (qc_fold_dup) are one, named as first seen, as the counts and the casebook take them. */
    participants pp = {0};
    nomem = nomem || find_participants(x, &pp) != 0;
    const char **pc = pp.label;
    size_t pc_count = pp.count;
    const char **case_values = nomem ? NULL : qc_calloc(pc_count * ncase_attr + 1, sizeof *case_values);
    nomem = nomem || !case_values;
    for (size_t k = 0; k < pc_count && !nomem; k++)
        for (size_t a = 0; a < ncase_attr && !nomem; a++) {
            const char *value = case_value(x, pc[k], pp.docs + pp.first[k], pp.first[k + 1] - pp.first[k], a);
            case_values[k * ncase_attr + a] = value;
            nomem = value && var_value(&vb, (long)a, value) != 0;
        }
    for (size_t v = 0; v < vb.count && !nomem; v++) {
        qc_refi_variable *var = qc_refi_add_variable(m);
        nomem = !var || !(var->name = qc_strdup(vb.names[v])) ||
                !(var->type = qc_strdup(type_of(vb.values[v], vb.value_counts[v]))) ||
                qc_refi_guidf(var->guid, "variable:%s", vb.names[v]) != 0;
    }
    /* Sources. */
    for (size_t d = 0; d < x->doc_count && !nomem; d++) {
        qc_refi_source *s = qc_refi_add_source(m);
        nomem = !s || qc_refi_guidf(s->guid, "source:%s", x->docs[d].id) != 0;
        if (nomem)
            break;
        qc_buf p = QC_BUF_INIT;
        qc_buf_printf(&p, "internal://%s.txt", s->guid);
        s->path = qc_buf_detach(&p);
        s->name = qc_strdup(x->docs[d].id);
        s->created = qc_strdup(x->time);
        memcpy(s->creating_user, engine_guid, QC_GUID_SIZE);
        nomem = !s->path || !s->name || !s->created;
        for (size_t v = 0; v < nvar && !nomem; v++) {
            const char *raw = src_values[d * nvar + v];
            if (raw)
                nomem = qc_refi_add_value(&s->values, &s->value_count, &s->value_cap, (int32_t)v,
                                          typed_value(m->variables[v].type, raw)) != 0;
        }
    }
    for (size_t k = 0; k < pc_count && !nomem; k++) {
        qc_refi_case *c = qc_refi_add_case(m);
        nomem = !c || !(c->name = qc_strdup(pc[k])) || qc_refi_guidf(c->guid, "case:%s", pc[k]) != 0;
        for (size_t a = 0; a < ncase_attr && !nomem; a++) {
            const char *value = case_values[k * ncase_attr + a];
            if (value)
                nomem = qc_refi_add_value(&c->values, &c->value_count, &c->value_cap, (int32_t)a,
                                          typed_value(m->variables[a].type, value)) != 0;
        }
        for (size_t i = pp.first[k]; i < pp.first[k + 1] && !nomem; i++) {
            nomem = QC_GROW(c->sources, c->source_cap, c->source_count + 1) != 0;
            if (!nomem)
                c->sources[c->source_count++] = pp.docs[i];
        }
    }
    qc_free(src_values);
    qc_free(case_values);
    participants_free(&pp);
    var_free(&vb);
    /* Selections: one per quotation, each with one Coding. */
    uint32_t *u16 = NULL;
    int u16_doc = -1;
    for (size_t i = 0; i < x->quote_count && !nomem; i++) {
        const qc_refi_exp_quote *q = &x->quotes[i];
        if (i > 0 && same_coding(q, &x->quotes[i - 1]) == 0)
            continue; /* the same coding twice (results.xml and its manual.xml, or a manual.xml added
                       * twice): once is enough */
        const qc_refi_exp_doc *d = &x->docs[q->doc];
        const char *code_id = qc_code_id(x->cb, q->code);
        qc_refi_selection *s = qc_refi_add_selection(m);
        if (!s) {
            nomem = 1;
            break;
        }
        s->source = q->doc;
        int g = q->coder ? qc_refi_guidf(s->guid, "manual-selection:%s:%s:%s:%zu:%zu", q->coder, code_id, d->id,
                                         q->start, q->end)
                         : qc_refi_guidf(s->guid, "selection:%s:%s:%zu:%zu", code_id, d->id, q->start, q->end);
        s->start = (int64_t)q->start;
        s->end = (int64_t)q->end;
        if (x->utf16) {
            if (u16_doc != q->doc) {
                qc_free(u16);
                u16 = qc_malloc((d->length + 1) * sizeof *u16);
                if (!u16 || qc_refi_utf16_offsets(d->text, d->size, u16, d->length) != 0) {
                    nomem = 1;
                    break;
                }
                u16_doc = q->doc;
            }
            s->start = u16[q->start];
            s->end = u16[q->end];
        }
        s->name = selection_name(d, q->start, q->end);
        s->created = qc_strdup(q->created ? q->created : x->time);
        char who[QC_GUID_SIZE];
        nomem = g != 0 || !s->name || !s->created || user_guid(m, q->coder ? q->coder : ENGINE_USER, who) != 0;
        if (nomem)
            break;
        memcpy(m->selections[m->selection_count - 1].creating_user, who, QC_GUID_SIZE);
        qc_refi_coding *c = qc_refi_add_coding(m);
        if (!c) {
            nomem = 1;
            break;
        }
        const qc_refi_selection *sel = &m->selections[m->selection_count - 1];
        c->selection = (int32_t)(m->selection_count - 1);
        c->code = (int32_t)q->code;
        memcpy(c->code_guid, m->codes[q->code].guid, QC_GUID_SIZE);
        memcpy(c->creating_user, who, QC_GUID_SIZE);
        c->created = qc_strdup(sel->created);
        nomem = !c->created || qc_refi_guidf(c->guid, "coding:%s", sel->guid) != 0;
    }
    qc_free(u16);
    /* Keep the document texts for the archive. */
    for (size_t d = 0; d < x->doc_count && !nomem && d < m->source_count; d++) {
        m->sources[d].text = qc_strndup(x->docs[d].text, x->docs[d].size);
        m->sources[d].text_size = x->docs[d].size;
        nomem = !m->sources[d].text;
    }
    return nomem ? qc_error_nomem(err) : 0;
}
