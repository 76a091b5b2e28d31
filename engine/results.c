/* The results' store and getters: counts (own and rolled up) for the corpus and per attribute value
 * in cells, distinct respondents as (row, respondent) bit sets, the sentence co-occurrence matrix
 * and the uncoded participant text. Adding a document is results_add.c; per-document and
 * per-respondent counts live in a temporary file (results_rows.c), quotation records in another
 * (results_spill.c), so that memory does not grow with the corpus. */
#include "results_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "codebook_impl.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "error.h"
#include "results_spill.h"
#include "text.h"

/* --- string map --- */

/* A folding map's keys are names (respondents, attributes and their values): they compare
 * without case as the readers' label tally does, beyond ASCII too (qc_fold_equal). */
static uint64_t hash_str(const char *s, int fold)
{
    if (fold)
        return qc_fold_hash(s, strlen(s));
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int key_eq(const char *a, const char *b, int fold)
{
    return fold ? qc_fold_equal(a, strlen(a), b, strlen(b)) : strcmp(a, b) == 0;
}

long qc_strmap_get(const qc_strmap *m, const char *key)
{
    if (!m->cap)
        return -1;
    size_t mask = m->cap - 1;
    for (size_t i = hash_str(key, m->fold) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return -1;
        if (key_eq(m->keys[i], key, m->fold))
            return (long)m->values[i];
    }
}

static int strmap_grow(qc_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    const char **keys = qc_calloc(cap, sizeof *keys);
    uint32_t *values = qc_calloc(cap, sizeof *values);
    if (!keys || !values) {
        qc_free(keys);
        qc_free(values);
        return -1;
    }
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->keys[j])
            continue;
        size_t i = hash_str(m->keys[j], m->fold) & (cap - 1);
        while (keys[i])
            i = (i + 1) & (cap - 1);
        keys[i] = m->keys[j];
        values[i] = m->values[j];
    }
    qc_free(m->keys);
    qc_free(m->values);
    m->keys = keys;
    m->values = values;
    m->cap = cap;
    return 0;
}

int qc_strmap_put(qc_strmap *m, const char *key, uint32_t value)
{
    if ((m->count + 1) * 2 > m->cap && strmap_grow(m) != 0)
        return -1;
    size_t mask = m->cap - 1;
    size_t i = hash_str(key, m->fold) & mask;
    while (m->keys[i] && !key_eq(m->keys[i], key, m->fold))
        i = (i + 1) & mask;
    if (!m->keys[i])
        m->count++;
    m->keys[i] = key;
    m->values[i] = value;
    return 0;
}

void qc_strmap_free(qc_strmap *m)
{
    qc_free(m->keys);
    qc_free(m->values);
    memset(m, 0, sizeof *m);
}

/* --- cells: (row, code) -> counts, a dense array a row --- */

const qc_res_cell *qc_res_cell_find(const qc_results *res, uint32_t row, size_t code)
{
    if (row >= res->row_cells_cap || !res->row_cells[row] || code > res->code_count)
        return NULL;
    return &res->row_cells[row][code];
}

qc_res_cell *qc_res_cell_get(qc_results *res, uint32_t row, size_t code)
{
    if (row >= res->row_cells_cap) {
        size_t cap = res->row_cells_cap ? res->row_cells_cap : 64;
        while (cap <= row)
            cap *= 2;
        qc_res_cell **grown = qc_realloc(res->row_cells, cap * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + res->row_cells_cap, 0, (cap - res->row_cells_cap) * sizeof *grown);
        res->row_cells = grown;
        res->row_cells_cap = cap;
    }
    if (!res->row_cells[row] && !(res->row_cells[row] = qc_calloc(res->code_count + 1, sizeof(qc_res_cell))))
        return NULL;
    return &res->row_cells[row][code];
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* --- distinct respondents: (row, respondent) pairs, each with a bit per code and mode --- */

static int pairs_grow(qc_results *res)
{
    size_t cap = res->pair_cap ? res->pair_cap * 2 : 1024;
    uint64_t *keys = qc_calloc(cap, sizeof *keys);
    uint32_t *index = qc_calloc(cap, sizeof *index);
    if (!keys || !index) {
        qc_free(keys);
        qc_free(index);
        return -1;
    }
    for (size_t j = 0; j < res->pair_cap; j++) {
        if (!res->pair_keys[j])
            continue;
        size_t i = mix64(res->pair_keys[j]) & (cap - 1);
        while (keys[i])
            i = (i + 1) & (cap - 1);
        keys[i] = res->pair_keys[j];
        index[i] = res->pair_index[j];
    }
    qc_free(res->pair_keys);
    qc_free(res->pair_index);
    res->pair_keys = keys;
    res->pair_index = index;
    res->pair_cap = cap;
    return 0;
}

/* The slot of (row, resp) in the pair table: where its key is, or the empty slot it would take.
 * The table must have room (pair_cap > 0). */
static size_t pair_slot(const qc_results *res, uint32_t row, uint32_t resp, uint64_t *key)
{
    *key = ((uint64_t)row + 1) << 32 | resp;
    size_t mask = res->pair_cap - 1;
    size_t i = mix64(*key) & mask;
    while (res->pair_keys[i] && res->pair_keys[i] != *key)
        i = (i + 1) & mask;
    return i;
}

long qc_res_pair_find(const qc_results *res, uint32_t row, uint32_t resp)
{
    if (!res->pair_cap)
        return -1;
    uint64_t key;
    size_t i = pair_slot(res, row, resp, &key);
    return res->pair_keys[i] ? (long)res->pair_index[i] : -1;
}

long qc_res_pair(qc_results *res, uint32_t row, uint32_t resp)
{
    if ((res->pair_count + 1) * 2 > res->pair_cap && pairs_grow(res) != 0)
        return -1;
    uint64_t key;
    size_t i = pair_slot(res, row, resp, &key);
    if (res->pair_keys[i])
        return (long)res->pair_index[i];
    size_t need = (res->pair_count + 1) * res->pair_words;
    if (res->pair_count >= UINT32_MAX - 1 || need > res->pair_bits_cap) {
        size_t cap = res->pair_bits_cap ? res->pair_bits_cap * 2 : 64 * res->pair_words;
        while (cap < need)
            cap *= 2;
        uint64_t *bits = res->pair_count >= UINT32_MAX - 1 ? NULL : qc_realloc(res->pair_bits, cap * sizeof *bits);
        if (!bits)
            return -1;
        res->pair_bits = bits;
        res->pair_bits_cap = cap;
    }
    memset(&res->pair_bits[res->pair_count * res->pair_words], 0, res->pair_words * sizeof *res->pair_bits);
    res->pair_keys[i] = key;
    res->pair_index[i] = (uint32_t)res->pair_count;
    return (long)res->pair_count++;
}

/* --- lifecycle --- */

int qc_res_unbroken_add(qc_results *res, const char *name, size_t values)
{
    char **grown = qc_realloc(res->unbroken, (res->unbroken_count + 1) * sizeof *grown);
    if (grown)
        res->unbroken = grown;
    size_t *counts = qc_realloc(res->unbroken_values, (res->unbroken_count + 1) * sizeof *counts);
    if (counts)
        res->unbroken_values = counts;
    if (!grown || !counts)
        return -1;
    counts[res->unbroken_count] = values;
    char *copy = qc_strdup(name);
    if (!copy || qc_strmap_put(&res->unbroken_map, copy, (uint32_t)res->unbroken_count) != 0) {
        qc_free(copy);
        return -1;
    }
    res->unbroken[res->unbroken_count++] = copy;
    return 0;
}

static void attr_free(qc_results *res, qc_res_attr *a, int cells)
{
    for (size_t v = 0; v < a->value_count; v++) {
        uint32_t row = a->values[v].row;
        if (cells && row < res->row_cells_cap) {
            qc_free(res->row_cells[row]);
            res->row_cells[row] = NULL;
        }
        qc_free(a->values[v].value);
    }
    qc_free(a->values);
    qc_strmap_free(&a->value_map);
    qc_free(a->name);
}

int qc_res_attr_drop(qc_results *res, size_t attr)
{
    if (attr >= res->attr_count || qc_res_unbroken_add(res, res->attrs[attr].name, 0) != 0)
        return -1;
    attr_free(res, &res->attrs[attr], 1);
    memmove(&res->attrs[attr], &res->attrs[attr + 1], (res->attr_count - attr - 1) * sizeof *res->attrs);
    res->attr_count--;
    /* the map's values are the attributes' indices: made again */
    qc_strmap_free(&res->attr_map);
    memset(&res->attr_map, 0, sizeof res->attr_map);
    res->attr_map.fold = 1;
    for (size_t i = 0; i < res->attr_count; i++)
        if (qc_strmap_put(&res->attr_map, res->attrs[i].name, (uint32_t)i) != 0)
            return -1;
    return 0;
}

int qc_res_attr_add(qc_results *res, const char *name, long casebook_index)
{
    if (QC_GROW(res->attrs, res->attr_cap, res->attr_count + 1) != 0)
        return -1;
    qc_res_attr *a = &res->attrs[res->attr_count];
    memset(a, 0, sizeof *a);
    /* Values compare as `where` compares them, without ASCII case (surrounding blanks are gone
     * already): "Nurse" and "nurse" are one row, named as first seen. */
    a->value_map.fold = 1;
    a->casebook_index = casebook_index;
    a->name = qc_strdup(name);
    if (!a->name)
        return -1;
    if (qc_strmap_put(&res->attr_map, a->name, (uint32_t)res->attr_count) != 0) {
        qc_free(a->name);
        return -1;
    }
    res->attr_count++;
    return 0;
}

int qc_results_new_opts(qc_results **out, const qc_codebook *cb, const qc_casebook *cases,
                        const qc_results_options *opts, qc_error *err)
{
    *out = NULL;
    if (!cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no codebook given");
    if (opts && (opts->version < 1 || opts->version > QC_RESULTS_OPTIONS_VERSION))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "results options version %u, expected 1 to %u",
                            opts->version, QC_RESULTS_OPTIONS_VERSION);
    qc_results *res = qc_calloc(1, sizeof *res);
    if (!res)
        return qc_error_nomem(err);
    res->counts_only = opts && opts->counts_only;
    res->stream_only = opts && opts->version >= 2 && opts->stream_only && !res->counts_only;
    res->cb = cb;
    res->cases = cases;
    res->code_count = cb->code_count;
    res->doc_ids.fold = 0;
    /* A respondent is their label across the corpus as in the casebook, whose keys compare
     * ASCII-case-insensitively: "s7" gets S7's row, so it is S7 in the counts too. */
    res->resp_map.fold = 1;
    res->attr_map.fold = 1;
    res->unbroken_map.fold = 1;
    size_t n = cb->code_count;
    res->subtree_end = qc_calloc(n + 1, sizeof *res->subtree_end);
    res->parent = qc_calloc(n + 1, sizeof *res->parent);
    res->pair_words = ((n + 1) * 2 + 63) / 64;
    res->cooc = qc_calloc(n * (n + 1) / 2 + 1, sizeof *res->cooc);
    res->leaf_count = cb->leaf_count;
    res->leaf_line = qc_calloc(cb->leaf_count + 1, sizeof *res->leaf_line);
    res->leaf_column = qc_calloc(cb->leaf_count + 1, sizeof *res->leaf_column);
    if (!res->subtree_end || !res->parent || !res->cooc || !res->leaf_line || !res->leaf_column)
        goto nomem;
    for (size_t c = 0; c < n; c++) {
        res->parent[c] = cb->codes[c].parent;
        size_t e = c + 1;
        while (e < n && cb->codes[e].depth > cb->codes[c].depth)
            e++;
        res->subtree_end[c] = (uint32_t)e;
    }
    for (size_t i = 0; i < cb->node_count; i++) {
        const qc_rule_node *node = &cb->nodes[i];
        if (node->leaf >= 0 && (size_t)node->leaf < cb->leaf_count) {
            res->leaf_line[node->leaf] = node->line;
            res->leaf_column[node->leaf] = node->column;
        }
    }
    res->row_count = 1; /* row 0: the whole corpus */
    if (cases) {
        size_t ac = qc_casebook_attribute_count(cases);
        for (size_t i = 0; i < ac; i++) {
            const char *name = qc_casebook_attribute_name(cases, i);
            if (qc_strmap_get(&res->attr_map, name) >= 0 || qc_strmap_get(&res->unbroken_map, name) >= 0)
                continue;
            size_t values = 0;
            if (qc_casebook_attribute_is_identifier(cases, i, &values) ? qc_res_unbroken_add(res, name, values) != 0
                                                                       : qc_res_attr_add(res, name, (long)i) != 0)
                goto nomem;
        }
    }
    if (res->counts_only) { /* nothing goes to disk: no temporary file */
        *out = res;
        return QC_OK;
    }
    if (qc_res_keeps_rows(res) && qc_res_rows_open(res) != 0) {
        qc_results_free(res);
        return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot create a temporary file for counts");
    }
    int rc = qc_spill_open(res, err);
    if (rc != 0) {
        qc_results_free(res);
        return rc;
    }
    *out = res;
    return QC_OK;
nomem:
    qc_results_free(res);
    return qc_error_nomem(err);
}

int qc_results_new(qc_results **out, const qc_codebook *cb, const qc_casebook *cases, qc_error *err)
{
    return qc_results_new_opts(out, cb, cases, NULL, err);
}

int qc_results_counts_only(const qc_results *res)
{
    return res && res->counts_only;
}

int qc_res_need_quotations(const qc_results *res, const char *what, const char *file, qc_error *err)
{
    if (res->stream_only)
        return qc_error_set(err, QC_ERR_INVALID, file, 0, 0, -1,
                            "%s: these results keep their quotations only in the results.xml they stream "
                            "(stream only)",
                            what);
    if (!res->counts_only)
        return QC_OK;
    return qc_error_set(err, QC_ERR_INVALID, file, 0, 0, -1,
                        "%s: these results were made without quotations (counts only)", what);
}

void qc_results_free(qc_results *res)
{
    if (!res)
        return;
    qc_res_stream_abort(res);
    qc_spill_close(res);
    qc_res_rows_close(res);
    qc_res_add_scratch_free(res);
    for (size_t i = 0; i < res->doc_count; i++)
        qc_res_doc_free(&res->docs[i]);
    qc_free(res->docs);
    qc_strmap_free(&res->doc_ids);
    for (size_t i = 0; i < res->resp_count; i++) {
        qc_free(res->resps[i].label);
        qc_free(res->resps[i].blocks);
    }
    qc_free(res->resps);
    qc_strmap_free(&res->resp_map);
    for (size_t i = 0; i < res->attr_count; i++)
        attr_free(res, &res->attrs[i], 0); /* the cells go with row_cells */
    qc_free(res->attrs);
    qc_strmap_free(&res->attr_map);
    for (size_t i = 0; i < res->unbroken_count; i++)
        qc_free(res->unbroken[i]);
    qc_free(res->unbroken);
    qc_free(res->unbroken_values);
    qc_strmap_free(&res->unbroken_map);
    for (size_t r = 0; r < res->row_cells_cap; r++)
        qc_free(res->row_cells[r]);
    qc_free(res->row_cells);
    qc_free(res->pair_keys);
    qc_free(res->pair_index);
    qc_free(res->pair_bits);
    qc_free(res->cooc);
    qc_free(res->subtree_end);
    qc_free(res->parent);
    qc_free(res->leaf_line);
    qc_free(res->leaf_column);
    for (size_t i = 0; i < res->option_count; i++) {
        qc_free(res->options[i].name);
        qc_free(res->options[i].value);
    }
    qc_free(res->options);
    qc_free(res);
}

int qc_results_set_option(qc_results *res, const char *name, const char *value, qc_error *err)
{
    char *v = qc_strdup(value ? value : "");
    if (!v)
        return qc_error_nomem(err);
    for (size_t i = 0; i < res->option_count; i++) {
        if (strcmp(res->options[i].name, name) == 0) {
            qc_free(res->options[i].value);
            res->options[i].value = v;
            return QC_OK;
        }
    }
    char *n = qc_strdup(name);
    if (!n || QC_GROW(res->options, res->option_cap, res->option_count + 1) != 0) {
        qc_free(n);
        qc_free(v);
        return qc_error_nomem(err);
    }
    res->options[res->option_count].name = n;
    res->options[res->option_count].value = v;
    res->option_count++;
    return QC_OK;
}

static int option_cmp(const void *a, const void *b)
{
    return strcmp(((const qc_res_option *)a)->name, ((const qc_res_option *)b)->name);
}

void qc_res_sort_options(qc_results *res)
{
    if (res->option_count > 1)
        qsort(res->options, res->option_count, sizeof *res->options, option_cmp);
}

/* --- documents --- */

void qc_res_doc_free(qc_res_doc *d)
{
    qc_free(d->id);
    qc_free(d->id_read);
    qc_free(d->path);
    for (size_t a = 0; a < d->attr_count; a++) {
        qc_free(d->attr_keys[a]);
        qc_free(d->attr_values[a]);
    }
    qc_free(d->attr_keys);
    qc_free(d->attr_values);
    for (size_t s = 0; s < d->speaker_count; s++)
        qc_free(d->speakers[s].label);
    qc_free(d->speakers);
    for (size_t i = 0; i < d->issue_count; i++)
        qc_free(d->issues[i]);
    qc_free(d->issues);
    memset(d, 0, sizeof *d);
}

/* --- getters --- */

static void cell_counts(const qc_results *res, uint32_t row, size_t code, qc_rollup mode, qc_counts *out)
{
    memset(out, 0, sizeof *out);
    const qc_res_cell *cell = qc_res_cell_find(res, row, code);
    if (cell)
        *out = cell->c[mode == QC_ROLLED_UP ? 1 : 0];
}

const qc_codebook *qc_results_codebook(const qc_results *res)
{
    return res->cb;
}

void qc_results_code_counts(const qc_results *res, size_t code, qc_rollup mode, qc_counts *out)
{
    if (code >= res->code_count) {
        memset(out, 0, sizeof *out);
        return;
    }
    cell_counts(res, 0, code, mode, out);
}

void qc_results_totals(const qc_results *res, qc_counts *out)
{
    cell_counts(res, 0, res->code_count, QC_OWN, out);
}

size_t qc_results_document_count(const qc_results *res)
{
    return res->doc_count;
}

int qc_results_document(const qc_results *res, size_t index, qc_result_document *out)
{
    if (index >= res->doc_count)
        return QC_ERR_INVALID;
    const qc_res_doc *d = &res->docs[index];
    out->id = d->id;
    out->path = d->path;
    out->sha256 = d->sha256;
    out->size = d->size;
    out->format = d->format;
    out->length = d->length;
    out->turns = d->turns;
    out->speakers = d->speaker_count;
    out->coding_sha256 = d->coding_sha256;
    return QC_OK;
}

size_t qc_results_document_attribute_count(const qc_results *res, size_t doc)
{
    return doc < res->doc_count ? res->docs[doc].attr_count : 0;
}

int qc_results_document_attribute(const qc_results *res, size_t doc, size_t index, const char **key,
                                  const char **value)
{
    if (doc >= res->doc_count || index >= res->docs[doc].attr_count)
        return QC_ERR_INVALID;
    *key = res->docs[doc].attr_keys[index];
    *value = res->docs[doc].attr_values[index];
    return QC_OK;
}

size_t qc_results_document_speaker_count(const qc_results *res, size_t doc)
{
    return doc < res->doc_count ? res->docs[doc].speaker_count : 0;
}

const char *qc_results_document_speaker(const qc_results *res, size_t doc, size_t index, qc_role *role,
                                        size_t *turns)
{
    if (doc >= res->doc_count || index >= res->docs[doc].speaker_count)
        return NULL;
    const qc_res_speaker *s = &res->docs[doc].speakers[index];
    if (role)
        *role = (qc_role)s->role;
    if (turns)
        *turns = s->turns;
    return s->label;
}

void qc_results_document_counts(const qc_results *res, size_t doc, size_t code, qc_rollup mode, qc_counts *out)
{
    (void)qc_results_document_counts_get(res, doc, code, mode, out, NULL);
}

int qc_results_document_counts_get(const qc_results *res, size_t doc, size_t code, qc_rollup mode, qc_counts *out,
                                   qc_error *err)
{
    memset(out, 0, sizeof *out);
    if (doc >= res->doc_count || code >= res->code_count)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no document %zu or code %zu", doc, code);
    int rc = qc_res_need_quotations(res, "per-document counts", NULL, err);
    if (rc != QC_OK)
        return rc;
    if (qc_res_rows_document(res, doc, code, mode == QC_ROLLED_UP, out) != 0)
        return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot read the temporary counts file back");
    return QC_OK;
}

size_t qc_results_respondent_count(const qc_results *res)
{
    return res->resp_count;
}

const char *qc_results_respondent(const qc_results *res, size_t index, qc_role *role)
{
    if (index >= res->resp_count)
        return NULL;
    if (role)
        *role = (qc_role)res->resps[index].role;
    return res->resps[index].label;
}

void qc_results_respondent_counts(const qc_results *res, size_t respondent, size_t code, qc_rollup mode,
                                  qc_counts *out)
{
    (void)qc_results_respondent_counts_get(res, respondent, code, mode, out, NULL);
}

int qc_results_respondent_counts_get(const qc_results *res, size_t respondent, size_t code, qc_rollup mode,
                                     qc_counts *out, qc_error *err)
{
    memset(out, 0, sizeof *out);
    if (respondent >= res->resp_count || code >= res->code_count)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no respondent %zu or code %zu", respondent, code);
    int rc = qc_res_need_quotations(res, "per-speaker counts", NULL, err);
    if (rc != QC_OK)
        return rc;
    if (qc_res_rows_respondent(res, respondent, code, mode == QC_ROLLED_UP, out) != 0)
        return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot read the temporary counts file back");
    return QC_OK;
}

int qc_results_respondent_coded(const qc_results *res, size_t respondent, size_t code, qc_rollup mode)
{
    if (respondent >= res->resp_count || code >= res->code_count)
        return 0;
    /* The corpus row's (row 0) pair of the respondent: its bit for (code, mode) is set when the
     * respondent is first counted in that cell (results_add.c: add_cell), i.e. when it has a
     * quotation there. Every respondent has a row-0 pair (prepare_slots makes it). */
    long pair = qc_res_pair_find(res, 0, (uint32_t)respondent);
    return pair >= 0 && qc_res_pair_get(res, (size_t)pair, code * 2 + (mode == QC_ROLLED_UP));
}

size_t qc_results_attribute_count(const qc_results *res)
{
    return res->attr_count;
}

size_t qc_results_unbroken_attribute_count(const qc_results *res)
{
    return res->unbroken_count;
}

const char *qc_results_unbroken_attribute_name(const qc_results *res, size_t index, size_t *casebook_values)
{
    if (casebook_values)
        *casebook_values = index < res->unbroken_count ? res->unbroken_values[index] : 0;
    return index < res->unbroken_count ? res->unbroken[index] : NULL;
}

const char *qc_results_attribute_name(const qc_results *res, size_t attr)
{
    return attr < res->attr_count ? res->attrs[attr].name : NULL;
}

size_t qc_results_attribute_value_count(const qc_results *res, size_t attr)
{
    return attr < res->attr_count ? res->attrs[attr].value_count : 0;
}

const char *qc_results_attribute_value(const qc_results *res, size_t attr, size_t value, qc_counts *base)
{
    if (attr >= res->attr_count || value >= res->attrs[attr].value_count) {
        if (base)
            memset(base, 0, sizeof *base);
        return NULL;
    }
    const qc_res_value *v = &res->attrs[attr].values[value];
    if (base)
        cell_counts(res, v->row, res->code_count, QC_OWN, base);
    return v->value;
}

void qc_results_attribute_counts(const qc_results *res, size_t attr, size_t value, size_t code, qc_rollup mode,
                                 qc_counts *out)
{
    if (attr >= res->attr_count || value >= res->attrs[attr].value_count || code >= res->code_count) {
        memset(out, 0, sizeof *out);
        return;
    }
    cell_counts(res, res->attrs[attr].values[value].row, code, mode, out);
}

uint64_t qc_results_cooccurrence(const qc_results *res, size_t a, size_t b)
{
    if (a >= res->code_count || b >= res->code_count)
        return 0;
    return res->cooc[qc_res_tri_index(res->code_count, a, b)];
}

void qc_results_uncoded(const qc_results *res, qc_uncoded_summary *out)
{
    *out = res->uncoded;
}
