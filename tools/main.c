/* qcode: the command line, a table of commands over the public API. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"

static const cli_command *const commands[] = {
    &cmd_code, &cmd_quotes, &cmd_inspect, &cmd_check, &cmd_tree, &cmd_diff, &cmd_recode, &cmd_export, &cmd_import,
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void print_help(FILE *fp)
{
    fprintf(fp,
            "usage: qcode <command> [options] [arguments]\n"
            "       qcode help <command>\n"
            "       qcode --version\n"
            "\n"
            "Rule-based qualitative coding: applies a hierarchical codebook of pattern rules to\n"
            "interview transcripts and reports code frequencies and quotations.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(fp, "\n"
                "Exit codes: 0 ok, 1 finished but some documents failed, 2 usage or I/O error,\n"
                "3 codebook error. Documentation: docs/cli.md.\n");
}

/* Documents come and go by the thousand, each a few large blocks: glibc would hand freed memory
 * back to the system (and map big blocks afresh) after every one, and the run would spend a third
 * of its time faulting pages in again. Keep it for the next document instead; peak memory is the
 * same, it is only not returned between documents. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return QC_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_help(stdout);
        return QC_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("qcode %s\n", qc_version());
        return QC_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_help(stdout);
            return QC_EXIT_OK;
        }
        const cli_command *cmd = find_command(argv[2]);
        if (!cmd)
            return cli_fail("unknown command '%s' (see 'qcode --help')", argv[2]);
        cli_print_usage(stdout, cmd);
        return QC_EXIT_OK;
    }
    const cli_command *cmd = find_command(name);
    if (!cmd)
        return cli_fail("unknown command '%s' (see 'qcode --help')", name);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_print_usage(stdout, cmd);
            return QC_EXIT_OK;
        }
    }
    return cmd->run(argc - 1, argv + 1);
}

/* What a command printed went to stdout through a buffer: behind a full disk or a file it may not
 * grow (`qcode quotes ... > /dev/full`) the printing failed unseen and the run said 0, so a script
 * kept a file that is empty or cut short. (A closed pipe ends the process by SIGPIPE instead.) */
static int stdout_written(int rc)
{
    int flush_failed = fflush(stdout) != 0;
    int e = errno;
    if (!flush_failed && !ferror(stdout))
        return rc;
    cli_fail("cannot write standard output: %s", flush_failed ? strerror(e) : "a write failed");
    return rc ? rc : QC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    tune_malloc();
    /* First: `qcode --help` printed past a file size limit was killed by SIGXFSZ too. */
    cli_catch_interrupts();
    return stdout_written(run(argc, argv));
}
