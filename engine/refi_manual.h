/* manual.xml: codings people made by hand (imported from another tool), which a later
 * `qcode code --manual` run and the exports carry beside the automatic ones. The format is
 * docs/schema/qcode-manual.xsd (namespace urn:qcode:manual:1), described in docs/refi.md. */
#ifndef QC_REFI_MANUAL_H
#define QC_REFI_MANUAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "refi_xml.h"

#define QC_MANUAL_NS "urn:qcode:manual:1"

typedef struct qc_refi_manual_coding {
    char *code;        /* code id */
    char *document;    /* document id (the source's file name) */
    size_t start, end; /* code points into the document's normalised text, [start, end) */
    char *text;        /* the coded text, as it was when coded */
    char *coder;       /* who coded it */
    char *created;     /* xsd:dateTime, or NULL */
    uint32_t line;     /* in manual.xml, when read */
} qc_refi_manual_coding;

typedef struct qc_refi_manual {
    char *source; /* where the codings came from (the .qdpx), or NULL */
    char *origin; /* the tool that made them, or NULL */
    qc_refi_manual_coding *items;
    size_t count, cap;
} qc_refi_manual;

/* Appends a coding (strings copied; created may be NULL). 0 or -1. */
int qc_refi_manual_add(qc_refi_manual *mm, const char *code, const char *document, size_t start, size_t end,
                       const char *text, const char *coder, const char *created);
/* Sorts by document, start, end, code, coder and drops repeats of those five (keeping one with a
 * creation time when there is one); returns how many went. */
size_t qc_refi_manual_sort(qc_refi_manual *mm);
void qc_refi_manual_free(qc_refi_manual *mm);

/* Writes manual.xml into out. */
void qc_refi_manual_write(const qc_refi_manual *mm, qc_buf *out);

/* Reads a manual.xml file (safely parsed); problems with one coding are warnings and the coding is
 * skipped; a file that is not manual.xml is an error naming its line. */
int qc_refi_manual_read(qc_refi_manual *mm, const char *path, qc_refi_log *log, qc_error *err);

#endif
