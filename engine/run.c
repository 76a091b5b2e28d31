/* The corpus runner: worker threads read and code documents (one qc_coder each) into a ring of
 * slots a few documents ahead of the calling thread, which hands them to the callbacks strictly in
 * input order and codes documents itself while the next one is not ready. The window bounds
 * memory; the order makes the output independent of --jobs. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "coding_manual.h"
#include "document_impl.h"
#include "error.h"
#include "fileio.h"
#include "qcode/results.h"
#include "results_impl.h"
#include "run_with.h"
#include "sha256.h"
#include "speakers.h"

typedef enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE } slot_state;

typedef struct slot {
    slot_state state;
    size_t index;
    qc_document *doc;
    qc_coding *coding, *coding2; /* coding2: a second codebook's (qc_run_coder) */
    int rc;
    int read;  /* rc is this document's: process() ran (not the thread's coders failing) */
    qc_error err;
    char sha256[65];
    uint64_t size;
    qc_res_prepared *prep; /* kept from document to document */
    int prepared;          /* prep holds this document's additions */
} slot;

typedef struct runner {
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a slot became free, or stop */
    pthread_cond_t done_cv; /* a slot is done */
    const char *const *paths;
    const char *const *ids;
    size_t count;
    size_t next;     /* next input to start */
    size_t consumed; /* inputs handed over */
    size_t window;   /* slots: documents in flight at most */
    size_t base;     /* in flight whatever their size (see claim) */
    uint64_t ready;  /* bytes of the documents coded and not yet handed over */
    slot *slots;
    int stop;
    const qc_run_coder *how; /* how a thread codes a document */
    qc_cache_pair_fn on_pair;
    void *pair_user;
    const qc_casebook *cases;
    qc_read_options read; /* the caller's, as options of the current version */
    qc_results *results; /* prepare for these (read-only on the workers), or NULL */
} runner;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A thread's state (its coders), or its failure's status with *err set. */
static void *thread_new(runner *r, int *status, qc_error *err)
{
    void *state = r->how->thread_new(r->how->ctx, err);
    *status = state ? QC_OK : err && err->code ? err->code : QC_ERR_NOMEM;
    return state;
}

/* Reads, hashes and codes one file into its slot, with the thread's state. */
static void process(runner *r, void *state, slot *s)
{
    const char *path = r->paths[s->index];
    char *data = NULL;
    size_t size = 0;
    qc_error_clear(&s->err);
    s->size = 0;
    s->read = 1;
    s->rc = qc_transcript_read(path, &data, &size, &s->err);
    if (s->rc != 0)
        return;
    s->size = size;
    qc_sha256_hex(data, size, s->sha256);
    qc_read_options ropts = r->read;
    ropts.id = r->ids ? r->ids[s->index] : base_name(path);
    s->rc = qc_document_read_buffer(&s->doc, path, data, size, &ropts, &s->err);
    qc_free(data);
    if (s->rc != 0)
        return;
    s->rc = r->how->code(r->how->ctx, state, s->doc, s->sha256, size, &s->coding, &s->coding2, &s->err);
    if (s->rc != 0 && !s->err.file[0])
        qc_error_in_file(&s->err, s->rc, path, "cannot code");
    /* The results' share of the document, here rather than on the calling thread. When this fails
     * (memory), qc_results_add does it itself and reports. */
    if (s->rc == 0 && r->results && (s->prep || (s->prep = qc_calloc(1, sizeof *s->prep))))
        s->prepared = qc_res_prepare(r->results, s->doc, s->coding, s->prep) == 0;
}

/* Transcript bytes of coded documents waiting to be handed over beyond which no document is started
 * past the base window: a document in flight holds some 45 times its size (a 4 MB survey, 184 MB
 * peak), so large ones keep to the base window, while the benchmark's (30-90 kB) use all of it. */
enum { READY_BYTES = 4 << 20 };

/* With the lock held: the slot of the next input to start, or NULL when there is none to start
 * now (all started, stopped, or the window is full). Past the base window (two documents a job) a
 * document starts only while those waiting are small: documents differ in size (the benchmark's
 * threefold), and with two a job a thread that had coded its share of small ones while the calling
 * thread coded a large one waited for a free slot (two jobs, 200 MB of the benchmark: the worker
 * waited 1.1-4.9 s of 4-8 s on a shared host; with eight a job, 0.05-0.15 s). */
static slot *claim(runner *r)
{
    if (r->stop || r->next >= r->count || r->next >= r->consumed + r->window ||
        (r->next >= r->consumed + r->base && r->ready >= READY_BYTES))
        return NULL;
    slot *s = &r->slots[r->next % r->window];
    s->index = r->next++;
    s->state = SLOT_BUSY;
    return s;
}

/* With the lock held: a claimed slot is done. */
static void finish(runner *r, slot *s)
{
    s->state = SLOT_DONE;
    r->ready += s->size;
    pthread_cond_broadcast(&r->done_cv);
}

static void *worker(void *arg)
{
    runner *r = arg;
    qc_error cerr;
    qc_error_clear(&cerr);
    int crc;
    void *state = thread_new(r, &crc, &cerr);
    pthread_mutex_lock(&r->mu);
    while (!r->stop && r->next < r->count) {
        slot *s = claim(r);
        if (!s) {
            pthread_cond_wait(&r->work_cv, &r->mu);
            continue;
        }
        pthread_mutex_unlock(&r->mu);
        if (crc != 0) {
            s->rc = crc;
            s->err = cerr;
        } else {
            process(r, state, s);
        }
        pthread_mutex_lock(&r->mu);
        finish(r, s);
    }
    pthread_mutex_unlock(&r->mu);
    if (state)
        r->how->thread_free(state);
    return NULL;
}

static void slot_clear(slot *s)
{
    qc_coding_free(s->coding);
    qc_coding_free(s->coding2);
    qc_document_free(s->doc);
    s->coding = NULL;
    s->coding2 = NULL;
    s->doc = NULL;
    s->prepared = 0;
    s->read = 0;
    s->state = SLOT_FREE;
}

/* The document's reading notes, as warnings at their lines. */
static void report_notes(const qc_run_options *opts, const char *path, const qc_document *doc)
{
    size_t n = doc && opts->on_read_warning ? qc_document_note_count(doc) : 0;
    for (size_t i = 0; i < n; i++) {
        qc_diagnostic d = {QC_SEVERITY_WARNING, path, 0, 1, 1, NULL, NULL, 0, 0};
        qc_document_note(doc, i, &d.line, &d.message);
        opts->on_read_warning(&d, opts->user);
    }
}

/* Hands one finished slot to the callbacks. Returns 0 to go on, else the run's status. */
static int deliver(runner *r, const qc_run_options *opts, slot *s, qc_run_stats *st, qc_error *err)
{
    const char *path = r->paths[s->index];
    report_notes(opts, path, s->doc);
    if (s->rc != 0) {
        st->failed++;
        if (s->rc == QC_ERR_NOMEM && s->read) {
            /* Which transcript it was matters: one very large file is the usual cause, and the
             * run's own memory is flat in the corpus's size (docs/reliability.md). */
            if (s->size)
                qc_error_set(&s->err, QC_ERR_NOMEM, path, 0, 0, -1,
                             "out of memory while reading or coding this transcript (%llu byte%s)",
                             (unsigned long long)s->size, s->size == 1 ? "" : "s");
            else
                qc_error_set(&s->err, QC_ERR_NOMEM, path, 0, 0, -1, "out of memory while reading this transcript");
        }
        if (s->rc == QC_ERR_NOMEM) {
            if (err)
                *err = s->err;
            return s->rc;
        }
        if (opts->on_error)
            opts->on_error(path, &s->err, opts->user);
        if (opts->strict) {
            if (err)
                *err = s->err;
            return s->rc;
        }
        return 0;
    }
    st->documents++;
    st->bytes += s->size;
    size_t issues = qc_coding_issue_count(s->coding);
    for (size_t i = 0; i < issues; i++)
        if (opts->on_issue)
            opts->on_issue(path, qc_coding_issue(s->coding, i), opts->user);
    st->issues += issues;
    qc_source_info src = {path, s->size, s->sha256};
    qc_error herr;
    qc_error_clear(&herr);
    int rc = 0;
    if (r->on_pair) {
        if (s->prepared)
            qc_res_offer(r->results, s->prep);
        rc = r->on_pair(s->doc, s->coding, s->coding2, &src, r->pair_user, &herr);
        if (s->prepared)
            qc_res_offer(r->results, NULL);
    } else if (opts->on_document) {
        /* Merged here, on the calling thread, so the qc_manual needs no lock and its warnings come
         * in input order. */
        qc_coding *merged = NULL;
        rc = opts->manual ? qc_manual_merge(opts->manual, s->doc, s->coding, &merged, &herr) : 0;
        if (rc == 0 && s->prepared && !merged)
            qc_res_offer(r->results, s->prep);
        if (rc == 0)
            rc = opts->on_document(s->doc, merged ? merged : s->coding, &src, opts->user, &herr);
        if (s->prepared)
            qc_res_offer(r->results, NULL);
        qc_manual_coding_free(merged);
    }
    if (rc < 0) {
        if (err)
            *err = herr;
        return rc;
    }
    return 0;
}

/* One job: read, code and add each document on the calling thread, one after the other, so that
 * --jobs 1 is one core (a worker beside the calling thread would make it two). */
static int run_inline(runner *r, const qc_run_options *opts, qc_run_stats *st, qc_error *err)
{
    qc_error_clear(err);
    int rc;
    void *state = thread_new(r, &rc, err);
    if (!state)
        return rc;
    slot s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < r->count && rc == 0; i++) {
        s.index = i;
        process(r, state, &s);
        rc = deliver(r, opts, &s, st, err);
        if (opts->on_progress)
            opts->on_progress(st, opts->user);
        slot_clear(&s);
    }
    r->how->thread_free(state);
    return rc;
}

static unsigned online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

/* One codebook's coder a thread, or two: a plain run, or a re-code's without a cache. */
typedef struct books {
    const qc_codebook *cb, *cb2; /* cb2 NULL: one */
    qc_engine engine;
    const qc_casebook *cases;
} books;

static void *books_coders_new(void *ctx, qc_error *err)
{
    const books *b = ctx;
    return qc_run_coders_new(b->cb, b->cb2, b->engine, err);
}

static int code_with_books(void *ctx, void *state, const qc_document *doc, const char *sha256, size_t size,
                           qc_coding **out, qc_coding **out2, qc_error *err)
{
    (void)sha256, (void)size;
    const books *b = ctx;
    qc_run_coders *c = state;
    int rc = qc_coder_code(c->coder, doc, b->cases, out, err);
    return rc || !c->coder2 ? rc : qc_coder_code(c->coder2, doc, b->cases, out2, err);
}

size_t qc_run_options_size(unsigned version)
{
    /* Version 1 ends before results, version 2 before on_read_warning. */
    return version == 1   ? offsetof(qc_run_options, results)
           : version == 2 ? offsetof(qc_run_options, on_read_warning)
                          : sizeof(qc_run_options);
}

/* The runner. Documents are coded by `how`, or, when it is NULL, with cb (and cb2) by coders of
 * the run's engine. */
static int run_corpus(const char *const *paths, size_t count, const qc_codebook *cb, const qc_codebook *cb2,
                      const qc_run_coder *how, const qc_casebook *cases, const qc_run_options *opts,
                      qc_cache_pair_fn on_pair, void *user, qc_run_stats *stats, qc_error *err)
{
    static const qc_run_options defaults = QC_RUN_OPTIONS_INIT;
    qc_run_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!opts)
        opts = &defaults;
    if (opts->version < 1 || opts->version > QC_RUN_OPTIONS_VERSION)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "run options version %u, expected %u", opts->version,
                            QC_RUN_OPTIONS_VERSION);
    qc_run_options full = QC_RUN_OPTIONS_INIT;
    memcpy(&full, opts, qc_run_options_size(opts->version));
    opts = &full;
    if ((!cb && !how) || (count && !paths))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_corpus_run: NULL argument");
    if (count == 0)
        return QC_OK;
    qc_read_options read;
    int bad_read = qc_read_options_current(opts->read, &read, err);
    if (!bad_read)
        bad_read = qc_speaker_pattern_check(&read, err);
    if (bad_read)
        return bad_read;

    books b = {cb, cb2, opts->engine, cases};
    qc_run_coder plain = {books_coders_new, qc_run_coders_free, code_with_books, &b};
    runner r;
    memset(&r, 0, sizeof r);
    r.paths = paths;
    r.ids = opts->ids;
    r.count = count;
    r.how = how ? how : &plain;
    r.on_pair = on_pair;
    r.pair_user = user;
    r.cases = cases;
    r.read = read;
    unsigned jobs = opts->jobs ? opts->jobs : online_cores();
    if (jobs > 256)
        jobs = 256;
    if ((size_t)jobs > count)
        jobs = (unsigned)count;
    if (jobs == 1)
        return run_inline(&r, opts, stats, err);
    /* Workers prepare the results' additions, unless manual codings change the coding first (they
     * are merged on this thread); for a pair of codings, the first's, when the caller names the
     * results its on_pair adds it to. */
    r.results = opts->results ? opts->results : opts->on_document == qc_results_add_fn ? opts->user : NULL;
    if (opts->manual || (on_pair ? !opts->results : !opts->on_document))
        r.results = NULL;
    /* Two documents per job in flight, and up to eight while they are small (claim): enough to keep
     * every thread busy while the calling thread aggregates, few enough that memory does not
     * depend on the corpus. */
    r.base = (size_t)jobs * 2;
    r.window = (size_t)jobs * 8;
    r.slots = qc_calloc(r.window, sizeof *r.slots);
    pthread_t *threads = qc_calloc(jobs - 1, sizeof *threads);
    if (!r.slots || !threads) {
        qc_free(r.slots);
        qc_free(threads);
        return qc_error_nomem(err);
    }
    qc_error_clear(err);
    int rc;
    void *own = thread_new(&r, &rc, err);
    if (!own) {
        qc_free(r.slots);
        qc_free(threads);
        return rc;
    }
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.work_cv, NULL);
    pthread_cond_init(&r.done_cv, NULL);
    /* jobs - 1 workers: the calling thread is the last job. It adds documents in input order and,
     * whenever the next one is not ready, reads and codes one itself instead of waiting, so that
     * --jobs N keeps N cores busy (N workers beside it would ask for N + 1). */
    unsigned started = 0;
    for (; started < jobs - 1; started++)
        if (pthread_create(&threads[started], NULL, worker, &r) != 0)
            break;

    for (size_t i = 0; i < count && rc == 0; i++) {
        slot *s = &r.slots[i % r.window];
        pthread_mutex_lock(&r.mu);
        while (!(s->state == SLOT_DONE && s->index == i)) {
            slot *mine = claim(&r);
            if (!mine) {
                pthread_cond_wait(&r.done_cv, &r.mu);
                continue;
            }
            pthread_mutex_unlock(&r.mu);
            process(&r, own, mine);
            pthread_mutex_lock(&r.mu);
            finish(&r, mine);
        }
        pthread_mutex_unlock(&r.mu);
        rc = deliver(&r, opts, s, stats, err);
        if (opts->on_progress)
            opts->on_progress(stats, opts->user);
        pthread_mutex_lock(&r.mu);
        r.ready -= s->size;
        slot_clear(s);
        r.consumed = i + 1;
        if (rc != 0)
            r.stop = 1;
        pthread_cond_broadcast(&r.work_cv);
        pthread_mutex_unlock(&r.mu);
    }
    pthread_mutex_lock(&r.mu);
    r.stop = 1;
    pthread_cond_broadcast(&r.work_cv);
    pthread_mutex_unlock(&r.mu);
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    for (size_t i = 0; i < r.window; i++) {
        slot_clear(&r.slots[i]);
        qc_res_prepared_free(r.slots[i].prep);
    }
    pthread_cond_destroy(&r.done_cv);
    pthread_cond_destroy(&r.work_cv);
    pthread_mutex_destroy(&r.mu);
    r.how->thread_free(own);
    qc_free(r.slots);
    qc_free(threads);
    return rc;
}

int qc_corpus_run(const char *const *paths, size_t count, const qc_codebook *cb, const qc_casebook *cases,
                  const qc_run_options *opts, qc_run_stats *stats, qc_error *err)
{
    return run_corpus(paths, count, cb, NULL, NULL, cases, opts, NULL, NULL, stats, err);
}

qc_run_coders *qc_run_coders_new(const qc_codebook *cb, const qc_codebook *cb2, qc_engine engine, qc_error *err)
{
    qc_coder_options copts = QC_CODER_OPTIONS_INIT;
    copts.engine = engine;
    qc_run_coders *c = qc_calloc(1, sizeof *c);
    if (!c) {
        qc_error_nomem(err);
        return NULL;
    }
    if (qc_coder_new(&c->coder, cb, &copts, err) != 0 || (cb2 && qc_coder_new(&c->coder2, cb2, &copts, err) != 0)) {
        qc_run_coders_free(c);
        return NULL;
    }
    return c;
}

void qc_run_coders_free(void *state)
{
    qc_run_coders *c = state;
    if (!c)
        return;
    qc_coder_free(c->coder);
    qc_coder_free(c->coder2);
    qc_free(c);
}

int qc_corpus_run_pair(const char *const *paths, size_t count, const qc_codebook *cb, const qc_codebook *cb2,
                       const qc_casebook *cases, const qc_run_options *opts, qc_cache_pair_fn on_pair, void *user,
                       qc_run_stats *stats, qc_error *err)
{
    if (!cb || !cb2)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_corpus_run_pair: NULL codebook");
    return run_corpus(paths, count, cb, cb2, NULL, cases, opts, on_pair, user, stats, err);
}

int qc_corpus_run_with(const char *const *paths, size_t count, const qc_run_coder *how, const qc_casebook *cases,
                       const qc_run_options *opts, qc_cache_pair_fn on_pair, void *user, qc_run_stats *stats,
                       qc_error *err)
{
    return run_corpus(paths, count, NULL, NULL, how, cases, opts, on_pair, user, stats, err);
}
