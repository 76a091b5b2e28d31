/* Editing a cache entry file and signing it again the way the writer does (format in
 * docs/recode.md), for tests that hand the cache an entry whose checksum holds but whose records
 * are impossible. The payload's CRC-32 is made by gzip (its trailer holds the CRC-32 of what it
 * compressed), not by the engine's code, so that a test does not lean on what it tests. */
#ifndef CACHE_ENTRY_H
#define CACHE_ENTRY_H

#include <stdint.h>
#include <unistd.h>

#include "qc_test.h"

/* Where the header holds the payload's size and CRC-32, and where the payload starts; where the
 * payload's table of codings' records hashes is (after the codebook hash: a u32 count, then 4
 * slots of a coding's key 32 bytes, its records hash 32 and its quotation count 4). */
enum { CE_PAYLOAD_SIZE = 48, CE_PAYLOAD_SUM = 52, CE_HEADER = 56 };
enum { CE_CODINGS = CE_HEADER + 32, CE_CODING_SLOT = 68, CE_CODINGS_SIZE = 4 + 4 * CE_CODING_SLOT };

typedef struct ce_entry {
    char *path;
    unsigned char *b;
    size_t n;
} ce_entry;

static inline void ce_read(ce_entry *e, const char *path)
{
    e->path = strdup(path);
    e->b = (unsigned char *)qct_read_file(path, &e->n);
    cr_assert_not_null(e->b, "cannot read %s", path);
    cr_assert_gt(e->n, (size_t)CE_HEADER);
}

static inline uint32_t ce_u32(const ce_entry *e, size_t at)
{
    cr_assert_leq(at + 4, e->n, "reading past the entry (%zu of %zu)", at, e->n);
    const unsigned char *p = e->b + at;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void ce_set_u32(ce_entry *e, size_t at, uint32_t v)
{
    cr_assert_leq(at + 4, e->n);
    for (int i = 0; i < 4; i++)
        e->b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

/* Inserts len bytes (copied first: they may be the entry's own) at `at`. */
static inline void ce_insert(ce_entry *e, size_t at, const unsigned char *bytes, size_t len)
{
    unsigned char *copy = malloc(len);
    memcpy(copy, bytes, len);
    e->b = realloc(e->b, e->n + len);
    memmove(e->b + at + len, e->b + at, e->n - at);
    memcpy(e->b + at, copy, len);
    e->n += len;
    free(copy);
}

static inline void ce_remove(ce_entry *e, size_t at, size_t len)
{
    cr_assert_leq(at + len, e->n);
    memmove(e->b + at, e->b + at + len, e->n - at - len);
    e->n -= len;
}

/* The offset of the u32 record count (after the codebook hash and the issues). */
static inline size_t ce_records(const ce_entry *e)
{
    size_t at = CE_CODINGS + CE_CODINGS_SIZE;
    uint32_t issues = ce_u32(e, at);
    at += 4;
    for (uint32_t i = 0; i < issues; i++)
        at += 4 + ce_u32(e, at);
    return at;
}

/* A record's u32 quotation count, which follows its id and hash. */
static inline size_t ce_quote_count_at(const ce_entry *e, size_t rec)
{
    return rec + 4 + ce_u32(e, rec) + 32;
}

/* The offset of quotation q of the record at rec (its start; end, turn and hit count follow, then
 * 16 bytes a hit), or 0 when the record has fewer. */
static inline size_t ce_quote(const ce_entry *e, size_t rec, uint32_t q)
{
    size_t at = ce_quote_count_at(e, rec);
    if (q >= ce_u32(e, at))
        return 0;
    at += 4;
    for (uint32_t i = 0; i < q; i++)
        at += 16 + 16 * (size_t)ce_u32(e, at + 12);
    return at;
}

static inline size_t ce_quote_size(const ce_entry *e, size_t quote)
{
    return 16 + 16 * (size_t)ce_u32(e, quote + 12);
}

/* The offset of hit h of the quotation at `quote`, or 0 when it has fewer. */
static inline size_t ce_hit(const ce_entry *e, size_t quote, uint32_t h)
{
    return h < ce_u32(e, quote + 12) ? quote + 16 + 16 * (size_t)h : 0;
}

static inline size_t ce_record_end(const ce_entry *e, size_t rec)
{
    uint32_t quotes = ce_u32(e, ce_quote_count_at(e, rec));
    if (!quotes)
        return ce_quote_count_at(e, rec) + 4;
    size_t last = ce_quote(e, rec, quotes - 1);
    return last + ce_quote_size(e, last);
}

/* The first record of code `id` (the one the writer made for the codebook it ran with), or 0. */
static inline size_t ce_record(const ce_entry *e, const char *id)
{
    size_t at = ce_records(e);
    uint32_t count = ce_u32(e, at);
    at += 4;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len = ce_u32(e, at);
        if (len == strlen(id) && at + 4 + len <= e->n && memcmp(e->b + at + 4, id, len) == 0)
            return at;
        at = ce_record_end(e, at);
    }
    return 0;
}

/* Sets the payload's size and CRC-32 in the header, as the writer does, writes the file back
 * and frees e. */
static inline void ce_sign_and_write(ce_entry *e)
{
    ce_set_u32(e, CE_PAYLOAD_SIZE, (uint32_t)(e->n - CE_HEADER));
    size_t len = strlen(e->path) + 16;
    char *payload = malloc(len);
    snprintf(payload, len, "%s.payload", e->path);
    FILE *f = fopen(payload, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(e->b + CE_HEADER, 1, e->n - CE_HEADER, f), e->n - CE_HEADER);
    fclose(f);
    /* gzip's last 8 bytes: the CRC-32 of the input, then its size mod 2^32, both little-endian. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "gzip -c '%s' | tail -c 8", payload);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    unsigned char trailer[8];
    size_t got = fread(trailer, 1, sizeof trailer, p);
    pclose(p);
    unlink(payload);
    free(payload);
    cr_assert_eq(got, sizeof trailer, "gzip gave %zu bytes of trailer", got);
    uint32_t isize = (uint32_t)trailer[4] | (uint32_t)trailer[5] << 8 | (uint32_t)trailer[6] << 16 |
                     (uint32_t)trailer[7] << 24;
    cr_assert_eq(isize, (uint32_t)(e->n - CE_HEADER), "gzip's trailer is not the payload's");
    memcpy(e->b + CE_PAYLOAD_SUM, trailer, 4);
    f = fopen(e->path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(e->b, 1, e->n, f), e->n);
    fclose(f);
    free(e->b);
    free(e->path);
    memset(e, 0, sizeof *e);
}

static inline void ce_free(ce_entry *e)
{
    free(e->b);
    free(e->path);
    memset(e, 0, sizeof *e);
}

#endif
