/* Checking REFI-QDA files: the XSD (when the schemas are at hand), then what the XSD cannot see,
 * which is where exchange breaks in practice: GUIDs that repeat, references to nothing, and
 * selections that do not sit on their text. */
#include <libxml/xmlschemas.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "refi_guid.h"
#include "refi_project.h"
#include "refi_xml.h"

typedef struct checker {
    qc_diagnostic_fn fn;
    void *user;
    const char *file;
    qc_refi_check_result *res;
} checker;

static void finding(checker *c, qc_severity sev, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finding(checker *c, qc_severity sev, uint32_t line, const char *fmt, ...)
{
    if (sev == QC_SEVERITY_ERROR)
        c->res->errors++;
    else
        c->res->warnings++;
    if (!c->fn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    qc_diagnostic d = {sev, c->file, line, 0, 1, msg, NULL, 0, 0};
    c->fn(&d, c->user);
}

/* Warnings of the loader count as warnings, passed on. */
static void pass_on(const qc_diagnostic *d, void *user)
{
    checker *c = user;
    c->res->warnings++;
    if (c->fn)
        c->fn(d, c->user);
}

static void schema_error(void *ctx, xmlErrorPtr e)
{
    checker *c = ctx;
    char msg[600];
    snprintf(msg, sizeof msg, "schema: %s", e && e->message ? e->message : "invalid");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    finding(c, QC_SEVERITY_ERROR, e && e->line > 0 ? (uint32_t)e->line : 0, "%s", msg);
}

/* The first error of a schema's parse, for the message. */
static void first_schema_error(void *ctx, xmlErrorPtr e)
{
    char *first = ctx;
    if (first[0] || !e || !e->message)
        return;
    snprintf(first, 512, "%s", e->message);
    size_t n = strlen(first);
    while (n && (first[n - 1] == '\n' || first[n - 1] == ' '))
        first[--n] = '\0';
}

/* dir/xsd, read and parsed through the project's own XML path, so that a missing, unreadable or
 * malformed schema is one error naming the file and why (libxml2's own loader printed an "I/O
 * warning" or a parser error to stderr, then "cannot read the schema"). *doc outlives *schema. */
static int load_schema(const char *schema_dir, const char *xsd, xmlDocPtr *doc, xmlSchemaPtr *schema, qc_error *err)
{
    *doc = NULL;
    *schema = NULL;
    qc_buf path = QC_BUF_INIT;
    qc_buf_printf(&path, "%s/%s", schema_dir, xsd);
    if (qc_buf_failed(&path))
        return qc_error_nomem(err);
    char *data = NULL;
    size_t size = 0;
    int rc = qc_file_read(path.data, (size_t)64 << 20, &data, &size, err);
    if (rc == 0)
        rc = qc_refi_xml_parse(data, size, path.data, NULL, doc, err);
    qc_free(data);
    if (rc == 0) {
        char first[512] = "";
        xmlSchemaParserCtxtPtr pc = xmlSchemaNewDocParserCtxt(*doc);
        if (!pc) {
            rc = qc_error_nomem(err);
        } else {
            xmlSchemaSetParserStructuredErrors(pc, first_schema_error, first);
            *schema = xmlSchemaParse(pc);
            xmlSchemaFreeParserCtxt(pc);
            if (!*schema)
                rc = qc_error_set(err, QC_ERR_FORMAT, path.data, 0, 0, -1, "not a usable XML schema: %s",
                                  first[0] ? first : "libxml2 could not compile it");
        }
    }
    if (rc != 0 && *doc) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    qc_buf_free(&path);
    return rc;
}

static void unload_schema(xmlDocPtr doc, xmlSchemaPtr schema)
{
    if (schema)
        xmlSchemaFree(schema);
    if (doc)
        xmlFreeDoc(doc);
}

static int validate(checker *c, xmlDocPtr doc, const char *schema_dir, const char *xsd, qc_error *err)
{
    xmlDocPtr schema_doc;
    xmlSchemaPtr schema;
    int rc = load_schema(schema_dir, xsd, &schema_doc, &schema, err);
    if (rc != 0)
        return rc;
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    if (!vc) {
        rc = qc_error_nomem(err);
    } else {
        xmlSchemaSetValidStructuredErrors(vc, schema_error, c);
        xmlSchemaValidateDoc(vc, doc);
        xmlSchemaFreeValidCtxt(vc);
    }
    unload_schema(schema_doc, schema);
    return rc;
}

int qc_refi_schemas_check(const char *schema_dir, qc_error *err)
{
    if (!schema_dir)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no schema folder given");
    static const char *const names[] = {"Project.xsd", "Codebook.xsd"};
    for (size_t i = 0; i < 2; i++) {
        xmlDocPtr doc;
        xmlSchemaPtr schema;
        int rc = load_schema(schema_dir, names[i], &doc, &schema, err);
        if (rc != 0)
            return rc;
        unload_schema(doc, schema);
    }
    return QC_OK;
}

/* --- GUIDs and references --- */

typedef struct guid_table {
    qc_refi_index ix;
    char (*guids)[QC_GUID_SIZE];
    xmlNodePtr *nodes;
    size_t count, cap;
} guid_table;

static int collect_guids(checker *c, guid_table *t, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        /* Out of memory stops the check: taken for absent, the GUID would be left out and every
         * reference to it reported as "refers to nothing in the file". */
        char *raw = NULL;
        if (qc_refi_xml_copy_attr(n, "guid", &raw) != 0)
            return -1;
        if (raw) {
            size_t cap2 = t->cap;
            if (QC_GROW(t->guids, t->cap, t->count + 1) != 0 || QC_GROW(t->nodes, cap2, t->count + 1) != 0) {
                qc_free(raw);
                return -1;
            }
            if (qc_refi_guid_or_derive(raw, t->guids[t->count]) < 0) {
                qc_free(raw);
                return -1;
            }
            t->nodes[t->count++] = n;
            qc_free(raw);
        }
        if (collect_guids(c, t, n->children) != 0)
            return -1;
    }
    return 0;
}

/* What kind of element a reference must reach. */
static int kind_fits(const char *ref, const char *target)
{
    if (strcmp(ref, "CodeRef") == 0 || strcmp(ref, "MemberCode") == 0)
        return strcmp(target, "Code") == 0;
    if (strcmp(ref, "VariableRef") == 0)
        return strcmp(target, "Variable") == 0;
    if (strcmp(ref, "SourceRef") == 0 || strcmp(ref, "MemberSource") == 0)
        return strstr(target, "Source") != NULL;
    if (strcmp(ref, "NoteRef") == 0 || strcmp(ref, "MemberNote") == 0)
        return strcmp(target, "Note") == 0;
    if (strcmp(ref, "SelectionRef") == 0)
        return strstr(target, "Selection") != NULL;
    if (strcmp(ref, "User") == 0)
        return strcmp(target, "User") == 0;
    return 1;
}

/* -1 when out of memory: a reference whose copy failed would be passed over unchecked. */
static int check_ref(checker *c, guid_table *t, xmlNodePtr n, const char *attr, const char *kind)
{
    char *raw = NULL;
    if (qc_refi_xml_copy_attr(n, attr, &raw) != 0)
        return -1;
    if (!raw)
        return 0;
    char g[QC_GUID_SIZE];
    int derived = qc_refi_guid_or_derive(raw, g);
    if (derived >= 0) {
        int32_t i = qc_refi_index_get(&t->ix, g);
        if (i < 0)
            finding(c, QC_SEVERITY_ERROR, qc_refi_xml_line(n), "<%s> %s=\"%s\" refers to nothing in the file",
                    (const char *)n->name, attr, raw);
        else if (!kind_fits(kind, (const char *)t->nodes[i]->name))
            finding(c, QC_SEVERITY_ERROR, qc_refi_xml_line(n), "<%s> %s=\"%s\" refers to a <%s> (line %u)",
                    (const char *)n->name, attr, raw, (const char *)t->nodes[i]->name, qc_refi_xml_line(t->nodes[i]));
    }
    qc_free(raw);
    return derived < 0 ? -1 : 0;
}

static int check_refs(checker *c, guid_table *t, xmlNodePtr n)
{
    static const char *const user_attrs[] = {"creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID"};
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (qc_refi_xml_has(n, "targetGUID") && check_ref(c, t, n, "targetGUID", name) != 0)
            return -1;
        if (strcmp(name, "MemberCode") == 0 && qc_refi_xml_has(n, "guid") && check_ref(c, t, n, "guid", name) != 0)
            return -1; /* the codebook schema's form */
        for (size_t k = 0; k < 4; k++)
            if (qc_refi_xml_has(n, user_attrs[k]) && check_ref(c, t, n, user_attrs[k], "User") != 0)
                return -1;
        if (check_refs(c, t, n->children) != 0)
            return -1;
    }
    return 0;
}

static int check_tree(checker *c, xmlDocPtr doc, qc_error *err)
{
    guid_table t;
    memset(&t, 0, sizeof t);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = collect_guids(c, &t, root) != 0 || qc_refi_index_init(&t.ix, t.count) != 0 ? qc_error_nomem(err) : 0;
    for (size_t i = 0; i < t.count && rc == 0; i++) {
        /* MemberCode's guid (codebook form) is a reference, not an identity. */
        if (strcmp((const char *)t.nodes[i]->name, "MemberCode") == 0)
            continue;
        int r = qc_refi_index_put(&t.ix, t.guids[i], (int32_t)i);
        if (r < 0) {
            rc = qc_error_nomem(err);
        } else if (r == 1) {
            xmlNodePtr first = t.nodes[qc_refi_index_get(&t.ix, t.guids[i])];
            finding(c, QC_SEVERITY_ERROR, qc_refi_xml_line(t.nodes[i]), "<%s> repeats GUID %s of <%s> on line %u",
                    (const char *)t.nodes[i]->name, t.guids[i], (const char *)first->name, qc_refi_xml_line(first));
        }
    }
    if (rc == 0 && check_refs(c, &t, root) != 0)
        rc = qc_error_nomem(err);
    qc_refi_index_free(&t.ix);
    qc_free(t.guids);
    qc_free(t.nodes);
    return rc;
}

/* A .qdc, or a temporary one waiting in a commit set (NAME.qdc.tmp-XXXXXX: qc_outputs_pending,
 * which `qcode export --check --qdc` checks before it replaces its target). */
static int is_codebook(const char *path)
{
    size_t n = strlen(path);
    if (n > 11 && strncmp(path + n - 11, ".tmp-", 5) == 0)
        n -= 11;
    return n > 4 && strncasecmp(path + n - 4, ".qdc", 4) == 0;
}

int qc_refi_check(const char *path, const qc_refi_options *opts, qc_refi_check_result *result, qc_error *err)
{
    qc_refi_check_result local;
    if (!result)
        result = &local;
    memset(result, 0, sizeof *result);
    if (!path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no file to check");
    checker c = {opts ? opts->on_warning : NULL, opts ? opts->user : NULL, path, result};
    const char *schema_dir = opts ? opts->schema_dir : NULL;
    xmlDocPtr doc = NULL;
    int rc;
    if (is_codebook(path)) {
        char *data = NULL;
        size_t size = 0;
        rc = qc_file_read(path, (size_t)64 << 20, &data, &size, err);
        if (rc == 0)
            rc = qc_refi_xml_parse(data, size, path, NULL, &doc, err);
        qc_free(data);
        if (rc == 0 && schema_dir)
            rc = validate(&c, doc, schema_dir, "Codebook.xsd", err);
    } else {
        qc_refi_options lo = QC_REFI_OPTIONS_INIT;
        lo.on_warning = pass_on;
        lo.user = &c;
        qc_refi_loaded st;
        rc = qc_refi_project_load(&st, path, &lo, err);
        if (rc == 0) {
            /* The loader reported misplaced selections (as warnings, with their lines): they count
             * as errors here. */
            result->errors += st.problems;
            result->warnings -= st.problems <= result->warnings ? st.problems : result->warnings;
            c.file = st.log_file;
            rc = qc_refi_xml_parse(st.qde, st.qde_size, path, st.part, &doc, err);
        }
        if (rc == 0 && schema_dir)
            rc = validate(&c, doc, schema_dir, "Project.xsd", err);
        if (rc == 0)
            rc = check_tree(&c, doc, err);
        if (doc)
            xmlFreeDoc(doc);
        doc = NULL;
        qc_refi_project_unload(&st);
        return rc;
    }
    if (rc == 0)
        rc = check_tree(&c, doc, err);
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}
