/* One document's coding, as the matcher produces it and aggregation reads it. */
#ifndef QC_CODING_IMPL_H
#define QC_CODING_IMPL_H

#include <stdint.h>

#include "qcode/coding.h"

typedef struct qc_hit_rec {
    uint32_t start, end; /* code points */
    int32_t leaf;        /* qc_rule_node.leaf of the pattern/regex that matched */
    uint32_t rule;       /* rule index within the code */
} qc_hit_rec;

/* Who coded a quotation when people did too (coding_manual.c): who_coders[first .. first+count),
 * each an index into coder_names, 0 being the engine. */
typedef struct qc_quote_who {
    uint32_t first, count;
} qc_quote_who;

typedef struct qc_quote_rec {
    int32_t code;
    uint32_t start, end;
    uint32_t turn;
    uint32_t hit_first, hit_count; /* hits[hit_first .. hit_first+hit_count) */
} qc_quote_rec;

struct qc_coding {
    qc_quote_rec *quotes; /* sorted by code, start, end */
    size_t quote_count;
    size_t quote_cap;
    qc_hit_rec *hits;
    size_t hit_count;
    size_t hit_cap;
    char **issues;
    size_t issue_count;
    size_t issue_cap;
    const struct qc_codebook *codebook; /* borrowed, for hit positions */
    /* NULL (every producer but coding_manual.c): the engine made every quotation. Else, per
     * quotation, who coded it: a span coded by the engine and by people is one quotation (counted
     * once) listed once per coder. Such a coding is made and freed by coding_manual.c only. */
    qc_quote_who *who;
    uint16_t *who_coders;
    const char *const *coder_names; /* borrowed; [0] (the engine) is unused */
    size_t coder_name_count;
    /* qc_coding_records_hash of this coding, valid when records_known: set by the maker of two
     * codings of one document with the same records (cache.c, a re-code's two sides), so that the
     * old side's check and the new results hash them once. */
    unsigned char records[32];
    uint8_t records_known;
};

/* Codes only the codes with codes[i] != 0 (one byte per code of the coder's codebook; NULL: the
 * coder's own selection), as a coder made with those in qc_coder_options.codes would: for the
 * cache, whose subset changes from document to document. */
int qc_coder_code_subset(qc_coder *coder, const uint8_t *codes, const qc_document *doc, const qc_casebook *cases,
                         qc_coding **out, qc_error *err);

#endif
