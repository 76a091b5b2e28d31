/* The .qcb parser's state, shared by the statement parser (codebook_parse.c: lines, statements,
 * codes, settings) and the rule-expression parser (codebook_parse_expr.c: OR, AND, NOT, NEAR,
 * BEFORE, terms, phrases, regexes and references). Internal to those two files. */
#ifndef QC_CODEBOOK_PARSE_EXPR_H
#define QC_CODEBOOK_PARSE_EXPR_H

#include <stdarg.h>

#include "buf.h"
#include "codebook_impl.h"
#include "codebook_lex.h"
#include "diagnostics.h"

/* Settings that may be given once per code (and once as codebook defaults). */
enum {
    QC_CBP_SCOPE,
    QC_CBP_SPEAKERS,
    QC_CBP_CASE,
    QC_CBP_ACCENTS,
    QC_CBP_MIN,
    QC_CBP_COLOR,
    QC_CBP_MANUAL,
    QC_CBP_SETTINGS
};

/* One line's piece of a statement joined from continuation lines. */
typedef struct qc_cbp_seg {
    uint32_t line;
    size_t line_byte; /* where the segment starts in its line */
    size_t joined;    /* where it starts in the joined statement */
} qc_cbp_seg;

typedef struct qc_cbp_code {
    uint32_t indent;
    uint32_t body_indent, body_line; /* body_line 0: no body line yet */
    uint32_t set_line[QC_CBP_SETTINGS];
} qc_cbp_code;

typedef struct qc_cbp {
    qc_codebook *cb;
    qc_diag_list *d;
    const qc_codebook_options *opts;
    size_t code_cap, node_cap;
    qc_cbp_code *cs;
    size_t cs_cap;
    int32_t *stack; /* open codes, innermost last */
    size_t stack_len, stack_cap;
    uint16_t *node_depth;
    size_t node_depth_cap;
    uint32_t header_line; /* the `codebook` line, 0 before it */
    int header_missing;   /* reported once */
    int seen_code;
    uint32_t default_set_line[QC_CBP_SETTINGS];
    uint32_t description_line;
    int nomem;
    /* The statement being gathered. */
    qc_buf joined;
    qc_cbp_seg *segs;
    size_t seg_count, seg_cap;
    uint32_t stmt_indent;
    int stmt_active;
    int stmt_kw; /* codebook_parse.c's keyword */
    qc_buf tmp;
} qc_cbp;

/* Helpers of codebook_parse.c. Offsets are into the joined statement (p->joined). */

/* The line and column (code points, 1-based) of an offset. */
void qc_cbp_locate(const qc_cbp *p, size_t off, uint32_t *line, uint32_t *col);
/* The code points in [start, end), at least 1: what a caret underlines. */
uint32_t qc_cbp_span_length(const qc_cbp *p, size_t start, size_t end);
/* Reports a problem of [start, end) to the diagnostics. */
void qc_cbp_vreport(qc_cbp *p, qc_severity sev, size_t start, size_t end, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* Token text for messages, shortened so a message stays readable: buf, or a constant. */
const char *qc_cbp_tok_text(qc_cbp *p, const qc_token *t, char *buf, size_t cap);
/* A copy of s[0..n), or NULL with p->nomem set. */
char *qc_cbp_dup(qc_cbp *p, const char *s, size_t n);
/* A decimal number of at most 9 digits, up to max: 0, or -1. */
int qc_cbp_parse_uint(const char *s, size_t n, uint32_t max, uint32_t *out);

/* codebook_parse_expr.c: parses the expression of a 'rule' (or, with `exclude`, an 'exclude')
 * that starts after the keyword token `kwtok`, into p->cb's nodes for code `code`. Returns the
 * root node, or -1 after reporting the problem (or with p->nomem set). */
int32_t qc_cbp_expression(qc_cbp *p, const qc_token *kwtok, int32_t code, int exclude);

#endif
