/* Reading a regex's source for literals every match must contain (the fast engine's prefilter).
 *
 * The answer is a small set of ASCII literals, lower-cased, at least one of which occurs in the
 * text of any match: `shared\s+base` gives {shared} (or {base}), `\b(mdt|huddle)s?\b` gives
 * {mdt, huddle}, `band\s*[5-8]|admin` gives {band, admin}. It must never be wrong, so the reading
 * is conservative: a construct it does not understand ends a literal or, when it could change
 * what the following characters mean (\Q, \x41, back references, x-mode comments), gives up on
 * the whole regex (no prefilter: the regex runs on every unit). Comparing without case is always
 * safe; without case PCRE2 also lets 'k' match the Kelvin sign and 's' the long s, so in a
 * caseless regex those two letters end a literal instead of joining it, unless the literals are
 * asked for text known to hold neither sign (`plain`: then `risks` stays whole instead of `ri`). */
#include <string.h>

#include "match_tables.h"

typedef struct litset {
    unsigned n; /* 0: nothing known */
    char lit[QC_MT_MAX_LITERALS][QC_MT_LITERAL_MAX + 1];
    uint8_t len[QC_MT_MAX_LITERALS];
    uint8_t bounded[QC_MT_MAX_LITERALS]; /* 1: right after a \b in every match */
    uint8_t leading[QC_MT_MAX_LITERALS]; /* 1: where every match that takes its way starts */
} litset;

typedef struct reader {
    const char *s;
    size_t n, i;
    int caseless; /* k and s may match the Kelvin sign and the long s */
    int extended; /* x mode may be on: white space between an atom and its quantifier is ignored */
    int give_up;
    unsigned depth;
} reader;

/* The weakest literal of the set decides how much it filters; fewer literals break ties. */
static int better(const litset *a, const litset *b)
{
    if (!a->n)
        return 0;
    if (!b->n)
        return 1;
    unsigned ma = 255, mb = 255;
    for (unsigned k = 0; k < a->n; k++)
        ma = a->len[k] < ma ? a->len[k] : ma;
    for (unsigned k = 0; k < b->n; k++)
        mb = b->len[k] < mb ? b->len[k] : mb;
    return ma > mb || (ma == mb && a->n < b->n);
}

static void offer_run(litset *best, const char *run, size_t len, int bounded, int leading)
{
    if (len < 2)
        return;
    litset one = {1, {{0}}, {0}, {0}, {0}};
    memcpy(one.lit[0], run, len);
    one.len[0] = (uint8_t)len;
    one.bounded[0] = (uint8_t)bounded;
    one.leading[0] = (uint8_t)leading;
    if (better(&one, best))
        *best = one;
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Skips a character class starting at '['; returns 0, or -1 when it does not close. */
static int skip_class(reader *r)
{
    size_t j = r->i + 1;
    if (j < r->n && r->s[j] == '^')
        j++;
    if (j < r->n && r->s[j] == ']')
        j++;
    while (j < r->n && r->s[j] != ']') {
        if (r->s[j] == '\\')
            j++;
        else if (r->s[j] == '[' && j + 1 < r->n && (r->s[j + 1] == ':' || r->s[j + 1] == '.' || r->s[j + 1] == '='))
            return -1; /* POSIX classes: not worth understanding */
        j++;
    }
    if (j >= r->n)
        return -1;
    r->i = j + 1;
    return 0;
}

/* Where the next thing that can quantify the atom before r->i starts. */
static size_t next_significant(const reader *r)
{
    size_t j = r->i;
    if (r->extended)
        while (j < r->n && (r->s[j] == ' ' || r->s[j] == '\t' || r->s[j] == '\n' || r->s[j] == '\r'))
            j++;
    return j;
}

/* Whether the atom that just ended is made optional by a quantifier ('?', '*', '{0'). */
static int optional_next(const reader *r)
{
    size_t i = next_significant(r);
    if (i >= r->n)
        return 0;
    char c = r->s[i];
    if (c == '?' || c == '*')
        return 1;
    if (c == '{') {
        size_t j = i + 1;
        while (j < r->n && r->s[j] == ' ')
            j++;
        return j < r->n && (r->s[j] == '0' || r->s[j] == ',');
    }
    return 0;
}

/* Skips a quantifier at r->i, with its lazy/possessive mark. */
static void skip_quantifier(reader *r)
{
    if (r->i >= r->n)
        return;
    char c = r->s[r->i];
    if (c == '{') {
        const char *close = memchr(r->s + r->i, '}', r->n - r->i);
        if (!close) {
            r->i++;
            return;
        }
        r->i = (size_t)(close - r->s) + 1;
    } else if (c == '?' || c == '*' || c == '+') {
        r->i++;
    } else {
        return;
    }
    if (r->i < r->n && (r->s[r->i] == '?' || r->s[r->i] == '+'))
        r->i++;
}

static void read_alternation(reader *r, litset *out, int bounded, int leading);

/* A group at '(': its content's set when every match passes through it, else nothing. `bounded`:
 * the group starts right after a \b; `leading`: where the match starts. */
static void read_group(reader *r, litset *out, int bounded, int leading)
{
    out->n = 0;
    r->i++; /* ( */
    int analyse = 1;
    if (r->i < r->n && r->s[r->i] == '*') {
        r->give_up = 1; /* (*VERB) */
        return;
    }
    if (r->i < r->n && r->s[r->i] == '?') {
        const char *k = r->s + r->i + 1;
        size_t left = r->n - r->i - 1;
        if (left >= 1 && (*k == ':' || *k == '>' || *k == '|')) {
            r->i += 2;
        } else if (left >= 2 &&
                   ((k[0] == 'P' && k[1] == '<') || (k[0] == '<' && is_alnum((unsigned char)k[1])) || k[0] == '\'')) {
            /* a named group: skip the name */
            size_t j = r->i + 1;
            char close = k[0] == '\'' ? '\'' : '>';
            j += k[0] == 'P' ? 2 : 1;
            while (j < r->n && r->s[j] != close)
                j++;
            if (j >= r->n) {
                r->give_up = 1;
                return;
            }
            r->i = j + 1;
        } else if (left >= 1 && (*k == '=' || *k == '!' || (*k == '<' && left >= 2 && (k[1] == '=' || k[1] == '!')))) {
            analyse = 0; /* lookaround: matches no text of its own */
            r->i += *k == '<' ? 3 : 2;
        } else if (left >= 1 && *k == '#') {
            analyse = 0;
            r->i += 2;
        } else if (left >= 1 && (*k == '-' || (*k >= 'a' && *k <= 'z') || *k == '^')) {
            /* (?i) or (?i:...): option letters then ')' or ':' */
            size_t j = r->i + 1;
            while (j < r->n && (r->s[j] == '-' || r->s[j] == '^' || (r->s[j] >= 'a' && r->s[j] <= 'z')))
                j++;
            if (j >= r->n) {
                r->give_up = 1;
                return;
            }
            if (r->s[j] == ')') {
                r->i = j + 1;
                return; /* a setting, not a group */
            }
            if (r->s[j] != ':') {
                r->give_up = 1;
                return;
            }
            r->i = j + 1;
        } else {
            r->give_up = 1; /* recursion, conditionals, callouts... */
            return;
        }
    }
    litset inner = {0, {{0}}, {0}, {0}, {0}};
    if (++r->depth > 50) {
        r->give_up = 1;
        return;
    }
    read_alternation(r, &inner, bounded, leading);
    r->depth--;
    if (r->give_up)
        return;
    if (r->i >= r->n || r->s[r->i] != ')') {
        r->give_up = 1;
        return;
    }
    r->i++;
    if (analyse && !optional_next(r))
        *out = inner;
}

/* Whether the text at r->i quantifies what comes before it. */
static int quantifier_at(const reader *r, size_t i)
{
    return i < r->n && (r->s[i] == '?' || r->s[i] == '*' || r->s[i] == '+' || r->s[i] == '{');
}

/* One alternative: the best literal set among its literal runs and its mandatory groups.
 * `boundary`: what comes next starts right after a \b (the alternative's start may). A run whose
 * first character does is marked bounded: in every match, it starts where \b holds. Any other
 * construct between the \b and the run's first character clears it. `at_start`: what comes next
 * is where the match starts (the alternative's start may be); only an unquantified \b and the
 * opening of a group may come before a run that is marked leading, and a run or group that takes
 * no text, a class, any other escape or a quantifier ends the start. */
static void read_sequence(reader *r, litset *best, int boundary, int at_start)
{
    char run[QC_MT_LITERAL_MAX];
    size_t rl = 0;
    int run_bounded = 0, run_leading = 0;
    best->n = 0;
    while (r->i < r->n && !r->give_up) {
        unsigned char c = (unsigned char)r->s[r->i];
        if (c == '|' || c == ')')
            break;
        if (c == '\\') {
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
            if (r->i + 1 >= r->n) {
                r->give_up = 1;
                break;
            }
            unsigned char e = (unsigned char)r->s[r->i + 1];
            if (is_alnum(e) && !strchr("dDwWsSbBntrfeahHvVRXKAzZG", e)) {
                r->give_up = 1; /* \Q, \x41, \p{..}, back references...: they change what follows */
                break;
            }
            r->i += 2;
            /* \b, unquantified (PCRE2 lets an assertion be repeated, and \b? may be absent) */
            boundary = e == 'b' && !quantifier_at(r, next_significant(r));
            at_start = at_start && boundary;
            continue;
        }
        if (c == '[') {
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
            boundary = at_start = 0;
            if (skip_class(r)) {
                r->give_up = 1;
                break;
            }
            continue;
        }
        if (c == '(') {
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
            litset g = {0, {{0}}, {0}, {0}, {0}};
            read_group(r, &g, boundary, at_start);
            boundary = at_start = 0;
            if (better(&g, best))
                *best = g;
            continue;
        }
        if (c == '#') {
            r->give_up = 1; /* a comment in x mode: what follows is not pattern */
            break;
        }
        if (c == '?' || c == '*' || c == '+' || c == '{') {
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
            boundary = at_start = 0;
            skip_quantifier(r);
            continue;
        }
        r->i++;
        int after_boundary = boundary, first = at_start;
        boundary = at_start = 0;
        unsigned char lc = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        if (!is_alnum(c) || (r->caseless && (lc == 'k' || lc == 's'))) {
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
            continue;
        }
        if (optional_next(r)) {
            /* this character may be absent: the run ends before it */
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
            continue;
        }
        if (rl == sizeof run) {
            offer_run(best, run, rl, run_bounded, run_leading);
            rl = 0;
        }
        if (rl == 0) {
            run_bounded = after_boundary;
            run_leading = first;
        }
        run[rl++] = (char)lc;
        size_t q = next_significant(r);
        if (q < r->n && (r->s[q] == '+' || r->s[q] == '{')) {
            offer_run(best, run, rl, run_bounded,
                      run_leading); /* x+ or x{2}: one x at least; what comes next may not follow it */
            rl = 0;
        }
    }
    offer_run(best, run, rl, run_bounded, run_leading);
}

/* Alternatives: a match contains a literal of whichever alternative it took, so the union of
 * their sets, when every alternative has one and the union is small. */
static void read_alternation(reader *r, litset *out, int bounded, int leading)
{
    out->n = 0;
    int hopeless = 0;
    for (;;) {
        litset alt = {0, {{0}}, {0}, {0}, {0}};
        read_sequence(r, &alt, bounded, leading);
        if (r->give_up)
            return;
        if (!alt.n || out->n + alt.n > QC_MT_MAX_LITERALS)
            hopeless = 1;
        if (!hopeless) {
            for (unsigned k = 0; k < alt.n; k++) {
                memcpy(out->lit[out->n], alt.lit[k], sizeof out->lit[0]);
                out->bounded[out->n] = alt.bounded[k];
                out->leading[out->n] = alt.leading[k];
                out->len[out->n++] = alt.len[k];
            }
        }
        if (r->i < r->n && r->s[r->i] == '|') {
            r->i++;
            continue;
        }
        break;
    }
    if (hopeless)
        out->n = 0;
}

void qc_mt_regex_literals(const char *src, int caseless, int extended, int plain, qc_mt_litset *out)
{
    memset(out, 0, sizeof *out);
    if (!src)
        return;
    /* an inline (?i) or (?x) may turn an option on anywhere */
    int inline_options = strstr(src, "(?") != NULL;
    reader r = {src, strlen(src), 0, (caseless || inline_options) && !plain, extended || inline_options, 0, 0};
    litset set = {0, {{0}}, {0}, {0}, {0}};
    read_alternation(&r, &set, 0, 1);
    if (r.give_up || r.i != r.n)
        return; /* a stray ')' or something not understood */
    /* \G holds at the offset a search starts from: a search started at a literal's place instead
     * of before it could match where the one from before would not */
    int offset_assertion = strstr(src, "\\G") != NULL;
    for (unsigned k = 0; k < set.n; k++) {
        memcpy(out->text[k], set.lit[k], set.len[k]);
        out->len[k] = set.len[k];
        out->bounded[k] = set.bounded[k];
        out->leading[k] = (uint8_t)(set.leading[k] && !offset_assertion);
    }
    out->count = set.n;
}
