/* The public coding API (include/qcode/coding.h): coders and codings. */
#include <string.h>

#include "alloc.h"
#include "coding_impl.h"
#include "error.h"
#include "match.h"
#include "match_tables.h"
#include "rule_eval.h"

struct qc_coder {
    const qc_codebook *cb;
    qc_engine engine;
    const qc_match_tables *mt;
    qc_match_tables *own_mt; /* when the codebook came without tables */
    qc_eval ev;
    qc_fast *fast;
    qc_reference *ref;
    uint8_t *need, *emit;           /* the subset (NULL: all codes), see qc_eval */
    uint8_t *call_need, *call_emit; /* qc_coder_code_subset's, reused from call to call */
    /* The fast engine's first-pass tables of the last subset coded (NULL: none yet), made of the
     * leaves of scan_need's codes: a re-code through the cache asks for the same few codes on
     * nearly every document, and the tables are made again only when the codes differ. The
     * codebook's tables stay as they are, read by every thread. */
    qc_mt_scan *scan;
    uint8_t *scan_need; /* code_count bytes, 0 or 1 */
};

/* Marks in `need` the codes tree n references ({REF}, {REF*} with its descendants), adding the
 * newly marked ones to the work list. Recursion depth is the expression's nesting depth. */
static void need_refs(const qc_codebook *cb, int32_t n, uint8_t *need, int32_t *work, size_t *len)
{
    if (n < 0 || (size_t)n >= cb->node_count)
        return;
    const qc_rule_node *node = &cb->nodes[n];
    if (node->kind == QC_NODE_CODEREF && node->code >= 0 && (size_t)node->code < cb->code_count) {
        int32_t end = node->descendants ? cb->subtree_end[node->code] : node->code + 1;
        for (int32_t t = node->code; t < end; t++)
            if (!need[t]) {
                need[t] = 1;
                work[(*len)++] = t;
            }
    }
    need_refs(cb, node->left, need, work, len);
    need_refs(cb, node->right, need, work, len);
}

/* The codes to evaluate for a subset: the selected ones and, transitively, what they reference
 * (a {REF} needs its target's quotations in this very document). need and emit: code_count bytes. */
static int fill_subset(const qc_codebook *cb, const uint8_t *codes, uint8_t *need, uint8_t *emit)
{
    size_t n = cb->code_count;
    int32_t *work = qc_calloc(n + 1, sizeof *work);
    if (!work)
        return QC_ERR_NOMEM;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        emit[i] = need[i] = codes[i] != 0;
        if (codes[i])
            work[len++] = (int32_t)i;
    }
    while (len) {
        const qc_code_def *d = &cb->codes[work[--len]];
        for (uint32_t r = 0; r < d->rule_count; r++)
            need_refs(cb, d->rules[r].root, need, work, &len);
        for (uint32_t e = 0; e < d->exclude_count; e++)
            need_refs(cb, d->excludes[e], need, work, &len);
    }
    qc_free(work);
    return QC_OK;
}

/* The first-pass tables for the codes ev.need asks for: NULL (the codebook's) when it asks for
 * every code, or for the reference engine, which has no first pass; else the subset's own, kept
 * from the last call when it needed the same codes. A subset's tables cost a few of its
 * documents' first passes to make (match_index.c); coding a few codes of a large codebook with
 * the codebook's tables folds, looks up and searches for every leaf. */
static int subset_scan(qc_coder *c, const qc_mt_scan **out)
{
    *out = NULL;
    const uint8_t *need = c->ev.need;
    size_t n = c->cb->code_count;
    if (!c->fast || !need || !memchr(need, 0, n))
        return QC_OK;
    if (c->scan && memcmp(c->scan_need, need, n) == 0) {
        *out = c->scan;
        return QC_OK;
    }
    qc_mt_scan_free(c->scan);
    c->scan = NULL;
    if (!c->scan_need && !(c->scan_need = qc_calloc(n + 1, 1)))
        return QC_ERR_NOMEM;
    int rc = qc_mt_scan_build(c->cb, c->mt, need, &c->scan);
    if (rc)
        return rc;
    memcpy(c->scan_need, need, n);
    *out = c->scan;
    return QC_OK;
}

static int alloc_subset(const qc_codebook *cb, uint8_t **need, uint8_t **emit)
{
    if (!*need)
        *need = qc_calloc(cb->code_count + 1, 1);
    if (!*emit)
        *emit = qc_calloc(cb->code_count + 1, 1);
    return *need && *emit ? QC_OK : QC_ERR_NOMEM;
}

int qc_coder_new(qc_coder **out, const qc_codebook *cb, const qc_coder_options *opts, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_coder_new: out is NULL");
    *out = NULL;
    if (!cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_coder_new: no codebook");
    qc_engine engine = QC_ENGINE_FAST;
    if (opts) {
        if (opts->version != QC_CODER_OPTIONS_VERSION)
            return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1,
                                "qc_coder_new: options version %u, expected %u (use QC_CODER_OPTIONS_INIT)",
                                opts->version, QC_CODER_OPTIONS_VERSION);
        if (opts->engine != QC_ENGINE_FAST && opts->engine != QC_ENGINE_REFERENCE)
            return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_coder_new: unknown engine %d",
                                (int)opts->engine);
        engine = opts->engine;
    }
    qc_coder *c = qc_calloc(1, sizeof *c);
    if (!c)
        return qc_error_nomem(err);
    c->cb = cb;
    c->engine = engine;
    c->mt = cb->match_index;
    if (!c->mt) {
        int rc = qc_match_tables_build(cb, &c->own_mt, err);
        if (rc) {
            qc_free(c);
            return rc;
        }
        c->mt = c->own_mt;
    }
    int rc = qc_eval_init(&c->ev, cb, c->mt);
    if (!rc && opts && opts->codes) {
        rc = alloc_subset(cb, &c->need, &c->emit);
        if (!rc)
            rc = fill_subset(cb, opts->codes, c->need, c->emit);
        c->ev.need = c->need;
        c->ev.emit = c->emit;
    }
    if (!rc)
        rc = engine == QC_ENGINE_FAST ? qc_fast_new(&c->fast, cb, c->mt) : qc_reference_new(&c->ref, cb, c->mt);
    if (rc) {
        qc_coder_free(c);
        return qc_error_nomem(err);
    }
    *out = c;
    return QC_OK;
}

void qc_coder_free(qc_coder *coder)
{
    if (!coder)
        return;
    qc_eval_free(&coder->ev);
    qc_fast_free(coder->fast);
    qc_reference_free(coder->ref);
    qc_mt_scan_free(coder->scan);
    qc_free(coder->scan_need);
    qc_match_tables_free(coder->own_mt);
    qc_free(coder->need);
    qc_free(coder->emit);
    qc_free(coder->call_need);
    qc_free(coder->call_emit);
    qc_free(coder);
}

int qc_coder_code(qc_coder *coder, const qc_document *doc, const qc_casebook *cases, qc_coding **out, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_coder_code: out is NULL");
    *out = NULL;
    if (!coder || !doc)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_coder_code: no %s", coder ? "document" : "coder");
    const qc_mt_scan *scan = NULL;
    if (subset_scan(coder, &scan))
        return qc_error_nomem(err);
    int rc = qc_eval_begin(&coder->ev, doc, cases, err);
    if (rc)
        return rc;
    rc = coder->fast ? qc_fast_code(coder->fast, &coder->ev, scan) : qc_reference_code(coder->ref, &coder->ev);
    if (rc)
        return rc == QC_ERR_NOMEM
                   ? qc_error_nomem(err)
                   : qc_error_set(err, rc, doc->path, 0, 0, -1, "coding %s failed: %s", doc->id, qc_status_name(rc));
    return qc_eval_finish(&coder->ev, out);
}

void qc_coding_free(qc_coding *coding)
{
    if (!coding)
        return;
    for (size_t i = 0; i < coding->issue_count; i++)
        qc_free(coding->issues[i]);
    qc_free(coding->issues);
    qc_free(coding->quotes);
    qc_free(coding->hits);
    qc_free(coding);
}

size_t qc_coding_quotation_count(const qc_coding *coding)
{
    return coding ? coding->quote_count : 0;
}

int qc_coding_quotation(const qc_coding *coding, size_t index, qc_quotation *out)
{
    if (!coding || !out || index >= coding->quote_count)
        return QC_ERR_INVALID;
    const qc_quote_rec *q = &coding->quotes[index];
    out->code = (size_t)q->code;
    out->start = q->start;
    out->end = q->end;
    out->turn = q->turn;
    out->hit_count = q->hit_count;
    return QC_OK;
}

int qc_coding_hit(const qc_coding *coding, size_t quotation, size_t hit, qc_hit *out)
{
    if (!coding || !out || quotation >= coding->quote_count || hit >= coding->quotes[quotation].hit_count)
        return QC_ERR_INVALID;
    const qc_hit_rec *h = &coding->hits[coding->quotes[quotation].hit_first + hit];
    out->start = h->start;
    out->end = h->end;
    out->rule = h->rule;
    out->line = 0;
    out->column = 0;
    const qc_codebook *cb = coding->codebook;
    if (cb && h->leaf >= 0) {
        const qc_match_tables *mt = cb->match_index;
        int32_t node = -1;
        if (mt && (size_t)h->leaf < mt->leaf_count) {
            node = mt->leaves[h->leaf].node;
        } else {
            for (size_t i = 0; i < cb->node_count && node < 0; i++)
                if (cb->nodes[i].leaf == h->leaf &&
                    (cb->nodes[i].kind == QC_NODE_PATTERN || cb->nodes[i].kind == QC_NODE_REGEX))
                    node = (int32_t)i;
        }
        if (node >= 0) {
            out->line = cb->nodes[node].line;
            out->column = cb->nodes[node].column;
        }
    }
    return QC_OK;
}

size_t qc_coding_issue_count(const qc_coding *coding)
{
    return coding ? coding->issue_count : 0;
}

const char *qc_coding_issue(const qc_coding *coding, size_t index)
{
    return coding && index < coding->issue_count ? coding->issues[index] : NULL;
}

int qc_coder_code_subset(qc_coder *coder, const uint8_t *codes, const qc_document *doc, const qc_casebook *cases,
                         qc_coding **out, qc_error *err)
{
    if (!codes || !coder)
        return qc_coder_code(coder, doc, cases, out, err);
    if (out)
        *out = NULL;
    int rc = alloc_subset(coder->cb, &coder->call_need, &coder->call_emit);
    if (!rc)
        rc = fill_subset(coder->cb, codes, coder->call_need, coder->call_emit);
    if (rc)
        return qc_error_nomem(err);
    coder->ev.need = coder->call_need;
    coder->ev.emit = coder->call_emit;
    rc = qc_coder_code(coder, doc, cases, out, err);
    coder->ev.need = coder->need;
    coder->ev.emit = coder->emit;
    return rc;
}
