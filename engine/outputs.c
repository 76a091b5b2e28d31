/* Commit sets: each output a writer finished waits here, a synced temporary beside its target and
 * still tracked for signal handlers (temp_files.h), until the run commits them all in a row or
 * drops them all. */
#include "outputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "temp_files.h"

typedef struct pending {
    char *tmp_path, *target, *path; /* as in qc_atomic_file */
    int token;
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
    set->items[set->count++] = (pending){af->tmp_path, af->target, af->path, af->token};
    af->tmp_path = af->target = af->path = NULL;
    af->token = -1;
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

static void pending_free(pending *p)
{
    qc_free(p->tmp_path);
    qc_free(p->target);
    qc_free(p->path);
}

/* Forgets every output (already renamed or removed: the registry must not hold their names) and
 * every folder made: the set is empty again. */
static void clear(qc_outputs *set)
{
    for (size_t i = 0; i < set->count; i++) {
        qc_temp_forget(set->items[i].token);
        pending_free(&set->items[i]);
    }
    set->count = 0;
    for (size_t i = 0; i < set->folder_count; i++) {
        qc_temp_forget(set->folder_tokens[i]);
        qc_free(set->folders[i]);
    }
    set->folder_count = 0;
}

/* Removes the temporaries of the outputs from `first` on (those not renamed). */
static void discard_from(qc_outputs *set, size_t first)
{
    for (size_t i = first; i < set->count; i++)
        unlink(set->items[i].tmp_path);
}

int qc_outputs_write(qc_outputs *set, const char *path, const void *bytes, size_t len, qc_error *err)
{
    if (!path || (len && !bytes))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_outputs_write: NULL argument");
    return qc_atomic_write(path, bytes, len, set, err);
}

int qc_outputs_commit(qc_outputs *set, qc_error *err)
{
    if (!set)
        return QC_OK;
    sigset_t old;
    size_t failed = set->count; /* the first output not renamed */
    int saved = EINTR;
    /* One window for every rename: a signal comes before the first or after the last. */
    if (qc_temp_hold(&old) == 0) {
        for (size_t i = 0; i < set->count && failed == set->count; i++)
            if (rename(set->items[i].tmp_path, set->items[i].target) != 0) {
                failed = i;
                saved = errno;
            }
        qc_temp_release(&old);
    } else {
        failed = 0;
    }
    int rc = QC_OK;
    if (failed < set->count) {
        rc =
            qc_error_set(err, QC_ERR_IO, set->items[failed].path, 0, 0, -1, "cannot write output: %s", strerror(saved));
        discard_from(set, failed);
    }
    clear(set);
    return rc;
}

void qc_outputs_free(qc_outputs *set)
{
    if (!set)
        return;
    discard_from(set, 0);
    /* Last made first: a folder made inside another goes before it. rmdir leaves one that holds
     * anything. */
    for (size_t i = set->folder_count; i-- > 0;)
        rmdir(set->folders[i]);
    clear(set);
    qc_free(set->items);
    qc_free(set);
}
