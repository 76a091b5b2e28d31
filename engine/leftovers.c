/* Leftovers of interrupted runs (leftovers.h): the mark, the live-writer locks, and removal. */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOFOLLOW, flock, fdopendir */
#include "leftovers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* A run removing leftovers holds a file's exclusive lock for the few system calls between its
 * open and its unlink; a writer waits that out in 1 ms steps, up to LOCK_STEPS. */
enum { LOCK_STEPS = 20 };

/* The mark's attribute: this prefix and the name's suffix (tmp-XXXXXX or old-XXXXXX). */
#define MARK_PREFIX "user.qcode."
enum { SUFFIX_LEN = 10, MARK_LEN = sizeof MARK_PREFIX - 1 + SUFFIX_LEN };

static void sleep_ms(void)
{
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
}

/* flock(fd, LOCK_SH) within LOCK_STEPS: 0 locked, 1 no flock here, -1 not had in time. */
static int lock_shared(int fd)
{
    for (int i = 0; i < LOCK_STEPS;) {
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            return 1; /* ENOLCK, EINVAL, EOPNOTSUPP: a file system without locks */
        sleep_ms();
        i++;
    }
    return -1;
}

int qc_leftover_lock_new(int fd)
{
    int rc = lock_shared(fd);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    /* Locked; a remover that had the lock first has removed the name by now. */
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_nlink > 0 ? 0 : -1;
}

static int is_suffix_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Whether s is "tmp-XXXXXX" or "old-XXXXXX" and nothing more. */
static int is_suffix(const char *s)
{
    if (strncmp(s, "tmp-", 4) != 0 && strncmp(s, "old-", 4) != 0)
        return 0;
    for (int i = 4; i < SUFFIX_LEN; i++)
        if (!is_suffix_char(s[i]))
            return 0;
    return s[SUFFIX_LEN] == '\0';
}

/* The last component of path and, into attr, its mark's attribute name: the component, or NULL
 * when it does not end in .tmp-XXXXXX or .old-XXXXXX. */
static const char *mark_of(const char *path, char attr[MARK_LEN + 1])
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t len = strlen(name);
    if (len < SUFFIX_LEN + 2 || name[len - SUFFIX_LEN - 1] != '.' || !is_suffix(name + len - SUFFIX_LEN))
        return NULL;
    memcpy(attr, MARK_PREFIX, sizeof MARK_PREFIX - 1);
    memcpy(attr + sizeof MARK_PREFIX - 1, name + len - SUFFIX_LEN, SUFFIX_LEN + 1);
    return name;
}

void qc_leftover_mark(int fd, const char *name)
{
    char attr[MARK_LEN + 1];
    const char *base = mark_of(name, attr);
    if (base && fd >= 0)
        fsetxattr(fd, attr, base, strlen(base), 0); /* unmarked when it fails: never removed */
}

void qc_leftover_release(int fd, const char *name)
{
    if (fd < 0)
        return;
    char attr[MARK_LEN + 1];
    if (name && mark_of(name, attr))
        fremovexattr(fd, attr);
    close(fd);
}

/* Whether the file open at fd carries qcode's mark for `name` (a last component). */
static int marked_as(int fd, const char *name)
{
    char attr[MARK_LEN + 1], value[NAME_MAX + 1];
    if (!mark_of(name, attr))
        return 0;
    ssize_t n = fgetxattr(fd, attr, value, sizeof value);
    return n >= 0 && (size_t)n == strlen(name) && memcmp(value, name, (size_t)n) == 0;
}

int qc_leftover_hold(const char *target, const char *backup)
{
    int fd = open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || lock_shared(fd) != 0) {
        close(fd);
        return -1;
    }
    qc_leftover_mark(fd, backup);
    return fd;
}

/* Whether name is base.tmp-XXXXXX or base.old-XXXXXX. */
static int is_leftover_of(const char *name, const char *base, size_t blen)
{
    return strncmp(name, base, blen) == 0 && name[blen] == '.' && is_suffix(name + blen + 1);
}

/* What a dead import's folder may hold, to be removed: regular files and, `depth` levels deep,
 * folders of them (sources/), all this user's; never a symbolic link, which would be removed
 * itself and not followed, but was never made by qcode. With `remove`, removes them (files first,
 * then each emptied folder); without, says whether all of it is such (1) or not (0). fd stays
 * open. */
static int sweep(int fd, int depth, int remove)
{
    int listing = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* its own position */
    DIR *d = listing >= 0 ? fdopendir(listing) : NULL;
    if (!d) {
        if (listing >= 0)
            close(listing);
        return 0;
    }
    uid_t me = geteuid();
    int ok = 1;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
            continue;
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != me) {
            ok = 0;
        } else if (S_ISREG(st.st_mode)) {
            if (remove)
                unlinkat(fd, name, 0);
        } else if (S_ISDIR(st.st_mode) && depth > 0) {
            int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            ok = sub >= 0 && sweep(sub, depth - 1, remove);
            if (sub >= 0)
                close(sub);
            if (ok && remove)
                unlinkat(fd, name, AT_REMOVEDIR);
        } else {
            ok = 0; /* a link, a device, a FIFO, a socket, a folder too deep */
        }
    }
    closedir(d);
    return ok;
}

/* Removes name from the folder open at dfd when it is a leftover (leftovers.h) that no live run
 * holds; a folder only when it is a temporary (`folder_ok`). */
static int remove_if_dead(int dfd, const char *name, int folder_ok)
{
    struct stat seen, held, now;
    /* Nothing but a file or a folder is opened: opening a device or a FIFO may act on it. */
    if (fstatat(dfd, name, &seen, AT_SYMLINK_NOFOLLOW) != 0 || seen.st_uid != geteuid() ||
        !(S_ISREG(seen.st_mode) || (folder_ok && S_ISDIR(seen.st_mode))))
        return 0;
    int flags = S_ISDIR(seen.st_mode) ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | flags);
    if (fd < 0)
        return 0;
    int removed = 0;
    /* The file locked must be the one seen, and the name must still be that file when it goes:
     * otherwise another file took it meanwhile. */
    if (fstat(fd, &held) == 0 && held.st_dev == seen.st_dev && held.st_ino == seen.st_ino &&
        flock(fd, LOCK_EX | LOCK_NB) == 0 && marked_as(fd, name) && (S_ISREG(held.st_mode) || sweep(fd, 1, 0)) &&
        fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino) {
        if (S_ISREG(held.st_mode)) {
            removed = unlinkat(dfd, name, 0) == 0;
        } else {
            sweep(fd, 1, 1);
            removed = unlinkat(dfd, name, AT_REMOVEDIR) == 0;
        }
    }
    close(fd); /* the lock goes with it */
    return removed;
}

size_t qc_leftovers_remove(const char *target)
{
    /* On the stack, not the allocator's: the removal must not change how many allocations a run
     * makes (tests/test_oom.c counts them), and a failure here only leaves the files. */
    char dir[4096];
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t dlen = slash ? (slash == target ? 1 : (size_t)(slash - target)) : 1;
    if (!*base || dlen >= sizeof dir)
        return 0;
    memcpy(dir, slash ? target : ".", dlen);
    dir[dlen] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t blen = strlen(base), removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (is_leftover_of(e->d_name, base, blen))
            removed += (size_t)remove_if_dead(dirfd(d), e->d_name, e->d_name[blen + 1] == 't');
    closedir(d);
    return removed;
}
