#include "codebook_lex.h"

#include <string.h>

void qc_lex_init(qc_lexer *lx, const char *s, size_t len, size_t pos, int expr)
{
    lx->s = s;
    lx->len = len;
    lx->pos = pos;
    lx->expr = expr;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Characters that end a bare word. */
static int ends_word(const qc_lexer *lx, size_t i)
{
    char c = lx->s[i];
    if (is_blank(c) || c == '(' || c == ')' || c == '"')
        return 1;
    if (lx->expr)
        return c == '{' || c == '}';
    return c == ',' || c == '=' || (c == '!' && i + 1 < lx->len && lx->s[i + 1] == '=');
}

static void fail(qc_token *tok, const char *message, size_t start, size_t end)
{
    tok->kind = QC_TOK_ERROR;
    tok->error = message;
    tok->err_start = start;
    tok->err_end = end;
}

static void lex_string(qc_lexer *lx, qc_token *tok)
{
    size_t i = lx->pos + 1;
    tok->inner_start = i;
    while (i < lx->len && lx->s[i] != '"') {
        if (lx->s[i] == '\\') {
            if (i + 1 < lx->len && (lx->s[i + 1] == '"' || lx->s[i + 1] == '\\')) {
                i += 2;
                continue;
            }
            fail(tok, "unknown escape in string (only \\\" and \\\\ are escapes)", i, i + 2 <= lx->len ? i + 2 : i + 1);
            lx->pos = lx->len;
            return;
        }
        i++;
    }
    if (i >= lx->len) {
        fail(tok, "unterminated string (missing closing '\"')", lx->pos, lx->pos + 1);
        lx->pos = lx->len;
        return;
    }
    tok->kind = QC_TOK_STRING;
    tok->inner_end = i;
    tok->end = i + 1;
    lx->pos = i + 1;
}

static void lex_regex(qc_lexer *lx, qc_token *tok)
{
    size_t i = lx->pos + 1;
    tok->inner_start = i;
    while (i < lx->len && lx->s[i] != '/')
        i += lx->s[i] == '\\' && i + 1 < lx->len ? 2 : 1;
    if (i >= lx->len) {
        fail(tok, "unterminated regular expression (missing closing '/')", lx->pos, lx->pos + 1);
        lx->pos = lx->len;
        return;
    }
    tok->inner_end = i;
    i++;
    tok->flags_start = i;
    while (i < lx->len && ((lx->s[i] >= 'a' && lx->s[i] <= 'z') || (lx->s[i] >= 'A' && lx->s[i] <= 'Z')))
        i++;
    tok->flags_end = i;
    tok->kind = QC_TOK_REGEX;
    tok->end = i;
    lx->pos = i;
}

static void lex_ref(qc_lexer *lx, qc_token *tok)
{
    size_t i = lx->pos + 1;
    while (i < lx->len && lx->s[i] != '}' && lx->s[i] != '{' && !is_blank(lx->s[i]) && lx->s[i] != ')')
        i++;
    if (i >= lx->len || lx->s[i] != '}') {
        fail(tok, "unterminated code reference (missing '}')", lx->pos, i > lx->pos ? i : lx->pos + 1);
        lx->pos = i;
        return;
    }
    tok->kind = QC_TOK_REF;
    tok->inner_start = lx->pos + 1;
    tok->inner_end = i;
    tok->star = i > tok->inner_start && lx->s[i - 1] == '*';
    if (tok->star)
        tok->inner_end--;
    tok->end = i + 1;
    lx->pos = i + 1;
}

void qc_lex_next(qc_lexer *lx, qc_token *tok)
{
    memset(tok, 0, sizeof *tok);
    while (lx->pos < lx->len && is_blank(lx->s[lx->pos]))
        lx->pos++;
    tok->start = lx->pos;
    tok->end = lx->pos + 1;
    if (lx->pos >= lx->len) {
        tok->kind = QC_TOK_END;
        tok->end = lx->pos;
        return;
    }
    char c = lx->s[lx->pos];
    switch (c) {
    case '"': lex_string(lx, tok); return;
    case '(':
        tok->kind = QC_TOK_LPAREN;
        lx->pos++;
        return;
    case ')':
        tok->kind = QC_TOK_RPAREN;
        lx->pos++;
        return;
    default: break;
    }
    if (lx->expr) {
        if (c == '/') {
            lex_regex(lx, tok);
            return;
        }
        if (c == '{') {
            lex_ref(lx, tok);
            return;
        }
        if (c == '}') {
            fail(tok, "unexpected '}'", lx->pos, lx->pos + 1);
            lx->pos++;
            return;
        }
    } else {
        if (c == ',') {
            tok->kind = QC_TOK_COMMA;
            lx->pos++;
            return;
        }
        if (c == '=') {
            tok->kind = QC_TOK_EQ;
            lx->pos++;
            return;
        }
        if (c == '!' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '=') {
            tok->kind = QC_TOK_NE;
            tok->end = lx->pos + 2;
            lx->pos += 2;
            return;
        }
    }
    size_t i = lx->pos;
    while (i < lx->len && !ends_word(lx, i))
        i++;
    tok->kind = QC_TOK_WORD;
    tok->end = i;
    lx->pos = i;
}

void qc_lex_string_value(const char *s, const qc_token *tok, qc_buf *out)
{
    for (size_t i = tok->inner_start; i < tok->inner_end; i++) {
        if (s[i] == '\\' && i + 1 < tok->inner_end)
            i++;
        qc_buf_putc(out, s[i]);
    }
}

void qc_lex_regex_value(const char *s, const qc_token *tok, qc_buf *out)
{
    for (size_t i = tok->inner_start; i < tok->inner_end; i++) {
        if (s[i] == '\\' && i + 1 < tok->inner_end && s[i + 1] == '/')
            i++;
        else if (s[i] == '\\' && i + 1 < tok->inner_end) {
            qc_buf_putc(out, s[i++]);
        }
        qc_buf_putc(out, s[i]);
    }
}

int qc_tok_is(const char *s, const qc_token *tok, const char *word)
{
    size_t n = strlen(word);
    return tok->end - tok->start == n && memcmp(s + tok->start, word, n) == 0;
}
