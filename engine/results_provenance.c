/* See results_provenance.h. */
#include "results_provenance.h"

#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "fileio.h"
#include "qcode/results.h"
#include "refi_xml.h"
#include "xml_out.h"

void qc_provenance_free(qc_provenance *p)
{
    qc_free(p->codebook_path);
    qc_free(p->codebook_sha);
    for (size_t i = 0; i < p->option_count; i++) {
        qc_free(p->option_names[i]);
        qc_free(p->option_values[i]);
    }
    qc_free(p->option_names);
    qc_free(p->option_values);
    memset(p, 0, sizeof *p);
}

const char *qc_provenance_option(const qc_provenance *p, const char *name)
{
    for (size_t i = p->option_count; i-- > 0;)
        if (strcmp(p->option_names[i], name) == 0)
            return p->option_values[i];
    return NULL;
}

/* The bytes a value XML could not carry, from the attribute beside it (pathBytes, valueBytes:
 * percent-encoded by write_xml.c), in place of *value, whose U+FFFD named no file. Taken only when
 * they read back as *value: ones left behind when the value was edited are not its bytes. 0, or
 * QC_ERR_NOMEM. */
static int take_bytes(xmlNodePtr el, const char *bytes_attr, char **value)
{
    char *enc = NULL;
    if (qc_refi_xml_copy_attr(el, bytes_attr, &enc) != 0)
        return QC_ERR_NOMEM;
    if (!enc || !*value) {
        qc_free(enc);
        return 0;
    }
    qc_buf bytes = QC_BUF_INIT;
    int rc = qc_xml_bytes_beside(enc, strlen(enc), *value, &bytes);
    if (rc == 0) {
        char *raw = qc_buf_detach(&bytes);
        if (!raw)
            rc = QC_ERR_NOMEM;
        else {
            qc_free(*value);
            *value = raw;
        }
    }
    qc_buf_free(&bytes);
    qc_free(enc);
    return rc == QC_ERR_NOMEM ? rc : 0;
}

/* Keeps the option `o` records; one without a name or a value is dropped. An attribute whose copy
 * failed is out of memory, not absent: an option dropped so would read the corpus otherwise. */
static int add_option(qc_provenance *p, xmlNodePtr o)
{
    char *name = NULL, *value = NULL;
    int rc = qc_refi_xml_copy_attr(o, "name", &name) != 0 || qc_refi_xml_copy_attr(o, "value", &value) != 0 ||
                     take_bytes(o, "valueBytes", &value) != 0
                 ? QC_ERR_NOMEM
                 : 0;
    if (rc == 0 && name && value) {
        char **names = qc_realloc(p->option_names, (p->option_count + 1) * sizeof *names);
        if (names)
            p->option_names = names;
        char **values = names ? qc_realloc(p->option_values, (p->option_count + 1) * sizeof *values) : NULL;
        if (values) {
            p->option_values = values;
            p->option_names[p->option_count] = name;
            p->option_values[p->option_count++] = value;
            return 0;
        }
        rc = QC_ERR_NOMEM;
    }
    qc_free(name);
    qc_free(value);
    return rc;
}

/* Reads the <provenance> element (the head of results.xml) on its own. */
static int parse(const char *path, const char *data, size_t size, qc_provenance *p, qc_error *err)
{
    memset(p, 0, sizeof *p);
    const char *open = NULL, *close = NULL;
    for (size_t i = 0; i + 12 < size && !close; i++) {
        if (!open && memcmp(data + i, "<provenance>", 12) == 0)
            open = data + i;
        else if (open && memcmp(data + i, "</provenance>", 13) == 0)
            close = data + i + 13;
    }
    if (!open || !close)
        return qc_error_set(err, QC_ERR_FORMAT, path, 0, 0, -1, "no <provenance> in results.xml");
    xmlDocPtr doc = NULL;
    int rc = qc_refi_xml_parse(open, (size_t)(close - open), path, "provenance", &doc, err);
    if (rc != 0)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr cb = qc_refi_xml_child(root, "codebook");
    /* Taken for absent, a codebook's path out of memory was "results.xml does not name its
     * codebook", a format error. */
    if (cb && (qc_refi_xml_copy_attr(cb, "path", &p->codebook_path) != 0 ||
               take_bytes(cb, "pathBytes", &p->codebook_path) != 0 ||
               qc_refi_xml_copy_attr(cb, "sha256", &p->codebook_sha) != 0))
        rc = QC_ERR_NOMEM;
    for (xmlNodePtr o = qc_refi_xml_child(qc_refi_xml_child(root, "options"), "option"); o && rc == 0;
         o = qc_refi_xml_next(o, "option"))
        rc = add_option(p, o);
    xmlFreeDoc(doc);
    return rc ? qc_error_nomem(err) : 0;
}

/* The provenance, whether or not it names a codebook. */
static int read_head(const char *path, qc_provenance *p, qc_error *err)
{
    memset(p, 0, sizeof *p);
    char *data = NULL;
    size_t size = 0;
    /* The provenance is at the head: its first 64 KiB are read, not the file. */
    int rc = qc_file_read_head(path, 65536, &data, &size, err);
    if (rc == 0)
        rc = parse(path, data, size, p, err);
    qc_free(data);
    return rc;
}

int qc_provenance_read(const char *path, qc_provenance *p, qc_error *err)
{
    int rc = read_head(path, p, err);
    if (rc == 0 && (!p->codebook_path || !*p->codebook_path))
        rc = qc_error_set(err, QC_ERR_FORMAT, path, 0, 0, -1, "results.xml does not name its codebook");
    return rc;
}

int qc_results_recorded_options(const char *path, qc_results_option_fn fn, void *user, qc_error *err)
{
    if (!path || !fn)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_results_recorded_options: NULL argument");
    qc_provenance p;
    int rc = read_head(path, &p, err);
    for (size_t i = 0; rc == 0 && i < p.option_count; i++)
        if (fn(p.option_names[i], p.option_values[i], user) != 0)
            rc = qc_error_set(err, QC_ERR_CANCELLED, path, 0, 0, -1, "stopped by the caller");
    qc_provenance_free(&p);
    return rc;
}

int qc_results_split_labels(char *text, qc_results_label_fn fn, void *user)
{
    if (!text)
        return 0;
    /* A label holds no line end (labels are read off one line), so one in the text says the labels
     * end with it; joined by commas, as before, a label "Smith, J" comes back as two. */
    char sep = strchr(text, '\n') ? '\n' : ',';
    for (char *label = text, *end; label; label = end) {
        if ((end = strchr(label, sep)))
            *end++ = '\0';
        int rc = *label ? fn(label, user) : 0;
        if (rc != 0)
            return rc;
    }
    return 0;
}

char *qc_provenance_resolve(const char *results_path, const char *p)
{
    if (p[0] == '/' || access(p, R_OK) == 0)
        return qc_strdup(p);
    const char *slash = strrchr(results_path, '/');
    if (!slash)
        return qc_strdup(p);
    qc_buf b = QC_BUF_INIT;
    qc_buf_printf(&b, "%.*s/%s", (int)(slash - results_path), results_path, p);
    return qc_buf_detach(&b);
}
