/* Commit sets (qc_outputs): outputs written into a set replace nothing until the set is committed,
 * then all of them; a set freed uncommitted leaves every target as it was, no temporary and no
 * folder it made. Every writer given a set joins it: results.xml (written after the run and
 * streamed while coding), the TSV tables, a .qdpx, a .qdc, bytes; options of a version before the
 * set's field leave it out. A commit that fails half-way (a target made a folder, a temporary gone)
 * puts back what it replaced: no target changes. The runs of `qcode code` and `qcode recode` are in
 * test_outputs_cli.c. What interrupted runs left beside a target goes when a later run replaces it,
 * except a file a live run holds and one that carries no mark of qcode's for its name. */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */
#include "qc_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static const char codebook_src[] = "codebook \"Outputs\" version 1\n"
                                   "code TALK \"Talk\"\n"
                                   "  rule talk*\n"
                                   "code CARE \"Care\"\n"
                                   "  rule care\n";
static const char doc_src[] = "S1: We talk about care.\nInterviewer: And then?\nS1: More talk.\n";

static int exists(const char *dir, const char *name)
{
    char *p = rel_path_in(dir, name);
    struct stat st;
    int yes = stat(p, &st) == 0;
    free(p);
    return yes;
}

/* Whether dir/name holds exactly text. */
static int holds(const char *dir, const char *name, const char *text)
{
    char *p = rel_path_in(dir, name);
    int same = rel_file_equals(p, text, strlen(text));
    free(p);
    return same;
}

Test(outputs, bytes_replace_their_targets_only_when_committed)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "a.txt", "old a", 5));
    free(qct_write_file(dir, "b.txt", "old b", 5));
    char *a = rel_path_in(dir, "a.txt"), *b = rel_path_in(dir, "b.txt"), *c = rel_path_in(dir, "c.txt");
    qc_outputs *set = NULL;
    qc_error err;
    cr_assert_eq(qc_outputs_new(&set, &err), 0);
    cr_assert_eq(qc_outputs_write(set, a, "new a", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, b, "new b", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, c, "new c", 5, &err), 0, "%s", err.message);
    cr_expect(holds(dir, "a.txt", "old a") && holds(dir, "b.txt", "old b") && !exists(dir, "c.txt"),
              "a target changed before the commit");
    cr_expect_eq(rel_temps_under(dir), 3, "each output waits as a temporary beside its target");
    cr_assert_eq(qc_outputs_commit(set, &err), 0, "%s", err.message);
    cr_expect(holds(dir, "a.txt", "new a") && holds(dir, "b.txt", "new b") && holds(dir, "c.txt", "new c"));
    cr_expect_eq(rel_temps_under(dir), 0);
    /* Emptied by the commit: used again, freed uncommitted, it changes nothing more. */
    cr_assert_eq(qc_outputs_write(set, a, "newer", 5, &err), 0, "%s", err.message);
    qc_outputs_free(set);
    cr_expect(holds(dir, "a.txt", "new a"), "a set freed uncommitted replaced its output");
    cr_expect_eq(rel_temps_under(dir), 0, "a set freed uncommitted left its temporary");
    /* Without a set: written at once. */
    cr_assert_eq(qc_outputs_write(NULL, b, "now b", 5, &err), 0, "%s", err.message);
    cr_expect(holds(dir, "b.txt", "now b"));
    cr_expect_eq(qc_outputs_commit(NULL, &err), 0);
    qc_outputs_free(NULL);
    free(a);
    free(b);
    free(c);
    free(dir);
}

static int names_holding;
static const char *names_wanted;

static int count_holding(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    names_holding += strstr(path + ftw->base, names_wanted) != NULL;
    return 0;
}

/* How many names under dir hold `text`: ".old-" for the second names a commit keeps old targets under. */
static int names_under(const char *dir, const char *text)
{
    names_holding = 0;
    names_wanted = text;
    nftw(dir, count_holding, 16, FTW_PHYS);
    return names_holding;
}

/* Removes the one temporary of `target` (a name in dir) that is waiting in a set. */
static void remove_temporary_of(const char *dir, const char *target)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.tmp-", target);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            char *p = rel_path_in(dir, e->d_name);
            removed += unlink(p) == 0;
            free(p);
        }
    closedir(d);
    cr_assert_eq(removed, 1, "%s has no temporary", target);
}

/* a.txt is there, c.txt is not, b.txt's rename fails after theirs were done (its temporary
 * removed under the set): a.txt gets its old file back, c.txt goes again. */
Test(outputs, a_commit_that_fails_half_way_puts_back_what_it_replaced)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "a.txt", "old a", 5));
    free(qct_write_file(dir, "b.txt", "old b", 5));
    char *a = rel_path_in(dir, "a.txt"), *b = rel_path_in(dir, "b.txt"), *c = rel_path_in(dir, "c.txt");
    qc_outputs *set = NULL;
    qc_error err;
    cr_assert_eq(qc_outputs_new(&set, &err), 0);
    cr_assert_eq(qc_outputs_write(set, a, "new a", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, c, "new c", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, b, "new b", 5, &err), 0, "%s", err.message);
    remove_temporary_of(dir, "b.txt");
    cr_expect_eq(qc_outputs_commit(set, &err), QC_ERR_IO);
    cr_expect_str_eq(err.file, b);
    cr_expect_str_eq(err.message, "cannot write output: No such file or directory; no output was changed");
    cr_expect(holds(dir, "a.txt", "old a"), "a.txt was left replaced");
    cr_expect(holds(dir, "b.txt", "old b"));
    cr_expect(!exists(dir, "c.txt"), "c.txt, not there before, was left");
    cr_expect_eq(rel_temps_under(dir), 0);
    cr_expect_eq(names_under(dir, ".old-"), 0, "a backup was left");
    /* The set is empty again, and works: all three are replaced, no backup left. */
    cr_assert_eq(qc_outputs_write(set, a, "new a", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, c, "new c", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, b, "new b", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_commit(set, &err), 0, "%s", err.message);
    cr_expect(holds(dir, "a.txt", "new a") && holds(dir, "b.txt", "new b") && holds(dir, "c.txt", "new c"));
    cr_expect_eq(rel_temps_under(dir), 0);
    cr_expect_eq(names_under(dir, ".old-"), 0, "a backup was left");
    qc_outputs_free(set);
    free(a);
    free(b);
    free(c);
    free(dir);
}

/* A target made a folder after its output was written stops the commit before anything is replaced,
 * and names it. */
Test(outputs, a_target_made_a_folder_stops_the_commit_before_it_replaces_anything)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "a.txt", "old a", 5));
    free(qct_write_file(dir, "b.txt", "old b", 5));
    char *a = rel_path_in(dir, "a.txt"), *b = rel_path_in(dir, "b.txt");
    qc_outputs *set = NULL;
    qc_error err;
    cr_assert_eq(qc_outputs_new(&set, &err), 0);
    cr_assert_eq(qc_outputs_write(set, a, "new a", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, b, "new b", 5, &err), 0, "%s", err.message);
    cr_assert_eq(unlink(b), 0);
    cr_assert_eq(mkdir(b, 0755), 0);
    cr_expect_eq(qc_outputs_commit(set, &err), QC_ERR_IO);
    cr_expect_str_eq(err.file, b);
    cr_expect_str_eq(err.message, "cannot write output: it is a folder; no output was changed");
    cr_expect(holds(dir, "a.txt", "old a"), "a.txt was replaced");
    struct stat st;
    cr_expect(stat(b, &st) == 0 && S_ISDIR(st.st_mode));
    cr_expect_eq(rel_temps_under(dir), 0);
    cr_expect_eq(names_under(dir, ".old-"), 0, "a backup was left");
    qc_outputs_free(set);
    free(a);
    free(b);
    free(dir);
}

/* In the child, as uid 65534: a.txt (root's, which protected_hardlinks forbids linking) cannot be
 * kept, b.txt (65534's) can. Written a first, a is renamed last: b's rename failing (its temporary
 * removed) leaves a untouched. Then a commit that succeeds replaces both. Exits with a bit for each
 * expectation that failed. */
static int unkept_as_nobody(const char *dir, const char *a, const char *b)
{
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 64;
    int bad = 0;
    qc_outputs *set = NULL;
    qc_error err;
    if (qc_outputs_new(&set, &err) != 0 || qc_outputs_write(set, a, "new a", 5, &err) != 0 ||
        qc_outputs_write(set, b, "new b", 5, &err) != 0)
        return 65;
    remove_temporary_of(dir, "b.txt");
    bad |= qc_outputs_commit(set, &err) != QC_ERR_IO || strcmp(err.file, b) != 0;
    bad |= (!holds(dir, "a.txt", "old a") || !holds(dir, "b.txt", "old b")) << 1;
    bad |= (rel_temps_under(dir) != 0 || names_under(dir, ".old-") != 0) << 2;
    if (qc_outputs_write(set, a, "new a", 5, &err) != 0 || qc_outputs_write(set, b, "new b", 5, &err) != 0)
        return 66;
    bad |= (qc_outputs_commit(set, &err) != 0) << 3;
    bad |= (!holds(dir, "a.txt", "new a") || !holds(dir, "b.txt", "new b")) << 4;
    bad |= (rel_temps_under(dir) != 0 || names_under(dir, ".old-") != 0) << 5;
    qc_outputs_free(set);
    return bad;
}

/* A target whose old file cannot be kept under a second name (no hard links there: FAT, or
 * protected_hardlinks for a file of another user) is replaced after every other, so a failure
 * among the others still changes nothing. Needs root, to make a file of another user. */
Test(outputs, a_target_that_cannot_be_kept_is_replaced_last)
{
    FILE *f = fopen("/proc/sys/fs/protected_hardlinks", "r");
    int protected_links = f && fgetc(f) == '1';
    if (f)
        fclose(f);
    if (geteuid() != 0 || !protected_links)
        cr_skip_test("needs root and fs.protected_hardlinks = 1");
    char *dir = qct_temp_dir();
    cr_assert_eq(chmod(dir, 0777), 0);
    free(qct_write_file(dir, "a.txt", "old a", 5));
    free(qct_write_file(dir, "b.txt", "old b", 5));
    char *a = rel_path_in(dir, "a.txt"), *b = rel_path_in(dir, "b.txt");
    cr_assert_eq(chown(b, 65534, 65534), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0)
        _exit(unkept_as_nobody(dir, a, b));
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "as uid 65534: status %d (1: the commit did not fail on b.txt; 2: a target changed; 4: a temporary "
              "or backup left; 8: the second commit failed; 16: not replaced; 32: left after it)",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    free(a);
    free(b);
    free(dir);
}

Test(outputs, a_set_freed_uncommitted_changes_nothing)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "a.txt", "old a", 5));
    char *a = rel_path_in(dir, "a.txt"), *b = rel_path_in(dir, "b.txt");
    qc_outputs *set = NULL;
    qc_error err;
    cr_assert_eq(qc_outputs_new(&set, &err), 0);
    cr_assert_eq(qc_outputs_write(set, a, "new a", 5, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, b, "new b", 5, &err), 0, "%s", err.message);
    qc_outputs_free(set);
    cr_expect(holds(dir, "a.txt", "old a"));
    cr_expect(!exists(dir, "b.txt"));
    cr_expect_eq(rel_temps_under(dir), 0);
    free(a);
    free(b);
    free(dir);
}

/* Write options into a new set (*set, to free). */
static qc_write_options options_into(qc_outputs **set)
{
    qc_error err;
    cr_assert_eq(qc_outputs_new(set, &err), 0);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.outputs = *set;
    return wo;
}

/* Results of one small document, coded by the library; streamed to results.xml of format 2 at
 * `stream` with wo when it is not NULL. */
static qc_results *small_results(const char *dir, qc_codebook **cb, const char *stream, const qc_write_options *wo)
{
    qc_error err;
    char *doc = qct_write_file(dir, "talk.txt", doc_src, strlen(doc_src));
    cr_assert_eq(qc_codebook_load_buffer(cb, "o.qcb", codebook_src, strlen(codebook_src), NULL, &err), 0, "%s",
                 err.message);
    qc_results_options ro = QC_RESULTS_OPTIONS_INIT;
    ro.stream_only = stream != NULL;
    qc_results *res = NULL;
    cr_assert_eq(qc_results_new_opts(&res, *cb, NULL, &ro, &err), 0, "%s", err.message);
    if (stream)
        cr_assert_eq(qc_results_stream_xml(res, stream, wo, &err), 0, "%s", err.message);
    qc_run_options run = QC_RUN_OPTIONS_INIT;
    run.on_document = qc_results_add_fn;
    run.user = res;
    const char *paths[] = {doc};
    cr_assert_eq(qc_corpus_run(paths, 1, *cb, NULL, &run, NULL, &err), 0, "%s", err.message);
    free(doc);
    return res;
}

/* results.xml, the tables (in a folder the writer makes), a .qdpx, a .qde and a .qdc, all into set. */
static void write_everything(const char *out, qc_results *res, const qc_codebook *cb, qc_outputs *set)
{
    qc_error err;
    char *xml = rel_path_in(out, "results.xml"), *tsv = rel_path_in(out, "tsv");
    char *qdpx = rel_path_in(out, "p.qdpx"), *qde = rel_path_in(out, "p.qde"), *qdc = rel_path_in(out, "c.qdc");
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.outputs = set;
    cr_assert_eq(qc_results_write_xml(res, xml, &wo, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_write_tsv_opts(res, tsv, &wo, &err), 0, "%s", err.message);
    qc_refi_options xo = QC_REFI_OPTIONS_INIT;
    xo.outputs = set;
    qc_refi_export *x = NULL;
    cr_assert_eq(qc_refi_export_new(&x, cb, NULL, &xo, &err), 0, "%s", err.message);
    cr_assert_eq(qc_refi_export_write(x, qdpx, &err), 0, "%s", err.message);
    cr_assert_eq(qc_refi_export_write_qde(x, qde, &err), 0, "%s", err.message);
    qc_refi_export_free(x);
    cr_assert_eq(qc_refi_export_qdc(cb, qdc, &xo, &err), 0, "%s", err.message);
    free(xml);
    free(tsv);
    free(qdpx);
    free(qde);
    free(qdc);
}

static const char *const written[] = {"results.xml",
                                      "tsv/frequencies.tsv",
                                      "tsv/quotations.tsv",
                                      "tsv/by-attribute.tsv",
                                      "tsv/cooccurrence.tsv",
                                      "tsv/respondent-matrix.tsv",
                                      "p.qdpx",
                                      "p.qde",
                                      "c.qdc"};

Test(outputs, every_writer_joins_the_set)
{
    char *dir = qct_temp_dir();
    char *out = rel_path_in(dir, "out");
    cr_assert_eq(mkdir(out, 0755), 0);
    qc_codebook *cb = NULL;
    qc_results *res = small_results(dir, &cb, NULL, NULL);
    qc_outputs *set = NULL;
    qc_error err;
    cr_assert_eq(qc_outputs_new(&set, &err), 0);
    write_everything(out, res, cb, set);
    for (size_t i = 0; i < sizeof written / sizeof *written; i++)
        cr_expect(!exists(out, written[i]), "%s is there before the commit", written[i]);
    cr_expect_eq(rel_temps_under(out), (int)(sizeof written / sizeof *written));
    cr_assert_eq(qc_outputs_commit(set, &err), 0, "%s", err.message);
    for (size_t i = 0; i < sizeof written / sizeof *written; i++)
        cr_expect(exists(out, written[i]), "%s is missing after the commit", written[i]);
    cr_expect_eq(rel_temps_under(out), 0);

    /* Again into another folder, the set freed: nothing, not even the tables' folder. */
    char *out2 = rel_path_in(dir, "out2");
    cr_assert_eq(mkdir(out2, 0755), 0);
    write_everything(out2, res, cb, set);
    qc_outputs_free(set);
    char names[1024];
    cr_expect_eq(rel_list_dir(out2, names, sizeof names), 0, "a set freed uncommitted left:\n%s", names);
    qc_results_free(res);
    qc_codebook_free(cb);
    free(out);
    free(out2);
    free(dir);
}

Test(outputs, a_stream_joins_the_set_of_its_options)
{
    char *dir = qct_temp_dir();
    char *xml = rel_path_in(dir, "results.xml");
    qc_outputs *set = NULL;
    qc_error err;
    qc_write_options wo = options_into(&set);
    wo.format = 2;
    qc_codebook *cb = NULL;
    qc_results *res = small_results(dir, &cb, xml, &wo);
    cr_assert_eq(qc_results_write_xml(res, xml, &wo, &err), 0, "%s", err.message);
    cr_expect(!exists(dir, "results.xml"), "the finished stream replaced its target before the commit");
    cr_assert_eq(qc_outputs_commit(set, &err), 0, "%s", err.message);
    cr_expect(exists(dir, "results.xml"));
    cr_expect_eq(rel_temps_under(dir), 0);
    qc_results_free(res);
    qc_outputs_free(set);
    qc_codebook_free(cb);
    free(xml);
    free(dir);
}

Test(outputs, options_of_an_earlier_version_have_no_set)
{
    /* Built before the field was there, a caller's struct ends before it: what lies there is not
     * read (here a set, which the writer must leave alone). */
    char *dir = qct_temp_dir();
    qc_codebook *cb = NULL;
    qc_results *res = small_results(dir, &cb, NULL, NULL);
    qc_outputs *set = NULL;
    qc_error err;
    qc_write_options wo = options_into(&set);
    wo.version = 3;
    char *xml = rel_path_in(dir, "results.xml"), *tsv = rel_path_in(dir, "tsv"), *qdc = rel_path_in(dir, "c.qdc");
    cr_assert_eq(qc_results_write_xml(res, xml, &wo, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_write_tsv_opts(res, tsv, &wo, &err), 0, "%s", err.message);
    qc_refi_options xo = QC_REFI_OPTIONS_INIT;
    xo.version = 1;
    xo.outputs = set;
    cr_assert_eq(qc_refi_export_qdc(cb, qdc, &xo, &err), 0, "%s", err.message);
    qc_outputs_free(set);
    cr_expect(exists(dir, "results.xml") && exists(dir, "tsv/quotations.tsv") && exists(dir, "c.qdc"),
              "version 3 write options or version 1 REFI options put the file in a set");
    cr_expect_eq(rel_temps_under(dir), 0);
    qc_results_free(res);
    qc_codebook_free(cb);
    free(xml);
    free(tsv);
    free(qdc);
    free(dir);
}

/* --- leftovers of interrupted runs (docs/reliability.md) --- */

/* qcode's mark on dir/name, as a run gives each temporary and backup name it makes
 * (engine/leftovers.h): the attribute user.qcode.SUFFIX (tmp-XXXXXX, old-XXXXXX) holding `as`, the
 * name itself for a true mark. */
static void mark_as(const char *dir, const char *name, const char *as)
{
    char *p = rel_path_in(dir, name);
    char attr[64];
    snprintf(attr, sizeof attr, "user.qcode.%s", name + strlen(name) - 10);
    cr_assert_eq(setxattr(p, attr, as, strlen(as), 0), 0,
                 "cannot set %s on %s (a file system without user extended attributes?): %s", attr, p, strerror(errno));
    free(p);
}

static void mark(const char *dir, const char *name)
{
    mark_as(dir, name, name);
}

/* Whether dir/name carries any attribute of qcode's. */
static int carries_a_mark(const char *dir, const char *name)
{
    char *p = rel_path_in(dir, name);
    char list[4096];
    ssize_t n = listxattr(p, list, sizeof list);
    free(p);
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
        if (strncmp(list + i, "user.qcode.", 11) == 0)
            return 1;
    return 0;
}

/* A live run's hold on dir/name, as a run keeps one on each of its temporaries and backups (a
 * shared flock for as long as the name matters to it): a child process that locks the file and
 * waits to be killed. */
static pid_t hold_as_live_run(const char *dir, const char *name)
{
    char *p = rel_path_in(dir, name);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(p, O_RDONLY);
        if (fd < 0 || flock(fd, LOCK_SH) != 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char c = 0;
    cr_assert_eq(read(ready[0], &c, 1), 1, "the holder of %s did not start", p);
    close(ready[0]);
    close(ready[1]);
    free(p);
    return pid;
}

static void end_run(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

/* Runs that die as a SIGKILL ends them, with nothing of their own cleaned: one that wrote a.txt
 * into a set and ended before its commit (its temporary stays), and one stopped inside its commit
 * (QCODE_TEST_STOP_IN_COMMIT_AFTER) once a.txt was replaced and c.txt not yet, then killed: a.txt's
 * old file stays under its backup name, c.txt's temporary and its backup (a second name of c.txt)
 * too. */
static void die_writing_a_and_c(const char *a, const char *c)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        qc_outputs *set = NULL;
        qc_error err;
        if (qc_outputs_new(&set, &err) != 0 || qc_outputs_write(set, a, "half a", 6, &err) != 0)
            _exit(1);
        _exit(0);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the run writing a.txt failed");
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("QCODE_TEST_STOP_IN_COMMIT_AFTER", "a.txt", 1);
        qc_outputs *set = NULL;
        qc_error err;
        if (qc_outputs_new(&set, &err) != 0 || qc_outputs_write(set, a, "killed a", 8, &err) != 0 ||
            qc_outputs_write(set, c, "killed c", 8, &err) != 0)
            _exit(1);
        qc_outputs_commit(set, &err);
        _exit(2); /* never: it stops in the commit and is killed there */
    }
    while (waitpid(pid, &st, WUNTRACED) < 0 && errno == EINTR) {
    }
    cr_assert(WIFSTOPPED(st), "the run never stopped in its commit (status %d)", st);
    end_run(pid);
}

/* Names that only look like leftovers of a.txt, or are not a dead run's: they stay. A user's own
 * file named exactly like one (a.txt.old-2024ab, no mark) is among them; so is a file marked as
 * another name (its mark copied with it), a folder with no mark, and marked folders holding what
 * an import never writes (a symbolic link, folders two deep). */
static const char *const lookalikes[] = {"a.txt.tmp-AbC12",  "a.txt.tmp-AbC1234", "a.txt.old-Ab_123",
                                         "a.txt.bak-AbC123", "b.txt.tmp-Qw1234",  "a.txt.tmp-Dir123",
                                         "a.txt.tmp-Lnk123", "xa.txt.tmp-AbC123", "a.txt.old-2024ab",
                                         "a.txt.tmp-Cpy123", "a.txt.tmp-LnkDir",  "a.txt.tmp-Deep12"};

Test(outputs, leftovers_of_interrupted_runs_go_when_the_target_is_replaced_never_a_live_runs)
{
    char *dir = qct_temp_dir();
    char *a = rel_path_in(dir, "a.txt"), *c = rel_path_in(dir, "c.txt");
    free(qct_write_file(dir, "a.txt", "old a", 5));
    free(qct_write_file(dir, "c.txt", "old c", 5));
    free(qct_write_file(dir, "outside.txt", "not qcode's", 11));
    die_writing_a_and_c(a, c);
    char dead[1024];
    cr_assert_eq(rel_list_dir(dir, dead, sizeof dead), 7, "what the dead runs left:\n%s", dead);
    cr_assert(holds(dir, "a.txt", "killed a") && holds(dir, "c.txt", "old c"), "the commit stopped elsewhere");
    /* A dead import's folder named as a temporary of a.txt, marked: it goes with what it holds. */
    char *imp = rel_path_in(dir, "a.txt.tmp-Imp123");
    cr_assert_eq(mkdir(imp, 0755), 0);
    free(qct_write_file(imp, "codebook.qcb", "x", 1));
    free(qct_write_file(imp, "sources/s.txt", "x", 1));
    mark(dir, "a.txt.tmp-Imp123");
    for (size_t i = 0; i < sizeof lookalikes / sizeof *lookalikes; i++) {
        char *p = rel_path_in(dir, lookalikes[i]);
        if (strstr(p, "Dir123")) {
            cr_assert_eq(mkdir(p, 0755), 0);
        } else if (strstr(p, "Lnk123")) {
            cr_assert_eq(symlink("a.txt.tmp-AbC12", p), 0);
        } else if (strstr(p, "LnkDir")) {
            cr_assert_eq(mkdir(p, 0755), 0);
            char *in = rel_path_in(p, "codebook.qcb");
            cr_assert_eq(symlink("../outside.txt", in), 0);
            free(in);
            mark(dir, lookalikes[i]);
        } else if (strstr(p, "Deep12")) {
            cr_assert_eq(mkdir(p, 0755), 0);
            free(qct_write_file(p, "sources/deeper/s.txt", "x", 1));
            mark(dir, lookalikes[i]);
        } else {
            free(qct_write_file(dir, lookalikes[i], "mine", 4));
        }
        free(p);
    }
    mark_as(dir, "a.txt.tmp-Cpy123", "a.txt.tmp-Other1");
    mark(dir, "b.txt.tmp-Qw1234"); /* a dead run's, but of another target */
    /* A marked file of another user (as root only: anyone else can make no such file). */
    int root = geteuid() == 0;
    if (root) {
        free(qct_write_file(dir, "a.txt.tmp-Others", "theirs", 6));
        mark(dir, "a.txt.tmp-Others");
        char *p = rel_path_in(dir, "a.txt.tmp-Others");
        cr_assert_eq(chown(p, 65534, 65534), 0);
        free(p);
    }
    free(qct_write_file(dir, "a.txt.tmp-Liv123", "being written", 13));
    free(qct_write_file(dir, "a.txt.old-Liv456", "being kept", 10));
    mark(dir, "a.txt.tmp-Liv123");
    mark(dir, "a.txt.old-Liv456");
    pid_t live = hold_as_live_run(dir, "a.txt.tmp-Liv123");
    pid_t live_old = hold_as_live_run(dir, "a.txt.old-Liv456");

    /* Replaced without a set: the dead runs' files of a.txt go, the live runs' stay, c.txt's stay,
     * lookalikes stay. */
    qc_error err;
    cr_assert_eq(qc_outputs_write(NULL, a, "new a", 5, &err), 0, "%s", err.message);
    cr_expect(holds(dir, "a.txt", "new a"));
    cr_expect(!carries_a_mark(dir, "a.txt"), "the output kept its temporary's mark");
    for (char *line = dead; *line;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        if (strncmp(line, "a.txt.", 6) == 0 && strcmp(line, "a.txt") != 0)
            cr_expect(!exists(dir, line), "%s, left by a dead run, stayed", line);
        else if (strncmp(line, "c.txt.", 6) == 0)
            cr_expect(exists(dir, line), "%s, a leftover of c.txt, went with a.txt's", line);
        line = end + 1;
    }
    cr_expect(!exists(dir, "a.txt.tmp-Imp123"), "a dead import's folder stayed");
    for (size_t i = 0; i < sizeof lookalikes / sizeof *lookalikes; i++) {
        struct stat st;
        char *p = rel_path_in(dir, lookalikes[i]);
        cr_expect_eq(lstat(p, &st), 0, "%s is no leftover of a.txt, yet it went", lookalikes[i]);
        free(p);
    }
    cr_expect(holds(dir, "a.txt.old-2024ab", "mine"), "a user's file named like a backup changed");
    cr_expect(holds(dir, "outside.txt", "not qcode's"), "what a link in a marked folder leads to changed");
    cr_expect(holds(dir, "a.txt.tmp-Deep12/sources/deeper/s.txt", "x"),
              "a folder holding what no import writes was emptied");
    cr_expect(!root || holds(dir, "a.txt.tmp-Others", "theirs"), "another user's file went");
    cr_expect(holds(dir, "a.txt.tmp-Liv123", "being written"), "a live run's temporary was removed");
    cr_expect(holds(dir, "a.txt.old-Liv456", "being kept"), "a live run's backup was removed");

    /* Those runs end (as a SIGKILL ends them: no cleanup of their own); the next commit of a set
     * that replaces a.txt and c.txt removes their files and c.txt's. */
    end_run(live);
    end_run(live_old);
    qc_outputs *set = NULL;
    cr_assert_eq(qc_outputs_new(&set, &err), 0);
    cr_assert_eq(qc_outputs_write(set, a, "newer a", 7, &err), 0, "%s", err.message);
    cr_assert_eq(qc_outputs_write(set, c, "new c", 5, &err), 0, "%s", err.message);
    cr_expect(exists(dir, "a.txt.tmp-Liv123"), "removed before the set replaced a.txt");
    cr_assert_eq(qc_outputs_commit(set, &err), 0, "%s", err.message);
    qc_outputs_free(set);
    cr_expect(holds(dir, "a.txt", "newer a") && holds(dir, "c.txt", "new c"));
    cr_expect(!carries_a_mark(dir, "a.txt") && !carries_a_mark(dir, "c.txt"), "an output kept a mark");
    cr_expect(!exists(dir, "a.txt.tmp-Liv123") && !exists(dir, "a.txt.old-Liv456"), "what the ended runs left stayed");
    char names[2048];
    long n = rel_list_dir(dir, names, sizeof names);
    cr_expect_eq(n, 3 + (long)(sizeof lookalikes / sizeof *lookalikes) + root,
                 "left: the outputs, outside.txt, the lookalikes (and another user's file) only:\n%s", names);
    free(imp);
    free(a);
    free(c);
    rel_rm_tree(dir);
    free(dir);
}

/* --- a signal handler that gives up waiting for a commit (engine/temp_files.c) --- */

/* What a program's handler does (tools/interrupt.c): the temporaries go, the old outputs are put
 * back, and the process ends. */
static void remove_and_end(int sig)
{
    (void)sig;
    qc_temp_files_remove_all();
    _exit(143);
}

/* A thread that takes the signal while the committing thread has all of its own blocked. */
static void *idle(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A commit stalls (a hung file system: QCODE_TEST_STALL_COMMIT_AFTER) after replacing a.txt, its
 * signals blocked; SIGTERM reaches the program's other thread. The handler waits 2 s for the
 * commit, gives up, and puts the kept old a.txt back over the new one; b.txt, not replaced yet,
 * loses only its second name; no temporary and no backup is left, and the process ends. */
Test(outputs, a_handler_that_gives_up_waiting_for_a_commit_puts_the_old_outputs_back, .timeout = 30)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "a.txt", "old a", 5));
    free(qct_write_file(dir, "b.txt", "old b", 5));
    char *a = rel_path_in(dir, "a.txt"), *b = rel_path_in(dir, "b.txt");
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = remove_and_end;
        sigemptyset(&sa.sa_mask);
        pthread_t t;
        qc_outputs *set = NULL;
        qc_error err;
        if (sigaction(SIGTERM, &sa, NULL) != 0 || pthread_create(&t, NULL, idle, NULL) != 0 ||
            qc_outputs_new(&set, &err) != 0 || qc_outputs_write(set, a, "new a", 5, &err) != 0 ||
            qc_outputs_write(set, b, "new b", 5, &err) != 0)
            _exit(1);
        setenv("QCODE_TEST_STALL_COMMIT_AFTER", "a.txt", 1);
        qc_outputs_commit(set, &err);
        _exit(2); /* the stall ended before the handler: it did not give up in time */
    }
    /* The commit is stalled once a.txt is the new one. */
    double limit = now_seconds() + 10;
    while (!holds(dir, "a.txt", "new a") && now_seconds() < limit) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    cr_assert(holds(dir, "a.txt", "new a"), "the commit never replaced a.txt");
    double t0 = now_seconds();
    cr_assert_eq(kill(pid, SIGTERM), 0);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    double waited = now_seconds() - t0;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 143, "the process ended with status %d, not by the handler", st);
    cr_expect(waited >= 1.9, "the handler did not wait for the commit (%.2f s)", waited);
    cr_expect(holds(dir, "a.txt", "old a"), "a.txt, replaced before the handler gave up, was not put back");
    cr_expect(holds(dir, "b.txt", "old b"));
    char names[1024];
    cr_expect_eq(rel_list_dir(dir, names, sizeof names), 2, "left besides a.txt and b.txt:\n%s", names);
    free(a);
    free(b);
    free(dir);
}
