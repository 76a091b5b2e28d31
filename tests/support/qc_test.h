/* Helpers shared by the tests: paths to the source tree and ../shared, running the qcode binary,
 * reading files. Tests include only <qcode.h> from the library, plus this. */
#ifndef QC_TEST_H
#define QC_TEST_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qcode.h>

/* Absolute paths under the source tree and under ../shared; free() them. */
char *qct_source_path(const char *relative);
char *qct_shared_path(const char *relative);
/* 1 when ../shared (or the named file in it) exists. */
int qct_shared_available(const char *relative);
/* Skips the current test, saying so, when ../shared/<relative> is absent. */
#define QCT_REQUIRE_SHARED(rel)                                                                        \
    do {                                                                                               \
        if (!qct_shared_available(rel))                                                                \
            cr_skip_test("../shared/%s is not present: skipping this check", rel);                     \
    } while (0)

/* Tells, on stderr, that part of a test was left out and why. Not cr_log_warn: a warning makes
 * Criterion's run exit 1 even when every test passed, which fails the suite on a machine without
 * ../shared or a file system that takes O_DIRECT. */
void qct_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fresh empty folder under the build's temporary area; free() the path. */
char *qct_temp_dir(void);
/* A full device to write to: as root a private node in dir with /dev/full's numbers (so that a
 * regression that renamed over the target could not replace the system's /dev/full); otherwise
 * /dev/full itself. free() the path. */
char *qct_full_device(const char *dir);
/* Writes data to dir/name (making the folders name has, "a/x.txt"); returns the malloc'ed path. */
char *qct_write_file(const char *dir, const char *name, const void *data, size_t size);
/* Reads a whole file; NULL when it cannot. *size may be NULL. free() the result. */
char *qct_read_file(const char *path, size_t *size);
/* Reads dir/name, an output a test expects to be there (asserted). free() the result. */
char *qct_read_in(const char *dir, const char *name);

/* Runs the qcode binary with a shell-quoted argument string (run by /bin/sh in `cwd`, or the
 * current folder when NULL), with stdin from /dev/null. Captures stdout, stderr and the exit code. */
typedef struct qct_run {
    int status; /* exit code, or 128+signal */
    char *out;
    char *err;
} qct_run;
void qct_qcode(qct_run *run, const char *cwd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void qct_run_free(qct_run *run);
/* Whether a run wrote an ESC on stdout or stderr: a name from a file that reached the terminal
 * as it was, where it moves the cursor or recolours what follows. */
int qct_wrote_esc(const qct_run *run);

/* doc coded with cb (and cases, may be NULL) by the engine given; the coding, which must not fail
 * (asserted), is the caller's. */
qc_coding *qct_code(const qc_codebook *cb, const qc_document *doc, const qc_casebook *cases, qc_engine engine);

/* Whether haystack contains needle (NULL-safe). */
int qct_contains(const char *haystack, const char *needle);

#endif
