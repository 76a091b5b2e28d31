/* A streaming XML writer for results.xml: elements, attributes and text written straight into a
 * large buffer and on to a FILE, indented two spaces a level exactly as libxml2's text writer
 * indents (the format documents were first written with it). It exists for speed: a gigabyte corpus
 * gives millions of quotations, and libxml2's writer cost more than coding them. Strings are UTF-8;
 * characters XML 1.0 cannot carry (C0 controls but tab and LF, U+FFFE, U+FFFF) become U+FFFD. */
#ifndef QC_XML_OUT_H
#define QC_XML_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct qc_xml_out {
    FILE *fp;
    char *buf;
    size_t len, cap;
    /* open elements: names (borrowed: string literals or strings that outlive the element) */
    const char **names;
    unsigned char *state; /* per open element: 0 start tag open, 1 has child elements, 2 has text */
    size_t depth, depth_cap;
    const char *root_ns; /* xmlns of the root, written when its start tag closes */
    size_t base_depth;   /* a fragment's elements opened elsewhere */
    int error;           /* errno of the first failed write, or ENOMEM */
} qc_xml_out;

/* Starts a document (the XML declaration) on fp. 0, or -1 out of memory. */
int qc_xml_out_begin(qc_xml_out *x, FILE *fp);
/* Starts a fragment: what goes inside `depth` elements opened (and holding elements) by another
 * writer, with the same indentation; no declaration. For rendering parts of a document in
 * parallel and joining them. */
int qc_xml_out_begin_fragment(qc_xml_out *x, FILE *fp, size_t depth);
/* Writes out what is buffered; 0 or the errno of the first failure. */
int qc_xml_out_flush(qc_xml_out *x);
/* Closes every open element (of a fragment: its own) and flushes; returns 0 or the errno of the
 * first failure. Frees. */
int qc_xml_out_end(qc_xml_out *x);
/* Frees without finishing (after a failure). */
void qc_xml_out_free(qc_xml_out *x);

/* An element; ns (or NULL) becomes its xmlns attribute. name must live until its end. */
void qc_xml_start(qc_xml_out *x, const char *name, const char *ns);
void qc_xml_end(qc_xml_out *x);
void qc_xml_attr(qc_xml_out *x, const char *name, const char *value);
void qc_xml_attr_u64(qc_xml_out *x, const char *name, uint64_t value);
/* Text content of the current element. */
void qc_xml_text(qc_xml_out *x, const char *text);

#endif
