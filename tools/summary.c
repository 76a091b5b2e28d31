#include "summary.h"

#include <stdlib.h>
#include <string.h>

#define LABEL_MAX 56

/* Code points in UTF-8 (display columns, near enough for names). */
static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* A code's name as the terminal is given it: a codebook's quoted name may hold an ESC (its own, or
 * one imported from a .qdc), which would recolour the table (qc_printable: U+001B). */
static void shown_name(const qc_codebook *cb, size_t code, char out[512])
{
    qc_printable(qc_code_name(cb, code), out, 512);
}

/* Writes the label "  ID Name" cut to LABEL_MAX columns, padded to `cols`. */
static void print_label(FILE *fp, const qc_codebook *cb, size_t code, size_t cols)
{
    char buf[1024], name[512];
    size_t depth = qc_code_depth(cb, code);
    shown_name(cb, code, name);
    snprintf(buf, sizeof buf, "%*s%s %s", (int)(2 * (depth - 1)), "", qc_code_id(cb, code), name);
    size_t w = 0, i = 0;
    int cut = 0;
    for (; buf[i]; i++) {
        if (((unsigned char)buf[i] & 0xC0) == 0x80)
            continue;
        if (w == LABEL_MAX - 1 && width(buf + i) > 1) {
            buf[i] = '\0';
            cut = 1;
            break;
        }
        w++;
    }
    fputs(buf, fp);
    if (cut) {
        fputs("\xE2\x80\xA6", fp); /* … */
        w++;
    }
    for (; w < cols; w++)
        fputc(' ', fp);
}

static size_t label_width(const qc_codebook *cb, size_t code)
{
    char name[512];
    shown_name(cb, code, name);
    size_t w = 2 * (qc_code_depth(cb, code) - 1) + width(qc_code_id(cb, code)) + 1 + width(name);
    return w > LABEL_MAX ? LABEL_MAX : w;
}

static void print_row(FILE *fp, const qc_results *res, size_t code, size_t cols)
{
    const qc_codebook *cb = qc_results_codebook(res);
    qc_counts own, rolled;
    qc_results_code_counts(res, code, QC_OWN, &own);
    qc_results_code_counts(res, code, QC_ROLLED_UP, &rolled);
    print_label(fp, cb, code, cols);
    fprintf(fp, "  %10llu  %6llu  %11llu  %9llu\n", (unsigned long long)rolled.quotations,
            (unsigned long long)own.quotations, (unsigned long long)rolled.respondents,
            (unsigned long long)rolled.documents);
}

typedef struct ranked {
    size_t code;
    uint64_t quotations;
} ranked;

static int by_quotations(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->quotations != y->quotations)
        return x->quotations > y->quotations ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

/* The first code after `code`'s subtree (codes are numbered in pre-order). */
static size_t subtree_end(const qc_codebook *cb, size_t code)
{
    size_t n = qc_codebook_code_count(cb), depth = qc_code_depth(cb, code), e = code + 1;
    while (e < n && qc_code_depth(cb, e) > depth)
        e++;
    return e;
}

void summary_print(FILE *fp, const qc_results *res, size_t top)
{
    const qc_codebook *cb = qc_results_codebook(res);
    size_t n = qc_codebook_code_count(cb);
    size_t cols = 5;
    for (size_t c = 0; c < n; c++)
        if (label_width(cb, c) > cols)
            cols = label_width(cb, c);
    fprintf(fp, "%-*s  %10s  %6s  %11s  %9s\n", (int)cols, "Code", "Quotations", "Own", "Respondents", "Documents");

    if (top == 0) {
        for (size_t c = 0; c < n; c++)
            print_row(fp, res, c, cols);
    } else {
        ranked *mains = calloc(n ? n : 1, sizeof *mains);
        size_t m = 0;
        for (size_t c = 0; mains && c < n; c++) {
            if (qc_code_parent(cb, c) >= 0)
                continue;
            qc_counts rolled;
            qc_results_code_counts(res, c, QC_ROLLED_UP, &rolled);
            mains[m++] = (ranked){c, rolled.quotations};
        }
        qsort(mains, m, sizeof *mains, by_quotations);
        for (size_t i = 0; i < m && i < top; i++) {
            size_t c = mains[i].code, e = subtree_end(cb, c);
            print_row(fp, res, c, cols);
            for (size_t d = c + 1; d < e; d++) {
                qc_counts rolled;
                qc_results_code_counts(res, d, QC_ROLLED_UP, &rolled);
                if (rolled.quotations)
                    print_row(fp, res, d, cols);
            }
        }
        if (m > top)
            fprintf(fp, "(%zu more main codes; without --top all are shown)\n", m - top);
        free(mains);
    }

    qc_counts total;
    qc_results_totals(res, &total);
    fprintf(fp, "%-*s  %10llu  %6s  %11llu  %9llu\n", (int)cols, "Total", (unsigned long long)total.quotations, "",
            (unsigned long long)total.respondents, (unsigned long long)total.documents);
    qc_uncoded_summary u;
    qc_results_uncoded(res, &u);
    size_t participants = 0;
    for (size_t r = 0; r < qc_results_respondent_count(res); r++) {
        qc_role role;
        qc_results_respondent(res, r, &role);
        participants += role != QC_ROLE_INTERVIEWER;
    }
    size_t documents = qc_results_document_count(res);
    fprintf(
        fp,
        "%zu document%s, %zu participant%s. Uncoded participant turns: %llu of %llu (%.1f%% of participant text).\n",
        documents, documents == 1 ? "" : "s", participants, participants == 1 ? "" : "s",
        (unsigned long long)u.uncoded_turns, (unsigned long long)u.participant_turns,
        u.participant_length ? 100.0 * (double)u.uncoded_length / (double)u.participant_length : 0.0);
}
