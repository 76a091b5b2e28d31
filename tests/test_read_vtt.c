/* WebVTT reader: header, blocks, timings, voices, tags, entities, Zoom labels, merging, errors. */
#include "formats_helpers.h"

#define VTT(s) fmt_read_str("t.vtt", s)

Test(read_vtt, voices_become_turns_with_times_and_cue_numbers)
{
    const char *src = "WEBVTT\n\n"
                      "00:00:01.000 --> 00:00:02.500\n"
                      "<v Ann>Hello &amp; welcome\n\n"
                      "00:03.000 --> 00:04.250 align:middle line:90%\n"
                      "<v.loud Bob>Hi <i>there</i></v>\n";
    qc_document *doc = VTT(src);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    cr_assert_str_eq(qc_document_text(doc, NULL), "Ann: Hello & welcome\n\nBob: Hi there");
    fmt_assert_turn(doc, 0, "Ann", "Hello & welcome");
    fmt_assert_turn(doc, 1, "Bob", "Hi there");
    fmt_assert_times(doc, 0, 1000, 2500, 1);
    fmt_assert_times(doc, 1, 3000, 4250, 2);
    /* The turn text maps back to the cue text in the file. */
    cr_assert_eq(fmt_turn_source(doc, 0), (size_t)(strstr(src, "Hello") - src));
    cr_assert_eq(fmt_turn_source(doc, 1), (size_t)(strstr(src, "Hi <i>") - src));
    cr_assert_eq(qc_document_speaker_count(doc), 2);
    qc_document_free(doc);
}

Test(read_vtt, consecutive_cues_of_one_speaker_merge)
{
    qc_document *doc = VTT("WEBVTT\n\n"
                           "00:01.000 --> 00:02.000\n<v Ann>One.\n\n"
                           "00:02.000 --> 00:03.000\n<v Ann>Two,\nthree.\n\n"
                           "00:04.000 --> 00:05.000\n<v Bob>Four.\n\n"
                           "00:05.000 --> 00:06.000\nFive.\n\n"
                           "00:06.000 --> 00:07.000\nSix.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    fmt_assert_turn(doc, 0, "Ann", "One. Two, three.");
    fmt_assert_times(doc, 0, 1000, 3000, 1);
    fmt_assert_turn(doc, 1, "Bob", "Four.");
    fmt_assert_turn(doc, 2, NULL, "Five. Six.");
    fmt_assert_times(doc, 2, 5000, 7000, 4);
    cr_assert_eq(fmt_turn(doc, 2).role, QC_ROLE_UNKNOWN);
    qc_document_free(doc);
}

/* A turn of merged cues knows its last cue as well as its first (its line), so a researcher can
 * find any of them: `qcode inspect` prints `cues 1-2`. Until 2026-12-07 only the first was kept,
 * and nothing told that a turn held more than one cue. Two voices in one cue are one cue. */
Test(read_vtt, a_turn_of_merged_cues_knows_its_last_cue)
{
    qc_document *doc = VTT("WEBVTT\n\n"
                           "00:01.000 --> 00:02.000\n<v Ann>One.\n\n"
                           "00:02.000 --> 00:03.000\n<v Ann>Two.\n\n"
                           "00:03.000 --> 00:04.000\n<v Ann>Three.<v Bob>Four.\n\n"
                           "00:05.000 --> 00:06.000\n<v Bob>Five.\n\n"
                           "00:06.000 --> 00:07.000\n<v Ann>Six.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    fmt_assert_turn(doc, 0, "Ann", "One. Two. Three.");
    cr_expect_eq(fmt_turn(doc, 0).line, 1);
    cr_expect_eq(qc_document_turn_last_cue(doc, 0), 3);
    fmt_assert_turn(doc, 1, "Bob", "Four. Five.");
    cr_expect_eq(fmt_turn(doc, 1).line, 3);
    cr_expect_eq(qc_document_turn_last_cue(doc, 1), 4);
    cr_expect_eq(qc_document_turn_last_cue(doc, 2), 5); /* one cue: its line */
    cr_expect_eq(qc_document_turn_last_cue(doc, 3), 0); /* no such turn */
    qc_document_free(doc);
}

/* A subtitle file says how many cues it has (`qcode inspect`'s counts), numbered as turns' `line`
 * and last cue number them: every cue with a timing line, one whose voice had no text or that had
 * no text at all too; two voices in one cue are one cue, a NOTE block none. Other formats have 0. */
Test(read_vtt, a_document_counts_its_cues)
{
    qc_document *doc = VTT("WEBVTT\n\n"
                           "NOTE not a cue\n\n"
                           "00:01.000 --> 00:02.000\n<v Ann>One.\n\n"
                           "intro\n00:02.000 --> 00:03.000\n<v Ann>Two.<v Bob>Three.\n\n"
                           "00:03.000 --> 00:04.000\n<v Cy>\n\n"
                           "00:04.000 --> 00:05.000\n\n"
                           "00:05.000 --> 00:06.000\n<v Bob>Four.\n");
    cr_expect_eq(qc_document_cue_count(doc), 5);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    cr_expect_eq(qc_document_turn_last_cue(doc, 1), 5); /* the last cue is the count */
    qc_document_free(doc);
    doc = fmt_read_str("t.txt", "P1: Not subtitles.\n");
    cr_expect_eq(qc_document_cue_count(doc), 0);
    qc_document_free(doc);
}

/* A casebook's person in capitals is a title where the cues write the label otherwise too, as in
 * plain text and .docx: `TATSUO ARAI: An Interview ...` above `Tatsuo Arai:` cues is no turn of
 * his, at a cue's start or on a cue's later line. Until 2026-12-07 the casebook row made it one in
 * subtitles. A file that writes only `TATSUO ARAI:` has the row name him. */
Test(read_vtt, a_casebook_person_in_capitals_is_a_title_where_the_cues_are_not)
{
    qc_casebook *cb = NULL;
    qc_error err;
    static const char tsv[] = "speaker\tgender\nTatsuo Arai\tm\n";
    cr_assert_eq(qc_casebook_load_buffer(&cb, "cases.tsv", tsv, strlen(tsv), &err), 0, "%s", err.message);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.casebook = cb;
    static const char *const titles[] = {
        "00:01.000 --> 00:02.000\nTATSUO ARAI: An Interview Conducted by Peter Asaro.\n\n",
        "00:01.000 --> 00:02.000\nIEEE History Center.\nTATSUO ARAI: An Interview Conducted by Peter Asaro.\n\n",
    };
    for (size_t k = 0; k < 2; k++) {
        char src[512];
        snprintf(src, sizeof src,
                 "WEBVTT\n\n%s00:03.000 --> 00:04.000\nQ: Your name?\n\n"
                 "00:05.000 --> 00:06.000\nTatsuo Arai: I am Tatsuo Arai.\n",
                 titles[k]);
        qc_document *doc = fmt_read("arai.vtt", src, strlen(src), &opts);
        cr_assert_eq(qc_document_speaker_count(doc), 2, "%s", src);
        cr_assert_eq(qc_document_turn_count(doc), 3, "%s", src);
        fmt_assert_turn(doc, 0, NULL,
                        k ? "IEEE History Center. TATSUO ARAI: An Interview Conducted by Peter Asaro."
                          : "TATSUO ARAI: An Interview Conducted by Peter Asaro.");
        fmt_assert_turn(doc, 2, "Tatsuo Arai", "I am Tatsuo Arai.");
        qc_document_free(doc);
    }
    static const char caps[] = "WEBVTT\n\n00:01.000 --> 00:02.000\nQ: Who came?\n\n"
                               "00:03.000 --> 00:04.000\nTATSUO ARAI: I did.\n";
    qc_document *doc = fmt_read("caps.vtt", caps, strlen(caps), &opts);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 1, "TATSUO ARAI", "I did.");
    qc_document_free(doc);
    qc_casebook_free(cb);
}

/* A label that starts one cue and a later line of another has started two lines: a speaker, even
 * when the first cue's later line holds another label. Until 2026-12-07 that other label's
 * offsets were used to count the first, so `Nurse` counted once and her words were text. */
Test(read_vtt, a_label_at_a_cues_start_and_on_a_later_line_counts_twice)
{
    qc_document *doc = VTT("WEBVTT\n\n00:01.000 --> 00:02.000\nNurse: Hello.\nP1: Yes.\n\n"
                           "00:03.000 --> 00:04.000\nInterviewer: And?\nNurse: Fine.\n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    fmt_assert_turn(doc, 0, "Nurse", "Hello.");
    fmt_assert_turn(doc, 1, "P1", "Yes.");
    fmt_assert_turn(doc, 2, "Interviewer", "And?");
    fmt_assert_turn(doc, 3, "Nurse", "Fine.");
    qc_document_free(doc);
}

Test(read_vtt, notes_styles_regions_identifiers_bom_crlf)
{
    const char src[] = "\xEF\xBB\xBFWEBVTT - a title\r\nKind: captions\r\n\r\n"
                       "NOTE this is\r\na comment\r\n\r\n"
                       "STYLE\r\n::cue { color: red }\r\n\r\n"
                       "REGION\r\nid:fred\r\n\r\n"
                       "intro-1\r\n00:00:00.500 --> 00:00:01.000\r\n<v Ann>First.\r\n\r\n"
                       "NOTE between cues\r\n\r\n"
                       "2\r\n00:00:01.000 --> 00:00:02.000\r\n<v Bob>Second.\r\n";
    qc_document *doc = fmt_read("t.vtt", src, sizeof src - 1, NULL);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 0, "Ann", "First.");
    fmt_assert_turn(doc, 1, "Bob", "Second.");
    cr_assert_eq(fmt_turn_source(doc, 1), (size_t)(strstr(src, "Second") - src));
    qc_document_free(doc);
}

Test(read_vtt, tags_and_entities)
{
    qc_document *doc =
        VTT("WEBVTT\n\n00:01.000 --> 00:02.000\n"
            "<c.yellow>a</c> <b>b</b> <00:01.500>c &lt;d&gt; e&nbsp;f &lrm;g&rlm; &#233; &#x2019; &bogus; R&D\n");
    fmt_assert_turn(doc, 0, NULL,
                    "a b c <d> e\xC2\xA0"
                    "f \xE2\x80\x8Eg\xE2\x80\x8F \xC3\xA9 \xE2\x80\x99 &bogus; R&D");
    qc_document_free(doc);
}

/* A '<' with no '>' after it on its line is text: read as a tag to the end of the line, the cue's
 * words were lost without a word (here Ann's turn vanished and Bob's was all that was left). */
Test(read_vtt, an_unclosed_tag_is_text_not_lost)
{
    qc_document *doc = VTT("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann Hello there\n\n"
                           "00:03.000 --> 00:04.000\n<v Bob>Fine, a < b.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 0, NULL, "<v Ann Hello there");
    fmt_assert_turn(doc, 1, "Bob", "Fine, a < b.");
    qc_document_free(doc);
}

Test(read_vtt, two_voices_in_one_cue)
{
    qc_document *doc = VTT("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Yes?</v>\n<v Bob>No.</v>\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 0, "Ann", "Yes?");
    fmt_assert_turn(doc, 1, "Bob", "No.");
    fmt_assert_times(doc, 1, 1000, 2000, 1);
    qc_document_free(doc);
}

Test(read_vtt, zoom_labels_need_two_occurrences_or_a_known_label)
{
    qc_document *doc = VTT("WEBVTT\n\n"
                           "00:01.000 --> 00:02.000\nInstructor: Welcome.\n\n"
                           "00:02.000 --> 00:03.000\nQ: One question.\n\n"
                           "00:03.000 --> 00:04.000\nInstructor: Good question.\n\n"
                           "00:04.000 --> 00:05.000\nHosted by: Dr. Jane Smith \n");
    cr_assert_eq(qc_document_turn_count(doc), 4);
    fmt_assert_turn(doc, 0, "Instructor", "Welcome.");
    fmt_assert_turn(doc, 1, "Q", "One question.");
    cr_assert_eq(fmt_turn(doc, 1).role, QC_ROLE_INTERVIEWER);
    fmt_assert_turn(doc, 2, "Instructor", "Good question.");
    fmt_assert_turn(doc, 3, NULL, "Hosted by: Dr. Jane Smith");
    cr_assert_str_eq(qc_document_text(doc, NULL), "Instructor: Welcome.\n\nQ: One question.\n\nInstructor: Good "
                                                  "question.\n\nHosted by: Dr. Jane Smith");
    qc_document_free(doc);
}

/* A speaker label at the start of a cue's later line starts a turn, by the rules of its first
 * line: conventional (P1), or starting two lines or cues (Bob); a one-off (`Hosted by:`) and a
 * time (`10:30`) stay text. Offsets, source bytes and UTF-16 units stay those of the text. */
Test(read_vtt, a_label_on_a_later_line_of_a_cue_starts_a_turn)
{
    const char *src = "WEBVTT\n\n00:01.000 --> 00:03.000\nInterviewer: How are you? \xF0\x9F\x98\x80\n"
                      "P1: Fine, thanks.\n\n00:04.000 --> 00:05.000\nInterviewer: Good.\nBob: Yes.\n"
                      "Hosted by: Ann\n10:30 we met\n\n00:06.000 --> 00:07.000\nBob: Again.\n";
    qc_document *doc = VTT(src);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    fmt_assert_turn(doc, 0, "Interviewer", "How are you? \xF0\x9F\x98\x80");
    fmt_assert_turn(doc, 1, "P1", "Fine, thanks.");
    fmt_assert_times(doc, 1, 1000, 3000, 1);
    cr_assert_eq(fmt_turn(doc, 1).role, QC_ROLE_PARTICIPANT);
    fmt_assert_turn(doc, 2, "Interviewer", "Good.");
    fmt_assert_turn(doc, 3, "Bob", "Yes. Hosted by: Ann 10:30 we met Again.");
    cr_assert_str_eq(qc_document_text(doc, NULL),
                     "Interviewer: How are you? \xF0\x9F\x98\x80\n\nP1: Fine, thanks.\n\nInterviewer: Good.\n\n"
                     "Bob: Yes. Hosted by: Ann 10:30 we met Again.");
    qc_turn t = fmt_turn(doc, 1);
    cr_assert_eq(qc_document_source_offset(doc, t.start), (size_t)(strstr(src, "Fine") - src));
    cr_assert_eq(qc_document_source_offset(doc, t.end - 1), (size_t)(strstr(src, "\n\n00:04") - src) - 1);
    /* "Interviewer: How are you? " + the emoji (2 units, 1 code point) + "\n\nP1: " */
    cr_assert_eq(t.start, 26 + 1 + 6);
    cr_assert_eq(qc_document_utf16_offset(doc, t.start), 26 + 2 + 6);
    t = fmt_turn(doc, 3);
    cr_assert_eq(qc_document_source_offset(doc, t.start), (size_t)(strstr(src, "Yes.") - src));
    qc_document_free(doc);
}

Test(read_vtt, a_label_alone_names_the_next_cues)
{
    qc_document *doc = VTT("WEBVTT\n\n00:01.000 --> 00:02.000\nInterviewer:\n\n"
                           "00:02.000 --> 00:03.000\nHow are you?\n\n"
                           "00:03.000 --> 00:04.000\nR: Fine.\n");
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 0, "Interviewer", "How are you?");
    fmt_assert_turn(doc, 1, "R", "Fine.");
    cr_assert_eq(qc_document_note_count(doc), 0); /* nothing was left out */
    qc_document_free(doc);
}

/* A voice or a label with no text is left out with a note at its line, as a label with no text is
 * in plain text and Word (it used to vanish without a word). The message names the cue's number,
 * which is a subtitle turn's `line`. */
Test(read_vtt, a_voice_or_label_with_no_text_is_a_note_at_its_line)
{
    qc_document *doc = VTT("WEBVTT\n\n"
                           "00:01.000 --> 00:02.000\n<v Ann>Hello.\n\n"   /* lines 3-4: cue 1 */
                           "00:02.000 --> 00:03.000\n<v Bob>\n\n"         /* 6-7: cue 2 */
                           "00:03.000 --> 00:04.000\nInterviewer:\n\n"    /* 9-10: cue 3 */
                           "00:04.000 --> 00:05.000\n<v Cy>Yes.\n\n"      /* 12-13: cue 4 */
                           "00:05.000 --> 00:06.000\nOk\n<v Dee></v>\n"); /* 15-17: cue 5 */
    cr_assert_eq(qc_document_turn_count(doc), 3);
    fmt_assert_turn(doc, 0, "Ann", "Hello.");
    fmt_assert_turn(doc, 1, "Cy", "Yes.");
    fmt_assert_turn(doc, 2, NULL, "Ok");
    cr_assert_eq(qc_document_note_count(doc), 3);
    fmt_assert_note(doc, 0, 7, "voice 'Bob' with no text; cue 2 skipped");
    fmt_assert_note(doc, 1, 10, "speaker label 'Interviewer' with no text; cue 3 skipped");
    /* The voice on the cue's second line: that line. */
    fmt_assert_note(doc, 2, 17, "voice 'Dee' with no text; cue 5 skipped");
    cr_assert_eq(qc_document_speaker_count(doc), 2); /* Ann and Cy */
    qc_document_free(doc);
}

/* A voice followed by another in the same cue with nothing said in between is not renamed by the
 * second (which left the first unseen): it is a voice with no text, and the second speaks. */
Test(read_vtt, a_silent_voice_before_another_in_its_cue_is_a_note)
{
    qc_document *doc = VTT("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann></v><v Bob>No.</v>\n");
    cr_assert_eq(qc_document_turn_count(doc), 1);
    fmt_assert_turn(doc, 0, "Bob", "No.");
    cr_assert_eq(qc_document_note_count(doc), 1);
    fmt_assert_note(doc, 0, 4, "voice 'Ann' with no text; cue 1 skipped");
    qc_document_free(doc);
}

Test(read_vtt, no_speakers_option_ignores_voices)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speakers = QC_SPEAKERS_NONE;
    const char *src = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>A.\n\n00:02.000 --> 00:03.000\nQ: B.\n";
    qc_document *doc = fmt_read("t.vtt", src, strlen(src), &opts);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    fmt_assert_turn(doc, 0, NULL, "A. Q: B.");
    qc_document_free(doc);
}

Test(read_vtt, user_pattern_finds_labels_in_cues)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "-- (?<speaker>[A-Z]+) -- ";
    const char *src = "WEBVTT\n\n00:01.000 --> 00:02.000\n-- ANN -- Hello.\n";
    qc_document *doc = fmt_read("t.vtt", src, strlen(src), &opts);
    fmt_assert_turn(doc, 0, "ANN", "Hello.");
    qc_document_free(doc);
}

Test(read_vtt, windows1252_cue_text)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.encoding = QC_ENCODING_WINDOWS1252;
    const char src[] = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>\x93"
                       "Caf\xE9"
                       "\x94\n";
    qc_document *doc = fmt_read("t.vtt", src, sizeof src - 1, &opts);
    fmt_assert_turn(doc, 0, "Ann",
                    "\xE2\x80\x9C"
                    "Caf\xC3\xA9\xE2\x80\x9D");
    qc_document_free(doc);
}

Test(read_vtt, header_without_blank_line_before_first_cue)
{
    qc_document *doc = VTT("WEBVTT\n00:01.000 --> 00:02.000\n<v Ann>Hi.\n");
    fmt_assert_turn(doc, 0, "Ann", "Hi.");
    qc_document_free(doc);
}

Test(read_vtt, missing_header_is_an_error_on_line_1)
{
    const char *src = "00:01.000 --> 00:02.000\nHi.\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 1, 1, "first line must be WEBVTT");
    src = "WEBVTTX\n\n00:01.000 --> 00:02.000\nHi.\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 1, 1, "WEBVTT");
}

Test(read_vtt, broken_timestamps_name_line_and_column)
{
    const char *src = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:0x.000 --> 00:00:04.000\nbad\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 6, 7, "broken cue timing");
    src = "WEBVTT\n\n00:01.000 -> 00:02.000\nbad arrow is not a timing line\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 4, 1, "expected a cue timing line");
    src = "WEBVTT\n\n00:01.000 --> 00:02.00\nshort fraction\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 3, 21, "milliseconds");
    src = "WEBVTT\n\n00:01:75.000 --> 00:02:00.000\nsecond 75\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 3, 0, "below 60");
    src = "WEBVTT\n\n00:05.000 --> 00:02.000\nbackwards\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 3, 15, "ends before it starts");
    src = "WEBVTT\n\n00:01,000 --> 00:02,000\ncomma is SubRip\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 3, 6, "'.'");
    src = "WEBVTT\n\ncue-1\n\n00:01.000 --> 00:02.000\nx\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 3, 1, "identifier without a timing line");
}

Test(read_vtt, no_cues_is_an_empty_transcript)
{
    const char *src = "WEBVTT\n\nNOTE nothing here\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 0, 0, "empty transcript");
    src = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann></v>\n";
    fmt_expect_error("t.vtt", src, strlen(src), QC_ERR_FORMAT, 0, 0, "empty transcript");
}

Test(read_vtt, invalid_utf8_and_binary_are_errors)
{
    const char bad[] = "WEBVTT\n\n00:01.000 --> 00:02.000\nab\xFF\n";
    fmt_expect_error("t.vtt", bad, sizeof bad - 1, QC_ERR_ENCODING, 4, 3, "");
    const char nul[] = "WEBVTT\n\n00:01.000 --> 00:02.000\nab\0c\n";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_lt(qc_document_read_buffer(&doc, "t.vtt", nul, sizeof nul - 1, NULL, &err), 0);
    cr_assert(qct_contains(err.message, "binary"), "%s", err.message);
}

/* A speaker pattern that runs away on a cue's text fails the document at the file line of that
 * text, the cue named in the message (the cue's number stood as the line: "t.vtt:1"). */
static void runaway_pattern_at(const char *name, const char *head, const char *tail, uint32_t line, uint32_t cue)
{
    size_t n = 30000, len = strlen(head) + n + strlen(tail);
    char *src = malloc(len + 1);
    cr_assert_not_null(src);
    strcpy(src, head);
    memset(src + strlen(head), 'a', n);
    strcpy(src + strlen(head) + n, tail);
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "^(?<speaker>(a+)+)$";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_neq(qc_document_read_buffer(&doc, name, src, len, &opts, &err), 0);
    cr_expect_null(doc);
    cr_expect_str_eq(err.file, name);
    cr_expect_eq(err.line, line, "%s: line %u: %s", name, err.line, err.message);
    char want[64];
    snprintf(want, sizeof want, "the speaker pattern failed on cue %u", cue);
    cr_expect(qct_contains(err.message, want), "%s", err.message);
    free(src);
}

Test(read_vtt, a_runaway_speaker_pattern_fails_at_the_line_of_its_text)
{
    /* the cue's second line (a label there would start a segment) */
    runaway_pattern_at("t.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nInterviewer: Hello.\n", "b\n", 5, 1);
    /* a later cue's first line */
    runaway_pattern_at("t.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nHello.\n\n00:03.000 --> 00:04.000\n", "b\n", 7, 2);
    runaway_pattern_at("t.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:00:03,000 --> 00:00:04,000\n", "b\n",
                       7, 2);
}
