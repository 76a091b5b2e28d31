/* The quotation store: binary records in tmpfile()s (removed by the system when closed, even after
 * a crash), so a corpus of any size costs the same memory. Quotations are logged per code
 * (chunklog.h), so that the writers read each code's in corpus order in large sequential pieces;
 * uncoded turns in a log of their own. A record is a fixed head, its hits, then its text (UTF-8)
 * and a NUL, then its coder's name and a NUL (neither for the engine): the walks hand the texts
 * and names out where they lie in the piece read, with no copy to terminate them. */
#include "results_spill.h"

#include <string.h>
#include <sys/types.h>

#include "alloc.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "error.h"
#include "results_coder.h"

typedef struct rec_head {
    uint32_t code; /* QC_NONE32 for an uncoded turn */
    uint32_t doc, turn, start, end;
    uint32_t slot;      /* the turn's speaker slot in its document (speaker_count: unlabelled) */
    uint8_t role;       /* qc_role of the turn */
    uint8_t unlabelled; /* the turn has no speaker label */
    uint16_t coder_len; /* bytes of the coder's name after the text's NUL; 0: the engine */
    uint32_t hit_count;
    uint32_t text_len; /* bytes, the NUL after them not counted */
} rec_head;

typedef struct qc_spill_hit {
    uint32_t start, end, rule, line, column;
} rec_hit;

enum { QUOTES_BUF = 65536, UNCODED_BUF = 65536 };

static qc_chunklog *log_open(size_t keys, uint32_t buf_size)
{
    qc_chunklog *log = qc_calloc(1, sizeof *log);
    if (log && qc_chunklog_open(log, keys, buf_size) != 0) {
        qc_free(log);
        return NULL;
    }
    return log;
}

int qc_spill_open(qc_results *res, qc_error *err)
{
    /* Stream-only results keep no quotation records: the stream has them. */
    if ((!res->stream_only && !(res->quotes_log = log_open(res->code_count, QUOTES_BUF))) ||
        !(res->uncoded_log = log_open(1, UNCODED_BUF)))
        return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot create a temporary file for quotations");
    return QC_OK;
}

static void log_close(qc_chunklog **log)
{
    if (*log)
        qc_chunklog_close(*log);
    qc_free(*log);
    *log = NULL;
}

void qc_spill_close(qc_results *res)
{
    log_close(&res->quotes_log);
    log_close(&res->uncoded_log);
    qc_free(res->spill_buf);
    res->spill_buf = NULL;
    res->spill_cap = 0;
}

static int spill_error(const qc_chunklog *log, qc_error *err)
{
    if (!log->failed)
        return qc_error_nomem(err);
    return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot write the temporary quotation file: %s",
                        strerror(log->failed));
}

/* The bytes after a record's hits: its text and coder, each with its NUL. */
static size_t strings_len(const rec_head *h)
{
    return (size_t)h->text_len + 1 + (h->coder_len ? (size_t)h->coder_len + 1 : 0);
}

/* Appends a record to the prepared document's records: head, hits, text, coder. */
static int put_record(qc_res_prepared *p, uint32_t key, const rec_head *h, const rec_hit *hits, const char *text,
                      const char *coder)
{
    size_t len = sizeof *h + (size_t)h->hit_count * sizeof *hits + strings_len(h);
    if (len > UINT32_MAX || QC_GROW(p->rec, p->rec_cap, p->rec_len + len) != 0 ||
        QC_GROW(p->refs, p->ref_cap, p->ref_count + 1) != 0)
        return -1;
    p->refs[p->ref_count++] = (qc_res_rec_ref){key, (uint32_t)len, p->rec_len};
    unsigned char *at = p->rec + p->rec_len;
    p->rec_len += len;
    memcpy(at, h, sizeof *h);
    at += sizeof *h;
    if (h->hit_count && hits) {
        memcpy(at, hits, (size_t)h->hit_count * sizeof *hits);
        at += (size_t)h->hit_count * sizeof *hits;
    }
    memcpy(at, text, h->text_len);
    at += h->text_len;
    *at++ = '\0';
    if (h->coder_len && coder) {
        memcpy(at, coder, h->coder_len);
        at[h->coder_len] = '\0';
    }
    return 0;
}

/* A record's head for a span of a turn; doc is filled in when merged. The speaker is kept as the
 * document's slot, not the respondent: a quotation is listed with its turn's label as written,
 * while respondents compare labels without ASCII case ("s7" counts as S7). */
static void fill_head(rec_head *h, const qc_document *doc, uint32_t turn, uint32_t start, uint32_t end)
{
    memset(h, 0, sizeof *h);
    const qc_doc_turn *t = &doc->turns[turn];
    int32_t sp = t->speaker;
    size_t slot = sp >= 0 && (size_t)sp < doc->speaker_count ? (size_t)sp : doc->speaker_count;
    h->turn = turn;
    h->start = start;
    h->end = end;
    h->slot = (uint32_t)slot;
    h->role = t->role;
    h->unlabelled = slot == doc->speaker_count;
    if (end > doc->length)
        h->end = (uint32_t)doc->length;
    if (h->start > h->end)
        h->start = h->end;
    h->text_len = doc->cp_to_byte[h->end] - doc->cp_to_byte[h->start];
}

int qc_spill_prepare(const qc_results *res, const qc_document *doc, const qc_coding *coding, qc_res_prepared *p)
{
    size_t records = res->quotes_log ? coding->quote_count : 0; /* none without a log (stream only) */
    for (size_t i = 0; i < records; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code < 0 || (size_t)q->code >= res->code_count || q->turn >= doc->turn_count)
            continue;
        rec_head h;
        fill_head(&h, doc, q->turn, q->start, q->end);
        h.code = (uint32_t)q->code;
        h.hit_count = q->hit_count;
        if (q->hit_count && QC_GROW(p->hits, p->hits_cap, q->hit_count) != 0)
            return -1;
        rec_hit *hits = p->hits;
        for (uint32_t k = 0; k < q->hit_count; k++) {
            const qc_hit_rec *hr = &coding->hits[q->hit_first + k];
            int32_t leaf = hr->leaf;
            int known = leaf >= 0 && (size_t)leaf < res->leaf_count;
            hits[k] = (rec_hit){hr->start, hr->end, hr->rule, known ? res->leaf_line[leaf] : 0,
                                known ? res->leaf_column[leaf] : 0};
        }
        /* One record per coder (coding_impl.h: who); only the engine's carries rule hits. */
        size_t nwho = coding->who ? coding->who[i].count : 0;
        for (size_t w = 0; w < (nwho ? nwho : 1); w++) {
            uint16_t coder = nwho ? coding->who_coders[coding->who[i].first + w] : 0;
            const char *name = coder && coder < coding->coder_name_count ? coding->coder_names[coder] : NULL;
            size_t len = name ? strlen(name) : 0;
            h.coder_len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
            h.hit_count = coder ? 0 : q->hit_count;
            if (put_record(p, h.code, &h, hits, doc->text + doc->cp_to_byte[h.start], name) != 0)
                return -1;
        }
    }
    for (size_t t = 0; t < doc->turn_count; t++) {
        const qc_doc_turn *turn = &doc->turns[t];
        if (turn->role == QC_ROLE_INTERVIEWER || p->touched[t])
            continue;
        rec_head h;
        fill_head(&h, doc, (uint32_t)t, turn->start, turn->end);
        h.code = QC_NONE32;
        if (put_record(p, QC_NONE32, &h, NULL, doc->text + doc->cp_to_byte[h.start], NULL) != 0)
            return -1;
    }
    return 0;
}

int qc_spill_merge(qc_results *res, const qc_res_prepared *p, uint32_t doc_index, qc_error *err)
{
    for (size_t i = 0; i < p->ref_count; i++) {
        const qc_res_rec_ref *r = &p->refs[i];
        int uncoded = r->key == QC_NONE32;
        qc_chunklog *log = uncoded ? res->uncoded_log : res->quotes_log;
        unsigned char *at = qc_chunklog_reserve(log, uncoded ? 0 : r->key, r->len);
        if (!at)
            return spill_error(log, err);
        memcpy(at, p->rec + r->offset, r->len);
        rec_head h;
        memcpy(&h, at, sizeof h);
        h.doc = doc_index;
        memcpy(at, &h, sizeof h);
        res->uncoded_records += (size_t)uncoded;
    }
    return QC_OK;
}

/* --- reading back --- */

typedef struct reader {
    const qc_results *res;
    qc_coded_quotation_fn fn;
    void *user;
    qc_hit *hits;
    size_t hits_cap;
} reader;

/* A walk's failure: short of memory (pieces and hits are read into growing buffers), or the file
 * not read back (or a record in it not whole). */
static int read_error(qc_error *err, int status)
{
    if (status == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot read the temporary quotation file back");
}

/* Decodes the record at data[*off] of a piece of len bytes into q (its hits into *hits, grown as
 * needed) and moves *off past it. 0, QC_ERR_IO when the record does not make sense, or QC_ERR_NOMEM. */
static int decode_record(const qc_results *res, const unsigned char *data, size_t len, size_t *off,
                         qc_result_quotation *q, qc_hit **hits, size_t *hits_cap)
{
    rec_head h;
    size_t at = *off;
    if (len - at < sizeof h)
        return QC_ERR_IO;
    memcpy(&h, data + at, sizeof h);
    at += sizeof h;
    size_t body = (size_t)h.hit_count * sizeof(rec_hit) + strings_len(&h);
    if (h.doc >= res->doc_count || (!h.unlabelled && h.slot >= res->docs[h.doc].speaker_count) || len - at < body)
        return QC_ERR_IO;
    if (h.hit_count && QC_GROW(*hits, *hits_cap, h.hit_count) != 0)
        return QC_ERR_NOMEM;
    for (uint32_t k = 0; k < h.hit_count; k++) {
        rec_hit r;
        memcpy(&r, data + at + k * sizeof r, sizeof r);
        (*hits)[k] = (qc_hit){r.start, r.end, r.rule, r.line, r.column};
    }
    at += (size_t)h.hit_count * sizeof(rec_hit);
    const char *text = (const char *)data + at, *coder = h.coder_len ? text + h.text_len + 1 : NULL;
    if (text[h.text_len] || (coder && coder[h.coder_len]))
        return QC_ERR_IO;
    at += strings_len(&h);
    q->code = h.code == QC_NONE32 ? QC_ALL_CODES : h.code;
    q->document = h.doc;
    q->document_id = res->docs[h.doc].id;
    q->speaker = h.unlabelled ? NULL : res->docs[h.doc].speakers[h.slot].label;
    q->role = (qc_role)h.role;
    q->turn = h.turn;
    q->start = h.start;
    q->end = h.end;
    q->text = text;
    q->text_len = h.text_len;
    q->hit_count = h.hit_count;
    q->hits = h.hit_count ? *hits : NULL;
    q->coder = coder;
    *off = at;
    return 0;
}

/* The records of one piece of a log, each handed to the reader's fn: 0, decode_record's failure,
 * or QC_ERR_CANCELLED when fn asked to stop (the walk hands it on). */
static int read_piece(const unsigned char *data, size_t len, void *user)
{
    reader *rd = user;
    size_t off = 0;
    while (off < len) {
        qc_result_quotation q;
        int r = decode_record(rd->res, data, len, &off, &q, &rd->hits, &rd->hits_cap);
        if (r != 0)
            return r;
        if (rd->fn(&q, q.coder, rd->user) != 0)
            return QC_ERR_CANCELLED;
    }
    return 0;
}

static int walk_log(qc_results *res, qc_chunklog *log, size_t key, unsigned char **buf, size_t *cap,
                    qc_coded_quotation_fn fn, void *user, qc_error *err)
{
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.res = res;
    rd.fn = fn;
    rd.user = user;
    int r = qc_chunklog_walk(log, key, buf, cap, read_piece, &rd);
    qc_free(rd.hits);
    if (r == QC_ERR_CANCELLED)
        return qc_error_set(err, QC_ERR_CANCELLED, NULL, 0, 0, -1, "stopped by the caller");
    return r != 0 ? read_error(err, r) : QC_OK;
}

int qc_spill_settle(qc_results *res, qc_error *err)
{
    int refused = qc_res_need_quotations(res, "cannot read quotations", NULL, err);
    if (refused)
        return refused;
    unsigned char *buf = NULL;
    size_t cap = 0;
    /* Walking a key with no records writes any pending big record and reads nothing. */
    int r = res->quotes_log->key_count
                ? qc_chunklog_walk(res->quotes_log, res->quotes_log->key_count, &buf, &cap, read_piece, NULL)
                : 0;
    qc_free(buf);
    return r != 0 ? read_error(err, r) : QC_OK;
}

int qc_spill_walk_code(qc_results *res, size_t code, unsigned char **buf, size_t *cap, qc_coded_quotation_fn fn,
                       void *user, qc_error *err)
{
    if (code >= res->code_count)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no code number %zu", code);
    int refused = qc_res_need_quotations(res, "cannot read quotations", NULL, err);
    if (refused)
        return refused;
    return walk_log(res, res->quotes_log, code, buf, cap, fn, user, err);
}

int qc_spill_foreach_quotation(qc_results *res, size_t code, qc_coded_quotation_fn fn, void *user, qc_error *err)
{
    if (code != QC_ALL_CODES && code >= res->code_count)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no code number %zu", code);
    int refused = qc_res_need_quotations(res, "cannot read quotations", NULL, err);
    if (refused)
        return refused;
    size_t first = code == QC_ALL_CODES ? 0 : code;
    size_t last = code == QC_ALL_CODES ? res->code_count : code + 1;
    int rc = QC_OK;
    for (size_t c = first; c < last && rc == QC_OK; c++)
        rc = walk_log(res, res->quotes_log, c, &res->spill_buf, &res->spill_cap, fn, user, err);
    return rc;
}

typedef struct uncoded_walk {
    qc_quotation_fn fn;
    void *user;
} uncoded_walk;

static int uncoded_one(const qc_result_quotation *q, const char *coder, void *user)
{
    (void)coder; /* uncoded turns have none */
    const uncoded_walk *w = user;
    return w->fn(q, w->user);
}

int qc_results_foreach_uncoded(qc_results *res, qc_quotation_fn fn, void *user, qc_error *err)
{
    /* Stream-only results keep them (the stream's end lists them). */
    int refused = res->stream_only ? QC_OK : qc_res_need_quotations(res, "cannot read the uncoded turns", NULL, err);
    if (refused)
        return refused;
    uncoded_walk w = {fn, user};
    return walk_log(res, res->uncoded_log, 0, &res->spill_buf, &res->spill_cap, uncoded_one, &w, err);
}

int qc_spill_uncoded_pieces(qc_results *res, size_t *count, qc_error *err)
{
    int refused = res->stream_only ? QC_OK : qc_res_need_quotations(res, "cannot read the uncoded turns", NULL, err);
    if (refused)
        return refused;
    int r = qc_chunklog_settle(res->uncoded_log);
    if (r != 0)
        return read_error(err, r);
    *count = qc_chunklog_piece_count(res->uncoded_log, 0);
    return QC_OK;
}

int qc_spill_walk_uncoded_piece(const qc_results *res, size_t piece, qc_chunklog_cursor *cur, qc_quotation_fn fn,
                                void *user, qc_error *err)
{
    uncoded_walk w = {fn, user};
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.res = res;
    rd.fn = uncoded_one;
    rd.user = &w;
    int r = qc_chunklog_piece(res->uncoded_log, cur, piece);
    r = r == 1 ? read_piece(cur->data, cur->len, &rd) : r;
    qc_free(rd.hits);
    if (r == QC_ERR_CANCELLED)
        return qc_error_set(err, QC_ERR_CANCELLED, NULL, 0, 0, -1, "stopped by the caller");
    return r != 0 ? read_error(err, r) : QC_OK;
}

/* --- every code's quotations in document order (results.xml format 2) --- */

/* A code's place in the merge: its cursor and the head of its next record. */
typedef struct merge_src {
    qc_chunklog_cursor cur;
    size_t off;
    rec_head head;
} merge_src;

/* A heap entry: the source's next record's order (document and start, then end and code) packed
 * into two integers, next to the source, so that sifting compares without following pointers. */
typedef struct merge_key {
    uint64_t hi, lo;
    size_t src;
} merge_key;

static inline int key_before(const merge_key *a, const merge_key *b)
{
    return a->hi != b->hi ? a->hi < b->hi : a->lo < b->lo;
}

static inline void key_set(merge_key *k, const rec_head *h)
{
    k->hi = (uint64_t)h->doc << 32 | h->start;
    k->lo = (uint64_t)h->end << 32 | h->code;
}

static void sift_down(merge_key *heap, size_t n, size_t i)
{
    merge_key top = heap[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        if (l + 1 < n && key_before(&heap[l + 1], &heap[l]))
            l++;
        if (!key_before(&heap[l], &top))
            break;
        heap[i] = heap[l];
        i = l;
    }
    heap[i] = top;
}

/* Reads the head of the source's next record, loading its next piece when one is used up: 1, 0
 * when the code has no more, QC_ERR_IO (a read error, a record not whole) or QC_ERR_NOMEM. */
static int src_next(const qc_chunklog *log, merge_src *m)
{
    if (!m->cur.data || m->off >= m->cur.len) {
        int r = qc_chunklog_next_piece(log, &m->cur);
        if (r <= 0)
            return r;
        m->off = 0;
    }
    if (m->cur.len - m->off < sizeof m->head)
        return QC_ERR_IO;
    memcpy(&m->head, m->cur.data + m->off, sizeof m->head);
    /* The record is decoded when the merge comes back to this code, after up to a record of each
     * other code: its hits and the end of its text (the NUL checked) asked for now are then in
     * cache. */
    size_t body = (size_t)m->head.hit_count * sizeof(rec_hit) + m->head.text_len;
    if (m->cur.len - m->off - sizeof m->head > body) {
        const unsigned char *rec = m->cur.data + m->off + sizeof m->head;
        __builtin_prefetch(rec + 64);
        __builtin_prefetch(rec + body);
    }
    return 1;
}

int qc_spill_walk_by_document(qc_results *res, qc_coded_quotation_fn fn, void *user, qc_error *err)
{
    int refused = qc_res_need_quotations(res, "cannot read quotations", NULL, err);
    if (refused)
        return refused;
    qc_chunklog *log = res->quotes_log;
    int settled = qc_chunklog_settle(log);
    if (settled != 0)
        return read_error(err, settled);
    size_t n = res->code_count;
    merge_src *src = qc_calloc(n ? n : 1, sizeof *src);
    merge_key *heap = qc_calloc(n ? n : 1, sizeof *heap);
    qc_hit *hits = NULL;
    size_t hits_cap = 0, live = 0;
    int rc = src && heap ? QC_OK : qc_error_nomem(err);
    for (size_t c = 0; c < n && rc == QC_OK; c++) {
        src[c].cur.key = c;
        int r = src_next(log, &src[c]);
        if (r < 0)
            rc = read_error(err, r);
        else if (r > 0) {
            key_set(&heap[live], &src[c].head);
            heap[live++].src = c;
        }
    }
    for (size_t i = live / 2; rc == QC_OK && i-- > 0;)
        sift_down(heap, live, i);
    while (rc == QC_OK && live) {
        merge_src *m = &src[heap[0].src];
        qc_result_quotation q;
        int bad = decode_record(res, m->cur.data, m->cur.len, &m->off, &q, &hits, &hits_cap);
        if (bad != 0) {
            rc = read_error(err, bad);
            break;
        }
        if (fn(&q, q.coder, user) != 0) {
            rc = qc_error_set(err, QC_ERR_CANCELLED, NULL, 0, 0, -1, "stopped by the caller");
            break;
        }
        int r = src_next(log, m);
        if (r < 0) {
            rc = read_error(err, r);
            break;
        }
        if (r == 0)
            heap[0] = heap[--live];
        else
            key_set(&heap[0], &m->head);
        sift_down(heap, live, 0);
    }
    for (size_t c = 0; src && c < n; c++)
        qc_chunklog_cursor_free(&src[c].cur);
    qc_free(src);
    qc_free(heap);
    qc_free(hits);
    return rc;
}
