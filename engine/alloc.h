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
char *qc_strdup(const char *s);
char *qc_strndup(const char *s, size_t n);

#define QC_GROW(arr, cap, need) qc_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
