/* qcode quotes: from a corpus and from a results.xml, in corpus order, keyword in context. */
#include <sys/stat.h>

#include "qc_test.h"
#include "quotes_counts.h"
#include "results_edit.h"

#define GOLDEN QCODE_SOURCE_DIR "/tests/golden"
#define CORPUS QCODE_SOURCE_DIR "/corpora/integrated-care"
#define CODEBOOK QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb"

Test(quotes_cli, quotations_of_one_code_from_the_corpus)
{
    qct_run r;
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb --cases corpus/cases.tsv GP corpus/");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* corpus order: a (t0 interviewer, t1 S1), then b (t4 interviewer, t5 S4) */
    const char *a0 = strstr(r.out, "a.txt  Interviewer (interviewer)  turn 0");
    const char *a1 = strstr(r.out, "a.txt  S1 (participant)  turn 1");
    const char *b5 = strstr(r.out, "b.txt  S4 (participant)  turn 5");
    cr_expect(a0 && a1 && b5 && a0 < a1 && a1 < b5, "%s", r.out);
    /* keyword in context: the hit with the words around it, no ANSI codes off a terminal */
    cr_expect(qct_contains(r.out, "turn 0  [73,75)  GP\n    GP\n"), "scope match quotes the hit: %s", r.out);
    cr_expect(!qct_contains(r.out, "\033["), "no escapes when stdout is not a terminal");
    /* GP's 4 quotations are in a.txt and b.txt: 2 of the 3 documents read, as `qcode code`
     * counts its documents (the line said "in 3 documents", the documents read). */
    cr_expect(qct_contains(r.out, "4 quotations of GP from 3 respondents in 2 of 3 documents\n"), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb --cases corpus/cases.tsv STAFF corpus/b.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "b.txt  S3 (participant)  turn 3  [175,209)  STAFF\n"
                            "    The nurses are short of staff too.\n"
                            "1 quotation of STAFF from 1 respondent in 1 of 1 document\n");
    qct_run_free(&r);
}

Test(quotes_cli, rollup_from_corpus_and_from_results_agree)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --cases corpus/cases.tsv -o '%s/r.xml' corpus/", dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_run a, b;
    qct_qcode(&a, GOLDEN, "quotes -c golden.qcb --cases corpus/cases.tsv --rollup TEAM corpus/");
    qct_qcode(&b, GOLDEN, "quotes --results '%s/r.xml' --rollup TEAM", dir);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    /* TEAM has no rules: COLOC's 2 and MEET's 2 quotations are listed, but COLOC's sentence lies
     * in MEET's paragraph in a.txt, so TEAM's rolled-up quotations are 3, in 2 documents, as
     * `qcode code` reports them (the line said 4, in the 3 documents read), from 3 respondents. */
    static const char team[] = "3 quotations of TEAM and its sub-codes, rolled up (4 listed, one per code of a "
                               "passage), from 3 respondents in 2 of 3 documents\n";
    cr_expect(qct_contains(a.out, team), "%s", a.out);
    cr_expect(qct_contains(b.out, team), "%s", b.out);
    /* the same listing apart from the last line */
    char *ea = strrchr(a.out, '\n');
    *ea = '\0';
    ea = strrchr(a.out, '\n');
    char *eb = strrchr(b.out, '\n');
    *eb = '\0';
    eb = strrchr(b.out, '\n');
    cr_assert(ea && eb);
    *ea = *eb = '\0';
    cr_expect_str_eq(a.out, b.out);
    /* within a.txt t1, COLOC's sentence and MEET's paragraph both start at the turn's start */
    cr_expect(qct_contains(a.out, "a.txt  S1 (participant)  turn 1"), "%s", a.out);
    cr_expect(qct_contains(a.out, "COLOC\n    We moved into the same office last year."), "%s", a.out);
    qct_run_free(&a);
    qct_run_free(&b);

    qct_qcode(&a, GOLDEN, "quotes --results '%s/r.xml' TEAM", dir);
    cr_expect_eq(a.status, 0);
    cr_expect_str_eq(a.out, "0 quotations of TEAM from 0 respondents in 0 of 3 documents\n");
    qct_run_free(&a);
    free(dir);
}

/* The last line is the library's counts, those `qcode code` wrote to results.xml, whatever the
 * tool lists: from that results.xml in either format, and from the corpus coded again with one
 * job or two, own and rolled up, for the codes whose roll-up merges passages (rolled-up quotations
 * fewer than the code's own and its sub-codes' together), a code with no quotations and a sample
 * of the rest. */
Test(quotes_cli, last_line_is_what_code_counted)
{
    char *dir = qct_temp_dir();
    qct_run r;
    for (unsigned format = 1; format <= 2; format++) {
        qct_qcode(&r, dir, "code -c '%s' --cases '%s/cases.tsv' --results-format %u -o r%u.xml '%s'", CODEBOOK, CORPUS,
                  format, format, CORPUS);
        cr_assert_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
    }
    char r1[1024];
    snprintf(r1, sizeof r1, "%s/r1.xml", dir);
    qc_codebook *cb;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, CODEBOOK, NULL, &err), 0, "%s", err.message);
    quotes_file_counts fc;
    quotes_counts_read(&fc, r1);
    size_t codes = qc_codebook_code_count(cb), checked = 0, merging = 0, empty = 0, from_corpus = 0;
    for (size_t c = 0; c < codes; c++) {
        const char *id = qc_code_id(cb, c);
        size_t f = quotes_counts_find(&fc, id);
        /* what the roll-up would be if nothing merged: the code's own and its children's */
        uint64_t sum = fc.own[f].quotations;
        for (size_t k = c + 1; k < codes && qc_code_depth(cb, k) > qc_code_depth(cb, c); k++)
            if (qc_code_depth(cb, k) == qc_code_depth(cb, c) + 1)
                sum += fc.rolled_up[quotes_counts_find(&fc, qc_code_id(cb, k))].quotations;
        int merges = fc.rolled_up[f].quotations < sum && merging < 12, none = fc.rolled_up[f].quotations == 0;
        if (!merges && !(none && !empty) && c % 40 != 0)
            continue;
        merging += merges;
        empty += none;
        checked++;
        for (int rollup = 0; rollup <= 1; rollup++) {
            const qc_counts *want = rollup ? &fc.rolled_up[f] : &fc.own[f];
            char what[256];
            for (unsigned format = 1; format <= 2; format++) {
                qct_qcode(&r, dir, "quotes --results r%u.xml %s '%s'", format, rollup ? "--rollup" : "", id);
                cr_assert_eq(r.status, 0, "%s", r.err);
                snprintf(what, sizeof what, "%s%s from format %u", id, rollup ? " --rollup" : "", format);
                quotes_expect_counts(r.out, want, fc.documents, what);
                qct_run_free(&r);
            }
            if (checked % 3 != 1)
                continue;
            from_corpus++;
            for (unsigned jobs = 1; jobs <= 2; jobs++) {
                qct_qcode(&r, dir, "quotes -c '%s' --cases '%s/cases.tsv' --jobs %u %s '%s' '%s'", CODEBOOK, CORPUS,
                          jobs, rollup ? "--rollup" : "", id, CORPUS);
                cr_assert_eq(r.status, 0, "%s", r.err);
                snprintf(what, sizeof what, "%s%s from the corpus, --jobs %u", id, rollup ? " --rollup" : "", jobs);
                quotes_expect_counts(r.out, want, fc.documents, what);
                qct_run_free(&r);
            }
        }
    }
    cr_expect_eq(merging, 12, "codes whose roll-up merges passages: %zu", merging);
    cr_expect_geq(empty, 1, "a code with no quotations");
    cr_expect_geq(from_corpus / 2, 6, "codes checked from the corpus: %zu", from_corpus / 2);
    quotes_counts_free(&fc);
    qc_codebook_free(cb);
    free(dir);
}

Test(quotes_cli, errors)
{
    qct_run r;
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb NOSUCH corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "no code 'NOSUCH'"), "%s", r.err);
    qct_run_free(&r);
    /* why it cannot be opened, as every command says it */
    qct_qcode(&r, GOLDEN, "quotes --results nope.xml GP");
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "nope.xml: error: cannot open: No such file or directory\n");
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb --results r.xml GP");
    cr_expect_eq(r.status, 2);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb GP");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "no transcripts given"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb --tsv x GP corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "option '--tsv' does not apply here"), "%s", r.err);
    qct_run_free(&r);
    /* the option named, not its value; an option and its value in one word named as typed */
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb --top 3 GP corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "option '--top' does not apply here"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "quotes -c golden.qcb --top=3 GP corpus/");
    cr_expect(qct_contains(r.err, "option '--top=3' does not apply here"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "code -c golden.qcb --rollup corpus/");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "code: option '--rollup' does not apply here"), "%s", r.err);
    qct_run_free(&r);
    /* a casebook or a reading option with --results changes nothing: said, not taken silently (a
     * casebook that does not exist included) */
    qct_qcode(&r, GOLDEN, "quotes --results r.xml --cases nonexistent.tsv GP");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "quotes: --cases does not apply with --results"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, GOLDEN, "quotes --results r.xml --encoding windows-1252 GP");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "quotes: a reading option does not apply with --results"), "%s", r.err);
    qct_run_free(&r);
}

/* A results.xml with what qcode never writes: every command that reads it stops at the place, says
 * what is wrong, prints no quotation and writes nothing (quotes used to print such spans silently;
 * only export noticed a bad span). The golden corpus's first quotation is COLOC's in a.txt (461
 * code points, 8 turns), turn 1, [92, 132). */
Test(quotes_cli, impossible_values_in_results_are_refused_where_they_are)
{
    static const struct {
        const char *after, *from, *to, *message;
    } bad[] = {
        {"<quotations", "start=\"92\"", "start=\"133\"", "error: quotation start 133 is after its end 132\n"},
        {"<quotations", "end=\"132\"", "end=\"900\"",
         "error: quotation end 900 is past the end of a.txt, whose length is 461\n"},
        {"<quotations", "turn=\"1\"", "turn=\"4294967296\"",
         "error: quotation turn 4294967296 is past the last turn of a.txt, which has 8 turns\n"},
        {"", "formatVersion=\"1\"", "formatVersion=\"2\"",
         "error: formatVersion \"2\" is not one this qcode reads (it reads formatVersion 1)\n"},
        {"<quotations", "start=\"92\"", "start=\"-92\"", "error: quotation start \"-92\" is not a whole number\n"},
        /* cut short, half-way through a quotation's text */
        {"<quotations", "<text>We moved into the same office", NULL,
         "error: the file ends inside <text> (truncated?)\n"},
    };
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, GOLDEN,
              "code -c '" GOLDEN "/golden.qcb' --cases '" GOLDEN
              "/corpus/cases.tsv' --results-format 1 -o '%s/r.xml' '" GOLDEN "/corpus/'",
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char where[64], want[512];
        results_write_bad(dir, bad[i].after, bad[i].from, bad[i].to, where, sizeof where);
        snprintf(want, sizeof want, "%s%s", where, bad[i].message);
        qct_qcode(&r, dir, "quotes --results bad.xml COLOC");
        cr_expect_eq(r.status, 2, "%s: %s", want, r.err);
        cr_expect(strncmp(r.err, want, strlen(want)) == 0, "expected %sgot %s", want, r.err);
        cr_expect_str_eq(r.out, "", "nothing printed from a refused file");
        qct_run_free(&r);
        qct_qcode(&r, dir, "export --qdpx out.qdpx bad.xml");
        cr_expect_eq(r.status, 2, "%s: %s", want, r.err);
        cr_expect(strncmp(r.err, want, strlen(want)) == 0, "export: expected %sgot %s", want, r.err);
        char out[1100];
        snprintf(out, sizeof out, "%s/out.qdpx", dir);
        struct stat st;
        cr_expect_neq(stat(out, &st), 0, "export wrote %s from a refused file", out);
        qct_run_free(&r);
    }
    free(dir);
}

/* A label with no text is skipped with a warning in `qcode quotes` too (it printed nothing, so
 * a turn disappeared from the listing unexplained), and the rest is listed. */
Test(quotes_cli, a_label_with_no_text_is_a_warning_and_the_rest_is_listed)
{
    char *dir = qct_temp_dir();
    const char e[] = "S1: [00:00:01] We have meetings on Monday.\nP7: [00:11:37]\nS1: [00:12:00] More meetings.\n";
    free(qct_write_file(dir, "e.txt", e, strlen(e)));
    qct_run r;
    qct_qcode(&r, dir, "quotes -c " GOLDEN "/golden.qcb MEET e.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.err, "e.txt:2:1: warning: speaker label 'P7' with no text; turn skipped\n");
    cr_expect(qct_contains(r.out, "2 quotations of MEET from 1 respondent in 1 of 1 document\n"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* The lines of out (the listing: two a quotation, then the count). */
static size_t lines_of(const char *out)
{
    size_t n = 0;
    for (; *out; out++)
        n += *out == '\n';
    return n;
}

/* A new folder holding cb.qcb, whose one code TEAM quotes "co-locat*" sentences: to free(). */
static char *team_folder(void)
{
    char *dir = qct_temp_dir();
    static const char qcb[] = "codebook \"C\"\ncode TEAM \"Team\"\n  rule co-locat*\n";
    free(qct_write_file(dir, "cb.qcb", qcb, sizeof qcb - 1));
    return dir;
}

/* A document id, speaker label or coder with a line break or an ESC in it prints on one line, as
 * the codebook's messages show such characters (U+000A, U+001B): an id with a line break was two
 * lines, and an ESC, in a name or in the text, acted on the terminal. */
Test(quotes_cli, names_with_control_characters_print_on_one_line)
{
    char *dir = team_folder();
    char corpus[1100];
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    cr_assert_eq(mkdir(corpus, 0755), 0);
    free(qct_write_file(corpus, "new\nline.txt", "S1: we are co-located.\n", 23));
    free(qct_write_file(corpus, "esc\x1b[31m.txt", "S2: co-located \x1b[2J here.\n", 26));
    qct_run r;
    qct_qcode(&r, dir, "quotes -c cb.qcb TEAM corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "escU+001B[31m.txt  S2 (participant)  turn 0  [4,25)  TEAM\n"
                                  "    co-located U+001B[2J here.\n"),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "newU+000Aline.txt  S1 (participant)  turn 0  [4,22)  TEAM\n"), "%s", r.out);
    cr_expect(!strchr(r.out, '\x1b'), "%s", r.out);
    cr_expect_eq(lines_of(r.out), 5, "%s", r.out);
    qct_run_free(&r);
    /* From results.xml, which carries a line break (&#10;) but not an ESC (U+FFFD): a speaker
     * and a coder with a line break too. */
    static const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                 "<manual xmlns=\"urn:qcode:manual:1\" generator=\"test\">\n"
                                 "  <coding code=\"TEAM\" document=\"new&#10;line.txt\" start=\"4\" end=\"14\" "
                                 "coder=\"Al&#10;ice\"><text>we are co-</text></coding>\n</manual>\n";
    free(qct_write_file(dir, "manual.xml", manual, sizeof manual - 1));
    qct_qcode(&r, dir, "code -c cb.qcb --manual manual.xml -o r.xml corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char where[1200];
    results_write_bad(dir, "line.txt", "speaker=\"S1\"", "speaker=\"S&#10;1\"", where, sizeof where);
    qct_qcode(&r, dir, "quotes --results bad.xml TEAM");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "newU+000Aline.txt  SU+000A1 (participant)  turn 0  [4,14)  TEAM  coded by "
                                  "AlU+000Aice\n"),
              "%s", r.out);
    cr_expect(qct_contains(r.out, "newU+000Aline.txt  S1 (participant)  turn 0  [4,22)  TEAM\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "esc\xef\xbf\xbd[31m.txt  S2"), "%s", r.out);
    cr_expect_eq(lines_of(r.out), 7, "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* Two files with one document id (each named x.txt, given as files): the second is reported and
 * skipped, as `qcode code` does (exit 1, the first listed and counted), not the end of the run
 * with exit 2 and no last line. */
Test(quotes_cli, a_document_id_given_twice_is_reported_and_skipped_as_code_does)
{
    char *dir = team_folder();
    free(qct_write_file(dir, "a/x.txt", "S1: we are co-located.\n", 23));
    free(qct_write_file(dir, "b/x.txt", "S2: co-located here.\n", 21));
    qct_run r;
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        qct_qcode(&r, dir, "quotes -c cb.qcb --jobs %u TEAM a/x.txt b/x.txt", jobs);
        cr_expect_eq(r.status, 1, "--jobs %u: exit %d\n%s", jobs, r.status, r.err);
        cr_expect(qct_contains(r.err, "b/x.txt: error: document id 'x.txt' is already used by a/x.txt"), "%s", r.err);
        cr_expect_str_eq(r.out, "x.txt  S1 (participant)  turn 0  [4,22)  TEAM\n"
                                "    we are co-located.\n"
                                "1 quotation of TEAM from 1 respondent in 1 of 1 document\n");
        qct_run_free(&r);
        /* the same as `qcode code` counts and exits */
        qct_qcode(&r, dir, "code -c cb.qcb --jobs %u a/x.txt b/x.txt", jobs);
        cr_expect_eq(r.status, 1, "code --jobs %u: exit %d\n%s", jobs, r.status, r.err);
        qct_run_free(&r);
    }
    free(dir);
}

/* Only control characters of the quoted text are shown as U+XXXX: format characters are part of
 * the writing (a zero-width non-joiner inside a Persian word, a joiner in an emoji, a soft hyphen)
 * and print as they are; they were shown as U+200C, U+200D, U+00AD. */
Test(quotes_cli, format_characters_of_the_quoted_text_print_as_they_are)
{
    char *dir = team_folder();
    static const char text[] = "S1: co-located \xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85 "
                               "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 soft\xc2\xadhyphen \xc2\x9b\x1b[2J.\n";
    free(qct_write_file(dir, "p.txt", text, sizeof text - 1));
    qct_run r;
    qct_qcode(&r, dir, "quotes -c cb.qcb TEAM p.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "    co-located \xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85 "
                                  "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 soft\xc2\xadhyphen U+009BU+001B[2J.\n"),
              "%s", r.out);
    qct_run_free(&r);
    free(dir);
}
