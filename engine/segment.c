/* Paragraphs, sentences and words inside turns (rules in docs/transcripts.md). Everything is
 * found in one forward pass over each turn's bytes; byte offsets become code points through a
 * cursor that only walks forward, the distance between two consecutive positions (a unit's end is
 * filled in once its contents are done, so the cursor never goes back over them). */
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
    if (c->byte <= byte) {
        /* A counted loop (the compiler vectorises it): code points are the non-continuation bytes. */
        const unsigned char *t = (const unsigned char *)c->text;
        size_t cp = c->cp;
        for (size_t i = c->byte; i < byte; i++)
            cp += (t[i] & 0xC0) != 0x80;
        c->cp = cp;
        c->byte = byte;
        return (uint32_t)cp;
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
    if (*count >= *cap && QC_GROW(*arr, *cap, *count + 1) != 0)
        return QC_ERR_NOMEM;
    (*arr)[(*count)++] = (qc_doc_unit){start, end, turn};
    return 0;
}

static int push_word(seg_state *st, uint32_t start, uint32_t end, uint32_t sentence)
{
    qc_document *doc = st->doc;
    if (doc->word_count >= st->word_cap && QC_GROW(doc->words, st->word_cap, doc->word_count + 1) != 0)
        return QC_ERR_NOMEM;
    doc->words[doc->word_count++] = (qc_doc_word){start, end, sentence};
    return 0;
}

/* The words of a sentence's bytes [a, b). Words of ASCII letters and digits (nearly all of them)
 * are found here with the scanner's byte classes, counting code points on the way; anything else
 * (a byte >= 0x80, a hyphen or apostrophe before one) goes to qc_word_scan, the definition, from
 * the same place, so both paths give the same words. */
static int add_words(seg_state *st, size_t a, size_t b)
{
    const unsigned char *s = (const unsigned char *)st->doc->text;
    const uint8_t *cls = qc_word_byte_class;
    uint32_t sentence = (uint32_t)(st->doc->sentence_count - 1);
    size_t p = a;
    uint32_t cp = to_cp(&st->cur, a);
    for (;;) {
        while (p < b && !(cls[s[p]] & (QC_WC_WORD | QC_WC_HIGH)))
            p++, cp++; /* ASCII between words: a code point a byte */
        if (p >= b)
            break;
        size_t ws = p;
        uint32_t wcs = cp;
        int slow = cls[s[p]] & QC_WC_HIGH;
        while (!slow) {
            while (p < b && (cls[s[p]] & QC_WC_WORD))
                p++;
            if (p >= b)
                break;
            unsigned c = cls[s[p]];
            if (c & QC_WC_HIGH) {
                slow = 1;
            } else if (c & QC_WC_NUMSEP) {
                /* 3.5, 1,000: a digit on both sides (the byte before is the word's last). */
                if ((cls[s[p - 1]] & QC_WC_DIGIT) && p + 1 < b && (cls[s[p + 1]] & QC_WC_DIGIT))
                    p++;
                else
                    break;
            } else if (c & QC_WC_JOIN) {
                /* co-location, don't: a word character after it (decoded when not ASCII). */
                if (p + 1 >= b)
                    break;
                unsigned n = cls[s[p + 1]];
                if (n & QC_WC_HIGH)
                    slow = 1;
                else if (n & QC_WC_WORD)
                    p++;
                else
                    break;
            } else {
                break;
            }
        }
        if (!slow) {
            cp += (uint32_t)(p - ws);
        } else {
            /* cp is still the code point at ws. */
            size_t pos = ws, we;
            p = ws;
            if (!qc_word_scan((const char *)s, b, &pos, 0, &ws, &we))
                break;
            for (; p < ws; p++)
                cp += (s[p] & 0xC0) != 0x80;
            wcs = cp;
            for (; p < we; p++)
                cp += (s[p] & 0xC0) != 0x80;
        }
        if (push_word(st, wcs, cp, sentence) != 0)
            return QC_ERR_NOMEM;
    }
    st->cur.byte = p;
    st->cur.cp = cp;
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
    if (push_unit(&doc->sentences, &doc->sentence_count, &st->sent_cap, cs, cs, turn) != 0)
        return QC_ERR_NOMEM;
    size_t index = doc->sentence_count - 1;
    if (add_words(st, a, b) != 0)
        return QC_ERR_NOMEM;
    doc->sentences[index].end = to_cp(&st->cur, b);
    return 0;
}

/* Bytes that may start a sentence's terminal: . ! ? and the lead byte of … (E2 80 A6). */
static const uint8_t maybe_terminal[256] = {
    ['.'] = 1,
    ['!'] = 1,
    ['?'] = 1,
    [0xE2] = 1,
};

/* Splits a paragraph's bytes [a, b) into sentences. */
static int add_sentences(seg_state *st, size_t a, size_t b, uint32_t turn)
{
    const char *s = st->doc->text;
    const unsigned char *u = (const unsigned char *)s;
    size_t start = a, i = a;
    while (i < b) {
        /* Nothing but a terminal can end a sentence: skip to the next byte that may start one. */
        while (i < b && !maybe_terminal[u[i]])
            i++;
        if (i >= b)
            break;
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
    if (push_unit(&doc->paragraphs, &doc->paragraph_count, &st->para_cap, cs, cs, turn) != 0)
        return QC_ERR_NOMEM;
    size_t index = doc->paragraph_count - 1;
    if (add_sentences(st, a, b, turn) != 0)
        return QC_ERR_NOMEM;
    doc->paragraphs[index].end = to_cp(&st->cur, b);
    return 0;
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
