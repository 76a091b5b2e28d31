/* results.xml: valid against docs/schema/qcode-results.xsd, deterministic, read back by
 * qc_results_read, and refused when hostile. */
#define _GNU_SOURCE /* O_DIRECT, to probe whether the file system takes direct output */
#include "qc_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "xml_fail.h"
#include "xsd_helpers.h"

/* Codes the golden corpus and returns the results (and the codebook/casebook to free). */
typedef struct run {
    qc_codebook *cb;
    qc_casebook *cases;
    qc_results *res;
} run;

static void code_golden(run *r, unsigned jobs)
{
    char *cbp = qct_source_path("tests/golden/golden.qcb");
    char *casep = qct_source_path("tests/golden/corpus/cases.tsv");
    cr_assert_eq(qc_codebook_load(&r->cb, cbp, NULL, NULL), 0);
    cr_assert_eq(qc_casebook_load(&r->cases, casep, NULL), 0);
    cr_assert_eq(qc_results_new(&r->res, r->cb, r->cases, NULL), 0);
    char *paths[3] = {qct_source_path("tests/golden/corpus/a.txt"), qct_source_path("tests/golden/corpus/b.txt"),
                      qct_source_path("tests/golden/corpus/c.txt")};
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.jobs = jobs;
    ro.on_document = qc_results_add_fn;
    ro.user = r->res;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, 3, r->cb, r->cases, &ro, NULL, NULL), 0);
    cr_assert_eq(qc_results_set_option(r->res, "engine", "fast", NULL), 0);
    for (int i = 0; i < 3; i++)
        free(paths[i]);
    free(cbp);
    free(casep);
}

static void run_free(run *r)
{
    qc_results_free(r->res);
    qc_casebook_free(r->cases);
    qc_codebook_free(r->cb);
}

static char *write_golden(const char *dir, const char *name, unsigned jobs, const char *time)
{
    run r;
    code_golden(&r, jobs);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.time = time;
    qc_error err;
    cr_assert_eq(qc_results_write_xml(r.res, path, &wo, &err), 0, "%s", err.message);
    run_free(&r);
    return path;
}

/* Validates against the schema of the file's format (its namespace says which). */
static int validate(const char *path, char *why, size_t cap)
{
    char *text = qct_read_file(path, NULL);
    cr_assert_not_null(text, "%s", path);
    int format2 = strstr(text, "xmlns=\"urn:qcode:results:2\"") != NULL;
    free(text);
    return xsd_validate(path, format2 ? "qcode-results-2.xsd" : "qcode-results.xsd", why, cap);
}

Test(results_xml, golden_output_is_valid_against_the_schema)
{
    char *dir = qct_temp_dir();
    char *path = write_golden(dir, "results.xml", 1, NULL);
    char why[512] = "";
    cr_expect_eq(validate(path, why, sizeof why), 0, "%s", why);
    char *xml = qct_read_file(path, NULL);
    cr_expect(qct_contains(xml, "<results formatVersion=\"1\" xmlns=\"urn:qcode:results:1\">"), "%s", xml);
    cr_expect(qct_contains(xml, "<codebook name=\"Golden test codebook\" version=\"1\""));
    cr_expect(qct_contains(xml, "<pair a=\"MEET\" b=\"GP\" sentences=\"2\"/>"));
    cr_expect(qct_contains(xml, "<text>The budget is tight</text>"));
    cr_expect(qct_contains(xml, "uncodedTurns=\"1\""));
    free(xml);
    free(path);
    free(dir);
}

Test(results_xml, real_transcripts_output_is_valid)
{
    QCT_REQUIRE_SHARED("transcripts");
    char *dir = qct_temp_dir();
    char *cb_path = qct_write_file(dir, "t.qcb",
                                   "codebook \"T\"\ncode A \"Any\"\n  rule the\n  speakers all\n"
                                   "  code B \"B\"\n    rule we OR /\\d+/\n    scope match\n",
                                   strlen("codebook \"T\"\ncode A \"Any\"\n  rule the\n  speakers all\n"
                                          "  code B \"B\"\n    rule we OR /\\d+/\n    scope match\n"));
    char *shared = qct_shared_path("transcripts");
    qct_run r;
    qct_qcode(&r, NULL, "code -c '%s' -o '%s/real.xml' -j 2 '%s'", cb_path, dir, shared);
    cr_assert(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
    char out[600];
    snprintf(out, sizeof out, "%s/real.xml", dir);
    char why[512] = "";
    cr_expect_eq(validate(out, why, sizeof why), 0, "%s", why);
    qct_run_free(&r);
    free(shared);
    free(cb_path);
    free(dir);
}

/* Drops the <time>...</time> line. */
static void drop_time(char *xml)
{
    char *t = strstr(xml, "<time>");
    char *e = t ? strstr(t, "</time>") : NULL;
    if (t && e)
        memmove(t, e + 7, strlen(e + 7) + 1);
}

Test(results_xml, same_input_gives_the_same_bytes_whatever_the_jobs)
{
    char *dir = qct_temp_dir();
    char *p1 = write_golden(dir, "one.xml", 1, NULL);
    char *p2 = write_golden(dir, "two.xml", 2, NULL);
    char *p3 = write_golden(dir, "three.xml", 2, "2020-01-02T03:04:05Z");
    char *p4 = write_golden(dir, "four.xml", 1, "2020-01-02T03:04:05Z");
    size_t n1, n2, n3, n4;
    char *a = qct_read_file(p1, &n1), *b = qct_read_file(p2, &n2), *c = qct_read_file(p3, &n3),
         *d = qct_read_file(p4, &n4);
    cr_assert_eq(n3, n4);
    cr_expect_eq(memcmp(c, d, n3), 0, "a fixed time gives identical files");
    cr_expect(qct_contains(c, "<time>2020-01-02T03:04:05Z</time>"));
    drop_time(a);
    drop_time(b);
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    free(c);
    free(d);
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(dir);
}

typedef struct back {
    size_t docs, codes, quotes;
    char first_doc[64];
    qc_results_file_code team;
    char cb_name[64];
    char budget_texts[2][64];
    size_t budget_n;
    size_t staff_hits;
} back;

static int b_prov(const char *name, const char *version, const char *sha, void *user)
{
    back *b = user;
    snprintf(b->cb_name, sizeof b->cb_name, "%s %s %zu", name, version, strlen(sha));
    return 0;
}

static int b_doc(const qc_result_document *doc, size_t index, void *user)
{
    back *b = user;
    if (index == 0)
        snprintf(b->first_doc, sizeof b->first_doc, "%s %s", doc->id, qc_format_name(doc->format));
    b->docs++;
    return 0;
}

static int b_code(const qc_results_file_code *code, void *user)
{
    back *b = user;
    if (strcmp(code->id, "TEAM") == 0)
        b->team = *code;
    b->codes++;
    return 0;
}

static int b_quote(const qc_result_quotation *q, void *user)
{
    back *b = user;
    if (q->code == 8 && b->budget_n < 2)
        snprintf(b->budget_texts[b->budget_n++], 64, "%s|%s", q->text, q->speaker ? q->speaker : "-");
    if (q->code == 5)
        b->staff_hits += q->hit_count;
    b->quotes++;
    return 0;
}

Test(results_xml, reads_back_what_was_written)
{
    char *dir = qct_temp_dir();
    char *path = write_golden(dir, "results.xml", 1, NULL);
    back b;
    memset(&b, 0, sizeof b);
    qc_results_handlers h = {b_prov, b_doc, b_code, b_quote, &b};
    qc_error err;
    cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
    cr_expect_str_eq(b.cb_name, "Golden test codebook 1 64");
    cr_expect_eq(b.docs, 3);
    cr_expect_str_eq(b.first_doc, "a.txt text");
    cr_expect_eq(b.codes, 9);
    cr_expect_eq(b.team.own.quotations, 0);
    cr_expect_eq(b.team.rolled_up.quotations, 3);
    cr_expect_eq(b.team.rolled_up.hits, 4);
    cr_expect_eq(b.team.depth, 1);
    cr_expect_eq(b.quotes, 17);
    cr_expect_eq(b.staff_hits, 7);
    cr_expect_str_eq(b.budget_texts[0], "The budget is tight|S2");
    cr_expect_str_eq(b.budget_texts[1], "The budget for agency|-");
    free(path);
    free(dir);
}

/* libxml2's allocations failing (xml_fail.h), each in turn, while results.xml is read back: out of
 * memory is told as such, never printed, and never a file read short (the push parser goes on
 * without what libxml2 could not allocate: a halted parse read as a file that ended there). */
typedef struct read_back {
    const char *path;
    back ref, got;
} read_back;

static int read_results(long n, void *user, qc_error *err)
{
    (void)n;
    read_back *r = user;
    memset(&r->got, 0, sizeof r->got);
    qc_results_handlers h = {b_prov, b_doc, b_code, b_quote, &r->got};
    return qc_results_read(r->path, &h, err);
}

static void same_results(long n, int status, void *user)
{
    const read_back *r = user;
    if (status == 0)
        cr_assert(r->got.docs == r->ref.docs && r->got.codes == r->ref.codes && r->got.quotes == r->ref.quotes &&
                      r->got.staff_hits == r->ref.staff_hits,
                  "allocation %ld failing: read otherwise", n);
}

Test(results_xml, libxml2_out_of_memory_prints_nothing_and_is_told)
{
    char *dir = qct_temp_dir();
    char *path = write_golden(dir, "results.xml", 1, NULL);
    char err_path[1200];
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    read_back r = {.path = path};
    qc_error err;
    cr_assert_eq(read_results(0, &r, &err), 0, "%s", err.message);
    r.ref = r.got;
    xml_fail_call call = {read_results, same_results, &r};
    long n = xml_fail_each("results.xml", err_path, &call);
    cr_assert_gt(n, 5, "libxml2 allocated only %ld times", n);
    free(path);
    free(dir);
}

/* The same with the provenance's recorded options read on their own (qc_results_recorded_options,
 * which `qcode recode --from` reads the corpus by): an option whose name or value failed to copy
 * was dropped, and the corpus then read otherwise than the run read it. (The codebook's path and
 * SHA-256 in the same provenance, read by `export` and recode's search for the old codebook, got
 * the same mend in results_provenance.c; no public call reads them alone, so this sweep does not
 * reach them.) */
typedef struct recorded {
    const char *path;
    char ref[1024], got[1024];
} recorded;

static int add_recorded(const char *name, const char *value, void *user)
{
    char *text = user;
    size_t n = strlen(text);
    snprintf(text + n, 1024 - n, "%s=%s\n", name, value);
    return 0;
}

static int read_recorded(long n, void *user, qc_error *err)
{
    (void)n;
    recorded *r = user;
    r->got[0] = '\0';
    return qc_results_recorded_options(r->path, add_recorded, r->got, err);
}

static void same_recorded(long n, int status, void *user)
{
    const recorded *r = user;
    if (status == 0)
        cr_assert_str_eq(r->got, r->ref, "allocation %ld failing: other options", n);
}

Test(results_xml, libxml2_out_of_memory_drops_no_recorded_option)
{
    char *dir = qct_temp_dir();
    run g;
    code_golden(&g, 1);
    cr_assert_eq(qc_results_set_option(g.res, "encoding", "windows-1252", NULL), 0);
    cr_assert_eq(qc_results_set_option(g.res, "speakers", "none", NULL), 0);
    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/results.xml", dir);
    qc_error err;
    cr_assert_eq(qc_results_write_xml(g.res, path, NULL, &err), 0, "%s", err.message);
    run_free(&g);
    char err_path[1200];
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    recorded r = {.path = path};
    cr_assert_eq(read_recorded(-1, &r, &err), 0, "%s", err.message);
    memcpy(r.ref, r.got, sizeof r.ref);
    cr_assert_str_eq(r.ref, "encoding=windows-1252\nengine=fast\nspeakers=none\n");
    xml_fail_call call = {read_recorded, same_recorded, &r};
    long n = xml_fail_each("results.xml's provenance", err_path, &call);
    cr_assert_gt(n, 5, "libxml2 allocated only %ld times", n);
    free(path);
    free(dir);
}

static int stop_now(const qc_results_file_code *code, void *user)
{
    (void)code;
    (void)user;
    return 1;
}

Test(results_xml, reader_stops_when_asked_and_refuses_hostile_files)
{
    char *dir = qct_temp_dir();
    char *path = write_golden(dir, "results.xml", 1, NULL);
    qc_results_handlers h = {NULL, NULL, stop_now, NULL, NULL};
    cr_expect_eq(qc_results_read(path, &h, NULL), QC_ERR_CANCELLED);

    const char bomb[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE results [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n"
                        "<results xmlns=\"urn:qcode:results:1\" formatVersion=\"1\"><provenance/></results>\n";
    char *p = qct_write_file(dir, "bomb.xml", bomb, strlen(bomb));
    qc_error err;
    cr_expect_eq(qc_results_read(p, NULL, &err), QC_ERR_FORMAT);
    cr_expect(qct_contains(err.message, "DTD"), "%s", err.message);
    free(p);

    const char other[] = "<results xmlns=\"urn:example\"/>";
    p = qct_write_file(dir, "other.xml", other, strlen(other));
    cr_expect_eq(qc_results_read(p, NULL, &err), QC_ERR_FORMAT);
    cr_expect(qct_contains(err.message, "namespace"), "%s", err.message);
    free(p);

    const char broken[] =
        "<results xmlns=\"urn:qcode:results:1\" formatVersion=\"1\">\n<documents count=\"0\">\n</results>\n";
    p = qct_write_file(dir, "broken.xml", broken, strlen(broken));
    cr_expect_eq(qc_results_read(p, NULL, &err), QC_ERR_FORMAT);
    cr_expect_eq(err.line, 3, "line %u: %s", err.line, err.message);
    cr_expect(qct_contains(err.file, "broken.xml"));
    free(p);

    cr_expect_eq(qc_results_read("/nonexistent/results.xml", NULL, &err), QC_ERR_IO);
    free(path);
    free(dir);
}

Test(results_xml, a_failed_write_leaves_nothing)
{
    run r;
    code_golden(&r, 1);
    qc_error err;
    cr_expect_eq(qc_results_write_xml(r.res, "/nonexistent/dir/results.xml", NULL, &err), QC_ERR_IO);
    cr_expect(qct_contains(err.file, "/nonexistent/dir/results.xml"));
    char *dir = qct_temp_dir();
    char *target = qct_write_file(dir, "results.xml", "old", 3);
    /* a target that is a folder cannot be replaced: the rename fails, the temporary goes */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    cr_assert_eq(mkdir(sub, 0777), 0);
    cr_expect_eq(qc_results_write_xml(r.res, sub, NULL, &err), QC_ERR_IO);
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t entries = 0;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            entries++;
    closedir(d);
    cr_expect_eq(entries, 2, "only results.xml and sub/ remain");
    char *old = qct_read_file(target, NULL);
    cr_expect_str_eq(old, "old");
    free(old);
    free(target);
    free(dir);
    run_free(&r);
}

Test(results_xml, sample_corpus_output_is_valid)
{
    char *dir = qct_temp_dir();
    /* The default (format 2) and format 1, each against its schema. */
    static const char *const formats[] = {"", "--results-format 1"};
    static const char *const namespaces[] = {"urn:qcode:results:2", "urn:qcode:results:1"};
    for (size_t i = 0; i < 2; i++) {
        qct_run r;
        qct_qcode(&r, QCODE_SOURCE_DIR,
                  "code -c codebooks/integrated-care.qcb --cases corpora/integrated-care/cases.tsv -j 2 %s "
                  "-o '%s/s%zu.xml' corpora/integrated-care/",
                  formats[i], dir, i);
        cr_assert_eq(r.status, 0, "%s", r.err);
        char out[600];
        snprintf(out, sizeof out, "%s/s%zu.xml", dir, i);
        char *text = qct_read_file(out, NULL);
        cr_assert_not_null(text);
        cr_expect(strstr(text, namespaces[i]) != NULL, "code %s writes %s", formats[i], namespaces[i]);
        free(text);
        char why[512] = "";
        cr_expect_eq(validate(out, why, sizeof why), 0, "%s: %s", formats[i], why);
        qct_run_free(&r);
    }
    free(dir);
}

/* Quotation texts and speaker labels as qc_results_read gives them back. */
typedef struct texts_back {
    char first[512], speaker[64], doc_id[64], quote_doc_id[64];
    int quotes;
} texts_back;

static int tb_document(const qc_result_document *doc, size_t index, void *user)
{
    (void)index;
    texts_back *t = user;
    snprintf(t->doc_id, sizeof t->doc_id, "%s", doc->id);
    return 0;
}

static int tb_quote(const qc_result_quotation *q, void *user)
{
    texts_back *t = user;
    if (!t->quotes++) {
        snprintf(t->first, sizeof t->first, "%s", q->text);
        snprintf(t->quote_doc_id, sizeof t->quote_doc_id, "%s", q->document_id);
    }
    snprintf(t->speaker, sizeof t->speaker, "%s", q->speaker ? q->speaker : "-");
    return 0;
}

/* Codes one document with a codebook and writes results.xml into dir; checks it against the
 * schema. Returns the file's path (the caller frees it). */
static char *code_one_document(const char *cbtext, const char *name, const char *src, size_t len, const char *dir)
{
    qc_codebook *cb;
    qc_coder *coder;
    qc_results *res;
    qc_document *doc;
    qc_coding *coding;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "e.qcb", cbtext, strlen(cbtext), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_assert_eq(qc_document_read_buffer(&doc, name, src, len, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_add(res, doc, coding, NULL, &err), 0, "%s", err.message);
    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/results.xml", dir);
    cr_assert_eq(qc_results_write_xml(res, path, NULL, &err), 0, "%s", err.message);
    char why[256] = "";
    cr_expect_eq(validate(path, why, sizeof why), 0, "%s", why);
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
    return path;
}

Test(results_xml, markup_characters_and_controls_survive_the_round_trip)
{
    /* Every character XML escapes, a tab, a control character and U+FFFE: the file is valid and
     * gives back the text (controls and non-characters as U+FFFD, which XML cannot carry). The
     * document id has them too: libxml2 hands "&amp;" in an attribute on as "&#38;" unless told
     * to substitute, and an id read back so no longer matched its document (recode --from). */
    const char *src = "site: R&D <\"north\">\tA\n\n"
                      "Ann: The <zebra> & the \"zebra\"\tran \x1b off, \xef\xbf\xbe gone.\n"
                      "Ann: zebra again.\n";
    const char *cbtext = "codebook \"E\"\ncode Z \"Z\"\n  rule zebra\n";
    char *dir = qct_temp_dir();
    char *path = code_one_document(cbtext, "R&D <\"e\"> 'x'.txt", src, strlen(src), dir);
    qc_error err;
    texts_back t;
    memset(&t, 0, sizeof t);
    qc_results_handlers h = {NULL, tb_document, NULL, tb_quote, &t};
    cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
    cr_expect_str_eq(t.doc_id, "R&D <\"e\"> 'x'.txt");
    cr_expect_str_eq(t.quote_doc_id, "R&D <\"e\"> 'x'.txt");
    cr_expect_eq(t.quotes, 2);
    cr_expect_str_eq(t.speaker, "Ann");
    cr_expect_str_eq(t.first, "The <zebra> & the \"zebra\"\tran \xef\xbf\xbd off, \xef\xbf\xbd gone.");
    FILE *fp = fopen(path, "rb");
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    cr_expect_not_null(strstr(buf, "<text>The &lt;zebra&gt; &amp; the &quot;zebra&quot;\tran \xef\xbf\xbd off, "
                                   "\xef\xbf\xbd gone.</text>"),
                       "%s", buf);
    cr_expect_not_null(strstr(buf, "value=\"R&amp;D &lt;&quot;north&quot;&gt;&#9;A\""));
    free(path);
    free(dir);
}

/* 1 when a file in dir takes a direct (O_DIRECT) write: a page, page-aligned. tmpfs refuses it. */
static int takes_direct_io(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/direct-probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
    void *page = NULL;
    int ok = fd >= 0 && posix_memalign(&page, 4096, 4096) == 0;
    if (ok) {
        memset(page, ' ', 4096);
        ok = write(fd, page, 4096) == 4096;
    }
    free(page);
    if (fd >= 0)
        close(fd);
    unlink(path);
    return ok;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "%s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    cr_assert_eq(fread(data, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    data[n] = '\0';
    *len = (size_t)n;
    return data;
}

Test(results_xml, quotations_rendered_by_several_threads_give_the_same_bytes)
{
    /* Enough quotations (over 10,000) for the writer to split the codes between threads. */
    const char *cbtext = "codebook \"P\"\ncode A \"A\"\n  rule apple\ncode B \"B\"\n  rule banana\n"
                         "code C \"C\"\n  rule cherry\n  code C1 \"C1\"\n    rule damson\n";
    qc_codebook *cb;
    qc_coder *coder;
    qc_results *res;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "p.qcb", cbtext, strlen(cbtext), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    static const char *const fruit[] = {"apple", "banana", "cherry", "damson"};
    char *text = malloc(200000);
    for (int d = 0; d < 80; d++) {
        size_t len = 0;
        for (int s = 0; s < 400; s++)
            len += (size_t)sprintf(text + len, "%s: The %s & the <%s> went by.\n", s % 2 ? "I" : "P",
                                   fruit[(s + d) % 4], fruit[(s * 7 + d) % 4]);
        char name[32];
        snprintf(name, sizeof name, "f%02d.txt", d);
        qc_document *doc;
        qc_coding *coding;
        cr_assert_eq(qc_document_read_buffer(&doc, name, text, len, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
        cr_assert_eq(qc_results_add(res, doc, coding, NULL, &err), 0, "%s", err.message);
        qc_coding_free(coding);
        qc_document_free(doc);
    }
    free(text);
    qc_counts totals;
    qc_results_totals(res, &totals);
    cr_assert_gt(totals.quotations, 10000);
    /* Direct output needs a file system that takes it: the temporary folder's, else one made in
     * the build tree (the tests run there); without either, runs 0-4 write buffered too and the
     * comparison below only covers the render threads. */
    char *dir = qct_temp_dir();
    int in_build_tree = !takes_direct_io(dir);
    if (in_build_tree) {
        free(dir);
        char cwd[4096], tmpl[4200];
        cr_assert_not_null(getcwd(cwd, sizeof cwd));
        snprintf(tmpl, sizeof tmpl, "%s/direct-io-XXXXXX", cwd);
        cr_assert_not_null(mkdtemp(tmpl));
        dir = strdup(tmpl);
        if (!takes_direct_io(dir))
            qct_note("neither the temporary folder nor %s takes O_DIRECT: direct output is not tested", dir);
    }
    /* Runs 3 and 4 with 4 KB render blocks: threads rendering codes ahead of the one being written
     * fill the pipeline and wait (the code being written never does). Runs 5 and 6 write through
     * the page cache instead of direct I/O (the output, over 5 MB, fills one of its 4 MB
     * buffers and ends in a partial block). Run 7 writes directly through 8 KB buffers: hundreds of
     * them, written by every writer thread out of order and around the ring. */
    enum { RUNS = 8 };
    char *files[RUNS];
    size_t lens[RUNS];
    unsigned jobs[RUNS] = {1, 2, 3, 2, 3, 1, 3, 2};
    for (int i = 0; i < RUNS; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/r%d.xml", dir, i);
        if (i == 3)
            setenv("QCODE_TEST_RENDER_BLOCK", "4096", 1);
        if (i == 5) {
            unsetenv("QCODE_TEST_RENDER_BLOCK");
            setenv("QCODE_DIRECT_OUTPUT", "0", 1);
        }
        if (i == 7) {
            unsetenv("QCODE_DIRECT_OUTPUT");
            setenv("QCODE_TEST_DIRECT_STAGE", "8192", 1);
        }
        qc_write_options wo = QC_WRITE_OPTIONS_INIT;
        wo.time = "2026-01-01T00:00:00Z";
        wo.jobs = jobs[i];
        cr_assert_eq(qc_results_write_xml(res, path, &wo, &err), 0, "%s", err.message);
        files[i] = slurp(path, &lens[i]);
        if (i == 0) {
            char why[256] = "";
            cr_expect_eq(validate(path, why, sizeof why), 0, "%s", why);
        }
    }
    unsetenv("QCODE_DIRECT_OUTPUT");
    unsetenv("QCODE_TEST_DIRECT_STAGE");
    cr_assert_gt(lens[0], (4u << 20) + 4096); /* more than one direct-output buffer */
    for (int i = 1; i < RUNS; i++) {
        cr_expect_eq(lens[i], lens[0], "run %d, jobs %u: %zu bytes, jobs 1: %zu", i, jobs[i], lens[i], lens[0]);
        cr_expect(lens[i] == lens[0] && memcmp(files[i], files[0], lens[0]) == 0, "run %d, jobs %u gave other bytes", i,
                  jobs[i]);
    }
    for (int i = 0; i < RUNS; i++) {
        free(files[i]);
        if (in_build_tree) { /* the runner removes only the temporary folder's test folders */
            char path[4096];
            snprintf(path, sizeof path, "%s/r%d.xml", dir, i);
            unlink(path);
        }
    }
    if (in_build_tree)
        rmdir(dir);
    free(dir);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
}

/* Turn texts as qc_results_read gives them back, in order. */
typedef struct all_texts {
    char **texts;
    int count;
} all_texts;

static int at_quote(const qc_result_quotation *q, void *user)
{
    all_texts *a = user;
    a->texts[a->count++] = strdup(q->text);
    return 0;
}

/* What results.xml carries for a text: C0 controls but tab and LF, U+FFFE and U+FFFF as U+FFFD. */
static void expect_carried(const char *in, char *out)
{
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n') ||
            (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))) {
            out = memcpy(out, "\xef\xbf\xbd", 3) + 3;
            p += *p < 0x20 ? 1 : 3;
        } else {
            *out++ = (char)*p++;
        }
    }
    *out = '\0';
}

Test(results_xml, random_texts_come_back_escaped_at_every_position)
{
    /* Turns of random length mixing plain letters, every character the writer escapes and
     * multi-byte characters, so that each lands at every position of the 16-byte blocks the
     * escaper scans (and across their ends). Each turn is one quotation (scope turn). */
    static const char *const pieces[] = {"a",
                                         "b",
                                         "c",
                                         " ",
                                         "<",
                                         ">",
                                         "&",
                                         "\"",
                                         "'",
                                         "\t",
                                         "\x1b",
                                         "\x01",
                                         "\xc3\xa9",
                                         "\xef\xbf\xbe",
                                         "\xef\xbf\xbf",
                                         "\xef\xa3\xbf",
                                         "\xef\xbb\xbf",
                                         "\xe2\x80\x9c",
                                         "\xf0\x9f\x98\x80"};
    enum { TURNS = 300 };
    unsigned seed = 12345;
    char *src = malloc(TURNS * 200);
    char **want = calloc(TURNS, sizeof *want);
    size_t len = 0;
    for (int t = 0; t < TURNS; t++) {
        char body[200];
        size_t blen = 0;
        int n = (int)(t % 70);
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
            memcpy(body + blen, pc, strlen(pc));
            blen += strlen(pc);
        }
        body[blen] = '\0';
        /* "zebra" first: the rule's hit; last "zebra", or U+FFFE ending the text (every third). */
        const char *last = t % 3 == 2 ? "\xef\xbf\xbe" : " zebra";
        len += (size_t)sprintf(src + len, "P: zebra %s%s\n", body, last);
        want[t] = malloc(3 * blen + 16);
        char whole[220];
        snprintf(whole, sizeof whole, "zebra %s%s", body, last);
        expect_carried(whole, want[t]);
    }
    const char *cbtext = "codebook \"E\"\nscope turn\ncode Z \"Z\"\n  rule zebra\n";
    char *dir = qct_temp_dir();
    char *path = code_one_document(cbtext, "r.txt", src, len, dir);
    qc_error err;
    all_texts a = {calloc(TURNS + 1, sizeof(char *)), 0};
    qc_results_handlers h = {NULL, NULL, NULL, at_quote, &a};
    cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
    cr_assert_eq(a.count, TURNS);
    for (int t = 0; t < TURNS; t++) {
        cr_expect_str_eq(a.texts[t], want[t], "turn %d", t);
        free(a.texts[t]);
        free(want[t]);
    }
    free(a.texts);
    free(want);
    free(src);
    free(path);
    free(dir);
}

/* ---- what a results.xml cannot hold: each refused where it is written ---- */

/* One change to the golden results.xml: the first `from` at or after `after` becomes `to`. The
 * error points at `at` in `to` (NULL: at the start of `to`; "<": at the start tag holding it), or,
 * with `elsewhere`, at `at` in the first `elsewhere` of the changed file. */
typedef struct edit {
    const char *after, *from, *to, *at;
    const char *message; /* the whole message; NULL: the file is read without error */
    const char *elsewhere;
} edit;

/* Writes the changed text to dir/bad.xml; *line and *column: where the error should point (1-based,
 * the column in code points, as the reader counts them). */
static char *write_edit(const char *dir, const char *golden, const edit *e, uint32_t *line, uint32_t *column)
{
    const char *from = strstr(golden, e->after);
    cr_assert_not_null(from, "'%s' is not in the golden results.xml", e->after);
    from = strstr(from, e->from);
    cr_assert_not_null(from, "'%s' is not after '%s' in the golden results.xml", e->from, e->after);
    size_t head = (size_t)(from - golden), flen = strlen(e->from), tlen = strlen(e->to);
    size_t len = strlen(golden) - flen + tlen;
    char *text = malloc(len + 1);
    memcpy(text, golden, head);
    memcpy(text + head, e->to, tlen);
    strcpy(text + head + tlen, from + flen);
    const char *at = text + head, *end = text + head + tlen;
    if (e->elsewhere) {
        at = strstr(text, e->elsewhere);
        cr_assert_not_null(at, "'%s' is not in the changed file", e->elsewhere);
        end = at + strlen(e->elsewhere);
    }
    if (e->at && strcmp(e->at, "<") == 0) {
        while (at > text && *at != '<')
            at--;
    } else if (e->at) {
        at = strstr(at, e->at);
        cr_assert(at && at < end, "'%s' is not where the error should point", e->at);
    }
    *line = 1;
    *column = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            ++*line;
            *column = 1;
        } else if ((*p & 0xC0) != 0x80) {
            ++*column;
        }
    }
    char *path = qct_write_file(dir, "bad.xml", text, len);
    free(text);
    return path;
}

static int count_quote(const qc_result_quotation *q, void *user)
{
    (void)q;
    ++*(size_t *)user;
    return 0;
}

static void expect_edits(const edit *edits, size_t count)
{
    char *dir = qct_temp_dir();
    char *golden_path = write_golden(dir, "results.xml", 1, NULL);
    char *golden = qct_read_file(golden_path, NULL);
    for (size_t i = 0; i < count; i++) {
        const edit *e = &edits[i];
        uint32_t line, column;
        char *path = write_edit(dir, golden, e, &line, &column);
        size_t quotes = 0;
        qc_results_handlers h = {NULL, NULL, NULL, count_quote, &quotes};
        qc_error err;
        qc_error_clear(&err);
        int rc = qc_results_read_all(path, &h, &err);
        if (!e->message) {
            cr_expect_eq(rc, 0, "%s -> %s: %s", e->from, e->to, err.message);
            cr_expect_eq(quotes, 17, "%s -> %s", e->from, e->to);
        } else {
            cr_expect_eq(rc, QC_ERR_FORMAT, "%s -> %s: status %d, %s", e->from, e->to, rc, err.message);
            cr_expect_str_eq(err.message, e->message, "%s -> %s", e->from, e->to);
            cr_expect_eq(err.line, line, "%s -> %s: line %u, expected %u (%s)", e->from, e->to, err.line, line,
                         err.message);
            cr_expect_eq(err.column, column, "%s -> %s: column %u, expected %u (%s)", e->from, e->to, err.column,
                         column, err.message);
            cr_expect(qct_contains(err.file, "bad.xml"), "%s", err.file);
        }
        free(path);
    }
    free(golden);
    free(golden_path);
    free(dir);
}

/* The first quotation is COLOC's, a.txt (461 code points, 8 turns) turn 1 [92, 132), with one
 * hit [110, 121); COLOC (parent TEAM, depth 2) has 2 quotations and 2 hits of its own. */
#define Q1 "<quotations"

Test(results_xml, impossible_quotations_are_refused_where_they_are_written)
{
    static const edit edits[] = {
        {Q1, "start=\"92\" end=\"132\"", "start=\"140\" end=\"132\"",
         "start=", "quotation start 140 is after its end 132", NULL},
        {Q1, "end=\"132\"", "end=\"462\"", NULL, "quotation end 462 is past the end of a.txt, whose length is 461",
         NULL},
        {Q1, "turn=\"1\"", "turn=\"4294967296\"", NULL,
         "quotation turn 4294967296 is past the last turn of a.txt, which has 8 turns", NULL},
        {Q1, "turn=\"1\"", "turn=\"8\"", NULL, "quotation turn 8 is past the last turn of a.txt, which has 8 turns",
         NULL},
        {Q1, "document=\"a.txt\"", "document=\"z.txt\"", NULL,
         "quotation document \"z.txt\" is not listed in <documents>", NULL},
        {Q1, "role=\"participant\"", "role=\"boss\"", NULL,
         "quotation role \"boss\" is not participant, interviewer or unknown", NULL},
        {Q1, " start=\"92\"", "", "<", "quotation has no start attribute", NULL},
        {Q1, "role=\"participant\"", "role=\"participant\" coder=\"\"", "coder=", "quotation coder is empty", NULL},
        /* hits inside their quotation */
        {Q1, "start=\"110\"", "start=\"91\"", NULL, "hit start 91 is before its quotation's start 92", NULL},
        {Q1, "end=\"121\"", "end=\"133\"", NULL, "hit end 133 is past its quotation's end 132", NULL},
        {Q1, "start=\"110\"", "start=\"122\"", NULL, "hit start 122 is after its end 121", NULL},
        /* the edges are fine: a quotation may end at the document's end, in its last turn */
        {Q1, "end=\"132\"", "end=\"461\"", NULL, NULL, NULL},
        {Q1, "turn=\"1\"", "turn=\"7\"", NULL, NULL, NULL},
    };
    expect_edits(edits, sizeof edits / sizeof *edits);
}

Test(results_xml, malformed_numbers_and_unknown_versions_are_refused)
{
    static const edit edits[] = {
        {"", "<results formatVersion=\"1\"", "<results formatVersion=\"2\"", "formatVersion",
         "formatVersion \"2\" is not one this qcode reads (it reads formatVersion 1)", NULL},
        {"", "<results formatVersion=\"1\"", "<results", NULL,
         "<results> has no formatVersion attribute (this qcode reads formatVersion 1)", NULL},
        {Q1, "start=\"92\"", "start=\"-5\"", NULL, "quotation start \"-5\" is not a whole number", NULL},
        {Q1, "start=\"92\"", "start=\" 92\"", NULL, "quotation start \" 92\" is not a whole number", NULL},
        {Q1, "start=\"92\"", "start=\"+92\"", NULL, "quotation start \"+92\" is not a whole number", NULL},
        {Q1, "start=\"92\"", "start=\"92x\"", NULL, "quotation start \"92x\" is not a whole number", NULL},
        {Q1, "start=\"92\"", "start=\"\"", NULL, "quotation start \"\" is not a whole number", NULL},
        {Q1, "start=\"92\"", "start=\"99999999999999999999\"", NULL,
         "quotation start 99999999999999999999 is too large (at most 18446744073709551615)", NULL},
        {Q1, "line=\"10\"", "line=\"4294967296\"", NULL, "hit line 4294967296 is too large (at most 4294967295)", NULL},
        {"id=\"a.txt\"", "length=\"461\"", "length=\"4294967296\"", NULL,
         "document length 4294967296 is too large (at most 4294967295)", NULL},
        {"id=\"a.txt\"", "turns=\"8\"", "turns=\"x\"", NULL, "document turns \"x\" is not a whole number", NULL},
    };
    expect_edits(edits, sizeof edits / sizeof *edits);
}

Test(results_xml, counts_that_do_not_match_what_is_listed_are_refused)
{
    static const char *const coloc_count = "<code id=\"COLOC\" count=";
    static const edit edits[] = {
        {"", "<documents count=\"3\"", "<documents count=\"4\"", "count",
         "<documents> has count 4 but lists 3 documents", NULL},
        {"", "<codes count=\"9\"", "<codes count=\"8\"", "count", "<codes> has count 8 but lists 9 codes", NULL},
        {"", "<quotations count=\"17\"", "<quotations count=\"18\"", "count",
         "<quotations> has count 18 but lists 17 distinct quotations", NULL},
        {Q1, "<code id=\"COLOC\" count=\"2\"", "<code id=\"COLOC\" count=\"3\"", "count",
         "code COLOC in <quotations> has count 3 but lists 2 distinct quotations", NULL},
        /* a code's own counts in <codes> against its quotations: told at its count in <quotations> */
        {"id=\"COLOC\" name=", "<own hits=\"2\" quotations=\"2\"", "<own hits=\"2\" quotations=\"3\"", "count",
         "code COLOC in <quotations> has count 2 but 3 quotations of its own in <codes>", coloc_count},
        {"id=\"COLOC\" name=", "<own hits=\"2\"", "<own hits=\"3\"", "count",
         "the quotations of code COLOC list 2 hits but it has 3 hits of its own in <codes>", coloc_count},
        /* TEAM has no quotations of its own, so none listed */
        {"id=\"TEAM\" name=", "<own hits=\"0\" quotations=\"0\"", "<own hits=\"0\" quotations=\"1\"", "count",
         "code TEAM has 1 quotation of its own but <quotations> lists none", "<quotations count="},
        {Q1, "<code id=\"MEET\"", "<code id=\"COLOC\"", "id=", "the quotations of code COLOC are listed twice", NULL},
        {Q1, "<code id=\"MEET\"", "<code id=\"NOPE\"",
         "id=", "quotations of code \"NOPE\", which is not listed in <codes>", NULL},
        {"<documents", "id=\"b.txt\"", "id=\"a.txt\"", NULL, "document id \"a.txt\" is listed twice", NULL},
        {"<codes", "id=\"MEET\"", "id=\"COLOC\"", NULL, "code id \"COLOC\" is listed twice", NULL},
        /* the tree: parents first, depth 1 for a main code */
        {"id=\"COLOC\"", "parent=\"TEAM\"", "parent=\"IT\"", NULL,
         "code COLOC has parent \"IT\", which is not listed before it", NULL},
        {"id=\"COLOC\"", "depth=\"2\"", "depth=\"3\"", NULL, "code COLOC has depth 3 but its parent TEAM has depth 1",
         NULL},
        {"id=\"TEAM\"", "depth=\"1\"", "depth=\"2\"", NULL,
         "code TEAM has depth 2 but no parent (a main code has depth 1)", NULL},
    };
    expect_edits(edits, sizeof edits / sizeof *edits);
}

/* A results.xml cut anywhere (a disk that filled, a copy stopped half-way) says so, at the end of
 * what is left, whatever libxml2's own words were ("Extra content at the end of the document",
 * "Couldn't find end of Start Tag", "AttValue: ' expected" ...). Every cut of the golden file. */
Test(results_xml, a_cut_file_is_told_as_truncated_at_its_end)
{
    char *dir = qct_temp_dir();
    char *path = write_golden(dir, "results.xml", 1, NULL);
    size_t len = 0;
    char *text = qct_read_file(path, &len);
    cr_assert(len > 100 && text[len - 1] == '\n');
    size_t root = (size_t)(strchr(strstr(text, "<results"), '>') + 1 - text);
    /* where each cut ends: line and column (in code points) */
    uint32_t *line_at = malloc((len + 1) * sizeof *line_at), *column_at = malloc((len + 1) * sizeof *column_at);
    line_at[0] = column_at[0] = 1;
    for (size_t i = 0; i < len; i++) {
        int nl = text[i] == '\n';
        line_at[i + 1] = line_at[i] + (uint32_t)nl;
        column_at[i + 1] = nl ? 1 : column_at[i] + ((text[i] & 0xC0) != 0x80);
    }
    size_t cuts = 0, told = 0, at_end = 0;
    /* Shorter and shorter, in place: the file is written once. The first few misses are shown. */
    for (size_t cut = len - 2; cut > 0; cut--, cuts++) {
        cr_assert_eq(truncate(path, (off_t)cut), 0);
        qc_error err;
        qc_error_clear(&err);
        int rc = qc_results_read(path, NULL, &err);
        cr_assert_eq(rc, QC_ERR_FORMAT, "cut at %zu: status %d", cut, rc);
        const char *want =
            cut >= root ? "the file ends inside <" : "the file ends before its first element is complete";
        if (qct_contains(err.message, want) && qct_contains(err.message, " (truncated?)"))
            told++;
        else if (cuts - told < 5)
            cr_log_error("cut at %zu (...%.20s): %s", cut, text + (cut > 20 ? cut - 20 : 0), err.message);
        if (err.line == line_at[cut] && err.column == column_at[cut])
            at_end++;
        else if (cuts - at_end < 5)
            cr_log_error("cut at %zu: told at %u:%u, the end is %u:%u", cut, err.line, err.column, line_at[cut],
                         column_at[cut]);
    }
    cr_expect_eq(told, cuts, "%zu of %zu cuts told as truncated", told, cuts);
    cr_expect_eq(at_end, cuts, "%zu of %zu cuts told at the file's end", at_end, cuts);
    free(line_at);
    free(column_at);
    free(text);
    free(path);
    free(dir);
}

/* Every number of every quotation, in walk order: code, turn, start, end, hit count, then per hit
 * rule, line, column, start, end. */
typedef struct numbers {
    uint64_t *v;
    size_t n, cap;
} numbers;

static void numbers_put(numbers *s, uint64_t x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        cr_assert_not_null(s->v);
    }
    s->v[s->n++] = x;
}

static int collect_numbers(const qc_result_quotation *q, void *user)
{
    numbers *s = user;
    uint64_t head[] = {q->code, q->turn, q->start, q->end, q->hit_count};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        numbers_put(s, head[i]);
    for (size_t h = 0; h < q->hit_count; h++) {
        uint64_t hit[] = {q->hits[h].rule, q->hits[h].line, q->hits[h].column, q->hits[h].start, q->hits[h].end};
        for (size_t i = 0; i < sizeof hit / sizeof *hit; i++)
            numbers_put(s, hit[i]);
    }
    return 0;
}

/* The writer puts numbers' digits in place, last first, after counting them (xml_out.h): numbers
 * of every length from 1 to 7 digits (offsets past a million, codebook lines past ten thousand,
 * columns past a hundred, rule numbers past a hundred, turns past ten thousand) read back as the
 * results held them. */
/* The results of a codebook file over some transcript files, through qc_corpus_run (one job);
 * *book is the caller's to free after the results. */
static qc_results *code_files(const char *cb_path, const char *const *paths, size_t count, qc_codebook **book)
{
    qc_error err;
    cr_assert_eq(qc_codebook_load(book, cb_path, NULL, &err), 0, "%s", err.message);
    qc_results *res;
    cr_assert_eq(qc_results_new(&res, *book, NULL, NULL), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    cr_assert_eq(qc_corpus_run(paths, count, *book, NULL, &ro, NULL, &err), 0, "%s", err.message);
    return res;
}

Test(results_xml, numbers_of_every_length_read_back_as_written)
{
    char *dir = qct_temp_dir();
    /* The codebook: 12,000 comment lines, a code with 120 rules, a code with one rule of 120
     * alternatives (columns up to about 900). */
    size_t cap = 1 << 20, len = 0;
    char *cb = malloc(cap);
    len += (size_t)sprintf(cb + len, "codebook \"Numbers\" version 1\nscope sentence\n");
    for (int i = 0; i < 12000; i++)
        len += (size_t)sprintf(cb + len, "# padding\n");
    len += (size_t)sprintf(cb + len, "code MANY \"Many rules\"\n");
    for (int r = 0; r < 120; r++)
        len += (size_t)sprintf(cb + len, "  rule w%03d\n", r);
    len += (size_t)sprintf(cb + len, "code WIDE \"One wide rule\"\n  rule w000");
    for (int r = 1; r < 120; r++)
        len += (size_t)sprintf(cb + len, " OR w%03d", r);
    len += (size_t)sprintf(cb + len, "\n");
    char *cbp = qct_write_file(dir, "numbers.qcb", cb, len);
    /* The transcript: 24,000 turns of a sentence holding three of the words, about 1.2 MB. */
    cap = 2 << 20;
    char *doc = malloc(cap);
    len = 0;
    for (int t = 0; t < 24000; t++)
        len += (size_t)sprintf(doc + len, "S%d: w%03d and w%03d and w%03d, said the team today.\n", t % 50, t % 120, (t * 7 + 3) % 120,
                               (t * 13 + 5) % 120);
    cr_assert_lt(len, cap);
    char *docp = qct_write_file(dir, "numbers.txt", doc, len);

    qc_codebook *book;
    qc_error err;
    const char *paths[] = {docp};
    qc_results *res = code_files(cbp, paths, 1, &book);

    numbers before = {0}, after = {0};
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, collect_numbers, &before, &err), 0, "%s",
                 err.message);
    uint64_t max_start = 0, max_line = 0, max_column = 0, max_rule = 0, max_turn = 0;
    for (size_t i = 0; i < before.n;) {
        uint64_t hits = before.v[i + 4];
        if (before.v[i + 1] > max_turn)
            max_turn = before.v[i + 1];
        if (before.v[i + 2] > max_start)
            max_start = before.v[i + 2];
        for (uint64_t h = 0; h < hits; h++) {
            const uint64_t *hit = before.v + i + 5 + 5 * h;
            max_rule = hit[0] > max_rule ? hit[0] : max_rule;
            max_line = hit[1] > max_line ? hit[1] : max_line;
            max_column = hit[2] > max_column ? hit[2] : max_column;
        }
        i += 5 + 5 * hits;
    }
    cr_assert_gt(max_start, 1000000, "the offsets do not reach 7 digits");
    cr_assert_gt(max_line, 10000);
    cr_assert_gt(max_column, 100);
    cr_assert_gt(max_rule, 100);
    cr_assert_gt(max_turn, 10000);

    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/results.xml", dir);
    cr_assert_eq(qc_results_write_xml(res, path, NULL, &err), 0, "%s", err.message);
    qc_results_handlers h = {NULL, NULL, NULL, collect_numbers, &after};
    cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
    cr_assert_eq(after.n, before.n);
    for (size_t i = 0; i < before.n; i++)
        cr_assert_eq(after.v[i], before.v[i], "number %zu: %llu written, %llu read back", i,
                     (unsigned long long)before.v[i], (unsigned long long)after.v[i]);

    free(before.v);
    free(after.v);
    qc_results_free(res);
    qc_codebook_free(book);
    free(path);
    free(cb);
    free(doc);
    free(cbp);
    free(docp);
    free(dir);
}

/* Each quotation's document, speaker and role, as "document|speaker|role" lines. */
typedef struct who_list {
    char *text;
    size_t len, cap;
} who_list;

static int collect_who(const qc_result_quotation *q, void *user)
{
    who_list *w = user;
    const char *sp = q->speaker ? q->speaker : "(none)";
    size_t need = strlen(q->document_id) + strlen(sp) + 32;
    if (w->len + need >= w->cap) {
        w->cap = 2 * (w->len + need);
        w->text = realloc(w->text, w->cap);
        cr_assert_not_null(w->text);
    }
    w->len += (size_t)sprintf(w->text + w->len, "%s|%s|%d\n", q->document_id, sp, (int)q->role);
    return 0;
}

/* The writer keeps a quotation's document, speaker and role attributes as written while the next
 * quotations repeat them (write_xml.c): documents whose names need escaping or are too long to
 * keep, speakers alternating turn by turn, rendered on one thread and on several, read back as the
 * walk gave them. */
Test(results_xml, repeated_document_speaker_and_role_attributes_read_back)
{
    char *dir = qct_temp_dir();
    const char *cb = "codebook \"Who\" version 1\nscope sentence\nspeakers all\ncode W \"Word\"\n  rule budget\n";
    char *cbp = qct_write_file(dir, "who.qcb", cb, strlen(cb));
    char long_name[200];
    memset(long_name, 'n', 150);
    strcpy(long_name + 150, ".txt");
    const char *names[] = {"<one> \"two\" 'three' & four.txt", long_name, "plain.txt"};
    char *paths[3];
    size_t cap = 1 << 16, len;
    char *doc = malloc(cap);
    for (int d = 0; d < 3; d++) {
        len = 0;
        for (int t = 0; t < 300; t++)
            len += (size_t)sprintf(doc + len, "%s: The budget %d. Another budget here.\n",
                                   t % 5 == 0 ? "Interviewer" : (t % 2 ? "P1" : "S2"), t);
        paths[d] = qct_write_file(dir, names[d], doc, len);
    }
    qc_codebook *book;
    qc_error err;
    qc_results *res = code_files(cbp, (const char *const *)paths, 3, &book);
    who_list walked = {0};
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, collect_who, &walked, &err), 0, "%s", err.message);
    cr_assert_not_null(strstr(walked.text, "<one> \"two\" 'three' & four.txt|P1|"), "%.200s", walked.text);
    cr_assert_not_null(strstr(walked.text, "|Interviewer|"), "%.200s", walked.text);
    cr_assert_not_null(strstr(walked.text, long_name));
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/results-%u.xml", dir, jobs);
        qc_write_options wo = QC_WRITE_OPTIONS_INIT;
        wo.jobs = jobs;
        cr_assert_eq(qc_results_write_xml(res, path, &wo, &err), 0, "%s", err.message);
        who_list read = {0};
        qc_results_handlers h = {NULL, NULL, NULL, collect_who, &read};
        cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
        cr_assert_eq(read.len, walked.len, "jobs %u", jobs);
        cr_assert(memcmp(read.text, walked.text, walked.len) == 0, "jobs %u: the attributes read back differ", jobs);
        free(read.text);
    }
    free(walked.text);
    qc_results_free(res);
    qc_codebook_free(book);
    for (int d = 0; d < 3; d++)
        free(paths[d]);
    free(doc);
    free(cbp);
    free(dir);
}

/* Each document's ' document="…"' and each respondent's ' speaker="…"' are escaped once for the
 * file and copied into every quotation and byDocument or bySpeaker row (write_xml.c, attr_table):
 * ids longer than the buffer they are escaped in and full of characters to escape, for many
 * documents, read back as given on one thread and on several. */
Test(results_xml, long_escaped_document_ids_read_back_in_every_row)
{
    char *dir = qct_temp_dir();
    const char *cbtext = "codebook \"Ids\" version 1\nscope sentence\ncode W \"Word\"\n  rule budget\n";
    qc_codebook *cb;
    qc_coder *coder;
    qc_results *res;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "ids.qcb", cbtext, strlen(cbtext), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    enum { DOCS = 40 };
    static char ids[DOCS][6100];
    for (int d = 0; d < DOCS; d++) {
        size_t n = d % 3 == 0 ? 6000 : (size_t)(5 + d * 7);
        for (size_t i = 0; i < n; i++)
            ids[d][i] = "ab&<\">'c"[(i + (size_t)d) % 8];
        snprintf(ids[d] + n, sizeof ids[d] - n, "#%d", d);
        /* Unlabelled text's respondent is its document: the speaker table escapes ids too. */
        char src[256];
        int len = d % 2 ? snprintf(src, sizeof src, "The budget. Another budget.\n")
                        : snprintf(src, sizeof src, "P%d: The budget. Another budget.\nS%d: A budget.\n", d, d);
        qc_read_options ro = QC_READ_OPTIONS_INIT;
        ro.id = ids[d];
        qc_document *doc;
        qc_coding *coding;
        cr_assert_eq(qc_document_read_buffer(&doc, "d.txt", src, (size_t)len, &ro, &err), 0, "%s", err.message);
        cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
        cr_assert_eq(qc_results_add(res, doc, coding, NULL, &err), 0, "%s", err.message);
        qc_coding_free(coding);
        qc_document_free(doc);
    }
    who_list walked = {0};
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, collect_who, &walked, &err), 0, "%s", err.message);
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/ids-%u.xml", dir, jobs);
        qc_write_options wo = QC_WRITE_OPTIONS_INIT;
        wo.jobs = jobs;
        cr_assert_eq(qc_results_write_xml(res, path, &wo, &err), 0, "%s", err.message);
        who_list read = {0};
        qc_results_handlers h = {NULL, NULL, NULL, collect_who, &read};
        cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
        cr_assert_eq(read.len, walked.len, "jobs %u", jobs);
        cr_assert(memcmp(read.text, walked.text, walked.len) == 0, "jobs %u: the attributes read back differ", jobs);
        free(read.text);
        /* The rows by document and by speaker name them too. */
        size_t flen = 0;
        char *xml = slurp(path, &flen);
        cr_assert_not_null(xml);
        cr_expect_not_null(strstr(xml, "<byDocument document=\"ab&amp;&lt;&quot;&gt;'cab&amp;"));
        cr_expect_not_null(strstr(xml, "<bySpeaker speaker=\"S6\">"));
        cr_expect_not_null(strstr(xml, "<bySpeaker speaker=\"&gt;'cab&amp;&lt;&quot;&gt;'cab"));
        free(xml);
    }
    free(walked.text);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
    free(dir);
}

/* A results.xml whose bytes are not its declared encoding is refused wherever the bad byte falls.
 * libxml2 says so only through its generic error function; its push parser then stops as if the
 * file had ended, and the file read as one without its codes (xmlParseChunk returns
 * XML_ERR_INVALID_ENCODING when the byte is in the first piece read, -1 when in a later one). The
 * byte is put on each side of the reader's first two 256 KiB boundaries, after a long comment. */
Test(results_xml, bytes_not_in_the_declared_encoding_are_refused_wherever_they_fall)
{
    char *ok_path = qct_source_path("tests/bad/_ok-results.xml");
    size_t ok_len = 0;
    char *ok = qct_read_file(ok_path, &ok_len);
    cr_assert_not_null(ok);
    const char *docs = strstr(ok, "<documents"), *word = strstr(ok, "co-located");
    cr_assert(docs && word && docs < word);
    char *dir = qct_temp_dir();
    size_t cap = ok_len + (600u << 10);
    char *buf = malloc(cap);
    for (int bad = 0; bad <= 1; bad++) {
        for (size_t boundary = 256u << 10; boundary <= 512u << 10; boundary += 256u << 10) {
            for (int d = -24; d <= 24; d += 4) {
                /* header (its encoding renamed) + comment of `pad` bytes + the rest; the bad bytes
                 * replace "co-" in "co-located", at `boundary + d` */
                const char *decl = bad ? "ISO-2022-JP" : "UTF-8";
                size_t head = (size_t)(docs - ok), n = 0;
                n += (size_t)snprintf(buf + n, cap - n, "%.*s", (int)head, ok);
                char *enc = strstr(buf, "UTF-8");
                cr_assert_not_null(enc);
                char tail[64];
                snprintf(tail, sizeof tail, "%s", enc + 5);
                n = (size_t)(enc - buf) + (size_t)snprintf(enc, cap - (size_t)(enc - buf), "%s%s", decl, tail);
                size_t to_word = (size_t)(word - docs);
                size_t target = (size_t)((long)boundary + d), fixed = n + 10 + to_word; /* "<!-- ", " -->\n" */
                cr_assert_gt(target, fixed);
                n += (size_t)snprintf(buf + n, cap - n, "<!-- ");
                memset(buf + n, 'x', target - fixed);
                n += target - fixed;
                n += (size_t)snprintf(buf + n, cap - n, " -->\n");
                memcpy(buf + n, docs, ok_len - head);
                cr_assert_eq(memcmp(buf + target, "co-", 3), 0);
                if (bad)
                    memcpy(buf + target, "\xff\xfe-", 3);
                n += ok_len - head;
                char *path = qct_write_file(dir, "r.xml", buf, n);
                qc_results_handlers h = {0};
                qc_error err;
                int rc = qc_results_read(path, &h, &err);
                if (bad) {
                    cr_expect_eq(rc, QC_ERR_FORMAT, "bad bytes at %zu: read with status %d", target, rc);
                    cr_expect(rc == QC_OK || strstr(err.message, "encoding it declares"), "at %zu: %s", target,
                              err.message);
                    cr_expect(rc == QC_OK || (err.line > 0 && strstr(err.file, "r.xml")),
                              "at %zu: no file and line", target);
                } else {
                    cr_expect_eq(rc, QC_OK, "the padded file at %zu does not read: %s", target, err.message);
                }
                unlink(path);
                free(path);
            }
        }
    }
    free(buf);
    rmdir(dir);
    free(dir);
    free(ok);
    free(ok_path);
}

/* A regex that stopped at its limit in a document makes the counts of its code short there: the
 * run says so on stderr, and results.xml says so in the document's <issue>, in both formats, from
 * the cache as from a fresh coding, with one job or two; the file stays valid and reads back. */
Test(results_xml, a_regex_stopped_at_its_limit_is_an_issue_of_the_document)
{
    char *dir = qct_temp_dir();
    static const char cb[] = "codebook \"L\"\ncode OFFICE \"o\"\n  rule office\ncode LONGA \"a\"\n  rule /(a+)+$/\n";
    free(qct_write_file(dir, "lim.qcb", cb, strlen(cb)));
    size_t n = 20000;
    char *text = malloc(n + 64);
    cr_assert_not_null(text);
    strcpy(text, "P1: ");
    memset(text + 4, 'a', n);
    strcpy(text + 4 + n, "b! The office is fine.\nP2: The office.\n");
    free(qct_write_file(dir, "long.txt", text, strlen(text)));
    free(text);
    static const char fine[] = "P1: The office.\nP2: Yes.\n";
    free(qct_write_file(dir, "fine.txt", fine, strlen(fine)));
    static const char issue[] = "<issue>code LONGA, rule at line 5: regex /(a+)+$/ stopped at the regex limit in 1 "
                                "unit (first at line 1, column 5 of long.txt); its hits there after the limit are "
                                "missing, the rest of the document was coded</issue>";
    static const char *const runs[] = {"-j 1 --results-format 2", "-j 1 --results-format 1", "-j 2 --cache C",
                                       "-j 2 --cache C", "-j 1 --cache C --results-format 1"};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        qct_run r;
        qct_qcode(&r, dir, "code -c lim.qcb %s -o r%zu.xml long.txt fine.txt", runs[i], i);
        cr_assert_eq(r.status, 0, "%s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.err, "long.txt: warning: code LONGA, rule at line 5"), "%s: %s", runs[i], r.err);
        qct_run_free(&r);
        char name[32], path[1200], why[512] = "";
        snprintf(name, sizeof name, "r%zu.xml", i);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        char *xml = qct_read_in(dir, name);
        const char *at = strstr(xml, issue);
        cr_expect_not_null(at, "%s:\n%s", runs[i], xml);
        cr_expect(at && !strstr(at + 1, "<issue>"), "one issue, on long.txt: %s", xml);
        const char *fine_doc = strstr(xml, "id=\"fine.txt\"");
        cr_expect(fine_doc && at && at < fine_doc, "the issue is long.txt's: %s", xml);
        free(xml);
        cr_expect_eq(validate(path, why, sizeof why), 0, "%s: %s", runs[i], why);
        qct_qcode(&r, dir, "recode --from %s -c lim.qcb long.txt fine.txt", name);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i], r.err);
        cr_expect(qct_contains(r.out, "0 gained, 0 lost"), "%s: %s", runs[i], r.out);
        qct_run_free(&r);
    }
    free(dir);
}
