/* A log of records per key (per code, say) in one temporary file: each key collects its records in
 * a small buffer that goes to the file as a chunk when full, so a key's records read back in the
 * order they were added, in a few large reads, with memory of one buffer a key whatever the volume
 * (a gigabyte corpus has millions of quotations; the readers want them grouped by code). */
#ifndef QC_CHUNKLOG_H
#define QC_CHUNKLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct qc_chunk_ref {
    uint64_t offset;
    uint32_t len;
} qc_chunk_ref;

typedef struct qc_chunklog_key {
    unsigned char *buf;
    uint32_t len;
    qc_chunk_ref *chunks;
    size_t chunk_count, chunk_cap;
} qc_chunklog_key;

typedef struct qc_chunklog {
    FILE *fp;
    int fd;
    uint64_t end;
    size_t key_count;
    uint32_t buf_size;
    qc_chunklog_key *keys;
    unsigned char *big; /* a record longer than buf_size, waiting to be written */
    size_t big_len, big_cap, big_key;
    int failed; /* a write failed (its errno): everything after is refused */
    /* The keys' buffers, key_count * buf_size bytes in one block (qc_malloc_huge), a key's taken
     * when it is first used; NULL when that block could not be had (then one allocation a key). */
    unsigned char *bufs;
    void *bufs_block;
} qc_chunklog;

/* Opens a log of key_count keys with buffers of buf_size bytes (in one block asked to be backed by
 * huge pages: the buffers are tens of MB for a large codebook, every page of which a run touches;
 * memory is still only backed where a key is used). 0, or -1 when the temporary file or memory
 * cannot be had. */
int qc_chunklog_open(qc_chunklog *log, size_t key_count, uint32_t buf_size);
void qc_chunklog_close(qc_chunklog *log);

/* Appends a record of len bytes to a key. 0, or -1 (out of memory or the temporary file cannot be
 * written: see log->failed). */
int qc_chunklog_add(qc_chunklog *log, size_t key, const void *rec, uint32_t len);
/* Room for a record of len bytes, to be filled by the caller before the next call (saves a copy):
 * in the key's buffer, or for a record longer than buf_size, in the log's own big-record buffer,
 * which goes to the file as a chunk of its own at the next call or walk. NULL on failure. */
void *qc_chunklog_reserve(qc_chunklog *log, size_t key, uint32_t len);

/* Walks a key's bytes in order (a key past the last only writes the pending big record: after
 * that, walks of different keys may run in parallel threads, each with its own scratch, as long as
 * nothing is added): fn gets each piece (a chunk read from the file, then the buffer),
 * whole records only since records never straddle pieces. *scratch (of *scratch_cap bytes, grown
 * as needed with qc_realloc, freed by the caller) receives the chunks. Returns fn's nonzero value,
 * QC_ERR_IO or QC_ERR_NOMEM, or 0. */
typedef int (*qc_chunklog_fn)(const unsigned char *data, size_t len, void *user);
int qc_chunklog_walk(qc_chunklog *log, size_t key, unsigned char **scratch, size_t *scratch_cap, qc_chunklog_fn fn,
                     void *user);

/* One key's pieces read one at a time, for merging several keys' records in one walk (the
 * walk above hands a key's pieces to a callback in one go). After qc_chunklog_settle, when
 * nothing is added any more. */
typedef struct qc_chunklog_cursor {
    size_t key;
    size_t next;        /* the next chunk; chunk_count: the key's buffer; past it: done */
    unsigned char *buf; /* the chunk read (the cursor's own, freed by qc_chunklog_cursor_free) */
    size_t cap;
    const unsigned char *data; /* the current piece */
    size_t len;
} qc_chunklog_cursor;

/* Writes the pending big record, if any. 0, QC_ERR_IO or QC_ERR_NOMEM. */
int qc_chunklog_settle(qc_chunklog *log);
/* Loads the next piece of c->key into c->data and c->len (never empty): 1, 0 after the last,
 * QC_ERR_IO (a read error) or QC_ERR_NOMEM. A cursor starts zeroed but for its key. */
int qc_chunklog_next_piece(const qc_chunklog *log, qc_chunklog_cursor *c);
/* A key's pieces by number, for threads that share them out (after qc_chunklog_settle): how many
 * (the chunks, then the buffer when it holds anything), and piece `piece` loaded into c->data and
 * c->len as qc_chunklog_next_piece loads the next (a chunk may be empty): 1, 0 past the last,
 * QC_ERR_IO or QC_ERR_NOMEM. */
size_t qc_chunklog_piece_count(const qc_chunklog *log, size_t key);
int qc_chunklog_piece(const qc_chunklog *log, qc_chunklog_cursor *c, size_t piece);
void qc_chunklog_cursor_free(qc_chunklog_cursor *c);

#endif
