/* The document builder's normalisation and offset maps (engine/doc_builder.c). Whole ASCII lines
 * take a bulk path, lines with other characters a per-character one, lines NFC changes a third;
 * these tests check what every path must give, on random documents that mix them: each map tells
 * the truth about the text and the file, and every turn spans exactly its text. */
#include <stdint.h>

#include "qc_test.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static void put(strbuf *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void puts_(strbuf *t, const char *s)
{
    put(t, s, strlen(s));
}

/* Pieces of a line's content. NFD pieces (a letter and a combining accent NFC joins) only when
 * `nfd`, so documents without them can be checked byte for byte against the file. */
static const char *const ascii_words[] = {"care", "team", "the", "co-location", "3.5", "don't", "OK", "x"};
static const char *const other_words[] = {
    "caf\xC3\xA9",                 /* café, precomposed */
    "don\xE2\x80\x99t",            /* don’t */
    "\xE2\x80\x9Cyes\xE2\x80\x9D", /* “yes” */
    "\xF0\x9F\x98\x80",            /* an emoji: two UTF-16 units */
    "na\xC3\xAFve",                /* naïve */
    "\xE4\xB8\xAD",                /* a CJK letter */
    "a\xCC\xB3",                   /* a + U+0333, a mark NFC leaves alone */
};
static const char *const nfd_words[] = {
    "cafe\xCC\x81", /* cafe + U+0301: NFC makes é */
    "A\xCC\x8A"
    "ngstr", /* A + ring above */
    "o\xCC\x88"
    "\xCC\xB3", /* o, diaeresis, U+0333: recomposed and reordered */
};

/* Returns a random transcript of *len bytes; *contents gets the text of each turn in order
 * (NUL-separated, as the file has it, less the line ends' CRs), *turn_count their number. */
static char *random_transcript(size_t *len, int allow_nfd, char **contents_out, size_t *turn_count)
{
    strbuf t = {0};
    strbuf contents = {0};
    static const char *const eols[] = {"\n", "\r\n", "\r"};
    const char *eol = eols[rnd(3)];
    if (rnd(4) == 0)
        puts_(&t, "\xEF\xBB\xBF");
    if (rnd(3) == 0) {
        puts_(&t, "site: North");
        puts_(&t, eol);
        puts_(&t, eol);
    }
    size_t lines = 1 + rnd(30);
    *turn_count = 0;
    int in_turn = 0;
    size_t blank = 0; /* blank lines since the turn's last text: its text only if more follows */
    for (size_t i = 0; i < lines; i++) {
        unsigned kind = rnd(10);
        if (kind == 0 && in_turn) {
            puts_(&t, eol); /* a blank line inside a turn: a new paragraph */
            blank++;
            continue;
        }
        int labelled = !in_turn || kind < 4;
        if (labelled) {
            if (in_turn)
                put(&contents, "", 1);
            puts_(&t, rnd(2) ? "Q: " : "S1: ");
            (*turn_count)++;
            in_turn = 1;
        } else {
            for (size_t k = 0; k <= blank; k++)
                put(&contents, "\n", 1); /* the turn goes on over the line ends */
        }
        blank = 0;
        size_t words = 1 + rnd(12);
        for (size_t w = 0; w < words; w++) {
            const char *word;
            unsigned pick = rnd(10);
            if (pick < 6)
                word = ascii_words[rnd(sizeof ascii_words / sizeof ascii_words[0])];
            else if (pick < 9 || !allow_nfd)
                word = other_words[rnd(sizeof other_words / sizeof other_words[0])];
            else
                word = nfd_words[rnd(sizeof nfd_words / sizeof nfd_words[0])];
            if (w) {
                puts_(&t, " ");
                puts_(&contents, " ");
            }
            puts_(&t, word);
            puts_(&contents, word);
        }
        puts_(&t, eol);
    }
    put(&contents, "", 1);
    *len = t.len;
    *contents_out = contents.s;
    return t.s;
}

static uint32_t decode_one(const unsigned char *u, size_t *k)
{
    uint32_t c = u[0];
    *k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    c = *k == 1 ? c : *k == 2 ? c & 0x1F : *k == 3 ? c & 0x0F : c & 0x07;
    for (size_t j = 1; j < *k; j++)
        c = (c << 6) | (u[j] & 0x3F);
    return c;
}

static void check_maps(const char *file, size_t file_len, const qc_document *doc, int verbatim)
{
    size_t size = 0;
    const unsigned char *s = (const unsigned char *)qc_document_text(doc, &size);
    size_t n = qc_document_length(doc);
    cr_assert_eq(qc_document_text_offset(doc, 0), 0);
    cr_assert_eq(qc_document_text_offset(doc, n), size);
    cr_assert_eq(qc_document_utf16_offset(doc, 0), 0);
    uint32_t line = 1, column = 1;
    for (size_t i = 0; i < n; i++) {
        size_t b = qc_document_text_offset(doc, i), k = 0;
        uint32_t c = decode_one(s + b, &k);
        cr_assert_eq(qc_document_text_offset(doc, i + 1), b + k, "code point %zu: byte map", i);
        cr_assert_eq(qc_document_utf16_offset(doc, i + 1) - qc_document_utf16_offset(doc, i), c >= 0x10000 ? 2u : 1u,
                     "code point %zu: UTF-16 map", i);
        uint32_t l = 0, col = 0;
        qc_document_line_col(doc, i, &l, &col);
        cr_assert(l == line && col == column, "code point %zu at %u:%u, expected %u:%u", i, l, col, line, column);
        size_t src = qc_document_source_offset(doc, i);
        cr_assert_lt(src, file_len, "code point %zu: source %zu past the file", i, src);
        if (i)
            cr_assert_geq(src, qc_document_source_offset(doc, i - 1), "code point %zu: source map goes back", i);
        if (c == '\n')
            cr_assert(file[src] == '\n' || file[src] == '\r', "code point %zu: a line end from %02X", i,
                      (unsigned char)file[src]);
        else if (c < 0x80 || verbatim)
            cr_assert(memcmp(file + src, s + b, k) == 0, "code point %zu (U+%04X) does not come from byte %zu", i, c,
                      src);
        if (verbatim && i)
            cr_assert_gt(src, qc_document_source_offset(doc, i - 1), "code point %zu: source map not increasing", i);
        if (c == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }
}

static void check_turns(const qc_document *doc, const char *contents, size_t turns)
{
    cr_assert_eq(qc_document_turn_count(doc), turns);
    const char *text = qc_document_text(doc, NULL);
    for (size_t i = 0; i < turns; i++) {
        qc_turn t;
        cr_assert_eq(qc_document_turn(doc, i, &t), 0);
        size_t a = qc_document_text_offset(doc, t.start), b = qc_document_text_offset(doc, t.end);
        cr_assert(strlen(contents) == b - a && memcmp(text + a, contents, b - a) == 0,
                  "turn %zu is \"%.*s\", expected \"%s\"", i, (int)(b - a), text + a, contents);
        contents += strlen(contents) + 1;
    }
}

Test(doc_builder, maps_tell_the_truth_on_random_nfc_documents)
{
    rng_state = 99;
    for (int round = 0; round < 1500; round++) {
        size_t len = 0, turns = 0;
        char *contents = NULL;
        char *file = random_transcript(&len, 0, &contents, &turns);
        qc_document *doc = NULL;
        qc_error err;
        cr_assert_eq(qc_document_read_buffer(&doc, "r.txt", file, len, NULL, &err), 0, "%s", err.message);
        check_maps(file, len, doc, 1);
        check_turns(doc, contents, turns);
        qc_document_free(doc);
        free(file);
        free(contents);
    }
}

Test(doc_builder, maps_tell_the_truth_when_nfc_changes_the_text)
{
    rng_state = 4242;
    for (int round = 0; round < 1500; round++) {
        size_t len = 0, turns = 0;
        char *contents = NULL;
        char *file = random_transcript(&len, 1, &contents, &turns);
        qc_document *doc = NULL;
        qc_error err;
        cr_assert_eq(qc_document_read_buffer(&doc, "r.txt", file, len, NULL, &err), 0, "%s", err.message);
        check_maps(file, len, doc, 0);
        qc_document_free(doc);
        free(file);
        free(contents);
    }
}

Test(doc_builder, unchanged_text_is_the_file_text_without_bom_and_cr)
{
    /* The text NFC leaves alone is handed over as it was appended: same bytes, same length. */
    const char *file = "\xEF\xBB\xBFQ: caf\xC3\xA9 and tea\r\nS1: yes \xF0\x9F\x98\x80\r\n";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "r.txt", file, strlen(file), NULL, &err), 0, "%s", err.message);
    size_t size = 0;
    const char *text = qc_document_text(doc, &size);
    cr_assert_str_eq(text, "Q: caf\xC3\xA9 and tea\nS1: yes \xF0\x9F\x98\x80\n");
    cr_assert_eq(size, strlen(text));
    qc_document_free(doc);
}

Test(doc_builder, windows_1252_code_points_map_to_their_own_bytes)
{
    /* A Windows-1252 file: its ASCII runs are copied (a run of the source map each, a byte a code
     * point) and every other byte is decoded on its own (a run of one code point): each code point
     * must map to the byte it was decoded from, whatever mix of the two a line has. */
    static const unsigned char high[] = {0x80, 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0xE9, 0xFC, 0xA0, 0xC9};
    static const uint32_t high_cp[] = {0x20AC, 0x2026, 0x2018, 0x2019, 0x201C, 0x201D,
                                       0x2013, 0x2014, 0xE9,   0xFC,   0xA0,   0xC9};
    rng_state = 1252;
    for (int round = 0; round < 300; round++) {
        char file[2048];
        size_t len = (size_t)snprintf(file, sizeof file, "S1: x");
        size_t n = 20 + rnd(1500);
        while (len < n) {
            unsigned pick = rnd(12);
            if (pick < 2)
                file[len++] = (char)high[rnd(sizeof high)];
            else if (pick == 2)
                file[len++] = '\n';
            else
                file[len++] = (char)("abcdefgh ,.'-S1:"[rnd(16)]);
        }
        qc_read_options opts = QC_READ_OPTIONS_INIT;
        opts.encoding = QC_ENCODING_WINDOWS1252;
        qc_document *doc = NULL;
        qc_error err;
        cr_assert_eq(qc_document_read_buffer(&doc, "w.txt", file, len, &opts, &err), 0, "%s", err.message);
        size_t size = 0;
        const unsigned char *s = (const unsigned char *)qc_document_text(doc, &size);
        for (size_t i = 0; i < qc_document_length(doc); i++) {
            size_t k = 0, src = qc_document_source_offset(doc, i);
            uint32_t c = decode_one(s + qc_document_text_offset(doc, i), &k);
            cr_assert_lt(src, len, "code point %zu: source %zu past the file", i, src);
            unsigned char byte = (unsigned char)file[src];
            uint32_t want = byte;
            for (size_t h = 0; h < sizeof high; h++)
                if (high[h] == byte)
                    want = high_cp[h];
            cr_assert_eq(c, want, "round %d, code point %zu (U+%04X) from byte %zu (%02X)", round, i, c, src, byte);
        }
        cr_assert_leq(qc_document_source_offset(doc, qc_document_length(doc)), len);
        qc_document_free(doc);
    }
}

/* A line NFC changes is copied in stretches around the pieces it normalises; ASCII runs are
 * stepped over sixteen and eight bytes at a time (emit_line_pieces, next_high), so a letter that
 * a following mark composes with must be found as the piece's start wherever it falls in a step:
 * "e" + U+0301 after 0 to 40 ASCII bytes, then more ASCII and "o" + U+0308, is é and ö with their
 * letters' file offsets. */
Test(doc_builder, nfd_letters_compose_wherever_they_fall_after_ascii)
{
    for (size_t k = 0; k <= 40; k++) {
        char file[128], expected[128];
        char pad[48];
        memset(pad, 'x', k);
        pad[k] = '\0';
        int len = snprintf(file, sizeof file, "R: %se\xCC\x81 abcdefghijklmnopq o\xCC\x88z\n", pad);
        snprintf(expected, sizeof expected, "%s\xC3\xA9 abcdefghijklmnopq \xC3\xB6z", pad);
        qc_document *doc = NULL;
        qc_error err;
        cr_assert_eq(qc_document_read_buffer(&doc, "r.txt", file, (size_t)len, NULL, &err), 0, "%s", err.message);
        size_t size = 0;
        const char *text = qc_document_text(doc, &size);
        cr_assert(strstr(text, expected) != NULL, "after %zu bytes: \"%s\"", k, text);
        size_t e_cp = (size_t)(strstr(text, "\xC3\xA9") - text); /* the text before it is ASCII */
        size_t o_cp = e_cp + 1 + strlen(" abcdefghijklmnopq ");
        cr_assert_eq(qc_document_source_offset(doc, e_cp), 3 + k, "é after %zu bytes", k);
        cr_assert_eq(qc_document_source_offset(doc, o_cp), 3 + k + 3 + strlen(" abcdefghijklmnopq "), "ö after %zu", k);
        qc_document_free(doc);
    }
}
