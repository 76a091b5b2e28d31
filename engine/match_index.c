/* Building the matcher's tables once per codebook (see match_tables.h for what they hold). */
#include "match_index.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "match_tables.h"
#include "text.h"

/* ---- glob ---------------------------------------------------------------------------------- */

static size_t utf8_char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

int qc_mt_glob(const char *pat, size_t plen, const char *w, size_t wlen)
{
    size_t p = 0, i = 0;
    size_t star_p = (size_t)-1, star_i = 0;
    while (i < wlen) {
        if (p < plen && pat[p] == '*') {
            star_p = ++p;
            star_i = i;
            continue;
        }
        if (p < plen && pat[p] == '?') {
            p++;
            i += utf8_char_len((unsigned char)w[i]);
            if (i > wlen)
                return 0;
            continue;
        }
        if (p < plen && pat[p] == w[i]) {
            p++;
            i++;
            continue;
        }
        if (star_p == (size_t)-1)
            return 0;
        /* Let the last '*' take one more character (whole characters: a '*' never splits one). */
        star_i += utf8_char_len((unsigned char)w[star_i]);
        if (star_i > wlen)
            return 0;
        i = star_i;
        p = star_p;
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

/* ---- building ------------------------------------------------------------------------------ */

typedef struct key_item {
    const char *text; /* words_text: qsort has no context argument, and a global would race */
    uint8_t variant;
    uint8_t table;             /* 0 exact, 1 prefix, 2 anywhere */
    uint32_t key_off, key_len; /* into words_text */
    int32_t leaf;
} key_item;

static int cmp_key_item(const void *a, const void *b)
{
    const key_item *x = a, *y = b;
    if (x->variant != y->variant)
        return x->variant < y->variant ? -1 : 1;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    uint32_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->text + x->key_off, y->text + y->key_off, n);
    if (c)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = QC_MT_HASH_INIT;
    for (size_t i = 0; i < n; i++)
        h = qc_mt_hash_step(h, (unsigned char)s[i]);
    return h;
}

static int table_init(qc_mt_table *t, size_t keys)
{
    size_t n = 16;
    while (n < keys * 2)
        n *= 2;
    t->slots = qc_calloc(n, sizeof *t->slots);
    if (!t->slots)
        return -1;
    t->mask = (uint32_t)(n - 1);
    return 0;
}

static void table_put(qc_mt_table *t, uint32_t h, uint32_t key_off, uint32_t key_len, uint32_t list_off,
                      uint32_t list_len)
{
    uint32_t i = h & t->mask;
    while (t->slots[i].list_len)
        i = (i + 1) & t->mask;
    t->slots[i] = (qc_mt_slot){h, key_off, key_len, list_off, list_len};
}

/* Walks a rule tree: files its leaves under (code, rule). */
static void claim_leaves(const qc_codebook *cb, qc_match_tables *mt, int32_t ni, int32_t code, int32_t rule,
                         unsigned depth)
{
    if (ni < 0 || (size_t)ni >= cb->node_count || depth > 100000)
        return;
    const qc_rule_node *n = &cb->nodes[ni];
    if ((n->kind == QC_NODE_PATTERN || n->kind == QC_NODE_REGEX) && n->leaf >= 0 && (size_t)n->leaf < mt->leaf_count) {
        if (mt->leaves[n->leaf].code < 0) {
            mt->leaves[n->leaf].code = code;
            mt->leaves[n->leaf].rule = rule;
        }
        return;
    }
    claim_leaves(cb, mt, n->left, code, rule, depth + 1);
    claim_leaves(cb, mt, n->right, code, rule, depth + 1);
}

/* Exclude trees: every pattern/regex leaf below is an exclude pattern of the code. */
static int collect_excludes(const qc_codebook *cb, qc_match_tables *mt, int32_t ni, int32_t **arr, size_t *n,
                            size_t *cap, unsigned depth)
{
    if (ni < 0 || (size_t)ni >= cb->node_count || depth > 100000)
        return 0;
    const qc_rule_node *nd = &cb->nodes[ni];
    if ((nd->kind == QC_NODE_PATTERN || nd->kind == QC_NODE_REGEX) && nd->leaf >= 0 &&
        (size_t)nd->leaf < mt->leaf_count) {
        if (QC_GROW(*arr, *cap, *n + 1))
            return -1;
        (*arr)[(*n)++] = nd->leaf;
        return 0;
    }
    if (collect_excludes(cb, mt, nd->left, arr, n, cap, depth + 1))
        return -1;
    return collect_excludes(cb, mt, nd->right, arr, n, cap, depth + 1);
}

typedef struct src_vec {
    qc_mt_source *v;
    size_t n, cap;
} src_vec;

/* The sources that can make node `ni` hold in a unit: appended to out; returns 1 when the node may
 * hold where none of them does (it can hold with no leaf hit at all: NOT), 0 otherwise, -1 on
 * allocation failure. AND and the proximity operators need both sides, so one side's sources
 * are enough (the other's are dropped). */
static int sources_of(const qc_codebook *cb, int32_t ni, src_vec *out, unsigned depth)
{
    if (ni < 0 || (size_t)ni >= cb->node_count || depth > 100000)
        return 1;
    const qc_rule_node *n = &cb->nodes[ni];
    switch (n->kind) {
    case QC_NODE_PATTERN:
    case QC_NODE_REGEX:
        if (n->leaf < 0)
            return 1;
        if (QC_GROW(out->v, out->cap, out->n + 1))
            return -1;
        out->v[out->n++] = (qc_mt_source){n->leaf, -1, -1, 0};
        return 0;
    case QC_NODE_CODEREF: {
        if (n->code < 0 || (size_t)n->code >= cb->code_count)
            return 1;
        int32_t end = n->code + 1;
        if (n->descendants) {
            uint32_t d = cb->codes[n->code].depth;
            while ((size_t)end < cb->code_count && cb->codes[end].depth > d)
                end++;
        }
        if (QC_GROW(out->v, out->cap, out->n + 1))
            return -1;
        out->v[out->n++] = (qc_mt_source){-1, n->code, end, 0};
        return 0;
    }
    case QC_NODE_NOT: return 1;
    case QC_NODE_OR: {
        int a = sources_of(cb, n->left, out, depth + 1);
        if (a < 0)
            return -1;
        int b = sources_of(cb, n->right, out, depth + 1);
        if (b < 0)
            return -1;
        return a || b;
    }
    case QC_NODE_AND:
    case QC_NODE_NEAR:
    case QC_NODE_BEFORE: {
        size_t mark = out->n;
        int a = sources_of(cb, n->left, out, depth + 1);
        if (a < 0)
            return -1;
        if (a == 0)
            return 0; /* the left side must hold: its sources suffice */
        out->n = mark;
        return sources_of(cb, n->right, out, depth + 1);
    }
    }
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int build_words(const qc_codebook *cb, qc_match_tables *mt)
{
    size_t total = 0;
    for (size_t i = 0; i < cb->node_count; i++)
        if (cb->nodes[i].kind == QC_NODE_PATTERN)
            total += cb->nodes[i].word_count;
    mt->words = qc_calloc(total ? total : 1, sizeof *mt->words);
    if (!mt->words)
        return -1;
    qc_buf text = QC_BUF_INIT;
    qc_buf_reserve(&text, 64);
    size_t w = 0;
    for (size_t i = 0; i < cb->node_count; i++) {
        const qc_rule_node *n = &cb->nodes[i];
        if (n->kind != QC_NODE_PATTERN || n->leaf < 0 || (size_t)n->leaf >= mt->leaf_count)
            continue;
        qc_mt_leaf *lf = &mt->leaves[n->leaf];
        lf->word_off = (uint32_t)w;
        lf->word_count = n->word_count;
        uint32_t best_weight = 0;
        for (uint32_t k = 0; k < n->word_count; k++) {
            const qc_word_pattern *p = &n->words[k];
            size_t off = text.len;
            if (qc_text_fold(p->text, p->length, !n->case_sensitive, !n->keep_accents, &text) != 0) {
                qc_buf_free(&text);
                return -1;
            }
            qc_mt_word *mw = &mt->words[w++];
            mw->off = (uint32_t)off;
            mw->len = (uint32_t)(text.len - off);
            mw->prefix_len = mw->len;
            mw->has_wildcard = 0;
            for (uint32_t b = 0; b < mw->len; b++) {
                char c = text.data[off + b];
                if (c == '*' || c == '?') {
                    mw->prefix_len = b;
                    mw->has_wildcard = 1;
                    break;
                }
            }
            /* the anchor: a long exact word (rare, and one probe), else the longest prefix */
            uint32_t prefix = mw->prefix_len > QC_MT_MAX_PREFIX ? QC_MT_MAX_PREFIX : mw->prefix_len;
            uint32_t weight = mw->has_wildcard ? 2 * prefix : 2 * mw->len + 1;
            if (k == 0 || weight > best_weight) {
                best_weight = weight;
                lf->anchor = k;
            }
        }
        if (n->word_count) {
            const qc_mt_word *aw = &mt->words[lf->word_off + lf->anchor];
            lf->anchor_is_key = aw->has_wildcard && aw->prefix_len >= 1 && aw->prefix_len <= QC_MT_MAX_PREFIX &&
                                aw->prefix_len + 1 == aw->len && text.data &&
                                text.data[aw->off + aw->prefix_len] == '*';
        }
    }
    if (qc_buf_failed(&text)) {
        qc_buf_free(&text);
        return -1;
    }
    mt->words_text = text.data ? text.data : qc_calloc(1, 1);
    return mt->words_text ? 0 : -1;
}

/* Whether the scan for `need` (NULL: every code) looks for leaf lf: a leaf of no rule or exclude
 * is never looked for. */
static int leaf_needed(const qc_mt_leaf *lf, const uint8_t *need)
{
    return lf->node >= 0 && lf->code >= 0 && (!need || need[lf->code]);
}

static int build_word_tables(const qc_match_tables *mt, const uint8_t *need, qc_mt_scan *s)
{
    size_t nitems = 0, cap = 0;
    key_item *items = NULL;
    for (size_t l = 0; l < mt->leaf_count; l++) {
        const qc_mt_leaf *lf = &mt->leaves[l];
        if (!leaf_needed(lf, need) || lf->is_regex || lf->word_count == 0)
            continue;
        const qc_mt_word *w = &mt->words[lf->word_off + lf->anchor];
        key_item it = {mt->words_text, lf->variant, 0, w->off, w->len, (int32_t)l};
        if (w->has_wildcard) {
            it.table = w->prefix_len ? 1 : 2;
            it.key_len = w->prefix_len > QC_MT_MAX_PREFIX ? QC_MT_MAX_PREFIX : w->prefix_len;
        }
        if (QC_GROW(items, cap, nitems + 1)) {
            qc_free(items);
            return -1;
        }
        items[nitems++] = it;
        s->variants[lf->variant].used = 1;
        s->variant_mask |= 1u << lf->variant;
    }
    if (nitems > 1)
        qsort(items, nitems, sizeof *items, cmp_key_item);

    s->keys = mt->words_text;
    s->lists = qc_calloc(nitems ? nitems : 1, sizeof *s->lists);
    if (!s->lists) {
        qc_free(items);
        return -1;
    }
    /* Count distinct keys per table to size them. */
    size_t distinct[QC_MT_VARIANTS][3] = {{0}};
    size_t anywhere[QC_MT_VARIANTS] = {0};
    for (size_t i = 0; i < nitems; i++) {
        s->lists[i] = items[i].leaf;
        if (items[i].table == 2) {
            anywhere[items[i].variant]++;
            continue;
        }
        int first =
            i == 0 || items[i - 1].variant != items[i].variant || items[i - 1].table != items[i].table ||
            items[i - 1].key_len != items[i].key_len ||
            memcmp(mt->words_text + items[i - 1].key_off, mt->words_text + items[i].key_off, items[i].key_len) != 0;
        if (first)
            distinct[items[i].variant][items[i].table]++;
    }
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        qc_mt_variant *mv = &s->variants[v];
        if (distinct[v][0] && table_init(&mv->exact, distinct[v][0]))
            goto nomem;
        if (distinct[v][1] && table_init(&mv->prefix, distinct[v][1]))
            goto nomem;
        if (!mv->used)
            continue; /* never read: a subset's scan is made often enough to spare the 40 KB */
        mv->key_bits = qc_calloc(((size_t)1 << QC_MT_KEY_BITS) / 64, sizeof *mv->key_bits);
        mv->prefix_masks = qc_calloc((size_t)1 << QC_MT_TRIPLE_BITS, sizeof *mv->prefix_masks);
        if (!mv->key_bits || !mv->prefix_masks)
            goto nomem;
        if (anywhere[v]) {
            mv->anywhere = qc_calloc(anywhere[v], sizeof *mv->anywhere);
            if (!mv->anywhere)
                goto nomem;
        }
    }
    for (size_t i = 0; i < nitems;) {
        size_t j = i + 1;
        if (items[i].table == 2) {
            qc_mt_variant *mv = &s->variants[items[i].variant];
            mv->anywhere[mv->anywhere_count++] = items[i].leaf;
            i = j;
            continue;
        }
        while (j < nitems && items[j].variant == items[i].variant && items[j].table == items[i].table &&
               items[j].key_len == items[i].key_len &&
               memcmp(mt->words_text + items[j].key_off, mt->words_text + items[i].key_off, items[i].key_len) == 0)
            j++;
        qc_mt_variant *mv = &s->variants[items[i].variant];
        qc_mt_table *t = items[i].table == 0 ? &mv->exact : &mv->prefix;
        const char *key = mt->words_text + items[i].key_off;
        uint32_t len = items[i].key_len;
        uint32_t h = qc_mt_word_hash(key, len);
        table_put(t, h, items[i].key_off, len, (uint32_t)i, (uint32_t)(j - i));
        if (items[i].table == 0) {
            uint32_t bit = qc_mt_key_bit(h);
            mv->key_bits[bit >> 6] |= 1ull << (bit & 63);
            const unsigned char *k = (const unsigned char *)key;
            mv->prefix_masks[qc_mt_triple(k[0], len > 1 ? k[1] : 0, len > 2 ? k[2] : 0)] |= QC_MT_EXACT_BIT(len);
        } else {
            mv->prefix_lengths |= 1ull << len;
            /* the bytes the key fixes, any byte (or none) after them */
            const unsigned char *k = (const unsigned char *)key;
            unsigned b_lo = len >= 2 ? k[1] : 0, b_hi = len >= 2 ? k[1] : 255;
            for (unsigned b = b_lo; b <= b_hi; b++) {
                unsigned c_lo = len >= 3 ? k[2] : 0, c_hi = len >= 3 ? k[2] : 255;
                for (unsigned c = c_lo; c <= c_hi; c++)
                    mv->prefix_masks[qc_mt_triple(k[0], (unsigned char)b, (unsigned char)c)] |= 1ull << len;
            }
        }
        i = j;
    }
    qc_free(items);
    return 0;
nomem:
    qc_free(items);
    return -1;
}

/* The distinct literals met so far, by hash: slot = id + 1, 0 empty. */
typedef struct literal_set {
    uint32_t *slots;
    size_t mask;
} literal_set;

/* The id of a distinct literal of prefilter p, added (and filed under its key) when new. */
static uint32_t literal_id(qc_mt_prefilter *p, literal_set *set, const char *text, size_t len, int bounded)
{
    /* (the same text bounded and not is two literals, searched for in different places) */
    size_t i = (hash_bytes(text, len) + (size_t)bounded) & set->mask;
    for (; set->slots[i]; i = (i + 1) & set->mask) {
        const qc_mt_literal *l = &p->literals[set->slots[i] - 1];
        if (l->len == len && l->bounded == bounded && memcmp(l->text, text, len) == 0)
            return set->slots[i] - 1;
    }
    uint32_t id = (uint32_t)p->literal_count++;
    qc_mt_literal *l = &p->literals[id];
    memset(l, 0, sizeof *l);
    memcpy(l->text, text, len);
    l->len = (uint8_t)len;
    l->bounded = (uint8_t)bounded;
    int letters = 1;
    for (size_t k = 0; k < len && k < 8; k++) {
        l->head |= (uint64_t)(unsigned char)text[k] << (8 * k);
        l->head_mask |= (uint64_t)0xFF << (8 * k);
        letters &= text[k] >= 'a' && text[k] <= 'z';
    }
    l->head_decides = letters ? (uint8_t)(len < 8 ? len : 8) : 0;
    set->slots[i] = id + 1;
    const unsigned char *t = (const unsigned char *)l->text;
    if (len >= 3) {
        uint32_t g = qc_mt_gram3(qc_mt_bytes_le(t, 3));
        uint64_t *bits = bounded ? p->gram3_word_bits : p->gram3_bits;
        bits[g >> 6] |= 1ull << (g & 63);
        p->grams3[p->gram3_count++] = (uint64_t)g << 32 | id;
        *(bounded ? &p->gram3_word : &p->gram3_any) += 1;
        if (len == 3) {
            p->gram3_short_bits[g >> 6] |= 1ull << (g & 63);
        } else {
            uint32_t g4 = qc_mt_gram4(qc_mt_bytes_le(t, 4));
            p->gram4_bits[g4 >> 6] |= 1ull << (g4 & 63);
        }
    } else {
        uint32_t g = qc_mt_gram2(qc_mt_bytes_le(t, 2));
        uint64_t *bits = bounded ? p->gram_word_bits : p->gram_bits;
        bits[g >> 6] |= 1ull << (g & 63);
        p->grams[p->gram_count++] = (uint64_t)g << 32 | id;
        *(bounded ? &p->gram_word : &p->gram_any) += 1;
    }
    return id;
}

static int prefilter_init(qc_mt_prefilter *p, size_t max_literals)
{
    p->literals = qc_calloc(max_literals, sizeof *p->literals);
    p->gram_bits = qc_calloc(65536 / 64, sizeof *p->gram_bits);
    p->grams = qc_calloc(max_literals, sizeof *p->grams);
    p->gram3_bits = qc_calloc(((size_t)1 << QC_MT_GRAM3_BITS) / 64, sizeof *p->gram3_bits);
    p->grams3 = qc_calloc(max_literals, sizeof *p->grams3);
    /* Only the entries of keys whose bit is set are written and read: 512 KB left uncleared, which
     * clearing made most of the cost of a subset's scan. */
    p->gram3_first = qc_malloc(((size_t)1 << QC_MT_GRAM3_BITS) * sizeof *p->gram3_first);
    p->gram_first = qc_malloc(65536 * sizeof *p->gram_first);
    p->gram3_word_bits = qc_calloc(((size_t)1 << QC_MT_GRAM3_BITS) / 64, sizeof *p->gram3_word_bits);
    p->gram_word_bits = qc_calloc(65536 / 64, sizeof *p->gram_word_bits);
    p->gram4_bits = qc_calloc(65536 / 64, sizeof *p->gram4_bits);
    p->gram3_short_bits = qc_calloc(((size_t)1 << QC_MT_GRAM3_BITS) / 64, sizeof *p->gram3_short_bits);
    return p->literals && p->gram_bits && p->grams && p->gram3_bits && p->grams3 && p->gram3_first && p->gram_first &&
                   p->gram3_word_bits && p->gram_word_bits && p->gram4_bits && p->gram3_short_bits
               ? 0
               : -1;
}

static void prefilter_free(qc_mt_prefilter *p)
{
    qc_free(p->literals);
    qc_free(p->gram_bits);
    qc_free(p->grams);
    qc_free(p->gram3_bits);
    qc_free(p->grams3);
    qc_free(p->gram3_first);
    qc_free(p->gram_first);
    qc_free(p->gram3_word_bits);
    qc_free(p->gram_word_bits);
    qc_free(p->gram4_bits);
    qc_free(p->gram3_short_bits);
}

static int build_regexes(const qc_codebook *cb, const qc_match_tables *mt, const uint8_t *need, qc_mt_scan *s)
{
    size_t count = 0;
    for (size_t l = 0; l < mt->leaf_count; l++)
        if (leaf_needed(&mt->leaves[l], need) && mt->leaves[l].is_regex)
            count++;
    size_t max_literals = count ? count * QC_MT_MAX_LITERALS : 1;
    size_t slots = 16;
    while (slots < 2 * max_literals)
        slots *= 2;
    literal_set set[QC_MT_PREFILTERS] = {{NULL, 0}};
    int ok = (s->regexes = qc_calloc(count ? count : 1, sizeof *s->regexes)) != NULL;
    if (!count)
        return ok ? 0 : -1; /* no literal to search for: the prefilter is never read */
    for (unsigned p = 0; p < QC_MT_PREFILTERS; p++) {
        set[p].slots = qc_calloc(slots, sizeof *set[p].slots);
        set[p].mask = slots - 1;
        ok = ok && set[p].slots && prefilter_init(&s->prefilter[p], max_literals) == 0;
    }
    for (size_t l = 0; ok && l < mt->leaf_count; l++) {
        const qc_mt_leaf *lf = &mt->leaves[l];
        if (!leaf_needed(lf, need) || !lf->is_regex)
            continue;
        const qc_rule_node *n = &cb->nodes[lf->node];
        qc_mt_regex *rx = &s->regexes[s->regex_count++];
        rx->leaf = (int32_t)l;
        for (unsigned p = 0; p < QC_MT_PREFILTERS; p++) {
            qc_mt_litset lits;
            qc_mt_regex_literals(n->source, (n->regex_flags & QC_REGEX_CASELESS) != 0,
                                 (n->regex_flags & QC_REGEX_EXTENDED) != 0, p == QC_MT_PLAIN, &lits);
            rx->literal_count[p] = lits.count;
            rx->leading[p] = lits.count > 0;
            for (uint32_t k = 0; k < lits.count; k++) {
                rx->literal_id[p][k] =
                    literal_id(&s->prefilter[p], &set[p], lits.text[k], lits.len[k], lits.bounded[k]);
                rx->leading[p] = rx->leading[p] && lits.leading[k];
            }
        }
        /* the plain set is the strict one unless some literal changed */
        const qc_mt_prefilter *ps = &s->prefilter[QC_MT_STRICT], *pp = &s->prefilter[QC_MT_PLAIN];
        int same = rx->literal_count[QC_MT_STRICT] == rx->literal_count[QC_MT_PLAIN];
        for (uint32_t k = 0; same && k < rx->literal_count[QC_MT_STRICT]; k++) {
            const qc_mt_literal *a = &ps->literals[rx->literal_id[QC_MT_STRICT][k]];
            const qc_mt_literal *b = &pp->literals[rx->literal_id[QC_MT_PLAIN][k]];
            same = a->len == b->len && a->bounded == b->bounded && memcmp(a->text, b->text, a->len) == 0;
        }
        if (!same)
            s->plain_differs = 1;
    }
    for (unsigned p = 0; p < QC_MT_PREFILTERS; p++) {
        qc_free(set[p].slots);
        qc_mt_prefilter *pf = &s->prefilter[p];
        if (ok && pf->gram_count > 1)
            qsort(pf->grams, pf->gram_count, sizeof *pf->grams, cmp_u64);
        if (ok && pf->gram3_count > 1)
            qsort(pf->grams3, pf->gram3_count, sizeof *pf->grams3, cmp_u64);
        for (size_t k = ok ? pf->gram_count : 0; k-- > 0;) /* backwards: each key keeps its first */
            pf->gram_first[pf->grams[k] >> 32] = (uint32_t)k;
        for (size_t k = ok ? pf->gram3_count : 0; k-- > 0;)
            pf->gram3_first[pf->grams3[k] >> 32] = (uint32_t)k;
    }
    return ok ? 0 : -1;
}

static int build_codes(const qc_codebook *cb, qc_match_tables *mt)
{
    mt->code_count = cb->code_count;
    mt->codes = qc_calloc(cb->code_count ? cb->code_count : 1, sizeof *mt->codes);
    mt->order = qc_calloc(cb->code_count ? cb->code_count : 1, sizeof *mt->order);
    if (!mt->codes || !mt->order)
        return -1;
    src_vec src = {NULL, 0, 0};
    size_t excl_n = 0, excl_cap = 0;
    int32_t *excl = NULL;
    size_t cond = 0;
    for (size_t c = 0; c < cb->code_count; c++) {
        const qc_code_def *cd = &cb->codes[c];
        qc_mt_code *mc = &mt->codes[c];
        switch (cd->settings.scope) {
        case QC_SCOPE_PARAGRAPH: mc->unit_kind = QC_UNIT_KIND_PARAGRAPH; break;
        case QC_SCOPE_TURN: mc->unit_kind = QC_UNIT_KIND_TURN; break;
        default: mc->unit_kind = QC_UNIT_KIND_SENTENCE; break;
        }
        mc->has_rules = cd->rule_count > 0;
        int32_t end = (int32_t)c + 1;
        while ((size_t)end < cb->code_count && cb->codes[end].depth > cd->depth)
            end++;
        mc->subtree_end = end;
        mc->condition_off = (uint32_t)cond;
        cond += cd->condition_count;

        mc->source_off = (uint32_t)src.n;
        for (uint32_t r = 0; r < cd->rule_count; r++) {
            claim_leaves(cb, mt, cd->rules[r].root, (int32_t)c, (int32_t)r, 0);
            size_t first = src.n;
            int rc = sources_of(cb, cd->rules[r].root, &src, 0);
            if (rc < 0)
                goto nomem;
            for (size_t k = first; k < src.n; k++)
                src.v[k].rule = r;
            if (rc)
                mc->all_units = 1;
            if (rc || r >= 63)
                mc->always_rules |= 1ull << (r < 63 ? r : 63); /* bit 63: rule 63 and after */
        }
        mc->source_count = (uint32_t)(src.n - mc->source_off);
        mc->exclude_off = (uint32_t)excl_n;
        for (uint32_t e = 0; e < cd->exclude_count; e++) {
            claim_leaves(cb, mt, cd->excludes[e], (int32_t)c, -1, 0);
            if (collect_excludes(cb, mt, cd->excludes[e], &excl, &excl_n, &excl_cap, 0))
                goto nomem;
        }
        mc->exclude_count = (uint32_t)(excl_n - mc->exclude_off);
    }
    mt->condition_count = cond;
    mt->sources = src.v ? src.v : qc_calloc(1, sizeof *mt->sources);
    mt->exclude_leaves = excl ? excl : qc_calloc(1, sizeof *mt->exclude_leaves);
    if (!mt->sources || !mt->exclude_leaves)
        return -1;

    /* The compiler's order, which it found without recursion: a chain of tens of thousands of
     * {REF}s, each code naming the next, overflowed the stack when it was found again here. */
    memcpy(mt->order, cb->eval_order, cb->code_count * sizeof *mt->order);
    return 0;
nomem:
    qc_free(src.v);
    qc_free(excl);
    return -1;
}

/* ---- the byte search of a subset's scan ---------------------------------------------------- */

typedef struct needle_list {
    qc_mt_needle v[QC_MT_SPARSE_MAX];
    size_t n;
    qc_buf text;
} needle_list;

/* Adds a needle for key[0..len) (in lower case); 0, or -1 when there are too many or one is too
 * short for the search to pay. A key with a non-ASCII byte is no needle: only a word with a
 * non-ASCII byte can fold to it, and those are looked up anyway. */
static int add_needle(needle_list *l, const char *key, size_t len, uint32_t literal, int bounded)
{
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)key[k] >= 0x80)
            return literal == QC_MT_SPARSE_WORD ? 0 : -1;
    if (len < QC_MT_SPARSE_MIN_LEN)
        return -1;
    size_t off = l->text.len;
    for (size_t k = 0; k < len; k++)
        qc_buf_putc(&l->text, (char)qc_mt_lower((unsigned char)key[k]));
    if (qc_buf_failed(&l->text))
        return -1;
    for (size_t i = 0; literal == QC_MT_SPARSE_WORD && i < l->n; i++)
        if (l->v[i].literal == QC_MT_SPARSE_WORD && l->v[i].len == len &&
            memcmp(l->text.data + l->v[i].off, l->text.data + off, len) == 0) {
            l->text.len = off; /* the same word in another variant */
            return 0;
        }
    if (l->n == QC_MT_SPARSE_MAX)
        return -1;
    l->v[l->n++] = (qc_mt_needle){(uint32_t)off, (uint32_t)len, literal, (uint8_t)bounded, 0, 0, 0};
    return 0;
}

static int add_table_keys(needle_list *l, const qc_mt_scan *s, const qc_mt_table *t)
{
    for (uint32_t i = 0; t->slots && i <= t->mask; i++)
        if (t->slots[i].list_len &&
            add_needle(l, s->keys + t->slots[i].key_off, t->slots[i].key_len, QC_MT_SPARSE_WORD, 0))
            return -1;
    return 0;
}

static void sparse_free(qc_mt_sparse *sp)
{
    if (!sp)
        return;
    qc_free(sp->shift);
    qc_free(sp->needles);
    qc_free(sp->text);
    qc_free(sp);
}

/* The shift of every two bytes, either case of a letter: how far a window ending in them may
 * move without passing a needle's start (the window's length less two for bytes that end no
 * needle's first `window` bytes). */
static void fill_shifts(qc_mt_sparse *sp)
{
    uint32_t m = sp->window;
    memset(sp->shift, (int)(m - 1), 65536);
    for (size_t i = 0; i < sp->needle_count; i++) {
        const unsigned char *p = (const unsigned char *)sp->text + sp->needles[i].off;
        for (uint32_t j = 0; j + 2 <= m; j++) {
            uint8_t sh = (uint8_t)(m - 2 - j);
            unsigned a[2] = {p[j], p[j] >= 'a' && p[j] <= 'z' ? p[j] - 32u : p[j]};
            unsigned b[2] = {p[j + 1], p[j + 1] >= 'a' && p[j + 1] <= 'z' ? p[j + 1] - 32u : p[j + 1]};
            for (unsigned x = 0; x < 2; x++)
                for (unsigned y = 0; y < 2; y++)
                    if (sp->shift[a[x] | b[y] << 8] > sh)
                        sp->shift[a[x] | b[y] << 8] = sh;
        }
    }
}

/* The byte search of scan s's word keys and prefilter p's literals; *out NULL (and 0) when the
 * scan is not one for it. -1: out of memory. */
static int build_sparse(const qc_mt_scan *s, unsigned p, qc_mt_sparse **out)
{
    *out = NULL;
    needle_list l = {.n = 0, .text = QC_BUF_INIT};
    int usable = 1;
    for (unsigned v = 0; usable && v < QC_MT_VARIANTS; v++) {
        const qc_mt_variant *mv = &s->variants[v];
        usable = !mv->anywhere_count && !add_table_keys(&l, s, &mv->exact) && !add_table_keys(&l, s, &mv->prefix);
    }
    const qc_mt_prefilter *pf = &s->prefilter[p];
    for (size_t k = 0; usable && s->regex_count && k < pf->literal_count; k++)
        usable = !add_needle(&l, pf->literals[k].text, pf->literals[k].len, (uint32_t)k, pf->literals[k].bounded);
    if (!usable || !l.n) {
        int failed = qc_buf_failed(&l.text);
        qc_buf_free(&l.text);
        return failed ? -1 : 0;
    }
    qc_mt_sparse *sp = qc_calloc(1, sizeof *sp);
    if (!sp || !(sp->shift = qc_malloc(65536)) || !(sp->needles = qc_calloc(l.n, sizeof *sp->needles))) {
        sparse_free(sp);
        qc_buf_free(&l.text);
        return -1;
    }
    sp->text = l.text.data;
    sp->needle_count = l.n;
    sp->window = 8;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].len < sp->window)
            sp->window = l.v[i].len;
    /* by bucket: a counting sort */
    uint32_t m = sp->window;
    for (size_t i = 0; i < l.n; i++) {
        const unsigned char *t = (const unsigned char *)sp->text + l.v[i].off;
        l.v[i].block = (uint16_t)qc_mt_gram2(qc_mt_bytes_le(t + m - 2, 2));
        for (uint32_t k = 0; k < l.v[i].len && k < 8; k++) {
            l.v[i].head |= (uint64_t)(t[k] | 0x20u) << (8 * k);
            l.v[i].head_mask |= (uint64_t)0xFF << (8 * k);
        }
        sp->bucket_first[qc_mt_sparse_bucket(l.v[i].block) + 1]++;
    }
    for (size_t b = 0; b < QC_MT_SPARSE_BUCKETS; b++)
        sp->bucket_first[b + 1] += sp->bucket_first[b];
    uint32_t fill[QC_MT_SPARSE_BUCKETS];
    memcpy(fill, sp->bucket_first, sizeof fill);
    for (size_t i = 0; i < l.n; i++)
        sp->needles[fill[qc_mt_sparse_bucket(l.v[i].block)]++] = l.v[i];
    fill_shifts(sp);
    *out = sp;
    return 0;
}

/* The byte searches of a subset's scan: one for each prefilter a document may use, or none. */
static int build_sparse_all(qc_mt_scan *s)
{
    unsigned count = s->plain_differs ? QC_MT_PREFILTERS : 1;
    for (unsigned p = 0; p < count; p++) {
        if (build_sparse(s, p, &s->sparse[p]))
            return -1;
        if (!s->sparse[p])
            break;
    }
    if (!s->sparse[0] || !s->sparse[count - 1])
        for (unsigned p = 0; p < QC_MT_PREFILTERS; p++) {
            sparse_free(s->sparse[p]);
            s->sparse[p] = NULL;
        }
    return 0;
}

/* What a scan holds (not the scan itself: the codebook's is part of its tables). */
static void scan_clear(qc_mt_scan *s)
{
    for (unsigned v = 0; v < QC_MT_VARIANTS; v++) {
        qc_free(s->variants[v].exact.slots);
        qc_free(s->variants[v].prefix.slots);
        qc_free(s->variants[v].anywhere);
        qc_free(s->variants[v].key_bits);
        qc_free(s->variants[v].prefix_masks);
    }
    qc_free(s->lists);
    qc_free(s->regexes);
    for (unsigned p = 0; p < QC_MT_PREFILTERS; p++) {
        prefilter_free(&s->prefilter[p]);
        sparse_free(s->sparse[p]);
    }
}

/* The word tables and regexes of the leaves `need` asks for (NULL: all of them). */
static int build_scan(const qc_codebook *cb, const qc_match_tables *mt, const uint8_t *need, qc_mt_scan *s)
{
    return build_word_tables(mt, need, s) || build_regexes(cb, mt, need, s) ? -1 : 0;
}

int qc_mt_scan_build(const qc_codebook *cb, const qc_match_tables *mt, const uint8_t *need, qc_mt_scan **out)
{
    *out = NULL;
    qc_mt_scan *s = qc_calloc(1, sizeof *s);
    if (!s)
        return QC_ERR_NOMEM;
    if (build_scan(cb, mt, need, s) || build_sparse_all(s)) {
        qc_mt_scan_free(s);
        return QC_ERR_NOMEM;
    }
    *out = s;
    return QC_OK;
}

void qc_mt_scan_free(qc_mt_scan *scan)
{
    if (!scan)
        return;
    scan_clear(scan);
    qc_free(scan);
}

void qc_match_tables_free(qc_match_tables *mt)
{
    if (!mt)
        return;
    scan_clear(&mt->scan);
    qc_free(mt->leaves);
    qc_free(mt->words);
    qc_free(mt->words_text);
    qc_free(mt->codes);
    qc_free(mt->sources);
    qc_free(mt->exclude_leaves);
    qc_free(mt->order);
    qc_free(mt);
}

int qc_match_tables_build(const qc_codebook *cb, qc_match_tables **out, qc_error *err)
{
    *out = NULL;
    qc_match_tables *mt = qc_calloc(1, sizeof *mt);
    if (!mt)
        return qc_error_nomem(err);
    mt->leaf_count = cb->leaf_count;
    mt->leaves = qc_calloc(cb->leaf_count ? cb->leaf_count : 1, sizeof *mt->leaves);
    if (!mt->leaves)
        goto nomem;
    for (size_t l = 0; l < cb->leaf_count; l++) {
        mt->leaves[l].node = -1;
        mt->leaves[l].code = -1;
        mt->leaves[l].rule = -1;
    }
    for (size_t i = 0; i < cb->node_count; i++) {
        const qc_rule_node *n = &cb->nodes[i];
        if ((n->kind != QC_NODE_PATTERN && n->kind != QC_NODE_REGEX) || n->leaf < 0 ||
            (size_t)n->leaf >= cb->leaf_count)
            continue;
        qc_mt_leaf *lf = &mt->leaves[n->leaf];
        lf->node = (int32_t)i;
        lf->is_regex = n->kind == QC_NODE_REGEX;
        lf->variant = (uint8_t)qc_mt_variant_of(n->case_sensitive, n->keep_accents);
    }
    if (build_codes(cb, mt) || build_words(cb, mt) || build_scan(cb, mt, NULL, &mt->scan))
        goto nomem;
    *out = mt;
    return QC_OK;
nomem:
    qc_match_tables_free(mt);
    return qc_error_nomem(err);
}

static void free_index(void *index)
{
    qc_match_tables_free(index);
}

int qc_match_index_build(qc_codebook *cb, qc_error *err)
{
    qc_match_tables *mt = NULL;
    int rc = qc_match_tables_build(cb, &mt, err);
    if (rc != QC_OK)
        return rc;
    cb->match_index = mt;
    cb->match_index_free = free_index;
    return QC_OK;
}
