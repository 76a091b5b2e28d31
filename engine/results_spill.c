/* The quotation store: binary records in tmpfile()s (removed by the system when closed, even after
 * a crash), so a corpus of any size costs the same memory. A record is a fixed head, its hits,
 * then its text (UTF-8, no NUL), then its coder's name (none for the engine). */
#include "results_spill.h"

#include <string.h>
#include <sys/types.h>

#include "alloc.h"
#include "buf.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "error.h"
#include "results_coder.h"

typedef struct rec_head {
    uint32_t code; /* QC_NONE32 for an uncoded turn */
    uint32_t doc, turn, start, end;
    uint32_t resp;      /* respondent index */
    uint8_t role;       /* qc_role of the turn */
    uint8_t unlabelled; /* the turn has no speaker label */
    uint16_t coder_len; /* bytes of the coder's name after the text; 0: the engine */
    uint32_t hit_count;
    uint32_t text_len; /* bytes */
} rec_head;

typedef struct rec_hit {
    uint32_t start, end, rule, line, column;
} rec_hit;

int qc_spill_open(qc_results *res, qc_error *err)
{
    res->quotes_fp = tmpfile();
    res->uncoded_fp = res->quotes_fp ? tmpfile() : NULL;
    if (!res->quotes_fp || !res->uncoded_fp)
        return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot create a temporary file for quotations");
    return QC_OK;
}

void qc_spill_close(qc_results *res)
{
    if (res->quotes_fp)
        fclose(res->quotes_fp);
    if (res->uncoded_fp)
        fclose(res->uncoded_fp);
    res->quotes_fp = res->uncoded_fp = NULL;
}

static int spill_error(qc_error *err)
{
    return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot write the temporary quotation file (disk full?)");
}

/* Puts a stream back into appending after it was read. */
static int to_end(FILE *fp, int *reading)
{
    if (!*reading)
        return 0;
    *reading = 0;
    return fseeko(fp, 0, SEEK_END);
}

static int write_record(FILE *fp, const rec_head *h, const rec_hit *hits, const char *text, const char *coder,
                        uint64_t *end)
{
    if (fwrite(h, sizeof *h, 1, fp) != 1)
        return -1;
    if (hits && h->hit_count && fwrite(hits, sizeof *hits, h->hit_count, fp) != h->hit_count)
        return -1;
    if (h->text_len && fwrite(text, 1, h->text_len, fp) != h->text_len)
        return -1;
    if (h->coder_len && fwrite(coder, 1, h->coder_len, fp) != h->coder_len)
        return -1;
    *end += sizeof *h + (uint64_t)h->hit_count * sizeof *hits + h->text_len + h->coder_len;
    return 0;
}

static void fill_head(rec_head *h, const qc_document *doc, uint32_t doc_index, uint32_t turn, uint32_t start,
                      uint32_t end, const long *resp)
{
    memset(h, 0, sizeof *h);
    const qc_doc_turn *t = &doc->turns[turn];
    int32_t sp = t->speaker;
    size_t slot = sp >= 0 && (size_t)sp < doc->speaker_count ? (size_t)sp : doc->speaker_count;
    h->doc = doc_index;
    h->turn = turn;
    h->start = start;
    h->end = end;
    h->resp = (uint32_t)resp[slot];
    h->role = t->role;
    h->unlabelled = slot == doc->speaker_count;
    if (end > doc->length)
        h->end = (uint32_t)doc->length;
    if (h->start > h->end)
        h->start = h->end;
    h->text_len = doc->cp_to_byte[h->end] - doc->cp_to_byte[h->start];
}

int qc_spill_document(qc_results *res, const qc_document *doc, const qc_coding *coding, uint32_t doc_index,
                      const long *resp, const uint8_t *touched, qc_error *err)
{
    if (to_end(res->quotes_fp, &res->quotes_reading) != 0 || to_end(res->uncoded_fp, &res->uncoded_reading) != 0)
        return spill_error(err);
    rec_hit *hits = NULL;
    size_t hits_cap = 0;
    int32_t run_code = -1;
    for (size_t i = 0; i < coding->quote_count; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        if (q->code < 0 || (size_t)q->code >= res->code_count || q->turn >= doc->turn_count)
            continue;
        rec_head h;
        fill_head(&h, doc, doc_index, q->turn, q->start, q->end, resp);
        h.code = (uint32_t)q->code;
        h.hit_count = q->hit_count;
        if (q->hit_count && QC_GROW(hits, hits_cap, q->hit_count) != 0) {
            qc_free(hits);
            return qc_error_nomem(err);
        }
        for (uint32_t k = 0; k < q->hit_count; k++) {
            const qc_hit_rec *hr = &coding->hits[q->hit_first + k];
            int32_t leaf = hr->leaf;
            int known = leaf >= 0 && (size_t)leaf < res->leaf_count;
            hits[k] = (rec_hit){hr->start, hr->end, hr->rule, known ? res->leaf_line[leaf] : 0,
                                known ? res->leaf_column[leaf] : 0};
        }
        /* A document's quotations of one code are consecutive (the coding is sorted by code). */
        qc_res_code_runs *cr = &res->code_runs[q->code];
        if (run_code != q->code) {
            if (QC_GROW(cr->runs, cr->cap, cr->count + 1) != 0) {
                qc_free(hits);
                return qc_error_nomem(err);
            }
            cr->runs[cr->count++] = (qc_res_run){res->quotes_end, 0};
            run_code = q->code;
        }
        /* One record per coder (coding_impl.h: who); only the engine's carries rule hits. */
        size_t nwho = coding->who ? coding->who[i].count : 0;
        for (size_t w = 0; w < (nwho ? nwho : 1); w++) {
            uint16_t coder = nwho ? coding->who_coders[coding->who[i].first + w] : 0;
            const char *name = coder && coder < coding->coder_name_count ? coding->coder_names[coder] : NULL;
            size_t len = name ? strlen(name) : 0;
            h.coder_len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
            h.hit_count = coder ? 0 : q->hit_count;
            if (write_record(res->quotes_fp, &h, hits, doc->text + doc->cp_to_byte[h.start], name, &res->quotes_end) !=
                0) {
                qc_free(hits);
                return spill_error(err);
            }
            cr->runs[cr->count - 1].count++;
        }
    }
    qc_free(hits);
    for (size_t t = 0; t < doc->turn_count; t++) {
        const qc_doc_turn *turn = &doc->turns[t];
        if (turn->role == QC_ROLE_INTERVIEWER || touched[t])
            continue;
        rec_head h;
        fill_head(&h, doc, doc_index, (uint32_t)t, turn->start, turn->end, resp);
        h.code = QC_NONE32;
        if (write_record(res->uncoded_fp, &h, NULL, doc->text + doc->cp_to_byte[h.start], NULL, &res->uncoded_end) != 0)
            return spill_error(err);
        res->uncoded_records++;
    }
    return QC_OK;
}

/* --- reading back --- */

typedef struct reader {
    qc_hit *hits;
    size_t hits_cap;
    rec_hit *raw;
    size_t raw_cap;
    qc_buf text;
    qc_buf coder;
} reader;

static int read_error(qc_error *err)
{
    return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot read the temporary quotation file back");
}

/* Reads the record at the stream's position and calls fn. */
static int read_one(qc_results *res, FILE *fp, reader *rd, qc_coded_quotation_fn fn, void *user, qc_error *err)
{
    rec_head h;
    if (fread(&h, sizeof h, 1, fp) != 1 || h.doc >= res->doc_count || h.resp >= res->resp_count)
        return read_error(err);
    if (h.hit_count) {
        if (QC_GROW(rd->raw, rd->raw_cap, h.hit_count) != 0 || QC_GROW(rd->hits, rd->hits_cap, h.hit_count) != 0)
            return qc_error_nomem(err);
        if (fread(rd->raw, sizeof *rd->raw, h.hit_count, fp) != h.hit_count)
            return read_error(err);
        for (uint32_t k = 0; k < h.hit_count; k++)
            rd->hits[k] =
                (qc_hit){rd->raw[k].start, rd->raw[k].end, rd->raw[k].rule, rd->raw[k].line, rd->raw[k].column};
    }
    qc_buf_clear(&rd->text);
    if (qc_buf_reserve(&rd->text, h.text_len) != 0)
        return qc_error_nomem(err);
    if (h.text_len && fread(rd->text.data, 1, h.text_len, fp) != h.text_len)
        return read_error(err);
    rd->text.len = h.text_len;
    rd->text.data[h.text_len] = '\0';
    qc_buf_clear(&rd->coder);
    if (qc_buf_reserve(&rd->coder, h.coder_len) != 0)
        return qc_error_nomem(err);
    if (h.coder_len && fread(rd->coder.data, 1, h.coder_len, fp) != h.coder_len)
        return read_error(err);
    rd->coder.len = h.coder_len;
    rd->coder.data[h.coder_len] = '\0';
    qc_result_quotation q;
    q.code = h.code == QC_NONE32 ? QC_ALL_CODES : h.code;
    q.document = h.doc;
    q.document_id = res->docs[h.doc].id;
    q.speaker = h.unlabelled ? NULL : res->resps[h.resp].label;
    q.role = (qc_role)h.role;
    q.turn = h.turn;
    q.start = h.start;
    q.end = h.end;
    q.text = rd->text.data;
    q.hit_count = h.hit_count;
    q.hits = h.hit_count ? rd->hits : NULL;
    if (fn(&q, h.coder_len ? rd->coder.data : NULL, user) != 0)
        return qc_error_set(err, QC_ERR_CANCELLED, NULL, 0, 0, -1, "stopped by the caller");
    return QC_OK;
}

static void reader_free(reader *rd)
{
    qc_free(rd->hits);
    qc_free(rd->raw);
    qc_buf_free(&rd->text);
    qc_buf_free(&rd->coder);
}

static int start_reading(FILE *fp, int *reading, qc_error *err)
{
    if (fflush(fp) != 0)
        return spill_error(err);
    *reading = 1;
    return QC_OK;
}

int qc_spill_foreach_quotation(qc_results *res, size_t code, qc_coded_quotation_fn fn, void *user, qc_error *err)
{
    if (code != QC_ALL_CODES && code >= res->code_count)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no code number %zu", code);
    int rc = start_reading(res->quotes_fp, &res->quotes_reading, err);
    if (rc != 0)
        return rc;
    reader rd;
    memset(&rd, 0, sizeof rd);
    size_t first = code == QC_ALL_CODES ? 0 : code;
    size_t last = code == QC_ALL_CODES ? res->code_count : code + 1;
    for (size_t c = first; c < last && rc == 0; c++) {
        const qc_res_code_runs *cr = &res->code_runs[c];
        for (size_t r = 0; r < cr->count && rc == 0; r++) {
            if (fseeko(res->quotes_fp, (off_t)cr->runs[r].offset, SEEK_SET) != 0) {
                rc = read_error(err);
                break;
            }
            for (uint32_t k = 0; k < cr->runs[r].count && rc == 0; k++)
                rc = read_one(res, res->quotes_fp, &rd, fn, user, err);
        }
    }
    reader_free(&rd);
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
    uncoded_walk w = {fn, user};
    int rc = start_reading(res->uncoded_fp, &res->uncoded_reading, err);
    if (rc != 0)
        return rc;
    if (fseeko(res->uncoded_fp, 0, SEEK_SET) != 0)
        return read_error(err);
    reader rd;
    memset(&rd, 0, sizeof rd);
    for (size_t i = 0; i < res->uncoded_records && rc == 0; i++)
        rc = read_one(res, res->uncoded_fp, &rd, uncoded_one, &w, err);
    reader_free(&rd);
    return rc;
}
