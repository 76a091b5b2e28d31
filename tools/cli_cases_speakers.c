/* Casebook speaker rows that name no speaker of the documents read: their values reach no
 * respondent, so a breakdown by profession silently leaves out the nurse whose label the casebook
 * spells "N51" and the transcript "N15". Shared by `code`, `recode` and `inspect`. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A speaker of a document read; the document's id is borrowed from the caller's list. */
typedef struct spoken {
    const char *doc;
    const char *label;
} spoken;

static int by_doc_then_label(const void *a, const void *b)
{
    const spoken *x = a, *y = b;
    int c = qc_casebook_name_compare(x->doc, y->doc);
    return c ? c : qc_casebook_name_compare(x->label, y->label);
}

static int by_label(const void *a, const void *b)
{
    return qc_casebook_name_compare(((const spoken *)a)->label, ((const spoken *)b)->label);
}

static int by_doc(const void *a, const void *b)
{
    return qc_casebook_name_compare(((const spoken *)a)->doc, ((const spoken *)b)->doc);
}

/* Labels are measured as the casebook compares them: folded (qc_casebook_name_fold: `Weiß` is
 * `weiss`, `E` + U+0301 is `é`), then character by character. */
enum { MAX = 32 };

typedef struct folded_label {
    char s[4 * MAX + 1];
    size_t at[MAX + 1]; /* where each character starts in s, and where the last ends */
    size_t n;           /* characters */
} folded_label;

/* 0 when the folded label is over MAX characters (or memory is short): no suggestion then. */
static int fold_label(const char *label, folded_label *f)
{
    size_t len = qc_casebook_name_fold(label, f->s, sizeof f->s);
    if (len >= sizeof f->s)
        return 0;
    f->n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)f->s[i] & 0xC0) != 0x80) {
            if (f->n == MAX)
                return 0;
            f->at[f->n++] = i;
        }
    f->at[f->n] = len;
    return 1;
}

static int same_char(const folded_label *a, size_t i, const folded_label *b, size_t j)
{
    size_t la = a->at[i + 1] - a->at[i], lb = b->at[j + 1] - b->at[j];
    return la == lb && memcmp(a->s + a->at[i], b->s + b->at[j], la) == 0;
}

/* Edit distance between two short folded labels, in characters, with a swap of neighbours as one
 * edit ("N51" for "N15"); anything over limit is limit + 1. */
static size_t distance(const folded_label *a, const folded_label *b, size_t limit)
{
    size_t n = a->n, m = b->n;
    if ((n > m ? n - m : m - n) > limit)
        return limit + 1;
    size_t d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + !same_char(a, i - 1, b, j - 1);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && same_char(a, i - 1, b, j - 2) && same_char(a, i - 2, b, j - 1) &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m] > limit ? limit + 1 : d[n][m];
}

/* The label among candidates[0..n) nearest to label, one edit away (two for labels of six
 * characters or more, folded), the first of the nearest; NULL when none is that near. A label
 * that rows of the casebook already describe (in doc, when given) is not the one a typo meant. */
static const char *nearest(const qc_casebook *cases, const char *doc, const char *label, const spoken *candidates,
                           size_t n)
{
    folded_label want, other;
    if (!fold_label(label, &want))
        return NULL;
    size_t limit = want.n >= 6 ? 2 : 1, best = limit + 1;
    const char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (qc_casebook_knows_speaker(cases, doc, candidates[i].label) || !fold_label(candidates[i].label, &other))
            continue;
        size_t d = distance(&want, &other, limit);
        if (d < best) {
            best = d;
            found = candidates[i].label;
        }
    }
    return found;
}

/* Past this many, the rest are counted, as for document rows (tools/cli_cases.c). */
enum { LISTED = 5 };

void cli_warn_unmatched_speakers(const qc_casebook *cases, const char *cases_path, const cli_read_doc *docs, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += docs[i].speaker_count;
    spoken *pairs = malloc((count + 1) * sizeof *pairs), *labels = malloc((count + 1) * sizeof *labels);
    const char **ids = malloc((n + 1) * sizeof *ids);
    if (!pairs || !labels || !ids) { /* a warning left out for want of memory; the run goes on */
        free(pairs);
        free(labels);
        free(ids);
        return;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = docs[i].id;
    qsort(ids, n, sizeof *ids, cli_by_name);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < docs[i].speaker_count; j++)
            pairs[k++] = (spoken){docs[i].id, docs[i].speakers[j]};
    memcpy(labels, pairs, count * sizeof *pairs);
    qsort(pairs, count, sizeof *pairs, by_doc_then_label);
    qsort(labels, count, sizeof *labels, by_label);

    size_t unmatched = 0;
    const char *doc = NULL, *speaker = NULL;
    uint32_t line = 0;
    for (size_t r = 0; qc_casebook_row(cases, r, &doc, &speaker, &line) == 0; r++) {
        if (!speaker)
            continue;
        const spoken key = {doc ? doc : "", speaker};
        const spoken *near_from = labels;
        size_t near_n = count;
        if (doc) {
            if (!bsearch(&doc, ids, n, sizeof *ids, cli_by_name))
                continue; /* not read: its document's own warning says so (cli_warn_unmatched_documents) */
            if (bsearch(&key, pairs, count, sizeof *pairs, by_doc_then_label))
                continue;
            /* the candidates: the document's own speakers, a run of pairs */
            const spoken *hit = bsearch(&key, pairs, count, sizeof *pairs, by_doc);
            near_n = 0;
            if (hit) {
                while (hit > pairs && qc_casebook_name_compare(hit[-1].doc, doc) == 0)
                    hit--;
                near_from = hit;
                while (hit + near_n < pairs + count && qc_casebook_name_compare(hit[near_n].doc, doc) == 0)
                    near_n++;
            }
        } else if (bsearch(&key, labels, count, sizeof *labels, by_label)) {
            continue;
        }
        if (unmatched++ >= LISTED)
            continue;
        const char *near = nearest(cases, doc, speaker, near_from, near_n);
        char where[256];
        if (doc)
            snprintf(where, sizeof where, "does not speak in document '%s'", doc);
        else
            snprintf(where, sizeof where, "speaks in none of the documents read");
        if (near)
            cli_line(stderr, "%s:%u: warning: speaker '%s' %s; did you mean '%s'?", cases_path, line, speaker, where,
                     near);
        else
            cli_line(stderr, "%s:%u: warning: speaker '%s' %s: the row gives no values", cases_path, line, speaker,
                     where);
    }
    if (unmatched > LISTED)
        cli_line(stderr, "%s: warning: %zu more speaker rows name no speaker of the documents read", cases_path,
                 unmatched - LISTED);
    free(pairs);
    free(labels);
    free(ids);
}

void cli_warn_unmatched_speakers_of(const qc_casebook *cases, const char *cases_path, const qc_results *res)
{
    size_t n = qc_results_document_count(res), count = 0;
    for (size_t i = 0; i < n; i++)
        count += qc_results_document_speaker_count(res, i);
    cli_read_doc *docs = malloc((n + 1) * sizeof *docs);
    const char **labels = malloc((count + 1) * sizeof *labels);
    if (!docs || !labels) { /* a warning left out for want of memory; the run goes on */
        free(docs);
        free(labels);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        qc_result_document d;
        docs[i].id = qc_results_document(res, i, &d) == 0 ? d.id : "";
        docs[i].speakers = labels + k;
        docs[i].speaker_count = qc_results_document_speaker_count(res, i);
        for (size_t j = 0; j < docs[i].speaker_count; j++) {
            const char *label = qc_results_document_speaker(res, i, j, NULL, NULL);
            labels[k++] = label ? label : "";
        }
    }
    cli_warn_unmatched_speakers(cases, cases_path, docs, n);
    free(docs);
    free(labels);
}

/* A participant label the casebook does not know, where first seen. */
typedef struct unknown {
    const char *label;
    const char *path;
    size_t order;
} unknown;

/* Labels the casebook takes for one name are one speaker; the first seen leads. */
static int by_label_then_order(const void *a, const void *b)
{
    const unknown *x = a, *y = b;
    int c = qc_casebook_name_compare(x->label, y->label);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_order(const void *a, const void *b)
{
    const unknown *x = a, *y = b;
    return (x->order > y->order) - (x->order < y->order);
}

void cli_warn_unknown_speakers_of(const qc_casebook *cases, const qc_results *res)
{
    size_t n = qc_results_document_count(res), count = 0;
    for (size_t i = 0; i < n; i++)
        count += qc_results_document_speaker_count(res, i);
    unknown *found = malloc((count + 1) * sizeof *found);
    if (!found) /* a warning left out for want of memory; the run goes on */
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        qc_result_document d;
        if (qc_results_document(res, i, &d) != 0)
            continue;
        for (size_t j = 0; j < qc_results_document_speaker_count(res, i); j++) {
            qc_role role = QC_ROLE_UNKNOWN;
            const char *label = qc_results_document_speaker(res, i, j, &role, NULL);
            if (label && role != QC_ROLE_INTERVIEWER && !qc_casebook_knows_speaker(cases, d.id, label))
                found[k] = (unknown){label, d.path, k}, k++;
        }
    }
    qsort(found, k, sizeof *found, by_label_then_order);
    size_t first = 0;
    for (size_t i = 0; i < k; i++)
        if (i == 0 || qc_casebook_name_compare(found[i - 1].label, found[i].label) != 0)
            found[first++] = found[i];
    qsort(found, first, sizeof *found, by_order);
    for (size_t i = 0; i < first && i < LISTED; i++)
        cli_line(stderr, "%s: warning: speaker '%s' is not in the casebook", found[i].path, found[i].label);
    if (first > LISTED)
        cli_line(stderr, "warning: %zu more speakers are not in the casebook", first - LISTED);
    free(found);
}
