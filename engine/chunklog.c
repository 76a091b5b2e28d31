/* Records per key, chunked to a temporary file (chunklog.h). */
#include "chunklog.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "qcode/common.h"

int qc_chunklog_open(qc_chunklog *log, size_t key_count, uint32_t buf_size)
{
    memset(log, 0, sizeof *log);
    log->key_count = key_count;
    log->buf_size = buf_size;
    log->keys = qc_calloc(key_count + 1, sizeof *log->keys);
    log->fp = log->keys ? tmpfile() : NULL;
    if (!log->fp) {
        qc_free(log->keys);
        log->keys = NULL;
        return -1;
    }
    log->fd = fileno(log->fp);
    if (key_count && buf_size && key_count <= SIZE_MAX / buf_size)
        log->bufs = qc_malloc_huge(key_count * buf_size, &log->bufs_block);
    return 0;
}

void qc_chunklog_close(qc_chunklog *log)
{
    if (log->keys)
        for (size_t k = 0; k < log->key_count; k++) {
            if (!log->bufs)
                qc_free(log->keys[k].buf);
            qc_free(log->keys[k].chunks);
        }
    qc_free(log->keys);
    qc_free(log->bufs_block);
    qc_free(log->big);
    if (log->fp)
        fclose(log->fp);
    memset(log, 0, sizeof *log);
}

/* Writes bytes to the file as one chunk of a key: 0, QC_ERR_NOMEM or QC_ERR_IO. */
static int write_chunk(qc_chunklog *log, qc_chunklog_key *k, const unsigned char *data, size_t len)
{
    if (len > UINT32_MAX || QC_GROW(k->chunks, k->chunk_cap, k->chunk_count + 1) != 0)
        return QC_ERR_NOMEM;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(log->fd, data + done, len - done, (off_t)(log->end + done));
        if (n <= 0) {
            log->failed = n < 0 && errno ? errno : EIO; /* kept for the message */
            return QC_ERR_IO;
        }
        done += (size_t)n;
    }
    k->chunks[k->chunk_count++] = (qc_chunk_ref){log->end, (uint32_t)len};
    log->end += len;
    return 0;
}

static int spill(qc_chunklog *log, qc_chunklog_key *k)
{
    if (!k->len)
        return 0;
    int rc = write_chunk(log, k, k->buf, k->len);
    if (rc == 0)
        k->len = 0;
    return rc;
}

/* Writes the pending big record, after what its key had buffered (order is kept): 0,
 * QC_ERR_NOMEM or QC_ERR_IO. */
static int flush_big(qc_chunklog *log)
{
    if (!log->big_len)
        return 0;
    qc_chunklog_key *k = &log->keys[log->big_key];
    int rc = spill(log, k);
    if (rc == 0)
        rc = write_chunk(log, k, log->big, log->big_len);
    if (rc == 0)
        log->big_len = 0;
    return rc;
}

void *qc_chunklog_reserve(qc_chunklog *log, size_t key, uint32_t len)
{
    if (log->failed || key >= log->key_count || flush_big(log) != 0)
        return NULL;
    qc_chunklog_key *k = &log->keys[key];
    if (len > log->buf_size) {
        if (QC_GROW(log->big, log->big_cap, len) != 0)
            return NULL;
        log->big_len = len;
        log->big_key = key;
        return log->big;
    }
    if (!k->buf)
        k->buf = log->bufs ? log->bufs + key * log->buf_size : qc_malloc(log->buf_size);
    if (!k->buf)
        return NULL;
    if (log->buf_size - k->len < len && spill(log, k) != 0)
        return NULL;
    void *at = k->buf + k->len;
    k->len += len;
    return at;
}

int qc_chunklog_add(qc_chunklog *log, size_t key, const void *rec, uint32_t len)
{
    void *at = qc_chunklog_reserve(log, key, len);
    if (!at)
        return -1;
    memcpy(at, rec, len);
    return 0;
}

int qc_chunklog_walk(qc_chunklog *log, size_t key, unsigned char **scratch, size_t *scratch_cap, qc_chunklog_fn fn,
                     void *user)
{
    int flushed = flush_big(log);
    if (flushed != 0)
        return flushed;
    if (key >= log->key_count)
        return 0;
    const qc_chunklog_key *k = &log->keys[key];
    for (size_t c = 0; c < k->chunk_count; c++) {
        size_t done = 0, len = k->chunks[c].len;
        if (QC_GROW(*scratch, *scratch_cap, len + 1) != 0)
            return QC_ERR_NOMEM;
        while (done < len) {
            ssize_t n = pread(log->fd, *scratch + done, len - done, (off_t)(k->chunks[c].offset + done));
            if (n <= 0)
                return QC_ERR_IO;
            done += (size_t)n;
        }
        int rc = fn(*scratch, len, user);
        if (rc)
            return rc;
    }
    return k->len ? fn(k->buf, k->len, user) : 0;
}

int qc_chunklog_settle(qc_chunklog *log)
{
    return flush_big(log);
}

/* Reads a chunk into the cursor's buffer as its current piece: 1, QC_ERR_NOMEM or QC_ERR_IO. */
static int load_chunk(const qc_chunklog *log, qc_chunklog_cursor *c, const qc_chunk_ref *ref)
{
    if (QC_GROW(c->buf, c->cap, (size_t)ref->len + 1) != 0)
        return QC_ERR_NOMEM;
    size_t done = 0;
    while (done < ref->len) {
        ssize_t n = pread(log->fd, c->buf + done, ref->len - done, (off_t)(ref->offset + done));
        if (n <= 0)
            return QC_ERR_IO;
        done += (size_t)n;
    }
    c->data = c->buf;
    c->len = ref->len;
    return 1;
}

int qc_chunklog_next_piece(const qc_chunklog *log, qc_chunklog_cursor *c)
{
    if (c->key >= log->key_count)
        return 0;
    const qc_chunklog_key *k = &log->keys[c->key];
    while (c->next < k->chunk_count) {
        const qc_chunk_ref *ref = &k->chunks[c->next++];
        if (ref->len)
            return load_chunk(log, c, ref);
    }
    if (c->next == k->chunk_count) {
        c->next++;
        if (k->len) {
            c->data = k->buf;
            c->len = k->len;
            return 1;
        }
    }
    return 0;
}

size_t qc_chunklog_piece_count(const qc_chunklog *log, size_t key)
{
    return key < log->key_count ? log->keys[key].chunk_count + (log->keys[key].len != 0) : 0;
}

int qc_chunklog_piece(const qc_chunklog *log, qc_chunklog_cursor *c, size_t piece)
{
    if (piece >= qc_chunklog_piece_count(log, c->key))
        return 0;
    const qc_chunklog_key *k = &log->keys[c->key];
    if (piece < k->chunk_count)
        return load_chunk(log, c, &k->chunks[piece]);
    c->data = k->buf;
    c->len = k->len;
    return 1;
}

void qc_chunklog_cursor_free(qc_chunklog_cursor *c)
{
    qc_free(c->buf);
    c->buf = NULL;
    c->cap = 0;
}
