/* A runaway regex must not hang a run: the coding finishes, records an issue naming the code and
 * the rule's line, and codes everything else. (ctest's timeout catches a hang; nothing is timed.) */
#include <pthread.h>

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
    qc_coding *coding = qct_code(cb, doc, NULL, engine);

    cr_assert_eq(qc_coding_issue_count(coding), 1);
    const char *issue = qc_coding_issue(coding, 0);
    cr_assert(qct_contains(issue, "code LONGA"), "%s", issue);
    cr_assert(qct_contains(issue, "rule at line 6"), "%s", issue);
    cr_assert(qct_contains(issue, "/(a+)+$/"), "%s", issue);
    cr_assert(qct_contains(issue, "in 3 units"), "%s", issue);
    cr_assert(qct_contains(issue, "first at line 1, column 5 of long.txt"), "%s", issue);
    /* the hits found before the limit are kept: the message says only later ones are missing */
    cr_assert(qct_contains(issue, "; its hits there after the limit are missing, the rest of the document was coded"),
              "%s", issue);

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

/* Coders on several threads share the codebook's compiled regexes, each with its own scratch (its
 * match data, match context and JIT stack). The JIT stack used to be handed to the regex's shared
 * match context just before each match, so two threads matching the same regex at once could run
 * on one stack: crashes in the JIT's code, seen as rare test failures. Four threads code a
 * document whose units backtrack on the JIT stack and must each get the one thread's quotations
 * every time (before the fix, this crashed 5 runs of 5). */
typedef struct regex_thread {
    const qc_codebook *cb;
    const qc_document *doc;
    size_t expected, wrong, runs;
} regex_thread;

static void *code_repeatedly(void *arg)
{
    regex_thread *t = arg;
    qc_coder *coder = NULL;
    if (qc_coder_new(&coder, t->cb, NULL, NULL) != 0) {
        t->wrong = t->runs;
        return NULL;
    }
    for (size_t i = 0; i < t->runs; i++) {
        qc_coding *coding = NULL;
        if (qc_coder_code(coder, t->doc, NULL, &coding, NULL) != 0 || qc_coding_quotation_count(coding) != t->expected)
            t->wrong++;
        qc_coding_free(coding);
    }
    qc_coder_free(coder);
    return NULL;
}

Test(regex_limits, coders_on_threads_share_compiled_regexes, .timeout = 120)
{
    qc_codebook *cb = load_cb("codebook \"threads\"\n"
                              "code DEEP \"d\"\n"
                              "  rule /(?:a|bc?)*d/\n");
    /* 3,000 turns of a and b alternating, then a d: each match of DEEP runs on its thread's JIT
     * stack, one frame a letter; every tenth turn is long enough (2,000 letters) for the stack
     * to grow past its first 32 KB. */
    size_t cap = 1 << 20, len = 0; /* 960,000 bytes */
    char *text = malloc(cap);
    for (int t = 0; t < 3000; t++) {
        len += (size_t)snprintf(text + len, cap - len, "P%d: ", t % 3 + 1);
        for (int k = 0; k < (t % 10 ? 100 : 2000); k++)
            text[len++] = "ab"[k % 2];
        len += (size_t)snprintf(text + len, cap - len, "d, the office is near.\n");
    }
    cr_assert_lt(len, cap);
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "deep.txt", text, len, NULL, &err), 0, "%s", err.message);
    free(text);
    qc_coder *coder = NULL;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    qc_coding *coding = NULL;
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
    size_t expected = qc_coding_quotation_count(coding);
    cr_assert_eq(qc_coding_issue_count(coding), 0, "%s", qc_coding_issue(coding, 0));
    cr_assert_gt(expected, 20);
    qc_coding_free(coding);
    qc_coder_free(coder);
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    regex_thread ts[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ts[i] = (regex_thread){cb, doc, expected, 0, 200};
        cr_assert_eq(pthread_create(&th[i], NULL, code_repeatedly, &ts[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++)
        cr_expect_eq(ts[i].wrong, 0, "thread %d: %zu of %zu codings differ", i, ts[i].wrong, ts[i].runs);
    qc_document_free(doc);
    qc_codebook_free(cb);
}

/* Two runaway regexes in one document: each is an issue of its own, in the codebook's order of
 * rules, whatever order the engine met them in. */
static void two_runaways(qc_engine engine)
{
    qc_codebook *cb = load_cb("codebook \"limits\"\n"
                              "code FIRST \"f\"\n"
                              "  rule /(a|aa)+$/\n"
                              "code OFFICE \"o\"\n"
                              "  rule office\n"
                              "code SECOND \"s\"\n"
                              "  rule /(a+)+$/\n");
    qc_document *doc = runaway_doc(20000, 2);
    qc_coding *coding = qct_code(cb, doc, NULL, engine);
    cr_assert_eq(qc_coding_issue_count(coding), 2);
    cr_expect(qct_contains(qc_coding_issue(coding, 0), "code FIRST, rule at line 3: regex /(a|aa)+$/"), "%s",
              qc_coding_issue(coding, 0));
    cr_expect(qct_contains(qc_coding_issue(coding, 1), "code SECOND, rule at line 7: regex /(a+)+$/"), "%s",
              qc_coding_issue(coding, 1));
    cr_expect(qct_contains(qc_coding_issue(coding, 1), "in 2 units"), "%s", qc_coding_issue(coding, 1));
    cr_expect_eq(qc_coding_quotation_count(coding), 2, "the office sentence of each turn");
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_codebook_free(cb);
}

Test(regex_limits, two_runaway_regexes_are_two_issues_in_codebook_order)
{
    two_runaways(QC_ENGINE_FAST);
    two_runaways(QC_ENGINE_REFERENCE);
}
