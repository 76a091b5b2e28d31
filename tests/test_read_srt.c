/* SubRip reader: numbered blocks, timings with ',' or '.', multi-line text, formatting tags,
 * labels, missing numbers, errors. */
#include "formats_helpers.h"

#define SRT(s) fmt_read_str("t.srt", s)

Test(read_srt, numbered_blocks_and_times)
{
    const char *src =
        "1\n00:00:01,000 --> 00:00:02,500\nHello there,\n<i>my friend</i>.\n\n"
        "2\n01:02:03.004 --> 01:02:04,5 X1:10 X2:20 Y1:5 Y2:9\n<font color=\"#fff\">More</font> <b>text</b>.\n";
    qc_document *doc = SRT(src);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    fmt_assert_turn(doc, 0, NULL, "Hello there, my friend. More text.");
    fmt_assert_times(doc, 0, 1000, 3724500, 1);
    cr_assert_eq(fmt_turn_source(doc, 0), (size_t)(strstr(src, "Hello") - src));
    /* "my friend" keeps its byte origin although the <i> before it was dropped. */
    size_t my = (size_t)(strstr(qc_document_text(doc, NULL), "my friend") - qc_document_text(doc, NULL));
    cr_assert_eq(qc_document_source_offset(doc, my), (size_t)(strstr(src, "my friend") - src));
    qc_document_free(doc);
}

Test(read_srt, labels_merge_and_the_occurs_twice_rule)
{
    qc_document *doc = SRT("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: How long?\n\n"
                           "2\n00:00:02,000 --> 00:00:03,000\nDr Lee: Ten years.\n\n"
                           "3\n00:00:03,000 --> 00:00:04,000\nDr Lee: Maybe eleven.\n\n"
                           "4\n00:00:04,000 --> 00:00:05,000\nNote: one-off.\n");
    cr_assert_eq(qc_document_turn_count(doc), 3);
    fmt_assert_turn(doc, 0, "Interviewer", "How long?");
    fmt_assert_turn(doc, 1, "Dr Lee", "Ten years. Maybe eleven.");
    fmt_assert_times(doc, 1, 2000, 4000, 2);
    fmt_assert_turn(doc, 2, NULL, "Note: one-off.");
    cr_assert_eq(fmt_turn(doc, 0).role, QC_ROLE_INTERVIEWER);
    cr_assert_eq(fmt_turn(doc, 1).role, QC_ROLE_PARTICIPANT);
    cr_assert_str_eq(qc_document_text(doc, NULL),
                     "Interviewer: How long?\n\nDr Lee: Ten years. Maybe eleven.\n\nNote: one-off.");
    /* The merged turn knows its last cue too (qcode inspect: `cues 2-3`). */
    cr_expect_eq(qc_document_turn_last_cue(doc, 0), 1);
    cr_expect_eq(qc_document_turn_last_cue(doc, 1), 3);
    cr_expect_eq(qc_document_cue_count(doc), 4); /* qcode inspect: `4 cues, 3 turns` */
    qc_document_free(doc);
}

/* As in WebVTT: a label on a cue's later line starts a turn (with a user pattern too, whose
 * matches are trusted); with no speakers, nothing is split. */
Test(read_srt, a_label_on_a_later_line_of_a_cue_starts_a_turn)
{
    const char *src = "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: How are you?\nP1: Fine,\nthanks.\n";
    qc_document *doc = SRT(src);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 0, "Interviewer", "How are you?");
    fmt_assert_turn(doc, 1, "P1", "Fine, thanks.");
    cr_assert_eq(fmt_turn_source(doc, 1), (size_t)(strstr(src, "Fine") - src));
    qc_document_free(doc);

    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.speaker_pattern = "-- (?<speaker>[A-Z]+) -- ";
    src = "1\n00:00:01,000 --> 00:00:03,000\n-- ANN -- Hello.\n-- BOB -- Hi.\n";
    doc = fmt_read("t.srt", src, strlen(src), &opts);
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 1, "BOB", "Hi.");
    qc_document_free(doc);

    opts = (qc_read_options)QC_READ_OPTIONS_INIT;
    opts.speakers = QC_SPEAKERS_NONE;
    src = "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: How are you?\nP1: Fine.\n";
    doc = fmt_read("t.srt", src, strlen(src), &opts);
    cr_assert_eq(qc_document_turn_count(doc), 1);
    fmt_assert_turn(doc, 0, NULL, "Interviewer: How are you? P1: Fine.");
    qc_document_free(doc);
}

Test(read_srt, missing_numbers_crlf_and_other_angle_brackets)
{
    qc_document *doc = SRT("\xEF\xBB\xBF"
                           "00:00:01,000 --> 00:00:02,000\r\nA <laughs> b\r\n\r\n\r\n"
                           "00:00:02,000 --> 00:00:03,000\r\n{\\an8}c <u>d</u>\r\n");
    fmt_assert_turn(doc, 0, NULL, "A <laughs> b c d");
    qc_document_free(doc);
}

Test(read_srt, a_number_as_cue_text_is_text)
{
    qc_document *doc = SRT("1\n00:00:01,000 --> 00:00:02,000\n42\n\n2\n00:00:02,000 --> 00:00:03,000\nyes\n");
    fmt_assert_turn(doc, 0, NULL, "42 yes");
    qc_document_free(doc);
}

Test(read_srt, broken_timings_name_line_and_column)
{
    const char *src = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:0:04,000\nbad\n";
    fmt_expect_error("t.srt", src, strlen(src), QC_ERR_FORMAT, 6, 21, "broken cue timing");
    src = "1\n00:00:01,000 -> 00:00:02,000\nno arrow\n";
    fmt_expect_error("t.srt", src, strlen(src), QC_ERR_FORMAT, 2, 1, "after the cue number");
    src = "Hello without a timing\n";
    fmt_expect_error("t.srt", src, strlen(src), QC_ERR_FORMAT, 1, 1, "expected a cue number or a timing line");
    src = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n7\n";
    fmt_expect_error("t.srt", src, strlen(src), QC_ERR_FORMAT, 5, 1, "cue number without a timing line");
    src = "1\n00:00:01,000 --> 00:00:02,000 junk\nok\n";
    qc_document *doc = SRT(src); /* text after white space is SubRip's coordinates: ignored */
    qc_document_free(doc);
    src = "1\n00:00:01,000 --> 00:00:02,000junk\nok\n";
    fmt_expect_error("t.srt", src, strlen(src), QC_ERR_FORMAT, 2, 30, "after the end time");
}

Test(read_srt, empty_file_and_cues_without_text)
{
    fmt_expect_error("t.srt", "", 0, QC_ERR_FORMAT, 0, 0, "empty transcript");
    const char *src = "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:02,000 --> 00:00:03,000\n<i></i>\n";
    fmt_expect_error("t.srt", src, strlen(src), QC_ERR_FORMAT, 0, 0, "empty transcript");
}

/* A label with no text in a cue, before a cue with a label of its own or at the end, is left out
 * with a note at its line, as in plain text (it used to vanish without a word); one that names the
 * unlabelled cue after it is no note. */
Test(read_srt, a_label_with_no_text_is_a_note_at_its_line)
{
    qc_document *doc = SRT("1\n00:00:01,000 --> 00:00:02,000\nInterviewer:\n\n"        /* lines 1-3 */
                           "2\n00:00:02,000 --> 00:00:03,000\nHow are you?\n\n"        /* 5-7 */
                           "3\n00:00:03,000 --> 00:00:04,000\n<i>Interviewer:</i>\n\n" /* 9-11 */
                           "4\n00:00:04,000 --> 00:00:05,000\nR: Fine.\n\n"            /* 13-15 */
                           "5\n00:00:05,000 --> 00:00:06,000\nR:\n");                  /* 17-19 */
    cr_assert_eq(qc_document_turn_count(doc), 2);
    fmt_assert_turn(doc, 0, "Interviewer", "How are you?");
    fmt_assert_turn(doc, 1, "R", "Fine.");
    cr_assert_eq(qc_document_note_count(doc), 2);
    fmt_assert_note(doc, 0, 11, "speaker label 'Interviewer' with no text; cue 3 skipped");
    fmt_assert_note(doc, 1, 19, "speaker label 'R' with no text; cue 5 skipped");
    qc_document_free(doc);
}
