/* The .qcb grammar: every statement, read back through the public API (tree, texts, settings
 * and conditions through qc_code_describe). Errors are in test_codebook_errors.c. */
#include "qc_test.h"

typedef struct diags {
    int errors, warnings;
    char first[512];
} diags;

static void collect(const qc_diagnostic *d, void *user)
{
    diags *dg = user;
    if (!dg->errors && !dg->warnings)
        snprintf(dg->first, sizeof dg->first, "%u:%u: %s", d->line, d->column, d->message);
    if (d->severity == QC_SEVERITY_ERROR)
        dg->errors++;
    else
        dg->warnings++;
}

/* Loads a codebook that must compile without errors or warnings. */
static qc_codebook *load_ok(const char *text)
{
    diags dg = {0};
    qc_codebook_options o = QC_CODEBOOK_OPTIONS_INIT;
    o.on_diagnostic = collect;
    o.user = &dg;
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load_buffer(&cb, "test.qcb", text, strlen(text), &o, &err);
    cr_assert_eq(rc, 0, "load failed: %s (first diagnostic %s)", err.message, dg.first);
    cr_assert_eq(dg.warnings, 0, "unexpected warning: %s", dg.first);
    cr_assert_not_null(cb);
    return cb;
}

static char *describe(const qc_codebook *cb, const char *id)
{
    long c = qc_codebook_find(cb, id);
    cr_assert_geq(c, 0, "no code %s", id);
    size_t n = qc_code_describe(cb, (size_t)c, NULL, 0);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    cr_assert_eq(qc_code_describe(cb, (size_t)c, s, n + 1), n);
    return s;
}

static const char *SAMPLE =
    "# Integrated care codebook, revision 3\n"
    "codebook \"Integrated neighbourhood teams\" version 3\n"
    "description \"Codes for the staff interviews\"\n"
    "description \"of the NT evaluation.\"\n"
    "scope sentence\n"
    "speakers participants\n"
    "\n"
    "code COLOC \"Co-location\"\n"
    "  define \"Working from a shared base, office or building\"\n"
    "  define \"with other professions.\"\n"
    "  guidance \"Use for where staff sit.\"\n"
    "  color #4E79A7\n"
    "  rule \"co-locat*\" OR colocat* OR \"same office\" OR \"same building\" OR /shared\\s+base/\n"
    "  code COLOC.HELPS \"Co-location helps joint working\"\n"
    "    rule {COLOC} AND (\"talk to\" OR \"walk over\" OR ask NEAR/4 advice)\n"
    "  code COLOC.ABSENT \"Not co-located\"\n"
    "    rule \"not co-locat*\" OR \"separate base*\" OR \"different building*\"\n"
    "    exclude \"since we co-located\"\n"
    "    scope turn\n"
    "code GOV \"Governance\"\n"
    "  code GOV.BOARD \"Board\"\n"
    "    manual\n"
    "    code GOV.BOARD.CHAIR \"Chair\"\n"
    "      rule chair*\n";

Test(codebook_parse, header_name_version_description)
{
    qc_codebook *cb = load_ok(SAMPLE);
    cr_assert_str_eq(qc_codebook_name(cb), "Integrated neighbourhood teams");
    cr_assert_str_eq(qc_codebook_version(cb), "3");
    cr_assert_str_eq(qc_codebook_description(cb), "Codes for the staff interviews of the NT evaluation.");
    cr_assert_str_eq(qc_codebook_path(cb), "test.qcb");
    cr_assert_eq(strlen(qc_codebook_sha256(cb)), 64);
    qc_codebook_free(cb);
}

Test(codebook_parse, quoted_version_and_no_version)
{
    qc_codebook *cb = load_ok("codebook \"A\" version \"2024-03 draft\"\n");
    cr_assert_str_eq(qc_codebook_version(cb), "2024-03 draft");
    cr_assert_eq(qc_codebook_code_count(cb), 0);
    qc_codebook_free(cb);
    cb = load_ok("codebook \"Quote \\\"inside\\\" and \\\\ backslash\"\n");
    cr_assert_str_eq(qc_codebook_name(cb), "Quote \"inside\" and \\ backslash");
    cr_assert_str_eq(qc_codebook_version(cb), "");
    qc_codebook_free(cb);
}

Test(codebook_parse, tree_in_preorder_with_parents_and_depths)
{
    qc_codebook *cb = load_ok(SAMPLE);
    static const char *const ids[] = {"COLOC", "COLOC.HELPS", "COLOC.ABSENT", "GOV", "GOV.BOARD", "GOV.BOARD.CHAIR"};
    static const long parents[] = {-1, 0, 0, -1, 3, 4};
    static const size_t depths[] = {1, 2, 2, 1, 2, 3};
    static const unsigned lines[] = {8, 14, 16, 20, 21, 23};
    cr_assert_eq(qc_codebook_code_count(cb), 6);
    for (size_t i = 0; i < 6; i++) {
        cr_assert_str_eq(qc_code_id(cb, i), ids[i]);
        cr_assert_eq(qc_code_parent(cb, i), parents[i], "parent of %s", ids[i]);
        cr_assert_eq(qc_code_depth(cb, i), depths[i], "depth of %s", ids[i]);
        cr_assert_eq(qc_code_line(cb, i), lines[i], "line of %s", ids[i]);
        cr_assert_eq(qc_codebook_find(cb, ids[i]), (long)i);
    }
    cr_assert_eq(qc_code_child_count(cb, 0), 2);
    cr_assert_eq(qc_code_child(cb, 0, 0), 1);
    cr_assert_eq(qc_code_child(cb, 0, 1), 2);
    cr_assert_eq(qc_code_child_count(cb, 3), 1);
    cr_assert_eq(qc_code_child(cb, 4, 0), 5);
    cr_assert_eq(qc_code_child_count(cb, 5), 0);
    cr_assert_eq(qc_codebook_find(cb, "coloc"), -1, "ids are case-sensitive");
    cr_assert_eq(qc_codebook_find(cb, "NOPE"), -1);
    qc_codebook_free(cb);
}

Test(codebook_parse, names_definitions_guidance_colours)
{
    qc_codebook *cb = load_ok(SAMPLE);
    cr_assert_str_eq(qc_code_name(cb, 0), "Co-location");
    cr_assert_str_eq(qc_code_definition(cb, 0),
                     "Working from a shared base, office or building with other professions.");
    cr_assert_str_eq(qc_code_guidance(cb, 0), "Use for where staff sit.");
    cr_assert_str_eq(qc_code_color(cb, 0), "#4e79a7", "colours are stored in lower case");
    cr_assert_str_eq(qc_code_definition(cb, 1), "");
    cr_assert_str_eq(qc_code_guidance(cb, 1), "");
    cr_assert_str_eq(qc_code_color(cb, 1), "");
    qc_codebook_free(cb);
    cb = load_ok("codebook \"C\"\ncode A \"A\"\n  colour #00ff00\n");
    cr_assert_str_eq(qc_code_color(cb, 0), "#00ff00", "British spelling accepted");
    qc_codebook_free(cb);
}

Test(codebook_parse, rules_as_written_and_categories)
{
    qc_codebook *cb = load_ok(SAMPLE);
    cr_assert_eq(qc_code_rule_count(cb, 0), 1);
    cr_assert_str_eq(qc_code_rule_text(cb, 0, 0),
                     "\"co-locat*\" OR colocat* OR \"same office\" OR \"same building\" OR /shared\\s+base/");
    cr_assert_str_eq(qc_code_rule_text(cb, 1, 0), "{COLOC} AND (\"talk to\" OR \"walk over\" OR ask NEAR/4 advice)");
    cr_assert(qc_code_is_codable(cb, 0));
    cr_assert_not(qc_code_is_codable(cb, 3), "GOV has no rules: a category");
    cr_assert(qc_code_is_codable(cb, 4), "GOV.BOARD is manual");
    cr_assert_eq(qc_code_rule_count(cb, 4), 0);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.codes, 6);
    cr_assert_eq(st.main_codes, 2);
    cr_assert_eq(st.main_with_children, 2);
    cr_assert_eq(st.sub_codes, 4);
    cr_assert_eq(st.max_depth, 3);
    cr_assert_eq(st.categories, 1);
    cr_assert_eq(st.rules, 4);
    cr_assert_eq(st.terms, 2);     /* ask, advice */
    cr_assert_eq(st.wildcards, 3); /* co-locat*, colocat*, chair* */
    cr_assert_eq(st.phrases, 7);
    cr_assert_eq(st.regexes, 1);
    cr_assert_eq(st.proximity, 1);
    cr_assert_eq(st.references, 1);
    qc_codebook_free(cb);
}

Test(codebook_parse, continuation_lines_join_with_one_space)
{
    qc_codebook *cb = load_ok("codebook \"C\"\n"
                              "code A \"A\"\n"
                              "  rule \"one\" OR\n"
                              "      \"two\"\n"
                              "\n"
                              "      # a comment inside a long rule\n"
                              "      OR three\n"
                              "  define \"First part,\"\n"
                              "    \"second part.\"\n"
                              "  rule four\n");
    cr_assert_eq(qc_code_rule_count(cb, 0), 2);
    cr_assert_str_eq(qc_code_rule_text(cb, 0, 0), "\"one\" OR \"two\" OR three");
    cr_assert_str_eq(qc_code_rule_text(cb, 0, 1), "four");
    cr_assert_str_eq(qc_code_definition(cb, 0), "First part, second part.");
    char *d = describe(cb, "A");
    cr_assert(qct_contains(d, "rule (or (term \"one\") (term \"two\") (term \"three\"))\n"), "%s", d);
    free(d);
    qc_codebook_free(cb);
}

Test(codebook_parse, crlf_bom_comments_blank_lines)
{
    const char *text = "\xEF\xBB\xBF# comment\r\n"
                       "codebook \"C\"\r\n"
                       "\r\n"
                       "   # indented comment\r\n"
                       "code A \"A\"   \r\n"
                       "  rule x\r\n";
    qc_codebook *cb = load_ok(text);
    cr_assert_eq(qc_codebook_code_count(cb), 1);
    cr_assert_str_eq(qc_code_name(cb, 0), "A");
    cr_assert_str_eq(qc_code_rule_text(cb, 0, 0), "x");
    cr_assert_eq(qc_code_line(cb, 0), 5);
    qc_codebook_free(cb);
}

Test(codebook_parse, ids_with_dots_underscores_hyphens)
{
    qc_codebook *cb =
        load_ok("codebook \"C\"\ncode it_systems-2.a \"IT\"\n  rule x\ncode B \"B\"\n  rule {it_systems-2.a*}\n");
    cr_assert_eq(qc_codebook_find(cb, "it_systems-2.a"), 0);
    char *d = describe(cb, "B");
    cr_assert(qct_contains(d, "rule (ref it_systems-2.a*)\n"), "%s", d);
    free(d);
    qc_codebook_free(cb);
}

Test(codebook_parse, settings_from_codebook_defaults_not_from_parent)
{
    qc_codebook *cb = load_ok("codebook \"C\"\n"
                              "scope paragraph\n"
                              "speakers all\n"
                              "case sensitive\n"
                              "accents keep\n"
                              "min 2\n"
                              "code P \"Parent\"\n"
                              "  scope words 7\n"
                              "  speakers interviewers\n"
                              "  case insensitive\n"
                              "  accents ignore\n"
                              "  min 0\n"
                              "  rule a\n"
                              "  code K \"Kid\"\n"
                              "    rule b\n"
                              "  code M \"Match\"\n"
                              "    scope match\n"
                              "    rule c\n"
                              "code T \"Turn\"\n"
                              "  scope turn\n"
                              "  rule d\n");
    char *p = describe(cb, "P"), *k = describe(cb, "K"), *m = describe(cb, "M"), *t = describe(cb, "T");
    cr_assert(
        qct_contains(p, "settings scope words 7; speakers interviewers; case insensitive; accents ignore; min 0\n"),
        "%s", p);
    cr_assert(qct_contains(k, "settings scope paragraph; speakers all; case sensitive; accents keep; min 2\n"),
              "a child takes the codebook defaults, not its parent's settings: %s", k);
    cr_assert(qct_contains(m, "settings scope match; speakers all; case sensitive; accents keep; min 2\n"), "%s", m);
    cr_assert(qct_contains(t, "settings scope turn;"), "%s", t);
    free(p);
    free(k);
    free(m);
    free(t);
    qc_codebook_free(cb);
}

Test(codebook_parse, default_settings)
{
    qc_codebook *cb = load_ok("codebook \"C\"\ncode A \"A\"\n  rule a\n");
    char *d = describe(cb, "A");
    cr_assert_str_eq(d, "settings scope sentence; speakers participants; case insensitive; accents ignore; min 0\n"
                        "rule (term \"a\")\n");
    free(d);
    qc_codebook_free(cb);
}

Test(codebook_parse, where_conditions)
{
    qc_codebook *cb = load_ok("codebook \"C\"\n"
                              "code A \"A\"\n"
                              "  where profession = \"nurse\"\n"
                              "  where site != \"RS1\"\n"
                              "  where \"job band\" in (\"5\", \"6\", 7)\n"
                              "  where phase not in (\"p1\")\n"
                              "  rule a\n");
    char *d = describe(cb, "A");
    cr_assert(qct_contains(d, "where profession = \"nurse\"\n"
                              "where site != \"RS1\"\n"
                              "where job band in (\"5\", \"6\", \"7\")\n"
                              "where phase != \"p1\"\n"),
              "%s", d);
    free(d);
    qc_codebook_free(cb);
}

Test(codebook_parse, was_merged_from_manual_exclude)
{
    qc_codebook *cb = load_ok("codebook \"C\"\n"
                              "code A \"A\"\n"
                              "  was OLD_A OLDER.A\n"
                              "  merged-from X Y\n"
                              "  manual\n"
                              "  exclude \"since we co-located\" OR /never\\/ever/\n"
                              "  exclude nope\n"
                              "  rule a\n");
    char *d = describe(cb, "A");
    cr_assert_str_eq(d, "settings scope sentence; speakers participants; case insensitive; accents ignore; min 0\n"
                        "manual\n"
                        "was OLD_A OLDER.A\n"
                        "merged-from X Y\n"
                        "exclude (or (phrase \"since\" \"we\" \"co-located\") (regex \"never/ever\" i))\n"
                        "exclude (term \"nope\")\n"
                        "rule (term \"a\")\n");
    free(d);
    qc_codebook_free(cb);
}

Test(codebook_parse, siblings_close_deeper_codes)
{
    qc_codebook *cb = load_ok("codebook \"C\"\n"
                              "code A \"A\"\n"
                              "    code A1 \"A1\"\n"
                              "        code A11 \"A11\"\n"
                              "    code A2 \"A2\"\n"
                              "code B \"B\"\n");
    cr_assert_eq(qc_code_parent(cb, 3), 0, "A2 is a child of A");
    cr_assert_eq(qc_code_parent(cb, 2), 1);
    cr_assert_eq(qc_code_parent(cb, 4), -1);
    cr_assert_eq(qc_code_depth(cb, 2), 3);
    qc_codebook_free(cb);
}

Test(codebook_parse, keywords_as_terms_need_quotes_but_near_words_are_terms)
{
    /* NEARBY and BEFOREHAND are words, not operators; a bare lower-case 'not' followed by an
     * operator is a term. */
    qc_codebook *cb =
        load_ok("codebook \"C\"\ncode A \"A\"\n  rule NEARBY OR BEFOREHAND OR NOT not BEFORE/2 helpful\n");
    char *d = describe(cb, "A");
    cr_assert(qct_contains(d, "rule (or (term \"nearby\") (term \"beforehand\") (not (before 2 (term \"not\") "
                              "(term \"helpful\"))))\n"),
              "%s", d);
    free(d);
    qc_codebook_free(cb);
}

Test(codebook_parse, empty_codebook_with_header_only)
{
    qc_codebook *cb = load_ok("codebook \"Nothing yet\"\n# codes to come\n");
    cr_assert_eq(qc_codebook_code_count(cb), 0);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.codes, 0);
    cr_assert_eq(st.max_depth, 0);
    qc_codebook_free(cb);
}

Test(codebook_parse, load_from_file_and_sha256_of_bytes)
{
    char *dir = qct_temp_dir();
    const char *text = "codebook \"F\"\ncode A \"A\"\n  rule a\n";
    char *path = qct_write_file(dir, "f.qcb", text, strlen(text));
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load(&cb, path, NULL, &err), 0, "%s", err.message);
    cr_assert_str_eq(qc_codebook_path(cb), path);
    /* sha256sum of the 33 bytes above (GNU coreutils). */
    cr_assert_str_eq(qc_codebook_sha256(cb), "c00af018a3d0e31ee3e158cb49829370591e7c30b39e88ded28abeacfead6e82");
    qc_codebook_free(cb);
    free(path);
    free(dir);
}

Test(codebook_parse, missing_file_is_io_error)
{
    qc_codebook *cb = (qc_codebook *)1;
    qc_error err;
    int rc = qc_codebook_load(&cb, "/nonexistent/x.qcb", NULL, &err);
    cr_assert_eq(rc, QC_ERR_IO);
    cr_assert_null(cb);
    cr_assert(qct_contains(err.file, "/nonexistent/x.qcb") || qct_contains(err.message, "/nonexistent/x.qcb"));
}

Test(codebook_parse, free_null_is_noop)
{
    qc_codebook_free(NULL); /* must not crash */
}

Test(codebook_parse, keyword_directly_followed_by_parenthesis_or_quote)
{
    qc_codebook *cb = load_ok("codebook\"C\"\ncode A \"A\"\n  rule(a OR b)\n  define\"d\"\n");
    cr_assert_str_eq(qc_codebook_name(cb), "C");
    cr_assert_str_eq(qc_code_rule_text(cb, 0, 0), "(a OR b)");
    cr_assert_str_eq(qc_code_definition(cb, 0), "d");
    qc_codebook_free(cb);
}
