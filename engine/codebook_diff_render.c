/* The codebook diff written for a terminal or as XML (docs/recode.md, qcode-recode.xsd). */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "codebook_diff.h"
#include "error.h"
#include "fileio.h"

#define KIND_COUNT 10

static void kinds_list(qc_buf *b, unsigned kinds, const char *sep)
{
    int first = 1;
    for (unsigned i = 0; i < KIND_COUNT; i++)
        if (kinds & (1u << i)) {
            if (!first)
                qc_buf_puts(b, sep);
            qc_buf_puts(b, qc_change_kind_name((qc_change_kind)(1u << i)));
            first = 0;
        }
}

static const char *or_top(const char *parent)
{
    return parent ? parent : "(top level)";
}

static void text_change(qc_buf *b, const qc_code_change *c)
{
    char sigil = c->kinds & QC_CHANGE_ADDED ? '+' : c->kinds & QC_CHANGE_REMOVED ? '-' : '~';
    qc_buf_printf(b, "%c ", sigil);
    if (c->old_id && c->new_id && strcmp(c->old_id, c->new_id) != 0)
        qc_buf_printf(b, "%s -> %s", c->old_id, c->new_id);
    else
        qc_buf_puts(b, c->new_id ? c->new_id : c->old_id);
    qc_buf_puts(b, ": ");
    kinds_list(b, c->kinds, ", ");
    qc_buf_putc(b, '\n');
    if (c->kinds & (QC_CHANGE_ADDED | QC_CHANGE_REMOVED)) {
        int added = (c->kinds & QC_CHANGE_ADDED) != 0;
        qc_buf_printf(b, "    \"%s\" under %s\n", added ? c->new_name : c->old_name,
                      or_top(added ? c->new_parent : c->old_parent));
        return;
    }
    if (c->kinds & QC_CHANGE_RENAMED)
        qc_buf_printf(b, "    name \"%s\" -> \"%s\"\n", c->old_name, c->new_name);
    if (c->kinds & QC_CHANGE_MOVED)
        qc_buf_printf(b, "    parent %s -> %s\n", or_top(c->old_parent), or_top(c->new_parent));
    for (size_t i = 0; i < c->rules_removed_count; i++)
        qc_buf_printf(b, "    - %s\n", c->rules_removed[i]);
    for (size_t i = 0; i < c->rules_added_count; i++)
        qc_buf_printf(b, "    + %s\n", c->rules_added[i]);
}

/* "3 added, 1 removed, ..." over the kinds that occur; "no changes" when none. */
static void summary_text(qc_buf *b, const qc_codebook_diff *d)
{
    int any = 0;
    for (unsigned i = 0; i < KIND_COUNT; i++) {
        size_t n = qc_codebook_diff_count_kind(d, (qc_change_kind)(1u << i));
        if (!n)
            continue;
        qc_buf_printf(b, "%s%zu %s", any ? ", " : "", n, qc_change_kind_name((qc_change_kind)(1u << i)));
        any = 1;
    }
    if (!any)
        qc_buf_puts(b, "no changes");
}

static void attr(qc_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    qc_buf_printf(b, " %s=\"", name);
    qc_diff_xml_escape(b, value, 1);
    qc_buf_putc(b, '"');
}

static void xml_codebook(qc_buf *b, const char *element, const qc_codebook *cb)
{
    qc_buf_printf(b, "  <%s", element);
    attr(b, "name", qc_codebook_name(cb));
    attr(b, "version", qc_codebook_version(cb));
    attr(b, "path", qc_codebook_path(cb));
    attr(b, "sha256", qc_codebook_sha256(cb));
    qc_buf_printf(b, " codes=\"%zu\"/>\n", qc_codebook_code_count(cb));
}

static void xml_change(qc_buf *b, const qc_code_change *c)
{
    qc_buf_puts(b, "  <change kinds=\"");
    kinds_list(b, c->kinds, " ");
    qc_buf_putc(b, '"');
    attr(b, "old-id", c->old_id);
    attr(b, "new-id", c->new_id);
    attr(b, "old-name", c->old_name);
    attr(b, "new-name", c->new_name);
    if (c->old_id)
        attr(b, "old-parent", c->old_parent ? c->old_parent : "");
    if (c->new_id)
        attr(b, "new-parent", c->new_parent ? c->new_parent : "");
    if (!c->rules_removed_count && !c->rules_added_count) {
        qc_buf_puts(b, "/>\n");
        return;
    }
    qc_buf_puts(b, ">\n");
    for (size_t i = 0; i < c->rules_removed_count; i++) {
        qc_buf_puts(b, "    <rule-removed>");
        qc_diff_xml_escape(b, c->rules_removed[i], 0);
        qc_buf_puts(b, "</rule-removed>\n");
    }
    for (size_t i = 0; i < c->rules_added_count; i++) {
        qc_buf_puts(b, "    <rule-added>");
        qc_diff_xml_escape(b, c->rules_added[i], 0);
        qc_buf_puts(b, "</rule-added>\n");
    }
    qc_buf_puts(b, "  </change>\n");
}

int qc_codebook_diff_render(const qc_codebook_diff *d, qc_diff_format format, char **out, size_t *len, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_diff_render: out is NULL");
    *out = NULL;
    if (!d || (format != QC_DIFF_TEXT && format != QC_DIFF_XML))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_diff_render: bad argument");
    const qc_codebook *ocb = qc_codebook_diff_side(d, 0), *ncb = qc_codebook_diff_side(d, 1);
    qc_buf b = QC_BUF_INIT;
    size_t n = qc_codebook_diff_count(d);
    if (format == QC_DIFF_TEXT) {
        size_t on = qc_codebook_code_count(ocb), nn = qc_codebook_code_count(ncb);
        qc_buf_printf(&b, "codebook diff: %s (version %s, %zu code%s) -> %s (version %s, %zu code%s)\n",
                      qc_codebook_path(ocb), *qc_codebook_version(ocb) ? qc_codebook_version(ocb) : "-", on,
                      on == 1 ? "" : "s", qc_codebook_path(ncb),
                      *qc_codebook_version(ncb) ? qc_codebook_version(ncb) : "-", nn, nn == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
            qc_code_change c;
            qc_codebook_diff_get(d, i, &c);
            text_change(&b, &c);
        }
        qc_buf_puts(&b, "summary: ");
        summary_text(&b, d);
        qc_buf_putc(&b, '\n');
    } else {
        qc_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<diff xmlns=\"urn:qcode:recode:1\">\n");
        xml_codebook(&b, "old", ocb);
        xml_codebook(&b, "new", ncb);
        for (size_t i = 0; i < n; i++) {
            qc_code_change c;
            qc_codebook_diff_get(d, i, &c);
            xml_change(&b, &c);
        }
        qc_buf_puts(&b, "  <summary");
        for (unsigned i = 0; i < KIND_COUNT; i++)
            qc_buf_printf(&b, " %s=\"%zu\"", qc_change_kind_name((qc_change_kind)(1u << i)),
                          qc_codebook_diff_count_kind(d, (qc_change_kind)(1u << i)));
        qc_buf_puts(&b, "/>\n</diff>\n");
    }
    if (qc_buf_failed(&b)) {
        qc_buf_free(&b);
        return qc_error_nomem(err);
    }
    if (len)
        *len = b.len;
    *out = qc_buf_detach(&b);
    if (!*out) {
        *out = qc_strdup("");
        if (!*out)
            return qc_error_nomem(err);
    }
    return QC_OK;
}

int qc_recode_write_text(const char *text, size_t len, const char *path, qc_error *err)
{
    if (!text || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_write_text: NULL argument");
    return qc_atomic_write(path, text, len, NULL, err);
}
