/* Counts-only results (qc_results_options.counts_only): every count a public getter gives equals
 * that of full results, on the golden corpus and on a generated one, whether one thread adds the
 * documents or workers prepare them; what needs the quotations or the per-document and
 * per-speaker counts is refused with QC_ERR_INVALID and leaves nothing behind; no temporary file
 * is opened; and `qcode code` without outputs (counts only) prints the summary it prints with
 * them. */
#include "gen_interviews.h"
#include "qc_test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDEN QCODE_SOURCE_DIR "/tests/golden"

static const char gen_cb[] = "codebook \"G\"\n"
                             "code P \"Parent\"\n"
                             "  rule parent\n"
                             "  code A \"A\"\n"
                             "    rule apple\n"
                             "  code B \"B\"\n"
                             "    rule banana OR \"green banana\"\n"
                             "    code B1 \"Green\"\n"
                             "      rule green\n"
                             "code Z \"Zed\"\n"
                             "  rule zebra NEAR/3 stripes\n"
                             "code Q \"Quiet\"\n"
                             "  rule /\\bquiet(er|ly)?\\b/\n"
                             "  scope turn\n";

static const char gen_cases[] = "speaker\tprofession\n"
                                "P1\tnurse\nP2\tmanager\nP3\tnurse\nP4\ttherapist\nP5\tGP\nP6\tnurse\n"
                                "P7\tclerk\nP8\tmanager\nP9\tporter\nP10\tnurse\nP11\tGP\nP12\tchef\n";

/* The generated corpus of these tests (gen_interviews.h). */
static char **make_corpus(const char *dir, size_t n)
{
    static const gen_shape shape = {4242, 1 << 15, 5, 60, 7, 1, 20, 7};
    return gen_interviews(dir, n, &shape);
}

/* Codes paths into new results; prepared: the workers prepare the additions (opts.results). */
static qc_results *run(char **paths, size_t n, const qc_codebook *cb, const qc_casebook *cases, int counts_only,
                       unsigned jobs, int prepared)
{
    qc_results *res = NULL;
    qc_error err;
    qc_results_options o = QC_RESULTS_OPTIONS_INIT;
    o.counts_only = counts_only;
    cr_assert_eq(qc_results_new_opts(&res, cb, cases, &o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_counts_only(res), counts_only);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.jobs = jobs;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    ro.results = prepared ? res : NULL;
    qc_run_stats st;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, n, cb, cases, &ro, &st, &err), 0, "%s", err.message);
    cr_assert_eq(st.documents, n);
    cr_assert_eq(st.failed, 0);
    return res;
}

static void same_counts(const qc_counts *a, const qc_counts *b, const char *what)
{
    cr_expect(a->hits == b->hits && a->quotations == b->quotations && a->respondents == b->respondents &&
                  a->documents == b->documents,
              "%s: full %llu/%llu/%llu/%llu, counts only %llu/%llu/%llu/%llu (hits/quotations/respondents/documents)",
              what, (unsigned long long)a->hits, (unsigned long long)a->quotations, (unsigned long long)a->respondents,
              (unsigned long long)a->documents, (unsigned long long)b->hits, (unsigned long long)b->quotations,
              (unsigned long long)b->respondents, (unsigned long long)b->documents);
}

static void str_eq(const char *a, const char *b, const char *what)
{
    cr_expect(a && b && strcmp(a, b) == 0, "%s: '%s' against '%s'", what, a ? a : "(null)", b ? b : "(null)");
}

/* Every public count of `co` (counts only) equals that of `full`; returns how many nonzero cells
 * were compared, so a caller can see that the comparison was not between empty results. */
static size_t expect_same(const qc_results *full, const qc_results *co)
{
    const qc_codebook *cb = qc_results_codebook(full);
    size_t n = qc_codebook_code_count(cb), nonzero = 0;
    char what[256];
    qc_counts a, b;
    for (size_t c = 0; c < n; c++)
        for (int m = 0; m < 2; m++) {
            qc_results_code_counts(full, c, (qc_rollup)m, &a);
            qc_results_code_counts(co, c, (qc_rollup)m, &b);
            snprintf(what, sizeof what, "code %s %s", qc_code_id(cb, c), m ? "rolled up" : "own");
            same_counts(&a, &b, what);
            nonzero += a.quotations != 0;
        }
    qc_results_totals(full, &a);
    qc_results_totals(co, &b);
    same_counts(&a, &b, "totals");

    cr_assert_eq(qc_results_attribute_count(full), qc_results_attribute_count(co));
    for (size_t at = 0; at < qc_results_attribute_count(full); at++) {
        str_eq(qc_results_attribute_name(full, at), qc_results_attribute_name(co, at), "attribute name");
        cr_assert_eq(qc_results_attribute_value_count(full, at), qc_results_attribute_value_count(co, at));
        for (size_t v = 0; v < qc_results_attribute_value_count(full, at); v++) {
            const char *va = qc_results_attribute_value(full, at, v, &a);
            const char *vb = qc_results_attribute_value(co, at, v, &b);
            snprintf(what, sizeof what, "base of %s = %s", qc_results_attribute_name(full, at), va);
            str_eq(va, vb, "attribute value");
            same_counts(&a, &b, what);
            for (size_t c = 0; c < n; c++)
                for (int m = 0; m < 2; m++) {
                    qc_results_attribute_counts(full, at, v, c, (qc_rollup)m, &a);
                    qc_results_attribute_counts(co, at, v, c, (qc_rollup)m, &b);
                    snprintf(what, sizeof what, "%s = %s, code %s %s", qc_results_attribute_name(full, at), va,
                             qc_code_id(cb, c), m ? "rolled up" : "own");
                    same_counts(&a, &b, what);
                    nonzero += a.quotations != 0;
                }
        }
    }

    for (size_t x = 0; x < n; x++)
        for (size_t y = 0; y < n; y++) {
            uint64_t ca = qc_results_cooccurrence(full, x, y), cc = qc_results_cooccurrence(co, x, y);
            cr_expect_eq(ca, cc, "co-occurrence %zu %zu: %llu against %llu", x, y, (unsigned long long)ca,
                         (unsigned long long)cc);
            nonzero += x != y && ca != 0;
        }

    qc_uncoded_summary ua, ub;
    qc_results_uncoded(full, &ua);
    qc_results_uncoded(co, &ub);
    cr_expect(memcmp(&ua, &ub, sizeof ua) == 0, "uncoded summary");

    /* The respondent matrix: from the in-memory bits, equal to the full results' per-speaker counts. */
    cr_assert_eq(qc_results_respondent_count(full), qc_results_respondent_count(co));
    for (size_t r = 0; r < qc_results_respondent_count(full); r++) {
        qc_role ra, rb;
        str_eq(qc_results_respondent(full, r, &ra), qc_results_respondent(co, r, &rb), "respondent");
        cr_expect_eq(ra, rb, "respondent %zu role", r);
        for (size_t c = 0; c < n; c++)
            for (int m = 0; m < 2; m++) {
                qc_results_respondent_counts(full, r, c, (qc_rollup)m, &a);
                int has = qc_results_respondent_coded(co, r, c, (qc_rollup)m);
                cr_expect_eq(has, a.quotations != 0, "respondent %zu code %zu mode %d: coded %d, %llu quotations", r, c,
                             m, has, (unsigned long long)a.quotations);
                cr_expect_eq(qc_results_respondent_coded(full, r, c, (qc_rollup)m), has);
                nonzero += (size_t)has;
            }
    }

    cr_assert_eq(qc_results_document_count(full), qc_results_document_count(co));
    for (size_t d = 0; d < qc_results_document_count(full); d++) {
        qc_result_document da, db;
        cr_assert_eq(qc_results_document(full, d, &da), 0);
        cr_assert_eq(qc_results_document(co, d, &db), 0);
        str_eq(da.id, db.id, "document id");
        str_eq(da.path, db.path, "document path");
        str_eq(da.sha256, db.sha256, "document sha256");
        /* the coding's digest is for results.xml, which counts-only results never write */
        cr_expect_eq(strlen(da.coding_sha256), 64, "document %zu coding digest %s", d, da.coding_sha256);
        str_eq(db.coding_sha256, "", "counts-only coding digest");
        cr_expect(da.size == db.size && da.format == db.format && da.length == db.length && da.turns == db.turns &&
                      da.speakers == db.speakers,
                  "document %zu", d);
        cr_assert_eq(qc_results_document_attribute_count(full, d), qc_results_document_attribute_count(co, d));
        for (size_t i = 0; i < qc_results_document_attribute_count(full, d); i++) {
            const char *ka, *va2, *kb, *vb;
            cr_assert_eq(qc_results_document_attribute(full, d, i, &ka, &va2), 0);
            cr_assert_eq(qc_results_document_attribute(co, d, i, &kb, &vb), 0);
            str_eq(ka, kb, "document attribute");
            str_eq(va2, vb, "document attribute value");
        }
        cr_assert_eq(qc_results_document_speaker_count(full, d), qc_results_document_speaker_count(co, d));
        for (size_t s = 0; s < qc_results_document_speaker_count(full, d); s++) {
            qc_role ra, rb;
            size_t ta, tb;
            str_eq(qc_results_document_speaker(full, d, s, &ra, &ta), qc_results_document_speaker(co, d, s, &rb, &tb),
                   "document speaker");
            cr_expect(ra == rb && ta == tb, "document %zu speaker %zu", d, s);
        }
    }
    return nonzero;
}

static char **golden_paths(size_t *n)
{
    static const char *names[] = {"a.txt", "b.txt", "c.txt"};
    char **paths = calloc(3, sizeof *paths);
    for (size_t i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "tests/golden/corpus/%s", names[i]);
        paths[i] = qct_source_path(rel);
    }
    *n = 3;
    return paths;
}

typedef struct golden {
    qc_codebook *cb;
    qc_casebook *cases;
    char **paths;
    size_t n;
} golden;

static void golden_open(golden *g)
{
    char *cbp = qct_source_path("tests/golden/golden.qcb");
    char *casep = qct_source_path("tests/golden/corpus/cases.tsv");
    qc_error err;
    cr_assert_eq(qc_codebook_load(&g->cb, cbp, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_casebook_load(&g->cases, casep, &err), 0, "%s", err.message);
    free(cbp);
    free(casep);
    g->paths = golden_paths(&g->n);
}

static void golden_close(golden *g)
{
    gen_paths_free(g->paths, g->n);
    qc_casebook_free(g->cases);
    qc_codebook_free(g->cb);
}

Test(counts_only, golden_counts_equal_full_results_one_thread_and_prepared_by_workers)
{
    golden g;
    golden_open(&g);
    qc_results *full = run(g.paths, g.n, g.cb, g.cases, 0, 1, 0);
    qc_results *one = run(g.paths, g.n, g.cb, g.cases, 1, 1, 0);
    qc_results *workers = run(g.paths, g.n, g.cb, g.cases, 1, 2, 1);
    /* The golden counts (tests/test_golden.c): 17 quotations over 3 documents. */
    qc_counts total;
    qc_results_totals(one, &total);
    cr_expect_eq(total.quotations, 17);
    cr_expect_eq(total.documents, 3);
    cr_expect_gt(expect_same(full, one), 20);
    expect_same(full, workers);
    qc_results_free(full);
    qc_results_free(one);
    qc_results_free(workers);
    golden_close(&g);
}

Test(counts_only, generated_corpus_counts_equal_full_results, .timeout = 120)
{
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "g.qcb", gen_cb, strlen(gen_cb), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_casebook_load_buffer(&cases, "cases.tsv", gen_cases, strlen(gen_cases), &err), 0, "%s",
                 err.message);
    char *dir = qct_temp_dir();
    enum { N = 40 };
    char **paths = make_corpus(dir, N);
    qc_results *full = run(paths, N, cb, cases, 0, 1, 0);
    qc_results *full2 = run(paths, N, cb, cases, 0, 2, 1);
    qc_results *one = run(paths, N, cb, cases, 1, 1, 0);
    qc_results *two = run(paths, N, cb, cases, 1, 2, 1);
    qc_results *three = run(paths, N, cb, cases, 1, 3, 0);
    cr_expect_eq(qc_results_attribute_count(one), 3, "profession, site, phase");
    cr_expect_gt(expect_same(full, one), 200);
    expect_same(full, two);
    expect_same(full, three);
    expect_same(full2, two);
    qc_results_free(full);
    qc_results_free(full2);
    qc_results_free(one);
    qc_results_free(two);
    qc_results_free(three);
    gen_paths_free(paths, N);
    free(dir);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
}

static int count_calls(const qc_result_quotation *q, void *user)
{
    (void)q;
    ++*(int *)user;
    return 0;
}

static void expect_refused(int rc, const qc_error *err, const char *what)
{
    cr_expect_eq(rc, QC_ERR_INVALID, "%s: %d", what, rc);
    cr_expect(qct_contains(err->message, "these results were made without quotations (counts only)"), "%s: %s", what,
              err->message);
}

Test(counts_only, what_needs_quotations_is_refused_and_leaves_nothing)
{
    golden g;
    golden_open(&g);
    qc_results *co = run(g.paths, g.n, g.cb, g.cases, 1, 1, 0);
    qc_results *full = run(g.paths, g.n, g.cb, g.cases, 0, 1, 0);
    char *dir = qct_temp_dir();
    char path[1024];
    qc_error err;
    struct stat st;

    snprintf(path, sizeof path, "%s/r.xml", dir);
    expect_refused(qc_results_write_xml(co, path, NULL, &err), &err, "write_xml");
    cr_expect(qct_contains(err.message, "results.xml"), "%s", err.message);
    cr_expect_str_eq(err.file, path);
    cr_expect_neq(stat(path, &st), 0, "no results.xml");

    snprintf(path, sizeof path, "%s/tables", dir);
    expect_refused(qc_results_write_tsv(co, path, &err), &err, "write_tsv");
    cr_expect_str_eq(err.file, path);
    cr_expect_neq(stat(path, &st), 0, "no TSV folder");

    int calls = 0;
    expect_refused(qc_results_foreach_quotation(co, QC_ALL_CODES, count_calls, &calls, &err), &err, "quotations");
    expect_refused(qc_results_foreach_quotation(co, 2, count_calls, &calls, &err), &err, "one code's quotations");
    expect_refused(qc_results_foreach_uncoded(co, count_calls, &calls, &err), &err, "uncoded turns");
    cr_expect_eq(calls, 0);

    qc_refi_export *x = NULL;
    qc_refi_options xo = QC_REFI_OPTIONS_INIT;
    xo.time = "2020-01-02T03:04:05Z";
    cr_assert_eq(qc_refi_export_new(&x, g.cb, g.cases, &xo, &err), 0, "%s", err.message);
    expect_refused(qc_refi_export_add_results(x, co, &err), &err, "REFI export");
    qc_refi_export_free(x);

    /* Per-document and per-speaker counts: the checked getters say why there are none; with full
     * results they give what the plain getters give. */
    qc_counts c, plain;
    expect_refused(qc_results_document_counts_get(co, 0, 0, QC_ROLLED_UP, &c, &err), &err, "document counts");
    cr_expect_eq(c.quotations, 0);
    expect_refused(qc_results_respondent_counts_get(co, 0, 0, QC_ROLLED_UP, &c, &err), &err, "respondent counts");
    cr_expect_eq(qc_results_document_counts_get(full, 0, 0, QC_ROLLED_UP, &c, &err), 0, "%s", err.message);
    qc_results_document_counts(full, 0, 0, QC_ROLLED_UP, &plain);
    cr_expect(memcmp(&c, &plain, sizeof c) == 0 && c.quotations > 0, "TEAM in a.txt");
    cr_expect_eq(qc_results_respondent_counts_get(full, 0, 0, QC_ROLLED_UP, &c, &err), 0, "%s", err.message);
    qc_results_respondent_counts(full, 0, 0, QC_ROLLED_UP, &plain);
    cr_expect(memcmp(&c, &plain, sizeof c) == 0, "respondent 0, TEAM");
    cr_expect_eq(qc_results_document_counts_get(full, 99, 0, QC_OWN, &c, &err), QC_ERR_INVALID);
    cr_expect_eq(qc_results_respondent_counts_get(full, 0, 99, QC_OWN, &c, &err), QC_ERR_INVALID);

    /* Full results still do all of it. */
    snprintf(path, sizeof path, "%s/r.xml", dir);
    cr_expect_eq(qc_results_write_xml(full, path, NULL, &err), 0, "%s", err.message);
    cr_expect_eq(qc_results_foreach_quotation(full, QC_ALL_CODES, count_calls, &calls, &err), 0);
    cr_expect_eq(calls, 17);

    qc_results *bad = NULL;
    qc_results_options o = QC_RESULTS_OPTIONS_INIT;
    o.version = 99;
    cr_expect_eq(qc_results_new_opts(&bad, g.cb, NULL, &o, &err), QC_ERR_INVALID);
    cr_expect(qct_contains(err.message, "version 99"), "%s", err.message);
    cr_expect_null(bad);
    cr_expect_eq(qc_results_counts_only(full), 0);

    qc_results_free(co);
    qc_results_free(full);
    free(dir);
    golden_close(&g);
}

/* Open file descriptors of this process. tmpfile() makes unnamed files (O_TMPFILE in /tmp, not
 * TMPDIR), which no folder listing shows, so the descriptors are what tells. */
static size_t open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    size_t n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

Test(counts_only, makes_no_temporary_file)
{
    golden g;
    golden_open(&g);
    size_t before = open_fds();
    qc_results *full = NULL;
    qc_error err;
    cr_assert_eq(qc_results_new(&full, g.cb, g.cases, &err), 0);
    cr_expect_gt(open_fds(), before, "full results keep temporary files open (the check can see them)");
    qc_results_free(full);
    cr_expect_eq(open_fds(), before);

    qc_results_options o = QC_RESULTS_OPTIONS_INIT;
    o.counts_only = 1;
    qc_results *co = NULL;
    cr_assert_eq(qc_results_new_opts(&co, g.cb, g.cases, &o, &err), 0);
    cr_expect_eq(open_fds(), before, "counts only: no temporary file when made");
    qc_results_free(co);

    /* Nor while documents are added, on one thread or prepared by workers. */
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        co = run(g.paths, g.n, g.cb, g.cases, 1, jobs, jobs == 2);
        cr_expect_eq(open_fds(), before, "counts only, %u jobs: no temporary file after the run", jobs);
        qc_results_free(co);
    }
    golden_close(&g);
}

/* --- qcode code: without outputs the run is counts only, and prints the same summary --- */

static void expect_same_summary(const char *cwd, const char *base, const char *outputs)
{
    qct_run a, b;
    qct_qcode(&a, cwd, "code %s", base);
    qct_qcode(&b, cwd, "code %s %s", base, outputs);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_expect(qct_contains(a.out, "Total"), "%s", a.out);
    cr_expect_str_eq(a.out, b.out, "summary of 'code %s' against 'code %s %s'", base, base, outputs);
    cr_expect_str_eq(a.err, b.err);
    qct_run_free(&a);
    qct_run_free(&b);
}

Test(counts_only, cli_summary_without_outputs_is_the_summary_with_them, .timeout = 120)
{
    char *dir = qct_temp_dir();
    const char *gold = "-c " GOLDEN "/golden.qcb --cases " GOLDEN "/corpus/cases.tsv " GOLDEN "/corpus/";
    expect_same_summary(dir, gold, "-o r.xml");
    expect_same_summary(dir, gold, "--tsv t --jobs 2");
    expect_same_summary(dir, gold, "--qdpx p.qdpx");

    enum { N = 30 };
    char *sub = malloc(strlen(dir) + 8);
    sprintf(sub, "%s/gen", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    char **paths = make_corpus(sub, N);
    gen_paths_free(paths, N);
    free(qct_write_file(dir, "g.qcb", gen_cb, strlen(gen_cb)));
    free(qct_write_file(dir, "cases.tsv", gen_cases, strlen(gen_cases)));
    expect_same_summary(dir, "-c g.qcb --cases cases.tsv gen", "-o g.xml");
    expect_same_summary(dir, "-c g.qcb --cases cases.tsv gen --jobs 2", "-o g2.xml --tsv t2");
    expect_same_summary(dir, "-c g.qcb gen --top 2 --jobs 3", "--tsv t3");
    free(sub);
    free(dir);
}

/* --- unlabelled text among labelled speakers (docs/semantics.md, "Counts") --- */

#define MIXED QCODE_SOURCE_DIR "/tests/data/mixed-speakers"

/* Untagged cues among tagged ones (a.vtt, c.srt) are no respondent, an unlabelled document (b.txt)
 * and untagged cues beside an interviewer alone (i.vtt) are one each: the counts, breakdown bases
 * and respondent matrix agree whether the results keep quotations or not, whatever the threads;
 * and so does the summary of `qcode code` with and without outputs of either format. */
Test(counts_only, unlabelled_text_among_labelled_speakers_counts_alike_in_every_mode)
{
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, MIXED "/mixed.qcb", NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_casebook_load(&cases, MIXED "/cases.tsv", &err), 0, "%s", err.message);
    static const char *const mixed_docs[] = {MIXED "/a.vtt", MIXED "/b.txt", MIXED "/c.srt", MIXED "/i.vtt"};
    char **paths = (char **)mixed_docs;
    qc_results *full = run(paths, 4, cb, cases, 0, 1, 0);
    qc_results *full2 = run(paths, 4, cb, cases, 0, 2, 1);
    qc_results *one = run(paths, 4, cb, cases, 1, 1, 0);
    qc_results *two = run(paths, 4, cb, cases, 1, 2, 1);
    /* TW: Ann, Bob, b.txt, P1 (and p1) and i.vtt; not a.vtt or c.srt, whose untagged cues it codes. */
    qc_counts c;
    qc_results_code_counts(one, 0, QC_OWN, &c);
    cr_expect_eq(c.respondents, 5);
    cr_expect_eq(c.documents, 4);
    char names[256] = "";
    for (size_t r = 0; r < qc_results_respondent_count(one); r++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s ", qc_results_respondent(one, r, NULL));
    cr_expect_str_eq(names, "Ann Bob Interviewer b.txt P1 i.vtt ",
                     "i.vtt's cues beside an interviewer alone are its one");
    cr_expect_gt(expect_same(full, one), 20);
    expect_same(full, two);
    expect_same(full2, two);
    qc_results_free(full);
    qc_results_free(full2);
    qc_results_free(one);
    qc_results_free(two);
    qc_casebook_free(cases);
    qc_codebook_free(cb);

    char *dir = qct_temp_dir();
    const char *mixed = "-c " MIXED "/mixed.qcb --cases " MIXED "/cases.tsv " MIXED;
    expect_same_summary(dir, mixed, "-o r1.xml --results-format 1");
    expect_same_summary(dir, mixed, "-o r2.xml --jobs 2 --tsv t");
    free(dir);
}
