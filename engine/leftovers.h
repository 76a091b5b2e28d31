/* What interrupted runs leave beside an output, and how a later run tells a dead writer's file
 * from a live one's.
 *
 * A run killed by SIGKILL (or a power cut) cannot remove its temporaries (TARGET.tmp-XXXXXX) nor,
 * inside a commit, the second names it keeps old outputs under (TARGET.old-XXXXXX, outputs.c).
 * A live run holds a shared flock(2) on every such file for as long as the name may matter to it:
 * a temporary from its creation until it is renamed or removed, a backup from before its link is
 * made until it is gone. The kernel drops those locks when the process ends, however it ends, so
 * a file of that name whose exclusive lock can be taken has no live writer: the next run that
 * writes TARGET removes it (docs/reliability.md, "Leftovers of interrupted runs"). A file that
 * cannot be locked (a live run holds it; a file system without flock) is left alone. */
#ifndef QC_LEFTOVERS_H
#define QC_LEFTOVERS_H

#include <stddef.h>

/* Takes the live-writer lock on a temporary just made (fd from mkstemp). A run removing
 * leftovers may have opened the name in the moment between its creation and this lock: the lock
 * waits for it (a few milliseconds at most), and 0 means the file is locked and still has its
 * name; -1 that the name was removed meanwhile, or that the lock stayed out of reach: the caller
 * removes what is left of the name and makes another. Where the file system has no flock, 0 (no
 * run can then prove the writer gone, and none removes the file). */
int qc_leftover_lock_new(int fd);

/* The live-writer lock on the file a backup is about to name (target, a regular file), taken
 * before the link so that the backup is never an unlocked name: a descriptor to close once the
 * backup is gone, or -1 (no lock: the backup is then unprotected, as on a file system without
 * flock). Allocates nothing: it runs inside a qc_temp_hold window. */
int qc_leftover_hold(const char *target);

/* Removes the files interrupted runs left beside target: TARGET.tmp-XXXXXX and TARGET.old-XXXXXX
 * (XXXXXX six letters or digits, as mkstemp makes them), regular files only, each only when its
 * exclusive lock can be taken (no live writer). For a run that has just replaced target: what is
 * left of an earlier run's attempt at it is superseded. Returns how many were removed. */
size_t qc_leftovers_remove(const char *target);

#endif
