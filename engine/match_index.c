/* Placeholder until the matcher lands: no prebuilt tables yet. */
#include "match_index.h"

int qc_match_index_build(qc_codebook *cb, qc_error *err)
{
    (void)err;
    cb->match_index = NULL;
    cb->match_index_free = NULL;
    return QC_OK;
}
