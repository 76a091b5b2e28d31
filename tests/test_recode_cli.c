/* qcode diff and qcode recode through the binary: exit codes, stdout, stderr, files written. */
#include <sys/stat.h>
#include <unistd.h>

#include "qc_test.h"
#include "results_edit.h"

#define GOLDEN QCODE_SOURCE_DIR "/tests/golden"

/* The commands are defined in tools/cmd_diff.c and tools/cmd_recode.c: fail, never skip, when the
 * command table does not list them. */
static void require_command(const char *name)
{
    qct_run r;
    qct_qcode(&r, NULL, "help %s", name);
    int known = r.status == 0;
    qct_run_free(&r);
    cr_assert(known, "qcode %s is not in the command table (tools/main.c)", name);
}

Test(recode_cli, diff_shipped_v1_v2)
{
    require_command("diff");
    qct_run r;
    char *src = qct_source_path("");
    qct_qcode(&r, src, "diff codebooks/integrated-care-v1.qcb codebooks/integrated-care-v2.qcb");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "~ MEETINGS -> FORMAL: renamed, id-changed\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "~ GPS -> GP: "), "%s", r.out);
    cr_assert(qct_contains(r.out, "- OTHER: removed\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "summary: 47 added, 1 removed,"), "%s", r.out);
    cr_assert_str_eq(r.err, "");
    qct_run_free(&r);
    qct_qcode(&r, src, "diff --format xml codebooks/integrated-care-v2.qcb codebooks/integrated-care.qcb");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "<change kinds=\"merged\" old-id=\"MORALE.PRESSURE\"") ||
                  qct_contains(r.out, "old-id=\"MORALE.PRESSURE\" new-id=\"MORALE.STRAIN\""),
              "%s", r.out);
    qct_run_free(&r);
    free(src);
}

/* A code name with an ESC in it (a codebook imported from another tool's .qdc) reaches the
 * terminal as U+001B from `diff` and `recode` as from every other command; it recoloured the
 * terminal. A codebook of one code is "1 code". */
Test(recode_cli, diff_and_recode_print_names_without_their_control_characters)
{
    require_command("diff");
    char *dir = qct_temp_dir();
    static const char v1[] = "codebook \"X\" version 1\ncode A \"Wait\033[31ming\"\n  rule waiting\n";
    static const char v2[] = "codebook \"X\" version 2\ncode A \"Wait\033[32mED\"\n  rule waiting\n";
    free(qct_write_file(dir, "v1.qcb", v1, sizeof v1 - 1));
    free(qct_write_file(dir, "v2.qcb", v2, sizeof v2 - 1));
    free(qct_write_file(dir, "w.txt", "S1: waiting\n", 12));
    qct_run r;
    qct_qcode(&r, dir, "diff v1.qcb v2.qcb");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_wrote_esc(&r), "%s", r.out);
    cr_expect(qct_contains(r.out, "codebook diff: v1.qcb (version 1, 1 code) -> v2.qcb (version 2, 1 code)\n"), "%s",
              r.out);
    cr_expect(qct_contains(r.out, "name \"WaitU+001B[31ming\" -> \"WaitU+001B[32mED\""), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --old v1.qcb -c v2.qcb w.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_wrote_esc(&r), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "diff v1.qcb v2.qcb -o d.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *file = qct_read_in(dir, "d.txt");
    cr_expect(qct_contains(file, "Wait\033[31ming"), "a file keeps the name as it is: %s", file);
    free(file);
    qct_run_free(&r);
    free(dir);
}

Test(recode_cli, diff_usage_errors)
{
    require_command("diff");
    qct_run r;
    qct_qcode(&r, NULL, "diff only-one.qcb");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "give two codebooks"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, NULL, "diff --format json a.qcb b.qcb");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "unknown format 'json'"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, NULL, "diff /nonexistent/a.qcb /nonexistent/b.qcb");
    cr_assert_eq(r.status, 2, "%s", r.err);
    qct_run_free(&r);
}

Test(recode_cli, recode_sample_corpus_dry_run_and_cache)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, src,
              "code -c codebooks/integrated-care-v2.qcb --cases corpora/integrated-care/cases.tsv -o %s/r2.xml "
              "corpora/integrated-care/",
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);

    /* Dry run: the report, nothing written. */
    qct_qcode(&r, src,
              "recode --from %s/r2.xml --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb "
              "--cases corpora/integrated-care/cases.tsv --dry-run -o %s/r3.xml --report %s/rep.xml "
              "corpora/integrated-care/",
              dir, dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "(version 3): 21 documents\nquotations: "), "%s", r.out);
    cr_assert(qct_contains(r.out, "MORALE.STRAIN"), "%s", r.out);
    cr_assert(qct_contains(r.out, "(from MORALE.STRESS MORALE.PRESSURE)"), "%s", r.out);
    cr_assert(qct_contains(r.err, "dry run: nothing written"), "%s", r.err);
    char path[1024];
    snprintf(path, sizeof path, "%s/r3.xml", dir);
    cr_assert_null(qct_read_file(path, NULL));

    /* The dry run's new results are counts only: its report is the one a run that writes them
     * prints. */
    qct_run w;
    qct_qcode(&w, src,
              "recode --from %s/r2.xml --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb "
              "--cases corpora/integrated-care/cases.tsv -o %s/r3.xml corpora/integrated-care/",
              dir, dir);
    cr_assert_eq(w.status, 0, "%s", w.err);
    cr_expect_str_eq(w.out, r.out);
    char *written = qct_read_file(path, NULL);
    cr_expect_not_null(written, "-o wrote the new results");
    free(written);
    qct_run_free(&w);
    qct_run_free(&r);

    /* With a cache, twice: the second run codes nothing and writes the same results. */
    for (int i = 0; i < 2; i++) {
        qct_qcode(&r, src,
                  "recode --from %s/r2.xml -c codebooks/integrated-care.qcb --cases corpora/integrated-care/cases.tsv "
                  "--cache %s/cache --verbose -o %s/r3-%d.xml --report %s/rep.xml corpora/integrated-care/",
                  dir, dir, dir, i, dir);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert(qct_contains(r.err, i ? "21 hits, 0 new" : "0 hits, 21 new"), "%s", r.err);
        /* without --jobs: one thread per core */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        char threads[64];
        snprintf(threads, sizeof threads, " s on %ld thread%s;", cores, cores == 1 ? "" : "s");
        cr_assert(qct_contains(r.err, threads), "want '%s' in %s", threads, r.err);
        qct_run_free(&r);
    }
    qct_qcode(&r, src,
              "recode --from %s/r2.xml -c codebooks/integrated-care.qcb --cases corpora/integrated-care/cases.tsv "
              "--cache %s/cache --verbose -j 1 --dry-run corpora/integrated-care/",
              dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.err, " s on 1 thread;"), "%s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/rep.xml", dir);
    char *rep = qct_read_file(path, NULL);
    cr_assert_not_null(rep);
    cr_assert(qct_contains(rep, "<recode xmlns=\"urn:qcode:recode:1\">"));
    cr_assert(qct_contains(rep, "<code id=\"MORALE.STRAIN\""));
    free(rep);
    free(dir);
    free(src);
}

/* As `qcode code`: SOURCE_DATE_EPOCH fixes results.xml's provenance time, so that two re-codes of
 * the same input give the same bytes. */
/* The second run has two threads: the bytes are the same whatever --jobs. */
Test(recode_cli, recode_honours_source_date_epoch)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    char *x[2];
    setenv("SOURCE_DATE_EPOCH", "86400", 1); /* inherited by the qcode process */
    for (int i = 0; i < 2; i++) {
        qct_run r;
        qct_qcode(&r, src,
                  "recode --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb -j %d "
                  "--cases corpora/integrated-care/cases.tsv -o %s/r%d.xml corpora/integrated-care/",
                  i + 1, dir, i);
        cr_expect_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
        char path[1024];
        snprintf(path, sizeof path, "%s/r%d.xml", dir, i);
        x[i] = qct_read_file(path, NULL);
    }
    unsetenv("SOURCE_DATE_EPOCH");
    cr_assert_not_null(x[0]);
    cr_assert_not_null(x[1]);
    cr_expect(qct_contains(x[0], "<time>1970-01-02T00:00:00Z</time>"), "SOURCE_DATE_EPOCH fixes the time");
    cr_expect_str_eq(x[0], x[1], "-j 2 (coding and writing in two threads) gives other bytes than -j 1");
    free(x[0]);
    free(x[1]);
    free(dir);
    free(src);
}

/* A document that cannot be read, first in the corpus: reported with its place, left out, the
 * others re-coded, exit 1 (as for `qcode code`). It used to be counted into the re-code's own
 * state instead of the command's, which then crashed or reported exit 0. */
Test(recode_cli, unreadable_document_is_reported_and_skipped)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    static const char bad[] = "S1: \377 not UTF-8\n";
    free(qct_write_file(dir, "aa-bad.txt", bad, sizeof bad - 1));
    char *src = qct_source_path("");
    qct_run r;
    qct_qcode(&r, src,
              "recode --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb "
              "--cases corpora/integrated-care/cases.tsv --results-format 1 -o '%s/r.xml' '%s/aa-bad.txt' "
              "corpora/integrated-care/",
              dir, dir);
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "aa-bad.txt:1:5: error: invalid UTF-8"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "runtime error"), "%s", r.err);
    cr_expect(qct_contains(r.out, "IMPROVE"), "the report of the other documents: %s", r.out);
    char path[1200];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    char *xml = qct_read_file(path, NULL);
    cr_assert_not_null(xml, "the results of the documents that were read are written");
    cr_expect(qct_contains(xml, "<documents count=\"21\">"), "the 21 sample documents, not the bad one");
    free(xml);
    qct_run_free(&r);
    free(src);
    free(dir);
}

/* Two files with one document id (each named x.txt, given as files): the second is reported and
 * skipped on both sides, as `qcode code` does (exit 1, the first counted and compared), with or
 * without a cache and with one job or two. The whole re-code used to end with exit 2 and write
 * nothing. */
Test(recode_cli, a_document_id_given_twice_is_reported_and_skipped_as_code_does)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    static const char first[] = "S1: The waiting list for the memory clinic is long.\n";
    static const char second[] = "S2: We never had a waiting list, we share an office.\n";
    free(qct_write_file(dir, "a/x.txt", first, sizeof first - 1));
    free(qct_write_file(dir, "b/x.txt", second, sizeof second - 1));
    char *src = qct_source_path("");
    qct_run r;
    qct_qcode(&r, src, "code -c codebooks/integrated-care-v2.qcb -o '%s/r.xml' '%s/a/x.txt'", dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    for (size_t i = 0; i < 4; i++) {
        char side[1100];
        if (i % 2 == 0)
            snprintf(side, sizeof side, "--old '%s/codebooks/integrated-care-v2.qcb'", src);
        else
            snprintf(side, sizeof side, "--from r.xml");
        const char *cache = i < 2 ? "" : "--cache cache";
        /* what the re-code of a/x.txt alone reports (with the cache, its old side is the codebook found there) */
        qct_run alone;
        qct_qcode(&alone, dir, "recode %s %s -c '%s/codebooks/integrated-care.qcb' a/x.txt", side, cache, src);
        cr_assert_eq(alone.status, 0, "%s", alone.err);
        for (unsigned jobs = 1; jobs <= 2; jobs++) {
            qct_qcode(&r, dir,
                      "recode %s %s --jobs %u -c '%s/codebooks/integrated-care.qcb' -o new.xml a/x.txt b/x.txt", side,
                      cache, jobs, src);
            cr_expect_eq(r.status, 1, "%s %s --jobs %u: exit %d\n%s", side, cache, jobs, r.status, r.err);
            cr_expect(qct_contains(r.err, "b/x.txt: error: document id 'x.txt' is already used by a/x.txt"), "%s",
                      r.err);
            cr_expect_str_eq(r.out, alone.out, "%s %s --jobs %u: the report of a/x.txt alone", side, cache, jobs);
            char *xml = qct_read_in(dir, "new.xml");
            const char *at = strstr(xml, "<document ");
            cr_expect(at && !strstr(at + 1, "<document "), "%s %s: one document: %s", side, cache, xml);
            free(xml);
            qct_run_free(&r);
        }
        qct_run_free(&alone);
    }
    free(src);
    free(dir);
}

/* A label with no text is a warning at its line, once a document, on either side of a re-code. */
Test(recode_cli, a_label_with_no_text_is_a_warning)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    static const char e[] = "S1: [00:00:01] We have meetings.\nS2: [00:11:37]\nS1: [00:12:00] More meetings.\n";
    free(qct_write_file(dir, "e.txt", e, sizeof e - 1));
    char *src = qct_source_path("");
    const char *how[] = {"--old codebooks/integrated-care-v2.qcb", "--from '%s/r.xml'"};
    qct_run r;
    qct_qcode(&r, src, "code -c codebooks/integrated-care-v2.qcb -o '%s/r.xml' '%s/e.txt'", dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    for (size_t i = 0; i < 2; i++) {
        char side[1100];
        snprintf(side, sizeof side, how[i], dir);
        qct_qcode(&r, src, "recode %s -c codebooks/integrated-care.qcb '%s/e.txt'", side, dir);
        cr_expect_eq(r.status, 0, "%s: %s", side, r.err);
        cr_expect(qct_contains(r.err, "e.txt:2:1: warning: speaker label 'S2' with no text; turn skipped\n"), "%s: %s",
                  side, r.err);
        const char *first = strstr(r.err, ": warning: ");
        cr_expect(first && !strstr(first + 1, ": warning: "), "%s: warned once: %s", side, r.err);
        qct_run_free(&r);
    }
    free(src);
    free(dir);
}

/* A document whose name has '&' (a "Q&A" session): its id read back from results.xml came back as
 * "Q&#38;A.txt", so recode --from took the document as gone and its namesake as new: every
 * quotation lost and gained again, and the file's quotations read in full. */
Test(recode_cli, a_document_named_with_an_ampersand_is_the_same_document)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    char *from = qct_source_path("corpora/integrated-care/hq-p1-interview-sm1.txt");
    size_t len;
    char *text = qct_read_file(from, &len);
    cr_assert_not_null(text);
    free(qct_write_file(dir, "Q&A <1>.txt", text, len));
    qct_run r;
    qct_qcode(&r, src, "code -c codebooks/integrated-care.qcb -o '%s/r.xml' '%s/Q&A <1>.txt'", dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, src,
              "recode --from '%s/r.xml' --old codebooks/integrated-care.qcb -c codebooks/integrated-care.qcb "
              "--verbose '%s/Q&A <1>.txt'",
              dir, dir);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "%s", r.err);
    cr_expect(qct_contains(r.out, "0 gained, 0 lost; 0 codes changed"), "%s", r.out);
    qct_run_free(&r);
    free(text);
    free(from);
    free(src);
    free(dir);
}

Test(recode_cli, recode_usage_errors)
{
    require_command("recode");
    qct_run r;
    qct_qcode(&r, NULL, "recode -c x.qcb corpus/");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "give the old side"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, NULL, "recode --from r.xml corpus/");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "no new codebook"), "%s", r.err);
    qct_run_free(&r);
    /* The options shared with `qcode code` are parsed by its code, messages and all. */
    qct_qcode(&r, NULL, "recode --from r.xml -c x.qcb --encoding latin1 corpus/");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "recode: --encoding is utf-8 or windows-1252, not 'latin1'"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, NULL, "recode --from r.xml -c x.qcb --strict corpus/");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "recode: option '--strict' does not apply here"), "%s", r.err);
    qct_run_free(&r);
}

/* A re-code whose outputs cannot be written prints no report: it printed the summary ("quotations:
 * ... kept, ... gained") on stdout and then failed on a full disk, telling of a re-code that was not
 * written. The report comes once every output is committed; `qcode code`'s summary likewise. */
Test(recode_cli, a_failed_write_prints_no_report)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    static const char v1[] = "codebook \"X\" version 1\ncode A \"Wait\"\n  rule waiting\n";
    static const char v2[] = "codebook \"X\" version 2\ncode A \"Wait\"\n  rule wait*\n";
    free(qct_write_file(dir, "v1.qcb", v1, sizeof v1 - 1));
    free(qct_write_file(dir, "v2.qcb", v2, sizeof v2 - 1));
    static const char w[] = "S1: waiting\nS2: we wait\n";
    free(qct_write_file(dir, "w.txt", w, sizeof w - 1));
    char *full = qct_full_device(dir);
    qct_run r;
    const char *runs[] = {"-o %s --report rep.xml", "-o %s --results-format 1 --report rep.xml",
                          "-o r.xml --report %s"};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char outputs[512];
        snprintf(outputs, sizeof outputs, runs[i], full);
        qct_qcode(&r, dir, "recode --old v1.qcb -c v2.qcb %s w.txt", outputs);
        cr_expect_eq(r.status, 2, "%s: %s", outputs, r.err);
        cr_expect_str_eq(r.out, "", "%s: a report of a re-code that was not written", outputs);
        cr_expect(qct_contains(r.err, "No space left on device"), "%s: %s", outputs, r.err);
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, strstr(outputs, "rep.xml") ? "rep.xml" : "r.xml");
        char *written = qct_read_file(path, NULL);
        cr_expect_null(written, "%s: the other output was written by a run that failed", outputs);
        free(written);
        qct_run_free(&r);
    }
    /* Written, the report is printed. */
    qct_qcode(&r, dir, "recode --old v1.qcb -c v2.qcb -o r.xml --report rep.xml w.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "quotations: 1 before, 2 after: 1 kept, 1 gained, 0 lost"), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c v2.qcb -o %s w.txt", full);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect_str_eq(r.out, "", "code: a summary of results that were not written");
    qct_run_free(&r);
    free(full);
    free(dir);
}

/* The carried manual codings' default file was --from's name with -recoded: `recode --from
 * results.xml -o results-recoded.xml` wrote the new results, then replaced them with the manual
 * codings, and exited 0; with --manual, its default could be --report's file alike. The default
 * from --from is results-manual-recoded.xml, and a default naming another output refuses the run
 * before anything is written. */
Test(recode_cli, the_manual_codings_default_name_never_replaces_another_output)
{
    char *dir = qct_temp_dir();
    const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">"
                          "<coding code=\"MEET\" document=\"a.txt\" start=\"0\" end=\"5\" coder=\"Ann\"><text>site:"
                          "</text></coding></manual>\n";
    const char doc[] = "site: RS1\n\nInterviewer: Tell me.\nS1: We have meetings on Monday.\n";
    free(qct_write_file(dir, "manual.xml", manual, strlen(manual)));
    free(qct_write_file(dir, "a.txt", doc, strlen(doc)));
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --manual manual.xml -o results.xml a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);

    qct_qcode(&r, dir, "recode --from results.xml -c " GOLDEN "/golden.qcb -o results-recoded.xml a.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "manual codings written to results-manual-recoded.xml"), "%s", r.err);
    qct_run_free(&r);
    char *results = qct_read_in(dir, "results-recoded.xml"), *carried = qct_read_in(dir, "results-manual-recoded.xml");
    cr_expect(results && qct_contains(results, "<results "), "the new results stay results: %.200s", results);
    cr_expect(carried && qct_contains(carried, "<manual ") && qct_contains(carried, "coder=\"Ann\""), "%.300s",
              carried);
    free(results);
    free(carried);

    qct_qcode(&r, dir,
              "recode --from results.xml -c " GOLDEN
              "/golden.qcb --manual manual.xml --report manual-recoded.xml a.txt");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "--report and the manual codings' default --manual-out are the same file "
                                  "(manual-recoded.xml)"),
              "%s", r.err);
    qct_run_free(&r);
    char path[4096];
    snprintf(path, sizeof path, "%s/manual-recoded.xml", dir);
    cr_expect_neq(access(path, F_OK), 0, "nothing written");
    free(dir);
}

/* --from results.xml with an --old that did not make it (another revision given by mistake) was
 * taken silently: the file's codes were followed through the wrong lineage, so a rename showed
 * as a removed code and an added one, and manual codings went to "unassigned". A warning names
 * both files; the codebook that did make it gives none. */
Test(recode_cli, an_old_codebook_that_did_not_make_the_results_is_a_warning)
{
    char *dir = qct_temp_dir();
    char *golden = qct_read_file(GOLDEN "/golden.qcb", NULL);
    cr_assert_not_null(golden);
    char *other = malloc(strlen(golden) + 64);
    cr_assert_not_null(other);
    sprintf(other, "%s\ncode EXTRA \"Extra\"\n  rule zzqextra\n", golden);
    free(qct_write_file(dir, "other.qcb", other, strlen(other)));
    free(qct_write_file(dir, "golden.qcb", golden, strlen(golden)));
    free(other);
    free(golden);
    qct_run r;
    qct_qcode(&r, dir, "code -c golden.qcb -o r.xml " GOLDEN "/corpus/a.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml --old other.qcb -c golden.qcb --dry-run " GOLDEN "/corpus/a.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "r.xml: warning: made with another codebook than --old other.qcb (the SHA-256 it "
                                  "records differs)"),
              "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml --old golden.qcb -c other.qcb --dry-run " GOLDEN "/corpus/a.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* A re-code without the casebook its --from run had (or with another one) moved the quotations of
 * codes with `where` conditions and reported them "unexplained", with no word of the casebook. A
 * warning names the casebook, and the reason is "casebook changed"; the same casebook is neither. */
Test(recode_cli, a_casebook_other_than_the_runs_is_warned_of_and_named_as_the_reason)
{
    char *dir = qct_temp_dir();
    char *cases = qct_read_file(GOLDEN "/corpus/cases.tsv", NULL);
    cr_assert_not_null(cases);
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    free(cases);
    qct_run r;
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv -o r.xml " GOLDEN "/corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char *xml = qct_read_in(dir, "r.xml");
    cr_expect(qct_contains(xml, "<option name=\"casebook-sha1\" value=\""), "%.1500s", xml);
    free(xml);

    qct_qcode(&r, dir, "recode --from r.xml -c " GOLDEN "/golden.qcb --report rep.xml " GOLDEN "/corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "recode: warning: r.xml's run had the casebook cases.tsv, this re-code has none"),
              "%s", r.err);
    qct_run_free(&r);
    char *rep = qct_read_in(dir, "rep.xml");
    cr_expect(qct_contains(rep, "reason=\"casebook changed\""), "%s", rep);
    cr_expect(!qct_contains(rep, "unexplained"), "%s", rep);
    free(rep);

    /* the same path, other bytes: S2 is a nurse now */
    const char edited[] = "speaker\tprofession\tteam\nS1\tnurse\tRS1\nS2\tnurse\tRS1\nS3\tnurse\tRS2\n"
                          "S4\ttherapist\tRS2\n";
    free(qct_write_file(dir, "cases.tsv", edited, strlen(edited)));
    qct_qcode(&r, dir, "recode --from r.xml -c " GOLDEN "/golden.qcb --cases cases.tsv --dry-run " GOLDEN "/corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "recode: warning: the casebook cases.tsv is not the one r.xml's run had (cases.tsv, "
                                  "whose bytes were others)"),
              "%s", r.err);
    qct_run_free(&r);

    /* the run's own casebook: no word of it */
    qct_qcode(&r, dir, "code -c " GOLDEN "/golden.qcb --cases cases.tsv -o r2.xml " GOLDEN "/corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r2.xml -c " GOLDEN "/golden.qcb --cases cases.tsv --dry-run " GOLDEN "/corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "casebook"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* An old side with nothing in it is told as empty whatever it is: a file, /dev/null or a pipe that
 * closes at once (libxml2's own words for the last two were "Extra content at the end of the
 * document"). */
Test(recode_cli, empty_old_results_are_told_as_empty)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "empty.xml", "", 0));
    free(qct_write_file(dir, "blank.xml", "\xEF\xBB\xBF \n\n", 6));
    char *src = qct_source_path("");
    static const char *const froms[] = {"'%s/empty.xml'", "'%s/blank.xml'", "/dev/null", "/dev/stdin"};
    static const char *const named[] = {"empty.xml", "blank.xml", "/dev/null", "/dev/stdin"};
    for (size_t i = 0; i < sizeof froms / sizeof *froms; i++) {
        char from[1100];
        snprintf(from, sizeof from, froms[i], dir);
        qct_run r;
        qct_qcode(&r, src, "recode --from %s -c codebooks/integrated-care.qcb corpora/integrated-care/", from);
        cr_expect_eq(r.status, 2, "%s: %s", from, r.err);
        cr_expect(qct_contains(r.err, named[i]), "%s: the message names the file: %s", from, r.err);
        cr_expect(qct_contains(r.err, "error: the file is empty (expected a qcode results.xml)"), "%s: %s", from,
                  r.err);
        qct_run_free(&r);
    }
    free(src);
    free(dir);
}

/* A folder given as the old results says so; reading it through the watching input first said
 * "the file is empty", and before that libxml2 printed "I/O error : Is a directory" itself. */
Test(recode_cli, a_folder_as_old_results_is_named_as_one)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    qct_run r;
    qct_qcode(&r, src, "recode --from '%s' -c codebooks/integrated-care.qcb corpora/integrated-care/", dir);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "error: cannot read a qcode results.xml: Is a directory"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "empty"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "I/O error"), "libxml2 printed: %s", r.err);
    qct_run_free(&r);
    rmdir(dir);
    free(src);
    free(dir);
}

/* The old results given with --from that cannot be opened say why, as every command does. */
Test(recode_cli, a_missing_old_results_says_why)
{
    require_command("recode");
    char *src = qct_source_path("");
    qct_run r;
    qct_qcode(&r, src, "recode --from nope.xml -c codebooks/integrated-care.qcb corpora/integrated-care/");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect_str_eq(r.err, "nope.xml: error: cannot open: No such file or directory\n");
    qct_run_free(&r);
    free(src);
}

/* A codebook file's bytes, copied to dir/name (the copy's path is returned). */
static char *copy_codebook(const char *src, const char *shipped, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", src, shipped);
    size_t size = 0;
    char *bytes = qct_read_file(path, &size);
    cr_assert_not_null(bytes, "%s", path);
    char *copy = qct_write_file(dir, name, bytes, size);
    free(bytes);
    return copy;
}

/* Old results with what qcode never writes are refused at the place, whether the old side is read
 * from them or (with --old) coded again and checked against them; nothing is written. */
Test(recode_cli, impossible_old_results_are_refused_where_they_are)
{
    require_command("recode");
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
        {"<documents", "length=\"461\"", "length=\"46x\"", "error: document length \"46x\" is not a whole number\n"},
        {"<quotations", "<text>We moved into the same office", NULL,
         "error: the file ends inside <text> (truncated?)\n"},
    };
    char *golden = qct_source_path("tests/golden");
    char *dir = qct_temp_dir();
    qct_run r;
    /* Coded with a copy of the codebook that is then removed: without --old the file must be read,
     * not the old side found by its codebook's SHA-256 and coded again. */
    char *cb = copy_codebook(golden, "golden.qcb", dir, "gone.qcb");
    qct_qcode(&r, golden, "code -c '%s' --cases corpus/cases.tsv --results-format 1 -o '%s/r.xml' corpus/", cb, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    cr_assert_eq(unlink(cb), 0);
    free(cb);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char where[64], want[512];
        results_write_bad(dir, bad[i].after, bad[i].from, bad[i].to, where, sizeof where);
        snprintf(want, sizeof want, "%s%s", where, bad[i].message);
        static const char *const old[] = {"", "--old golden.qcb "};
        for (int k = 0; k < 2; k++) {
            /* the old side coded again: only what is read before the first quotation is looked at */
            if (k == 1 && strcmp(bad[i].after, "<quotations") == 0)
                continue;
            qct_qcode(&r, golden,
                      "recode --from '%s/bad.xml' %s-c golden.qcb --cases corpus/cases.tsv -o '%s/new.xml' corpus/",
                      dir, old[k], dir);
            cr_expect_eq(r.status, 2, "%s%s", want, r.err);
            char got[1100];
            snprintf(got, sizeof got, "%s", r.err);
            char *name = strstr(got, "bad.xml:");
            cr_expect(name && strncmp(name, want, strlen(want)) == 0, "%sexpected %sgot %s", old[k], want, r.err);
            char out[1100];
            snprintf(out, sizeof out, "%s/new.xml", dir);
            cr_expect_null(qct_read_file(out, NULL), "recode wrote %s from a refused file", out);
            qct_run_free(&r);
        }
    }
    free(golden);
    free(dir);
}

/* recode --from without --old finds the codebook that made the file by the SHA-256 its provenance
 * records: at the path it names, or, once that file was edited, as the cache kept it. The old side
 * is then coded, not read back, and the report is the one --old would give. An edited codebook
 * with no cache is not taken for the old one. */
Test(recode_cli, the_old_codebook_is_found_by_its_sha256)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    free(copy_codebook(src, "codebooks/integrated-care-v1.qcb", dir, "cb.qcb"));
    qct_run r;
    qct_qcode(&r, src, "code -c %s/cb.qcb -o %s/r.xml corpora/integrated-care/", dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);

    qct_qcode(&r, src,
              "recode --from %s/r.xml -c codebooks/integrated-care-v2.qcb --cache %s/C --verbose --report %s/auto.xml "
              "corpora/integrated-care/",
              dir, dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.err, "cb.qcb, found by the SHA-256 in"), "%s", r.err);
    cr_assert(qct_contains(r.err, "old side: coded again"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, src,
              "recode --from %s/r.xml --old %s/cb.qcb -c codebooks/integrated-care-v2.qcb --report %s/explicit.xml "
              "corpora/integrated-care/",
              dir, dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[4096];
    snprintf(path, sizeof path, "%s/auto.xml", dir);
    char *found = qct_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/explicit.xml", dir);
    char *given = qct_read_file(path, NULL);
    cr_assert(found && given);
    cr_assert_str_eq(found, given);
    cr_assert(qct_contains(found, "renamed"), "the report names the diff's kinds");
    free(found);
    free(given);

    /* The codebook edited in place: the copy the cache kept is found. */
    free(copy_codebook(src, "codebooks/integrated-care-v2.qcb", dir, "cb.qcb"));
    qct_qcode(&r, src,
              "recode --from %s/r.xml -c codebooks/integrated-care.qcb --cache %s/C --verbose --dry-run "
              "corpora/integrated-care/",
              dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.err, "/C/codebooks/"), "%s", r.err);
    cr_assert(qct_contains(r.err, "old side: coded again"), "%s", r.err);
    qct_run_free(&r);

    /* No cache, the file edited: nothing is found; the results are read. */
    qct_qcode(&r, src,
              "recode --from %s/r.xml -c codebooks/integrated-care.qcb --verbose --dry-run corpora/integrated-care/",
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!qct_contains(r.err, "old codebook"), "%s", r.err);
    cr_assert(!qct_contains(r.err, "coded again"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
    free(src);
}

/* dir/a and dir/b hold the same bytes (results of runs with and without a cache). */
static void assert_same_files(const char *dir, const char *a, const char *b, const char *why)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, a);
    char *x = qct_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/%s", dir, b);
    char *y = qct_read_file(path, NULL);
    cr_assert(x && y, "%s or %s unreadable", a, b);
    cr_assert_str_eq(x, y, "%s", why);
    free(x);
    free(y);
}

/* qcode code --cache fills the cache and keeps its codebook there: the first re-code of its
 * results codes only what the revision changed (no document is new to the cache), finds the old
 * codebook though its file was edited in place, and the run's results are those without a cache. */
Test(recode_cli, code_with_a_cache_makes_the_first_recode_warm)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    setenv("SOURCE_DATE_EPOCH", "86400", 1); /* the same provenance time in both results */
    free(copy_codebook(src, "codebooks/integrated-care-v2.qcb", dir, "cb.qcb"));
    qct_run r;
    qct_qcode(&r, src, "code -c %s/cb.qcb --cache %s/C -o %s/r0.xml corpora/integrated-care/", dir, dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, src, "code -c %s/cb.qcb -o %s/r1.xml corpora/integrated-care/", dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    assert_same_files(dir, "r0.xml", "r1.xml", "--cache changes nothing in the results");

    free(copy_codebook(src, "codebooks/integrated-care.qcb", dir, "cb.qcb")); /* edited in place */
    qct_qcode(&r, src, "recode --from %s/r0.xml -c %s/cb.qcb --cache %s/C --verbose --dry-run corpora/integrated-care/",
              dir, dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.err, " 0 new,"), "every document was in the cache: %s", r.err);
    cr_assert(qct_contains(r.err, "/C/codebooks/"), "the old codebook is the cache's copy: %s", r.err);
    cr_assert(qct_contains(r.err, "old side: coded again"), "%s", r.err);
    qct_run_free(&r);
    unsetenv("SOURCE_DATE_EPOCH");
    free(dir);
    free(src);
}

/* A codebook given as a named pipe is read once: keeping a copy in the cache does not open it
 * again (with no writer left, that open would block the re-code for ever). */
Test(recode_cli, a_codebook_from_a_pipe_is_not_read_again_for_the_cache, .timeout = 60)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkfifo '%s/cb.fifo' && (cat '%s/codebooks/integrated-care.qcb' > '%s/cb.fifo' &)", dir,
             src, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    qct_run r;
    qct_qcode(&r, src,
              "recode --old codebooks/integrated-care-v2.qcb -c %s/cb.fifo --cache %s/C --dry-run "
              "corpora/integrated-care/",
              dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    /* the old codebook, a file, was kept; the pipe's was not */
    snprintf(cmd, sizeof cmd, "test $(ls '%s/C/codebooks' | wc -l) -eq 1", dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(dir);
    free(src);
}

/* Writes dir/name: text with `insert` put before the n-th (from 1; 0: the last) occurrence of
 * `at`, and the first `from` after that place (NULL: none) replaced by `to`. Returns the line of
 * the replacement (0 without one). */
static unsigned edit_results(const char *dir, const char *text, const char *name, const char *at, size_t n,
                             const char *insert, const char *from, const char *to)
{
    const char *place = NULL;
    for (const char *p = strstr(text, at); p && (n == 0 || !place || n > 1); p = strstr(p + 1, at)) {
        place = p;
        if (n > 1 && --n == 1)
            break;
    }
    cr_assert_not_null(place, "%s", at);
    size_t head = (size_t)(place - text);
    const char *hit = from ? strstr(place, from) : NULL;
    cr_assert(!from || hit, "%s", from);
    char *out = malloc(strlen(text) + strlen(insert) + (to ? strlen(to) : 0) + 1);
    memcpy(out, text, head);
    strcpy(out + head, insert);
    size_t o = head + strlen(insert);
    unsigned line = 0;
    if (hit) {
        memcpy(out + o, place, (size_t)(hit - place));
        o += (size_t)(hit - place);
        line = 1;
        for (const char *p = text; p < hit; p++)
            line += *p == '\n';
        strcpy(out + o, to);
        strcat(out, hit + strlen(from));
    } else {
        strcpy(out + o, place);
    }
    free(qct_write_file(dir, name, out, strlen(out)));
    free(out);
    return line;
}

/* A re-code whose old side is coded again reads only the documents of a format-2 results.xml: its
 * spans are passed over unparsed (engine/xml_skip.c), so a span damaged past the file's first
 * read is never seen, as format 1's quotations are not. Where the scan cannot vouch for what it
 * passes over (a comment inside a span) the file is parsed in full and the damage is found where it
 * is; a comment between documents that looks like a span is passed through. The report is the
 * same from every file the re-code accepts. */
Test(recode_cli, format_2_spans_are_passed_over_when_the_old_side_is_coded_again, .timeout = 60)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, src,
              "code -c codebooks/integrated-care-v2.qcb --cases corpora/integrated-care/cases.tsv --results-format 2 "
              "-o '%s/r.xml' corpora/integrated-care/",
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1100];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    size_t size = 0;
    char *xml = qct_read_file(path, &size);
    cr_assert(xml && size > 3 * ((size_t)256 << 10), "the spans cross several reads: %zu bytes", size);

    /* damaged hits in the last span, alone; with a comment in the first span; with a comment
     * between documents that holds what looks like a span */
    unsigned line = edit_results(dir, xml, "damaged.xml", "<span ", 0, "", " hits=\"", " hits=\"x");
    edit_results(dir, xml, "commented.xml", "<text>", 1, "<!-- a person's note -->", NULL, NULL);
    snprintf(path, sizeof path, "%s/commented.xml", dir);
    char *commented = qct_read_file(path, NULL);
    edit_results(dir, commented, "commented-damaged.xml", "<span ", 0, "", " hits=\"", " hits=\"x");
    edit_results(dir, xml, "between-damaged.xml", "<document ", 2, "<!-- <span turn=\"1\"> -->\n", NULL, NULL);
    snprintf(path, sizeof path, "%s/between-damaged.xml", dir);
    char *between = qct_read_file(path, NULL);
    edit_results(dir, between, "between-damaged.xml", "<span ", 0, "", " hits=\"", " hits=\"x");
    free(commented);
    free(between);

    static const struct {
        const char *file;
        int damage_found;
    } files[] = {{"r.xml", 0},
                 {"damaged.xml", 0},
                 {"commented.xml", 0},
                 {"commented-damaged.xml", 1},
                 {"between-damaged.xml", 0}};
    char *report = NULL;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        qct_qcode(&r, src,
                  "recode --from '%s/%s' --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb "
                  "--cases corpora/integrated-care/cases.tsv --dry-run --verbose corpora/integrated-care/",
                  dir, files[i].file);
        if (files[i].damage_found) {
            char want[256];
            snprintf(want, sizeof want, "%s:%u:", files[i].file, line);
            cr_expect_eq(r.status, 2, "%s: %s", files[i].file, r.err);
            cr_expect(qct_contains(r.err, want), "%s: the damage at line %u: %s", files[i].file, line, r.err);
        } else {
            cr_expect_eq(r.status, 0, "%s: %s", files[i].file, r.err);
            cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "%s: %s",
                      files[i].file, r.err);
            if (!report)
                report = strdup(r.out);
            else
                cr_expect_str_eq(r.out, report, "%s", files[i].file);
        }
        qct_run_free(&r);
    }
    free(report);
    free(xml);
    free(src);
    free(dir);
}

/* A copy of a sample transcript with each line that starts with `from` starting with `to`
 * instead, and each of its bytes `a` made `b`; malloc'ed, its size in *size. */
static char *sample_edited(const char *name, const char *const *from, const char *const *to, size_t pairs, char a,
                           char b, size_t *size)
{
    char *path = qct_source_path(name);
    size_t len;
    char *text = qct_read_file(path, &len);
    free(path);
    cr_assert_not_null(text);
    char *out = malloc(2 * len + 1);
    cr_assert_not_null(out);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int line_start = i == 0 || text[i - 1] == '\n';
        size_t k = 0;
        while (line_start && k < pairs && strncmp(text + i, from[k], strlen(from[k])) != 0)
            k++;
        if (line_start && k < pairs) {
            memcpy(out + n, to[k], strlen(to[k]));
            n += strlen(to[k]);
            i += strlen(from[k]) - 1;
            continue;
        }
        out[n++] = text[i] == a ? b : text[i];
    }
    free(text);
    *size = n;
    return out;
}

/* A Word "ANSI" corpus (Windows-1252: a right quote for each apostrophe, an accented letter) coded
 * with --encoding windows-1252. `recode` knew no reading option: every document failed as invalid
 * UTF-8, all its quotations were reported lost, exit 1. Now it reads the corpus as the old results
 * record (or as told, the same), finds every document's coding the file's, and records the
 * encoding in its own results for the next re-code. */
Test(recode_cli, a_windows_1252_corpus_is_read_as_its_run_read_it, .timeout = 60)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    char corpus[1200];
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    cr_assert_eq(mkdir(corpus, 0700), 0);
    static const char *const names[] = {"hq-p1-interview-sm1.txt", "rs1-p1-interview-n15.txt"};
    static const char cafe[] = "\nSM1: The caf\xe9 downstairs is where we talk.\n";
    for (size_t i = 0; i < 2; i++) {
        char rel[200];
        snprintf(rel, sizeof rel, "corpora/integrated-care/%s", names[i]);
        size_t len;
        char *text = sample_edited(rel, NULL, NULL, 0, '\'', '\x92', &len);
        char *whole = malloc(len + sizeof cafe);
        memcpy(whole, text, len);
        memcpy(whole + len, cafe, sizeof cafe - 1);
        free(qct_write_file(corpus, names[i], whole, len + sizeof cafe - 1));
        free(whole);
        free(text);
    }
    qct_run r;
    qct_qcode(&r, src, "code -c codebooks/integrated-care-v2.qcb --encoding windows-1252 -o '%s/r.xml' '%s'", dir,
              corpus);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    static const char *const given[] = {"", "--encoding windows-1252 "};
    for (size_t i = 0; i < 2; i++) {
        qct_qcode(&r, src,
                  "recode --from '%s/r.xml' --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care-v2.qcb "
                  "%s--verbose -o '%s/r2.xml' '%s'",
                  dir, given[i], dir, corpus);
        cr_expect_eq(r.status, 0, "'%s': %s", given[i], r.err);
        cr_expect(!qct_contains(r.err, "invalid UTF-8") && !qct_contains(r.err, "warning"), "'%s': %s", given[i],
                  r.err);
        cr_expect(qct_contains(r.out, "2 documents\n"), "'%s': %s", given[i], r.out);
        cr_expect(qct_contains(r.out, " gained, 0 lost; 0 codes changed") && !qct_contains(r.out, " 0 kept,"),
                  "'%s': %s", given[i], r.out);
        cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "'%s': %s",
                  given[i], r.err);
        qct_run_free(&r);
    }
    /* The new results say how the corpus was read: the next re-code of them reads it so too. */
    char path[1300];
    snprintf(path, sizeof path, "%s/r2.xml", dir);
    char *xml = qct_read_file(path, NULL);
    cr_assert_not_null(xml);
    cr_expect(qct_contains(xml, "<option name=\"encoding\" value=\"windows-1252\"/>"), "%.1500s", xml);
    free(xml);
    qct_qcode(&r, src, "recode --from '%s/r2.xml' -c codebooks/integrated-care.qcb --dry-run '%s'", dir, corpus);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "invalid UTF-8"), "%s", r.err);
    qct_run_free(&r);
    free(src);
    free(dir);
}

/* Speakers labelled `[SM1]`, read with --speaker-pattern and --interviewer. Re-coded as the
 * results record, every document's coding is the file's; told to read otherwise (--no-speakers),
 * the re-code says so, and the old side is read from the file, not taken as coded again: no
 * document's coding can match a file made from another reading. */
Test(recode_cli, speaker_options_are_read_as_recorded_and_a_mismatch_is_no_match, .timeout = 60)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    char corpus[1200];
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    cr_assert_eq(mkdir(corpus, 0700), 0);
    static const char *const from[] = {"Interviewer: ", "SM1: "}, *const to[] = {"[Q] ", "[SM1] "};
    size_t len;
    char *text = sample_edited("corpora/integrated-care/hq-p1-interview-sm1.txt", from, to, 2, 0, 0, &len);
    free(qct_write_file(corpus, "sm1.txt", text, len));
    free(text);
    qct_run r;
    qct_qcode(&r, src,
              "code -c codebooks/integrated-care.qcb --speaker-pattern '\\[(?<speaker>[^]]+)\\] ' --interviewer Q "
              "-o '%s/r.xml' '%s'",
              dir, corpus);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "1 participant."), "SM1 alone is a participant: %s", r.out);
    qct_run_free(&r);

    qct_qcode(&r, src,
              "recode --from '%s/r.xml' --old codebooks/integrated-care.qcb -c codebooks/integrated-care.qcb "
              "--engine reference --verbose -o '%s/r2.xml' '%s'",
              dir, dir, corpus);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, " gained, 0 lost; 0 codes changed"), "%s", r.out);
    cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    qct_run_free(&r);
    char path[1300];
    snprintf(path, sizeof path, "%s/r2.xml", dir);
    char *xml = qct_read_file(path, NULL);
    cr_assert_not_null(xml);
    cr_expect(qct_contains(xml, "<option name=\"interviewers\" value=\"Q&#10;\"/>"), "%.1500s", xml);
    cr_expect(qct_contains(xml, "<option name=\"speaker-pattern\" value=\"\\[(?&lt;speaker&gt;[^]]+)\\] \"/>"),
              "%.1500s", xml);
    cr_expect(qct_contains(xml, "<option name=\"engine\" value=\"reference\"/>"), "%.1500s", xml);
    free(xml);

    qct_qcode(&r, src,
              "recode --from '%s/r.xml' --old codebooks/integrated-care.qcb -c codebooks/integrated-care.qcb "
              "--no-speakers --verbose '%s'",
              dir, corpus);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "recode: warning: the corpus is read otherwise than"), "%s", r.err);
    cr_expect(qct_contains(r.err, "(--no-speakers)"), "%s", r.err);
    cr_expect(qct_contains(r.err, "old side: coded again, but read from the file for 1 document whose coding did "
                                  "not match it"),
              "%s", r.err);
    qct_run_free(&r);
    free(src);
    free(dir);
}

/* An interviewer label with a comma in it survives the record: joined by commas, "Dr A, PI" came
 * back as "Dr A" and " PI", the re-code read the corpus otherwise and the old side did not match. */
Test(recode_cli, a_recorded_interviewer_label_may_hold_a_comma, .timeout = 60)
{
    require_command("recode");
    char *dir = qct_temp_dir();
    static const char cb[] = "codebook \"OK\"\ncode TEAM \"Team\"\n  rule co-locat*\n";
    free(qct_write_file(dir, "cb.qcb", cb, strlen(cb)));
    static const char text[] = "[Dr A, PI] Are you co-located?\n[P1] We are co-located now.\n";
    free(qct_write_file(dir, "t.txt", text, strlen(text)));
    qct_run r;
    qct_qcode(&r, dir,
              "code -c cb.qcb --speaker-pattern '\\[(?<speaker>[^]]+)\\] ' --interviewer 'Dr A, PI' -o r.xml t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "1 participant."), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml --old cb.qcb -c cb.qcb --verbose t.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* A cache that cannot be written (every entry's place a folder holding a file, the codebooks'
 * folder a file: even root cannot write there) no longer fails `code` or `recode` (exit 2): each
 * warns once, with the reason, and the results are those of a run without a cache. */
Test(recode_cli, a_cache_that_cannot_be_written_is_a_warning)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    setenv("SOURCE_DATE_EPOCH", "86400", 1); /* the same provenance time in every results.xml */
    qct_run r;
    qct_qcode(&r, src, "code -c codebooks/integrated-care-v1.qcb --cache %s/C -o %s/r0.xml corpora/integrated-care/",
              dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_empty(r.err);
    qct_run_free(&r);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd %s/C && for e in *.qcc; do rm $e && mkdir $e && : > $e/x; done && rm -r codebooks && : > codebooks",
             dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);

    qct_qcode(&r, src, "code -c codebooks/integrated-care.qcb --cache %s/C -o %s/r1.xml corpora/integrated-care/", dir,
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.err, "/C: warning: 21 cache entries not written (cannot write: Is a directory): the next "
                                  "run codes those documents again"),
              "%s", r.err);
    cr_assert(qct_contains(r.err, "warning: cannot create output: Not a directory; the codebook is not kept in the "
                                  "cache, so a later `qcode recode --from` of these results needs "
                                  "codebooks/integrated-care.qcb as it is now"),
              "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, src, "code -c codebooks/integrated-care.qcb -o %s/r2.xml corpora/integrated-care/", dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    assert_same_files(dir, "r1.xml", "r2.xml", "an unwritable cache changes nothing in the results");

    for (int jobs = 1; jobs <= 2; jobs++) {
        qct_qcode(&r, src,
                  "recode -j %d --from %s/r0.xml -c codebooks/integrated-care-v2.qcb --cache %s/C -o %s/r3-%d.xml "
                  "corpora/integrated-care/",
                  jobs, dir, dir, dir, jobs);
        cr_assert_eq(r.status, 0, "-j %d: %s", jobs, r.err);
        cr_assert(qct_contains(r.err, "/C: warning: 21 cache entries not written (cannot write: Is a directory)"),
                  "-j %d: %s", jobs, r.err);
        cr_assert(qct_contains(r.err, "the codebook is not kept in the cache"), "-j %d: %s", jobs, r.err);
        qct_run_free(&r);
    }
    unsetenv("SOURCE_DATE_EPOCH");
    free(dir);
    free(src);
}

/* An entry only the old codebook's lookup had to write (the new codebook's codes all there, the
 * old's not yet) and could not: the warning gave the count with an empty reason, "21 cache entries
 * not written ()", since the reason was kept on the old codebook's cache and the count on the new
 * one's. The old codebook's copy, not kept, is a warning with its reason too. The entries are made readable but not
 * writable by a file size limit below their size (SIGXFSZ ignored, so that the write fails with EFBIG; as root,
 * permissions would not stop it). */
Test(recode_cli, an_entry_only_the_old_side_could_not_write_is_warned_with_its_reason)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, src, "code -c codebooks/integrated-care-v2.qcb --cache %s/C corpora/integrated-care/", dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    /* stdout (the report) to /dev/null, which the limit does not bind; stderr is a few lines */
    qct_qcode(&r, src,
              "--version >/dev/null && (trap '' XFSZ; ulimit -f 8; exec '%s' recode --old "
              "codebooks/integrated-care-v1.qcb -c codebooks/integrated-care-v2.qcb --cache %s/C --dry-run "
              "corpora/integrated-care/ >/dev/null)",
              QCODE_BIN, dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "/C: warning: 21 cache entries not written (cannot write: "), "%s", r.err);
    cr_expect(!qct_contains(r.err, "()"), "%s", r.err);
    /* The old codebook's copy could not be kept either: the warning says why (it said "cannot
     * write PATH" alone when the bytes failed to go out). */
    cr_expect(qct_contains(r.err, ".qcb: warning: cannot write output: File too large; the codebook is not kept"), "%s",
              r.err);
    qct_run_free(&r);
    free(dir);
    free(src);
}

/* One document is "1 document" in recode's summary and --verbose line, and in code's count of
 * documents that could not be read (they said "1 documents"). */
Test(recode_cli, one_document_is_one_document)
{
    require_command("recode");
    char *src = qct_source_path("");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, src,
              "recode --old codebooks/integrated-care-v1.qcb -c codebooks/integrated-care-v2.qcb --verbose --dry-run "
              "corpora/integrated-care/hq-p1-interview-sm1.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "(version 2): 1 document\n"), "%s", r.out);
    cr_expect(qct_contains(r.err, "recode: 1 document in "), "%s", r.err);
    qct_run_free(&r);
    free(qct_write_file(dir, "bad.txt", "\xff\xfe", 2));
    qct_qcode(&r, dir, "code -c %s/codebooks/integrated-care.qcb bad.txt", src);
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "qcode: 1 of 1 document could not be read\n"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
    free(src);
}
