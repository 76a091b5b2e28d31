#include "qc_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int qct_shared_available(const char *relative)
{
    char *p = qct_shared_path(relative ? relative : "");
    struct stat st;
    int ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

char *qct_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/qcode-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d, "mkdtemp failed");
    return strdup(d);
}

char *qct_write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char *path = join(dir, name);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, size, fp), size);
    fclose(fp);
    return path;
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
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s </dev/null >'%s' 2>'%s'", cwd ? cwd : ".", QCODE_BIN, args,
             out_path, err_path);
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

int qct_contains(const char *haystack, const char *needle)
{
    return haystack && needle && strstr(haystack, needle) != NULL;
}
