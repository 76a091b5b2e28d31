/* The per-document coding cache (public API in qcode/diff.h; format in docs/recode.md), and the
 * code hashes it is keyed by. */
#ifndef QC_CACHE_H
#define QC_CACHE_H

#include <stdint.h>

#include "qcode/diff.h"

/* The hashes of every code of cb (out has code_count entries of 32 bytes): each code's compiled
 * description (rules, excludes, settings, where, manual; not its history lines), `context` when
 * it has `where` conditions, and the hashes of the codes it references, transitively. When `where`
 * is not NULL (code_count bytes, zeroed), the codes whose coding reads the casebook (their own
 * `where` conditions or those of a code they reference) are set to 1 there. */
int qc_code_hashes(const qc_codebook *cb, const char *context, uint8_t (*out)[32], uint8_t *where);

/* A document coded through two caches: `coding` by the first (whose issues the run reports),
 * `second` by the second (NULL without one). */
typedef int (*qc_cache_pair_fn)(const qc_document *doc, const qc_coding *coding, const qc_coding *second,
                                const qc_source_info *src, void *user, qc_error *err);

/* qc_cache_run with each document read once and coded through `cache` and, when not NULL,
 * `second` (another codebook's cache, the same folder or not): for a re-code, which needs the old
 * and the new codebook's coding of every document. In one folder the document's entry file is read
 * once for both (`second` sees what `cache` wrote to it). Each cache counts its own statistics.
 * on_pair gets `user`; opts->on_document is not called. */
int qc_cache_run_pair(qc_cache *cache, qc_cache *second, const char *const *paths, size_t count,
                      const qc_casebook *cases, const qc_run_options *opts, qc_cache_pair_fn on_pair, void *user,
                      qc_run_stats *stats, qc_error *err);

/* The codings a cache takes whole from its entries are read for their quotations' spans only:
 * they have no hits (each quotation's hit_count 0). For a re-code's old codebook, whose coding is
 * compared and checked against the file's digest, neither of which reads hits. A coding coded in
 * part or in full, which the entry is written from, keeps its hits. */
void qc_cache_spans_only(qc_cache *cache);

/* Entry keys: those a cache's lookups looked for, gathered for pruning. */
typedef struct qc_cache_keys {
    uint8_t (*keys)[32];
    size_t count, cap;
} qc_cache_keys;
void qc_cache_keys_free(qc_cache_keys *k);
/* Adds the keys cache's lookups looked for to `into` (a re-code gathers its caches' before freeing
 * them). QC_ERR_NOMEM or QC_OK. */
int qc_cache_keys_take(qc_cache *cache, qc_cache_keys *into);
/* Removes every entry file of dir whose key is not in keep (sorted here), nothing else; as
 * qc_cache_prune. */
int qc_cache_prune_dir(const char *dir, qc_cache_keys *keep, size_t *removed, uint64_t *bytes, qc_error *err);

/* The cache file format. */
#define QC_CACHE_MAGIC "QCCACHE\n"
#define QC_CACHE_VERSION 3u
#define QC_CACHE_HEADER_SIZE 56 /* magic 8, version 4, reserved 4, key 32, payload size 4, payload CRC-32 4 */
/* The payload's table of the records hashes of codings an entry gives (after the codebook hash):
 * u32 count, then this many slots, each a coding's key 32, its records hash 32, its quotation
 * count 4. Fixed in size, so that adding to it leaves the records where they are. */
#define QC_CACHE_CODINGS 4
#define QC_CACHE_CODING_SLOT 68

#endif
