/* Allocation through the replaceable allocator (qc_set_allocator). Every function returns NULL
 * on failure and never aborts: callers turn NULL into QC_ERR_NOMEM. */
#ifndef QC_ALLOC_H
#define QC_ALLOC_H

#include <stddef.h>

void *qc_malloc(size_t size);
void *qc_calloc(size_t count, size_t size); /* overflow-checked, zeroed */
void *qc_realloc(void *ptr, size_t size);
/* Grows an array of `*cap` items of `item` bytes to hold at least `need`; overflow-checked.
 * Returns 0, or -1 (the old array stays valid). */
int qc_grow(void **array, size_t *cap, size_t need, size_t item);
void qc_free(void *ptr);
/* A large buffer that lives long and is filled over time (the quotation logs' buffers, the direct
 * output's): `size` bytes at an address aligned to 2 MB, whose memory the system is asked to back
 * with huge pages where it can (Linux transparent huge pages, madvise mode), since memory touched
 * for the first time costs a page fault a 4 KB page, several microseconds each on a virtual
 * machine. The pages are still only backed once touched. *block gets what to give qc_free; NULL
 * (and *block NULL) when memory is short. */
void *qc_malloc_huge(size_t size, void **block);
char *qc_strdup(const char *s);
char *qc_strndup(const char *s, size_t n);

#define QC_GROW(arr, cap, need) qc_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
