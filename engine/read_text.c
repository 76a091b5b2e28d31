/* The plain-text reader (.txt, .md): header lines, speaker labels, turns (conventions in
 * docs/transcripts.md).
 *
 * Two passes over the lines: the first checks hygiene, finds label candidates and counts them
 * (an unconventional label is a speaker only when it starts two lines or more); the second feeds
 * the builder, cutting a turn where another speaker's overlap passage (`//S02: text //`) stands in
 * it. The document text is the file's text: labels, overlap markers and header lines stay in it,
 * outside the turns' spans. */
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "lines.h"
#include "readers.h"
#include "speakers.h"
#include "text.h"

enum { LINE_BLANK, LINE_TEXT, LINE_HEADING };

/* What a label candidate turned out to be (text_line.has_label; 0 or 1 once settled). */
enum { LABEL_NONE, LABEL_SPEAKER, LABEL_REJECTED, LABEL_METADATA };

typedef struct text_line {
    size_t off;      /* into the file (verbatim) or into the decoded store */
    uint32_t len;    /* bytes of (decoded) text */
    uint32_t source; /* file offset of the line's first byte */
    uint32_t eol;    /* bytes of line end after it in the file (0, 1 or 2) */
    uint32_t number; /* 1-based */
    uint8_t verbatim;
    uint8_t kind;
    uint8_t has_label;
    qc_label label;
} text_line;

typedef struct text_reader {
    qc_doc_builder *b;
    const char *name;
    const char *data;
    const qc_read_options *opts;
    qc_buf decoded; /* Windows-1252 lines, decoded, one after another */
    text_line *lines;
    size_t count, cap;
    qc_label_tally *tally;
    qc_label_tally *exact; /* the labels counted byte for byte, for a header (key_count); NULL until then */
    const qc_speaker_rules *rules;
    qc_label_tally *speakers; /* the labels settled as speakers, for overlap passages */
    qc_label_tally *people;   /* header keys whose value names a person (uncount_header); NULL: none */
    size_t host_turn;         /* the turn of the last labelled line, while it lasts */
    int has_host;
    size_t opening_from, opening_to; /* an opening block of dialogue whose one-off labels are speakers' */
    int may_overlap; /* the file holds a "//" (ASCII in either encoding): else no passage is looked for */
    /* trusted_label's last two answers, the last first: for a label of these bytes with this
     * known_role (0 or 1; -1: none). */
    struct {
        const char *label;
        size_t len;
        int known, answer;
    } trust[2];
    int markdown;
    /* Where the user's pattern ran into PCRE2's limits after a passage's "//" (label_at): the line,
     * the byte of the line it was tried at, and the status. */
    const struct text_line *failed_line;
    size_t failed_at;
    int failed;
} text_reader;

/* An overlap passage in a line: bytes [open, close + 2) are `//LABEL: text //`. */
typedef struct passage {
    size_t open, text, close; /* "//", the text after the label, the closing "//" */
    qc_label label;           /* offsets into the line */
    int chained;              /* the closing "//" opens the next passage (`//S00: a //S02: b //`) */
} passage;

static const char *line_text(const text_reader *r, const text_line *l)
{
    return (l->verbatim ? r->data : r->decoded.data) + l->off;
}

static int is_blank_text(const char *s, size_t len)
{
    size_t p = 0;
    while (p < len) {
        unsigned char c = (unsigned char)s[p];
        if (c < 0x80) { /* every line comes here, and most start with a letter: no calls */
            if (c != ' ' && (c < '\t' || c > '\r'))
                return 0;
            p++;
            continue;
        }
        int32_t cp = qc_utf8_decode(s, len, &p);
        if (cp < 0 || !qc_char_is_space(cp))
            return 0;
    }
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

/* Pass 1: every line, checked, classified, with its label candidate. */
static int collect_lines(text_reader *r, size_t size, qc_speaker_rules *rules, qc_error *err)
{
    qc_line_reader lr;
    qc_lines_init(&lr, r->name, r->data, size, r->opts->encoding);
    /* Room for the lines at once: transcripts' lines are about 100 bytes, where doubling from
     * nothing reallocated (and copied) the records a dozen times a document. At most 65,536 at
     * first, so a large file's first guess stays small beside it. */
    size_t guess = size / 48 + 16;
    if (QC_GROW(r->lines, r->cap, guess < 65536 ? guess : 65536) != 0)
        return qc_error_nomem(err);
    int rc;
    for (;;) {
        const char *s;
        size_t len;
        uint32_t source;
        int verbatim;
        rc = qc_lines_next(&lr, &s, &len, &source, &verbatim, err);
        if (rc <= 0)
            break;
        if (r->count >= r->cap && QC_GROW(r->lines, r->cap, r->count + 1) != 0) {
            rc = qc_error_nomem(err);
            break;
        }
        text_line *l = &r->lines[r->count++];
        memset(l, 0, sizeof *l);
        l->len = (uint32_t)len;
        l->source = source;
        l->number = lr.line;
        l->verbatim = (uint8_t)verbatim;
        /* One file byte per decoded code point, so the raw length is the code point count. */
        size_t raw_len = verbatim ? len : qc_utf8_length(s, len);
        l->eol = (uint32_t)(lr.pos - source - raw_len);
        if (verbatim) {
            l->off = (size_t)(s - r->data);
        } else {
            l->off = r->decoded.len;
            qc_buf_append(&r->decoded, s, len);
            if (qc_buf_failed(&r->decoded)) {
                rc = qc_error_nomem(err);
                break;
            }
            s = r->decoded.data + l->off;
        }
        if (is_blank_text(s, len)) {
            l->kind = LINE_BLANK;
            continue;
        }
        l->kind = r->markdown && s[0] == '#' && len > 1 && (s[1] == '#' || s[1] == ' ') ? LINE_HEADING : LINE_TEXT;
        int m = l->kind == LINE_TEXT ? qc_speaker_match_line(rules, s, len, &l->label) : 0;
        if (m < 0) {
            /* The user's pattern ran into PCRE2's limits: whether the line starts a turn is not
             * known, and reading on would guess (a subtitle cue or .docx paragraph fails alike). */
            rc = qc_error_set(err, m, r->name, l->number, 0, -1, "the speaker pattern failed on line %u: %s", l->number,
                              qc_status_name(m));
            break;
        }
        if (m == 1) {
            l->has_label = LABEL_SPEAKER;
            if (qc_label_tally_add(r->tally, s + l->label.label_start, l->label.label_end - l->label.label_start) !=
                0) {
                rc = qc_error_nomem(err);
                break;
            }
        }
    }
    qc_lines_free(&lr);
    return rc < 0 ? rc : 0;
}

static size_t label_count(const text_reader *r, const text_line *l)
{
    const char *s = line_text(r, l);
    return qc_label_tally_count(r->tally, s + l->label.label_start, l->label.label_end - l->label.label_start);
}

/* How often a header's key starts a line written as it is: `nurse: Mary Jones` in a header says
 * who the nurse is once, `Nurse:` turns below it are another spelling (where a slip `nurse:` among
 * `Nurse:` turns counts as hers, label_count). */
static size_t key_count(text_reader *r, const text_line *l)
{
    size_t folded = label_count(r, l);
    if (folded < 2)
        return folded; /* the same bytes are no more often: most headers end here, no second tally */
    if (!r->exact) {
        /* Made when a header first needs it (its labels counted byte for byte); out of memory, the
         * count without case stands, which reads the block as dialogue, as before. */
        if (qc_label_tally_new_mode(&r->exact, 1) != 0)
            return folded;
        for (size_t i = 0; i < r->count; i++) {
            const text_line *o = &r->lines[i];
            if (o->has_label && qc_label_tally_add(r->exact, line_text(r, o) + o->label.label_start,
                                                   o->label.label_end - o->label.label_start) != 0) {
                qc_label_tally_free(r->exact);
                r->exact = NULL;
                return folded;
            }
        }
    }
    const char *s = line_text(r, l);
    return qc_label_tally_count(r->exact, s + l->label.label_start, l->label.label_end - l->label.label_start);
}

/* Whether a line's label is trusted even once (qc_label_trusted). */
static int trusted_label(text_reader *r, const text_line *l)
{
    const char *s = line_text(r, l);
    const char *label = s + l->label.label_start;
    size_t len = l->label.label_end - l->label.label_start;
    /* Settled once the tally is complete, the answer depends on the label's bytes and whether it
     * is a known role: turns alternate between a few labels, so one of the last two answers is
     * mostly this one (with a casebook, asking costs a test of capitals and a lookup). */
    int known = l->label.known_role != 0;
    for (int i = 0; i < 2; i++)
        if (known == r->trust[i].known && len == r->trust[i].len && memcmp(label, r->trust[i].label, len) == 0)
            return r->trust[i].answer;
    r->trust[1] = r->trust[0];
    r->trust[0].answer = qc_label_trusted(r->opts, r->tally, &l->label, label, len);
    r->trust[0].label = label;
    r->trust[0].len = len;
    r->trust[0].known = known;
    return r->trust[0].answer;
}

/* Whether a labelled line names its person or how many rather than speaks (qc_label_line_names):
 * `INTERVIEWER: Peter Asaro`, `Befragte: B3`, `Teilnehmer: 12 Personen`. */
static int line_names(const text_reader *r, const text_line *l)
{
    const char *s = line_text(r, l);
    return qc_label_line_names(r->opts, s + l->label.label_start, l->label.label_end - l->label.label_start,
                               s + l->label.text_start, l->len - l->label.text_start);
}

/* Above the dialogue, a role word's label seen once whose line names its person or how many
 * (`Interviewerin: Petra Schmidt`, `BEFRAGTE: B3`, `Teilnehmer: 12 Personen`) says who speaks
 * below: the preamble's, not a turn, as a one-off label that is not conventional is there. The
 * dialogue begins at the first speaker's line that does not (`I: Wie lange?`). */
static void demote_naming_preamble(text_reader *r, size_t body)
{
    for (size_t i = body; i < r->count; i++) {
        text_line *l = &r->lines[i];
        if (l->has_label != LABEL_SPEAKER)
            continue;
        if (label_count(r, l) >= 2 || !line_names(r, l))
            return;
        l->has_label = LABEL_METADATA;
    }
}

/* Metadata blocks are a few lines (INTERVIEWEE, INTERVIEWER, DATE, PLACE, a duration, a
 * transcriber, a project...); a longer run of labelled lines is a dialogue. */
#define METADATA_MAX_LINES 12

static int has_text_from(const text_reader *r, size_t i)
{
    for (; i < r->count; i++)
        if (r->lines[i].kind != LINE_BLANK)
            return 1;
    return 0;
}

/* A metadata block (INTERVIEWEE: ... / INTERVIEWER: ... / DATE: ... / PLACE: ...) before the
 * dialogue: a short run of lines that all look labelled, in the preamble (no speaker's line before
 * it) and followed by more of the document, two or more of its labels rejected and none of them
 * starting another line. Every line of it is metadata, conventional keys included: its INTERVIEWER
 * names a person, it says nothing. A dialogue written one line a turn is no such block: a speaker
 * in it speaks twice, or it runs on, or nothing comes after it. */
static void demote_metadata_block(text_reader *r, size_t body)
{
    size_t i = body;
    while (i < r->count) {
        if (!r->lines[i].has_label) {
            i++;
            continue;
        }
        size_t j = i;
        int rejected = 0, recurs = 0, speakers = 0;
        for (; j < r->count && r->lines[j].has_label; j++) {
            rejected += r->lines[j].has_label == LABEL_REJECTED;
            speakers += r->lines[j].has_label == LABEL_SPEAKER;
            recurs |= label_count(r, &r->lines[j]) >= 2;
        }
        if (rejected >= 2 && !recurs && j - i <= METADATA_MAX_LINES && has_text_from(r, j)) {
            for (size_t k = i; k < j; k++)
                r->lines[k].has_label = LABEL_METADATA;
            return;
        }
        if (speakers)
            return; /* the dialogue has begun */
        i = j;
    }
}

/* Whether a label seen once is a key of the header whose value names a person (`nurse: Mary Jones`
 * above one `Nurse:` line): the header says that it is a person. */
static int named_in_header(const text_reader *r, const text_line *l)
{
    return r->people && qc_label_tally_count(r->people, line_text(r, l) + l->label.label_start,
                                             l->label.label_end - l->label.label_start) > 0;
}

/* Pass 1b: which candidates are speakers. Conventional labels always are, outside a metadata
 * block; others when they start two lines or more. A label seen once between two speakers' lines
 * stays text even in a one-line-a-turn dialogue: `The problem: nobody came.` and `Note: ...` are
 * no people, and a false speaker is a respondent too many in every count, where a missed one
 * leaves a line in the turn above it (--speaker-pattern names such speakers). The exceptions: a
 * label that a header line names as a person's (`nurse: Mary Jones`, named_in_header), and the
 * one-off labels of an opening block found to be dialogue by a question (find_header:
 * `interviewer: How long?` / `nurse: Ten years.`). Neither counts as recurring for a metadata
 * block. */
static void settle_labels(text_reader *r, size_t body)
{
    if (r->opts->speaker_pattern)
        return; /* the user's pattern is trusted as it is */
    for (size_t i = body; i < r->count; i++) {
        text_line *l = &r->lines[i];
        if (l->has_label && !trusted_label(r, l) && label_count(r, l) < 2 && !named_in_header(r, l))
            l->has_label = LABEL_REJECTED;
    }
    for (size_t i = r->opening_from; i < r->opening_to; i++)
        if (r->lines[i].has_label == LABEL_REJECTED)
            r->lines[i].has_label = LABEL_SPEAKER; /* a speaker of the opening dialogue (find_header) */
    demote_naming_preamble(r, body);
    demote_metadata_block(r, body);
    for (size_t k = body; k < r->count; k++)
        r->lines[k].has_label = r->lines[k].has_label == LABEL_SPEAKER;
}

/* The settled speakers, so an overlap passage can name one that is not conventional. */
static int tally_speakers(text_reader *r, size_t body)
{
    for (size_t i = body; i < r->count; i++) {
        const text_line *l = &r->lines[i];
        if (l->has_label && qc_label_tally_add(r->speakers, line_text(r, l) + l->label.label_start,
                                               l->label.label_end - l->label.label_start) != 0)
            return QC_ERR_NOMEM;
    }
    return 0;
}

/* --- header lines --- */

/* Whether a line holds words: a letter or a digit outside time stamps (a stamp alone, `---` or
 * `***` is markup, no text lost). */
static int has_words(const char *s, size_t len)
{
    size_t p = 0;
    while (p < len) {
        size_t stamp = qc_time_stamp_end(s, len, p);
        if (stamp > p) {
            p = stamp;
            continue;
        }
        int32_t cp = qc_utf8_decode(s, len, &p);
        if (cp >= 0 && qc_char_is_letter_or_digit(cp))
            return 1;
    }
    return 0;
}

/* Whether a header line's value is a question (`How long?`): words, then a question mark. */
static int asks(const char *value, size_t len)
{
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    return len && value[len - 1] == '?' && has_words(value, len);
}

/* Whether a code point may stand in a header key, at its start (`first`: a letter) or after it
 * (letters, digits, '_', '-', and combining marks: an accent typed as E + U+0301). Lower-case
 * letters only unless `any_case`: in ASCII a-z (A-Z with any_case), beyond it the lower-case
 * letters of any script with case (`région`, `straße`), and with any_case any letter or digit. */
static int key_char(int32_t cp, int first, int any_case)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (any_case && cp >= 'A' && cp <= 'Z') ||
               (!first && ((cp >= '0' && cp <= '9') || cp == '_' || cp == '-'));
    if (!first && qc_char_is_mark(cp))
        return 1;
    return any_case ? qc_char_is_letter(cp) || (!first && qc_char_is_letter_or_digit(cp)) : qc_char_is_lower(cp);
}

/* "key: value" with a key of key_char: [a-z][a-z0-9_-]* in ASCII, lower-case only unless
 * `any_case`. */
static int parse_key_value(const char *s, size_t len, int any_case, size_t *key_end, size_t *value_start)
{
    size_t p = 0;
    for (size_t at = 0; p < len; p = at) {
        int32_t cp = (unsigned char)s[p] < 0x80 ? (int32_t)(unsigned char)s[at++] : qc_utf8_decode(s, len, &at);
        if (cp < 0 || !key_char(cp, p == 0, any_case))
            break;
    }
    if (p == 0 || p >= len || s[p] != ':' || (p + 1 < len && s[p + 1] != ' ' && s[p + 1] != '\t'))
        return 0;
    *key_end = p;
    p++;
    while (p < len && (s[p] == ' ' || s[p] == '\t'))
        p++;
    *value_start = p;
    return 1;
}

static int is_fence(const char *s, size_t len)
{
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len == 3 && memcmp(s, "---", 3) == 0;
}

/* Whether a line at the top is dialogue rather than a header's `key: value`: the user's pattern
 * matches it (its matches are trusted), or its label also starts another line of the document, as
 * a speaker's does (`mother: We came here in 2015.`, and later `mother: It was hard.`), where a
 * header says each key once. The key recurs as it is written: `nurse: Mary Jones` above `Nurse:`
 * turns names the nurse (key_count). */
static int is_dialogue(text_reader *r, const text_line *l)
{
    return l->has_label && (r->opts->speaker_pattern || key_count(r, l) >= 2);
}

/* Whether a line between `---` rules is a speaker's rather than front matter's: a label that is
 * not a front-matter key (`Interviewer: Hi.`, `N15: Hello.`) and is conventional or recurs. Rules
 * say "front matter" explicitly, so a key written as front matter writes it, lower case, is front
 * matter even when it is conventional or recurs: `interviewer: Jane Smith` above `Interviewer:`
 * turns names the interviewer, `note: recorded on the ward` above a `note: phone rang` line is a
 * note on the interview. So is a key for the interview in any case (`Location: New York` above a
 * `Location:` line of the body): it names no speaker (qc_header_key_is_metadata). */
static int front_matter_is_dialogue(text_reader *r, const text_line *l)
{
    if (!l->has_label)
        return 0;
    if (r->opts->speaker_pattern)
        return 1; /* its matches are trusted */
    size_t ke, vs;
    const char *s = line_text(r, l);
    int key = parse_key_value(s, l->len, 0, &ke, &vs) && ke == l->label.label_end && l->label.label_start == 0;
    if (qc_label_is_letter(l->label.known_role, l->label.label_end - l->label.label_start))
        return 1; /* `i:`, `q:`, `a:`, `r:` name no interview, between rules as in a header */
    if (l->label.known_role && !key && !line_names(r, l))
        return 1; /* but `Befragte: Anna Lee` names the interviewee, as a key does */
    if (!key && l->label.label_start == 0 && qc_header_key_is_metadata(s, l->label.label_end) &&
        parse_key_value(s, l->len, 1, &ke, &vs) && ke == l->label.label_end)
        return 0; /* `Location: New York`, `Title: Ward Four`: a key in capitals */
    return !key && label_count(r, l) >= 2;
}

/* The block at the top that a conventional key's question made dialogue (find_header): its lines
 * from its first conventional label to the blank line are a dialogue's, so a label seen once there
 * is a speaker's (`interviewer: How long?` / `nurse: Ten years.`: the nurse answers). Not in a
 * block of one-letter labels: a word among `i:` / `r:` lines is unlike its speakers' labels, as
 * `note: phone rang` is. */
static void mark_opening_dialogue(text_reader *r, size_t first)
{
    size_t from = r->count, i = first;
    for (; i < r->count && r->lines[i].kind != LINE_BLANK; i++) {
        const text_line *l = &r->lines[i];
        if (!l->has_label || !l->label.known_role)
            continue;
        if (qc_label_is_letter(1, l->label.label_end - l->label.label_start))
            return;
        if (from == r->count)
            from = i;
    }
    r->opening_from = from;
    r->opening_to = i;
}

/* Finds the header block; returns the index of the first body line (0: no header). */
static size_t find_header(text_reader *r)
{
    size_t first = 0;
    while (first < r->count && r->lines[first].kind == LINE_BLANK)
        first++;
    if (first == r->count)
        return 0;
    const text_line *l = &r->lines[first];
    size_t ke, vs;
    if (is_fence(line_text(r, l), l->len)) {
        for (size_t i = first + 1; i < r->count; i++) {
            if (front_matter_is_dialogue(r, &r->lines[i]))
                return 0; /* speaker lines between two rules: dialogue, not front matter */
            if (is_fence(line_text(r, &r->lines[i]), r->lines[i].len))
                return i + 1;
        }
        return 0; /* no closing fence: not front matter */
    }
    size_t i = first;
    int roles = 0, others = 0;
    for (; i < r->count && r->lines[i].kind != LINE_BLANK; i++) {
        const char *s = line_text(r, &r->lines[i]);
        if (!parse_key_value(s, r->lines[i].len, 0, &ke, &vs))
            return 0;
        /* A conventional key is weighed below, not by recurring: `interviewer: Jane Smith` in a
         * header and `Interviewer:` in the body are one label, ASCII case aside. */
        int known = qc_speaker_label_known(r->opts, s, ke);
        if ((!known || r->opts->speaker_pattern) && is_dialogue(r, &r->lines[i]))
            return 0;
        /* `i:`, `q:`, `a:`, `r:` name no interview: they are a dialogue's labels, whatever else
         * the block holds (`note: phone rang` below `i: ...` / `r: ...`). A conventional key whose
         * value asks (`interviewer: How long?`) is a speaker too: a header names its interview, it
         * asks nothing. */
        if (qc_label_is_letter(known, ke))
            return 0;
        if (known && asks(s + vs, r->lines[i].len - vs)) {
            mark_opening_dialogue(r, first);
            return 0;
        }
        /* A conventional key that names its person (`interviewer: Jane Smith`, `befragte: B3`) or
         * how many (`teilnehmer: 12 Personen`) says who speaks, as a header does, unless it starts
         * another line as it is written: a dialogue in lower case goes on with its labels. */
        if (known && (!qc_label_line_names(r->opts, s, ke, s + vs, r->lines[i].len - vs) ||
                      (r->lines[i].has_label && key_count(r, &r->lines[i]) >= 2)))
            roles++;
        else
            others++;
    }
    /* "i: hello" / "r: hi" at the top is dialogue, not a header; "interviewer: JS" / "participant:
     * P07" among "site: North" and "date: ..." names the interview, and so do "interviewer: Jane
     * Smith" / "participant: P07" alone: a dialogue's lines are all speakers', a header's keys are
     * mostly not, or they name their people. */
    if (roles && !others)
        return 0;
    return i < r->count ? i : 0; /* a header must be followed by a blank line and a body */
}

/* A header's lines are attributes, not speakers' lines: its `note: recorded on the ward` does not
 * make a `note: phone rang` line of the body a second line of a speaker `note`. A line that names
 * a person (qc_header_names_person) keeps its key in r->people: `nurse: Mary Jones` says that the
 * body's `Nurse:` is a person, who may speak once (named_in_header). */
static int uncount_header(text_reader *r, size_t body)
{
    for (size_t i = 0; i < body; i++) {
        const text_line *l = &r->lines[i];
        if (!l->has_label)
            continue;
        const char *s = line_text(r, l);
        const char *label = s + l->label.label_start;
        size_t len = l->label.label_end - l->label.label_start;
        qc_label_tally_remove(r->tally, label, len);
        if (qc_header_names_person(r->opts, label, len, s + l->label.text_start, l->len - l->label.text_start) &&
            ((!r->people && qc_label_tally_new(&r->people) != 0) || qc_label_tally_add(r->people, label, len) != 0))
            return QC_ERR_NOMEM;
    }
    return 0;
}

static int trimmed_copy_attr(qc_doc_builder *b, const char *s, size_t ke, size_t vs, size_t len)
{
    while (len > vs && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    char *key = qc_strndup(s, ke);
    char *value = qc_strndup(s + vs, len - vs);
    int rc = key && value ? qc_doc_builder_attribute(b, key, value) : QC_ERR_NOMEM;
    qc_free(key);
    qc_free(value);
    return rc;
}

/* --- pass 2: feeding the builder --- */

/* append_part for a decoded line: ASCII runs are the file's bytes; every other code point came
 * from one byte. */
static int append_decoded(text_reader *r, const text_line *l, size_t a, size_t e)
{
    const char *s = line_text(r, l);
    uint32_t raw = l->source + (uint32_t)qc_utf8_length(s, a);
    size_t p = a;
    while (p < e) {
        size_t q = p;
        while (q < e && (unsigned char)s[q] < 0x80)
            q++;
        int rc = qc_doc_builder_text(r->b, s + p, q - p, raw);
        raw += (uint32_t)(q - p);
        p = q;
        if (rc != 0)
            return rc;
        if (p < e) {
            q = p;
            qc_utf8_decode(s, e, &q);
            rc = qc_doc_builder_text_at(r->b, s + p, q - p, raw++);
            p = q;
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* Appends bytes [a, e) of a line: a line of the file's bytes, which outlive the builder, is lent
 * (here, where it costs no more than the call: this runs for every piece of every line). */
static inline int append_part(text_reader *r, const text_line *l, size_t a, size_t e)
{
    if (l->verbatim)
        return qc_doc_builder_text_lent(r->b, r->data + l->off + a, e - a, l->source + (uint32_t)a);
    return append_decoded(r, l, a, e);
}

static int append_eol(text_reader *r, const text_line *l)
{
    if (!l->eol)
        return 0;
    uint32_t raw_len = l->verbatim ? l->len : (uint32_t)qc_utf8_length(line_text(r, l), l->len);
    return qc_doc_builder_text(r->b, "\n", 1, l->source + raw_len);
}

/* Appends a line from byte p on, with its line end. A line the file ends with a lone '\n' goes in
 * with it, as the bytes it was read from: one append instead of two (the builder joins them into
 * one run anyway). */
static int append_rest(text_reader *r, const text_line *l, size_t p)
{
    if (l->verbatim && l->eol == 1 && line_text(r, l)[l->len] == '\n')
        return append_part(r, l, p, l->len + 1);
    int rc = append_part(r, l, p, l->len);
    return rc ? rc : append_eol(r, l);
}

static int append_line(text_reader *r, const text_line *l)
{
    return append_rest(r, l, 0);
}

/* --- overlap passages: `//S02: Lovely. //` inside another speaker's turn --- */

static int is_blank_byte(char c)
{
    return c == ' ' || c == '\t';
}

/* The next "//" in s[p..len), or len. */
static size_t find_slashes(const char *s, size_t len, size_t p)
{
    while (p + 1 < len) {
        const char *slash = memchr(s + p, '/', len - p - 1);
        if (!slash)
            return len;
        p = (size_t)(slash - s);
        if (s[p + 1] == '/')
            return p;
        p++;
    }
    return len;
}

/* Bytes after a "//" that can hold a label and its colon: 40 characters of name (4 bytes each at
 * most) with a time before or after it fit easily. Looking no further keeps a line of many "//"
 * linear: a label scan can otherwise run to the line's end (`//[x` looks for its `]`). */
#define LABEL_WINDOW 256

/* A speaker label at s[p] as a line would start with it, written `LABEL: ` (so `**Ann:**` or
 * `[id1]` do not open a passage), and one this document trusts: conventional (or the user's
 * pattern's) or a speaker that starts lines here. Fills *lab with offsets into s. Returns 1 or 0,
 * or the status of a user pattern that ran into PCRE2's limits (noted in r): whether a passage
 * opens is then not known, and the document fails at the line as it does at a line's start. */
static int label_at(text_reader *r, const char *s, size_t len, size_t p, qc_label *lab)
{
    if (p >= len)
        return 0;
    size_t n = len - p < LABEL_WINDOW ? len - p : LABEL_WINDOW;
    int m = qc_speaker_match_line(r->rules, s + p, n, lab);
    if (m < 0) {
        r->failed = m;
        r->failed_at = p;
        return m;
    }
    if (m != 1)
        return 0;
    lab->label_start += p;
    lab->label_end += p;
    lab->text_start += p;
    size_t e = lab->label_end;
    if (e + 1 >= p + n || s[e] != ':' || !is_blank_byte(s[e + 1]))
        return 0;
    return lab->known_role ||
           qc_label_tally_count(r->speakers, s + lab->label_start, lab->label_end - lab->label_start) > 0;
}

/* A "//" at s[q] that ends a passage: followed by white space, the line's end or another label
 * (noScribe writes `//S00: a //S02: b//` for two overlaps in a row). A "//" inside a word, as in
 * a URL, does not. */
static int closer_at(text_reader *r, const char *s, size_t len, size_t q)
{
    qc_label lab;
    return q + 2 == len || is_blank_byte(s[q + 2]) ? 1 : label_at(r, s, len, q + 2, &lab);
}

/* The passage that opens at s[q], if it is one: a trusted label after the "//", then text that is
 * not all white space, then a closing "//" on the same line. 1, 0 or a failed pattern's status. */
static int passage_at(text_reader *r, const char *s, size_t len, size_t q, passage *out)
{
    int m = label_at(r, s, len, q + 2, &out->label);
    if (m <= 0)
        return m;
    size_t text = out->label.text_start;
    for (size_t c = find_slashes(s, len, text); c < len; c = find_slashes(s, len, c + 1)) {
        m = closer_at(r, s, len, c);
        if (m < 0)
            return m;
        if (!m)
            continue;
        if (is_blank_text(s + text, c - text))
            return 0;
        out->open = q;
        out->text = text;
        out->close = c;
        out->chained = c + 2 < len && !is_blank_byte(s[c + 2]);
        return 1;
    }
    return 0;
}

/* The first passage in s[p..len) whose "//" starts the line or follows white space (so `http://`
 * opens none); with `at_p`, only one opening at p itself (the next of a chain). 1, 0 or a failed
 * pattern's status. */
static int next_passage(text_reader *r, const char *s, size_t len, size_t p, int at_p, passage *out)
{
    for (size_t q = find_slashes(s, len, p); q < len; q = find_slashes(s, len, q + 1)) {
        if (at_p)
            return q == p ? passage_at(r, s, len, q, out) : 0;
        int m = q == 0 || is_blank_byte(s[q - 1]) ? passage_at(r, s, len, q, out) : 0;
        if (m != 0)
            return m;
    }
    return 0;
}

/* A passage: the host's turn ends, the markers and label go outside turns, the passage's text is
 * a turn of its speaker. */
static int append_passage(text_reader *r, const text_line *l, const passage *ps)
{
    const char *s = line_text(r, l);
    int rc = qc_doc_builder_end_turn(r->b);
    if (rc == 0)
        rc = append_part(r, l, ps->open, ps->text);
    if (rc == 0)
        rc = qc_doc_builder_begin_turn(r->b, s + ps->label.label_start, ps->label.label_end - ps->label.label_start,
                                       ps->label.time_ms, -1, l->number);
    if (rc == 0)
        rc = append_part(r, l, ps->text, ps->close);
    if (rc == 0)
        rc = qc_doc_builder_end_turn(r->b);
    return rc;
}

/* The line the host's text resumes on after a passage closing at `close`: this one, or when the
 * passage ends it, the next line with text (`... //S02: ok.//` then `and goes on here.`). */
static uint32_t resume_line(const text_reader *r, const text_line *l, size_t close)
{
    if (!is_blank_text(line_text(r, l) + close + 2, l->len - close - 2))
        return l->number;
    for (const text_line *n = l + 1; n < r->lines + r->count; n++)
        if (n->kind != LINE_BLANK)
            return n->number;
    return l->number; /* nothing follows: the builder drops the empty piece */
}

/* After a passage: its closing "//" goes outside turns and the host's turn goes on as a further
 * piece (dropped by the builder if no text follows before the next label). */
static int resume_host(text_reader *r, const text_line *l, size_t close)
{
    int rc = append_part(r, l, close, close + 2);
    return rc ? rc : qc_doc_builder_continue_turn(r->b, r->host_turn, resume_line(r, l, close));
}

/* append_body for a line that may hold an overlap passage. */
static int append_passages(text_reader *r, const text_line *l, size_t from)
{
    const char *s = line_text(r, l);
    size_t p = from;
    int chained = 0, rc = 0;
    passage ps;
    while (rc == 0 && r->has_host && r->may_overlap) {
        int m = next_passage(r, s, l->len, p, chained, &ps);
        if (m < 0) {
            r->failed_line = l; /* label_at noted the byte and the status */
            return m;
        }
        if (!m) {
            if (!chained)
                break;
            /* The "//" that ended the last passage opens none after all (no closing "//"): it only
             * closes, and what follows is the host's. */
            rc = resume_host(r, l, p);
            p += 2;
            chained = 0;
            continue;
        }
        rc = append_part(r, l, p, ps.open);
        if (rc == 0)
            rc = append_passage(r, l, &ps);
        chained = ps.chained;
        p = ps.close;
        if (rc == 0 && !chained) {
            rc = resume_host(r, l, p);
            p += 2;
        }
    }
    return rc ? rc : append_rest(r, l, p);
}

/* Appends bytes [from, len) of a line in a labelled turn, and its line end, cutting the turn at
 * each overlap passage. A file without "//" has none: its lines go straight on. */
static int append_body(text_reader *r, const text_line *l, size_t from)
{
    return r->has_host && r->may_overlap ? append_passages(r, l, from) : append_rest(r, l, from);
}

/* Markdown: a heading after the first label ends the turn above it, and the lines after it up to
 * the next label are in no turn, so not coded. A researcher whose heading is followed by unlabelled
 * paragraphs would lose them unseen: the first line with words of such a stretch gets a note.
 * (Before the first label a heading is the preamble's, titles and metadata, left out on purpose.) */
static int note_after_heading(text_reader *r, const text_line *l, uint32_t *heading)
{
    if (!*heading || !has_words(line_text(r, l), l->len))
        return 0;
    int rc = qc_doc_builder_note(r->b, l->number,
                                 "text after the heading at line %u is outside every turn (not coded) until the next "
                                 "speaker label",
                                 *heading);
    *heading = 0; /* once a stretch */
    return rc;
}

/* The user's pattern failed after a passage's "//": the error names the line, as at a line's start
 * (collect_lines), and the column and byte the pattern was tried at. */
static int pattern_failed(const text_reader *r, qc_error *err)
{
    const text_line *l = r->failed_line;
    size_t cps = qc_utf8_length(line_text(r, l), r->failed_at);
    int64_t byte = (int64_t)l->source + (int64_t)(l->verbatim ? r->failed_at : cps);
    return qc_error_set(err, r->failed, r->name, l->number, (uint32_t)cps + 1, byte,
                        "the speaker pattern failed on line %u: %s", l->number, qc_status_name(r->failed));
}

static int build(text_reader *r, size_t body, qc_error *err)
{
    qc_doc_builder *b = r->b;
    int rc = 0;
    /* The header: text outside turns, and attributes. */
    int front = 0;
    for (size_t i = 0; i < body && rc == 0; i++) {
        const text_line *l = &r->lines[i];
        const char *s = line_text(r, l);
        size_t ke, vs;
        if (is_fence(s, l->len))
            front = !front;
        else if (l->kind != LINE_BLANK && parse_key_value(s, l->len, front, &ke, &vs))
            rc = trimmed_copy_attr(b, s, ke, vs, l->len);
        if (rc == 0)
            rc = append_line(r, l);
    }
    size_t labelled = 0, content = 0;
    for (size_t i = body; i < r->count; i++) {
        labelled += r->lines[i].has_label;
        content += r->lines[i].kind != LINE_BLANK;
    }
    if (rc == 0 && !content)
        return qc_error_set(err, QC_ERR_FORMAT, r->name, 0, 0, -1,
                            body ? "empty transcript (header lines but no text)" : "empty transcript");
    if (rc == 0 && !labelled) {
        /* One unlabelled narrative from the first body line on. */
        size_t first = body;
        while (first < r->count && r->lines[first].kind == LINE_BLANK)
            rc = append_line(r, &r->lines[first++]);
        if (rc == 0)
            rc = qc_doc_builder_begin_turn(b, NULL, 0, -1, -1, r->lines[first].number);
        for (size_t i = first; i < r->count && rc == 0; i++)
            rc = append_line(r, &r->lines[i]);
    }
    int seen_label = 0;
    uint32_t heading = 0; /* the line of the heading whose stretch holds no words yet (0: none) */
    for (size_t i = body; labelled && i < r->count && rc == 0; i++) {
        const text_line *l = &r->lines[i];
        if (l->kind == LINE_HEADING) {
            rc = qc_doc_builder_end_turn(b); /* a Markdown heading ends the turn above */
            r->has_host = 0;
            heading = seen_label ? l->number : 0;
            if (rc == 0)
                rc = append_line(r, l);
        } else if (l->has_label) {
            seen_label = 1;
            heading = 0;
            const char *s = line_text(r, l);
            const qc_label *lab = &l->label;
            rc = qc_doc_builder_end_turn(b);
            if (rc == 0)
                rc = append_part(r, l, 0, lab->text_start);
            r->host_turn = qc_doc_builder_turn_count(b);
            r->has_host = 1;
            if (rc == 0)
                rc = qc_doc_builder_begin_turn(b, s + lab->label_start, lab->label_end - lab->label_start, lab->time_ms,
                                               -1, l->number);
            if (rc == 0)
                rc = append_body(r, l, lab->text_start);
        } else if (r->has_host) {
            rc = append_body(r, l, 0);
        } else {
            rc = note_after_heading(r, l, &heading);
            if (rc == 0)
                rc = append_line(r, l);
        }
    }
    if (rc == 0)
        rc = qc_doc_builder_end_turn(b);
    if (r->failed_line)
        return pattern_failed(r, err);
    if (rc == QC_ERR_LIMIT)
        return qc_error_set(err, rc, r->name, 0, 0, -1, "transcript too large (4 GiB at most)");
    return rc ? qc_error_nomem(err) : 0;
}

int qc_read_text(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                 qc_error *err)
{
    static const qc_read_options defaults = QC_READ_OPTIONS_INIT;
    text_reader r = {0};
    r.b = b;
    r.name = name;
    r.data = data;
    r.opts = opts ? opts : &defaults;
    r.markdown = ends_with(name, ".md") || ends_with(name, ".markdown");
    r.decoded = (qc_buf)QC_BUF_INIT;
    r.trust[0].known = r.trust[1].known = -1;
    qc_speaker_rules *rules = NULL;
    int rc = qc_speaker_rules_new(&rules, r.opts, err);
    if (rc != 0) {
        if (err && !err->file[0]) {
            char message[QC_ERROR_MESSAGE_MAX];
            memcpy(message, err->message, sizeof message);
            qc_error_set(err, rc, name, 0, 0, -1, "%s", message);
        }
        return rc;
    }
    r.rules = rules;
    if (qc_label_tally_new(&r.tally) != 0 || qc_label_tally_new(&r.speakers) != 0) {
        qc_label_tally_free(r.tally);
        qc_speaker_rules_free(rules);
        return qc_error_nomem(err);
    }
    rc = collect_lines(&r, size, rules, err);
    if (rc == 0) {
        size_t body = find_header(&r);
        if (uncount_header(&r, body) != 0) {
            rc = qc_error_nomem(err);
        } else {
            settle_labels(&r, body);
            /* The text is about the file's size (less line ends and labels): one allocation. */
            r.may_overlap = find_slashes(data, size, 0) < size;
            rc = (r.may_overlap && tally_speakers(&r, body) != 0) || qc_doc_builder_reserve(b, size) != 0
                     ? qc_error_nomem(err)
                     : build(&r, body, err);
        }
    }
    qc_speaker_rules_free(rules);
    qc_label_tally_free(r.tally);
    qc_label_tally_free(r.exact);
    qc_label_tally_free(r.speakers);
    qc_label_tally_free(r.people);
    qc_buf_free(&r.decoded);
    qc_free(r.lines);
    return rc;
}
