/* A document's counts are tallied per speaker and code in a dense table, or, for a document of
 * thousands of speakers (a survey export), in a sparse one (engine/results_add.c). Whichever
 * tallied, every output must be the same: QCODE_TEST_DENSE_CELLS sets how many cells a dense table
 * may have (0: every document sparse), so that ordinary documents are counted both ways here. */
#include <dirent.h>
#include <sys/stat.h>

#include "qc_test.h"

#define CARE QCODE_SOURCE_DIR "/corpora/integrated-care"
#define CARE_QCB QCODE_SOURCE_DIR "/codebooks/integrated-care.qcb"
#define MIXED QCODE_SOURCE_DIR "/tests/data/mixed-speakers"

/* A dense limit no document reaches, and none. */
#define ALL_DENSE "18446744073709551615"
#define ALL_SPARSE "0"

/* Runs `qcode code ARGS -o DIR/SUB/results.xml --tsv DIR/SUB` with the dense tally limited to
 * `limit` cells; returns the summary it printed (asserted to succeed). */
static char *code_with(const char *dir, const char *sub, const char *limit, const char *args)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    cr_assert_eq(mkdir(path, 0700), 0, "mkdir %s", path);
    setenv("QCODE_TEST_DENSE_CELLS", limit, 1);
    qct_run r;
    qct_qcode(&r, dir, "code %s -o %s/results.xml --tsv %s", args, sub, sub);
    unsetenv("QCODE_TEST_DENSE_CELLS");
    cr_assert_eq(r.status, 0, "qcode code %s: %s", args, r.err);
    char *out = r.out;
    r.out = NULL;
    qct_run_free(&r);
    return out;
}

/* The file without its lines holding `drop` (the run's time). */
static char *without_lines(char *text, const char *drop)
{
    char *w = text;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        char keep = line[len];
        line[len] = '\0';
        int skip = strstr(line, drop) != NULL;
        line[len] = keep;
        if (!skip) {
            memmove(w, line, len);
            w += len;
        }
        line += len;
    }
    *w = '\0';
    return text;
}

/* Asserts that dir/a and dir/b hold the same files, byte for byte but for results.xml's time. */
static void expect_same_outputs(const char *dir, const char *a, const char *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, a);
    DIR *d = opendir(path);
    cr_assert(d, "no %s", path);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", a, e->d_name);
        char *x = without_lines(qct_read_in(dir, path), "<time>");
        snprintf(path, sizeof path, "%s/%s", b, e->d_name);
        char *y = without_lines(qct_read_in(dir, path), "<time>");
        cr_expect(strcmp(x, y) == 0, "%s differs between the dense and the sparse tally", e->d_name);
        free(x);
        free(y);
        files++;
    }
    closedir(d);
    cr_assert_geq(files, 6, "results.xml and the tables");
}

/* Codes the same input with every document tallied dense, then sparse, in results.xml of both
 * formats and the tables; the summaries and every file must be the same. */
static void expect_tallies_agree(const char *args)
{
    char *dir = qct_temp_dir();
    const char *formats[] = {"1", "2"};
    for (size_t f = 0; f < 2; f++) {
        char with[8192], dense[16], sparse[16];
        snprintf(with, sizeof with, "%s --results-format %s", args, formats[f]);
        snprintf(dense, sizeof dense, "dense%s", formats[f]);
        snprintf(sparse, sizeof sparse, "sparse%s", formats[f]);
        char *a = code_with(dir, dense, ALL_DENSE, with);
        char *b = code_with(dir, sparse, ALL_SPARSE, with);
        cr_expect_str_eq(a, b, "the summary differs between the dense and the sparse tally");
        free(a);
        free(b);
        expect_same_outputs(dir, dense, sparse);
    }
    free(dir);
}

/* Interviews and focus groups of several formats, with a casebook: speakers broken down by their
 * attributes, codes rolled up through three levels. */
Test(results_tally, sparse_tally_counts_interviews_as_the_dense_one)
{
    expect_tallies_agree("-c " CARE_QCB " --cases " CARE "/cases.tsv --jobs 2 " CARE);
}

/* Unlabelled text among labelled speakers (no respondent), `P1` and `p1` (two slots of one
 * respondent), an interviewer, header keys as attributes. */
Test(results_tally, sparse_tally_counts_mixed_speakers_as_the_dense_one)
{
    expect_tallies_agree("-c " MIXED "/mixed.qcb --cases " MIXED "/cases.tsv --jobs 1 " MIXED);
}

/* A survey export: one file of 1,500 respondents answering in the corpus's words, some of them
 * twice under another spelling of their label, with unlabelled notes and an interviewer between. */
Test(results_tally, sparse_tally_counts_a_survey_as_the_dense_one)
{
    char *text = qct_read_file(CARE "/rs1-p1-focus-group.txt", NULL);
    cr_assert(text);
    const char *answers[256];
    size_t count = 0;
    for (char *line = strtok(text, "\n"); line && count < 256; line = strtok(NULL, "\n")) {
        char *colon = strstr(line, ": ");
        if (colon && colon - line < 16 && !memchr(line, ' ', (size_t)(colon - line)) && colon[2])
            answers[count++] = colon + 2; /* a turn's words, without its label */
    }
    cr_assert_geq(count, 10);
    size_t cap = 4 << 20, len = 0;
    char *survey = malloc(cap);
    cr_assert(survey);
    len += (size_t)snprintf(survey + len, cap - len, "title: Survey\nwave: 3\n\n");
    for (size_t i = 1; i <= 1500 && len + 4096 < cap; i++) {
        const char *a = answers[i % count], *b = answers[(i * 7) % count];
        len += (size_t)snprintf(survey + len, cap - len, "R%04zu: %.1500s\n\n", i, a);
        if (i % 97 == 0)
            len += (size_t)snprintf(survey + len, cap - len, "Interviewer: And then?\n\n");
        if (i % 61 == 0) /* the same respondent again, spelled otherwise */
            len += (size_t)snprintf(survey + len, cap - len, "r%04zu: %.1500s\n\n", i / 2, b);
        if (i % 89 == 0)
            len += (size_t)snprintf(survey + len, cap - len, "%.1500s\n\n", b);
    }
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "survey/survey.txt", survey, len));
    const char *cases = "speaker\tsite\nR0001\tRS1\nR0002\tRS2\nR0003\tRS1\nR0122\tRS3\n";
    free(qct_write_file(dir, "cases.tsv", cases, strlen(cases)));
    char args[8192];
    snprintf(args, sizeof args, "-c %s --cases %s/cases.tsv --jobs 1 %s/survey", CARE_QCB, dir, dir);
    expect_tallies_agree(args);
    free(dir);
    free(survey);
    free(text);
}

/* A sentence whose codes come by place in the opposite order to the codes' (twenty codes of
 * `scope match`, the first code on the sentence's last word): the dense tally's co-occurrence,
 * which takes the quotations by place, sorts so many codes the general way, as the sparse one does;
 * a quotation over two sentences (`scope turn`) overlapping the next one's goes that way too. */
Test(results_tally, co_occurrence_of_a_sentence_coded_against_the_code_order_is_the_sparse_one)
{
    static const char *const words[] = {"alpha", "bravo", "charlie", "delta", "echo",   "foxtrot", "golf",
                                        "hotel", "india", "juliet",  "kilo",  "lima",   "mike",    "november",
                                        "oscar", "papa",  "quebec",  "romeo", "sierra", "tango"};
    size_t n = sizeof words / sizeof *words;
    char qcb[4096], text[4096];
    size_t q = (size_t)snprintf(qcb, sizeof qcb, "codebook \"Order\"\nscope match\n");
    for (size_t i = 0; i < n; i++)
        q += (size_t)snprintf(qcb + q, sizeof qcb - q, "code C%02zu \"Code %zu\"\n  rule %s\n", i, i, words[n - 1 - i]);
    q += (size_t)snprintf(qcb + q, sizeof qcb - q, "code TURN \"Turn\"\n  rule yankee\n  scope turn\n");
    size_t t = (size_t)snprintf(text, sizeof text, "P1: Words then yankee here. And more after it.\nP2: ");
    for (size_t i = 0; i < n; i++)
        t += (size_t)snprintf(text + t, sizeof text - t, "%s ", words[i]);
    t += (size_t)snprintf(text + t, sizeof text - t, "end.\nP3: And alpha again, with yankee.\n");
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "order.qcb", qcb, q));
    free(qct_write_file(dir, "corpus/doc.txt", text, t));
    char args[8192];
    snprintf(args, sizeof args, "-c %s/order.qcb --jobs 1 %s/corpus", dir, dir);
    expect_tallies_agree(args);
    free(dir);
}
