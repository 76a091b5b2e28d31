/* qc_code_describe: the compiled form of a code as text (see include/qcode/codebook.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "codebook_impl.h"

static void put_quoted(qc_buf *b, const char *s)
{
    qc_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            qc_buf_putc(b, '\\');
        qc_buf_putc(b, *s);
    }
    qc_buf_putc(b, '"');
}

/* Operands of a chain of one associative operator, printed flat: (or a b c). */
static void describe_node(const qc_codebook *cb, int32_t i, qc_buf *b);

static void chain_operands(const qc_codebook *cb, int32_t i, qc_node_kind kind, qc_buf *b)
{
    const qc_rule_node *n = &cb->nodes[i];
    if (n->kind == kind) {
        chain_operands(cb, n->left, kind, b);
        chain_operands(cb, n->right, kind, b);
        return;
    }
    qc_buf_putc(b, ' ');
    describe_node(cb, i, b);
}

static void describe_node(const qc_codebook *cb, int32_t i, qc_buf *b)
{
    if (i < 0) {
        qc_buf_puts(b, "()");
        return;
    }
    const qc_rule_node *n = &cb->nodes[i];
    switch (n->kind) {
    case QC_NODE_PATTERN:
        qc_buf_puts(b, n->word_count > 1 ? "(phrase" : n->word_count && n->words[0].has_wildcard ? "(wild" : "(term");
        for (uint32_t w = 0; w < n->word_count; w++) {
            qc_buf_putc(b, ' ');
            put_quoted(b, n->words[w].text);
        }
        if (n->case_sensitive)
            qc_buf_puts(b, " case");
        if (n->keep_accents)
            qc_buf_puts(b, " accents");
        qc_buf_putc(b, ')');
        return;
    case QC_NODE_REGEX:
        qc_buf_puts(b, "(regex ");
        put_quoted(b, n->source ? n->source : "");
        if (n->regex_flags) {
            qc_buf_putc(b, ' ');
            if (n->regex_flags & QC_REGEX_CASELESS)
                qc_buf_putc(b, 'i');
            if (n->regex_flags & QC_REGEX_EXTENDED)
                qc_buf_putc(b, 'x');
            if (n->regex_flags & QC_REGEX_DOTALL)
                qc_buf_putc(b, 's');
            if (n->regex_flags & QC_REGEX_MULTILINE)
                qc_buf_putc(b, 'm');
        }
        qc_buf_putc(b, ')');
        return;
    case QC_NODE_CODEREF:
        qc_buf_printf(b, "(ref %s%s)", n->code >= 0 ? cb->codes[n->code].id : (n->source ? n->source : "?"),
                      n->descendants ? "*" : "");
        return;
    case QC_NODE_AND:
    case QC_NODE_OR:
        qc_buf_puts(b, n->kind == QC_NODE_AND ? "(and" : "(or");
        chain_operands(cb, i, n->kind, b);
        qc_buf_putc(b, ')');
        return;
    case QC_NODE_NOT:
        qc_buf_puts(b, "(not ");
        describe_node(cb, n->left, b);
        qc_buf_putc(b, ')');
        return;
    case QC_NODE_NEAR:
    case QC_NODE_BEFORE:
        qc_buf_printf(b, "(%s %u ", n->kind == QC_NODE_NEAR ? "near" : "before", n->distance);
        describe_node(cb, n->left, b);
        qc_buf_putc(b, ' ');
        describe_node(cb, n->right, b);
        qc_buf_putc(b, ')');
        return;
    }
}

static void describe_code(const qc_codebook *cb, const qc_code_def *def, qc_buf *b)
{
    static const char *const scopes[] = {"sentence", "match", "turn", "paragraph", "words"};
    static const char *const speakers[] = {"participants", "all", "interviewers"};
    const qc_code_settings *s = &def->settings;
    qc_buf_printf(b, "settings scope %s", scopes[s->scope]);
    if (s->scope == QC_SCOPE_WORDS)
        qc_buf_printf(b, " %u", s->scope_words);
    qc_buf_printf(b, "; speakers %s; case %s; accents %s; min %u\n", speakers[s->speakers],
                  s->case_sensitive ? "sensitive" : "insensitive", s->keep_accents ? "keep" : "ignore", s->min_hits);
    if (def->manual)
        qc_buf_puts(b, "manual\n");
    for (uint32_t i = 0; i < def->condition_count; i++) {
        const qc_condition *c = &def->conditions[i];
        qc_buf_printf(b, "where %s ", c->key);
        if (c->value_count == 1 && !c->negate)
            qc_buf_puts(b, "= ");
        else if (c->value_count == 1)
            qc_buf_puts(b, "!= ");
        else
            qc_buf_puts(b, c->negate ? "not in (" : "in (");
        for (uint32_t v = 0; v < c->value_count; v++) {
            if (v)
                qc_buf_puts(b, ", ");
            put_quoted(b, c->values[v]);
        }
        qc_buf_puts(b, c->value_count == 1 ? "\n" : ")\n");
    }
    if (def->was_count) {
        qc_buf_puts(b, "was");
        for (uint32_t i = 0; i < def->was_count; i++)
            qc_buf_printf(b, " %s", def->was[i]);
        qc_buf_putc(b, '\n');
    }
    if (def->merged_from_count) {
        qc_buf_puts(b, "merged-from");
        for (uint32_t i = 0; i < def->merged_from_count; i++)
            qc_buf_printf(b, " %s", def->merged_from[i]);
        qc_buf_putc(b, '\n');
    }
    for (uint32_t i = 0; i < def->exclude_count; i++) {
        qc_buf_puts(b, "exclude ");
        describe_node(cb, def->excludes[i], b);
        qc_buf_putc(b, '\n');
    }
    for (uint32_t i = 0; i < def->rule_count; i++) {
        qc_buf_puts(b, "rule ");
        describe_node(cb, def->rules[i].root, b);
        qc_buf_putc(b, '\n');
    }
}

size_t qc_code_describe(const qc_codebook *cb, size_t code, char *buf, size_t cap)
{
    qc_buf b = QC_BUF_INIT;
    describe_code(cb, &cb->codes[code], &b);
    size_t len = qc_buf_failed(&b) ? SIZE_MAX : b.len;
    if (cap) {
        size_t n = len == SIZE_MAX ? 0 : len < cap ? len : cap - 1;
        if (n)
            memcpy(buf, b.data, n);
        buf[n] = '\0';
    }
    qc_buf_free(&b);
    return len;
}
