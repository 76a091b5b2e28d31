/* What the qcode commands share: exit codes, the command table, and printing diagnostics as
 * `file:line:col: error: message` with the source line and a caret. */
#ifndef QCODE_CLI_H
#define QCODE_CLI_H

#include <stdio.h>

#include <qcode.h>

/* Exit codes, documented in docs/cli.md. */
enum {
    QC_EXIT_OK = 0,
    QC_EXIT_PARTIAL = 1,  /* finished, but some documents failed */
    QC_EXIT_USAGE = 2,    /* usage or I/O error */
    QC_EXIT_CODEBOOK = 3  /* codebook error */
};

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `qcode --help` */
    const char *usage;   /* the full text for `qcode help NAME` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

/* The commands, each defined in its own cmd_<name>.c. */
extern const cli_command cmd_inspect;
extern const cli_command cmd_check;
extern const cli_command cmd_tree;
extern const cli_command cmd_code;
extern const cli_command cmd_quotes;
extern const cli_command cmd_export;
extern const cli_command cmd_import;
extern const cli_command cmd_diff;
extern const cli_command cmd_recode;

/* A file a command reads or writes, and what it is to the user ("-o", "codebook"). */
typedef struct cli_file {
    const char *path; /* NULL: not given */
    const char *what;
} cli_file;

/* QC_EXIT_OK, or QC_EXIT_USAGE after printing why, when an existing output is one of the inputs
 * (the same inode) or two outputs are the same file (the same inode, or the same resolved path
 * when neither exists yet). Run it before anything is written (tools/cli_overwrite.c). */
int cli_refuse_overwrite(const char *command, const cli_file *outputs, size_t output_count, const cli_file *inputs,
                         size_t input_count);
/* The same with the transcripts of a corpus run (`paths`, count of them) as inputs too. */
int cli_refuse_overwrite_corpus(const char *command, const cli_file *outputs, size_t output_count,
                                const cli_file *inputs, size_t input_count, char **paths, size_t count);

/* Installs the handler of SIGINT, SIGTERM, SIGHUP and SIGPIPE: an interrupted command removes the
 * temporary files of the outputs it was writing, leaves their targets as they were, and ends by the
 * signal (exit status 128+N in a shell). Signals ignored at start stay ignored (tools/interrupt.c). */
void cli_catch_interrupts(void);

/* What a path names, following symbolic links: nothing (it does not exist, or cannot be reached),
 * a regular file, a folder, or something else (a device, a FIFO, a socket). */
typedef enum cli_kind { CLI_MISSING, CLI_REGULAR, CLI_FOLDER, CLI_OTHER } cli_kind;
cli_kind cli_kind_of(const char *path);

/* Prints `usage` of a command to `fp`. */
void cli_print_usage(FILE *fp, const cli_command *cmd);

/* Prints an error from the library: `file:line:col: error: message` (parts omitted when
 * unknown), file and message as cli_line writes them. When the file and line are known and
 * readable, the line and a caret follow. */
void cli_print_error(const qc_error *err);

/* Prints a diagnostic as above, with its own source line, to stderr. */
void cli_print_diagnostic(const qc_diagnostic *diag, void *user);

/* Writes a name from a file (a document id, a speaker label, a coder, a path) to fp on one line,
 * as qc_printable shows it: a line break or an ESC in it as U+000A, U+001B, a byte that is not
 * UTF-8 as `?`; other UTF-8 (é, emoji) as it is. */
void cli_put_printable(FILE *fp, const char *s);
/* Writes a text of len bytes, line by line, each as cli_put_printable writes it: a report that
 * quotes names from files (code names from a codebook, `diff` and `recode`) reaches a terminal
 * without their control characters. */
void cli_put_printable_lines(FILE *fp, const char *text, size_t len);
/* Writes a one-line message (printf-style) to fp, then a line break, the whole line as
 * cli_put_printable writes it: the names in it cannot act on the terminal (an ESC moving the
 * cursor or recolouring it). fmt holds no line break or tab of its own. Every message that holds
 * a name goes through this, cli_fail, cli_print_error or cli_print_diagnostic. */
void cli_line(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads a codebook, printing its diagnostics (and any other error). Returns QC_EXIT_OK with *cb
 * the caller's, QC_EXIT_USAGE when the file could not be read, or QC_EXIT_CODEBOOK. */
int cli_load_codebook(const char *path, qc_codebook **cb);

/* Keeps cb's file in the cache folder (qc_cache_keep_codebook); a failure is a warning on stderr,
 * not an error (tools/cli_cache.c), but for running out of memory (QC_ERR_NOMEM, err set), which
 * stops the run as it does `qcode recode`'s. */
int cli_keep_codebook(const char *cache_dir, const qc_codebook *cb, qc_error *err);
/* Transcripts with the same bytes under two names (tools/cli_same_bytes.c): the path of the first
 * file seen with this SHA-256 when another had it, else NULL (and this one is remembered).
 * Zero-initialised; freed with cli_same_bytes_free. */
typedef struct cli_same_bytes {
    void *slots;
    size_t cap, count;
} cli_same_bytes;
const char *cli_same_bytes_seen(cli_same_bytes *s, const char *path, const char *sha256);
void cli_same_bytes_free(cli_same_bytes *s);
/* Warns on stderr when some of a run's cache entries could not be written (qc_cache_unwritten). */
void cli_warn_unwritten_cache(const char *cache_dir, size_t unwritten, const char *reason);
/* --prune-cache: 1 when the run may prune (no document failed), else 0 after a warning saying why. */
int cli_may_prune(const char *cache_dir, size_t failed);
/* Tells on stderr what qc_cache_prune or qc_recode_prune_cache removed (rc, err: what stopped it). */
void cli_told_pruned(const char *cache_dir, int rc, size_t removed, uint64_t bytes, const qc_error *err);

/* qsort/bsearch order of strings (const char * elements), ASCII case aside: how a casebook
 * compares document ids and labels. */
int cli_by_name(const void *a, const void *b);
/* Warns on stderr, at its line, of each document a casebook row names that is none of the n ids
 * read (ASCII case aside), with the id it likely meant ("a" for "a.txt"); past five, a count. */
void cli_warn_unmatched_documents(const qc_casebook *cases, const char *cases_path, const char *const *ids, size_t n);
/* The same for the documents of a run's results (`code`, `recode`). */
void cli_warn_unmatched_documents_of(const qc_casebook *cases, const char *cases_path, const qc_results *res);

/* Notes on stderr each attribute a run's counts were not broken down by because it is an
 * identifier (qc_results_unbroken_attribute_name: a casebook column, or a header key): the
 * researcher should hear why it is missing from the breakdowns (`code`, `recode`). */
void cli_note_identifiers(const char *cases_path, const qc_results *res);

/* A document read and its speakers' labels, borrowed. */
typedef struct cli_read_doc {
    const char *id;
    const char *const *speakers;
    size_t speaker_count;
} cli_read_doc;
/* Warns on stderr, at its line, of each speaker a casebook row names that speaks in none of the
 * documents read (in its row's document, when it names one that was read), with the label it
 * likely meant (one edit away: "N51" for "N15"); past five, a count (tools/cli_cases_speakers.c). */
void cli_warn_unmatched_speakers(const qc_casebook *cases, const char *cases_path, const cli_read_doc *docs, size_t n);
/* The same for the documents of a run's results (`code`, `recode`). */
void cli_warn_unmatched_speakers_of(const qc_casebook *cases, const char *cases_path, const qc_results *res);
/* Warns on stderr, once per label and at the document it was first seen in, of each participant
 * of a run's results whom the casebook does not know; past five, a count (`code`, `recode`: a
 * casebook of another study gave a line per speaker, thousands). */
void cli_warn_unknown_speakers_of(const qc_casebook *cases, const qc_results *res);

/* The last line of a run some of whose documents could not be read (each was told already):
 * `qcode: N of M documents could not be read`, for code, recode and quotes alike. */
void cli_report_unread(size_t failed, long count);

/* Prints `qcode: message` to stderr (printf-style, as cli_line) and returns QC_EXIT_USAGE. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The provenance time of the files a command writes, fixed by SOURCE_DATE_EPOCH (seconds since
 * 1970, as reproducible builds set it) so that two runs on the same input give the same bytes:
 * `YYYY-MM-DDTHH:MM:SSZ` in buf, or NULL (the writer takes the current time) when the variable is
 * unset or not a non-negative integer. */
const char *cli_fixed_time(char buf[32]);

/* The SHA-1 of a file's bytes in hex (free() it), NULL when it cannot be read: a casebook's
 * identity for the cache (`--cache`), which `where` codes must be re-run for when it changes;
 * `qcode code` and `qcode recode` must give the same. */
char *cli_file_sha1(const char *path);

/* The threads `--jobs jobs` stands for: jobs, or one per core for 0 (as the library counts them). */
unsigned cli_threads(unsigned jobs);

/* The threads that render results.xml's quotations for a command run with `--jobs jobs` (0: one
 * per core): as many, unless QCODE_WRITE_JOBS says otherwise. The bytes are the same. */
unsigned cli_write_jobs(unsigned jobs);

/* Whether results.xml of format 2 may be streamed to path while coding: not when the output is
 * written in place (qc_output_in_place: a pipe, a terminal, /dev/stdout, also behind links), which
 * would get half a file from a run that then fails; it is written after the run instead. */
int cli_may_stream_to(const char *path);

/* Whether stdout / stderr is a terminal (colour, progress lines). Honours NO_COLOR. */
int cli_stdout_is_tty(void);
int cli_stderr_is_tty(void);

/* Expands files and folders (recursively, sorted, formats by extension) into a list of
 * transcript paths. Unknown extensions inside folders are skipped; named files are kept. A folder
 * or regular file reached again (through a link, or named twice) is skipped with a warning: the
 * first path in this order is kept. (*origins)[k] is the index in inputs of the input path k was
 * found from. Returns the count; *paths is malloc'ed (free with cli_free_paths), *origins too
 * (free()). -1 on error (printed). */
long cli_collect_inputs(char **inputs, int count, char ***paths, int **origins);

/* --input-format's value: text (or txt, md), vtt, srt or docx. 0, or -1 for another word. */
int cli_parse_input_format(const char *name, qc_format *out);
void cli_free_paths(char **paths, long count);

#endif
