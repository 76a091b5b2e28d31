/* Coding a few codes of a codebook (qc_coder_options.codes, as a re-code through the cache does):
 * the fast engine finds a subset's few words and literals by a byte search of the text instead of
 * folding every word (engine/match.c: scan_sparse). Its quotations must be those of the full
 * coding restricted to the subset, and the reference engine's: here on words the byte search must
 * not take at face value (non-ASCII, folded case, accents, ligatures, a word inside a longer one,
 * phrases across line breaks and time stamps, the document's first and last bytes). */
#include "qc_test.h"

#include "engines_gen.h"
#include "alloc_fail.h"

static qc_codebook *load_cb(const char *src)
{
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load_buffer(&cb, "t.qcb", src, strlen(src), NULL, &err);
    cr_assert_eq(rc, 0, "codebook failed: %u:%u: %s\n%s", err.line, err.column, err.message, src);
    return cb;
}

static qc_document *load_doc(const char *text)
{
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_buffer(&doc, "doc.txt", text, strlen(text), NULL, &err);
    cr_assert_eq(rc, 0, "document failed: %s", err.message);
    return doc;
}

static qc_coder *new_coder(const qc_codebook *cb, qc_engine engine, const uint8_t *mask)
{
    qc_coder_options opts = QC_CODER_OPTIONS_INIT;
    opts.engine = engine;
    opts.codes = mask;
    qc_coder *coder = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_new(&coder, cb, &opts, &err), 0, "coder: %s", err.message);
    return coder;
}

/* The coding's quotations of the codes in mask, one line each with its hits. */
static char *render(const qc_codebook *cb, qc_coder *coder, const qc_document *doc, const uint8_t *mask)
{
    qc_coding *coding = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "coding: %s", err.message);
    sbuf b = {NULL, 0, 0};
    put(&b, "%s", "");
    for (size_t i = 0; i < qc_coding_quotation_count(coding); i++) {
        qc_quotation q;
        cr_assert_eq(qc_coding_quotation(coding, i, &q), 0);
        if (!mask[q.code])
            continue;
        put_quotation(&b, cb, coding, i);
    }
    qc_coding_free(coding);
    return b.s;
}

/* Codes every document with the subset (one coder for all of them, as a re-code does) and checks
 * it against the full coding restricted to the subset, by both engines. Returns the quotations
 * the subset found. */
static size_t check_subset(const qc_codebook *cb, const char *cbtext, qc_document *const *docs,
                           const char *const *texts, size_t ndocs, const uint8_t *mask)
{
    qc_coder *sub = new_coder(cb, QC_ENGINE_FAST, mask);
    qc_coder *full = new_coder(cb, QC_ENGINE_FAST, NULL);
    qc_coder *ref = new_coder(cb, QC_ENGINE_REFERENCE, NULL);
    size_t lines = 0;
    for (size_t d = 0; d < ndocs; d++) {
        char *got = render(cb, sub, docs[d], mask);
        char *want = render(cb, full, docs[d], mask);
        char *want_ref = render(cb, ref, docs[d], mask);
        cr_assert_str_eq(want, want_ref,
                         "the engines differ\n--- codebook\n%s--- transcript\n%s\n--- fast\n%s--- reference\n%s",
                         cbtext, texts[d], want, want_ref);
        cr_assert_str_eq(
            got, want, "the subset differs\n--- codebook\n%s--- transcript\n%s\n--- subset\n%s--- full, restricted\n%s",
            cbtext, texts[d], got, want);
        for (const char *p = got; *p; p++)
            lines += *p == '\n';
        free(got);
        free(want);
        free(want_ref);
    }
    qc_coder_free(sub);
    qc_coder_free(full);
    qc_coder_free(ref);
    return lines;
}

/* ---- by hand ------------------------------------------------------------------------------- */

static const char hand_cb[] = "codebook \"t\"\n"
                              "code CM \"cm\"\n  rule \"case manager\" OR \"revisedterm\"\n  scope match\n"
                              "code FAM \"fam\"\n  rule families\n  scope match\n"
                              "code FOR \"for\"\n  rule formal\n  scope match\n"
                              "code PAP \"pap\"\n  rule pape*\n  scope match\n"
                              "code CS \"cs\"\n  rule NHS\n  case sensitive\n  scope match\n"
                              "code ACC \"acc\"\n  rule café\n  accents keep\n  scope match\n"
                              "code BAND \"band\"\n  rule /\\bband\\s*[5-8]\\b/\n  scope match\n"
                              "code STR \"str\"\n  rule strasse\n  scope match\n"
                              "code FIN \"fin\"\n  rule finance OR kelvin\n  scope match\n"
                              "code HYP \"hyp\"\n  rule co-location OR \"don't\"\n  scope match\n"
                              "code MID \"mid\"\n  rule form?l NEAR/2 famil*\n"
                              "code ANY \"any\"\n  rule *care\n  scope match\n"
                              "code SHORT \"short\"\n  rule ok\n  scope match\n";

static const char *const hand_texts[] = {
    /* the first and last bytes: no line end after the last word */
    "formal families and formal",
    "P1: Formal FORMAL informal formality formal's formal\xE2\x80\x99s f\xC3\xB3rmal formal-ish.\n"
    "P2: Families FAMILIES family Fam\xC3\xADlies famil\xC3\xA9s families.\n",
    "P1: A case manager, a Case\nManager, a CASE  MANAGER, a case\n\nmanager and a case [00:11:37] manager.\n"
    "P2: Not a case, manager, nor a casemanager, nor a case-manager, nor case managers. revisedterm REVISEDTERM.\n",
    "P1: Papers, paper, pape, P\xC3\xA1pers, newspaper, PAPE.\n",
    "P1: NHS and nhs and Nhs; caf\xC3\xA9 and cafe and CAF\xC3\x89 and cafe\xCC\x81.\n",
    "P1: band 5, Band6, BAND 7, husband 5, band 9, bandwidth 6.\n",
    "P1: Stra\xC3\x9F"
    "e, STRASSE, strasse, STRAS\xE1\xBA\x9E"
    "E.\n",
    "P1: \xEF\xAC\x81nance, FINANCE, refinance, \xE2\x84\xAA"
    "elvin, kelvins.\n",
    "P1: co-location, co\xE2\x80\x91location, colocation, don't, don\xE2\x80\x99t, DON'T.\n",
    "P1: healthcare care Care formal and a families ok OK okay.\n",
    "revisedterm",
};

#define NHAND (sizeof hand_texts / sizeof hand_texts[0])

Test(match_subset, a_few_codes_equal_the_full_coding_restricted_to_them)
{
    qc_codebook *cb = load_cb(hand_cb);
    qc_document *docs[NHAND];
    for (size_t d = 0; d < NHAND; d++)
        docs[d] = load_doc(hand_texts[d]);
    size_t n = qc_codebook_code_count(cb);
    uint8_t mask[16];
    cr_assert_leq(n, sizeof mask);
    size_t found = 0;
    /* each code alone, and every code but the last two (ANY and SHORT, which the byte search
     * leaves to the fold of every word) */
    for (size_t c = 0; c <= n; c++) {
        for (size_t k = 0; k < n; k++)
            mask[k] = c < n ? k == c : k + 2 < n;
        found += check_subset(cb, hand_cb, docs, hand_texts, NHAND, mask);
    }
    /* the re-code's three codes (a phrase, words, a regex) */
    memset(mask, 0, sizeof mask);
    mask[0] = mask[1] = mask[6] = 1;
    found += check_subset(cb, hand_cb, docs, hand_texts, NHAND, mask);
    cr_assert_gt(found, 60, "only %zu quotations", found);
    for (size_t d = 0; d < NHAND; d++)
        qc_document_free(docs[d]);
    qc_codebook_free(cb);
}

/* What the byte search finds, worked out by hand: the words it must take and those it must not. */
Test(match_subset, the_byte_search_finds_what_folding_finds)
{
    qc_codebook *cb = load_cb(hand_cb);
    static const struct {
        size_t code;
        const char *text, *want;
    } cases[] = {
        {2, "formal x formal", "FOR [0,6) turn 0: [0,6)r0@9:8\nFOR [9,15) turn 0: [9,15)r0@9:8\n"},
        {2, "informal formality Formal", "FOR [19,25) turn 0: [19,25)r0@9:8\n"},
        {2, "f\xC3\xB3rmal", "FOR [0,6) turn 0: [0,6)r0@9:8\n"},
        {1, "Fam\xC3\xADlies famil\xC3\xA9s", "FAM [0,8) turn 0: [0,8)r0@6:8\n"},
        {0, "case\nmanager", "CM [0,12) turn 0: [0,12)r0@3:8\n"},
        {0, "casemanager case-manager", ""},
        {3, "newspaper P\xC3\xA1pers", "PAP [10,16) turn 0: [10,16)r0@12:8\n"},
        {4, "nhs NHS", "CS [4,7) turn 0: [4,7)r0@15:8\n"},
        {5, "cafe caf\xC3\xA9", "ACC [5,9) turn 0: [5,9)r0@19:8\n"},
        {6, "husband 5 band 6", "BAND [10,16) turn 0: [10,16)r0@23:8\n"},
        {7,
         "Stra\xC3\x9F"
         "e",
         "STR [0,6) turn 0: [0,6)r0@26:8\n"},
        {8, "\xEF\xAC\x81nance", "FIN [0,6) turn 0: [0,6)r0@29:8\n"},
        {9, "don\xE2\x80\x99t", "HYP [0,5) turn 0: [0,5)r0@32:23\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t mask[16] = {0};
        mask[cases[i].code] = 1;
        qc_document *doc = load_doc(cases[i].text);
        qc_coder *sub = new_coder(cb, QC_ENGINE_FAST, mask);
        char *got = render(cb, sub, doc, mask);
        cr_expect_str_eq(got, cases[i].want, "%s in \"%s\": got\n%s", qc_code_id(cb, cases[i].code), cases[i].text,
                         got);
        free(got);
        qc_coder_free(sub);
        qc_document_free(doc);
    }
    qc_codebook_free(cb);
}

/* ---- generated ----------------------------------------------------------------------------- */

/* Document words: the patterns' words as typed, in other cases, with accents, inside longer
 * words, and non-ASCII forms that fold to them. */
static const char *const sub_words[] = {"formal",
                                        "Formal",
                                        "FORMAL",
                                        "informal",
                                        "formality",
                                        "f\xC3\xB3rmal",
                                        "formal's",
                                        "formal\xE2\x80\x99s",
                                        "families",
                                        "Families",
                                        "family",
                                        "Fam\xC3\xADlies",
                                        "familles",
                                        "pape",
                                        "paper",
                                        "Papers",
                                        "P\xC3\xA1pers",
                                        "newspaper",
                                        "case",
                                        "Case",
                                        "manager",
                                        "Manager",
                                        "managers",
                                        "casemanager",
                                        "case-manager",
                                        "nhs",
                                        "NHS",
                                        "Nhs",
                                        "cafe",
                                        "caf\xC3\xA9",
                                        "CAF\xC3\x89",
                                        "band",
                                        "Band",
                                        "husband",
                                        "5",
                                        "6",
                                        "9",
                                        "Stra\xC3\x9F"
                                        "e",
                                        "strasse",
                                        "\xEF\xAC\x81nance",
                                        "finance",
                                        "\xE2\x84\xAA"
                                        "elvin",
                                        "kelvin",
                                        "don't",
                                        "don\xE2\x80\x99t",
                                        "co-location",
                                        "co\xE2\x80\x91location",
                                        "revisedterm",
                                        "the",
                                        "a",
                                        "of",
                                        "care",
                                        "healthcare",
                                        "x"};
static const char *const sub_gaps[] = {" ", " ", " ", "  ", "\n", "\n\n", ", ", " [00:11:37] ", "-", ". "};
static const char *const sub_patterns[] = {"formal",
                                           "families",
                                           "pape*",
                                           "\"case manager\"",
                                           "manager",
                                           "NHS",
                                           "caf\xC3\xA9",
                                           "strasse",
                                           "finance",
                                           "kelvin",
                                           "don't",
                                           "co-location",
                                           "revisedterm",
                                           "famil?es",
                                           "form*l",
                                           "manag*",
                                           "/\\bband\\s*[5-8]\\b/",
                                           "/formal/i",
                                           "/\\bkelvin\\b/",
                                           "\"Formal families\"",
                                           "paper",
                                           "the*",
                                           "*care",
                                           "of"};

static void gen_subset_codebook(sbuf *b, unsigned n)
{
    put(b, "codebook \"gen\"\n");
    for (unsigned c = 0; c < n; c++) {
        put(b, "code C%u \"code %u\"\n  rule %s", c, c, PICK(sub_patterns));
        if (below(2))
            put(b, " %s %s", PICK(((const char *const[]){"OR", "AND", "NEAR/3", "OR"})), PICK(sub_patterns));
        put(b, "\n");
        if (below(5) == 0)
            put(b, "  case sensitive\n");
        if (below(5) == 0)
            put(b, "  accents keep\n");
        put(b, "  scope %s\n", PICK(((const char *const[]){"match", "match", "sentence", "paragraph"})));
    }
}

static void gen_subset_text(sbuf *b)
{
    put(b, "%s", "");
    unsigned words = 1 + below(60);
    if (below(2))
        put(b, "P%u: ", 1 + below(2));
    for (unsigned w = 0; w < words; w++)
        put(b, "%s%s", w ? PICK(sub_gaps) : "", PICK(sub_words));
    if (below(2))
        put(b, ".\n");
}

Test(match_subset, generated_subsets_equal_the_full_coding_restricted_to_them)
{
    size_t found = 0;
    for (uint64_t seed = 1; seed <= 120; seed++) {
        rng = seed * 7919;
        sbuf cbtext = {NULL, 0, 0};
        unsigned n = 3 + below(6);
        gen_subset_codebook(&cbtext, n);
        qc_codebook *cb = load_cb(cbtext.s);
        enum { NDOCS = 4 };
        sbuf text[NDOCS] = {{NULL, 0, 0}};
        qc_document *docs[NDOCS];
        const char *texts[NDOCS];
        for (unsigned d = 0; d < NDOCS; d++) {
            gen_subset_text(&text[d]);
            docs[d] = load_doc(text[d].s);
            texts[d] = text[d].s;
        }
        uint8_t mask[16] = {0};
        for (unsigned trial = 0; trial < 3; trial++) {
            /* one to three codes */
            memset(mask, 0, sizeof mask);
            for (unsigned k = 0; k <= trial; k++)
                mask[below(n)] = 1;
            found += check_subset(cb, cbtext.s, docs, texts, NDOCS, mask);
        }
        for (unsigned d = 0; d < NDOCS; d++) {
            qc_document_free(docs[d]);
            free(text[d].s);
        }
        qc_codebook_free(cb);
        free(cbtext.s);
    }
    cr_assert_gt(found, 300, "only %zu quotations", found);
}

/* The engines' own generator (tests/engines_gen.h): wildcards, regexes, references, NOT, excludes,
 * speakers and time stamps, with one coder coding several transcripts, as a re-code does. */
Test(match_subset, generated_codebooks_coded_document_after_document)
{
    size_t found = 0;
    for (uint64_t seed = 1; seed <= 80; seed++) {
        rng = seed * 104723;
        sbuf cbtext = {NULL, 0, 0};
        gen_codebook(&cbtext);
        qc_codebook *cb = load_cb(cbtext.s);
        size_t n = qc_codebook_code_count(cb);
        enum { NDOCS = 3 };
        sbuf text[NDOCS] = {{NULL, 0, 0}};
        qc_document *docs[NDOCS];
        const char *texts[NDOCS];
        for (unsigned d = 0; d < NDOCS; d++) {
            gen_transcript(&text[d], below(2));
            docs[d] = load_doc(text[d].s);
            texts[d] = text[d].s;
        }
        uint8_t mask[16] = {0};
        mask[below((unsigned)n)] = 1;
        found += check_subset(cb, cbtext.s, docs, texts, NDOCS, mask);
        for (unsigned d = 0; d < NDOCS; d++) {
            qc_document_free(docs[d]);
            free(text[d].s);
        }
        qc_codebook_free(cb);
        free(cbtext.s);
    }
    cr_assert_gt(found, 50, "only %zu quotations", found);
}

/* ---- allocation failures ------------------------------------------------------------------- */

/* Every allocation of a subset's coding (its byte search made, the words with non-ASCII bytes
 * folded, a phrase's words folded one by one) may fail: the call says so, and the same coder codes
 * the document right once memory is back. */
Test(match_subset, every_allocation_failure_is_reported_and_does_not_stick)
{
    qc_codebook *cb = load_cb(hand_cb);
    const char *text = hand_texts[2];
    qc_document *doc = load_doc(text);
    uint8_t mask[16] = {0};
    mask[0] = mask[1] = mask[2] = mask[6] = 1; /* CM (a phrase), FAM, FOR, BAND (a regex) */
    qc_coder *sub = new_coder(cb, QC_ENGINE_FAST, mask);
    char *want = render(cb, sub, doc, mask);
    qc_coder_free(sub);
    cr_assert(strstr(want, "CM ["), "%s", want);
    qc_document *doc2 = load_doc(hand_texts[1]); /* non-ASCII words */
    qc_allocator failing = {failing_malloc, failing_realloc, free};
    int completed = 0;
    for (alloc_fail_at = 1; !completed && alloc_fail_at < 5000; alloc_fail_at++) {
        alloc_calls = 0;
        qc_set_allocator(&failing);
        qc_coder_options opts = QC_CODER_OPTIONS_INIT;
        opts.codes = mask;
        qc_coder *coder = NULL;
        qc_coding *coding = NULL, *coding2 = NULL;
        qc_error err;
        int rc = qc_coder_new(&coder, cb, &opts, &err);
        if (rc == 0)
            rc = qc_coder_code(coder, doc2, NULL, &coding2, &err);
        if (rc == 0)
            rc = qc_coder_code(coder, doc, NULL, &coding, &err);
        completed = alloc_calls < alloc_fail_at;
        qc_set_allocator(NULL);
        cr_assert(rc == 0 || rc == QC_ERR_NOMEM, "allocation %ld: status %d", alloc_fail_at, rc);
        cr_assert_eq(rc == 0, completed, "allocation %ld failed but the call says %d", alloc_fail_at, rc);
        qc_coding_free(coding);
        qc_coding_free(coding2);
        if (coder) {
            char *got = render(cb, coder, doc, mask);
            cr_assert_str_eq(got, want, "after failing allocation %ld", alloc_fail_at);
            free(got);
        }
        qc_coder_free(coder);
    }
    cr_assert(completed, "the coding never completed");
    free(want);
    qc_document_free(doc2);
    qc_document_free(doc);
    qc_codebook_free(cb);
}
