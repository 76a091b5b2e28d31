/* What interrupted runs leave beside an output, and how a later run tells a dead writer's file
 * from a live one's, and qcode's file from a user's.
 *
 * A run killed by SIGKILL (or a power cut) cannot remove its temporaries (TARGET.tmp-XXXXXX, a
 * file, or a folder for an import) nor, inside a commit, the second names it keeps old outputs
 * under (TARGET.old-XXXXXX, outputs.c). Two things make such a name removable by a later run:
 *
 * - The mark: qcode gives each of those names, as it makes it, an extended attribute on the file
 *   it names, `user.qcode.tmp-XXXXXX` (or `user.qcode.old-XXXXXX`: the name's own suffix) whose
 *   value is the name itself (its last component). A user's file that only looks alike
 *   (results.xml.old-2024ab) has none, nor has a file of a qcode from before the mark; a file
 *   system without user extended attributes keeps none (FAT, some network mounts, a tmpfs before
 *   Linux 6.6): such files are never removed. The attribute names the suffix, not just "qcode",
 *   so that the backup names several runs give one old output (a hard link each) keep a mark
 *   each. Once a name is renamed into place or gone, its mark is taken off again
 *   (qc_leftover_release), so outputs carry none.
 * - The live-writer lock: a live run holds a shared flock(2) on every such file for as long as the
 *   name may matter to it: a temporary from its creation until it is renamed or removed, a backup
 *   from before its link is made until it is gone. The kernel drops those locks when the process
 *   ends, however it ends, so a marked file whose exclusive lock can be taken has no live writer.
 *
 * The next run that writes TARGET removes those (docs/reliability.md, "Leftovers of interrupted
 * runs"). Anything that cannot be proved so (no mark, another owner, a lock held, no flock on the
 * file system, a folder holding what an import never writes) is left alone. */
#ifndef QC_LEFTOVERS_H
#define QC_LEFTOVERS_H

#include <stddef.h>

/* Takes the live-writer lock on a temporary just made (fd from mkstemp, or a descriptor of a
 * folder from mkdtemp). A run removing leftovers may have opened the name in the moment between
 * its creation and this lock: the lock waits for it (a few milliseconds at most), and 0 means the
 * file is locked and still has its name; -1 that the name was removed meanwhile, or that the lock
 * stayed out of reach: the caller removes what is left of the name and makes another. Where the
 * file system has no flock, 0 (no run can then prove the writer gone, and none removes the
 * file). */
int qc_leftover_lock_new(int fd);

/* Marks the file open at fd as qcode's `name` (a path whose last component ends in .tmp-XXXXXX or
 * .old-XXXXXX; anything else is not marked), once its live-writer lock is held. Best effort: a
 * file system without user extended attributes leaves it unmarked, and then never removed.
 * Allocates nothing. */
void qc_leftover_mark(int fd, const char *name);

/* The live-writer lock on the file a backup (`backup`, TARGET.old-XXXXXX) is about to name
 * (target, a regular file), taken and the file marked as the backup before the link, so that the
 * backup is never an unlocked name: a descriptor to give to qc_leftover_release once the backup is
 * gone, or -1 (no lock: the backup is then unprotected, as on a file system without flock).
 * Allocates nothing: it runs inside a qc_temp_hold window. */
int qc_leftover_hold(const char *target, const char *backup);

/* Takes off the mark qc_leftover_mark or qc_leftover_hold gave `name` and closes fd (the lock goes
 * with it): for a name renamed into place, put back, or gone. fd -1: nothing to do. */
void qc_leftover_release(int fd, const char *name);

/* Removes what interrupted runs left beside target: files named TARGET.tmp-XXXXXX and
 * TARGET.old-XXXXXX (XXXXXX six letters or digits, as mkstemp makes them), and folders named
 * TARGET.tmp-XXXXXX (an import's), each only when it is not a symbolic link, is owned by this
 * process's user, carries qcode's mark for that very name, and its exclusive lock can be taken
 * (no live writer). A folder goes only when it holds nothing but regular files and folders of
 * them (what an import writes), all of this user; otherwise it stays whole. For a run that has
 * just replaced target: what is left of an earlier run's attempt at it is superseded. Returns how
 * many were removed. */
size_t qc_leftovers_remove(const char *target);

#endif
