/* The quotation store of a qc_results: quotation and uncoded-turn records appended to temporary
 * files as documents are added, with a small in-memory index (per code, one run of consecutive
 * records per document), read back grouped by code when the outputs are written. */
#ifndef QC_RESULTS_SPILL_H
#define QC_RESULTS_SPILL_H

#include "results_coder.h"
#include "results_impl.h"

int qc_spill_open(qc_results *res, qc_error *err);
void qc_spill_close(qc_results *res);

/* Appends a document's quotations (resp: the respondent of each speaker slot, the doc's speakers
 * then unlabelled text) and its uncoded participant turns (touched: per turn, whether any
 * quotation lies in it). */
int qc_spill_document(qc_results *res, const qc_document *doc, const qc_coding *coding, uint32_t doc_index,
                      const long *resp, const uint8_t *touched, qc_error *err);

/* Makes the quotation log ready for walks from several threads at once (nothing may be added
 * after): pending writes done. */
int qc_spill_settle(qc_results *res, qc_error *err);
/* One code's quotations (with their coders, see results_coder.h) read with the caller's scratch
 * buffer (*buf of *cap bytes, grown as needed, freed by the caller): safe in parallel threads
 * after qc_spill_settle. */
int qc_spill_walk_code(qc_results *res, size_t code, unsigned char **buf, size_t *cap,
                       qc_coded_quotation_fn fn, void *user, qc_error *err);

#endif
