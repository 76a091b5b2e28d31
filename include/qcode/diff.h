/* qcode/diff.h: codebook revisions. Comparing two codebooks by stable id, re-coding a corpus with
 * a revised codebook and reporting what moved, carrying manual codings across, and the
 * per-document coding cache that makes a re-code after a small revision cheap.
 *
 * docs/recode.md describes the outputs (diff text and XML, the change report, the cache format);
 * the XML is docs/schema/qcode-recode.xsd (namespace urn:qcode:recode:1).
 *
 * Lineage. Ids are stable: a code keeps its id across revisions unless the new codebook says
 * otherwise with `was OLDID` (an id change, or a split when several codes say it) or
 * `merged-from A B` (a merge). A codebook keeps its whole history, so only `was`/`merged-from`
 * ids that exist in the old codebook count. The codings of an old code go to its successors: the
 * new code with the same id, and every new code that names it in `was` or `merged-from`.
 *
 * Threads: a diff, a recode and a cache are not thread-safe; compiled codebooks they borrow are.
 */
#ifndef QCODE_DIFF_H
#define QCODE_DIFF_H

#include "casebook.h"
#include "codebook.h"
#include "coding.h"
#include "common.h"
#include "document.h"
#include "results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- revision history written in a codebook --- */

/* The ids a code names in `was` lines and `merged-from` lines (file order). Borrowed from cb. */
QC_EXPORT size_t qc_code_was_count(const qc_codebook *cb, size_t code);
QC_EXPORT const char *qc_code_was(const qc_codebook *cb, size_t code, size_t index);
QC_EXPORT size_t qc_code_merged_from_count(const qc_codebook *cb, size_t code);
QC_EXPORT const char *qc_code_merged_from(const qc_codebook *cb, size_t code, size_t index);

/* The hash of what decides a code's quotations: its compiled rules, excludes, `where` conditions
 * and settings, and the hashes of every code it references with {REF} or {REF*}, transitively.
 * Two codes with the same hash code any document the same way. 64 lower-case hex digits + NUL.
 * Returns 0, QC_ERR_INVALID (no such code) or QC_ERR_NOMEM. */
QC_EXPORT int qc_code_rules_hash(const qc_codebook *cb, size_t code, char hex[65]);

/* --- codebook diff --- */

/* What changed about a code. One change may carry several kinds. */
typedef enum qc_change_kind {
    QC_CHANGE_ADDED = 1 << 0,      /* a new code: no old code has its id or is named in its history */
    QC_CHANGE_REMOVED = 1 << 1,    /* an old code with no successor */
    QC_CHANGE_RENAMED = 1 << 2,    /* display name changed */
    QC_CHANGE_MOVED = 1 << 3,      /* new parent (not the successor of the old parent) */
    QC_CHANGE_RULES = 1 << 4,      /* rule lines or excludes changed */
    QC_CHANGE_DEFINITION = 1 << 5, /* `define` changed */
    QC_CHANGE_SETTINGS = 1 << 6,   /* scope, speakers, case, accents, min, where, manual */
    QC_CHANGE_ID = 1 << 7,         /* the old id became the new one (`was`) */
    QC_CHANGE_MERGED = 1 << 8,     /* the old code is one of those merged into the new (`merged-from`) */
    QC_CHANGE_SPLIT = 1 << 9       /* the old code became several new codes (`was` on each) */
} qc_change_kind;

/* One change: a pair of codes (old, new), or one side only for added and removed codes.
 * Strings are borrowed from the codebooks; lists from the diff. */
typedef struct qc_code_change {
    unsigned kinds;              /* qc_change_kind bits */
    long old_code;               /* index in the old codebook, -1 for an added code */
    long new_code;               /* index in the new codebook, -1 for a removed code */
    const char *old_id, *new_id; /* NULL on the missing side */
    const char *old_name, *new_name;
    const char *old_parent, *new_parent; /* parent ids; NULL for a main code or a missing side */
    /* Rule texts as written, and the other lines that decide matching (exclude, settings, where,
     * manual) in qc_code_describe's compiled form, that only the old code has. */
    const char *const *rules_removed;
    size_t rules_removed_count;
    const char *const *rules_added; /* ... only in the new code */
    size_t rules_added_count;
} qc_code_change;

typedef struct qc_codebook_diff qc_codebook_diff;

/* Compares two compiled codebooks (both borrowed: they must outlive the diff). Changes are in the
 * new codebook's order, then removed codes in the old codebook's order; unchanged codes are not
 * listed. *out is the caller's. */
QC_EXPORT int qc_codebook_diff_new(qc_codebook_diff **out, const qc_codebook *old_cb, const qc_codebook *new_cb,
                                   qc_error *err);
QC_EXPORT void qc_codebook_diff_free(qc_codebook_diff *d);
QC_EXPORT size_t qc_codebook_diff_count(const qc_codebook_diff *d);
QC_EXPORT int qc_codebook_diff_get(const qc_codebook_diff *d, size_t index, qc_code_change *out);
/* How many changes carry this kind (a change with several kinds counts under each). */
QC_EXPORT size_t qc_codebook_diff_count_kind(const qc_codebook_diff *d, qc_change_kind kind);
/* The new codes an old code's codings go to (see Lineage above), in new-codebook order. Returns
 * the count; *codes is borrowed from the diff (NULL when 0). */
QC_EXPORT size_t qc_codebook_diff_successors(const qc_codebook_diff *d, size_t old_code, const size_t **codes);
/* A change kind's name as the outputs write it: "added", "removed", "renamed", "moved", "rules",
 * "definition", "settings", "id-changed", "merged", "split". */
QC_EXPORT const char *qc_change_kind_name(qc_change_kind kind);

typedef enum qc_diff_format { QC_DIFF_TEXT = 0, QC_DIFF_XML = 1 } qc_diff_format;

/* The diff as text for a terminal or as XML (docs/recode.md). *out is NUL-terminated and the
 * caller's (free with qc_diff_text_free); *len may be NULL. */
QC_EXPORT int qc_codebook_diff_render(const qc_codebook_diff *d, qc_diff_format format, char **out, size_t *len,
                                      qc_error *err);
/* Frees a string the diff and recode functions returned; NULL is a no-op. */
QC_EXPORT void qc_diff_text_free(char *text);

/* --- the coding cache --- */

/* A folder of per-document codings: one file per document, keyed by the SHA-256 of the document's
 * bytes and read options, holding each code's quotations under the code's rules hash. A coding is
 * reused only when every code of the codebook is there with the same hash; a file whose header,
 * checksum or key does not hold is counted as rejected and rewritten. Not thread-safe. */
typedef struct qc_cache qc_cache;

typedef struct qc_cache_stats {
    size_t hits;          /* documents whose coding came from the cache */
    size_t misses;        /* documents coded: no entry yet */
    size_t stale;         /* documents coded: entry there but some code's hash differs */
    size_t rejected;      /* entries that were corrupt, truncated or of another version (rebuilt) */
    size_t written;       /* entries written */
    size_t codes_recoded; /* on stale documents, the codes coded again (the changed ones; every code when a document is
                             coded in full) */
} qc_cache_stats;

/* Opens (creating when missing) the cache folder. A code with `where` conditions (or referencing
 * one) is kept in each document's entry under a hash of its rules and of the casebook's values its
 * conditions can read in that document (from qc_cache_code's casebook): a casebook edit re-codes it
 * only where it changed what it reads. `context`, when not NULL, is mixed into those codes' hash
 * too (qcode passes NULL; a caller that passed the casebook's digest keeps its meaning: any edit
 * of the casebook re-codes them everywhere). */
QC_EXPORT int qc_cache_open(qc_cache **out, const char *dir, const qc_codebook *cb, const char *context, qc_error *err);
QC_EXPORT void qc_cache_free(qc_cache *cache);
QC_EXPORT void qc_cache_get_stats(const qc_cache *cache, qc_cache_stats *out);
/* The size of the buffer for qc_cache_unwritten's reason that holds any reason whole. */
#define QC_CACHE_REASON_MAX 160

/* The entries this cache could not write (a read-only cache, a full disk, the folder removed):
 * their documents were coded and used all the same, and the next run codes them again. When
 * reason is not NULL, the first failure's reason ("cannot write: No space left on device") is
 * copied into reason[0..cap), NUL-terminated; "" when every entry was written. Kept apart from
 * qc_cache_stats, whose size programs built against an older header rely on. */
QC_EXPORT size_t qc_cache_unwritten(const qc_cache *cache, char *reason, size_t cap);
/* Removes from the cache's folder the entry file of every document no lookup through this cache
 * looked for since it was opened: the entries of transcripts since edited, or no longer coded.
 * For a folder one corpus uses, after a run over all of it: entries other runs use (another
 * corpus's) go too; the codebooks kept there stay. *removed and *bytes (either may be NULL) are
 * the files removed and their size. QC_ERR_IO naming the folder, or the file that could not be
 * removed (those before it are gone). */
QC_EXPORT int qc_cache_prune(qc_cache *cache, size_t *removed, uint64_t *bytes, qc_error *err);

/* The coding of a document read from `data` (its file bytes): from the cache when the entry holds,
 * else coded with `coder` (made for the cache's codebook) and stored. The entry is keyed by the
 * bytes, the document's id and how it was read (the document records its read options and qcode's
 * version; `read` is not used any more and may be NULL).
 * *out is the caller's (qc_coding_free). An entry that cannot be written does not fail the call:
 * it is counted (qc_cache_unwritten, with the reason). */
QC_EXPORT int qc_cache_code(qc_cache *cache, qc_coder *coder, const qc_document *doc, const qc_casebook *cases,
                            const void *data, size_t size, const qc_read_options *read, qc_coding **out, qc_error *err);

/* Keeps a copy of cb's file in the cache folder (dir/codebooks/SHA256.qcb, the folder made when
 * missing), unless one is there or the file no longer has cb's bytes (edited since it was loaded):
 * a re-code from results this codebook makes finds it there by the SHA-256 they record
 * (qc_recode_options.find_old_codebook), after the file was edited in place. A failure other than
 * running out of memory says in err's message what it costs (a later re-code from these results
 * needs the codebook's file unchanged), for a caller that goes on and warns, as qcode does. */
QC_EXPORT int qc_cache_keep_codebook(const char *dir, const qc_codebook *cb, qc_error *err);

/* Runs a corpus like qc_corpus_run (same options, jobs and callbacks, documents handed over in
 * input order on this thread) but through the cache: worker threads read and code documents, each
 * with its own coder, and share the cache, whose statistics count every thread's lookups. */
QC_EXPORT int qc_cache_run(qc_cache *cache, const char *const *paths, size_t count, const qc_casebook *cases,
                           const qc_run_options *opts, qc_run_stats *stats, qc_error *err);

/* --- re-coding --- */

typedef struct qc_recode qc_recode;

#define QC_RECODE_OPTIONS_VERSION 7
typedef struct qc_recode_options {
    unsigned version;
    const qc_codebook *old_cb; /* the old codebook (borrowed); NULL: only results_path */
    const char *results_path;  /* the old results.xml; NULL: code the corpus with old_cb */
    const char *manual_path;   /* a manual.xml to carry to the new codebook; NULL: none. Its codings and
                                * the people's quotations of results_path are carried and those that
                                * reach a new code counted in the new results, as qc_run_options.manual */
    const char *cache_dir;     /* NULL: no cache */
    const char *cache_context; /* see qc_cache_open */
    qc_run_options run;        /* reading and threads (callbacks are the recode's own: leave NULL); in
                                * options of versions 1 to 5, the run options of their header (version 2,
                                * or 1 as run.version says): qc_recode_run reads the fields after it
                                * where those put them */
    /* (Version 2.) Make the new results counts only (qc_results_options.counts_only): for a
     * report alone (`qcode recode --dry-run`), which reads none of the new results' quotations.
     * qc_recode_results then cannot be written (QC_ERR_INVALID). Version 1 options end before it
     * (0: full results). */
    int counts_only;
    /* (Version 3.) With results_path and no old_cb: look for the codebook that made the file, by the
     * SHA-256 its provenance records, in cache_dir (which keeps a copy of every codebook a re-code
     * with it was given) and then at the path the provenance names (as given, else beside the
     * file); when found, it is the old codebook, as if given (qc_recode_old_codebook). 1 in
     * QC_RECODE_OPTIONS_INIT; earlier versions do not look. */
    int find_old_codebook;
    /* (Version 4.) Write the new results as a results.xml of format 2 at stream_path while the
     * corpus is coded (qc_results_stream_xml with stream_options, whose format must be 2; both
     * borrowed until the run returns). The caller finishes the file with qc_results_write_xml on
     * qc_recode_results with the same path and options; freed unfinished, the re-code leaves
     * nothing. The new results then keep their quotations for that file alone
     * (qc_results_options.stream_only). NULL: no stream. Not with counts_only. */
    const char *stream_path;
    const qc_write_options *stream_options;
    /* (Version 5.) Called with the new results as soon as they are made, before any of them is
     * written (a stream writes the provenance first), and again if the re-code has to make them
     * anew: to record the options of the run with qc_results_set_option, as `qcode code` records
     * its own, so that the next re-code or export reads the corpus as this one did. A nonzero
     * return stops the re-code with it (fill err). NULL: nothing recorded. */
    int (*on_results)(qc_results *results, void *user, qc_error *err);
    void *results_user;
    /* (Version 6.) The commit set (qc_outputs, qcode/common.h) qc_recode_write_manual leaves the
     * carried manual.xml in, renamed into place when the caller commits it with the run's other
     * outputs (the stream's results.xml joins the set of its stream_options). NULL: renamed at
     * once. */
    qc_outputs *outputs;
    /* (Version 7.) The casebook is not the one the old side was coded with (the caller knows:
     * `qcode recode` compares what --from records with --cases): a quotation that moved on an
     * unchanged document, under unchanged rules, then did so for the casebook's values (`where`
     * conditions), and is reported so (QC_REASON_CASEBOOK) rather than as unexplained, when the
     * new codebook has any `where` condition. 0: the same casebook, or not known. */
    int casebook_changed;
} qc_recode_options;
#define QC_RECODE_OPTIONS_INIT                                                                                         \
    {                                                                                                                  \
        QC_RECODE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, QC_RUN_OPTIONS_INIT, 0, 1, NULL, NULL, NULL, NULL,    \
            NULL, 0                                                                                                    \
    }

/* Codes the corpus with new_cb and compares it with the old side: the old results.xml, or a run
 * of old_cb over the same corpus. new_cb and cases are borrowed and must outlive the recode.
 * Documents that fail to read are reported through opts->run.on_error and left out of both
 * sides. *out is the caller's. */
QC_EXPORT int qc_recode_run(qc_recode **out, const char *const *paths, size_t count, const qc_codebook *new_cb,
                            const qc_casebook *cases, const qc_recode_options *opts, qc_error *err);
QC_EXPORT void qc_recode_free(qc_recode *rc);

/* The new results (borrowed: write them with qc_results_write_xml). */
QC_EXPORT qc_results *qc_recode_results(qc_recode *rc);
/* The diff between the codebooks, or NULL when the old side is a results.xml only. */
QC_EXPORT const qc_codebook_diff *qc_recode_diff(const qc_recode *rc);
/* The new run's: a document refused for an id an earlier one has (reported through the run's
 * on_error, and left out on both sides) counts as failed, not as a document. */
QC_EXPORT void qc_recode_run_stats(const qc_recode *rc, qc_run_stats *stats);
/* 1 when, given a results.xml and the old codebook, the old side was not read from the file but
 * coded again (through the cache when there is one), for every document whose coding by the old
 * codebook had the file's codingSha256 (the others: qc_recode_old_side_read_documents); 0 when it
 * was read from the file (its header does not fit the old codebook, or it records no digests).
 * The report is the same either way; reading a large results.xml back is what this saves. A file
 * that lists people's codings is no exception since 2026-12-07 (the documents holding them never
 * match, and take their old side from the file). */
QC_EXPORT int qc_recode_old_side_coded(const qc_recode *rc);
/* When the old side was coded again: how many of the file's documents still took their old side
 * from the file, read once for them, because their coding now was not the file's (edited since,
 * or holding people's codings) or the corpus no longer had them. 0 otherwise. */
QC_EXPORT size_t qc_recode_old_side_read_documents(const qc_recode *rc);
/* The old codebook found by qc_recode_options.find_old_codebook (borrowed), or NULL when none was
 * looked for or found (the old codebook given is not returned). */
QC_EXPORT const qc_codebook *qc_recode_old_codebook(const qc_recode *rc);
/* 1 when the old codebook given with a results_path is not the one that made the file (its
 * provenance records another SHA-256): the file's quotations are its codes', compared through the
 * given codebook's lineage, so renames and merges may be reported as losses and gains. 0 when it
 * is, when the file records none, or without a results_path. */
QC_EXPORT int qc_recode_old_codebook_differs(const qc_recode *rc);
/* Cache statistics (all zero without a cache). */
QC_EXPORT void qc_recode_cache_stats(const qc_recode *rc, qc_cache_stats *out);
/* qc_cache_unwritten for the re-code's cache (both codebooks' lookups; an entry both write counted
 * once). */
QC_EXPORT size_t qc_recode_cache_unwritten(const qc_recode *rc, char *reason, size_t cap);
/* qc_cache_prune for the re-code's cache folder, after qc_recode_run: keeps the entries either
 * codebook's lookups looked for. QC_ERR_INVALID when the re-code ran without a cache. */
QC_EXPORT int qc_recode_prune_cache(qc_recode *rc, size_t *removed, uint64_t *bytes, qc_error *err);

/* Why a quotation was gained or lost, or how a kept one travelled. */
typedef enum qc_recode_reason {
    QC_REASON_NONE = 0,
    QC_REASON_RULES,       /* the code's rules (or settings) changed */
    QC_REASON_REFERENCE,   /* a code it references with {REF} changed */
    QC_REASON_MERGED,      /* the old code was merged into this one */
    QC_REASON_SPLIT,       /* the old code was split; this is one of its successors */
    QC_REASON_RENAMED,     /* same code under a new id (`was`) */
    QC_REASON_REMOVED,     /* the code was removed */
    QC_REASON_DOCUMENT,    /* the document's text changed (or it is new) */
    QC_REASON_UNEXPLAINED, /* nothing known changed (should not happen) */
    QC_REASON_ADDED,       /* the code is new */
    QC_REASON_CASEBOOK,    /* the casebook is not the old side's (qc_recode_options.casebook_changed) */
    QC_REASON_NOT_READ     /* the old side had the document, this run did not read it (gone, or unreadable) */
} qc_recode_reason;
QC_EXPORT const char *qc_recode_reason_name(qc_recode_reason reason);

/* One row of the report: a code of the new codebook (new_code >= 0), or a removed old code
 * (new_code -1). before: old quotations of the codes mapped to it (distinct spans); after: its
 * new quotations; kept + gained = after, kept + lost = before. */
typedef struct qc_recode_row {
    long new_code;
    const char *id; /* the new id, or the removed code's old id */
    const char *name;
    unsigned kinds;   /* qc_change_kind bits from the diff (0 without an old codebook) */
    const char *from; /* old ids it took codings from, space-separated ("" when none) */
    size_t before, after, kept, gained, lost;
} qc_recode_row;

QC_EXPORT size_t qc_recode_row_count(const qc_recode *rc);
QC_EXPORT int qc_recode_get_row(const qc_recode *rc, size_t index, qc_recode_row *out);

/* Totals: quotations before and after, kept, gained, lost; manual codings carried, moved to
 * another code, and unassigned (their code removed). */
typedef struct qc_recode_totals {
    size_t before, after, kept, gained, lost;
    size_t codes_changed; /* rows with gained or lost quotations */
    size_t manual, manual_moved, manual_unassigned;
} qc_recode_totals;
QC_EXPORT void qc_recode_get_totals(const qc_recode *rc, qc_recode_totals *out);

/* The change report: text for a terminal (a summary and the changed codes' counts side by side)
 * or XML (every code, with gained, lost and unassigned quotations listed and their reasons).
 * *out is the caller's (qc_diff_text_free). */
QC_EXPORT int qc_recode_render(const qc_recode *rc, qc_diff_format format, char **out, size_t *len, qc_error *err);

/* The manual codings carried to the new codebook as a manual.xml (atomically; into the set of
 * qc_recode_options.outputs when there is one): codings follow
 * renames, moves, id changes and merges (a split code's go to each successor); a coding whose code
 * was removed goes to the code "UNASSIGNED.R<version>" ("Unassigned after revision <version>").
 * The codings are the manual.xml's and the people's quotations the old results.xml listed (with a
 * `coder`), each once. QC_ERR_INVALID when the recode carried none (no manual.xml, and no
 * results.xml or one that listed none). */
QC_EXPORT int qc_recode_write_manual(const qc_recode *rc, const char *path, qc_error *err);

/* Writes a rendered text atomically to path. */
QC_EXPORT int qc_recode_write_text(const char *text, size_t len, const char *path, qc_error *err);

#ifdef __cplusplus
}
#endif
#endif
