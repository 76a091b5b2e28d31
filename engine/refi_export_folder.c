/* `qcode export --from DIR`: an imported project folder back to a .qdpx, so a project can go
 * NVivo -> qcode -> NVivo with the codebook revised in between. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_export.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "%s/%s", dir, name);
    return qc_buf_detach(&b);
}

/* An optional part of the folder (cases.tsv, manual.xml): *present says whether it is there to
 * read; anything but a regular file in its place is an error (a folder or a FIFO there was passed
 * over silently, exporting a project without its people's codings). */
static int optional_part(const char *path, int *present, qc_error *err)
{
    struct stat sb;
    *present = !(stat(path, &sb) != 0 && errno == ENOENT);
    return *present ? qc_file_require_regular(path, err) : QC_OK;
}

/* The .txt files of dir/sources, sorted by name. */
static int list_sources(const char *dir, char ***names, size_t *count, qc_error *err)
{
    *names = NULL;
    *count = 0;
    char *src = join(dir, "sources");
    if (!src)
        return qc_error_nomem(err);
    DIR *d = opendir(src);
    if (!d) {
        qc_free(src);
        return 0; /* a project with no sources (codes only) */
    }
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && rc == 0) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || strcasecmp(e->d_name + n - 4, ".txt") != 0)
            continue;
        if (QC_GROW(*names, cap, *count + 1) != 0 || !((*names)[*count] = join(src, e->d_name)))
            rc = qc_error_nomem(err);
        else
            (*count)++;
    }
    closedir(d);
    qc_free(src);
    if (rc == 0 && *count > 1)
        qsort(*names, *count, sizeof **names, cmp_names);
    return rc;
}

int qc_refi_export_folder(const char *dir, const char *qdpx_path, const qc_refi_options *opts, qc_error *err)
{
    if (!dir || !qdpx_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no folder or no output path");
    char *cb_path = join(dir, "codebook.qcb"), *cases_path = join(dir, "cases.tsv");
    char *manual_path = join(dir, "manual.xml");
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    qc_refi_export *x = NULL;
    char **names = NULL;
    size_t count = 0;
    int rc = cb_path && cases_path && manual_path ? 0 : qc_error_nomem(err);
    if (rc == 0)
        rc = qc_file_require_regular(cb_path, err);
    if (rc == 0)
        rc = qc_codebook_load(&cb, cb_path, NULL, err);
    int has_cases = 0;
    if (rc == 0)
        rc = optional_part(cases_path, &has_cases, err);
    if (rc == 0 && has_cases)
        rc = qc_casebook_load(&cases, cases_path, err);
    if (rc == 0)
        rc = qc_refi_export_new(&x, cb, cases, opts, err);
    if (rc == 0)
        rc = list_sources(dir, &names, &count, err);
    for (size_t i = 0; i < count && rc == 0; i++) {
        qc_document *doc = NULL;
        qc_read_options ro = QC_READ_OPTIONS_INIT;
        const char *slash = strrchr(names[i], '/');
        ro.id = slash ? slash + 1 : names[i]; /* document ids are file names, as in a coding run */
        ro.casebook = cases;                  /* read as `qcode code --cases` reads them */
        rc = qc_file_require_regular(names[i], err);
        if (rc == 0)
            rc = qc_document_read_file(&doc, names[i], &ro, err);
        if (rc == 0)
            rc = qc_refi_export_add_document(x, doc, err);
        qc_document_free(doc);
    }
    int has_manual = 0;
    if (rc == 0)
        rc = optional_part(manual_path, &has_manual, err);
    if (rc == 0 && has_manual)
        rc = qc_refi_export_add_manual(x, manual_path, err);
    if (rc == 0) {
        qc_buf b = QC_BUF_INIT;
        qc_buf_printf(&b, "Exported by qcode %s from an imported project folder (no automatic coding).", qc_version());
        rc = qc_buf_failed(&b) ? qc_error_nomem(err) : qc_refi_export_set_description(x, b.data, err);
        qc_buf_free(&b);
    }
    if (rc == 0)
        rc = qc_refi_export_write(x, qdpx_path, err);
    for (size_t i = 0; i < count; i++)
        qc_free(names[i]);
    qc_free(names);
    qc_refi_export_free(x);
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    qc_free(cb_path);
    qc_free(cases_path);
    qc_free(manual_path);
    return rc;
}
