/* The real WebVTT, SubRip and .docx transcripts in ../shared/transcripts (see ORIGIN.md there):
 * speakers, turn counts, times and texts checked by reading the files (and, for .docx, by
 * listing word/document.xml's paragraphs with Python's zipfile). Skipped when ../shared is absent. */
#include "formats_helpers.h"

static qc_document *read_shared(const char *rel)
{
    char *path = qct_shared_path(rel);
    qc_document *doc = fmt_read_file(path, NULL);
    free(path);
    return doc;
}

/* Whether the document's speakers are exactly `names`, in order of first appearance. */
static void assert_speakers(const qc_document *doc, const char *const *names, size_t n)
{
    cr_assert_eq(qc_document_speaker_count(doc), n, "%zu speakers", qc_document_speaker_count(doc));
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(qc_document_speaker(doc, i, NULL), names[i]);
}

Test(real_subtitles, islandora_voices_with_settings)
{
    QCT_REQUIRE_SHARED("transcripts/islandora_oralhistory_fixture.vtt");
    qc_document *doc = read_shared("transcripts/islandora_oralhistory_fixture.vtt");
    static const char *const names[] = {"Different Speaker", "John Doe", "Speaker2", "Speaker 3"};
    assert_speakers(doc, names, 4);
    cr_assert_eq(qc_document_turn_count(doc), 4);
    fmt_assert_turn(doc, 0, "Different Speaker", "This is the transcript text content.");
    fmt_assert_turn(doc, 1, "John Doe", "I'm John Doe.");
    fmt_assert_times(doc, 1, 11290, 12345, 2); /* the cue with align:middle line:90% */
    fmt_assert_turn(doc, 3, "Speaker 3", "speaker 3 transcript");
    fmt_assert_times(doc, 3, 60000, 105000, 4);
    qc_document_free(doc);
}

Test(real_subtitles, teams_voices_without_closing_tags)
{
    QCT_REQUIRE_SHARED("transcripts/teams_style_sample_meeting.vtt");
    qc_document *doc = read_shared("transcripts/teams_style_sample_meeting.vtt");
    static const char *const names[] = {"John Smith", "Sarah Johnson", "Michael Chen"};
    assert_speakers(doc, names, 3);
    cr_assert_eq(qc_document_turn_count(doc), 17); /* 17 cues, no two in a row by one speaker */
    fmt_assert_turn(doc, 0, "John Smith", "Hello everyone, welcome to today's meeting.");
    fmt_assert_times(doc, 0, 1000, 4520, 1);
    fmt_assert_turn(doc, 16, "Michael Chen", "Thanks, talk soon.");
    fmt_assert_times(doc, 16, 79800, 81500, 17);
    qc_document_free(doc);
}

Test(real_subtitles, zoom_labels_and_the_two_fake_speakers)
{
    QCT_REQUIRE_SHARED("transcripts/zoom_style_sample_name_colon.vtt");
    qc_document *doc = read_shared("transcripts/zoom_style_sample_name_colon.vtt");
    static const char *const names[] = {"Instructor", "Student 1", "Student 2"};
    assert_speakers(doc, names, 3);
    /* The two opening Instructor cues merge; "Meeting title:" and "Hosted by:" occur once each,
     * so they are text: one unlabelled turn at the end. */
    cr_assert_eq(qc_document_turn_count(doc), 9);
    fmt_assert_turn(doc, 0, "Instructor",
                    "Welcome to our online course on data science fundamentals. Today we'll be covering the basics of "
                    "Python for data analysis.");
    fmt_assert_times(doc, 0, 0, 10000, 1);
    fmt_assert_turn(doc, 1, "Student 1", "I have some experience with R, but I'm new to Python.");
    fmt_assert_turn(doc, 8, NULL,
                    "Meeting title: Data Science Fundamentals - Session 1: Python Basics Hosted by: Dr. Jane Smith");
    fmt_assert_times(doc, 8, 56000, 65000, 10);
    qc_document_free(doc);
}

Test(real_subtitles, whisper_srt_is_one_unlabelled_turn)
{
    QCT_REQUIRE_SHARED("transcripts/loc_civil_rights_oral_history_whisper.srt");
    qc_document *doc = read_shared("transcripts/loc_civil_rights_oral_history_whisper.srt");
    cr_assert_eq(qc_document_speaker_count(doc), 0);
    cr_assert_eq(qc_document_turn_count(doc), 1); /* 864 unlabelled cues merge */
    fmt_assert_times(doc, 0, 0, 7048000, 1);      /* ... to 01:57:28,000 */
    const char *text = qc_document_text(doc, NULL);
    cr_assert(strncmp(text, "From the Library of Congress and the Smithsonian National Museum", 64) == 0);
    cr_assert(qct_contains(text, "with Reverend Dr. Amos Sebrown. Good afternoon."));
    size_t len = strlen(text);
    const char *tail = "African American History and Culture.";
    cr_assert(len > strlen(tail) && strcmp(text + len - strlen(tail), tail) == 0);
    qc_document_free(doc);
}

Test(real_subtitles, ecape_docx_interviewer_and_informant)
{
    QCT_REQUIRE_SHARED("transcripts/ecape_energy_interview04_da.docx");
    qc_document *doc = read_shared("transcripts/ecape_energy_interview04_da.docx");
    static const char *const names[] = {"I", "Y"};
    assert_speakers(doc, names, 2);
    qc_role role;
    qc_document_speaker(doc, 0, &role);
    cr_assert_eq(role, QC_ROLE_INTERVIEWER);
    qc_document_speaker(doc, 1, &role);
    cr_assert_eq(role, QC_ROLE_PARTICIPANT);
    cr_assert_eq(qc_document_turn_count(doc), 207); /* 104 "I:" and 103 "Y:" paragraphs */
    const char *text = qc_document_text(doc, NULL);
    cr_assert(strncmp(text, "Interview 4\n\nI = interviewer; Y = informant\n\nI:  Jeg ville", 58) == 0);
    fmt_assert_turn(doc, 1, "Y",
                    "Ja, altså jeg selv, jeg er 56 og min mand er 57. Vi bor også her i sådan et nyere parcelhus, som "
                    "vi købte i - var det 19, var det 20 \xE2\x80\x93"
                    "20, tror jeg. Nej 19 - slutningen af 19. Og der er "
                    "gasfyr \xE2\x80\x93 det er fra 97.");
    fmt_assert_times(doc, 1, -1, -1, 5);
    fmt_assert_turn(doc, 206, "Y", "Det var så lidt, hej!");
    /* "(06.46)" is a paragraph of its own inside the interviewer's turn 28. */
    qc_turn t = fmt_turn(doc, 28);
    size_t a = qc_document_text_offset(doc, t.start), b = qc_document_text_offset(doc, t.end);
    cr_assert_str_eq(t.speaker, "I");
    cr_assert(b > a + 9 && strncmp(text + b - 9, "\n\n(06.46)", 9) == 0, "turn 28 ends '%.*s'", 20, text + b - 20);
    cr_assert_eq(qc_document_attribute_count(doc), 0); /* core.xml's title is empty */
    qc_document_free(doc);
}

Test(real_subtitles, otter_docx)
{
    QCT_REQUIRE_SHARED("transcripts/qdr_mannheimer_DC03_otter.docx");
    qc_document *doc = read_shared("transcripts/qdr_mannheimer_DC03_otter.docx");
    static const char *const names[] = {"Sara Mannheimer", "DC03"};
    assert_speakers(doc, names, 2);
    cr_assert_eq(qc_document_turn_count(doc), 71);
    fmt_assert_turn(doc, 0, "Sara Mannheimer",
                    "Okay, so to start us out, can you tell me about the types of data you usually curate? And then "
                    "what your interests are regarding data curation?");
    fmt_assert_times(doc, 0, 2000, -1, 8);
    fmt_assert_turn(doc, 2, "Sara Mannheimer", "[Redacted -- brief discussion of the details of DC03's workplace]");
    fmt_assert_times(doc, 2, 98000, -1, 14);
    fmt_assert_turn(doc, 70, "DC03", "Thank you. Bye.");
    fmt_assert_times(doc, 70, 2576000, -1, 218); /* "DC03  42:56" is paragraph 218 */
    cr_assert_str_eq(qc_document_attribute_get(doc, "created"), "2023-02-28T14:16:02Z");
    cr_assert_null(qc_document_attribute_get(doc, "title"));
    /* The preamble (title, SUMMARY KEYWORDS, SPEAKERS) is text outside any turn. */
    const char *text = qc_document_text(doc, NULL);
    cr_assert(strncmp(text, "DC03_transcript_deidentified\n\nSUMMARY KEYWORDS\n\n", 48) == 0);
    cr_assert_gt(fmt_turn(doc, 0).start, 100);
    qc_document_free(doc);
}
