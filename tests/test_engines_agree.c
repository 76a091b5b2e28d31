/* The fast engine must give exactly what the reference engine gives: on a few hundred small
 * codebooks and transcripts made by a seeded generator (the same seed, the same case), every
 * quotation and every hit, with rule indices, must be the same. A failure prints the seed, the
 * codebook and the transcript. */
#include "qc_test.h"

#include "engines_gen.h"

/* ---- comparing ----------------------------------------------------------------------------- */

static char *run(const qc_codebook *cb, const qc_document *doc, const qc_casebook *cases, qc_engine engine)
{
    qc_coding *coding = qct_code(cb, doc, cases, engine);
    sbuf b = {NULL, 0, 0};
    put(&b, "%zu quotations\n", qc_coding_quotation_count(coding));
    for (size_t i = 0; i < qc_coding_quotation_count(coding); i++)
        put_quotation(&b, cb, coding, i);
    qc_coding_free(coding);
    return b.s;
}

typedef struct tally {
    size_t cases, quotations;
} tally;

static void one_case(uint64_t seed, tally *t)
{
    rng = seed;
    sbuf cbtext = {NULL, 0, 0}, text = {NULL, 0, 0};
    gen_codebook(&cbtext);
    gen_transcript(&text, below(2));
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load_buffer(&cb, "gen.qcb", cbtext.s, cbtext.len, NULL, &err);
    cr_assert_eq(rc, 0, "seed %llu: the generated codebook does not load: %u:%u: %s\n%s", (unsigned long long)seed,
                 err.line, err.column, err.message, cbtext.s);
    qc_document *doc = NULL;
    rc = qc_document_read_buffer(&doc, "gen.txt", text.s, text.len, NULL, &err);
    cr_assert_eq(rc, 0, "seed %llu: transcript: %s", (unsigned long long)seed, err.message);
    qc_casebook *cases = NULL;
    if (below(2)) {
        const char *tsv = "speaker\tprofession\nP1\tnurse\nP2\tOT\nInterviewer\tresearcher\n";
        cr_assert_eq(qc_casebook_load_buffer(&cases, "c.tsv", tsv, strlen(tsv), NULL), 0);
    }
    char *fast = run(cb, doc, cases, QC_ENGINE_FAST);
    char *ref = run(cb, doc, cases, QC_ENGINE_REFERENCE);
    cr_assert_str_eq(fast, ref,
                     "seed %llu: the engines disagree\n--- codebook\n%s--- transcript\n%s--- fast\n%s--- "
                     "reference\n%s",
                     (unsigned long long)seed, cbtext.s, text.s, fast, ref);
    t->cases++;
    t->quotations += strtoul(fast, NULL, 10);
    free(fast);
    free(ref);
    qc_casebook_free(cases);
    qc_document_free(doc);
    qc_codebook_free(cb);
    free(cbtext.s);
    free(text.s);
}

Test(engines_agree, on_generated_codebooks_and_transcripts)
{
    tally t = {0, 0};
    for (uint64_t seed = 1; seed <= 400; seed++)
        one_case(seed * 7919, &t);
    cr_assert_eq(t.cases, 400);
    /* the generator must exercise the engines, not compare empty codings */
    cr_assert_gt(t.quotations, 1500, "only %zu quotations in all", t.quotations);
    cr_log_info("%zu quotations", t.quotations);
}
