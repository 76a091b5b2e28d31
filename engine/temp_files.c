/* The registry of live temporary outputs, read by a signal handler (temp_files.h).
 *
 * A handler may interrupt any thread at any instruction, including one holding malloc's lock or
 * half way through registering, so the registry is a fixed array of slots that the handler only
 * reads through lock-free atomics, and the handler calls nothing but unlink, rmdir, rename, open,
 * close, getdents64, nanosleep and strlen. A slot is FREE, CLAIMED (its path being stored), or
 * holds a FILE, a FOLDER or an old output's BACKUP (idle or armed); only its owner moves it out of
 * those.
 *
 * The races, and why each is harmless (all atomics are sequentially consistent):
 * - A thread creating a temporary while another runs the handler: creation happens with the
 *   creating thread's signals blocked and counted in `holding`; the handler first sets `dying`,
 *   then waits for `holding` to reach 0 before it reads the slots. A creator that saw `dying`
 *   unset was counted before the handler looked, so the handler waits for it and then sees its
 *   slot; a creator that sees `dying` set creates nothing (or removes what it just made).
 * - A handler on the creating thread itself cannot happen: its signals are blocked until the
 *   temporary is tracked.
 * - A slot freed while the handler reads it: the owner frees the path string only when it reads
 *   `dying` unset after marking the slot FREE, which orders that before the handler looked at the
 *   slot; once `dying` is set, strings are never freed (the process is about to end), so any
 *   pointer the handler loads stays a valid temporary's name.
 * - Commit: the temporary is renamed into place and only then forgotten; a handler in between
 *   tries to remove a name that is gone, which fails harmlessly. A commit set's renames happen
 *   inside one window (qc_temp_hold), so a handler sees all of them done or none; so do the
 *   backups it keeps of the old outputs meanwhile (hard links), made, armed, and removed or put
 *   back within the same window. Only a handler that gave up waiting (2 s: a stuck file system)
 *   meets armed backups: it puts each back over its target (a rename between two names of one
 *   file does nothing, so a target not yet replaced stays) and removes the second name. */
#define _GNU_SOURCE /* mkdtemp, syscall */
#include "temp_files.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "leftovers.h"
#include "qcode/common.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2 && ATOMIC_POINTER_LOCK_FREE == 2,
               "a signal handler reads the slots: their atomics must be lock-free");

/* More than a run ever has at once: results.xml, five TSV tables, a project, and one cache entry
 * per worker thread. Past that, temporaries are created untracked (a signal leaves them, as a
 * SIGKILL always does). */
enum { SLOTS = 1024 };
/* SLOT_BACKUP_IDLE and SLOT_BACKUP: an old output's second name during a commit (outputs.c), its
 * path "BACKUP\0TARGET"; only an armed one (SLOT_BACKUP) is put back by the handler. */
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_FILE, SLOT_FOLDER, SLOT_MADE_FOLDER, SLOT_BACKUP_IDLE, SLOT_BACKUP };

typedef struct slot {
    atomic_int state;
    _Atomic(char *) path; /* qc_malloc'ed; meaningful while FILE or FOLDER */
} slot;

static slot slots[SLOTS];
static atomic_int dying;    /* qc_temp_files_remove_all has started: create nothing more */
static atomic_int holding;  /* threads in a qc_temp_hold window: creating and tracking a temporary,
                             * or renaming a commit set's outputs */
static atomic_int next_slot;

/* The handler waits this long (1 ms steps) for threads in a window (creating a temporary, renaming a
 * set's outputs). They need microseconds; the bound only keeps a stuck file system from holding the process. */
enum { WAIT_STEPS = 2000 };

static int claim(void)
{
    int start = atomic_load(&next_slot);
    for (int k = 0; k < SLOTS; k++) {
        int i = (start + k) % SLOTS;
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_CLAIMED)) {
            atomic_store(&next_slot, (i + 1) % SLOTS);
            return i;
        }
    }
    return -1;
}

#ifdef SYS_getdents64
/* The kernel's directory entry (getdents64(2)); glibc has no async-signal-safe readdir. */
struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* Removes what the folder open at fd holds, `depth` levels of subfolders deep. Async-signal-safe:
 * a stack buffer, getdents64 and unlinkat. Entries removed while listing can shift the listing, so
 * it is read again from the start until a pass removes nothing more. */
static void remove_contents(int fd, int depth)
{
    _Alignas(8) char buf[2048];
    for (int pass = 0; pass < 16; pass++) {
        if (lseek(fd, 0, SEEK_SET) < 0)
            return;
        int removed = 0;
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                const struct dirent64_raw *e = (const struct dirent64_raw *)(buf + off);
                off += e->reclen;
                const char *name = e->name;
                if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                    continue;
                if (unlinkat(fd, name, 0) == 0) {
                    removed++;
                    continue;
                }
                if (depth > 0 && errno == EISDIR) {
                    int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                    if (sub >= 0) {
                        remove_contents(sub, depth - 1);
                        close(sub);
                    }
                    removed += unlinkat(fd, name, AT_REMOVEDIR) == 0;
                }
            }
        }
        if (!removed)
            return;
    }
}
#endif

static void remove_folder(const char *path)
{
#ifdef SYS_getdents64
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        remove_contents(fd, 2);
        close(fd);
    }
#endif
    rmdir(path);
}

void qc_temp_files_remove_all(void)
{
    int saved = errno;
    atomic_store(&dying, 1);
    for (int i = 0; i < WAIT_STEPS && atomic_load(&holding) > 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    for (int i = 0; i < SLOTS; i++) {
        int state = atomic_load(&slots[i].state);
        if (state != SLOT_FILE && state != SLOT_FOLDER && state != SLOT_BACKUP)
            continue;
        const char *path = atomic_load(&slots[i].path);
        if (state == SLOT_FILE) {
            unlink(path);
        } else if (state == SLOT_BACKUP) { /* the old output back in its place, its second name gone */
            rename(path, path + strlen(path) + 1);
            unlink(path);
        } else {
            remove_folder(path);
        }
    }
    /* Then the folders made for outputs, now without their temporaries: rmdir leaves one that
     * holds anything else (an earlier output, a file put there meanwhile). */
    for (int i = SLOTS; i-- > 0;)
        if (atomic_load(&slots[i].state) == SLOT_MADE_FOLDER)
            rmdir(atomic_load(&slots[i].path));
    errno = saved;
}

void qc_temp_forget(int token)
{
    if (token < 0 || token >= SLOTS)
        return;
    char *path = atomic_load(&slots[token].path);
    atomic_store(&slots[token].state, SLOT_FREE);
    if (!atomic_load(&dying))
        qc_free(path);
}

/* Tests signal a run while one of its temporaries exists: with QCODE_TEST_STOP_AT_TEMP=TEXT the
 * process stops itself (SIGSTOP) just after creating a temporary whose name contains TEXT, and the
 * test sends its signal and SIGCONT (tests/test_signals.c, docs/reliability.md). */
static void stop_for_test(const char *path)
{
    const char *want = getenv("QCODE_TEST_STOP_AT_TEMP");
    if (want && *want && strstr(path, want))
        raise(SIGSTOP);
}

int qc_temp_hold(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, old);
    atomic_fetch_add(&holding, 1);
    if (!atomic_load(&dying))
        return 0;
    qc_temp_release(old);
    errno = EINTR;
    return -1;
}

void qc_temp_release(const sigset_t *old)
{
    atomic_fetch_sub(&holding, 1);
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int create(char *tmpl, int kind, int *token)
{
    *token = -1;
    /* Allocated before the window below: a thread waiting there for malloc's lock, held by the
     * thread the handler interrupted, would hold the handler up. */
    char *name = qc_strdup(tmpl);
    if (!name) {
        errno = ENOMEM;
        return -1;
    }
    sigset_t old;
    int rc = -1, saved = EINTR, tracked = 0;
    if (qc_temp_hold(&old) != 0)
        goto out;
    rc = kind == SLOT_FILE ? mkstemp(name) : kind == SLOT_MADE_FOLDER ? mkdir(name, 0777) : (mkdtemp(name) ? 0 : -1);
    saved = errno;
    if (rc >= 0) {
        int i = claim();
        if (i >= 0) {
            atomic_store(&slots[i].path, name);
            atomic_store(&slots[i].state, kind);
            *token = i;
            tracked = 1;
        }
        if (atomic_load(&dying)) { /* the handler may have looked already: undo */
            if (kind == SLOT_FILE) {
                close(rc);
                unlink(name);
            } else {
                rmdir(name);
            }
            rc = -1;
            saved = EINTR;
        }
    }
    qc_temp_release(&old);
out:
    if (rc >= 0)
        memcpy(tmpl, name, strlen(name)); /* the same length: only the XXXXXX changed */
    if (!tracked)
        qc_free(name);
    if (rc < 0) {
        qc_temp_forget(*token);
        *token = -1;
        errno = saved;
        return -1;
    }
    return rc;
}

/* create, then the test stop (stop_for_test) once the temporary is tracked. */
static int create_stopping(char *tmpl, int kind, int *token)
{
    int rc = create(tmpl, kind, token);
    if (rc >= 0 && *token >= 0)
        stop_for_test(tmpl);
    return rc;
}

/* A run removing leftovers (leftovers.h) may take a new temporary's name in the moment before its
 * lock: another name is tried, a few times. */
enum { CREATE_TRIES = 8 };

/* A temporary file (SLOT_FILE) or folder (SLOT_FOLDER) made, tracked, locked and marked as a live
 * writer's (leftovers.h): a descriptor of it, or -1. */
static int create_locked(char *tmpl, int kind, int *token)
{
    size_t len = strlen(tmpl);
    for (int i = 0; i < CREATE_TRIES; i++) {
        int rc = create(tmpl, kind, token);
        if (rc < 0)
            return -1;
        int fd = kind == SLOT_FILE ? rc : open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) { /* a folder made that cannot be opened: out of descriptors */
            int saved = errno;
            rmdir(tmpl);
            qc_temp_forget(*token);
            *token = -1;
            errno = saved;
            return -1;
        }
        if (qc_leftover_lock_new(fd) == 0) {
            /* Marked once locked: a remover that finds the mark finds the lock too. */
            qc_leftover_mark(fd, tmpl);
            if (*token >= 0)
                stop_for_test(tmpl); /* locked: what a test does to it now meets a live writer's file */
            return fd;
        }
        close(fd);
        if (kind == SLOT_FILE)
            unlink(tmpl);
        else
            rmdir(tmpl);
        qc_temp_forget(*token);
        *token = -1;
        memcpy(tmpl + len - 6, "XXXXXX", 6);
    }
    errno = EAGAIN;
    return -1;
}

int qc_temp_file_create(char *tmpl, int *token)
{
    return create_locked(tmpl, SLOT_FILE, token);
}

int qc_temp_dir_create(char *tmpl, int *token)
{
    return create_locked(tmpl, SLOT_FOLDER, token);
}

int qc_temp_mkdir(char *path, int *token)
{
    return create_stopping(path, SLOT_MADE_FOLDER, token);
}

int qc_temp_backup_track(const char *backup, const char *target, int *token)
{
    *token = -1;
    size_t nb = strlen(backup) + 1, nt = strlen(target) + 1;
    char *names = qc_malloc(nb + nt);
    if (!names) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(names, backup, nb);
    memcpy(names + nb, target, nt);
    /* No window needed: an idle slot is passed by, whenever the handler looks. */
    int i = claim();
    if (i < 0) {
        qc_free(names);
        return 0;
    }
    atomic_store(&slots[i].path, names);
    atomic_store(&slots[i].state, SLOT_BACKUP_IDLE);
    *token = i;
    return 0;
}

void qc_temp_backup_arm(int token, int armed)
{
    if (token >= 0 && token < SLOTS)
        atomic_store(&slots[token].state, armed ? SLOT_BACKUP : SLOT_BACKUP_IDLE);
}
