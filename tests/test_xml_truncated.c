/* A REFI-QDA project (.qde inside a .qdpx, and bare), a .docx's XML parts and a manual.xml cut short
 * are told as cut short, at the end of the part, naming the innermost element open there, as
 * results.xml and .qdc files are (test_results_xml.c, test_qdc.c): "the file ends inside <X>
 * (truncated?)", or "... before its first element is complete (truncated?)". Each fixture is cut at
 * every byte; what each cut must say is worked out by a plain scan (cut_helpers.h). Without the
 * check in engine/xml_safe.c, most cuts said libxml2's "Premature end of data in tag ...",
 * "Couldn't find end of Start Tag ..." or "expected '>'". */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */

#include "cut_helpers.h"
#include "qc_test.h"

#include <sys/stat.h>
#include <unistd.h>

static void quiet(const qc_diagnostic *d, void *user)
{
    (void)d;
    (void)user;
}

static void expect_error(const qc_error *err, int rc, const char *file, const cut_expect *want)
{
    cr_assert_eq(rc, QC_ERR_FORMAT, "cut at %zu: status %d (%s)", want->n, rc, err->message);
    cr_assert_str_eq(err->file, file, "cut at %zu", want->n);
    cr_assert_str_eq(err->message, want->message, "cut at %zu", want->n);
    cr_assert_eq(err->line, want->line, "cut at %zu: %s at %u:%u, expected %u:%u", want->n, err->message, err->line,
                 err->column, want->line, want->col);
    cr_assert_eq(err->column, want->col, "cut at %zu: %s at %u:%u, expected %u:%u", want->n, err->message, err->line,
                 err->column, want->line, want->col);
}

static int import(const char *path, const char *dir, qc_error *err)
{
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = quiet;
    qc_refi_import_summary s;
    qc_error_clear(err);
    int rc = qc_refi_import_project(path, dir, &opts, &s, err);
    qc_refi_import_summary_free(&s);
    return rc;
}

/* project.qde cut at every byte, inside a whole .qdpx (named as the project names positions in an
 * entry: p.qdpx:project.qde) and as a bare .qde; nothing is imported from either. */
Test(xml_truncated, a_qde_cut_at_any_byte_in_a_qdpx_and_bare)
{
    char *good = qct_source_path("tests/data/refi/good.qdpx");
    char *dir = qct_temp_dir();
    char *qdpx = rel_path_in(dir, "cut.qdpx"), *qde = rel_path_in(dir, "cut.qde"), *out = rel_path_in(dir, "out");
    char in_qdpx[1200];
    snprintf(in_qdpx, sizeof in_qdpx, "%s:project.qde", qdpx);
    size_t size, first_tag_end, complete;
    char *xml = cut_zip_read(good, "project.qde", &size);
    cut_bounds(xml, size, "Project", &first_tag_end, &complete);
    qc_error err;
    for (size_t n = 1; n < complete; n++) {
        cut_expect want;
        cut_expectation(xml, n, first_tag_end, &want);
        cut_zip_with(good, "project.qde", xml, n, qdpx);
        expect_error(&err, import(qdpx, out, &err), in_qdpx, &want);
        cr_assert(access(out, F_OK) != 0, "cut at %zu: something was imported", n);
        FILE *fp = fopen(qde, "wb");
        cr_assert(fp && fwrite(xml, 1, n, fp) == n && fclose(fp) == 0);
        expect_error(&err, import(qde, out, &err), qde, &want);
        cr_assert(access(out, F_OK) != 0, "cut at %zu: something was imported from the bare .qde", n);
    }
    /* The whole entry, rebuilt the same way, imports. */
    cut_zip_with(good, "project.qde", xml, size, qdpx);
    cr_assert_eq(import(qdpx, out, &err), 0, "%s", err.message);
    free(xml);
    free(out);
    free(qde);
    free(qdpx);
    free(good);
    rel_rm_tree(dir);
    free(dir);
}

/* Each XML part of a .docx that the reader parses (the text and the properties) cut at every byte
 * inside a whole zip: the transcript is not read, and the message is at the part's end. */
static void docx_cuts(const char *entry, const char *root)
{
    char *good = qct_source_path("tests/data/formats/basic.docx");
    char *dir = qct_temp_dir();
    char *docx = rel_path_in(dir, "cut.docx");
    char in_docx[1200];
    snprintf(in_docx, sizeof in_docx, "%s:%s", docx, entry);
    size_t size, first_tag_end, complete;
    char *xml = cut_zip_read(good, entry, &size);
    cut_bounds(xml, size, root, &first_tag_end, &complete);
    qc_error err;
    for (size_t n = 1; n < complete; n++) {
        cut_expect want;
        cut_expectation(xml, n, first_tag_end, &want);
        cut_zip_with(good, entry, xml, n, docx);
        qc_document *doc = NULL;
        qc_error_clear(&err);
        expect_error(&err, qc_document_read_file(&doc, docx, NULL, &err), in_docx, &want);
        cr_assert_null(doc);
    }
    cut_zip_with(good, entry, xml, size, docx);
    qc_document *doc = NULL;
    cr_assert_eq(qc_document_read_file(&doc, docx, NULL, &err), 0, "%s", err.message);
    qc_document_free(doc);
    free(xml);
    free(docx);
    free(good);
    rel_rm_tree(dir);
    free(dir);
}

Test(xml_truncated, a_docx_document_xml_cut_at_any_byte, .timeout = 120)
{
    docx_cuts("word/document.xml", "w:document");
}

Test(xml_truncated, a_docx_core_xml_cut_at_any_byte, .timeout = 120)
{
    docx_cuts("docProps/core.xml", "cp:coreProperties");
}

static const char manual_codebook[] = "codebook \"M\" version 1\ncode WAIT \"Waiting\"\n  manual\n";
static const char manual_source[] = "P1: We waited six weeks \xE2\x80\x93 far too long.\n";
/* Two codings as qcode import writes them, one with text past ASCII (a cut can fall inside it). */
static const char manual_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<manual xmlns=\"urn:qcode:manual:1\" generator=\"qcode 0.1.0\" source=\"p.qdpx\">\n"
    "  <coding code=\"WAIT\" document=\"Interview.txt\" start=\"4\" end=\"23\" coder=\"Ana\">"
    "<text>We waited six weeks</text></coding>\n"
    "  <coding code=\"WAIT\" document=\"Interview.txt\" start=\"4\" end=\"36\" coder=\"Bj\xC3\xB6rn\">"
    "<text>We waited six weeks \xE2\x80\x93 far too long</text></coding>\n"
    "</manual>\n";

/* A manual.xml cut at every byte is refused by qc_manual_load at its end; at a few of the cuts,
 * `qcode code --manual` and `qcode export --qdpx DIR` exit 2 with the message and write nothing. */
Test(xml_truncated, a_manual_xml_cut_at_any_byte, .timeout = 120)
{
    char *dir = qct_temp_dir();
    char *cbp = qct_write_file(dir, "codebook.qcb", manual_codebook, strlen(manual_codebook));
    char *sources = rel_path_in(dir, "sources");
    cr_assert_eq(mkdir(sources, 0777), 0);
    char *src = qct_write_file(sources, "Interview.txt", manual_source, strlen(manual_source));
    char *manual = rel_path_in(dir, "manual.xml");
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, cbp, NULL, &err), 0, "%s", err.message);
    size_t size = strlen(manual_xml), first_tag_end, complete;
    cut_bounds(manual_xml, size, "manual", &first_tag_end, &complete);
    for (size_t n = 1; n < complete; n++) {
        cut_expect want;
        cut_expectation(manual_xml, n, first_tag_end, &want);
        FILE *fp = fopen(manual, "wb");
        cr_assert(fp && fwrite(manual_xml, 1, n, fp) == n && fclose(fp) == 0);
        qc_manual *m = NULL;
        qc_error_clear(&err);
        expect_error(&err, qc_manual_load(&m, manual, cb, NULL, NULL, &err), manual, &want);
        cr_assert_null(m);
        if (n % 37 != 0 && n != first_tag_end - 1)
            continue;
        char where[1400];
        snprintf(where, sizeof where, "manual.xml:%u:%u: error: %s\n", want.line, want.col, want.message);
        qct_run run;
        qct_qcode(&run, dir, "code -c codebook.qcb --manual manual.xml -o r.xml sources/Interview.txt");
        cr_assert_eq(run.status, 2, "cut at %zu: code --manual exit %d: %s", n, run.status, run.err);
        cr_assert(qct_contains(run.err, where), "cut at %zu: stderr lacks '%s':\n%s", n, where, run.err);
        qct_run_free(&run);
        qct_qcode(&run, dir, "export --qdpx out.qdpx .");
        snprintf(where, sizeof where, "./manual.xml:%u:%u: error: %s\n", want.line, want.col, want.message);
        cr_assert_eq(run.status, 2, "cut at %zu: export exit %d: %s", n, run.status, run.err);
        cr_assert(qct_contains(run.err, where), "cut at %zu: stderr lacks '%s':\n%s", n, where, run.err);
        qct_run_free(&run);
        char names[1024];
        cr_assert_eq(rel_list_dir(dir, names, sizeof names), 3, "cut at %zu: files written:\n%s", n, names);
    }
    FILE *fp = fopen(manual, "wb");
    cr_assert(fp && fwrite(manual_xml, 1, size, fp) == size && fclose(fp) == 0);
    qc_manual *m = NULL;
    cr_assert_eq(qc_manual_load(&m, manual, cb, NULL, NULL, &err), 0, "%s", err.message);
    qc_manual_free(m);
    qc_codebook_free(cb);
    free(manual);
    free(src);
    free(sources);
    free(cbp);
    rel_rm_tree(dir);
    free(dir);
}

/* results.xml is streamed in pieces of 256 KB (engine/xml_stream.c) and shares the check: a file of
 * 1.6 MB cut at points in its first piece and in later ones is told at its end, naming the element
 * a plain scan finds open there. */
Test(xml_truncated, a_results_xml_cut_past_its_first_piece, .timeout = 120)
{
    char *dir = qct_temp_dir();
    qct_run run;
    qct_qcode(&run, dir,
              "code -c '%s/codebooks/integrated-care.qcb' '%s/corpora/integrated-care' --results-format 1 -o r.xml",
              QCODE_SOURCE_DIR, QCODE_SOURCE_DIR);
    cr_assert_eq(run.status, 0, "%s", run.err);
    qct_run_free(&run);
    char *whole = rel_path_in(dir, "r.xml"), *cut = rel_path_in(dir, "cut.xml");
    size_t size, first_tag_end, complete;
    char *xml = qct_read_file(whole, &size);
    cr_assert(xml && size > 4 * ((size_t)256 << 10), "results.xml is %zu bytes", size);
    cut_bounds(xml, size, "results", &first_tag_end, &complete);
    size_t points[] = {first_tag_end - 1,       first_tag_end,     1000,
                       ((size_t)256 << 10) - 1, (size_t)256 << 10, ((size_t)256 << 10) + 1};
    for (size_t i = 0; i < 6 + 12; i++) {
        size_t n = i < 6 ? points[i] : ((size_t)256 << 10) + (i - 6) * 97331 + i;
        cr_assert_lt(n, complete);
        cut_expect want;
        cut_expectation(xml, n, first_tag_end, &want);
        FILE *fp = fopen(cut, "wb");
        cr_assert(fp && fwrite(xml, 1, n, fp) == n && fclose(fp) == 0);
        qc_error err;
        qc_error_clear(&err);
        expect_error(&err, qc_results_read(cut, NULL, &err), cut, &want);
    }
    free(xml);
    free(cut);
    free(whole);
    rel_rm_tree(dir);
    free(dir);
}
