/* results.xml format 2 written while coding (qc_results_stream_xml; `qcode code -o FILE
 * --results-format 2`): the file has the bytes of the one written after the run, with one job or
 * two, with or without the quotations kept for other outputs, with people's codings; it does not
 * exist until it is finished, and results freed unfinished leave nothing; stream-only results
 * refuse what needs the quotations they did not keep; misuse is refused before a file is made. */
#include "gen_interviews.h"
#include "qc_test.h"
#include "span_codebook.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIME "2026-12-05T00:00:00Z"

typedef struct fixture {
    char *dir, *out; /* out: a folder of its own for the outputs, to see what is left in it */
    char **paths;
    size_t n;
    qc_codebook *cb;
    qc_casebook *cases;
} fixture;

static void fixture_open(fixture *f, size_t n)
{
    static const gen_shape shape = {4242, 1 << 14, 3, 60, 7, 1, 20, 7};
    f->dir = qct_temp_dir();
    f->n = n;
    f->paths = gen_interviews(f->dir, n, &shape);
    f->out = malloc(strlen(f->dir) + 8);
    sprintf(f->out, "%s/out", f->dir);
    cr_assert_eq(mkdir(f->out, 0755), 0);
    span_codebook_load(&f->cb, &f->cases);
}

static void fixture_close(fixture *f)
{
    qc_casebook_free(f->cases);
    qc_codebook_free(f->cb);
    gen_paths_free(f->paths, f->n);
    free(f->out);
    free(f->dir);
}

static char *out_path(const fixture *f, const char *name)
{
    char *p = malloc(strlen(f->out) + strlen(name) + 2);
    sprintf(p, "%s/%s", f->out, name);
    return p;
}

static size_t entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static qc_write_options format2(void)
{
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.time = TIME;
    wo.format = 2;
    return wo;
}

/* The corpus coded into new results: streamed to `stream` when it is not NULL (stream_only as
 * given), with people's codings when manual is not NULL. */
static qc_results *run(const fixture *f, unsigned jobs, const char *stream, int stream_only, qc_manual *manual)
{
    qc_error err;
    qc_results *res;
    qc_results_options ro = QC_RESULTS_OPTIONS_INIT;
    ro.stream_only = stream_only;
    cr_assert_eq(qc_results_new_opts(&res, f->cb, f->cases, &ro, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_set_option(res, "engine", "fast", &err), 0);
    qc_write_options wo = format2();
    if (stream)
        cr_assert_eq(qc_results_stream_xml(res, stream, &wo, &err), 0, "%s", err.message);
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.jobs = jobs;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    opts.results = res;
    opts.manual = manual;
    cr_assert_eq(qc_corpus_run((const char *const *)f->paths, f->n, f->cb, f->cases, &opts, NULL, &err), 0, "%s",
                 err.message);
    return res;
}

/* Writes the results after the run, in format 2, and returns the file's bytes. */
static char *after_the_run(const fixture *f, qc_results *res, const char *name)
{
    char *path = out_path(f, name);
    qc_write_options wo = format2();
    qc_error err;
    cr_assert_eq(qc_results_write_xml(res, path, &wo, &err), 0, "%s", err.message);
    char *bytes = qct_read_file(path, NULL);
    cr_assert_not_null(bytes);
    free(path);
    return bytes;
}

/* Finishes a stream and returns the file's bytes; the file did not exist before. */
static char *finish(const fixture *f, qc_results *res, const char *name)
{
    char *path = out_path(f, name);
    cr_expect_neq(access(path, F_OK), 0, "%s exists before the stream is finished", name);
    free(path);
    return after_the_run(f, res, name);
}

static int count_turn(const qc_result_quotation *q, void *user)
{
    (void)q;
    ++*(size_t *)user;
    return 0;
}

Test(results_stream, the_streamed_file_is_the_one_written_after_the_run, .timeout = 120)
{
    fixture f;
    fixture_open(&f, 60);
    qc_results *res = run(&f, 2, NULL, 0, NULL);
    char *expected = after_the_run(&f, res, "after.xml");
    qc_results_free(res);
    cr_assert(qct_contains(expected, "<span turn="), "the corpus has coded spans");

    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        for (int only = 0; only <= 1; only++) {
            char *path = out_path(&f, "streamed.xml");
            res = run(&f, jobs, path, only, NULL);
            char *got = finish(&f, res, "streamed.xml");
            cr_expect_str_eq(got, expected, "--jobs %u, stream_only %d: the bytes of the file written after the run",
                             jobs, only);
            /* With the quotations kept, the other outputs still have them. */
            qc_error err;
            size_t quotations = 0;
            cr_expect_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, count_turn, &quotations, &err),
                         only ? QC_ERR_INVALID : QC_OK);
            cr_expect(only || quotations > 0);
            free(got);
            qc_results_free(res);
            unlink(path);
            free(path);
        }
    }
    free(expected);
    cr_expect_eq(entries_in(f.out), 1, "only after.xml is left: no temporary file");
    fixture_close(&f);
}

static int first_quotation(const qc_result_quotation *q, void *user)
{
    qc_result_quotation *out = user;
    *out = *q;
    out->text = strndup(q->text, q->text_len ? q->text_len : strlen(q->text));
    out->document_id = strdup(q->document_id);
    return 1;
}

static void put_coding(FILE *fp, const char *code, const char *doc, size_t start, size_t end, const char *coder,
                       const char *text)
{
    fprintf(fp, "  <coding code=\"%s\" document=\"%s\" start=\"%zu\" end=\"%zu\" coder=\"%s\"><text>", code, doc, start,
            end, coder);
    for (const char *s = text; *s; s++) {
        if (*s == '&')
            fputs("&amp;", fp);
        else if (*s == '<')
            fputs("&lt;", fp);
        else
            putc(*s, fp);
    }
    fputs("</text></coding>\n", fp);
}

Test(results_stream, people_codings_stream_as_after_the_run, .timeout = 120)
{
    fixture f;
    fixture_open(&f, 30);
    qc_error err;
    /* Two people code the engine's first quotation: one with its code, one with another. */
    qc_results *res = run(&f, 1, NULL, 0, NULL);
    qc_result_quotation q;
    memset(&q, 0, sizeof q);
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, first_quotation, &q, &err), QC_ERR_CANCELLED);
    qc_results_free(res);
    char manual_path[1024];
    snprintf(manual_path, sizeof manual_path, "%s/manual.xml", f.dir);
    FILE *fp = fopen(manual_path, "w");
    cr_assert_not_null(fp);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\" generator=\"test\">\n", fp);
    const char *other = (long)q.code == qc_codebook_find(f.cb, "R") ? "Z" : "R";
    put_coding(fp, qc_code_id(f.cb, q.code), q.document_id, q.start, q.end, "Alice", q.text);
    put_coding(fp, other, q.document_id, q.start, q.end, "Bob", q.text);
    fputs("</manual>\n", fp);
    fclose(fp);

    char *bytes[2];
    for (int streamed = 0; streamed <= 1; streamed++) {
        qc_manual *m = NULL;
        cr_assert_eq(qc_manual_load(&m, manual_path, f.cb, NULL, NULL, &err), 0, "%s", err.message);
        char *path = out_path(&f, "m.xml");
        res = run(&f, 2, streamed ? path : NULL, streamed, m);
        bytes[streamed] = streamed ? finish(&f, res, "m.xml") : after_the_run(&f, res, "m.xml");
        unlink(path);
        free(path);
        qc_results_free(res);
        qc_manual_free(m);
    }
    cr_expect(qct_contains(bytes[0], " coder=\"Alice\"/>") && qct_contains(bytes[0], " coder=\"Bob\"/>"),
              "both people's codings are listed");
    cr_expect_str_eq(bytes[1], bytes[0], "people's codings are streamed as they are written after the run");
    free(bytes[0]);
    free(bytes[1]);
    free((char *)q.text);
    free((char *)q.document_id);
    fixture_close(&f);
}

Test(results_stream, stream_only_results_refuse_what_needs_the_quotations)
{
    fixture f;
    fixture_open(&f, 8);
    char *path = out_path(&f, "r.xml"), *other = out_path(&f, "other.xml"), *tsv = out_path(&f, "tsv");
    qc_results *res = run(&f, 2, path, 1, NULL);
    qc_error err;
    size_t quotations = 0;
    cr_expect_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, count_turn, &quotations, &err), QC_ERR_INVALID);
    cr_expect(qct_contains(err.message, "stream"), "%s", err.message);
    cr_expect_eq(qc_results_write_tsv(res, tsv, &err), QC_ERR_INVALID);
    cr_expect_neq(access(tsv, F_OK), 0, "no TSV folder is made");
    qc_write_options wo = format2();
    cr_expect_eq(qc_results_write_xml(res, other, &wo, &err), QC_ERR_INVALID,
                 "another results.xml needs the quotations");
    cr_expect_neq(access(other, F_OK), 0);
    qc_counts c;
    cr_expect_eq(qc_results_document_counts_get(res, 0, 0, QC_OWN, &c, &err), QC_ERR_INVALID);
    /* The uncoded turns are kept: the stream's end lists them. */
    size_t turns = 0;
    cr_expect_eq(qc_results_foreach_uncoded(res, count_turn, &turns, &err), QC_OK, "%s", err.message);
    qc_uncoded_summary u;
    qc_results_uncoded(res, &u);
    cr_expect_eq(turns, u.uncoded_turns);
    char *xml = finish(&f, res, "r.xml");
    cr_expect(qct_contains(xml, "</results>"), "the stream is finished");
    free(xml);
    qc_results_free(res);

    /* Stream-only results without a stream take no document. */
    qc_results_options ro = QC_RESULTS_OPTIONS_INIT;
    ro.stream_only = 1;
    cr_assert_eq(qc_results_new_opts(&res, f.cb, f.cases, &ro, &err), 0);
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.jobs = 1;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    cr_expect_eq(qc_corpus_run((const char *const *)f.paths, f.n, f.cb, f.cases, &opts, NULL, &err), QC_ERR_INVALID);
    cr_expect(qct_contains(err.message, "qc_results_stream_xml"), "%s", err.message);
    qc_results_free(res);
    free(path);
    free(other);
    free(tsv);
    fixture_close(&f);
}

Test(results_stream, misuse_is_refused_and_an_unfinished_stream_leaves_nothing)
{
    fixture f;
    fixture_open(&f, 4);
    char *path = out_path(&f, "r.xml");
    qc_error err;
    qc_results *res;
    cr_assert_eq(qc_results_new(&res, f.cb, f.cases, &err), 0);
    qc_write_options wo = format2();
    wo.format = 1;
    cr_expect_eq(qc_results_stream_xml(res, path, &wo, &err), QC_ERR_INVALID, "format 1 is not streamed");
    cr_expect(qct_contains(err.message, "format 1"), "%s", err.message);
    cr_expect_eq(qc_results_stream_xml(res, path, NULL, &err), QC_ERR_INVALID, "the default format is 1");
    wo.format = 2;
    cr_assert_eq(qc_results_stream_xml(res, path, &wo, &err), 0, "%s", err.message);
    cr_expect_eq(qc_results_stream_xml(res, path, &wo, &err), QC_ERR_INVALID, "one stream");
    cr_expect_neq(access(path, F_OK), 0);
    qc_results_free(res); /* unfinished */
    cr_expect_eq(entries_in(f.out), 0, "results freed with their stream unfinished leave nothing");

    res = run(&f, 1, NULL, 0, NULL);
    cr_expect_eq(qc_results_stream_xml(res, path, &wo, &err), QC_ERR_INVALID, "documents were added already");
    qc_results_free(res);
    qc_results_options ro = QC_RESULTS_OPTIONS_INIT;
    ro.counts_only = 1;
    cr_assert_eq(qc_results_new_opts(&res, f.cb, f.cases, &ro, &err), 0);
    cr_expect_eq(qc_results_stream_xml(res, path, &wo, &err), QC_ERR_INVALID, "counts-only results have no quotations");
    qc_results_free(res);

    /* A run stopped halfway (--strict, a document that cannot be read) leaves nothing either. */
    ro.counts_only = 0;
    ro.stream_only = 1;
    cr_assert_eq(qc_results_new_opts(&res, f.cb, f.cases, &ro, &err), 0);
    cr_assert_eq(qc_results_stream_xml(res, path, &wo, &err), 0, "%s", err.message);
    const char *paths[] = {f.paths[0], f.paths[1], "no-such-transcript.txt", f.paths[2]};
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.jobs = 2;
    opts.strict = 1;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    opts.results = res;
    cr_expect_neq(qc_corpus_run(paths, 4, f.cb, f.cases, &opts, NULL, &err), QC_OK);
    qc_results_free(res);
    cr_expect_eq(entries_in(f.out), 0, "nothing is left in the output folder");
    free(path);
    fixture_close(&f);
}

/* Documents whose participants' turns the span codebook does not code: `turns` turns of about
 * 600 bytes each, the last document's last turn over 64 kB (a record longer than the uncoded log's
 * buffer goes to its file as a piece of its own). */
static char **uncoded_interviews(const char *dir, size_t n, int turns)
{
    char **paths = calloc(n, sizeof *paths);
    cr_assert_not_null(paths);
    for (size_t i = 0; i < n; i++) {
        paths[i] = malloc(strlen(dir) + 32);
        sprintf(paths[i], "%s/u%03zu.txt", dir, i);
        FILE *fp = fopen(paths[i], "w");
        cr_assert_not_null(fp);
        for (int t = 0; t < turns; t++) {
            fprintf(fp, "%s: ", t % 3 == 0 ? "Interviewer" : t % 3 == 1 ? "P1" : "P2");
            int words = i + 1 == n && t + 1 == turns ? 12000 : 100;
            for (int w = 0; w < words; w++)
                fprintf(fp, "%s%s", w % 7 == 6 ? "parent & <so>" : "then banana", w % 10 == 9 ? ". " : " ");
            fputs("\n\n", fp);
        }
        cr_assert_eq(fclose(fp), 0);
    }
    return paths;
}

/* With two jobs the uncoded turns are shared out with a second thread by pieces of their log
 * (write_xml.c): the bytes of one thread, in both formats, after the run and streamed. */
Test(results_stream, uncoded_turns_written_by_two_threads_are_the_bytes_of_one, .timeout = 120)
{
    fixture f;
    f.dir = qct_temp_dir();
    f.n = 12;
    f.paths = uncoded_interviews(f.dir, f.n, 40);
    f.out = malloc(strlen(f.dir) + 8);
    sprintf(f.out, "%s/out", f.dir);
    cr_assert_eq(mkdir(f.out, 0755), 0);
    span_codebook_load(&f.cb, &f.cases);
    qc_error err;
    qc_results *res = run(&f, 1, NULL, 0, NULL);
    char *one[2];
    for (unsigned format = 1; format <= 2; format++) {
        for (unsigned jobs = 1; jobs <= 3; jobs++) {
            char *path = out_path(&f, "r.xml");
            qc_write_options wo = format2();
            wo.format = format;
            wo.jobs = jobs;
            cr_assert_eq(qc_results_write_xml(res, path, &wo, &err), 0, "%s", err.message);
            char *got = qct_read_file(path, NULL);
            cr_assert_not_null(got);
            if (jobs == 1) {
                one[format - 1] = got;
                const char *uncoded = strstr(got, "<uncoded ");
                cr_assert_not_null(uncoded);
                /* more than four pieces of the log, one of them a turn of its own */
                cr_expect_gt(strlen(uncoded), 4u << 16);
                cr_expect(qct_contains(uncoded, "parent &amp; &lt;so&gt;"));
            } else {
                cr_expect_str_eq(got, one[format - 1], "format %u, %u jobs: other bytes than one job's", format, jobs);
                free(got);
            }
            unlink(path);
            free(path);
        }
    }
    qc_results_free(res);
    /* Streamed: the stream's end takes the jobs of the options it was started with. */
    char *path = out_path(&f, "streamed.xml");
    qc_results_options ro = QC_RESULTS_OPTIONS_INIT;
    ro.stream_only = 1;
    cr_assert_eq(qc_results_new_opts(&res, f.cb, f.cases, &ro, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_set_option(res, "engine", "fast", &err), 0);
    qc_write_options wo = format2();
    wo.jobs = 2;
    cr_assert_eq(qc_results_stream_xml(res, path, &wo, &err), 0, "%s", err.message);
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.jobs = 2;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    opts.results = res;
    cr_assert_eq(qc_corpus_run((const char *const *)f.paths, f.n, f.cb, f.cases, &opts, NULL, &err), 0, "%s",
                 err.message);
    char *got = finish(&f, res, "streamed.xml");
    cr_expect_str_eq(got, one[1], "streamed with two jobs: other bytes than written by one");
    free(got);
    qc_results_free(res);
    unlink(path);
    free(path);
    free(one[0]);
    free(one[1]);
    fixture_close(&f);
}
