/* The matcher's prebuilt tables (cb->match_index): what a codebook's leaves, codes and rules mean
 * to the matcher, worked out once per codebook so that coding threads only read them.
 *
 * - Every pattern leaf is filed under the folded form of one of its words (its anchor: the longest
 *   exact word, as long words are rare ones; else the wildcard word with the longest prefix), in
 *   one of four folding
 *   variants (case kept or folded x accents kept or stripped): exact words in a hash table,
 *   wildcard words under the bytes before their first wildcard (probed at each prefix length a
 *   key has), and wildcard words with nothing before the wildcard in a short list tried on every
 *   word. The rest of a phrase is checked word by word around the place its anchor matched.
 * - Every regex leaf may carry prefilter literals: ASCII letters and digits one of which every
 *   match contains (compared without case), so units without any are never searched.
 * - Every code knows its evaluation unit, its exclude leaves, and the "sources" that can make a
 *   rule hold in a unit (leaves, {REF} targets), or that some rule may hold without any (NOT). */
#ifndef QC_MATCH_TABLES_H
#define QC_MATCH_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "codebook_impl.h"

/* Folding variants: bit 0 = keep accents, bit 1 = keep case. */
#define QC_MT_VARIANTS 4
static inline unsigned qc_mt_variant_of(int case_sensitive, int keep_accents)
{
    return (case_sensitive ? 2u : 0u) | (keep_accents ? 1u : 0u);
}

/* Wildcard keys longer than this are cut: the full pattern is checked anyway. (48: prefix_masks
 * keeps its bits above for the exact keys' lengths.) */
#define QC_MT_MAX_PREFIX 48

/* Evaluation units. */
enum { QC_UNIT_KIND_SENTENCE = 0, QC_UNIT_KIND_PARAGRAPH = 1, QC_UNIT_KIND_TURN = 2, QC_UNIT_KINDS = 3 };

typedef struct qc_mt_slot {
    uint32_t hash;
    uint32_t key_off, key_len;   /* into keys */
    uint32_t list_off, list_len; /* into lists (leaf indices); list_len 0: empty slot */
} qc_mt_slot;

typedef struct qc_mt_table {
    qc_mt_slot *slots;
    uint32_t mask; /* slot count - 1 (a power of two), or 0 with slots NULL when empty */
} qc_mt_table;

typedef struct qc_mt_variant {
    uint8_t used;
    qc_mt_table exact;
    qc_mt_table prefix;
    uint64_t prefix_lengths; /* bit L: some wildcard key is L bytes long (1..QC_MT_MAX_PREFIX) */
    /* bit qc_mt_key_bit(h) is set for the qc_mt_word_hash h of every exact key: most words are no
     * key, and this small bitmap (in the first cache) says so without a probe */
    uint64_t *key_bits;
    /* prefix_masks[qc_mt_triple(a, b, c)]: bit L set when some wildcard key of L bytes may start
     * with bytes a, b, c (0 for the bytes a short word lacks); a word tries only those prefix
     * lengths. Prefix keys are hashed with qc_mt_word_hash too. Bit QC_MT_EXACT_BIT(L), above the
     * prefix lengths, is set when some exact key of L bytes starts with a, b, c: a word without
     * its length's bit is hashed for no probe (`the` is no `therapist`). qc_mt_word_keys keeps
     * what a word of a given length may be. With a few codes' keys (a subset's scan) nearly every
     * word fails this one load. */
    uint64_t *prefix_masks;
    int32_t *anywhere; /* leaves whose first word starts with a wildcard */
    uint32_t anywhere_count;
} qc_mt_variant;

/* A pattern word as the matcher compares it: the compiler's folded word, folded again with the
 * leaf's own settings (a no-op when the compiler already did; cheap insurance when not). */
typedef struct qc_mt_word {
    uint32_t off, len;   /* into words_text */
    uint32_t prefix_len; /* bytes before the first wildcard (len when none) */
    uint8_t has_wildcard;
} qc_mt_word;

typedef struct qc_mt_leaf {
    int32_t node;
    uint32_t word_off, word_count; /* pattern leaves: into words */
    uint32_t anchor;               /* the word the leaf is filed under (the one likely rarest) */
    int32_t code;                  /* the code whose rule or exclude holds it; -1 when none does */
    int32_t rule;                  /* rule index within the code, -1 for an exclude */
    uint8_t variant;
    uint8_t is_regex;
    /* the anchor is `prefix*` with the whole prefix its key: a word found under that key in the
     * prefix table matches it, with nothing more to check */
    uint8_t anchor_is_key;
} qc_mt_leaf;

#define QC_MT_MAX_LITERALS 8
#define QC_MT_LITERAL_MAX 31

/* A regex's prefilter literals: every match contains one of these (lower-case ASCII letters and
 * digits, compared without case); none known (count 0): the regex runs on every unit. A bounded
 * literal is one that every match holds right after a \b (`\bband`, `\b(mdt|huddle)`): in the
 * unit the regex runs on, at the unit's start or after a byte that is not an ASCII letter, digit
 * or '_' (under PCRE2's UCP, not a letter or digit of any script either). */
typedef struct qc_mt_litset {
    uint32_t count;
    char text[QC_MT_MAX_LITERALS][QC_MT_LITERAL_MAX + 1];
    uint8_t len[QC_MT_MAX_LITERALS];
    uint8_t bounded[QC_MT_MAX_LITERALS];
    /* the literal starts every match that holds it (nothing but \b and the opening of groups before
     * it: `band` in \bband\s*[5-8], `mdt` in \b(mdt|huddle)s?) */
    uint8_t leading[QC_MT_MAX_LITERALS];
} qc_mt_litset;

/* Reads the literals of a regex's source (regex_literal.c). `caseless` and `extended`: the flags
 * it was compiled with. `plain`: for text without the Kelvin sign and the long s (the only
 * non-ASCII characters that match an ASCII letter without case), where `k` and `s` are ordinary
 * letters of a literal; otherwise they end one. */
void qc_mt_regex_literals(const char *src, int caseless, int extended, int plain, qc_mt_litset *out);

/* Prefilter sets: QC_MT_STRICT for any text, QC_MT_PLAIN for text known to hold neither sign. */
enum { QC_MT_STRICT = 0, QC_MT_PLAIN = 1, QC_MT_PREFILTERS = 2 };

typedef struct qc_mt_regex {
    int32_t leaf;
    /* every match starts where one of that prefilter's literals occurs: a unit's search can start
     * at the first occurrence and end at the last (qc_eval_regex_unit_at) */
    uint8_t leading[QC_MT_PREFILTERS];
    uint32_t literal_count[QC_MT_PREFILTERS];
    uint32_t literal_id[QC_MT_PREFILTERS][QC_MT_MAX_LITERALS]; /* into that prefilter's literals */
} qc_mt_regex;

/* A distinct prefilter literal: many regexes share one (`band` in `\bband\s*[5-8]\b|...`), and
 * the text is searched for each only once. */
typedef struct qc_mt_literal {
    char text[QC_MT_LITERAL_MAX + 1];
    uint8_t len;
    uint8_t bounded; /* searched for only where a \b may hold before it (qc_mt_litset) */
    /* its first (up to) 8 bytes, little-endian, and the mask of those bytes: text whose 8 bytes
     * | 0x20 differ from head under head_mask cannot hold it (a quick test before the exact one) */
    uint64_t head, head_mask;
    /* the bytes the quick test decides exactly: its first 8 (at most) when all are letters, 0 when
     * one is a digit (| 0x20 makes bytes 0x10-0x19 look like digits, not other letters like them) */
    uint8_t head_decides;
} qc_mt_literal;

/* One prefilter: the distinct literals of every regex. Literals of 3 bytes or more are filed under
 * qc_mt_gram3 of their first three bytes: bit k of gram3_bits is set when some unbounded literal's
 * key is k (of gram3_word_bits, some bounded literal's), and grams3[] lists (k << 32 | literal id)
 * sorted, the literals to try, both kinds. Literals of 2 bytes likewise under qc_mt_gram2
 * (gram_bits, gram_word_bits, grams). The counts say which of the four bitmaps have bits. */
typedef struct qc_mt_prefilter {
    qc_mt_literal *literals;
    size_t literal_count;
    uint64_t *gram_bits; /* 65536 bits */
    uint64_t *grams;
    size_t gram_count;
    uint64_t *gram3_bits; /* 1 << QC_MT_GRAM3_BITS bits */
    uint64_t *grams3;
    size_t gram3_count;
    /* where each key's run starts in grams3 (the keys whose bit is set) and in grams */
    uint32_t *gram3_first; /* 1 << QC_MT_GRAM3_BITS */
    uint32_t *gram_first;  /* 65536 */
    uint64_t *gram3_word_bits, *gram_word_bits;
    size_t gram3_any, gram_any, gram3_word, gram_word; /* literals filed: unbounded, bounded */
    /* A second look before the literals under a 3-byte key are compared (many common words share
     * a literal's first three bytes: `the` and `therapy`): bit qc_mt_gram4 of the first four bytes
     * of every literal of 4 bytes or more (gram4_bits, 65536 bits), bit qc_mt_gram3 of every
     * literal of 3 bytes (gram3_short_bits); a place with neither starts no literal of 3 or more. */
    uint64_t *gram4_bits, *gram3_short_bits;
} qc_mt_prefilter;

/* Where a rule can start to hold: a leaf's hits, or the quotations of codes [code, code_end). */
typedef struct qc_mt_source {
    int32_t leaf; /* -1 for a reference */
    int32_t code, code_end;
    uint32_t rule; /* the rule it belongs to */
} qc_mt_source;

typedef struct qc_mt_code {
    uint8_t unit_kind;
    uint8_t all_units; /* some rule may hold in a unit where no source does: visit every unit */
    uint8_t has_rules;
    /* bit r: rule r may hold where none of its sources does (NOT), so it is evaluated in every
     * unit visited; the others only where one of their sources is. Bit 63 stands for rule 63 and
     * every later one, always set when there are more than 63 rules. */
    uint64_t always_rules;
    uint32_t source_off, source_count;
    uint32_t exclude_off, exclude_count; /* leaf indices in exclude_leaves */
    uint32_t condition_off;              /* numbering of its `where` conditions across the codebook */
    int32_t subtree_end;                 /* one past its last descendant */
} qc_mt_code;

/* A subset's scan with a few words and literals (qc_mt_scan_build) finds them by a byte search of
 * the text (Wu-Manber: a window of `window` bytes, shifted by what its last two bytes allow)
 * instead of folding and looking up every word: each word key and literal is a needle, in lower
 * case, found without ASCII case. An all-ASCII word folds to its bytes (lower-cased or not), so
 * a word that some key can be starts where that key's needle occurs; a word with a non-ASCII byte
 * may fold to anything and is looked up whatever the search found (match.c: scan_sparse). */
#define QC_MT_SPARSE_MAX 64      /* needles: more, and the search costs as much as the fold */
#define QC_MT_SPARSE_MIN_LEN 3   /* a shorter needle leaves the window no room to shift */
#define QC_MT_SPARSE_BUCKETS 256 /* needles by their window's last two bytes */
#define QC_MT_SPARSE_WORD UINT32_MAX

typedef struct qc_mt_needle {
    uint32_t off, len; /* into qc_mt_sparse.text */
    uint32_t literal;  /* its prefilter literal's id, or QC_MT_SPARSE_WORD: some word key */
    uint8_t bounded;   /* the literal's (qc_mt_literal) */
    uint16_t block;    /* its bytes window-2 and window-1, little-endian, | 0x2020 */
    /* its first (up to) 8 bytes | 0x20 each, little-endian, and their mask: text whose 8 bytes
     * | 0x20 differ under the mask cannot hold it (a quick test before the full one) */
    uint64_t head, head_mask;
} qc_mt_needle;

typedef struct qc_mt_sparse {
    uint32_t window;       /* the shortest needle's length, at most 8; 0: no needle */
    uint8_t *shift;        /* 65536, by the window's last two bytes (little-endian): how far it may move */
    qc_mt_needle *needles; /* by bucket (qc_mt_sparse_bucket of block) */
    size_t needle_count;
    uint32_t bucket_first[QC_MT_SPARSE_BUCKETS + 1];
    char *text;
} qc_mt_sparse;

static inline uint32_t qc_mt_sparse_bucket(uint32_t block)
{
    return (block * 0x9E3779B1u) >> 24;
}

/* What the fast engine's first pass over a document looks its words and text up in: the word
 * tables of the leaves it is to find and the regexes it is to run with their prefilter. The
 * codebook's tables hold one for every leaf; a coding of a few codes gets one of its own, made of
 * their leaves alone (qc_mt_scan_build), so that it folds, looks up and searches for nothing else.
 * Leaf indices are the codebook's in both. */
typedef struct qc_mt_scan {
    qc_mt_variant variants[QC_MT_VARIANTS];
    unsigned variant_mask;
    int32_t *lists;
    const char *keys; /* the tables' words_text (borrowed): slot keys are offsets into it */

    qc_mt_regex *regexes;
    size_t regex_count;
    qc_mt_prefilter prefilter[QC_MT_PREFILTERS];
    int plain_differs; /* some regex has other literals in plain text (else STRICT serves all) */
    /* the byte search for each prefilter (a subset's scan of few needles, none starting with a
     * wildcard); NULL: every word is folded and looked up */
    qc_mt_sparse *sparse[QC_MT_PREFILTERS];
} qc_mt_scan;

typedef struct qc_match_tables {
    size_t leaf_count;
    qc_mt_leaf *leaves;
    qc_mt_word *words;
    char *words_text;
    qc_mt_scan scan; /* every leaf's */

    size_t code_count;
    qc_mt_code *codes;
    qc_mt_source *sources;
    int32_t *exclude_leaves;
    size_t condition_count;
    int32_t *order; /* evaluation order: every {REF} target (and its descendants) first */
} qc_match_tables;

int qc_match_tables_build(const qc_codebook *cb, qc_match_tables **out, qc_error *err);
void qc_match_tables_free(qc_match_tables *mt);

/* The scan of the leaves of the codes with need[c] != 0 (code_count bytes) alone, from the
 * codebook's tables mt (borrowed: the scan reads its words and must not outlive it). Returns 0 or
 * QC_ERR_NOMEM. */
int qc_mt_scan_build(const qc_codebook *cb, const qc_match_tables *mt, const uint8_t *need, qc_mt_scan **out);
void qc_mt_scan_free(qc_mt_scan *scan);

/* FNV-1a, byte by byte: for small side tables (the fold cache, distinct literals). */
#define QC_MT_HASH_INIT 2166136261u
static inline uint32_t qc_mt_hash_step(uint32_t h, unsigned char c)
{
    return (h ^ c) * 16777619u;
}

/* The keys of a text position: its next bytes b0, b1, b2 as the little-endian number
 * b0 | b1 << 8 | b2 << 16, read with ASCII upper case as lower case (| 0x20 leaves the bytes of a
 * literal, lower-case letters and digits, as they are, so text that holds a literal gives the
 * literal's key; other text may collide, and the literals are then compared in full). */
#define QC_MT_GRAM3_BITS 16
static inline uint32_t qc_mt_gram3(uint32_t three_bytes)
{
    return ((three_bytes | 0x202020u) * 0x9E3779B1u) >> (32 - QC_MT_GRAM3_BITS);
}

/* The same for four bytes b0 | b1 << 8 | b2 << 16 | b3 << 24, 16 bits. */
static inline uint32_t qc_mt_gram4(uint32_t four_bytes)
{
    return ((four_bytes | 0x20202020u) * 0x9E3779B1u) >> 16;
}

static inline uint32_t qc_mt_gram2(uint32_t two_bytes)
{
    return two_bytes | 0x2020u;
}

/* c in lower case when an ASCII capital: the case the prefilter's literals and the byte search's
 * needles are kept in. */
static inline unsigned char qc_mt_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* b0 | b1 << 8 | ... for the first n (<= 4) bytes at p. */
static inline uint32_t qc_mt_bytes_le(const unsigned char *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < n; k++)
        v |= (uint32_t)p[k] << (8 * k);
    return v;
}

/* The exact table's hash: 8 bytes at a time (zero-padded), so a word of up to 16 bytes held in
 * two 64-bit words hashes without a loop (qc_mt_word_hash2 gives the same value). */
static inline uint64_t qc_mt_mix(uint64_t h, uint64_t chunk)
{
    h = (h ^ chunk) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

static inline uint32_t qc_mt_hash_final(uint64_t h)
{
    h *= 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(h >> 32);
}

static inline uint32_t qc_mt_word_hash(const char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t c;
        __builtin_memcpy(&c, s + i, 8);
        h = qc_mt_mix(h, c);
    }
    if (i < len) {
        uint64_t c = 0;
        for (size_t k = 0; k < len - i; k++)
            c |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
        h = qc_mt_mix(h, c);
    }
    return qc_mt_hash_final(h);
}

/* The same for a word of 1..16 bytes given as its little-endian bytes lo (0..7) and hi (8..15),
 * zero past the word's end. */
static inline uint32_t qc_mt_word_hash2(uint64_t lo, uint64_t hi, size_t len)
{
    uint64_t h = qc_mt_mix(0x9E3779B97F4A7C15ull ^ len, lo);
    if (len > 8)
        h = qc_mt_mix(h, hi);
    return qc_mt_hash_final(h);
}

/* The prefix_masks bit of the exact keys of len bytes: bits 49 to 62 for 1 to 14 bytes, bit 63 for
 * longer ones (the bits up to QC_MT_MAX_PREFIX are prefix lengths). An empty word has bit 63 too. */
#define QC_MT_PREFIX_BITS ((2ull << QC_MT_MAX_PREFIX) - 2) /* bits 1..QC_MT_MAX_PREFIX */
#define QC_MT_EXACT_BIT(len) (1ull << ((len)-1u < 14u ? QC_MT_MAX_PREFIX + (len) : 63u))
/* The bits of a prefix_masks entry a word of len bytes may have: prefix keys no longer than it, exact
 * keys of its length (a constant expression, for tables). */
#define QC_MT_WORD_KEYS_MASK(len)                                                                                      \
    (((len) >= QC_MT_MAX_PREFIX ? QC_MT_PREFIX_BITS : (2ull << (len)) - 2) | QC_MT_EXACT_BIT(len))

/* What of a prefix_masks entry a word of len bytes may be (0: no key at all). */
static inline uint64_t qc_mt_word_keys(uint64_t starts, size_t len)
{
    return starts & QC_MT_WORD_KEYS_MASK(len);
}

/* prefix_masks index of a word's first three bytes a, b, c given as a | b << 8 | c << 16 (the low
 * bytes of a little-endian load: the word pass has them so). */
#define QC_MT_TRIPLE_BITS 12
static inline uint32_t qc_mt_triple3(uint32_t three_bytes)
{
    return three_bytes * 0x9E3779B1u >> (32 - QC_MT_TRIPLE_BITS);
}
/* The same from the three bytes. */
static inline uint32_t qc_mt_triple(unsigned char a, unsigned char b, unsigned char c)
{
    return qc_mt_triple3((uint32_t)a | (uint32_t)b << 8 | (uint32_t)c << 16);
}

#define QC_MT_KEY_BITS 16
static inline uint32_t qc_mt_key_bit(uint32_t h)
{
    return (h ^ (h >> 16)) & ((1u << QC_MT_KEY_BITS) - 1);
}

static inline int qc_mt_maybe_key(const qc_mt_variant *mv, uint32_t h)
{
    uint32_t b = qc_mt_key_bit(h);
    return (mv->key_bits[b >> 6] >> (b & 63)) & 1;
}

/* The leaf list filed under key[0..len) with hash h in one of scan's tables; NULL (and *count 0)
 * when none. */
static inline const int32_t *qc_mt_lookup(const qc_mt_scan *scan, const qc_mt_table *t, uint32_t h, const char *key,
                                          uint32_t len, uint32_t *count)
{
    *count = 0;
    if (!t->slots)
        return NULL;
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const qc_mt_slot *s = &t->slots[i];
        if (!s->list_len)
            return NULL;
        if (s->hash == h && s->key_len == len && __builtin_memcmp(scan->keys + s->key_off, key, len) == 0) {
            *count = s->list_len;
            return scan->lists + s->list_off;
        }
    }
}

/* Whether folded word w[0..wlen) matches one folded pattern word with '*' (any run of characters,
 * possibly none) and '?' (exactly one character). */
int qc_mt_glob(const char *pat, size_t plen, const char *w, size_t wlen);

#endif
