/* Paragraphs, sentences and words inside turns (rules in docs/transcripts.md). Everything is
 * found in one forward pass over each turn's bytes; byte offsets become code points through a
 * cursor that only walks forward, the distance between two consecutive positions (a unit's end is
 * filled in once its contents are done, so the cursor never goes back over them). */
#include "segment.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "speakers.h"
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
    size_t para_cap, sent_cap, word_cap, sent_words_cap, stamp_cap;
} seg_state;

static int32_t decode_at(const char *s, size_t len, size_t *pos)
{
    int32_t cp = qc_utf8_decode(s, len, pos);
    if (cp < 0)
        (*pos)++; /* the builder only holds valid UTF-8; this keeps a bug from looping */
    return cp;
}

static int ascii_space(unsigned char c)
{
    /* ' ' and '\t' to '\r' as bits of one constant: a compare and a bit test (it runs at each
     * end of every sentence and paragraph). */
    return c <= ' ' && ((UINT64_C(1) << ' ' | UINT64_C(0x3E00)) >> c & 1);
}

static int is_space_at(const char *s, size_t len, size_t pos)
{
    unsigned char c = (unsigned char)s[pos];
    if (c < 0x80)
        return ascii_space(c);
    return qc_char_is_space(qc_utf8_decode(s, len, &pos));
}

/* The start of the code point that ends at p (p > floor), stepping back over continuation bytes but
 * never below floor. */
static size_t prev_char_start(const char *s, size_t floor, size_t p)
{
    do
        p--;
    while (p > floor && ((unsigned char)s[p] & 0xC0) == 0x80);
    return p;
}

/* Moves *a forward and *b backward over white space. ASCII first, inline: it runs at every
 * sentence and paragraph, and the white space around them is nearly always a space or a line end. */
static void trim_rest(const char *s, size_t len, size_t *a, size_t *b);

static inline void trim(const char *s, size_t len, size_t *a, size_t *b)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*a < *b && ascii_space(u[*a]))
        ++*a;
    while (*b > *a && ascii_space(u[*b - 1]))
        --*b;
    if (*a < *b && (u[*a] >= 0x80 || u[*b - 1] >= 0x80))
        trim_rest(s, len, a, b);
}

static void trim_rest(const char *s, size_t len, size_t *a, size_t *b)
{
    while (*a < *b && is_space_at(s, len, *a)) {
        size_t p = *a;
        decode_at(s, len, &p);
        *a = p;
    }
    while (*b > *a) {
        size_t p = prev_char_start(s, *a, *b);
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

/* Brackets and quotation marks that may open a name: ( [ " ' and the curly and angle opening quotes. */
static int is_opener(int32_t cp)
{
    return cp == '(' || cp == '[' || cp == '"' || cp == '\'' || cp == 0x201C || cp == 0x2018 || cp == 0x201E ||
           cp == 0xAB;
}

/* Words that often start a sentence, English and German (noScribe's transcripts are often German,
 * where "Frau K. Sie sagte" ends a sentence): after "Team A." or "Hepatitis C." they tell a
 * sentence end from a middle initial. Each is preceded and followed by a space here, and written in
 * NFC as the document text is (is_middle_initial compares bytes), in words of under 12 bytes. */
static const char sentence_starters[] =
    " A Aber Actually After Äh Ähm Ähnlich Also Am An And Anything Anyway Are As At Auch Außerdem"
    " Because Before Both But Can Could Da Dann Das Dass Dem Den Der Des Did Die Dies Diese Dieser Do"
    " Does Du Each Ein Eine Einer Er Es Even Every Everybody Everyone Everything For From Für Gut Had"
    " Has Have He Her Here Hier His How I Ich If Ihr Im In Is It Its Ja Jetzt Just Let Like Man Many"
    " Maybe Mein Meine More Most My Na Natürlich Nein Nicht No Nobody Not Nothing Now Nun OK Oder Of"
    " Öfter Oh Okay On Once One Only Or Other Our People Really Right She Sie Since So Some Someone"
    " Something Sometimes Später Still Sure That The Their Then There These They This Those Though To"
    " Too Über Übrigens Uh Um Und Unser Very Während Wann Wäre Warum Was We Weil Well Wenn Wer Were"
    " What When Where Which While Who Why Wie Will Wir With Wo Would Würde Yeah Yes Yet You Your Zum"
    " Zur ";

static int starts_sentences(const char *w, size_t n)
{
    for (const char *p = sentence_starters; (p = strchr(p, ' ')) && p[1]; p++)
        if (strncmp(p + 1, w, n) == 0 && p[1 + n] == ' ')
            return 1;
    return 0;
}

/* A letter of any script (text.h has no letters-only class: a digit outside ASCII passes too,
 * which no name or sentence starter holds). */
static int is_letter(int32_t cp)
{
    return qc_char_is_letter_or_digit(cp) && !(cp >= '0' && cp <= '9');
}

/* Whether the capital letter at s[at] followed by a dot is a middle initial ("John W. Dixon",
 * "Amos C. Brown"): one space on each side, and either another initial after it ("J. R. R.") or
 * a capitalised word before it ending in a letter or a dot (another initial) and after it a
 * capitalised word that does not often start sentences.
 * "in R. However" (lower case before), "Brazil, L. Usually" (a comma: someone addressed) and
 * "in Team A. They" end their sentences; "Vitamin D. Patients" is taken for a name. */
static int is_middle_initial(const char *s, size_t start, size_t at, size_t len)
{
    size_t after = at + 2;
    if (after >= len || s[at + 1] != '.' || s[after] != ' ')
        return 0;
    size_t q = after + 1, w = q;
    if (q >= len || !qc_char_is_upper(qc_utf8_decode(s, len, &q)))
        return 0;
    /* A run of initials: "J. R. R. Tolkien", also where it opens the sentence or a bracket, which
     * cut the name into one sentence an initial ("J.", "R.", "R.", "Tolkien wrote it."). */
    if (q + 1 < len && s[q] == '.' && s[q + 1] == ' ' && s[w] >= 'A' && s[w] <= 'Z') {
        size_t c = at > start ? prev_char_start(s, start, at) : at;
        if (c == at || is_space_at(s, len, c) || is_opener(qc_utf8_decode(s, len, &c)))
            return 1;
    }
    if (at < start + 2 || s[at - 1] != ' ')
        return 0;
    size_t we = w;
    while (we < len && we - w < 12) {
        size_t n = we;
        if (!is_letter(qc_utf8_decode(s, len, &n)))
            break;
        we = n;
    }
    if (we > w && we - w < 12 && starts_sentences(s + w, we - w))
        return 0;
    /* The word before, stepping back a code point at a time: a no-break space before it is
     * white space, not part of the word. */
    size_t end = at - 1, p = end;
    while (p > start) {
        size_t c = prev_char_start(s, start, p);
        if (is_space_at(s, len, c))
            break;
        p = c;
    }
    if (p == end)
        return 0;
    size_t k = prev_char_start(s, p, end);
    int32_t lc = qc_utf8_decode(s, len, &k);
    if (lc != '.' && !is_letter(lc))
        return 0;
    /* The name may open a bracket or a quotation: "(John W. Dixon)", a curly-quoted "John W. Dixon". */
    int32_t fc;
    for (k = p; (fc = qc_utf8_decode(s, len, &k)) >= 0 && is_opener(fc) && k < end;)
        ;
    return qc_char_is_upper(fc);
}

/* memcmp(a, b, n) == 0 for the few bytes of an abbreviation, inline: most entries differ in their
 * first byte, where a libc call a comparison cost more than the test. */
static int same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

int qc_segment_is_abbreviation(const char *s, size_t start, size_t dot, size_t len)
{
    /* The token before the dot: ASCII letters and inner dots (e.g, i.e), looked for no further
     * back than 7 bytes (a token of 7 is none, as any longer one; most words before a full stop
     * are longer than the abbreviations). */
    size_t a = dot;
    while (a > start && dot - a < 7) {
        char c = s[a - 1];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.')
            a--;
        else
            break;
    }
    if (dot - a > 6)
        return 0;
    if (a > start && ((unsigned char)s[a - 1] >= 0x80 || (s[a - 1] >= '0' && s[a - 1] <= '9'))) {
        /* part of a longer, non-ASCII or numeric token, unless an initial after a curly quote */
        size_t c = prev_char_start(s, start, a);
        if (dot - a != 1 || !is_opener(qc_utf8_decode(s, len, &c)))
            return 0;
    }
    size_t n = dot - a;
    if (n == 0)
        return 0;
    /* The token in lower case, compared with the abbreviations of its length (it runs at every
     * full stop, so no strlen or strcasecmp over the whole list). */
    char t[6];
    for (size_t i = 0; i < n; i++)
        t[i] = (char)(s[a + i] | 0x20); /* a letter in lower case; '.' is '.' | 0x20 */
    static const char *const by_length[7] = {
        NULL, NULL, "drmrmsvsstjrsrcfnr", "mrse.gi.eu.su.kz.bd.hu.abzwggfvgl", "profph.devtlinkl", NULL, "approx"};
    const char *list = by_length[n];
    for (; list && *list; list += n)
        if (same_bytes(t, list, n))
            return 1;
    /* German "Hr." (Herr) is a title; "hr." (hours) ends sentences, below. */
    if (n == 2 && s[a] == 'H' && s[a + 1] == 'r')
        return 1;
    /* Abbreviations that also end sentences ("it took 20 min.", "I said no.", "at 3 p.m.", "forms,
     * audits etc."): only before a lower-case word or a number, "20 min. of waiting", "No. 5",
     * "ca. 20", "usw. und", "3 p.m. on Monday", "etc. and". */
    static const char *const before_lower[5] = {NULL, NULL, "hrnoyrwkca", "minhrsyrswksmaxespuswetca.mp.m",
                                                "minsincldept"};
    if (n < 5) {
        size_t p = dot + 1; /* what follows first: most full stops have a capital after them */
        while (p < len && s[p] == ' ')
            p++;
        if (p < len && ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= '0' && s[p] <= '9')))
            for (list = before_lower[n]; list && *list; list += n)
                if (same_bytes(t, list, n))
                    return 1;
    }
    if (n == 1 && s[a] >= 'A' && s[a] <= 'Z' && is_middle_initial(s, start, a, len))
        return 1;
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

/* A time stamp in a paragraph's bytes [a, b) whose first digit is at p, just after its bracket
 * ("[00:11:37]", "(00:11:37)", "\[16:13\]": qc_time_stamp_end): the byte just after it, with
 * *open where it starts, or 0. */
static size_t stamp_at(const char *s, size_t a, size_t b, size_t p, size_t *open)
{
    size_t o = p - 1, e;
    if (s[o] == '[' && o > a && s[o - 1] == '\\' && (e = qc_time_stamp_end(s, b, o - 1)) != 0) {
        *open = o - 1;
        return e;
    }
    *open = o;
    return qc_time_stamp_end(s, b, o);
}

static int push_stamp(seg_state *st, uint32_t start, uint32_t end, uint32_t turn)
{
    qc_document *doc = st->doc;
    return push_unit(&doc->stamps, &doc->stamp_count, &st->stamp_cap, start, end, turn);
}

/* Code points in s[a..b) (valid UTF-8): its bytes less the continuation bytes. */
static uint32_t cps_in(const unsigned char *s, size_t a, size_t b)
{
    uint32_t n = 0;
    for (size_t i = a; i < b; i++)
        n += (s[i] & 0xC0) != 0x80;
    return n;
}

/* cps_in for the few bytes of a sentence end (a terminal, the white space trimmed off), nearly
 * always none or one: at code point boundaries, that is as many code points, without the counting
 * loop's set-up. */
static inline uint32_t cps_few(const unsigned char *s, size_t a, size_t b)
{
    return b - a < 2 ? (uint32_t)(b - a) : cps_in(s, a, b);
}

/* The sentence being built: it starts at byte `start` (code point `start_cp`), before trimming;
 * its words are already out, numbered `index` (the sentence is pushed when it ends, and only
 * sentences with text are, so the number is the next one). */
typedef struct open_sentence {
    size_t start;
    uint32_t start_cp;
    uint32_t index;
    uint32_t first_word; /* its words are those from here on */
} open_sentence;

/* Ends the open sentence at byte e (code point e_cp) and opens the next one there. */
static int close_sentence(seg_state *st, open_sentence *os, size_t e, uint32_t e_cp, uint32_t turn)
{
    qc_document *doc = st->doc;
    const unsigned char *s = (const unsigned char *)doc->text;
    size_t a = os->start, b = e;
    trim(doc->text, e, &a, &b);
    if (a < b) {
        uint32_t cs = os->start_cp + cps_few(s, os->start, a);
        uint32_t ce = e_cp - cps_few(s, b, e);
        if (push_unit(&doc->sentences, &doc->sentence_count, &st->sent_cap, cs, ce, turn) != 0 ||
            (doc->sentence_count + 1 > st->sent_words_cap &&
             QC_GROW(doc->sentence_words, st->sent_words_cap, doc->sentence_count + 1) != 0))
            return QC_ERR_NOMEM;
        doc->sentence_words[doc->sentence_count - 1] = os->first_word;
    }
    os->start = e;
    os->start_cp = e_cp;
    os->index = (uint32_t)doc->sentence_count;
    os->first_word = (uint32_t)doc->word_count;
    return 0;
}

/* Bytes the scan between words stops at: ASCII letters and digits (a word starts), '.', '!' and
 * '?' (a sentence may end), and every byte >= 0x80 (decoded: a word, a '…', or neither). */
/* clang-format off */
static const uint8_t stops[256] = {
    ['!'] = 1, ['.'] = 1, ['?'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
    [0x80] = 1, [0x81] = 1, [0x82] = 1, [0x83] = 1, [0x84] = 1, [0x85] = 1, [0x86] = 1, [0x87] = 1,
    [0x88] = 1, [0x89] = 1, [0x8A] = 1, [0x8B] = 1, [0x8C] = 1, [0x8D] = 1, [0x8E] = 1, [0x8F] = 1,
    [0x90] = 1, [0x91] = 1, [0x92] = 1, [0x93] = 1, [0x94] = 1, [0x95] = 1, [0x96] = 1, [0x97] = 1,
    [0x98] = 1, [0x99] = 1, [0x9A] = 1, [0x9B] = 1, [0x9C] = 1, [0x9D] = 1, [0x9E] = 1, [0x9F] = 1,
    [0xA0] = 1, [0xA1] = 1, [0xA2] = 1, [0xA3] = 1, [0xA4] = 1, [0xA5] = 1, [0xA6] = 1, [0xA7] = 1,
    [0xA8] = 1, [0xA9] = 1, [0xAA] = 1, [0xAB] = 1, [0xAC] = 1, [0xAD] = 1, [0xAE] = 1, [0xAF] = 1,
    [0xB0] = 1, [0xB1] = 1, [0xB2] = 1, [0xB3] = 1, [0xB4] = 1, [0xB5] = 1, [0xB6] = 1, [0xB7] = 1,
    [0xB8] = 1, [0xB9] = 1, [0xBA] = 1, [0xBB] = 1, [0xBC] = 1, [0xBD] = 1, [0xBE] = 1, [0xBF] = 1,
    [0xC0] = 1, [0xC1] = 1, [0xC2] = 1, [0xC3] = 1, [0xC4] = 1, [0xC5] = 1, [0xC6] = 1, [0xC7] = 1,
    [0xC8] = 1, [0xC9] = 1, [0xCA] = 1, [0xCB] = 1, [0xCC] = 1, [0xCD] = 1, [0xCE] = 1, [0xCF] = 1,
    [0xD0] = 1, [0xD1] = 1, [0xD2] = 1, [0xD3] = 1, [0xD4] = 1, [0xD5] = 1, [0xD6] = 1, [0xD7] = 1,
    [0xD8] = 1, [0xD9] = 1, [0xDA] = 1, [0xDB] = 1, [0xDC] = 1, [0xDD] = 1, [0xDE] = 1, [0xDF] = 1,
    [0xE0] = 1, [0xE1] = 1, [0xE2] = 1, [0xE3] = 1, [0xE4] = 1, [0xE5] = 1, [0xE6] = 1, [0xE7] = 1,
    [0xE8] = 1, [0xE9] = 1, [0xEA] = 1, [0xEB] = 1, [0xEC] = 1, [0xED] = 1, [0xEE] = 1, [0xEF] = 1,
    [0xF0] = 1, [0xF1] = 1, [0xF2] = 1, [0xF3] = 1, [0xF4] = 1, [0xF5] = 1, [0xF6] = 1, [0xF7] = 1,
    [0xF8] = 1, [0xF9] = 1, [0xFA] = 1, [0xFB] = 1, [0xFC] = 1, [0xFD] = 1, [0xFE] = 1, [0xFF] = 1,
};
/* clang-format on */

/* The end of the run of ASCII letters and digits at s[p..b). */
static inline size_t letters_end(const unsigned char *s, size_t p, size_t b)
{
#ifdef __SSE2__
    /* Sixteen bytes at a time (SSE2 is part of x86-64): one compare finds the end of nearly every
     * word, where a loop a byte would take a branch mispredicted once a word. Bytes >= 0x80 are
     * negative as signed bytes, so they fall outside both ranges. */
    const __m128i case_bit = _mm_set1_epi8(0x20), a_1 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1);
    const __m128i zero_1 = _mm_set1_epi8('0' - 1), nine1 = _mm_set1_epi8('9' + 1);
    while (p + 16 <= b) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + p));
        __m128i lower = _mm_or_si128(v, case_bit);
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, a_1), _mm_cmplt_epi8(lower, z1));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, zero_1), _mm_cmplt_epi8(v, nine1));
        unsigned other = ~(unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit)) & 0xFFFFu;
        if (other)
            return p + (size_t)__builtin_ctz(other);
        p += 16;
    }
#endif
    while (p < b && (qc_word_byte_class[s[p]] & QC_WC_WORD))
        p++;
    return p;
}

/* A word of ASCII letters and digits at ws (nearly every word), stepped over with the scanner's
 * byte classes. Returns its end, or 0 when something needs qc_word_scan: a byte >= 0x80 in or
 * just after it, a hyphen or apostrophe before one. */
static size_t ascii_word_end(const unsigned char *s, size_t ws, size_t b)
{
    const uint8_t *cls = qc_word_byte_class;
    size_t p = ws;
    for (;;) {
        p = letters_end(s, p, b);
        if (p >= b)
            return p;
        unsigned c = cls[s[p]];
        if (!(c & (QC_WC_HIGH | QC_WC_NUMSEP | QC_WC_JOIN)))
            return p; /* a space, mostly */
        if (c & QC_WC_HIGH)
            return 0;
        if (c & QC_WC_NUMSEP) {
            /* 3.5, 1,000: a digit on both sides (the byte before is the word's last). */
            if (!((cls[s[p - 1]] & QC_WC_DIGIT) && p + 1 < b && (cls[s[p + 1]] & QC_WC_DIGIT)))
                return p;
            p++;
        } else if (c & QC_WC_JOIN) {
            /* co-location, don't: a word character after it. */
            if (p + 1 >= b)
                return p;
            unsigned n = cls[s[p + 1]];
            if (n & QC_WC_HIGH)
                return 0;
            if (!(n & QC_WC_WORD))
                return p;
            p++;
        } else {
            return p;
        }
    }
}

#ifdef __SSE2__
/* Bit i of a 64-byte block's masks is its byte i: ASCII letters and digits (L), digits (D), bytes
 * the scalar loop must see between words (T: '.', '!', '?' and every byte >= 0x80), the
 * apostrophe and hyphen (J), '.' and ',' (N), and bytes >= 0x80 (H). */
typedef struct block_masks {
    uint64_t l, d, t, j, n, h;
} block_masks;

static inline void block_masks_at(const unsigned char *s, block_masks *m)
{
    /* A range test is one signed comparison: the range's first byte is moved to -128 (bytes >=
     * 0x80 wrap above it), the case bit folds the capitals onto the small letters. */
    const __m128i case_bit = _mm_set1_epi8(0x20), to_a = _mm_set1_epi8((char)(0x80 - 'a'));
    const __m128i past_z = _mm_set1_epi8((char)(-128 + 26)), to_0 = _mm_set1_epi8((char)(0x80 - '0'));
    const __m128i past_9 = _mm_set1_epi8((char)(-128 + 10));
    const __m128i dot = _mm_set1_epi8('.'), comma = _mm_set1_epi8(','), bang = _mm_set1_epi8('!');
    const __m128i query = _mm_set1_epi8('?'), apos = _mm_set1_epi8('\''), hyphen = _mm_set1_epi8('-');
    uint64_t l = 0, d = 0, h = 0, t = 0, j = 0, n = 0;
    /* From the last sixteen bytes to the first, each shifted up as the next comes in: the
     * compiler keeps the six masks in registers instead of spilling its comparisons. */
    for (int at = 48; at >= 0; at -= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + at));
        __m128i alpha = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, case_bit), to_a), past_z);
        __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, to_0), past_9);
        __m128i is_dot = _mm_cmpeq_epi8(v, dot);
        l = l << 16 | (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit));
        d = d << 16 | (unsigned)_mm_movemask_epi8(digit);
        h = h << 16 | (unsigned)_mm_movemask_epi8(v);
        t = t << 16 | (unsigned)_mm_movemask_epi8(
                          _mm_or_si128(is_dot, _mm_or_si128(_mm_cmpeq_epi8(v, bang), _mm_cmpeq_epi8(v, query))));
        j = j << 16 | (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, apos), _mm_cmpeq_epi8(v, hyphen)));
        n = n << 16 | (unsigned)_mm_movemask_epi8(_mm_or_si128(is_dot, _mm_cmpeq_epi8(v, comma)));
    }
    *m = (block_masks){l, d, t | h, j, n, h};
}

/* The words of s[*p..b) up to the first byte the scalar loop of add_sentences must decide, found
 * 64 bytes at a time with bit masks (segmentation was a tenth of a counts-only run). It takes what
 * that loop would do the same way: ASCII words (letters and digits, inner apostrophes and hyphens
 * before a letter or digit, '.' and ',' between digits: ascii_word_end) between bytes that are no
 * stop, one code point a byte. It leaves to the loop sentence ends ('.', '!', '?'), bytes >= 0x80,
 * a word followed by one (or by a joiner and one) and a digit after a bracket (perhaps a time
 * stamp). A word that may run past the block starts the next block (handing it to the loop cost a
 * return, a scalar word and a call for 125,000 of 425,000 blocks of the 20 MB sample). A block's
 * words are found from its masks at once and written in a loop a word with no other branch:
 * deciding word by word, a few branches a word were mispredicted. Reads whole blocks only, so
 * never past `readable`. *p and *cp move past what it took. */
static int block_words(seg_state *st, const unsigned char *s, size_t *p, size_t b, size_t readable, uint32_t *cp,
                       uint32_t sentence)
{
    qc_document *doc = st->doc;
    size_t at = *p;
    uint32_t c = *cp;
    while (at < b && at + 64 <= readable) {
        /* A block holds 32 words at most: a byte of something else follows each. */
        if (doc->word_count + 32 > st->word_cap && QC_GROW(doc->words, st->word_cap, doc->word_count + 32) != 0)
            return QC_ERR_NOMEM;
        unsigned valid = b - at < 64 ? (unsigned)(b - at) : 64; /* bits past b are nothing */
        uint64_t keep = valid == 64 ? ~(uint64_t)0 : ((uint64_t)1 << valid) - 1;
        block_masks m;
        block_masks_at(s + at, &m);
        uint64_t l = m.l & keep, d = m.d & keep, t = m.t & keep, j = m.j & keep, n = m.n & keep, h = m.h & keep;
        /* Word bytes: letters and digits, a hyphen or apostrophe before a letter or digit, a
         * separator between digits. A run of them starts with a letter or digit, or with a joiner
         * the scan steps over (a joiner inside a word follows a letter or digit): dropped. */
        uint64_t word = l | (j & (l >> 1)) | (n & (d << 1) & (d >> 1));
        word &= ~(j & ~(word << 1));
        uint64_t starts = word & ~(word << 1), lasts = word & ~(word >> 1);
        /* Where the loop must take over: the first stop that is no word's (a sentence end or a
         * byte >= 0x80), else the start of the first word whose end it must look at: a byte >=
         * 0x80 right after it, or a joiner and one; at the block's end, a joiner or a separator
         * after a digit, or the word reaching the end (what follows lies past the block). */
        uint64_t free_t = t & ~word;
        unsigned limit = free_t ? (unsigned)__builtin_ctzll(free_t) : 64;
        uint64_t after = lasts << 1;
        uint64_t bad = (after & (h | (j & (h >> 1)))) >> 1;
        if (valid == 64)
            bad |= ((after & (j | (n & (d << 1)))) >> 63 << 62) | (lasts >> 63 << 63);
        int straddles = 0; /* the limit is the start of a word at the block's end */
        if (bad) {
            unsigned x = (unsigned)__builtin_ctzll(bad); /* its last byte; its start is the start before */
            unsigned k = 63u - (unsigned)__builtin_clzll(starts & (~(uint64_t)0 >> (63 - x)));
            if (k < limit) {
                limit = k;
                straddles = x >= 62;
            }
        }
        for (uint64_t ds = starts & d; ds; ds &= ds - 1) {
            unsigned k = (unsigned)__builtin_ctzll(ds);
            if (k >= limit)
                break;
            if (at + k > 0 && (s[at + k - 1] == '[' || s[at + k - 1] == '(')) {
                limit = k;
                straddles = 0;
                break;
            }
        }
        uint64_t below = limit >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << limit) - 1;
        uint64_t ws = starts & below, we = lasts & below;
        qc_doc_word *w = doc->words + doc->word_count;
        while (ws) {
            *w++ = (qc_doc_word){c + (uint32_t)__builtin_ctzll(ws), c + (uint32_t)__builtin_ctzll(we) + 1, sentence};
            ws &= ws - 1;
            we &= we - 1;
        }
        doc->word_count = (size_t)(w - doc->words);
        if (limit < valid) {
            at += limit;
            c += limit;
            if (straddles && limit > 0)
                continue; /* the next block starts at that word: no return to the loop for it */
            break;
        }
        at += valid;
        c += valid;
    }
    *p = at;
    *cp = c;
    return 0;
}
#endif

/* Whether the terminal at s[at..end) is an ellipsis, "…" or "...": in a transcript it marks a
 * pause or a broken-off start, and the sentence goes on when a lower-case word follows ("many
 * social media... maybe 20 million", as Otter writes it). */
static int is_ellipsis(const char *s, size_t at, size_t end)
{
    return (end - at >= 3 && (unsigned char)s[at] == 0xE2 && (unsigned char)s[at + 1] == 0x80 &&
            (unsigned char)s[at + 2] == 0xA6) ||
           (end - at >= 3 && s[at] == '.' && s[at + 1] == '.' && s[at + 2] == '.');
}

/* Whether the next character after the white space at s[j..b) is a lower-case letter. */
static int lower_case_follows(const char *s, size_t j, size_t b)
{
    while (j < b) {
        int32_t c = decode_at(s, b, &j);
        if (!qc_char_is_space(c))
            return qc_char_is_lower(c);
    }
    return 0;
}

/* Splits a paragraph's bytes [a, b) into sentences and words in one forward pass, counting code
 * points on the way. Sentences end at a terminal (., !, ?, …) followed by closers and then white
 * space or the paragraph's end, unless it is the dot of an abbreviation or an ellipsis before a
 * lower-case word; words are those of
 * qc_word_scan (a word never holds a sentence end: the only terminal inside one is the '.' of a
 * number, which a digit follows). */
static int add_sentences(seg_state *st, size_t a, size_t b, uint32_t turn)
{
    const char *text = st->doc->text;
    const unsigned char *s = (const unsigned char *)text;
    size_t p = a;
    uint32_t cp = to_cp(&st->cur, a);
    open_sentence os = {a, cp, (uint32_t)st->doc->sentence_count, (uint32_t)st->doc->word_count};
    for (;;) {
#ifdef __SSE2__
        if (block_words(st, s, &p, b, st->doc->text_size, &cp, os.index) != 0)
            return QC_ERR_NOMEM;
#endif
        while (p < b && !stops[s[p]])
            p++, cp++; /* ASCII: a code point a byte */
        if (p >= b)
            break;
        size_t here = p, next = p;
        int32_t c = s[p] < 0x80 ? (int32_t)s[next++] : decode_at(text, b, &next);
        if (is_terminal(c)) {
            /* The terminal, then closers and more terminals, then white space or the end. */
            size_t j = next;
            while (j < b) {
                size_t k = j + 1; /* ASCII without a call: nearly always a space after the terminal */
                int32_t n = s[j] < 0x80 ? (int32_t)s[j] : (k = j, decode_at(text, b, &k));
                if (!is_terminal(n) && !is_closer(n))
                    break;
                j = k;
            }
            int ends = !(j < b && !is_space_at(text, b, j)) &&
                       !(c == '.' && j == next && qc_segment_is_abbreviation(text, os.start, here, b));
            if (ends && is_ellipsis(text, here, j) && lower_case_follows(text, j, b)) {
                cp += cps_few(s, p, j); /* the whole run: its later dots are no ends either */
                p = j;
                continue;
            }
            if (!ends) {
                p = next; /* closers and terminals after it are looked at in turn */
                cp++;
                continue;
            }
            cp += cps_few(s, p, j);
            p = j;
            if (close_sentence(st, &os, p, cp, turn) != 0)
                return QC_ERR_NOMEM;
            continue;
        }
        unsigned cls = c < 0x80 ? qc_word_byte_class[c] : qc_word_class(c);
        if (!(cls & QC_WC_WORD)) {
            p = next; /* a mark or symbol between words */
            cp++;
            continue;
        }
        if (c <= '9' && c >= '0' && p > a && (s[p - 1] == '[' || s[p - 1] == '(')) {
            /* A time stamp is markup, not words (rare: a bracket, then a digit) */
            size_t open, e = stamp_at(text, a, b, p, &open);
            if (e) {
                /* ASCII throughout: a code point a byte */
                if (push_stamp(st, cp - (uint32_t)(p - open), cp + (uint32_t)(e - p), turn) != 0)
                    return QC_ERR_NOMEM;
                cp += (uint32_t)(e - p);
                p = e;
                continue;
            }
        }
        size_t ws = p, we = s[p] < 0x80 ? ascii_word_end(s, p, b) : 0;
        if (we) {
            uint32_t wcs = cp;
            cp += (uint32_t)(we - ws);
            if (push_word(st, wcs, cp, os.index) != 0)
                return QC_ERR_NOMEM;
        } else {
            size_t pos = ws;
            if (!qc_word_scan(text, b, &pos, 0, &ws, &we) || ws != here) {
                p = next; /* cannot happen (the class says a word starts here); never loop */
                cp++;
                continue;
            }
            uint32_t wcs = cp;
            cp += cps_in(s, ws, we);
            if (push_word(st, wcs, cp, os.index) != 0)
                return QC_ERR_NOMEM;
        }
        p = we;
    }
    st->cur.byte = p;
    st->cur.cp = cp;
    return close_sentence(st, &os, b, cp, turn);
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
    seg_state st = {doc, {doc->text, 0, 0}, 0, 0, 0, 0, 0};
    /* Room for the words at once: transcripts hold about a word per 6 bytes, so a word per 5 bytes
     * rarely needs more, where doubling from nothing took a dozen reallocations (each copying the
     * words so far) per document. A text of short words may still grow the array. */
    size_t words = doc->text_size / 5 + 16;
    if (!doc->words && (doc->words = qc_malloc(words * sizeof *doc->words)) != NULL)
        st.word_cap = words;
    for (size_t t = 0; t < doc->turn_count; t++) {
        size_t a = doc->cp_to_byte[doc->turns[t].start];
        size_t b = doc->cp_to_byte[doc->turns[t].end];
        /* The cursor starts each turn where the map puts it, instead of counting the code points
         * of what lies between turns (their labels and line ends, about 40 bytes a turn). */
        st.cur.byte = a;
        st.cur.cp = doc->turns[t].start;
        if (segment_turn(&st, a, b, (uint32_t)t) != 0)
            return QC_ERR_NOMEM;
    }
    if (doc->sentence_count) /* room was made with the last sentence */
        doc->sentence_words[doc->sentence_count] = (uint32_t)doc->word_count;
    return 0;
}
