/* qcode diff: what a codebook revision changed, code by code, by stable id. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

/* Declared here until tools/cli.h lists it with the other commands. */

#define USAGE                                                                                                          \
    "usage: qcode diff OLD.qcb NEW.qcb [--format text|xml] [-o FILE]\n"                                                \
    "\n"                                                                                                               \
    "Compares two revisions of a codebook by stable id and lists, code by code: codes added and\n"                     \
    "removed, renamed (new display name), moved (new parent), rules and excludes changed (the\n"                       \
    "lines removed and added), definitions and settings changed, and, where the new codebook\n"                        \
    "says so with `was OLDID` or `merged-from A B`, id changes, splits and merges. Only history\n"                     \
    "lines naming ids of OLD count. The text ends with a summary line; --format xml writes\n"                          \
    "the schema docs/schema/qcode-recode.xsd. docs/recode.md has the details.\n"                                       \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  --format text|xml   output format (default text)\n"                                                             \
    "  -o, --output FILE   write to FILE (atomically) instead of stdout\n"                                             \
    "\n"                                                                                                               \
    "Exit codes: 0 ok (whether or not anything changed), 2 usage or I/O error, 3 codebook error.\n"

static int run(int argc, char **argv)
{
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    qc_diff_format format = QC_DIFF_TEXT;
    const char *output = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", longs, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                format = QC_DIFF_TEXT;
            else if (strcmp(optarg, "xml") == 0)
                format = QC_DIFF_XML;
            else
                return cli_fail("diff: unknown format '%s' (text or xml)", optarg);
            break;
        case 'o': output = optarg; break;
        default: return cli_fail("diff: unknown option '%s' (see 'qcode help diff')", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_fail("diff: give two codebooks, OLD and NEW (see 'qcode help diff')");
    const cli_file out[] = {{output, "-o"}};
    const cli_file in[] = {{argv[optind], "old codebook"}, {argv[optind + 1], "new codebook"}};
    if (cli_refuse_overwrite("diff", out, 1, in, 2) != QC_EXIT_OK)
        return QC_EXIT_USAGE;
    qc_codebook *old_cb = NULL, *new_cb = NULL;
    int ex = cli_load_codebook(argv[optind], &old_cb);
    if (ex == QC_EXIT_OK)
        ex = cli_load_codebook(argv[optind + 1], &new_cb);
    qc_codebook_diff *d = NULL;
    char *text = NULL;
    size_t len = 0;
    qc_error err;
    qc_error_clear(&err);
    if (ex == QC_EXIT_OK && (qc_codebook_diff_new(&d, old_cb, new_cb, &err) != 0 ||
                             qc_codebook_diff_render(d, format, &text, &len, &err) != 0 ||
                             (output && qc_recode_write_text(text, len, output, &err) != 0))) {
        cli_print_error(&err);
        ex = QC_EXIT_USAGE;
    }
    if (ex == QC_EXIT_OK && !output && format == QC_DIFF_TEXT)
        cli_put_printable_lines(stdout, text, len); /* code names from the codebooks */
    else if (ex == QC_EXIT_OK && !output)
        fwrite(text, 1, len, stdout);
    qc_diff_text_free(text);
    qc_codebook_diff_free(d);
    qc_codebook_free(old_cb);
    qc_codebook_free(new_cb);
    return ex;
}

const cli_command cmd_diff = {"diff", "compare two codebook revisions by stable id", USAGE, run};
