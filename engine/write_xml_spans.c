/* Format 2's <documents>: each document with its spans, each span's text once and its codes inside
 * it (docs/results-format-2.md). Written two ways that give the same bytes: after the run, from the
 * per-code quotation logs merged by document and span (qc_xw_documents_from_logs), or while coding
 * (qc_results_stream_xml): each document's spans rendered from its coding by the thread that
 * prepared its additions, and appended in input order by qc_results_add (or, with one job and for
 * a large document, only sorted there and rendered into the file by qc_results_add). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "codebook_impl.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "error.h"
#include "fileio.h"
#include "merge_sort.h"
#include "results_coder.h"
#include "results_impl.h"
#include "results_spill.h"
#include "write_xml_impl.h"

/* ' hits="rule:start-end rule:start-end"': numbers only, nothing to escape, written in place. */
static void hits_attr(xw *x, const qc_result_quotation *q)
{
    size_t total = 8 + q->hit_count * 63;
    char *at = qc_xml_out_room(&x->o, total);
    if (!at)
        return;
    char *d = at;
    memcpy(d, " hits=\"", 7);
    d += 7;
    for (size_t h = 0; h < q->hit_count; h++) {
        if (h)
            *d++ = ' ';
        d = qc_xml_put_u64(d, q->hits[h].rule);
        *d++ = ':';
        d = qc_xml_put_u64(d, q->hits[h].start);
        *d++ = '-';
        d = qc_xml_put_u64(d, q->hits[h].end);
    }
    *d++ = '"';
    x->o.len += (size_t)(d - at);
}

/* The span open in a writer. Its tags are written as raw bytes, not through the writer's element
 * stack, at the writer's depth (inside the document), so that a span costs a few reservations of
 * the buffer: opening the spans of the 20 MB benchmark, their text included, took 70.5 million
 * instructions through the stack, 51.4 million so (callgrind). */
typedef struct span_state {
    int open;
    size_t start, end, turn;
} span_state;

static void span_close(xw *x, span_state *sp)
{
    if (sp->open) {
        size_t indent = x->o.depth * 2;
        char *at = qc_xml_out_room(&x->o, indent + 8);
        if (at) {
            memset(at, ' ', indent);
            memcpy(at + indent, "</span>\n", 8);
            x->o.len += indent + 8;
        }
    }
    sp->open = 0;
}

/* Opens q's span unless it is the one open. */
static void span_open(xw *x, span_state *sp, const qc_result_quotation *q)
{
    if (sp->open && (q->start != sp->start || q->end != sp->end || q->turn != sp->turn))
        span_close(x, sp);
    if (sp->open)
        return;
    qc_xml_out_open_children(&x->o); /* the document's start tag, before its first span */
    size_t indent = x->o.depth * 2;
    /* '<span turn="' and 20 digits, or ' start="" end="">\n' with 40 digits and the text's indent and
     * '<text>' */
    char *at = qc_xml_out_room(&x->o, indent + 2 + 70 + 40);
    if (!at)
        return;
    memset(at, ' ', indent);
    char *d = at + indent;
    memcpy(d, "<span turn=\"", 12);
    d = qc_xml_put_u64(d + 12, q->turn);
    *d++ = '"';
    x->o.len += (size_t)(d - at);
    if (q->speaker)
        qc_xw_repeated_attr(x, &x->speaker, "speaker", 7, q->speaker);
    qc_xw_repeated_attr(x, &x->role, "role", 4, qc_role_name(q->role));
    at = qc_xml_out_room(&x->o, indent + 2 + 70 + 40);
    if (!at)
        return;
    d = at;
    memcpy(d, " start=\"", 8);
    d = qc_xml_put_u64(d + 8, q->start);
    memcpy(d, "\" end=\"", 7);
    d = qc_xml_put_u64(d + 7, q->end);
    memcpy(d, "\">\n", 3);
    d += 3;
    memset(d, ' ', indent + 2);
    d += indent + 2;
    memcpy(d, "<text>", 6);
    x->o.len += (size_t)(d + 6 - at);
    qc_xml_out_text(&x->o, q->text, q->text_len ? q->text_len : strlen(q->text));
    qc_xml_out_put(&x->o, "</text>\n", 8);
    sp->open = 1;
    sp->start = q->start;
    sp->end = q->end;
    sp->turn = q->turn;
}

/* One code of a span, which is one quotation of format 1 (coder: NULL for the engine's, with its
 * hits), opening the span first unless q lies in the open one. */
static void span_code(xw *x, span_state *sp, const qc_result_quotation *q, const char *coder, const char *code_id)
{
    span_open(x, sp, q);
    size_t indent = x->o.depth * 2 + 2; /* inside the span, which is not on the writer's stack */
    char *at = qc_xml_out_room(&x->o, indent + 5);
    if (!at)
        return;
    memset(at, ' ', indent);
    memcpy(at + indent, "<code", 5);
    x->o.len += indent + 5;
    attr(x, "id", code_id);
    if (coder)
        attr(x, "coder", coder);
    else if (q->hit_count)
        hits_attr(x, q);
    qc_xml_out_put(&x->o, "/>\n", 3);
}

/* The last hit place written ('start-end'): the codes of a span mostly have their hits on the same
 * words, so that the next hit is at the same place more than half the time (58 % in the 20 MB
 * benchmark), and its digits are copied instead of divided out again. len 0: none yet. */
typedef struct hit_place {
    uint64_t key; /* start << 32 | end */
    size_t len;
    char bytes[24]; /* two numbers of at most 10 digits and '-' */
} hit_place;

/* The engine's code `code` in the open span, with its hits h[0, n), as the generic writer gives it:
 * the element's start copied from t (16 bytes at a time, which t's padding and the room reserved
 * allow), the numbers written in place, all in one reservation of the buffer. */
static void engine_code(xw *x, const attr_table *t, size_t code, const qc_hit_rec *h, size_t n, hit_place *last)
{
    size_t tag = t->at[code + 1] - t->at[code] - 3; /* without its '/>\n' */
    /* the tag and what the copy may write past it, ' hits=""', each hit (' rule:start-end', three
     * numbers of at most 10 digits, or rule, ':' and a whole hit_place copied) and '/>\n' */
    char *at = qc_xml_out_room(&x->o, tag + 15 + 8 + 40 * n + 3);
    if (!at)
        return;
    const char *from = t->bytes.data + t->at[code];
    for (size_t i = 0; i < tag; i += 16)
        memcpy(at + i, from + i, 16);
    char *d = at + tag;
    if (n) {
        memcpy(d, " hits=\"", 7);
        d += 7;
        for (size_t i = 0; i < n; i++) {
            d = qc_xml_put_u64(d, h[i].rule);
            *d++ = ':';
            uint64_t key = (uint64_t)h[i].start << 32 | h[i].end;
            if (last->len && last->key == key) {
                memcpy(d, last->bytes, sizeof last->bytes);
                d += last->len;
            } else {
                char *place = d;
                d = qc_xml_put_u64(d, h[i].start);
                *d++ = '-';
                d = qc_xml_put_u64(d, h[i].end);
                last->key = key;
                last->len = (size_t)(d - place);
                memcpy(last->bytes, place, last->len);
            }
            *d++ = ' ';
        }
        d[-1] = '"';
    }
    memcpy(d, "/>\n", 3);
    x->o.len += (size_t)(d + 3 - at);
}

/* --- after the run, from the logs --- */

typedef struct span_walk {
    xw *x;
    const qc_results *res;
    size_t next_doc; /* the first document not yet opened */
    int in_doc;
    span_state sp;
} span_walk;

/* Closes the open document and writes those before `doc` (none of their text coded) whole. */
static void documents_up_to(span_walk *w, size_t doc)
{
    span_close(w->x, &w->sp);
    if (w->in_doc)
        end(w->x);
    w->in_doc = 0;
    for (; w->next_doc < doc && !w->x->o.error; w->next_doc++) {
        qc_xw_document_open(w->x, w->res, w->next_doc);
        end(w->x);
    }
}

static int write_span_code(const qc_result_quotation *q, const char *coder, void *user)
{
    span_walk *w = user;
    if (!w->in_doc || q->document >= w->next_doc) {
        documents_up_to(w, q->document);
        qc_xw_document_open(w->x, w->res, q->document);
        w->next_doc = q->document + 1;
        w->in_doc = 1;
    }
    span_code(w->x, &w->sp, q, coder, w->res->cb->codes[q->code].id);
    return w->x->o.error != 0;
}

int qc_xw_documents_from_logs(xw *x, qc_results *res, qc_error *err)
{
    span_walk w;
    memset(&w, 0, sizeof w);
    w.x = x;
    w.res = res;
    int rc = qc_spill_walk_by_document(res, write_span_code, &w, err);
    if (rc == QC_ERR_CANCELLED && (x->o.error || x->failed))
        rc = QC_OK; /* the writer's own failure, reported by the caller */
    if (rc != QC_OK)
        return rc;
    documents_up_to(&w, res->doc_count);
    return QC_OK;
}

/* --- while coding: a document's spans from its coding --- */

/* A stream (the results' own, qc_results_stream_xml): its writer and what renderers share. */
struct qc_res_stream {
    char *path;
    qc_atomic_file af;
    xw x;
    int uncoded_text;     /* qc_write_options.uncoded_text */
    attr_table code_tags; /* xw.code_tags for the renderers; count 0 when memory was short */
};

/* A quotation of the coding, in the order of the logs' merge: start, end, code, then the coding's
 * own order (one code's quotations of a span come in it, as its log has them). */
typedef struct qc_span_item {
    uint64_t place; /* start << 32 | end, clamped as the logs' records are */
    uint32_t code;
    uint32_t index; /* in the coding */
} qc_span_item;

/* by_place: a[0, n) is in the order of (code, index) already, as a coding's quotations are (by
 * code, start, end): the sort being stable, comparing places alone then gives the same order. */
static inline int item_less(const qc_span_item *x, const qc_span_item *y, int by_place)
{
    if (by_place || x->place != y->place)
        return x->place < y->place;
    if (x->code != y->code)
        return x->code < y->code;
    return x->index < y->index;
}

/* Sorts a[0, n) with tmp (room for n) by item_less, stably (merge_sort.h). Written out because
 * qsort (its comparison called through a pointer) showed as 5 % of a format-2 run's profile; this
 * takes 1.6 % fewer instructions from the whole 20 MB run (callgrind), a difference the VM's
 * timing noise hides. Each caller's by_place a constant: comparing places alone took
 * qc_res_render_spans, mostly this sort, from 97.7 to 78.1 million instructions in that run. */
QC_DEFINE_MERGE_SORT(merge_items, qc_span_item, item_less)

static inline void sort_items(qc_span_item *a, qc_span_item *tmp, size_t n, int by_place)
{
    qc_span_item *sorted = merge_items(a, tmp, n, by_place);
    if (sorted != a)
        memcpy(a, sorted, n * sizeof *a);
}

/* The number of bits v takes (0 for 0). */
static unsigned bit_length(uint64_t v)
{
    return v ? 64 - (unsigned)__builtin_clzll(v) : 0;
}

/* Sorts a[0, n) by place alone, stably, with tmp (room for n), as sort_items(..., 1) does: least
 * significant byte first over the key start << len_bits | (end - start), which orders as the
 * place does; start_bits holds every start (the document's length) and len_bits every length, so
 * that the places of a 100 000-character document with quotations shorter than 2048 characters
 * are a 28-bit key, four passes. The items come in a few hundred sorted runs (one per code), which
 * the merge sort compared item by item six or seven times over; this took qc_res_render_spans of
 * the 20 MB benchmark from 78.1 to 50.2 million instructions (callgrind). */
static void radix_items(qc_span_item *a, qc_span_item *tmp, size_t n, unsigned start_bits, unsigned len_bits)
{
    enum { MOST = 8 }; /* passes: a key of up to 64 bits */
    unsigned passes = (start_bits + len_bits + 7) / 8;
    uint32_t count[MOST][256];
    memset(count, 0, passes * sizeof count[0]);
    /* The keys in place of the places while sorting, and the digits counted. */
    for (size_t i = 0; i < n; i++) {
        uint64_t start = a[i].place >> 32, key = start << len_bits | ((a[i].place & UINT32_MAX) - start);
        a[i].place = key;
        for (unsigned p = 0; p < passes; p++)
            count[p][(key >> (8 * p)) & 255]++;
    }
    qc_span_item *from = a, *to = tmp;
    for (unsigned p = 0, shift = 0; p < passes; p++, shift += 8) {
        uint32_t *c = count[p];
        if (c[(from[0].place >> shift) & 255] == n)
            continue; /* one digit for all: the order stands */
        uint32_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            uint32_t k = c[d];
            c[d] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++)
            to[c[(from[i].place >> shift) & 255]++] = from[i];
        qc_span_item *t = from;
        from = to;
        to = t;
    }
    uint64_t len_mask = ((uint64_t)1 << len_bits) - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t start = from[i].place >> len_bits;
        a[i] = (qc_span_item){start << 32 | (start + (from[i].place & len_mask)), from[i].code, from[i].index};
    }
}

/* The fragment writer's full buffer goes to the prepared document's bytes; the same buffer goes on. */
static int xml_sink(void *user, char **buf, size_t len, size_t *cap)
{
    (void)cap;
    qc_buf *b = user;
    qc_buf_append(b, *buf, len);
    return qc_buf_failed(b) ? ENOMEM : 0;
}

enum { FRAGMENT_BUF = 1 << 16 };

/* The quotation of a coding's record qr at place (start << 32 | end, clamped): what a span needs,
 * without code or hits. */
static void quotation_at(qc_result_quotation *q, const qc_document *doc, const qc_quote_rec *qr, uint64_t place)
{
    const qc_doc_turn *t = &doc->turns[qr->turn];
    size_t slot = t->speaker >= 0 && (size_t)t->speaker < doc->speaker_count ? (size_t)t->speaker : doc->speaker_count;
    memset(q, 0, sizeof *q);
    q->speaker = slot < doc->speaker_count ? (doc->speakers[slot] ? doc->speakers[slot] : "") : NULL;
    q->role = (qc_role)t->role;
    q->turn = qr->turn;
    q->start = (size_t)(place >> 32);
    q->end = (size_t)(place & UINT32_MAX);
    q->text = doc->text + doc->cp_to_byte[q->start];
    q->text_len = doc->cp_to_byte[q->end] - doc->cp_to_byte[q->start];
}

/* The spans of the sorted items into x. */
static void render_items(xw *x, const qc_results *res, const qc_document *doc, const qc_coding *coding,
                         const qc_span_item *items, size_t count, qc_hit *hits)
{
    const attr_table *tags = x->code_tags;
    span_state sp;
    memset(&sp, 0, sizeof sp);
    hit_place last;
    memset(&last, 0, sizeof last);
    for (size_t k = 0; k < count && !x->o.error; k++) {
        const qc_quote_rec *qr = &coding->quotes[items[k].index];
        uint64_t place = items[k].place;
        size_t nwho = coding->who ? coding->who[items[k].index].count : 0;
        qc_result_quotation q;
        if (!nwho && tags && items[k].code < tags->count) {
            /* The engine's alone, most of all: no quotation is built unless a span opens. */
            if (!sp.open || qr->turn != sp.turn || (place >> 32) != sp.start || (place & UINT32_MAX) != sp.end) {
                quotation_at(&q, doc, qr, place);
                span_open(x, &sp, &q);
            }
            engine_code(x, tags, items[k].code, coding->hits + qr->hit_first, qr->hit_count, &last);
            continue;
        }
        quotation_at(&q, doc, qr, place);
        q.code = items[k].code;
        for (uint32_t h = 0; h < qr->hit_count; h++) {
            const qc_hit_rec *hr = &coding->hits[qr->hit_first + h];
            hits[h] = (qc_hit){hr->start, hr->end, hr->rule, 0, 0};
        }
        q.hits = hits;
        const char *code_id = res->cb->codes[q.code].id;
        /* One code of the span per coder (coding_impl.h: who); only the engine's carries hits. */
        for (size_t w = 0; w < (nwho ? nwho : 1); w++) {
            uint16_t coder = nwho ? coding->who_coders[coding->who[items[k].index].first + w] : 0;
            const char *name = coder && coder < coding->coder_name_count ? coding->coder_names[coder] : NULL;
            q.hit_count = coder ? 0 : qr->hit_count;
            /* A coder whose name is unknown or empty is written with none, as the logs' records
             * (which keep the name's length) give it back. */
            span_code(x, &sp, &q, name && *name ? name : NULL, code_id);
        }
    }
    span_close(x, &sp);
}

/* The items from the tally's quotations (p->sorted: the same ones, by turn, start and end, and
 * in the coding's order where those are equal), when they are in the items' order: by place, code
 * and index, each after the one before. A turn's text lies after the turns before it, so they
 * nearly always are, and the sort by place is saved (two thirds of preparing the spans); else 0,
 * and the items are made and sorted. Their most hits in *most_hits. */
static int from_tally(qc_res_prepared *p, const qc_document *doc, size_t *most_hits)
{
    const roll_item *r = p->sorted;
    qc_span_item *items = p->span_items;
    uint32_t length = doc->length < UINT32_MAX ? (uint32_t)doc->length : UINT32_MAX, most = 0;
    for (size_t i = 0; i < p->sorted_count; i++) {
        uint32_t s = (uint32_t)(r[i].place >> 32), e = (uint32_t)r[i].place;
        if (e > length)
            e = length;
        if (s > e)
            s = e;
        qc_span_item it = {(uint64_t)s << 32 | e, r[i].code, r[i].index};
        if (i && (it.place < items[i - 1].place ||
                  (it.place == items[i - 1].place &&
                   (it.code < items[i - 1].code || (it.code == items[i - 1].code && it.index <= items[i - 1].index)))))
            return 0;
        items[i] = it;
        most = r[i].hits > most ? r[i].hits : most;
    }
    *most_hits = most;
    return 1;
}

/* Text a document may have for its spans to be rendered ahead on the thread that prepares it. */
#define SPANS_AHEAD_BYTES ((size_t)4 << 20)

int qc_res_render_spans(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p)
{
    qc_buf_clear(&p->xml);
    p->spans_later = 0;
    p->span_count = 0;
    size_t n = 0, most_hits = 0;
    uint32_t longest = 0;
    int code_order = 1; /* the items come by code (then index) */
    /* The items, then as many again for the sort. */
    if (coding->quote_count && QC_GROW(p->span_items, p->span_items_cap, 2 * coding->quote_count) != 0)
        return -1;
    /* In locals: the items' stores could otherwise be the coding's or the document's bytes,
     * reloaded after each. */
    const qc_quote_rec *quotes = coding->quotes;
    size_t quote_count = coding->quote_count, codes = res->code_count, turns = doc->turn_count;
    uint32_t length = doc->length < UINT32_MAX ? (uint32_t)doc->length : UINT32_MAX, last_code = 0;
    qc_span_item *items = p->span_items;
    int sorted = p->sorted && p->sorted_count && from_tally(p, doc, &most_hits);
    for (size_t i = 0; i < quote_count && !sorted; i++) {
        const qc_quote_rec *q = &quotes[i];
        if (q->code < 0 || (size_t)q->code >= codes || q->turn >= turns)
            continue;
        uint32_t s = q->start, e = q->end;
        if (e > length)
            e = length;
        if (s > e)
            s = e;
        if ((uint32_t)q->code < last_code)
            code_order = 0;
        last_code = (uint32_t)q->code;
        items[n++] = (qc_span_item){(uint64_t)s << 32 | e, (uint32_t)q->code, (uint32_t)i};
        if (q->hit_count > most_hits)
            most_hits = q->hit_count;
        if (e - s > longest)
            longest = e - s;
    }
    n = sorted ? p->sorted_count : n;
    if (!n)
        return 0;
    if (most_hits && QC_GROW(p->span_hits, p->span_hits_cap, most_hits) != 0)
        return -1;
    if (sorted)
        ; /* in order already */
    else if (code_order && n >= 64 && n <= UINT32_MAX)
        radix_items(p->span_items, p->span_items + n, n,
                    bit_length(doc->length < UINT32_MAX ? doc->length : UINT32_MAX), bit_length(longest));
    else if (code_order)
        sort_items(p->span_items, p->span_items + n, n, 1);
    else
        sort_items(p->span_items, p->span_items + n, n, 0);
    p->span_count = n;
    if (p->on_writer || doc->text_size > SPANS_AHEAD_BYTES) {
        p->spans_later = 1;
        return 0;
    }
    xw x;
    memset(&x, 0, sizeof x);
    /* Inside results, documents and the document. */
    if (qc_xml_out_begin_sink(&x.o, 3, qc_malloc(FRAGMENT_BUF), FRAGMENT_BUF, xml_sink, &p->xml) != 0) {
        qc_xml_out_free(&x.o);
        return -1;
    }
    x.code_tags = res->stream && res->stream->code_tags.count ? &res->stream->code_tags : NULL;
    render_items(&x, res, doc, coding, p->span_items, n, p->span_hits);
    return qc_xml_out_end(&x.o) != 0 || qc_buf_failed(&p->xml) ? -1 : 0;
}

/* --- the stream --- */

/* The spans' code elements, one per code of the codebook, written by the generic writer at a
 * span's depth (inside results, documents, document and span) so that they are its very bytes:
 * copying them instead of writing each one anew (measuring and escaping the same few hundred ids)
 * took the rendering of the 20 MB benchmark from 470 to 341 million instructions (callgrind). Fails
 * (count 0: written anew each time) only for memory. */
static void code_tags_make(attr_table *t, const qc_results *res)
{
    memset(t, 0, sizeof *t);
    t->bytes = (qc_buf)QC_BUF_INIT;
    t->at = qc_malloc((res->code_count + 1) * sizeof *t->at);
    qc_xml_out o;
    memset(&o, 0, sizeof o);
    int ok = t->at && qc_xml_out_begin_sink(&o, 4, qc_malloc(4096), 4096, xml_sink, &t->bytes) == 0;
    for (size_t c = 0; ok && c < res->code_count; c++) {
        t->at[c] = t->bytes.len + o.len; /* what the sink took, then what waits in the buffer */
        qc_xml_start_n(&o, "code", 4, NULL);
        qc_xml_attr_n(&o, "id", 2, res->cb->codes[c].id);
        qc_xml_end(&o);
    }
    if (ok)
        t->at[res->code_count] = t->bytes.len + o.len;
    /* engine_code copies 16 bytes at a time: it may read 15 past the last element */
    if (qc_xml_out_end(&o) != 0 || !ok || qc_buf_reserve(&t->bytes, 16) != 0) {
        qc_buf_free(&t->bytes);
        qc_free(t->at);
        memset(t, 0, sizeof *t);
        return;
    }
    t->count = res->code_count;
}

/* finished: the writer and its file were ended by qc_xw_finish; else they are abandoned. */
static void stream_free(qc_results *res, int finished)
{
    struct qc_res_stream *s = res->stream;
    res->stream = NULL;
    if (!s)
        return;
    if (!finished) {
        qc_xw_abort(&s->x);
        qc_atomic_abort(&s->af);
    }
    qc_buf_free(&s->code_tags.bytes);
    qc_free(s->code_tags.at);
    qc_free(s->path);
    qc_free(s);
}

int qc_results_stream_xml(qc_results *res, const char *path, const qc_write_options *opts, qc_error *err)
{
    if (!res || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_results_stream_xml: NULL argument");
    unsigned format = opts && opts->version >= 3 ? opts->format : 1;
    if (format != 2)
        return qc_error_set(err, QC_ERR_INVALID, path, 0, 0, -1,
                            "results.xml format %u cannot be written while coding: only format 2 can", format);
    if (res->counts_only)
        return qc_res_need_quotations(res, "cannot write results.xml", path, err);
    if (res->stream || res->doc_count)
        return qc_error_set(err, QC_ERR_INVALID, path, 0, 0, -1,
                            "results.xml can be streamed only once, before the first document is added");
    struct qc_res_stream *s = qc_calloc(1, sizeof *s);
    if (!s || !(s->path = qc_strdup(path))) {
        qc_free(s);
        return qc_error_nomem(err);
    }
    s->uncoded_text = !opts || opts->uncoded_text;
    int rc = qc_atomic_open_in(&s->af, path, qc_write_outputs(opts), err);
    if (rc != 0) {
        qc_free(s->path);
        qc_free(s);
        return rc;
    }
    if (qc_xw_open(&s->x, s->af.fp, res) != 0) {
        qc_atomic_abort(&s->af);
        qc_free(s->path);
        qc_free(s);
        return qc_error_nomem(err);
    }
    code_tags_make(&s->code_tags, res);
    res->stream = s;
    qc_xw_format2_head(&s->x, res, opts);
    if (s->x.o.error) {
        rc = qc_xw_error(&s->x, path, err);
        stream_free(res, 0);
        return rc;
    }
    return QC_OK;
}

int qc_res_stream_document(qc_results *res, size_t doc_index, const qc_document *doc, const qc_coding *coding,
                           const qc_res_prepared *p, qc_error *err)
{
    struct qc_res_stream *s = res->stream;
    qc_xw_document_open(&s->x, res, doc_index);
    if (p->spans_later && p->span_count) {
        /* The writer keeps the speaker it wrote last by its pointer, which from here on would be
         * this document's (freed after it): it starts and ends the spans knowing none. */
        memset(&s->x.speaker, 0, sizeof s->x.speaker);
        s->x.code_tags = s->code_tags.count ? &s->code_tags : NULL;
        render_items(&s->x, res, doc, coding, p->span_items, p->span_count, p->span_hits);
        s->x.code_tags = NULL;
        memset(&s->x.speaker, 0, sizeof s->x.speaker);
    } else if (p->xml.len) {
        qc_xml_out_open_children(&s->x.o);
        qc_xml_out_write_raw(&s->x.o, p->xml.data, p->xml.len);
    }
    end(&s->x);
    return s->x.o.error ? qc_xw_error(&s->x, s->path, err) : QC_OK;
}

int qc_res_stream_is(const qc_results *res, const char *path)
{
    return res && res->stream && path && strcmp(res->stream->path, path) == 0;
}

int qc_res_stream_finish(qc_results *res, qc_error *err)
{
    struct qc_res_stream *s = res->stream;
    qc_write_options opts = QC_WRITE_OPTIONS_INIT;
    opts.uncoded_text = s->uncoded_text;
    int rc = qc_xw_format2_tail(&s->x, res, &opts, err);
    rc = qc_xw_finish(&s->x, &s->af, s->path, rc, err);
    stream_free(res, 1); /* finished either way: committed or abandoned */
    return rc;
}

void qc_res_stream_abort(qc_results *res)
{
    stream_free(res, 0);
}
