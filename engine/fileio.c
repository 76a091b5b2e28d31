#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "leftovers.h"
#include "outputs.h"
#include "temp_files.h"

/* The file, or with `head` its first max_size bytes: one reader for both, so that a head and a
 * whole file are opened, refused (a folder) and reported alike. */
static int read_file(const char *path, size_t max_size, int head, char **data, size_t *size, qc_error *err)
{
    *data = NULL;
    *size = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0)
        memset(&st, 0, sizeof st); /* no size known: read what comes, bounded as a pipe is */
    if (S_ISDIR(st.st_mode)) {
        fclose(fp);
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "is a directory");
    }
    if (!head && max_size && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_size) {
        fclose(fp);
        return qc_error_set(err, QC_ERR_LIMIT, path, 0, 0, -1, "file is larger than the limit of %zu byte%s", max_size,
                            max_size == 1 ? "" : "s");
    }
    qc_buf b = QC_BUF_INIT;
    size_t expect = 0;
    if (st.st_size > 0) {
        expect = head && (uintmax_t)st.st_size > max_size ? max_size : (size_t)st.st_size;
        qc_buf_reserve(&b, expect);
    }
    /* The size the file says is read straight into the buffer; what may follow (a file growing,
     * one whose size is not known) through a chunk. Every byte went through the chunk before,
     * copied twice: 37 million instructions of a warm re-code at 20 MB, for its transcripts and
     * cache entries. */
    if (expect && !qc_buf_failed(&b)) {
        b.len = fread(b.data, 1, expect, fp);
        b.data[b.len] = '\0';
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (max_size && b.len + n > max_size) {
            if (head) {
                qc_buf_append(&b, chunk, max_size - b.len);
                break;
            }
            fclose(fp);
            qc_buf_free(&b);
            return qc_error_set(err, QC_ERR_LIMIT, path, 0, 0, -1, "file is larger than the limit of %zu byte%s",
                                max_size, max_size == 1 ? "" : "s");
        }
        qc_buf_append(&b, chunk, n);
    }
    int read_error = ferror(fp);
    int saved = errno;
    fclose(fp);
    if (read_error) {
        qc_buf_free(&b);
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot read: %s", strerror(saved));
    }
    *size = b.len;
    *data = qc_buf_detach(&b); /* NUL-terminated, "" for an empty file; NULL when out of memory */
    return *data ? QC_OK : qc_error_nomem(err);
}

int qc_file_read(const char *path, size_t max_size, char **data, size_t *size, qc_error *err)
{
    return read_file(path, max_size, 0, data, size, err);
}

int qc_file_read_head(const char *path, size_t max_size, char **data, size_t *size, qc_error *err)
{
    return read_file(path, max_size, 1, data, size, err);
}

int qc_file_require_regular(const char *path, qc_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "is a directory");
    if (!S_ISREG(st.st_mode))
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "is not a regular file (%s)",
                            S_ISFIFO(st.st_mode)   ? "a FIFO"
                            : S_ISSOCK(st.st_mode) ? "a socket"
                                                   : "a device");
    return QC_OK;
}

int qc_transcript_read(const char *path, char **data, size_t *size, qc_error *err)
{
    int rc = qc_file_read(path, QC_TRANSCRIPT_MAX_BYTES, data, size, err);
    if (rc == QC_ERR_LIMIT)
        qc_error_set(err, rc, path, 0, 0, -1, "the file is larger than %zu MiB, the limit for one transcript",
                     QC_TRANSCRIPT_MAX_BYTES >> 20);
    return rc;
}

unsigned qc_output_mode(void)
{
    /* Linux says the umask in /proc/self/status ("Umask:\t0022"); reading it leaves the umask
     * alone, where umask() must set it to read it and so changes it for a moment under other
     * threads creating files. */
    unsigned mask = 0;
    int found = 0;
    FILE *fp = fopen("/proc/self/status", "r");
    if (fp) {
        char line[256];
        while (!found && fgets(line, sizeof line, fp))
            found = sscanf(line, "Umask: %o", &mask) == 1;
        fclose(fp);
    }
    if (!found) {
        mode_t m = umask(0);
        umask(m);
        mask = (unsigned)m;
    }
    return 0666u & ~mask;
}

/* The links followed before giving up, as the kernel does (ELOOP): a loop of links never ends. */
enum { MAX_LINKS = 40 };

/* Whether the link at path lives in /proc (/proc/self/fd/1, which /dev/stdout and /dev/fd/N lead
 * to): what such a link names is an open descriptor, which may have no path at all (a pipe, a
 * deleted file: "pipe:[123]", "/tmp/x (deleted)"); it is opened through, never resolved by name. */
static int is_proc_link(const char *path)
{
#ifdef __linux__
    const char *slash = strrchr(path, '/');
    char *dir = slash ? qc_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : qc_strdup(".");
    struct statfs sf;
    int proc = dir && statfs(dir, &sf) == 0 && sf.f_type == 0x9fa0; /* PROC_SUPER_MAGIC */
    qc_free(dir);
    return proc;
#else
    (void)path;
    return 0;
#endif
}

/* The target of the link at path as a path usable from here (a relative target is relative to
 * the link's folder); NULL with errno. */
static char *link_target(const char *path)
{
    size_t cap = 256;
    for (;;) {
        char *t = qc_malloc(cap);
        if (!t)
            return NULL;
        ssize_t n = readlink(path, t, cap);
        if (n < 0) {
            int saved = errno;
            qc_free(t);
            errno = saved;
            return NULL;
        }
        if ((size_t)n < cap) {
            t[n] = '\0';
            const char *slash = strrchr(path, '/');
            if (t[0] == '/' || !slash)
                return t;
            qc_buf b = QC_BUF_INIT;
            qc_buf_printf(&b, "%.*s/%s", (int)(slash - path), path, t);
            qc_free(t);
            errno = ENOMEM; /* what a NULL from the detach means */
            return qc_buf_detach(&b);
        }
        qc_free(t);
        cap *= 2;
    }
}

int qc_output_target(const char *path, char **target, int *through_proc)
{
    *target = NULL;
    *through_proc = 0;
    char *cur = qc_strdup(path);
    if (!cur)
        return ENOMEM;
    for (int hops = 0;; hops++) {
        struct stat st;
        /* Not there (a dangling link's target is created) or not a link: the end of the chain. An
         * lstat failing otherwise (a folder that is not one) is left to the open to report. */
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            break;
        if (is_proc_link(cur)) {
            *through_proc = 1;
            break;
        }
        if (hops == MAX_LINKS) {
            qc_free(cur);
            return ELOOP;
        }
        char *next = link_target(cur);
        if (!next) {
            int saved = errno;
            qc_free(cur);
            return saved;
        }
        qc_free(cur);
        cur = next;
    }
    *target = cur;
    return 0;
}

/* The descriptor a link in /proc names when it is one of this process's own (/proc/self/fd/N,
 * /dev/stdout, /dev/fd/N), else -1. */
static int own_descriptor(const char *link)
{
    const char *slash = strrchr(link, '/');
    char *end = NULL;
    long n = slash ? strtol(slash + 1, &end, 10) : -1;
    if (!slash || end == slash + 1 || *end || n < 0 || n > INT_MAX)
        return -1;
    char *dir = qc_strndup(link, (size_t)(slash - link));
    char *real = dir ? realpath(dir, NULL) : NULL; /* /proc/self/fd is /proc/PID/fd */
    char own[64];
    int len = snprintf(own, sizeof own, "/proc/%ld/", (long)getpid());
    size_t rl = real ? strlen(real) : 0;
    int mine = real && strncmp(real, own, (size_t)len) == 0 && rl >= 3 && strcmp(real + rl - 3, "/fd") == 0;
    free(real);
    qc_free(dir);
    return mine ? (int)n : -1;
}

/* Opens a target reached through a link in /proc. One of qcode's own descriptors is written
 * through a copy of it, sharing its offset: `-o /dev/stdout > file` then writes where the
 * standard output stands (after what was printed, appending under >>), where opening the link
 * anew would start at 0, truncate the file and be overwritten by the summary printed next. */
static FILE *open_descriptor(const char *target)
{
    int own = own_descriptor(target);
    if (own < 0)
        return fopen(target, "wb");
    int fd = fcntl(own, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return fp;
}

/* A target that exists and is not a regular file (a terminal, a pipe, /dev/null, /dev/full), or
 * one named by a descriptor's link (/dev/stdout), is written in place: there is no file to rename
 * over, and renaming a temporary file over it would replace a device node with a file (as root,
 * in /dev) or the link with one instead of writing to it. A folder is an error. */
static int open_in_place(qc_atomic_file *af, const char *path, const struct stat *st, int through_proc, qc_error *err)
{
    int rc = QC_OK;
    if (S_ISDIR(st->st_mode))
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: it is a folder");
    else if (!(af->fp = through_proc ? open_descriptor(af->target) : fopen(af->target, "wb")))
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: %s", strerror(errno));
    if (rc != 0)
        qc_atomic_abort(af);
    return rc;
}

/* The one rule for where an output goes, given its target (path with its links followed): in
 * place when it exists and is not a regular file, or is a descriptor's link; *st is what stat
 * says of it (zeroed when nothing answers: a descriptor not open, which the open then reports). */
static int in_place(const char *target, int through_proc, struct stat *st)
{
    int exists = stat(target, st) == 0;
    if (!exists)
        memset(st, 0, sizeof *st);
    return through_proc || (exists && !S_ISREG(st->st_mode));
}

int qc_output_in_place(const char *path)
{
    char *target = NULL;
    int through_proc = 0;
    if (qc_output_target(path, &target, &through_proc) != 0)
        return 0;
    struct stat st;
    int place = in_place(target, through_proc, &st);
    qc_free(target);
    return place;
}

/* The target of path, which the output replaces: the end of its chain of links, so that a link
 * stays and leads to the new file (and a dangling one to a file made where it points). */
static int resolve_target(qc_atomic_file *af, const char *path, int *through_proc, qc_error *err)
{
    af->path = qc_strdup(path);
    int e = af->path ? qc_output_target(path, &af->target, through_proc) : ENOMEM;
    if (e == 0)
        return QC_OK;
    qc_atomic_abort(af);
    if (e == ENOMEM)
        return qc_error_nomem(err);
    return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: %s", strerror(e));
}

int qc_atomic_open_in(qc_atomic_file *af, const char *path, qc_outputs *set, qc_error *err)
{
    memset(af, 0, sizeof *af);
    af->token = -1;
    af->lock_fd = -1;
    af->set = set;
    int through_proc = 0;
    int rc = resolve_target(af, path, &through_proc, err);
    if (rc != 0)
        return rc;
    struct stat st;
    if (in_place(af->target, through_proc, &st))
        return open_in_place(af, path, &st, through_proc, err);
    qc_buf tmp = QC_BUF_INIT;
    qc_buf_printf(&tmp, "%s.tmp-XXXXXX", af->target);
    af->tmp_path = qc_buf_detach(&tmp);
    if (!af->tmp_path) {
        qc_atomic_abort(af);
        return qc_error_nomem(err);
    }
    /* Tracked, so that an interrupted run removes it (qc_temp_files_remove_all). */
    int fd = qc_temp_file_create(af->tmp_path, &af->token);
    if (fd < 0) {
        int saved = errno;
        qc_free(af->tmp_path);
        af->tmp_path = NULL;
        qc_atomic_abort(af);
        if (saved == ENOMEM)
            return qc_error_nomem(err);
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot create output: %s", strerror(saved));
    }
    /* The lock stays with this second descriptor when the stream is closed before the rename. */
    af->lock_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    /* mkstemp makes 0600 files; outputs are ordinary files the user shares, so honour the umask. */
    fchmod(fd, (mode_t)qc_output_mode());
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        close(fd);
        qc_atomic_abort(af);
        return qc_error_nomem(err);
    }
    return QC_OK;
}

/* The temporary's name is renamed into place or gone: its mark and lock go (leftovers.h). */
static void release_lock(qc_atomic_file *af)
{
    qc_leftover_release(af->lock_fd, af->tmp_path);
    af->lock_fd = -1;
}

int qc_atomic_commit(qc_atomic_file *af, qc_error *err)
{
    int failed = 0;
    int saved = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp)) {
        failed = 1;
        saved = errno;
    } else if (fsync(fileno(af->fp)) != 0 && errno != EINVAL) {
        failed = 1;
        saved = errno;
    }
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    af->fp = NULL;
    if (!failed && af->tmp_path && af->set) {
        /* Synced and whole: the set renames it with the run's other outputs (outputs.h). */
        if (qc_outputs_take(af->set, af) == 0)
            return QC_OK;
        qc_atomic_abort(af);
        return qc_error_nomem(err);
    }
    if (!failed && af->tmp_path && rename(af->tmp_path, af->target) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        int rc =
            qc_error_set(err, QC_ERR_IO, af->path, 0, 0, -1, "cannot write output: %s", strerror(saved ? saved : EIO));
        qc_atomic_abort(af);
        return rc;
    }
    if (af->tmp_path) {
        qc_temp_forget(af->token); /* after the rename: the name is gone when a handler looks */
        qc_leftovers_remove(af->target);
        release_lock(af);
    }
    qc_free(af->tmp_path);
    qc_free(af->target);
    qc_free(af->path);
    af->tmp_path = af->target = af->path = NULL;
    return QC_OK;
}

void qc_atomic_abort(qc_atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    af->fp = NULL;
    if (af->tmp_path) {
        unlink(af->tmp_path);
        qc_temp_forget(af->token);
        release_lock(af); /* after the unlink: a remover never sees the name unlocked */
    }
    qc_free(af->tmp_path);
    qc_free(af->target);
    qc_free(af->path);
    af->tmp_path = af->target = af->path = NULL;
}

int qc_atomic_write(const char *path, const void *bytes, size_t size, qc_outputs *set, qc_error *err)
{
    qc_atomic_file af;
    int rc = qc_atomic_open_in(&af, path, set, err);
    if (rc != 0)
        return rc;
    if (size && fwrite(bytes, 1, size, af.fp) != size) {
        int saved = errno;
        qc_atomic_abort(&af);
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: %s", strerror(saved ? saved : EIO));
    }
    return qc_atomic_commit(&af, err);
}

/* A descriptor for writing the regular file at path, never following a link or opening a pipe
 * (which would block) or a device; -1 with errno when there is no such file to write. */
static int open_regular_for_writing(const char *path, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | flags, 0666);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EEXIST;
        return -1;
    }
    return fd;
}

int qc_file_overwrite(const char *path, const void *bytes, size_t size, qc_error *err)
{
    int fd = open_regular_for_writing(path, 0);
    /* ELOOP: a link; ENXIO: a pipe without a reader; EEXIST: something else not a file */
    if (fd < 0 && (errno == ELOOP || errno == ENXIO || errno == EEXIST) && unlink(path) == 0)
        fd = open_regular_for_writing(path, O_EXCL);
    if (fd < 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write: %s", strerror(errno));
    const char *p = bytes;
    size_t left = size;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int saved = n < 0 ? errno : EIO;
            close(fd);
            return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write: %s", strerror(saved));
        }
        p += n;
        left -= (size_t)n;
    }
    /* a longer earlier content leaves a tail to cut (not truncated first: see the header) */
    if (ftruncate(fd, (off_t)size) != 0 || close(fd) != 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write: %s", strerror(errno));
    return QC_OK;
}

/* pwrite of all of bytes[0, n) at `at`; -1 with errno. */
static int pwrite_all(int fd, const char *bytes, size_t n, off_t at)
{
    while (n) {
        ssize_t w = pwrite(fd, bytes, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        bytes += w;
        n -= (size_t)w;
        at += w;
    }
    return 0;
}

int qc_file_extend(const char *path, const void *bytes, size_t head, size_t old_size, size_t size, qc_error *err)
{
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != old_size) {
        if (fd >= 0)
            close(fd);
        return 1;
    }
    /* the tail first: until the head is written the file is the old content, or one whose size
     * disagrees with its header */
    const char *b = bytes;
    if (pwrite_all(fd, b + old_size, size - old_size, (off_t)old_size) != 0 || pwrite_all(fd, b, head, 0) != 0) {
        int saved = errno;
        close(fd);
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write: %s", strerror(saved));
    }
    if (close(fd) != 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write: %s", strerror(errno));
    return QC_OK;
}
