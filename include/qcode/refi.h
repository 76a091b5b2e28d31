/* qcode/refi.h: REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette.
 *
 * A `.qdc` file carries a codebook, a `.qdpx` file (a ZIP holding `project.qde` and a `sources/`
 * folder) a whole project: sources, codes, cases, and the codings people made. docs/refi.md says
 * what is exported and imported, how offsets are counted and which oddities of real files are
 * accepted with a warning.
 *
 * GUIDs that qcode writes are name-based UUIDs (RFC 4122 version 5, SHA-1) in a fixed qcode
 * namespace, so the same code, source or quotation gets the same GUID on every run.
 *
 * Every function here is thread-safe unless it says otherwise (they share no state).
 */
#ifndef QCODE_REFI_H
#define QCODE_REFI_H

#include "codebook.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A GUID as text: 36 characters, 8-4-4-4-12 lower-case hex digits, and a NUL. */
#define QC_GUID_SIZE 37

/* The namespace of every GUID qcode derives. */
#define QC_REFI_NAMESPACE "2787df2f-f59b-4517-9438-eba71542bc82"

/* The version 5 UUID of `name` (len bytes) in the namespace `ns` (a GUID in any accepted form).
 * Returns 0, or QC_ERR_INVALID when ns is not a GUID. */
QC_EXPORT int qc_refi_guid_v5(const char *ns, const void *name, size_t len, char out[QC_GUID_SIZE]);

/* The GUID qcode uses for `name` (a NUL-terminated string such as "code:<codebook>:<id>",
 * "source:<document id>", "selection:<code id>:<document id>:<start>:<end>", "user:<name>",
 * "case:<speaker>", "variable:<name>"): qc_refi_guid_v5(QC_REFI_NAMESPACE, name). */
QC_EXPORT void qc_refi_guid(const char *name, char out[QC_GUID_SIZE]);

/* Normalises a GUID as other tools write it (upper case, in braces, surrounding white space) to
 * lower-case 8-4-4-4-12. Returns 0, or QC_ERR_FORMAT when `in` is not a GUID (then out is ""). */
QC_EXPORT int qc_refi_guid_normalise(const char *in, char out[QC_GUID_SIZE]);

/* SHA-1 of data as 40 lower-case hex digits and a NUL (the hash behind version 5 UUIDs). */
QC_EXPORT void qc_refi_sha1_hex(const void *data, size_t len, char hex[41]);

#ifdef __cplusplus
}
#endif
#endif
