/* Coding benchmark: reads every transcript under the given folders into memory first (untimed),
 * then times qc_coder_code alone over all of them, so the matcher can be measured without
 * reading, aggregation or output.
 *
 * Usage: qcode-code-bench --codebook FILE [--cases FILE] [--engine fast|reference] [--repeat N]
 *                         [--max-bytes N] [--wall] [--digest] [--doc-digests] DIR|FILE...
 *   --codebook FILE  the codebook (.qcb) to code with (required)
 *   --cases FILE     a casebook for `where` conditions (default: none)
 *   --engine E       fast (the default) or reference
 *   --repeat N       code the whole set N times; the best pass is reported (default 1)
 *   --max-bytes N    read files (in name order) only until N bytes are loaded (the reference
 *                    engine is slow: compare the two on the same prefix of the corpus)
 *   --wall           wall-clock time instead of the process's CPU time
 *   --digest         a hash of every quotation (code, turn, start, end) and every hit (start,
 *                    end, rule, and the leaf as its line:column in the codebook) and every issue,
 *                    to show that faster code gives identical codings; untimed
 *   --doc-digests    with --digest, also one hash per document (to find which one differs)
 *
 * The time is qc_coder_code's only: each coding is freed outside the clock. */
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

/* --- digest --- */

static uint64_t digest(const qc_coding *coding)
{
    uint64_t h = BENCH_DIGEST_INIT;
    size_t nq = qc_coding_quotation_count(coding);
    bench_mix_u64(&h, nq);
    for (size_t i = 0; i < nq; i++) {
        qc_quotation q;
        qc_coding_quotation(coding, i, &q);
        uint64_t v[5] = {q.code, q.turn, q.start, q.end, q.hit_count};
        bench_mix(&h, v, sizeof v);
        for (size_t k = 0; k < q.hit_count; k++) {
            qc_hit hit;
            qc_coding_hit(coding, i, k, &hit);
            uint64_t w[5] = {hit.start, hit.end, hit.rule, hit.line, hit.column};
            bench_mix(&h, w, sizeof w);
        }
    }
    size_t ni = qc_coding_issue_count(coding);
    bench_mix_u64(&h, ni);
    for (size_t i = 0; i < ni; i++) {
        const char *s = qc_coding_issue(coding, i);
        bench_mix(&h, s, strlen(s) + 1);
    }
    return h;
}

static size_t coding_hits(const qc_coding *coding)
{
    size_t n = 0;
    for (size_t i = 0; i < qc_coding_quotation_count(coding); i++) {
        qc_quotation q;
        qc_coding_quotation(coding, i, &q);
        n += q.hit_count;
    }
    return n;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s --codebook FILE [--cases FILE] [--engine fast|reference] [--repeat N] [--max-bytes N] "
            "[--wall] [--digest] [--doc-digests] DIR|FILE...\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    const char *codebook_path = NULL, *cases_path = NULL;
    int repeat = 1, want_digest = 0, doc_digests = 0;
    size_t max_bytes = SIZE_MAX;
    qc_coder_options copts = QC_CODER_OPTIONS_INIT;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *a = argv[first];
        int has_value = first + 1 < argc;
        if (strcmp(a, "--codebook") == 0 && has_value)
            codebook_path = argv[++first];
        else if (strcmp(a, "--cases") == 0 && has_value)
            cases_path = argv[++first];
        else if (strcmp(a, "--engine") == 0 && has_value) {
            const char *e = argv[++first];
            if (strcmp(e, "fast") == 0)
                copts.engine = QC_ENGINE_FAST;
            else if (strcmp(e, "reference") == 0)
                copts.engine = QC_ENGINE_REFERENCE;
            else
                return usage(argv[0]);
        } else if (strcmp(a, "--repeat") == 0 && has_value)
            repeat = atoi(argv[++first]);
        else if (strcmp(a, "--max-bytes") == 0 && has_value)
            max_bytes = (size_t)strtoull(argv[++first], NULL, 10);
        else if (strcmp(a, "--wall") == 0)
            bench_clock = CLOCK_MONOTONIC;
        else if (strcmp(a, "--digest") == 0)
            want_digest = 1;
        else if (strcmp(a, "--doc-digests") == 0)
            want_digest = doc_digests = 1;
        else
            return usage(argv[0]);
    }
    if (first >= argc || repeat < 1 || !codebook_path)
        return usage(argv[0]);

    qc_error err;
    qc_codebook *cb = NULL;
    if (qc_codebook_load(&cb, codebook_path, NULL, &err) != 0) {
        fprintf(stderr, "%s:%u:%u: error: %s\n", codebook_path, err.line, err.column, err.message);
        return 3;
    }
    qc_casebook *cases = NULL;
    if (cases_path && qc_casebook_load(&cases, cases_path, &err) != 0) {
        fprintf(stderr, "%s: error: %s\n", cases_path, err.message);
        return 2;
    }
    if (bench_collect(&g_files, argv + first, argc - first) != 0)
        return 2;

    /* Reading, untimed. */
    qc_document **docs = calloc(g_files.count ? g_files.count : 1, sizeof *docs);
    if (!docs)
        return 2;
    size_t ndocs = 0, total_bytes = 0, failed = 0;
    for (size_t i = 0; i < g_files.count && total_bytes < max_bytes; i++) {
        if (qc_document_read_file(&docs[ndocs], g_files.paths[i], NULL, &err) != 0) {
            fprintf(stderr, "%s: %s\n", g_files.paths[i], err.message);
            failed++;
            continue;
        }
        struct stat st;
        total_bytes += stat(g_files.paths[i], &st) == 0 ? (size_t)st.st_size : 0;
        ndocs++;
    }

    qc_coder *coder = NULL;
    if (qc_coder_new(&coder, cb, &copts, &err) != 0) {
        fprintf(stderr, "coder: %s\n", err.message);
        return 2;
    }
    double best = 0;
    size_t quotations = 0, hits = 0, issues = 0;
    uint64_t all = BENCH_DIGEST_INIT;
    for (int pass = 0; pass < repeat; pass++) {
        double spent = 0;
        quotations = hits = issues = 0;
        for (size_t i = 0; i < ndocs; i++) {
            qc_coding *coding = NULL;
            double t0 = bench_now();
            int rc = qc_coder_code(coder, docs[i], cases, &coding, &err);
            spent += bench_now() - t0;
            if (rc != 0) {
                fprintf(stderr, "%s: %s\n", qc_document_id(docs[i]), err.message);
                return 1;
            }
            quotations += qc_coding_quotation_count(coding);
            hits += coding_hits(coding);
            issues += qc_coding_issue_count(coding);
            if (want_digest && pass == 0) {
                uint64_t d = digest(coding);
                bench_mix_u64(&all, d);
                if (doc_digests)
                    printf("%016llx %s\n", (unsigned long long)d, qc_document_id(docs[i]));
            }
            qc_coding_free(coding);
        }
        if (pass == 0 || spent < best)
            best = spent;
    }
    double mb = (double)total_bytes / 1048576.0;
    if (want_digest)
        printf("digest %016llx\n", (unsigned long long)all);
    printf("%s engine, %s time\n", copts.engine == QC_ENGINE_FAST ? "fast" : "reference",
           bench_clock == CLOCK_MONOTONIC ? "wall" : "CPU");
    printf("%zu documents, %.1f MB, %zu quotations, %zu hits, %zu issues, %zu unreadable\n", ndocs, mb, quotations,
           hits, issues, failed);
    printf("code %8.3f s  %8.1f MB/s (qc_coder_code)\n", best, best > 0 ? mb / best : 0.0);

    qc_coder_free(coder);
    for (size_t i = 0; i < ndocs; i++)
        qc_document_free(docs[i]);
    free(docs);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    for (size_t i = 0; i < g_files.count; i++)
        free(g_files.paths[i]);
    free(g_files.paths);
    return 0;
}
