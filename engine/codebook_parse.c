/* The .qcb parser: lines -> statements (with continuation lines) -> codes and settings; the rule
 * expressions of 'rule' and 'exclude' are parsed by codebook_parse_expr.c. The grammar is
 * docs/codebook.md; keep the two in step. */
#include "codebook_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "codebook_lex.h"
#include "codebook_parse_expr.h"
#include "text.h"

/* ---------------------------------------------------------------- keywords */

typedef enum kw {
    KW_NONE = -1,
    KW_CODEBOOK,
    KW_DESCRIPTION,
    KW_CODE,
    KW_DEFINE,
    KW_GUIDANCE,
    KW_COLOR,
    KW_COLOUR,
    KW_RULE,
    KW_EXCLUDE,
    KW_MIN,
    KW_SCOPE,
    KW_SPEAKERS,
    KW_WHERE,
    KW_CASE,
    KW_ACCENTS,
    KW_MANUAL,
    KW_WAS,
    KW_MERGED_FROM,
    KW_COUNT
} kw;

static const char *const keywords[KW_COUNT] = {
    "codebook", "description", "code",     "define", "guidance", "color",   "colour", "rule", "exclude",
    "min",      "scope",       "speakers", "where",  "case",     "accents", "manual", "was",  "merged-from"};

/* Statements whose arguments may go on over continuation lines. */
static int continuable(kw k)
{
    return k == KW_DESCRIPTION || k == KW_DEFINE || k == KW_GUIDANCE || k == KW_RULE || k == KW_EXCLUDE ||
           k == KW_WHERE || k == KW_WAS || k == KW_MERGED_FROM;
}

/* ---------------------------------------------------------------- state */

/* The parser's state is in codebook_parse_expr.h: the expression parser shares it. */
typedef qc_cbp parser;
typedef qc_cbp_code code_state;

/* ---------------------------------------------------------------- diagnostics */

void qc_cbp_locate(const parser *p, size_t off, uint32_t *line, uint32_t *col)
{
    size_t k = p->seg_count - 1;
    while (k > 0 && p->segs[k].joined > off)
        k--;
    *line = p->segs[k].line;
    *col = qc_diag_column(p->d, *line, p->segs[k].line_byte + (off - p->segs[k].joined));
}

uint32_t qc_cbp_span_length(const parser *p, size_t start, size_t end)
{
    uint32_t n = 0;
    for (size_t i = start; i < end && i < p->joined.len; i++)
        n += ((unsigned char)p->joined.data[i] & 0xC0) != 0x80;
    return n ? n : 1;
}

void qc_cbp_vreport(parser *p, qc_severity sev, size_t start, size_t end, const char *fmt, va_list ap)
{
    char msg[QC_ERROR_MESSAGE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    uint32_t line, col;
    qc_cbp_locate(p, start, &line, &col);
    qc_diag_add(p->d, sev, line, col, qc_cbp_span_length(p, start, end), "%s", msg);
}

static void __attribute__((format(printf, 4, 5))) err_at(parser *p, size_t start, size_t end, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qc_cbp_vreport(p, QC_SEVERITY_ERROR, start, end, fmt, ap);
    va_end(ap);
}

/* Token text for messages, shortened so a message stays readable. */
const char *qc_cbp_tok_text(parser *p, const qc_token *t, char *buf, size_t cap)
{
    size_t n = t->end - t->start;
    if (t->kind == QC_TOK_END)
        return "the end of the line";
    if (n > 40) {
        /* Cut before a character, not inside one. */
        int cut = 37;
        while (cut > 0 && ((unsigned char)p->joined.data[t->start + (size_t)cut] & 0xC0) == 0x80)
            cut--;
        snprintf(buf, cap, "%.*s...", cut, p->joined.data + t->start);
    } else
        snprintf(buf, cap, "%.*s", (int)n, p->joined.data + t->start);
    return buf;
}

/* ---------------------------------------------------------------- ids */

static uint64_t hash_id(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

long qc_codebook_id_lookup(const qc_codebook *cb, const char *id, size_t len)
{
    if (!cb->id_hash_size)
        return -1;
    size_t mask = cb->id_hash_size - 1;
    for (size_t i = (size_t)hash_id(id, len) & mask;; i = (i + 1) & mask) {
        int32_t c = cb->id_hash[i];
        if (c < 0)
            return -1;
        const char *cid = cb->codes[c].id;
        if (strlen(cid) == len && memcmp(cid, id, len) == 0)
            return c;
    }
}

static int id_insert(int32_t *table, size_t size, const qc_codebook *cb, int32_t code)
{
    const char *id = cb->codes[code].id;
    size_t mask = size - 1;
    for (size_t i = (size_t)hash_id(id, strlen(id)) & mask;; i = (i + 1) & mask) {
        if (table[i] < 0) {
            table[i] = code;
            return -1;
        }
        if (strcmp(cb->codes[table[i]].id, id) == 0)
            return table[i];
    }
}

long qc_codebook_id_add(qc_codebook *cb, int32_t code)
{
    const char *id = cb->codes[code].id;
    long found = qc_codebook_id_lookup(cb, id, strlen(id));
    if (found >= 0)
        return found;
    /* Keep the table at most half full. */
    size_t used = (size_t)code + 1;
    if (used * 2 > cb->id_hash_size) {
        size_t size = cb->id_hash_size ? cb->id_hash_size * 2 : 64;
        while (used * 2 > size)
            size *= 2;
        int32_t *table = qc_malloc(size * sizeof *table);
        if (!table)
            return -2;
        for (size_t i = 0; i < size; i++)
            table[i] = -1;
        for (size_t i = 0; i < cb->id_hash_size; i++)
            if (cb->id_hash[i] >= 0)
                id_insert(table, size, cb, cb->id_hash[i]);
        qc_free(cb->id_hash);
        cb->id_hash = table;
        cb->id_hash_size = size;
    }
    id_insert(cb->id_hash, cb->id_hash_size, cb, code);
    return -1;
}

static int id_char(char c, int first)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

int qc_code_id_valid(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!id_char(s[i], i == 0))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- small helpers */

/* Grows an array whose capacity is implied by its count (4, 8, 16, ...). */
static int grow_implied(void **arr, uint32_t count, size_t item)
{
    if (count != 0 && (count < 4 || (count & (count - 1)) != 0))
        return 0;
    size_t cap = count == 0 ? 4 : (size_t)count * 2;
    void *n = qc_realloc(*arr, cap * item);
    if (!n)
        return -1;
    *arr = n;
    return 0;
}

char *qc_cbp_dup(parser *p, const char *s, size_t n)
{
    char *r = qc_strndup(s, n);
    if (!r)
        p->nomem = 1;
    return r;
}

/* Appends text to a string field, joined by one space (repeated define, guidance...). */
static void append_text(parser *p, char **field, const char *s, size_t n)
{
    size_t old = *field ? strlen(*field) : 0;
    char *r = qc_realloc(*field, old + (old ? 1 : 0) + n + 1);
    if (!r) {
        p->nomem = 1;
        return;
    }
    if (old)
        r[old++] = ' ';
    memcpy(r + old, s, n);
    r[old + n] = '\0';
    *field = r;
}

static kw keyword_of(const char *s, size_t n)
{
    for (int k = 0; k < KW_COUNT; k++)
        if (strlen(keywords[k]) == n && memcmp(keywords[k], s, n) == 0)
            return (kw)k;
    return KW_NONE;
}

/* The closest of `words` to s (edit distance <= 2, and less than the word's length), or NULL. */
static const char *suggest(const char *s, const char *const *words, size_t count)
{
    const char *best = NULL;
    size_t best_d = 3;
    size_t len = strlen(s);
    size_t cap = len <= 3 ? 1 : 2;
    for (size_t i = 0; i < count; i++) {
        size_t dist = qc_edit_distance(s, words[i], cap);
        if (dist <= cap && dist < len && dist < best_d) {
            best = words[i];
            best_d = dist;
        }
    }
    return best;
}

int qc_cbp_parse_uint(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    if (n == 0 || n > 9)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- statements */

typedef struct stmt {
    parser *p;
    qc_lexer lx;
    qc_token kwtok;
    qc_token tok;
    kw k;
    int32_t code; /* the owning code, -1 at the top level */
} stmt;

static void next(stmt *s)
{
    qc_lex_next(&s->lx, &s->tok);
}

static const char *cur_text(stmt *s, char *buf, size_t cap)
{
    return qc_cbp_tok_text(s->p, &s->tok, buf, cap);
}

static int expect_end(stmt *s)
{
    if (s->tok.kind == QC_TOK_END)
        return 0;
    char buf[64];
    if (s->tok.kind == QC_TOK_ERROR)
        err_at(s->p, s->tok.err_start, s->tok.err_end, "%s", s->tok.error);
    else
        err_at(s->p, s->tok.start, s->tok.end, "unexpected %s after '%s'", cur_text(s, buf, sizeof buf),
               keywords[s->k]);
    return -1;
}

/* One or more strings, joined by a space, appended to *field. */
static void strings_into(stmt *s, char **field)
{
    parser *p = s->p;
    int any = 0;
    char buf[64];
    while (s->tok.kind == QC_TOK_STRING) {
        qc_buf_clear(&p->tmp);
        qc_lex_string_value(p->joined.data, &s->tok, &p->tmp);
        append_text(p, field, qc_buf_cstr(&p->tmp), p->tmp.len);
        any = 1;
        next(s);
    }
    if (s->tok.kind == QC_TOK_ERROR) {
        err_at(p, s->tok.err_start, s->tok.err_end, "%s", s->tok.error);
        return;
    }
    if (!any) {
        err_at(p, s->tok.kind == QC_TOK_END ? s->kwtok.start : s->tok.start,
               s->tok.kind == QC_TOK_END ? s->kwtok.end : s->tok.end, "expected a quoted string after '%s'%s%s",
               keywords[s->k], s->tok.kind == QC_TOK_END ? "" : ", found ",
               s->tok.kind == QC_TOK_END ? "" : cur_text(s, buf, sizeof buf));
        return;
    }
    expect_end(s);
}

/* A single-valued setting given twice. Returns -1 after reporting it. */
static int once(stmt *s, uint32_t *lines, int which)
{
    uint32_t line, col;
    qc_cbp_locate(s->p, s->kwtok.start, &line, &col);
    if (lines[which]) {
        if (s->code >= 0)
            err_at(s->p, s->kwtok.start, s->kwtok.end, "duplicate '%s' for code '%s' (first on line %u)",
                   keywords[s->k], s->p->cb->codes[s->code].id, lines[which]);
        else
            err_at(s->p, s->kwtok.start, s->kwtok.end, "duplicate codebook '%s' (first on line %u)", keywords[s->k],
                   lines[which]);
        return -1;
    }
    lines[which] = line;
    return 0;
}

static int want_word(stmt *s, const char *what)
{
    if (s->tok.kind == QC_TOK_WORD)
        return 0;
    char buf[64];
    if (s->tok.kind == QC_TOK_END)
        err_at(s->p, s->kwtok.start, s->kwtok.end, "expected %s after '%s'", what, keywords[s->k]);
    else
        err_at(s->p, s->tok.start, s->tok.end, "expected %s after '%s', found %s", what, keywords[s->k],
               cur_text(s, buf, sizeof buf));
    return -1;
}

/* The word is one of `choices`: returns its index, or reports it (with a suggestion) and returns -1. */
static int choose(stmt *s, const char *const *choices, size_t count, const char *expected)
{
    if (want_word(s, expected) < 0)
        return -1;
    for (size_t i = 0; i < count; i++)
        if (qc_tok_is(s->p->joined.data, &s->tok, choices[i]))
            return (int)i;
    char buf[64];
    const char *w = cur_text(s, buf, sizeof buf);
    const char *sug = suggest(w, choices, count);
    if (sug)
        err_at(s->p, s->tok.start, s->tok.end, "unknown %s '%s' (did you mean '%s'?)", keywords[s->k], w, sug);
    else
        err_at(s->p, s->tok.start, s->tok.end, "unknown %s '%s' (expected %s)", keywords[s->k], w, expected);
    return -1;
}

static void st_setting(stmt *s, qc_code_settings *set, uint32_t *lines)
{
    static const char *const scopes[] = {"sentence", "match", "turn", "paragraph", "words"};
    static const char *const speakers[] = {"participants", "all", "interviewers"};
    static const char *const cases[] = {"insensitive", "sensitive"};
    static const char *const accents[] = {"ignore", "keep"};
    parser *p = s->p;
    int which = s->k == KW_SCOPE      ? QC_CBP_SCOPE
                : s->k == KW_SPEAKERS ? QC_CBP_SPEAKERS
                : s->k == KW_CASE     ? QC_CBP_CASE
                : s->k == KW_ACCENTS  ? QC_CBP_ACCENTS
                                      : QC_CBP_MIN;
    if (once(s, lines, which) < 0)
        return;
    int v;
    uint32_t n;
    char buf[64];
    switch (s->k) {
    case KW_SCOPE:
        v = choose(s, scopes, 5, "sentence, paragraph, turn, match or words N");
        if (v < 0)
            return;
        next(s);
        if (v == QC_SCOPE_WORDS) {
            if (s->tok.kind != QC_TOK_WORD ||
                qc_cbp_parse_uint(p->joined.data + s->tok.start, s->tok.end - s->tok.start, QC_MAX_DISTANCE, &n) < 0) {
                err_at(p, s->tok.kind == QC_TOK_END ? s->kwtok.start : s->tok.start,
                       s->tok.kind == QC_TOK_END ? s->kwtok.end : s->tok.end,
                       "expected a number of words after 'scope words' (as in scope words 10)");
                return;
            }
            set->scope_words = n;
            next(s);
        }
        set->scope = (qc_scope_kind)v;
        break;
    case KW_SPEAKERS:
        v = choose(s, speakers, 3, "participants, all or interviewers");
        if (v < 0)
            return;
        set->speakers = (qc_speaker_filter)v;
        next(s);
        break;
    case KW_CASE:
        v = choose(s, cases, 2, "insensitive or sensitive");
        if (v < 0)
            return;
        set->case_sensitive = (uint8_t)v;
        next(s);
        break;
    case KW_ACCENTS:
        v = choose(s, accents, 2, "ignore or keep");
        if (v < 0)
            return;
        set->keep_accents = (uint8_t)v;
        next(s);
        break;
    default: /* KW_MIN */
        if (want_word(s, "a number") < 0)
            return;
        if (qc_cbp_parse_uint(p->joined.data + s->tok.start, s->tok.end - s->tok.start, QC_MAX_MIN, &n) < 0) {
            err_at(p, s->tok.start, s->tok.end, "invalid number '%s' after 'min' (expected 0 to %u)",
                   cur_text(s, buf, sizeof buf), QC_MAX_MIN);
            return;
        }
        set->min_hits = n;
        next(s);
        break;
    }
    expect_end(s);
}

static void st_codebook(stmt *s)
{
    parser *p = s->p;
    qc_codebook *cb = p->cb;
    char buf[64];
    if (p->header_line) {
        err_at(p, s->kwtok.start, s->kwtok.end, "duplicate 'codebook' line (first on line %u)", p->header_line);
        return;
    }
    uint32_t col;
    qc_cbp_locate(p, s->kwtok.start, &p->header_line, &col);
    if (s->tok.kind != QC_TOK_STRING) {
        err_at(p, s->tok.kind == QC_TOK_END ? s->kwtok.start : s->tok.start,
               s->tok.kind == QC_TOK_END ? s->kwtok.end : s->tok.end,
               "expected the codebook's name in quotes after 'codebook'");
        return;
    }
    qc_buf_clear(&p->tmp);
    qc_lex_string_value(p->joined.data, &s->tok, &p->tmp);
    qc_free(cb->name);
    cb->name = qc_cbp_dup(p, qc_buf_cstr(&p->tmp), p->tmp.len);
    next(s);
    if (s->tok.kind == QC_TOK_WORD && qc_tok_is(p->joined.data, &s->tok, "version")) {
        next(s);
        if (s->tok.kind == QC_TOK_STRING) {
            qc_buf_clear(&p->tmp);
            qc_lex_string_value(p->joined.data, &s->tok, &p->tmp);
        } else if (s->tok.kind == QC_TOK_WORD) {
            qc_buf_clear(&p->tmp);
            qc_buf_append(&p->tmp, p->joined.data + s->tok.start, s->tok.end - s->tok.start);
        } else {
            err_at(p, s->tok.start, s->tok.end, "expected a version after 'version', found %s",
                   cur_text(s, buf, sizeof buf));
            return;
        }
        qc_free(cb->version);
        cb->version = qc_cbp_dup(p, qc_buf_cstr(&p->tmp), p->tmp.len);
        next(s);
    } else if (s->tok.kind == QC_TOK_WORD) {
        const char *w = cur_text(s, buf, sizeof buf);
        if (qc_edit_distance(w, "version", 2) <= 2)
            err_at(p, s->tok.start, s->tok.end, "unknown keyword '%s' (did you mean 'version'?)", w);
        else
            err_at(p, s->tok.start, s->tok.end, "unexpected %s after the codebook's name (expected 'version')", w);
        return;
    }
    expect_end(s);
}

static int32_t new_code(parser *p, int32_t parent, uint32_t line, uint32_t indent)
{
    qc_codebook *cb = p->cb;
    if (QC_GROW(cb->codes, p->code_cap, cb->code_count + 1) < 0 || QC_GROW(p->cs, p->cs_cap, cb->code_count + 1) < 0) {
        p->nomem = 1;
        return -1;
    }
    int32_t c = (int32_t)cb->code_count++;
    qc_code_def *def = &cb->codes[c];
    memset(def, 0, sizeof *def);
    memset(&p->cs[c], 0, sizeof p->cs[c]);
    p->cs[c].indent = indent;
    def->parent = parent;
    def->depth = parent < 0 ? 1 : cb->codes[parent].depth + 1;
    def->settings = cb->defaults;
    def->line = line;
    return c;
}

static void st_code(stmt *s, uint32_t indent)
{
    parser *p = s->p;
    qc_codebook *cb = p->cb;
    char buf[64];
    uint32_t line, col;
    qc_cbp_locate(p, s->kwtok.start, &line, &col);
    p->seen_code = 1;
    if (s->tok.kind != QC_TOK_WORD) {
        err_at(p, s->tok.kind == QC_TOK_END ? s->kwtok.start : s->tok.start,
               s->tok.kind == QC_TOK_END ? s->kwtok.end : s->tok.end, "expected a code id after 'code'");
        return;
    }
    qc_token idtok = s->tok;
    const char *id = p->joined.data + idtok.start;
    size_t idlen = idtok.end - idtok.start;
    int bad_id = !qc_code_id_valid(id, idlen);
    if (bad_id)
        err_at(p, idtok.start, idtok.end,
               "invalid code id '%s' (an id is a letter, then letters, digits, '_', '.' or '-')",
               cur_text(s, buf, sizeof buf));
    /* The code is made even when its line has errors, so its body attaches to it. */
    int32_t c = new_code(p, s->code, line, indent);
    if (c < 0)
        return;
    if (cb->codes[c].depth > QC_CODE_MAX_DEPTH)
        err_at(p, s->kwtok.start, s->kwtok.end,
               "code nested too deeply (more than %d levels; REFI-QDA projects could not carry it)", QC_CODE_MAX_DEPTH);
    if (QC_GROW(p->stack, p->stack_cap, p->stack_len + 1) < 0) {
        p->nomem = 1;
        return;
    }
    p->stack[p->stack_len++] = c;
    qc_code_def *def = &cb->codes[c];
    def->id = qc_cbp_dup(p, id, idlen);
    if (!def->id)
        return;
    if (!bad_id) {
        long first = qc_codebook_id_add(cb, c);
        if (first == -2) {
            p->nomem = 1;
            return;
        }
        if (first >= 0)
            err_at(p, idtok.start, idtok.end, "duplicate code id '%s' (first declared on line %u)", def->id,
                   cb->codes[first].line);
    }
    next(s);
    if (s->tok.kind != QC_TOK_STRING) {
        if (s->tok.kind == QC_TOK_ERROR)
            err_at(p, s->tok.err_start, s->tok.err_end, "%s", s->tok.error);
        else
            err_at(p, s->tok.kind == QC_TOK_END ? idtok.start : s->tok.start,
                   s->tok.kind == QC_TOK_END ? idtok.end : s->tok.end,
                   "expected the code's name in quotes after '%.*s'", (int)(idlen > 40 ? 40 : idlen), id);
        return;
    }
    qc_buf_clear(&p->tmp);
    qc_lex_string_value(p->joined.data, &s->tok, &p->tmp);
    def->name = qc_cbp_dup(p, qc_buf_cstr(&p->tmp), p->tmp.len);
    if (p->tmp.len == 0)
        err_at(p, s->tok.start, s->tok.end, "empty code name");
    next(s);
    expect_end(s);
}

static void st_color(stmt *s)
{
    parser *p = s->p;
    qc_code_def *def = &p->cb->codes[s->code];
    if (once(s, p->cs[s->code].set_line, QC_CBP_COLOR) < 0 || want_word(s, "a colour as #RRGGBB") < 0)
        return;
    const char *w = p->joined.data + s->tok.start;
    size_t n = s->tok.end - s->tok.start;
    int ok = n == 7 && w[0] == '#';
    for (size_t i = 1; ok && i < 7; i++)
        ok = (w[i] >= '0' && w[i] <= '9') || (w[i] >= 'a' && w[i] <= 'f') || (w[i] >= 'A' && w[i] <= 'F');
    if (!ok) {
        char buf[64];
        err_at(p, s->tok.start, s->tok.end, "invalid colour '%s' (expected #RRGGBB)", cur_text(s, buf, sizeof buf));
        return;
    }
    char *c = qc_cbp_dup(p, w, 7);
    if (!c)
        return;
    for (int i = 1; i < 7; i++)
        if (c[i] >= 'A' && c[i] <= 'F')
            c[i] = (char)(c[i] + 32);
    qc_free(def->color);
    def->color = c;
    next(s);
    expect_end(s);
}

/* The rule's text as written: the statement after its keyword. */
static char *rule_text(parser *p, const qc_token *kwtok)
{
    size_t a = kwtok->end, b = p->joined.len;
    while (a < b && (p->joined.data[a] == ' ' || p->joined.data[a] == '\t'))
        a++;
    while (b > a && (p->joined.data[b - 1] == ' ' || p->joined.data[b - 1] == '\t'))
        b--;
    return qc_cbp_dup(p, p->joined.data + a, b - a);
}

static void st_rule(stmt *s)
{
    parser *p = s->p;
    qc_code_def *def = &p->cb->codes[s->code];
    int32_t root = qc_cbp_expression(p, &s->kwtok, s->code, 0);
    if (root < 0)
        return;
    if (grow_implied((void **)&def->rules, def->rule_count, sizeof *def->rules) < 0) {
        p->nomem = 1;
        return;
    }
    qc_rule *r = &def->rules[def->rule_count++];
    r->text = rule_text(p, &s->kwtok);
    uint32_t col;
    qc_cbp_locate(p, s->kwtok.start, &r->line, &col);
    r->root = root;
}

/* Exclusions are plain patterns: only terms, phrases, regexes and OR. */
static int exclude_ok(parser *p, int32_t n)
{
    const qc_rule_node *node = &p->cb->nodes[n];
    switch (node->kind) {
    case QC_NODE_PATTERN:
    case QC_NODE_REGEX: return 1;
    case QC_NODE_OR: return exclude_ok(p, node->left) && exclude_ok(p, node->right);
    default: {
        static const char *const names[] = {"", "", "a {CODE} reference", "AND", "", "NOT", "NEAR", "BEFORE"};
        qc_diag_add(p->d, QC_SEVERITY_ERROR, node->line, node->column, node->length,
                    "'exclude' takes patterns joined by OR: %s is not allowed here", names[node->kind]);
        return 0;
    }
    }
}

static void st_exclude(stmt *s)
{
    parser *p = s->p;
    qc_code_def *def = &p->cb->codes[s->code];
    int32_t root = qc_cbp_expression(p, &s->kwtok, s->code, 1);
    if (root < 0 || !exclude_ok(p, root))
        return;
    if (grow_implied((void **)&def->excludes, def->exclude_count, sizeof *def->excludes) < 0) {
        p->nomem = 1;
        return;
    }
    def->excludes[def->exclude_count++] = root;
}

static char *value_of(stmt *s)
{
    parser *p = s->p;
    qc_buf_clear(&p->tmp);
    if (s->tok.kind == QC_TOK_STRING)
        qc_lex_string_value(p->joined.data, &s->tok, &p->tmp);
    else
        qc_buf_append(&p->tmp, p->joined.data + s->tok.start, s->tok.end - s->tok.start);
    return qc_cbp_dup(p, qc_buf_cstr(&p->tmp), p->tmp.len);
}

static int push_value(stmt *s, qc_condition *c)
{
    if (grow_implied((void **)&c->values, c->value_count, sizeof *c->values) < 0) {
        s->p->nomem = 1;
        return -1;
    }
    char *v = value_of(s);
    if (!v)
        return -1;
    c->values[c->value_count++] = v;
    return 0;
}

static void free_condition(qc_condition *c)
{
    qc_free(c->key);
    for (uint32_t i = 0; i < c->value_count; i++)
        qc_free(c->values[i]);
    qc_free(c->values);
}

static void st_where(stmt *s)
{
    parser *p = s->p;
    qc_code_def *def = &p->cb->codes[s->code];
    char buf[64];
    qc_condition c = {0};
    if (s->tok.kind != QC_TOK_WORD && s->tok.kind != QC_TOK_STRING) {
        want_word(s, "an attribute name");
        return;
    }
    c.key = value_of(s);
    if (!c.key)
        return;
    qc_token keytok = s->tok;
    next(s);
    int list = 0;
    if (s->tok.kind == QC_TOK_EQ) {
    } else if (s->tok.kind == QC_TOK_NE) {
        c.negate = 1;
    } else if (qc_tok_is(p->joined.data, &s->tok, "in")) {
        list = 1;
    } else if (qc_tok_is(p->joined.data, &s->tok, "not")) {
        next(s);
        if (!qc_tok_is(p->joined.data, &s->tok, "in")) {
            err_at(p, s->tok.start, s->tok.end, "expected 'in' after 'not'");
            goto fail;
        }
        c.negate = 1;
        list = 1;
    } else {
        err_at(p, s->tok.kind == QC_TOK_END ? keytok.start : s->tok.start,
               s->tok.kind == QC_TOK_END ? keytok.end : s->tok.end,
               "expected '=', '!=', 'in' or 'not in' after the attribute name in 'where'");
        goto fail;
    }
    next(s);
    if (!list) {
        if (s->tok.kind != QC_TOK_STRING && s->tok.kind != QC_TOK_WORD) {
            err_at(p, s->tok.start, s->tok.end, "expected a value in quotes, found %s", cur_text(s, buf, sizeof buf));
            goto fail;
        }
        if (push_value(s, &c) < 0)
            goto fail;
        next(s);
    } else {
        if (s->tok.kind != QC_TOK_LPAREN) {
            err_at(p, s->tok.start, s->tok.end, "expected '(' and a list of values after 'in'");
            goto fail;
        }
        next(s);
        for (;;) {
            if (s->tok.kind != QC_TOK_STRING && s->tok.kind != QC_TOK_WORD) {
                err_at(p, s->tok.start, s->tok.end, "expected a value in quotes, found %s",
                       cur_text(s, buf, sizeof buf));
                goto fail;
            }
            if (push_value(s, &c) < 0)
                goto fail;
            next(s);
            if (s->tok.kind == QC_TOK_RPAREN)
                break;
            if (s->tok.kind != QC_TOK_COMMA) {
                err_at(p, s->tok.start, s->tok.end, "expected ',' or ')' in the list of values, found %s",
                       cur_text(s, buf, sizeof buf));
                goto fail;
            }
            next(s);
        }
        next(s);
    }
    if (expect_end(s) < 0)
        goto fail;
    if (grow_implied((void **)&def->conditions, def->condition_count, sizeof *def->conditions) < 0) {
        p->nomem = 1;
        goto fail;
    }
    def->conditions[def->condition_count++] = c;
    return;
fail:
    free_condition(&c);
}

static void st_ids(stmt *s, char ***list, uint32_t *count)
{
    parser *p = s->p;
    char buf[64];
    if (want_word(s, "one or more code ids") < 0)
        return;
    while (s->tok.kind == QC_TOK_WORD) {
        const char *id = p->joined.data + s->tok.start;
        size_t n = s->tok.end - s->tok.start;
        if (!qc_code_id_valid(id, n)) {
            err_at(p, s->tok.start, s->tok.end, "invalid code id '%s'", cur_text(s, buf, sizeof buf));
            return;
        }
        if (grow_implied((void **)list, *count, sizeof **list) < 0) {
            p->nomem = 1;
            return;
        }
        char *v = qc_cbp_dup(p, id, n);
        if (!v)
            return;
        (*list)[(*count)++] = v;
        next(s);
    }
    expect_end(s);
}

/* Where a statement may stand. */
static int placement_ok(stmt *s)
{
    parser *p = s->p;
    switch (s->k) {
    case KW_CODEBOOK:
    case KW_DESCRIPTION:
        if (s->code >= 0) {
            err_at(p, s->kwtok.start, s->kwtok.end, "'%s' belongs at the top of the file, not inside a code",
                   keywords[s->k]);
            return 0;
        }
        if (s->k == KW_DESCRIPTION && p->seen_code) {
            err_at(p, s->kwtok.start, s->kwtok.end, "'description' must come before the first code");
            return 0;
        }
        return 1;
    case KW_CODE: return 1;
    case KW_SCOPE:
    case KW_SPEAKERS:
    case KW_CASE:
    case KW_ACCENTS:
    case KW_MIN:
        if (s->code < 0 && p->seen_code) {
            err_at(p, s->kwtok.start, s->kwtok.end,
                   "'%s' at the top level sets a codebook default and must come before the first code (indent "
                   "it to set it for a code)",
                   keywords[s->k]);
            return 0;
        }
        return 1;
    default:
        if (s->code < 0) {
            err_at(p, s->kwtok.start, s->kwtok.end, "'%s' outside a code (indent it under a 'code' line)",
                   keywords[s->k]);
            return 0;
        }
        return 1;
    }
}

/* Pops codes that the statement's indentation closes, and checks the indentation against the
 * siblings before it. */
static void place(parser *p, stmt *s, uint32_t line, uint32_t indent)
{
    while (p->stack_len && p->cs[p->stack[p->stack_len - 1]].indent >= indent)
        p->stack_len--;
    s->code = p->stack_len ? p->stack[p->stack_len - 1] : -1;
    if (s->code < 0) {
        if (indent != 0)
            err_at(p, s->kwtok.start, s->kwtok.end,
                   "inconsistent indentation: main codes and codebook statements start in column 1 (this line is "
                   "indented by %u)",
                   indent);
        return;
    }
    code_state *cs = &p->cs[s->code];
    if (!cs->body_line) {
        cs->body_line = line;
        cs->body_indent = indent;
    } else if (cs->body_indent != indent) {
        err_at(p, s->kwtok.start, s->kwtok.end,
               "inconsistent indentation: this line is indented by %u, but the lines in code '%s' are indented by "
               "%u (line %u)",
               indent, p->cb->codes[s->code].id ? p->cb->codes[s->code].id : "?", cs->body_indent, cs->body_line);
    }
}

static void run_statement(parser *p)
{
    stmt s = {0};
    s.p = p;
    qc_lex_init(&s.lx, p->joined.data, p->joined.len, 0, 0);
    qc_lex_next(&s.lx, &s.kwtok);
    uint32_t line, col;
    qc_cbp_locate(p, 0, &line, &col);
    char buf[64];
    if (s.kwtok.kind != QC_TOK_WORD) {
        err_at(p, s.kwtok.start, s.kwtok.end, "expected a keyword at the start of the line, found %s",
               qc_cbp_tok_text(p, &s.kwtok, buf, sizeof buf));
        return;
    }
    s.k = (kw)p->stmt_kw;
    if (s.k == KW_NONE) {
        const char *w = qc_cbp_tok_text(p, &s.kwtok, buf, sizeof buf);
        const char *sug = suggest(w, keywords, KW_COUNT);
        if (sug)
            err_at(p, s.kwtok.start, s.kwtok.end, "unknown keyword '%s' (did you mean '%s'?)", w, sug);
        else
            err_at(p, s.kwtok.start, s.kwtok.end, "unknown keyword '%s'", w);
        return;
    }
    if (s.k == KW_COLOUR)
        s.k = KW_COLOR;
    place(p, &s, line, p->stmt_indent);
    if (!p->header_line && s.k != KW_CODEBOOK && !p->header_missing) {
        p->header_missing = 1;
        err_at(p, s.kwtok.start, s.kwtok.end, "missing header: the file must start with 'codebook \"NAME\"'");
    }
    if (!placement_ok(&s))
        return;
    next(&s);
    switch (s.k) {
    case KW_CODEBOOK: st_codebook(&s); break;
    case KW_DESCRIPTION:
        if (!p->description_line)
            p->description_line = line;
        strings_into(&s, &p->cb->description);
        break;
    case KW_CODE: st_code(&s, p->stmt_indent); break;
    case KW_DEFINE: strings_into(&s, &p->cb->codes[s.code].definition); break;
    case KW_GUIDANCE: strings_into(&s, &p->cb->codes[s.code].guidance); break;
    case KW_COLOR: st_color(&s); break;
    case KW_RULE: st_rule(&s); break;
    case KW_EXCLUDE: st_exclude(&s); break;
    case KW_WHERE: st_where(&s); break;
    case KW_MANUAL:
        if (once(&s, p->cs[s.code].set_line, QC_CBP_MANUAL) == 0 && expect_end(&s) == 0)
            p->cb->codes[s.code].manual = 1;
        break;
    case KW_WAS: st_ids(&s, &p->cb->codes[s.code].was, &p->cb->codes[s.code].was_count); break;
    case KW_MERGED_FROM: st_ids(&s, &p->cb->codes[s.code].merged_from, &p->cb->codes[s.code].merged_from_count); break;
    default:
        if (s.code >= 0)
            st_setting(&s, &p->cb->codes[s.code].settings, p->cs[s.code].set_line);
        else
            st_setting(&s, &p->cb->defaults, p->default_set_line);
        break;
    }
}

/* ---------------------------------------------------------------- lines */

static void flush(parser *p)
{
    if (!p->stmt_active)
        return;
    p->stmt_active = 0;
    if (qc_buf_failed(&p->joined)) {
        p->nomem = 1;
        return;
    }
    run_statement(p);
}

static int add_segment(parser *p, uint32_t line, size_t line_byte)
{
    if (QC_GROW(p->segs, p->seg_cap, p->seg_count + 1) < 0) {
        p->nomem = 1;
        return -1;
    }
    p->segs[p->seg_count].line = line;
    p->segs[p->seg_count].line_byte = line_byte;
    p->segs[p->seg_count].joined = p->joined.len;
    p->seg_count++;
    return 0;
}

static void bad_line(parser *p, uint32_t line, size_t byte, const char *message)
{
    flush(p);
    qc_diag_add(p->d, QC_SEVERITY_ERROR, line, qc_diag_column(p->d, line, byte), 1, "%s", message);
}

static void process_line(parser *p, uint32_t line, const char *s, size_t len, size_t line_byte0)
{
    const char *nul = memchr(s, '\0', len);
    if (nul) {
        bad_line(p, line, line_byte0 + (size_t)(nul - s), "NUL byte in the codebook");
        return;
    }
    size_t bad;
    if (!qc_utf8_valid(s, len, &bad)) {
        char msg[64];
        snprintf(msg, sizeof msg, "invalid UTF-8 (byte 0x%02x)", (unsigned char)s[bad]);
        bad_line(p, line, line_byte0 + bad, msg);
        return;
    }
    size_t indent = 0;
    while (indent < len && (s[indent] == ' ' || s[indent] == '\t')) {
        if (s[indent] == '\t') {
            bad_line(p, line, line_byte0 + indent, "tab in indentation (indent with spaces)");
            return;
        }
        indent++;
    }
    while (len > indent && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (indent == len || s[indent] == '#')
        return;
    /* The first word decides between a new statement and a continuation line. */
    size_t w = indent;
    while (w < len && ((s[w] >= 'a' && s[w] <= 'z') || (s[w] >= 'A' && s[w] <= 'Z') || s[w] == '-'))
        w++;
    kw k = (w == len || s[w] == ' ' || s[w] == '\t' || s[w] == '(' || s[w] == '"') ? keyword_of(s + indent, w - indent)
                                                                                   : KW_NONE;
    if (p->stmt_active && k == KW_NONE && indent > p->stmt_indent && continuable((kw)p->stmt_kw)) {
        qc_buf_putc(&p->joined, ' ');
        if (add_segment(p, line, line_byte0 + indent) < 0)
            return;
        qc_buf_append(&p->joined, s + indent, len - indent);
        return;
    }
    flush(p);
    qc_buf_clear(&p->joined);
    p->seg_count = 0;
    if (add_segment(p, line, line_byte0 + indent) < 0)
        return;
    qc_buf_append(&p->joined, s + indent, len - indent);
    p->stmt_indent = (uint32_t)indent;
    p->stmt_kw = k;
    p->stmt_active = 1;
}

/* Children lists and subtree ends, from the parent links. */
static int link_tree(qc_codebook *cb)
{
    size_t n = cb->code_count;
    cb->subtree_end = qc_malloc((n ? n : 1) * sizeof *cb->subtree_end);
    if (!cb->subtree_end)
        return -1;
    for (size_t c = 0; c < n; c++) {
        int32_t parent = cb->codes[c].parent;
        if (parent >= 0)
            cb->codes[parent].child_count++;
    }
    for (size_t c = 0; c < n; c++) {
        qc_code_def *def = &cb->codes[c];
        if (def->child_count) {
            def->children = qc_malloc(def->child_count * sizeof *def->children);
            if (!def->children)
                return -1;
            def->child_count = 0;
        }
    }
    for (size_t c = 0; c < n; c++) {
        int32_t parent = cb->codes[c].parent;
        if (parent >= 0)
            cb->codes[parent].children[cb->codes[parent].child_count++] = (int32_t)c;
    }
    /* In pre-order a subtree ends where the next code at the same or a lower depth starts. */
    for (size_t c = n; c-- > 0;) {
        const qc_code_def *def = &cb->codes[c];
        cb->subtree_end[c] = def->child_count ? cb->subtree_end[def->children[def->child_count - 1]] : (int32_t)c + 1;
    }
    return 0;
}

int qc_codebook_parse(qc_codebook *cb, const char *text, size_t size, qc_diag_list *d, const qc_codebook_options *opts)
{
    parser p = {0};
    p.cb = cb;
    p.d = d;
    p.opts = opts;
    p.stmt_kw = KW_NONE;
    /* The diagnostics list already knows where each line starts and ends (LF, CRLF or CR). */
    size_t bom = size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (uint32_t line = 1; line <= d->line_count && !p.nomem; line++) {
        size_t line_start = d->line_starts[line - 1];
        size_t pos = line == 1 ? bom : line_start;
        size_t end = qc_diag_line_end(d, line);
        process_line(&p, line, text + pos, end > pos ? end - pos : 0, pos - line_start);
    }
    if (!p.nomem)
        flush(&p);
    if (!p.nomem && !p.header_line && !p.header_missing)
        qc_diag_add(d, QC_SEVERITY_ERROR, 1, 1, 1, "empty codebook: the file must start with 'codebook \"NAME\"'");
    int nomem = p.nomem;
    if (!nomem && link_tree(cb) < 0)
        nomem = 1;
    qc_free(p.cs);
    qc_free(p.stack);
    qc_free(p.node_depth);
    qc_free(p.segs);
    qc_buf_free(&p.joined);
    qc_buf_free(&p.tmp);
    return nomem ? QC_ERR_NOMEM : 0;
}
