/* What the benchmark drivers (read_bench.c, code_bench.c) share: the transcripts under some
 * folders, in name order; a clock; an FNV-1a digest to show that faster code gives the same
 * results. */
#ifndef QCODE_BENCH_COMMON_H
#define QCODE_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct bench_files {
    char **paths;
    size_t count, cap;
} bench_files;

/* Every transcript (a name qcode reads) under paths[0..n), sorted by name. 0, or -1 with a
 * message on stderr. */
int bench_collect(bench_files *files, char *const *paths, int n);

/* CPU time of this (single-threaded) process by default: the machine the benchmark runs on is
 * often shared, and wall time then measures the neighbours. `--wall` sets CLOCK_MONOTONIC. */
extern clockid_t bench_clock;
double bench_now(void);

#define BENCH_DIGEST_INIT 1469598103934665603ull
void bench_mix(uint64_t *h, const void *p, size_t n);
void bench_mix_u64(uint64_t *h, uint64_t v);

#endif
