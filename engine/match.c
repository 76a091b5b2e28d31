/* The fast engine (see match.h). Steps 1 and 2 read a scan (match_tables.h): the codebook's, or
 * for a coding of a few codes one of their leaves alone, which a word of no interest to them
 * fails at once. Per document:
 * 1. fold every word once per folding variant the scan's leaves use, into one reused arena, and
 *    in the same pass look it up: the keys its first three bytes may start (one load; most words
 *    stop there), wildcard prefixes at the lengths those bytes allow, the exact-word table (the
 *    word hashed only when some exact key may start so, then behind a bitmap), then the few
 *    patterns that start with a wildcard; a one-word leaf's hit is recorded at once, a phrase is
 *    verified on the following words after the pass; every hit goes to one flat array;
 * 2. find the occurrences of every distinct literal of the scan's regexes, those every match
 *    holds right after a \b at word starts only and the others at every position, and run each
 *    regex on the units of its code that hold one of its literals (all units when it has none);
 * 3. counting-sort the hits by leaf: each leaf's hits are a sorted slice, cut to a unit by a
 *    gallop from the last lookup;
 * 4. per code, visit only the units some source of its rules touches (unless a rule can hold with
 *    no hit at all), and evaluate there with the shared code only the rules whose sources the
 *    unit holds. */
#include "match.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "bound.h"
#include "buf.h"
#include "text.h"

/* QC_GROW, with the common case (room enough) decided without a call. */
#define GROW(arr, cap, need) ((need) > (cap) && QC_GROW(arr, cap, need))

/* A word of the block being scanned that some key may start (or every word, when some pattern
 * starts with a wildcard): looked up once the block is folded. */
typedef struct word_todo {
    uint32_t word, hash; /* hash: its exact-table hash, when starts has an exact key's bit */
    uint64_t starts;     /* the keys it may be (key_starts) */
    uint64_t lo;         /* its first 8 bytes folded, little-endian, 0 past its end */
} word_todo;

/* Words folded before their lookups: the folding loop then makes no call in the common case, and
 * its state stays in registers instead of being saved around every lookup. */
#define TODO_BLOCK 1024u

typedef struct raw_occ {
    int32_t leaf;
    qc_ev_hit hit;
} raw_occ;

typedef struct lit_occ {
    uint32_t lit;
    uint32_t byte; /* where it starts in the text */
} lit_occ;

/* Folded forms of the non-ASCII words met so far (folding those goes through utf8proc, which
 * allocates): raw bytes -> folded bytes, both in `text`. Cleared when it grows big. */
typedef struct fold_slot {
    uint32_t hash, raw_off, raw_len, fold_off, fold_len; /* raw_len 0: empty */
} fold_slot;

typedef struct fold_cache {
    fold_slot *slots; /* FOLD_CACHE_SLOTS */
    uint32_t used;
    qc_buf text;
} fold_cache;

#define FOLD_CACHE_SLOTS 4096u
#define FOLD_CACHE_BYTES (1u << 20)

struct qc_fast {
    const qc_codebook *cb;
    const qc_match_tables *mt;
    const qc_mt_scan *scan; /* the current document's first pass: mt's, or a subset's */
    fold_cache fc[QC_MT_VARIANTS];

    qc_buf arena[QC_MT_VARIANTS];
    uint32_t *woff[QC_MT_VARIANTS]; /* word i folded: arena + woff[i] .. woff[i+1] */
    size_t woff_cap[QC_MT_VARIANTS];

    raw_occ *raw;
    size_t raw_count, raw_cap;
    qc_ev_hit *occ;
    size_t occ_cap;
    uint32_t *leaf_start; /* leaf_count + 1 */

    qc_ev_hit *out;
    size_t out_cap;
    /* Where each leaf's last lookup ended, valid while cursor_gen[leaf] == eval_gen: a code visits
     * its units in order, so each lookup starts where the one before ended. */
    uint32_t *cursor, *cursor_gen;
    uint32_t eval_gen;

    /* Regex prefilter: occurrences of the distinct literals as (literal, code point) in text order,
     * then each literal's byte offsets together (lit_cp from lit_start[l]); the units of a kind
     * holding them (lu_*: computed on first use per document, valid while lu_gen == doc_gen); the
     * union of a regex's literals' units (rx_units). */
    lit_occ *occs;
    size_t occ_count, occs_cap;
    uint32_t *lit_cp;
    size_t lit_cp_cap;
    uint32_t *lit_start;                /* literal_count + 1 */
    uint32_t *lu_off, *lu_len, *lu_gen; /* literal_count x QC_UNIT_KINDS */
    uint32_t *lu_pool;
    size_t lu_pool_len, lu_pool_cap;
    uint32_t doc_gen;
    /* unit_at[kind][j]: the first unit of the kind ending after byte j << UNIT_AT_SHIFT (valid while
     * unit_at_gen[kind] == doc_gen): where literal_units starts to look for an occurrence's unit */
    uint32_t *unit_at[QC_UNIT_KINDS];
    size_t unit_at_cap[QC_UNIT_KINDS];
    uint32_t unit_at_gen[QC_UNIT_KINDS];
    size_t lit_max;            /* literals in the larger prefilter */
    const qc_mt_prefilter *pf; /* the current document's */
    unsigned pf_index;
    uint32_t *rx_units;
    size_t rx_units_cap;
    uint32_t *rx_starts; /* where a leading regex may match in a unit (unit_starts) */
    size_t rx_starts_cap;

    uint32_t *cand;
    size_t cand_count, cand_cap;
    uint32_t *stamp[QC_UNIT_KINDS];
    uint64_t *unit_rules[QC_UNIT_KINDS]; /* the rules whose sources a stamped unit holds */
    size_t stamp_cap[QC_UNIT_KINDS];
    uint32_t gen;


    struct pending_try *pending;
    size_t pending_count, pending_cap;

    struct word_todo *todo; /* TODO_BLOCK: the words of a block to look up (scan_variant) */

    /* A scan with a byte search (qc_mt_sparse): the words are folded only when looked at, so
     * word_matches folds its word into `spare` (the word being looked up is in the arena). */
    const qc_document *doc;
    int sparse;
    qc_buf spare;
    uint32_t *sp_pos; /* where a word key's needle occurs, ascending */
    size_t sp_pos_count, sp_pos_cap;
    uint32_t *sp_other; /* the words with a non-ASCII byte */
    size_t sp_other_cap;
    uint32_t *sp_words; /* the words to look up, ascending */
    size_t sp_words_cap;
};

int qc_fast_new(qc_fast **out, const qc_codebook *cb, const qc_match_tables *mt)
{
    qc_fast *f = qc_calloc(1, sizeof *f);
    if (!f)
        return QC_ERR_NOMEM;
    f->cb = cb;
    f->mt = mt;
    f->leaf_start = qc_calloc(mt->leaf_count + 1, sizeof *f->leaf_start);
    f->cursor = qc_calloc(mt->leaf_count + 1, sizeof *f->cursor);
    f->cursor_gen = qc_calloc(mt->leaf_count + 1, sizeof *f->cursor_gen);
    /* a subset's scan has some of these literals: room for all serves every scan */
    size_t nlit = mt->scan.prefilter[QC_MT_STRICT].literal_count;
    if (mt->scan.prefilter[QC_MT_PLAIN].literal_count > nlit)
        nlit = mt->scan.prefilter[QC_MT_PLAIN].literal_count;
    f->lit_max = nlit++;
    f->lit_start = qc_calloc(nlit, sizeof *f->lit_start);
    f->lu_off = qc_calloc(nlit * QC_UNIT_KINDS, sizeof *f->lu_off);
    f->lu_len = qc_calloc(nlit * QC_UNIT_KINDS, sizeof *f->lu_len);
    f->lu_gen = qc_calloc(nlit * QC_UNIT_KINDS, sizeof *f->lu_gen);
    f->todo = qc_malloc(TODO_BLOCK * sizeof *f->todo);
    if (!f->leaf_start || !f->cursor || !f->cursor_gen || !f->lit_start || !f->lu_off || !f->lu_len || !f->lu_gen ||
        !f->todo) {
        qc_fast_free(f);
        return QC_ERR_NOMEM;
    }
    *out = f;
    return QC_OK;
}

void qc_fast_free(qc_fast *f)
{
    if (!f)
        return;
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        qc_buf_free(&f->arena[v]);
        qc_free(f->woff[v]);
    }
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++) {
        qc_free(f->stamp[k]);
        qc_free(f->unit_rules[k]);
        qc_free(f->unit_at[k]);
    }
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        qc_free(f->fc[v].slots);
        qc_buf_free(&f->fc[v].text);
    }
    qc_free(f->raw);
    qc_free(f->occ);
    qc_free(f->leaf_start);
    qc_free(f->cursor);
    qc_free(f->cursor_gen);
    qc_free(f->out);
    qc_free(f->occs);
    qc_free(f->lit_cp);
    qc_free(f->lit_start);
    qc_free(f->lu_off);
    qc_free(f->lu_len);
    qc_free(f->lu_gen);
    qc_free(f->lu_pool);
    qc_free(f->rx_units);
    qc_free(f->rx_starts);
    qc_free(f->cand);
    qc_free(f->pending);
    qc_free(f->todo);
    qc_buf_free(&f->spare);
    qc_free(f->sp_pos);
    qc_free(f->sp_other);
    qc_free(f->sp_words);
    qc_free(f);
}

/* ---- words --------------------------------------------------------------------------------- */

/* Appends the folded form of a non-ASCII word to `out`, through the cache. */
static int fold_cached(fold_cache *c, const char *s, size_t len, int casefold, int strip, qc_buf *out)
{
    if (!c->slots || c->used >= FOLD_CACHE_SLOTS / 2 || c->text.len > FOLD_CACHE_BYTES || qc_buf_failed(&c->text)) {
        if (!c->slots && !(c->slots = qc_calloc(FOLD_CACHE_SLOTS, sizeof *c->slots)))
            return -1;
        memset(c->slots, 0, FOLD_CACHE_SLOTS * sizeof *c->slots);
        c->used = 0;
        if (qc_buf_failed(&c->text))
            qc_buf_free(&c->text);
        qc_buf_clear(&c->text);
    }
    uint32_t h = QC_MT_HASH_INIT;
    for (size_t i = 0; i < len; i++)
        h = qc_mt_hash_step(h, (unsigned char)s[i]);
    uint32_t i = h & (FOLD_CACHE_SLOTS - 1);
    for (; c->slots[i].raw_len; i = (i + 1) & (FOLD_CACHE_SLOTS - 1)) {
        const fold_slot *sl = &c->slots[i];
        if (sl->hash == h && sl->raw_len == len && memcmp(c->text.data + sl->raw_off, s, len) == 0) {
            qc_buf_append(out, c->text.data + sl->fold_off, sl->fold_len);
            return qc_buf_failed(out) ? -1 : 0;
        }
    }
    size_t raw_off = c->text.len;
    qc_buf_append(&c->text, s, len);
    size_t fold_off = c->text.len;
    if (qc_buf_failed(&c->text) || qc_text_fold(s, len, casefold, strip, &c->text) != 0)
        return -1; /* (the failed buffer is dropped on the next call) */
    c->slots[i] =
        (fold_slot){h, (uint32_t)raw_off, (uint32_t)len, (uint32_t)fold_off, (uint32_t)(c->text.len - fold_off)};
    c->used++;
    qc_buf_append(out, c->text.data + fold_off, c->text.len - fold_off);
    return qc_buf_failed(out) ? -1 : 0;
}

static int add_occ(qc_fast *f, int32_t leaf, const qc_ev_hit *h)
{
    if (GROW(f->raw, f->raw_cap, f->raw_count + 1))
        return QC_ERR_NOMEM;
    f->raw[f->raw_count].leaf = leaf;
    f->raw[f->raw_count].hit = *h;
    f->raw_count++;
    return QC_OK;
}

static int fold_word(qc_fast *f, unsigned v, size_t i, qc_buf *out);

/* 1 when folded word i matches pattern word pw, 0 when not, -1 when out of memory. */
static int word_matches(qc_fast *f, unsigned v, const qc_mt_word *pw, size_t i)
{
    const char *w;
    size_t wl;
    if (f->sparse) {
        if (qc_buf_failed(&f->spare))
            qc_buf_free(&f->spare); /* a failure in an earlier word must not stick */
        qc_buf_clear(&f->spare);
        if (fold_word(f, v, i, &f->spare))
            return -1;
        w = f->spare.data;
        wl = f->spare.len;
    } else {
        w = f->arena[v].data + f->woff[v][i];
        wl = f->woff[v][i + 1] - f->woff[v][i];
    }
    const char *p = f->mt->words_text + pw->off;
    if (!pw->has_wildcard)
        return wl == pw->len && memcmp(w, p, wl) == 0;
    /* `prefix*`, most wildcards: the prefix is enough (a word holds whole characters, which is
     * all a '*' asks of the rest) */
    if (pw->prefix_len + 1 == pw->len && p[pw->prefix_len] == '*')
        return wl >= pw->prefix_len && memcmp(w, p, pw->prefix_len) == 0;
    return qc_mt_glob(p, pw->len, w, wl);
}

/* A leaf filed under word i's folded form (its anchor word matched there, or may, for a wildcard):
 * check every word of the pattern around i and the white space between them, and record the hit. */
static int try_leaf(qc_fast *f, const qc_document *doc, int32_t leaf, size_t i, int anchor_checked)
{
    const qc_mt_leaf *lf = &f->mt->leaves[leaf];
    const qc_mt_word *pw = f->mt->words + lf->word_off;
    if (i < lf->anchor)
        return QC_OK;
    size_t first = i - lf->anchor, last = first + lf->word_count - 1;
    if (last >= doc->word_count)
        return QC_OK;
    int m;
    if (!anchor_checked && (m = word_matches(f, lf->variant, &pw[lf->anchor], i)) <= 0)
        return m < 0 ? QC_ERR_NOMEM : QC_OK;
    for (uint32_t k = 0; k < lf->word_count; k++) {
        if (k != lf->anchor && (m = word_matches(f, lf->variant, &pw[k], first + k)) <= 0)
            return m < 0 ? QC_ERR_NOMEM : QC_OK;
        if (k && !qc_eval_gap_is_space(doc, (uint32_t)(first + k - 1), (uint32_t)(first + k)))
            return QC_OK;
    }
    qc_ev_hit h = {doc->words[first].start, doc->words[last].end, (uint32_t)first, (uint32_t)last + 1, leaf, 0};
    return add_occ(f, leaf, &h);
}

/* A leaf whose anchor word matched (or may match) word i, to be checked once every word is folded
 * (a phrase looks at the words after i). */
typedef struct pending_try {
    int32_t leaf;
    uint32_t word;
    uint32_t anchor_checked;
} pending_try;

/* Checks a leaf at word i now (one word: everything it needs is folded) or after the pass. */
static inline __attribute__((always_inline)) int offer_leaf(qc_fast *f, const qc_document *doc, int32_t leaf, size_t i,
                                                            int anchor_checked)
{
    const qc_mt_leaf *lf = &f->mt->leaves[leaf];
    if (lf->word_count == 1) { /* try_leaf's work for a word that is its own anchor */
        int m;
        if (!anchor_checked && (m = word_matches(f, lf->variant, &f->mt->words[lf->word_off], i)) <= 0)
            return m < 0 ? QC_ERR_NOMEM : QC_OK;
        qc_ev_hit h = {doc->words[i].start, doc->words[i].end, (uint32_t)i, (uint32_t)i + 1, leaf, 0};
        return add_occ(f, leaf, &h);
    }
    if (lf->word_count < 1)
        return try_leaf(f, doc, leaf, i, anchor_checked);
    if (GROW(f->pending, f->pending_cap, f->pending_count + 1))
        return QC_ERR_NOMEM;
    f->pending[f->pending_count++] = (pending_try){leaf, (uint32_t)i, (uint32_t)anchor_checked};
    return QC_OK;
}

/* Appends the folded form of s[0..len) to a the slow way: ASCII inline, the rest through the
 * cache. */
static int fold_into(qc_fast *f, unsigned v, const char *s, size_t len, qc_buf *a)
{
    int casefold = !(v & 2), strip = !(v & 1);
    size_t k = 0;
    if (a->len + len < a->cap) {
        char *d = a->data + a->len;
        for (; k < len; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c >= 0x80)
                break;
            d[k] = (char)(casefold && c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
    }
    if (k == len) {
        a->len += len;
        return QC_OK;
    }
    return fold_cached(&f->fc[v], s, len, casefold, strip, a) != 0 ? QC_ERR_NOMEM : QC_OK;
}

/* Folds a word into the arena (scan_variant). */
static int fold_slow(qc_fast *f, unsigned v, const char *s, size_t len)
{
    return fold_into(f, v, s, len, &f->arena[v]);
}

/* Appends folded word i of the current document to out (room made first: fold_into folds ASCII
 * inline only with room). */
static int fold_word(qc_fast *f, unsigned v, size_t i, qc_buf *out)
{
    const qc_document *doc = f->doc;
    uint32_t b0 = doc->cp_to_byte[doc->words[i].start], len = doc->cp_to_byte[doc->words[i].end] - b0;
    if (qc_buf_reserve(out, len + 1))
        return QC_ERR_NOMEM;
    return fold_into(f, v, doc->text + b0, len, out);
}

/* The keys folded word w[0..wl) may be, from its prefix_masks entry (qc_mt_word_keys). */
static uint64_t key_starts(const qc_mt_variant *mv, const char *w, uint32_t wl)
{
    unsigned char b = wl > 1 ? (unsigned char)w[1] : 0, c = wl > 2 ? (unsigned char)w[2] : 0;
    return qc_mt_word_keys(mv->prefix_masks[qc_mt_triple((unsigned char)w[0], b, c)], wl);
}

/* What lookup_word needs of folded word i, w[0..wl), that a lookup is made for: the keys it may
 * be, its exact-table hash when one of them is an exact key, its first 8 bytes. */
static word_todo todo_of(const qc_mt_variant *mv, size_t i, const char *w, uint32_t wl)
{
    uint64_t starts = key_starts(mv, w, wl), lo = 0;
    for (size_t k = 0; k < 8 && k < wl; k++)
        lo |= (uint64_t)(unsigned char)w[k] << (8 * k);
    return (word_todo){(uint32_t)i, starts & ~QC_MT_PREFIX_BITS ? qc_mt_word_hash(w, wl) : 0, starts, lo};
}

/* Looks folded word i up: the prefix keys its first three bytes allow (`starts`, key_starts), its
 * exact key (hash h, computed only when starts says some exact key may be it), and the patterns
 * starting with a wildcard. */
static int lookup_word(qc_fast *f, const qc_document *doc, const qc_mt_variant *mv, size_t i, const char *w,
                       uint32_t wl, uint64_t starts, uint32_t h, uint64_t lo)
{
    const qc_mt_scan *scan = f->scan;
    uint32_t count;
    int rc;
    uint64_t lengths = starts & QC_MT_PREFIX_BITS; /* (no longer than the word: key_starts) */
    while (lengths) {
        uint32_t len = (uint32_t)__builtin_ctzll(lengths);
        lengths &= lengths - 1;
        /* a key of up to 8 bytes (most) hashed from the word's first 8 bytes, without a loop */
        uint32_t ph = len <= 8 ? qc_mt_word_hash2(lo & (~0ull >> (64 - 8 * len)), 0, len) : qc_mt_word_hash(w, len);
        const int32_t *list = qc_mt_lookup(scan, &mv->prefix, ph, w, len, &count);
        for (uint32_t k = 0; k < count; k++)
            if ((rc = offer_leaf(f, doc, list[k], i, f->mt->leaves[list[k]].anchor_is_key)))
                return rc;
    }
    if ((starts & ~QC_MT_PREFIX_BITS) && qc_mt_maybe_key(mv, h)) {
        const int32_t *list = qc_mt_lookup(scan, &mv->exact, h, w, wl, &count);
        for (uint32_t k = 0; k < count; k++)
            if ((rc = offer_leaf(f, doc, list[k], i, 1)))
                return rc;
    }
    for (uint32_t k = 0; k < mv->anywhere_count; k++)
        if ((rc = offer_leaf(f, doc, mv->anywhere[k], i, 0)))
            return rc;
    return QC_OK;
}

/* What folding a block of words reads and writes (scan_variant), in one place for fold_run. */
typedef struct fold_block {
    const qc_doc_word *words;
    const uint32_t *cp_to_byte;
    const char *text;
    size_t text_size;
    char *data; /* the arena's bytes, with room for cap */
    size_t alen, cap;
    uint32_t *off;
    const uint64_t *prefix_masks;
    int anywhere;
    word_todo *todo;
    size_t nt;
} fold_block;

#if defined(__SSE2__) && defined(__x86_64__)
/* qc_mt_word_keys's masks for the words fold_run takes (1 to 16 bytes): one load a word. */
#define KM(n) QC_MT_WORD_KEYS_MASK(n##u)
static const uint64_t word_keys_mask[17] = {KM(0), KM(1),  KM(2),  KM(3),  KM(4),  KM(5),  KM(6),  KM(7), KM(8),
                                            KM(9), KM(10), KM(11), KM(12), KM(13), KM(14), KM(15), KM(16)};
#undef KM

/* From word_bytes + 16 - len: 16 bytes whose first len are 0xFF, to keep a word's bytes alone. */
static const unsigned char word_bytes[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

/* How far from word i the fold loop may go without checking the ends: to the words starting at
 * least 16 bytes before the text's end (they ascend), and, as a word adds at most 16 bytes, to
 * as many words as keep 16 bytes of the arena free. */
static size_t fold_limit(const fold_block *b, size_t i, size_t i1, size_t alen, size_t text_end, size_t cap_end)
{
    while (i1 > i && b->cp_to_byte[b->words[i1 - 1].start] >= text_end)
        i1--;
    size_t room = alen < cap_end ? (cap_end - alen) / 16 : 0;
    return i1 - i > room ? i + room : i1;
}

/* Folds words i.. of the block while they are ASCII, 1 to 16 bytes and 16 bytes from the text's
 * and the arena's ends (nearly all words): 16 bytes are loaded, checked, lower-cased and hashed at
 * once. Returns the first word not folded (i1 when all were). No call in the loop, and the ends
 * checked once a run (fold_limit): everything it needs stays in registers. */
static inline __attribute__((always_inline)) size_t fold_run_as(fold_block *b, size_t i, size_t i1, int casefold,
                                                                int anywhere)
{
    const qc_doc_word *words = b->words;
    const uint32_t *cp_to_byte = b->cp_to_byte;
    const char *text = b->text;
    char *data = b->data;
    uint32_t *off = b->off;
    const uint64_t *prefix_masks = b->prefix_masks;
    word_todo *todo = b->todo;
    size_t alen = b->alen, nt = b->nt;
    size_t text_end = b->text_size < 16 ? 0 : b->text_size - 16 + 1; /* b0 < text_end: 16 bytes to read */
    size_t cap_end = b->cap < 16 ? 0 : b->cap - 16 + 1;
    for (size_t ie; i < i1 && (ie = fold_limit(b, i, i1, alen, text_end, cap_end)) > i;) {
        for (; i < ie; i++) {
            size_t b0 = cp_to_byte[words[i].start], len = cp_to_byte[words[i].end] - b0;
            if (len - 1 >= 16)
                break;
            __m128i x = _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)(text + b0)),
                                      _mm_loadu_si128((const __m128i *)(const void *)(word_bytes + 16 - len)));
            if (_mm_movemask_epi8(x))
                break;
            if (casefold) {
                /* 'A'..'Z' moved to the 26 lowest signed bytes: one comparison finds them */
                __m128i shifted = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 'A')));
                __m128i upper = _mm_cmplt_epi8(shifted, _mm_set1_epi8((char)(0x80 + 26)));
                x = _mm_add_epi8(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
            }
            _mm_storeu_si128((__m128i *)(void *)(data + alen), x);
            alen += len;
            off[i + 1] = (uint32_t)alen;
            /* the bytes past the word are 0: lo holds the first three bytes, 0 past its end */
            uint64_t lo = (uint64_t)_mm_cvtsi128_si64(x);
            uint64_t starts = prefix_masks[qc_mt_triple3((uint32_t)lo & 0xFFFFFFu)] & word_keys_mask[len];
            if (starts || anywhere) {
                uint32_t h = 0;
                if (starts & ~QC_MT_PREFIX_BITS)
                    h = qc_mt_word_hash2(lo, (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)), len);
                todo[nt++] = (word_todo){(uint32_t)i, h, starts, lo};
            }
        }
        if (i < ie)
            break; /* a word the loop does not take */
    }
    b->alen = alen;
    b->nt = nt;
    return i;
}

static __attribute__((noinline)) size_t fold_run(fold_block *b, size_t i, size_t i1, int casefold)
{
    if (b->anywhere)
        return casefold ? fold_run_as(b, i, i1, 1, 1) : fold_run_as(b, i, i1, 0, 1);
    return casefold ? fold_run_as(b, i, i1, 1, 0) : fold_run_as(b, i, i1, 0, 0);
}
#else
static size_t fold_run(fold_block *b, size_t i, size_t i1, int casefold)
{
    (void)b;
    (void)i1;
    (void)casefold;
    return i;
}
#endif

/* One folding variant: every word folded once into the arena (fold_run, else fold_slow) and looked
 * up in the tables, a block of words at a time. */
static int scan_variant(qc_fast *f, const qc_document *doc, unsigned v)
{
    const qc_mt_variant *mv = &f->scan->variants[v];
    size_t nw = doc->word_count;
    if (GROW(f->woff[v], f->woff_cap[v], nw + 1))
        return QC_ERR_NOMEM;
    qc_buf *a = &f->arena[v];
    if (qc_buf_failed(a))
        qc_buf_free(a); /* a failure in an earlier document must not stick */
    qc_buf_clear(a);
    if (qc_buf_reserve(a, doc->text_size + 32))
        return QC_ERR_NOMEM;
    int casefold = !(v & 2);
    fold_block b = {doc->words, doc->cp_to_byte, doc->text,        doc->text_size,          a->data, a->len,
                    a->cap,     f->woff[v],      mv->prefix_masks, mv->anywhere_count != 0, f->todo, 0};
    int rc;
    f->pending_count = 0;
    b.off[0] = (uint32_t)b.alen;
    for (size_t i0 = 0; i0 < nw; i0 += TODO_BLOCK) {
        size_t i1 = nw - i0 > TODO_BLOCK ? i0 + TODO_BLOCK : nw;
        b.nt = 0;
        for (size_t i = fold_run(&b, i0, i1, casefold); i < i1; i = fold_run(&b, i + 1, i1, casefold)) {
            /* a word fold_run does not take: non-ASCII, long, or near an end */
            size_t start = b.alen, b0 = b.cp_to_byte[b.words[i].start];
            a->len = start;
            if ((rc = fold_slow(f, v, b.text + b0, b.cp_to_byte[b.words[i].end] - b0)))
                return rc;
            b.data = a->data;
            b.alen = a->len;
            b.cap = a->cap;
            b.off[i + 1] = (uint32_t)b.alen;
            word_todo t = todo_of(mv, i, b.data + start, (uint32_t)(b.alen - start));
            if (t.starts || b.anywhere)
                b.todo[b.nt++] = t;
        }
        /* in word order, as when each word was looked up right after its folding: a one-word
         * leaf's hits come in text order, and so do the phrases tried after the pass */
        for (size_t k = 0; k < b.nt; k++) {
            size_t i = b.todo[k].word;
            if ((rc = lookup_word(f, doc, mv, i, b.data + b.off[i], b.off[i + 1] - b.off[i], b.todo[k].starts,
                                  b.todo[k].hash, b.todo[k].lo)))
                return rc;
        }
    }
    a->len = b.alen;
    if (qc_buf_failed(a))
        return QC_ERR_NOMEM;
    for (size_t k = 0; k < f->pending_count; k++)
        if ((rc = try_leaf(f, doc, f->pending[k].leaf, f->pending[k].word, (int)f->pending[k].anchor_checked)))
            return rc;
    return QC_OK;
}

static int scan_words(qc_fast *f, const qc_document *doc)
{
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        if (!f->scan->variants[v].used)
            continue;
        int rc = scan_variant(f, doc, v);
        if (rc)
            return rc;
        /* The folded words serve this pass only (a large transcript's are about its size). */
        if (f->arena[v].cap > QC_SCRATCH_KEEP)
            qc_buf_free(&f->arena[v]);
        QC_RELEASE_BIG(f->woff[v], f->woff_cap[v]);
    }
    return QC_OK;
}

/* ---- regexes ------------------------------------------------------------------------------- */

/* Position i of the text may start a literal filed under `key` in list[0..count) (sorted keys):
 * compare those literals that are `bounded` or not, as asked, in full and note each occurrence
 * (its byte offset). */
static int try_literals(qc_fast *f, const qc_document *doc, const uint64_t *list, size_t count, const uint32_t *first,
                        uint32_t key, size_t i, int bounded)
{
    const qc_mt_literal *lits = f->pf->literals;
    const unsigned char *t = (const unsigned char *)doc->text;
    size_t n = doc->text_size;
    uint64_t window = 0;
    int have_window = i + 8 <= n;
    if (have_window) {
        memcpy(&window, t + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        window = __builtin_bswap64(window);
#endif
        window |= 0x2020202020202020ull;
    }
    for (size_t k = first[key]; k < count && (list[k] >> 32) == key; k++) {
        uint32_t id = (uint32_t)(list[k] & 0xFFFFFFFFu);
        const qc_mt_literal *l = &lits[id];
        size_t len = l->len;
        if (l->bounded != bounded || i + len > n || (have_window && (window & l->head_mask) != l->head))
            continue;
        size_t j = have_window ? l->head_decides : 0;
        while (j < len && qc_mt_lower(t[i + j]) == (unsigned char)l->text[j])
            j++;
        if (j < len)
            continue;
        if (f->occ_count >= f->occs_cap && GROW(f->occs, f->occs_cap, f->occ_count + 1))
            return QC_ERR_NOMEM;
        f->occs[f->occ_count++] = (lit_occ){id, (uint32_t)i};
    }
    return QC_OK;
}

/* Each literal's occurrences together, in text order (a stable counting sort). */
static int group_occurrences(qc_fast *f)
{
    size_t nl = f->pf->literal_count;
    uint32_t *start = f->lit_start;
    memset(start, 0, (nl + 1) * sizeof *start);
    for (size_t i = 0; i < f->occ_count; i++)
        start[f->occs[i].lit + 1]++;
    for (size_t l = 0; l < nl; l++)
        start[l + 1] += start[l];
    if (GROW(f->lit_cp, f->lit_cp_cap, f->occ_count ? f->occ_count : 1))
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < f->occ_count; i++)
        f->lit_cp[start[f->occs[i].lit]++] = f->occs[i].byte;
    for (size_t l = nl; l > 0; l--)
        start[l] = start[l - 1];
    start[0] = 0;
    return QC_OK;
}

/* Whether s[0..n) holds the k bytes of `needle` (a UTF-8 character: its lead byte is rare). */
static int contains(const char *s, size_t n, const char *needle, size_t k)
{
    const char *end = s + n, *p = s;
    while ((p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) >= k && memcmp(p, needle, k) == 0)
            return 1;
        p++;
    }
    return 0;
}

/* An ASCII letter, digit or '_': PCRE2's \w in ASCII. */
static int ascii_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether a bounded literal (one every match holds right after a \b) may start at byte i: it
 * starts with an ASCII letter or digit, and \b holds before that only where the byte before is
 * no \w (the definition; find_literals finds these positions 16 bytes at a time). */
static int word_start_at(const unsigned char *t, size_t i)
{
    return ascii_word_byte(t[i]) && t[i] != '_' && (i == 0 || !ascii_word_byte(t[i - 1]));
}

/* Whether some unit starts right after a \w byte. A regex runs on its unit alone, where \b
 * holds at the start whatever comes before it, so a bounded literal may start there though it is
 * no word start in the text (a --speaker-pattern label such as `S1` right before the text): such
 * a document has its bounded literals searched for at every position. */
static int unit_starts_inside_a_word(const qc_eval *ev)
{
    const unsigned char *t = (const unsigned char *)ev->doc->text;
    const uint32_t *cp_to_byte = ev->doc->cp_to_byte;
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++)
        for (size_t u = 0; u < ev->unit_count[k]; u++) {
            uint32_t b = cp_to_byte[ev->units[k][u].start];
            if (b > 0 && ascii_word_byte(t[b - 1]))
                return 1;
        }
    return 0;
}

/* Position i may start a literal of the kind asked (bounded or not): its 3-byte and 2-byte keys
 * are looked up in that kind's bitmaps. */
static int try_position(qc_fast *f, const qc_document *doc, size_t i, int bounded)
{
    const qc_mt_prefilter *pf = f->pf;
    const unsigned char *t = (const unsigned char *)doc->text;
    size_t n = doc->text_size;
    int rc;
    if ((bounded ? pf->gram3_word : pf->gram3_any) && i + 3 <= n) {
        const uint64_t *bits = bounded ? pf->gram3_word_bits : pf->gram3_bits;
        uint32_t g = qc_mt_gram3(qc_mt_bytes_le(t + i, 3));
        if (((bits[g >> 6] >> (g & 63)) & 1) &&
            (rc = try_literals(f, doc, pf->grams3, pf->gram3_count, pf->gram3_first, g, i, bounded)))
            return rc;
    }
    if ((bounded ? pf->gram_word : pf->gram_any) && i + 2 <= n) {
        const uint64_t *bits = bounded ? pf->gram_word_bits : pf->gram_bits;
        uint32_t g = qc_mt_gram2(qc_mt_bytes_le(t + i, 2));
        if (((bits[g >> 6] >> (g & 63)) & 1) &&
            (rc = try_literals(f, doc, pf->grams, pf->gram_count, pf->gram_first, g, i, bounded)))
            return rc;
    }
    return QC_OK;
}

/* The literals that may start anywhere: a bitmap of 3-byte keys (2-byte for the short literals)
 * says where one may start; each occurrence is compared in full and noted. */
static int scan_anywhere(qc_fast *f, const qc_document *doc)
{
    const qc_mt_prefilter *pf = f->pf;
    const unsigned char *t = (const unsigned char *)doc->text;
    size_t n = doc->text_size;
    const uint64_t *bits3 = pf->gram3_bits, *bits2 = pf->gram_bits;
    int rc;
    size_t i = 0;
    /* Eight bytes loaded once give the 3-byte keys of six positions (and their 2-byte keys when
     * some literal is that short); most positions start no literal and fail one bitmap test. */
    for (; i + 8 <= n; i += 6) {
        uint64_t x;
        memcpy(&x, t + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x);
#endif
        if (pf->gram3_any) {
            for (unsigned k = 0; k < 6; k++) {
                uint32_t g = qc_mt_gram3((uint32_t)(x >> (8 * k)) & 0xFFFFFFu);
                if (((bits3[g >> 6] >> (g & 63)) & 1) &&
                    (rc = try_literals(f, doc, pf->grams3, pf->gram3_count, pf->gram3_first, g, i + k, 0)))
                    return rc;
            }
        }
        if (pf->gram_any) {
            for (unsigned k = 0; k < 6; k++) {
                uint32_t g = qc_mt_gram2((uint32_t)(x >> (8 * k)) & 0xFFFFu);
                if (((bits2[g >> 6] >> (g & 63)) & 1) &&
                    (rc = try_literals(f, doc, pf->grams, pf->gram_count, pf->gram_first, g, i + k, 0)))
                    return rc;
            }
        }
    }
    for (; i + 2 <= n; i++)
        if ((rc = try_position(f, doc, i, 0)))
            return rc;
    return QC_OK;
}

/* The bounded literals: only at word starts (word_start_at), which are found 16 bytes at a time;
 * about one position in five of a transcript. `two`: some bounded literal is 2 bytes long (a
 * constant in each copy of the loop, so that most copies test nothing for it at a word start). */
static inline __attribute__((always_inline)) int scan_word_starts_as(qc_fast *f, const qc_document *doc, int two)
{
    const qc_mt_prefilter *pf = f->pf;
    const unsigned char *t = (const unsigned char *)doc->text;
    size_t n = doc->text_size, i = 0;
    int rc;
#if defined(__SSE2__) && defined(__x86_64__)
    /* (a bitmap without literals has no bit set; in locals, as try_literals could change *pf for
     * all the compiler knows) */
    const uint64_t *bits3 = pf->gram3_word_bits, *bits2 = pf->gram_word_bits;
    const uint64_t *bits4 = pf->gram4_bits, *short3 = pf->gram3_short_bits;
    const __m128i case_bit = _mm_set1_epi8(0x20), a_1 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1);
    const __m128i zero_1 = _mm_set1_epi8('0' - 1), nine1 = _mm_set1_epi8('9' + 1), under = _mm_set1_epi8('_');
    unsigned carry = 0; /* the byte before the block is a \w byte */
    /* (blocks with 4 bytes after them: each start's key is one 4-byte load) */
    for (; i + 20 <= n; i += 16) {
        /* bytes >= 0x80 are negative as signed bytes: outside both ranges */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        __m128i lower = _mm_or_si128(v, case_bit);
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, a_1), _mm_cmplt_epi8(lower, z1));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, zero_1), _mm_cmplt_epi8(v, nine1));
        unsigned alnum = (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit));
        unsigned word = alnum | (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, under));
        unsigned starts = alnum & ~((word << 1) | carry) & 0xFFFFu;
        carry = word >> 15;
        for (; starts; starts &= starts - 1) {
            size_t p = i + (size_t)(unsigned)__builtin_ctz(starts);
            uint32_t x;
            memcpy(&x, t + p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            x = __builtin_bswap32(x);
#endif
            uint32_t g = qc_mt_gram3(x & 0xFFFFFFu), g4;
            if (((bits3[g >> 6] >> (g & 63)) & 1) &&
                (((short3[g >> 6] >> (g & 63)) & 1) || (g4 = qc_mt_gram4(x), (bits4[g4 >> 6] >> (g4 & 63)) & 1)) &&
                (rc = try_literals(f, doc, pf->grams3, pf->gram3_count, pf->gram3_first, g, p, 1)))
                return rc;
            if (!two)
                continue;
            g = qc_mt_gram2(x & 0xFFFFu);
            if (((bits2[g >> 6] >> (g & 63)) & 1) &&
                (rc = try_literals(f, doc, pf->grams, pf->gram_count, pf->gram_first, g, p, 1)))
                return rc;
        }
    }
#endif
    (void)two;
    for (; i < n; i++)
        if (word_start_at(t, i) && (rc = try_position(f, doc, i, 1)))
            return rc;
    return QC_OK;
}

static int scan_word_starts(qc_fast *f, const qc_document *doc)
{
    return f->pf->gram_word ? scan_word_starts_as(f, doc, 1) : scan_word_starts_as(f, doc, 0);
}

/* A new document's literal occurrences: none yet, and the prefilter its text takes. */
static void literals_begin(qc_fast *f, const qc_eval *ev)
{
    const qc_document *doc = ev->doc;
    const qc_mt_scan *scan = f->scan;
    f->occ_count = 0;
    if (++f->doc_gen == 0) {
        memset(f->lu_gen, 0, (f->lit_max + 1) * QC_UNIT_KINDS * sizeof *f->lu_gen);
        memset(f->unit_at_gen, 0, sizeof f->unit_at_gen);
        f->doc_gen = 1;
    }
    f->lu_pool_len = 0;
    /* the plain literals (k and s inside) serve text without the Kelvin sign and the long s */
    f->pf_index = QC_MT_STRICT;
    if (scan->plain_differs && !contains(doc->text, doc->text_size, "\xE2\x84\xAA", 3) &&
        !contains(doc->text, doc->text_size, "\xC5\xBF", 2))
        f->pf_index = QC_MT_PLAIN;
    f->pf = &scan->prefilter[f->pf_index];
}

/* One pass over the text for each kind of literal, every distinct literal of that kind at once:
 * the literals that may start anywhere at every position, the bounded ones at word starts. Each
 * literal is of one kind, so its occurrences come in text order. */
static int find_literals(qc_fast *f, const qc_eval *ev)
{
    const qc_document *doc = ev->doc;
    literals_begin(f, ev);
    const qc_mt_prefilter *pf = f->pf;
    if ((!pf->gram_count && !pf->gram3_count) || doc->text_size < 2)
        return group_occurrences(f);
    int rc;
    if ((pf->gram3_any || pf->gram_any) && (rc = scan_anywhere(f, doc)))
        return rc;
    if (pf->gram3_word || pf->gram_word) {
        if (!unit_starts_inside_a_word(ev)) {
            rc = scan_word_starts(f, doc);
        } else {
            rc = QC_OK;
            for (size_t i = 0; rc == QC_OK && i + 2 <= doc->text_size; i++)
                rc = try_position(f, doc, i, 1);
        }
        if (rc)
            return rc;
    }
    return group_occurrences(f);
}

/* A unit of a document spans tens of bytes or more: an occurrence's unit is a few steps from the
 * first unit ending after the start of its block of 256 bytes (smaller blocks cost more to index
 * than they save: callgrind on the benchmark's sample). */
#define UNIT_AT_SHIFT 8

/* unit_at[kind] for the current document (once per document and kind: one pass over the units). */
static int unit_at_table(qc_fast *f, const qc_eval *ev, unsigned kind)
{
    if (f->unit_at_gen[kind] == f->doc_gen)
        return QC_OK;
    size_t nb = (ev->doc->text_size >> UNIT_AT_SHIFT) + 1;
    if (GROW(f->unit_at[kind], f->unit_at_cap[kind], nb))
        return QC_ERR_NOMEM;
    const qc_ev_unit *units = ev->units[kind];
    const uint32_t *cp_to_byte = ev->doc->cp_to_byte;
    size_t nu = ev->unit_count[kind], u = 0;
    for (size_t j = 0; j < nb; j++) {
        while (u < nu && cp_to_byte[units[u].end] <= (j << UNIT_AT_SHIFT))
            u++;
        f->unit_at[kind][j] = (uint32_t)u;
    }
    f->unit_at_gen[kind] = f->doc_gen;
    return QC_OK;
}

/* The units of `kind` holding an occurrence of literal l, ascending and distinct: in lu_pool at
 * lu_off[l * QC_UNIT_KINDS + kind], computed once per document. An occurrence starts at an ASCII
 * byte, a character's first: it lies in a unit when its byte does in the unit's byte span. */
static int literal_units(qc_fast *f, qc_eval *ev, uint32_t l, unsigned kind)
{
    size_t slot = (size_t)l * QC_UNIT_KINDS + kind;
    if (f->lu_gen[slot] == f->doc_gen)
        return QC_OK;
    const uint32_t *at = f->lit_cp + f->lit_start[l];
    size_t n = f->lit_start[l + 1] - f->lit_start[l];
    if (GROW(f->lu_pool, f->lu_pool_cap, f->lu_pool_len + n + 1) || (n && unit_at_table(f, ev, kind)))
        return QC_ERR_NOMEM;
    const qc_ev_unit *units = ev->units[kind];
    const uint32_t *cp_to_byte = ev->doc->cp_to_byte;
    const uint32_t *unit_at = f->unit_at[kind];
    size_t nu = ev->unit_count[kind], u = 0;
    uint32_t *out = f->lu_pool + f->lu_pool_len, m = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t b = at[k];
        /* the first unit ending after b: none before the block's first (units end in order), nor
         * before the last occurrence's (occurrences ascend) */
        if (u < nu && cp_to_byte[units[u].end] <= b) {
            if (unit_at[b >> UNIT_AT_SHIFT] > u)
                u = unit_at[b >> UNIT_AT_SHIFT];
            while (u < nu && cp_to_byte[units[u].end] <= b)
                u++;
        }
        if (u >= nu)
            break;
        if (cp_to_byte[units[u].start] <= b && (!m || out[m - 1] != u))
            out[m++] = (uint32_t)u;
    }
    f->lu_off[slot] = (uint32_t)f->lu_pool_len;
    f->lu_len[slot] = m;
    f->lu_gen[slot] = f->doc_gen;
    f->lu_pool_len += m;
    return QC_OK;
}

/* The units where regex rx may match: those holding one of its literals, ascending and distinct
 * (*units points into scratch or the pool until the next call). */
static int regex_units(qc_fast *f, qc_eval *ev, const qc_mt_regex *rx, unsigned kind, const uint32_t **units,
                       size_t *count)
{
    size_t total = 0;
    uint32_t nlit = rx->literal_count[f->pf_index];
    const uint32_t *ids = rx->literal_id[f->pf_index];
    for (uint32_t k = 0; k < nlit; k++) {
        int rc = literal_units(f, ev, ids[k], kind);
        if (rc)
            return rc;
        total += f->lu_len[(size_t)ids[k] * QC_UNIT_KINDS + kind];
    }
    const uint32_t *list[QC_MT_MAX_LITERALS];
    size_t len[QC_MT_MAX_LITERALS], pos[QC_MT_MAX_LITERALS] = {0};
    for (uint32_t k = 0; k < nlit; k++) {
        size_t slot = (size_t)ids[k] * QC_UNIT_KINDS + kind;
        list[k] = f->lu_pool + f->lu_off[slot];
        len[k] = f->lu_len[slot];
    }
    if (nlit == 1) {
        *units = list[0];
        *count = len[0];
        return QC_OK;
    }
    if (GROW(f->rx_units, f->rx_units_cap, total + 1))
        return QC_ERR_NOMEM;
    /* merge the (few) ascending lists, dropping repeats */
    size_t m = 0;
    for (;;) {
        uint32_t best = UINT32_MAX;
        for (uint32_t k = 0; k < nlit; k++)
            if (pos[k] < len[k] && list[k][pos[k]] < best)
                best = list[k][pos[k]];
        if (best == UINT32_MAX)
            break;
        for (uint32_t k = 0; k < nlit; k++)
            if (pos[k] < len[k] && list[k][pos[k]] == best)
                pos[k]++;
        f->rx_units[m++] = best;
    }
    *units = f->rx_units;
    *count = m;
    return QC_OK;
}

/* Where a leading regex's matches may start in unit u: the occurrences of its literals in the
 * unit's bytes, ascending (*starts points into the occurrences or scratch until the next call).
 * cur[k]: literal k's first occurrence not before the unit, moved past it (units come in order). */
static int unit_starts(qc_fast *f, const qc_eval *ev, const qc_mt_regex *rx, unsigned kind, uint32_t u, size_t *cur,
                       const uint32_t **starts, size_t *count)
{
    uint32_t nlit = rx->literal_count[f->pf_index];
    const uint32_t *ids = rx->literal_id[f->pf_index];
    const uint32_t *cp_to_byte = ev->doc->cp_to_byte;
    uint32_t b0 = cp_to_byte[ev->units[kind][u].start], b1 = cp_to_byte[ev->units[kind][u].end];
    const uint32_t *list[QC_MT_MAX_LITERALS];
    size_t len[QC_MT_MAX_LITERALS], total = 0;
    for (uint32_t k = 0; k < nlit; k++) {
        const uint32_t *at = f->lit_cp + f->lit_start[ids[k]];
        size_t n = f->lit_start[ids[k] + 1] - f->lit_start[ids[k]], i = cur[k];
        while (i < n && at[i] < b0)
            i++;
        size_t j = i;
        while (j < n && at[j] < b1)
            j++;
        cur[k] = j;
        list[k] = at + i;
        len[k] = j - i;
        total += j - i;
    }
    if (nlit == 1) {
        *starts = list[0];
        *count = len[0];
        return QC_OK;
    }
    if (GROW(f->rx_starts, f->rx_starts_cap, total + 1))
        return QC_ERR_NOMEM;
    /* the (few, short) lists one after another, then in order by insertion; a place twice is
     * harmless (the search skips what is behind it) */
    size_t m = 0;
    for (uint32_t k = 0; k < nlit; k++)
        for (size_t i = 0; i < len[k]; i++) {
            uint32_t b = list[k][i];
            size_t j = m++;
            while (j > 0 && f->rx_starts[j - 1] > b) {
                f->rx_starts[j] = f->rx_starts[j - 1];
                j--;
            }
            f->rx_starts[j] = b;
        }
    *starts = f->rx_starts;
    *count = m;
    return QC_OK;
}

/* Runs a regex on unit u of its code (when the code applies to the unit's turn): anywhere in it,
 * or, for a leading regex (cur non-NULL), only where its literals occur. */
static int run_regex_unit(qc_fast *f, qc_eval *ev, const qc_mt_regex *rx, int32_t code, unsigned kind, uint32_t u,
                          size_t *cur)
{
    int32_t leaf = rx->leaf;
    if (!qc_eval_turn_eligible(ev, code, ev->units[kind][u].turn))
        return QC_OK;
    int rc;
    if (cur) {
        const uint32_t *starts = NULL;
        size_t count = 0;
        if ((rc = unit_starts(f, ev, rx, kind, u, cur, &starts, &count)) ||
            (rc = qc_eval_regex_unit_at(ev, leaf, kind, u, starts, count)))
            return rc;
    } else if ((rc = qc_eval_regex_unit(ev, leaf, kind, u))) {
        return rc;
    }
    for (size_t k = 0; k < ev->rx_count; k++)
        if ((rc = add_occ(f, leaf, &ev->rx_hits[k])))
            return rc;
    return QC_OK;
}

/* Runs the scan's regexes where their literals occur; `found`: scan_sparse found those already. */
static int scan_regexes(qc_fast *f, qc_eval *ev, int found)
{
    const qc_match_tables *mt = f->mt;
    const qc_mt_scan *scan = f->scan;
    if (!scan->regex_count)
        return QC_OK;
    int rc = found ? QC_OK : find_literals(f, ev);
    if (rc)
        return rc;
    for (size_t r = 0; r < scan->regex_count; r++) {
        const qc_mt_regex *rx = &scan->regexes[r];
        int32_t code = mt->leaves[rx->leaf].code;
        unsigned kind = mt->codes[code].unit_kind;
        if (rx->literal_count[f->pf_index]) {
            const uint32_t *units = NULL;
            size_t count = 0, cur[QC_MT_MAX_LITERALS] = {0};
            if ((rc = regex_units(f, ev, rx, kind, &units, &count)))
                return rc;
            for (size_t k = 0; k < count; k++)
                if ((rc = run_regex_unit(f, ev, rx, code, kind, units[k], rx->leading[f->pf_index] ? cur : NULL)))
                    return rc;
        } else {
            for (uint32_t u = 0; u < ev->unit_count[kind]; u++)
                if ((rc = run_regex_unit(f, ev, rx, code, kind, u, NULL)))
                    return rc;
        }
    }
    return QC_OK;
}

/* ---- the byte search of a subset's scan (qc_mt_sparse) ---------------------------------------- */

/* Whether word k starts (ends: `ends`) before byte b, by its bytes. */
static int word_before(const qc_document *doc, size_t k, uint32_t b, int ends)
{
    return doc->cp_to_byte[ends ? doc->words[k].end : doc->words[k].start] < b + (uint32_t)ends;
}

/* The first word from k on that does not start before byte b (with `ends`: that ends after b),
 * found by a gallop from k: the places asked for ascend, and are far apart. */
static size_t word_from(const qc_document *doc, size_t k, uint32_t b, int ends)
{
    size_t n = doc->word_count;
    if (k >= n || !word_before(doc, k, b, ends))
        return k;
    size_t step = 1;
    while (k + step < n && word_before(doc, k + step, b, ends))
        step *= 2;
    size_t lo = k + step / 2, hi = k + step < n ? k + step : n; /* lo before b, hi not (or n) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (word_before(doc, mid, b, ends))
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The two bytes at p as the shift table's index (b0 | b1 << 8). */
static inline unsigned block_at(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
#else
    return p[0] | (unsigned)p[1] << 8;
#endif
}

/* Window s holds the bytes of a needle's search (its last two bytes end some needle's first
 * `window`): compare those needles in full, noting a word key's place and a literal's occurrence
 * (a bounded literal at a word start only, unless `bounded_anywhere`, as find_literals does). */
static int sparse_verify(qc_fast *f, const qc_mt_sparse *sp, size_t s, int bounded_anywhere)
{
    const unsigned char *t = (const unsigned char *)f->doc->text;
    size_t n = f->doc->text_size;
    uint32_t block = qc_mt_gram2(block_at(t + s + sp->window - 2));
    uint32_t bucket = qc_mt_sparse_bucket(block);
    /* the window's first 8 bytes (a needle's block is among them: window <= 8) */
    uint64_t head = 0;
    int have_head = s + 8 <= n;
    if (have_head) {
        memcpy(&head, t + s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        head = __builtin_bswap64(head);
#endif
        head |= 0x2020202020202020ull;
    }
    for (uint32_t k = sp->bucket_first[bucket]; k < sp->bucket_first[bucket + 1]; k++) {
        const qc_mt_needle *nd = &sp->needles[k];
        if ((have_head ? (head & nd->head_mask) != nd->head : nd->block != block) || s + nd->len > n)
            continue;
        const unsigned char *p = (const unsigned char *)sp->text + nd->off;
        size_t j = 0;
        while (j < nd->len && qc_mt_lower(t[s + j]) == p[j])
            j++;
        if (j < nd->len)
            continue;
        if (nd->literal == QC_MT_SPARSE_WORD) {
            if (f->sp_pos_count && f->sp_pos[f->sp_pos_count - 1] == s)
                continue; /* (another word key at the same place) */
            if (GROW(f->sp_pos, f->sp_pos_cap, f->sp_pos_count + 1))
                return QC_ERR_NOMEM;
            f->sp_pos[f->sp_pos_count++] = (uint32_t)s;
        } else if (!nd->bounded || bounded_anywhere || word_start_at(t, s)) {
            if (GROW(f->occs, f->occs_cap, f->occ_count + 1))
                return QC_ERR_NOMEM;
            f->occs[f->occ_count++] = (lit_occ){nd->literal, (uint32_t)s};
        }
    }
    return QC_OK;
}

/* Every place a needle occurs, in text order: a window of `window` bytes moves along the text by
 * as much as its last two bytes allow (Wu-Manber), and is compared where they end some needle's
 * first `window` bytes. */
static int sparse_search(qc_fast *f, const qc_mt_sparse *sp, int bounded_anywhere)
{
    const unsigned char *t = (const unsigned char *)f->doc->text;
    size_t n = f->doc->text_size, m = sp->window;
    if (n < m)
        return QC_OK;
    const uint8_t *shift = sp->shift;
    /* i: where the window's last two bytes are; the last window's are at n - 2 */
    size_t i = m - 2, last = n - 2, far = 4 * (m - 1); /* four moves go no further than far */
    int rc;
    for (;;) {
        /* four moves without a test: a window that stops (shift 0) stays where it is */
        while (i + far <= last && shift[block_at(t + i)]) {
            i += shift[block_at(t + i)];
            i += shift[block_at(t + i)];
            i += shift[block_at(t + i)];
            i += shift[block_at(t + i)];
        }
        while (i <= last && shift[block_at(t + i)])
            i += shift[block_at(t + i)];
        if (i > last)
            return QC_OK;
        if ((rc = sparse_verify(f, sp, i - (m - 2), bounded_anywhere)))
            return rc;
        i++;
    }
}

/* The words with a non-ASCII byte, ascending (they may fold to any key: each is looked up). */
static int non_ascii_words(qc_fast *f, size_t *count)
{
    const qc_document *doc = f->doc;
    const unsigned char *t = (const unsigned char *)doc->text;
    size_t n = doc->text_size, k = 0, m = 0;
    *count = 0;
    if (doc->length == n)
        return QC_OK; /* a byte a code point: ASCII */
    for (size_t i = 0; i < n;) {
#if defined(__SSE2__) && defined(__x86_64__)
        if (i + 32 <= n &&
            !_mm_movemask_epi8(_mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(t + i)),
                                            _mm_loadu_si128((const __m128i *)(const void *)(t + i + 16))))) {
            i += 32;
            continue;
        }
#endif
        uint64_t x;
        if (i + 8 <= n && (memcpy(&x, t + i, 8), !(x & 0x8080808080808080ull))) {
            i += 8;
            continue;
        }
        if (t[i] < 0x80) {
            i++;
            continue;
        }
        k = word_from(doc, k, (uint32_t)i, 1); /* the first word ending after byte i */
        if (k >= doc->word_count)
            break;
        uint32_t b0 = doc->cp_to_byte[doc->words[k].start];
        if (b0 > i) {
            i = b0; /* (bytes between words: no word holds them) */
            continue;
        }
        if (GROW(f->sp_other, f->sp_other_cap, m + 1))
            return QC_ERR_NOMEM;
        f->sp_other[m++] = (uint32_t)k;
        i = doc->cp_to_byte[doc->words[k].end];
    }
    *count = m;
    return QC_OK;
}

/* The words to look up, ascending and distinct: those starting where a word key's needle occurs,
 * and those with a non-ASCII byte. */
static int sparse_words(qc_fast *f, size_t *count)
{
    const qc_document *doc = f->doc;
    size_t na = 0, nb = 0, m = 0, k = 0;
    /* the places become the words starting there (in place: no more words than places) */
    for (size_t j = 0; j < f->sp_pos_count; j++) {
        k = word_from(doc, k, f->sp_pos[j], 0);
        if (k < doc->word_count && doc->cp_to_byte[doc->words[k].start] == f->sp_pos[j])
            f->sp_pos[na++] = (uint32_t)k;
    }
    int rc = non_ascii_words(f, &nb);
    if (rc)
        return rc;
    if (GROW(f->sp_words, f->sp_words_cap, na + nb + 1))
        return QC_ERR_NOMEM;
    const uint32_t *a = f->sp_pos, *b = f->sp_other;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        uint32_t w = j >= nb || (i < na && a[i] <= b[j]) ? a[i++] : b[j++];
        if (!m || f->sp_words[m - 1] != w)
            f->sp_words[m++] = w;
    }
    *count = m;
    return QC_OK;
}

/* The first pass of a scan with a byte search: the needles found (word keys' places and the
 * literals' occurrences, grouped as find_literals groups them), then the words that may be
 * some key looked up as scan_variant looks every word up, variant by variant. */
static int scan_sparse(qc_fast *f, qc_eval *ev)
{
    const qc_mt_scan *scan = f->scan;
    literals_begin(f, ev);
    const qc_mt_sparse *sp = scan->sparse[f->pf_index] ? scan->sparse[f->pf_index] : scan->sparse[0];
    f->sp_pos_count = 0;
    int bounded_anywhere = (f->pf->gram3_word || f->pf->gram_word) && unit_starts_inside_a_word(ev);
    int rc;
    if ((rc = sparse_search(f, sp, bounded_anywhere)) || (rc = group_occurrences(f)))
        return rc;
    if (!scan->variant_mask)
        return QC_OK;
    size_t nw = 0;
    if ((rc = sparse_words(f, &nw)))
        return rc;
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        const qc_mt_variant *mv = &scan->variants[v];
        if (!mv->used)
            continue;
        qc_buf *a = &f->arena[v];
        if (qc_buf_failed(a))
            qc_buf_free(a);
        f->pending_count = 0;
        for (size_t k = 0; k < nw; k++) {
            size_t i = f->sp_words[k];
            qc_buf_clear(a);
            if ((rc = fold_word(f, v, i, a)))
                return rc;
            word_todo t = todo_of(mv, i, a->data, (uint32_t)a->len);
            if (t.starts && (rc = lookup_word(f, ev->doc, mv, i, a->data, (uint32_t)a->len, t.starts, t.hash, t.lo)))
                return rc;
        }
        for (size_t k = 0; k < f->pending_count; k++)
            if ((rc = try_leaf(f, ev->doc, f->pending[k].leaf, f->pending[k].word, (int)f->pending[k].anchor_checked)))
                return rc;
    }
    return QC_OK;
}

/* ---- occurrences by leaf ------------------------------------------------------------------- */

static int sort_occurrences(qc_fast *f)
{
    size_t nl = f->mt->leaf_count;
    uint32_t *start = f->leaf_start;
    memset(start, 0, (nl + 1) * sizeof *start);
    for (size_t i = 0; i < f->raw_count; i++)
        start[f->raw[i].leaf + 1]++;
    for (size_t l = 0; l < nl; l++)
        start[l + 1] += start[l];
    if (GROW(f->occ, f->occ_cap, f->raw_count ? f->raw_count : 1))
        return QC_ERR_NOMEM;
    /* stable scatter: each leaf's hits keep their order (ascending start) */
    for (size_t i = 0; i < f->raw_count; i++) {
        int32_t l = f->raw[i].leaf;
        f->occ[start[l]++] = f->raw[i].hit;
    }
    /* start[l] now holds the end of l's slice: shift back */
    for (size_t l = nl; l > 0; l--)
        start[l] = start[l - 1];
    start[0] = 0;
    return QC_OK;
}

static int fast_leaf_hits(qc_eval *ev, void *engine, int32_t leaf, unsigned kind, uint32_t unit, const qc_ev_hit **hits,
                          size_t *count)
{
    qc_fast *f = engine;
    const qc_ev_unit *u = &ev->units[kind][unit];
    const qc_ev_hit *a = f->occ + f->leaf_start[leaf];
    size_t n = f->leaf_start[leaf + 1] - f->leaf_start[leaf];
    size_t lo = 0;
    if (f->cursor_gen[leaf] == f->eval_gen)
        lo = f->cursor[leaf];
    if (lo > n || (lo > 0 && a[lo - 1].start >= u->start))
        lo = 0; /* not after the last lookup: start over */
    if (lo < n && a[lo].start < u->start) {
        /* gallop forward from the cursor, then binary search the last step */
        size_t step = 1;
        while (lo + step < n && a[lo + step].start < u->start)
            step *= 2;
        size_t hi = lo + step < n ? lo + step : n;
        lo = qc_lower_bound_u32(a, sizeof *a, offsetof(qc_ev_hit, start), lo + step / 2 + (step == 1), hi, u->start);
    }
    size_t end = lo, spill = 0;
    while (end < n && a[end].start < u->end) {
        if (a[end].end > u->end)
            spill = 1;
        end++;
    }
    f->cursor[leaf] = (uint32_t)end;
    f->cursor_gen[leaf] = f->eval_gen;
    if (!spill) {
        *hits = a + lo;
        *count = end - lo;
        return QC_OK;
    }
    /* a phrase running out of the unit is not the unit's hit */
    if (GROW(f->out, f->out_cap, end - lo))
        return QC_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = lo; i < end; i++)
        if (a[i].end <= u->end)
            f->out[m++] = a[i];
    *hits = f->out;
    *count = m;
    return QC_OK;
}

/* ---- units to visit ------------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int mark_unit(qc_fast *f, unsigned kind, uint32_t u, uint32_t rule)
{
    uint64_t bit = 1ull << (rule < 63 ? rule : 63);
    if (f->stamp[kind][u] == f->gen) {
        f->unit_rules[kind][u] |= bit;
        return QC_OK;
    }
    f->stamp[kind][u] = f->gen;
    f->unit_rules[kind][u] = bit;
    if (GROW(f->cand, f->cand_cap, f->cand_count + 1))
        return QC_ERR_NOMEM;
    f->cand[f->cand_count++] = u;
    return QC_OK;
}

static int prepare_stamps(qc_fast *f, qc_eval *ev)
{
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++) {
        size_t n = ev->unit_count[k] ? ev->unit_count[k] : 1;
        if (n > f->stamp_cap[k]) {
            qc_free(f->stamp[k]);
            qc_free(f->unit_rules[k]);
            f->stamp[k] = qc_calloc(n, sizeof *f->stamp[k]);
            f->unit_rules[k] = qc_calloc(n, sizeof *f->unit_rules[k]);
            if (!f->stamp[k] || !f->unit_rules[k]) {
                f->stamp_cap[k] = 0;
                return QC_ERR_NOMEM;
            }
            f->stamp_cap[k] = n;
        }
    }
    if (f->gen > UINT32_MAX - (uint32_t)f->mt->code_count - 2) {
        for (unsigned k = 0; k < QC_UNIT_KINDS; k++)
            memset(f->stamp[k], 0, f->stamp_cap[k] * sizeof *f->stamp[k]);
        f->gen = 0;
    }
    return QC_OK;
}

/* The units where some rule of the code can hold: those holding a hit of a source leaf, or
 * overlapping a quotation of a referenced code. */
static int candidate_units(qc_fast *f, qc_eval *ev, int32_t code)
{
    const qc_mt_code *mc = &f->mt->codes[code];
    unsigned kind = mc->unit_kind;
    const qc_ev_unit *units = ev->units[kind];
    size_t nu = ev->unit_count[kind];
    f->cand_count = 0;
    f->gen++;
    for (uint32_t s = 0; s < mc->source_count; s++) {
        const qc_mt_source *src = &f->mt->sources[mc->source_off + s];
        if (src->leaf >= 0) {
            const qc_ev_hit *a = f->occ + f->leaf_start[src->leaf];
            size_t n = f->leaf_start[src->leaf + 1] - f->leaf_start[src->leaf];
            size_t last = SIZE_MAX;
            for (size_t i = 0; i < n; i++) {
                if (last != SIZE_MAX && a[i].start < units[last].end && a[i].start >= units[last].start)
                    continue; /* same unit as the hit before */
                last = qc_eval_unit_of_hit(ev, kind, &a[i]);
                if (last != SIZE_MAX && mark_unit(f, kind, (uint32_t)last, src->rule))
                    return QC_ERR_NOMEM;
            }
            continue;
        }
        for (int32_t t = src->code; t < src->code_end; t++) {
            const qc_quote_rec *q = ev->quotes.quotes + ev->quotes.code_first[t];
            size_t nq = ev->quotes.code_count[t];
            for (size_t k = 0; k < nq; k++) {
                /* the first unit ending after the quotation starts */
                size_t lo = qc_upper_bound_u32(units, sizeof *units, offsetof(qc_ev_unit, end), 0, nu, q[k].start);
                for (; lo < nu && units[lo].start < q[k].end; lo++)
                    if (mark_unit(f, kind, (uint32_t)lo, src->rule))
                        return QC_ERR_NOMEM;
            }
        }
    }
    size_t sorted = 1; /* one source, or sources in text order: already sorted */
    while (sorted < f->cand_count && f->cand[sorted - 1] < f->cand[sorted])
        sorted++;
    if (sorted < f->cand_count && f->cand_count > 64) {
        qsort(f->cand, f->cand_count, sizeof *f->cand, cmp_u32);
    } else if (sorted < f->cand_count) {
        for (size_t i = sorted; i < f->cand_count; i++) { /* a few units: insertion */
            uint32_t u = f->cand[i];
            size_t j = i;
            while (j > 0 && f->cand[j - 1] > u) {
                f->cand[j] = f->cand[j - 1];
                j--;
            }
            f->cand[j] = u;
        }
    }
    return QC_OK;
}

int qc_fast_code(qc_fast *f, qc_eval *ev, const qc_mt_scan *scan)
{
    const qc_document *doc = ev->doc;
    ev->leaf_hits = fast_leaf_hits;
    ev->engine = f;
    ev->short_circuit = 1; /* every regex ran before evaluation: leaf_hits only reads */
    f->scan = scan ? scan : &f->mt->scan;
    f->raw_count = 0;
    f->doc = doc;
    f->sparse = f->scan->sparse[0] != NULL;
    int rc;
    if ((f->sparse ? (rc = scan_sparse(f, ev)) : (rc = scan_words(f, doc))) || (rc = scan_regexes(f, ev, f->sparse)) ||
        (rc = sort_occurrences(f)) || (rc = prepare_stamps(f, ev)))
        return rc;
    QC_RELEASE_BIG(f->raw, f->raw_cap); /* sorted into occ */
    for (size_t o = 0; o < f->mt->code_count; o++) {
        int32_t code = f->mt->order[o];
        if (ev->need && !ev->need[code])
            continue;
        const qc_mt_code *mc = &f->mt->codes[code];
        unsigned kind = mc->unit_kind;
        if (++f->eval_gen == 0) {
            memset(f->cursor_gen, 0, (f->mt->leaf_count + 1) * sizeof *f->cursor_gen);
            f->eval_gen = 1;
        }
        if (mc->has_rules) {
            if (mc->all_units) {
                for (uint32_t u = 0; u < ev->unit_count[kind]; u++)
                    if (qc_eval_turn_eligible(ev, code, ev->units[kind][u].turn) &&
                        (rc = qc_eval_code_unit(ev, code, u)))
                        return rc;
            } else {
                if ((rc = candidate_units(f, ev, code)))
                    return rc;
                for (size_t k = 0; k < f->cand_count; k++) {
                    uint32_t u = f->cand[k];
                    if (qc_eval_turn_eligible(ev, code, ev->units[kind][u].turn) &&
                        (rc = qc_eval_code_unit_rules(ev, code, u, f->unit_rules[kind][u] | mc->always_rules)))
                        return rc;
                }
            }
        }
        if ((rc = qc_eval_end_code(ev, code)))
            return rc;
    }
    QC_RELEASE_BIG(f->occ, f->occ_cap);
    QC_RELEASE_BIG(f->out, f->out_cap);
    QC_RELEASE_BIG(f->cand, f->cand_cap);
    QC_RELEASE_BIG(f->pending, f->pending_cap);
    QC_RELEASE_BIG(f->sp_pos, f->sp_pos_cap);
    QC_RELEASE_BIG(f->sp_other, f->sp_other_cap);
    QC_RELEASE_BIG(f->sp_words, f->sp_words_cap);
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++)
        QC_RELEASE_BIG(f->unit_at[k], f->unit_at_cap[k]); /* (made again for the next document) */
    for (unsigned k = 0; k < QC_UNIT_KINDS; k++) {
        if (f->stamp_cap[k] * sizeof *f->unit_rules[k] <= QC_SCRATCH_KEEP)
            continue;
        qc_free(f->stamp[k]);
        qc_free(f->unit_rules[k]);
        f->stamp[k] = NULL;
        f->unit_rules[k] = NULL;
        f->stamp_cap[k] = 0;
    }
    return QC_OK;
}
