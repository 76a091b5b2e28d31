/* qcode-gen: deterministic generators for the benchmark.
 *
 *   qcode-gen corpus --bytes N --out DIR [--seed S] [--doc-bytes N]
 *   qcode-gen codebook --out FILE [--seed S] [--rules N]
 *
 * The corpus is interviews and focus groups with header lines, speaker turns and the quirks of
 * real exports (some CRLF files, some BOMs, curly quotes, non-ASCII hyphens, NFD accents); the
 * codebook has the shape of the study's tree (53 main codes, 24 of them with 218 sub-codes) and
 * about 1,000 rules in the mix a real codebook has, built from the same vocabulary so that rules
 * hit densely. The same seed always gives the same bytes. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vocabulary.h"

/* splitmix64: tiny, fast, and the same everywhere. */
static uint64_t rng_state;
/* Per mille of words drawn from the codebook's vocabulary (theme words, then two-word phrases). */
static unsigned theme_permille = 18, phrase_permille = 4;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

#define PICK(list) ((list)[rng_below((unsigned)COUNT_OF(list))])

/* An output buffer per file, written in one go. */
typedef struct out_buf {
    char *data;
    size_t len, cap;
} out_buf;

static void out_append(out_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            fprintf(stderr, "qcode-gen: out of memory\n");
            exit(2);
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void out_puts(out_buf *b, const char *s)
{
    out_append(b, s, strlen(s));
}

static void out_printf(out_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(out_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    out_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void write_file(const char *path, const out_buf *b)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(b->data, 1, b->len, fp) != b->len || fclose(fp) != 0) {
        fprintf(stderr, "qcode-gen: cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

/* --- corpus --- */

static void sentence(out_buf *b)
{
    unsigned words = 6 + rng_below(18);
    for (unsigned i = 0; i < words; i++) {
        const char *w;
        unsigned r = rng_below(1000);
        if (r < 4)
            w = PICK(variant_words);
        else if (r < 4 + phrase_permille)
            w = PICK(common_phrases);
        else if (r < 4 + phrase_permille + theme_permille)
            w = PICK(theme_words);
        else
            w = PICK(filler_words);
        if (i == 0) {
            char first[64];
            snprintf(first, sizeof first, "%s", w);
            if (first[0] >= 'a' && first[0] <= 'z')
                first[0] = (char)(first[0] - 32);
            out_puts(b, first);
        } else {
            out_puts(b, " ");
            out_puts(b, w);
        }
        if (i + 1 < words && rng_below(14) == 0)
            out_puts(b, ",");
    }
    static const char *const ends[] = {".", ".", ".", ".", "?", "!", "..."};
    out_puts(b, PICK(ends));
}

static void answer(out_buf *b, const char *eol)
{
    unsigned paragraphs = 1 + (rng_below(4) == 0);
    for (unsigned p = 0; p < paragraphs; p++) {
        if (p) {
            out_puts(b, eol);
            out_puts(b, eol);
        }
        unsigned sentences = 1 + rng_below(6);
        for (unsigned s = 0; s < sentences; s++) {
            if (s)
                out_puts(b, " ");
            sentence(b);
        }
    }
}

static void document(out_buf *b, unsigned index, size_t target, FILE *cases)
{
    int crlf = rng_below(10) == 0;
    int bom = rng_below(15) == 0;
    int focus = rng_below(4) == 0;
    const char *eol = crlf ? "\r\n" : "\n";
    if (bom)
        out_puts(b, "\xEF\xBB\xBF");
    const char *site = PICK(sites);
    unsigned phase = 1 + rng_below(2);
    out_printf(b, "title: Generated %s %u%s", focus ? "focus group" : "interview", index, eol);
    out_printf(b, "site: %s%s", site, eol);
    out_printf(b, "phase: %u%s", phase, eol);
    out_printf(b, "date: 20%02u-%02u-%02u%s", 15 + phase, 1 + rng_below(12), 1 + rng_below(28), eol);
    out_printf(b, "type: %s%s%s", focus ? "focus group" : "interview", eol, eol);

    unsigned speakers = focus ? 3 + rng_below(3) : 1;
    unsigned first_id = index * 8;
    for (unsigned s = 0; s < speakers; s++)
        fprintf(cases, "S%u\t%s\t%s\t%u\n", first_id + s, site, PICK(professions), 5 + rng_below(4));
    while (b->len < target) {
        out_printf(b, "%s: %s%s%s", focus ? "Facilitator" : "Interviewer", PICK(interviewer_questions), eol, eol);
        unsigned replies = focus ? 1 + rng_below(speakers) : 1;
        for (unsigned r = 0; r < replies; r++) {
            out_printf(b, "S%u: ", first_id + rng_below(speakers));
            answer(b, eol);
            out_puts(b, eol);
            out_puts(b, eol);
        }
    }
}

static int cmd_corpus(uint64_t bytes, size_t doc_bytes, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "qcode-gen: cannot create %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/cases.tsv", dir);
    FILE *cases = fopen(path, "wb");
    if (!cases) {
        fprintf(stderr, "qcode-gen: cannot write %s: %s\n", path, strerror(errno));
        return 2;
    }
    fprintf(cases, "speaker\tteam\tprofession\tband\n");
    out_buf b = {0};
    uint64_t written = 0;
    unsigned index = 0;
    while (written < bytes) {
        /* Folders of 1,000 documents, as a large project would keep them. */
        if (index % 1000 == 0) {
            snprintf(path, sizeof path, "%s/batch-%04u", dir, index / 1000);
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "qcode-gen: cannot create %s: %s\n", path, strerror(errno));
                return 2;
            }
        }
        size_t target = doc_bytes / 2 + rng_below((unsigned)doc_bytes);
        if (written + target > bytes)
            target = (size_t)(bytes - written);
        b.len = 0;
        document(&b, index, target, cases);
        snprintf(path, sizeof path, "%s/batch-%04u/doc-%06u.txt", dir, index / 1000, index);
        write_file(path, &b);
        written += b.len;
        index++;
    }
    fclose(cases);
    free(b.data);
    fprintf(stderr, "qcode-gen: %u documents, %" PRIu64 " bytes in %s\n", index, written, dir);
    return 0;
}

/* --- codebook --- */

/* A theme word for a rule: never one that is also everyday filler ("people", "before"), which
 * no real codebook would code on. */
static const char *rule_word(void)
{
    for (;;) {
        const char *w = PICK(theme_words);
        int filler = 0;
        for (size_t i = 0; i < COUNT_OF(filler_words) && !filler; i++)
            filler = strcmp(w, filler_words[i]) == 0;
        if (!filler && strcmp(w, "before") != 0 && strcmp(w, "after") != 0)
            return w;
    }
}

/* Whether the wildcard prefix w[0..keep) would also match a filler word ("work*" and "working"). */
static int prefix_hits_filler(const char *w, size_t keep)
{
    for (size_t i = 0; i < COUNT_OF(filler_words); i++)
        if (strncmp(filler_words[i], w, keep) == 0)
            return 1;
    return 0;
}

static void rule_term(out_buf *b)
{
    out_printf(b, "\"%s\"", rule_word());
}

static void rule_wildcard(out_buf *b)
{
    const char *w = rule_word();
    size_t n = strlen(w);
    size_t keep = n > 5 ? 4 + rng_below((unsigned)(n - 4)) : n;
    while (keep < n && prefix_hits_filler(w, keep))
        keep++;
    if (keep > 3 && strchr(w, '-') == NULL) {
        out_printf(b, "%.*s*", (int)keep, w);
    } else {
        out_printf(b, "\"%s*\"", w);
    }
}

static void rule_phrase(out_buf *b)
{
    out_printf(b, "\"%s\"", PICK(common_phrases));
}

static void rule_regex(out_buf *b)
{
    const char *a = rule_word(), *c = rule_word();
    if (strchr(a, '-') || strchr(c, '-')) {
        out_printf(b, "/\\b(%s|%s)s?\\b/", "mdt", "huddle");
        return;
    }
    switch (rng_below(3)) {
    case 0: out_printf(b, "/\\b(%s|%s)s?\\b/", a, c); break;
    case 1: out_printf(b, "/\\b%s\\s+(of|to|with)\\s+\\w+/", a); break;
    default: out_printf(b, "/\\bband\\s*[5-8]\\b|\\b%s\\b/", a); break;
    }
}

static void rule_near(out_buf *b)
{
    const char *a = rule_word(), *c = rule_word();
    out_printf(b, "%s NEAR/%u %s", a, 2 + rng_below(6), c);
}

/* One rule of the mix: 35 % terms, 20 % wildcards, 20 % phrases, 15 % regexes, 10 % NEAR. */
static void rule(out_buf *b)
{
    unsigned r = rng_below(100);
    out_puts(b, "rule ");
    if (r < 35)
        rule_term(b);
    else if (r < 55)
        rule_wildcard(b);
    else if (r < 75)
        rule_phrase(b);
    else if (r < 90)
        rule_regex(b);
    else
        rule_near(b);
}

static void code_block(out_buf *b, const char *id, unsigned depth, unsigned rules)
{
    for (unsigned i = 0; i < depth * 2; i++)
        out_puts(b, " ");
    out_printf(b, "code %s \"Generated code %s\"\n", id, id);
    for (unsigned i = 0; i < depth * 2 + 2; i++)
        out_puts(b, " ");
    out_printf(b, "define \"A generated code for the benchmark (%s).\"\n", id);
    for (unsigned r = 0; r < rules; r++) {
        for (unsigned i = 0; i < depth * 2 + 2; i++)
            out_puts(b, " ");
        rule(b);
        out_puts(b, "\n");
    }
}

static int cmd_codebook(const char *path, unsigned total_rules)
{
    /* The study's shape: 53 main codes, 24 with children, 218 sub-codes of which some are
     * sub-sub-codes. */
    enum { MAIN = 53, WITH_CHILDREN = 24, SUB = 218 };
    unsigned codes = MAIN + SUB;
    out_buf b = {0};
    out_puts(&b, "# Generated by qcode-gen: the shape of the integrated-care codebook, synthetic rules.\n");
    out_puts(&b, "codebook \"Benchmark codebook\" version 1\n\n");
    unsigned per_code = total_rules / codes, extra = total_rules % codes;
    unsigned made = 0, sub_left = SUB;
    for (unsigned m = 0; m < MAIN; m++) {
        char id[32];
        snprintf(id, sizeof id, "M%02u", m + 1);
        code_block(&b, id, 0, per_code + (made++ < extra));
        if (m >= WITH_CHILDREN)
            continue;
        unsigned kids = sub_left / (WITH_CHILDREN - m);
        for (unsigned k = 0; k < kids; k++) {
            char sid[48];
            /* Every third child of a code gets its own child: depth 3 exists, as in the study. */
            int grandchild = (k % 3 == 2) && k + 1 < kids;
            snprintf(sid, sizeof sid, "%s.S%02u", id, k + 1);
            code_block(&b, sid, 1, per_code + (made++ < extra));
            if (grandchild) {
                char gid[64];
                snprintf(gid, sizeof gid, "%s.G", sid);
                code_block(&b, gid, 2, per_code + (made++ < extra));
                k++;
            }
        }
        sub_left -= kids;
    }
    write_file(path, &b);
    free(b.data);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: qcode-gen corpus --bytes N[K|M|G] --out DIR [--seed S] [--doc-bytes N]\n"
                    "       qcode-gen codebook --out FILE [--seed S] [--rules N]\n");
}

static uint64_t parse_size(const char *s)
{
    char *end;
    uint64_t n = strtoull(s, &end, 10);
    switch (*end) {
    case 'k': case 'K': n <<= 10; break;
    case 'm': case 'M': n <<= 20; break;
    case 'g': case 'G': n <<= 30; break;
    default: break;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *out = NULL;
    uint64_t bytes = 0, seed = 1;
    size_t doc_bytes = 60000;
    unsigned rules = 1000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
        else if (strcmp(argv[i], "--bytes") == 0)
            bytes = parse_size(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--doc-bytes") == 0)
            doc_bytes = (size_t)parse_size(argv[i + 1]);
        else if (strcmp(argv[i], "--rules") == 0)
            rules = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else {
            usage();
            return 2;
        }
    }
    rng_state = seed;
    if (!out || doc_bytes < 1000) {
        usage();
        return 2;
    }
    if (strcmp(argv[1], "corpus") == 0 && bytes > 0)
        return cmd_corpus(bytes, doc_bytes, out);
    if (strcmp(argv[1], "codebook") == 0 && rules >= 271)
        return cmd_codebook(out, rules);
    usage();
    return 2;
}
