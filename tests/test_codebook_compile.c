/* The compiled form of rules (qc_code_describe): folding, word splitting, regex flags, operator
 * precedence, references; large and hostile codebooks; out-of-memory at every allocation. */
#include "qc_test.h"

static int count_errors;
static void count(const qc_diagnostic *d, void *user)
{
    (void)user;
    if (d->severity == QC_SEVERITY_ERROR)
        count_errors++;
}

static qc_codebook *load_ok(const char *text, size_t len)
{
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load_buffer(&cb, "c.qcb", text, len, NULL, &err);
    cr_assert_eq(rc, 0, "load failed: %u:%u %s", err.line, err.column, err.message);
    return cb;
}

/* The describe text of code `id` in a codebook made of HDR + body. */
static char *compiled(const char *body, const char *id)
{
    char text[4096];
    snprintf(text, sizeof text, "codebook \"C\"\n%s", body);
    qc_codebook *cb = load_ok(text, strlen(text));
    long c = qc_codebook_find(cb, id);
    cr_assert_geq(c, 0);
    size_t n = qc_code_describe(cb, (size_t)c, NULL, 0);
    char *s = malloc(n + 1);
    qc_code_describe(cb, (size_t)c, s, n + 1);
    qc_codebook_free(cb);
    return s;
}

/* The compiled form of a one-rule code A: "rule EXPR" without the settings line. */
static void rule_is(const char *settings, const char *rule, const char *expect)
{
    char body[2048];
    snprintf(body, sizeof body, "code A \"A\"\n%s  rule %s\n", settings, rule);
    char *d = compiled(body, "A");
    const char *r = strstr(d, "rule ");
    cr_assert_not_null(r, "%s", d);
    char want[2048];
    snprintf(want, sizeof want, "rule %s\n", expect);
    cr_assert_str_eq(r, want, "rule %s", rule);
    free(d);
}

Test(codebook_compile, terms_are_folded_like_documents)
{
    rule_is("", "Café", "(term \"cafe\")");
    rule_is("", "\"STRASSE\"", "(term \"strasse\")");
    rule_is("", "Straße", "(term \"strasse\")");             /* full case folding */
    rule_is("", "co\u2011located", "(term \"co-located\")"); /* non-breaking hyphen joins words */
    rule_is("", "don\u2019t", "(term \"don't\")");
    rule_is("", "\"3.5 days\"", "(phrase \"3.5\" \"days\")");
}

Test(codebook_compile, case_and_accent_settings)
{
    rule_is("  case sensitive\n", "NHS", "(term \"NHS\" case)");
    rule_is("  accents keep\n", "Café", "(term \"café\" accents)");
    rule_is("  case sensitive\n  accents keep\n", "Café", "(term \"Café\" case accents)");
    /* codebook defaults apply to every code */
    char *d = compiled("code A \"A\"\n  rule NHS\n", "A");
    cr_assert(qct_contains(d, "(term \"nhs\")"), "%s", d);
    free(d);
}

Test(codebook_compile, wildcards_and_phrases)
{
    rule_is("", "co-locat*", "(wild \"co-locat*\")");
    rule_is("", "wom?n", "(wild \"wom?n\")");
    rule_is("", "\"same  office\"", "(phrase \"same\" \"office\")");
    rule_is("", "\"separate base*\"", "(phrase \"separate\" \"base*\")");
    /* a bare word with inner punctuation splits like text does */
    rule_is("", "24/7", "(phrase \"24\" \"7\")");
}

Test(codebook_compile, regex_flags_follow_the_code)
{
    rule_is("", "/shared\\s+base/", "(regex \"shared\\\\s+base\" i)");
    rule_is("  case sensitive\n", "/NHS/", "(regex \"NHS\")");
    rule_is("  case sensitive\n", "/nhs/i", "(regex \"nhs\" i)");
    rule_is("", "/NHS/c", "(regex \"NHS\")");
    rule_is("", "/a b/xsm", "(regex \"a b\" ixsm)");
    rule_is("", "/and\\/or/", "(regex \"and/or\" i)");
    rule_is("", "/\\d+\\.\\d/", "(regex \"\\\\d+\\\\.\\\\d\" i)");
}

Test(codebook_compile, precedence)
{
    rule_is("", "a OR b AND c", "(or (term \"a\") (and (term \"b\") (term \"c\")))");
    rule_is("", "(a OR b) AND c", "(and (or (term \"a\") (term \"b\")) (term \"c\"))");
    rule_is("", "NOT a AND b", "(and (not (term \"a\")) (term \"b\"))");
    rule_is("", "NOT a NEAR b", "(not (near 5 (term \"a\") (term \"b\")))");
    rule_is("", "a NEAR/2 b BEFORE c", "(before 5 (near 2 (term \"a\") (term \"b\")) (term \"c\"))");
    rule_is("", "a AND b AND c AND d", "(and (term \"a\") (term \"b\") (term \"c\") (term \"d\"))");
    rule_is("", "\"not\" BEFORE/2 helpful", "(before 2 (term \"not\") (term \"helpful\"))");
    rule_is("", "ask NEAR/0 advice", "(near 0 (term \"ask\") (term \"advice\"))");
    rule_is("", "NOT NOT a", "(not (not (term \"a\")))");
}

Test(codebook_compile, references_resolve_forward_and_backward)
{
    char *d = compiled("code A \"A\"\n  rule {B} OR {C*}\ncode B \"B\"\n  rule b\ncode C \"C\"\n  code C1 \"C1\"\n"
                       "    rule c\n",
                       "A");
    cr_assert(qct_contains(d, "rule (or (ref B) (ref C*))\n"), "%s", d);
    free(d);
}

Test(codebook_compile, long_or_chain_is_shallow)
{
    /* 20,000 synonyms in one rule: balanced, so nothing walks 20,000 levels deep. */
    size_t n = 20000;
    char *t = malloc(n * 16 + 64);
    size_t len = (size_t)sprintf(t, "codebook \"C\"\ncode A \"A\"\n  rule w0");
    for (size_t i = 1; i < n; i++)
        len += (size_t)sprintf(t + len, " OR w%zu", i);
    t[len++] = '\n';
    qc_codebook *cb = load_ok(t, len);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.terms, n);
    size_t dn = qc_code_describe(cb, 0, NULL, 0);
    char *d = malloc(dn + 1);
    qc_code_describe(cb, 0, d, dn + 1);
    cr_assert(qct_contains(d, "rule (or (term \"w0\") (term \"w1\") (term \"w2\")"));
    cr_assert(qct_contains(d, "(term \"w19999\"))\n"));
    free(d);
    qc_codebook_free(cb);
    free(t);
}

Test(codebook_compile, ten_thousand_codes_and_a_thousand_rules)
{
    size_t n = 10000;
    char *t = malloc(n * 80 + 64);
    size_t len = (size_t)sprintf(t, "codebook \"Big\"\n");
    for (size_t i = 0; i < n; i++) {
        if (i % 10 == 0)
            len += (size_t)sprintf(t + len, "code M%zu \"Main %zu\"\n", i, i);
        else
            len += (size_t)sprintf(t + len, "  code S%zu \"Sub %zu\"\n", i, i);
        if (i % 10 == 1)
            len +=
                (size_t)sprintf(t + len, "    rule term%zu OR \"phrase %zu\" OR pre%zu* OR {M%zu}\n", i, i, i, i - 1);
    }
    qc_codebook *cb = load_ok(t, len);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.codes, n);
    cr_assert_eq(st.main_codes, n / 10);
    cr_assert_eq(st.main_with_children, n / 10);
    cr_assert_eq(st.sub_codes, n - n / 10);
    cr_assert_eq(st.rules, n / 10);
    cr_assert_eq(st.terms, n / 10);
    cr_assert_eq(st.phrases, n / 10);
    cr_assert_eq(st.wildcards, n / 10);
    cr_assert_eq(st.references, n / 10);
    cr_assert_eq(st.categories, n - n / 10);
    cr_assert_eq(qc_codebook_find(cb, "S9991"), 9991);
    qc_codebook_free(cb);
    free(t);
}

Test(codebook_compile, two_hundred_levels_deep)
{
    size_t depth = 200;
    char *t = malloc(depth * (depth + 40) + 64);
    size_t len = (size_t)sprintf(t, "codebook \"Deep\"\n");
    for (size_t i = 0; i < depth; i++)
        len += (size_t)sprintf(t + len, "%*scode L%zu \"Level %zu\"\n", (int)i, "", i, i);
    len += (size_t)sprintf(t + len, "%*srule {L0*} OR x\n", (int)depth, "");
    /* the deepest code refers to its own ancestor's subtree: a cycle, found without recursion */
    qc_codebook *cb = NULL;
    qc_error err;
    count_errors = 0;
    qc_codebook_options o = QC_CODEBOOK_OPTIONS_INIT;
    o.on_diagnostic = count;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "deep.qcb", t, len, &o, &err), QC_ERR_CODEBOOK);
    cr_assert_str_eq(err.message, "code 'L199' refers to itself through {L0*}, which includes it");
    cr_assert_eq(count_errors, 1);
    /* without the cycle it loads, 200 deep */
    len -= strlen("rule {L0*} OR x\n");
    len += (size_t)sprintf(t + len, "rule x\n");
    cb = load_ok(t, len);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.max_depth, depth);
    cr_assert_eq(qc_code_depth(cb, depth - 1), depth);
    cr_assert_eq(qc_code_parent(cb, depth - 1), (long)depth - 2);
    qc_codebook_free(cb);
    free(t);
}

Test(codebook_compile, very_long_line)
{
    size_t n = 1 << 20;
    char *t = malloc(n + 16384);
    size_t len = (size_t)sprintf(t, "codebook \"C\"\ncode A \"A\"\n  define \"");
    memset(t + len, 'x', n);
    len += n;
    len += (size_t)sprintf(t + len, "\"\n  rule \"");
    for (size_t i = 0; i < 1000; i++)
        len += (size_t)sprintf(t + len, "w%zu ", i);
    len += (size_t)sprintf(t + len, "\"\n");
    qc_codebook *cb = load_ok(t, len);
    cr_assert_eq(strlen(qc_code_definition(cb, 0)), n);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.phrases, 1);
    qc_codebook_free(cb);
    free(t);
}

/* ------------------------------------------------------------ out of memory */

static long alloc_budget = -1; /* allocations left before failing; -1: unlimited */
static long alloc_calls;

static void *fail_malloc(size_t size)
{
    alloc_calls++;
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(size);
}

static void *fail_realloc(void *p, size_t size)
{
    alloc_calls++;
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, size);
}

Test(codebook_compile, out_of_memory_at_every_allocation)
{
    const char *text = "codebook \"OOM\" version 2\n"
                       "description \"d\"\n"
                       "code A \"A\"\n"
                       "  define \"x\"\n"
                       "  color #aabbcc\n"
                       "  where role in (\"a\", \"b\")\n"
                       "  was OLD\n"
                       "  rule \"same office\" OR co-locat* OR /sh(a)red/i OR {B*} AND NOT x NEAR/3 y\n"
                       "  exclude \"not this\"\n"
                       "  code B \"B\"\n"
                       "    rule b\n"
                       "code C \"C\"\n"
                       "  rule {Q}\n"; /* an error too, so the diagnostics path runs out of memory as well */
    qc_allocator a = {fail_malloc, fail_realloc, free};
    qc_set_allocator(&a);
    long failures = 0;
    for (long budget = 0;; budget++) {
        alloc_budget = budget;
        alloc_calls = 0;
        qc_codebook *cb = (qc_codebook *)1;
        qc_error err;
        int rc = qc_codebook_load_buffer(&cb, "oom.qcb", text, strlen(text), NULL, &err);
        cr_assert_null(cb);
        if (rc == QC_ERR_CODEBOOK)
            break; /* every allocation succeeded: the codebook's own error */
        cr_assert_eq(rc, QC_ERR_NOMEM, "budget %ld: status %d (%s)", budget, rc, err.message);
        failures++;
        cr_assert_lt(budget, 100000);
    }
    qc_set_allocator(NULL);
    cr_assert_gt(failures, 20, "the load allocates; each failure was seen");
}
