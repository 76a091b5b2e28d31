/* Telling a casebook's identifier columns (a pseudonym, a participant number) from its groups
 * (team, profession): qcode/casebook.h, qc_casebook_attribute_is_identifier. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "qcode/casebook.h"
#include "text.h"

/* A (value, subject) pair, both folded as names compare; the subject is "s" + the person's name
 * for a row naming a speaker, "d" + the document's for a row naming only a document. */
typedef struct pair {
    char *value, *subject;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->value, y->value);
    return c ? c : strcmp(x->subject, y->subject);
}

static char *subject_key(const char *document, const char *speaker)
{
    char *folded = qc_fold_dup(speaker ? speaker : document);
    if (!folded)
        return NULL;
    size_t n = strlen(folded);
    char *key = qc_malloc(n + 2);
    if (key) {
        key[0] = speaker ? 's' : 'd';
        memcpy(key + 1, folded, n + 1);
    }
    qc_free(folded);
    return key;
}

/* The column's non-empty cells as pairs, *count of them (each to free, even on failure); -1 when
 * memory is short. */
static int collect(const qc_casebook *cb, size_t index, pair *pairs, size_t *count)
{
    *count = 0;
    size_t rows = qc_casebook_row_count(cb);
    for (size_t i = 0; i < rows; i++) {
        const char *document = NULL, *speaker = NULL;
        if (qc_casebook_row(cb, i, &document, &speaker, NULL) != 0 || (!document && !speaker))
            continue;
        const char *v = qc_casebook_row_value(cb, document, speaker, index);
        if (!v || !*v)
            continue;
        pair *p = &pairs[(*count)++];
        p->value = qc_fold_dup(v);
        p->subject = subject_key(document, speaker);
        if (!p->value || !p->subject)
            return -1;
    }
    return 0;
}

int qc_casebook_attribute_is_identifier(const qc_casebook *cb, size_t index, size_t *values)
{
    if (values)
        *values = 0;
    if (!cb || index >= qc_casebook_attribute_count(cb))
        return 0;
    size_t rows = qc_casebook_row_count(cb);
    if (rows <= QC_CASEBOOK_IDENTIFIER_MIN)
        return 0; /* too few rows for that many values */
    pair *pairs = qc_calloc(rows, sizeof *pairs);
    if (!pairs)
        return 0;
    size_t count = 0;
    int identifier = 0;
    if (collect(cb, index, pairs, &count) == 0) {
        qsort(pairs, count, sizeof *pairs, cmp_pair);
        size_t distinct = 0;
        int shared = 0;
        for (size_t i = 0; i < count; i++) {
            if (i == 0 || strcmp(pairs[i].value, pairs[i - 1].value) != 0)
                distinct++;
            else if (strcmp(pairs[i].subject, pairs[i - 1].subject) != 0)
                shared = 1; /* two people (or documents) with this value: a group */
        }
        if (values)
            *values = distinct;
        identifier = !shared && distinct > QC_CASEBOOK_IDENTIFIER_MIN;
    }
    for (size_t i = 0; i < count; i++) {
        qc_free(pairs[i].value);
        qc_free(pairs[i].subject);
    }
    qc_free(pairs);
    return identifier;
}
