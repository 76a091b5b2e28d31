/* Safe XML parsing and small DOM helpers for the REFI-QDA modules. */
#include "refi_xml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_guid.h"
#include "text.h"
#include "xml_safe.h"

static void warn(qc_refi_log *log, const char *file, uint32_t line, const char *fmt, va_list ap)
{
    if (!log)
        return;
    log->warnings++;
    if (!log->fn)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    qc_diagnostic d = {QC_SEVERITY_WARNING, file ? file : "", line, 0, 1, msg, NULL, 0, 0};
    log->fn(&d, log->user);
}

void qc_refi_warn(qc_refi_log *log, uint32_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    warn(log, log ? log->file : NULL, line, fmt, ap);
    va_end(ap);
}

void qc_refi_warn_in(qc_refi_log *log, const char *file, uint32_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    warn(log, file, line, fmt, ap);
    va_end(ap);
}

void qc_refi_note_guid(qc_refi_log *log, const char *raw, uint32_t line)
{
    if (!log || !raw || !qc_refi_guid_valid(raw) || qc_refi_guid_is_normal(raw))
        return;
    if (log->odd_guids++ == 0)
        log->odd_guid_line = line;
}

void qc_refi_flush_guid_note(qc_refi_log *log)
{
    if (!log || !log->odd_guids)
        return;
    qc_refi_warn(log, log->odd_guid_line, "%zu GUID(s) written in upper case or in braces: normalised (the first here)",
                 log->odd_guids);
    log->odd_guids = 0;
}

int qc_refi_xml_parse(const char *data, size_t size, const char *file, const char *part, xmlDocPtr *out, qc_error *err)
{
    /* xml_safe.c owns the safe options (no network, no entities, DOCTYPE refused, size cap). */
    *out = NULL;
    xmlDocPtr doc = NULL;
    int rc = qc_xml_read_tree(&doc, data, size, file, part, err);
    if (rc != 0) {
        /* The line is the entry's, not the archive's: name the entry in the position so no one
         * looks for line 1 of a zip file. */
        qc_xml_error_in_part(err, file, part);
        return rc;
    }
    if (!xmlDocGetRootElement(doc)) {
        qc_xml_free(doc);
        return qc_error_set(err, QC_ERR_FORMAT, file, 0, 0, -1, "%s%sthe XML document has no root element",
                            part ? part : "", part ? ": " : "");
    }
    *out = doc;
    return 0;
}

int qc_refi_xml_is(xmlNodePtr node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)node->name, name) == 0);
}

xmlNodePtr qc_refi_xml_child(xmlNodePtr parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNodePtr n = parent->children; n; n = n->next)
        if (qc_refi_xml_is(n, name))
            return n;
    return NULL;
}

xmlNodePtr qc_refi_xml_next(xmlNodePtr node, const char *name)
{
    if (!node)
        return NULL;
    for (xmlNodePtr n = node->next; n; n = n->next)
        if (qc_refi_xml_is(n, name))
            return n;
    return NULL;
}

/* The attribute node without a namespace (REFI attributes are unqualified). */
static xmlAttrPtr find_attr(xmlNodePtr node, const char *name)
{
    for (xmlAttrPtr a = node ? node->properties : NULL; a; a = a->next)
        if (strcmp((const char *)a->name, name) == 0)
            return a;
    return NULL;
}

int qc_refi_xml_has(xmlNodePtr node, const char *name)
{
    return find_attr(node, name) != NULL;
}

int qc_refi_xml_copy_attr(xmlNodePtr node, const char *name, char **out)
{
    *out = NULL;
    xmlAttrPtr a = find_attr(node, name);
    if (!a)
        return 0;
    qc_xml_generic quiet;
    qc_xml_generic_catch(&quiet);
    xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);
    qc_xml_generic_release(&quiet);
    /* out of memory told apart from an absent attribute: a reader that took it for absent read a
     * file otherwise under memory pressure */
    if (!quiet.nomem && (v || !a->children))
        *out = qc_strdup(v ? (const char *)v : "");
    xmlFree(v);
    return *out ? 0 : -1;
}

char *qc_refi_xml_text(xmlNodePtr node)
{
    /* libxml2 copies the text into a buffer it grows; out of memory, it printed "internal buffer
     * error : Memory allocation failed : growing buffer" and gave NULL, which was taken for no text. */
    if (!node)
        return qc_strdup("");
    qc_xml_generic quiet;
    qc_xml_generic_catch(&quiet);
    xmlChar *v = xmlNodeGetContent(node);
    qc_xml_generic_release(&quiet);
    if (quiet.nomem || !v) {
        xmlFree(v);
        return NULL;
    }
    char *copy = qc_strdup((const char *)v);
    xmlFree(v);
    return copy;
}

uint32_t qc_refi_xml_line(xmlNodePtr node)
{
    long line = xmlGetLineNo(node);
    return line > 0 ? (uint32_t)line : 0;
}

size_t qc_refi_xml_replaced(const char *s, size_t len, size_t *size)
{
    size_t n = len ? 1 : 0;
    int bad = 0;
    unsigned char c = len ? (unsigned char)s[0] : 0;
    if (len && c < 0x80) {
        bad = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
    } else if (len) {
        size_t pos = 0;
        int32_t cp = qc_utf8_decode(s, len, &pos);
        bad = cp < 0 || cp == 0xFFFE || cp == 0xFFFF;
        n = cp < 0 ? 1 : pos;
    }
    if (size)
        *size = n;
    return bad ? n : 0;
}

void qc_refi_xml_escape(qc_buf *b, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t run = 0;
    for (size_t i = 0;; i++) {
        unsigned char c = p[i];
        const char *rep = NULL;
        size_t len = 1;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        default:
            /* s ends at its NUL, where decoding stops: 4 bytes is a safe bound. */
            if ((c < 0x20 || c >= 0x80) && qc_refi_xml_replaced((const char *)p + i, 4, &len))
                rep = "\xef\xbf\xbd";
        }
        if (c == 0 || rep) {
            qc_buf_append(b, p + i - run, run);
            run = 0;
            if (c == 0)
                return;
            qc_buf_puts(b, rep);
            i += len - 1;
        } else {
            run += len;
            i += len - 1;
        }
    }
}
