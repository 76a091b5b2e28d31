/* Writing the model as project.qde. Element order follows Project.xsd's xsd:sequence exactly
 * (Users, CodeBook, Variables, Cases, Sources, Notes, Links, Sets, Graphs, Description), because
 * NVivo and the schema both refuse any other. Output is byte-for-byte deterministic. */
#include <string.h>

#include "error.h"
#include "refi_qdc.h"
#include "refi_qde.h"

static void attr(qc_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    qc_buf_printf(b, " %s=\"", name);
    qc_refi_xml_escape(b, value, 1);
    qc_buf_putc(b, '"');
}

static const char *value_element(const char *type)
{
    if (!type)
        return "TextValue";
    if (strcmp(type, "Boolean") == 0)
        return "BooleanValue";
    if (strcmp(type, "Integer") == 0)
        return "IntegerValue";
    if (strcmp(type, "Float") == 0)
        return "FloatValue";
    if (strcmp(type, "Date") == 0)
        return "DateValue";
    if (strcmp(type, "DateTime") == 0)
        return "DateTimeValue";
    return "TextValue";
}

static void write_values(qc_buf *b, const qc_refi_model *m, const qc_refi_value *v, size_t n, const char *pad)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].variable < 0)
            continue;
        const qc_refi_variable *var = &m->variables[v[i].variable];
        const char *el = value_element(var->type);
        qc_buf_printf(b, "%s<VariableValue>\n%s  <VariableRef targetGUID=\"%s\"/>\n%s  <%s>", pad, pad, var->guid, pad,
                      el);
        qc_refi_xml_escape(b, v[i].value, 0);
        qc_buf_printf(b, "</%s>\n%s</VariableValue>\n", el, pad);
    }
}

int qc_refi_write_qde(const qc_refi_model *m, qc_buf *b, qc_error *err)
{
    qc_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\"");
    attr(b, "name", m->name ? m->name : "qcode project");
    attr(b, "origin", m->origin);
    if (m->creating_user[0])
        attr(b, "creatingUserGUID", m->creating_user);
    attr(b, "creationDateTime", m->created);
    qc_buf_puts(b, ">\n");

    if (m->user_count) {
        qc_buf_puts(b, "  <Users>\n");
        for (size_t i = 0; i < m->user_count; i++) {
            qc_buf_printf(b, "    <User guid=\"%s\"", m->users[i].guid);
            attr(b, "name", m->users[i].name);
            qc_buf_puts(b, "/>\n");
        }
        qc_buf_puts(b, "  </Users>\n");
    }
    if (m->code_count) {
        qc_buf_puts(b, "  <CodeBook>\n");
        qc_refi_write_codes(b, m, 4);
        qc_buf_puts(b, "  </CodeBook>\n");
    }
    if (m->variable_count) {
        qc_buf_puts(b, "  <Variables>\n");
        for (size_t i = 0; i < m->variable_count; i++) {
            qc_buf_printf(b, "    <Variable guid=\"%s\"", m->variables[i].guid);
            attr(b, "name", m->variables[i].name);
            attr(b, "typeOfVariable", m->variables[i].type ? m->variables[i].type : "Text");
            qc_buf_puts(b, "/>\n");
        }
        qc_buf_puts(b, "  </Variables>\n");
    }
    if (m->case_count) {
        qc_buf_puts(b, "  <Cases>\n");
        for (size_t i = 0; i < m->case_count; i++) {
            const qc_refi_case *c = &m->cases[i];
            qc_buf_printf(b, "    <Case guid=\"%s\"", c->guid);
            attr(b, "name", c->name);
            if (!c->value_count && !c->source_count) {
                qc_buf_puts(b, "/>\n");
                continue;
            }
            qc_buf_puts(b, ">\n");
            write_values(b, m, c->values, c->value_count, "      ");
            for (size_t k = 0; k < c->source_count; k++)
                qc_buf_printf(b, "      <SourceRef targetGUID=\"%s\"/>\n", m->sources[c->sources[k]].guid);
            qc_buf_puts(b, "    </Case>\n");
        }
        qc_buf_puts(b, "  </Cases>\n");
    }
    if (m->source_count) {
        qc_buf_puts(b, "  <Sources>\n");
        size_t sel = 0, cod = 0;
        for (size_t i = 0; i < m->source_count; i++) {
            const qc_refi_source *s = &m->sources[i];
            qc_buf_printf(b, "    <TextSource guid=\"%s\"", s->guid);
            attr(b, "name", s->name);
            attr(b, "plainTextPath", s->path);
            if (s->creating_user[0])
                attr(b, "creatingUser", s->creating_user);
            attr(b, "creationDateTime", s->created);
            int has_sel = sel < m->selection_count && m->selections[sel].source == (int32_t)i;
            if (!has_sel && !s->value_count) {
                qc_buf_puts(b, "/>\n");
                continue;
            }
            qc_buf_puts(b, ">\n");
            for (; sel < m->selection_count && m->selections[sel].source == (int32_t)i; sel++) {
                const qc_refi_selection *x = &m->selections[sel];
                qc_buf_printf(b, "      <PlainTextSelection guid=\"%s\"", x->guid);
                attr(b, "name", x->name);
                qc_buf_printf(b, " startPosition=\"%lld\" endPosition=\"%lld\"", (long long)x->start,
                              (long long)x->end);
                if (x->creating_user[0])
                    attr(b, "creatingUser", x->creating_user);
                attr(b, "creationDateTime", x->created);
                qc_buf_puts(b, ">\n");
                for (; cod < m->coding_count && m->codings[cod].selection == (int32_t)sel; cod++) {
                    const qc_refi_coding *c = &m->codings[cod];
                    qc_buf_printf(b, "        <Coding guid=\"%s\"", c->guid);
                    if (c->creating_user[0])
                        attr(b, "creatingUser", c->creating_user);
                    attr(b, "creationDateTime", c->created);
                    qc_buf_printf(b, ">\n          <CodeRef targetGUID=\"%s\"/>\n        </Coding>\n", c->code_guid);
                }
                qc_buf_puts(b, "      </PlainTextSelection>\n");
            }
            write_values(b, m, s->values, s->value_count, "      ");
            qc_buf_puts(b, "    </TextSource>\n");
        }
        qc_buf_puts(b, "  </Sources>\n");
    }
    if (m->header) {
        qc_buf_printf(b, "  <Sets>\n    <Set guid=\"%s\" name=\"" QC_REFI_HEADER_SET "\">\n      <Description>",
                      m->header_guid);
        qc_refi_xml_escape(b, QC_REFI_HEADER_MARK "\n", 0);
        qc_refi_xml_escape(b, m->header, 0);
        qc_buf_puts(b, "</Description>\n    </Set>\n  </Sets>\n");
    }
    if (m->description) {
        qc_buf_puts(b, "  <Description>");
        qc_refi_xml_escape(b, m->description, 0);
        qc_buf_puts(b, "</Description>\n");
    }
    qc_buf_puts(b, "</Project>\n");
    return qc_buf_failed(b) ? qc_error_nomem(err) : 0;
}
