/* Ctrl-C, kill and a closed terminal (SIGINT, SIGTERM, SIGHUP) while qcode writes its outputs: the
 * run must end by that signal (the shell sees 128+N), leave no TARGET.tmp-XXXXXX file or folder
 * behind, and leave the previous outputs as they were.
 *
 * Most cases are made deterministic by QCODE_TEST_STOP_AT_TEMP=TEXT, which stops the process
 * (SIGSTOP) just after it created a temporary whose name holds TEXT: the test sees it stopped,
 * checks the temporary is there, sends the signal and SIGCONT. One case does without: it signals
 * a two-thread run caught writing a large results.xml, its direct-output writer threads busy. */
#include "rel_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qc_test.h"

/* --- running qcode --- */

/* Starts qcode (argv NULL-terminated, argv[0] ignored) in `cwd` with stdout and stderr to
 * /dev/null; stop_at is QCODE_TEST_STOP_AT_TEMP (NULL: unset); `ignored` a signal to ignore (as
 * nohup does), or 0. */
static pid_t start_qcode(const char *cwd, char *const argv[], const char *stop_at, int ignored)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull < 0 || chdir(cwd) != 0)
            _exit(126);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        /* What a shell gives a foreground command: default actions, nothing blocked. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        if (ignored)
            signal(ignored, SIG_IGN);
        if (stop_at)
            setenv("QCODE_TEST_STOP_AT_TEMP", stop_at, 1);
        else
            unsetenv("QCODE_TEST_STOP_AT_TEMP");
        execv(QCODE_BIN, argv);
        _exit(127);
    }
    return pid;
}

/* waitpid's status, or -1 when it failed. */
static int wait_for(pid_t pid, int flags)
{
    int st = 0;
    while (waitpid(pid, &st, flags) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

/* The exit status as a shell shows it: the code, or 128 + the signal. */
static int shell_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

/* Sends sig to a stopped run, lets it go on, and returns its wait status. */
static int signal_stopped(pid_t pid, int sig)
{
    cr_assert_eq(kill(pid, sig), 0);
    cr_assert_eq(kill(pid, SIGCONT), 0);
    return wait_for(pid, 0);
}

/* --- what a folder holds --- */

static const char *signal_name(int sig)
{
    return sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
           : sig == SIGHUP  ? "SIGHUP"
           : sig == SIGPIPE ? "SIGPIPE"
                            : "another signal";
}

/* Runs argv in dir stopped at the temporary named like stop_at, sends sig, and checks the run
 * ended by it with no temporary left under dir, and `keep` (a file under dir, or NULL) unchanged. */
static void interrupt_at(const char *dir, char *const argv[], const char *stop_at, int sig, const char *keep,
                         const char *what)
{
    size_t old_size = 0;
    char *keep_path = keep ? rel_path_in(dir, keep) : NULL;
    char *old = keep_path ? qct_read_file(keep_path, &old_size) : NULL;
    cr_assert(!keep_path || old, "%s: the previous %s is missing", what, keep);
    pid_t pid = start_qcode(dir, argv, stop_at, 0);
    int st = wait_for(pid, WUNTRACED);
    cr_assert(WIFSTOPPED(st), "%s: the run never created its temporary %s* (status %d)", what, stop_at,
              shell_status(st));
    cr_assert_geq(rel_temps_under(dir), 1, "%s: stopped, yet no temporary file is there", what);
    st = signal_stopped(pid, sig);
    cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == sig, "%s: %s should end the run by that signal (exit %d)", what,
              signal_name(sig), shell_status(st));
    cr_expect_eq(rel_temps_under(dir), 0, "%s: %s left %d temporary file(s) behind", what, signal_name(sig),
                 rel_temps_under(dir));
    if (keep_path)
        cr_expect(rel_file_equals(keep_path, old, old_size), "%s: the previous %s changed", what, keep);
    free(old);
    free(keep_path);
}

/* --- the cases --- */

static void run_ok(const char *dir, char *const argv[])
{
    int st = wait_for(start_qcode(dir, argv, NULL, 0), 0);
    cr_assert_eq(shell_status(st), 0, "%s %s exited %d", argv[1], argv[2], shell_status(st));
}

Test(signals, interrupted_code_leaves_no_temporary_and_the_previous_outputs)
{
    char *dir = rel_sample_project();
    char *first[] = {"qcode", "code", "-c",     "integrated-care.qcb", "-o",     "results.xml",
                     "--tsv", "tsv",  "--qdpx", "project.qdpx",        "corpus", NULL};
    run_ok(dir, first); /* the previous outputs */
    char *xml[] = {"qcode", "code",   "-c", "integrated-care-v2.qcb", "-o", "results.xml", "--results-format",
                   "1",     "corpus", NULL};
    interrupt_at(dir, xml, "results.xml", SIGINT, "results.xml", "code -o, SIGINT");
    interrupt_at(dir, xml, "results.xml", SIGTERM, "results.xml", "code -o, SIGTERM");
    interrupt_at(dir, xml, "results.xml", SIGHUP, "results.xml", "code -o, SIGHUP");
    /* `qcode code -o r.xml ... | head`: the summary's reader gone, the write to stdout ends the run. */
    interrupt_at(dir, xml, "results.xml", SIGPIPE, "results.xml", "code -o, SIGPIPE");
    /* Format 2 is written while coding: its temporary exists from before the first document. */
    char *xml2[] = {"qcode", "code",   "-c", "integrated-care-v2.qcb", "-o", "results.xml", "--results-format",
                    "2",     "corpus", NULL};
    interrupt_at(dir, xml2, "results.xml", SIGINT, "results.xml", "code -o --results-format 2, SIGINT");
    interrupt_at(dir, xml2, "results.xml", SIGTERM, "results.xml", "code -o --results-format 2, SIGTERM");
    /* The tables are open together: stopped at the third, the first two exist too. */
    char *tsv[] = {"qcode", "code", "-c", "integrated-care-v2.qcb", "--tsv", "tsv", "corpus", NULL};
    interrupt_at(dir, tsv, "quotations.tsv", SIGTERM, "tsv/frequencies.tsv", "code --tsv, SIGTERM");
    /* A --tsv folder the run made goes with its temporaries: an interrupted run left it, empty. */
    char *fresh[] = {"qcode", "code", "-c", "integrated-care-v2.qcb", "--tsv", "new-tables", "corpus", NULL};
    interrupt_at(dir, fresh, "quotations.tsv", SIGINT, NULL, "code --tsv into a new folder, SIGINT");
    char *made = rel_path_in(dir, "new-tables");
    struct stat sb;
    cr_expect(stat(made, &sb) != 0 && errno == ENOENT, "the folder the interrupted run made is still there");
    free(made);
    char *qdpx[] = {"qcode", "code", "-c", "integrated-care-v2.qcb", "--qdpx", "project.qdpx", "corpus", NULL};
    interrupt_at(dir, qdpx, "project.qdpx", SIGINT, "project.qdpx", "code --qdpx, SIGINT");
    /* The outputs are committed together: results.xml, finished, waits as a temporary while the
     * tables are written, and goes with them. */
    for (int format = 1; format <= 2; format++) {
        char *both[] = {"qcode",
                        "code",
                        "-c",
                        "integrated-care-v2.qcb",
                        "-o",
                        "results.xml",
                        "--results-format",
                        format == 1 ? "1" : "2",
                        "--tsv",
                        "tsv",
                        "corpus",
                        NULL};
        interrupt_at(dir, both, "quotations.tsv", SIGTERM, "results.xml", "code -o --tsv, SIGTERM at the tables");
    }
    free(dir);
}

Test(signals, interrupted_recode_export_and_import_leave_no_temporary)
{
    char *dir = rel_sample_project();
    char *first[] = {"qcode", "code", "-c", "integrated-care.qcb", "-o", "results.xml", "corpus", NULL};
    run_ok(dir, first);
    char *report[] = {"qcode",    "recode",     "--from", "results.xml", "-c",     "integrated-care-v2.qcb",
                      "--report", "report.xml", "-o",     "new.xml",     "corpus", NULL};
    interrupt_at(dir, report, "report.xml", SIGTERM, "results.xml", "recode --report, SIGTERM");
    interrupt_at(dir, report, "new.xml", SIGINT, "results.xml", "recode -o, SIGINT");
    char *qdpx[] = {"qcode", "export", "--qdpx", "project.qdpx", "results.xml", NULL};
    run_ok(dir, qdpx);
    interrupt_at(dir, qdpx, "project.qdpx", SIGHUP, "project.qdpx", "export --qdpx, SIGHUP");
    char *qdc[] = {"qcode", "export", "--qdc", "codebook.qdc", "integrated-care.qcb", NULL};
    interrupt_at(dir, qdc, "codebook.qdc", SIGTERM, NULL, "export --qdc, SIGTERM");
    /* Import writes a folder beside the target: stopped as it writes the codebook, the sources
     * are in it already; the whole folder goes, and no target folder appears. */
    char *import[] = {"qcode", "import", "project.qdpx", "-o", "imported", NULL};
    interrupt_at(dir, import, "codebook.qcb", SIGINT, "project.qdpx", "import, SIGINT");
    char *imported = rel_path_in(dir, "imported");
    struct stat sb;
    cr_expect(stat(imported, &sb) != 0 && errno == ENOENT, "an interrupted import created its target folder");
    free(imported);
    free(dir);
}

Test(signals, a_signal_ignored_at_start_stays_ignored)
{
    /* nohup ignores SIGHUP, and a shell without job control SIGINT for a background command: qcode
     * must not take them back, and the run finishes. */
    char *dir = rel_sample_project();
    char *xml[] = {"qcode", "code", "-c", "integrated-care.qcb", "-o", "results.xml", "corpus", NULL};
    pid_t pid = start_qcode(dir, xml, "results.xml", SIGHUP);
    cr_assert(WIFSTOPPED(wait_for(pid, WUNTRACED)));
    int st = signal_stopped(pid, SIGHUP);
    cr_expect_eq(shell_status(st), 0, "an ignored SIGHUP ended the run (exit %d)", shell_status(st));
    cr_expect_eq(rel_temps_under(dir), 0);
    char *out = rel_path_in(dir, "results.xml");
    struct stat sb;
    cr_expect(stat(out, &sb) == 0 && sb.st_size > 1000, "the run did not write results.xml");
    free(out);
    free(dir);
}

/* --- a large run, signalled while its writer threads work --- */

static const char codebook_src[] = "codebook \"Signals\" version 1\n"
                                   "scope sentence\n"
                                   "code TEAM \"Team\"\n"
                                   "  rule \"same office\" OR co-locat* OR /shared\\s+base/\n"
                                   "code STAFF \"Staff\"\n"
                                   "  rule staff* OR nurse* NEAR/3 short\n"
                                   "code WAIT \"Waiting\"\n"
                                   "  rule wait* OR weeks BEFORE/4 appointment\n";

Test(signals, interrupted_while_writer_threads_write_results)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1));
    free(rel_make_corpus(dir, 24, 96));
    static const char previous[] = "<results>the previous run's</results>\n";
    char *out = qct_write_file(dir, "results.xml", previous, sizeof previous - 1);
    /* Small direct-output buffers: the three writer threads take many of them. Format 1: its
     * temporary appears when the writer threads start (format 2's is there from the start). */
    setenv("QCODE_TEST_DIRECT_STAGE", "65536", 1);
    char *argv[] = {"qcode", "code",   "-c", "cb.qcb", "-o", "results.xml", "--results-format",
                    "1",     "--jobs", "2",  "corpus", NULL};
    const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < 2; i++) {
        /* Caught writing: the temporary is there. Stopped (SIGSTOP) to be sure it still is when the
         * signal is sent; a run that finished first is tried again. */
        int caught = 0, st = 0;
        for (int attempt = 0; attempt < 5 && !caught; attempt++) {
            pid_t pid = start_qcode(dir, argv, NULL, 0);
            double limit = rel_seconds() + 60;
            int ended = 0;
            while (!rel_temps_under(dir) && !(ended = waitpid(pid, &st, WNOHANG) == pid) && rel_seconds() < limit) {
                struct timespec ts = {0, 100000};
                nanosleep(&ts, NULL);
            }
            if (!ended && kill(pid, SIGSTOP) == 0 && WIFSTOPPED(wait_for(pid, WUNTRACED)) && rel_temps_under(dir)) {
                caught = 1;
                st = signal_stopped(pid, sigs[i]);
                continue;
            }
            if (!ended) {
                kill(pid, SIGKILL);
                wait_for(pid, 0);
            }
            free(qct_write_file(dir, "results.xml", previous, sizeof previous - 1));
        }
        cr_assert(caught, "the run was never caught writing results.xml");
        cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "%s should end the run by that signal (exit %d)",
                  signal_name(sigs[i]), shell_status(st));
        cr_expect_eq(rel_temps_under(dir), 0, "%s while writing left a temporary file", signal_name(sigs[i]));
        cr_expect(rel_file_equals(out, previous, sizeof previous - 1), "%s while writing changed results.xml",
                  signal_name(sigs[i]));
    }
    unsetenv("QCODE_TEST_DIRECT_STAGE");
    free(out);
    free(dir);
}
