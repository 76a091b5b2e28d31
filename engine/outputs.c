/* Commit sets: each output a writer finished waits here, a synced temporary beside its target and
 * still tracked for signal handlers (temp_files.h), until the run commits them all or drops them
 * all.
 *
 * A commit replaces every target or none, as far as POSIX allows: each old target is first kept
 * under a second name (a hard link, TARGET.old-XXXXXX, beside it), a target that has become a
 * folder or that cannot be kept stopping the commit before anything changed; then the temporaries
 * are renamed over their targets, and when one rename fails the targets already replaced get
 * their old files back (renamed from the second names; a target that was not there is removed)
 * and the rest of the temporaries go. The second names go once all is done. All of it happens in
 * one qc_temp_hold window, so no signal comes in between; the backups are tracked all the same
 * (qc_temp_backup_track) for a handler that gave up waiting. A file system without hard links
 * (FAT) cannot keep an old file: such a target is replaced last, and only it could be left
 * replaced when another fails. */
#include "outputs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "leftovers.h"
#include "temp_files.h"

/* What a target held when its commit began. */
enum { OLD_NONE, OLD_KEPT, OLD_UNKEPT }; /* nothing; kept under the backup name; there, not kept */

typedef struct pending {
    char *tmp_path, *target, *path; /* as in qc_atomic_file */
    int token;
    char *backup;     /* TARGET.old-XXXXXX (the temporary's XXXXXX): the old target's second name */
    int backup_token; /* its registry slot (temp_files.h), -1: none */
    int old;          /* OLD_*, found by the commit */
    int renamed;      /* the temporary is now the target */
    int lock_fd;      /* keeps the temporary's live-writer lock (leftovers.h); -1: none */
    int backup_fd;    /* keeps the old target's, from before its backup is linked; -1: none */
} pending;

/* More than a run makes: the TSV tables' folder is the only one. */
enum { MAX_FOLDERS = 8 };

struct qc_outputs {
    pending *items;
    size_t count, cap;
    char *folders[MAX_FOLDERS]; /* made by writers for their outputs, in the order made */
    int folder_tokens[MAX_FOLDERS]; /* their registry tokens (temp_files.h, qc_temp_mkdir) */
    size_t folder_count;
};

int qc_outputs_new(qc_outputs **out, qc_error *err)
{
    *out = qc_calloc(1, sizeof **out);
    return *out ? QC_OK : qc_error_nomem(err);
}

int qc_outputs_take(qc_outputs *set, qc_atomic_file *af)
{
    if (QC_GROW(set->items, set->cap, set->count + 1) != 0)
        return -1;
    set->items[set->count++] =
        (pending){af->tmp_path, af->target, af->path, af->token, NULL, -1, OLD_NONE, 0, af->lock_fd, -1};
    af->tmp_path = af->target = af->path = NULL;
    af->token = -1;
    af->lock_fd = -1;
    return 0;
}

int qc_outputs_made_folder(qc_outputs *set, char *path, int token)
{
    if (set->folder_count == MAX_FOLDERS)
        return -1;
    set->folder_tokens[set->folder_count] = token;
    set->folders[set->folder_count++] = path;
    return 0;
}

/* The backup's name is gone (or renamed back over its target): its mark and lock go. */
static void release_backup(pending *p)
{
    qc_leftover_release(p->backup_fd, p->backup);
    p->backup_fd = -1;
}

static void pending_free(pending *p)
{
    /* Last: the names they protect are renamed or removed by now. */
    qc_leftover_release(p->lock_fd, p->tmp_path);
    p->lock_fd = -1;
    release_backup(p);
    qc_free(p->tmp_path);
    qc_free(p->target);
    qc_free(p->path);
    qc_free(p->backup);
}

/* Forgets every output (already renamed or removed: the registry must not hold their names) and
 * backup (removed or put back), and every folder made: the set is empty again. */
static void clear(qc_outputs *set)
{
    for (size_t i = 0; i < set->count; i++) {
        qc_temp_forget(set->items[i].token);
        qc_temp_forget(set->items[i].backup_token);
        pending_free(&set->items[i]);
    }
    set->count = 0;
    for (size_t i = 0; i < set->folder_count; i++) {
        qc_temp_forget(set->folder_tokens[i]);
        qc_free(set->folders[i]);
    }
    set->folder_count = 0;
}

/* Removes the temporaries of the outputs not renamed. */
static void discard(qc_outputs *set)
{
    for (size_t i = 0; i < set->count; i++)
        if (!set->items[i].renamed)
            unlink(set->items[i].tmp_path);
}

int qc_outputs_write(qc_outputs *set, const char *path, const void *bytes, size_t len, qc_error *err)
{
    if (!path || (len && !bytes))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_outputs_write: NULL argument");
    return qc_atomic_write(path, bytes, len, set, err);
}

const char *qc_outputs_pending(const qc_outputs *set, const char *path)
{
    for (size_t i = set && path ? set->count : 0; i-- > 0;) /* the last written, should there be two */
        if (strcmp(set->items[i].path, path) == 0)
            return set->items[i].tmp_path;
    return NULL;
}

/* Names and tracks each output's backup (TARGET.old-XXXXXX, as long as its temporary's name, so it
 * fits wherever that did), before the window, which must not allocate. */
static int name_backups(qc_outputs *set)
{
    for (size_t i = 0; i < set->count; i++) {
        pending *p = &set->items[i];
        size_t len = strlen(p->tmp_path);
        p->backup = qc_strdup(p->tmp_path);
        if (!p->backup || len < 10 || memcmp(p->tmp_path + len - 10, "tmp-", 4) != 0)
            return -1; /* a temporary's name always ends in .tmp-XXXXXX */
        memcpy(p->backup + len - 10, "old", 3);
        if (qc_temp_backup_track(p->backup, p->target, &p->backup_token) != 0)
            return -1;
    }
    return 0;
}

/* How a commit ended: `failed` is the output that stopped it (count: none), `error` why, `kept`
 * whether it stopped while the old targets were being kept (nothing replaced yet). */
typedef struct outcome {
    size_t failed;
    int error;
    int kept;
} outcome;

/* Keeps p's old target (st: its lstat) under the backup name, locked first as a live writer's
 * file and marked as the backup (leftovers.h), so that no run removes the backup while this one
 * may put it back, and a run after a SIGKILL here does. 0, or an errno. */
static int keep_one(pending *p, const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        p->backup_fd = qc_leftover_hold(p->target, p->backup);
    if (link(p->target, p->backup) == 0)
        p->old = OLD_KEPT;
    else if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS || errno == EMLINK)
        p->old = OLD_UNKEPT; /* no hard links here (FAT; protected_hardlinks): replaced last */
    else
        return errno;
    return 0;
}

/* Keeps each target's old file under its backup name. 0, or -1 with *out saying which target
 * stopped it (nothing was replaced; the caller removes the backups made). */
static int keep_old(qc_outputs *set, outcome *out)
{
    for (size_t i = 0; i < set->count; i++) {
        pending *p = &set->items[i];
        struct stat st;
        int e = 0;
        if (lstat(p->target, &st) != 0)
            e = errno == ENOENT ? 0 : errno;
        else if (S_ISDIR(st.st_mode))
            e = EISDIR;
        else
            e = keep_one(p, &st);
        if (e) {
            *out = (outcome){i, e, 1};
            return -1;
        }
        if (p->old == OLD_KEPT)
            qc_temp_backup_arm(p->backup_token, 1);
    }
    return 0;
}

/* Puts back what the renamed outputs replaced: the old file from its backup, or nothing where
 * there was nothing. Returns how many could not be (their new file stays), marking each. */
static size_t put_back(qc_outputs *set)
{
    size_t lost = 0;
    for (size_t i = set->count; i-- > 0;) {
        pending *p = &set->items[i];
        if (!p->renamed)
            continue;
        int back = p->old == OLD_KEPT   ? rename(p->backup, p->target) == 0
                   : p->old == OLD_NONE ? unlink(p->target) == 0 || errno == ENOENT
                                        : 0;
        if (back)
            p->renamed = 0; /* its temporary is gone: discard finds no name to remove */
        else
            lost++;
    }
    return lost;
}

/* Tests stand for a file system that hangs inside a commit: with QCODE_TEST_STALL_COMMIT_AFTER=TEXT
 * the commit waits 10 s, its signals blocked, after renaming the output whose target holds TEXT,
 * so that a signal handler gives up waiting for it and puts the old outputs back itself
 * (temp_files.c; tests/test_signals.c). With QCODE_TEST_STOP_IN_COMMIT_AFTER=TEXT the process stops
 * itself there instead (SIGSTOP, which no mask blocks), for a test to kill it in the middle of a
 * commit, as a power cut would, and see what a later run makes of what it left
 * (tests/test_faults.c). Read before the window, which must not call getenv. */
typedef struct test_hooks {
    const char *stall, *stop;
} test_hooks;

static test_hooks test_hooks_now(void)
{
    const char *stall = getenv("QCODE_TEST_STALL_COMMIT_AFTER"), *stop = getenv("QCODE_TEST_STOP_IN_COMMIT_AFTER");
    return (test_hooks){stall && *stall ? stall : NULL, stop && *stop ? stop : NULL};
}

static void stall_for_test(const test_hooks *hooks, const char *target)
{
    struct timespec left = {10, 0};
    if (hooks->stall && strstr(target, hooks->stall))
        while (nanosleep(&left, &left) != 0 && errno == EINTR) {
        }
    if (hooks->stop && strstr(target, hooks->stop))
        raise(SIGSTOP);
}

/* The renames, in one window: the outputs whose old file is kept (or was not there) first, in the
 * order they were finished, then those whose old file could not be kept. */
static void replace_all(qc_outputs *set, const test_hooks *hooks, outcome *out)
{
    *out = (outcome){set->count, 0, 0};
    if (keep_old(set, out) != 0)
        return;
    for (int unkept = 0; unkept < 2 && out->failed == set->count; unkept++)
        for (size_t i = 0; i < set->count && out->failed == set->count; i++) {
            pending *p = &set->items[i];
            if ((p->old == OLD_UNKEPT) != unkept)
                continue;
            if (rename(p->tmp_path, p->target) == 0) {
                p->renamed = 1;
                stall_for_test(hooks, p->target);
            } else
                *out = (outcome){i, errno, 0};
        }
}

int qc_outputs_commit(qc_outputs *set, qc_error *err)
{
    if (!set)
        return QC_OK;
    int rc = QC_OK;
    if (name_backups(set) != 0) {
        rc = qc_error_nomem(err);
        discard(set);
        clear(set);
        return rc;
    }
    outcome out;
    size_t lost = 0;
    test_hooks hooks = test_hooks_now();
    sigset_t old;
    /* One window for every step: a signal comes before the first or after the last. */
    if (qc_temp_hold(&old) == 0) {
        replace_all(set, &hooks, &out);
        if (out.failed < set->count)
            lost = put_back(set);
        for (size_t i = 0; i < set->count; i++) {
            pending *p = &set->items[i];
            if (p->old == OLD_KEPT) {
                unlink(p->backup); /* gone already when it was put back */
                qc_temp_backup_arm(p->backup_token, 0);
            }
        }
        qc_temp_release(&old);
    } else {
        out = (outcome){0, EINTR, 1};
    }
    if (out.failed < set->count) {
        const pending *f = &set->items[out.failed];
        const char *why = out.kept && out.error == EISDIR ? "it is a folder" : strerror(out.error);
        if (lost) {
            char names[512] = "";
            size_t len = 0;
            for (size_t i = 0; i < set->count && len < sizeof names; i++)
                if (set->items[i].renamed)
                    len +=
                        (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", set->items[i].path);
            rc = qc_error_set(err, QC_ERR_IO, f->path, 0, 0, -1,
                              "cannot write output: %s; replaced already, and not put back: %s", why, names);
        } else if (set->count > 1) {
            rc = qc_error_set(err, QC_ERR_IO, f->path, 0, 0, -1, "cannot write output: %s; no output was changed", why);
        } else {
            rc = qc_error_set(err, QC_ERR_IO, f->path, 0, 0, -1, "cannot write output: %s", why);
        }
        discard(set);
        /* Folders made for the outputs go again when nothing is left in them. */
        for (size_t i = set->folder_count; i-- > 0;)
            rmdir(set->folders[i]);
    } else {
        /* The backups are gone: their locks go first, or the old target a dead run's backup
         * shares would look held by a live run (this one). */
        for (size_t i = 0; i < set->count; i++)
            release_backup(&set->items[i]);
        for (size_t i = 0; i < set->count; i++)
            qc_leftovers_remove(set->items[i].target);
    }
    clear(set);
    return rc;
}

void qc_outputs_free(qc_outputs *set)
{
    if (!set)
        return;
    discard(set);
    /* Last made first: a folder made inside another goes before it. rmdir leaves one that holds
     * anything. */
    for (size_t i = set->folder_count; i-- > 0;)
        rmdir(set->folders[i]);
    clear(set);
    qc_free(set->items);
    qc_free(set);
}
