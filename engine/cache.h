/* The per-document coding cache (public API in qcode/diff.h; format in docs/recode.md), and the
 * code hashes it is keyed by. */
#ifndef QC_CACHE_H
#define QC_CACHE_H

#include <stdint.h>

#include "qcode/diff.h"

/* The hashes of every code of cb (out has code_count entries of 32 bytes): each code's compiled
 * description (rules, excludes, settings, where, manual; not its history lines), `context` when
 * it has `where` conditions, and the hashes of the codes it references, transitively. */
int qc_code_hashes(const qc_codebook *cb, const char *context, uint8_t (*out)[32]);

/* The cache file format. */
#define QC_CACHE_MAGIC "QCCACHE\n"
#define QC_CACHE_VERSION 1u
#define QC_CACHE_HEADER_SIZE 84 /* magic 8, version 4, reserved 4, key 32, payload size 4, payload SHA-256 32 */

#endif
