#include "zip_read.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "alloc.h"
#include "error.h"

struct qc_zip {
    zip_t *za;
    char *name;
    /* Uncompressed bytes of the entries read so far (as their headers claim, which the reading
     * holds them to): a bound on the whole archive, not only on each entry. */
    size_t total;
};

/* Whether the archive says entry idx is a symbolic link (Unix mode in the external attributes). */
static int is_symlink(zip_t *za, zip_uint64_t idx)
{
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    if (zip_file_get_external_attributes(za, idx, 0, &opsys, &attr) < 0)
        return 0;
    return opsys == ZIP_OPSYS_UNIX && ((attr >> 16) & S_IFMT) == S_IFLNK;
}

/* Copies libzip's message before its error value is finished with. */
static int zip_fail(qc_error *err, int code, const char *name, const char *what, zip_error_t *ze)
{
    int rc = qc_error_set(err, code, name, 0, 0, -1, "%s: %s", what, zip_error_strerror(ze));
    zip_error_fini(ze);
    return rc;
}

static int finish_open(qc_zip **out, zip_t *za, const char *name, qc_error *err)
{
    qc_zip *z = qc_calloc(1, sizeof *z);
    char *copy = qc_strdup(name ? name : "");
    if (!z || !copy) {
        qc_free(z);
        qc_free(copy);
        zip_discard(za);
        return qc_error_nomem(err);
    }
    z->za = za;
    z->name = copy;
    *out = z;
    return 0;
}

int qc_zip_open_memory(qc_zip **out, const char *name, const void *data, size_t size, qc_error *err)
{
    *out = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    if (size == 0)
        return qc_error_set(err, QC_ERR_FORMAT, name, 0, 0, -1, "not a zip archive: the file is empty");
    zip_source_t *src = zip_source_buffer_create(data, size, 0, &ze);
    if (!src)
        return zip_fail(err, QC_ERR_NOMEM, name, "cannot read the zip archive", &ze);
    /* ZIP_CHECKCONS makes libzip compare the central directory with the local headers, which
     * catches truncated and spliced archives at open time. */
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        zip_source_free(src);
        return zip_fail(err, QC_ERR_FORMAT, name, "not a valid zip archive (truncated or corrupt?)", &ze);
    }
    zip_error_fini(&ze);
    return finish_open(out, za, name, err);
}

int qc_zip_open_file(qc_zip **out, const char *path, qc_error *err)
{
    *out = NULL;
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        int kind = (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_NOENT) ? QC_ERR_IO : QC_ERR_FORMAT;
        return zip_fail(err, kind, path, kind == QC_ERR_IO ? "cannot open" : "not a valid zip archive", &ze);
    }
    return finish_open(out, za, path, err);
}

void qc_zip_close(qc_zip *z)
{
    if (!z)
        return;
    zip_discard(z->za); /* read-only: nothing to write back */
    qc_free(z->name);
    qc_free(z);
}

size_t qc_zip_count(const qc_zip *z)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    return n < 0 ? 0 : (size_t)n;
}

const char *qc_zip_name(const qc_zip *z, size_t i)
{
    return zip_get_name(z->za, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
}

int qc_zip_name_safe(const char *entry)
{
    if (!entry || !entry[0] || entry[0] == '/' || entry[0] == '\\')
        return 0;
    if (((entry[0] >= 'A' && entry[0] <= 'Z') || (entry[0] >= 'a' && entry[0] <= 'z')) && entry[1] == ':')
        return 0;
    const char *p = entry;
    while (*p) {
        const char *e = p;
        while (*e && *e != '/' && *e != '\\')
            e++;
        if (e - p == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p = *e ? e + 1 : e;
    }
    return 1;
}

/* "N byte" or "N bytes": the messages give counts that may be 1. */
#define BYTES(n) (n), ((n) == 1 ? "" : "s")

/* The entry's index and what its header claims (QC_OK), after the checks every reader of an entry
 * makes: a safe name, present, a size given, no symbolic link. */
static int locate(qc_zip *z, const char *entry, zip_int64_t *idx, zip_stat_t *st, qc_error *err)
{
    if (!qc_zip_name_safe(entry))
        return qc_error_set(err, QC_ERR_INVALID, z->name, 0, 0, -1, "refusing the unsafe zip entry name \"%s\"",
                            entry ? entry : "");
    *idx = zip_name_locate(z->za, entry, 0);
    if (*idx < 0)
        return qc_error_set(err, QC_ERR_NOTFOUND, z->name, 0, 0, -1, "%s is missing from the archive", entry);
    zip_stat_init(st);
    if (zip_stat_index(z->za, (zip_uint64_t)*idx, 0, st) < 0)
        return qc_error_set(err, QC_ERR_FORMAT, z->name, 0, 0, -1, "%s: %s", entry, zip_strerror(z->za));
    if (!(st->valid & ZIP_STAT_SIZE))
        return qc_error_set(err, QC_ERR_FORMAT, z->name, 0, 0, -1, "%s: the archive does not give its size", entry);
    if (is_symlink(z->za, (zip_uint64_t)*idx))
        return qc_error_set(err, QC_ERR_INVALID, z->name, 0, 0, -1,
                            "refusing the zip entry \"%s\": it is a symbolic link", entry);
    return QC_OK;
}

int qc_zip_fits(qc_zip *z, const char *const *entries, size_t count, size_t max_size, qc_error *err)
{
    unsigned long long claimed = z->total;
    for (size_t i = 0; i < count; i++) {
        zip_int64_t idx;
        zip_stat_t st;
        qc_error ignored;
        /* What reading refuses on its own, with its own message, is not read: not counted. */
        if (!entries[i] || locate(z, entries[i], &idx, &st, &ignored) != QC_OK || st.size > max_size)
            continue;
        /* each at most max_size; saturating all the same, for any count of entries */
        claimed = st.size > ULLONG_MAX - claimed ? ULLONG_MAX : claimed + st.size;
    }
    if (claimed <= QC_ZIP_MAX_TOTAL)
        return QC_OK;
    return qc_error_set(err, QC_ERR_LIMIT, z->name, 0, 0, -1,
                        "the entries to read claim %llu bytes uncompressed in all (as their headers say), over the "
                        "limit of %zu bytes for one archive",
                        claimed, (size_t)QC_ZIP_MAX_TOTAL);
}

/* The buffer an entry is first read into: what its header claims when that is at most 1 MiB, else
 * four times the bytes the archive holds for it (text inflates to a few times its compressed
 * size; libzip refuses at open a compressed size past the archive's end), at least 1 MiB. The
 * claim, which a header can make up, stays the bound the buffer grows to, by doubling: an entry
 * that claims 900 MB and holds 10 bytes costs 1 MiB, not 900 MB. */
static size_t first_capacity(const zip_stat_t *st, size_t want)
{
    enum { FLOOR = 1 << 20, FACTOR = 4 };
    size_t cap = FLOOR;
    if ((st->valid & ZIP_STAT_COMP_SIZE) && st->comp_size > FLOOR / FACTOR)
        cap = st->comp_size > want / FACTOR ? want : (size_t)st->comp_size * FACTOR;
    return cap < want ? cap : want;
}

int qc_zip_read(qc_zip *z, const char *entry, size_t max_size, char **data, size_t *size, qc_error *err)
{
    *data = NULL;
    *size = 0;
    zip_int64_t idx;
    zip_stat_t st;
    int rc = locate(z, entry, &idx, &st, err);
    if (rc != QC_OK)
        return rc;
    if (st.size > max_size)
        return qc_error_set(err, QC_ERR_LIMIT, z->name, 0, 0, -1,
                            "%s is %llu byte%s uncompressed, over the limit of %zu byte%s", entry,
                            BYTES((unsigned long long)st.size), BYTES(max_size));
    if (st.size > QC_ZIP_MAX_TOTAL - z->total)
        return qc_error_set(err, QC_ERR_LIMIT, z->name, 0, 0, -1,
                            "%s (%llu byte%s uncompressed) would take the archive past its limit of %zu bytes "
                            "uncompressed in all",
                            entry, BYTES((unsigned long long)st.size), (size_t)QC_ZIP_MAX_TOTAL);
    z->total += (size_t)st.size;
    size_t want = (size_t)st.size;
    size_t cap = first_capacity(&st, want);
    char *buf = qc_malloc(cap + 1);
    if (!buf)
        return qc_error_nomem(err);
    zip_file_t *zf = zip_fopen_index(z->za, (zip_uint64_t)idx, 0);
    if (!zf) {
        qc_free(buf);
        return qc_error_set(err, QC_ERR_FORMAT, z->name, 0, 0, -1, "%s: %s", entry, zip_strerror(z->za));
    }
    /* Read to the end: libzip checks the CRC when the data runs out, and data beyond the size the
     * header claimed means the header lied (a bomb in disguise), so one more byte is asked for. */
    size_t got = 0;
    for (;;) {
        if (got == cap && cap < want) { /* full, and the header says there is more: double */
            size_t grown = cap > want / 2 ? want : cap * 2;
            char *bigger = qc_realloc(buf, grown + 1);
            if (!bigger) {
                rc = qc_error_nomem(err);
                break;
            }
            buf = bigger;
            cap = grown;
        }
        char extra;
        char *dst = got < cap ? buf + got : &extra;
        zip_uint64_t ask = got < cap ? (zip_uint64_t)(cap - got) : 1;
        zip_int64_t n = zip_fread(zf, dst, ask);
        if (n < 0) {
            zip_error_t *ze = zip_file_get_error(zf);
            /* libzip's word when the data end before the size the header gives (a stored entry) */
            if (zip_error_code_zip(ze) == ZIP_ER_INCONS && got < want)
                break;
            rc =
                qc_error_set(err, QC_ERR_FORMAT, z->name, 0, 0, -1, "%s is damaged: %s", entry, zip_error_strerror(ze));
            break;
        }
        if (n == 0)
            break;
        if (got >= want) {
            rc = qc_error_set(err, QC_ERR_FORMAT, z->name, 0, 0, -1,
                              "%s is damaged: it holds more data than the %zu byte%s its header gives", entry,
                              BYTES(want));
            break;
        }
        got += (size_t)n;
    }
    zip_fclose(zf);
    if (rc == 0 && got != want)
        rc = qc_error_set(err, QC_ERR_FORMAT, z->name, 0, 0, -1,
                          "%s is damaged: its header gives %zu byte%s uncompressed, its data end after %zu byte%s",
                          entry, BYTES(want), BYTES(got));
    if (rc < 0) {
        qc_free(buf);
        return rc;
    }
    buf[got] = '\0';
    *data = buf;
    *size = got;
    return 0;
}
