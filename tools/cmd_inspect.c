/* qcode inspect: placeholder until its issue lands; it says so and fails. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'inspect' is not built yet");
}

const cli_command cmd_inspect = {"inspect", "(not built yet)", "usage: qcode inspect (not built yet)\n", run};
