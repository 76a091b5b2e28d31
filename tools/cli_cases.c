/* What a casebook says about the corpus read, beyond each lookup: which of its document rows name
 * no document read (a silently missing breakdown value: "a" where the id is "a.txt"), and which of
 * its columns are identifiers. Shared by `code`, `recode` and `inspect`. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Whether id is name with an extension after it ("a.txt" for "a"), the names compared as the
 * casebook compares them ("élodie.txt" for "ÉLODIE"). */
static int is_name_with_extension(const char *id, const char *name)
{
    const char *dot = strrchr(id, '.');
    if (!dot)
        return 0;
    char *stem = strndup(id, (size_t)(dot - id));
    int same = stem && qc_casebook_name_compare(stem, name) == 0; /* no suggestion for want of memory */
    free(stem);
    return same;
}

int cli_by_name(const void *a, const void *b)
{
    return qc_casebook_name_compare(*(const char *const *)a, *(const char *const *)b);
}

/* A document row: what it names, where, and its place in the file. */
typedef struct doc_row {
    const char *doc;
    uint32_t line;
    size_t row;
} doc_row;

/* By name (as the casebook compares names), then file order: the first row of each name leads its
 * run. */
static int by_doc_then_row(const void *a, const void *b)
{
    const doc_row *x = a, *y = b;
    int c = qc_casebook_name_compare(x->doc, y->doc);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

static int by_row(const void *a, const void *b)
{
    const doc_row *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

/* Past this many, the rest are counted: a casebook of a whole study used on one site's files
 * names many documents not read, on purpose. */
enum { LISTED = 5 };

void cli_warn_unmatched_documents(const qc_casebook *cases, const char *cases_path, const char *const *ids, size_t n)
{
    size_t rows = qc_casebook_row_count(cases), count = 0;
    doc_row *docs = malloc((rows + 1) * sizeof *docs);
    const char **sorted = malloc((n + 1) * sizeof *sorted);
    if (!docs || !sorted) { /* a warning left out for want of memory; the run goes on */
        free(docs);
        free(sorted);
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        doc_row d = {NULL, 0, r};
        if (qc_casebook_row(cases, r, &d.doc, NULL, &d.line) == 0 && d.doc)
            docs[count++] = d;
    }
    memcpy(sorted, ids, n * sizeof *ids);
    qsort(sorted, n, sizeof *sorted, cli_by_name);
    qsort(docs, count, sizeof *docs, by_doc_then_row);
    /* The first row of each document no id matches, kept in place, then put in file order. */
    size_t unmatched = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && qc_casebook_name_compare(docs[i - 1].doc, docs[i].doc) == 0)
            continue;
        if (!bsearch(&docs[i].doc, sorted, n, sizeof *sorted, cli_by_name))
            docs[unmatched++] = docs[i];
    }
    qsort(docs, unmatched, sizeof *docs, by_row);
    for (size_t i = 0; i < unmatched && i < LISTED; i++) {
        const char *near = NULL;
        for (size_t k = 0; k < n && !near; k++)
            if (is_name_with_extension(ids[k], docs[i].doc))
                near = ids[k];
        if (near)
            cli_line(stderr,
                     "%s:%u: warning: document '%s' is not one of the documents read; did you mean '%s'? (a "
                     "document's id is its file name with the extension, and its path below a folder given)",
                     cases_path, docs[i].line, docs[i].doc, near);
        else
            cli_line(stderr, "%s:%u: warning: document '%s' is not one of the documents read: its rows give no values",
                     cases_path, docs[i].line, docs[i].doc);
    }
    if (unmatched > LISTED)
        cli_line(stderr, "%s: warning: %zu more documents are not among the documents read", cases_path,
                 unmatched - LISTED);
    free(docs);
    free(sorted);
}

void cli_warn_unmatched_documents_of(const qc_casebook *cases, const char *cases_path, const qc_results *res)
{
    size_t n = qc_results_document_count(res);
    const char **ids = malloc((n + 1) * sizeof *ids);
    if (!ids)
        return; /* a warning left out for want of memory; the run goes on */
    for (size_t i = 0; i < n; i++) {
        qc_result_document d;
        ids[i] = qc_results_document(res, i, &d) == 0 ? d.id : "";
    }
    cli_warn_unmatched_documents(cases, cases_path, ids, n);
    free(ids);
}

void cli_note_identifiers(const char *cases_path, const qc_results *res)
{
    for (size_t i = 0; i < qc_results_unbroken_attribute_count(res); i++) {
        size_t values = 0;
        const char *name = qc_results_unbroken_attribute_name(res, i, &values);
        if (values)
            cli_line(stderr,
                     "%s: note: column '%s' is an identifier (%zu values, none shared by two people or documents): "
                     "the counts are not broken down by it; each person's are in the by-speaker table",
                     cases_path, name, values);
        else
            cli_line(stderr,
                     "qcode: note: header key '%s' is an identifier (over %d documents each gave it a value of its "
                     "own): the counts are not broken down by it; each document's are in the by-document table",
                     name, QC_CASEBOOK_IDENTIFIER_MIN);
    }
}
