/* Document groups named "attribute: value" as document variables. ATLAS.ti carries a document's
 * attributes that way (its REFI-QDA export writes a <Set> named "gender: male" whose
 * <MemberSource>s are the documents): read as such, they become document rows of cases.tsv like
 * MAXQDA's document variables, instead of "sets not imported" and the attributes lost. */
#include <string.h>

#include "refi_qdc.h"

#include "alloc.h"
#include "refi_guid.h"
#include "refi_xml.h"
#include "text.h"

/* The attribute and value of a set's name (its trailing blanks trimmed), "key: value" or
 * "key::value" (one colon or two, blanks around them left out), both non-empty; 0 when the name is
 * no such pair. */
static int split_pair(const char *name, size_t *key_len, const char **value)
{
    const char *colon = strchr(name, ':');
    if (!colon)
        return 0;
    size_t k = (size_t)(colon - name);
    while (k > 0 && (name[k - 1] == ' ' || name[k - 1] == '\t'))
        k--;
    const char *v = colon + 1 + (colon[1] == ':');
    while (*v == ' ' || *v == '\t')
        v++;
    *key_len = k;
    *value = v;
    return k > 0 && *v;
}

int qc_refi_set_is_document_group(xmlNodePtr set, char **name)
{
    *name = NULL;
    if (!qc_refi_xml_child(set, "MemberSource"))
        return 0;
    if (qc_refi_xml_copy_attr(set, "name", name) != 0)
        return -1;
    size_t n = *name ? strlen(*name) : 0, k;
    while (n > 0 && ((*name)[n - 1] == ' ' || (*name)[n - 1] == '\t'))
        (*name)[--n] = '\0';
    const char *v;
    if (*name && split_pair(*name, &k, &v))
        return 1;
    qc_free(*name);
    *name = NULL;
    return 0;
}

/* The variable named key (compared as the casebook compares column names, qc_fold_equal: `Région`
 * and `RÉGION` are one), added as Text when the project has none. -1 when out of memory. */
static long variable_named(qc_refi_model *m, const char *key, size_t len)
{
    for (size_t i = 0; i < m->variable_count; i++)
        if (m->variables[i].name && qc_fold_equal(m->variables[i].name, strlen(m->variables[i].name), key, len))
            return (long)i;
    qc_refi_variable *var = qc_refi_add_variable(m);
    if (!var || !(var->name = qc_strndup(key, len)) || !(var->type = qc_strdup("Text")))
        return -1;
    if (qc_refi_guidf(var->guid, "document-group-variable:%s", var->name) != 0)
        return -1;
    return (long)(m->variable_count - 1);
}

int qc_refi_read_document_groups(qc_refi_model *m, xmlNodePtr sets, qc_refi_log *log)
{
    if (!sets)
        return 0;
    qc_refi_index ix = {0};
    if (qc_refi_index_init(&ix, m->source_count) != 0)
        return -1;
    int rc = 0;
    size_t groups = 0;
    for (size_t i = 0; i < m->source_count && rc == 0; i++)
        rc = qc_refi_index_put(&ix, m->sources[i].guid, (int32_t)i) < 0 ? -1 : 0;
    for (xmlNodePtr set = qc_refi_xml_child(sets, "Set"); set && rc == 0; set = qc_refi_xml_next(set, "Set")) {
        char *name = NULL;
        int group = qc_refi_set_is_document_group(set, &name);
        if (group <= 0) {
            rc = group;
            continue;
        }
        size_t k = 0;
        const char *value = NULL;
        split_pair(name, &k, &value);
        long v = variable_named(m, name, k);
        for (xmlNodePtr ms = qc_refi_xml_child(set, "MemberSource"); ms && v >= 0 && rc == 0;
             ms = qc_refi_xml_next(ms, "MemberSource")) {
            char *raw = NULL;
            char g[QC_GUID_SIZE] = "";
            if (qc_refi_xml_copy_attr(ms, "targetGUID", &raw) != 0) {
                rc = -1;
                break;
            }
            int32_t s = raw && qc_refi_guid_or_derive(raw, g) >= 0 ? qc_refi_index_get(&ix, g) : -1;
            qc_free(raw);
            if (s < 0) /* a PDF, a picture: not imported */
                continue;
            qc_refi_source *src = &m->sources[s];
            rc = qc_refi_add_value(&src->values, &src->value_count, &src->value_cap, (int32_t)v, value);
        }
        if (v < 0)
            rc = -1;
        groups++;
        qc_free(name);
    }
    qc_refi_index_free(&ix);
    if (rc == 0 && groups)
        qc_refi_warn(log, qc_refi_xml_line(sets),
                     "%zu document group(s) named 'attribute: value' read as document variables (cases.tsv)", groups);
    return rc;
}
