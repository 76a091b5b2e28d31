/* Text assembled by a reader before it reaches the document builder, remembering where each
 * piece came from in the file: verbatim runs keep a byte-exact origin, decoded pieces (an entity,
 * a joining space) map to one source byte. The readers need it because speaker labels can only
 * be decided once all cues or paragraphs are known (a label counts when it occurs twice). */
#ifndef QC_MAPPED_TEXT_H
#define QC_MAPPED_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "doc_builder.h"

typedef struct qc_mt_piece {
    size_t at;    /* where the piece starts in text; it runs to the next piece's `at` */
    uint32_t src; /* source byte of its first byte (verbatim) or of all its bytes */
    uint8_t verbatim;
} qc_mt_piece;

typedef struct qc_mapped_text {
    qc_buf text;
    qc_mt_piece *pieces;
    size_t count, cap;
    int failed; /* an allocation failed: the readers check once at the end of a pass */
} qc_mapped_text;

void qc_mt_init(qc_mapped_text *mt);
void qc_mt_free(qc_mapped_text *mt);

/* Appends s[0..len) (valid UTF-8) that came from byte `src` of the file: byte i from src + i when
 * verbatim, every byte from src when not. Returns 0 or -1 (out of memory; mt->failed is set). */
int qc_mt_add(qc_mapped_text *mt, const char *s, size_t len, uint32_t src, int verbatim);

/* The source byte of text offset `off` (< text.len). */
uint32_t qc_mt_source(const qc_mapped_text *mt, size_t off);

/* Sends text[from..to) to the builder piece by piece (qc_doc_builder_text for verbatim pieces,
 * _text_at for the others). from and to must lie on code point boundaries. Returns the builder's
 * status. */
int qc_mt_emit(const qc_mapped_text *mt, size_t from, size_t to, qc_doc_builder *b);

/* Narrows [*from, *to) past ASCII white space at both ends. */
void qc_mt_trim(const qc_mapped_text *mt, size_t *from, size_t *to);

#endif
