/* Parsing a .qcb file into the codebook representation (codebook_impl.h): codes in pre-order,
 * settings, rule expression trees with their leaves still raw (pattern text not yet split and
 * folded, references not yet resolved: codebook_compile.c does that once the whole file is
 * known). Syntax problems go to the diagnostics list; parsing goes on at the next line. */
#ifndef QC_CODEBOOK_PARSE_H
#define QC_CODEBOOK_PARSE_H

#include "codebook_impl.h"
#include "diagnostics.h"

/* Limits that keep hostile input from exhausting the stack. */
#define QC_EXPR_MAX_NESTING 100 /* parentheses and NOT inside one another */
/* Codes inside one another. A REFI-QDA project or .qdc nests one <Code> element per level, and an
 * XML parser with the usual limits (libxml2's, qcode import's own) reads 256 levels of elements. */
#define QC_CODE_MAX_DEPTH 200
#define QC_EXPR_MAX_DEPTH 256   /* depth of a rule's expression tree */
#define QC_MAX_DISTANCE 100000u /* NEAR/n, BEFORE/n, words N */
#define QC_MAX_MIN 100000u      /* min N */

/* Parses text[0..size) (the whole file, BOM allowed) into cb, which must be zeroed apart from
 * name/path. Returns 0 or QC_ERR_NOMEM; errors in the text are reported to d. */
int qc_codebook_parse(qc_codebook *cb, const char *text, size_t size, qc_diag_list *d, const qc_codebook_options *opts);

/* The id index (cb->id_hash): adds code `code` unless its id is present; returns the index of
 * the code that already had the id, -1 when added, or -2 when out of memory. */
long qc_codebook_id_add(qc_codebook *cb, int32_t code);
/* The code with this id (len bytes), or -1. */
long qc_codebook_id_lookup(const qc_codebook *cb, const char *id, size_t len);

/* Whether s[0..len) is a valid code id: an ASCII letter, then letters, digits, '_', '.', '-'. */
int qc_code_id_valid(const char *s, size_t len);

#endif
