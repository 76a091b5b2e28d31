/* Re-coding after a codebook revision (public API in qcode/diff.h): the old side (a results.xml
 * or a run of the old codebook), the new run, their comparison per code, the manual codings
 * carried across, and the report (recode_render.c). */
#ifndef QC_RECODE_H
#define QC_RECODE_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "cache.h"
#include "qcode/diff.h"

/* A quotation on one side: code (old: slot in old_ids; new: code index), document (index in the
 * recode's documents), span, and its text: an offset into the string pool, or QC_RQ_TEXT_LATER
 * when it is the span of the document as read now (only a gained or lost one's is ever shown, so
 * it is taken from the document read again after the comparison). */
typedef struct qc_rq {
    uint32_t code, doc, start, end;
    size_t text;
} qc_rq;
#define QC_RQ_TEXT_LATER SIZE_MAX
/* A text an old results.xml gave, set aside in qc_recode.old_texts at this offset (its u32 length,
 * then its bytes) until the report needs it: only the gained and lost are shown, and the texts of
 * every quotation of a corpus would be most of the re-code's memory. */
#define QC_RQ_TEXT_SET_ASIDE ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* A quotation gained or lost by a row, with why; `origin` is the old code slot it came from
 * (UINT32_MAX for gained ones). */
typedef struct qc_rq_event {
    qc_rq q;
    uint8_t gained;
    uint8_t reason; /* qc_recode_reason */
    uint32_t origin;
    size_t row; /* index in the rows */
} qc_rq_event;

typedef struct qc_rq_row {
    long new_code;
    uint32_t old_slot; /* removed rows: the old code; else UINT32_MAX */
    unsigned kinds;
    size_t from; /* pool offset of the space-separated old ids */
    size_t before, after, kept, gained, lost;
    size_t event_first, event_count;
} qc_rq_row;

typedef struct qc_rq_doc {
    char *id;
    char *path; /* the file the run read it from (NULL: only in the old results.xml) */
    char old_sha[65], new_sha[65];
    char file_digest[65]; /* the old results.xml's codingSha256 ("" none) */
    uint8_t in_old, in_new;
    uint8_t digest_ok;       /* the old codebook's coding now matched file_digest (in_old: the file lists it) */
    uint8_t compared;        /* its quotations were compared (recode_compare.c) */
    uint8_t deferred;        /* in_old and coded, but not as the file says: its old side is the file's (file_q),
                              * compared when the file is read (qc_recode.file_read: at once, else after the run) */
    size_t old_first, old_n; /* its old quotations in old_q (file_q once the file was read for them) */
    size_t def_first, def_n; /* a deferred document's new quotations in def_q, until the file is read */
} qc_rq_doc;

/* A manual coding and where it went. */
typedef struct qc_rq_manual {
    size_t item;        /* index in the manual.xml read */
    char *to;           /* the code id it now has */
    uint8_t unassigned; /* its code was removed (now, or in an earlier revision) */
    uint8_t moved;
} qc_rq_manual;

struct qc_refi_manual;
typedef struct qc_rq_cmp qc_rq_cmp;

struct qc_recode {
    const qc_codebook *old_cb, *new_cb;
    const qc_casebook *cases;
    char *results_path;
    qc_codebook_diff *diff;
    qc_results *results;
    int counts_only; /* qc_recode_options.counts_only: results made counts only */
    /* qc_recode_options.stream_path and stream_options (borrowed for the run): the new results'
     * results.xml, streamed, started anew with them */
    const char *stream_path;
    const qc_write_options *stream_options;
    int (*on_results)(qc_results *results, void *user, qc_error *err); /* qc_recode_options' */
    void *results_user;
    qc_outputs *outputs; /* qc_recode_options.outputs: the set the carried manual.xml joins */
    qc_run_stats stats;
    size_t refused; /* documents of this run the new results refused (an id already used) */
    qc_cache_stats cache_stats;
    size_t cache_unwritten; /* qc_recode_cache_unwritten */
    char cache_unwritten_reason[QC_CACHE_REASON_MAX];
    char *cache_dir;          /* the run's --cache folder (NULL: none), for qc_recode_prune_cache */
    qc_cache_keys cache_used; /* the entries its lookups looked for, both codebooks' */
    qc_buf pool; /* NUL-terminated strings, addressed by offset */
    char **old_ids;
    size_t old_id_count, old_id_cap;
    qc_rq_doc *docs;
    size_t doc_count, doc_cap;
    uint32_t *doc_map; /* open addressing over docs by id; UINT32_MAX empty */
    size_t doc_map_size;
    uint32_t *file_docs; /* results.xml document index -> docs index */
    size_t file_doc_count, file_doc_cap;
    qc_rq *old_q, *new_q;
    size_t old_count, old_cap, new_count, new_cap;
    qc_rq *def_q; /* the new quotations of deferred documents (qc_rq_doc.deferred) */
    size_t def_count, def_cap;
    /* With a verified old side: the file's quotations of the documents it could not vouch for, in
     * document order (qc_rq_doc.old_first), once the file was read for them (file_read): during the
     * run, when a document that did not match may hold people's codings (they are counted in the
     * new results, so they must be known before it is), else after it. people: whether the file may
     * list people's codings (0 not looked yet, 1 no, 2 yes). */
    qc_rq *file_q;
    size_t file_count;
    int file_read, people;
    FILE *old_texts; /* the texts of the old side read from results.xml (QC_RQ_TEXT_SET_ASIDE) */
    uint64_t old_texts_len;
    size_t old_read_docs; /* with a verified old side: the file's documents whose old side was read from it */
    qc_rq_row *rows;
    size_t row_count, row_cap;
    qc_rq_event *events;
    size_t event_count, event_cap;
    qc_rq_cmp *cmp;                      /* the comparison's tables while documents are compared (recode_compare.c) */
    struct qc_refi_manual *manual;       /* the codings carried: manual.xml's, then results.xml's */
    struct qc_refi_manual *from_results; /* the people's quotations results.xml lists (coder="NAME") */
    qc_manual *counted;                  /* the carried codings counted in the new results */
    qc_run_issue_fn on_issue;            /* warnings about them (opts->run's) */
    void *issue_user;
    qc_rq_manual *moves;
    size_t move_count;
    char *unassigned_id, *unassigned_name;
    qc_recode_totals totals;
    int old_coded;             /* with a results.xml: its quotations were not read but coded again, as they matched */
    qc_codebook *found_old_cb; /* the old codebook found by its SHA-256 (recode_old_codebook.c), owned */
    int from_other_codebook;   /* the results.xml records a codebook SHA-256 other than the old codebook's */
    int casebook_changed;      /* qc_recode_options.casebook_changed */
};

/* The codebook that made the results.xml at results_path, found by the SHA-256 its provenance
 * records: the copy cache_dir keeps (may be NULL), else the file the provenance names (as given,
 * else beside results.xml). *out (the caller's) is NULL when neither has those bytes or loads.
 * Fails only for memory. */
int qc_recode_find_old_codebook(const char *results_path, const char *cache_dir, qc_codebook **out, qc_error *err);


/* Adds a string to the pool; its offset (0 is ""). The pool's failure shows in qc_buf_failed. */
size_t qc_rq_pool_add(qc_recode *rc, const char *s, size_t len);

/* The comparison (recode_compare.c). A quotation's identity holds its document, so documents may
 * be compared in any batches, each with all its quotations on both sides: one at a time as a run
 * delivers them, which keeps memory to a document and the changes. qc_rq_compare_begin works out
 * each old code's successors and makes the rows (one per new code, then one per removed old code;
 * rc->old_ids, the diff and both codebooks must be complete); qc_rq_compare_add compares a batch,
 * counting into the rows and noting each quotation gained or lost; qc_rq_compare_end puts those in
 * row order, then document (its index: the order documents were first seen) and span,
 * whatever order the batches came in, sums the totals and drops the tables. qc_rq_compare_free
 * drops the tables, rows and events (to start again; the totals are the caller's). Each returns 0
 * or QC_ERR_NOMEM (QC_ERR_INVALID without qc_rq_compare_begin). */
int qc_rq_compare_begin(qc_recode *rc);
int qc_rq_compare_add(qc_recode *rc, const qc_rq *old, size_t old_count, const qc_rq *new_q, size_t new_count);
int qc_rq_compare_end(qc_recode *rc);
void qc_rq_compare_free(qc_recode *rc);

/* A pool string. */
static inline const char *qc_rq_str(const qc_recode *rc, size_t off)
{
    return rc->pool.data ? rc->pool.data + off : "";
}

/* Carries the manual codings (recode_manual.c): those of the manual.xml at path (NULL: none) and
 * those results.xml listed (rc->from_results, taken); then makes rc->counted of the carried codings
 * whose code is in the new codebook, for the new results. Frees what that made. */
int qc_recode_carry_manual(qc_recode *rc, const char *path, qc_error *err);
/* Carries them again, once the people's codings results.xml lists are known (rc->from_results)
 * after the run counted some documents with those of path alone: what the first carry made is
 * replaced by what carrying them all gives from the start (the same codings, report and totals),
 * the codings of the documents already counted (qc_rq_doc.in_new) are taken as merged, and the
 * warnings the first carry told are not told again. */
int qc_recode_carry_again(qc_recode *rc, const char *path, qc_error *err);
void qc_recode_free_manual(qc_recode *rc);

/* Whether an id exists on the old side (for qc_lineage_successors; user is the recode). */
int qc_recode_old_has(const char *id, void *user);

#endif
