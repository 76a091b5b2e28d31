#include "mapped_text.h"

#include <string.h>

#include "alloc.h"

void qc_mt_init(qc_mapped_text *mt)
{
    memset(mt, 0, sizeof *mt);
}

void qc_mt_free(qc_mapped_text *mt)
{
    qc_buf_free(&mt->text);
    qc_free(mt->pieces);
    memset(mt, 0, sizeof *mt);
}

int qc_mt_add(qc_mapped_text *mt, const char *s, size_t len, uint32_t src, int verbatim)
{
    if (mt->failed)
        return -1;
    if (len == 0)
        return 0;
    size_t at = mt->text.len;
    if (mt->count) {
        /* Continue the last piece when this one follows on from it, so a verbatim line stays one
         * piece however many times a reader appends to it. */
        const qc_mt_piece *last = &mt->pieces[mt->count - 1];
        int joins = verbatim ? (last->verbatim && (uint64_t)last->src + (at - last->at) == src)
                             : (!last->verbatim && last->src == src);
        if (joins)
            goto append;
    }
    if (QC_GROW(mt->pieces, mt->cap, mt->count + 1) < 0) {
        mt->failed = 1;
        return -1;
    }
    mt->pieces[mt->count++] = (qc_mt_piece){at, src, (uint8_t)(verbatim != 0)};
append:
    qc_buf_append(&mt->text, s, len);
    if (qc_buf_failed(&mt->text)) {
        mt->failed = 1;
        return -1;
    }
    return 0;
}

/* The index of the piece holding text offset off (the last piece starting at or before it). */
static size_t piece_of(const qc_mapped_text *mt, size_t off)
{
    size_t lo = 0, hi = mt->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (mt->pieces[mid].at <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

uint32_t qc_mt_source(const qc_mapped_text *mt, size_t off)
{
    if (!mt->count)
        return 0;
    const qc_mt_piece *p = &mt->pieces[piece_of(mt, off)];
    return p->verbatim ? p->src + (uint32_t)(off - p->at) : p->src;
}

int qc_mt_emit(const qc_mapped_text *mt, size_t from, size_t to, qc_doc_builder *b)
{
    if (from >= to || !mt->count)
        return 0;
    for (size_t i = piece_of(mt, from); i < mt->count && from < to; i++) {
        const qc_mt_piece *p = &mt->pieces[i];
        size_t end = i + 1 < mt->count ? mt->pieces[i + 1].at : mt->text.len;
        if (end > to)
            end = to;
        if (end <= from)
            continue;
        int rc = p->verbatim
                     ? qc_doc_builder_text(b, mt->text.data + from, end - from, p->src + (uint32_t)(from - p->at))
                     : qc_doc_builder_text_at(b, mt->text.data + from, end - from, p->src);
        if (rc < 0)
            return rc;
        from = end;
    }
    return 0;
}

static int ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void qc_mt_trim(const qc_mapped_text *mt, size_t *from, size_t *to)
{
    while (*from < *to && ascii_space(mt->text.data[*from]))
        (*from)++;
    while (*to > *from && ascii_space(mt->text.data[*to - 1]))
        (*to)--;
}
