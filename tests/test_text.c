/* Words: the word scanner (engine/text.c) and segmentation's ASCII fast path (engine/segment.c)
 * held equal to a plain statement of the rules in docs/transcripts.md, over random strings of
 * letters, digits, marks, joiners and separators from several scripts.
 *
 * The library's scanner is internal, so it is observed through documents: each sentence's words
 * are recomputed here from the sentence's code points with the reference below, and must equal
 * the document's words one for one. The alphabet's characters have known classes and compose
 * with none of each other, so NFC cannot bring in a character whose class the test does not know
 * (it may reorder marks, which changes no class). */
#include <stdint.h>

#include "qc_test.h"

enum {
    C_WORD = 1,   /* letter or digit */
    C_MARK = 2,   /* combining mark */
    C_DIGIT = 4,  /* ASCII digit */
    C_JOIN = 8,   /* inner hyphen or apostrophe */
    C_NUMSEP = 16 /* '.' or ',' */
};

typedef struct sym {
    uint32_t cp;
    unsigned cls;
} sym;

/* Letters and digits: ASCII, Latin-1, Greek, Cyrillic, CJK, Hangul (a precomposed syllable, no
 * jamo), astral (Lu), Arabic-Indic digit (Nd, not an ASCII digit), Nl, No, Lm, Lt. */
static const sym letters[] = {
    {'a', C_WORD},    {'b', C_WORD},   {'Z', C_WORD},    {'q', C_WORD},    {0xE9, C_WORD},    {0xDF, C_WORD},
    {0x3B1, C_WORD},  {0x416, C_WORD}, {0x4E2D, C_WORD}, {0xAC00, C_WORD}, {0x1D400, C_WORD}, {0x660, C_WORD},
    {0x2160, C_WORD}, {0xB2, C_WORD},  {0x2B0, C_WORD},  {0x1C5, C_WORD},  {0x5D0, C_WORD},   {0x915, C_WORD},
};
static const sym digits[] = {
    {'0', C_WORD | C_DIGIT},
    {'3', C_WORD | C_DIGIT},
    {'5', C_WORD | C_DIGIT},
    {'9', C_WORD | C_DIGIT},
};
/* Marks that compose with nothing in the alphabet (Mn, Me, Mc). */
static const sym marks[] = {
    {0x333, C_MARK}, {0x359, C_MARK}, {0x20DD, C_MARK}, {0x489, C_MARK}, {0x903, C_MARK},
};
static const sym joiners[] = {
    {'-', C_JOIN},    {'\'', C_JOIN},  {0x2010, C_JOIN}, {0x2011, C_JOIN},
    {0x2019, C_JOIN}, {0x2BC, C_WORD}, /* MODIFIER LETTER APOSTROPHE is a letter (Lm): in a word it needs no joining */
};
static const sym seps[] = {{'.', C_NUMSEP}, {',', C_NUMSEP}};
/* Neither word nor joiner: spaces, dashes that do not join, punctuation, symbols, '*' and '?'. */
static const sym others[] = {
    {' ', 0},  {' ', 0},    {' ', 0},     {'\n', 0}, {'!', 0},    {';', 0},    {'"', 0},
    {'(', 0},  {'*', 0},    {'?', 0},     {'_', 0},  {0x2013, 0}, {0x2014, 0}, {0x201C, 0},
    {0xA0, 0}, {0x3000, 0}, {0x1F600, 0}, {0xA9, 0}, {0x2212, 0}, {'/', 0},    {'#', 0},
};

typedef struct pool {
    const sym *syms;
    size_t count;
    unsigned weight;
} pool;

#define POOL(a, w)                                                                                                     \
    {                                                                                                                  \
        a, sizeof a / sizeof a[0], w                                                                                   \
    }
static const pool pools[] = {
    POOL(letters, 40), POOL(digits, 14), POOL(marks, 6), POOL(joiners, 10), POOL(seps, 10), POOL(others, 20),
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

static const sym *random_sym(void)
{
    unsigned total = 0;
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++)
        total += pools[i].weight;
    unsigned r = rnd(total);
    for (size_t i = 0;; i++) {
        if (r < pools[i].weight)
            return &pools[i].syms[rnd((uint32_t)pools[i].count)];
        r -= pools[i].weight;
    }
}

/* Characters of the fixed examples that the random alphabet lacks (and U+0301, in case NFC ever
 * split the é it holds). */
static const sym extras[] = {
    {0xEF, C_WORD},
    {0x6587, C_WORD},
    {0x1D401, C_WORD},
    {0x301, C_MARK},
};

static unsigned class_of(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return C_WORD;
        if (cp >= '0' && cp <= '9')
            return C_WORD | C_DIGIT;
        return cp == '-' || cp == '\'' ? C_JOIN : cp == '.' || cp == ',' ? C_NUMSEP : 0;
    }
    const sym *all[] = {letters, marks, joiners, others, extras};
    const size_t counts[] = {sizeof letters / sizeof *letters, sizeof marks / sizeof *marks,
                             sizeof joiners / sizeof *joiners, sizeof others / sizeof *others,
                             sizeof extras / sizeof *extras};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        for (size_t i = 0; i < counts[k]; i++)
            if (all[k][i].cp == cp)
                return all[k][i].cls;
    cr_assert_fail("code point U+%04X is not in the test alphabet", (unsigned)cp);
    return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes valid UTF-8 into code points (the document's text is valid by contract). */
static size_t decode_all(const char *s, size_t len, uint32_t *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = u[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        c = k == 1 ? c : k == 2 ? c & 0x1F : k == 3 ? c & 0x0F : c & 0x07;
        for (size_t j = 1; j < k; j++)
            c = (c << 6) | (u[i + j] & 0x3F);
        out[n++] = c;
        i += k;
    }
    return n;
}

/* The rules, stated plainly: a word starts at a letter or digit and runs over letters, digits and
 * marks; a hyphen or apostrophe joins when a word character follows it, '.' or ',' when digits
 * stand on both sides. Spans are appended to words[] as [start, end) pairs of indices into cls. */
static size_t reference_words(const unsigned *cls, size_t n, size_t base, size_t *words)
{
    size_t count = 0, i = 0;
    while (i < n) {
        if (!(cls[i] & C_WORD)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n) {
            if (cls[j] & (C_WORD | C_MARK)) {
                j++;
                continue;
            }
            int joins = (cls[j] & C_JOIN) && j + 1 < n && (cls[j + 1] & (C_WORD | C_MARK));
            int number = (cls[j] & C_NUMSEP) && (cls[j - 1] & C_DIGIT) && j + 1 < n && (cls[j + 1] & C_DIGIT);
            if (!joins && !number)
                break;
            j++;
        }
        words[2 * count] = base + i;
        words[2 * count + 1] = base + j;
        count++;
        i = j;
    }
    return count;
}

/* Reads `text` as an unlabelled transcript and checks its words against the reference. */
static void check_document(const char *text, size_t len)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speakers = QC_SPEAKERS_NONE;
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_buffer(&doc, "t.txt", text, len, &opts, &err);
    cr_assert_eq(rc, 0, "%s (input: %s)", err.message, text);

    size_t size = 0;
    const char *norm = qc_document_text(doc, &size);
    uint32_t *cps = malloc((size + 1) * sizeof *cps);
    unsigned *cls = malloc((size + 1) * sizeof *cls);
    size_t *expected = malloc((size + 1) * 2 * sizeof *expected);
    size_t n = decode_all(norm, size, cps);
    cr_assert_eq(n, qc_document_length(doc));

    size_t count = 0;
    for (size_t s = 0; s < qc_document_unit_count(doc, QC_UNIT_SENTENCE); s++) {
        qc_unit u;
        cr_assert_eq(qc_document_unit(doc, QC_UNIT_SENTENCE, s, &u), 0);
        for (size_t i = u.start; i < u.end; i++)
            cls[i] = class_of(cps[i]);
        count += reference_words(cls + u.start, u.end - u.start, u.start, expected + 2 * count);
    }
    size_t got = qc_document_unit_count(doc, QC_UNIT_WORD);
    for (size_t w = 0; w < got && w < count; w++) {
        qc_unit u;
        cr_assert_eq(qc_document_unit(doc, QC_UNIT_WORD, w, &u), 0);
        cr_assert(u.start == expected[2 * w] && u.end == expected[2 * w + 1],
                  "word %zu is [%zu, %zu), the rules say [%zu, %zu) (input: %s)", w, u.start, u.end, expected[2 * w],
                  expected[2 * w + 1], text);
    }
    cr_assert_eq(got, count, "%zu words, the rules say %zu (input: %s)", got, count, text);
    free(cps);
    free(cls);
    free(expected);
    qc_document_free(doc);
}

/* A random string of `syms` symbols after a leading "x " (so no line reads as a header). */
static size_t random_text(char *buf, size_t syms)
{
    size_t len = 0;
    buf[len++] = 'x';
    buf[len++] = ' ';
    for (size_t i = 0; i < syms; i++)
        len += put_utf8(buf + len, random_sym()->cp);
    buf[len] = '\0';
    return len;
}

Test(text, word_scanner_matches_the_rules_on_random_text)
{
    char buf[4 * 200 + 8];
    rng_state = 20240611;
    for (int round = 0; round < 3000; round++) {
        size_t len = random_text(buf, 1 + rnd(200));
        check_document(buf, len);
    }
}

Test(text, word_scanner_matches_the_rules_on_mostly_ascii_text)
{
    /* English-like text: long ASCII words where the fast path runs, with the odd joiner, number
     * and non-ASCII character where it hands over to the scanner. */
    static const char *const pieces[] = {
        "care ",
        "team ",
        "co-location ",
        "don't ",
        "don\xE2\x80\x99t ",
        "3.5 ",
        "1,000 ",
        "it's. ",
        "a-",
        "-b ",
        "caf\xC3\xA9 ",
        "na\xC3\xAFve ",
        "x\xCC\xB3y ",
        "9.",
        ",7 ",
        "re\xE2\x80\x90"
        "do ",
        "end",
        "! ",
        "?",
        "\n",
        "e.g. ",
        "No. 5 ",
        "(yes) ",
        "\"quoted\" ",
        "5-a ",
        "a'b'c ",
        "1.2.3 ",
        "4,a ",
        "a.5 ",
        "\xF0\x9D\x90\x80z ",
    };
    char buf[4096];
    rng_state = 7;
    for (int round = 0; round < 2000; round++) {
        size_t len = 0;
        buf[len++] = 'x';
        buf[len++] = ' ';
        size_t count = 1 + rnd(60);
        for (size_t i = 0; i < count; i++) {
            const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            memcpy(buf + len, p, n);
            len += n;
        }
        buf[len] = '\0';
        check_document(buf, len);
    }
}

Test(text, word_examples)
{
    /* A few fixed cases, so a failure here names the rule. */
    static const char *const cases[] = {
        "x co-location and co\xE2\x80\x91location", /* ASCII and non-breaking hyphens */
        "x don't don\xE2\x80\x99t rock'n'roll",     /* apostrophes */
        "x 3.5 1,000 3. ,5 a.5",                    /* numbers */
        "x -a a- a--b a''b",                        /* joiners at the edges and doubled */
        "x \xCC\xB3"
        "abc \xE4\xB8\xAD\xE6\x96\x87",           /* a mark cannot start a word; CJK */
        "x \xF0\x9D\x90\x80\xF0\x9D\x90\x81 end", /* astral letters */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_document(cases[i], strlen(cases[i]));
}

Test(text, words_are_the_same_wherever_the_64_byte_blocks_fall)
{
    /* Segmentation takes ASCII words 64 bytes at a time and leaves the rest to its byte loop: a
     * joiner, separator, byte >= 0x80 or sentence end right at a block's edge must give the words
     * the rules give. The same text is shifted by 0 to 70 spaces, so each of its bytes falls on
     * every position of a block. */
    static const char text[] = "care team co-location don't don\xE2\x80\x99t 3.5 1,000 it's. a- -b caf\xC3\xA9 "
                               "na\xC3\xAFve 9. ,7 re\xE2\x80\x90"
                               "do end! (yes) \"quoted\" 5-a a'b'c 1.2.3 4,a a.5 x\xCC\xB3y "
                               "ab-\xC3\xA9 ab'\xC3\xA9 12,\xC3\xA9 longerwordsthanablockofsixtyfourbytesgoonand"
                               "onandonandonandonandonandon done? well... fine 3.14159,2.71828 end";
    char buf[sizeof text + 80];
    for (size_t shift = 0; shift <= 70; shift++) {
        size_t len = 0;
        buf[len++] = 'x';
        for (size_t i = 0; i < shift; i++)
            buf[len++] = ' ';
        memcpy(buf + len, text, sizeof text);
        len += sizeof text - 1;
        check_document(buf, len);
    }
}
