/* The evaluation both engines share (see rule_eval.h; the meaning is docs/semantics.md). */
#include "rule_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bound.h"
#include "buf.h"
#include "error.h"
#include "casebook_impl.h"
#include "qcode/casebook.h"
#include "text.h"

/* QC_GROW, with the common case (room enough) decided without a call. */
#define GROW(arr, cap, need) ((need) > (cap) && QC_GROW(arr, cap, need))

int qc_eval_init(qc_eval *ev, const qc_codebook *cb, const qc_match_tables *mt)
{
    memset(ev, 0, sizeof *ev);
    ev->cb = cb;
    ev->mt = mt;
    qc_quotes_init(&ev->quotes);
    ev->rx = qc_regex_scratch_new();
    return ev->rx ? QC_OK : QC_ERR_NOMEM;
}

void qc_eval_free(qc_eval *ev)
{
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++)
        qc_free(ev->units[k]);
    qc_free(ev->sent_para);
    qc_free(ev->eligible);
    qc_free(ev->cond_attr);
    qc_free(ev->stack);
    qc_free(ev->keep);
    qc_free(ev->unit_hits);
    qc_free(ev->excl);
    qc_free(ev->rx_hits);
    qc_free(ev->rx_text);
    qc_free(ev->trouble);
    qc_quotes_free(&ev->quotes);
    qc_regex_scratch_free(ev->rx);
    memset(ev, 0, sizeof *ev);
}

/* ---- the document as units ----------------------------------------------------------------- */

/* First word whose start is >= cp. */
static uint32_t word_at_or_after(const qc_document *doc, uint32_t cp)
{
    return (uint32_t)qc_lower_bound_u32(doc->words, sizeof *doc->words, offsetof(qc_doc_word, start), 0,
                                        doc->word_count, cp);
}

void qc_eval_hit_words(const qc_document *doc, uint32_t start, uint32_t end, uint32_t *w0, uint32_t *w1)
{
    /* w0: the first word ending after start; w1: the first word starting at or after end */
    *w0 = (uint32_t)qc_upper_bound_u32(doc->words, sizeof *doc->words, offsetof(qc_doc_word, end), 0, doc->word_count,
                                       start);
    uint32_t b = word_at_or_after(doc, end);
    *w1 = b < *w0 ? *w0 : b;
}

static int set_units(qc_eval *ev, unsigned kind, size_t n)
{
    if (GROW(ev->units[kind], ev->unit_cap[kind], n ? n : 1))
        return QC_ERR_NOMEM;
    ev->unit_count[kind] = n;
    return QC_OK;
}

/* First word at or after `from` whose start is >= cp (words before `from` all start before cp):
 * units come in text order, so each search gallops from where the one before ended. */
static uint32_t word_from(const qc_document *doc, uint32_t from, uint32_t cp)
{
    size_t lo = from, n = doc->word_count, step = 1;
    if (lo >= n || doc->words[lo].start >= cp)
        return (uint32_t)lo;
    while (lo + step < n && doc->words[lo + step].start < cp)
        step *= 2;
    size_t hi = lo + step < n ? lo + step : n;
    lo += step / 2 + 1; /* words[lo + step/2] starts before cp */
    return (uint32_t)qc_lower_bound_u32(doc->words, sizeof *doc->words, offsetof(qc_doc_word, start), lo, hi, cp);
}

/* Every unit's words [w0, w1): the units of one kind ascend and do not overlap. */
static void units_words(const qc_document *doc, qc_ev_unit *units, size_t n)
{
    uint32_t cursor = 0;
    for (size_t i = 0; i < n; i++) {
        qc_ev_unit *u = &units[i];
        if (i && u->start < units[i - 1].end)
            cursor = 0; /* not in order after all: start over (never happens with a built document) */
        u->w0 = word_from(doc, cursor, u->start);
        u->w1 = word_from(doc, u->w0, u->end);
        if (u->w1 < u->w0)
            u->w1 = u->w0;
        cursor = u->w1;
    }
}

/* The words of units that hold whole sentences (paragraphs, turns), from the sentences' words that
 * segmentation kept: a unit's words are those of the sentences starting in it (a word lies inside
 * its sentence, a sentence inside its paragraph and turn), the same as units_words finds with two
 * searches a unit. */
static void units_words_by_sentences(const qc_document *doc, qc_ev_unit *units, size_t n)
{
    size_t k = 0, ns = doc->sentence_count;
    for (size_t i = 0; i < n; i++) {
        qc_ev_unit *u = &units[i];
        if (i && u->start < units[i - 1].end)
            k = 0; /* as units_words: never with a built document */
        while (k < ns && doc->sentences[k].start < u->start)
            k++;
        u->w0 = doc->sentence_words[k];
        while (k < ns && doc->sentences[k].start < u->end)
            k++;
        u->w1 = doc->sentence_words[k];
    }
}

size_t qc_eval_unit_at(const qc_eval *ev, unsigned kind, uint32_t cp)
{
    const qc_ev_unit *u = ev->units[kind];
    /* the last unit starting at or before cp is the one before lo */
    size_t lo = qc_upper_bound_u32(u, sizeof *u, offsetof(qc_ev_unit, start), 0, ev->unit_count[kind], cp);
    if (lo == 0 || cp >= u[lo - 1].end)
        return SIZE_MAX;
    return lo - 1;
}

int qc_eval_begin(qc_eval *ev, const qc_document *doc, const qc_casebook *cases, qc_error *err)
{
    ev->doc = doc;
    ev->cases = cases;
    ev->err = err;
    ev->trouble_count = 0;
    if (set_units(ev, QC_UNIT_KIND_SENTENCE, doc->sentence_count) ||
        set_units(ev, QC_UNIT_KIND_PARAGRAPH, doc->paragraph_count) ||
        set_units(ev, QC_UNIT_KIND_TURN, doc->turn_count))
        return qc_error_nomem(err);
    for (size_t i = 0; i < doc->sentence_count; i++) {
        qc_ev_unit *u = &ev->units[QC_UNIT_KIND_SENTENCE][i];
        u->start = doc->sentences[i].start;
        u->end = doc->sentences[i].end;
        u->turn = doc->sentences[i].turn;
    }
    if (doc->sentence_words) {
        /* Segmentation kept each sentence's words: the same ranges units_words finds (a word lies
         * inside its sentence, sentences ascend), without two searches a sentence. */
        for (size_t i = 0; i < doc->sentence_count; i++) {
            ev->units[QC_UNIT_KIND_SENTENCE][i].w0 = doc->sentence_words[i];
            ev->units[QC_UNIT_KIND_SENTENCE][i].w1 = doc->sentence_words[i + 1];
        }
    } else {
        units_words(doc, ev->units[QC_UNIT_KIND_SENTENCE], doc->sentence_count);
    }
    for (size_t i = 0; i < doc->paragraph_count; i++) {
        qc_ev_unit *u = &ev->units[QC_UNIT_KIND_PARAGRAPH][i];
        u->start = doc->paragraphs[i].start;
        u->end = doc->paragraphs[i].end;
        u->turn = doc->paragraphs[i].turn;
    }
    if (doc->sentence_words)
        units_words_by_sentences(doc, ev->units[QC_UNIT_KIND_PARAGRAPH], doc->paragraph_count);
    else
        units_words(doc, ev->units[QC_UNIT_KIND_PARAGRAPH], doc->paragraph_count);
    if (GROW(ev->sent_para, ev->sent_para_cap, doc->sentence_count ? doc->sentence_count : 1))
        return qc_error_nomem(err);
    for (size_t i = 0, p = 0; i < doc->sentence_count; i++) {
        uint32_t at = doc->sentences[i].start;
        while (p < doc->paragraph_count && doc->paragraphs[p].end <= at)
            p++;
        int inside = p < doc->paragraph_count && doc->paragraphs[p].start <= at;
        ev->sent_para[i] = inside ? (uint32_t)p : UINT32_MAX;
    }
    for (size_t i = 0; i < doc->turn_count; i++) {
        qc_ev_unit *u = &ev->units[QC_UNIT_KIND_TURN][i];
        u->start = doc->turns[i].start;
        u->end = doc->turns[i].end;
        u->turn = (uint32_t)i;
    }
    if (doc->sentence_words)
        units_words_by_sentences(doc, ev->units[QC_UNIT_KIND_TURN], doc->turn_count);
    else
        units_words(doc, ev->units[QC_UNIT_KIND_TURN], doc->turn_count);

    size_t cells = ev->cb->code_count * doc->turn_count;
    if (GROW(ev->eligible, ev->eligible_cap, cells ? cells : 1))
        return qc_error_nomem(err);
    if (cells && ev->mt->condition_count) /* only codes with conditions keep their answers there */
        memset(ev->eligible, 0, cells);

    /* `where` keys resolved once per document against this casebook, compared as names are
     * (qc_fold_equal: `where RÉGION` reads the column `Région`) */
    size_t nc = ev->mt->condition_count;
    if (GROW(ev->cond_attr, ev->cond_cap, nc ? nc : 1))
        return qc_error_nomem(err);
    for (size_t c = 0; c < ev->cb->code_count; c++) {
        const qc_code_def *cd = &ev->cb->codes[c];
        for (uint32_t k = 0; k < cd->condition_count; k++)
            ev->cond_attr[ev->mt->codes[c].condition_off + k] =
                qc_casebook_attribute_named(cases, cd->conditions[k].key);
    }
    if (qc_quotes_reset(&ev->quotes, ev->cb->code_count))
        return qc_error_nomem(err);
    return QC_OK;
}

/* ---- who is coded -------------------------------------------------------------------------- */

/* Attribute values compare without surrounding blanks and without case ("Nurse" = "nurse ", "Île" =
 * "île"), as the breakdowns group them (qc_fold_equal). */
static int value_equal(const char *a, const char *b)
{
    while (*a == ' ' || *a == '\t')
        a++;
    while (*b == ' ' || *b == '\t')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && (a[la - 1] == ' ' || a[la - 1] == '\t'))
        la--;
    while (lb && (b[lb - 1] == ' ' || b[lb - 1] == '\t'))
        lb--;
    return qc_fold_equal(a, la, b, lb);
}

/* The header's value of a key, the key compared as names are (qc_fold_equal), as
 * qc_document_attribute_get finds it. */
static const char *header_value(const qc_document *doc, const char *key)
{
    const char *found = NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < doc->attr_count; i++)
        if (qc_fold_equal(doc->attr_keys[i], strlen(doc->attr_keys[i]), key, n))
            found = doc->attr_values[i]; /* a later line of the same key wins */
    return found;
}

static int condition_holds(const qc_eval *ev, const qc_condition *cond, long attr, const char *speaker)
{
    const char *value = NULL;
    if (ev->cases && attr >= 0)
        value = qc_casebook_value(ev->cases, ev->doc->id, speaker, (size_t)attr);
    if (!value)
        value = header_value(ev->doc, cond->key);
    int match = 0;
    if (value)
        for (uint32_t i = 0; i < cond->value_count && !match; i++)
            match = value_equal(value, cond->values[i]);
    return cond->negate ? !match : match;
}

int qc_eval_turn_eligible_where(qc_eval *ev, int32_t code, uint32_t turn)
{
    uint8_t *cell = &ev->eligible[(size_t)code * ev->doc->turn_count + turn];
    if (*cell)
        return *cell == 2;
    const qc_code_def *cd = &ev->cb->codes[code];
    const qc_doc_turn *t = &ev->doc->turns[turn];
    int ok;
    switch (cd->settings.speakers) {
    case QC_FILTER_ALL: ok = 1; break;
    case QC_FILTER_INTERVIEWERS: ok = t->role == QC_ROLE_INTERVIEWER; break;
    default: ok = t->role != QC_ROLE_INTERVIEWER; break;
    }
    const char *speaker =
        t->speaker >= 0 && (size_t)t->speaker < ev->doc->speaker_count ? ev->doc->speakers[t->speaker] : NULL;
    for (uint32_t k = 0; ok && k < cd->condition_count; k++)
        ok = condition_holds(ev, &cd->conditions[k], ev->cond_attr[ev->mt->codes[code].condition_off + k], speaker);
    *cell = ok ? 2 : 1;
    return ok;
}

/* ---- rule trees ---------------------------------------------------------------------------- */

typedef struct unit_ctx {
    int32_t code;
    unsigned kind;
    uint32_t index;
    const qc_ev_unit *unit;
} unit_ctx;

static int push_hit(qc_eval *ev, const qc_ev_hit *h)
{
    if (GROW(ev->stack, ev->stack_cap, ev->stack_len + 1))
        return QC_ERR_NOMEM;
    ev->stack[ev->stack_len++] = *h;
    return QC_OK;
}

static int excluded(const qc_eval *ev, const qc_ev_hit *h)
{
    for (size_t i = 0; i < ev->excl_count; i++)
        if (h->start < ev->excl[i].end && ev->excl[i].start < h->end)
            return 1;
    return 0;
}

/* Words between two hits, 0 when they overlap or touch. */
static uint32_t words_between(const qc_ev_hit *a, const qc_ev_hit *b)
{
    uint32_t lo = a->w0 > b->w0 ? a->w0 : b->w0;
    uint32_t hi = a->w1 < b->w1 ? a->w1 : b->w1;
    return lo > hi ? lo - hi : 0;
}

/* Evaluates node ni in the unit: returns 1 when it holds (its hits pushed on ev->stack), 0 when
 * not (nothing pushed), or a negative status. */
static int eval_node(qc_eval *ev, const unit_ctx *u, int32_t ni, unsigned depth)
{
    if (ni < 0 || (size_t)ni >= ev->cb->node_count || depth > 100000)
        return 0;
    const qc_rule_node *n = &ev->cb->nodes[ni];
    size_t base = ev->stack_len;
    switch (n->kind) {
    case QC_NODE_PATTERN:
    case QC_NODE_REGEX: {
        if (n->leaf < 0)
            return 0;
        const qc_ev_hit *hits = NULL;
        size_t count = 0;
        int rc = ev->leaf_hits(ev, ev->engine, n->leaf, u->kind, u->index, &hits, &count);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < count; i++) {
            if (ev->excl_count && excluded(ev, &hits[i]))
                continue;
            if ((rc = push_hit(ev, &hits[i])) < 0)
                return rc;
        }
        return ev->stack_len > base;
    }
    case QC_NODE_CODEREF: {
        if (n->code < 0 || (size_t)n->code >= ev->cb->code_count)
            return 0;
        int32_t end = n->descendants ? ev->mt->codes[n->code].subtree_end : n->code + 1;
        for (int32_t t = n->code; t < end; t++)
            if (qc_quotes_overlap(&ev->quotes, t, u->unit->start, u->unit->end))
                return 1;
        return 0;
    }
    case QC_NODE_NOT: {
        int rc = eval_node(ev, u, n->left, depth + 1);
        if (rc < 0)
            return rc;
        ev->stack_len = base;
        return !rc;
    }
    case QC_NODE_AND:
    case QC_NODE_OR: {
        int a = eval_node(ev, u, n->left, depth + 1);
        if (a < 0)
            return a;
        if (!a && n->kind == QC_NODE_AND && ev->short_circuit)
            return 0; /* nothing was pushed */
        int b = eval_node(ev, u, n->right, depth + 1);
        if (b < 0)
            return b;
        int holds = n->kind == QC_NODE_AND ? a && b : a || b;
        if (!holds)
            ev->stack_len = base;
        return holds;
    }
    case QC_NODE_NEAR:
    case QC_NODE_BEFORE: {
        int a = eval_node(ev, u, n->left, depth + 1);
        if (a < 0)
            return a;
        size_t mid = ev->stack_len;
        if ((!a || mid == base) && ev->short_circuit) {
            ev->stack_len = base; /* a side without hits never pairs */
            return 0;
        }
        int b = eval_node(ev, u, n->right, depth + 1);
        if (b < 0)
            return b;
        size_t end = ev->stack_len;
        if (!a || !b || mid == base || end == mid) {
            /* a side that holds without hits ({REF}, NOT) has nothing to pair */
            ev->stack_len = base;
            return 0;
        }
        if (GROW(ev->keep, ev->keep_cap, end))
            return QC_ERR_NOMEM;
        memset(ev->keep + base, 0, end - base);
        int any = 0;
        for (size_t i = base; i < mid; i++) {
            const qc_ev_hit *x = &ev->stack[i];
            for (size_t j = mid; j < end; j++) {
                const qc_ev_hit *y = &ev->stack[j];
                int ok;
                if (n->kind == QC_NODE_NEAR)
                    ok = words_between(x, y) <= n->distance;
                else
                    ok = x->end <= y->start && (y->w0 > x->w1 ? y->w0 - x->w1 : 0) <= n->distance;
                if (ok) {
                    ev->keep[i] = ev->keep[j] = 1;
                    any = 1;
                }
            }
        }
        size_t w = base;
        for (size_t i = base; i < end; i++)
            if (ev->keep[i])
                ev->stack[w++] = ev->stack[i];
        ev->stack_len = any ? w : base;
        return any;
    }
    }
    return 0;
}

int qc_eval_code_unit(qc_eval *ev, int32_t code, uint32_t unit)
{
    return qc_eval_code_unit_rules(ev, code, unit, ~0ull);
}

int qc_eval_code_unit_rules(qc_eval *ev, int32_t code, uint32_t unit, uint64_t rules)
{
    const qc_code_def *cd = &ev->cb->codes[code];
    const qc_mt_code *mc = &ev->mt->codes[code];
    unit_ctx u = {code, mc->unit_kind, unit, &ev->units[mc->unit_kind][unit]};

    ev->excl_count = 0;
    for (uint32_t e = 0; e < mc->exclude_count; e++) {
        const qc_ev_hit *hits = NULL;
        size_t count = 0;
        int rc =
            ev->leaf_hits(ev, ev->engine, ev->mt->exclude_leaves[mc->exclude_off + e], u.kind, unit, &hits, &count);
        if (rc < 0)
            return rc;
        if (GROW(ev->excl, ev->excl_cap, ev->excl_count + count))
            return QC_ERR_NOMEM;
        if (count)
            memcpy(ev->excl + ev->excl_count, hits, count * sizeof *hits);
        ev->excl_count += count;
    }

    ev->unit_hit_count = 0;
    int any = 0;
    uint32_t rule_count = cd->rule_count;
    for (uint32_t r = 0; r < rule_count; r++) {
        if (r <= 63) {
            /* on to the next rule that may hold here (bit 63: every rule from 63 on) */
            uint64_t rest = rules >> r;
            if (!rest)
                break;
            r += (uint32_t)__builtin_ctzll(rest);
            if (r >= rule_count)
                break;
        }
        int32_t root = cd->rules[r].root;
        const qc_rule_node *n = root >= 0 && (size_t)root < ev->cb->node_count ? &ev->cb->nodes[root] : NULL;
        if (n && (n->kind == QC_NODE_PATTERN || n->kind == QC_NODE_REGEX) && n->leaf >= 0 && !ev->excl_count) {
            /* a rule of one word, phrase or regex (most rules): its hits in the unit are the
             * rule's, straight from the engine (what eval_node would push and the loop below copy) */
            const qc_ev_hit *hits = NULL;
            size_t count = 0;
            int rc = ev->leaf_hits(ev, ev->engine, n->leaf, u.kind, unit, &hits, &count);
            if (rc < 0)
                return rc;
            if (!count)
                continue;
            any = 1;
            if (GROW(ev->unit_hits, ev->unit_hit_cap, ev->unit_hit_count + count))
                return QC_ERR_NOMEM;
            for (size_t i = 0; i < count; i++) {
                qc_ev_hit h = hits[i];
                h.rule = r;
                ev->unit_hits[ev->unit_hit_count++] = h;
            }
            continue;
        }
        ev->stack_len = 0;
        int rc = eval_node(ev, &u, root, 0);
        if (rc < 0)
            return rc;
        if (!rc)
            continue;
        any = 1;
        if (GROW(ev->unit_hits, ev->unit_hit_cap, ev->unit_hit_count + ev->stack_len))
            return QC_ERR_NOMEM;
        for (size_t i = 0; i < ev->stack_len; i++) {
            qc_ev_hit h = ev->stack[i];
            h.rule = r;
            ev->unit_hits[ev->unit_hit_count++] = h;
        }
    }
    if (!any)
        return QC_OK;
    if (ev->unit_hit_count > 1)
        qc_ev_hits_sort(ev->unit_hits, ev->unit_hit_count);
    size_t w = 0;
    for (size_t i = 0; i < ev->unit_hit_count; i++)
        if (!w || qc_ev_hit_cmp(&ev->unit_hits[i], &ev->unit_hits[w - 1]) != 0)
            ev->unit_hits[w++] = ev->unit_hits[i];
    ev->unit_hit_count = w;
    if (cd->settings.min_hits > 0 && w < cd->settings.min_hits)
        return QC_OK;
    const qc_ev_unit *tu = &ev->units[QC_UNIT_KIND_TURN][u.unit->turn];
    return qc_quotes_add_unit(&ev->quotes, &cd->settings, ev->doc, u.unit->start, u.unit->end, u.unit->turn, tu->w0,
                              tu->w1, ev->unit_hits, ev->unit_hit_count);
}

int qc_eval_end_code(qc_eval *ev, int32_t code)
{
    return qc_quotes_end_code(&ev->quotes, code);
}

/* ---- leaf search helpers ------------------------------------------------------------------- */

/* The first time stamp of doc ending after code point cp (doc->stamp_count when none does). */
static size_t stamp_ending_after(const qc_document *doc, uint32_t cp)
{
    return qc_upper_bound_u32(doc->stamps, sizeof *doc->stamps, offsetof(qc_doc_unit, end), 0, doc->stamp_count, cp);
}

int qc_eval_gap_is_space(const qc_document *doc, uint32_t a, uint32_t b)
{
    size_t from = doc->cp_to_byte[doc->words[a].end];
    size_t to = doc->cp_to_byte[doc->words[b].start];
    const char *s = doc->text;
    size_t pos = from;
    size_t k = SIZE_MAX; /* the next stamp, looked for at the first byte that is no space */
    while (pos < to) {
        unsigned char c = (unsigned char)s[pos];
        if (c < 0x80) {
            if (c == ' ' || (c >= '\t' && c <= '\r')) {
                pos++;
                continue;
            }
            /* A time stamp is markup: a phrase runs over it as over white space. */
            if (k == SIZE_MAX)
                k = stamp_ending_after(doc, doc->words[a].end);
            if (k < doc->stamp_count && doc->cp_to_byte[doc->stamps[k].start] == pos) {
                pos = doc->cp_to_byte[doc->stamps[k++].end];
                continue;
            }
            return 0;
        }
        int32_t cp = qc_utf8_decode(s, to, &pos);
        if (cp < 0 || !qc_char_is_space(cp))
            return 0;
    }
    return 1;
}

/* qc_eval_hit_words for a hit inside unit u: the answer lies among the unit's words (unless a
 * word runs into the unit from before it, which a built document never has: then the whole
 * document is searched). */
static void unit_hit_words(const qc_document *doc, const qc_ev_unit *u, uint32_t start, uint32_t end, uint32_t *w0,
                           uint32_t *w1)
{
    if (u->w0 > 0 && doc->words[u->w0 - 1].end > start) {
        qc_eval_hit_words(doc, start, end, w0, w1);
        return;
    }
    /* w0: the first word ending after start; every word from u->w1 on starts at or after the
     * unit's end, after start, so ends after it too */
    *w0 = (uint32_t)qc_upper_bound_u32(doc->words, sizeof *doc->words, offsetof(qc_doc_word, end), u->w0, u->w1, start);
    /* w1: the first word starting at or after end; words before u->w0 start before the unit */
    uint32_t b = word_from(doc, u->w0, end);
    *w1 = b < *w0 ? *w0 : b;
}

/* The code point at byte offset b, which lies in [lo, hi] (code points; b is a byte of the text, so
 * it fits cp_to_byte's 32 bits). */
static uint32_t byte_to_cp(const qc_document *doc, size_t b, uint32_t lo, uint32_t hi)
{
    return (uint32_t)qc_lower_bound_u32(doc->cp_to_byte, sizeof *doc->cp_to_byte, 0, lo, hi, (uint32_t)b);
}

static int note_trouble(qc_eval *ev, int32_t leaf, int status, const qc_ev_unit *u)
{
    for (size_t i = 0; i < ev->trouble_count; i++)
        if (ev->trouble[i].leaf == leaf) {
            ev->trouble[i].units++;
            return QC_OK;
        }
    if (GROW(ev->trouble, ev->trouble_cap, ev->trouble_count + 1))
        return QC_ERR_NOMEM;
    ev->trouble[ev->trouble_count++] = (qc_ev_trouble){leaf, status, 1, u->start, u->end};
    return QC_OK;
}

int qc_eval_regex_unit(qc_eval *ev, int32_t leaf, unsigned kind, uint32_t unit)
{
    return qc_eval_regex_unit_at(ev, leaf, kind, unit, NULL, 0);
}

int qc_eval_regex_unit_at(qc_eval *ev, int32_t leaf, unsigned kind, uint32_t unit, const uint32_t *starts,
                          size_t start_count)
{
    const qc_document *doc = ev->doc;
    const qc_ev_unit *u = &ev->units[kind][unit];
    const qc_rule_node *n = &ev->cb->nodes[ev->mt->leaves[leaf].node];
    ev->rx_count = 0;
    if (!n->regex)
        return QC_OK;
    size_t b0 = doc->cp_to_byte[u->start], b1 = doc->cp_to_byte[u->end];
    const char *subject = doc->text + b0;
    size_t len = b1 - b0, pos = 0;
    int ascii = len == (size_t)(u->end - u->start); /* as many bytes as code points: each is one */
    size_t k = doc->stamp_count ? stamp_ending_after(doc, u->start) : 0;
    if (k < doc->stamp_count && doc->stamps[k].start < u->end) {
        /* The unit holds time stamps: the regex reads each as spaces (as many bytes, so offsets
         * stand), so it neither matches a stamp's digits nor finds one between words. */
        if (GROW(ev->rx_text, ev->rx_text_cap, len + 1))
            return QC_ERR_NOMEM;
        memcpy(ev->rx_text, subject, len);
        for (; k < doc->stamp_count && doc->stamps[k].start < u->end; k++) {
            size_t s0 = doc->cp_to_byte[doc->stamps[k].start], s1 = doc->cp_to_byte[doc->stamps[k].end];
            s0 = s0 < b0 ? b0 : s0;
            s1 = s1 > b1 ? b1 : s1;
            memset(ev->rx_text + (s0 - b0), ' ', s1 - s0);
        }
        subject = ev->rx_text;
        starts = NULL; /* (found in the text with its stamps: the blanked one is searched whole) */
    }
    size_t next = 0; /* the first of `starts` not yet behind pos */
    while (pos <= len) {
        size_t ms = 0, me = 0, from = pos, last = SIZE_MAX;
        if (starts) {
            while (next < start_count && starts[next] - b0 < pos)
                next++;
            if (next == start_count)
                break; /* no match can start at or after pos */
            from = starts[next] - b0;
            last = starts[start_count - 1] - b0;
        }
        int rc = qc_regex_match_until(n->regex, ev->rx, subject, len, from, last, 1, &ms, &me);
        if (rc == 0)
            break;
        if (rc == QC_ERR_NOMEM)
            return rc;
        if (rc < 0)
            return note_trouble(ev, leaf, rc, u);
        if (me > ms) {
            /* an empty match marks nothing: it is not a hit */
            qc_ev_hit h;
            if (ascii) { /* a code point a byte: no search */
                h.start = u->start + (uint32_t)ms;
                h.end = u->start + (uint32_t)me;
            } else {
                h.start = byte_to_cp(doc, b0 + ms, u->start, u->end);
                h.end = byte_to_cp(doc, b0 + me, h.start, u->end);
            }
            unit_hit_words(doc, u, h.start, h.end, &h.w0, &h.w1);
            h.leaf = leaf;
            h.rule = 0;
            if (GROW(ev->rx_hits, ev->rx_cap, ev->rx_count + 1))
                return QC_ERR_NOMEM;
            ev->rx_hits[ev->rx_count++] = h;
            pos = me;
        } else {
            if (ms >= len)
                break;
            pos = ms + 1;
            while (pos < len && ((unsigned char)subject[pos] & 0xC0) == 0x80)
                pos++;
        }
    }
    return QC_OK;
}

/* ---- the result ---------------------------------------------------------------------------- */

static int cmp_trouble(const void *a, const void *b)
{
    const qc_ev_trouble *x = a, *y = b;
    return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

static int add_issues(qc_eval *ev, qc_coding *c)
{
    if (!ev->trouble_count)
        return QC_OK;
    qsort(ev->trouble, ev->trouble_count, sizeof *ev->trouble, cmp_trouble);
    c->issues = qc_calloc(ev->trouble_count, sizeof *c->issues);
    if (!c->issues)
        return QC_ERR_NOMEM;
    c->issue_cap = ev->trouble_count;
    for (size_t i = 0; i < ev->trouble_count; i++) {
        const qc_ev_trouble *t = &ev->trouble[i];
        const qc_mt_leaf *lf = &ev->mt->leaves[t->leaf];
        if (ev->emit && lf->code >= 0 && !ev->emit[lf->code])
            continue; /* a code evaluated only for a {REF}: not asked for */
        const qc_rule_node *n = &ev->cb->nodes[lf->node];
        const qc_code_def *cd = &ev->cb->codes[lf->code];
        uint32_t line, col;
        qc_document_line_col(ev->doc, t->first_start, &line, &col);
        qc_buf b = QC_BUF_INIT;
        qc_buf_printf(&b, "code %s, %s at line %u: regex /%s/ %s in %u unit%s (first at line %u, column %u of %s)",
                      cd->id, lf->rule >= 0 ? "rule" : "exclude", lf->rule >= 0 ? cd->rules[lf->rule].line : n->line,
                      n->source ? n->source : "", t->status == QC_ERR_LIMIT ? "stopped at the regex limit" : "failed",
                      t->units, t->units == 1 ? "" : "s", line, col, ev->doc->id ? ev->doc->id : "the document");
        /* The hits found before the limit are kept (docs/semantics.md): only later ones are lost. */
        qc_buf_puts(&b, "; its hits there after the limit are missing, the rest of the document was coded");
        char *msg = qc_buf_detach(&b);
        if (!msg)
            return QC_ERR_NOMEM;
        c->issues[c->issue_count++] = msg;
    }
    return QC_OK;
}

int qc_eval_finish(qc_eval *ev, qc_coding **out)
{
    *out = NULL;
    qc_coding *c = qc_calloc(1, sizeof *c);
    if (!c)
        return qc_error_nomem(ev->err);
    c->codebook = ev->cb;
    if (qc_quotes_emit(&ev->quotes, ev->cb->code_count, ev->emit, c) || add_issues(ev, c)) {
        qc_coding_free(c);
        return qc_error_nomem(ev->err);
    }
    /* The coding has what the stores held: a large transcript's stores would otherwise stay beside
     * everything its results need. */
    qc_quotes_release_big(&ev->quotes);
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++) {
        QC_RELEASE_BIG(ev->units[k], ev->unit_cap[k]);
        if (!ev->units[k])
            ev->unit_count[k] = 0;
    }
    QC_RELEASE_BIG(ev->sent_para, ev->sent_para_cap);
    QC_RELEASE_BIG(ev->eligible, ev->eligible_cap);
    *out = c;
    return QC_OK;
}
