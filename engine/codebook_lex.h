/* Tokens of a .qcb statement. A statement is one line of the file, or several joined by
 * continuation lines (see docs/codebook.md); the lexer works on the joined text and reports
 * byte offsets into it, which the parser maps back to lines and columns. */
#ifndef QC_CODEBOOK_LEX_H
#define QC_CODEBOOK_LEX_H

#include <stddef.h>

#include "buf.h"

typedef enum qc_tok_kind {
    QC_TOK_END,
    QC_TOK_WORD,   /* a bare word: keyword, id, operator or term */
    QC_TOK_STRING, /* "..." */
    QC_TOK_REGEX,  /* /.../flags (expression mode only) */
    QC_TOK_REF,    /* {ID} or {ID*} (expression mode only) */
    QC_TOK_LPAREN,
    QC_TOK_RPAREN,
    QC_TOK_COMMA, /* argument mode only, as are = and != */
    QC_TOK_EQ,
    QC_TOK_NE,
    QC_TOK_ERROR
} qc_tok_kind;

typedef struct qc_token {
    qc_tok_kind kind;
    size_t start, end;             /* the whole token */
    size_t inner_start, inner_end; /* string contents, regex pattern, or reference id */
    size_t flags_start, flags_end; /* regex flags */
    int star;                      /* {ID*} */
    const char *error;             /* QC_TOK_ERROR: the message; the error is at err_start..err_end */
    size_t err_start, err_end;
} qc_token;

typedef struct qc_lexer {
    const char *s;
    size_t len;
    size_t pos;
    int expr; /* 1: rule expressions (regexes, references); 0: statement arguments */
} qc_lexer;

void qc_lex_init(qc_lexer *lx, const char *s, size_t len, size_t pos, int expr);
void qc_lex_next(qc_lexer *lx, qc_token *tok);

/* The value of a string token (escapes resolved) or a regex pattern (`\/` turned into `/`),
 * appended to out. */
void qc_lex_string_value(const char *s, const qc_token *tok, qc_buf *out);
void qc_lex_regex_value(const char *s, const qc_token *tok, qc_buf *out);

/* Whether the token's text equals `word` exactly. */
int qc_tok_is(const char *s, const qc_token *tok, const char *word);

#endif
