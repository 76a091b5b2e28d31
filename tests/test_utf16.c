/* UTF-16 files ("Unicode text" from Notepad, Word and Excel) are read as their UTF-8: a transcript
 * in either byte order, with or without a byte order mark, gives the document its UTF-8 copy gives;
 * a casebook gives the same values. Until 2026-12-07 each was refused with an iconv command. */
#include "qc_test.h"

#include <string.h>

#include "cut_helpers.h"
#include "qcode/casebook.h"
#include "qcode/document.h"

/* Text holding letters beyond ASCII and an emoji (a surrogate pair in UTF-16), CRLF line ends. */
static const char transcript[] = "Interviewer: How is the caseload?\r\n"
                                 "\r\n"
                                 "P1: The caseload in M\xC3\xBC"
                                 "nchen is heavy \xF0\x9F\x98\x80. We see the GP daily.\r\n";

/* The UTF-16 of UTF-8 text, in one byte order, with or without a byte order mark. */
static size_t utf16_of(const char *utf8, int big_endian, int bom, unsigned char *out)
{
    size_t n = 0, i = 0, len = strlen(utf8);
    const unsigned char *s = (const unsigned char *)utf8;
    uint32_t units[2];
    if (bom) {
        out[n++] = big_endian ? 0xFE : 0xFF;
        out[n++] = big_endian ? 0xFF : 0xFE;
    }
    while (i < len) {
        uint32_t cp;
        if (s[i] < 0x80)
            cp = s[i++];
        else if (s[i] < 0xE0)
            cp = (uint32_t)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F), i += 2;
        else if (s[i] < 0xF0)
            cp = (uint32_t)(s[i] & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F), i += 3;
        else
            cp = (uint32_t)(s[i] & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 | (uint32_t)(s[i + 2] & 0x3F) << 6 |
                 (s[i + 3] & 0x3F),
            i += 4;
        size_t k = 0;
        if (cp >= 0x10000) {
            units[k++] = 0xD800 + ((cp - 0x10000) >> 10);
            units[k++] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
        } else {
            units[k++] = cp;
        }
        for (size_t u = 0; u < k; u++) {
            out[n++] = (unsigned char)(big_endian ? units[u] >> 8 : units[u] & 0xFF);
            out[n++] = (unsigned char)(big_endian ? units[u] & 0xFF : units[u] >> 8);
        }
    }
    return n;
}

static void expect_same_document(const qc_document *a, const qc_document *b, const char *what)
{
    size_t na, nb;
    const char *ta = qc_document_text(a, &na), *tb = qc_document_text(b, &nb);
    cr_expect(na == nb && memcmp(ta, tb, na) == 0, "%s: text differs:\n%s\n---\n%s", what, ta, tb);
    cr_expect_eq(qc_document_length(a), qc_document_length(b), "%s", what);
    cr_assert_eq(qc_document_turn_count(a), qc_document_turn_count(b), "%s", what);
    for (size_t i = 0; i < qc_document_turn_count(a); i++) {
        qc_turn x, y;
        cr_assert_eq(qc_document_turn(a, i, &x), 0);
        cr_assert_eq(qc_document_turn(b, i, &y), 0);
        cr_expect(x.start == y.start && x.end == y.end && x.role == y.role && x.line == y.line, "%s: turn %zu", what,
                  i);
        cr_expect_str_eq(x.speaker ? x.speaker : "", y.speaker ? y.speaker : "", "%s: turn %zu", what, i);
    }
    for (int k = 0; k < 3; k++) {
        qc_unit_kind kind = (qc_unit_kind)k;
        cr_expect_eq(qc_document_unit_count(a, kind), qc_document_unit_count(b, kind), "%s: unit kind %d", what, k);
    }
    /* NVivo's offsets too: the emoji is two UTF-16 units in both. */
    size_t end = qc_document_length(a);
    cr_expect_eq(qc_document_utf16_offset(a, end), qc_document_utf16_offset(b, end), "%s", what);
}

Test(utf16, a_transcript_in_either_byte_order_reads_as_its_utf8)
{
    qc_document *want = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&want, "t.txt", transcript, strlen(transcript), NULL, &err), 0, "%s",
                 err.message);
    unsigned char bytes[1024];
    static const char *const names[] = {"little-endian, no mark", "big-endian, no mark", "little-endian with its mark",
                                        "big-endian with its mark"};
    for (int form = 0; form < 4; form++) {
        size_t n = utf16_of(transcript, form & 1, form & 2, bytes);
        qc_document *got = NULL;
        cr_assert_eq(qc_document_read_buffer(&got, "t.txt", bytes, n, NULL, &err), 0, "%s: %s", names[form],
                     err.message);
        expect_same_document(want, got, names[form]);
        qc_document_free(got);
    }
    qc_document_free(want);
}

/* A document says how its bytes were decoded: UTF-16 in its byte order, with its mark or without,
 * whatever encoding was asked for; Windows-1252 where asked; UTF-8 otherwise, its mark said too.
 * A .docx is XML, UTF-8 as Word writes it, whatever was asked. */
Test(utf16, a_document_says_how_its_bytes_were_decoded)
{
    unsigned char bytes[1024];
    static const char *const want[] = {"utf-16le", "utf-16be", "utf-16le", "utf-16be"};
    qc_read_options o = QC_READ_OPTIONS_INIT;
    qc_error err;
    for (int form = 0; form < 8; form++) {
        o.encoding = form & 4 ? QC_ENCODING_WINDOWS1252 : QC_ENCODING_UTF8;
        size_t n = utf16_of(transcript, form & 1, form & 2, bytes);
        qc_document *doc = NULL;
        cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", bytes, n, &o, &err), 0, "%s", err.message);
        int bom = -1;
        cr_expect_str_eq(qc_document_encoding(doc, &bom), want[form & 3], "form %d", form);
        cr_expect_eq(bom, (form & 2) != 0, "form %d", form);
        cr_expect_str_eq(qc_document_encoding(doc, NULL), want[form & 3]);
        qc_document_free(doc);
    }
    static const struct {
        const char *text;
        qc_encoding asked;
        const char *encoding;
        int bom;
    } cases[] = {
        {"P1: fine\n", QC_ENCODING_UTF8, "utf-8", 0},
        {"\xEF\xBB\xBFP1: fine\n", QC_ENCODING_UTF8, "utf-8", 1},
        {"P1: caf\xE9\n", QC_ENCODING_WINDOWS1252, "windows-1252", 0},
        {"P1: fine\n", QC_ENCODING_WINDOWS1252, "windows-1252", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.encoding = cases[i].asked;
        qc_document *doc = NULL;
        cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", cases[i].text, strlen(cases[i].text), &o, &err), 0, "%s",
                     err.message);
        int bom = -1;
        cr_expect_str_eq(qc_document_encoding(doc, &bom), cases[i].encoding, "case %zu", i);
        cr_expect_eq(bom, cases[i].bom, "case %zu", i);
        qc_document_free(doc);
    }
    o.encoding = QC_ENCODING_WINDOWS1252;
    char *path = qct_source_path("tests/data/formats/narrative.docx");
    qc_document *doc = NULL;
    cr_assert_eq(qc_document_read_file(&doc, path, &o, &err), 0, "%s", err.message);
    cr_expect_str_eq(qc_document_encoding(doc, NULL), "utf-8");
    qc_document_free(doc);
    free(path);
}

/* The bytes decide, as a UTF-8 byte order mark does: `--encoding windows-1252` does not read a
 * UTF-16 file as single bytes. Subtitles go through the same door. */
Test(utf16, the_bytes_decide_whatever_the_encoding_option_and_format)
{
    unsigned char bytes[1024];
    size_t n = utf16_of(transcript, 0, 1, bytes);
    qc_read_options o = QC_READ_OPTIONS_INIT;
    o.encoding = QC_ENCODING_WINDOWS1252;
    qc_document *want = NULL, *got = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&want, "t.txt", transcript, strlen(transcript), NULL, &err), 0);
    cr_assert_eq(qc_document_read_buffer(&got, "t.txt", bytes, n, &o, &err), 0, "%s", err.message);
    expect_same_document(want, got, "windows-1252 asked");
    qc_document_free(got);
    qc_document_free(want);

    static const char vtt[] = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Dr M\xC3\xBCller>How are you?\n\n"
                              "00:00:05.000 --> 00:00:09.000\n<v P1>Fine, the caseload is heavy.\n";
    cr_assert_eq(qc_document_read_buffer(&want, "t.vtt", vtt, strlen(vtt), NULL, &err), 0, "%s", err.message);
    n = utf16_of(vtt, 1, 0, bytes);
    cr_assert_eq(qc_document_read_buffer(&got, "t.vtt", bytes, n, NULL, &err), 0, "%s", err.message);
    expect_same_document(want, got, "WebVTT, big-endian");
    qc_document_free(got);
    qc_document_free(want);
}

/* A broken one says where: the line and column of the converted text, the byte of the file. */
Test(utf16, a_broken_file_is_an_error_at_its_place)
{
    unsigned char bytes[1024];
    size_t n = utf16_of("P1: fine\nP2: bad ", 0, 1, bytes);
    bytes[n++] = 0x3D, bytes[n++] = 0xD8; /* a high surrogate, then no low one */
    n += utf16_of("x\n", 0, 0, bytes + n);
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", bytes, n, NULL, &err), QC_ERR_ENCODING);
    cr_expect_null(doc);
    cr_expect_str_eq(err.message, "invalid UTF-16 (a surrogate without its other half at byte offset 36)");
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.column, 9);
    cr_expect_eq(err.offset, 36);

    n = utf16_of("P1: fine\n", 1, 0, bytes) + 1;
    bytes[n - 1] = 'x';
    cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", bytes, n, NULL, &err), QC_ERR_ENCODING);
    cr_expect_str_eq(err.message, "the UTF-16 file ends in the middle of a character (byte offset 18 of 19)");
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.column, 1);
}

/* A NUL character is refused as binary at its line and column, and at its byte of the file: the
 * readers look at the UTF-8 copy, whose offset (18 here) said nothing about the UTF-16 file. A
 * character beyond the BMP before it is four bytes in both; one beyond ASCII, two in the file and
 * two or three in the copy. */
Test(utf16, a_nul_character_is_refused_at_its_byte_of_the_file)
{
    static const char *const names[] = {"t.txt", "t.vtt", "t.srt"};
    static const char *const heads[] = {"", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n",
                                        "1\n00:00:01,000 --> 00:00:02,000\n"};
    static const uint32_t lines[] = {2, 5, 4};
    unsigned char bytes[1024];
    for (int form = 0; form < 12; form++) {
        int big = form & 1, bom = (form & 2) != 0, k = form / 4;
        /* The NUL's line: Zo, e-diaeresis, the euro sign, an emoji, then it, at column 10. */
        size_t n = utf16_of(heads[k], big, bom, bytes);
        /* (32 characters of Latin letters first, as UTF-16 without its mark is told by) */
        n += utf16_of("P1: a first line in Latin letters.\nZo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80: ", big, 0,
                      bytes + n);
        size_t nul = n;
        bytes[n++] = 0, bytes[n++] = 0;
        n += utf16_of(" more\n", big, 0, bytes + n);
        qc_document *doc = NULL;
        qc_error err;
        cr_assert_eq(qc_document_read_buffer(&doc, names[k], bytes, n, NULL, &err), QC_ERR_FORMAT, "form %d: %s", form,
                     err.message);
        cr_expect_null(doc);
        char want[128];
        snprintf(want, sizeof want, "binary file (NUL byte at offset %zu), not a text transcript", nul);
        cr_expect_str_eq(err.message, want, "form %d", form);
        cr_expect_eq(err.offset, (int64_t)nul, "form %d", form);
        cr_expect_eq(err.line, lines[k], "form %d", form);
        cr_expect_eq(err.column, 10, "form %d", form);
    }
}

/* A casebook's NUL too, in UTF-16 and after UTF-8's byte order mark (whose three bytes the offset
 * left out). */
Test(utf16, a_nul_in_a_casebook_is_at_its_byte_of_the_file)
{
    unsigned char bytes[256];
    size_t n = utf16_of("speaker\tsite\nS1\tN\xC3\xB6", 0, 1, bytes);
    size_t nul = n;
    bytes[n++] = 0, bytes[n++] = 0;
    n += utf16_of("rth\n", 0, 0, bytes + n);
    qc_casebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_casebook_load_buffer(&cb, "cases.txt", bytes, n, &err), QC_ERR_FORMAT, "%s", err.message);
    char want[128];
    snprintf(want, sizeof want, "binary file (NUL byte at offset %zu), not a casebook", nul);
    cr_expect_str_eq(err.message, want);
    cr_expect_eq(err.offset, (int64_t)nul);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.column, 6);
    static const char marked[] = "\xEF\xBB\xBFspeaker\tsite\nS1\tNo\0rth\n";
    cr_assert_eq(qc_casebook_load_buffer(&cb, "cases.tsv", marked, sizeof marked - 1, &err), QC_ERR_FORMAT);
    cr_expect_str_eq(err.message, "binary file (NUL byte at offset 21), not a casebook");
    cr_expect_eq(err.offset, 21);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.column, 6);
}

/* A .docx's word/document.xml may be UTF-16, declaring it: libxml2 reads it, and the document says
 * so (qc_document_encoding was "utf-8", as Word writes it, whatever the part was), with the byte
 * order and mark; the text and turns are the UTF-8 part's, and the byte offsets into the part the
 * same in either byte order. An encoding the declaration names is said as named. */
Test(utf16, a_docx_part_in_utf16_says_so)
{
    static const char part[] = "<?xml version=\"1.0\" encoding=\"%s\" standalone=\"yes\"?>\n<w:document "
                               "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                               "<w:p><w:r><w:t>Q: How was it, Zo\xC3\xAB?</w:t></w:r></w:p>"
                               "<w:p><w:r><w:t>R: Fine \xF0\x9F\x98\x80 thanks.</w:t></w:r></w:p>"
                               "</w:body></w:document>";
    char *dir = qct_temp_dir();
    char *basic = qct_source_path("tests/data/formats/basic.docx");
    char utf8[1024], path[1024];
    snprintf(utf8, sizeof utf8, part, "UTF-8");
    snprintf(path, sizeof path, "%s/u8.docx", dir);
    cut_zip_with(basic, "word/document.xml", utf8, strlen(utf8), path);
    qc_document *want = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_file(&want, path, NULL, &err), 0, "%s", err.message);
    cr_expect_str_eq(qc_document_encoding(want, NULL), "utf-8");

    static const char *const encodings[] = {"utf-16le", "utf-16be", "utf-16le", "utf-16be"};
    size_t source[4][2];
    char declared[1024];
    snprintf(declared, sizeof declared, part, "UTF-16");
    for (int form = 0; form < 4; form++) {
        unsigned char bytes[2048];
        size_t n = utf16_of(declared, form & 1, form & 2, bytes);
        snprintf(path, sizeof path, "%s/u16-%d.docx", dir, form);
        cut_zip_with(basic, "word/document.xml", (const char *)bytes, n, path);
        qc_document *doc = NULL;
        cr_assert_eq(qc_document_read_file(&doc, path, NULL, &err), 0, "form %d: %s", form, err.message);
        int bom = -1;
        cr_expect_str_eq(qc_document_encoding(doc, &bom), encodings[form], "form %d", form);
        cr_expect_eq(bom, (form & 2) != 0, "form %d", form);
        expect_same_document(want, doc, encodings[form]);
        for (size_t t = 0; t < 2; t++) {
            qc_turn turn;
            cr_assert_eq(qc_document_turn(doc, t, &turn), 0);
            source[form][t] = qc_document_source_offset(doc, turn.start);
        }
        qc_document_free(doc);
    }
    /* Each turn's text maps to its <w:t>, the same byte in either order (big-endian was one past
     * it: the '<' is the second byte of its character there). */
    size_t wt = (size_t)(strstr(declared, "<w:t>") - declared);
    for (int form = 0; form < 4; form++) {
        cr_expect_eq(source[form][0], 2 * wt + ((form & 2) ? 2 : 0), "form %d", form);
        cr_expect_eq(source[form][1], source[form & 2][1], "form %d", form);
    }

    static const struct {
        const char *declared, *encoding;
        int bom;
    } named[] = {{"ISO-8859-1", "iso-8859-1", 0}, {"windows-1252", "windows-1252", 0}, {"utf-8", "utf-8", 1}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        char xml[1024];
        int k = snprintf(xml, sizeof xml, "%s", named[i].bom ? "\xEF\xBB\xBF" : "");
        snprintf(xml + k, sizeof xml - (size_t)k, part, named[i].declared);
        if (!named[i].bom) { /* the same text in one byte a character: e-diaeresis, and no emoji */
            char *e = strstr(xml, "\xC3\xAB");
            e[0] = (char)0xEB;
            memmove(e + 1, e + 2, strlen(e + 2) + 1);
            char *emoji = strstr(xml, "\xF0\x9F\x98\x80 ");
            memmove(emoji, emoji + 5, strlen(emoji + 5) + 1);
        }
        snprintf(path, sizeof path, "%s/named-%zu.docx", dir, i);
        cut_zip_with(basic, "word/document.xml", xml, strlen(xml), path);
        qc_document *doc = NULL;
        cr_assert_eq(qc_document_read_file(&doc, path, NULL, &err), 0, "%s: %s", named[i].declared, err.message);
        int bom = -1;
        cr_expect_str_eq(qc_document_encoding(doc, &bom), named[i].encoding);
        cr_expect_eq(bom, named[i].bom, "%s", named[i].declared);
        cr_expect(qct_contains(qc_document_text(doc, NULL), "Zo\xC3\xAB?"), "%s", qc_document_text(doc, NULL));
        qc_document_free(doc);
    }
    qc_document_free(want);
    free(basic);
    free(dir);
}

/* Excel's "Unicode text" table: the same casebook as its UTF-8 copy. */
Test(utf16, a_casebook_saved_as_unicode_text_reads_as_its_utf8)
{
    static const char tsv[] = "speaker\tsite\tprofession\r\nP1\tM\xC3\xBCnchen\tnurse\r\nP2\tK\xC3\xB6ln\tGP\r\n";
    unsigned char bytes[512];
    size_t n = utf16_of(tsv, 0, 1, bytes);
    qc_casebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_casebook_load_buffer(&cb, "cases.txt", bytes, n, &err), 0, "%s", err.message);
    cr_expect_eq(qc_casebook_attribute_count(cb), 2);
    cr_expect_eq(qc_casebook_row_count(cb), 2);
    cr_assert_str_eq(qc_casebook_attribute_name(cb, 0), "site");
    const char *site = qc_casebook_value(cb, "any.txt", "P1", 0);
    cr_expect_str_eq(site ? site : "(none)", "M\xC3\xBCnchen");
    site = qc_casebook_value(cb, "any.txt", "P2", 0);
    cr_expect_str_eq(site ? site : "(none)", "K\xC3\xB6ln");
    qc_casebook_free(cb);
}

/* From the command line: a UTF-16 transcript codes as its UTF-8 copy does. */
Test(utf16, code_counts_a_utf16_transcript_as_its_utf8_copy)
{
    char *dir = qct_temp_dir();
    static const char cb[] = "codebook \"T\" version 1\ncode LOAD \"Caseload\"\n  rule caseload* OR GP\n";
    free(qct_write_file(dir, "cb.qcb", cb, strlen(cb)));
    free(qct_write_file(dir, "a.txt", transcript, strlen(transcript)));
    unsigned char bytes[1024];
    size_t n = utf16_of(transcript, 0, 1, bytes);
    free(qct_write_file(dir, "u.txt", bytes, n));
    qct_run a, u;
    qct_qcode(&a, dir, "code -c cb.qcb a.txt");
    qct_qcode(&u, dir, "code -c cb.qcb u.txt");
    cr_expect_eq(a.status, 0, "%s", a.err);
    cr_expect_eq(u.status, 0, "%s", u.err);
    cr_expect(qct_contains(a.out, "LOAD Caseload"), "%s", a.out);
    cr_expect_str_eq(u.out, a.out);
    qct_run_free(&a);
    qct_run_free(&u);
    free(dir);
}
