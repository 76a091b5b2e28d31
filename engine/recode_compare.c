/* qcode recode's comparison: the old side's quotations placed under their codes' successors, then
 * compared with the new side's, code by code. A quotation's identity (code, document, start, end)
 * holds its document, so documents may be compared one at a time as a run delivers them: memory
 * then follows one document and the changes, not the corpus (qc_rq_compare_add). */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cache.h"
#include "codebook_diff.h"
#include "codebook_impl.h"
#include "recode.h"

/* A quotation placed under a new code: the new code, then document and span; `origin` the old
 * slot (before side) and `how` the lineage kind. */
typedef struct placed {
    uint32_t code, doc, start, end;
    size_t text;
    uint32_t origin;
    unsigned how;
} placed;

/* What qc_rq_compare_begin works out once: each old code's successors, the rows, and scratch
 * arrays kept from one batch of documents to the next. */
struct qc_rq_cmp {
    size_t *succ_first;    /* old slot -> first of its successors in succ_all; no + 1 entries */
    size_t *succ_all;      /* new code indexes */
    unsigned *how_all;     /* the lineage kind of each */
    uint8_t *refs_changed; /* new code: a code it uses with {REF} changed (once refs_known) */
    int refs_known;
    size_t *removed_row;   /* old slot -> its row when removed, else SIZE_MAX */
    placed *before, *after, *tmp;
    size_t before_cap, after_cap, tmp_cap;
    size_t *code_start; /* counting sort by code: code_count + 2 */
};

static int cmp_placed(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->origin < y->origin ? -1 : x->origin > y->origin;
}

/* Sorts a[0..n) by cmp_placed, codes being below code_count. Both sides arrive nearly in order
 * (document by document, or code by code from a results.xml, each in text order), so a stable
 * counting sort by code leaves each code's run sorted but for codes fed by several old codes
 * (merges, splits), whose runs alone are sorted again. Measured 2026-12-04 on the benchmark's warm
 * re-code: the two qsorts of 365,000 quotations each were 7-8 % of its profile. */
static int sort_placed(qc_rq_cmp *c, placed *a, size_t n, size_t code_count)
{
    if (n == 0)
        return QC_OK;
    for (size_t i = 0; i < n; i++)
        if (a[i].code >= code_count) { /* never: every code is the new codebook's */
            qsort(a, n, sizeof *a, cmp_placed);
            return QC_OK;
        }
    /* A document's side whose codes kept their order (every code of an unchanged codebook, most
     * of a revised one) is in order already: the counting sort would leave it as it is. */
    size_t ordered = 1;
    while (ordered < n && cmp_placed(&a[ordered - 1], &a[ordered]) <= 0)
        ordered++;
    if (ordered >= n)
        return QC_OK;
    if (QC_GROW(c->tmp, c->tmp_cap, n))
        return QC_ERR_NOMEM;
    size_t *start = c->code_start;
    memset(start, 0, (code_count + 2) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[a[i].code + 1]++;
    for (size_t k = 0; k < code_count; k++)
        start[k + 1] += start[k];
    for (size_t i = 0; i < n; i++)
        c->tmp[start[a[i].code]++] = a[i];
    memcpy(a, c->tmp, n * sizeof *a);
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        int sorted = 1;
        for (; hi < n && a[hi].code == a[lo].code; hi++)
            sorted &= cmp_placed(&a[hi - 1], &a[hi]) <= 0;
        if (!sorted)
            qsort(a + lo, hi - lo, sizeof *a, cmp_placed);
        lo = hi;
    }
    return QC_OK;
}

static int doc_changed(const qc_recode *rc, uint32_t d)
{
    const qc_rq_doc *doc = &rc->docs[d];
    if (!doc->in_old || !doc->in_new)
        return 1;
    return doc->old_sha[0] && doc->new_sha[0] && strcmp(doc->old_sha, doc->new_sha) != 0;
}

/* What changed about new code n as a whole, from the diff (or, without an old codebook, from the
 * lineage alone). */
static unsigned row_kinds(const qc_recode *rc, size_t n, const unsigned *how_of_row)
{
    unsigned kinds = how_of_row[n];
    if (!rc->diff)
        return kinds;
    for (size_t i = 0; i < qc_codebook_diff_count(rc->diff); i++) {
        qc_code_change c;
        qc_codebook_diff_get(rc->diff, i, &c);
        if (c.new_code == (long)n)
            kinds |= c.kinds;
    }
    return kinds;
}

static int has_conditions(const qc_codebook *cb)
{
    for (size_t i = 0; i < cb->code_count; i++)
        if (cb->codes[i].condition_count)
            return 1;
    return 0;
}

static qc_recode_reason reason_of(const qc_recode *rc, uint32_t doc, unsigned kinds, int refs_changed)
{
    /* Not "document changed": the file may be as it was, left out of the corpus or unreadable now
     * (told on stderr), and the researcher looks for it, not for an edit. */
    if (rc->docs[doc].in_old && !rc->docs[doc].in_new)
        return QC_REASON_NOT_READ;
    if (doc_changed(rc, doc))
        return QC_REASON_DOCUMENT;
    if (kinds & QC_CHANGE_ADDED)
        return QC_REASON_ADDED;
    if (kinds & (QC_CHANGE_RULES | QC_CHANGE_SETTINGS))
        return QC_REASON_RULES;
    if (refs_changed)
        return QC_REASON_REFERENCE;
    if (kinds & QC_CHANGE_MERGED)
        return QC_REASON_MERGED;
    if (kinds & QC_CHANGE_SPLIT)
        return QC_REASON_SPLIT;
    /* Another casebook: `where` conditions hold for other turns. */
    if (rc->casebook_changed && has_conditions(rc->new_cb))
        return QC_REASON_CASEBOOK;
    /* Without the old codebook the rules cannot be compared: a difference on an unchanged
     * document can only come from them. */
    if (!rc->old_cb)
        return QC_REASON_RULES;
    return QC_REASON_UNEXPLAINED;
}

static int add_event(qc_recode *rc, size_t row, const placed *p, int gained, qc_recode_reason reason)
{
    if (QC_GROW(rc->events, rc->event_cap, rc->event_count + 1))
        return QC_ERR_NOMEM;
    qc_rq_event *e = &rc->events[rc->event_count++];
    e->q = (qc_rq){p->code, p->doc, p->start, p->end, p->text};
    e->gained = (uint8_t)gained;
    e->reason = (uint8_t)reason;
    e->origin = gained ? UINT32_MAX : p->origin;
    e->row = row;
    return QC_OK;
}

static void free_tables(qc_recode *rc)
{
    qc_rq_cmp *c = rc->cmp;
    if (c) {
        qc_free(c->succ_first);
        qc_free(c->succ_all);
        qc_free(c->how_all);
        qc_free(c->refs_changed);
        qc_free(c->removed_row);
        qc_free(c->before);
        qc_free(c->after);
        qc_free(c->tmp);
        qc_free(c->code_start);
        qc_free(c);
    }
    rc->cmp = NULL;
}

void qc_rq_compare_free(qc_recode *rc)
{
    free_tables(rc);
    rc->row_count = 0;
    rc->event_count = 0;
}

/* Each old code's successors, the {REF} dependencies that moved, and the rows: one per new code,
 * then one per removed old code. */
static int lineage(qc_recode *rc, qc_rq_cmp *c)
{
    const qc_codebook *ncb = rc->new_cb;
    size_t nn = ncb->code_count, no = rc->old_id_count;
    size_t *succ = qc_calloc(nn + 1, sizeof *succ);
    unsigned *how = qc_calloc(nn + 1, sizeof *how);
    unsigned *how_of_row = qc_calloc(nn + 1, sizeof *how_of_row);
    qc_buf *from = qc_calloc(nn + 1, sizeof *from);
    uint8_t *reached = qc_calloc(nn + 1, 1);
    size_t succ_cap = 0, how_cap = 0, succ_total = 0;
    int st = (!succ || !how || !how_of_row || !from || !reached) ? QC_ERR_NOMEM : 0;

    for (size_t o = 0; o < no && !st; o++) {
        c->succ_first[o] = succ_total;
        size_t k = rc->old_ids[o]
                       ? qc_lineage_successors(ncb, rc->old_ids[o], qc_recode_old_has, rc, rc->old_cb, succ, how, nn)
                       : 0;
        if (QC_GROW(c->succ_all, succ_cap, succ_total + k + 1) || QC_GROW(c->how_all, how_cap, succ_total + k + 1)) {
            st = QC_ERR_NOMEM;
            break;
        }
        for (size_t i = 0; i < k; i++) {
            c->succ_all[succ_total] = succ[i];
            c->how_all[succ_total++] = how[i];
            how_of_row[succ[i]] |= how[i];
            reached[succ[i]] = 1;
            qc_buf_printf(&from[succ[i]], "%s%s", from[succ[i]].len ? " " : "", rc->old_ids[o]);
        }
    }
    if (!st)
        c->succ_first[no] = succ_total;
    for (size_t n = 0; n < nn && !st; n++)
        if (!reached[n])
            how_of_row[n] |= QC_CHANGE_ADDED;

    for (size_t n = 0; n < nn && !st; n++) {
        if (QC_GROW(rc->rows, rc->row_cap, rc->row_count + 1) || qc_buf_failed(&from[n])) {
            st = QC_ERR_NOMEM; /* (a failed list would read as no predecessor) */
            break;
        }
        qc_rq_row *row = &rc->rows[rc->row_count++];
        memset(row, 0, sizeof *row);
        row->new_code = (long)n;
        row->old_slot = UINT32_MAX;
        row->kinds = row_kinds(rc, n, how_of_row);
        row->from = qc_rq_pool_add(rc, qc_buf_cstr(&from[n]), from[n].len);
    }
    /* Removed codes: every quotation lost. */
    for (size_t o = 0; o < no && !st; o++) {
        c->removed_row[o] = SIZE_MAX;
        if (!rc->old_ids[o] || c->succ_first[o] != c->succ_first[o + 1])
            continue;
        if (QC_GROW(rc->rows, rc->row_cap, rc->row_count + 1)) {
            st = QC_ERR_NOMEM;
            break;
        }
        c->removed_row[o] = rc->row_count;
        qc_rq_row *row = &rc->rows[rc->row_count++];
        memset(row, 0, sizeof *row);
        row->new_code = -1;
        row->old_slot = (uint32_t)o;
        row->kinds = QC_CHANGE_REMOVED;
    }
    for (size_t n = 0; from && n < nn; n++)
        qc_buf_free(&from[n]);
    qc_free(from);
    qc_free(succ);
    qc_free(how);
    qc_free(how_of_row);
    qc_free(reached);
    if (!st && qc_buf_failed(&rc->pool))
        st = QC_ERR_NOMEM;
    return st;
}

int qc_rq_compare_begin(qc_recode *rc)
{
    qc_rq_compare_free(rc);
    size_t nn = rc->new_cb->code_count, no = rc->old_id_count;
    qc_rq_cmp *c = rc->cmp = qc_calloc(1, sizeof *c);
    if (!c)
        return QC_ERR_NOMEM;
    c->succ_first = qc_calloc(no + 1, sizeof *c->succ_first);
    c->refs_changed = qc_calloc(nn + 1, 1);
    c->removed_row = qc_calloc(no + 1, sizeof *c->removed_row);
    c->code_start = qc_calloc(nn + 2, sizeof *c->code_start);
    if (!c->succ_first || !c->refs_changed || !c->removed_row || !c->code_start)
        return QC_ERR_NOMEM;
    return lineage(rc, c);
}

/* {REF} dependencies: a code whose hash moved though its own lines did not. Found at the first
 * document whose two sides differ (the reasons of its gains and losses need them): a re-code whose
 * revision changed nothing in any document never needs them, and hashing both codebooks' codes
 * was 22 million instructions of the benchmark's warm re-code. */
static int find_refs_changed(qc_recode *rc, qc_rq_cmp *c)
{
    if (c->refs_known)
        return QC_OK;
    const qc_codebook *ncb = rc->new_cb;
    size_t nn = ncb->code_count;
    int st = QC_OK;
    if (rc->old_cb) {
        uint8_t(*oh)[32] = qc_calloc(rc->old_cb->code_count + 1, 32);
        uint8_t(*nh)[32] = qc_calloc(nn + 1, 32);
        if (!oh || !nh || qc_code_hashes(rc->old_cb, NULL, oh, NULL) || qc_code_hashes(ncb, NULL, nh, NULL))
            st = QC_ERR_NOMEM;
        for (size_t n = 0; n < nn && !st; n++) {
            long o = qc_codebook_find(rc->old_cb, ncb->codes[n].id);
            if (o >= 0 && memcmp(oh[o], nh[n], 32) != 0)
                c->refs_changed[n] = 1;
        }
        qc_free(oh);
        qc_free(nh);
    }
    c->refs_known = !st;
    return st;
}

/* The old quotations placed under their successors in c->before; those of a removed code go to
 * its row at once. */
static int place_old(qc_recode *rc, const qc_rq *old, size_t old_count, size_t *bc)
{
    qc_rq_cmp *c = rc->cmp;
    *bc = 0;
    for (size_t i = 0; i < old_count; i++) {
        const qc_rq *q = &old[i];
        if (q->code >= rc->old_id_count)
            continue;
        size_t s0 = c->succ_first[q->code], s1 = c->succ_first[q->code + 1];
        if (s0 == s1 && c->removed_row[q->code] != SIZE_MAX) {
            size_t r = c->removed_row[q->code];
            placed p = {UINT32_MAX, q->doc, q->start, q->end, q->text, q->code, 0};
            rc->rows[r].before++;
            rc->rows[r].lost++;
            if (add_event(rc, r, &p, 0, QC_REASON_REMOVED))
                return QC_ERR_NOMEM;
            continue;
        }
        if (QC_GROW(c->before, c->before_cap, *bc + (s1 - s0)))
            return QC_ERR_NOMEM;
        for (size_t s = s0; s < s1; s++)
            c->before[(*bc)++] =
                (placed){(uint32_t)c->succ_all[s], q->doc, q->start, q->end, q->text, q->code, c->how_all[s]};
    }
    return QC_OK;
}

static int same_span(const placed *a, const placed *b)
{
    return a->code == b->code && a->doc == b->doc && a->start == b->start && a->end == b->end;
}

/* Whether the new side is the old one quotation for quotation, each under its old code's one
 * successor, in order with no span twice in a code: then every quotation is kept, which the walk
 * below would find at several times the cost (placing, checking the order and walking two copies
 * of each side). It is so in every document a revision changed nothing in, most of a re-code's. */
static int same_sides(const qc_recode *rc, const qc_rq *old, const qc_rq *new_q, size_t n)
{
    const qc_rq_cmp *c = rc->cmp;
    size_t nn = rc->new_cb->code_count;
    for (size_t i = 0; i < n; i++) {
        const qc_rq *o = &old[i], *q = &new_q[i];
        if (o->code >= rc->old_id_count || q->code >= nn)
            return 0;
        size_t s0 = c->succ_first[o->code];
        if (c->succ_first[o->code + 1] != s0 + 1 || c->succ_all[s0] != q->code || o->doc != q->doc ||
            o->start != q->start || o->end != q->end)
            return 0;
        if (i) {
            const qc_rq *p = &new_q[i - 1];
            int before = p->code != q->code     ? p->code < q->code
                         : p->doc != q->doc     ? p->doc < q->doc
                         : p->start != q->start ? p->start < q->start
                                                : p->end < q->end;
            if (!before)
                return 0;
        }
    }
    return 1;
}

int qc_rq_compare_add(qc_recode *rc, const qc_rq *old, size_t old_count, const qc_rq *new_q, size_t new_count)
{
    qc_rq_cmp *c = rc->cmp;
    size_t nn = rc->new_cb->code_count, bc = 0, ac = 0;
    if (!c)
        return QC_ERR_INVALID;
    if (old_count == new_count && same_sides(rc, old, new_q, new_count)) {
        for (size_t i = 0; i < new_count; i++) {
            qc_rq_row *row = &rc->rows[new_q[i].code];
            row->before++;
            row->kept++;
            row->after++;
        }
        return QC_OK;
    }
    int st = find_refs_changed(rc, c);
    if (!st)
        st = place_old(rc, old, old_count, &bc);
    if (!st && QC_GROW(c->after, c->after_cap, new_count + 1))
        st = QC_ERR_NOMEM;
    for (size_t i = 0; i < new_count && !st; i++) {
        const qc_rq *q = &new_q[i];
        c->after[ac++] = (placed){q->code, q->doc, q->start, q->end, q->text, UINT32_MAX, 0};
    }
    if (!st)
        st = sort_placed(c, c->before, bc, nn);
    if (!st)
        st = sort_placed(c, c->after, ac, nn);

    /* Walk both, code by code. Equal spans from two merged codes count once. */
    const placed *before = c->before, *after = c->after;
    size_t bi = 0, ai = 0;
    while (!st && (bi < bc || ai < ac)) {
        uint32_t n = bi < bc && (ai >= ac || before[bi].code <= after[ai].code) ? before[bi].code : after[ai].code;
        if (n >= nn)
            return QC_ERR_INVALID; /* never: sort_placed saw every code below nn */
        qc_rq_row *row = &rc->rows[n];
        for (;;) {
            int hb = bi < bc && before[bi].code == n, ha = ai < ac && after[ai].code == n;
            if (!hb && !ha)
                break;
            int d = !hb   ? 1
                    : !ha ? -1
                          : cmp_placed(&(placed){n, before[bi].doc, before[bi].start, before[bi].end, 0, 0, 0},
                                       &(placed){n, after[ai].doc, after[ai].start, after[ai].end, 0, 0, 0});
            if (d <= 0) {
                placed b = before[bi];
                row->before++;
                if (d == 0) {
                    row->kept++;
                    row->after++;
                    ai++;
                } else {
                    row->lost++;
                    if (add_event(rc, n, &b, 0,
                                  reason_of(rc, b.doc, row->kinds & ~QC_CHANGE_ADDED, c->refs_changed[n]))) {
                        st = QC_ERR_NOMEM;
                        break;
                    }
                }
                while (bi < bc && same_span(&before[bi], &b))
                    bi++;
            } else {
                row->gained++;
                row->after++;
                if (add_event(rc, n, &after[ai], 1, reason_of(rc, after[ai].doc, row->kinds, c->refs_changed[n]))) {
                    st = QC_ERR_NOMEM;
                    break;
                }
                ai++;
            }
        }
    }
    return st;
}

/* Events in row order, then document and span (whatever order the documents were compared in). */
static int cmp_event(const void *a, const void *b)
{
    const qc_rq_event *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->q.doc != y->q.doc)
        return x->q.doc < y->q.doc ? -1 : 1;
    if (x->q.start != y->q.start)
        return x->q.start < y->q.start ? -1 : 1;
    if (x->q.end != y->q.end)
        return x->q.end < y->q.end ? -1 : 1;
    if (x->gained != y->gained)
        return x->gained < y->gained ? -1 : 1;
    return x->origin < y->origin ? -1 : x->origin > y->origin;
}

int qc_rq_compare_end(qc_recode *rc)
{
    if (!rc->cmp)
        return QC_ERR_INVALID;
    if (rc->event_count > 1) /* (events is NULL when there are none) */
        qsort(rc->events, rc->event_count, sizeof *rc->events, cmp_event);
    size_t e = 0;
    for (size_t i = 0; i < rc->row_count; i++) {
        qc_rq_row *r = &rc->rows[i];
        r->event_first = e;
        while (e < rc->event_count && rc->events[e].row == i)
            e++;
        r->event_count = e - r->event_first;
        rc->totals.before += r->before;
        rc->totals.after += r->after;
        rc->totals.kept += r->kept;
        rc->totals.gained += r->gained;
        rc->totals.lost += r->lost;
        rc->totals.codes_changed += (r->gained || r->lost) ? 1 : 0;
    }
    free_tables(rc); /* rows and events stay for the report */
    return QC_OK;
}
