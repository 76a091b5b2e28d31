/* Reading benchmark: reads every transcript under the given folders with the library's readers
 * and reports MB/s, so ingestion (read, normalise, segment) can be measured on its own.
 *
 * Usage: qcode-read-bench [--repeat N] [--stages] [--cp1252] [--wall] [--digest] DIR|FILE...
 *   --repeat N  read the whole set N times (the best pass is reported; default 1)
 *   --stages    load each file into memory first (timed apart), then qc_document_read_buffer,
 *               so the library's own work is timed without the file system
 *   --cp1252    read the files as Windows-1252 (the default is UTF-8)
 *   --wall      time with the wall clock instead of the process's CPU time (user + system)
 *   --digest    also print a digest of everything the documents expose (text, every offset
 *               map entry, turns, speakers, attributes, units, line/column), to check that a
 *               faster reader gives exactly the same documents; untimed
 *
 * By default every file is read with qc_document_read_file ("read"). Stages: "load" is reading
 * the bytes (outside the library), "parse" is the reader, normalisation, maps and segmentation,
 * "free" is qc_document_free. Inside "parse" use perf for the split. */
#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <qcode.h>

#include "bench_common.h"

static bench_files g_files;

static int load(const char *path, char **data, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *data = malloc(n > 0 ? (size_t)n : 1);
    int ok = *data && n >= 0 && fread(*data, 1, (size_t)n, fp) == (size_t)n;
    fclose(fp);
    if (!ok) {
        free(*data);
        return -1;
    }
    *size = (size_t)n;
    return 0;
}

/* --- digest --- */

static void mix_str(uint64_t *h, const char *s)
{
    if (!s) {
        bench_mix_u64(h, UINT64_MAX);
        return;
    }
    size_t n = strlen(s);
    bench_mix_u64(h, n);
    bench_mix(h, s, n);
}

static uint64_t digest(const qc_document *doc)
{
    uint64_t h = BENCH_DIGEST_INIT;
    size_t size = 0;
    const char *text = qc_document_text(doc, &size);
    bench_mix_u64(&h, size);
    bench_mix(&h, text, size);
    size_t length = qc_document_length(doc);
    bench_mix_u64(&h, length);
    for (size_t cp = 0; cp <= length; cp++) {
        uint32_t line = 0, column = 0;
        qc_document_line_col(doc, cp, &line, &column);
        uint64_t v[5] = {qc_document_text_offset(doc, cp), qc_document_source_offset(doc, cp),
                         qc_document_utf16_offset(doc, cp), line, column};
        bench_mix(&h, v, sizeof v);
    }
    for (size_t i = 0; i < qc_document_attribute_count(doc); i++) {
        const char *k = NULL, *v = NULL;
        qc_document_attribute(doc, i, &k, &v);
        mix_str(&h, k);
        mix_str(&h, v);
    }
    for (size_t i = 0; i < qc_document_speaker_count(doc); i++) {
        qc_role role = QC_ROLE_UNKNOWN;
        mix_str(&h, qc_document_speaker(doc, i, &role));
        bench_mix_u64(&h, (uint64_t)role);
    }
    for (size_t i = 0; i < qc_document_turn_count(doc); i++) {
        qc_turn t;
        qc_document_turn(doc, i, &t);
        uint64_t v[6] = {t.start, t.end, (uint64_t)t.role, (uint64_t)t.time_start_ms, (uint64_t)t.time_end_ms, t.line};
        bench_mix(&h, v, sizeof v);
        mix_str(&h, t.speaker);
    }
    for (int kind = QC_UNIT_PARAGRAPH; kind <= QC_UNIT_WORD; kind++) {
        size_t n = qc_document_unit_count(doc, (qc_unit_kind)kind);
        bench_mix_u64(&h, n);
        for (size_t i = 0; i < n; i++) {
            qc_unit u;
            qc_document_unit(doc, (qc_unit_kind)kind, i, &u);
            uint64_t v[3] = {u.start, u.end, u.turn};
            bench_mix(&h, v, sizeof v);
        }
    }
    return h;
}

int main(int argc, char **argv)
{
    int repeat = 1, want_digest = 0, stages = 0;
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--repeat") == 0 && first + 1 < argc)
            repeat = atoi(argv[++first]);
        else if (strcmp(argv[first], "--digest") == 0)
            want_digest = 1;
        else if (strcmp(argv[first], "--stages") == 0)
            stages = 1;
        else if (strcmp(argv[first], "--cp1252") == 0)
            opts.encoding = QC_ENCODING_WINDOWS1252;
        else if (strcmp(argv[first], "--wall") == 0)
            bench_clock = CLOCK_MONOTONIC;
        else
            break;
    }
    if (first >= argc || repeat < 1) {
        fprintf(stderr, "usage: %s [--repeat N] [--stages] [--cp1252] [--wall] [--digest] DIR|FILE...\n", argv[0]);
        return 2;
    }
    if (bench_collect(&g_files, argv + first, argc - first) != 0)
        return 2;

    double best_parse = 0, best_load = 0, best_free = 0;
    size_t total_bytes = 0, words = 0, sentences = 0, turns = 0, failed = 0;
    uint64_t all = BENCH_DIGEST_INIT;
    for (int pass = 0; pass < repeat; pass++) {
        double t_load = 0, t_parse = 0, t_free = 0;
        total_bytes = words = sentences = turns = failed = 0;
        for (size_t i = 0; i < g_files.count; i++) {
            char *data = NULL;
            size_t size = 0;
            qc_document *doc = NULL;
            qc_error err;
            int rc;
            double t0 = bench_now(), t1 = t0;
            if (stages) {
                if (load(g_files.paths[i], &data, &size) != 0) {
                    fprintf(stderr, "%s: cannot read\n", g_files.paths[i]);
                    return 2;
                }
                t1 = bench_now();
                rc = qc_document_read_buffer(&doc, g_files.paths[i], data, size, &opts, &err);
            } else {
                rc = qc_document_read_file(&doc, g_files.paths[i], &opts, &err);
            }
            double t2 = bench_now();
            if (!stages) {
                struct stat st;
                size = stat(g_files.paths[i], &st) == 0 ? (size_t)st.st_size : 0;
            }
            total_bytes += size;
            if (rc != 0) {
                failed++;
                if (pass == 0)
                    fprintf(stderr, "%s: %s\n", g_files.paths[i], err.message);
                if (want_digest && pass == 0) {
                    printf("error %d %u:%u %s: %s\n", err.code, err.line, err.column, g_files.paths[i], err.message);
                    mix_str(&all, err.message);
                }
            } else {
                words += qc_document_unit_count(doc, QC_UNIT_WORD);
                sentences += qc_document_unit_count(doc, QC_UNIT_SENTENCE);
                turns += qc_document_turn_count(doc);
                if (want_digest && pass == 0) {
                    uint64_t d = digest(doc);
                    bench_mix_u64(&all, d);
                    printf("%016llx %s\n", (unsigned long long)d, g_files.paths[i]);
                }
            }
            double t3 = bench_now();
            qc_document_free(doc);
            free(data);
            double t4 = bench_now();
            t_load += t1 - t0;
            t_parse += t2 - t1;
            t_free += t4 - t3;
        }
        if (pass == 0 || t_parse < best_parse) {
            best_parse = t_parse;
            best_load = t_load;
            best_free = t_free;
        }
    }
    double mb = (double)total_bytes / 1048576.0;
    if (want_digest)
        printf("digest %016llx\n", (unsigned long long)all);
    printf("%s time\n", bench_clock == CLOCK_MONOTONIC ? "wall" : "CPU");
    printf("%zu files, %.1f MB, %zu turns, %zu sentences, %zu words, %zu failed\n", g_files.count, mb, turns, sentences,
           words, failed);
    if (stages)
        printf("load  %8.3f s  %8.1f MB/s\nparse %8.3f s  %8.1f MB/s\nfree  %8.3f s\nall   %8.3f s  %8.1f MB/s\n",
               best_load, mb / best_load, best_parse, mb / best_parse, best_free, best_load + best_parse + best_free,
               mb / (best_load + best_parse + best_free));
    else
        printf("read  %8.3f s  %8.1f MB/s (qc_document_read_file)\nfree  %8.3f s\n", best_parse, mb / best_parse,
               best_free);
    for (size_t i = 0; i < g_files.count; i++)
        free(g_files.paths[i]);
    free(g_files.paths);
    return failed ? 1 : 0;
}
