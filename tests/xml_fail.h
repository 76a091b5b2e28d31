/* libxml2's own allocations failing, for the tests that nothing of libxml2 reaches stderr when
 * they do (docs/reliability.md): libxml2 allocates through xmlMalloc, not through qcode's
 * allocator (tests/test_oom.c fails those), and out of memory it printed "Memory allocation
 * failed : ..." itself. xml_fail_each runs a call with each of libxml2's allocations failing in
 * turn, stderr going to a file that must stay empty. */
#ifndef QCODE_TEST_XML_FAIL_H
#define QCODE_TEST_XML_FAIL_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <libxml/xmlmemory.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qc_test.h"

static _Atomic long xml_allocs, xml_fail_at = -1, xml_failures;

static inline int xml_should_fail(void)
{
    long n = xml_allocs++;
    if (n != xml_fail_at)
        return 0;
    xml_failures++;
    return 1;
}

static inline void *xml_failing_malloc(size_t size)
{
    return xml_should_fail() ? NULL : malloc(size);
}

static inline void *xml_failing_realloc(void *p, size_t size)
{
    return xml_should_fail() ? NULL : realloc(p, size);
}

static inline char *xml_failing_strdup(const char *s)
{
    return xml_should_fail() ? NULL : strdup(s);
}

/* libxml2's allocator, failing or not; the failing one is malloc's, so each frees the other's. */
static inline void xml_fail_install(int failing)
{
    if (failing)
        xmlMemSetup(free, xml_failing_malloc, xml_failing_realloc, xml_failing_strdup);
    else
        xmlMemSetup(free, malloc, realloc, strdup);
}

/* Arms allocation n to fail. */
static inline void xml_fail_arm(long n)
{
    xml_allocs = 0;
    xml_failures = 0;
    xml_fail_at = n;
}

/* Sends stderr to err_path until xml_loud (returns the descriptor to give it). */
static inline int xml_quiet(const char *err_path)
{
    fflush(stderr);
    int saved = dup(2), fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(saved >= 0 && fd >= 0, "cannot send stderr to %s", err_path);
    dup2(fd, 2);
    close(fd);
    return saved;
}

static inline void xml_loud(int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
}

/* One call of a sweep: run does it (user's state, n: the allocation failing, for names of outputs)
 * and returns its status, err set when it failed; after is given that status once stderr is back
 * and checks what the call made when it succeeded (the same as with nothing failing), then frees
 * it. */
typedef struct xml_fail_call {
    int (*run)(long n, void *user, qc_error *err);
    void (*after)(long n, int status, void *user);
    void *user;
} xml_fail_call;

/* Runs the call with libxml2's allocation n failing, for n = 0, 1, ... until a run where none
 * failed (past libxml2's last): each run prints nothing on stderr (err_path holds it) and either
 * fails with QC_ERR_NOMEM or succeeds (after checks it). Returns how many runs failed one. */
static inline long xml_fail_each(const char *what, const char *err_path, const xml_fail_call *call)
{
    xml_fail_install(1);
    long n = 0;
    for (;; n++) {
        qc_error err;
        xml_fail_arm(n);
        int saved = xml_quiet(err_path);
        int rc = call->run(n, call->user, &err);
        xml_loud(saved);
        xml_fail_at = -1;
        long failures = xml_failures;
        char *said = qct_read_file(err_path, NULL);
        cr_assert_str_eq(said, "", "%s, libxml2's allocation %ld failing: stderr has \"%s\"", what, n, said);
        free(said);
        if (rc != 0)
            cr_assert_eq(rc, QC_ERR_NOMEM, "%s, allocation %ld failing: %s", what, n, err.message);
        call->after(n, rc, call->user);
        if (!failures)
            break;
    }
    xml_fail_install(0);
    return n;
}

#endif
