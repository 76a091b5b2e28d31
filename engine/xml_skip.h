/* Drops every element of one name, with its content, from an XML byte stream before it reaches the
 * parser, by a scan for '<' rather than a parse: what a reader that wants a results.xml of format
 * 2 for its documents alone gains by not tokenising their spans (four fifths of the file).
 *
 * Exact for what qcode writes: a raw '<' in well-formed XML starts markup, so outside comments,
 * CDATA sections and processing instructions (passed through whole) "<NAME" followed by a space,
 * '>' or '/' starts such an element, and inside it "</NAME" ends it. Where a scan could be wrong it
 * gives up instead (QC_ERR_FORMAT, for the caller to parse the file in full): a comment, CDATA
 * section, processing instruction or element of the same name inside a dropped element. Malformed
 * XML elsewhere is left for the parser to find. */
#ifndef QC_XML_SKIP_H
#define QC_XML_SKIP_H

#include <stddef.h>

/* Bytes a call may leave undecided at the end of its input, for the next call. */
#define QC_XML_SKIP_HOLD 64

typedef struct qc_xml_skip {
    char name[48];
    size_t name_len;
    int state;
    char quote; /* inside a dropped start tag: the quote of the attribute value open, or 0 */
    char last;  /* inside a dropped start tag: the last byte outside quotes */
    int failed;
} qc_xml_skip;

/* name: the element's local name, as written (no prefix); at most 47 bytes. */
void qc_xml_skip_init(qc_xml_skip *k, const char *name);

/* Filters buf[0, len) in place: what is kept is moved to buf[0, returned length). *consumed is how
 * far the input was decided; buf[*consumed, len) (fewer than QC_XML_SKIP_HOLD bytes) is to come
 * first in the next call. final: no input follows, everything is decided. Returns (size_t)-1 when
 * the scan gives up (above), and every later call too. */
size_t qc_xml_skip_filter(qc_xml_skip *k, char *buf, size_t len, int final, size_t *consumed);

#endif
