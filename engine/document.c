/* Reading documents (picking the reader by format) and the public accessors of the document
 * model (document_impl.h). */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bound.h"
#include "casebook_impl.h"
#include "doc_builder.h"
#include "document_impl.h"
#include "engine_digest.h"
#include "error.h"
#include "fileio.h"
#include "readers.h"
#include "sha256.h"
#include "text.h"
#include "utf16.h"

/* Offsets are 32-bit: a document is at most UINT32_MAX - 1 bytes (a buffer; a file is refused
 * past QC_TRANSCRIPT_MAX_BYTES, fileio.h). */
#define MAX_DOCUMENT_BYTES ((size_t)UINT32_MAX - 1)

typedef int (*reader_fn)(qc_doc_builder *, const char *, const char *, size_t, const qc_read_options *, qc_error *);

static reader_fn reader_for(qc_format format)
{
    switch (format) {
    case QC_FORMAT_TEXT: return qc_read_text;
    case QC_FORMAT_VTT: return qc_read_vtt;
    case QC_FORMAT_SRT: return qc_read_srt;
    case QC_FORMAT_DOCX: return qc_read_docx;
    default: return NULL;
    }
}

static void reading_hash(const qc_read_options *opts, qc_format format, unsigned char out[32])
{
    qc_sha256_ctx ctx;
    qc_sha256_init(&ctx);
    qc_sha256_update_str(&ctx, "qcode reading 1");
    qc_sha256_update_str(&ctx, qc_version());
    /* The build's own sources too: the version does not change with every commit that changes
     * what is read or found, and a cache entry of another build must never be taken. */
    qc_sha256_update_str(&ctx, QCODE_ENGINE_DIGEST);
    uint32_t v[4] = {(uint32_t)format, (uint32_t)opts->encoding, (uint32_t)opts->speakers,
                     (uint32_t)opts->interviewer_label_count};
    qc_sha256_update(&ctx, v, sizeof v);
    qc_sha256_update_str(&ctx, opts->speaker_pattern);
    for (size_t i = 0; opts->interviewer_labels && i < opts->interviewer_label_count; i++)
        qc_sha256_update_str(&ctx, opts->interviewer_labels[i]);
    /* The people a casebook names for this document are trusted as speakers; its other rows and
     * values do not change the reading. */
    unsigned char people[32];
    if (qc_casebook_speakers_digest(opts->casebook, opts->id, people)) {
        qc_sha256_update_str(&ctx, "casebook speakers");
        qc_sha256_update(&ctx, people, sizeof people);
    }
    qc_sha256_final(&ctx, out);
}

int qc_read_options_current(const qc_read_options *opts, qc_read_options *out, qc_error *err)
{
    static const qc_read_options defaults = QC_READ_OPTIONS_INIT;
    if (!opts) {
        *out = defaults;
        return QC_OK;
    }
    if (opts->version < 1 || opts->version > QC_READ_OPTIONS_VERSION)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "read options version %u, expected 1 to %u",
                            opts->version, QC_READ_OPTIONS_VERSION);
    *out = defaults;
    /* Version 1 ends before `casebook`: a caller built with it has no more to read. */
    memcpy(out, opts, opts->version == 1 ? offsetof(qc_read_options, casebook) : sizeof *out);
    out->version = QC_READ_OPTIONS_VERSION;
    return QC_OK;
}

/* Records how the bytes were decoded, for qc_document_encoding: UTF-16 as its bytes tell (whatever
 * was asked, converted before reading), Windows-1252 where asked for, UTF-8 otherwise. A .docx is
 * XML, decoded as it declares whatever was asked: its reader said how (qc_doc_builder_encoding). */
static void record_encoding(qc_document *doc, qc_format format, qc_encoding asked, int utf16, int utf16_bom,
                            const char *data, size_t size)
{
    if (utf16) {
        doc->encoding = utf16 == 'L' ? "utf-16le" : "utf-16be";
        doc->byte_order_mark = utf16_bom;
        return;
    }
    if (format == QC_FORMAT_DOCX)
        return;
    if (asked == QC_ENCODING_WINDOWS1252)
        doc->encoding = "windows-1252";
    /* The line reader drops a UTF-8 mark in either encoding (lines.c). */
    doc->byte_order_mark = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
}

/* name: for messages; path: the file ("" from memory); id: the document id. */
static int read_document(qc_document **out, const char *name, const char *path, const char *data, size_t size,
                         const qc_read_options *opts, qc_error *err)
{
    qc_read_options current;
    int rc = qc_read_options_current(opts, &current, err);
    if (rc != 0)
        return qc_error_in_file(err, rc, name, NULL);
    /* The readers look the casebook's people up under the document's id. */
    if (!current.id)
        current.id = name;
    opts = &current;
    qc_format format = opts->format != QC_FORMAT_AUTO ? opts->format : qc_format_from_path(name);
    reader_fn reader = reader_for(format);
    if (!reader)
        return qc_error_set(err, QC_ERR_INVALID, name, 0, 0, -1,
                            "unknown transcript format (expected .txt, .md, .vtt, .srt or .docx)");
    if (size > MAX_DOCUMENT_BYTES)
        return qc_error_set(err, QC_ERR_LIMIT, name, 0, 0, -1, "file too large (4 GiB at most)");
    qc_doc_builder *b = NULL;
    rc = qc_doc_builder_new(&b, opts->id, path, format, opts, err);
    if (rc != 0)
        return rc;
    if (qc_doc_builder_set_name(b, name) != 0) {
        qc_doc_builder_free(b);
        return qc_error_nomem(err);
    }
    /* UTF-16 is read as its UTF-8 (decided by its bytes, whatever --encoding says, as a UTF-8
     * byte order mark is): the readers then see text like any other. */
    qc_buf utf8 = QC_BUF_INIT;
    int bom = 0, kind = format == QC_FORMAT_DOCX ? 0 : qc_utf16_kind(data, size, &bom);
    const char *original = data;
    size_t original_size = size;
    qc_read_options as_utf8 = *opts;
    if (kind) {
        rc = qc_utf16_to_utf8(name, data, size, kind, bom, &utf8, err);
        if (rc == 0 && utf8.len > MAX_DOCUMENT_BYTES)
            rc = qc_error_set(err, QC_ERR_LIMIT, name, 0, 0, -1, "file too large once read as UTF-8 (4 GiB at most)");
        data = qc_buf_cstr(&utf8);
        size = utf8.len;
        as_utf8.encoding = QC_ENCODING_UTF8;
    }
    int converted = rc == 0;
    if (rc == 0)
        rc = reader(b, name, data, size, &as_utf8, err);
    if (rc == 0)
        rc = qc_doc_builder_finish(b, out, err);
    /* The readers count bytes of the UTF-8 copy: an error gives the file's (a NUL's offset). */
    if (rc != 0 && kind && converted)
        qc_utf16_error_in_file(err, name, data, size, bom);
    qc_doc_builder_free(b);
    qc_buf_free(&utf8);
    if (rc == 0) {
        reading_hash(opts, format, (*out)->reading);
        record_encoding(*out, format, opts->encoding, kind, bom, original, original_size);
    }
    return rc;
}

int qc_document_read_file(qc_document **out, const char *path, const qc_read_options *opts, qc_error *err)
{
    if (!out || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_document_read_file: NULL argument");
    *out = NULL;
    char *data = NULL;
    size_t size = 0;
    int rc = qc_transcript_read(path, &data, &size, err);
    if (rc != 0)
        return rc;
    rc = read_document(out, path, path, data, size, opts, err);
    qc_free(data);
    return rc;
}

int qc_document_read_buffer(qc_document **out, const char *name, const void *data, size_t size,
                            const qc_read_options *opts, qc_error *err)
{
    if (!out || !name || (!data && size))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_document_read_buffer: NULL argument");
    *out = NULL;
    return read_document(out, name, "", data ? data : "", size, opts, err);
}

static void free_strings(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        qc_free(v[i]);
    qc_free(v);
}

void qc_document_free(qc_document *doc)
{
    if (!doc)
        return;
    qc_free(doc->id);
    qc_free(doc->path);
    qc_free(doc->text);
    qc_free(doc->cp_to_byte);
    qc_free(doc->source_runs);
    qc_free(doc->cp_to_utf16);
    qc_free(doc->line_starts);
    free_strings(doc->attr_keys, doc->attr_count);
    free_strings(doc->attr_values, doc->attr_count);
    free_strings(doc->speakers, doc->speaker_count);
    qc_free(doc->speaker_roles);
    qc_free(doc->turns);
    qc_free(doc->paragraphs);
    qc_free(doc->sentences);
    qc_free(doc->sentence_words);
    qc_free(doc->words);
    qc_free(doc->stamps);
    for (size_t i = 0; i < doc->note_count; i++)
        qc_free(doc->notes[i].message);
    qc_free(doc->notes);
    qc_free(doc);
}

const char *qc_document_id(const qc_document *doc)
{
    return doc->id;
}

const char *qc_document_path(const qc_document *doc)
{
    return doc->path;
}

qc_format qc_document_format(const qc_document *doc)
{
    return doc->format;
}

const char *qc_document_encoding(const qc_document *doc, int *byte_order_mark)
{
    if (byte_order_mark)
        *byte_order_mark = doc->byte_order_mark;
    return doc->encoding ? doc->encoding : "utf-8";
}

const char *qc_document_text(const qc_document *doc, size_t *size_bytes)
{
    if (size_bytes)
        *size_bytes = doc->text_size;
    return doc->text;
}

size_t qc_document_length(const qc_document *doc)
{
    return doc->length;
}

size_t qc_document_attribute_count(const qc_document *doc)
{
    return doc->attr_count;
}

int qc_document_attribute(const qc_document *doc, size_t index, const char **key, const char **value)
{
    if (index >= doc->attr_count)
        return QC_ERR_NOTFOUND;
    if (key)
        *key = doc->attr_keys[index];
    if (value)
        *value = doc->attr_values[index];
    return 0;
}

const char *qc_document_attribute_get(const qc_document *doc, const char *key)
{
    for (size_t i = 0; i < doc->attr_count; i++)
        if (qc_fold_equal(doc->attr_keys[i], strlen(doc->attr_keys[i]), key, strlen(key)))
            return doc->attr_values[i];
    return NULL;
}

size_t qc_document_turn_count(const qc_document *doc)
{
    return doc->turn_count;
}

int qc_document_turn(const qc_document *doc, size_t index, qc_turn *out)
{
    if (index >= doc->turn_count)
        return QC_ERR_NOTFOUND;
    const qc_doc_turn *t = &doc->turns[index];
    out->start = t->start;
    out->end = t->end;
    out->speaker = t->speaker >= 0 ? doc->speakers[t->speaker] : NULL;
    out->role = (qc_role)t->role;
    out->time_start_ms = t->time_start_ms;
    out->time_end_ms = t->time_end_ms;
    out->line = t->line;
    return 0;
}

uint32_t qc_document_turn_last_cue(const qc_document *doc, size_t index)
{
    return index < doc->turn_count ? doc->turns[index].last_line : 0;
}

size_t qc_document_cue_count(const qc_document *doc)
{
    return doc->cue_count;
}

size_t qc_document_note_count(const qc_document *doc)
{
    return doc->note_count;
}

int qc_document_note(const qc_document *doc, size_t index, uint32_t *line, const char **message)
{
    if (index >= doc->note_count)
        return QC_ERR_NOTFOUND;
    if (line)
        *line = doc->notes[index].line;
    if (message)
        *message = doc->notes[index].message;
    return 0;
}

size_t qc_document_speaker_count(const qc_document *doc)
{
    return doc->speaker_count;
}

const char *qc_document_speaker(const qc_document *doc, size_t index, qc_role *role)
{
    if (index >= doc->speaker_count)
        return NULL;
    if (role)
        *role = (qc_role)doc->speaker_roles[index];
    return doc->speakers[index];
}

typedef struct spelling {
    const char *label;
    size_t index;
} spelling;

static int by_name_then_index(const void *pa, const void *pb)
{
    const spelling *a = pa, *b = pb;
    int c = qc_fold_compare(a->label, strlen(a->label), b->label, strlen(b->label));
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Sorted, not compared pairwise: a document of thousands of speakers stays fast. */
int qc_document_speaker_names(const qc_document *doc, size_t *lead, size_t *turns)
{
    size_t n = doc ? doc->speaker_count : 0;
    if (n && (!lead || !turns))
        return QC_ERR_INVALID;
    spelling *v = qc_malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = (spelling){doc->speakers[i], i};
    qsort(v, n, sizeof *v, by_name_then_index);
    for (size_t k = 0, first = 0; k < n; k++) {
        if (k > 0 && !qc_fold_equal(v[k - 1].label, strlen(v[k - 1].label), v[k].label, strlen(v[k].label)))
            first = k;
        lead[v[k].index] = v[first].index;
        turns[v[k].index] = 0;
    }
    qc_free(v);
    for (size_t t = 0; t < (doc ? doc->turn_count : 0); t++)
        if (doc->turns[t].speaker >= 0 && (size_t)doc->turns[t].speaker < n)
            turns[lead[doc->turns[t].speaker]]++;
    return QC_OK;
}

size_t qc_document_unit_count(const qc_document *doc, qc_unit_kind kind)
{
    switch (kind) {
    case QC_UNIT_PARAGRAPH: return doc->paragraph_count;
    case QC_UNIT_SENTENCE: return doc->sentence_count;
    case QC_UNIT_WORD: return doc->word_count;
    default: return 0;
    }
}

int qc_document_unit(const qc_document *doc, qc_unit_kind kind, size_t index, qc_unit *out)
{
    if (index >= qc_document_unit_count(doc, kind))
        return QC_ERR_NOTFOUND;
    if (kind == QC_UNIT_WORD) {
        const qc_doc_word *w = &doc->words[index];
        out->start = w->start;
        out->end = w->end;
        out->turn = doc->sentences[w->sentence].turn;
        return 0;
    }
    const qc_doc_unit *u = kind == QC_UNIT_PARAGRAPH ? &doc->paragraphs[index] : &doc->sentences[index];
    out->start = u->start;
    out->end = u->end;
    out->turn = u->turn;
    return 0;
}

static size_t clamp(const qc_document *doc, size_t cp)
{
    return cp > doc->length ? doc->length : cp;
}

size_t qc_document_text_offset(const qc_document *doc, size_t cp)
{
    return doc->cp_to_byte[clamp(doc, cp)];
}

/* The source run holding code point cp (< length; there is at least one run). */
static const qc_doc_source_run *run_of(const qc_document *doc, size_t cp)
{
    /* the last run starting at or before cp: the first does */
    size_t after = qc_upper_bound_u32(doc->source_runs, sizeof *doc->source_runs, offsetof(qc_doc_source_run, cp), 1,
                                      doc->source_run_count, (uint32_t)cp);
    return &doc->source_runs[after - 1];
}

size_t qc_document_source_offset(const qc_document *doc, size_t cp)
{
    cp = clamp(doc, cp);
    if (cp == doc->length || !doc->source_run_count)
        return doc->source_end;
    const qc_doc_source_run *r = run_of(doc, cp);
    return r->linear ? r->source + (doc->cp_to_byte[cp] - r->byte) : r->source;
}

size_t qc_doc_source_end(const qc_document *doc, size_t cp)
{
    cp = clamp(doc, cp);
    if (cp == 0 || !doc->source_run_count)
        return qc_document_source_offset(doc, cp);
    /* Copied bytes end where the last of them ends. */
    const qc_doc_source_run *last = run_of(doc, cp - 1);
    if (last->linear)
        return last->source + (doc->cp_to_byte[cp] - last->byte);
    /* Decoded text has no extent in the map. When the file's own bytes carry on after it (plain
     * text's line end), they start where it ends; otherwise what follows is a separator the reader
     * wrote, which maps to the next cue or paragraph, so the end is just past the decoded text's
     * first byte. */
    if (cp < doc->length) {
        const qc_doc_source_run *next = run_of(doc, cp);
        size_t at = qc_document_source_offset(doc, cp);
        if (next->linear && at > last->source)
            return at;
    }
    return (size_t)last->source + 1;
}

size_t qc_document_utf16_offset(const qc_document *doc, size_t cp)
{
    cp = clamp(doc, cp);
    return doc->cp_to_utf16 ? doc->cp_to_utf16[cp] : cp;
}

void qc_document_line_col(const qc_document *doc, size_t cp, uint32_t *line, uint32_t *column)
{
    cp = clamp(doc, cp);
    /* The last line start at or before cp (the first line starts at 0; with no lines, 0). */
    size_t lo = qc_upper_bound_u32(doc->line_starts, sizeof *doc->line_starts, 0, 1, doc->line_count, (uint32_t)cp) - 1;
    if (line)
        *line = (uint32_t)(lo + 1);
    if (column)
        *column = (uint32_t)(cp - (doc->line_count ? doc->line_starts[lo] : 0) + 1);
}
