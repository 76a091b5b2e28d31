/* SHA-1 (FIPS 180-4), used only to derive name-based (version 5) UUIDs for REFI-QDA GUIDs.
 * SHA-1 is broken for collision resistance; here it only spreads names over 122 bits, which is
 * what RFC 4122 prescribes for version 5, so other tools compute the same GUIDs. */
#ifndef QC_SHA1_H
#define QC_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct qc_sha1_ctx {
    uint32_t state[5];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
} qc_sha1_ctx;

void qc_sha1_init(qc_sha1_ctx *ctx);
void qc_sha1_update(qc_sha1_ctx *ctx, const void *data, size_t len);
void qc_sha1_final(qc_sha1_ctx *ctx, unsigned char digest[20]);

#endif
