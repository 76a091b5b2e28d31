/* Subtitle cues on their way to turns, shared by the WebVTT and SubRip readers: the readers
 * collect cue segments (a cue, or the part of a cue one <v> voice speaks), then qc_cues_build
 * finds `Name: text` labels, applies the occurs-twice rule, merges consecutive segments of one
 * speaker and feeds the builder. */
#ifndef QC_SUBTITLE_CUES_H
#define QC_SUBTITLE_CUES_H

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "doc_builder.h"
#include "mapped_text.h"

/* Space or tab: what separates fields on cue and timing lines. */
static inline int qc_cue_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A line of nothing but blanks ends a cue block. */
static inline int qc_cue_blank_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!qc_cue_is_blank(s[i]))
            return 0;
    return 1;
}

/* The first byte `c` at or after p in line[0..len), or len when none. *next remembers the last
 * answer (start it at QC_CUE_FIND_UNKNOWN): while p has not passed it, it still holds, so a line
 * is scanned once for its tags' closers however many openers stand in it (a scan to the line's
 * end at every '<' of `x < y < z ...` took time growing with the square of the line). */
#define QC_CUE_FIND_UNKNOWN ((size_t)-1)
static inline size_t qc_cue_find_byte(const char *line, size_t len, size_t p, char c, size_t *next)
{
    if (*next == QC_CUE_FIND_UNKNOWN || *next < p) {
        const char *hit = p < len ? memchr(line + p, c, len - p) : NULL;
        *next = hit ? (size_t)(hit - line) : len;
    }
    return *next;
}

typedef struct qc_cue_seg {
    int64_t start_ms, end_ms;
    uint32_t cue;                /* 1-based cue number: the turn's `line` */
    uint32_t line;               /* the file line its text (its label or voice) starts on; 0: none yet */
    size_t from, to;             /* its text in the list's mapped text */
    size_t voice_off, voice_len; /* a <v> voice in `voices` (voice_len 0: none) */
    uint32_t voice_src;          /* where the voice's name is in the file */
} qc_cue_seg;

/* Where a cue's later line starts in the mapped text (after the space that joins it): a speaker
 * label there starts a segment of its own (qc_cues_build). */
typedef struct qc_cue_break {
    size_t at;
    uint32_t line; /* its file line */
} qc_cue_break;

typedef struct qc_cue_list {
    qc_mapped_text mt;
    qc_buf voices;
    qc_cue_seg *segs;
    size_t count, cap;
    qc_cue_break *breaks; /* in text order */
    size_t break_count, break_cap;
    int open;      /* the last segment is still receiving text */
    uint32_t line; /* the file line whose text the reader is adding (qc_cues_line) */
} qc_cue_list;

void qc_cues_init(qc_cue_list *cl);
void qc_cues_free(qc_cue_list *cl);

/* Starts a segment for cue number `cue` (closing the open one). Returns 0 or -1 (out of memory). */
int qc_cues_open(qc_cue_list *cl, uint32_t cue, int64_t start_ms, int64_t end_ms);
/* Ends the open segment. */
void qc_cues_close(qc_cue_list *cl);
/* The reader is about to add the text of file line `line` to the open segment: the line a note
 * about the segment names (its first line with text, or its voice's); after text, and the space
 * that joins the lines, a line break where a label may start a new turn. Returns 0 or -1. */
int qc_cues_line(qc_cue_list *cl, uint32_t line);
/* A <v Name> inside the open cue: names the open segment, or, when it already has text or another
 * voice, starts a new segment of the same cue. Returns 0 or -1. */
int qc_cues_voice(qc_cue_list *cl, const char *name, size_t len, uint32_t src);

/* Everything collected becomes turns in b. `name` is the file name for messages. A segment left
 * out because it is a voice or a label with no text (and the label names no cue after it) is a
 * note at its line. Returns 0 or a negative qc_status with err filled ("empty transcript" when no
 * cue has text). */
int qc_cues_build(qc_cue_list *cl, qc_doc_builder *b, const char *name, const qc_read_options *opts, qc_error *err);

#endif
