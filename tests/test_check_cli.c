/* qcode check and qcode tree: exit codes, the summary line, diagnostics with source line and
 * caret, the tree layout; and the three shipped codebooks' counts. */
#include <unistd.h>

#include "qc_test.h"

static char *data_dir(void)
{
    return qct_source_path("tests/data/codebooks");
}

Test(check_cli, ok_prints_summary)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "check small.qcb");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "small.qcb: ok: 6 codes: 2 main codes, 2 with sub-codes, 4 sub-codes, depth 3, 1 category; "
                            "5 rules (5 terms, 2 wildcards, 4 phrases, 1 regex, 2 proximity, 2 references); "
                            "0 warnings\n");
    cr_assert_str_eq(r.err, "");
    qct_run_free(&r);
    qct_qcode(&r, dir, "check --quiet small.qcb");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "");
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, errors_with_caret_and_exit_3)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "check errors.qcb");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "");
    cr_assert(qct_contains(r.err, "errors.qcb:3:3: error: unknown keyword 'rul' (did you mean 'rule'?)\n"
                                  "    rul \"x\"\n"
                                  "    ^~~\n"),
              "%s", r.err);
    cr_assert(qct_contains(r.err, "errors.qcb:4:9: error: invalid colour '#12345' (expected #RRGGBB)\n"
                                  "    color #12345\n"
                                  "          ^~~~~~\n"),
              "%s", r.err);
    cr_assert(qct_contains(r.err, "errors.qcb:5:19: error: 'and' is not an operator here: write AND, or quote the "
                                  "word as \"and\"\n"));
    cr_assert(qct_contains(r.err, "errors.qcb:6:13: error: invalid regular expression: missing closing "
                                  "parenthesis\n"
                                  "    rule /(abc/ OR \"same office\"\n"
                                  "              ^\n"),
              "%s", r.err);
    cr_assert(qct_contains(r.err, "errors.qcb:7:6: error: duplicate code id 'COLOC' (first declared on line 2)\n"));
    cr_assert(qct_contains(r.err, "errors.qcb:8:8: error: unknown code '{COLLOC}' (did you mean 'COLOC'?)\n"
                                  "    rule {COLLOC}\n"
                                  "         ^~~~~~~~\n"));
    cr_assert(qct_contains(r.err, "errors.qcb: 6 errors, 0 warnings\n"), "%s", r.err);
    /* in file order */
    cr_assert_lt(strstr(r.err, "errors.qcb:3:3"), strstr(r.err, "errors.qcb:8:8"));
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, warnings_pass_unless_werror)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "check warnings.qcb");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.err, "warnings.qcb:3:8: warning: 'a*' matches almost any word"), "%s", r.err);
    cr_assert(qct_contains(r.out, "warnings.qcb: ok: 1 code: 1 main code, 0 with sub-codes, 0 sub-codes, depth 1, "
                                  "0 categories; 1 rule (1 term, 1 wildcard, 0 phrases, 0 regexes, 0 proximity, 0 "
                                  "references); 1 warning\n"),
              "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "check --werror warnings.qcb");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "");
    cr_assert(qct_contains(r.err, "warnings.qcb: 1 warning (--werror)\n"));
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, several_files_each_reported)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "check small.qcb errors.qcb warnings.qcb");
    cr_assert_eq(r.status, 3, "one bad codebook fails the check");
    cr_assert(qct_contains(r.out, "small.qcb: ok: "));
    cr_assert(qct_contains(r.out, "warnings.qcb: ok: "));
    cr_assert(qct_contains(r.err, "errors.qcb: 6 errors"));
    qct_run_free(&r);
    free(dir);
}

/* Past 1,000 problems the rest are not shown, but the summary line counts every one: 1,200 codes
 * each with a warning (codes 1-1200, file order) and then 300 with an error. */
Test(check_cli, the_summary_counts_problems_not_shown)
{
    char *dir = qct_temp_dir();
    size_t cap = 100000, n = 0;
    char *t = malloc(cap);
    cr_assert(t);
    n += (size_t)snprintf(t + n, cap - n, "codebook \"Many\"\n");
    for (int i = 0; i < 1500; i++) {
        cr_assert(cap - n > 100);
        if (i < 1200)
            n += (size_t)snprintf(t + n, cap - n, "code C%d \"C\"\n  rule a*\n", i);
        else
            n += (size_t)snprintf(t + n, cap - n, "code C%d \"C\"\n  rule (\n", i);
    }
    free(qct_write_file(dir, "many.qcb", t, n));
    free(t);
    qct_run r;
    qct_qcode(&r, dir, "check many.qcb");
    cr_assert_eq(r.status, 3);
    cr_expect(qct_contains(r.err, "too many problems: 500 more not shown"), "%s", r.err);
    cr_expect(qct_contains(r.err, "many.qcb: 300 errors, 1200 warnings\n"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, usage_and_io_errors_exit_2)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "check");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "check: no codebook given"));
    qct_run_free(&r);
    qct_qcode(&r, dir, "check --frob small.qcb");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "unknown option '--frob'"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "check nonexistent.qcb");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "nonexistent.qcb"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "help check");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "usage: qcode check"));
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, tree_layout)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "tree small.qcb");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "codebook \"Small\" version 1: 6 codes\n"
                            "COLOC \"Co-location\" (1 rule)\n"
                            "  COLOC.HELPS \"Co-location helps\" (1 rule)\n"
                            "  COLOC.ABSENT \"Not co-located\" (1 rule)\n"
                            "GOV \"Governance\" (category)\n"
                            "  GOV.BOARD \"Board\" (manual)\n"
                            "    GOV.BOARD.CHAIR \"Chair\" (2 rules)\n");
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, tree_depth_and_rules)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "tree --depth 1 small.qcb");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "codebook \"Small\" version 1: 6 codes\n"
                            "COLOC \"Co-location\" (1 rule) [+2 sub-codes]\n"
                            "GOV \"Governance\" (category) [+2 sub-codes]\n");
    qct_run_free(&r);
    qct_qcode(&r, dir, "tree --rules --depth 2 small.qcb");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "codebook \"Small\" version 1: 6 codes\n"
                            "COLOC \"Co-location\" (1 rule)\n"
                            "  rule \"co-locat*\" OR colocat* OR \"same office\" OR /shared\\s+base/\n"
                            "  COLOC.HELPS \"Co-location helps\" (1 rule)\n"
                            "    rule {COLOC} AND (\"talk to\" OR ask NEAR/4 advice)\n"
                            "  COLOC.ABSENT \"Not co-located\" (1 rule)\n"
                            "    rule \"not co-locat*\" OR \"separate base*\"\n"
                            "GOV \"Governance\" (category)\n"
                            "  GOV.BOARD \"Board\" (manual) [+1 sub-code]\n");
    qct_run_free(&r);
    qct_qcode(&r, dir, "tree --compiled small.qcb");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "  COLOC.ABSENT \"Not co-located\" (1 rule)\n"
                                  "    | settings scope turn; speakers participants; case insensitive; accents "
                                  "ignore; min 0\n"
                                  "    | exclude (phrase \"since\" \"we\" \"co-located\")\n"),
              "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "tree --depth 0 small.qcb");
    cr_assert_eq(r.status, 2);
    qct_run_free(&r);
    free(dir);
}

Test(check_cli, tree_of_a_broken_codebook_exits_3)
{
    char *dir = data_dir();
    qct_run r;
    qct_qcode(&r, dir, "tree errors.qcb");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "");
    cr_assert(qct_contains(r.err, "errors.qcb:3:3: error: unknown keyword 'rul'"));
    qct_run_free(&r);
    free(dir);
}

/* The shipped codebooks: the counts the study reports for each revision. */
static void shipped(const char *file, const char *counts)
{
    char *root = qct_source_path("codebooks");
    qct_run r;
    qct_qcode(&r, root, "check --werror %s", file);
    cr_assert_eq(r.status, 0, "%s: %s", file, r.err);
    char want[256];
    snprintf(want, sizeof want, "%s: ok: %s", file, counts);
    cr_assert(qct_contains(r.out, want), "%s", r.out);
    cr_assert(qct_contains(r.out, "; 0 warnings\n"));
    qct_run_free(&r);
    free(root);
}

Test(check_cli, shipped_codebook_v3)
{
    shipped("integrated-care.qcb", "271 codes: 53 main codes, 24 with sub-codes, 218 sub-codes, depth 3, ");
}

Test(check_cli, shipped_codebook_v2)
{
    shipped("integrated-care-v2.qcb", "142 codes: 43 main codes, 16 with sub-codes, 99 sub-codes, depth 3, ");
}

Test(check_cli, shipped_codebook_v1)
{
    shipped("integrated-care-v1.qcb", "96 codes: 35 main codes, 11 with sub-codes, 61 sub-codes, depth 3, ");
}

/* A codebook over the 64 MiB limit is a file that cannot be read, not a codebook with errors: every
 * command that reads one exits 2 with the same message (code, diff and recode said 3). The file is
 * sparse, so the test writes nothing of its size. */
Test(check_cli, a_codebook_over_the_limit_is_exit_2_everywhere)
{
    char *dir = qct_temp_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/big.qcb", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), 65 * 1024 * 1024), 0);
    fclose(f);
    snprintf(path, sizeof path, "%s/t.txt", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("A: hello\n", f);
    fclose(f);
    static const char *const commands[] = {
        "check big.qcb",           "tree big.qcb",          "code -c big.qcb t.txt", "diff big.qcb big.qcb",
        "recode --old big.qcb -c big.qcb t.txt", "export --qdc out.qdc big.qcb",
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        qct_run r;
        qct_qcode(&r, dir, "%s", commands[i]);
        cr_expect_eq(r.status, 2, "%s: exit %d: %s", commands[i], r.status, r.err);
        cr_expect(qct_contains(r.err, "big.qcb: error: file is larger than the limit of 67108864 bytes"), "%s: %s",
                  commands[i], r.err);
        qct_run_free(&r);
    }
    free(dir);
}
