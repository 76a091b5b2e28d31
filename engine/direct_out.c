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
 * disk's logical block). A buffer is STAGE bytes: large writes are what a disk does fastest. */
enum { ALIGN = 4096, STAGE = 4 << 20 };

struct qc_direct_out {
    int fd, flags;
    int direct;            /* O_DIRECT is set on fd */
    void *raw[2];          /* the allocations */
    unsigned char *buf[2]; /* aligned within them */
    size_t len[2];
    int cur;               /* the buffer being filled */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending; /* buf[!cur] waits for the thread or is being written */
    int quit;
    int error; /* errno of the first failure */
};

/* Writes all of p[0..n) at the file's offset; n is a multiple of ALIGN while d->direct. A file
 * system that takes the flag but refuses a direct write (EINVAL) gets the rest written buffered. */
static int write_all(qc_direct_out *d, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(d->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EINVAL && d->direct) {
            if (fcntl(d->fd, F_SETFL, d->flags) != 0)
                return errno;
            d->direct = 0;
            continue;
        }
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
        if (d->direct && n % ALIGN) { /* a short write off the alignment: finish buffered */
            if (fcntl(d->fd, F_SETFL, d->flags) != 0)
                return errno;
            d->direct = 0;
        }
    }
    return 0;
}

static void *writer(void *arg)
{
    qc_direct_out *d = arg;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (!d->pending && !d->quit)
            pthread_cond_wait(&d->cv, &d->mu);
        if (!d->pending)
            break;
        int b = !d->cur;
        int failed = d->error;
        pthread_mutex_unlock(&d->mu);
        int e = failed ? 0 : write_all(d, d->buf[b], d->len[b]);
        pthread_mutex_lock(&d->mu);
        if (e && !d->error)
            d->error = e;
        d->len[b] = 0;
        d->pending = 0;
        pthread_cond_broadcast(&d->cv);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
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
    for (int i = 0; ok && i < 2; i++) {
        d->raw[i] = qc_malloc(STAGE + ALIGN);
        ok = d->raw[i] != NULL;
        if (ok)
            d->buf[i] = (unsigned char *)(((uintptr_t)d->raw[i] + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
    }
    if (ok) {
        d->fd = fd;
        d->flags = flags;
        d->direct = 1;
        pthread_mutex_init(&d->mu, NULL);
        pthread_cond_init(&d->cv, NULL);
        if (pthread_create(&d->thread, NULL, writer, d) != 0) {
            pthread_mutex_destroy(&d->mu);
            pthread_cond_destroy(&d->cv);
            ok = 0;
        }
    }
    if (!ok) {
        (void)fcntl(fd, F_SETFL, flags);
        if (d) {
            qc_free(d->raw[0]);
            qc_free(d->raw[1]);
            qc_free(d);
        }
        return NULL;
    }
    return d;
}

/* Hands the full current buffer to the thread once it has written the other one. */
static int hand_over(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    while (d->pending)
        pthread_cond_wait(&d->cv, &d->mu);
    d->cur = !d->cur;
    d->pending = 1;
    int e = d->error;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return e;
}

int qc_direct_out_write(qc_direct_out *d, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len) {
        int c = d->cur;
        size_t take = STAGE - d->len[c] < len ? STAGE - d->len[c] : len;
        memcpy(d->buf[c] + d->len[c], p, take);
        d->len[c] += take;
        p += take;
        len -= take;
        if (d->len[c] == STAGE) {
            int e = hand_over(d);
            if (e)
                return e;
        }
    }
    return 0;
}

int qc_direct_out_close(qc_direct_out *d)
{
    pthread_mutex_lock(&d->mu);
    while (d->pending)
        pthread_cond_wait(&d->cv, &d->mu);
    d->quit = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    int e = d->error;
    /* The tail: its whole blocks directly, the last partial one buffered. */
    size_t n = d->len[d->cur], whole = d->direct ? n / ALIGN * ALIGN : 0;
    if (!e && whole)
        e = write_all(d, d->buf[d->cur], whole);
    if (fcntl(d->fd, F_SETFL, d->flags) != 0 && !e)
        e = errno;
    d->direct = 0;
    if (!e && n > whole)
        e = write_all(d, d->buf[d->cur] + whole, n - whole);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    qc_free(d->raw[0]);
    qc_free(d->raw[1]);
    qc_free(d);
    return e;
}
