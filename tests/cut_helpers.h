/* Files cut short, for the tests of how each XML reader tells one (docs/reliability.md, "A .qdc,
 * .qde ... cut short"): what a cut at byte n must be reported as, worked out by a plain scan of the
 * whole file rather than by the parser under test, and a zip rebuilt with one entry cut (a .qdpx's
 * project.qde, a .docx's word/document.xml: the zip itself is whole, the part is not). */
#ifndef QCODE_TEST_CUT_HELPERS_H
#define QCODE_TEST_CUT_HELPERS_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* The innermost element open at the end of xml[0..n), as written (with its prefix), by a plain scan
 * (for files without comments, CDATA or '>' inside attribute values); "" when none. A start tag
 * whose '>' the cut left out is not open. */
static inline void cut_innermost_open(const char *xml, size_t n, char *name, size_t cap)
{
    char stack[64][64];
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (xml[i] != '<')
            continue;
        const char *gt = memchr(xml + i, '>', n - i);
        if (!gt)
            break; /* a tag cut short: not open */
        if (xml[i + 1] == '/') {
            depth -= depth > 0;
        } else if (xml[i + 1] != '?' && xml[i + 1] != '!' && gt[-1] != '/') {
            size_t len = strcspn(xml + i + 1, " \t\r\n>/");
            cr_assert(depth < 64 && len < 64);
            memcpy(stack[depth], xml + i + 1, len);
            stack[depth++][len] = '\0';
        }
        i = (size_t)(gt - xml);
    }
    snprintf(name, cap, "%s", depth ? stack[depth - 1] : "");
}

/* The line and column (code points, 1-based) just past xml[0..n): where a file cut there ends. */
static inline void cut_end_position(const char *xml, size_t n, uint32_t *line, uint32_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < n; i++) {
        if (xml[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)xml[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* What a reader must say of xml cut to its first n bytes. */
typedef struct cut_expect {
    size_t n;
    uint32_t line, col;
    char message[160];
} cut_expect;

/* The bytes from which a cut is a whole document (just past the root's end tag), and before which
 * none of it is (the '>' of the root's start tag: a cut before it ends "before its first element is
 * complete"). */
static inline void cut_bounds(const char *xml, size_t size, const char *root, size_t *first_tag_end, size_t *complete)
{
    char start[80], end[80];
    snprintf(start, sizeof start, "<%s", root);
    snprintf(end, sizeof end, "</%s>", root);
    const char *s = strstr(xml, start), *e = strstr(xml, end);
    cr_assert(s && e && (size_t)(e - xml) < size, "no <%s> ... </%s> in the fixture", root, root);
    *first_tag_end = (size_t)(strchr(s, '>') - xml) + 1;
    *complete = (size_t)(e - xml) + strlen(end);
}

static inline void cut_expectation(const char *xml, size_t n, size_t first_tag_end, cut_expect *out)
{
    out->n = n;
    cut_end_position(xml, n, &out->line, &out->col);
    if (n < first_tag_end) {
        snprintf(out->message, sizeof out->message, "the file ends before its first element is complete (truncated?)");
        return;
    }
    char name[64];
    cut_innermost_open(xml, n, name, sizeof name);
    snprintf(out->message, sizeof out->message, "the file ends inside <%s> (truncated?)", name);
}

/* An entry of a zip, whole; the caller frees it. */
static inline char *cut_zip_read(const char *zip_path, const char *entry, size_t *size)
{
    int zerr = 0;
    zip_t *z = zip_open(zip_path, ZIP_RDONLY, &zerr);
    cr_assert_not_null(z, "cannot open %s (libzip error %d)", zip_path, zerr);
    zip_stat_t st;
    cr_assert_eq(zip_stat(z, entry, 0, &st), 0, "%s has no %s", zip_path, entry);
    char *data = malloc(st.size + 1);
    zip_file_t *f = zip_fopen(z, entry, 0);
    cr_assert(data && f);
    cr_assert_eq(zip_fread(f, data, st.size), (zip_int64_t)st.size);
    data[st.size] = '\0';
    zip_fclose(f);
    zip_discard(z);
    *size = (size_t)st.size;
    return data;
}

/* Writes to `to` a whole zip with the entries of `from` in order, `entry` replaced by data[0..n). */
static inline void cut_zip_with(const char *from, const char *entry, const char *data, size_t n, const char *to)
{
    int zerr = 0;
    zip_t *in = zip_open(from, ZIP_RDONLY, &zerr);
    cr_assert_not_null(in, "cannot open %s (libzip error %d)", from, zerr);
    zip_t *out = zip_open(to, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    cr_assert_not_null(out, "cannot create %s (libzip error %d)", to, zerr);
    zip_int64_t count = zip_get_num_entries(in, 0);
    for (zip_int64_t i = 0; i < count; i++) {
        const char *name = zip_get_name(in, (zip_uint64_t)i, 0);
        cr_assert_not_null(name);
        zip_source_t *src;
        if (strcmp(name, entry) == 0) {
            src = zip_source_buffer(out, data, n, 0); /* data outlives zip_close below */
        } else {
            size_t size;
            char *whole = cut_zip_read(from, name, &size);
            src = zip_source_buffer(out, whole, size, 1);
        }
        cr_assert_not_null(src);
        cr_assert_geq(zip_file_add(out, name, src, ZIP_FL_ENC_UTF_8), 0, "%s", zip_strerror(out));
    }
    cr_assert_eq(zip_close(out), 0, "cannot write %s", to);
    zip_discard(in);
}

#endif
