/* Aggregation (qc_results) and the corpus runner (qc_corpus_run), on documents made in memory. */
#include "gen_interviews.h"
#include "qc_test.h"

#include <sys/stat.h>
#include <unistd.h>

static qc_codebook *load_cb(const char *text)
{
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "t.qcb", text, strlen(text), NULL, &err), 0, "%s", err.message);
    return cb;
}

/* Reads a document from text and adds its coding to res. */
static int add_text(qc_results *res, qc_coder *coder, const qc_casebook *cases, const char *name, const char *text)
{
    qc_document *doc = NULL;
    qc_coding *coding = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, name, text, strlen(text), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, doc, cases, &coding, &err), 0, "%s", err.message);
    int rc = qc_results_add(res, doc, coding, NULL, &err);
    qc_coding_free(coding);
    qc_document_free(doc);
    return rc;
}

static const char rollup_cb[] = "codebook \"R\"\n"
                                "code P \"Parent\"\n"
                                "  rule parent\n"
                                "  code A \"A\"\n"
                                "    rule apple\n"
                                "  code B \"B\"\n"
                                "    rule banana\n"
                                "code Z \"Zed\"\n"
                                "  rule zebra\n";

Test(results, rollup_merges_a_unit_coded_by_two_children)
{
    qc_codebook *cb = load_cb(rollup_cb);
    qc_coder *coder;
    qc_results *res;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    /* One sentence with apple and banana: A and B each code it; the parent rolls it up once,
     * with both hits. A second sentence has only banana. */
    cr_assert_eq(add_text(res, coder, NULL, "d1.txt",
                          "S1: An apple and a banana.\nInterviewer: Yes?\nS1: Another banana here.\n"), 0);
    qc_counts c;
    qc_results_code_counts(res, 0, QC_OWN, &c);
    cr_expect_eq(c.quotations, 0);
    qc_results_code_counts(res, 0, QC_ROLLED_UP, &c);
    cr_expect_eq(c.quotations, 2);
    cr_expect_eq(c.hits, 3);
    cr_expect_eq(c.respondents, 1);
    qc_results_code_counts(res, 2, QC_OWN, &c); /* B */
    cr_expect_eq(c.quotations, 2);
    qc_results_code_counts(res, 3, QC_ROLLED_UP, &c); /* Z: nothing */
    cr_expect_eq(c.quotations, 0);
    cr_expect_eq(qc_results_cooccurrence(res, 1, 2), 1);
    cr_expect_eq(qc_results_cooccurrence(res, 2, 2), 2);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
}

Test(results, respondents_are_labels_across_documents)
{
    qc_codebook *cb = load_cb(rollup_cb);
    qc_coder *coder;
    qc_results *res;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_assert_eq(add_text(res, coder, NULL, "d1.txt", "S7: zebra one.\nInterviewer: and?\nS7: zebra two.\n"), 0);
    cr_assert_eq(add_text(res, coder, NULL, "d2.txt", "S7: a zebra again.\nInterviewer: ok\nS7: fine.\n"), 0);
    cr_assert_eq(add_text(res, coder, NULL, "d3.txt", "Just a zebra in an unlabelled note.\n"), 0);
    qc_counts c;
    qc_results_code_counts(res, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 4);
    cr_expect_eq(c.respondents, 2); /* S7 in d1 and d2 is one person; d3 is respondent "d3.txt" */
    cr_expect_eq(c.documents, 3);
    cr_assert_eq(qc_results_respondent_count(res), 3);
    qc_role role;
    cr_expect_str_eq(qc_results_respondent(res, 2, &role), "d3.txt");
    cr_expect_eq(role, QC_ROLE_UNKNOWN);
    cr_expect_str_eq(qc_results_respondent(res, 1, &role), "Interviewer");
    cr_expect_eq(role, QC_ROLE_INTERVIEWER);
    qc_uncoded_summary u;
    qc_results_uncoded(res, &u);
    cr_expect_eq(u.participant_turns, 5);
    cr_expect_eq(u.uncoded_turns, 1); /* d2 "fine." */
    cr_expect_eq(u.uncoded_length, 5);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
}

/* The speakers of the quotations walked, in order, space-separated. */
static int speaker_of(const qc_result_quotation *q, void *user)
{
    char *out = user;
    strcat(out, q->speaker ? q->speaker : "-");
    strcat(out, " ");
    return 0;
}

/* A codebook (`cbtext`), a casebook read from `sheet`, and a coder and results over both. */
typedef struct with_cases {
    qc_codebook *cb;
    qc_casebook *cases;
    qc_coder *coder;
    qc_results *res;
} with_cases;

static with_cases with_cases_new(const char *cbtext, const char *sheet)
{
    with_cases w;
    qc_error err;
    w.cb = load_cb(cbtext);
    cr_assert_eq(qc_casebook_load_buffer(&w.cases, "cases.tsv", sheet, strlen(sheet), &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_new(&w.coder, w.cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&w.res, w.cb, w.cases, NULL), 0);
    return w;
}

static void with_cases_free(with_cases *w)
{
    qc_results_free(w->res);
    qc_coder_free(w->coder);
    qc_casebook_free(w->cases);
    qc_codebook_free(w->cb);
}

/* The casebook gives "s7" the row of S7 (its keys compare ASCII-case-insensitively), so the two
 * labels are one person there; counting them as two respondents inflated every respondent count
 * without a warning (the casebook knows "s7", so none is given). */
Test(results, labels_differing_only_in_ascii_case_are_one_respondent_as_in_the_casebook)
{
    with_cases w = with_cases_new(rollup_cb, "speaker\tteam\nS7\tRS1\n");
    qc_error err;
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d1.txt", "S7: zebra one.\nInterviewer: and?\ns7: zebra two.\n"), 0);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d2.txt", "s7: a zebra again.\ninterviewer: ok\nS7: fine.\n"), 0);
    qc_counts c;
    qc_results_code_counts(w.res, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 3);
    cr_expect_eq(c.respondents, 1);
    /* One respondent, named as first seen; one interviewer too. */
    cr_assert_eq(qc_results_respondent_count(w.res), 2);
    qc_role role;
    cr_expect_str_eq(qc_results_respondent(w.res, 0, &role), "S7");
    cr_expect_eq(role, QC_ROLE_PARTICIPANT);
    cr_expect_str_eq(qc_results_respondent(w.res, 1, &role), "Interviewer");
    qc_results_respondent_counts(w.res, 0, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 3);
    /* The breakdown by team and its base: one respondent of RS1. */
    cr_assert_eq(qc_results_attribute_count(w.res), 1);
    qc_counts base;
    cr_expect_str_eq(qc_results_attribute_value(w.res, 0, 0, &base), "RS1");
    cr_expect_eq(base.respondents, 1);
    cr_expect_eq(base.documents, 2);
    qc_results_attribute_counts(w.res, 0, 0, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 3);
    cr_expect_eq(c.respondents, 1);
    /* In d1, S7 and s7 are two labels but one respondent. */
    qc_results_document_counts(w.res, 0, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 2);
    cr_expect_eq(c.respondents, 1);
    /* Each quotation is still listed with its turn's label as the transcript writes it. */
    char speakers[64] = "";
    cr_assert_eq(qc_results_foreach_quotation(w.res, 3, speaker_of, speakers, &err), 0, "%s", err.message);
    cr_expect_str_eq(speakers, "S7 s7 s7 ");
    with_cases_free(&w);
}

/* Two documents whose participant's label is written two ways, one casebook row: one respondent
 * of the row's team in both documents, named as first seen. */
static void expect_one_respondent_of_rs1(const char *casebook, const char *d1, const char *d2, const char *first)
{
    with_cases w = with_cases_new(rollup_cb, casebook);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d1.txt", d1), 0);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d2.txt", d2), 0);
    qc_counts c;
    qc_results_code_counts(w.res, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 2);
    cr_expect_eq(c.respondents, 1);
    cr_assert_eq(qc_results_respondent_count(w.res), 2);
    qc_role role;
    cr_expect_str_eq(qc_results_respondent(w.res, 0, &role), first);
    cr_assert_eq(qc_results_attribute_count(w.res), 1);
    qc_counts base;
    cr_expect_str_eq(qc_results_attribute_value(w.res, 0, 0, &base), "RS1");
    cr_expect_eq(base.respondents, 1);
    cr_expect_eq(base.documents, 2);
    with_cases_free(&w);
}

/* Beyond ASCII alike: the readers' tally trusts `Élodie:` and `élodie:` as one label, so the
 * results, the casebook and the export take them for one person too. The respondents and the
 * casebook compared ASCII case only: two respondents, and `élodie` had no row. */
Test(results, labels_differing_only_in_case_beyond_ascii_are_one_respondent_as_in_the_casebook)
{
    expect_one_respondent_of_rs1("speaker\tteam\nÉLODIE\tRS1\n", "Élodie: zebra one.\nInterviewer: and?\nÉlodie: ok.\n",
                                 "élodie: a zebra again.\nInterviewer: ok\nélodie: fine.\n", "Élodie");
}

/* A label whose accent is typed as a combining mark (E + U+0301, as some tools write it) is the
 * casebook's `Élodie` and the same respondent as `Élodie` typed as one character: it had no
 * casebook row and was a second respondent. */
Test(results, labels_differing_only_in_how_accents_are_typed_are_one_respondent_as_in_the_casebook)
{
    expect_one_respondent_of_rs1(
        "speaker\tteam\n\xC3\x89lodie\tRS1\n", "E\xCC\x81lodie: zebra one.\nInterviewer: and?\nE\xCC\x81lodie: ok.\n",
        "\xC3\x89lodie: a zebra again.\nInterviewer: ok\n\xC3\x89lodie: yes.\n", "E\xCC\x81lodie");
}

/* `where profession = "nurse"` holds for "Nurse" and "nurse" alike (values compare without ASCII
 * case), so a breakdown by profession groups them too: one row named as first seen, not a row of
 * 1 "Nurse" beside a row of 1 "nurse" when the study has 2 nurses. */
Test(results, attribute_values_differing_only_in_ascii_case_are_one_row_as_in_where)
{
    with_cases w = with_cases_new(rollup_cb, "speaker\tprofession\nS1\tNurse\nS2\tnurse\nS3\tNURSE\nS4\tmanager\n");
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d1.txt", "S1: zebra one.\nS2: zebra two.\nS4: zebra three.\n"), 0);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d2.txt", "S3: a zebra again.\n"), 0);
    cr_assert_eq(qc_results_attribute_count(w.res), 1);
    cr_assert_eq(qc_results_attribute_value_count(w.res, 0), 2);
    qc_counts base, c;
    cr_expect_str_eq(qc_results_attribute_value(w.res, 0, 0, &base), "Nurse");
    cr_expect_eq(base.respondents, 3);
    cr_expect_eq(base.documents, 2);
    qc_results_attribute_counts(w.res, 0, 0, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 3);
    cr_expect_eq(c.respondents, 3);
    cr_expect_eq(c.documents, 2);
    cr_expect_str_eq(qc_results_attribute_value(w.res, 0, 1, &base), "manager");
    cr_expect_eq(base.respondents, 1);
    with_cases_free(&w);
}

/* An attribute is found by its name in any case and however its accents are typed, as a respondent
 * is: a `where` naming the casebook's `RÉGION` as `Région` read its column, and a document's header
 * key `région` (lower case, as a header writes keys) gave the turns the casebook says nothing of
 * their value, for `where` (naming it `RE` + U+0301 `GION`) and for the breakdown, which is one
 * attribute named as the casebook names it. Header keys beyond ASCII were not read at all, and the
 * names compared ASCII case only. */
Test(results, attribute_names_compare_as_names_in_where_and_breakdowns)
{
    with_cases w = with_cases_new("codebook \"R\"\n"
                                  "code N \"North\"\n"
                                  "  rule zebra\n"
                                  "  where R\xC3\xA9gion = \"nord\"\n"
                                  "code S \"South\"\n"
                                  "  rule zebra\n"
                                  "  where \"RE\xCC\x81GION\" in (\"sud\")\n",
                                  "speaker\tR\xC3\x89GION\nS1\tNord\n");
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d1.txt", "S1: zebra one.\nS2: zebra two.\n"), 0);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d2.txt", "r\xC3\xA9gion: Sud\n\nS3: a zebra again.\n"), 0);
    qc_counts c;
    qc_results_code_counts(w.res, 0, QC_OWN, &c);
    cr_expect_eq(c.quotations, 1, "where Région = nord: %u", c.quotations);
    qc_results_code_counts(w.res, 1, QC_OWN, &c);
    cr_expect_eq(c.quotations, 1, "where RE\xCC\x81GION in (sud): %u", c.quotations);
    cr_assert_eq(qc_results_attribute_count(w.res), 1);
    cr_expect_str_eq(qc_results_attribute_name(w.res, 0), "R\xC3\x89GION");
    cr_assert_eq(qc_results_attribute_value_count(w.res, 0), 2);
    qc_counts base;
    cr_expect_str_eq(qc_results_attribute_value(w.res, 0, 0, &base), "Nord");
    cr_expect_eq(base.respondents, 1);
    cr_expect_str_eq(qc_results_attribute_value(w.res, 0, 1, &base), "Sud");
    cr_expect_eq(base.respondents, 1);
    qc_results_attribute_counts(w.res, 0, 1, 1, QC_OWN, &c);
    cr_expect_eq(c.quotations, 1);
    with_cases_free(&w);
}

/* A casebook column giving each of its many people a value of their own (a pseudonym) is an
 * identifier: a breakdown by it would repeat each respondent's counts, a row of every code per
 * person (1 GB of transcripts has 31,000 people: 600 MB and a results.xml twice the size). It is no
 * attribute of the results, nor is a header key of its name; `where` still reads it, and a column
 * people share (team) is broken down as before. */
Test(results, an_identifier_column_is_not_broken_down)
{
    char *sheet = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&sheet, &size);
    cr_assert_not_null(fp);
    fputs("speaker\tpseudonym\tteam\n", fp);
    for (int i = 1; i <= QC_CASEBOOK_IDENTIFIER_MIN + 1; i++)
        fprintf(fp, "S%d\tP%d\t%s\n", i, i, i % 2 ? "north" : "south");
    fclose(fp);
    with_cases w = with_cases_new("codebook \"R\"\n"
                                  "code Z \"Zed\"\n"
                                  "  rule zebra\n"
                                  "  where pseudonym = \"P1\"\n",
                                  sheet);
    free(sheet);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d1.txt", "S1: zebra one.\nS2: zebra two.\n"), 0);
    cr_assert_eq(add_text(w.res, w.coder, w.cases, "d2.txt", "Pseudonym: Q9\n\nS99: a zebra again.\n"), 0);
    qc_counts c;
    qc_results_code_counts(w.res, 0, QC_OWN, &c);
    cr_expect_eq(c.quotations, 1, "where pseudonym = P1: %u", c.quotations);
    cr_assert_eq(qc_results_attribute_count(w.res), 1, "%s", qc_results_attribute_name(w.res, 0));
    cr_expect_str_eq(qc_results_attribute_name(w.res, 0), "team");
    cr_expect_eq(qc_results_attribute_value_count(w.res, 0), 2, "S1 north, S2 south");
    with_cases_free(&w);
}

/* Adds n documents d<first>..: each with the header `key: <value_fmt of its number>` and a
 * zebra; returns 0 or the first failure. */
static int add_headed(qc_results *res, qc_coder *coder, int first, int n, const char *key, const char *value_fmt)
{
    for (int i = first; i < first + n; i++) {
        char name[32], value[64], text[256];
        snprintf(name, sizeof name, "d%d.txt", i);
        snprintf(value, sizeof value, value_fmt, i);
        snprintf(text, sizeof text, "%s: %s\nsite: north\n\nS%d: a zebra.\n", key, value, i);
        int rc = add_text(res, coder, NULL, name, text);
        if (rc)
            return rc;
    }
    return 0;
}

static long attribute_index(const qc_results *res, const char *name)
{
    for (size_t a = 0; a < qc_results_attribute_count(res); a++)
        if (strcmp(qc_results_attribute_name(res, a), name) == 0)
            return (long)a;
    return -1;
}

/* A header key that more than 50 documents each give a value of its own (a recording's file name)
 * is an identifier too: its breakdown stops and is listed as such; a key whose value came twice
 * first (a site) stays a group, however many values follow; 50 documents keep the table. */
Test(results, a_header_key_each_document_gives_its_own_value_is_not_broken_down)
{
    qc_codebook *cb = load_cb(rollup_cb);
    qc_coder *coder;
    qc_results *res;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_assert_eq(add_headed(res, coder, 1, QC_CASEBOOK_IDENTIFIER_MIN, "recording", "r%d.mp3"), 0);
    long a = attribute_index(res, "recording");
    cr_assert_geq(a, 0, "50 documents: still a table");
    cr_expect_eq(qc_results_attribute_value_count(res, (size_t)a), QC_CASEBOOK_IDENTIFIER_MIN);
    cr_expect_eq(qc_results_unbroken_attribute_count(res), 0);
    cr_assert_eq(add_headed(res, coder, QC_CASEBOOK_IDENTIFIER_MIN + 1, 5, "recording", "r%d.mp3"), 0);
    cr_expect_eq(attribute_index(res, "recording"), -1);
    cr_assert_eq(qc_results_unbroken_attribute_count(res), 1);
    size_t values = 1;
    cr_expect_str_eq(qc_results_unbroken_attribute_name(res, 0, &values), "recording");
    cr_expect_eq(values, 0, "a header key: no casebook values");
    long site = attribute_index(res, "site");
    cr_assert_geq(site, 0, "the attribute after it moved down and is still found");
    qc_counts base;
    cr_expect_str_eq(qc_results_attribute_value(res, (size_t)site, 0, &base), "north");
    cr_expect_eq(base.documents, QC_CASEBOOK_IDENTIFIER_MIN + 5);
    qc_counts c;
    qc_results_attribute_counts(res, (size_t)site, 0, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, QC_CASEBOOK_IDENTIFIER_MIN + 5);
    qc_results_free(res);

    /* the same value twice before the others: a group for good */
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_assert_eq(add_headed(res, coder, 1, 1, "ward", "w%d"), 0);
    cr_assert_eq(add_headed(res, coder, 2, 1, "ward", "w1"), 0);
    cr_assert_eq(add_headed(res, coder, 3, QC_CASEBOOK_IDENTIFIER_MIN * 2, "ward", "w%d"), 0);
    a = attribute_index(res, "ward");
    cr_assert_geq(a, 0);
    cr_expect_eq(qc_results_attribute_value_count(res, (size_t)a), QC_CASEBOOK_IDENTIFIER_MIN * 2 + 1);
    cr_expect_eq(qc_results_unbroken_attribute_count(res), 0);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
}

Test(results, duplicate_document_id_is_refused)
{
    qc_codebook *cb = load_cb(rollup_cb);
    qc_coder *coder;
    qc_results *res;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_assert_eq(add_text(res, coder, NULL, "same.txt", "zebra.\n"), 0);
    cr_assert_eq(add_text(res, coder, NULL, "same.txt", "zebra.\n"), QC_ERR_INVALID);
    cr_expect_eq(qc_results_document_count(res), 1);
    qc_counts c;
    qc_results_code_counts(res, 3, QC_OWN, &c);
    cr_expect_eq(c.quotations, 1);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
}

Test(results, options_are_kept_in_name_order_and_replaced)
{
    qc_codebook *cb = load_cb(rollup_cb);
    qc_results *res;
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_set_option(res, "zeta", "1", NULL), 0);
    cr_assert_eq(qc_results_set_option(res, "alpha", "2", NULL), 0);
    cr_assert_eq(qc_results_set_option(res, "zeta", "3", NULL), 0);
    char *dir = qct_temp_dir();
    char path[600];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    cr_assert_eq(qc_results_write_xml(res, path, NULL, NULL), 0);
    char *xml = qct_read_file(path, NULL);
    const char *a = strstr(xml, "name=\"alpha\" value=\"2\"");
    const char *z = strstr(xml, "name=\"zeta\" value=\"3\"");
    cr_assert(a && z && a < z, "%s", xml);
    cr_expect(!qct_contains(xml, "value=\"1\""));
    free(xml);
    free(dir);
    qc_results_free(res);
    qc_codebook_free(cb);
}

/* --- the corpus runner --- */

typedef struct seen {
    char ids[64][32];
    size_t n;
    size_t errors;
    char last_error[1200];
} seen;

static int record_doc(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                      qc_error *err)
{
    (void)coding;
    (void)err;
    seen *s = user;
    cr_assert_not_null(src->sha256);
    cr_assert_eq(strlen(src->sha256), 64);
    if (s->n < 64)
        snprintf(s->ids[s->n], sizeof s->ids[0], "%s", qc_document_id(doc));
    s->n++;
    return 0;
}

static void record_error(const char *path, const qc_error *err, void *user)
{
    (void)path;
    seen *s = user;
    s->errors++;
    snprintf(s->last_error, sizeof s->last_error, "%s:%u: %s", err->file, err->line, err->message);
}

static char **make_corpus(const char *dir, size_t n, int bad_at)
{
    char **paths = calloc(n, sizeof *paths);
    for (size_t i = 0; i < n; i++) {
        char name[32], text[128];
        snprintf(name, sizeof name, "doc%02zu.txt", i);
        if ((int)i == bad_at)
            snprintf(text, sizeof text, "S1: bad \xff byte\n");
        else
            snprintf(text, sizeof text, "S1: zebra number %zu.\nInterviewer: ok\nS1: apple.\n", i);
        paths[i] = qct_write_file(dir, name, text, strlen(text));
    }
    return paths;
}

Test(run, hands_documents_over_in_input_order_whatever_the_jobs)
{
    qc_codebook *cb = load_cb(rollup_cb);
    char *dir = qct_temp_dir();
    char **paths = make_corpus(dir, 40, -1);
    unsigned jobs[] = {1, 2, 4, 0};
    for (size_t j = 0; j < 4; j++) {
        seen s;
        memset(&s, 0, sizeof s);
        qc_run_options ro = QC_RUN_OPTIONS_INIT;
        ro.jobs = jobs[j];
        ro.on_document = record_doc;
        ro.user = &s;
        qc_run_stats st;
        cr_assert_eq(qc_corpus_run((const char *const *)paths, 40, cb, NULL, &ro, &st, NULL), 0);
        cr_assert_eq(s.n, 40);
        cr_expect_eq(st.documents, 40);
        for (size_t i = 0; i < 40; i++) {
            char want[32];
            snprintf(want, sizeof want, "doc%02zu.txt", i);
            cr_expect_str_eq(s.ids[i], want, "jobs %u", jobs[j]);
        }
    }
    for (size_t i = 0; i < 40; i++)
        free(paths[i]);
    free(paths);
    free(dir);
    qc_codebook_free(cb);
}

Test(run, unreadable_document_is_reported_and_skipped)
{
    qc_codebook *cb = load_cb(rollup_cb);
    char *dir = qct_temp_dir();
    char **paths = make_corpus(dir, 6, 2);
    seen s;
    memset(&s, 0, sizeof s);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.jobs = 2;
    ro.on_document = record_doc;
    ro.on_error = record_error;
    ro.user = &s;
    qc_run_stats st;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, 6, cb, NULL, &ro, &st, NULL), 0);
    cr_expect_eq(st.documents, 5);
    cr_expect_eq(st.failed, 1);
    cr_expect_eq(s.errors, 1);
    cr_expect(qct_contains(s.last_error, "doc02.txt:1:"), "%s", s.last_error);
    cr_expect_str_eq(s.ids[2], "doc03.txt");

    /* strict: stops at the first failure with its error */
    memset(&s, 0, sizeof s);
    ro.strict = 1;
    qc_error err;
    int rc = qc_corpus_run((const char *const *)paths, 6, cb, NULL, &ro, &st, &err);
    cr_expect_lt(rc, 0);
    cr_expect(qct_contains(err.file, "doc02.txt"), "%s", err.file);
    cr_expect_eq(s.n, 2);
    for (size_t i = 0; i < 6; i++)
        free(paths[i]);
    free(paths);
    free(dir);
    qc_codebook_free(cb);
}

Test(run, missing_file_and_ids_option)
{
    qc_codebook *cb = load_cb(rollup_cb);
    char *dir = qct_temp_dir();
    char *good = qct_write_file(dir, "x.txt", "zebra.\n", 7);
    const char *paths[] = {"/nonexistent/qcode/nothing.txt", good};
    const char *docids[] = {"first", "sub/x.txt"};
    seen s;
    memset(&s, 0, sizeof s);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = record_doc;
    ro.on_error = record_error;
    ro.ids = docids;
    ro.user = &s;
    qc_run_stats st;
    cr_assert_eq(qc_corpus_run(paths, 2, cb, NULL, &ro, &st, NULL), 0);
    cr_expect_eq(st.failed, 1);
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.ids[0], "sub/x.txt");
    cr_expect(qct_contains(s.last_error, "nothing.txt"));
    free(good);
    free(dir);
    qc_codebook_free(cb);
}

static int stop_at_second(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                          qc_error *err)
{
    (void)doc;
    (void)coding;
    (void)src;
    int *n = user;
    if (++*n == 2) {
        snprintf(err->message, sizeof err->message, "enough");
        err->code = QC_ERR_CANCELLED;
        return QC_ERR_CANCELLED;
    }
    return 0;
}

Test(run, a_handler_error_stops_the_run)
{
    qc_codebook *cb = load_cb(rollup_cb);
    char *dir = qct_temp_dir();
    char **paths = make_corpus(dir, 12, -1);
    int n = 0;
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.jobs = 3;
    ro.on_document = stop_at_second;
    ro.user = &n;
    qc_error err;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, 12, cb, NULL, &ro, NULL, &err), QC_ERR_CANCELLED);
    cr_expect_eq(n, 2);
    cr_expect_str_eq(err.message, "enough");
    for (size_t i = 0; i < 12; i++)
        free(paths[i]);
    free(paths);
    free(dir);
    qc_codebook_free(cb);
}

/* Memory stays flat: quotation texts live in the spill file, so growing the corpus tenfold must
 * not grow the aggregation's heap tenfold. Counted through the replaceable allocator. */
static size_t live_bytes, peak_bytes;
static void *count_malloc(size_t n)
{
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    *p = n;
    live_bytes += n;
    if (live_bytes > peak_bytes)
        peak_bytes = live_bytes;
    return (char *)p + 16;
}
static void count_free(void *ptr)
{
    if (!ptr)
        return;
    size_t *p = (size_t *)((char *)ptr - 16);
    live_bytes -= *p;
    free(p);
}
static void *count_realloc(void *ptr, size_t n)
{
    if (!ptr)
        return count_malloc(n);
    size_t *p = (size_t *)((char *)ptr - 16);
    size_t old = *p;
    size_t *q = realloc(p, n + 16);
    if (!q)
        return NULL;
    *q = n;
    live_bytes = live_bytes - old + n;
    if (live_bytes > peak_bytes)
        peak_bytes = live_bytes;
    return (char *)q + 16;
}

static size_t results_heap_for(qc_codebook *cb, qc_coder *coder, size_t docs)
{
    qc_results *res;
    size_t before = live_bytes;
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    /* One big document per step, with many long quotations. */
    for (size_t d = 0; d < docs; d++) {
        char name[32];
        snprintf(name, sizeof name, "big%zu.txt", d);
        size_t cap = 200000, len = 0;
        char *text = malloc(cap);
        while (len + 200 < cap)
            len += (size_t)snprintf(text + len, cap - len,
                                    "S1: the zebra said a long sentence about nothing in particular today.\n");
        text[len] = '\0';
        add_text(res, coder, NULL, name, text);
        free(text);
    }
    size_t grown = live_bytes - before;
    qc_results_free(res);
    return grown;
}

Test(results, quotation_text_does_not_stay_in_memory)
{
    qc_codebook *cb = load_cb(rollup_cb);
    qc_coder *coder;
    qc_allocator a = {count_malloc, count_realloc, count_free};
    qc_set_allocator(&a); /* before the coder, so everything it frees was counted */
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    size_t one = results_heap_for(cb, coder, 1);
    size_t ten = results_heap_for(cb, coder, 10);
    /* Ten documents of ~2800 quotations (~200 KB of quoted text each): what the results hold beyond
     * the first document must be a small fraction of the text they quoted. */
    cr_expect_lt(ten, one + 10 * 200000 / 20, "one document: %zu bytes, ten: %zu bytes", one, ten);
    qc_coder_free(coder);
    qc_set_allocator(NULL);
    qc_codebook_free(cb);
}

/* Mappings of this process that asked for transparent huge pages (smaps' VmFlags "hg"). */
static int huge_page_mappings(void)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " hg"))
            n++;
    fclose(f);
    return n;
}

Test(results, quotation_logs_ask_for_huge_pages)
{
    /* The quotation log's buffers (64 KB a code) are one block asked to be backed by huge pages,
     * each of their 4 KB pages first touched having cost a page fault (qc_malloc_huge): 40 codes
     * make 2.5 MB, a whole huge page of it. Counts-only results have no log and ask for none. */
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0 || huge_page_mappings() < 0)
        cr_skip_test("no transparent huge pages here");
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof text, "codebook \"H\"\n");
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "code C%d \"C%d\"\n  rule word%d\n", i, i, i);
    qc_codebook *cb = load_cb(text);
    int before = huge_page_mappings();
    qc_results *res;
    qc_results_options opts = QC_RESULTS_OPTIONS_INIT;
    opts.counts_only = 1;
    cr_assert_eq(qc_results_new_opts(&res, cb, NULL, &opts, NULL), 0);
    cr_expect_eq(huge_page_mappings(), before);
    qc_results_free(res);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    cr_expect_gt(huge_page_mappings(), before);
    qc_coder *coder;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_expect_eq(add_text(res, coder, NULL, "d.txt", "S1: word1 and word39.\nS2: word7.\n"), 0);
    qc_counts c;
    qc_results_code_counts(res, 39, QC_OWN, &c);
    cr_expect_eq(c.quotations, 1);
    qc_coder_free(coder);
    qc_results_free(res);
    qc_codebook_free(cb);
}

/* Quotations walked for a code: their documents in order, and their texts' lengths. */
typedef struct walked {
    size_t count, last_doc, text_bytes, out_of_order;
} walked;

static int walk_one(const qc_result_quotation *q, void *user)
{
    walked *w = user;
    if (w->count && q->document < w->last_doc)
        w->out_of_order++;
    w->last_doc = q->document;
    w->text_bytes += strlen(q->text);
    w->count++;
    return 0;
}

Test(results, quotations_come_back_whole_and_in_corpus_order_whatever_their_size)
{
    /* A turn-scope code quotes whole turns: one of 300 KB is larger than any spill buffer; many
     * documents of sentence quotations fill the per-code buffers many times over. */
    qc_codebook *cb = load_cb("codebook \"B\"\n"
                              "code T \"Turn\"\n  scope turn\n  rule elephant\n"
                              "code S \"Sentence\"\n  rule zebra\n");
    qc_coder *coder;
    qc_results *res;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, NULL), 0);
    cr_assert_eq(qc_results_new(&res, cb, NULL, NULL), 0);
    size_t cap = 400000, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, "S1: an elephant");
    while (len + 100 < 300000)
        len += (size_t)snprintf(text + len, cap - len, " and a zebra went by, then another one.");
    size_t turn_bytes = len - strlen("S1: ");
    len += (size_t)snprintf(text + len, cap - len, "\nS2: nothing here.\n");
    cr_assert_eq(add_text(res, coder, NULL, "big.txt", text), 0);
    size_t zebras_big = 0;
    for (const char *p = text; (p = strstr(p, "zebra")); p++)
        zebras_big++;
    free(text);
    for (int d = 0; d < 400; d++) {
        char name[32];
        snprintf(name, sizeof name, "d%03d.txt", d);
        cr_assert_eq(add_text(res, coder, NULL, name, "S1: A zebra. Another zebra here. No elephant today.\n"), 0);
    }
    walked t = {0}, s = {0};
    qc_error err;
    cr_assert_eq(qc_results_foreach_quotation(res, 0, walk_one, &t, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_foreach_quotation(res, 1, walk_one, &s, &err), 0, "%s", err.message);
    /* T: the big turn whole, then one turn a small document. */
    cr_expect_eq(t.count, 1 + 400);
    cr_expect_eq(t.text_bytes, turn_bytes + 400 * strlen("A zebra. Another zebra here. No elephant today."));
    cr_expect_eq(t.out_of_order, 0);
    /* S: every sentence with a zebra (the big turn's sentences each hold one), in corpus order. */
    cr_expect_eq(s.count, zebras_big + 400 * 2);
    cr_expect_eq(s.out_of_order, 0);
    cr_expect_eq(s.last_doc, 400);
    qc_counts c;
    qc_results_document_counts(res, 0, 1, QC_OWN, &c);
    cr_expect_eq(c.quotations, zebras_big);
    qc_results_document_counts(res, 400, 1, QC_OWN, &c);
    cr_expect_eq(c.quotations, 2);
    cr_expect_eq(c.respondents, 1);
    qc_results_free(res);
    qc_coder_free(coder);
    qc_codebook_free(cb);
}

/* --- the workers' prepared additions (qc_run_options.results) give the results of one thread --- */

static const char prep_cb[] = "codebook \"R\"\n"
                              "code P \"Parent\"\n"
                              "  rule parent\n"
                              "  code A \"A\"\n"
                              "    rule apple\n"
                              "  code B \"B\"\n"
                              "    rule banana OR \"green banana\"\n"
                              "code Z \"Zed\"\n"
                              "  rule zebra NEAR/3 stripes\n"
                              "code Q \"Quiet\"\n"
                              "  rule /\\bquiet(er|ly)?\\b/\n";

/* Documents of many turns (gen_interviews.h). */
static char **make_big_corpus(const char *dir, size_t n)
{
    static const gen_shape shape = {12345, 1 << 16, 7, 120, 9, 0, 24, 8};
    return gen_interviews(dir, n, &shape);
}

typedef struct prep_run {
    qc_results *res;
    int dups;
} prep_run;

/* Adds like `qcode code`: a duplicate document id is counted and skipped. */
static int add_skipping_dups(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                             qc_error *err)
{
    prep_run *p = user;
    int rc = qc_results_add(p->res, doc, coding, src, err);
    if (rc == QC_ERR_INVALID) {
        p->dups++;
        return 0;
    }
    return rc;
}

/* For a write that failed: whether the test's folder and the output folder are still there. This
 * test once failed under load with "cannot write output: No such file or directory" on results.xml,
 * and its runner then found no folder of it to keep: the whole folder had gone while it ran
 * (docs/reliability.md, "Known problems"). */
static const char *still_there(const char *dir, const char *out)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return "the test's folder is gone: removed from outside while the test ran";
    return stat(out, &st) != 0 ? "the output folder is gone, the test's folder is there" : "both folders are there";
}

/* mode 0: qc_results_add_fn; 1: a handler with opts.results; 2: the same with version 1 options
 * (no results: everything on the calling thread). Writes results.xml and the TSV tables into
 * dir/tag. */
static char *prep_outputs(const char *dir, const char *tag, char **paths, size_t n, const char *const *ids,
                          unsigned jobs, int mode, const qc_codebook *cb, const qc_casebook *cases)
{
    prep_run p = {NULL, 0};
    qc_error err;
    cr_assert_eq(qc_results_new(&p.res, cb, cases, &err), 0, "%s", err.message);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.jobs = jobs;
    ro.ids = ids;
    if (mode == 0) {
        ro.on_document = qc_results_add_fn;
        ro.user = p.res;
    } else {
        ro.on_document = add_skipping_dups;
        ro.user = &p;
        ro.results = mode == 1 ? p.res : NULL;
        if (mode == 2)
            ro.version = 1;
    }
    qc_run_stats st;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, n, cb, cases, &ro, &st, &err), 0, "%s", err.message);
    cr_assert_eq(st.documents, n);
    cr_expect_eq(p.dups, ids ? 1 : 0, "%s", tag);
    char *out = malloc(strlen(dir) + strlen(tag) + 2);
    sprintf(out, "%s/%s", dir, tag);
    cr_assert_eq(qc_results_write_tsv(p.res, out, &err), 0, "%s (%s)", err.message, still_there(dir, out));
    char *xml = malloc(strlen(out) + 16);
    sprintf(xml, "%s/results.xml", out);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.time = "2020-01-02T03:04:05Z";
    cr_assert_eq(qc_results_write_xml(p.res, xml, &wo, &err), 0, "%s (%s)", err.message, still_there(dir, out));
    free(xml);
    qc_results_free(p.res);
    return out;
}

static void expect_same_outputs(const char *a, const char *b)
{
    static const char *files[] = {"results.xml",    "frequencies.tsv",  "by-attribute.tsv",
                                  "quotations.tsv", "cooccurrence.tsv", "respondent-matrix.tsv"};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char pa[512], pb[512];
        snprintf(pa, sizeof pa, "%s/%s", a, files[f]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[f]);
        size_t na, nb;
        char *x = qct_read_file(pa, &na), *y = qct_read_file(pb, &nb);
        cr_assert_not_null(x, "%s", pa);
        cr_assert_not_null(y, "%s", pb);
        cr_expect(na == nb && memcmp(x, y, na) == 0, "%s differs from %s", pb, pa);
        free(x);
        free(y);
    }
}

Test(run, results_prepared_by_workers_are_the_same_bytes_as_one_thread, .timeout = 120)
{
    qc_codebook *cb = load_cb(prep_cb);
    static const char cases_tsv[] = "speaker\tprofession\n"
                                    "P1\tnurse\nP2\tmanager\nP3\tnurse\nP4\ttherapist\nP5\tGP\nP6\tnurse\n"
                                    "P7\tclerk\nP8\tmanager\nP9\tporter\nP10\tnurse\nP11\tGP\nP12\tchef\n";
    qc_casebook *cases = NULL;
    cr_assert_eq(qc_casebook_load_buffer(&cases, "cases.tsv", cases_tsv, strlen(cases_tsv), NULL), 0);
    char *dir = qct_temp_dir();
    enum { N = 80 };
    char **paths = make_big_corpus(dir, N);
    /* The same id twice: the second is refused whichever thread prepared it. */
    char *idbuf[N];
    for (size_t i = 0; i < N; i++) {
        idbuf[i] = malloc(16);
        snprintf(idbuf[i], 16, "d%03zu", i == 41 ? (size_t)17 : i);
    }
    const char *const *ids = (const char *const *)idbuf;

    char *one = prep_outputs(dir, "one", paths, N, NULL, 1, 0, cb, cases);
    char *two = prep_outputs(dir, "two", paths, N, NULL, 2, 0, cb, cases);
    char *four = prep_outputs(dir, "four", paths, N, NULL, 4, 0, cb, cases);
    expect_same_outputs(one, two);
    expect_same_outputs(one, four);

    char *one_d = prep_outputs(dir, "one_d", paths, N, ids, 1, 1, cb, cases);
    char *two_d = prep_outputs(dir, "two_d", paths, N, ids, 2, 1, cb, cases);
    char *three_d = prep_outputs(dir, "three_d", paths, N, ids, 3, 1, cb, cases);
    char *v1_d = prep_outputs(dir, "v1_d", paths, N, ids, 2, 2, cb, cases);
    expect_same_outputs(one_d, two_d);
    expect_same_outputs(one_d, three_d);
    expect_same_outputs(one_d, v1_d);

    char *outs[] = {one, two, four, one_d, two_d, three_d, v1_d};
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++)
        free(outs[i]);
    for (size_t i = 0; i < N; i++) {
        free(paths[i]);
        free(idbuf[i]);
    }
    free(paths);
    free(dir);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
}

typedef struct labels_seen {
    char text[256];
    int stop_at; /* stop after this many labels (0: never) */
    int count;
} labels_seen;

static int see_label(const char *label, void *user)
{
    labels_seen *s = user;
    snprintf(s->text + strlen(s->text), sizeof s->text - strlen(s->text), "[%s]", label);
    return ++s->count == s->stop_at ? 7 : 0;
}

/* Recorded interviewer labels are split alike by `recode --from` and `export`: each ended by a line
 * end, so a label may hold a comma; a file without a line end joined them by commas (a qcode before
 * 2026-12-06); empty labels are skipped; a nonzero return stops at once and is returned. */
Test(results, recorded_interviewer_labels_split_alike_old_and_new)
{
    static const struct {
        const char *recorded, *labels;
    } cases[] = {
        {"Dr A, PI\nQ\n", "[Dr A, PI][Q]"},
        {"Q,Interviewer", "[Q][Interviewer]"},
        {",Q,,I,", "[Q][I]"},
        {"\n\nQ\n\nI", "[Q][I]"},
        {"Q", "[Q]"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[64];
        labels_seen s = {"", 0, 0};
        snprintf(text, sizeof text, "%s", cases[i].recorded);
        cr_expect_eq(qc_results_split_labels(text, see_label, &s), 0);
        cr_expect_str_eq(s.text, cases[i].labels, "%zu", i);
    }
    labels_seen none = {"", 0, 0};
    cr_expect_eq(qc_results_split_labels(NULL, see_label, &none), 0);
    cr_expect_eq(none.count, 0);
    char text[] = "A\nB\nC\n";
    labels_seen stop = {"", 2, 0};
    cr_expect_eq(qc_results_split_labels(text, see_label, &stop), 7);
    cr_expect_str_eq(stop.text, "[A][B]");
}

/* --- unlabelled text among labelled speakers (docs/semantics.md, "Counts") --- */

static const char teamwork_cb[] = "codebook \"T\"\ncode TW \"Teamwork\"\n  rule teamwork\n";

/* The example of docs/semantics.md: a cue without a voice among Ann's and Bob's. */
static const char mixed_vtt[] = "WEBVTT\n\n"
                                "00:00.000 --> 00:02.000\n<v Ann>We talk about teamwork.\n\n"
                                "00:02.000 --> 00:04.000\nSomeone mentions teamwork.\n\n"
                                "00:04.000 --> 00:06.000\n<v Bob>Teamwork is fine.\n";

/* The respondents' labels, space-separated. */
static void respondents_of(const qc_results *res, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t r = 0; r < qc_results_respondent_count(res); r++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", r ? " " : "", qc_results_respondent(res, r, NULL));
    }
}

/* An untagged cue among tagged ones is nobody the transcript names: naming a respondent after the
 * file counted one person too many and listed a "person" who is a file. Its quotation still counts
 * as a quotation, a hit and in its document, and under the document's attribute values; the
 * unlabelled document stays one respondent named by its id. */
Test(results, unlabelled_cue_among_labelled_speakers_counts_for_no_respondent)
{
    with_cases w = with_cases_new(teamwork_cb, "document\tsite\na.vtt\tRS1\nb.txt\tRS2\n");
    qc_results *res = w.res;
    qc_coder *coder = w.coder;
    qc_casebook *cases = w.cases;
    qc_error err;
    cr_assert_eq(add_text(res, coder, cases, "a.vtt", mixed_vtt), 0);
    cr_assert_eq(add_text(res, coder, cases, "b.txt", "No labels, teamwork.\n"), 0);
    qc_counts c;
    for (int m = 0; m < 2; m++) {
        qc_results_code_counts(res, 0, (qc_rollup)m, &c);
        cr_expect(c.quotations == 4 && c.hits == 4 && c.documents == 2, "mode %d: %llu/%llu/%llu", m,
                  (unsigned long long)c.quotations, (unsigned long long)c.hits, (unsigned long long)c.documents);
        cr_expect_eq(c.respondents, 3, "mode %d: Ann, Bob and b.txt, not a.vtt", m);
    }
    qc_results_totals(res, &c);
    cr_expect_eq(c.quotations, 4);
    cr_expect_eq(c.respondents, 3);
    char names[256];
    respondents_of(res, names, sizeof names);
    cr_expect_str_eq(names, "Ann Bob b.txt");
    /* a.vtt's own counts: three quotations, two respondents. */
    cr_assert_eq(qc_results_document_counts_get(res, 0, 0, QC_OWN, &c, &err), 0, "%s", err.message);
    cr_expect_eq(c.quotations, 3);
    cr_expect_eq(c.respondents, 2);
    /* By site: the untagged cue is counted under a.vtt's row (RS1), in no respondent. */
    cr_assert_eq(qc_results_attribute_count(res), 1);
    qc_counts base;
    cr_expect_str_eq(qc_results_attribute_value(res, 0, 0, &base), "RS1");
    cr_expect_eq(base.respondents, 2);
    cr_expect_eq(base.documents, 1);
    qc_results_attribute_counts(res, 0, 0, 0, QC_OWN, &c);
    cr_expect_eq(c.quotations, 3);
    cr_expect_eq(c.respondents, 2);
    cr_expect_eq(c.documents, 1);
    cr_expect_str_eq(qc_results_attribute_value(res, 0, 1, &base), "RS2");
    cr_expect_eq(base.respondents, 1);
    qc_results_attribute_counts(res, 0, 1, 0, QC_OWN, &c);
    cr_expect_eq(c.respondents, 1);
    /* The quotation is listed with no speaker, as unlabelled text always is. */
    char speakers[256] = "";
    cr_assert_eq(qc_results_foreach_quotation(res, 0, speaker_of, speakers, &err), 0, "%s", err.message);
    cr_expect_str_eq(speakers, "Ann - Bob - ");
    with_cases_free(&w);
}
