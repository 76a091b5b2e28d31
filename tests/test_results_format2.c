/* results.xml format 2 (qc_write_options.format, `qcode code --results-format 2`): valid against
 * docs/schema/qcode-results-2.xsd; every quotation format 1 lists, with its text, place and hits,
 * is a code in a span of its document, each span once and in text order; the counts, totals and
 * co-occurrence are format 1's; it reads back (qc_results_read, quotes, export, recode) to what
 * format 1 gives; and what qcode cannot have written is refused. The generated corpus gives
 * each frequent code thousands of quotations, so that its log is read back in several chunks and
 * the merge of the codes' logs crosses chunk ends. */
#include "gen_interviews.h"
#include "qc_test.h"
#include "quotes_counts.h"
#include "span_codebook.h"
#include "xsd_helpers.h"

#include <zip.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <sys/stat.h>

typedef struct fixture {
    char *dir;
    char **paths;
    size_t n;
    qc_codebook *cb;
    qc_casebook *cases;
    qc_results *res;
} fixture;

static void fixture_open(fixture *f, size_t n)
{
    static const gen_shape shape = {777, 1 << 15, 4, 80, 7, 1, 20, 7};
    qc_error err;
    f->dir = qct_temp_dir();
    f->n = n;
    f->paths = gen_interviews(f->dir, n, &shape);
    span_codebook_load(&f->cb, &f->cases);
    cr_assert_eq(qc_results_new(&f->res, f->cb, f->cases, NULL), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.jobs = 2;
    ro.on_document = qc_results_add_fn;
    ro.user = f->res;
    ro.results = f->res;
    cr_assert_eq(qc_corpus_run((const char *const *)f->paths, n, f->cb, f->cases, &ro, NULL, &err), 0, "%s",
                 err.message);
}

static void fixture_close(fixture *f)
{
    qc_results_free(f->res);
    qc_casebook_free(f->cases);
    qc_codebook_free(f->cb);
    gen_paths_free(f->paths, f->n);
    free(f->dir);
}

static char *write_format(fixture *f, const char *name, unsigned format)
{
    char *path = malloc(strlen(f->dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", f->dir, name);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.time = "2026-12-05T00:00:00Z";
    wo.format = format;
    qc_error err;
    cr_assert_eq(qc_results_write_xml(f->res, path, &wo, &err), 0, "%s", err.message);
    return path;
}

static int validate2(const char *path, char *why, size_t cap)
{
    return xsd_validate(path, "qcode-results-2.xsd", why, cap);
}

/* Quotations as lines "document|code|start|end|turn|speaker|role|hits|text", to compare as sets. */
typedef struct lines {
    char **at;
    size_t count, cap;
    const qc_codebook *cb;
} lines;

static void lines_add(lines *l, const char *doc, const char *code, size_t start, size_t end, size_t turn,
                      const char *speaker, const char *role, const char *hits, const char *text)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->at = realloc(l->at, l->cap * sizeof *l->at);
        cr_assert_not_null(l->at);
    }
    size_t len = strlen(doc) + strlen(code) + strlen(hits) + strlen(text) + (speaker ? strlen(speaker) : 1) + 128;
    char *s = malloc(len);
    cr_assert_not_null(s);
    snprintf(s, len, "%s|%s|%zu|%zu|%zu|%s|%s|%s|%s", doc, code, start, end, turn, speaker ? speaker : "-", role, hits,
             text);
    l->at[l->count++] = s;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->at[i]);
    free(l->at);
}

static int from_format1(const qc_result_quotation *q, void *user)
{
    lines *l = user;
    char hits[4096] = "";
    size_t len = 0;
    for (size_t h = 0; h < q->hit_count && len < sizeof hits - 64; h++)
        len += (size_t)snprintf(hits + len, sizeof hits - len, "%s%zu:%zu-%zu", h ? " " : "", q->hits[h].rule,
                                q->hits[h].start, q->hits[h].end);
    lines_add(l, q->document_id, qc_code_id(l->cb, q->code), q->start, q->end, q->turn, q->speaker,
              qc_role_name(q->role), hits, q->text);
    return 0;
}

static char *prop(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static int named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static size_t num(xmlNodePtr n, const char *name)
{
    char *v = prop(n, name);
    cr_assert_not_null(v, "<%s> without %s", (const char *)n->name, name);
    size_t x = (size_t)strtoull(v, NULL, 10);
    xmlFree(v);
    return x;
}

/* Every code of every span of format 2, checking on the way that spans come in text order, once
 * each, with their codes in codebook order. Returns the number of spans. */
static size_t from_format2(const char *path, lines *l)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    cr_assert_not_null(doc);
    size_t spans = 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr sec = root->children; sec; sec = sec->next) {
        cr_expect(!named(sec, "quotations"), "format 2 has no <quotations>");
        if (!named(sec, "documents"))
            continue;
        for (xmlNodePtr d = sec->children; d; d = d->next) {
            if (!named(d, "document"))
                continue;
            char *id = prop(d, "id");
            size_t last_start = 0, last_end = 0;
            int first = 1;
            for (xmlNodePtr s = d->children; s; s = s->next) {
                if (!named(s, "span"))
                    continue;
                spans++;
                size_t start = num(s, "start"), end = num(s, "end"), turn = num(s, "turn");
                cr_expect(first || start > last_start || (start == last_start && end > last_end),
                          "%s: span [%zu,%zu) after [%zu,%zu)", id, start, end, last_start, last_end);
                first = 0;
                last_start = start;
                last_end = end;
                char *speaker = prop(s, "speaker"), *role = prop(s, "role"), *text = NULL;
                size_t last_code = 0, codes = 0;
                for (xmlNodePtr c = s->children; c; c = c->next) {
                    if (named(c, "text")) {
                        text = (char *)xmlNodeGetContent(c);
                        continue;
                    }
                    if (!named(c, "code"))
                        continue;
                    cr_assert_not_null(text, "a span's text comes before its codes");
                    char *code = prop(c, "id"), *hits = prop(c, "hits");
                    long index = qc_codebook_find(l->cb, code);
                    cr_expect(index >= 0 && (codes == 0 || (size_t)index > last_code),
                              "%s [%zu,%zu): code %s out of order or twice", id, start, end, code);
                    last_code = (size_t)index;
                    codes++;
                    lines_add(l, id, code, start, end, turn, speaker, role, hits ? hits : "", text);
                    xmlFree(code);
                    xmlFree(hits);
                }
                cr_expect_gt(codes, 0, "a span without codes");
                xmlFree(speaker);
                xmlFree(role);
                xmlFree(text);
            }
            xmlFree(id);
        }
    }
    xmlFreeDoc(doc);
    return spans;
}

static void attrs_of(xmlNodePtr n, char *out, size_t cap)
{
    size_t len = strlen(out);
    for (xmlAttrPtr a = n->properties; a && len < cap - 1; a = a->next) {
        xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
        len += (size_t)snprintf(out + len, cap - len, " %s=%s", (const char *)a->name, (const char *)v);
        xmlFree(v);
    }
}

/* Each code as one line, its tree attributes and definition, then its own, rolled-up and
 * by-attribute counts: from <codes> in format 1; from <codes> and <counts> (by id, in the same
 * order) in format 2. */
static void codes_of(const char *path, lines *l)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    cr_assert_not_null(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc), counts = NULL;
    for (xmlNodePtr sec = root->children; sec; sec = sec->next)
        if (named(sec, "counts"))
            counts = sec->children;
    for (xmlNodePtr sec = root->children; sec; sec = sec->next) {
        if (!named(sec, "codes"))
            continue;
        for (xmlNodePtr c = sec->children; c; c = c->next) {
            if (!named(c, "code"))
                continue;
            char line[8192] = "";
            attrs_of(c, line, sizeof line);
            xmlNodePtr k = c->children;
            for (; k; k = k->next)
                if (named(k, "definition")) {
                    xmlChar *t = xmlNodeGetContent(k);
                    size_t len = strlen(line);
                    snprintf(line + len, sizeof line - len, " def=%s", (const char *)t);
                    xmlFree(t);
                }
            if (counts) { /* format 2: this code's counts are the next <code> of <counts> */
                while (counts && !named(counts, "code"))
                    counts = counts->next;
                cr_assert_not_null(counts, "no counts for a code");
                char *id = prop(counts, "id"), *want = prop(c, "id");
                cr_expect_str_eq(id, want, "<counts> in the tree's order");
                xmlFree(id);
                xmlFree(want);
                k = counts->children;
                counts = counts->next;
            } else {
                k = c->children;
            }
            for (; k; k = k->next) {
                if (named(k, "own") || named(k, "rolledUp") || named(k, "byAttribute")) {
                    size_t len = strlen(line);
                    snprintf(line + len, sizeof line - len, " <%s", (const char *)k->name);
                    attrs_of(k, line, sizeof line);
                    for (xmlNodePtr g = k->children; g; g = g->next)
                        if (g->type == XML_ELEMENT_NODE) {
                            len = strlen(line);
                            snprintf(line + len, sizeof line - len, " <%s", (const char *)g->name);
                            attrs_of(g, line, sizeof line);
                        }
                }
            }
            lines_add(l, line, "", 0, 0, 0, NULL, "", "", "");
        }
    }
    xmlFreeDoc(doc);
}

/* The part of a file from `from` to `to` (both found), for comparing sections. */
static char *section(const char *xml, const char *from, const char *to)
{
    const char *a = strstr(xml, from);
    cr_assert_not_null(a, "no %s", from);
    const char *b = strstr(a, to);
    cr_assert_not_null(b, "no %s after %s", to, from);
    return strndup(a, (size_t)(b - a));
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        s[--n] = '\0';
}

Test(results_format2, lists_every_quotation_of_format_1_once_by_span, .timeout = 120)
{
    fixture f;
    fixture_open(&f, 40);
    char *p1 = write_format(&f, "r1.xml", 1), *p2 = write_format(&f, "r2.xml", 2);
    char why[512] = "";
    cr_expect_eq(validate2(p2, why, sizeof why), 0, "%s", why);

    lines a = {.cb = f.cb}, b = {.cb = f.cb};
    qc_results_handlers h = {NULL, NULL, NULL, NULL, NULL};
    h.on_quotation = from_format1;
    h.user = &a;
    qc_error err;
    cr_assert_eq(qc_results_read(p1, &h, &err), 0, "%s", err.message);
    size_t spans = from_format2(p2, &b);
    cr_assert_gt(a.count, 5000, "the corpus is meant to give thousands of quotations: %zu", a.count);
    cr_expect_lt(spans, a.count, "spans coded by several codes are written once");
    qsort(a.at, a.count, sizeof *a.at, by_string);
    qsort(b.at, b.count, sizeof *b.at, by_string);
    cr_assert_eq(a.count, b.count, "format 1 lists %zu quotations, format 2 %zu", a.count, b.count);
    for (size_t i = 0; i < a.count; i++)
        cr_assert_str_eq(b.at[i], a.at[i], "quotation %zu", i);
    /* qc_results_read gives the same quotations from format 2 (in document order) */
    lines c = {.cb = f.cb};
    h.user = &c;
    cr_assert_eq(qc_results_read(p2, &h, &err), 0, "%s", err.message);
    qsort(c.at, c.count, sizeof *c.at, by_string);
    cr_assert_eq(c.count, a.count);
    for (size_t i = 0; i < a.count; i++)
        cr_assert_str_eq(c.at[i], a.at[i], "quotation %zu read back", i);
    lines_free(&c);

    size_t len1 = 0, len2 = 0;
    char *x1 = qct_read_file(p1, &len1), *x2 = qct_read_file(p2, &len2);
    cr_expect(qct_contains(x2, "<results formatVersion=\"2\" xmlns=\"urn:qcode:results:2\">"));
    cr_expect(!qct_contains(x2, "<byDocument") && !qct_contains(x2, "<bySpeaker"), "no breakdowns");
    cr_expect_lt(len2 * 2, len1, "format 2 is %zu bytes, format 1 %zu", len2, len1);
    /* The same respondents, attributes, code tree, counts and uncoded turns. */
    char *c1 = section(x1, "<respondents ", "<codes "), *c2 = section(x2, "<respondents ", "<counts>");
    rtrim(c1);
    rtrim(c2);
    cr_expect_str_eq(c2, c1, "respondents and attributes");
    char *u1 = section(x1, "<uncoded ", "<quotations "), *u2 = section(x2, "<uncoded ", "</results>");
    rtrim(u1);
    rtrim(u2);
    cr_expect_str_eq(u2, u1, "the uncoded turns");
    cr_expect(qct_contains(x1, "<byDocument "), "format 1 of this corpus has breakdowns");
    lines k1 = {.cb = f.cb}, k2 = {.cb = f.cb};
    codes_of(p1, &k1);
    codes_of(p2, &k2);
    cr_assert_eq(k1.count, qc_codebook_code_count(f.cb));
    cr_assert_eq(k2.count, k1.count);
    for (size_t i = 0; i < k1.count; i++)
        cr_expect_str_eq(k2.at[i], k1.at[i], "code %zu", i);
    lines_free(&k1);
    lines_free(&k2);
    cr_expect(qct_contains(x2, "<totals ") && qct_contains(x2, "<cooccurrence unit=\"sentence\">"));
    char *t1 = section(x1, "<totals ", "/>"), *t2 = section(x2, "<totals ", "/>");
    cr_expect_str_eq(t2, t1);
    char *o1 = section(x1, "<cooccurrence ", "</cooccurrence>"), *o2 = section(x2, "<cooccurrence ", "</cooccurrence>");
    cr_expect_str_eq(o2, o1);
    free(t1), free(t2), free(o1), free(o2), free(c1), free(c2), free(u1), free(u2);
    free(x1);
    free(x2);
    lines_free(&a);
    lines_free(&b);
    free(p1);
    free(p2);
    fixture_close(&f);
}

Test(results_format2, an_unknown_format_is_refused_before_any_file_is_made)
{
    fixture f;
    fixture_open(&f, 2);
    char path[1024];
    snprintf(path, sizeof path, "%s/r3.xml", f.dir);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.format = 3;
    qc_error err;
    cr_expect_eq(qc_results_write_xml(f.res, path, &wo, &err), QC_ERR_INVALID);
    cr_expect(qct_contains(err.message, "format 3"), "%s", err.message);
    struct stat st;
    cr_expect_neq(stat(path, &st), 0, "no file");

    qct_run r;
    qct_qcode(&r, f.dir, "code -c /dev/null -o r.xml --results-format 3 doc000.txt");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "--results-format is 1 or 2, not '3'"), "%s", r.err);
    qct_run_free(&r);
    fixture_close(&f);
}

/* Runs a qcode command in dir and returns its standard output and error together, with the name of
 * the results file it read (r1.xml or r2.xml) and run times taken out, to compare the commands'
 * outputs on the two formats. */
static char *output_of(const char *dir, const char *cmd, const char *results)
{
    qct_run r;
    qct_qcode(&r, dir, cmd, results);
    cr_expect_eq(r.status, 0, "%s: %s", cmd, r.err);
    size_t len = strlen(r.out) + strlen(r.err) + 2;
    char *all = malloc(len);
    snprintf(all, len, "%s\n%s", r.out, r.err);
    for (char *p = strstr(all, results); p; p = strstr(p, results))
        memcpy(p, "xN", 2); /* r1.xml and r2.xml, n1.xml...: the same length */
    for (char *p = strstr(all, " documents in "); p; p = strstr(p + 1, " documents in ")) {
        char *e = strstr(p, " s on ");
        for (char *q = p + 14; e && q < e; q++)
            *q = '#';
    }
    qct_run_free(&r);
    return all;
}

/* An entry of a zip, NUL-terminated, to be freed. */
static char *unzip_entry(const char *path, const char *entry)
{
    int e = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &e);
    cr_assert_not_null(z, "cannot open %s", path);
    zip_stat_t st;
    cr_assert_eq(zip_stat(z, entry, 0, &st), 0, "%s has no %s", path, entry);
    char *data = malloc(st.size + 1);
    zip_file_t *f = zip_fopen(z, entry, 0);
    cr_assert_not_null(f);
    cr_assert_eq(zip_fread(f, data, st.size), (zip_int64_t)st.size);
    data[st.size] = '\0';
    zip_fclose(f);
    zip_close(z);
    return data;
}

static char *qde_of(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *qde = unzip_entry(path, "project.qde");
    /* the time stamps and the results file's name in the description */
    for (char *p = qde; (p = strstr(p, "DateTime=\"")) != NULL; p += 10)
        for (char *q = p + 10; *q && *q != '"'; q++)
            *q = '#';
    for (char *p = strstr(qde, " from "); p; p = strstr(p + 1, " from "))
        for (char *q = p + 6; *q && *q != '<' && *q != '.'; q++)
            *q = '#';
    return qde;
}

/* SOURCE_DATE_EPOCH fixes the creation time of a project both from `code --qdpx` and from
 * `export --qdpx` (export read an undocumented variable of its own instead). */
Test(results_format2, source_date_epoch_fixes_the_project_time_of_code_and_export)
{
    char *dir = qct_temp_dir();
    qct_run r;
    setenv("SOURCE_DATE_EPOCH", "86400", 1); /* inherited by the qcode processes */
    qct_qcode(&r, dir,
              "code -c '" QCODE_SOURCE_DIR "/tests/golden/golden.qcb' -o r.xml --qdpx coded.qdpx '" QCODE_SOURCE_DIR
              "/tests/golden/corpus'");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "export --qdpx exported.qdpx r.xml");
    unsetenv("SOURCE_DATE_EPOCH");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *names[] = {"coded.qdpx", "exported.qdpx"};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *qde = unzip_entry(path, "project.qde");
        cr_expect(qct_contains(qde, "creationDateTime=\"1970-01-02T00:00:00Z\""), "%s: %.400s", names[i], qde);
        free(qde);
    }
    free(dir);
}

/* The shipped codebook on the sample corpus, written in both formats (2 by default): format 2 is
 * valid, and the commands that read results.xml back (quotes, export, recode --from, with the old
 * codebook found or given) give the same outputs from either. The real transcripts' format 2 is
 * valid too. */
Test(results_format2, readers_give_the_same_from_either_format, .timeout = 120)
{
    char *dir = qct_temp_dir();
    const char *code = "code -c '" QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb' --cases '" QCODE_SOURCE_DIR
                       "/corpora/integrated-care/cases.tsv' -o %s '" QCODE_SOURCE_DIR "/corpora/integrated-care'";
    char cmd[2048];
    qct_run r;
    snprintf(cmd, sizeof cmd, "%s --results-format 1", code);
    qct_qcode(&r, dir, cmd, "r1.xml");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, code, "r2.xml"); /* format 2 is the default */
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/r2.xml", dir);
    char why[512] = "";
    cr_expect_eq(validate2(path, why, sizeof why), 0, "%s", why);

    static const char *const readers[] = {
        "quotes --results %s GP",
        "quotes --results %s --rollup COLOC",
        "recode --from %s -c '" QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb' --cases '" QCODE_SOURCE_DIR
        "/corpora/integrated-care/cases.tsv' --dry-run --verbose '" QCODE_SOURCE_DIR "/corpora/integrated-care'",
        "recode --from %s --old '" QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb' -c '" QCODE_SOURCE_DIR
        "/codebooks/integrated-care-v2.qcb' --cases '" QCODE_SOURCE_DIR "/corpora/integrated-care/cases.tsv' "
        "--dry-run '" QCODE_SOURCE_DIR "/corpora/integrated-care'",
    };
    for (size_t i = 0; i < sizeof readers / sizeof *readers; i++) {
        char *one = output_of(dir, readers[i], "r1.xml"), *two = output_of(dir, readers[i], "r2.xml");
        cr_expect_gt(strlen(one), 100, "%s: %s", readers[i], one);
        cr_expect_str_eq(two, one, "%s", readers[i]);
        free(one);
        free(two);
    }
    /* recode -o writes the format of --from unless told */
    const char *recode =
        "recode --from r%d.xml -c '" QCODE_SOURCE_DIR "/codebooks/integrated-care-v2.qcb' --cases '" QCODE_SOURCE_DIR
        "/corpora/integrated-care/cases.tsv' -o n%d.xml %s '" QCODE_SOURCE_DIR "/corpora/integrated-care'";
    static const struct {
        int from, out;
        const char *opt, *ns;
    } recodes[] = {{1, 1, "", "urn:qcode:results:1"},
                   {2, 2, "", "urn:qcode:results:2"},
                   {2, 3, "--results-format 1", "urn:qcode:results:1"},
                   {1, 4, "--results-format 2", "urn:qcode:results:2"}};
    char *listed[4];
    for (size_t i = 0; i < 4; i++) {
        qct_qcode(&r, dir, recode, recodes[i].from, recodes[i].out, recodes[i].opt);
        cr_assert_eq(r.status, 0, "%s", r.err);
        qct_run_free(&r);
        snprintf(path, sizeof path, "%s/n%d.xml", dir, recodes[i].out);
        char *x = qct_read_file(path, NULL);
        cr_expect(qct_contains(x, recodes[i].ns), "recode from r%d.xml %s writes %s", recodes[i].from, recodes[i].opt,
                  recodes[i].ns);
        free(x);
        char q[64];
        snprintf(q, sizeof q, "n%d.xml", recodes[i].out);
        listed[i] = output_of(dir, "quotes --results %s GP", q);
    }
    for (size_t i = 1; i < 4; i++)
        cr_expect_str_eq(listed[i], listed[0], "re-code %zu", i);
    for (size_t i = 0; i < 4; i++)
        free(listed[i]);

    qct_qcode(&r, dir, "export --qdpx e1.qdpx r1.xml");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "export --qdpx e2.qdpx r2.xml");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char *q1 = qde_of(dir, "e1.qdpx"), *q2 = qde_of(dir, "e2.qdpx");
    cr_expect(qct_contains(q1, "<PlainTextSelection"), "the export has codings");
    cr_expect_str_eq(q2, q1, "the exported project");
    free(q1);
    free(q2);

    if (qct_shared_available("transcripts")) {
        char *shared = qct_shared_path("transcripts");
        qct_qcode(&r, dir,
                  "code -c '" QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb' -o real2.xml --results-format 2 '%s'",
                  shared);
        cr_expect(r.status == 0 || r.status == 1, "%s", r.err);
        snprintf(path, sizeof path, "%s/real2.xml", dir);
        cr_expect_eq(validate2(path, why, sizeof why), 0, "%s", why);
        qct_run_free(&r);
        free(shared);
    } else {
        qct_note("../shared/transcripts is not present: the real transcripts' check is skipped");
    }
    free(dir);
}

static int count_quote(const qc_result_quotation *q, void *user)
{
    (void)q;
    ++*(size_t *)user;
    return 0;
}

/* What qc_results_read_all_with_counts gave: each code's counts, how often they came, and how
 * many quotations had been read when the first came. */
typedef struct counted {
    qc_counts own[16], rolled[16];
    size_t times[16], calls, quotations, quotations_before;
    int stop_at_first;
} counted;

static int count_counted_quote(const qc_result_quotation *q, void *user)
{
    (void)q;
    ((counted *)user)->quotations++;
    return 0;
}

static int take_counts(size_t code, const char *id, const qc_counts *own, const qc_counts *rolled_up, void *user)
{
    counted *k = user;
    cr_assert_lt(code, 16, "code %zu (%s)", code, id);
    if (k->calls++ == 0)
        k->quotations_before = k->quotations;
    k->own[code] = *own;
    k->rolled[code] = *rolled_up;
    k->times[code]++;
    return k->stop_at_first;
}

static void expect_counts(const qc_counts *got, const qc_counts *want, const char *what, const char *id)
{
    cr_expect(got->hits == want->hits && got->quotations == want->quotations && got->respondents == want->respondents &&
                  got->documents == want->documents,
              "%s counts of %s: read %llu/%llu/%llu/%llu, results %llu/%llu/%llu/%llu "
              "(hits/quotations/respondents/documents)",
              what, id, (unsigned long long)got->hits, (unsigned long long)got->quotations,
              (unsigned long long)got->respondents, (unsigned long long)got->documents, (unsigned long long)want->hits,
              (unsigned long long)want->quotations, (unsigned long long)want->respondents,
              (unsigned long long)want->documents);
}

/* qc_results_read_all_with_counts gives each code's counts once, equal to the results' own and
 * rolled-up counts, from either format: format 1's with its code tree, before any quotation;
 * format 2's from <counts>, after every quotation (a reader that lists quotations as they come,
 * as `qcode quotes --results` does, has them at its end). A nonzero return stops the read. */
Test(results_format2, counts_are_read_back_from_either_format)
{
    fixture f;
    fixture_open(&f, 6);
    size_t codes = qc_codebook_code_count(f.cb);
    cr_assert_leq(codes, 16);
    for (unsigned format = 1; format <= 2; format++) {
        char *p = write_format(&f, format == 1 ? "r1.xml" : "r2.xml", format);
        counted k;
        memset(&k, 0, sizeof k);
        qc_results_handlers h = {NULL, NULL, NULL, count_counted_quote, &k};
        qc_error err;
        cr_assert_eq(qc_results_read_all_with_counts(p, &h, take_counts, &err), 0, "%s", err.message);
        cr_assert_gt(k.quotations, 10);
        cr_expect_eq(k.calls, codes, "format %u: %zu calls for %zu codes", format, k.calls, codes);
        cr_expect_eq(k.quotations_before, format == 1 ? 0 : k.quotations, "format %u: counts after %zu quotations",
                     format, k.quotations_before);
        int merged = 0; /* some code's rolled-up count is not the sum of its own and its children's */
        for (size_t c = 0; c < codes; c++) {
            qc_counts own, rolled;
            qc_results_code_counts(f.res, c, QC_OWN, &own);
            qc_results_code_counts(f.res, c, QC_ROLLED_UP, &rolled);
            cr_expect_eq(k.times[c], 1, "format %u: code %s's counts came %zu times", format, qc_code_id(f.cb, c),
                         k.times[c]);
            expect_counts(&k.own[c], &own, format == 1 ? "format 1 own" : "format 2 own", qc_code_id(f.cb, c));
            expect_counts(&k.rolled[c], &rolled, format == 1 ? "format 1 rolled-up" : "format 2 rolled-up",
                          qc_code_id(f.cb, c));
            merged |= rolled.quotations != own.quotations && rolled.quotations > 0;
        }
        cr_expect(merged, "a code whose rolled-up counts differ from its own");
        /* the read without counts gives the same quotations */
        size_t n = 0;
        qc_results_handlers plain = {NULL, NULL, NULL, count_quote, &n};
        cr_assert_eq(qc_results_read_all_with_counts(p, &plain, NULL, &err), 0, "%s", err.message);
        cr_expect_eq(n, k.quotations);
        memset(&k, 0, sizeof k);
        k.stop_at_first = 1;
        cr_expect_eq(qc_results_read_all_with_counts(p, &h, take_counts, &err), QC_ERR_CANCELLED);
        cr_expect_eq(k.calls, 1, "stopped at the first code's counts");
        free(p);
    }
    fixture_close(&f);
}

/* Replaces the first `from` of a file's text by `to` and returns the error reading it gives. */
static char *read_edited(const char *dir, const char *xml, const char *from, const char *to)
{
    const char *at = strstr(xml, from);
    cr_assert_not_null(at, "no %s", from);
    size_t len = strlen(xml) - strlen(from) + strlen(to);
    char *edited = malloc(len + 1);
    size_t head = (size_t)(at - xml);
    memcpy(edited, xml, head);
    strcpy(edited + head, to);
    strcat(edited, at + strlen(from));
    char *path = qct_write_file(dir, "edited.xml", edited, len);
    size_t n = 0;
    qc_results_handlers h = {NULL, NULL, NULL, count_quote, &n};
    qc_error err;
    cr_expect_neq(qc_results_read(path, &h, &err), 0, "%s -> %s was read", from, to);
    free(path);
    free(edited);
    return strdup(err.message);
}

/* What qcode cannot have written is refused where it is written: a hit outside its span, hits that
 * are not rule:start-end, a code the tree does not list, counts that do not match the spans or are
 * missing. */
Test(results_format2, impossible_spans_and_counts_are_refused)
{
    fixture f;
    fixture_open(&f, 3);
    char *p2 = write_format(&f, "r2.xml", 2);
    char *xml = qct_read_file(p2, NULL);
    cr_assert_not_null(xml);
    size_t n = 0;
    qc_results_handlers h = {NULL, NULL, NULL, count_quote, &n};
    qc_error err;
    cr_assert_eq(qc_results_read(p2, &h, &err), 0, "%s", err.message);
    cr_assert_gt(n, 10);
    /* the first span and its first code, found in the file */
    const char *span = strstr(xml, "<span "), *code = strstr(span, "<code id=\"");
    const char *hits = strstr(code, " hits=\"");
    cr_assert_not_null(hits);
    char *hits_attr = strndup(hits, (size_t)(strchr(hits + 7, '"') - hits + 1));
    char *m = read_edited(f.dir, xml, hits_attr, " hits=\"0:0-999999999\"");
    cr_expect(qct_contains(m, "is not inside its span"), "%s", m);
    free(m);
    m = read_edited(f.dir, xml, hits_attr, " hits=\"0:12\"");
    cr_expect(qct_contains(m, "are not rule:start-end separated by spaces"), "%s", m);
    free(m);
    char *code_id = strndup(code, (size_t)(strchr(code + 10, '"') - code + 1));
    m = read_edited(f.dir, xml, code_id, "<code id=\"NOSUCH\"");
    free(code_id);
    cr_expect(qct_contains(m, "a span's code \"NOSUCH\" is not listed in <codes>"), "%s", m);
    free(m);
    const char *own = strstr(strstr(xml, "<counts>"), "<own hits=\"");
    char *own_attr = strndup(own, (size_t)(strstr(own, " quotations=") - own));
    m = read_edited(f.dir, xml, own_attr, "<own hits=\"999999\"");
    cr_expect(qct_contains(m, "hits of its own in <counts> but its spans list"), "%s", m);
    free(m);
    m = read_edited(f.dir, xml, "<counts>",
                    "<counts><code id=\"T\"><own hits=\"0\" quotations=\"0\" respondents=\"0\" "
                    "documents=\"0\"/><rolledUp hits=\"0\" quotations=\"0\" respondents=\"0\" "
                    "documents=\"0\"/></code>");
    cr_expect(qct_contains(m, "quotations of its own in <counts> but its spans list") ||
                  qct_contains(m, "listed twice"),
              "%s", m);
    free(m);
    /* <counts> gone, or a code's counts gone (one with none of its own, so that no span lists it):
     * read as if every code counted nothing, `qcode quotes --results` said "0 quotations" (found
     * by fuzzing the counts' reader) */
    const char *counts = strstr(xml, "  <counts>"), *counts_end = strstr(xml, "</counts>\n");
    char *section = strndup(counts, (size_t)(counts_end + strlen("</counts>\n") - counts));
    m = read_edited(f.dir, xml, section, "");
    cr_expect(qct_contains(m, "no <counts> after <documents>"), "%s", m);
    free(m);
    free(section);
    /* a code with no spans and no counts: SLOW's entry gone */
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<results formatVersion=\"2\" xmlns=\"urn:qcode:results:2\">\n"
        "  <provenance>\n    <generator name=\"qcode\" version=\"0.1.0\"/>\n"
        "    <time>2025-12-05T00:00:00Z</time>\n"
        "    <codebook name=\"G\" version=\"1\" path=\"g.qcb\" sha256=\"\" codes=\"2\"/>\n    <options/>\n"
        "  </provenance>\n  <codes count=\"2\">\n"
        "    <code index=\"0\" id=\"IT\" name=\"IT\" depth=\"1\" codable=\"true\"/>\n"
        "    <code index=\"1\" id=\"SLOW\" name=\"Slow\" parent=\"IT\" depth=\"2\" codable=\"true\"/>\n"
        "  </codes>\n  <documents>\n  </documents>\n"
        "  <counts>\n    <code id=\"IT\">\n"
        "      <own hits=\"0\" quotations=\"0\" respondents=\"0\" documents=\"0\"/>\n"
        "      <rolledUp hits=\"0\" quotations=\"0\" respondents=\"0\" documents=\"0\"/>\n    </code>\n"
        "  </counts>\n</results>\n";
    char *path = qct_write_file(f.dir, "one.xml", head, sizeof head - 1);
    cr_expect_neq(qc_results_read(path, &h, &err), 0, "a code without counts was read");
    cr_expect(qct_contains(err.message, "code SLOW has no counts in <counts>"), "%s", err.message);
    free(path);
    free(own_attr);
    free(hits_attr);
    free(xml);
    free(p2);
    fixture_close(&f);
}

/* --- unlabelled text among labelled speakers (docs/semantics.md, "Counts") --- */

#define MIXED QCODE_SOURCE_DIR "/tests/data/mixed-speakers"

/* Untagged cues among tagged ones count for no respondent in both formats, with one thread or two,
 * and results.xml reads back the counts the library made: no respondent named after a.vtt or c.srt
 * in the counts or in <respondents>. */
Test(results_format2, unlabelled_text_among_labelled_speakers_is_no_respondent_in_either_format)
{
    char *dir = qct_temp_dir();
    const char *code = "code -c " MIXED "/mixed.qcb --cases " MIXED "/cases.tsv -o %s " MIXED;
    char cmd[1024];
    qct_run r;
    snprintf(cmd, sizeof cmd, "%s --results-format 1 --jobs 1", code);
    qct_qcode(&r, dir, cmd, "r1.xml");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *summary1 = strdup(r.out);
    qct_run_free(&r);
    snprintf(cmd, sizeof cmd, "%s --results-format 2 --jobs 2", code);
    qct_qcode(&r, dir, cmd, "r2.xml");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, summary1);
    qct_run_free(&r);
    free(summary1);
    char p1[1024], p2[1024], why[512] = "";
    snprintf(p1, sizeof p1, "%s/r1.xml", dir);
    snprintf(p2, sizeof p2, "%s/r2.xml", dir);
    cr_expect_eq(validate2(p2, why, sizeof why), 0, "%s", why);
    char *x1 = qct_read_file(p1, NULL), *x2 = qct_read_file(p2, NULL);
    char *c1 = section(x1, "<respondents ", "<codes "), *c2 = section(x2, "<respondents ", "<counts>");
    rtrim(c1);
    rtrim(c2);
    cr_expect_str_eq(c2, c1, "respondents and attributes");
    cr_expect(qct_contains(c1, "<respondents count=\"6\">") && qct_contains(c1, "label=\"i.vtt\"") &&
                  !qct_contains(c1, "label=\"a.vtt\"") && !qct_contains(c1, "label=\"c.srt\""),
              "%s", c1);
    cr_expect(!qct_contains(x1, "<bySpeaker speaker=\"a.vtt\"") && !qct_contains(x1, "<bySpeaker speaker=\"c.srt\""));
    char *t1 = section(x1, "<totals ", "/>"), *t2 = section(x2, "<totals ", "/>");
    cr_expect_str_eq(t2, t1);
    free(t1), free(t2), free(c1), free(c2), free(x1), free(x2);

    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, MIXED "/mixed.qcb", NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_casebook_load(&cases, MIXED "/cases.tsv", &err), 0, "%s", err.message);
    lines k1 = {.cb = cb}, k2 = {.cb = cb};
    codes_of(p1, &k1);
    codes_of(p2, &k2);
    cr_assert_eq(k1.count, qc_codebook_code_count(cb));
    cr_assert_eq(k2.count, k1.count);
    for (size_t i = 0; i < k1.count; i++)
        cr_expect_str_eq(k2.at[i], k1.at[i], "code %zu", i);
    lines_free(&k1);
    lines_free(&k2);

    /* Read back: the counts of the library's own run of the corpus. */
    qc_results *res = NULL;
    cr_assert_eq(qc_results_new(&res, cb, cases, NULL), 0);
    static const char *const paths[] = {MIXED "/a.vtt", MIXED "/b.txt", MIXED "/c.srt", MIXED "/i.vtt"};
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    cr_assert_eq(qc_corpus_run(paths, 4, cb, cases, &ro, NULL, &err), 0, "%s", err.message);
    quotes_file_counts fc;
    quotes_counts_read(&fc, p1);
    cr_assert_eq(fc.count, qc_codebook_code_count(cb));
    for (size_t c = 0; c < fc.count; c++) {
        qc_counts own, rolled;
        qc_results_code_counts(res, c, QC_OWN, &own);
        qc_results_code_counts(res, c, QC_ROLLED_UP, &rolled);
        cr_expect(memcmp(&own, &fc.own[c], sizeof own) == 0 && memcmp(&rolled, &fc.rolled_up[c], sizeof rolled) == 0,
                  "code %zu read back", c);
    }
    /* TW: Ann, Bob, b.txt, P1 (and p1) and i.vtt. */
    cr_expect_eq(fc.own[0].respondents, 5);
    cr_expect_eq(fc.own[0].documents, 4);
    quotes_counts_free(&fc);
    qc_results_free(res);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    free(dir);
}
