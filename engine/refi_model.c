/* The REFI-QDA model: growing its arrays, freeing it, and a small GUID hash index. */
#include "refi_model.h"

#include <string.h>

#include "alloc.h"

void qc_refi_model_init(qc_refi_model *m)
{
    memset(m, 0, sizeof *m);
}

static void free_values(qc_refi_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qc_free(v[i].value);
    qc_free(v);
}

void qc_refi_model_free(qc_refi_model *m)
{
    if (!m)
        return;
    qc_free(m->name);
    qc_free(m->origin);
    qc_free(m->created);
    qc_free(m->description);
    qc_free(m->header);
    for (size_t i = 0; i < m->user_count; i++)
        qc_free(m->users[i].name);
    qc_free(m->users);
    for (size_t i = 0; i < m->code_count; i++) {
        qc_free(m->codes[i].name);
        qc_free(m->codes[i].description);
        qc_free(m->codes[i].id);
    }
    qc_free(m->codes);
    for (size_t i = 0; i < m->variable_count; i++) {
        qc_free(m->variables[i].name);
        qc_free(m->variables[i].type);
    }
    qc_free(m->variables);
    for (size_t i = 0; i < m->case_count; i++) {
        qc_free(m->cases[i].name);
        free_values(m->cases[i].values, m->cases[i].value_count);
        qc_free(m->cases[i].sources);
    }
    qc_free(m->cases);
    for (size_t i = 0; i < m->source_count; i++) {
        qc_free(m->sources[i].name);
        qc_free(m->sources[i].path);
        qc_free(m->sources[i].text);
        qc_free(m->sources[i].created);
        free_values(m->sources[i].values, m->sources[i].value_count);
    }
    qc_free(m->sources);
    for (size_t i = 0; i < m->selection_count; i++) {
        qc_free(m->selections[i].name);
        qc_free(m->selections[i].created);
    }
    qc_free(m->selections);
    for (size_t i = 0; i < m->coding_count; i++)
        qc_free(m->codings[i].created);
    qc_free(m->codings);
    memset(m, 0, sizeof *m);
}

/* Grows an array by one zeroed item. */
static void *append(void **arr, size_t *count, size_t *cap, size_t item)
{
    if (qc_grow(arr, cap, *count + 1, item) != 0)
        return NULL;
    char *p = (char *)*arr + *count * item;
    memset(p, 0, item);
    (*count)++;
    return p;
}

#define APPEND(m, arr, n, cap) append((void **)&(m)->arr, &(m)->n, &(m)->cap, sizeof *(m)->arr)

qc_refi_user *qc_refi_add_user(qc_refi_model *m)
{
    return APPEND(m, users, user_count, user_cap);
}

qc_refi_code *qc_refi_add_code(qc_refi_model *m)
{
    qc_refi_code *c = APPEND(m, codes, code_count, code_cap);
    if (c)
        c->parent = -1;
    return c;
}

qc_refi_variable *qc_refi_add_variable(qc_refi_model *m)
{
    return APPEND(m, variables, variable_count, variable_cap);
}

qc_refi_case *qc_refi_add_case(qc_refi_model *m)
{
    return APPEND(m, cases, case_count, case_cap);
}

qc_refi_source *qc_refi_add_source(qc_refi_model *m)
{
    return APPEND(m, sources, source_count, source_cap);
}

qc_refi_selection *qc_refi_add_selection(qc_refi_model *m)
{
    qc_refi_selection *s = APPEND(m, selections, selection_count, selection_cap);
    if (s)
        s->source = -1;
    return s;
}

qc_refi_coding *qc_refi_add_coding(qc_refi_model *m)
{
    qc_refi_coding *c = APPEND(m, codings, coding_count, coding_cap);
    if (c) {
        c->selection = -1;
        c->code = -1;
    }
    return c;
}

int qc_refi_add_value(qc_refi_value **values, size_t *count, size_t *cap, int32_t variable, const char *value)
{
    char *copy = qc_strdup(value ? value : "");
    if (!copy)
        return -1;
    qc_refi_value *v = append((void **)values, count, cap, sizeof **values);
    if (!v) {
        qc_free(copy);
        return -1;
    }
    v->variable = variable;
    v->value = copy;
    return 0;
}

/* FNV-1a: GUIDs are already random, any spread will do. */
static size_t hash(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int qc_refi_index_init(qc_refi_index *ix, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2 + 1)
        cap *= 2;
    ix->keys = qc_calloc(cap, sizeof *ix->keys);
    ix->values = qc_calloc(cap, sizeof *ix->values);
    ix->cap = cap;
    ix->count = 0;
    if (!ix->keys || !ix->values) {
        qc_refi_index_free(ix);
        return -1;
    }
    return 0;
}

static int put_slot(const char **keys, int32_t *values, size_t cap, const char *key, int32_t value)
{
    for (size_t i = hash(key) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (!keys[i]) {
            keys[i] = key;
            values[i] = value;
            return 0;
        }
        if (strcmp(keys[i], key) == 0)
            return 1;
    }
}

int qc_refi_index_put(qc_refi_index *ix, const char *key, int32_t value)
{
    if ((ix->count + 1) * 2 > ix->cap) {
        size_t cap = ix->cap * 2;
        const char **keys = qc_calloc(cap, sizeof *keys);
        int32_t *values = qc_calloc(cap, sizeof *values);
        if (!keys || !values) {
            qc_free(keys);
            qc_free(values);
            return -1;
        }
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->keys[i])
                put_slot(keys, values, cap, ix->keys[i], ix->values[i]);
        qc_free(ix->keys);
        qc_free(ix->values);
        ix->keys = keys;
        ix->values = values;
        ix->cap = cap;
    }
    int r = put_slot(ix->keys, ix->values, ix->cap, key, value);
    if (r == 0)
        ix->count++;
    return r;
}

int32_t qc_refi_index_get(const qc_refi_index *ix, const char *key)
{
    if (!ix->keys || !key)
        return -1;
    for (size_t i = hash(key) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
        if (!ix->keys[i])
            return -1;
        if (strcmp(ix->keys[i], key) == 0)
            return ix->values[i];
    }
}

void qc_refi_index_free(qc_refi_index *ix)
{
    qc_free(ix->keys);
    qc_free(ix->values);
    ix->keys = NULL;
    ix->values = NULL;
    ix->cap = 0;
    ix->count = 0;
}
