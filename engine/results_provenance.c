/* See results_provenance.h. */
#include "results_provenance.h"

#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "fileio.h"
#include "refi_xml.h"

void qc_provenance_free(qc_provenance *p)
{
    qc_free(p->codebook_path);
    qc_free(p->codebook_sha);
    qc_free(p->casebook);
    qc_free(p->encoding);
    qc_free(p->speaker_pattern);
    qc_free(p->speakers);
    qc_free(p->interviewers);
    memset(p, 0, sizeof *p);
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
    if (cb) {
        p->codebook_path = qc_refi_xml_attr(cb, "path");
        p->codebook_sha = qc_refi_xml_attr(cb, "sha256");
    }
    for (xmlNodePtr o = qc_refi_xml_child(qc_refi_xml_child(root, "options"), "option"); o;
         o = qc_refi_xml_next(o, "option")) {
        char *name = qc_refi_xml_attr(o, "name"), *value = qc_refi_xml_attr(o, "value");
        char **slot = NULL;
        if (name && strcmp(name, "casebook") == 0)
            slot = &p->casebook;
        else if (name && strcmp(name, "encoding") == 0)
            slot = &p->encoding;
        else if (name && strcmp(name, "speaker-pattern") == 0)
            slot = &p->speaker_pattern;
        else if (name && strcmp(name, "speakers") == 0)
            slot = &p->speakers;
        else if (name && strcmp(name, "interviewers") == 0)
            slot = &p->interviewers;
        if (slot) {
            qc_free(*slot);
            *slot = value;
            value = NULL;
        }
        qc_free(name);
        qc_free(value);
    }
    xmlFreeDoc(doc);
    if (!p->codebook_path || !*p->codebook_path)
        return qc_error_set(err, QC_ERR_FORMAT, path, 0, 0, -1, "results.xml does not name its codebook");
    return 0;
}

int qc_provenance_read(const char *path, qc_provenance *p, qc_error *err)
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
