/* The reference engine (see match.h): for every code, every unit of its scope and every leaf,
 * search the unit itself. Pattern leaves compare each pattern word with each of the unit's
 * words, folded right here (no tables, no shortcuts); regex leaves run over the unit's text. */
#include "match.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "text.h"

struct qc_reference {
    const qc_codebook *cb;
    const qc_match_tables *mt;
    /* the current unit's words, folded per variant on first use */
    int cached_kind;
    uint32_t cached_unit;
    uint8_t have[QC_MT_VARIANTS];
    qc_buf fold[QC_MT_VARIANTS];
    uint32_t *off[QC_MT_VARIANTS];
    size_t off_cap[QC_MT_VARIANTS];
    qc_ev_hit *out;
    size_t out_count, out_cap;
};

int qc_reference_new(qc_reference **out, const qc_codebook *cb, const qc_match_tables *mt)
{
    qc_reference *r = qc_calloc(1, sizeof *r);
    if (!r)
        return QC_ERR_NOMEM;
    r->cb = cb;
    r->mt = mt;
    r->cached_kind = -1;
    *out = r;
    return QC_OK;
}

void qc_reference_free(qc_reference *r)
{
    if (!r)
        return;
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        qc_buf_free(&r->fold[v]);
        qc_free(r->off[v]);
    }
    qc_free(r->out);
    qc_free(r);
}

static int fold_unit(qc_reference *r, const qc_document *doc, const qc_ev_unit *u, unsigned v)
{
    size_t n = u->w1 - u->w0;
    if (QC_GROW(r->off[v], r->off_cap[v], n + 1))
        return QC_ERR_NOMEM;
    qc_buf *b = &r->fold[v];
    if (qc_buf_failed(b))
        qc_buf_free(b);
    qc_buf_clear(b);
    for (size_t i = 0; i < n; i++) {
        const qc_doc_word *w = &doc->words[u->w0 + i];
        size_t b0 = doc->cp_to_byte[w->start], b1 = doc->cp_to_byte[w->end];
        r->off[v][i] = (uint32_t)b->len;
        if (qc_text_fold(doc->text + b0, b1 - b0, !(v & 2), !(v & 1), b) != 0)
            return QC_ERR_NOMEM;
    }
    r->off[v][n] = (uint32_t)b->len;
    return QC_OK;
}

static int ref_leaf_hits(qc_eval *ev, void *engine, int32_t leaf, unsigned kind, uint32_t unit, const qc_ev_hit **hits,
                         size_t *count)
{
    qc_reference *r = engine;
    const qc_mt_leaf *lf = &r->mt->leaves[leaf];
    *hits = NULL;
    *count = 0;
    if (lf->is_regex) {
        int rc = qc_eval_regex_unit(ev, leaf, kind, unit);
        *hits = ev->rx_hits;
        *count = ev->rx_count;
        return rc;
    }
    const qc_document *doc = ev->doc;
    const qc_ev_unit *u = &ev->units[kind][unit];
    if (r->cached_kind != (int)kind || r->cached_unit != unit) {
        r->cached_kind = (int)kind;
        r->cached_unit = unit;
        memset(r->have, 0, sizeof r->have);
    }
    unsigned v = lf->variant;
    if (!r->have[v]) {
        int rc = fold_unit(r, doc, u, v);
        if (rc)
            return rc;
        r->have[v] = 1;
    }
    r->out_count = 0;
    size_t n = u->w1 - u->w0, wc = lf->word_count;
    const qc_mt_word *pw = r->mt->words + lf->word_off;
    const char *folded = r->fold[v].data;
    for (size_t i = 0; wc && i + wc <= n; i++) {
        size_t k = 0;
        for (; k < wc; k++) {
            size_t j = i + k;
            if (!qc_mt_glob(r->mt->words_text + pw[k].off, pw[k].len, folded + r->off[v][j],
                            r->off[v][j + 1] - r->off[v][j]))
                break;
            if (k && !qc_eval_gap_is_space(doc, (uint32_t)(u->w0 + j - 1), (uint32_t)(u->w0 + j)))
                break;
        }
        if (k < wc)
            continue;
        uint32_t first = (uint32_t)(u->w0 + i), last = (uint32_t)(u->w0 + i + wc - 1);
        if (doc->words[last].end > u->end)
            continue;
        if (QC_GROW(r->out, r->out_cap, r->out_count + 1))
            return QC_ERR_NOMEM;
        r->out[r->out_count++] = (qc_ev_hit){doc->words[first].start, doc->words[last].end, first, last + 1, leaf, 0};
    }
    *hits = r->out;
    *count = r->out_count;
    return QC_OK;
}

int qc_reference_code(qc_reference *r, qc_eval *ev)
{
    ev->leaf_hits = ref_leaf_hits;
    ev->engine = r;
    ev->short_circuit = 0; /* every leaf of every rule is searched, regexes included */
    r->cached_kind = -1;
    for (size_t o = 0; o < r->mt->code_count; o++) {
        int32_t code = r->mt->order[o];
        if (ev->need && !ev->need[code])
            continue;
        unsigned kind = r->mt->codes[code].unit_kind;
        for (uint32_t u = 0; u < ev->unit_count[kind]; u++) {
            if (!qc_eval_turn_eligible(ev, code, ev->units[kind][u].turn))
                continue;
            int rc = qc_eval_code_unit(ev, code, u);
            if (rc)
                return rc;
        }
        int rc = qc_eval_end_code(ev, code);
        if (rc)
            return rc;
    }
    return QC_OK;
}
