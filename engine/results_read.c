/* Reading a results.xml back, format 1 or 2 (for `qcode quotes --results`, `qcode recode --from`
 * and exports),
 * streamed (xml_stream.c), so a file of any size is read in constant memory apart from a table of
 * documents and codes. The file may come from anywhere: no network, no entities, no DTD.
 *
 * What cannot be in a file qcode wrote is refused where it is written, naming the attribute and
 * its value (docs/results.md lists the checks): numbers that are not whole numbers or overflow, a
 * formatVersion this build does not read, a quotation outside its document or turned inside out,
 * a hit outside its quotation, a code whose parent is not listed before it, and counts that do not
 * match what is listed. Each check is a few comparisons a quotation: nothing is allocated or copied
 * per quotation beyond the strings handed to the callbacks, kept in buffers that are reused. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "results_coder.h"
#include "results_impl.h"
#include "xml_out.h"
#include "xml_stream.h"

#define NS "urn:qcode:results:1"
#define NS2 "urn:qcode:results:2" /* format 2: quotations by document and span (docs/results-format-2.md) */

typedef qc_xml_stream_attr attr_t;

typedef enum section {
    SEC_NONE,
    SEC_PROVENANCE,
    SEC_DOCUMENTS,
    SEC_CODES,
    SEC_QUOTATIONS,
    SEC_COUNTS, /* format 2 */
    SEC_OTHER
} section;

/* What a quotation is checked against. Offsets and turns are 32-bit in qcode (a document has at
 * most 4 GiB), so length and turns above that cannot come from it. */
typedef struct doc_info {
    uint32_t length, turns;
} doc_info;

/* What <quotations> is checked against: the code's own counts and depth from <codes>. */
typedef struct code_info {
    uint64_t own_quotations, own_hits;
    uint64_t depth;
    int grouped; /* its <code> in <quotations> was seen */
    /* format 2: its quotations and hits as its spans list them, and whether <counts> gave its own */
    uint64_t listed, hits;
    int counted;
} code_info;

/* Scratch buffers for attribute values handed to the callbacks as C strings. */
enum { S_0, S_1, S_2, S_3, S_SPEAKER, S_COUNT };

typedef struct rd {
    qc_xml_parse *s; /* the parse, for positions and errors */
    const char *path;
    const qc_results_handlers *h;
    qc_coded_quotation_fn on_coded; /* every quotation with its coder; NULL: h->on_quotation, engine's only */
    void *coded_user;               /* on_coded's */
    qc_results_counts_fn on_counts; /* each code's counts where the file gives them (given h->user), or NULL */
    qc_error *err;

    int header_only; /* qc_results_read_header: stop at the end of format 2's documents */
    int format;      /* 1 or 2, from the root's namespace */
    const char *ns; /* the root's namespace: NS or NS2 */
    int level;      /* elements open */
    int skip_level; /* an element of another namespace is open at this level: skipped with its content */
    section sec;
    int seen_root, seen_quotations, seen_counts;
    uint64_t sec_count; /* the section's count attribute */
    uint32_t sec_line, sec_col;

    char **doc_ids;
    doc_info *docs;
    size_t doc_count, doc_cap, doc_info_cap;
    qc_strmap doc_map;
    char **code_ids;
    code_info *codes;
    size_t code_count, code_cap, code_info_cap;
    qc_strmap code_map;

    qc_buf scratch[S_COUNT];

    /* the code being read in <codes> */
    qc_results_file_code code;
    int in_code;
    /* the code's quotations being read in <quotations> */
    int in_group;
    size_t group_code;
    uint64_t group_count, group_listed, group_hits;
    uint32_t group_line, group_col;
    uint64_t quotations_listed;
    /* format 2: the span being read (its place in d->q) and the last code listed in it */
    int in_span, span_coded;
    size_t span_code;
    /* the quotation being read */
    int in_quotation, in_text, quotation_seen;
    qc_result_quotation q;
    const char *q_coder;
    qc_buf text;
    qc_hit *hits;
    size_t hit_count, hit_cap;
} rd;

static int cancelled(rd *d)
{
    return qc_error_set(d->err, QC_ERR_CANCELLED, d->path, 0, 0, -1, "stopped by the caller");
}

static const attr_t *find(const attr_t *attrs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (attrs[i].name[0] == name[0] && !attrs[i].ns && strcmp(attrs[i].name, name) == 0)
            return &attrs[i];
    return NULL;
}

/* An attribute's value for a message: at most 40 bytes (cut at a character), then "…". */
static void shown(const attr_t *a, char out[64])
{
    size_t n = a->len;
    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)a->value[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(out, 64, "%.*s%s", (int)n, a->value, n < a->len ? "…" : "");
}

/* The value of attribute `name` as a C string in scratch buffer `slot` (valid until the slot is
 * used again), or NULL when it is absent. */
static int str(rd *d, int slot, const attr_t *attrs, size_t n, const char *name, const char **out)
{
    const attr_t *a = find(attrs, n, name);
    *out = NULL;
    if (!a)
        return 0;
    qc_buf *b = &d->scratch[slot];
    qc_buf_clear(b);
    qc_buf_append(b, a->value, a->len);
    qc_buf_putc(b, '\0');
    if (qc_buf_failed(b))
        return qc_error_nomem(d->err);
    *out = b->data;
    return 0;
}

/* A required whole-number attribute of `elem`: digits only (no sign, no blanks), at most max. */
static int num(rd *d, const char *elem, const attr_t *attrs, size_t n, const char *name, uint64_t max, uint64_t *out)
{
    const attr_t *a = find(attrs, n, name);
    if (!a)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "%s has no %s attribute", elem, name);
    uint64_t v = 0;
    int over = 0;
    size_t i = 0;
    for (; i < a->len; i++) {
        unsigned c = (unsigned)((unsigned char)a->value[i] - '0');
        if (c > 9)
            break;
        if (v > (UINT64_MAX - c) / 10)
            over = 1;
        else
            v = v * 10 + c;
    }
    if (a->len > 0 && i == a->len && !over && v <= max) {
        *out = v;
        return 0;
    }
    char val[64];
    shown(a, val);
    if (a->len == 0 || i < a->len)
        return qc_xml_stream_fail(d->s, a, QC_ERR_FORMAT, "%s %s \"%s\" is not a whole number", elem, name, val);
    return qc_xml_stream_fail(d->s, a, QC_ERR_FORMAT, "%s %s %s is too large (at most %" PRIu64 ")", elem, name, val,
                              max);
}

static int push_id(rd *d, char ***ids, size_t *count, size_t *cap, qc_strmap *map, const char *id)
{
    if (QC_GROW(*ids, *cap, *count + 1) != 0)
        return qc_error_nomem(d->err);
    char *copy = qc_strdup(id);
    if (!copy || qc_strmap_put(map, copy, (uint32_t)*count) != 0) {
        qc_free(copy);
        return qc_error_nomem(d->err);
    }
    (*ids)[(*count)++] = copy;
    return 0;
}

static int read_root(rd *d, const char *ns, const char *name, const attr_t *attrs, size_t n)
{
    d->format = ns && strcmp(ns, NS) == 0 ? 1 : ns && strcmp(ns, NS2) == 0 ? 2 : 0;
    if (!d->format)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT,
                                  "not a qcode results file (expected namespace " NS " or " NS2 ")");
    d->ns = d->format == 1 ? NS : NS2;
    if (strcmp(name, "results") != 0)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "not a qcode results file (the root is not <results>)");
    d->seen_root = 1;
    const attr_t *v = find(attrs, n, "formatVersion");
    char want[24];
    snprintf(want, sizeof want, "%d", d->format);
    if (!v)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT,
                                  "<results> has no formatVersion attribute (this qcode reads formatVersion %s)", want);
    if (v->len != strlen(want) || memcmp(v->value, want, v->len) != 0) {
        char val[64];
        shown(v, val);
        return qc_xml_stream_fail(d->s, v, QC_ERR_FORMAT,
                                  "formatVersion \"%s\" is not one this qcode reads (it reads formatVersion %s)", val,
                                  want);
    }
    return 0;
}

/* A section with a count of what it lists: the count, and where to point when it is wrong. */
static int start_section(rd *d, const char *name, const attr_t *attrs, size_t n)
{
    d->sec = strcmp(name, "provenance") == 0                     ? SEC_PROVENANCE
             : strcmp(name, "documents") == 0                    ? SEC_DOCUMENTS
             : strcmp(name, "codes") == 0                        ? SEC_CODES
             : d->format == 1 && strcmp(name, "quotations") == 0 ? SEC_QUOTATIONS
             : d->format == 2 && strcmp(name, "counts") == 0     ? SEC_COUNTS
                                                                 : SEC_OTHER;
    if (d->sec == SEC_COUNTS)
        d->seen_counts = 1;
    /* (format 2's <documents> has no count: a streaming writer would not know it) */
    if ((d->sec != SEC_DOCUMENTS && d->sec != SEC_CODES && d->sec != SEC_QUOTATIONS) ||
        (d->sec == SEC_DOCUMENTS && d->format == 2))
        return 0;
    if (d->sec == SEC_QUOTATIONS)
        d->seen_quotations = 1;
    qc_xml_stream_position(d->s, find(attrs, n, "count"), &d->sec_line, &d->sec_col);
    return num(d, name, attrs, n, "count", UINT64_MAX, &d->sec_count);
}

/* Every code with quotations of its own has them listed (when <quotations> is missing, none is). */
static int check_all_listed(rd *d, uint32_t line, uint32_t col)
{
    for (size_t c = 0; c < d->code_count; c++)
        if (d->codes[c].own_quotations && !d->codes[c].grouped)
            return qc_xml_stream_fail_at(d->s, line, col, QC_ERR_FORMAT,
                                         "code %s has %" PRIu64 " quotation%s of its own but <quotations> lists none",
                                         d->code_ids[c], d->codes[c].own_quotations,
                                         d->codes[c].own_quotations == 1 ? "" : "s");
    return 0;
}

/* Format 2: every code has its counts in <counts>, as qcode writes them (a reader of the counts is
 * promised every code's: a file without <counts> gave none and was read as all zero). */
static int check_all_counted(rd *d)
{
    uint32_t line, col;
    qc_xml_stream_position(d->s, NULL, &line, &col);
    if (!d->seen_counts && d->code_count)
        return qc_xml_stream_fail_at(d->s, line, col, QC_ERR_FORMAT,
                                     "no <counts> after <documents> (a results.xml of format 2 gives each code's "
                                     "counts there): the file was cut short or edited");
    for (size_t c = 0; c < d->code_count; c++) {
        if (d->codes[c].counted)
            continue;
        if (d->codes[c].listed)
            return qc_xml_stream_fail_at(d->s, line, col, QC_ERR_FORMAT,
                                         "code %s is listed in %" PRIu64 " span%s but has no counts in <counts>",
                                         d->code_ids[c], d->codes[c].listed, d->codes[c].listed == 1 ? "" : "s");
        return qc_xml_stream_fail_at(d->s, line, col, QC_ERR_FORMAT, "code %s has no counts in <counts>",
                                     d->code_ids[c]);
    }
    return 0;
}

static int end_section(rd *d)
{
    section sec = d->sec;
    if (sec == SEC_DOCUMENTS && d->format == 2 && d->header_only)
        return cancelled(d);
    d->sec = SEC_NONE;
    const char *what = sec == SEC_DOCUMENTS ? "documents" : sec == SEC_CODES ? "codes" : "quotations";
    uint64_t listed = sec == SEC_DOCUMENTS ? d->doc_count : sec == SEC_CODES ? d->code_count : d->quotations_listed;
    if (sec == SEC_COUNTS)
        return check_all_counted(d);
    if ((sec != SEC_DOCUMENTS && sec != SEC_CODES && sec != SEC_QUOTATIONS) || (sec == SEC_DOCUMENTS && d->format == 2))
        return 0;
    if (listed != d->sec_count)
        return qc_xml_stream_fail_at(d->s, d->sec_line, d->sec_col, QC_ERR_FORMAT,
                                     "<%s> has count %" PRIu64 " but lists %" PRIu64 " %s", what, d->sec_count, listed,
                                     sec == SEC_QUOTATIONS ? "distinct quotations" : what);
    return sec == SEC_QUOTATIONS ? check_all_listed(d, d->sec_line, d->sec_col) : 0;
}

static int read_provenance_codebook(rd *d, const attr_t *attrs, size_t n)
{
    if (!d->h->on_provenance)
        return 0;
    const char *name, *version, *sha;
    int rc = str(d, S_0, attrs, n, "name", &name);
    if (!rc)
        rc = str(d, S_1, attrs, n, "version", &version);
    if (!rc)
        rc = str(d, S_2, attrs, n, "sha256", &sha);
    if (rc)
        return rc;
    return d->h->on_provenance(name ? name : "", version ? version : "", sha ? sha : "", d->h->user) ? cancelled(d) : 0;
}

static qc_format format_of(const attr_t *a)
{
    static const qc_format formats[] = {QC_FORMAT_TEXT, QC_FORMAT_VTT, QC_FORMAT_SRT, QC_FORMAT_DOCX};
    for (size_t i = 0; a && i < sizeof formats / sizeof formats[0]; i++) {
        const char *name = qc_format_name(formats[i]);
        if (strlen(name) == a->len && memcmp(name, a->value, a->len) == 0)
            return formats[i];
    }
    return QC_FORMAT_AUTO;
}

/* The path's own bytes when `path` could not carry them (pathBytes, percent-encoded: see
 * write_path_bytes in write_xml.c), in place of *path (scratch S_1). They must be a path, and the
 * path `path` shows: a pathBytes left behind when `path` was edited would open another file. */
static int path_bytes(rd *d, const attr_t *attrs, size_t n, const char **path)
{
    const attr_t *a = find(attrs, n, "pathBytes");
    if (!a)
        return 0;
    qc_buf bytes = QC_BUF_INIT;
    int rc = qc_xml_bytes_beside(a->value, a->len, *path, &bytes);
    if (rc == QC_ERR_NOMEM)
        rc = qc_error_nomem(d->err);
    else if (rc == 1)
        rc = qc_xml_stream_fail(d->s, a, QC_ERR_FORMAT, "pathBytes \"%.*s\" is not a percent-encoded path", (int)a->len,
                                a->value);
    else if (rc == 2)
        rc = qc_xml_stream_fail(d->s, a, QC_ERR_FORMAT, "pathBytes \"%.*s\" is not the path \"%s\"", (int)a->len,
                                a->value, *path ? *path : "");
    if (!rc) {
        qc_buf *b = &d->scratch[S_1];
        qc_buf_clear(b);
        qc_buf_append(b, bytes.data, bytes.len);
        rc = qc_buf_failed(b) ? qc_error_nomem(d->err) : 0;
        *path = b->data;
    }
    qc_buf_free(&bytes);
    return rc;
}

static int read_document(rd *d, const attr_t *attrs, size_t n)
{
    const char *id, *path, *sha, *coding_sha;
    int rc = str(d, S_0, attrs, n, "id", &id);
    if (rc)
        return rc;
    if (!id)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "document has no id attribute");
    if (qc_strmap_get(&d->doc_map, id) >= 0)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT, "document id \"%s\" is listed twice", id);
    uint64_t size = 0, length = 0, turns = 0;
    rc = num(d, "document", attrs, n, "size", UINT64_MAX, &size);
    if (!rc)
        rc = num(d, "document", attrs, n, "length", UINT32_MAX, &length);
    if (!rc)
        rc = num(d, "document", attrs, n, "turns", UINT32_MAX, &turns);
    if (!rc && QC_GROW(d->docs, d->doc_info_cap, d->doc_count + 1))
        rc = qc_error_nomem(d->err);
    if (!rc)
        rc = push_id(d, &d->doc_ids, &d->doc_count, &d->doc_cap, &d->doc_map, id);
    if (rc)
        return rc;
    d->docs[d->doc_count - 1] = (doc_info){(uint32_t)length, (uint32_t)turns};
    if (!d->h->on_document)
        return 0;
    rc = str(d, S_1, attrs, n, "path", &path);
    if (!rc)
        rc = path_bytes(d, attrs, n, &path);
    if (!rc)
        rc = str(d, S_2, attrs, n, "sha256", &sha);
    if (!rc)
        rc = str(d, S_3, attrs, n, "codingSha256", &coding_sha);
    if (rc)
        return rc;
    qc_result_document doc;
    memset(&doc, 0, sizeof doc);
    doc.id = d->doc_ids[d->doc_count - 1];
    doc.path = path ? path : "";
    doc.sha256 = sha ? sha : "";
    doc.coding_sha256 = coding_sha ? coding_sha : "";
    doc.size = size;
    doc.length = (size_t)length;
    doc.turns = (size_t)turns;
    doc.format = format_of(find(attrs, n, "format"));
    return d->h->on_document(&doc, d->doc_count - 1, d->h->user) ? cancelled(d) : 0;
}

static int start_code(rd *d, const attr_t *attrs, size_t n)
{
    memset(&d->code, 0, sizeof d->code);
    const char *id, *name, *parent;
    int rc = str(d, S_0, attrs, n, "id", &id);
    if (!rc)
        rc = str(d, S_1, attrs, n, "name", &name);
    if (!rc)
        rc = str(d, S_2, attrs, n, "parent", &parent);
    if (rc)
        return rc;
    if (!id)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "code has no id attribute");
    if (qc_strmap_get(&d->code_map, id) >= 0)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT, "code id \"%s\" is listed twice", id);
    uint64_t depth = 0;
    rc = num(d, "code", attrs, n, "depth", UINT32_MAX, &depth);
    if (rc)
        return rc;
    /* Codes come in pre-order (parents first), a main code at depth 1: what `--rollup` relies on. */
    const attr_t *depth_attr = find(attrs, n, "depth");
    if (parent) {
        long p = qc_strmap_get(&d->code_map, parent);
        if (p < 0)
            return qc_xml_stream_fail(d->s, find(attrs, n, "parent"), QC_ERR_FORMAT,
                                      "code %s has parent \"%s\", which is not listed before it", id, parent);
        if (depth != d->codes[p].depth + 1)
            return qc_xml_stream_fail(d->s, depth_attr, QC_ERR_FORMAT,
                                      "code %s has depth %" PRIu64 " but its parent %s has depth %" PRIu64, id, depth,
                                      parent, d->codes[p].depth);
    } else if (depth != 1) {
        return qc_xml_stream_fail(d->s, depth_attr, QC_ERR_FORMAT,
                                  "code %s has depth %" PRIu64 " but no parent (a main code has depth 1)", id, depth);
    }
    if (QC_GROW(d->codes, d->code_info_cap, d->code_count + 1))
        return qc_error_nomem(d->err);
    rc = push_id(d, &d->code_ids, &d->code_count, &d->code_cap, &d->code_map, id);
    if (rc)
        return rc;
    d->codes[d->code_count - 1] = (code_info){0, 0, depth, 0, 0, 0, 0};
    d->code.index = d->code_count - 1;
    d->code.id = d->code_ids[d->code.index];
    /* name and parent stay in their scratch buffers: nothing inside a code uses them */
    d->code.name = name ? name : "";
    d->code.parent_id = parent;
    d->code.depth = (size_t)depth;
    d->in_code = 1;
    return 0;
}

static int read_counts(rd *d, const char *elem, const attr_t *attrs, size_t n, qc_counts *c)
{
    int rc = num(d, elem, attrs, n, "hits", UINT64_MAX, &c->hits);
    if (!rc)
        rc = num(d, elem, attrs, n, "quotations", UINT64_MAX, &c->quotations);
    if (!rc)
        rc = num(d, elem, attrs, n, "respondents", UINT64_MAX, &c->respondents);
    if (!rc)
        rc = num(d, elem, attrs, n, "documents", UINT64_MAX, &c->documents);
    return rc;
}

/* A code's counts to on_counts, once the file has given them. */
static int give_counts(rd *d)
{
    if (!d->on_counts)
        return 0;
    size_t c = d->code.index;
    return d->on_counts(c, d->code_ids[c], &d->code.own, &d->code.rolled_up, d->h->user) ? cancelled(d) : 0;
}

static int end_code(rd *d)
{
    d->in_code = 0;
    code_info *ci = &d->codes[d->code.index];
    ci->own_quotations = d->code.own.quotations;
    ci->own_hits = d->code.own.hits;
    d->code.counts_known = d->format == 1;
    if (d->h->on_code && d->h->on_code(&d->code, d->h->user))
        return cancelled(d);
    return d->format == 1 ? give_counts(d) : 0;
}

static int start_group(rd *d, const attr_t *attrs, size_t n)
{
    const char *id;
    int rc = str(d, S_0, attrs, n, "id", &id);
    if (rc)
        return rc;
    if (!id)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "code in <quotations> has no id attribute");
    long c = qc_strmap_get(&d->code_map, id);
    if (c < 0)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT,
                                  "quotations of code \"%s\", which is not listed in <codes>", id);
    if (d->codes[c].grouped)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT,
                                  "the quotations of code %s are listed twice", id);
    qc_xml_stream_position(d->s, find(attrs, n, "count"), &d->group_line, &d->group_col);
    rc = num(d, "code", attrs, n, "count", UINT64_MAX, &d->group_count);
    if (rc)
        return rc;
    d->codes[c].grouped = 1;
    d->group_code = (size_t)c;
    d->group_listed = d->group_hits = 0;
    d->quotation_seen = 0;
    d->in_group = 1;
    return 0;
}

/* A code's quotations against its count and its own counts in <codes>: quotations counted once
 * each (a span listed once per coder is one quotation: the copies follow one another), hits summed. */
static int end_group(rd *d)
{
    d->in_group = 0;
    const char *id = d->code_ids[d->group_code];
    const code_info *ci = &d->codes[d->group_code];
    d->quotations_listed += d->group_listed;
    if (d->group_listed != d->group_count)
        return qc_xml_stream_fail_at(d->s, d->group_line, d->group_col, QC_ERR_FORMAT,
                                     "code %s in <quotations> has count %" PRIu64 " but lists %" PRIu64
                                     " distinct quotations",
                                     id, d->group_count, d->group_listed);
    if (d->group_count != ci->own_quotations)
        return qc_xml_stream_fail_at(d->s, d->group_line, d->group_col, QC_ERR_FORMAT,
                                     "code %s in <quotations> has count %" PRIu64 " but %" PRIu64
                                     " quotations of its own in <codes>",
                                     id, d->group_count, ci->own_quotations);
    if (d->group_hits != ci->own_hits)
        return qc_xml_stream_fail_at(d->s, d->group_line, d->group_col, QC_ERR_FORMAT,
                                     "the quotations of code %s list %" PRIu64 " hits but it has %" PRIu64
                                     " hits of its own in <codes>",
                                     id, d->group_hits, ci->own_hits);
    return 0;
}

static qc_role role_of(const attr_t *a, int *ok)
{
    static const qc_role roles[] = {QC_ROLE_PARTICIPANT, QC_ROLE_INTERVIEWER, QC_ROLE_UNKNOWN};
    for (size_t i = 0; a && i < sizeof roles / sizeof roles[0]; i++) {
        const char *name = qc_role_name(roles[i]);
        if (strlen(name) == a->len && memcmp(name, a->value, a->len) == 0) {
            *ok = 1;
            return roles[i];
        }
    }
    *ok = 0;
    return QC_ROLE_UNKNOWN;
}

static int start_quotation(rd *d, const attr_t *attrs, size_t n)
{
    const char *doc_id, *speaker, *coder;
    int rc = str(d, S_0, attrs, n, "document", &doc_id);
    if (!rc)
        rc = str(d, S_1, attrs, n, "speaker", &speaker);
    if (!rc)
        rc = str(d, S_2, attrs, n, "coder", &coder);
    if (rc)
        return rc;
    if (coder && !*coder)
        return qc_xml_stream_fail(d->s, find(attrs, n, "coder"), QC_ERR_FORMAT, "quotation coder is empty");
    if (!doc_id)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "quotation has no document attribute");
    long doc = qc_strmap_get(&d->doc_map, doc_id);
    if (doc < 0)
        return qc_xml_stream_fail(d->s, find(attrs, n, "document"), QC_ERR_FORMAT,
                                  "quotation document \"%s\" is not listed in <documents>", doc_id);
    uint64_t turn = 0, start = 0, end = 0;
    rc = num(d, "quotation", attrs, n, "turn", UINT64_MAX, &turn);
    if (!rc)
        rc = num(d, "quotation", attrs, n, "start", UINT64_MAX, &start);
    if (!rc)
        rc = num(d, "quotation", attrs, n, "end", UINT64_MAX, &end);
    if (rc)
        return rc;
    const doc_info *di = &d->docs[doc];
    if (start > end)
        return qc_xml_stream_fail(d->s, find(attrs, n, "start"), QC_ERR_FORMAT,
                                  "quotation start %" PRIu64 " is after its end %" PRIu64, start, end);
    if (end > di->length)
        return qc_xml_stream_fail(d->s, find(attrs, n, "end"), QC_ERR_FORMAT,
                                  "quotation end %" PRIu64 " is past the end of %s, whose length is %" PRIu32, end,
                                  doc_id, di->length);
    if (turn >= di->turns)
        return qc_xml_stream_fail(d->s, find(attrs, n, "turn"), QC_ERR_FORMAT,
                                  "quotation turn %" PRIu64 " is past the last turn of %s, which has %" PRIu32
                                  " turn%s",
                                  turn, doc_id, di->turns, di->turns == 1 ? "" : "s");
    const attr_t *role_attr = find(attrs, n, "role");
    int role_ok;
    qc_role role = role_of(role_attr, &role_ok);
    if (!role_attr)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "quotation has no role attribute");
    if (!role_ok) {
        char val[64];
        shown(role_attr, val);
        return qc_xml_stream_fail(d->s, role_attr, QC_ERR_FORMAT,
                                  "quotation role \"%s\" is not participant, interviewer or unknown", val);
    }
    /* The same span listed again (for another coder) is the same quotation. */
    if (!d->quotation_seen || (size_t)doc != d->q.document || start != d->q.start || end != d->q.end)
        d->group_listed++;
    d->quotation_seen = 1;
    memset(&d->q, 0, sizeof d->q);
    d->q.role = role;
    d->q.code = d->group_code;
    d->q.document = (size_t)doc;
    d->q.document_id = d->doc_ids[doc];
    d->q.speaker = speaker;
    d->q.turn = (size_t)turn;
    d->q.start = (size_t)start;
    d->q.end = (size_t)end;
    d->q_coder = coder;
    d->hit_count = 0;
    qc_buf_clear(&d->text);
    d->in_quotation = 1;
    return 0;
}

static int read_hit(rd *d, const attr_t *attrs, size_t n)
{
    uint64_t v[5];
    static const char *const names[5] = {"rule", "line", "column", "start", "end"};
    static const uint64_t max[5] = {SIZE_MAX, UINT32_MAX, UINT32_MAX, UINT64_MAX, UINT64_MAX};
    for (int i = 0; i < 5; i++) {
        int rc = num(d, "hit", attrs, n, names[i], max[i], &v[i]);
        if (rc != 0)
            return rc;
    }
    if (v[3] > v[4])
        return qc_xml_stream_fail(d->s, find(attrs, n, "start"), QC_ERR_FORMAT,
                                  "hit start %" PRIu64 " is after its end %" PRIu64, v[3], v[4]);
    if (v[3] < d->q.start)
        return qc_xml_stream_fail(d->s, find(attrs, n, "start"), QC_ERR_FORMAT,
                                  "hit start %" PRIu64 " is before its quotation's start %zu", v[3], d->q.start);
    if (v[4] > d->q.end)
        return qc_xml_stream_fail(d->s, find(attrs, n, "end"), QC_ERR_FORMAT,
                                  "hit end %" PRIu64 " is past its quotation's end %zu", v[4], d->q.end);
    if (QC_GROW(d->hits, d->hit_cap, d->hit_count + 1) != 0)
        return qc_error_nomem(d->err);
    d->hits[d->hit_count++] = (qc_hit){(size_t)v[3], (size_t)v[4], (size_t)v[0], (uint32_t)v[1], (uint32_t)v[2]};
    d->group_hits++;
    return 0;
}

static int end_quotation(rd *d)
{
    d->in_quotation = 0;
    if (qc_buf_failed(&d->text))
        return qc_error_nomem(d->err);
    /* The public handler sees the engine's quotations only, as qc_results_foreach_quotation does. */
    if (!d->on_coded && (!d->h->on_quotation || d->q_coder))
        return 0;
    d->q.text = qc_buf_cstr(&d->text);
    d->q.text_len = d->text.len;
    d->q.coder = d->q_coder;
    d->q.hit_count = d->hit_count;
    d->q.hits = d->hit_count ? d->hits : NULL;
    int stop = d->on_coded ? d->on_coded(&d->q, d->q_coder, d->coded_user) : d->h->on_quotation(&d->q, d->h->user);
    return stop ? cancelled(d) : 0;
}

/* --- format 2: spans in their documents, counts after them --- */

static int start_span(rd *d, const attr_t *attrs, size_t n)
{
    if (!d->doc_count)
        return 0;
    size_t doc = d->doc_count - 1; /* the enclosing document, read just before */
    const char *speaker;
    int rc = str(d, S_SPEAKER, attrs, n, "speaker", &speaker);
    uint64_t turn = 0, start = 0, end = 0;
    if (!rc)
        rc = num(d, "span", attrs, n, "turn", UINT64_MAX, &turn);
    if (!rc)
        rc = num(d, "span", attrs, n, "start", UINT64_MAX, &start);
    if (!rc)
        rc = num(d, "span", attrs, n, "end", UINT64_MAX, &end);
    if (rc)
        return rc;
    const doc_info *di = &d->docs[doc];
    const char *doc_id = d->doc_ids[doc];
    if (start > end)
        return qc_xml_stream_fail(d->s, find(attrs, n, "start"), QC_ERR_FORMAT,
                                  "span start %" PRIu64 " is after its end %" PRIu64, start, end);
    if (end > di->length)
        return qc_xml_stream_fail(d->s, find(attrs, n, "end"), QC_ERR_FORMAT,
                                  "span end %" PRIu64 " is past the end of %s, whose length is %" PRIu32, end, doc_id,
                                  di->length);
    if (turn >= di->turns)
        return qc_xml_stream_fail(d->s, find(attrs, n, "turn"), QC_ERR_FORMAT,
                                  "span turn %" PRIu64 " is past the last turn of %s, which has %" PRIu32 " turn%s",
                                  turn, doc_id, di->turns, di->turns == 1 ? "" : "s");
    const attr_t *role_attr = find(attrs, n, "role");
    int role_ok;
    qc_role role = role_of(role_attr, &role_ok);
    if (!role_attr)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "span has no role attribute");
    if (!role_ok) {
        char val[64];
        shown(role_attr, val);
        return qc_xml_stream_fail(d->s, role_attr, QC_ERR_FORMAT,
                                  "span role \"%s\" is not participant, interviewer or unknown", val);
    }
    memset(&d->q, 0, sizeof d->q);
    d->q.role = role;
    d->q.document = doc;
    d->q.document_id = doc_id;
    d->q.speaker = speaker;
    d->q.turn = (size_t)turn;
    d->q.start = (size_t)start;
    d->q.end = (size_t)end;
    qc_buf_clear(&d->text);
    d->in_span = 1;
    d->span_coded = 0;
    return 0;
}

/* A whole number at *p (digits, at most max), p moved past it; -1 when there is none. */
static int hit_number(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    const char *q = *p;
    uint64_t v = 0;
    for (; q < end && *q >= '0' && *q <= '9'; q++) {
        if (v > (max - (uint64_t)(*q - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*q - '0');
    }
    if (q == *p)
        return -1;
    *p = q;
    *out = v;
    return 0;
}

/* hits="rule:start-end ..." into d->hits, each inside the span. */
static int read_hits(rd *d, const attr_t *a)
{
    d->hit_count = 0;
    if (!a)
        return 0;
    const char *p = a->value, *end = a->value + a->len;
    while (p < end) {
        uint64_t rule, start, stop;
        if (hit_number(&p, end, SIZE_MAX, &rule) || p == end || *p++ != ':' ||
            hit_number(&p, end, UINT64_MAX, &start) || p == end || *p++ != '-' ||
            hit_number(&p, end, UINT64_MAX, &stop) || (p < end && *p++ != ' ') || (p == end && p[-1] == ' ')) {
            char val[64];
            shown(a, val);
            return qc_xml_stream_fail(d->s, a, QC_ERR_FORMAT,
                                      "code hits \"%s\" are not rule:start-end separated by spaces", val);
        }
        if (start > stop || start < d->q.start || stop > d->q.end)
            return qc_xml_stream_fail(d->s, a, QC_ERR_FORMAT,
                                      "a hit %" PRIu64 "-%" PRIu64 " is not inside its span %zu-%zu", start, stop,
                                      d->q.start, d->q.end);
        if (QC_GROW(d->hits, d->hit_cap, d->hit_count + 1) != 0)
            return qc_error_nomem(d->err);
        d->hits[d->hit_count++] = (qc_hit){(size_t)start, (size_t)stop, (size_t)rule, 0, 0};
    }
    return 0;
}

/* A code of the span: one quotation (a person's coding of the same span and code is the same
 * quotation, for the counts). */
static int span_code(rd *d, const attr_t *attrs, size_t n)
{
    const char *id, *coder;
    int rc = str(d, S_0, attrs, n, "id", &id);
    if (!rc)
        rc = str(d, S_1, attrs, n, "coder", &coder);
    if (rc)
        return rc;
    if (!id)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "code in a span has no id attribute");
    long c = qc_strmap_get(&d->code_map, id);
    if (c < 0)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT,
                                  "a span's code \"%s\" is not listed in <codes>", id);
    if (coder && !*coder)
        return qc_xml_stream_fail(d->s, find(attrs, n, "coder"), QC_ERR_FORMAT, "code coder is empty");
    const attr_t *hits = find(attrs, n, "hits");
    if (coder && hits)
        return qc_xml_stream_fail(d->s, hits, QC_ERR_FORMAT, "a person's coding (coder %s) has hits", coder);
    rc = read_hits(d, hits);
    if (rc)
        return rc;
    code_info *ci = &d->codes[c];
    if (!d->span_coded || d->span_code != (size_t)c)
        ci->listed++;
    ci->hits += d->hit_count;
    d->span_coded = 1;
    d->span_code = (size_t)c;
    if (qc_buf_failed(&d->text))
        return qc_error_nomem(d->err);
    if (!d->on_coded && (!d->h->on_quotation || coder))
        return 0;
    d->q.code = (size_t)c;
    d->q.text = qc_buf_cstr(&d->text);
    d->q.text_len = d->text.len;
    d->q.coder = coder;
    d->q.hit_count = d->hit_count;
    d->q.hits = d->hit_count ? d->hits : NULL;
    int stop = d->on_coded ? d->on_coded(&d->q, coder, d->coded_user) : d->h->on_quotation(&d->q, d->h->user);
    return stop ? cancelled(d) : 0;
}

static int start_counted_code(rd *d, const attr_t *attrs, size_t n)
{
    const char *id;
    int rc = str(d, S_0, attrs, n, "id", &id);
    if (rc)
        return rc;
    if (!id)
        return qc_xml_stream_fail(d->s, NULL, QC_ERR_FORMAT, "code in <counts> has no id attribute");
    long c = qc_strmap_get(&d->code_map, id);
    if (c < 0)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT,
                                  "counts of code \"%s\", which is not listed in <codes>", id);
    if (d->codes[c].counted)
        return qc_xml_stream_fail(d->s, find(attrs, n, "id"), QC_ERR_FORMAT, "the counts of code %s are listed twice",
                                  id);
    memset(&d->code.own, 0, sizeof d->code.own);
    memset(&d->code.rolled_up, 0, sizeof d->code.rolled_up);
    d->code.index = (size_t)c;
    qc_xml_stream_position(d->s, NULL, &d->group_line, &d->group_col);
    d->in_code = 1;
    return 0;
}

/* A code's own counts against what its spans listed. */
static int end_counted_code(rd *d)
{
    d->in_code = 0;
    code_info *ci = &d->codes[d->code.index];
    const char *id = d->code_ids[d->code.index];
    ci->counted = 1;
    if (ci->listed != d->code.own.quotations)
        return qc_xml_stream_fail_at(d->s, d->group_line, d->group_col, QC_ERR_FORMAT,
                                     "code %s has %" PRIu64
                                     " quotations of its own in <counts> but its spans list %" PRIu64,
                                     id, d->code.own.quotations, ci->listed);
    if (ci->hits != d->code.own.hits)
        return qc_xml_stream_fail_at(d->s, d->group_line, d->group_col, QC_ERR_FORMAT,
                                     "code %s has %" PRIu64 " hits of its own in <counts> but its spans list %" PRIu64,
                                     id, d->code.own.hits, ci->hits);
    return give_counts(d);
}

/* An element of the results namespace below a section; `level` 2 is the section's child. */
static int element_start(rd *d, int level, const char *name, const attr_t *attrs, size_t n)
{
    switch (d->sec) {
    case SEC_QUOTATIONS:
        if (level == 4 && d->in_quotation) {
            if (strcmp(name, "hit") == 0)
                return read_hit(d, attrs, n);
            if (strcmp(name, "text") == 0)
                d->in_text = 1;
        } else if (level == 3 && d->in_group && strcmp(name, "quotation") == 0) {
            return start_quotation(d, attrs, n);
        } else if (level == 2 && strcmp(name, "code") == 0) {
            return start_group(d, attrs, n);
        }
        return 0;
    case SEC_CODES:
        if (level == 3 && d->in_code && strcmp(name, "own") == 0)
            return read_counts(d, "own", attrs, n, &d->code.own);
        if (level == 3 && d->in_code && strcmp(name, "rolledUp") == 0)
            return read_counts(d, "rolledUp", attrs, n, &d->code.rolled_up);
        if (level == 2 && strcmp(name, "code") == 0)
            return start_code(d, attrs, n);
        return 0;
    case SEC_DOCUMENTS:
        if (level == 2 && strcmp(name, "document") == 0)
            return read_document(d, attrs, n);
        if (d->format == 2 && level == 3 && strcmp(name, "span") == 0)
            return start_span(d, attrs, n);
        if (level == 4 && d->in_span && strcmp(name, "text") == 0)
            d->in_text = 1;
        else if (level == 4 && d->in_span && strcmp(name, "code") == 0)
            return span_code(d, attrs, n);
        return 0;
    case SEC_COUNTS:
        if (level == 3 && d->in_code && strcmp(name, "own") == 0)
            return read_counts(d, "own", attrs, n, &d->code.own);
        if (level == 3 && d->in_code && strcmp(name, "rolledUp") == 0)
            return read_counts(d, "rolledUp", attrs, n, &d->code.rolled_up);
        if (level == 2 && strcmp(name, "code") == 0)
            return start_counted_code(d, attrs, n);
        return 0;
    case SEC_PROVENANCE: return level == 2 && strcmp(name, "codebook") == 0 ? read_provenance_codebook(d, attrs, n) : 0;
    default: return 0;
    }
}

static int element_end(rd *d, int level, const char *name)
{
    if (d->sec == SEC_QUOTATIONS) {
        if (level == 4 && strcmp(name, "text") == 0)
            d->in_text = 0;
        else if (level == 3 && d->in_quotation && strcmp(name, "quotation") == 0)
            return end_quotation(d);
        else if (level == 2 && d->in_group && strcmp(name, "code") == 0)
            return end_group(d);
    } else if (d->sec == SEC_CODES && level == 2 && d->in_code && strcmp(name, "code") == 0) {
        return end_code(d);
    } else if (d->sec == SEC_DOCUMENTS) {
        if (level == 4 && strcmp(name, "text") == 0)
            d->in_text = 0;
        else if (level == 3 && strcmp(name, "span") == 0)
            d->in_span = 0;
    } else if (d->sec == SEC_COUNTS && level == 2 && d->in_code && strcmp(name, "code") == 0) {
        return end_counted_code(d);
    }
    return 0;
}

static int on_start(void *user, qc_xml_parse *s, const char *ns, const char *name, const attr_t *attrs, size_t n)
{
    rd *d = user;
    d->s = s;
    int level = d->level++;
    if (d->skip_level >= 0)
        return 0;
    if (level == 0)
        return read_root(d, ns, name, attrs, n);
    if (!ns || strcmp(ns, d->ns) != 0) {
        d->skip_level = level; /* elements of other namespaces are extensions: skipped */
        return 0;
    }
    return level == 1 ? start_section(d, name, attrs, n) : element_start(d, level, name, attrs, n);
}

static int on_end(void *user, qc_xml_parse *s, const char *ns, const char *name)
{
    (void)ns;
    rd *d = user;
    d->s = s;
    int level = --d->level;
    if (d->skip_level >= 0) {
        if (level == d->skip_level)
            d->skip_level = -1;
        return 0;
    }
    if (level == 1)
        return end_section(d);
    if (level == 0 && d->format == 2)
        return check_all_counted(d);
    if (level == 0 && !d->seen_quotations) {
        uint32_t line, col;
        qc_xml_stream_position(s, NULL, &line, &col);
        return check_all_listed(d, line, col);
    }
    return level >= 2 ? element_end(d, level, name) : 0;
}

static int on_text(void *user, const char *s, size_t len)
{
    rd *d = user;
    if (d->in_text && d->skip_level < 0)
        qc_buf_append(&d->text, s, len);
    return 0;
}

int qc_results_read(const char *path, const qc_results_handlers *handlers, qc_error *err)
{
    return qc_results_read_coded(path, handlers, NULL, err);
}

/* qc_results_read_all: every quotation to on_quotation, q->coder telling whose. */
static int to_on_quotation(const qc_result_quotation *q, const char *coder, void *user)
{
    (void)coder; /* q->coder is the same */
    const qc_results_handlers *h = user;
    return h->on_quotation ? h->on_quotation(q, h->user) : 0;
}

static int read_results(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                        void *coded_user, qc_results_counts_fn on_counts, int header_only, qc_error *err);

int qc_results_read_all(const char *path, const qc_results_handlers *handlers, qc_error *err)
{
    return read_results(path, handlers, handlers ? to_on_quotation : NULL, (void *)handlers, NULL, 0, err);
}

int qc_results_read_all_with_counts(const char *path, const qc_results_handlers *handlers,
                                    qc_results_counts_fn on_counts, qc_error *err)
{
    return read_results(path, handlers, handlers ? to_on_quotation : NULL, (void *)handlers, on_counts, 0, err);
}

int qc_results_read_coded(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                          qc_error *err)
{
    return read_results(path, handlers, on_coded, handlers ? handlers->user : NULL, NULL, 0, err);
}

int qc_results_read_header(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                           qc_error *err)
{
    return read_results(path, handlers, on_coded, handlers ? handlers->user : NULL, NULL, 1, err);
}

static int read_results(const char *path, const qc_results_handlers *handlers, qc_coded_quotation_fn on_coded,
                        void *coded_user, qc_results_counts_fn on_counts, int header_only, qc_error *err)
{
    static const qc_results_handlers none;
    qc_error local;
    if (!err)
        err = &local;
    rd d;
    memset(&d, 0, sizeof d);
    d.path = path;
    d.h = handlers ? handlers : &none;
    d.on_coded = on_coded;
    d.coded_user = coded_user;
    d.on_counts = on_counts;
    d.err = err;
    d.header_only = header_only;
    d.skip_level = -1;
    d.code_map.fold = 0;
    d.doc_map.fold = 0;
    qc_xml_stream_handler h = {&d, on_start, on_end, on_text};
    int rc = header_only ? qc_xml_stream_file_skipping(path, "a qcode results.xml", &h, "span", err)
                         : qc_xml_stream_file(path, "a qcode results.xml", &h, err);
    if (rc == 0 && !d.seen_root)
        rc = qc_error_set(err, QC_ERR_FORMAT, path, 0, 0, -1, "not a qcode results file (no <results> element)");
    for (size_t i = 0; i < d.doc_count; i++)
        qc_free(d.doc_ids[i]);
    qc_free(d.doc_ids);
    qc_free(d.docs);
    qc_strmap_free(&d.doc_map);
    for (size_t i = 0; i < d.code_count; i++)
        qc_free(d.code_ids[i]);
    qc_free(d.code_ids);
    qc_free(d.codes);
    qc_strmap_free(&d.code_map);
    for (int i = 0; i < S_COUNT; i++)
        qc_buf_free(&d.scratch[i]);
    qc_buf_free(&d.text);
    qc_free(d.hits);
    return rc;
}
