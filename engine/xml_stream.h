/* A file of any size (results.xml: some 9 GB for a 1 GB corpus) streamed through libxml2's SAX2
 * push parser: constant memory, no tree, attributes handed over where they lie in the input (no
 * copies), and positions exact to the element and attribute. An xmlTextReader parses ahead of the
 * node it hands out, so its parser position could be lines past the element at fault.
 *
 * Safe as xml_safe.h: no network, no entities but the predefined ones (an undeclared entity is
 * libxml2's error), a DOCTYPE stops the parse. An empty input, a read that fails, a missing file
 * and a file that ends inside an element are told in words of their own:
 *   "FILE: error: cannot open: No such file or directory"
 *   "FILE: error: the file is empty (expected a qcode results.xml)"
 *   "FILE:4711:3: error: the file ends inside <quotation> (truncated?)"
 * Thread-safe: each call has its own parser. xml_stream.c is one of the files that include libxml
 * headers. */
#ifndef QC_XML_STREAM_H
#define QC_XML_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "qcode/common.h"

/* The parse in progress, handed to the callbacks for positions and errors. */
typedef struct qc_xml_parse qc_xml_parse;

/* An attribute of a starting element, borrowed for the start callback. The value is XML-decoded
 * and is not NUL-terminated: [value, value + len). */
typedef struct qc_xml_stream_attr {
    const char *name; /* local name */
    const char *ns;   /* namespace URI, NULL when none */
    const char *value;
    size_t len;
} qc_xml_stream_attr;

/* A callback returns 0 to go on, or a negative qc_status to stop; the parse then returns it (the
 * callback sets its error, with qc_xml_stream_fail for one at the element). Names are local names;
 * ns is the namespace URI or NULL. Any callback may be NULL. */
typedef struct qc_xml_stream_handler {
    void *user;
    int (*start)(void *user, qc_xml_parse *s, const char *ns, const char *local, const qc_xml_stream_attr *attrs,
                 size_t attr_count);
    int (*end)(void *user, qc_xml_parse *s, const char *ns, const char *local);
    /* Character data (CDATA too, entities decoded), in pieces of any size. */
    int (*text)(void *user, const char *s, size_t len);
} qc_xml_stream_handler;

/* Streams the file at path through h. `expected` says what the file should be ("a qcode
 * results.xml"), for the messages about an empty file and a DOCTYPE. Errors name path, with the
 * line and column where there is one: QC_ERR_IO when the file cannot be opened or read,
 * QC_ERR_FORMAT for malformed XML, a DOCTYPE or an empty or truncated file. */
int qc_xml_stream_file(const char *path, const char *expected, const qc_xml_stream_handler *h, qc_error *err);

/* qc_xml_stream_file with the elements named `skip` dropped unparsed, content and all (xml_skip.h):
 * the callbacks never see them. Positions after the first dropped element are not the file's, so
 * a caller uses it only where an error means "parse the file in full instead", as it must also do
 * when the scan gives up (QC_ERR_FORMAT). */
int qc_xml_stream_file_skipping(const char *path, const char *expected, const qc_xml_stream_handler *h,
                                const char *skip, qc_error *err);

/* Inside a start callback: the line and column of attr's name in the file, or of the element's
 * '<' when attr is NULL (or is not where it can be found, as when its value was decoded from
 * character references). Inside an end callback, with attr NULL: the end tag's '<'. Column 0 when
 * the tag runs over several lines and the start of the line is no longer in the parser's buffer. */
void qc_xml_stream_position(const qc_xml_parse *s, const qc_xml_stream_attr *attr, uint32_t *line, uint32_t *column);

/* Sets the parse's error at attr (as qc_xml_stream_position) and returns code; for a start
 * callback to return. */
int qc_xml_stream_fail(qc_xml_parse *s, const qc_xml_stream_attr *attr, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the parse's error at a position noted earlier (with qc_xml_stream_position) and returns
 * code; for errors found at an element's end about what its start tag said. */
int qc_xml_stream_fail_at(qc_xml_parse *s, uint32_t line, uint32_t column, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
