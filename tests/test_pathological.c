/* Pathological inputs, end to end (read, compile, code, aggregate, write, under the ctest timeout):
 * a 10 MB line, a line full of overlap marks, subtitle lines of unclosed tags, a million tiny turns, a 200-level deep
 * codebook, 10,000 codes, a chain of 60,000 references, a 100 MB single document, a runaway regex, and empty
 * everything. Each either works with the right answer or fails with a clear error; none may crash or hang.
 *
 * The 100 MB document is QCODE_PATHOLOGICAL_MB megabytes (default 100; 25 in the ASan build, where
 * the same work is several times slower: set the variable to run the full size there). */
#include "rel_helpers.h"

#include <time.h>

#include "qc_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_BIG_MB 25
#else
#define DEFAULT_BIG_MB 100
#endif

static qc_codebook *load_codebook(const char *src, size_t len)
{
    qc_codebook *cb = NULL;
    qc_error err;
    int rc = qc_codebook_load_buffer(&cb, "p.qcb", src, len, NULL, &err);
    cr_assert_eq(rc, 0, "codebook: %s:%u:%u: %s", err.file, err.line, err.column, err.message);
    return cb;
}

static qc_coding *code_doc(const qc_codebook *cb, const qc_document *doc)
{
    qc_coder *coder = NULL;
    qc_coding *coding = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
    qc_coder_free(coder);
    return coding;
}

/* Quotations of one code in a coding. */
static size_t quotations_of(const qc_coding *coding, size_t code)
{
    size_t n = 0;
    for (size_t i = 0; i < qc_coding_quotation_count(coding); i++) {
        qc_quotation q;
        cr_assert_eq(qc_coding_quotation(coding, i, &q), 0);
        n += q.code == code;
    }
    return n;
}

static char *repeat(const char *unit, size_t times, size_t *len)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    *len = u * times;
    return s;
}

Test(pathological, ten_megabyte_line)
{
    /* One line of 10 MB: transcripts refuse lines over 1 MiB with an error naming the line. */
    size_t len = 0;
    char *body = repeat("word ", 2 * 1024 * 1024, &len);
    memcpy(body, "S1: ", 4);
    static const char *const names[] = {"long.txt", "long.md"};
    for (size_t i = 0; i < 2; i++) {
        qc_document *doc = NULL;
        qc_error err;
        double t0 = rel_seconds();
        int rc = qc_document_read_buffer(&doc, names[i], body, len, NULL, &err);
        cr_expect_eq(rc, QC_ERR_LIMIT, "%s: status %d: %s", names[i], rc, err.message);
        cr_expect_eq(err.line, 1);
        cr_expect(qct_contains(err.message, "line 1 is longer than 1048576 bytes"), "%s", err.message);
        cr_log_info("%s: a 10 MB line refused in %.3f s: %s", names[i], rel_seconds() - t0, err.message);
        qc_document_free(doc);
    }
    /* The same line inside a subtitle cue. */
    size_t vlen = len + 64;
    char *vtt = malloc(vlen + 1);
    int head = snprintf(vtt, vlen, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n");
    memcpy(vtt + head, body, len);
    qc_document *doc = NULL;
    qc_error err;
    cr_expect_eq(qc_document_read_buffer(&doc, "long.vtt", vtt, (size_t)head + len, NULL, &err), QC_ERR_LIMIT, "%s",
                 err.message);
    cr_expect_eq(err.line, 4);
    qc_document_free(doc);
    free(vtt);

    /* A codebook line of 10 MB (a definition) and a rule line of 1 MB (100,000 alternatives):
     * both compile, and code. */
    size_t rlen = 0;
    char *alts = repeat(" OR zzzzzz", 100000, &rlen);
    size_t cap = rlen + len + 128;
    char *cbsrc = malloc(cap);
    int n = snprintf(cbsrc, cap, "codebook \"Long\"\ncode A \"A\"\n  define \"%.*s\"\n  rule word%s\n", (int)len - 8,
                     body + 4, alts);
    cr_assert_gt(n, 11 * 1000 * 1000);
    double t0 = rel_seconds();
    qc_codebook *cb = NULL;
    int rc = qc_codebook_load_buffer(&cb, "long.qcb", cbsrc, (size_t)n, NULL, &err);
    double t1 = rel_seconds();
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    size_t def = strlen(qc_code_definition(cb, 0));
    cr_expect(def + 16 > len && def <= len, "the definition is kept whole: %zu of %zu bytes", def, len);
    static const char text[] = "S1: one word here.\n";
    cr_assert_eq(qc_document_read_buffer(&doc, "t.txt", text, sizeof text - 1, NULL, &err), 0);
    qc_coding *coding = code_doc(cb, doc);
    cr_expect_eq(quotations_of(coding, 0), 1);
    qc_coding_free(coding);
    qc_document_free(doc);
    cr_log_info("a 10 MB definition line and a 1 MB rule line compiled in %.2f s", t1 - t0);
    qc_codebook_free(cb);
    free(cbsrc);
    free(alts);
    free(body);
}

/* Reads "I: a" + `unit` repeated to nearly `bytes` + a last turn; returns the seconds it took. */
static double read_marks_line(const char *unit, size_t bytes, size_t expect_turns_per_unit, size_t extra_turns)
{
    size_t u = strlen(unit), times = bytes / u, len = 0;
    char *text = malloc(times * u + 32);
    cr_assert_not_null(text);
    len += (size_t)sprintf(text, "I: a");
    for (size_t i = 0; i < times; i++, len += u)
        memcpy(text + len, unit, u);
    len += (size_t)sprintf(text + len, "\nR: end\n");
    qc_document *doc = NULL;
    qc_error err;
    double t0 = rel_seconds();
    cr_assert_eq(qc_document_read_buffer(&doc, "marks.txt", text, len, NULL, &err), 0, "%s", err.message);
    double t = rel_seconds() - t0;
    cr_expect_eq(qc_document_turn_count(doc), times * expect_turns_per_unit + extra_turns, "'%s': %zu turns", unit,
                 qc_document_turn_count(doc));
    qc_document_free(doc);
    free(text);
    return t;
}

Test(pathological, a_line_full_of_overlap_marks)
{
    /* Lines of nearly 1 MiB made of overlap marks (docs/transcripts.md): passages chained end to
     * end, openers that never close, and "//[" whose label scan would look for its "]" to the end
     * of the line. Each reads in about the time of the same line without the "//" (a scan to the
     * line's end at every mark took seconds). The chain is 2 passages a unit, less the last, which
     * has no closing mark, plus the host's two pieces and the last turn. */
    static const struct {
        const char *marks, *plain;
        size_t turns_per_unit, extra;
    } cases[] = {
        {" //R: y //I: z", "   R: y   I: z", 2, 2},
        {" //R: ", "   R: ", 0, 2},
        {" //[x", "   [x", 0, 2},
    };
    /* A scan to the line's end at every mark grows with the square of the line: four times the
     * line took sixteen times as long. Linear reading takes four times as long, give or take a
     * loaded machine (the plain line's time is no yardstick under ASan, where the marks' turns cost
     * ten times the plain line or more). */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double quarter = read_marks_line(cases[i].marks, 250000, cases[i].turns_per_unit, cases[i].extra);
        double marks = read_marks_line(cases[i].marks, 1000000, cases[i].turns_per_unit, cases[i].extra);
        double plain = read_marks_line(cases[i].plain, 1000000, 0, 2);
        cr_expect(marks < 8 * quarter + 0.3, "'%s': %.3f s for 1 MB, %.3f s for a quarter of it", cases[i].marks, marks,
                  quarter);
        cr_log_info("'%s' to 1 MB: read in %.3f s (a quarter in %.3f s; %.3f s without the marks)", cases[i].marks,
                    marks, quarter, plain);
    }
}

/* One cue of `lines` lines, each `unit` repeated to nearly 1 MiB (the longest line read), as
 * WebVTT or SubRip; asserts that every `mark` of them is in the document text. */
static void read_cue_of_marks(const char *name, const char *unit, char mark, size_t lines)
{
    size_t u = strlen(unit), times = 1000000 / u, len = 0;
    char *text = malloc(lines * (times * u + 1) + 64);
    cr_assert_not_null(text);
    int vtt = strstr(name, ".vtt") != NULL;
    len += (size_t)sprintf(text, vtt ? "WEBVTT\n\n00:00.000 --> 00:01.000\n" : "1\n00:00:00,000 --> 00:00:01,000\n");
    for (size_t l = 0; l < lines; l++) {
        for (size_t i = 0; i < times; i++, len += u)
            memcpy(text + len, unit, u);
        text[len++] = '\n';
    }
    qc_document *doc = NULL;
    qc_error err;
    double t0 = rel_seconds();
    cr_assert_eq(qc_document_read_buffer(&doc, name, text, len, NULL, &err), 0, "%s", err.message);
    double t = rel_seconds() - t0;
    size_t marks_in = 0, marks_out = 0, n = 0;
    for (size_t i = 0; i < len; i++)
        marks_in += text[i] == mark;
    const char *out = qc_document_text(doc, &n);
    for (size_t i = 0; i < n; i++)
        marks_out += out[i] == mark;
    cr_expect_eq(marks_out, marks_in, "%s '%s': %zu of %zu '%c' kept", name, unit, marks_out, marks_in, mark);
    cr_expect_eq(qc_document_turn_count(doc), 1);
    cr_log_info("%s: %zu lines of '%s' to 1 MB read in %.2f s", name, lines, unit, t);
    qc_document_free(doc);
    free(text);
}

/* Subtitle lines full of tag openers that never close stay text, and are read in linear time. A
 * scan to the line's end at every opener grows with the square of the line: one 1 MiB line of
 * WebVTT took minutes; SubRip's scans are memchr's, so it takes more lines (48 of `<i `, 24 of
 * `{\`: over 80 s each that way, about a second read linearly) to pass the timeout. */
Test(pathological, webvtt_line_of_unclosed_tags, .timeout = 30)
{
    read_cue_of_marks("lt.vtt", "x < y ", '<', 1);
}

Test(pathological, subrip_lines_of_unclosed_tags, .timeout = 30)
{
    read_cue_of_marks("lt.srt", "<i ", '<', 48);
}

Test(pathological, subrip_lines_of_unclosed_override_codes, .timeout = 30)
{
    read_cue_of_marks("lt.srt", "{\\", '{', 24);
}

Test(pathological, a_million_tiny_turns)
{
    const size_t turns = 1000000;
    char *text = malloc(turns * 12 + 1);
    cr_assert_not_null(text);
    size_t len = 0;
    for (size_t i = 0; i < turns; i++)
        len += (size_t)sprintf(text + len, i % 2 ? "S%zu: ok.\n" : "S%zu: nurse\n", i % 3 + 1);
    double t0 = rel_seconds();
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "turns.txt", text, len, NULL, &err), 0, "%s", err.message);
    double t1 = rel_seconds();
    cr_assert_eq(qc_document_turn_count(doc), turns);
    cr_assert_eq(qc_document_speaker_count(doc), 3);
    static const char src[] = "codebook \"T\"\ncode N \"Nurses\"\n  rule nurse*\n  scope turn\n";
    qc_codebook *cb = load_codebook(src, sizeof src - 1);
    qc_coding *coding = code_doc(cb, doc);
    double t2 = rel_seconds();
    cr_assert_eq(quotations_of(coding, 0), turns / 2);
    cr_log_info("a million turns: read in %.2f s, coded in %.2f s", t1 - t0, t2 - t1);
    qc_coding_free(coding);
    qc_codebook_free(cb);
    qc_document_free(doc);
    free(text);
}

Test(pathological, two_hundred_levels_deep)
{
    /* code L1 > L2 > ... > L200, each indented two more; only the deepest has a rule. */
    size_t cap = 200 * 420 + 256;
    char *src = malloc(cap);
    size_t len = (size_t)snprintf(src, cap, "codebook \"Deep\"\n");
    for (int d = 1; d <= 200; d++)
        len += (size_t)snprintf(src + len, cap - len, "%*scode L%d \"Level %d\"\n", 2 * (d - 1), "", d, d);
    len += (size_t)snprintf(src + len, cap - len, "%*srule bottom\n", 2 * 200, "");
    qc_codebook *cb = load_codebook(src, len);
    cr_assert_eq(qc_codebook_code_count(cb), 200);
    qc_codebook_stats st;
    qc_codebook_get_stats(cb, &st);
    cr_assert_eq(st.max_depth, 200);
    static const char text[] = "S1: we reached the bottom.\n\nS2: and the top.\n";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "d.txt", text, sizeof text - 1, NULL, &err), 0);
    qc_coding *coding = code_doc(cb, doc);
    cr_assert_eq(quotations_of(coding, 199), 1);
    /* Rolled up through all 200 levels. */
    qc_results *res = NULL;
    cr_assert_eq(qc_results_new(&res, cb, NULL, &err), 0);
    cr_assert_eq(qc_results_add(res, doc, coding, NULL, &err), 0, "%s", err.message);
    qc_counts top;
    qc_results_code_counts(res, 0, QC_ROLLED_UP, &top);
    cr_assert_eq(top.quotations, 1);
    char *dir = qct_temp_dir();
    char xml[1024];
    snprintf(xml, sizeof xml, "%s/deep.xml", dir);
    cr_assert_eq(qc_results_write_xml(res, xml, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_results_read(xml, NULL, &err), 0, "%s", err.message);
    rel_rm_tree(dir);
    free(dir);
    qc_results_free(res);
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_codebook_free(cb);
    free(src);
}

Test(pathological, ten_thousand_codes)
{
    const int codes = 10000;
    size_t cap = (size_t)codes * 64 + 64;
    char *src = malloc(cap);
    size_t len = (size_t)snprintf(src, cap, "codebook \"Many\"\n");
    for (int i = 0; i < codes; i++)
        len += (size_t)snprintf(src + len, cap - len, "code C%05d \"Code %d\"\n  rule term%d\n", i, i, i);
    double t0 = rel_seconds();
    qc_codebook *cb = load_codebook(src, len);
    double t1 = rel_seconds();
    cr_assert_eq(qc_codebook_code_count(cb), (size_t)codes);
    /* A document mentioning every 100th code's term. */
    char text[8192];
    size_t tl = (size_t)snprintf(text, sizeof text, "S1:");
    for (int i = 0; i < codes; i += 100)
        tl += (size_t)snprintf(text + tl, sizeof text - tl, " term%d.", i);
    text[tl++] = '\n';
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "m.txt", text, tl, NULL, &err), 0);
    qc_coding *coding = code_doc(cb, doc);
    cr_assert_eq(qc_coding_quotation_count(coding), (size_t)codes / 100);
    cr_assert_eq(quotations_of(coding, 9900), 1);
    cr_assert_eq(quotations_of(coding, 9901), 0);
    cr_log_info("10,000 codes compiled in %.2f s, coded in %.3f s", t1 - t0, rel_seconds() - t1);
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_codebook_free(cb);
    free(src);
}

/* A chain of references 60,000 codes long (each code's rule names the next, the last one has a
 * word): every code codes the unit. The matcher ordered codes again by a recursion of its own,
 * which overflowed the stack on such a chain under ASan and, past 50,000 links, stopped at its depth
 * guard and evaluated codes before the codes they name. */
Test(pathological, a_chain_of_sixty_thousand_references)
{
    const int codes = 60000;
    size_t cap = (size_t)codes * 48 + 64;
    char *src = malloc(cap);
    cr_assert_not_null(src);
    size_t len = (size_t)snprintf(src, cap, "codebook \"Chain\"\n");
    for (int i = 0; i < codes; i++)
        len += i + 1 < codes ? (size_t)snprintf(src + len, cap - len, "code C%d \"C\"\n  rule {C%d}\n", i, i + 1)
                             : (size_t)snprintf(src + len, cap - len, "code C%d \"C\"\n  rule colocated\n", i);
    qc_codebook *cb = load_codebook(src, len);
    static const char text[] = "S1: We are colocated now.\n";
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "c.txt", text, sizeof text - 1, NULL, &err), 0);
    qc_coding *coding = code_doc(cb, doc);
    cr_assert_eq(qc_coding_quotation_count(coding), (size_t)codes);
    cr_assert_eq(quotations_of(coding, 0), 1, "the chain's first code");
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_codebook_free(cb);
    free(src);
}

Test(pathological, one_huge_document)
{
    const char *env = getenv("QCODE_PATHOLOGICAL_MB");
    long mb = env && atol(env) > 0 ? atol(env) : DEFAULT_BIG_MB;
    size_t target = (size_t)mb << 20;
    static const char *const turns[] = {
        "Interviewer: How was the waiting list this year?\n\n",
        "S1: The nurses are short of staff, and patients wait six weeks for an appointment. We are "
        "co-located now, in the same office, which helps a great deal when we talk about cases.\n\n",
        "S2: Nothing much changed for us. The district team still works from a separate base, far away.\n\n",
    };
    char *text = malloc(target + 512);
    cr_assert_not_null(text);
    size_t len = 0, n_turns = 0;
    while (len < target) {
        const char *t = turns[n_turns % 3];
        size_t l = strlen(t);
        memcpy(text + len, t, l);
        len += l;
        n_turns++;
    }
    double t0 = rel_seconds();
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "huge.txt", text, len, NULL, &err), 0, "%s", err.message);
    double t1 = rel_seconds();
    free(text);
    cr_assert_eq(qc_document_turn_count(doc), n_turns);
    static const char src[] = "codebook \"Big\"\nscope sentence\n"
                              "code STAFF \"Staff\"\n  rule staff* OR nurse* NEAR/3 short\n"
                              "code WAIT \"Waiting\"\n  rule wait* OR weeks BEFORE/4 appointment\n"
                              "code TEAM \"Team\"\n  rule \"same office\" OR /co-?locat\\w*/\n"
                              "  code TEAM.APART \"Apart\"\n    rule \"separate base\"\n";
    qc_codebook *cb = load_codebook(src, sizeof src - 1);
    qc_coding *coding = code_doc(cb, doc);
    double t2 = rel_seconds();
    size_t s1_turns = (n_turns + 1) / 3, s2_turns = n_turns / 3;
    cr_assert_eq(quotations_of(coding, 0), s1_turns, "STAFF: one sentence in every S1 turn");
    cr_assert_eq(quotations_of(coding, 2), s1_turns, "TEAM: one sentence in every S1 turn");
    cr_assert_eq(quotations_of(coding, 3), s2_turns, "TEAM.APART: every S2 turn");
    /* The questions mention waiting but interviewers are not coded. */
    cr_assert_eq(quotations_of(coding, 1), s1_turns);
    cr_log_info("a %ld MB document (%zu turns): read in %.1f s, coded in %.1f s", mb, n_turns, t1 - t0, t2 - t1);
    qc_coding_free(coding);
    qc_codebook_free(cb);
    qc_document_free(doc);
}

/* PCRE2's match limit bounds a catastrophic pattern: the coding finishes with an issue, quickly. */
Test(pathological, runaway_regex_is_bounded)
{
    static const char src[] = "codebook \"Runaway\"\nscope turn\ncode R \"R\"\n  rule /(a+)+$/\ncode W \"W\"\n"
                              "  rule word\n";
    qc_codebook *cb = load_codebook(src, sizeof src - 1);
    size_t alen = 0;
    char *as = repeat("a", 5000, &alen);
    size_t cap = alen * 4 + 64;
    char *text = malloc(cap);
    size_t len = 0;
    for (int t = 0; t < 4; t++)
        len += (size_t)snprintf(text + len, cap - len, "S%d: word %s!\n", t + 1, as);
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "r.txt", text, len, NULL, &err), 0, "%s", err.message);
    double t0 = rel_seconds();
    qc_coding *coding = code_doc(cb, doc);
    double t = rel_seconds() - t0;
    cr_assert_gt(qc_coding_issue_count(coding), 0, "the runaway pattern should hit its limit");
    cr_assert(qct_contains(qc_coding_issue(coding, 0), "R"), "%s", qc_coding_issue(coding, 0));
    cr_assert_eq(quotations_of(coding, 1), 4, "the other code is still coded in every turn");
    cr_log_info("runaway regex over 4 turns: %zu issues, %.2f s", qc_coding_issue_count(coding), t);
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_codebook_free(cb);
    free(text);
    free(as);
}

static int count_cb(const qc_result_quotation *q, void *user)
{
    (void)q;
    (*(size_t *)user)++;
    return 0;
}

Test(pathological, empty_everything)
{
    qc_error err;
    qc_codebook *cb = NULL;
    qc_document *doc = NULL;
    qc_casebook *cases = NULL;
    /* Empty inputs are errors that say so. */
    cr_expect_eq(qc_codebook_load_buffer(&cb, "e.qcb", "", 0, NULL, &err), QC_ERR_CODEBOOK);
    cr_expect(qct_contains(err.message, "empty codebook"), "%s", err.message);
    static const char *const names[] = {"e.txt", "e.md", "e.vtt", "e.srt", "e.docx"};
    for (size_t i = 0; i < 5; i++) {
        cr_expect_lt(qc_document_read_buffer(&doc, names[i], "", 0, NULL, &err), 0, "%s read", names[i]);
        cr_expect_neq(err.message[0], '\0');
        cr_expect_null(doc);
    }
    cr_expect_lt(qc_casebook_load_buffer(&cases, "e.tsv", "", 0, &err), 0);
    cr_expect(qct_contains(err.message, "empty casebook"), "%s", err.message);

    /* A codebook with no codes, a document with only an interviewer, a run over no files. */
    static const char bare[] = "codebook \"Bare\"\n";
    int rc = qc_codebook_load_buffer(&cb, "bare.qcb", bare, sizeof bare - 1, NULL, &err);
    if (rc != 0) {
        cr_expect(rc == QC_ERR_CODEBOOK && err.line > 0, "status %d: %s", rc, err.message);
        static const char one[] = "codebook \"Bare\"\ncode A \"Category\"\n";
        cr_assert_eq(qc_codebook_load_buffer(&cb, "bare.qcb", one, sizeof one - 1, NULL, &err), 0, "%s", err.message);
    }
    static const char quiet[] = "Interviewer: Anything to add?\n";
    cr_assert_eq(qc_document_read_buffer(&doc, "q.txt", quiet, sizeof quiet - 1, NULL, &err), 0, "%s", err.message);
    qc_coding *coding = code_doc(cb, doc);
    cr_expect_eq(qc_coding_quotation_count(coding), 0);

    qc_results *res = NULL;
    cr_assert_eq(qc_results_new(&res, cb, NULL, &err), 0);
    qc_run_options ro = QC_RUN_OPTIONS_INIT;
    ro.on_document = qc_results_add_fn;
    ro.user = res;
    qc_run_stats stats;
    cr_expect_eq(qc_corpus_run(NULL, 0, cb, NULL, &ro, &stats, &err), 0, "%s", err.message);
    cr_expect_eq(stats.documents, 0);
    /* Results of nothing, then of one document with nothing coded: written and read back. */
    char *dir = qct_temp_dir();
    char xml[1024], tsv[1024];
    snprintf(xml, sizeof xml, "%s/empty.xml", dir);
    snprintf(tsv, sizeof tsv, "%s/tsv", dir);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            cr_assert_eq(qc_results_add(res, doc, coding, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_results_write_xml(res, xml, NULL, &err), 0, "%s", err.message);
        cr_assert_eq(qc_results_write_tsv(res, tsv, &err), 0, "%s", err.message);
        size_t quotes = 0;
        qc_results_handlers h = {NULL, NULL, NULL, count_cb, &quotes};
        cr_assert_eq(qc_results_read(xml, &h, &err), 0, "%s", err.message);
        cr_expect_eq(quotes, 0);
        qc_counts totals;
        qc_results_totals(res, &totals);
        cr_expect_eq(totals.quotations, 0);
        cr_expect_eq(qc_results_document_count(res), (size_t)round);
    }
    rel_rm_tree(dir);
    free(dir);
    qc_results_free(res);
    qc_coding_free(coding);
    qc_document_free(doc);
    qc_codebook_free(cb);

    /* And through the command line: an empty folder is not an error to crash on. */
    char *empty = qct_temp_dir();
    char *cbp = qct_source_path("tests/bad/_ok.qcb");
    qct_run run;
    qct_qcode(&run, NULL, "code -c '%s' '%s'", cbp, empty);
    cr_expect(run.status == 0 || run.status == 2, "exit %d: %s", run.status, run.err);
    cr_expect(run.status == 0 || qct_contains(run.err, "no "), "stderr: %s", run.err);
    qct_run_free(&run);
    rel_rm_tree(empty);
    free(empty);
    free(cbp);
}
