/* What one large transcript costs in memory (docs/reliability.md, "Still open", item 2): the
 * scratch its coding needed (folded words, hits, quotation stores: several times its text) is given
 * back once the coding is made, and a stream writes the document's spans (about twice its text)
 * without rendering them all into memory first. Counted in bytes through the library's allocator
 * (qc_set_allocator), not in the process's memory, so the bounds do not depend on the C library.
 * The transcript is larger than the scratch a coder keeps between documents (4 MiB). */
#include "qc_test.h"

#include <stdint.h>

/* Every block carries its size in front, so that live bytes are known at every free. */
typedef union head {
    size_t size;
    max_align_t align;
} head;

static size_t live, peak, biggest;

static void *count_malloc(size_t n)
{
    head *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    live += n;
    if (live > peak)
        peak = live;
    if (n > biggest)
        biggest = n;
    return h + 1;
}

static void count_free(void *p)
{
    if (!p)
        return;
    head *h = (head *)p - 1;
    live -= h->size;
    free(h);
}

static void *count_realloc(void *p, size_t n)
{
    if (!p)
        return count_malloc(n);
    head *h = (head *)p - 1;
    size_t old = h->size;
    head *g = realloc(h, sizeof *g + n);
    if (!g)
        return NULL;
    g->size = n;
    live = live - old + n;
    if (live > peak)
        peak = live;
    if (n > biggest)
        biggest = n;
    return g + 1;
}

static void count_start(void)
{
    static const qc_allocator a = {count_malloc, count_realloc, count_free};
    live = peak = biggest = 0;
    qc_set_allocator(&a);
}

/* Sentences in which several codes have hits, as in the benchmark's transcripts. */
static const char *const sentences[] = {
    "The nurse said the waiting list is long this year. ",
    "We share an office with the social workers now, which helps. ",
    "Nobody told the team about the new budget for the clinic. ",
    "The waiting room was full and the nurse was on her own. ",
    "Our manager wants fewer meetings and more visits at home. ",
};

static const char codebook_src[] = "codebook \"Dense\"\nscope sentence\n"
                                   "code NURSE \"Nurse\"\n  rule nurse*\n"
                                   "code WAIT \"Waiting\"\n  rule waiting OR wait*\n"
                                   "code OFFICE \"Office\"\n  rule office OR room\n"
                                   "code TEAM \"Team\"\n  rule team OR workers OR manager\n"
                                   "code MONEY \"Money\"\n  rule budget\n"
                                   "code HOME \"Home\"\n  rule home OR visits\n"
                                   "code TALK \"Talk\"\n  rule said OR told OR meetings\n"
                                   "code TIME \"Time\"\n  rule year OR now\n";

enum { TEXT_BYTES = 6 << 20 };

/* One labelled turn of about TEXT_BYTES, in paragraphs of ten sentences. */
static char *dense_turn(size_t *len)
{
    char *t = malloc(TEXT_BYTES + 512);
    cr_assert_not_null(t);
    size_t n = (size_t)sprintf(t, "P1: ");
    for (size_t i = 0; n < TEXT_BYTES; i++) {
        size_t l = strlen(sentences[i % 5]);
        memcpy(t + n, sentences[i % 5], l);
        n += l;
        if (i % 10 == 9) {
            memcpy(t + n, "\n\n", 2);
            n += 2;
        }
    }
    *len = n;
    return t;
}

static qc_document *read_dense(size_t *len)
{
    char *text = dense_turn(len);
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_buffer(&doc, "big.txt", text, *len, NULL, &err), 0, "%s", err.message);
    free(text);
    return doc;
}

static qc_codebook *load_codebook(void)
{
    qc_codebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(&cb, "dense.qcb", codebook_src, sizeof codebook_src - 1, NULL, &err), 0, "%s",
                 err.message);
    return cb;
}

Test(memory, a_coder_keeps_none_of_a_large_transcripts_scratch)
{
    count_start();
    size_t len;
    qc_document *doc = read_dense(&len);
    qc_codebook *cb = load_codebook();
    qc_coder *coder = NULL;
    qc_coding *coding = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, &err), 0, "%s", err.message);
    size_t before = live;
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
    size_t quotations = qc_coding_quotation_count(coding);
    size_t with_coding = live;
    qc_coding_free(coding);
    size_t kept = live - before;
    cr_log_info("%zu bytes of text, %zu quotations: the coding %zu bytes, the coder kept %zu more", len, quotations,
                with_coding - live, kept);
    cr_assert_gt(quotations, len / 20, "a transcript dense with codes (%zu quotations)", quotations);
    /* Folding its words alone took more bytes than the text. */
    cr_expect_lt(kept, len, "the coder kept %zu bytes of scratch after coding %zu bytes", kept, len);
    /* The coder, its scratch given back, codes the next document as a fresh one does. */
    static const char small[] = "P2: The nurse said we wait now. The manager told the team.\n\nP3: A room at home.\n";
    qc_document *next = NULL;
    cr_assert_eq(qc_document_read_buffer(&next, "small.txt", small, sizeof small - 1, NULL, &err), 0, "%s",
                 err.message);
    qc_coder *fresh = NULL;
    qc_coding *a = NULL, *b = NULL;
    cr_assert_eq(qc_coder_new(&fresh, cb, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, next, NULL, &a, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(fresh, next, NULL, &b, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coding_quotation_count(a), qc_coding_quotation_count(b));
    cr_assert_gt(qc_coding_quotation_count(a), 5);
    for (size_t i = 0; i < qc_coding_quotation_count(a); i++) {
        qc_quotation qa, qb;
        cr_assert_eq(qc_coding_quotation(a, i, &qa), 0);
        cr_assert_eq(qc_coding_quotation(b, i, &qb), 0);
        cr_assert(qa.code == qb.code && qa.start == qb.start && qa.end == qb.end && qa.turn == qb.turn &&
                      qa.hit_count == qb.hit_count,
                  "quotation %zu differs", i);
    }
    qc_coding_free(a);
    qc_coding_free(b);
    qc_coder_free(fresh);
    qc_document_free(next);
    qc_coder_free(coder);
    qc_codebook_free(cb);
    qc_document_free(doc);
    cr_expect_eq(live, 0);
    qc_set_allocator(NULL);
}

Test(memory, a_stream_writes_a_large_transcripts_spans_without_holding_them)
{
    count_start();
    size_t len;
    qc_document *doc = read_dense(&len);
    qc_codebook *cb = load_codebook();
    qc_coding *coding = NULL;
    qc_coder *coder = NULL;
    qc_error err;
    cr_assert_eq(qc_coder_new(&coder, cb, NULL, &err), 0, "%s", err.message);
    cr_assert_eq(qc_coder_code(coder, doc, NULL, &coding, &err), 0, "%s", err.message);
    qc_coder_free(coder);

    char *dir = qct_temp_dir();
    char *path = malloc(strlen(dir) + 16);
    sprintf(path, "%s/results.xml", dir);
    qc_results *res = NULL;
    qc_results_options ro = QC_RESULTS_OPTIONS_INIT;
    ro.stream_only = 1; /* as `qcode code -o FILE` */
    cr_assert_eq(qc_results_new_opts(&res, cb, NULL, &ro, &err), 0, "%s", err.message);
    qc_write_options wo = QC_WRITE_OPTIONS_INIT;
    wo.format = 2;
    cr_assert_eq(qc_results_stream_xml(res, path, &wo, &err), 0, "%s", err.message);
    biggest = 0;
    cr_assert_eq(qc_results_add(res, doc, coding, NULL, &err), 0, "%s", err.message);
    size_t largest = biggest;
    cr_assert_eq(qc_results_write_xml(res, path, &wo, &err), 0, "%s", err.message);
    size_t written = 0;
    char *xml = qct_read_file(path, &written);
    cr_assert_not_null(xml);
    cr_log_info("%zu bytes of text, %zu bytes of results.xml: adding the document allocated %zu bytes at most at once",
                len, written, largest);
    cr_assert_gt(written, 2 * len, "spans of about twice the text (%zu bytes)", written);
    /* Rendered ahead, the spans were one buffer nearly the size of the file (the largest block now
     * is the spans' sort, 32 bytes a quotation, rounded up to a power of two). */
    cr_expect_lt(largest, written / 2, "a block of %zu bytes for %zu bytes of results", largest, written);
    cr_assert_not_null(strstr(xml, "<code id=\"MONEY\""));
    free(xml);
    qc_results_free(res);
    qc_coding_free(coding);
    qc_codebook_free(cb);
    qc_document_free(doc);
    cr_expect_eq(live, 0);
    qc_set_allocator(NULL);
    free(path);
    free(dir);
}
