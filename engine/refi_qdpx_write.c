/* The .qdpx archive: project.qde and sources/<GUID>.txt, built with libzip in memory and written
 * into a temporary file beside the target, renamed over it only when complete, so a reader never
 * sees half a project.
 * Entry times are the project's creation time, so the same export gives the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* The finished archive, held by `src`, written to `path` through an atomic output (a temporary
 * file beside it, or in place for a pipe or a device), write errors (a full disk) reported with
 * their reason. */
static int write_archive(zip_source_t *src, const char *path, qc_outputs *set, qc_error *err)
{
    if (zip_source_open(src) != 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot read the archive back: %s",
                            zip_error_strerror(zip_source_error(src)));
    qc_atomic_file af;
    int rc = qc_atomic_open_in(&af, path, set, err);
    char chunk[65536];
    zip_int64_t n = 0;
    while (!rc && (n = zip_source_read(src, chunk, sizeof chunk)) > 0)
        if (fwrite(chunk, 1, (size_t)n, af.fp) != (size_t)n)
            break; /* the commit reports the stream's error */
    if (!rc && n < 0) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot read the archive back: %s",
                          zip_error_strerror(zip_source_error(src)));
        qc_atomic_abort(&af);
    } else if (!rc) {
        rc = qc_atomic_commit(&af, err);
    }
    zip_source_close(src);
    return rc;
}

int qc_refi_write_qdpx(const qc_refi_model *m, const char *path, const char *time_text, qc_outputs *set, qc_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) /* before the work of building the archive */
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot write output: it is a folder");
    qc_buf qde = QC_BUF_INIT;
    int rc = qc_refi_write_qde(m, &qde, err);
    if (rc != 0) {
        qc_buf_free(&qde);
        return rc;
    }
    /* The archive is built in memory, then written as every other output is (fileio.c). Built in a
     * file, libzip would write it to a temporary of its own (TARGET.XXXXXX, renamed on close) that
     * no signal handler knows of; in memory it costs its compressed size, less than the texts and
     * project.qde it is made of, which are in memory already. */
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &zerr);
    zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &zerr) : NULL;
    if (!za) {
        rc = src ? qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot create the archive: %s",
                                zip_error_strerror(&zerr))
                 : qc_error_nomem(err);
        zip_source_free(src);
        zip_error_fini(&zerr);
        qc_buf_free(&qde);
        return rc;
    }
    zip_error_fini(&zerr);
    zip_source_keep(src); /* zip_close would free it: the bytes are read from it after */
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
    } else if (zip_close(za) != 0) {
        rc = qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot build the archive: %s", zip_strerror(za));
        zip_discard(za);
    } else {
        rc = write_archive(src, path, set, err);
    }
    zip_source_free(src);
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
        rc = qc_refi_write_qdpx(&m, qdpx_path, x->time, x->outputs, err);
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
        rc = qc_atomic_write(qde_path, b.data, b.len, x->outputs, err);
    qc_buf_free(&b);
    qc_refi_model_free(&m);
    return rc;
}
