#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "qcode.h"

static qc_allocator current = {malloc, realloc, free};

void qc_set_allocator(const qc_allocator *allocator)
{
    if (!allocator || !allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn) {
        current.malloc_fn = malloc;
        current.realloc_fn = realloc;
        current.free_fn = free;
        return;
    }
    current = *allocator;
}

void *qc_malloc(size_t size)
{
    return current.malloc_fn(size ? size : 1);
}

void *qc_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t total = count * size;
    void *p = qc_malloc(total);
    if (p && total)
        memset(p, 0, total);
    return p;
}

void *qc_realloc(void *ptr, size_t size)
{
    return current.realloc_fn(ptr, size ? size : 1);
}

void qc_free(void *ptr)
{
    if (ptr)
        current.free_fn(ptr);
}

enum { HUGE_PAGE = 2 << 20 };

void *qc_malloc_huge(size_t size, void **block)
{
    *block = size <= SIZE_MAX - HUGE_PAGE ? qc_malloc(size + HUGE_PAGE) : NULL;
    if (!*block)
        return NULL;
    uintptr_t at = ((uintptr_t)*block + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Only the huge pages the buffer fills: a smaller buffer, or the part of one past its last
     * whole huge page, keeps 4 KB pages rather than have a few bytes touched back 2 MB. A refusal
     * (no transparent huge pages, memory that is not anonymous) leaves 4 KB pages too. */
    size_t whole = size / HUGE_PAGE * HUGE_PAGE;
    if (whole)
        (void)madvise((void *)at, whole, MADV_HUGEPAGE);
#endif
    return (void *)at;
}

int qc_grow(void **array, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (item && n > SIZE_MAX / item)
        return -1;
    void *p = qc_realloc(*array, n * item);
    if (!p)
        return -1;
    *array = p;
    *cap = n;
    return 0;
}

void qc_release_big(void **array, size_t *cap, size_t item)
{
    if (*cap <= QC_SCRATCH_KEEP / item)
        return;
    qc_free(*array);
    *array = NULL;
    *cap = 0;
}

char *qc_strndup(const char *s, size_t n)
{
    char *p = qc_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *qc_strdup(const char *s)
{
    return qc_strndup(s, strlen(s));
}
