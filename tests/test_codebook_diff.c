/* Codebook diff: every kind of change on small hand-made pairs, and the shipped revisions
 * v1 -> v2 -> v3 (codebooks/README.md says what each revision did). */
#include "qc_test.h"

static qc_codebook *load_text(const char *name, const char *text)
{
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load_buffer(&cb, name, text, strlen(text), NULL, &err);
    cr_assert_eq(rc, 0, "%s: %s (line %u)", name, err.message, err.line);
    return cb;
}

static qc_codebook *load_shipped(const char *rel)
{
    char *path = qct_source_path(rel);
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, path, NULL, &err), 0, "%s: %s", rel, err.message);
    free(path);
    return cb;
}

/* The change whose new id (or, for removed codes, old id) is `id` and whose old id is old_id
 * (NULL: any); fails the test when there is none. */
static qc_code_change find(const qc_codebook_diff *d, const char *old_id, const char *new_id)
{
    for (size_t i = 0; i < qc_codebook_diff_count(d); i++) {
        qc_code_change c;
        cr_assert_eq(qc_codebook_diff_get(d, i, &c), 0);
        int old_ok = old_id ? (c.old_id && strcmp(c.old_id, old_id) == 0) : 1;
        int new_ok = new_id ? (c.new_id && strcmp(c.new_id, new_id) == 0) : c.new_id == NULL;
        if (old_ok && new_ok)
            return c;
    }
    cr_assert_fail("no change %s -> %s", old_id ? old_id : "-", new_id ? new_id : "-");
    qc_code_change none = {0};
    return none;
}

static int has_change(const qc_codebook_diff *d, const char *old_id, const char *new_id)
{
    for (size_t i = 0; i < qc_codebook_diff_count(d); i++) {
        qc_code_change c;
        qc_codebook_diff_get(d, i, &c);
        if ((old_id ? c.old_id && strcmp(c.old_id, old_id) == 0 : 1) &&
            (new_id ? c.new_id && strcmp(c.new_id, new_id) == 0 : 1))
            return 1;
    }
    return 0;
}

static const char OLD_CB[] = "codebook \"t\" version 1\n"
                             "code A \"Alpha\"\n"
                             "  define \"First.\"\n"
                             "  rule alpha\n"
                             "  code A.X \"Sub\"\n"
                             "    rule xray\n"
                             "code B \"Beta\"\n"
                             "  rule beta\n"
                             "code C \"Gamma\"\n"
                             "  rule gamma OR gammas\n"
                             "code D \"Delta\"\n"
                             "  rule delta\n"
                             "code E \"Eps\"\n"
                             "  rule eps\n"
                             "code F \"Phi\"\n"
                             "  rule phi\n"
                             "code G \"Old mix\"\n"
                             "  rule mix\n"
                             "code H \"Same\"\n"
                             "  rule same\n";

static const char NEW_CB[] = "codebook \"t\" version 2\n"
                             "code A \"Alpha renamed\"\n"
                             "  define \"First, better.\"\n"
                             "  rule alpha\n"
                             "code B \"Beta\"\n"
                             "  rule beta\n"
                             "  code A.X \"Sub\"\n"
                             "    rule xray\n"
                             "code C \"Gamma\"\n"
                             "  rule gamma OR gammas OR gam*\n"
                             "  scope paragraph\n"
                             "code D2 \"Delta\"\n"
                             "  was D\n"
                             "  was ZZ\n"
                             "  rule delta\n"
                             "code EF \"Eps and phi\"\n"
                             "  merged-from E F\n"
                             "  rule eps OR phi\n"
                             "code G1 \"Mix one\"\n"
                             "  was G\n"
                             "  rule mix NEAR/3 one\n"
                             "code G2 \"Mix two\"\n"
                             "  was G\n"
                             "  rule mix NEAR/3 two\n"
                             "code H \"Same\"\n"
                             "  rule same\n"
                             "code N \"New\"\n"
                             "  rule new\n";

Test(codebook_diff, every_kind_on_a_small_pair)
{
    qc_codebook *o = load_text("old.qcb", OLD_CB), *n = load_text("new.qcb", NEW_CB);
    qc_codebook_diff *d = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_diff_new(&d, o, n, &err), 0, "%s", err.message);

    qc_code_change c = find(d, "A", "A");
    cr_assert_eq(c.kinds, QC_CHANGE_RENAMED | QC_CHANGE_DEFINITION);
    cr_assert_str_eq(c.old_name, "Alpha");
    cr_assert_str_eq(c.new_name, "Alpha renamed");

    c = find(d, "A.X", "A.X");
    cr_assert_eq(c.kinds, QC_CHANGE_MOVED);
    cr_assert_str_eq(c.old_parent, "A");
    cr_assert_str_eq(c.new_parent, "B");

    c = find(d, "C", "C");
    cr_assert_eq(c.kinds, QC_CHANGE_RULES | QC_CHANGE_SETTINGS);
    cr_assert_eq(c.rules_removed_count, 2); /* the rule and the settings line */
    cr_assert_str_eq(c.rules_removed[0], "gamma OR gammas");
    cr_assert_eq(c.rules_added_count, 2);
    cr_assert_str_eq(c.rules_added[0], "gamma OR gammas OR gam*");
    cr_assert(qct_contains(c.rules_added[1], "scope paragraph"), "%s", c.rules_added[1]);

    /* `was ZZ` names no old code: ignored; D -> D2 is an id change, nothing else. */
    c = find(d, "D", "D2");
    cr_assert_eq(c.kinds, QC_CHANGE_ID);

    c = find(d, "E", "EF");
    cr_assert(c.kinds & QC_CHANGE_MERGED);
    c = find(d, "F", "EF");
    cr_assert(c.kinds & QC_CHANGE_MERGED);
    cr_assert(c.kinds & QC_CHANGE_RENAMED);

    c = find(d, "G", "G1");
    cr_assert(c.kinds & QC_CHANGE_SPLIT);
    cr_assert(c.kinds & QC_CHANGE_RULES);
    c = find(d, "G", "G2");
    cr_assert(c.kinds & QC_CHANGE_SPLIT);

    c = find(d, NULL, "N");
    cr_assert_eq(c.kinds, QC_CHANGE_ADDED);
    cr_assert_eq(c.old_code, -1);

    /* Nothing about H changed: not listed. No old code is removed. */
    cr_assert_not(has_change(d, "H", "H"));
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_REMOVED), 0);
    cr_assert_eq(qc_codebook_diff_count(d), 9);

    /* Successors: where each old code's codings go. */
    const size_t *succ;
    cr_assert_eq(qc_codebook_diff_successors(d, (size_t)qc_codebook_find(o, "G"), &succ), 2);
    cr_assert_str_eq(qc_code_id(n, succ[0]), "G1");
    cr_assert_str_eq(qc_code_id(n, succ[1]), "G2");
    cr_assert_eq(qc_codebook_diff_successors(d, (size_t)qc_codebook_find(o, "F"), &succ), 1);
    cr_assert_str_eq(qc_code_id(n, succ[0]), "EF");
    cr_assert_eq(qc_codebook_diff_successors(d, (size_t)qc_codebook_find(o, "H"), &succ), 1);
    cr_assert_str_eq(qc_code_id(n, succ[0]), "H");

    qc_codebook_diff_free(d);
    /* Backwards: everything new is removed, D2 etc. are added, nothing is merged. */
    cr_assert_eq(qc_codebook_diff_new(&d, n, o, &err), 0);
    c = find(d, "N", NULL);
    cr_assert_eq(c.kinds, QC_CHANGE_REMOVED);
    cr_assert(has_change(d, NULL, "D"));
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_MERGED), 0);
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_REMOVED), 5); /* D2 EF G1 G2 N */
    qc_codebook_diff_free(d);
    qc_codebook_free(o);
    qc_codebook_free(n);
}

Test(codebook_diff, identical_codebooks_have_no_changes)
{
    qc_codebook *o = load_text("a.qcb", OLD_CB), *n = load_text("b.qcb", OLD_CB);
    qc_codebook_diff *d = NULL;
    cr_assert_eq(qc_codebook_diff_new(&d, o, n, NULL), 0);
    cr_assert_eq(qc_codebook_diff_count(d), 0);
    char *text = NULL;
    cr_assert_eq(qc_codebook_diff_render(d, QC_DIFF_TEXT, &text, NULL, NULL), 0);
    cr_assert(qct_contains(text, "summary: no changes\n"), "%s", text);
    qc_diff_text_free(text);
    qc_codebook_diff_free(d);
    qc_codebook_free(o);
    qc_codebook_free(n);
}

/* A codebook keeps its history: B `was A` beside a living A is the split of the revision that made
 * B, and shared history in every later comparison. A codebook compared with itself showed "A:
 * split" and "A -> B: renamed, rules, split". A line the old side's B did not have still counts:
 * the split when B appears, and a merge into a B that existed before. */
Test(codebook_diff, history_both_sides_share_is_not_a_change)
{
    static const char before[] = "codebook \"t\"\ncode A \"A\"\n  rule alpha\n";
    static const char split[] = "codebook \"t\"\ncode A \"A\"\n  rule alpha\ncode B \"B\"\n  was A\n  rule beta\n";
    static const char merged[] = "codebook \"t\"\ncode B \"B\"\n  was A\n  merged-from C\n  rule beta\n";
    static const char with_c[] = "codebook \"t\"\ncode A \"A\"\n  rule alpha\ncode B \"B\"\n  was A\n"
                                 "  rule beta\ncode C \"C\"\n  rule gamma\n";
    qc_codebook *b = load_text("before.qcb", before), *s1 = load_text("split.qcb", split);
    qc_codebook *s2 = load_text("split2.qcb", split), *m = load_text("merged.qcb", merged);
    qc_codebook *c = load_text("with_c.qcb", with_c);
    qc_codebook_diff *d = NULL;

    cr_assert_eq(qc_codebook_diff_new(&d, s1, s2, NULL), 0);
    cr_expect_eq(qc_codebook_diff_count(d), 0, "a codebook with a split in its history, compared with itself");
    qc_codebook_diff_free(d);

    cr_assert_eq(qc_codebook_diff_new(&d, b, s1, NULL), 0);
    cr_expect(find(d, "A", "B").kinds & QC_CHANGE_SPLIT, "the revision that makes B splits A");
    cr_expect(find(d, "A", "A").kinds & QC_CHANGE_SPLIT);
    qc_codebook_diff_free(d);

    /* B (which already said `was A`) absorbs C, and A goes: C is merged into B; A's line is old. */
    cr_assert_eq(qc_codebook_diff_new(&d, c, m, NULL), 0);
    cr_expect(find(d, "C", "B").kinds & QC_CHANGE_MERGED, "a merge into a code that existed before counts");
    cr_expect(!has_change(d, "A", "B"), "B's `was A` is history both sides have");
    cr_expect(find(d, "A", NULL).kinds & QC_CHANGE_REMOVED, "A is removed: its codings have no successor");
    qc_codebook_diff_free(d);

    qc_codebook_free(b);
    qc_codebook_free(s1);
    qc_codebook_free(s2);
    qc_codebook_free(m);
    qc_codebook_free(c);
}

Test(codebook_diff, text_and_xml_output)
{
    qc_codebook *o = load_text("old.qcb", OLD_CB), *n = load_text("new.qcb", NEW_CB);
    qc_codebook_diff *d = NULL;
    cr_assert_eq(qc_codebook_diff_new(&d, o, n, NULL), 0);
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(qc_codebook_diff_render(d, QC_DIFF_TEXT, &text, &len, NULL), 0);
    cr_assert_eq(strlen(text), len);
    cr_assert(qct_contains(text, "~ D -> D2: id-changed\n"), "%s", text);
    cr_assert(qct_contains(text, "~ A.X: moved\n    parent A -> B\n"), "%s", text);
    cr_assert(qct_contains(text, "+ N: added\n    \"New\" under (top level)\n"), "%s", text);
    cr_assert(qct_contains(text, "    - gamma OR gammas\n    - settings"), "%s", text);
    cr_assert(qct_contains(text, "summary: 1 added, 5 renamed, 1 moved, 5 rules, 1 definition, 1 settings, "
                                 "1 id-changed, 2 merged, 2 split\n"),
              "%s", text);
    qc_diff_text_free(text);
    cr_assert_eq(qc_codebook_diff_render(d, QC_DIFF_XML, &text, &len, NULL), 0);
    cr_assert(qct_contains(text, "<diff xmlns=\"urn:qcode:recode:1\">"), "%s", text);
    cr_assert(qct_contains(text, "<change kinds=\"id-changed\" old-id=\"D\" new-id=\"D2\" old-name=\"Delta\" "
                                 "new-name=\"Delta\" old-parent=\"\" new-parent=\"\"/>"),
              "%s", text);
    cr_assert(qct_contains(text, "<rule-added>gamma OR gammas OR gam*</rule-added>"), "%s", text);
    cr_assert(qct_contains(text, "<summary added=\"1\" removed=\"0\" renamed=\"5\""), "%s", text);
    qc_diff_text_free(text);
    qc_codebook_diff_free(d);
    qc_codebook_free(o);
    qc_codebook_free(n);
}

Test(codebook_diff, history_accessors)
{
    qc_codebook *n = load_text("new.qcb", NEW_CB);
    size_t d2 = (size_t)qc_codebook_find(n, "D2"), ef = (size_t)qc_codebook_find(n, "EF");
    cr_assert_eq(qc_code_was_count(n, d2), 2);
    cr_assert_str_eq(qc_code_was(n, d2, 0), "D");
    cr_assert_str_eq(qc_code_was(n, d2, 1), "ZZ");
    cr_assert_null(qc_code_was(n, d2, 2));
    cr_assert_eq(qc_code_merged_from_count(n, ef), 2);
    cr_assert_str_eq(qc_code_merged_from(n, ef, 1), "F");
    cr_assert_eq(qc_code_merged_from_count(n, d2), 0);
    qc_codebook_free(n);
}

Test(codebook_diff, shipped_v1_to_v2)
{
    qc_codebook *o = load_shipped("codebooks/integrated-care-v1.qcb");
    qc_codebook *n = load_shipped("codebooks/integrated-care-v2.qcb");
    qc_codebook_diff *d = NULL;
    cr_assert_eq(qc_codebook_diff_new(&d, o, n, NULL), 0);
    /* Every revision 2 change codebooks/README.md lists. */
    cr_assert(find(d, "ITSYS.AGILE", "AGILE").kinds & QC_CHANGE_ID);
    cr_assert(find(d, "ITSYS.AGILE", "AGILE").kinds & QC_CHANGE_MOVED);
    cr_assert(find(d, "PATIENT.DISCHARGE", "HOSPITAL.DISCHARGE").kinds & QC_CHANGE_MOVED);
    cr_assert(find(d, "MODEL", "VISION").kinds & QC_CHANGE_SPLIT);
    cr_assert(find(d, "MODEL", "CLINMODEL").kinds & QC_CHANGE_SPLIT);
    cr_assert(find(d, "GPS", "GP").kinds & QC_CHANGE_MERGED);
    cr_assert(find(d, "PRACTICE", "GP").kinds & QC_CHANGE_MERGED);
    cr_assert(find(d, "MEETINGS", "FORMAL").kinds & QC_CHANGE_ID);
    cr_assert(find(d, "MEETINGS.MDT", "FORMAL.MDT").kinds & QC_CHANGE_ID);
    cr_assert(find(d, "MGMT", "LEAD").kinds & QC_CHANGE_ID);
    cr_assert(find(d, "SW", "SOCCARE").kinds & QC_CHANGE_ID);
    cr_assert_eq(find(d, "SUPERVISION", "SUPERVISION").kinds, QC_CHANGE_MOVED);
    qc_code_change c = find(d, "OTHER", NULL);
    cr_assert_eq(c.kinds, QC_CHANGE_REMOVED);
    cr_assert_str_eq(find(d, "ROLE", "ROLE").new_name, "Role perception");
    cr_assert(find(d, "PATIENT", "PATIENT").kinds & QC_CHANGE_RENAMED);
    cr_assert(find(d, NULL, "DELEGATION").kinds & QC_CHANGE_ADDED);
    cr_assert(find(d, NULL, "UNITINGCARE").kinds & QC_CHANGE_ADDED);
    /* 142 new codes: those reached from an old code plus those added. */
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_ADDED), 47);
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_REMOVED), 1);
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_MERGED), 2);
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_SPLIT), 2);
    qc_codebook_diff_free(d);
    qc_codebook_free(o);
    qc_codebook_free(n);
}

Test(codebook_diff, shipped_v2_to_v3_uses_only_history_of_v2)
{
    qc_codebook *o = load_shipped("codebooks/integrated-care-v2.qcb");
    qc_codebook *n = load_shipped("codebooks/integrated-care.qcb");
    qc_codebook_diff *d = NULL;
    cr_assert_eq(qc_codebook_diff_new(&d, o, n, NULL), 0);
    cr_assert(find(d, "PLACE", "ESTATES").kinds & QC_CHANGE_SPLIT);
    cr_assert(find(d, "PLACE", "GEOGRAPHY").kinds & QC_CHANGE_SPLIT);
    cr_assert(find(d, "MORALE.STRESS", "MORALE.STRAIN").kinds & QC_CHANGE_MERGED);
    cr_assert(find(d, "MORALE.PRESSURE", "MORALE.STRAIN").kinds & QC_CHANGE_MERGED);
    qc_code_change c = find(d, "ITSYS.EMAIL", "COMMS.EMAIL");
    cr_assert(c.kinds & QC_CHANGE_ID);
    cr_assert(c.kinds & QC_CHANGE_MOVED);
    cr_assert_eq(find(d, "UNITINGCARE", "UNITINGCARE").kinds, QC_CHANGE_MOVED);
    cr_assert_str_eq(find(d, "MORALE.SICKNESS", "MORALE.SICKNESS").new_parent, "STAFFING");
    cr_assert_eq(find(d, "PATIENT.SATISFACTION", NULL).kinds, QC_CHANGE_REMOVED);
    cr_assert(find(d, "TRAINING", "TRAINING").kinds & QC_CHANGE_RULES);
    cr_assert(find(d, "CULTURE", "CULTURE").kinds & QC_CHANGE_SETTINGS);
    cr_assert(find(d, "ITSYS.SHARE.RIO", "ITSYS.SHARE.RIO").kinds & QC_CHANGE_SETTINGS);
    cr_assert(find(d, "WORKLOAD", "WORKLOAD").kinds & QC_CHANGE_RENAMED);
    /* FORMAL still says `was MEETINGS`, but v2 has no MEETINGS: FORMAL is FORMAL, no id change. */
    cr_assert_not(find(d, "FORMAL", "FORMAL").kinds & QC_CHANGE_ID);
    cr_assert_not(has_change(d, "MEETINGS", NULL));
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_ID), 1);
    cr_assert_eq(qc_codebook_diff_count_kind(d, QC_CHANGE_REMOVED), 1);
    qc_codebook_diff_free(d);
    qc_codebook_free(o);
    qc_codebook_free(n);
}

Test(codebook_diff, shipped_v1_to_v3_follows_the_whole_history)
{
    qc_codebook *o = load_shipped("codebooks/integrated-care-v1.qcb");
    qc_codebook *n = load_shipped("codebooks/integrated-care.qcb");
    qc_codebook_diff *d = NULL;
    cr_assert_eq(qc_codebook_diff_new(&d, o, n, NULL), 0);
    cr_assert(find(d, "MEETINGS", "FORMAL").kinds & QC_CHANGE_ID);
    /* Every v1 code either has a successor or is listed as removed (OTHER; and PATIENT.SATISFACTION
     * when v1 has it). */
    size_t removed = 0;
    for (size_t i = 0; i < qc_codebook_code_count(o); i++) {
        size_t k = qc_codebook_diff_successors(d, i, NULL);
        if (k == 0) {
            removed++;
            cr_assert(has_change(d, qc_code_id(o, i), NULL));
        }
    }
    cr_assert_eq(removed, qc_codebook_diff_count_kind(d, QC_CHANGE_REMOVED));
    cr_assert_geq(removed, 1);
    qc_codebook_diff_free(d);
    qc_codebook_free(o);
    qc_codebook_free(n);
}

Test(codebook_diff, bad_arguments)
{
    qc_codebook_diff *d = (qc_codebook_diff *)1;
    qc_error err;
    cr_assert_eq(qc_codebook_diff_new(&d, NULL, NULL, &err), QC_ERR_INVALID);
    cr_assert_null(d);
    cr_assert_eq(qc_codebook_diff_count(NULL), 0);
    qc_code_change c;
    cr_assert_eq(qc_codebook_diff_get(NULL, 0, &c), QC_ERR_INVALID);
    cr_assert_str_eq(qc_change_kind_name(QC_CHANGE_SPLIT), "split");
    qc_codebook_diff_free(NULL);
}
