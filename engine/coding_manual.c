/* Manual codings counted beside the engine's: a manual.xml read once (qc_manual_load), and each
 * document's codings merged into its coding as quotations by coder (coding_impl.h: who) before it
 * reaches the results. A span the engine and people both coded is one quotation listed once per
 * coder, so counts count coded passages, not coders (docs/semantics.md, "Manual codings"). */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bound.h"
#include "coding_impl.h"
#include "coding_manual.h"
#include "document_impl.h"
#include "error.h"
#include "refi_manual.h"
#include "refi_xml.h"
#include "text.h"
#include "xml_out.h"

/* The engine's name as a coder (refi_export.c): its codings, sent back by another tool, are not a
 * person's. This run's rules decide them, so they are not counted again. */
#define ENGINE_CODER "qcode"

struct qc_manual {
    char *path;
    const qc_codebook *cb;
    qc_refi_manual mm; /* sorted by document, start, end, code, coder */
    int32_t *code;     /* per coding: code index; -1: not counted (warned at load) */
    uint16_t *coder;   /* per coding: index into names */
    uint8_t *seen;     /* per coding: its document came */
    char **names;      /* [0] NULL (the engine), then the coders in folded-name order; borrowed from mm */
    size_t name_count;
    qc_refi_log log;
    size_t counted;
    int finished;
};

/* A coding's place among the codings, by its coder's folded name, then by where it stands. */
typedef struct coder_ref {
    const char *key; /* the coder's name folded (qc_fold_dup) */
    size_t index;    /* the coding */
} coder_ref;

static int cmp_ref(const void *pa, const void *pb)
{
    const coder_ref *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    return c ? c : a->index < b->index ? -1 : a->index > b->index;
}

/* Distinct coders in name order, so a quotation's coders list in that order too. Names are
 * compared as the casebook compares names (qc_fold_dup: `Anna`, `anna` and an accent typed either
 * way are one person), each coder named as their first coding writes it. */
static int collect_coders(qc_manual *m, qc_error *err)
{
    size_t n = m->mm.count, uniq = 0;
    coder_ref *refs = qc_calloc(n ? n : 1, sizeof *refs);
    int rc = refs ? QC_OK : qc_error_nomem(err);
    for (size_t i = 0; i < n && rc == QC_OK; i++) {
        refs[i].index = i;
        if (!(refs[i].key = qc_fold_dup(m->mm.items[i].coder)))
            rc = qc_error_nomem(err);
    }
    if (rc == QC_OK) {
        qsort(refs, n, sizeof *refs, cmp_ref);
        for (size_t i = 0; i < n; i++)
            uniq += !i || strcmp(refs[i].key, refs[i - 1].key) != 0;
        if (uniq >= UINT16_MAX)
            rc = qc_error_set(err, QC_ERR_LIMIT, m->path, 0, 0, -1, "more than %u coders", (unsigned)UINT16_MAX - 1);
        else if (!(m->names = qc_calloc(uniq + 1, sizeof *m->names)))
            rc = qc_error_nomem(err);
    }
    if (rc == QC_OK) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!i || strcmp(refs[i].key, refs[i - 1].key) != 0)
                m->names[++k] = m->mm.items[refs[i].index].coder;
            m->coder[refs[i].index] = (uint16_t)k;
        }
        m->name_count = uniq + 1;
    }
    for (size_t i = 0; refs && i < n; i++)
        qc_free((char *)refs[i].key);
    qc_free(refs);
    return rc;
}

/* An empty coder would read back as the engine: such a coding is by "unknown", as when import
 * could not tell who made it. */
static int name_unknown_coders(qc_manual *m, qc_error *err)
{
    for (size_t i = 0; i < m->mm.count; i++) {
        qc_refi_manual_coding *c = &m->mm.items[i];
        if (c->coder[0])
            continue;
        char *u = qc_strdup("unknown");
        if (!u)
            return qc_error_nomem(err);
        qc_free(c->coder);
        c->coder = u;
    }
    return QC_OK;
}

/* Makes m ready from its codings (m->mm, read or adopted): unknown coders named, sorted, code and
 * coder tables built, unknown codes and the engine's own codings warned about. Frees m on failure. */
static int prepare(qc_manual *m, qc_manual **out, qc_error *err)
{
    const qc_codebook *cb = m->cb;
    int rc = name_unknown_coders(m, err);
    if (rc == 0)
        qc_refi_manual_sort(&m->mm); /* exact repeats are one coding */
    size_t n = m->mm.count;
    if (rc == 0) {
        m->code = qc_calloc(n ? n : 1, sizeof *m->code);
        m->coder = qc_calloc(n ? n : 1, sizeof *m->coder);
        m->seen = qc_calloc(n ? n : 1, sizeof *m->seen);
        if (!m->code || !m->coder || !m->seen)
            rc = qc_error_nomem(err);
    }
    if (rc == 0)
        rc = collect_coders(m, err);
    if (rc != 0) {
        qc_manual_free(m);
        return rc;
    }
    size_t engine = 0;
    uint32_t engine_line = 0;
    for (size_t i = 0; i < n; i++) {
        const qc_refi_manual_coding *c = &m->mm.items[i];
        long code = qc_codebook_find(cb, c->code);
        m->code[i] = code < 0 ? -1 : (int32_t)code;
        /* `QCode` too: coders' names compare as names (collect_coders). */
        if (qc_fold_equal(c->coder, strlen(c->coder), ENGINE_CODER, strlen(ENGINE_CODER))) {
            m->code[i] = -1;
            if (!engine++)
                engine_line = c->line;
        } else if (code < 0) {
            qc_refi_warn(&m->log, c->line, "coding by %s on '%s': code %s is not in the codebook: not counted",
                         c->coder, c->document, c->code);
        }
    }
    if (engine)
        qc_refi_warn(&m->log, engine_line,
                     "%zu coding%s by qcode (the engine's own, sent back by another tool) not counted again: this "
                     "run's rules decide them",
                     engine, engine == 1 ? "" : "s");
    *out = m;
    return QC_OK;
}

static qc_manual *new_manual(const char *path, const qc_codebook *cb, qc_diagnostic_fn on_warning, void *user)
{
    qc_manual *m = qc_calloc(1, sizeof *m);
    if (!m || !(m->path = qc_strdup(path))) {
        qc_free(m);
        return NULL;
    }
    m->cb = cb;
    m->log.fn = on_warning;
    m->log.user = user;
    m->log.file = m->path;
    return m;
}

int qc_manual_load(qc_manual **out, const char *path, const qc_codebook *cb, qc_diagnostic_fn on_warning, void *user,
                   qc_error *err)
{
    if (out)
        *out = NULL;
    if (!out || !path || !cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_manual_load: NULL argument");
    qc_manual *m = new_manual(path, cb, on_warning, user);
    if (!m)
        return qc_error_nomem(err);
    int rc = qc_refi_manual_read(&m->mm, path, &m->log, err);
    if (rc != 0) {
        qc_free(m->path);
        qc_free(m);
        return rc;
    }
    return prepare(m, out, err);
}

int qc_manual_adopt(qc_manual **out, qc_refi_manual *mm, const char *path, const qc_codebook *cb,
                    qc_diagnostic_fn on_warning, void *user, qc_error *err)
{
    *out = NULL;
    qc_manual *m = new_manual(path ? path : "", cb, on_warning, user);
    if (!m) {
        qc_refi_manual_free(mm);
        return qc_error_nomem(err);
    }
    m->mm = *mm;
    memset(mm, 0, sizeof *mm);
    return prepare(m, out, err);
}

void qc_manual_free(qc_manual *m)
{
    if (!m)
        return;
    qc_refi_manual_free(&m->mm);
    qc_free(m->code);
    qc_free(m->coder);
    qc_free(m->seen);
    qc_free(m->names);
    qc_free(m->path);
    qc_free(m);
}

void qc_manual_finish(qc_manual *m)
{
    if (!m || m->finished)
        return;
    m->finished = 1;
    for (size_t i = 0; i < m->mm.count; i++) {
        const qc_refi_manual_coding *c = &m->mm.items[i];
        if (!m->seen[i] && m->code[i] >= 0)
            qc_refi_warn(&m->log, c->line, "coding of %s by %s: document '%s' is not in this run: not counted", c->code,
                         c->coder, c->document);
    }
}

void qc_manual_set_warnings(qc_manual *m, qc_diagnostic_fn on_warning, void *user)
{
    if (!m)
        return;
    m->log.fn = on_warning;
    m->log.user = user;
}

static void doc_range(const qc_manual *m, const char *id, size_t *first, size_t *last);

void qc_manual_pass_over(qc_manual *m, const char *id)
{
    if (!m || !id)
        return;
    size_t first, last;
    doc_range(m, id, &first, &last);
    for (size_t i = first; i < last; i++)
        m->seen[i] = 1;
}

void qc_manual_get_stats(const qc_manual *m, qc_manual_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!m)
        return;
    out->codings = m->mm.count;
    out->counted = m->counted;
    out->warnings = m->log.warnings;
    out->coders = m->name_count ? m->name_count - 1 : 0;
}

/* --- merging one document --- */

/* A manual coding ready to merge: code, span, turn, coder. */
typedef struct pending {
    int32_t code;
    uint32_t start, end, turn;
    uint16_t coder;
} pending;

static int cmp_pending(const void *pa, const void *pb)
{
    const pending *a = pa, *b = pb;
    if (a->code != b->code)
        return a->code < b->code ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->coder < b->coder ? -1 : a->coder > b->coder;
}

/* -1, 0, 1 as a quotation (code, start, end) sorts before, with, after a pending coding. */
static int cmp_quote_pending(const qc_quote_rec *q, const pending *p)
{
    if (q->code != p->code)
        return q->code < p->code ? -1 : 1;
    if (q->start != p->start)
        return q->start < p->start ? -1 : 1;
    if (q->end != p->end)
        return q->end < p->end ? -1 : 1;
    return 0;
}

/* The turn a span counts in: the one it starts in, or the next when it starts between turns (on
 * a speaker label); the last turn when it starts after every turn's content. */
static uint32_t turn_of(const qc_document *doc, uint32_t start)
{
    /* the first turn ending after start */
    size_t lo =
        qc_upper_bound_u32(doc->turns, sizeof *doc->turns, offsetof(qc_doc_turn, end), 0, doc->turn_count, start);
    return (uint32_t)(lo < doc->turn_count ? lo : doc->turn_count - 1);
}

/* Whether the document's text at [start, end) is still the coded text. */
static int text_matches(const qc_document *doc, size_t start, size_t end, const char *text)
{
    if (end > doc->length || start > end)
        return 0;
    size_t b0 = doc->cp_to_byte[start], b1 = doc->cp_to_byte[end];
    return strlen(text) == b1 - b0 && memcmp(doc->text + b0, text, b1 - b0) == 0;
}

/* The index range of doc's codings (mm is sorted by document first). */
static void doc_range(const qc_manual *m, const char *id, size_t *first, size_t *last)
{
    size_t lo = 0, hi = m->mm.count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->mm.items[mid].document, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (lo < m->mm.count && strcmp(m->mm.items[lo].document, id) == 0)
        lo++;
    *last = lo;
}

/* The pending codings of doc: known code and coder, text still there. Warns about the others. */
static int gather(qc_manual *m, const qc_document *doc, pending **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t first, last;
    /* codings name a document as XML gives its id back (U+FFFD for what XML cannot carry) */
    qc_buf shown = QC_BUF_INIT;
    const char *id = qc_xml_read_form(doc->id ? doc->id : "", &shown);
    if (!id) {
        qc_buf_free(&shown);
        return -1;
    }
    doc_range(m, id, &first, &last);
    qc_buf_free(&shown);
    if (first == last)
        return 0;
    pending *p = qc_calloc(last - first, sizeof *p);
    if (!p)
        return -1;
    size_t n = 0;
    for (size_t i = first; i < last; i++) {
        const qc_refi_manual_coding *c = &m->mm.items[i];
        if (m->seen[i])
            continue; /* a document id the run had twice: the results refuse the second */
        m->seen[i] = 1;
        if (m->code[i] < 0)
            continue; /* warned at load */
        if (c->start == c->end) {
            qc_refi_warn(&m->log, c->line, "coding of %s by %s on '%s' at %zu-%zu: an empty span: not counted", c->code,
                         c->coder, c->document, c->start, c->end);
            continue;
        }
        if (doc->turn_count == 0 || c->end > UINT32_MAX || !text_matches(doc, c->start, c->end, c->text)) {
            qc_refi_warn(&m->log, c->line,
                         "coding of %s by %s on '%s' at %zu-%zu: the document's text there is no longer the coded "
                         "text (the transcript changed): not counted",
                         c->code, c->coder, c->document, c->start, c->end);
            continue;
        }
        p[n++] =
            (pending){m->code[i], (uint32_t)c->start, (uint32_t)c->end, turn_of(doc, (uint32_t)c->start), m->coder[i]};
    }
    qsort(p, n, sizeof *p, cmp_pending);
    *out = p;
    *count = n;
    return 0;
}

void qc_manual_coding_free(qc_coding *coding)
{
    if (!coding)
        return;
    qc_free(coding->quotes);
    qc_free(coding->hits);
    qc_free(coding->who);
    qc_free(coding->who_coders);
    qc_free(coding);
}

/* Copies coding's hits (quotations keep their hit_first) and sets the borrowed fields. */
static qc_coding *new_merged(const qc_manual *m, const qc_coding *coding, size_t quotes, size_t coders)
{
    qc_coding *c = qc_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->codebook = coding->codebook;
    c->coder_names = (const char *const *)m->names;
    c->coder_name_count = m->name_count;
    c->quotes = qc_calloc(quotes ? quotes : 1, sizeof *c->quotes);
    c->who = qc_calloc(quotes ? quotes : 1, sizeof *c->who);
    c->who_coders = qc_calloc(coders ? coders : 1, sizeof *c->who_coders);
    c->hits = qc_calloc(coding->hit_count ? coding->hit_count : 1, sizeof *c->hits);
    if (!c->quotes || !c->who || !c->who_coders || !c->hits) {
        qc_manual_coding_free(c);
        return NULL;
    }
    c->quote_cap = quotes ? quotes : 1;
    c->hit_cap = c->hit_count = coding->hit_count;
    if (coding->hit_count)
        memcpy(c->hits, coding->hits, coding->hit_count * sizeof *c->hits);
    return c;
}

int qc_manual_merge(qc_manual *m, const qc_document *doc, const qc_coding *coding, qc_coding **out, qc_error *err)
{
    *out = NULL;
    pending *p;
    size_t np;
    if (gather(m, doc, &p, &np) != 0)
        return qc_error_nomem(err);
    if (np == 0) {
        qc_free(p);
        return QC_OK;
    }
    size_t nq = coding->quote_count;
    qc_coding *c = new_merged(m, coding, nq + np, nq + np);
    if (!c) {
        qc_free(p);
        return qc_error_nomem(err);
    }
    /* Both lists are sorted by code, start, end: walk them together. */
    size_t i = 0, j = 0, w = 0;
    while (i < nq || j < np) {
        int order = i == nq ? 1 : j == np ? -1 : cmp_quote_pending(&coding->quotes[i], &p[j]);
        qc_quote_rec *q = &c->quotes[c->quote_count];
        qc_quote_who *who = &c->who[c->quote_count];
        who->first = (uint32_t)w;
        if (order <= 0) {
            *q = coding->quotes[i++];
            c->who_coders[w++] = 0; /* the engine */
        } else {
            *q = (qc_quote_rec){p[j].code, p[j].start, p[j].end, p[j].turn, 0, 0};
        }
        /* Every coder of this very span, once each (mm has no exact repeats; p is sorted by coder). */
        for (; order >= 0 && j < np && cmp_quote_pending(q, &p[j]) == 0; j++) {
            if (w == who->first || c->who_coders[w - 1] != p[j].coder)
                c->who_coders[w++] = p[j].coder;
            m->counted++;
        }
        who->count = (uint32_t)(w - who->first);
        c->quote_count++;
    }
    qc_free(p);
    *out = c;
    return QC_OK;
}
