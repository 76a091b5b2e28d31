/* SHA-256, for provenance (codebook and corpus file hashes) and cache keys. */
#ifndef QC_SHA256_H
#define QC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct qc_sha256_ctx {
    uint32_t state[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
} qc_sha256_ctx;

void qc_sha256_init(qc_sha256_ctx *ctx);
void qc_sha256_update(qc_sha256_ctx *ctx, const void *data, size_t len);
void qc_sha256_final(qc_sha256_ctx *ctx, unsigned char digest[32]);
/* A string for a key: its length (u32; UINT32_MAX for NULL, so NULL and "" differ), then its
 * bytes, so that no two lists of strings give the same stream. */
void qc_sha256_update_str(qc_sha256_ctx *ctx, const char *s);
/* The digest as 64 lower-case hex digits and a NUL. */
void qc_sha256_final_hex(qc_sha256_ctx *ctx, char hex[65]);
/* One call: the digest as 64 lower-case hex digits and a NUL. */
void qc_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
