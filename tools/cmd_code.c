/* qcode code: placeholder until its issue lands; it says so and fails. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'code' is not built yet");
}

const cli_command cmd_code = {"code", "(not built yet)", "usage: qcode code (not built yet)\n", run};
