/* REFI-QDA codebooks (.qdc): export, import, the round trip back to an equivalent .qcb, and the
 * oddities of files written by other tools. */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "cut_helpers.h"
#include "qc_test.h"
#include "xml_fail.h"

#include <unistd.h>

typedef struct warnings {
    char text[8192];
    size_t count;
} warnings;

static void collect(const qc_diagnostic *d, void *user)
{
    warnings *w = user;
    size_t n = strlen(w->text);
    snprintf(w->text + n, sizeof w->text - n, "%s:%u: %s\n", d->file, d->line, d->message);
    w->count++;
}

static qc_codebook *load(const char *path)
{
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load(&cb, path, NULL, &err);
    cr_assert_eq(rc, 0, "cannot load %s: %s:%u: %s", path, err.file, err.line, err.message);
    return cb;
}

/* tests/data/refi/care.qcb exported as dir/care.qdc (its path left in qdc), which must succeed;
 * returns the codebook, the caller's. */
static qc_codebook *export_care(const char *dir, char *qdc, size_t cap)
{
    char *src = qct_source_path("tests/data/refi/care.qcb");
    snprintf(qdc, cap, "%s/care.qdc", dir);
    qc_codebook *a = load(src);
    free(src);
    qc_error err;
    cr_assert_eq(qc_refi_export_qdc(a, qdc, NULL, &err), 0, "%s", err.message);
    return a;
}

/* Validates an XML file against an XSD from ../shared/refi. */
static int xsd_valid(const char *xml, const char *xsd_rel)
{
    char *xsd = qct_shared_path(xsd_rel);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    cr_assert_not_null(schema, "cannot parse %s", xsd);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadFile(xml, NULL, XML_PARSE_NONET);
    cr_assert_not_null(doc);
    int rc = xmlSchemaValidateDoc(vc, doc);
    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    free(xsd);
    return rc == 0;
}

static void assert_same_codebook(const qc_codebook *a, const qc_codebook *b)
{
    size_t n = qc_codebook_code_count(a);
    cr_assert_eq(qc_codebook_code_count(b), n);
    cr_assert_str_eq(qc_codebook_name(a), qc_codebook_name(b));
    cr_assert_str_eq(qc_codebook_version(a), qc_codebook_version(b));
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(qc_code_id(a, i), qc_code_id(b, i));
        cr_assert_str_eq(qc_code_name(a, i), qc_code_name(b, i));
        cr_assert_eq(qc_code_parent(a, i), qc_code_parent(b, i), "parent of %s", qc_code_id(a, i));
        cr_assert_str_eq(qc_code_definition(a, i), qc_code_definition(b, i));
        cr_assert_str_eq(qc_code_color(a, i), qc_code_color(b, i));
        cr_assert_eq(qc_code_is_codable(a, i), qc_code_is_codable(b, i));
        size_t rules = qc_code_rule_count(a, i);
        cr_assert_eq(qc_code_rule_count(b, i), rules, "rules of %s", qc_code_id(a, i));
        for (size_t r = 0; r < rules; r++)
            cr_assert_str_eq(qc_code_rule_text(a, i, r), qc_code_rule_text(b, i, r));
    }
}

Test(qdc, round_trip_gives_an_equivalent_codebook)
{
    char *src = qct_source_path("tests/data/refi/care.qcb");
    char *dir = qct_temp_dir();
    char qdc[1024], qcb[1024], qdc2[1024];
    snprintf(qdc, sizeof qdc, "%s/care.qdc", dir);
    snprintf(qcb, sizeof qcb, "%s/care.qcb", dir);
    snprintf(qdc2, sizeof qdc2, "%s/care2.qdc", dir);
    qc_codebook *a = load(src);
    qc_error err;
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    cr_assert_eq(qc_refi_export_qdc(a, qdc, &opts, &err), 0, "%s", err.message);
    cr_assert_eq(qc_refi_import_qdc(qdc, qcb, &opts, &err), 0, "%s", err.message);
    cr_assert_eq(w.count, 0, "unexpected warnings:\n%s", w.text);
    qc_codebook *b = load(qcb);
    assert_same_codebook(a, b);
    /* The statement after COLOC's child codes still belongs to COLOC. */
    long coloc = qc_codebook_find(b, "COLOC");
    cr_assert_eq(qc_code_rule_count(b, (size_t)coloc), 2);
    cr_assert_str_eq(qc_code_rule_text(b, (size_t)coloc, 1), "\"shared desk*\"");
    /* Export again: the same bytes. */
    cr_assert_eq(qc_refi_export_qdc(b, qdc2, &opts, &err), 0, "%s", err.message);
    size_t n1, n2;
    char *x1 = qct_read_file(qdc, &n1), *x2 = qct_read_file(qdc2, &n2);
    cr_assert(n1 == n2 && memcmp(x1, x2, n1) == 0, "second export differs from the first");
    free(x1);
    free(x2);
    qc_codebook_free(a);
    qc_codebook_free(b);
    free(src);
    free(dir);
}

Test(qdc, export_shows_definitions_and_categories)
{
    char *dir = qct_temp_dir();
    char qdc[1024];
    qc_codebook *a = export_care(dir, qdc, sizeof qdc);
    char *x = qct_read_file(qdc, NULL);
    cr_assert(qct_contains(x, "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"qcode "));
    /* The GUID of a code is the version 5 UUID of "code:<codebook name>:<id>". */
    char guid[QC_GUID_SIZE], needle[256];
    qc_refi_guid("code:Integrated care (test):COLOC", guid);
    snprintf(needle, sizeof needle, "<Code guid=\"%s\" name=\"Co-location\" isCodable=\"true\" color=\"#4e79a7\">",
             guid);
    cr_assert(qct_contains(x, needle), "missing %s in\n%s", needle, x);
    cr_assert(qct_contains(x, "name=\"IT systems\" isCodable=\"false\""), "a category is not codable");
    cr_assert(qct_contains(x, "<Description>Trust, respect, knowing each other.\n\n---- qcode rules ----\n"
                              "code TRUST \"Trust between professions\"\n"));
    cr_assert(qct_contains(x, "name=\"Co-location helps &quot;joint&quot; working\""));
    free(x);
    qc_codebook_free(a);
    free(dir);
}

Test(qdc, export_validates_against_codebook_xsd)
{
    QCT_REQUIRE_SHARED("refi/Codebook.xsd");
    char *dir = qct_temp_dir();
    char qdc[1024];
    qc_codebook *a = export_care(dir, qdc, sizeof qdc);
    cr_assert(xsd_valid(qdc, "refi/Codebook.xsd"), "exported .qdc is not valid against Codebook.xsd");
    qc_codebook_free(a);
    free(dir);
}

/* An NVivo codebook whose sub-codes repeat their names under every theme ("Other", "Positive",
 * "Negative") gets OTHER, OTHER_2, OTHER_3...: each candidate id was checked against every code,
 * and each repeat tried its suffixes from 2 again, so 8,000 codes took minutes (cubic). ctest's
 * timeout catches that again (no Criterion .timeout: it leaks in Criterion's runner under
 * LeakSanitizer, docs/reliability.md); the ids are what is checked. */
Test(qdc, repeated_code_names_get_numbered_ids_in_linear_time)
{
    enum { THEMES = 2000 };
    static const char *const names[] = {"Other", "Positive", "Negative"};
    size_t cap = 256 + (size_t)THEMES * 400, len = 0;
    char *xml = malloc(cap);
    cr_assert_not_null(xml);
    len += (size_t)snprintf(xml + len, cap - len,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" "
                            "origin=\"NVivo\">\n<Codes>\n");
    for (int p = 0; p < THEMES; p++) {
        len += (size_t)snprintf(xml + len, cap - len,
                                "<Code guid=\"00000000-0000-0000-0000-%012x\" name=\"Theme %d\" isCodable=\"true\">\n",
                                p * 4, p);
        for (int j = 0; j < 3; j++)
            len += (size_t)snprintf(xml + len, cap - len,
                                    "<Code guid=\"00000000-0000-0000-0000-%012x\" name=\"%s\" isCodable=\"true\"/>\n",
                                    p * 4 + 1 + j, names[j]);
        len += (size_t)snprintf(xml + len, cap - len, "</Code>\n");
    }
    len += (size_t)snprintf(xml + len, cap - len, "</Codes>\n</CodeBook>\n");
    char *dir = qct_temp_dir();
    char *qdc = qct_write_file(dir, "many.qdc", xml, len);
    free(xml);
    char qcb[1024];
    snprintf(qcb, sizeof qcb, "%s/many.qcb", dir);
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    qc_error err;
    cr_assert_eq(qc_refi_import_qdc(qdc, qcb, &opts, &err), 0, "%s", err.message);
    qc_codebook *cb = load(qcb);
    cr_assert_eq(qc_codebook_code_count(cb), THEMES * 4);
    cr_assert_str_eq(qc_code_id(cb, 1), "OTHER");
    cr_assert_str_eq(qc_code_id(cb, 5), "OTHER_2");
    cr_assert_str_eq(qc_code_id(cb, (THEMES - 1) * 4 + 3), "NEGATIVE_2000");
    qc_codebook_free(cb);
    free(qdc);
    free(dir);
}

Test(qdc, taguette_codebook_imports_with_a_warning)
{
    QCT_REQUIRE_SHARED("refi/samples/taguette-1.4.1_codebook.qdc");
    char *qdc = qct_shared_path("refi/samples/taguette-1.4.1_codebook.qdc");
    char *dir = qct_temp_dir();
    char qcb[1024];
    snprintf(qcb, sizeof qcb, "%s/taguette.qcb", dir);
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    qc_error err;
    cr_assert_eq(qc_refi_import_qdc(qdc, qcb, &opts, &err), 0, "%s", err.message);
    cr_assert_eq(w.count, 2, "warnings:\n%s", w.text);
    cr_assert(qct_contains(w.text, "taguette-1.4.1_codebook.qdc:2: empty <Sets/>"), "%s", w.text);
    cr_assert(qct_contains(w.text, "taguette-1.4.1_codebook.qdc:2: 3 GUID(s) written in upper case"), "%s", w.text);
    qc_codebook *cb = load(qcb);
    cr_assert_eq(qc_codebook_code_count(cb), 3);
    cr_assert_str_eq(qc_code_id(cb, 0), "XSD_ELEMENT_NAME");
    cr_assert_str_eq(qc_code_name(cb, 0), "xsd:element name");
    cr_assert_str_eq(qc_code_name(cb, 2), "Variables");
    /* Codes without qcode rules are manual codes: codable, no rules. */
    for (size_t i = 0; i < 3; i++) {
        cr_assert(qc_code_is_codable(cb, i));
        cr_assert_eq(qc_code_rule_count(cb, i), 0);
    }
    qc_codebook_free(cb);
    free(qdc);
    free(dir);
}

static const char variants_qdc[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<CodeBook xmlns=\"urn:QDA-XML:codebook:1:0\" origin=\"Some Tool 2\">\n"
    "<Codes>\n"
    "<Code guid=\"{85D17F60-7BB0-481E-B742-B4861DD669DF}\" name=\"1. Oltás típusa\" isCodable=\"true\" "
    "color=\"rgb(255, 0, 128)\">\n"
    "  <Description>First line\n  second line</Description>\n"
    "  <Code guid=\"code-7\" name=\"Oltás\" isCodable=\"true\" color=\"#0F0\"/>\n"
    "  <Code guid=\"0F8A1907-7E42-4739-8610-A676B4D1B69F\" name=\"oltas\" isCodable=\"false\" color=\"blue\"/>\n"
    "</Code>\n"
    "</Codes>\n"
    "</CodeBook>\n";

Test(qdc, variants_of_real_files_are_accepted_with_warnings)
{
    char *dir = qct_temp_dir();
    char *qdc = qct_write_file(dir, "variants.qdc", variants_qdc, sizeof variants_qdc - 1);
    char qcb[1024];
    snprintf(qcb, sizeof qcb, "%s/variants.qcb", dir);
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    qc_error err;
    cr_assert_eq(qc_refi_import_qdc(qdc, qcb, &opts, &err), 0, "%s", err.message);
    cr_assert(qct_contains(w.text, ":2: <CodeBook> namespace 'urn:QDA-XML:codebook:1:0' read as"), "%s", w.text);
    cr_assert(qct_contains(w.text, ":4: Code '1. Oltás típusa': colour 'rgb(255, 0, 128)' read as #ff0080"), "%s",
              w.text);
    cr_assert(qct_contains(w.text, ":7: Code 'Oltás': guid 'code-7' is not a GUID"), "%s", w.text);
    cr_assert(qct_contains(w.text, ":7: Code 'Oltás': colour '#0F0' read as #00ff00"), "%s", w.text);
    cr_assert(qct_contains(w.text, ":8: Code 'oltas': colour 'blue' is not understood: dropped"), "%s", w.text);
    qc_codebook *cb = load(qcb);
    cr_assert_eq(qc_codebook_code_count(cb), 3);
    /* Ids from names: diacritics dropped, a letter first, unique. */
    cr_assert_str_eq(qc_code_id(cb, 0), "C1_OLTAS_TIPUSA");
    cr_assert_str_eq(qc_code_id(cb, 1), "OLTAS");
    cr_assert_str_eq(qc_code_id(cb, 2), "OLTAS_2");
    cr_assert_str_eq(qc_code_name(cb, 0), "1. Oltás típusa");
    cr_assert_str_eq(qc_code_definition(cb, 0), "First line second line");
    cr_assert_str_eq(qc_code_color(cb, 0), "#ff0080");
    cr_assert_str_eq(qc_code_color(cb, 1), "#00ff00");
    /* A code with children is a category; a leaf marked not codable stays one. */
    cr_assert_not(qc_code_is_codable(cb, 0));
    cr_assert(qc_code_is_codable(cb, 1));
    cr_assert_not(qc_code_is_codable(cb, 2));
    cr_assert_eq(qc_code_parent(cb, 2), 0);
    qc_codebook_free(cb);
    free(qdc);
    free(dir);
}

/* What a user changed in NVivo (name, definition, colour) wins over the qcode block. */
Test(qdc, edits_made_in_another_tool_are_kept)
{
    char *dir = qct_temp_dir();
    char qdc[1024], qcb[1024];
    snprintf(qcb, sizeof qcb, "%s/edited.qcb", dir);
    qc_codebook *a = export_care(dir, qdc, sizeof qdc);
    qc_error err;
    qc_codebook_free(a);
    size_t n;
    char *x = qct_read_file(qdc, &n);
    /* Simulate the other tool: rename TRUST, change its definition, recolour COLOC. */
    char edited[16384];
    const char *p = strstr(x, "name=\"Trust between professions\"");
    cr_assert_not_null(p);
    const char *def = strstr(p, "Trust, respect, knowing each other.");
    const char *col = strstr(x, "color=\"#4e79a7\"");
    cr_assert(def && col && col < p);
    snprintf(edited, sizeof edited, "%.*scolor=\"#112233\"%.*sname=\"Mutual trust\"%.*sTrust and respect.%s",
             (int)(col - x), x, (int)(p - col - 15), col + 15, (int)(def - p - 32), p + 32, def + 35);
    free(x);
    char *qdc2 = qct_write_file(dir, "edited.qdc", edited, strlen(edited));
    warnings w = {{0}, 0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &w;
    cr_assert_eq(qc_refi_import_qdc(qdc2, qcb, &opts, &err), 0, "%s", err.message);
    cr_assert(qct_contains(w.text, "Code 'Mutual trust': renamed in another tool: the new name is kept"), "%s", w.text);
    cr_assert_not(qct_contains(w.text, "Code 'Co-location': renamed"), "%s", w.text);
    cr_assert(qct_contains(w.text, "Code 'Mutual trust': definition edited in another tool"), "%s", w.text);
    cr_assert(qct_contains(w.text, "Code 'Co-location': colour changed in another tool to #112233"), "%s", w.text);
    qc_codebook *b = load(qcb);
    long t = qc_codebook_find(b, "TRUST");
    cr_assert_geq(t, 0);
    cr_assert_str_eq(qc_code_name(b, (size_t)t), "Mutual trust");
    cr_assert_str_eq(qc_code_definition(b, (size_t)t), "Trust and respect.");
    cr_assert_str_eq(qc_code_rule_text(b, (size_t)t, 0), "trust* OR respect*");
    cr_assert_str_eq(qc_code_color(b, (size_t)qc_codebook_find(b, "COLOC")), "#112233");
    qc_codebook_free(b);
    free(qdc2);
    free(dir);
}

static void expect_import_error(const char *content, int code, const char *message, uint32_t line)
{
    char *dir = qct_temp_dir();
    char *qdc = qct_write_file(dir, "bad.qdc", content, strlen(content));
    char qcb[1024];
    snprintf(qcb, sizeof qcb, "%s/out.qcb", dir);
    qc_error err;
    qc_error_clear(&err);
    cr_assert_eq(qc_refi_import_qdc(qdc, qcb, NULL, &err), code, "status for %s", message);
    cr_assert(qct_contains(err.message, message), "message '%s' lacks '%s'", err.message, message);
    if (line)
        cr_assert_eq(err.line, line, "line of '%s'", err.message);
    FILE *fp = fopen(qcb, "r");
    cr_assert_null(fp, "a .qcb was written for bad input");
    free(qdc);
    free(dir);
}

Test(qdc, bad_input_is_refused_with_a_position)
{
    expect_import_error("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\n<Code name=\"x\"</Codes>", QC_ERR_FORMAT,
                        "malformed XML", 2);
    expect_import_error("this is not XML at all", QC_ERR_FORMAT, "", 1);
    expect_import_error("<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"p\"/>", QC_ERR_FORMAT,
                        "not a REFI-QDA codebook", 1);
    expect_import_error("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">\n<Codes/>\n</CodeBook>", QC_ERR_FORMAT,
                        "no <Code>", 2);
}

Test(qdc, entities_and_doctype_are_refused)
{
    expect_import_error("<?xml version=\"1.0\"?>\n<!DOCTYPE CodeBook [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"85D17F60-7BB0-481E-B742-"
                        "B4861DD669DF\" name=\"&x;\" isCodable=\"true\"/></Codes></CodeBook>",
                        QC_ERR_FORMAT, "DOCTYPE", 0);
    expect_import_error("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
                        "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n<CodeBook>&lol2;</CodeBook>",
                        QC_ERR_FORMAT, "DOCTYPE", 0);
}

/* A code's own statements, cut from the file: its comments and statements, also those written
 * after a child's block, but not the child's block nor the comments just after it; the same for
 * every line end. A child's block is stepped over at once (the line-by-line walk made the export
 * cubic in depth: 14.5 s of CPU at depth 2,000), and a chain 2,000 deep still gives each code its
 * own rule. */
Test(qdc, own_statements_are_cut_around_child_blocks)
{
    static const char *const lines[] = {
        "codebook \"Cut\"",
        "code P \"Parent\"",
        "  # the parent's note",
        "  rule alpha",
        "  code C \"Child\"",
        "    # the child's note",
        "    rule gamma",
        "    code G \"Grandchild\"",
        "      rule delta",
        "  # just after the child's block",
        "  rule beta",
        "code Q \"Next\"",
        "  rule omega",
    };
    static const char *const ends[] = {"\n", "\r\n", "\r"};
    char *dir = qct_temp_dir();
    char path[1024], qdc[1024];
    for (size_t e = 0; e < 3; e++) {
        char text[1024] = "";
        for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
            strcat(text, lines[i]);
            strcat(text, ends[e]);
        }
        free(qct_write_file(dir, "cut.qcb", text, strlen(text)));
        snprintf(path, sizeof path, "%s/cut.qcb", dir);
        snprintf(qdc, sizeof qdc, "%s/cut.qdc", dir);
        qc_codebook *cb = load(path);
        qc_error err;
        cr_assert_eq(qc_refi_export_qdc(cb, qdc, NULL, &err), 0, "%s", err.message);
        char *x = qct_read_file(qdc, NULL);
        cr_expect(qct_contains(x, "---- qcode rules ----\ncode P \"Parent\"\n# the parent's note\nrule alpha\nrule "
                                  "beta</Description>"),
                  "line end %zu: %s", e, x);
        cr_expect(qct_contains(x, "code C \"Child\"\n# the child's note\nrule gamma</Description>"), "line end %zu: %s",
                  e, x);
        cr_expect(qct_contains(x, "code G \"Grandchild\"\nrule delta</Description>"), "line end %zu", e);
        free(x);
        qc_codebook_free(cb);
    }

    const size_t depth = 200; /* the deepest a codebook may nest (QC_CODE_MAX_DEPTH) */
    char *deep = malloc(depth * (2 * depth + 64));
    cr_assert_not_null(deep);
    size_t len = (size_t)sprintf(deep, "codebook \"Deep\"\n");
    for (size_t i = 0; i < depth; i++) {
        len += (size_t)sprintf(deep + len, "%*scode D%zu \"Level %zu\"\n", (int)(2 * i), "", i, i);
        len += (size_t)sprintf(deep + len, "%*s  rule w%zu\n", (int)(2 * i), "", i);
    }
    free(qct_write_file(dir, "deep.qcb", deep, len));
    free(deep);
    snprintf(path, sizeof path, "%s/deep.qcb", dir);
    snprintf(qdc, sizeof qdc, "%s/deep.qdc", dir);
    qc_codebook *cb = load(path);
    qc_error err;
    cr_assert_eq(qc_refi_export_qdc(cb, qdc, NULL, &err), 0, "%s", err.message);
    qc_codebook_free(cb);
    char *x = qct_read_file(qdc, NULL);
    static const size_t probes[] = {0, 1, 100, 198, 199};
    for (size_t i = 0; i < 5; i++) {
        char want[128];
        snprintf(want, sizeof want, "code D%zu \"Level %zu\"\nrule w%zu</Description>", probes[i], probes[i], probes[i]);
        cr_expect(qct_contains(x, want), "%s", want);
    }
    free(x);
    free(dir);
}

/* A .qdc cut at every byte is refused as cut short, at the end of the file, naming the element the
 * cut fell in (libxml2's own words for it depended on where the cut fell); a cut inside the
 * XML declaration or the first start tag says so; a cut in the white space after the root is a
 * whole file. Without the check, most cuts said "Premature end of data in tag ...",
 * "Couldn't find end of Start Tag ..." or "expected '>'". */
Test(qdc, a_file_cut_at_any_byte_says_where_it_ends, .timeout = 120)
{
    char *dir = qct_temp_dir();
    char *src = qct_source_path("tests/golden/golden.qcb");
    char whole_path[1024], cut_path[1024], qcb[1024];
    snprintf(whole_path, sizeof whole_path, "%s/whole.qdc", dir);
    snprintf(cut_path, sizeof cut_path, "%s/cut.qdc", dir);
    snprintf(qcb, sizeof qcb, "%s/out.qcb", dir);
    qc_codebook *cb = load(src);
    qc_error err;
    cr_assert_eq(qc_refi_export_qdc(cb, whole_path, NULL, &err), 0, "%s", err.message);
    size_t size;
    char *xml = qct_read_file(whole_path, &size);
    cr_assert_not_null(xml);
    size_t first_tag_end, complete;
    cut_bounds(xml, size, "CodeBook", &first_tag_end, &complete);
    for (size_t n = 1; n < complete; n++) {
        FILE *fp = fopen(cut_path, "wb");
        cr_assert(fp && fwrite(xml, 1, n, fp) == n && fclose(fp) == 0);
        qc_error_clear(&err);
        cr_assert_eq(qc_refi_import_qdc(cut_path, qcb, NULL, &err), QC_ERR_FORMAT, "cut at %zu", n);
        cut_expect want;
        cut_expectation(xml, n, first_tag_end, &want);
        cr_assert_eq(err.line, want.line, "cut at %zu: %s at %u:%u", n, err.message, err.line, err.column);
        cr_assert_eq(err.column, want.col, "cut at %zu: %s at %u:%u", n, err.message, err.line, err.column);
        cr_assert_str_eq(err.message, want.message, "cut at %zu", n);
        cr_assert(access(qcb, F_OK) != 0, "a .qcb was written for a cut at %zu", n);
    }
    FILE *fp = fopen(cut_path, "wb");
    cr_assert(fp && fwrite(xml, 1, complete, fp) == complete && fclose(fp) == 0);
    cr_assert_eq(qc_refi_import_qdc(cut_path, qcb, NULL, &err), 0, "%s", err.message);
    qc_codebook_free(cb);
    free(xml);
    free(src);
    rel_rm_tree(dir);
    free(dir);
}

/* libxml2's allocations failing (xml_fail.h), each in turn, while a .qdc is imported: an attribute
 * whose copy failed was taken for absent. The qcode header Set's name so read made it another
 * tool's set (the .qcb written with a made-up header and a warning that sets are not imported);
 * its Description or the CodeBook's origin so read left them out of the .qcb. Each run is now out
 * of memory or the same .qcb with the same warnings. */
typedef struct qdc_run {
    const char *qdc, *qcb;
    char *ref;
    size_t ref_warnings;
    warnings w;
} qdc_run;

static int import_qdc(long n, void *user, qc_error *err)
{
    (void)n;
    qdc_run *r = user;
    memset(&r->w, 0, sizeof r->w);
    unlink(r->qcb);
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = collect;
    opts.user = &r->w;
    return qc_refi_import_qdc(r->qdc, r->qcb, &opts, err);
}

static void same_qcb(long n, int status, void *user)
{
    qdc_run *r = user;
    if (status != 0)
        return;
    char *got = qct_read_file(r->qcb, NULL);
    cr_assert_not_null(got, "%s, allocation %ld failing: no .qcb written", r->qdc, n);
    cr_assert_str_eq(got, r->ref, "%s, allocation %ld failing: another .qcb", r->qdc, n);
    cr_assert_eq(r->w.count, r->ref_warnings, "%s, allocation %ld failing: warnings\n%s", r->qdc, n, r->w.text);
    free(got);
}

Test(qdc, libxml2_out_of_memory_is_not_an_absent_attribute)
{
    char *dir = qct_temp_dir();
    char *src = qct_source_path("tests/data/refi/care.qcb");
    char exported[1024], qcb[1024], err_path[1024];
    snprintf(exported, sizeof exported, "%s/care.qdc", dir);
    snprintf(qcb, sizeof qcb, "%s/out.qcb", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    qc_codebook *cb = load(src);
    qc_error err;
    cr_assert_eq(qc_refi_export_qdc(cb, exported, NULL, &err), 0, "%s", err.message);
    /* qcode's own export (the header in its Set) and another tool's (an origin, no Sets). */
    char *variants = qct_write_file(dir, "variants.qdc", variants_qdc, sizeof variants_qdc - 1);
    const char *files[] = {exported, variants};
    const char *expect[] = {"# Integrated care codebook for the REFI-QDA round trip tests\n",
                            "(written by Some Tool 2)"};
    for (size_t f = 0; f < 2; f++) {
        qdc_run r = {.qdc = files[f], .qcb = qcb};
        cr_assert_eq(import_qdc(-1, &r, &err), 0, "%s", err.message);
        r.ref = qct_read_file(qcb, NULL);
        r.ref_warnings = r.w.count;
        cr_assert(qct_contains(r.ref, expect[f]), "%s", r.ref);
        xml_fail_call call = {import_qdc, same_qcb, &r};
        long n = xml_fail_each(files[f], err_path, &call);
        cr_assert_gt(n, 10, "libxml2 allocated only %ld times", n);
        free(r.ref);
    }
    qc_codebook_free(cb);
    free(variants);
    free(src);
    free(dir);
}

/* A tool that writes line breaks in a Description as CR (&#13;) or CRLF (&#13; before each LF):
 * the rules block is still found and read line by line. With CR, no rule came back (the mark was
 * not at a line start); with CRLF, every coloured code was said to have changed colour. */
Test(qdc, cr_and_crlf_line_breaks_in_descriptions_are_line_ends)
{
    char *dir = qct_temp_dir();
    char qdc[1024];
    qc_codebook *a = export_care(dir, qdc, sizeof qdc);
    qc_error err;
    size_t n;
    char *x = qct_read_file(qdc, &n);
    const char *breaks[2] = {"&#13;", "&#13;\n"};
    for (int k = 0; k < 2; k++) {
        size_t lines = 0;
        for (const char *p = x; *p; p++)
            lines += *p == '\n';
        char *edited = malloc(n + lines * strlen(breaks[k]) + 1), *o = edited;
        int inside = 0; /* a Description's text: character references are not allowed elsewhere */
        for (const char *p = x; *p; p++) {
            if (strncmp(p, "<Description>", 13) == 0)
                inside = 1;
            else if (strncmp(p, "</Description>", 14) == 0)
                inside = 0;
            if (*p == '\n' && inside) {
                strcpy(o, breaks[k]);
                o += strlen(breaks[k]);
            } else
                *o++ = *p;
        }
        *o = '\0';
        char name[64], qcb[1200];
        snprintf(name, sizeof name, "breaks-%d.qdc", k);
        char *path = qct_write_file(dir, name, edited, strlen(edited));
        snprintf(qcb, sizeof qcb, "%s/breaks-%d.qcb", dir, k);
        warnings w = {{0}, 0};
        qc_refi_options opts = QC_REFI_OPTIONS_INIT;
        opts.on_warning = collect;
        opts.user = &w;
        cr_assert_eq(qc_refi_import_qdc(path, qcb, &opts, &err), 0, "%s: %s", name, err.message);
        cr_assert_eq(w.count, 0, "%s: %s", name, w.text);
        qc_codebook *b = load(qcb);
        assert_same_codebook(a, b);
        qc_codebook_free(b);
        free(path);
        free(edited);
    }
    free(x);
    qc_codebook_free(a);
    free(dir);
}
