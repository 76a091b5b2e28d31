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
/* The same at a line of another file: one the log's reader did not read, whose value it used. */
void qc_refi_warn_in(qc_refi_log *log, const char *file, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

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

/* Whether an element has this attribute. */
int qc_refi_xml_has(xmlNodePtr node, const char *name);
/* An attribute's value copied with qc_strdup into *out (NULL when absent). -1 when it is there but
 * the copy failed: out of memory must not pass for a missing attribute (a coding skipped with a
 * misleading warning, a code's name or GUID made up, its coder taken as "unknown", a results.xml's
 * codebook or option, a codebook's header or origin, a GUID a check looks up). The only way to read
 * an attribute, so that no reader can take one for the other. */
int qc_refi_xml_copy_attr(xmlNodePtr node, const char *name, char **out);
/* The text content of an element, copied ("" for an empty element or none; NULL out of memory).
 * Neither this nor qc_refi_xml_copy_attr prints what libxml2 says when its own copy fails. */
char *qc_refi_xml_text(xmlNodePtr node);
uint32_t qc_refi_xml_line(xmlNodePtr node);

/* Appends s escaped for XML text (attr 0) or a double-quoted attribute value (attr 1). Characters
 * XML 1.0 cannot carry become U+FFFD (qc_refi_xml_replaced). CR is written as &#13; so it
 * survives parsing. */
void qc_refi_xml_escape(qc_buf *b, const char *s, int attr);
/* The one rule for what qc_refi_xml_escape writes as U+FFFD, for the writer and for readers that
 * must see through it (a selection's name against its source's text): the character at s when
 * XML 1.0 cannot carry it, that is a C0 control other than tab and line ends, U+FFFE, U+FFFF, or
 * a byte that does not begin UTF-8 (a file name in another encoding). len bytes at most are read;
 * decoding stops at a NUL, so a C string may be given 4. Returns the bytes so replaced, 0 when the
 * character is written as itself or as an entity; *size (may be NULL) gets its length either way
 * (1 for a byte that is not UTF-8). One U+FFFD is one code point and one UTF-16 unit, so every
 * position in a project stays where it was. */
size_t qc_refi_xml_replaced(const char *s, size_t len, size_t *size);

#endif
