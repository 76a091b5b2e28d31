/* Exporting projects: schema validity, stable GUIDs, offsets, manual codings, the round trip
 * export -> import -> export, and the checker. */
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <sys/stat.h>

#include "qc_test.h"
#include "xml_fail.h"

typedef struct warnings {
    char text[16384];
    size_t count;
} warnings;

static void collect(const qc_diagnostic *d, void *user)
{
    warnings *w = user;
    size_t n = strlen(w->text);
    snprintf(w->text + n, sizeof w->text - n, "%s:%u: %s\n", d->file, d->line, d->message);
    w->count++;
}

static const char p01[] = "site: RS1\n"
                          "phase: 2\n"
                          "\n"
                          "Interviewer: Where is the team based?\n"
                          "Nurse 2: We moved into the same office last year \xf0\x9f\x98\x80 and it helps.\n"
                          "Nurse 2: I walk over and ask advice. Trust is better now.\n";
static const char p02[] = "site: RS2\n"
                          "phase: 1\n"
                          "\n"
                          "Interviewer: And records?\n"
                          "Therapist 1: We cannot see each other's records, access is a pain.\n"
                          "Interviewer: Still?\n"
                          "Therapist 1: Still.\n";
static const char cases_tsv[] = "speaker\tprofession\tyears\tsenior\tstarted\n"
                                "Nurse 2\tnurse\t12\tyes\t2015-04-01\n"
                                "Therapist 1\tOT\t3.5\tno\t2021-09-15\n";

typedef struct fixture {
    char *dir;
    qc_codebook *cb;
    qc_casebook *cases;
    qc_document *docs[2];
} fixture;

/* Writes a transcript into dir and reads it as the document `name`, which must succeed. */
static qc_document *read_transcript(const char *dir, const char *name, const char *text, size_t len)
{
    char *p = qct_write_file(dir, name, text, len);
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    ro.id = name;
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_file(&doc, p, &ro, &err), 0, "%s", err.message);
    free(p);
    return doc;
}

/* A new export at a fixed time, so that its projects compare byte for byte. */
static qc_refi_export *new_export(const qc_codebook *cb, const qc_casebook *cases, int utf16)
{
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.time = "2024-05-06T07:08:09Z";
    opts.utf16_offsets = utf16;
    qc_refi_export *x = NULL;
    qc_error err;
    cr_assert_eq(qc_refi_export_new(&x, cb, cases, &opts, &err), 0);
    return x;
}

static void setup(fixture *f)
{
    f->dir = qct_temp_dir();
    char *cbp = qct_source_path("tests/data/refi/care.qcb");
    qc_error err;
    cr_assert_eq(qc_codebook_load(&f->cb, cbp, NULL, &err), 0, "%s", err.message);
    free(cbp);
    char *cp = qct_write_file(f->dir, "cases.tsv", cases_tsv, sizeof cases_tsv - 1);
    cr_assert_eq(qc_casebook_load(&f->cases, cp, &err), 0, "%s", err.message);
    free(cp);
    const char *texts[2] = {p01, p02}, *names[2] = {"P01.txt", "P02.txt"};
    for (int i = 0; i < 2; i++)
        f->docs[i] = read_transcript(f->dir, names[i], texts[i], strlen(texts[i]));
}

static void teardown(fixture *f)
{
    for (int i = 0; i < 2; i++)
        qc_document_free(f->docs[i]);
    qc_casebook_free(f->cases);
    qc_codebook_free(f->cb);
    free(f->dir);
}

/* An export of the fixture: the engine's codings plus one by a person. */
static qc_refi_export *make_export(fixture *f, int utf16)
{
    qc_refi_export *x = new_export(f->cb, f->cases, utf16);
    qc_error err;
    qc_coder *coder = NULL;
    cr_assert_eq(qc_coder_new(&coder, f->cb, NULL, &err), 0);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(qc_refi_export_add_document(x, f->docs[i], &err), 0, "%s", err.message);
        qc_coding *c = NULL;
        cr_assert_eq(qc_coder_code(coder, f->docs[i], f->cases, &c, &err), 0, "%s", err.message);
        for (size_t k = 0; k < qc_coding_quotation_count(c); k++) {
            qc_quotation q;
            qc_coding_quotation(c, k, &q);
            cr_assert_eq(qc_refi_export_add_quotation(x, qc_document_id(f->docs[i]), q.code, q.start, q.end, NULL, NULL,
                                                      NULL, &err),
                         0, "%s", err.message);
        }
        qc_coding_free(c);
    }
    qc_coder_free(coder);
    /* A person's coding of "Trust is better now." (P01, code TRUST). */
    size_t size;
    const char *text = qc_document_text(f->docs[0], &size);
    const char *hit = strstr(text, "Trust is better now.");
    cr_assert_not_null(hit);
    size_t start = 0;
    while (qc_document_text_offset(f->docs[0], start) < (size_t)(hit - text))
        start++;
    cr_assert_eq(qc_refi_export_add_quotation(x, "P01.txt", (size_t)qc_codebook_find(f->cb, "TRUST"), start, start + 20,
                                              "Trust is better now.", "Ann Coder", "2024-01-02T03:04:05Z", &err),
                 0, "%s", err.message);
    return x;
}

static char *write_qde(qc_refi_export *x, const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    qc_error err;
    cr_assert_eq(qc_refi_export_write_qde(x, path, &err), 0, "%s", err.message);
    return qct_read_file(path, NULL);
}

static int xsd_valid(const char *xml_path)
{
    char *xsd = qct_shared_path("refi/Project.xsd");
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadFile(xml_path, NULL, XML_PARSE_NONET);
    int rc = doc ? xmlSchemaValidateDoc(vc, doc) : -1;
    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    free(xsd);
    return rc == 0;
}

Test(qdpx_export, project_qde_has_everything_in_schema_order)
{
    fixture f;
    setup(&f);
    qc_refi_export *x = make_export(&f, 0);
    char *qde = write_qde(x, f.dir, "project.qde");
    /* Users: the engine and the person. */
    char g[QC_GUID_SIZE], needle[512];
    qc_refi_guid("user:qcode", g);
    snprintf(needle, sizeof needle, "<User guid=\"%s\" name=\"qcode\"/>", g);
    cr_assert(qct_contains(qde, needle), "%s", needle);
    cr_assert(qct_contains(qde, "name=\"Ann Coder\"/>"));
    /* Sections in the order of Project.xsd's sequence. */
    const char *order[] = {"<Users>", "<CodeBook>", "<Variables>", "<Cases>", "<Sources>", "<Sets>"};
    const char *prev = qde;
    for (size_t i = 0; i < 6; i++) {
        const char *at = strstr(qde, order[i]);
        cr_assert(at && at > prev, "%s missing or out of order", order[i]);
        prev = at;
    }
    /* Variables typed from the data. */
    cr_assert(qct_contains(qde, "name=\"profession\" typeOfVariable=\"Text\""));
    cr_assert(qct_contains(qde, "name=\"years\" typeOfVariable=\"Float\""));
    cr_assert(qct_contains(qde, "name=\"senior\" typeOfVariable=\"Boolean\""));
    cr_assert(qct_contains(qde, "name=\"started\" typeOfVariable=\"Date\""));
    cr_assert(qct_contains(qde, "name=\"phase\" typeOfVariable=\"Integer\""));
    cr_assert(qct_contains(qde, "<BooleanValue>true</BooleanValue>"));
    cr_assert(qct_contains(qde, "<DateValue>2015-04-01</DateValue>"));
    /* A case per participant, with their sources; the interviewer is no case. */
    qc_refi_guid("case:Nurse 2", g);
    snprintf(needle, sizeof needle, "<Case guid=\"%s\" name=\"Nurse 2\">", g);
    cr_assert(qct_contains(qde, needle), "%s", needle);
    cr_assert_not(qct_contains(qde, "name=\"Interviewer\""));
    /* The source: its GUID from its id, its text in sources/<GUID>.txt. */
    qc_refi_guid("source:P01.txt", g);
    snprintf(needle, sizeof needle, "<TextSource guid=\"%s\" name=\"P01.txt\" plainTextPath=\"internal://%s.txt\"", g,
             g);
    cr_assert(qct_contains(qde, needle), "%s", needle);
    /* The person's coding: a selection named by its text, with a Coding by that user. */
    cr_assert(qct_contains(qde, "name=\"Trust is better now.\" startPosition=\"160\" endPosition=\"180\""), "%s", qde);
    cr_assert(qct_contains(qde, "creationDateTime=\"2024-01-02T03:04:05Z\""));
    free(qde);
    qc_refi_export_free(x);
    teardown(&f);
}

Test(qdpx_export, exports_validate_against_project_xsd_and_pass_the_checker)
{
    QCT_REQUIRE_SHARED("refi/Project.xsd");
    fixture f;
    setup(&f);
    qc_refi_export *x = make_export(&f, 0);
    char *qde = write_qde(x, f.dir, "project.qde");
    char path[1200];
    snprintf(path, sizeof path, "%s/project.qde", f.dir);
    cr_assert(xsd_valid(path), "project.qde is not valid against Project.xsd");
    snprintf(path, sizeof path, "%s/p.qdpx", f.dir);
    qc_error err;
    cr_assert_eq(qc_refi_export_write(x, path, &err), 0, "%s", err.message);
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    char *schemas = qct_shared_path("refi");
    opts.schema_dir = schemas;
    qc_refi_check_result r;
    cr_assert_eq(qc_refi_check(path, &opts, &r, &err), 0, "%s", err.message);
    cr_assert_eq(r.errors, 0, "%s", w.text);
    cr_assert_eq(r.warnings, 0, "%s", w.text);
    free(schemas);
    free(qde);
    qc_refi_export_free(x);
    teardown(&f);
}

Test(qdpx_export, same_input_gives_the_same_bytes_and_guids)
{
    fixture f;
    setup(&f);
    qc_refi_export *a = make_export(&f, 0), *b = make_export(&f, 0);
    char pa[1200], pb[1200];
    snprintf(pa, sizeof pa, "%s/a.qdpx", f.dir);
    snprintf(pb, sizeof pb, "%s/b.qdpx", f.dir);
    qc_error err;
    cr_assert_eq(qc_refi_export_write(a, pa, &err), 0, "%s", err.message);
    cr_assert_eq(qc_refi_export_write(b, pb, &err), 0, "%s", err.message);
    size_t na, nb;
    char *xa = qct_read_file(pa, &na), *xb = qct_read_file(pb, &nb);
    cr_assert(na == nb && memcmp(xa, xb, na) == 0, "two exports of the same input differ");
    free(xa);
    free(xb);
    /* A quotation's GUID is that of its code, document and span. */
    char *qde = write_qde(a, f.dir, "a.qde");
    char g[QC_GUID_SIZE], needle[256];
    qc_refi_guid("manual-selection:Ann Coder:TRUST:P01.txt:160:180", g);
    snprintf(needle, sizeof needle, "<PlainTextSelection guid=\"%s\"", g);
    cr_assert(qct_contains(qde, needle), "%s", needle);
    free(qde);
    qc_refi_export_free(a);
    qc_refi_export_free(b);
    teardown(&f);
}

Test(qdpx_export, utf16_offsets_count_what_nvivo_counts)
{
    fixture f;
    setup(&f);
    qc_refi_export *x = make_export(&f, 1);
    char *qde = write_qde(x, f.dir, "u.qde");
    /* "Trust is better now." starts after one emoji (2 UTF-16 units): 160 code points, 161 units. */
    cr_assert(qct_contains(qde, "name=\"Trust is better now.\" startPosition=\"161\" endPosition=\"181\""), "%s", qde);
    cr_assert(qct_contains(qde, "(positions in UTF-16 code units, as NVivo)"));
    /* Imported back, the positions are read as UTF-16 and land on the same text. */
    char path[1400], dir[1200];
    snprintf(path, sizeof path, "%s/u.qdpx", f.dir);
    snprintf(dir, sizeof dir, "%s/u", f.dir);
    qc_error err;
    cr_assert_eq(qc_refi_export_write(x, path, &err), 0, "%s", err.message);
    qc_refi_import_summary s;
    cr_assert_eq(qc_refi_import_project(path, dir, NULL, &s, &err), 0, "%s", err.message);
    cr_assert_str_eq(s.offsets, "UTF-16 code units");
    cr_assert_eq(s.skipped, 0);
    qc_refi_import_summary_free(&s);
    snprintf(path, sizeof path, "%s/manual.xml", dir);
    char *manual = qct_read_file(path, NULL);
    cr_assert(qct_contains(manual, "start=\"160\" end=\"180\" coder=\"Ann Coder\" created=\"2024-01-02T03:04:05Z\">"
                                   "<text>Trust is better now.</text>"),
              "%s", manual);
    free(manual);
    free(qde);
    qc_refi_export_free(x);
    teardown(&f);
}

/* Blanks the values of an attribute everywhere (creation times may differ between exports). */
static void blank_attr(char *s, const char *attr)
{
    size_t n = strlen(attr);
    for (char *p = strstr(s, attr); p; p = strstr(p + 1, attr)) {
        char *q = p + n;
        if (*q++ != '=' || *q++ != '"')
            continue;
        char *end = strchr(q, '"');
        memmove(q, end, strlen(end) + 1);
    }
}

/* The project Description records how the export was made: it differs by design. */
static void blank_description(char *s)
{
    char *p = strstr(s, "\n  <Description>");
    if (p) {
        char *end = strstr(p, "</Description>\n");
        memmove(p + 1, end + 15, strlen(end + 15) + 1);
    }
}

/* snprintf that fails the test instead of truncating a path. */
#define PATH_PRINTF(buf, ...) cr_assert_lt((size_t)snprintf(buf, sizeof buf, __VA_ARGS__), sizeof buf, "path too long")

/* An export from an imported folder, as qc_refi_export_folder makes it, but to a bare .qde. */
static char *export_folder_qde(const char *dir, const char *out_dir, const char *name)
{
    char path[1200];
    qc_error err;
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    PATH_PRINTF(path, "%s/codebook.qcb", dir);
    cr_assert_eq(qc_codebook_load(&cb, path, NULL, &err), 0, "%s:%u: %s", err.file, err.line, err.message);
    PATH_PRINTF(path, "%s/cases.tsv", dir);
    struct stat sb;
    if (stat(path, &sb) == 0)
        cr_assert_eq(qc_casebook_load(&cases, path, &err), 0, "%s", err.message);
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.time = "2030-01-01T00:00:00Z";
    qc_refi_export *x = NULL;
    cr_assert_eq(qc_refi_export_new(&x, cb, cases, &opts, &err), 0);
    const char *names[2] = {"P01.txt", "P02.txt"};
    for (int i = 0; i < 2; i++) {
        PATH_PRINTF(path, "%s/sources/%s", dir, names[i]);
        qc_read_options ro = QC_READ_OPTIONS_INIT;
        ro.id = names[i];
        qc_document *doc = NULL;
        cr_assert_eq(qc_document_read_file(&doc, path, &ro, &err), 0, "%s", err.message);
        cr_assert_eq(qc_refi_export_add_document(x, doc, &err), 0);
        qc_document_free(doc);
    }
    PATH_PRINTF(path, "%s/manual.xml", dir);
    cr_assert_eq(qc_refi_export_add_manual(x, path, &err), 0, "%s", err.message);
    char *qde = write_qde(x, out_dir, name);
    qc_refi_export_free(x);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    return qde;
}

Test(qdpx_export, export_import_export_gives_the_same_project)
{
    fixture f;
    setup(&f);
    qc_refi_export *x = make_export(&f, 0);
    char *first = write_qde(x, f.dir, "first.qde");
    char path[1400], dir[1200];
    snprintf(path, sizeof path, "%s/first.qdpx", f.dir);
    snprintf(dir, sizeof dir, "%s/imported", f.dir);
    qc_error err;
    cr_assert_eq(qc_refi_export_write(x, path, &err), 0, "%s", err.message);
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    qc_refi_import_summary s;
    cr_assert_eq(qc_refi_import_project(path, dir, &opts, &s, &err), 0, "%s", err.message);
    cr_assert_eq(w.count, 0, "%s", w.text);
    cr_assert_eq(s.coder_count, 2);
    qc_refi_import_summary_free(&s);
    char *second = export_folder_qde(dir, f.dir, "second.qde");
    blank_attr(first, "creationDateTime");
    blank_attr(second, "creationDateTime");
    blank_description(first);
    blank_description(second);
    cr_assert_str_eq(first, second);
    free(first);
    free(second);
    qc_refi_export_free(x);
    teardown(&f);
}

/* Every coding of the NVivo sample survives export and a second import unchanged. */
Test(qdpx_export, nvivo_sample_survives_export_and_import)
{
    QCT_REQUIRE_SHARED("refi/samples/nvivo-win-12.6_oltas0517.qdpx");
    char *qdpx = qct_shared_path("refi/samples/nvivo-win-12.6_oltas0517.qdpx");
    char *tmp = qct_temp_dir();
    char d1[1200], d2[1200], out[1200], m1[1300], m2[1300];
    snprintf(d1, sizeof d1, "%s/one", tmp);
    snprintf(d2, sizeof d2, "%s/two", tmp);
    snprintf(out, sizeof out, "%s/again.qdpx", tmp);
    qc_error err;
    cr_assert_eq(qc_refi_import_project(qdpx, d1, NULL, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_refi_export_folder(d1, out, NULL, &err), 0, "%s", err.message);
    qc_refi_import_summary s;
    cr_assert_eq(qc_refi_import_project(out, d2, NULL, &s, &err), 0, "%s", err.message);
    cr_assert_eq(s.codings, 303);
    cr_assert_eq(s.warnings, 0);
    qc_refi_import_summary_free(&s);
    snprintf(m1, sizeof m1, "%s/manual.xml", d1);
    snprintf(m2, sizeof m2, "%s/manual.xml", d2);
    char *a = qct_read_file(m1, NULL), *b = qct_read_file(m2, NULL);
    /* Same codings line for line (the header names a different source file). */
    cr_assert_str_eq(strstr(a, "<coding "), strstr(b, "<coding "));
    free(a);
    free(b);
    free(qdpx);
    free(tmp);
}

Test(qdpx_export, manual_codings_follow_their_text)
{
    fixture f;
    setup(&f);
    char *manual_xml = NULL;
    {
        const char *m = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<manual xmlns=\"urn:qcode:manual:1\">\n"
                        "  <coding code=\"TRUST\" document=\"P01.txt\" start=\"100\" end=\"120\" coder=\"Ann\">"
                        "<text>Trust is better now.</text></coding>\n"
                        "  <coding code=\"NOPE\" document=\"P01.txt\" start=\"0\" end=\"4\" coder=\"Ann\">"
                        "<text>site</text></coding>\n"
                        "  <coding code=\"TRUST\" document=\"P09.txt\" start=\"0\" end=\"4\" coder=\"Ann\">"
                        "<text>site</text></coding>\n"
                        "  <coding code=\"TRUST\" document=\"P01.txt\" start=\"0\" end=\"4\" coder=\"Ann\">"
                        "<text>gone</text></coding>\n"
                        "</manual>\n";
        manual_xml = qct_write_file(f.dir, "manual.xml", m, strlen(m));
    }
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    opts.time = "2024-05-06T07:08:09Z";
    qc_refi_export *x = NULL;
    qc_error err;
    cr_assert_eq(qc_refi_export_new(&x, f.cb, NULL, &opts, &err), 0);
    cr_assert_eq(qc_refi_export_add_document(x, f.docs[0], &err), 0);
    cr_assert_eq(qc_refi_export_add_manual(x, manual_xml, &err), 0, "%s", err.message);
    cr_assert(qct_contains(w.text, "manual.xml:3: coding of TRUST by Ann on 'P01.txt': text found at 160-180 instead "
                                   "of 100-120: moved"),
              "%s", w.text);
    cr_assert(qct_contains(w.text, "manual.xml:4: coding by Ann on 'P01.txt': code NOPE is not in the codebook"), "%s",
              w.text);
    cr_assert(qct_contains(w.text, "manual.xml:5: coding of TRUST by Ann: document 'P09.txt' is not in this run"), "%s",
              w.text);
    cr_assert(qct_contains(w.text, "manual.xml:6: coding of TRUST by Ann on 'P01.txt' at 0-4: its text is no longer"),
              "%s", w.text);
    char *qde = write_qde(x, f.dir, "m.qde");
    cr_assert(qct_contains(qde, "name=\"Trust is better now.\" startPosition=\"160\" endPosition=\"180\""));
    free(qde);
    qc_refi_export_free(x);
    free(manual_xml);
    teardown(&f);
}

Test(qdpx_export, quotations_that_do_not_fit_are_refused)
{
    fixture f;
    setup(&f);
    qc_refi_export *x = NULL;
    qc_error err;
    cr_assert_eq(qc_refi_export_new(&x, f.cb, NULL, NULL, &err), 0);
    cr_assert_eq(qc_refi_export_add_document(x, f.docs[0], &err), 0);
    cr_assert_eq(qc_refi_export_add_document(x, f.docs[0], &err), QC_ERR_INVALID);
    cr_assert_eq(qc_refi_export_add_quotation(x, "P01.txt", 0, 5, 100000, NULL, NULL, NULL, &err), QC_ERR_INVALID);
    cr_assert(qct_contains(err.message, "outside document 'P01.txt'"), "%s", err.message);
    cr_assert_eq(qc_refi_export_add_quotation(x, "P01.txt", 0, 0, 4, "nope", NULL, NULL, &err), QC_ERR_INVALID);
    cr_assert(qct_contains(err.message, "the document changed"), "%s", err.message);
    cr_assert_eq(qc_refi_export_add_quotation(x, "P77.txt", 0, 0, 4, NULL, NULL, NULL, &err), QC_ERR_NOTFOUND);
    /* A failed write leaves nothing behind. */
    char path[1200];
    snprintf(path, sizeof path, "%s/no/such/folder/p.qdpx", f.dir);
    cr_assert_eq(qc_refi_export_write(x, path, &err), QC_ERR_IO);
    qc_refi_export_free(x);
    teardown(&f);
}

static size_t alloc_budget;
static void *fail_malloc(size_t n);
static void *fail_realloc(void *p, size_t n);

/* A quotation the export refuses stops the walk over the results: the error must be the
 * quotation's, not the walk's "stopped by the caller" (which `qcode code --qdpx` printed for a run
 * out of memory). */
Test(qdpx_export, a_quotation_refused_while_adding_results_says_why)
{
    fixture f;
    setup(&f);
    qc_error err;
    qc_coder *coder = NULL;
    qc_results *res = NULL;
    qc_coding *c = NULL;
    cr_assert_eq(qc_coder_new(&coder, f.cb, NULL, &err), 0);
    cr_assert_eq(qc_results_new(&res, f.cb, f.cases, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, f.docs[0], f.cases, &c, &err), 0, "%s", err.message);
    cr_assert_gt(qc_coding_quotation_count(c), 0);
    cr_assert_eq(qc_results_add(res, f.docs[0], c, NULL, &err), 0, "%s", err.message);
    qc_coding_free(c);
    qc_coder_free(coder);

    qc_refi_export *x = NULL;
    cr_assert_eq(qc_refi_export_new(&x, f.cb, NULL, NULL, &err), 0);
    cr_assert_eq(qc_refi_export_add_results(x, res, &err), QC_ERR_NOTFOUND); /* P01.txt was never added */
    cr_assert_eq(err.code, QC_ERR_NOTFOUND);
    cr_assert(qct_contains(err.message, "quotation on document 'P01.txt', which is not in the export"), "%s",
              err.message);
    qc_refi_export_free(x);

    qc_allocator failing = {fail_malloc, fail_realloc, free};
    int nomem = 0, done = 0;
    for (size_t budget = 0; budget < 100000 && !done; budget++) {
        cr_assert_eq(qc_refi_export_new(&x, f.cb, NULL, NULL, &err), 0);
        cr_assert_eq(qc_refi_export_add_document(x, f.docs[0], &err), 0);
        alloc_budget = budget;
        qc_set_allocator(&failing);
        int rc = qc_refi_export_add_results(x, res, &err);
        qc_set_allocator(NULL);
        qc_refi_export_free(x);
        /* QC_ERR_IO: the walk's own buffer (its reader tells no allocation failure apart) */
        cr_assert(rc == 0 || rc == QC_ERR_NOMEM || rc == QC_ERR_IO, "budget %zu: status %d (%s)", budget, rc,
                  err.message);
        if (rc == QC_ERR_NOMEM) {
            cr_assert_eq(err.code, QC_ERR_NOMEM, "budget %zu: %s", budget, err.message);
            cr_assert_str_eq(err.message, "out of memory", "budget %zu", budget);
            nomem++;
        }
        done = rc == 0;
    }
    cr_assert(done, "never succeeded within the budget");
    cr_assert_gt(nomem, 1);
    qc_results_free(res);
    teardown(&f);
}

/* Checks the project or codebook at path (freed here) with opts, whose warnings go to w (emptied
 * first): the check must finish and find this many errors, and unless message is NULL one of its
 * warnings must hold message. */
static void expect_check(char *path, const qc_refi_options *opts, warnings *w, size_t errors, const char *message)
{
    memset(w, 0, sizeof *w);
    qc_refi_check_result r;
    qc_error err;
    cr_assert_eq(qc_refi_check(path, opts, &r, &err), 0, "%s", err.message);
    cr_assert_eq(r.errors, errors, "%s", w->text);
    if (message)
        cr_assert(qct_contains(w->text, message), "%s", w->text);
    free(path);
}

Test(qdpx_export, checker_finds_what_the_schema_cannot)
{
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    expect_check(qct_source_path("tests/data/refi/dangling.qdpx"), &opts, &w, 1,
                 "dangling.qdpx:project.qde:9: <CodeRef> targetGUID=\"99999999-9999-9999-9999-"
                 "999999999999\" refers to nothing in the file");
    expect_check(qct_source_path("tests/data/refi/pastend.qdpx"), &opts, &w, 1,
                 ":8: <PlainTextSelection> cccccccc-0000-0000-0000-000000000001: positions 5-500");
    char *p = qct_source_path("tests/data/refi/corrupt.qdpx");
    qc_refi_check_result r;
    qc_error err;
    cr_assert_eq(qc_refi_check(p, &opts, &r, &err), QC_ERR_FORMAT);
    free(p);
}

/* libxml2's allocations failing (xml_fail.h), each in turn, while a project is checked: a GUID
 * whose copy failed was taken for absent, its element left out of the table (each reference to it
 * then "refers to nothing in the file"), and a reference so read went unchecked (a dangling one
 * passed). Each run is now out of memory or the same findings. */
typedef struct check_run {
    const char *path;
    qc_refi_check_result ref, got;
    warnings ref_w, w;
} check_run;

static int check_project(long n, void *user, qc_error *err)
{
    (void)n;
    check_run *r = user;
    memset(&r->w, 0, sizeof r->w);
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &r->w;
    return qc_refi_check(r->path, &opts, &r->got, err);
}

static void same_findings(long n, int status, void *user)
{
    const check_run *r = user;
    if (status == 0)
        cr_assert(r->got.errors == r->ref.errors && r->got.warnings == r->ref.warnings &&
                      strcmp(r->w.text, r->ref_w.text) == 0,
                  "allocation %ld failing: %zu errors, %zu warnings:\n%s", n, r->got.errors, r->got.warnings,
                  r->w.text);
}

Test(qdpx_export, libxml2_out_of_memory_in_the_checker_is_told)
{
    char *dir = qct_temp_dir();
    char err_path[1200];
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    char *p = qct_source_path("tests/data/refi/dangling.qdpx");
    check_run r = {.path = p};
    qc_error err;
    cr_assert_eq(check_project(-1, &r, &err), 0, "%s", err.message);
    r.ref = r.got;
    r.ref_w = r.w;
    cr_assert_eq(r.ref.errors, 1, "%s", r.ref_w.text);
    xml_fail_call call = {check_project, same_findings, &r};
    long n = xml_fail_each(p, err_path, &call);
    cr_assert_gt(n, 10, "libxml2 allocated only %ld times", n);
    free(p);
    free(dir);
}

Test(qdpx_export, checker_on_the_samples)
{
    QCT_REQUIRE_SHARED("refi/samples/spec-annexA2-atlasti-8.4_Project.qde");
    char *schemas = qct_shared_path("refi");
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    opts.schema_dir = schemas;
    expect_check(qct_shared_path("refi/samples/nvivo-win-12.6_oltas0517.qdpx"), &opts, &w, 0, NULL);
    /* The spec's own example validates against the XSD but gives two elements one GUID. */
    expect_check(qct_shared_path("refi/samples/spec-annexA2-atlasti-8.4_Project.qde"), &opts, &w, 2,
                 ":131: <PlainTextSelection> repeats GUID 95916796-d0a0-4b49-80b0-5a5c8b94ae13 of "
                 "<PDFSelection> on line 101");
    /* Taguette's empty <Sets/> fails the codebook schema. */
    expect_check(qct_shared_path("refi/samples/taguette-1.4.1_codebook.qdc"), &opts, &w, 1,
                 "taguette-1.4.1_codebook.qdc:2: schema: Element '{urn:QDA-XML:codebook:1.0}Sets'");
    free(schemas);
}

/* Out of memory anywhere in a codebook export and import: an error, never a crash or a leak. */
static void *fail_malloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    alloc_budget--;
    return malloc(n);
}
static void *fail_realloc(void *p, size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    alloc_budget--;
    return realloc(p, n);
}

Test(qdpx_export, allocation_failures_are_errors)
{
    char *src = qct_source_path("tests/data/refi/care.qcb");
    char *dir = qct_temp_dir();
    char qdc[1200], qcb[1200];
    snprintf(qdc, sizeof qdc, "%s/c.qdc", dir);
    snprintf(qcb, sizeof qcb, "%s/c.qcb", dir);
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, src, NULL, &err), 0);
    qc_allocator failing = {fail_malloc, fail_realloc, free};
    int succeeded = 0;
    for (size_t budget = 0; budget < 200000 && !succeeded; budget += 1 + budget / 6) {
        alloc_budget = budget;
        qc_set_allocator(&failing);
        int rc = qc_refi_export_qdc(cb, qdc, NULL, &err);
        if (rc == 0)
            rc = qc_refi_import_qdc(qdc, qcb, NULL, &err);
        qc_set_allocator(NULL);
        cr_assert(rc == 0 || rc == QC_ERR_NOMEM || rc == QC_ERR_IO, "budget %zu: status %d (%s)", budget, rc,
                  err.message);
        succeeded = rc == 0;
    }
    cr_assert(succeeded, "never succeeded within the budget");
    qc_codebook_free(cb);
    free(src);
    free(dir);
}

/* A speaker labelled `Nurse 2` in one transcript and `nurse 2` in another is one respondent in the
 * counts and one casebook row: the export made two cases of them. Now one, named as first seen,
 * with both sources. */
Test(qdpx_export, labels_differing_only_in_case_are_one_case)
{
    fixture f;
    setup(&f);
    /* "NURSE 2" too, in the same document: still one case, with P03 once among its sources */
    static const char p03[] = "Interviewer: Anything else?\nnurse 2: The office move helped.\n"
                              "Interviewer: And?\nnurse 2: Trust too.\nNURSE 2: Yes.\nNURSE 2: Quite.\n";
    qc_document *d3 = read_transcript(f.dir, "P03.txt", p03, sizeof p03 - 1);
    qc_refi_export *x = new_export(f.cb, f.cases, 0);
    qc_error err;
    qc_document *docs[3] = {f.docs[0], f.docs[1], d3};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(qc_refi_export_add_document(x, docs[i], &err), 0, "%s", err.message);
    char *qde = write_qde(x, f.dir, "case.qde");
    cr_assert_not_null(qde);
    char g[QC_GUID_SIZE], s1[QC_GUID_SIZE], s3[QC_GUID_SIZE], needle[512];
    qc_refi_guid("case:Nurse 2", g);
    qc_refi_guid("source:P01.txt", s1);
    qc_refi_guid("source:P03.txt", s3);
    snprintf(needle, sizeof needle,
             "<Case guid=\"%s\" name=\"Nurse 2\">\n"
             "      <VariableValue>",
             g);
    cr_assert(qct_contains(qde, needle), "%s", qde);
    const char *c = strstr(qde, needle), *end = strstr(c, "</Case>");
    cr_assert(end);
    char *one = strndup(c, (size_t)(end - c));
    snprintf(needle, sizeof needle, "<SourceRef targetGUID=\"%s\"/>", s1);
    cr_assert(qct_contains(one, needle), "%s", one);
    snprintf(needle, sizeof needle, "<SourceRef targetGUID=\"%s\"/>", s3);
    cr_assert(qct_contains(one, needle), "%s", one);
    cr_assert_null(strstr(strstr(one, needle) + 1, needle), "P03 once: %s", one);
    cr_assert_lt(strstr(one, s1), strstr(one, s3), "sources in document order: %s", one);
    cr_assert_not(qct_contains(qde, "name=\"nurse 2\""), "%s", qde);
    cr_assert_not(qct_contains(qde, "name=\"NURSE 2\""), "%s", qde);
    free(one);
    free(qde);
    qc_refi_export_free(x);
    qc_document_free(d3);
    teardown(&f);
}

/* Beyond ASCII alike (`Élodie` in one transcript, `élodie` in another): one case, as the counts
 * have one respondent. The export lower-cased ASCII only and made two. */
Test(qdpx_export, labels_differing_only_in_case_beyond_ascii_are_one_case)
{
    fixture f;
    setup(&f);
    static const char *const texts[2] = {"Élodie: The office move helped.\nInterviewer: And?\nÉlodie: Trust.\n",
                                         "élodie: Quite.\nInterviewer: And?\nélodie: Yes.\n"};
    qc_refi_export *x = new_export(f.cb, f.cases, 0);
    qc_error err;
    qc_document *docs[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "E%d.txt", i);
        docs[i] = read_transcript(f.dir, name, texts[i], strlen(texts[i]));
        cr_assert_eq(qc_refi_export_add_document(x, docs[i], &err), 0, "%s", err.message);
    }
    char *qde = write_qde(x, f.dir, "fold.qde");
    cr_assert_not_null(qde);
    char g[QC_GUID_SIZE], needle[256];
    qc_refi_guid("case:Élodie", g);
    snprintf(needle, sizeof needle, "<Case guid=\"%s\" name=\"Élodie\">", g);
    cr_assert(qct_contains(qde, needle), "%s", qde);
    cr_assert_not(qct_contains(qde, "name=\"élodie\""), "%s", qde);
    free(qde);
    qc_refi_export_free(x);
    for (int i = 0; i < 2; i++)
        qc_document_free(docs[i]);
    teardown(&f);
}

/* A header key and a casebook column of one name (`région`, `RÉGION`) are one variable, as they
 * are one attribute in the counts, named as the casebook names it, and the header's value goes on
 * the source under it. They were two variables (compared with ASCII case aside). */
Test(qdpx_export, a_header_key_and_a_column_of_one_name_are_one_variable_beyond_ascii)
{
    fixture f;
    setup(&f);
    static const char sheet[] = "document\tR\xC3\x89GION\nP01.txt\tNord\n";
    static const char p03[] = "r\xC3\xA9gion: Sud\n\nInterviewer: And?\nNurse 2: Fine.\n";
    qc_error err;
    char *cp = qct_write_file(f.dir, "regions.tsv", sheet, sizeof sheet - 1);
    qc_casebook *cases = NULL;
    cr_assert_eq(qc_casebook_load(&cases, cp, &err), 0, "%s", err.message);
    free(cp);
    qc_document *d3 = read_transcript(f.dir, "P03.txt", p03, sizeof p03 - 1);
    qc_refi_export *x = new_export(f.cb, cases, 0);
    qc_document *docs[2] = {f.docs[0], d3};
    for (int i = 0; i < 2; i++)
        cr_assert_eq(qc_refi_export_add_document(x, docs[i], &err), 0, "%s", err.message);
    char *qde = write_qde(x, f.dir, "regions.qde");
    cr_assert_not_null(qde);
    char g[QC_GUID_SIZE], needle[512];
    qc_refi_guid("variable:R\xC3\x89GION", g);
    snprintf(needle, sizeof needle, "<Variable guid=\"%s\" name=\"R\xC3\x89GION\"", g);
    cr_expect(qct_contains(qde, needle), "%s", qde);
    cr_expect_not(qct_contains(qde, "name=\"r\xC3\xA9gion\""), "%s", qde);
    const char *src = strstr(qde, "name=\"P03.txt\"");
    cr_assert_not_null(src, "%s", qde);
    snprintf(needle, sizeof needle, "<VariableRef targetGUID=\"%s\"/>\n        <TextValue>Sud</TextValue>", g);
    cr_expect(qct_contains(src, needle), "%s", src);
    free(qde);
    qc_refi_export_free(x);
    qc_casebook_free(cases);
    qc_document_free(d3);
    teardown(&f);
}

/* The part of qde between needle and the next `until` (caller frees), failing when absent. */
static char *element_at(const char *qde, const char *needle, const char *until)
{
    const char *at = strstr(qde, needle);
    cr_assert_not_null(at, "%s not in\n%s", needle, qde);
    const char *end = strstr(at, until);
    cr_assert_not_null(end);
    return strndup(at, (size_t)(end - at));
}

Test(qdpx_export, casebook_document_rows_go_on_sources_and_speaker_rows_on_cases)
{
    fixture f;
    setup(&f);
    static const char p03[] = "Interviewer: Anything else?\nNurse 2: The office move helped.\n"
                              "Interviewer: And?\nNurse 2: Trust too.\n";
    char *p = qct_write_file(f.dir, "P03.txt", p03, sizeof p03 - 1);
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    ro.id = "P03.txt";
    qc_document *d3 = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_file(&d3, p, &ro, &err), 0, "%s", err.message);
    free(p);
    /* region describes documents; grade the nurse, who has a different one in each interview. */
    static const char sheet[] = "document\tspeaker\tregion\tgrade\n"
                                "P01.txt\t\tNorth\t\n"
                                "P02.txt\t\tSouth\t\n"
                                "P01.txt\tNurse 2\t\tB5\n"
                                "P03.txt\tNurse 2\t\tB6\n";
    char *cp = qct_write_file(f.dir, "mixed.tsv", sheet, sizeof sheet - 1);
    qc_casebook *cases = NULL;
    cr_assert_eq(qc_casebook_load(&cases, cp, &err), 0, "%s", err.message);
    /* Said at the row of the value left out, naming the kept one's: it named no file. */
    char conflict[1024];
    snprintf(conflict, sizeof conflict,
             "%s:5: speaker Nurse 2: casebook attribute 'grade' is 'B5' in P01.txt (line 4) but 'B6' in P03.txt; ", cp);
    free(cp);
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.time = "2024-05-06T07:08:09Z";
    opts.on_warning = collect;
    opts.user = &w;
    qc_refi_export *x = NULL;
    cr_assert_eq(qc_refi_export_new(&x, f.cb, cases, &opts, &err), 0);
    qc_document *docs[3] = {f.docs[0], f.docs[1], d3};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(qc_refi_export_add_document(x, docs[i], &err), 0, "%s", err.message);
    char *qde = write_qde(x, f.dir, "mixed.qde");
    char g[QC_GUID_SIZE], needle[512];
    /* Each source its own region (P01's header attributes are still there beside it). */
    char *src = element_at(qde, "name=\"P01.txt\"", "</TextSource>");
    cr_assert(qct_contains(src, "<TextValue>North</TextValue>"), "%s", src);
    cr_assert(qct_contains(src, "<TextValue>RS1</TextValue>"), "%s", src);
    free(src);
    src = element_at(qde, "name=\"P02.txt\"", "</TextSource>");
    cr_assert(qct_contains(src, "<TextValue>South</TextValue>"), "%s", src);
    free(src);
    /* The cases: only what the speakers' own rows give; the first of two grades, said aloud. */
    qc_refi_guid("case:Nurse 2", g);
    snprintf(needle, sizeof needle, "<Case guid=\"%s\"", g);
    char *nurse = element_at(qde, needle, "</Case>");
    cr_assert(qct_contains(nurse, "<TextValue>B5</TextValue>"), "%s", nurse);
    cr_assert_not(qct_contains(nurse, "North"), "%s", nurse);
    cr_assert_not(qct_contains(nurse, "B6"), "%s", nurse);
    free(nurse);
    qc_refi_guid("case:Therapist 1", g);
    snprintf(needle, sizeof needle, "<Case guid=\"%s\"", g);
    char *therapist = element_at(qde, needle, "</Case>");
    cr_assert_not(qct_contains(therapist, "<VariableValue>"), "%s", therapist);
    free(therapist);
    cr_assert_eq(w.count, 1, "%s", w.text);
    cr_assert(qct_contains(w.text, conflict), "%s", w.text);
    if (qct_shared_available("refi/Project.xsd")) {
        snprintf(needle, sizeof needle, "%s/mixed.qde", f.dir);
        cr_assert(xsd_valid(needle), "mixed.qde is not valid against Project.xsd");
    } else
        qct_note("../shared/refi/Project.xsd is not present: the schema check is left out");
    free(qde);
    qc_refi_export_free(x);
    qc_casebook_free(cases);
    qc_document_free(d3);
    teardown(&f);
}

/* A variable is a Date only when every value is a day of the calendar: 2016-04-31, 2016-02-30,
 * 1900-02-29 and year 0000 passed (month 1-12, day 1-31 was the whole check) and went out as
 * DateValues that Project.xsd refuses. */
Test(qdpx_export, impossible_dates_make_a_text_variable)
{
    fixture f;
    setup(&f);
    static const char text[] = "leap: 2016-02-29\n"
                               "april: 2016-04-31\n"
                               "february: 2016-02-30\n"
                               "century: 1900-02-29\n"
                               "zero: 0000-01-01\n"
                               "\n"
                               "Interviewer: Where is the team based?\n"
                               "Nurse 2: In the same office.\n";
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    ro.id = "dates.txt";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "dates.txt", text, sizeof text - 1, &ro, &err), 0, "%s", err.message);
    cr_assert_eq(qc_document_attribute_count(doc), 5);
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.time = "2024-05-06T07:08:09Z";
    qc_refi_export *x = NULL;
    cr_assert_eq(qc_refi_export_new(&x, f.cb, NULL, &opts, &err), 0);
    cr_assert_eq(qc_refi_export_add_document(x, doc, &err), 0, "%s", err.message);
    char *qde = write_qde(x, f.dir, "dates.qde");
    cr_assert(qct_contains(qde, "name=\"leap\" typeOfVariable=\"Date\""), "%s", qde);
    const char *text_vars[] = {"april", "february", "century", "zero"};
    for (size_t i = 0; i < 4; i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "name=\"%s\" typeOfVariable=\"Text\"", text_vars[i]);
        cr_assert(qct_contains(qde, needle), "%s in\n%s", needle, qde);
    }
    cr_assert_not(qct_contains(qde, "<DateValue>2016-04-31</DateValue>"), "%s", qde);
    if (qct_shared_available("refi/Project.xsd")) {
        char path[1200];
        snprintf(path, sizeof path, "%s/dates.qde", f.dir);
        cr_assert(xsd_valid(path), "dates.qde is not valid against Project.xsd");
    } else
        qct_note("../shared/refi/Project.xsd is not present: the schema check is left out");
    free(qde);
    qc_refi_export_free(x);
    qc_document_free(doc);
    teardown(&f);
}
