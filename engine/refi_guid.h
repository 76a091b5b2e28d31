/* GUID helpers for the REFI-QDA reader and writers (the public part is in qcode/refi.h). */
#ifndef QC_REFI_GUID_H
#define QC_REFI_GUID_H

#include "qcode/refi.h"

/* qc_refi_guid of a name built printf-style. Returns 0, or -1 when out of memory. */
int qc_refi_guidf(char out[QC_GUID_SIZE], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether s is a GUID as the schema allows it (8-4-4-4-12 hex, any case, optionally in braces),
 * and whether it is already in the normal form qcode writes. */
int qc_refi_guid_valid(const char *s);
int qc_refi_guid_is_normal(const char *s);

/* The GUID an attribute names: normalised when it is a GUID (returns 0), else one derived from the
 * text itself (returns 1), so that every reference written with the same text resolves to the
 * same element. -1 when out of memory. */
int qc_refi_guid_or_derive(const char *raw, char out[QC_GUID_SIZE]);

#endif
