/* The qcode binary's global options and exit codes. */
#include "qc_test.h"

Test(cli, help_lists_commands)
{
    qct_run r;
    qct_qcode(&r, NULL, "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "usage: qcode <command>"));
    cr_assert(qct_contains(r.out, "inspect"));
    cr_assert(qct_contains(r.out, "Exit codes"));
    qct_run_free(&r);
}

Test(cli, version_prints_library_version)
{
    qct_run r;
    qct_qcode(&r, NULL, "--version");
    cr_assert_eq(r.status, 0);
    char expected[64];
    snprintf(expected, sizeof expected, "qcode %s\n", qc_version());
    cr_assert_str_eq(r.out, expected);
    qct_run_free(&r);
}

Test(cli, no_arguments_is_usage_error)
{
    qct_run r;
    qct_qcode(&r, NULL, "%s", "");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "usage: qcode"));
    qct_run_free(&r);
}

Test(cli, unknown_command_is_usage_error)
{
    qct_run r;
    qct_qcode(&r, NULL, "frobnicate");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "unknown command 'frobnicate'"));
    qct_run_free(&r);
}

Test(cli, help_command_prints_usage)
{
    qct_run r;
    qct_qcode(&r, NULL, "help inspect");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "usage: qcode inspect"));
    qct_run_free(&r);
    qct_qcode(&r, NULL, "help nosuch");
    cr_assert_eq(r.status, 2);
    qct_run_free(&r);
}
