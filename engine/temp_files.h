/* The temporary files and folders outputs are being written into (TARGET.tmp-XXXXXX beside each
 * target, renamed over it when complete), kept where a signal handler can find and remove them:
 * qc_temp_files_remove_all (include/qcode/common.h). Creating and tracking are one step, with the
 * calling thread's signals blocked, so that no handler ever sees a temporary that exists and is
 * not tracked. */
#ifndef QC_TEMP_FILES_H
#define QC_TEMP_FILES_H

/* mkstemp(tmpl), tracked: tmpl ends in XXXXXX and receives the name. Returns the descriptor, or
 * -1 with errno (ENOMEM; EINTR when qc_temp_files_remove_all has run: the process is being
 * stopped, and nothing was left behind). *token is for qc_temp_forget; -1 when every slot is
 * taken, and the file is then created untracked (a signal leaves it behind). */
int qc_temp_file_create(char *tmpl, int *token);

/* mkdtemp(tmpl), tracked: qc_temp_files_remove_all removes the folder with what it holds (two
 * levels deep, as an import writes). 0, or -1 with errno as above. */
int qc_temp_dir_create(char *tmpl, int *token);

/* Stops tracking a temporary once it was renamed into place or removed (in that order: a
 * handler running in between finds nothing to remove). A token of -1 is ignored. */
void qc_temp_forget(int token);

#endif
