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

/* Scratch is kept from one document for the next, so that a corpus allocates it once; but what a
 * large transcript needed (arrays a few times its size) would stay beside everything the later
 * stages of that transcript allocate, and set the run's peak. An array of scratch past this many
 * bytes is given back as soon as its stage is done; an ordinary interview's (tens of kilobytes of
 * text) are far smaller. */
#define QC_SCRATCH_KEEP ((size_t)1 << 20)

/* Frees *array (and zeroes *cap) when its `*cap` items of `item` bytes are more than
 * QC_SCRATCH_KEEP bytes. */
void qc_release_big(void **array, size_t *cap, size_t item);

#define QC_RELEASE_BIG(arr, cap) qc_release_big((void **)&(arr), &(cap), sizeof(*(arr)))

#endif
