#include "codebook_compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "codebook_parse.h"
#include "text.h"

static int fill_empty(char **s)
{
    if (*s)
        return 0;
    *s = qc_strdup("");
    return *s ? 0 : -1;
}

static int fold_pattern(qc_rule_node *n, const qc_code_settings *set)
{
    const char *src = n->source ? n->source : "";
    size_t len = strlen(src), pos = 0, ws, we;
    uint32_t count = 0;
    while (qc_word_scan(src, len, &pos, 1, &ws, &we))
        count++;
    n->case_sensitive = set->case_sensitive;
    n->keep_accents = set->keep_accents;
    if (!count)
        return 0; /* reported as an empty pattern by the parser */
    n->words = qc_calloc(count, sizeof *n->words);
    if (!n->words)
        return -1;
    qc_buf b = QC_BUF_INIT;
    pos = 0;
    for (uint32_t i = 0; i < count && qc_word_scan(src, len, &pos, 1, &ws, &we); i++) {
        qc_buf_clear(&b);
        if (qc_text_fold(src + ws, we - ws, !set->case_sensitive, !set->keep_accents, &b) < 0 || qc_buf_failed(&b)) {
            qc_buf_free(&b);
            return -1;
        }
        qc_word_pattern *w = &n->words[n->word_count++];
        w->text = qc_strndup(qc_buf_cstr(&b), b.len);
        if (!w->text) {
            qc_buf_free(&b);
            return -1;
        }
        w->length = (uint32_t)b.len;
        size_t prefix = strcspn(w->text, "*?");
        w->has_wildcard = prefix < b.len;
        w->prefix_len = (uint32_t)prefix;
    }
    qc_buf_free(&b);
    return 0;
}

static int compile_regex(qc_rule_node *n, const qc_code_settings *set, const qc_codebook_options *opts, qc_diag_list *d)
{
    if (!n->source || !*n->source)
        return 0;
    unsigned flags = n->regex_flags & ~(unsigned)QC_REGEX_CASELESS;
    if (n->regex_case == 'i' || (n->regex_case == 0 && !set->case_sensitive))
        flags |= QC_REGEX_CASELESS;
    if (n->regex && flags == n->regex_flags)
        return 0;
    if (!n->regex)
        return 0; /* its syntax error is reported already */
    qc_regex_free(n->regex);
    n->regex = NULL;
    size_t eo = 0;
    char message[256];
    int rc = qc_regex_compile(&n->regex, n->source, strlen(n->source), flags, opts ? opts->regex_match_limit : 0,
                              opts ? opts->regex_heap_limit_kib : 0, &eo, message, sizeof message);
    if (rc == QC_ERR_NOMEM)
        return -1;
    if (rc < 0) {
        n->regex = NULL;
        qc_diag_add(d, QC_SEVERITY_ERROR, n->line, n->column, n->length, "invalid regular expression: %s", message);
    }
    n->regex_flags = flags;
    return 0;
}

static void resolve_ref(qc_codebook *cb, int32_t code, qc_rule_node *n, qc_diag_list *d)
{
    if (!n->source || !qc_code_id_valid(n->source, strlen(n->source)))
        return; /* reported by the parser */
    long t = qc_codebook_id_lookup(cb, n->source, strlen(n->source));
    if (t >= 0) {
        n->code = (int32_t)t;
        if (t == code && !n->descendants)
            qc_diag_add(d, QC_SEVERITY_ERROR, n->line, n->column, n->length, "code '%s' refers to itself",
                        cb->codes[code].id);
        return;
    }
    /* Did you mean: only now, after the error, is it worth measuring every id. */
    const char *best = NULL;
    size_t len = strlen(n->source), best_d = 3, cap = len <= 3 ? 1 : 2;
    for (size_t c = 0; c < cb->code_count; c++) {
        size_t dist = qc_edit_distance(n->source, cb->codes[c].id, cap);
        if (dist <= cap && dist < len && dist < best_d) {
            best_d = dist;
            best = cb->codes[c].id;
        }
    }
    if (best)
        qc_diag_add(d, QC_SEVERITY_ERROR, n->line, n->column, n->length, "unknown code '{%s%s}' (did you mean '%s'?)",
                    n->source, n->descendants ? "*" : "", best);
    else
        qc_diag_add(d, QC_SEVERITY_ERROR, n->line, n->column, n->length, "unknown code '{%s%s}'", n->source,
                    n->descendants ? "*" : "");
}

typedef struct walk_ctx {
    qc_codebook *cb;
    qc_diag_list *d;
    const qc_codebook_options *opts;
    int32_t code;
} walk_ctx;

/* Tree depth is bounded by the parser (QC_EXPR_MAX_DEPTH), so recursion is safe here. */
static int walk(walk_ctx *w, int32_t i)
{
    if (i < 0)
        return 0;
    qc_rule_node *n = &w->cb->nodes[i];
    const qc_code_settings *set = &w->cb->codes[w->code].settings;
    switch (n->kind) {
    case QC_NODE_PATTERN: return fold_pattern(n, set);
    case QC_NODE_REGEX: return compile_regex(n, set, w->opts, w->d);
    case QC_NODE_CODEREF: resolve_ref(w->cb, w->code, n, w->d); return 0;
    default:
        if (walk(w, n->left) < 0)
            return -1;
        return walk(w, n->right);
    }
}

static int rule_has_hits(const qc_codebook *cb, int32_t i)
{
    const qc_rule_node *n = &cb->nodes[i];
    switch (n->kind) {
    case QC_NODE_PATTERN: return n->word_count > 0;
    case QC_NODE_REGEX:
    case QC_NODE_NEAR:
    case QC_NODE_BEFORE: return 1;
    case QC_NODE_CODEREF:
    case QC_NODE_NOT: return 0;
    default: return rule_has_hits(cb, n->left) || rule_has_hits(cb, n->right);
    }
}

/* ------------------------------------------------------------ references */

/* The dependency graph has two vertices per code: c (the code's own rules) and n+c (c and its
 * descendants, what {c*} reads). c* depends on c and on each child's star vertex, so {ID*}
 * costs one edge however large the subtree. */
typedef struct graph {
    size_t n;      /* codes */
    size_t *first; /* CSR: edges of vertex v are first[v]..first[v+1]-1 */
    int32_t *to;
    int32_t *via; /* the reference node of the edge, -1 for structural edges */
} graph;

static void count_refs(const qc_codebook *cb, int32_t i, size_t *count)
{
    if (i < 0)
        return;
    const qc_rule_node *n = &cb->nodes[i];
    if (n->kind == QC_NODE_CODEREF) {
        *count += n->code >= 0;
        return;
    }
    count_refs(cb, n->left, count);
    count_refs(cb, n->right, count);
}

static void add_refs(const qc_codebook *cb, int32_t i, graph *g, size_t *k)
{
    if (i < 0)
        return;
    const qc_rule_node *n = &cb->nodes[i];
    if (n->kind == QC_NODE_CODEREF) {
        if (n->code >= 0) {
            g->to[*k] = n->descendants ? (int32_t)g->n + n->code : n->code;
            g->via[(*k)++] = i;
        }
        return;
    }
    add_refs(cb, n->left, g, k);
    add_refs(cb, n->right, g, k);
}

static int build_graph(const qc_codebook *cb, graph *g)
{
    size_t n = cb->code_count;
    g->n = n;
    g->first = qc_calloc(2 * n + 1, sizeof *g->first);
    if (!g->first)
        return -1;
    size_t total = 0;
    for (size_t c = 0; c < n; c++) {
        size_t count = 0;
        for (uint32_t r = 0; r < cb->codes[c].rule_count; r++)
            count_refs(cb, cb->codes[c].rules[r].root, &count);
        g->first[c] = total;
        total += count;
    }
    for (size_t c = 0; c < n; c++) {
        g->first[n + c] = total;
        total += 1 + cb->codes[c].child_count;
    }
    g->first[2 * n] = total;
    g->to = qc_malloc((total ? total : 1) * sizeof *g->to);
    g->via = qc_malloc((total ? total : 1) * sizeof *g->via);
    if (!g->to || !g->via)
        return -1;
    size_t k = 0;
    for (size_t c = 0; c < n; c++)
        for (uint32_t r = 0; r < cb->codes[c].rule_count; r++)
            add_refs(cb, cb->codes[c].rules[r].root, g, &k);
    for (size_t c = 0; c < n; c++) {
        g->to[k] = (int32_t)c;
        g->via[k++] = -1;
        for (uint32_t i = 0; i < cb->codes[c].child_count; i++) {
            g->to[k] = (int32_t)n + cb->codes[c].children[i];
            g->via[k++] = -1;
        }
    }
    return 0;
}

static void graph_free(graph *g)
{
    qc_free(g->first);
    qc_free(g->to);
    qc_free(g->via);
}

typedef struct frame {
    int32_t v;
    size_t edge; /* next edge to follow */
} frame;

/* A cycle: the stack from position `from` to the top, closed by the edge being followed. */
static void report_cycle(const qc_codebook *cb, const graph *g, const frame *stack, size_t from, size_t top,
                         qc_diag_list *d)
{
    size_t n = g->n;
    qc_buf msg = QC_BUF_INIT;
    size_t codes = 0;
    int32_t where = -1; /* the reference to point at: the first code's outgoing one */
    const char *through = NULL;
    for (size_t i = from; i <= top; i++) {
        int32_t v = stack[i].v;
        int32_t via = g->via[stack[i].edge - 1];
        if ((size_t)v < n) {
            if (codes++)
                qc_buf_puts(&msg, " -> ");
            qc_buf_puts(&msg, cb->codes[v].id);
            if (where < 0)
                where = via;
            int32_t to = g->to[stack[i].edge - 1];
            if ((size_t)to >= n && !through)
                through = cb->nodes[via].source;
        }
    }
    /* Close the loop with the first code of the cycle. */
    for (size_t i = from; i <= top; i++)
        if ((size_t)stack[i].v < n) {
            qc_buf_puts(&msg, " -> ");
            qc_buf_puts(&msg, cb->codes[stack[i].v].id);
            break;
        }
    if (where < 0) {
        qc_buf_free(&msg);
        return;
    }
    const qc_rule_node *at = &cb->nodes[where];
    int32_t self = -1;
    for (size_t i = from; i <= top; i++)
        if ((size_t)stack[i].v < n)
            self = stack[i].v;
    if (codes == 1 && through)
        qc_diag_add(d, QC_SEVERITY_ERROR, at->line, at->column, at->length,
                    "code '%s' refers to itself through {%s*}, which includes it", cb->codes[self].id, through);
    else if (codes > 1)
        qc_diag_add(d, QC_SEVERITY_ERROR, at->line, at->column, at->length, "reference cycle: %s", qc_buf_cstr(&msg));
    /* codes == 1 without a star: a direct {SELF}, reported when it was resolved. */
    qc_buf_free(&msg);
}

static int order_codes(qc_codebook *cb, qc_diag_list *d)
{
    size_t n = cb->code_count;
    cb->eval_order = qc_malloc((n ? n : 1) * sizeof *cb->eval_order);
    if (!cb->eval_order)
        return -1;
    graph g = {0};
    uint8_t *color = qc_calloc(2 * n + 1, 1); /* 0 new, 1 on the stack, 2 done */
    frame *stack = qc_malloc((2 * n + 1) * sizeof *stack);
    if (!color || !stack || build_graph(cb, &g) < 0) {
        qc_free(color);
        qc_free(stack);
        graph_free(&g);
        return -1;
    }
    size_t out = 0;
    for (size_t root = 0; root < n; root++) {
        if (color[root])
            continue;
        size_t top = 0;
        stack[0].v = (int32_t)root;
        stack[0].edge = g.first[root];
        color[root] = 1;
        for (;;) {
            frame *f = &stack[top];
            if (f->edge < g.first[f->v + 1]) {
                int32_t to = g.to[f->edge++];
                if (color[to] == 0) {
                    color[to] = 1;
                    stack[++top].v = to;
                    stack[top].edge = g.first[to];
                } else if (color[to] == 1) {
                    size_t from = top;
                    while (stack[from].v != to)
                        from--;
                    report_cycle(cb, &g, stack, from, top, d);
                }
                continue;
            }
            color[f->v] = 2;
            if ((size_t)f->v < n)
                cb->eval_order[out++] = f->v;
            if (top == 0)
                break;
            top--;
        }
    }
    qc_free(color);
    qc_free(stack);
    graph_free(&g);
    return 0;
}

static int by_lineage_id(const void *a, const void *b)
{
    const struct qc_lineage_link *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->code > y->code) - (x->code < y->code);
}

/* cb->lineage: each code's `was` and `merged-from` ids, sorted. -1 out of memory. */
static int index_lineage(qc_codebook *cb)
{
    size_t n = 0;
    for (size_t c = 0; c < cb->code_count; c++)
        n += cb->codes[c].was_count + cb->codes[c].merged_from_count;
    cb->lineage = qc_malloc((n ? n : 1) * sizeof *cb->lineage);
    if (!cb->lineage)
        return -1;
    for (size_t c = 0; c < cb->code_count; c++) {
        const qc_code_def *def = &cb->codes[c];
        for (uint32_t i = 0; i < def->was_count; i++)
            cb->lineage[cb->lineage_count++] = (struct qc_lineage_link){def->was[i], (int32_t)c};
        for (uint32_t i = 0; i < def->merged_from_count; i++)
            cb->lineage[cb->lineage_count++] = (struct qc_lineage_link){def->merged_from[i], (int32_t)c};
    }
    qsort(cb->lineage, cb->lineage_count, sizeof *cb->lineage, by_lineage_id);
    return 0;
}

/* Same expression as the matcher sees it: patterns by their words folded with the code's
 * settings (qc_text_fold: `Ärzte` and `ärzte` are one word unless `case sensitive`, `café` and
 * `cafe` one unless `accents keep`, an accent typed either way one), regexes by pattern and
 * flags, references by id. Depth is bounded by QC_EXPR_MAX_DEPTH. */
static int same_compiled(const qc_codebook *cb, int32_t a, int32_t b)
{
    if (a < 0 || b < 0)
        return a == b;
    const qc_rule_node *x = &cb->nodes[a], *y = &cb->nodes[b];
    if (x->kind != y->kind)
        return 0;
    switch (x->kind) {
    case QC_NODE_PATTERN:
        if (!x->word_count || x->word_count != y->word_count)
            return 0;
        for (uint32_t i = 0; i < x->word_count; i++)
            if (x->words[i].length != y->words[i].length ||
                memcmp(x->words[i].text, y->words[i].text, x->words[i].length) != 0)
                return 0;
        return 1;
    case QC_NODE_REGEX:
        return x->source && y->source && strcmp(x->source, y->source) == 0 && x->regex_flags == y->regex_flags;
    case QC_NODE_CODEREF:
        return x->source && y->source && strcmp(x->source, y->source) == 0 && x->descendants == y->descendants;
    case QC_NODE_NOT: return same_compiled(cb, x->left, y->left);
    default:
        return x->distance == y->distance && same_compiled(cb, x->left, y->left) &&
               same_compiled(cb, x->right, y->right);
    }
}

/* The operands of a run of ANDs (parentheses make no difference to an AND), at most
 * AND_CHECK_MAX of them: the check compares each with each. */
enum { AND_CHECK_MAX = 64 };
typedef struct and_operands {
    int32_t items[AND_CHECK_MAX];
    size_t count;
    int over;
} and_operands;

static void collect_and(const qc_codebook *cb, int32_t i, and_operands *ops)
{
    if (cb->nodes[i].kind == QC_NODE_AND) {
        collect_and(cb, cb->nodes[i].left, ops);
        collect_and(cb, cb->nodes[i].right, ops);
    } else if (ops->count == AND_CHECK_MAX)
        ops->over = 1;
    else
        ops->items[ops->count++] = i;
}

/* X AND NOT X can never hold: warned once a run of ANDs, at the X. Checked on the compiled tree,
 * where patterns are folded as they are matched. */
static void warn_and_not_same(const qc_codebook *cb, int32_t i, int under_and, qc_diag_list *d)
{
    if (i < 0)
        return;
    const qc_rule_node *n = &cb->nodes[i];
    if (n->kind == QC_NODE_PATTERN || n->kind == QC_NODE_REGEX || n->kind == QC_NODE_CODEREF)
        return;
    if (n->kind == QC_NODE_AND && !under_and) {
        and_operands ops = {.count = 0};
        collect_and(cb, i, &ops);
        int warned = ops.over;
        for (size_t a = 0; a < ops.count && !warned; a++) {
            const qc_rule_node *neg = &cb->nodes[ops.items[a]];
            for (size_t b = 0; neg->kind == QC_NODE_NOT && b < ops.count && !warned; b++)
                if (b != a && same_compiled(cb, neg->left, ops.items[b])) {
                    const qc_rule_node *o = &cb->nodes[ops.items[b]];
                    qc_diag_add(d, QC_SEVERITY_WARNING, o->line, o->column, o->length,
                                "this rule can never match: it asks for a pattern AND NOT the same pattern");
                    warned = 1;
                }
        }
    }
    warn_and_not_same(cb, n->left, n->kind == QC_NODE_AND, d);
    warn_and_not_same(cb, n->right, n->kind == QC_NODE_AND, d);
}

int qc_codebook_compile(qc_codebook *cb, qc_diag_list *d, const qc_codebook_options *opts)
{
    if (fill_empty(&cb->name) < 0 || fill_empty(&cb->version) < 0 || fill_empty(&cb->description) < 0)
        return QC_ERR_NOMEM;
    walk_ctx w = {cb, d, opts, 0};
    for (size_t c = 0; c < cb->code_count; c++) {
        qc_code_def *def = &cb->codes[c];
        if (fill_empty(&def->id) < 0 || fill_empty(&def->name) < 0 || fill_empty(&def->definition) < 0 ||
            fill_empty(&def->guidance) < 0 || fill_empty(&def->color) < 0)
            return QC_ERR_NOMEM;
        w.code = (int32_t)c;
        for (uint32_t r = 0; r < def->rule_count; r++) {
            if (walk(&w, def->rules[r].root) < 0)
                return QC_ERR_NOMEM;
            warn_and_not_same(cb, def->rules[r].root, 0, d);
        }
        for (uint32_t r = 0; r < def->exclude_count; r++)
            if (walk(&w, def->excludes[r]) < 0)
                return QC_ERR_NOMEM;
        def->codable = def->rule_count > 0 || def->manual;
        if (def->settings.min_hits > 0 && def->rule_count) {
            int any = 0;
            for (uint32_t r = 0; r < def->rule_count && !any; r++)
                any = rule_has_hits(cb, def->rules[r].root);
            if (!any)
                qc_diag_add(d, QC_SEVERITY_WARNING, def->line, 1, 1,
                            "code '%s' can never be coded: it needs min %u hit%s, but its rules have no words or "
                            "patterns that give hits",
                            def->id, def->settings.min_hits, def->settings.min_hits == 1 ? "" : "s");
        }
    }
    if (order_codes(cb, d) < 0 || index_lineage(cb) < 0)
        return QC_ERR_NOMEM;
    return 0;
}
