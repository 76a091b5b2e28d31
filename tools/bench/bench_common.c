/* The benchmark drivers' shared helpers (bench_common.h). */
#define _XOPEN_SOURCE 700
#include "bench_common.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <qcode.h>

clockid_t bench_clock = CLOCK_PROCESS_CPUTIME_ID;

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bench_files *g_walk; /* nftw has no user pointer */

static int add_path(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F || qc_format_from_path(path) == QC_FORMAT_AUTO)
        return 0;
    bench_files *f = g_walk;
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256;
        char **p = realloc(f->paths, cap * sizeof *p);
        if (!p)
            return -1;
        f->paths = p;
        f->cap = cap;
    }
    f->paths[f->count] = strdup(path);
    return f->paths[f->count++] ? 0 : -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int bench_collect(bench_files *files, char *const *paths, int n)
{
    g_walk = files;
    for (int i = 0; i < n; i++) {
        if (nftw(paths[i], add_path, 16, FTW_PHYS) != 0) {
            fprintf(stderr, "%s: cannot walk\n", paths[i]);
            return -1;
        }
    }
    if (files->count)
        qsort(files->paths, files->count, sizeof *files->paths, by_name);
    return 0;
}

void bench_mix(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ s[i]) * 1099511628211ull;
}

void bench_mix_u64(uint64_t *h, uint64_t v)
{
    bench_mix(h, &v, sizeof v);
}
