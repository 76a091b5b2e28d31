/* What the zip reader (engine/zip_read.c, behind .docx and .qdpx) spends on an archive whose headers
 * lie, and the bound on a whole archive (docs/reliability.md, "ZIP"). The archives are built here
 * with libzip and their headers' uncompressed sizes patched afterwards, in the local header and the
 * central directory alike (libzip opens them with ZIP_CHECKCONS, which compares the two).
 *
 * - An entry whose header claims 900 MB and holds 74 bytes was given a 900 MB buffer before a
 *   byte was read: under a memory limit the import said "out of memory" instead of naming the
 *   damaged entry. The buffer now grows as the entry inflates, the claim its bound.
 * - The bound of 1 GiB per archive was checked entry by entry as each was read, so only an
 *   archive that had really inflated a gigabyte could reach it; a .qdpx's sources are now checked
 *   together, from their headers, before the first is read. */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */
#include "qc_test.h"

#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zip.h>

/* --- archives --- */

typedef struct entry {
    const char *name;
    const char *data;
    size_t size;
    uint32_t claim; /* the uncompressed size its headers give; 0: the true one */
} entry;

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static unsigned get_u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Sets the uncompressed size of `name` to `claim` in every header that names it: the local
 * header (signature PK\3\4, size at 22, name at 30) and the central directory (PK\1\2, 24, 46). */
static void patch_claim(unsigned char *b, size_t n, const char *name, uint32_t claim)
{
    size_t len = strlen(name);
    int patched = 0;
    for (size_t i = 0; i + 46 <= n; i++) {
        int local = memcmp(b + i, "PK\3\4", 4) == 0, central = memcmp(b + i, "PK\1\2", 4) == 0;
        if (!local && !central)
            continue;
        size_t at = i + (local ? 30 : 46);
        if (get_u16(b + i + (local ? 26 : 28)) == len && at + len <= n && memcmp(b + at, name, len) == 0) {
            put_u32(b + i + (local ? 22 : 24), claim);
            patched++;
        }
    }
    cr_assert_eq(patched, 2, "%s: %d headers patched, expected 2", name, patched);
}

/* Writes dir/name, a zip of the entries (deflated, or stored when `stored`), each header giving
 * its entry's claim; returns the path, to free(). */
static char *make_zip(const char *dir, const char *name, const entry *entries, size_t count, int stored)
{
    char *path = rel_path_in(dir, name);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    cr_assert_not_null(z, "cannot create %s (libzip error %d)", path, zerr);
    for (size_t i = 0; i < count; i++) {
        zip_source_t *src = zip_source_buffer(z, entries[i].data, entries[i].size, 0);
        cr_assert_not_null(src);
        zip_int64_t idx = zip_file_add(z, entries[i].name, src, ZIP_FL_ENC_UTF_8);
        cr_assert_geq(idx, 0, "%s", zip_strerror(z));
        cr_assert_eq(zip_set_file_compression(z, (zip_uint64_t)idx, stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0), 0);
    }
    cr_assert_eq(zip_close(z), 0, "cannot write %s", path);
    size_t n = 0;
    unsigned char *b = (unsigned char *)qct_read_file(path, &n);
    cr_assert_not_null(b);
    for (size_t i = 0; i < count; i++)
        if (entries[i].claim)
            patch_claim(b, n, entries[i].name, entries[i].claim);
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(b, 1, n, f) == n && fclose(f) == 0);
    free(b);
    return path;
}

static const char project_head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                   "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Z\" origin=\"Test\">\n"
                                   "<CodeBook><Codes><Code guid=\"85d17f60-7bb0-481e-b742-b4861dd669df\" "
                                   "name=\"Waiting\" isCodable=\"true\"/></Codes></CodeBook>\n";
static const char source_text[] = "P1: We waited six weeks.\n";

/* A project.qde with `sources` text sources, s0.txt, s1.txt, ...; to free(). */
static char *project_qde(int sources)
{
    size_t cap = sizeof project_head + 200 * (size_t)sources + 64;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t len = (size_t)snprintf(s, cap, "%s<Sources>", project_head);
    for (int k = 0; k < sources; k++)
        len += (size_t)snprintf(s + len, cap - len,
                                "<TextSource guid=\"%08d-0000-0000-0000-000000000000\" name=\"S%d\" "
                                "plainTextPath=\"internal://s%d.txt\"/>",
                                k, k, k);
    snprintf(s + len, cap - len, "</Sources>\n</Project>\n");
    return s;
}

/* A .docx of one paragraph whose word/document.xml is `pad` spaces longer than it, and claims
 * `claim` bytes (0: its size); to free(). */
static char *make_docx(const char *dir, const char *name, size_t pad, uint32_t claim)
{
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document xmlns:w=\"http://"
                               "schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r>"
                               "<w:t>S1: We waited six weeks.</w:t></w:r></w:p>";
    static const char tail[] = "</w:body></w:document>\n";
    size_t n = strlen(head) + pad + strlen(tail);
    char *xml = malloc(n + 1);
    cr_assert_not_null(xml);
    memcpy(xml, head, strlen(head));
    memset(xml + strlen(head), ' ', pad);
    memcpy(xml + strlen(head) + pad, tail, strlen(tail) + 1);
    static const char types[] = "<?xml version=\"1.0\"?><Types "
                                "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
    entry e[] = {{"[Content_Types].xml", types, strlen(types), 0}, {"word/document.xml", xml, n, claim}};
    char *path = make_zip(dir, name, e, 2, 0);
    free(xml);
    return path;
}

/* --- the library's allocations --- */

typedef union head {
    size_t size;
    max_align_t align;
} head;

static size_t biggest; /* the largest block asked of the allocator since count_start */

static void *count_malloc(size_t n)
{
    if (n > biggest)
        biggest = n;
    head *h = malloc(sizeof *h + n);
    return h ? h + 1 : NULL;
}

static void count_free(void *p)
{
    if (p)
        free((head *)p - 1);
}

static void *count_realloc(void *p, size_t n)
{
    if (n > biggest)
        biggest = n;
    head *h = realloc(p ? (head *)p - 1 : NULL, sizeof *h + n);
    return h ? h + 1 : NULL;
}

static void count_start(void)
{
    static const qc_allocator a = {count_malloc, count_realloc, count_free};
    biggest = 0;
    qc_set_allocator(&a);
}

static void count_stop(void)
{
    qc_set_allocator(NULL);
}

/* --- a header that lies --- */

/* The claims are within each entry's own bound (1 GiB for a .qde, 64 MiB for a .docx part), so
 * nothing refuses them before reading; no block of more than 4 MiB may be asked for. */
enum { MODEST = 4 << 20 };

static void import_lying_qde(int stored)
{
    char *dir = qct_temp_dir();
    char *qde = project_qde(0);
    entry e[] = {{"project.qde", qde, strlen(qde), 900u << 20}};
    char *qdpx = make_zip(dir, "lying.qdpx", e, 1, stored);
    char *out = rel_path_in(dir, "out");
    qc_error err;
    count_start();
    int rc = qc_refi_import_project(qdpx, out, NULL, NULL, &err);
    count_stop();
    cr_expect_eq(rc, QC_ERR_FORMAT, "%s: %s", qc_status_name(rc), err.message);
    cr_expect_str_eq(err.file, qdpx);
    char want[200];
    snprintf(want, sizeof want,
             "project.qde is damaged: its header gives 943718400 bytes uncompressed, its data end after %zu bytes",
             strlen(qde));
    cr_expect_str_eq(err.message, want);
    cr_expect_lt(biggest, MODEST, "%s: a block of %zu bytes was asked for", stored ? "stored" : "deflated", biggest);
    cr_expect_eq(access(out, F_OK), -1, "a failed import made its folder");
    free(qde);
    free(qdpx);
    free(out);
    free(dir);
}

Test(zip_bounds, a_qde_whose_header_lies_costs_no_more_than_its_data)
{
    import_lying_qde(0);
    import_lying_qde(1);
}

Test(zip_bounds, a_docx_part_whose_header_lies_costs_no_more_than_its_data)
{
    char *dir = qct_temp_dir();
    char *docx = make_docx(dir, "lying.docx", 0, 60u << 20);
    qc_document *doc = NULL;
    qc_error err;
    count_start();
    int rc = qc_document_read_file(&doc, docx, NULL, &err);
    count_stop();
    cr_expect_eq(rc, QC_ERR_FORMAT, "%s: %s", qc_status_name(rc), err.message);
    cr_expect(qct_contains(err.message, "word/document.xml is damaged: its header gives 62914560 bytes "
                                        "uncompressed, its data end after "),
              "%s", err.message);
    cr_expect_lt(biggest, MODEST, "a block of %zu bytes was asked for", biggest);
    qc_document_free(doc);
    free(docx);
    free(dir);
}

/* Under a memory limit the 900 MB buffer failed first: "qcode: error: out of memory". Not under
 * the sanitizers, which reserve far more address space than that at start. */
Test(zip_bounds, a_header_that_lies_is_told_as_damage_under_a_memory_limit)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    cr_skip("address-space limits do not work under the sanitizers");
#else
    char *dir = qct_temp_dir();
    char *qde = project_qde(0);
    entry e[] = {{"project.qde", qde, strlen(qde), 900u << 20}};
    free(make_zip(dir, "lying.qdpx", e, 1, 0));
    struct rlimit old;
    cr_assert_eq(getrlimit(RLIMIT_AS, &old), 0);
    struct rlimit cap = {300u << 20, old.rlim_max};
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < cap.rlim_cur)
        cap.rlim_cur = old.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_AS, &cap), 0);
    qct_run r;
    qct_qcode(&r, dir, "import lying.qdpx -o out");
    setrlimit(RLIMIT_AS, &old);
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "lying.qdpx: error: project.qde is damaged: its header gives 943718400 bytes"), "%s",
              r.err);
    cr_expect(!qct_contains(r.err, "out of memory"), "%s", r.err);
    qct_run_free(&r);
    free(qde);
    free(dir);
#endif
}

/* The buffer grows by doubling from what the compressed size suggests: an honest part many times
 * its compressed size (5 MiB of spaces in a few kilobytes) is read whole. */
Test(zip_bounds, an_entry_larger_than_its_first_buffer_is_read_whole)
{
    char *dir = qct_temp_dir();
    char *docx = make_docx(dir, "spaces.docx", (5u << 20) + 17, 0);
    qc_document *doc = NULL;
    qc_error err;
    cr_assert_eq(qc_document_read_file(&doc, docx, NULL, &err), 0, "%s", err.message);
    size_t n = 0;
    const char *text = qc_document_text(doc, &n);
    cr_expect(qct_contains(text, "We waited six weeks."), "%.*s", (int)n, text);
    qc_document_free(doc);
    free(docx);
    free(dir);
}

/* Counts of one byte are "1 byte". */
Test(zip_bounds, one_byte_is_one_byte)
{
    char *dir = qct_temp_dir();
    char *qde = project_qde(1);
    entry longer[] = {{"project.qde", qde, strlen(qde), 0}, {"sources/s0.txt", "P1", 2, 1}};
    char *qdpx = make_zip(dir, "longer.qdpx", longer, 2, 0);
    char *out = rel_path_in(dir, "out");
    qc_error err;
    cr_expect_eq(qc_refi_import_project(qdpx, out, NULL, NULL, &err), QC_ERR_FORMAT);
    cr_expect_str_eq(err.message, "sources/s0.txt is damaged: it holds more data than the 1 byte its header gives");
    free(qdpx);
    entry shorter[] = {{"project.qde", qde, strlen(qde), 0}, {"sources/s0.txt", "P", 1, 2}};
    qdpx = make_zip(dir, "shorter.qdpx", shorter, 2, 1);
    cr_expect_eq(qc_refi_import_project(qdpx, out, NULL, NULL, &err), QC_ERR_FORMAT);
    cr_expect_str_eq(err.message,
                     "sources/s0.txt is damaged: its header gives 2 bytes uncompressed, its data end after 1 byte");
    free(qdpx);
    free(out);
    free(qde);
    free(dir);
}

/* --- the bound on a whole archive --- */

/* Five sources claiming 250 MiB each (each under its own bound of 256 MiB, 1.22 GiB in all) and
 * holding a line each: refused from their headers before any is inflated, naming the archive and
 * the bound. Read one by one, the first was refused as damaged, and only an archive that had truly
 * inflated a gigabyte reached the bound. */
Test(zip_bounds, sources_claiming_more_than_an_archive_may_hold_are_refused_before_reading)
{
    char *dir = qct_temp_dir();
    enum { SOURCES = 5 };
    char *qde = project_qde(SOURCES);
    entry e[1 + SOURCES];
    char names[SOURCES][32];
    e[0] = (entry){"project.qde", qde, strlen(qde), 0};
    for (int k = 0; k < SOURCES; k++) {
        snprintf(names[k], sizeof names[k], "sources/s%d.txt", k);
        e[1 + k] = (entry){names[k], source_text, strlen(source_text), 250u << 20};
    }
    free(make_zip(dir, "big.qdpx", e, 1 + SOURCES, 0));
    double t0 = rel_seconds();
    qct_run r;
    qct_qcode(&r, dir, "import big.qdpx -o out");
    double took = rel_seconds() - t0;
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    char want[300];
    snprintf(want, sizeof want,
             "big.qdpx: error: the entries to read claim %zu bytes uncompressed in all (as their headers say), "
             "over the limit of 1073741824 bytes for one archive\n",
             strlen(qde) + SOURCES * ((size_t)250 << 20));
    cr_expect_str_eq(r.err, want);
    cr_expect_lt(took, 2.0, "took %.2f s", took);
    char listing[256];
    cr_expect_eq(rel_list_dir(dir, listing, sizeof listing), 1, "a failed import left:\n%s", listing);
    qct_run_free(&r);

    /* Four of them (1 GiB less 24 MiB, with the project) are within the bound: read one by one,
     * the first is then refused as damaged. */
    e[SOURCES].claim = 0;
    free(make_zip(dir, "four.qdpx", e, 1 + SOURCES, 0));
    qct_qcode(&r, dir, "import four.qdpx -o out");
    cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "four.qdpx: error: sources/s0.txt is damaged: its header gives 262144000 bytes "
                                  "uncompressed, its data end after 25 bytes"),
              "%s", r.err);
    qct_run_free(&r);
    free(qde);
    free(dir);
}
