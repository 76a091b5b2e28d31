/* Word (.docx) reader: paragraphs, runs, tabs, breaks, hyphens, tracked changes, tables,
 * alternate content, speaker conventions, core properties, source offsets into
 * word/document.xml, and every kind of broken package. Fixtures: the .docx files in tests/data/formats
 * (built by tests/data/formats/make_fixtures.py). */
#include "formats_helpers.h"

static qc_document *read_fixture(const char *file)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/formats/%s", file);
    char *path = qct_source_path(rel);
    qc_document *doc = fmt_read_file(path, NULL);
    free(path);
    return doc;
}

/* Reading the fixture must fail with `code`, at `line` (0: not checked), with `message` in it, in
 * the archive (entry NULL) or in that entry of it (an XML error at a line of the entry names the
 * entry after the archive, as .qdpx errors do; the reader's own errors, a paragraph's number as the
 * line, name the archive). */
static void expect_fixture_error(const char *file, const char *entry, int code, uint32_t line, uint32_t column,
                                 const char *message)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/formats/%s", file);
    char *path = qct_source_path(rel);
    qc_document *doc = NULL;
    qc_error err;
    qc_error_clear(&err);
    int rc = qc_document_read_file(&doc, path, NULL, &err);
    cr_assert_eq(rc, code, "%s: expected status %d, got %d (%s)", file, code, rc, err.message);
    cr_assert_null(doc);
    char where[600];
    snprintf(where, sizeof where, "%s%s%s", path, entry ? ":" : "", entry ? entry : "");
    cr_assert_str_eq(err.file, where);
    cr_assert(!qct_contains(err.message, "word/document.xml: "), "%s: the entry named again: %s", file, err.message);
    if (line)
        cr_assert_eq(err.line, line, "%s: line %u (%s)", file, err.line, err.message);
    if (column)
        cr_assert_eq(err.column, column, "%s: column %u (%s)", file, err.column, err.message);
    cr_assert(qct_contains(err.message, message), "%s: message '%s' lacks '%s'", file, err.message, message);
    free(path);
}

static const char basic_text[] = "Team interview\n\n"
                                 "Interviewer: How does the co\xE2\x80\x91location work?\n\n"
                                 "Nurse 2: It works well & fast.\n\n"
                                 "We meet\tweekly.\nMostly on Mondays.\n\n"
                                 "Interviewer: And the team?\n\n"
                                 "Nurse 2: Cell one.\n\nCell two.\n\n[box]";

Test(read_docx, paragraphs_runs_and_speakers)
{
    qc_document *doc = read_fixture("basic.docx");
    cr_assert_eq(qc_document_format(doc), QC_FORMAT_DOCX);
    cr_assert_str_eq(qc_document_text(doc, NULL), basic_text);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    fmt_assert_turn(doc, 0, "Interviewer", "How does the co\xE2\x80\x91location work?");
    fmt_assert_turn(doc, 1, "Nurse 2", "It works well & fast.\n\nWe meet\tweekly.\nMostly on Mondays.");
    fmt_assert_turn(doc, 2, "Interviewer", "And the team?");
    fmt_assert_turn(doc, 3, "Nurse 2", "Cell one.\n\nCell two.\n\n[box]");
    /* line = paragraph number, counting the empty one; docx has no times. */
    fmt_assert_times(doc, 0, -1, -1, 3);
    fmt_assert_times(doc, 1, -1, -1, 4);
    fmt_assert_times(doc, 3, -1, -1, 7);
    cr_assert_eq(fmt_turn(doc, 0).role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(fmt_turn(doc, 1).role, QC_ROLE_PARTICIPANT);
    /* The second turn has two paragraphs (the blank line between Word paragraphs). */
    size_t paras = 0;
    for (size_t i = 0; i < qc_document_unit_count(doc, QC_UNIT_PARAGRAPH); i++) {
        qc_unit u;
        qc_document_unit(doc, QC_UNIT_PARAGRAPH, i, &u);
        paras += u.turn == 1;
    }
    cr_assert_eq(paras, 2);
    qc_document_free(doc);
}

Test(read_docx, source_offsets_point_into_document_xml)
{
    qc_document *doc = read_fixture("basic.docx");
    /* Offsets measured in the fixture's word/document.xml with Python. */
    cr_assert_eq(fmt_turn_source(doc, 0), 548);           /* "How does the " */
    cr_assert_eq(fmt_turn_source(doc, 3), 1580);          /* "Cell one." */
    cr_assert_eq(qc_document_source_offset(doc, 0), 322); /* "Team interview" in its w:t */
    /* The blank line between paragraphs maps to the <w:p> it precedes (the third: the second is
     * empty and skipped). */
    cr_assert_eq(qc_document_source_offset(doc, 14), 433);
    cr_assert_eq(qc_document_source_offset(doc, 15), 433);
    qc_document_free(doc);
}

Test(read_docx, core_properties_become_attributes)
{
    qc_document *doc = read_fixture("basic.docx");
    cr_assert_eq(qc_document_attribute_count(doc), 3);
    cr_assert_str_eq(qc_document_attribute_get(doc, "title"), "Team interview RS3");
    cr_assert_str_eq(qc_document_attribute_get(doc, "author"), "A. Researcher");
    cr_assert_str_eq(qc_document_attribute_get(doc, "created"), "2024-03-05T10:00:00Z");
    cr_assert_null(qc_document_attribute_get(doc, "description"));
    qc_document_free(doc);
}

Test(read_docx, otter_label_paragraphs)
{
    qc_document *doc = read_fixture("otter.docx");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    fmt_assert_turn(doc, 0, "Sara Mannheimer", "Okay, so to start us out.");
    fmt_assert_turn(doc, 1, "DC03", "Yeah, so I have been a curator.\n\nFor three years.");
    fmt_assert_turn(doc, 2, "Sara Mannheimer", "Thanks.");
    fmt_assert_times(doc, 0, 2000, -1, 2);
    fmt_assert_times(doc, 1, 13000, -1, 5);
    fmt_assert_times(doc, 2, 98000, -1, 8);
    cr_assert_eq(fmt_turn_source(doc, 0), 602);
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    qc_document_free(doc);
}

Test(read_docx, no_labels_is_one_unlabelled_turn)
{
    qc_document *doc = read_fixture("narrative.docx");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    fmt_assert_turn(doc, 0, NULL, "I grew up by the sea.\n\nLater we moved: inland, to the city.");
    cr_assert_eq(fmt_turn(doc, 0).role, QC_ROLE_UNKNOWN);
    qc_document_free(doc);
}

Test(read_docx, text_saved_as_txt_reads_back_the_same)
{
    qc_document *doc = read_fixture("basic.docx");
    size_t size;
    const char *text = qc_document_text(doc, &size);
    qc_document *txt = fmt_read("same.txt", text, size, NULL);
    cr_assert_str_eq(qc_document_text(txt, NULL), text);
    cr_assert_eq(qc_document_turn_count(txt), qc_document_turn_count(doc));
    for (size_t i = 0; i < qc_document_turn_count(doc); i++) {
        qc_turn a = fmt_turn(doc, i), b = fmt_turn(txt, i);
        cr_assert_str_eq(a.speaker, b.speaker);
        cr_assert_eq(a.start, b.start, "turn %zu", i);
        cr_assert_eq(a.end, b.end, "turn %zu", i);
    }
    qc_document_free(txt);
    qc_document_free(doc);
}

Test(read_docx, from_memory_too)
{
    char *path = qct_source_path("tests/data/formats/basic.docx");
    size_t size;
    char *data = qct_read_file(path, &size);
    cr_assert_not_null(data);
    qc_document *doc = fmt_read("interview.docx", data, size, NULL);
    cr_assert_str_eq(qc_document_text(doc, NULL), basic_text);
    cr_assert_str_eq(qc_document_id(doc), "interview.docx");
    qc_document_free(doc);
    free(data);
    free(path);
}

Test(read_docx, broken_packages)
{
    expect_fixture_error("not_zip.docx", NULL, QC_ERR_FORMAT, 0, 0, "not a readable .docx file");
    expect_fixture_error("truncated.docx", NULL, QC_ERR_FORMAT, 0, 0, "not a readable .docx file");
    expect_fixture_error("no_document.docx", NULL, QC_ERR_FORMAT, 0, 0, "no word/document.xml");
    expect_fixture_error("huge_claim.docx", NULL, QC_ERR_LIMIT, 0, 0, "over the limit of 67108864 bytes");
    expect_fixture_error("bad_crc.docx", NULL, QC_ERR_FORMAT, 0, 0, "word/document.xml is damaged: CRC error");
    expect_fixture_error("damaged.docx", NULL, QC_ERR_FORMAT, 0, 0, "word/document.xml is damaged");
    expect_fixture_error("short_claim.docx", NULL, QC_ERR_FORMAT, 0, 0, "more data than the 20 bytes its header gives");
    fmt_expect_error("x.docx", "", 0, QC_ERR_FORMAT, 0, 0, "empty");
}

Test(read_docx, broken_xml)
{
    expect_fixture_error("malformed.docx", "word/document.xml", QC_ERR_FORMAT, 3, 34,
                         "malformed XML at line 3: Opening and ending tag mismatch");
    expect_fixture_error("doctype.docx", "word/document.xml", QC_ERR_FORMAT, 2, 0, "DOCTYPE are not accepted");
}

/* A label paragraph with no text before the next label is skipped, with a note at its paragraph. */
Test(read_docx, empty_and_label_without_text)
{
    expect_fixture_error("empty.docx", NULL, QC_ERR_FORMAT, 0, 0, "empty transcript");
    qc_document *doc = read_fixture("label_alone.docx");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    cr_assert_str_eq(qc_document_speaker(doc, 0, NULL), "R");
    cr_assert_eq(qc_document_note_count(doc), 1);
    uint32_t line = 0;
    const char *message = NULL;
    cr_assert_eq(qc_document_note(doc, 0, &line, &message), 0);
    cr_assert_eq(line, 1);
    cr_assert_str_eq(message, "speaker label 'Q' with no text; turn skipped");
    qc_document_free(doc);
}

/* Word paragraphs count labels as plain text does: `élodie:` once among `Élodie:` paragraphs is her
 * turn (fixture folded_labels.docx). */
Test(read_docx, a_label_recurs_whatever_its_case_in_any_script)
{
    qc_document *doc = read_fixture("folded_labels.docx");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    fmt_assert_turn(doc, 0, "\xC3\x89lodie", "Bonjour \xC3\xA0 tous.");
    fmt_assert_turn(doc, 2, "\xC3\xA9lodie", "We work together.");
    qc_document_free(doc);
}

/* A user's speaker pattern is trusted as it is, in Word as in plain text and subtitles: what it
 * matches is a turn, even a casebook's person in capitals where the document also writes the label
 * otherwise (`TATSUO ARAI: An Interview ...` above `Tatsuo Arai:` paragraphs), which the presets
 * read as a title. Until 2026-12-07 the .docx gave one turn fewer than the same text as .txt
 * (fixture arai.docx). */
Test(read_docx, a_users_speaker_pattern_is_trusted_as_in_plain_text)
{
    qc_casebook *cb = NULL;
    qc_error err;
    static const char tsv[] = "speaker\tgender\nTatsuo Arai\tm\n";
    cr_assert_eq(qc_casebook_load_buffer(&cb, "cases.tsv", tsv, strlen(tsv), &err), 0, "%s", err.message);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.casebook = cb;
    opts.speaker_pattern = "(?<speaker>[A-Za-z][A-Za-z ]*): ";
    char *path = qct_source_path("tests/data/formats/arai.docx");
    qc_document *docx = fmt_read_file(path, &opts);
    char *text = strdup(qc_document_text(docx, NULL)); /* the same text saved as .txt */
    qc_document *txt = fmt_read("arai.txt", text, strlen(text), &opts);
    cr_assert_eq(qc_document_turn_count(txt), 5);
    cr_assert_eq(qc_document_turn_count(docx), qc_document_turn_count(txt));
    for (size_t i = 0; i < qc_document_turn_count(txt); i++)
        cr_assert_str_eq(fmt_turn(docx, i).speaker, fmt_turn(txt, i).speaker, "turn %zu", i);
    fmt_assert_turn(docx, 0, "TATSUO ARAI", "An Interview Conducted by Peter Asaro.");
    fmt_assert_turn(docx, 2, "Tatsuo Arai", "I am Tatsuo Arai.");
    qc_document_free(txt);
    qc_document_free(docx);
    /* Without the pattern, the presets read the capitals as a title, in both. */
    opts.speaker_pattern = NULL;
    docx = fmt_read_file(path, &opts);
    txt = fmt_read("arai.txt", text, strlen(text), &opts);
    cr_assert_eq(qc_document_turn_count(docx), 4);
    cr_assert_eq(qc_document_turn_count(txt), 4);
    fmt_assert_turn(docx, 0, "Q", "Tell us your name.");
    qc_document_free(txt);
    qc_document_free(docx);
    free(text);
    free(path);
    qc_casebook_free(cb);
}

/* Word paragraphs trust the role words of other languages as plain text does, and, above the
 * dialogue, read a role word's paragraph that names its person as the preamble's: in
 * `Interviewerin: Petra Schmidt` / `Befragte: B3` / `Dauer: 45 Minuten` above `I:` and `B3:`
 * paragraphs nobody speaks (no turn of a respondent `Befragte`), and the one-off
 * `Teilnehmerin:` below is her turn. Until 2026-12-07 her words were B3's (fixture roles_de.docx). */
Test(read_docx, role_words_in_other_languages_as_in_plain_text)
{
    qc_document *docx = read_fixture("roles_de.docx");
    char *text = strdup(qc_document_text(docx, NULL)); /* the same text saved as .txt */
    qc_document *txt = fmt_read("roles_de.txt", text, strlen(text), NULL);
    cr_assert_eq(qc_document_turn_count(docx), 4);
    cr_assert_eq(qc_document_turn_count(txt), 4);
    cr_assert_eq(qc_document_speaker_count(docx), 3);
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(fmt_turn(docx, i).speaker, fmt_turn(txt, i).speaker, "turn %zu", i);
    fmt_assert_turn(docx, 0, "I", "Wie lange arbeiten Sie hier?");
    fmt_assert_turn(docx, 1, "B3", "Seit neun Jahren.");
    fmt_assert_turn(docx, 2, "Teilnehmerin", "Und ich seit zehn.");
    qc_document_free(txt);
    qc_document_free(docx);
    free(text);
}
