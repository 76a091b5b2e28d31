/* Commit sets (qc_outputs, include/qcode/common.h): the finished temporaries of a run's outputs,
 * renamed over their targets together. */
#ifndef QC_OUTPUTS_H
#define QC_OUTPUTS_H

#include "fileio.h"
#include "qcode/refi.h"
#include "qcode/results.h"

/* Takes the finished (flushed, synced, closed) temporary of af: its names and registry token move
 * to the set and af is left empty. 0, or -1 when out of memory (af unchanged: abort it). */
int qc_outputs_take(qc_outputs *set, qc_atomic_file *af);

/* Records a folder a writer made for its outputs (with qc_temp_mkdir, whose token it takes: a
 * signal handler removes the folder when empty until the set commits or is freed), which
 * qc_outputs_free removes again when it is empty: the set takes path (qc_malloc'ed) and returns 0,
 * or returns -1 when it has no room left (path and token stay the caller's; the folder is not
 * removed). Allocates nothing, so that a run makes as many allocations whether the folder was
 * there or not (tests/test_oom.c counts them). */
int qc_outputs_made_folder(qc_outputs *set, char *path, int token);

/* The commit set write options name: version 4's outputs, else none. */
static inline qc_outputs *qc_write_outputs(const qc_write_options *opts)
{
    return opts && opts->version >= 4 ? opts->outputs : NULL;
}

/* The commit set REFI options name: version 2's outputs, else none. */
static inline qc_outputs *qc_refi_outputs(const qc_refi_options *opts)
{
    return opts && opts->version >= 2 ? opts->outputs : NULL;
}

#endif
