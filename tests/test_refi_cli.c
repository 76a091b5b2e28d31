/* qcode import / qcode export through the binary: exit codes, stdout and stderr. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cut_helpers.h"
#include "qc_test.h"

/* The exchange commands must be in the command table: fail, never skip, when they are not. */
#define REQUIRE_COMMANDS()                                                                                             \
    do {                                                                                                               \
        qct_run probe;                                                                                                 \
        qct_qcode(&probe, NULL, "help export");                                                                        \
        int wired = probe.status == 0;                                                                                 \
        qct_run_free(&probe);                                                                                          \
        cr_assert(wired, "'qcode export' is not in the command table (tools/main.c)");                                \
    } while (0)

/* The codebook the export tests code with: one code, one rule. */
static const char team_qcb[] = "codebook \"OK\"\ncode TEAM \"Team\"\n  rule co-locat*\n";

typedef struct transcript {
    const char *name, *text; /* a name in a folder ("corpus/a.txt") makes the folder */
} transcript;

/* What an export test starts from: a fresh temporary folder (returned) holding cb.qcb (team_qcb)
 * and the n transcripts, coded there by `qcode CMD` (fmt, "code -c cb.qcb ..."), which must
 * succeed. */
static char *coded(const transcript *docs, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static char *coded(const transcript *docs, size_t n, const char *fmt, ...)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", team_qcb, strlen(team_qcb)));
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(docs[i].name, '/');
        if (slash) {
            char folder[1200];
            snprintf(folder, sizeof folder, "%s/%.*s", dir, (int)(slash - docs[i].name), docs[i].name);
            cr_assert(mkdir(folder, 0755) == 0 || errno == EEXIST, "cannot make %s", folder);
        }
        free(qct_write_file(dir, docs[i].name, docs[i].text, strlen(docs[i].text)));
    }
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    qct_run r;
    qct_qcode(&r, dir, "%s", cmd);
    cr_assert_eq(r.status, 0, "%s: %s", cmd, r.err);
    qct_run_free(&r);
    return dir;
}

Test(refi_cli, import_nvivo_prints_what_it_imported)
{
    REQUIRE_COMMANDS();
    QCT_REQUIRE_SHARED("refi/samples/nvivo-win-12.6_oltas0517.qdpx");
    char *qdpx = qct_shared_path("refi/samples/nvivo-win-12.6_oltas0517.qdpx");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, dir, "import '%s' -o project", qdpx);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(qct_contains(r.out, "  sources   2\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "  codes     152\n"), "%s", r.out);
    cr_assert(qct_contains(r.out, "  codings   303 on 303 selections, positions read as UTF-16 code units\n"), "%s",
              r.out);
    cr_assert(qct_contains(r.out, "    Gergo                303\n"), "%s", r.out);
    cr_assert(qct_contains(r.err, "project.qde: warning: the sources folder is named 'Sources/' (accepted)"), "%s",
              r.err);
    qct_run_free(&r);
    /* Exported back from the folder, with the check. */
    char *schemas = qct_shared_path("refi");
    qct_qcode(&r, dir, "export --qdpx again.qdpx project --check --schemas '%s'", schemas);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(qct_contains(r.err, "check again.qdpx: 0 errors, 0 warnings"), "%s", r.err);
    qct_run_free(&r);
    free(schemas);
    free(qdpx);
    free(dir);
}

Test(refi_cli, codebook_round_trip)
{
    REQUIRE_COMMANDS();
    char *qcb = qct_source_path("tests/data/refi/care.qcb");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, dir, "export --qdc care.qdc '%s' --check", qcb);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(qct_contains(r.err, "wrote care.qdc"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import --qdc care.qdc -o back.qcb");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "imported codebook care.qdc -> back.qcb (0 warnings)\n");
    qct_run_free(&r);
    qct_qcode(&r, dir, "check back.qcb");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    qct_run_free(&r);
    free(qcb);
    free(dir);
}

Test(refi_cli, export_from_results_rereads_the_corpus)
{
    REQUIRE_COMMANDS();
    char *cb = qct_source_path("tests/data/refi/care.qcb");
    const transcript p01[] = {{"P01.txt", "Interviewer: Where are you based?\nNurse 2: In the same office as the "
                                          "therapists.\nNurse 2: Trust is good.\n"}};
    char *dir = coded(p01, 1, "code -c '%s' -o results.xml P01.txt", cb);
    qct_run r;
    qct_qcode(&r, dir, "export --qdpx p.qdpx results.xml --offsets utf16 --check");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert(qct_contains(r.err, "check p.qdpx: 0 errors"), "%s", r.err);
    qct_run_free(&r);
    /* Change the transcript: the export refuses, since the quotations would not fit any more. */
    const char changed[] = "Interviewer: Where?\nNurse 2: Elsewhere.\n";
    free(qct_write_file(dir, "P01.txt", changed, sizeof changed - 1));
    qct_qcode(&r, dir, "export --qdpx q.qdpx results.xml");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "the file changed since the run"), "%s", r.err);
    struct stat sb;
    char path[1200];
    snprintf(path, sizeof path, "%s/q.qdpx", dir);
    cr_assert_neq(stat(path, &sb), 0, "a .qdpx was written from a changed corpus");
    qct_run_free(&r);
    free(cb);
    free(dir);
}

/* An export from results.xml reads the documents again as the run read them, with its casebook:
 * the manager it names, who speaks once, is a speaker, and her quotation and Case go out. */
Test(refi_cli, export_from_results_reads_with_the_runs_casebook)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {
        {"fg.txt", "Manager: We co-locate now.\nNurse: It was hard.\nNurse: Co-location helped.\n"},
        {"cases.tsv", "speaker\trole\nManager\tlead\nNurse\tnurse\n"}};
    char *dir = coded(docs, 2, "code -c cb.qcb --cases cases.tsv -o r.xml fg.txt");
    qct_run r;
    qct_qcode(&r, dir, "export --qdpx e.qdpx r.xml");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import e.qdpx -o imp");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "  codings   2 on 2 selections"), "%s", r.out);
    qct_run_free(&r);
    char *cases = qct_read_in(dir, "imp/cases.tsv");
    cr_assert(qct_contains(cases, "Manager\tlead\n"), "%s", cases);
    free(cases);
    free(dir);
}

/* A speaker the casebook gives two values of one attribute in two documents is one case with the
 * first value; the warning said so with no file ("qcode: warning: speaker ..."), when the casebook
 * of an export from results.xml is found through the results and may be any of several. It is
 * given at the casebook row left out, and names the kept one's line. */
Test(refi_cli, a_case_conflict_names_the_casebook_rows)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"a.txt", "Nurse: we co-locate\n"},
                               {"b.txt", "Nurse: co-located now\n"},
                               {"c.txt", "Nurse: co-location again\n"},
                               {"sheets/cases.tsv", "document\tspeaker\tsite\tband\n"
                                                    "a.txt\tNurse\tNorth\t5\n"
                                                    "b.txt\tNurse\tSouth\t\n"
                                                    "\tNurse\t\t6\n"}};
    char *dir = coded(docs, 4, "code -c cb.qcb --cases sheets/cases.tsv -o r.xml a.txt b.txt c.txt");
    static const char site[] = "sheets/cases.tsv:3: warning: speaker Nurse: casebook attribute 'site' is 'North' in "
                               "a.txt (line 2) but 'South' in b.txt; a case holds one value: the project's case "
                               "Nurse has 'North'\n";
    /* b.txt's band comes from the row that names the speaker alone. */
    static const char band[] = "sheets/cases.tsv:4: warning: speaker Nurse: casebook attribute 'band' is '5' in "
                               "a.txt (line 2) but '6' in b.txt; ";
    qct_run r;
    qct_qcode(&r, dir, "export --qdpx e.qdpx r.xml");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, site), "%s", r.err);
    cr_expect(qct_contains(r.err, band), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c cb.qcb --cases sheets/cases.tsv --qdpx p.qdpx a.txt b.txt c.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, site), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

Test(refi_cli, bad_input_gives_a_located_error)
{
    REQUIRE_COMMANDS();
    char *notxml = qct_source_path("tests/data/refi/notxml.qdpx");
    char *corrupt = qct_source_path("tests/data/refi/corrupt.qdpx");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, dir, "import '%s' -o out", notxml);
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "notxml.qdpx:project.qde:1:1: error: malformed XML at line 1: "), "%s", r.err);
    cr_assert(!qct_contains(r.err, "error: project.qde:"), "the entry is named twice: %s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import '%s' -o out", corrupt);
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "error: not a valid zip archive"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "usage: qcode import"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "export --qdpx x.qdpx --offsets bytes results.xml");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "--offsets takes codepoints or utf16"), "%s", r.err);
    qct_run_free(&r);
    free(notxml);
    free(corrupt);
    free(dir);
}

/* --schemas is checked before anything is written: a missing folder or a schema that is not one is
 * one error naming the file (libxml2 printed its own "I/O warning" first), exit 2, and no output
 * (the file used to be written and then fail its check). --schemas alone implies --check. */
Test(refi_cli, a_bad_schema_folder_fails_before_writing)
{
    REQUIRE_COMMANDS();
    char *qcb = qct_source_path("tests/data/refi/care.qcb");
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, dir, "export --qdc care.qdc --check --schemas nope '%s'", qcb);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "nope/Project.xsd: error: cannot open: No such file or directory"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "I/O warning"), "libxml2 printed on its own: %s", r.err);
    qct_run_free(&r);
    char path[4096];
    snprintf(path, sizeof path, "%s/care.qdc", dir);
    cr_expect(access(path, F_OK) != 0, "care.qdc was written although its check could not run");

    /* A schema that is not XML, beside one that is a schema. */
    snprintf(path, sizeof path, "%s/xsd", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    static const char any_schema[] = "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
                                     "targetNamespace=\"urn:QDA-XML:codebook:1.0\"><xs:element name=\"CodeBook\"/>"
                                     "</xs:schema>\n";
    free(qct_write_file(path, "Project.xsd", any_schema, strlen(any_schema)));
    free(qct_write_file(path, "Codebook.xsd", "junk", 4));
    qct_qcode(&r, dir, "export --qdc care.qdc --schemas xsd '%s'", qcb);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "xsd/Codebook.xsd:1:1: error: malformed XML at line 1"), "%s", r.err);
    cr_expect(!qct_contains(r.err, "parser error"), "libxml2 printed on its own: %s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/care.qdc", dir);
    cr_expect(access(path, F_OK) != 0, "care.qdc was written although its check could not run");

    /* XML, but not a schema: libxml2's reason is given. */
    snprintf(path, sizeof path, "%s/xsd", dir);
    free(qct_write_file(path, "Codebook.xsd", "<notaschema/>", 13));
    qct_qcode(&r, dir, "export --qdc care.qdc --schemas xsd '%s'", qcb);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "xsd/Codebook.xsd: error: not a usable XML schema: "), "%s", r.err);
    qct_run_free(&r);

    /* Both usable: --schemas alone runs the check, against them. */
    free(qct_write_file(path, "Codebook.xsd", any_schema, strlen(any_schema)));
    qct_qcode(&r, dir, "export --qdc care.qdc --schemas xsd '%s'", qcb);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "check care.qdc: 0 errors, 0 warnings\n"), "%s", r.err);
    qct_run_free(&r);
    free(qcb);
    free(dir);
}

/* export reads a results.xml's head for its provenance and walks the rest as a stream: it read the
 * whole file into memory first (a gigabyte corpus's results.xml is some 9 GB), so a device that
 * never ends (/dev/zero) never finished. */
Test(refi_cli, export_reads_only_the_head_of_results_for_its_provenance)
{
    REQUIRE_COMMANDS();
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, dir, "export --qdpx z.qdpx /dev/zero");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect_str_eq(r.err, "/dev/zero: error: no <provenance> in results.xml\n");
    qct_run_free(&r);
    char path[4096];
    snprintf(path, sizeof path, "%s/z.qdpx", dir);
    cr_expect(access(path, F_OK) != 0, "z.qdpx was written");
    free(dir);
}

/* What XML 1.0 cannot carry reaches the writers: U+FFFE and U+FFFF in a transcript (valid UTF-8),
 * and a file name that is not UTF-8. results.xml and the project stay well-formed (each such
 * character or byte written as U+FFFD), so that quotes and import read them back; import takes
 * the selection names' U+FFFD for the source's U+FFFE without a warning. The project was refused
 * by import ("Char 0xFFFE out of allowed range"), both files when a name was not UTF-8. */
Test(refi_cli, characters_xml_cannot_carry_are_written_as_replacement_characters)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"corpus/odd.txt", "S1: co-located \xef\xbf\xbe and \xef\xbf\xbf now\n"},
                               {"corpus/caf\xe9.txt", "S2: we are co-located.\n"}};
    char *dir = coded(docs, 2, "code -c cb.qcb -o r.xml --qdpx p.qdpx corpus");
    qct_run r;
    qct_qcode(&r, dir, "quotes --results r.xml TEAM");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "2 quotations of TEAM"), "%s", r.out);
    cr_expect(qct_contains(r.out, "caf\xef\xbf\xbd.txt"), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import p.qdpx -o project");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  codings   2 on 2 selections"), "%s", r.out);
    cr_expect(qct_contains(r.out, "  warnings  0"), "%s\n%s", r.out, r.err);
    qct_run_free(&r);
    free(dir);
}

/* A file name XML cannot carry (a byte that is not UTF-8, an ESC) is U+FFFD in results.xml's id
 * and path; pathBytes keeps its bytes, so an export of the results finds the file again (it said
 * "cannot open"), in either format, and a re-code from them and a person's coding of it (named by
 * the id results.xml gives) still meet the file's document. */
Test(refi_cli, a_file_name_xml_cannot_carry_is_found_again)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"corpus/caf\xe9.txt", "S1: we are co-located.\n"},
                               {"corpus/esc\x1b[1mape.txt", "S2: co-located again.\n"}};
    char *dir = coded(docs, 2, "code -c cb.qcb -o r.xml corpus");
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o r1.xml --results-format 1 corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *results[] = {"r.xml", "r1.xml"};
    for (size_t i = 0; i < 2; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, results[i]);
        char *xml = qct_read_file(path, NULL);
        cr_expect(qct_contains(xml, "path=\"corpus/caf\xef\xbf\xbd.txt\" pathBytes=\"corpus/caf%E9.txt\""), "%s", xml);
        cr_expect(qct_contains(xml, "id=\"esc\xef\xbf\xbd[1mape.txt\""), "%s", xml);
        cr_expect(qct_contains(xml, "pathBytes=\"corpus/esc%1B[1mape.txt\""), "%s", xml);
        free(xml);
        qct_qcode(&r, dir, "export --qdpx p%zu.qdpx %s --check", i, results[i]);
        cr_expect_eq(r.status, 0, "%s: %s", results[i], r.err);
        qct_run_free(&r);
        qct_qcode(&r, dir, "recode --from %s -c cb.qcb corpus", results[i]);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(qct_contains(r.out, "2 before, 2 after: 2 kept, 0 gained, 0 lost"), "%s: %s", results[i], r.out);
        qct_run_free(&r);
    }
    qct_qcode(&r, dir, "import p0.qdpx -o project");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  codings   2 on 2 selections"), "%s", r.out);
    qct_run_free(&r);
    /* A person's coding of the ESC file, by the id results.xml gave it: counted, and carried by a
     * re-code from the results that count it. */
    const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<manual xmlns=\"urn:qcode:manual:1\" generator=\"test\">\n"
                          "  <coding code=\"TEAM\" document=\"esc\xef\xbf\xbd[1mape.txt\" start=\"4\" end=\"9\" "
                          "coder=\"Alice\"><text>co-lo</text></coding>\n</manual>\n";
    free(qct_write_file(dir, "manual.xml", manual, sizeof manual - 1));
    qct_qcode(&r, dir, "code -c cb.qcb --manual manual.xml -o m.xml corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "quotes --results m.xml TEAM");
    cr_expect(qct_contains(r.out, "coded by Alice"), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from m.xml -c cb.qcb --manual-out carried.xml corpus");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    qct_run_free(&r);
    char path[1200];
    snprintf(path, sizeof path, "%s/carried.xml", dir);
    char *carried = qct_read_file(path, NULL);
    cr_expect(qct_contains(carried, "coder=\"Alice\""), "%s", carried);
    free(carried);
    /* A pathBytes that is not percent-encoding, or that is not the bytes of its path, is refused
     * where it stands. */
    const char *edits[][2] = {{"caf%E9.txt", "caf%E.txt"}, {"caf%E9.txt", "cab%E9.txt"}};
    const char *said[] = {"is not a percent-encoded path", "is not the path \"corpus/caf\xef\xbf\xbd.txt\""};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/r.xml", dir);
        char *xml = qct_read_file(path, NULL), *at = strstr(xml, edits[i][0]);
        cr_assert_not_null(at);
        size_t from = strlen(edits[i][0]), to = strlen(edits[i][1]);
        memmove(at + to, at + from, strlen(at + from) + 1);
        memcpy(at, edits[i][1], to);
        free(qct_write_file(dir, "edited.xml", xml, strlen(xml)));
        free(xml);
        qct_qcode(&r, dir, "export --qdpx e.qdpx edited.xml");
        cr_expect_eq(r.status, 2, "%s", r.err);
        cr_expect(qct_contains(r.err, said[i]), "%s", r.err);
        qct_run_free(&r);
    }
    free(dir);
}

/* A codebook and a casebook named in bytes that are not UTF-8: results.xml's provenance wrote their
 * paths with U+FFFD alone, and `qcode export` of the results failed ("cb\uFFFD.qcb: cannot open").
 * Their bytes go beside them (pathBytes, valueBytes) and are found again; a project's provenance
 * (its Description) shows every such name with the bytes percent-encoded, not as U+FFFD. */
Test(refi_cli, a_codebook_and_casebook_named_in_no_utf8_are_found_again)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"corpus/caf\xe9.txt", "S1: we are co-located.\nS1: so co-located.\n"}};
    char *dir = coded(docs, 1, "code -c cb.qcb -o r0.xml corpus");
    free(qct_write_file(dir, "cb\xe9.qcb", team_qcb, strlen(team_qcb)));
    static const char cases[] = "speaker\tsite\nS1\tNorth\n";
    free(qct_write_file(dir, "cases\xe9%.tsv", cases, strlen(cases)));
    qct_run r;
    qct_qcode(&r, dir, "code -c cb\xe9.qcb --cases cases\xe9%%.tsv -o r.xml --qdpx q.qdpx corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1200];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    char *xml = qct_read_file(path, NULL);
    cr_expect(qct_contains(xml, "path=\"cb\xef\xbf\xbd.qcb\" pathBytes=\"cb%E9.qcb\""), "%s", xml);
    cr_expect(qct_contains(xml, "value=\"cases\xef\xbf\xbd%.tsv\" valueBytes=\"cases%E9%25.tsv\""), "%s", xml);
    free(xml);
    qct_qcode(&r, dir, "export --qdpx p.qdpx r.xml --check");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    const char *projects[] = {"q.qdpx", "p.qdpx"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, projects[i]);
        size_t n = 0;
        char *qde = cut_zip_read(path, "project.qde", &n);
        cr_expect(qct_contains(qde, "(cb%E9.qcb, SHA-256 "), "%s: %s", projects[i], qde);
        if (i == 0)
            cr_expect(qct_contains(qde, "(corpus/caf%E9.txt, SHA-256 "), "%s", qde);
        else /* the casebook was found: the case has its site */
            cr_expect(qct_contains(qde, "North"), "%s", qde);
        free(qde);
    }
    free(dir);
}

/* A coder's name typed two ways is one person, as casebook names are (NFC and case folding): in
 * the counts and results.xml (`anna` and `ANNA` listed as `Anna`, the first written), in a
 * manual.xml's repeats (the same span by `Anna` and `anna` is one coding), and in a project (one
 * User, from results.xml and from the manual.xml given again). They were three people. */
static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *at = hay; (at = strstr(at, needle)); at++)
        n++;
    return n;
}

Test(refi_cli, a_coder_named_two_ways_is_one_person)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"corpus/a.txt", "S1: co-located now.\nS2: co-located again.\n"}};
    char *dir = coded(docs, 1, "code -c cb.qcb -o r0.xml corpus");
    static const char manual[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\" generator=\"test\">\n"
        "  <coding code=\"TEAM\" document=\"a.txt\" start=\"4\" end=\"9\" coder=\"Anna\"><text>co-lo</text></coding>\n"
        "  <coding code=\"TEAM\" document=\"a.txt\" start=\"4\" end=\"9\" coder=\"anna\"><text>co-lo</text></coding>\n"
        "  <coding code=\"TEAM\" document=\"a.txt\" start=\"24\" end=\"29\" "
        "coder=\"ANNA\"><text>co-lo</text></coding>\n"
        "  <coding code=\"TEAM\" document=\"a.txt\" start=\"4\" end=\"6\" "
        "coder=\"Zo\xC3\xAB\"><text>co</text></coding>\n"
        "  <coding code=\"TEAM\" document=\"a.txt\" start=\"24\" end=\"26\" "
        "coder=\"Zoe\xCC\x88\"><text>co</text></coding>\n"
        "  <coding code=\"TEAM\" document=\"a.txt\" start=\"4\" end=\"8\" coder=\"QCode\"><text>co-l</text></coding>\n"
        "</manual>\n";
    free(qct_write_file(dir, "manual.xml", manual, sizeof manual - 1));
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb --manual manual.xml -o m.xml corpus");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* `QCode` is the engine, whose codings this run's rules decide */
    cr_expect(qct_contains(r.err, "1 coding by qcode (the engine's own"), "%s", r.err);
    qct_run_free(&r);
    char path[1200];
    snprintf(path, sizeof path, "%s/m.xml", dir);
    char *xml = qct_read_file(path, NULL);
    cr_expect_eq(occurrences(xml, "coder=\"Anna\""), 2, "%s", xml);
    cr_expect_eq(occurrences(xml, "coder=\"Zo\xC3\xAB\""), 2, "%s", xml);
    cr_expect(!qct_contains(xml, "coder=\"anna\"") && !qct_contains(xml, "coder=\"ANNA\"") &&
                  !qct_contains(xml, "coder=\"Zoe\xCC\x88\""),
              "%s", xml);
    free(xml);
    qct_qcode(&r, dir, "export --qdpx p.qdpx m.xml --manual manual.xml --check");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/p.qdpx", dir);
    size_t n = 0;
    char *qde = cut_zip_read(path, "project.qde", &n);
    cr_expect_eq(occurrences(qde, "<User "), 3, "qcode, Anna and Zo\xC3\xAB: %s", qde);
    /* QCode's coding goes out as the engine's, not as a fourth person's */
    cr_expect_eq(occurrences(qde, "<Coding "), 7, "three by qcode, two by Anna, two by Zo\xC3\xAB: %s", qde);
    free(qde);
    free(dir);
}

/* "-o project/" names the folder project, as "-o project" does: the import failed with "cannot
 * create a folder beside it" (its temporary was put inside the folder not yet made). */
Test(refi_cli, import_into_a_folder_named_with_a_trailing_slash)
{
    REQUIRE_COMMANDS();
    const transcript a[] = {{"corpus/a.txt", "S1: we are co-located.\n"}};
    char *dir = coded(a, 1, "code -c cb.qcb -o r.xml --qdpx p.qdpx corpus");
    qct_run r;
    qct_qcode(&r, dir, "import p.qdpx -o project//");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  codings   1 on 1 selection"), "%s", r.out);
    qct_run_free(&r);
    char path[1200];
    snprintf(path, sizeof path, "%s/project/codebook.qcb", dir);
    cr_expect(access(path, R_OK) == 0, "no %s", path);
    snprintf(path, sizeof path, "%s/project/manual.xml", dir);
    cr_expect(access(path, R_OK) == 0, "no %s", path);
    free(dir);
}

/* What a results.xml or a project folder names must be a regular file: a FIFO in a document's place
 * blocked export for ever (a writer started 20 s later bounds that here, and the message tells the
 * two apart), and a folder in manual.xml's place exported a project without its codings, exit 0. */
Test(refi_cli, export_refuses_what_is_not_a_regular_file)
{
    REQUIRE_COMMANDS();
    const transcript a[] = {{"corpus/a.txt", "S1: we are co-located.\n"}};
    char *dir = coded(a, 1, "code -c cb.qcb -o r.xml --qdpx p.qdpx corpus");
    char path[1200], cmd[4096];
    qct_run r;

    snprintf(path, sizeof path, "%s/corpus/a.txt", dir);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(mkfifo(path, 0644), 0);
    snprintf(cmd, sizeof cmd, "(sleep 20; : > '%s') >/dev/null 2>&1 &", path);
    cr_assert_eq(system(cmd), 0);
    qct_qcode(&r, dir, "export --qdpx out.qdpx r.xml");
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(qct_contains(r.err, "a.txt: error: is not a regular file (a FIFO)"), "%s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/out.qdpx", dir);
    cr_expect_neq(access(path, F_OK), 0, "nothing written");

    qct_qcode(&r, dir, "import p.qdpx -o project");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/project/manual.xml", dir);
    unlink(path);
    cr_assert_eq(mkdir(path, 0755), 0);
    qct_qcode(&r, dir, "export --qdpx out.qdpx project");
    cr_expect_neq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.err, "manual.xml: error: is a directory"), "%s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/out.qdpx", dir);
    cr_expect_neq(access(path, F_OK), 0, "nothing written");
    free(dir);
}

/* A codebook of the deepest nesting qcode takes (200 codes, one inside the other) goes out as a
 * .qdc and comes back: each level is one <Code> element, and 256 is what XML parsers read. */
Test(refi_cli, the_deepest_codebook_round_trips)
{
    REQUIRE_COMMANDS();
    char *dir = qct_temp_dir();
    size_t cap = 200 * 420 + 256, len = 0;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    len += (size_t)snprintf(t + len, cap - len, "codebook \"Deep\"\n");
    for (int d = 1; d <= 200; d++)
        len += (size_t)snprintf(t + len, cap - len, "%*scode L%d \"L\"\n", 2 * (d - 1), "", d);
    len += (size_t)snprintf(t + len, cap - len, "%*srule bottom\n", 2 * 200, "");
    free(qct_write_file(dir, "deep.qcb", t, len));
    free(t);
    qct_run r;
    qct_qcode(&r, dir, "export --qdc deep.qdc deep.qcb");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import --qdc deep.qdc -o back.qcb");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "check back.qcb");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "200 codes"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* export --qdpx from a results.xml reads the corpus with the format the run was told: a WebVTT
 * file without an extension, coded with --input-format vtt, was 'unknown transcript format'. */
Test(refi_cli, export_reads_files_with_the_recorded_input_format)
{
    REQUIRE_COMMANDS();
    const transcript cue[] = {{"cue", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v S1>We are co-located now.\n"}};
    char *dir = coded(cue, 1, "code -c cb.qcb --input-format vtt -o r.xml cue");
    qct_run r;
    qct_qcode(&r, dir, "export --qdpx p.qdpx r.xml");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import p.qdpx -o project");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "  codings   1 on 1 selections"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* A document-level casebook survives export and import: its document rows go out on the sources
 * and come back as document rows of cases.tsv, its speaker rows as the cases and speaker rows, so
 * coding the imported sources with the imported casebook counts by attribute as the first run
 * did. Before, the export put the first document's values on the one speaker's case and the
 * import dropped the sources' variables: every count landed on North. */
Test(refi_cli, a_document_casebook_round_trips_through_export_and_import)
{
    REQUIRE_COMMANDS();
    static const char cases[] = "document\tspeaker\tregion\tgrade\n"
                                "a.txt\t\tNorth\t\n"
                                "b.txt\t\tSouth\t\n"
                                "\tParticipant\t\tB5\n";
    const transcript docs[] = {
        {"corpus/a.txt", "Interviewer: hi\nParticipant: we co-locate now\n"},
        {"corpus/b.txt",
         "Interviewer: hi\nParticipant: a co-located team\nInterviewer: and?\nParticipant: co-location.\n"},
        {"cases.tsv", cases},
    };
    char *dir = coded(docs, 3, "code -c cb.qcb --cases cases.tsv --tsv t1 -o r.xml --qdpx p.qdpx corpus/");
    qct_run r;
    qct_qcode(&r, dir, "import p.qdpx -o imp");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char *imported = qct_read_in(dir, "imp/cases.tsv");
    cr_assert(qct_contains(imported, "a.txt\t\tNorth\t\n"), "%s", imported);
    cr_assert(qct_contains(imported, "\tParticipant\t\tB5\n"), "%s", imported);
    free(imported);
    qct_qcode(&r, dir, "code -c imp/codebook.qcb --cases imp/cases.tsv --tsv t2 -o r2.xml imp/sources/");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not(qct_contains(r.err, "warning"), "%s", r.err);
    qct_run_free(&r);
    char *before = qct_read_in(dir, "t1/by-attribute.tsv"), *after = qct_read_in(dir, "t2/by-attribute.tsv");
    cr_assert(qct_contains(before, "\"region\"\t\"South\"\t1\t1\t\"TEAM\"\t2\t2"), "%s", before);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    free(dir);
}

/* People who speak once survive a round trip. A subtitle's voices are speakers whatever they are
 * called; the exported source is plain text (`Mary Major: ...`), where a label said once is text.
 * The import writes each case as a speaker row of cases.tsv (they were lost: the default reading
 * of the source had no such speaker), and coding with that casebook trusts those labels: four
 * participants, not one. */
Test(refi_cli, people_who_speak_once_in_a_subtitle_survive_a_round_trip)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"a.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v John Doe>We co-locate now.\n\n"
                                         "00:00:05.000 --> 00:00:08.000\n<v Mary Major>The co-located team.\n\n"
                                         "00:00:09.000 --> 00:00:12.000\n<v Ann Lee>Nothing changed.\n\n"
                                         "00:00:13.000 --> 00:00:16.000\n<v Bob Ray>Co-location helped.\n"}};
    char *dir = coded(docs, 1, "code -c cb.qcb --tsv t1 -o r.xml --qdpx p.qdpx a.vtt");
    qct_run r;
    qct_qcode(&r, dir, "import p.qdpx -o imp");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* It says how to code the folder: with its casebook, whose people are the speakers. */
    cr_assert(qct_contains(r.out, "  next      qcode code -c imp/codebook.qcb --cases imp/cases.tsv --manual "
                                  "imp/manual.xml -o results.xml imp/sources/\n"),
              "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "import p.qdpx -o 'im p'");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "  next      qcode code -c 'im p/codebook.qcb' --cases 'im p/cases.tsv'"), "%s",
              r.out);
    qct_run_free(&r);
    char *imported = qct_read_in(dir, "imp/cases.tsv");
    cr_assert_str_eq(imported, "speaker\nJohn Doe\nMary Major\nAnn Lee\nBob Ray\n");
    free(imported);
    qct_qcode(&r, dir, "code -c imp/codebook.qcb --cases imp/cases.tsv --tsv t2 -o r2.xml imp/sources/");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "1 document, 4 participants."), "%s", r.out);
    qct_run_free(&r);
    char *before = qct_read_in(dir, "t1/frequencies.tsv"), *after = qct_read_in(dir, "t2/frequencies.tsv");
    cr_assert(qct_contains(before, "\"TEAM\"\t\"Team\"\t"), "%s", before);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    free(dir);
}

/* An export that fails its check is not written: no file where there was none, the previous file
 * where there was one, no temporary beside it. It was written, then checked (exit 2), and stayed
 * as the output for the next tool to open. A schema that accepts no project is the failing check. */
Test(refi_cli, an_export_that_fails_its_check_is_not_written)
{
    REQUIRE_COMMANDS();
    const transcript docs[] = {{"corpus/a.txt", "Interviewer: hi\nParticipant: we co-locate now\n"}};
    char *dir = coded(docs, 1, "code -c cb.qcb -o r.xml corpus/");
    static const char xsd[] = "<?xml version=\"1.0\"?>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
                              "targetNamespace=\"urn:QDA-XML:%s:1.0\" elementFormDefault=\"qualified\">"
                              "<xs:element name=\"Other\"/></xs:schema>\n";
    char text[512];
    snprintf(text, sizeof text, xsd, "project");
    free(qct_write_file(dir, "xsd/Project.xsd", text, strlen(text)));
    snprintf(text, sizeof text, xsd, "codebook");
    free(qct_write_file(dir, "xsd/Codebook.xsd", text, strlen(text)));
    qct_run r;
    qct_qcode(&r, dir, "export --qdpx p.qdpx r.xml --schemas xsd");
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(qct_contains(r.err, "p.qdpx:project.qde:2: error: schema: "), "%s", r.err);
    cr_assert(qct_contains(r.err, "check p.qdpx: 1 error, 0 warnings\np.qdpx: not written\n"), "%s", r.err);
    cr_assert_not(qct_contains(r.err, "wrote"), "%s", r.err);
    cr_assert_not(qct_contains(r.err, ".check-"), "a finding names the temporary checked: %s", r.err);
    qct_run_free(&r);
    char path[1200];
    snprintf(path, sizeof path, "%s/p.qdpx", dir);
    cr_assert_eq(access(path, F_OK), -1, "p.qdpx was left behind");
    free(qct_write_file(dir, "p.qdpx", "old", 3));
    free(qct_write_file(dir, "c.qdc", "old", 3));
    qct_qcode(&r, dir, "export --qdpx p.qdpx r.xml --schemas xsd");
    cr_assert_eq(r.status, 2, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "export --qdc c.qdc cb.qcb --schemas xsd");
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(qct_contains(r.err, "c.qdc:2: error: schema: "), "%s", r.err);
    cr_assert(qct_contains(r.err, "c.qdc: not written"), "%s", r.err);
    cr_assert_not(qct_contains(r.err, ".check-"), "a finding names the temporary checked: %s", r.err);
    qct_run_free(&r);
    char *old = qct_read_in(dir, "p.qdpx");
    cr_assert_str_eq(old, "old");
    free(old);
    old = qct_read_in(dir, "c.qdc");
    cr_assert_str_eq(old, "old");
    free(old);
    /* Nothing else beside them: the checked temporaries are gone. */
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            cr_assert(strstr(e->d_name, ".check-") == NULL, "left behind: %s", e->d_name);
            entries++;
        }
    closedir(d);
    cr_assert_eq(entries, 6, "cb.qcb corpus r.xml xsd p.qdpx c.qdc, and %zu in all", entries);
    free(dir);
}
