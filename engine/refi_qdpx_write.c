/* The .qdpx archive: project.qde and sources/<GUID>.txt, written with libzip into a temporary file
 * beside the target and renamed over it only when complete, so a reader never sees half a project.
 * Entry times are the project's creation time, so the same export gives the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_export.h"
#include "refi_qde.h"

/* "YYYY-MM-DDTHH:MM:SSZ" as a time_t (UTC); 0 when unreadable. */
static time_t parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static int add_entry(zip_t *za, const char *name, const void *data, size_t size, time_t mtime)
{
    zip_source_t *src = zip_source_buffer(za, data, size, 0);
    if (!src)
        return -1;
    zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
        zip_source_free(src);
        return -1;
    }
    if (mtime > 0)
        zip_file_set_mtime(za, (zip_uint64_t)idx, mtime, 0);
    return 0;
}

/* The finished archive at `from` written into the non-regular file `path`, write errors (a full
 * device) reported with their reason. */
static int copy_into(const char *from, const char *path, qc_error *err)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot read the archive back: %s", strerror(errno));
    qc_atomic_file af;
    int rc = qc_atomic_open(&af, path, err);
    char chunk[65536];
    size_t n;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (fwrite(chunk, 1, n, af.fp) != n)
            break; /* the commit reports the stream's error */
    if (!rc && ferror(in)) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot read the archive back: %s", strerror(errno));
        qc_atomic_abort(&af);
    } else if (!rc) {
        rc = qc_atomic_commit(&af, err);
    }
    fclose(in);
    return rc;
}

int qc_refi_write_qdpx(const qc_refi_model *m, const char *path, const char *time_text, qc_error *err)
{
    qc_buf qde = QC_BUF_INIT;
    int rc = qc_refi_write_qde(m, &qde, err);
    if (rc != 0) {
        qc_buf_free(&qde);
        return rc;
    }
    /* A target that exists and is not a regular file (a pipe, /dev/stdout, a device) is written in
     * place, as every other output is (fileio.c): renaming over it would replace the node, /dev/null
     * itself when run as root. The archive is then built in the temporary folder and copied. */
    struct stat st;
    int in_place = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    if (in_place && S_ISDIR(st.st_mode)) {
        qc_buf_free(&qde);
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: it is a folder");
    }
    const char *tmpdir = getenv("TMPDIR");
    qc_buf tmp = QC_BUF_INIT;
    if (in_place)
        qc_buf_printf(&tmp, "%s/qcode-qdpx-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    else
        qc_buf_printf(&tmp, "%s.tmp-XXXXXX", path);
    if (qc_buf_failed(&tmp)) {
        qc_buf_free(&qde);
        return qc_error_nomem(err);
    }
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot create output: %s", strerror(errno));
        qc_buf_free(&tmp);
        qc_buf_free(&qde);
        return rc;
    }
    /* mkstemp makes the file 0600 and libzip, which writes its own temporary and renames it over
     * this one, keeps this one's mode: give it the mode every other output has (the umask's). */
    fchmod(fd, (mode_t)qc_output_mode());
    close(fd);
    int zerr = 0;
    zip_t *za = zip_open(tmp.data, ZIP_TRUNCATE, &zerr);
    if (!za) {
        unlink(tmp.data);
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot create the archive (libzip error %d)", zerr);
        qc_buf_free(&tmp);
        qc_buf_free(&qde);
        return rc;
    }
    time_t mtime = parse_time(time_text);
    int bad = add_entry(za, "project.qde", qde.data, qde.len, mtime) != 0;
    qc_buf name = QC_BUF_INIT;
    for (size_t i = 0; i < m->source_count && !bad; i++) {
        qc_buf_clear(&name);
        qc_buf_printf(&name, "sources/%s.txt", m->sources[i].guid);
        const char *text = m->sources[i].text ? m->sources[i].text : "";
        bad = qc_buf_failed(&name) || add_entry(za, name.data, text, m->sources[i].text_size, mtime) != 0;
    }
    qc_buf_free(&name);
    if (bad) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot build the archive: %s", zip_strerror(za));
        zip_discard(za);
        unlink(tmp.data);
    } else if (zip_close(za) != 0) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write the archive: %s", zip_strerror(za));
        zip_discard(za);
        unlink(tmp.data);
    } else if (in_place) {
        rc = copy_into(tmp.data, path, err);
        unlink(tmp.data);
    } else if (rename(tmp.data, path) != 0) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: %s", strerror(errno));
        unlink(tmp.data);
    }
    qc_buf_free(&tmp);
    qc_buf_free(&qde);
    return rc;
}

int qc_refi_export_write(qc_refi_export *x, const char *qdpx_path, qc_error *err)
{
    if (!x || !qdpx_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no export or no output path");
    qc_refi_model m;
    int rc = qc_refi_export_build(x, &m, err);
    if (rc == 0 && m.code_count == 0)
        rc = qc_error_set(err, QC_ERR_INVALID, qc_codebook_path(x->cb), 0, 0, -1, "the codebook has no codes");
    if (rc == 0)
        rc = qc_refi_write_qdpx(&m, qdpx_path, x->time, err);
    qc_refi_model_free(&m);
    return rc;
}

int qc_refi_export_write_qde(qc_refi_export *x, const char *qde_path, qc_error *err)
{
    if (!x || !qde_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no export or no output path");
    qc_refi_model m;
    qc_buf b = QC_BUF_INIT;
    int rc = qc_refi_export_build(x, &m, err);
    if (rc == 0)
        rc = qc_refi_write_qde(&m, &b, err);
    if (rc == 0)
        rc = qc_refi_save(qde_path, b.data, b.len, err);
    qc_buf_free(&b);
    qc_refi_model_free(&m);
    return rc;
}
