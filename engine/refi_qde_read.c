/* Reading project.qde into the REFI model. Only the parts qcode can use are kept; what is left out
 * is said in a warning, never silently. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "refi_guid.h"
#include "refi_qdc.h"
#include "refi_qde.h"

#define PROJECT_NS "urn:QDA-XML:project:1.0"

/* Reads a GUID attribute into out; a missing or non-GUID value is warned about (what it is, its
 * line) and replaced by a GUID derived from the text. -1 when out of memory. */
static int read_guid(xmlNodePtr el, const char *attr, char out[QC_GUID_SIZE], int required, qc_refi_log *log)
{
    char *raw = NULL;
    out[0] = '\0';
    if (qc_refi_xml_copy_attr(el, attr, &raw) != 0)
        return -1;
    if (!raw) {
        if (required)
            qc_refi_warn(log, qc_refi_xml_line(el), "<%s> has no %s", (const char *)el->name, attr);
        return 0;
    }
    int r = qc_refi_guid_or_derive(raw, out);
    qc_refi_note_guid(log, raw, qc_refi_xml_line(el));
    if (r == 1)
        qc_refi_warn(log, qc_refi_xml_line(el), "<%s> %s '%s' is not a GUID (accepted as an identifier)",
                     (const char *)el->name, attr, raw);
    qc_free(raw);
    return r < 0 ? -1 : 0;
}

static int read_users(qc_refi_model *m, xmlNodePtr users, qc_refi_log *log)
{
    for (xmlNodePtr u = qc_refi_xml_child(users, "User"); u; u = qc_refi_xml_next(u, "User")) {
        qc_refi_user *user = qc_refi_add_user(m);
        if (!user || read_guid(u, "guid", user->guid, 1, log) != 0 ||
            qc_refi_xml_copy_attr(u, "name", &user->name) != 0)
            return -1;
        user->line = qc_refi_xml_line(u);
        if (!user->name && qc_refi_xml_copy_attr(u, "id", &user->name) != 0)
            return -1;
    }
    return 0;
}

static int read_variables(qc_refi_model *m, xmlNodePtr vars, qc_refi_log *log)
{
    for (xmlNodePtr v = qc_refi_xml_child(vars, "Variable"); v; v = qc_refi_xml_next(v, "Variable")) {
        qc_refi_variable *var = qc_refi_add_variable(m);
        if (!var || read_guid(v, "guid", var->guid, 1, log) != 0 || qc_refi_xml_copy_attr(v, "name", &var->name) != 0 ||
            qc_refi_xml_copy_attr(v, "typeOfVariable", &var->type) != 0)
            return -1;
        var->line = qc_refi_xml_line(v);
        if (!var->name && !(var->name = qc_strdup("variable")))
            return -1;
    }
    return 0;
}

/* A VariableValue: its VariableRef's GUID (looked up later, so kept in the value text until then
 * is awkward): we resolve against the variables read so far, which precede cases and sources. */
static int read_value(qc_refi_model *m, xmlNodePtr vv, qc_refi_value **values, size_t *count, size_t *cap,
                      qc_refi_log *log)
{
    xmlNodePtr ref = qc_refi_xml_child(vv, "VariableRef");
    char g[QC_GUID_SIZE] = "";
    if (ref && read_guid(ref, "targetGUID", g, 1, log) != 0)
        return -1;
    int32_t var = -1;
    for (size_t i = 0; i < m->variable_count && g[0]; i++)
        if (strcmp(m->variables[i].guid, g) == 0)
            var = (int32_t)i;
    if (var < 0) {
        qc_refi_warn(log, qc_refi_xml_line(vv), "<VariableValue> refers to no <Variable> (%s): skipped",
                     g[0] ? g : "no VariableRef");
        return 0;
    }
    xmlNodePtr val = ref ? qc_refi_xml_next(ref, NULL) : NULL;
    char *text = val ? qc_refi_xml_text(val) : qc_strdup("");
    if (!text)
        return -1;
    int rc = qc_refi_add_value(values, count, cap, var, text);
    qc_free(text);
    return rc;
}

static int read_cases(qc_refi_model *m, xmlNodePtr cases, qc_refi_log *log)
{
    for (xmlNodePtr c = qc_refi_xml_child(cases, "Case"); c; c = qc_refi_xml_next(c, "Case")) {
        qc_refi_case *cs = qc_refi_add_case(m);
        if (!cs || read_guid(c, "guid", cs->guid, 1, log) != 0 || qc_refi_xml_copy_attr(c, "name", &cs->name) != 0)
            return -1;
        cs->line = qc_refi_xml_line(c);
        size_t index = m->case_count - 1;
        for (xmlNodePtr vv = qc_refi_xml_child(c, "VariableValue"); vv; vv = qc_refi_xml_next(vv, "VariableValue")) {
            qc_refi_case *k = &m->cases[index];
            if (read_value(m, vv, &k->values, &k->value_count, &k->value_cap, log) != 0)
                return -1;
        }
    }
    return 0;
}

/* Each case's SourceRefs, once the sources are read (they follow the cases in the file). A
 * reference to anything but a text source read here (a PDF, a picture) is left out: those are not
 * imported, and the checker reports references that resolve to nothing. */
static int read_case_sources(qc_refi_model *m, xmlNodePtr cases, qc_refi_log *log)
{
    qc_refi_index ix = {0};
    if (qc_refi_index_init(&ix, m->source_count) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < m->source_count && rc == 0; i++)
        rc = qc_refi_index_put(&ix, m->sources[i].guid, (int32_t)i) < 0 ? -1 : 0;
    size_t index = 0;
    for (xmlNodePtr c = qc_refi_xml_child(cases, "Case"); c && rc == 0 && index < m->case_count;
         c = qc_refi_xml_next(c, "Case"), index++) {
        qc_refi_case *cs = &m->cases[index];
        for (xmlNodePtr r = qc_refi_xml_child(c, "SourceRef"); r && rc == 0; r = qc_refi_xml_next(r, "SourceRef")) {
            char g[QC_GUID_SIZE] = "";
            if (read_guid(r, "targetGUID", g, 1, log) != 0) {
                rc = -1;
                break;
            }
            int32_t s = g[0] ? qc_refi_index_get(&ix, g) : -1;
            if (s < 0)
                continue;
            if (QC_GROW(cs->sources, cs->source_cap, cs->source_count + 1) != 0)
                rc = -1;
            else
                cs->sources[cs->source_count++] = s;
        }
    }
    qc_refi_index_free(&ix);
    return rc;
}

static int read_coding(qc_refi_model *m, xmlNodePtr co, int32_t selection, qc_refi_log *log)
{
    qc_refi_coding *c = qc_refi_add_coding(m);
    if (!c)
        return -1;
    c->selection = selection;
    c->line = qc_refi_xml_line(co);
    if (read_guid(co, "guid", c->guid, 1, log) != 0 || read_guid(co, "creatingUser", c->creating_user, 0, log) != 0 ||
        qc_refi_xml_copy_attr(co, "creationDateTime", &c->created) != 0)
        return -1;
    xmlNodePtr ref = qc_refi_xml_child(co, "CodeRef");
    if (!ref) {
        qc_refi_warn(log, c->line, "<Coding> without a <CodeRef>: skipped");
        return 0;
    }
    return read_guid(ref, "targetGUID", c->code_guid, 1, log);
}

static int parse_position(xmlNodePtr el, const char *attr, int64_t *out, qc_refi_log *log)
{
    char *s = NULL;
    if (qc_refi_xml_copy_attr(el, attr, &s) != 0)
        return -1;
    if (!s) {
        qc_refi_warn(log, qc_refi_xml_line(el), "<PlainTextSelection> has no %s: skipped", attr);
        *out = QC_REFI_NO_POSITION;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    /* ERANGE: 99999999999999999999 was read as 9223372036854775807 without a word. */
    if (end == s || *end != '\0' || v < 0 || errno == ERANGE) {
        qc_refi_warn(log, qc_refi_xml_line(el), "<PlainTextSelection> %s=\"%s\" is not a position: skipped", attr, s);
        v = QC_REFI_NO_POSITION;
    }
    qc_free(s);
    *out = v;
    return 0;
}

static int read_text_source(qc_refi_model *m, xmlNodePtr ts, qc_refi_log *log)
{
    qc_refi_source *src = qc_refi_add_source(m);
    if (!src)
        return -1;
    int32_t index = (int32_t)(m->source_count - 1);
    src->line = qc_refi_xml_line(ts);
    if (read_guid(ts, "guid", src->guid, 1, log) != 0 || qc_refi_xml_copy_attr(ts, "name", &src->name) != 0 ||
        qc_refi_xml_copy_attr(ts, "plainTextPath", &src->path) != 0 ||
        qc_refi_xml_copy_attr(ts, "creationDateTime", &src->created) != 0 ||
        read_guid(ts, "creatingUser", src->creating_user, 0, log) != 0)
        return -1;
    xmlNodePtr content = qc_refi_xml_child(ts, "PlainTextContent");
    if (content) {
        src->text = qc_refi_xml_text(content);
        if (!src->text)
            return -1;
        src->text_size = strlen(src->text);
    }
    for (xmlNodePtr vv = qc_refi_xml_child(ts, "VariableValue"); vv; vv = qc_refi_xml_next(vv, "VariableValue")) {
        qc_refi_source *s = &m->sources[index];
        if (read_value(m, vv, &s->values, &s->value_count, &s->value_cap, log) != 0)
            return -1;
    }
    for (xmlNodePtr sel = qc_refi_xml_child(ts, "PlainTextSelection"); sel;
         sel = qc_refi_xml_next(sel, "PlainTextSelection")) {
        qc_refi_selection *s = qc_refi_add_selection(m);
        if (!s)
            return -1;
        int32_t sindex = (int32_t)(m->selection_count - 1);
        s->source = index;
        s->line = qc_refi_xml_line(sel);
        if (read_guid(sel, "guid", s->guid, 1, log) != 0 || qc_refi_xml_copy_attr(sel, "name", &s->name) != 0 ||
            read_guid(sel, "creatingUser", s->creating_user, 0, log) != 0 ||
            qc_refi_xml_copy_attr(sel, "creationDateTime", &s->created) != 0 ||
            parse_position(sel, "startPosition", &s->start, log) != 0 ||
            parse_position(sel, "endPosition", &m->selections[sindex].end, log) != 0)
            return -1;
        for (xmlNodePtr co = qc_refi_xml_child(sel, "Coding"); co; co = qc_refi_xml_next(co, "Coding"))
            if (read_coding(m, co, sindex, log) != 0)
                return -1;
    }
    /* Codings of the whole source. */
    for (xmlNodePtr co = qc_refi_xml_child(ts, "Coding"); co; co = qc_refi_xml_next(co, "Coding")) {
        qc_refi_selection *s = qc_refi_add_selection(m);
        if (!s)
            return -1;
        int32_t sindex = (int32_t)(m->selection_count - 1);
        s->source = index;
        s->line = qc_refi_xml_line(co);
        s->start = 0;
        s->end = -1;
        if (qc_refi_guidf(s->guid, "whole-source:%s", m->sources[index].guid) != 0 ||
            read_coding(m, co, sindex, log) != 0)
            return -1;
    }
    return 0;
}

static int read_sources(qc_refi_model *m, xmlNodePtr sources, qc_refi_log *log)
{
    size_t other = 0;
    for (xmlNodePtr s = qc_refi_xml_child(sources, NULL); s; s = qc_refi_xml_next(s, NULL)) {
        if (qc_refi_xml_is(s, "TextSource")) {
            if (read_text_source(m, s, log) != 0)
                return -1;
        } else {
            other++;
        }
    }
    if (other)
        qc_refi_warn(log, qc_refi_xml_line(sources),
                     "%zu source(s) that are not text (pictures, PDF, audio, video) are not imported", other);
    return 0;
}

int qc_refi_read_qde(qc_refi_model *m, const char *data, size_t size, const char *file, const char *part,
                     qc_refi_log *log, qc_error *err)
{
    xmlDocPtr doc = NULL;
    int rc = qc_refi_xml_parse(data, size, file, part, &doc, err);
    if (rc != 0)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!qc_refi_xml_is(root, "Project")) {
        /* The position names the file once, and the entry when there is one (its line is the
         * entry's, as with the parser's own errors): "x.qdpx:project.qde:2: error: ...". */
        char where[QC_ERROR_FILE_MAX];
        snprintf(where, sizeof where, "%s%s%s", file ? file : "", part ? ":" : "", part ? part : "");
        rc = qc_error_set(err, QC_ERR_FORMAT, where, qc_refi_xml_line(root), 0, -1,
                          "the root element is <%s>, not <Project>: not a REFI-QDA project", (const char *)root->name);
        xmlFreeDoc(doc);
        return rc;
    }
    const char *href = root->ns && root->ns->href ? (const char *)root->ns->href : NULL;
    if (!href || strcmp(href, PROJECT_NS) != 0)
        qc_refi_warn(log, qc_refi_xml_line(root), "<Project> namespace '%s' read as " PROJECT_NS,
                     href ? href : "(none)");
    int nomem = qc_refi_xml_copy_attr(root, "name", &m->name) != 0 ||
                qc_refi_xml_copy_attr(root, "origin", &m->origin) != 0 ||
                qc_refi_xml_copy_attr(root, "creationDateTime", &m->created) != 0 ||
                read_guid(root, "creatingUserGUID", m->creating_user, 0, log) != 0;
    if (!nomem)
        nomem = read_users(m, qc_refi_xml_child(root, "Users"), log) != 0;
    xmlNodePtr cbk = qc_refi_xml_child(root, "CodeBook");
    if (!nomem && cbk) {
        rc = qc_refi_read_codes(m, qc_refi_xml_child(cbk, "Codes"), log, err);
        if (rc != 0) {
            xmlFreeDoc(doc);
            return rc;
        }
    }
    if (!nomem)
        nomem = read_variables(m, qc_refi_xml_child(root, "Variables"), log) != 0 ||
                read_cases(m, qc_refi_xml_child(root, "Cases"), log) != 0 ||
                read_sources(m, qc_refi_xml_child(root, "Sources"), log) != 0 ||
                read_case_sources(m, qc_refi_xml_child(root, "Cases"), log) != 0;
    if (!nomem)
        nomem = qc_refi_read_header_set(m, qc_refi_xml_child(root, "Sets"), log) != 0 ||
                qc_refi_read_document_groups(m, qc_refi_xml_child(root, "Sets"), log) != 0;
    if (!nomem) {
        xmlNodePtr d = qc_refi_xml_child(root, "Description");
        if (d && !(m->description = qc_refi_xml_text(d)))
            nomem = 1;
    }
    qc_refi_flush_guid_note(log);
    if (!nomem && qc_refi_xml_child(root, "Notes"))
        qc_refi_warn(log, qc_refi_xml_line(qc_refi_xml_child(root, "Notes")), "notes (memos) are not imported");
    xmlFreeDoc(doc);
    return nomem ? qc_error_nomem(err) : 0;
}
