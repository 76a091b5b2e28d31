/* The change report of a re-code: a terminal summary (counts side by side for the codes that
 * changed) or XML with every code and every quotation gained or lost, with its reason. */
#include <string.h>

#include "alloc.h"
#include "codebook_diff.h"
#include "error.h"
#include "recode.h"
#include "refi_manual.h"

static void kinds_words(qc_buf *b, unsigned kinds, const char *sep)
{
    int first = 1;
    for (unsigned i = 0; i < 10; i++)
        if (kinds & (1u << i)) {
            qc_buf_printf(b, "%s%s", first ? "" : sep, qc_change_kind_name((qc_change_kind)(1u << i)));
            first = 0;
        }
}

static const char *old_name(const qc_recode *rc)
{
    if (rc->old_cb)
        return qc_codebook_path(rc->old_cb);
    return rc->results_path ? rc->results_path : "";
}

static void summary(qc_buf *b, const qc_recode *rc)
{
    const qc_recode_totals *t = &rc->totals;
    const char *nv = qc_codebook_version(rc->new_cb);
    qc_buf_printf(b, "recode: %s -> %s (version %s): %zu %s\n", old_name(rc), qc_codebook_path(rc->new_cb),
                  *nv ? nv : "-", rc->stats.documents, rc->stats.documents == 1 ? "document" : "documents");
    qc_buf_printf(b, "quotations: %zu before, %zu after: %zu kept, %zu gained, %zu lost; %zu codes changed\n",
                  t->before, t->after, t->kept, t->gained, t->lost, t->codes_changed);
    if (rc->manual)
        qc_buf_printf(b, "manual codings: %zu carried, %zu moved to another code, %zu unassigned (%s)\n", t->manual,
                      t->manual_moved, t->manual_unassigned, rc->unassigned_name);
}

static void text_report(qc_buf *b, const qc_recode *rc)
{
    summary(b, rc);
    int header = 0;
    for (size_t i = 0; i < rc->row_count; i++) {
        qc_recode_row r;
        qc_recode_get_row(rc, i, &r);
        unsigned shown = r.kinds & ~(unsigned)QC_CHANGE_DEFINITION;
        if (!r.gained && !r.lost && !shown)
            continue;
        if (!header) {
            qc_buf_printf(b, "\n%-28s %7s %7s %7s %7s %7s  %s\n", "code", "before", "after", "kept", "gained", "lost",
                          "change");
            header = 1;
        }
        qc_buf_printf(b, "%-28s %7zu ", r.id, r.before);
        if (r.new_code >= 0)
            qc_buf_printf(b, "%7zu", r.after);
        else
            qc_buf_printf(b, "%7s", "-");
        qc_buf_printf(b, " %7zu %7zu %7zu  ", r.kept, r.gained, r.lost);
        kinds_words(b, r.kinds, ", ");
        if (*r.from && r.id && strcmp(r.from, r.id) != 0)
            qc_buf_printf(b, " (from %s)", r.from);
        qc_buf_putc(b, '\n');
    }
    int listed = 0;
    for (size_t i = 0; i < rc->move_count; i++) {
        const qc_rq_manual *m = &rc->moves[i];
        if (!m->unassigned)
            continue;
        const qc_refi_manual_coding *c = &rc->manual->items[m->item];
        if (!listed)
            qc_buf_puts(b, "\nunassigned manual codings:\n");
        listed = 1;
        qc_buf_printf(b, "  %s [%zu, %zu) %s -> %s by %s: \"%s\"\n", c->document, c->start, c->end, c->code, m->to,
                      c->coder ? c->coder : "", c->text ? c->text : "");
    }
}

static void attr(qc_buf *b, const char *name, const char *value)
{
    qc_buf_printf(b, " %s=\"", name);
    qc_diff_xml_escape(b, value ? value : "", 1);
    qc_buf_putc(b, '"');
}

static void xml_report(qc_buf *b, const qc_recode *rc)
{
    const qc_recode_totals *t = &rc->totals;
    qc_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<recode xmlns=\"urn:qcode:recode:1\">\n  <old");
    if (rc->old_cb) {
        attr(b, "codebook", qc_codebook_path(rc->old_cb));
        attr(b, "version", qc_codebook_version(rc->old_cb));
    }
    if (rc->results_path)
        attr(b, "results", rc->results_path);
    qc_buf_puts(b, "/>\n  <new");
    attr(b, "codebook", qc_codebook_path(rc->new_cb));
    attr(b, "version", qc_codebook_version(rc->new_cb));
    qc_buf_printf(b, " documents=\"%zu\"/>\n", rc->stats.documents);
    qc_buf_printf(b,
                  "  <totals before=\"%zu\" after=\"%zu\" kept=\"%zu\" gained=\"%zu\" lost=\"%zu\" "
                  "codes-changed=\"%zu\" manual=\"%zu\" manual-moved=\"%zu\" manual-unassigned=\"%zu\"/>\n",
                  t->before, t->after, t->kept, t->gained, t->lost, t->codes_changed, t->manual, t->manual_moved,
                  t->manual_unassigned);
    for (size_t i = 0; i < rc->row_count; i++) {
        qc_recode_row r;
        qc_recode_get_row(rc, i, &r);
        const qc_rq_row *row = &rc->rows[i];
        qc_buf_puts(b, "  <code");
        attr(b, "id", r.id);
        attr(b, "name", r.name);
        qc_buf_puts(b, " kinds=\"");
        kinds_words(b, r.kinds, " ");
        qc_buf_putc(b, '"');
        attr(b, "from", r.from);
        qc_buf_printf(b, " before=\"%zu\" after=\"%zu\" kept=\"%zu\" gained=\"%zu\" lost=\"%zu\"", r.before,
                      r.new_code >= 0 ? r.after : 0, r.kept, r.gained, r.lost);
        if (!row->event_count) {
            qc_buf_puts(b, "/>\n");
            continue;
        }
        qc_buf_puts(b, ">\n");
        for (size_t e = row->event_first; e < row->event_first + row->event_count; e++) {
            const qc_rq_event *ev = &rc->events[e];
            qc_buf_printf(b, "    <quotation change=\"%s\"", ev->gained ? "gained" : "lost");
            attr(b, "reason", qc_recode_reason_name((qc_recode_reason)ev->reason));
            attr(b, "document", rc->docs[ev->q.doc].id);
            qc_buf_printf(b, " start=\"%u\" end=\"%u\"", ev->q.start, ev->q.end);
            if (ev->origin != UINT32_MAX)
                attr(b, "old-code", rc->old_ids[ev->origin]);
            qc_buf_puts(b, ">");
            qc_diff_xml_escape(b, qc_rq_str(rc, ev->q.text), 0);
            qc_buf_puts(b, "</quotation>\n");
        }
        qc_buf_puts(b, "  </code>\n");
    }
    for (size_t i = 0; i < rc->move_count; i++) {
        const qc_rq_manual *m = &rc->moves[i];
        if (!m->moved && !m->unassigned)
            continue;
        const qc_refi_manual_coding *c = &rc->manual->items[m->item];
        qc_buf_puts(b, "  <manual-coding");
        attr(b, "code", c->code);
        attr(b, "to", m->to);
        if (m->unassigned)
            attr(b, "category", strcmp(m->to, rc->unassigned_id) == 0 ? rc->unassigned_name : m->to);
        attr(b, "document", c->document);
        qc_buf_printf(b, " start=\"%zu\" end=\"%zu\"", c->start, c->end);
        attr(b, "coder", c->coder);
        qc_buf_puts(b, ">");
        qc_diff_xml_escape(b, c->text, 0);
        qc_buf_puts(b, "</manual-coding>\n");
    }
    qc_buf_puts(b, "</recode>\n");
}

int qc_recode_render(const qc_recode *rc, qc_diff_format format, char **out, size_t *len, qc_error *err)
{
    if (!out)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_render: out is NULL");
    *out = NULL;
    if (!rc || (format != QC_DIFF_TEXT && format != QC_DIFF_XML))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_render: bad argument");
    qc_buf b = QC_BUF_INIT;
    if (format == QC_DIFF_TEXT)
        text_report(&b, rc);
    else
        xml_report(&b, rc);
    if (qc_buf_failed(&b)) {
        qc_buf_free(&b);
        return qc_error_nomem(err);
    }
    if (len)
        *len = b.len;
    *out = qc_buf_detach(&b);
    return *out ? QC_OK : qc_error_nomem(err);
}
