#include "coding_digest.h"

#include <string.h>

#include "sha256.h"

/* Little-endian u32 fields, staged so that SHA-256 sees whole blocks rather than a call per field. */
typedef struct stage {
    qc_sha256_ctx ctx;
    unsigned char buf[1024];
    size_t len;
} stage;

static void flush(stage *s)
{
    qc_sha256_update(&s->ctx, s->buf, s->len);
    s->len = 0;
}

static inline void le32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}

static void put_u32(stage *s, uint32_t v)
{
    if (s->len + 4 > sizeof s->buf)
        flush(s);
    le32(s->buf + s->len, v);
    s->len += 4;
}

/* Every variable part is preceded by its length, so no two inputs give the same stream. */
static void put_bytes(stage *s, const void *data, size_t len)
{
    put_u32(s, (uint32_t)len);
    flush(s);
    qc_sha256_update(&s->ctx, data, len);
}

static void start(stage *s, const char *tag)
{
    s->len = 0;
    qc_sha256_init(&s->ctx);
    put_bytes(s, tag, strlen(tag));
}

void qc_coding_records_hash(const qc_coding *coding, unsigned char out[32])
{
    if (coding->records_known) {
        memcpy(out, coding->records, 32);
        return;
    }
    stage s;
    start(&s, "qcode coding records 1");
    put_u32(&s, (uint32_t)coding->quote_count);
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        size_t nwho = coding->who ? coding->who[i].count : 0;
        /* a quotation's five fields staged at once: one test of the room, not five */
        if (s.len + 20 > sizeof s.buf)
            flush(&s);
        unsigned char *b = s.buf + s.len;
        le32(b, (uint32_t)q->code);
        le32(b + 4, q->start);
        le32(b + 8, q->end);
        le32(b + 12, q->turn);
        le32(b + 16, (uint32_t)nwho);
        s.len += 20;
        for (size_t w = 0; w < nwho; w++) {
            uint16_t coder = coding->who_coders[coding->who[i].first + w];
            const char *name = coder && coder < coding->coder_name_count ? coding->coder_names[coder] : "";
            put_bytes(&s, name, strlen(name));
        }
    }
    flush(&s);
    qc_sha256_final(&s.ctx, out);
}

void qc_coding_digest(const qc_document *doc, const char *source_sha256, const unsigned char records[32], char hex[65])
{
    stage s;
    start(&s, "qcode coding digest 2");
    put_bytes(&s, source_sha256 ? source_sha256 : "", source_sha256 ? strlen(source_sha256) : 0);
    put_bytes(&s, doc->reading, sizeof doc->reading);
    put_u32(&s, (uint32_t)((uint64_t)doc->text_size >> 32));
    put_u32(&s, (uint32_t)doc->text_size);
    put_u32(&s, (uint32_t)((uint64_t)doc->length >> 32));
    put_u32(&s, (uint32_t)doc->length);
    put_bytes(&s, records, 32);
    flush(&s);
    qc_sha256_final_hex(&s.ctx, hex);
}
