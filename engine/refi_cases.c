/* cases.tsv for `qcode import`: what a project says about its cases and sources, as a casebook.
 *
 * Tools lay this out two ways. A case per participant (qcode, QualCoder) is a speaker: its values
 * are a speaker row. A case per interview (NVivo's usual layout) or variables on the sources
 * themselves (MAXQDA's document variables) describe documents: they are document rows, keyed by
 * the file name the import gives the source, which is the document id `qcode code` uses. A case
 * tells which it is by its name: a speaker label of a source it references makes it a speaker. */
#include <string.h>
#include <strings.h>

#include "refi_cases.h"

#include "alloc.h"
#include "qcode/document.h"
#include "speakers.h"
#include "text.h"

static void tsv_field(qc_buf *b, const char *s)
{
    for (; s && *s; s++)
        qc_buf_putc(b, (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s);
}

/* Whether a header name would collide in cases.tsv: a key column's name (the casebook knows them
 * without ASCII case), or one given before it (the casebook compares column names as names,
 * qc_fold_equal: `Région` and `RÉGION` are one, and refuses repeats). */
static int header_taken(const char *name, char *const *before, size_t n)
{
    if (strcasecmp(name, "speaker") == 0 || strcasecmp(name, "document") == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (qc_fold_equal(name, strlen(name), before[i], strlen(before[i])))
            return 1;
    return 0;
}

/* The column names of the variables in cases.tsv: each as the project names it (tabs and line
 * ends as spaces) unless that would collide, then with " (2)", " (3)"... after it, warned. A
 * variable named "Document" became the document key column, its values read as document ids;
 * two named alike made a header qcode refuses. NULL when out of memory. */
static char **case_columns(const qc_refi_model *m, qc_refi_log *log)
{
    char **names = qc_calloc(m->variable_count + 1, sizeof *names);
    for (size_t v = 0; names && v < m->variable_count; v++) {
        qc_buf base = QC_BUF_INIT, name = QC_BUF_INIT;
        tsv_field(&base, m->variables[v].name && *m->variables[v].name ? m->variables[v].name : "variable");
        qc_buf_puts(&name, qc_buf_cstr(&base));
        for (unsigned k = 2; !qc_buf_failed(&name) && header_taken(qc_buf_cstr(&name), names, v); k++) {
            qc_buf_clear(&name);
            qc_buf_printf(&name, "%s (%u)", qc_buf_cstr(&base), k);
        }
        if (!qc_buf_failed(&name) && strcmp(qc_buf_cstr(&name), qc_buf_cstr(&base)) != 0)
            qc_refi_warn(log, 0, "variable '%s' is written to cases.tsv as column '%s' (its name is taken)",
                         qc_buf_cstr(&base), qc_buf_cstr(&name));
        int failed = qc_buf_failed(&base) || qc_buf_failed(&name);
        names[v] = failed ? NULL : qc_buf_detach(&name);
        qc_buf_free(&base);
        qc_buf_free(&name);
        if (!names[v]) {
            for (size_t i = 0; i < v; i++)
                qc_free(names[i]);
            qc_free(names);
            names = NULL;
        }
    }
    return names;
}

/* The name of the column that keeps the names of the cases that describe documents: `case`,
 * or `case (2)`... when a variable's column has it (the variable keeps its name: it is the
 * project's, this column is qcode's). NULL when out of memory. */
static char *case_column(char *const *columns, size_t nv, qc_refi_log *log)
{
    qc_buf name = QC_BUF_INIT;
    qc_buf_puts(&name, "case");
    for (unsigned k = 2; !qc_buf_failed(&name) && header_taken(qc_buf_cstr(&name), columns, nv); k++) {
        qc_buf_clear(&name);
        qc_buf_printf(&name, "case (%u)", k);
    }
    if (!qc_buf_failed(&name) && strcmp(qc_buf_cstr(&name), "case") != 0)
        qc_refi_warn(log, 0,
                     "the names of the cases that describe documents are written to cases.tsv as column '%s' "
                     "('case' is a variable's)",
                     qc_buf_cstr(&name));
    return qc_buf_detach(&name);
}

/* A case's row key as the casebook compares it: its name as written (tabs and line ends as
 * spaces), without surrounding blanks, folded as names are (qc_fold_dup: `Élodie`, `ÉLODIE` and
 * `E` + U+0301 `lodie` are one row). NULL when out of memory. */
static char *case_key(const qc_refi_case *cs)
{
    qc_buf k = QC_BUF_INIT;
    tsv_field(&k, cs->name && *cs->name ? cs->name : cs->guid);
    char *s = qc_buf_detach(&k); /* "" for an empty key; NULL when out of memory */
    if (!s)
        return NULL;
    size_t start = 0, end = strlen(s);
    while (start < end && s[start] == ' ')
        start++;
    while (end > start && s[end - 1] == ' ')
        end--;
    memmove(s, s + start, end - start);
    s[end - start] = '\0';
    char *key = qc_fold_dup(s);
    qc_free(s);
    return key;
}

/* Whether a line of the text starts with this label, as the readers find labels (speakers.h; the
 * label compared as the casebook compares names, qc_fold_equal): a person who speaks once is no speaker of the default
 * reading, which trusts an unconventional label only when it recurs, but a case named so is that
 * person (`qcode code --cases` then trusts the label: docs/transcripts.md). -1 out of memory. */
static int labels_a_line(const char *text, size_t size, const char *label, size_t n)
{
    qc_speaker_rules *rules = NULL;
    if (qc_speaker_rules_new(&rules, NULL, NULL) != 0)
        return -1;
    int found = 0;
    for (size_t p = 0; n && p < size && !found;) {
        const char *nl = memchr(text + p, '\n', size - p);
        size_t end = nl ? (size_t)(nl - text) : size;
        qc_label lab;
        found = qc_speaker_match_line(rules, text + p, end - p, &lab) == 1 &&
                qc_fold_equal(text + p + lab.label_start, lab.label_end - lab.label_start, label, n);
        p = end + 1;
    }
    qc_speaker_rules_free(rules);
    return found;
}

/* Whether label is a speaker of the text (read as `qcode code` reads a .txt by default), any
 * role, or labels one of its lines. docs caches each source's reading; -1 out of memory. */
static int speaks_in(qc_document **docs, const qc_refi_text *texts, char *const *file_names, size_t s,
                     const char *label)
{
    if (!docs[s]) {
        qc_read_options ro = QC_READ_OPTIONS_INIT;
        ro.id = file_names[s];
        int rc = qc_document_read_buffer(&docs[s], file_names[s], texts[s].text, texts[s].size, &ro, NULL);
        if (rc != 0)
            return rc == QC_ERR_NOMEM ? -1 : 0; /* unreadable as a transcript: no speakers */
    }
    char *key = qc_strdup(label);
    if (!key)
        return -1;
    /* The casebook compares labels trimmed and folded (qc_fold_equal). */
    char *k = key;
    while (*k == ' ')
        k++;
    size_t n = strlen(k);
    while (n && k[n - 1] == ' ')
        k[--n] = '\0';
    int found = 0;
    for (size_t i = 0; !found && i < qc_document_speaker_count(docs[s]); i++) {
        const char *sp = qc_document_speaker(docs[s], i, NULL);
        found = sp && qc_fold_equal(sp, strlen(sp), k, n);
    }
    if (!found)
        found = labels_a_line(texts[s].text, texts[s].size, k, n);
    qc_free(key);
    return found;
}

/* Whether case c is a speaker (its row keyed by its name) rather than a description of the
 * sources it references: it references no imported source, or its name is a speaker label in one
 * of them. -1 out of memory. */
static int is_speaker_case(const qc_refi_case *cs, qc_document **docs, const qc_refi_text *texts,
                           char *const *file_names)
{
    int imported = 0;
    for (size_t r = 0; r < cs->source_count; r++) {
        int32_t s = cs->sources[r];
        if (s < 0 || !file_names[s])
            continue;
        imported = 1;
        int sp = cs->name ? speaks_in(docs, texts, file_names, (size_t)s, cs->name) : 0;
        if (sp != 0)
            return sp;
    }
    return !imported;
}

/* Sets a document row's value of variable v unless the row has one already; a different one is
 * warned about (the first kept), as a casebook row holds one value. */
static void doc_value(const qc_refi_model *m, qc_refi_log *log, const char *file, const char **row,
                      const char **given_by, int32_t v, const char *value, const char *by, uint32_t line)
{
    if (v < 0 || !value || !*value)
        return;
    if (!row[v]) {
        row[v] = value;
        given_by[v] = by;
    } else if (strcmp(row[v], value) != 0) {
        const char *var = m->variables[v].name ? m->variables[v].name : "";
        qc_refi_warn(log, line, "document %s: %s gives variable '%s' the value '%s', %s gave it '%s': the first kept",
                     file, by, var, value, given_by[v], row[v]);
    }
}

/* Records that case `name` (given as `by`) describes document s: the first to do so names it, a
 * later one is warned about, as a casebook row holds one value a column. */
static void doc_case(qc_refi_log *log, const char *file, const char **case_of, const char **case_by, size_t s,
                     const char *name, const char *by, uint32_t line)
{
    if (!case_of[s]) {
        case_of[s] = name;
        case_by[s] = by;
    } else
        qc_refi_warn(log, line, "document %s: %s describes it too, %s is kept as its case", file, by, case_by[s]);
}

static void write_values(qc_buf *b, const char **row, size_t n)
{
    for (size_t v = 0; v < n; v++) {
        qc_buf_putc(b, '\t');
        tsv_field(b, row[v]);
    }
    qc_buf_putc(b, '\n');
}

int qc_refi_write_cases(const qc_refi_model *m, const qc_refi_text *texts, char *const *file_names, qc_refi_log *log,
                        qc_buf *b)
{
    size_t nv = m->variable_count, ns = m->source_count;
    char **columns = case_columns(m, log);
    char **keys = qc_calloc(m->case_count + 1, sizeof *keys);
    uint8_t *speaker = qc_calloc(m->case_count + 1, 1);
    qc_document **docs = qc_calloc(ns + 1, sizeof *docs);
    const char **rows = qc_calloc(ns * nv + 1, sizeof *rows), **by = qc_calloc(ns * nv + 1, sizeof *by);
    char **labels = qc_calloc(m->case_count + 1, sizeof *labels);
    const char **case_of = qc_calloc(ns + 1, sizeof *case_of), **case_by = qc_calloc(ns + 1, sizeof *case_by);
    char *case_col = NULL;
    qc_refi_index seen = {0};
    int rc = columns && keys && speaker && docs && rows && by && labels && case_of && case_by &&
                     qc_refi_index_init(&seen, m->case_count) == 0
                 ? 0
                 : -1;
    /* The sources' own variables first: they are what the tool says of the document. */
    for (size_t s = 0; s < ns && rc == 0; s++) {
        const qc_refi_source *src = &m->sources[s];
        for (size_t k = 0; file_names[s] && k < src->value_count; k++)
            doc_value(m, log, file_names[s], rows + s * nv, by + s * nv, src->values[k].variable, src->values[k].value,
                      "the source", src->line);
    }
    for (size_t c = 0; c < m->case_count && rc == 0; c++) {
        const qc_refi_case *cs = &m->cases[c];
        int sp = is_speaker_case(cs, docs, texts, file_names);
        if (sp < 0) {
            rc = -1;
            break;
        }
        speaker[c] = (uint8_t)sp;
        if (sp)
            continue;
        qc_buf who = QC_BUF_INIT;
        qc_buf_printf(&who, "case '%s'", cs->name && *cs->name ? cs->name : cs->guid);
        if (!(labels[c] = qc_buf_detach(&who))) {
            rc = -1;
            break;
        }
        for (size_t r = 0; r < cs->source_count; r++) {
            int32_t s = cs->sources[r];
            if (s < 0 || !file_names[s])
                continue;
            doc_case(log, file_names[s], case_of, case_by, (size_t)s, cs->name && *cs->name ? cs->name : cs->guid,
                     labels[c], cs->line);
            for (size_t k = 0; k < cs->value_count; k++)
                doc_value(m, log, file_names[s], rows + (size_t)s * nv, by + (size_t)s * nv, cs->values[k].variable,
                          cs->values[k].value, labels[c], cs->line);
        }
    }
    /* A case that describes documents keeps its name in a column of their rows, and has its rows
     * though it gives them no value: the import counts it among the cases. */
    int any_case = 0, any_document = 0;
    for (size_t s = 0; s < ns && !any_case; s++)
        any_case = case_of[s] != NULL;
    for (size_t i = 0; i < ns * nv && !any_document; i++)
        any_document = rows[i] != NULL;
    any_document = any_document || any_case;
    if (rc == 0 && any_case && !(case_col = case_column(columns, nv, log)))
        rc = -1;
    /* Without document rows the casebook is as it always was: a speaker column only. */
    if (rc == 0) {
        if (any_document)
            qc_buf_puts(b, "document\t");
        qc_buf_puts(b, "speaker");
        if (case_col) {
            qc_buf_putc(b, '\t');
            qc_buf_puts(b, case_col);
        }
        for (size_t v = 0; v < nv; v++) {
            qc_buf_putc(b, '\t');
            qc_buf_puts(b, columns[v]);
        }
        qc_buf_putc(b, '\n');
    }
    for (size_t c = 0; c < m->case_count && rc == 0; c++) {
        const qc_refi_case *cs = &m->cases[c];
        if (!speaker[c])
            continue;
        const char *name = cs->name && *cs->name ? cs->name : cs->guid;
        if (!(keys[c] = case_key(cs))) {
            rc = -1;
            break;
        }
        if (!*keys[c]) {
            /* a row with no speaker is one the casebook refuses: cases.tsv would not load */
            qc_refi_warn(log, cs->line, "<Case> has neither a name nor a guid: not in cases.tsv");
            continue;
        }
        int repeated = qc_refi_index_put(&seen, keys[c], (int32_t)c);
        if (repeated < 0) {
            rc = -1;
            break;
        }
        if (repeated) {
            qc_refi_warn(log, 0,
                         "case '%s' is named like an earlier case: only the first one's values are in "
                         "cases.tsv (its rows are keyed by the name)",
                         name);
            continue;
        }
        if (any_document)
            qc_buf_putc(b, '\t');
        tsv_field(b, name);
        if (case_col)
            qc_buf_putc(b, '\t');
        for (size_t v = 0; v < nv; v++) {
            qc_buf_putc(b, '\t');
            for (size_t k = 0; k < cs->value_count; k++)
                if (cs->values[k].variable == (int32_t)v) {
                    tsv_field(b, cs->values[k].value);
                    break;
                }
        }
        qc_buf_putc(b, '\n');
    }
    for (size_t s = 0; s < ns && rc == 0; s++) {
        const char **row = rows + s * nv;
        size_t v = 0;
        while (v < nv && !row[v])
            v++;
        if (v == nv && !case_of[s])
            continue;
        tsv_field(b, file_names[s]);
        qc_buf_putc(b, '\t');
        if (case_col) {
            qc_buf_putc(b, '\t');
            tsv_field(b, case_of[s]);
        }
        write_values(b, row, nv);
    }
    qc_refi_index_free(&seen);
    for (size_t c = 0; c < m->case_count; c++) {
        if (keys)
            qc_free(keys[c]);
        if (labels)
            qc_free(labels[c]);
    }
    for (size_t s = 0; docs && s < ns; s++)
        qc_document_free(docs[s]);
    for (size_t v = 0; columns && v < nv; v++)
        qc_free(columns[v]);
    qc_free(columns);
    qc_free(case_col);
    qc_free(case_of);
    qc_free(case_by);
    qc_free(keys);
    qc_free(labels);
    qc_free(speaker);
    qc_free(docs);
    qc_free(rows);
    qc_free(by);
    return rc;
}
