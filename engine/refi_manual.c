/* manual.xml: reading, writing, ordering. */
#include "refi_manual.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "text.h"
#include "version.h"

int qc_refi_manual_add(qc_refi_manual *mm, const char *code, const char *document, size_t start, size_t end,
                       const char *text, const char *coder, const char *created)
{
    if (QC_GROW(mm->items, mm->cap, mm->count + 1) != 0)
        return -1;
    qc_refi_manual_coding *c = &mm->items[mm->count];
    memset(c, 0, sizeof *c);
    c->code = qc_strdup(code);
    c->document = qc_strdup(document);
    c->text = qc_strdup(text ? text : "");
    c->coder = qc_strdup(coder ? coder : "unknown");
    c->created = created ? qc_strdup(created) : NULL;
    c->start = start;
    c->end = end;
    if (!c->code || !c->document || !c->text || !c->coder || (created && !c->created)) {
        qc_free(c->code);
        qc_free(c->document);
        qc_free(c->text);
        qc_free(c->coder);
        qc_free(c->created);
        return -1;
    }
    mm->count++;
    return 0;
}

static void free_item(qc_refi_manual_coding *c)
{
    qc_free(c->code);
    qc_free(c->document);
    qc_free(c->text);
    qc_free(c->coder);
    qc_free(c->created);
}

void qc_refi_manual_free(qc_refi_manual *mm)
{
    if (!mm)
        return;
    for (size_t i = 0; i < mm->count; i++)
        free_item(&mm->items[i]);
    qc_free(mm->items);
    qc_free(mm->source);
    qc_free(mm->origin);
    memset(mm, 0, sizeof *mm);
}

static int same_item(const qc_refi_manual_coding *a, const qc_refi_manual_coding *b);

/* The order of same_item, then, of two repeats, the one that knows when it was made first: that
 * one is kept (a coding carried through results.xml has lost its creation time). */
static int cmp_items(const void *pa, const void *pb)
{
    const qc_refi_manual_coding *a = pa, *b = pb;
    int c = same_item(a, b);
    if (c)
        return c;
    if (!a->created != !b->created)
        return a->created ? -1 : 1;
    return strcmp(a->coder, b->coder); /* the same person's name typed two ways: one kept, always the same */
}

static int same_item(const qc_refi_manual_coding *a, const qc_refi_manual_coding *b)
{
    int c = strcmp(a->document, b->document);
    if (c)
        return c;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if ((c = strcmp(a->code, b->code)) != 0)
        return c;
    /* One person, however their name is typed (`Anna`, `anna`, an accent either way): names are
     * compared as the casebook compares them. */
    return qc_fold_compare(a->coder, strlen(a->coder), b->coder, strlen(b->coder));
}

size_t qc_refi_manual_sort(qc_refi_manual *mm)
{
    if (mm->count < 2)
        return 0;
    qsort(mm->items, mm->count, sizeof *mm->items, cmp_items);
    size_t w = 1, dropped = 0;
    for (size_t r = 1; r < mm->count; r++) {
        if (same_item(&mm->items[r], &mm->items[w - 1]) == 0) {
            free_item(&mm->items[r]);
            dropped++;
            continue;
        }
        mm->items[w++] = mm->items[r];
    }
    mm->count = w;
    return dropped;
}

void qc_refi_manual_write(const qc_refi_manual *mm, qc_buf *out)
{
    qc_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    qc_buf_puts(out, "<manual xmlns=\"" QC_MANUAL_NS "\" generator=\"qcode " QCODE_VERSION_STRING "\"");
    if (mm->source) {
        qc_buf_puts(out, " source=\"");
        qc_refi_xml_escape(out, mm->source, 1);
        qc_buf_putc(out, '"');
    }
    if (mm->origin) {
        qc_buf_puts(out, " origin=\"");
        qc_refi_xml_escape(out, mm->origin, 1);
        qc_buf_putc(out, '"');
    }
    qc_buf_puts(out, ">\n");
    for (size_t i = 0; i < mm->count; i++) {
        const qc_refi_manual_coding *c = &mm->items[i];
        qc_buf_puts(out, "  <coding code=\"");
        qc_refi_xml_escape(out, c->code, 1);
        qc_buf_puts(out, "\" document=\"");
        qc_refi_xml_escape(out, c->document, 1);
        qc_buf_printf(out, "\" start=\"%zu\" end=\"%zu\" coder=\"", c->start, c->end);
        qc_refi_xml_escape(out, c->coder, 1);
        qc_buf_putc(out, '"');
        if (c->created) {
            qc_buf_puts(out, " created=\"");
            qc_refi_xml_escape(out, c->created, 1);
            qc_buf_putc(out, '"');
        }
        qc_buf_puts(out, "><text>");
        qc_refi_xml_escape(out, c->text, 0);
        qc_buf_puts(out, "</text></coding>\n");
    }
    qc_buf_puts(out, "</manual>\n");
}

static int parse_size(const char *s, size_t *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Reads one <coding> into mm; a malformed one is a warning. -1: out of memory. */
static int read_coding(qc_refi_manual *mm, xmlNodePtr c, qc_refi_log *log)
{
    uint32_t line = qc_refi_xml_line(c);
    char *code = NULL, *document = NULL, *start = NULL, *end = NULL, *coder = NULL, *created = NULL, *text = NULL;
    int nomem = qc_refi_xml_copy_attr(c, "code", &code) || qc_refi_xml_copy_attr(c, "document", &document) ||
                qc_refi_xml_copy_attr(c, "start", &start) || qc_refi_xml_copy_attr(c, "end", &end) ||
                qc_refi_xml_copy_attr(c, "coder", &coder) || qc_refi_xml_copy_attr(c, "created", &created);
    xmlNodePtr t = nomem ? NULL : qc_refi_xml_child(c, "text");
    if (t && !(text = qc_refi_xml_text(t)))
        nomem = 1;
    size_t s = 0, e = 0;
    if (nomem) {
        /* reported by the caller */
    } else if (!code || !document || !*code || !*document || parse_size(start, &s) != 0 || parse_size(end, &e) != 0 ||
               s > e) {
        qc_refi_warn(log, line, "<coding> needs code, document, and start <= end: skipped");
    } else if (qc_refi_manual_add(mm, code, document, s, e, text, coder, created) != 0) {
        nomem = 1;
    } else {
        mm->items[mm->count - 1].line = line;
    }
    qc_free(code);
    qc_free(document);
    qc_free(start);
    qc_free(end);
    qc_free(coder);
    qc_free(created);
    qc_free(text);
    return nomem ? -1 : 0;
}

int qc_refi_manual_read(qc_refi_manual *mm, const char *path, qc_refi_log *log, qc_error *err)
{
    memset(mm, 0, sizeof *mm);
    char *data = NULL;
    size_t size = 0;
    int rc = qc_file_read(path, (size_t)256 << 20, &data, &size, err);
    if (rc != 0)
        return rc;
    xmlDocPtr doc = NULL;
    rc = qc_refi_xml_parse(data, size, path, NULL, &doc, err);
    qc_free(data);
    if (rc != 0)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const char *href = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    if (!qc_refi_xml_is(root, "manual") || strcmp(href, QC_MANUAL_NS) != 0) {
        rc = qc_error_set(err, QC_ERR_FORMAT, path, qc_refi_xml_line(root), 0, -1,
                          "not a qcode manual.xml (root <%s>, expected <manual xmlns=\"" QC_MANUAL_NS "\">)",
                          (const char *)root->name);
        xmlFreeDoc(doc);
        return rc;
    }
    if (qc_refi_xml_copy_attr(root, "source", &mm->source) || qc_refi_xml_copy_attr(root, "origin", &mm->origin))
        rc = qc_error_nomem(err);
    for (xmlNodePtr c = qc_refi_xml_child(root, "coding"); c && rc == 0; c = qc_refi_xml_next(c, "coding"))
        if (read_coding(mm, c, log) != 0)
            rc = qc_error_nomem(err);
    xmlFreeDoc(doc);
    if (rc != 0)
        qc_refi_manual_free(mm);
    return rc;
}
