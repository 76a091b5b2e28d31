/* The corpus runner with another way of coding each document (run.c): qc_corpus_run codes with a
 * qc_coder of its codebook (qc_corpus_run_pair with one of each codebook); a run through the cache
 * codes each document through it, with one or two codebooks at once (cache.c). Threads, the
 * window of documents in flight and delivery in input order are the same either way. */
#ifndef QC_RUN_WITH_H
#define QC_RUN_WITH_H

#include "cache.h"
#include "qcode/results.h"

/* The bytes of a qc_run_options of this version (1 to QC_RUN_OPTIONS_VERSION), as its header laid
 * it out: what the runner copies, and what a qc_recode_options of an earlier version holds. */
size_t qc_run_options_size(unsigned version);

typedef struct qc_run_coder {
    /* A thread's own state (its coders), made on that thread; NULL with *err set on failure. */
    void *(*thread_new)(void *ctx, qc_error *err);
    void (*thread_free)(void *state);
    /* Codes doc, whose file has this SHA-256 and size: *out, and *out2 for a second codebook (or
     * NULL). On failure other than out of memory the document is reported and left out, as one
     * that cannot be read (a cache that cannot be written is no failure: cache.c). */
    int (*code)(void *ctx, void *state, const qc_document *doc, const char *sha256, size_t size, qc_coding **out,
                qc_coding **out2, qc_error *err);
    void *ctx;
} qc_run_coder;

/* A thread's coders for one codebook or two (cb2 NULL: one), as a qc_run_coder's state. NULL with
 * *err set on failure; qc_run_coders_free takes the state as a void pointer for thread_free. */
typedef struct qc_run_coders {
    qc_coder *coder, *coder2;
} qc_run_coders;
qc_run_coders *qc_run_coders_new(const qc_codebook *cb, const qc_codebook *cb2, qc_engine engine, qc_error *err);
void qc_run_coders_free(void *state);

/* qc_corpus_run (options, threads, callbacks and statistics the same) with each document coded by
 * `how`; on_pair, when not NULL, receives both codings in input order instead of
 * opts->on_document (opts->manual is then not used; opts->results, when given, are the results
 * on_pair adds the first coding to, whose share the workers prepare as for qc_corpus_run). */
int qc_corpus_run_with(const char *const *paths, size_t count, const qc_run_coder *how, const qc_casebook *cases,
                       const qc_run_options *opts, qc_cache_pair_fn on_pair, void *user, qc_run_stats *stats,
                       qc_error *err);

/* Each document read once and coded with both codebooks (cb's coding first, whose issues are
 * reported; cb2's as the second): a re-code without a cache. on_pair receives both in input
 * order; opts->on_document is not called. */
int qc_corpus_run_pair(const char *const *paths, size_t count, const qc_codebook *cb, const qc_codebook *cb2,
                       const qc_casebook *cases, const qc_run_options *opts, qc_cache_pair_fn on_pair, void *user,
                       qc_run_stats *stats, qc_error *err);

#endif
