/* libxml2's own allocations failing, for the tests that nothing of libxml2 reaches stderr when
 * they do (docs/reliability.md): libxml2 allocates through xmlMalloc, not through qcode's
 * allocator (tests/test_oom.c fails those), and out of memory it printed "Memory allocation
 * failed : ..." itself. xml_fail_install makes the allocation numbered xml_fail_at (from 0, since
 * xml_allocs was last set to 0) fail; xml_quietly runs a call with stderr going to a file. */
#ifndef QCODE_TEST_XML_FAIL_H
#define QCODE_TEST_XML_FAIL_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <libxml/xmlmemory.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
