/* qcode code: exit codes, messages, outputs written only when the run finished. */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */
#include "qc_test.h"
#include "xsd_helpers.h"

#include <dirent.h>
#include <fcntl.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GOLDEN QCODE_SOURCE_DIR "/tests/golden"

static int exists(const char *dir, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

Test(code_cli, usage_errors)
{
    qct_run r;
    qct_qcode(&r, GOLDEN, "code corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "no codebook given"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "code -c golden.qcb");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "no transcripts given"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --jobs many corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "--jobs needs a number"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --engine turbo corpus/");
    cr_expect_eq(r.status, 2);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --rollup corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "does not apply"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "code -c golden.qcb /nonexistent/folder");
    cr_expect_eq(r.status, 2);
    qct_run_free(&r);
    qct_qcode(&r, NULL, "help code");
    cr_expect_eq(r.status, 0);
    cr_expect(qct_contains(r.out, "usage: qcode code -c CODEBOOK"));
    qct_run_free(&r);
}

Test(code_cli, codebook_errors_exit_3_with_a_caret)
{
    char *dir = qct_temp_dir();
    const char bad[] = "codebook \"B\"\ncode A \"A\"\n  rule {NOPE}\n";
    char *cb = qct_write_file(dir, "bad.qcb", bad, strlen(bad));
    qct_run r;
    qct_qcode(&r, dir, "code -c bad.qcb -o out.xml " GOLDEN "/corpus/a.txt");
    cr_expect_eq(r.status, 3);
    cr_expect(qct_contains(r.err, "bad.qcb:3:"), "%s", r.err);
    cr_expect(qct_contains(r.err, "^"), "%s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect(!exists(dir, "out.xml"));
    qct_run_free(&r);
    free(cb);
    free(dir);
}

Test(code_cli, unreadable_document_is_skipped_and_exit_is_1)
{
    char *dir = qct_temp_dir();
    const char bad[] = "S1: fine line\nS1: a bad \xfe byte\n";
    char *b = qct_write_file(dir, "bad.txt", bad, strlen(bad));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb -o out.xml --tsv t bad.txt " GOLDEN "/corpus/a.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "bad.txt:2:"), "%s", r.err);
    cr_expect(qct_contains(r.err, "error:"), "%s", r.err);
    cr_expect(qct_contains(r.err, "1 of 2 documents could not be read"), "%s", r.err);
    cr_expect(exists(dir, "out.xml"));
    cr_expect(exists(dir, "t/quotations.tsv"));
    cr_expect(qct_contains(r.out, "Total"), "%s", r.out);
    qct_run_free(&r);

    /* --strict: stops, writes nothing, exit 1 */
    qct_qcode(&r, dir, "code --strict -c " GOLDEN "/golden.qcb -o strict.xml --tsv s bad.txt " GOLDEN "/corpus/a.txt");
    cr_expect_eq(r.status, 1);
    cr_expect(qct_contains(r.err, "nothing written"), "%s", r.err);
    cr_expect(!exists(dir, "strict.xml"));
    cr_expect(!exists(dir, "s"));
    cr_expect_str_eq(r.out, "");
    qct_run_free(&r);

    /* Format 2 is written while coding: stopped, it leaves nothing either, not even its temporary
     * file (the folder holds bad.txt, out.xml and t as before). */
    qct_qcode(&r, dir,
              "code --strict -c " GOLDEN "/golden.qcb -o strict2.xml --results-format 2 " GOLDEN
              "/corpus/a.txt bad.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "nothing written"), "%s", r.err);
    cr_expect(!exists(dir, "strict2.xml"));
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += e->d_name[0] != '.' || (e->d_name[1] && (e->d_name[1] != '.' || e->d_name[2]));
    closedir(d);
    cr_expect_eq(entries, 3, "bad.txt, out.xml and t only");
    qct_run_free(&r);

    free(b);
    free(dir);
}

/* A file that cannot be opened (a dangling link in a folder; a file of no permission to the
 * user) with --strict is a document that failed like any other: exit 1, told once, "stopped at
 * the first document". It was taken for the run's own I/O failure: exit 2, told twice. */
Test(code_cli, strict_stops_at_a_file_that_cannot_be_opened_with_exit_1)
{
    char *dir = qct_temp_dir();
    const char a[] = "S1: hello\n";
    free(qct_write_file(dir, "c/a.txt", a, strlen(a)));
    char link[4096];
    snprintf(link, sizeof link, "%s/c/b.txt", dir);
    cr_assert_eq(symlink("/nonexistent/qcode-test", link), 0);
    qct_run r;
    qct_qcode(&r, dir, "code --strict -c " GOLDEN "/golden.qcb -o s.xml c");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "stopped at the first document that failed (--strict); nothing written"), "%s",
              r.err);
    const char *first = strstr(r.err, "cannot open");
    cr_expect(first && !strstr(first + 1, "cannot open"), "told once: %s", r.err);
    cr_expect(!exists(dir, "s.xml"));
    qct_run_free(&r);
    free(dir);
}

/* A casebook of documents only (site, phase per interview) knows no speaker: every speaker was
 * "not in the casebook", a warning per speaker that taught researchers to skip warnings. A document
 * row that names no document read gives no values, silently ("d1" for d1.txt): it is a warning at
 * its line, with the id meant; past five, a count; from code, recode and inspect. */
Test(code_cli, a_casebook_of_documents_warns_of_documents_not_read_not_of_speakers)
{
    char *dir = qct_temp_dir();
    const char cases[] = "document\tsite\nd1\tnorth\nD2.TXT\tsouth\nx1\ta\nx2\ta\nx3\ta\nx4\ta\nx5\ta\nx6\ta\n";
    const char d1[] = "S1: hello.\nS9: budget.\n";
    const char d2[] = "S9: more.\n";
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    free(qct_write_file(dir, "d1.txt", d1, strlen(d1)));
    free(qct_write_file(dir, "d2.txt", d2, strlen(d2)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt d2.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "not in the casebook"), "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:2: warning: document 'd1' is not one of the documents read; did you "
                                  "mean 'd1.txt'?"),
              "%s", r.err);
    cr_expect(!qct_contains(r.err, "D2.TXT"), "d2.txt was read (ids compare without ASCII case): %s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:4: warning: document 'x1' is not one of the documents read: its rows "
                                  "give no values"),
              "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:7: warning: document 'x4'"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "'x5'"), "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv: warning: 2 more documents are not among the documents read"), "%s",
              r.err);
    qct_run_free(&r);
    /* recode, given the casebook, says the same of its new run */
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb -o r.xml d1.txt d2.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt d2.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:2: warning: document 'd1' is not one of the documents read; did you "
                                  "mean 'd1.txt'?"),
              "%s", r.err);
    qct_run_free(&r);
    /* inspect, where a casebook is checked, says the same */
    qct_qcode(&r, dir, "inspect --cases cases.tsv --turns 0 d1.txt d2.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "not in the casebook"), "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:2: warning: document 'd1' is not one of the documents read; did you "
                                  "mean 'd1.txt'?"),
              "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* A column that gives each of many people a value of their own is an identifier: `code` and
 * `recode` say so, once, and their results break the counts down by team, not by pseudonym. */
Test(code_cli, an_identifier_column_is_named_and_not_broken_down)
{
    char *dir = qct_temp_dir();
    char *sheet = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&sheet, &size);
    cr_assert_not_null(fp);
    fputs("speaker\tpseudonym\tteam\n", fp);
    for (int i = 1; i <= 60; i++)
        fprintf(fp, "S%d\tP%d\tT%d\n", i, i, i % 3);
    fclose(fp);
    free(qct_write_file(dir, "cases.tsv", sheet, size));
    free(sheet);
    const char d1[] = "S1: the budget.\nS2: more budget.\n";
    free(qct_write_file(dir, "d1.txt", d1, strlen(d1)));
    const char note[] = "cases.tsv: note: column 'pseudonym' is an identifier (60 values, none shared by two "
                        "people or documents): the counts are not broken down by it";
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv -o r.xml d1.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, note), "%s", r.err);
    cr_expect(!qct_contains(r.err, "column 'team'"), "%s", r.err);
    qct_run_free(&r);
    char *xml = qct_read_in(dir, "r.xml");
    cr_assert_not_null(xml);
    cr_expect(qct_contains(xml, "<attribute name=\"team\" source=\"casebook\""), "the group is broken down");
    cr_expect(!qct_contains(xml, "<attribute name=\"pseudonym\" source="), "the identifier is not");
    cr_expect(qct_contains(xml, "<identifier name=\"pseudonym\" source=\"casebook\" values=\"60\"/>"),
              "the file names it");
    free(xml);
    char path[700], why[512] = "";
    snprintf(path, sizeof path, "%s/r.xml", dir);
    cr_expect_eq(xsd_validate(path, "qcode-results-2.xsd", why, sizeof why), 0, "%s", why);
    qct_qcode(&r, dir, "recode --from r.xml -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, note), "%s", r.err);
    qct_run_free(&r);
    /* a header key 51 documents each give their own value, without a casebook */
    char corpus[4096];
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    cr_assert_eq(mkdir(corpus, 0700), 0);
    for (int i = 1; i <= 51; i++) {
        char name[32], text[128];
        snprintf(name, sizeof name, "t%02d.txt", i);
        int len = snprintf(text, sizeof text, "recording: r%d.mp3\nsite: north\n\nS1: the budget.\n", i);
        free(qct_write_file(corpus, name, text, (size_t)len));
    }
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb -o c.xml corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "qcode: note: header key 'recording' is an identifier (over 50 documents each gave "
                                  "it a value of its own): the counts are not broken down by it"),
              "%s", r.err);
    cr_expect(!qct_contains(r.err, "'site'"), "%s", r.err);
    qct_run_free(&r);
    xml = qct_read_in(dir, "c.xml");
    cr_assert_not_null(xml);
    cr_expect(qct_contains(xml, "<attribute name=\"site\" source=\"document\""), "the group is broken down");
    cr_expect(!qct_contains(xml, "<attribute name=\"recording\" source="), "the identifier is not");
    cr_expect(qct_contains(xml, "<identifier name=\"recording\" source=\"document\"/>"), "the file names it");
    free(xml);
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --results-format 1 -o c1.xml corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    xml = qct_read_in(dir, "c1.xml");
    cr_assert_not_null(xml);
    cr_expect(qct_contains(xml, "<identifier name=\"recording\" source=\"document\"/>"), "format 1 names it too");
    free(xml);
    snprintf(path, sizeof path, "%s/c1.xml", dir);
    cr_expect_eq(xsd_validate(path, "qcode-results.xsd", why, sizeof why), 0, "%s", why);
    free(dir);
}

/* Document rows are checked as the casebook compares document ids, beyond ASCII too: rows of
 * `élodie.txt` and `ÉLODIE.TXT`, neither read, are one document not read (they were two
 * warnings), and a row `ÉLODIE` means the file `élodie.txt` when it is read (no suggestion was
 * made). */
Test(code_cli, document_rows_not_read_are_named_once_and_matched_beyond_ascii)
{
    char *dir = qct_temp_dir();
    const char cases[] = "document\tspeaker\tsite\n\xC3\xA9lodie.txt\tS1\tnorth\n\xC3\x89LODIE.TXT\tS2\tnorth\n"
                         "\xC3\x89LODIE\t\tsouth\n";
    const char d1[] = "S1: hello.\nS9: budget.\n";
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    free(qct_write_file(dir, "\xC3\xA9lodie.txt", d1, strlen(d1)));
    free(qct_write_file(dir, "other.txt", d1, strlen(d1)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv \xC3\xA9lodie.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "cases.tsv:2: warning: document"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "cases.tsv:3: warning: document"), "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:4: warning: document '\xC3\x89LODIE' is not one of the documents read; "
                                  "did you mean '\xC3\xA9lodie.txt'?"),
              "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv other.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "cases.tsv:2: warning: document '\xC3\xA9lodie.txt' is not one of the documents "
                                  "read: its rows give no values"),
              "%s", r.err);
    cr_expect(!qct_contains(r.err, "cases.tsv:3: warning: document"), "one document, told once: %s", r.err);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(dir);
}

Test(code_cli, warns_once_about_speakers_the_casebook_does_not_know)
{
    char *dir = qct_temp_dir();
    const char cases[] = "speaker\tprofession\nS1\tnurse\n";
    const char d1[] = "S1: hello.\nS9: budget.\nInterviewer: ok\nS9: again.\n";
    const char d2[] = "S9: more.\nInterviewer: ok\nS9: and more.\n";
    char *c = qct_write_file(dir, "cases.tsv", cases, strlen(cases));
    char *a = qct_write_file(dir, "d1.txt", d1, strlen(d1));
    char *b = qct_write_file(dir, "d2.txt", d2, strlen(d2));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt d2.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "warning: speaker 'S9' is not in the casebook"), "%s", r.err);
    const char *first = strstr(r.err, "S9");
    cr_expect(first && !strstr(first + 2, "S9"), "warned once: %s", r.err);
    cr_expect(!qct_contains(r.err, "Interviewer"), "%s", r.err);
    qct_run_free(&r);
    /* a casebook of another study: five named, then a count, not a line per speaker (thousands) */
    const char many[] = "P1: a.\nP2: b.\nP3: c.\nP4: d.\nP5: e.\nP6: f.\nP7: g.\n";
    free(qct_write_file(dir, "many.txt", many, strlen(many)));
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv many.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "many.txt: warning: speaker 'P5' is not in the casebook\n"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "'P6'"), "%s", r.err);
    cr_expect(qct_contains(r.err, "warning: 2 more speakers are not in the casebook\n"), "%s", r.err);
    qct_run_free(&r);
    free(c);
    free(a);
    free(b);
    free(dir);
}

/* A casebook row for a speaker who speaks in no document read (or not in its row's document) gives
 * no values: the nurse the casebook spells "N51" and the transcript "N15" drops out of every
 * breakdown by profession, silently. A warning at its line, with the label meant when one is an
 * edit away and no row describes it yet; past five, a count; from code, recode and inspect. recode
 * also says, as code does, which participants the casebook does not know. */
Test(code_cli, a_casebook_row_for_a_speaker_not_read_is_a_warning_with_the_label_meant)
{
    char *dir = qct_temp_dir();
    const char cases[] = "speaker\tdocument\tprofession\nN51\t\tnurse\nS1\td2.txt\tgp\nS9\td2.txt\tgp\n"
                         "s9\t\tgp\nZed\t\tx\nS1\td9.txt\ty\nInterviewer\t\tz\nA1\t\tx\nA2\t\tx\nA3\t\tx\n"
                         "A4\t\tx\n";
    const char d1[] = "S1: hello budget.\nS9: budget.\nInterviewer: ok\nN15: again.\n";
    const char d2[] = "S9: more.\nInterviewer: ok\nS9: and more.\n";
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    free(qct_write_file(dir, "d1.txt", d1, strlen(d1)));
    free(qct_write_file(dir, "d2.txt", d2, strlen(d2)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb -o r.xml d1.txt d2.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *runs[] = {"code -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt d2.txt",
                          "recode --from r.xml -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt d2.txt",
                          "inspect --turns 0 --cases cases.tsv d1.txt d2.txt"};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        qct_qcode(&r, dir, "%s", runs[i]);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "cases.tsv:2: warning: speaker 'N51' speaks in none of the documents read; did "
                                      "you mean 'N15'?\n"),
                  "%s: %s", runs[i], r.err);
        /* S9 has rows of its own: not the label S1's row meant */
        cr_expect(qct_contains(r.err, "cases.tsv:3: warning: speaker 'S1' does not speak in document 'd2.txt': the row "
                                      "gives no values\n"),
                  "%s: %s", runs[i], r.err);
        cr_expect(!qct_contains(r.err, "cases.tsv:4:"), "S9 speaks in d2.txt: %s: %s", runs[i], r.err);
        cr_expect(!qct_contains(r.err, "cases.tsv:5:"), "s9 is S9 (ASCII case aside): %s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "cases.tsv:6: warning: speaker 'Zed' speaks in none of the documents read: the "
                                      "row gives no values\n"),
                  "%s: %s", runs[i], r.err);
        cr_expect(!qct_contains(r.err, "speaker 'S1' does not speak in document 'd9.txt'"),
                  "d9.txt, not read, is warned of as a document: %s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "cases.tsv:7: warning: document 'd9.txt'"), "%s: %s", runs[i], r.err);
        cr_expect(!qct_contains(r.err, "cases.tsv:8:"), "an interviewer is a speaker: %s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "cases.tsv:10: warning: speaker 'A2'"), "%s: %s", runs[i], r.err);
        cr_expect(!qct_contains(r.err, "'A3'"), "%s: %s", runs[i], r.err);
        cr_expect(
            qct_contains(r.err, "cases.tsv: warning: 2 more speaker rows name no speaker of the documents read\n"),
            "%s: %s", runs[i], r.err);
        if (i < 2) { /* participants the casebook does not know: N15 (S1 and S9 have rows for d2.txt only) */
            cr_expect(qct_contains(r.err, "d1.txt: warning: speaker 'N15' is not in the casebook\n"), "%s: %s", runs[i],
                      r.err);
            cr_expect(qct_contains(r.err, "d1.txt: warning: speaker 'S1' is not in the casebook\n"), "%s: %s", runs[i],
                      r.err);
            cr_expect(!qct_contains(r.err, "speaker 'Interviewer' is not"), "%s: %s", runs[i], r.err);
            const char *first = strstr(r.err, "'N15' is not in");
            cr_expect(first && !strstr(first + 1, "'N15' is not in"), "warned once: %s: %s", runs[i], r.err);
        }
        qct_run_free(&r);
    }
    free(dir);
}

/* The checks of the casebook's speaker rows compare names as the casebook does: a row for `Élodie`
 * (typed as one character) names the `E` + U+0301 `lodie` and `élodie` of the transcripts, whose
 * turns take its values; it was said to speak in none of the documents read. */
Test(code_cli, casebook_rows_match_labels_whatever_their_case_or_accent_typing)
{
    char *dir = qct_temp_dir();
    const char cases[] = "speaker\tdocument\tprofession\n\xC3\x89lodie\t\tnurse\nJos\xC3\xA9\t\xC3\xA9.txt\tgp\n";
    const char d1[] = "E\xCC\x81lodie: hello budget.\nInterviewer: ok\n";
    const char d2[] = "\xC3\xA9lodie: budget.\nInterviewer: ok\nJOS\xC3\x89: more.\n";
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    free(qct_write_file(dir, "d1.txt", d1, strlen(d1)));
    free(qct_write_file(dir, "\xC3\x89.txt", d2, strlen(d2)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv -o r.xml d1.txt \xC3\x89.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *runs[] = {"code -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt \xC3\x89.txt",
                          "recode --from r.xml -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt \xC3\x89.txt",
                          "inspect --turns 0 --cases cases.tsv d1.txt \xC3\x89.txt"};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        qct_qcode(&r, dir, "%s", runs[i]);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i], r.err);
        cr_expect(!qct_contains(r.err, "warning"), "%s: %s", runs[i], r.err);
        qct_run_free(&r);
    }
    qct_qcode(&r, dir, "inspect --turns 0 --cases cases.tsv d1.txt \xC3\x89.txt");
    cr_expect(qct_contains(r.out, "lodie (participant, 1 turn) profession=nurse"), "%s", r.out);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(dir);
}

/* The label a casebook row likely meant is measured in characters of the names as the casebook
 * compares them (folded): `WEISE` is one edit from `Weiß` (`weiss`), `E` + U+0301 `LODIR` one from
 * `élodie`. Bytes with ASCII case aside made them two and four edits apart: no suggestion. */
Test(code_cli, the_label_a_row_likely_meant_is_found_beyond_ascii)
{
    char *dir = qct_temp_dir();
    const char cases[] = "speaker\tteam\nWEISE\tRS1\nE\xCC\x81LODIR\tRS2\n";
    const char d1[] = "Wei\xC3\x9F: budget.\nInterviewer: ok\nWei\xC3\x9F: more.\n\xC3\xA9lodie: budget.\n"
                      "Interviewer: ok\n\xC3\xA9lodie: more.\n";
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    free(qct_write_file(dir, "d1.txt", d1, strlen(d1)));
    const char *runs[] = {"code -c " GOLDEN "/golden.qcb --cases cases.tsv d1.txt",
                          "inspect --turns 0 --cases cases.tsv d1.txt"};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        qct_run r;
        qct_qcode(&r, dir, "%s", runs[i]);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "cases.tsv:2: warning: speaker 'WEISE' speaks in none of the documents read; "
                                      "did you mean 'Wei\xC3\x9F'?\n"),
                  "%s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "cases.tsv:3: warning: speaker 'E\xCC\x81LODIR' speaks in none of the documents "
                                      "read; did you mean '\xC3\xA9lodie'?\n"),
                  "%s: %s", runs[i], r.err);
        qct_run_free(&r);
    }
    rel_rm_tree(dir);
    free(dir);
}

/* A casebook that names people makes them speakers even when they speak once, so it changes how a
 * document is read: a cached coding of the document read without it (or with other people) is not
 * reused. Each run through the cache gives what a run without one gives. */
Test(code_cli, people_the_casebook_names_are_speakers_and_the_cache_knows_it)
{
    char *dir = qct_temp_dir();
    /* Without the casebook the manager's line is before the first turn, coded by nothing: an entry
     * of no quotations, which nothing in it would show to be stale. */
    const char fg[] = "Manager: The budget was never the team's.\nNurse: We moved to a shared base.\n"
                      "Nurse: It was.\n";
    const char named[] = "speaker\tprofession\nNurse\tnurse\nManager\tmanager\n";
    const char other[] = "speaker\tprofession\nNurse\tnurse\nSomeone\tgp\n";
    /* No `where` condition: the casebook is in no code's hash, only in how the document is read. */
    const char qcb[] = "codebook \"B\"\nspeakers participants\ncode BUDGET \"Budgets\"\n  rule budget*\n";
    free(qct_write_file(dir, "b.qcb", qcb, strlen(qcb)));
    free(qct_write_file(dir, "fg.txt", fg, strlen(fg)));
    free(qct_write_file(dir, "named.tsv", named, strlen(named)));
    free(qct_write_file(dir, "other.tsv", other, strlen(other)));
    const char *cases[] = {"", "--cases named.tsv ", "--cases other.tsv ", "--cases named.tsv "};
    const char *people[] = {"1 participant.", "2 participants.", "1 participant.", "2 participants."};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        qct_run r, fresh;
        qct_qcode(&r, dir, "code -c b.qcb --cache cache %s--tsv cached fg.txt", cases[i]);
        cr_assert_eq(r.status, 0, "%s: %s", cases[i], r.err);
        cr_expect(qct_contains(r.out, people[i]), "%s: %s", cases[i], r.out);
        qct_qcode(&fresh, dir, "code -c b.qcb %s--tsv fresh fg.txt", cases[i]);
        cr_assert_eq(fresh.status, 0, "%s: %s", cases[i], fresh.err);
        cr_expect_str_eq(r.out, fresh.out, "%s", cases[i]);
        char *a = qct_read_in(dir, "cached/frequencies.tsv"), *b = qct_read_in(dir, "fresh/frequencies.tsv");
        cr_expect_str_eq(a, b, "%s", cases[i]);
        cr_expect(qct_contains(b, i % 2 ? "\"BUDGET\"\t\"Budgets\"\t\"\"\t1\t1\t1\t1\t1\t"
                                        : "\"BUDGET\"\t\"Budgets\"\t\"\"\t1\t1\t0\t0\t0\t"),
                  "%s: %s", cases[i], b);
        free(a);
        free(b);
        qct_run_free(&r);
        qct_run_free(&fresh);
    }
    free(dir);
}

/* The cache keys a reading by the casebook's people as the casebook compares them: a sheet that
 * writes `ÉLODIE` where the last one wrote `élodie` reads every document the same, so the entries
 * are taken (only ASCII letters were folded: a miss, every document coded again). */
Test(code_cli, casebook_people_spelled_otherwise_in_case_keep_the_cache)
{
    char *dir = qct_temp_dir();
    const char t[] = "\xC3\x89lodie: The budget was never the team's.\nNurse: We moved to a shared base.\n"
                     "Nurse: It was.\n";
    const char lower[] = "speaker\tprofession\n\xC3\xA9lodie\tmanager\nNurse\tnurse\n";
    const char upper[] = "speaker\tprofession\n\xC3\x89LODIE\tmanager\nNURSE\tnurse\n";
    const char qcb[] = "codebook \"B\"\ncode BUDGET \"Budgets\"\n  rule budget*\n";
    free(qct_write_file(dir, "b.qcb", qcb, strlen(qcb)));
    free(qct_write_file(dir, "t.txt", t, strlen(t)));
    free(qct_write_file(dir, "lower.tsv", lower, strlen(lower)));
    free(qct_write_file(dir, "upper.tsv", upper, strlen(upper)));
    qct_run r;
    qct_qcode(&r, dir, "code -c b.qcb --cases lower.tsv --cache c -o r.xml t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml -c b.qcb --cases upper.tsv --cache c --verbose --dry-run t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, ": 1 hits, 0 new,"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* A casebook row added or changed for one document invalidates that document's cache entry alone:
 * a reading trusts the people its own rows and the rows for every document name, in whatever order
 * the sheet lists them, and nothing else of it. */
Test(code_cli, a_casebook_row_for_one_document_keeps_the_others_cache)
{
    char *dir = qct_temp_dir();
    const char *texts[][2] = {{"a.txt", "\xC3\x89lodie: The budget was never the team's.\nNurse: We moved.\n"},
                              {"b.txt", "Nurse: A shared base.\nManager: The budget moved.\nNurse: It did.\n"},
                              {"c.txt", "P1: The budget is fine.\nP2: We moved again.\n"}};
    for (size_t i = 0; i < 3; i++)
        free(qct_write_file(dir, texts[i][0], texts[i][1], strlen(texts[i][1])));
    const char *sheets[][2] = {
        {"v1.tsv", "document\tspeaker\tprofession\na.txt\t\xC3\x89lodie\tmanager\nb.txt\tNurse\tnurse\n"},
        /* a row for b.txt's manager: b.txt alone is read otherwise */
        {"v2.tsv", "document\tspeaker\tprofession\na.txt\t\xC3\x89lodie\tmanager\nb.txt\tNurse\tnurse\n"
                   "b.txt\tManager\tmanager\n"},
        /* the same people, listed in another order and case, another value: read as before */
        {"v3.tsv", "document\tspeaker\tprofession\nb.txt\tNURSE\tnurse\na.txt\t\xC3\xA9lodie\tdirector\n"},
        /* a person of every document: every document is read otherwise */
        {"v4.tsv", "document\tspeaker\tprofession\na.txt\t\xC3\x89lodie\tmanager\nb.txt\tNurse\tnurse\n"
                   "\tManager\tmanager\n"}};
    for (size_t i = 0; i < 4; i++)
        free(qct_write_file(dir, sheets[i][0], sheets[i][1], strlen(sheets[i][1])));
    const char qcb[] = "codebook \"B\"\ncode BUDGET \"Budgets\"\n  rule budget*\n";
    free(qct_write_file(dir, "b.qcb", qcb, strlen(qcb)));
    qct_run r;
    qct_qcode(&r, dir, "code -c b.qcb --cases v1.tsv --cache c -o r.xml a.txt b.txt c.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *expected[][2] = {
        {"v2.tsv", ": 2 hits, 1 new,"}, {"v3.tsv", ": 3 hits, 0 new,"}, {"v4.tsv", ": 0 hits, 3 new,"}};
    for (size_t i = 0; i < 3; i++) {
        qct_qcode(&r, dir, "recode --from r.xml -c b.qcb --cases %s --cache c --verbose --dry-run a.txt b.txt c.txt",
                  expected[i][0]);
        cr_expect_eq(r.status, 0, "%s: %s", expected[i][0], r.err);
        cr_expect(qct_contains(r.err, expected[i][1]), "%s: %s", expected[i][0], r.err);
        qct_run_free(&r);
    }
    free(dir);
}

/* A code with `where` conditions (and a code referencing it) is keyed per document by the casebook
 * values its conditions read there: a speaker's new profession re-codes them in that speaker's
 * document alone, a column
 * no condition names re-codes nothing, and the cached codings are those a run without the cache
 * makes. */
Test(code_cli, a_casebook_value_re_codes_where_codes_only_where_it_is_read)
{
    char *dir = qct_temp_dir();
    const char *texts[][2] = {{"a.txt", "Ann: The budget was tight.\nBob: Budget again.\n"},
                              {"b.txt", "Cy: The budget moved.\n"},
                              {"c.txt", "Dee: A budget, and a budget.\n"}};
    for (size_t i = 0; i < 3; i++)
        free(qct_write_file(dir, texts[i][0], texts[i][1], strlen(texts[i][1])));
    const char *sheets[][2] = {
        {"v1.tsv", "document\tspeaker\tprofession\tband\na.txt\tAnn\tnurse\t5\na.txt\tBob\tmanager\t6\n"
                   "b.txt\tCy\tmanager\t5\nc.txt\tDee\tnurse\t7\n"},
        /* Cy becomes a nurse: b.txt's NURSES changes, nothing else */
        {"v2.tsv", "document\tspeaker\tprofession\tband\na.txt\tAnn\tnurse\t5\na.txt\tBob\tmanager\t6\n"
                   "b.txt\tCy\tnurse\t5\nc.txt\tDee\tnurse\t7\n"},
        /* every band changes: no condition reads it */
        {"v3.tsv", "document\tspeaker\tprofession\tband\na.txt\tAnn\tnurse\t1\na.txt\tBob\tmanager\t2\n"
                   "b.txt\tCy\tnurse\t3\nc.txt\tDee\tnurse\t4\n"}};
    for (size_t i = 0; i < 3; i++)
        free(qct_write_file(dir, sheets[i][0], sheets[i][1], strlen(sheets[i][1])));
    const char qcb[] = "codebook \"W\"\ncode BUDGET \"Budgets\"\n  rule budget*\n"
                       "code NURSES \"Nurses on budgets\"\n  rule budget*\n  where profession = \"nurse\"\n"
                       "code TIGHT \"Nurses on tight budgets\"\n  rule {NURSES} AND (tight OR moved)\n";
    free(qct_write_file(dir, "w.qcb", qcb, strlen(qcb)));
    qct_run r;
    qct_qcode(&r, dir, "code -c w.qcb --cases v1.tsv --cache c -o r.xml a.txt b.txt c.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *expected[][2] = {{"v2.tsv", ": 2 hits, 0 new, 1 stale (2 code codings out of date),"},
                                 {"v3.tsv", ": 3 hits, 0 new, 0 stale (0 code codings out of date),"}};
    for (size_t i = 0; i < 2; i++) {
        qct_qcode(&r, dir, "recode --from r.xml -c w.qcb --cases %s --cache c --verbose --dry-run a.txt b.txt c.txt",
                  expected[i][0]);
        cr_expect_eq(r.status, 0, "%s: %s", expected[i][0], r.err);
        cr_expect(qct_contains(r.err, expected[i][1]), "%s: %s", expected[i][0], r.err);
        qct_run_free(&r);
        qct_qcode(&r, dir, "code -c w.qcb --cases %s --cache c --tsv t-cached a.txt b.txt c.txt", expected[i][0]);
        cr_expect_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
        qct_qcode(&r, dir, "code -c w.qcb --cases %s --tsv t-fresh a.txt b.txt c.txt", expected[i][0]);
        cr_expect_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
        char *cached = qct_read_in(dir, "t-cached/quotations.tsv"), *fresh = qct_read_in(dir, "t-fresh/quotations.tsv");
        cr_expect(cached && fresh && strcmp(cached, fresh) == 0, "%s:\n%s\nagainst\n%s", expected[i][0], cached, fresh);
        cr_expect(qct_contains(fresh, "\"NURSES\"\t\"b.txt\"\t\"Cy\""), "%s: %s", expected[i][0], fresh);
        cr_expect(qct_contains(fresh, "\"TIGHT\"\t\"b.txt\"\t\"Cy\""), "%s: %s", expected[i][0], fresh);
        free(cached);
        free(fresh);
    }
    free(dir);
}

/* The files of dir/sub whose names end in suffix. */
static size_t files_in(const char *dir, const char *sub, const char *suffix)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    DIR *d = opendir(path);
    cr_assert_not_null(d, "%s", path);
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        n += strlen(de->d_name) > strlen(suffix) &&
             strcmp(de->d_name + strlen(de->d_name) - strlen(suffix), suffix) == 0;
    closedir(d);
    return n;
}

/* The cache entries in dir/sub. */
static size_t entries_in(const char *dir, const char *sub)
{
    return files_in(dir, sub, ".qcc");
}

/* --prune-cache removes the entries of the documents a run did not read: a transcript's earlier
 * version, one dropped from the corpus; in `code` and in `recode`; never after a document failed
 * (its unchanged bytes' entry would go); never what the run used, nor the codebooks kept there;
 * and it needs --cache. The results are those of a run without the cache. */
Test(code_cli, prune_cache_removes_the_entries_of_documents_not_read)
{
    char *dir = qct_temp_dir();
    const char *texts[][2] = {{"a.txt", "Ann: The budget was tight.\n"},
                              {"b.txt", "Bob: Budget again.\n"},
                              {"c.txt", "Cy: The budget moved.\n"}};
    for (size_t i = 0; i < 3; i++)
        free(qct_write_file(dir, texts[i][0], texts[i][1], strlen(texts[i][1])));
    const char qcb[] = "codebook \"P\"\ncode BUDGET \"Budgets\"\n  rule budget*\n";
    free(qct_write_file(dir, "p.qcb", qcb, strlen(qcb)));
    qct_run r;
    qct_qcode(&r, dir, "code -c p.qcb --cache k -o r1.xml a.txt b.txt c.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    cr_assert_eq(entries_in(dir, "k"), 3);
    const char b2[] = "Bob: Budget again, and a budget.\n";
    free(qct_write_file(dir, "b.txt", b2, strlen(b2)));
    qct_qcode(&r, dir, "code -c p.qcb --cache k -o r2.xml a.txt b.txt c.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    cr_assert_eq(entries_in(dir, "k"), 4, "b.txt's two versions");

    qct_qcode(&r, dir, "code -c p.qcb --cache k --prune-cache -o r3.xml a.txt b.txt c.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "k: 1 cache entry of documents this run did not read removed"), "%s", r.err);
    qct_run_free(&r);
    cr_assert_eq(entries_in(dir, "k"), 3, "b.txt's first version's entry removed");
    cr_assert_eq(files_in(dir, "k/codebooks", ".qcb"), 1, "the codebook kept there stays");
    qct_qcode(&r, dir, "code -c p.qcb -o r4.xml a.txt b.txt c.txt");
    qct_run_free(&r);
    char *cached = qct_read_in(dir, "r3.xml"), *fresh = qct_read_in(dir, "r4.xml");
    cr_assert(cached && fresh);
    char *t1 = strstr(cached, "<time>"), *t2 = strstr(fresh, "<time>");
    cr_assert(t1 && t2);
    memcpy(t1, t2, strlen("<time>2026-01-01T00:00:00Z</time>"));
    cr_expect_str_eq(cached, fresh);
    free(cached);
    free(fresh);

    /* a document that failed: nothing pruned, said so */
    free(qct_write_file(dir, "bin.txt", "Ann: a\0b\n", 9));
    qct_qcode(&r, dir, "code -c p.qcb --cache k --prune-cache -o r5.xml a.txt bin.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "k: warning: cache not pruned: 1 document failed"), "%s", r.err);
    qct_run_free(&r);
    cr_assert_eq(entries_in(dir, "k"), 3);

    /* recode: c.txt dropped, a.txt edited */
    const char a2[] = "Ann: The budget was tight, they said.\n";
    free(qct_write_file(dir, "a.txt", a2, strlen(a2)));
    qct_qcode(&r, dir, "recode --from r3.xml -c p.qcb --cache k --prune-cache --dry-run a.txt b.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "k: 2 cache entries of documents this run did not read removed"), "%s", r.err);
    qct_run_free(&r);
    cr_assert_eq(entries_in(dir, "k"), 2, "a.txt's new version and b.txt's");

    qct_qcode(&r, dir, "code -c p.qcb --prune-cache a.txt");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "--prune-cache removes entries of the --cache folder: give --cache DIR"), "%s",
              r.err);
    qct_run_free(&r);
    free(dir);
}

/* A label and its time alone (noScribe's empty segment) is a warning at its line: the turn is
 * skipped, the rest of the document coded, and the run ends with 0, through the cache too. */
Test(code_cli, a_label_with_no_text_is_a_warning_and_the_rest_is_coded)
{
    char *dir = qct_temp_dir();
    const char e[] = "S1: [00:00:01] We have meetings on Monday.\nP7: [00:11:37]\nS1: [00:12:00] More meetings, "
                     "then a GP.\n";
    free(qct_write_file(dir, "e.txt", e, strlen(e)));
    const char *runs[] = {"", "--jobs 2 ", "--cache cache ", "--cache cache "}; /* a miss, then a hit */
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        qct_run r;
        qct_qcode(&r, dir, "code %s-c " GOLDEN "/golden.qcb --tsv t e.txt " GOLDEN "/corpus/a.txt", runs[i]);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "e.txt:2:1: warning: speaker label 'P7' with no text; turn skipped\n"), "%s: %s",
                  runs[i], r.err);
        const char *first = strstr(r.err, ": warning: ");
        cr_expect(first && !strstr(first + 1, ": warning: "), "%s: warned once: %s", runs[i], r.err);
        qct_run_free(&r);
        char *tsv = qct_read_in(dir, "t/quotations.tsv");
        cr_expect(qct_contains(tsv, "\"MEET\"\t\"e.txt\"\t\"S1\"\t\"participant\"\t0\t15\t42\t1\t\"We have meetings"),
                  "%s", tsv);
        cr_expect(qct_contains(tsv, "\"MEET\"\t\"e.txt\"\t\"S1\"\t\"participant\"\t1\t73\t98\t1\t\"More meetings"),
                  "%s", tsv);
        cr_expect(qct_contains(tsv, "\"GP\"\t\"e.txt\"\t\"S1\"\t\"participant\"\t1\t95\t97\t"), "%s", tsv);
        cr_expect(!qct_contains(tsv, "\"P7\""), "%s", tsv);
        free(tsv);
    }
    free(dir);
}

/* Text a reader leaves out of every turn is a warning at its line too, and the run ends with 0:
 * Markdown text after a heading up to the next label (not coded: no quotation comes from it), and a
 * subtitle cue whose voice has no text. */
Test(code_cli, text_outside_every_turn_and_a_silent_voice_are_warnings)
{
    char *dir = qct_temp_dir();
    const char md[] = "P1: We have meetings on Monday.\n\n## Part two\n\nMeetings under a heading.\n\n"
                      "P1: More meetings.\n";
    const char vtt[] = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v P2>\n\n00:02.000 --> 00:03.000\n<v P3>Meetings.\n";
    free(qct_write_file(dir, "h.md", md, strlen(md)));
    free(qct_write_file(dir, "v.vtt", vtt, strlen(vtt)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --tsv t h.md v.vtt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "h.md:5:1: warning: text after the heading at line 3 is outside every turn (not "
                                  "coded) until the next speaker label\n"),
              "%s", r.err);
    cr_expect(qct_contains(r.err, "v.vtt:4:1: warning: voice 'P2' with no text; cue 1 skipped\n"), "%s", r.err);
    qct_run_free(&r);
    char *tsv = qct_read_in(dir, "t/quotations.tsv");
    cr_expect(qct_contains(tsv, "\"We have meetings"), "%s", tsv);
    cr_expect(qct_contains(tsv, "\"More meetings"), "%s", tsv);
    cr_expect(!qct_contains(tsv, "under a heading"), "%s", tsv);
    cr_expect(qct_contains(tsv, "\"MEET\"\t\"v.vtt\"\t\"P3\""), "%s", tsv);
    free(tsv);
    free(dir);
}

Test(code_cli, top_limits_the_summary_and_jobs_do_not_change_outputs)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --cases corpus/cases.tsv --top 2 corpus/");
    cr_expect_eq(r.status, 0);
    /* GP (4) first, then TEAM (3 rolled up; STAFF also has 3 but comes later in the codebook) */
    const char *gp = strstr(r.out, "GP General practice");
    const char *team = strstr(r.out, "TEAM Teamwork");
    cr_expect(gp && team && gp < team, "%s", r.out);
    cr_expect(qct_contains(r.out, "  COLOC Co-location"), "%s", r.out);
    cr_expect(!qct_contains(r.out, "STAFF"), "%s", r.out);
    cr_expect(qct_contains(r.out, "(4 more main codes"), "%s", r.out);
    qct_run_free(&r);

    qct_qcode(&r, GOLDEN, "code -c golden.qcb --cases corpus/cases.tsv -j 1 -o '%s/1.xml' --tsv '%s/t1' corpus/", dir,
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    setenv("SOURCE_DATE_EPOCH", "86400", 1); /* inherited by the qcode process */
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --cases corpus/cases.tsv -j 0 -o '%s/0.xml' corpus/", dir);
    unsetenv("SOURCE_DATE_EPOCH");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    /* all cores against one thread: the same bytes once the time stamps are made equal */
    char p1[700], p0[700];
    snprintf(p1, sizeof p1, "%s/1.xml", dir);
    snprintf(p0, sizeof p0, "%s/0.xml", dir);
    char *x1 = qct_read_file(p1, NULL);
    char *x0 = qct_read_file(p0, NULL);
    cr_assert_not_null(x1);
    cr_assert_not_null(x0);
    cr_expect(qct_contains(x0, "<time>1970-01-02T00:00:00Z</time>"), "SOURCE_DATE_EPOCH fixes the time");
    char *t1 = strstr(x1, "<time>"), *t0 = strstr(x0, "<time>");
    cr_assert(t1 && t0);
    memcpy(t1, t0, strlen("<time>1970-01-02T00:00:00Z</time>"));
    cr_expect_str_eq(x1, x0);
    free(x1);
    free(x0);
    free(dir);
}

Test(code_cli, sample_corpus_runs_clean)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, QCODE_SOURCE_DIR,
              "code -c codebooks/integrated-care.qcb --cases corpora/integrated-care/cases.tsv -j 2 -o '%s/r.xml' "
              "corpora/integrated-care/",
              dir);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "Total"), "%s", r.out);
    cr_expect(!qct_contains(r.err, "not in the casebook"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "documents,"), "no progress line when stderr is not a terminal: %s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* On a terminal (script(1) gives the run one), stderr shows a progress line with documents, MB of
 * the inputs' MB, MB/s and the time left, redrawn in place and erased at the end. */
Test(code_cli, progress_line_on_a_terminal)
{
    if (access("/usr/bin/script", X_OK) != 0) {
        qct_note("script(1) is not installed (util-linux): the progress line is not tested");
        cr_skip_test("no script(1)");
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/script -qec \"'%s' code -c codebooks/integrated-care.qcb corpora/integrated-care/ "
             ">/dev/null\" /dev/null",
             QCODE_SOURCE_DIR, QCODE_BIN);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    cr_assert_eq(pclose(p), 0, "%s", buf);
    cr_expect(qct_contains(buf, "\r\033[K1/21 documents, "), "%s", buf);
    cr_expect(qct_contains(buf, "\r\033[K21/21 documents, "), "%s", buf);
    cr_expect(qct_contains(buf, " of 0.1 MB, "), "the inputs' size (about 70 KB): %s", buf);
    cr_expect(qct_contains(buf, "MB/s, ETA 0:00\r\033[K"), "the last line, then erased: %s", buf);
}

/* `code --qdpx` writes a project that carries every quotation: importing it back gives one
 * coding per quotation of the summary's Total, and the sources and codes of the run. */
Test(code_cli, qdpx_export_carries_every_quotation)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --cases corpus/cases.tsv --qdpx '%s/p.qdpx' corpus/", dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *total = strstr(r.out, "\nTotal");
    cr_assert_not_null(total, "%s", r.out);
    unsigned long long quotations = 0;
    cr_assert_eq(sscanf(total, "\nTotal %llu", &quotations), 1);
    cr_assert_gt(quotations, 0);
    qct_run_free(&r);

    qct_qcode(&r, dir, "import p.qdpx -o imported");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char expected[128];
    snprintf(expected, sizeof expected, "codings   %llu on %llu selections", quotations, quotations);
    cr_expect(qct_contains(r.out, expected), "want '%s' in:\n%s", expected, r.out);
    cr_expect(qct_contains(r.out, "sources   3\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "warnings  0"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* A folder corpus/ holding a.txt (an interview of the sample corpus), then the shell command
 * `extra` run inside corpus/. */
static char *sample_folder(const char *extra)
{
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/corpus' && cp '%s/corpora/integrated-care/rs1-p1-interview-n15.txt' '%s/corpus/a.txt' && "
             "cd '%s/corpus' && %s",
             dir, src, dir, dir, extra);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(src);
    return dir;
}

/* `qcode code` with the shipped codebook and `args`, in dir. */
static void code_sample(qct_run *r, const char *dir, const char *args)
{
    char *src = qct_source_path("");
    qct_qcode(r, dir, "code -c '%s/codebooks/integrated-care.qcb' %s", src, args);
    free(src);
}

/* A folder may hold things that are not files: a FIFO used to block the run for ever and a link to
 * /dev/zero to read without end. They are skipped with a warning; the transcripts beside them are
 * coded. */
Test(code_cli, special_files_in_a_folder_are_skipped, .timeout = 60)
{
    char *dir = sample_folder("mkfifo b.txt && ln -s /dev/zero z.txt");
    qct_run r;
    code_sample(&r, dir, "corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "corpus/b.txt: skipped: not a regular file"), "%s", r.err);
    cr_expect(qct_contains(r.err, "corpus/z.txt: skipped: not a regular file"), "%s", r.err);
    cr_expect(qct_contains(r.out, "1 document,"), "%s", r.out);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(dir);
}

/* Word keeps an owner file "~$name.docx" beside a document while it is open; a researcher with one
 * transcript open in Word used to get "not a readable .docx file" and exit 1. In a folder it is
 * skipped with the hidden files; named on the command line it is read, and fails, as given. */
Test(code_cli, office_owner_files_in_a_folder_are_skipped, .timeout = 60)
{
    char *dir = sample_folder("printf 'owner' > '~$a.docx' && printf 'x' > .hidden.txt");
    qct_run r;
    code_sample(&r, dir, "corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "~$a.docx"), "%s", r.err);
    cr_expect(qct_contains(r.out, "1 document,"), "%s", r.out);
    qct_run_free(&r);
    code_sample(&r, dir, "corpus/a.txt 'corpus/~$a.docx'");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "~$a.docx: error: not a readable .docx file"), "%s", r.err);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(dir);
}

/* Interviews delivered as .rtf, .doc or .pdf in a corpus folder were passed over without a word,
 * and left out of every count; they are now named once (other files, a casebook or a recording,
 * are still passed over quietly). */
Test(code_cli, documents_in_formats_not_read_are_named, .timeout = 60)
{
    char *dir = sample_folder("printf '{\\rtf1 x}' > b.rtf && printf '%%PDF' > C.PDF && "
                              "printf 'speaker\\tteam\\n' > cases.tsv && printf 'ID3' > audio.mp3");
    qct_run r;
    code_sample(&r, dir, "corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "qcode: warning: 2 files not read, in a format qcode does not read: corpus/C.PDF, "
                                  "corpus/b.rtf (it reads .txt .md .vtt .srt .docx: save them as .docx or plain text)"),
              "%s", r.err);
    cr_expect(!qct_contains(r.err, "cases.tsv") && !qct_contains(r.err, "audio.mp3"), "%s", r.err);
    cr_expect(qct_contains(r.out, "1 document,"), "%s", r.out);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(dir);
}

/* A copy of a transcript left in the corpus under another name (an "old" folder) is coded and
 * counted twice, as before, but no longer silently: the copy is named beside its original, once,
 * with the cache too. A transcript that differs by a byte is no copy. */
Test(code_cli, a_copy_of_a_transcript_is_named, .timeout = 60)
{
    /* 70 other transcripts, each a line apart, so that the table of digests grows past its first 64. */
    char *dir = sample_folder("mkdir old && cp a.txt old/a-copy.txt && cp a.txt b.txt && echo >> b.txt && "
                              "for i in $(seq 10 79); do { cat a.txt; echo \"P1: line $i\"; } > m$i.txt; done");
    static const char warning[] = "corpus/old/a-copy.txt: warning: the same bytes as corpus/a.txt: both are coded and "
                                  "counted\n";
    for (int cached = 0; cached < 3; cached++) {
        qct_run r;
        code_sample(&r, dir, cached ? "--cache c corpus" : "corpus");
        cr_expect_eq(r.status, 0, "%s", r.err);
        const char *at = strstr(r.err, warning);
        cr_expect(at != NULL, "run %d: %s", cached, r.err);
        cr_expect(!at || !strstr(at + sizeof warning - 1, "warning"), "run %d: one warning: %s", cached, r.err);
        cr_expect(!qct_contains(r.err, "b.txt"), "%s", r.err);
        cr_expect(qct_contains(r.out, "73 documents,"), "%s", r.out);
        qct_run_free(&r);
    }
    rel_rm_tree(dir);
    free(dir);
}

/* A folder holding cb.qcb and t.txt (one participant turn coded TEAM), then `setup` run in it. */
static char *link_corpus(const char *setup)
{
    static const char cb[] = "codebook \"OK\" version 1\ncode TEAM \"Team\"\n  rule \"same office\" OR co-locat*\n";
    static const char t[] = "Interviewer: How is the team?\n\nS1: We are co-located now, in the same office.\n";
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", cb, strlen(cb)));
    free(qct_write_file(dir, "t.txt", t, strlen(t)));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s", dir, setup);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    return dir;
}

/* Memory running out on one very large transcript named nothing ("qcode: error: out of memory"),
 * so a researcher could not tell which file to split. The message names it. qcode gets 300 MB of
 * address space for a 30 MB transcript (one needs about 20 times its size). Not under the
 * sanitizers, which reserve far more address space than that at start. */
Test(code_cli, running_out_of_memory_names_the_transcript)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    cr_skip("address-space limits do not work under the sanitizers");
#else
    static const char cb[] = "codebook \"t\"\ncode TEAM \"Team\"\n  rule team\n";
    static const char line[] = "P1: We share one base with the social workers, and it helps the team.\n";
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", cb, strlen(cb)));
    free(qct_write_file(dir, "a-small.txt", "P2: The team works.\n", 20));
    size_t n = 30u << 20, ll = strlen(line);
    char *big = malloc(n);
    cr_assert_not_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = line[i % ll];
    big[n - 1] = '\n';
    free(qct_write_file(dir, "b-big.txt", big, n));
    free(big);
    /* the soft limit only, so that it can be put back without privileges */
    struct rlimit old;
    cr_assert_eq(getrlimit(RLIMIT_AS, &old), 0);
    struct rlimit cap = {300u << 20, old.rlim_max};
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < cap.rlim_cur)
        cap.rlim_cur = old.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_AS, &cap), 0);
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o out.xml .");
    setrlimit(RLIMIT_AS, &old);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "b-big.txt: error: out of memory while reading"), "%s", r.err);
    char path[1200];
    snprintf(path, sizeof path, "%s/out.xml", dir);
    cr_expect(access(path, F_OK) != 0, "a results.xml was written");
    qct_run_free(&r);
    free(dir);
#endif
}

/* Runs `code -c cb.qcb ARGS -o out.xml` in dir and expects exit 0, one document with `id`, and
 * `warning` on stderr. Without a cap a loop of links ran for ever: qcode gets 10 s of CPU. */
static void expect_one_document(const char *dir, const char *args, const char *id, const char *warning)
{
    struct rlimit old, cap = {10, 15};
    cr_assert_eq(getrlimit(RLIMIT_CPU, &old), 0);
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < cap.rlim_max)
        cap.rlim_cur = cap.rlim_max = old.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_CPU, &cap), 0);
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o out.xml %s", args);
    setrlimit(RLIMIT_CPU, &old);
    cr_expect_eq(r.status, 0, "%s: exit %d: %s", args, r.status, r.err);
    cr_expect(qct_contains(r.out, "\n1 document, 1 participant."), "%s:\n%s", args, r.out);
    cr_expect(qct_contains(r.err, warning), "%s: want '%s' in:\n%s", args, warning, r.err);
    char path[1200], want[300];
    snprintf(path, sizeof path, "%s/out.xml", dir);
    snprintf(want, sizeof want, "<document index=\"0\" id=\"%s\"", id);
    char *xml = qct_read_file(path, NULL);
    cr_expect(qct_contains(xml, want), "%s: want '%s' in results", args, want);
    free(xml);
    qct_run_free(&r);
}

/* A link to a folder beside it (an alias) counted its files twice, silently: every count doubled. */
Test(code_cli, a_folder_reached_twice_is_read_once)
{
    char *dir = link_corpus("mkdir -p c/a && cp t.txt c/a/ && ln -s a c/alias");
    expect_one_document(dir, "c", "a/t.txt", "qcode: c/alias: skipped: the same folder as c/a\n");
    rel_rm_tree(dir);
    free(dir);
}

/* Two folders linking to each other were read 41 times over, until the depth limit, exit 0. The
 * first path in the walk's sorted order is kept: b is read as a/tob. */
Test(code_cli, folders_linking_to_each_other_are_read_once)
{
    char *dir = link_corpus("mkdir -p m/a m/b && mv t.txt m/b/ && ln -s ../b m/a/tob && ln -s ../a m/b/toa");
    expect_one_document(dir, "m", "a/tob/t.txt", "qcode: m/a/tob/toa: skipped: the same folder as m/a\n");
    expect_one_document(dir, "m", "a/tob/t.txt", "qcode: m/b: skipped: the same folder as m/a/tob\n");
    rel_rm_tree(dir);
    free(dir);
}

/* A link to the folder's parent failed the whole run, "folders nested too deeply", exit 2. Two
 * links to the folder they are in doubled the paths at every level, a hang: the system resolves
 * 40 links in a path, then stat failed and the walk went on beside it, 2^40 times. */
Test(code_cli, links_up_the_tree_are_not_followed)
{
    char *dir = link_corpus("mkdir -p u/d h/d s && cp t.txt u/d/ && ln -s .. u/d/up && "
                            "cp t.txt h/d/ && ln -s .. h/d/u1 && ln -s .. h/d/u2 && "
                            "cp t.txt s/ && ln -s . s/u1 && ln -s . s/u2");
    expect_one_document(dir, "u/", "d/t.txt", "qcode: u/d/up: skipped: the same folder as u/\n");
    expect_one_document(dir, "h", "d/t.txt", "qcode: h/d/u1: skipped: the same folder as h\n");
    expect_one_document(dir, "h", "d/t.txt", "qcode: h/d/u2: skipped: the same folder as h\n");
    expect_one_document(dir, "s", "t.txt", "qcode: s/u1: skipped: the same folder as s\n");
    rel_rm_tree(dir);
    free(dir);
}

/* A file reached twice, by its name and a link beside it, or named twice (also as part of a
 * folder given), was read twice: counted twice, or refused as a second document with its id. */
Test(code_cli, a_file_reached_twice_is_read_once)
{
    char *dir = link_corpus("mkdir f && cp t.txt f/ && ln -s t.txt f/link.txt");
    expect_one_document(dir, "f", "link.txt", "qcode: f/t.txt: skipped: the same file as f/link.txt\n");
    expect_one_document(dir, "t.txt t.txt", "t.txt", "qcode: t.txt: skipped: already read\n");
    expect_one_document(dir, "t.txt ./t.txt", "t.txt", "qcode: ./t.txt: skipped: the same file as t.txt\n");
    expect_one_document(dir, "f f/t.txt", "link.txt", "qcode: f/t.txt: skipped: the same file as f/link.txt\n");
    expect_one_document(dir, "f f/", "link.txt", "qcode: f/: skipped: the same folder as f\n");
    rel_rm_tree(dir);
    free(dir);
}

/* A device or a pipe named on the command line is read as a transcript, but no further than the
 * 256 MiB a transcript may have: `/dev/zero` used to be read until 4 GiB were in memory (or the
 * memory ran out). A regular file over the limit is refused from its size, before reading; a FIFO
 * of ordinary size is read as before. A hang meets ctest's timeout (no Criterion .timeout: two of
 * them overlapping leak in Criterion's runner under LeakSanitizer, docs/reliability.md). */
Test(code_cli, a_transcript_over_the_size_limit_is_refused)
{
    static const char said[] = "the file is larger than 256 MiB, the limit for one transcript";
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    const char *const commands[] = {"inspect", "code -c '%s/codebooks/integrated-care.qcb'"};
    for (size_t i = 0; i < 2; i++) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, commands[i], src);
        double t0 = rel_seconds();
        qct_run r;
        qct_qcode(&r, dir, "%s /dev/zero", cmd);
        double took = rel_seconds() - t0;
        cr_expect_eq(r.status, 1, "%s /dev/zero: exit %d: %s", cmd, r.status, r.err);
        cr_expect(qct_contains(r.err, "/dev/zero: error: ") && qct_contains(r.err, said), "%s: %s", cmd, r.err);
        cr_expect_lt(took, 30.0, "%s /dev/zero took %.1f s", cmd, took);
        qct_run_free(&r);
    }
    /* A regular file one byte over (sparse: nothing is written or read). */
    char big[1200];
    snprintf(big, sizeof big, "%s/big.txt", dir);
    FILE *fp = fopen(big, "w");
    cr_assert_not_null(fp);
    fclose(fp);
    cr_assert_eq(truncate(big, ((off_t)256 << 20) + 1), 0);
    qct_run r;
    qct_qcode(&r, dir, "inspect big.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "big.txt: error: ") && qct_contains(r.err, said), "%s", r.err);
    qct_run_free(&r);
    /* A FIFO with a transcript of ordinary size behind it: read, coded. */
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkfifo '%s/pipe.txt' && (cat '%s/corpora/integrated-care/rs1-p1-interview-n15.txt' > '%s/pipe.txt' &)",
             dir, src, dir);
    cr_assert_eq(system(cmd), 0);
    qct_qcode(&r, dir, "code -c '%s/codebooks/integrated-care.qcb' pipe.txt", src);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "1 document,"), "%s", r.out);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(src);
    free(dir);
}

/* A speaker pattern that does not compile is one usage error before anything is read or written;
 * it was reported once per document (21 times here), exit 1, with an empty results.xml written. */
Test(code_cli, bad_speaker_pattern_is_one_usage_error)
{
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    static const char *const patterns[] = {"'(?<speaker>'", "'x'"};
    for (size_t i = 0; i < 2; i++) {
        qct_run r;
        qct_qcode(&r, src,
                  "code -c codebooks/integrated-care.qcb --speaker-pattern %s -o '%s/r.xml' corpora/integrated-care/",
                  patterns[i], dir);
        cr_expect_eq(r.status, 2, "%s: %s", patterns[i], r.err);
        const char *first = strstr(r.err, "speaker pattern");
        cr_expect(first && !strstr(first + 1, "speaker pattern"), "%s: said once: %s", patterns[i], r.err);
        char path[1200];
        snprintf(path, sizeof path, "%s/r.xml", dir);
        cr_expect(access(path, F_OK) != 0, "%s: results.xml was written", patterns[i]);
        qct_run_free(&r);
    }
    rmdir(dir);
    free(src);
    free(dir);
}

/* Writes `data` into the FIFO at `path` from a child process, as a shell's <(cat FILE) would. */
static pid_t feed_fifo(const char *path, const char *data, size_t size)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *fp = fopen(path, "wb");
        size_t n = fp ? fwrite(data, 1, size, fp) : 0;
        _exit(fp && fclose(fp) == 0 && n == size ? 0 : 1);
    }
    return pid;
}

/* --input-format: a transcript whose name does not tell its format (a pipe such as <(iconv ...),
 * a file saved without an extension) is read as the format given, with the counts of the same
 * text named .txt; without it, such a file is refused by name. */
Test(code_cli, input_format_reads_pipes_and_names_without_an_extension, .timeout = 60)
{
    char *dir = qct_temp_dir();
    size_t n;
    char *text = qct_read_file(GOLDEN "/corpus/a.txt", &n);
    cr_assert_not_null(text);
    char *plain = qct_write_file(dir, "interview-a", text, n);
    qct_run want, r;
    qct_qcode(&want, GOLDEN, "code -c golden.qcb corpus/a.txt");
    cr_assert_eq(want.status, 0, "%s", want.err);
    cr_assert(qct_contains(want.out, "1 document, "), "%s", want.out);

    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb interview-a");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "interview-a: error: unknown transcript format"), "%s", r.err);
    qct_run_free(&r);

    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --input-format text -o r.xml interview-a");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, want.out);
    qct_run_free(&r);
    char xml_path[700];
    snprintf(xml_path, sizeof xml_path, "%s/r.xml", dir);
    char *xml = qct_read_file(xml_path, NULL);
    cr_expect(qct_contains(xml, "<option name=\"input-format\" value=\"text\"/>"), "%s", xml);
    cr_expect(qct_contains(xml, "id=\"interview-a\""), "%s", xml);
    free(xml);

    char fifo[700];
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    pid_t writer = feed_fifo(fifo, text, n);
    cr_assert(writer > 0);
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --input-format txt pipe");
    /* A qcode that never opened the pipe leaves the writer waiting for a reader: stop it. */
    int st = 0;
    int unread = 1;
    for (int tries = 0; tries < 500 && (unread = waitpid(writer, &st, WNOHANG) == 0); tries++)
        usleep(10000); /* it closed the pipe but may not have ended yet */
    if (unread) {
        kill(writer, SIGKILL);
        waitpid(writer, &st, 0);
    }
    cr_expect(!unread && WIFEXITED(st) && WEXITSTATUS(st) == 0, "qcode did not read the whole pipe");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, want.out);
    qct_run_free(&r);

    qct_qcode(&r, dir, "inspect --input-format text interview-a");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "format:     text"), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "quotes -c " GOLDEN "/golden.qcb --input-format text GP interview-a");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "interview-a  S1 (participant)"), "%s", r.out);
    cr_expect(qct_contains(r.out, "2 quotations of GP from 2 respondents in 1 of 1 document"), "%s", r.out);
    qct_run_free(&r);

    static const char *const commands[] = {"code -c " GOLDEN "/golden.qcb", "inspect",
                                           "quotes -c " GOLDEN "/golden.qcb GP"};
    for (size_t i = 0; i < 3; i++) {
        qct_qcode(&r, dir, "%s --input-format rtf interview-a", commands[i]);
        cr_expect_eq(r.status, 2, "%s: %s", commands[i], r.err);
        cr_expect(qct_contains(r.err, "--input-format is text, vtt, srt or docx, not 'rtf'"), "%s: %s", commands[i],
                  r.err);
        qct_run_free(&r);
    }
    qct_run_free(&want);
    rel_rm_tree(dir);
    free(plain);
    free(text);
    free(dir);
}

/* Reads the FIFO at path in a child until its writer closes it; the child's exit status is 0 when
 * it read nothing, 1 when it read something. */
static pid_t drain_fifo(const char *path)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            _exit(2);
        char buf[65536];
        size_t total = 0;
        for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
            total += (size_t)n;
        _exit(total ? 1 : 0);
    }
    return pid;
}

/* A pipe as -o is written in place (a temporary renamed over it would replace it), so results.xml
 * of format 2 is not streamed into it while coding: a run stopped after 21 documents (megabytes of
 * spans) gives its reader nothing, not half a file. */
Test(code_cli, a_pipe_as_output_gets_no_half_results, .timeout = 60)
{
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    const char bad[] = "S1: a bad \xfe byte\n";
    free(qct_write_file(dir, "zz-bad.txt", bad, strlen(bad)));
    char *fifo = rel_path_in(dir, "out.fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    pid_t reader = drain_fifo(fifo);
    qct_run r;
    qct_qcode(&r, dir,
              "code --strict -c '%s/codebooks/integrated-care.qcb' -o out.fifo '%s/corpora/integrated-care' zz-bad.txt",
              src, src);
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "nothing written"), "%s", r.err);
    qct_run_free(&r);
    /* qcode never opened the pipe: its reader still waits for a writer, which comes and goes. */
    int st = 0;
    for (int i = 0; i < 600 && waitpid(reader, &st, WNOHANG) == 0; i++) {
        int wfd = open(fifo, O_WRONLY | O_NONBLOCK);
        if (wfd >= 0) {
            close(wfd);
            cr_assert_eq(waitpid(reader, &st, 0), reader);
            break;
        }
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the pipe's reader got part of a results.xml (status %d)", st);
    free(fifo);
    free(src);
    free(dir);
}

/* --tsv naming a file, not a folder, is refused before any coding (it failed with "Not a
 * directory" only once the whole corpus was coded), and nothing is written. */
Test(code_cli, tsv_that_is_a_file_is_refused_before_coding)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "tables", "not a folder\n", 13));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb -o r.xml --tsv tables " GOLDEN "/corpus/a.txt");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect_str_eq(r.err, "qcode: code: --tsv tables is not a folder (the TSV tables are written into a folder)\n");
    qct_run_free(&r);
    char path[700];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    cr_expect(access(path, F_OK) != 0, "r.xml was written");
    snprintf(path, sizeof path, "%s/tables", dir);
    char *kept = qct_read_file(path, NULL);
    cr_expect_str_eq(kept, "not a folder\n");
    free(kept);
    free(dir);
}

/* Two file names that differ only in bytes XML cannot carry (Latin-1 é and è) are one id in
 * results.xml (U+FFFD for each): the run wrote a file no reader takes ("listed twice"). The second
 * is now refused like a duplicate id, saying why, and the results read back. */
Test(code_cli, ids_that_read_back_alike_are_one_id)
{
    char *dir = qct_temp_dir();
    const char t[] = "S1: We have meetings on Monday.\nS2: Meetings again.\n";
    free(qct_write_file(dir, "caf\xe9.txt", t, strlen(t)));
    free(qct_write_file(dir, "caf\xe8.txt", t, strlen(t)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb -o r.xml caf\xe8.txt caf\xe9.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    /* The bytes that are not UTF-8 are a `?` on the terminal (cli_line), as in every name it is shown. */
    cr_expect(qct_contains(r.err, "caf?.txt: error: document id 'caf\xef\xbf\xbd.txt' is already used by "
                                  "caf?.txt: results.xml cannot carry the bytes of a file name that is not "
                                  "UTF-8, so both read back alike; rename one\n"),
              "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "quotes --results r.xml MEET");
    cr_expect_eq(r.status, 0, "the results read back: %s", r.err);
    cr_expect(qct_contains(r.out, "quotations of MEET from 2 respondents in 1 of 1 document\n"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* Names from files on the terminal: an ESC in a file's name, a speaker label or a code's name
 * went to the researcher's terminal as it was, where it moves the cursor, clears the screen or
 * recolours what follows. Every message and the summary now write it as U+001B (qc_printable, as
 * `quotes` and the codebook's messages do); other UTF-8 stays as it is, and a byte that is not
 * UTF-8 is a `?`. */
Test(code_cli, names_from_files_reach_the_terminal_without_their_control_characters)
{
    char *dir = qct_temp_dir();
    const char vtt[] = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann\033[2J>We wait for the list.\n";
    free(qct_write_file(dir, "caf\xc3\xa9\xf0\x9f\x98\x80\033[31m.vtt", vtt, strlen(vtt)));
    free(qct_write_file(dir, "bad\033[K\xe9.txt", "S1: caf\xe9\n", 9));
    free(qct_write_file(dir, "cases.tsv", "speaker\tage\nBob\t40\n", 19));
    const char qcb[] = "codebook \"c\"\n\ncode WAIT \"Waiting\033[5m\"\n  rule wait*\n";
    free(qct_write_file(dir, "c.qcb", qcb, strlen(qcb)));
    qct_run r;
    qct_qcode(&r, dir, "code -c c.qcb --cases cases.tsv -o r.xml *.vtt *.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "caf\xc3\xa9\xf0\x9f\x98\x80U+001B[31m.vtt: warning: speaker 'AnnU+001B[2J' is not "
                                  "in the casebook\n"),
              "%s", r.err);
    cr_expect(qct_contains(r.err, "badU+001B[K?.txt:1:8: error: invalid UTF-8"), "%s", r.err);
    cr_expect(qct_contains(r.out, "WAIT WaitingU+001B[5m "), "%s", r.out);
    cr_expect(!qct_wrote_esc(&r), "an ESC reached the terminal:\n%s%s", r.out, r.err);
    qct_run_free(&r);
    /* A path that is not there (cli_fail), named with an ESC. */
    qct_qcode(&r, dir, "code -c c.qcb -o r.xml 'gone\033[2J.txt'");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "goneU+001B[2J.txt"), "%s", r.err);
    cr_expect(!qct_wrote_esc(&r), "an ESC reached the terminal:\n%s", r.err);
    qct_run_free(&r);
    free(dir);
}
