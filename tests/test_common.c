/* The error value, statuses and the replaceable allocator. */
#include <stdlib.h>
#include <string.h>

#include "qc_test.h"

Test(common, version_is_semver)
{
    const char *v = qc_version();
    int a, b, c;
    cr_assert_eq(sscanf(v, "%d.%d.%d", &a, &b, &c), 3, "version '%s' is not MAJOR.MINOR.PATCH", v);
}

Test(common, status_names_are_distinct)
{
    cr_assert_str_eq(qc_status_name(QC_OK), "ok");
    cr_assert_str_eq(qc_status_name(QC_ERR_NOMEM), "out of memory");
    cr_assert_str_neq(qc_status_name(QC_ERR_IO), qc_status_name(QC_ERR_FORMAT));
    cr_assert_str_eq(qc_status_name(12345), "unknown error");
}

Test(common, error_clear_resets_position)
{
    qc_error err;
    memset(&err, 0x5a, sizeof err);
    qc_error_clear(&err);
    cr_assert_eq(err.code, 0);
    cr_assert_eq(err.line, 0);
    cr_assert_eq(err.offset, -1);
    cr_assert_str_eq(err.message, "");
    qc_error_clear(NULL); /* must not crash */
}

Test(common, role_names)
{
    cr_assert_str_eq(qc_role_name(QC_ROLE_INTERVIEWER), "interviewer");
    cr_assert_str_eq(qc_role_name(QC_ROLE_PARTICIPANT), "participant");
}
