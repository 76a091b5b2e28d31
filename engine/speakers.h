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

#endif
