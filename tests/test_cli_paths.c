/* Options and messages of the command line that no other test reached: a line-coverage run of the
 * whole suite (gcov, 2026-12-07) found them executed by nothing. Each is something a researcher
 * types or reads. */
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "cut_helpers.h"
#include "qc_test.h"
#include "xsd_helpers.h"

#define GOLDEN QCODE_SOURCE_DIR "/tests/golden"

static const char codebook[] = "codebook \"OK\"\ncode TEAM \"Team\"\n  rule co-locat*\n";

/* A folder with cb.qcb and t.txt, whose one participant quotation comes after a character outside
 * the Basic Multilingual Plane: one code point, two UTF-16 units. */
static char *fixture(void)
{
    char *dir = qct_temp_dir();
    static const char text[] = "Interviewer: Are you \xF0\x9F\x98\x80 co-located?\n"
                               "Nurse: We are co-located now.\nNurse: Yes.\n";
    free(qct_write_file(dir, "cb.qcb", codebook, strlen(codebook)));
    free(qct_write_file(dir, "t.txt", text, strlen(text)));
    return dir;
}

static int file_exists(const char *dir, const char *name)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

/* The first selection's startPosition in the project a run wrote. */
static long first_start(const char *dir, const char *qdpx)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, qdpx);
    size_t n = 0;
    char *qde = cut_zip_read(path, "project.qde", &n);
    cr_assert_not_null(qde, "%s has no project.qde", path);
    const char *at = strstr(qde, "startPosition=\"");
    cr_assert_not_null(at, "%s", qde);
    long start = strtol(at + 15, NULL, 10);
    free(qde);
    return start;
}

/* `code --qdpx --offsets utf16` counts positions as NVivo does: the emoji before the quotation is
 * two units, so the selection starts one later than with code points (the default). */
Test(cli_paths, code_offsets_choose_the_units_of_the_projects_positions)
{
    char *dir = fixture();
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb --qdpx cp.qdpx t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c cb.qcb --qdpx cp2.qdpx --offsets codepoints t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c cb.qcb --qdpx u16.qdpx --offsets utf16 t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    long cp = first_start(dir, "cp.qdpx");
    cr_expect_eq(first_start(dir, "cp2.qdpx"), cp);
    cr_expect_eq(first_start(dir, "u16.qdpx"), cp + 1, "utf16 counts the emoji as two units (code points: %ld)", cp);
    free(dir);
}

Test(cli_paths, code_refuses_bad_offsets_and_top_values)
{
    char *dir = fixture();
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb --qdpx x.qdpx --offsets bytes t.txt");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "code: --offsets takes codepoints or utf16, not 'bytes'"), "%s", r.err);
    cr_expect(!file_exists(dir, "x.qdpx"));
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c cb.qcb --offsets utf16 -o r.xml t.txt");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "code: --offsets sets the positions of the --qdpx project: give --qdpx FILE too"),
              "%s", r.err);
    cr_expect(!file_exists(dir, "r.xml"));
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c cb.qcb --top 0 t.txt");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "code: --top needs a positive number, not '0'"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "code -c cb.qcb --top many t.txt");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "not 'many'"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* Two files with one document id (the same name in two folders): without --strict the second is
 * reported and left out (exit 1, results written); with --strict the run stops and writes nothing. */
Test(cli_paths, strict_stops_at_a_duplicate_document_id)
{
    char *dir = fixture();
    char *t = qct_read_in(dir, "t.txt");
    free(qct_write_file(dir, "x/t.txt", t, strlen(t)));
    free(qct_write_file(dir, "y/t.txt", t, strlen(t)));
    free(t);
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o loose.xml x y");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "y/t.txt: error: document id 't.txt' is already used by x/t.txt"), "%s", r.err);
    cr_expect(file_exists(dir, "loose.xml"));
    qct_run_free(&r);
    qct_qcode(&r, dir, "code --strict -c cb.qcb -o strict.xml --qdpx strict.qdpx x y");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "y/t.txt: error: document id 't.txt' is already used by x/t.txt"), "%s", r.err);
    cr_expect(qct_contains(r.err, "stopped at the first document that failed (--strict); nothing written"), "%s",
              r.err);
    cr_expect(!file_exists(dir, "strict.xml"));
    cr_expect(!file_exists(dir, "strict.qdpx"));
    qct_run_free(&r);
    free(dir);
}

/* A corpus folder with no transcript in it is an error that says so, for every command that reads
 * one (a .csv is no transcript). */
Test(cli_paths, a_corpus_without_transcripts_is_an_error)
{
    char *dir = fixture();
    free(qct_write_file(dir, "empty/notes.csv", "a,b\n", 4));
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o r.xml t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "inspect empty");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "inspect: no transcripts found (.txt .md .vtt .srt .docx)"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml -c cb.qcb -o r2.xml empty");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "recode: no transcripts found in the corpus given"), "%s", r.err);
    cr_expect(!file_exists(dir, "r2.xml"));
    qct_run_free(&r);
    free(dir);
}

/* `quotes --results` takes one code and nothing else, and names a code the results do not hold. */
Test(cli_paths, quotes_from_results_names_what_is_wrong)
{
    char *dir = fixture();
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o r.xml t.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "quotes --results r.xml NOPE");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "quotes: no code 'NOPE' in r.xml"), "%s", r.err);
    cr_expect_str_empty(r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "quotes --results r.xml TEAM t.txt");
    cr_expect_eq(r.status, 2);
    cr_expect(qct_contains(r.err, "quotes: with --results, give only the code (no transcripts)"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "quotes --results r.xml TEAM");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "1 quotation of TEAM from 1 respondent in 1 of 1 document"), "%s", r.out);
    qct_run_free(&r);
    free(dir);
}

/* On a terminal, `quotes` shows the words that made the hit in bold, and turns bold off after. */
Test(cli_paths, quotes_shows_hits_in_bold_on_a_terminal)
{
    if (access("/usr/bin/script", X_OK) != 0) {
        qct_note("script(1) is not installed (util-linux): bold hits are not tested");
        cr_skip_test("no script(1)");
    }
    char *dir = fixture();
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && /usr/bin/script -qec \"'%s' quotes -c cb.qcb TEAM t.txt\" /dev/null", dir,
             QCODE_BIN);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    cr_assert_eq(pclose(p), 0, "%s", buf);
    cr_expect(qct_contains(buf, "We are \033[1mco-located\033[0m now."), "%s", buf);
    free(dir);
}

/* A project's codings that cannot be imported are counted in the summary, not only warned about. */
Test(cli_paths, import_counts_the_codings_it_skipped)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, dir, "import '%s/tests/data/refi/dangling.qdpx' -o project", QCODE_SOURCE_DIR);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(qct_contains(r.out, "(1 skipped, see the warnings)"), "%s", r.out);
    cr_expect(qct_contains(r.err, "matches no code: skipped"), "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* `diff --format text` is the terminal's listing, the same as no --format. */
Test(cli_paths, diff_format_text_is_the_default_listing)
{
    qct_run a, b;
    qct_qcode(&a, QCODE_SOURCE_DIR,
              "diff --format text codebooks/integrated-care-v1.qcb codebooks/integrated-care.qcb");
    qct_qcode(&b, QCODE_SOURCE_DIR, "diff codebooks/integrated-care-v1.qcb codebooks/integrated-care.qcb");
    cr_expect_eq(a.status, b.status, "%s", a.err);
    cr_expect_str_eq(a.out, b.out);
    cr_expect(qct_contains(a.out, "codebook diff: "), "%s", a.out);
    qct_run_free(&a);
    qct_run_free(&b);
    qct_qcode(&a, QCODE_SOURCE_DIR,
              "diff --format json codebooks/integrated-care-v1.qcb codebooks/integrated-care.qcb");
    cr_expect_eq(a.status, 2);
    qct_run_free(&a);
}

/* `recode --from` reads the corpus as the old run did: an option given again with the value the
 * results record is no change (no warning), one given with another value is warned about by name,
 * since quotations may then move for that alone. */
Test(cli_paths, recode_tells_which_reading_option_differs_from_the_record)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", codebook, strlen(codebook)));
    static const char text[] = "[Q] Are you co-located?\n[P1] We are co-located now.\n[P1] Yes.\n";
    free(qct_write_file(dir, "t.txt", text, strlen(text)));
    static const char pattern[] = "--speaker-pattern '^\\[(?<speaker>[^]]+)\\] '";
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb --input-format text %s --interviewer Q -o r.xml t.txt", pattern);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(qct_contains(r.out, "1 participant."), "%s", r.out);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from r.xml -c cb.qcb --input-format text %s --interviewer Q --verbose t.txt", pattern);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "the same options again: %s", r.err);
    cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "%s", r.err);
    qct_run_free(&r);
    static const struct {
        const char *options, *named;
    } differing[] = {
        {"--speaker-pattern '^\\[(?<speaker>P[0-9]+)\\] '", "(--speaker-pattern)"},
        {"--interviewer P1", "(--interviewer)"},
        {"--interviewer Q --interviewer Moderator", "(--interviewer)"},
        {"--input-format vtt", "(--input-format)"},
    };
    for (size_t i = 0; i < sizeof differing / sizeof *differing; i++) {
        qct_qcode(&r, dir, "recode --from r.xml -c cb.qcb %s t.txt", differing[i].options);
        cr_expect(qct_contains(r.err, "recode: warning: the corpus is read otherwise than r.xml's run read it"),
                  "%s: %s", differing[i].options, r.err);
        cr_expect(qct_contains(r.err, differing[i].named), "%s: %s", differing[i].options, r.err);
        qct_run_free(&r);
    }
    /* A run that read its files by their names: --input-format text over a .txt file reads it as
     * that run did, and is no change (until 2026-12-07 it was warned about); another format is. */
    qct_qcode(&r, dir, "code -c cb.qcb %s --interviewer Q -o by-name.xml t.txt", pattern);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from by-name.xml -c cb.qcb --input-format text --verbose t.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(!qct_contains(r.err, "warning"), "%s", r.err);
    cr_expect(qct_contains(r.err, "old side: coded again (every document's coding matched the file)"), "%s", r.err);
    qct_run_free(&r);
    qct_qcode(&r, dir, "recode --from by-name.xml -c cb.qcb --input-format srt t.txt");
    cr_expect(qct_contains(r.err, "recode: warning: the corpus is read otherwise than by-name.xml's run read it "
                                  "(--input-format): t.txt was read as text, by its name"),
              "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* The project's entry of a source: the text of sources/<guid>.txt (the only source). */
static char *source_text(const char *dir, const char *qdpx)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, qdpx);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    cr_assert_not_null(z, "cannot open %s", path);
    const char *name = NULL;
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0) && !name; i++) {
        const char *n = zip_get_name(z, (zip_uint64_t)i, 0);
        if (n && strncmp(n, "sources/", 8) == 0)
            name = n;
    }
    cr_assert_not_null(name, "%s has no source", path);
    char entry[256];
    snprintf(entry, sizeof entry, "%s", name);
    zip_discard(z);
    size_t n = 0;
    return cut_zip_read(path, entry, &n);
}

/* The project's Case names, one per line, in order, as "Case:NAME\n"; and the codings count. */
static char *cases_in(const char *dir, const char *qdpx, int *codings)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, qdpx);
    size_t n = 0;
    char *qde = cut_zip_read(path, "project.qde", &n);
    *codings = 0;
    for (const char *p = qde; (p = strstr(p, "<Coding ")) != NULL; p++)
        ++*codings;
    char *names = calloc(1, n + 1);
    cr_assert_not_null(names);
    for (const char *p = qde; (p = strstr(p, "<Case ")) != NULL; p++) {
        const char *name = strstr(p, " name=\"");
        cr_assert_not_null(name);
        const char *end = strchr(name + 7, '"');
        strcat(names, "Case:");
        strncat(names, name + 7, (size_t)(end - name - 7));
        strcat(names, "\n");
    }
    free(qde);
    return names;
}

/* `export RESULTS.xml` reads the corpus again as the run read it, with the options its results
 * record, and so exports what `code --qdpx` exported: the encoding (the source goes out as UTF-8),
 * the interviewer labels (the moderator, an interviewer, is no Case) and --no-speakers (nobody
 * speaks, so no row of the casebook is a Case). */
Test(cli_paths, export_from_results_reads_as_the_run_read)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", codebook, strlen(codebook)));
    static const char cases[] = "speaker\trole\nMod\tresearcher\nP1\tnurse\nNurse\tnurse\n";
    free(qct_write_file(dir, "c.tsv", cases, strlen(cases)));
    static const char latin1[] = "Interviewer: Is the caf\xe9 co-located?\nNurse: The caf\xe9 is co-located now.\n"
                                 "Nurse: Yes.\n";
    free(qct_write_file(dir, "w.txt", latin1, strlen(latin1)));
    static const char ids[] = "[Mod] Are you co-located?\n[P1] We are co-located now.\n[P1] Yes.\n";
    free(qct_write_file(dir, "s.txt", ids, strlen(ids)));
    static const char plain[] = "Interviewer: Are you co-located?\nNurse: We are co-located now.\nNurse: Yes.\n";
    free(qct_write_file(dir, "n.txt", plain, strlen(plain)));
    static const struct {
        const char *options, *file, *cases;
        int codings;
    } runs[] = {
        {"--encoding windows-1252", "w", "Case:Nurse\n", 1},
        {"--speaker-pattern '^\\[(?<speaker>[^]]+)\\] ' --interviewer Mod", "s", "Case:P1\n", 1},
        {"--no-speakers", "n", "", 2},
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        qct_run r;
        qct_qcode(&r, dir, "code -c cb.qcb --cases c.tsv %s -o %s.xml --qdpx %s-direct.qdpx %s.txt", runs[i].options,
                  runs[i].file, runs[i].file, runs[i].file);
        cr_assert_eq(r.status, 0, "%s: %s", runs[i].options, r.err);
        qct_run_free(&r);
        qct_qcode(&r, dir, "export --qdpx %s.qdpx %s.xml", runs[i].file, runs[i].file);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i].options, r.err);
        qct_run_free(&r);
        char direct[64], exported[64];
        snprintf(direct, sizeof direct, "%s-direct.qdpx", runs[i].file);
        snprintf(exported, sizeof exported, "%s.qdpx", runs[i].file);
        int dc = 0, ec = 0;
        char *dn = cases_in(dir, direct, &dc), *en = cases_in(dir, exported, &ec);
        cr_expect_str_eq(dn, runs[i].cases, "%s: code --qdpx", runs[i].options);
        cr_expect_str_eq(en, runs[i].cases, "%s: export", runs[i].options);
        cr_expect_eq(dc, runs[i].codings, "%s", runs[i].options);
        cr_expect_eq(ec, runs[i].codings, "%s", runs[i].options);
        free(dn);
        free(en);
    }
    char *text = source_text(dir, "w.qdpx");
    cr_expect(qct_contains(text, "The caf\xc3\xa9 is co-located now."), "%s", text);
    free(text);
    free(dir);
}

/* How often a line occurs in s. */
static int occurrences(const char *s, const char *line)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, line)) != NULL; p++)
        n++;
    return n;
}

/* A re-code whose old side is read from results.xml (the old codebook is gone) tells of a
 * transcript that cannot be read now (exit 1) and of one read with a warning, as `code` does. */
Test(cli_paths, recode_from_results_alone_tells_of_unreadable_transcripts)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "old.qcb", codebook, strlen(codebook)));
    static const char text[] = "Interviewer: Are you co-located?\nNurse: We are co-located now.\nNurse: Yes.\n";
    free(qct_write_file(dir, "t.txt", text, strlen(text)));
    free(qct_write_file(dir, "u.txt", text, strlen(text)));
    qct_run r;
    qct_qcode(&r, dir, "code -c old.qcb -o r.xml t.txt u.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    static const char empty_turn[] =
        "Interviewer: Are you co-located?\nNurse: We are co-located now.\nNurse:\nNurse: Yes.\n";
    free(qct_write_file(dir, "t.txt", empty_turn, strlen(empty_turn)));
    static const char broken[] = "Interviewer: Are you co-located?\nNurse: We are co-located n\xffow.\n";
    free(qct_write_file(dir, "u.txt", broken, strlen(broken)));
    static const char revised[] = "codebook \"OK\" version 2\ncode TEAM \"Team\"\n  rule co-locat* OR yes\n";
    free(qct_write_file(dir, "new.qcb", revised, strlen(revised)));
    char old[1200];
    snprintf(old, sizeof old, "%s/old.qcb", dir);
    cr_assert_eq(unlink(old), 0);
    qct_qcode(&r, dir, "recode --from r.xml -c new.qcb --verbose -o r2.xml --report rep.xml t.txt u.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(!qct_contains(r.err, "old side: coded again"), "%s", r.err);
    cr_expect_eq(occurrences(r.err, "t.txt:3:1: warning: speaker label 'Nurse' with no text; turn skipped"), 1, "%s",
                 r.err);
    cr_expect_eq(occurrences(r.err, "u.txt:2:27: error: invalid UTF-8 (byte 0xFF at offset 59)"), 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "qcode: 1 of 2 documents could not be read\n"), "ends as `code` does: %s", r.err);
    qct_run_free(&r);
    /* u.txt's old quotations are lost because it was not read, not because it changed. */
    char *report = qct_read_in(dir, "rep.xml");
    cr_expect(qct_contains(report, "change=\"lost\" reason=\"document not read\" document=\"u.txt\""), "%s", report);
    cr_expect(!qct_contains(report, "reason=\"document changed\" document=\"u.txt\""), "%s", report);
    free(report);
    free(dir);
}

/* A results.xml with a person's coding (coder="NAME") on a document changed since: the corpus is
 * coded once, the old side of that document (and of the unreadable one) read from the file, and
 * every warning and error told once. Until 2026-12-07 such a re-code started over from the file,
 * coding the corpus twice; the second pass then kept its warnings to itself, and so never told the
 * one about a coding that only results.xml listed whose text had changed. */
Test(cli_paths, recode_with_peoples_codings_tells_each_warning_once)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", codebook, strlen(codebook)));
    static const char text[] = "Interviewer: Are you co-located?\nNurse: We are co-located now.\nNurse: Yes.\n";
    free(qct_write_file(dir, "t.txt", text, strlen(text)));
    free(qct_write_file(dir, "u.txt", text, strlen(text)));
    static const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n"
                                 "  <coding code=\"TEAM\" document=\"t.txt\" start=\"40\" end=\"62\" coder=\"Ann\">"
                                 "<text>We are co-located now.</text></coding>\n</manual>\n";
    free(qct_write_file(dir, "m.xml", manual, strlen(manual)));
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb --manual m.xml -o r.xml t.txt u.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    static const char changed[] = "Interviewer: Are you co-located?\nNurse: We were apart then.\nNurse:\nNurse: Yes.\n";
    free(qct_write_file(dir, "t.txt", changed, strlen(changed)));
    static const char broken[] = "Interviewer: Are you co-located?\nNurse: We are co-located n\xffow.\n";
    free(qct_write_file(dir, "u.txt", broken, strlen(broken)));
    static const char *const runs[] = {"--manual m.xml", ""};
    for (int i = 0; i < 2; i++) {
        qct_qcode(&r, dir, "recode --from r.xml %s -c cb.qcb --verbose -o r2.xml t.txt u.txt", runs[i]);
        cr_expect_eq(r.status, 1, "%s", r.err);
        cr_expect(qct_contains(r.err, "old side: coded again, but read from the file for 2 documents whose coding did "
                                      "not match it"),
                  "%s", r.err);
        cr_expect_eq(occurrences(r.err, "t.txt:3:1: warning: speaker label 'Nurse' with no text"), 1, "%s", r.err);
        /* the coding is m.xml's line 3 when m.xml is given, else results.xml's */
        cr_expect_eq(occurrences(r.err, i == 0 ? "m.xml:3: warning: coding of TEAM by Ann on 't.txt' at 40-62: the "
                                                 "document's text there is no longer the coded text"
                                               : "r.xml: warning: coding of TEAM by Ann on 't.txt' at 40-62: the "
                                                 "document's text there is no longer the coded text"),
                     1, "%s", r.err);
        cr_expect_eq(occurrences(r.err, "no longer the coded text"), 1, "%s", r.err);
        cr_expect_eq(occurrences(r.err, "u.txt:2:27: error: invalid UTF-8"), 1, "%s", r.err);
        qct_run_free(&r);
    }
    /* A carried coding on a document the run does not have is told once, after the run. */
    qct_qcode(&r, dir, "recode --from r.xml --manual m.xml -c cb.qcb -o r3.xml u.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect_eq(occurrences(r.err, "document 't.txt' is not in this run: not counted"), 1, "%s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* `quotes` over a corpus tells of a transcript it cannot read, lists the others' quotations, and
 * exits 1, as `code` does. */
Test(cli_paths, quotes_tells_of_an_unreadable_transcript)
{
    char *dir = fixture();
    static const char broken[] = "Interviewer: Are you co-located?\nNurse: We are co-located n\xffow.\n";
    free(qct_write_file(dir, "u.txt", broken, strlen(broken)));
    qct_run r;
    qct_qcode(&r, dir, "quotes -c cb.qcb TEAM t.txt u.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    cr_expect(qct_contains(r.err, "u.txt:2:27: error: invalid UTF-8 (byte 0xFF at offset 59)"), "%s", r.err);
    cr_expect(qct_contains(r.out, "We are co-located now."), "%s", r.out);
    cr_expect(qct_contains(r.out, "1 quotation of TEAM from 1 respondent in 1 of 1 document"), "%s", r.out);
    cr_expect(qct_contains(r.err, "qcode: 1 of 2 documents could not be read\n"), "ends as `code` does: %s", r.err);
    qct_run_free(&r);
    free(dir);
}

/* The change report (`recode --report`) is valid against docs/schema/qcode-recode.xsd, which no
 * test checked: the shipped revision v1 -> current on the sample corpus (codes added, removed,
 * renamed, merged, rules changed), and a re-code that could not read a document. */
Test(cli_paths, the_change_report_is_valid_against_its_schema, .timeout = 120)
{
    char *dir = qct_temp_dir();
    qct_run r;
    qct_qcode(&r, QCODE_SOURCE_DIR,
              "recode --old codebooks/integrated-care-v1.qcb -c codebooks/integrated-care.qcb --cases "
              "corpora/integrated-care/cases.tsv --report '%s/revision.xml' corpora/integrated-care",
              dir);
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char path[1200], why[512] = "";
    snprintf(path, sizeof path, "%s/revision.xml", dir);
    char *report = qct_read_file(path, NULL);
    cr_assert_not_null(report);
    cr_expect(qct_contains(report, "reason=\"rules changed\""), "a report with reasons in it");
    free(report);
    cr_expect_eq(xsd_validate(path, "qcode-recode.xsd", why, sizeof why), 0, "%s", why);

    free(qct_write_file(dir, "cb.qcb", codebook, strlen(codebook)));
    static const char text[] = "Interviewer: Are you co-located?\nNurse: We are co-located now.\nNurse: Yes.\n";
    free(qct_write_file(dir, "t.txt", text, strlen(text)));
    free(qct_write_file(dir, "u.txt", text, strlen(text)));
    qct_qcode(&r, dir, "code -c cb.qcb -o r.xml t.txt u.txt");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    static const char broken[] = "Nurse: co-located n\xffow.\n";
    free(qct_write_file(dir, "u.txt", broken, strlen(broken)));
    qct_qcode(&r, dir, "recode --from r.xml -c cb.qcb --report unread.xml t.txt u.txt");
    cr_expect_eq(r.status, 1, "%s", r.err);
    qct_run_free(&r);
    snprintf(path, sizeof path, "%s/unread.xml", dir);
    cr_expect_eq(xsd_validate(path, "qcode-recode.xsd", why, sizeof why), 0, "%s", why);

    /* A person's coding carried across a revision that removes its code: the report lists it, and
     * the carried manual.xml, its code now "Unassigned after revision 2", is valid against
     * qcode-manual.xsd. */
    static const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n"
                                 "  <coding code=\"TEAM\" document=\"t.txt\" start=\"40\" end=\"62\" coder=\"Ann\">"
                                 "<text>We are co-located now.</text></coding>\n</manual>\n";
    free(qct_write_file(dir, "m.xml", manual, strlen(manual)));
    static const char revised[] = "codebook \"OK\" version 2\ncode STAFF \"Staff\"\n  rule nurse*\n";
    free(qct_write_file(dir, "v2.qcb", revised, strlen(revised)));
    qct_qcode(&r, dir, "recode --old cb.qcb -c v2.qcb --manual m.xml --manual-out m2.xml --report carried.xml t.txt");
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    char *carried = qct_read_in(dir, "m2.xml");
    cr_expect(qct_contains(carried, "coder=\"Ann\""), "%s", carried);
    cr_expect(qct_contains(carried, "UNASSIGNED"), "the coding under the unassigned category: %s", carried);
    free(carried);
    snprintf(path, sizeof path, "%s/m2.xml", dir);
    cr_expect_eq(xsd_validate(path, "qcode-manual.xsd", why, sizeof why), 0, "%s", why);
    snprintf(path, sizeof path, "%s/carried.xml", dir);
    cr_expect_eq(xsd_validate(path, "qcode-recode.xsd", why, sizeof why), 0, "%s", why);
    free(dir);
}
