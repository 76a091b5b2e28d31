/* Recognising speaker labels at the start of a line (plain text), a paragraph (.docx) or a cue's
 * text (subtitles): the presets in docs/transcripts.md plus a user pattern, and which labels
 * mean "interviewer". */
#ifndef QC_SPEAKERS_H
#define QC_SPEAKERS_H

#include <stdint.h>

#include "qcode/document.h"

typedef struct qc_speaker_rules qc_speaker_rules;

int qc_speaker_rules_new(qc_speaker_rules **out, const qc_read_options *opts, qc_error *err);
void qc_speaker_rules_free(qc_speaker_rules *r);
/* Whether opts' speaker pattern compiles and has a speaker group: 0, or the error the readers would
 * give every document. A run checks once before reading (qc_corpus_run, the cache's runs), so a
 * bad pattern is one error, not one per document. */
int qc_speaker_pattern_check(const qc_read_options *opts, qc_error *err);

typedef struct qc_label {
    size_t label_start, label_end; /* byte span of the speaker's name in the line */
    size_t text_start;             /* where the turn's text starts in the line (== len: label alone) */
    int64_t time_ms;               /* a time given with the label, -1 when none */
    uint8_t known_role;            /* a conventional label (Interviewer, Q, A, R, S12, P3...): trusted
                                      even when it appears once */
} qc_label;

/* Whether line[0..len) starts with a speaker label; fills *out when it does. Thread-safe for
 * distinct scratch: rules are read-only after creation. */
int qc_speaker_match_line(const qc_speaker_rules *r, const char *line, size_t len, qc_label *out);

/* The role a label implies: interviewer when it is one of the interviewer labels (case-insensitive,
 * whole label), else participant. */
qc_role qc_speaker_role(const qc_read_options *opts, const char *label, size_t len);

/* Whether a label is conventional (trusted even when it appears once): a role word, optionally
 * numbered (Interviewer, Q, A, R, I, Participant 3, Speaker 12..., and the German, French, Spanish,
 * Danish, Dutch and Italian ones: Befragte, Enquêtée, Entrevistado, Deltager, Geïnterviewde,
 * Intervistatore...; role_words in speakers.c, compared as names are), one of opts' interviewer
 * labels (compared as qc_speaker_role compares them), an id (S120, P3, DC03) or a description
 * ending in one (MH staff member S11). */
int qc_speaker_label_known(const qc_read_options *opts, const char *label, size_t len);

/* Whether a conventional label is one letter: `I`, `Q`, `A`, `R` (role words), or a one-letter
 * label given the interviewer's role. known is qc_speaker_label_known's answer for the label, or
 * the qc_label.known_role a scan gave it (1 for any match of the user's pattern). Such a letter is a dialogue's
 * shorthand, never anyone's name for a person or the interview: `I: Anna` names no one (qc_label_line_names), and a
 * block at the top that holds an `i:` line is dialogue, no header, between `---` rules too, where a word among the
 * letters (`note: phone rang`) is no speaker of it (read_text.c). */
int qc_label_is_letter(int known, size_t len);

/* Whether a header line `key: value` names a person, so that its key is a label of the body too
 * (`nurse: Mary Jones` above one `Nurse:` line): the value is a name, 1 to 4 words each starting
 * with an upper-case letter (any script), after a title or not (Ms, Mr, Mrs, Dr, Prof), or an id
 * (letters then digits: P07, N15); and the name has a title or two words or more, or the key is a
 * word for a person (a conventional label or one of the study roles in speakers.c: nurse, teacher,
 * carer...). One capitalised word or an id under another key is a place or a code (`site: North`,
 * `site: RS1`); prose and data are no name (`recorded on the ward`, `2016-03-22`). A key that says
 * where, when or what the interview was (`location`, `date`, `title`, `ort`, `lieu`...) names no one,
 * whatever its value: `location: New York`. */
int qc_header_names_person(const qc_read_options *opts, const char *key, size_t key_len, const char *value,
                           size_t value_len);
/* Whether a line `LABEL: value` under a role word of more than one letter (Interviewer,
 * Befragte, Participant 3...: the words qc_speaker_label_known trusts, not an id) names who
 * speaks, or how many, rather than speaks: its value names a person (qc_header_names_person with
 * the label for a key: `Petra Schmidt`, `Anna`, `B3`) or is a figure (a digit first: `12
 * Personen`), and does not end a sentence (a word of three characters or more, then a full stop:
 * `Hello.`, `Zehn Jahre.`; `Anna M.` ends in an initial). Such lines at the top are a header's or
 * the preamble's, not a dialogue's (`interviewerin: Petra Schmidt` / `befragte: Anna`,
 * `INTERVIEWER: Peter Asaro` / `INTERVIEWEE: Tatsuo Arai`); `I:`, `Q:`, `A:`, `R:` never name
 * (qc_label_is_letter). */
int qc_label_line_names(const qc_read_options *opts, const char *label, size_t label_len, const char *value,
                        size_t value_len);
/* Whether a header key says where, when or what the interview was (`location`, `Title`, `datum`,
 * `lieu`...: metadata_words in speakers.c, compared as names are), so that it names no person. */
int qc_header_key_is_metadata(const char *key, size_t key_len);

/* A clock time H:MM:SS, HH:MM:SS or MM:SS with an optional .mmm or ,mmm fraction at s[*pos]:
 * returns milliseconds and advances *pos, or -1 (then *pos is unchanged). */
int64_t qc_parse_clock(const char *s, size_t len, size_t *pos);

/* A time stamp written in a transcript's text at s[pos]: a clock (qc_parse_clock) in brackets
 * "[00:11:37]", parentheses "(00:11:37)" or Markdown's escaped brackets "\[16:13\]". Returns the
 * byte just after it, or 0 when none starts at pos. Labels take their time in these forms; inside
 * a turn such a stamp is markup, not words (segment.c, docs/transcripts.md). */
size_t qc_time_stamp_end(const char *s, size_t len, size_t pos);

/* Counts how often each label starts a line, for the rule that an unconventional label is a
 * speaker only when it starts at least two lines (so "Hosted by: Dr. Jane Smith" stays text).
 * Labels compare as names do (qc_fold_equal: case aside, NFC), but one in
 * capitals (two upper-case letters or more, none lower-case, in any script) never matches one that
 * is not. Functions return 0 or QC_ERR_NOMEM. */
typedef struct qc_label_tally qc_label_tally;
int qc_label_tally_new(qc_label_tally **out);
/* exact: labels count together only when they are the same bytes (a header's keys: `nurse: Mary
 * Jones` is said once even when `Nurse:` turns follow). */
int qc_label_tally_new_mode(qc_label_tally **out, int exact);
int qc_label_tally_add(qc_label_tally *t, const char *label, size_t len);
/* Counts one line of the label less (a line found to be no speaker's: a header's); none below 0. */
void qc_label_tally_remove(qc_label_tally *t, const char *label, size_t len);
size_t qc_label_tally_count(const qc_label_tally *t, const char *label, size_t len);
void qc_label_tally_free(qc_label_tally *t);

/* Whether a label trusted only because opts' casebook names it is in capitals while t (a
 * case-insensitive tally of the document's labels) holds the same label not in capitals: then the
 * casebook's person is that other label, and this one is counted like any unconventional label. */
int qc_label_casebook_capitals(const qc_read_options *opts, const qc_label_tally *t, const char *label, size_t len);

/* Whether a label (label[0..len), matched as lab) is trusted where it starts one line only, in
 * every reader: conventional, a casebook's person or the user's pattern's (lab->known_role), but
 * not a casebook's person in capitals where the document writes the label otherwise too
 * (qc_label_casebook_capitals) unless the user's pattern matched it: that is trusted as it is. */
int qc_label_trusted(const qc_read_options *opts, const qc_label_tally *t, const qc_label *lab, const char *label,
                     size_t len);

#endif
