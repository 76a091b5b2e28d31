/* qcode check: placeholder until its issue lands; it says so and fails. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'check' is not built yet");
}

const cli_command cmd_check = {"check", "(not built yet)", "usage: qcode check (not built yet)\n", run};
