/* Options shared by `qcode code` and `qcode quotes`: the codebook, casebook, reading and engine
 * options, loading them with diagnostics, and expanding inputs into paths and document ids. */
#ifndef QCODE_CODE_OPTIONS_H
#define QCODE_CODE_OPTIONS_H

#include <qcode.h>

typedef enum code_options_kind { CODE_OPTIONS_CODE, CODE_OPTIONS_QUOTES } code_options_kind;

typedef struct code_options {
    const char *codebook_path;
    const char *cases_path;
    const char *output;       /* code: -o */
    const char *tsv_dir;      /* code: --tsv */
    const char *qdpx_path;    /* code: --qdpx (REFI-QDA project) */
    const char *manual_path;  /* code: --manual (manual.xml from qcode import) */
    const char *cache_dir;    /* code: --cache (the per-document coding cache) */
    int qdpx_utf16;           /* code: --offsets utf16 */
    unsigned results_format;  /* code: --results-format (0: the default, 1) */
    const char *results_path; /* quotes: --results */
    size_t top;
    unsigned jobs;
    qc_engine engine;
    int strict;
    int rollup;  /* quotes: --rollup */
    qc_read_options read;
    const char **interviewers;
    size_t interviewer_count;
    int first_input; /* argv index of the first operand */
} code_options;

/* Parses argv (argv[0] is the command name). Returns -1 to go on, or an exit code (a usage
 * error was printed). */
int code_options_parse(code_options *o, int argc, char **argv, code_options_kind kind);
void code_options_free(code_options *o);

/* Loads the codebook (diagnostics printed; QC_EXIT_CODEBOOK on errors) and the casebook when
 * given (QC_EXIT_USAGE on errors). Returns QC_EXIT_OK or the exit code. */
int code_options_load(const code_options *o, qc_codebook **cb, qc_casebook **cases);

/* Expands files and folders into transcript paths and document ids: a file named directly is
 * identified by its name without folders, a file found in a folder by its path below that folder.
 * Every command that reads transcripts (inspect too) takes its ids from here, so that one casebook,
 * keyed by document id, serves them all. Returns the count (free both lists with cli_free_paths), or -1 (printed). */
long code_options_inputs(char **inputs, int count, char ***paths, char ***ids);

#endif
