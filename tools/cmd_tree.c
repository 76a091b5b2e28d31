/* qcode tree: the code tree of a codebook, with ids, names and rule counts (and the rules). */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define USAGE                                                                                                          \
    "usage: qcode tree [--rules] [--compiled] [--depth N] FILE\n"                                                      \
    "\n"                                                                                                               \
    "Prints the codebook's tree: one line per code, indented by two spaces per level:\n"                               \
    "  ID \"Name\" (N rules)\n"                                                                                        \
    "A code without rules is marked (category), or (manual) when it is coded by hand.\n"                               \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  --rules     also print each code's rules, as written\n"                                                         \
    "  --compiled  also print each code's compiled form: its effective settings and rules,\n"                          \
    "              prefixed by '| ' (docs/codebook.md)\n"                                                              \
    "  --depth N   only codes down to depth N (1: main codes); a code with hidden sub-codes\n"                         \
    "              says how many\n"                                                                                    \
    "\n"                                                                                                               \
    "Exit codes: 0 ok, 2 usage or I/O error, 3 the codebook has errors (they are printed).\n"

/* -1 when out of memory. */
static int print_compiled(const qc_codebook *cb, size_t c)
{
    size_t need = qc_code_describe(cb, c, NULL, 0);
    char *text = need == SIZE_MAX ? NULL : malloc(need + 1);
    if (!text || qc_code_describe(cb, c, text, need + 1) != need) {
        free(text);
        return -1;
    }
    int indent = (int)(2 * (qc_code_depth(cb, c) - 1)) + 2;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        cli_line(stdout, "%*s| %s", indent, "", line);
    }
    free(text);
    return 0;
}

static void print_code(const qc_codebook *cb, size_t c, int rules, size_t hidden)
{
    size_t depth = qc_code_depth(cb, c);
    size_t n = qc_code_rule_count(cb, c);
    /* A quoted name or phrase may hold an ESC (or one imported from a .qdc): cli_put_printable. */
    printf("%*s%s \"", (int)(2 * (depth - 1)), "", qc_code_id(cb, c));
    cli_put_printable(stdout, qc_code_name(cb, c));
    putchar('"');
    if (n)
        printf(" (%zu %s)", n, n == 1 ? "rule" : "rules");
    else
        printf(" (%s)", qc_code_is_codable(cb, c) ? "manual" : "category");
    if (hidden)
        printf(" [+%zu %s]", hidden, hidden == 1 ? "sub-code" : "sub-codes");
    putchar('\n');
    for (size_t r = 0; rules && r < n; r++)
        cli_line(stdout, "%*s  rule %s", (int)(2 * (depth - 1)), "", qc_code_rule_text(cb, c, r));
}

/* Codes are in pre-order: the descendants of c follow it while their depth is greater. */
static size_t descendants(const qc_codebook *cb, size_t c)
{
    size_t depth = qc_code_depth(cb, c), end = c + 1, count = qc_codebook_code_count(cb);
    while (end < count && qc_code_depth(cb, end) > depth)
        end++;
    return end - c - 1;
}

static int run(int argc, char **argv)
{
    static const struct option longs[] = {{"rules", no_argument, NULL, 'r'},
                                          {"compiled", no_argument, NULL, 'C'},
                                          {"depth", required_argument, NULL, 'd'},
                                          {NULL, 0, NULL, 0}};
    int rules = 0, compiled = 0, c;
    long max_depth = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'r': rules = 1; break;
        case 'C': compiled = 1; break;
        case 'd': {
            char *end;
            max_depth = strtol(optarg, &end, 10);
            if (*end || max_depth < 1)
                return cli_fail("tree: --depth needs a whole number from 1 (got '%s')", optarg);
            break;
        }
        default:
            if (optopt == 'd')
                return cli_fail("tree: option '--depth' needs a value (see 'qcode help tree')");
            return cli_fail("tree: unknown option '%s' (see 'qcode help tree')", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_fail("tree: no codebook given (see 'qcode help tree')");
    if (optind + 1 < argc)
        return cli_fail("tree: one codebook at a time (see 'qcode help tree')");
    qc_codebook *cb = NULL;
    int ex = cli_load_codebook(argv[optind], &cb);
    if (ex != QC_EXIT_OK)
        return ex;
    fputs("codebook \"", stdout);
    cli_put_printable(stdout, qc_codebook_name(cb));
    putchar('"');
    if (*qc_codebook_version(cb)) {
        fputs(" version ", stdout);
        cli_put_printable(stdout, qc_codebook_version(cb));
    }
    size_t count = qc_codebook_code_count(cb);
    printf(": %zu %s\n", count, count == 1 ? "code" : "codes");
    for (size_t i = 0; i < count; i++) {
        size_t depth = qc_code_depth(cb, i);
        if (max_depth && depth > (size_t)max_depth)
            continue;
        size_t hidden = max_depth && depth == (size_t)max_depth ? descendants(cb, i) : 0;
        print_code(cb, i, rules, hidden);
        if (compiled && print_compiled(cb, i) != 0) {
            qc_codebook_free(cb);
            return cli_fail("tree: out of memory");
        }
    }
    qc_codebook_free(cb);
    return QC_EXIT_OK;
}

const cli_command cmd_tree = {"tree", "print a codebook's code tree", USAGE, run};
