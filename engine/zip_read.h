/* Reading entries of a zip archive (.docx, .qdpx) held in memory or on disk, safely: every entry
 * read is bounded in size (the header's claim is checked, and so is what decompression actually
 * yields, so a zip bomb stops at the bound), CRC errors are reported, and entry names that could
 * escape a folder (absolute, drive letters, `..` components) are refused. The only file that
 * includes zip.h is zip_read.c. */
#ifndef QC_ZIP_READ_H
#define QC_ZIP_READ_H

#include <stddef.h>

#include "qcode/common.h"

typedef struct qc_zip qc_zip;

/* The most one archive may yield uncompressed, over all the entries read from it (1 GiB): with
 * the per-entry bound, this stops an archive of many entries each just under that bound. */
#define QC_ZIP_MAX_TOTAL ((size_t)1 << 30)

/* Opens a zip whose bytes are data[0..size): borrowed, and must outlive the qc_zip. `name` names
 * the archive in messages (copied). QC_ERR_FORMAT when it is not a readable zip. */
int qc_zip_open_memory(qc_zip **out, const char *name, const void *data, size_t size, qc_error *err);
/* Opens a zip file. QC_ERR_IO when it cannot be opened, QC_ERR_FORMAT when it is not a zip. */
int qc_zip_open_file(qc_zip **out, const char *path, qc_error *err);
/* Closes; NULL is a no-op. */
void qc_zip_close(qc_zip *z);

/* The number of entries and the name of entry i (UTF-8 as stored; borrowed, valid until close). */
size_t qc_zip_count(const qc_zip *z);
const char *qc_zip_name(const qc_zip *z, size_t i);

/* Whether an entry name is safe to use as a relative path: not empty, not absolute ('/' or '\'
 * first, or a drive letter), no `..` component (with either slash), no NUL. */
int qc_zip_name_safe(const char *entry);

/* Reads entry `entry` whole into a new NUL-terminated buffer (qc_free it). Entries larger than
 * max_size bytes uncompressed, or that would take the archive's total past QC_ZIP_MAX_TOTAL, are
 * refused with QC_ERR_LIMIT, from their header's claim, before anything is inflated; an absent
 * entry is QC_ERR_NOTFOUND; an unsafe name or an entry stored as a symbolic link QC_ERR_INVALID; a
 * damaged entry (CRC, bad compression, data longer or shorter than its header claims)
 * QC_ERR_FORMAT. err->file is the archive and the message names the entry. Names compare exactly
 * (zip names are case-sensitive). The buffer grows as the entry inflates, up to the size its
 * header claims: a header that lies costs no more memory than the data really there. */
int qc_zip_read(qc_zip *z, const char *entry, size_t max_size, char **data, size_t *size, qc_error *err);

/* Whether the entries (each read once with qc_zip_read(..., max_size, ...); NULL ones are skipped)
 * would stay within QC_ZIP_MAX_TOTAL with what was read before, as their headers claim: QC_OK, or
 * QC_ERR_LIMIT naming the archive and the bound. For a reader that reads many entries (a .qdpx's
 * sources), so that an archive over the bound is refused before the first is inflated rather than
 * after a gigabyte. Entries qc_zip_read would refuse on their own (missing, unsafe, a link, over
 * max_size) are not counted. Reads nothing and counts nothing. */
int qc_zip_fits(qc_zip *z, const char *const *entries, size_t count, size_t max_size, qc_error *err);

#endif
