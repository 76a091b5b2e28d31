/* results.xml: the whole run in one file (namespace urn:qcode:results:1, schema
 * docs/schema/qcode-results.xsd; or format 2, urn:qcode:results:2, docs/schema/qcode-results-2.xsd,
 * the quotations by document and span, see docs/results-format-2.md), written by a streaming
 * writer (xml_out.h) straight into an atomic output file, so memory does not grow with the
 * quotation count and a failed run leaves nothing. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codebook_impl.h"
#include "error.h"
#include "alloc.h"
#include "buf.h"
#include "fileio.h"
#include "results_coder.h"
#include "results_impl.h"
#include "results_spill.h"
#include "write_xml_impl.h"
#include "xml_out.h"

/* The fragments' writer hands its buffer over when full: the table takes the bytes and the same
 * buffer goes on. */
static int table_sink(void *user, char **buf, size_t len, size_t *cap)
{
    (void)cap;
    qc_buf *b = user;
    qc_buf_append(b, *buf, len);
    return qc_buf_failed(b) ? ENOMEM : 0;
}

static void table_free(attr_table *t)
{
    qc_buf_free(&t->bytes);
    qc_free(t->at);
    memset(t, 0, sizeof *t);
}

/* What a table is of: documents' ids, respondents' labels, codes' ids, or every attribute's
 * values (' attribute="name" value="value"', attribute by attribute). */
enum { TABLE_DOCS, TABLE_RESPS, TABLE_CODES, TABLE_VALUES };

static const char *table_value(const qc_results *res, int kind, size_t i)
{
    return kind == TABLE_DOCS ? res->docs[i].id : kind == TABLE_RESPS ? res->resps[i].label : res->cb->codes[i].id;
}

/* The table of `name` for the values of `kind`. 0, or -1 when memory is short. */
static int table_make(attr_table *t, const qc_results *res, int kind, const char *name)
{
    size_t count = kind == TABLE_DOCS ? res->doc_count : kind == TABLE_RESPS ? res->resp_count : res->code_count;
    if (kind == TABLE_VALUES)
        for (size_t a = count = 0; a < res->attr_count; a++)
            count += res->attrs[a].value_count;
    memset(t, 0, sizeof *t);
    t->bytes = (qc_buf)QC_BUF_INIT;
    t->at = qc_malloc((count + 1) * sizeof *t->at);
    qc_xml_out o;
    memset(&o, 0, sizeof o);
    if (!t->at || qc_xml_out_begin_sink(&o, 0, qc_malloc(4096), 4096, table_sink, &t->bytes) != 0) {
        qc_xml_out_free(&o);
        table_free(t);
        return -1;
    }
    for (size_t i = 0, a = 0, v = 0; i < count; i++) {
        t->at[i] = t->bytes.len + o.len; /* what the sink took, then what waits in the buffer */
        if (kind != TABLE_VALUES) {
            qc_xml_attr_n(&o, name, strlen(name), table_value(res, kind, i));
            continue;
        }
        for (; v == res->attrs[a].value_count; v = 0)
            a++;
        qc_xml_attr_n(&o, "attribute", 9, res->attrs[a].name);
        qc_xml_attr_n(&o, "value", 5, res->attrs[a].values[v++].value);
    }
    t->at[count] = t->bytes.len + o.len;
    t->count = count;
    if (qc_xml_out_end(&o) != 0 || qc_buf_failed(&t->bytes)) {
        table_free(t);
        return -1;
    }
    return 0;
}

/* Writes entry i of a table. */
static void table_put(xw *x, const attr_table *t, size_t i)
{
    qc_xml_out_put(&x->o, t->bytes.data + t->at[i], t->at[i + 1] - t->at[i]);
}

static void tables_free(xw *x)
{
    if (x->docs)
        table_free(&x->tables[0]);
    if (x->resps)
        table_free(&x->tables[1]);
    x->docs = x->resps = NULL;
}

static void tables_make(xw *x, const qc_results *res)
{
    /* Without memory for the tables each attribute is written anew: the same bytes. */
    if (table_make(&x->tables[0], res, TABLE_DOCS, "document") == 0)
        x->docs = &x->tables[0];
    if (table_make(&x->tables[1], res, TABLE_RESPS, "speaker") == 0)
        x->resps = &x->tables[1];
}

void qc_xw_repeated_attr(xw *x, last_attr *l, const char *name, size_t name_len, const char *value)
{
    if (value == l->value) {
        qc_xml_out_put(&x->o, l->bytes, l->len);
        return;
    }
    size_t value_len = strlen(value), worst = name_len + 4 + 6 * value_len; /* '"' -> "&quot;" */
    /* Room for the worst escaping first, so that the attribute is written in one piece of the
     * buffer, to be kept from there. */
    if (!qc_xml_out_room(&x->o, worst))
        return;
    size_t at = x->o.len;
    qc_xml_attr_nn(&x->o, name, name_len, value, value_len);
    size_t n = x->o.len - at;
    l->value = NULL;
    if (!x->o.error && n <= sizeof l->bytes) {
        memcpy(l->bytes, x->o.buf + at, n);
        l->len = n;
        l->value = value;
    }
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

/* A value XML cannot carry (not UTF-8, or with a control character) is written as U+FFFD in
 * its attribute, where a path is a file no one can open: its bytes go beside it, percent-encoded,
 * in the attribute `bytes_attr`, for `qcode export` and the rest to find the file again
 * (docs/results.md): a document's path, the codebook's, an option's value (the casebook's path). */
static void write_bytes_beside(xw *x, const char *bytes_attr, const char *value)
{
    size_t len = value ? strlen(value) : 0;
    if (qc_xml_carries(value, len))
        return;
    qc_buf b = QC_BUF_INIT;
    qc_buf_put_percent(&b, value, len);
    if (!qc_buf_failed(&b))
        attr(x, bytes_attr, b.data);
    else if (!x->o.error)
        x->o.error = ENOMEM;
    qc_buf_free(&b);
}

static void write_path_bytes(xw *x, const char *path)
{
    write_bytes_beside(x, "pathBytes", path);
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
    write_path_bytes(x, cb->path ? cb->path : "");
    attr(x, "sha256", cb->sha256);
    attr_u64(x, "codes", res->code_count);
    end(x);
    start(x, "options");
    qc_res_sort_options(res);
    for (size_t i = 0; i < res->option_count; i++) {
        start(x, "option");
        attr(x, "name", res->options[i].name);
        attr(x, "value", res->options[i].value);
        write_bytes_beside(x, "valueBytes", res->options[i].value);
        end(x);
    }
    end(x);
    end(x);
}

void qc_xw_document_open(xw *x, const qc_results *res, size_t i)
{
    const qc_res_doc *d = &res->docs[i];
    start(x, "document");
    attr_u64(x, "index", i);
    attr(x, "id", d->id);
    attr(x, "path", d->path);
    write_path_bytes(x, d->path);
    attr(x, "format", qc_format_name(d->format));
    attr_u64(x, "size", d->size);
    if (d->sha256[0])
        attr(x, "sha256", d->sha256);
    attr_u64(x, "length", d->length);
    attr(x, "codingSha256", d->coding_sha256);
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
    /* Said on stderr during the run; here too, so that whoever reads the file knows a count may
     * be short (docs/results.md). */
    for (size_t k = 0; k < d->issue_count; k++)
        text_element(x, "issue", d->issues[k]);
}

static void write_documents(xw *x, const qc_results *res)
{
    start(x, "documents");
    attr_u64(x, "count", res->doc_count);
    for (size_t i = 0; i < res->doc_count && !x->failed && !x->o.error; i++) {
        qc_xw_document_open(x, res, i);
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
    /* The identifiers the counts are not broken down by: a reader of the file sees why a column
     * of the casebook, or a header key, has no breakdown. */
    for (size_t i = 0; i < qc_results_unbroken_attribute_count(res); i++) {
        size_t values = 0;
        const char *name = qc_results_unbroken_attribute_name(res, i, &values);
        start(x, "identifier");
        attr(x, "name", name);
        attr(x, "source", values ? "casebook" : "document");
        if (values)
            attr_u64(x, "values", values);
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
    const attr_table *table = docs ? w->x->docs : w->x->resps;
    start(w->x, w->element);
    if (table && index < table->count)
        table_put(w->x, table, index);
    else
        attr(w->x, w->attribute, docs ? w->res->docs[index].id : w->res->resps[index].label);
    cell_pair(w->x, cell);
    end(w->x);
    return 0;
}

/* The byAttribute rows' ' attribute="name" value="value"', made once for all codes: each row
 * measured and escaped both anew (the 20 MB benchmark's 8,943 rows: format 2's tail 53.8 to
 * 49.5 million instructions, callgrind). NULL when memory is short: written anew. */
static const attr_table *values_make(attr_table *t, const qc_results *res)
{
    return table_make(t, res, TABLE_VALUES, NULL) == 0 ? t : NULL;
}

/* A code's own and rolled-up counts and its breakdowns by attribute value (and, with breakdowns,
 * by document and by speaker). */
static void code_counts(xw *x, const qc_results *res, size_t c, int breakdowns, const attr_table *values)
{
    static const qc_res_cell zero;
    const qc_res_cell *total = qc_res_cell_find(res, 0, c);
    cell_pair(x, total ? total : &zero);
    size_t i = 0; /* the value's entry in `values` */
    for (size_t a = 0; a < res->attr_count; a++) {
        const qc_res_attr *at = &res->attrs[a];
        for (size_t v = 0; v < at->value_count; v++, i++) {
            const qc_res_cell *cell = row_cell(res, at->values[v].row, c);
            if (!cell)
                continue;
            start(x, "byAttribute");
            if (values) {
                table_put(x, values, i);
            } else {
                attr(x, "attribute", at->name);
                attr(x, "value", at->values[v].value);
            }
            cell_pair(x, cell);
            end(x);
        }
    }
    row_walk by_doc = {x, res, "byDocument", "document"}, by_speaker = {x, res, "bySpeaker", "speaker"};
    if (breakdowns && (qc_res_code_documents(res, c, by_row, &by_doc) < 0 ||
                       qc_res_code_respondents(res, c, by_row, &by_speaker) < 0))
        x->failed = 1;
}

/* The code tree; with_counts: each code's counts inside it (format 1), else the tree alone
 * (format 2, which has it before the documents and the counts after them). */
static void write_codes(xw *x, const qc_results *res, int with_counts)
{
    const qc_codebook *cb = res->cb;
    attr_table table;
    const attr_table *values = with_counts ? values_make(&table, res) : NULL;
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
        if (with_counts)
            code_counts(x, res, c, 1, values);
        end(x);
    }
    end(x);
    if (values)
        table_free(&table);
}

/* Format 2's counts: each code's, by id, after the documents. */
static void write_counts(xw *x, const qc_results *res)
{
    attr_table table;
    const attr_table *values = values_make(&table, res);
    start(x, "counts");
    for (size_t c = 0; c < res->code_count && !x->failed && !x->o.error; c++) {
        start(x, "code");
        attr(x, "id", res->cb->codes[c].id);
        code_counts(x, res, c, 0, values);
        end(x);
    }
    end(x);
    if (values)
        table_free(&table);
}

static void write_totals(xw *x, const qc_results *res)
{
    qc_counts totals;
    qc_results_totals(res, &totals);
    counts_element(x, "totals", &totals);
}

/* One pair element from the codes' tables, as start, attr and end write it. */
static void pair_element(xw *x, const attr_table *ta, size_t a, const attr_table *tb, size_t b, uint64_t n)
{
    qc_xml_out_open_children(&x->o); /* cooccurrence's start tag, before its first pair */
    size_t indent = x->o.depth * 2, la = ta->at[a + 1] - ta->at[a], lb = tb->at[b + 1] - tb->at[b];
    char *at = qc_xml_out_room(&x->o, indent + 5 + la + lb + 13 + 20 + 3);
    if (!at)
        return;
    memset(at, ' ', indent);
    char *d = at + indent;
    memcpy(d, "<pair", 5);
    memcpy(d + 5, ta->bytes.data + ta->at[a], la);
    d += 5 + la;
    memcpy(d, tb->bytes.data + tb->at[b], lb);
    memcpy(d + lb, " sentences=\"", 12);
    d = qc_xml_put_u64(d + lb + 12, n);
    memcpy(d, "\"/>\n", 4);
    x->o.len += (size_t)(d + 4 - at);
}

/* The pairs name their codes from tables of ' a="id"' and ' b="id"' made once: tens of thousands
 * of pairs measured and escaped the same few hundred ids (with the tables, the 20 MB benchmark's 36,377
 * pairs took format 2's tail from 75.9 to 53.8 million instructions, callgrind). */
static void write_cooccurrence(xw *x, const qc_results *res)
{
    attr_table ta, tb;
    int ta_ok = table_make(&ta, res, TABLE_CODES, "a") == 0, tb_ok = table_make(&tb, res, TABLE_CODES, "b") == 0;
    start(x, "cooccurrence");
    attr(x, "unit", "sentence");
    for (size_t a = 0; a < res->code_count; a++) {
        for (size_t b = a; b < res->code_count; b++) {
            uint64_t n = qc_results_cooccurrence(res, a, b);
            if (!n)
                continue;
            if (ta_ok && tb_ok) {
                pair_element(x, &ta, a, &tb, b, n);
                continue;
            }
            start(x, "pair");
            attr(x, "a", res->cb->codes[a].id);
            attr(x, "b", res->cb->codes[b].id);
            attr_u64(x, "sentences", n);
            end(x);
        }
    }
    end(x);
    if (ta_ok)
        table_free(&ta);
    if (tb_ok)
        table_free(&tb);
}

static void quotation_attrs(xw *x, const qc_result_quotation *q)
{
    if (x->docs && q->document < x->docs->count)
        table_put(x, x->docs, q->document);
    else
        qc_xml_attr_n(&x->o, "document", 8, q->document_id);
    if (q->speaker)
        qc_xw_repeated_attr(x, &x->speaker, "speaker", 7, q->speaker);
    qc_xw_repeated_attr(x, &x->role, "role", 4, qc_role_name(q->role));
    attr_u64(x, "turn", q->turn);
    attr_u64(x, "start", q->start);
    attr_u64(x, "end", q->end);
}

/* Tags as raw bytes, as the spans' are: a turn holds only text, and the element stack's start and
 * end cost more than the tags' bytes. */
static int write_uncoded_turn(const qc_result_quotation *q, void *user)
{
    xw *x = user;
    qc_xml_out_open_children(&x->o); /* uncoded's start tag, before its first turn */
    size_t n = x->o.depth * 2;
    char *at = qc_xml_out_room(&x->o, n + 5);
    if (!at)
        return 1;
    memset(at, ' ', n);
    memcpy(at + n, "<turn", 5);
    x->o.len += n + 5;
    quotation_attrs(x, q);
    qc_xml_out_put(&x->o, ">", 1);
    /* text_len as write_quotation takes it: measuring every turn again cost the tail a pass over
     * the uncoded text, a fifth of the corpus's participant text. */
    qc_xml_out_text(&x->o, q->text ? q->text : "", !q->text ? 0 : q->text_len ? q->text_len : strlen(q->text));
    qc_xml_out_put(&x->o, "</turn>\n", 8);
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
    start(x, "text");
    /* text_len 0: a quotation made by hand, or an empty text */
    qc_xml_text_n(&x->o, q->text, q->text_len ? q->text_len : strlen(q->text));
    end(x);
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

/* --- the quotations, rendered by several threads when asked. Each code is a task that one
 * render thread writes into 1 MB blocks; the calling thread writes the blocks to the output in
 * code order as they come, so the bytes do not depend on the threads and nothing is written twice.
 * Blocks rendered ahead of the code being written are bounded (AHEAD_BLOCKS); the code being
 * written is never held back, so the pipeline cannot stall. */

enum { BLOCK_BYTES = 1 << 20, AHEAD_BLOCKS = 8 };

/* The block size: BLOCK_BYTES, or QCODE_TEST_RENDER_BLOCK bytes (at least 4096) so that tests make
 * the pipeline hold render threads back with small results. */
static size_t block_bytes(void)
{
    const char *v = getenv("QCODE_TEST_RENDER_BLOCK");
    unsigned long n = v && *v ? strtoul(v, NULL, 10) : 0;
    return n >= 4096 && n <= BLOCK_BYTES ? (size_t)n : BLOCK_BYTES;
}

typedef struct block {
    struct block *next;
    char *data;
    size_t len, cap;
} block;

typedef struct render_task {
    size_t code;
    block *head, *tail; /* rendered, not yet written */
    int done;
    int rc;
    qc_error err;
} render_task;

typedef struct render_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    qc_results *res;
    const attr_table *docs, *resps; /* the calling thread's, read by all */
    render_task *tasks;
    size_t task_count;
    size_t next_task; /* the next to render */
    size_t writing;   /* the task the calling thread writes */
    size_t ahead;     /* blocks held by tasks after `writing` */
    int stop;         /* a failure: everyone stops */
    size_t block;     /* bytes a block */
    char **spare;     /* empty blocks to reuse */
    size_t spare_count;
} render_pipe;

typedef struct render_ctx {
    render_pipe *p;
    size_t task;
} render_ctx;

/* The sink of a render thread's writer: queues the full buffer on its task and takes an empty one.
 * A task ahead of the one being written waits while too much is rendered ahead. */
static int queue_block(void *user, char **buf, size_t len, size_t *cap)
{
    render_ctx *c = user;
    render_pipe *p = c->p;
    block *b = qc_malloc(sizeof *b);
    if (!b)
        return ENOMEM;
    *b = (block){NULL, *buf, len, *cap};
    pthread_mutex_lock(&p->mu);
    while (!p->stop && c->task > p->writing && p->ahead >= AHEAD_BLOCKS)
        pthread_cond_wait(&p->cv, &p->mu);
    if (p->stop) {
        pthread_mutex_unlock(&p->mu);
        qc_free(b);
        return ECANCELED; /* the buffer stays the writer's, which frees it */
    }
    render_task *t = &p->tasks[c->task];
    if (t->tail)
        t->tail->next = b;
    else
        t->head = b;
    t->tail = b;
    if (c->task > p->writing)
        p->ahead++;
    char *fresh = p->spare_count ? p->spare[--p->spare_count] : NULL;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    *buf = fresh ? fresh : qc_malloc(p->block);
    *cap = p->block;
    return *buf ? 0 : ENOMEM;
}

static int render_code(qc_results *res, size_t c, xw *x, unsigned char **buf, size_t *cap, qc_error *err)
{
    const qc_res_cell *cell = qc_res_cell_find(res, 0, c);
    start(x, "code");
    attr(x, "id", res->cb->codes[c].id);
    attr_u64(x, "count", cell->c[0].quotations);
    int rc = qc_spill_walk_code(res, c, buf, cap, write_quotation, x, err);
    if (rc == QC_ERR_CANCELLED)
        rc = QC_OK; /* the writer stopped on its own error, which x holds */
    end(x);
    return rc;
}

static void render_one(render_pipe *p, size_t i, unsigned char **buf, size_t *cap)
{
    render_task *t = &p->tasks[i];
    render_ctx ctx = {p, i};
    xw x;
    memset(&x, 0, sizeof x);
    x.docs = p->docs;
    x.resps = p->resps;
    int rc;
    if (qc_xml_out_begin_sink(&x.o, 2, qc_malloc(p->block), p->block, queue_block, &ctx) != 0) {
        qc_xml_out_free(&x.o);
        rc = qc_error_nomem(&t->err);
    } else {
        rc = render_code(p->res, t->code, &x, buf, cap, &t->err);
        int e = qc_xml_out_end(&x.o);
        if (rc == QC_OK && e == ENOMEM)
            rc = qc_error_nomem(&t->err);
        else if (rc == QC_OK && e && e != ECANCELED)
            rc = qc_error_set(&t->err, QC_ERR_IO, NULL, 0, 0, -1, "cannot render the results: %s", strerror(e));
        else if (rc == QC_OK && e)
            rc = QC_ERR_CANCELLED;
    }
    pthread_mutex_lock(&p->mu);
    t->rc = rc;
    t->done = 1;
    if (rc != QC_OK)
        p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *render_thread(void *arg)
{
    render_pipe *p = arg;
    unsigned char *buf = NULL;
    size_t cap = 0;
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->next_task < p->task_count) {
        size_t i = p->next_task++;
        pthread_mutex_unlock(&p->mu);
        render_one(p, i, &buf, &cap);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    qc_free(buf);
    return NULL;
}

/* The calling thread: writes each task's blocks in order as they come. */
static int write_rendered(xw *x, render_pipe *p, qc_error *err)
{
    int rc = QC_OK;
    for (size_t i = 0; i < p->task_count && rc == QC_OK; i++) {
        render_task *t = &p->tasks[i];
        pthread_mutex_lock(&p->mu);
        /* Blocks this task rendered ahead now count as the current task's. */
        for (block *b = t->head; b; b = b->next)
            p->ahead--;
        p->writing = i;
        pthread_cond_broadcast(&p->cv);
        for (;;) {
            while (!t->head && !t->done && !p->stop)
                pthread_cond_wait(&p->cv, &p->mu);
            block *b = t->head;
            if (!b)
                break;
            t->head = b->next;
            if (!t->head)
                t->tail = NULL;
            pthread_mutex_unlock(&p->mu);
            qc_xml_out_write_raw(&x->o, b->data, b->len);
            pthread_mutex_lock(&p->mu);
            if (b->cap == p->block && p->spare_count < AHEAD_BLOCKS / 4) {
                p->spare[p->spare_count++] = b->data;
                b->data = NULL;
            }
            qc_free(b->data);
            qc_free(b);
            if (x->o.error) {
                p->stop = 1;
                pthread_cond_broadcast(&p->cv);
                break;
            }
        }
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break; /* the failure is found once the threads have stopped */
    }
    return rc;
}

static int write_quotations_parallel(xw *x, qc_results *res, const size_t *codes, size_t count, unsigned jobs,
                                     qc_error *err)
{
    render_pipe p;
    memset(&p, 0, sizeof p);
    p.res = res;
    p.docs = x->docs;
    p.resps = x->resps;
    p.block = block_bytes();
    p.task_count = count;
    p.tasks = qc_calloc(count, sizeof *p.tasks);
    p.spare = qc_calloc(AHEAD_BLOCKS / 4, sizeof *p.spare);
    pthread_t *threads = qc_calloc(jobs, sizeof *threads);
    if (!p.tasks || !p.spare || !threads) {
        qc_free(p.tasks);
        qc_free(p.spare);
        qc_free(threads);
        return qc_error_nomem(err);
    }
    for (size_t i = 0; i < count; i++)
        p.tasks[i].code = codes[i];
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    qc_xml_out_open_children(&x->o);
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, render_thread, &p) != 0)
            break;
    int rc;
    if (started == 0) {
        rc = qc_error_set(err, QC_ERR_NOMEM, NULL, 0, 0, -1, "cannot start a thread to render the results");
    } else {
        rc = write_rendered(x, &p, err);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    /* A failure of a task the writer had not reached yet. */
    for (size_t i = 0; i < count && rc == QC_OK && !x->o.error; i++)
        if (p.tasks[i].rc != QC_OK && p.tasks[i].rc != QC_ERR_CANCELLED) {
            rc = p.tasks[i].rc;
            *err = p.tasks[i].err;
        }
    for (size_t i = 0; i < count; i++)
        for (block *b = p.tasks[i].head, *n; b; b = n) {
            n = b->next;
            qc_free(b->data);
            qc_free(b);
        }
    for (size_t i = 0; i < p.spare_count; i++)
        qc_free(p.spare[i]);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    qc_free(p.spare);
    qc_free(p.tasks);
    qc_free(threads);
    return rc;
}

static int write_quotations(xw *x, qc_results *res, unsigned jobs, qc_error *err)
{
    /* Codes with quotations: the tasks. */
    size_t *codes = qc_calloc(res->code_count ? res->code_count : 1, sizeof *codes);
    if (!codes)
        return qc_error_nomem(err);
    size_t count = 0;
    uint64_t total = 0;
    for (size_t c = 0; c < res->code_count; c++) {
        const qc_res_cell *cell = qc_res_cell_find(res, 0, c);
        if (cell && cell->c[0].quotations) {
            codes[count++] = c;
            total += cell->c[0].quotations;
        }
    }
    if (jobs > 16)
        jobs = 16;
    int rc = QC_OK;
    if (jobs >= 2 && count >= 2 && total >= 10000 && (rc = qc_spill_settle(res, err)) == QC_OK) {
        rc = write_quotations_parallel(x, res, codes, count, jobs, err);
    } else if (rc == QC_OK) {
        unsigned char *buf = NULL;
        size_t cap = 0;
        for (size_t i = 0; i < count && rc == QC_OK && !x->o.error; i++)
            rc = render_code(res, codes[i], x, &buf, &cap, err);
        qc_free(buf);
    }
    qc_free(codes);
    return rc;
}

/* --- the uncoded turns, shared with a second thread when asked. The turns' log is read in its
 * pieces (64 kB of records each): the helper renders pieces into buffers of a ring, at most
 * UNCODED_AHEAD pieces ahead of the one being written, while the calling thread writes the pieces
 * in order, rendering any the helper has not taken itself; the bytes are those of one thread.
 * The 1 GB benchmark's 0.9 million uncoded turns (330 MB of results.xml) were most of the tail
 * written after the last document. */

enum { UNCODED_AHEAD = 4, UNCODED_MIN_PIECES = 4 };

typedef struct uncoded_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const qc_results *res;
    const attr_table *docs, *resps; /* the calling thread's, read by both */
    size_t depth;                   /* the writer's, inside <uncoded> */
    size_t pieces;
    size_t next;    /* the next piece to take */
    size_t writing; /* the piece the calling thread writes */
    qc_buf ring[UNCODED_AHEAD];
    int ready[UNCODED_AHEAD]; /* ring[piece % UNCODED_AHEAD] holds that piece, rendered */
    int rc[UNCODED_AHEAD];
    qc_error err[UNCODED_AHEAD];
    int stop;
} uncoded_pipe;

/* Renders a piece's turns as the calling thread's writer would write them, into b. */
static int render_uncoded_piece(uncoded_pipe *p, size_t piece, qc_buf *b, qc_chunklog_cursor *cur, qc_error *err)
{
    xw x;
    memset(&x, 0, sizeof x);
    x.docs = p->docs;
    x.resps = p->resps;
    b->len = 0;
    if (qc_xml_out_begin_sink(&x.o, p->depth, qc_malloc(1 << 16), 1 << 16, table_sink, b) != 0) {
        qc_xml_out_free(&x.o);
        return qc_error_nomem(err);
    }
    int rc = qc_spill_walk_uncoded_piece(p->res, piece, cur, write_uncoded_turn, &x, err);
    int e = qc_xml_out_end(&x.o);
    if (rc == QC_ERR_CANCELLED || (rc == QC_OK && e))
        rc = qc_error_nomem(err); /* the sink fails only for want of memory */
    return rc;
}

static void *uncoded_helper(void *arg)
{
    uncoded_pipe *p = arg;
    qc_chunklog_cursor cur;
    memset(&cur, 0, sizeof cur);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->pieces && p->next >= p->writing + UNCODED_AHEAD)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->next >= p->pieces)
            break;
        size_t piece = p->next++, r = piece % UNCODED_AHEAD;
        pthread_mutex_unlock(&p->mu);
        qc_error_clear(&p->err[r]);
        int rc = render_uncoded_piece(p, piece, &p->ring[r], &cur, &p->err[r]);
        pthread_mutex_lock(&p->mu);
        p->rc[r] = rc;
        p->ready[r] = 1;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    qc_chunklog_cursor_free(&cur);
    return NULL;
}

/* The calling thread: each piece in order, rendered by the helper or here. */
static int write_uncoded_pieces(xw *x, uncoded_pipe *p, qc_error *err)
{
    qc_chunklog_cursor cur;
    memset(&cur, 0, sizeof cur);
    int rc = QC_OK;
    for (size_t piece = 0; piece < p->pieces && rc == QC_OK && !x->o.error; piece++) {
        size_t r = piece % UNCODED_AHEAD;
        pthread_mutex_lock(&p->mu);
        p->writing = piece;
        pthread_cond_broadcast(&p->cv);
        int mine = p->next == piece;
        if (mine)
            p->next++;
        while (!mine && !p->ready[r])
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        if (mine) {
            rc = qc_spill_walk_uncoded_piece(p->res, piece, &cur, write_uncoded_turn, x, err);
            continue;
        }
        rc = p->rc[r];
        if (rc != QC_OK)
            *err = p->err[r];
        else if (p->ring[r].len) {
            qc_xml_out_open_children(&x->o); /* uncoded's start tag, as write_uncoded_turn closes it */
            qc_xml_out_write_raw(&x->o, p->ring[r].data, p->ring[r].len);
        }
        pthread_mutex_lock(&p->mu);
        p->ready[r] = 0;
        pthread_mutex_unlock(&p->mu);
    }
    qc_chunklog_cursor_free(&cur);
    return rc;
}

/* The uncoded turns with a helper thread: QC_OK, a failure with err set, or 1 when there is no
 * call for one (too few pieces, or no thread): then the caller walks them itself. */
static int write_uncoded_parallel(xw *x, qc_results *res, qc_error *err)
{
    uncoded_pipe p;
    memset(&p, 0, sizeof p);
    int rc = qc_spill_uncoded_pieces(res, &p.pieces, err);
    if (rc != QC_OK || p.pieces < UNCODED_MIN_PIECES)
        return rc != QC_OK ? rc : 1;
    p.res = res;
    p.docs = x->docs;
    p.resps = x->resps;
    p.depth = x->o.depth;
    for (size_t i = 0; i < UNCODED_AHEAD; i++)
        p.ring[i] = (qc_buf)QC_BUF_INIT;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t helper;
    if (pthread_create(&helper, NULL, uncoded_helper, &p) != 0) {
        rc = 1;
    } else {
        rc = write_uncoded_pieces(x, &p, err);
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(helper, NULL);
    }
    for (size_t i = 0; i < UNCODED_AHEAD; i++)
        qc_buf_free(&p.ring[i]);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return rc;
}

/* totals, co-occurrence and the uncoded turns: both formats' */
static int write_totals_to_uncoded(xw *x, qc_results *res, const qc_write_options *opts, qc_error *err)
{
    write_totals(x, res);
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
    unsigned jobs = opts && opts->version >= 2 && opts->jobs > x->jobs ? opts->jobs : x->jobs;
    if (!opts || opts->uncoded_text) {
        int rc = jobs >= 2 ? write_uncoded_parallel(x, res, err) : 1;
        if (rc == 1)
            rc = qc_results_foreach_uncoded(res, write_uncoded_turn, x, err);
        if (rc != 0 && rc != QC_ERR_CANCELLED)
            return rc;
    }
    end(x);
    return QC_OK;
}

void qc_xw_format2_head(xw *x, qc_results *res, const qc_write_options *opts)
{
    x->jobs = opts && opts->version >= 2 ? opts->jobs : 1;
    qc_xml_start(&x->o, "results", QC_RESULTS_NS2);
    attr_u64(x, "formatVersion", 2);
    write_provenance(x, res, opts);
    write_codes(x, res, 0);
    start(x, "documents"); /* no count: a writer streaming the documents does not know it */
}

int qc_xw_format2_tail(xw *x, qc_results *res, const qc_write_options *opts, qc_error *err)
{
    end(x); /* documents */
    /* A stream's writer (qc_results_stream_xml) was opened before the first document, with empty
     * tables: they are made now that the documents and respondents are known, for the byDocument
     * and bySpeaker rows and the uncoded turns (the tail of the 20 MB benchmark took 82.6 million
     * instructions with each attribute written anew, 76.5 million so, callgrind). */
    if (!x->docs || x->docs->count != res->doc_count || !x->resps || x->resps->count != res->resp_count) {
        tables_free(x);
        tables_make(x, res);
    }
    write_respondents_and_attributes(x, res);
    write_counts(x, res);
    int rc = write_totals_to_uncoded(x, res, opts, err);
    end(x);
    return rc;
}

static int write_format1(xw *x, qc_results *res, const qc_write_options *opts, qc_error *err)
{
    qc_xml_start(&x->o, "results", QC_RESULTS_NS1);
    attr_u64(x, "formatVersion", 1);
    write_provenance(x, res, opts);
    write_documents(x, res);
    write_respondents_and_attributes(x, res);
    write_codes(x, res, 1);
    int rc = write_totals_to_uncoded(x, res, opts, err);
    if (rc != 0)
        return rc;
    qc_counts totals;
    qc_results_totals(res, &totals);
    start(x, "quotations");
    attr_u64(x, "count", totals.quotations);
    rc = write_quotations(x, res, opts && opts->version >= 2 ? opts->jobs : 1, err);
    if (rc != 0)
        return rc;
    end(x);
    end(x);
    return QC_OK;
}

static int write_body(xw *x, qc_results *res, const qc_write_options *opts, qc_error *err)
{
    unsigned format = opts && opts->version >= 3 && opts->format ? opts->format : 1;
    if (format == 1)
        return write_format1(x, res, opts, err);
    qc_xw_format2_head(x, res, opts);
    int rc = qc_xw_documents_from_logs(x, res, err);
    return rc != QC_OK ? rc : qc_xw_format2_tail(x, res, opts, err);
}

int qc_xw_open(xw *x, FILE *fp, const qc_results *res)
{
    memset(x, 0, sizeof *x);
    if (qc_xml_out_begin(&x->o, fp) != 0) {
        qc_xml_out_free(&x->o);
        return -1;
    }
    tables_make(x, res);
    return 0;
}

void qc_xw_abort(xw *x)
{
    tables_free(x);
    qc_xml_out_free(&x->o);
}

int qc_xw_error(const xw *x, const char *path, qc_error *err)
{
    int e = x->o.error;
    return e == ENOMEM ? qc_error_nomem(err)
                       : qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write results: %s", strerror(e));
}

int qc_xw_finish(xw *x, qc_atomic_file *af, const char *path, int rc, qc_error *err)
{
    tables_free(x);
    int e = qc_xml_out_end(&x->o);
    if (rc == 0 && e == ENOMEM)
        rc = qc_error_nomem(err);
    else if (rc == 0 && e)
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write results: %s", strerror(e));
    else if (rc == 0 && x->failed)
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write results");
    if (rc != 0) {
        qc_atomic_abort(af);
        return rc;
    }
    return qc_atomic_commit(af, err);
}

int qc_results_write_xml(qc_results *res, const char *path, const qc_write_options *opts, qc_error *err)
{
    /* Refused before the file is opened: nothing is left behind. */
    if (opts && opts->version >= 3 && opts->format > 2)
        return qc_error_set(err, QC_ERR_INVALID, path, 0, 0, -1, "results.xml format %u: qcode writes formats 1 and 2",
                            opts->format);
    if (qc_res_stream_is(res, path))
        return qc_res_stream_finish(res, err);
    int rc = qc_res_need_quotations(res, "cannot write results.xml", path, err);
    if (rc != 0)
        return rc;
    qc_atomic_file af;
    rc = qc_atomic_open_in(&af, path, qc_write_outputs(opts), err);
    if (rc != 0)
        return rc;
    xw x;
    if (qc_xw_open(&x, af.fp, res) != 0) {
        qc_atomic_abort(&af);
        return qc_error_nomem(err);
    }
    return qc_xw_finish(&x, &af, path, write_body(&x, res, opts, err), err);
}
