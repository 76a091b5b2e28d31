/* Options shared by `qcode code`, `qcode quotes` and `qcode recode`: the codebook, casebook,
 * reading and engine options, loading them with diagnostics, recording them in results and taking
 * them back from results.xml, and expanding inputs into paths and document ids. */
#ifndef QCODE_CODE_OPTIONS_H
#define QCODE_CODE_OPTIONS_H

#include <qcode.h>

/* Bits, so that an option can name the commands it applies to. */
typedef enum code_options_kind {
    CODE_OPTIONS_CODE = 1,
    CODE_OPTIONS_QUOTES = 2,
    CODE_OPTIONS_RECODE = 4
} code_options_kind;

/* The reading options given on the command line (code_options.given). */
enum { GIVEN_ENCODING = 1, GIVEN_FORMAT = 2, GIVEN_SPEAKER_PATTERN = 4, GIVEN_SPEAKERS = 8, GIVEN_INTERVIEWERS = 16 };

typedef struct code_options {
    const char *codebook_path;
    const char *cases_path;
    const char *output;       /* code, recode: -o */
    const char *tsv_dir;      /* code: --tsv */
    const char *qdpx_path;    /* code: --qdpx (REFI-QDA project) */
    const char *manual_path;  /* code: --manual (manual.xml from qcode import); recode: the one to carry */
    const char *cache_dir;    /* code, recode: --cache (the per-document coding cache) */
    int prune_cache;          /* code, recode: --prune-cache (needs --cache) */
    int qdpx_utf16;           /* code: --offsets utf16 */
    int offsets_given;        /* code: --offsets, which needs --qdpx */
    unsigned results_format;  /* code, recode: --results-format (0: the default) */
    const char *results_path; /* quotes: --results */
    const char *from, *old;   /* recode: the old results.xml and the old codebook */
    const char *report;       /* recode: --report */
    const char *manual_out;   /* recode: --manual-out */
    int dry_run, verbose;     /* recode */
    size_t top;
    unsigned jobs;
    qc_engine engine;
    int strict;
    int rollup;  /* quotes: --rollup */
    qc_read_options read;
    const char **interviewers;
    size_t interviewer_count;
    unsigned given;                           /* GIVEN_* bits */
    char *recorded_pattern, *recorded_labels; /* code_options_read_as_recorded's (owned) */
    int casebook_changed; /* recode: --cases is not the casebook --from's run had (read_as_recorded) */
    int format_by_names;  /* recode: --input-format given where the run read each file by its name:
                           * told only of a file whose name says otherwise (code_options_check_format) */
    int first_input; /* argv index of the first operand */
} code_options;

/* After code_options_read_as_recorded, once the corpus is known: warns, as it does, when a file's
 * name gives it another format than the --input-format given, the run having read each file by
 * its name (`--input-format text` over .txt files reads them as that run did). */
void code_options_check_format(const code_options *o, const char *cmd, const char *results, char *const *paths,
                               long count);

/* Parses argv (argv[0] is the command name). Returns -1 to go on, or an exit code (a usage
 * error was printed). recode names its codebooks itself: its -c is not checked here. */
int code_options_parse(code_options *o, int argc, char **argv, code_options_kind kind);
void code_options_free(code_options *o);

/* The reading options results.xml records (those `code_options_record` wrote) for those the
 * command line did not give: the corpus is read as the run that wrote it read it. A reading option
 * given that differs from the recorded one is warned about, and so is a casebook other than the
 * run's (none where it had one, one where it had none, or other bytes: o->casebook_changed). A
 * file whose provenance cannot be read
 * changes nothing (reading it is the command's, which tells why it fails). Returns -1 to go on, or
 * an exit code (printed). */
int code_options_read_as_recorded(code_options *o, const char *cmd, const char *results);

/* Records the options that shape the results (how the corpus was read, the engine, the casebook)
 * for their provenance. */
int code_options_record(qc_results *res, const code_options *o, qc_error *err);

/* Loads the codebook (diagnostics printed; QC_EXIT_CODEBOOK on errors) and the casebook when
 * given (QC_EXIT_USAGE on errors), which o->read then trusts for speaker labels. Returns QC_EXIT_OK
 * or the exit code. */
int code_options_load(code_options *o, qc_codebook **cb, qc_casebook **cases);

/* Expands files and folders into transcript paths and document ids: a file named directly is
 * identified by its name without folders, a file found in a folder by its path below that folder.
 * Every command that reads transcripts (inspect too) takes its ids from here, so that one casebook,
 * keyed by document id, serves them all. Returns the count (free both lists with cli_free_paths), or -1 (printed). */
long code_options_inputs(char **inputs, int count, char ***paths, char ***ids);

#endif
