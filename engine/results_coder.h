/* Who coded each quotation of a qc_results: the engine (qcode's rules) or a person, whose codings a
 * manual.xml brought in (qcode code --manual, engine/coding_manual.c). The spill keeps each
 * record's coder; this walk hands it to the writers beside the quotation. */
#ifndef QC_RESULTS_CODER_H
#define QC_RESULTS_CODER_H

#include "qcode/results.h"

/* coder: NULL for the engine, else the person's name; borrowed for the call, like q. q->coder is
 * the same from qc_results_read_coded; the spill's walk sets only this argument. A nonzero return
 * stops the walk (QC_ERR_CANCELLED). */
typedef int (*qc_coded_quotation_fn)(const qc_result_quotation *q, const char *coder, void *user);

/* qc_results_foreach_quotation, with each record's coder (results_spill.c). A span coded by the
 * engine and by people comes once per coder, the engine first. */
int qc_spill_foreach_quotation(qc_results *res, size_t code, qc_coded_quotation_fn fn, void *user, qc_error *err);

/* qc_results_read, with on_coded (given handlers->user) called for every quotation with its coder
 * (the `coder` attribute) instead of handlers->on_quotation, which qc_results_read calls for the
 * engine's quotations only (results_read.c). on_coded NULL: qc_results_read. */
int qc_results_read_coded(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                          qc_error *err);

/* The file's header, fast: qc_results_read_coded with format 2's spans passed over unparsed
 * (qc_xml_stream_file_skipping) and the read stopped (QC_ERR_CANCELLED) at the end of its
 * documents; a format-1 file is read as by qc_results_read_coded (its quotations, after the
 * header, are the caller's to stop at). Any error may come from the scan rather than the file (its
 * positions are not the file's): the caller reads the file with qc_results_read_coded instead. */
int qc_results_read_header(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                           qc_error *err);

#endif
