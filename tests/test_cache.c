/* The coding cache: hits, misses after a rule change, {REF} dependencies, the codes coded again
 * alone coded as a full coding codes them, corrupt/truncated/stale files detected and rebuilt,
 * entries with impossible records (their checksum made again) rejected, and the same results.xml
 * with and without the cache. */
#include <sys/stat.h>

#include "cache_entry.h"
#include "qc_test.h"

#include "engines_gen.h"

static const char CB1[] = "codebook \"c\" version 1\n"
                          "code TEAM \"Team\"\n"
                          "  rule team OR teams\n"
                          "code TEAM.WORK \"Teamwork\"\n"
                          "  rule {TEAM} AND (together OR joint*)\n"
                          "code CASE \"Caseload\"\n"
                          "  rule caseload* OR /\\bcase\\s+load\\b/\n"
                          "code STRESS \"Stress\"\n"
                          "  rule stress* NEAR/4 (work OR job)\n";

/* TEAM's rule changed: TEAM.WORK references it and must be re-run too. */
static const char CB2[] = "codebook \"c\" version 2\n"
                          "code TEAM \"Team\"\n"
                          "  rule team OR teams OR colleagues\n"
                          "code TEAM.WORK \"Teamwork\"\n"
                          "  rule {TEAM} AND (together OR joint*)\n"
                          "code CASE \"Caseload\"\n"
                          "  rule caseload* OR /\\bcase\\s+load\\b/\n"
                          "code STRESS \"Stress\"\n"
                          "  rule stress* NEAR/4 (work OR job)\n";

/* Only STRESS changed. */
static const char CB3[] = "codebook \"c\" version 3\n"
                          "code TEAM \"Team\"\n"
                          "  rule team OR teams\n"
                          "code TEAM.WORK \"Teamwork\"\n"
                          "  rule {TEAM} AND (together OR joint*)\n"
                          "code CASE \"Caseload\"\n"
                          "  rule caseload* OR /\\bcase\\s+load\\b/\n"
                          "code STRESS \"Stress\"\n"
                          "  rule stress* NEAR/6 (work OR job OR shift*)\n";

static const char *const DOCS[][2] = {
    {"a.txt", "Interviewer: How is the team?\nNurse: The team works together now. My caseload is huge.\n"
              "Nurse: Work stress is real, my colleagues work jointly.\n"},
    {"b.txt", "Interviewer: Tell me more.\nOT: Our case load doubled and the stress at work shows.\n"
              "OT: Teams meet, colleagues sit together. Shift stress too.\n"},
    {"c.txt", "Manager: Nothing to code here at all.\n"},
    /* two TEAM quotations, the first with two hits */
    {"d.txt", "Nurse: The team met, and the team talked. Then the team left.\nOT: My caseload is fine.\n"},
};
#define NDOCS 4

typedef struct fixture {
    char *dir;
    char *paths[NDOCS];
} fixture;

static void fixture_make(fixture *f)
{
    f->dir = qct_temp_dir();
    for (size_t i = 0; i < NDOCS; i++)
        f->paths[i] = qct_write_file(f->dir, DOCS[i][0], DOCS[i][1], strlen(DOCS[i][1]));
}

static void fixture_free(fixture *f)
{
    for (size_t i = 0; i < NDOCS; i++)
        free(f->paths[i]);
    free(f->dir);
}

static qc_codebook *load(const char *text)
{
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "c.qcb", text, strlen(text), NULL, &err), 0, "%s", err.message);
    return cb;
}

static char *cache_dir(const fixture *f)
{
    size_t n = strlen(f->dir) + 16;
    char *p = malloc(n);
    snprintf(p, n, "%s/cache", f->dir);
    return p;
}

/* What the cache of the last run() could not write, and why (qc_cache_unwritten). */
static size_t last_unwritten;
static char last_reason[QC_CACHE_REASON_MAX];

/* run() with the current options and their `results`, as qcode code runs: the results' records
 * hash of each coding is then made through the cache, which keeps it in the entry. */
static int prepare_results;

/* Codes the fixture with cb (through the cache in `cache` when not NULL) and returns results.xml's
 * text; *st gets the cache's statistics. */
static char *run(const fixture *f, const qc_codebook *cb, const char *cache, qc_cache_stats *st)
{
    qc_results *res = NULL;
    qc_error err;
    cr_assert_eq(qc_results_new(&res, cb, NULL, &err), 0, "%s", err.message);
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.on_document = qc_results_add_fn;
    opts.user = res;
    qc_run_stats rs;
    if (cache) {
        /* Options of version 1 (before `results`), as qc_corpus_run accepts them; the re-code
         * tests run the cache with the current version. */
        opts.version = 1;
        if (prepare_results) {
            opts.version = QC_RUN_OPTIONS_VERSION;
            opts.results = res;
        }
        qc_cache *c = NULL;
        cr_assert_eq(qc_cache_open(&c, cache, cb, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_cache_run(c, (const char *const *)f->paths, NDOCS, NULL, &opts, &rs, &err), 0, "%s",
                     err.message);
        qc_cache_get_stats(c, st);
        last_unwritten = qc_cache_unwritten(c, last_reason, sizeof last_reason);
        qc_cache_free(c);
    } else {
        cr_assert_eq(qc_corpus_run((const char *const *)f->paths, NDOCS, cb, NULL, &opts, &rs, &err), 0);
    }
    cr_assert_eq(rs.documents, NDOCS);
    char out[1024];
    snprintf(out, sizeof out, "%s/results-%p.xml", f->dir, (void *)res);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.time = "2026-01-01T00:00:00Z";
    cr_assert_eq(qc_results_write_xml(res, out, &wo, &err), 0, "%s", err.message);
    qc_results_free(res);
    char *text = qct_read_file(out, NULL);
    cr_assert_not_null(text);
    return text;
}

static char *entry_file(const char *cache_path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls %s/*.qcc | head -1", cache_path);
    FILE *p = popen(cmd, "r");
    char line[1024] = "";
    cr_assert(fgets(line, sizeof line, p));
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

static size_t count_entries(const char *cache_path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls %s/*.qcc | wc -l", cache_path);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    cr_assert_eq(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

Test(cache, hit_after_a_first_run_and_same_results)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    char *plain = run(&f, cb, NULL, &st);
    cr_assert(qct_contains(plain, "TEAM.WORK"));
    char *cold = run(&f, cb, cache, &st);
    cr_assert_eq(st.misses, NDOCS);
    cr_assert_eq(st.hits, 0);
    cr_assert_eq(st.written, NDOCS);
    cr_assert_eq(count_entries(cache), NDOCS);
    char *warm = run(&f, cb, cache, &st);
    cr_assert_eq(st.hits, NDOCS);
    cr_assert_eq(st.misses + st.stale + st.rejected + st.written, 0);
    cr_assert_str_eq(cold, plain);
    cr_assert_str_eq(warm, plain);
    free(plain);
    free(cold);
    free(warm);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

typedef struct warnings {
    size_t count;
    qc_diagnostic last;
    char file[512];
} warnings;

static void count_warning(const qc_diagnostic *d, void *user)
{
    warnings *w = user;
    w->count++;
    w->last = *d;
    snprintf(w->file, sizeof w->file, "%s", d->file);
}

/* A document's reading warnings (a label with no text) are reported whether the cache codes it or
 * serves its coding: the document is read either way. Options of version 2 have no place for them. */
Test(cache, a_document_served_from_the_cache_still_reports_its_reading_warnings)
{
    char *dir = qct_temp_dir();
    const char text[] = "Nurse: The team works.\nP3: [00:01:00]\nNurse: Teams again.\n";
    char *path = qct_write_file(dir, "e.txt", text, strlen(text));
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    qc_codebook *cb = load(CB1);
    for (int pass = 0; pass < 3; pass++) {
        warnings w = {0};
        qc_run_options opts = QC_RUN_OPTIONS_INIT;
        opts.on_read_warning = count_warning;
        opts.user = &w;
        if (pass == 2)
            opts.version = 2;
        qc_cache *c = NULL;
        qc_error err;
        cr_assert_eq(qc_cache_open(&c, cache, cb, NULL, &err), 0, "%s", err.message);
        qc_run_stats rs;
        cr_assert_eq(qc_cache_run(c, (const char *const *)&path, 1, NULL, &opts, &rs, &err), 0, "%s", err.message);
        qc_cache_stats st;
        qc_cache_get_stats(c, &st);
        qc_cache_free(c);
        cr_assert_eq(rs.documents, 1);
        cr_assert_eq(rs.failed, 0);
        cr_assert_eq(pass ? st.hits : st.misses, 1, "pass %d", pass);
        cr_assert_eq(w.count, pass == 2 ? 0 : 1, "pass %d: %zu warnings", pass, w.count);
        if (pass == 2)
            continue;
        cr_assert_eq(w.last.severity, QC_SEVERITY_WARNING);
        cr_assert_str_eq(w.file, path);
        cr_assert_eq(w.last.line, 2);
        cr_assert_eq(w.last.column, 1);
    }
    qc_codebook_free(cb);
    free(path);
    free(dir);
}

Test(cache, rule_change_reruns_that_code_and_its_references)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb1 = load(CB1), *cb2 = load(CB2), *cb3 = load(CB3);
    char h1[65], h2[65];
    /* TEAM.WORK's own rule is the same, but it references TEAM, which changed. */
    size_t tw = (size_t)qc_codebook_find(cb1, "TEAM.WORK");
    cr_assert_eq(qc_code_rules_hash(cb1, tw, h1), 0);
    cr_assert_eq(qc_code_rules_hash(cb2, tw, h2), 0);
    cr_assert_str_neq(h1, h2);
    cr_assert_eq(qc_code_rules_hash(cb1, (size_t)qc_codebook_find(cb1, "CASE"), h1), 0);
    cr_assert_eq(qc_code_rules_hash(cb2, (size_t)qc_codebook_find(cb2, "CASE"), h2), 0);
    cr_assert_str_eq(h1, h2);
    cr_assert_eq(strlen(h1), 64);

    char *cache = cache_dir(&f);
    qc_cache_stats st;
    free(run(&f, cb1, cache, &st));
    char *with = run(&f, cb2, cache, &st);
    cr_assert_eq(st.stale, NDOCS);
    cr_assert_eq(st.codes_recoded, 2 * NDOCS); /* TEAM and TEAM.WORK */
    cr_assert_eq(st.hits, 0);
    char *without = run(&f, cb2, NULL, &st);
    cr_assert_str_eq(with, without);
    cr_assert(qct_contains(with, "colleagues"), "the changed rule must have been applied");
    free(with);
    free(without);

    with = run(&f, cb3, cache, &st);
    cr_assert_eq(st.codes_recoded, NDOCS); /* STRESS only */
    without = run(&f, cb3, NULL, &st);
    cr_assert_str_eq(with, without);
    free(with);
    free(without);

    /* The rewritten entries give what they were written from: unchanged codes' records are copied
     * from the entry they replace, the re-coded ones written from the coding. */
    with = run(&f, cb3, cache, &st);
    cr_assert_eq(st.hits, NDOCS);
    without = run(&f, cb3, NULL, &st);
    cr_assert_str_eq(with, without);
    free(with);
    free(without);

    /* Entries keep the earlier revisions' codes too: going back to v1 or v2 is a hit, and right. */
    const qc_codebook *back[] = {cb1, cb2};
    for (size_t i = 0; i < 2; i++) {
        with = run(&f, back[i], cache, &st);
        cr_assert_eq(st.hits, NDOCS);
        without = run(&f, back[i], NULL, &st);
        cr_assert_str_eq(with, without, "revision %zu", i + 1);
        free(with);
        free(without);
    }
    free(cache);
    qc_codebook_free(cb1);
    qc_codebook_free(cb2);
    qc_codebook_free(cb3);
    fixture_free(&f);
}

/* A revision adds the records of the codes it changed to the end of each entry (the rest of the
 * file as it was: a 3-code revision wrote every entry whole before, as many bytes as the first
 * run), until an entry would hold over three records per code of the codebook; then it is
 * written whole with at most two per code, older revisions' records dropped, so that a run of
 * revisions does not grow it without end.
 * Each step gives what a run without the cache gives. */
Test(cache, a_revision_adds_its_records_to_each_entry_within_a_bound)
{
    fixture f;
    fixture_make(&f);
    char *cache = cache_dir(&f);
    qc_codebook *cb1 = load(CB1);
    qc_cache_stats st;
    free(run(&f, cb1, cache, &st));
    char *path = entry_file(cache);
    ce_entry before;
    ce_read(&before, path);
    size_t records = ce_records(&before);
    cr_assert_eq(ce_u32(&before, records), 4);
    size_t most = 0;
    for (int rev = 2; rev <= 12; rev++) {
        char text[sizeof CB2 + 32];
        snprintf(text, sizeof text,
                 "codebook \"c\" version %d\n"
                 "code TEAM \"Team\"\n"
                 "  rule team OR teams OR colleague%d\n"
                 "%s",
                 rev, rev, strstr(CB1, "code TEAM.WORK"));
        qc_codebook *cb = load(text);
        char *with = run(&f, cb, cache, &st);
        cr_assert_eq(st.codes_recoded, 2 * NDOCS, "revision %d", rev); /* TEAM and TEAM.WORK */
        char *without = run(&f, cb, NULL, &st);
        cr_assert_str_eq(with, without, "revision %d", rev);
        ce_entry after;
        ce_read(&after, path);
        uint32_t n = ce_u32(&after, ce_records(&after));
        cr_assert_leq(n, 3 * 4, "revision %d: %u records", rev, n);
        if (n == ce_u32(&before, ce_records(&before)) + 2) {
            /* added at the end, the records before them as they were */
            cr_assert_eq(ce_records(&after), ce_records(&before));
            cr_assert_gt(after.n, before.n);
            size_t from = ce_records(&before) + 4;
            cr_assert(memcmp(after.b + from, before.b + from, before.n - from) == 0, "revision %d", rev);
        } else {
            cr_assert_lt(n, ce_u32(&before, ce_records(&before)), "revision %d: written whole", rev);
        }
        most = n > most ? n : most;
        ce_free(&before);
        before = after;
        free(with);
        free(without);
        qc_codebook_free(cb);
    }
    cr_assert_eq(most, 3 * 4, "the entries reached their bound and were written whole then");
    ce_free(&before);
    free(path);
    free(cache);
    qc_codebook_free(cb1);
    fixture_free(&f);
}

/* One code's quotations of a coding as "[start,end)" pairs. */
static void code_spans(const qc_coding *cod, size_t code, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < qc_coding_quotation_count(cod); i++) {
        qc_quotation q;
        cr_assert_eq(qc_coding_quotation(cod, i, &q), 0);
        if (q.code == code)
            len += (size_t)snprintf(out + len, cap - len, "[%zu,%zu)", q.start, q.end);
        cr_assert_lt(len, cap);
    }
}

/* The cache keys an entry by the document's bytes, so qc_cache_code may be handed a document that
 * was read from other text: what it codes then shows. After STRESS changed, only STRESS comes
 * from the new document; the other codes are the entry's, made from the first one. (The other
 * text has the same turns and lengths: an entry whose spans do not fit the document handed in is
 * rejected.) */
Test(cache, rule_change_codes_only_that_code)
{
    fixture f;
    fixture_make(&f);
    char *cache = cache_dir(&f);
    qc_codebook *cb1 = load(CB1), *cb3 = load(CB3);
    const char *bytes = DOCS[0][1];
    const char *other = "Interviewer: How is the team?\nNurse: The team works together now. My caseload is huge.\n"
                        "Nurse: The team is fine. Shift stress is bad, at times.\n";
    cr_assert_eq(strlen(other), strlen(bytes));
    qc_document *d1 = NULL, *d2 = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&d1, "a.txt", bytes, strlen(bytes), NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_document_read_buffer(&d2, "a.txt", other, strlen(other), NULL, &err), 0, "%s", err.message);
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    ro.id = "a.txt";
    for (qc_engine engine = QC_ENGINE_FAST; engine <= QC_ENGINE_REFERENCE; engine++) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s-e%d", cache, (int)engine);
        qc_coder_options co = QC_CODER_OPTIONS_INIT;
        co.engine = engine;
        qc_cache *c1 = NULL, *c3 = NULL;
        qc_coder *k1 = NULL, *k3 = NULL;
        qc_coding *first = NULL, *merged = NULL, *plain1 = NULL, *plain2 = NULL;
        cr_assert_eq(qc_cache_open(&c1, sub, cb1, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_coder_new(&k1, cb1, &co, &err), 0);
        cr_assert_eq(qc_cache_code(c1, k1, d1, NULL, bytes, strlen(bytes), &ro, &first, &err), 0, "%s", err.message);
        cr_assert_eq(qc_cache_open(&c3, sub, cb3, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_coder_new(&k3, cb3, &co, &err), 0);
        cr_assert_eq(qc_cache_code(c3, k3, d2, NULL, bytes, strlen(bytes), &ro, &merged, &err), 0, "%s", err.message);
        qc_cache_stats st;
        qc_cache_get_stats(c3, &st);
        cr_assert_eq(st.stale, 1);
        cr_assert_eq(st.codes_recoded, 1);
        cr_assert_eq(st.written, 1);
        cr_assert_eq(qc_coder_code(k3, d1, NULL, &plain1, &err), 0);
        cr_assert_eq(qc_coder_code(k3, d2, NULL, &plain2, &err), 0);
        char got[512], want[512];
        for (size_t code = 0; code < qc_codebook_code_count(cb3); code++) {
            int stress = strcmp(qc_code_id(cb3, code), "STRESS") == 0;
            code_spans(merged, code, got, sizeof got);
            code_spans(stress ? plain2 : plain1, code, want, sizeof want);
            cr_assert_str_eq(got, want, "engine %d, code %s", (int)engine, qc_code_id(cb3, code));
        }
        /* the two documents differ where it shows: STRESS and TEAM */
        code_spans(plain1, (size_t)qc_codebook_find(cb3, "STRESS"), got, sizeof got);
        code_spans(plain2, (size_t)qc_codebook_find(cb3, "STRESS"), want, sizeof want);
        cr_assert_str_neq(got, want);
        code_spans(plain1, (size_t)qc_codebook_find(cb3, "TEAM"), got, sizeof got);
        code_spans(plain2, (size_t)qc_codebook_find(cb3, "TEAM"), want, sizeof want);
        cr_assert_str_neq(got, want);
        qc_coding_free(first);
        qc_coding_free(merged);
        qc_coding_free(plain1);
        qc_coding_free(plain2);
        qc_coder_free(k1);
        qc_coder_free(k3);
        qc_cache_free(c1);
        qc_cache_free(c3);
    }
    qc_document_free(d1);
    qc_document_free(d2);
    free(cache);
    qc_codebook_free(cb1);
    qc_codebook_free(cb3);
    fixture_free(&f);
}

/* ---- only the changed codes are coded: exactly as a full coding codes them ---------------- */

/* Every kind of leaf and setting the matcher files differently: words, wildcards with a prefix of
 * one byte and more, a pattern starting with a wildcard, phrases, NEAR, BEFORE, regexes (some with
 * an s, whose literals differ in plain text), excludes (a phrase, a regex), {REF} and {REF*}, and
 * three folding variants (case kept, accents kept, both). */
static const char CB_ALL[] = "codebook \"s\"\n"
                             "code TEAM \"Team\"\n"
                             "  rule team OR teams OR \"the team\"\n"
                             "  code TEAM.WORK \"Teamwork\"\n"
                             "    rule {TEAM} AND (together OR joint*)\n"
                             "code CASE \"Caseload\"\n"
                             "  rule caseload* OR /\\bcase\\s+load\\b/\n"
                             "  exclude \"caseload review\"\n"
                             "code STRESS \"Stress\"\n"
                             "  rule stress* NEAR/4 (work OR job)\n"
                             "  exclude /\\bjob stress\\b/i\n"
                             "  scope paragraph\n"
                             "code NHS \"NHS\"\n"
                             "  rule NHS OR \"Trust board\" OR /\\bGP\\b/\n"
                             "  case sensitive\n"
                             "code CAFE \"Cafe\"\n"
                             "  rule café OR \"c?fé meeting\"\n"
                             "  accents keep\n"
                             "code CARE \"Care\"\n"
                             "  rule ({TEAM*} AND care) OR *care\n"
                             "  scope turn\n"
                             "code PLAN \"Plan\"\n"
                             "  rule (\"care plan*\" BEFORE/3 review) OR /plans?\\b/i\n"
                             "  scope words 2\n"
                             "code SAFE \"Safeguarding\"\n"
                             "  rule Safeguard* NEAR/5 ({CASE} OR concern*)\n"
                             "  case sensitive\n"
                             "  accents keep\n";

static const char *const ALL_DOCS[] = {
    "Interviewer: How is the team?\nNurse: The team works together with the NHS Trust board and the nhs. "
    "My caseload is huge; the caseload review helps.\nNurse: Work stress is real, my colleagues work jointly. "
    "The GP said so.\n\nOT: The café meeting, the cafe meeting and the Café. Aftercare and selfcare, care for the "
    "team.\nOT: Care plans for review; the care planning review. Safeguarding concerns about a case load.\n",
    "Nurse: Teams work together. Stress at work, job stress.\nOT: A CAFÉ, a cafe, the café meeting. "
    "Safeguarding: my caseload. Care plan review, plans, PLANS.\n",
    "Manager: Nothing here but a GP, the NHS and some self-care.\n",
};

/* cbtext with a rule added at the top of each code whose byte in `changed` is set (cb: cbtext
 * compiled, for the codes' ids; each code is written `code ID ...` at the start of a line): those
 * codes' rules hashes differ, and those of the codes that reference them. */
static char *with_rules_changed(const char *cbtext, const qc_codebook *cb, const uint8_t *changed)
{
    sbuf b = {NULL, 0, 0};
    put(&b, "%s", "");
    for (const char *line = cbtext; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        put(&b, "%.*s", (int)len, line);
        size_t indent = strspn(line, " ");
        for (size_t c = 0; c < qc_codebook_code_count(cb); c++) {
            const char *id = qc_code_id(cb, c);
            if (changed[c] && strncmp(line + indent, "code ", 5) == 0 &&
                strncmp(line + indent + 5, id, strlen(id)) == 0 && line[indent + 5 + strlen(id)] == ' ')
                put(&b, "%*s  rule zzchanged\n", (int)indent, "");
        }
        line += len;
    }
    return b.s;
}

/* A coding as text: every quotation with its hits, their rules and codebook positions (which only
 * the right leaf gives). */
static char *coding_text(const qc_codebook *cb, const qc_coding *coding)
{
    sbuf b = {NULL, 0, 0};
    put(&b, "%s", "");
    for (size_t i = 0; i < qc_coding_quotation_count(coding); i++)
        put_quotation(&b, cb, coding, i);
    return b.s;
}

/* Each document d is first coded through the cache with a codebook whose rules differ from
 * cbtext's in the codes of changed[d * n ..] (n codes), then through the cache with cbtext: the
 * entry has every other code, so one coder codes each document's changed codes (and what
 * references them) alone, qc_coder_code_subset, subset after subset, with a full coding of the
 * document in between. Each coding must be the full one. Returns the quotations of the codes coded
 * again. */
static size_t subsets_through_the_cache(const char *cbtext, const char *const *texts, const uint8_t *changed,
                                        size_t ndocs, qc_engine engine)
{
    qc_codebook *cb = load(cbtext);
    size_t n = qc_codebook_code_count(cb);
    char *dir = qct_temp_dir();
    qc_error err;
    qc_document **docs = calloc(ndocs, sizeof *docs);
    char(*names)[32] = calloc(ndocs, sizeof *names);
    uint8_t *recoded = calloc(ndocs * n, 1);
    size_t expect_recoded = 0;
    qc_coder_options co = QC_CODER_OPTIONS_INIT;
    co.engine = engine;
    for (size_t d = 0; d < ndocs; d++) {
        snprintf(names[d], sizeof names[d], "d%zu.txt", d);
        cr_assert_eq(qc_document_read_buffer(&docs[d], names[d], texts[d], strlen(texts[d]), NULL, &err), 0, "%s",
                     err.message);
        char *vtext = with_rules_changed(cbtext, cb, changed + d * n);
        qc_codebook *vcb = load(vtext);
        cr_assert_eq(qc_codebook_code_count(vcb), n);
        for (size_t c = 0; c < n; c++) {
            char h[65], vh[65];
            cr_assert_eq(qc_code_rules_hash(cb, c, h), 0);
            cr_assert_eq(qc_code_rules_hash(vcb, c, vh), 0);
            recoded[d * n + c] = strcmp(h, vh) != 0;
            cr_assert(recoded[d * n + c] || !changed[d * n + c], "%s changed but hashes the same", qc_code_id(cb, c));
            expect_recoded += recoded[d * n + c];
        }
        qc_cache *vcache = NULL;
        qc_coder *vcoder = NULL;
        qc_coding *coding = NULL;
        qc_read_options ro = QC_READ_OPTIONS_INIT;
        ro.id = names[d];
        cr_assert_eq(qc_cache_open(&vcache, dir, vcb, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_coder_new(&vcoder, vcb, &co, &err), 0, "%s", err.message);
        cr_assert_eq(qc_cache_code(vcache, vcoder, docs[d], NULL, texts[d], strlen(texts[d]), &ro, &coding, &err), 0,
                     "%s", err.message);
        qc_coding_free(coding);
        qc_coder_free(vcoder);
        qc_cache_free(vcache);
        qc_codebook_free(vcb);
        free(vtext);
    }

    qc_cache *cache = NULL;
    qc_coder *coder = NULL;
    cr_assert_eq(qc_cache_open(&cache, dir, cb, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_new(&coder, cb, &co, &err), 0, "%s", err.message);
    size_t quotes = 0;
    for (size_t d = 0; d < ndocs; d++) {
        qc_read_options ro = QC_READ_OPTIONS_INIT;
        ro.id = names[d];
        qc_coding *got = NULL, *full = NULL;
        cr_assert_eq(qc_cache_code(cache, coder, docs[d], NULL, texts[d], strlen(texts[d]), &ro, &got, &err), 0, "%s",
                     err.message);
        cr_assert_eq(qc_coder_code(coder, docs[d], NULL, &full, &err), 0, "%s", err.message);
        char *g = coding_text(cb, got), *w = coding_text(cb, full);
        sbuf which = {NULL, 0, 0};
        put(&which, "%s", "");
        for (size_t c = 0; c < n; c++)
            if (recoded[d * n + c])
                put(&which, " %s", qc_code_id(cb, c));
        cr_assert_str_eq(g, w,
                         "engine %d, document %zu, codes coded again:%s\n--- codebook\n%s--- transcript\n%s--- through "
                         "the cache\n%s--- in full\n%s",
                         (int)engine, d, which.s, cbtext, texts[d], g, w);
        for (size_t i = 0; i < qc_coding_quotation_count(full); i++) {
            qc_quotation q;
            cr_assert_eq(qc_coding_quotation(full, i, &q), 0);
            quotes += recoded[d * n + q.code];
        }
        free(which.s);
        free(g);
        free(w);
        qc_coding_free(got);
        qc_coding_free(full);
    }
    qc_cache_stats st;
    qc_cache_get_stats(cache, &st);
    cr_assert_eq(st.stale, ndocs, "every document is coded in part: %zu of %zu", st.stale, ndocs);
    cr_assert_eq(st.codes_recoded, expect_recoded);
    qc_coder_free(coder);
    qc_cache_free(cache);
    for (size_t d = 0; d < ndocs; d++)
        qc_document_free(docs[d]);
    free(docs);
    free(names);
    free(recoded);
    free(dir);
    qc_codebook_free(cb);
    return quotes;
}

/* A subset coding (the cache's, for the codes whose rules changed) gives the changed codes the
 * quotations and hits, rules and leaves included, that a full coding gives them; its coder makes
 * tables of the subset's own leaves (coding.c), so every kind of leaf must be in them when needed
 * and none be missed when the subset changes from one document to the next. */
Test(cache, codes_coded_again_are_coded_as_in_a_full_coding)
{
    /* the codebook with every kind of leaf: each code on each document, on the first two with the
     * same subset (the coder keeps its tables), on the third with another code too */
    enum { N = 9, NSUB = 3 * N };
    const char *texts[NSUB];
    uint8_t changed[NSUB * N] = {0};
    qc_codebook *all = load(CB_ALL);
    cr_assert_eq(qc_codebook_code_count(all), N);
    qc_codebook_free(all);
    rng = 7;
    for (size_t c = 0; c < N; c++)
        for (size_t t = 0; t < 3; t++) {
            size_t d = c * 3 + t;
            texts[d] = ALL_DOCS[t];
            changed[d * N + c] = 1;
            if (t == 2)
                changed[d * N + below(N)] = 1;
        }
    size_t quotes = 0;
    for (qc_engine engine = QC_ENGINE_FAST; engine <= QC_ENGINE_REFERENCE; engine++)
        quotes += subsets_through_the_cache(CB_ALL, texts, changed, NSUB, engine);
    cr_assert_gt(quotes, 60, "only %zu quotations were coded again", quotes);

    /* generated codebooks and transcripts (tests/engines_gen.h): one or two codes a document, every
     * third document the same as the one before */
    quotes = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        rng = seed * 7919;
        sbuf cbtext = {NULL, 0, 0}, text[6] = {{NULL, 0, 0}};
        gen_codebook(&cbtext);
        qc_codebook *cb = load(cbtext.s);
        size_t n = qc_codebook_code_count(cb);
        qc_codebook_free(cb);
        const char *t[6];
        uint8_t *masks = calloc(6 * n, 1);
        for (size_t d = 0; d < 6; d++) {
            gen_transcript(&text[d], below(2));
            t[d] = text[d].s;
            if (d % 3 == 2) {
                memcpy(masks + d * n, masks + (d - 1) * n, n);
                continue;
            }
            for (unsigned k = below(2); k < 2; k++)
                masks[d * n + below((unsigned)n)] = 1;
        }
        quotes += subsets_through_the_cache(cbtext.s, t, masks, 6, QC_ENGINE_FAST);
        free(masks);
        free(cbtext.s);
        for (size_t d = 0; d < 6; d++)
            free(text[d].s);
    }
    cr_assert_gt(quotes, 1000, "only %zu quotations were coded again", quotes);
}

Test(cache, changed_document_is_a_miss)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    free(run(&f, cb, cache, &st));
    const char *edited = "Nurse: A different team now.\n";
    free(qct_write_file(f.dir, "c.txt", edited, strlen(edited)));
    char *with = run(&f, cb, cache, &st);
    cr_assert_eq(st.hits, NDOCS - 1);
    cr_assert_eq(st.misses, 1);
    char *without = run(&f, cb, NULL, &st);
    cr_assert_str_eq(with, without);
    free(with);
    free(without);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

/* Damages every entry with `how` and checks that each is rejected, rebuilt, and that the results
 * are those of an uncached run. */
static void damaged(const char *how)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    char *plain = run(&f, cb, NULL, &st);
    free(run(&f, cb, cache, &st));
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && for e in *.qcc; do %s; done", cache, how);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *again = run(&f, cb, cache, &st);
    cr_assert_eq(st.rejected, NDOCS, "%s: rejected %zu", how, st.rejected);
    cr_assert_eq(st.hits, 0);
    cr_assert_eq(st.written, NDOCS);
    cr_assert_str_eq(again, plain);
    free(again);
    /* Rebuilt: the next run hits. */
    again = run(&f, cb, cache, &st);
    cr_assert_eq(st.hits, NDOCS);
    cr_assert_str_eq(again, plain);
    free(again);
    free(plain);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

Test(cache, corrupt_payload_is_rebuilt)
{
    /* Flip one byte of the payload (after the 56-byte header): the checksum no longer holds. */
    damaged("printf '\\377' | dd of=$e bs=1 seek=100 count=1 conv=notrunc 2>/dev/null");
}

Test(cache, truncated_file_is_rebuilt)
{
    damaged("head -c 90 $e > t && mv t $e");
}

Test(cache, other_version_is_rebuilt)
{
    /* Version field (bytes 8..11) set to 1 (SHA-256 checksums), 2 (no table of records hashes)
     * and 4. */
    damaged("printf '\\001' | dd of=$e bs=1 seek=8 count=1 conv=notrunc 2>/dev/null");
    damaged("printf '\\002' | dd of=$e bs=1 seek=8 count=1 conv=notrunc 2>/dev/null");
    damaged("printf '\\004' | dd of=$e bs=1 seek=8 count=1 conv=notrunc 2>/dev/null");
}

Test(cache, bad_magic_and_empty_file_are_rebuilt)
{
    damaged("printf 'NOTCACHE' | dd of=$e bs=1 seek=0 count=8 conv=notrunc 2>/dev/null");
    damaged(": > $e");
}

/* An entry that is a FIFO used to block the run for ever (a device would read without end): it is
 * never opened, counted as rejected and replaced by a file. */
Test(cache, an_entry_that_is_not_a_file_is_rebuilt, .timeout = 60)
{
    damaged("rm $e && mkfifo $e");
}

/* An empty folder in an entry's place failed the run (exit 2) instead of being rebuilt. */
Test(cache, an_entry_that_is_an_empty_folder_is_rebuilt)
{
    damaged("rm $e && mkdir $e");
}

/* Entries are rewritten in place: bytes left over after a rebuilt entry would make it rejected
 * again on the next run, which damaged() checks hits. */
Test(cache, an_entry_with_bytes_after_it_is_rebuilt_to_its_size)
{
    damaged("printf 'left over bytes' >> $e");
}

/* An entry that is a symbolic link is replaced by a file: writing in place never writes through
 * a link to a file outside the cache. */
Test(cache, an_entry_that_is_a_link_is_replaced_not_written_through)
{
    damaged("mv $e ../$e.elsewhere && printf 'not an entry' > ../$e.elsewhere && ln -s ../$e.elsewhere $e");
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    free(run(&f, cb, cache, &st));
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd %s && for e in *.qcc; do printf 'kept' > ../$e.elsewhere && rm $e && ln -s ../$e.elsewhere $e; done",
             cache);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(run(&f, cb, cache, &st));
    cr_assert_eq(st.rejected, NDOCS);
    snprintf(
        cmd, sizeof cmd,
        "cd %s && for e in *.qcc; do [ -f $e ] && [ ! -L $e ] && [ \"$(cat ../$e.elsewhere)\" = kept ] || exit 1; done",
        cache);
    cr_assert_eq(system(cmd), 0, "a link was written through or kept: %s", cmd);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

Test(cache, entry_under_another_documents_name_is_rejected)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    char *plain = run(&f, cb, NULL, &st);
    free(run(&f, cb, cache, &st));
    /* Copy one entry over all the others: its checksum holds but its key is another document's. */
    char *first = entry_file(cache);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && for e in *.qcc; do [ \"$PWD/$e\" = '%s' ] || cp '%s' $e; done", cache, first,
             first);
    cr_assert_eq(system(cmd), 0);
    char *again = run(&f, cb, cache, &st);
    cr_assert_eq(st.rejected, NDOCS - 1);
    cr_assert_eq(st.hits, 1);
    cr_assert_str_eq(again, plain);
    free(again);
    free(plain);
    free(first);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

/* ---- entries whose checksum holds but whose records are impossible ---- */

/* An edit of an entry: changes it and returns 1 when it holds what the edit needs, else 0. */
typedef int (*entry_edit)(ce_entry *e);

/* Codes the fixture with `cbtext` through a cache, applies `edit` to every entry and signs the
 * edited ones again as the writer does; then each edited entry must be rejected and rebuilt, the
 * others hit, and the results be those of an uncached run; and the rebuilt entries hit next time.
 * `expect_rejected` 0: the edit changed nothing (the signing is checked to be the writer's). */
static void edited(const char *cbtext, entry_edit edit, int expect_rejected)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(cbtext);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    char *plain = run(&f, cb, NULL, &st);
    free(run(&f, cb, cache, &st));
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls %s/*.qcc", cache);
    FILE *ls = popen(cmd, "r");
    char line[1024];
    size_t changed = 0, entries = 0;
    while (fgets(line, sizeof line, ls)) {
        line[strcspn(line, "\n")] = '\0';
        ce_entry e;
        ce_read(&e, line);
        entries++;
        if (edit(&e)) {
            changed++;
            ce_sign_and_write(&e);
        } else {
            ce_free(&e);
        }
    }
    pclose(ls);
    cr_assert_eq(entries, NDOCS);
    cr_assert_gt(changed, 0, "the edit applied to no entry");
    char *again = run(&f, cb, cache, &st);
    size_t rejected = expect_rejected ? changed : 0;
    cr_expect_eq(st.rejected, rejected, "rejected %zu of %zu edited entries", st.rejected, changed);
    cr_expect_eq(st.hits, NDOCS - rejected);
    cr_expect_eq(st.written, rejected);
    cr_expect_str_eq(again, plain, "the counts differ from an uncached run's");
    free(again);
    again = run(&f, cb, cache, &st);
    cr_expect_eq(st.hits, NDOCS, "not rebuilt");
    cr_expect_str_eq(again, plain);
    free(again);
    free(plain);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

/* The offset of TEAM's quotation q in the entry (in the record written for the run's codebook), or
 * 0. */
static size_t team_quote(const ce_entry *e, uint32_t q)
{
    size_t rec = ce_record(e, "TEAM");
    return rec ? ce_quote(e, rec, q) : 0;
}

static int sign_only(ce_entry *e)
{
    (void)e;
    return 1;
}

/* The test's own signing is the writer's: an entry signed again unchanged still hits. */
Test(cache, an_entry_signed_again_unchanged_hits)
{
    edited(CB1, sign_only, 0);
}

static int span_past_the_text(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (q)
        ce_set_u32(e, q + 4, 0x7fffffff); /* end; its hits still inside it */
    return q != 0;
}

Test(cache, a_quotation_past_the_text_is_rejected)
{
    edited(CB1, span_past_the_text, 1);
}

/* A quotation can have no hits (a rule of {REF} or NOT alone): without them, only its own span
 * says it is impossible. */
static int end_before_start(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q)
        return 0;
    uint32_t start = ce_u32(e, q), end = ce_u32(e, q + 4);
    cr_assert_lt(start, end);
    ce_remove(e, q + 16, 16 * (size_t)ce_u32(e, q + 12));
    ce_set_u32(e, q + 12, 0);
    ce_set_u32(e, q, end);
    ce_set_u32(e, q + 4, start);
    return 1;
}

Test(cache, a_quotation_ending_before_its_start_is_rejected)
{
    edited(CB1, end_before_start, 1);
}

/* Far past it: looking the turn up without checking its number would read far outside the turns. */
static int turn_past_the_last(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (q)
        ce_set_u32(e, q + 8, UINT32_MAX - 1);
    return q != 0;
}

Test(cache, a_turn_past_the_documents_last_is_rejected)
{
    edited(CB1, turn_past_the_last, 1);
}

/* Every document with TEAM quotations has two turns or more: the quotation is moved to a turn
 * that exists but does not hold it, which would count it for another speaker. */
static int turn_of_another_span(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q)
        return 0;
    uint32_t turn = ce_u32(e, q + 8);
    ce_set_u32(e, q + 8, turn ? turn - 1 : turn + 1);
    return 1;
}

Test(cache, a_quotation_outside_its_turn_is_rejected)
{
    edited(CB1, turn_of_another_span, 1);
}

static int hit_outside(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q)
        return 0;
    uint32_t n = ce_u32(e, q + 12), end = ce_u32(e, q + 4);
    size_t h = ce_hit(e, q, n - 1); /* the last hit, moved to just after the quotation */
    cr_assert(h);
    uint32_t len = ce_u32(e, h + 4) - ce_u32(e, h);
    ce_set_u32(e, h, end);
    ce_set_u32(e, h + 4, end + len);
    return 1;
}

Test(cache, a_hit_outside_its_quotation_is_rejected)
{
    edited(CB1, hit_outside, 1);
}

/* Inside its quotation, but ending before it starts. */
static int hit_end_before_start(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q)
        return 0;
    uint32_t start = ce_u32(e, q + 16), end = ce_u32(e, q + 16 + 4);
    cr_assert_lt(start, end);
    ce_set_u32(e, q + 16, end);
    ce_set_u32(e, q + 16 + 4, start);
    return 1;
}

Test(cache, a_hit_ending_before_its_start_is_rejected)
{
    edited(CB1, hit_end_before_start, 1);
}

static int duplicate_quotation(ce_entry *e)
{
    size_t rec = ce_record(e, "TEAM");
    size_t q = rec ? ce_quote(e, rec, 0) : 0;
    if (!q)
        return 0;
    size_t count = ce_quote_count_at(e, rec);
    ce_set_u32(e, count, ce_u32(e, count) + 1);
    ce_insert(e, q, e->b + q, ce_quote_size(e, q));
    return 1;
}

Test(cache, a_duplicate_quotation_is_rejected)
{
    edited(CB1, duplicate_quotation, 1);
}

static int quotations_swapped(ce_entry *e)
{
    size_t q0 = team_quote(e, 0), q1 = team_quote(e, 1);
    if (!q1)
        return 0;
    size_t len1 = ce_quote_size(e, q1);
    unsigned char *second = malloc(len1);
    memcpy(second, e->b + q1, len1);
    ce_remove(e, q1, len1);
    ce_insert(e, q0, second, len1);
    free(second);
    return 1;
}

Test(cache, quotations_out_of_order_are_rejected)
{
    edited(CB1, quotations_swapped, 1);
}

static int duplicate_hit(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q)
        return 0;
    ce_set_u32(e, q + 12, ce_u32(e, q + 12) + 1);
    ce_insert(e, q + 16, e->b + q + 16, 16);
    return 1;
}

Test(cache, a_duplicate_hit_is_rejected)
{
    edited(CB1, duplicate_hit, 1);
}

static int hits_swapped(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q || ce_u32(e, q + 12) < 2)
        return 0;
    unsigned char first[16];
    memcpy(first, e->b + q + 16, 16);
    memmove(e->b + q + 16, e->b + q + 32, 16);
    memcpy(e->b + q + 32, first, 16);
    return 1;
}

Test(cache, hits_out_of_order_are_rejected)
{
    edited(CB1, hits_swapped, 1);
}

/* Indexes into the codebook: a rule the code does not have (the hit's leaf unknown, so that the
 * rule alone says it), a leaf position past the code's leaves, and a leaf of another rule. */
static int rule_out_of_range(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (q) {
        ce_set_u32(e, q + 16 + 8, 7);
        ce_set_u32(e, q + 16 + 12, UINT32_MAX);
    }
    return q != 0;
}

Test(cache, a_rule_index_out_of_range_is_rejected)
{
    edited(CB1, rule_out_of_range, 1);
}

static int leaf_out_of_range(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (q)
        ce_set_u32(e, q + 16 + 12, 1000000);
    return q != 0;
}

Test(cache, a_leaf_position_out_of_range_is_rejected)
{
    edited(CB1, leaf_out_of_range, 1);
}

/* TEAM with two rules: its hits on "team" are rule 0's. */
static const char CB_TWO_RULES[] = "codebook \"c\" version 1\n"
                                   "code TEAM \"Team\"\n"
                                   "  rule team OR teams\n"
                                   "  rule caseload*\n";

static int leaf_of_another_rule(ce_entry *e)
{
    size_t q = team_quote(e, 0);
    if (!q || ce_u32(e, q + 16 + 8) != 0)
        return 0;
    ce_set_u32(e, q + 16 + 8, 1);
    return 1;
}

Test(cache, a_hit_whose_leaf_is_in_another_rule_is_rejected)
{
    edited(CB_TWO_RULES, leaf_of_another_rule, 1);
}

/* A second record for a code under the same hash, with no quotations, added at the end: which of
 * the two a lookup found would decide the code's counts. */
static int duplicate_record_of(ce_entry *e, const char *id)
{
    size_t rec = ce_record(e, id);
    if (!rec)
        return 0;
    size_t count = ce_records(e);
    ce_set_u32(e, count, ce_u32(e, count) + 1);
    size_t head = ce_quote_count_at(e, rec) - rec; /* id length, id, hash */
    unsigned char *copy = malloc(head + 4);
    memcpy(copy, e->b + rec, head);
    memset(copy + head, 0, 4);
    ce_insert(e, e->n, copy, head + 4);
    free(copy);
    return 1;
}

static int duplicate_record(ce_entry *e)
{
    return duplicate_record_of(e, "TEAM");
}

Test(cache, a_duplicate_code_record_is_rejected)
{
    edited(CB1, duplicate_record, 1);
}

/* The records are written TEAM, TEAM.WORK, CASE, STRESS: in order up to CASE, which with the rest
 * is sorted and merged in front of them, where the duplicate lands too. */
static int duplicate_first_record(ce_entry *e)
{
    return duplicate_record_of(e, "CASE");
}

Test(cache, a_duplicate_record_merged_before_the_ordered_ones_is_rejected)
{
    edited(CB1, duplicate_first_record, 1);
}

static int codings_past_the_table(ce_entry *e)
{
    ce_set_u32(e, CE_CODINGS, 5); /* the table has 4 slots */
    return 1;
}

Test(cache, a_table_of_records_hashes_past_its_slots_is_rejected)
{
    edited(CB1, codings_past_the_table, 1);
}

/* Applies `edit` to the first slot of every entry's table of records hashes, which must hold one,
 * and signs the entry again. */
static void edit_records_hashes(const char *cache, void (*edit)(ce_entry *e, size_t slot))
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls %s/*.qcc", cache);
    FILE *ls = popen(cmd, "r");
    char line[1024];
    size_t entries = 0;
    while (fgets(line, sizeof line, ls)) {
        line[strcspn(line, "\n")] = '\0';
        ce_entry e;
        ce_read(&e, line);
        cr_assert_eq(ce_u32(&e, CE_CODINGS), 1, "%s: %u records hashes", line, ce_u32(&e, CE_CODINGS));
        edit(&e, CE_CODINGS + 4);
        ce_sign_and_write(&e);
        entries++;
    }
    pclose(ls);
    cr_assert_eq(entries, NDOCS);
}

static void other_records_hash(ce_entry *e, size_t slot)
{
    e->b[slot + 32]++;
}

static void same_records_hash(ce_entry *e, size_t slot)
{
    (void)e;
    (void)slot;
}

static void other_quotation_count(ce_entry *e, size_t slot)
{
    other_records_hash(e, slot);
    ce_set_u32(e, slot + 64, ce_u32(e, slot + 64) + 1);
}

/* A run that makes results keeps each coding's records hash in its entry, and a coding taken
 * from the entry takes it from there instead of hashing its quotations again (shown by changing
 * it: the digests then differ, which an entry edited and signed again can do as it can change
 * the quotations); one stored for another number of quotations is not taken, and is mended. */
Test(cache, a_codings_records_hash_is_kept_in_its_entry_and_taken_from_it)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    prepare_results = 1;
    char *plain = run(&f, cb, NULL, &st);
    free(run(&f, cb, cache, &st));
    cr_assert_eq(st.written, NDOCS);
    edit_records_hashes(cache, other_records_hash);
    char *again = run(&f, cb, cache, &st);
    cr_assert_eq(st.hits, NDOCS);
    cr_assert_str_neq(again, plain, "the records hashes were not taken from the entries");
    cr_assert_eq(st.written, 0);
    free(again);
    edit_records_hashes(cache, other_quotation_count);
    again = run(&f, cb, cache, &st);
    cr_assert_eq(st.hits, NDOCS);
    cr_assert_str_eq(again, plain, "a records hash of another quotation count was taken");
    free(again);
    /* mended by that run: the hashes are the codings' again */
    again = run(&f, cb, cache, &st);
    cr_assert_eq(st.hits, NDOCS);
    cr_assert_str_eq(again, plain);
    edit_records_hashes(cache, same_records_hash); /* (which checks that each entry has one) */
    free(again);
    prepare_results = 0;
    free(plain);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

Test(cache, open_errors)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    qc_cache *c = (qc_cache *)1;
    qc_error err;
    /* A file where the folder should be. */
    cr_assert_eq(qc_cache_open(&c, f.paths[0], cb, NULL, &err), QC_ERR_IO);
    cr_assert_null(c);
    cr_assert(qct_contains(err.message, "is not a folder"), "%s", err.message);
    cr_assert_eq(qc_cache_open(&c, NULL, cb, NULL, &err), QC_ERR_INVALID);
    qc_cache_free(NULL);
    qc_codebook_free(cb);
    fixture_free(&f);
}

Test(cache, shipped_codebook_hashes_are_stable_and_distinct)
{
    char *path = qct_source_path("codebooks/integrated-care.qcb");
    qc_codebook *a = NULL, *b = NULL;
    cr_assert_eq(qc_codebook_load(&a, path, NULL, NULL), 0);
    cr_assert_eq(qc_codebook_load(&b, path, NULL, NULL), 0);
    free(path);
    char ha[65], hb[65], hc[65];
    size_t n = qc_codebook_code_count(a);
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(qc_code_rules_hash(a, i, ha), 0);
        cr_assert_eq(qc_code_rules_hash(b, i, hb), 0);
        cr_assert_str_eq(ha, hb);
        if (i) {
            qc_code_rules_hash(a, i - 1, hc);
            same += strcmp(ha, hc) == 0;
        }
    }
    /* Only categories (no rules, same settings) can share a hash with their neighbour. */
    cr_assert_lt(same, 5);
    cr_assert_eq(qc_code_rules_hash(a, n, ha), QC_ERR_INVALID);
    qc_codebook_free(a);
    qc_codebook_free(b);
}

static void count_error(const char *path, const qc_error *e, void *user)
{
    (void)path;
    (void)e;
    ++*(int *)user;
}

/* A speaker pattern that does not compile is the cached run's one error, before any document is
 * read, as it is qc_corpus_run's (the readers would report it once per document). */
Test(cache, bad_speaker_pattern_is_one_error)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb = load(CB1);
    char *cache = cache_dir(&f);
    qc_cache *c = NULL;
    qc_error err;
    cr_assert_eq(qc_cache_open(&c, cache, cb, NULL, &err), 0, "%s", err.message);
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    ro.speaker_pattern = "(?<speaker>";
    qc_run_options opts = QC_RUN_OPTIONS_INIT;
    opts.read = &ro;
    int errors = 0;
    opts.on_error = count_error;
    opts.user = &errors;
    qc_run_stats rs;
    cr_expect_eq(qc_cache_run(c, (const char *const *)f.paths, NDOCS, NULL, &opts, &rs, &err), QC_ERR_INVALID);
    cr_expect(qct_contains(err.message, "speaker pattern"), "%s", err.message);
    cr_expect_eq(errors, 0, "reported per document too");
    cr_expect_eq(rs.documents, 0);
    qc_cache_free(c);
    free(cache);
    qc_codebook_free(cb);
    fixture_free(&f);
}

/* A cache that cannot be written (here every entry's place holds a folder with a file in it, which
 * even root cannot write over; read-only or full disks fail the same way) used to fail the run:
 * the cache only saves later runs their work, so the documents are coded and used, and the
 * entries not written are counted with the first reason. */
Test(cache, entries_that_cannot_be_written_are_counted_not_fatal)
{
    fixture f;
    fixture_make(&f);
    qc_codebook *cb1 = load(CB1), *cb2 = load(CB2);
    char *cache = cache_dir(&f);
    qc_cache_stats st;
    char *plain = run(&f, cb2, NULL, &st);
    free(run(&f, cb1, cache, &st));
    cr_assert_eq(st.written, NDOCS);
    cr_assert_eq(last_unwritten, 0);
    cr_assert_str_empty(last_reason);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && for e in *.qcc; do rm $e && mkdir $e && : > $e/x; done", cache);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    for (int round = 0; round < 2; round++) { /* nothing was written: the same again */
        char *again = run(&f, cb2, cache, &st);
        cr_assert_str_eq(again, plain, "round %d", round);
        cr_assert_eq(st.written, 0, "round %d", round);
        cr_assert_eq(last_unwritten, NDOCS, "round %d: unwritten %zu", round, last_unwritten);
        cr_assert(strstr(last_reason, "cannot write:"), "round %d: %s", round, last_reason);
        free(again);
    }
    free(plain);
    free(cache);
    qc_codebook_free(cb1);
    qc_codebook_free(cb2);
    fixture_free(&f);
}
