/* Faults from outside: a run killed with SIGKILL at any moment, a full disk (/dev/full, and a file
 * size limit on an ordinary file), a read-only folder, and hostile XML (external entities that
 * point at a secret file, entity bombs) and ZIP files (names that climb out with .., absolute
 * names, symbolic links). Each must leave the user's previous output whole, give a clear error
 * and exit 2, write nothing where it was not asked to, and leak nothing. */
#include "rel_helpers.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qc_test.h"

/* --- running qcode with faults around it --- */

typedef struct launch {
    long fsize_limit; /* RLIMIT_FSIZE in bytes, or 0 */
    int as_nobody;    /* drop to uid/gid 65534 (root bypasses folder permissions) */
    const char *stdout_to; /* a file or device opened for writing as stdout, or NULL: /dev/null */
} launch;

/* Starts qcode with argv (NULL-terminated, argv[0] ignored) with stdout to /dev/null (or
 * how->stdout_to) and stderr to err_path; returns the child's pid. */
static pid_t start_qcode(char *const argv[], const char *err_path, const launch *how)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int errfd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (devnull < 0 || errfd < 0)
            _exit(126);
        int outfd = how && how->stdout_to ? open(how->stdout_to, O_WRONLY | O_CREAT | O_TRUNC, 0644) : devnull;
        if (outfd < 0)
            _exit(126);
        dup2(devnull, 0);
        dup2(outfd, 1);
        dup2(errfd, 2);
        if (how && how->fsize_limit) {
            struct rlimit rl = {(rlim_t)how->fsize_limit, (rlim_t)how->fsize_limit};
            /* Left at its default action, which ends the process: qcode must ignore it itself
             * (tools/interrupt.c), so that writes past the limit fail with EFBIG, as on a full
             * disk. Ignoring it here hid a run killed by the signal with its temporary left. */
            signal(SIGXFSZ, SIG_DFL);
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(126);
        }
        if (how && how->as_nobody && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(125);
        execv(QCODE_BIN, argv);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_qcode(char *const argv[], const char *err_path, const launch *how)
{
    return wait_status(start_qcode(argv, err_path, how));
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* --- a corpus that takes a while --- */

static const char codebook_src[] = "codebook \"Faults\" version 1\n"
                                   "scope sentence\n"
                                   "code TEAM \"Team\"\n"
                                   "  rule \"same office\" OR co-locat* OR /shared\\s+base/\n"
                                   "  code TEAM.TALK \"Talk\"\n"
                                   "    rule {TEAM} AND talk*\n"
                                   "code STAFF \"Staff\"\n"
                                   "  rule staff* OR nurse* NEAR/3 short\n"
                                   "code WAIT \"Waiting\"\n"
                                   "  rule wait* OR weeks BEFORE/4 appointment\n";

/* Leftovers in the output folder other than the expected files: temporary files of killed runs
 * are allowed (named TARGET.tmp-XXXXXX: never read, see docs/reliability.md), and so is the second
 * name a commit keeps an old output under while it renames (TARGET.old-XXXXXX: a whole previous
 * output, left when the kill lands in those microseconds); anything else is not. */
static void check_leftovers(const char *dir, const char *const *expected, size_t *tmp_count)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
        int ok = 0;
        for (const char *const *x = expected; *x && !ok; x++) {
            size_t n = strlen(*x);
            if (strcmp(e->d_name, *x) == 0)
                ok = 1;
            else if (strncmp(e->d_name, *x, n) == 0 &&
                     (strncmp(e->d_name + n, ".tmp-", 5) == 0 || strncmp(e->d_name + n, ".old-", 5) == 0) &&
                     strlen(e->d_name + n) == 11) {
                ok = 1;
                (*tmp_count)++;
            }
        }
        cr_expect(ok, "unexpected file left in %s: %s", dir, e->d_name);
    }
    closedir(d);
}

/* Whether dir holds a temporary file of `target` (the run is writing it). */
static int writing(const char *dir, const char *target)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    size_t n = strlen(target);
    while (!found && (e = readdir(d)) != NULL)
        found = strncmp(e->d_name, target, n) == 0 && strncmp(e->d_name + n, ".tmp-", 5) == 0;
    closedir(d);
    return found;
}

/* Removes the temporary files killed runs left in dir (so that the next round sees only its own);
 * returns how many there were. */
static size_t remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".old-")) {
            char *p = rel_path_in(dir, e->d_name);
            cr_assert_eq(unlink(p), 0);
            free(p);
            n++;
        }
    }
    closedir(d);
    return n;
}

Test(faults, sigkill_at_any_moment_keeps_the_previous_output)
{
    char *dir = qct_temp_dir();
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    char *corpus = rel_make_corpus(dir, 24, 96);
    char *out = rel_path_in(dir, "out");
    cr_assert_eq(mkdir(out, 0755), 0);
    char *xml = rel_path_in(out, "results.xml");
    char *tsv = rel_path_in(out, "tsv");
    char *freq = rel_path_in(tsv, "frequencies.tsv");
    char *err_path = rel_path_in(dir, "stderr");
    char *first = rel_path_in(corpus, "interview-000.txt");
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1); /* the same bytes from every whole run */

    /* The previous outputs: a run on one document, so they differ from what the long run writes. */
    char *small[] = {"qcode", "code", "-c", cb, "-o", xml, "--tsv", tsv, first, NULL};
    cr_assert_eq(run_qcode(small, err_path, NULL), 0);
    size_t old_size = 0, old_tsv_size = 0;
    char *old = qct_read_file(xml, &old_size);
    char *old_tsv = qct_read_file(freq, &old_tsv_size);
    cr_assert_not_null(old);
    cr_assert_not_null(old_tsv);

    /* The new outputs, from a whole run (timed: the kills are spread over that time). Timed as the
     * killed runs start, over the previous outputs, twice and the shorter kept, so that the kills
     * do not come after most runs have finished. */
    char *full[] = {"qcode", "code", "-c", cb, "-o", xml, "--tsv", tsv, "--jobs", "2", corpus, NULL};
    double duration = 0;
    for (int r = 0; r < 2; r++) {
        free(qct_write_file(out, "results.xml", old, old_size));
        free(qct_write_file(tsv, "frequencies.tsv", old_tsv, old_tsv_size));
        double t0 = rel_seconds();
        cr_assert_eq(run_qcode(full, err_path, NULL), 0);
        double d = rel_seconds() - t0;
        duration = r == 0 || d < duration ? d : duration;
    }
    size_t new_size = 0, new_tsv_size = 0;
    char *fresh = qct_read_file(xml, &new_size);
    char *fresh_tsv = qct_read_file(freq, &new_tsv_size);
    cr_assert(new_size > 4 * old_size, "the long run should write more (%zu vs %zu bytes)", new_size, old_size);

    /* Over the first half more than the rest: the killed runs, writing over small previous
     * outputs, often finish in well under the time measured. */
    const double at[] = {0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99};
    const size_t moments = sizeof at / sizeof at[0];
    size_t kills = 0, killed_while_writing = 0, finished = 0, tmp_files = 0, kept_old = 0, got_new = 0;
    for (size_t i = 0; i <= moments; i++) {
        free(qct_write_file(out, "results.xml", old, old_size));
        free(qct_write_file(tsv, "frequencies.tsv", old_tsv, old_tsv_size));
        tmp_files += remove_stale(out) + remove_stale(tsv);
        pid_t pid = start_qcode(full, err_path, NULL);
        if (i < moments) {
            sleep_seconds(at[i] * duration);
        } else {
            /* Last: wait until results.xml is being written, then kill. */
            double limit = rel_seconds() + 10 * duration + 5;
            while (!writing(out, "results.xml") && rel_seconds() < limit)
                sleep_seconds(0.0002);
            killed_while_writing += writing(out, "results.xml");
        }
        kill(pid, SIGKILL);
        int st = wait_status(pid);
        kills += st == 128 + SIGKILL;
        finished += st == 0;
        cr_expect(st == 0 || st == 128 + SIGKILL, "exit %d", st);
        /* Each output is whole: the previous one, or the new one (an output may already be renamed
         * into place when the run is killed writing the next). */
        int is_old = rel_file_equals(xml, old, old_size), is_new = rel_file_equals(xml, fresh, new_size);
        cr_expect(is_old || is_new, "killed at %.0f%% of the run: results.xml is neither the previous nor the new one",
                  i < moments ? at[i] * 100 : 100.0);
        kept_old += is_old;
        got_new += is_new;
        cr_expect(rel_file_equals(freq, old_tsv, old_tsv_size) || rel_file_equals(freq, fresh_tsv, new_tsv_size),
                  "killed at %.0f%%: frequencies.tsv is partial", i < moments ? at[i] * 100 : 100.0);
        if (i == moments)
            cr_expect(is_old, "killed while writing results.xml, yet it changed");
    }
    tmp_files += remove_stale(out) + remove_stale(tsv);
    static const char *const out_files[] = {"results.xml", "tsv", NULL};
    check_leftovers(out, out_files, &tmp_files);
    static const char *const tsv_files[] = {"frequencies.tsv",  "by-attribute.tsv",      "quotations.tsv",
                                            "cooccurrence.tsv", "respondent-matrix.tsv", NULL};
    check_leftovers(tsv, tsv_files, &tmp_files);
    cr_assert_geq(kills, moments / 2, "only %zu of %zu runs were killed before they finished (run: %.2f s)", kills,
                  moments + 1, duration);
    cr_expect_eq(killed_while_writing, 1, "the run was never caught writing results.xml");

    /* A later run is not disturbed by what killed runs leave behind. */
    cr_assert_eq(run_qcode(full, err_path, NULL), 0);
    cr_expect(rel_file_equals(xml, fresh, new_size), "the run after the kills wrote other bytes");
    unsetenv("SOURCE_DATE_EPOCH");
    cr_log_info("SIGKILL: %zu runs killed (one while writing results.xml), %zu finished first; results.xml after a "
                "kill: %zu times the previous, %zu times the new one, never partial; %zu temporary files left by "
                "killed runs; a whole run takes %.2f s here",
                kills, finished, kept_old, got_new, tmp_files, duration);
    free(fresh);
    free(fresh_tsv);
    free(old);
    free(old_tsv);
    free(freq);
    free(first);
    free(err_path);
    free(tsv);
    free(xml);
    rel_rm_tree(dir);
    free(out);
    free(corpus);
    free(cb);
    free(dir);
}

/* --- what killed runs leave, and the next run --- */

/* Starts qcode with its test hook `hook` (an environment variable) set to value, and waits until
 * the hook stops it or it ends: *st says which. */
static pid_t start_with_hook(char *const argv[], const char *err_path, const char *hook, const char *value, int *st)
{
    setenv(hook, value, 1);
    pid_t pid = start_qcode(argv, err_path, NULL);
    unsetenv(hook);
    *st = 0;
    while (waitpid(pid, st, WUNTRACED) < 0 && errno == EINTR) {
    }
    return pid;
}

/* Starts qcode stopped (QCODE_TEST_STOP_AT_TEMP) just after it made a temporary whose name holds
 * `at`: a live run in the middle of writing it. */
static pid_t start_stopped_at(char *const argv[], const char *err_path, const char *at)
{
    int st;
    pid_t pid = start_with_hook(argv, err_path, "QCODE_TEST_STOP_AT_TEMP", at, &st);
    cr_assert(WIFSTOPPED(st), "the run never made its temporary %s* (status %d)", at, st);
    return pid;
}

/* The names in dir holding `part`, each followed by '\n', into buf. */
static void names_with(const char *dir, const char *part, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t len = 0;
    buf[0] = '\0';
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, part) && len + strlen(e->d_name) + 2 < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s\n", e->d_name);
    closedir(d);
}

/* Starts qcode stopped inside its commit (QCODE_TEST_STOP_IN_COMMIT_AFTER) just after it renamed
 * the output whose target holds `after`: the old outputs are kept under their backup names. */
static pid_t start_stopped_in_commit(char *const argv[], const char *err_path, const char *after)
{
    int st;
    pid_t pid = start_with_hook(argv, err_path, "QCODE_TEST_STOP_IN_COMMIT_AFTER", after, &st);
    cr_assert(WIFSTOPPED(st), "the run never stopped in its commit after %s (status %d)", after, st);
    return pid;
}

/* Two runs write the same outputs at once, and earlier runs were killed writing them: the run that
 * finishes removes what the killed runs left (their temporaries, the backups of a commit cut
 * short) and nothing of the run still writing, which then finishes as well; nor a user's file
 * that only looks like a leftover. */
Test(faults, the_next_run_removes_what_killed_runs_left_never_a_live_runs_files)
{
    char *dir = qct_temp_dir();
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    char *corpus = rel_make_corpus(dir, 2, 8);
    char *out = rel_path_in(dir, "out");
    cr_assert_eq(mkdir(out, 0755), 0);
    char *xml = rel_path_in(out, "results.xml"), *tsv = rel_path_in(out, "tsv");
    char *err_path = rel_path_in(dir, "stderr");
    char *argv[] = {"qcode", "code", "-c", cb, "-o", xml, "--tsv", tsv, corpus, NULL};
    cr_assert_eq(run_qcode(argv, err_path, NULL), 0);

    /* Killed with its results.xml written and a table being written; then one killed as it wrote
     * results.xml; then one killed inside its commit, results.xml replaced and the tables not yet
     * (that window is microseconds: the run stops itself there): it leaves the backups, a second
     * name of the previous results.xml and of each table, and the tables' temporaries. */
    pid_t k = start_stopped_at(argv, err_path, "frequencies.tsv.tmp-");
    kill(k, SIGKILL);
    cr_assert_eq(wait_status(k), 128 + SIGKILL);
    k = start_stopped_at(argv, err_path, "results.xml.tmp-");
    kill(k, SIGKILL);
    cr_assert_eq(wait_status(k), 128 + SIGKILL);
    k = start_stopped_in_commit(argv, err_path, "results.xml");
    kill(k, SIGKILL);
    cr_assert_eq(wait_status(k), 128 + SIGKILL);
    /* A user's own file named exactly like a backup: not qcode's, it stays. */
    char *mine = qct_write_file(out, "results.xml.old-2024ab", "my notes", 8);
    char dead[1024], dead_tsv[1024], dead_old[1024], dead_tsv_old[1024];
    names_with(out, ".old-", dead_old, sizeof dead_old);
    names_with(tsv, ".old-", dead_tsv_old, sizeof dead_tsv_old);
    cr_assert(strchr(dead_old, '\n') != strrchr(dead_old, '\n'), "the killed commit left no backup: %s", dead_old);
    cr_assert(dead_tsv_old[0], "the killed commit left no backup of the tables in %s", tsv);
    names_with(out, ".tmp-", dead, sizeof dead);
    names_with(tsv, ".tmp-", dead_tsv, sizeof dead_tsv);
    cr_assert(strchr(dead, '\n') != strrchr(dead, '\n'), "two killed runs left: %s", dead);
    cr_assert(dead_tsv[0], "the run killed writing the tables left nothing in %s", tsv);

    /* A live run, stopped as it writes results.xml, while another run writes the same outputs. */
    char *live_err = rel_path_in(dir, "live-stderr");
    pid_t live = start_stopped_at(argv, live_err, "results.xml.tmp-");
    char with_live[1024];
    names_with(out, ".tmp-", with_live, sizeof with_live);
    cr_assert_eq(run_qcode(argv, err_path, NULL), 0);
    char after[1024], after_old[256], after_tsv[1024], after_tsv_old[1024];
    names_with(out, ".tmp-", after, sizeof after);
    names_with(out, ".old-", after_old, sizeof after_old);
    names_with(tsv, ".tmp-", after_tsv, sizeof after_tsv);
    names_with(tsv, ".old-", after_tsv_old, sizeof after_tsv_old);
    /* The live run's temporary is the one name of with_live that dead does not have. */
    char live_tmp[1040] = "";
    for (char *line = with_live; *line;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        if (!strstr(dead, line))
            snprintf(live_tmp, sizeof live_tmp, "%s\n", line);
        line = end + 1;
    }
    cr_assert(live_tmp[0], "no temporary of the live run among: %s", dead);
    cr_expect_str_eq(after, live_tmp, "left beside results.xml: %s(the live run's: %s)", after, live_tmp);
    cr_expect_str_eq(after_old, "results.xml.old-2024ab\n", "beside results.xml (only the user's file stays): %s",
                     after_old);
    cr_expect(rel_file_equals(mine, "my notes", 8), "the user's file changed");
    cr_expect_str_eq(after_tsv, "", "a killed run's tables stayed: %s", after_tsv);
    cr_expect_str_eq(after_tsv_old, "", "a killed commit's backups of the tables stayed: %s", after_tsv_old);

    /* The live run goes on and finishes: nothing of it was taken. */
    cr_assert_eq(kill(live, SIGCONT), 0);
    int st = wait_status(live);
    char *live_says = qct_read_file(live_err, NULL);
    cr_expect_eq(st, 0, "the live run ended %d: %s", st, live_says);
    names_with(out, ".tmp-", after, sizeof after);
    cr_expect_str_eq(after, "", "left after both runs: %s", after);
    free(live_says);
    free(live_err);
    free(mine);
    free(err_path);
    free(xml);
    free(tsv);
    rel_rm_tree(dir);
    free(out);
    free(corpus);
    free(cb);
    free(dir);
}

/* Imports killed while they wrote their folder (DIR.tmp-XXXXXX, with the sources in it or still
 * empty): the next import into the same folder removes them, whole, and neither a live import's
 * folder nor a user's folder that only looks alike. */
Test(faults, the_next_import_removes_what_killed_imports_left_never_a_live_ones)
{
    char *dir = qct_temp_dir();
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    char *corpus = rel_make_corpus(dir, 3, 4);
    char *err_path = rel_path_in(dir, "stderr");
    char *qdpx = rel_path_in(dir, "p.qdpx"), *imported = rel_path_in(dir, "imported");
    char *code[] = {"qcode", "code", "-c", cb, "--qdpx", qdpx, corpus, NULL};
    cr_assert_eq(run_qcode(code, err_path, NULL), 0);
    char *import[] = {"qcode", "import", qdpx, "-o", imported, NULL};
    /* Killed as soon as its folder was made, and once it held the sources and the codebook was
     * being written. */
    pid_t k = start_stopped_at(import, err_path, "imported.tmp-");
    kill(k, SIGKILL);
    cr_assert_eq(wait_status(k), 128 + SIGKILL);
    k = start_stopped_at(import, err_path, "codebook.qcb.tmp-");
    kill(k, SIGKILL);
    cr_assert_eq(wait_status(k), 128 + SIGKILL);
    char dead[1024];
    names_with(dir, "imported.tmp-", dead, sizeof dead);
    cr_assert(strchr(dead, '\n') != strrchr(dead, '\n'), "two killed imports left: %s", dead);
    /* A user's folder named like one, with a file of theirs in it. */
    char *mine = qct_write_file(dir, "imported.tmp-Mine12/notes.txt", "mine", 4);
    /* A live import, stopped as it writes its codebook, while another imports into the same folder. */
    char *live_err = rel_path_in(dir, "live-stderr");
    pid_t live = start_stopped_at(import, live_err, "codebook.qcb.tmp-");
    char with_live[1024];
    names_with(dir, "imported.tmp-", with_live, sizeof with_live);
    cr_assert_eq(run_qcode(import, err_path, NULL), 0);
    char *codebook = rel_path_in(imported, "codebook.qcb");
    cr_expect_eq(access(codebook, F_OK), 0, "the import wrote no codebook");
    char after[1024], live_folder[1040] = "";
    names_with(dir, "imported.tmp-", after, sizeof after);
    for (char *line = with_live; *line;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        if (!strstr(dead, line) && strcmp(line, "imported.tmp-Mine12") != 0)
            snprintf(live_folder, sizeof live_folder, "%s\n", line);
        line = end + 1;
    }
    cr_assert(live_folder[0], "no folder of the live import among: %s", dead);
    char want[2200];
    snprintf(want, sizeof want, "%simported.tmp-Mine12\n", live_folder);
    char other[2200];
    snprintf(other, sizeof other, "imported.tmp-Mine12\n%s", live_folder);
    cr_expect(strcmp(after, want) == 0 || strcmp(after, other) == 0,
              "left beside the import: %s(the live import's: %s, the user's: imported.tmp-Mine12)", after, live_folder);
    cr_expect(rel_file_equals(mine, "mine", 4), "the user's file changed");
    /* The live import goes on: its target is taken now (it looked before it was), so its rename
     * fails and it removes its own folder. */
    cr_assert_eq(kill(live, SIGCONT), 0);
    int st = wait_status(live);
    char *live_says = qct_read_file(live_err, NULL);
    cr_expect_eq(st, 2, "the live import ended %d: %s", st, live_says);
    cr_expect(qct_contains(live_says, "cannot move the import into place"), "the live import says: %s", live_says);
    names_with(dir, "imported.tmp-", after, sizeof after);
    cr_expect_str_eq(after, "imported.tmp-Mine12\n", "left after both imports: %s", after);
    free(live_says);
    free(live_err);
    free(codebook);
    free(mine);
    free(err_path);
    free(qdpx);
    free(imported);
    rel_rm_tree(dir);
    free(corpus);
    free(cb);
    free(dir);
}

/* What a test of `export` starts from: in a fresh folder dir, the codebook cb.qcb, a corpus of
 * `files` transcripts (rel_make_corpus), its results coded into r.xml (xml), an empty folder out
 * for the exports, and a file for a run's stderr (err_path). */
typedef struct coded {
    char *dir, *cb, *corpus, *err_path, *xml, *out;
} coded;

static void code_for_export(coded *e, int files)
{
    e->dir = qct_temp_dir();
    e->cb = qct_write_file(e->dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    e->corpus = rel_make_corpus(e->dir, files, 4);
    e->err_path = rel_path_in(e->dir, "stderr");
    e->xml = rel_path_in(e->dir, "r.xml");
    char *code[] = {"qcode", "code", "-c", e->cb, "-o", e->xml, e->corpus, NULL};
    cr_assert_eq(run_qcode(code, e->err_path, NULL), 0);
    e->out = rel_path_in(e->dir, "out");
    cr_assert_eq(mkdir(e->out, 0755), 0);
}

/* Removes the folder and frees the names. */
static void coded_free(coded *e)
{
    rel_rm_tree(e->dir);
    free(e->out);
    free(e->xml);
    free(e->err_path);
    free(e->corpus);
    free(e->cb);
    free(e->dir);
}

/* A checked export (--check) waits as the target's own temporary until its check passes: killed
 * there, it leaves TARGET.tmp-XXXXXX, which the next export of the target removes. It wrote
 * OUT.check-XXXXXX.EXT of its own (and, inside, the library's temporary of that name), which no run
 * ever removed. */
Test(faults, a_killed_checked_export_leaves_nothing_the_next_export_keeps)
{
    coded e;
    code_for_export(&e, 2);
    char *qdpx = rel_path_in(e.out, "p.qdpx"), *qdc = rel_path_in(e.out, "c.qdc");
    char *to_qdpx[] = {"qcode", "export", "--check", "--qdpx", qdpx, e.xml, NULL};
    char *to_qdc[] = {"qcode", "export", "--check", "--qdc", qdc, e.cb, NULL};
    char **runs[] = {to_qdpx, to_qdc};
    const char *stops[] = {"p.qdpx", "c.qdc"};
    for (size_t i = 0; i < 2; i++) {
        pid_t k = start_stopped_at(runs[i], e.err_path, stops[i]);
        kill(k, SIGKILL);
        cr_assert_eq(wait_status(k), 128 + SIGKILL);
    }
    char names[1024];
    long left = rel_list_dir(e.out, names, sizeof names);
    cr_assert_geq(left, 2, "the killed exports left nothing to remove:\n%s", names);
    for (size_t i = 0; i < 2; i++) {
        int rc = run_qcode(runs[i], e.err_path, NULL);
        char *says = qct_read_file(e.err_path, NULL);
        cr_expect_eq(rc, 0, "%s: exit %d: %s", stops[i], rc, says);
        cr_expect(qct_contains(says, "0 errors"), "%s: %s", stops[i], says);
        free(says);
    }
    cr_expect_eq(rel_list_dir(e.out, names, sizeof names), 2, "left beside the exports:\n%s", names);
    free(qdpx);
    free(qdc);
    coded_free(&e);
}

Test(faults, full_disk_is_a_clear_error)
{
    char *dir = qct_temp_dir();
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    char *corpus = rel_make_corpus(dir, 2, 8);
    char *err_path = rel_path_in(dir, "stderr");
    char *full = qct_full_device(dir);

    char *to_full[] = {"qcode", "code", "-c", cb, "-o", full, corpus, NULL};
    cr_assert_eq(run_qcode(to_full, err_path, NULL), 2);
    char *err = qct_read_file(err_path, NULL);
    cr_expect(qct_contains(err, "error: cannot write"), "stderr: %s", err);
    /* The library never prints (libxml2 would say "I/O error"), and the cause reaches the user. */
    cr_expect(!qct_contains(err, "I/O error :"), "the library printed: %s", err);
    cr_expect(qct_contains(err, "No space left on device"), "stderr: %s", err);
    struct stat st;
    cr_assert_eq(stat(full, &st), 0);
    cr_expect(S_ISCHR(st.st_mode), "%s is no longer a device", full);
    free(err);

    /* The .qdpx too: libzip builds it under a temporary name, which used to be renamed over the
     * device (exit 0, the node replaced by a file, /dev/null itself when run as root). */
    char *qdpx_to_full[] = {"qcode", "code", "-c", cb, "--qdpx", full, corpus, NULL};
    cr_expect_eq(run_qcode(qdpx_to_full, err_path, NULL), 2);
    err = qct_read_file(err_path, NULL);
    cr_expect(qct_contains(err, "No space left on device"), "--qdpx: stderr: %s", err);
    cr_assert_eq(stat(full, &st), 0);
    cr_expect(S_ISCHR(st.st_mode), "--qdpx: %s is no longer a device", full);
    free(err);

    /* The writers of whole texts (the diff, the re-code report, .qdc) say why too; they said
     * "cannot write FILE" or "cannot write output" when the text outgrew stdio's buffer. */
    char *v1 = qct_source_path("codebooks/integrated-care-v1.qcb");
    char *v3 = qct_source_path("codebooks/integrated-care.qcb");
    char *diff_to_full[] = {"qcode", "diff", v1, v3, "-o", full, NULL};
    char *qdc_to_full[] = {"qcode", "export", "--qdc", full, v3, NULL};
    char **whole_texts[] = {diff_to_full, qdc_to_full};
    for (size_t i = 0; i < 2; i++) {
        cr_expect_eq(run_qcode(whole_texts[i], err_path, NULL), 2, "%s", whole_texts[i][1]);
        err = qct_read_file(err_path, NULL);
        cr_expect(qct_contains(err, "No space left on device"), "%s: stderr: %s", whole_texts[i][1], err);
        free(err);
    }
    free(v1);
    free(v3);

    /* A full disk under an ordinary file (a file size limit fails the writes the same way), at
     * several sizes short of the whole output: exit 2, the previous results.xml untouched, no
     * temporary file left. */
    char *out = rel_path_in(dir, "out");
    cr_assert_eq(mkdir(out, 0755), 0);
    char *xml = rel_path_in(out, "results.xml");
    char *to_file[] = {"qcode", "code", "-c", cb, "-o", xml, corpus, NULL};
    cr_assert_eq(run_qcode(to_file, err_path, NULL), 0);
    size_t whole = 0;
    free(qct_read_file(xml, &whole));
    static const char previous[] = "<previous run's results: must survive>\n";
    char names[512];
    const long limits[] = {512, (long)whole / 4, (long)whole / 2, (long)whole - 1};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        free(qct_write_file(out, "results.xml", previous, sizeof previous - 1));
        launch small = {limits[i], 0, NULL};
        int rc = run_qcode(to_file, err_path, &small);
        err = qct_read_file(err_path, NULL);
        cr_expect_eq(rc, 2, "file size limit %ld: exit %d, stderr: %s", limits[i], rc, err);
        cr_expect(qct_contains(err, "error: cannot write"), "limit %ld: stderr: %s", limits[i], err);
        cr_expect(rel_file_equals(xml, previous, sizeof previous - 1), "limit %ld: the previous results.xml changed",
                  limits[i]);
        cr_expect_eq(rel_list_dir(out, names, sizeof names), 1, "limit %ld: left behind:\n%s", limits[i], names);
        free(err);
    }

    /* The TSV tables likewise: their folder keeps nothing of a failed run. */
    char *tsv = rel_path_in(dir, "tsv");
    char *to_tsv[] = {"qcode", "code", "-c", cb, "--tsv", tsv, corpus, NULL};
    launch small = {512, 0, NULL};
    cr_assert_eq(run_qcode(to_tsv, err_path, &small), 2);
    err = qct_read_file(err_path, NULL);
    cr_expect(qct_contains(err, "error: cannot write"), "stderr: %s", err);
    long left = rel_list_dir(tsv, names, sizeof names);
    cr_expect(left <= 0, "a failed --tsv left files:\n%s", names);
    free(err);

    free(tsv);
    free(xml);
    free(out);
    free(full);
    free(err_path);
    rel_rm_tree(dir);
    free(corpus);
    free(cb);
    free(dir);
}

/* What a command prints on stdout is its output too: printed to a full disk, or to a file past
 * the size limit, it was lost and the run said 0 (`qcode tree cb.qcb > /dev/full`). A command
 * that failed on its own keeps its exit code. */
Test(faults, stdout_that_cannot_be_written_is_an_error)
{
    char *dir = qct_temp_dir();
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    static const char bad_src[] = "codebook \"Bad\" version 1\ncode\n";
    char *bad_cb = qct_write_file(dir, "bad.qcb", bad_src, sizeof bad_src - 1);
    char *corpus = rel_make_corpus(dir, 2, 8);
    char *err_path = rel_path_in(dir, "stderr");
    char *full = qct_full_device(dir);
    char *capped = rel_path_in(dir, "capped.txt");

    char *help[] = {"qcode", "--help", NULL};
    char *tree[] = {"qcode", "tree", cb, NULL};
    char *code[] = {"qcode", "code", "-c", cb, corpus, NULL};
    char *quotes[] = {"qcode", "quotes", "-c", cb, "TEAM", corpus, NULL};
    char **commands[] = {help, tree, code, quotes};
    const launch to_full = {0, 0, full}, to_capped = {100, 0, capped};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *name = commands[i][1];
        cr_expect_eq(run_qcode(commands[i], err_path, &to_full), 2, "%s > full device", name);
        char *err = qct_read_file(err_path, NULL);
        cr_expect(qct_contains(err, "qcode: cannot write standard output: No space left on device"),
                  "%s > full device: stderr: %s", name, err);
        free(err);
        cr_expect_eq(run_qcode(commands[i], err_path, &to_capped), 2, "%s > file past the size limit", name);
        err = qct_read_file(err_path, NULL);
        cr_expect(qct_contains(err, "qcode: cannot write standard output: File too large"),
                  "%s > file past the size limit: stderr: %s", name, err);
        free(err);
    }

    char *bad[] = {"qcode", "tree", bad_cb, NULL};
    cr_expect_eq(run_qcode(bad, err_path, &to_full), 3, "a codebook error keeps its exit code");
    /* Its own message still names the codebook. */
    char *err = qct_read_file(err_path, NULL);
    cr_expect(qct_contains(err, "bad.qcb:"), "stderr: %s", err);
    free(err);

    rel_rm_tree(dir);
    free(capped);
    free(full);
    free(err_path);
    free(corpus);
    free(bad_cb);
    free(cb);
    free(dir);
}

/* A file size limit (ulimit -f) with SIGXFSZ at its default action, as in a shell: the run ended
 * by the signal (exit 153) and left TARGET.tmp-XXXXXX behind. It must fail as on a full disk:
 * exit 2, the file and the reason named, no temporary, the previous output whole. */
Test(faults, a_file_size_limit_is_an_error_not_a_signal)
{
    char *dir = qct_temp_dir();
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    char *corpus = rel_make_corpus(dir, 1, 4);
    char *err_path = rel_path_in(dir, "stderr");
    char *out = rel_path_in(dir, "out");
    cr_assert_eq(mkdir(out, 0755), 0);
    char *xml = rel_path_in(out, "results.xml");
    char *argv[] = {"qcode", "code", "-c", cb, "-o", xml, corpus, NULL};
    cr_assert_eq(run_qcode(argv, err_path, NULL), 0);
    size_t whole = 0;
    free(qct_read_file(xml, &whole));
    static const char previous[] = "<previous run's results: must survive>\n";
    free(qct_write_file(out, "results.xml", previous, sizeof previous - 1));

    launch small = {(long)whole / 2, 0, NULL};
    int rc = run_qcode(argv, err_path, &small);
    char *err = qct_read_file(err_path, NULL);
    cr_expect_eq(rc, 2, "exit %d (153: killed by SIGXFSZ), stderr: %s", rc, err);
    cr_expect(qct_contains(err, "results.xml: error: cannot write") && qct_contains(err, "File too large"),
              "stderr: %s", err);
    cr_expect(rel_file_equals(xml, previous, sizeof previous - 1), "the previous results.xml changed");
    char names[512];
    cr_expect_eq(rel_list_dir(out, names, sizeof names), 1, "left behind:\n%s", names);
    free(err);

    free(xml);
    free(out);
    free(err_path);
    rel_rm_tree(dir);
    free(corpus);
    free(cb);
    free(dir);
}

/* A TSV table other than quotations.tsv that could not be written said "cannot write" and no
 * reason: the frequencies of 300 codes outgrow the limit while the quotations (none) do not. */
Test(faults, a_table_past_the_file_size_limit_says_why)
{
    char *dir = qct_temp_dir();
    size_t cap = 64 + 300 * 80, len = 0;
    char *src = malloc(cap);
    cr_assert_not_null(src);
    len += (size_t)snprintf(src + len, cap - len, "codebook \"Many\" version 1\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(src + len, cap - len,
                                "code C%03d \"A code whose name is long enough %03d\"\n  rule zzq%d\n", i, i, i);
    char *cb = qct_write_file(dir, "cb.qcb", src, len);
    free(src);
    const char doc[] = "S1: nothing coded here.\n";
    char *t = qct_write_file(dir, "t.txt", doc, strlen(doc));
    char *err_path = rel_path_in(dir, "stderr");
    char *tsv = rel_path_in(dir, "tsv");
    char *argv[] = {"qcode", "code", "-c", cb, "--tsv", tsv, t, NULL};
    launch small = {8192, 0, NULL};
    int rc = run_qcode(argv, err_path, &small);
    char *err = qct_read_file(err_path, NULL);
    cr_expect_eq(rc, 2, "exit %d, stderr: %s", rc, err);
    cr_expect(qct_contains(err, "frequencies.tsv: error: cannot write: File too large"), "stderr: %s", err);
    struct stat st;
    cr_expect_neq(stat(tsv, &st), 0, "the folder made for the tables is removed");
    free(err);
    free(tsv);
    free(err_path);
    free(t);
    free(cb);
    rel_rm_tree(dir);
    free(dir);
}

/* A checked export (`export --check`) is written under a temporary name beside its target and
 * renamed once the check passes; its messages named that temporary ("p.qdpx.check-Xy12Ab.qdpx:
 * error: cannot write output: File too large", a file the user never named and that is gone).
 * They name the target, also one reached through a symbolic link, whose temporary is made beside
 * the file the link leads to. */
Test(faults, a_checked_export_names_its_target_not_its_temporary)
{
    coded e;
    code_for_export(&e, 1);
    char *real = rel_path_in(e.dir, "real");
    cr_assert_eq(mkdir(real, 0755), 0);
    free(qct_write_file(real, "p.qdpx", "old", 3));
    char *qdpx = rel_path_in(e.out, "p.qdpx"), *qdc = rel_path_in(e.out, "c.qdc"), *link = rel_path_in(e.out, "l.qdpx");
    cr_assert_eq(symlink("../real/p.qdpx", link), 0);
    char *to_qdpx[] = {"qcode", "export", "--qdpx", qdpx, e.xml, "--check", NULL};
    char *to_qdc[] = {"qcode", "export", "--qdc", qdc, e.cb, "--check", NULL};
    char *to_link[] = {"qcode", "export", "--qdpx", link, e.xml, "--check", NULL};
    char **runs[] = {to_qdpx, to_qdc, to_link};
    /* Room for the messages (stderr is a file under the same limit), none for the smallest export. */
    launch small = {1024, 0, NULL};
    char *scratch = rel_path_in(e.dir, "scratch.qdc");
    char *measure[] = {"qcode", "export", "--qdc", scratch, e.cb, NULL};
    cr_assert_eq(run_qcode(measure, e.err_path, NULL), 0);
    size_t smallest = 0;
    free(qct_read_file(scratch, &smallest));
    cr_assert_gt(smallest, (size_t)small.fsize_limit, "the .qdc is only %zu bytes", smallest);
    free(scratch);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        const char *target = runs[i][3];
        int rc = run_qcode(runs[i], e.err_path, &small);
        char *err = qct_read_file(e.err_path, NULL);
        char want[1200];
        snprintf(want, sizeof want, "%s: error: cannot write output: File too large\n%s: not written\n", target,
                 target);
        cr_expect_eq(rc, 2, "%s: exit %d, stderr: %s", target, rc, err);
        cr_expect(qct_contains(err, want), "%s: stderr: %s", target, err);
        cr_expect(!qct_contains(err, ".check-") && !qct_contains(err, ".tmp-"), "%s: a message names the temporary: %s",
                  target, err);
        free(err);
    }
    char names[512];
    cr_expect_eq(rel_list_dir(e.out, names, sizeof names), 1, "left behind:\n%s", names);
    cr_expect_eq(rel_list_dir(real, names, sizeof names), 1, "left behind:\n%s", names);
    char *p = rel_path_in(real, "p.qdpx");
    cr_expect(rel_file_equals(p, "old", 3), "the file behind the link changed");
    free(p);
    free(link);
    free(qdc);
    free(qdpx);
    free(real);
    coded_free(&e);
}

Test(faults, read_only_folder_is_a_clear_error)
{
    char *dir = qct_temp_dir();
    cr_assert_eq(chmod(dir, 0755), 0); /* so that nobody can read the inputs */
    char *cb = qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1);
    char *corpus = rel_make_corpus(dir, 1, 4);
    char *err_path = rel_path_in(dir, "stderr");
    chmod(err_path, 0666);
    free(qct_write_file(dir, "stderr", "", 0));
    cr_assert_eq(chmod(err_path, 0666), 0);
    char *ro = rel_path_in(dir, "readonly");
    cr_assert_eq(mkdir(ro, 0555), 0);
    cr_assert_eq(chmod(ro, 0555), 0);
    launch how = {0, geteuid() == 0, NULL};

    char *xml = rel_path_in(ro, "results.xml");
    char *to_ro[] = {"qcode", "code", "-c", cb, "-o", xml, corpus, NULL};
    int st = run_qcode(to_ro, err_path, &how);
    if (st == 125)
        cr_skip_test("cannot drop to uid 65534 here: root ignores folder permissions");
    char *err = qct_read_file(err_path, NULL);
    cr_expect_eq(st, 2, "exit %d, stderr: %s", st, err);
    cr_expect(qct_contains(err, "readonly/results.xml: error: cannot create output: Permission denied"), "stderr: %s",
              err);
    free(err);

    char *tsv = rel_path_in(ro, "tsv");
    char *tsv_ro[] = {"qcode", "code", "-c", cb, "--tsv", tsv, corpus, NULL};
    st = run_qcode(tsv_ro, err_path, &how);
    err = qct_read_file(err_path, NULL);
    cr_expect_eq(st, 2, "exit %d, stderr: %s", st, err);
    cr_expect(qct_contains(err, "Permission denied"), "stderr: %s", err);
    free(err);
    char names[512];
    cr_expect_eq(rel_list_dir(ro, names, sizeof names), 0, "the read-only folder got:\n%s", names);

    free(tsv);
    free(xml);
    chmod(ro, 0755);
    free(ro);
    free(err_path);
    rel_rm_tree(dir);
    free(corpus);
    free(cb);
    free(dir);
}

/* --- hostile XML: an external entity that names a secret file, through every XML reader --- */

static const char secret_text[] = "SECRET-7f3a9c: must never appear";

static void expect_no_secret(const char *what, const qc_error *err)
{
    cr_expect(!qct_contains(err->message, "SECRET-7f3a9c"), "%s: the secret leaked into: %s", what, err->message);
}

Test(faults, external_entities_are_never_resolved)
{
    char *dir = qct_temp_dir();
    char *secret = qct_write_file(dir, "secret.txt", secret_text, sizeof secret_text - 1);
    char doctype[1024];
    snprintf(doctype, sizeof doctype, "<?xml version=\"1.0\"?>\n<!DOCTYPE %%s [<!ENTITY x SYSTEM \"file://%s\">]>\n",
             secret);
    char buf[4096];
    qc_error err;

    /* results.xml */
    char head[1200];
    snprintf(head, sizeof head, doctype, "results");
    snprintf(buf, sizeof buf,
             "%s<results xmlns=\"urn:qcode:results:1\"><codes><code id=\"A\" name=\"&x;\"/>"
             "</codes></results>\n",
             head);
    char *results = qct_write_file(dir, "results.xml", buf, strlen(buf));
    cr_expect_eq(qc_results_read(results, NULL, &err), QC_ERR_FORMAT);
    expect_no_secret("results.xml", &err);
    /* ... and in element text, where an entity would be replaced by its content. */
    snprintf(buf, sizeof buf, "%s<results xmlns=\"urn:qcode:results:1\">&x;</results>\n", head);
    free(qct_write_file(dir, "results.xml", buf, strlen(buf)));
    cr_expect_eq(qc_results_read(results, NULL, &err), QC_ERR_FORMAT);
    expect_no_secret("results.xml text", &err);

    /* .qdc */
    snprintf(head, sizeof head, doctype, "CodeBook");
    snprintf(buf, sizeof buf,
             "%s<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"11111111-2222-"
             "3333-4444-555555555555\" name=\"&x;\" isCodable=\"true\"/></Codes></CodeBook>\n",
             head);
    char *qdc = qct_write_file(dir, "x.qdc", buf, strlen(buf));
    char *qcb = rel_path_in(dir, "out.qcb");
    cr_expect_eq(qc_refi_import_qdc(qdc, qcb, NULL, &err), QC_ERR_FORMAT);
    expect_no_secret(".qdc", &err);
    cr_expect_neq(access(qcb, F_OK), 0, "a refused .qdc wrote %s", qcb);

    /* a bare .qde */
    snprintf(head, sizeof head, doctype, "Project");
    snprintf(buf, sizeof buf, "%s<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"&x;\"/>\n", head);
    char *qde = qct_write_file(dir, "x.qde", buf, strlen(buf));
    char *project = rel_path_in(dir, "project");
    qc_refi_import_summary sum;
    cr_expect_eq(qc_refi_import_project(qde, project, NULL, &sum, &err), QC_ERR_FORMAT);
    qc_refi_import_summary_free(&sum);
    expect_no_secret(".qde", &err);
    cr_expect_neq(access(project, F_OK), 0, "a refused import wrote %s", project);

    /* manual.xml, through an imported folder exported back */
    char *folder = rel_path_in(dir, "folder");
    cr_assert_eq(mkdir(folder, 0755), 0);
    char *sources = rel_path_in(folder, "sources");
    cr_assert_eq(mkdir(sources, 0755), 0);
    free(qct_write_file(sources, "a.txt", "P1: hello\n", 10));
    free(qct_write_file(folder, "codebook.qcb", "codebook \"M\"\ncode A \"A\"\n  manual\n", 33));
    snprintf(head, sizeof head, doctype, "manual");
    snprintf(buf, sizeof buf, "%s<manual xmlns=\"urn:qcode:manual:1\">&x;</manual>\n", head);
    free(qct_write_file(folder, "manual.xml", buf, strlen(buf)));
    char *qdpx = rel_path_in(dir, "out.qdpx");
    cr_expect_eq(qc_refi_export_folder(folder, qdpx, NULL, &err), QC_ERR_FORMAT);
    expect_no_secret("manual.xml", &err);
    cr_expect_neq(access(qdpx, F_OK), 0, "a refused export wrote %s", qdpx);

    free(qdpx);
    free(sources);
    free(folder);
    free(project);
    free(qde);
    free(qcb);
    free(qdc);
    free(results);
    free(secret);
    rel_rm_tree(dir);
    free(dir);
}

/* Entity bombs are refused at once (bounded time and memory: under the test timeout and the ASan
 * build's memory) whatever reads them; the catalogue (tests/bad/) checks their messages. */
Test(faults, entity_bombs_are_refused)
{
    static const char *const files[] = {"docx-billion-laughs.docx", "results-billion-laughs.xml",
                                        "qdc-billion-laughs.qdc", "qdpx-billion-laughs.qdpx"};
    char *dir = qct_temp_dir();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tests/bad/%s", files[i]);
        char *path = qct_source_path(rel);
        qc_error err;
        int rc;
        double t0 = rel_seconds();
        if (i == 0) {
            qc_document *doc = NULL;
            rc = qc_document_read_file(&doc, path, NULL, &err);
            qc_document_free(doc);
        } else if (i == 1) {
            rc = qc_results_read(path, NULL, &err);
        } else if (i == 2) {
            char *out = rel_path_in(dir, "out.qcb");
            rc = qc_refi_import_qdc(path, out, NULL, &err);
            free(out);
        } else {
            char *out = rel_path_in(dir, "project");
            qc_refi_import_summary sum;
            rc = qc_refi_import_project(path, out, NULL, &sum, &err);
            qc_refi_import_summary_free(&sum);
            free(out);
        }
        cr_expect_eq(rc, QC_ERR_FORMAT, "%s: status %d (%s)", files[i], rc, err.message);
        cr_log_info("%s refused in %.3f s: %s", files[i], rel_seconds() - t0, err.message);
        free(path);
    }
    char names[256];
    cr_expect_eq(rel_list_dir(dir, names, sizeof names), 0, "refused inputs wrote:\n%s", names);
    rel_rm_tree(dir);
    free(dir);
}

/* ZIP: entries named ../x, /abs or that are symbolic links never reach the disk, and nothing is
 * written outside the import folder. */
Test(faults, zip_entries_cannot_escape)
{
    char *dir = qct_temp_dir();
    char *inner = rel_path_in(dir, "inner");
    cr_assert_eq(mkdir(inner, 0755), 0);
    char *project = rel_path_in(inner, "project");
    char *slip = qct_source_path("tests/bad/qdpx-zip-slip.qdpx");
    qc_error err;
    qc_refi_import_summary sum;
    cr_assert_eq(qc_refi_import_project(slip, project, NULL, &sum, &err), 0, "%s", err.message);
    cr_expect_eq(sum.sources, 1);
    cr_expect_geq(sum.warnings, 3, "each unsafe entry is warned about");
    qc_refi_import_summary_free(&sum);
    char names[512];
    cr_expect_eq(rel_list_dir(inner, names, sizeof names), 1, "beside the project folder:\n%s", names);
    cr_expect_eq(rel_list_dir(dir, names, sizeof names), 1, "above it:\n%s", names);
    cr_expect_neq(access("/tmp/qcode-evil.txt", F_OK), 0);
    char *sources = rel_path_in(project, "sources");
    cr_expect_eq(rel_list_dir(sources, names, sizeof names), 1, "sources:\n%s", names);
    free(sources);

    /* A source stored as a symbolic link is skipped, not followed and not copied as a link. */
    char *link = qct_source_path("tests/bad/qdpx-symlink-source.qdpx");
    char *project2 = rel_path_in(inner, "project2");
    cr_assert_eq(qc_refi_import_project(link, project2, NULL, &sum, &err), 0, "%s", err.message);
    cr_expect_eq(sum.sources, 0, "the linked source was imported");
    qc_refi_import_summary_free(&sum);
    char *sources2 = rel_path_in(project2, "sources");
    cr_expect(rel_list_dir(sources2, names, sizeof names) <= 0, "sources:\n%s", names);

    free(sources2);
    free(project2);
    free(link);
    free(slip);
    free(project);
    free(inner);
    rel_rm_tree(dir);
    free(dir);
}
