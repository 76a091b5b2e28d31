/* The document model's representation, shared by the readers (which build it), segmentation,
 * and the matcher (which reads its arrays directly, for speed). Everything else goes through
 * the accessors in include/qcode/document.h.
 *
 * Offsets are code points into `text` (normalised: NFC, LF, no BOM). A document is at most
 * UINT32_MAX bytes, so offsets fit 32 bits. */
#ifndef QC_DOCUMENT_IMPL_H
#define QC_DOCUMENT_IMPL_H

#include <stdint.h>

#include "qcode/document.h"

/* The longest name of an encoding a document keeps, its NUL included (a longer one is cut). */
#define QC_DOC_ENCODING_NAME_MAX 40

typedef struct qc_doc_turn {
    uint32_t start, end; /* content span, label excluded */
    int32_t speaker;     /* index into speakers[], -1 when unlabelled */
    uint8_t role;        /* qc_role */
    int64_t time_start_ms, time_end_ms;
    uint32_t line;
    uint32_t last_line; /* the last cue merged into a subtitle turn; line otherwise */
} qc_doc_turn;

/* A paragraph or sentence. */
typedef struct qc_doc_unit {
    uint32_t start, end;
    uint32_t turn;
} qc_doc_unit;

/* Where a stretch of code points came from in the original file: from code point `cp` (at byte
 * `byte` of the text) to the next run's, code point c comes from file byte source + (cp_to_byte[c]
 * - byte) when `linear` (bytes copied as they were), else from `source` (text NFC changed or a
 * reader wrote: every code point maps to the start of what it came from). */
typedef struct qc_doc_source_run {
    uint32_t cp, byte, source;
    uint32_t linear;
} qc_doc_source_run;

/* What reading left out rather than refused (qc_document_note): the line it was on and why. */
typedef struct qc_doc_note {
    uint32_t line;
    char *message;
} qc_doc_note;

typedef struct qc_doc_word {
    uint32_t start, end;
    uint32_t sentence; /* index into sentences[] (which gives the turn) */
} qc_doc_word;

struct qc_document {
    char *id;
    char *path;
    qc_format format;
    uint32_t cue_count; /* a subtitle file's cues (qc_document_cue_count); 0 for other formats */

    char *text;       /* NUL-terminated */
    size_t text_size; /* bytes */
    size_t length;    /* code points */
    /* How it was read: SHA-256 of qcode's version and the read options that change the text, turns
     * or roles (format, encoding, speaker preset and pattern, interviewer labels); zero when the
     * document was not read from bytes. The same bytes read the same way give the same document
     * (coding_digest.h relies on it). */
    unsigned char reading[32];
    /* How the file's bytes were decoded (qc_document_encoding): a static string or encoding_name,
     * NULL for UTF-8 (a document not read from bytes too); byte_order_mark says the file (a
     * .docx's word/document.xml) began with one. */
    const char *encoding;
    int byte_order_mark;
    /* An encoding a .docx's word/document.xml declares that has no static name here, lower-cased
     * (qc_doc_builder_encoding). */
    char encoding_name[QC_DOC_ENCODING_NAME_MAX];

    /* length+1 entries: code point -> byte in text. */
    uint32_t *cp_to_byte;
    /* Code point -> byte in the original file (qc_document_source_offset), as runs in code point
     * order, the first at 0; source_end is where the end (code point `length`) maps. A few hundred
     * runs a transcript where a map had 4 bytes a code point to write. */
    qc_doc_source_run *source_runs;
    size_t source_run_count;
    uint32_t source_end;
    /* length+1 entries, or NULL when every code point is in the BMP (then utf16 == cp). */
    uint32_t *cp_to_utf16;
    /* Code-point offset where each line of text starts (line 1 at [0]). */
    uint32_t *line_starts;
    size_t line_count;

    char **attr_keys;
    char **attr_values;
    size_t attr_count;

    char **speakers; /* distinct labels, first appearance order */
    uint8_t *speaker_roles;
    size_t speaker_count;

    qc_doc_turn *turns;
    size_t turn_count;
    qc_doc_unit *paragraphs;
    size_t paragraph_count;
    qc_doc_unit *sentences;
    size_t sentence_count;
    /* sentence_count + 1 entries (NULL when there are no sentences): the first word of each
     * sentence, then word_count; sentence i's words are [sentence_words[i], sentence_words[i + 1]). */
    uint32_t *sentence_words;
    qc_doc_word *words;
    size_t word_count;
    /* Time stamps inside turns ("[00:11:37]", qc_time_stamp_end), in text order, each inside one
     * sentence: markup, not words. Their text stays; word scans skip them, phrases and regexes read
     * them as white space (docs/semantics.md). NULL when there are none. */
    qc_doc_unit *stamps;
    size_t stamp_count;
    qc_doc_note *notes; /* NULL when there are none */
    size_t note_count;
};

/* Where the text that ends before code point cp (0..length) ends in the original file: the byte
 * just after the last code point before cp. qc_document_source_offset maps cp itself, which after
 * a turn in a subtitle or .docx is the blank line the reader wrote, mapped to the next cue or
 * paragraph. For a last code point the reader decoded (a reference, an entity, a Windows-1252
 * subtitle line, letters NFC composed), the map knows only where it starts: the end is the byte
 * where the file's bytes carry on after it, or else just past that start. */
size_t qc_doc_source_end(const qc_document *doc, size_t cp);

/* opts (NULL: the defaults) as options of the current version: a caller built with an earlier
 * version of the header gave a shorter struct, read no further than it goes. Copies that change a
 * field (the run's document id) are made from the result, never from the caller's struct. */
int qc_read_options_current(const qc_read_options *opts, qc_read_options *out, qc_error *err);

#endif
