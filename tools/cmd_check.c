/* qcode check: compiles codebooks and reports every problem, compiler style; on success prints
 * a one-line summary of each codebook's size and rule mix. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

#define USAGE                                                                                                          \
    "usage: qcode check [--werror] [--quiet] FILE...\n"                                                                \
    "\n"                                                                                                               \
    "Parses and compiles each codebook (.qcb) and reports every error and warning as\n"                                \
    "  file:line:col: error: message\n"                                                                                \
    "with the line and a caret under the problem. A codebook without errors gets a summary line:\n"                    \
    "  FILE: ok: N codes: M main codes, K with sub-codes, S sub-codes, depth D, C categories;\n"                       \
    "  R rules (T terms, W wildcards, P phrases, X regexes, Y proximity, Z references); N warnings\n"                  \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  --werror   warnings fail the check too (exit 3)\n"                                                              \
    "  --quiet    print only problems, no summary\n"                                                                   \
    "\n"                                                                                                               \
    "Exit codes: 0 every codebook compiled (warnings allowed), 2 usage or I/O error,\n"                                \
    "3 a codebook has errors. The language: docs/codebook.md.\n"

typedef struct counts {
    size_t errors, warnings;
} counts;

static void on_diagnostic(const qc_diagnostic *diag, void *user)
{
    counts *n = user;
    if (diag->not_shown_errors || diag->not_shown_warnings) { /* "too many problems": it stands for them */
        n->errors += diag->not_shown_errors;
        n->warnings += diag->not_shown_warnings;
    } else if (diag->severity == QC_SEVERITY_ERROR) {
        n->errors++;
    } else {
        n->warnings++;
    }
    cli_print_diagnostic(diag, NULL);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_summary(const char *path, const qc_codebook *cb, size_t warnings)
{
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cli_put_printable(stdout, path);
    printf(": ok: %zu %s: %zu main %s, %zu with sub-codes, %zu %s, depth %zu, %zu %s; ", st.codes,
           plural(st.codes, "code", "codes"), st.main_codes, plural(st.main_codes, "code", "codes"),
           st.main_with_children, st.sub_codes, plural(st.sub_codes, "sub-code", "sub-codes"), st.max_depth,
           st.categories, plural(st.categories, "category", "categories"));
    printf("%zu %s (%zu %s, %zu %s, %zu %s, %zu %s, %zu proximity, %zu %s); %zu %s\n", st.rules,
           plural(st.rules, "rule", "rules"), st.terms, plural(st.terms, "term", "terms"), st.wildcards,
           plural(st.wildcards, "wildcard", "wildcards"), st.phrases, plural(st.phrases, "phrase", "phrases"),
           st.regexes, plural(st.regexes, "regex", "regexes"), st.proximity, st.references,
           plural(st.references, "reference", "references"), warnings, plural(warnings, "warning", "warnings"));
}

static int run(int argc, char **argv)
{
    static const struct option longs[] = {
        {"werror", no_argument, NULL, 'W'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
    int werror = 0, quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'W': werror = 1; break;
        case 'q': quiet = 1; break;
        default: return cli_fail("check: unknown option '%s' (see 'qcode help check')", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_fail("check: no codebook given (see 'qcode help check')");
    int io_failed = 0, failed = 0;
    for (int i = optind; i < argc; i++) {
        counts n = {0, 0};
        qc_codebook_options opts = QC_CODEBOOK_OPTIONS_INIT;
        opts.on_diagnostic = on_diagnostic;
        opts.user = &n;
        qc_codebook *cb = NULL;
        qc_error err;
        qc_error_clear(&err);
        int rc = qc_codebook_load(&cb, argv[i], &opts, &err);
        if (rc == QC_ERR_CODEBOOK) {
            cli_line(stderr, "%s: %zu %s, %zu %s", argv[i], n.errors, plural(n.errors, "error", "errors"), n.warnings,
                     plural(n.warnings, "warning", "warnings"));
            failed = 1;
            continue;
        }
        if (rc < 0) {
            cli_print_error(&err);
            io_failed = 1;
            continue;
        }
        if (werror && n.warnings) {
            cli_line(stderr, "%s: %zu %s (--werror)", argv[i], n.warnings, plural(n.warnings, "warning", "warnings"));
            failed = 1;
        } else if (!quiet) {
            print_summary(argv[i], cb, n.warnings);
        }
        qc_codebook_free(cb);
    }
    return io_failed ? QC_EXIT_USAGE : failed ? QC_EXIT_CODEBOOK : QC_EXIT_OK;
}

const cli_command cmd_check = {"check", "compile codebooks and report every problem", USAGE, run};
