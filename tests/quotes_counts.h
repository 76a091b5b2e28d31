/* `qcode quotes`' last line against the counts `qcode code` wrote: the tests that would fail if the
 * tool's counts drifted from the library's. The expected counts are read from a results.xml of
 * format 1, where each code's counts are in its code tree (qc_results_file_code, counts_known),
 * not through the path the tool takes. */
#ifndef QCODE_TESTS_QUOTES_COUNTS_H
#define QCODE_TESTS_QUOTES_COUNTS_H

#include "qc_test.h"

typedef struct quotes_file_counts {
    size_t count;
    char **ids;
    qc_counts *own, *rolled_up; /* by the code's index in the file */
    size_t documents;           /* in the file */
} quotes_file_counts;

static int quotes_fc_document(const qc_result_document *doc, size_t index, void *user)
{
    (void)doc, (void)index;
    ((quotes_file_counts *)user)->documents++;
    return 0;
}

static int quotes_fc_code(const qc_results_file_code *code, void *user)
{
    quotes_file_counts *fc = user;
    cr_assert(code->counts_known, "the expected counts come from a results.xml of format 1");
    size_t n = fc->count + 1;
    fc->ids = realloc(fc->ids, n * sizeof *fc->ids);
    fc->own = realloc(fc->own, n * sizeof *fc->own);
    fc->rolled_up = realloc(fc->rolled_up, n * sizeof *fc->rolled_up);
    cr_assert(fc->ids && fc->own && fc->rolled_up);
    cr_assert_eq(code->index, fc->count);
    fc->ids[fc->count] = strdup(code->id);
    fc->own[fc->count] = code->own;
    fc->rolled_up[fc->count] = code->rolled_up;
    fc->count = n;
    return 0;
}

/* Every code's counts in the format-1 results.xml at path. */
static inline void quotes_counts_read(quotes_file_counts *fc, const char *path)
{
    memset(fc, 0, sizeof *fc);
    qc_results_handlers h = {NULL, quotes_fc_document, quotes_fc_code, NULL, fc};
    qc_error err;
    cr_assert_eq(qc_results_read(path, &h, &err), 0, "%s: %s", path, err.message);
}

/* The index of code `id` in the file. */
static inline size_t quotes_counts_find(const quotes_file_counts *fc, const char *id)
{
    for (size_t i = 0; i < fc->count; i++)
        if (strcmp(fc->ids[i], id) == 0)
            return i;
    cr_assert_fail("no code %s in the results", id);
    return 0;
}

static inline void quotes_counts_free(quotes_file_counts *fc)
{
    for (size_t i = 0; i < fc->count; i++)
        free(fc->ids[i]);
    free(fc->ids);
    free(fc->own);
    free(fc->rolled_up);
}

/* The last line of `qcode quotes` output `out` gives the quotations, respondents and documents of
 * `want` and the documents of the run or file: "N quotation(s) of CODE... from P respondent(s) in
 * D of R document(s)". */
static inline void quotes_expect_counts(const char *out, const qc_counts *want, size_t documents, const char *what)
{
    size_t len = strlen(out);
    cr_assert(len > 0 && out[len - 1] == '\n', "%s: no last line in %s", what, out);
    const char *last = out + len - 1;
    while (last > out && last[-1] != '\n')
        last--;
    unsigned long long quotations, respondents, docs, read;
    const char *from = strstr(last, " from ");
    while (from && strstr(from + 1, " from "))
        from = strstr(from + 1, " from ");
    const char *in = from ? strstr(from, " in ") : NULL;
    cr_assert(sscanf(last, "%llu quotation", &quotations) == 1 && in &&
                  sscanf(from, " from %llu respondent", &respondents) == 1 &&
                  sscanf(in, " in %llu of %llu document", &docs, &read) == 2,
              "%s: not a counts line: %s", what, last);
    cr_expect(quotations == want->quotations && respondents == want->respondents && docs == want->documents &&
                  read == documents,
              "%s: quotes says %llu quotations from %llu respondents in %llu of %llu documents, qcode code %llu from "
              "%llu in %llu of %zu: %s",
              what, quotations, respondents, docs, read, (unsigned long long)want->quotations,
              (unsigned long long)want->respondents, (unsigned long long)want->documents, documents, last);
}

#endif
