/* Out-of-memory injection: a test allocator (qc_set_allocator) fails the N-th allocation, for every
 * N across the whole pipeline (loading a codebook and a casebook, reading transcripts of every
 * format, coding them, aggregating, writing results.xml and the TSV tables, reading results.xml
 * back). Each run must either fail with an error or, when the failed allocation was one the library
 * can do without, produce exactly the reference output; and every allocation made through the
 * library's allocator must be freed (counted here; LeakSanitizer covers libxml2/libzip in the ASan
 * build). */
#include "rel_helpers.h"

#include <stdatomic.h>
#include <unistd.h>

#include "qc_test.h"

/* --- the failing allocator --- */

static atomic_long alloc_count; /* allocations attempted since the last reset */
static atomic_long fail_at;     /* the index that fails, or -1 */
static atomic_long failed;      /* how many allocations were refused */
static atomic_long live;        /* allocations not yet freed */
static atomic_int paused;       /* 1: allocations are neither counted nor failed */

static int should_fail(void)
{
    if (atomic_load(&paused))
        return 0;
    long n = atomic_fetch_add(&alloc_count, 1);
    long f = atomic_load(&fail_at);
    if (f >= 0 && n >= f && n < f + 1) {
        atomic_fetch_add(&failed, 1);
        return 1;
    }
    return 0;
}

static void *t_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size);
    if (p)
        atomic_fetch_add(&live, 1);
    return p;
}

static void *t_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        atomic_fetch_add(&live, 1);
    return p;
}

static void t_free(void *ptr)
{
    if (ptr)
        atomic_fetch_sub(&live, 1);
    free(ptr);
}

static const qc_allocator failing = {t_malloc, t_realloc, t_free};

static void arm(long n)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_at, n);
}

/* --- inputs --- */

static const char codebook_src[] = "codebook \"OOM\" version 2\n"
                                   "scope sentence\n"
                                   "code TEAM \"Team working\"\n"
                                   "  define \"How the team works together.\"\n"
                                   "  rule \"co-locat*\" OR \"same office\" OR /shared\\s+base/i\n"
                                   "  code TEAM.TALK \"Talking\"\n"
                                   "    rule {TEAM} AND (talk OR ask NEAR/4 advice)\n"
                                   "  code TEAM.APART \"Apart\"\n"
                                   "    rule \"not co-locat*\" OR separate\n"
                                   "    exclude \"since we co-located\"\n"
                                   "    scope turn\n"
                                   "code STAFF \"Staffing\"\n"
                                   "  rule staff* OR nurse* BEFORE/3 short\n"
                                   "  where site = \"North\"\n"
                                   "code MANUAL \"Manual\"\n"
                                   "  manual\n";

static const char cases_src[] = "speaker\tsite\trole\n"
                                "S1\tNorth\tnurse\n"
                                "S2\tSouth\tdoctor\n";

static const char text_src[] = "Site: North\n"
                               "Interviewer: How is the team?\n\n"
                               "S1: We are co-located now, in the same office. We talk a lot.\n"
                               "The district nurse can ask for advice. The nurses are short of staff.\n\n"
                               "S3: [00:05:00]\n" /* no text: skipped, with a note */
                               "S2: We were not co-located before. Separate bases.\n";

static const char vtt_src[] = "WEBVTT\n\n"
                              "00:00:01.000 --> 00:00:04.000\n<v Interviewer>Do you share a base?\n\n"
                              "00:00:04.500 --> 00:00:09.000\n<v S1>Yes, a shared base, we talk every day.\n\n"
                              "00:00:09.000 --> 00:00:10.000\n<v S4>\n"; /* no text: skipped, with a note */

static const char srt_src[] = "1\n00:00:01,000 --> 00:00:03,000\nS2: Staff are short here.\n\n"
                              "2\n00:00:03,500 --> 00:00:06,000\nS2: Nurses are short of time.\n";

typedef struct inputs {
    char *docx;
    size_t docx_size;
    char *dir; /* outputs */
} inputs;

static void inputs_load(inputs *in)
{
    char *p = qct_source_path("tests/data/formats/basic.docx");
    in->docx = qct_read_file(p, &in->docx_size);
    cr_assert_not_null(in->docx, "cannot read %s", p);
    free(p);
    in->dir = qct_temp_dir();
}

static void inputs_free(inputs *in)
{
    rel_rm_tree(in->dir);
    free(in->dir);
    free(in->docx);
}


/* --- one run of the pipeline --- */

typedef struct outcome {
    int rc;        /* 0, or the first failing call's status */
    int stage;     /* which call failed (for messages) */
    size_t quotes; /* quotations coded */
    char *xml;     /* results.xml as written (malloc'ed by the test, not the library) */
    size_t xml_size;
    char *tsv;          /* frequencies.tsv */
    size_t read_quotes; /* quotations read back from results.xml */
    char message[1200]; /* the error, as file:line:col: message */
} outcome;

static int count_quote(const qc_result_quotation *q, void *user)
{
    (void)q;
    (*(size_t *)user)++;
    return 0;
}

#define STEP(n, call)                                                                                                  \
    do {                                                                                                               \
        if (o->rc == 0) {                                                                                              \
            int rc_ = (call);                                                                                          \
            if (rc_ != 0) {                                                                                            \
                o->rc = rc_;                                                                                           \
                o->stage = (n);                                                                                        \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

/* stream: results.xml in format 2, streamed while the documents are added (the quotations kept
 * for the TSV tables all the same). */
static void run_pipeline(const inputs *in, qc_engine engine, int stream, outcome *o)
{
    memset(o, 0, sizeof *o);
    qc_error err;
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_document *docs[4] = {NULL, NULL, NULL, NULL};
    qc_coder *coder = NULL;
    qc_results *res = NULL;
    qc_coder_options copts = QC_CODER_OPTIONS_INIT;
    copts.engine = engine;

    STEP(1, qc_codebook_load_buffer(&cb, "oom.qcb", codebook_src, sizeof codebook_src - 1, NULL, &err));
    STEP(2, qc_casebook_load_buffer(&cases, "cases.tsv", cases_src, sizeof cases_src - 1, &err));
    STEP(3, qc_document_read_buffer(&docs[0], "a.txt", text_src, sizeof text_src - 1, NULL, &err));
    STEP(4, qc_document_read_buffer(&docs[1], "b.vtt", vtt_src, sizeof vtt_src - 1, NULL, &err));
    STEP(5, qc_document_read_buffer(&docs[2], "c.srt", srt_src, sizeof srt_src - 1, NULL, &err));
    STEP(6, qc_document_read_buffer(&docs[3], "d.docx", in->docx, in->docx_size, NULL, &err));
    STEP(7, qc_coder_new(&coder, cb, &copts, &err));
    STEP(8, qc_results_new(&res, cb, cases, &err));
    char xml_path[1024], tsv_dir[1024];
    snprintf(xml_path, sizeof xml_path, "%s/results.xml", in->dir);
    snprintf(tsv_dir, sizeof tsv_dir, "%s/tsv", in->dir);
    qc_write_options wopts = QC_WRITE_OPTIONS_INIT;
    wopts.time = "2026-01-01T00:00:00Z";
    wopts.format = stream ? 2 : 1;
    unlink(xml_path);
    if (stream) {
        STEP(8, qc_results_set_option(res, "engine", engine == QC_ENGINE_FAST ? "fast" : "reference", &err));
        STEP(8, qc_results_stream_xml(res, xml_path, &wopts, &err));
    }
    for (int i = 0; i < 4; i++) {
        qc_coding *coding = NULL;
        STEP(9, qc_coder_code(coder, docs[i], cases, &coding, &err));
        if (o->rc == 0)
            o->quotes += qc_coding_quotation_count(coding);
        STEP(10, qc_results_add(res, docs[i], coding, NULL, &err));
        qc_coding_free(coding);
    }
    if (!stream)
        STEP(11, qc_results_set_option(res, "engine", engine == QC_ENGINE_FAST ? "fast" : "reference", &err));
    STEP(12, qc_results_write_xml(res, xml_path, &wopts, &err));
    STEP(13, qc_results_write_tsv(res, tsv_dir, &err));
    qc_results_handlers h = {NULL, NULL, NULL, count_quote, &o->read_quotes};
    STEP(14, qc_results_read(xml_path, &h, &err));
    if (o->rc == 0) {
        o->xml = qct_read_file(xml_path, &o->xml_size);
        char tsv_path[1100];
        snprintf(tsv_path, sizeof tsv_path, "%s/frequencies.tsv", tsv_dir);
        o->tsv = qct_read_file(tsv_path, NULL);
    } else {
        /* A failure must say what it was. */
        cr_assert_eq(err.code, o->rc, "stage %d: status %d but err.code %d", o->stage, o->rc, err.code);
        cr_assert_neq(err.message[0], '\0', "stage %d: no message", o->stage);
        snprintf(o->message, sizeof o->message, "%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    }
    qc_results_free(res);
    qc_coder_free(coder);
    for (int i = 0; i < 4; i++)
        qc_document_free(docs[i]);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
}

static void outcome_free(outcome *o)
{
    free(o->xml);
    free(o->tsv);
}

/* A run failed by allocation n must say out of memory, or I/O when it was a temporary file's
 * (the atomic write's FILE buffer). Reading the run's quotation file back short of memory once said
 * it could not read the file. */
static void expect_out_of_memory(long n, int stage, int rc, const char *message)
{
    cr_assert(rc == QC_ERR_NOMEM || rc == QC_ERR_IO,
              "failing allocation %ld: stage %d returned %d (%s), expected out of memory: %s", n, stage, rc,
              qc_status_name(rc), message);
    cr_assert(!strstr(message, "cannot read the temporary quotation file back"),
              "failing allocation %ld: stage %d: %s, expected out of memory", n, stage, message);
}

/* Runs the pipeline failing allocation 0, 1, 2, ... until a run makes fewer allocations than N. */
static void every_failure(qc_engine engine, int stream)
{
    inputs in;
    inputs_load(&in);
    qc_set_allocator(&failing);
    arm(-1);
    atomic_store(&live, 0);
    outcome ref;
    run_pipeline(&in, engine, stream, &ref);
    long total = atomic_load(&alloc_count);
    cr_assert_eq(ref.rc, 0, "reference run failed at stage %d (%d)", ref.stage, ref.rc);
    cr_assert_eq(atomic_load(&live), 0, "the reference run leaked %ld allocations", atomic_load(&live));
    cr_assert_gt(ref.quotes, 5, "the inputs should code (got %zu quotations)", ref.quotes);
    cr_assert_eq(ref.read_quotes, ref.quotes);
    cr_assert_gt(total, 200, "only %ld allocations: the pipeline did not run", total);

    long errors = 0, survived = 0;
    for (long n = 0;; n++) {
        arm(n);
        outcome o;
        run_pipeline(&in, engine, stream, &o);
        long made = atomic_load(&alloc_count);
        cr_assert_eq(atomic_load(&live), 0, "failing allocation %ld (stage %d, status %d) leaked %ld allocations", n,
                     o.stage, o.rc, atomic_load(&live));
        if (atomic_load(&failed) == 0) {
            cr_assert_eq(o.rc, 0);
            outcome_free(&o);
            cr_assert_geq(n, total - 1, "a run of %ld allocations ended early", made);
            break;
        }
        if (o.rc != 0) {
            errors++;
            expect_out_of_memory(n, o.stage, o.rc, o.message);
        } else {
            /* The library did without that allocation: the outputs must be the reference's. */
            survived++;
            cr_assert_eq(o.quotes, ref.quotes, "failing allocation %ld changed the coding", n);
            cr_assert_eq(o.xml_size, ref.xml_size, "failing allocation %ld changed results.xml", n);
            cr_assert_eq(memcmp(o.xml, ref.xml, ref.xml_size), 0, "failing allocation %ld changed results.xml", n);
            cr_assert_str_eq(o.tsv, ref.tsv, "failing allocation %ld changed frequencies.tsv", n);
        }
        outcome_free(&o);
    }
    qc_set_allocator(NULL);
    cr_log_info("%s engine: %ld allocations, %ld injected failures returned an error, %ld were done without",
                engine == QC_ENGINE_FAST ? "fast" : "reference", total, errors, survived);
    cr_assert_gt(errors, total / 2);
    outcome_free(&ref);
    inputs_free(&in);
}

Test(oom, every_allocation_of_the_pipeline_fast_engine)
{
    every_failure(QC_ENGINE_FAST, 0);
}

Test(oom, every_allocation_of_the_pipeline_streaming_format_2)
{
    every_failure(QC_ENGINE_FAST, 1);
}

Test(oom, every_allocation_of_the_pipeline_reference_engine)
{
    every_failure(QC_ENGINE_REFERENCE, 0);
}

/* The threaded corpus runner: worker threads read and code while the calling thread aggregates.
 * Which allocation is the N-th depends on scheduling, but every failure must still end cleanly. */
Test(oom, threaded_corpus_run)
{
    inputs in;
    inputs_load(&in);
    char *paths[4];
    paths[0] = qct_write_file(in.dir, "a.txt", text_src, sizeof text_src - 1);
    paths[1] = qct_write_file(in.dir, "b.vtt", vtt_src, sizeof vtt_src - 1);
    paths[2] = qct_write_file(in.dir, "c.srt", srt_src, sizeof srt_src - 1);
    paths[3] = qct_write_file(in.dir, "d.docx", in.docx, in.docx_size);
    qc_error err;
    qc_codebook *cb = NULL;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "oom.qcb", codebook_src, sizeof codebook_src - 1, NULL, &err), 0);
    qc_set_allocator(&failing);
    atomic_store(&live, 0);
    long runs = 0, errors = 0, doc_errors = 0;
    uint64_t ref_quotations = 0;
    for (long n = -1;; n++) {
        arm(n);
        qc_results *res = NULL;
        int rc = qc_results_new(&res, cb, NULL, &err);
        long bad_docs = 0;
        if (rc == 0) {
            qc_run_options ro = QC_RUN_OPTIONS_INIT;
            ro.jobs = 2;
            ro.on_document = qc_results_add_fn;
            ro.user = res;
            qc_run_stats stats;
            rc = qc_corpus_run((const char *const *)paths, 4, cb, NULL, &ro, &stats, &err);
            if (rc == 0)
                bad_docs = (long)stats.failed;
        }
        qc_counts totals = {0, 0, 0, 0};
        if (rc == 0)
            qc_results_totals(res, &totals);
        qc_results_free(res);
        cr_assert_eq(atomic_load(&live), 0, "failing allocation %ld leaked %ld allocations", n, atomic_load(&live));
        runs++;
        if (n < 0) {
            cr_assert_eq(rc, 0, "reference run: %s", err.message);
            cr_assert_eq(bad_docs, 0);
            ref_quotations = totals.quotations;
            cr_assert_gt(ref_quotations, 3);
            continue;
        }
        if (atomic_load(&failed) == 0)
            break;
        if (rc != 0) {
            errors++;
            cr_assert(rc == QC_ERR_NOMEM || rc == QC_ERR_IO, "failing allocation %ld: status %d (%s): %s", n, rc,
                      qc_status_name(rc), err.message);
        } else if (bad_docs) {
            /* A document whose reading or coding ran out of memory is reported and skipped. */
            doc_errors++;
        } else {
            cr_assert_eq(totals.quotations, ref_quotations, "failing allocation %ld changed the counts", n);
        }
    }
    qc_set_allocator(NULL);
    qc_codebook_free(cb);
    /* runs: the reference, one per injected failure, and the last (which made fewer allocations). */
    long injected = runs - 2;
    cr_log_info("corpus run, 2 threads: %ld failures injected, %ld ended in an error, %ld lost a document (reported), "
                "%ld were done without (same counts)",
                injected, errors, doc_errors, injected - errors - doc_errors);
    cr_assert_gt(errors + doc_errors, runs / 2);
    for (int i = 0; i < 4; i++)
        free(paths[i]);
    inputs_free(&in);
}

/* The codebook diff and the rules hashes behind the re-code and its cache, on the shipped v1 -> v2
 * revision: a failed allocation is an error, never a diff that reads otherwise (a code's compiled
 * text cut short read as "rules settings" where v2 changed only rules) or a hash of less than the
 * code (which the cache would have trusted). */
typedef struct diff_outcome {
    int rc;
    char *text, *xml;
    char (*hash)[65];
} diff_outcome;

static void diff_run(const qc_codebook *o, const qc_codebook *n, diff_outcome *out)
{
    memset(out, 0, sizeof *out);
    size_t count = qc_codebook_code_count(n);
    out->hash = calloc(count, sizeof *out->hash);
    cr_assert_not_null(out->hash);
    qc_error err;
    qc_codebook_diff *d = NULL;
    out->rc = qc_codebook_diff_new(&d, o, n, &err);
    if (!out->rc)
        out->rc = qc_codebook_diff_render(d, QC_DIFF_TEXT, &out->text, NULL, &err);
    if (!out->rc)
        out->rc = qc_codebook_diff_render(d, QC_DIFF_XML, &out->xml, NULL, &err);
    /* Three codes: each hash computes every code's (a run per failing allocation grows with the
     * square of the codes hashed). */
    for (size_t c = 0; c < count && !out->rc; c += count / 2 ? count / 2 : 1)
        out->rc = qc_code_rules_hash(n, c, out->hash[c]);
    qc_codebook_diff_free(d);
}

static void diff_outcome_free(diff_outcome *o)
{
    qc_diff_text_free(o->text);
    qc_diff_text_free(o->xml);
    free(o->hash);
}

Test(oom, codebook_diff_and_rules_hashes)
{
    qc_codebook *cbs[2] = {NULL, NULL};
    const char *rel[2] = {"codebooks/integrated-care-v1.qcb", "codebooks/integrated-care-v2.qcb"};
    for (int i = 0; i < 2; i++) {
        char *path = qct_source_path(rel[i]);
        qc_error err;
        cr_assert_eq(qc_codebook_load(&cbs[i], path, NULL, &err), 0, "%s: %s", rel[i], err.message);
        free(path);
    }
    size_t count = qc_codebook_code_count(cbs[1]);
    qc_set_allocator(&failing);
    arm(-1);
    atomic_store(&live, 0);
    diff_outcome ref;
    diff_run(cbs[0], cbs[1], &ref);
    long total = atomic_load(&alloc_count);
    cr_assert_eq(ref.rc, 0);
    cr_assert_not_null(strstr(ref.text, "rules"));
    cr_assert_eq(atomic_load(&live), 2, "the reference run holds %ld allocations, not its two texts",
                 atomic_load(&live));
    atomic_store(&live, 0); /* the texts are freed after the allocator is put back */
    long errors = 0;
    for (long n = 0;; n++) {
        arm(n);
        diff_outcome o;
        diff_run(cbs[0], cbs[1], &o);
        if (o.rc == 0) {
            cr_assert_str_eq(o.text, ref.text, "failing allocation %ld changed the diff", n);
            cr_assert_str_eq(o.xml, ref.xml, "failing allocation %ld changed the XML diff", n);
            for (size_t c = 0; c < count; c++)
                cr_assert_str_eq(o.hash[c], ref.hash[c], "failing allocation %ld changed code %zu's rules hash", n,
                                 c);
        } else {
            errors++;
            cr_assert_eq(o.rc, QC_ERR_NOMEM, "failing allocation %ld: status %d", n, o.rc);
        }
        int done = atomic_load(&failed) == 0;
        diff_outcome_free(&o);
        cr_assert_eq(atomic_load(&live), 0, "failing allocation %ld leaked %ld allocations", n, atomic_load(&live));
        if (done)
            break;
    }
    qc_set_allocator(NULL);
    cr_log_info("codebook diff: %ld allocations, %ld injected failures returned an error", total, errors);
    cr_assert_gt(errors, total / 2);
    diff_outcome_free(&ref);
    qc_codebook_free(cbs[0]);
    qc_codebook_free(cbs[1]);
}

/* The re-code, from an old codebook to a revision of it, over transcripts on disk: both sides
 * coded, compared code by code, the change report rendered as text and XML and the new results
 * written. A failed allocation anywhere is an error (out of memory, or I/O for the atomic write's
 * temporary file), never a report that reads otherwise: a `from` list cut short ("renamed" with no
 * predecessor), a quotation missing from a side (gained or lost that was kept), a text left empty. */
static const char recode_old_cb[] = "codebook \"recode-oom\" version 1\n"
                                    "code TEAM \"Team\"\n"
                                    "  rule team\n"
                                    "code LOAD \"Load\"\n"
                                    "  rule caseload\n"
                                    "code STRESS \"Stress\"\n"
                                    "  rule stress\n"
                                    "code PRESS \"Pressure\"\n"
                                    "  rule pressure\n"
                                    "code OTHER \"Other\"\n"
                                    "  rule weather\n"
                                    "code CARE \"Care\"\n"
                                    "  rule patient*\n";

/* TEAM: rules changed (keeps "Our team", gains colleagues, loses "The team meets"); LOAD ->
 * WORKLOAD (`was`); STRESS + PRESS -> STRAIN (`merged-from`); OTHER removed; CARE unchanged. */
static const char recode_new_cb[] = "codebook \"recode-oom\" version 2\n"
                                    "code TEAM \"Team\"\n"
                                    "  rule colleague* OR \"our team\"\n"
                                    "code WORKLOAD \"Workload\"\n"
                                    "  was LOAD\n"
                                    "  rule caseload\n"
                                    "code STRAIN \"Strain\"\n"
                                    "  merged-from STRESS PRESS\n"
                                    "  rule stress OR pressure\n"
                                    "code CARE \"Care\"\n"
                                    "  rule patient*\n";

static const char *const recode_docs[][2] = {
    {"a.txt", "Nurse: Our team is great. My caseload is big.\n"
              "OT: The stress and the pressure both hit. Colleagues help.\n"},
    {"b.txt", "OT: The weather was bad. The team meets weekly.\n"
              "Nurse: Patients wait. Pressure everywhere.\n"},
    {"c.txt", "Manager: My caseload doubled. Patient care comes first.\n"
              "Nurse: Stress at night.\n"},
};
#define RECODE_DOCS (sizeof recode_docs / sizeof recode_docs[0])

typedef struct recode_outcome {
    int rc;
    int stage;        /* 1 re-code, 2 text report, 3 XML report, 4 results.xml */
    char *text, *xml; /* the reports (copied: the test's, not the library's) */
    char *results;    /* results.xml's bytes */
    size_t results_size;
    long doc_errors;    /* documents the run reported and left out */
    char message[1200]; /* the error, as file:line:col: message */
} recode_outcome;

static void count_doc_error(const char *path, const qc_error *err, void *user)
{
    (void)path, (void)err;
    (*(long *)user)++;
}

static char *test_copy(const char *s)
{
    char *c = s ? strdup(s) : NULL;
    cr_assert(!s || c);
    return c;
}

static void recode_once(const qc_codebook *old_cb, const qc_codebook *new_cb, char *const *paths, const char *out_dir,
                        recode_outcome *o)
{
    memset(o, 0, sizeof *o);
    qc_error err;
    qc_error_clear(&err);
    qc_recode_options ro = QC_RECODE_OPTIONS_INIT;
    ro.old_cb = old_cb;
    ro.run.jobs = 1; /* the N-th allocation is the same one on every run */
    ro.run.on_error = count_doc_error;
    ro.run.user = &o->doc_errors;
    qc_recode *rc = NULL;
    char *text = NULL, *xml = NULL;
    char path[1100];
    snprintf(path, sizeof path, "%s/results.xml", out_dir);
    unlink(path);
    qc_write_options wopts = QC_WRITE_OPTIONS_INIT;
    wopts.time = "2026-01-01T00:00:00Z";
    STEP(1, qc_recode_run(&rc, (const char *const *)paths, RECODE_DOCS, new_cb, NULL, &ro, &err));
    STEP(2, qc_recode_render(rc, QC_DIFF_TEXT, &text, NULL, &err));
    STEP(3, qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err));
    STEP(4, qc_results_write_xml(qc_recode_results(rc), path, &wopts, &err));
    if (o->rc == 0) {
        o->text = test_copy(text);
        o->xml = test_copy(xml);
        o->results = qct_read_file(path, &o->results_size);
        cr_assert_not_null(o->results);
    } else {
        cr_assert_eq(err.code, o->rc, "stage %d: status %d but err.code %d", o->stage, o->rc, err.code);
        cr_assert_neq(err.message[0], '\0', "failing allocation %ld, stage %d: status %d (%s) with no message",
                      atomic_load(&fail_at), o->stage, o->rc, qc_status_name(o->rc));
        snprintf(o->message, sizeof o->message, "%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    }
    qc_diff_text_free(text);
    qc_diff_text_free(xml);
    qc_recode_free(rc);
    /* results.xml is written atomically: whole, or neither it nor a temporary file. */
    char names[512];
    long left = rel_list_dir(out_dir, names, sizeof names);
    cr_assert_eq(left, o->rc == 0 ? 1 : 0, "stage %d, status %d: the output folder holds:\n%s", o->stage, o->rc, names);
}

static void recode_outcome_free(recode_outcome *o)
{
    free(o->text);
    free(o->xml);
    free(o->results);
}

Test(oom, recode_report_and_results)
{
    char *dir = qct_temp_dir();
    char *paths[RECODE_DOCS];
    for (size_t i = 0; i < RECODE_DOCS; i++)
        paths[i] = qct_write_file(dir, recode_docs[i][0], recode_docs[i][1], strlen(recode_docs[i][1]));
    char out_dir[1100];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    cr_assert_eq(mkdir(out_dir, 0755), 0);
    qc_codebook *old_cb = NULL, *new_cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&old_cb, "old.qcb", recode_old_cb, sizeof recode_old_cb - 1, NULL, &err), 0,
                 "%s", err.message);
    cr_assert_eq(qc_codebook_load_buffer(&new_cb, "new.qcb", recode_new_cb, sizeof recode_new_cb - 1, NULL, &err), 0,
                 "%s", err.message);

    qc_set_allocator(&failing);
    arm(-1);
    atomic_store(&live, 0);
    recode_outcome ref;
    recode_once(old_cb, new_cb, paths, out_dir, &ref);
    long total = atomic_load(&alloc_count);
    cr_assert_eq(ref.rc, 0, "reference run failed at stage %d: %s", ref.stage, ref.message);
    cr_assert_eq(ref.doc_errors, 0);
    cr_assert_eq(atomic_load(&live), 0, "the reference run leaked %ld allocations", atomic_load(&live));
    /* The inputs make every kind of row: kept, gained and lost quotations, a rename, a merge, a
     * removed code, changed rules and an unchanged code. */
    cr_assert(qct_contains(ref.text, "quotations: 10 before, 9 after: 8 kept, 1 gained, 2 lost; 2 codes changed\n"),
              "%s", ref.text);
    cr_assert(qct_contains(ref.text, "merged (from STRESS PRESS)"), "%s", ref.text);
    cr_assert(qct_contains(ref.text, "id-changed (from LOAD)"), "%s", ref.text);
    cr_assert(qct_contains(ref.xml, "<quotation change=\"gained\" reason=\"rules changed\" document=\"a.txt\""), "%s",
              ref.xml);
    cr_assert(qct_contains(ref.xml, "<quotation change=\"lost\" reason=\"rules changed\" document=\"b.txt\""), "%s",
              ref.xml);
    cr_assert(qct_contains(ref.xml, "reason=\"code removed\" document=\"b.txt\""), "%s", ref.xml);
    cr_assert(qct_contains(ref.xml, "<code id=\"CARE\" name=\"Care\" kinds=\"\" from=\"CARE\""), "%s", ref.xml);

    long errors = 0, survived = 0;
    for (long n = 0;; n++) {
        arm(n);
        recode_outcome o;
        recode_once(old_cb, new_cb, paths, out_dir, &o);
        cr_assert_eq(atomic_load(&live), 0, "failing allocation %ld (stage %d, status %d) leaked %ld allocations", n,
                     o.stage, o.rc, atomic_load(&live));
        /* Out of memory stops the run: no document is left out for it. */
        cr_assert_eq(o.doc_errors, 0, "failing allocation %ld: %ld documents left out", n, o.doc_errors);
        int done = atomic_load(&failed) == 0;
        if (o.rc != 0) {
            errors++;
            expect_out_of_memory(n, o.stage, o.rc, o.message);
        } else {
            survived += !done;
            cr_assert_str_eq(o.text, ref.text, "failing allocation %ld changed the text report", n);
            cr_assert_str_eq(o.xml, ref.xml, "failing allocation %ld changed the XML report", n);
            cr_assert_eq(o.results_size, ref.results_size, "failing allocation %ld changed results.xml", n);
            cr_assert_eq(memcmp(o.results, ref.results, ref.results_size), 0,
                         "failing allocation %ld changed results.xml", n);
        }
        recode_outcome_free(&o);
        if (done) {
            cr_assert_eq(o.rc, 0);
            cr_assert_geq(n, total - 1, "a run of %ld allocations ended early", atomic_load(&alloc_count));
            break;
        }
    }
    qc_set_allocator(NULL);
    cr_log_info("re-code: %ld allocations a run, %ld injected failures returned an error, %ld were done without", total,
                errors, survived);
    cr_assert_gt(errors, total / 2);
    recode_outcome_free(&ref);
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    for (size_t i = 0; i < RECODE_DOCS; i++)
        free(paths[i]);
    rel_rm_tree(dir);
    free(dir);
}
