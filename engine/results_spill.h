/* The quotation store of a qc_results: quotation and uncoded-turn records appended to temporary
 * files as documents are added, with a small in-memory index (per code, one run of consecutive
 * records per document), read back grouped by code when the outputs are written. */
#ifndef QC_RESULTS_SPILL_H
#define QC_RESULTS_SPILL_H

#include "results_coder.h"
#include "results_impl.h"

int qc_spill_open(qc_results *res, qc_error *err);
void qc_spill_close(qc_results *res);

/* Encodes a document's quotation records and those of its uncoded participant turns (p->touched:
 * per turn, whether any quotation lies in it) into p, reading only what qc_results_new set: safe
 * in several threads at once. -1 when memory is short. */
int qc_spill_prepare(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p);
/* Appends the records of qc_spill_prepare to the logs, in order, as document doc_index (whose
 * speakers must already be in res->docs: a record names its speaker by the document's slot). */
int qc_spill_merge(qc_results *res, const qc_res_prepared *p, uint32_t doc_index, qc_error *err);

/* Makes the quotation log ready for walks from several threads at once (nothing may be added
 * after): pending writes done. */
int qc_spill_settle(qc_results *res, qc_error *err);
/* One code's quotations (with their coders, see results_coder.h) read with the caller's scratch
 * buffer (*buf of *cap bytes, grown as needed, freed by the caller): safe in parallel threads
 * after qc_spill_settle. */
int qc_spill_walk_code(qc_results *res, size_t code, unsigned char **buf, size_t *cap, qc_coded_quotation_fn fn,
                       void *user, qc_error *err);

/* The uncoded turns' log in pieces (qc_results_foreach_uncoded's walk shared out among threads):
 * how many, pending writes done first (nothing may be added after); then the turns of piece
 * `piece` in order, read with the caller's cursor (its key 0, freed with qc_chunklog_cursor_free):
 * safe in parallel threads, each with its own cursor. */
int qc_spill_uncoded_pieces(qc_results *res, size_t *count, qc_error *err);
int qc_spill_walk_uncoded_piece(const qc_results *res, size_t piece, qc_chunklog_cursor *cur, qc_quotation_fn fn,
                                void *user, qc_error *err);

/* Every code's quotations (with their coders) in document order: by document, start, end and code,
 * a person's codings of a span after the engine's, as each code's log holds them. The codes' logs
 * are merged as they are read (one piece of each at a time), so memory stays one buffer a code. */
int qc_spill_walk_by_document(qc_results *res, qc_coded_quotation_fn fn, void *user, qc_error *err);

#endif
