#define _GNU_SOURCE /* copy_file_range */
/* results.xml: the whole run in one file (namespace urn:qcode:results:1, schema
 * docs/schema/qcode-results.xsd), written by a streaming writer (xml_out.h) straight into an
 * atomic output file, so memory does not grow with the quotation count and a failed run leaves
 * nothing. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codebook_impl.h"
#include "error.h"
#include "alloc.h"
#include "fileio.h"
#include "results_coder.h"
#include "results_impl.h"
#include "results_spill.h"
#include "xml_out.h"

#define NS "urn:qcode:results:1"

typedef struct xw {
    qc_xml_out o;
    int failed; /* the walk of quotations or counts failed */
} xw;

static void start(xw *x, const char *name)
{
    qc_xml_start(&x->o, name, NULL);
}

static void end(xw *x)
{
    qc_xml_end(&x->o);
}

static void attr(xw *x, const char *name, const char *value)
{
    qc_xml_attr(&x->o, name, value);
}

static void attr_u64(xw *x, const char *name, uint64_t value)
{
    qc_xml_attr_u64(&x->o, name, value);
}

static void text_element(xw *x, const char *name, const char *text)
{
    start(x, name);
    qc_xml_text(&x->o, text);
    end(x);
}

static void counts_element(xw *x, const char *name, const qc_counts *c)
{
    start(x, name);
    attr_u64(x, "hits", c->hits);
    attr_u64(x, "quotations", c->quotations);
    attr_u64(x, "respondents", c->respondents);
    attr_u64(x, "documents", c->documents);
    end(x);
}

static void cell_pair(xw *x, const qc_res_cell *cell)
{
    counts_element(x, "own", &cell->c[0]);
    counts_element(x, "rolledUp", &cell->c[1]);
}

static const char *time_now(char buf[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm))
        return "1970-01-01T00:00:00Z";
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static void write_provenance(xw *x, qc_results *res, const qc_write_options *opts)
{
    const qc_codebook *cb = res->cb;
    char tbuf[32];
    start(x, "provenance");
    start(x, "generator");
    attr(x, "name", "qcode");
    attr(x, "version", qc_version());
    end(x);
    text_element(x, "time", opts && opts->time ? opts->time : time_now(tbuf));
    start(x, "codebook");
    attr(x, "name", cb->name ? cb->name : "");
    attr(x, "version", cb->version ? cb->version : "");
    attr(x, "path", cb->path ? cb->path : "");
    attr(x, "sha256", cb->sha256);
    attr_u64(x, "codes", res->code_count);
    end(x);
    start(x, "options");
    qc_res_sort_options(res);
    for (size_t i = 0; i < res->option_count; i++) {
        start(x, "option");
        attr(x, "name", res->options[i].name);
        attr(x, "value", res->options[i].value);
        end(x);
    }
    end(x);
    end(x);
}

static void write_documents(xw *x, const qc_results *res)
{
    start(x, "documents");
    attr_u64(x, "count", res->doc_count);
    for (size_t i = 0; i < res->doc_count && !x->failed && !x->o.error; i++) {
        const qc_res_doc *d = &res->docs[i];
        start(x, "document");
        attr_u64(x, "index", i);
        attr(x, "id", d->id);
        attr(x, "path", d->path);
        attr(x, "format", qc_format_name(d->format));
        attr_u64(x, "size", d->size);
        if (d->sha256[0])
            attr(x, "sha256", d->sha256);
        attr_u64(x, "length", d->length);
        attr_u64(x, "turns", d->turns);
        for (size_t a = 0; a < d->attr_count; a++) {
            start(x, "attribute");
            attr(x, "name", d->attr_keys[a]);
            attr(x, "value", d->attr_values[a]);
            end(x);
        }
        for (size_t s = 0; s < d->speaker_count; s++) {
            start(x, "speaker");
            attr(x, "label", d->speakers[s].label);
            attr(x, "role", qc_role_name((qc_role)d->speakers[s].role));
            attr_u64(x, "turns", d->speakers[s].turns);
            end(x);
        }
        end(x);
    }
    end(x);
}

static void write_respondents_and_attributes(xw *x, const qc_results *res)
{
    start(x, "respondents");
    attr_u64(x, "count", res->resp_count);
    for (size_t i = 0; i < res->resp_count; i++) {
        start(x, "respondent");
        attr_u64(x, "index", i);
        attr(x, "label", res->resps[i].label);
        attr(x, "role", qc_role_name((qc_role)res->resps[i].role));
        end(x);
    }
    end(x);
    start(x, "attributes");
    for (size_t a = 0; a < res->attr_count; a++) {
        const qc_res_attr *at = &res->attrs[a];
        start(x, "attribute");
        attr(x, "name", at->name);
        attr(x, "source", at->casebook_index >= 0 ? "casebook" : "document");
        for (size_t v = 0; v < at->value_count; v++) {
            const qc_res_cell *base = qc_res_cell_find(res, at->values[v].row, res->code_count);
            start(x, "value");
            attr(x, "value", at->values[v].value);
            attr_u64(x, "respondents", base ? base->c[0].respondents : 0);
            attr_u64(x, "documents", base ? base->c[0].documents : 0);
            end(x);
        }
        end(x);
    }
    end(x);
}

/* A breakdown entry when the code has rolled-up quotations in that row (own ones imply them). */
static const qc_res_cell *row_cell(const qc_results *res, uint32_t row, size_t code)
{
    const qc_res_cell *cell = qc_res_cell_find(res, row, code);
    return cell && cell->c[1].quotations ? cell : NULL;
}

/* Per-document and per-speaker breakdowns come from the counts log, a code at a time. */
typedef struct row_walk {
    xw *x;
    const qc_results *res;
    const char *element, *attribute; /* byDocument document, or bySpeaker speaker */
} row_walk;

static int by_row(size_t index, const qc_res_cell *cell, void *user)
{
    const row_walk *w = user;
    int docs = w->attribute[0] == 'd';
    start(w->x, w->element);
    attr(w->x, w->attribute, docs ? w->res->docs[index].id : w->res->resps[index].label);
    cell_pair(w->x, cell);
    end(w->x);
    return 0;
}

static void write_codes(xw *x, const qc_results *res)
{
    const qc_codebook *cb = res->cb;
    static const qc_res_cell zero;
    start(x, "codes");
    attr_u64(x, "count", res->code_count);
    for (size_t c = 0; c < res->code_count && !x->failed && !x->o.error; c++) {
        const qc_code_def *def = &cb->codes[c];
        start(x, "code");
        attr_u64(x, "index", c);
        attr(x, "id", def->id);
        attr(x, "name", def->name);
        if (def->parent >= 0)
            attr(x, "parent", cb->codes[def->parent].id);
        attr_u64(x, "depth", def->depth);
        attr(x, "codable", def->codable ? "true" : "false");
        if (def->color && def->color[0])
            attr(x, "color", def->color);
        if (def->definition && def->definition[0])
            text_element(x, "definition", def->definition);
        const qc_res_cell *total = qc_res_cell_find(res, 0, c);
        cell_pair(x, total ? total : &zero);
        for (size_t a = 0; a < res->attr_count; a++) {
            const qc_res_attr *at = &res->attrs[a];
            for (size_t v = 0; v < at->value_count; v++) {
                const qc_res_cell *cell = row_cell(res, at->values[v].row, c);
                if (!cell)
                    continue;
                start(x, "byAttribute");
                attr(x, "attribute", at->name);
                attr(x, "value", at->values[v].value);
                cell_pair(x, cell);
                end(x);
            }
        }
        row_walk by_doc = {x, res, "byDocument", "document"}, by_speaker = {x, res, "bySpeaker", "speaker"};
        if (qc_res_code_documents(res, c, by_row, &by_doc) < 0 || qc_res_code_respondents(res, c, by_row, &by_speaker) < 0)
            x->failed = 1;
        end(x);
    }
    end(x);
    qc_counts totals;
    qc_results_totals(res, &totals);
    counts_element(x, "totals", &totals);
}

static void write_cooccurrence(xw *x, const qc_results *res)
{
    start(x, "cooccurrence");
    attr(x, "unit", "sentence");
    for (size_t a = 0; a < res->code_count; a++) {
        for (size_t b = a; b < res->code_count; b++) {
            uint64_t n = qc_results_cooccurrence(res, a, b);
            if (!n)
                continue;
            start(x, "pair");
            attr(x, "a", res->cb->codes[a].id);
            attr(x, "b", res->cb->codes[b].id);
            attr_u64(x, "sentences", n);
            end(x);
        }
    }
    end(x);
}

static void quotation_attrs(xw *x, const qc_result_quotation *q)
{
    attr(x, "document", q->document_id);
    if (q->speaker)
        attr(x, "speaker", q->speaker);
    attr(x, "role", qc_role_name(q->role));
    attr_u64(x, "turn", q->turn);
    attr_u64(x, "start", q->start);
    attr_u64(x, "end", q->end);
}

static int write_uncoded_turn(const qc_result_quotation *q, void *user)
{
    xw *x = user;
    start(x, "turn");
    quotation_attrs(x, q);
    qc_xml_text(&x->o, q->text);
    end(x);
    return x->o.error != 0;
}

/* coder: NULL for the engine, whose quotations carry no coder attribute. */
static int write_quotation(const qc_result_quotation *q, const char *coder, void *user)
{
    xw *x = user;
    start(x, "quotation");
    quotation_attrs(x, q);
    if (coder)
        attr(x, "coder", coder);
    text_element(x, "text", q->text);
    for (size_t h = 0; h < q->hit_count; h++) {
        start(x, "hit");
        attr_u64(x, "rule", q->hits[h].rule);
        attr_u64(x, "line", q->hits[h].line);
        attr_u64(x, "column", q->hits[h].column);
        attr_u64(x, "start", q->hits[h].start);
        attr_u64(x, "end", q->hits[h].end);
        end(x);
    }
    end(x);
    return x->o.error != 0;
}

/* --- the quotations, rendered by several threads when asked: each renders a run of codes into a
 * temporary file, which is then appended in code order, so the bytes do not depend on the threads. */

typedef struct code_group {
    qc_results *res;
    size_t first, last; /* codes [first, last) */
    FILE *fp;           /* the rendered fragment (NULL: rendered into the output itself) */
    xw x;
    int rc;
    qc_error err;
    pthread_t thread;
    int started;
} code_group;

/* Renders one group's codes into g->x. */
static int render_group(code_group *g)
{
    qc_results *res = g->res;
    unsigned char *buf = NULL;
    size_t cap = 0;
    int rc = QC_OK;
    for (size_t c = g->first; c < g->last && rc == QC_OK && !g->x.o.error; c++) {
        const qc_res_cell *cell = qc_res_cell_find(res, 0, c);
        if (!cell || !cell->c[0].quotations)
            continue;
        start(&g->x, "code");
        attr(&g->x, "id", res->cb->codes[c].id);
        attr_u64(&g->x, "count", cell->c[0].quotations);
        rc = qc_spill_walk_code(res, c, &buf, &cap, write_quotation, &g->x, &g->err);
        if (rc == QC_ERR_CANCELLED)
            rc = QC_OK; /* the writer stopped on its own error, which x holds */
        end(&g->x);
    }
    qc_free(buf);
    return rc;
}

static void *render_thread(void *arg)
{
    code_group *g = arg;
    g->rc = render_group(g);
    int e = qc_xml_out_end(&g->x.o);
    if (g->rc == 0 && e)
        g->rc = qc_error_set(&g->err, e == ENOMEM ? QC_ERR_NOMEM : QC_ERR_IO, NULL, 0, 0, -1,
                             "cannot write a temporary part of the results: %s", strerror(e));
    return NULL;
}

/* Appends a rendered fragment to the output. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int append_fragment(xw *x, FILE *from)
{
    FILE *to = x->o.fp;
    if (qc_xml_out_flush(&x->o) != 0 || fflush(from) != 0 || fflush(to) != 0)
        return -1;
    off_t size = lseek(fileno(from), 0, SEEK_END);
    if (size < 0)
        return -1;
    /* The kernel copies from file to file (no pass through user memory); where it cannot
     * (another file system, an old kernel), read and write. */
    off_t in = 0;
    while (in < size) {
        ssize_t n = copy_file_range(fileno(from), &in, fileno(to), NULL, (size_t)(size - in), 0);
        if (n <= 0)
            break;
    }
    if (in < size) {
        char *chunk = qc_malloc(1 << 20);
        if (!chunk)
            return -1;
        int bad = 0;
        while (!bad && in < size) {
            ssize_t n = pread(fileno(from), chunk, 1 << 20, in);
            bad = n <= 0 || write_all(fileno(to), chunk, (size_t)n) != 0;
            in += n > 0 ? n : 0;
        }
        qc_free(chunk);
        if (bad)
            return -1;
    }
    /* The FILE writes on from where the descriptor now is. */
    return fseeko(to, 0, SEEK_END);
}

static int write_quotations(xw *x, qc_results *res, unsigned jobs, qc_error *err)
{
    /* Codes with quotations, and how many each has, to split the work evenly. */
    size_t coded = 0;
    uint64_t total = 0;
    for (size_t c = 0; c < res->code_count; c++) {
        const qc_res_cell *cell = qc_res_cell_find(res, 0, c);
        if (cell && cell->c[0].quotations) {
            coded++;
            total += cell->c[0].quotations;
        }
    }
    if (jobs > 16)
        jobs = 16;
    if (jobs < 2 || coded < jobs || total < 10000 || qc_spill_settle(res, err) != QC_OK)
        jobs = 1;
    code_group groups[16];
    memset(groups, 0, sizeof groups);
    uint64_t acc = 0;
    size_t g = 0;
    groups[0].first = 0;
    for (size_t c = 0; c < res->code_count; c++) {
        const qc_res_cell *cell = qc_res_cell_find(res, 0, c);
        acc += cell ? cell->c[0].quotations : 0;
        if (g + 1 < jobs && acc * jobs >= total * (g + 1)) {
            groups[g].last = c + 1;
            groups[++g].first = c + 1;
        }
    }
    groups[g].last = res->code_count;
    size_t ngroups = g + 1;
    int rc = QC_OK;
    for (size_t i = 0; i < ngroups; i++) {
        groups[i].res = res;
        if (i == 0) {
            groups[i].x = *x; /* the output's own writer, handed back below */
            continue;
        }
        groups[i].fp = tmpfile();
        if (!groups[i].fp || qc_xml_out_begin_fragment(&groups[i].x.o, groups[i].fp, 2) != 0) {
            rc = qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot create a temporary file for the results");
            break;
        }
        groups[i].started = pthread_create(&groups[i].thread, NULL, render_thread, &groups[i]) == 0;
        if (!groups[i].started)
            render_thread(&groups[i]);
    }
    if (rc == QC_OK && (rc = render_group(&groups[0])) != QC_OK)
        *err = groups[0].err;
    *x = groups[0].x;
    for (size_t i = 1; i < ngroups; i++) {
        if (groups[i].started)
            pthread_join(groups[i].thread, NULL);
        else if (groups[i].fp && groups[i].x.o.buf)
            qc_xml_out_free(&groups[i].x.o); /* never started */
        if (rc == QC_OK && groups[i].rc != QC_OK) {
            rc = groups[i].rc;
            *err = groups[i].err;
        }
        if (rc == QC_OK && groups[i].fp && append_fragment(x, groups[i].fp) != 0)
            x->failed = 1;
        if (groups[i].fp)
            fclose(groups[i].fp);
    }
    return rc;
}

static int write_body(xw *x, qc_results *res, const qc_write_options *opts, qc_error *err)
{
    qc_xml_start(&x->o, "results", NS);
    attr(x, "formatVersion", "1");
    write_provenance(x, res, opts);
    write_documents(x, res);
    write_respondents_and_attributes(x, res);
    write_codes(x, res);
    write_cooccurrence(x, res);

    qc_uncoded_summary u;
    qc_results_uncoded(res, &u);
    char share[32];
    snprintf(share, sizeof share, "%.4f",
             u.participant_length ? (double)u.uncoded_length / (double)u.participant_length : 0.0);
    start(x, "uncoded");
    attr_u64(x, "participantTurns", u.participant_turns);
    attr_u64(x, "uncodedTurns", u.uncoded_turns);
    attr_u64(x, "participantLength", u.participant_length);
    attr_u64(x, "uncodedLength", u.uncoded_length);
    attr(x, "share", share);
    if (!opts || opts->uncoded_text) {
        int rc = qc_results_foreach_uncoded(res, write_uncoded_turn, x, err);
        if (rc != 0 && rc != QC_ERR_CANCELLED)
            return rc;
    }
    end(x);

    qc_counts totals;
    qc_results_totals(res, &totals);
    start(x, "quotations");
    attr_u64(x, "count", totals.quotations);
    int rc = write_quotations(x, res, opts && opts->version >= 2 ? opts->jobs : 1, err);
    if (rc != 0)
        return rc;
    end(x);
    end(x);
    return QC_OK;
}

int qc_results_write_xml(qc_results *res, const char *path, const qc_write_options *opts, qc_error *err)
{
    qc_atomic_file af;
    int rc = qc_atomic_open(&af, path, err);
    if (rc != 0)
        return rc;
    xw x;
    memset(&x, 0, sizeof x);
    if (qc_xml_out_begin(&x.o, af.fp) != 0) {
        qc_xml_out_free(&x.o);
        qc_atomic_abort(&af);
        return qc_error_nomem(err);
    }
    rc = write_body(&x, res, opts, err);
    int e = qc_xml_out_end(&x.o);
    if (rc == 0 && e == ENOMEM)
        rc = qc_error_nomem(err);
    else if (rc == 0 && e)
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write results: %s", strerror(e));
    else if (rc == 0 && x.failed)
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write results");
    if (rc != 0) {
        qc_atomic_abort(&af);
        return rc;
    }
    return qc_atomic_commit(&af, err);
}
