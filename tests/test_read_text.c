/* Plain-text conventions: speaker-label presets, header lines, continuation, paragraphs,
 * preamble, false positives, user patterns and interviewer labels. */
#include "qc_test.h"

static qc_document *read_opts(const char *name, const char *text, const qc_read_options *opts)
{
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_buffer(&doc, name, text, strlen(text), opts, &err);
    cr_assert_eq(rc, 0, "reading failed: %s:%u:%u: %s", err.file, err.line, err.column, err.message);
    return doc;
}

static qc_document *read_txt(const char *text)
{
    return read_opts("t.txt", text, NULL);
}

static qc_turn turn_at(const qc_document *doc, size_t i)
{
    qc_turn t;
    cr_assert_eq(qc_document_turn(doc, i, &t), 0, "no turn %zu", i);
    return t;
}

/* Asserts turn i: its speaker (NULL for none) and its exact text. */
static void assert_turn(const qc_document *doc, size_t i, const char *speaker, const char *text)
{
    qc_turn t = turn_at(doc, i);
    if (speaker)
        cr_assert_str_eq(t.speaker ? t.speaker : "(null)", speaker, "turn %zu", i);
    else
        cr_assert_null(t.speaker, "turn %zu has speaker %s", i, t.speaker);
    const char *all = qc_document_text(doc, NULL);
    size_t a = qc_document_text_offset(doc, t.start), b = qc_document_text_offset(doc, t.end);
    cr_assert_eq(b - a, strlen(text), "turn %zu is '%.*s'", i, (int)(b - a), all + a);
    cr_assert(strncmp(all + a, text, b - a) == 0, "turn %zu is '%.*s'", i, (int)(b - a), all + a);
}

Test(read_text, name_colon_and_roles)
{
    qc_document *doc = read_txt("Interviewer: How long have you worked here?\nNurse 2: About six years.\n"
                                "Interviewer: And before?\nNurse 2: Acute care.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 1, "Nurse 2", "About six years.");
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    qc_role role;
    cr_assert_str_eq(qc_document_speaker(doc, 0, &role), "Interviewer");
    cr_assert_eq(role, QC_ROLE_INTERVIEWER);
    cr_assert_str_eq(qc_document_speaker(doc, 1, &role), "Nurse 2");
    cr_assert_eq(role, QC_ROLE_PARTICIPANT);
    qc_document_free(doc);
}

Test(read_text, conventional_labels_count_even_once)
{
    qc_document *doc = read_txt("Q: Where?\nA: Here.\nS120: Me too.\nMH staff member S11: Same.\nI: Ok.\nR: Yes.\n");
    cr_assert_eq(qc_document_turn_count(doc), 6);
    assert_turn(doc, 3, "MH staff member S11", "Same.");
    qc_turn t = turn_at(doc, 0);
    cr_assert_eq(t.role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(turn_at(doc, 1).role, QC_ROLE_PARTICIPANT);
    cr_assert_eq(turn_at(doc, 4).role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(turn_at(doc, 5).role, QC_ROLE_PARTICIPANT);
    qc_document_free(doc);
}

Test(read_text, timestamps_before_and_after_the_label)
{
    qc_document *doc = read_txt("[00:01:12] Interviewer: Hello.\n(00:01:15) Ann Lee: Hi there.\n"
                                "S01: [00:00:12] Guten Tag.\n[1:02:03.5] Ann Lee: Later.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "Interviewer", "Hello.");
    cr_assert_eq(turn_at(doc, 0).time_start_ms, 72000);
    assert_turn(doc, 1, "Ann Lee", "Hi there.");
    cr_assert_eq(turn_at(doc, 1).time_start_ms, 75000);
    assert_turn(doc, 2, "S01", "Guten Tag.");
    cr_assert_eq(turn_at(doc, 2).time_start_ms, 12000);
    cr_assert_eq(turn_at(doc, 3).time_start_ms, 3723500);
    cr_assert_eq(turn_at(doc, 3).time_end_ms, -1);
    qc_document_free(doc);
}

Test(read_text, markdown_bold_labels)
{
    qc_document *doc =
        read_opts("p.md", "**Mat Ryer:** Hello there.\n\nWelcome.\n\n**L Körbes:** Hi.\n\n**Jingle:** ♪\n", NULL);
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 0, "Mat Ryer", "Hello there.\n\nWelcome.");
    assert_turn(doc, 1, "L Körbes", "Hi.");
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_PARAGRAPH), 4);
    qc_document_free(doc);
}

/* The note of a document that has exactly one: its line and message. */
static void assert_one_note(const qc_document *doc, uint32_t line, const char *message)
{
    cr_assert_eq(qc_document_note_count(doc), 1);
    uint32_t at = 0;
    const char *m = NULL;
    cr_assert_eq(qc_document_note(doc, 0, &at, &m), 0);
    cr_assert_eq(at, line, "note at line %u", at);
    cr_assert_str_eq(m, message);
    cr_assert_eq(qc_document_note(doc, 1, &at, &m), QC_ERR_NOTFOUND);
}

/* Transcripts published as Markdown escape a label's time: "**Mat Ryer:** \[24:14\] Yeah" (the Go
 * Time podcast). The stamp is the turn's time, before its text; a half-escaped one is text. One
 * with no text after it before the next label leaves an empty turn, skipped with a note. */
Test(read_text, markdown_bold_labels_with_escaped_times)
{
    qc_document *doc = read_opts(
        "p.md",
        "**Mat Ryer:** \\[24:14\\] Yeah.\n\n**L Körbes:** \\[1:02:03.5\\] Hi.\n\n**Mat Ryer:** \\[24:20] So.\n\n"
        "**Break:** \\[26:08\\]\n\n**Mat Ryer:** Back.\n",
        NULL);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "Mat Ryer", "Yeah.");
    cr_assert_eq(turn_at(doc, 0).time_start_ms, (24 * 60 + 14) * 1000);
    assert_turn(doc, 1, "L Körbes", "Hi.");
    cr_assert_eq(turn_at(doc, 1).time_start_ms, (3600 + 2 * 60 + 3) * 1000 + 500);
    assert_turn(doc, 2, "Mat Ryer", "\\[24:20] So.");
    cr_assert_eq(turn_at(doc, 2).time_start_ms, -1);
    /* alone after its label, the stamp is the time of a turn with no text: skipped, and Break is
     * no speaker */
    assert_turn(doc, 3, "Mat Ryer", "Back.");
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    assert_one_note(doc, 7, "speaker label 'Break' with no text; turn skipped");
    qc_document_free(doc);
}

/* An escaped time alone after its label, the turn's text on the next line: the time is the turn's. */
Test(read_text, markdown_escaped_time_alone_then_text_on_the_next_line)
{
    qc_document *doc =
        read_opts("p.md", "**Mat Ryer:** \\[24:14\\]\nYeah, well.\n\n**Jon:** \\[24:20\\] Sure.\n", NULL);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Mat Ryer", "Yeah, well.");
    cr_assert_eq(turn_at(doc, 0).time_start_ms, (24 * 60 + 14) * 1000);
    cr_assert_eq(turn_at(doc, 0).line, 1);
    assert_turn(doc, 1, "Jon", "Sure.");
    cr_assert_eq(qc_document_note_count(doc), 0);
    qc_document_free(doc);
}

Test(read_text, zoom_export_names_in_brackets)
{
    qc_document *doc = read_txt("[Johnny Doe] 11:02:09\nHow you doing?\n\n[Janet Dough] 11:02:13\nFine.\nReally.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Johnny Doe", "How you doing?");
    assert_turn(doc, 1, "Janet Dough", "Fine.\nReally.");
    cr_assert_eq(turn_at(doc, 1).time_start_ms, (11 * 3600 + 2 * 60 + 13) * 1000);
    cr_assert_eq(turn_at(doc, 1).line, 4);
    qc_document_free(doc);
}

Test(read_text, otter_name_two_spaces_time)
{
    qc_document *doc = read_txt("Sara Mannheimer  00:03\nThe research.\n\nBSR09  1:02:07\nSure, yeah.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Sara Mannheimer", "The research.");
    cr_assert_eq(turn_at(doc, 0).time_start_ms, 3000);
    assert_turn(doc, 1, "BSR09", "Sure, yeah.");
    cr_assert_eq(turn_at(doc, 1).time_start_ms, 3727000);
    qc_document_free(doc);
}

Test(read_text, qualcoder_bracketed_ids_but_not_bracketed_notes)
{
    qc_document *doc = read_txt("[id1] hello.\n\n[id2] I am struggling.\n[laughs] yes\n\n[id1] ok.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 1, "id2", "I am struggling.\n[laughs] yes");
    qc_document_free(doc);
}

Test(read_text, label_alone_on_its_line)
{
    qc_document *doc = read_opts("o.md",
                                 "## Interview\n\nQ: \n\nOkay, so we're rolling.\n\nTatsuo Arai: \n\nOkay.\n\n"
                                 "Second paragraph.\n\n### Next part\n\nQ: \n\nMore?\n\nTatsuo Arai: \n\nYes.\n",
                                 NULL);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "Q", "Okay, so we're rolling.");
    assert_turn(doc, 1, "Tatsuo Arai", "Okay.\n\nSecond paragraph.");
    /* A Markdown heading ends the turn above it. */
    assert_turn(doc, 2, "Q", "More?");
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_PARAGRAPH), 5);
    qc_document_free(doc);
}

/* In Markdown the lines after a heading, up to the next label, are in no turn and not coded: a
 * stretch of them with words is a note at its first such line (once a stretch), naming the heading.
 * A stretch with a time stamp alone loses no words; the preamble before the first label is left
 * out on purpose (a title, metadata) and a .txt has no headings. */
Test(read_text, markdown_text_after_a_heading_is_a_note)
{
    const char *src = "# Interview 4\n\nRecorded in May.\n\n"  /* lines 1-4: the preamble */
                      "Q: Hello?\nA: Fine.\n\n## Part two\n\n" /* 5-9 */
                      "Some unlabelled text.\nMore text.\n\n"  /* 10-12 */
                      "### Sub\n\n[00:10:00]\n---\n"           /* 13-16: no words */
                      "Q: Next?\nA: Yes.\n\n## Notes\n\nThe end, said nobody.\n";
    qc_document *doc = read_opts("h.md", src, NULL);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 1, "A", "Fine.");
    assert_turn(doc, 2, "Q", "Next?");
    cr_assert_eq(qc_document_note_count(doc), 2);
    const char *why = "is outside every turn (not coded) until the next speaker label";
    uint32_t line = 0;
    const char *m = NULL;
    char want[200];
    cr_assert_eq(qc_document_note(doc, 0, &line, &m), 0);
    cr_assert_eq(line, 10);
    snprintf(want, sizeof want, "text after the heading at line 8 %s", why);
    cr_assert_str_eq(m, want);
    cr_assert_eq(qc_document_note(doc, 1, &line, &m), 0);
    cr_assert_eq(line, 22);
    snprintf(want, sizeof want, "text after the heading at line 20 %s", why);
    cr_assert_str_eq(m, want);
    qc_document_free(doc);
    /* The same lines in a .txt are text in turns: nothing is left out. */
    doc = read_txt(src);
    cr_assert_eq(qc_document_note_count(doc), 0);
    qc_document_free(doc);
}

/* Notes come in line order, though the reader makes its own (text under a heading) before the
 * builder finds a label with no text (here the heading ends A's turn before it has any). */
Test(read_text, notes_are_in_line_order)
{
    qc_document *doc = read_opts("n.md", "Q: Hi.\nA:\n\n## Part\n\nStray words.\n\nQ: More?\nA: Yes.\n", NULL);
    cr_assert_eq(qc_document_note_count(doc), 2);
    uint32_t a = 0, b = 0;
    const char *m = NULL;
    cr_assert_eq(qc_document_note(doc, 0, &a, &m), 0);
    cr_assert_eq(a, 2);
    cr_assert_str_eq(m, "speaker label 'A' with no text; turn skipped");
    cr_assert_eq(qc_document_note(doc, 1, &b, &m), 0);
    cr_assert_eq(b, 6);
    cr_assert(strstr(m, "heading at line 4") != NULL, "%s", m);
    qc_document_free(doc);
}

Test(read_text, continuation_lines_and_paragraphs)
{
    qc_document *doc = read_txt("I: First line\nsecond line.\n\nNew paragraph.\nR: Answer.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "I", "First line\nsecond line.\n\nNew paragraph.");
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_PARAGRAPH), 3);
    qc_unit u;
    qc_document_unit(doc, QC_UNIT_PARAGRAPH, 1, &u);
    cr_assert_eq(u.turn, 0);
    qc_document_unit(doc, QC_UNIT_PARAGRAPH, 2, &u);
    cr_assert_eq(u.turn, 1);
    qc_document_free(doc);
}

Test(read_text, preamble_is_outside_turns)
{
    qc_document *doc = read_txt("Interview with a district nurse, recorded at the base.\n\nI: Hello.\nR: Hi.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_turn t = turn_at(doc, 0);
    cr_assert_eq(t.start, strlen("Interview with a district nurse, recorded at the base.\n\nI: "));
    /* Units lie inside turns: the preamble has none. */
    qc_unit u;
    qc_document_unit(doc, QC_UNIT_SENTENCE, 0, &u);
    cr_assert_eq(u.start, t.start);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_SENTENCE), 2);
    qc_document_free(doc);
}

Test(read_text, unlabelled_document_is_one_turn_after_the_header)
{
    qc_document *doc = read_txt("title: Diary\nsite: RS2\n\nI went to work.\n\nIt rained.\n");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    assert_turn(doc, 0, NULL, "I went to work.\n\nIt rained.");
    qc_turn t = turn_at(doc, 0);
    cr_assert_eq(t.role, QC_ROLE_UNKNOWN);
    cr_assert_eq(t.line, 4);
    cr_assert_eq(qc_document_speaker_count(doc), 0);
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    qc_document_free(doc);
}

Test(read_text, yaml_front_matter)
{
    qc_document *doc = read_txt("---\ntitle: Focus group\nSite: RS4\n---\nFacilitator: Welcome.\nN41: Thanks.\n");
    cr_assert_str_eq(qc_document_attribute_get(doc, "title"), "Focus group");
    cr_assert_str_eq(qc_document_attribute_get(doc, "site"), "RS4");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);
}

Test(read_text, header_needs_lower_case_keys_and_a_blank_line)
{
    /* "i:" at the top is dialogue, not a header. */
    qc_document *doc = read_txt("i: hello\n\nr: hi\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);
    doc = read_txt("Title: Not a header\nI: Hi.\nR: Yo.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);
}

/* Header keys are words of any script: lower-case letters in a header block (`région`, `straße`),
 * any letters between `---` rules (`Région`). A key beyond ASCII was no key: the whole block
 * stopped being a header (its `title` lost with it) and a front-matter line was dropped. A key is
 * found as names are, in any case and however its accents are typed (qc_document_attribute_get). */
Test(read_text, header_keys_beyond_ascii_are_read_and_found_in_any_case)
{
    qc_document *doc =
        read_txt("title: Visite\nrégion: Nord\nstraße: Hauptstraße 1\n\nInterviewer: Bonjour.\nN15: Bonjour.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 3);
    cr_expect_str_eq(qc_document_attribute_get(doc, "title"), "Visite");
    const char *region[] = {"r\xC3\xA9gion", "R\xC3\x89GION", "RE\xCC\x81GION", "re\xCC\x81gion"};
    for (size_t i = 0; i < sizeof region / sizeof *region; i++) {
        const char *v = qc_document_attribute_get(doc, region[i]);
        cr_expect(v && strcmp(v, "Nord") == 0, "%s: %s", region[i], v ? v : "(null)");
    }
    const char *v = qc_document_attribute_get(doc, "STRASSE");
    cr_expect(v && strcmp(v, "Hauptstraße 1") == 0, "STRASSE: %s", v ? v : "(null)");
    cr_expect_null(qc_document_attribute_get(doc, "region"));
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);
    /* between rules, capitals and letters of any script (地区, "region") */
    doc = read_txt("---\ntitle: Visite\nR\xC3\xA9gion: Nord\n\xE5\x9C\xB0\xE5\x8C\xBA: \xE5\x8C\x97\n---\n"
                   "Interviewer: Bonjour.\n");
    cr_expect_eq(qc_document_attribute_count(doc), 3);
    v = qc_document_attribute_get(doc, "r\xC3\xA9gion");
    cr_expect(v && strcmp(v, "Nord") == 0, "région: %s", v ? v : "(null)");
    v = qc_document_attribute_get(doc, "\xE5\x9C\xB0\xE5\x8C\xBA");
    cr_expect(v && strcmp(v, "\xE5\x8C\x97") == 0, "地区: %s", v ? v : "(null)");
    qc_document_free(doc);
    /* a capital starts no key outside the rules, in any script: `Élodie:` lines are dialogue */
    doc = read_txt("\xC3\x89lodie: Bonjour.\n\nInterviewer: Bonjour.\n\xC3\x89lodie: Oui.\n");
    cr_expect_eq(qc_document_attribute_count(doc), 0);
    cr_expect_eq(qc_document_turn_count(doc), 3);
    qc_document_free(doc);
}

/* A header may name the interviewer and the participant among its other keys: it is a header.
 * Its `site` was lost before (the block was taken for dialogue, then for a metadata block), and
 * with it the document's place in every breakdown by site. A block of role keys alone is
 * dialogue. */
Test(read_text, a_header_that_names_the_interviewer_is_a_header)
{
    qc_document *doc = read_txt("interviewer: Jane Smith\nparticipant: P07\nsite: North\ndate: 2016-03-22\n\n"
                                "Interviewer: How long have you worked here?\n\nP07: Nine years.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 4);
    cr_assert_str_eq(qc_document_attribute_get(doc, "site"), "North");
    cr_assert_str_eq(qc_document_attribute_get(doc, "interviewer"), "Jane Smith");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 1, "P07", "Nine years.");
    qc_document_free(doc);
    doc = read_txt("i: hello\nr: hi\n\ni: And then?\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 3);
    qc_document_free(doc);
    /* As front matter too: its `interviewer` key and the `Interviewer:` turns are one label (ASCII
     * case aside), which made the front matter a turn of dialogue. */
    doc = read_opts("fm.md",
                    "---\ntitle: Interview 3\ninterviewer: Jane Smith\nsite: North\n---\n\n"
                    "Interviewer: Hello, how are you?\n\nP1: Fine thanks.\n",
                    NULL);
    cr_assert_eq(qc_document_attribute_count(doc), 3);
    cr_assert_str_eq(qc_document_attribute_get(doc, "interviewer"), "Jane Smith");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Interviewer", "Hello, how are you?");
    qc_document_free(doc);
}

/* Opening dialogue is not a header: a key that also starts a later line is a speaker's label, a
 * line the user's pattern matches is trusted as one, and lines between `---` rules that are
 * speakers' lines are no front matter. */
Test(read_text, opening_dialogue_is_not_a_header)
{
    qc_document *doc = read_txt("mother: We came here in 2015.\nfather: Yes, after the flood.\n\n"
                                "mother: It was hard.\nfather: Very hard.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "mother", "We came here in 2015.");
    qc_document_free(doc);

    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "(?<speaker>[a-z]+): ";
    doc = read_opts("t.txt", "mother: We came here in 2015.\n\nfather: Yes.\n", &opts);
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "mother", "We came here in 2015.");
    qc_document_free(doc);
    opts.speaker_pattern = "(?<speaker>[A-Z][a-z]+): ";
    doc = read_opts("t.txt", "title: Family\n\nMother: Hi.\nFather: Yo.\n", &opts);
    cr_assert_str_eq(qc_document_attribute_get(doc, "title"), "Family");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    qc_document_free(doc);

    doc = read_txt("---\nInterviewer: Hi.\n\nN15: Hello.\n---\nInterviewer: bye\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 0, "Interviewer", "Hi.");
    assert_turn(doc, 2, "Interviewer", "bye");
    qc_document_free(doc);
}

/* A label's slip of case is the same speaker: `sarah:` once among `Sarah:` lines is her turn, not
 * words of the speaker above. A label in capitals is another matter: `NURSE:` above `Nurse:` turns
 * is a heading's style (the IEEE oral history's `TATSUO ARAI: An Interview Conducted by...` title
 * above its `Tatsuo Arai:` turns), and stays text when it is said once. */
Test(read_text, a_label_recurs_whatever_its_ascii_case_but_capitals_apart)
{
    qc_document *doc = read_txt("Sarah: We had a huddle every morning.\nTom: We did not.\nsarah: Yes we did.\n"
                                "Tom: Only on Mondays.\nSarah: Every day.\n");
    cr_assert_eq(qc_document_turn_count(doc), 5);
    assert_turn(doc, 1, "Tom", "We did not.");
    assert_turn(doc, 2, "sarah", "Yes we did.");
    qc_document_free(doc);
    doc = read_txt("NURSE: Focus group two\n\nNurse: It was busy.\nP1: Very.\nNurse: And cold.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 0, "Nurse", "It was busy.");
    qc_document_free(doc);
}

Test(read_text, unconventional_labels_need_two_lines)
{
    qc_document *doc = read_txt("Meeting title: Data Science Fundamentals - Session 1: Python Basics\n"
                                "Hosted by: Dr. Jane Smith \n\nStudent 1: Hello.\nTeacher: Hi.\nStudent 1: Bye.\n"
                                "Teacher: Bye.\nNote: this line is text.\n");
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "Student 1", "Hello.");
    assert_turn(doc, 3, "Teacher", "Bye.\nNote: this line is text.");
    qc_document_free(doc);
}

Test(read_text, metadata_block_is_not_dialogue)
{
    qc_document *doc = read_txt("INTERVIEWEE: Tatsuo Arai\nINTERVIEWER: Peter Asaro\nDATE: 4 November 2013\n"
                                "PLACE: Tokyo\n\nQ: Hello?\nTatsuo Arai: Hi.\nQ: Bye?\nTatsuo Arai: Bye.\n");
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "Q", "Hello?");
    qc_document_free(doc);
}

/* A dialogue written one line a turn, with one-off labels in it, is no metadata block: the
 * conventional labels keep their turns (I: and Interviewer: were demoted, their words lost or
 * given to the speaker above). A one-off label that is not conventional stays text, between two
 * speakers' lines too: `The problem:` and `Note:` are no people. */
Test(read_text, one_line_a_turn_dialogue_keeps_its_speakers)
{
    qc_document *doc = read_txt("I: How did the new rota work for you?\n"
                                "Nurse: It was fine at first, but then the manager changed things.\n"
                                "Manager: That is not what happened.\nNurse: Yes it is.\nDaughter: I remember it.\n"
                                "Interviewer: Thank you all.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "I", "How did the new rota work for you?");
    cr_assert_eq(turn_at(doc, 0).role, QC_ROLE_INTERVIEWER);
    assert_turn(doc, 1, "Nurse",
                "It was fine at first, but then the manager changed things.\nManager: That is not what happened.");
    assert_turn(doc, 2, "Nurse", "Yes it is.\nDaughter: I remember it.");
    assert_turn(doc, 3, "Interviewer", "Thank you all.");
    qc_document_free(doc);
    doc = read_txt("P1: We tried everything.\nThe problem: nobody came.\nP2: Right.\nP1: And then?\n"
                   "Note: the recorder stopped here.\nP2: Yes.\n");
    cr_assert_eq(qc_document_speaker_count(doc), 2, "The problem and Note are no speakers");
    assert_turn(doc, 0, "P1", "We tried everything.\nThe problem: nobody came.");
    qc_document_free(doc);
}

/* A metadata block is short, stands before the dialogue, and says each key once; its conventional
 * keys (INTERVIEWER) are metadata too. The same lines as the whole document, or after the
 * dialogue has begun, are dialogue. */
Test(read_text, metadata_block_only_before_the_dialogue)
{
    qc_document *doc = read_txt("Title line\nINTERVIEWER: Peter Asaro\nDATE: 4 November 2013\nPLACE: Tokyo\n\n"
                                "Q: Hello?\nTatsuo Arai: Hi.\nQ: Bye?\nTatsuo Arai: Bye.\n");
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    assert_turn(doc, 0, "Q", "Hello?");
    qc_document_free(doc);
    doc = read_txt("I: Where were you?\nDATE: Monday, I think.\nPLACE: The ward.\n");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    assert_turn(doc, 0, "I", "Where were you?\nDATE: Monday, I think.\nPLACE: The ward.");
    qc_document_free(doc);
    doc = read_txt("Q: Hello?\nA: Hi.\n\nInterviewer: Who came?\nDATE: 4 May\nPLACE: Leeds\n\nA: Later.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 2, "Interviewer", "Who came?\nDATE: 4 May\nPLACE: Leeds");
    qc_document_free(doc);
}

Test(read_text, urls_and_times_are_not_labels)
{
    qc_document *doc =
        read_txt("R: See\nhttps: //x\nhttp://example.org: twice\nhttp://example.org: again\n10:30 we met\n");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    assert_turn(doc, 0, "R", "See\nhttps: //x\nhttp://example.org: twice\nhttp://example.org: again\n10:30 we met");
    qc_document_free(doc);
}

/* An interviewer label is trusted by the comparison that gives its role (Unicode case folding):
 * `SØREN`, said once, is the interviewer `søren` too, not ordinary text in no one's turn. */
Test(read_text, a_non_ascii_interviewer_label_is_trusted_in_any_case)
{
    const char *labels[] = {"s\xC3\xB8ren"};
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.interviewer_labels = labels;
    opts.interviewer_label_count = 1;
    qc_document *doc = read_opts("t.txt",
                                 "S\xC3\x98REN: Hvordan g\xC3\xA5r det?\nMette: Godt.\nS\xC3\xB8ren: Og s\xC3\xA5?\n"
                                 "Mette: Fint.\n",
                                 &opts);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "S\xC3\x98REN", "Hvordan g\xC3\xA5r det?");
    cr_assert_eq(turn_at(doc, 0).role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(turn_at(doc, 2).role, QC_ROLE_INTERVIEWER);
    qc_document_free(doc);
}

Test(read_text, interviewer_labels_are_configurable)
{
    const char *labels[] = {"Researcher", "RES"};
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.interviewer_labels = labels;
    opts.interviewer_label_count = 2;
    qc_document *doc = read_opts("t.txt", "res: Hi.\nI: Hello.\nres: Bye.\nI: Bye.\n", &opts);
    cr_assert_eq(turn_at(doc, 0).role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(turn_at(doc, 1).role, QC_ROLE_PARTICIPANT); /* the list replaces the default */
    qc_document_free(doc);
}

Test(read_text, user_pattern_replaces_the_presets)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "<(?<speaker>[A-Z]+)@(?<time>[0-9:]+)>\\s*";
    qc_document *doc = read_opts("t.txt", "<ANN@00:05> Hello.\nI: not a label now\n<BOB@01:00> Hi.\n", &opts);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "ANN", "Hello.\nI: not a label now");
    cr_assert_eq(turn_at(doc, 0).time_start_ms, 5000);
    assert_turn(doc, 1, "BOB", "Hi.");
    qc_document_free(doc);
}

Test(read_text, bad_user_pattern_is_an_error)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "(?<speaker>[A-Z";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", "A: b\n", 5, &opts, &err), QC_ERR_INVALID);
    cr_assert(qct_contains(err.message, "speaker pattern"), "%s", err.message);
    opts.speaker_pattern = "(?<who>[A-Z]+):";
    cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", "A: b\n", 5, &opts, &err), QC_ERR_INVALID);
    cr_assert(qct_contains(err.message, "(?<speaker>"), "%s", err.message);
}

Test(read_text, no_speakers_preset)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speakers = QC_SPEAKERS_NONE;
    qc_document *doc = read_opts("t.txt", "I: Hello.\nR: Hi.\n", &opts);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    assert_turn(doc, 0, NULL, "I: Hello.\nR: Hi.");
    qc_document_free(doc);
}

Test(read_text, label_alone_then_text_is_fine_but_label_then_label_is_skipped)
{
    qc_document *doc = read_txt("Q:\nWhat happened?\nA:\n\nNothing.\n");
    assert_turn(doc, 0, "Q", "What happened?");
    assert_turn(doc, 1, "A", "Nothing.");
    cr_assert_eq(qc_document_note_count(doc), 0);
    qc_document_free(doc);
    doc = read_txt("Q:\n\nA: x\n");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    assert_turn(doc, 0, "A", "x");
    assert_one_note(doc, 1, "speaker label 'Q' with no text; turn skipped");
    qc_document_free(doc);
}

/* Overlap passages: another speaker's words inside a turn, `//LABEL: text //` (noScribe). */

/* Asserts turn i's speaker, text, line and time, and that its source offset (into `file`) and its
 * text offset both point at its text: the markers and label are outside it. */
static void assert_piece(const qc_document *doc, const char *file, size_t i, const char *speaker, const char *text,
                         uint32_t line, int64_t time_ms)
{
    assert_turn(doc, i, speaker, text);
    qc_turn t = turn_at(doc, i);
    cr_assert_eq(t.line, line, "turn %zu on line %u", i, t.line);
    cr_assert_eq(t.time_start_ms, time_ms, "turn %zu at %lld ms", i, (long long)t.time_start_ms);
    size_t src = qc_document_source_offset(doc, t.start);
    cr_assert(src + strlen(text) <= strlen(file) && memcmp(file + src, text, strlen(text)) == 0,
              "turn %zu source %zu is '%.20s'", i, src, file + src);
}

Test(read_text, overlap_passage_is_a_turn_of_its_speaker)
{
    /* The é makes code points and bytes differ before the passage. */
    const char *file = "S01: [00:00:12] Our café opened. //S02: Lovely. // It was a long road.\n"
                       "S02: [00:00:20] Yes.\n";
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_piece(doc, file, 0, "S01", "Our café opened.", 1, 12000);
    assert_piece(doc, file, 1, "S02", "Lovely.", 1, -1);
    assert_piece(doc, file, 2, "S01", "It was a long road.", 1, -1);
    assert_piece(doc, file, 3, "S02", "Yes.", 2, 20000);
    /* The document text keeps the markup, as it keeps labels; turns and units skip it. */
    cr_assert_str_eq(qc_document_text(doc, NULL), file);
    cr_assert_eq(turn_at(doc, 1).start, strlen("S01: [00:00:12] Our café opened. //S02: ") - 1);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_SENTENCE), 4);
    qc_unit w;
    for (size_t i = 0; i < qc_document_unit_count(doc, QC_UNIT_WORD); i++) {
        qc_document_unit(doc, QC_UNIT_WORD, i, &w);
        const char *at = qc_document_text(doc, NULL) + qc_document_text_offset(doc, w.start);
        cr_assert(strncmp(at, "S02", 3) != 0 && strncmp(at, "S01", 3) != 0, "word %zu is a label", i);
    }
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    qc_document_free(doc);
}

Test(read_text, overlap_passage_in_a_windows_1252_file)
{
    /* Decoded lines map each non-ASCII character to its one byte: the passage's source offset is
     * its byte in the file, its offset a code point in the UTF-8 text. */
    const char *file = "S01: Caf\xE9 au lait. //S02: Tr\xE8s bien. // Merci.\nS02: Oui.\n";
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.encoding = QC_ENCODING_WINDOWS1252;
    qc_document *doc = read_opts("t.txt", file, &opts);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 1, "S02", "Tr\xC3\xA8s bien.");
    assert_turn(doc, 2, "S01", "Merci.");
    qc_turn t = turn_at(doc, 1);
    cr_assert_eq(t.start, strlen("S01: Caf\xE9 au lait. //S02: "));
    cr_assert_eq(qc_document_source_offset(doc, t.start), strlen("S01: Caf\xE9 au lait. //S02: "));
    cr_assert_eq(qc_document_source_offset(doc, t.end), strlen("S01: Caf\xE9 au lait. //S02: Tr\xE8s bien."));
    qc_document_free(doc);
}

Test(read_text, overlap_passages_in_a_row_and_at_the_line_end)
{
    /* noScribe writes two overlaps in a row with one "//" between them, and closes the last with no
     * space before it; a passage at the end of the line leaves no empty piece of the host. */
    const char *file = "I: So it was hard? //R: Yes. //P3: Not for me.//\n"
                       "R: Right. //I: Mhm. //\nIt got better.\nP3: Agreed.\n";
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 7);
    assert_piece(doc, file, 0, "I", "So it was hard?", 1, -1);
    assert_piece(doc, file, 1, "R", "Yes.", 1, -1);
    assert_piece(doc, file, 2, "P3", "Not for me.", 1, -1);
    assert_piece(doc, file, 3, "R", "Right.", 2, -1);
    assert_piece(doc, file, 4, "I", "Mhm.", 2, -1);
    /* The host goes on on the next line, and says so (it said line 2, the passage's). */
    assert_piece(doc, file, 5, "R", "It got better.", 3, -1);
    assert_piece(doc, file, 6, "P3", "Agreed.", 4, -1);
    cr_assert_eq(turn_at(doc, 4).role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(turn_at(doc, 5).role, QC_ROLE_PARTICIPANT);
    qc_document_free(doc);
}

/* The host's piece after a passage that ends its line starts on the next line with text, past
 * blank lines; after a passage with text after it on its line, on that line. */
Test(read_text, host_after_a_passage_at_the_line_end_starts_on_its_own_line)
{
    const char *file = "S01: [00:00:35] It ends with a passage //S02: ok.//\n\nand goes on here.\n"
                       "S02: [00:00:40] Next. //S01: Yes.// Then more.\n";
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 6);
    assert_piece(doc, file, 1, "S02", "ok.", 1, -1);
    assert_piece(doc, file, 2, "S01", "and goes on here.", 3, -1);
    assert_piece(doc, file, 5, "S02", "Then more.", 4, -1);
    qc_document_free(doc);
}

Test(read_text, what_is_not_an_overlap_passage_stays_text)
{
    const char *text = "See http://example.org/a//b and https://x.org: here.\n"
                       "Code: x = 1; // I: not a label after a space //\n"
                       "A lone // and //I:no space //, //I - dash //, **bold** //**I:** x //.\n"
                       "Unclosed //I: no closing marker on this line.\n"
                       "Empty //I:   // passage, glued a//I: b // one.\n"
                       "Unknown //Hosted by: someone // label.";
    char file[512];
    cr_assert_lt((size_t)snprintf(file, sizeof file, "R: %s\nI: Thanks.\n", text), sizeof file);
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "R", text);
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    qc_document_free(doc);
}

Test(read_text, overlap_label_must_be_a_speaker_of_the_document)
{
    /* "Nurse 2" is not conventional but starts two lines, so it may interject; "Nurse 3" may not. */
    const char *file = "Nurse 2: I started in May.\nTeacher: Welcome. //Nurse 2: Thanks. // Go on. //Nurse 3: Hi. //\n"
                       "Nurse 2: Thank you.\nTeacher: Bye.\n";
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 6);
    assert_turn(doc, 1, "Teacher", "Welcome.");
    assert_turn(doc, 2, "Nurse 2", "Thanks.");
    assert_turn(doc, 3, "Teacher", "Go on. //Nurse 3: Hi. //");
    qc_document_free(doc);
}

Test(read_text, overlap_right_after_a_label)
{
    /* The host said nothing before the passage: no empty piece, and its time goes to what it says
     * after. A label alone on its line, then a passage, is the same. */
    const char *file = "S01: [00:01:00] //S02: Hello. // Welcome back.\nQ:\n//A: Yes. // Go on.\nA: Ok.\n";
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 5);
    assert_piece(doc, file, 0, "S02", "Hello.", 1, -1);
    assert_piece(doc, file, 1, "S01", "Welcome back.", 1, 60000);
    assert_piece(doc, file, 2, "A", "Yes.", 3, -1);
    assert_piece(doc, file, 3, "Q", "Go on.", 3, -1);
    qc_document_free(doc);
}

Test(read_text, label_with_only_an_overlap_passage_is_a_label_with_no_text)
{
    qc_document *doc = read_txt("Q: Hello?\nA: //Q: Sorry. //\nQ: Go on.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 0, "Q", "Hello?");
    assert_turn(doc, 1, "Q", "Sorry.");
    assert_turn(doc, 2, "Q", "Go on.");
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    assert_one_note(doc, 2, "speaker label 'A' with no text; turn skipped");
    qc_document_free(doc);
}

Test(read_text, overlap_passages_only_inside_labelled_turns)
{
    /* Unlabelled text (a narrative, a preamble) has no host speaker to cut. */
    qc_document *doc = read_txt("title: Diary\n\nI went out. //I: Mhm. // It rained.\n");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    assert_turn(doc, 0, NULL, "I went out. //I: Mhm. // It rained.");
    qc_document_free(doc);
    doc = read_txt("Recorded //Q: at home // today.\n\nQ: Hi.\nA: Hello.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Q", "Hi.");
    qc_document_free(doc);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speakers = QC_SPEAKERS_NONE;
    doc = read_opts("t.txt", "I: Hello. //R: Hi. // Sit down.\n", &opts);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    assert_turn(doc, 0, NULL, "I: Hello. //R: Hi. // Sit down.");
    qc_document_free(doc);
}

Test(read_text, overlap_labels_follow_the_user_pattern)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "(?<speaker>SP[0-9]+):\\s*";
    qc_document *doc = read_opts("t.txt", "SP1: Well. //SP2: Yes. // So. //I: Not a label now. //\nSP2: Ok.\n", &opts);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 1, "SP2", "Yes.");
    assert_turn(doc, 2, "SP1", "So. //I: Not a label now. //");
    qc_document_free(doc);
}

static qc_casebook *casebook(const char *tsv)
{
    qc_casebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_casebook_load_buffer(&cb, "cases.tsv", tsv, strlen(tsv), &err), 0, "%s", err.message);
    return cb;
}

/* A person the casebook names speaks even once: a focus group whose people speak once each, or a
 * REFI-QDA project's sources whose cases name them. Rows of another document do not count; a row
 * with no document counts everywhere; the casebook's comparison ignores ASCII case. */
Test(read_text, people_the_casebook_names_are_speakers_even_once)
{
    const char *text = "Nurse: It was fine at first.\nManager: That is not what happened.\nNurse: Yes it is.\n"
                       "The problem: nobody came.\n";
    qc_document *doc = read_opts("fg.txt", text, NULL);
    cr_assert_eq(qc_document_speaker_count(doc), 1, "without a casebook, Manager is said once: text");
    qc_document_free(doc);

    qc_casebook *in_doc = casebook("document\tspeaker\trole\nfg.txt\tmanager\tlead\n");
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.casebook = in_doc;
    doc = read_opts("fg.txt", text, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    assert_turn(doc, 0, "Nurse", "It was fine at first.");
    assert_turn(doc, 1, "Manager", "That is not what happened.");
    assert_turn(doc, 2, "Nurse", "Yes it is.\nThe problem: nobody came.");
    qc_document_free(doc);
    opts.id = "other.txt"; /* the row is about fg.txt: not this document's person */
    doc = read_opts("fg.txt", text, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    qc_document_free(doc);
    qc_casebook_free(in_doc);

    qc_casebook *everywhere = casebook("speaker\tsite\nMANAGER\tNorth\n");
    opts.casebook = everywhere;
    doc = read_opts("fg.txt", text, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 2, "a row without a document names the person everywhere");
    qc_document_free(doc);
    /* Options of version 1 end before `casebook`: it is not read. */
    opts.version = 1;
    doc = read_opts("fg.txt", text, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    qc_document_free(doc);
    qc_casebook_free(everywhere);
}

/* The readers share one test of a label (qc_speaker_label_known), so a subtitle cue's text trusts
 * the casebook's people too. */
Test(read_text, people_the_casebook_names_speak_in_subtitle_cues)
{
    const char *vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nP1: We waited for weeks.\n\n"
                      "00:00:04.000 --> 00:00:06.000\nMary Major: The list was long.\n";
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    qc_document *doc = read_opts("a.vtt", vtt, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    qc_document_free(doc);
    qc_casebook *cb = casebook("speaker\nMary Major\n");
    opts.casebook = cb;
    doc = read_opts("a.vtt", vtt, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    assert_turn(doc, 1, "Mary Major", "The list was long.");
    qc_document_free(doc);
    qc_casebook_free(cb);
}

/* A header's key is said once: `nurse: Mary Jones` above `Nurse:` turns names the nurse, as it did
 * before labels were counted without ASCII case; counting the key with the turns made the header a
 * turn of a speaker `nurse` and lost every attribute. The same for front matter. */
Test(read_text, a_header_key_that_names_a_speaker_of_the_body_is_a_header)
{
    qc_document *doc = read_txt("title: Ward 4 handover\ndate: 2016-03-22\nnurse: Mary Jones\n\n"
                                "Interviewer: What happens at handover?\n\nNurse: We go bed by bed.\n\n"
                                "Interviewer: Who else?\n\nNurse: The night staff.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 3);
    cr_assert_str_eq(qc_document_attribute_get(doc, "nurse"), "Mary Jones");
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 1, "Nurse", "We go bed by bed.");
    qc_document_free(doc);
    doc = read_opts("fm.md",
                    "---\ntitle: Year 9 lesson\nteacher: Ms Lee\n---\n\nTeacher: Books out, please.\n\n"
                    "Pupil 3: Calculators?\n\nTeacher: Not today.\n",
                    NULL);
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_str_eq(qc_document_attribute_get(doc, "teacher"), "Ms Lee");
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    assert_turn(doc, 1, "Teacher", "Not today.");
    qc_document_free(doc);
}

/* A casebook row for Tatsuo Arai names the person whose turns are `Tatsuo Arai:`; the title line
 * `TATSUO ARAI: An Interview Conducted by ...` above them stays no turn (capitals are another
 * label), and the metadata block below it stays outside every turn. Where the document writes the
 * label in capitals only, the casebook's row still names it. */
Test(read_text, a_casebook_person_in_capitals_is_a_title_where_the_turns_are_not)
{
    const char *text = "TATSUO ARAI: An Interview Conducted by Peter Asaro, 4 November 2013.\n\n"
                       "INTERVIEWEE: Tatsuo Arai\nINTERVIEWER: Peter Asaro\nDATE: 4 November 2013\n"
                       "PLACE: Tokyo, Japan\n\nQ: Tell us your name.\n\nTatsuo Arai: I am Tatsuo Arai.\n\n"
                       "Q: And your work?\n\nTatsuo Arai: Robots.\n";
    qc_casebook *cb = casebook("speaker\tgender\nTatsuo Arai\tm\n");
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.casebook = cb;
    qc_document *doc = read_opts("arai.md", text, &opts);
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "Q", "Tell us your name.");
    assert_turn(doc, 1, "Tatsuo Arai", "I am Tatsuo Arai.");
    qc_document_free(doc);
    doc = read_opts("caps.txt", "INTERVIEWER: Who came?\n\nTATSUO ARAI: I did.\n", &opts);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 1, "TATSUO ARAI", "I did.");
    qc_document_free(doc);
    qc_casebook_free(cb);
}

/* `i:` / `r:` lines at the top are dialogue even when the block holds a line whose key is no
 * label (`note: phone rang`): no header names its interview with a one-letter key, and taking the
 * block for one lost the first question and answer from the coding. */
Test(read_text, one_letter_labels_at_the_top_are_dialogue_among_other_keys)
{
    qc_document *doc = read_txt("i: so how long have you worked here?\nr: about ten years.\n"
                                "note: phone rang, interview paused\n\ni: and before that?\nr: on the wards.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "i", "so how long have you worked here?");
    qc_document_free(doc);
    /* Between `---` rules too: one-letter labels are no front matter. */
    doc = read_txt("---\ni: how did it start?\nr: slowly, with one nurse.\n---\ni: and then?\nr: more came.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 1, "r", "slowly, with one nurse.\n---");
    qc_document_free(doc);
}

/* Front matter is explicit: a key of it that recurs at the start of a body line (`note:`) is still
 * its key. Read as dialogue, the block became turns of a speaker `note`, its `---` rule text, and
 * `title` was lost. A header's lines are no speaker's lines, so the body's `note: phone rang` is
 * a label seen once, text of the turn above it. */
Test(read_text, front_matter_keeps_a_key_that_recurs_in_the_body)
{
    qc_document *doc = read_txt("---\ntitle: Ward interview\nnote: recorded on the ward\n---\n\n"
                                "Interviewer: How long have you been here?\nnote: phone rang\n"
                                "Interviewer: And before?\n");
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_str_eq(qc_document_attribute_get(doc, "title"), "Ward interview");
    cr_assert_str_eq(qc_document_attribute_get(doc, "note"), "recorded on the ward");
    cr_assert_eq(qc_document_speaker_count(doc), 1);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Interviewer", "How long have you been here?\nnote: phone rang");
    qc_document_free(doc);
    /* In a header of `key: value` lines too, the header's line counts for no speaker: `Note:` once
     * in the body is text (the header's key recurs only without case, so the block is a header). */
    doc = read_txt("title: Ward interview\nnote: recorded on the ward\n\n"
                   "Interviewer: How long have you been here?\nNote: phone rang\nInterviewer: And before?\n");
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Interviewer", "How long have you been here?\nNote: phone rang");
    qc_document_free(doc);
}

/* A conventional key whose value asks a question (`interviewer: How long?`) is the interviewer
 * speaking: a header names its interview, it asks nothing. Read as a header, the opening exchange
 * was two attributes and outside the coding. (`nurse:`, seen once, is the nurse answering: the
 * block is dialogue; test the_opening_dialogue_of_a_question_keeps_its_one_off_speakers.) A
 * question elsewhere in a header, a title's, or a `?` that stands for a value not known, leaves the
 * header as it is. */
Test(read_text, a_block_whose_speaker_asks_a_question_is_dialogue)
{
    qc_document *doc = read_txt(
        "interviewer: How long?\nnurse: Ten years.\n\nWe talked more about the ward after that and the team.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "interviewer", "How long?");
    cr_assert_eq(turn_at(doc, 0).role, QC_ROLE_INTERVIEWER);
    assert_turn(doc, 1, "nurse", "Ten years.\n\nWe talked more about the ward after that and the team.");
    qc_document_free(doc);
    doc = read_txt("title: What matters to patients?\ninterviewer: Jane Smith\nparticipant: ?\nsite: North\n\n"
                   "Interviewer: Hello?\nP07: Hi.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 4);
    cr_assert_str_eq(qc_document_attribute_get(doc, "title"), "What matters to patients?");
    cr_assert_str_eq(qc_document_attribute_get(doc, "participant"), "?");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    assert_turn(doc, 0, "Interviewer", "Hello?");
    qc_document_free(doc);
}

/* Speakers and turn counts of a document, with each speaker's name. */
static void assert_speakers(const qc_document *doc, size_t turns, size_t count, const char *const *names)
{
    cr_assert_eq(qc_document_turn_count(doc), turns);
    cr_assert_eq(qc_document_speaker_count(doc), count);
    for (size_t i = 0; i < count; i++)
        cr_assert_str_eq(qc_document_speaker(doc, i, NULL), names[i], "speaker %zu", i);
}

/* The opening block a question made dialogue is a dialogue's lines: its one-off `nurse:` is the
 * nurse answering, not text of the interviewer's turn. From its first conventional label on:
 * a `title:` before it stays the preamble's. A one-off label further down is text, as anywhere,
 * and so is a word among one-letter labels (`i:` / `r:` blocks: `note: phone rang`). */
Test(read_text, the_opening_dialogue_of_a_question_keeps_its_one_off_speakers)
{
    qc_document *doc = read_txt("interviewer: How long?\nnurse: Ten years.\n");
    assert_speakers(doc, 2, 2, (const char *const[]){"interviewer", "nurse"});
    assert_turn(doc, 0, "interviewer", "How long?");
    assert_turn(doc, 1, "nurse", "Ten years.");
    cr_assert_eq(turn_at(doc, 1).role, QC_ROLE_PARTICIPANT);
    qc_document_free(doc);

    /* Further down, a one-off `manager:` is text of the turn above, as before. */
    doc = read_txt("interviewer: How long?\nnurse: Ten years.\ncarer: Eleven for me.\n\n"
                   "interviewer: And the ward?\nmanager: It is busy.\ninterviewer: Thank you.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    assert_speakers(doc, 5, 3, (const char *const[]){"interviewer", "nurse", "carer"});
    assert_turn(doc, 1, "nurse", "Ten years.");
    assert_turn(doc, 2, "carer", "Eleven for me.");
    assert_turn(doc, 3, "interviewer", "And the ward?\nmanager: It is busy.");
    assert_turn(doc, 4, "interviewer", "Thank you.");
    qc_document_free(doc);

    /* A key before the first conventional label is no speaker: the preamble, outside every turn. */
    doc = read_txt("title: Ward 4\ninterviewer: How long?\nnurse: Ten years.\n");
    assert_speakers(doc, 2, 2, (const char *const[]){"interviewer", "nurse"});
    assert_turn(doc, 0, "interviewer", "How long?");
    assert_turn(doc, 1, "nurse", "Ten years.");
    qc_document_free(doc);

    /* A block of one-letter labels keeps a word among them as text, its question or not. */
    doc = read_txt("i: how long?\nnurse: ten years.\n");
    assert_speakers(doc, 1, 1, (const char *const[]){"i"});
    assert_turn(doc, 0, "i", "how long?\nnurse: ten years.");
    qc_document_free(doc);
    doc = read_txt("interviewer: How long?\nr: Ten years.\nnote: phone rang\n");
    assert_speakers(doc, 2, 2, (const char *const[]){"interviewer", "r"});
    assert_turn(doc, 1, "r", "Ten years.\nnote: phone rang");
    qc_document_free(doc);
}

/* Front matter written with capitals (`Title:`, `Location:`) stays front matter when a key that
 * says where, when or what the interview was also starts a line of the body: until 2026-12-07 the
 * recurring label made the block dialogue, its attributes were lost and `Location: New York ---`
 * was a turn of a speaker `Location`. A capitalised key for no interview that recurs (`Mother:`) is
 * still read as dialogue, as before. */
Test(read_text, front_matter_keeps_a_capitalised_key_for_the_interview_that_recurs_in_the_body)
{
    qc_document *doc =
        read_opts("fm.md", "---\nTitle: Ward Four\nLocation: New York\n---\n\nQ: Where?\n\nLocation: Queens.\n", NULL);
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_str_eq(qc_document_attribute_get(doc, "location"), "New York");
    assert_speakers(doc, 1, 1, (const char *const[]){"Q"});
    assert_turn(doc, 0, "Q", "Where?\n\nLocation: Queens.");
    qc_document_free(doc);
    /* A body that writes the key twice has it as a speaker, the front matter kept. */
    doc = read_opts("fm.md", "---\nSite: North Leeds\n---\n\nSite: We opened.\n\nP1: Yes.\n\nSite: In May.\n", NULL);
    cr_assert_str_eq(qc_document_attribute_get(doc, "site"), "North Leeds");
    assert_speakers(doc, 3, 2, (const char *const[]){"Site", "P1"});
    qc_document_free(doc);
    doc = read_opts("fm.md", "---\nMother: We came in 2015.\n---\n\nMother: It was hard.\n", NULL);
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    assert_speakers(doc, 2, 1, (const char *const[]){"Mother"});
    qc_document_free(doc);
}

/* A header line that names a person (`nurse: Mary Jones`) lends its key to the body: one
 * `Nurse:` line is the nurse's turn. Since header lines counted for no label (2026-12-06) it was
 * text of the interviewer's turn, and the interviewer was credited with it. */
Test(read_text, a_header_line_that_names_a_person_makes_its_one_off_body_label_a_speaker)
{
    qc_document *doc = read_txt("nurse: Mary Jones\nsite: North\n\nInterviewer: How long have you worked here?\n"
                                "Nurse: Ten years.\nInterviewer: Thank you.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_str_eq(qc_document_attribute_get(doc, "nurse"), "Mary Jones");
    assert_speakers(doc, 3, 2, (const char *const[]){"Interviewer", "Nurse"});
    assert_turn(doc, 0, "Interviewer", "How long have you worked here?");
    assert_turn(doc, 1, "Nurse", "Ten years.");
    assert_turn(doc, 2, "Interviewer", "Thank you.");
    cr_assert_eq(turn_at(doc, 1).role, QC_ROLE_PARTICIPANT);
    qc_document_free(doc);

    /* A name after a title, whatever the key and the script; one word under a key for a person, or
     * an id (letters then digits); two words or more under any key (`pflegerin`); front matter too. */
    static const char *const named[][2] = {
        {"teacher: Ms Lee\n", "Teacher"},
        {"expert: Dr. \xC3\x96gren\n", "Expert"},
        {"chair: Prof Anna M. O'Brien-Smith\n", "Chair"},
        {"nurse: Mary\n", "Nurse"},
        {"nurse: N15\n", "Nurse"},
        {"carer: P07\n", "Carer"},
        {"pflegerin: Maria Schmidt\n", "Pflegerin"},
        {"nurse: \xCE\x9C\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1\n", "Nurse"},
    };
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        char text[256];
        snprintf(text, sizeof text, "title: Ward 4\n%s\nInterviewer: How long?\n%s: Ten years.\nInterviewer: Thanks.\n",
                 named[k][0], named[k][1]);
        doc = read_txt(text);
        cr_assert_eq(qc_document_attribute_count(doc), 2, "%s", text);
        cr_assert_eq(qc_document_turn_count(doc), 3, "%s", text);
        assert_turn(doc, 1, named[k][1], "Ten years.");
        qc_document_free(doc);
    }
    doc = read_opts("fm.md",
                    "---\ntitle: Year 9 lesson\nteacher: Ms Lee\n---\n\nPupil 3: Calculators?\n\n"
                    "Teacher: Not today.\n\nPupil 3: Why?\n",
                    NULL);
    assert_speakers(doc, 3, 2, (const char *const[]){"Pupil 3", "Teacher"});
    assert_turn(doc, 1, "Teacher", "Not today.");
    qc_document_free(doc);

    /* The header's line lends the label no second line: a metadata block that says the same at the
     * top of the body is still one, outside every turn. */
    doc = read_txt("nurse: Mary Jones\nsite: North\n\nNurse: Mary Jones\nDate: 4 May\nPlace: Leeds\n\n"
                   "Interviewer: How long?\nP1: Ten years.\n");
    assert_speakers(doc, 2, 2, (const char *const[]){"Interviewer", "P1"});
    assert_turn(doc, 0, "Interviewer", "How long?");
    qc_document_free(doc);

    /* A value that names no person leaves the body's one-off label text: a place or a code in one
     * word (`North`, `RS1`) under a key for no person, prose, data, a lower-case or numbered word. */
    static const char *const unnamed[][2] = {
        {"site: North\n", "Site"},
        {"site: RS1\n", "Site"},
        {"note: recorded on the ward\n", "Note"},
        {"date: 2016-03-22\n", "Date"},
        {"nurse: on leave\n", "Nurse"},
        {"nurse: Mary Jones, RN\n", "Nurse"},
        {"ward: Ward 4B\n", "Ward"},
        {"nurse: Mary Anne Jane Jones Smith\n", "Nurse"},
    };
    for (size_t k = 0; k < sizeof unnamed / sizeof unnamed[0]; k++) {
        char text[256];
        snprintf(text, sizeof text, "title: Ward 4\n%s\nInterviewer: How long?\n%s: Ten years.\nInterviewer: Thanks.\n",
                 unnamed[k][0], unnamed[k][1]);
        doc = read_txt(text);
        cr_assert_eq(qc_document_attribute_count(doc), 2, "%s", text);
        cr_assert_eq(qc_document_turn_count(doc), 2, "%s", text);
        char expect[64];
        snprintf(expect, sizeof expect, "How long?\n%s: Ten years.", unnamed[k][1]);
        assert_turn(doc, 0, "Interviewer", expect);
        qc_document_free(doc);
    }
}

/* The words for a person that let a one-word name or an id in a header name one (`nurse: Mary`)
 * are English, German, French and Spanish, compared as names are (an accent typed as a combining
 * mark, `ß` as `ss`): noScribe and Whisper transcripts come in all of them. Until 2026-12-07 they
 * were English only, and `pflegerin: Maria` above one `Pflegerin:` line left her words to the
 * interviewer's turn. A word for no person (`station: Nord`) still names no one. */
Test(read_text, a_header_key_for_a_person_names_one_in_german_french_and_spanish)
{
    static const char *const named[][2] = {
        {"pflegerin: Maria\n", "Pflegerin"},
        {"\xC3\xA4rztin: N15\n", "\xC3\x84rztin"},         /* ärztin, Ärztin */
        {"a\xCC\x88rztin: Petra\n", "\xC3\x84rztin"},      /* a + U+0308: typed as a mark */
        {"angeh\xC3\xB6rige: P07\n", "Angeh\xC3\xB6rige"}, /* angehörige */
        {"befragte: Frieda\n", "Befragte"},
        {"infirmi\xC3\xA8re: Marie\n", "Infirmi\xC3\xA8re"},                 /* infirmière */
        {"m\xC3\xA9\x64\x65\x63in: N15\n", "M\xC3\xA9\x64\x65\x63in"},       /* médecin */
        {"enqu\xC3\xAAt\xC3\xA9\x65: Lucie\n", "Enqu\xC3\xAAt\xC3\xA9\x65"}, /* enquêtée */
        {"enfermera: Carmen\n", "Enfermera"},
        {"entrevistado: E12\n", "Entrevistado"},
        {"cuidadora: Luc\xC3\xAD\x61\n", "Cuidadora"},
    };
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        char text[256];
        snprintf(text, sizeof text,
                 "titel: Station 4\n%s\nInterviewer: Wie lange?\n%s: Zehn Jahre.\nInterviewer: Danke.\n", named[k][0],
                 named[k][1]);
        qc_document *doc = read_txt(text);
        cr_assert_eq(qc_document_attribute_count(doc), 2, "%s", text);
        cr_assert_eq(qc_document_turn_count(doc), 3, "%s", text);
        assert_turn(doc, 1, named[k][1], "Zehn Jahre.");
        qc_document_free(doc);
    }
    static const char *const unnamed[][2] = {{"station: Nord\n", "Station"}, {"ort: M\xC3\xBCnchen\n", "Ort"}};
    for (size_t k = 0; k < sizeof unnamed / sizeof unnamed[0]; k++) {
        char text[256];
        snprintf(text, sizeof text, "titel: Station 4\n%s\nInterviewer: Wie lange?\n%s: Zehn Jahre.\n", unnamed[k][0],
                 unnamed[k][1]);
        qc_document *doc = read_txt(text);
        cr_assert_eq(qc_document_turn_count(doc), 1, "%s", text);
        qc_document_free(doc);
    }
}

/* A header key that says where, when or what the interview was (`location: New York`) names no
 * person whatever its value looks like: one `Location:` line below it stays text of the turn above.
 * Until 2026-12-07 a value written as a name (two capitalised words) made the key a speaker, a
 * respondent `Location` in every count. A key for a person keeps its one-off speaker, and a
 * metadata word that starts lines as a speaker's is still one. */
Test(read_text, a_header_key_for_the_interview_names_no_speaker)
{
    static const char *const unnamed[][2] = {
        {"location: New York\n", "Location"},         {"place: Leeds General Infirmary\n", "Place"},
        {"title: Ward Four Review\n", "Title"},       {"site: North Leeds\n", "Site"},
        {"setting: Day Centre\n", "Setting"},         {"date: Tuesday Morning\n", "Date"},
        {"project: Integrated Care\n", "Project"},    {"ort: Berlin Mitte\n", "Ort"},
        {"lieu: Dr. Roux Cabinet\n", "Lieu"},         {"lugar: Ciudad Real\n", "Lugar"},
        {"dauer: Zwei Stunden\n", "Dauer"},           {"duraci\xC3\xB3n: Dos Horas\n", "Duraci\xC3\xB3n"},
        {"transcriber: Mary Jones\n", "Transcriber"},
    };
    for (size_t k = 0; k < sizeof unnamed / sizeof unnamed[0]; k++) {
        char text[256];
        snprintf(text, sizeof text, "%s\nInterviewer: How long?\n%s: Ten years.\nInterviewer: Thanks.\n", unnamed[k][0],
                 unnamed[k][1]);
        qc_document *doc = read_txt(text);
        cr_assert_eq(qc_document_attribute_count(doc), 1, "%s", text);
        cr_assert_eq(qc_document_speaker_count(doc), 1, "%s", text);
        char expect[64];
        snprintf(expect, sizeof expect, "How long?\n%s: Ten years.", unnamed[k][1]);
        assert_turn(doc, 0, "Interviewer", expect);
        qc_document_free(doc);
    }
    /* Front matter alike. */
    qc_document *doc = read_opts("fm.md", "---\nlocation: New York\n---\n\nQ: Where?\n\nLocation: Queens.\n", NULL);
    assert_speakers(doc, 1, 1, (const char *const[]){"Q"});
    qc_document_free(doc);
    /* A key for a person beside them keeps its one-off speaker; a `Site` that speaks twice is one. */
    doc = read_txt("location: New York\nhost: Mary Jones\n\nInterviewer: How long?\nHost: Ten years.\n"
                   "Location: Queens.\n");
    assert_speakers(doc, 2, 2, (const char *const[]){"Interviewer", "Host"});
    assert_turn(doc, 1, "Host", "Ten years.\nLocation: Queens.");
    qc_document_free(doc);
    doc = read_txt("site: North Leeds\n\nSite: We opened in May.\nP1: Yes.\nSite: And closed in June.\n");
    assert_speakers(doc, 3, 2, (const char *const[]){"Site", "P1"});
    qc_document_free(doc);
}

/* A label recurs whatever its case in any script, as in ASCII: `élodie:` once among `Élodie:` lines
 * is her turn. Counted as two labels seen once each, neither was trusted, and her words went to
 * the interviewer's turns or the preamble. Capitals stay apart in every script: `ÉLODIE:` and
 * `ΜΑΡΊΑ:` above the turns are headings, as `NURSE:` is. */
Test(read_text, a_label_recurs_whatever_its_case_in_any_script_but_capitals_apart)
{
    qc_document *doc = read_txt("\xC3\x89lodie: Bonjour \xC3\xA0 tous.\nInterviewer: Hello there.\n"
                                "\xC3\xA9lodie: We work together.\nInterviewer: Fine.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "\xC3\x89lodie", "Bonjour \xC3\xA0 tous.");
    assert_turn(doc, 1, "Interviewer", "Hello there.");
    assert_turn(doc, 2, "\xC3\xA9lodie", "We work together.");
    qc_document_free(doc);
    doc = read_txt("\xC3\x89LODIE: Entretien deux\n\n\xC3\x89lodie: Bonjour.\nP1: Salut.\n\xC3\x89lodie: Merci.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 0, "\xC3\x89lodie", "Bonjour.");
    qc_document_free(doc);
    /* ΜΑΡΊΑ: Συνέντευξη, then Μαρία's turns and a slip, μαρία. */
    doc = read_txt(
        "\xCE\x9C\xCE\x91\xCE\xA1\xCE\x8A\xCE\x91: \xCE\xA3\xCF\x85\xCE\xBD\xCE\xAD\xCE\xBD\n\n"
        "\xCE\x9C\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1: Yes.\nP1: No.\n\xCE\xBC\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1: Yes.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    assert_turn(doc, 0, "\xCE\x9C\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1", "Yes.");
    assert_turn(doc, 2, "\xCE\xBC\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1", "Yes.");
    qc_document_free(doc);
}

/* `É` typed as one character in one line and as E + U+0301 in another (copied from two sources)
 * is one label: each was a label seen once, neither a speaker, and Élodie's words went to the
 * interviewer. */
Test(read_text, a_label_recurs_whether_its_accents_are_composed_or_not)
{
    qc_document *doc = read_txt("E\xCC\x81lodie: Bonjour.\nInterviewer: Hello there.\n"
                                "\xC3\x89lodie: We work together.\nInterviewer: Fine.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 0, "E\xCC\x81lodie", "Bonjour.");
    assert_turn(doc, 2, "\xC3\x89lodie", "We work together.");
    qc_document_free(doc);
    /* Folded as words are: `ß` is `ss`, and a typographic apostrophe the typewriter's. */
    doc = read_txt("J\xC3\xBCrgen Wei\xC3\x9F: Ja.\nO\xE2\x80\x99"
                   "Brien: Yes.\nInterviewer: Hello.\n"
                   "j\xC3\xBCrgen weiss: Gut.\nO'Brien: Fine.\n");
    cr_assert_eq(qc_document_turn_count(doc), 5);
    assert_turn(doc, 3, "j\xC3\xBCrgen weiss", "Gut.");
    assert_turn(doc, 4, "O'Brien", "Fine.");
    qc_document_free(doc);
}

/* A user's speaker pattern that runs into PCRE2's limits on a line fails the document at that
 * line, as in a subtitle cue or a .docx paragraph: until 2026-12-07 the line was read as no label,
 * silently, so a turn could go to the speaker above it. */
Test(read_text, a_runaway_speaker_pattern_fails_at_its_line)
{
    size_t n = 30000;
    const char head[] = "Interviewer: Hello.\n", tail[] = "b\nNurse: Fine.\n";
    size_t len = strlen(head) + n + strlen(tail);
    char *src = malloc(len + 1);
    cr_assert_not_null(src);
    strcpy(src, head);
    memset(src + strlen(head), 'a', n);
    strcpy(src + strlen(head) + n, tail);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "^(?<speaker>(a+)+)$";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_neq(qc_document_read_buffer(&doc, "t.txt", src, len, &opts, &err), 0);
    cr_expect_null(doc);
    cr_expect_str_eq(err.file, "t.txt");
    cr_expect_eq(err.line, 2, "line %u: %s", err.line, err.message);
    cr_expect(qct_contains(err.message, "the speaker pattern failed on line 2"), "%s", err.message);
    free(src);
}

/* The label after an overlap passage's `//` is found with the same pattern: when it runs into
 * PCRE2's limits there, whether a passage opens is not known either, and the document fails at that
 * line, with the column of the text after the `//`, as at a line's start. Until 2026-12-07 the
 * failure was read as no label, silently, and the line was the host's text. */
Test(read_text, a_runaway_speaker_pattern_fails_at_an_overlap_passage)
{
    /* At a line's start the first branch matches at once; after the `//` only the runaway one is
     * tried, over the a's. */
    char src[512];
    char run[201]; /* within the bytes a passage's label is looked for in, with the b */
    memset(run, 'a', 200);
    run[200] = '\0';
    snprintf(src, sizeof src, "S00: Hello.\nS01: Our caf\xC3\xA9 opened. //%sb // It was long.\nS00: Fine.\n", run);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "(?<speaker>S\\d+): |(?:a+)+$";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_neq(qc_document_read_buffer(&doc, "t.txt", src, strlen(src), &opts, &err), 0);
    cr_expect_null(doc);
    cr_expect_str_eq(err.file, "t.txt");
    cr_expect_eq(err.line, 2, "line %u: %s", err.line, err.message);
    cr_expect_eq(err.column, 25, "column %u", err.column); /* the first a, after "//" (é one column) */
    cr_expect_str_eq(err.message, "the speaker pattern failed on line 2: limit exceeded");
    /* The same line without the runaway text reads as before. */
    snprintf(src, sizeof src, "S00: Hello.\nS01: Our caf\xC3\xA9 opened. //S00: Lovely. // It was long.\n");
    doc = read_opts("t.txt", src, &opts);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    assert_turn(doc, 2, "S00", "Lovely.");
    qc_document_free(doc);
}

/* German, French and Spanish transcripts name the interviewer in their own words: by default these
 * are the interviewer too (`Interviewerin:` asking the questions was a participant, her questions
 * counted as comments). A label given with --interviewer still replaces the whole list. */
Test(read_text, interviewer_labels_in_german_french_and_spanish_by_default)
{
    static const char *const labels[] = {"Interviewerin", "Moderatorin",    "Intervieweur", "Intervieweuse",
                                         "Enquêteur",     "ENQUÊTRICE",     "Animateur",    "Animatrice",
                                         "Entrevistador", "entrevistadora", "Moderadora"};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        char text[256];
        snprintf(text, sizeof text, "%s: Wie lange arbeiten Sie hier?\nB1: Seit neun Jahren.\n%s: Und?\nB1: Gut.\n",
                 labels[i], labels[i]);
        qc_document *doc = read_txt(text);
        cr_expect_eq(turn_at(doc, 0).role, QC_ROLE_INTERVIEWER, "%s", labels[i]);
        cr_expect_eq(turn_at(doc, 1).role, QC_ROLE_PARTICIPANT, "%s", labels[i]);
        qc_document_free(doc);
    }
    const char *only[] = {"Q"};
    qc_read_options o = QC_READ_OPTIONS_INIT;
    o.interviewer_labels = only;
    o.interviewer_label_count = 1;
    qc_document *doc = read_opts("t.txt", "Interviewerin: Und?\nB1: Gut.\nInterviewerin: Danke.\n", &o);
    cr_expect_eq(turn_at(doc, 0).role, QC_ROLE_PARTICIPANT);
    qc_document_free(doc);
}

/* The conventional labels are trusted even once in German, French, Spanish, Danish, Dutch and
 * Italian too, compared as names are (case aside in any script, an accent composed or typed as a
 * mark, and French capitals without their accents). Until 2026-12-07 they were English only: a
 * one-off `Befragte:` or `Entrevistado:` line was text of the turn above, and its words were
 * counted for the wrong speaker. */
Test(read_text, one_off_role_labels_in_six_more_languages_are_speakers)
{
    static const char *const labels[] = {
        /* German */
        "Befragte", "Befragter", "BEFRAGTE", "Interviewte", "Interviewpartnerin", "Teilnehmer", "Teilnehmerin 2",
        "Sprecher 1", "Sprecherin", "Probandin", "Patientin", "Klientin",
        /* French */
        "Enqu\xC3\xAAt\xC3\xA9\x65",   /* Enquêtée */
        "ENQU\xC3\x8AT\xC3\x89\x45",   /* ENQUÊTÉE */
        "Enque\xCC\x82te\xCC\x81\x65", /* Enquêtée, accents typed as marks */
        "Interview\xC3\xA9", "INTERVIEWE", "R\xC3\xA9pondante", "Participante", "Intervenant 3", "Locutrice",
        "Chercheuse",
        /* Spanish */
        "Entrevistado", "ENTREVISTADO", "entrevistada", "Encuestada", "Participante 4", "Hablante 2", "Investigadora",
        "Paciente",
        /* Danish */
        "Interviewperson", "Deltager", "Informant", "Forsker", "Taler 2",
        /* Dutch */
        "Ge\xC3\xAFnterviewde", /* Geïnterviewde */
        "GE\xC3\x8FNTERVIEWDE", /* GEÏNTERVIEWDE */
        "Geinterviewde", "Deelnemer", "Deelneemster", "Onderzoeker", "Spreker 1", "Pati\xC3\xABnt", "Cli\xC3\xABnt",
        /* Italian */
        "Intervistato", "Intervistata", "Partecipante", "PARTECIPANTE 2", "Rispondente", "Ricercatrice", "Paziente"};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        char text[256];
        snprintf(text, sizeof text, "I: Wie lange?\nB3: Zehn Jahre.\n%s: Und ich seit elf.\nI: Danke.\n", labels[i]);
        qc_document *doc = read_txt(text);
        cr_assert_eq(qc_document_turn_count(doc), 4, "%s", labels[i]);
        assert_turn(doc, 1, "B3", "Zehn Jahre.");
        assert_turn(doc, 2, labels[i], "Und ich seit elf.");
        cr_expect_eq(turn_at(doc, 2).role, QC_ROLE_PARTICIPANT, "%s", labels[i]);
        qc_document_free(doc);
    }
}

/* The default interviewer labels are trusted even once, and Danish (which writes Interviewer,
 * Moderator, Facilitator), Dutch and Italian have theirs: `Intervistatore:` asking a question is
 * the interviewer, not one more respondent. Until 2026-12-07 a one-off `Interviewerin:` (a default
 * already) was text of the turn above, and `Intervistatore:` a participant wherever it recurred. */
Test(read_text, interviewer_labels_in_dutch_and_italian_by_default_and_trusted_once)
{
    static const char *const labels[] = {
        "Interviewerin",  "Enqu\xC3\xAAteur", "ENQUETEUR",      "Mod\xC3\xA9ratrice", "Moderador",  "Interviewster",
        "Gespreksleider", "Gespreksleidster", "Intervistatore", "INTERVISTATRICE",    "Moderatore", "Facilitatrice",
    };
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        char text[256];
        snprintf(text, sizeof text, "B3: Gut.\n%s: Come va?\nB3: Bene.\n", labels[i]);
        qc_document *doc = read_txt(text);
        cr_assert_eq(qc_document_turn_count(doc), 3, "%s", labels[i]);
        assert_turn(doc, 1, labels[i], "Come va?");
        cr_expect_eq(turn_at(doc, 1).role, QC_ROLE_INTERVIEWER, "%s", labels[i]);
        cr_expect_eq(turn_at(doc, 2).role, QC_ROLE_PARTICIPANT, "%s", labels[i]);
        qc_document_free(doc);
    }
}

/* What a role word does not make a label: prose with a colon (`Die Teilnehmer: alle kamen.`), a
 * plural that heads a list (`Teilnehmende:`, `Participants:`, `Deelnemers:`, `Partecipanti:`), a
 * role word inside a longer label (`Befragte Person:`), a word that only looks like one (`Enquête:`
 * is the survey, `Intervista:` the interview), or a name beyond ASCII that starts like one
 * (`Patiënce`, `Jürgen`): each, once, stays text of the turn above. */
Test(read_text, what_a_role_word_does_not_make_a_label)
{
    static const char *const lines[] = {
        "Die Teilnehmer: alle kamen.",
        "Teilnehmende: 12",
        "Teilnehmerinnen: 5",
        "Participants: 12 people",
        "Deelnemers: 5",
        "Partecipanti: 4",
        "Befragte Person: ja",
        "Enqu\xC3\xAAte: 2019",
        "Intervista: tre",
        "Pati\xC3\xAB\x6E\x63\x65: oui",
        "J\xC3\xBCrgen: Ja.",
        "Interviewerei: nein",
        "Sprecher1: ja",
        "Befragte 2a: nein",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        char text[256], expect[128];
        snprintf(text, sizeof text, "I: Und dann?\nB3: Es ging.\n%s\nI: Danke.\n", lines[i]);
        qc_document *doc = read_txt(text);
        cr_assert_eq(qc_document_turn_count(doc), 3, "%s", lines[i]);
        snprintf(expect, sizeof expect, "Es ging.\n%s", lines[i]);
        assert_turn(doc, 1, "B3", expect);
        qc_document_free(doc);
    }
}

/* Lines at the top whose role word names its person or how many are a header's or the preamble's,
 * not a dialogue's, in every language: `interviewerin: Petra Schmidt` / `befragte: Anna` is a
 * header (as it was while `befragte` was no conventional label), and so, since 2026-12-07, is
 * `interviewer: Jane Smith` / `participant: P07` (read until then as two turns, its attributes
 * lost); above the dialogue, `INTERVIEWER: Peter Asaro` / `INTERVIEWEE: Tatsuo Arai` / `DATE: ...`
 * names who speaks (until then the interviewee's turn, the date line in it), with or without a
 * blank line below it, and `Teilnehmer: 12 Personen` below `Ort: Berlin` says how many. Lines that
 * speak stay dialogue: `interviewer: Hello.` / `participant: Hi there.`, lower-case labels that go
 * on below the blank line, or a one-off `Befragte:` once the dialogue has begun. */
Test(read_text, role_words_that_name_people_at_the_top_are_no_dialogue)
{
    qc_document *doc = read_txt("interviewerin: Petra Schmidt\nbefragte: Anna\n\nInterviewerin: Wie lange?\n"
                                "B3: Zehn Jahre.\nInterviewerin: Danke.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_str_eq(qc_document_attribute_get(doc, "befragte"), "Anna");
    assert_speakers(doc, 3, 2, (const char *const[]){"Interviewerin", "B3"});
    qc_document_free(doc);
    doc = read_txt("interviewer: Jane Smith\nparticipant: P07\n\nInterviewer: How long?\nParticipant: Ten years.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    cr_assert_str_eq(qc_document_attribute_get(doc, "participant"), "P07");
    assert_speakers(doc, 2, 2, (const char *const[]){"Interviewer", "Participant"});
    qc_document_free(doc);
    static const char *const blocks[] = {
        "INTERVIEWERIN: Petra Schmidt\nBEFRAGTE: Anna M.\nDATUM: 3. Mai 2020\n\n",
        "INTERVIEWER: Peter Asaro\nINTERVIEWEE: Tatsuo Arai\nDATE: 4 November 2013\n\n",
        "ENTREVISTADORA: Ana Ruiz\nENTREVISTADO: E12\n\n",
        "Ort: Berlin\nTeilnehmer: 12 Personen\n\n",
        "Interview 3\nDatum: 12.03.2020\nInterviewerin: Petra Schmidt\nBefragte: B3\nDauer: 45 Minuten\n",
    };
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        char text[256];
        snprintf(text, sizeof text, "%sI: Wie lange?\nB3: Zehn Jahre.\nI: Danke.\nB3: Bitte.\n", blocks[i]);
        doc = read_txt(text);
        assert_speakers(doc, 4, 2, (const char *const[]){"I", "B3"});
        assert_turn(doc, 0, "I", "Wie lange?");
        qc_document_free(doc);
    }
    doc =
        read_opts("fm.md", "---\ntitel: Station 4\nBefragte: Anna Lee\n---\n\nI: Wie lange?\nB3: Zehn Jahre.\n", NULL);
    cr_assert_eq(qc_document_attribute_count(doc), 2);
    assert_speakers(doc, 2, 2, (const char *const[]){"I", "B3"});
    qc_document_free(doc);
    /* Dialogue all the same. */
    doc = read_txt("interviewer: Hello.\nparticipant: Hi there.\n\nInterviewer: How long?\nParticipant: Ten years.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    qc_document_free(doc);
    doc = read_txt("interviewer: Okay\nparticipant: Right\n\ninterviewer: so how long?\nparticipant: ten years.\n");
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    qc_document_free(doc);
    doc = read_txt("Interviewer: How long?\nBefragte: Zehn Jahre.\nInterviewer: Und?\nB3: Gut.\n");
    assert_speakers(doc, 4, 3, (const char *const[]){"Interviewer", "Befragte", "B3"});
    qc_document_free(doc);
}

/* Tabs and other control bytes pass the line scan's first test as line ends, NUL and bytes >= 0x80
 * do (one signed comparison, lines.c): each is looked at and passed over wherever it falls in a
 * sixteen-byte step, and a NUL after them is still found at its offset. */
Test(read_text, control_bytes_beside_line_ends)
{
    char file[8192];
    size_t n = 0;
    for (int k = 0; k < 40; k++)
        n += (size_t)snprintf(file + n, sizeof file - n, "Q: %.*s\t\x01\x0b\x0c word\r\nA: %.*s\x7f\x0e.\n", k,
                              "0123456789012345678901234567890123456789", k % 17, "abcdefghijklmnopq");
    qc_document *doc = read_txt(file);
    cr_assert_eq(qc_document_turn_count(doc), 80);
    char want[128];
    snprintf(want, sizeof want, "%.*s\t\x01\x0b\x0c word", 39, "0123456789012345678901234567890123456789");
    assert_turn(doc, 78, "Q", want);
    assert_turn(doc, 79, "A", "abcde\x7f\x0e."); /* 39 % 17 letters */
    qc_document_free(doc);
    for (int k = 0; k < 40; k++) {
        char bad[96];
        int len = snprintf(bad, sizeof bad, "Q: %.*s\t\x01\x0b", k, "0123456789012345678901234567890123456789");
        bad[len] = '\0'; /* a NUL right after the control bytes, then more text */
        memcpy(bad + len + 1, "more\n", 6);
        qc_error err;
        cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", bad, (size_t)len + 6, NULL, &err), QC_ERR_FORMAT);
        char at[64];
        snprintf(at, sizeof at, "NUL byte at offset %d", len);
        cr_assert(strstr(err.message, at) != NULL, "%s", err.message);
    }
}
