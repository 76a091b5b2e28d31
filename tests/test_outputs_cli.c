/* A run's outputs are committed together (docs/reliability.md): `qcode code` and `qcode recode`
 * write every output first and replace the targets only when all are written. A run whose last
 * output cannot be written (a path under a regular file: ENOTDIR, which fails as root too) exits 2
 * and leaves every file of the folder as it was, byte for byte, with no temporary and no new
 * folder; a run that succeeds replaces every output. So does a run whose outputs were all written
 * but one of them cannot replace its target when they are committed (the target made a folder
 * meanwhile, or the temporary gone): the outputs renamed before it get their old files back. */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */
#include "qc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- what a folder holds --- */

static char **snap_items;
static size_t snap_count, snap_cap;
static const char *snap_root;

static int snap_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    char line[2048];
    const char *rel = path + strlen(snap_root);
    if (flag == FTW_F) {
        size_t n = 0;
        char *data = qct_read_file(path, &n);
        char hex[41];
        qc_refi_sha1_hex(data ? data : "", data ? n : 0, hex);
        free(data);
        snprintf(line, sizeof line, "%s %lld %s", rel, (long long)sb->st_size, hex);
    } else {
        snprintf(line, sizeof line, "%s/", rel);
    }
    if (snap_count == snap_cap) {
        snap_cap = snap_cap ? snap_cap * 2 : 64;
        snap_items = realloc(snap_items, snap_cap * sizeof *snap_items);
        cr_assert_not_null(snap_items);
    }
    snap_items[snap_count++] = strdup(line);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every name under dir with its size and SHA-1 (folders with a '/'), sorted, one a line: to free(). */
static char *snapshot(const char *dir)
{
    snap_items = NULL;
    snap_count = snap_cap = 0;
    snap_root = dir;
    cr_assert_eq(nftw(dir, snap_entry, 16, FTW_PHYS), 0);
    qsort(snap_items, snap_count, sizeof *snap_items, by_name);
    size_t len = 1;
    for (size_t i = 0; i < snap_count; i++)
        len += strlen(snap_items[i]) + 1;
    char *s = malloc(len);
    cr_assert_not_null(s);
    s[0] = '\0';
    for (size_t i = 0; i < snap_count; i++) {
        strcat(s, snap_items[i]);
        strcat(s, "\n");
        free(snap_items[i]);
    }
    free(snap_items);
    return s;
}

/* Runs the command in dir, expects exit 2 with `cause` named on stderr, and the folder unchanged. */
static void fails_changing_nothing(const char *dir, const char *cause, const char *fmt, const char *arg)
{
    char *before = snapshot(dir);
    qct_run r;
    qct_qcode(&r, dir, fmt, arg);
    cr_expect_eq(r.status, 2, "%s: exit %d\n%s", arg, r.status, r.err);
    cr_expect(qct_contains(r.err, cause), "%s: stderr does not name %s:\n%s", arg, cause, r.err);
    char *after = snapshot(dir);
    cr_expect_str_eq(after, before, "%s: a failed run changed the folder", arg);
    qct_run_free(&r);
    free(before);
    free(after);
}

/* Each named file's line (its size and SHA-1) differs between the two snapshots, and no
 * temporary is left. */
static void expect_replaced(const char *before, const char *after, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char key[256];
        snprintf(key, sizeof key, "\n%s ", names[i]);
        const char *b = strstr(before, key), *a = strstr(after, key);
        cr_assert(a && b, "%s is missing", names[i]);
        cr_expect(strncmp(a, b, (size_t)(strchr(a + 1, '\n') - a)) != 0, "%s was not replaced", names[i]);
    }
    cr_expect(!strstr(after, ".tmp-"), "a temporary is left:\n%s", after);
}

/* A folder with the sample codebooks, the sample corpus (as `corpus`), the outputs of a run of
 * the first codebook, and `afile`, a regular file that outputs under it cannot be written. */
static char *project(void)
{
    char *dir = rel_sample_project();
    free(qct_write_file(dir, "afile", "a file, not a folder\n", 21));
    rel_run_ok(dir, "code -c integrated-care-v1.qcb -o results.xml --tsv tsv --qdpx project.qdpx corpus");
    return dir;
}

/* --- qcode code --- */

Test(outputs_cli, code_whose_tables_cannot_be_written_changes_no_output)
{
    char *dir = project();
    /* Format 1 is written after the run, format 2 while coding: either way results.xml comes
     * first, the tables after it. */
    fails_changing_nothing(dir, "afile/tsv",
                           "code -c integrated-care.qcb -o results.xml --results-format %s --tsv afile/tsv "
                           "--qdpx project.qdpx corpus",
                           "1");
    fails_changing_nothing(dir, "afile/tsv",
                           "code -c integrated-care.qcb -o results.xml --results-format %s --tsv afile/tsv "
                           "--qdpx project.qdpx corpus",
                           "2");
    free(dir);
}

/* --tsv's five tables are outputs like -o: a casebook that bears a table's name (study/quotations.tsv
 * with --tsv study) was replaced by the quotations table, -o out/frequencies.tsv with --tsv out
 * by the frequencies, both with exit 0; -o same --tsv same failed only after the whole run. Each
 * is refused before anything is written. */
Test(outputs_cli, code_refuses_tables_that_would_replace_an_input_or_an_output)
{
    char *dir = project();
    const char cases[] = "speaker\tteam\nN15\tRS1\n";
    free(qct_write_file(dir, "tsv/quotations.tsv", cases, strlen(cases))); /* a casebook so named */
    const char *cp = "code -c integrated-care.qcb --cases tsv/quotations.tsv --tsv %s corpus";
    fails_changing_nothing(dir, "--tsv's quotations.tsv tsv/quotations.tsv is the casebook tsv/quotations.tsv", cp,
                           "tsv");
    fails_changing_nothing(dir, "-o and --tsv's frequencies.tsv are the same file (tsv/frequencies.tsv)",
                           "code -c integrated-care.qcb -o tsv/frequencies.tsv --tsv %s corpus", "tsv");
    fails_changing_nothing(dir, "-o and --tsv are the same file (same)",
                           "code -c integrated-care.qcb -o same --tsv %s corpus", "same");
    free(dir);
}

Test(outputs_cli, code_whose_project_cannot_be_written_changes_no_output)
{
    char *dir = project();
    fails_changing_nothing(dir, "afile/p.qdpx",
                           "code -c integrated-care.qcb -o results.xml --results-format %s --tsv tsv "
                           "--qdpx afile/p.qdpx corpus",
                           "1");
    fails_changing_nothing(dir, "afile/p.qdpx",
                           "code -c integrated-care.qcb -o results.xml --results-format %s --tsv tsv "
                           "--qdpx afile/p.qdpx corpus",
                           "2");
    /* The tables' folder, made for them, goes again. */
    fails_changing_nothing(dir, "afile/p.qdpx",
                           "code -c integrated-care.qcb -o results.xml --tsv %s "
                           "--qdpx afile/p.qdpx corpus",
                           "new-tables");
    free(dir);
}

Test(outputs_cli, code_that_succeeds_replaces_every_output)
{
    char *dir = project();
    char *before = snapshot(dir);
    rel_run_ok(dir, "code -c integrated-care.qcb -o results.xml --tsv tsv --qdpx project.qdpx corpus");
    char *after = snapshot(dir);
    /* The codebook differs: so does every output. */
    const char *const outputs[] = {"/results.xml", "/tsv/frequencies.tsv", "/tsv/quotations.tsv", "/project.qdpx"};
    expect_replaced(before, after, outputs, sizeof outputs / sizeof *outputs);
    free(before);
    free(after);
    free(dir);
}

/* --- qcode recode --- */

static const char talk[] = "S1: We talk about care.\nInterviewer: And then?\nS1: More talk, less care.\n";
static const char cb_v1[] = "codebook \"Talk\" version 1\ncode TALK \"Talk\"\n  rule talk\n";
static const char cb_v2[] = "codebook \"Talk\" version 2\ncode TALK \"Talk\"\n  rule talk OR care\n";
/* TALK renamed: the carried manual.xml changes too. */
static const char cb_v3[] = "codebook \"Talk\" version 3\ncode SPEECH \"Talk\"\n  was TALK\n  rule care\n";
static const char manual[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manual xmlns=\"urn:qcode:manual:1\">\n"
                             "  <coding code=\"TALK\" document=\"talk.txt\" start=\"4\" end=\"11\" coder=\"ann\" "
                             "created=\"2026-01-01T00:00:00Z\"><text>We talk</text></coding>\n</manual>\n";

Test(outputs_cli, recode_whose_last_output_cannot_be_written_changes_no_output)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "talk.txt", talk, strlen(talk)));
    free(qct_write_file(dir, "v1.qcb", cb_v1, strlen(cb_v1)));
    free(qct_write_file(dir, "v2.qcb", cb_v2, strlen(cb_v2)));
    free(qct_write_file(dir, "v3.qcb", cb_v3, strlen(cb_v3)));
    free(qct_write_file(dir, "manual.xml", manual, strlen(manual)));
    free(qct_write_file(dir, "afile", "a file\n", 7));
    rel_run_ok(dir, "code -c v1.qcb -o r1.xml talk.txt");
    /* The previous outputs: the new results, the report and the carried manual.xml. */
    rel_run_ok(dir, "recode --from r1.xml --old v1.qcb -c v2.qcb -o r2.xml --report report.xml --manual manual.xml "
                    "--manual-out m2.xml talk.txt");
    /* Written in the order --report, -o, --manual-out: the last fails. */
    const char *recode = "recode --from r1.xml --old v1.qcb -c v3.qcb -o r2.xml --results-format %s "
                         "--report report.xml --manual manual.xml --manual-out afile/m2.xml talk.txt";
    fails_changing_nothing(dir, "afile/m2.xml", recode, "1");
    fails_changing_nothing(dir, "afile/m2.xml", recode, "2");
    /* Format 1's results.xml is written after the report. */
    fails_changing_nothing(dir, "afile/r2.xml",
                           "recode --from r1.xml --old v1.qcb -c v3.qcb -o %s --results-format 1 "
                           "--report report.xml talk.txt",
                           "afile/r2.xml");
    /* And when all can be written, all are replaced. */
    char *before = snapshot(dir);
    rel_run_ok(dir, "recode --from r1.xml --old v1.qcb -c v3.qcb -o r2.xml --report report.xml --manual manual.xml "
                    "--manual-out m2.xml talk.txt");
    char *after = snapshot(dir);
    const char *const outputs[] = {"/r2.xml", "/report.xml", "/m2.xml"};
    expect_replaced(before, after, outputs, sizeof outputs / sizeof *outputs);
    free(before);
    free(after);
    free(dir);
}

/* --- a commit that fails half-way --- */

/* Runs `qcode ARGS` (argv, argv[0] ignored) in dir, stopped just after it made a temporary whose
 * name holds stop_at (QCODE_TEST_STOP_AT_TEMP, as test_signals.c does); calls meddle(dir) while it
 * is stopped, lets it go on and returns its exit code, its stderr in *err (to free). */
static int run_meddled(const char *dir, char *const argv[], const char *stop_at, void (*meddle)(const char *),
                       char **err)
{
    char *side = qct_temp_dir(); /* stderr, out of the folder compared */
    char *err_path = rel_path_in(side, "stderr");
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int in = open("/dev/null", O_RDWR), errfd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || errfd < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(in, 0);
        dup2(in, 1);
        dup2(errfd, 2);
        setenv("QCODE_TEST_STOP_AT_TEMP", stop_at, 1);
        execv(QCODE_BIN, argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, WUNTRACED) < 0)
        cr_assert_eq(errno, EINTR);
    cr_assert(WIFSTOPPED(st), "the run never made its temporary %s* (status %d)", stop_at, st);
    meddle(dir);
    cr_assert_eq(kill(pid, SIGCONT), 0);
    while (waitpid(pid, &st, 0) < 0)
        cr_assert_eq(errno, EINTR);
    *err = qct_read_file(err_path, NULL);
    cr_assert_not_null(*err);
    free(err_path);
    free(side);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The previous outputs of a re-code (r2.xml, report.xml, m2.xml), in a fresh folder; to free(). */
static char *recoded_project(void)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "talk.txt", talk, strlen(talk)));
    free(qct_write_file(dir, "v1.qcb", cb_v1, strlen(cb_v1)));
    free(qct_write_file(dir, "v2.qcb", cb_v2, strlen(cb_v2)));
    free(qct_write_file(dir, "v3.qcb", cb_v3, strlen(cb_v3)));
    free(qct_write_file(dir, "manual.xml", manual, strlen(manual)));
    rel_run_ok(dir, "code -c v1.qcb -o r1.xml talk.txt");
    rel_run_ok(dir, "recode --from r1.xml --old v1.qcb -c v2.qcb -o r2.xml --report report.xml --manual manual.xml "
                    "--manual-out m2.xml talk.txt");
    return dir;
}

/* The re-code to v3, stopped when it makes its last output's temporary (m2.xml's: --report, -o
 * and --manual-out are written and committed in that order): report.xml is renamed first, then
 * r2.xml, which the meddling makes fail. */
static char *const recode_v3[] = {
    "qcode",    "recode",     "--from",       "r1.xml",           "--old",    "v1.qcb",   "-c",
    "v3.qcb",   "-o",         "r2.xml",       "--results-format", "1",        "--report", "report.xml",
    "--manual", "manual.xml", "--manual-out", "m2.xml",           "talk.txt", NULL};

static char *old_r2;
static size_t old_r2_size;

static void r2_becomes_a_folder(const char *dir)
{
    char *p = rel_path_in(dir, "r2.xml");
    old_r2 = qct_read_file(p, &old_r2_size);
    cr_assert_not_null(old_r2);
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(mkdir(p, 0755), 0);
    free(p);
}

/* Removes r2.xml's finished temporary: its rename fails after report.xml's was done. */
static void r2_temporary_goes(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "r2.xml.tmp-", 11) == 0) {
            char *p = rel_path_in(dir, e->d_name);
            removed += unlink(p) == 0;
            free(p);
        }
    closedir(d);
    cr_assert_eq(removed, 1, "r2.xml's temporary is not there");
}

Test(outputs_cli, recode_whose_target_becomes_a_folder_changes_no_output)
{
    char *dir = recoded_project();
    char *before = snapshot(dir);
    char *err = NULL;
    int status = run_meddled(dir, recode_v3, "m2.xml.tmp-", r2_becomes_a_folder, &err);
    cr_expect_eq(status, 2, "exit %d: %s", status, err);
    cr_expect(qct_contains(err, "r2.xml: error: cannot write output: it is a folder; no output was changed"), "%s",
              err);
    /* r2.xml is still the folder it was made; put its old file back, and the folder is as it was:
     * report.xml and m2.xml byte for byte, no temporary, no backup. */
    char *r2 = rel_path_in(dir, "r2.xml");
    struct stat st;
    cr_expect(stat(r2, &st) == 0 && S_ISDIR(st.st_mode), "r2.xml is no longer a folder");
    cr_assert_eq(rmdir(r2), 0);
    free(qct_write_file(dir, "r2.xml", old_r2, old_r2_size));
    char *after = snapshot(dir);
    cr_expect_str_eq(after, before, "a failed commit changed the folder");
    free(r2);
    free(old_r2);
    free(err);
    free(before);
    free(after);
    free(dir);
}

Test(outputs_cli, recode_whose_rename_fails_half_way_puts_the_old_outputs_back)
{
    char *dir = recoded_project();
    char *before = snapshot(dir);
    char *err = NULL;
    int status = run_meddled(dir, recode_v3, "m2.xml.tmp-", r2_temporary_goes, &err);
    cr_expect_eq(status, 2, "exit %d: %s", status, err);
    cr_expect(qct_contains(err, "r2.xml: error: cannot write output: No such file or directory; no output was "
                                "changed"),
              "%s", err);
    /* report.xml was replaced before r2.xml failed: it has its old file back. */
    char *after = snapshot(dir);
    cr_expect_str_eq(after, before, "a failed commit changed the folder");
    free(err);
    free(before);
    free(after);
    free(dir);
}
