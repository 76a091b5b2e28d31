/* --tsv DIR: five tables with header rows, one record per line, string fields quoted and escaped,
 * values worked out by hand on the golden corpus (see test_golden.c). */
#include "qc_test.h"

static char *golden_tsv(void)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, QCODE_SOURCE_DIR "/tests/golden", "code -c golden.qcb --cases corpus/cases.tsv --tsv '%s/t' corpus/",
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    return dir;
}

static char *table(const char *dir, const char *name)
{
    char rel[200];
    snprintf(rel, sizeof rel, "t/%s", name);
    return qct_read_in(dir, rel);
}

static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(tsv, frequencies_have_own_and_rolled_up_counts)
{
    char *dir = golden_tsv();
    char *f = table(dir, "frequencies.tsv");
    cr_expect(qct_contains(f, "code\tname\tparent\tdepth\tcodable\thits\tquotations\trespondents\tdocuments\t"
                              "rolled_hits\trolled_quotations\trolled_respondents\trolled_documents\n"));
    cr_expect_eq(lines(f), 10); /* header + 9 codes */
    cr_expect(qct_contains(f, "\"TEAM\"\t\"Teamwork\"\t\"\"\t1\t0\t0\t0\t0\t0\t4\t3\t3\t2\n"), "%s", f);
    cr_expect(qct_contains(f, "\"IT\"\t\"IT systems\"\t\"\"\t1\t1\t2\t2\t1\t1\t3\t2\t1\t1\n"), "%s", f);
    cr_expect(qct_contains(f, "\"SLOW\"\t\"Slow systems\"\t\"IT\"\t2\t1\t1\t1\t1\t1\t1\t1\t1\t1\n"), "%s", f);
    free(f);
    free(dir);
}

Test(tsv, by_attribute_cooccurrence_and_matrix)
{
    char *dir = golden_tsv();
    char *a = table(dir, "by-attribute.tsv");
    /* profession=manager: S2 and c.txt (bases 2 respondents, 2 documents); STAFF 2 quotations, 4 hits */
    cr_expect(qct_contains(a, "\"profession\"\t\"manager\"\t2\t2\t\"STAFF\"\t4\t2\t2\t2\t4\t2\t2\t2\n"), "%s", a);
    /* every code for every value: 4 attributes with 3+2+3+2 values, 9 codes, plus the header */
    cr_expect_eq(lines(a), 1 + (3 + 2 + 3 + 2) * 9);
    free(a);
    char *c = table(dir, "cooccurrence.tsv");
    cr_expect(qct_contains(c, "code\t\"TEAM\"\t\"COLOC\"\t\"MEET\"\t\"IT\"\t\"SLOW\"\t\"STAFF\"\t\"WAIT\"\t\"GP\"\t"
                              "\"BUDGET\"\n"), "%s", c);
    cr_expect(qct_contains(c, "\"MEET\"\t0\t1\t5\t0\t0\t0\t0\t2\t0\n"), "%s", c);
    free(c);
    char *m = table(dir, "respondent-matrix.tsv");
    /* rolled up: S3 has COLOC (so TEAM), STAFF, WAIT */
    cr_expect(qct_contains(m, "\"S3\"\t\"participant\"\t1\t1\t0\t0\t0\t1\t1\t0\t0\n"), "%s", m);
    cr_expect(qct_contains(m, "\"c.txt\"\t\"unknown\"\t0\t0\t0\t0\t0\t1\t0\t0\t1\n"), "%s", m);
    cr_expect_eq(lines(m), 7);
    free(m);
    free(dir);
}

Test(tsv, quotations_escape_tabs_quotes_and_newlines)
{
    char *dir = qct_temp_dir();
    const char cbtext[] = "codebook \"E\"\ncode Q \"Quoted\"\n  rule said\n  scope turn\n";
    char *cb = qct_write_file(dir, "e.qcb", cbtext, strlen(cbtext));
    const char doc[] = "S1: She said \"no\"\tthen left.\nMore \\ text.\nInterviewer: ok\nS1: said.\n";
    char *d = qct_write_file(dir, "e.txt", doc, strlen(doc));
    qct_run r;
    qct_qcode(&r, dir, "code -c e.qcb --tsv t e.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *q = table(dir, "quotations.tsv");
    cr_expect(qct_contains(q, "code\tdocument\tspeaker\trole\tturn\tstart\tend\thits\ttext\n"));
    cr_expect(qct_contains(q, "\t\"She said \"\"no\"\"\\tthen left.\\nMore \\\\ text.\"\n"), "%s", q);
    cr_expect_eq(lines(q), 3, "%s", q);
    free(q);
    qct_run_free(&r);
    free(cb);
    free(d);
    free(dir);
}
