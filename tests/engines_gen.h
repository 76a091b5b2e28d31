/* The generator of small codebooks and transcripts that tests/test_engines_agree.c compares the
 * engines on (and tests/test_match.c and tests/test_cache.c code subsets of): a seeded
 * splitmix64, so a seed always makes the same case. Include after qc_test.h. */
#ifndef QC_TEST_ENGINES_GEN_H
#define QC_TEST_ENGINES_GEN_H

#include <stdarg.h>

/* splitmix64 */
static uint64_t rng;

static uint64_t next(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(next() % n);
}

#define PICK(a) ((a)[below((unsigned)(sizeof(a) / sizeof((a)[0])))])

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        cr_assert(n >= 0);
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 64) * 2;
        b->s = realloc(b->s, b->cap);
        cr_assert_not_null(b->s);
    }
}

/* ---- transcripts --------------------------------------------------------------------------- */

/* Words as they appear in text: case, accents, hyphens and apostrophes vary. */
/* Quotation i of a coding as one line: code, span, turn, and each hit's span, rule and codebook
 * position; the form every engine comparison compares. */
static inline void put_quotation(sbuf *b, const qc_codebook *cb, const qc_coding *coding, size_t i)
{
    qc_quotation q;
    cr_assert_eq(qc_coding_quotation(coding, i, &q), 0);
    put(b, "%s [%zu,%zu) turn %zu:", qc_code_id(cb, q.code), q.start, q.end, q.turn);
    for (size_t h = 0; h < q.hit_count; h++) {
        qc_hit hit;
        cr_assert_eq(qc_coding_hit(coding, i, h, &hit), 0);
        put(b, " [%zu,%zu)r%zu@%u:%u", hit.start, hit.end, hit.rule, hit.line, hit.column);
    }
    put(b, "\n");
}

static const char *const text_words[] = {
    "team",
    "Team",
    "TEAM",
    "teams",
    "office",
    "Office",
    "offices",
    "care",
    "Care",
    "plan",
    "plans",
    "nurse",
    "Nurse",
    "nurses",
    "base",
    "shared",
    "Shared",
    "same",
    "Same",
    "work",
    "teamwork",
    "co-located",
    "co\xE2\x80\x91located",
    "colocated",
    "co-location",
    "don't",
    "don\xE2\x80\x99t",
    "cafe",
    "caf\xC3\xA9",
    "Caf\xC3\xA9",
    "not",
    "Not",
    "helpful",
    "really",
    "the",
    "a",
    "we",
    "it",
    "is",
    "x",
    "box",
    "organisation",
    "organization",
    "Zo\xC3\xAB",
    "zoe",
    "NHS",
    "nhs",
    "3.5",
    "mdt",
    "huddles",
    "band 5",
    "band6",
    "tm",
    "ofice",
    "nursing",
    "tea m",
    "te a m",
    "am",
    "10:30",
    "[12]",
};
/* Pairs that phrases look for, so that phrases hit often (and sometimes across a line end). */
static const char *const text_pairs[] = {
    "same office",  "the team",  "Team office",        "not helpful",    "care plan",   "shared base",
    "same\noffice", "the\nteam", "not really helpful", "same\n\noffice", "the\n\nteam", "same [00:01:02] office"};
/* Time stamps stand between words too (noScribe, Markdown's escaped brackets, parentheses, a
 * fraction, one with no space around it): markup that no leaf may hit and no distance counts. */
static const char *const gaps[] = {
    " ",         " ", " ", " ", " ", "  ", "\n", ", ", " - ", "; ", " [00:11:37] ", " \\[16:13\\] ", " (00:12:03.5)\n",
    "[01:02:03]"};
static const char *const ends[] = {". ", ". ", "! ", "? ", ".\n", ". "};
static const char *const speakers[] = {"P1", "P2", "P3", "Interviewer"};

static void gen_transcript(sbuf *b, int with_header)
{
    if (with_header)
        put(b, "site: %s\n\n", PICK(((const char *const[]){"RS1", "RS2", "RS3"})));
    unsigned turns = 1 + below(5);
    for (unsigned t = 0; t < turns; t++) {
        put(b, "%s: ", t == 0 && below(3) == 0 ? "P1" : PICK(speakers));
        unsigned paras = 1 + below(3);
        for (unsigned p = 0; p < paras; p++) {
            if (p)
                put(b, "\n\n");
            unsigned sentences = 1 + below(4);
            for (unsigned s = 0; s < sentences; s++) {
                unsigned words = 1 + below(9);
                for (unsigned w = 0; w < words; w++)
                    put(b, "%s%s", w ? PICK(gaps) : "", below(4) ? PICK(text_words) : PICK(text_pairs));
                /* a paragraph may end without a stop: then a phrase can run on into the next one */
                put(b, "%s", s + 1 < sentences ? PICK(ends) : below(3) ? "." : "");
            }
        }
        put(b, "\n");
    }
}

/* ---- codebooks ----------------------------------------------------------------------------- */

static const char *const pattern_words[] = {
    "team",       "office",    "care",         "plan",         "nurse", "base", "shared", "same",    "work",
    "co-located", "colocated", "co-location",  "don't",        "cafe",  "café", "not",    "helpful", "really",
    "the",        "box",       "organisation", "zoe",          "nhs",   "NHS",  "3.5",    "tea*",    "offic?",
    "co-locat*",  "*work",     "nurs*",        "organi?ation", "ca?e",  "*",    "t*m",    "?",       "don*",
    "caf?",       "*s",        "1*",           "00",           "3*"};
static const char *const pattern_pairs[] = {"same office", "the team",           "team office", "not helpful",
                                            "care plan",   "shared base",        "* office",    "team *",
                                            "sam? offic*", "not really helpful", "office the",  "plan shared"};
static const char *const regexes[] = {
    "/team\\w*/", "/\\boffice\\b/", "/shared\\s+base/", "/^\\w+/", "/care.{0,12}plan/", "/caf[eé]/", "/n[a-z]+e/",
    "/x*/", "/NHS/c", "/nhs/i", "/co.locat/", "/[.!?]$/", "/same \\s+ office/x", "/(?i)TEAM/", "/o(ff|v)ice/",
    "/plans?/", "/band\\s*[5-8]|office/", "/\\b(mdt|huddle|team)s?\\b/", "/(?:same|shared) (office|base)/", "/t(ea)?m/",
    "/of+ice/", "/nurs(e|ing)?/", "/te a m/x", "/te a m/", "/(?i)T e A m/x", "/of{1,2}ice/", "/o(?=ff)ffice/",
    "/(team|office)|care/", "/(te)?am/", "/\\w+ (?:the|a)\\b/", "/\\b\\d{2}\\b/", "/\\d+/", "/[\\[(]\\d/",
    "/office\\s+\\S/", "/\\]\\s*\\w+/",
    /* Groups the literal prefilter reads past or gives up on
     * (engine/regex_literal.c): named, branch reset, comment,
     * verb, back reference, quoted. */
    "/(?<w>team)\\w*/", "/(?'w'office)s?/", "/(?P<w>care) plan/", "/(?|(team)|(office))/", "/(?#a note)office/",
    "/(*UCP)\\bteam\\b/", "/o(?<f>f)(?P=f)ice/", "/(f)\\1ice/", "/\\Qco-located\\E/", "/(?i:TEAM) office/",
    "/(?-i:Team)/"};

static void gen_leaf(sbuf *b)
{
    switch (below(6)) {
    case 0: put(b, "/%s", PICK(regexes) + 1); break;
    case 1: {
        if (below(2)) {
            put(b, "\"%s\"", PICK(pattern_pairs));
            break;
        }
        put(b, "\"%s", PICK(pattern_words));
        unsigned n = 1 + below(2);
        for (unsigned i = 0; i < n; i++)
            put(b, " %s", PICK(pattern_words));
        put(b, "\"");
        break;
    }
    default: put(b, "\"%s\"", PICK(pattern_words)); break;
    }
}

/* The code being written, and for each code one past its last descendant. */
static unsigned gen_code;
static unsigned subtree_end[16];

static void gen_expr(sbuf *b, unsigned depth)
{
    unsigned r = below(depth >= 3 ? 3 : 10);
    if (r < 2 || depth >= 3) {
        gen_leaf(b);
        return;
    }
    if (r == 2 && gen_code > 0) {
        /* references point only to earlier codes ({X*} only when X's whole subtree is earlier),
         * so there is never a cycle */
        unsigned t = below(gen_code);
        if (subtree_end[t] <= gen_code && below(2))
            put(b, "{C%u*}", t);
        else
            put(b, "{C%u}", t);
        return;
    }
    if (r == 3) {
        put(b, "NOT (");
        gen_expr(b, depth + 1);
        put(b, ")");
        return;
    }
    put(b, "(");
    gen_expr(b, depth + 1);
    switch (below(5)) {
    case 0: put(b, ") AND ("); break;
    case 1: put(b, ") OR ("); break;
    case 2: put(b, ") NEAR/%u (", below(4)); break;
    case 3: put(b, ") BEFORE/%u (", below(4)); break;
    default: put(b, ") %s (", below(2) ? "NEAR" : "BEFORE"); break;
    }
    gen_expr(b, depth + 1);
    put(b, ")");
}

/* Codes C0..Cn-1 in file order; a code's references name only earlier codes that are not its
 * ancestors, so there is never a cycle. */
static void gen_codebook(sbuf *b)
{
    put(b, "codebook \"gen\"\n");
    if (below(4) == 0)
        put(b, "scope %s\n", PICK(((const char *const[]){"paragraph", "turn", "match"})));
    unsigned n = 2 + below(6);
    unsigned depth_of[16] = {0};
    for (unsigned c = 0; c < n; c++) {
        /* a child of the previous code, a sibling, or a main code */
        unsigned d = c == 0 ? 0 : below(3) == 0 ? depth_of[c - 1] + 1 : below(2) ? depth_of[c - 1] : 0;
        depth_of[c] = d > 3 ? 3 : d;
    }
    for (unsigned c = 0; c < n; c++) {
        unsigned e = c + 1;
        while (e < n && depth_of[e] > depth_of[c])
            e++;
        subtree_end[c] = e;
    }
    for (unsigned c = 0; c < n; c++) {
        unsigned d = depth_of[c];
        gen_code = c;
        char indent[16];
        memset(indent, ' ', 2 * d);
        indent[2 * d] = '\0';
        put(b, "%scode C%u \"code %u\"\n", indent, c, c);
        unsigned rules = below(5) == 0 ? 0 : 1 + below(2);
        for (unsigned r = 0; r < rules; r++) {
            put(b, "%s  rule ", indent);
            gen_expr(b, 0);
            put(b, "\n");
        }
        if (below(4) == 0) {
            put(b, "%s  exclude ", indent);
            gen_leaf(b);
            put(b, "\n");
        }
        switch (below(8)) {
        case 0: put(b, "%s  scope paragraph\n", indent); break;
        case 1: put(b, "%s  scope turn\n", indent); break;
        case 2: put(b, "%s  scope match\n", indent); break;
        case 3: put(b, "%s  scope words %u\n", indent, below(4)); break;
        default: break;
        }
        if (below(5) == 0)
            put(b, "%s  speakers %s\n", indent, below(2) ? "all" : "interviewers");
        if (below(6) == 0)
            put(b, "%s  case sensitive\n", indent);
        if (below(6) == 0)
            put(b, "%s  accents keep\n", indent);
        if (below(6) == 0)
            put(b, "%s  min %u\n", indent, below(4));
        if (below(8) == 0)
            put(b, "%s  where site = \"RS1\"\n", indent);
        if (below(8) == 0)
            put(b, "%s  where profession in (\"nurse\", \"OT\")\n", indent);
    }
}

#endif
