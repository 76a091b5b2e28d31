/* The two engines behind qc_coder_code. Both run the shared evaluation (rule_eval.h) and differ
 * in how they find a leaf's hits in a unit and which units they visit:
 * - fast (match.c): one pass over the document's words through the prebuilt token tables, leaf
 *   occurrences as flat sorted arrays, and only the units where some rule can hold;
 * - reference (match_reference.c): every unit of every code, each leaf searched directly in the
 *   unit's words or text. Slow and obviously right: the tests hold the fast engine to it. */
#ifndef QC_MATCH_H
#define QC_MATCH_H

#include "rule_eval.h"

typedef struct qc_fast qc_fast;
int qc_fast_new(qc_fast **out, const qc_codebook *cb, const qc_match_tables *mt);
void qc_fast_free(qc_fast *f);
/* Codes the document qc_eval_begin prepared. `scan`: the tables of its first pass, built for
 * ev->need (qc_mt_scan_build: they hold the leaves of those codes alone, so the first pass finds
 * nothing else), or NULL for the codebook's, which find every leaf: right for any subset too
 * (only ev->need's codes are evaluated), but a subset's own tables do a fraction of the work. */
int qc_fast_code(qc_fast *f, qc_eval *ev, const qc_mt_scan *scan);

typedef struct qc_reference qc_reference;
int qc_reference_new(qc_reference **out, const qc_codebook *cb, const qc_match_tables *mt);
void qc_reference_free(qc_reference *r);
int qc_reference_code(qc_reference *r, qc_eval *ev);

#endif
