/* Building a document: the readers feed decoded text and structure to a builder, which owns
 * normalisation (NFC), the offset maps and segmentation, so every format gets them alike.
 *
 * Text is appended in order. Each append says where in the original file its bytes came from,
 * so any code point can be traced back to the file. Line ends must already be LF. */
#ifndef QC_DOC_BUILDER_H
#define QC_DOC_BUILDER_H

#include <stdint.h>

#include "qcode/document.h"

typedef struct qc_doc_builder qc_doc_builder;

/* id and path are copied. opts gives the interviewer labels (for roles); may be NULL; it is
 * borrowed until finish. */
int qc_doc_builder_new(qc_doc_builder **out, const char *id, const char *path, qc_format format,
                       const qc_read_options *opts, qc_error *err);
void qc_doc_builder_free(qc_doc_builder *b);

/* Appends valid UTF-8 whose byte i came from byte source_offset + i of the file (a verbatim copy). */
int qc_doc_builder_text(qc_doc_builder *b, const char *s, size_t len, uint32_t source_offset);
/* The same, with s lent rather than copied at once: its bytes must stay as they are until
 * qc_doc_builder_finish (a reader lends its file's bytes, which outlive the builder). */
int qc_doc_builder_text_lent(qc_doc_builder *b, const char *s, size_t len, uint32_t source_offset);
/* Appends valid UTF-8 that has no 1:1 origin (decoded Windows-1252, a label the reader writes, the
 * blank line between Word paragraphs): every byte maps to source_offset. */
int qc_doc_builder_text_at(qc_doc_builder *b, const char *s, size_t len, uint32_t source_offset);

/* Starts a turn at the current end of the text: what is appended until the next begin_turn or
 * end_turn is the turn's text. speaker may be NULL (unlabelled). Times in ms, -1 when unknown;
 * line is the 1-based line (paragraph, cue) the turn starts on. */
int qc_doc_builder_begin_turn(qc_doc_builder *b, const char *speaker, size_t speaker_len, int64_t time_start_ms,
                              int64_t time_end_ms, uint32_t line);
/* The number of turns begun so far: begin_turn's next turn gets this index. */
size_t qc_doc_builder_turn_count(const qc_doc_builder *b);
/* Starts a further piece of turn `host` (an index turn_count gave before it began) after another
 * speaker's interjection: the same speaker, no time of its own, the line it starts on. Each piece
 * is a turn of the document. At finish a piece without text is dropped, unless no piece of the
 * turn has text: then the first stays, and finish skips it as a label with no text.
 * Returns 0, QC_ERR_INVALID (no such turn) or QC_ERR_NOMEM. */
int qc_doc_builder_continue_turn(qc_doc_builder *b, size_t host, uint32_t line);
/* Extends the current turn's end time (a merged cue). */
void qc_doc_builder_turn_end_time(qc_doc_builder *b, int64_t time_end_ms);
/* The current turn goes on to cue `line` (a merged cue): qc_document_turn_last_cue. */
void qc_doc_builder_turn_last_line(qc_doc_builder *b, uint32_t line);
/* How the reader decoded the file's bytes, when it decodes them itself (a .docx's XML, as it
 * declares): qc_document_encoding's name ("utf-16le"; NULL: UTF-8) and whether a byte order mark
 * began them. A name without a static string of its own is copied, lower-cased. */
void qc_doc_builder_encoding(qc_doc_builder *b, const char *encoding, int byte_order_mark);
/* A subtitle file has `cues` cues (qc_document_cue_count), numbered 1 to cues. */
void qc_doc_builder_cue_count(qc_doc_builder *b, uint32_t cues);
/* Ends the current turn: text appended after it belongs to no turn (headers, preamble). */
int qc_doc_builder_end_turn(qc_doc_builder *b);

/* A note on the document (qc_document_note): text the reader left out rather than refused, at
 * `line` (1-based, the line of the file; the paragraph in .docx). The message is formatted here.
 * finish hands the notes to the document in line order, with its own. Returns 0 or QC_ERR_NOMEM. */
int qc_doc_builder_note(qc_doc_builder *b, uint32_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A document attribute (from header lines). Later values of the same key replace earlier ones. */
int qc_doc_builder_attribute(qc_doc_builder *b, const char *key, const char *value);

/* The name used in error messages (the file name given to read_buffer); defaults to the path.
 * Returns 0 or QC_ERR_NOMEM. */
int qc_doc_builder_set_name(qc_doc_builder *b, const char *name);

/* A hint: about `bytes` of text will be appended (a reader passes its file's size), so the text
 * buffer is allocated once instead of grown. Returns 0 or QC_ERR_NOMEM. */
int qc_doc_builder_reserve(qc_doc_builder *b, size_t bytes);

/* Normalises, builds the maps, assigns roles, and segments turns into paragraphs (split at blank
 * lines), sentences and words. Turns are trimmed of surrounding white space. A labelled turn with
 * no text is left out, with a note (qc_document_note) at its line; a speaker left with no turn
 * goes with it. The notes (the reader's and these) are sorted by line. Fails with QC_ERR_FORMAT when the text is only
 * white space, or no turn has text
 * ("empty transcript"). On success *out is the caller's and the builder may only be freed. */
int qc_doc_builder_finish(qc_doc_builder *b, qc_document **out, qc_error *err);

#endif
