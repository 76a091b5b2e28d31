/* Reading whole files and writing outputs atomically. */
#ifndef QC_FILEIO_H
#define QC_FILEIO_H

#include <stdio.h>

#include "qcode/common.h"

/* Reads a whole file into a new NUL-terminated buffer (qc_free it). Files larger than max_size
 * bytes are refused with QC_ERR_LIMIT (0: no limit): a regular file at once, from its size; a
 * pipe or a device (which may never end: /dev/zero) once that much was read. */
int qc_file_read(const char *path, size_t max_size, char **data, size_t *size, qc_error *err);

/* The first max_size bytes of a file (all of it when shorter), NUL-terminated (qc_free it): for a
 * reader that needs only a file's head (results.xml's provenance) of a file that may be gigabytes,
 * or never end. */
int qc_file_read_head(const char *path, size_t max_size, char **data, size_t *size, qc_error *err);

/* QC_OK when path is a regular file (links followed); else an error naming it: missing, a folder,
 * or another kind of file. For paths a file records (a results.xml's documents and codebook, a
 * project folder's parts): a FIFO there would block the reader for ever, where a pipe the user
 * names on the command line is read as it comes. */
int qc_file_require_regular(const char *path, qc_error *err);

/* The largest transcript file read: 256 MiB (docs/transcripts.md says why). */
#define QC_TRANSCRIPT_MAX_BYTES ((size_t)256 << 20)

/* qc_file_read for a transcript: one over QC_TRANSCRIPT_MAX_BYTES is refused with QC_ERR_LIMIT
 * and a message naming the file and the limit. Every reader of transcript files goes through it. */
int qc_transcript_read(const char *path, char **data, size_t *size, qc_error *err);

/* An output being written: a temporary file beside the target, renamed over it on commit, so a
 * reader (or a crash) never sees half a file. A path that is a symbolic link is written through:
 * the target is the end of its chain of links (relative links resolved from their folder; a
 * dangling link's target is created), so the link stays and leads to the new file. */
typedef struct qc_atomic_file {
    FILE *fp;
    char *path;     /* the path as given, for messages */
    char *target;   /* what is replaced: path with its links followed */
    char *tmp_path; /* the temporary file in the target's folder; NULL when the target exists and is not a
                     * regular file (a pipe, a terminal, /dev/full) or is named by a descriptor's link
                     * (/dev/stdout, /proc/self/fd/N): that is written in place, without atomicity */
    int token;      /* the temporary's place in the registry a signal handler empties (temp_files.h) */
    int lock_fd;    /* while tmp_path is set: a second descriptor of the temporary that keeps its
                     * live-writer lock (leftovers.h) past the fclose until the rename; -1: none */
    qc_outputs *set; /* the commit set the finished temporary joins instead of being renamed; NULL: none */
} qc_atomic_file;

/* The mode an output file gets: 0666 less the process's umask, as open(O_CREAT) would give it.
 * For files made by mkstemp (always 0600), which outputs must not stay: people share them. */
unsigned qc_output_mode(void);

/* The end of path's chain of symbolic links (path itself when it is no link), in *target (qc_free
 * it): a link's relative target is taken from the link's folder; a dangling link gives the path it
 * points at. A link in /proc (a descriptor's: /dev/stdout leads to /proc/self/fd/1) ends the chain
 * and sets *through_proc: what it leads to may have no name (a pipe, a deleted file), so it is
 * written through, never resolved. 0, or an errno (ELOOP past 40 links, ENOMEM, readlink's). */
int qc_output_target(const char *path, char **target, int *through_proc);

/* Opens an output as a temporary beside its target (the end of its chain of links), for an output
 * of a commit set (qc_outputs, include/qcode/common.h; NULL: none, the commit renames it at once):
 * qc_atomic_commit leaves the finished temporary in the set, which renames it later. */
int qc_atomic_open_in(qc_atomic_file *af, const char *path, qc_outputs *set, qc_error *err);
/* Flushes, fsyncs and renames over the target, or hands the temporary to the set it was opened in
 * (outputs.h). Always closes; on failure removes the temporary. Once the target is replaced, what
 * interrupted runs left beside it goes (qc_leftovers_remove). */
int qc_atomic_commit(qc_atomic_file *af, qc_error *err);
/* Closes and removes the temporary: the target is untouched. Safe on a closed or zeroed af. */
void qc_atomic_abort(qc_atomic_file *af);
/* bytes[0, size) as the whole content of path, through an atomic file opened in set (NULL: none). */
int qc_atomic_write(const char *path, const void *bytes, size_t size, qc_outputs *set, qc_error *err);

/* Makes bytes the whole content of the regular file at path, written in place (created when
 * missing; a symbolic link, pipe or device there is removed and a file made instead), neither
 * synced nor atomic. For a store whose files check themselves (the cache: size and SHA-256 in
 * each header), where a file a crash or a concurrent writer left torn is rebuilt, never trusted:
 * on ext4, replacing a file (by rename or by truncating it to nothing) makes the kernel allocate
 * and start writing it at once, 110-190 us a file on the benchmark VM against 10 us in place. */
int qc_file_overwrite(const char *path, const void *bytes, size_t size, qc_error *err);
/* The same for a file known to hold bytes[0, old_size) whose new content only grew at its end
 * and changed within its first `head` bytes: writes bytes[old_size, size) at the end, then
 * bytes[0, head), neither synced nor atomic (as qc_file_overwrite; a torn result fails the
 * store's checks). 1, nothing written, when the file is not old_size bytes long (gone, or
 * changed by another writer): the caller writes it whole. */
int qc_file_extend(const char *path, const void *bytes, size_t head, size_t old_size, size_t size, qc_error *err);

#endif
