/* qcode diff: two compiled codebooks compared by stable id. Pairs are made by id first, then by
 * the new codebook's `was` and `merged-from` lines, counting only ids the old codebook has (a
 * codebook keeps its whole history, and a diff must not see a rename from two revisions ago). */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "codebook_diff.h"
#include "codebook_impl.h"
#include "error.h"

size_t qc_code_was_count(const qc_codebook *cb, size_t code)
{
    return cb && code < cb->code_count ? cb->codes[code].was_count : 0;
}

const char *qc_code_was(const qc_codebook *cb, size_t code, size_t index)
{
    if (!cb || code >= cb->code_count || index >= cb->codes[code].was_count)
        return NULL;
    return cb->codes[code].was[index];
}

size_t qc_code_merged_from_count(const qc_codebook *cb, size_t code)
{
    return cb && code < cb->code_count ? cb->codes[code].merged_from_count : 0;
}

const char *qc_code_merged_from(const qc_codebook *cb, size_t code, size_t index)
{
    if (!cb || code >= cb->code_count || index >= cb->codes[code].merged_from_count)
        return NULL;
    return cb->codes[code].merged_from[index];
}

static int names(char *const *list, uint32_t count, const char *id)
{
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(list[i], id) == 0)
            return 1;
    return 0;
}

/* Whether the old codebook's code of the same id as d already said it came from old_id: then the
 * line is history both sides share, not a change (a codebook compared with itself has no splits). */
static int link_already_old(const qc_codebook *old_cb, const qc_code_def *d, const char *old_id)
{
    long o = old_cb ? qc_codebook_find(old_cb, d->id) : -1;
    if (o < 0)
        return 0;
    const qc_code_def *od = &old_cb->codes[o];
    return names(od->was, od->was_count, old_id) || names(od->merged_from, od->merged_from_count, old_id);
}

/* The codes of new_cb that name old_id in a `was` or `merged-from` line, and the code of that id,
 * in code order, each once: from the codebook's sorted lineage links, so that a diff or re-code
 * of thousands of codes does not scan every code per old id (it was quadratic in codes). */
typedef struct candidates {
    const qc_codebook *cb;
    size_t i, end; /* the links of old_id */
    long same;     /* the code of old_id's own id, or -1 */
    int same_done;
    long last;
} candidates;

static candidates candidates_of(const qc_codebook *cb, const char *old_id, long same)
{
    size_t lo = 0, hi = cb->lineage_count;
    while (lo < hi) { /* the first link whose id is not below old_id */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(cb->lineage[mid].id, old_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < cb->lineage_count && strcmp(cb->lineage[end].id, old_id) == 0)
        end++;
    return (candidates){cb, lo, end, same, same < 0, -1};
}

/* The next candidate, or -1 after the last. */
static long next_candidate(candidates *it)
{
    for (;;) {
        long c = it->i < it->end ? (long)it->cb->lineage[it->i].code : LONG_MAX;
        if (!it->same_done && it->same <= c) {
            it->same_done = 1;
            return it->last = it->same;
        }
        if (c == LONG_MAX)
            return -1;
        it->i++;
        if (c != it->last)
            return it->last = c;
    }
}

size_t qc_lineage_successors(const qc_codebook *new_cb, const char *old_id, qc_old_has_fn old_has, void *user,
                             const qc_codebook *old_cb, size_t *codes, unsigned *how, size_t cap)
{
    if (!old_has(old_id, user))
        return 0;
    size_t n = 0, claims = 0;
    long same = qc_codebook_find(new_cb, old_id);
    candidates it = candidates_of(new_cb, old_id, same);
    for (long c; (c = next_candidate(&it)) >= 0;)
        if (c != same && names(new_cb->codes[c].was, new_cb->codes[c].was_count, old_id) &&
            !link_already_old(old_cb, &new_cb->codes[c], old_id))
            claims++;
    /* One code saying `was X` while X is gone is an id change; X living on beside a code that
     * says `was X`, or several codes saying it, is a split. */
    unsigned was_kind = (claims == 1 && same < 0) ? QC_CHANGE_ID : QC_CHANGE_SPLIT;
    it = candidates_of(new_cb, old_id, same);
    for (long c; (c = next_candidate(&it)) >= 0;) {
        const qc_code_def *d = &new_cb->codes[c];
        unsigned k;
        if (c == same)
            k = claims ? QC_CHANGE_SPLIT : 0;
        else if (names(d->was, d->was_count, old_id))
            k = was_kind;
        else if (names(d->merged_from, d->merged_from_count, old_id))
            k = QC_CHANGE_MERGED;
        else
            continue;
        if (c != same && link_already_old(old_cb, d, old_id))
            continue;
        if (n < cap) {
            codes[n] = (size_t)c;
            how[n] = k;
        }
        n++;
    }
    return n;
}

void qc_diff_xml_escape(qc_buf *b, const char *s, int attr)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '&': qc_buf_puts(b, "&amp;"); break;
        case '<': qc_buf_puts(b, "&lt;"); break;
        case '>': qc_buf_puts(b, "&gt;"); break;
        case '"': qc_buf_puts(b, attr ? "&quot;" : "\""); break;
        case '\n': qc_buf_puts(b, attr ? "&#10;" : "\n"); break;
        case '\t': qc_buf_puts(b, attr ? "&#9;" : "\t"); break;
        case '\r': qc_buf_puts(b, "&#13;"); break;
        default:
            /* Other C0 controls cannot appear in XML 1.0 at all. */
            if (*p < 0x20)
                qc_buf_puts(b, "\xEF\xBF\xBD");
            else
                qc_buf_putc(b, (char)*p);
        }
    }
}

/* ---- the diff ---- */

typedef struct change_rec {
    unsigned kinds;
    long old_code, new_code;
    char **removed, **added;
    size_t removed_count, added_count;
} change_rec;

struct qc_codebook_diff {
    const qc_codebook *old_cb, *new_cb;
    change_rec *changes;
    size_t count, cap;
    /* successors of each old code: succ[succ_first[c] .. succ_first[c+1]) */
    size_t *succ;
    size_t *succ_first;
};

static int old_cb_has(const char *id, void *user)
{
    return qc_codebook_find(user, id) >= 0;
}

/* A code's compiled description split into lines, optionally only those with a prefix. */
typedef struct lines {
    char *text;
    char **line;
    size_t count;
} lines;

static void lines_free(lines *l)
{
    qc_free(l->text);
    qc_free(l->line);
    memset(l, 0, sizeof *l);
}

static int describe_lines(const qc_codebook *cb, size_t code, lines *out)
{
    memset(out, 0, sizeof *out);
    size_t len = qc_code_describe(cb, code, NULL, 0);
    out->text = len == SIZE_MAX ? NULL : qc_malloc(len + 1);
    if (!out->text || qc_code_describe(cb, code, out->text, len + 1) != len) {
        lines_free(out);
        return QC_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += out->text[i] == '\n';
    out->line = qc_calloc(n + 1, sizeof *out->line);
    if (!out->line) {
        lines_free(out);
        return QC_ERR_NOMEM;
    }
    char *p = out->text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p)
            out->line[out->count++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    return QC_OK;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_matching_line(const char *s)
{
    return starts(s, "rule ") || starts(s, "exclude ");
}

static int is_history_line(const char *s)
{
    return starts(s, "was ") || starts(s, "merged-from ");
}

/* Whether the lines selected by `want` (1 matching, 0 settings) are the same sequence. */
static int same_lines(const lines *a, const lines *b, int want)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a->count && (is_history_line(a->line[i]) || is_matching_line(a->line[i]) != want))
            i++;
        while (j < b->count && (is_history_line(b->line[j]) || is_matching_line(b->line[j]) != want))
            j++;
        if (i == a->count || j == b->count)
            return i == a->count && j == b->count;
        if (strcmp(a->line[i], b->line[j]) != 0)
            return 0;
        i++;
        j++;
    }
}

static int contains_str(char *const *list, size_t count, const char *s)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* The rules (as written) and the other matching lines (excludes, settings, where, manual: in
 * compiled form) of a code, for listing what changed. */
static int rule_items(const qc_codebook *cb, size_t code, const lines *l, char ***out, size_t *count)
{
    const qc_code_def *d = &cb->codes[code];
    size_t n = d->rule_count;
    for (size_t i = 0; i < l->count; i++)
        n += !starts(l->line[i], "rule ") && !is_history_line(l->line[i]);
    *out = qc_calloc(n + 1, sizeof **out);
    *count = 0;
    if (!*out)
        return QC_ERR_NOMEM;
    for (uint32_t r = 0; r < d->rule_count; r++) {
        char *s = qc_strdup(d->rules[r].text);
        if (!s)
            return QC_ERR_NOMEM;
        (*out)[(*count)++] = s;
    }
    for (size_t i = 0; i < l->count; i++)
        if (!starts(l->line[i], "rule ") && !is_history_line(l->line[i])) {
            char *s = qc_strdup(l->line[i]);
            if (!s)
                return QC_ERR_NOMEM;
            (*out)[(*count)++] = s;
        }
    return QC_OK;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qc_free(v[i]);
    qc_free(v);
}

/* Copies of the items of a that are not in b. */
static int difference(char **a, size_t an, char **b, size_t bn, char ***out, size_t *count)
{
    *count = 0;
    *out = qc_calloc(an + 1, sizeof **out);
    if (!*out)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < an; i++)
        if (!contains_str(b, bn, a[i]) && !((*out)[(*count)++] = qc_strdup(a[i])))
            return QC_ERR_NOMEM;
    return QC_OK;
}

static int compare_rules(change_rec *ch, const qc_codebook *ocb, size_t o, const lines *ol, const qc_codebook *ncb,
                         size_t n, const lines *nl)
{
    char **ov = NULL, **nv = NULL;
    size_t on = 0, nn = 0;
    int rc = rule_items(ocb, o, ol, &ov, &on);
    if (!rc)
        rc = rule_items(ncb, n, nl, &nv, &nn);
    if (!rc)
        rc = difference(ov, on, nv, nn, &ch->removed, &ch->removed_count);
    if (!rc)
        rc = difference(nv, nn, ov, on, &ch->added, &ch->added_count);
    free_strs(ov, on);
    free_strs(nv, nn);
    return rc;
}

static const char *parent_id(const qc_codebook *cb, size_t code)
{
    int32_t p = cb->codes[code].parent;
    return p >= 0 ? cb->codes[p].id : NULL;
}

/* Whether new parent np continues old parent op: same id, or np says it came from op. */
static int parent_continues(const qc_codebook *ocb, const char *op, const qc_codebook *ncb, const char *np)
{
    if (!op || !np)
        return !op && !np;
    if (strcmp(op, np) == 0)
        return 1;
    size_t codes[64];
    unsigned how[64];
    size_t k = qc_lineage_successors(ncb, op, old_cb_has, (void *)ocb, ocb, codes, how, 64);
    for (size_t i = 0; i < k && i < 64; i++)
        if (strcmp(ncb->codes[codes[i]].id, np) == 0)
            return 1;
    return 0;
}

static change_rec *add_change(qc_codebook_diff *d, unsigned kinds, long o, long n)
{
    if (QC_GROW(d->changes, d->cap, d->count + 1))
        return NULL;
    change_rec *ch = &d->changes[d->count++];
    memset(ch, 0, sizeof *ch);
    ch->kinds = kinds;
    ch->old_code = o;
    ch->new_code = n;
    return ch;
}

/* Compares old code o with new code n and records the pair when anything differs (or when
 * `how`, the lineage kind, says the pair is news in itself). */
static int compare_pair(qc_codebook_diff *d, size_t o, size_t n, unsigned how)
{
    const qc_codebook *ocb = d->old_cb, *ncb = d->new_cb;
    const qc_code_def *od = &ocb->codes[o], *nd = &ncb->codes[n];
    unsigned kinds = how;
    if (strcmp(od->name, nd->name) != 0)
        kinds |= QC_CHANGE_RENAMED;
    if (strcmp(od->definition, nd->definition) != 0)
        kinds |= QC_CHANGE_DEFINITION;
    if (!parent_continues(ocb, parent_id(ocb, o), ncb, parent_id(ncb, n)))
        kinds |= QC_CHANGE_MOVED;
    lines ol, nl;
    int rc = describe_lines(ocb, o, &ol);
    if (rc)
        return rc;
    rc = describe_lines(ncb, n, &nl);
    if (rc) {
        lines_free(&ol);
        return rc;
    }
    if (!same_lines(&ol, &nl, 1))
        kinds |= QC_CHANGE_RULES;
    if (!same_lines(&ol, &nl, 0))
        kinds |= QC_CHANGE_SETTINGS;
    if (kinds) {
        change_rec *ch = add_change(d, kinds, (long)o, (long)n);
        if (!ch)
            rc = QC_ERR_NOMEM;
        else if (kinds & (QC_CHANGE_RULES | QC_CHANGE_SETTINGS))
            rc = compare_rules(ch, ocb, o, &ol, ncb, n, &nl);
    }
    lines_free(&ol);
    lines_free(&nl);
    return rc;
}

static int build(qc_codebook_diff *d)
{
    const qc_codebook *ocb = d->old_cb, *ncb = d->new_cb;
    size_t on = ocb->code_count, nn = ncb->code_count;
    d->succ_first = qc_calloc(on + 1, sizeof *d->succ_first);
    size_t *codes = qc_calloc(nn + 1, sizeof *codes);
    unsigned *how = qc_calloc(nn + 1, sizeof *how);
    /* For each new code, how it is reached from the old codebook: 1 when some old code leads to it. */
    uint8_t *reached = qc_calloc(nn + 1, 1);
    int rc = (!d->succ_first || !codes || !how || !reached) ? QC_ERR_NOMEM : QC_OK;
    size_t total = 0, succ_cap = 0;
    /* Successors of every old code, and the pairs they make, in new-codebook order below. */
    typedef struct pair {
        size_t o, n;
        unsigned how;
    } pair;
    pair *pairs = NULL;
    size_t pair_count = 0, pair_cap = 0;
    for (size_t o = 0; o < on && !rc; o++) {
        d->succ_first[o] = total;
        size_t k = qc_lineage_successors(ncb, ocb->codes[o].id, old_cb_has, (void *)ocb, ocb, codes, how, nn);
        if (QC_GROW(d->succ, succ_cap, total + k + 1) || QC_GROW(pairs, pair_cap, pair_count + k + 1)) {
            rc = QC_ERR_NOMEM;
            break;
        }
        for (size_t i = 0; i < k; i++) {
            d->succ[total++] = codes[i];
            reached[codes[i]] = 1;
            pairs[pair_count++] = (pair){o, codes[i], how[i]};
        }
    }
    if (!rc)
        d->succ_first[on] = total;
    /* Changes in new-codebook order: each new code's pairs (by old order), or "added". */
    for (size_t n = 0; n < nn && !rc; n++) {
        if (!reached[n]) {
            if (!add_change(d, QC_CHANGE_ADDED, -1, (long)n))
                rc = QC_ERR_NOMEM;
            continue;
        }
        for (size_t i = 0; i < pair_count && !rc; i++)
            if (pairs[i].n == n)
                rc = compare_pair(d, pairs[i].o, n, pairs[i].how);
    }
    for (size_t o = 0; o < on && !rc; o++)
        if (d->succ_first[o] == d->succ_first[o + 1] && !add_change(d, QC_CHANGE_REMOVED, (long)o, -1))
            rc = QC_ERR_NOMEM;
    qc_free(pairs);
    qc_free(codes);
    qc_free(how);
    qc_free(reached);
    return rc;
}

int qc_codebook_diff_new(qc_codebook_diff **out, const qc_codebook *old_cb, const qc_codebook *new_cb, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_diff_new: out is NULL");
    *out = NULL;
    if (!old_cb || !new_cb)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_diff_new: no codebook");
    qc_codebook_diff *d = qc_calloc(1, sizeof *d);
    if (!d)
        return qc_error_nomem(err);
    d->old_cb = old_cb;
    d->new_cb = new_cb;
    int rc = build(d);
    if (rc) {
        qc_codebook_diff_free(d);
        return rc == QC_ERR_NOMEM ? qc_error_nomem(err) : qc_error_set(err, rc, NULL, 0, 0, -1, "diff failed");
    }
    *out = d;
    return QC_OK;
}

void qc_codebook_diff_free(qc_codebook_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free_strs(d->changes[i].removed, d->changes[i].removed_count);
        free_strs(d->changes[i].added, d->changes[i].added_count);
    }
    qc_free(d->changes);
    qc_free(d->succ);
    qc_free(d->succ_first);
    qc_free(d);
}

const qc_codebook *qc_codebook_diff_side(const qc_codebook_diff *d, int new_side)
{
    return new_side ? d->new_cb : d->old_cb;
}

size_t qc_codebook_diff_count(const qc_codebook_diff *d)
{
    return d ? d->count : 0;
}

int qc_codebook_diff_get(const qc_codebook_diff *d, size_t index, qc_code_change *out)
{
    if (!d || !out || index >= d->count)
        return QC_ERR_INVALID;
    const change_rec *ch = &d->changes[index];
    memset(out, 0, sizeof *out);
    out->kinds = ch->kinds;
    out->old_code = ch->old_code;
    out->new_code = ch->new_code;
    if (ch->old_code >= 0) {
        out->old_id = d->old_cb->codes[ch->old_code].id;
        out->old_name = d->old_cb->codes[ch->old_code].name;
        out->old_parent = parent_id(d->old_cb, (size_t)ch->old_code);
    }
    if (ch->new_code >= 0) {
        out->new_id = d->new_cb->codes[ch->new_code].id;
        out->new_name = d->new_cb->codes[ch->new_code].name;
        out->new_parent = parent_id(d->new_cb, (size_t)ch->new_code);
    }
    out->rules_removed = (const char *const *)ch->removed;
    out->rules_removed_count = ch->removed_count;
    out->rules_added = (const char *const *)ch->added;
    out->rules_added_count = ch->added_count;
    return QC_OK;
}

size_t qc_codebook_diff_count_kind(const qc_codebook_diff *d, qc_change_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->count; i++)
        n += (d->changes[i].kinds & (unsigned)kind) != 0;
    return n;
}

size_t qc_codebook_diff_successors(const qc_codebook_diff *d, size_t old_code, const size_t **codes)
{
    if (codes)
        *codes = NULL;
    if (!d || old_code >= d->old_cb->code_count)
        return 0;
    size_t first = d->succ_first[old_code], n = d->succ_first[old_code + 1] - first;
    if (codes && n)
        *codes = d->succ + first;
    return n;
}

static const char *const kind_names[] = {"added",      "removed",  "renamed",    "moved",  "rules",
                                         "definition", "settings", "id-changed", "merged", "split"};

const char *qc_change_kind_name(qc_change_kind kind)
{
    for (unsigned i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if ((unsigned)kind == 1u << i)
            return kind_names[i];
    return "?";
}

void qc_diff_text_free(char *text)
{
    qc_free(text);
}
