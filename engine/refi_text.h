/* A source text from another tool, made into the text qcode reads (UTF-8, no BOM, LF, NFC) with
 * maps from the positions other tools count in to code points of that text:
 * - code points of the text as shipped (the spec; QualCoder),
 * - UTF-16 code units of the text as shipped (NVivo: CRLF counts 2, emoji count 2),
 * - code points with CRLF counted once (ATLAS.ti). */
#ifndef QC_REFI_TEXT_H
#define QC_REFI_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef enum qc_refi_unit {
    QC_REFI_UNIT_CP = 0,    /* code points of the text as shipped */
    QC_REFI_UNIT_UTF16 = 1, /* UTF-16 code units of the text as shipped */
    QC_REFI_UNIT_CP_LF = 2  /* code points after CRLF -> LF */
} qc_refi_unit;

const char *qc_refi_unit_name(qc_refi_unit unit);

typedef struct qc_refi_text {
    char *text;    /* normalised, NUL-terminated */
    size_t size;   /* bytes */
    size_t length; /* code points */
    size_t raw_cps, lf_cps;
    uint32_t *raw_to_lf;   /* raw_cps+1 entries */
    uint32_t *raw_u16;     /* raw_cps+1 entries: UTF-16 offset of each raw code point */
    uint32_t *lf_to_out;   /* lf_cps+1 entries */
    uint32_t *out_to_byte; /* length+1 entries: byte offset in text */
    size_t nuls_replaced;  /* NUL characters written as U+FFFD */
} qc_refi_text;

/* Prepares raw[0..size) (a BOM is dropped, each NUL becomes U+FFFD). Returns 0, -1 out of memory, -2 invalid UTF-8 (then
 * *bad is the byte offset), -3 too large (over 4 GiB). */
int qc_refi_text_prepare(qc_refi_text *t, const char *raw, size_t size, size_t *bad);
void qc_refi_text_free(qc_refi_text *t);

/* Maps a position counted in `unit` to a code point of the normalised text. Returns 0; 1 when it
 * fell inside a surrogate pair (rounded down); -1 when it lies past the end. */
int qc_refi_text_map(const qc_refi_text *t, qc_refi_unit unit, int64_t pos, size_t *out);

/* The UTF-16 offset of each code point of an (already normalised) text: the unit NVivo counts
 * in. Fills u16[0..length] and returns 0, or -1 for invalid UTF-8. */
int qc_refi_utf16_offsets(const char *text, size_t size, uint32_t *u16, size_t length);

#endif
