/* The coding cache: one file per document in a folder, named by the document's key (SHA-256 of
 * its bytes and read options), holding each code's quotations under the code's rules hash. A
 * file is trusted only when its magic, version, key, size and payload checksum all hold and each
 * record a lookup takes fits the document and the codebook (take_record); anything else is
 * counted as rejected and rewritten after coding. Format: docs/recode.md. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc.h"
#include "buf.h"
#include "cache.h"
#include "casebook_impl.h"
#include "codebook_impl.h"
#include "coding_digest.h"
#include "coding_impl.h"
#include "document_impl.h"
#include "error.h"
#include "fileio.h"
#include "run_with.h"
#include "sha256.h"
#include "speakers.h"
#include "text.h"

/* ---- code hashes ---- */

typedef struct hasher {
    const qc_codebook *cb;
    const char *context;
    uint8_t (*out)[32];
    uint8_t *state; /* 0 not yet, 1 in progress, 2 done */
    uint8_t *where; /* NULL, or per code: 1 when it or a code it references has `where` conditions */
    char *text;     /* room for a code's description, kept from code to code */
    size_t text_cap;
} hasher;

static int is_history(const char *line, size_t len)
{
    return (len >= 4 && memcmp(line, "was ", 4) == 0) || (len >= 12 && memcmp(line, "merged-from ", 12) == 0);
}

static int hash_code(hasher *h, int32_t code);

/* Mixes in the hashes of the codes a tree references ({REF}, and {REF*}'s descendants), in the
 * tree's left-to-right order, and marks `code` as reading the casebook when one of them does.
 * Recursion depth is the expression's nesting depth. */
static int hash_refs(hasher *h, qc_sha256_ctx *ctx, int32_t code, int32_t n)
{
    if (n < 0)
        return QC_OK;
    const qc_codebook *cb = h->cb;
    const qc_rule_node *node = &cb->nodes[n];
    if (node->kind == QC_NODE_CODEREF && node->code >= 0) {
        int32_t last = node->descendants ? cb->subtree_end[node->code] : node->code + 1;
        for (int32_t t = node->code; t < last; t++) {
            int rc = hash_code(h, t);
            if (rc)
                return rc;
            qc_sha256_update(ctx, "ref", 3);
            qc_sha256_update(ctx, h->out[t], 32);
            if (h->where && h->where[t])
                h->where[code] = 1;
        }
    }
    int rc = hash_refs(h, ctx, code, node->left);
    return rc ? rc : hash_refs(h, ctx, code, node->right);
}

static int hash_code(hasher *h, int32_t code)
{
    if (h->state[code] == 2)
        return QC_OK;
    if (h->state[code] == 1) /* a cycle: the compiler refuses them, but never loop */
        return QC_ERR_INVALID;
    h->state[code] = 1;
    const qc_codebook *cb = h->cb;
    /* Described into the room the codes before left, and again only when it was too small: sizing
     * each description first described every code twice (qc_cache_open, once per codebook of a
     * re-code: 13 million instructions at 271 codes). */
    size_t len = qc_code_describe(cb, (size_t)code, h->text, h->text_cap);
    if (len == SIZE_MAX)
        return QC_ERR_NOMEM;
    if (len >= h->text_cap) {
        qc_free(h->text);
        h->text_cap = len + 1 > 2 * h->text_cap ? len + 1 : 2 * h->text_cap;
        if (!(h->text = qc_malloc(h->text_cap))) {
            h->text_cap = 0;
            return QC_ERR_NOMEM;
        }
        if (qc_code_describe(cb, (size_t)code, h->text, h->text_cap) != len) /* out of memory the second time */
            return QC_ERR_NOMEM;
    }
    char *text = h->text;
    qc_sha256_ctx ctx;
    qc_sha256_init(&ctx);
    qc_sha256_update(&ctx, "qcode-code-1\n", 13);
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (!is_history(p, n))
            qc_sha256_update(&ctx, p, n);
        p += n;
    }
    const qc_code_def *d = &cb->codes[code];
    if (d->condition_count && h->context) {
        qc_sha256_update(&ctx, "context", 7);
        qc_sha256_update(&ctx, h->context, strlen(h->context));
    }
    if (d->condition_count && h->where)
        h->where[code] = 1;
    int rc = QC_OK;
    for (uint32_t r = 0; r < d->rule_count && !rc; r++)
        rc = hash_refs(h, &ctx, code, d->rules[r].root);
    for (uint32_t e = 0; e < d->exclude_count && !rc; e++)
        rc = hash_refs(h, &ctx, code, d->excludes[e]);
    if (rc)
        return rc;
    qc_sha256_final(&ctx, h->out[code]);
    h->state[code] = 2;
    return QC_OK;
}

int qc_code_hashes(const qc_codebook *cb, const char *context, uint8_t (*out)[32], uint8_t *where)
{
    hasher h = {cb, context, out, qc_calloc(cb->code_count + 1, 1), where, NULL, 0};
    if (!h.state)
        return QC_ERR_NOMEM;
    int rc = QC_OK;
    for (size_t c = 0; c < cb->code_count && !rc; c++)
        rc = hash_code(&h, (int32_t)c);
    qc_free(h.state);
    qc_free(h.text);
    return rc;
}

static void to_hex(const uint8_t *bytes, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
}

int qc_code_rules_hash(const qc_codebook *cb, size_t code, char hex[65])
{
    if (!cb || code >= cb->code_count || !hex)
        return QC_ERR_INVALID;
    uint8_t(*all)[32] = qc_calloc(cb->code_count, 32);
    if (!all)
        return QC_ERR_NOMEM;
    int rc = qc_code_hashes(cb, NULL, all, NULL);
    if (!rc)
        to_hex(all[code], 32, hex);
    qc_free(all);
    return rc;
}

/* ---- the cache object ---- */

/* A pattern or regex leaf of a code: its number in the codebook and the rule it is in. */
typedef struct code_leaf {
    int32_t leaf;
    uint32_t rule; /* UINT32_MAX: in an exclude */
} code_leaf;

/* One code's record in an entry (pointing into the file's bytes). */
typedef struct record {
    const uint8_t *id;
    uint32_t id_len;
    const uint8_t *hash;
    uint32_t quotes;
    const uint8_t *body; /* quotes, each 4 u32 and its hits of 4 u32 */
    size_t body_len;
} record;

static int cmp_record(const void *a, const void *b);

/* A code of the codebook as a record's key (id and hash; no body), for looking records up. */
typedef struct code_key {
    record key;
    uint32_t code;
} code_key;

struct qc_cache {
    char *dir;
    const qc_codebook *cb;
    uint8_t (*hash)[32];
    uint8_t set_hash[32]; /* of every (id, hash): which codebook an entry's issues came from */
    /* Each code's pattern and regex leaves in a fixed walk of its trees: hits are stored by their
     * position in this list, so that they survive other codes' changes moving leaf numbers. */
    code_leaf *leaves;
    size_t *leaf_first;  /* code c: leaves[leaf_first[c] .. leaf_first[c+1]) */
    int32_t *leaf_local; /* leaf -> its position within its code */
    /* Every code's key in cmp_record's order, the order of an entry's records once parsed: a
     * lookup finds all its codes' records in one walk down both lists. */
    code_key *keys;
    /* Codes whose coding reads the casebook (`where`, own or referenced): their hash in a document's
     * entry is also of the casebook's values that document's conditions can read (doc_hashes). */
    uint8_t *where;
    int any_where;
    int spans_only;          /* qc_cache_spans_only */
    const char **where_keys; /* every `where` key of the codebook, once each (as written) */
    size_t where_key_count;
    qc_cache_stats stats;
    /* The keys of the entries lookups looked for (slot_open), on every thread: what pruning keeps. */
    pthread_mutex_t used_mu;
    qc_cache_keys used;
    size_t unwritten;                           /* entries not written, counted by cache_code */
    char unwritten_reason[QC_CACHE_REASON_MAX]; /* the first failure's */
    int reason_claimed;                         /* unwritten_reason is being or has been set */
};

/* The statistics are counted by every thread of a run (qc_cache_run_pair). */
static void stat_add(size_t *counter, size_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* Counts an entry its slot could not write (note_unwritten) on the cache that owns the slot, once
 * however many of a pair's lookups failed to write it, and keeps the first failure's reason there
 * for the caller's warning (threads race for it; one wins). */
static void count_unwritten(qc_cache *c, const char *reason)
{
    stat_add(&c->unwritten, 1);
    int expected = 0;
    if (__atomic_compare_exchange_n(&c->reason_claimed, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        snprintf(c->unwritten_reason, sizeof c->unwritten_reason, "%.*s", (int)sizeof c->unwritten_reason - 1, reason);
}

static int collect_leaves(qc_cache *c, int32_t n, uint32_t rule, size_t *count, size_t *cap)
{
    if (n < 0)
        return QC_OK;
    const qc_rule_node *node = &c->cb->nodes[n];
    if ((node->kind == QC_NODE_PATTERN || node->kind == QC_NODE_REGEX) && node->leaf >= 0) {
        if (QC_GROW(c->leaves, *cap, *count + 1))
            return QC_ERR_NOMEM;
        c->leaves[(*count)++] = (code_leaf){node->leaf, rule};
    }
    int rc = collect_leaves(c, node->left, rule, count, cap);
    return rc ? rc : collect_leaves(c, node->right, rule, count, cap);
}

static int build_leaves(qc_cache *c)
{
    const qc_codebook *cb = c->cb;
    size_t count = 0, cap = 0;
    c->leaf_first = qc_calloc(cb->code_count + 1, sizeof *c->leaf_first);
    c->leaf_local = qc_calloc(cb->leaf_count + 1, sizeof *c->leaf_local);
    if (!c->leaf_first || !c->leaf_local)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i <= cb->leaf_count; i++)
        c->leaf_local[i] = -1;
    for (size_t code = 0; code < cb->code_count; code++) {
        const qc_code_def *d = &cb->codes[code];
        c->leaf_first[code] = count;
        for (uint32_t r = 0; r < d->rule_count; r++) {
            int rc = collect_leaves(c, d->rules[r].root, r, &count, &cap);
            if (rc)
                return rc;
        }
        for (uint32_t e = 0; e < d->exclude_count; e++) {
            int rc = collect_leaves(c, d->excludes[e], UINT32_MAX, &count, &cap);
            if (rc)
                return rc;
        }
        for (size_t i = c->leaf_first[code]; i < count; i++)
            if ((size_t)c->leaves[i].leaf < cb->leaf_count)
                c->leaf_local[c->leaves[i].leaf] = (int32_t)(i - c->leaf_first[code]);
    }
    c->leaf_first[cb->code_count] = count;
    return QC_OK;
}

static int cmp_code_key(const void *a, const void *b)
{
    return cmp_record(&((const code_key *)a)->key, &((const code_key *)b)->key);
}

static int build_keys(qc_cache *c)
{
    const qc_codebook *cb = c->cb;
    if (!(c->keys = qc_calloc(cb->code_count + 1, sizeof *c->keys)))
        return QC_ERR_NOMEM;
    for (size_t code = 0; code < cb->code_count; code++) {
        const char *id = cb->codes[code].id;
        c->keys[code] =
            (code_key){{(const uint8_t *)id, (uint32_t)strlen(id), c->hash[code], 0, NULL, 0}, (uint32_t)code};
    }
    qsort(c->keys, cb->code_count, sizeof *c->keys, cmp_code_key);
    return QC_OK;
}

static int fold_equal_name(const char *a, const char *b)
{
    return a && b && qc_fold_equal(a, strlen(a), b, strlen(b));
}

/* The keys `where` conditions name, each once (compared as rule_eval resolves them, by
 * qc_fold_equal), for doc_hashes. */
static int collect_where_keys(qc_cache *c)
{
    const qc_codebook *cb = c->cb;
    size_t total = 0;
    for (size_t code = 0; code < cb->code_count; code++) {
        total += cb->codes[code].condition_count;
        c->any_where |= c->where[code];
    }
    if (!total)
        return QC_OK;
    if (!(c->where_keys = qc_calloc(total, sizeof *c->where_keys)))
        return QC_ERR_NOMEM;
    for (size_t code = 0; code < cb->code_count; code++)
        for (uint32_t k = 0; k < cb->codes[code].condition_count; k++) {
            const char *key = cb->codes[code].conditions[k].key;
            size_t i = 0;
            while (i < c->where_key_count && !fold_equal_name(c->where_keys[i], key))
                i++;
            if (i == c->where_key_count)
                c->where_keys[c->where_key_count++] = key;
        }
    return QC_OK;
}

int qc_cache_open(qc_cache **out, const char *dir, const qc_codebook *cb, const char *context, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_cache_open: out is NULL");
    *out = NULL;
    if (!dir || !*dir || !cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_cache_open: no folder or codebook");
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot create the cache folder %s: %s", dir,
                            strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "%s is not a folder", dir);
    qc_cache *c = qc_calloc(1, sizeof *c);
    if (!c)
        return qc_error_nomem(err);
    pthread_mutex_init(&c->used_mu, NULL);
    c->cb = cb;
    c->dir = qc_strdup(dir);
    c->hash = qc_calloc(cb->code_count + 1, 32);
    c->where = qc_calloc(cb->code_count + 1, 1);
    int rc = (!c->dir || !c->hash || !c->where) ? QC_ERR_NOMEM : qc_code_hashes(cb, context, c->hash, c->where);
    if (!rc)
        rc = collect_where_keys(c);
    if (!rc)
        rc = build_leaves(c);
    if (!rc)
        rc = build_keys(c);
    if (rc) {
        qc_cache_free(c);
        return rc == QC_ERR_NOMEM ? qc_error_nomem(err)
                                  : qc_error_set(err, rc, qc_codebook_path(cb), 0, 0, -1,
                                                 "cannot hash the codebook's codes: %s", qc_status_name(rc));
    }
    qc_sha256_ctx ctx;
    qc_sha256_init(&ctx);
    for (size_t i = 0; i < cb->code_count; i++) {
        qc_sha256_update(&ctx, cb->codes[i].id, strlen(cb->codes[i].id) + 1);
        qc_sha256_update(&ctx, c->hash[i], 32);
    }
    qc_sha256_final(&ctx, c->set_hash);
    *out = c;
    return QC_OK;
}

void qc_cache_spans_only(qc_cache *cache)
{
    cache->spans_only = 1;
}

void qc_cache_free(qc_cache *cache)
{
    if (!cache)
        return;
    qc_free(cache->dir);
    qc_free(cache->hash);
    qc_free(cache->where);
    qc_free(cache->where_keys);
    qc_free(cache->leaves);
    qc_free(cache->leaf_first);
    qc_free(cache->leaf_local);
    qc_free(cache->keys);
    qc_cache_keys_free(&cache->used);
    pthread_mutex_destroy(&cache->used_mu);
    qc_free(cache);
}

/* ---- pruning ---- */

void qc_cache_keys_free(qc_cache_keys *k)
{
    qc_free(k->keys);
    memset(k, 0, sizeof *k);
}

static int keys_add(qc_cache_keys *k, const uint8_t key[32])
{
    if (k->count == k->cap && QC_GROW(k->keys, k->cap, k->count + 1))
        return QC_ERR_NOMEM;
    memcpy(k->keys[k->count++], key, 32);
    return QC_OK;
}

int qc_cache_keys_take(qc_cache *cache, qc_cache_keys *into)
{
    for (size_t i = 0; cache && i < cache->used.count; i++)
        if (keys_add(into, cache->used.keys[i]) != QC_OK)
            return QC_ERR_NOMEM;
    return QC_OK;
}

static int cmp_key32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* The key an entry's file name spells (entry_path: 64 lowercase hex digits and ".qcc"); 0 for any
 * other name. */
static int entry_name_key(const char *name, uint8_t key[32])
{
    if (strlen(name) != 68 || strcmp(name + 64, ".qcc") != 0)
        return 0;
    for (size_t i = 0; i < 64; i++) {
        char ch = name[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0)
            return 0;
        key[i / 2] = (uint8_t)(i % 2 ? key[i / 2] | v : v << 4);
    }
    return 1;
}

int qc_cache_prune_dir(const char *dir, qc_cache_keys *keep, size_t *removed, uint64_t *bytes, qc_error *err)
{
    size_t n = 0;
    uint64_t total = 0;
    if (keep->count)
        qsort(keep->keys, keep->count, 32, cmp_key32);
    DIR *d = opendir(dir);
    if (!d)
        return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot read the cache folder: %s", strerror(errno));
    int rc = QC_OK;
    struct dirent *de;
    while (rc == QC_OK && (errno = 0, de = readdir(d)) != NULL) {
        uint8_t key[32];
        struct stat st;
        if (!entry_name_key(de->d_name, key) || (keep->count && bsearch(key, keep->keys, keep->count, 32, cmp_key32)) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
            qc_buf path = QC_BUF_INIT;
            qc_buf_printf(&path, "%s/%s", dir, de->d_name);
            rc = qc_error_set(err, QC_ERR_IO, path.data ? path.data : dir, 0, 0, -1, "cannot remove: %s",
                              strerror(errno));
            qc_buf_free(&path);
            break;
        }
        n++;
        total += (uint64_t)st.st_size;
    }
    if (rc == QC_OK && errno != 0)
        rc = qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot read the cache folder: %s", strerror(errno));
    closedir(d);
    if (removed)
        *removed = n;
    if (bytes)
        *bytes = total;
    return rc;
}

int qc_cache_prune(qc_cache *cache, size_t *removed, uint64_t *bytes, qc_error *err)
{
    if (removed)
        *removed = 0;
    if (bytes)
        *bytes = 0;
    if (!cache)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_cache_prune: no cache");
    return qc_cache_prune_dir(cache->dir, &cache->used, removed, bytes, err);
}

size_t qc_cache_unwritten(const qc_cache *cache, char *reason, size_t cap)
{
    if (reason && cap)
        snprintf(reason, cap, "%s", cache ? cache->unwritten_reason : "");
    return cache ? cache->unwritten : 0;
}

void qc_cache_get_stats(const qc_cache *cache, qc_cache_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (cache)
        *out = cache->stats;
}

/* ---- keys ---- */

/* The document's key: its bytes (by their SHA-256, hex), its id (casebook rows are looked up by
 * it) and how it was read (document_impl.h: `reading`, the read options that change the text and
 * qcode's version: another version may read or code the same bytes otherwise). */
static void doc_key(const char *bytes_sha256, size_t size, const qc_document *doc, uint8_t key[32])
{
    qc_sha256_ctx ctx;
    qc_sha256_init(&ctx);
    qc_sha256_update(&ctx, "qcode-doc-3", 11);
    uint64_t n = size;
    qc_sha256_update(&ctx, &n, sizeof n);
    qc_sha256_update(&ctx, bytes_sha256, 64);
    qc_sha256_update_str(&ctx, qc_document_id(doc));
    qc_sha256_update(&ctx, doc->reading, sizeof doc->reading);
    qc_sha256_final(&ctx, key);
}

static char *entry_path(const qc_cache *c, const uint8_t key[32])
{
    char hex[65];
    to_hex(key, 32, hex);
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "%s/%s.qcc", c->dir, hex);
    return qc_buf_detach(&b);
}

/* ---- reading an entry ---- */

typedef struct reader {
    const uint8_t *p, *end;
    int bad;
} reader;

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_u32(reader *r)
{
    if (r->bad || (size_t)(r->end - r->p) < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = le32(r->p);
    r->p += 4;
    return v;
}

static const uint8_t *get_bytes(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *s = r->p;
    r->p += n;
    return s;
}

static void store_u32(uint8_t *s, uint32_t v)
{
    s[0] = (uint8_t)v;
    s[1] = (uint8_t)(v >> 8);
    s[2] = (uint8_t)(v >> 16);
    s[3] = (uint8_t)(v >> 24);
}

/* Where the payload's table of codings' records hashes is (cache.h), and its size: at a fixed
 * place in the head, which a lookup rewrites anyway when it adds records (entry_append). */
enum {
    CODINGS_AT = QC_CACHE_HEADER_SIZE + 32,
    CODINGS_SIZE = 4 + QC_CACHE_CODINGS * QC_CACHE_CODING_SLOT,
    CODINGS_END = CODINGS_AT + CODINGS_SIZE
};

typedef struct entry {
    char *data;
    size_t size;
    const uint8_t *set_hash;
    const uint8_t *codings; /* the table of codings' records hashes (cache.h) */
    uint32_t issue_count;
    const uint8_t *issues; /* each: u32 length, bytes */
    record *recs;
    size_t rec_count;
    size_t count_at; /* where the record count is in data */
} entry;

static void entry_free(entry *e)
{
    qc_free(e->data);
    qc_free(e->recs);
    memset(e, 0, sizeof *e);
}

static int cmp_record(const void *a, const void *b)
{
    const record *x = a, *y = b;
    uint32_t n = x->id_len < y->id_len ? x->id_len : y->id_len;
    int c = memcmp(x->id, y->id, n);
    if (c)
        return c;
    if (x->id_len != y->id_len)
        return x->id_len < y->id_len ? -1 : 1;
    return memcmp(x->hash, y->hash, 32);
}

/* The payload's checksum: CRC-32 (zlib's), which tells damage (a torn write, a flipped bit) as the
 * SHA-256 it replaced did, at two and a half times its speed; neither stops an edited entry signed again,
 * which take_record's checks are for. The SHA-256 check was 3 % of a warm re-code, and as much
 * again at every entry written (docs/recode.md, "The cache"). */
static uint32_t payload_crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), p, n);
}

/* ENTRY_WRITTEN: e->data holds the bytes a lookup just made for the file, not yet checked. */
typedef enum { ENTRY_NONE, ENTRY_OK, ENTRY_BAD, ENTRY_WRITTEN } entry_state;

/* Puts e's records in cmp_record's order when the first `run` already are, distinct: the rest (a
 * few revisions' additions) sorted, then each put in place among the first by a binary search, the
 * runs between copied whole. A qsort of every record was about 1 % of a warm re-code once entries
 * carried a revision's records, and a merge comparing every record, then a pass comparing each
 * with the next, most of what was left. -1 when out of memory, 1 when two records are equal,
 * else 0. */
static int sort_tail(entry *e, size_t run)
{
    record *merged = qc_malloc(e->rec_count * sizeof *merged);
    if (!merged)
        return -1;
    record *a = e->recs, *b = e->recs + run;
    size_t na = run, nb = e->rec_count - run, i = 0, k = 0;
    int dup = 0;
    qsort(b, nb, sizeof *b, cmp_record);
    for (size_t j = 0; j < nb; j++) {
        if (j && cmp_record(&b[j - 1], &b[j]) == 0)
            dup = 1;
        size_t lo = i, hi = na; /* the first of a[i, na) not below b[j] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_record(&a[mid], &b[j]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < na && cmp_record(&a[lo], &b[j]) == 0)
            dup = 1;
        memcpy(merged + k, a + i, (lo - i) * sizeof *a);
        k += lo - i;
        i = lo;
        merged[k++] = b[j];
    }
    memcpy(merged + k, a + i, (na - i) * sizeof *a);
    qc_free(e->recs);
    e->recs = merged;
    return dup;
}

/* Indexes the next n records of r into e->recs, which has room for them; r->bad when they do not
 * hold. */
static void parse_records(reader *r, entry *e, uint32_t n)
{
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        record *rec = &e->recs[e->rec_count++];
        rec->id_len = get_u32(r);
        rec->id = get_bytes(r, rec->id_len);
        rec->hash = get_bytes(r, 32);
        rec->quotes = get_u32(r);
        rec->body = r->p;
        for (uint32_t q = 0; q < rec->quotes && !r->bad; q++) {
            get_bytes(r, 12);
            get_bytes(r, (size_t)get_u32(r) * 16);
        }
        rec->body_len = r->bad ? 0 : (size_t)(r->p - rec->body);
    }
}

/* The writer writes in the codebook's order, which is often already the records' (ids in order,
 * each once), and revisions add theirs after (entry_append): the records after the ordered run
 * (at least the first `run`, known to be) are sorted and merged with it. A code's record is
 * written once for each hash: with two, which one a lookup found would decide the counts.
 * ENTRY_OK, ENTRY_BAD or QC_ERR_NOMEM. */
static int entry_order(entry *e, size_t run)
{
    if (!run)
        run = 1;
    while (run < e->rec_count && cmp_record(&e->recs[run - 1], &e->recs[run]) < 0)
        run++;
    if (run < e->rec_count) {
        int st = sort_tail(e, run);
        if (st < 0)
            return QC_ERR_NOMEM;
        if (st)
            return ENTRY_BAD;
    }
    return ENTRY_OK;
}

/* Checks the file's bytes in e->data and indexes its records. ENTRY_BAD for anything that does
 * not hold; QC_ERR_NOMEM as a negative return. `check_sum` is 0 only for bytes this process has
 * just written from a coding: the checksum tells damage on the disk, which they have not met (the
 * records are still checked against the document when a lookup takes them). */
static int entry_parse(entry *e, const uint8_t key[32], int check_sum)
{
    reader r = {(const uint8_t *)e->data, (const uint8_t *)e->data + e->size, 0};
    const uint8_t *magic = get_bytes(&r, 8);
    uint32_t version = get_u32(&r);
    get_u32(&r);
    const uint8_t *k = get_bytes(&r, 32);
    uint32_t payload = get_u32(&r);
    uint32_t sum = get_u32(&r);
    if (r.bad || memcmp(magic, QC_CACHE_MAGIC, 8) != 0 || version != QC_CACHE_VERSION || memcmp(k, key, 32) != 0 ||
        (size_t)(r.end - r.p) != payload)
        return ENTRY_BAD;
    if (check_sum && payload_crc(r.p, payload) != sum)
        return ENTRY_BAD;
    e->set_hash = get_bytes(&r, 32);
    e->codings = get_bytes(&r, CODINGS_SIZE);
    if (r.bad || le32(e->codings) > QC_CACHE_CODINGS)
        return ENTRY_BAD;
    e->issue_count = get_u32(&r);
    e->issues = r.p;
    for (uint32_t i = 0; i < e->issue_count && !r.bad; i++)
        get_bytes(&r, get_u32(&r));
    e->count_at = (size_t)(r.p - (const uint8_t *)e->data);
    uint32_t n = get_u32(&r);
    if (r.bad || n > (size_t)(r.end - r.p) / 40)
        return ENTRY_BAD;
    e->recs = qc_calloc(n + 1, sizeof *e->recs);
    if (!e->recs)
        return QC_ERR_NOMEM;
    parse_records(&r, e, n);
    if (r.bad || r.p != r.end)
        return ENTRY_BAD;
    return entry_order(e, 0);
}

/* e's index moved to `bytes` (size bytes, taken over, freed on failure): e's own bytes with
 * `added` records after them (entry_append). The records e had stay where they were, so only the
 * added ones are read: the lookup that follows (a re-code's other codebook) walked every quotation
 * of the entry again to index it, 28 million instructions of a warm re-code at 20 MB. As
 * entry_parse: ENTRY_OK, ENTRY_BAD or QC_ERR_NOMEM. */
static int entry_extended(entry *e, uint8_t *bytes, size_t size, uint32_t added)
{
    const uint8_t *old = (const uint8_t *)e->data;
    size_t ordered = e->rec_count;
    record *recs = qc_realloc(e->recs, (e->rec_count + added + 1) * sizeof *recs);
    if (!recs) {
        qc_free(bytes);
        return QC_ERR_NOMEM;
    }
    e->recs = recs;
    for (size_t i = 0; i < e->rec_count; i++) {
        recs[i].id = bytes + (recs[i].id - old);
        recs[i].hash = bytes + (recs[i].hash - old);
        recs[i].body = bytes + (recs[i].body - old);
    }
    e->set_hash = bytes + (e->set_hash - old);
    e->codings = bytes + (e->codings - old);
    e->issues = bytes + (e->issues - old);
    reader r = {bytes + e->size, bytes + size, 0};
    parse_records(&r, e, added);
    qc_free(e->data);
    e->data = (char *)bytes;
    e->size = size;
    if (r.bad || r.p != r.end)
        return ENTRY_BAD;
    return entry_order(e, ordered);
}

/* Reads and checks an entry: ENTRY_NONE when there is no file, else as entry_parse. */
static int entry_read(const char *path, const uint8_t key[32], entry *e)
{
    memset(e, 0, sizeof *e);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* Never opened: a FIFO would block the run and a device never end. The folder is the
         * cache's own, so the node goes and the rebuilt entry is written as a file in its place;
         * an empty folder too (one with files in it stays, and writing the entry then fails,
         * naming it). */
        (void)(S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path));
        return ENTRY_BAD;
    }
    qc_error ferr;
    int rc = qc_file_read(path, 0, &e->data, &e->size, &ferr);
    if (rc == QC_ERR_NOMEM)
        return rc;
    if (rc)
        return ENTRY_NONE;
    return entry_parse(e, key, 1);
}

/* What a slot has still to write to the file (slot_flush), once its lookups are done: the file
 * is written once however many of them changed the entry, with the records hashes of their
 * codings (keep_records_hash), which are known only then. */
typedef enum { WRITE_NONE, WRITE_HEAD, WRITE_EXTEND, WRITE_WHOLE } slot_write;

/* A document's entry file as the lookups of one or two codebooks in its folder see it: read and
 * checked once, then, after a lookup rewrote it, the bytes to be written. A re-code looks every
 * document up for its old and its new codebook; reading the file again for the second would read
 * the same bytes, so the second lookup takes these (checked as the file's bytes would be, but for
 * the checksum). */
typedef struct slot {
    char *path;
    uint8_t key[32];
    entry e;
    int state; /* entry_state of e */
    /* WRITE_HEAD: the file holds e's bytes but for its first `head` bytes (a coding's records
     * hash added to the table); WRITE_EXTEND: also bytes past disk_size, the file's size;
     * WRITE_WHOLE: e's bytes are all new. */
    int write;
    size_t head, disk_size;
    qc_cache *writers[2]; /* the caches whose lookups changed the entry, counted when it is written */
    /* Why a write of the entry failed, the first time ("" when none did): an entry that cannot be
     * written (a read-only cache, a full disk, the folder removed) costs the next run its coding,
     * not this run, whose coding is used all the same (count_unwritten). */
    char unwritten[QC_CACHE_REASON_MAX];
} slot;

static void note_unwritten(slot *s, const qc_error *werr)
{
    if (!s->unwritten[0])
        snprintf(s->unwritten, sizeof s->unwritten, "%.*s", (int)sizeof s->unwritten - 1,
                 werr->message[0] ? werr->message : "cannot write");
}

/* Opens the slot of a document in c's folder and reads its entry. QC_OK or QC_ERR_NOMEM (set in
 * err); the slot is to be closed either way. */
static int slot_open(qc_cache *c, const char *bytes_sha256, size_t size, const qc_document *doc, slot *s, qc_error *err)
{
    memset(s, 0, sizeof *s);
    doc_key(bytes_sha256, size, doc, s->key);
    pthread_mutex_lock(&c->used_mu);
    int used = keys_add(&c->used, s->key);
    pthread_mutex_unlock(&c->used_mu);
    if (used != QC_OK)
        return qc_error_nomem(err);
    s->path = entry_path(c, s->key);
    s->state = s->path ? entry_read(s->path, s->key, &s->e) : QC_ERR_NOMEM;
    return s->state < 0 ? qc_error_nomem(err) : QC_OK;
}

/* Indexes the bytes a previous lookup wrote, checked as entry_read would check the file's but for
 * the checksum of bytes that never left memory. */
static int slot_refresh(slot *s, qc_error *err)
{
    if (s->state == ENTRY_WRITTEN)
        s->state = entry_parse(&s->e, s->key, 0);
    return s->state < 0 ? qc_error_nomem(err) : QC_OK;
}

/* Notes that lookup of `c` changed the entry in s: all of it (whole), or its head up to `head`
 * and bytes added past the file's `disk_size` bytes. */
static void slot_changed(slot *s, qc_cache *c, int whole, size_t head, size_t disk_size)
{
    if (whole || s->write == WRITE_WHOLE) {
        s->write = WRITE_WHOLE;
    } else if (s->write == WRITE_NONE) {
        s->write = WRITE_EXTEND;
        s->head = head;
        s->disk_size = disk_size;
    } else {
        /* the file is as it was read; only its head and what follows its old end change */
        s->write = WRITE_EXTEND;
        if (head > s->head)
            s->head = head;
    }
    if (c && s->writers[0] != c && s->writers[1] != c)
        s->writers[s->writers[0] ? 1 : 0] = c;
}

/* Writes what the slot's lookups changed (in place, not synced: a file a crash or another process
 * leaves torn fails its checks and is coded again; a rename and an fsync per document cost a warm
 * re-code more than its coding). A records hash added to a file left as it was is not worth a
 * warning when it cannot be written: the coding is there, only its hash is made again. */
static void slot_flush(slot *s)
{
    if (s->write == WRITE_NONE)
        return;
    qc_error werr;
    int rc = 1;
    if (s->write != WRITE_WHOLE)
        rc = qc_file_extend(s->path, s->e.data, s->head, s->disk_size, s->e.size, &werr);
    if (rc == 1 && s->write != WRITE_HEAD)
        rc = qc_file_overwrite(s->path, s->e.data, s->e.size, &werr);
    if (s->write == WRITE_HEAD)
        return;
    if (rc != QC_OK) {
        note_unwritten(s, &werr);
        return;
    }
    for (int i = 0; i < 2; i++)
        if (s->writers[i])
            stat_add(&s->writers[i]->stats.written, 1);
}

static void slot_close(slot *s)
{
    entry_free(&s->e);
    qc_free(s->path);
    memset(s, 0, sizeof *s);
}

/* Each code's record in e into recs[code], NULL when it has none; returns how many have none.
 * Both lists are in cmp_record's order, so one walk down both finds them all. (A binary search per
 * code with a strlen of its id, and every entry's records sorted even when in order already, cost a
 * warm re-code 83 million instructions of 5.6 billion at 20 MB.) */
static size_t entry_find_all(const qc_cache *cache, const entry *e, uint8_t (*hashes)[32], const record **recs)
{
    size_t missing = 0, r = 0;
    for (size_t k = 0; k < cache->cb->code_count; k++) {
        const code_key *ck = &cache->keys[k];
        record key = ck->key; /* the keys are in id order, whatever their hashes */
        key.hash = hashes[ck->code];
        int c = -1;
        while (r < e->rec_count && (c = cmp_record(&e->recs[r], &key)) < 0)
            r++;
        if (r < e->rec_count && c == 0) {
            recs[ck->code] = &e->recs[r++];
        } else {
            recs[ck->code] = NULL;
            missing++;
        }
    }
    return missing;
}

/* QC_GROW, with the common case (room enough: coding_from_entry sizes the arrays first) decided
 * without a call. */
#define GROW(arr, cap, need) ((need) > (cap) && QC_GROW(arr, cap, need))

/* Copies `fresh`'s quotations of one code (it is sorted by code; *q walks it) into cod. */
static int take_fresh(qc_coding *cod, const qc_coding *fresh, int32_t code, size_t *q)
{
    while (*q < fresh->quote_count && fresh->quotes[*q].code < code)
        (*q)++;
    for (; *q < fresh->quote_count && fresh->quotes[*q].code == code; (*q)++) {
        const qc_quote_rec *src = &fresh->quotes[*q];
        if (GROW(cod->quotes, cod->quote_cap, cod->quote_count + 1) ||
            GROW(cod->hits, cod->hit_cap, cod->hit_count + src->hit_count + 1))
            return QC_ERR_NOMEM;
        qc_quote_rec *dst = &cod->quotes[cod->quote_count++];
        *dst = *src;
        dst->hit_first = (uint32_t)cod->hit_count;
        if (src->hit_count)
            memcpy(cod->hits + cod->hit_count, fresh->hits + src->hit_first, src->hit_count * sizeof *cod->hits);
        cod->hit_count += src->hit_count;
    }
    return ENTRY_OK;
}

/* Hits in the order the matcher leaves them in a quotation (qc_ev_hit_cmp's), which is also
 * what makes them distinct. */
static int hit_cmp(const qc_hit_rec *x, const qc_hit_rec *y)
{
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

/* Appends a record's quotations of `code` to cod, each checked against what coding `doc` can give
 * (docs/recode.md): a span not ending before it starts, inside its turn (one the document has;
 * turns lie in the text), after the code's previous quotation (merged quotations never overlap,
 * so this also rules out duplicates); hits inside their quotation, distinct and in order, of a
 * rule the code has and a leaf of that rule. The checksum only tells damage: an entry edited and
 * signed again must still not change a count, point outside the text or hold an index the
 * codebook does not have. ENTRY_BAD for any record that does not hold. */
static int take_record(const qc_cache *c, const record *rec, size_t code, const qc_document *doc, qc_coding *cod,
                       int spans_only)
{
    const code_leaf *leaves = c->leaves + c->leaf_first[code];
    size_t nleaves = c->leaf_first[code + 1] - c->leaf_first[code];
    uint32_t rules = c->cb->codes[code].rule_count;
    /* The room is checked once a quotation (entry_parse measured the body from these very
     * counts, so it never fails on a parsed entry): a reader checking every u32 cost this loop
     * half its instructions. */
    const uint8_t *p = rec->body, *end = rec->body + rec->body_len;
    uint32_t prev_start = 0, prev_end = 0;
    /* Room for every quotation and hit the body can hold (16 bytes each), made once a record:
     * coding_from_entry sized the arrays for all of them. */
    if (GROW(cod->quotes, cod->quote_cap, cod->quote_count + rec->quotes + 1) ||
        GROW(cod->hits, cod->hit_cap, cod->hit_count + rec->body_len / 16 + 1))
        return QC_ERR_NOMEM;
    for (uint32_t q = 0; q < rec->quotes; q++) {
        if ((size_t)(end - p) < 16)
            return ENTRY_BAD;
        uint32_t start = le32(p), qend = le32(p + 4), turn = le32(p + 8), hit_count = le32(p + 12);
        p += 16;
        if ((size_t)(end - p) / 16 < hit_count || start > qend || turn >= doc->turn_count)
            return ENTRY_BAD;
        /* inside its turn, hence inside the text */
        if (start < doc->turns[turn].start || qend > doc->turns[turn].end)
            return ENTRY_BAD;
        if (q && (start < prev_end || (start == prev_start && qend == prev_end)))
            return ENTRY_BAD;
        prev_start = start;
        prev_end = qend;
        if (spans_only) {
            cod->quotes[cod->quote_count++] = (qc_quote_rec){(int32_t)code, start, qend, turn, 0, 0};
            p += (size_t)hit_count * 16;
            continue;
        }
        cod->quotes[cod->quote_count++] =
            (qc_quote_rec){(int32_t)code, start, qend, turn, (uint32_t)cod->hit_count, hit_count};
        for (uint32_t h = 0; h < hit_count; h++, p += 16) {
            qc_hit_rec hr;
            hr.start = le32(p);
            hr.end = le32(p + 4);
            hr.rule = le32(p + 8);
            uint32_t local = le32(p + 12);
            hr.leaf = -1;
            if (local != UINT32_MAX) {
                if (local >= nleaves || leaves[local].rule != hr.rule)
                    return ENTRY_BAD;
                hr.leaf = leaves[local].leaf;
            }
            if (hr.start > hr.end || hr.rule >= rules)
                return ENTRY_BAD;
            if (hr.start < start || hr.end > qend)
                return ENTRY_BAD;
            if (h && hit_cmp(&cod->hits[cod->hit_count - 1], &hr) >= 0)
                return ENTRY_BAD;
            cod->hits[cod->hit_count++] = hr;
        }
    }
    return p != end ? ENTRY_BAD : ENTRY_OK;
}

/* Builds the coding of doc from an entry holding every code, or (with `fresh`, a coding of just the
 * codes without a record) every code but those, which come from `fresh` with its issues. ENTRY_BAD
 * when a record does not fit the codebook or the document (take_record). A coding of every code
 * from the entry of a cache whose codings are read for their spans (qc_cache_spans_only) has no
 * hits: a re-code's old side, half the quotations and hits a warm re-code takes from its entries,
 * never looks at them. */
static int coding_from_entry(const qc_cache *c, const entry *e, const record *const *recs, const qc_coding *fresh,
                             const qc_document *doc, qc_coding **out)
{
    const qc_codebook *cb = c->cb;
    qc_coding *cod = qc_calloc(1, sizeof *cod);
    if (!cod)
        return QC_ERR_NOMEM;
    cod->codebook = cb;
    /* Sized once from the records (a body holds 16 bytes per quotation and per hit): grown
     * quotation by quotation they were a million calls and reallocations at 20 MB. */
    int spans_only = c->spans_only && !fresh;
    size_t nq = fresh ? fresh->quote_count : 0, nh = fresh ? fresh->hit_count : 0;
    for (size_t code = 0; code < cb->code_count; code++) {
        if (recs[code]) {
            nq += recs[code]->quotes;
            nh += spans_only ? 0 : recs[code]->body_len / 16;
        }
    }
    cod->quotes = qc_malloc((nq + 1) * sizeof *cod->quotes);
    cod->hits = qc_malloc((nh + 1) * sizeof *cod->hits);
    if (!cod->quotes || !cod->hits) {
        qc_coding_free(cod);
        return QC_ERR_NOMEM;
    }
    cod->quote_cap = nq + 1;
    cod->hit_cap = nh + 1;
    int rc = ENTRY_OK;
    size_t fq = 0;
    for (size_t code = 0; code < cb->code_count && rc == ENTRY_OK; code++) {
        if (recs[code])
            rc = take_record(c, recs[code], code, doc, cod, spans_only);
        else
            rc = fresh ? take_fresh(cod, fresh, (int32_t)code, &fq) : ENTRY_BAD;
    }
    reader ir = {e->issues, (const uint8_t *)e->data + e->size, 0};
    if (rc == ENTRY_OK && fresh && fresh->issue_count) {
        /* a partial coding is made only from an entry without issues: fresh's are all there are */
        cod->issues = qc_calloc(fresh->issue_count, sizeof *cod->issues);
        if (!cod->issues)
            rc = QC_ERR_NOMEM;
        cod->issue_cap = fresh->issue_count;
        for (size_t i = 0; i < fresh->issue_count && rc == ENTRY_OK; i++)
            if (!(cod->issues[cod->issue_count++] = qc_strdup(fresh->issues[i])))
                rc = QC_ERR_NOMEM;
    } else if (rc == ENTRY_OK && e->issue_count) {
        cod->issues = qc_calloc(e->issue_count, sizeof *cod->issues);
        if (!cod->issues)
            rc = QC_ERR_NOMEM;
        cod->issue_cap = e->issue_count;
        for (uint32_t i = 0; i < e->issue_count && rc == ENTRY_OK; i++) {
            uint32_t len = get_u32(&ir);
            const uint8_t *s = get_bytes(&ir, len);
            char *msg = s ? qc_strndup((const char *)s, len) : NULL;
            if (!msg) {
                rc = s ? QC_ERR_NOMEM : ENTRY_BAD;
                break;
            }
            cod->issues[cod->issue_count++] = msg;
        }
    }
    if (rc != ENTRY_OK) {
        qc_coding_free(cod);
        return rc;
    }
    *out = cod;
    return ENTRY_OK;
}

/* ---- writing an entry ---- */

/* Where the header holds the payload's size and its CRC-32 (QC_CACHE_HEADER_SIZE). */
enum { HEADER_PAYLOAD_SIZE = 48, HEADER_PAYLOAD_SUM = 52 };

/* The entry's bytes are sized first and then filled through a cursor: an entry holds tens of
 * thousands of u32, which appended one by one to a growing buffer cost more than the rest of the
 * write. */
static uint8_t *put_u32(uint8_t *at, uint32_t v)
{
    store_u32(at, v);
    return at + 4;
}

static uint8_t *put_bytes(uint8_t *at, const void *bytes, size_t n)
{
    if (n)
        memcpy(at, bytes, n);
    return at + n;
}

/* The end of code's quotations in cod (sorted by code) from q. */
static size_t code_quotes_end(const qc_coding *cod, size_t q, size_t code)
{
    while (q < cod->quote_count && cod->quotes[q].code == (int32_t)code)
        q++;
    return q;
}

/* The same when the coding's quotations of code came from `same` (NULL: not), one for each of
 * its quotations (take_record): counted, not walked, when the entry is extended or written from
 * the unchanged codes' records, nearly every code of a revision. */
static size_t same_quotes_end(const qc_coding *cod, size_t q, size_t code, const record *same)
{
    if (!same)
        return code_quotes_end(cod, q, code);
    assert(q + same->quotes <= cod->quote_count && (!same->quotes || cod->quotes[q].code == (int32_t)code));
    return q + same->quotes;
}

/* The size of code's record made from cod's quotations [q, end) (put_record). */
static size_t record_size(const qc_codebook *cb, const qc_coding *cod, size_t code, size_t q, size_t end)
{
    size_t size = 4 + strlen(cb->codes[code].id) + 32 + 4;
    for (size_t i = q; i < end; i++)
        size += 16 + (size_t)cod->quotes[i].hit_count * 16;
    return size;
}

/* A record's id (u32 length, bytes) and hash. */
static uint8_t *put_record_key(uint8_t *at, const char *id, const uint8_t hash[32])
{
    size_t id_len = strlen(id);
    at = put_u32(at, (uint32_t)id_len);
    at = put_bytes(at, id, id_len);
    return put_bytes(at, hash, 32);
}

/* Writes code's record from cod's quotations [q, end): id, hash, quotation count, then each
 * quotation (start, end, turn, hit count) and its hits (start, end, rule, leaf within the code). */
static uint8_t *put_record(uint8_t *at, const qc_cache *c, const qc_coding *cod, size_t code, size_t q, size_t end,
                           const uint8_t hash[32])
{
    const qc_codebook *cb = c->cb;
    at = put_record_key(at, cb->codes[code].id, hash);
    at = put_u32(at, (uint32_t)(end - q));
    for (; q < end; q++) {
        const qc_quote_rec *qr = &cod->quotes[q];
        at = put_u32(at, qr->start);
        at = put_u32(at, qr->end);
        at = put_u32(at, qr->turn);
        at = put_u32(at, qr->hit_count);
        for (uint32_t h = 0; h < qr->hit_count; h++) {
            const qc_hit_rec *hr = &cod->hits[qr->hit_first + h];
            at = put_u32(at, hr->start);
            at = put_u32(at, hr->end);
            at = put_u32(at, hr->rule);
            int known = hr->leaf >= 0 && (size_t)hr->leaf < cb->leaf_count;
            at = put_u32(at, known ? (uint32_t)c->leaf_local[hr->leaf] : UINT32_MAX);
        }
    }
    return at;
}

/* Writes the entry: every code of the coding's codebook, then the records of an older entry
 * (other codebooks' codes, so that two revisions used in turn both find their codes), up to twice
 * as many records as the codebook has codes, so that entries do not grow without end and later
 * revisions have room to add theirs (entry_append, up to three times). `old` is the slot's entry
 * or NULL; `same[code]` (NULL: none) is old's record of a code whose hash did not change, copied
 * as it is, since the coding's quotations of that code were taken from it. The slot then holds the
 * bytes (ENTRY_WRITTEN) for a lookup that follows, and writes them once the lookups are done. */
static int entry_write(qc_cache *c, slot *s, const qc_coding *cod, const entry *old, const record *const *same,
                       uint8_t (*hashes)[32], qc_error *err)
{
    const qc_codebook *cb = c->cb;
    size_t keep_old = 0, limit = cb->code_count * 2;
    uint8_t *keep = old ? qc_calloc(old->rec_count + 1, 1) : NULL;
    if (old && !keep)
        return qc_error_nomem(err);
    size_t size = CODINGS_END + 4 + 4;
    for (size_t i = 0; i < cod->issue_count; i++)
        size += 4 + strlen(cod->issues[i]);
    for (size_t i = 0; old && i < old->rec_count && cb->code_count + keep_old < limit; i++) {
        const record *r = &old->recs[i];
        char id[256];
        if (r->id_len >= sizeof id)
            continue;
        memcpy(id, r->id, r->id_len);
        id[r->id_len] = '\0';
        long code = qc_codebook_find(cb, id);
        if (code >= 0 && memcmp(hashes[code], r->hash, 32) == 0)
            continue; /* the same record is written from the new coding */
        keep[i] = 1;
        keep_old++;
        size += 4 + r->id_len + 32 + 4 + r->body_len;
    }
    for (size_t code = 0, q = 0; code < cb->code_count; code++) {
        size_t end = same_quotes_end(cod, q, code, same ? same[code] : NULL);
        size += same && same[code] ? 4 + strlen(cb->codes[code].id) + 32 + 4 + same[code]->body_len
                                   : record_size(cb, cod, code, q, end);
        q = end;
    }
    uint8_t *bytes = size - QC_CACHE_HEADER_SIZE <= UINT32_MAX ? qc_malloc(size + 1) : NULL;
    if (!bytes) {
        qc_free(keep);
        return qc_error_nomem(err);
    }
    static const uint8_t later[8]; /* the payload's size and checksum, filled in once it is whole */
    /* No coding's records hash: the records of other codebooks' codings may not all be kept (the
     * lookups add theirs to the table once they know them: keep_records_hash). */
    static const uint8_t no_codings[CODINGS_SIZE];
    uint8_t *at = put_bytes(bytes, QC_CACHE_MAGIC, 8);
    at = put_u32(at, QC_CACHE_VERSION);
    at = put_u32(at, 0);
    at = put_bytes(at, s->key, 32);
    at = put_bytes(at, later, sizeof later);
    at = put_bytes(at, c->set_hash, 32);
    at = put_bytes(at, no_codings, sizeof no_codings);
    at = put_u32(at, (uint32_t)cod->issue_count);
    for (size_t i = 0; i < cod->issue_count; i++) {
        size_t len = strlen(cod->issues[i]);
        at = put_u32(at, (uint32_t)len);
        at = put_bytes(at, cod->issues[i], len);
    }
    at = put_u32(at, (uint32_t)(cb->code_count + keep_old));
    for (size_t code = 0, q = 0; code < cb->code_count; code++) {
        size_t end = same_quotes_end(cod, q, code, same ? same[code] : NULL);
        if (same && same[code]) {
            at = put_record_key(at, cb->codes[code].id, hashes[code]);
            at = put_u32(at, same[code]->quotes);
            at = put_bytes(at, same[code]->body, same[code]->body_len);
        } else {
            at = put_record(at, c, cod, code, q, end, hashes[code]);
        }
        q = end;
    }
    for (size_t i = 0; keep && i < old->rec_count; i++) {
        if (!keep[i])
            continue;
        const record *r = &old->recs[i];
        at = put_u32(at, r->id_len);
        at = put_bytes(at, r->id, r->id_len);
        at = put_bytes(at, r->hash, 32);
        at = put_u32(at, r->quotes);
        at = put_bytes(at, r->body, r->body_len);
    }
    qc_free(keep);
    size_t payload = size - QC_CACHE_HEADER_SIZE;
    store_u32(bytes + HEADER_PAYLOAD_SIZE, (uint32_t)payload);
    store_u32(bytes + HEADER_PAYLOAD_SUM, payload_crc(bytes + QC_CACHE_HEADER_SIZE, payload));
    bytes[size] = 0;
    assert((size_t)(at - bytes) == size);
    entry_free(&s->e); /* `old` and `same` are not needed any more */
    s->e.size = size;
    s->e.data = (char *)bytes;
    s->state = ENTRY_WRITTEN;
    slot_changed(s, c, 1, 0, 0);
    return QC_OK;
}

/* The CRC-32 of the entry e extended into `bytes` (its record count changed, `tail` bytes added),
 * from e's own, which its header holds (checked when read, made when written): the head up to the
 * count and the tail are summed, the rest taken from e's checksum by zlib's crc32_combine. Summing
 * the whole payload again was most of adding records to an entry (62 of 88 million instructions
 * in the 20 MB sample's warm re-code). */
static uint32_t extended_crc(const entry *e, const uint8_t *bytes, size_t tail)
{
    const uint8_t *old = (const uint8_t *)e->data;
    size_t head = e->count_at + 4 - QC_CACHE_HEADER_SIZE, middle = e->size - (e->count_at + 4);
    uLong old_head = payload_crc(old + QC_CACHE_HEADER_SIZE, head);
    /* crc(AB) is crc(A) shifted past B's length, xor crc(B): so crc(B) = combine(crc(A), crc(AB)) */
    uLong mid = crc32_combine(old_head, le32(old + HEADER_PAYLOAD_SUM), (z_off_t)middle);
    uLong crc = crc32_combine(payload_crc(bytes + QC_CACHE_HEADER_SIZE, head), mid, (z_off_t)middle);
    return (uint32_t)crc32_combine(crc, payload_crc(bytes + e->size, tail), (z_off_t)tail);
}

/* Adds to the slot's entry the records of the codes a subset coding made (those without one in
 * `same`), at the end of its file, with the record count, size and checksum in its head patched:
 * after a revision of 3 codes of 271, writing each document's entry whole wrote as many bytes as
 * the first run had (16 MB for the 20 MB benchmark sample; some 870 MB at 1 GB, scaled, not
 * measured). 1, nothing done, when the entry's bound would be passed: it is to be written whole
 * (as it is when the subset coding raised issues, which are then not the entry's; cache_lookup
 * sees to that). The added records follow the others out of order, which entry_parse mends
 * (sort_tail). */
static int entry_append(qc_cache *c, slot *s, const qc_coding *cod, const record *const *same, uint8_t (*hashes)[32],
                        qc_error *err)
{
    const qc_codebook *cb = c->cb;
    const entry *e = &s->e;
    size_t added = 0, tail = 0;
    for (size_t code = 0, q = 0; code < cb->code_count; code++) {
        size_t end = same_quotes_end(cod, q, code, same[code]);
        if (!same[code]) {
            added++;
            tail += record_size(cb, cod, code, q, end);
        }
        q = end;
    }
    size_t size = e->size + tail;
    if (e->rec_count + added > cb->code_count * 3 || size - QC_CACHE_HEADER_SIZE > UINT32_MAX)
        return 1;
    uint8_t *bytes = qc_malloc(size + 1);
    if (!bytes)
        return qc_error_nomem(err);
    memcpy(bytes, e->data, e->size);
    uint8_t *at = bytes + e->size;
    for (size_t code = 0, q = 0; code < cb->code_count; code++) {
        size_t end = same_quotes_end(cod, q, code, same[code]);
        if (!same[code])
            at = put_record(at, c, cod, code, q, end, hashes[code]);
        q = end;
    }
    assert((size_t)(at - bytes) == size);
    store_u32(bytes + e->count_at, (uint32_t)(e->rec_count + added));
    size_t payload = size - QC_CACHE_HEADER_SIZE;
    store_u32(bytes + HEADER_PAYLOAD_SIZE, (uint32_t)payload);
    store_u32(bytes + HEADER_PAYLOAD_SUM, extended_crc(e, bytes, tail));
    assert(le32(bytes + HEADER_PAYLOAD_SUM) == payload_crc(bytes + QC_CACHE_HEADER_SIZE, payload));
    bytes[size] = 0;
    slot_changed(s, c, 0, e->count_at + 4, e->size);
    s->state = entry_extended(&s->e, bytes, size, (uint32_t)added);
    return s->state < 0 ? qc_error_nomem(err) : QC_OK;
}

/* ---- coding through the cache ---- */

/* The hashes a document's entry keeps its codes under: the codebook's, but for a code that reads
 * the casebook (c->where), which is keyed also by the values this document's conditions can read:
 * for each `where` key, its column's value for the document with no speaker and for each of its
 * speakers, asked as condition_holds asks (rule_eval.c). A casebook edit re-codes those codes only
 * in the documents whose values it changed; a header's value is in the document's bytes, hence
 * in its key. *out is c->hash, or an array the caller frees. `key` is what the coding an entry
 * gives is known by in its table of records hashes: the codebook's codes and hashes in order
 * (c->set_hash), which decide each quotation's code index, and the values the conditions read. */
static int doc_hashes(const qc_cache *c, const qc_document *doc, const qc_casebook *cases, uint8_t (**out)[32],
                      uint8_t key[32])
{
    *out = c->hash;
    memcpy(key, c->set_hash, 32);
    if (!c->any_where)
        return QC_OK;
    size_t count = c->cb->code_count;
    uint8_t(*hashes)[32] = qc_malloc(count * 32 + 1);
    if (!hashes)
        return QC_ERR_NOMEM;
    qc_sha256_ctx ctx;
    qc_sha256_init(&ctx);
    qc_sha256_update(&ctx, "qcode-where-1", 13);
    for (size_t k = 0; k < c->where_key_count; k++) {
        long attr = qc_casebook_attribute_named(cases, c->where_keys[k]);
        qc_sha256_update(&ctx, attr >= 0 ? "column" : "none", attr >= 0 ? 6 : 4);
        for (size_t sp = 0; attr >= 0 && sp <= doc->speaker_count; sp++) {
            const char *value = qc_casebook_value(cases, doc->id, sp ? doc->speakers[sp - 1] : NULL, (size_t)attr);
            qc_sha256_update(&ctx, value ? "=" : "-", 1);
            if (value)
                qc_sha256_update(&ctx, value, strlen(value) + 1);
        }
    }
    uint8_t values[32];
    qc_sha256_final(&ctx, values);
    qc_sha256_init(&ctx);
    qc_sha256_update(&ctx, "qcode-coding-key-1", 18);
    qc_sha256_update(&ctx, c->set_hash, 32);
    qc_sha256_update(&ctx, values, 32);
    qc_sha256_final(&ctx, key);
    for (size_t code = 0; code < count; code++) {
        if (!c->where[code]) {
            memcpy(hashes[code], c->hash[code], 32);
            continue;
        }
        qc_sha256_init(&ctx);
        qc_sha256_update(&ctx, c->hash[code], 32);
        qc_sha256_update(&ctx, values, 32);
        qc_sha256_final(&ctx, hashes[code]);
    }
    *out = hashes;
    return QC_OK;
}

/* The slot of coding `key` in the table of records hashes at t, or NULL. */
static uint8_t *coding_slot(uint8_t *t, const uint8_t key[32])
{
    uint32_t n = le32(t);
    for (uint32_t i = 0; i < n; i++)
        if (memcmp(t + 4 + (size_t)i * QC_CACHE_CODING_SLOT, key, 32) == 0)
            return t + 4 + (size_t)i * QC_CACHE_CODING_SLOT;
    return NULL;
}

/* A coding made from an entry's records alone takes its records hash from the entry's table when
 * the entry has it for this coding: a re-code needs the old side's to check it against the file's
 * digest, and the new side's for its results, each a SHA-256 of 20 bytes a quotation (about 7 MB
 * for the 20 MB benchmark sample), most of which the two sides hashed again at every re-code. The
 * quotation count is checked too, for a table that does not belong with its records. */
static void known_records_hash(entry *e, const uint8_t key[32], qc_coding *cod)
{
    const uint8_t *at = coding_slot((uint8_t *)e->data + CODINGS_AT, key);
    if (at && le32(at + 64) == cod->quote_count) {
        memcpy(cod->records, at + 32, 32);
        cod->records_known = 1;
    }
}

/* The payload's CRC-32 in the header of the entry at b (size bytes), once the bytes [CODINGS_AT,
 * CODINGS_END) whose checksum was `was` changed: the rest's is taken from the old one
 * (crc32_combine, as extended_crc), not summed again. */
static void codings_resum(uint8_t *b, size_t size, uLong was)
{
    size_t rest = size - CODINGS_END;
    uLong tail = crc32_combine(was, le32(b + HEADER_PAYLOAD_SUM), (z_off_t)rest);
    uLong head = payload_crc(b + QC_CACHE_HEADER_SIZE, CODINGS_END - QC_CACHE_HEADER_SIZE);
    store_u32(b + HEADER_PAYLOAD_SUM, (uint32_t)crc32_combine(head, tail, (z_off_t)rest));
    assert(le32(b + HEADER_PAYLOAD_SUM) == payload_crc(b + QC_CACHE_HEADER_SIZE, size - QC_CACHE_HEADER_SIZE));
}

/* Adds a coding's records hash, when known, to the table of the entry it was made from (the slot's
 * bytes, which hold all its records once its lookup is done), first, the least recently added
 * going when the table is full; the slot writes it with the rest (slot_flush). */
static void keep_records_hash(slot *s, const uint8_t key[32], const qc_coding *cod)
{
    if (!cod || !cod->records_known || !s->e.data || s->e.size < CODINGS_END)
        return;
    uint8_t *b = (uint8_t *)s->e.data, *t = b + CODINGS_AT;
    uint8_t *at = coding_slot(t, key);
    if (at && memcmp(at + 32, cod->records, 32) == 0 && le32(at + 64) == cod->quote_count)
        return;
    uLong was = payload_crc(b + QC_CACHE_HEADER_SIZE, CODINGS_END - QC_CACHE_HEADER_SIZE);
    if (!at) {
        uint32_t n = le32(t);
        uint32_t kept = n < QC_CACHE_CODINGS ? n : QC_CACHE_CODINGS - 1;
        memmove(t + 4 + QC_CACHE_CODING_SLOT, t + 4, (size_t)kept * QC_CACHE_CODING_SLOT);
        store_u32(t, kept + 1);
        at = t + 4;
        memcpy(at, key, 32);
    }
    memcpy(at + 32, cod->records, 32);
    store_u32(at + 64, (uint32_t)cod->quote_count);
    codings_resum(b, s->e.size, was);
    if (s->write == WRITE_NONE) {
        s->write = WRITE_HEAD;
        s->head = CODINGS_END;
        s->disk_size = s->e.size;
    } else if (s->write != WRITE_WHOLE && s->head < CODINGS_END) {
        s->head = CODINGS_END;
    }
}

/* The coding of a document through the cache, its entry in the slot (read there for this
 * lookup, or already read or written by another codebook's lookup in the same folder). `key` is
 * set to what its coding is known by in the entry's table of records hashes (doc_hashes). */
static int cache_lookup(qc_cache *cache, qc_coder *coder, const qc_document *doc, const qc_casebook *cases, slot *s,
                        uint8_t key[32], qc_coding **out, qc_error *err)
{
    const qc_codebook *cb = cache->cb;
    int rc = slot_refresh(s, err);
    if (rc)
        return rc;
    entry *e = &s->e;
    int state = s->state;
    const record **recs = NULL;
    uint8_t(*hashes)[32] = NULL;
    if (doc_hashes(cache, doc, cases, &hashes, key) != QC_OK)
        return qc_error_nomem(err);
    if (state == ENTRY_OK) {
        recs = qc_calloc(cb->code_count + 1, sizeof *recs);
        if (!recs)
            rc = QC_ERR_NOMEM;
        size_t missing = recs ? entry_find_all(cache, e, hashes, recs) : 0;
        /* Issues belong to the codebook that made them: an entry last written by another one
         * cannot vouch for ours, so it is coded again, in full (which code's rules made an issue
         * is not kept). */
        int full = !rc && e->issue_count && memcmp(e->set_hash, cache->set_hash, 32) != 0;
        if (!rc && !missing && !full) {
            int got = coding_from_entry(cache, e, recs, NULL, doc, out);
            if (got == ENTRY_OK) {
                known_records_hash(e, key, *out);
                stat_add(&cache->stats.hits, 1);
            } else if (got < 0) {
                rc = got;
            } else {
                state = ENTRY_BAD;
            }
        } else if (!rc && !full) {
            /* Only the codes whose hash changed are coded (with what they reference); the others
             * come from the entry: the document's bytes, hence its text, are the same. */
            uint8_t *mask = qc_calloc(cb->code_count + 1, 1);
            qc_coding *fresh = NULL;
            if (!mask)
                rc = QC_ERR_NOMEM;
            for (size_t code = 0; mask && code < cb->code_count; code++)
                mask[code] = !recs[code];
            if (!rc)
                rc = qc_coder_code_subset(coder, mask, doc, cases, &fresh, err);
            qc_free(mask);
            int got = rc ? rc : coding_from_entry(cache, e, recs, fresh, doc, out);
            int fresh_issues = fresh && fresh->issue_count;
            qc_coding_free(fresh);
            if (got == ENTRY_OK) {
                stat_add(&cache->stats.stale, 1);
                stat_add(&cache->stats.codes_recoded, missing);
                rc = fresh_issues ? 1 : entry_append(cache, s, *out, recs, hashes, err);
                if (rc == 1)
                    rc = entry_write(cache, s, *out, e, recs, hashes, err);
                if (rc) {
                    qc_coding_free(*out);
                    *out = NULL;
                }
            } else if (got > 0) {
                state = ENTRY_BAD;
            } else if (!rc) {
                rc = got;
            }
        } else if (!rc) {
            stat_add(&cache->stats.stale, 1);
            stat_add(&cache->stats.codes_recoded, cb->code_count);
        }
    }
    qc_free(recs);
    if (!rc && state == ENTRY_BAD)
        stat_add(&cache->stats.rejected, 1);
    else if (!rc && state == ENTRY_NONE)
        stat_add(&cache->stats.misses, 1);
    if (!rc && !*out) {
        rc = qc_coder_code(coder, doc, cases, out, err);
        if (!rc)
            rc = entry_write(cache, s, *out, state == ENTRY_OK ? e : NULL, NULL, hashes, err);
        if (rc) {
            qc_coding_free(*out);
            *out = NULL;
        }
    } else if (rc == QC_ERR_NOMEM) {
        qc_error_nomem(err);
    }
    if (hashes != cache->hash)
        qc_free(hashes);
    return rc;
}

/* Two codings of one document whose records hash alike (the fields qc_coding_records_hash reads
 * are equal) are hashed once, for both, or not at all when one's hash came from the entry: a
 * re-code hashes the old side to check it against the file and the new one for its results, and
 * where the revised codes changed nothing in a document the two are the same. */
static void share_records_hash(qc_coding *a, qc_coding *b)
{
    if (a->records_known && b->records_known)
        return;
    if (a->quote_count != b->quote_count || a->who || b->who)
        return;
    for (size_t i = 0; i < a->quote_count; i++) {
        const qc_quote_rec *x = &a->quotes[i], *y = &b->quotes[i];
        if (x->code != y->code || x->start != y->start || x->end != y->end || x->turn != y->turn)
            return;
    }
    if (b->records_known) {
        qc_coding *t = a;
        a = b;
        b = t;
    } else if (!a->records_known) {
        qc_coding_records_hash(a, a->records);
    }
    memcpy(b->records, a->records, sizeof b->records);
    a->records_known = b->records_known = 1;
}

/* Codes a document through `cache` and, when not NULL, then through `second` (with coder2), the
 * bytes' SHA-256 already known (qc_cache_run needs it for the results too). Caches in one folder
 * share the entry's reading: it is the same file, and the second lookup sees what the first one
 * wrote to it, as it would by reading it again. */
static int cache_code(qc_cache *cache, qc_coder *coder, qc_cache *second, qc_coder *coder2, const qc_document *doc,
                      const qc_casebook *cases, const char *bytes_sha256, size_t size, qc_coding **out,
                      qc_coding **out2, int share, qc_error *err)
{
    slot s, other;
    slot *s2 = &s;
    uint8_t key[32], key2[32];
    memset(&other, 0, sizeof other);
    int rc = slot_open(cache, bytes_sha256, size, doc, &s, err);
    if (!rc)
        rc = cache_lookup(cache, coder, doc, cases, &s, key, out, err);
    if (!rc && second) {
        if (strcmp(second->dir, cache->dir) != 0) {
            s2 = &other;
            rc = slot_open(second, bytes_sha256, size, doc, s2, err);
        }
        if (!rc)
            rc = cache_lookup(second, coder2, doc, cases, s2, key2, out2, err);
    }
    if (!rc && share && second && *out && *out2)
        share_records_hash(*out, *out2);
    /* The results hash the first coding: hashed here, it is kept in the entry for the next run. */
    if (!rc && share && *out && !(*out)->records_known) {
        qc_coding_records_hash(*out, (*out)->records);
        (*out)->records_known = 1;
    }
    if (!rc) {
        keep_records_hash(&s, key, *out);
        if (second)
            keep_records_hash(s2, key2, *out2);
    }
    slot_flush(&s);
    slot_flush(&other);
    if (s.unwritten[0])
        count_unwritten(cache, s.unwritten);
    if (other.unwritten[0])
        count_unwritten(second, other.unwritten);
    slot_close(&s);
    slot_close(&other);
    return rc;
}

int qc_cache_code(qc_cache *cache, qc_coder *coder, const qc_document *doc, const qc_casebook *cases, const void *data,
                  size_t size, const qc_read_options *read, qc_coding **out, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_cache_code: out is NULL");
    *out = NULL;
    if (!cache || !coder || !doc || (!data && size))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_cache_code: NULL argument");
    char sha[65];
    qc_sha256_hex(data ? data : "", size, sha);
    (void)read; /* the document records how it was read */
    return cache_code(cache, coder, NULL, NULL, doc, cases, sha, size, out, NULL, 0, err);
}

/* ---- running a corpus through the cache ---- */

/* What qc_cache_run_pair calls per document; qc_cache_run adapts it to qc_run_document_fn. */
typedef struct single {
    qc_run_document_fn fn;
    void *user;
} single;

static int on_single(const qc_document *doc, const qc_coding *coding, const qc_coding *second,
                     const qc_source_info *src, void *user, qc_error *err)
{
    (void)second;
    single *s = user;
    return s->fn(doc, coding, src, s->user, err);
}

/* Coding through one or two caches on the runner's threads (run_with.h): each thread has its own
 * coders; the caches are shared, read-only but for their statistics, which are added atomically. */
typedef struct through {
    qc_cache *cache, *second;
    const qc_casebook *cases;
    qc_engine engine;
    /* results are made, which hash every new coding: then the two sides are hashed at most once
     * (share_records_hash), else a pair nobody hashes is not hashed for nothing */
    int share;
} through;

static void *coders_new(void *ctx, qc_error *err)
{
    through *t = ctx;
    return qc_run_coders_new(t->cache->cb, t->second ? t->second->cb : NULL, t->engine, err);
}

static int code_through(void *ctx, void *state, const qc_document *doc, const char *sha256, size_t size,
                        qc_coding **out, qc_coding **out2, qc_error *err)
{
    through *t = ctx;
    qc_run_coders *c = state;
    return cache_code(t->cache, c->coder, t->second, c->coder2, doc, t->cases, sha256, size, out, out2, t->share, err);
}

int qc_cache_run_pair(qc_cache *cache, qc_cache *second, const char *const *paths, size_t count,
                      const qc_casebook *cases, const qc_run_options *opts, qc_cache_pair_fn on_pair, void *user,
                      qc_run_stats *stats, qc_error *err)
{
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!cache || (count && !paths))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_cache_run: NULL argument");
    /* The runner checks the options' version; engine is in every version. With on_pair given,
     * opts->on_document and opts->manual are not used (recode merges the carried codings itself);
     * without it (qc_cache_run of no callback) nothing is delivered. */
    through t = {cache, second, cases, opts ? opts->engine : QC_ENGINE_FAST, opts && opts->results};
    qc_run_coder how = {coders_new, qc_run_coders_free, code_through, &t};
    return qc_corpus_run_with(paths, count, &how, cases, opts, on_pair, user, stats, err);
}

int qc_cache_run(qc_cache *cache, const char *const *paths, size_t count, const qc_casebook *cases,
                 const qc_run_options *opts, qc_run_stats *stats, qc_error *err)
{
    single s = {opts ? opts->on_document : NULL, opts ? opts->user : NULL};
    return qc_cache_run_pair(cache, NULL, paths, count, cases, opts, s.fn ? on_single : NULL, &s, stats, err);
}
