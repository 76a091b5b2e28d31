/* Helpers shared by the subtitle and .docx reader tests (test_read_vtt/srt/docx, test_real_subtitles). */
#ifndef QC_FORMATS_HELPERS_H
#define QC_FORMATS_HELPERS_H

#include "qc_test.h"

static inline qc_document *fmt_read(const char *name, const char *data, size_t size, const qc_read_options *opts)
{
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_buffer(&doc, name, data, size, opts, &err);
    cr_assert_eq(rc, 0, "reading %s failed: %s:%u:%u: %s", name, err.file, err.line, err.column, err.message);
    return doc;
}

static inline qc_document *fmt_read_str(const char *name, const char *text)
{
    return fmt_read(name, text, strlen(text), NULL);
}

static inline qc_document *fmt_read_file(const char *path, const qc_read_options *opts)
{
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_file(&doc, path, opts, &err);
    cr_assert_eq(rc, 0, "reading %s failed: %s:%u:%u: %s", path, err.file, err.line, err.column, err.message);
    return doc;
}

/* Reading must fail with `code`, naming `name`, at line:column (0 = not checked), with a message
 * containing `message`. */
static inline void fmt_expect_error(const char *name, const char *data, size_t size, int code, uint32_t line,
                                    uint32_t column, const char *message)
{
    qc_document *doc = NULL;
    qc_error err;
    qc_error_clear(&err);
    int rc = qc_document_read_buffer(&doc, name, data, size, NULL, &err);
    cr_assert_eq(rc, code, "expected status %d, got %d (%s)", code, rc, err.message);
    cr_assert_null(doc);
    cr_assert_eq(err.code, code);
    cr_assert_str_eq(err.file, name);
    if (line)
        cr_assert_eq(err.line, line, "line %u, expected %u (%s)", err.line, line, err.message);
    if (column)
        cr_assert_eq(err.column, column, "column %u, expected %u (%s)", err.column, column, err.message);
    cr_assert(qct_contains(err.message, message), "message '%s' lacks '%s'", err.message, message);
}

static inline qc_turn fmt_turn(const qc_document *doc, size_t i)
{
    qc_turn t;
    cr_assert_eq(qc_document_turn(doc, i, &t), 0, "no turn %zu", i);
    return t;
}

/* Asserts turn i's speaker (NULL: unlabelled) and exact text (the slice of the document text). */
static inline void fmt_assert_turn(const qc_document *doc, size_t i, const char *speaker, const char *text)
{
    qc_turn t = fmt_turn(doc, i);
    if (speaker)
        cr_assert_str_eq(t.speaker ? t.speaker : "(null)", speaker, "turn %zu", i);
    else
        cr_assert_null(t.speaker, "turn %zu has speaker %s", i, t.speaker);
    const char *all = qc_document_text(doc, NULL);
    size_t a = qc_document_text_offset(doc, t.start), b = qc_document_text_offset(doc, t.end);
    cr_assert(b - a == strlen(text) && strncmp(all + a, text, b - a) == 0, "turn %zu is '%.*s', expected '%s'", i,
              (int)(b - a), all + a, text);
}

static inline void fmt_assert_times(const qc_document *doc, size_t i, int64_t start, int64_t end, uint32_t line)
{
    qc_turn t = fmt_turn(doc, i);
    cr_assert_eq(t.time_start_ms, start, "turn %zu starts at %lld", i, (long long)t.time_start_ms);
    cr_assert_eq(t.time_end_ms, end, "turn %zu ends at %lld", i, (long long)t.time_end_ms);
    cr_assert_eq(t.line, line, "turn %zu is on line %u", i, t.line);
}

/* Asserts note i (qc_document_note): its line and message. */
static inline void fmt_assert_note(const qc_document *doc, size_t i, uint32_t line, const char *message)
{
    uint32_t at = 0;
    const char *m = NULL;
    cr_assert_eq(qc_document_note(doc, i, &at, &m), 0, "no note %zu (of %zu)", i, qc_document_note_count(doc));
    cr_assert_eq(at, line, "note %zu is at line %u, expected %u (%s)", i, at, line, m);
    cr_assert_str_eq(m, message, "note %zu", i);
}

/* The byte in the original file where turn i's text starts. */
static inline size_t fmt_turn_source(const qc_document *doc, size_t i)
{
    return qc_document_source_offset(doc, fmt_turn(doc, i).start);
}

#endif
