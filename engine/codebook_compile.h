/* Compiling a parsed codebook: pattern words split and folded with each code's case and accent
 * settings, regexes (re)compiled with the final flags, {REF}s resolved, reference cycles
 * rejected, the evaluation order of codes computed, and warnings that need the whole file. */
#ifndef QC_CODEBOOK_COMPILE_H
#define QC_CODEBOOK_COMPILE_H

#include "codebook_impl.h"
#include "diagnostics.h"

/* Returns 0 or QC_ERR_NOMEM; problems go to d. */
int qc_codebook_compile(qc_codebook *cb, qc_diag_list *d, const qc_codebook_options *opts);

#endif
