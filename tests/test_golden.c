/* The golden corpus (tests/golden/): three small transcripts and a codebook whose every count was
 * worked out by hand from docs/semantics.md before the program ran. The reasoning is written next
 * to each expectation.
 *
 * a.txt (site RS1, phase 1): Interviewer t0, S1 t1, Interviewer t2, S1 t3 (two paragraphs),
 *        Interviewer t4, S2 t5, Interviewer t6, S2 t7.
 * b.txt (site RS2, phase 2): Interviewer t0, S3 t1, Interviewer t2, S3 t3, Interviewer t4, S4 t5.
 * c.txt (site RS3, phase 2, profession manager in its header): one unlabelled turn.
 * cases.tsv: S1 nurse RS1, S2 manager RS1, S3 nurse RS2, S4 therapist RS2.
 */
#include "qc_test.h"

enum { TEAM, COLOC, MEET, IT, SLOW, STAFF, WAIT, GP, BUDGET, NCODES };
static const char *const ids[NCODES] = {"TEAM", "COLOC", "MEET", "IT", "SLOW", "STAFF", "WAIT", "GP", "BUDGET"};

typedef struct golden {
    qc_codebook *cb;
    qc_casebook *cases;
    qc_results *res;
} golden;

static void golden_run(golden *g, qc_engine engine, unsigned jobs)
{
    char *cbp = qct_source_path("tests/golden/golden.qcb");
    char *casep = qct_source_path("tests/golden/corpus/cases.tsv");
    qc_error err;
    cr_assert_eq(qc_codebook_load(&g->cb, cbp, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_casebook_load(&g->cases, casep, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_new(&g->res, g->cb, g->cases, &err), 0);
    char *paths[3] = {qct_source_path("tests/golden/corpus/a.txt"), qct_source_path("tests/golden/corpus/b.txt"),
                      qct_source_path("tests/golden/corpus/c.txt")};
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.engine = engine;
    ro.jobs = jobs;
    ro.on_document = qc_results_add_fn;
    ro.user = g->res;
    qc_run_stats st;
    cr_assert_eq(qc_corpus_run((const char *const *)paths, 3, g->cb, g->cases, &ro, &st, &err), 0, "%s",
                 err.message);
    cr_assert_eq(st.documents, 3);
    cr_assert_eq(st.failed, 0);
    for (int i = 0; i < 3; i++)
        free(paths[i]);
    free(cbp);
    free(casep);
    for (int c = 0; c < NCODES; c++)
        cr_assert_eq(qc_codebook_find(g->cb, ids[c]), c, "code order in the golden codebook");
}

static void golden_free(golden *g)
{
    qc_results_free(g->res);
    qc_casebook_free(g->cases);
    qc_codebook_free(g->cb);
}

static void expect(const qc_counts *c, uint64_t hits, uint64_t quotations, uint64_t respondents, uint64_t documents,
                   const char *what)
{
    cr_expect_eq(c->hits, hits, "%s: hits %llu, expected %llu", what, (unsigned long long)c->hits,
                 (unsigned long long)hits);
    cr_expect_eq(c->quotations, quotations, "%s: quotations %llu, expected %llu", what,
                 (unsigned long long)c->quotations, (unsigned long long)quotations);
    cr_expect_eq(c->respondents, respondents, "%s: respondents %llu, expected %llu", what,
                 (unsigned long long)c->respondents, (unsigned long long)respondents);
    cr_expect_eq(c->documents, documents, "%s: documents %llu, expected %llu", what,
                 (unsigned long long)c->documents, (unsigned long long)documents);
}

static void expect_code(const qc_results *res, int code, qc_rollup mode, uint64_t h, uint64_t q, uint64_t r,
                        uint64_t d)
{
    qc_counts c;
    qc_results_code_counts(res, (size_t)code, mode, &c);
    char what[64];
    snprintf(what, sizeof what, "%s %s", ids[code], mode == QC_OWN ? "own" : "rolled up");
    expect(&c, h, q, r, d, what);
}

static void check_frequencies(const qc_results *res)
{
    /* COLOC: a t1 "We moved into the same office last year." (same office); b t1 "Colocation would
     * help." (colocat*). One hit each, speakers S1 and S3. */
    expect_code(res, COLOC, QC_OWN, 2, 2, 2, 2);
    /* MEET, scope paragraph: a t1 is one paragraph (meetings); the interviewer's "meeting room" is
     * skipped twice over (interviewer, excluded); b t5's paragraph holds "meetings" and the excluded
     * "meeting room", so one quotation with one hit. */
    expect_code(res, MEET, QC_OWN, 2, 2, 2, 2);
    /* TEAM has no rules: no own quotations. Rolled up, a's COLOC sentence lies inside a's MEET
     * paragraph and merges with it (1 unit, 1+1 hits); b's COLOC (S3 t1) and MEET (S4 t5) are in
     * different turns: 2 units. 3 units, 4 hits, S1 S3 S4, documents a and b. */
    expect_code(res, TEAM, QC_OWN, 0, 0, 0, 0);
    expect_code(res, TEAM, QC_ROLLED_UP, 4, 3, 3, 2);
    expect_code(res, COLOC, QC_ROLLED_UP, 2, 2, 2, 2);
    /* IT: a t3 "The record system is slow." and "Honestly the record systems are a pain." */
    expect_code(res, IT, QC_OWN, 2, 2, 1, 1);
    /* SLOW: {IT} AND (slow OR crash*): only "The record system is slow." overlaps an IT quotation
     * ("It crashes every week." has crash* but no IT quotation). {IT} has no hits: 1 hit (slow). */
    expect_code(res, SLOW, QC_OWN, 1, 1, 1, 1);
    /* IT rolled up: SLOW's sentence is IT's first: merged (1+1 hits), plus the second: 2 units, 3 hits. */
    expect_code(res, IT, QC_ROLLED_UP, 3, 2, 1, 1);
    /* STAFF: a t5 "We are short of staff at weekends." (short NEAR/2 staff: 1 word between; 2 hits);
     * b "We rely on agency nurses." fails (NOT agency), "The nurses are short of staff too." holds
     * both rules (short, staff, nurses: 3 hits); c "We were short of staff for months." (2 hits). */
    expect_code(res, STAFF, QC_OWN, 7, 3, 3, 3);
    /* WAIT, scope turn: b t1 "wait for the list" (2 words between, BEFORE/3): the whole turn; the
     * interviewer's "waiting lists" is not coded (participants only). */
    expect_code(res, WAIT, QC_OWN, 2, 1, 1, 1);
    /* GP, scope match, speakers all: a t0 (Interviewer) GP, a t1 (S1) GP, b t4 (Interviewer) GPs,
     * b t5 (S4) GPs: 4 quotations; respondents Interviewer (the same label in a and b), S1, S4. */
    expect_code(res, GP, QC_OWN, 4, 4, 3, 2);
    /* BUDGET, where profession = manager: S2 is a manager in the casebook; c.txt is not in the
     * casebook but its header says manager. S1..S4 elsewhere never say budget. */
    expect_code(res, BUDGET, QC_OWN, 2, 2, 2, 2);

    qc_counts t;
    qc_results_totals(res, &t);
    /* 2+2+2+1+3+1+4+2 quotations, 2+2+2+1+7+2+4+2 hits; S1 S2 S3 S4 Interviewer c.txt; a b c. */
    expect(&t, 22, 17, 6, 3, "totals");
}

static long find_attr(const qc_results *res, const char *name)
{
    for (size_t a = 0; a < qc_results_attribute_count(res); a++)
        if (strcmp(qc_results_attribute_name(res, a), name) == 0)
            return (long)a;
    return -1;
}

static long find_value(const qc_results *res, long attr, const char *value)
{
    for (size_t v = 0; v < qc_results_attribute_value_count(res, (size_t)attr); v++)
        if (strcmp(qc_results_attribute_value(res, (size_t)attr, v, NULL), value) == 0)
            return (long)v;
    return -1;
}

static void expect_by(const qc_results *res, const char *attr, const char *value, int code, qc_rollup mode,
                      uint64_t h, uint64_t q, uint64_t r, uint64_t d)
{
    long a = find_attr(res, attr);
    cr_assert_geq(a, 0, "attribute %s", attr);
    long v = find_value(res, a, value);
    cr_assert_geq(v, 0, "value %s=%s", attr, value);
    qc_counts c;
    qc_results_attribute_counts(res, (size_t)a, (size_t)v, (size_t)code, mode, &c);
    char what[96];
    snprintf(what, sizeof what, "%s by %s=%s", ids[code], attr, value);
    expect(&c, h, q, r, d, what);
}

static void check_breakdowns(const qc_results *res)
{
    /* Casebook columns first, then header keys; the header's "profession" (c.txt) merges with the
     * casebook column. */
    cr_assert_eq(qc_results_attribute_count(res), 4);
    cr_expect_str_eq(qc_results_attribute_name(res, 0), "profession");
    cr_expect_str_eq(qc_results_attribute_name(res, 1), "team");
    cr_expect_str_eq(qc_results_attribute_name(res, 2), "site");
    cr_expect_str_eq(qc_results_attribute_name(res, 3), "phase");

    /* STAFF: nurse = S3 in b (3 hits); manager = S2 in a (2) and c.txt by its header (2). */
    expect_by(res, "profession", "nurse", STAFF, QC_OWN, 3, 1, 1, 1);
    expect_by(res, "profession", "manager", STAFF, QC_OWN, 4, 2, 2, 2);
    expect_by(res, "phase", "1", STAFF, QC_OWN, 2, 1, 1, 1);
    expect_by(res, "phase", "2", STAFF, QC_OWN, 5, 2, 2, 2);
    /* GP by site: the interviewers count too (speakers all): each site has an interviewer quotation
     * and a participant one. By profession the interviewer has no value and is left out. */
    expect_by(res, "site", "RS1", GP, QC_OWN, 2, 2, 2, 1);
    expect_by(res, "site", "RS2", GP, QC_OWN, 2, 2, 2, 1);
    expect_by(res, "profession", "nurse", GP, QC_OWN, 1, 1, 1, 1);
    expect_by(res, "profession", "therapist", GP, QC_OWN, 1, 1, 1, 1);
    /* TEAM rolled up by team: RS1 = S1's merged unit; RS2 = S3's COLOC and S4's MEET. */
    expect_by(res, "team", "RS1", TEAM, QC_ROLLED_UP, 2, 1, 1, 1);
    expect_by(res, "team", "RS2", TEAM, QC_ROLLED_UP, 2, 2, 2, 1);
    expect_by(res, "team", "RS2", TEAM, QC_OWN, 0, 0, 0, 0);

    /* Bases: respondents (not interviewers) and documents having each value. */
    qc_counts base;
    long prof = find_attr(res, "profession");
    qc_results_attribute_value(res, (size_t)prof, (size_t)find_value(res, prof, "nurse"), &base);
    cr_expect_eq(base.respondents, 2); /* S1, S3 */
    cr_expect_eq(base.documents, 2);
    qc_results_attribute_value(res, (size_t)prof, (size_t)find_value(res, prof, "manager"), &base);
    cr_expect_eq(base.respondents, 2); /* S2, c.txt */
    cr_expect_eq(base.documents, 2);
    long phase = find_attr(res, "phase");
    qc_results_attribute_value(res, (size_t)phase, (size_t)find_value(res, phase, "2"), &base);
    cr_expect_eq(base.respondents, 3); /* S3, S4, c.txt */
    cr_expect_eq(base.documents, 2);
}

static void check_per_document_and_speaker(const qc_results *res)
{
    cr_assert_eq(qc_results_document_count(res), 3);
    qc_result_document d;
    qc_results_document(res, 2, &d);
    cr_expect_str_eq(d.id, "c.txt");
    qc_counts c;
    /* GP in b: interviewer t4 and S4 t5. */
    qc_results_document_counts(res, 1, GP, QC_OWN, &c);
    expect(&c, 2, 2, 2, 1, "GP in b");
    qc_results_document_counts(res, 0, TEAM, QC_ROLLED_UP, &c);
    expect(&c, 2, 1, 1, 1, "TEAM rolled up in a");
    /* Respondents in order of first appearance; the unlabelled document is named by its id. */
    cr_assert_eq(qc_results_respondent_count(res), 6);
    const char *expected[] = {"Interviewer", "S1", "S2", "S3", "S4", "c.txt"};
    for (size_t i = 0; i < 6; i++)
        cr_expect_str_eq(qc_results_respondent(res, i, NULL), expected[i]);
    /* S3: COLOC in b t1, STAFF in b t3, WAIT in b t1. */
    qc_results_respondent_counts(res, 3, STAFF, QC_OWN, &c);
    expect(&c, 3, 1, 1, 1, "STAFF of S3");
    qc_results_respondent_counts(res, 0, GP, QC_OWN, &c);
    expect(&c, 2, 2, 1, 2, "GP of the interviewer");
}

static void check_cooccurrence(const qc_results *res)
{
    /* Sentences: a t1 has 3 (COLOC in the 1st, GP in the 2nd, MEET's paragraph over all 3). */
    cr_expect_eq(qc_results_cooccurrence(res, COLOC, MEET), 1);
    cr_expect_eq(qc_results_cooccurrence(res, MEET, COLOC), 1);
    /* MEET x GP: a "The GP is down the hall." and b "The GPs never come to meetings." */
    cr_expect_eq(qc_results_cooccurrence(res, MEET, GP), 2);
    cr_expect_eq(qc_results_cooccurrence(res, IT, SLOW), 1);
    /* WAIT's turn covers "Colocation would help.", COLOC's sentence. */
    cr_expect_eq(qc_results_cooccurrence(res, WAIT, COLOC), 1);
    cr_expect_eq(qc_results_cooccurrence(res, COLOC, GP), 0);
    cr_expect_eq(qc_results_cooccurrence(res, TEAM, COLOC), 0); /* own quotations only */
    /* Diagonal: sentences each code touches. */
    cr_expect_eq(qc_results_cooccurrence(res, MEET, MEET), 5);
    cr_expect_eq(qc_results_cooccurrence(res, GP, GP), 4);
    cr_expect_eq(qc_results_cooccurrence(res, WAIT, WAIT), 2);
    cr_expect_eq(qc_results_cooccurrence(res, STAFF, STAFF), 3);
}

typedef struct collected {
    char texts[32][128];
    char speakers[32][32];
    size_t hits[32];
    size_t rules[32][4];
    size_t n;
} collected;

static int collect(const qc_result_quotation *q, void *user)
{
    collected *c = user;
    if (c->n < 32) {
        snprintf(c->texts[c->n], sizeof c->texts[0], "%s", q->text);
        snprintf(c->speakers[c->n], sizeof c->speakers[0], "%s", q->speaker ? q->speaker : "(none)");
        c->hits[c->n] = q->hit_count;
        for (size_t h = 0; h < q->hit_count && h < 4; h++)
            c->rules[c->n][h] = q->hits[h].rule;
    }
    c->n++;
    return 0;
}

static void check_quotations(qc_results *res)
{
    collected c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(qc_results_foreach_quotation(res, MEET, collect, &c, NULL), 0);
    cr_assert_eq(c.n, 2);
    cr_expect_str_eq(c.texts[0], "We moved into the same office last year. The GP is down the hall. We have meetings on "
                                 "Monday.");
    cr_expect_str_eq(c.texts[1], "The GPs never come to meetings. Our meeting room is tiny.");
    cr_expect_eq(c.hits[1], 1); /* "meeting" in "meeting room" is excluded */

    memset(&c, 0, sizeof c);
    qc_results_foreach_quotation(res, BUDGET, collect, &c, NULL);
    cr_assert_eq(c.n, 2);
    /* words 2: two words each side of the hit, never past the turn (nothing before "The"). */
    cr_expect_str_eq(c.texts[0], "The budget is tight");
    cr_expect_str_eq(c.speakers[0], "S2");
    cr_expect_str_eq(c.texts[1], "The budget for agency");
    cr_expect_str_eq(c.speakers[1], "(none)");

    memset(&c, 0, sizeof c);
    qc_results_foreach_quotation(res, GP, collect, &c, NULL);
    cr_assert_eq(c.n, 4);
    cr_expect_str_eq(c.texts[0], "GP");
    cr_expect_str_eq(c.speakers[0], "Interviewer");
    cr_expect_str_eq(c.texts[3], "GPs");
    cr_expect_str_eq(c.speakers[3], "S4");

    memset(&c, 0, sizeof c);
    qc_results_foreach_quotation(res, WAIT, collect, &c, NULL);
    cr_assert_eq(c.n, 1);
    cr_expect_str_eq(c.texts[0], "We wait for the list to clear. Colocation would help.");

    memset(&c, 0, sizeof c);
    qc_results_foreach_quotation(res, STAFF, collect, &c, NULL);
    cr_assert_eq(c.n, 3);
    cr_expect_str_eq(c.texts[1], "The nurses are short of staff too.");
    cr_assert_eq(c.hits[1], 3);
    /* in text order: nurses (rule 1), short (rule 0), staff (rule 0) */
    cr_expect_eq(c.rules[1][0], 1);
    cr_expect_eq(c.rules[1][1], 0);
    cr_expect_eq(c.rules[1][2], 0);

    memset(&c, 0, sizeof c);
    cr_assert_eq(qc_results_foreach_quotation(res, QC_ALL_CODES, collect, &c, NULL), 0);
    cr_expect_eq(c.n, 17);
}

static void check_uncoded(qc_results *res)
{
    qc_uncoded_summary u;
    qc_results_uncoded(res, &u);
    /* participant turns: a t1 t3 t5 t7, b t1 t3 t5, c t0; only a t7 is untouched. */
    cr_expect_eq(u.participant_turns, 8);
    cr_expect_eq(u.uncoded_turns, 1);
    cr_expect_eq(u.uncoded_length, 16); /* "No, that is all." */
    collected c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(qc_results_foreach_uncoded(res, collect, &c, NULL), 0);
    cr_assert_eq(c.n, 1);
    cr_expect_str_eq(c.texts[0], "No, that is all.");
    cr_expect_str_eq(c.speakers[0], "S2");
}

Test(golden, counts_fast_engine)
{
    golden g;
    golden_run(&g, QC_ENGINE_FAST, 1);
    check_frequencies(g.res);
    check_breakdowns(g.res);
    check_per_document_and_speaker(g.res);
    check_cooccurrence(g.res);
    check_quotations(g.res);
    check_uncoded(g.res);
    golden_free(&g);
}

Test(golden, counts_reference_engine_two_jobs)
{
    golden g;
    golden_run(&g, QC_ENGINE_REFERENCE, 2);
    check_frequencies(g.res);
    check_breakdowns(g.res);
    check_cooccurrence(g.res);
    check_quotations(g.res);
    check_uncoded(g.res);
    golden_free(&g);
}

Test(golden, cli_summary_lines)
{
    qct_run r;
    qct_qcode(&r, QCODE_SOURCE_DIR "/tests/golden",
              "code -c golden.qcb --cases corpus/cases.tsv corpus/");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect(qct_contains(r.out, "TEAM Teamwork                 3       0            3          2\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "  COLOC Co-location           2       2            2          2\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "Total                        17                    6          3\n"), "%s", r.out);
    cr_expect(qct_contains(r.out, "3 documents, 5 participants. Uncoded participant turns: 1 of 8"), "%s", r.out);
    cr_expect_str_eq(r.err, "");
    qct_run_free(&r);
}

/* One document, one participant: no plural. */
Test(golden, cli_summary_counts_one_without_a_plural)
{
    qct_run r;
    qct_qcode(&r, QCODE_SOURCE_DIR "/tests/golden", "code -c golden.qcb corpus/c.txt");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect(qct_contains(r.out, "\n1 document, 1 participant. Uncoded"), "%s", r.out);
    qct_run_free(&r);
}
