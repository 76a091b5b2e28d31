/* Aggregation: adds documents' codings in corpus order and keeps counts (own and rolled up; for the
 * corpus, per attribute value, per document, per respondent), the sentence co-occurrence matrix and
 * the uncoded participant text. Quotation records go to a temporary file (results_spill.c) so that
 * memory does not grow with the quotation count. */
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

/* --- string map --- */

static uint64_t hash_str(const char *s, int fold)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (fold && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

static int key_eq(const char *a, const char *b, int fold)
{
    return fold ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
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

/* --- cells: (row, code) -> counts --- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t cell_key(uint32_t row, size_t code)
{
    return ((uint64_t)row << 32) | (uint32_t)code;
}

const qc_res_cell *qc_res_cell_find(const qc_results *res, uint32_t row, size_t code)
{
    if (!res->cell_slot_cap)
        return NULL;
    uint64_t key = cell_key(row, code);
    size_t mask = res->cell_slot_cap - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        uint32_t slot = res->cell_slots[i];
        if (!slot)
            return NULL;
        if (res->cells[slot - 1].key == key)
            return &res->cells[slot - 1];
    }
}

static int cell_slots_grow(qc_results *res)
{
    size_t cap = res->cell_slot_cap ? res->cell_slot_cap * 2 : 1024;
    uint32_t *slots = qc_calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t c = 0; c < res->cell_count; c++) {
        size_t i = mix64(res->cells[c].key) & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = (uint32_t)(c + 1);
    }
    qc_free(res->cell_slots);
    res->cell_slots = slots;
    res->cell_slot_cap = cap;
    return 0;
}

static qc_res_cell *cell_get(qc_results *res, uint32_t row, size_t code)
{
    if ((res->cell_count + 1) * 2 > res->cell_slot_cap && cell_slots_grow(res) != 0)
        return NULL;
    uint64_t key = cell_key(row, code);
    size_t mask = res->cell_slot_cap - 1;
    size_t i = mix64(key) & mask;
    for (; res->cell_slots[i]; i = (i + 1) & mask)
        if (res->cells[res->cell_slots[i] - 1].key == key)
            return &res->cells[res->cell_slots[i] - 1];
    if (res->cell_count >= UINT32_MAX - 1 || QC_GROW(res->cells, res->cell_cap, res->cell_count + 1) != 0)
        return NULL;
    qc_res_cell *cell = &res->cells[res->cell_count];
    memset(cell, 0, sizeof *cell);
    cell->key = key;
    res->cell_slots[i] = (uint32_t)(res->cell_count + 1);
    res->cell_count++;
    return cell;
}

/* --- distinct respondents: a set of (row, code*2+mode, respondent) --- */

static uint64_t seen_hash(uint32_t a, uint32_t b, uint32_t c)
{
    return mix64(((uint64_t)a << 32 | b) ^ mix64(c + 0x9e3779b97f4a7c15ull));
}

static int seen_grow(qc_results *res)
{
    size_t cap = res->seen_cap ? res->seen_cap * 2 : 4096;
    uint32_t *t = qc_calloc(cap, 3 * sizeof *t);
    if (!t)
        return -1;
    for (size_t j = 0; j < res->seen_cap; j++) {
        const uint32_t *e = &res->seen[3 * j];
        if (!e[0])
            continue;
        size_t i = seen_hash(e[0], e[1], e[2]) & (cap - 1);
        while (t[3 * i])
            i = (i + 1) & (cap - 1);
        memcpy(&t[3 * i], e, 3 * sizeof *t);
    }
    qc_free(res->seen);
    res->seen = t;
    res->seen_cap = cap;
    return 0;
}

/* 1 when newly inserted, 0 when already there, -1 out of memory. */
static int seen_insert(qc_results *res, uint32_t row, uint32_t codemode, uint32_t resp)
{
    if ((res->seen_count + 1) * 2 > res->seen_cap && seen_grow(res) != 0)
        return -1;
    uint32_t a = row + 1;
    size_t mask = res->seen_cap - 1;
    size_t i = seen_hash(a, codemode, resp) & mask;
    for (; res->seen[3 * i]; i = (i + 1) & mask) {
        const uint32_t *e = &res->seen[3 * i];
        if (e[0] == a && e[1] == codemode && e[2] == resp)
            return 0;
    }
    res->seen[3 * i] = a;
    res->seen[3 * i + 1] = codemode;
    res->seen[3 * i + 2] = resp;
    res->seen_count++;
    return 1;
}

/* Counts one quotation (or merged unit) in a row. */
static int count_in(qc_results *res, uint32_t row, size_t code, int mode, uint64_t hits, uint32_t doc, uint32_t resp)
{
    qc_res_cell *cell = cell_get(res, row, code);
    if (!cell)
        return -1;
    qc_counts *c = &cell->c[mode];
    c->hits += hits;
    c->quotations++;
    if (cell->last_doc[mode] != doc + 1) {
        cell->last_doc[mode] = doc + 1;
        c->documents++;
    }
    int n = seen_insert(res, row, (uint32_t)code * 2u + (uint32_t)mode, resp);
    if (n < 0)
        return -1;
    c->respondents += (uint64_t)n;
    return 0;
}

/* --- lifecycle --- */

static int attr_add(qc_results *res, const char *name, long casebook_index)
{
    if (QC_GROW(res->attrs, res->attr_cap, res->attr_count + 1) != 0)
        return -1;
    qc_res_attr *a = &res->attrs[res->attr_count];
    memset(a, 0, sizeof *a);
    a->value_map.fold = 0;
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

int qc_results_new(qc_results **out, const qc_codebook *cb, const qc_casebook *cases, qc_error *err)
{
    *out = NULL;
    if (!cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no codebook given");
    qc_results *res = qc_calloc(1, sizeof *res);
    if (!res)
        return qc_error_nomem(err);
    res->cb = cb;
    res->cases = cases;
    res->code_count = cb->code_count;
    res->doc_ids.fold = 0;
    res->resp_map.fold = 0;
    res->attr_map.fold = 1;
    size_t n = cb->code_count;
    res->subtree_end = qc_calloc(n + 1, sizeof *res->subtree_end);
    res->code_runs = qc_calloc(n + 1, sizeof *res->code_runs);
    res->cooc = qc_calloc(n * (n + 1) / 2 + 1, sizeof *res->cooc);
    res->leaf_count = cb->leaf_count;
    res->leaf_line = qc_calloc(cb->leaf_count + 1, sizeof *res->leaf_line);
    res->leaf_column = qc_calloc(cb->leaf_count + 1, sizeof *res->leaf_column);
    if (!res->subtree_end || !res->code_runs || !res->cooc || !res->leaf_line || !res->leaf_column)
        goto nomem;
    for (size_t c = 0; c < n; c++) {
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
            if (qc_strmap_get(&res->attr_map, name) >= 0)
                continue;
            if (attr_add(res, name, (long)i) != 0)
                goto nomem;
        }
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

void qc_results_free(qc_results *res)
{
    if (!res)
        return;
    qc_spill_close(res);
    for (size_t i = 0; i < res->doc_count; i++) {
        qc_res_doc *d = &res->docs[i];
        qc_free(d->id);
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
    }
    qc_free(res->docs);
    qc_strmap_free(&res->doc_ids);
    for (size_t i = 0; i < res->resp_count; i++)
        qc_free(res->resps[i].label);
    qc_free(res->resps);
    qc_free(res->resp_coded);
    qc_strmap_free(&res->resp_map);
    for (size_t i = 0; i < res->attr_count; i++) {
        qc_res_attr *a = &res->attrs[i];
        qc_free(a->name);
        for (size_t v = 0; v < a->value_count; v++)
            qc_free(a->values[v].value);
        qc_free(a->values);
        qc_strmap_free(&a->value_map);
    }
    qc_free(res->attrs);
    qc_strmap_free(&res->attr_map);
    qc_free(res->cells);
    qc_free(res->cell_slots);
    qc_free(res->seen);
    qc_free(res->cooc);
    if (res->code_runs)
        for (size_t c = 0; c <= res->code_count; c++)
            qc_free(res->code_runs[c].runs);
    qc_free(res->code_runs);
    qc_free(res->subtree_end);
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

/* --- adding a document --- */

/* The respondent index of a label, registering it. */
static long respondent_of(qc_results *res, const char *label, uint8_t role)
{
    long r = qc_strmap_get(&res->resp_map, label);
    if (r >= 0) {
        if (role != QC_ROLE_INTERVIEWER && res->resps[r].role == QC_ROLE_INTERVIEWER)
            res->resps[r].role = role;
        return r;
    }
    size_t coded_cap = res->resp_cap;
    if (QC_GROW(res->resps, res->resp_cap, res->resp_count + 1) != 0)
        return -1;
    if (coded_cap != res->resp_cap) {
        uint8_t *coded = qc_realloc(res->resp_coded, res->resp_cap);
        if (!coded)
            return -1;
        res->resp_coded = coded;
    }
    qc_res_respondent *p = &res->resps[res->resp_count];
    p->label = qc_strdup(label);
    if (!p->label)
        return -1;
    p->role = role;
    p->row = res->row_count++;
    if (qc_strmap_put(&res->resp_map, p->label, (uint32_t)res->resp_count) != 0) {
        qc_free(p->label);
        res->row_count--;
        return -1;
    }
    res->resp_coded[res->resp_count] = 0;
    return (long)res->resp_count++;
}

/* The row of an attribute value, registering it. */
static long value_row(qc_results *res, size_t attr, const char *value)
{
    qc_res_attr *a = &res->attrs[attr];
    long v = qc_strmap_get(&a->value_map, value);
    if (v >= 0)
        return (long)a->values[v].row;
    if (QC_GROW(a->values, a->value_cap, a->value_count + 1) != 0)
        return -1;
    qc_res_value *nv = &a->values[a->value_count];
    nv->value = qc_strdup(value);
    if (!nv->value)
        return -1;
    if (qc_strmap_put(&a->value_map, nv->value, (uint32_t)a->value_count) != 0) {
        qc_free(nv->value);
        return -1;
    }
    nv->row = res->row_count++;
    a->value_count++;
    return (long)nv->row;
}

static int copy_doc(qc_res_doc *d, const qc_document *doc, const qc_source_info *src)
{
    memset(d, 0, sizeof *d);
    d->id = qc_strdup(doc->id ? doc->id : "");
    d->path = qc_strdup(src && src->path ? src->path : doc->path ? doc->path : "");
    if (!d->id || !d->path)
        return -1;
    if (src && src->sha256) {
        strncpy(d->sha256, src->sha256, 64);
        d->sha256[64] = '\0';
    }
    d->size = src ? src->size : 0;
    d->format = doc->format;
    d->length = doc->length;
    d->turns = doc->turn_count;
    if (doc->attr_count) {
        d->attr_keys = qc_calloc(doc->attr_count, sizeof *d->attr_keys);
        d->attr_values = qc_calloc(doc->attr_count, sizeof *d->attr_values);
        if (!d->attr_keys || !d->attr_values)
            return -1;
        for (size_t i = 0; i < doc->attr_count; i++) {
            d->attr_keys[i] = qc_strdup(doc->attr_keys[i]);
            d->attr_values[i] = qc_strdup(doc->attr_values[i]);
            d->attr_count = i + 1;
            if (!d->attr_keys[i] || !d->attr_values[i])
                return -1;
        }
    }
    if (doc->speaker_count) {
        d->speakers = qc_calloc(doc->speaker_count, sizeof *d->speakers);
        if (!d->speakers)
            return -1;
        for (size_t s = 0; s < doc->speaker_count; s++) {
            d->speakers[s].label = qc_strdup(doc->speakers[s]);
            d->speakers[s].role = doc->speaker_roles ? doc->speaker_roles[s] : QC_ROLE_PARTICIPANT;
            d->speaker_count = s + 1;
            if (!d->speakers[s].label)
                return -1;
        }
        for (size_t t = 0; t < doc->turn_count; t++) {
            int32_t s = doc->turns[t].speaker;
            if (s >= 0 && (size_t)s < doc->speaker_count)
                d->speakers[s].turns++;
        }
    }
    return 0;
}

static void free_doc(qc_res_doc *d)
{
    qc_free(d->id);
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
    memset(d, 0, sizeof *d);
}

/* The value of attribute `attr` for a speaker (NULL: unlabelled) of a document. */
static const char *attr_value(const qc_results *res, const qc_document *doc, const char *speaker, size_t attr)
{
    const qc_res_attr *a = &res->attrs[attr];
    if (a->casebook_index >= 0 && res->cases) {
        const char *v = qc_casebook_value(res->cases, doc->id, speaker, (size_t)a->casebook_index);
        if (v && *v)
            return v;
    }
    for (size_t i = 0; i < doc->attr_count; i++)
        if (strcasecmp(doc->attr_keys[i], a->name) == 0)
            return doc->attr_values[i][0] ? doc->attr_values[i] : NULL;
    return NULL;
}

/* A merged unit for the rolled-up counts. */
typedef struct roll_item {
    uint32_t turn, start, end;
    uint32_t hits;
} roll_item;

static int roll_cmp(const void *a, const void *b)
{
    const roll_item *x = a, *y = b;
    if (x->turn != y->turn)
        return x->turn < y->turn ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

typedef struct sent_code {
    uint32_t sentence, code;
} sent_code;

static int sent_code_cmp(const void *a, const void *b)
{
    const sent_code *x = a, *y = b;
    if (x->sentence != y->sentence)
        return x->sentence < y->sentence ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

static size_t tri_index(size_t n, size_t a, size_t b)
{
    if (a > b) {
        size_t t = a;
        a = b;
        b = t;
    }
    /* row a of the upper triangle starts after rows 0..a-1 of lengths n, n-1, ... */
    return a * n - a * (a - 1) / 2 + (b - a);
}

/* Per-document scratch: for each speaker slot (doc speakers, then one for unlabelled text), its
 * respondent and its row for every attribute. */
typedef struct doc_scratch {
    long *resp;   /* speaker_count + 1 */
    long *vrows;  /* (speaker_count + 1) * attr_count, -1 when no value */
    roll_item *roll;
    sent_code *sc;
    size_t sc_count, sc_cap;
    uint8_t *touched; /* turns */
} doc_scratch;

static void scratch_free(doc_scratch *s)
{
    qc_free(s->resp);
    qc_free(s->vrows);
    qc_free(s->roll);
    qc_free(s->sc);
    qc_free(s->touched);
}

static int slot_of_turn(const qc_document *doc, size_t turn)
{
    int32_t s = doc->turns[turn].speaker;
    return s >= 0 && (size_t)s < doc->speaker_count ? s : (int)doc->speaker_count;
}

/* Counts a unit (a quotation or a merged roll-up unit) in every row it belongs to. */
static int count_unit(qc_results *res, const doc_scratch *s, size_t attr_count, uint32_t doc_row, size_t code,
                      int mode, uint64_t hits, uint32_t doc_index, int slot)
{
    uint32_t resp = (uint32_t)s->resp[slot];
    if (count_in(res, 0, code, mode, hits, doc_index, resp) != 0 ||
        count_in(res, doc_row, code, mode, hits, doc_index, resp) != 0 ||
        count_in(res, res->resps[resp].row, code, mode, hits, doc_index, resp) != 0)
        return -1;
    for (size_t a = 0; a < attr_count; a++) {
        long row = s->vrows[(size_t)slot * attr_count + a];
        if (row >= 0 && count_in(res, (uint32_t)row, code, mode, hits, doc_index, resp) != 0)
            return -1;
    }
    return 0;
}

static int add_counts(qc_results *res, const qc_document *doc, const qc_coding *coding, uint32_t doc_index,
                      doc_scratch *s)
{
    const qc_res_doc *d = &res->docs[doc_index];
    size_t nslots = doc->speaker_count + 1;
    int has_unlabelled = 0;
    for (size_t t = 0; t < doc->turn_count; t++)
        if (doc->turns[t].speaker < 0)
            has_unlabelled = 1;

    /* New header keys become attributes. */
    for (size_t i = 0; i < doc->attr_count; i++)
        if (qc_strmap_get(&res->attr_map, doc->attr_keys[i]) < 0 && attr_add(res, doc->attr_keys[i], -1) != 0)
            return -1;
    size_t ac = res->attr_count;

    s->resp = qc_calloc(nslots, sizeof *s->resp);
    s->vrows = qc_calloc(nslots * (ac ? ac : 1), sizeof *s->vrows);
    s->touched = qc_calloc(doc->turn_count + 1, 1);
    if (!s->resp || !s->vrows || !s->touched)
        return -1;
    for (size_t slot = 0; slot < nslots; slot++) {
        int unl = slot == doc->speaker_count;
        s->resp[slot] = -1;
        for (size_t a = 0; a < ac; a++)
            s->vrows[slot * ac + a] = -1;
        if (unl && !has_unlabelled)
            continue;
        const char *label = unl ? doc->id : doc->speakers[slot];
        uint8_t role = unl ? QC_ROLE_UNKNOWN : (doc->speaker_roles ? doc->speaker_roles[slot] : QC_ROLE_PARTICIPANT);
        s->resp[slot] = respondent_of(res, label, role);
        if (s->resp[slot] < 0)
            return -1;
        for (size_t a = 0; a < ac; a++) {
            const char *v = attr_value(res, doc, unl ? NULL : doc->speakers[slot], a);
            if (v && (s->vrows[slot * ac + a] = value_row(res, a, v)) < 0)
                return -1;
        }
        /* The bases of breakdowns: coded respondents (not interviewers) and documents per value. */
        if (role != QC_ROLE_INTERVIEWER) {
            for (size_t a = 0; a < ac; a++) {
                long row = s->vrows[slot * ac + a];
                if (row < 0)
                    continue;
                qc_res_cell *cell = cell_get(res, (uint32_t)row, res->code_count);
                if (!cell)
                    return -1;
                if (cell->last_doc[0] != doc_index + 1) {
                    cell->last_doc[0] = doc_index + 1;
                    cell->c[0].documents++;
                }
                int n = seen_insert(res, (uint32_t)row, (uint32_t)res->code_count * 2u, (uint32_t)s->resp[slot]);
                if (n < 0)
                    return -1;
                cell->c[0].respondents += (uint64_t)n;
            }
        }
    }

    /* Own quotations. */
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code < 0 || (size_t)q->code >= res->code_count || q->turn >= doc->turn_count)
            continue;
        int slot = slot_of_turn(doc, q->turn);
        s->touched[q->turn] = 1;
        if (count_unit(res, s, ac, d->row, (size_t)q->code, QC_OWN, q->hit_count, doc_index, slot) != 0 ||
            count_in(res, 0, res->code_count, QC_OWN, q->hit_count, doc_index, (uint32_t)s->resp[slot]) != 0)
            return -1;
        res->resp_coded[s->resp[slot]] = 1;
    }

    /* Rolled up: each code's subtree is a contiguous range of codes, so its quotations are a
     * contiguous range of the coding's (sorted by code); merge them per turn. */
    if (coding->quote_count) {
        s->roll = qc_calloc(coding->quote_count, sizeof *s->roll);
        if (!s->roll)
            return -1;
    }
    size_t lo = 0;
    for (size_t c = 0; c < res->code_count && coding->quote_count; c++) {
        while (lo < coding->quote_count && coding->quotes[lo].code < (int32_t)c)
            lo++;
        size_t hi = lo;
        while (hi < coding->quote_count && coding->quotes[hi].code < (int32_t)res->subtree_end[c])
            hi++;
        size_t n = 0;
        for (size_t i = lo; i < hi; i++) {
            const qc_quote_rec *q = &coding->quotes[i];
            if (q->turn >= doc->turn_count)
                continue;
            s->roll[n++] = (roll_item){q->turn, q->start, q->end, q->hit_count};
        }
        if (!n)
            continue;
        qsort(s->roll, n, sizeof *s->roll, roll_cmp);
        size_t i = 0;
        while (i < n) {
            roll_item m = s->roll[i++];
            while (i < n && s->roll[i].turn == m.turn && s->roll[i].start < m.end) {
                if (s->roll[i].end > m.end)
                    m.end = s->roll[i].end;
                m.hits += s->roll[i].hits;
                i++;
            }
            if (count_unit(res, s, ac, d->row, c, QC_ROLLED_UP, m.hits, doc_index, slot_of_turn(doc, m.turn)) != 0)
                return -1;
        }
    }

    /* Co-occurrence: the (sentence, code) pairs of own quotations. */
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code < 0 || (size_t)q->code >= res->code_count)
            continue;
        size_t a = 0, b = doc->sentence_count;
        while (a < b) { /* the first sentence ending after the quotation's start */
            size_t mid = a + (b - a) / 2;
            if (doc->sentences[mid].end <= q->start)
                a = mid + 1;
            else
                b = mid;
        }
        for (size_t k = a; k < doc->sentence_count && doc->sentences[k].start < q->end; k++) {
            if (doc->sentences[k].end <= doc->sentences[k].start && q->start != q->end)
                continue;
            if (QC_GROW(s->sc, s->sc_cap, s->sc_count + 1) != 0)
                return -1;
            s->sc[s->sc_count++] = (sent_code){(uint32_t)k, (uint32_t)q->code};
        }
    }
    if (s->sc_count) {
        qsort(s->sc, s->sc_count, sizeof *s->sc, sent_code_cmp);
        size_t w = 0;
        for (size_t i = 0; i < s->sc_count; i++)
            if (!w || s->sc[i].sentence != s->sc[w - 1].sentence || s->sc[i].code != s->sc[w - 1].code)
                s->sc[w++] = s->sc[i];
        for (size_t i = 0; i < w;) {
            size_t j = i;
            while (j < w && s->sc[j].sentence == s->sc[i].sentence)
                j++;
            for (size_t x = i; x < j; x++)
                for (size_t y = x; y < j; y++)
                    res->cooc[tri_index(res->code_count, s->sc[x].code, s->sc[y].code)]++;
            i = j;
        }
    }

    /* Uncoded participant turns. */
    for (size_t t = 0; t < doc->turn_count; t++) {
        const qc_doc_turn *turn = &doc->turns[t];
        if (turn->role == QC_ROLE_INTERVIEWER)
            continue;
        uint64_t len = turn->end > turn->start ? turn->end - turn->start : 0;
        res->uncoded.participant_turns++;
        res->uncoded.participant_length += len;
        if (!s->touched[t]) {
            res->uncoded.uncoded_turns++;
            res->uncoded.uncoded_length += len;
        }
    }
    return 0;
}

int qc_results_add(qc_results *res, const qc_document *doc, const qc_coding *coding, const qc_source_info *src,
                   qc_error *err)
{
    if (!res || !doc || !coding)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no results, document or coding given");
    if (coding->codebook && coding->codebook != res->cb)
        return qc_error_set(err, QC_ERR_INVALID, doc->path, 0, 0, -1, "the coding was made with another codebook");
    const char *id = doc->id ? doc->id : "";
    long dup = qc_strmap_get(&res->doc_ids, id);
    if (dup >= 0)
        return qc_error_set(err, QC_ERR_INVALID, src && src->path ? src->path : doc->path, 0, 0, -1,
                            "document id '%s' is already used by %s", id, res->docs[dup].path);
    if (res->doc_count >= UINT32_MAX - 1)
        return qc_error_set(err, QC_ERR_LIMIT, doc->path, 0, 0, -1, "too many documents");
    if (QC_GROW(res->docs, res->doc_cap, res->doc_count + 1) != 0)
        return qc_error_nomem(err);
    qc_res_doc *d = &res->docs[res->doc_count];
    if (copy_doc(d, doc, src) != 0 || qc_strmap_put(&res->doc_ids, d->id, (uint32_t)res->doc_count) != 0) {
        free_doc(d);
        return qc_error_nomem(err);
    }
    d->row = res->row_count++;
    uint32_t doc_index = (uint32_t)res->doc_count++;

    /* From here on a failure leaves the counts half-updated: the results are then only fit to be
     * freed, which the error says. */
    doc_scratch s;
    memset(&s, 0, sizeof s);
    int rc = add_counts(res, doc, coding, doc_index, &s);
    if (rc == 0)
        rc = qc_spill_document(res, doc, coding, doc_index, s.resp, s.touched, err);
    else
        rc = qc_error_nomem(err);
    scratch_free(&s);
    return rc;
}

int qc_results_add_fn(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                      qc_error *err)
{
    return qc_results_add(user, doc, coding, src, err);
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
    if (doc >= res->doc_count || code >= res->code_count) {
        memset(out, 0, sizeof *out);
        return;
    }
    cell_counts(res, res->docs[doc].row, code, mode, out);
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
    if (respondent >= res->resp_count || code >= res->code_count) {
        memset(out, 0, sizeof *out);
        return;
    }
    cell_counts(res, res->resps[respondent].row, code, mode, out);
}

size_t qc_results_attribute_count(const qc_results *res)
{
    return res->attr_count;
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
    return res->cooc[tri_index(res->code_count, a, b)];
}

void qc_results_uncoded(const qc_results *res, qc_uncoded_summary *out)
{
    *out = res->uncoded;
}
