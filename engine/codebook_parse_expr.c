/* The rule-expression parser of the .qcb language: OR, AND, NOT, NEAR/n and BEFORE/n over terms,
 * phrases, /regexes/ and {REF}s, into the codebook's node array (docs/codebook.md, "Rule
 * expressions"). Patterns are checked here (empty ones, wildcards, punctuation between words);
 * they are split and folded later by codebook_compile.c. The statements around the expressions
 * are codebook_parse.c's. */
#include "codebook_parse_expr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "codebook_parse.h"
#include "text.h"

typedef qc_cbp parser;

static void __attribute__((format(printf, 4, 5))) err_at(parser *p, size_t start, size_t end, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qc_cbp_vreport(p, QC_SEVERITY_ERROR, start, end, fmt, ap);
    va_end(ap);
}

static void __attribute__((format(printf, 4, 5))) warn_at(parser *p, size_t start, size_t end, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qc_cbp_vreport(p, QC_SEVERITY_WARNING, start, end, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- nodes */

/* Where a node is written: computed when its token is read, left to right, which keeps column
 * counting linear on very long lines. */
typedef struct node_pos {
    uint32_t line, column, length;
} node_pos;

static node_pos pos_of(parser *p, size_t start, size_t end)
{
    node_pos np;
    qc_cbp_locate(p, start, &np.line, &np.column);
    np.length = qc_cbp_span_length(p, start, end);
    return np;
}

static int32_t new_node_at(parser *p, qc_node_kind kind, node_pos np, uint16_t depth)
{
    qc_codebook *cb = p->cb;
    if (QC_GROW(cb->nodes, p->node_cap, cb->node_count + 1) < 0 ||
        QC_GROW(p->node_depth, p->node_depth_cap, cb->node_count + 1) < 0) {
        p->nomem = 1;
        return -1;
    }
    qc_rule_node *n = &cb->nodes[cb->node_count];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = np.line;
    n->column = np.column;
    n->length = np.length;
    n->left = n->right = -1;
    n->code = -1;
    n->leaf = -1;
    if (kind == QC_NODE_PATTERN || kind == QC_NODE_REGEX)
        n->leaf = (int32_t)cb->leaf_count++;
    p->node_depth[cb->node_count] = depth;
    return (int32_t)cb->node_count++;
}

static int32_t new_node(parser *p, qc_node_kind kind, size_t start, size_t end, uint16_t depth)
{
    return new_node_at(p, kind, pos_of(p, start, end), depth);
}

/* ---------------------------------------------------------------- expressions */

typedef enum op { OP_NONE, OP_AND, OP_OR, OP_NOT, OP_NEAR, OP_BEFORE, OP_BAD } op;

typedef struct xparser {
    parser *p;
    qc_lexer lx;
    qc_token tok;
    qc_token prev; /* the token before tok (the keyword at first) */
    int failed;
    int32_t code;
    int exclude; /* an 'exclude' line: patterns joined by OR */
} xparser;

static const char *S(const xparser *x)
{
    return x->p->joined.data;
}

static op word_op(const char *s, const qc_token *t, uint32_t *dist)
{
    if (t->kind != QC_TOK_WORD)
        return OP_NONE;
    size_t n = t->end - t->start;
    const char *w = s + t->start;
    if (qc_tok_is(s, t, "AND"))
        return OP_AND;
    if (qc_tok_is(s, t, "OR"))
        return OP_OR;
    if (qc_tok_is(s, t, "NOT"))
        return OP_NOT;
    op o;
    size_t k;
    if (n >= 4 && memcmp(w, "NEAR", 4) == 0)
        o = OP_NEAR, k = 4;
    else if (n >= 6 && memcmp(w, "BEFORE", 6) == 0)
        o = OP_BEFORE, k = 6;
    else
        return OP_NONE;
    if (n == k) {
        *dist = 5;
        return o;
    }
    if (w[k] != '/')
        return OP_NONE; /* NEARBY, BEFOREHAND: terms */
    if (qc_cbp_parse_uint(w + k + 1, n - k - 1, QC_MAX_DISTANCE, dist) < 0)
        return OP_BAD;
    return o;
}

/* and/or/not (or near/N, before/N) not in upper case: probably meant as an operator. */
static int soft_op(const char *s, const qc_token *t)
{
    uint32_t dist;
    if (t->kind != QC_TOK_WORD || word_op(s, t, &dist) != OP_NONE)
        return 0;
    size_t n = t->end - t->start;
    char w[8];
    if (n == 0 || n >= sizeof w)
        goto slash;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)(s[t->start + i] >= 'A' && s[t->start + i] <= 'Z' ? s[t->start + i] + 32 : s[t->start + i]);
    w[n] = '\0';
    if (strcmp(w, "and") == 0 || strcmp(w, "or") == 0 || strcmp(w, "not") == 0)
        return 1;
slash:;
    const char *slash = memchr(s + t->start, '/', n);
    if (!slash)
        return 0;
    size_t k = (size_t)(slash - (s + t->start));
    uint32_t d;
    if (qc_cbp_parse_uint(slash + 1, n - k - 1, UINT32_MAX / 2, &d) < 0)
        return 0;
    return (k == 4 && strncasecmp(s + t->start, "near", 4) == 0) ||
           (k == 6 && strncasecmp(s + t->start, "before", 6) == 0);
}

static int starts_operand(const char *s, const qc_token *t)
{
    uint32_t d;
    switch (t->kind) {
    case QC_TOK_STRING:
    case QC_TOK_REGEX:
    case QC_TOK_REF:
    case QC_TOK_LPAREN: return 1;
    case QC_TOK_WORD: {
        op o = word_op(s, t, &d);
        return o == OP_NONE || o == OP_NOT;
    }
    default: return 0;
    }
}

static void advance(xparser *x)
{
    x->prev = x->tok;
    qc_lex_next(&x->lx, &x->tok);
    if (x->tok.kind == QC_TOK_ERROR && !x->failed) {
        err_at(x->p, x->tok.err_start, x->tok.err_end, "%s", x->tok.error);
        x->failed = 1;
    }
}

static void soft_op_error(xparser *x, const qc_token *t)
{
    char buf[64], up[64];
    const char *w = qc_cbp_tok_text(x->p, t, buf, sizeof buf);
    size_t i = 0;
    for (; w[i] && i + 1 < sizeof up; i++)
        up[i] = (char)(w[i] >= 'a' && w[i] <= 'z' ? w[i] - 32 : w[i]);
    up[i] = '\0';
    err_at(x->p, t->start, t->end, "'%s' is not an operator here: write %s, or quote the word as \"%s\"", w, up, w);
    x->failed = 1;
}

static int32_t parse_or(xparser *x, unsigned nesting);

static int has_hits(const qc_codebook *cb, int32_t n)
{
    const qc_rule_node *node = &cb->nodes[n];
    switch (node->kind) {
    case QC_NODE_PATTERN:
    case QC_NODE_REGEX:
    case QC_NODE_NEAR:
    case QC_NODE_BEFORE: return 1;
    case QC_NODE_CODEREF:
    case QC_NODE_NOT: return 0;
    default: return has_hits(cb, node->left) || has_hits(cb, node->right);
    }
}

/* Whether text[a..b) is all white space; if not, *bad is where the first other character is. */
static int gap_is_space(const char *text, size_t len, size_t a, size_t b, size_t *bad)
{
    for (size_t i = a; i < b;) {
        size_t at = i;
        int32_t cp = qc_utf8_decode(text, len, &i);
        if (cp < 0)
            return 1; /* not reached: the line was checked as UTF-8 */
        if (!qc_char_is_space(cp)) {
            *bad = at;
            return 0;
        }
    }
    return 1;
}

/* A rewrite offered in a warning: short, or none (`full`). No allocation, so a warning never
 * fails for memory. */
typedef struct suggestion {
    char text[104];
    size_t len;
    int full;
} suggestion;

static void sg_put(suggestion *sg, const char *s, size_t n)
{
    if (sg->full || sg->len + n >= sizeof sg->text) {
        sg->full = 1;
        return;
    }
    memcpy(sg->text + sg->len, s, n);
    sg->len += n;
    sg->text[sg->len] = '\0';
}

/* A lone word that reads as an operator (or as a lower-case one) keeps its quotes. */
static int reads_as_operator(const char *w, size_t n)
{
    static const char *const ops[] = {"and", "or", "not", "near", "before"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strlen(ops[i]) == n && strncasecmp(w, ops[i], n) == 0)
            return 1;
    return 0;
}

/* Closes a group of words opened with a quote at `open`: a lone word loses its quote. */
static void sg_close_group(suggestion *sg, size_t open, int words, const char *last, size_t last_len)
{
    if (sg->full)
        return;
    if (words == 1 && !reads_as_operator(last, last_len)) {
        memmove(sg->text + open, sg->text + open + 1, sg->len - open);
        sg->len--;
    } else {
        sg_put(sg, "\"", 1);
    }
}

/* The pattern as a rule can say it: its runs of words with only white space between them (each a
 * term or a phrase) joined by BEFORE/0, which holds with no word between them, whatever the
 * punctuation: "e.g." gives e BEFORE/0 g, "Dr. J. Smith" gives Dr BEFORE/0 J BEFORE/0 Smith. */
static void suggest_before(suggestion *sg, const char *text, size_t len)
{
    size_t pos = 0, ws, we, prev_end = 0, bad, open = 0, last = 0, last_len = 0;
    int words = 0;
    while (qc_word_scan(text, len, &pos, 1, &ws, &we)) {
        if (words && gap_is_space(text, len, prev_end, ws, &bad)) {
            sg_put(sg, " ", 1);
        } else {
            if (words) {
                sg_close_group(sg, open, words, text + last, last_len);
                sg_put(sg, " BEFORE/0 ", 10);
            }
            open = sg->len;
            sg_put(sg, "\"", 1);
            words = 0;
        }
        sg_put(sg, text + ws, we - ws);
        words++;
        last = ws;
        last_len = we - ws;
        prev_end = we;
    }
    sg_close_group(sg, open, words, text + last, last_len);
}

/* The pattern as a regular expression, for 'exclude' (which takes no BEFORE): its text from the
 * first word to the last, punctuation escaped, white space as \s+, wildcards as \w* and \w. */
static void suggest_regex(suggestion *sg, const char *text, size_t len)
{
    size_t pos = 0, ws, we, first = len, last = 0;
    while (qc_word_scan(text, len, &pos, 1, &ws, &we)) {
        if (first == len)
            first = ws;
        last = we;
    }
    sg_put(sg, "/", 1);
    int in_space = 0;
    for (size_t i = first; i < last;) {
        size_t at = i;
        int32_t cp = qc_utf8_decode(text, len, &i);
        if (cp < 0)
            break;
        if (qc_char_is_space(cp)) {
            if (!in_space)
                sg_put(sg, "\\s+", 3);
            in_space = 1;
            continue;
        }
        in_space = 0;
        if (cp == '*')
            sg_put(sg, "\\w*", 3);
        else if (cp == '?')
            sg_put(sg, "\\w", 2);
        else {
            if (cp < 0x80 && strchr("\\^$.|+()[]{}/", (int)cp))
                sg_put(sg, "\\", 1);
            sg_put(sg, text + at, i - at);
        }
    }
    sg_put(sg, "/", 1);
}

/* How much of a pattern a message shows: all of it, or 57 bytes cut before a character and "..." */
static int shown_length(const char *text, size_t len, const char **more)
{
    *more = "";
    if (len <= 60)
        return (int)len;
    int shown = 57;
    while (shown > 0 && ((unsigned char)text[shown] & 0xC0) == 0x80)
        shown--;
    *more = "...";
    return shown;
}

/* Text is matched word by word, and the words of a phrase only with white space between them, so
 * punctuation between two words of a pattern ("e.g.", "Dr. Smith", "24/7") can never be matched
 * where the text has it. Matching it would need the matcher to compare the punctuation too; a
 * warning says so once per pattern, at the pattern, with what to write instead. */
static void check_punctuation(xparser *x, const char *text, size_t len, size_t start, size_t end)
{
    size_t pos = 0, ws, we, prev_end = 0, bad = 0;
    int words = 0, found = 0;
    while (!found && qc_word_scan(text, len, &pos, 1, &ws, &we)) {
        found = words && !gap_is_space(text, len, prev_end, ws, &bad);
        words++;
        prev_end = we;
    }
    if (!found)
        return;
    size_t i = bad;
    qc_utf8_decode(text, len, &i);
    char mark[16];
    snprintf(mark, sizeof mark, text[bad] == '\'' ? "\"%.*s\"" : "'%.*s'", (int)(i - bad), text + bad);
    const char *more;
    int shown = shown_length(text, len, &more);
    suggestion sg = {{0}, 0, 0};
    if (x->exclude)
        suggest_regex(&sg, text, len);
    else
        suggest_before(&sg, text, len);
    char advice[160];
    if (x->exclude && !sg.full)
        snprintf(advice, sizeof advice, "in 'exclude', write a regular expression such as %s", sg.text);
    else if (x->exclude)
        snprintf(advice, sizeof advice, "in 'exclude', write a regular expression instead");
    else if (!sg.full)
        snprintf(advice, sizeof advice, "write %s to allow it", sg.text);
    else
        snprintf(advice, sizeof advice, "join its parts with BEFORE/0 to allow it");
    warn_at(x->p, start, end,
            "\"%.*s%s\" can never match text with the %s in it: the words of a pattern match only with white space "
            "between them (%s)",
            shown, text, more, mark, advice);
}

/* How many '?' end the word text[ws..we) (bytes: '?' is ASCII). */
static size_t trailing_qmarks(const char *text, size_t ws, size_t we)
{
    size_t n = 0;
    while (we - n > ws && text[we - n - 1] == '?')
        n++;
    return n;
}

/* Whether the '?'s that end a word are a question mark more likely than a wildcard: they follow a
 * letter or digit of the word ("what?", "wom?n?"), or stand alone after another word ("quoi ?").
 * A '?' inside a word ("organi?ation", "wom?n") is a wildcard on purpose and is not one of these;
 * nor is a pattern that is only '?' (the wildcard checks of check_pattern speak for it). */
static int question_mark_word(const char *text, size_t len, size_t ws, size_t we, int first)
{
    size_t q = trailing_qmarks(text, ws, we);
    if (q == 0)
        return 0;
    if (q == we - ws)
        return !first;
    for (size_t i = ws; i < we - q;) {
        int32_t cp = qc_utf8_decode(text, len, &i);
        if (cp != '*' && cp != '?' && !qc_char_is_mark(cp))
            return 1;
    }
    return 0;
}

/* Where byte `off` of a pattern's text is in the joined statement: a quoted pattern's text has
 * its \" and \\ unescaped, a bare word's is the statement's own. */
static size_t pattern_offset_to_joined(const char *s, size_t start, size_t off)
{
    if (s[start] != '"')
        return start + off;
    size_t i = start + 1;
    for (size_t v = 0; v < off; v++)
        i += s[i] == '\\' ? 2 : 1;
    return i;
}

/* Puts s[0..n) into a quoted pattern, with '"' and '\' escaped. */
static void sg_put_quoted(suggestion *sg, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            sg_put(sg, "\\", 1);
        sg_put(sg, s + i, 1);
    }
}

/* Researchers write "what?" for a question, but '?' in a pattern is a one-letter wildcard and a
 * question mark is punctuation, which is not part of the words text is matched by: "what?"
 * matches "whats" and never "what?". A warning says so once per pattern, at the first such '?',
 * with two rewrites: the pattern without those '?'s (what it matches then is the words), and a
 * regular expression that requires them. */
static void check_question_marks(xparser *x, const char *text, size_t len, size_t start)
{
    size_t pos = 0, ws, we, at = 0, at_len = 0;
    int words = 0, kept = 0, found = 0;
    const char *kept_word = "";
    size_t kept_len = 0;
    suggestion drop = {{0}, 0, 0}, rx = {{0}, 0, 0};
    size_t prev_end = 0;
    sg_put(&rx, "/", 1);
    while (qc_word_scan(text, len, &pos, 1, &ws, &we)) {
        int q = question_mark_word(text, len, ws, we, words == 0);
        size_t nq = q ? trailing_qmarks(text, ws, we) : 0;
        if (q && !found) {
            found = 1;
            at = we - nq;
            at_len = nq;
        }
        if (words == 0) {
            if (qc_word_byte_class[(unsigned char)text[ws]] & (QC_WC_WORD | QC_WC_HIGH))
                sg_put(&rx, "\\b", 2);
        }
        /* The regular expression: the text from the first word to the last, as suggest_regex
         * writes it, with these '?'s as \?. */
        int in_space = 0;
        for (size_t i = words ? prev_end : ws; i < we;) {
            size_t c0 = i;
            int32_t cp = qc_utf8_decode(text, len, &i);
            if (cp < 0)
                break;
            if (qc_char_is_space(cp)) {
                if (!in_space)
                    sg_put(&rx, "\\s+", 3);
                in_space = 1;
                continue;
            }
            in_space = 0;
            if (cp == '?' && c0 >= we - nq)
                sg_put(&rx, "\\?", 2);
            else if (cp == '*' && c0 >= ws)
                sg_put(&rx, "\\w*", 3);
            else if (cp == '?' && c0 >= ws)
                sg_put(&rx, "\\w", 2);
            else {
                if (cp < 0x80 && strchr("\\^$.|+()[]{}/*?", (int)cp))
                    sg_put(&rx, "\\", 1);
                sg_put(&rx, text + c0, i - c0);
            }
        }
        /* The pattern without them: a word that was only '?'s goes with the space before it. */
        if (we - nq > ws) {
            if (kept)
                sg_put_quoted(&drop, text + prev_end, ws - prev_end);
            sg_put_quoted(&drop, text + ws, we - nq - ws);
            kept++;
            kept_word = text + ws;
            kept_len = we - nq - ws;
        }
        prev_end = we;
        words++;
    }
    if (!found)
        return;
    sg_put(&rx, "/", 1);
    /* A lone word needs no quotes, unless it reads as an operator. */
    int quote = kept > 1 || reads_as_operator(kept_word, kept_len) || memchr(drop.text, '\\', drop.len);
    char bare[sizeof drop.text + 2];
    snprintf(bare, sizeof bare, quote ? "\"%s\"" : "%s", drop.text);
    const char *more;
    int shown = shown_length(text, len, &more);
    char advice[sizeof bare + sizeof rx.text + 64];
    if (!drop.full && !rx.full)
        snprintf(advice, sizeof advice, "write %s to match the word%s, or %s to require the question mark", bare,
                 kept > 1 ? "s" : "", rx.text);
    else
        snprintf(advice, sizeof advice,
                 "drop the '?' to match the words, or write a regular expression with \\? to require the question "
                 "mark");
    size_t j = pattern_offset_to_joined(S(x), start, at);
    warn_at(x->p, j, pattern_offset_to_joined(S(x), start, at + at_len),
            "\"%.*s%s\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and punctuation is "
            "not part of words (%s)",
            shown, text, more, advice);
}

static void check_pattern(xparser *x, const char *text, size_t len, size_t start, size_t end)
{
    parser *p = x->p;
    size_t pos = 0, ws, we;
    int words = 0;
    check_punctuation(x, text, len, start, end);
    check_question_marks(x, text, len, start);
    while (qc_word_scan(text, len, &pos, 1, &ws, &we)) {
        /* Wildcards that leave fewer than two letters to look for; '?'s warned about as question
         * marks are not counted as wildcards ("a?" gets that warning, not this one). */
        size_t literal = 0, prefix = 0, wend = we;
        if (question_mark_word(text, len, ws, we, words == 0))
            wend -= trailing_qmarks(text, ws, we);
        words++;
        int wild = 0;
        for (size_t i = ws; i < wend;) {
            int32_t cp = qc_utf8_decode(text, len, &i);
            if (cp == '*' || cp == '?')
                wild = 1;
            else if (!qc_char_is_mark(cp)) {
                literal++;
                prefix += !wild;
            }
        }
        if (wild && literal < 2)
            warn_at(p, start, end, "'%.*s' matches almost any word (write at least 2 letters with a wildcard)",
                    (int)(we - ws), text + ws);
        else if (wild && prefix < 2)
            warn_at(p, start, end,
                    "'%.*s' begins with a wildcard: it is tried on every word (write at least 2 letters before "
                    "'*' or '?' when you can)",
                    (int)(we - ws), text + ws);
    }
    if (!words) {
        size_t i = 0;
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        if (i == len)
            err_at(p, start, end, "empty pattern");
        else
            err_at(p, start, end, "empty pattern: '%.*s' has no letters or digits", (int)len, text);
    }
}

static int32_t leaf_pattern(xparser *x, const char *text, size_t len, size_t start, size_t end, uint16_t depth)
{
    int32_t n = new_node(x->p, QC_NODE_PATTERN, start, end, depth);
    if (n < 0)
        return -1;
    x->p->cb->nodes[n].source = qc_cbp_dup(x->p, text, len);
    check_pattern(x, text, len, start, end);
    return n;
}

/* Maps a byte offset in a regex's unescaped pattern back to the joined statement. */
static size_t regex_offset_to_joined(const char *s, const qc_token *t, size_t offset)
{
    size_t i = t->inner_start, v = 0;
    while (i < t->inner_end && v < offset) {
        i += s[i] == '\\' && i + 1 < t->inner_end && s[i + 1] == '/' ? 2 : 1;
        v++;
    }
    return i;
}

static int32_t leaf_regex(xparser *x, uint16_t depth)
{
    parser *p = x->p;
    const qc_token *t = &x->tok;
    int32_t n = new_node(p, QC_NODE_REGEX, t->start, t->end, depth);
    if (n < 0)
        return -1;
    qc_buf_clear(&p->tmp);
    qc_lex_regex_value(S(x), t, &p->tmp);
    if (qc_buf_failed(&p->tmp)) {
        p->nomem = 1;
        return -1;
    }
    unsigned flags = 0;
    uint8_t rcase = 0;
    int bad = 0;
    for (size_t i = t->flags_start; i < t->flags_end; i++) {
        char c = S(x)[i];
        switch (c) {
        case 'i':
        case 'c':
            if (rcase && rcase != c) {
                err_at(p, i, i + 1, "regular expression flags 'i' and 'c' contradict each other");
                bad = 1;
            }
            rcase = (uint8_t)c;
            break;
        case 'x': flags |= QC_REGEX_EXTENDED; break;
        case 's': flags |= QC_REGEX_DOTALL; break;
        case 'm': flags |= QC_REGEX_MULTILINE; break;
        default: err_at(p, i, i + 1, "unknown regular expression flag '%c' (expected i, c, x, s or m)", c); bad = 1;
        }
    }
    qc_rule_node *node = &p->cb->nodes[n];
    node->regex_case = rcase;
    node->source = qc_cbp_dup(p, p->tmp.data ? p->tmp.data : "", p->tmp.len);
    if (!node->source)
        return -1;
    if (p->tmp.len == 0) {
        err_at(p, t->start, t->end, "empty pattern");
        return n;
    }
    if (bad)
        return n;
    /* Compiled now to report syntax errors at their column; the compiler recompiles when the
     * code's final case setting asks for other flags. */
    const qc_code_def *code = &p->cb->codes[x->code];
    if (rcase == 'i' || (rcase == 0 && !code->settings.case_sensitive))
        flags |= QC_REGEX_CASELESS;
    size_t eo = 0;
    char message[256];
    uint32_t ml = p->opts ? p->opts->regex_match_limit : 0, hl = p->opts ? p->opts->regex_heap_limit_kib : 0;
    int rc =
        qc_regex_compile(&node->regex, node->source, strlen(node->source), flags, ml, hl, &eo, message, sizeof message);
    if (rc == QC_ERR_NOMEM) {
        p->nomem = 1;
        return -1;
    }
    if (rc < 0) {
        /* An offset at the end of the pattern (a missing ')') points at the closing slash. */
        size_t at = regex_offset_to_joined(S(x), t, eo);
        err_at(p, at, at + 1, "invalid regular expression: %s", message);
        node->regex = NULL;
    }
    node->regex_flags = flags;
    return n;
}

static int32_t leaf_ref(xparser *x, uint16_t depth)
{
    parser *p = x->p;
    const qc_token *t = &x->tok;
    int32_t n = new_node(p, QC_NODE_CODEREF, t->start, t->end, depth);
    if (n < 0)
        return -1;
    size_t len = t->inner_end - t->inner_start;
    const char *id = S(x) + t->inner_start;
    p->cb->nodes[n].descendants = (uint8_t)t->star;
    p->cb->nodes[n].source = qc_cbp_dup(p, id, len);
    if (!qc_code_id_valid(id, len)) {
        char buf[64];
        err_at(p, t->start, t->end, "invalid code reference '%s': expected {ID} or {ID*}",
               qc_cbp_tok_text(p, t, buf, sizeof buf));
    }
    return n;
}

static void missing_operand(xparser *x)
{
    parser *p = x->p;
    char a[64], b[64];
    const qc_token *t = &x->tok;
    size_t at = t->kind == QC_TOK_END ? x->prev.start : t->start;
    size_t to = t->kind == QC_TOK_END ? x->prev.end : t->end;
    if (x->prev.kind == QC_TOK_LPAREN && t->kind == QC_TOK_RPAREN)
        err_at(p, x->prev.start, t->end, "empty parentheses");
    else if (x->prev.kind == QC_TOK_LPAREN ||
             (x->prev.kind == QC_TOK_WORD && word_op(S(x), &x->prev, &(uint32_t){0}) != OP_NONE))
        err_at(p, at, to, "expected an operand after %s%s%s", x->prev.kind == QC_TOK_LPAREN ? "'" : "",
               qc_cbp_tok_text(p, &x->prev, a, sizeof a), x->prev.kind == QC_TOK_LPAREN ? "'" : "");
    else if (t->kind == QC_TOK_END)
        err_at(p, x->prev.start, x->prev.end, "expected an expression after '%s'",
               qc_cbp_tok_text(p, &x->prev, a, sizeof a));
    else if (t->kind == QC_TOK_RPAREN)
        err_at(p, at, to, "unexpected ')'");
    else
        err_at(p, at, to, "expected an operand before %s", qc_cbp_tok_text(p, t, b, sizeof b));
    x->failed = 1;
}

static int32_t parse_primary(xparser *x, unsigned nesting)
{
    parser *p = x->p;
    if (x->failed)
        return -1;
    qc_token t = x->tok;
    uint32_t d;
    switch (t.kind) {
    case QC_TOK_STRING: {
        qc_buf_clear(&p->tmp);
        qc_lex_string_value(S(x), &t, &p->tmp);
        if (qc_buf_failed(&p->tmp)) {
            p->nomem = 1;
            return -1;
        }
        int32_t n = leaf_pattern(x, qc_buf_cstr(&p->tmp), p->tmp.len, t.start, t.end, 1);
        advance(x);
        return n;
    }
    case QC_TOK_WORD: {
        if (word_op(S(x), &t, &d) != OP_NONE) {
            missing_operand(x);
            return -1;
        }
        if (soft_op(S(x), &t)) {
            qc_lexer peek = x->lx;
            qc_token next;
            qc_lex_next(&peek, &next);
            if (starts_operand(S(x), &next)) {
                soft_op_error(x, &t);
                return -1;
            }
        }
        int32_t n = leaf_pattern(x, S(x) + t.start, t.end - t.start, t.start, t.end, 1);
        advance(x);
        return n;
    }
    case QC_TOK_REGEX: {
        int32_t n = leaf_regex(x, 1);
        advance(x);
        return n;
    }
    case QC_TOK_REF: {
        int32_t n = leaf_ref(x, 1);
        advance(x);
        return n;
    }
    case QC_TOK_LPAREN: {
        if (nesting >= QC_EXPR_MAX_NESTING) {
            err_at(p, t.start, t.end, "expression nested too deeply (more than %d levels)", QC_EXPR_MAX_NESTING);
            x->failed = 1;
            return -1;
        }
        advance(x);
        int32_t n = parse_or(x, nesting + 1);
        if (n < 0 || x->failed)
            return -1;
        if (x->tok.kind != QC_TOK_RPAREN) {
            char buf[64];
            uint32_t line, col;
            qc_cbp_locate(p, t.start, &line, &col);
            if (x->tok.kind == QC_TOK_END)
                err_at(p, t.start, t.end, "missing ')' to close this '('");
            else if (soft_op(S(x), &x->tok))
                soft_op_error(x, &x->tok);
            else
                err_at(p, x->tok.start, x->tok.end, "expected an operator or ')' before %s",
                       qc_cbp_tok_text(p, &x->tok, buf, sizeof buf));
            x->failed = 1;
            return -1;
        }
        advance(x);
        return n;
    }
    default: missing_operand(x); return -1;
    }
}

static int32_t combine(xparser *x, qc_node_kind kind, const qc_token *optok, node_pos np, int32_t l, int32_t r,
                       uint32_t dist)
{
    parser *p = x->p;
    uint16_t dl = p->node_depth[l], dr = r >= 0 ? p->node_depth[r] : 0;
    uint16_t depth = (uint16_t)((dl > dr ? dl : dr) + 1);
    if (depth > QC_EXPR_MAX_DEPTH) {
        err_at(p, optok->start, optok->end, "expression too deep (more than %d levels of operators)",
               QC_EXPR_MAX_DEPTH);
        x->failed = 1;
        return -1;
    }
    int32_t n = new_node_at(p, kind, np, depth);
    if (n < 0)
        return -1;
    p->cb->nodes[n].left = l;
    p->cb->nodes[n].right = r;
    p->cb->nodes[n].distance = dist;
    return n;
}

static int32_t parse_prox(xparser *x, unsigned nesting)
{
    int32_t l = parse_primary(x, nesting);
    uint32_t dist = 0;
    for (;;) {
        if (l < 0 || x->failed)
            return -1;
        op o = word_op(S(x), &x->tok, &dist);
        if (o == OP_BAD) {
            char buf[64];
            err_at(x->p, x->tok.start, x->tok.end, "invalid distance in '%s' (expected a whole number, as in NEAR/5)",
                   qc_cbp_tok_text(x->p, &x->tok, buf, sizeof buf));
            x->failed = 1;
            return -1;
        }
        if (o != OP_NEAR && o != OP_BEFORE)
            return l;
        qc_token optok = x->tok;
        advance(x);
        if (word_op(S(x), &x->tok, &(uint32_t){0}) == OP_NOT) {
            char buf[64];
            err_at(x->p, x->tok.start, x->tok.end,
                   "NOT cannot follow %s: NOT has no hits to be near (write NOT (A %s B))",
                   qc_cbp_tok_text(x->p, &optok, buf, sizeof buf), o == OP_NEAR ? "NEAR" : "BEFORE");
            x->failed = 1;
            return -1;
        }
        int32_t r = parse_primary(x, nesting);
        if (r < 0 || x->failed)
            return -1;
        const qc_codebook *cb = x->p->cb;
        if (!has_hits(cb, l) || !has_hits(cb, r)) {
            char buf[64];
            warn_at(x->p, optok.start, optok.end,
                    "this %s can never hold: a {CODE} reference or a NOT on either side has no hits to measure",
                    qc_cbp_tok_text(x->p, &optok, buf, sizeof buf));
        }
        l = combine(x, o == OP_NEAR ? QC_NODE_NEAR : QC_NODE_BEFORE, &optok, pos_of(x->p, optok.start, optok.end), l, r,
                    dist);
    }
}

static int32_t parse_not(xparser *x, unsigned nesting)
{
    if (x->failed)
        return -1;
    if (word_op(S(x), &x->tok, &(uint32_t){0}) != OP_NOT)
        return parse_prox(x, nesting);
    qc_token optok = x->tok;
    if (nesting >= QC_EXPR_MAX_NESTING) {
        err_at(x->p, optok.start, optok.end, "expression nested too deeply (more than %d levels)", QC_EXPR_MAX_NESTING);
        x->failed = 1;
        return -1;
    }
    node_pos np = pos_of(x->p, optok.start, optok.end);
    advance(x);
    int32_t c = parse_not(x, nesting + 1);
    if (c < 0 || x->failed)
        return -1;
    return combine(x, QC_NODE_NOT, &optok, np, c, -1, 0);
}

typedef struct chain_op {
    qc_token tok;
    node_pos pos;
} chain_op;

typedef struct chain {
    int32_t *items;
    chain_op *ops;
    size_t count, cap, ops_cap;
} chain;

static int chain_push(parser *p, chain *c, int32_t item, const qc_token *optok, node_pos np)
{
    if (QC_GROW(c->items, c->cap, c->count + 1) < 0 || (optok && QC_GROW(c->ops, c->ops_cap, c->count) < 0)) {
        p->nomem = 1;
        return -1;
    }
    if (optok) {
        c->ops[c->count - 1].tok = *optok;
        c->ops[c->count - 1].pos = np;
    }
    c->items[c->count++] = item;
    return 0;
}

/* A chain of one associative operator becomes a balanced tree: a long list of synonyms joined
 * by OR stays shallow, so walking the tree never runs deep. */
static int32_t balance(xparser *x, qc_node_kind kind, const chain *c, size_t lo, size_t hi)
{
    if (hi - lo == 1)
        return c->items[lo];
    size_t mid = (lo + hi) / 2;
    int32_t l = balance(x, kind, c, lo, mid);
    if (l < 0)
        return -1;
    int32_t r = balance(x, kind, c, mid, hi);
    if (r < 0)
        return -1;
    return combine(x, kind, &c->ops[mid - 1].tok, c->ops[mid - 1].pos, l, r, 0);
}

static int32_t parse_chain(xparser *x, unsigned nesting, op which)
{
    chain c = {0};
    int32_t result = -1;
    int32_t first = which == OP_OR ? parse_chain(x, nesting, OP_AND) : parse_not(x, nesting);
    node_pos none = {0, 0, 0};
    if (first < 0 || x->failed || chain_push(x->p, &c, first, NULL, none) < 0)
        goto done;
    while (word_op(S(x), &x->tok, &(uint32_t){0}) == which) {
        qc_token optok = x->tok;
        node_pos np = pos_of(x->p, optok.start, optok.end);
        advance(x);
        int32_t next = which == OP_OR ? parse_chain(x, nesting, OP_AND) : parse_not(x, nesting);
        if (next < 0 || x->failed || chain_push(x->p, &c, next, &optok, np) < 0)
            goto done;
    }
    /* X AND NOT X is warned about once compiled (codebook_compile.c), where patterns are folded
     * as the code matches them. */
    result = balance(x, which == OP_OR ? QC_NODE_OR : QC_NODE_AND, &c, 0, c.count);
done:
    qc_free(c.items);
    qc_free(c.ops);
    return x->failed ? -1 : result;
}

static int32_t parse_or(xparser *x, unsigned nesting)
{
    return parse_chain(x, nesting, OP_OR);
}

/* Parses the expression that starts after the keyword token `kwtok`; returns the root or -1. */
int32_t qc_cbp_expression(qc_cbp *p, const qc_token *kwtok, int32_t code, int exclude)
{
    xparser x = {0};
    x.p = p;
    x.code = code;
    x.exclude = exclude;
    qc_lex_init(&x.lx, p->joined.data, p->joined.len, kwtok->end, 1);
    x.tok = *kwtok;
    advance(&x);
    if (x.failed)
        return -1;
    int32_t root = parse_or(&x, 0);
    if (root < 0 || x.failed)
        return -1;
    if (x.tok.kind != QC_TOK_END) {
        char buf[64];
        if (x.tok.kind == QC_TOK_RPAREN)
            err_at(p, x.tok.start, x.tok.end, "unexpected ')'");
        else if (soft_op(p->joined.data, &x.tok))
            soft_op_error(&x, &x.tok);
        else if (word_op(p->joined.data, &x.tok, &(uint32_t){0}) == OP_NOT)
            err_at(p, x.tok.start, x.tok.end, "NOT takes one operand: write A AND NOT B");
        else
            err_at(p, x.tok.start, x.tok.end, "expected an operator (AND, OR, NEAR, BEFORE) before %s",
                   qc_cbp_tok_text(p, &x.tok, buf, sizeof buf));
        return -1;
    }
    return root;
}
