/* A runaway regex must not hang a run: the coding finishes, records an issue naming the code and
 * the rule's line, and codes everything else. (ctest's timeout catches a hang; nothing is timed.) */
#include "qc_test.h"

static qc_codebook *load_cb(const char *src)
{
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "t.qcb", src, strlen(src), NULL, &err), 0, "%s", err.message);
    return cb;
}

/* "P1: " + n times 'a' + "b!" + a second sentence about the office, as many turns as asked. */
static qc_document *runaway_doc(size_t n, int turns)
{
    size_t cap = (size_t)turns * (n + 64) + 1;
    char *text = malloc(cap);
    size_t len = 0;
    for (int t = 0; t < turns; t++) {
        len += (size_t)snprintf(text + len, cap - len, "P%d: ", t % 2 + 1);
        memset(text + len, 'a', n);
        len += n;
        len += (size_t)snprintf(text + len, cap - len, "b! The office is fine.\n");
    }
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "long.txt", text, len, NULL, &err), 0, "%s", err.message);
    free(text);
    return doc;
}

static void check_engine(qc_engine engine)
{
    qc_codebook *cb = load_cb("codebook \"limits\"\n"
                              "code OFFICE \"o\"\n"
                              "  rule office\n"
                              "code LONGA \"a\"\n"
                              "  rule office\n"
                              "  rule /(a+)+$/\n");
    qc_document *doc = runaway_doc(20000, 3);
    qc_coder_options opts = QC_CODER_OPTIONS_INIT;
    opts.engine = engine;
    qc_coder *coder = NULL;
    cr_assert_eq(qc_coder_new(&coder, cb, &opts, NULL), 0);
    qc_coding *coding = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), QC_OK, "%s", err.message);

    cr_assert_eq(qc_coding_issue_count(coding), 1);
    const char *issue = qc_coding_issue(coding, 0);
    cr_assert(qct_contains(issue, "code LONGA"), "%s", issue);
    cr_assert(qct_contains(issue, "rule at line 6"), "%s", issue);
    cr_assert(qct_contains(issue, "/(a+)+$/"), "%s", issue);
    cr_assert(qct_contains(issue, "in 3 units"), "%s", issue);
    cr_assert(qct_contains(issue, "first at line 1, column 5 of long.txt"), "%s", issue);

    /* everything else is coded: both codes find the office sentence of each turn */
    cr_assert_eq(qc_coding_quotation_count(coding), 6);
    for (size_t i = 0; i < 6; i++) {
        qc_quotation q;
        cr_assert_eq(qc_coding_quotation(coding, i, &q), 0);
        cr_assert_eq(q.code, i / 3);
        cr_assert_eq(q.turn, i % 3);
        cr_assert_eq(q.hit_count, 1);
        cr_assert_eq(q.end - q.start, strlen("The office is fine."));
    }
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
}

Test(regex_limits, runaway_regex_is_an_issue_fast_engine)
{
    check_engine(QC_ENGINE_FAST);
}

Test(regex_limits, runaway_regex_is_an_issue_reference_engine)
{
    check_engine(QC_ENGINE_REFERENCE);
}

Test(regex_limits, runaway_exclude_is_named_as_an_exclude)
{
    qc_codebook *cb = load_cb("codebook \"limits\"\n"
                              "code X \"x\"\n"
                              "  rule fine\n"
                              "  exclude /(a+)+$/\n");
    qc_document *doc = runaway_doc(20000, 1);
    qc_coder *coder = NULL;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    qc_coding *coding = NULL;
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, NULL), QC_OK);
    cr_assert_eq(qc_coding_issue_count(coding), 1);
    const char *issue = qc_coding_issue(coding, 0);
    cr_assert(qct_contains(issue, "code X, exclude at line 4"), "%s", issue);
    cr_assert(qct_contains(issue, "in 1 unit "), "%s", issue);
    /* the exclude found nothing it could finish; the second sentence is still coded */
    cr_assert_eq(qc_coding_quotation_count(coding), 1);
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
}

Test(regex_limits, a_tight_match_limit_from_the_codebook_options)
{
    /* a modest pattern on modest text, but a limit of 50 steps: an issue, not a failure */
    const char *src = "codebook \"limits\"\ncode W \"w\"\n  rule /(\\w+\\s?)+!/\n";
    qc_codebook_options o = QC_CODEBOOK_OPTIONS_INIT;
    o.regex_match_limit = 50;
    qc_codebook *cb = NULL;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "t.qcb", src, strlen(src), &o, NULL), 0);
    const char *text = "P1: one two three four five six seven eight nine ten eleven twelve ;!\n";
    qc_document *doc = NULL;
    cr_assert_eq(qc_document_read_buffer(&doc, "d.txt", text, strlen(text), NULL, NULL), 0);
    qc_coder *coder = NULL;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    qc_coding *coding = NULL;
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, NULL), QC_OK);
    cr_assert_eq(qc_coding_quotation_count(coding), 0);
    cr_assert_eq(qc_coding_issue_count(coding), 1);
    cr_assert(qct_contains(qc_coding_issue(coding, 0), "code W, rule at line 3"), "%s", qc_coding_issue(coding, 0));
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
}
