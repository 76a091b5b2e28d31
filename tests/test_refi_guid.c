/* Stable GUIDs: version 5 UUIDs (checked against Python's uuid.uuid5) and normalisation of the
 * forms other tools write. */
#include "qc_test.h"

Test(refi_guid, v5_matches_rfc4122_reference)
{
    /* uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), the example in Python's documentation. */
    char g[QC_GUID_SIZE];
    cr_assert_eq(qc_refi_guid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", 10, g), 0);
    cr_assert_str_eq(g, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    /* The namespace may be written as other tools write GUIDs. */
    cr_assert_eq(qc_refi_guid_v5("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}", "python.org", 10, g), 0);
    cr_assert_str_eq(g, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

Test(refi_guid, v5_rejects_bad_namespace)
{
    char g[QC_GUID_SIZE] = "x";
    cr_assert_eq(qc_refi_guid_v5("not-a-guid", "a", 1, g), QC_ERR_INVALID);
    cr_assert_str_eq(g, "");
}

/* Values computed independently with uuid.uuid5(UUID(QC_REFI_NAMESPACE), name): if these change,
 * every exported project stops lining up with the previous export in other tools. */
Test(refi_guid, qcode_names_are_stable)
{
    static const char *const cases[][2] = {
        {"user:qcode", "5dae479f-1ac4-5561-b8ce-16059e11f388"},
        {"code:Integrated care:COLOC", "98198e3c-b5c3-5692-8b20-c84a3faf3223"},
        {"source:P01.txt", "60c8df36-f40b-5689-b610-88ca8b50dfa9"},
        {"selection:COLOC:P01.txt:10:42", "a5e3661d-b5c9-5f80-830f-db2515ba3af4"},
        {"case:Nurse 2", "25c68fef-52f6-5898-a7e3-79164ff4fc92"},
        {"variable:site", "fe290078-dc6c-5b8a-afa7-d172f07139de"},
        {"source:caf\xc3\xa9.txt", "de8241f2-a4b1-5ff9-afec-9d73922c1ae9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char g[QC_GUID_SIZE];
        qc_refi_guid(cases[i][0], g);
        cr_assert_str_eq(g, cases[i][1], "GUID of '%s'", cases[i][0]);
    }
}

Test(refi_guid, different_names_give_different_guids)
{
    char a[QC_GUID_SIZE], b[QC_GUID_SIZE];
    qc_refi_guid("selection:A:doc:1:2", a);
    qc_refi_guid("selection:A:doc:1:3", b);
    cr_assert_str_neq(a, b);
    cr_assert_eq(a[14], '5', "version nibble of %s", a);
    cr_assert(strchr("89ab", a[19]) != NULL, "variant of %s", a);
}

Test(refi_guid, normalise_accepts_what_tools_write)
{
    char g[QC_GUID_SIZE];
    cr_assert_eq(qc_refi_guid_normalise("098AC082-A9C7-50F4-9728-48730081A95E", g), 0);
    cr_assert_str_eq(g, "098ac082-a9c7-50f4-9728-48730081a95e");
    cr_assert_eq(qc_refi_guid_normalise("{85D17F60-7BB0-481E-B742-B4861DD669DF}", g), 0);
    cr_assert_str_eq(g, "85d17f60-7bb0-481e-b742-b4861dd669df");
    cr_assert_eq(qc_refi_guid_normalise("  5067d381-1dc9-4816-81dd-ae1dbfea2ad7\n", g), 0);
    cr_assert_str_eq(g, "5067d381-1dc9-4816-81dd-ae1dbfea2ad7");
}

Test(refi_guid, normalise_refuses_non_guids)
{
    static const char *const bad[] = {
        "",
        "code-1",
        "098AC082A9C750F4972848730081A95E",      /* no dashes */
        "098AC082-A9C7-50F4-9728-48730081A95",   /* one digit short */
        "098AC082-A9C7-50F4-9728-48730081A95EE", /* one too many */
        "098AC08G-A9C7-50F4-9728-48730081A95E",  /* not hex */
        "{098AC082-A9C7-50F4-9728-48730081A95E", /* unbalanced brace */
        "098AC082-A9C7-50F4-97-2848730081A95E",  /* dash in the wrong place */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char g[QC_GUID_SIZE] = "x";
        cr_assert_eq(qc_refi_guid_normalise(bad[i], g), QC_ERR_FORMAT, "'%s' accepted", bad[i]);
        cr_assert_str_eq(g, "");
    }
    char g[QC_GUID_SIZE];
    cr_assert_eq(qc_refi_guid_normalise(NULL, g), QC_ERR_FORMAT);
}
