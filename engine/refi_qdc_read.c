/* Reading REFI-QDA codes (.qdc files and the CodeBook of a project) and writing them as a .qcb.
 *
 * Real files bend the schema: GUIDs in braces or upper case or not GUIDs at all, colours as
 * rgb(), #RGB, a missing isCodable, namespace variants, an empty <Sets/>. Each is accepted with a
 * warning. Codes that went out from qcode carry their statements in a marked block of their
 * Description; edits made in another tool to the name, the definition or the colour win over the
 * block (with a warning), so no work done there is lost. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_guid.h"
#include "refi_qdc.h"
#include "text.h"
#include "version.h"

/* --- small string helpers --- */

static void put_quoted(qc_buf *b, const char *s, size_t len)
{
    qc_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"' || c == '\\')
            qc_buf_putc(b, '\\');
        qc_buf_putc(b, (c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
    }
    qc_buf_putc(b, '"');
}

/* Collapses runs of white space to one space and trims the ends, into a new string. */
static char *collapse_space(const char *s)
{
    qc_buf b = QC_BUF_INIT;
    int pending = 0;
    for (; s && *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            pending = b.len > 0;
            continue;
        }
        if (pending)
            qc_buf_putc(&b, ' ');
        pending = 0;
        qc_buf_putc(&b, *s);
    }
    if (!b.data && !b.failed)
        qc_buf_puts(&b, "");
    return qc_buf_detach(&b);
}

/* A colour as other tools write it (#RRGGBB, #RGB, rgb(r, g, b)) as "#rrggbb"; 0 when understood
 * (warn set when it needed repair), -1 otherwise. */
static int parse_color(const char *s, char out[8], int *warn)
{
    static const char hex[] = "0123456789abcdef";
    *warn = 0;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 7 && s[0] == '#') {
        for (int i = 1; i < 7; i++) {
            if (!isxdigit((unsigned char)s[i]))
                return -1;
            out[i] = (char)tolower((unsigned char)s[i]);
        }
        out[0] = '#';
        out[7] = '\0';
        return 0;
    }
    if (n == 4 && s[0] == '#') {
        out[0] = '#';
        for (int i = 0; i < 3; i++) {
            if (!isxdigit((unsigned char)s[i + 1]))
                return -1;
            out[1 + 2 * i] = out[2 + 2 * i] = (char)tolower((unsigned char)s[i + 1]);
        }
        out[7] = '\0';
        *warn = 1;
        return 0;
    }
    int r, g, bl;
    char tail;
    if ((sscanf(s, "rgb(%d ,%d ,%d %c", &r, &g, &bl, &tail) == 4 ||
         sscanf(s, "RGB(%d ,%d ,%d %c", &r, &g, &bl, &tail) == 4) &&
        tail == ')' && r >= 0 && r < 256 && g >= 0 && g < 256 && bl >= 0 && bl < 256) {
        int v[3] = {r, g, bl};
        out[0] = '#';
        for (int i = 0; i < 3; i++) {
            out[1 + 2 * i] = hex[v[i] >> 4];
            out[2 + 2 * i] = hex[v[i] & 15];
        }
        out[7] = '\0';
        *warn = 1;
        return 0;
    }
    return -1;
}

/* --- reading Code elements --- */

/* Turns CRLF and lone CR into LF, in place. Tools write a Description's line breaks as any of
 * them (a CR survives XML's own normalisation as &#13;); the rules block is found, and its lines
 * split, by LF. s may be NULL. */
static void lf_line_ends(char *s)
{
    if (!s)
        return;
    char *o = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\r') {
            *o++ = '\n';
            if (p[1] == '\n')
                p++;
        } else
            *o++ = *p;
    }
    *o = '\0';
}

static int read_code(qc_refi_model *m, xmlNodePtr el, int32_t parent, qc_refi_log *log, qc_error *err)
{
    uint32_t line = qc_refi_xml_line(el);
    char *raw_guid = NULL, *name = NULL, *codable = NULL, *color = NULL;
    int nomem = qc_refi_xml_copy_attr(el, "guid", &raw_guid) || qc_refi_xml_copy_attr(el, "name", &name) ||
                qc_refi_xml_copy_attr(el, "isCodable", &codable) || qc_refi_xml_copy_attr(el, "color", &color);
    xmlNodePtr desc_el = qc_refi_xml_child(el, "Description");
    char *desc = desc_el ? qc_refi_xml_text(desc_el) : NULL;
    lf_line_ends(desc);
    int rc = 0;
    size_t index = m->code_count;
    qc_refi_code *c = qc_refi_add_code(m);
    if (nomem || !c || (desc_el && !desc)) {
        rc = qc_error_nomem(err);
        goto done;
    }
    c->parent = parent;
    c->line = line;
    c->codable = 1;
    if (!name || !*name) {
        qc_buf b = QC_BUF_INIT;
        qc_buf_printf(&b, "Code %zu", index + 1);
        qc_refi_warn(log, line, "Code without a name: called it '%s'", qc_buf_cstr(&b));
        qc_free(name);
        name = qc_buf_detach(&b);
        if (!name) {
            rc = qc_error_nomem(err);
            goto done;
        }
    }
    c->name = name;
    name = NULL;
    int derived = qc_refi_guid_or_derive(raw_guid, c->guid);
    qc_refi_note_guid(log, raw_guid, line);
    if (derived < 0) {
        rc = qc_error_nomem(err);
        goto done;
    }
    if (derived)
        qc_refi_warn(log, line, "Code '%s': guid '%s' is not a GUID (accepted; references use the same text)", c->name,
                     raw_guid ? raw_guid : "");
    if (!codable) {
        qc_refi_warn(log, line, "Code '%s' has no isCodable attribute: taken as codable", c->name);
    } else if (strcmp(codable, "false") == 0 || strcmp(codable, "0") == 0) {
        c->codable = 0;
    } else if (strcmp(codable, "true") != 0 && strcmp(codable, "1") != 0) {
        qc_refi_warn(log, line, "Code '%s': isCodable=\"%s\" is not a boolean: taken as codable", c->name, codable);
    }
    if (color && *color) {
        int repaired = 0;
        if (parse_color(color, c->color, &repaired) != 0) {
            c->color[0] = '\0';
            qc_refi_warn(log, line, "Code '%s': colour '%s' is not understood: dropped", c->name, color);
        } else if (repaired) {
            qc_refi_warn(log, line, "Code '%s': colour '%s' read as %s", c->name, color, c->color);
        }
    }
    c->description = desc;
    desc = NULL;
    for (xmlNodePtr k = qc_refi_xml_child(el, "Code"); k && rc == 0; k = qc_refi_xml_next(k, "Code")) {
        m->codes[index].child_count++;
        rc = read_code(m, k, (int32_t)index, log, err);
    }
done:
    qc_free(raw_guid);
    qc_free(name);
    qc_free(codable);
    qc_free(color);
    qc_free(desc);
    return rc;
}

int qc_refi_read_codes(qc_refi_model *m, xmlNodePtr codes, qc_refi_log *log, qc_error *err)
{
    size_t first = m->code_count;
    for (xmlNodePtr k = qc_refi_xml_child(codes, "Code"); k; k = qc_refi_xml_next(k, "Code")) {
        int rc = read_code(m, k, -1, log, err);
        if (rc != 0)
            return rc;
    }
    /* Two codes with one GUID would make references ambiguous: the later one gets a new GUID. */
    qc_refi_index ix;
    if (qc_refi_index_init(&ix, m->code_count) != 0)
        return qc_error_nomem(err);
    int rc = 0;
    for (size_t i = first; i < m->code_count && rc == 0; i++) {
        int r = qc_refi_index_put(&ix, m->codes[i].guid, (int32_t)i);
        if (r < 0) {
            rc = qc_error_nomem(err);
        } else if (r == 1) {
            char old[QC_GUID_SIZE];
            memcpy(old, m->codes[i].guid, sizeof old);
            qc_refi_guidf(m->codes[i].guid, "duplicate-code:%s:%zu", old, i);
            qc_refi_warn(log, m->codes[i].line,
                         "Code '%s' repeats the GUID %s of an earlier code: references go to the first one",
                         m->codes[i].name, old);
        }
    }
    qc_refi_index_free(&ix);
    return rc;
}

int qc_refi_read_header_set(qc_refi_model *m, xmlNodePtr sets, qc_refi_log *log)
{
    if (!sets)
        return 0;
    size_t others = 0;
    xmlNodePtr set = qc_refi_xml_child(sets, "Set");
    if (!set)
        qc_refi_warn(log, qc_refi_xml_line(sets), "empty <Sets/> (not valid REFI-QDA): ignored");
    for (; set; set = qc_refi_xml_next(set, "Set")) {
        char *name = NULL;
        int group = qc_refi_set_is_document_group(set, &name);
        qc_free(name);
        if (group < 0)
            return -1;
        if (group) /* read by qc_refi_read_document_groups */
            continue;
        if (qc_refi_xml_copy_attr(set, "name", &name) != 0)
            return -1;
        int ours = name && strcmp(name, QC_REFI_HEADER_SET) == 0;
        qc_free(name);
        if (!ours) {
            others++;
            continue;
        }
        char *text = qc_refi_xml_text(qc_refi_xml_child(set, "Description"));
        char *g = NULL;
        if (!text || qc_refi_xml_copy_attr(set, "guid", &g) != 0) {
            qc_free(text);
            return -1;
        }
        lf_line_ends(text);
        const char *body = text;
        size_t mark = strlen(QC_REFI_HEADER_MARK);
        if (strncmp(body, QC_REFI_HEADER_MARK, mark) == 0) {
            body += mark;
            while (*body == '\r' || *body == '\n')
                body++;
        }
        qc_free(m->header);
        m->header = qc_strdup(body);
        qc_free(text);
        if (g && qc_refi_guid_normalise(g, m->header_guid) != 0)
            m->header_guid[0] = '\0';
        qc_free(g);
        if (!m->header)
            return -1;
    }
    if (others)
        qc_refi_warn(log, qc_refi_xml_line(sets),
                     "%zu set(s) of codes or documents are not imported (.qcb has no sets)", others);
    return 0;
}

/* --- ids --- */

/* An id from a name: ASCII letters and digits (diacritics dropped), '_' between words, upper case,
 * starting with a letter, at most 40 characters. */
static char *id_from_name(const char *name)
{
    qc_buf folded = QC_BUF_INIT;
    size_t bad = 0;
    if (!qc_utf8_valid(name, strlen(name), &bad) || qc_text_fold(name, strlen(name), 0, 1, &folded) != 0) {
        qc_buf_clear(&folded);
        qc_buf_puts(&folded, "");
    }
    qc_buf id = QC_BUF_INIT;
    const char *f = qc_buf_cstr(&folded);
    int gap = 0;
    for (; *f && id.len < 40; f++) {
        unsigned char ch = (unsigned char)*f;
        if (isalnum(ch) && ch < 0x80) {
            if (gap && id.len)
                qc_buf_putc(&id, '_');
            gap = 0;
            qc_buf_putc(&id, (char)toupper(ch));
        } else {
            gap = 1;
        }
    }
    qc_buf_free(&folded);
    if (id.len == 0)
        qc_buf_puts(&id, "CODE");
    else if (!isalpha((unsigned char)id.data[0])) {
        qc_buf tmp = QC_BUF_INIT;
        qc_buf_putc(&tmp, 'C');
        qc_buf_append(&tmp, id.data, id.len);
        qc_buf_free(&id);
        id = tmp;
    }
    return qc_buf_detach(&id);
}

static int valid_id(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]) || (unsigned char)s[0] >= 0x80)
        return 0;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c < 0x80 && (isalnum(c) || c == '_' || c == '.' || c == '-')))
            return 0;
    }
    return 1;
}

/* The qcode block of a Description: *block points after the mark line (NULL when none) and
 * *def_len is the length of the text before it. */
static const char *find_block(const char *desc, size_t *def_len)
{
    if (!desc)
        return NULL;
    const char *p = desc;
    size_t mark = strlen(QC_REFI_RULES_MARK);
    for (;;) {
        const char *hit = strstr(p, QC_REFI_RULES_MARK);
        if (!hit)
            return NULL;
        int at_line_start = hit == desc || hit[-1] == '\n';
        const char *after = hit + mark;
        while (*after == '\r')
            after++;
        if (at_line_start && (*after == '\n' || *after == '\0')) {
            *def_len = (size_t)(hit - desc);
            return *after ? after + 1 : after;
        }
        p = hit + 1;
    }
}

/* The id in a block's first line (`code ID "Name"`), or NULL. */
static char *block_id(const char *block)
{
    const char *p = block;
    while (*p == ' ')
        p++;
    if (strncmp(p, "code ", 5) != 0)
        return NULL;
    p += 5;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ' && p[n] != '\n' && p[n] != '\r')
        n++;
    return valid_id(p, n) ? qc_strndup(p, n) : NULL;
}

/* Whether id is taken by a code other than `self`. */
/* The ids taken so far, hashed: a scan of every code per candidate made an NVivo codebook of
 * 8,000 codes whose sub-codes repeat their names ("Other" under every theme: OTHER_2, OTHER_3,
 * ...) take minutes. Each base also remembers its last suffix, so the suffixes are not tried from
 * 2 again for every repeat. The indexes borrow the codes' ids and the bases kept here. */
typedef struct taken_ids {
    qc_refi_index ids;   /* id -> code */
    qc_refi_index bases; /* base -> its slot in base/suffix */
    char **base;         /* owned */
    unsigned *suffix;    /* the last suffix given with each base (1: the base alone) */
    size_t base_count;
} taken_ids;

static void taken_free(taken_ids *t)
{
    for (size_t i = 0; i < t->base_count; i++)
        qc_free(t->base[i]);
    qc_free(t->base);
    qc_free(t->suffix);
    qc_refi_index_free(&t->ids);
    qc_refi_index_free(&t->bases);
}

/* A free id for a code whose name gives `base` (owned, taken here): the base, else base_2,
 * base_3, ... NULL when out of memory. */
static char *free_id(taken_ids *t, char *base)
{
    int32_t slot = qc_refi_index_get(&t->bases, base);
    if (slot < 0) {
        slot = (int32_t)t->base_count++;
        t->base[slot] = base;
        t->suffix[slot] = 1;
        if (qc_refi_index_put(&t->bases, base, slot) < 0)
            return NULL;
    } else {
        qc_free(base);
    }
    char *id = t->suffix[slot] == 1 ? qc_strdup(t->base[slot]) : NULL;
    while (!id || qc_refi_index_get(&t->ids, id) >= 0) {
        qc_free(id);
        qc_buf b = QC_BUF_INIT;
        qc_buf_printf(&b, "%s_%u", t->base[slot], ++t->suffix[slot]);
        if (!(id = qc_buf_detach(&b)))
            return NULL;
    }
    return id;
}

static int assign_ids(qc_refi_model *m, qc_refi_log *log)
{
    taken_ids t = {0};
    size_t n = m->code_count;
    int rc = qc_refi_index_init(&t.ids, n) != 0 || qc_refi_index_init(&t.bases, n) != 0 ||
                     !(t.base = qc_calloc(n + 1, sizeof *t.base)) || !(t.suffix = qc_calloc(n + 1, sizeof *t.suffix))
                 ? -1
                 : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (m->codes[i].id && qc_refi_index_put(&t.ids, m->codes[i].id, (int32_t)i) < 0)
            rc = -1;
    /* Ids carried in qcode blocks first, so they keep their ids whatever the other codes are called. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t dl;
        const char *block = find_block(m->codes[i].description, &dl);
        if (!block || m->codes[i].id)
            continue;
        char *id = block_id(block);
        if (id && qc_refi_index_get(&t.ids, id) >= 0) {
            qc_refi_warn(log, m->codes[i].line, "Code '%s': id %s is used twice: made a new one", m->codes[i].name, id);
            qc_free(id);
            id = NULL;
        }
        m->codes[i].id = id;
        if (id && qc_refi_index_put(&t.ids, id, (int32_t)i) < 0)
            rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (m->codes[i].id)
            continue;
        char *base = id_from_name(m->codes[i].name);
        char *id = base ? free_id(&t, base) : NULL;
        m->codes[i].id = id;
        if (!id || qc_refi_index_put(&t.ids, id, (int32_t)i) < 0)
            rc = -1;
    }
    taken_free(&t);
    return rc;
}

/* --- writing the .qcb --- */

static void indent(qc_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qc_buf_putc(b, ' ');
}

/* The definition a block states: its `define "..."` lines unescaped and joined with a space. */
static char *block_definition(const char *block)
{
    qc_buf b = QC_BUF_INIT;
    qc_buf_puts(&b, "");
    for (const char *line = block; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *p = line;
        while (p < line + len && *p == ' ')
            p++;
        if ((size_t)(line + len - p) > 8 && strncmp(p, "define ", 7) == 0) {
            p += 7;
            while (p < line + len && *p == ' ')
                p++;
            if (p < line + len && *p == '"') {
                if (b.len)
                    qc_buf_putc(&b, ' ');
                for (p++; p < line + len && *p != '"'; p++) {
                    if (*p == '\\' && p + 1 < line + len)
                        p++;
                    qc_buf_putc(&b, *p);
                }
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return qc_buf_detach(&b);
}

/* Whether a block line is a statement with this keyword. */
static int line_is(const char *line, size_t len, const char *kw)
{
    size_t n = strlen(kw);
    while (len && *line == ' ') {
        line++;
        len--;
    }
    return len > n && strncmp(line, kw, n) == 0 && line[n] == ' ';
}

/* Whether the code's name differs from the one its block's `code ID "Name"` line gives: both
 * compared as written in a .qcb (quoted, escaped), the form the block holds. */
static int renamed(const qc_refi_code *c, const char *block)
{
    const char *eol = strchr(block, '\n');
    size_t len = eol ? (size_t)(eol - block) : strlen(block);
    const char *q = memchr(block, '"', len);
    if (!q)
        return 0; /* no name to compare with: not ours to judge */
    size_t n = 1;
    while (q + n < block + len && q[n] != '"')
        n += q[n] == '\\' && q + n + 1 < block + len ? 2 : 1;
    qc_buf b = QC_BUF_INIT;
    put_quoted(&b, c->name ? c->name : "", c->name ? strlen(c->name) : 0);
    int differs = !qc_buf_failed(&b) && (b.len != n + 1 || memcmp(b.data, q, b.len) != 0);
    qc_buf_free(&b);
    return differs;
}

/* Writes a code that carries a qcode block, applying edits made in the other tool. */
static void write_block_code(qc_buf *out, const qc_refi_code *c, const char *block, size_t def_len, size_t ind,
                             qc_refi_log *log)
{
    const char *body = strchr(block, '\n'); /* after the `code` line */
    char *tool_def_raw = qc_strndup(c->description, def_len);
    char *tool_def = collapse_space(tool_def_raw);
    char *block_def_raw = block_definition(body ? body : "");
    char *block_def = collapse_space(block_def_raw);
    qc_free(block_def_raw);
    if (renamed(c, block))
        qc_refi_warn(log, c->line, "Code '%s': renamed in another tool: the new name is kept", c->name);
    int def_edited = tool_def && block_def && strcmp(tool_def, block_def) != 0;
    if (def_edited)
        qc_refi_warn(log, c->line, "Code '%s': definition edited in another tool: the edited text is kept", c->name);
    /* The colour the block states, to compare with the attribute. */
    char block_color[8] = "";
    for (const char *line = body; line && *line;) {
        line++;
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (line_is(line, len, "color")) {
            const char *p = line;
            while (*p == ' ')
                p++;
            p += 5;
            while (*p == ' ')
                p++;
            int w;
            char tmp[16];
            size_t k = 0;
            while (k < sizeof tmp - 1 && p + k < line + len && p[k] != ' ')
                k++;
            memcpy(tmp, p, k);
            tmp[k] = '\0';
            if (parse_color(tmp, block_color, &w) != 0)
                block_color[0] = '\0';
        }
        line = eol;
    }
    int color_edited = strcmp(block_color, c->color) != 0;
    if (color_edited)
        qc_refi_warn(log, c->line, "Code '%s': colour changed in another tool to %s: kept", c->name,
                     c->color[0] ? c->color : "none");

    indent(out, ind);
    qc_buf_printf(out, "code %s ", c->id);
    put_quoted(out, c->name, strlen(c->name));
    qc_buf_putc(out, '\n');
    if (def_edited && tool_def[0]) {
        indent(out, ind + 2);
        qc_buf_puts(out, "define ");
        put_quoted(out, tool_def, strlen(tool_def));
        qc_buf_putc(out, '\n');
    }
    if (color_edited && c->color[0]) {
        indent(out, ind + 2);
        qc_buf_printf(out, "color %s\n", c->color);
    }
    for (const char *line = body; line && *line;) {
        line++;
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        int skip =
            len == 0 || (def_edited && line_is(line, len, "define")) || (color_edited && line_is(line, len, "color"));
        if (!skip) {
            indent(out, ind + 2);
            qc_buf_append(out, line, len);
            qc_buf_putc(out, '\n');
        }
        line = eol;
    }
    qc_free(tool_def_raw);
    qc_free(tool_def);
    qc_free(block_def);
}

static void write_plain_code(qc_buf *out, const qc_refi_code *c, size_t ind)
{
    indent(out, ind);
    qc_buf_printf(out, "code %s ", c->id);
    put_quoted(out, c->name, strlen(c->name));
    qc_buf_putc(out, '\n');
    /* Each line of the description becomes a define line (the grammar joins them with a space). */
    for (const char *line = c->description; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *p = line;
        size_t n = len;
        while (n && (*p == ' ' || *p == '\t' || *p == '\r')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
            n--;
        if (n) {
            indent(out, ind + 2);
            qc_buf_puts(out, "define ");
            put_quoted(out, p, n);
            qc_buf_putc(out, '\n');
        }
        line = eol ? eol + 1 : NULL;
    }
    if (c->color[0]) {
        indent(out, ind + 2);
        qc_buf_printf(out, "color %s\n", c->color);
    }
    if (c->codable && (c->child_count == 0 || c->used)) {
        indent(out, ind + 2);
        qc_buf_puts(out, "manual\n");
    }
}

int qc_refi_write_qcb(qc_refi_model *m, const char *name, const char *source, qc_refi_log *log, qc_buf *out,
                      qc_error *err)
{
    if (assign_ids(m, log) != 0)
        return qc_error_nomem(err);
    if (m->header && *m->header) {
        qc_buf_puts(out, m->header);
        qc_buf_puts(out, "\n");
    } else {
        qc_buf_printf(out, "# Imported by qcode %s from %s", QCODE_VERSION_STRING, source ? source : "REFI-QDA");
        if (m->origin && *m->origin) {
            qc_buf_puts(out, " (written by ");
            for (const char *p = m->origin; *p; p++)
                qc_buf_putc(out, (*p == '\n' || *p == '\r') ? ' ' : *p);
            qc_buf_puts(out, ")");
        }
        qc_buf_puts(out, "\ncodebook ");
        put_quoted(out, name ? name : "Imported", strlen(name ? name : "Imported"));
        qc_buf_puts(out, "\n");
    }
    size_t *depth = qc_calloc(m->code_count ? m->code_count : 1, sizeof *depth);
    if (!depth)
        return qc_error_nomem(err);
    for (size_t i = 0; i < m->code_count; i++) {
        qc_refi_code *c = &m->codes[i];
        depth[i] = c->parent >= 0 ? depth[c->parent] + 1 : 0;
        qc_buf_putc(out, '\n');
        size_t def_len = 0;
        const char *block = find_block(c->description, &def_len);
        char *bid = block ? block_id(block) : NULL;
        if (bid && strcmp(bid, c->id) == 0)
            write_block_code(out, c, block, def_len, depth[i] * 2, log);
        else
            write_plain_code(out, c, depth[i] * 2);
        qc_free(bid);
    }
    qc_free(depth);
    return qc_buf_failed(out) ? qc_error_nomem(err) : 0;
}

/* --- .qdc import --- */

static char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    const char *dot = strrchr(b, '.');
    return dot && dot != b ? qc_strndup(b, (size_t)(dot - b)) : qc_strdup(b);
}

/* Checks the codebook namespace: the schema's, or a variant seen in real files (with a warning). */
static int check_codebook_ns(xmlNodePtr root, qc_refi_log *log, const char *file, qc_error *err)
{
    const char *href = root->ns && root->ns->href ? (const char *)root->ns->href : NULL;
    if (!qc_refi_xml_is(root, "CodeBook"))
        return qc_error_set(err, QC_ERR_FORMAT, file, qc_refi_xml_line(root), 0, -1,
                            "the root element is <%s>, not <CodeBook>: not a REFI-QDA codebook",
                            (const char *)root->name);
    if (href && strcmp(href, "urn:QDA-XML:codebook:1.0") == 0)
        return 0;
    if (!href)
        qc_refi_warn(log, qc_refi_xml_line(root), "<CodeBook> has no namespace (expected urn:QDA-XML:codebook:1.0)");
    else
        qc_refi_warn(log, qc_refi_xml_line(root), "<CodeBook> namespace '%s' read as urn:QDA-XML:codebook:1.0", href);
    return 0;
}

int qc_refi_import_qdc(const char *qdc_path, const char *qcb_path, const qc_refi_options *opts, qc_error *err)
{
    if (!qdc_path || !qcb_path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no input or no output path");
    qc_refi_log log = {opts ? opts->on_warning : NULL, opts ? opts->user : NULL, qdc_path, 0, 0, 0};
    char *data = NULL;
    size_t size = 0;
    int rc = qc_file_read(qdc_path, (size_t)64 << 20, &data, &size, err);
    if (rc != 0)
        return rc;
    xmlDocPtr doc = NULL;
    rc = qc_refi_xml_parse(data, size, qdc_path, NULL, &doc, err);
    qc_free(data);
    if (rc != 0)
        return rc;
    qc_refi_model m;
    qc_refi_model_init(&m);
    qc_buf out = QC_BUF_INIT;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    rc = check_codebook_ns(root, &log, qdc_path, err);
    if (rc == 0) {
        xmlNodePtr codes = qc_refi_xml_child(root, "Codes");
        if (!codes || !qc_refi_xml_child(codes, "Code"))
            rc = qc_error_set(err, QC_ERR_FORMAT, qdc_path, qc_refi_xml_line(codes ? codes : root), 0, -1,
                              "the codebook has no <Code> in <Codes>");
        else
            rc = qc_refi_read_codes(&m, codes, &log, err);
    }
    qc_refi_flush_guid_note(&log);
    if (rc == 0 && (qc_refi_read_header_set(&m, qc_refi_xml_child(root, "Sets"), &log) != 0 ||
                    qc_refi_xml_copy_attr(root, "origin", &m.origin) != 0))
        rc = qc_error_nomem(err);
    if (rc == 0) {
        char *name = base_name(qdc_path);
        const char *slash = strrchr(qdc_path, '/');
        rc = name ? qc_refi_write_qcb(&m, name, slash ? slash + 1 : qdc_path, &log, &out, err) : qc_error_nomem(err);
        qc_free(name);
    }
    xmlFreeDoc(doc);
    qc_refi_model_free(&m);
    if (rc == 0) {
        /* Never leave a .qcb that qcode itself would refuse. */
        qc_codebook *cb = NULL;
        rc = qc_codebook_load_buffer(&cb, qcb_path, out.data, out.len, NULL, err);
        qc_codebook_free(cb);
        if (rc == 0)
            rc = qc_atomic_write(qcb_path, out.data, out.len, NULL, err);
    }
    qc_buf_free(&out);
    return rc;
}
