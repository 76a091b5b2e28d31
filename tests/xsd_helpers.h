/* Validation of a file the project writes against its schema in docs/schema/, for the tests of
 * results.xml, manual.xml and the change report. */
#ifndef QCODE_TEST_XSD_HELPERS_H
#define QCODE_TEST_XSD_HELPERS_H

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "qc_test.h"

/* 0 when the file at path is valid against docs/schema/<schema>; else non-zero, with libxml2's
 * first message in why. A schema that does not parse, or a file that is not well-formed, fails the
 * test. */
static inline int xsd_validate(const char *path, const char *schema, char *why, size_t cap)
{
    char rel[256];
    snprintf(rel, sizeof rel, "docs/schema/%s", schema);
    char *xsd = qct_source_path(rel);
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(xsd);
    xmlSchemaPtr parsed = xmlSchemaParse(pctx);
    cr_assert_not_null(parsed, "%s does not parse", xsd);
    xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(parsed);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    cr_assert_not_null(doc, "%s is not well-formed", path);
    int rc = xmlSchemaValidateDoc(vctx, doc);
    if (rc != 0 && why && cap) {
        const xmlError *e = xmlGetLastError();
        snprintf(why, cap, "%s", e && e->message ? e->message : "invalid");
    }
    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(parsed);
    xmlSchemaFreeParserCtxt(pctx);
    free(xsd);
    return rc;
}

#endif
