/* Helpers shared by the reliability tests (test_oom, test_faults, test_pathological,
 * test_bad_inputs, test_signals, test_code_cli, test_output_links, test_outputs*): removing a folder
 * tree, listing what a folder holds and counting its temporaries, joining a path, comparing a file
 * with bytes, running qcode, the sample project, a monotonic clock. Header-only so that each
 * test stays one file. Include first: nftw needs _XOPEN_SOURCE. */
#ifndef QC_REL_HELPERS_H
#define QC_REL_HELPERS_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "qc_test.h"

static inline int rel_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it (symbolic links are removed, not followed). */
static inline void rel_rm_tree(const char *dir)
{
    if (dir)
        nftw(dir, rel_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The names in dir (not . and ..) joined by '\n' into buf, sorted as readdir gives them: for
 * messages. Returns how many entries there are, or -1 when dir cannot be opened. */
static inline long rel_list_dir(const char *dir, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long n = 0;
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (cap && len + strlen(e->d_name) + 2 < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s\n", e->d_name);
    }
    closedir(d);
    return n;
}

/* dir/name, to free(). */
static inline char *rel_path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Whether the file at path holds exactly data[0..size). */
static inline int rel_file_equals(const char *path, const char *data, size_t size)
{
    size_t n = 0;
    char *got = qct_read_file(path, &n);
    int same = got && n == size && memcmp(got, data, size) == 0;
    free(got);
    return same;
}

static int rel_temp_count;

static inline int rel_count_temp(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    rel_temp_count += strstr(path + ftw->base, ".tmp-") != NULL;
    return 0;
}

/* How many names under dir (at any depth) are temporaries (hold ".tmp-"). */
static inline int rel_temps_under(const char *dir)
{
    rel_temp_count = 0;
    nftw(dir, rel_count_temp, 16, FTW_PHYS);
    return rel_temp_count;
}

/* Runs `qcode ARGS` in dir and expects exit 0. */
static inline void rel_run_ok(const char *dir, const char *args)
{
    qct_run r;
    qct_qcode(&r, dir, "%s", args);
    cr_expect_eq(r.status, 0, "qcode %s: exit %d, stderr: %s", args, r.status, r.err);
    qct_run_free(&r);
}

/* A fresh folder with the sample codebooks and the sample corpus (as `corpus`); to free(). */
static inline char *rel_sample_project(void)
{
    char *dir = qct_temp_dir();
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp -r '%s/corpora/integrated-care' '%s/corpus' && cp '%s/codebooks/'*.qcb '%s'",
             QCODE_SOURCE_DIR, dir, QCODE_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    return dir;
}

/* Seconds on the monotonic clock, for timing what a test logs or waits for. */
static inline double rel_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sentences of rel_make_corpus: four that the tests' codebooks code (TEAM, STAFF, WAIT) and
 * one they do not. */
static const char *const rel_sentences[] = {
    "We are co-located now, in the same office, and we talk a lot. ",
    "The nurses are short of staff most weeks. ",
    "Patients wait six weeks for an appointment. ",
    "A shared base makes it easier to ask. ",
    "Nothing much changed in the end. ",
};

/* Writes `docs` transcripts of about `kib` KiB each into dir/corpus, interviews of six sentences a
 * turn from rel_sentences (most of them coded by the tests' codebooks); returns the folder, to
 * free(). */
static inline char *rel_make_corpus(const char *dir, int docs, int kib)
{
    char *corpus = rel_path_in(dir, "corpus");
    cr_assert_eq(mkdir(corpus, 0755), 0);
    size_t cap = (size_t)kib * 1024 + 4096;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    for (int d = 0; d < docs; d++) {
        size_t len = 0;
        unsigned turn = 0;
        while (len + 1024 < (size_t)kib * 1024) {
            len += (size_t)snprintf(text + len, cap - len, turn % 2 ? "S%d: " : "Interviewer: ", d % 7 + 1);
            for (int s = 0; s < 6; s++)
                len += (size_t)snprintf(text + len, cap - len, "%s", rel_sentences[(turn * 3 + (unsigned)s + d) % 5]);
            len += (size_t)snprintf(text + len, cap - len, "\n\n");
            turn++;
        }
        char name[64];
        snprintf(name, sizeof name, "interview-%03d.txt", d);
        free(qct_write_file(corpus, name, text, len));
    }
    free(text);
    return corpus;
}

#endif
