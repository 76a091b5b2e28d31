/* The old codebook of `recode --from` without `--old`: found by the SHA-256 that results.xml's
 * provenance records, so that the old side is coded again (through the cache when there is one)
 * instead of read back from a file several times the corpus's size, and the report knows the old
 * codebook's lines (docs/recode.md). A researcher usually edits the codebook in place, so the file
 * the provenance names holds the new one by then: a re-code with a cache therefore keeps a copy of
 * each codebook it is given in the cache folder, where the next re-code finds it. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "buf.h"
#include "codebook_impl.h"
#include "error.h"
#include "fileio.h"
#include "recode.h"
#include "results_provenance.h"
#include "sha256.h"

/* DIR/codebooks/SHA256.qcb, or DIR/codebooks with sha NULL. */
static char *kept_path(const char *cache_dir, const char *sha)
{
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "%s/codebooks%s%s%s", cache_dir, sha ? "/" : "", sha ? sha : "", sha ? ".qcb" : "");
    return qc_buf_detach(&b);
}

/* The file's bytes when it is a regular file whose SHA-256 is sha; NULL otherwise (or when it
 * cannot be read). A codebook given as a pipe is not read again: it would be empty, or block. */
static char *read_if_sha(const char *path, const char *sha, size_t *size)
{
    char *data = NULL;
    qc_error ignored;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        qc_file_read(path, QC_CODEBOOK_MAX_SIZE, &data, size, &ignored) != 0)
        return NULL;
    char hex[65];
    qc_sha256_hex(data, *size, hex);
    if (strcmp(hex, sha) != 0) {
        qc_free(data);
        return NULL;
    }
    return data;
}

/* Loads the codebook at path when its bytes have the SHA-256 sha: 1 loaded, 0 not it (missing,
 * other bytes, or not a valid codebook), QC_ERR_NOMEM. */
static int load_if_sha(const char *path, const char *sha, qc_codebook **out)
{
    size_t size = 0;
    char *data = path ? read_if_sha(path, sha, &size) : NULL;
    if (!data)
        return path ? 0 : QC_ERR_NOMEM;
    qc_error err;
    int rc = qc_codebook_load_buffer(out, path, data, size, NULL, &err);
    qc_free(data);
    if (rc == QC_ERR_NOMEM)
        return rc;
    return rc == 0;
}

int qc_recode_find_old_codebook(const char *results_path, const char *cache_dir, qc_codebook **out, qc_error *err)
{
    *out = NULL;
    qc_provenance p;
    qc_error ignored;
    int rc = qc_provenance_read(results_path, &p, &ignored);
    if (rc == QC_ERR_NOMEM) {
        qc_provenance_free(&p);
        return qc_error_nomem(err);
    }
    /* A file that cannot say which codebook made it is read as it is (its errors are reported
     * then); the SHA-256 names a file in the cache folder, so it must be one. */
    if (rc != 0 || !p.codebook_sha || strlen(p.codebook_sha) != 64 ||
        strspn(p.codebook_sha, "0123456789abcdef") != 64) {
        qc_provenance_free(&p);
        return QC_OK;
    }
    int found = 0;
    if (cache_dir) {
        char *kept = kept_path(cache_dir, p.codebook_sha);
        found = load_if_sha(kept, p.codebook_sha, out);
        qc_free(kept);
    }
    if (!found) {
        char *named = qc_provenance_resolve(results_path, p.codebook_path);
        found = load_if_sha(named, p.codebook_sha, out);
        qc_free(named);
    }
    qc_provenance_free(&p);
    return found < 0 ? qc_error_nomem(err) : QC_OK;
}

int qc_cache_keep_codebook(const char *cache_dir, const qc_codebook *cb, qc_error *err)
{
    const char *sha = qc_codebook_sha256(cb), *from = qc_codebook_path(cb);
    char *dir = kept_path(cache_dir, NULL), *to = kept_path(cache_dir, sha);
    int rc = dir && to ? QC_OK : qc_error_nomem(err);
    struct stat st;
    if (!rc && stat(to, &st) != 0) {
        /* The codebook as it was loaded: a file edited since has other bytes and is not kept. */
        size_t size = 0;
        char *data = from && *from ? read_if_sha(from, sha, &size) : NULL;
        /* the cache folder too: the first re-code keeps its codebooks before the cache opens */
        if (data && ((mkdir(cache_dir, 0777) != 0 && errno != EEXIST) || (mkdir(dir, 0777) != 0 && errno != EEXIST)))
            rc = qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot create %s: %s", dir, strerror(errno));
        if (data && !rc)
            rc = qc_atomic_write(to, data, size, NULL, err);
        qc_free(data);
    }
    qc_free(dir);
    qc_free(to);
    if (rc && rc != QC_ERR_NOMEM && err) { /* what the failure costs, for the callers' warnings */
        qc_error why = *err;
        qc_error_set(err, rc, why.file, 0, 0, -1,
                     "%s; the codebook is not kept in the cache, so a later `qcode recode --from` of these results "
                     "needs %s as it is now",
                     why.message, from && *from ? from : "its file");
    }
    return rc;
}
