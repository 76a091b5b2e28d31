/* What the results.xml writers share: write_xml.c (the file, format 1's sections and those both
 * formats have) and write_xml_spans.c (format 2's documents with their spans, from the quotation
 * logs after the run or rendered document by document while coding). Internal to the library. */
#ifndef QC_WRITE_XML_IMPL_H
#define QC_WRITE_XML_IMPL_H

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "results_impl.h"
#include "fileio.h"
#include "outputs.h"
#include "xml_out.h"

#define QC_RESULTS_NS1 "urn:qcode:results:1"
#define QC_RESULTS_NS2 "urn:qcode:results:2"

/* An attribute of the quotations, kept as written while consecutive quotations repeat its value
 * (a code's quotations come in document order: the same document id, speakers and roles again and
 * again): its value is measured and escaped once per change, and the bytes copied after that. The
 * values are the results' own strings, which outlive the walk, so the same pointer is the same
 * value. */
typedef struct last_attr {
    const char *value; /* NULL: nothing kept */
    size_t len;
    char bytes[120]; /* ' name="escaped value"' (a longer one is written anew every time) */
} last_attr;

/* ' document="id"' for every document, or ' speaker="label"' for every respondent, escaped once for
 * the whole file: each is written once per code the document or respondent has (by the
 * quotations and the byDocument and bySpeaker rows), and measuring and escaping it each time was
 * most of what writing an attribute cost. Entry i is bytes.data[at[i] .. at[i + 1]). */
typedef struct attr_table {
    qc_buf bytes;
    size_t *at;
    size_t count;
} attr_table;

typedef struct xw {
    qc_xml_out o;
    int failed; /* the walk of quotations or counts failed */
    last_attr speaker, role;
    const attr_table *docs, *resps; /* NULL (out of memory): each written anew */
    attr_table tables[2];           /* qc_xw_open's: documents', respondents' */
    /* Format 2 rendered while coding: entry c is code c's element as a span holds it,
     * '        <code id="escaped id"/>\n' (write_xml_spans.c), the bytes followed by 16 more that
     * are no entry's (so that an entry can be copied 16 bytes at a time); NULL: written anew each
     * time. */
    const attr_table *code_tags;
    /* Threads that may write the uncoded turns (qc_write_options.jobs), kept by
     * qc_xw_format2_head for a stream's end, whose options do not say. */
    unsigned jobs;
} xw;

/* Inlined with literal names, so that their lengths are known when compiling. */
static inline void start(xw *x, const char *name)
{
    qc_xml_start_n(&x->o, name, strlen(name), NULL);
}

static inline void end(xw *x)
{
    qc_xml_end(&x->o);
}

static inline void attr(xw *x, const char *name, const char *value)
{
    qc_xml_attr_n(&x->o, name, strlen(name), value);
}

static inline void attr_u64(xw *x, const char *name, uint64_t value)
{
    qc_xml_attr_u64_n(&x->o, name, strlen(name), value);
}

/* Writes name="value", value escaped, or the bytes kept in l when value is the same pointer as
 * the last time (see last_attr). */
void qc_xw_repeated_attr(xw *x, last_attr *l, const char *name, size_t name_len, const char *value);

/* A document's element and its attribute and speaker children, left open (format 2 puts its spans
 * in it). */
void qc_xw_document_open(xw *x, const qc_results *res, size_t i);

/* Format 2 up to the open <documents> (the root, the provenance, the code tree), and from its end
 * on (respondents, attributes, counts, totals, co-occurrence, uncoded turns, the root's end).
 * The second returns 0, or a failed walk's status with err set (the writer's own errors stay in
 * x->o). */
void qc_xw_format2_head(xw *x, qc_results *res, const qc_write_options *opts);
int qc_xw_format2_tail(xw *x, qc_results *res, const qc_write_options *opts, qc_error *err);

/* Format 2's documents, each with its spans, from the quotation logs (write_xml_spans.c). */
int qc_xw_documents_from_logs(xw *x, qc_results *res, qc_error *err);

/* Starts x on fp (see qc_xml_out_begin) with the document and respondent tables when memory allows;
 * 0, or -1 when memory is short. */
int qc_xw_open(xw *x, FILE *fp, const qc_results *res);
/* Ends x and the file it writes: rc is the status of what was written into it. With rc 0 and x
 * without error the file is committed (it appears at its path); else it is abandoned, and the
 * status says why (the writer's failure told as for `path`). */
int qc_xw_finish(xw *x, qc_atomic_file *af, const char *path, int rc, qc_error *err);
/* x's failure (x->o.error, an errno value) as a status in err, naming path. */
int qc_xw_error(const xw *x, const char *path, qc_error *err);
/* Frees without finishing (after a failure). */
void qc_xw_abort(xw *x);

#endif
