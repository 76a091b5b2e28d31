/* The document model: hygiene, normalisation, offset maps, attributes, ids and bad input. */
#include "qc_test.h"

static qc_document *read_str(const char *name, const char *text, size_t size, const qc_read_options *opts)
{
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_buffer(&doc, name, text, size, opts, &err);
    cr_assert_eq(rc, 0, "reading %s failed: %s:%u:%u: %s", name, err.file, err.line, err.column, err.message);
    return doc;
}

static qc_document *read_text(const char *text)
{
    return read_str("t.txt", text, strlen(text), NULL);
}

/* The text of code points [start, end). */
static char *slice(const qc_document *doc, size_t start, size_t end)
{
    const char *text = qc_document_text(doc, NULL);
    size_t a = qc_document_text_offset(doc, start), b = qc_document_text_offset(doc, end);
    char *s = malloc(b - a + 1);
    memcpy(s, text + a, b - a);
    s[b - a] = '\0';
    return s;
}

static int read_fails(const char *name, const char *text, size_t size, const qc_read_options *opts, qc_error *err)
{
    qc_document *doc = NULL;
    int rc = qc_document_read_buffer(&doc, name, text, size, opts, err);
    cr_assert_null(doc);
    return rc;
}

Test(document, turn_offsets_slice_back_to_the_text)
{
    qc_document *doc = read_text("I: How was it?\nR: Fine, mostly.\nIt got better.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_turn t;
    qc_document_turn(doc, 1, &t);
    char *s = slice(doc, t.start, t.end);
    cr_assert_str_eq(s, "Fine, mostly.\nIt got better.");
    cr_assert_str_eq(t.speaker, "R");
    cr_assert_eq(t.role, QC_ROLE_PARTICIPANT);
    cr_assert_eq(t.line, 2);
    free(s);
    qc_document_turn(doc, 0, &t);
    cr_assert_eq(t.start, 3);
    cr_assert_eq(t.end, 14);
    cr_assert_eq(t.role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(qc_document_length(doc), strlen("I: How was it?\nR: Fine, mostly.\nIt got better.\n"));
    qc_document_free(doc);
}

Test(document, bom_dropped_and_crlf_become_lf_with_source_offsets)
{
    const char in[] = "\xEF\xBB\xBFI: caf\xC3\xA9 ok\r\nR: yes\r\n";
    qc_document *doc = read_str("t.txt", in, sizeof in - 1, NULL);
    size_t size;
    const char *text = qc_document_text(doc, &size);
    cr_assert_str_eq(text, "I: caf\xC3\xA9 ok\nR: yes\n");
    cr_assert_eq(size, 19);
    /* "R" is code point 11 in the text; in the file it is after the BOM and a CRLF. */
    cr_assert_eq(text[qc_document_text_offset(doc, 11)], 'R');
    cr_assert_eq(qc_document_source_offset(doc, 11), 16);
    cr_assert_eq(in[qc_document_source_offset(doc, 11)], 'R');
    /* "ok" follows a 2-byte é: code point 8 is byte 9 of the text, byte 12 of the file. */
    cr_assert_eq(qc_document_text_offset(doc, 8), 9);
    cr_assert_eq(qc_document_source_offset(doc, 8), 12);
    cr_assert_eq(in[12], 'o');
    cr_assert_eq(qc_document_source_offset(doc, qc_document_length(doc)), sizeof in - 1 - 1);
    qc_document_free(doc);
}

Test(document, lone_cr_line_ends)
{
    qc_document *doc = read_text("I: one\rR: two\r");
    cr_assert_str_eq(qc_document_text(doc, NULL), "I: one\nR: two\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);
}

Test(document, nfc_normalisation_maps_to_the_start_of_the_changed_run)
{
    /* "Cafe" + U+0301 (decomposed) becomes the single code point é. */
    const char in[] = "R: Cafe\xCC\x81 au lait\n";
    qc_document *doc = read_str("t.txt", in, sizeof in - 1, NULL);
    const char *text = qc_document_text(doc, NULL);
    cr_assert_str_eq(text, "R: Caf\xC3\xA9 au lait\n");
    cr_assert_eq(qc_document_length(doc), 16);
    /* é is code point 6; it came from "e" + U+0301 at file bytes 6..9. */
    cr_assert_eq(qc_document_source_offset(doc, 6), 6);
    /* The space after it is exact again: file byte 9. */
    cr_assert_eq(qc_document_source_offset(doc, 7), 9);
    cr_assert_eq(in[qc_document_source_offset(doc, 7)], ' ');
    qc_document_free(doc);
}

/* A turn whose text starts with a character NFC replaces (the Kelvin sign, the Angstrom sign, a
 * CJK compatibility ideograph, a Devanagari nukta letter, Greek with oxia) lost that character:
 * the normalised piece began at the space before it, and the turn's start was settled after the
 * piece. "P4: Å" alone was even a label with no text. */
Test(document, a_turn_starting_with_a_character_nfc_replaces_keeps_it)
{
    const char in[] = "P1: \xE2\x84\xAA"
                      "elvin high.\nP2: \xE0\xA5\x9B\xE0\xA4\xB0 care.\nP3: \xE1\xBD\xB1\xCE\xBD care.\n"
                      "P4: \xE2\x84\xAB\nP5: \xEF\xA4\x80 end.\n";
    qc_document *doc = read_str("t.txt", in, sizeof in - 1, NULL);
    cr_assert_not_null(doc);
    const char *text = qc_document_text(doc, NULL);
    const char *first[] = {"Kelvin high.", "\xE0\xA4\x9C\xE0\xA4\xBC\xE0\xA4\xB0 care.", "\xCE\xAC\xCE\xBD care.",
                           "\xC3\x85", "\xE8\xB1\x88 end."};
    cr_assert_eq(qc_document_turn_count(doc), 5, "P4's turn is no label without text");
    for (size_t i = 0; i < 5; i++) {
        qc_turn t;
        cr_assert_eq(qc_document_turn(doc, i, &t), 0);
        size_t a = qc_document_text_offset(doc, t.start), b = qc_document_text_offset(doc, t.end);
        cr_expect_eq(b - a, strlen(first[i]), "turn %zu: '%.*s'", i, (int)(b - a), text + a);
        cr_expect(strncmp(text + a, first[i], b - a) == 0, "turn %zu: '%.*s'", i, (int)(b - a), text + a);
    }
    qc_document_free(doc);
}

Test(document, decomposed_hangul_is_composed)
{
    /* U+1100 U+1161 (leading + vowel jamo) is the syllable U+AC00 in NFC; U+AC00 U+11A8 (syllable
     * + trailing jamo) is U+AC01. */
    const char in[] = "R: \xE1\x84\x80\xE1\x85\xA1 \xEA\xB0\x80\xE1\x86\xA8\n";
    qc_document *doc = read_str("t.txt", in, sizeof in - 1, NULL);
    cr_assert_str_eq(qc_document_text(doc, NULL), "R: \xEA\xB0\x80 \xEA\xB0\x81\n");
    cr_assert_eq(qc_document_length(doc), 7);
    qc_document_free(doc);
}

Test(document, utf16_offsets_count_an_emoji_as_two_units)
{
    qc_document *doc = read_text("R: I \xF0\x9F\x98\x80 it. Yes\n");
    /* R : space I space EMOJI space i t ... */
    cr_assert_eq(qc_document_utf16_offset(doc, 5), 5);
    cr_assert_eq(qc_document_utf16_offset(doc, 6), 7);
    cr_assert_eq(qc_document_utf16_offset(doc, 9), 10);
    cr_assert_eq(qc_document_utf16_offset(doc, qc_document_length(doc)), qc_document_length(doc) + 1);
    cr_assert_eq(qc_document_text_offset(doc, 6), 9);
    qc_document_free(doc);
    doc = read_text("R: all BMP \xE2\x80\x99 here\n");
    cr_assert_eq(qc_document_utf16_offset(doc, 12), 12);
    qc_document_free(doc);
}

Test(document, line_and_column)
{
    qc_document *doc = read_text("title: X\n\nI: a\nR: b\xC3\xA9z\n");
    uint32_t line, col;
    qc_document_line_col(doc, 0, &line, &col);
    cr_assert_eq(line, 1);
    cr_assert_eq(col, 1);
    /* 'z' is on line 4, column 6 (é counts one). */
    size_t z = strlen("title: X\n\nI: a\nR: b") - 1 + 2;
    qc_document_line_col(doc, z, &line, &col);
    cr_assert_eq(line, 4);
    cr_assert_eq(col, 6);
    qc_document_free(doc);
}

Test(document, header_attributes)
{
    qc_document *doc =
        read_text("title: Ward 3 interview\nsite: RS1\ndate: 2016-03-08\nphase: 1\n\nI: Hello.\nR: Hi.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 4);
    const char *k, *v;
    cr_assert_eq(qc_document_attribute(doc, 0, &k, &v), 0);
    cr_assert_str_eq(k, "title");
    cr_assert_str_eq(v, "Ward 3 interview");
    cr_assert_str_eq(qc_document_attribute_get(doc, "SITE"), "RS1");
    cr_assert_str_eq(qc_document_attribute_get(doc, "phase"), "1");
    cr_assert_null(qc_document_attribute_get(doc, "nope"));
    cr_assert_eq(qc_document_attribute(doc, 4, &k, &v), QC_ERR_NOTFOUND);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);
}

Test(document, id_defaults_to_the_name_and_can_be_given)
{
    qc_document *doc = read_text("R: Hi.\n");
    cr_assert_str_eq(qc_document_id(doc), "t.txt");
    cr_assert_str_eq(qc_document_path(doc), "");
    cr_assert_eq(qc_document_format(doc), QC_FORMAT_TEXT);
    qc_document_free(doc);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.id = "site/a.txt";
    doc = read_str("x.txt", "R: Hi.\n", 7, &opts);
    cr_assert_str_eq(qc_document_id(doc), "site/a.txt");
    qc_document_free(doc);
}

Test(document, read_file_uses_the_path)
{
    char *dir = qct_temp_dir();
    char *path = qct_write_file(dir, "a.md", "**Ann:** Hello.\n", 16);
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_file(&doc, path, NULL, &err), 0, "%s", err.message);
    cr_assert_str_eq(qc_document_id(doc), path);
    cr_assert_str_eq(qc_document_path(doc), path);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    qc_document_free(doc);
    free(path);
    free(dir);
}

Test(document, missing_file_is_an_io_error)
{
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_file(&doc, "/nonexistent/x.txt", NULL, &err), QC_ERR_IO);
    cr_assert_null(doc);
}

Test(document, empty_and_blank_files_are_errors)
{
    qc_error err;
    cr_assert_eq(read_fails("e.txt", "", 0, NULL, &err), QC_ERR_FORMAT);
    cr_assert(qct_contains(err.message, "empty transcript"), "%s", err.message);
    cr_assert_str_eq(err.file, "e.txt");
    cr_assert_eq(read_fails("e.txt", "\xEF\xBB\xBF \n\t\r\n", 8, NULL, &err), QC_ERR_FORMAT);
    cr_assert(qct_contains(err.message, "empty transcript"), "%s", err.message);
    cr_assert_eq(read_fails("e.txt", "title: x\n\n\n", 11, NULL, &err), QC_ERR_FORMAT);
    cr_assert(qct_contains(err.message, "empty transcript"), "%s", err.message);
}

Test(document, binary_file_is_an_error)
{
    qc_error err;
    cr_assert_eq(read_fails("b.txt", "I: a\nR: b\0c\n", 12, NULL, &err), QC_ERR_FORMAT);
    cr_assert(qct_contains(err.message, "binary file"), "%s", err.message);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.offset, 9);
}

Test(document, invalid_utf8_names_line_column_and_byte)
{
    qc_error err;
    const char in[] = "I: ok\nR: caf\xC3\xA9 \xE9t\xE9\n";
    cr_assert_eq(read_fails("u.txt", in, sizeof in - 1, NULL, &err), QC_ERR_ENCODING);
    cr_assert_str_eq(err.file, "u.txt");
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.column, 9);
    cr_assert_eq(err.offset, 15);
    cr_assert(qct_contains(err.message, "invalid UTF-8"), "%s", err.message);
    cr_assert(qct_contains(err.message, "0xE9"), "%s", err.message);
}

Test(document, windows1252_is_decoded_exactly)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.encoding = QC_ENCODING_WINDOWS1252;
    const char in[] = "R: caf\xE9 \x93quoted\x94 \x80 \x81\n";
    qc_document *doc = read_str("w.txt", in, sizeof in - 1, &opts);
    cr_assert_str_eq(qc_document_text(doc, NULL),
                     "R: caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC \xC2\x81\n");
    /* Each decoded character maps to its own byte in the file. */
    cr_assert_eq(qc_document_source_offset(doc, 6), 6);   /* é */
    cr_assert_eq(qc_document_source_offset(doc, 7), 7);   /* space */
    cr_assert_eq(qc_document_source_offset(doc, 8), 8);   /* “ */
    cr_assert_eq(qc_document_source_offset(doc, 16), 16); /* ” */
    cr_assert_eq(qc_document_source_offset(doc, 18), 18); /* € */
    qc_document_free(doc);
}

Test(document, windows1252_every_byte_decodes)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.encoding = QC_ENCODING_WINDOWS1252;
    char in[300];
    size_t n = 0;
    memcpy(in, "R: ", 3);
    n = 3;
    for (int c = 0x20; c < 256; c++)
        if (c != 0x7F)
            in[n++] = (char)c;
    in[n++] = '\n';
    qc_document *doc = read_str("w.txt", in, n, &opts);
    /* 0x20..0xFF without 0x7F: 223 code points, plus "R: " and the LF. */
    cr_assert_eq(qc_document_length(doc), 3 + 223 + 1);
    qc_document_free(doc);
}

Test(document, line_longer_than_one_mib_is_an_error)
{
    size_t n = (1u << 20) + 10;
    char *big = malloc(n + 20);
    memcpy(big, "I: hi\nR: ", 9);
    memset(big + 9, 'a', n);
    big[9 + n] = '\n';
    qc_error err;
    cr_assert_eq(read_fails("big.txt", big, n + 10, NULL, &err), QC_ERR_LIMIT);
    cr_assert_eq(err.line, 2);
    cr_assert(qct_contains(err.message, "line 2"), "%s", err.message);
    free(big);
}

Test(document, a_ten_megabyte_line_is_refused_quickly)
{
    size_t n = 10u << 20;
    char *big = malloc(n);
    memset(big, 'x', n);
    qc_error err;
    cr_assert_eq(read_fails("huge.txt", big, n, NULL, &err), QC_ERR_LIMIT);
    cr_assert_eq(err.line, 1);
    free(big);
}

/* The line of note i, checking its message names the label. */
static uint32_t note_line(const qc_document *doc, size_t i, const char *label)
{
    uint32_t line = 0;
    const char *message = NULL;
    cr_assert_eq(qc_document_note(doc, i, &line, &message), 0, "no note %zu", i);
    char want[64];
    snprintf(want, sizeof want, "speaker label '%s' with no text; turn skipped", label);
    cr_assert_str_eq(message, want);
    return line;
}

/* noScribe writes a label and its time alone for a pause: that turn is skipped with a note, and the
 * rest of the document is read as if the label were not there. */
Test(document, empty_timed_turn_in_the_middle_is_skipped)
{
    qc_document *doc = read_text("S1: [00:00:01] Hello there.\nS2: [00:11:37]\nS1: [00:12:00] Back again, now.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_turn t;
    cr_assert_eq(qc_document_turn(doc, 1, &t), 0);
    cr_assert_str_eq(t.speaker, "S1");
    cr_assert_eq(t.line, 3);
    cr_assert_eq(t.time_start_ms, 12 * 60 * 1000);
    char *s = slice(doc, t.start, t.end);
    cr_assert_str_eq(s, "Back again, now.");
    free(s);
    /* S2 spoke nowhere else: no speaker */
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_PARAGRAPH), 2);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_SENTENCE), 2);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_WORD), 5);
    qc_unit w;
    cr_assert_eq(qc_document_unit(doc, QC_UNIT_WORD, 4, &w), 0);
    cr_assert_eq(w.turn, 1);
    cr_assert_eq(qc_document_note_count(doc), 1);
    cr_assert_eq(note_line(doc, 0, "S2"), 2);
    qc_document_free(doc);
}

Test(document, speaker_label_with_no_text_is_skipped_with_a_note)
{
    qc_document *doc = read_text("I: Hello?\nR:\nI: Anything?\nR: No.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    cr_assert_eq(qc_document_speaker_count(doc), 2); /* R has a turn with text */
    cr_assert_eq(qc_document_note_count(doc), 1);
    cr_assert_eq(note_line(doc, 0, "R"), 2);
    qc_document_free(doc);
    /* alone at the end of the file */
    doc = read_text("I: Hello?\nR: Hi\nI:\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    cr_assert_eq(qc_document_note_count(doc), 1);
    cr_assert_eq(note_line(doc, 0, "I"), 3);
    qc_document_free(doc);
    doc = read_text("I: Hello?\nR: Hi\nP3: [00:10:00]");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    cr_assert_eq(note_line(doc, 0, "P3"), 3);
    qc_document_free(doc);
}

/* With every label empty there is nothing to code: the document fails as one with no text. */
Test(document, a_document_whose_turns_are_all_empty_is_an_error)
{
    qc_error err;
    cr_assert_eq(read_fails("l.txt", "S1: [00:00:01]\nS2: [00:00:05]\n", 30, NULL, &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.file, "l.txt");
    cr_assert_eq(err.line, 1);
    cr_assert(qct_contains(err.message, "empty transcript"), "%s", err.message);
    /* a preamble is in no turn */
    cr_assert_eq(read_fails("l.txt", "Notes from the visit.\n\nI:\nR:\n", 29, NULL, &err), QC_ERR_FORMAT);
    cr_assert(qct_contains(err.message, "empty transcript"), "%s", err.message);
    cr_assert_eq(err.line, 3);
}

Test(document, unknown_format_is_an_error)
{
    qc_error err;
    cr_assert_eq(read_fails("notes.pdf", "x", 1, NULL, &err), QC_ERR_INVALID);
    cr_assert(qct_contains(err.message, "unknown transcript format"), "%s", err.message);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.format = QC_FORMAT_TEXT;
    qc_document *doc = read_str("notes.pdf", "R: fine\n", 8, &opts);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    qc_document_free(doc);
}

Test(document, free_null_is_a_no_op)
{
    qc_document_free(NULL);
    cr_assert(1);
}

Test(document, many_documents_in_threads_of_the_same_input)
{
    /* No globals: the same input read twice gives equal models. */
    const char *in = "title: a\n\nI: One? Two.\nR: Three... four!\n";
    qc_document *a = read_text(in), *b = read_text(in);
    cr_assert_eq(qc_document_unit_count(a, QC_UNIT_SENTENCE), qc_document_unit_count(b, QC_UNIT_SENTENCE));
    cr_assert_eq(qc_document_unit_count(a, QC_UNIT_SENTENCE), 3); /* "Three... four!" is one */
    qc_document_free(a);
    qc_document_free(b);
}

/* Speakers grouped by name as the results count respondents: `Élodie`, `Bob` and `élodie` are two
 * names, the first spelling leading, with the turns of both spellings. */
Test(document, speaker_names_group_the_spellings_of_a_name)
{
    qc_document *doc = read_text("\xC3\x89lodie: Bonjour.\nBob: Hello there.\n\xC3\xA9lodie: We work together.\n"
                                 "Bob: Fine.\n\xC3\x89lodie: Yes.\n");
    cr_assert_eq(qc_document_speaker_count(doc), 3);
    size_t lead[3], turns[3];
    cr_assert_eq(qc_document_speaker_names(doc, lead, turns), QC_OK);
    cr_expect_str_eq(qc_document_speaker(doc, 2, NULL), "\xC3\xA9lodie");
    cr_expect_eq(lead[0], 0);
    cr_expect_eq(lead[1], 1);
    cr_expect_eq(lead[2], 0, "élodie is Élodie");
    cr_expect_eq(turns[0], 3);
    cr_expect_eq(turns[1], 2);
    cr_expect_eq(turns[2], 0);
    cr_expect_eq(qc_document_speaker_names(doc, NULL, NULL), QC_ERR_INVALID);
    qc_document_free(doc);
}
