#include "targets.h"

#include <string.h>

#include <qcode.h>

/* The first byte picks options, as cmark's fuzzer does, so one target covers the reader's modes. */
static qc_read_options options_from(uint8_t selector)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.encoding = (selector & 1) ? QC_ENCODING_WINDOWS1252 : QC_ENCODING_UTF8;
    opts.speakers = (selector & 2) ? QC_SPEAKERS_NONE : QC_SPEAKERS_AUTO;
    return opts;
}

/* Walks everything a reader produced, so that bad offsets show up under the sanitizers. */
static void touch_document(const qc_document *doc)
{
    size_t size = 0;
    const char *text = qc_document_text(doc, &size);
    size_t length = qc_document_length(doc);
    volatile unsigned sink = 0;
    for (size_t i = 0; i < size; i++)
        sink += (unsigned char)text[i];
    for (size_t i = 0; i < qc_document_turn_count(doc); i++) {
        qc_turn t;
        if (qc_document_turn(doc, i, &t) == 0 && (t.start > t.end || t.end > length))
            __builtin_trap();
    }
    for (int kind = QC_UNIT_PARAGRAPH; kind <= QC_UNIT_WORD; kind++) {
        for (size_t i = 0; i < qc_document_unit_count(doc, (qc_unit_kind)kind); i++) {
            qc_unit u;
            if (qc_document_unit(doc, (qc_unit_kind)kind, i, &u) == 0 && (u.start > u.end || u.end > length))
                __builtin_trap();
        }
    }
    sink += (unsigned)qc_document_source_offset(doc, length);
    sink += (unsigned)qc_document_utf16_offset(doc, length);
    sink += (unsigned)qc_document_text_offset(doc, length);
    (void)sink;
}

static int read_as(const char *name, const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    qc_read_options opts = options_from(data[0]);
    qc_document *doc = NULL;
    qc_error err;
    if (qc_document_read_buffer(&doc, name, data + 1, size - 1, &opts, &err) == 0) {
        touch_document(doc);
        qc_document_free(doc);
    }
    return 0;
}

static int fuzz_text(const uint8_t *data, size_t size)
{
    return read_as("fuzz.txt", data, size);
}

static int fuzz_vtt(const uint8_t *data, size_t size)
{
    return read_as("fuzz.vtt", data, size);
}

static int fuzz_srt(const uint8_t *data, size_t size)
{
    return read_as("fuzz.srt", data, size);
}

static int fuzz_docx(const uint8_t *data, size_t size)
{
    return read_as("fuzz.docx", data, size);
}

static void ignore_diagnostic(const qc_diagnostic *diag, void *user)
{
    (void)diag;
    (void)user;
}

static int fuzz_codebook(const uint8_t *data, size_t size)
{
    qc_codebook_options opts = QC_CODEBOOK_OPTIONS_INIT;
    opts.on_diagnostic = ignore_diagnostic;
    opts.regex_match_limit = 10000;
    qc_codebook *cb = NULL;
    qc_error err;
    if (qc_codebook_load_buffer(&cb, "fuzz.qcb", data, size, &opts, &err) != 0)
        return 0;
    /* A codebook that compiles must also code a document without trouble. */
    static const char transcript[] = "Interviewer: How is the team?\n\n"
                                     "S1: We are co-located now, in the same office. It's not helpful!\n"
                                     "The district nurse can walk over and ask for advice.\n";
    qc_document *doc = NULL;
    qc_coder *coder = NULL;
    qc_coding *coding = NULL;
    if (qc_document_read_buffer(&doc, "t.txt", transcript, sizeof transcript - 1, NULL, &err) == 0 &&
        qc_coder_new(&coder, cb, NULL, &err) == 0 && qc_coder_code(coder, doc, NULL, &coding, &err) == 0) {
        for (size_t i = 0; i < qc_coding_quotation_count(coding); i++) {
            qc_quotation q;
            if (qc_coding_quotation(coding, i, &q) == 0 && (q.start > q.end || q.end > qc_document_length(doc)))
                __builtin_trap();
        }
    }
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
    return 0;
}

const qcf_target qcf_targets[] = {
    {"text", fuzz_text}, {"vtt", fuzz_vtt}, {"srt", fuzz_srt}, {"docx", fuzz_docx}, {"codebook", fuzz_codebook},
};
const size_t qcf_target_count = sizeof qcf_targets / sizeof qcf_targets[0];

const qcf_target *qcf_find(const char *name)
{
    for (size_t i = 0; i < qcf_target_count; i++)
        if (strcmp(qcf_targets[i].name, name) == 0)
            return &qcf_targets[i];
    return NULL;
}
