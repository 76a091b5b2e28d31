/* Adding a document to the results: its counts are first gathered per speaker and code in a small
 * dense table (a few hundred cells a speaker; for a document of thousands of speakers, only the
 * cells with counts: DENSE_CELLS), then added to the corpus and attribute-value cells once per
 * (speaker, code) instead of once per quotation, so the cost of a document grows with the codes it
 * touches more than with its quotations. Per-document and per-speaker counts go to the
 * rows file (results_rows.c); quotation records to the spill file (results_spill.c). Counts-only
 * results skip both, and the work that only feeds them. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "codebook_impl.h"
#include "coding_digest.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "error.h"
#include "merge_sort.h"
#include "results_impl.h"
#include "results_spill.h"
#include "text.h"
#include "xml_out.h"

/* A code's unit being merged in the rolled-up pass: its turn (UINT32_MAX: none yet) and the
 * furthest end of its quotations so far. */
typedef struct roll_state {
    uint32_t turn, end;
} roll_state;

typedef struct sent_code {
    uint32_t sentence, code;
} sent_code;

/* What merging one document needs, kept between documents so that a corpus allocates it once
 * (the tally and the rest are in the document's qc_res_prepared). */
typedef struct qc_res_add_scratch {
    long *resp;  /* per speaker slot (the doc's speakers, then unlabelled text): -1 for no respondent */
    long *vrows; /* slot * attr_count + attr: the value's row, -1 when none */
    long *pairs; /* slot * (1 + attr_count) + k: the (row, respondent) pair of row k of the slot, or -1 */
    qc_res_block_entry *entries;
    qc_res_cell **rows; /* flush: a slot's rows' cells, and its pair bits in each */
    uint64_t **bits;
    long *same_before; /* per slot: the slot before it with the same respondent, or -1 */
    struct slot_resp {
        long resp, slot;
    } * by_resp; /* slots in (respondent, slot) order, to find those */
    /* A sparse tally: the slot's row made dense again, and the document's counts per code. */
    uint32_t *row;
    qc_res_block_entry *doc_sum;
    size_t resp_cap, vrows_cap, pairs_cap, entries_cap, rows_cap, bits_cap, same_cap, by_resp_cap, row_cap, doc_sum_cap;
} qc_res_add_scratch;

/* A cell of a sparse tally: a code of the slot (code_count: any code) and its counts, as acc's. */
typedef struct qc_res_tally_cell {
    uint32_t code;
    uint32_t t[4];
} tally_cell;

void qc_res_prepared_free(qc_res_prepared *p)
{
    if (!p)
        return;
    qc_free(p->acc);
    qc_free(p->cells);
    qc_free(p->cell_at);
    qc_free(p->by_slot);
    qc_free(p->slot_quotes);
    qc_free(p->one_slot);
    qc_free(p->slot_acc);
    qc_free(p->touched);
    qc_free(p->cooc);
    qc_free(p->rec);
    qc_free(p->refs);
    qc_free(p->roll);
    qc_free(p->roll_tmp);
    qc_free(p->roll_states);
    qc_free(p->turn_at);
    qc_free(p->sc);
    qc_free(p->sent_start);
    qc_free(p->sent_codes);
    qc_free(p->sent_at);
    qc_free(p->hits);
    qc_buf_free(&p->xml);
    qc_free(p->span_items);
    qc_free(p->span_hits);
    qc_free(p);
}

void qc_res_add_scratch_free(qc_results *res)
{
    qc_res_prepared_free(res->own_prep);
    res->own_prep = NULL;
    res->offered = NULL;
    qc_res_add_scratch *s = res->scratch;
    if (!s)
        return;
    qc_free(s->resp);
    qc_free(s->vrows);
    qc_free(s->pairs);
    qc_free(s->entries);
    qc_free(s->rows);
    qc_free(s->bits);
    qc_free(s->same_before);
    qc_free(s->by_resp);
    qc_free(s->row);
    qc_free(s->doc_sum);
    qc_free(s);
    res->scratch = NULL;
}

void qc_res_offer(qc_results *res, const qc_res_prepared *p)
{
    res->offered = p;
}

/* --- respondents, attribute values, documents --- */

/* The respondent index of a label, registering it. */
static long respondent_of(qc_results *res, const char *label, uint8_t role)
{
    long r = qc_strmap_get(&res->resp_map, label);
    if (r >= 0) {
        if (role != QC_ROLE_INTERVIEWER && res->resps[r].role == QC_ROLE_INTERVIEWER)
            res->resps[r].role = role;
        return r;
    }
    if (QC_GROW(res->resps, res->resp_cap, res->resp_count + 1) != 0)
        return -1;
    qc_res_respondent *p = &res->resps[res->resp_count];
    memset(p, 0, sizeof *p);
    p->label = qc_strdup(label);
    if (!p->label)
        return -1;
    p->role = role;
    if (qc_strmap_put(&res->resp_map, p->label, (uint32_t)res->resp_count) != 0) {
        qc_free(p->label);
        return -1;
    }
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

static int copy_doc(qc_res_doc *d, const qc_document *doc, const qc_coding *coding, const qc_source_info *src)
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
    size_t issues = qc_coding_issue_count(coding);
    if (issues) {
        if (!(d->issues = qc_calloc(issues, sizeof *d->issues)))
            return -1;
        for (size_t i = 0; i < issues; i++)
            if (!(d->issues[d->issue_count++] = qc_strdup(qc_coding_issue(coding, i))))
                return -1;
    }
    return 0;
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
    /* the header's key found as `where` finds it (qc_fold_equal): `région` for the casebook's `RÉGION` */
    size_t n = strlen(a->name);
    for (size_t i = 0; i < doc->attr_count; i++)
        if (qc_fold_equal(doc->attr_keys[i], strlen(doc->attr_keys[i]), a->name, n))
            return doc->attr_values[i][0] ? doc->attr_values[i] : NULL;
    return NULL;
}

/* The slot of a turn among `speakers` speakers' slots, the unlabelled text's after them (the
 * document's slots with speakers doc->speaker_count; with none, every turn's is slot 0). */
static inline size_t slot_among(const qc_doc_turn *turns, size_t turn, size_t speakers)
{
    int32_t s = turns[turn].speaker;
    return s >= 0 && (size_t)s < speakers ? (size_t)s : speakers;
}

/* --- the per-document tables --- */

static int scratch_ready(qc_results *res, size_t nslots, size_t ac)
{
    if (!res->scratch && !(res->scratch = qc_calloc(1, sizeof *res->scratch)))
        return -1;
    qc_res_add_scratch *s = res->scratch;
    size_t k = res->code_count + 1;
    if (QC_GROW(s->resp, s->resp_cap, nslots) != 0 || QC_GROW(s->vrows, s->vrows_cap, nslots * ac + 1) != 0 ||
        QC_GROW(s->pairs, s->pairs_cap, nslots * (1 + ac)) != 0 || QC_GROW(s->entries, s->entries_cap, k) != 0 ||
        QC_GROW(s->rows, s->rows_cap, 1 + ac) != 0 || QC_GROW(s->bits, s->bits_cap, 1 + ac) != 0)
        return -1;
    return 0;
}

/* The most cells (slots x (codes + 1), 16 bytes each) a dense tally may have: 4 MiB, some 960
 * speakers with the benchmark's 272 codes, ten times a large focus group. A document past it (a
 * survey export: thousands of respondents in one file) keeps only the cells with counts: its dense
 * table would be allocated, cleared and walked whole on every worker (87 MB for 20,000 respondents)
 * while holding a few dozen counted cells a respondent. Below it the dense table is cheaper: no
 * grouping of the quotations by slot, and it is small. */
#define DENSE_CELLS ((size_t)1 << 18)

static size_t dense_cells = DENSE_CELLS;
static pthread_once_t dense_cells_once = PTHREAD_ONCE_INIT;

/* Tests set the limit with QCODE_TEST_DENSE_CELLS (0: every document sparse), so that whole results
 * of ordinary documents can be compared under both tallies. Read once: workers prepare at once. */
static void read_dense_cells(void)
{
    const char *v = getenv("QCODE_TEST_DENSE_CELLS");
    if (v && *v)
        dense_cells = (size_t)strtoull(v, NULL, 10);
}

static int prep_ready(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p,
                      size_t nslots)
{
    size_t k = res->code_count + 1;
    pthread_once(&dense_cells_once, read_dense_cells);
    /* nslots * k > dense_cells, without overflow; the sparse tally numbers quotations in 32 bits */
    p->sparse = nslots > dense_cells / k && coding->quote_count < UINT32_MAX;
    if ((!p->sparse && (QC_GROW(p->acc, p->acc_cap, nslots * k * 4) != 0 ||
                        QC_GROW(p->roll, p->roll_cap, coding->quote_count + 1) != 0 ||
                        QC_GROW(p->roll_tmp, p->roll_tmp_cap, coding->quote_count + 1) != 0)) ||
        QC_GROW(p->roll_states, p->roll_states_cap, res->code_count + 1) != 0 ||
        QC_GROW(p->touched, p->touched_cap, doc->turn_count + 1) != 0)
        return -1;
    p->nslots = nslots;
    p->cooc_count = 0;
    p->rec_len = 0;
    p->ref_count = 0;
    p->participant_turns = p->participant_length = p->uncoded_turns = p->uncoded_length = 0;
    /* The other tally's table, when a large document left it, is given back (alloc.h). */
    if (!p->sparse) {
        memset(p->acc, 0, nslots * k * 4 * sizeof *p->acc);
        QC_RELEASE_BIG(p->cells, p->cells_cap);
    } else {
        QC_RELEASE_BIG(p->acc, p->acc_cap);
    }
    memset(p->touched, 0, doc->turn_count + 1);
    return 0;
}

/* Counts a document, and a respondent unless pair < 0, in the breakdown bases (the value rows'
 * "any code" cells). */
static int count_base(qc_results *res, uint32_t row, long pair, uint32_t doc_index)
{
    qc_res_cell *cell = qc_res_cell_get(res, row, res->code_count);
    if (!cell)
        return -1;
    if (cell->last_doc[0] != doc_index + 1) {
        cell->last_doc[0] = doc_index + 1;
        cell->c[0].documents++;
    }
    if (pair >= 0)
        cell->c[0].respondents += (uint64_t)qc_res_pair_set(res, (size_t)pair, res->code_count * 2);
    return 0;
}

/* The respondent and attribute rows of each speaker slot, and the breakdown bases. */
static int prepare_slots(qc_results *res, const qc_document *doc, uint32_t doc_index, size_t nslots, size_t ac)
{
    qc_res_add_scratch *s = res->scratch;
    /* Whether the document's unlabelled text is a respondent. In a document without labels it is
     * the one interviewee, named by the document id; beside labelled participants (an untagged cue
     * among tagged ones) nobody can tell who speaks it, and naming a respondent after the file
     * would count one person too many: its quotations count, but for no respondent
     * (docs/semantics.md, "Counts"). Beside interviewer labels alone it is the interviewee again. */
    int has_unlabelled = 0, participant_labelled = 0;
    for (size_t t = 0; t < doc->turn_count; t++) {
        const qc_doc_turn *tu = &doc->turns[t];
        has_unlabelled |= tu->speaker < 0;
        participant_labelled |= tu->speaker >= 0 && tu->role != QC_ROLE_INTERVIEWER;
    }
    for (size_t slot = 0; slot < nslots; slot++) {
        int unl = slot == doc->speaker_count;
        s->resp[slot] = -1;
        for (size_t a = 0; a < ac; a++)
            s->vrows[slot * ac + a] = -1;
        long *pairs = &s->pairs[slot * (1 + ac)];
        for (size_t k = 0; k <= ac; k++)
            pairs[k] = -1;
        if (unl && !has_unlabelled)
            continue;
        const char *label = unl ? doc->id : doc->speakers[slot];
        uint8_t role = unl ? QC_ROLE_UNKNOWN : (doc->speaker_roles ? doc->speaker_roles[slot] : QC_ROLE_PARTICIPANT);
        int counted = !unl || !participant_labelled;
        if (counted && (s->resp[slot] = respondent_of(res, label ? label : "", role)) < 0)
            return -1;
        uint32_t resp = (uint32_t)s->resp[slot];
        if (counted && (pairs[0] = qc_res_pair(res, 0, resp)) < 0)
            return -1;
        for (size_t a = 0; a < ac; a++) {
            const char *v = attr_value(res, doc, unl ? NULL : doc->speakers[slot], a);
            if (!v)
                continue;
            long row = value_row(res, a, v);
            if (row < 0 || (counted && (pairs[1 + a] = qc_res_pair(res, (uint32_t)row, resp)) < 0))
                return -1;
            s->vrows[slot * ac + a] = row;
            /* The bases of breakdowns: respondents (not interviewers) and documents per value. */
            if (role != QC_ROLE_INTERVIEWER && count_base(res, (uint32_t)row, pairs[1 + a], doc_index) != 0)
                return -1;
        }
    }
    return 0;
}

/* same_turn: x and y are known to be in one turn. */
static inline int roll_before(const roll_item *x, const roll_item *y, int same_turn)
{
    if (!same_turn && x->turn != y->turn)
        return x->turn < y->turn;
    return x->place < y->place;
}

/* sort_roll(a, tmp, n, same_turn): a[0, n) by turn (unless same_turn: all in one), start and end;
 * returns where the result is. Equal items may come in any order: they are merged alike. */
QC_DEFINE_MERGE_SORT(sort_roll, roll_item, roll_before)

/* Fewest quotations for which they are grouped by turn before sorting (a counting sort over the
 * turns they span, then each turn's few sorted apart); fewer are sorted whole. */
#define ROLL_BY_TURN 64

/* Sorts each turn's quotations, tmp[at[t - 1], at[t]) for turn t (from 0), with a as scratch;
 * returns tmp. */
static roll_item *sort_turns(roll_item *a, roll_item *tmp, const size_t *at, size_t turns)
{
    for (size_t t = 0, from = 0; t < turns; from = at[t++]) {
        size_t m = at[t] - from;
        if (m > 1) {
            roll_item *r = sort_roll(tmp + from, a + from, m, 1);
            if (r != tmp + from)
                memcpy(tmp + from, r, m * sizeof *r);
        }
    }
    return tmp;
}

/* s->roll[0, n) (in the coding's order: by code, then place) sorted by turn, start and end;
 * returns where the result is (s->roll or s->roll_tmp). Grouped by turn first when the turns they
 * span are not many more than they are, a counting pass and one scatter where a comparison sort
 * of the whole took a dozen steps an item; else (few quotations, or a speaker's scattered over a
 * long document) sorted whole. NULL when memory is short. */
static roll_item *sort_by_turn(qc_res_prepared *s, size_t n)
{
    roll_item *a = s->roll, *tmp = s->roll_tmp;
    uint32_t tmin = UINT32_MAX, tmax = 0;
    for (size_t i = 0; i < n; i++) {
        tmin = a[i].turn < tmin ? a[i].turn : tmin;
        tmax = a[i].turn > tmax ? a[i].turn : tmax;
    }
    size_t span = n ? (size_t)(tmax - tmin) + 1 : 0;
    if (n < ROLL_BY_TURN || span > 2 * n)
        return sort_roll(a, tmp, n, 0);
    if (QC_GROW(s->turn_at, s->turn_at_cap, span + 1) != 0)
        return NULL;
    size_t *at = s->turn_at;
    memset(at, 0, (span + 1) * sizeof *at);
    for (size_t i = 0; i < n; i++)
        at[a[i].turn - tmin + 1]++;
    for (size_t t = 0; t < span; t++)
        at[t + 1] += at[t];
    for (size_t i = 0; i < n; i++)
        tmp[at[a[i].turn - tmin]++] = a[i];
    /* at[t] is now where turn tmin + t's quotations end, and the next turn's begin */
    return sort_turns(a, tmp, at, span);
}

/* Whether the tally counts quotation q: one of the `codes` codes of the codebook, in one of the
 * `turns` turns of the document. */
static inline int tallied(const qc_quote_rec *q, size_t codes, size_t turns)
{
    return q->code >= 0 && (size_t)q->code < codes && q->turn < turns;
}

static inline roll_item roll_of(const qc_quote_rec *q, size_t i)
{
    return (roll_item){(uint64_t)q->start << 32 | q->end, q->turn, (uint32_t)q->code, q->hit_count, (uint32_t)i};
}

/* The n tallied quotations of a whole document's quotes[0, count), counted by turn into
 * s->turn_at[1 + turn], sorted as sort_by_turn sorts them, but each put in its turn's place
 * straight from the coding: no copy in the coding's order first, nor a pass for the turns they
 * span (the document's). */
static roll_item *place_by_turn(const qc_results *res, const qc_document *doc, const qc_quote_rec *quotes, size_t count,
                                qc_res_prepared *s, size_t n)
{
    size_t turns = doc->turn_count, codes = res->code_count, *at = s->turn_at;
    roll_item *a = s->roll, *tmp = s->roll_tmp;
    if (n < ROLL_BY_TURN || turns > 2 * n) {
        for (size_t i = 0, m = 0; i < count; i++)
            if (tallied(&quotes[i], codes, turns))
                a[m++] = roll_of(&quotes[i], i);
        return sort_roll(a, tmp, n, 0);
    }
    for (size_t t = 0; t < turns; t++)
        at[t + 1] += at[t];
    for (size_t i = 0; i < count; i++)
        if (tallied(&quotes[i], codes, turns))
            tmp[at[quotes[i].turn]++] = roll_of(&quotes[i], i);
    return sort_turns(a, tmp, at, turns);
}

/* Own and rolled-up quotations and hits per slot and code of quotes[0..count) (sorted by code,
 * start, end) into the table acc: slots as the document's speakers (`speakers` is
 * doc->speaker_count), or, with speakers 0, all in row 0 (quotations of one slot). -1 when memory
 * is short.
 *
 * Rolled up: a code's units are the quotations of its subtree, overlapping ones in a turn merged
 * (each starting before the furthest end of those before it in its turn). With the quotations in
 * order of turn, start and end, one pass merges the units of every code at once: a quotation
 * extends or starts the unit of its code and of each code above it, whose state is all a code
 * needs. It took each code's subtree copied and merged apart (a quotation once per code above
 * it), by pairwise merges of its codes' runs. */
static int tally(const qc_results *res, const qc_document *doc, size_t speakers, const qc_quote_rec *quotes,
                 size_t count, qc_res_prepared *s, uint32_t *acc, int whole)
{
    size_t codes = res->code_count, k = codes + 1, turns = doc->turn_count, n = 0;
    size_t *at = NULL;
    if (whole) {
        if (QC_GROW(s->turn_at, s->turn_at_cap, turns + 1) != 0)
            return -1;
        at = s->turn_at;
        memset(at, 0, (turns + 1) * sizeof *at);
    }
    /* In locals: the stores to touched (bytes) could otherwise be any of these, reloaded after
     * each. */
    uint8_t *touched = s->touched;
    roll_item *roll = s->roll;
    const qc_doc_turn *turn_of = doc->turns;
    for (size_t i = 0; i < count; i++) {
        const qc_quote_rec *q = &quotes[i];
        if (!tallied(q, codes, turns))
            continue;
        size_t slot = slot_among(turn_of, q->turn, speakers);
        touched[q->turn] = 1;
        uint32_t *own = &acc[(slot * k + (size_t)q->code) * 4];
        own[0]++;
        own[1] += q->hit_count;
        uint32_t *any = &acc[(slot * k + codes) * 4];
        any[0]++;
        any[1] += q->hit_count;
        if (whole)
            at[q->turn + 1]++;
        else
            roll[n] = roll_of(q, i);
        n++;
    }
    if (!n)
        return 0;
    const roll_item *r = whole ? place_by_turn(res, doc, quotes, count, s, n) : sort_by_turn(s, n);
    if (!r)
        return -1;
    s->sorted = r;
    s->sorted_count = n;
    roll_state *state = s->roll_states;
    const int32_t *parent = res->parent;
    for (size_t c = 0; c < res->code_count; c++)
        state[c] = (roll_state){UINT32_MAX, 0};
    uint32_t turn = UINT32_MAX;
    uint32_t *row = acc;
    for (size_t i = 0; i < n; i++) {
        const roll_item *q = &r[i];
        if (q->turn != turn) {
            turn = q->turn;
            row = &acc[slot_among(doc->turns, turn, speakers) * k * 4];
        }
        uint32_t start = (uint32_t)(q->place >> 32), end = (uint32_t)q->place;
        for (int32_t c = (int32_t)q->code; c >= 0; c = parent[c]) {
            roll_state *st = &state[c];
            uint32_t *rolled = &row[(size_t)c * 4 + 2];
            if (st->turn != turn || start >= st->end) {
                rolled[0]++;
                *st = (roll_state){turn, end};
            } else if (end > st->end) {
                st->end = end;
            }
            rolled[1] += q->hits;
        }
    }
    return 0;
}

/* The sparse tally: the quotations grouped by slot (a turn is one slot's, so rolled-up quotations
 * merge within a slot), each slot's tallied in a dense row of its own whose counted cells are kept,
 * in code order, as the dense table's row would hold them. */
static int tally_sparse(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p)
{
    size_t k = res->code_count + 1, nslots = p->nslots;
    if (QC_GROW(p->slot_quotes, p->slot_quotes_cap, nslots + 1) != 0 ||
        QC_GROW(p->cell_at, p->cell_at_cap, nslots + 1) != 0 || QC_GROW(p->slot_acc, p->slot_acc_cap, k * 4) != 0 ||
        QC_GROW(p->by_slot, p->by_slot_cap, coding->quote_count + 1) != 0)
        return -1;
    /* A counting sort, stable: each slot's quotations stay sorted by code, start, end. Those the
     * dense tally skips (no code of the codebook, no turn) are left out. */
    size_t *at = p->slot_quotes;
    memset(at, 0, (nslots + 1) * sizeof *at);
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code >= 0 && (size_t)q->code < res->code_count && q->turn < doc->turn_count)
            at[slot_among(doc->turns, q->turn, doc->speaker_count) + 1]++;
    }
    size_t most = 0;
    for (size_t slot = 0; slot < nslots; slot++) {
        most = at[slot + 1] > most ? at[slot + 1] : most;
        at[slot + 1] += at[slot];
    }
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code >= 0 && (size_t)q->code < res->code_count && q->turn < doc->turn_count)
            p->by_slot[at[slot_among(doc->turns, q->turn, doc->speaker_count)]++] = (uint32_t)i;
    }
    /* at[slot] is now where the slot's quotations end, and the next slot's begin. */
    if (QC_GROW(p->one_slot, p->one_slot_cap, most + 1) != 0 || QC_GROW(p->roll, p->roll_cap, most + 1) != 0 ||
        QC_GROW(p->roll_tmp, p->roll_tmp_cap, most + 1) != 0)
        return -1;
    uint32_t *row = p->slot_acc;
    memset(row, 0, k * 4 * sizeof *row);
    p->cell_count = 0;
    for (size_t slot = 0; slot < nslots; slot++) {
        p->cell_at[slot] = p->cell_count;
        size_t from = slot ? at[slot - 1] : 0, n = at[slot] - from;
        if (!n)
            continue;
        for (size_t j = 0; j < n; j++)
            p->one_slot[j] = coding->quotes[p->by_slot[from + j]];
        if (tally(res, doc, 0, p->one_slot, n, p, row, 0) != 0)
            return -1;
        /* A code without rolled-up quotations has none in its subtree, own or rolled up. */
        for (size_t c = 0; c < k; c++) {
            uint32_t *t = &row[c * 4];
            if (!t[c < res->code_count ? 2 : 0]) {
                if (c < res->code_count)
                    c = res->subtree_end[c] - 1;
                continue;
            }
            if (p->cell_count == p->cells_cap && QC_GROW(p->cells, p->cells_cap, p->cell_count + 1) != 0)
                return -1;
            tally_cell *cell = &p->cells[p->cell_count++];
            cell->code = (uint32_t)c;
            memcpy(cell->t, t, sizeof cell->t);
            memset(t, 0, sizeof cell->t);
        }
    }
    p->cell_at[nslots] = p->cell_count;
    QC_RELEASE_BIG(p->by_slot, p->by_slot_cap);
    QC_RELEASE_BIG(p->slot_quotes, p->slot_quotes_cap);
    QC_RELEASE_BIG(p->one_slot, p->one_slot_cap);
    return 0;
}

/* The quotations of code c in a mode (0 own, 1 rolled up) at a slot of a sparse tally. */
static uint32_t sparse_quotations(const qc_res_prepared *p, size_t slot, size_t c, int mode)
{
    size_t lo = p->cell_at[slot], hi = p->cell_at[slot + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cells[mid].code < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->cell_at[slot + 1] && p->cells[lo].code == c ? p->cells[lo].t[mode * 2] : 0;
}

/* A slot's row of a sparse tally made dense in s->row (all zeros before), as the dense table's row;
 * with the rows kept, its counts also go to the document's per code (s->doc_sum), where a
 * respondent counts at the first of their slots with quotations of the code, as the dense tally's
 * document block counts them. */
static const uint32_t *sparse_row(const qc_results *res, const qc_res_prepared *p, qc_res_add_scratch *s, size_t slot)
{
    int sum = qc_res_keeps_rows(res);
    for (size_t x = p->cell_at[slot]; x < p->cell_at[slot + 1]; x++) {
        const tally_cell *cell = &p->cells[x];
        memcpy(&s->row[(size_t)cell->code * 4], cell->t, sizeof cell->t);
        if (!sum || cell->code == res->code_count)
            continue;
        qc_res_block_entry *e = &s->doc_sum[cell->code];
        for (int mode = 0; mode < 2; mode++) {
            int fresh = s->resp[slot] >= 0 && cell->t[mode * 2];
            for (long o = s->same_before[slot]; o >= 0 && fresh; o = s->same_before[o])
                fresh = !sparse_quotations(p, (size_t)o, cell->code, mode);
            e->quotations[mode] += cell->t[mode * 2];
            e->hits[mode] += cell->t[mode * 2 + 1];
            e->respondents[mode] += (uint32_t)fresh;
        }
    }
    return s->row;
}

/* Clears what sparse_row set. */
static void sparse_row_clear(const qc_res_prepared *p, qc_res_add_scratch *s, size_t slot)
{
    for (size_t x = p->cell_at[slot]; x < p->cell_at[slot + 1]; x++)
        memset(&s->row[(size_t)p->cells[x].code * 4], 0, sizeof p->cells[x].t);
}

/* Adds one slot's tally of a code in a mode to a cell of a row whose pair bits (the slot's
 * respondent in that row) are at `bits`, NULL for a slot with no respondent. */
static inline void add_cell(qc_res_cell *row, uint64_t *bits, size_t code, int mode, const uint32_t *qh,
                            uint32_t doc_index)
{
    qc_res_cell *cell = &row[code];
    qc_counts *c = &cell->c[mode];
    c->quotations += qh[0];
    c->hits += qh[1];
    if (cell->last_doc[mode] != doc_index + 1) {
        cell->last_doc[mode] = doc_index + 1;
        c->documents++;
    }
    if (!bits)
        return;
    size_t bit = code * 2 + (size_t)mode;
    uint64_t *w = &bits[bit / 64], m = (uint64_t)1 << (bit % 64);
    c->respondents += !(*w & m);
    *w |= m;
}

/* The cells and the pair bits of a slot's rows (the corpus, then its attribute values): found
 * once a slot rather than once a (code, mode, row), and only for a slot with quotations, so that
 * no row gets cells it would not have had. The row count, or -1 when memory is short. */
static int slot_rows(qc_results *res, const long *pairs, const long *vrows, size_t ac, qc_res_cell **rows,
                     uint64_t **bits)
{
    size_t n = 0;
    for (size_t k = 0; k <= ac; k++) {
        if (k && vrows[k - 1] < 0)
            continue;
        qc_res_cell *row = qc_res_cell_get(res, k ? (uint32_t)vrows[k - 1] : 0, 0);
        if (!row)
            return -1;
        rows[n] = row;
        bits[n++] = pairs[k] >= 0 ? &res->pair_bits[(size_t)pairs[k] * res->pair_words] : NULL;
    }
    return (int)n;
}

static int cmp_by_resp(const void *a, const void *b)
{
    const struct slot_resp *x = a, *y = b;
    if (x->resp != y->resp)
        return x->resp < y->resp ? -1 : 1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* s->same_before for the slots of the document: each slot with a respondent linked to the
 * previous slot of that respondent. */
static int link_same_respondents(qc_res_add_scratch *s, size_t nslots)
{
    if (QC_GROW(s->same_before, s->same_cap, nslots) != 0 || QC_GROW(s->by_resp, s->by_resp_cap, nslots) != 0)
        return -1;
    for (size_t i = 0; i < nslots; i++) {
        s->by_resp[i] = (struct slot_resp){s->resp[i], (long)i};
        s->same_before[i] = -1;
    }
    qsort(s->by_resp, nslots, sizeof *s->by_resp, cmp_by_resp);
    for (size_t i = 1; i < nslots; i++)
        if (s->by_resp[i].resp >= 0 && s->by_resp[i].resp == s->by_resp[i - 1].resp)
            s->same_before[s->by_resp[i].slot] = s->by_resp[i - 1].slot;
    return 0;
}

/* A sparse tally's scratch for flush: a clear row, and with the rows kept, the document's counts
 * per code at zero and the slots of each respondent linked. */
static int sparse_ready(const qc_results *res, qc_res_add_scratch *s, size_t nslots)
{
    size_t k = res->code_count + 1;
    if (QC_GROW(s->row, s->row_cap, k * 4) != 0 || QC_GROW(s->doc_sum, s->doc_sum_cap, k) != 0)
        return -1;
    memset(s->row, 0, k * 4 * sizeof *s->row);
    if (!qc_res_keeps_rows(res))
        return 0;
    for (size_t c = 0; c < k; c++)
        s->doc_sum[c] = (qc_res_block_entry){(uint32_t)c, {0, 0}, {0, 0}, {0, 0}};
    return link_same_respondents(s, nslots);
}

/* The document's counts of code c from a dense tally: the slots summed; respondents are the
 * distinct respondents of the slots with quotations (`s1` and `S1` are two slots of one
 * respondent; unlabelled text among labelled speakers is none). */
static inline qc_res_block_entry dense_doc_entry(const qc_res_prepared *p, const qc_res_add_scratch *s, size_t nslots,
                                                 size_t k, size_t c)
{
    qc_res_block_entry e = {(uint32_t)c, {0, 0}, {0, 0}, {0, 0}};
    for (size_t slot = 0; slot < nslots; slot++) {
        const uint32_t *t = &p->acc[(slot * k + c) * 4];
        for (int mode = 0; mode < 2; mode++) {
            /* a respondent with quotations of the code, not counted at an earlier slot of theirs
             * (a chain of the slots sharing a respondent: one slot each but for spellings, so
             * a survey of 10,000 respondents in one file is not 10,000² steps a code) */
            int fresh = s->resp[slot] >= 0 && t[mode * 2];
            for (long o = s->same_before[slot]; o >= 0 && fresh; o = s->same_before[o])
                fresh = !p->acc[((size_t)o * k + c) * 4 + (size_t)mode * 2];
            e.quotations[mode] += t[mode * 2];
            e.hits[mode] += t[mode * 2 + 1];
            e.respondents[mode] += (uint32_t)fresh;
        }
    }
    return e;
}

/* Moves the tally into the corpus and attribute-value cells, and writes the document's and each
 * speaker's counts to the rows file. */
static int flush(qc_results *res, const qc_res_prepared *p, qc_res_doc *d, uint32_t doc_index, size_t nslots, size_t ac)
{
    qc_res_add_scratch *s = res->scratch;
    size_t k = res->code_count + 1;
    if (p->sparse && sparse_ready(res, s, nslots) != 0)
        return -1;
    for (size_t slot = 0; slot < nslots; slot++) {
        /* A slot with no respondent (unlabelled text among labelled speakers) still counts its
         * quotations, in no respondent's bits, rows or blocks. */
        int resp = s->resp[slot] >= 0;
        const long *pairs = &s->pairs[slot * (1 + ac)];
        const long *vrows = &s->vrows[slot * ac];
        const uint32_t *acc = p->sparse ? sparse_row(res, p, s, slot) : &p->acc[slot * k * 4];
        qc_res_cell **rows = s->rows;
        uint64_t **bits = s->bits;
        int nrows = 0; /* rows and bits not found yet */
        size_t n = 0;
        for (size_t c = 0; c < res->code_count; c++) {
            const uint32_t *t = &acc[c * 4];
            if (!t[0] && !t[2])
                continue;
            for (int mode = 0; mode < 2; mode++) {
                const uint32_t *qh = &t[mode * 2];
                if (!qh[0])
                    continue;
                if (!nrows && (nrows = slot_rows(res, pairs, vrows, ac, rows, bits)) < 0)
                    return -1;
                for (int r = 0; r < nrows; r++)
                    add_cell(rows[r], bits[r], c, mode, qh, doc_index);
            }
            if (!resp || !qc_res_keeps_rows(res))
                continue;
            s->entries[n++] = (qc_res_block_entry){(uint32_t)c, {t[0], t[2]}, {t[1], t[3]}, {t[0] != 0, t[2] != 0}};
            qc_res_code_row row = {
                doc_index, (uint32_t)s->resp[slot], {t[0], t[2]}, {t[1], t[3]}, {t[0] != 0, t[2] != 0}};
            if (qc_chunklog_add(res->code_rows, c, &row, sizeof row) != 0)
                return -1;
        }
        /* The corpus total: quotations of any code. */
        const uint32_t *any = &acc[res->code_count * 4];
        if (any[0]) {
            if (!nrows && (nrows = slot_rows(res, pairs, vrows, ac, rows, bits)) < 0)
                return -1;
            add_cell(rows[0], bits[0], res->code_count, 0, any, doc_index);
        }
        if (n) { /* only a slot with a respondent has entries */
            qc_res_respondent *r = &res->resps[s->resp[slot]];
            if (QC_GROW(r->blocks, r->block_cap, r->block_count + 1) != 0 ||
                qc_res_rows_append(res, s->entries, n, doc_index, &r->blocks[r->block_count]) != 0)
                return -1;
            r->block_count++;
        }
        if (p->sparse)
            sparse_row_clear(p, s, slot);
    }

    if (!qc_res_keeps_rows(res))
        return 0;
    /* The document's own block (a sparse tally's was summed slot by slot, by sparse_row). */
    if (!p->sparse && link_same_respondents(s, nslots) != 0)
        return -1;
    size_t n = 0;
    for (size_t c = 0; c < res->code_count; c++) {
        qc_res_block_entry e = p->sparse ? s->doc_sum[c] : dense_doc_entry(p, s, nslots, k, c);
        if (!e.quotations[0] && !e.quotations[1])
            continue;
        s->entries[n++] = e;
        qc_res_code_row row = {doc_index,
                               QC_NONE32,
                               {e.quotations[0], e.quotations[1]},
                               {e.hits[0], e.hits[1]},
                               {e.respondents[0], e.respondents[1]}};
        if (qc_chunklog_add(res->code_rows, c, &row, sizeof row) != 0)
            return -1;
    }
    return qc_res_rows_append(res, s->entries, n, doc_index, &d->block);
}

/* Code points a bucket of the sentence index. */
#define SENT_BUCKET_SHIFT 6

/* Most codes of a sentence sorted by insertion when they come out of order by place; past it the
 * general way sorts them (its counting sort keeps the coding's order: by code). */
#define SENT_CODES_UNSORTED 16

/* Ends the sentence whose count is at out[0] and codes at out[1, m]: sorted, made distinct and
 * counted. Its length (1 + distinct codes), or 0 when they are too many out of order. */
static size_t sentence_codes_end(uint32_t *out, size_t m)
{
    uint32_t *codes = out + 1;
    int ascending = 1;
    for (size_t x = 1; x < m; x++)
        ascending &= codes[x - 1] <= codes[x];
    if (!ascending && m > SENT_CODES_UNSORTED)
        return 0;

    for (size_t x = 1; x < m && !ascending; x++) {
        uint32_t c = codes[x];
        size_t y = x;
        for (; y > 0 && codes[y - 1] > c; y--)
            codes[y] = codes[y - 1];
        codes[y] = c;
    }
    uint32_t w = 0;
    for (size_t x = 1; x < m; x++)
        if (codes[x] != codes[w])
            codes[++w] = codes[x];
    out[0] = w + 1;
    return (size_t)w + 2;
}

/* Co-occurrence from the tally's quotations (s->sorted, every one of the coding's), which come by
 * place: each one's first sentence is a walk on from the one before's, and the sentences' codes
 * come grouped by sentence, mostly ascending, straight into s->cooc. The bucket index, the pairs
 * and their counting sort of the general way (cooccurrence) took 45 million instructions of the
 * 20 MB benchmark. 1 (s->cooc_count left for the caller to reset) when they do not come so: a
 * quotation starting before the one before it (turns out of place order), a quotation over several
 * sentences overlapping the next one's, or a sentence of too many codes out of order. */
static int cooccurrence_by_place(const qc_document *doc, qc_res_prepared *s)
{
    const roll_item *r = s->sorted;
    const qc_doc_unit *sent = doc->sentences;
    size_t n = s->sorted_count, nsent = doc->sentence_count, a = 0, len = 0, head = 0;
    uint32_t last_start = 0, cur = 0;
    int open = 0;
    uint32_t *out = s->cooc;
    for (size_t i = 0; i < n; i++) {
        uint32_t qs = (uint32_t)(r[i].place >> 32), qe = (uint32_t)r[i].place;
        if (qs < last_start)
            return 1;
        last_start = qs;
        while (a < nsent && sent[a].end <= qs) /* the first ending after the start */
            a++;
        for (size_t k = a; k < nsent && sent[k].start < qe; k++) {
            if (sent[k].end <= sent[k].start && qs != qe)
                continue;
            if (len + 2 > s->cooc_cap) {
                if (QC_GROW(s->cooc, s->cooc_cap, len + 2) != 0)
                    return -1;
                out = s->cooc;
            }
            if (!open || k != cur) {
                if (open) {
                    size_t m = k > cur ? sentence_codes_end(out + head, len - head - 1) : 0;
                    if (!m)
                        return 1;
                    len = head + m;
                }
                head = len++;
                cur = (uint32_t)k;
                open = 1;
            }
            out[len++] = r[i].code;
        }
    }
    if (open) {
        size_t m = sentence_codes_end(out + head, len - head - 1);
        if (!m)
            return 1;
        len = head + m;
    }
    s->cooc_count = len;
    return 0;
}

/* Co-occurrence: the (sentence, code) pairs of own quotations, as the cells to bump. */
static int cooccurrence(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *s)
{
    if (!coding->quote_count)
        return 0;
    if (s->sorted && s->sorted_count == coding->quote_count) {
        int rc = cooccurrence_by_place(doc, s);
        if (rc <= 0)
            return rc;
        s->cooc_count = 0;
    }
    /* The first sentence ending after each bucket's first code point, so that a quotation's first
     * sentence is a step or two from its bucket's: a binary search over the sentences for each
     * quotation (mispredicted at every level) was a third of preparing a document. Sentence ends
     * ascend, as the search assumed too. */
    size_t nsent = doc->sentence_count;
    size_t nb = (doc->length >> SENT_BUCKET_SHIFT) + 1;
    if (QC_GROW(s->sent_at, s->sent_at_cap, nb) != 0)
        return -1;
    for (size_t bk = 0, k = 0; bk < nb; bk++) {
        size_t at = bk << SENT_BUCKET_SHIFT;
        while (k < nsent && doc->sentences[k].end <= at)
            k++;
        s->sent_at[bk] = (uint32_t)k;
    }
    size_t count = 0;
    int ascending = 1; /* the pairs come by code, as the coding's quotations do */
    /* In locals: the pairs' stores could otherwise be the sentences' bytes, reloaded after each. */
    const qc_doc_unit *sent = doc->sentences;
    const uint32_t *sent_at = s->sent_at;
    sent_code *sc = s->sc;
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code < 0 || (size_t)q->code >= res->code_count)
            continue;
        if (i && q->code < coding->quotes[i - 1].code)
            ascending = 0;
        size_t bk = q->start >> SENT_BUCKET_SHIFT;
        size_t a = sent_at[bk < nb ? bk : nb - 1];
        uint32_t qs = q->start, qe = q->end, code = (uint32_t)q->code;
        while (a < nsent && sent[a].end <= qs) /* the first ending after the start */
            a++;
        for (size_t k = a; k < nsent && sent[k].start < qe; k++) {
            if (sent[k].end <= sent[k].start && qs != qe)
                continue;
            if (count == s->sc_cap) { /* a call to qc_grow a pair was 2 % of preparing */
                if (QC_GROW(s->sc, s->sc_cap, count + 1) != 0)
                    return -1;
                sc = s->sc;
            }
            sc[count++] = (sent_code){(uint32_t)k, code};
        }
    }
    if (!count)
        return 0;
    /* Grouped by sentence with a counting sort (sentences are few, pairs many: a comparison sort
     * of the pairs was a twentieth of a run), which is stable: each sentence's codes ascend as the
     * pairs came, and are sorted by insertion only when they came otherwise. */
    if (QC_GROW(s->sent_start, s->sent_start_cap, nsent + 1) != 0 ||
        QC_GROW(s->sent_codes, s->sent_codes_cap, count) != 0 || QC_GROW(s->cooc, s->cooc_cap, 2 * count) != 0)
        return -1;
    uint32_t *start = s->sent_start, *codes = s->sent_codes;
    memset(start, 0, (nsent + 1) * sizeof *start);
    for (size_t i = 0; i < count; i++)
        start[s->sc[i].sentence + 1]++;
    for (size_t k = 0; k < nsent; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < count; i++)
        codes[start[s->sc[i].sentence]++] = s->sc[i].code;
    /* start[k] is now the end of sentence k's codes, which begin where sentence k - 1's end. */
    uint32_t from = 0;
    for (size_t k = 0; k < nsent; k++) {
        uint32_t to = start[k];
        if (from == to)
            continue;
        for (uint32_t x = from + 1; x < to && !ascending; x++) {
            uint32_t c = codes[x], y = x;
            for (; y > from && codes[y - 1] > c; y--)
                codes[y] = codes[y - 1];
            codes[y] = c;
        }
        /* the distinct codes, after their count */
        uint32_t *out = s->cooc + s->cooc_count, w = 1;
        out[1] = codes[from];
        for (uint32_t x = from + 1; x < to; x++)
            if (codes[x] != out[w])
                out[++w] = codes[x];
        out[0] = w;
        s->cooc_count += 1 + w;
        from = to;
    }
    return 0;
}

static void uncoded(const qc_document *doc, qc_res_prepared *p)
{
    const uint8_t *touched = p->touched;
    for (size_t t = 0; t < doc->turn_count; t++) {
        const qc_doc_turn *turn = &doc->turns[t];
        if (turn->role == QC_ROLE_INTERVIEWER)
            continue;
        uint64_t len = turn->end > turn->start ? turn->end - turn->start : 0;
        p->participant_turns++;
        p->participant_length += len;
        if (!touched[t]) {
            p->uncoded_turns++;
            p->uncoded_length += len;
        }
    }
}

int qc_res_prepare(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p)
{
    p->doc = NULL;
    p->coding = NULL;
    if (coding->codebook && coding->codebook != res->cb)
        return -1;
    if (prep_ready(res, doc, coding, p, doc->speaker_count + 1) != 0)
        return -1;
    p->sorted = NULL;
    p->sorted_count = 0;
    if (!p->sparse ? tally(res, doc, doc->speaker_count, coding->quotes, coding->quote_count, p, p->acc, 1) != 0
                   : tally_sparse(res, doc, coding, p) != 0)
        return -1;
    if (p->sparse)
        p->sorted = NULL; /* a slot's quotations at a time */
    if (cooccurrence(res, doc, coding, p) != 0)
        return -1;
    /* The co-occurrence's scratch (alloc.h: QC_SCRATCH_KEEP); the tally's after the spans. */
    QC_RELEASE_BIG(p->turn_at, p->turn_at_cap);
    QC_RELEASE_BIG(p->sc, p->sc_cap);
    QC_RELEASE_BIG(p->sent_start, p->sent_start_cap);
    QC_RELEASE_BIG(p->sent_codes, p->sent_codes_cap);
    QC_RELEASE_BIG(p->sent_at, p->sent_at_cap);
    uncoded(doc, p);
    /* Records nobody will read are not made, nor the digest of a coding nobody will write:
     * counts-only results keep neither. */
    if (!res->counts_only) {
        qc_coding_records_hash(coding, p->records);
        if (qc_spill_prepare(res, doc, coding, p) != 0)
            return -1;
        if (res->stream && qc_res_render_spans(res, doc, coding, p) != 0)
            return -1;
    }
    p->sorted = NULL;
    QC_RELEASE_BIG(p->roll, p->roll_cap);
    QC_RELEASE_BIG(p->roll_tmp, p->roll_tmp_cap);
    p->doc = doc;
    p->coding = coding;
    return 0;
}

/* A header key is an identifier, as a casebook column is (qc_casebook_attribute_is_identifier),
 * once more than QC_CASEBOOK_IDENTIFIER_MIN documents have each given it a value no document
 * before them gave (a recording's file name, an interview number, a duration): the breakdown by it
 * stops and its rows are freed. Documents come in input order, so the decision is the same
 * whatever the jobs; a value met again before that makes the key a group for good. A key that is
 * also a casebook column is decided by the casebook. */
static int header_identifier(qc_results *res, size_t a, const char *value)
{
    qc_res_attr *at = &res->attrs[a];
    if (at->casebook_index >= 0 || at->shared || !value[0])
        return 0;
    if (qc_strmap_get(&at->value_map, value) >= 0)
        at->shared = 1; /* a document before this one gave it */
    else if (at->value_count >= QC_CASEBOOK_IDENTIFIER_MIN)
        return qc_res_attr_drop(res, a);
    return 0;
}

static int add_counts(qc_results *res, const qc_document *doc, const qc_res_prepared *p, uint32_t doc_index)
{
    /* New header keys become attributes, but for `title` and `date`: every document has its own,
     * so as breakdowns they would repeat byDocument with a row of counts per document (memory that
     * grows with the corpus); they stay in the document's metadata (docs/results.md). A key named
     * as a casebook's identifier column is that column, not broken down either. */
    for (size_t i = 0; i < doc->attr_count; i++) {
        const char *key = doc->attr_keys[i];
        if (strcasecmp(key, "title") == 0 || strcasecmp(key, "date") == 0 ||
            qc_strmap_get(&res->unbroken_map, key) >= 0)
            continue;
        long a = qc_strmap_get(&res->attr_map, key);
        if (a < 0) {
            if (qc_res_attr_add(res, key, -1) != 0)
                return -1;
            a = (long)res->attr_count - 1;
        }
        if (header_identifier(res, (size_t)a, doc->attr_values[i]) != 0)
            return -1;
    }
    size_t ac = res->attr_count;
    size_t nslots = p->nslots;
    if (scratch_ready(res, nslots, ac) != 0 || prepare_slots(res, doc, doc_index, nslots, ac) != 0)
        return -1;
    if (flush(res, p, &res->docs[doc_index], doc_index, nslots, ac) != 0)
        return -1;
    /* Each sentence's codes ascend: code x's pairs with the codes after it lie in row x. */
    for (size_t i = 0; i < p->cooc_count;) {
        uint32_t w = p->cooc[i++];
        const uint32_t *codes = p->cooc + i;
        for (uint32_t x = 0; x < w; x++) {
            uint64_t *row = res->cooc + (qc_res_tri_index(res->code_count, codes[x], codes[x]) - codes[x]);
            for (uint32_t y = x; y < w; y++)
                row[codes[y]]++;
        }
        i += w;
    }
    res->uncoded.participant_turns += p->participant_turns;
    res->uncoded.participant_length += p->participant_length;
    res->uncoded.uncoded_turns += p->uncoded_turns;
    res->uncoded.uncoded_length += p->uncoded_length;
    return 0;
}

/* Keys d (the document just copied) as results.xml gives ids back, keeping that form in d->id_read
 * when it differs, and refuses an id results already hold: two file names that differ only in
 * bytes XML cannot carry (not UTF-8) would be one id there, a file no reader takes. 0, or the
 * error (QC_ERR_INVALID, or out of memory). */
static int key_id(const qc_results *res, qc_res_doc *d, const char **key, qc_error *err)
{
    qc_buf shown = QC_BUF_INIT;
    *key = qc_xml_read_form(d->id, &shown);
    if (*key && *key != d->id)
        *key = d->id_read = qc_buf_detach(&shown);
    qc_buf_free(&shown);
    if (!*key)
        return qc_error_nomem(err);
    long dup = qc_strmap_get(&res->doc_ids, *key);
    if (dup < 0)
        return 0;
    if (!d->id_read)
        return qc_error_set(err, QC_ERR_INVALID, d->path, 0, 0, -1, "document id '%s' is already used by %s", d->id,
                            res->docs[dup].path);
    return qc_error_set(err, QC_ERR_INVALID, d->path, 0, 0, -1,
                        "document id '%s' is already used by %s: results.xml cannot carry the bytes of a file name "
                        "that is not UTF-8, so both read back alike; rename one",
                        *key, res->docs[dup].path);
}

int qc_results_add(qc_results *res, const qc_document *doc, const qc_coding *coding, const qc_source_info *src,
                   qc_error *err)
{
    if (!res || !doc || !coding)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no results, document or coding given");
    if (coding->codebook && coding->codebook != res->cb)
        return qc_error_set(err, QC_ERR_INVALID, doc->path, 0, 0, -1, "the coding was made with another codebook");
    if (res->stream_only && !res->stream)
        return qc_error_set(err, QC_ERR_INVALID, doc->path, 0, 0, -1,
                            "stream-only results need qc_results_stream_xml before their first document");
    if (res->doc_count >= UINT32_MAX - 1)
        return qc_error_set(err, QC_ERR_LIMIT, doc->path, 0, 0, -1, "too many documents");
    if (QC_GROW(res->docs, res->doc_cap, res->doc_count + 1) != 0)
        return qc_error_nomem(err);
    qc_res_doc *d = &res->docs[res->doc_count];
    const char *key = NULL;
    int rc = copy_doc(d, doc, coding, src) != 0 ? qc_error_nomem(err) : key_id(res, d, &key, err);
    /* Prepared on a worker (the corpus runner offers it), or here. */
    const qc_res_prepared *p = res->offered;
    if (!rc && (!p || p->doc != doc || p->coding != coding)) {
        if ((!res->own_prep && !(res->own_prep = qc_calloc(1, sizeof *res->own_prep))) ||
            (res->own_prep->on_writer = 1, qc_res_prepare(res, doc, coding, res->own_prep) != 0))
            rc = qc_error_nomem(err);
        p = res->own_prep;
    }
    if (!rc && qc_strmap_put(&res->doc_ids, key, (uint32_t)res->doc_count) != 0)
        rc = qc_error_nomem(err);
    if (rc) {
        qc_res_doc_free(d);
        return rc;
    }
    if (!res->counts_only)
        qc_coding_digest(doc, src ? src->sha256 : NULL, p->records, d->coding_sha256);
    uint32_t doc_index = (uint32_t)res->doc_count++;

    /* From here on a failure leaves the counts half-updated: the results are then only fit to be
     * freed, which the error says. */
    if (add_counts(res, doc, p, doc_index) != 0) {
        int why = res->rows_fp && ferror(res->rows_fp) ? (res->rows_errno ? res->rows_errno : EIO)
                  : res->code_rows                     ? res->code_rows->failed
                                                       : 0;
        return why ? qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot write the temporary counts file: %s",
                                  strerror(why))
                   : qc_error_nomem(err);
    }
    if (res->counts_only)
        return QC_OK;
    rc = qc_spill_merge(res, p, doc_index, err);
    return rc == QC_OK && res->stream ? qc_res_stream_document(res, doc_index, doc, coding, p, err) : rc;
}

int qc_results_add_fn(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                      qc_error *err)
{
    return qc_results_add(user, doc, coding, src, err);
}
