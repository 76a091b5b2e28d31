/* Binary search over ascending uint32_t keys: offsets of words, units, stamps, lines and hits,
 * held in arrays of their own or as a field of each element of an array of structs. Inline: the
 * matcher runs these for every hit. */
#ifndef QC_BOUND_H
#define QC_BOUND_H

#include <stddef.h>
#include <stdint.h>

/* The first index i in [lo, hi) whose key is >= key (or > key when `past`), hi when none is. The
 * key of element i is the uint32_t at byte offset + i * stride of base; the keys of [lo, hi)
 * ascend. base is read only when lo < hi (it may be NULL for an empty array). */
static inline size_t qc_bound_u32(const void *base, size_t stride, size_t offset, size_t lo, size_t hi, uint32_t key,
                                  int past)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t k = *(const uint32_t *)(const void *)((const char *)base + mid * stride + offset);
        if (past ? k <= key : k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first index in [lo, hi) whose key is >= key. */
static inline size_t qc_lower_bound_u32(const void *base, size_t stride, size_t offset, size_t lo, size_t hi,
                                        uint32_t key)
{
    return qc_bound_u32(base, stride, offset, lo, hi, key, 0);
}

/* The first index in [lo, hi) whose key is > key. */
static inline size_t qc_upper_bound_u32(const void *base, size_t stride, size_t offset, size_t lo, size_t hi,
                                        uint32_t key)
{
    return qc_bound_u32(base, stride, offset, lo, hi, key, 1);
}

#endif
