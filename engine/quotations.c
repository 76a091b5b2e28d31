/* Quotations by scope, merging, and the final layout (see quotations.h). */
#include "quotations.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bound.h"

/* QC_GROW, with the common case (room enough) decided without a call. */
#define GROW(arr, cap, need) ((need) > (cap) && QC_GROW(arr, cap, need))

void qc_quotes_init(qc_quotes *q)
{
    memset(q, 0, sizeof *q);
}

void qc_quotes_free(qc_quotes *q)
{
    qc_free(q->cand);
    qc_free(q->cand_hits);
    qc_free(q->merge);
    qc_free(q->quotes);
    qc_free(q->hits);
    qc_free(q->code_first);
    qc_free(q->code_count);
    memset(q, 0, sizeof *q);
}

void qc_quotes_release_big(qc_quotes *q)
{
    QC_RELEASE_BIG(q->cand, q->cand_cap);
    QC_RELEASE_BIG(q->cand_hits, q->cand_hit_cap);
    QC_RELEASE_BIG(q->merge, q->merge_cap);
    QC_RELEASE_BIG(q->quotes, q->quote_cap);
    QC_RELEASE_BIG(q->hits, q->hit_cap);
    q->quote_count = q->hit_count = 0;
}

int qc_quotes_reset(qc_quotes *q, size_t code_count)
{
    q->cand_count = q->cand_hit_count = 0;
    q->quote_count = q->hit_count = 0;
    if ((!q->quotes && q->quote_hint && QC_GROW(q->quotes, q->quote_cap, q->quote_hint)) ||
        (!q->hits && q->hit_hint && QC_GROW(q->hits, q->hit_cap, q->hit_hint)))
        return QC_ERR_NOMEM;
    if (code_count > q->code_cap) {
        size_t cap = q->code_cap;
        size_t cap2 = q->code_cap;
        if (GROW(q->code_first, cap, code_count) || GROW(q->code_count, cap2, code_count))
            return QC_ERR_NOMEM;
        q->code_cap = cap < cap2 ? cap : cap2;
    }
    if (code_count) {
        memset(q->code_first, 0, code_count * sizeof *q->code_first);
        memset(q->code_count, 0, code_count * sizeof *q->code_count);
    }
    return QC_OK;
}

static int add_cand(qc_quotes *q, uint32_t start, uint32_t end, uint32_t turn, const qc_ev_hit *hits, size_t n)
{
    if (GROW(q->cand, q->cand_cap, q->cand_count + 1) || GROW(q->cand_hits, q->cand_hit_cap, q->cand_hit_count + n))
        return QC_ERR_NOMEM;
    q->cand[q->cand_count++] = (qc_qcand){start, end, turn, (uint32_t)q->cand_hit_count, (uint32_t)n};
    /* (mostly one hit: a loop, not a libc call) */
    qc_ev_hit *to = q->cand_hits + q->cand_hit_count;
    for (size_t k = 0; k < n; k++)
        to[k] = hits[k];
    q->cand_hit_count += n;
    return QC_OK;
}

int qc_quotes_add_unit(qc_quotes *q, const qc_code_settings *settings, const qc_document *doc, uint32_t unit_start,
                       uint32_t unit_end, uint32_t turn, uint32_t turn_w0, uint32_t turn_w1, const qc_ev_hit *hits,
                       size_t hit_count)
{
    switch (settings->scope) {
    case QC_SCOPE_SENTENCE:
    case QC_SCOPE_PARAGRAPH:
    case QC_SCOPE_TURN: return add_cand(q, unit_start, unit_end, turn, hits, hit_count);
    case QC_SCOPE_MATCH:
    case QC_SCOPE_WORDS: break;
    }
    uint32_t n = settings->scope == QC_SCOPE_WORDS ? settings->scope_words : 0;
    for (size_t i = 0; i < hit_count; i++) {
        const qc_ev_hit *h = &hits[i];
        uint32_t start = h->start, end = h->end;
        if (n) {
            /* n words each side, never past the turn's first or last word */
            uint32_t left = h->w0 >= turn_w0 + n ? h->w0 - n : turn_w0;
            if (left < h->w0 && left < doc->word_count && doc->words[left].start < start)
                start = doc->words[left].start;
            uint32_t right = h->w1 + n <= turn_w1 ? h->w1 + n : turn_w1;
            if (right > h->w1 && right >= 1 && doc->words[right - 1].end > end)
                end = doc->words[right - 1].end;
        }
        int rc = add_cand(q, start, end, turn, h, 1);
        if (rc)
            return rc;
    }
    return QC_OK;
}

static int cmp_cand(const void *a, const void *b)
{
    const qc_qcand *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->hit_off < y->hit_off ? -1 : x->hit_off > y->hit_off;
}

int qc_ev_hit_cmp(const void *a, const void *b)
{
    const qc_ev_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

void qc_ev_hits_sort(qc_ev_hit *hits, size_t n)
{
    if (n > 32) {
        size_t i = 1;
        while (i < n && qc_ev_hit_cmp(&hits[i - 1], &hits[i]) <= 0)
            i++;
        if (i < n)
            qsort(hits, n, sizeof *hits, qc_ev_hit_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        if (qc_ev_hit_cmp(&hits[i - 1], &hits[i]) <= 0)
            continue;
        qc_ev_hit h = hits[i];
        size_t j = i;
        while (j > 0 && qc_ev_hit_cmp(&hits[j - 1], &h) > 0) {
            hits[j] = hits[j - 1];
            j--;
        }
        hits[j] = h;
    }
}

int qc_quotes_end_code(qc_quotes *q, int32_t code)
{
    q->code_first[code] = (uint32_t)q->quote_count;
    size_t sorted = 1; /* candidates mostly come in order: units are visited in text order */
    while (sorted < q->cand_count && cmp_cand(&q->cand[sorted - 1], &q->cand[sorted]) <= 0)
        sorted++;
    if (sorted < q->cand_count)
        qsort(q->cand, q->cand_count, sizeof *q->cand, cmp_cand);
    for (size_t i = 0; i < q->cand_count;) {
        /* a run of candidates that overlap one another, inside one turn */
        uint32_t start = q->cand[i].start, end = q->cand[i].end, turn = q->cand[i].turn;
        size_t nh = q->cand[i].hit_count;
        size_t j = i + 1;
        while (j < q->cand_count && q->cand[j].turn == turn && q->cand[j].start < end) {
            if (q->cand[j].end > end)
                end = q->cand[j].end;
            nh += q->cand[j].hit_count;
            j++;
        }
        if (GROW(q->quotes, q->quote_cap, q->quote_count + 1) || GROW(q->hits, q->hit_cap, q->hit_count + nh))
            return QC_ERR_NOMEM;
        if (j == i + 1) {
            /* a candidate alone (most quotations): its hits are a unit's, sorted and distinct
             * already (qc_eval_code_unit_rules) */
            const qc_ev_hit *h = q->cand_hits + q->cand[i].hit_off;
            qc_hit_rec *to = q->hits + q->hit_count;
            for (size_t k = 0; k < nh; k++)
                to[k] = (qc_hit_rec){h[k].start, h[k].end, h[k].leaf, h[k].rule};
            q->quotes[q->quote_count++] = (qc_quote_rec){code, start, end, turn, (uint32_t)q->hit_count, (uint32_t)nh};
            q->hit_count += nh;
            i = j;
            continue;
        }
        if (GROW(q->merge, q->merge_cap, nh))
            return QC_ERR_NOMEM;
        size_t m = 0;
        for (size_t k = i; k < j; k++) {
            if (q->cand[k].hit_count)
                memcpy(q->merge + m, q->cand_hits + q->cand[k].hit_off, q->cand[k].hit_count * sizeof *q->merge);
            m += q->cand[k].hit_count;
        }
        if (j - i > 1)
            qc_ev_hits_sort(q->merge, m);
        qc_quote_rec *qr = &q->quotes[q->quote_count++];
        qr->code = code;
        qr->start = start;
        qr->end = end;
        qr->turn = turn;
        qr->hit_first = (uint32_t)q->hit_count;
        for (size_t k = 0; k < m; k++) {
            const qc_ev_hit *h = &q->merge[k];
            if (k && qc_ev_hit_cmp(h, &q->merge[k - 1]) == 0)
                continue; /* the same hit reached through two units' quotations */
            q->hits[q->hit_count++] = (qc_hit_rec){h->start, h->end, h->leaf, h->rule};
        }
        qr->hit_count = (uint32_t)(q->hit_count - qr->hit_first);
        i = j;
    }
    q->code_count[code] = (uint32_t)(q->quote_count - q->code_first[code]);
    q->cand_count = q->cand_hit_count = 0;
    return QC_OK;
}

int qc_quotes_overlap(const qc_quotes *q, int32_t code, uint32_t start, uint32_t end)
{
    const qc_quote_rec *a = q->quotes + q->code_first[code];
    size_t n = q->code_count[code];
    /* merged quotations do not overlap, so their ends ascend too: find the first ending after start */
    size_t lo = qc_upper_bound_u32(a, sizeof *a, offsetof(qc_quote_rec, end), 0, n, start);
    return lo < n && a[lo].start < end;
}

int qc_quotes_emit(qc_quotes *q, size_t code_count, const uint8_t *only, qc_coding *out)
{
    /* Every code's quotations kept, in code order (no {REF} made another code go first): the
     * stores are the coding's layout already, and the coding takes them instead of a copy. */
    int in_order = !only && q->quote_count > 0;
    for (size_t c = 0, nq = 0; in_order && c < code_count; c++) {
        in_order = !q->code_count[c] || q->code_first[c] == nq;
        nq += q->code_count[c];
    }
    if (in_order) {
        out->quotes = q->quotes;
        out->quote_cap = q->quote_cap;
        out->quote_count = q->quote_count;
        out->hits = q->hits ? q->hits : qc_malloc(sizeof *out->hits);
        out->hit_cap = q->hits ? q->hit_cap : 1;
        out->hit_count = q->hit_count;
        q->quote_hint = q->quote_count;
        q->hit_hint = q->hit_count;
        q->quotes = NULL;
        q->hits = NULL;
        q->quote_cap = q->hit_cap = 0;
        return out->hits ? QC_OK : QC_ERR_NOMEM;
    }
    /* (not cleared: every entry up to the counts is written below, and nothing reads past them) */
    out->quotes = qc_malloc((q->quote_count ? q->quote_count : 1) * sizeof *out->quotes);
    out->hits = qc_malloc((q->hit_count ? q->hit_count : 1) * sizeof *out->hits);
    if (!out->quotes || !out->hits)
        return QC_ERR_NOMEM;
    out->quote_cap = q->quote_count ? q->quote_count : 1;
    out->hit_cap = q->hit_count ? q->hit_count : 1;
    size_t nq = 0, nh = 0;
    for (size_t c = 0; c < code_count; c++) {
        if (only && !only[c])
            continue;
        for (uint32_t k = 0; k < q->code_count[c]; k++) {
            const qc_quote_rec *src = &q->quotes[q->code_first[c] + k];
            qc_quote_rec *dst = &out->quotes[nq++];
            *dst = *src;
            dst->hit_first = (uint32_t)nh;
            const qc_hit_rec *from = q->hits + src->hit_first;
            for (uint32_t h = 0; h < src->hit_count; h++) /* (mostly one: a loop, not a libc call) */
                out->hits[nh + h] = from[h];
            nh += src->hit_count;
        }
    }
    out->quote_count = nq;
    out->hit_count = nh;
    return QC_OK;
}
