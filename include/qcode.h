/* qcode.h: the public API of libqcode, a qualitative-coding engine.
 *
 * Pipeline: read transcripts (qcode/document.h) and a casebook (qcode/casebook.h), compile a
 * codebook (qcode/codebook.h), code the corpus with it, then write results.
 *
 * Conventions that hold for every function:
 * - Ownership. An object returned through a `**out` parameter belongs to the caller, who frees it
 *   with the matching `qc_<type>_free`; `_free(NULL)` does nothing. Getters return borrowed
 *   pointers that live as long as the object they came from. Input buffers and strings are
 *   borrowed for the duration of the call only.
 * - Errors. Fallible functions return 0 or a negative qc_status and fill the caller-owned
 *   `qc_error *err` (which may be NULL) with a message and a position. The library never prints,
 *   never exits and never aborts, out of memory included.
 * - Threads. Loaded documents, casebooks and compiled codebooks are immutable and may be shared
 *   by any number of threads; each function says where it needs more.
 * - Offsets. Spans are [start, end) in Unicode code points into a document's normalised text.
 */
#ifndef QCODE_H
#define QCODE_H

#include "qcode/common.h"
#include "qcode/document.h"
#include "qcode/document_xml.h"
#include "qcode/casebook.h"
#include "qcode/codebook.h"
#include "qcode/coding.h"
#include "qcode/results.h"
#include "qcode/refi.h"
#include "qcode/diff.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces the allocator the library uses (for tests that fail the N-th allocation, or for an
 * application's own allocator). Call before any other qcode function; not thread-safe.
 * Passing NULLs restores malloc/realloc/free. */
typedef struct qc_allocator {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
} qc_allocator;
QC_EXPORT void qc_set_allocator(const qc_allocator *allocator);

#ifdef __cplusplus
}
#endif
#endif
