/* What both matchers share: the document seen as evaluation units, who is coded (speaker filters,
 * `where`), the evaluation of rule trees in a unit (AND/OR/NOT/NEAR/BEFORE, {REF}, exclude, min),
 * the regex search of one unit, and the word-level comparisons. The engines differ only in how
 * they find a leaf's hits in a unit (the `leaf_hits` callback) and in which units they visit
 * (the fast one skips units where no rule can hold). docs/semantics.md says what all this means. */
#ifndef QC_RULE_EVAL_H
#define QC_RULE_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "codebook_impl.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "match_tables.h"
#include "quotations.h"
#include "regex.h"

/* An evaluation unit: span, turn, and its words [w0, w1) (document word indices). */
typedef struct qc_ev_unit {
    uint32_t start, end;
    uint32_t turn;
    uint32_t w0, w1;
} qc_ev_unit;

typedef struct qc_eval qc_eval;

/* Finds leaf's hits inside unit `unit` of kind `kind`, sorted by start then end, each lying
 * inside the unit. *hits points to storage the engine owns until its next call. */
typedef int (*qc_leaf_hits_fn)(qc_eval *ev, void *engine, int32_t leaf, unsigned kind, uint32_t unit,
                               const qc_ev_hit **hits, size_t *count);

/* One regex leaf's trouble in this document (a limit hit), reported once as an issue. */
typedef struct qc_ev_trouble {
    int32_t leaf;
    int status;
    uint32_t units;
    uint32_t first_start, first_end; /* the first unit it happened in */
} qc_ev_trouble;

struct qc_eval {
    const qc_codebook *cb;
    const qc_match_tables *mt;
    qc_regex_scratch *rx;

    /* the document being coded */
    const qc_document *doc;
    const qc_casebook *cases;
    qc_ev_unit *units[QC_UNIT_KINDS];
    size_t unit_count[QC_UNIT_KINDS];
    size_t unit_cap[QC_UNIT_KINDS];
    /* the paragraph holding each sentence's start (UINT32_MAX: none) */
    uint32_t *sent_para;
    size_t sent_para_cap;
    /* eligibility of (code, turn): 0 not known yet, 1 no, 2 yes; codes x turns */
    uint8_t *eligible;
    size_t eligible_cap;
    /* `where` conditions resolved against the casebook: attribute index or -1 */
    long *cond_attr;
    size_t cond_cap;

    /* A coder's code subset (NULL: every code): `need` the codes to evaluate (the selected ones
     * and what they reference), `emit` the ones whose quotations and issues the coding keeps. */
    const uint8_t *need;
    const uint8_t *emit;

    /* the engine */
    qc_leaf_hits_fn leaf_hits;
    void *engine;
    /* AND, NEAR and BEFORE skip their right side when the left one already decides (no hit can
     * come of it): for an engine whose leaf_hits has no side effects (the reference engine runs
     * regexes there, and their limit issues must not depend on the order of a rule) */
    int short_circuit;

    /* evaluation scratch */
    qc_ev_hit *stack;
    size_t stack_len, stack_cap;
    uint8_t *keep;
    size_t keep_cap;
    qc_ev_hit *unit_hits;
    size_t unit_hit_count, unit_hit_cap;
    qc_ev_hit *excl;
    size_t excl_count, excl_cap;
    qc_ev_hit *rx_hits; /* qc_eval_regex_unit's output */
    size_t rx_count, rx_cap;
    char *rx_text; /* a unit's text with its time stamps blanked, for a regex */
    size_t rx_text_cap;

    qc_quotes quotes;

    qc_ev_trouble *trouble;
    size_t trouble_count, trouble_cap;

    qc_error *err;
};

int qc_eval_init(qc_eval *ev, const qc_codebook *cb, const qc_match_tables *mt);
void qc_eval_free(qc_eval *ev);

/* Prepares for one document: units, eligibility, the quotation store. */
int qc_eval_begin(qc_eval *ev, const qc_document *doc, const qc_casebook *cases, qc_error *err);

/* Whether code's rules apply to `turn` for a code with `where` conditions: worked out once per
 * document, turn and code. */
int qc_eval_turn_eligible_where(qc_eval *ev, int32_t code, uint32_t turn);

/* Whether code's rules apply to `turn` (speaker filter and `where` conditions). Inline because it
 * is asked for every candidate unit of every code (about 660,000 times for 20 MB of the
 * benchmark), and a code without conditions needs only its speaker filter and the turn's role. */
static inline int qc_eval_turn_eligible(qc_eval *ev, int32_t code, uint32_t turn)
{
    const qc_code_def *cd = &ev->cb->codes[code];
    if (cd->condition_count)
        return qc_eval_turn_eligible_where(ev, code, turn);
    int interviewer = ev->doc->turns[turn].role == QC_ROLE_INTERVIEWER;
    switch (cd->settings.speakers) {
    case QC_FILTER_ALL: return 1;
    case QC_FILTER_INTERVIEWERS: return interviewer;
    default: return !interviewer;
    }
}

/* Evaluates code's rules in one unit (already known eligible) and files the quotations it makes.
 * Returns 0 or a negative qc_status (only allocation failures). */
int qc_eval_code_unit(qc_eval *ev, int32_t code, uint32_t unit);

/* The same, evaluating only the rules whose bit is set in `rules` (bit r for rule r < 63, bit 63
 * for rule 63 and every later one): the caller knows the others cannot hold in this unit. */
int qc_eval_code_unit_rules(qc_eval *ev, int32_t code, uint32_t unit, uint64_t rules);

/* After the last unit of a code: merges its quotations (they become visible to {REF}). */
int qc_eval_end_code(qc_eval *ev, int32_t code);

/* Builds the coding: quotations sorted by code, issues. */
int qc_eval_finish(qc_eval *ev, qc_coding **out);

/* ---- leaf search helpers shared by both engines ---- */

/* The index of the unit of `kind` holding code point cp, or SIZE_MAX. */
size_t qc_eval_unit_at(const qc_eval *ev, unsigned kind, uint32_t cp);

/* The unit of `kind` holding a hit's start (through its first word's sentence when it has one),
 * or SIZE_MAX. Inline: asked for every hit of every source leaf of every code (candidate_units). */
static inline size_t qc_eval_unit_of_hit(const qc_eval *ev, unsigned kind, const qc_ev_hit *h)
{
    const qc_document *doc = ev->doc;
    if (h->w0 < h->w1 && h->w0 < doc->word_count) {
        uint32_t s = doc->words[h->w0].sentence;
        if (s < doc->sentence_count) {
            size_t u = kind == QC_UNIT_KIND_SENTENCE    ? s
                       : kind == QC_UNIT_KIND_PARAGRAPH ? (ev->sent_para[s] == UINT32_MAX ? SIZE_MAX : ev->sent_para[s])
                                                        : doc->sentences[s].turn;
            /* trust the word's sentence only where it really holds the hit */
            if (u < ev->unit_count[kind] && ev->units[kind][u].start <= h->start && h->start < ev->units[kind][u].end)
                return u;
        }
    }
    return qc_eval_unit_at(ev, kind, h->start);
}

/* Word span [*w0, *w1) of a hit [start, end): the words it touches (empty between two words when
 * it touches none: then both are the index of the next word). */
void qc_eval_hit_words(const qc_document *doc, uint32_t start, uint32_t end, uint32_t *w0, uint32_t *w1);

/* Whether only white space and time stamps (markup: docs/semantics.md) stand between word a's end
 * and word b's start. */
int qc_eval_gap_is_space(const qc_document *doc, uint32_t a, uint32_t b);

/* Runs a regex leaf over one unit's text, read with its time stamps as spaces; its hits go to
 * ev->rx_hits/rx_count (replaced). A limit is recorded as trouble for the leaf (the hits found
 * before it stay). Returns 0 or a negative qc_status for an allocation failure. */
int qc_eval_regex_unit(qc_eval *ev, int32_t leaf, unsigned kind, uint32_t unit);

/* The same, knowing every match starts at one of `starts` (ascending byte offsets of the text, in
 * the unit): the search starts at the first of them not behind it and ends after the last, and
 * stops when none is left. A unit with time stamps is searched whole (the blanked text may hold
 * matches where the text does not). starts NULL: anywhere (qc_eval_regex_unit). */
int qc_eval_regex_unit_at(qc_eval *ev, int32_t leaf, unsigned kind, uint32_t unit, const uint32_t *starts,
                          size_t start_count);

#endif
