/* Regular expressions: PCRE2 (8-bit, UTF, JIT) behind a small interface. The only file that
 * includes pcre2.h is regex.c.
 *
 * A compiled qc_regex is immutable and may be used by many threads at once; each thread brings
 * its own qc_regex_scratch (match data and JIT stack). Every match runs under a match limit and
 * a heap limit, so a hostile pattern cannot hang a run: it fails with QC_ERR_LIMIT instead. */
#ifndef QC_REGEX_H
#define QC_REGEX_H

#include <stddef.h>
#include <stdint.h>

#include "qcode/common.h"

typedef struct qc_regex qc_regex;
typedef struct qc_regex_scratch qc_regex_scratch;

enum {
    QC_REGEX_CASELESS = 1u << 0,
    QC_REGEX_EXTENDED = 1u << 1, /* x: white space and # comments ignored */
    QC_REGEX_DOTALL = 1u << 2,   /* s */
    QC_REGEX_MULTILINE = 1u << 3, /* m */
    QC_REGEX_ANCHORED = 1u << 4  /* match only at the start offset */
};

#define QC_REGEX_DEFAULT_MATCH_LIMIT 1000000u
#define QC_REGEX_DEFAULT_HEAP_LIMIT_KIB 20000u

/* Compiles a pattern (UTF-8, Unicode properties on). On a syntax error returns QC_ERR_INVALID
 * with *error_offset set to the byte offset in the pattern PCRE2 reports and the message in
 * `message` (PCRE2's text). Limits of 0 take the defaults. */
int qc_regex_compile(qc_regex **out, const char *pattern, size_t len, unsigned flags, uint32_t match_limit,
                     uint32_t heap_limit_kib, size_t *error_offset, char *message, size_t message_cap);
void qc_regex_free(qc_regex *rx);

/* Index of a named group, or -1. */
int qc_regex_group_index(const qc_regex *rx, const char *name);

qc_regex_scratch *qc_regex_scratch_new(void);
void qc_regex_scratch_free(qc_regex_scratch *scratch);

/* Finds the first match in subject[0..len) at or after byte `start`. `subject_checked` says the
 * subject is known valid UTF-8 (skips PCRE2's check). Returns 1 and sets the match's byte span
 * [*mstart, *mend), 0 for no match, QC_ERR_LIMIT when a limit stopped the search,
 * QC_ERR_NOMEM, or QC_ERR_INVALID for other matcher errors. */
int qc_regex_match(const qc_regex *rx, qc_regex_scratch *scratch, const char *subject, size_t len, size_t start,
                   int subject_checked, size_t *mstart, size_t *mend);

/* The same, for a search that may start a match no later than byte `last_start` (SIZE_MAX, or
 * len and beyond: anywhere, as qc_regex_match): PCRE2 tries no later place, so a caller that knows
 * where matches can start spends nothing past the last such place. An anchored regex ignores it. */
int qc_regex_match_until(const qc_regex *rx, qc_regex_scratch *scratch, const char *subject, size_t len, size_t start,
                         size_t last_start, int subject_checked, size_t *mstart, size_t *mend);

/* After a successful qc_regex_match with the same scratch: the byte span of group `group`.
 * Returns 1 when the group took part in the match, else 0. */
int qc_regex_group(const qc_regex_scratch *scratch, int group, size_t *gstart, size_t *gend);

#endif
