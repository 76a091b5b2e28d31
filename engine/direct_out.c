#define _GNU_SOURCE /* O_DIRECT */
#include "direct_out.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"

/* Offsets, lengths and addresses of direct writes are multiples of ALIGN (a page: at least any
 * disk's logical block). A buffer is STAGE bytes: large writes are what a disk does fastest.
 * WRITERS threads keep that many writes in flight: the benchmark VM's disk took 4 MB direct writes
 * one at a time at 710-820 MB/s and four at a time at 1.1-1.7 GB/s (dd, 2 GB). BUFFERS lets the
 * caller fill one while the others are written. */
enum { ALIGN = 4096, STAGE = 4 << 20, WRITERS = 3, BUFFERS = WRITERS + 2 };

struct qc_direct_out {
    int fd, flags;
    size_t stage;                /* a buffer's size: STAGE, smaller in tests */
    int direct;                  /* O_DIRECT is set on fd */
    void *block;                 /* the allocation (qc_malloc_huge) */
    unsigned char *buf[BUFFERS]; /* stage bytes each, one after the other in it */
    size_t len[BUFFERS];
    off_t at[BUFFERS]; /* each handed buffer's place in the file */
    int cur;           /* the buffer being filled (not in the queue) */
    off_t next;        /* the file offset of buf[cur] */
    /* The ring of handed buffers: queue[head..head+queued) wait for a writer; busy are being
     * written. A buffer is free when it is neither current, queued nor busy. */
    int queue[BUFFERS];
    int head, queued, busy;
    int free_list[BUFFERS], nfree;
    pthread_t thread[WRITERS];
    int threads;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    int quit;
    int error; /* errno of the first failure */
};

/* Clears O_DIRECT once for all writers (it belongs to the open file): what is left is written
 * through the page cache. */
static int drop_direct(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    int e = 0;
    if (d->direct && fcntl(d->fd, F_SETFL, d->flags) != 0)
        e = errno;
    else
        d->direct = 0;
    pthread_mutex_unlock(&d->mu);
    return e;
}

static int is_direct(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    int v = d->direct;
    pthread_mutex_unlock(&d->mu);
    return v;
}

/* Writes all of p[0..n) at offset at; n is a multiple of ALIGN while direct. A file system that
 * takes the flag but refuses a direct write (EINVAL) gets the rest written buffered. */
static int write_all(qc_direct_out *d, const unsigned char *p, size_t n, off_t at)
{
    while (n) {
        ssize_t w = pwrite(d->fd, p, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EINVAL && is_direct(d)) {
            int e = drop_direct(d);
            if (e)
                return e;
            continue;
        }
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
        at += w;
        if (n % ALIGN && is_direct(d)) { /* a short write off the alignment: finish buffered */
            int e = drop_direct(d);
            if (e)
                return e;
        }
    }
    return 0;
}

static void *writer(void *arg)
{
    qc_direct_out *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->queued && !d->quit)
            pthread_cond_wait(&d->work, &d->mu);
        if (!d->queued)
            break;
        int b = d->queue[d->head];
        d->head = (d->head + 1) % BUFFERS;
        d->queued--;
        d->busy++;
        int failed = d->error;
        pthread_mutex_unlock(&d->mu);
        int e = failed ? 0 : write_all(d, d->buf[b], d->len[b], d->at[b]);
        pthread_mutex_lock(&d->mu);
        if (e && !d->error)
            d->error = e;
        d->len[b] = 0;
        d->busy--;
        d->free_list[d->nfree++] = b;
        pthread_cond_broadcast(&d->done);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void free_out(qc_direct_out *d)
{
    qc_free(d->block);
    qc_free(d);
}

/* Stops the writers after what is queued; the mutex and conditions stay. */
static void stop_writers(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    d->quit = 1;
    pthread_cond_broadcast(&d->work);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->threads; i++)
        pthread_join(d->thread[i], NULL);
    d->threads = 0;
}

/* STAGE, or QCODE_TEST_DIRECT_STAGE bytes (a multiple of ALIGN) so that tests send small results
 * through many buffers, every writer and the ring's wrap. */
static size_t stage_bytes(void)
{
    const char *v = getenv("QCODE_TEST_DIRECT_STAGE");
    unsigned long n = v && *v ? strtoul(v, NULL, 10) : 0;
    return n >= ALIGN && n <= STAGE && n % ALIGN == 0 ? (size_t)n : STAGE;
}

qc_direct_out *qc_direct_out_open(int fd)
{
    const char *env = getenv("QCODE_DIRECT_OUTPUT");
    if (env && strcmp(env, "0") == 0)
        return NULL;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || lseek(fd, 0, SEEK_CUR) != 0 || fcntl(fd, F_SETFL, flags | O_DIRECT) != 0)
        return NULL;
    qc_direct_out *d = qc_calloc(1, sizeof *d);
    int ok = d != NULL;
    if (ok) {
        /* One block, huge pages where the system gives them: the buffers are 20 MB that each run
         * touches afresh, a page fault a 4 KB page otherwise. Its start is aligned (2 MB), and so
         * is each buffer (a multiple of ALIGN bytes). */
        d->stage = stage_bytes();
        unsigned char *all = qc_malloc_huge(BUFFERS * d->stage, &d->block);
        ok = all != NULL;
        for (int i = 0; ok && i < BUFFERS; i++)
            d->buf[i] = all + (size_t)i * d->stage;
    }
    if (!ok) {
        (void)fcntl(fd, F_SETFL, flags);
        if (d)
            free_out(d);
        return NULL;
    }
    d->fd = fd;
    d->flags = flags;
    d->direct = 1;
    d->cur = 0;
    for (int i = BUFFERS - 1; i >= 1; i--)
        d->free_list[d->nfree++] = i;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->work, NULL);
    pthread_cond_init(&d->done, NULL);
    while (d->threads < WRITERS && pthread_create(&d->thread[d->threads], NULL, writer, d) == 0)
        d->threads++;
    if (d->threads == 0) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->work);
        pthread_cond_destroy(&d->done);
        (void)fcntl(fd, F_SETFL, flags);
        free_out(d);
        return NULL;
    }
    return d;
}

/* Queues the full current buffer for the writers and takes a free one, waiting for one when
 * every buffer is queued or being written. */
static int hand_over(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    int b = d->cur;
    d->at[b] = d->next;
    d->next += (off_t)d->len[b];
    d->queue[(d->head + d->queued) % BUFFERS] = b;
    d->queued++;
    pthread_cond_signal(&d->work);
    while (!d->nfree)
        pthread_cond_wait(&d->done, &d->mu);
    d->cur = d->free_list[--d->nfree];
    int e = d->error;
    pthread_mutex_unlock(&d->mu);
    return e;
}

int qc_direct_out_write(qc_direct_out *d, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len) {
        int c = d->cur;
        size_t take = d->stage - d->len[c] < len ? d->stage - d->len[c] : len;
        memcpy(d->buf[c] + d->len[c], p, take);
        d->len[c] += take;
        p += take;
        len -= take;
        if (d->len[c] == d->stage) {
            int e = hand_over(d);
            if (e)
                return e;
        }
    }
    return 0;
}

void *qc_direct_out_room(qc_direct_out *d, size_t *room)
{
    *room = d->stage - d->len[d->cur];
    return d->buf[d->cur] + d->len[d->cur];
}

int qc_direct_out_commit(qc_direct_out *d, size_t len)
{
    /* A full buffer is handed over at once, so the room is never empty. */
    d->len[d->cur] += len;
    return d->len[d->cur] == d->stage ? hand_over(d) : 0;
}

int qc_direct_out_close(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    while (d->queued || d->busy)
        pthread_cond_wait(&d->done, &d->mu);
    pthread_mutex_unlock(&d->mu);
    stop_writers(d);
    int e = d->error;
    /* The tail: its whole blocks directly, the last partial one buffered. */
    size_t n = d->len[d->cur], whole = d->direct ? n / ALIGN * ALIGN : 0;
    if (!e && whole)
        e = write_all(d, d->buf[d->cur], whole, d->next);
    if (fcntl(d->fd, F_SETFL, d->flags) != 0 && !e)
        e = errno;
    d->direct = 0;
    if (!e && n > whole)
        e = write_all(d, d->buf[d->cur] + whole, n - whole, d->next + (off_t)whole);
    /* pwrite leaves the file offset alone; the caller's stream expects it at the end. */
    if (!e && lseek(d->fd, d->next + (off_t)n, SEEK_SET) < 0)
        e = errno;
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->work);
    pthread_cond_destroy(&d->done);
    free_out(d);
    return e;
}
