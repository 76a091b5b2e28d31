/* qcode tree: placeholder until its issue lands; it says so and fails. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'tree' is not built yet");
}

const cli_command cmd_tree = {"tree", "(not built yet)", "usage: qcode tree (not built yet)\n", run};
