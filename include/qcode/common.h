/* qcode/common.h: export macro, status codes and the error value every fallible call fills.
 *
 * Errors are values: a fallible function returns 0 or a negative qc_status and, when its last
 * parameter `err` is not NULL, fills it with a message and the position the problem was found
 * at. qc_error is fixed-size and caller-owned; it needs no freeing.
 */
#ifndef QCODE_COMMON_H
#define QCODE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(QCODE_STATIC)
#define QC_EXPORT
#elif defined(__GNUC__)
#define QC_EXPORT __attribute__((visibility("default")))
#else
#define QC_EXPORT
#endif

typedef enum qc_status {
    QC_OK = 0,
    QC_ERR_NOMEM = -1,    /* an allocation failed */
    QC_ERR_IO = -2,       /* a file could not be opened, read or written */
    QC_ERR_FORMAT = -3,   /* the input is not in the format it claims (bad transcript, zip, xml) */
    QC_ERR_ENCODING = -4, /* invalid UTF-8 (or an undecodable byte in the chosen encoding) */
    QC_ERR_CODEBOOK = -5, /* the codebook has errors (the diagnostics say which) */
    QC_ERR_INVALID = -6,  /* a caller passed an argument the function cannot use */
    QC_ERR_LIMIT = -7,    /* a configured limit was hit (regex match limit, size, depth) */
    QC_ERR_NOTFOUND = -8, /* a named thing (code, file, attribute) does not exist */
    QC_ERR_CANCELLED = -9 /* a callback asked to stop */
} qc_status;

#define QC_ERROR_MESSAGE_MAX 512
#define QC_ERROR_FILE_MAX 512

/* Where and what. line and column are 1-based (0: unknown); column counts code points;
 * offset is the byte offset in the file (-1: unknown). */
typedef struct qc_error {
    int code; /* a qc_status */
    char message[QC_ERROR_MESSAGE_MAX];
    char file[QC_ERROR_FILE_MAX];
    uint32_t line;
    uint32_t column;
    int64_t offset;
} qc_error;

/* A short English name for a status ("out of memory", "I/O error", ...). Static storage. */
QC_EXPORT const char *qc_status_name(int code);

/* Clears an error to "no error". err may be NULL. */
QC_EXPORT void qc_error_clear(qc_error *err);

/* Library version, "MAJOR.MINOR.PATCH". Static storage. */
QC_EXPORT const char *qc_version(void);

/* s as a terminal shows it on one line, without acting on it: control characters (C0, tab
 * and LF among them, DEL, C1) and characters that show nothing (format characters such as a BOM or a
 * bidirectional override, line and paragraph separators) as `U+XXXX`, bytes that are not UTF-8 as
 * `?`, the rest as it is. Writes at most cap - 1 bytes and a NUL into out (nothing when cap is 0),
 * cut at a character; returns the length of the whole (like snprintf: cap must be more to hold
 * it). For names from files (document ids, speaker labels, coders) in messages and listings; the
 * codebook's diagnostics are written so. Thread-safe; s may be NULL (""). */
QC_EXPORT size_t qc_printable(const char *s, char *out, size_t cap);

/* How a speaker's turn is seen: interviewers are skipped by default when coding. */
typedef enum qc_role {
    QC_ROLE_UNKNOWN = 0,     /* no label (an unlabelled narrative) */
    QC_ROLE_PARTICIPANT = 1, /* a labelled speaker who is not an interviewer */
    QC_ROLE_INTERVIEWER = 2
} qc_role;

QC_EXPORT const char *qc_role_name(qc_role role);

/* Removes the temporary files and folders of every output being written (each output is written
 * to TARGET.tmp-XXXXXX beside its target and renamed over it only when complete), leaving the
 * targets as they were, and the folders made for outputs (a --tsv folder) when they hold nothing
 * else: for a process about to end on a signal. The library installs no signal
 * handlers; a program that wants Ctrl-C or kill to leave nothing behind calls this from its own
 * handler and then ends (the qcode command re-raises the signal with its default action).
 *
 * Async-signal-safe and lock-free: callable from a handler on any thread, whatever that thread
 * was doing. It waits (a few microseconds; at most 2 s) for threads in the middle of creating a
 * temporary, so that none is missed. One way only: afterwards the library creates no temporary
 * file (opening an output fails with "Interrupted system call"). The temporaries of outputs
 * written in place (a pipe, a device) and those past 1024 at once are not tracked. */
QC_EXPORT void qc_temp_files_remove_all(void);

/* Whether an output written to path is written in place, not through a temporary renamed over it:
 * when path, with its symbolic links followed, exists and is not a regular file (a pipe, a
 * terminal, a device), or is reached through a descriptor's link in /proc (/dev/stdout,
 * /proc/self/fd/N). Such an output cannot be atomic: a run that fails has already written part of
 * it. A path that is missing, a regular file, or a link to either (followed, never replaced) is
 * written atomically. Thread-safe; no allocation failure is reported (it answers 0). */
QC_EXPORT int qc_output_in_place(const char *path);

/* --- the outputs of one run, committed together --- */

/* A commit set: outputs that are written now and replace their targets together later, so that a
 * run writing several files (results.xml, the TSV tables, a project) either replaces all of them
 * or, when one fails, none. A writer given a set (qc_write_options.outputs, qc_refi_options.outputs,
 * qc_recode_options.outputs, qc_outputs_write) writes and syncs its file as a temporary beside the
 * target and leaves it in the set instead of renaming it; qc_outputs_commit renames them all in a
 * row; qc_outputs_free removes what was not committed. The temporaries are tracked like any other
 * (qc_temp_files_remove_all removes them). An output written in place (qc_output_in_place: a pipe,
 * a device, /dev/stdout) cannot wait: it is written when its writer runs, as without a set.
 *
 * Not thread-safe: one thread at a time writes into a set (the writers' own threads excepted).
 * After a writer given the set failed, free the set: what it holds may be part of an output. */
typedef struct qc_outputs qc_outputs;

/* An empty set; *out is the caller's (qc_outputs_free). */
QC_EXPORT int qc_outputs_new(qc_outputs **out, qc_error *err);

/* Writes bytes[0, len) as the whole content of path (atomically): into the set when set is not NULL,
 * else renamed into place at once. */
QC_EXPORT int qc_outputs_write(qc_outputs *set, const char *path, const void *bytes, size_t len, qc_error *err);

/* Renames every output of the set over its target, in the order they were finished, and empties
 * the set (it may be used again): all of them or, as far as POSIX allows, none. Each old target is
 * first kept under a second name beside it (a hard link, TARGET.old-XXXXXX), and a target that
 * cannot be kept (a folder) ends the commit before anything is replaced; a rename that fails (rare:
 * each temporary is written and synced, beside its target, before) ends it too, and the targets
 * already replaced get their old files back (one that was not there is removed again, and so is a
 * folder made for the outputs once empty). Either way the error names the output that failed and
 * says that no output was changed, every temporary is removed, and the second names go. A file
 * system without hard links (FAT) cannot keep an old file: such targets are renamed after all the
 * others, and the error lists any left replaced. No signal comes into the commit: a thread
 * handling one, and qc_temp_files_remove_all on another thread, wait until it is done (at most
 * 2 s; past that the handler puts the kept files back itself). set NULL: nothing to do. */
QC_EXPORT int qc_outputs_commit(qc_outputs *set, qc_error *err);

/* The temporary file the output written into the set for path waits in (TARGET.tmp-XXXXXX beside
 * the file path leads to), for a caller that reads it before the commit (`qcode export --check`
 * checks it); NULL when the set holds no output written for path (as given to its writer), or
 * when that output was written in place (a pipe, a device). Valid until the set is committed or
 * freed. */
QC_EXPORT const char *qc_outputs_pending(const qc_outputs *set, const char *path);

/* Removes the temporaries of the outputs not committed, and the folders a writer made for them
 * (the TSV tables' folder) when they are empty, leaving every target as it was; frees the set.
 * NULL is a no-op. */
QC_EXPORT void qc_outputs_free(qc_outputs *set);

#ifdef __cplusplus
}
#endif
#endif
