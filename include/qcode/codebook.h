/* qcode/codebook.h: hierarchical codebooks (.qcb) parsed and compiled.
 *
 * qc_codebook_load parses and compiles a codebook into an immutable object: any number of
 * threads may code with one compiled codebook at once. Codes are numbered 0..count-1 in file
 * order (a pre-order walk of the tree); getters return borrowed strings that live as long as
 * the codebook. The grammar is in docs/codebook.md, the meaning in docs/semantics.md.
 */
#ifndef QCODE_CODEBOOK_H
#define QCODE_CODEBOOK_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qc_codebook qc_codebook;

typedef enum qc_severity { QC_SEVERITY_WARNING = 1, QC_SEVERITY_ERROR = 2 } qc_severity;

/* One diagnostic: file, line, column (code points, 1-based), message. `source_line` is the text
 * of that line (without its newline, control characters shown as '?'), for a caret display, or
 * NULL when there is none to show (a message about the whole file, such as a UTF-16 codebook, or
 * a line that is not text); `length` is how many code points the caret should underline (at
 * least 1). Messages are UTF-8 without control characters. Borrowed for the callback only.
 * After 1,000 diagnostics the rest are not shown: one last diagnostic says how many, and its
 * `not_shown_errors` and `not_shown_warnings` count them (0 in every other), so that a caller
 * counting problems counts them all. */
typedef struct qc_diagnostic {
    qc_severity severity;
    const char *file;
    uint32_t line;
    uint32_t column;
    uint32_t length;
    const char *message;
    const char *source_line;
    size_t not_shown_errors, not_shown_warnings;
} qc_diagnostic;

typedef void (*qc_diagnostic_fn)(const qc_diagnostic *diag, void *user);

#define QC_CODEBOOK_OPTIONS_VERSION 1
typedef struct qc_codebook_options {
    unsigned version;
    qc_diagnostic_fn on_diagnostic; /* receives every error and warning; may be NULL */
    void *user;
    uint32_t regex_match_limit; /* PCRE2 match limit per match attempt; 0: the default */
    uint32_t regex_heap_limit_kib; /* PCRE2 heap limit; 0: the default */
} qc_codebook_options;
#define QC_CODEBOOK_OPTIONS_INIT { QC_CODEBOOK_OPTIONS_VERSION, NULL, NULL, 0, 0 }

/* Parses and compiles. Every problem found goes to opts->on_diagnostic; when there was at least
 * one error the call returns QC_ERR_CODEBOOK (err holds the first) and *out is NULL.
 * On success *out is the caller's (free with qc_codebook_free). */
QC_EXPORT int qc_codebook_load(qc_codebook **out, const char *path, const qc_codebook_options *opts,
                               qc_error *err);
QC_EXPORT int qc_codebook_load_buffer(qc_codebook **out, const char *name, const void *data, size_t size,
                                      const qc_codebook_options *opts, qc_error *err);
QC_EXPORT void qc_codebook_free(qc_codebook *cb);

QC_EXPORT const char *qc_codebook_name(const qc_codebook *cb);
QC_EXPORT const char *qc_codebook_version(const qc_codebook *cb); /* "" when not given */
QC_EXPORT const char *qc_codebook_path(const qc_codebook *cb);
/* The `description` lines joined by a space; "" when none. */
QC_EXPORT const char *qc_codebook_description(const qc_codebook *cb);
/* SHA-256 of the codebook file's bytes, as 64 lower-case hex digits. */
QC_EXPORT const char *qc_codebook_sha256(const qc_codebook *cb);

/* Numbers that `qcode check` prints. Sub-codes are codes at depth >= 2. */
typedef struct qc_codebook_stats {
    size_t codes;            /* all codes */
    size_t main_codes;       /* depth 1 */
    size_t main_with_children;
    size_t sub_codes;        /* depth >= 2 */
    size_t max_depth;
    size_t categories;       /* codes that cannot be coded (no rules, not manual) */
    size_t rules;            /* rule lines */
    size_t terms, wildcards, phrases, regexes, proximity, references; /* pattern leaves by kind */
} qc_codebook_stats;
QC_EXPORT void qc_codebook_get_stats(const qc_codebook *cb, qc_codebook_stats *out);

QC_EXPORT size_t qc_codebook_code_count(const qc_codebook *cb);
/* Index of the code with this id, or -1. */
QC_EXPORT long qc_codebook_find(const qc_codebook *cb, const char *id);

QC_EXPORT const char *qc_code_id(const qc_codebook *cb, size_t code);
QC_EXPORT const char *qc_code_name(const qc_codebook *cb, size_t code);
QC_EXPORT const char *qc_code_definition(const qc_codebook *cb, size_t code); /* "" when none */
QC_EXPORT const char *qc_code_guidance(const qc_codebook *cb, size_t code);   /* "" when none */
QC_EXPORT const char *qc_code_color(const qc_codebook *cb, size_t code);      /* "#rrggbb" or "" */
QC_EXPORT long qc_code_parent(const qc_codebook *cb, size_t code);            /* -1 for a main code */
QC_EXPORT size_t qc_code_depth(const qc_codebook *cb, size_t code);           /* 1 for a main code */
QC_EXPORT size_t qc_code_child_count(const qc_codebook *cb, size_t code);
QC_EXPORT size_t qc_code_child(const qc_codebook *cb, size_t code, size_t index);
QC_EXPORT int qc_code_is_codable(const qc_codebook *cb, size_t code);
QC_EXPORT size_t qc_code_rule_count(const qc_codebook *cb, size_t code);
/* A rule as written (its source text, continuation lines joined by one space). */
QC_EXPORT const char *qc_code_rule_text(const qc_codebook *cb, size_t code, size_t rule);
/* The line a code is declared on. */
QC_EXPORT uint32_t qc_code_line(const qc_codebook *cb, size_t code);

/* The compiled form of a code as text, one item a line (for tests, `qcode tree --compiled` and
 * anyone checking what a rule really says):
 *   settings scope sentence; speakers participants; case insensitive; accents ignore; min 0
 *   manual                                   (when flagged)
 *   where KEY = "V" | where KEY in ("A", "B") | != | not in
 *   was ID...  /  merged-from ID...
 *   exclude EXPR
 *   rule EXPR
 * EXPR is an S-expression over the compiled tree with words folded as matching sees them:
 * (term "w"), (wild "co-locat*"), (phrase "same" "office"), each followed by ` case` and/or
 * ` accents` when the code keeps them; (regex "PATTERN" FLAGS) with FLAGS from i x s m;
 * (ref ID) or (ref ID*); (and A B...), (or A B...), (not A), (near N A B), (before N A B).
 * Writes at most cap bytes, NUL-terminated when cap > 0, and returns the length of the whole
 * text (like snprintf): call with cap 0 to size the buffer. Returns SIZE_MAX (and writes "" when
 * cap > 0) when it runs out of memory: a short text would read as another code. */
QC_EXPORT size_t qc_code_describe(const qc_codebook *cb, size_t code, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
