/* qcode recode: the old side (results.xml, or the old codebook run over the corpus) against the
 * new run, code by code. A quotation's identity is (code, document, start, end); old codes are
 * carried to their successors (codebook_diff.h) before comparing, so a renamed or merged code
 * keeps its quotations and only real differences show as gained or lost. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "alloc.h"
#include "cache.h"
#include "codebook_diff.h"
#include "codebook_impl.h"
#include "coding_digest.h"
#include "coding_manual.h"
#include "document_impl.h"
#include "error.h"
#include "fileio.h"
#include "recode.h"
#include "refi_manual.h"
#include "results_coder.h"
#include "run_with.h"
#include "sha256.h"
#include "xml_out.h"

/* ---- small tables ---- */

size_t qc_rq_pool_add(qc_recode *rc, const char *s, size_t len)
{
    if (!rc->pool.len)
        qc_buf_putc(&rc->pool, '\0'); /* offset 0 is "" */
    size_t off = rc->pool.len;
    qc_buf_append(&rc->pool, s, len);
    qc_buf_putc(&rc->pool, '\0');
    return off;
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int doc_map_grow(qc_recode *rc)
{
    size_t size = rc->doc_map_size ? rc->doc_map_size * 2 : 64;
    uint32_t *map = qc_malloc(size * sizeof *map);
    if (!map)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < size; i++)
        map[i] = UINT32_MAX;
    for (size_t d = 0; d < rc->doc_count; d++) {
        size_t i = str_hash(rc->docs[d].id) & (size_t)(size - 1);
        while (map[i] != UINT32_MAX)
            i = (i + 1) & (size - 1);
        map[i] = (uint32_t)d;
    }
    qc_free(rc->doc_map);
    rc->doc_map = map;
    rc->doc_map_size = size;
    return QC_OK;
}

/* doc_intern for an id already in the form results.xml gives back. */
static long intern_read(qc_recode *rc, const char *id)
{
    if ((rc->doc_count + 1) * 2 > rc->doc_map_size && doc_map_grow(rc))
        return -1;
    size_t mask = rc->doc_map_size - 1, i = str_hash(id) & mask;
    for (; rc->doc_map[i] != UINT32_MAX; i = (i + 1) & mask)
        if (strcmp(rc->docs[rc->doc_map[i]].id, id) == 0)
            return rc->doc_map[i];
    if (QC_GROW(rc->docs, rc->doc_cap, rc->doc_count + 1))
        return -1;
    qc_rq_doc *d = &rc->docs[rc->doc_count];
    memset(d, 0, sizeof *d);
    d->id = qc_strdup(id);
    if (!d->id)
        return -1;
    rc->doc_map[i] = (uint32_t)rc->doc_count;
    return (long)rc->doc_count++;
}

/* The index of the document with this id, added when new; -1 when out of memory. An id is kept
 * as results.xml gives it back: a file name that is not UTF-8 (or holds a control character) has
 * U+FFFD there, and the new run's document is the file's old one all the same. */
static long doc_intern(qc_recode *rc, const char *raw_id)
{
    qc_buf shown = QC_BUF_INIT;
    const char *id = qc_xml_read_form(raw_id, &shown);
    long d = id ? intern_read(rc, id) : -1;
    qc_buf_free(&shown);
    return d;
}

static int add_q(qc_rq **arr, size_t *count, size_t *cap, qc_rq q)
{
    if (QC_GROW(*arr, *cap, *count + 1))
        return QC_ERR_NOMEM;
    (*arr)[(*count)++] = q;
    return QC_OK;
}

int qc_recode_old_has(const char *id, void *user)
{
    const qc_recode *rc = user;
    for (size_t i = 0; i < rc->old_id_count; i++)
        if (rc->old_ids[i] && strcmp(rc->old_ids[i], id) == 0)
            return 1;
    return 0;
}

/* ---- the old side from results.xml ---- */

typedef struct reading {
    qc_recode *rc;
    qc_error *err;
    int io; /* a text could not be set aside (err says why) */
} reading;

/* Sets a text of the old results aside in a temporary file; its qc_rq text value. */
static int set_text_aside(reading *r, const char *text, size_t *out)
{
    qc_recode *rc = r->rc;
    size_t len = text ? strlen(text) : 0;
    uint32_t len32 = (uint32_t)len;
    if (!rc->old_texts && !(rc->old_texts = tmpfile()))
        return r->io = 1,
               qc_error_set(r->err, QC_ERR_IO, NULL, 0, 0, -1, "cannot create a temporary file: %s", strerror(errno));
    if (len > UINT32_MAX || fwrite(&len32, 4, 1, rc->old_texts) != 1 ||
        (len && fwrite(text, 1, len, rc->old_texts) != len))
        return r->io = 1,
               qc_error_set(r->err, QC_ERR_IO, NULL, 0, 0, -1, "cannot write a temporary file: %s", strerror(errno));
    *out = QC_RQ_TEXT_SET_ASIDE | (size_t)rc->old_texts_len;
    rc->old_texts_len += 4 + len;
    return QC_OK;
}

static int on_old_document(const qc_result_document *doc, size_t index, void *user)
{
    qc_recode *rc = ((reading *)user)->rc;
    long d = doc_intern(rc, doc->id);
    if (d < 0 || QC_GROW(rc->file_docs, rc->file_doc_cap, index + 1))
        return QC_ERR_NOMEM;
    while (rc->file_doc_count <= index)
        rc->file_docs[rc->file_doc_count++] = UINT32_MAX;
    rc->file_docs[index] = (uint32_t)d;
    rc->docs[d].in_old = 1;
    snprintf(rc->docs[d].old_sha, sizeof rc->docs[d].old_sha, "%s", doc->sha256 ? doc->sha256 : "");
    return 0;
}

static int on_old_code(const qc_results_file_code *code, void *user)
{
    qc_recode *rc = ((reading *)user)->rc;
    if (QC_GROW(rc->old_ids, rc->old_id_cap, code->index + 1))
        return QC_ERR_NOMEM;
    while (rc->old_id_count <= code->index)
        rc->old_ids[rc->old_id_count++] = NULL;
    rc->old_ids[code->index] = qc_strdup(code->id);
    return rc->old_ids[code->index] ? 0 : QC_ERR_NOMEM;
}

static int on_old_quotation(const qc_result_quotation *q, void *user)
{
    qc_recode *rc = ((reading *)user)->rc;
    if (q->document >= rc->file_doc_count || rc->file_docs[q->document] == UINT32_MAX || q->code >= rc->old_id_count)
        return QC_ERR_FORMAT;
    qc_rq r = {(uint32_t)q->code, rc->file_docs[q->document], (uint32_t)q->start, (uint32_t)q->end, 0};
    int st = set_text_aside(user, q->text, &r.text);
    return st ? st : add_q(&rc->old_q, &rc->old_count, &rc->old_cap, r);
}

/* A quotation of results.xml with its coder: the engine's are the old side compared with the new
 * run; a person's is a manual coding, carried to the new codebook (recode_manual.c). */
static int on_old_coded(const qc_result_quotation *q, const char *coder, void *user)
{
    if (!coder)
        return on_old_quotation(q, user);
    qc_recode *rc = ((reading *)user)->rc;
    if (q->code >= rc->old_id_count || !rc->old_ids[q->code])
        return QC_ERR_FORMAT;
    if (!rc->from_results && !(rc->from_results = qc_calloc(1, sizeof *rc->from_results)))
        return QC_ERR_NOMEM;
    return qc_refi_manual_add(rc->from_results, rc->old_ids[q->code], q->document_id, q->start, q->end, q->text, coder,
                              NULL)
               ? QC_ERR_NOMEM
               : 0;
}

static int load_old_results(qc_recode *rc, const char *path, qc_error *err)
{
    reading rd = {rc, err, 0};
    qc_results_handlers h = {NULL, on_old_document, on_old_code, NULL, &rd};
    int status = qc_results_read_coded(path, &h, on_old_coded, err);
    if (rd.io)
        return QC_ERR_IO; /* err says why */
    if (status == QC_ERR_CANCELLED || status == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    return status;
}

/* ---- runs ---- */

typedef struct side {
    qc_recode *rc;
    int new_side;
    int verify; /* old side standing in for a results.xml: each coding must match the file's digest */
    const qc_recode_options *opts;
    int matches; /* verify: the document's coding is the one the file lists (on_pair found it) */
} side;

/* One side's coding of a document taken in: counted in the new results (new side), checked against
 * the file (a verified old side), its quotations appended to the side's list. *index: the
 * document's place in rc->docs. 1 when the new results refuse the document (its id is an earlier
 * document's): it is reported as `code` reports it, like a document that could not be read, and
 * neither side takes it, so that the comparison is that of the documents counted. */
static int take_document(side *s, const qc_document *doc, const qc_coding *coding, const qc_source_info *src,
                         long *index, qc_error *err)
{
    qc_recode *rc = s->rc;
    if (s->new_side) {
        /* The new results count the carried manual codings; the comparison below is the engine's
         * quotations only (coding as the rules made it). */
        qc_coding *merged = NULL;
        int st = rc->counted ? qc_manual_merge(rc->counted, doc, coding, &merged, err) : 0;
        if (!st)
            st = qc_results_add(rc->results, doc, merged ? merged : coding, src, err);
        qc_manual_coding_free(merged);
        if (st == QC_ERR_INVALID) {
            if (s->opts->run.on_error)
                s->opts->run.on_error(src ? src->path : qc_document_id(doc), err, s->opts->run.user);
            qc_error_clear(err);
            rc->refused++;
            return 1;
        }
        if (st)
            return st;
    }
    long d = *index = doc_intern(rc, qc_document_id(doc));
    if (d < 0)
        return qc_error_nomem(err);
    qc_rq_doc *rd = &rc->docs[d];
    if (s->verify) {
        /* The file's old side of this document is this coding when it is the one the file lists
         * (s->matches); nothing when the file does not list it (added since); else the file's
         * quotations (read_file_side). old_sha and in_old stay the file's. */
        if (!rd->in_old)
            return 0;
        if (!s->matches) {
            rd->deferred = 1;
            return 0;
        }
        rd->digest_ok = 1;
    } else {
        char *sha = s->new_side ? rd->new_sha : rd->old_sha;
        snprintf(sha, 65, "%s", src && src->sha256 ? src->sha256 : "");
        if (s->new_side)
            rd->in_new = 1;
        else
            rd->in_old = 1;
    }
    if (!rd->path && src && src->path && !(rd->path = qc_strdup(src->path)))
        return qc_error_nomem(err);
    /* Texts are taken later, for the quotations gained or lost only (fill_texts). */
    size_t n = qc_coding_quotation_count(coding);
    qc_rq **arr = s->new_side ? &rc->new_q : &rc->old_q;
    size_t *cnt = s->new_side ? &rc->new_count : &rc->old_count, *cap = s->new_side ? &rc->new_cap : &rc->old_cap;
    if (QC_GROW(*arr, *cap, *cnt + n))
        return qc_error_nomem(err);
    /* (read in place, not through qc_coding_quotation: a call and a copy a quotation, a twentieth
     * of a warm re-code's comparison) */
    qc_rq *to = *arr + *cnt;
    for (size_t i = 0; i < n; i++) {
        const qc_quote_rec *q = &coding->quotes[i];
        to[i] = (qc_rq){(uint32_t)q->code, (uint32_t)d, q->start, q->end, QC_RQ_TEXT_LATER};
    }
    *cnt += n;
    return 0;
}

/* A document of the new run after the old side was read from results.xml: its new quotations
 * against the old side's of the same document, at once. A document delivered twice (never: its id
 * would be refused by qc_results_add) has no old ones the second time. */
static int on_new_document(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                           qc_error *err)
{
    side *s = user;
    qc_recode *rc = s->rc;
    long d;
    int st = take_document(s, doc, coding, src, &d, err);
    if (st)
        return st > 0 ? 0 : st;
    qc_rq_doc *rd = &rc->docs[d];
    size_t old_n = rd->compared ? 0 : rd->old_n;
    st = qc_rq_compare_add(rc, old_n ? rc->old_q + rd->old_first : NULL, old_n, rc->new_q, rc->new_count);
    rd->compared = 1;
    rc->new_count = 0;
    return st ? qc_error_nomem(err) : 0;
}

/* The caller's callbacks with the caller's user pointer (the run's user is the side). Before
 * these, a document that could not be read had the caller's error callback count it into the
 * side's first field, the qc_recode pointer. */
static void side_on_error(const char *path, const qc_error *e, void *user)
{
    const qc_run_options *run = &((side *)user)->opts->run;
    run->on_error(path, e, run->user);
}

static void side_on_issue(const char *path, const char *message, void *user)
{
    const qc_run_options *run = &((side *)user)->opts->run;
    run->on_issue(path, message, run->user);
}

static void side_on_read_warning(const qc_diagnostic *diag, void *user)
{
    const qc_run_options *run = &((side *)user)->opts->run;
    run->on_read_warning(diag, run->user);
}

static void side_on_progress(const qc_run_stats *stats, void *user)
{
    const qc_run_options *run = &((side *)user)->opts->run;
    run->on_progress(stats, run->user);
}

/* The run delivered the documents the new results refused: they count as failed, not coded. */
static void count_refused(qc_recode *rc)
{
    rc->stats.documents -= rc->refused;
    rc->stats.failed += rc->refused;
}

/* Keeps what the run's caches looked for, for qc_recode_prune_cache (a run that started over adds
 * its second pass's). */
static int keep_cache_keys(qc_recode *rc, const char *dir, qc_cache *cache, qc_cache *old_cache, qc_error *err)
{
    if (!rc->cache_dir && !(rc->cache_dir = qc_strdup(dir)))
        return qc_error_nomem(err);
    if (qc_cache_keys_take(cache, &rc->cache_used) != QC_OK || qc_cache_keys_take(old_cache, &rc->cache_used) != QC_OK)
        return qc_error_nomem(err);
    return QC_OK;
}

/* The new codebook's run, after the old side was read from results.xml (compare_with_new_run). */
static int run_new_side(qc_recode *rc, const char *const *paths, size_t count, const qc_recode_options *opts,
                        qc_error *err)
{
    side s = {rc, 1, 0, opts, 0};
    qc_run_options ro = opts->run;
    ro.on_document = on_new_document;
    ro.user = &s; /* every callback gets it: the caller's are called through the side_on_* */
    ro.manual = NULL; /* the carried codings are merged by take_document, cache or not */
    ro.on_error = opts->run.on_error ? side_on_error : NULL;
    ro.on_issue = opts->run.on_issue ? side_on_issue : NULL;
    ro.on_read_warning = opts->run.on_read_warning ? side_on_read_warning : NULL;
    ro.on_progress = opts->run.on_progress ? side_on_progress : NULL;
    int status;
    rc->refused = 0;
    if (opts->cache_dir) {
        qc_cache *cache = NULL;
        status = qc_cache_open(&cache, opts->cache_dir, rc->new_cb, opts->cache_context, err);
        if (!status)
            status = qc_cache_run(cache, paths, count, rc->cases, &ro, &rc->stats, err);
        if (cache)
            qc_cache_get_stats(cache, &rc->cache_stats);
        rc->cache_unwritten = qc_cache_unwritten(cache, rc->cache_unwritten_reason, sizeof rc->cache_unwritten_reason);
        if (!status)
            status = keep_cache_keys(rc, opts->cache_dir, cache, NULL, err);
        qc_cache_free(cache);
    } else {
        status = qc_corpus_run(paths, count, rc->new_cb, rc->cases, &ro, &rc->stats, err);
    }
    count_refused(rc);
    return status;
}

/* The old side's code ids: the codebook's own. */
static int ids_of_codebook(qc_recode *rc, const qc_codebook *cb)
{
    size_t n = qc_codebook_code_count(cb);
    if (QC_GROW(rc->old_ids, rc->old_id_cap, n + 1))
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!(rc->old_ids[rc->old_id_count++] = qc_strdup(qc_code_id(cb, i))))
            return QC_ERR_NOMEM;
    return QC_OK;
}

/* ---- the old side of a results.xml coded again ----
 * Reading a results.xml's quotations back costs more than coding the corpus (the file is several
 * times its size). When the old codebook is given and each document's coding by it is the one the
 * file lists (the same codingSha256: same text, same quotations, no person's codings), the old
 * side is that coding, usually from the cache, and only the file's header is read. A document
 * whose digest differs (edited, or holding people's codings), or that the run does not have, takes
 * its old side from the file, read once for those (read_file_side); a header that does not fit
 * the old codebook has the whole file read as before. */

static int on_header_document(const qc_result_document *doc, size_t index, void *user)
{
    int rc_ = on_old_document(doc, index, user);
    if (rc_)
        return rc_;
    qc_recode *rc = ((reading *)user)->rc;
    qc_rq_doc *d = &rc->docs[rc->file_docs[index]];
    snprintf(d->file_digest, sizeof d->file_digest, "%s", doc->coding_sha256 ? doc->coding_sha256 : "");
    return 0;
}

typedef struct header {
    reading rd;
    const qc_codebook *old_cb;
    int same_codebook; /* the file's provenance names the old codebook's SHA-256 */
    /* A results.xml of format 2 lists its code tree before the documents (its codes come with
     * counts_known 0) and the quotations inside them: its header is its documents, read to the
     * end with the quotations passed over. */
    int format2, ids_taken;
} header;

static int on_header_provenance(const char *name, const char *version, const char *sha256, void *user)
{
    (void)name, (void)version;
    header *h = user;
    h->same_codebook = sha256 && strcmp(sha256, qc_codebook_sha256(h->old_cb)) == 0;
    h->rd.rc->from_other_codebook = sha256 && *sha256 && !h->same_codebook;
    return 0;
}

/* The same codebook has the same ids: they are taken from it, and the rest of the header (the
 * per-code counts, large with many documents) is not read. */
static int on_header_code(const qc_results_file_code *code, void *user)
{
    header *h = user;
    h->format2 = !code->counts_known;
    if (!h->same_codebook)
        return on_old_code(code, &h->rd);
    if (h->ids_taken)
        return 0;
    h->ids_taken = 1;
    if (ids_of_codebook(h->rd.rc, h->old_cb))
        return QC_ERR_NOMEM;
    return h->format2 ? 0 : 1;
}

static int stop_at_quotation(const qc_result_quotation *q, const char *coder, void *user)
{
    (void)q, (void)coder;
    return !((header *)user)->format2;
}

/* Forgets what the header and the old run left, before the file is read in full. */
static void forget_old_side(qc_recode *rc)
{
    for (size_t i = 0; i < rc->old_id_count; i++)
        qc_free(rc->old_ids[i]);
    rc->old_id_count = 0;
    rc->file_doc_count = 0;
    rc->old_count = 0;
    for (size_t d = 0; d < rc->doc_count; d++) {
        qc_rq_doc *doc = &rc->docs[d];
        doc->in_old = doc->digest_ok = 0;
        doc->old_sha[0] = doc->file_digest[0] = '\0';
    }
}

static int header_fits(const qc_recode *rc, const qc_codebook *old_cb)
{
    size_t n = qc_codebook_code_count(old_cb);
    if (rc->old_id_count != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!rc->old_ids[i] || strcmp(rc->old_ids[i], qc_code_id(old_cb, i)) != 0)
            return 0;
    for (size_t d = 0; d < rc->doc_count; d++)
        if (rc->docs[d].in_old && strlen(rc->docs[d].file_digest) != 64)
            return 0;
    return 1;
}

/* Reads the file's header; *fits when the old side may be coded instead (to be verified document
 * by document by the run). On 0 with !*fits the header's traces are forgotten. */
static int read_header(qc_recode *rc, const qc_codebook *old_cb, int *fits, qc_error *err)
{
    qc_error ignored;
    const header fresh = {{rc, &ignored, 0}, old_cb, 0, 0, 0};
    header hd = fresh;
    qc_results_handlers h = {on_header_provenance, on_header_document, on_header_code, NULL, &hd};
    /* Format 2's spans passed over unparsed (a fifth of the time); where that scan cannot vouch for
     * what it passed over, or the file is at fault, the header is read by the parser alone. */
    int st = qc_results_read_header(rc->results_path, &h, stop_at_quotation, &ignored);
    if (st != QC_OK && st != QC_ERR_CANCELLED && st != QC_ERR_NOMEM) {
        forget_old_side(rc);
        hd = fresh;
        st = qc_results_read_coded(rc->results_path, &h, stop_at_quotation, &ignored);
    }
    if (st == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    *fits = (st == QC_OK || st == QC_ERR_CANCELLED) && header_fits(rc, old_cb);
    if (!*fits)
        forget_old_side(rc);
    return QC_OK;
}

/* Both codings of each document from one reading, through the cache of each codebook. */
typedef struct pair {
    side old_side, new_side;
} pair;

static int read_file_side(qc_recode *rc, const qc_recode_options *opts, qc_error *err);
static int may_list_people(qc_recode *rc);

/* Whether the old codebook's coding of a document the file lists is the one it lists (its
 * codingSha256). */
static int coding_matches(const qc_rq_doc *rd, const qc_document *doc, const qc_coding *coding,
                          const qc_source_info *src)
{
    unsigned char records[32];
    char digest[65];
    qc_coding_records_hash(coding, records);
    qc_coding_digest(doc, src ? src->sha256 : NULL, records, digest);
    return strcmp(digest, rd->file_digest) == 0;
}

/* A document whose old side is the file's, now that the file was read for it: compared at once
 * with its new quotations (n of them at new_q). */
static int compare_from_file(qc_recode *rc, size_t d, const qc_rq *new_q, size_t n)
{
    qc_rq_doc *rd = &rc->docs[d];
    rd->compared = 1;
    rc->old_read_docs++;
    return qc_rq_compare_add(rc, rd->old_n ? rc->file_q + rd->old_first : NULL, rd->old_n, new_q, n);
}

static int on_pair(const qc_document *doc, const qc_coding *coding, const qc_coding *old, const qc_source_info *src,
                   void *user, qc_error *err)
{
    pair *p = user;
    qc_recode *rc = p->new_side.rc;
    long d;
    if (p->old_side.verify) {
        /* Whether the file vouches for the old coding of this document, before its new side is
         * counted: one it does not vouch for may hold people's codings the file lists, which the new
         * results count with it. So when the file may list any, it is read now, at the first such
         * document, for them and for the old side of every document not vouched for yet (it is
         * read once: read_file_side); else after the run, for those that did not match. */
        if ((d = doc_intern(rc, qc_document_id(doc))) < 0)
            return qc_error_nomem(err);
        p->old_side.matches = !rc->docs[d].in_old || coding_matches(&rc->docs[d], doc, old, src);
        if (!p->old_side.matches && !rc->file_read && may_list_people(rc)) {
            int st = read_file_side(rc, p->new_side.opts, err);
            if (st)
                return st; /* the run stops */
        }
    }
    /* The new side first: a document it refuses is not taken by the old side either. */
    int st = take_document(&p->new_side, doc, coding, src, &d, err);
    if (st > 0)
        return 0;
    if (!st)
        st = take_document(&p->old_side, doc, old, src, &d, err);
    if (st)
        return st; /* the run stops */
    qc_rq_doc *rd = &rc->docs[d];
    if (rd->deferred && rc->file_read) {
        st = compare_from_file(rc, (size_t)d, rc->new_q, rc->new_count);
    } else if (rd->deferred) {
        /* Its old side is the file's, read after the run: the new side waits (edited documents
         * are few). */
        st = QC_GROW(rc->def_q, rc->def_cap, rc->def_count + rc->new_count + 1);
        if (!st) {
            rd->def_first = rc->def_count;
            rd->def_n = rc->new_count;
            if (rc->new_count)
                memcpy(rc->def_q + rc->def_count, rc->new_q, rc->new_count * sizeof *rc->new_q);
            rc->def_count += rc->new_count;
        }
    } else {
        /* Both sides of this document are here and no other's: compared at once, then forgotten. */
        st = qc_rq_compare_add(rc, rc->old_q, rc->old_count, rc->new_q, rc->new_count);
    }
    rc->old_count = rc->new_count = 0;
    return st ? qc_error_nomem(err) : 0;
}

static int run_pair(qc_recode *rc, int verify, const char *const *paths, size_t count, const qc_recode_options *opts,
                    qc_error *err)
{
    pair p = {{rc, 0, verify, opts, 0}, {rc, 1, 0, opts, 0}};
    qc_run_options ro = opts->run;
    ro.on_document = NULL;
    ro.manual = NULL;
    /* The new coding's share of the new results is prepared by the thread that coded it, unless
     * carried manual codings change that coding first (take_document). */
    ro.results = rc->counted ? NULL : rc->results;
    rc->refused = 0;
    if (!opts->cache_dir) {
        int st = qc_corpus_run_pair(paths, count, rc->new_cb, rc->old_cb, rc->cases, &ro, on_pair, &p, &rc->stats, err);
        count_refused(rc);
        return st;
    }
    qc_cache *cache = NULL, *old_cache = NULL;
    int st = qc_cache_open(&cache, opts->cache_dir, rc->new_cb, opts->cache_context, err);
    if (!st)
        st = qc_cache_open(&old_cache, opts->cache_dir, rc->old_cb, opts->cache_context, err);
    if (!st) /* the old side is compared and checked against the file by its spans alone */
        qc_cache_spans_only(old_cache);
    if (!st)
        st = qc_cache_run_pair(cache, old_cache, paths, count, rc->cases, &ro, on_pair, &p, &rc->stats, err);
    if (cache)
        qc_cache_get_stats(cache, &rc->cache_stats);
    /* In one folder both codebooks write each document's one entry, counted once, with its reason,
     * on `cache` (cache.c, cache_code). */
    rc->cache_unwritten = qc_cache_unwritten(cache, rc->cache_unwritten_reason, sizeof rc->cache_unwritten_reason);
    if (!st)
        st = keep_cache_keys(rc, opts->cache_dir, cache, old_cache, err);
    qc_cache_free(cache);
    qc_cache_free(old_cache);
    count_refused(rc);
    return st;
}

/* The old side read from results.xml (code by code): its quotations put in document order, each
 * document's range noted, so that the new run compares each document as it comes
 * (on_new_document). A stable counting sort: each document's quotations keep their order. */
static int old_side_by_document(qc_recode *rc)
{
    for (size_t d = 0; d < rc->doc_count; d++) {
        rc->docs[d].old_first = rc->docs[d].old_n = 0;
        rc->docs[d].compared = 0;
    }
    for (size_t i = 0; i < rc->old_count; i++)
        if (rc->old_q[i].doc < rc->doc_count)
            rc->docs[rc->old_q[i].doc].old_n++;
    size_t at = 0;
    for (size_t d = 0; d < rc->doc_count; d++) {
        rc->docs[d].old_first = at;
        at += rc->docs[d].old_n;
    }
    qc_rq *sorted = qc_malloc((at + 1) * sizeof *sorted);
    if (!sorted)
        return QC_ERR_NOMEM;
    size_t *next = qc_calloc(rc->doc_count + 1, sizeof *next);
    if (!next) {
        qc_free(sorted);
        return QC_ERR_NOMEM;
    }
    for (size_t d = 0; d < rc->doc_count; d++)
        next[d] = rc->docs[d].old_first;
    for (size_t i = 0; i < rc->old_count; i++)
        if (rc->old_q[i].doc < rc->doc_count)
            sorted[next[rc->old_q[i].doc]++] = rc->old_q[i];
    qc_free(next);
    qc_free(rc->old_q);
    rc->old_q = sorted;
    rc->old_count = at;
    rc->old_cap = at + 1;
    return QC_OK;
}

/* The new run after the old side was read from results.xml, each document compared as it comes;
 * then the documents only the old side had (gone from the corpus, or unreadable now). */
static int compare_with_new_run(qc_recode *rc, const char *const *paths, size_t count, const qc_recode_options *opts,
                                qc_error *err)
{
    if (old_side_by_document(rc) || qc_rq_compare_begin(rc))
        return qc_error_nomem(err);
    int st = run_new_side(rc, paths, count, opts, err);
    for (size_t d = 0; d < rc->doc_count && !st; d++) {
        qc_rq_doc *rd = &rc->docs[d];
        if (rd->old_n && !rd->compared) {
            rd->compared = 1;
            if (qc_rq_compare_add(rc, rc->old_q + rd->old_first, rd->old_n, NULL, 0))
                st = qc_error_nomem(err);
        }
    }
    return st;
}

/* The new side's results: counts only when nothing will write them (qc_recode_options). */
static int new_results(qc_recode *rc, qc_error *err)
{
    qc_results_options o = QC_RESULTS_OPTIONS_INIT;
    o.counts_only = rc->counts_only;
    o.stream_only = rc->stream_path != NULL;
    int st = qc_results_new_opts(&rc->results, rc->new_cb, rc->cases, &o, err);
    if (!st && rc->on_results)
        st = rc->on_results(rc->results, rc->results_user, err);
    if (!st && rc->stream_path)
        st = qc_results_stream_xml(rc->results, rc->stream_path, rc->stream_options, err);
    return st;
}

/* A quotation of the file while reading it for the documents a verified run could not vouch for:
 * kept for those alone; every person's coding, to be carried (on_old_coded). */
typedef struct unmatched {
    reading rd;
    int people;
} unmatched;

static int on_unmatched_coded(const qc_result_quotation *q, const char *coder, void *user)
{
    unmatched *u = user;
    qc_recode *rc = u->rd.rc;
    if (coder) {
        u->people = 1;
        return on_old_coded(q, coder, &u->rd);
    }
    if (q->document < rc->file_doc_count && rc->file_docs[q->document] != UINT32_MAX &&
        rc->docs[rc->file_docs[q->document]].digest_ok)
        return 0;
    return on_old_quotation(q, &u->rd);
}

/* Whether results.xml may list people's codings: a scan of its bytes for an attribute `coder`
 * ("coder", spaces, '='), as any encoding that keeps ASCII as ASCII writes it; a text that says
 * so only has the file read sooner. A file in another encoding (a NUL among its first four bytes,
 * or a UTF-16 byte order mark), or one that cannot be read through, may. Looked for once, when a
 * document first fails to match (so a re-code whose documents all match never scans it). */
static int may_list_people(qc_recode *rc)
{
    if (rc->people)
        return rc->people == 2;
    enum { CHUNK = 1 << 20, KEEP = 64 };
    FILE *fp = fopen(rc->results_path, "rb");
    char *buf = fp ? qc_malloc(CHUNK + KEEP) : NULL;
    int may = !buf;
    size_t held = 0, n;
    for (int first = 1; !may && (n = fread(buf + held, 1, CHUNK, fp)) > 0; first = 0) {
        size_t len = held + n;
        const unsigned char *u = (const unsigned char *)buf;
        if (first && len >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0xFF && u[1] == 0xFE)))
            may = 1;
        for (size_t i = 0; first && i < 4 && i < len; i++)
            may |= buf[i] == '\0';
        const char *end = buf + len;
        for (const char *at = buf; !may && (at = memmem(at, (size_t)(end - at), "coder", 5)) != NULL; at += 5) {
            const char *c = at + 5;
            while (c < end && (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n'))
                c++;
            may = c == end || *c == '='; /* at the end: it may be */
        }
        held = len < KEEP ? len : KEEP;
        memmove(buf, buf + len - held, held);
    }
    if (fp && ferror(fp))
        may = 1;
    qc_free(buf);
    if (fp)
        fclose(fp);
    rc->people = may ? 2 : 1;
    return may;
}

/* Reads the file once, for the old side of every document it lists that the run has not vouched
 * for (did not match, is still to come, or is not in the run: gone from the corpus, or unreadable
 * now) and for the people's codings it lists, which are then carried with those of the manual.xml
 * (qc_recode_carry_again). During the run (on_pair) this is before the first document that did not
 * match is counted; after it, for the documents left. The file's quotations go to file_q. */
static int read_file_side(qc_recode *rc, const qc_recode_options *opts, qc_error *err)
{
    unmatched u = {{rc, err, 0}, 0};
    qc_results_handlers h = {NULL, NULL, NULL, NULL, &u};
    rc->old_count = 0;
    int st = qc_results_read_coded(rc->results_path, &h, on_unmatched_coded, err);
    if (u.rd.io)
        return QC_ERR_IO;
    if (st == QC_ERR_CANCELLED || st == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    if (st)
        return st;
    if (old_side_by_document(rc))
        return qc_error_nomem(err);
    qc_free(rc->file_q);
    rc->file_q = rc->old_q;
    rc->file_count = rc->old_count;
    rc->old_q = NULL;
    rc->old_count = rc->old_cap = 0;
    rc->file_read = 1;
    return u.people ? qc_recode_carry_again(rc, opts->manual_path, err) : QC_OK;
}

/* After a verified run, the documents the file lists that were not compared: those whose coding
 * did not match (their new side kept by on_pair) while the file was not read yet, and those the
 * run did not have (compared with nothing), with their old side from the file. */
static int finish_unmatched(qc_recode *rc, const qc_recode_options *opts, qc_error *err)
{
    size_t need = 0;
    for (size_t d = 0; d < rc->doc_count; d++)
        need += rc->docs[d].in_old && !rc->docs[d].digest_ok && !rc->docs[d].compared;
    int st = need && !rc->file_read ? read_file_side(rc, opts, err) : QC_OK;
    for (size_t d = 0; d < rc->doc_count && need && !st; d++) {
        const qc_rq_doc *rd = &rc->docs[d];
        if (!rd->in_old || rd->digest_ok || rd->compared)
            continue;
        const qc_rq *def = rd->deferred && rd->def_n ? rc->def_q + rd->def_first : NULL;
        if (compare_from_file(rc, d, def, def ? rd->def_n : 0))
            st = qc_error_nomem(err);
    }
    qc_free(rc->def_q);
    rc->def_q = NULL;
    rc->def_count = rc->def_cap = 0;
    return st;
}

/* ---- the texts of what was gained or lost ---- */

typedef struct later {
    uint32_t doc;
    size_t event;
} later;

static int by_doc(const void *a, const void *b)
{
    const later *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return x->event < y->event ? -1 : x->event > y->event;
}

/* The texts of the gained and lost quotations the old results.xml gave, from where they were set
 * aside (QC_RQ_TEXT_SET_ASIDE) into the pool. */
static int take_texts_set_aside(qc_recode *rc, qc_error *err)
{
    char *buf = NULL;
    size_t cap = 0;
    int st = QC_OK;
    for (size_t i = 0; i < rc->event_count && !st; i++) {
        qc_rq *q = &rc->events[i].q;
        if (q->text == QC_RQ_TEXT_LATER || !(q->text & QC_RQ_TEXT_SET_ASIDE))
            continue;
        uint32_t len = 0;
        off_t at = (off_t)(q->text & ~QC_RQ_TEXT_SET_ASIDE);
        int read = rc->old_texts && fseeko(rc->old_texts, at, SEEK_SET) == 0 && fread(&len, 4, 1, rc->old_texts) == 1;
        if (read && len + 1 > cap && QC_GROW(buf, cap, (size_t)len + 1)) {
            st = qc_error_nomem(err);
            break;
        }
        if (!read || (len && fread(buf, 1, len, rc->old_texts) != len)) {
            st = qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "cannot read back a temporary file: %s", strerror(errno));
            break;
        }
        q->text = qc_rq_pool_add(rc, buf, len);
    }
    qc_free(buf);
    /* appending after reading: back to the end */
    if (rc->old_texts)
        fseeko(rc->old_texts, 0, SEEK_END);
    return st;
}

/* The quotations coded in this re-code carry no text (QC_RQ_TEXT_LATER): only the gained and lost
 * ones are shown, so their documents are read again, once each, and the texts taken from there.
 * A document whose bytes changed since the run is an error, not a wrong text. */
static int fill_texts(qc_recode *rc, const qc_recode_options *opts, qc_error *err)
{
    int set_aside = take_texts_set_aside(rc, err);
    if (set_aside)
        return set_aside;
    size_t n = 0;
    for (size_t i = 0; i < rc->event_count; i++)
        n += rc->events[i].q.text == QC_RQ_TEXT_LATER;
    if (!n)
        return QC_OK;
    later *l = qc_calloc(n, sizeof *l);
    if (!l)
        return qc_error_nomem(err);
    n = 0;
    for (size_t i = 0; i < rc->event_count; i++)
        if (rc->events[i].q.text == QC_RQ_TEXT_LATER)
            l[n++] = (later){rc->events[i].q.doc, i};
    qsort(l, n, sizeof *l, by_doc);
    int st = QC_OK;
    for (size_t g = 0; g < n && !st;) {
        size_t e = g;
        while (e < n && l[e].doc == l[g].doc)
            e++;
        const qc_rq_doc *rd = &rc->docs[l[g].doc];
        char *data = NULL;
        size_t size = 0;
        qc_document *doc = NULL;
        st = rd->path ? qc_transcript_read(rd->path, &data, &size, err)
                      : qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "document '%s' has no file", rd->id);
        if (!st) {
            char sha[65];
            qc_sha256_hex(data, size, sha);
            const char *was = rd->in_new ? rd->new_sha : rd->old_sha;
            if (*was && strcmp(sha, was) != 0)
                st = qc_error_set(err, QC_ERR_IO, rd->path, 0, 0, -1,
                                  "the document changed while it was being re-coded; run the re-code again");
        }
        if (!st) {
            qc_read_options ropts;
            st = qc_read_options_current(opts->run.read, &ropts, err);
            ropts.id = rd->id;
            if (!st)
                st = qc_document_read_buffer(&doc, rd->path, data, size, &ropts, err);
        }
        size_t len = 0;
        const char *text = st ? NULL : qc_document_text(doc, &len);
        for (size_t k = g; k < e && !st; k++) {
            qc_rq *q = &rc->events[l[k].event].q;
            size_t b0 = qc_document_text_offset(doc, q->start), b1 = qc_document_text_offset(doc, q->end);
            q->text = b0 <= b1 && b1 <= len ? qc_rq_pool_add(rc, text + b0, b1 - b0) : 0;
        }
        qc_document_free(doc);
        qc_free(data);
        g = e;
    }
    qc_free(l);
    if (!st && qc_buf_failed(&rc->pool))
        st = qc_error_nomem(err);
    return st;
}

/* Keeps cb in the cache folder for a later re-code from these results. The cache only saves work,
 * so a copy that cannot be written is a warning through on_issue (the run goes on); only running
 * out of memory stops it. */
static int keep_codebook(const qc_recode_options *opts, const qc_codebook *cb, qc_error *err)
{
    qc_error kerr;
    int st = qc_cache_keep_codebook(opts->cache_dir, cb, &kerr);
    if (st == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    if (st && opts->run.on_issue)
        opts->run.on_issue(kerr.file[0] ? kerr.file : opts->cache_dir, kerr.message, opts->run.user);
    return QC_OK;
}

/* The caller's options, of its version, into full (which holds the defaults). Version 1 ends
 * before counts_only, version 2 before find_old_codebook, 3 before stream_path, 4 before
 * on_results, 5 before outputs, 6 before casebook_changed. Versions 1 to 5 were built with the run options of version 2
 * inside (`run` is held by value), or, for some of version 1, of version 1, as run.version says:
 * every field after `run` sits that much earlier in them than in this header. */
static void copy_options(qc_recode_options *full, const qc_recode_options *opts)
{
    if (opts->version >= 7) {
        memcpy(full, opts, sizeof *full);
        return;
    }
    if (opts->version == 6) {
        memcpy(full, opts, offsetof(qc_recode_options, casebook_changed));
        return;
    }
    _Static_assert(offsetof(qc_run_options, results) % _Alignof(qc_run_options) == 0 &&
                       offsetof(qc_run_options, on_read_warning) % _Alignof(qc_run_options) == 0,
                   "run options of versions 1 and 2 end where they are padded");
    size_t run_size = qc_run_options_size(opts->run.version == 1 ? 1 : 2);
    const size_t after = offsetof(qc_recode_options, counts_only), shift = sizeof(qc_run_options) - run_size;
    size_t end = opts->version == 1   ? after
                 : opts->version == 2 ? offsetof(qc_recode_options, find_old_codebook)
                 : opts->version == 3 ? offsetof(qc_recode_options, stream_path)
                 : opts->version == 4 ? offsetof(qc_recode_options, on_results)
                                      : offsetof(qc_recode_options, outputs);
    memcpy(full, opts, offsetof(qc_recode_options, run) + run_size);
    memcpy((char *)full + after, (const char *)opts + after - shift, end - after);
}

/* ---- the public calls ---- */

int qc_recode_run(qc_recode **out, const char *const *paths, size_t count, const qc_codebook *new_cb,
                  const qc_casebook *cases, const qc_recode_options *opts, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_run: out is NULL");
    *out = NULL;
    if (!new_cb || !opts || (count && !paths))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_run: NULL argument");
    if (opts->version < 1 || opts->version > QC_RECODE_OPTIONS_VERSION)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "recode options version %u, expected %u",
                            opts->version, QC_RECODE_OPTIONS_VERSION);
    qc_recode_options full = QC_RECODE_OPTIONS_INIT;
    copy_options(&full, opts);
    if (opts->version < 3)
        full.find_old_codebook = 0;
    opts = &full;
    if (!opts->old_cb && !opts->results_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1,
                            "qc_recode_run: neither an old codebook nor old results given");
    if (opts->stream_path && (!opts->stream_options || opts->counts_only))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1,
                            "qc_recode_run: a stream needs its write options and full results");
    qc_codebook *found = NULL;
    if (opts->results_path && !opts->old_cb && opts->find_old_codebook &&
        qc_recode_find_old_codebook(opts->results_path, opts->cache_dir, &found, err) != 0)
        return QC_ERR_NOMEM;
    full.old_cb = found ? found : full.old_cb;
    qc_recode *rc = qc_calloc(1, sizeof *rc);
    if (!rc) {
        qc_codebook_free(found);
        return qc_error_nomem(err);
    }
    rc->found_old_cb = found;
    rc->old_cb = opts->old_cb;
    rc->new_cb = new_cb;
    rc->cases = cases;
    rc->counts_only = opts->counts_only;
    rc->stream_path = opts->stream_path;
    rc->stream_options = opts->stream_options;
    rc->on_results = opts->on_results;
    rc->results_user = opts->results_user;
    rc->outputs = opts->outputs;
    rc->casebook_changed = opts->casebook_changed;
    rc->on_issue = opts->run.on_issue;
    rc->issue_user = opts->run.user;
    const char *version = qc_codebook_version(new_cb);
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "UNASSIGNED.R%s", *version ? version : "NEW");
    rc->unassigned_id = qc_buf_detach(&b);
    /* A quoted version ("2024-03 draft") may hold what no code id may: each such character is
     * '_', so manual.xml stays valid and its codings go on to a .qdpx (docs/recode.md). */
    char *to = rc->unassigned_id ? rc->unassigned_id + 12 : NULL;
    for (const char *p = to; p && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) == 0x80)
            continue; /* a UTF-8 continuation byte: its character is one '_' already */
        *to++ = (char)((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                               c == '.' || c == '-'
                           ? c
                           : '_');
    }
    if (to)
        *to = '\0';
    qc_buf_printf(&b, "Unassigned after revision %s", *version ? version : "(unnumbered)");
    rc->unassigned_name = qc_buf_detach(&b);
    int st = (!rc->unassigned_id || !rc->unassigned_name) ? qc_error_nomem(err) : 0;
    if (!st)
        st = new_results(rc, err);
    /* The next `recode --from` the results of this one, the codebook maybe edited in place by then,
     * finds its old codebook in the cache. */
    if (!st && opts->cache_dir)
        st = keep_codebook(opts, new_cb, err);
    if (!st && opts->cache_dir && opts->old_cb)
        st = keep_codebook(opts, opts->old_cb, err);
    /* The old side: the results.xml's header, and its quotations unless the old codebook may
     * code them again (checked document by document as the run goes); else a run of old_cb. */
    int coded_old = opts->old_cb && !opts->results_path;
    if (!st && opts->results_path) {
        rc->results_path = qc_strdup(opts->results_path);
        st = rc->results_path ? 0 : qc_error_nomem(err);
        if (!st && opts->old_cb)
            st = read_header(rc, opts->old_cb, &coded_old, err);
        if (!st && !coded_old)
            st = load_old_results(rc, opts->results_path, err);
    }
    int verify = coded_old && opts->results_path;
    if (!st && opts->old_cb) {
        /* With a results.xml the old codebook only names the codes; its ids must be the file's. */
        if (!opts->results_path && ids_of_codebook(rc, opts->old_cb))
            st = qc_error_nomem(err);
        if (!st)
            st = qc_codebook_diff_new(&rc->diff, opts->old_cb, new_cb, err);
    }
    /* Manual codings are carried before the new run, which counts them. */
    if (!st)
        st = qc_recode_carry_manual(rc, opts->manual_path, err);
    /* Each document is compared as soon as both its sides are known, so that memory follows the
     * changes, not the corpus: coded with both codebooks from one reading, or the new run against
     * the old results.xml's quotations. */
    if (!st && coded_old) {
        st = qc_rq_compare_begin(rc) ? qc_error_nomem(err) : 0;
        if (!st)
            st = run_pair(rc, verify, paths, count, opts, err);
    } else if (!st) {
        st = compare_with_new_run(rc, paths, count, opts, err);
    }
    if (verify && !st)
        st = finish_unmatched(rc, opts, err);
    rc->old_coded = verify;
    if (!st)
        qc_manual_finish(rc->counted);
    if (!st && (st = qc_rq_compare_end(rc)) != 0)
        qc_error_nomem(err);
    if (!st)
        st = fill_texts(rc, opts, err);
    if (st) {
        qc_recode_free(rc);
        return st;
    }
    *out = rc;
    return QC_OK;
}

void qc_recode_free(qc_recode *rc)
{
    if (!rc)
        return;
    qc_free(rc->cache_dir);
    qc_cache_keys_free(&rc->cache_used);
    qc_rq_compare_free(rc);
    qc_codebook_diff_free(rc->diff);
    qc_results_free(rc->results);
    qc_buf_free(&rc->pool);
    for (size_t i = 0; i < rc->old_id_count; i++)
        qc_free(rc->old_ids[i]);
    qc_free(rc->old_ids);
    for (size_t i = 0; i < rc->doc_count; i++) {
        qc_free(rc->docs[i].id);
        qc_free(rc->docs[i].path);
    }
    qc_free(rc->docs);
    qc_free(rc->doc_map);
    qc_free(rc->file_docs);
    qc_free(rc->old_q);
    qc_free(rc->new_q);
    qc_free(rc->def_q);
    qc_free(rc->file_q);
    if (rc->old_texts)
        fclose(rc->old_texts);
    qc_free(rc->rows);
    qc_free(rc->events);
    qc_recode_free_manual(rc);
    qc_free(rc->unassigned_id);
    qc_free(rc->unassigned_name);
    qc_free(rc->results_path);
    qc_codebook_free(rc->found_old_cb);
    qc_free(rc);
}

size_t qc_recode_old_side_read_documents(const qc_recode *rc)
{
    return rc && rc->old_coded ? rc->old_read_docs : 0;
}

const qc_codebook *qc_recode_old_codebook(const qc_recode *rc)
{
    return rc ? rc->found_old_cb : NULL;
}

int qc_recode_old_codebook_differs(const qc_recode *rc)
{
    return rc && rc->from_other_codebook;
}

qc_results *qc_recode_results(qc_recode *rc)
{
    return rc ? rc->results : NULL;
}

const qc_codebook_diff *qc_recode_diff(const qc_recode *rc)
{
    return rc ? rc->diff : NULL;
}

void qc_recode_run_stats(const qc_recode *rc, qc_run_stats *stats)
{
    if (!stats)
        return;
    memset(stats, 0, sizeof *stats);
    if (rc)
        *stats = rc->stats;
}

int qc_recode_old_side_coded(const qc_recode *rc)
{
    return rc ? rc->old_coded : 0;
}

int qc_recode_prune_cache(qc_recode *rc, size_t *removed, uint64_t *bytes, qc_error *err)
{
    if (removed)
        *removed = 0;
    if (bytes)
        *bytes = 0;
    if (!rc || !rc->cache_dir)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_prune_cache: no re-code through a cache");
    return qc_cache_prune_dir(rc->cache_dir, &rc->cache_used, removed, bytes, err);
}

size_t qc_recode_cache_unwritten(const qc_recode *rc, char *reason, size_t cap)
{
    if (reason && cap)
        snprintf(reason, cap, "%s", rc ? rc->cache_unwritten_reason : "");
    return rc ? rc->cache_unwritten : 0;
}

void qc_recode_cache_stats(const qc_recode *rc, qc_cache_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (rc)
        *out = rc->cache_stats;
}

size_t qc_recode_row_count(const qc_recode *rc)
{
    return rc ? rc->row_count : 0;
}

int qc_recode_get_row(const qc_recode *rc, size_t index, qc_recode_row *out)
{
    if (!rc || !out || index >= rc->row_count)
        return QC_ERR_INVALID;
    const qc_rq_row *r = &rc->rows[index];
    out->new_code = r->new_code;
    if (r->new_code >= 0) {
        out->id = qc_code_id(rc->new_cb, (size_t)r->new_code);
        out->name = qc_code_name(rc->new_cb, (size_t)r->new_code);
    } else {
        out->id = rc->old_ids[r->old_slot];
        long o = rc->old_cb ? qc_codebook_find(rc->old_cb, out->id) : -1;
        out->name = o >= 0 ? qc_code_name(rc->old_cb, (size_t)o) : "";
    }
    out->kinds = r->kinds;
    out->from = qc_rq_str(rc, r->from);
    out->before = r->before;
    out->after = r->after;
    out->kept = r->kept;
    out->gained = r->gained;
    out->lost = r->lost;
    return QC_OK;
}

void qc_recode_get_totals(const qc_recode *rc, qc_recode_totals *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (rc)
        *out = rc->totals;
}

const char *qc_recode_reason_name(qc_recode_reason reason)
{
    static const char *const names[] = {"",
                                        "rules changed",
                                        "reference changed",
                                        "merged",
                                        "split",
                                        "id changed",
                                        "code removed",
                                        "document changed",
                                        "unexplained",
                                        "code added",
                                        "casebook changed",
                                        "document not read"};
    return (unsigned)reason < sizeof names / sizeof names[0] ? names[reason] : "?";
}
