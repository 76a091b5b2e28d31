/* The results' representation, shared by aggregation (results.c, results_add.c, results_rows.c)
 * and the writers (write_xml.c, write_tsv.c). Corpus and attribute-value counts live in "cells":
 * one per (row, code), where a row is the whole corpus or an attribute value. Per-document and
 * per-speaker counts, and quotation records, live in temporary files. */
#ifndef QC_RESULTS_IMPL_H
#define QC_RESULTS_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "chunklog.h"
#include "qcode/results.h"

#define QC_NONE32 UINT32_MAX

/* The results.xml format (formatVersion) this build writes (write_xml.c) and reads
 * (results_read.c): a file of another version is refused, naming this one. */
#define QC_RESULTS_FORMAT_VERSION 1

typedef struct qc_res_cell {
    qc_counts c[2];       /* QC_OWN, QC_ROLLED_UP */
    uint32_t last_doc[2]; /* 1 + the last document counted, for distinct documents */
} qc_res_cell;

/* A string -> index map (open addressing); keys are borrowed from their owners. */
typedef struct qc_strmap {
    const char **keys;
    uint32_t *values;
    size_t cap, count;
    int fold; /* compare keys as names (qc_fold_hash, qc_fold_equal) */
} qc_strmap;

/* Where a block of per-code counts lies in the rows file (results_rows.c). */
typedef struct qc_res_block_ref {
    uint64_t offset;
    uint32_t count; /* entries */
    uint32_t doc;
} qc_res_block_ref;

typedef struct qc_res_speaker {
    char *label;
    uint8_t role;
    size_t turns;
} qc_res_speaker;

typedef struct qc_res_doc {
    char *id;
    char *id_read; /* the id as results.xml gives it back, when it differs (xml_out.h); else NULL */
    char *path;
    char sha256[65];
    char coding_sha256[65]; /* coding_digest.h */
    uint64_t size;
    qc_format format;
    size_t length;
    size_t turns;
    char **attr_keys, **attr_values;
    size_t attr_count;
    qc_res_speaker *speakers;
    size_t speaker_count;
    char **issues; /* the coding's (a regex stopped at its limit: hits are missing), for results.xml */
    size_t issue_count;
    qc_res_block_ref block; /* the document's counts per code */
} qc_res_doc;

typedef struct qc_res_respondent {
    char *label;
    uint8_t role;             /* participant unless only ever an interviewer; unknown for an unlabelled document */
    qc_res_block_ref *blocks; /* the respondent's counts in each document it speaks in */
    size_t block_count, block_cap;
} qc_res_respondent;

typedef struct qc_res_value {
    char *value;
    uint32_t row;
} qc_res_value;

typedef struct qc_res_attr {
    char *name;
    long casebook_index; /* column in the casebook, or -1 for a header key only */
    qc_res_value *values;
    size_t value_count, value_cap;
    qc_strmap value_map;
    int shared; /* a header key's value was met in two documents: a group, never an identifier */
} qc_res_attr;

typedef struct qc_res_option {
    char *name, *value;
} qc_res_option;

struct qc_results {
    const qc_codebook *cb;
    const qc_casebook *cases;
    /* qc_results_options.counts_only: no rows file, no code_rows, no quotation logs (all NULL),
     * no respondent blocks; prepared additions carry no records. */
    int counts_only;
    /* qc_results_options.stream_only: as counts_only, no rows file, no code_rows and no respondent
     * blocks, and no quotation log (quotes_log NULL), but the uncoded-turn log and the documents'
     * coding digests are kept; the quotations go to the stream alone. */
    int stream_only;
    /* results.xml of format 2 being written as documents are added (write_xml_spans.c), or NULL.
     * Set before the first document, so the workers preparing documents may read whether it is. */
    struct qc_res_stream *stream;
    size_t code_count;
    uint32_t *subtree_end; /* first code index after each code's subtree (codes are in pre-order) */
    /* Each code's parent (-1 for a main code), as the codebook's definitions hold it: the tally
     * walks up from every quotation's code, and a definition's 168 bytes made each step a line of
     * the cache of its own. */
    int32_t *parent;
    uint32_t *leaf_line, *leaf_column;
    size_t leaf_count;

    qc_res_doc *docs;
    size_t doc_count, doc_cap;
    qc_strmap doc_ids;

    qc_res_respondent *resps;
    size_t resp_count, resp_cap;
    qc_strmap resp_map;

    qc_res_attr *attrs;
    size_t attr_count, attr_cap;
    qc_strmap attr_map;
    /* The casebook's identifier columns (qc_casebook_attribute_is_identifier): no breakdown by
     * them, nor by a header key of the same name. */
    char **unbroken;
    size_t *unbroken_values; /* a casebook column's distinct values; 0 for a header key */
    size_t unbroken_count;
    qc_strmap unbroken_map;

    uint32_t row_count; /* row 0 is the corpus, then one per attribute value */

    /* (row, code) -> cell, for the corpus (row 0) and attribute values: a dense array of
     * code_count + 1 cells a row, made when the row is first counted in; code == code_count is the
     * row's "any code" / base cell. Documents and respondents keep their counts on disk (rows_fp). */
    qc_res_cell **row_cells;
    size_t row_cells_cap;

    /* Distinct respondents: for each (row, respondent) pair met, a bit per (code, mode), so a
     * respondent is counted in a cell the first time its bit is set. Grows with respondents times
     * the rows each is in, not with quotations. */
    uint64_t *pair_keys; /* (row + 1) << 32 | respondent; 0 when empty */
    uint32_t *pair_index;
    size_t pair_cap, pair_count;
    uint64_t *pair_bits; /* pair_words words a pair */
    size_t pair_words, pair_bits_cap;

    /* Per-document and per-respondent counts: blocks of qc_res_block_entry in a temporary file. */
    FILE *rows_fp;
    uint64_t rows_end;
    int rows_unflushed;
    int rows_errno;         /* why a write of rows_fp failed, for the message */
    qc_chunklog *code_rows; /* per code: qc_res_code_row records in document order */
    struct qc_res_rows_cache *rows_cache;

    /* Scratch reused from document to document (results_add.c). */
    struct qc_res_add_scratch *scratch;
    /* A document's additions prepared by qc_results_add itself (when none was offered). */
    struct qc_res_prepared *own_prep;
    /* Additions prepared on a worker for the next qc_results_add of that (document, coding): set
     * by the corpus runner around on_document (qc_res_offer). */
    const struct qc_res_prepared *offered;

    uint64_t *cooc; /* upper triangle, code_count x code_count */

    qc_uncoded_summary uncoded;

    /* Quotation records per code, and uncoded turns (one key), in temporary files (results_spill.c). */
    qc_chunklog *quotes_log, *uncoded_log;
    unsigned char *spill_buf;
    size_t spill_cap;
    size_t uncoded_records;

    qc_res_option *options;
    size_t option_count, option_cap;
};

/* The cell of (row, code), or NULL when nothing was counted there. */
const qc_res_cell *qc_res_cell_find(const qc_results *res, uint32_t row, size_t code);
/* The cell of (row, code), made when missing; NULL when out of memory. */
qc_res_cell *qc_res_cell_get(qc_results *res, uint32_t row, size_t code);
/* The index of the (row, respondent) pair, made when missing; -1 when out of memory. */
long qc_res_pair(qc_results *res, uint32_t row, uint32_t resp);
/* The pair's index, or -1 when (row, resp) has none; registers nothing. */
long qc_res_pair_find(const qc_results *res, uint32_t row, uint32_t resp);

/* Bit `bit` of pair `pair`. */
static inline int qc_res_pair_get(const qc_results *res, size_t pair, size_t bit)
{
    return (int)(res->pair_bits[pair * res->pair_words + bit / 64] >> (bit % 64) & 1);
}

/* Sets bit `bit` of pair `pair`; 1 when it was clear. */
static inline int qc_res_pair_set(qc_results *res, size_t pair, size_t bit)
{
    uint64_t *w = &res->pair_bits[pair * res->pair_words + bit / 64];
    uint64_t m = (uint64_t)1 << (bit % 64);
    if (*w & m)
        return 0;
    *w |= m;
    return 1;
}

/* A code's counts in one document, or for one speaker in one document (results_rows.c). */
typedef struct qc_res_block_entry {
    uint32_t code;
    uint32_t quotations[2], hits[2]; /* QC_OWN, QC_ROLLED_UP */
    uint32_t respondents[2];         /* distinct speakers (document blocks only) */
} qc_res_block_entry;

/* A code's counts in one document (resp == QC_NONE32) or for one speaker of it. */
typedef struct qc_res_code_row {
    uint32_t doc, resp;
    uint32_t quotations[2], hits[2], respondents[2];
} qc_res_code_row;

/* Walks a code's per-document counts in document order, or its per-respondent counts (summed over
 * documents) in respondent order; only rows with rolled-up quotations. fn's nonzero return stops
 * the walk and is returned; -1 when the temporary file cannot be read or memory is short. */
typedef int (*qc_res_row_fn)(size_t index, const qc_res_cell *cell, void *user);
int qc_res_code_documents(const qc_results *res, size_t code, qc_res_row_fn fn, void *user);
int qc_res_code_respondents(const qc_results *res, size_t code, qc_res_row_fn fn, void *user);

int qc_res_rows_open(qc_results *res);
void qc_res_rows_close(qc_results *res);
/* Appends a block; ref gets where it went. -1 on a write error. */
int qc_res_rows_append(qc_results *res, const qc_res_block_entry *e, size_t n, uint32_t doc, qc_res_block_ref *ref);
/* The counts of a code in a document, or over a respondent's documents; zeros when unknown. -1
 * (and zeros) when the temporary file cannot be read or memory is short. */
int qc_res_rows_document(const qc_results *res, size_t doc, size_t code, int mode, qc_counts *out);
int qc_res_rows_respondent(const qc_results *res, size_t resp, size_t code, int mode, qc_counts *out);

/* For counts-only or stream-only results, QC_ERR_INVALID saying that `what` (file names it when not
 * NULL) needs the quotations (or per-document counts) they were made without; else QC_OK. */
int qc_res_need_quotations(const qc_results *res, const char *what, const char *file, qc_error *err);
/* Whether the results keep per-document and per-speaker counts (the rows file and code_rows). */
static inline int qc_res_keeps_rows(const qc_results *res)
{
    return !res->counts_only && !res->stream_only;
}

/* A document's additions to the results, made without touching them (qc_res_prepare: needs only
 * the parts fixed at qc_results_new, so workers prepare documents in parallel), then merged in
 * input order by qc_results_add: a tally per speaker slot and code, the co-occurrence cells to
 * bump, the uncoded-turn totals, and the quotation and uncoded-turn records already encoded (their
 * document and respondent are filled in when merged: a record's resp holds its slot until then). */
typedef struct qc_res_rec_ref {
    uint32_t key; /* code, or QC_NONE32 for an uncoded turn */
    uint32_t len;
    size_t offset; /* into rec */
} qc_res_rec_ref;

/* A quotation of the coding (index) staged for the rolled-up counts (results_add.c: tally). */
typedef struct roll_item {
    uint64_t place; /* start << 32 | end: one comparison orders two quotations of a turn */
    uint32_t turn, code, hits, index;
} roll_item;

typedef struct qc_res_prepared {
    const qc_document *doc; /* what it was made from (identity only) */
    const qc_coding *coding;
    unsigned char records[32]; /* coding_digest.h: qc_coding_records_hash */
    size_t nslots;
    /* The tally: dense, acc is slot * (code_count + 1) * 4: own quotations, own hits, rolled
     * quotations, hits. Sparse (results_add.c: a document of so many speakers that the dense table
     * would be tens of megabytes, a survey export), only each slot's cells with counts, in code
     * order: cells[cell_at[slot] .. cell_at[slot + 1]). */
    int sparse;
    uint32_t *acc;
    struct qc_res_tally_cell *cells;
    size_t *cell_at;
    size_t cell_count;
    uint8_t *touched; /* per turn: a quotation lies in it */
    /* Co-occurrence, per sentence holding own quotations: how many distinct codes, then those codes
     * ascending. qc_results_add counts their pairs: a list of the pairs' cells took eight bytes a
     * pair, some 28 pairs a sentence (twice the document's text) for a transcript dense with codes. */
    uint32_t *cooc;
    size_t cooc_count;
    uint64_t participant_turns, participant_length, uncoded_turns, uncoded_length;
    unsigned char *rec; /* encoded records (results_spill.c) */
    size_t rec_len;
    qc_res_rec_ref *refs;
    size_t ref_count;
    /* Scratch. */
    struct roll_item *roll, *roll_tmp;
    /* The dense tally's quotations sorted by turn, start and end (in roll or roll_tmp), for the
     * spans, which need them by place (write_xml_spans.c); NULL after a sparse tally. */
    const struct roll_item *sorted;
    size_t sorted_count;
    struct roll_state *roll_states; /* results_add.c: tally */
    size_t *turn_at;                /* tally: where each turn's quotations end (sort_by_turn) */
    struct sent_code *sc;
    uint32_t *sent_start, *sent_codes;
    uint32_t *sent_at; /* per 64 code points: the first sentence ending after the first (cooccurrence) */
    struct qc_spill_hit *hits;
    uint32_t *by_slot;             /* sparse: the quotations' indexes grouped by slot */
    size_t *slot_quotes;           /* sparse: where each slot's end in by_slot */
    struct qc_quote_rec *one_slot; /* sparse: a slot's quotations */
    uint32_t *slot_acc;            /* sparse: a slot's dense row */
    /* With a stream (write_xml_spans.c): what goes inside the document's element, its spans, and
     * the scratch that renders them. The spans are rendered into `xml` ahead, on the thread that
     * prepares, unless `spans_later`: then the span_count sorted items wait for
     * qc_res_stream_document, which renders them straight into the file. So it goes when
     * qc_results_add prepares for itself (`on_writer`: on the thread that writes, where rendering
     * ahead only adds a copy) and for a large document, whose spans (about twice its text) would
     * otherwise be held in memory whole beside everything else it needs. */
    qc_buf xml;
    int on_writer, spans_later;
    size_t span_count;
    struct qc_span_item *span_items;
    qc_hit *span_hits;
    size_t span_items_cap, span_hits_cap;
    size_t acc_cap, touched_cap, cooc_cap, rec_cap, ref_cap, roll_cap, roll_tmp_cap, roll_states_cap, turn_at_cap,
        sc_cap, sent_start_cap, sent_codes_cap, sent_at_cap, hits_cap, cells_cap, cell_at_cap, by_slot_cap,
        slot_quotes_cap, one_slot_cap, slot_acc_cap;
} qc_res_prepared;

/* Prepares a document's additions into p (its buffers reused from call to call). Reads only what
 * qc_results_new set, so it may run in several threads at once, beside qc_results_add on another
 * thread. -1 when memory is short or the coding was made with another codebook. */
int qc_res_prepare(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p);
void qc_res_prepared_free(qc_res_prepared *p);
/* Offers prepared additions to the next qc_results_add of the same (doc, coding); NULL withdraws. */
void qc_res_offer(qc_results *res, const qc_res_prepared *p);

/* The stream of results.xml (write_xml_spans.c). Sorts the document's spans and renders them into
 * p->xml (unless p->spans_later) when the results have a stream: a worker's share, like
 * qc_res_prepare's (which calls it). -1 when memory is short. */
int qc_res_render_spans(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p);
/* Writes document doc_index (added) with its spans: those rendered in p, or rendered now from doc
 * and coding (what p was prepared from). */
int qc_res_stream_document(qc_results *res, size_t doc_index, const qc_document *doc, const qc_coding *coding,
                           const qc_res_prepared *p, qc_error *err);
/* Whether the stream writes path; finishing it makes the file appear; aborting removes it. */
int qc_res_stream_is(const qc_results *res, const char *path);
int qc_res_stream_finish(qc_results *res, qc_error *err);
void qc_res_stream_abort(qc_results *res);

/* Lifecycle helpers shared by results.c and results_add.c. */
int qc_res_attr_add(qc_results *res, const char *name, long casebook_index);
/* Names an attribute the counts are not broken down by (an identifier: docs/results.md). */
int qc_res_unbroken_add(qc_results *res, const char *name, size_t values);
/* Stops breaking the counts down by attribute `attr`: its values and their rows' cells are freed,
 * the attributes after it move down one, and its name joins the unbroken ones. */
int qc_res_attr_drop(qc_results *res, size_t attr);
void qc_res_doc_free(qc_res_doc *d);
void qc_res_add_scratch_free(qc_results *res);
/* The co-occurrence cell of codes a and b: the upper triangle, by rows (inline: a document's
 * pairs are counted one by one, about two million for 20 MB of the benchmark). */
static inline size_t qc_res_tri_index(size_t n, size_t a, size_t b)
{
    if (a > b) {
        size_t t = a;
        a = b;
        b = t;
    }
    /* row a of the upper triangle starts after rows 0..a-1 of lengths n, n-1, ... */
    return a * n - a * (a - 1) / 2 + (b - a);
}

/* String map primitives (results.c). */
long qc_strmap_get(const qc_strmap *m, const char *key);
int qc_strmap_put(qc_strmap *m, const char *key, uint32_t value);
void qc_strmap_free(qc_strmap *m);

/* Writers' helpers (results.c): the run options in name order (sorted in place). */
void qc_res_sort_options(qc_results *res);

#endif
