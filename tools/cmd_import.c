/* qcode import: a REFI-QDA project (.qdpx) or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA,
 * QualCoder or Taguette into qcode's files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define USAGE                                                                                                          \
    "usage: qcode import PROJECT.qdpx -o DIR\n"                                                                        \
    "       qcode import --qdc CODEBOOK.qdc -o OUT.qcb\n"                                                              \
    "\n"                                                                                                               \
    "Imports a REFI-QDA project into the folder DIR (which must not exist, or be empty):\n"                            \
    "  DIR/sources/NAME.txt   each text source (UTF-8, LF, NFC)\n"                                                     \
    "  DIR/codebook.qcb       the codes (codes without qcode rules become manual codes or categories)\n"               \
    "  DIR/cases.tsv          cases and their variables, when the project has any\n"                                   \
    "  DIR/manual.xml         the existing codings, with coder and time (docs/refi.md)\n"                              \
    "A bare project.qde is accepted too (its sources are then missing). With --qdc, imports a\n"                       \
    "codebook alone. Prints what was imported on stdout, then the command that codes the folder\n"                     \
    "(with its casebook and manual codings), and every warning on stderr.\n"                                           \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  -o, --output PATH      the folder (project) or .qcb file (--qdc) to write; required\n"                          \
    "      --qdc              the input is a .qdc codebook\n"                                                          \
    "\n"                                                                                                               \
    "Exit codes: 0 ok (warnings included), 2 unreadable input or I/O error.\n"

/* What dir/name is; CLI_MISSING for a path too long to name. */
static cli_kind kind_in(const char *dir, const char *name)
{
    char path[4096];
    return snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path ? cli_kind_of(path) : CLI_MISSING;
}

/* dir[0..n) + suffix as one shell word: quoted when it holds anything but the safe characters. */
static void shell_word(char *out, size_t cap, const char *dir, int n, const char *suffix)
{
    char path[4200];
    snprintf(path, sizeof path, "%.*s%s", n, dir, suffix);
    if (strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-+,:@") == strlen(path)) {
        snprintf(out, cap, "%s", path);
        return;
    }
    size_t k = 0;
    out[k++] = '\'';
    for (const char *p = path; *p && k + 5 < cap; p++) {
        if (*p == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *p;
        }
    }
    out[k++] = '\'';
    out[k] = '\0';
}

/* What to run next: coding the folder with its casebook, which names the people of the sources
 * (docs/transcripts.md: they are speakers even when they speak once), and its manual codings. */
static void print_next(const char *dir)
{
    if (kind_in(dir, "sources") != CLI_FOLDER)
        return;
    int n = (int)strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char codebook[8500], cases[8500] = "", manual[8500] = "", sources[8500];
    shell_word(codebook, sizeof codebook, dir, n, "/codebook.qcb");
    shell_word(sources, sizeof sources, dir, n, "/sources/");
    if (kind_in(dir, "cases.tsv") == CLI_REGULAR)
        shell_word(cases, sizeof cases, dir, n, "/cases.tsv");
    if (kind_in(dir, "manual.xml") == CLI_REGULAR)
        shell_word(manual, sizeof manual, dir, n, "/manual.xml");
    cli_line(stdout, "  next      qcode code -c %s%s%s%s%s -o results.xml %s", codebook, *cases ? " --cases " : "",
             cases, *manual ? " --manual " : "", manual, sources);
}

typedef struct warn_count {
    size_t n;
} warn_count;

static void on_warning(const qc_diagnostic *d, void *user)
{
    ((warn_count *)user)->n++;
    cli_print_diagnostic(d, NULL);
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"qdc", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    int qdc = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': output = optarg; break;
        case 'q': qdc = 1; break;
        default: cli_print_usage(stderr, &cmd_import); return QC_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !output) {
        cli_print_usage(stderr, &cmd_import);
        return QC_EXIT_USAGE;
    }
    const char *input = argv[optind];
    const cli_file out[] = {{output, "-o"}};
    const cli_file in[] = {{input, "input"}};
    if (cli_refuse_overwrite("import", out, 1, in, 1) != QC_EXIT_OK)
        return QC_EXIT_USAGE;
    warn_count wc = {0};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = on_warning;
    opts.user = &wc;
    qc_error err;
    qc_error_clear(&err);
    if (qdc) {
        int rc = qc_refi_import_qdc(input, output, &opts, &err);
        if (rc != 0) {
            cli_print_error(&err);
            return QC_EXIT_USAGE;
        }
        cli_line(stdout, "imported codebook %s -> %s (%zu warning%s)", input, output, wc.n, wc.n == 1 ? "" : "s");
        return QC_EXIT_OK;
    }
    qc_refi_import_summary s;
    int rc = qc_refi_import_project(input, output, &opts, &s, &err);
    if (rc != 0) {
        cli_print_error(&err);
        qc_refi_import_summary_free(&s);
        return QC_EXIT_USAGE;
    }
    /* The project's name, its origin and its coders are another tool's words. */
    cli_line(stdout, "imported %s -> %s", input, output);
    cli_line(stdout, "  project   %s%s%s%s", *s.project ? s.project : "(unnamed)", *s.origin ? " (written by " : "",
             s.origin, *s.origin ? ")" : "");
    printf("  sources   %zu\n", s.sources);
    printf("  codes     %zu\n", s.codes);
    printf("  cases     %zu\n", s.cases);
    printf("  codings   %zu on %zu selections, positions read as %s", s.codings, s.selections, s.offsets);
    if (s.skipped)
        printf(" (%zu skipped, see the warnings)", s.skipped);
    printf("\n");
    for (size_t i = 0; i < s.coder_count; i++)
        cli_line(stdout, "    %-20s %zu", s.coders[i].name, s.coders[i].codings);
    printf("  warnings  %zu\n", s.warnings);
    qc_refi_import_summary_free(&s);
    print_next(output);
    return QC_EXIT_OK;
}

const cli_command cmd_import = {"import", "import a REFI-QDA project (.qdpx) or codebook (.qdc)", USAGE, run};
