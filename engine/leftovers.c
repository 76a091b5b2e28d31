/* Leftovers of interrupted runs (leftovers.h): the live-writer locks and their removal. */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOFOLLOW, flock */
#include "leftovers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A run removing leftovers holds a file's exclusive lock for the few system calls between its
 * open and its unlink; a writer waits that out in 1 ms steps, up to LOCK_STEPS. */
enum { LOCK_STEPS = 20 };

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

int qc_leftover_hold(const char *target)
{
    int fd = open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || lock_shared(fd) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether name is base.tmp-XXXXXX or base.old-XXXXXX. */
static int is_leftover_of(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0)
        return 0;
    const char *s = name + blen;
    if (strncmp(s, ".tmp-", 5) != 0 && strncmp(s, ".old-", 5) != 0)
        return 0;
    s += 5;
    for (int i = 0; i < 6; i++, s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return *s == '\0';
}

/* Removes name from the folder open at dfd when it is a regular file no live run holds. */
static int remove_if_dead(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat held, now;
    int removed = 0;
    /* The name must still be the file locked: otherwise another file took it meanwhile. */
    if (fstat(fd, &held) == 0 && S_ISREG(held.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino)
        removed = unlinkat(dfd, name, 0) == 0;
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
            removed += (size_t)remove_if_dead(dirfd(d), e->d_name);
    closedir(d);
    return removed;
}
