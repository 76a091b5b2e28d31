/* Every codebook error and warning: message, line and column, and that all of a file's problems
 * are reported, in file order, with the first in qc_error. */
#include "qc_test.h"

#define MAX_DIAGS 64

typedef struct diag {
    qc_severity severity;
    unsigned line, column, length;
    char message[512];
    char source[512];
} diag;

typedef struct diags {
    size_t count, errors, warnings;
    char last[512];
    diag items[MAX_DIAGS];
} diags;

/* Whether a message is UTF-8 with no control character in it (C0, DEL, C1): a message reaches a
 * terminal, where ESC starts an escape sequence. */
static int clean_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F)
            return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int extra = *p >= 0xC2 && *p <= 0xDF ? 1 : *p >= 0xE0 && *p <= 0xEF ? 2 : *p >= 0xF0 && *p <= 0xF4 ? 3 : -1;
        if (extra < 0 || (p[0] == 0xC2 && p[1] <= 0x9F))
            return 0;
        for (int k = 1; k <= extra; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        p += extra + 1;
    }
    return 1;
}

static void collect(const qc_diagnostic *d, void *user)
{
    diags *dg = user;
    cr_assert(clean_text(d->message), "a message with a control character or invalid UTF-8: %s", d->message);
    if (d->severity == QC_SEVERITY_ERROR)
        dg->errors++;
    else
        dg->warnings++;
    snprintf(dg->last, sizeof dg->last, "%s", d->message);
    if (dg->count == MAX_DIAGS)
        return;
    diag *x = &dg->items[dg->count++];
    x->severity = d->severity;
    x->line = d->line;
    x->column = d->column;
    x->length = d->length;
    snprintf(x->message, sizeof x->message, "%s", d->message);
    snprintf(x->source, sizeof x->source, "%s", d->source_line ? d->source_line : "");
    cr_assert_str_eq(d->file, "t.qcb");
    cr_assert_geq(d->length, 1);
}

/* Loads text; returns the status and fills dg. */
static int load(const char *text, size_t len, diags *dg, qc_error *err)
{
    memset(dg, 0, sizeof *dg);
    qc_codebook_options o = QC_CODEBOOK_OPTIONS_INIT;
    o.on_diagnostic = collect;
    o.user = dg;
    qc_codebook *cb = (qc_codebook *)1;
    int rc = qc_codebook_load_buffer(&cb, "t.qcb", text, len, &o, err);
    if (rc == 0) {
        cr_assert_not_null(cb);
        qc_codebook_free(cb);
    } else {
        cr_assert_null(cb, "no codebook on failure");
    }
    return rc;
}

/* The text must give exactly one error, with this message at line:column. */
static void one_error(const char *text, unsigned line, unsigned column, const char *message)
{
    diags dg;
    qc_error err;
    int rc = load(text, strlen(text), &dg, &err);
    cr_assert_eq(rc, QC_ERR_CODEBOOK, "expected an error: %s", message);
    cr_assert_eq(dg.errors, 1, "expected one error, got %zu; first: %u:%u %s", dg.errors, dg.items[0].line,
                 dg.items[0].column, dg.items[0].message);
    const diag *d = NULL;
    for (size_t i = 0; i < dg.count; i++)
        if (dg.items[i].severity == QC_SEVERITY_ERROR)
            d = &dg.items[i];
    cr_assert_str_eq(d->message, message);
    cr_assert_eq(d->line, line, "line of '%s'", message);
    cr_assert_eq(d->column, column, "column of '%s'", message);
    cr_assert_eq(err.code, QC_ERR_CODEBOOK);
    cr_assert_str_eq(err.message, message);
    cr_assert_eq(err.line, line);
    cr_assert_eq(err.column, column);
    cr_assert_str_eq(err.file, "t.qcb");
}

/* The text must load, with exactly one warning, this message at line:column. */
static void one_warning(const char *text, unsigned line, unsigned column, const char *message)
{
    diags dg;
    qc_error err;
    int rc = load(text, strlen(text), &dg, &err);
    cr_assert_eq(rc, 0, "warnings do not fail a load: %s", dg.count ? dg.items[0].message : "");
    cr_assert_eq(dg.warnings, 1, "expected one warning, got %zu", dg.warnings);
    cr_assert_eq(dg.items[0].severity, QC_SEVERITY_WARNING);
    cr_assert_str_eq(dg.items[0].message, message);
    cr_assert_eq(dg.items[0].line, line);
    cr_assert_eq(dg.items[0].column, column);
}

#define HDR "codebook \"T\"\n"

Test(codebook_errors, unknown_keyword_did_you_mean)
{
    one_error(HDR "code A \"A\"\n  rul x\n", 3, 3, "unknown keyword 'rul' (did you mean 'rule'?)");
    one_error(HDR "code A \"A\"\n  defien \"x\"\n", 3, 3, "unknown keyword 'defien' (did you mean 'define'?)");
    one_error(HDR "code A \"A\"\n  zebra x\n", 3, 3, "unknown keyword 'zebra'");
}

Test(codebook_errors, duplicate_id)
{
    one_error(HDR "\ncode COLOC \"A\"\ncode B \"B\"\ncode COLOC \"C\"\n", 5, 6,
              "duplicate code id 'COLOC' (first declared on line 3)");
}

Test(codebook_errors, invalid_id_and_missing_name)
{
    one_error(HDR "code 1A \"A\"\n", 2, 6,
              "invalid code id '1A' (an id is a letter, then letters, digits, '_', '.' or '-')");
    one_error(HDR "code A\n", 2, 6, "expected the code's name in quotes after 'A'");
    one_error(HDR "code A \"\"\n", 2, 8, "empty code name");
    one_error(HDR "code A \"a\" extra\n", 2, 12, "unexpected extra after 'code'");
}

Test(codebook_errors, unknown_reference_did_you_mean)
{
    one_error(HDR "code COLOC \"A\"\n  rule x\ncode B \"B\"\n  rule y AND {COLLOC}\n", 5, 14,
              "unknown code '{COLLOC}' (did you mean 'COLOC'?)");
    one_error(HDR "code COLOC \"A\"\n  rule {ZZZZZZ*}\n", 3, 8, "unknown code '{ZZZZZZ*}'");
}

Test(codebook_errors, reference_cycle)
{
    one_error(HDR "code A \"A\"\n  rule {B} AND x\ncode B \"B\"\n  rule {C}\ncode C \"C\"\n  rule y OR {A}\n", 3, 8,
              "reference cycle: A -> B -> C -> A");
}

Test(codebook_errors, self_references)
{
    one_error(HDR "code A \"A\"\n  rule x OR {A}\n", 3, 13, "code 'A' refers to itself");
    one_error(HDR "code A \"A\"\n  code A.B \"B\"\n    rule x AND {A*}\n", 4, 16,
              "code 'A.B' refers to itself through {A*}, which includes it");
}

Test(codebook_errors, forward_reference_and_star_of_other_branch_are_fine)
{
    diags dg;
    qc_error err;
    const char *t = HDR "code A \"A\"\n  rule {B*}\ncode B \"B\"\n  code B.1 \"B1\"\n    rule x\n";
    cr_assert_eq(load(t, strlen(t), &dg, &err), 0);
    cr_assert_eq(dg.count, 0);
}

Test(codebook_errors, regex_error_column_mapped)
{
    /* PCRE2 reports the end of the pattern for a missing ')': column of the last character. */
    one_error(HDR "code A \"A\"\n  rule x OR /(abc/\n", 3, 18,
              "invalid regular expression: missing closing parenthesis");
    /* An escaped slash counts as one pattern character but two file columns. */
    one_error(HDR "code A \"A\"\n  rule /a\\/b[/\n", 3, 14,
              "invalid regular expression: missing terminating ] for character class");
    one_error(HDR "code A \"A\"\n  rule /a{2,1}/\n", 3, 14,
              "invalid regular expression: numbers out of order in {} quantifier");
}

Test(codebook_errors, regex_flags)
{
    one_error(HDR "code A \"A\"\n  rule /abc/iq\n", 3, 14,
              "unknown regular expression flag 'q' (expected i, c, x, s or m)");
    one_error(HDR "code A \"A\"\n  rule /abc/ic\n", 3, 14,
              "regular expression flags 'i' and 'c' contradict each other");
    one_error(HDR "code A \"A\"\n  rule /abc\n", 3, 8, "unterminated regular expression (missing closing '/')");
}

Test(codebook_errors, empty_patterns)
{
    one_error(HDR "code A \"A\"\n  rule x OR \"\"\n", 3, 13, "empty pattern");
    one_error(HDR "code A \"A\"\n  rule \"--\"\n", 3, 8, "empty pattern: '--' has no letters or digits");
    one_error(HDR "code A \"A\"\n  rule //\n", 3, 8, "empty pattern");
    one_error(HDR "code A \"A\"\n  rule \"   \"\n", 3, 8, "empty pattern");
}

Test(codebook_errors, invalid_colour)
{
    one_error(HDR "code A \"A\"\n  color #12345\n", 3, 9, "invalid colour '#12345' (expected #RRGGBB)");
    one_error(HDR "code A \"A\"\n  color red\n", 3, 9, "invalid colour 'red' (expected #RRGGBB)");
    one_error(HDR "code A \"A\"\n  color #1234567\n", 3, 9, "invalid colour '#1234567' (expected #RRGGBB)");
    one_error(HDR "code A \"A\"\n  color #12345g\n", 3, 9, "invalid colour '#12345g' (expected #RRGGBB)");
}

Test(codebook_errors, tab_in_indentation)
{
    one_error(HDR "code A \"A\"\n  \trule x\n", 3, 3, "tab in indentation (indent with spaces)");
}

Test(codebook_errors, inconsistent_indentation)
{
    one_error(HDR "code A \"A\"\n  rule x\n   rule y\n", 4, 4,
              "inconsistent indentation: this line is indented by 3, but the lines in code 'A' are indented by 2 "
              "(line 3)");
    one_error(HDR "code A \"A\"\n    rule x\n  code B \"B\"\n", 4, 3,
              "inconsistent indentation: this line is indented by 2, but the lines in code 'A' are indented by 4 "
              "(line 3)");
    one_error(HDR "  code A \"A\"\n", 2, 3,
              "inconsistent indentation: main codes and codebook statements start in column 1 (this line is "
              "indented by 2)");
}

Test(codebook_errors, operand_errors)
{
    one_error(HDR "code A \"A\"\n  rule a AND\n", 3, 10, "expected an operand after AND");
    one_error(HDR "code A \"A\"\n  rule a OR (b AND )\n", 3, 20, "expected an operand after AND");
    one_error(HDR "code A \"A\"\n  rule NEAR/3 b\n", 3, 8, "expected an operand before NEAR/3");
    one_error(HDR "code A \"A\"\n  rule\n", 3, 3, "expected an expression after 'rule'");
    one_error(HDR "code A \"A\"\n  rule a OR ()\n", 3, 13, "empty parentheses");
    one_error(HDR "code A \"A\"\n  rule a b\n", 3, 10, "expected an operator (AND, OR, NEAR, BEFORE) before b");
    one_error(HDR "code A \"A\"\n  rule a NOT b\n", 3, 10, "NOT takes one operand: write A AND NOT B");
    one_error(HDR "code A \"A\"\n  rule a NEAR NOT b\n", 3, 15,
              "NOT cannot follow NEAR: NOT has no hits to be near (write NOT (A NEAR B))");
}

Test(codebook_errors, parentheses)
{
    one_error(HDR "code A \"A\"\n  rule a OR b)\n", 3, 14, "unexpected ')'");
    one_error(HDR "code A \"A\"\n  rule a OR (b AND c\n", 3, 13, "missing ')' to close this '('");
    one_error(HDR "code A \"A\"\n  rule (a OR b c)\n", 3, 16, "expected an operator or ')' before c");
}

Test(codebook_errors, lower_case_operators)
{
    one_error(HDR "code A \"A\"\n  rule colocation and shared\n", 3, 19,
              "'and' is not an operator here: write AND, or quote the word as \"and\"");
    one_error(HDR "code A \"A\"\n  rule not helpful\n", 3, 8,
              "'not' is not an operator here: write NOT, or quote the word as \"not\"");
    one_error(HDR "code A \"A\"\n  rule a Or b\n", 3, 10,
              "'Or' is not an operator here: write OR, or quote the word as \"Or\"");
    one_error(HDR "code A \"A\"\n  rule ask near/3 advice\n", 3, 12,
              "'near/3' is not an operator here: write NEAR/3, or quote the word as \"near/3\"");
}

Test(codebook_errors, bad_distance)
{
    one_error(HDR "code A \"A\"\n  rule a NEAR/x b\n", 3, 10,
              "invalid distance in 'NEAR/x' (expected a whole number, as in NEAR/5)");
    one_error(HDR "code A \"A\"\n  rule a BEFORE/ b\n", 3, 10,
              "invalid distance in 'BEFORE/' (expected a whole number, as in NEAR/5)");
}

Test(codebook_errors, strings_and_references_lexing)
{
    one_error(HDR "code A \"A\"\n  rule \"abc\n", 3, 8, "unterminated string (missing closing '\"')");
    one_error(HDR "code A \"A\"\n  rule \"a\\nb\"\n", 3, 10,
              "unknown escape in string (only \\\" and \\\\ are escapes)");
    one_error(HDR "code A \"A\"\n  rule {A\n", 3, 8, "unterminated code reference (missing '}')");
    one_error(HDR "code A \"A\"\n  rule {1x}\n", 3, 8, "invalid code reference '{1x}': expected {ID} or {ID*}");
    one_error(HDR "code A \"A\"\n  rule a }\n", 3, 10, "unexpected '}'");
}

Test(codebook_errors, settings_values)
{
    one_error(HDR "code A \"A\"\n  scope sentense\n", 3, 9, "unknown scope 'sentense' (did you mean 'sentence'?)");
    one_error(HDR "code A \"A\"\n  scope line\n", 3, 9,
              "unknown scope 'line' (expected sentence, paragraph, turn, match or words N)");
    one_error(HDR "code A \"A\"\n  scope words\n", 3, 3,
              "expected a number of words after 'scope words' (as in scope words 10)");
    one_error(HDR "code A \"A\"\n  speakers everyone\n", 3, 12,
              "unknown speakers 'everyone' (expected participants, all or interviewers)");
    one_error(HDR "code A \"A\"\n  case upper\n", 3, 8, "unknown case 'upper' (expected insensitive or sensitive)");
    one_error(HDR "code A \"A\"\n  accents strip\n", 3, 11, "unknown accents 'strip' (expected ignore or keep)");
    one_error(HDR "code A \"A\"\n  min -1\n", 3, 7, "invalid number '-1' after 'min' (expected 0 to 100000)");
    one_error(HDR "code A \"A\"\n  manual yes\n", 3, 10, "unexpected yes after 'manual'");
}

Test(codebook_errors, duplicate_settings)
{
    one_error(HDR "code A \"A\"\n  scope turn\n  rule a\n  scope sentence\n", 5, 3,
              "duplicate 'scope' for code 'A' (first on line 3)");
    one_error(HDR "scope turn\nscope turn\n", 3, 1, "duplicate codebook 'scope' (first on line 2)");
    one_error(HDR "code A \"A\"\n  color #000000\n  color #ffffff\n", 4, 3,
              "duplicate 'color' for code 'A' (first on line 3)");
}

Test(codebook_errors, statements_in_the_wrong_place)
{
    one_error(HDR "rule x\n", 2, 1, "'rule' outside a code (indent it under a 'code' line)");
    one_error(HDR "code A \"A\"\nscope turn\n", 3, 1,
              "'scope' at the top level sets a codebook default and must come before the first code (indent it to "
              "set it for a code)");
    one_error(HDR "code A \"A\"\n  description \"x\"\n", 3, 3,
              "'description' belongs at the top of the file, not inside a code");
    one_error(HDR "codebook \"again\"\n", 2, 1, "duplicate 'codebook' line (first on line 1)");
}

Test(codebook_errors, missing_header)
{
    one_error("code A \"A\"\n  rule x\n", 1, 1, "missing header: the file must start with 'codebook \"NAME\"'");
    one_error("# only a comment\n", 1, 1, "empty codebook: the file must start with 'codebook \"NAME\"'");
    one_error("", 1, 1, "empty codebook: the file must start with 'codebook \"NAME\"'");
}

Test(codebook_errors, exclude_takes_patterns_only)
{
    one_error(HDR "code A \"A\"\n  rule a\n  exclude x AND y\n", 4, 13,
              "'exclude' takes patterns joined by OR: AND is not allowed here");
    one_error(HDR "code B \"B\"\ncode A \"A\"\n  rule a\n  exclude x OR {B}\n", 5, 16,
              "'exclude' takes patterns joined by OR: a {CODE} reference is not allowed here");
}

Test(codebook_errors, where_syntax)
{
    one_error(HDR "code A \"A\"\n  where role ~ \"x\"\n", 3, 14,
              "expected '=', '!=', 'in' or 'not in' after the attribute name in 'where'");
    one_error(HDR "code A \"A\"\n  where role in (\"a\" \"b\")\n", 3, 22,
              "expected ',' or ')' in the list of values, found \"b\"");
    one_error(HDR "code A \"A\"\n  where role in \"a\"\n", 3, 17, "expected '(' and a list of values after 'in'");
}

Test(codebook_errors, invalid_utf8_and_nul)
{
    const char bad[] = HDR "code A \"A\"\n  rule caf\xC3 OR x\n";
    diags dg;
    qc_error err;
    cr_assert_eq(load(bad, sizeof bad - 1, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 1);
    cr_assert_str_eq(dg.items[0].message, "invalid UTF-8 (byte 0xc3)");
    cr_assert_eq(dg.items[0].line, 3);
    cr_assert_eq(dg.items[0].column, 11);
    cr_assert_str_eq(dg.items[0].source, "  rule caf? OR x", "bad bytes are shown as '?'");

    const char nul[] = HDR "code A \"A\"\n  rule a\0b\n";
    cr_assert_eq(load(nul, sizeof nul - 1, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 1);
    cr_assert_str_eq(dg.items[0].message, "NUL byte in the codebook");
    cr_assert_eq(dg.items[0].line, 3);
    cr_assert_eq(dg.items[0].column, 9);
}

/* A codebook saved as UTF-16 ("Unicode text") is read as its UTF-8, each byte order, with or
 * without a byte order mark (until 2026-12-07 it was refused with the iconv command that converts
 * it); a broken one is an error at its line and column in the converted text, shown with its line. */
static size_t to_utf16(const char *ascii, int big_endian, int bom, char *out)
{
    size_t n = 0;
    if (bom) {
        out[n++] = (char)(big_endian ? 0xFE : 0xFF);
        out[n++] = (char)(big_endian ? 0xFF : 0xFE);
    }
    for (const char *p = ascii; *p; p++) {
        out[n++] = big_endian ? 0 : *p;
        out[n++] = big_endian ? *p : 0;
    }
    return n;
}

Test(codebook_errors, utf16_is_read_as_its_utf8)
{
    static const char ascii[] = "codebook \"T\"\ncode A \"A\"\n  rule x\n";
    char bytes[256];
    for (int form = 0; form < 4; form++) {
        size_t n = to_utf16(ascii, form & 1, form & 2, bytes);
        qc_codebook *cb = NULL;
        qc_error err;
        cr_assert_eq(qc_codebook_load_buffer(&cb, "t.qcb", bytes, n, NULL, &err), 0, "form %d: %s", form, err.message);
        cr_expect_eq(qc_codebook_code_count(cb), 1, "form %d", form);
        qc_codebook_free(cb);
    }
    /* An error in it is where the UTF-8 reading puts it. */
    size_t n = to_utf16("codebook \"T\"\ncode A \"A\"\n  rule x OR {NOPE}\n", 0, 1, bytes);
    diags dg;
    qc_error err;
    cr_assert_eq(load(bytes, n, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 1, "%s", dg.items[0].message);
    cr_expect_eq(dg.items[0].line, 3);
    cr_expect_eq(dg.items[0].column, 13);
    cr_expect_str_eq(dg.items[0].source, "  rule x OR {NOPE}");
    /* Cut off in the middle of a character: at the end of what was read, with its line. */
    n = to_utf16(ascii, 1, 0, bytes) - 1;
    cr_assert_eq(load(bytes, n, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 1, "%s", dg.items[0].message);
    cr_expect_str_eq(dg.items[0].message, "the UTF-16 file ends in the middle of a character (byte offset 64 of 65)");
    cr_expect_eq(dg.items[0].line, 3);
    cr_expect_eq(dg.items[0].column, 9);
    cr_expect_str_eq(dg.items[0].source, "  rule x");
}

Test(codebook_errors, a_nul_byte_is_named_where_it_is)
{
    /* A NUL that is not UTF-16 is still a NUL byte, where it is. */
    const char nul[] = "\0codebook \"T\"\n";
    diags dg;
    qc_error err;
    cr_assert_eq(load(nul, sizeof nul - 1, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_str_eq(dg.items[0].message, "NUL byte in the codebook");
}

Test(codebook_errors, control_characters_are_never_copied_into_messages)
{
    /* ESC in a keyword, in a phrase and in a bare word; a C1 control (U+009B, CSI) in an id. */
    const char text[] = HDR "code A \"A\"\n"
                            "  rul\x1b[31m x\n"
                            "  rule \"a\x1b[2Jb\" OR x\n"
                            "code \xC2\x9B"
                            "1 \"B\"\n";
    diags dg;
    qc_error err;
    cr_assert_eq(load(text, sizeof text - 1, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 2);
    cr_assert_eq(dg.warnings, 1);
    cr_assert_str_eq(dg.items[0].message, "unknown keyword 'rulU+001B[31m'");
    cr_assert_str_eq(dg.items[0].source, "  rul?[31m x", "control characters in the source line are shown as '?'");
    cr_assert_eq(dg.items[0].length, 8, "the caret still underlines the whole word");
    cr_assert(qct_contains(dg.items[1].message, "\"aU+001B[2Jb\""), "%s", dg.items[1].message);
    cr_assert_str_eq(dg.items[1].source, "  rule \"a?[2Jb\" OR x");
    cr_assert_str_eq(dg.items[2].message,
                     "invalid code id 'U+009B1' (an id is a letter, then letters, digits, '_', '.' or '-')");
    cr_assert_str_eq(dg.items[2].source, "code ?1 \"B\"", "a two-byte control is one '?', as it is one column");
    cr_assert_eq(dg.items[2].column, 6);
    cr_assert_str_eq(err.message, "unknown keyword 'rulU+001B[31m'", "qc_error carries the escaped message");
}

/* Characters that show nothing are named too: a BOM in the middle of the file made "unknown
 * keyword 'code'" of a line that reads 'code'; a bidirectional override can make text read
 * otherwise than it is. */
Test(codebook_errors, invisible_characters_are_named_in_messages)
{
    const char text[] = HDR "\xEF\xBB\xBF"
                            "code A \"A\"\n"
                            "code B \"B\"\n"
                            "  rul\xE2\x80\xAEx x\n";
    diags dg;
    qc_error err;
    cr_assert_eq(load(text, sizeof text - 1, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_str_eq(dg.items[0].message, "unknown keyword 'U+FEFFcode'");
    int found = 0;
    for (size_t i = 0; i < dg.count; i++)
        found |= strcmp(dg.items[i].message, "unknown keyword 'rulU+202Ex'") == 0;
    cr_assert(found, "the override named: %s", dg.last);
}

/* Codes 201 deep: an error on the 201st (a REFI-QDA export of it was a file import refused:
 * "Excessive depth in document"); 200 deep load (tests/test_pathological.c). */
Test(codebook_errors, codes_nested_past_the_limit)
{
    size_t cap = 201 * 420 + 256, len = 0;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    len += (size_t)snprintf(t + len, cap - len, HDR);
    for (int d = 1; d <= 201; d++)
        len += (size_t)snprintf(t + len, cap - len, "%*scode L%d \"L\"\n", 2 * (d - 1), "", d);
    len += (size_t)snprintf(t + len, cap - len, "%*srule bottom\n", 2 * 201, "");
    diags dg;
    qc_error err;
    cr_assert_eq(load(t, len, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 1, "%s", dg.last);
    cr_assert_str_eq(dg.items[0].message,
                     "code nested too deeply (more than 200 levels; REFI-QDA projects could not carry it)");
    cr_assert_eq(dg.items[0].column, 401);
    free(t);
}

Test(codebook_errors, long_words_are_shortened_between_characters)
{
    /* 30 two-byte letters: the message keeps 18 whole ones, never half of the 19th. */
    char text[256] = HDR "code A \"A\"\n  ";
    for (int i = 0; i < 30; i++)
        strcat(text, "\xC3\xA9");
    strcat(text, " x\n");
    char expected[128] = "unknown keyword '";
    for (int i = 0; i < 18; i++)
        strcat(expected, "\xC3\xA9");
    strcat(expected, "...'");
    one_error(text, 3, 3, expected);
}

Test(codebook_errors, columns_count_code_points)
{
    /* "é" is two bytes: the error column counts it as one. */
    one_error(HDR "code A \"A\"\n  define \"é\" 1\n", 3, 14, "unexpected 1 after 'define'");
}

Test(codebook_errors, every_problem_reported_in_file_order)
{
    const char *text = HDR "code A \"A\"\n"
                           "  rule {Z}\n"       /* 3: unknown code (found by the compiler, after parsing) */
                           "  rul x\n"          /* 4 */
                           "  color #12\n"      /* 5 */
                           "  rule a*\n"        /* 6: warning */
                           "  rule /(/\n"       /* 7 */
                           "code A \"again\"\n" /* 8 */
                           "  rule \"\"\n";     /* 9 */
    diags dg;
    qc_error err;
    cr_assert_eq(load(text, strlen(text), &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors, 6);
    cr_assert_eq(dg.warnings, 1);
    static const unsigned lines[] = {3, 4, 5, 6, 7, 8, 9};
    for (size_t i = 0; i < 7; i++)
        cr_assert_eq(dg.items[i].line, lines[i], "diagnostic %zu is on line %u, not %u", i, dg.items[i].line, lines[i]);
    cr_assert_eq(dg.items[3].severity, QC_SEVERITY_WARNING);
    cr_assert_str_eq(err.message, "unknown code '{Z}'",
                     "no suggestion for a one-letter id; err holds the first error in file order");
    cr_assert_eq(err.line, 3);
    cr_assert_str_eq(dg.items[1].source, "  rul x", "the source line comes with the diagnostic");
    cr_assert_eq(dg.items[1].length, 3, "the caret underlines the keyword");
}

/* A file saved with lone CR line ends (old Mac tools) is read line by line like LF and CRLF, with
 * the same positions and source lines: it was one "line" before, and called an empty codebook. */
Test(codebook_errors, every_line_end_gives_the_same_positions)
{
    static const char *const ends[] = {"\n", "\r\n", "\r"};
    static const char *const lines[] = {"codebook \"T\"", "code A \"A\"", "  rule hello", "  rul x", "  color #12", ""};
    for (size_t e = 0; e < 3; e++) {
        char text[256] = "";
        for (size_t i = 0; i < 6; i++) {
            strcat(text, lines[i]);
            if (i < 5)
                strcat(text, ends[e]);
        }
        diags dg;
        qc_error err;
        cr_assert_eq(load(text, strlen(text), &dg, &err), QC_ERR_CODEBOOK, "line end %zu", e);
        cr_assert_eq(dg.errors, 2, "line end %zu: %zu errors, first: %s", e, dg.errors, dg.items[0].message);
        cr_assert_eq(dg.items[0].line, 4, "line end %zu", e);
        cr_assert_eq(dg.items[0].column, 3, "line end %zu", e);
        cr_assert_str_eq(dg.items[0].source, "  rul x", "line end %zu", e);
        cr_assert_eq(dg.items[1].line, 5, "line end %zu", e);
        cr_assert_str_eq(dg.items[1].source, "  color #12", "line end %zu", e);
    }
    /* and a CR-only codebook without errors loads, its code and rule intact */
    diags dg;
    qc_error err;
    const char *ok = "codebook \"T\"\rcode A \"A\"\r  rule hello\r";
    cr_assert_eq(load(ok, strlen(ok), &dg, &err), 0, "%s", dg.count ? dg.items[0].message : "");
    cr_assert_eq(dg.count, 0);
}

/* `X AND NOT X` compares X as the code matches it (qc_text_fold with its settings), not ASCII
 * case alone: `Ärzte AND NOT ärzte` was not warned about, `help AND NOT Help` was under `case
 * sensitive`, where it can match. */
static void no_warning(const char *text)
{
    diags dg;
    qc_error err;
    cr_assert_eq(load(text, strlen(text), &dg, &err), 0, "%s", dg.count ? dg.items[0].message : "");
    cr_assert_eq(dg.count, 0, "%s", dg.count ? dg.items[0].message : "");
}

Test(codebook_errors, and_not_the_same_pattern_is_compared_as_the_code_matches)
{
    static const char *const never[] = {
        HDR "code A \"A\"\n  rule \xC3\x84rzte AND NOT \xC3\xA4rzte\n", /* Ärzte, ärzte */
        HDR "code A \"A\"\n  rule Stra\xC3\x9F"
            "e AND NOT STRASSE\n",                                              /* Straße */
        HDR "code A \"A\"\n  rule E\xCC\x81lodie AND NOT \xC3\xA9lodie\n",      /* NFD, NFC */
        HDR "code A \"A\"\n  rule caf\xC3\xA9 AND NOT cafe\n",                  /* accents ignore */
        HDR "code A \"A\"\n  rule (\xC3\x84rzte AND x) AND NOT \xC3\xA4rzte\n", /* one run of ANDs */
    };
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        one_warning(never[i], 3, 8 + (i == 4),
                    "this rule can never match: it asks for a pattern AND NOT the same pattern");
    /* where the code tells them apart, it can match */
    no_warning(HDR "code A \"A\"\n  case sensitive\n  rule \xC3\x84rzte AND NOT \xC3\xA4rzte\n");
    no_warning(HDR "code A \"A\"\n  rule help AND NOT Help\n  case sensitive\n");
    no_warning(HDR "code A \"A\"\n  accents keep\n  rule caf\xC3\xA9 AND NOT cafe\n");
}

Test(codebook_errors, warnings_do_not_fail)
{
    one_warning(HDR "code A \"A\"\n  rule a* OR x\n", 3, 8,
                "'a*' matches almost any word (write at least 2 letters with a wildcard)");
    one_warning(HDR "code A \"A\"\n  rule \"*\"\n", 3, 8,
                "'*' matches almost any word (write at least 2 letters with a wildcard)");
    one_warning(HDR "code A \"A\"\n  rule *tion\n", 3, 8,
                "'*tion' begins with a wildcard: it is tried on every word (write at least 2 letters before '*' or "
                "'?' when you can)");
    one_warning(HDR "code A \"A\"\n  rule help AND NOT Help\n", 3, 8,
                "this rule can never match: it asks for a pattern AND NOT the same pattern");
    one_warning(HDR "code B \"B\"\ncode A \"A\"\n  rule x NEAR/3 {B}\n", 4, 10,
                "this NEAR/3 can never hold: a {CODE} reference or a NOT on either side has no hits to measure");
    one_warning(HDR "code A \"A\"\n  rule \"Dr. Smith\"\n", 3, 8,
                "\"Dr. Smith\" can never match text with the '.' in it: the words of a pattern match only with white "
                "space between them (write Dr BEFORE/0 Smith to allow it)");
    one_warning(HDR "code B \"B\"\ncode A \"A\"\n  min 2\n  rule {B} AND NOT x\n", 3, 1,
                "code 'A' can never be coded: it needs min 2 hits, but its rules have no words or patterns that give "
                "hits");
    /* one hit, not "1 hits" */
    one_warning(HDR "code A \"A\"\n  min 1\n  rule NOT x\n", 2, 1,
                "code 'A' can never be coded: it needs min 1 hit, but its rules have no words or patterns that give "
                "hits");
}

/* Punctuation between the words of a pattern: one warning per pattern, at the pattern, with a
 * rewrite. A term the word scanner keeps whole (a hyphen or apostrophe between letters, a '.'
 * between digits, punctuation at either end) matches as written and is not warned about. */
Test(codebook_errors, punctuation_inside_a_pattern_is_a_warning_with_a_rewrite)
{
    one_warning(HDR "code A \"A\"\n  rule x OR e.g.\n", 3, 13,
                "\"e.g.\" can never match text with the '.' in it: the words of a pattern match only with white space "
                "between them (write e BEFORE/0 g to allow it)");
    one_warning(HDR "code A \"A\"\n  rule \"rock 'n' roll\"\n", 3, 8,
                "\"rock 'n' roll\" can never match text with the \"'\" in it: the words of a pattern match only with "
                "white space between them (write rock BEFORE/0 n BEFORE/0 roll to allow it)");
    one_warning(HDR "code A \"A\"\n  rule \"Dr. John Smith\"\n", 3, 8,
                "\"Dr. John Smith\" can never match text with the '.' in it: the words of a pattern match only with "
                "white space between them (write Dr BEFORE/0 \"John Smith\" to allow it)");
    one_warning(HDR "code A \"A\"\n  rule \"not/or\"\n", 3, 8,
                "\"not/or\" can never match text with the '/' in it: the words of a pattern match only with white "
                "space between them (write \"not\" BEFORE/0 \"or\" to allow it)");
    one_warning(HDR "code A \"A\"\n  rule x\n  exclude \"Co-op*, Inc.\"\n", 4, 11,
                "\"Co-op*, Inc.\" can never match text with the ',' in it: the words of a pattern match only with "
                "white space between them (in 'exclude', write a regular expression such as /Co-op\\w*,\\s+Inc/)");
    /* Too long a rewrite is described instead. */
    one_warning(HDR "code A \"A\"\n  rule \"one two three four five six seven eight nine ten eleven. twelve thirteen "
                    "fourteen fifteen sixteen seventeen\"\n",
                3, 8,
                "\"one two three four five six seven eight nine ten eleven. ...\" can never match text with the '.' in "
                "it: the words of a pattern match only with white space between them (join its parts with BEFORE/0 "
                "to allow it)");
    static const char *const whole[] = {
        "co-ordination",   "\"co-ordination\"", "don't", "\"workers'\"", "Dr.", "\"(team)\"", "3.5",
        "\"1,000 staff\"", "\"same   office\""};
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++) {
        char text[256];
        snprintf(text, sizeof text, HDR "code A \"A\"\n  rule %s\n", whole[i]);
        diags dg;
        qc_error err;
        cr_assert_eq(load(text, strlen(text), &dg, &err), 0);
        cr_assert_eq(dg.count, 0, "%s: %s", whole[i], dg.items[0].message);
    }
}

/* Quotations that `rule` (with `exclude`, when not NULL) finds in `text`. */
static size_t quotations(const char *rule, const char *exclude, const char *text)
{
    char src[512];
    snprintf(src, sizeof src, HDR "code A \"A\"\n  rule %s\n%s%s%s", rule, exclude ? "  exclude " : "",
             exclude ? exclude : "", exclude ? "\n" : "");
    qc_codebook *cb = NULL;
    qc_document *doc = NULL;
    qc_coder *coder = NULL;
    qc_coding *coding = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "t.qcb", src, strlen(src), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_document_read_buffer(&doc, "doc.txt", text, strlen(text), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
    size_t n = qc_coding_quotation_count(coding);
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
    return n;
}

/* What the warning offers, between `lead` and `tail` in its message. */
static void advice(const char *rule, const char *exclude, const char *lead, const char *tail, char *out, size_t cap)
{
    char src[512];
    snprintf(src, sizeof src, HDR "code A \"A\"\n  rule %s\n%s%s%s", rule, exclude ? "  exclude " : "",
             exclude ? exclude : "", exclude ? "\n" : "");
    diags dg;
    qc_error err;
    cr_assert_eq(load(src, strlen(src), &dg, &err), 0);
    cr_assert_eq(dg.warnings, 1, "%s", src);
    const char *a = strstr(dg.items[0].message, lead);
    cr_assert_not_null(a, "%s", dg.items[0].message);
    a += strlen(lead);
    const char *b = strstr(a, tail);
    cr_assert_not_null(b, "%s", dg.items[0].message);
    snprintf(out, cap, "%.*s", (int)(b - a), a);
}

Test(codebook_errors, punctuation_warning_tells_the_truth_and_its_rewrite_matches)
{
    static const struct {
        const char *pattern, *text;
    } cases[] = {
        {"\"e.g.\"", "P1: We use e.g. the rota.\n"},
        {"\"Dr. Smith\"", "P1: Then Dr. Smith came in.\n"},
        {"\"rock 'n' roll\"", "P1: Rock 'n' roll all night.\n"},
        {"24/7", "P1: We are open 24/7 now.\n"},
        {"\"Dr. John Smith\"", "P1: Ask Dr. John Smith today.\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char rewrite[128];
        cr_assert_eq(quotations(cases[i].pattern, NULL, cases[i].text), 0, "%s matched after all: the warning is wrong",
                     cases[i].pattern);
        advice(cases[i].pattern, NULL, "(write ", " to allow it)", rewrite, sizeof rewrite);
        cr_assert_eq(quotations(rewrite, NULL, cases[i].text), 1, "%s (for %s) does not match %s", rewrite,
                     cases[i].pattern, cases[i].text);
        /* In an exclude, the regular expression offered takes the hit away. */
        advice("x", cases[i].pattern, "such as ", ")", rewrite, sizeof rewrite);
        cr_assert_eq(quotations("/[a-z]+/", NULL, cases[i].text), 1);
        cr_assert_eq(quotations("e OR Smith OR roll OR 24", rewrite, cases[i].text), 0,
                     "%s (for %s) excludes nothing in %s", rewrite, cases[i].pattern, cases[i].text);
    }
}

/* A '?' that ends a word is a question mark more likely than a one-letter wildcard: one warning per
 * pattern, at the first such '?', with two rewrites. A '?' inside a word is a wildcard on purpose. */
Test(codebook_errors, question_mark_ending_a_word_is_a_warning_with_rewrites)
{
    one_warning(HDR "code A \"A\"\n  rule \"what?\"\n", 3, 13,
                "\"what?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and punctuation "
                "is not part of words (write what to match the word, or /\\bwhat\\?/ to require the question mark)");
    one_warning(HDR "code A \"A\"\n  rule x OR why?\n", 3, 16,
                "\"why?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and punctuation "
                "is not part of words (write why to match the word, or /\\bwhy\\?/ to require the question mark)");
    one_warning(HDR "code A \"A\"\n  rule \"how are you??\"\n", 3, 20,
                "\"how are you??\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and "
                "punctuation is not part of words (write \"how are you\" to match the words, or "
                "/\\bhow\\s+are\\s+you\\?\\?/ to require the question mark)");
    /* A '?' standing alone after a word (French spacing), and one after a wildcard inside the word. */
    one_warning(HDR "code A \"A\"\n  rule \"pourquoi ?\"\n", 3, 18,
                "\"pourquoi ?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and "
                "punctuation is not part of words (write pourquoi to match the word, or /\\bpourquoi\\s+\\?/ to "
                "require the question mark)");
    one_warning(HDR "code A \"A\"\n  rule \"wom?n?\"\n", 3, 14,
                "\"wom?n?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and punctuation "
                "is not part of words (write wom?n to match the word, or /\\bwom\\wn\\?/ to require the question "
                "mark)");
    /* In an exclude, on a later line of a rule, after an escaped quote: the column is the '?''s. */
    one_warning(HDR "code A \"A\"\n  rule x\n  exclude \"not?\"\n", 4, 15,
                "\"not?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and punctuation "
                "is not part of words (write \"not\" to match the word, or /\\bnot\\?/ to require the question mark)");
    one_warning(HDR "code A \"A\"\n  rule x OR\n    \"\\\"so why?\"\n", 4, 14,
                "\"\"so why?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and "
                "punctuation is not part of words (write \"so why\" to match the words, or /\\bso\\s+why\\?/ to "
                "require the question mark)");
    /* "a?" is this warning, not the one about wildcards with fewer than 2 letters. */
    one_warning(HDR "code A \"A\"\n  rule \"a?\"\n", 3, 10,
                "\"a?\" never matches a question mark: '?' in a pattern is a one-letter wildcard, and punctuation is "
                "not part of words (write a to match the word, or /\\ba\\?/ to require the question mark)");
    /* Once per pattern, at the first such '?'. */
    diags dg;
    qc_error err;
    const char *two = HDR "code A \"A\"\n  rule \"why? how?\"\n";
    cr_assert_eq(load(two, strlen(two), &dg, &err), 0);
    cr_assert_eq(dg.warnings, 1);
    cr_assert_eq(dg.items[0].column, 12);
    cr_assert_eq(dg.items[0].length, 1, "the caret is under the '?'");
    cr_assert(qct_contains(dg.items[0].message, "(write \"why how\" to match the words, or /\\bwhy\\?\\s+how\\?/ "),
              "%s", dg.items[0].message);
    /* A '?' inside a word, or a pattern that is only wildcards, is a wildcard on purpose. */
    static const char *const silent[] = {"\"organi?ation\"", "organi?ation", "wom?n",       "\"colo?r*\"",
                                         "\"wh?t ever\"",    "\"what?*\"",   "/\\bwhat\\?/"};
    for (size_t i = 0; i < sizeof silent / sizeof *silent; i++) {
        char text[256];
        snprintf(text, sizeof text, HDR "code A \"A\"\n  rule %s\n", silent[i]);
        cr_assert_eq(load(text, strlen(text), &dg, &err), 0);
        cr_assert_eq(dg.count, 0, "%s: %s", silent[i], dg.items[0].message);
    }
    one_warning(HDR "code A \"A\"\n  rule \"?\"\n", 3, 8,
                "'?' matches almost any word (write at least 2 letters with a wildcard)");
}

Test(codebook_errors, question_mark_warning_tells_the_truth_and_its_rewrites_match)
{
    static const struct {
        const char *pattern, *text;
    } cases[] = {
        {"\"what?\"", "P1: So what? Nobody asked.\n"},
        {"why?", "P1: And why? I still wonder.\n"},
        {"\"how are you?\"", "P1: I said how are you? and left.\n"},
        {"\"pourquoi ?\"", "P1: Mais pourquoi ? Je ne sais pas.\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char rewrite[128];
        cr_assert_eq(quotations(cases[i].pattern, NULL, cases[i].text), 0, "%s matched after all: the warning is wrong",
                     cases[i].pattern);
        advice(cases[i].pattern, NULL, "(write ", " to match the word", rewrite, sizeof rewrite);
        cr_assert_eq(quotations(rewrite, NULL, cases[i].text), 1, "%s (for %s) does not match %s", rewrite,
                     cases[i].pattern, cases[i].text);
        advice(cases[i].pattern, NULL, ", or ", " to require", rewrite, sizeof rewrite);
        cr_assert_eq(quotations(rewrite, NULL, cases[i].text), 1, "%s (for %s) does not match %s", rewrite,
                     cases[i].pattern, cases[i].text);
        char without[128];
        snprintf(without, sizeof without, "%.*s\n", (int)(strchr(cases[i].text, '?') - cases[i].text), cases[i].text);
        cr_assert_eq(quotations(rewrite, NULL, without), 0, "%s (for %s) matches without the question mark", rewrite,
                     cases[i].pattern);
    }
    /* What the warning says '?' is: "what?" matches "whats". */
    cr_assert_eq(quotations("\"what?\"", NULL, "P1: Whats up.\n"), 1);
}

Test(codebook_errors, hostile_deep_nesting_is_an_error_not_a_crash)
{
    size_t depth = 5000;
    char *t = malloc(depth * 2 + 64);
    strcpy(t, HDR "code A \"A\"\n  rule ");
    size_t n = strlen(t);
    for (size_t i = 0; i < depth; i++)
        t[n++] = '(';
    t[n++] = 'x';
    for (size_t i = 0; i < depth; i++)
        t[n++] = ')';
    t[n] = '\0';
    diags dg;
    qc_error err;
    cr_assert_eq(load(t, n, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_str_eq(dg.items[0].message, "expression nested too deeply (more than 100 levels)");
    cr_assert_eq(dg.items[0].column, 108);
    /* NOT NOT NOT ... also nests. */
    n = strlen(HDR "code A \"A\"\n  rule ");
    for (size_t i = 0; i < depth / 4; i++) {
        memcpy(t + n, "NOT ", 4);
        n += 4;
    }
    t[n++] = 'x';
    t[n] = '\0';
    cr_assert_eq(load(t, n, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_str_eq(dg.items[0].message, "expression nested too deeply (more than 100 levels)");
    free(t);
}

Test(codebook_errors, hostile_binary_input_reports_a_bounded_number_of_problems)
{
    size_t n = 2000000;
    char *t = malloc(n);
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        t[i] = (char)(x >> 16);
    }
    diags dg;
    qc_error err;
    cr_assert_eq(load(t, n, &dg, &err), QC_ERR_CODEBOOK);
    cr_assert_eq(dg.errors + dg.warnings, 1001, "diagnostics are capped at 1000 and a last one says so");
    cr_assert(qct_contains(dg.last, "too many problems: "), "%s", dg.last);
    free(t);
}
