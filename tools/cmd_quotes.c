/* qcode quotes: placeholder until its issue lands; it says so and fails. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'quotes' is not built yet");
}

const cli_command cmd_quotes = {"quotes", "(not built yet)", "usage: qcode quotes (not built yet)\n", run};
