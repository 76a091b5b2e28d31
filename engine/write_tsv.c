/* --tsv DIR: five tab-separated tables with header rows, for R's read.delim, SPSS or Excel.
 * String fields are always in double quotes (a quote inside is doubled, as read.delim expects) and
 * tab, line feed, carriage return and backslash inside them are written as \t, \n, \r and \\, so
 * every record is one line. Numbers are bare. All five files are written to temporary files first
 * and renamed into place only when all were written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "codebook_impl.h"
#include "error.h"
#include "fileio.h"
#include "outputs.h"
#include "results_coder.h"
#include "results_impl.h"
#include "temp_files.h"

enum { T_FREQ, T_ATTR, T_QUOTES, T_COOC, T_MATRIX, T_COUNT };
static const char *const names[T_COUNT] = {"frequencies.tsv", "by-attribute.tsv", "quotations.tsv", "cooccurrence.tsv",
                                           "respondent-matrix.tsv"};

const char *qc_results_tsv_table(size_t index)
{
    return index < T_COUNT ? names[index] : NULL;
}

static void put_str(FILE *fp, const char *s)
{
    putc('"', fp);
    for (; s && *s; s++) {
        switch (*s) {
        case '"': fputs("\"\"", fp); break;
        case '\t': fputs("\\t", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\\': fputs("\\\\", fp); break;
        default: putc(*s, fp);
        }
    }
    putc('"', fp);
}

static void put_u64(FILE *fp, uint64_t v)
{
    fprintf(fp, "\t%llu", (unsigned long long)v);
}

static void put_counts(FILE *fp, const qc_counts *c)
{
    put_u64(fp, c->hits);
    put_u64(fp, c->quotations);
    put_u64(fp, c->respondents);
    put_u64(fp, c->documents);
}

static const char count_header[] = "hits\tquotations\trespondents\tdocuments\t"
                                   "rolled_hits\trolled_quotations\trolled_respondents\trolled_documents\n";

static void write_frequencies(FILE *fp, const qc_results *res)
{
    const qc_codebook *cb = res->cb;
    fprintf(fp, "code\tname\tparent\tdepth\tcodable\t%s", count_header);
    for (size_t c = 0; c < res->code_count; c++) {
        const qc_code_def *d = &cb->codes[c];
        qc_counts own, rolled;
        qc_results_code_counts(res, c, QC_OWN, &own);
        qc_results_code_counts(res, c, QC_ROLLED_UP, &rolled);
        put_str(fp, d->id);
        putc('\t', fp);
        put_str(fp, d->name);
        putc('\t', fp);
        put_str(fp, d->parent >= 0 ? cb->codes[d->parent].id : "");
        put_u64(fp, d->depth);
        put_u64(fp, d->codable ? 1 : 0);
        put_counts(fp, &own);
        put_counts(fp, &rolled);
        putc('\n', fp);
    }
}

static void write_by_attribute(FILE *fp, const qc_results *res)
{
    fprintf(fp, "attribute\tvalue\tvalue_respondents\tvalue_documents\tcode\t%s", count_header);
    for (size_t a = 0; a < res->attr_count; a++) {
        for (size_t v = 0; v < res->attrs[a].value_count; v++) {
            qc_counts base;
            const char *value = qc_results_attribute_value(res, a, v, &base);
            for (size_t c = 0; c < res->code_count; c++) {
                qc_counts own, rolled;
                qc_results_attribute_counts(res, a, v, c, QC_OWN, &own);
                qc_results_attribute_counts(res, a, v, c, QC_ROLLED_UP, &rolled);
                put_str(fp, res->attrs[a].name);
                putc('\t', fp);
                put_str(fp, value);
                put_u64(fp, base.respondents);
                put_u64(fp, base.documents);
                putc('\t', fp);
                put_str(fp, res->cb->codes[c].id);
                put_counts(fp, &own);
                put_counts(fp, &rolled);
                putc('\n', fp);
            }
        }
    }
}

typedef struct quote_ctx {
    FILE *fp;
    const qc_results *res;
    int coders; /* write the coder column */
} quote_ctx;

/* The coder column is there when the run counted a manual.xml (its "manual" option), so tables of
 * runs without one keep the columns scripts already read. */
static int has_manual(const qc_results *res)
{
    for (size_t i = 0; i < res->option_count; i++)
        if (strcmp(res->options[i].name, "manual") == 0)
            return 1;
    return 0;
}

/* The coder column says qcode for the engine, as the .qdpx export's user does. */
static int write_quote(const qc_result_quotation *q, const char *coder, void *user)
{
    quote_ctx *ctx = user;
    FILE *fp = ctx->fp;
    put_str(fp, ctx->res->cb->codes[q->code].id);
    putc('\t', fp);
    put_str(fp, q->document_id);
    putc('\t', fp);
    put_str(fp, q->speaker ? q->speaker : "");
    putc('\t', fp);
    put_str(fp, qc_role_name(q->role));
    put_u64(fp, q->turn);
    put_u64(fp, q->start);
    put_u64(fp, q->end);
    put_u64(fp, q->hit_count);
    putc('\t', fp);
    if (ctx->coders) {
        put_str(fp, coder ? coder : "qcode");
        putc('\t', fp);
    }
    put_str(fp, q->text);
    putc('\n', fp);
    return ferror(fp) ? 1 : 0;
}

static void write_code_header(FILE *fp, const qc_results *res, const char *first)
{
    fputs(first, fp);
    for (size_t c = 0; c < res->code_count; c++) {
        putc('\t', fp);
        put_str(fp, res->cb->codes[c].id);
    }
    putc('\n', fp);
}

static void write_cooccurrence(FILE *fp, const qc_results *res)
{
    write_code_header(fp, res, "code");
    for (size_t a = 0; a < res->code_count; a++) {
        put_str(fp, res->cb->codes[a].id);
        for (size_t b = 0; b < res->code_count; b++)
            put_u64(fp, qc_results_cooccurrence(res, a, b));
        putc('\n', fp);
    }
}

static void write_matrix(FILE *fp, const qc_results *res)
{
    write_code_header(fp, res, "respondent\trole");
    for (size_t r = 0; r < res->resp_count; r++) {
        qc_role role;
        const char *label = qc_results_respondent(res, r, &role);
        put_str(fp, label);
        putc('\t', fp);
        put_str(fp, qc_role_name(role));
        for (size_t c = 0; c < res->code_count; c++) {
            /* From the in-memory respondent bits: no temporary file read per respondent. */
            fputs(qc_results_respondent_coded(res, r, c, QC_ROLLED_UP) ? "\t1" : "\t0", fp);
        }
        putc('\n', fp);
    }
}

/* Makes the folder the tables go into (a link to one followed through its chain, so that a
 * dangling one makes the folder it points at), recorded in set when it is new. */
static int make_folder(const char *dir, qc_outputs *set, qc_error *err)
{
    char *real = NULL;
    int through_proc = 0;
    int e = qc_output_target(dir, &real, &through_proc);
    if (e == ENOMEM)
        return qc_error_nomem(err);
    if (e != 0)
        return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot create folder: %s", strerror(e));
    int token = -1;
    int made = qc_temp_mkdir(real, &token) == 0; /* tracked: a signal removes it again, empty */
    int saved = errno;
    if (made && qc_outputs_made_folder(set, real, token) == 0)
        return QC_OK; /* the set has real and token now */
    qc_temp_forget(token);
    qc_free(real);
    if (!made && saved == ENOMEM)
        return qc_error_nomem(err);
    if (!made && saved != EEXIST)
        return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot create folder: %s", strerror(saved));
    return QC_OK;
}

/* The five tables, each finished into set. */
static int write_tables(qc_results *res, const char *dir, qc_outputs *set, qc_error *err)
{
    int rc = make_folder(dir, set, err);
    if (rc != 0)
        return rc;
    qc_atomic_file files[T_COUNT];
    memset(files, 0, sizeof files);
    for (int t = 0; t < T_COUNT && rc == 0; t++) {
        size_t n = strlen(dir) + strlen(names[t]) + 2;
        char *path = qc_malloc(n);
        if (!path) {
            rc = qc_error_nomem(err);
            break;
        }
        snprintf(path, n, "%s/%s", dir, names[t]);
        rc = qc_atomic_open_in(&files[t], path, set, err);
        qc_free(path);
    }
    if (rc == 0) {
        write_frequencies(files[T_FREQ].fp, res);
        write_by_attribute(files[T_ATTR].fp, res);
        quote_ctx ctx = {files[T_QUOTES].fp, res, has_manual(res)};
        fputs(ctx.coders ? "code\tdocument\tspeaker\trole\tturn\tstart\tend\thits\tcoder\ttext\n"
                         : "code\tdocument\tspeaker\trole\tturn\tstart\tend\thits\ttext\n",
              ctx.fp);
        rc = qc_spill_foreach_quotation(res, QC_ALL_CODES, write_quote, &ctx, err);
        if (rc == QC_ERR_CANCELLED)
            rc = qc_error_set(err, QC_ERR_IO, files[T_QUOTES].path, 0, 0, -1, "cannot write: %s", strerror(errno));
        write_cooccurrence(files[T_COOC].fp, res);
        write_matrix(files[T_MATRIX].fp, res);
    }
    /* The reason a table could not be written: writing what its buffer still holds fails again
     * and says why ("File too large", "No space left on device"). */
    for (int t = 0; t < T_COUNT && rc == 0; t++) {
        errno = 0;
        if (fflush(files[t].fp) != 0 || ferror(files[t].fp))
            rc = errno ? qc_error_set(err, QC_ERR_IO, files[t].path, 0, 0, -1, "cannot write: %s", strerror(errno))
                       : qc_error_set(err, QC_ERR_IO, files[t].path, 0, 0, -1, "cannot write");
    }
    for (int t = 0; t < T_COUNT; t++) {
        if (rc == 0)
            rc = qc_atomic_commit(&files[t], err);
        else
            qc_atomic_abort(&files[t]);
    }
    return rc;
}

int qc_results_write_tsv_opts(qc_results *res, const char *dir, const qc_write_options *opts, qc_error *err)
{
    /* Refused before the folder is made: nothing is left behind. */
    int rc = qc_res_need_quotations(res, "cannot write the TSV tables", dir, err);
    if (rc != 0)
        return rc;
    qc_outputs *set = qc_write_outputs(opts);
    if (set)
        return write_tables(res, dir, set, err);
    /* A set of their own: one table that cannot be written leaves the other four as they were. */
    if ((rc = qc_outputs_new(&set, err)) != 0)
        return rc;
    rc = write_tables(res, dir, set, err);
    if (rc == 0)
        rc = qc_outputs_commit(set, err);
    qc_outputs_free(set);
    return rc;
}

int qc_results_write_tsv(qc_results *res, const char *dir, qc_error *err)
{
    return qc_results_write_tsv_opts(res, dir, NULL, err);
}
