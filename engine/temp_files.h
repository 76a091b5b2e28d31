/* The temporary files and folders outputs are being written into (TARGET.tmp-XXXXXX beside each
 * target, renamed over it when complete), kept where a signal handler can find and remove them:
 * qc_temp_files_remove_all (include/qcode/common.h). Creating and tracking are one step, with the
 * calling thread's signals blocked, so that no handler ever sees a temporary that exists and is
 * not tracked. */
#ifndef QC_TEMP_FILES_H
#define QC_TEMP_FILES_H

#include <signal.h>

/* mkstemp(tmpl), tracked, locked and marked as a live writer's file (leftovers.h; keep a
 * descriptor of it open until its name is renamed or removed, then give it to
 * qc_leftover_release): tmpl ends in XXXXXX and receives the name. Returns
 * the descriptor, or -1 with errno (ENOMEM; EINTR when qc_temp_files_remove_all has run: the
 * process is being stopped, and nothing was left behind; EAGAIN when runs removing leftovers took
 * name after name). *token is for qc_temp_forget; -1 when every slot is
 * taken, and the file is then created untracked (a signal leaves it behind). */
int qc_temp_file_create(char *tmpl, int *token);

/* mkdtemp(tmpl), tracked: qc_temp_files_remove_all removes the folder with what it holds (two
 * levels deep, as an import writes); and locked and marked as a live writer's folder, which a
 * later run removes once this one is dead (leftovers.h). Returns a descriptor of the folder to
 * keep open until its name is renamed or removed, then give to qc_leftover_release; or -1 with
 * errno as above. */
int qc_temp_dir_create(char *tmpl, int *token);

/* mkdir(path, 0777), tracked: a folder made for outputs, which qc_temp_files_remove_all removes
 * (rmdir, after the temporaries) when it holds nothing else, so that an interrupted run leaves no
 * empty folder it made. 0, or -1 with errno (EEXIST when it was there: not made, not tracked). */
int qc_temp_mkdir(char *path, int *token);

/* Opens a window no signal handler cuts into: the calling thread's signals are blocked (the old
 * mask in *old) and qc_temp_files_remove_all, on another thread, waits (at most 2 s) until
 * qc_temp_release closes it. For steps that must happen all or not at all: creating and tracking
 * a temporary, renaming a commit set's outputs in a row. Nothing inside may allocate (a handler
 * interrupting a thread that holds the allocator's lock would wait on this one). 0, or -1 with
 * errno EINTR when qc_temp_files_remove_all has started (the process is being stopped: do
 * nothing), the window then already closed. */
int qc_temp_hold(sigset_t *old);
void qc_temp_release(const sigset_t *old);

/* Stops tracking a temporary once it was renamed into place or removed (in that order: a
 * handler running in between finds nothing to remove). A token of -1 is ignored. */
void qc_temp_forget(int token);

/* Tracks the second name a commit set keeps an output's old file under while it replaces the
 * set's targets (a hard link, `backup`, beside `target`: outputs.c), both copied. The slot starts
 * idle, and a handler passes it by; armed (qc_temp_backup_arm, once the link is made), a handler
 * renames the backup back over the target and removes it (when the target was not replaced yet,
 * both names are the same file: the rename does nothing and the unlink drops the second name), so
 * that a commit a signal cuts into leaves the old outputs and no backup. 0 with *token (-1 when
 * every slot is taken: untracked), or -1 with errno ENOMEM. Forget the token (qc_temp_forget)
 * once the backup is gone. */
int qc_temp_backup_track(const char *backup, const char *target, int *token);
/* Arms (armed 1) or disarms (0) a backup's slot: atomics only, so that it may run inside a
 * qc_temp_hold window. A token of -1 is ignored. */
void qc_temp_backup_arm(int token, int armed);

#endif
