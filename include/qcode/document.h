/* qcode/document.h: one transcript read into the document model.
 *
 * A document holds its normalised text (UTF-8, NFC, LF line ends, no BOM), its attributes (from
 * header lines; casebook attributes are looked up separately), and its structure: turns,
 * paragraphs, sentences and words. Every span is [start, end) in Unicode code points into the
 * normalised text. Maps give, for any code-point offset, the byte offset in the normalised text,
 * the byte offset in the original file, and the UTF-16 offset (NVivo's unit).
 *
 * A document is immutable once read: any number of threads may read it at once.
 * Strings returned by getters are borrowed and live as long as the document.
 */
#ifndef QCODE_DOCUMENT_H
#define QCODE_DOCUMENT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qc_document qc_document;

typedef enum qc_format {
    QC_FORMAT_AUTO = 0, /* by file name extension */
    QC_FORMAT_TEXT,     /* .txt, .md */
    QC_FORMAT_VTT,      /* .vtt */
    QC_FORMAT_SRT,      /* .srt */
    QC_FORMAT_DOCX      /* .docx */
} qc_format;

/* The format a file name's extension implies, or QC_FORMAT_AUTO when none is known. */
QC_EXPORT qc_format qc_format_from_path(const char *path);
QC_EXPORT const char *qc_format_name(qc_format format);

typedef enum qc_encoding {
    QC_ENCODING_UTF8 = 0,   /* invalid UTF-8 is an error */
    QC_ENCODING_WINDOWS1252 /* every byte decoded as Windows-1252 (Word's "ANSI" export) */
} qc_encoding;

/* How speaker labels are recognised in plain text, .docx and inside subtitle cues. */
typedef enum qc_speaker_preset {
    QC_SPEAKERS_AUTO = 0, /* every convention documented in docs/transcripts.md */
    QC_SPEAKERS_NONE      /* no labels: the document is one unlabelled narrative */
} qc_speaker_preset;

/* Version 2 added `casebook`; options of version 1 are still accepted (as having none). */
#define QC_READ_OPTIONS_VERSION 2

typedef struct qc_casebook qc_casebook; /* qcode/casebook.h */

typedef struct qc_read_options {
    unsigned version; /* QC_READ_OPTIONS_VERSION */
    qc_format format; /* QC_FORMAT_AUTO: from the extension */
    qc_encoding encoding;
    qc_speaker_preset speakers;
    /* A PCRE2 pattern matched at the start of each line (of each paragraph in .docx, of each
     * cue's text in subtitles) with a named group (?<speaker>...) and optionally (?<time>...);
     * the text after the match is the turn's first text. NULL: presets only. */
    const char *speaker_pattern;
    /* Labels that mean "interviewer", compared case-insensitively to the whole label.
     * NULL: the default list (Interviewer, Int, I, Q, Moderator, Facilitator, and the German,
     * French, Spanish, Dutch and Italian forms: Interviewerin, Moderatorin, Intervieweur,
     * Intervieweuse, Enquêteur, Enquêtrice, Animateur, Animatrice, Modérateur, Modératrice,
     * Enqueteur, Enquetrice, Moderateur, Entrevistador, Entrevistadora, Moderador, Moderadora,
     * Interviewster, Gespreksleider, Gespreksleidster, Intervistatore, Intervistatrice, Moderatore,
     * Moderatrice, Facilitatore, Facilitatrice). */
    const char *const *interviewer_labels;
    size_t interviewer_label_count;
    /* The document id; NULL: the path as given (read_file) or `name` (read_buffer). */
    const char *id;
    /* (Version 2.) A casebook whose speaker rows name people: a label it knows for this document
     * (a row of this document id, or a row with no document), compared as the casebook compares
     * speakers, is a speaker even when it starts only one line, like a conventional label
     * (docs/transcripts.md). NULL: none. Borrowed for the call; it changes how a document is read,
     * so a cached coding of the document read without it is not reused. */
    const qc_casebook *casebook;
} qc_read_options;

#define QC_READ_OPTIONS_INIT                                                                                           \
    {                                                                                                                  \
        QC_READ_OPTIONS_VERSION, QC_FORMAT_AUTO, QC_ENCODING_UTF8, QC_SPEAKERS_AUTO, NULL, NULL, 0, NULL, NULL         \
    }

/* Checks options once before many reads (a corpus): the version and the speaker pattern, which
 * would otherwise fail every read with the same error. QC_OK, or QC_ERR_INVALID with no file in
 * err. opts may be NULL. */
QC_EXPORT int qc_read_options_check(const qc_read_options *opts, qc_error *err);

/* Reads a transcript. On success *out is the caller's (free with qc_document_free).
 * On failure returns a negative qc_status and fills err with the file, line and column.
 * A file over 256 MiB is refused with QC_ERR_LIMIT (a pipe or a device once that much was read).
 * opts may be NULL (defaults). Thread-safe: any number of calls may run at once. */
QC_EXPORT int qc_document_read_file(qc_document **out, const char *path, const qc_read_options *opts,
                                    qc_error *err);

/* As read_file, from memory. `name` names the source in messages and, with no opts->id, is the
 * document id; the format must be given (opts->format) or implied by `name`'s extension.
 * The buffer is borrowed for the call only. */
QC_EXPORT int qc_document_read_buffer(qc_document **out, const char *name, const void *data, size_t size,
                                      const qc_read_options *opts, qc_error *err);

/* Frees a document; NULL is a no-op. */
QC_EXPORT void qc_document_free(qc_document *doc);

QC_EXPORT const char *qc_document_id(const qc_document *doc);
QC_EXPORT const char *qc_document_path(const qc_document *doc); /* "" when read from memory */
QC_EXPORT qc_format qc_document_format(const qc_document *doc);
/* How the file's bytes were decoded into the text: "utf-8"; "windows-1252" (asked for with
 * QC_ENCODING_WINDOWS1252); "utf-16le" or "utf-16be", told by the bytes whatever was asked (what
 * Windows calls "Unicode text") and converted to UTF-8 before reading. A .docx is XML, its
 * word/document.xml decoded as it declares, whatever was asked: "utf-8" as Word writes it,
 * "utf-16le" or "utf-16be" for a UTF-16 part, or the encoding its XML declaration names, in lower
 * case ("iso-8859-1", "windows-1252"). *byte_order_mark (may be NULL) is 1 when the file (a .docx's
 * part) began with a byte order mark (UTF-16's, or UTF-8's EF BB BF), dropped from the text, else
 * 0. A static string, but for a name a .docx declares other than those above, which lives as long
 * as the document. */
QC_EXPORT const char *qc_document_encoding(const qc_document *doc, int *byte_order_mark);

/* The normalised text (NUL-terminated) and its size in bytes. */
QC_EXPORT const char *qc_document_text(const qc_document *doc, size_t *size_bytes);
/* Its length in code points. */
QC_EXPORT size_t qc_document_length(const qc_document *doc);

/* Attributes from the document's header lines, in file order. */
QC_EXPORT size_t qc_document_attribute_count(const qc_document *doc);
QC_EXPORT int qc_document_attribute(const qc_document *doc, size_t index, const char **key,
                                    const char **value);
/* The value of an attribute, or NULL. Keys compare as names do (qc_casebook_name_compare): without
 * case in any script, and whether an accent is typed as one character or as a combining mark
 * (`région`, `RÉGION`, `RE` + U+0301 `GION`), as `where` finds them. */
QC_EXPORT const char *qc_document_attribute_get(const qc_document *doc, const char *key);

typedef struct qc_turn {
    size_t start, end;             /* the turn's text, without its label */
    const char *speaker;           /* the label as written (trimmed), or NULL when unlabelled */
    qc_role role;
    int64_t time_start_ms;         /* -1 when the transcript gives no time */
    int64_t time_end_ms;           /* -1 when unknown */
    uint32_t line;                 /* 1-based line (paragraph in .docx, cue in subtitles) it starts on */
} qc_turn;

QC_EXPORT size_t qc_document_turn_count(const qc_document *doc);
QC_EXPORT int qc_document_turn(const qc_document *doc, size_t index, qc_turn *out);
/* The last cue of a subtitle turn: consecutive cues of one speaker are one turn (its `line` is the
 * first of them), so a turn of cues 4 to 9 gives 9 here. A turn of one cue, and a turn of any other
 * format, gives its `line`. 0 when index is out of range. */
QC_EXPORT uint32_t qc_document_turn_last_cue(const qc_document *doc, size_t index);
/* The cues of a subtitle file (WebVTT, SubRip): every cue with a timing line, those whose text was
 * left out (qc_document_note) or that had none too, numbered 1 to this count in file order as a
 * turn's `line` and qc_document_turn_last_cue number them. 0 for any other format. */
QC_EXPORT size_t qc_document_cue_count(const qc_document *doc);

/* Warnings about the reading: what was left out of the document rather than failing it (a speaker
 * label or subtitle voice with no text, whose turn or cue is skipped; Markdown text after a heading
 * that is in no turn: docs/transcripts.md), in line order. Each has the 1-based line of the file
 * (the paragraph in .docx) it is about, and a message (UTF-8, no file name in it: the file is the
 * document's) that lives as long as the document. line and message may be NULL. Returns 0, or
 * QC_ERR_NOTFOUND when index is out of range. */
QC_EXPORT size_t qc_document_note_count(const qc_document *doc);
QC_EXPORT int qc_document_note(const qc_document *doc, size_t index, uint32_t *line, const char **message);

/* The distinct speakers, in order of first appearance: labels as written, so spellings of one name
 * (`Élodie`, `élodie`: qc_casebook_name_compare) are each a speaker here, with its own turns, while
 * the results count them one respondent and `qcode inspect` lists them once. */
QC_EXPORT size_t qc_document_speaker_count(const qc_document *doc);
QC_EXPORT const char *qc_document_speaker(const qc_document *doc, size_t index, qc_role *role);
/* The speakers grouped by name, as the results count respondents and `qcode inspect` lists them:
 * for each speaker i, lead[i] is the first speaker (in order of appearance) whose label compares
 * as the same name (qc_casebook_name_compare), and turns[lead] the turns of every spelling of that
 * name (turns of other speakers are 0). Both arrays hold qc_document_speaker_count entries, the
 * caller's. QC_OK, QC_ERR_NOMEM, or QC_ERR_INVALID for NULL arrays when there are speakers. */
QC_EXPORT int qc_document_speaker_names(const qc_document *doc, size_t *lead, size_t *turns);

typedef enum qc_unit_kind {
    QC_UNIT_PARAGRAPH = 0,
    QC_UNIT_SENTENCE = 1,
    QC_UNIT_WORD = 2
} qc_unit_kind;

/* A paragraph, sentence or word: [start, end) in code points, and the index of its turn.
 * Units lie inside turns: text outside any turn (a preamble) has no units. */
typedef struct qc_unit {
    size_t start, end;
    size_t turn;
} qc_unit;

QC_EXPORT size_t qc_document_unit_count(const qc_document *doc, qc_unit_kind kind);
QC_EXPORT int qc_document_unit(const qc_document *doc, qc_unit_kind kind, size_t index, qc_unit *out);

/* Offset maps, for any code-point offset 0..length (inclusive). */
QC_EXPORT size_t qc_document_text_offset(const qc_document *doc, size_t cp);   /* byte in normalised text */
QC_EXPORT size_t qc_document_source_offset(const qc_document *doc, size_t cp); /* byte in the original file */
QC_EXPORT size_t qc_document_utf16_offset(const qc_document *doc, size_t cp);  /* UTF-16 code unit */

/* The 1-based line and column (code points) of an offset in the normalised text. */
QC_EXPORT void qc_document_line_col(const qc_document *doc, size_t cp, uint32_t *line, uint32_t *column);

#ifdef __cplusplus
}
#endif
#endif
