/* Per-document and per-respondent counts, kept on disk: a corpus of a gigabyte has tens of
 * thousands of documents and speakers, and their counts for every code would be hundreds of MB in
 * memory, while the outputs only need them one row at a time (the respondent matrix, the API).
 * Each document adds one block of entries (its counts per code) and one per speaker; a block is
 * read back when its row is asked for, and the last row read is kept. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "bound.h"
#include "results_impl.h"

typedef struct qc_res_rows_cache {
    /* the last document block read */
    long doc;
    qc_res_block_entry *entries;
    size_t entry_count, entry_cap;
    /* the last respondent summed: code_count * 2 counts */
    long resp;
    qc_counts *resp_counts;
    uint32_t *resp_last_doc; /* 1 + the last document counted in each of resp_counts */
    unsigned char *walk_buf;  /* a chunk of the code log */
    size_t walk_cap;
    qc_res_cell *walk_cells; /* per respondent, for qc_res_code_respondents */
    size_t walk_cells_cap;
} qc_res_rows_cache;

enum { CODE_ROWS_BUF = 16384 };

int qc_res_rows_open(qc_results *res)
{
    res->rows_fp = tmpfile();
    res->rows_cache = qc_calloc(1, sizeof *res->rows_cache);
    res->code_rows = qc_calloc(1, sizeof *res->code_rows);
    if (!res->rows_fp || !res->rows_cache || !res->code_rows ||
        qc_chunklog_open(res->code_rows, res->code_count, CODE_ROWS_BUF) != 0) {
        qc_free(res->code_rows);
        res->code_rows = NULL;
        return -1;
    }
    res->rows_cache->doc = -1;
    res->rows_cache->resp = -1;
    return 0;
}

void qc_res_rows_close(qc_results *res)
{
    if (res->rows_fp)
        fclose(res->rows_fp);
    res->rows_fp = NULL;
    if (res->code_rows)
        qc_chunklog_close(res->code_rows);
    qc_free(res->code_rows);
    res->code_rows = NULL;
    if (res->rows_cache) {
        qc_free(res->rows_cache->entries);
        qc_free(res->rows_cache->resp_counts);
        qc_free(res->rows_cache->resp_last_doc);
        qc_free(res->rows_cache->walk_buf);
        qc_free(res->rows_cache->walk_cells);
        qc_free(res->rows_cache);
        res->rows_cache = NULL;
    }
}

int qc_res_rows_append(qc_results *res, const qc_res_block_entry *e, size_t n, uint32_t doc, qc_res_block_ref *ref)
{
    ref->offset = res->rows_end;
    ref->count = (uint32_t)n;
    ref->doc = doc;
    if (n && fwrite(e, sizeof *e, n, res->rows_fp) != n) {
        res->rows_errno = errno ? errno : EIO;
        return -1;
    }
    res->rows_end += n * sizeof *e;
    res->rows_unflushed = 1;
    /* A document or respondent read earlier may have changed. */
    res->rows_cache->doc = -1;
    res->rows_cache->resp = -1;
    return 0;
}

/* Reads a block into the cache's entry array. */
static int read_block(const qc_results *res, const qc_res_block_ref *ref)
{
    qc_res_rows_cache *rc = res->rows_cache;
    if (res->rows_unflushed) {
        if (fflush(res->rows_fp) != 0)
            return -1;
        ((qc_results *)res)->rows_unflushed = 0;
    }
    if (QC_GROW(rc->entries, rc->entry_cap, (size_t)ref->count + 1) != 0)
        return -1;
    size_t want = (size_t)ref->count * sizeof *rc->entries;
    ssize_t got = want ? pread(fileno(res->rows_fp), rc->entries, want, (off_t)ref->offset) : 0;
    if (got < 0 || (size_t)got != want)
        return -1;
    rc->entry_count = ref->count;
    return 0;
}

/* The entry of a code in the cached block (entries are in code order), or NULL. */
static const qc_res_block_entry *find_entry(const qc_res_rows_cache *rc, size_t code)
{
    size_t a = qc_lower_bound_u32(rc->entries, sizeof *rc->entries, offsetof(qc_res_block_entry, code), 0,
                                  rc->entry_count, (uint32_t)code);
    return a < rc->entry_count && rc->entries[a].code == code ? &rc->entries[a] : NULL;
}

int qc_res_rows_document(const qc_results *res, size_t doc, size_t code, int mode, qc_counts *out)
{
    memset(out, 0, sizeof *out);
    qc_res_rows_cache *rc = res->rows_cache;
    if (!rc || doc >= res->doc_count)
        return 0;
    if (rc->doc != (long)doc) {
        rc->resp = -1; /* the entry array is shared */
        if (read_block(res, &res->docs[doc].block) != 0) {
            rc->doc = -1;
            return -1;
        }
        rc->doc = (long)doc;
    }
    const qc_res_block_entry *e = find_entry(rc, code);
    if (!e || !e->quotations[mode])
        return 0;
    out->quotations = e->quotations[mode];
    out->hits = e->hits[mode];
    out->respondents = e->respondents[mode];
    out->documents = 1;
    return 0;
}

/* Sums a respondent's blocks into the cache's dense counts. */
static int load_respondent(const qc_results *res, size_t resp)
{
    qc_res_rows_cache *rc = res->rows_cache;
    size_t n = res->code_count * 2;
    if (!rc->resp_counts && !(rc->resp_counts = qc_calloc(n + 1, sizeof *rc->resp_counts)))
        return -1;
    if (!rc->resp_last_doc && !(rc->resp_last_doc = qc_calloc(n + 1, sizeof *rc->resp_last_doc)))
        return -1;
    memset(rc->resp_counts, 0, n * sizeof *rc->resp_counts);
    memset(rc->resp_last_doc, 0, n * sizeof *rc->resp_last_doc);
    rc->doc = -1;
    const qc_res_respondent *r = &res->resps[resp];
    for (size_t b = 0; b < r->block_count; b++) {
        if (read_block(res, &r->blocks[b]) != 0)
            return -1;
        /* A label used twice in one document (as a speaker and as the document's id for its
         * unlabelled text) gives two blocks of one document: the document counts once. */
        uint32_t doc1 = r->blocks[b].doc + 1;
        for (size_t i = 0; i < rc->entry_count; i++) {
            const qc_res_block_entry *e = &rc->entries[i];
            if (e->code >= res->code_count)
                continue;
            for (int m = 0; m < 2; m++) {
                if (!e->quotations[m])
                    continue;
                size_t k = e->code * 2 + (size_t)m;
                qc_counts *c = &rc->resp_counts[k];
                if (rc->resp_last_doc[k] != doc1) {
                    rc->resp_last_doc[k] = doc1;
                    c->documents++;
                }
                c->quotations += e->quotations[m];
                c->hits += e->hits[m];
                c->respondents = 1;
            }
        }
    }
    return 0;
}

int qc_res_rows_respondent(const qc_results *res, size_t resp, size_t code, int mode, qc_counts *out)
{
    memset(out, 0, sizeof *out);
    qc_res_rows_cache *rc = res->rows_cache;
    if (!rc || resp >= res->resp_count || code >= res->code_count)
        return 0;
    if (rc->resp != (long)resp) {
        if (load_respondent(res, resp) != 0) {
            rc->resp = -1;
            return -1;
        }
        rc->resp = (long)resp;
    }
    *out = rc->resp_counts[code * 2 + (size_t)mode];
    return 0;
}

/* --- code-major walks (results.xml's byDocument and bySpeaker) --- */

typedef struct walk_docs {
    qc_res_row_fn fn;
    void *user;
} walk_docs;

static void row_to_cell(const qc_res_code_row *r, qc_res_cell *cell, uint32_t documents)
{
    memset(cell, 0, sizeof *cell);
    for (int m = 0; m < 2; m++) {
        cell->c[m].quotations = r->quotations[m];
        cell->c[m].hits = r->hits[m];
        cell->c[m].respondents = r->respondents[m];
        cell->c[m].documents = r->quotations[m] ? documents : 0;
    }
}

static int docs_piece(const unsigned char *data, size_t len, void *user)
{
    walk_docs *w = user;
    for (size_t off = 0; off + sizeof(qc_res_code_row) <= len; off += sizeof(qc_res_code_row)) {
        qc_res_code_row r;
        memcpy(&r, data + off, sizeof r);
        if (r.resp != QC_NONE32 || !r.quotations[1])
            continue;
        qc_res_cell cell;
        row_to_cell(&r, &cell, 1);
        int rc = w->fn(r.doc, &cell, w->user);
        if (rc)
            return rc;
    }
    return 0;
}

int qc_res_code_documents(const qc_results *res, size_t code, qc_res_row_fn fn, void *user)
{
    qc_res_rows_cache *rc = res->rows_cache;
    walk_docs w = {fn, user};
    return qc_chunklog_walk(res->code_rows, code, &rc->walk_buf, &rc->walk_cap, docs_piece, &w);
}

typedef struct walk_resps {
    qc_res_cell *cells;
    size_t count;
} walk_resps;

static int resps_piece(const unsigned char *data, size_t len, void *user)
{
    walk_resps *w = user;
    for (size_t off = 0; off + sizeof(qc_res_code_row) <= len; off += sizeof(qc_res_code_row)) {
        qc_res_code_row r;
        memcpy(&r, data + off, sizeof r);
        if (r.resp == QC_NONE32 || r.resp >= w->count)
            continue;
        qc_res_cell *cell = &w->cells[r.resp];
        for (int m = 0; m < 2; m++) {
            if (!r.quotations[m])
                continue;
            qc_counts *c = &cell->c[m];
            c->quotations += r.quotations[m];
            c->hits += r.hits[m];
            c->respondents = 1;
            if (cell->last_doc[m] != r.doc + 1) {
                cell->last_doc[m] = r.doc + 1;
                c->documents++;
            }
        }
    }
    return 0;
}

int qc_res_code_respondents(const qc_results *res, size_t code, qc_res_row_fn fn, void *user)
{
    qc_res_rows_cache *rc = res->rows_cache;
    /* Respondents only grow: the table grows with them and is cleared for each code. */
    if (QC_GROW(rc->walk_cells, rc->walk_cells_cap, res->resp_count + 1) != 0)
        return -1;
    memset(rc->walk_cells, 0, res->resp_count * sizeof *rc->walk_cells);
    walk_resps w = {rc->walk_cells, res->resp_count};
    int r = qc_chunklog_walk(res->code_rows, code, &rc->walk_buf, &rc->walk_cap, resps_piece, &w);
    if (r)
        return r;
    for (size_t i = 0; i < res->resp_count; i++) {
        if (!rc->walk_cells[i].c[1].quotations)
            continue;
        r = fn(i, &rc->walk_cells[i], user);
        if (r)
            return r;
    }
    return 0;
}
