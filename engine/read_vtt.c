/* WebVTT reader (https://www.w3.org/TR/webvtt1/): the WEBVTT header, NOTE/STYLE/REGION blocks
 * skipped, optional cue identifiers, cue timings with settings, and cue text whose <v Name> voice
 * spans name the speaker; other tags are dropped and character references decoded. Cues become
 * turns through subtitle_cues. */
#include <string.h>

#include "error.h"
#include "lines.h"
#include "readers.h"
#include "subtitle_cues.h"
#include "subtitle_time.h"
#include "text.h"

/* Whether the line is `word` alone or followed by white space (WEBVTT, NOTE, STYLE, REGION). */
static int starts_with_word(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && memcmp(s, word, n) == 0 && (len == n || qc_cue_is_blank(s[n]));
}

/* The character references WebVTT files use. Returns the bytes consumed at s[0] ('&') and writes
 * the UTF-8 into out (*out_len bytes), or 0 when s does not start a known reference: then '&' is
 * an ordinary character, as browsers treat it. */
static size_t entity(const char *s, size_t len, char out[4], size_t *out_len)
{
    static const struct {
        const char *name;
        int32_t cp;
    } named[] = {{"amp", '&'},    {"lt", '<'},     {"gt", '>'},   {"nbsp", 0xA0},
                 {"lrm", 0x200E}, {"rlm", 0x200F}, {"quot", '"'}, {"apos", '\''}};
    size_t end = 1;
    while (end < len && end < 12 && s[end] != ';')
        end++;
    if (end >= len || s[end] != ';' || end == 1)
        return 0;
    int32_t cp = -1;
    if (s[1] == '#') {
        int hex = end > 2 && (s[2] == 'x' || s[2] == 'X');
        size_t p = hex ? 3 : 2;
        if (p == end)
            return 0;
        int32_t v = 0;
        for (; p < end; p++) {
            char c = s[p];
            int d = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0 || v > 0x10FFFF)
                return 0;
            v = v * (hex ? 16 : 10) + d;
        }
        cp = v;
    } else {
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
            if (strlen(named[i].name) == end - 1 && memcmp(named[i].name, s + 1, end - 1) == 0)
                cp = named[i].cp;
    }
    if (cp <= 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *out_len = qc_utf8_encode(cp, out);
    return *out_len ? end + 1 : 0;
}

typedef struct vtt_state {
    const char *name;
    qc_cue_list cues;
    uint32_t cue_no;
} vtt_state;

/* Appends one line of cue text: runs between tags and references are verbatim pieces. */
static int cue_text_line(vtt_state *st, const char *line, size_t len, uint32_t src, int verbatim)
{
    qc_mapped_text *mt = &st->cues.mt;
#define SRC(i) (verbatim ? src + (uint32_t)(i) : src)
    size_t run = 0, i = 0, next_gt = QC_CUE_FIND_UNKNOWN;
    while (i < len) {
        char c = line[i];
        if (c != '<' && c != '&') {
            i++;
            continue;
        }
        if (qc_mt_add(mt, line + run, i - run, SRC(run), verbatim) < 0)
            return -1;
        if (c == '&') {
            char u[4];
            size_t ulen = 0, n = entity(line + i, len - i, u, &ulen);
            if (n == 0) {
                run = i++; /* a bare '&' stays text */
                continue;
            }
            if (qc_mt_add(mt, u, ulen, SRC(i), 0) < 0)
                return -1;
            i += n;
            run = i;
            continue;
        }
        /* A tag runs to '>'. Only <v ...> carries meaning for us. A '<' with no '>' after it on
         * its line stays text: taken as a tag running to the end of the line, "<v S1 Hello" lost
         * the cue's words without a word said. */
        size_t j = qc_cue_find_byte(line, len, i + 1, '>', &next_gt);
        if (j == len) {
            run = i++;
            continue;
        }
        const char *tag = line + i + 1;
        size_t tlen = j - i - 1;
        if (tlen >= 1 && tag[0] == 'v' && (tlen == 1 || tag[1] == '.' || qc_cue_is_blank(tag[1]))) {
            size_t a = 1;
            while (a < tlen && !qc_cue_is_blank(tag[a]))
                a++; /* classes: <v.loud Name> */
            while (a < tlen && qc_cue_is_blank(tag[a]))
                a++;
            size_t e = tlen;
            while (e > a && qc_cue_is_blank(tag[e - 1]))
                e--;
            if (e > a && qc_cues_voice(&st->cues, tag + a, e - a, SRC(i + 1 + a)) < 0)
                return -1;
        }
        i = j < len ? j + 1 : len;
        run = i;
    }
    return qc_mt_add(mt, line + run, len - run, SRC(run), verbatim);
#undef SRC
}

static int timing_error(const char *name, uint32_t line_no, const char *line, size_t bad, uint32_t src, int verbatim,
                        const char *why, qc_error *err)
{
    return qc_error_set(err, QC_ERR_FORMAT, name, line_no, (uint32_t)qc_utf8_length(line, bad) + 1,
                        verbatim ? (int64_t)src + (int64_t)bad : (int64_t)src, "broken cue timing: %s", why);
}

int qc_read_vtt(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                qc_error *err)
{
    qc_line_reader lr;
    qc_lines_init(&lr, name, data, size, opts ? opts->encoding : QC_ENCODING_UTF8);
    vtt_state st;
    memset(&st, 0, sizeof st);
    st.name = name;
    qc_cues_init(&st.cues);
    const char *line;
    size_t len;
    uint32_t src;
    int verbatim;
    int rc = qc_lines_next(&lr, &line, &len, &src, &verbatim, err);
    if (rc < 0)
        goto done;
    if (rc == 0 || !starts_with_word(line, len, "WEBVTT")) {
        rc = qc_error_set(err, QC_ERR_FORMAT, name, 1, 1, 0, "not a WebVTT file: the first line must be WEBVTT");
        goto done;
    }
    /* The header block (WEBVTT and lines such as "Kind: captions") ends at the first blank line.
     * A file that starts its first cue right below it (no blank line) is accepted. */
    int pending = 0;
    while ((rc = qc_lines_next(&lr, &line, &len, &src, &verbatim, err)) > 0 && !qc_cue_blank_line(line, len)) {
        if (qc_timing_line_like(line, len)) {
            pending = 1;
            break;
        }
    }
    enum { BETWEEN, SKIP, IDENT, TEXT } state = BETWEEN;
    uint32_t ident_line = 0;
    while (rc > 0 && (pending || (rc = qc_lines_next(&lr, &line, &len, &src, &verbatim, err)) > 0)) {
        pending = 0;
        if (qc_cue_blank_line(line, len)) {
            if (state == IDENT) {
                rc = qc_error_set(err, QC_ERR_FORMAT, name, ident_line, 1, -1,
                                  "a cue identifier without a timing line (start --> end) after it");
                goto done;
            }
            qc_cues_close(&st.cues);
            state = BETWEEN;
            continue;
        }
        if (state == SKIP)
            continue;
        if (state == BETWEEN && (starts_with_word(line, len, "NOTE") || starts_with_word(line, len, "STYLE") ||
                                 starts_with_word(line, len, "REGION"))) {
            state = SKIP;
            continue;
        }
        if (qc_timing_line_like(line, len)) {
            /* A timing line also ends a cue whose text runs into it, as the WebVTT parser does. */
            int64_t start, end;
            size_t bad;
            const char *why;
            if (qc_timing_parse(line, len, QC_TIMING_VTT, &start, &end, &bad, &why) < 0) {
                rc = timing_error(name, lr.line, line, bad, src, verbatim, why, err);
                goto done;
            }
            if (qc_cues_open(&st.cues, ++st.cue_no, start, end) < 0) {
                rc = qc_error_nomem(err);
                goto done;
            }
            state = TEXT;
            continue;
        }
        if (state == BETWEEN) {
            state = IDENT;
            ident_line = lr.line;
            continue;
        }
        if (state == IDENT) {
            rc = qc_error_set(err, QC_ERR_FORMAT, name, lr.line, 1, src,
                              "expected a cue timing line (start --> end), as HH:MM:SS.mmm --> HH:MM:SS.mmm");
            goto done;
        }
        /* Cue text: lines join with a space. */
        qc_mapped_text *mt = &st.cues.mt;
        const qc_cue_seg *seg = &st.cues.segs[st.cues.count - 1];
        if (mt->text.len > seg->from && qc_mt_add(mt, " ", 1, src ? src - 1 : 0, 0) < 0) {
            rc = qc_error_nomem(err);
            goto done;
        }
        if (qc_cues_line(&st.cues, lr.line) < 0 || cue_text_line(&st, line, len, src, verbatim) < 0) {
            rc = qc_error_nomem(err);
            goto done;
        }
    }
    if (rc < 0)
        goto done;
    if (state == IDENT) {
        rc = qc_error_set(err, QC_ERR_FORMAT, name, ident_line, 1, -1,
                          "a cue identifier without a timing line (start --> end) after it");
        goto done;
    }
    rc = qc_cues_build(&st.cues, b, name, opts, err);
done:
    qc_cues_free(&st.cues);
    qc_lines_free(&lr);
    return rc < 0 ? rc : 0;
}
