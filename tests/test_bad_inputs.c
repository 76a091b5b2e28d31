/* The bad-input catalogue (tests/bad/): every file there is one bad input to one user-facing reader
 * (transcripts of each format, codebooks, casebooks, results.xml, .qdc, .qdpx/.qde, manual.xml).
 * tests/bad/MANIFEST.tsv gives, for each, the qcode command that reads it, the exit code and the
 * message expected on standard error (with its file, line and column): a part of it, or, when the
 * column starts with '=', the whole of it, with \n for each line end (so a row can also say that no
 * source line and caret follow the message). Each row is run through the
 * qcode binary from tests/bad/, and also checked for what must never happen: a crash, a hang, a file
 * written where none should be (a failed run writes nothing; an import that skips what it refuses
 * writes only inside its folder), or a secret file's content leaking through an external entity. */
#include "rel_helpers.h"

#include <sys/stat.h>
#include <unistd.h>

#include "qc_test.h"

typedef struct row {
    int line;
    char *file, *command, *expected;
    int exit_code;
} row;

#define MAX_ROWS 256

static size_t load_manifest(row *rows, char **text)
{
    char *path = qct_source_path("tests/bad/MANIFEST.tsv");
    *text = qct_read_file(path, NULL);
    cr_assert_not_null(*text, "cannot read %s", path);
    free(path);
    size_t n = 0;
    int line = 0;
    for (char *p = *text; *p;) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        line++;
        if (*p && *p != '#') {
            char *f[4] = {p, NULL, NULL, NULL};
            for (int i = 1; i < 4; i++) {
                char *tab = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
                cr_assert_not_null(tab, "MANIFEST.tsv:%d: expected 4 tab-separated columns", line);
                *tab = '\0';
                f[i] = tab + 1;
            }
            if (strcmp(f[0], "file") != 0) { /* the header */
                cr_assert_lt(n, MAX_ROWS);
                rows[n] = (row){line, f[0], f[1], f[3], atoi(f[2])};
                n++;
            }
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return n;
}

/* Whether stderr is what the row expects: the whole of it for '=' rows (\n in the manifest
 * standing for a line end), a part of it otherwise. */
static int stderr_matches(const char *err, const char *expected)
{
    if (expected[0] != '=')
        return qct_contains(err, expected);
    const char *e = expected + 1;
    for (; *e; e++, err++) {
        char want = *e;
        if (e[0] == '\\' && e[1] == 'n') {
            want = '\n';
            e++;
        }
        if (*err != want)
            return 0;
    }
    return *err == '\0';
}

/* Replaces {} by the file and {tmp} by the row's temporary folder. */
static void expand(char *out, size_t cap, const char *command, const char *file, const char *tmp)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = command; *p && len + 1 < cap;) {
        const char *sub = NULL;
        size_t skip = 1;
        if (strncmp(p, "{tmp}", 5) == 0) {
            sub = tmp;
            skip = 5;
        } else if (strncmp(p, "{}", 2) == 0) {
            sub = file;
            skip = 2;
        }
        if (sub)
            len += (size_t)snprintf(out + len, cap - len, "%s", sub);
        else
            out[len++] = *p;
        out[len < cap ? len : cap - 1] = '\0';
        p += skip;
    }
}

/* What a run may leave in its temporary folder: nothing after a failure. */
static void check_nothing_written(const row *r, const char *tmp)
{
    char names[1024];
    long n = rel_list_dir(tmp, names, sizeof names);
    cr_expect_eq(n, 0, "MANIFEST.tsv:%d %s: a failed run left files behind:\n%s", r->line, r->file, names);
}

Test(bad_inputs, catalogue)
{
    row rows[MAX_ROWS];
    char *text = NULL;
    size_t n = load_manifest(rows, &text);
    cr_assert_geq(n, 80, "the catalogue has only %zu rows", n);
    char *dir = qct_source_path("tests/bad");
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, r->file);
        struct stat st;
        cr_expect_eq(stat(path, &st), 0, "MANIFEST.tsv:%d: %s is not in tests/bad/", r->line, r->file);
        char *tmp = qct_temp_dir();
        char cmd[4096];
        expand(cmd, sizeof cmd, r->command, r->file, tmp);
        qct_run run;
        qct_qcode(&run, dir, "%s", cmd);
        cr_expect_eq(run.status, r->exit_code, "MANIFEST.tsv:%d: qcode %s: exit %d, expected %d; stderr:\n%s", r->line,
                     cmd, run.status, r->exit_code, run.err);
        cr_expect(stderr_matches(run.err, r->expected),
                  "MANIFEST.tsv:%d: qcode %s: stderr does not match\n  %s\nstderr was:\n%s", r->line, cmd, r->expected,
                  run.err);
        /* /etc/passwd's first line: an external entity must never be resolved. */
        cr_expect(!qct_contains(run.out, "root:x:0:0") && !qct_contains(run.err, "root:x:0:0"),
                  "MANIFEST.tsv:%d: an external entity was resolved", r->line);
        if (r->exit_code != 0)
            check_nothing_written(r, tmp);
        qct_run_free(&run);
        rel_rm_tree(tmp);
        free(tmp);
    }
    /* Nothing escaped a zip (zip-slip rows name ../evil.txt and /tmp/qcode-evil.txt). */
    char escaped[2048];
    snprintf(escaped, sizeof escaped, "%s/evil.txt", dir);
    cr_expect_neq(access(escaped, F_OK), 0, "a zip entry escaped to %s", escaped);
    cr_expect_neq(access("/tmp/qcode-evil.txt", F_OK), 0, "a zip entry was written to an absolute path");
    cr_log_info("%zu bad inputs checked", n);
    free(dir);
    free(text);
}

/* Every file in tests/bad/ is in the manifest (and so is checked), apart from the good companions
 * ('_' first) and the generator. */
Test(bad_inputs, every_file_is_listed)
{
    row rows[MAX_ROWS];
    char *text = NULL;
    size_t n = load_manifest(rows, &text);
    char *dir = qct_source_path("tests/bad");
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' || name[0] == '_' || strcmp(name, "MANIFEST.tsv") == 0 || strcmp(name, "make_bad.py") == 0)
            continue;
        files++;
        int listed = 0;
        for (size_t i = 0; i < n && !listed; i++)
            listed = strcmp(rows[i].file, name) == 0;
        cr_expect(listed, "tests/bad/%s is not in MANIFEST.tsv", name);
    }
    closedir(d);
    cr_assert_geq(n, files);
    free(dir);
    free(text);
}
