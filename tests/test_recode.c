/* Re-coding: report counts and reasons on a small hand-made corpus, from an old codebook run and
 * from an old results.xml, with and without the cache. */
#include "gen_interviews.h"
#include "qc_test.h"

#include <dirent.h>
#include <unistd.h>

static const char OLD_CB[] = "codebook \"r\" version 1\n"
                             "code TEAM \"Team\"\n"
                             "  rule team\n"
                             "code LOAD \"Load\"\n"
                             "  rule caseload\n"
                             "code STRESS \"Stress\"\n"
                             "  rule stress\n"
                             "code PRESS \"Pressure\"\n"
                             "  rule pressure\n"
                             "code OTHER \"Other\"\n"
                             "  rule weather\n";

/* TEAM: rule widened (gains "colleagues"); LOAD -> WORKLOAD (id change); STRESS + PRESS merged
 * into STRAIN; OTHER removed; NEWC added. */
static const char NEW_CB[] = "codebook \"r\" version 2\n"
                             "code TEAM \"Team\"\n"
                             "  rule team OR colleagues\n"
                             "code WORKLOAD \"Workload\"\n"
                             "  was LOAD\n"
                             "  rule caseload\n"
                             "code STRAIN \"Strain\"\n"
                             "  merged-from STRESS PRESS\n"
                             "  rule stress OR pressure\n"
                             "code NEWC \"Parking\"\n"
                             "  rule parking\n";

static const char *const DOCS[][2] = {
    {"a.txt", "Nurse: Our team is great. My caseload is big.\n"
              "Nurse: The stress and the pressure both hit. Colleagues help.\n"},
    {"b.txt", "OT: The weather was bad. Parking is awful.\n"
              "OT: My caseload doubled. Pressure everywhere.\n"},
};

typedef struct fx {
    char *dir;
    char *paths[2];
    qc_codebook *old_cb, *new_cb;
} fx;

static void fx_make(fx *f)
{
    f->dir = qct_temp_dir();
    for (int i = 0; i < 2; i++)
        f->paths[i] = qct_write_file(f->dir, DOCS[i][0], DOCS[i][1], strlen(DOCS[i][1]));
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&f->old_cb, "old.qcb", OLD_CB, strlen(OLD_CB), NULL, &err), 0, "%s",
                 err.message);
    cr_assert_eq(qc_codebook_load_buffer(&f->new_cb, "new.qcb", NEW_CB, strlen(NEW_CB), NULL, &err), 0, "%s",
                 err.message);
}

static void fx_free(fx *f)
{
    for (int i = 0; i < 2; i++)
        free(f->paths[i]);
    free(f->dir);
    qc_codebook_free(f->old_cb);
    qc_codebook_free(f->new_cb);
}

static qc_recode_row row(const qc_recode *rc, const char *id)
{
    for (size_t i = 0; i < qc_recode_row_count(rc); i++) {
        qc_recode_row r;
        cr_assert_eq(qc_recode_get_row(rc, i, &r), 0);
        if (strcmp(r.id, id) == 0)
            return r;
    }
    cr_assert_fail("no row %s", id);
    qc_recode_row none = {0};
    return none;
}

static void check_counts(const qc_recode *rc)
{
    qc_recode_row r = row(rc, "TEAM");
    cr_assert_eq(r.before, 1);
    cr_assert_eq(r.after, 2);
    cr_assert_eq(r.kept, 1);
    cr_assert_eq(r.gained, 1);
    cr_assert_eq(r.lost, 0);
    r = row(rc, "WORKLOAD");
    cr_assert_str_eq(r.from, "LOAD");
    cr_assert_eq(r.kept, 2);
    cr_assert_eq(r.gained + r.lost, 0);
    r = row(rc, "STRAIN");
    cr_assert_str_eq(r.from, "STRESS PRESS");
    /* a.txt's second sentence was coded by both STRESS and PRESS: one span, counted once. */
    cr_assert_eq(r.before, 2);
    cr_assert_eq(r.after, 2);
    cr_assert_eq(r.kept, 2);
    r = row(rc, "OTHER");
    cr_assert_eq(r.new_code, -1);
    cr_assert_eq(r.before, 1);
    cr_assert_eq(r.lost, 1);
    r = row(rc, "NEWC");
    cr_assert_eq(r.before, 0);
    cr_assert_eq(r.gained, 1);
    cr_assert(r.kinds & QC_CHANGE_ADDED);
    qc_recode_totals t;
    qc_recode_get_totals(rc, &t);
    cr_assert_eq(t.kept, 5);
    cr_assert_eq(t.gained, 2);
    cr_assert_eq(t.lost, 1);
    cr_assert_eq(t.codes_changed, 3);
}

Test(recode, two_codebooks)
{
    fx f;
    fx_make(&f);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = f.old_cb;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    check_counts(rc);
    cr_assert_not_null(qc_recode_diff(rc));
    qc_recode_row r = row(rc, "TEAM");
    cr_assert(r.kinds & QC_CHANGE_RULES);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    cr_assert(qct_contains(xml, "<quotation change=\"gained\" reason=\"rules changed\" document=\"a.txt\""), "%s", xml);
    cr_assert(qct_contains(xml, "Colleagues help.</quotation>"), "%s", xml);
    cr_assert(qct_contains(xml, "<quotation change=\"lost\" reason=\"code removed\" document=\"b.txt\" start=\"4\" "
                                "end=\"24\" old-code=\"OTHER\">The weather was bad.</quotation>"),
              "%s", xml);
    cr_assert(qct_contains(xml, "reason=\"code added\""), "%s", xml);
    qc_diff_text_free(xml);
    char *text = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_TEXT, &text, NULL, &err), 0);
    cr_assert(qct_contains(text, "quotations: 6 before, 7 after: 5 kept, 2 gained, 1 lost; 3 codes changed\n"), "%s",
              text);
    cr_assert(qct_contains(text, "merged (from STRESS PRESS)"), "%s", text);
    qc_diff_text_free(text);
    qc_run_stats st;
    qc_recode_run_stats(rc, &st);
    cr_assert_eq(st.documents, 2);
    /* The new results hold the new codebook's coding. */
    qc_counts c;
    qc_results_code_counts(qc_recode_results(rc), (size_t)qc_codebook_find(f.new_cb, "TEAM"), QC_OWN, &c);
    cr_assert_eq(c.quotations, 2);
    qc_recode_free(rc);
    fx_free(&f);
}

/* The XML report of a re-code with `o` after the file's codingSha256 attributes are removed, so
 * that its old side is read in full (as a file written before the digests were); the file is put
 * back as it was. */
static char *report_read_in_full(const char *dir, const char *const *paths, size_t n, const qc_codebook *new_cb,
                                 const qc_recode_options *o)
{
    size_t size = 0;
    char *orig = qct_read_file(o->results_path, &size);
    cr_assert_not_null(orig);
    char *xml = malloc(size + 1), *w = xml;
    for (const char *r = orig; *r;) {
        if (strncmp(r, " codingSha256=\"", 15) == 0) {
            r = strchr(r + 15, '"') + 1;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    const char *name = strrchr(o->results_path, '/') + 1;
    free(qct_write_file(dir, name, xml, strlen(xml)));
    free(xml);
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, paths, n, new_cb, NULL, o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_old_side_coded(rc), 0);
    char *report = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &report, NULL, &err), 0);
    qc_recode_free(rc);
    free(qct_write_file(dir, name, orig, size));
    free(orig);
    return report;
}

Test(recode, from_results_xml_and_changed_document)
{
    fx f;
    fx_make(&f);
    /* The old results, as `qcode code` writes them. */
    qc_results *res = NULL;
    qc_error err;
    cr_assert_eq(qc_results_new(&res, f.old_cb, NULL, &err), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    cr_assert_eq(qc_corpus_run((const char *const *)f.paths, 2, f.old_cb, NULL, &ro, NULL, &err), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/old.xml", f.dir);
    cr_assert_eq(qc_results_write_xml(res, path, NULL, &err), 0);
    qc_results_free(res);

    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.results_path = path;
    qc_recode *rc = NULL;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    check_counts(rc);
    cr_assert_null(qc_recode_diff(rc));
    qc_recode_free(rc);

    /* With the old codebook too (for the reasons), and b.txt edited since: its changes are the
     * document's, whatever the code. */
    const char *edited = "OT: Sunny weather. Parking is fine.\nOT: No caseload talk.\n";
    free(qct_write_file(f.dir, "b.txt", edited, strlen(edited)));
    o.old_cb = f.old_cb;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    cr_assert(qct_contains(xml, "change=\"lost\" reason=\"document changed\" document=\"b.txt\""), "%s", xml);
    cr_assert_not(qct_contains(xml, "reason=\"unexplained\""), "%s", xml);
    /* a lost quotation's text is the old document's, as the file gave it (set aside while the file
     * was read), not the edited document's */
    cr_assert(qct_contains(xml, ">My caseload doubled.</quotation>"), "%s", xml);
    qc_diff_text_free(xml);
    qc_recode_row r = row(rc, "WORKLOAD");
    cr_assert_eq(r.kept, 1);
    cr_assert_eq(r.lost, 1);
    /* b.txt's coding is no longer the file's: its old side alone was read from the file, and the
     * report is the one reading the whole file gives. */
    cr_assert_eq(qc_recode_old_side_coded(rc), 1);
    cr_assert_eq(qc_recode_old_side_read_documents(rc), 1);
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    qc_recode_free(rc);
    char *full = report_read_in_full(f.dir, (const char *const *)f.paths, 2, f.new_cb, &o);
    cr_assert_str_eq(xml, full);
    qc_diff_text_free(xml);
    qc_diff_text_free(full);
    fx_free(&f);
}

/* Writes the old codebook's results.xml for the fixture's corpus to DIR/old.xml. */
static void write_old_results(fx *f, char *path, size_t size)
{
    qc_results *res = NULL;
    qc_error err;
    cr_assert_eq(qc_results_new(&res, f->old_cb, NULL, &err), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    cr_assert_eq(qc_corpus_run((const char *const *)f->paths, 2, f->old_cb, NULL, &ro, NULL, &err), 0);
    snprintf(path, size, "%s/old.xml", f->dir);
    cr_assert_eq(qc_results_write_xml(res, path, NULL, &err), 0);
    for (size_t d = 0; d < 2; d++) {
        qc_result_document doc;
        cr_assert_eq(qc_results_document(res, d, &doc), 0);
        cr_assert_eq(strlen(doc.coding_sha256), 64, "%s", doc.coding_sha256);
    }
    qc_results_free(res);
}

static char *recode_report(fx *f, const char *results, const char *cache, int coded_expected)
{
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.results_path = results;
    o.old_cb = f->old_cb;
    o.cache_dir = cache;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f->paths, 2, f->new_cb, NULL, &o, &err), 0, "%s", err.message);
    check_counts(rc);
    cr_assert_eq(qc_recode_old_side_coded(rc), coded_expected);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    qc_recode_free(rc);
    return xml;
}

/* Given the old codebook, a results.xml whose every document's codingSha256 is what the old
 * codebook gives is not read back but coded again (with or without the cache); the report is the
 * one that reading the file gives. */
Test(recode, matching_results_xml_is_coded_again)
{
    fx f;
    fx_make(&f);
    char path[1024], cache[1024];
    write_old_results(&f, path, sizeof path);
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    char *coded = recode_report(&f, path, NULL, 1);
    char *cached = recode_report(&f, path, cache, 1);
    char *cached_warm = recode_report(&f, path, cache, 1);

    /* The same file without its digests (as written before they were): read in full. */
    size_t size = 0;
    char *xml = qct_read_file(path, &size);
    char *w = xml;
    for (char *r = xml; *r;) {
        if (strncmp(r, " codingSha256=\"", 15) == 0) {
            r = strchr(r + 15, '"') + 1;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    cr_assert_lt(strlen(xml), size, "no codingSha256 in results.xml");
    free(qct_write_file(f.dir, "old.xml", xml, strlen(xml)));
    free(xml);
    char *read = recode_report(&f, path, NULL, 0);
    cr_assert_str_eq(coded, read);
    cr_assert_str_eq(cached, read);
    cr_assert_str_eq(cached_warm, read);
    qc_diff_text_free(coded);
    qc_diff_text_free(cached);
    qc_diff_text_free(cached_warm);
    qc_diff_text_free(read);
    fx_free(&f);
}

/* A results.xml that lacks a document of the corpus (compared with nothing), lists one the
 * corpus lacks, was made from another codebook, or whose documents are read another way: the
 * documents whose coding is not the file's take their old side from the file (with the cache and
 * without), and the report is the one reading the whole file gives. */
static void other_documents_or_codebook_are_read(const char *cache)
{
    fx f;
    fx_make(&f);
    char path[1024], cache_dir[1100];
    write_old_results(&f, path, sizeof path);
    snprintf(cache_dir, sizeof cache_dir, "%s/%s", f.dir, cache ? cache : "");
    qc_error err;
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.results_path = path;
    o.old_cb = f.old_cb;
    o.cache_dir = cache ? cache_dir : NULL;
    qc_recode *rc = NULL;
    /* a third document the file does not list: nothing before, all its quotations gained */
    char *paths[3] = {f.paths[0], f.paths[1], qct_write_file(f.dir, "c.txt", "OT: Team talk.\n", 15)};
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)paths, 3, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_old_side_coded(rc), 1);
    cr_assert_eq(qc_recode_old_side_read_documents(rc), 0);
    qc_run_stats rs;
    qc_recode_run_stats(rc, &rs);
    cr_assert_eq(rs.documents, 3, "%zu documents", rs.documents);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    cr_assert(qct_contains(xml, "change=\"gained\" reason=\"document changed\" document=\"c.txt\""), "%s", xml);
    qc_recode_free(rc);
    char *full = report_read_in_full(f.dir, (const char *const *)paths, 3, f.new_cb, &o);
    cr_assert_str_eq(xml, full);
    qc_diff_text_free(xml);
    qc_diff_text_free(full);
    free(paths[2]);

    /* a document of the file the corpus no longer has: everything lost */
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 1, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_old_side_coded(rc), 1);
    cr_assert_eq(qc_recode_old_side_read_documents(rc), 1);
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    qc_recode_free(rc);
    full = report_read_in_full(f.dir, (const char *const *)f.paths, 1, f.new_cb, &o);
    cr_assert_str_eq(xml, full);
    qc_diff_text_free(xml);
    qc_diff_text_free(full);

    /* the old codebook given is not the one the file was made with: its coding differs */
    qc_codebook *other = NULL;
    const char *cb = "codebook \"r\" version 1\ncode TEAM \"Team\"\n  rule team OR caseload\ncode LOAD \"Load\"\n"
                     "  rule caseload\ncode STRESS \"Stress\"\n  rule stress\ncode PRESS \"Pressure\"\n"
                     "  rule pressure\ncode OTHER \"Other\"\n  rule weather\n";
    cr_assert_eq(qc_codebook_load_buffer(&other, "other.qcb", cb, strlen(cb), NULL, &err), 0, "%s", err.message);
    o.old_cb = other;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_old_side_read_documents(rc), 2);
    check_counts(rc); /* the file's quotations, not what `other` codes */
    qc_recode_free(rc);
    qc_codebook_free(other);

    /* the documents read another way (no speaker labels): the same bytes, another text and turns */
    o.old_cb = f.old_cb;
    qc_read_options ropts = QC_READ_OPTIONS_INIT;
    ropts.speakers = QC_SPEAKERS_NONE;
    o.run.read = &ropts;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_old_side_read_documents(rc), 2);
    qc_recode_free(rc);
    fx_free(&f);
}

Test(recode, results_xml_of_other_documents_or_codebook_is_read)
{
    other_documents_or_codebook_are_read(NULL);
}

Test(recode, results_xml_of_other_documents_or_codebook_is_read_with_the_cache)
{
    other_documents_or_codebook_are_read("cache");
}

/* Re-codes the fixture's documents with options o: the report as XML (the caller frees it) and
 * the new codebook's cache statistics. */
static char *recode_xml(const fx *f, const qc_recode_options *o, qc_cache_stats *cs)
{
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f->paths, 2, f->new_cb, NULL, o, &err), 0, "%s", err.message);
    check_counts(rc);
    qc_recode_cache_stats(rc, cs);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    qc_recode_free(rc);
    return xml;
}

Test(recode, cache_gives_the_same_report)
{
    fx f;
    fx_make(&f);
    char cache[1024];
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = f.old_cb;
    char *texts[3];
    for (int i = 0; i < 3; i++) {
        o.cache_dir = i ? cache : NULL;
        qc_cache_stats cs;
        texts[i] = recode_xml(&f, &o, &cs);
        cr_assert_eq(cs.hits, i == 2 ? 2 : 0, "run %d: %zu hits", i, cs.hits);
    }
    cr_assert_str_eq(texts[0], texts[1]);
    cr_assert_str_eq(texts[0], texts[2]);
    for (int i = 0; i < 3; i++)
        qc_diff_text_free(texts[i]);
    fx_free(&f);
}

/* The bytes of every entry of a cache folder, as one checksum (an entry rewritten changes it). */
static char *entries_sum(const char *cache)
{
    char cmd[1200], line[256] = "";
    snprintf(cmd, sizeof cmd, "cat %s/*.qcc | cksum", cache);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    cr_assert_not_null(fgets(line, sizeof line, p));
    pclose(p);
    return strdup(line);
}

/* A re-code reads each document's entry once for both codebooks (the old codebook's lookup takes
 * what the new one's read or wrote): damaged entries are still rejected and rebuilt, with the same
 * report, and the rebuilt entries hold both codebooks' codes, so the next re-code rewrites none. */
Test(recode, cache_damaged_entries_are_rebuilt_for_both_codebooks)
{
    fx f;
    fx_make(&f);
    char cache[1024];
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = f.old_cb;
    o.cache_dir = cache;
    char *texts[3], *sums[3];
    for (int i = 0; i < 3; i++) {
        if (i == 1) {
            /* One byte of each payload flipped: its checksum no longer holds. */
            char cmd[1400];
            snprintf(cmd, sizeof cmd,
                     "cd %s && for e in *.qcc; do printf '\\377' | dd of=$e bs=1 seek=100 count=1 conv=notrunc "
                     "2>/dev/null; done",
                     cache);
            cr_assert_eq(system(cmd), 0, "%s", cmd);
        }
        qc_cache_stats cs;
        texts[i] = recode_xml(&f, &o, &cs);
        cr_assert_eq(cs.misses, i == 0 ? 2 : 0, "run %d: %zu new", i, cs.misses);
        cr_assert_eq(cs.rejected, i == 1 ? 2 : 0, "run %d: %zu rejected", i, cs.rejected);
        cr_assert_eq(cs.hits, i == 2 ? 2 : 0, "run %d: %zu hits", i, cs.hits);
        cr_assert_eq(cs.written, i == 2 ? 0 : 2, "run %d: %zu written", i, cs.written);
        sums[i] = entries_sum(cache);
    }
    cr_assert_str_eq(texts[0], texts[1]);
    cr_assert_str_eq(texts[0], texts[2]);
    cr_assert_str_eq(sums[0], sums[1], "the rebuilt entries are those of the first run");
    cr_assert_str_eq(sums[1], sums[2], "the old codebook found its codes too: nothing rewritten");
    for (int i = 0; i < 3; i++) {
        qc_diff_text_free(texts[i]);
        free(sums[i]);
    }
    fx_free(&f);
}

Test(recode, needs_an_old_side)
{
    fx f;
    fx_make(&f);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    qc_recode *rc = (qc_recode *)1;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), QC_ERR_INVALID);
    cr_assert_null(rc);
    o.results_path = "/nonexistent/results.xml";
    cr_assert_lt(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0);
    cr_assert(qct_contains(err.file, "/nonexistent/results.xml") || qct_contains(err.message, "nonexistent"), "%s",
              err.message);
    fx_free(&f);
}

/* A merged code whose old codes coded a document in the other order: STRESS (first in the old
 * codebook) codes the later sentence, PRESS the earlier one, so STRAIN's old spans arrive out of
 * text order and must be put back in it before the sides are compared, or the same two spans read
 * as one gained, one kept and one lost. */
Test(recode, merged_codes_spans_out_of_text_order_are_kept)
{
    fx f;
    fx_make(&f);
    static const char doc[] = "Nurse: Pressure came first. Then the stress.\n";
    char *path = qct_write_file(f.dir, "c.txt", doc, sizeof doc - 1);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = f.old_cb;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)&path, 1, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    qc_recode_row r = row(rc, "STRAIN");
    cr_expect_eq(r.before, 2);
    cr_expect_eq(r.after, 2);
    cr_expect_eq(r.kept, 2);
    cr_expect_eq(r.gained, 0);
    cr_expect_eq(r.lost, 0);
    qc_recode_free(rc);
    free(path);
    fx_free(&f);
}

/* An old side without a single quotation (a codebook that codes nothing here): everything after
 * is gained. Its empty list reached the sort as a NULL pointer, which UBSan reported. */
Test(recode, old_side_without_quotations)
{
    fx f;
    fx_make(&f);
    static const char none[] = "codebook \"r\" version 1\ncode TEAM \"Team\"\n  rule zeppelin\n";
    qc_codebook *old_cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&old_cb, "none.qcb", none, sizeof none - 1, NULL, &err), 0, "%s", err.message);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = old_cb;
    qc_recode *rc = NULL;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    qc_recode_row r = row(rc, "TEAM");
    cr_expect_eq(r.before, 0);
    cr_expect_eq(r.after, 2);
    cr_expect_eq(r.gained, 2);
    qc_recode_totals t;
    qc_recode_get_totals(rc, &t);
    cr_expect_eq(t.before, 0);
    cr_expect_eq(t.kept + t.lost, 0);
    qc_recode_free(rc);
    qc_codebook_free(old_cb);
    fx_free(&f);
}

/* counts_only (`qcode recode --dry-run`): the same report, text and XML (gained and lost lists
 * included), and the same new counts, from results that keep no quotations and cannot be
 * written; version 1 options (without the field) still run, with full results. */
Test(recode, counts_only_gives_the_same_report)
{
    fx f;
    fx_make(&f);
    char *xml[3], *text[3];
    qc_counts counts[3];
    int only[3];
    for (int i = 0; i < 3; i++) {
        qc_recode_options o = QC_RECODE_OPTIONS_INIT;
        o.old_cb = f.old_cb;
        o.counts_only = i == 1;
        if (i == 2) {
            o.version = 1;
            o.counts_only = 1; /* past a version 1 struct: not read */
        }
        qc_recode *rc = NULL;
        qc_error err;
        cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s",
                     err.message);
        check_counts(rc);
        cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml[i], NULL, &err), 0);
        cr_assert_eq(qc_recode_render(rc, QC_DIFF_TEXT, &text[i], NULL, &err), 0);
        qc_results *res = qc_recode_results(rc);
        only[i] = qc_results_counts_only(res);
        qc_results_totals(res, &counts[i]);
        char path[1024];
        snprintf(path, sizeof path, "%s/new-%d.xml", f.dir, i);
        int wrc = qc_results_write_xml(res, path, NULL, &err);
        cr_expect_eq(wrc, i == 1 ? QC_ERR_INVALID : 0, "run %d: %s", i, err.message);
        qc_recode_free(rc);
    }
    cr_expect_eq(only[0], 0);
    cr_expect_eq(only[1], 1);
    cr_expect_eq(only[2], 0);
    cr_expect(qct_contains(xml[0], "change=\"gained\"") && qct_contains(xml[0], "change=\"lost\""), "%s", xml[0]);
    cr_expect_str_eq(xml[1], xml[0]);
    cr_expect_str_eq(text[1], text[0]);
    cr_expect_str_eq(xml[2], xml[0]);
    cr_expect(memcmp(&counts[1], &counts[0], sizeof counts[0]) == 0 && counts[0].quotations == 7,
              "totals: %llu quotations", (unsigned long long)counts[1].quotations);
    for (int i = 0; i < 3; i++) {
        qc_diff_text_free(xml[i]);
        qc_diff_text_free(text[i]);
    }
    fx_free(&f);
}

/* Documents are compared one at a time as the run delivers them (recode_compare.c), so the report
 * must not depend on the order they come in, nor on the way the old side was had. A generated
 * corpus of 12 interviews; a revision with a rule widened, one changed, a merge, two codes removed
 * and one added. */
static const char GEN_OLD_CB[] = "codebook \"g\" version 1\n"
                                 "code FRUIT \"Fruit\"\n  rule apple\n"
                                 "code BAN \"Banana\"\n  rule banana\n"
                                 "code ZEB \"Zebra\"\n  rule zebra\n"
                                 "code STR \"Stripes\"\n  rule stripes\n"
                                 "code GONE \"Green\"\n  rule green\n"
                                 "code ROOM \"Room\"\n  rule room\n";
static const char GEN_NEW_CB[] = "codebook \"g\" version 2\n"
                                 "code FRUIT \"Fruit\"\n  rule apple OR banana\n"
                                 "code ANIMAL \"Animal\"\n  merged-from ZEB STR\n  rule zebra OR stripes\n"
                                 "code ROOM \"Room\"\n  rule talk\n"
                                 "code QUIET \"Quiet\"\n  rule quiet*\n";

static void load_gen_codebooks(qc_codebook **old_cb, qc_codebook **new_cb)
{
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(old_cb, "old.qcb", GEN_OLD_CB, strlen(GEN_OLD_CB), NULL, &err), 0, "%s",
                 err.message);
    cr_assert_eq(qc_codebook_load_buffer(new_cb, "new.qcb", GEN_NEW_CB, strlen(GEN_NEW_CB), NULL, &err), 0, "%s",
                 err.message);
}

static char *gen_report_jobs(const char *const *paths, size_t n, const qc_codebook *old_cb, const qc_codebook *new_cb,
                             const char *results, const char *cache, unsigned jobs, qc_recode_totals *t,
                             qc_cache_stats *cs)
{
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = old_cb;
    o.results_path = results;
    o.cache_dir = cache;
    o.run.jobs = jobs;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, paths, n, new_cb, NULL, &o, &err), 0, "%s", err.message);
    qc_recode_get_totals(rc, t);
    if (cs)
        qc_recode_cache_stats(rc, cs);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    qc_recode_free(rc);
    return xml;
}

static char *gen_report(const char *const *paths, size_t n, const qc_codebook *old_cb, const qc_codebook *new_cb,
                        const char *results, const char *cache, qc_recode_totals *t)
{
    return gen_report_jobs(paths, n, old_cb, new_cb, results, cache, 1, t, NULL);
}

/* The words a gained or lost quotation of each row must hold, by the rules of GEN_OLD_CB and
 * GEN_NEW_CB (a lost FRUIT or ANIMAL quotation only where the document is gone): a quotation
 * listed under the wrong row, or a row's list cut in the wrong place, shows as a text without its
 * word. Also each row's list is in document order (`doc_step` +1: as
 * given, -1: reversed names), then span. Returns the number of quotations checked. */
static size_t check_report_rows(const char *xml, int doc_step)
{
    static const struct {
        const char *id, *gained, *lost;
    } words[] = {{"FRUIT", "banana", "apple"}, {"ANIMAL", NULL, "zebra|stripes"}, {"ROOM", "talk", "room"},
                 {"QUIET", "quiet", NULL},     {"BAN", NULL, "banana"},           {"GONE", NULL, "green"}};
    size_t checked = 0;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        char head[64];
        snprintf(head, sizeof head, "<code id=\"%s\"", words[w].id);
        const char *at = strstr(xml, head);
        cr_assert_not_null(at, "no row %s", words[w].id);
        const char *end = strstr(at + 1, "<code id=");
        if (!end)
            end = at + strlen(at);
        int last_doc = -1;
        long last_start = -1;
        size_t listed = 0;
        for (const char *q = strstr(at, "<quotation "); q && q < end; q = strstr(q + 1, "<quotation ")) {
            static const char gained_tag[] = "<quotation change=\"gained\"";
            int gained = strncmp(q, gained_tag, sizeof gained_tag - 1) == 0;
            const char *want = gained ? words[w].gained : words[w].lost;
            const char *text = strchr(q, '>') + 1, *text_end = strstr(text, "</quotation>");
            char buf[512];
            snprintf(buf, sizeof buf, "%.*s", (int)(text_end - text), text);
            cr_assert_not_null(want, "%s lists a quotation %s: %s", words[w].id, gained ? "gained" : "lost", buf);
            char alt[32];
            snprintf(alt, sizeof alt, "%s", want);
            char *bar = strchr(alt, '|');
            if (bar)
                *bar = '\0';
            cr_assert(strstr(buf, alt) || (bar && strstr(buf, bar + 1)), "%s: \"%s\" has no %s", words[w].id, buf,
                      want);
            int doc = atoi(strstr(q, "document=\"doc") + 13);
            long start = atol(strstr(q, "start=\"") + 7);
            if (last_doc >= 0 && doc != last_doc)
                cr_assert_eq(doc - last_doc > 0 ? 1 : -1, doc_step, "%s: doc%03d after doc%03d", words[w].id, doc,
                             last_doc);
            else if (last_doc >= 0)
                cr_assert_gt(start, last_start, "%s: doc%03d, %ld after %ld", words[w].id, doc, start, last_start);
            last_doc = doc;
            last_start = start;
            listed++;
        }
        const char *g = strstr(at, "gained=\""), *l = strstr(at, "lost=\"");
        cr_assert_eq(listed, (size_t)(atol(g + 8) + atol(l + 6)), "%s lists %zu quotations", words[w].id, listed);
        checked += listed;
    }
    return checked;
}

Test(recode, documents_in_any_order_give_the_same_report)
{
    enum { N = 12 };
    static const gen_shape shape = {777, 1 << 14, 4, 40, 6, 1, 16, 5};
    char *dir = qct_temp_dir();
    char **paths = gen_interviews(dir, N, &shape);
    const char *fwd[N], *rev[N];
    for (size_t i = 0; i < N; i++) {
        fwd[i] = paths[i];
        rev[i] = paths[N - 1 - i];
    }
    qc_codebook *old_cb, *new_cb;
    qc_error err;
    load_gen_codebooks(&old_cb, &new_cb);
    char cache[1024], results[1024];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    snprintf(results, sizeof results, "%s/old.xml", dir);

    /* The old codebook run, then the new one (each document compared as the new run delivers it),
     * or through the cache (both sides of a document together), cold then warm; in corpus order
     * and reversed. A report lists documents in the order they were given. */
    qc_recode_totals t[6];
    char *xml[6];
    for (int i = 0; i < 6; i++)
        xml[i] = gen_report(i < 3 ? fwd : rev, N, old_cb, new_cb, NULL, i % 3 ? cache : NULL, &t[i]);
    cr_assert_gt(t[0].gained, 20, "%zu gained", t[0].gained);
    cr_assert_gt(t[0].lost, 20, "%zu lost", t[0].lost);
    cr_assert_gt(t[0].kept, 20, "%zu kept", t[0].kept);
    cr_expect_eq(check_report_rows(xml[0], 1), t[0].gained + t[0].lost);
    cr_expect_eq(check_report_rows(xml[3], -1), t[0].gained + t[0].lost);
    for (int i = 1; i < 6; i++) {
        cr_expect_str_eq(xml[i], xml[i < 3 ? 0 : 3], "run %d", i);
        cr_expect(memcmp(&t[i], &t[0], sizeof t[0]) == 0, "run %d's totals", i);
    }

    /* From the old results.xml alone (its quotations read in code order), with the first document
     * gone from the corpus: in either order, its quotations are all lost, as "document not read"
     * ("document changed" until 2026-12-07, though its file had not changed). */
    qc_results *res = NULL;
    cr_assert_eq(qc_results_new(&res, old_cb, NULL, &err), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    cr_assert_eq(qc_corpus_run(fwd, N, old_cb, NULL, &ro, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_write_xml(res, results, NULL, &err), 0, "%s", err.message);
    qc_results_free(res);
    qc_recode_totals ft[2];
    char *from[2];
    from[0] = gen_report(fwd + 1, N - 1, NULL, new_cb, results, NULL, &ft[0]);
    from[1] = gen_report(rev, N - 1, NULL, new_cb, results, NULL, &ft[1]);
    cr_expect_str_eq(from[1], from[0], "the file's order, whatever the corpus's");
    cr_expect(memcmp(&ft[1], &ft[0], sizeof ft[0]) == 0);
    cr_expect_eq(check_report_rows(from[0], 1), ft[0].gained + ft[0].lost);
    cr_expect(qct_contains(from[0], "reason=\"document not read\" document=\"doc000.txt\""), "%.300s", from[0]);
    cr_expect(!qct_contains(from[0], "reason=\"document changed\" document=\"doc000.txt\""), "%.300s", from[0]);
    cr_expect_eq(ft[0].before, t[0].before, "the gone document's quotations count before");
    cr_expect_lt(ft[0].after, t[0].after);

    for (int i = 0; i < 6; i++)
        qc_diff_text_free(xml[i]);
    for (int i = 0; i < 2; i++)
        qc_diff_text_free(from[i]);
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    gen_paths_free(paths, N);
    free(dir);
}

/* Each document is read once and coded with both codebooks by the runner's threads, without a
 * cache (qc_corpus_run_pair) or through one (qc_cache_run_pair): any number of jobs gives the same
 * report, and the same cache statistics (counted by every thread) and entries. */
Test(recode, cache_run_gives_the_same_report_whatever_the_jobs)
{
    enum { N = 12 };
    static const gen_shape shape = {4711, 1 << 14, 4, 40, 6, 1, 16, 5};
    char *dir = qct_temp_dir();
    char **paths = gen_interviews(dir, N, &shape);
    qc_codebook *old_cb, *new_cb;
    load_gen_codebooks(&old_cb, &new_cb);
    static const unsigned jobs[] = {1, 2, 4};
    char *cold[3], *warm[3], *sums[3], *plain[3];
    qc_recode_totals t;
    qc_cache_stats cs[3], ws[3];
    for (int i = 0; i < 3; i++) {
        char cache[1024];
        snprintf(cache, sizeof cache, "%s/cache-%u", dir, jobs[i]);
        plain[i] = gen_report_jobs((const char *const *)paths, N, old_cb, new_cb, NULL, NULL, jobs[i], &t, NULL);
        cold[i] = gen_report_jobs((const char *const *)paths, N, old_cb, new_cb, NULL, cache, jobs[i], &t, &cs[i]);
        sums[i] = entries_sum(cache);
        warm[i] = gen_report_jobs((const char *const *)paths, N, old_cb, new_cb, NULL, cache, jobs[i], &t, &ws[i]);
        cr_expect_eq(cs[i].misses, N, "jobs %u: %zu misses", jobs[i], cs[i].misses);
        cr_expect_eq(cs[i].written, N, "jobs %u: %zu written", jobs[i], cs[i].written);
        cr_expect_eq(ws[i].hits, N, "jobs %u: %zu hits", jobs[i], ws[i].hits);
        cr_expect_eq(ws[i].written, 0, "jobs %u: %zu written warm", jobs[i], ws[i].written);
        cr_expect_str_eq(warm[i], cold[i], "jobs %u", jobs[i]);
        cr_expect_str_eq(plain[i], cold[i], "jobs %u: without the cache", jobs[i]);
    }
    cr_assert_gt(t.gained + t.lost, 20);
    for (int i = 1; i < 3; i++) {
        cr_expect_str_eq(cold[i], cold[0], "jobs %u", jobs[i]);
        cr_expect(memcmp(&cs[i], &cs[0], sizeof cs[0]) == 0, "jobs %u: other cache statistics", jobs[i]);
        cr_expect_str_eq(sums[i], sums[0], "jobs %u: other cache entries", jobs[i]);
    }
    for (int i = 0; i < 3; i++) {
        qc_diff_text_free(cold[i]);
        qc_diff_text_free(warm[i]);
        qc_diff_text_free(plain[i]);
        free(sums[i]);
    }
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    gen_paths_free(paths, N);
    free(dir);
}

/* Re-codes with o, writing the new results in format 2 to DIR/name: streamed while coding
 * (stream 1) or after the re-code; returns the file's bytes. */
static char *recode_written(const fx *f, qc_recode_options o, int stream, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.format = 2;
    wo.time = "2026-12-05T00:00:00Z";
    if (stream) {
        o.stream_path = path;
        o.stream_options = &wo;
    }
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f->paths, 2, f->new_cb, NULL, &o, &err), 0, "%s", err.message);
    check_counts(rc);
    cr_expect_neq(access(path, F_OK), 0, "%s exists before it is finished", name);
    cr_assert_eq(qc_results_write_xml(qc_recode_results(rc), path, &wo, &err), 0, "%s", err.message);
    qc_recode_free(rc);
    char *bytes = qct_read_file(path, NULL);
    cr_assert_not_null(bytes);
    return bytes;
}

/* qc_recode_options.stream_path: the new results' results.xml of format 2 written while the corpus
 * is coded has the bytes of the one written after the re-code, whichever way the old side comes
 * (an old codebook's run, a results.xml read, a results.xml whose old side is coded again, through
 * the cache); a stream without its options, or with counts-only results, is refused; a re-code
 * freed before its stream is finished leaves nothing. */
Test(recode, streamed_results_are_those_written_after)
{
    fx f;
    fx_make(&f);
    char old[1024];
    write_old_results(&f, old, sizeof old);
    char cache[1024];
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    for (int way = 0; way < 4; way++) {
        qc_recode_options o = QC_RECODE_OPTIONS_INIT;
        o.old_cb = way == 1 ? NULL : f.old_cb;
        o.results_path = way == 0 ? NULL : old;
        o.find_old_codebook = 0;
        o.cache_dir = way == 3 ? cache : NULL;
        char after_name[32], streamed_name[32];
        snprintf(after_name, sizeof after_name, "after%d.xml", way);
        snprintf(streamed_name, sizeof streamed_name, "streamed%d.xml", way);
        char *after = recode_written(&f, o, 0, after_name);
        char *streamed = recode_written(&f, o, 1, streamed_name);
        cr_expect(strstr(after, "<span ") != NULL, "way %d: the new results have spans", way);
        cr_expect_str_eq(streamed, after, "way %d", way);
        free(after);
        free(streamed);
    }

    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = f.old_cb;
    char path[1024];
    snprintf(path, sizeof path, "%s/left.xml", f.dir);
    o.stream_path = path;
    qc_recode *rc = NULL;
    qc_error err;
    cr_expect_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), QC_ERR_INVALID);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.format = 2;
    o.stream_options = &wo;
    o.counts_only = 1;
    cr_expect_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), QC_ERR_INVALID);
    o.counts_only = 0;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, &o, &err), 0, "%s", err.message);
    qc_recode_free(rc);
    size_t entries = 0;
    DIR *d = opendir(f.dir);
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));)
        entries += strncmp(e->d_name, "left.xml", 8) == 0;
    closedir(d);
    cr_expect_eq(entries, 0, "an unfinished stream left its file or temporary");
    fx_free(&f);
}

/* --- a program built against the previous header --- */

/* qc_run_options and qc_recode_options as the header of recode options version 5 declared them
 * (run options version 2, before on_read_warning; no outputs): a program built then passes this
 * layout, whose fields after `run` sit earlier than the current header puts them. */
typedef struct run_options_v2 {
    unsigned version;
    const qc_read_options *read;
    qc_engine engine;
    unsigned jobs;
    int strict;
    qc_run_document_fn on_document;
    qc_run_error_fn on_error;
    qc_run_issue_fn on_issue;
    qc_run_progress_fn on_progress;
    void *user;
    const char *const *ids;
    qc_manual *manual;
    qc_results *results;
} run_options_v2;

typedef struct recode_options_v5 {
    unsigned version;
    const qc_codebook *old_cb;
    const char *results_path;
    const char *manual_path;
    const char *cache_dir;
    const char *cache_context;
    run_options_v2 run;
    int counts_only;
    int find_old_codebook;
    const char *stream_path;
    const qc_write_options *stream_options;
    int (*on_results)(qc_results *results, void *user, qc_error *err);
    void *results_user;
} recode_options_v5;

static int count_on_results(qc_results *results, void *user, qc_error *err)
{
    (void)results;
    (void)err;
    ++*(int *)user;
    return 0;
}

/* "Programs built against this header keep working with later libraries" (results.h): the run
 * options inside grew (on_read_warning), so a version 5 caller's counts_only, stream_path and
 * on_results were read 8 bytes off (counts_only from stream_path, on_read_warning from counts_only
 * and find_old_codebook), and the copy read past the caller's struct. */
Test(recode, options_built_against_the_version_5_header_still_run)
{
    fx f;
    fx_make(&f);
    recode_options_v5 o;
    memset(&o, 0, sizeof o);
    o.version = 5;
    o.old_cb = f.old_cb;
    o.run.version = 2;
    o.run.engine = QC_ENGINE_FAST;
    o.run.jobs = 1;
    o.counts_only = 1;
    o.find_old_codebook = 1;
    int called = 0;
    o.on_results = count_on_results;
    o.results_user = &called;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(
        qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, (const qc_recode_options *)&o, &err), 0,
        "%s", err.message);
    cr_expect_eq(qc_results_counts_only(qc_recode_results(rc)), 1, "counts_only was not read where the caller put it");
    cr_expect_geq(called, 1, "on_results was not read where the caller put it");
    qc_recode_free(rc);
    fx_free(&f);
}

/* Recode options of version 1 from a header whose run options were of version 1 (before
 * `results`): the copy of the caller's options read 8 bytes past its struct, which is all the
 * caller allocated (AddressSanitizer reports it: CI runs this test so). They are read by their own
 * run.version now. */
typedef struct run_options_v1 {
    unsigned version;
    const qc_read_options *read;
    qc_engine engine;
    unsigned jobs;
    int strict;
    qc_run_document_fn on_document;
    qc_run_error_fn on_error;
    qc_run_issue_fn on_issue;
    qc_run_progress_fn on_progress;
    void *user;
    const char *const *ids;
    qc_manual *manual;
} run_options_v1;

typedef struct recode_options_v1 {
    unsigned version;
    const qc_codebook *old_cb;
    const char *results_path;
    const char *manual_path;
    const char *cache_dir;
    const char *cache_context;
    run_options_v1 run;
} recode_options_v1;

Test(recode, options_of_version_1_with_run_options_of_version_1_are_read_within_them)
{
    fx f;
    fx_make(&f);
    recode_options_v1 *o = calloc(1, sizeof *o); /* on the heap, exactly its size */
    cr_assert_not_null(o);
    o->version = 1;
    o->old_cb = f.old_cb;
    o->run.version = 1;
    o->run.engine = QC_ENGINE_FAST;
    o->run.jobs = 1;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(
        qc_recode_run(&rc, (const char *const *)f.paths, 2, f.new_cb, NULL, (const qc_recode_options *)o, &err), 0,
        "%s", err.message);
    cr_expect_eq(qc_results_counts_only(qc_recode_results(rc)), 0, "version 1 options have full results");
    qc_recode_free(rc);
    free(o);
    fx_free(&f);
}

/* --- people's codings in the old results.xml (coder="NAME") --- */

/* What a re-code gives: its report, its new results.xml and its carried manual.xml (bytes), with
 * how many times the run told of a document done (its progress) and which way its old side came. */
typedef struct people_out {
    char *report, *results, *manual;
    char warnings[4096]; /* what the run told (on_issue), a line each */
    size_t progress, read_docs;
    int coded;
} people_out;

static void count_progress(const qc_run_stats *stats, void *user)
{
    (void)stats;
    ((people_out *)user)->progress++;
}

static void note_issue(const char *path, const char *message, void *user)
{
    people_out *p = user;
    size_t len = strlen(p->warnings);
    const char *base = strrchr(path, '/');
    snprintf(p->warnings + len, sizeof p->warnings - len, "%s: %s\n", base ? base + 1 : path, message);
}

static void people_out_free(people_out *p)
{
    qc_diff_text_free(p->report);
    free(p->results);
    free(p->manual);
}

/* Re-codes paths with o; the new results are written to DIR/TAG-new.xml (streamed while coding
 * when `stream`, and finished by qc_results_write_xml) and the carried codings to DIR/TAG-manual.xml. */
static people_out people_recode(const char *dir, const char *const *paths, size_t n, const qc_codebook *new_cb,
                                qc_recode_options o, int stream, const char *tag)
{
    people_out p;
    memset(&p, 0, sizeof p);
    o.run.on_progress = count_progress;
    o.run.on_issue = note_issue;
    o.run.user = &p;
    char results[1024], manual[1024];
    snprintf(results, sizeof results, "%s/%s-new.xml", dir, tag);
    snprintf(manual, sizeof manual, "%s/%s-manual.xml", dir, tag);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.format = 2;
    wo.time = "2026-12-07T00:00:00Z";
    if (stream) {
        o.stream_path = results;
        o.stream_options = &wo;
    }
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, paths, n, new_cb, NULL, &o, &err), 0, "%s: %s", tag, err.message);
    p.coded = qc_recode_old_side_coded(rc);
    p.read_docs = qc_recode_old_side_read_documents(rc);
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &p.report, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_write_xml(qc_recode_results(rc), results, &wo, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_write_manual(rc, manual, &err), 0, "%s: %s", tag, err.message);
    qc_recode_free(rc);
    p.results = qct_read_file(results, NULL);
    p.manual = qct_read_file(manual, NULL);
    cr_assert(p.results && p.manual, "%s", tag);
    return p;
}

/* A coding of the manual.xml fixture: code by coder on the first `text` of document `doc`. */
static void put_coding(char *b, size_t cap, const char *code, const char *doc, const char *doc_text, const char *text,
                       const char *coder)
{
    const char *at = strstr(doc_text, text);
    cr_assert_not_null(at, "%s not in %s", text, doc);
    size_t start = (size_t)(at - doc_text), len = strlen(b);
    snprintf(b + len, cap - len,
             "  <coding code=\"%s\" document=\"%s\" start=\"%zu\" end=\"%zu\" coder=\"%s\"><text>%s</text></coding>\n",
             code, doc, start, start + strlen(text), coder, text);
}

#define MANUAL_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n"

/* The old codebook's results.xml of paths, in format 1 or 2, made with the manual.xml at `manual`
 * (its codings listed with coder="NAME"), to `out`. */
static void write_people_results(char *const *paths, size_t n, const qc_codebook *old_cb, const char *manual,
                                 int format, const char *out)
{
    qc_error err;
    qc_manual *m = NULL;
    if (manual)
        cr_assert_eq(qc_manual_load(&m, manual, old_cb, NULL, NULL, &err), 0, "%s", err.message);
    qc_results *res = NULL;
    cr_assert_eq(qc_results_new(&res, old_cb, NULL, &err), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    ro.manual = m;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, n, old_cb, NULL, &ro, NULL, &err), 0, "%s", err.message);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.format = format;
    cr_assert_eq(qc_results_write_xml(res, out, &wo, &err), 0, "%s", err.message);
    qc_results_free(res);
    qc_manual_free(m);
    char *xml = qct_read_file(out, NULL);
    cr_assert(!manual || qct_contains(xml, "coder=\"Ann\""), "%s", xml);
    free(xml);
}

/* A results.xml listing people's codings (coder="NAME") on a document edited since, beside
 * documents whose coding matches it: the old side of the matching ones is coded again, that of the
 * edited one (the people's codings included) read from the file for it alone, and the corpus is
 * coded once. The report, the new results.xml and the carried manual.xml are byte for byte those
 * of reading the whole file (the same file without its codingSha256 attributes): format 1 and 2,
 * with and without the cache, one job or two, with --manual (the manual.xml the file was made
 * with, so a coding in both, and one more), the new results streamed, a person's coding on an
 * unedited document and on one no longer at its offsets, and a document gone from the corpus.
 * Until 2026-12-07 a re-code started over from the file when a document that did not match held a
 * person's coding: it coded the corpus twice (the progress told each document twice). */
Test(recode, peoples_codings_on_an_edited_document_are_read_and_the_corpus_coded_once, .timeout = 60)
{
    fx f;
    fx_make(&f);
    /* (its quotation of TEAM has "coder =" in its text, as a file without people's codings may) */
    static const char c_txt[] = "OT: Team talk, the coder = me. Stress again.\n";
    char *paths[3] = {f.paths[0], f.paths[1], qct_write_file(f.dir, "c.txt", c_txt, strlen(c_txt))};
    const char *a_txt = DOCS[0][1], *b_txt = DOCS[1][1];
    /* The codings made before the edit: on b.txt (edited below), on a.txt (not edited; OTHER is
     * removed in the new codebook, so it goes to UNASSIGNED), and one b.txt's edit moves. */
    char mb[2048] = MANUAL_HEAD;
    put_coding(mb, sizeof mb, "LOAD", "b.txt", b_txt, "My caseload doubled.", "Ann");
    put_coding(mb, sizeof mb, "TEAM", "b.txt", b_txt, "Parking is awful.", "Ann");
    put_coding(mb, sizeof mb, "OTHER", "a.txt", a_txt, "Our team is great.", "Bo");
    strcat(mb, "</manual>\n");
    char *manual = qct_write_file(f.dir, "m.xml", mb, strlen(mb));
    /* Only on b.txt, to be read as a document gone from the corpus. */
    snprintf(mb, sizeof mb, "%s", MANUAL_HEAD);
    put_coding(mb, sizeof mb, "LOAD", "b.txt", b_txt, "My caseload doubled.", "Ann");
    strcat(mb, "</manual>\n");
    char *manual_b = qct_write_file(f.dir, "mb.xml", mb, strlen(mb));
    /* --manual in the re-code: the coding above on a.txt and one more */
    snprintf(mb, sizeof mb, "%s", MANUAL_HEAD);
    put_coding(mb, sizeof mb, "OTHER", "a.txt", a_txt, "Our team is great.", "Bo");
    put_coding(mb, sizeof mb, "STRESS", "c.txt", c_txt, "Stress again.", "Cy");
    /* the engine's own, sent back: not counted, with a warning when they are read */
    put_coding(mb, sizeof mb, "TEAM", "c.txt", c_txt, "Stress again.", "qcode");
    strcat(mb, "</manual>\n");
    char *manual_more = qct_write_file(f.dir, "more.xml", mb, strlen(mb));
    char old1[1024], old2[1024], oldb[1024], oldp[1024], cache[1024];
    snprintf(oldp, sizeof oldp, "%s/oldp.xml", f.dir);
    snprintf(old1, sizeof old1, "%s/old1.xml", f.dir);
    snprintf(old2, sizeof old2, "%s/old2.xml", f.dir);
    snprintf(oldb, sizeof oldb, "%s/oldb.xml", f.dir);
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    write_people_results(paths, 3, f.old_cb, manual, 1, old1);
    write_people_results(paths, 3, f.old_cb, manual, 2, old2);
    write_people_results(paths, 3, f.old_cb, manual_b, 2, oldb);
    write_people_results(paths, 3, f.old_cb, NULL, 2, oldp);
    /* b.txt edited since: "Parking is awful." changed (that coding is no longer there: not counted,
     * with a warning) and a line added after the others (still at their offsets) */
    const char *edited = "OT: The weather was bad. Parking is great.\nOT: My caseload doubled. Pressure everywhere.\n"
                         "OT: Colleagues help.\n";
    free(qct_write_file(f.dir, "b.txt", edited, strlen(edited)));
    char *gone[2] = {paths[0], paths[2]}, *c_first[3] = {paths[2], paths[0], paths[1]};
    char **corpora[] = {paths, gone, c_first};

    struct {
        const char *name, *file, *manual, *cache;
        unsigned jobs;
        int stream, corpus; /* corpus 0: a, b, c; 1: a, c (b.txt gone); 2: c, a, b */
        size_t read_docs;
    } ways[] = {
        {"format2", old2, NULL, NULL, 1, 0, 0, 2},
        {"format1", old1, NULL, NULL, 1, 0, 0, 2},
        {"format2-cache", old2, NULL, cache, 1, 0, 0, 2},
        {"format2-cache-warm", old2, NULL, cache, 2, 0, 0, 2},
        {"format1-jobs2", old1, NULL, NULL, 2, 0, 0, 2},
        {"format2-manual", old2, manual_more, NULL, 1, 0, 0, 2},
        {"format1-manual-cache-stream", old1, manual_more, cache, 2, 1, 0, 2},
        {"format2-gone", old2, NULL, NULL, 1, 0, 1, 2},
        {"only-gone-has-people", oldb, NULL, NULL, 1, 0, 1, 1},
        {"only-gone-has-people-manual", oldb, manual_more, cache, 2, 0, 1, 1},
        /* c.txt counted (with a coding of --manual) before a.txt's people's codings are read */
        {"counted-before-the-file-is-read", old2, manual_more, NULL, 1, 0, 2, 2},
        /* no people's codings, but the bytes of an attribute `coder` in a text: read during the run */
        {"no-people-but-coder-in-a-text", oldp, manual_more, NULL, 1, 0, 0, 1},
    };
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        qc_recode_options o = QC_RECODE_OPTIONS_INIT;
        o.results_path = ways[w].file;
        o.old_cb = f.old_cb;
        o.manual_path = ways[w].manual;
        o.cache_dir = ways[w].cache;
        o.run.jobs = ways[w].jobs;
        const char *const *ps = (const char *const *)corpora[ways[w].corpus];
        size_t n = ways[w].corpus == 1 ? 2 : 3;
        people_out coded = people_recode(f.dir, ps, n, f.new_cb, o, ways[w].stream, ways[w].name);
        cr_expect_eq(coded.progress, n, "%s: the corpus was coded %zu times", ways[w].name, coded.progress / n);
        cr_expect_eq(coded.coded, 1, "%s: the old side was not coded again", ways[w].name);
        cr_expect_eq(coded.read_docs, ways[w].read_docs, "%s: %zu documents read from the file", ways[w].name,
                     coded.read_docs);
        /* the same file without its digests: read in full */
        size_t size = 0;
        char *orig = qct_read_file(ways[w].file, &size), *xml = malloc(size + 1), *to = xml;
        cr_assert(orig && xml);
        for (const char *r = orig; *r;) {
            if (strncmp(r, " codingSha256=\"", 15) == 0) {
                r = strchr(r + 15, '"') + 1;
                continue;
            }
            *to++ = *r++;
        }
        *to = '\0';
        cr_assert_lt(strlen(xml), size);
        const char *base = strrchr(ways[w].file, '/') + 1;
        free(qct_write_file(f.dir, base, xml, strlen(xml)));
        free(xml);
        char tag[64];
        snprintf(tag, sizeof tag, "%s-read", ways[w].name);
        people_out read = people_recode(f.dir, ps, n, f.new_cb, o, ways[w].stream, tag);
        free(qct_write_file(f.dir, base, orig, size));
        free(orig);
        cr_expect_eq(read.coded, 0, "%s", ways[w].name);
        cr_expect_str_eq(coded.report, read.report, "%s: report", ways[w].name);
        cr_expect_str_eq(coded.results, read.results, "%s: results.xml", ways[w].name);
        cr_expect_str_eq(coded.manual, read.manual, "%s: carried manual codings", ways[w].name);
        cr_expect_str_eq(coded.warnings, read.warnings, "%s: warnings", ways[w].name);
        /* b.txt's coding of "Parking is awful." is no longer there, told once; b.txt gone, its
         * codings are not counted, told once each */
        int edited_told = ways[w].corpus != 1 && ways[w].file != oldp && ways[w].file != oldb;
        cr_expect_eq(qct_contains(coded.warnings, "no longer the coded text"), edited_told, "%s: %s", ways[w].name,
                     coded.warnings);
        cr_expect_eq(qct_contains(coded.warnings, "document 'b.txt' is not in this run"), ways[w].corpus == 1, "%s: %s",
                     ways[w].name, coded.warnings);
        cr_expect_eq(qct_contains(coded.warnings, "by qcode (the engine's own"), ways[w].manual != NULL, "%s: %s",
                     ways[w].name, coded.warnings);
        cr_expect(!qct_contains(coded.warnings, "document 'a.txt' is not in this run") &&
                      !qct_contains(coded.warnings, "document 'c.txt' is not in this run"),
                  "%s: %s", ways[w].name, coded.warnings);
        /* what the outputs hold: the people's codings carried and counted, the edited one not */
        cr_expect(qct_contains(coded.manual, "coder=\"Ann\"") == (ways[w].file != oldp), "%s: %s", ways[w].name,
                  coded.manual);
        int unassigned = ways[w].file != oldb || ways[w].manual;
        cr_expect_eq(qct_contains(coded.report, "UNASSIGNED") != 0, unassigned, "%s: %s", ways[w].name, coded.report);
        if (ways[w].corpus != 1 && ways[w].file != oldp)
            cr_expect(qct_contains(coded.results, "coder=\"Ann\""), "%s: %s", ways[w].name, coded.results);
        people_out_free(&coded);
        people_out_free(&read);
    }
    free(manual);
    free(manual_b);
    free(manual_more);
    free(paths[2]);
    fx_free(&f);
}

/* Codebooks whose second revision changes the rules of TEAM only: in a.txt its one quotation moves
 * from the first turn ("team") to the second ("Colleagues"), the same codes and counts elsewhere,
 * and b.txt's coding is the same with both (the cache hashes such a pair's records once). */
static const char SAME_OLD_CB[] = "codebook \"s\" version 1\n"
                                  "code TEAM \"Team\"\n"
                                  "  rule team\n"
                                  "code LOAD \"Load\"\n"
                                  "  rule caseload\n";
static const char SAME_NEW_CB[] = "codebook \"s\" version 2\n"
                                  "code TEAM \"Team\"\n"
                                  "  rule colleagues\n"
                                  "code LOAD \"Load\"\n"
                                  "  rule caseload\n";

/* The documents' coding digests of a run of cb over the fixture's corpus, into sha[2][65]; with
 * `path`, its results.xml is written there too. */
static void run_digests(fx *f, qc_codebook *cb, const char *path, char sha[2][65])
{
    qc_results *res = NULL;
    qc_error err;
    cr_assert_eq(qc_results_new(&res, cb, NULL, &err), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    cr_assert_eq(qc_corpus_run((const char *const *)f->paths, 2, cb, NULL, &ro, NULL, &err), 0);
    if (path)
        cr_assert_eq(qc_results_write_xml(res, path, NULL, &err), 0, "%s", err.message);
    for (size_t d = 0; d < 2; d++) {
        qc_result_document doc;
        cr_assert_eq(qc_results_document(res, d, &doc), 0);
        snprintf(sha[d], 65, "%s", doc.coding_sha256);
    }
    qc_results_free(res);
}

/* Through the cache, a re-code whose two codings of a document are the same (b.txt) and one whose
 * codings differ (a.txt) give each side its own digest: the old side matches the file's (it is
 * coded, not read) and the new results' digests are those of a run of the new codebook, cold and
 * warm. */
Test(recode, both_sides_digests_through_the_cache_are_their_own)
{
    fx f;
    fx_make(&f);
    qc_codebook *old_cb = NULL, *new_cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&old_cb, "old.qcb", SAME_OLD_CB, strlen(SAME_OLD_CB), NULL, &err), 0);
    cr_assert_eq(qc_codebook_load_buffer(&new_cb, "new.qcb", SAME_NEW_CB, strlen(SAME_NEW_CB), NULL, &err), 0);
    char path[1024], cache[1024], old_sha[2][65], new_sha[2][65];
    snprintf(path, sizeof path, "%s/old.xml", f.dir);
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    run_digests(&f, old_cb, path, old_sha);
    run_digests(&f, new_cb, NULL, new_sha);
    cr_assert_str_neq(old_sha[0], new_sha[0], "a.txt's quotation moved");
    cr_assert_str_eq(old_sha[1], new_sha[1], "b.txt's coding is the same");
    for (int run = 0; run < 3; run++) {
        qc_recode_options o = QC_RECODE_OPTIONS_INIT;
        o.results_path = path;
        o.old_cb = old_cb;
        o.cache_dir = cache;
        qc_recode *rc = NULL;
        cr_assert_eq(qc_recode_run(&rc, (const char *const *)f.paths, 2, new_cb, NULL, &o, &err), 0, "%s", err.message);
        cr_assert_eq(qc_recode_old_side_coded(rc), 1, "run %d: the old side was read from the file", run);
        cr_assert_eq(qc_recode_old_side_read_documents(rc), 0, "run %d: a coding was not the file's", run);
        for (size_t d = 0; d < 2; d++) {
            qc_result_document doc;
            cr_assert_eq(qc_results_document(qc_recode_results(rc), d, &doc), 0);
            cr_assert_str_eq(doc.coding_sha256, new_sha[d], "run %d, document %zu", run, d);
        }
        qc_recode_free(rc);
    }
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    fx_free(&f);
}

/* Re-codes the fixture's two documents from the codebook source old_src to new_src (the old one
 * given, no --from file), the codebooks left to the caller. */
static qc_recode *recode_sources(fx *f, const char *old_src, const char *new_src, qc_codebook **old_cb,
                                 qc_codebook **new_cb)
{
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(old_cb, "old.qcb", old_src, strlen(old_src), NULL, &err), 0);
    cr_assert_eq(qc_codebook_load_buffer(new_cb, "new.qcb", new_src, strlen(new_src), NULL, &err), 0);
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = *old_cb;
    qc_recode *rc = NULL;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)f->paths, 2, *new_cb, NULL, &o, &err), 0, "%s", err.message);
    return rc;
}

/* A document a revision changed nothing in (b.txt: LOAD's one quotation, TEAM none) has every
 * quotation kept, each under its code's successor, as a document whose quotations moved (a.txt:
 * TEAM's from "team" to "Colleagues") is compared quotation by quotation. */
Test(recode, a_document_the_revision_left_alone_keeps_every_quotation)
{
    fx f;
    fx_make(&f);
    qc_codebook *old_cb = NULL, *new_cb = NULL;
    qc_recode *rc = recode_sources(&f, SAME_OLD_CB, SAME_NEW_CB, &old_cb, &new_cb);
    qc_recode_row r = row(rc, "TEAM");
    cr_assert_eq(r.before, 1);
    cr_assert_eq(r.after, 1);
    cr_assert_eq(r.kept, 0);
    cr_assert_eq(r.gained, 1);
    cr_assert_eq(r.lost, 1);
    r = row(rc, "LOAD");
    cr_assert_eq(r.before, 2);
    cr_assert_eq(r.after, 2);
    cr_assert_eq(r.kept, 2);
    cr_assert_eq(r.gained + r.lost, 0);
    qc_recode_totals t;
    qc_recode_get_totals(rc, &t);
    cr_assert_eq(t.before, 3);
    cr_assert_eq(t.after, 3);
    cr_assert_eq(t.kept, 2);
    cr_assert_eq(t.codes_changed, 1);
    qc_recode_free(rc);
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    fx_free(&f);
}

/* A code whose own lines stayed but which references a code whose rules changed (WORK uses
 * {TEAM}) has its gains and losses put down to the reference, which the comparison looks for only
 * once a document's two sides differ (a.txt's). */
static const char REF_OLD_CB[] = "codebook \"f\" version 1\n"
                                 "code TEAM \"Team\"\n"
                                 "  rule team\n"
                                 "code WORK \"Work\"\n"
                                 "  rule {TEAM}\n";
static const char REF_NEW_CB[] = "codebook \"f\" version 2\n"
                                 "code TEAM \"Team\"\n"
                                 "  rule colleagues\n"
                                 "code WORK \"Work\"\n"
                                 "  rule {TEAM}\n";

Test(recode, gains_and_losses_of_a_code_whose_reference_changed_say_so)
{
    fx f;
    fx_make(&f);
    qc_codebook *old_cb = NULL, *new_cb = NULL;
    qc_recode *rc = recode_sources(&f, REF_OLD_CB, REF_NEW_CB, &old_cb, &new_cb);
    qc_recode_row r = row(rc, "WORK");
    cr_assert_eq(r.gained, 1);
    cr_assert_eq(r.lost, 1);
    qc_error err;
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    const char *work = strstr(xml, "id=\"WORK\"");
    cr_assert_not_null(work, "%s", xml);
    const char *first = strstr(work, "reason=\""), *other = strstr(work, "reason=\"unexplained\"");
    cr_assert_not_null(first, "%s", xml);
    cr_assert(strncmp(first, "reason=\"reference changed\"", 26) == 0, "%s", work);
    cr_assert_null(other, "%s", work);
    qc_diff_text_free(xml);
    qc_recode_free(rc);
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    fx_free(&f);
}
