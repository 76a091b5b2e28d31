/* The results' representation, shared by aggregation (results.c) and the writers (write_xml.c,
 * write_tsv.c). Counts live in "cells": one per (row, code), where a row is the whole corpus, an
 * attribute value, a document or a respondent. Quotation texts live in a temporary file. */
#ifndef QC_RESULTS_IMPL_H
#define QC_RESULTS_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include "qcode/results.h"

#define QC_NONE32 UINT32_MAX

typedef struct qc_res_cell {
    uint64_t key;         /* row << 32 | code */
    qc_counts c[2];       /* QC_OWN, QC_ROLLED_UP */
    uint32_t last_doc[2]; /* 1 + the last document counted, for distinct documents */
} qc_res_cell;

/* A string -> index map (open addressing); keys are borrowed from their owners. */
typedef struct qc_strmap {
    const char **keys;
    uint32_t *values;
    size_t cap, count;
    int fold; /* compare ASCII case-insensitively */
} qc_strmap;

typedef struct qc_res_speaker {
    char *label;
    uint8_t role;
    size_t turns;
} qc_res_speaker;

typedef struct qc_res_doc {
    char *id;
    char *path;
    char sha256[65];
    uint64_t size;
    qc_format format;
    size_t length;
    size_t turns;
    char **attr_keys, **attr_values;
    size_t attr_count;
    qc_res_speaker *speakers;
    size_t speaker_count;
    uint32_t row;
} qc_res_doc;

typedef struct qc_res_respondent {
    char *label;
    uint8_t role; /* participant unless only ever an interviewer; unknown for an unlabelled document */
    uint32_t row;
} qc_res_respondent;

typedef struct qc_res_value {
    char *value;
    uint32_t row;
} qc_res_value;

typedef struct qc_res_attr {
    char *name;
    long casebook_index; /* column in the casebook, or -1 for a header key only */
    qc_res_value *values;
    size_t value_count, value_cap;
    qc_strmap value_map;
} qc_res_attr;

/* The quotations of one code in one document: `count` consecutive records at `offset`. */
typedef struct qc_res_run {
    uint64_t offset;
    uint32_t count;
} qc_res_run;

typedef struct qc_res_code_runs {
    qc_res_run *runs;
    size_t count, cap;
} qc_res_code_runs;

typedef struct qc_res_option {
    char *name, *value;
} qc_res_option;

struct qc_results {
    const qc_codebook *cb;
    const qc_casebook *cases;
    size_t code_count;
    uint32_t *subtree_end; /* first code index after each code's subtree (codes are in pre-order) */
    uint32_t *leaf_line, *leaf_column;
    size_t leaf_count;

    qc_res_doc *docs;
    size_t doc_count, doc_cap;
    qc_strmap doc_ids;

    qc_res_respondent *resps;
    size_t resp_count, resp_cap;
    qc_strmap resp_map;
    uint8_t *resp_coded; /* any quotation at all (for totals); grows with resps */

    qc_res_attr *attrs;
    size_t attr_count, attr_cap;
    qc_strmap attr_map;

    uint32_t row_count;

    /* (row, code) -> cell; code == code_count is the row's "any code" / base cell */
    qc_res_cell *cells;
    size_t cell_count, cell_cap;
    uint32_t *cell_slots;
    size_t cell_slot_cap;

    /* (row, code*2+mode, respondent) seen: distinct respondents */
    uint32_t *seen;    /* 3 words an entry; row+1 in the first, 0 when empty */
    size_t seen_cap, seen_count;

    uint64_t *cooc; /* upper triangle, code_count x code_count */

    qc_uncoded_summary uncoded;

    FILE *quotes_fp, *uncoded_fp;
    int quotes_reading, uncoded_reading;
    qc_res_code_runs *code_runs;
    uint64_t quotes_end, uncoded_end;
    size_t uncoded_records;

    qc_res_option *options;
    size_t option_count, option_cap;
};

/* The cell of (row, code), or NULL when nothing was counted there. */
const qc_res_cell *qc_res_cell_find(const qc_results *res, uint32_t row, size_t code);

/* String map primitives (results.c). */
long qc_strmap_get(const qc_strmap *m, const char *key);
int qc_strmap_put(qc_strmap *m, const char *key, uint32_t value);
void qc_strmap_free(qc_strmap *m);

/* Writers' helpers (results.c): the run options in name order (sorted in place). */
void qc_res_sort_options(qc_results *res);

#endif
