/* qcode code --manual: codings people made count in the results like quotations of their spans,
 * are listed by coder in results.xml and quotations.tsv, travel to a .qdpx once, and every coding
 * that cannot be counted is a warning naming its manual.xml line. The manual codings are made here
 * from a run on the shipped sample corpus (an engine quotation coded again by a person, and a
 * participant turn no code touched), and the expected counts are computed from that first run. */
#include "qc_test.h"
#include "quotes_counts.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdatomic.h>
#include <strings.h>

#define CORPUS QCODE_SOURCE_DIR "/corpora/integrated-care"
#define CODEBOOK QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb"
#define CASES CORPUS "/cases.tsv"

/* A span as a results walk gives it. */
typedef struct span {
    size_t code, document, start, end, turn;
    char *doc_id, *speaker, *text;
} span;

typedef struct spans {
    span first_sub; /* the first engine quotation of a code that has a parent */
    span uncoded;   /* the first participant turn no code touched */
    int have_sub, have_uncoded;
    const qc_codebook *cb;
} spans;

static void span_set(span *s, const qc_result_quotation *q)
{
    *s = (span){q->code,
                q->document,
                q->start,
                q->end,
                q->turn,
                strdup(q->document_id),
                q->speaker ? strdup(q->speaker) : NULL,
                strdup(q->text)};
}

static void span_free(span *s)
{
    free(s->doc_id);
    free(s->speaker);
    free(s->text);
}

static int pick_sub(const qc_result_quotation *q, void *user)
{
    spans *sp = user;
    if (!sp->have_sub && qc_code_parent(sp->cb, q->code) >= 0) {
        span_set(&sp->first_sub, q);
        sp->have_sub = 1;
    }
    return 0;
}

static int pick_uncoded(const qc_result_quotation *q, void *user)
{
    spans *sp = user;
    if (!sp->have_uncoded) {
        span_set(&sp->uncoded, q);
        sp->have_uncoded = 1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The corpus files in name order (their ids are their names, as qcode code gives them). */
static size_t corpus_files(char ***out)
{
    DIR *d = opendir(CORPUS);
    cr_assert_not_null(d);
    char **paths = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || e->d_name[0] == '.' ||
            !(strcmp(dot, ".txt") == 0 || strcmp(dot, ".md") == 0 || strcmp(dot, ".vtt") == 0 ||
              strcmp(dot, ".srt") == 0 || strcmp(dot, ".docx") == 0))
            continue;
        paths = realloc(paths, (n + 1) * sizeof *paths);
        size_t len = strlen(CORPUS) + strlen(e->d_name) + 2;
        paths[n] = malloc(len);
        snprintf(paths[n++], len, "%s/%s", CORPUS, e->d_name);
    }
    closedir(d);
    qsort(paths, n, sizeof *paths, by_name);
    *out = paths;
    return n;
}

typedef struct warnings {
    uint32_t lines[16];
    char *messages[16];
    size_t count;
} warnings;

static void on_warning(const qc_diagnostic *diag, void *user)
{
    warnings *w = user;
    if (w->count < 16) {
        w->lines[w->count] = diag->line;
        w->messages[w->count++] = strdup(diag->message);
    }
}

static qc_results *run(const qc_codebook *cb, const qc_casebook *cases, qc_manual *manual)
{
    char **paths;
    size_t n = corpus_files(&paths);
    cr_assert_gt(n, 10);
    qc_results *res = NULL;
    qc_error err;
    cr_assert_eq(qc_results_new(&res, cb, cases, &err), 0, "%s", err.message);
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    opts.manual = manual;
    opts.jobs = 2;
    qc_run_stats stats;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, n, cb, cases, &opts, &stats, &err), 0, "%s", err.message);
    cr_assert_eq(stats.failed, 0);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return res;
}

static void put_escaped(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: putc(*s, fp);
        }
    }
}

static void put_coding(FILE *fp, const char *code, const char *doc, size_t start, size_t end, const char *coder,
                       const char *text)
{
    fputs("  <coding code=\"", fp);
    put_escaped(fp, code);
    fputs("\" document=\"", fp);
    put_escaped(fp, doc);
    fprintf(fp, "\" start=\"%zu\" end=\"%zu\" coder=\"%s\"><text>", start, end, coder);
    put_escaped(fp, text);
    fputs("</text></coding>\n", fp);
}

/* The manual.xml of these tests: one coding a line from line 3 on.
 *   3: the sub-code quotation E, again by Alice (same code, same span as the engine's)
 *   4: code X on the uncoded turn U, by Bob
 *   5: code X on U, by Alice
 *   6: code X on U less its last code point, with text the document no longer has: warned
 *   7: an unknown code on U, warned
 *   8: code X on a document that is not in the corpus, warned */
static char *write_manual(const char *dir, const qc_codebook *cb, const spans *sp)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/manual.xml", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    const span *e = &sp->first_sub, *u = &sp->uncoded;
    const char *x = qc_code_id(cb, e->code);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\" generator=\"test\">\n", fp);
    put_coding(fp, x, e->doc_id, e->start, e->end, "Alice", e->text);
    put_coding(fp, x, u->doc_id, u->start, u->end, "Bob", u->text);
    put_coding(fp, x, u->doc_id, u->start, u->end, "Alice", u->text);
    put_coding(fp, x, u->doc_id, u->start, u->end - 1, "Alice", "Words the transcript no longer has.");
    put_coding(fp, "NO_SUCH_CODE", u->doc_id, u->start, u->end, "Alice", u->text);
    put_coding(fp, x, "no-such-document.txt", 0, 1, "Alice", "x");
    fputs("</manual>\n", fp);
    fclose(fp);
    return strdup(path);
}

typedef struct fixture {
    qc_codebook *cb;
    qc_casebook *cases;
    spans sp;
    char *dir, *manual;
} fixture;

static void fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    qc_error err;
    cr_assert_eq(qc_codebook_load(&f->cb, CODEBOOK, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_casebook_load(&f->cases, CASES, &err), 0, "%s", err.message);
    qc_results *res = run(f->cb, f->cases, NULL);
    f->sp.cb = f->cb;
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, pick_sub, &f->sp, &err), 0);
    cr_assert_eq(qc_results_foreach_uncoded(res, pick_uncoded, &f->sp, &err), 0);
    cr_assert(f->sp.have_sub && f->sp.have_uncoded, "the sample corpus has a sub-code quotation and an uncoded turn");
    qc_results_free(res);
    f->dir = qct_temp_dir();
    f->manual = write_manual(f->dir, f->cb, &f->sp);
}

static void fixture_close(fixture *f)
{
    span_free(&f->sp.first_sub);
    span_free(&f->sp.uncoded);
    free(f->manual);
    free(f->dir);
    qc_casebook_free(f->cases);
    qc_codebook_free(f->cb);
}

static long respondent_index(const qc_results *res, const char *label)
{
    for (size_t r = 0; r < qc_results_respondent_count(res); r++)
        if (strcmp(qc_results_respondent(res, r, NULL), label) == 0)
            return (long)r;
    return -1;
}

static long value_index(const qc_results *res, size_t attr, const char *value)
{
    for (size_t v = 0; v < qc_results_attribute_value_count(res, attr); v++)
        if (strcmp(qc_results_attribute_value(res, attr, v, NULL), value) == 0)
            return (long)v;
    return -1;
}

/* U's value for a results attribute: its speaker's in the casebook, else its document's header. */
static const char *uncoded_value(const fixture *f, const qc_results *res, size_t attr)
{
    const span *u = &f->sp.uncoded;
    const char *name = qc_results_attribute_name(res, attr);
    for (size_t i = 0; i < qc_casebook_attribute_count(f->cases); i++)
        if (strcmp(qc_casebook_attribute_name(f->cases, i), name) == 0) {
            const char *v = qc_casebook_value(f->cases, u->doc_id, u->speaker, i);
            if (v)
                return v;
        }
    for (size_t i = 0; i < qc_results_document_attribute_count(res, u->document); i++) {
        const char *key, *value;
        qc_results_document_attribute(res, u->document, i, &key, &value);
        if (strcasecmp(key, name) == 0)
            return value;
    }
    return NULL;
}

static int in_subtree(const qc_codebook *cb, size_t code, size_t ancestor)
{
    for (long c = (long)code; c >= 0; c = qc_code_parent(cb, (size_t)c))
        if ((size_t)c == ancestor)
            return 1;
    return 0;
}

static void expect_counts(const qc_counts *got, const qc_counts *want, const char *what, const char *code)
{
    cr_expect_eq(got->hits, want->hits, "%s %s: hits %llu, want %llu", what, code, (unsigned long long)got->hits,
                 (unsigned long long)want->hits);
    cr_expect_eq(got->quotations, want->quotations, "%s %s: quotations %llu, want %llu", what, code,
                 (unsigned long long)got->quotations, (unsigned long long)want->quotations);
    cr_expect_eq(got->respondents, want->respondents, "%s %s: respondents %llu, want %llu", what, code,
                 (unsigned long long)got->respondents, (unsigned long long)want->respondents);
    cr_expect_eq(got->documents, want->documents, "%s %s: documents %llu, want %llu", what, code,
                 (unsigned long long)got->documents, (unsigned long long)want->documents);
}

Test(manual_results, counts_move_by_the_manual_codings_and_no_more)
{
    fixture f;
    fixture_open(&f);
    qc_results *before = run(f.cb, f.cases, NULL);
    warnings w = {0};
    qc_manual *m = NULL;
    qc_error err;
    cr_assert_eq(qc_manual_load(&m, f.manual, f.cb, on_warning, &w, &err), 0, "%s", err.message);
    qc_results *after = run(f.cb, f.cases, m);
    qc_manual_finish(m);

    /* Expected: E adds nothing (the engine coded that span already); U adds one quotation of X
     * (two coders, one passage), no hits, to X's own counts and to X and its ancestors' rolled-up
     * counts, with a respondent or document only where U's were not counted yet. */
    const span *u = &f.sp.uncoded;
    size_t x = f.sp.first_sub.code;
    const char *resp_label = u->speaker ? u->speaker : u->doc_id;
    long r0 = respondent_index(before, resp_label), r1 = respondent_index(after, resp_label);
    cr_assert(r0 >= 0 && r1 >= 0);
    size_t n = qc_codebook_code_count(f.cb);
    for (size_t c = 0; c < n; c++) {
        const char *id = qc_code_id(f.cb, c);
        for (int mode = QC_OWN; mode <= QC_ROLLED_UP; mode++) {
            int moves = mode == QC_OWN ? c == x : in_subtree(f.cb, x, c);
            qc_counts want, got, in_doc, of_resp;
            qc_results_code_counts(before, c, (qc_rollup)mode, &want);
            qc_results_document_counts(before, u->document, c, (qc_rollup)mode, &in_doc);
            qc_results_respondent_counts(before, (size_t)r0, c, (qc_rollup)mode, &of_resp);
            if (moves) {
                want.quotations++;
                want.documents += in_doc.quotations == 0;
                want.respondents += of_resp.quotations == 0;
            }
            qc_results_code_counts(after, c, (qc_rollup)mode, &got);
            expect_counts(&got, &want, mode ? "rolled up" : "own", id);

            qc_counts got_doc;
            qc_results_document_counts(after, u->document, c, (qc_rollup)mode, &got_doc);
            cr_expect_eq(got_doc.quotations, in_doc.quotations + (uint64_t)moves, "document %s, code %s", u->doc_id,
                         id);
            cr_expect_eq(got_doc.hits, in_doc.hits, "document %s, code %s", u->doc_id, id);

            qc_counts got_resp;
            qc_results_respondent_counts(after, (size_t)r1, c, (qc_rollup)mode, &got_resp);
            cr_expect_eq(got_resp.quotations, of_resp.quotations + (uint64_t)moves, "respondent %s, code %s",
                         resp_label, id);
            cr_expect_eq(got_resp.hits, of_resp.hits, "respondent %s, code %s", resp_label, id);
        }
    }
    /* Breakdowns: U's value of each attribute gains X's quotation, nothing else moves. */
    cr_assert_eq(qc_results_attribute_count(after), qc_results_attribute_count(before));
    size_t moved_values = 0;
    for (size_t a = 0; a < qc_results_attribute_count(after); a++) {
        const char *uv = uncoded_value(&f, after, a);
        for (size_t v = 0; v < qc_results_attribute_value_count(after, a); v++) {
            const char *value = qc_results_attribute_value(after, a, v, NULL);
            long v0 = value_index(before, a, value);
            cr_assert(v0 >= 0, "value %s of %s", value, qc_results_attribute_name(after, a));
            int hit = uv && strcmp(uv, value) == 0;
            moved_values += (size_t)hit;
            for (size_t c = 0; c < n; c++) {
                qc_counts want, got;
                qc_results_attribute_counts(before, a, (size_t)v0, c, QC_OWN, &want);
                qc_results_attribute_counts(after, a, v, c, QC_OWN, &got);
                cr_expect_eq(got.quotations, want.quotations + (uint64_t)(hit && c == x), "%s=%s, code %s",
                             qc_results_attribute_name(after, a), value, qc_code_id(f.cb, c));
            }
        }
    }
    cr_expect_gt(moved_values, 0, "U has some attribute value in the sample casebook");
    /* Co-occurrence: U touched no code before, so X gains sentences with itself only. */
    for (size_t c = 0; c < n; c++) {
        if (c == x)
            cr_expect_gt(qc_results_cooccurrence(after, x, x), qc_results_cooccurrence(before, x, x));
        else
            cr_expect_eq(qc_results_cooccurrence(after, x, c), qc_results_cooccurrence(before, x, c), "X with %s",
                         qc_code_id(f.cb, c));
    }
    qc_counts t0, t1;
    qc_results_totals(before, &t0);
    qc_results_totals(after, &t1);
    cr_expect_eq(t1.quotations, t0.quotations + 1);
    cr_expect_eq(t1.hits, t0.hits);
    qc_uncoded_summary s0, s1;
    qc_results_uncoded(before, &s0);
    qc_results_uncoded(after, &s1);
    cr_expect_eq(s1.uncoded_turns, s0.uncoded_turns - 1);
    cr_expect_eq(s1.uncoded_length, s0.uncoded_length - (u->end - u->start));

    /* What was not counted, each named by its line. */
    qc_manual_stats st;
    qc_manual_get_stats(m, &st);
    cr_expect_eq(st.codings, 6);
    cr_expect_eq(st.counted, 3);
    cr_expect_eq(st.coders, 2);
    cr_expect_eq(st.warnings, 3);
    cr_assert_eq(w.count, 3);
    uint32_t lines[3] = {0};
    for (size_t i = 0; i < w.count; i++) {
        uint32_t l = w.lines[i];
        cr_expect(l >= 6 && l <= 8, "warning at line %u: %s", l, w.messages[i]);
        if (l >= 6 && l <= 8)
            lines[l - 6]++;
        const char *want = l == 6   ? "no longer the coded text"
                           : l == 7 ? "NO_SUCH_CODE is not in the codebook"
                                    : "'no-such-document.txt' is not in this run";
        cr_expect(qct_contains(w.messages[i], want), "line %u: %s", l, w.messages[i]);
        cr_expect(qct_contains(w.messages[i], "not counted"), "%s", w.messages[i]);
        free(w.messages[i]);
    }
    cr_expect(lines[0] == 1 && lines[1] == 1 && lines[2] == 1);

    qc_results_free(before);
    qc_results_free(after);
    qc_manual_free(m);
    fixture_close(&f);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* A code's own counts and the number of documents, from a results.xml of format 1. */
static int results_own(const char *dir, const char *name, const char *code, qc_counts *own, size_t *docs)
{
    char path[1024], tag[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *xml = qct_read_file(path, NULL);
    if (!xml)
        return -1;
    snprintf(tag, sizeof tag, " id=\"%s\" ", code);
    const char *c = strstr(xml, tag), *o = c ? strstr(c, "<own ") : NULL, *d = strstr(xml, "<documents count=\"");
    unsigned long long h, q, r, n, k;
    int ok = o && d &&
             sscanf(o, "<own hits=\"%llu\" quotations=\"%llu\" respondents=\"%llu\" documents=\"%llu\"", &h, &q, &r,
                    &n) == 4 &&
             sscanf(d, "<documents count=\"%llu\"", &k) == 1;
    free(xml);
    if (!ok)
        return -1;
    *own = (qc_counts){.hits = h, .quotations = q, .respondents = r, .documents = n};
    *docs = (size_t)k;
    return 0;
}

static int valid_against(const char *path, const char *schema_file)
{
    char *xsd = qct_source_path(schema_file);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    cr_assert_not_null(schema, "cannot parse %s", xsd);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    cr_assert_not_null(doc);
    int rc = xmlSchemaValidateDoc(vc, doc);
    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    free(xsd);
    return rc == 0;
}

/* The quotation element of a span by a coder (NULL: the engine's, with no coder attribute). */
static int valid_results(const char *path)
{
    return valid_against(path, "docs/schema/qcode-results.xsd");
}

/* The <span> element of results.xml format 2 for s (NULL when there is none), to be freed. */
static char *span_element(const char *xml, const span *s)
{
    char head[128], place[128];
    snprintf(head, sizeof head, "<span turn=\"%zu\"", s->turn);
    snprintf(place, sizeof place, " start=\"%zu\" end=\"%zu\">", s->start, s->end);
    for (const char *p = strstr(xml, head); p; p = strstr(p + 1, head)) {
        const char *eol = strchr(p, '\n'), *at = strstr(p, place);
        if (at && eol && at < eol) {
            const char *close = strstr(p, "</span>");
            return close ? strndup(p, (size_t)(close - p)) : NULL;
        }
    }
    return NULL;
}

static int has_quotation(const char *xml, const span *s, const char *coder)
{
    char head[512];
    snprintf(head, sizeof head, "turn=\"%zu\" start=\"%zu\" end=\"%zu\"%s%s%s", s->turn, s->start, s->end,
             coder ? " coder=\"" : ">", coder ? coder : "", coder ? "\">" : "");
    return qct_contains(xml, head);
}

/* Without outputs `qcode code` keeps counts only (qc_results_options.counts_only): the people's
 * codings still count, and the summary and warnings are those of a run that writes results.xml. */
Test(manual_results, cli_summary_counts_manual_codings_without_outputs)
{
    fixture f;
    fixture_open(&f);
    qct_run a, b, plain;
    qct_qcode(&a, f.dir, "code -c '%s' --cases '%s' '%s' --manual manual.xml", CODEBOOK, CASES, CORPUS);
    qct_qcode(&b, f.dir, "code -c '%s' --cases '%s' '%s' --manual manual.xml -o r.xml", CODEBOOK, CASES, CORPUS);
    qct_qcode(&plain, f.dir, "code -c '%s' --cases '%s' '%s'", CODEBOOK, CASES, CORPUS);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_expect_str_eq(a.out, b.out);
    cr_expect_str_eq(a.err, b.err);
    cr_expect_eq(count_of(a.err, "warning"), 3, "%s", a.err);
    cr_expect_str_neq(a.out, plain.out, "the manual codings change the summary");
    qct_run_free(&a);
    qct_run_free(&b);
    qct_run_free(&plain);
    fixture_close(&f);
}

Test(manual_results, cli_lists_codings_by_coder_and_warns_by_line)
{
    fixture f;
    fixture_open(&f);
    qct_run r;
    qct_qcode(&r, f.dir, "code -c '%s' --cases '%s' '%s' -o r.xml --results-format 1 --tsv t --manual manual.xml",
              CODEBOOK, CASES, CORPUS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "manual.xml:6: warning: "), "%s", r.err);
    cr_expect(qct_contains(r.err, "manual.xml:7: warning: "), "%s", r.err);
    cr_expect(qct_contains(r.err, "manual.xml:8: warning: "), "%s", r.err);
    cr_expect_eq(count_of(r.err, "warning"), 3, "%s", r.err);

    char path[1024];
    snprintf(path, sizeof path, "%s/r.xml", f.dir);
    char *xml = qct_read_file(path, NULL);
    cr_assert_not_null(xml);
    cr_expect(valid_results(path), "results.xml with coders validates against qcode-results.xsd");
    /* E: the engine's and Alice's; U: Alice's and Bob's, no engine one. */
    cr_expect(has_quotation(xml, &f.sp.first_sub, NULL));
    cr_expect(has_quotation(xml, &f.sp.first_sub, "Alice"));
    cr_expect(has_quotation(xml, &f.sp.uncoded, "Alice"));
    cr_expect(has_quotation(xml, &f.sp.uncoded, "Bob"));
    cr_expect(!has_quotation(xml, &f.sp.uncoded, NULL));
    cr_expect_eq(count_of(xml, " coder=\"Alice\""), 2);
    cr_expect_eq(count_of(xml, " coder=\"Bob\""), 1);
    cr_expect(qct_contains(xml, "<option name=\"manual\" value=\"manual.xml\""), "provenance names manual.xml");

    snprintf(path, sizeof path, "%s/t/quotations.tsv", f.dir);
    char *tsv = qct_read_file(path, NULL);
    cr_assert_not_null(tsv);
    cr_expect(qct_contains(tsv, "code\tdocument\tspeaker\trole\tturn\tstart\tend\thits\tcoder\ttext\n"));
    char row[256];
    snprintf(row, sizeof row, "\t%zu\t%zu\t%zu\t0\t\"Bob\"\t", f.sp.uncoded.turn, f.sp.uncoded.start, f.sp.uncoded.end);
    cr_expect(qct_contains(tsv, row), "%s", row);
    cr_expect_eq(count_of(tsv, "\t\"Alice\"\t"), 2);
    cr_expect_eq(count_of(tsv, "\t\"Bob\"\t"), 1);
    cr_expect(qct_contains(tsv, "\t\"qcode\"\t"));
    free(tsv);
    free(xml);
    qct_run_free(&r);

    /* qcode quotes lists the people's codings from results.xml with their coder: code X has the
     * engine's and Alice's E, and Bob's and Alice's U. */
    const char *x = qc_code_id(f.cb, f.sp.first_sub.code);
    qct_qcode(&r, f.dir, "quotes --results r.xml '%s'", x);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_eq(count_of(r.out, "  coded by Alice\n"), 2, "%s", r.out);
    cr_expect_eq(count_of(r.out, "  coded by Bob\n"), 1, "%s", r.out);
    char line[512];
    snprintf(line, sizeof line, "turn %zu  [%zu,%zu)  %s\n", f.sp.first_sub.turn, f.sp.first_sub.start,
             f.sp.first_sub.end, x);
    cr_expect(qct_contains(r.out, line), "the engine's E, with no coder: %s", r.out);
    snprintf(line, sizeof line, "turn %zu  [%zu,%zu)  %s  coded by Bob\n", f.sp.uncoded.turn, f.sp.uncoded.start,
             f.sp.uncoded.end, x);
    cr_expect(qct_contains(r.out, line), "%s", r.out);
    /* The last line counts as results.xml does: E (the engine's and Alice's) once, U (Bob's and
     * Alice's) once, so two quotations fewer than the lines listed (each person's adds a line). */
    snprintf(line, sizeof line, ")  %s\n", x);
    size_t engine = count_of(r.out, line), docs = 0;
    qc_counts own;
    cr_assert_eq(results_own(f.dir, "r.xml", x, &own, &docs), 0);
    cr_expect_eq(own.quotations, engine + 1);
    snprintf(line, sizeof line,
             "\n%zu quotations of %s (%zu listed, one per coder of a passage), from %zu respondent%s in %zu of %zu "
             "documents\n",
             engine + 1, x, engine + 3, (size_t)own.respondents, own.respondents == 1 ? "" : "s", (size_t)own.documents,
             docs);
    cr_expect(qct_contains(r.out, line), "want %s in %s", line, r.out);
    qct_run_free(&r);

    /* Without a manual.xml the table keeps its columns. */
    qct_qcode(&r, f.dir, "code -c '%s' '%s' --tsv t2", CODEBOOK, CORPUS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(path, sizeof path, "%s/t2/quotations.tsv", f.dir);
    tsv = qct_read_file(path, NULL);
    cr_expect(qct_contains(tsv, "code\tdocument\tspeaker\trole\tturn\tstart\tend\thits\ttext\n"));
    free(tsv);
    qct_run_free(&r);
    fixture_close(&f);
}

/* With people's codings, `qcode quotes --results` still ends with what `qcode code` counted, from
 * either format, own and rolled up: for code X (the engine's E again by Alice, U by Bob and by
 * Alice: one quotation a span) and each of its ancestors (X's passages merged with theirs). */
Test(manual_results, quotes_last_line_is_what_code_counted)
{
    fixture f;
    fixture_open(&f);
    qct_run r;
    for (unsigned format = 1; format <= 2; format++) {
        qct_qcode(&r, f.dir, "code -c '%s' --cases '%s' '%s' --manual manual.xml --results-format %u -o r%u.xml",
                  CODEBOOK, CASES, CORPUS, format, format);
        cr_assert_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
    }
    char r1[1024];
    snprintf(r1, sizeof r1, "%s/r1.xml", f.dir);
    quotes_file_counts fc;
    quotes_counts_read(&fc, r1);
    size_t checked = 0;
    for (long c = (long)f.sp.first_sub.code; c >= 0; c = qc_code_parent(f.cb, (size_t)c), checked++) {
        const char *id = qc_code_id(f.cb, (size_t)c);
        size_t i = quotes_counts_find(&fc, id);
        for (int rollup = 0; rollup <= 1; rollup++)
            for (unsigned format = 1; format <= 2; format++) {
                qct_qcode(&r, f.dir, "quotes --results r%u.xml %s '%s'", format, rollup ? "--rollup" : "", id);
                cr_assert_eq(r.status, 0, "%s", r.err);
                if (rollup || c == (long)f.sp.first_sub.code)
                    cr_expect(qct_contains(r.out, "  coded by Alice\n"), "%s lists Alice's codings: %s", id, r.out);
                char what[256];
                snprintf(what, sizeof what, "%s%s from format %u", id, rollup ? " --rollup" : "", format);
                quotes_expect_counts(r.out, rollup ? &fc.rolled_up[i] : &fc.own[i], fc.documents, what);
                qct_run_free(&r);
            }
    }
    cr_expect_geq(checked, 2, "X and its parent");
    quotes_counts_free(&fc);
    fixture_close(&f);
}

/* Format 2 lists a person's coding as a code of its span with the coder's name and no hits, after
 * the engine's coding of the same code when there is one. */
Test(manual_results, format_2_lists_each_coding_in_its_span_with_its_coder)
{
    fixture f;
    fixture_open(&f);
    qct_run r;
    qct_qcode(&r, f.dir, "code -c '%s' --cases '%s' '%s' -o r2.xml --results-format 2 --manual manual.xml", CODEBOOK,
              CASES, CORPUS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char path[1024];
    snprintf(path, sizeof path, "%s/r2.xml", f.dir);
    char *xml = qct_read_file(path, NULL);
    cr_assert_not_null(xml);
    cr_expect(valid_against(path, "docs/schema/qcode-results-2.xsd"), "validates against qcode-results-2.xsd");
    cr_expect_eq(count_of(xml, " coder=\"Alice\""), 2);
    cr_expect_eq(count_of(xml, " coder=\"Bob\""), 1);
    const char *x = qc_code_id(f.cb, f.sp.first_sub.code);
    char engine[256], alice[256], bob[256];
    snprintf(engine, sizeof engine, "<code id=\"%s\" hits=\"", x);
    snprintf(alice, sizeof alice, "<code id=\"%s\" coder=\"Alice\"/>", x);
    snprintf(bob, sizeof bob, "<code id=\"%s\" coder=\"Bob\"/>", x);
    char *e = span_element(xml, &f.sp.first_sub);
    cr_assert_not_null(e, "the engine's quotation has its span");
    cr_expect(qct_contains(e, engine) && qct_contains(e, alice), "%s", e);
    cr_expect(strstr(e, engine) < strstr(e, alice), "the engine's coding first: %s", e);
    char *u = span_element(xml, &f.sp.uncoded);
    cr_assert_not_null(u, "the turn only people coded has its span");
    cr_expect(qct_contains(u, alice) && qct_contains(u, bob) && !qct_contains(u, engine), "%s", u);
    free(e);
    free(u);
    free(xml);
    qct_run_free(&r);

    /* Read back: a re-code from format 2 carries the people's codings as one from format 1 does. */
    qct_qcode(&r, f.dir, "code -c '%s' --cases '%s' '%s' -o r1.xml --manual manual.xml", CODEBOOK, CASES, CORPUS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char *out[2];
    for (int v = 0; v < 2; v++) {
        /* (format 1 both times: recode -o would otherwise follow each file's format) */
        qct_qcode(&r, f.dir, "recode --from r%d.xml -c '%s' --cases '%s' -o n%d.xml --results-format 1 '%s'", v + 1,
                  CODEBOOK, CASES, v + 1, CORPUS);
        cr_assert_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
        snprintf(path, sizeof path, "%s/n%d.xml", f.dir, v + 1);
        out[v] = qct_read_file(path, NULL);
        cr_assert_not_null(out[v]);
        char *t = strstr(out[v], "<time>"), *te = t ? strstr(t, "</time>") : NULL;
        for (; t && t < te; t++)
            *t = '#';
    }
    cr_expect_eq(count_of(out[0], " coder=\"Alice\""), 2, "the re-code keeps Alice's codings");
    cr_expect_str_eq(out[1], out[0], "the re-code from format 2 writes what the one from format 1 writes");
    free(out[0]);
    free(out[1]);
    fixture_close(&f);
}

Test(manual_results, qdpx_has_each_coding_once)
{
    fixture f;
    fixture_open(&f);
    qct_run r;
    qct_qcode(&r, f.dir, "code -c '%s' '%s' --results-format 1 -o r.xml --qdpx p.qdpx --manual manual.xml", CODEBOOK,
              CORPUS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_eq(count_of(r.err, "warning"), 3, "each problem once, not again for the project: %s", r.err);
    qct_run_free(&r);

    qct_qcode(&r, f.dir, "import p.qdpx -o imported");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/imported/manual.xml", f.dir);
    char *back = qct_read_file(path, NULL);
    cr_assert_not_null(back);
    cr_expect_eq(count_of(back, "coder=\"Alice\""), 2, "%s", back);
    cr_expect_eq(count_of(back, "coder=\"Bob\""), 1);
    /* The engine's codings are there once each: as many as results.xml lists without a coder. */
    snprintf(path, sizeof path, "%s/r.xml", f.dir);
    char *xml = qct_read_file(path, NULL);
    cr_expect_eq(count_of(back, "coder=\"qcode\""), count_of(xml, "<quotation ") - 3);
    free(xml);
    free(back);
    fixture_close(&f);
}

/* The codings of a .qdpx by coder, after importing it into `sub`. */
static char *import_codings(const char *dir, const char *qdpx, const char *sub)
{
    qct_run r;
    qct_qcode(&r, dir, "import %s -o %s", qdpx, sub);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/manual.xml", dir, sub);
    char *back = qct_read_file(path, NULL);
    cr_assert_not_null(back);
    return back;
}

Test(manual_results, export_from_results_xml_carries_the_coders)
{
    fixture f;
    fixture_open(&f);
    qct_run r;
    qct_qcode(&r, f.dir, "code -c '%s' --cases '%s' '%s' --results-format 1 -o r.xml --manual manual.xml", CODEBOOK,
              CASES, CORPUS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/r.xml", f.dir);
    char *xml = qct_read_file(path, NULL);
    size_t engine = count_of(xml, "<quotation ") - count_of(xml, " coder=\"");
    cr_assert_eq(count_of(xml, " coder=\""), 3, "results.xml lists Alice's two codings and Bob's one");

    /* results.xml alone: every coding it lists, each by its coder, the engine's by qcode. */
    qct_qcode(&r, f.dir, "export --qdpx alone.qdpx r.xml --check");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "check alone.qdpx: 0 errors, 0 warnings"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning:"), "%s", r.err);
    qct_run_free(&r);
    char *back = import_codings(f.dir, "alone.qdpx", "alone");
    cr_expect_eq(count_of(back, "coder=\"Alice\""), 2, "%s", back);
    cr_expect_eq(count_of(back, "coder=\"Bob\""), 1, "%s", back);
    cr_expect_eq(count_of(back, "coder=\"qcode\""), engine);
    cr_expect_eq(count_of(back, "<coding "), engine + 3);
    /* Bob's coding of U is there once, on U's span. */
    char want[256];
    snprintf(want, sizeof want, "start=\"%zu\" end=\"%zu\" coder=\"Bob\"", f.sp.uncoded.start, f.sp.uncoded.end);
    cr_expect_eq(count_of(back, want), 1, "%s", want);
    free(back);

    /* With the manual.xml given again: the same codings, none twice. */
    qct_qcode(&r, f.dir, "export --qdpx again.qdpx r.xml --manual manual.xml --check");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    back = import_codings(f.dir, "again.qdpx", "again");
    cr_expect_eq(count_of(back, "coder=\"Alice\""), 2, "%s", back);
    cr_expect_eq(count_of(back, "coder=\"Bob\""), 1, "%s", back);
    cr_expect_eq(count_of(back, "coder=\"qcode\""), engine);
    cr_expect_eq(count_of(back, "<coding "), engine + 3);
    free(back);
    free(xml);
    fixture_close(&f);
}

typedef struct walked {
    size_t count, with_coder;
} walked;

static int count_walked(const qc_result_quotation *q, void *user)
{
    walked *w = user;
    w->count++;
    w->with_coder += q->coder != NULL;
    return 0;
}

/* The public walks give the engine's quotations only, each with coder NULL: from a run's results
 * and from its results.xml, whose people's quotations they leave out. */
Test(manual_results, public_walks_give_the_engines_quotations_with_no_coder)
{
    fixture f;
    fixture_open(&f);
    qc_error err;
    qc_manual *m = NULL;
    cr_assert_eq(qc_manual_load(&m, f.manual, f.cb, NULL, NULL, &err), 0, "%s", err.message);
    qc_results *res = run(f.cb, f.cases, m);
    walked live = {0, 0};
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, count_walked, &live, &err), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/r.xml", f.dir);
    cr_assert_eq(qc_results_write_xml(res, path, NULL, &err), 0, "%s", err.message);
    qc_results_free(res);
    qc_manual_free(m);
    char *xml = qct_read_file(path, NULL);
    cr_assert_eq(count_of(xml, " coder=\""), 3);
    size_t engine = count_of(xml, "<quotation ") - 3;
    cr_expect_eq(live.count, engine);
    cr_expect_eq(live.with_coder, 0);
    walked back = {0, 0};
    qc_results_handlers h = {NULL, NULL, NULL, count_walked, &back};
    cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s", err.message);
    cr_expect_eq(back.count, engine);
    cr_expect_eq(back.with_coder, 0);
    /* qc_results_read_all gives the people's too, with their coder. */
    walked all = {0, 0};
    h.user = &all;
    cr_assert_eq(qc_results_read_all(path, &h, &err), 0, "%s", err.message);
    cr_expect_eq(all.count, engine + 3);
    cr_expect_eq(all.with_coder, 3);
    free(xml);
    fixture_close(&f);
}

Test(manual_results, not_a_manual_file_stops_before_coding)
{
    char *dir = qct_temp_dir();
    const char bad[] = "<?xml version=\"1.0\"?>\n<notmanual/>\n";
    free(qct_write_file(dir, "manual.xml", bad, strlen(bad)));
    qct_run r;
    qct_qcode(&r, dir, "code -c '%s' '%s' -o r.xml --manual manual.xml", CODEBOOK, CORPUS);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "manual.xml:2"), "%s", r.err);
    cr_expect(qct_contains(r.err, "not a qcode manual.xml"), "%s", r.err);
    cr_expect_str_eq(r.out, "");
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c '%s' '%s' --manual missing.xml", CODEBOOK, CORPUS);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "missing.xml"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* --- out of memory: every allocation of loading, merging and writing may fail --- */

/* atomic: the corpus runner allocates in its worker thread too */
static atomic_long alloc_count, fail_at = -1, failed_count, live;

static int should_fail(void)
{
    long n = alloc_count++;
    if (fail_at >= 0 && n == fail_at) {
        failed_count++;
        return 1;
    }
    return 0;
}

static void *t_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size);
    live += p != NULL;
    return p;
}

static void *t_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = realloc(ptr, size);
    live += p && !ptr;
    return p;
}

static void t_free(void *ptr)
{
    live -= ptr != NULL;
    free(ptr);
}

static int first_quote(const qc_result_quotation *q, void *user)
{
    span *s = user;
    if (!s->text)
        span_set(s, q);
    return 0;
}

static const qc_allocator failing = {t_malloc, t_realloc, t_free};

static qc_manual *load_manual(const char *dir, const qc_codebook *cb, int *rc)
{
    char manual[1024];
    snprintf(manual, sizeof manual, "%s/manual.xml", dir);
    qc_manual *m = NULL;
    qc_error err;
    *rc = qc_manual_load(&m, manual, cb, NULL, NULL, &err);
    return m;
}

/* Codes doc.txt with the manual codings and writes results.xml; 0 or the first failure. Only
 * this is under allocation failure when `failing` is set. */
static int manual_run(const char *dir, const qc_codebook *cb, qc_manual *m, int inject, const char *out)
{
    char doc[1024];
    snprintf(doc, sizeof doc, "%s/doc.txt", dir);
    const char *paths[1] = {doc};
    qc_results *res = NULL;
    qc_error err;
    if (inject)
        qc_set_allocator(&failing);
    int rc = qc_results_new(&res, cb, NULL, &err);
    if (rc == 0) {
        qc_run_options opts = QC_RUN_OPTIONS_INIT;
        opts.on_document = qc_results_add_fn;
        opts.user = res;
        opts.manual = m;
        qc_run_stats st;
        rc = qc_corpus_run(paths, 1, cb, NULL, &opts, &st, &err);
        if (rc == 0 && st.failed)
            rc = QC_ERR_NOMEM; /* the document could not be read or coded */
    }
    qc_manual_finish(m);
    if (rc == 0) {
        qc_write_options wo = QC_WRITE_OPTIONS_INIT;
        wo.time = "2026-01-01T00:00:00Z";
        rc = qc_results_write_xml(res, out, &wo, &err);
    }
    qc_results_free(res);
    qc_set_allocator(NULL);
    return rc;
}

Test(manual_results, out_of_memory_fails_cleanly_or_changes_nothing)
{
    char *dir = qct_temp_dir();
    const char cbsrc[] = "codebook \"M\"\ncode TEAM \"Team\"\n  rule \"co-locat*\"\ncode HAND \"By hand\"\n  manual\n";
    const char text[] = "Interviewer: How is the team?\n\nS1: We are co-located now. We talk a lot.\n\n"
                        "S2: Nobody told us.\n";
    free(qct_write_file(dir, "doc.txt", text, strlen(text)));
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "m.qcb", cbsrc, strlen(cbsrc), NULL, &err), 0, "%s", err.message);

    /* The manual codings: the engine's quotation again by Ann, and by Ben under HAND. */
    char doc[1024];
    snprintf(doc, sizeof doc, "%s/doc.txt", dir);
    const char *paths[1] = {doc};
    qc_results *res = NULL;
    cr_assert_eq(qc_results_new(&res, cb, NULL, &err), 0);
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    cr_assert_eq(qc_corpus_run(paths, 1, cb, NULL, &opts, NULL, &err), 0);
    span q = {0};
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, first_quote, &q, &err), 0);
    cr_assert_not_null(q.text);
    qc_results_free(res);
    char mpath[1024];
    snprintf(mpath, sizeof mpath, "%s/manual.xml", dir);
    FILE *fp = fopen(mpath, "w");
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n", fp);
    put_coding(fp, "TEAM", q.doc_id, q.start, q.end, "Ann", q.text);
    put_coding(fp, "HAND", q.doc_id, q.start, q.end, "Ben", q.text);
    put_coding(fp, "GONE", q.doc_id, q.start, q.end, "Ben", q.text);
    put_coding(fp, "HAND", q.doc_id, q.start, q.start, "Ben", "");
    fputs("</manual>\n", fp);
    fclose(fp);

    char ref[1024], out[1024];
    snprintf(ref, sizeof ref, "%s/ref.xml", dir);
    snprintf(out, sizeof out, "%s/out.xml", dir);
    int rc;
    qc_manual *m = load_manual(dir, cb, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_eq(manual_run(dir, cb, m, 0, ref), 0);
    qc_manual_free(m);
    char *want = qct_read_file(ref, NULL);
    cr_assert(qct_contains(want, "coder=\"Ann\"") && qct_contains(want, "coder=\"Ben\""), "%s", want);

    /* Loading: fails with QC_ERR_NOMEM, or loads the whole file: the same codings, coders and
     * warnings as the reference, and a run with it writes exactly the reference (a failed copy of
     * an attribute must not pass for a missing one: a coding skipped, or its coder "unknown").
     * Everything is freed either way. */
    qc_manual_stats want_stats;
    m = load_manual(dir, cb, &rc);
    cr_assert_eq(rc, 0);
    qc_manual_get_stats(m, &want_stats);
    qc_manual_free(m);
    cr_assert_eq(want_stats.codings, 4);
    cr_assert_eq(want_stats.coders, 2);
    size_t load_failures = 0, loaded = 0;
    for (long n = 0;; n++) {
        alloc_count = failed_count = live = 0;
        fail_at = n;
        qc_set_allocator(&failing);
        m = load_manual(dir, cb, &rc);
        qc_set_allocator(NULL);
        int failed_here = failed_count != 0;
        if (rc == 0 && failed_here) {
            loaded++;
            qc_manual_stats got_stats;
            qc_manual_get_stats(m, &got_stats);
            cr_assert_eq(got_stats.codings, want_stats.codings, "loading, allocation %ld failed: %zu codings", n,
                         got_stats.codings);
            cr_assert_eq(got_stats.coders, want_stats.coders, "loading, allocation %ld failed: %zu coders", n,
                         got_stats.coders);
            cr_assert_eq(got_stats.warnings, want_stats.warnings, "loading, allocation %ld failed: %zu warnings", n,
                         got_stats.warnings);
            remove(out);
            cr_assert_eq(manual_run(dir, cb, m, 0, out), 0);
            char *got = qct_read_file(out, NULL);
            cr_assert_str_eq(got, want, "loading, allocation %ld failed and it went on: the output changed", n);
            free(got);
        }
        fail_at = -1; /* freed by the allocator that made it, so `live` balances */
        qc_set_allocator(&failing);
        qc_manual_free(m);
        qc_set_allocator(NULL);
        cr_assert_eq(live, 0, "loading, allocation %ld failed: %ld blocks not freed", n, live);
        cr_assert(rc == 0 || rc == QC_ERR_NOMEM, "loading, allocation %ld: status %d", n, rc);
        if (!failed_here)
            break;
        load_failures++;
    }
    cr_expect_gt(load_failures, 20, "loading allocates through the library");
    cr_log_info("loading: %zu allocations failed in turn, %zu loads went on", load_failures, loaded);

    /* Merging, counting and writing: fails with QC_ERR_NOMEM or writes exactly the reference. */
    size_t failures = 0, survived = 0;
    for (long n = 0;; n++) {
        remove(out);
        m = load_manual(dir, cb, &rc);
        cr_assert_eq(rc, 0);
        alloc_count = failed_count = live = 0;
        fail_at = n;
        rc = manual_run(dir, cb, m, 1, out);
        qc_manual_free(m);
        cr_assert_eq(live, 0, "allocation %ld failed: %ld blocks not freed", n, live);
        if (!failed_count)
            break; /* every allocation has been failed once */
        failures++;
        if (rc == 0) {
            survived++;
            char *got = qct_read_file(out, NULL);
            cr_assert_str_eq(got, want, "allocation %ld failed and the run went on: the output changed", n);
            free(got);
        } else {
            /* as in test_oom.c: some writers report a failed allocation as an I/O error */
            cr_assert(rc == QC_ERR_NOMEM || rc == QC_ERR_IO, "allocation %ld: status %d", n, rc);
        }
    }
    cr_expect_gt(failures, 50, "the run allocates through the library");
    cr_log_info("%zu allocations failed in turn, %zu runs survived", failures, survived);
    free(want);
    span_free(&q);
    qc_codebook_free(cb);
    free(dir);
}
