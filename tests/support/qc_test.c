/* nftw and mkdtemp: POSIX 2008. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include "qc_test.h"

#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

char *qct_source_path(const char *relative)
{
    return join(QCODE_SOURCE_DIR, relative);
}

char *qct_shared_path(const char *relative)
{
    return join(QCODE_SHARED_DIR, relative);
}

char *qct_full_device(const char *dir)
{
    if (geteuid() != 0)
        return strdup("/dev/full");
    char *p = join(dir, "full");
    if (mknod(p, S_IFCHR | 0666, makedev(1, 7)) != 0) {
        free(p);
        return strdup("/dev/full");
    }
    return p;
}

void qct_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("[NOTE] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int qct_shared_available(const char *relative)
{
    char *p = qct_shared_path(relative ? relative : "");
    struct stat st;
    int ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

/* Temporary folders are removed when their test passes and kept when it fails, so a failure can
 * be looked into. The tests run in worker processes that cannot know their own outcome; the
 * runner process (Criterion calls report hooks there) does, after each test. So a folder's name
 * says which run and which test made it, "qcode-test-RUNNERPID-SUITE.TEST-XXXXXX", and the
 * runner's hook removes the passed test's folders. The runner's pid reaches the workers (and
 * whatever they fork) through the environment. Tests that remove their own folders still may. */
#define RUNNER_ENV "QCT_RUNNER_PID"

static const char *temp_base(void)
{
    const char *base = getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

/* "qcode-test-PID-SUITE.TEST-": the start of every folder name of that test in that run. */
static void test_prefix(char *out, size_t cap, const char *runner, const char *suite, const char *test)
{
    snprintf(out, cap, "qcode-test-%s-%s.%s-", runner, suite, test);
}

char *qct_temp_dir(void)
{
    const char *runner = getenv(RUNNER_ENV);
    char prefix[400] = "qcode-test-";
    if (runner && *runner && criterion_current_test && criterion_current_suite)
        test_prefix(prefix, sizeof prefix, runner, criterion_current_suite->name, criterion_current_test->name);
    char tmpl[1024];
    snprintf(tmpl, sizeof tmpl, "%s/%sXXXXXX", temp_base(), prefix);
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d, "mkdtemp failed");
    return strdup(d);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv(RUNNER_ENV, pid, 1);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

ReportHook(POST_FINI)(struct criterion_test_stats *stats)
{
    const char *runner = getenv(RUNNER_ENV);
    if (!runner || !stats || !stats->test)
        return;
    int failed =
        stats->test_status == CR_STATUS_FAILED || stats->crashed || stats->timed_out || stats->failed_asserts > 0;
    char prefix[400];
    test_prefix(prefix, sizeof prefix, runner, stats->test->category, stats->test->name);
    DIR *d = opendir(temp_base());
    if (!d)
        return;
    size_t n = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, n) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", temp_base(), e->d_name);
        if (failed)
            fprintf(stderr, "%s::%s failed: its folder %s is kept for inspection\n", stats->test->category,
                    stats->test->name, path);
        else
            nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

char *qct_write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char *path = join(dir, name);
    /* the folders in name ("a/x.txt"), made when missing */
    for (char *slash = path + strlen(dir) + 1; (slash = strchr(slash, '/')) != NULL; *slash++ = '/') {
        *slash = '\0';
        cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "cannot make %s", path);
    }
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, size, fp), size);
    fclose(fp);
    return path;
}

char *qct_read_in(const char *dir, const char *name)
{
    char *path = join(dir, name);
    char *text = qct_read_file(path, NULL);
    cr_assert_not_null(text, "%s was not written", path);
    free(path);
    return text;
}

char *qct_read_file(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, len = 0;
    char *data = malloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            data = realloc(data, cap);
        }
    }
    fclose(fp);
    data[len] = '\0';
    if (size)
        *size = len;
    return data;
}

void qct_qcode(qct_run *run, const char *cwd, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *dir = qct_temp_dir();
    char *out_path = join(dir, "stdout");
    char *err_path = join(dir, "stderr");
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s </dev/null >'%s' 2>'%s'", cwd ? cwd : ".", QCODE_BIN, args, out_path,
             err_path);
    int st = system(cmd);
    if (st == -1)
        run->status = -1;
    else if (WIFEXITED(st))
        run->status = WEXITSTATUS(st);
    else
        run->status = 128 + WTERMSIG(st);
    run->out = qct_read_file(out_path, NULL);
    run->err = qct_read_file(err_path, NULL);
    if (!run->out)
        run->out = strdup("");
    if (!run->err)
        run->err = strdup("");
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
    free(out_path);
    free(err_path);
    free(dir);
}

void qct_run_free(qct_run *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}

int qct_wrote_esc(const qct_run *run)
{
    return strchr(run->out, '\033') || strchr(run->err, '\033');
}

int qct_contains(const char *haystack, const char *needle)
{
    return haystack && needle && strstr(haystack, needle) != NULL;
}

qc_coding *qct_code(const qc_codebook *cb, const qc_document *doc, const qc_casebook *cases, qc_engine engine)
{
    qc_coder_options opts = QC_CODER_OPTIONS_INIT;
    opts.engine = engine;
    qc_coder *coder = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_new(&coder, cb, &opts, &err), 0, "%s", err.message);
    qc_coding *coding = NULL;
    cr_assert_eq(qc_coder_code(coder, doc, cases, &coding, &err), QC_OK, "%s", err.message);
    qc_coder_free(coder);
    return coding;
}
