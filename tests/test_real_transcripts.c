/* The real plain-text transcripts in ../shared/transcripts (ORIGIN.md says what each is). The
 * speakers and turn counts below were checked by reading the files (and counting their label
 * lines with grep). */
#include "qc_test.h"

typedef struct expect_speaker {
    const char *name;
    qc_role role;
    size_t turns;
} expect_speaker;

static qc_document *read_shared(const char *name)
{
    char *path = qct_shared_path(name);
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_file(&doc, path, NULL, &err);
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    free(path);
    return doc;
}

static void check_speakers(const qc_document *doc, const expect_speaker *e, size_t n, size_t turns)
{
    cr_assert_eq(qc_document_turn_count(doc), turns, "%zu turns", qc_document_turn_count(doc));
    cr_assert_eq(qc_document_speaker_count(doc), n, "%zu speakers", qc_document_speaker_count(doc));
    for (size_t i = 0; i < n; i++) {
        qc_role role;
        const char *name = qc_document_speaker(doc, i, &role);
        cr_assert_str_eq(name, e[i].name);
        cr_assert_eq(role, e[i].role, "role of %s", name);
        size_t count = 0;
        for (size_t t = 0; t < turns; t++) {
            qc_turn turn;
            qc_document_turn(doc, t, &turn);
            count += turn.speaker && strcmp(turn.speaker, name) == 0;
        }
        cr_assert_eq(count, e[i].turns, "%s has %zu turns", name, count);
    }
}

/* The turn's first bytes, and that its source offset points at the same bytes in the file. */
static void check_turn_start(const qc_document *doc, const char *file, size_t index, const char *start)
{
    qc_turn t;
    qc_document_turn(doc, index, &t);
    const char *text = qc_document_text(doc, NULL) + qc_document_text_offset(doc, t.start);
    cr_assert(strncmp(text, start, strlen(start)) == 0, "turn %zu starts '%.40s'", index, text);
    char *path = qct_shared_path(file);
    size_t size;
    char *raw = qct_read_file(path, &size);
    size_t src = qc_document_source_offset(doc, t.start);
    cr_assert(src + strlen(start) <= size && memcmp(raw + src, start, strlen(start)) == 0);
    free(raw);
    free(path);
}

/* Turn `index` is `speaker`'s, and the file's bytes just before and after it (by its source
 * offsets) are `before` and `after` (NULL: not checked): the marks and label of an overlap passage
 * lie outside it. Its text equals those bytes of the file. */
static void check_piece(const qc_document *doc, const char *file, size_t index, const char *speaker, const char *before,
                        const char *after)
{
    qc_turn t;
    qc_document_turn(doc, index, &t);
    cr_assert_str_eq(t.speaker, speaker, "turn %zu", index);
    char *path = qct_shared_path(file);
    size_t size;
    char *raw = qct_read_file(path, &size);
    size_t a = qc_document_source_offset(doc, t.start), b = qc_document_source_offset(doc, t.end);
    size_t ta = qc_document_text_offset(doc, t.start), tb = qc_document_text_offset(doc, t.end);
    cr_assert(tb - ta == b - a && memcmp(qc_document_text(doc, NULL) + ta, raw + a, b - a) == 0, "turn %zu", index);
    cr_assert(a >= strlen(before) && memcmp(raw + a - strlen(before), before, strlen(before)) == 0,
              "turn %zu is after '%.12s'", index, raw + a - strlen(before));
    if (after)
        cr_assert(b + strlen(after) <= size && memcmp(raw + b, after, strlen(after)) == 0, "turn %zu is before '%.12s'",
                  index, raw + b);
    free(raw);
    free(path);
}

Test(real_transcripts, qualcoder_bracketed_ids)
{
    QCT_REQUIRE_SHARED("transcripts/qualcoder_focus_group_idlabels.txt");
    qc_document *doc = read_shared("transcripts/qualcoder_focus_group_idlabels.txt");
    expect_speaker e[] = {
        {"id1", QC_ROLE_PARTICIPANT, 3}, {"id2", QC_ROLE_PARTICIPANT, 2}, {"id3", QC_ROLE_PARTICIPANT, 2}};
    check_speakers(doc, e, 3, 7);
    check_turn_start(doc, "transcripts/qualcoder_focus_group_idlabels.txt", 2, "No. I think the slides are OK");
    /* "No. I think": a sentence ends after "No." here (no number follows). */
    qc_unit s;
    qc_document_unit(doc, QC_UNIT_SENTENCE, 4, &s);
    cr_assert_eq(s.end - s.start, 3);
    qc_document_free(doc);
}

Test(real_transcripts, zoom_text_export)
{
    QCT_REQUIRE_SHARED("transcripts/zoom_text_export_bracket_names.txt");
    qc_document *doc = read_shared("transcripts/zoom_text_export_bracket_names.txt");
    expect_speaker e[] = {{"Johnny Doe", QC_ROLE_PARTICIPANT, 6}, {"Janet Dough", QC_ROLE_PARTICIPANT, 6}};
    check_speakers(doc, e, 2, 12);
    qc_turn t;
    qc_document_turn(doc, 3, &t);
    cr_assert_eq(t.time_start_ms, (11 * 3600 + 2 * 60 + 13) * 1000);
    cr_assert_eq(t.line, 10);
    check_turn_start(doc, "transcripts/zoom_text_export_bracket_names.txt", 3, "Yeah, and I did an\xE2\x80\xA6 I hope");
    qc_document_free(doc);
}

Test(real_transcripts, noscribe_label_then_time)
{
    QCT_REQUIRE_SHARED("transcripts/noscribe_interview_de_timestamps.txt");
    const char *file = "transcripts/noscribe_interview_de_timestamps.txt";
    qc_document *doc = read_shared(file);
    /* "Audio file: ./Ein Gespräch..." in the header appears once: not a speaker. 55 labelled lines
     * (S01 28, S00 26, S02 1) and 23 overlap passages (`//S02: ... //`: S00 9, S01 8, S02 6), 20 of
     * them followed by more of the host's text on the line (S01 9, S00 11): S02 speaks 7 times. */
    expect_speaker e[] = {
        {"S01", QC_ROLE_PARTICIPANT, 45}, {"S02", QC_ROLE_PARTICIPANT, 7}, {"S00", QC_ROLE_PARTICIPANT, 46}};
    check_speakers(doc, e, 3, 98);
    qc_turn t;
    qc_document_turn(doc, 0, &t);
    cr_assert_eq(t.line, 11);
    cr_assert_eq(t.time_start_ms, 12000);
    check_turn_start(doc, file, 0,
                     "Guten Tag, ich habe heute die gro\xC3\x9F"
                     "e");
    /* Line 11: S01, an S02 passage, S01 again, an S00 passage, S01 again. */
    check_piece(doc, file, 1, "S02", "//S02: ", " //");
    check_piece(doc, file, 2, "S01", "// ", NULL);
    check_piece(doc, file, 3, "S00", "//S00: ", " //");
    check_piece(doc, file, 4, "S01", "// ", "\n");
    qc_document_turn(doc, 1, &t);
    cr_assert_eq(t.line, 11);
    cr_assert_eq(t.time_start_ms, -1);
    /* Line 47: two passages in a row share a mark, and the second closes the line. */
    check_piece(doc, file, 37, "S00", "//S00: ", " //S02: ");
    check_piece(doc, file, 38, "S02", " //S02: ", "//\n");
    /* No turn holds a marker or a label. */
    const char *text = qc_document_text(doc, NULL);
    for (size_t i = 0; i < qc_document_turn_count(doc); i++) {
        qc_document_turn(doc, i, &t);
        size_t a = qc_document_text_offset(doc, t.start), b = qc_document_text_offset(doc, t.end);
        for (size_t k = a; k + 1 < b; k++)
            cr_assert(!(text[k] == '/' && text[k + 1] == '/'), "turn %zu holds '//'", i);
    }
    cr_assert_eq(qc_document_attribute_count(doc), 0);
    qc_document_free(doc);
}

Test(real_transcripts, otter_export)
{
    QCT_REQUIRE_SHARED("transcripts/qdr_mannheimer_BSR09_otter.txt");
    qc_document *doc = read_shared("transcripts/qdr_mannheimer_BSR09_otter.txt");
    expect_speaker e[] = {{"Sara Mannheimer", QC_ROLE_PARTICIPANT, 37}, {"BSR09", QC_ROLE_PARTICIPANT, 37}};
    check_speakers(doc, e, 2, 74);
    qc_turn t;
    qc_document_turn(doc, 1, &t);
    cr_assert_eq(t.time_start_ms, 127000);
    cr_assert_eq(t.line, 11);
    check_turn_start(doc, "transcripts/qdr_mannheimer_BSR09_otter.txt", 1, "Sure, yeah. I'm a postdoctoral researcher");
    /* Otter writes a broken-off start as "... " and goes on in lower case: one sentence, not two
     * (docs/transcripts.md, "Sentences and words") */
    size_t size, broken = 0;
    const char *text = qc_document_text(doc, &size);
    for (size_t i = 0; i < qc_document_unit_count(doc, QC_UNIT_SENTENCE); i++) {
        qc_unit u;
        qc_document_unit(doc, QC_UNIT_SENTENCE, i, &u);
        size_t a = qc_document_text_offset(doc, u.start), b = qc_document_text_offset(doc, u.end);
        cr_expect(!(b - a >= 3 && memcmp(text + b - 3, "...", 3) == 0 && b < size && text[b] == ' ' && b + 1 < size &&
                    text[b + 1] >= 'a' && text[b + 1] <= 'z'),
                  "a sentence ends at an ellipsis with a lower-case word after it: %.*s", (int)(b - a), text + a);
        for (size_t k = a; k + 4 < b; k++)
            broken += memcmp(text + k, "... ", 4) == 0 && text[k + 4] >= 'a' && text[k + 4] <= 'z';
    }
    cr_expect_geq(broken, 15, "the transcript's broken-off starts inside sentences: %zu", broken);
    qc_document_free(doc);
}

Test(real_transcripts, markdown_bold_podcast)
{
    QCT_REQUIRE_SHARED("transcripts/changelog_gotime160_podcast.md");
    qc_document *doc = read_shared("transcripts/changelog_gotime160_podcast.md");
    /* `**Break:** \[26:08\]` (twice) is a label with a time and no text: skipped, with a note
     * each, and Break is no speaker. */
    expect_speaker e[] = {{"Mat Ryer", QC_ROLE_PARTICIPANT, 162},
                          {"Natalie Pistunovich", QC_ROLE_PARTICIPANT, 67},
                          {"Kris Brandow", QC_ROLE_PARTICIPANT, 48},
                          {"L K\xC3\xB6rbes", QC_ROLE_PARTICIPANT, 91},
                          {"Jingle", QC_ROLE_PARTICIPANT, 1}};
    check_speakers(doc, e, 5, 369);
    cr_assert_eq(qc_document_note_count(doc), 2);
    uint32_t line;
    const char *message;
    cr_assert_eq(qc_document_note(doc, 1, &line, &message), 0);
    cr_assert_eq(line, 601);
    cr_assert_str_eq(message, "speaker label 'Break' with no text; turn skipped");
    check_turn_start(doc, "transcripts/changelog_gotime160_podcast.md", 0, "Hello there, and welcome to Go Time.");
    qc_document_free(doc);
}

Test(real_transcripts, oral_history_labels_alone_and_metadata_block)
{
    QCT_REQUIRE_SHARED("transcripts/ieee_oral_history_arai_2013_en.md");
    qc_document *doc = read_shared("transcripts/ieee_oral_history_arai_2013_en.md");
    /* INTERVIEWEE:/INTERVIEWER:/DATE:/PLACE: before the dialogue are metadata, not turns. */
    expect_speaker e[] = {{"Q", QC_ROLE_INTERVIEWER, 36}, {"Tatsuo Arai", QC_ROLE_PARTICIPANT, 36}};
    check_speakers(doc, e, 2, 72);
    qc_turn t;
    qc_document_turn(doc, 0, &t);
    cr_assert_eq(t.line, 34);
    check_turn_start(doc, "transcripts/ieee_oral_history_arai_2013_en.md", 0, "Okay, so we\xE2\x80\x99re rolling.");
    /* Its `##` headings with text under them (the biography, the copyright statement) come before
     * the first label: a preamble, left out without a warning. Every later heading is followed by
     * a label, so no text is outside every turn. */
    cr_assert_eq(qc_document_note_count(doc), 0);
    qc_document_free(doc);
}

/* The words of a document, and that none starts right after a '[': a clock there is a time stamp. */
static size_t words_outside_stamps(const qc_document *doc)
{
    const char *text = qc_document_text(doc, NULL);
    size_t n = qc_document_unit_count(doc, QC_UNIT_WORD);
    for (size_t i = 0; i < n; i++) {
        qc_unit w;
        qc_document_unit(doc, QC_UNIT_WORD, i, &w);
        size_t a = qc_document_text_offset(doc, w.start);
        cr_assert(a == 0 || text[a - 1] != '[' || !(text[a] >= '0' && text[a] <= '9'), "word %zu: '%.12s'", i,
                  text + a - 1);
    }
    return n;
}

/* Time stamps inside turns are markup, not words: noScribe's two in the middle of a turn
 * ("[00:05:49] Dann", "[00:08:08] Und"; its 55 others follow a label and give the turn its time),
 * 3 words each, and the podcast's 20 Markdown-escaped ones after its bold labels and inside turns
 * ("\[04:09\]", "\[01:03:00.13\] to \[01:03:14.00\]"), 44 words in all (counted with grep). The
 * words went from 2216 and 11044 to 2210 and 11000. */
Test(real_transcripts, time_stamps_inside_turns_are_not_words)
{
    QCT_REQUIRE_SHARED("transcripts/noscribe_interview_de_timestamps.txt");
    QCT_REQUIRE_SHARED("transcripts/changelog_gotime160_podcast.md");
    qc_document *doc = read_shared("transcripts/noscribe_interview_de_timestamps.txt");
    cr_assert_eq(words_outside_stamps(doc), 2210);
    qc_document_free(doc);
    doc = read_shared("transcripts/changelog_gotime160_podcast.md");
    cr_assert_eq(words_outside_stamps(doc), 11000);
    qc_document_free(doc);
}

Test(real_transcripts, inspect_reads_every_shared_transcript)
{
    QCT_REQUIRE_SHARED("transcripts");
    char *dir = qct_shared_path("transcripts");
    qct_run r;
    qct_qcode(&r, NULL, "inspect --turns 1 '%s'", dir);
    cr_assert(qct_contains(r.out, "qualcoder_focus_group_idlabels.txt\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "  speaker:    Q (interviewer, 36 turns)\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "noscribe_interview_de_timestamps.txt\n"));
    cr_assert(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
    qct_run_free(&r);
    free(dir);
}
