/* A stable sort written out for an element type and its comparison, for hot paths where qsort's
 * comparison through a pointer costs too much (results_add.c, write_xml_spans.c). */
#ifndef QC_MERGE_SORT_H
#define QC_MERGE_SORT_H

#include <stddef.h>

/* Defines `static inline TYPE *NAME(TYPE *a, TYPE *tmp, size_t n, int flag)`: sorts a[0, n) by
 * LESS(const TYPE *x, const TYPE *y, int flag), stably, with tmp (room for n): runs of 16 by
 * insertion, then merged bottom up. Returns where the result is (a or tmp). Inline, so that each
 * caller's flag is a constant in LESS. */
#define QC_DEFINE_MERGE_SORT(NAME, TYPE, LESS)                                                                         \
    static inline TYPE *NAME(TYPE *a, TYPE *tmp, size_t n, int flag)                                                   \
    {                                                                                                                  \
        enum { RUN = 16 };                                                                                             \
        for (size_t lo = 0; lo < n; lo += RUN) {                                                                       \
            size_t hi = lo + RUN < n ? lo + RUN : n;                                                                   \
            for (size_t i = lo + 1; i < hi; i++) {                                                                     \
                TYPE v = a[i];                                                                                         \
                size_t j = i;                                                                                          \
                for (; j > lo && LESS(&v, &a[j - 1], flag); j--)                                                       \
                    a[j] = a[j - 1];                                                                                   \
                a[j] = v;                                                                                              \
            }                                                                                                          \
        }                                                                                                              \
        for (size_t width = RUN; width < n; width *= 2) {                                                              \
            for (size_t lo = 0; lo < n; lo += 2 * width) {                                                             \
                size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;            \
                size_t i = lo, j = mid, k = lo;                                                                        \
                while (i < mid && j < hi)                                                                              \
                    tmp[k++] = LESS(&a[j], &a[i], flag) ? a[j++] : a[i++];                                             \
                while (i < mid)                                                                                        \
                    tmp[k++] = a[i++];                                                                                 \
                while (j < hi)                                                                                         \
                    tmp[k++] = a[j++];                                                                                 \
            }                                                                                                          \
            TYPE *t = a;                                                                                               \
            a = tmp;                                                                                                   \
            tmp = t;                                                                                                   \
        }                                                                                                              \
        return a;                                                                                                      \
    }

#endif
