#include "subtitle_cues.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "speakers.h"

void qc_cues_init(qc_cue_list *cl)
{
    memset(cl, 0, sizeof *cl);
    qc_mt_init(&cl->mt);
}

void qc_cues_free(qc_cue_list *cl)
{
    qc_mt_free(&cl->mt);
    qc_buf_free(&cl->voices);
    qc_free(cl->segs);
    qc_free(cl->breaks);
    memset(cl, 0, sizeof *cl);
}

int qc_cues_open(qc_cue_list *cl, uint32_t cue, int64_t start_ms, int64_t end_ms)
{
    qc_cues_close(cl);
    if (QC_GROW(cl->segs, cl->cap, cl->count + 1) < 0)
        return -1;
    qc_cue_seg *s = &cl->segs[cl->count++];
    memset(s, 0, sizeof *s);
    s->start_ms = start_ms;
    s->end_ms = end_ms;
    s->cue = cue;
    s->from = s->to = cl->mt.text.len;
    cl->open = 1;
    return 0;
}

void qc_cues_close(qc_cue_list *cl)
{
    if (cl->open)
        cl->segs[cl->count - 1].to = cl->mt.text.len;
    cl->open = 0;
}

int qc_cues_line(qc_cue_list *cl, uint32_t line)
{
    cl->line = line;
    if (!cl->open)
        return 0;
    qc_cue_seg *s = &cl->segs[cl->count - 1];
    if (!s->line)
        s->line = line;
    if (cl->mt.text.len == s->from)
        return 0; /* the segment's first text: its start is looked at anyway */
    if (QC_GROW(cl->breaks, cl->break_cap, cl->break_count + 1) < 0)
        return -1;
    cl->breaks[cl->break_count++] = (qc_cue_break){cl->mt.text.len, line};
    return 0;
}

static int has_text(const qc_mapped_text *mt, size_t from, size_t to)
{
    qc_mt_trim(mt, &from, &to);
    return from < to;
}

int qc_cues_voice(qc_cue_list *cl, const char *name, size_t len, uint32_t src)
{
    if (!cl->open)
        return 0;
    qc_cue_seg *s = &cl->segs[cl->count - 1];
    int other_voice = s->voice_len && (s->voice_len != len || memcmp(cl->voices.data + s->voice_off, name, len) != 0);
    if (other_voice || has_text(&cl->mt, s->from, cl->mt.text.len)) {
        /* A second voice in one cue: what follows is its own segment (a voice with no text before
         * it keeps its segment, so that it is told as left out rather than renamed). */
        qc_cue_seg copy = *s;
        if (qc_cues_open(cl, copy.cue, copy.start_ms, copy.end_ms) < 0)
            return -1;
        s = &cl->segs[cl->count - 1];
    }
    s->voice_off = cl->voices.len;
    s->voice_len = len;
    s->voice_src = src;
    s->line = cl->line;
    qc_buf_append(&cl->voices, name, len);
    return qc_buf_failed(&cl->voices) ? -1 : 0;
}

/* What pass two decides for each segment. */
typedef struct seg_speaker {
    const char *name; /* NULL: unlabelled */
    size_t len;
    uint32_t src;    /* where the name is in the file */
    size_t from, to; /* the text to emit, label excluded, trimmed */
    int label_alone; /* an accepted label with no text: names the following unlabelled segments */
    int names_next;  /* a label alone that named some */
    int voice;       /* the name is the segment's <v> voice */
} seg_speaker;

static int build_error(qc_error *err, const char *name, int rc)
{
    if (rc == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    return qc_error_set(err, rc, name, 0, 0, -1, "could not build the document: %s", qc_status_name(rc));
}

/* The speaker label at the start of text[from..to) (trimmed first), as `m` of
 * qc_speaker_match_line: 1 with *lab filled (offsets from the trimmed start, kept in *from), 0, or
 * an error. */
static int label_at(const qc_cue_list *cl, const qc_speaker_rules *rules, size_t *from, size_t to, qc_label *lab)
{
    qc_mt_trim(&cl->mt, from, &to);
    if (*from == to)
        return 0;
    int m = qc_speaker_match_line(rules, cl->mt.text.data + *from, to - *from, lab);
    return m == 1 && lab->label_end <= lab->label_start ? 0 : m;
}

/* Whether a label found in the cues is trusted even once (qc_label_trusted); `tally` counts every
 * label of the cues. */
static int trusted(const qc_read_options *opts, const qc_label_tally *tally, const char *text, size_t at,
                   const qc_label *lab)
{
    return qc_label_trusted(opts, tally, lab, text + at + lab->label_start, lab->label_end - lab->label_start);
}

/* At the file line of the text the pattern failed on (the cue's number is no line of the file). */
static int pattern_error(qc_error *err, const char *name, uint32_t cue, uint32_t line, int m)
{
    return qc_error_set(err, m, name, line, 0, -1, "the speaker pattern failed on cue %u: %s", cue, qc_status_name(m));
}

/* A speaker label at the start of a cue's later line (`Interviewer: How are you?` then `P1: Fine,
 * thanks.` in one cue) starts a segment of its own, by the rules of a cue's first line: conventional,
 * or starting two lines or cues in all (counted here over both, so decide_speakers, which counts
 * segment starts, comes to the same count). The joining space stays at the end of the segment
 * before, where trimming drops it. Voiced segments are not split: the voice names them. */
static int split_at_line_labels(qc_cue_list *cl, const qc_read_options *opts, const char *name, qc_error *err)
{
    if (!cl->break_count || (opts && opts->speakers == QC_SPEAKERS_NONE))
        return 0;
    qc_speaker_rules *rules = NULL;
    qc_label_tally *tally = NULL;
    qc_cue_seg *segs = NULL;
    size_t *owner = NULL; /* each break's segment, or SIZE_MAX: none (voiced) */
    uint8_t *accepted = NULL;
    int rc = qc_speaker_rules_new(&rules, opts, err);
    if (rc < 0)
        return rc;
    owner = qc_calloc(cl->break_count, sizeof *owner);
    accepted = qc_calloc(cl->break_count, 1);
    if (!owner || !accepted || qc_label_tally_new(&tally) < 0) {
        rc = qc_error_nomem(err);
        goto done;
    }
    const char *text = cl->mt.text.data;
    size_t k = 0, splits = 0;
    qc_label lab;
    for (size_t i = 0; i < cl->count; i++) {
        const qc_cue_seg *s = &cl->segs[i];
        size_t from = s->from;
        int m = s->voice_len ? 0 : label_at(cl, rules, &from, s->to, &lab);
        for (; k < cl->break_count && cl->breaks[k].at < s->to; k++) {
            owner[k] = SIZE_MAX;
            if (s->voice_len || cl->breaks[k].at < s->from)
                continue;
            owner[k] = i;
            size_t at = cl->breaks[k].at;
            qc_label lb; /* not lab: the segment's own label is counted after its lines' */
            int mb = label_at(cl, rules, &at, s->to, &lb);
            if (mb < 0) {
                rc = pattern_error(err, name, s->cue, cl->breaks[k].line, mb);
                goto done;
            }
            if (mb == 1 && qc_label_tally_add(tally, text + at + lb.label_start, lb.label_end - lb.label_start) < 0) {
                rc = qc_error_nomem(err);
                goto done;
            }
        }
        if (m < 0) {
            rc = pattern_error(err, name, s->cue, s->line, m);
            goto done;
        }
        if (m == 1 && qc_label_tally_add(tally, text + from + lab.label_start, lab.label_end - lab.label_start) < 0) {
            rc = qc_error_nomem(err);
            goto done;
        }
    }
    for (k = 0; k < cl->break_count; k++) {
        size_t at = cl->breaks[k].at;
        if (owner[k] != SIZE_MAX && label_at(cl, rules, &at, cl->segs[owner[k]].to, &lab) == 1)
            accepted[k] =
                trusted(opts, tally, text, at, &lab) ||
                qc_label_tally_count(tally, text + at + lab.label_start, lab.label_end - lab.label_start) >= 2;
        splits += accepted[k];
    }
    if (!splits)
        goto done;
    segs = qc_calloc(cl->count + splits, sizeof *segs);
    if (!segs) {
        rc = qc_error_nomem(err);
        goto done;
    }
    size_t n = 0;
    k = 0;
    for (size_t i = 0; i < cl->count; i++) {
        segs[n] = cl->segs[i];
        for (; k < cl->break_count && (owner[k] == SIZE_MAX || owner[k] <= i); k++) {
            if (owner[k] != i || !accepted[k])
                continue;
            segs[n].to = cl->breaks[k].at;
            segs[n + 1] = cl->segs[i];
            segs[n + 1].from = cl->breaks[k].at;
            segs[n + 1].line = cl->breaks[k].line;
            n++;
        }
        n++;
    }
    qc_free(cl->segs);
    cl->segs = segs;
    cl->count = cl->cap = n;
    segs = NULL;
done:
    qc_free(segs);
    qc_free(owner);
    qc_free(accepted);
    qc_label_tally_free(tally);
    qc_speaker_rules_free(rules);
    return rc < 0 ? rc : 0;
}

/* Finds the speaker of every segment: its voice, else a `Name: ` label that is conventional or
 * occurs at least twice (counted over all segments first). */
static int decide_speakers(qc_cue_list *cl, seg_speaker *sp, const char *name, const qc_read_options *opts,
                           qc_error *err)
{
    int none = opts && opts->speakers == QC_SPEAKERS_NONE;
    qc_speaker_rules *rules = NULL;
    qc_label_tally *tally = NULL;
    qc_label *labels = NULL;
    int rc = qc_speaker_rules_new(&rules, opts, err);
    if (rc < 0)
        return rc;
    labels = qc_calloc(cl->count ? cl->count : 1, sizeof *labels);
    if (!labels || qc_label_tally_new(&tally) < 0) {
        rc = qc_error_nomem(err);
        goto done;
    }
    const char *text = cl->mt.text.data;
    for (size_t i = 0; i < cl->count; i++) {
        qc_cue_seg *s = &cl->segs[i];
        seg_speaker *p = &sp[i];
        p->from = s->from;
        p->to = s->to;
        qc_mt_trim(&cl->mt, &p->from, &p->to);
        labels[i].label_end = 0; /* label_end == label_start: no label */
        labels[i].label_start = 0;
        if (none)
            continue;
        if (s->voice_len) {
            p->name = cl->voices.data + s->voice_off;
            p->len = s->voice_len;
            p->src = s->voice_src;
            p->voice = 1;
            continue;
        }
        if (p->from == p->to)
            continue;
        qc_label lab;
        int m = qc_speaker_match_line(rules, text + p->from, p->to - p->from, &lab);
        if (m < 0) {
            rc = pattern_error(err, name, s->cue, s->line, m);
            goto done;
        }
        if (m == 0 || lab.label_end <= lab.label_start)
            continue;
        labels[i] = lab;
        if (qc_label_tally_add(tally, text + p->from + lab.label_start, lab.label_end - lab.label_start) < 0) {
            rc = qc_error_nomem(err);
            goto done;
        }
    }
    for (size_t i = 0; i < cl->count; i++) {
        const qc_label *lab = &labels[i];
        seg_speaker *p = &sp[i];
        if (lab->label_end <= lab->label_start)
            continue;
        const char *l = text + p->from + lab->label_start;
        size_t ll = lab->label_end - lab->label_start;
        if (!trusted(opts, tally, text, p->from, lab) && qc_label_tally_count(tally, l, ll) < 2)
            continue;
        p->name = l;
        p->len = ll;
        p->src = qc_mt_source(&cl->mt, p->from + lab->label_start);
        p->from += lab->text_start;
        qc_mt_trim(&cl->mt, &p->from, &p->to);
        p->label_alone = p->from == p->to;
    }
    /* A label alone in a cue names the unlabelled cues after it, as a label alone on its line
     * does in plain text. */
    seg_speaker *pending = NULL;
    for (size_t i = 0; i < cl->count; i++) {
        seg_speaker *p = &sp[i];
        if (p->label_alone)
            pending = p;
        else if (p->name)
            pending = NULL;
        else if (pending && p->from < p->to) {
            pending->names_next = 1;
            p->name = pending->name;
            p->len = pending->len;
            p->src = pending->src;
        }
    }
    rc = 0;
done:
    qc_free(labels);
    qc_label_tally_free(tally);
    qc_speaker_rules_free(rules);
    return rc;
}

/* A voice or a label with no text that names no cue after it is left out, as a label with no text
 * is in plain text and Word, and told the same way: at the line of the label or voice, with the
 * cue's number (a turn's `line` in subtitles). */
static int note_skipped(qc_doc_builder *b, const seg_speaker *p, const qc_cue_seg *s)
{
    return qc_doc_builder_note(b, s->line, "%s '%.*s' with no text; cue %u skipped",
                               p->voice ? "voice" : "speaker label", (int)p->len, p->name, s->cue);
}

static int same_speaker(const seg_speaker *a, const seg_speaker *b)
{
    if (!a->name || !b->name)
        return !a->name && !b->name;
    return a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
}

int qc_cues_build(qc_cue_list *cl, qc_doc_builder *b, const char *name, const qc_read_options *opts, qc_error *err)
{
    qc_cues_close(cl);
    if (cl->mt.failed || qc_buf_failed(&cl->voices))
        return qc_error_nomem(err);
    /* Every cue opened a segment, in file order: the last is the last cue. */
    qc_doc_builder_cue_count(b, cl->count ? cl->segs[cl->count - 1].cue : 0);
    int rc = split_at_line_labels(cl, opts, name, err);
    if (rc < 0)
        return rc;
    seg_speaker *sp = qc_calloc(cl->count ? cl->count : 1, sizeof *sp);
    if (!sp)
        return qc_error_nomem(err);
    rc = decide_speakers(cl, sp, name, opts, err);
    if (rc < 0)
        goto done;
    const seg_speaker *prev = NULL;
    int64_t turn_end = -1;
    for (size_t i = 0; i < cl->count && rc >= 0; i++) {
        const seg_speaker *p = &sp[i];
        const qc_cue_seg *s = &cl->segs[i];
        if (p->from >= p->to) {
            if (p->name && !p->names_next)
                rc = note_skipped(b, p, s);
            continue;
        }
        uint32_t here = qc_mt_source(&cl->mt, p->from);
        if (prev && same_speaker(prev, p)) {
            /* The next cue of the same speaker continues the turn, after one space. */
            rc = qc_doc_builder_text_at(b, " ", 1, here);
            if (rc >= 0)
                rc = qc_mt_emit(&cl->mt, p->from, p->to, b);
            if (s->end_ms > turn_end) {
                turn_end = s->end_ms;
                qc_doc_builder_turn_end_time(b, turn_end);
            }
            qc_doc_builder_turn_last_line(b, s->cue);
            continue;
        }
        if (prev) {
            rc = qc_doc_builder_end_turn(b);
            if (rc >= 0)
                rc = qc_doc_builder_text_at(b, "\n\n", 2, p->name ? p->src : here);
        }
        if (rc >= 0 && p->name) {
            /* The label goes outside the turn, so turn spans hold only what was said. */
            rc = qc_doc_builder_text_at(b, p->name, p->len, p->src);
            if (rc >= 0)
                rc = qc_doc_builder_text_at(b, ": ", 2, p->src);
        }
        if (rc >= 0)
            rc = qc_doc_builder_begin_turn(b, p->name, p->name ? p->len : 0, s->start_ms, s->end_ms, s->cue);
        if (rc >= 0)
            rc = qc_mt_emit(&cl->mt, p->from, p->to, b);
        turn_end = s->end_ms;
        prev = p;
    }
    if (rc >= 0 && prev)
        rc = qc_doc_builder_end_turn(b);
    if (rc < 0) {
        rc = build_error(err, name, rc);
        goto done;
    }
    if (!prev)
        rc = qc_error_set(err, QC_ERR_FORMAT, name, 0, 0, -1, "empty transcript: no cue has any text");
done:
    qc_free(sp);
    return rc;
}
