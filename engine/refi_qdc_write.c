/* From a compiled codebook to REFI-QDA codes, and the .qdc writer.
 *
 * A code's rules must survive a trip through NVivo or ATLAS.ti, which keep only a name, a colour
 * and a Description. So the Description carries, after the definition people read, a marked block
 * with the code's own statements exactly as written in the .qcb (comments included). The block is
 * cut from the codebook file itself: from the code's line up to the next line that is not indented
 * deeper, leaving out the blocks of its child codes, so statements written after a child code
 * still belong to their parent. */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "outputs.h"
#include "refi_guid.h"
#include "refi_qdc.h"
#include "version.h"

typedef struct text_line {
    const char *s;
    size_t len;
    /* For a statement (not blank, not a comment): the next statement indented no deeper, or the
     * line count; so a child code's block is stepped over at once, not line by line (which made
     * the export cubic in the tree's depth: 14.5 s of CPU at depth 2,000). */
    size_t block_end;
} text_line;

static size_t indent_of(const text_line *l);
static int is_blank(const text_line *l);
static int is_comment(const text_line *l);

/* Fills block_end with one stack of the statements whose block is still open. */
static int mark_block_ends(text_line *lines, size_t n)
{
    size_t *open = qc_malloc((n ? n : 1) * sizeof *open), depth = 0;
    if (!open)
        return -1;
    for (size_t k = 0; k < n; k++) {
        lines[k].block_end = n;
        if (is_blank(&lines[k]) || is_comment(&lines[k]))
            continue;
        size_t ind = indent_of(&lines[k]);
        while (depth && indent_of(&lines[open[depth - 1]]) >= ind)
            lines[open[--depth]].block_end = k;
        open[depth++] = k;
    }
    qc_free(open);
    return 0;
}

/* Splits a codebook file into lines (BOM dropped; LF, CRLF or a lone CR, as the codebook reader). */
static int split_lines(const char *data, size_t size, text_line **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        size -= 3;
    }
    size_t cap = 0, n = 0;
    text_line *lines = NULL;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n' && (data[i] != '\r' || (i + 1 < size && data[i + 1] == '\n')))
            continue;
        if (i == size && start == size)
            break;
        size_t len = i - start;
        if (len && data[start + len - 1] == '\r')
            len--;
        if (QC_GROW(lines, cap, n + 1) != 0) {
            qc_free(lines);
            return -1;
        }
        lines[n].s = data + start;
        lines[n].len = len;
        n++;
        start = i + 1;
    }
    if (mark_block_ends(lines, n) != 0) {
        qc_free(lines);
        return -1;
    }
    *out = lines;
    *count = n;
    return 0;
}

static size_t indent_of(const text_line *l)
{
    size_t i = 0;
    while (i < l->len && l->s[i] == ' ')
        i++;
    return i;
}

static int is_blank(const text_line *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->s[i] != ' ' && l->s[i] != '\t')
            return 0;
    return 1;
}

static int is_comment(const text_line *l)
{
    size_t i = indent_of(l);
    return i < l->len && l->s[i] == '#';
}

/* Whether a line is a `code` statement, and (when id is not NULL) declares that id. */
static int is_code_line(const text_line *l, const char *id)
{
    size_t i = indent_of(l);
    if (l->len - i < 5 || memcmp(l->s + i, "code", 4) != 0 || (l->s[i + 4] != ' ' && l->s[i + 4] != '\t'))
        return 0;
    if (!id)
        return 1;
    i += 4;
    while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
        i++;
    size_t n = strlen(id);
    return l->len - i >= n && memcmp(l->s + i, id, n) == 0 &&
           (l->len - i == n || l->s[i + n] == ' ' || l->s[i + n] == '\t');
}

static size_t trimmed_len(const char *s, size_t len)
{
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len;
}

static void put_quoted(qc_buf *b, const char *s)
{
    qc_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            qc_buf_putc(b, '\\');
        qc_buf_putc(b, (*s == '\n' || *s == '\r') ? ' ' : *s);
    }
    qc_buf_putc(b, '"');
}

/* The code's own lines (1-based line numbers line+1...), de-indented, into b. Returns 0, -1 when
 * the file does not match the codebook (then the caller rebuilds the statements), -2 out of memory. */
static int own_lines(const text_line *lines, size_t count, uint32_t line, const char *id, qc_buf *b)
{
    if (line == 0 || line > count || !is_code_line(&lines[line - 1], id))
        return -1;
    size_t base = indent_of(&lines[line - 1]);
    size_t *own = NULL, own_count = 0, own_cap = 0;
    size_t min_indent = (size_t)-1;
    for (size_t k = line; k < count; k++) {
        const text_line *l = &lines[k];
        if (is_blank(l))
            continue;
        size_t ind = indent_of(l);
        if (is_comment(l)) {
            /* A comment is the code's when it sits in its own stretch, indented like a statement
             * (comments inside or just after a child's block are stepped over with the block). */
            if (ind <= base)
                continue;
        } else {
            if (ind <= base)
                break;
            if (is_code_line(l, NULL)) {
                k = l->block_end - 1; /* the child's block, and the comments after it */
                continue;
            }
        }
        if (QC_GROW(own, own_cap, own_count + 1) != 0) {
            qc_free(own);
            return -2;
        }
        own[own_count++] = k;
    }
    /* Comments after the last statement belong to whatever follows. */
    while (own_count && is_comment(&lines[own[own_count - 1]]))
        own_count--;
    for (size_t i = 0; i < own_count; i++) {
        size_t ind = indent_of(&lines[own[i]]);
        if (ind < min_indent)
            min_indent = ind;
    }
    for (size_t i = 0; i < own_count; i++) {
        const text_line *l = &lines[own[i]];
        qc_buf_putc(b, '\n');
        qc_buf_append(b, l->s + min_indent, trimmed_len(l->s + min_indent, l->len - min_indent));
    }
    qc_free(own);
    return 0;
}

/* The statements rebuilt from the accessors, for a codebook whose file is gone or has changed. */
static void synth_lines(const qc_codebook *cb, size_t c, qc_buf *b)
{
    const char *def = qc_code_definition(cb, c);
    if (def && *def) {
        qc_buf_puts(b, "\ndefine ");
        put_quoted(b, def);
    }
    const char *color = qc_code_color(cb, c);
    if (color && *color)
        qc_buf_printf(b, "\ncolor %s", color);
    size_t rules = qc_code_rule_count(cb, c);
    for (size_t r = 0; r < rules; r++)
        qc_buf_printf(b, "\nrule %s", qc_code_rule_text(cb, c, r));
    if (rules == 0 && qc_code_is_codable(cb, c))
        qc_buf_puts(b, "\nmanual");
}

static void header_lines(const text_line *lines, size_t count, size_t first_code_line, const qc_codebook *cb, qc_buf *b)
{
    size_t end = first_code_line ? first_code_line - 1 : count;
    if (end > count)
        end = count;
    int any = 0;
    for (size_t k = 0; k < end; k++) {
        if (is_blank(&lines[k]))
            continue;
        if (any)
            qc_buf_putc(b, '\n');
        qc_buf_append(b, lines[k].s, trimmed_len(lines[k].s, lines[k].len));
        any = 1;
    }
    if (!any) {
        qc_buf_puts(b, "codebook ");
        put_quoted(b, qc_codebook_name(cb));
        const char *v = qc_codebook_version(cb);
        if (v && *v) {
            qc_buf_puts(b, " version ");
            put_quoted(b, v);
        }
    }
}

int qc_refi_codes_from_codebook(qc_refi_model *m, const qc_codebook *cb, qc_error *err)
{
    char *data = NULL;
    size_t size = 0;
    text_line *lines = NULL;
    size_t line_count = 0;
    const char *path = qc_codebook_path(cb);
    qc_error ignored;
    if (path && *path && qc_file_read(path, 0, &data, &size, &ignored) == 0 &&
        split_lines(data, size, &lines, &line_count) != 0) {
        qc_free(data);
        return qc_error_nomem(err);
    }
    const char *cb_name = qc_codebook_name(cb);
    size_t n = qc_codebook_code_count(cb);
    int rc = 0;
    qc_buf b = QC_BUF_INIT;
    for (size_t c = 0; c < n && rc == 0; c++) {
        qc_refi_code *code = qc_refi_add_code(m);
        if (!code) {
            rc = qc_error_nomem(err);
            break;
        }
        const char *id = qc_code_id(cb, c);
        code->id = qc_strdup(id);
        code->name = qc_strdup(qc_code_name(cb, c));
        code->parent = (int32_t)qc_code_parent(cb, c);
        code->codable = qc_code_is_codable(cb, c) ? 1 : 0;
        code->child_count = (uint32_t)qc_code_child_count(cb, c);
        const char *color = qc_code_color(cb, c);
        if (color && strlen(color) == 7)
            memcpy(code->color, color, 8);
        if (qc_refi_guidf(code->guid, "code:%s:%s", cb_name, id) != 0) {
            rc = qc_error_nomem(err);
            break;
        }
        qc_buf_clear(&b);
        const char *def = qc_code_definition(cb, c);
        if (def && *def) {
            qc_buf_puts(&b, def);
            qc_buf_puts(&b, "\n\n");
        }
        qc_buf_puts(&b, QC_REFI_RULES_MARK "\ncode ");
        qc_buf_puts(&b, id);
        qc_buf_putc(&b, ' ');
        put_quoted(&b, code->name ? code->name : "");
        size_t mark = b.len;
        int own = lines ? own_lines(lines, line_count, qc_code_line(cb, c), id, &b) : -1;
        if (own == -2) {
            rc = qc_error_nomem(err);
            break;
        }
        if (own != 0) {
            b.len = mark;
            if (b.data)
                b.data[mark] = '\0';
            synth_lines(cb, c, &b);
        }
        code->description = qc_buf_detach(&b);
        b = (qc_buf)QC_BUF_INIT;
        if (!code->id || !code->name || !code->description)
            rc = qc_error_nomem(err);
    }
    if (rc == 0) {
        qc_buf_clear(&b);
        header_lines(lines, lines ? line_count : 0, n ? qc_code_line(cb, 0) : 0, cb, &b);
        m->header = qc_buf_detach(&b);
        b = (qc_buf)QC_BUF_INIT;
        if (!m->header || qc_refi_guidf(m->header_guid, "codebook:%s", cb_name) != 0)
            rc = qc_error_nomem(err);
    }
    qc_buf_free(&b);
    qc_free(lines);
    qc_free(data);
    return rc;
}

static void spaces(qc_buf *b, int n)
{
    for (int i = 0; i < n; i++)
        qc_buf_putc(b, ' ');
}

static void write_code(qc_buf *b, const qc_refi_model *m, size_t i, int indent)
{
    const qc_refi_code *c = &m->codes[i];
    spaces(b, indent);
    qc_buf_printf(b, "<Code guid=\"%s\" name=\"", c->guid);
    qc_refi_xml_escape(b, c->name, 1);
    qc_buf_printf(b, "\" isCodable=\"%s\"", c->codable ? "true" : "false");
    if (c->color[0])
        qc_buf_printf(b, " color=\"%s\"", c->color);
    int has_children = 0;
    for (size_t k = i + 1; k < m->code_count && !has_children; k++)
        has_children = m->codes[k].parent == (int32_t)i;
    if (!c->description && !has_children) {
        qc_buf_puts(b, "/>\n");
        return;
    }
    qc_buf_puts(b, ">\n");
    if (c->description) {
        spaces(b, indent + 2);
        qc_buf_puts(b, "<Description>");
        qc_refi_xml_escape(b, c->description, 0);
        qc_buf_puts(b, "</Description>\n");
    }
    for (size_t k = i + 1; k < m->code_count; k++)
        if (m->codes[k].parent == (int32_t)i)
            write_code(b, m, k, indent + 2);
    spaces(b, indent);
    qc_buf_puts(b, "</Code>\n");
}

void qc_refi_write_codes(qc_buf *b, const qc_refi_model *m, int indent)
{
    spaces(b, indent);
    qc_buf_puts(b, "<Codes>\n");
    for (size_t i = 0; i < m->code_count; i++)
        if (m->codes[i].parent < 0)
            write_code(b, m, i, indent + 2);
    spaces(b, indent);
    qc_buf_puts(b, "</Codes>\n");
}

int qc_refi_export_qdc(const qc_codebook *cb, const char *path, const qc_refi_options *opts, qc_error *err)
{
    if (!cb || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no codebook or no output path");
    qc_refi_model m;
    qc_refi_model_init(&m);
    int rc = qc_refi_codes_from_codebook(&m, cb, err);
    if (rc != 0) {
        qc_refi_model_free(&m);
        return rc;
    }
    if (m.code_count == 0) {
        qc_refi_model_free(&m);
        /* The schema needs at least one Code in Codes. */
        return qc_error_set(err, QC_ERR_INVALID, qc_codebook_path(cb), 0, 0, -1,
                            "the codebook has no codes: a .qdc needs at least one");
    }
    qc_buf b = QC_BUF_INIT;
    qc_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    qc_buf_puts(&b, "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"qcode " QCODE_VERSION_STRING "\">\n");
    qc_refi_write_codes(&b, &m, 2);
    qc_buf_printf(&b, "  <Sets>\n    <Set guid=\"%s\" name=\"" QC_REFI_HEADER_SET "\">\n      <Description>",
                  m.header_guid);
    qc_refi_xml_escape(&b, QC_REFI_HEADER_MARK "\n", 0);
    qc_refi_xml_escape(&b, m.header, 0);
    qc_buf_puts(&b, "</Description>\n    </Set>\n  </Sets>\n</CodeBook>\n");
    qc_refi_model_free(&m);
    if (qc_buf_failed(&b)) {
        qc_buf_free(&b);
        return qc_error_nomem(err);
    }
    rc = qc_atomic_write(path, b.data, b.len, qc_refi_outputs(opts), err);
    qc_buf_free(&b);
    return rc;
}
