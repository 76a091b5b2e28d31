/* XML plumbing shared by the REFI-QDA readers and writers: parsing untrusted XML safely, walking
 * elements by local name, escaping what we write, and reporting warnings with a line. */
#ifndef QC_REFI_XML_H
#define QC_REFI_XML_H

#include <libxml/tree.h>
#include <stdint.h>

#include "buf.h"
#include "qcode/codebook.h"

/* Where warnings go: the caller's callback, with `file` naming the XML (e.g. "p.qdpx:project.qde"). */
typedef struct qc_refi_log {
    qc_diagnostic_fn fn;
    void *user;
    const char *file;
    size_t warnings;
    size_t odd_guids; /* GUIDs in upper case or braces, reported once */
    uint32_t odd_guid_line;
} qc_refi_log;

/* Reports a warning at a line of log->file (0: no line). Counts it even without a callback. */
void qc_refi_warn(qc_refi_log *log, uint32_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Notes a GUID written in another accepted form (upper case, braces) for one summary warning. */
void qc_refi_note_guid(qc_refi_log *log, const char *raw, uint32_t line);
/* Reports the GUIDs noted so far in one warning, and forgets them. */
void qc_refi_flush_guid_note(qc_refi_log *log);

/* Parses XML from outside with xml_safe.h (no network, no DTD, no entities, DOCTYPE refused, size
 * capped). Errors name `file` and `part` (the entry in an archive, or NULL) with line and column.
 * *out is freed with xmlFreeDoc. */
int qc_refi_xml_parse(const char *data, size_t size, const char *file, const char *part, xmlDocPtr *out, qc_error *err);

/* The first element child of parent with this local name (any namespace), or NULL; and the next
 * element sibling after `node` with this local name. name NULL: any element. */
xmlNodePtr qc_refi_xml_child(xmlNodePtr parent, const char *name);
xmlNodePtr qc_refi_xml_next(xmlNodePtr node, const char *name);
/* Whether an element has this local name. */
int qc_refi_xml_is(xmlNodePtr node, const char *name);

/* An attribute's value copied with qc_strdup (NULL when absent or out of memory: check with
 * qc_refi_xml_has). The text content of an element, copied ("" for an empty element). */
char *qc_refi_xml_attr(xmlNodePtr node, const char *name);
int qc_refi_xml_has(xmlNodePtr node, const char *name);
char *qc_refi_xml_text(xmlNodePtr node);
uint32_t qc_refi_xml_line(xmlNodePtr node);

/* Appends s escaped for XML text (attr 0) or a double-quoted attribute value (attr 1). Characters
 * XML 1.0 cannot carry (C0 controls other than tab and line ends) become U+FFFD. CR is written
 * as &#13; so it survives parsing. */
void qc_refi_xml_escape(qc_buf *b, const char *s, int attr);

/* Writes data to path atomically (temporary file beside it, then rename). */
int qc_refi_save(const char *path, const void *data, size_t size, qc_error *err);

#endif
