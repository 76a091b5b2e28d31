/* An allocator whose n-th call fails (qc_set_allocator), for the tests that make each allocation
 * of a call fail in turn: set alloc_fail_at, zero alloc_calls, and after the call, alloc_calls <
 * alloc_fail_at says it completed without meeting the failure. Single-threaded calls only. */
#ifndef QC_TEST_ALLOC_FAIL_H
#define QC_TEST_ALLOC_FAIL_H

#include <stdlib.h>

static long alloc_calls, alloc_fail_at;

static inline void *failing_malloc(size_t n)
{
    return ++alloc_calls == alloc_fail_at ? NULL : malloc(n);
}

static inline void *failing_realloc(void *p, size_t n)
{
    return ++alloc_calls == alloc_fail_at ? NULL : realloc(p, n);
}

#endif
