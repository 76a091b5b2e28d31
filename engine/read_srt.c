/* SubRip reader: blocks of an optional cue number, a timing line (HH:MM:SS,mmm --> HH:MM:SS,mmm,
 * '.' accepted too) and text lines, separated by blank lines. Formatting tags (<i>, <b>, <u>, <s>,
 * <font ...>) and {\...} override codes are dropped; any other '<' is text (SubRip has no escapes,
 * so "<laughs>" is what the transcriber wrote). Cues become turns through subtitle_cues. */
#include <string.h>

#include "error.h"
#include "lines.h"
#include "readers.h"
#include "subtitle_cues.h"
#include "subtitle_time.h"
#include "text.h"

static int number_line(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    while (i < len && qc_cue_is_blank(s[i]))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    while (i < len && qc_cue_is_blank(s[i]))
        i++;
    return digits > 0 && i == len;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The length of a formatting tag at line[i] ('<'), or 0 when it is not one. `next_gt` and
 * qc_cue_find_byte keep a line of many unclosed `<i ` linear. */
static size_t format_tag(const char *line, size_t len, size_t i, size_t *next_gt)
{
    const char *s = line + i;
    size_t slen = len - i;
    size_t p = 1;
    if (p < slen && s[p] == '/')
        p++;
    size_t n = p;
    while (n < slen && ((lower(s[n]) >= 'a' && lower(s[n]) <= 'z')))
        n++;
    size_t wlen = n - p;
    int known =
        (wlen == 1 && strchr("ibus", lower(s[p])) != NULL) ||
        (wlen == 4 && lower(s[p]) == 'f' && lower(s[p + 1]) == 'o' && lower(s[p + 2]) == 'n' && lower(s[p + 3]) == 't');
    if (!known || n >= slen)
        return 0;
    if (s[n] != '>' && !qc_cue_is_blank(s[n]))
        return 0;
    size_t close = qc_cue_find_byte(line, len, i + n, '>', next_gt);
    return close < len ? close - i + 1 : 0;
}

static int cue_text_line(qc_mapped_text *mt, const char *line, size_t len, uint32_t src, int verbatim)
{
#define SRC(i) (verbatim ? src + (uint32_t)(i) : src)
    size_t run = 0, i = 0, next_gt = QC_CUE_FIND_UNKNOWN, next_brace = QC_CUE_FIND_UNKNOWN;
    while (i < len) {
        size_t n = 0;
        if (line[i] == '<')
            n = format_tag(line, len, i, &next_gt);
        else if (line[i] == '{' && i + 1 < len && line[i + 1] == '\\') {
            size_t close = qc_cue_find_byte(line, len, i, '}', &next_brace);
            n = close < len ? close - i + 1 : 0;
        }
        if (n == 0) {
            i++;
            continue;
        }
        if (qc_mt_add(mt, line + run, i - run, SRC(run), verbatim) < 0)
            return -1;
        i += n;
        run = i;
    }
    return qc_mt_add(mt, line + run, len - run, SRC(run), verbatim);
#undef SRC
}

int qc_read_srt(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                qc_error *err)
{
    qc_line_reader lr;
    qc_lines_init(&lr, name, data, size, opts ? opts->encoding : QC_ENCODING_UTF8);
    qc_cue_list cues;
    qc_cues_init(&cues);
    const char *line;
    size_t len;
    uint32_t src;
    int verbatim, rc;
    enum { BETWEEN, NUMBER, TEXT } state = BETWEEN;
    uint32_t cue_no = 0, number_at = 0;
    while ((rc = qc_lines_next(&lr, &line, &len, &src, &verbatim, err)) > 0) {
        if (qc_cue_blank_line(line, len)) {
            if (state == NUMBER)
                break; /* reported below */
            qc_cues_close(&cues);
            state = BETWEEN;
            continue;
        }
        if (state == TEXT) {
            if (cues.mt.text.len > cues.segs[cues.count - 1].from &&
                qc_mt_add(&cues.mt, " ", 1, src ? src - 1 : 0, 0) < 0)
                goto nomem;
            if (qc_cues_line(&cues, lr.line) < 0 || cue_text_line(&cues.mt, line, len, src, verbatim) < 0)
                goto nomem;
            continue;
        }
        if (state == BETWEEN && number_line(line, len)) {
            state = NUMBER;
            number_at = lr.line;
            continue;
        }
        if (!qc_timing_line_like(line, len)) {
            rc = qc_error_set(err, QC_ERR_FORMAT, name, lr.line, 1, src,
                              state == NUMBER
                                  ? "expected a cue timing line (HH:MM:SS,mmm --> HH:MM:SS,mmm) after the cue number"
                                  : "expected a cue number or a timing line (HH:MM:SS,mmm --> HH:MM:SS,mmm)");
            goto done;
        }
        int64_t start, end;
        size_t bad;
        const char *why;
        if (qc_timing_parse(line, len, QC_TIMING_SRT, &start, &end, &bad, &why) < 0) {
            rc = qc_error_set(err, QC_ERR_FORMAT, name, lr.line, (uint32_t)qc_utf8_length(line, bad) + 1,
                              verbatim ? (int64_t)src + (int64_t)bad : (int64_t)src, "broken cue timing: %s", why);
            goto done;
        }
        if (qc_cues_open(&cues, ++cue_no, start, end) < 0)
            goto nomem;
        state = TEXT;
    }
    if (rc < 0)
        goto done;
    if (state == NUMBER) {
        rc = qc_error_set(err, QC_ERR_FORMAT, name, number_at, 1, -1,
                          "a cue number without a timing line (HH:MM:SS,mmm --> HH:MM:SS,mmm) after it");
        goto done;
    }
    rc = qc_cues_build(&cues, b, name, opts, err);
    goto done;
nomem:
    rc = qc_error_nomem(err);
done:
    qc_cues_free(&cues);
    qc_lines_free(&lr);
    return rc < 0 ? rc : 0;
}
