/* qcode inspect: output text, casebook warnings, XML, bad files in folders, exit codes. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sys/stat.h>

#include "cut_helpers.h"
#include "qc_test.h"
#include "xml_fail.h"

static char *make_corpus(void)
{
    char *dir = qct_temp_dir();
    const char *a = "title: Ward visit\nsite: RS1\n\nI: How long have you been here?\nN15: Nine years, on and "
                    "off, mostly in the community teams around the north of the city.\nI: And?\nN15: Fine.\n";
    free(qct_write_file(dir, "a.txt", a, strlen(a)));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/sub", dir);
    cr_assert_eq(mkdir(cmd, 0755), 0);
    const char *b = "**Ann:** Hello.\n\n**Bob:** Hi.\n";
    free(qct_write_file(cmd, "b.md", b, strlen(b)));
    free(qct_write_file(dir, "ignored.m4a", "x", 1));
    return dir;
}

Test(inspect, prints_documents_speakers_counts_and_first_turns)
{
    char *dir = make_corpus();
    qct_run r;
    qct_qcode(&r, dir, "inspect --turns 2 .");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.err, "");
    const char *expected = "a.txt\n"
                           "  path:       ./a.txt\n"
                           "  format:     text\n"
                           "  attribute:  title = Ward visit\n"
                           "  attribute:  site = RS1\n"
                           "  speaker:    I (interviewer, 2 turns)\n"
                           "  speaker:    N15 (participant, 2 turns)\n"
                           "  counts:     4 turns, 4 paragraphs, 4 sentences, 24 words\n"
                           "  turn 0:     line 4, I: How long have you been here?\n"
                           "  turn 1:     line 5, N15: Nine years, on and off, mostly in the community teams "
                           "around the north o…\n"
                           "\n"
                           "sub/b.md\n"
                           "  path:       ./sub/b.md\n"
                           "  format:     text\n"
                           "  speaker:    Ann (participant, 1 turn)\n"
                           "  speaker:    Bob (participant, 1 turn)\n"
                           "  counts:     2 turns, 2 paragraphs, 2 sentences, 2 words\n"
                           "  turn 0:     line 1, Ann: Hello.\n"
                           "  turn 1:     line 3, Bob: Hi.\n"
                           "\n";
    cr_assert_str_eq(r.out, expected);
    qct_run_free(&r);
    free(dir);
}

Test(inspect, casebook_reports_unknown_speakers)
{
    char *dir = make_corpus();
    free(qct_write_file(dir, "cases.tsv", "speaker\tprofession\nN15\tnurse\n", 29));
    qct_run r;
    qct_qcode(&r, dir, "inspect --cases cases.tsv --turns 0 a.txt sub/b.md");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(qct_contains(r.out, "  speaker:    N15 (participant, 2 turns) profession=nurse\n"), "%s", r.out);
    /* Participants the casebook lacks are reported; the interviewer 'I' is not a respondent. */
    cr_assert_str_eq(r.err, "sub/b.md: warning: speaker 'Ann' in document 'b.md' is not in the casebook\n"
                            "sub/b.md: warning: speaker 'Bob' in document 'b.md' is not in the casebook\n");
    qct_run_free(&r);
    free(dir);
}

/* Names from files in inspect's text output and warnings: a file, a speaker label, an attribute or
 * a casebook value holding an ESC went to the terminal as it was (moving the cursor, recolouring
 * it), and so did an ESC in a turn's text. Each is now U+001B, the rest of the UTF-8 as it is. */
Test(inspect, names_from_files_reach_the_terminal_without_their_control_characters)
{
    char *dir = qct_temp_dir();
    const char vtt[] = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann\033[2J>We wait \033[1mhere.\n\n"
                       "00:00:05.000 --> 00:00:06.000\n<v Bob>Ja.\n";
    free(qct_write_file(dir, "\xc3\xbc\033[31m.vtt", vtt, strlen(vtt)));
    const char txt[] = "site: R\033[7mS1\n\nN15: Fine.\n";
    free(qct_write_file(dir, "t\033]0;title\a.txt", txt, strlen(txt)));
    free(qct_write_file(dir, "cases.tsv", "speaker\tage\nBob\t4\033[0m0\nN15\t1\n", 29));
    qct_run r;
    qct_qcode(&r, dir, "inspect --cases cases.tsv .");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect(qct_contains(r.out, "tU+001B]0;titleU+0007.txt\n"
                                  "  path:       ./tU+001B]0;titleU+0007.txt\n"
                                  "  format:     text\n"
                                  "  attribute:  site = RU+001B[7mS1\n"),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "\xc3\xbcU+001B[31m.vtt\n  path:       ./\xc3\xbcU+001B[31m.vtt\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "  speaker:    AnnU+001B[2J (participant, 1 turn)\n"
                                  "  speaker:    Bob (participant, 1 turn) age=4U+001B[0m0\n"),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "  turn 0:     cue 1, 00:00:01, AnnU+001B[2J: We wait U+001B[1mhere.\n"), "%s",
              r.out);
    cr_expect(qct_contains(r.err, "./\xc3\xbcU+001B[31m.vtt: warning: speaker 'AnnU+001B[2J' in document "
                                  "'\xc3\xbcU+001B[31m.vtt' is not in the casebook\n"),
              "%s", r.err);
    cr_expect(!qct_wrote_esc(&r), "an ESC reached the terminal:\n%s%s", r.out, r.err);
    qct_run_free(&r);
    free(dir);
}

/* A casebook keyed by document id must serve inspect as it serves code: a file named with folders
 * is the document of its bare name for both (inspect kept the path as given, so its rows went
 * unused and its speakers were reported as unknown). */
Test(inspect, file_named_with_folders_has_the_document_id_code_gives_it)
{
    char *dir = make_corpus();
    const char *tsv = "document\tspeaker\tsite\nb.md\tAnn\tRS1\nb.md\tBob\tRS2\n";
    free(qct_write_file(dir, "cases.tsv", tsv, strlen(tsv)));
    qct_run r;
    qct_qcode(&r, dir, "inspect --cases cases.tsv --turns 0 ./sub/b.md");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert(qct_contains(r.out, "b.md\n  path:       ./sub/b.md\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "  speaker:    Ann (participant, 1 turn) site=RS1\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "  speaker:    Bob (participant, 1 turn) site=RS2\n"), "%s", r.out);
    qct_run_free(&r);
    /* code reads the same casebook for the same file, with no unknown speaker either. */
    const char *qcb = "codebook \"t\"\ncode HELLO \"Hello\"\n  rule hello\n";
    free(qct_write_file(dir, "t.qcb", qcb, strlen(qcb)));
    qct_qcode(&r, dir, "code -c t.qcb --cases cases.tsv ./sub/b.md");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_not(qct_contains(r.err, "not in the casebook"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* A label with no text is left out with a warning at its line; the document is shown, exit 0. */
Test(inspect, a_label_with_no_text_is_a_warning)
{
    char *dir = qct_temp_dir();
    const char e[] = "S1: [00:00:01] Hello there.\nS2: [00:11:37]\nS1: Back.\n";
    free(qct_write_file(dir, "e.txt", e, strlen(e)));
    qct_run r;
    qct_qcode(&r, dir, "inspect e.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.err, "e.txt:2:1: warning: speaker label 'S2' with no text; turn skipped\n");
    cr_expect(qct_contains(r.out, "counts:     2 turns"), "%s", r.out);
    cr_expect(!qct_contains(r.out, "S2"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

Test(inspect, bad_casebook_is_a_usage_error)
{
    char *dir = make_corpus();
    free(qct_write_file(dir, "cases.tsv", "speaker\tx\nN1\t1\t2\n", 17));
    qct_run r;
    qct_qcode(&r, dir, "inspect --cases cases.tsv a.txt");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "cases.tsv:2:6: error: row has 3 fields"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

Test(inspect, folder_goes_on_past_a_bad_file)
{
    char *dir = make_corpus();
    free(qct_write_file(dir, "bad.txt", "I: ok\nR: caf\xE9\n", 14));
    free(qct_write_file(dir, "empty.txt", "", 0));
    qct_run r;
    qct_qcode(&r, dir, "inspect --turns 0 .");
    cr_assert_eq(r.status, 1);
    cr_assert(qct_contains(r.out, "a.txt\n"));
    cr_assert(qct_contains(r.out, "sub/b.md\n"));
    cr_assert(qct_contains(r.err, "./bad.txt:2:7: error: invalid UTF-8 (byte 0xE9 at offset 12)"), "%s", r.err);
    cr_assert(qct_contains(r.err, "./empty.txt: error: empty transcript"), "%s", r.err);
    cr_assert(qct_contains(r.err, "qcode: 2 of 4 files could not be read:\n  ./bad.txt\n  ./empty.txt\n"), "%s", r.err);
    qct_run_free(&r);
    /* The same file read as Windows-1252 is fine. */
    qct_qcode(&r, dir, "inspect --encoding windows-1252 --turns 2 bad.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "R: caf\xC3\xA9\n"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

Test(inspect, options_for_speakers)
{
    char *dir = make_corpus();
    qct_run r;
    qct_qcode(&r, dir, "inspect --no-speakers --turns 1 a.txt");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "speakers:   none (one unlabelled narrative)\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "counts:     1 turn, "), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --interviewer N15 --turns 0 a.txt");
    cr_assert(qct_contains(r.out, "speaker:    I (participant, 2 turns)\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "speaker:    N15 (interviewer, 2 turns)\n"), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --speaker-pattern '(?<speaker>N15):' --turns 0 a.txt");
    cr_assert(qct_contains(r.out, "speaker:    N15 (participant, 2 turns)\n  counts"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* A speaker pattern that does not compile, or has no speaker group, is one usage error before any
 * file is read (it was printed once per file, with exit 1), as in `qcode code`. */
Test(inspect, bad_speaker_pattern_is_one_usage_error)
{
    char *dir = make_corpus();
    static const char *const patterns[] = {"'(?<speaker>'", "'x:'"};
    static const char *const messages[] = {"qcode: error: speaker pattern: missing closing parenthesis",
                                           "qcode: error: speaker pattern has no (?<speaker>...) group"};
    for (size_t i = 0; i < 2; i++) {
        qct_run r;
        qct_qcode(&r, dir, "inspect --speaker-pattern %s .", patterns[i]);
        cr_expect_eq(r.status, 2, "%s: %s", patterns[i], r.err);
        cr_expect(qct_contains(r.err, messages[i]), "%s: %s", patterns[i], r.err);
        const char *first = strstr(r.err, "speaker pattern");
        cr_expect(first && !strstr(first + 1, "speaker pattern"), "%s: said once: %s", patterns[i], r.err);
        cr_expect_str_eq(r.out, "", "%s: nothing read", patterns[i]);
        qct_run_free(&r);
    }
    free(dir);
}

Test(inspect, usage_errors_exit_2)
{
    char *dir = make_corpus();
    const char *cases[][2] = {
        {"inspect", "no transcripts given"},
        {"inspect --format json a.txt", "--format must be text or xml"},
        {"inspect --turns x a.txt", "--turns needs a number"},
        {"inspect --encoding latin9 a.txt", "--encoding must be"},
        {"inspect --bogus a.txt", "unknown option '--bogus'"},
        {"inspect --words a.txt", "--words only applies"},
        {"inspect missing.txt", "missing.txt"},
        {"inspect ignored-dir-that-is-not-there/", "ignored-dir-that-is-not-there"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qct_run r;
        qct_qcode(&r, dir, "%s", cases[i][0]);
        cr_assert_eq(r.status, 2, "%s: exit %d", cases[i][0], r.status);
        cr_assert(qct_contains(r.err, cases[i][1]), "%s: %s", cases[i][0], r.err);
        cr_assert_str_eq(r.out, "");
        qct_run_free(&r);
    }
    free(dir);
}

static size_t count_elements(xmlNode *node, const char *name)
{
    size_t n = 0;
    for (; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0)
            n++;
        n += count_elements(node->children, name);
    }
    return n;
}

Test(inspect, xml_is_well_formed_and_holds_the_model)
{
    char *dir = make_corpus();
    qct_run r;
    qct_qcode(&r, dir, "inspect --format xml --words .");
    cr_assert_eq(r.status, 0, "%s", r.err);
    xmlDoc *x = xmlReadMemory(r.out, (int)strlen(r.out), "out.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    cr_assert_not_null(x, "not well-formed XML:\n%s", r.out);
    xmlNode *root = xmlDocGetRootElement(x);
    cr_assert_str_eq((const char *)root->name, "documents");
    cr_assert_eq(count_elements(root, "document"), 2);
    cr_assert_eq(count_elements(root, "turn"), 6);
    cr_assert_eq(count_elements(root, "sentence"), 6);
    cr_assert_eq(count_elements(root, "word"), 26);
    cr_assert_eq(count_elements(root, "attribute"), 2);
    cr_assert(qct_contains(r.out, "<turn index=\"0\" start=\"32\" end=\"60\" source-start=\"32\" source-end=\"60\" "
                                  "speaker=\"I\" role=\"interviewer\" line=\"4\">"),
              "%s", r.out);
    cr_assert(qct_contains(r.out, "<word start=\"32\" end=\"35\">How</word>"), "%s", r.out);
    xmlFreeDoc(x);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml a.txt");
    cr_assert_not(qct_contains(r.out, "<word"));
    qct_run_free(&r);
    free(dir);
}

/* Spellings of one name (case, an accent typed as a combining mark) are one speaker, as coding
 * counts them one respondent: listed once, as first written, with the turns of every spelling,
 * in the text and in the XML, and reported once when the casebook lacks them. Each turn keeps its
 * label as written. inspect listed `Élodie`, `élodie` and `E` + U+0301 `lodie` as three. */
Test(inspect, spellings_of_one_name_are_one_speaker)
{
    char *dir = qct_temp_dir();
    const char doc[] = "\xC3\x89lodie: Bonjour.\nInterviewer: Et alors?\n\xC3\xA9lodie: Oui.\nE\xCC\x81lodie: Non.\n"
                       "Interviewer: Merci.\n\xC3\xA9lodie: Au revoir.\n";
    free(qct_write_file(dir, "a.txt", doc, strlen(doc)));
    free(qct_write_file(dir, "cases.tsv", "speaker\tteam\nS1\tRS1\n", 20));
    qct_run r;
    qct_qcode(&r, dir, "inspect --turns 4 --cases cases.tsv a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *expected = "a.txt\n"
                           "  path:       a.txt\n"
                           "  format:     text\n"
                           "  speaker:    \xC3\x89lodie (participant, 4 turns)\n"
                           "  speaker:    Interviewer (interviewer, 2 turns)\n"
                           "  counts:     6 turns, 6 paragraphs, 6 sentences, 8 words\n"
                           "  turn 0:     line 1, \xC3\x89lodie: Bonjour.\n"
                           "  turn 1:     line 2, Interviewer: Et alors?\n"
                           "  turn 2:     line 3, \xC3\xA9lodie: Oui.\n"
                           "  turn 3:     line 4, E\xCC\x81lodie: Non.\n"
                           "\n";
    cr_expect_str_eq(r.out, expected);
    cr_expect_str_eq(r.err, "a.txt: warning: speaker '\xC3\x89lodie' in document 'a.txt' is not in the casebook\n"
                            "cases.tsv:2: warning: speaker 'S1' speaks in none of the documents read: the row gives "
                            "no values\n");
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* (libxml2 writes what is beyond ASCII in attributes as character references) */
    cr_expect(qct_contains(r.out, "<speaker name=\"&#xC9;lodie\" role=\"participant\" turns=\"4\"/>\n"
                                  "  <speaker name=\"Interviewer\" role=\"interviewer\" turns=\"2\"/>\n  <turn"),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "speaker=\"&#xE9;lodie\" role=\"participant\" line=\"3\""), "%s", r.out);
    cr_expect(qct_contains(r.out, "speaker=\"E&#x301;lodie\" role=\"participant\" line=\"4\""), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* `in-casebook` says whether the casebook's speaker rows know the speaker; a casebook of documents
 * alone has none and does not say "no" of every speaker. */
Test(inspect, xml_says_in_casebook_only_for_a_casebook_of_speakers)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "a.txt", "I: Hi.\nN15: Hello.\nN16: Yes.\n", 29));
    free(qct_write_file(dir, "people.tsv", "speaker\tprofession\nN15\tnurse\n", 29));
    free(qct_write_file(dir, "docs.tsv", "document\tsite\na.txt\tNorth\n", 26));
    qct_run r;
    qct_qcode(&r, dir, "inspect --format xml --cases people.tsv a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "<speaker name=\"N15\" role=\"participant\" turns=\"1\" in-casebook=\"yes\">"), "%s",
              r.out);
    cr_assert(qct_contains(r.out, "<speaker name=\"N16\" role=\"participant\" turns=\"1\" in-casebook=\"no\"/>"), "%s",
              r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml --cases docs.tsv a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not(qct_contains(r.out, "in-casebook"), "%s", r.out);
    cr_assert(qct_contains(r.out, "<case-attribute name=\"site\" value=\"North\"/>"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* A file name that is not UTF-8 is written with U+FFFD for the byte, as results.xml writes it: libxml2
 * took 0xE9 for the start of a three-byte character and wrote "bad&#x9D74;f.txt", "ut" gone. */
Test(inspect, xml_writes_a_name_that_is_not_utf8_as_results_do)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "bad\xe9utf.txt", "R: Fine.\n", 9));
    qct_run r;
    qct_qcode(&r, dir, "inspect --format xml .");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "<document id=\"bad&#xFFFD;utf.txt\" path=\"./bad&#xFFFD;utf.txt\""), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* libxml2's allocations failing (xml_fail.h), each in turn, while a document's model is written:
 * libxml2's writer printed "Memory allocation failed" itself, and qcode said the write failed. */
typedef struct model_write {
    const qc_document *doc;
    char *ref, *got;
    size_t ref_len, got_len;
} model_write;

static int write_model(long n, void *user, qc_error *err)
{
    (void)n;
    model_write *w = user;
    FILE *fp = open_memstream(&w->got, &w->got_len);
    int rc = qc_document_write_xml(w->doc, NULL, fp, QC_DOCUMENT_XML_WORDS, err);
    fclose(fp);
    return rc;
}

static void same_model(long n, int status, void *user)
{
    model_write *w = user;
    if (status == 0)
        cr_assert_str_eq(w->got, w->ref, "allocation %ld failing: written otherwise", n);
    free(w->got);
}

Test(inspect, xml_out_of_memory_in_libxml2_prints_nothing_and_is_told)
{
    char *dir = qct_temp_dir();
    static const char text[] = "title: Ward visit\nI: How long have you been here?\nN15: Nine years.\n";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "a.txt", text, sizeof text - 1, NULL, &err), 0, "%s", err.message);
    char err_path[1200];
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    model_write w = {doc, NULL, NULL, 0, 0};
    cr_assert_eq(write_model(0, &w, &err), 0, "%s", err.message);
    w.ref = w.got;
    xml_fail_call call = {write_model, same_model, &w};
    long n = xml_fail_each("a.txt's model", err_path, &call);
    cr_assert_gt(n, 2, "libxml2 allocated only %ld times", n);
    free(w.ref);
    qc_document_free(doc);
    free(dir);
}

/* Turn 0 of `file` (bytes src) must span from the first byte of `first` to the last of `last`. */
static void expect_turn0_source(const char *dir, const char *file, const char *src, const char *first, const char *last)
{
    char want[96];
    snprintf(want, sizeof want, "source-start=\"%zu\" source-end=\"%zu\" speaker=", (size_t)(strstr(src, first) - src),
             (size_t)(strstr(src, last) - src) + strlen(last));
    qct_run r;
    qct_qcode(&r, dir, "inspect --format xml %s", file);
    cr_assert_eq(r.status, 0, "%s: %s", file, r.err);
    cr_assert(qct_contains(r.out, want), "%s: want %s in\n%s", file, want, r.out);
    qct_run_free(&r);
}

/* A turn's source-end is where its own text ends in the file: in subtitles and .docx the code point
 * after the turn is the blank line the reader writes, which maps to the next cue or paragraph (the
 * end was there, past the next timing line or <w:p>). */
Test(inspect, source_end_of_a_vtt_turn)
{
    char *dir = qct_temp_dir();
    const char *vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.520\n<v Ann>Hello everyone,\nwelcome.</v>\n\n"
                      "00:00:05.100 --> 00:00:08.340\n<v Bob>Thanks.\n";
    free(qct_write_file(dir, "a.vtt", vtt, strlen(vtt)));
    expect_turn0_source(dir, "a.vtt", vtt, "Hello everyone,", "welcome.");
    free(dir);
}

Test(inspect, source_end_of_an_srt_turn)
{
    char *dir = qct_temp_dir();
    const char *srt = "1\n00:00:01,000 --> 00:00:04,520\nInterviewer: Hello everyone,\nwelcome.\n\n"
                      "2\n00:00:05,100 --> 00:00:08,340\nS1: Thanks.\n";
    free(qct_write_file(dir, "a.srt", srt, strlen(srt)));
    expect_turn0_source(dir, "a.srt", srt, "Hello everyone,", "welcome.");
    free(dir);
}

Test(inspect, source_end_of_a_docx_turn)
{
    char *dir = qct_temp_dir();
    /* Danish text: libxml2 hands what follows the first non-ASCII character over from a copy, which
     * is still the file's text, byte for byte. */
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document "
                      "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>\n"
                      "<w:p><w:r><w:t xml:space=\"preserve\">I: Hvordan går det</w:t></w:r>"
                      "<w:r><w:t>? Fortæl.</w:t></w:r></w:p>\n"
                      "<w:p><w:r><w:t>R: Godt.</w:t></w:r></w:p>\n</w:body></w:document>";
    char *basic = qct_source_path("tests/data/formats/basic.docx");
    char docx[1024];
    snprintf(docx, sizeof docx, "%s/a.docx", dir);
    cut_zip_with(basic, "word/document.xml", xml, strlen(xml), docx);
    expect_turn0_source(dir, "a.docx", xml, "Hvordan g\xC3\xA5r det", "? Fortæl.");
    free(basic);
    free(dir);
}

/* Where a turn starts is named as its reader counts it: a .docx paragraph, a subtitle cue ("line
 * 2" of a WebVTT file pointed at its header), a line of plain text. */
Test(inspect, a_turn_starts_at_a_paragraph_or_a_cue)
{
    char *dir = qct_temp_dir();
    static const char vtt[] = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hello.\n\n"
                              "00:00:03.000 --> 00:00:04.000\n<v Bob>Hi.\n";
    free(qct_write_file(dir, "a.vtt", vtt, sizeof vtt - 1));
    char *basic = qct_source_path("tests/data/formats/basic.docx");
    qct_run r;
    qct_qcode(&r, dir, "inspect a.vtt '%s'", basic);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  turn 1:     cue 2, 00:00:03, Bob: Hi.\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "  turn 0:     paragraph 3, Interviewer: How does the co\u2011location work?\n"),
              "%s", r.out);
    qct_run_free(&r);
    free(basic);
    free(dir);
}

/* A subtitle turn that merged cues of one speaker names them all, in text and in XML: a researcher
 * looking for a quotation in the recording needs to know the turn is more than its first cue. A
 * merge is the ordinary reading of subtitles (one speaker's words cut every few seconds), so it is
 * shown here, not warned about. */
Test(inspect, a_turn_of_merged_cues_names_them)
{
    char *dir = qct_temp_dir();
    static const char vtt[] = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hello.\n\n"
                              "00:00:02.000 --> 00:00:03.000\n<v Ann>Again.\n\n"
                              "00:00:03.000 --> 00:00:04.000\n<v Bob>Hi.\n";
    free(qct_write_file(dir, "a.vtt", vtt, sizeof vtt - 1));
    qct_run r;
    qct_qcode(&r, dir, "inspect a.vtt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  turn 0:     cues 1-2, 00:00:01, Ann: Hello. Again.\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "  turn 1:     cue 3, 00:00:03, Bob: Hi.\n"), "%s", r.out);
    cr_expect_str_eq(r.err, "");
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml a.vtt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "line=\"1\" last-cue=\"2\""), "%s", r.out);
    cr_expect(!qct_contains(r.out, "line=\"3\" last-cue"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* A subtitle file says how many cues it has, before its turns (which merge cues of one speaker),
 * in text and in XML: a cue whose voice had no text is one, and is counted. Other formats have no
 * cues and say none. */
Test(inspect, a_subtitle_file_says_how_many_cues_it_has)
{
    char *dir = qct_temp_dir();
    static const char vtt[] = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hello.\n\n"
                              "00:00:02.000 --> 00:00:03.000\n<v Ann>Again.\n\n"
                              "00:00:03.000 --> 00:00:04.000\n<v Cy>\n\n"
                              "00:00:04.000 --> 00:00:05.000\n<v Bob>Hi.\n";
    static const char srt[] = "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hello.\n";
    free(qct_write_file(dir, "a.vtt", vtt, sizeof vtt - 1));
    free(qct_write_file(dir, "a.srt", srt, sizeof srt - 1));
    free(qct_write_file(dir, "a.txt", "P1: Fine.\n", 10));
    qct_run r;
    qct_qcode(&r, dir, "inspect a.vtt a.srt a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  counts:     4 cues, 2 turns, 2 paragraphs, 3 sentences, 3 words\n"
                                  "  turn 0:     cues 1-2, 00:00:01, Ann: Hello. Again.\n"
                                  "  turn 1:     cue 4, 00:00:04, Bob: Hi.\n"),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "  counts:     1 cue, 1 turn, 1 paragraph, 1 sentence, 1 word\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "  format:     text\n  speaker:    P1 (participant, 1 turn)\n"
                                  "  counts:     1 turn, 1 paragraph, 1 sentence, 1 word\n"),
              "%s", r.out);
    cr_expect_str_eq(r.err, "a.vtt:10:1: warning: voice 'Cy' with no text; cue 3 skipped\n");
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml a.vtt a.srt a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "format=\"vtt\" encoding=\"utf-8\" byte-order-mark=\"no\" length=\"28\" cues=\"4\" "
                                  "turns=\"2\" paragraphs=\"2\""),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "format=\"srt\" encoding=\"utf-8\" byte-order-mark=\"no\" length=\"19\" cues=\"1\" "
                                  "turns=\"1\""),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "format=\"text\" encoding=\"utf-8\" byte-order-mark=\"no\" length=\"10\" turns="),
              "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* ASCII text as UTF-16, in one byte order, with its byte order mark or without. */
static size_t ascii_utf16(const char *ascii, int big_endian, int bom, char *out)
{
    size_t n = 0;
    if (bom) {
        out[n++] = (char)(big_endian ? 0xFE : 0xFF);
        out[n++] = (char)(big_endian ? 0xFF : 0xFE);
    }
    for (; *ascii; ascii++) {
        out[n++] = big_endian ? 0 : *ascii;
        out[n++] = big_endian ? *ascii : 0;
    }
    return n;
}

/* A file read as UTF-16 ("Unicode text") says so, with its byte order and whether it had a mark,
 * and so does Windows-1252 asked for; UTF-8 says nothing in the text, as most files are. The XML
 * says it always. Until 2026-12-07 nothing showed that a file had been converted, and its byte
 * offsets (source-start) count its UTF-8 copy, not the file. */
Test(inspect, a_file_read_as_utf16_says_so)
{
    char *dir = qct_temp_dir();
    char bytes[256];
    free(qct_write_file(dir, "le.txt", bytes, ascii_utf16("P1: Fine.\n", 0, 1, bytes)));
    free(qct_write_file(dir, "be.txt", bytes, ascii_utf16("P1: Fine.\n", 1, 0, bytes)));
    free(qct_write_file(dir, "u8.txt", "P1: Fine.\n", 10));
    qct_run r;
    qct_qcode(&r, dir, "inspect le.txt be.txt u8.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "le.txt\n"
                            "  path:       le.txt\n"
                            "  format:     text\n"
                            "  encoding:   UTF-16 LE (byte order mark), read as UTF-8\n"
                            "  speaker:    P1 (participant, 1 turn)\n"
                            "  counts:     1 turn, 1 paragraph, 1 sentence, 1 word\n"
                            "  turn 0:     line 1, P1: Fine.\n"
                            "\n"
                            "be.txt\n"
                            "  path:       be.txt\n"
                            "  format:     text\n"
                            "  encoding:   UTF-16 BE (no byte order mark), read as UTF-8\n"
                            "  speaker:    P1 (participant, 1 turn)\n"
                            "  counts:     1 turn, 1 paragraph, 1 sentence, 1 word\n"
                            "  turn 0:     line 1, P1: Fine.\n"
                            "\n"
                            "u8.txt\n"
                            "  path:       u8.txt\n"
                            "  format:     text\n"
                            "  speaker:    P1 (participant, 1 turn)\n"
                            "  counts:     1 turn, 1 paragraph, 1 sentence, 1 word\n"
                            "  turn 0:     line 1, P1: Fine.\n"
                            "\n");
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --encoding windows-1252 u8.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  format:     text\n  encoding:   Windows-1252 (--encoding windows-1252)\n"), "%s",
              r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml le.txt be.txt u8.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "<document id=\"le.txt\" path=\"le.txt\" format=\"text\" encoding=\"utf-16le\" "
                                  "byte-order-mark=\"yes\" length="),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "format=\"text\" encoding=\"utf-16be\" byte-order-mark=\"no\" length="), "%s", r.out);
    cr_expect(qct_contains(r.out, "format=\"text\" encoding=\"utf-8\" byte-order-mark=\"no\" length="), "%s", r.out);
    qct_run_free(&r);

    /* A .docx whose word/document.xml is UTF-16 says so, as the part declares it (its byte offsets,
     * source-start, are the part's own: libxml2 reads it, no copy is made). It said nothing, and
     * the XML encoding="utf-8". */
    static const char part[] = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<w:document "
                               "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                               "<w:p><w:r><w:t>P1: Fine.</w:t></w:r></w:p></w:body></w:document>";
    char xml[1024], docx[1024];
    char *basic = qct_source_path("tests/data/formats/basic.docx");
    snprintf(docx, sizeof docx, "%s/u16.docx", dir);
    cut_zip_with(basic, "word/document.xml", xml, ascii_utf16(part, 0, 1, xml), docx);
    free(basic);
    qct_qcode(&r, dir, "inspect u16.docx");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  format:     docx\n  encoding:   UTF-16 LE (byte order mark) in word/document.xml\n"
                                  "  attribute:  title = "),
              "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect --format xml u16.docx");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "format=\"docx\" encoding=\"utf-16le\" byte-order-mark=\"yes\" length="), "%s",
              r.out);
    qct_run_free(&r);
    free(dir);
}

Test(inspect, help)
{
    qct_run r;
    qct_qcode(&r, NULL, "help inspect");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "usage: qcode inspect [options] FILE|FOLDER..."));
    cr_assert(qct_contains(r.out, "--speaker-pattern RE"));
    qct_run_free(&r);
}
