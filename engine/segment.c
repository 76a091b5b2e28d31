/* Paragraphs, sentences and words inside turns (rules in docs/transcripts.md). Everything is
 * found in one forward pass over each turn's bytes; byte offsets become code points through a
 * cursor that only walks the distance between two consecutive positions. */
#include "segment.h"

#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "text.h"

/* Byte offset -> code point offset, walking from the previous answer. */
typedef struct cp_cursor {
    const char *text;
    size_t byte, cp;
} cp_cursor;

static uint32_t to_cp(cp_cursor *c, size_t byte)
{
    while (c->byte < byte) {
        if (((unsigned char)c->text[c->byte] & 0xC0) != 0x80)
            c->cp++;
        c->byte++;
    }
    while (c->byte > byte) {
        c->byte--;
        if (((unsigned char)c->text[c->byte] & 0xC0) != 0x80)
            c->cp--;
    }
    return (uint32_t)c->cp;
}

typedef struct seg_state {
    qc_document *doc;
    cp_cursor cur;
    size_t para_cap, sent_cap, word_cap;
} seg_state;

static int32_t decode_at(const char *s, size_t len, size_t *pos)
{
    int32_t cp = qc_utf8_decode(s, len, pos);
    if (cp < 0)
        (*pos)++; /* the builder only holds valid UTF-8; this keeps a bug from looping */
    return cp;
}

static int is_space_at(const char *s, size_t len, size_t pos)
{
    unsigned char c = (unsigned char)s[pos];
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    return qc_char_is_space(qc_utf8_decode(s, len, &pos));
}

/* Moves *a forward and *b backward over white space. */
static void trim(const char *s, size_t len, size_t *a, size_t *b)
{
    while (*a < *b && is_space_at(s, len, *a)) {
        size_t p = *a;
        decode_at(s, len, &p);
        *a = p;
    }
    while (*b > *a) {
        size_t p = *b - 1;
        while (p > *a && ((unsigned char)s[p] & 0xC0) == 0x80)
            p--;
        if (!is_space_at(s, len, p))
            break;
        *b = p;
    }
}

static int is_terminal(int32_t cp)
{
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 /* … */;
}

/* Closing quotes and brackets that stay with the sentence they end: ." .) .” .’ .» */
static int is_closer(int32_t cp)
{
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == 0x201D || cp == 0x2019 || cp == 0x00BB ||
           cp == 0x203A || cp == '*';
}

int qc_segment_is_abbreviation(const char *s, size_t start, size_t dot, size_t len)
{
    /* The token before the dot: ASCII letters and inner dots (e.g, i.e). */
    size_t a = dot;
    while (a > start) {
        char c = s[a - 1];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.')
            a--;
        else
            break;
    }
    if (a > start && ((unsigned char)s[a - 1] >= 0x80 || (s[a - 1] >= '0' && s[a - 1] <= '9')))
        return 0; /* part of a longer, non-ASCII or numeric token */
    size_t n = dot - a;
    if (n == 0 || n > 6)
        return 0;
    static const char *const abbreviations[] = {"dr", "mr",     "mrs", "ms", "prof", "e.g", "i.e", "etc",
                                                "vs", "approx", "st",  "jr", "sr",   "cf",  NULL};
    for (const char *const *w = abbreviations; *w; w++)
        if (strlen(*w) == n && strncasecmp(s + a, *w, n) == 0)
            return 1;
    /* "No. 5" is an abbreviation; "I said no. Then" is not. */
    if (n == 2 && s[a] == 'N' && s[a + 1] == 'o') {
        size_t p = dot + 1;
        while (p < len && s[p] == ' ')
            p++;
        return p < len && s[p] >= '0' && s[p] <= '9';
    }
    return 0;
}

static int push_unit(qc_doc_unit **arr, size_t *count, size_t *cap, uint32_t start, uint32_t end, uint32_t turn)
{
    if (QC_GROW(*arr, *cap, *count + 1) != 0)
        return QC_ERR_NOMEM;
    (*arr)[(*count)++] = (qc_doc_unit){start, end, turn};
    return 0;
}

static int add_words(seg_state *st, size_t a, size_t b)
{
    qc_document *doc = st->doc;
    uint32_t sentence = (uint32_t)(doc->sentence_count - 1);
    size_t pos = a, ws, we;
    while (qc_word_scan(doc->text, b, &pos, 0, &ws, &we)) {
        if (QC_GROW(doc->words, st->word_cap, doc->word_count + 1) != 0)
            return QC_ERR_NOMEM;
        uint32_t cs = to_cp(&st->cur, ws);
        uint32_t ce = to_cp(&st->cur, we);
        doc->words[doc->word_count++] = (qc_doc_word){cs, ce, sentence};
    }
    return 0;
}

static int add_sentence(seg_state *st, size_t a, size_t b, uint32_t turn)
{
    const char *s = st->doc->text;
    trim(s, b, &a, &b);
    if (a == b)
        return 0;
    qc_document *doc = st->doc;
    uint32_t cs = to_cp(&st->cur, a);
    uint32_t ce = to_cp(&st->cur, b);
    if (push_unit(&doc->sentences, &doc->sentence_count, &st->sent_cap, cs, ce, turn) != 0)
        return QC_ERR_NOMEM;
    return add_words(st, a, b);
}

/* Splits a paragraph's bytes [a, b) into sentences. */
static int add_sentences(seg_state *st, size_t a, size_t b, uint32_t turn)
{
    const char *s = st->doc->text;
    size_t start = a, i = a;
    while (i < b) {
        size_t here = i;
        int32_t cp = decode_at(s, b, &i);
        if (!is_terminal(cp))
            continue;
        size_t j = i;
        while (j < b) {
            size_t k = j;
            int32_t next = decode_at(s, b, &k);
            if (!is_terminal(next) && !is_closer(next))
                break;
            j = k;
        }
        if (j < b && !is_space_at(s, b, j))
            continue; /* 3.5, e.g.x, a URL: not a boundary */
        if (cp == '.' && j == i && qc_segment_is_abbreviation(s, start, here, b))
            continue;
        if (add_sentence(st, start, j, turn) != 0)
            return QC_ERR_NOMEM;
        start = i = j;
    }
    return add_sentence(st, start, b, turn);
}

/* Whether s[a..b) holds only white space. */
static int blank(const char *s, size_t a, size_t b)
{
    while (a < b) {
        if (!is_space_at(s, b, a))
            return 0;
        decode_at(s, b, &a);
    }
    return 1;
}

static int add_paragraph(seg_state *st, size_t a, size_t b, uint32_t turn)
{
    const char *s = st->doc->text;
    trim(s, b, &a, &b);
    if (a == b)
        return 0;
    qc_document *doc = st->doc;
    uint32_t cs = to_cp(&st->cur, a);
    uint32_t ce = to_cp(&st->cur, b);
    if (push_unit(&doc->paragraphs, &doc->paragraph_count, &st->para_cap, cs, ce, turn) != 0)
        return QC_ERR_NOMEM;
    return add_sentences(st, a, b, turn);
}

/* A turn's bytes [a, b): paragraphs end at blank lines. */
static int segment_turn(seg_state *st, size_t a, size_t b, uint32_t turn)
{
    const char *s = st->doc->text;
    size_t para = a, line = a;
    while (line < b) {
        const char *nl = memchr(s + line, '\n', b - line);
        size_t end = nl ? (size_t)(nl - s) : b;
        if (blank(s, line, end)) {
            if (add_paragraph(st, para, line, turn) != 0)
                return QC_ERR_NOMEM;
            para = end;
        }
        line = nl ? end + 1 : b;
    }
    return add_paragraph(st, para, b, turn);
}

int qc_segment_document(qc_document *doc)
{
    seg_state st = {doc, {doc->text, 0, 0}, 0, 0, 0};
    for (size_t t = 0; t < doc->turn_count; t++) {
        size_t a = doc->cp_to_byte[doc->turns[t].start];
        size_t b = doc->cp_to_byte[doc->turns[t].end];
        if (segment_turn(&st, a, b, (uint32_t)t) != 0)
            return QC_ERR_NOMEM;
    }
    return 0;
}
