/* The matcher's prebuilt tables, made once when a codebook is loaded and shared read-only by
 * every coding thread (see codebook_impl.h: match_index). */
#ifndef QC_MATCH_INDEX_H
#define QC_MATCH_INDEX_H

#include "codebook_impl.h"

/* Builds cb->match_index and sets cb->match_index_free. Called by qc_codebook_load after a
 * successful compile. */
int qc_match_index_build(qc_codebook *cb, qc_error *err);

#endif
