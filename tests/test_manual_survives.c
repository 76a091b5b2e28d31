/* No manual coding disappears across v1 -> v2 -> v3 of the shipped codebooks: one coding on every
 * v1 code (its coder named after the code, to follow it) is carried through two re-codes; each is
 * still there, under its code's successor or under "Unassigned after revision N". */
#include "qc_test.h"

static qc_codebook *shipped(const char *rel)
{
    char *path = qct_source_path(rel);
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, path, NULL, &err), 0, "%s: %s", rel, err.message);
    free(path);
    return cb;
}

static const char DOC[] = "Nurse: We talk about everything here, the team and the caseload.\n";

/* Re-codes the one-document corpus from old to new carrying manual_in to manual_out; returns the
 * XML report. */
static char *recode(const char *doc, const qc_codebook *old_cb, const qc_codebook *new_cb, const char *manual_in,
                    const char *manual_out)
{
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = old_cb;
    o.manual_path = manual_in;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, &doc, 1, new_cb, NULL, &o, &err), 0, "%s", err.message);
    cr_assert_eq(qc_recode_write_manual(rc, manual_out, &err), 0, "%s", err.message);
    char *xml = NULL;
    cr_assert_eq(qc_recode_render(rc, QC_DIFF_XML, &xml, NULL, &err), 0);
    qc_recode_free(rc);
    return xml;
}

static int has_coding(const char *manual, const char *code, const char *coder)
{
    char want[512];
    snprintf(want, sizeof want, "<coding code=\"%s\" document=\"talk.txt\" start=\"7\" end=\"14\" coder=\"%s\"", code,
             coder);
    return qct_contains(manual, want);
}

Test(manual_survives, v1_to_v2_to_v3)
{
    qc_codebook *v1 = shipped("codebooks/integrated-care-v1.qcb");
    qc_codebook *v2 = shipped("codebooks/integrated-care-v2.qcb");
    qc_codebook *v3 = shipped("codebooks/integrated-care.qcb");
    char *dir = qct_temp_dir();
    char *doc = qct_write_file(dir, "talk.txt", DOC, strlen(DOC));

    /* One coding per v1 code on "We talk" [7, 14). */
    size_t n1 = qc_codebook_code_count(v1);
    size_t cap = 4096 + n1 * 200, len = 0;
    char *xml = malloc(cap);
    len += (size_t)snprintf(xml + len, cap - len,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n");
    for (size_t i = 0; i < n1; i++)
        len += (size_t)snprintf(xml + len, cap - len,
                                "  <coding code=\"%s\" document=\"talk.txt\" start=\"7\" end=\"14\" coder=\"%s\">"
                                "<text>We talk</text></coding>\n",
                                qc_code_id(v1, i), qc_code_id(v1, i));
    len += (size_t)snprintf(xml + len, cap - len, "</manual>\n");
    char *m1 = qct_write_file(dir, "manual-v1.xml", xml, len);
    free(xml);
    char m2[1024], m3[1024];
    snprintf(m2, sizeof m2, "%s/manual-v2.xml", dir);
    snprintf(m3, sizeof m3, "%s/manual-v3.xml", dir);

    char *report2 = recode(doc, v1, v2, m1, m2);
    char *report3 = recode(doc, v2, v3, m2, m3);
    char *final = qct_read_file(m3, NULL);
    cr_assert_not_null(final);

    /* Every v1 coding is still there, under a v3 code or an unassigned category. */
    for (size_t i = 0; i < n1; i++) {
        char want[256];
        snprintf(want, sizeof want, "coder=\"%s\"", qc_code_id(v1, i));
        cr_assert(qct_contains(final, want), "the manual coding of %s disappeared", qc_code_id(v1, i));
    }
    /* Every code the final file names exists in v3, or is an unassigned category. */
    for (const char *p = final; (p = strstr(p, "<coding code=\"")) != NULL;) {
        p += 14;
        char code[128];
        size_t k = strcspn(p, "\"");
        cr_assert_lt(k, sizeof code);
        memcpy(code, p, k);
        code[k] = '\0';
        cr_assert(qc_codebook_find(v3, code) >= 0 || strncmp(code, "UNASSIGNED.R", 12) == 0, "unknown code %s", code);
    }
    /* Renames, moves, id changes, merges and splits followed; removals unassigned and reported. */
    cr_assert(has_coding(final, "FORMAL", "MEETINGS"));
    cr_assert(has_coding(final, "FORMAL.MDT", "MEETINGS.MDT"));
    cr_assert(has_coding(final, "LEAD", "MGMT"));
    cr_assert(has_coding(final, "AGILE", "ITSYS.AGILE"));
    cr_assert(has_coding(final, "HOSPITAL.DISCHARGE", "PATIENT.DISCHARGE"));
    cr_assert(has_coding(final, "GP", "GPS"));
    cr_assert(has_coding(final, "GP", "PRACTICE"));
    cr_assert(has_coding(final, "VISION", "MODEL"));
    cr_assert(has_coding(final, "CLINMODEL", "MODEL"));
    cr_assert(has_coding(final, "MORALE.STRAIN", "MORALE.STRESS"));
    cr_assert(has_coding(final, "SUPERVISION", "SUPERVISION"));
    cr_assert(has_coding(final, "COLOC", "COLOC"));
    cr_assert(has_coding(final, "UNASSIGNED.R2", "OTHER"));
    cr_assert(qct_contains(report2, "category=\"Unassigned after revision 2\""), "%s", report2);
    cr_assert(qct_contains(report2, "<manual-coding code=\"OTHER\" to=\"UNASSIGNED.R2\""), "%s", report2);
    /* The earlier revision's unassigned coding is carried (and listed) again, not dropped. */
    cr_assert(qct_contains(report3, "manual-unassigned=\"0\"") || qct_contains(report3, "manual-unassigned="));
    cr_assert(qct_contains(report3, "<manual-coding code=\"UNASSIGNED.R2\" to=\"UNASSIGNED.R2\""), "%s", report3);
    if (qc_codebook_find(v1, "PATIENT.SATISFACTION") >= 0) {
        cr_assert(has_coding(final, "UNASSIGNED.R3", "PATIENT.SATISFACTION"));
        cr_assert(qct_contains(report3, "category=\"Unassigned after revision 3\""), "%s", report3);
    }

    free(final);
    free(report2);
    free(report3);
    free(m1);
    free(doc);
    free(dir);
    qc_codebook_free(v1);
    qc_codebook_free(v2);
    qc_codebook_free(v3);
}

Test(manual_survives, write_manual_needs_a_manual)
{
    qc_codebook *v2 = shipped("codebooks/integrated-care-v2.qcb");
    char *dir = qct_temp_dir();
    char *doc = qct_write_file(dir, "talk.txt", DOC, strlen(DOC));
    qc_recode_options o = QC_RECODE_OPTIONS_INIT;
    o.old_cb = v2;
    qc_recode *rc = NULL;
    qc_error err;
    cr_assert_eq(qc_recode_run(&rc, (const char *const *)&doc, 1, v2, NULL, &o, &err), 0, "%s", err.message);
    char out[1024];
    snprintf(out, sizeof out, "%s/m.xml", dir);
    cr_assert_eq(qc_recode_write_manual(rc, out, &err), QC_ERR_INVALID);
    /* Same codebook both sides: nothing moves. */
    qc_recode_totals t;
    qc_recode_get_totals(rc, &t);
    cr_assert_eq(t.gained + t.lost, 0);
    cr_assert_eq(t.kept, t.after);
    qc_recode_free(rc);
    free(doc);
    free(dir);
    qc_codebook_free(v2);
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* How many codings by `coder` a carried manual.xml has under codes that are not unassigned. */
static size_t assigned_codings(const char *manual, const char *coder)
{
    char tail[256];
    snprintf(tail, sizeof tail, "start=\"7\" end=\"14\" coder=\"%s\"", coder);
    size_t n = 0;
    for (const char *p = manual; (p = strstr(p, "<coding code=\"")) != NULL; p++) {
        const char *end = strchr(p, '>');
        cr_assert_not_null(end);
        const char *hit = strstr(p, tail);
        if (hit && hit < end && strncmp(p + 14, "UNASSIGNED.R", 12) != 0)
            n++;
    }
    return n;
}

/* The same, with the manual codings coming from results.xml: `qcode code --manual` lists them with
 * their coder, and each re-code reads them from the results.xml it is given, carries them, counts
 * them in the new results.xml and writes them all to the carried manual.xml (the only place for
 * one whose code was removed). At v2 -> v3 the carried manual.xml of v1 -> v2 is given too: a
 * coding in both is there once. */
Test(manual_survives, from_results_xml_v1_to_v2_to_v3)
{
    qc_codebook *v1 = shipped("codebooks/integrated-care-v1.qcb");
    qc_codebook *v3 = shipped("codebooks/integrated-care.qcb");
    char *c1 = qct_source_path("codebooks/integrated-care-v1.qcb");
    char *c2 = qct_source_path("codebooks/integrated-care-v2.qcb");
    char *c3 = qct_source_path("codebooks/integrated-care.qcb");
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "talk.txt", DOC, strlen(DOC)));
    size_t n1 = qc_codebook_code_count(v1);
    size_t cap = 4096 + n1 * 200, len = 0;
    char *xml = malloc(cap);
    len += (size_t)snprintf(xml + len, cap - len,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n");
    for (size_t i = 0; i < n1; i++)
        len += (size_t)snprintf(xml + len, cap - len,
                                "  <coding code=\"%s\" document=\"talk.txt\" start=\"7\" end=\"14\" coder=\"%s\" "
                                "created=\"2026-01-0%zuT00:00:00Z\"><text>We talk</text></coding>\n",
                                qc_code_id(v1, i), qc_code_id(v1, i), 1 + i % 9);
    len += (size_t)snprintf(xml + len, cap - len, "</manual>\n");
    free(qct_write_file(dir, "manual-v1.xml", xml, len));
    free(xml);

    qct_run r;
    qct_qcode(&r, dir, "code -c '%s' --manual manual-v1.xml -o r1.xml talk.txt", c1);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1024];
    snprintf(path, sizeof path, "%s/r1.xml", dir);
    char *r1 = qct_read_file(path, NULL);
    cr_assert_eq(occurrences(r1, " coder=\""), n1, "results.xml lists every v1 coding");

    /* v1 -> v2 from results.xml alone; with the cache. The file lists people's codings on talk.txt,
     * so its coding cannot match the file's: its old side and the codings are read from the file,
     * the corpus coded once (until 2026-12-07 the re-code started over from the file). */
    qct_qcode(&r, dir,
              "recode --from r1.xml --old '%s' -c '%s' -o r2.xml --report rep2.xml --cache cache --verbose talk.txt",
              c1, c2);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "old side: coded again, but read from the file for 1 document whose coding did not "
                                  "match it"),
              "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    cr_expect(qct_contains(r.err, "manual codings written to r1-manual-recoded.xml"), "%s", r.err);
    qct_run_free(&r);
    /* v2 -> v3 from results.xml and the carried manual.xml. */
    qct_qcode(
        &r, dir,
        "recode --from r2.xml --old '%s' -c '%s' -o r3.xml --manual r1-manual-recoded.xml --manual-out m3.xml talk.txt",
        c2, c3);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    qct_run_free(&r);

    snprintf(path, sizeof path, "%s/r1-manual-recoded.xml", dir);
    char *m2 = qct_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/r2.xml", dir);
    char *r2 = qct_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/m3.xml", dir);
    char *m3 = qct_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/r3.xml", dir);
    char *r3 = qct_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/rep2.xml", dir);
    char *rep2 = qct_read_file(path, NULL);
    cr_assert(m2 && r2 && m3 && r3 && rep2);

    for (size_t i = 0; i < n1; i++) {
        const char *who = qc_code_id(v1, i);
        char coder[256];
        snprintf(coder, sizeof coder, " coder=\"%s\"", who);
        /* Never lost: in each carried manual.xml, and counted in each results.xml wherever its code
         * has a successor, once per successor (a split code's coding goes to each part). */
        cr_assert_geq(occurrences(m2, coder), 1, "%s's coding is not in the v2 manual.xml", who);
        cr_assert_geq(occurrences(m3, coder), 1, "%s's coding is not in the v3 manual.xml", who);
        cr_assert_eq(occurrences(r2, coder), assigned_codings(m2, who), "%s: v2 results.xml and manual.xml differ",
                     who);
        cr_assert_eq(occurrences(r3, coder), assigned_codings(m3, who), "%s: v3 results.xml and manual.xml differ",
                     who);
        /* Never twice: one coding per code and coder in the carried file. */
        cr_assert_leq(occurrences(m3, coder), 2, "%s: %zu codings", who, occurrences(m3, coder));
    }
    /* Followed: renames, merges, splits; a removal unassigned, listed, and carried again. */
    cr_assert(has_coding(m3, "FORMAL", "MEETINGS"));
    cr_assert(has_coding(m3, "GP", "GPS"));
    cr_assert(has_coding(m3, "VISION", "MODEL"));
    cr_assert(has_coding(m3, "CLINMODEL", "MODEL"));
    cr_assert(has_coding(m2, "UNASSIGNED.R2", "OTHER"));
    cr_assert(has_coding(m3, "UNASSIGNED.R2", "OTHER"));
    cr_assert(qct_contains(rep2, "<manual-coding code=\"OTHER\" to=\"UNASSIGNED.R2\""), "%s", rep2);
    cr_assert(!qct_contains(r2, " coder=\"OTHER\""), "a removed code's coding is in no results.xml");
    cr_assert_eq(qc_codebook_find(v3, "FORMAL") >= 0, 1);

    free(r1);
    free(m2);
    free(r2);
    free(m3);
    free(r3);
    free(rep2);
    free(c1);
    free(c2);
    free(c3);
    free(dir);
    qc_codebook_free(v1);
    qc_codebook_free(v3);
}

/* A quoted version ("2024-03 draft", docs/codebook.md) went into the unassigned code's id as it
 * was: manual.xml failed its schema (IdType) and export --qdpx skipped the coding. */
Test(manual_survives, a_quoted_version_gives_a_valid_unassigned_id)
{
    const char old_src[] =
        "codebook \"C\" version 1\ncode GONE \"Gone\"\n  rule talk\ncode KEEP \"Keep\"\n  rule talk\n";
    const char new_src[] = "codebook \"C\" version \"2024-03 draft/\u00e9\"\ncode KEEP \"Keep\"\n  rule talk\n";
    qc_codebook *old_cb = NULL, *new_cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&old_cb, "old.qcb", old_src, strlen(old_src), NULL, &err), 0, "%s",
                 err.message);
    cr_assert_eq(qc_codebook_load_buffer(&new_cb, "new.qcb", new_src, strlen(new_src), NULL, &err), 0, "%s",
                 err.message);
    char *dir = qct_temp_dir();
    char *doc = qct_write_file(dir, "talk.txt", DOC, strlen(DOC));
    const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n"
                          "  <coding code=\"GONE\" document=\"talk.txt\" start=\"7\" end=\"14\" coder=\"Ann\">"
                          "<text>We talk</text></coding>\n</manual>\n";
    char *in = qct_write_file(dir, "manual.xml", manual, strlen(manual));
    char out[4096];
    snprintf(out, sizeof out, "%s/out.xml", dir);
    free(recode(doc, old_cb, new_cb, in, out));
    char *carried = qct_read_file(out, NULL);
    cr_assert_not_null(carried);
    cr_expect(has_coding(carried, "UNASSIGNED.R2024-03_draft__", "Ann"), "%s", carried);
    free(carried);
    free(in);
    free(doc);
    free(dir);
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
}
