/* Quotations: what a code marks in a unit where it applies (by scope), merged per code where they
 * overlap, kept per code for {REF} and finally laid out as a qc_coding. Shared by both engines. */
#ifndef QC_QUOTATIONS_H
#define QC_QUOTATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "codebook_impl.h"
#include "coding_impl.h"
#include "document_impl.h"

/* A hit while evaluating: its span, the words it touches [w0, w1), the leaf and the rule. */
typedef struct qc_ev_hit {
    uint32_t start, end;
    uint32_t w0, w1;
    int32_t leaf;
    uint32_t rule;
} qc_ev_hit;

/* Orders hits by start, end, rule, leaf (qsort comparator); 0 means the same hit. */
int qc_ev_hit_cmp(const void *a, const void *b);

/* Sorts hits by qc_ev_hit_cmp: short or nearly sorted runs (the usual case) by insertion. */
void qc_ev_hits_sort(qc_ev_hit *hits, size_t n);

/* A quotation before merging: hits[hit_off .. hit_off+hit_count) of the candidate hit store. */
typedef struct qc_qcand {
    uint32_t start, end, turn;
    uint32_t hit_off, hit_count;
} qc_qcand;

typedef struct qc_quotes {
    /* the current code's candidates */
    qc_qcand *cand;
    size_t cand_count, cand_cap;
    qc_ev_hit *cand_hits;
    size_t cand_hit_count, cand_hit_cap;
    qc_ev_hit *merge;
    size_t merge_cap;
    /* merged quotations of the codes done so far, each code's together (in evaluation order) */
    qc_quote_rec *quotes;
    size_t quote_count, quote_cap;
    qc_hit_rec *hits;
    size_t hit_count, hit_cap;
    uint32_t *code_first, *code_count;
    size_t code_cap;
    /* the last coding's counts, when it took the stores: what the next document's start with */
    size_t quote_hint, hit_hint;
} qc_quotes;

void qc_quotes_init(qc_quotes *q);
void qc_quotes_free(qc_quotes *q);
/* Forgets the previous document. */
int qc_quotes_reset(qc_quotes *q, size_t code_count);
/* Once the coding is emitted: forgets the quotations and gives back the stores that grew past
 * QC_SCRATCH_KEEP (alloc.h). */
void qc_quotes_release_big(qc_quotes *q);

/* Files what a code marks in a unit where it applies: the unit itself (sentence, paragraph, turn
 * scopes) with all the hits, or one quotation per hit (match; words N, widened by N words each
 * side within the turn's words [turn_w0, turn_w1)). hits are the unit's, sorted and distinct. */
int qc_quotes_add_unit(qc_quotes *q, const qc_code_settings *settings, const qc_document *doc, uint32_t unit_start,
                       uint32_t unit_end, uint32_t turn, uint32_t turn_w0, uint32_t turn_w1, const qc_ev_hit *hits,
                       size_t hit_count);

/* Merges the current code's candidates (overlapping ones, inside a turn) and stores them. */
int qc_quotes_end_code(qc_quotes *q, int32_t code);

/* Whether a stored quotation of `code` overlaps [start, end). */
int qc_quotes_overlap(const qc_quotes *q, int32_t code, uint32_t start, uint32_t end);

/* Puts everything into `out` (empty): quotations ordered by code, start, end; only the codes
 * with only[code] != 0 when `only` is not NULL. When the stores hold that order already (every
 * code, evaluated in code order) `out` takes them, and the next document's start at their sizes;
 * else they are copied. */
int qc_quotes_emit(qc_quotes *q, size_t code_count, const uint8_t *only, qc_coding *out);

#endif
