/* qcode code: codes a corpus with a codebook and writes results.xml, TSV tables and a summary. */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "code_options.h"
#include "progress.h"
#include "summary.h"

#define USAGE                                                                                                          \
    "usage: qcode code -c CODEBOOK [options] FILE|FOLDER...\n"                                                         \
    "\n"                                                                                                               \
    "Applies a codebook to transcripts (folders are read recursively: .txt .md .vtt .srt .docx)\n"                     \
    "and prints the code tree with quotations, respondents and documents per code.\n"                                  \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  -c, --codebook FILE        the codebook (.qcb); required\n"                                                     \
    "      --cases FILE           casebook (TSV/CSV) of speaker and document attributes; the\n"                        \
    "                             people it names are speakers even when they speak once\n"                            \
    "  -o, --output FILE          write results.xml (docs/results.md)\n"                                               \
    "      --results-format 1|2   results.xml's layout (default 2: quotations by document and\n"                       \
    "                             span, each span's text once, written while coding); 1: quotations\n"                 \
    "                             by code, with per-document and per-speaker counts, 1.6 to 4.4\n"                     \
    "                             times the size, more where codes overlap (docs/results-format-2.md;\n"               \
    "                             quotes, export, recode read both)\n"                                                 \
    "      --tsv DIR              write frequencies, by-attribute, quotations, cooccurrence and\n"                     \
    "                             respondent-matrix tables (.tsv) into DIR\n"                                          \
    "      --qdpx FILE            write a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA (docs/refi.md)\n"               \
    "      --manual FILE          count the codings people made (a manual.xml from qcode import)\n"                    \
    "                             beside the automatic ones, listed by coder (and in --qdpx)\n"                        \
    "      --offsets codepoints|utf16   --qdpx positions (default code points; utf16: NVivo's unit)\n"                 \
    "      --top N                summary: only the N main codes with most quotations\n"                               \
    "      --cache DIR            per-document coding cache for later re-codes (docs/recode.md): a\n"                  \
    "                             run fills it and keeps a copy of the codebook, so that\n"                            \
    "                             `qcode recode --from` these results with --cache DIR codes only\n"                   \
    "                             what a revision changed and finds this codebook when it is edited\n"                 \
    "      --prune-cache          then remove the --cache entries of documents this run did not read\n"                \
    "                             (earlier versions, dropped transcripts; not with a folder shared)\n"                 \
    "  -j, --jobs N               threads (default 0: one per core; 1: all on one)\n"                                  \
    "      --engine fast|reference  matching engine (default fast)\n"                                                  \
    "      --strict               stop at the first document that cannot be read\n"                                    \
    "      --encoding utf-8|windows-1252   transcript encoding (default utf-8; UTF-16 is told by\n"                    \
    "                             its bytes and read whatever this says)\n"                                            \
    "      --input-format text|vtt|srt|docx   read every transcript as this format, whatever its\n"                    \
    "                             name (a pipe such as <(iconv ...), a name without .txt .md ...)\n"                   \
    "      --speaker-pattern RE   PCRE2 pattern with (?<speaker>...) for speaker labels\n"                             \
    "      --interviewer LABEL    a label meaning interviewer (repeatable; replaces the defaults)\n"                   \
    "      --no-speakers          read every document as one unlabelled narrative\n"                                   \
    "\n"                                                                                                               \
    "A document that cannot be read is reported as file:line:col: error: message and skipped.\n"                       \
    "Outputs are written atomically and together, only when the run finished: a run that fails\n"                      \
    "changes none of them (an output to a pipe or device is written when its turn comes).\n"                           \
    "Exit codes: 0 ok, 1 some documents failed (nothing written with --strict), 2 usage or I/O\n"                      \
    "error, 3 codebook error.\n"

typedef struct run_state {
    qc_results *res;
    qc_refi_export *qdpx;    /* --qdpx: documents are added as they are coded (their texts are the sources) */
    int cases_name_speakers; /* qc_casebook_has_speakers: else no speaker is news */
    size_t dup_failed;
    cli_same_bytes same; /* copies of a transcript under another name */
    cli_progress progress;
} run_state;

static void clear_progress(run_state *st)
{
    cli_progress_clear(&st->progress);
}

static int on_document(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                       qc_error *err)
{
    run_state *st = user;
    int rc = qc_results_add(st->res, doc, coding, src, err);
    if (rc == 0 && st->qdpx)
        rc = qc_refi_export_add_document(st->qdpx, doc, err);
    if (rc == QC_ERR_INVALID) { /* a duplicate document id: reported like an unreadable document */
        clear_progress(st);
        cli_print_error(err);
        st->dup_failed++;
        return 0;
    }
    const char *path = src && src->path ? src->path : qc_document_path(doc);
    const char *first = rc == 0 && src ? cli_same_bytes_seen(&st->same, path, src->sha256) : NULL;
    if (first) {
        clear_progress(st);
        cli_line(stderr, "%s: warning: the same bytes as %s: both are coded and counted", path, first);
    }
    return rc;
}

/* --qdpx with --manual reads manual.xml again for the project: the codings it skips were already
 * warned about by the run (as "not counted"), so only its other warnings (a coding moved to where
 * its text now is) are shown. */
static void qdpx_warning(const qc_diagnostic *diag, void *user)
{
    const char *manual = user;
    size_t n = strlen(diag->message);
    if (manual && strcmp(diag->file, manual) == 0 && n >= 9 && strcmp(diag->message + n - 9, ": skipped") == 0)
        return;
    cli_print_diagnostic(diag, NULL);
}

static void on_error(const char *path, const qc_error *err, void *user)
{
    run_state *st = user;
    clear_progress(st);
    if (err->file[0])
        cli_print_error(err);
    else
        cli_line(stderr, "%s: error: %s", path, err->message[0] ? err->message : qc_status_name(err->code));
}

static void on_issue(const char *path, const char *message, void *user)
{
    clear_progress(user);
    cli_line(stderr, "%s: warning: %s", path, message);
}

static void on_read_warning(const qc_diagnostic *diag, void *user)
{
    clear_progress(user);
    cli_print_diagnostic(diag, NULL);
}

static void on_progress(const qc_run_stats *stats, void *user)
{
    run_state *st = user;
    cli_progress_update(&st->progress, stats->documents + stats->failed, stats->bytes);
}

/* code_options_record's, and --manual, the manual codings this run counts (recode carries its
 * --manual to another codebook, and does not record it). */
static int record_options(qc_results *res, const code_options *o, qc_error *err)
{
    int rc = code_options_record(res, o, err);
    if (rc == 0 && o->manual_path)
        rc = qc_results_set_option(res, "manual", o->manual_path, err);
    return rc;
}

/* -o and --qdpx against the codebook, casebook, manual codings and transcripts. */
static int refuse_overwrite(const code_options *o, char **paths, size_t count)
{
    /* -o, --qdpx, the --tsv folder itself (-o same --tsv same) and each of its tables */
    enum { TABLES = 5 };
    cli_file outputs[3 + TABLES] = {{o->output, "-o"}, {o->qdpx_path, "--qdpx"}, {o->tsv_dir, "--tsv"}};
    char *tables[TABLES] = {NULL};
    char what[TABLES][64];
    size_t n = 3;
    for (size_t i = 0; o->tsv_dir && i < TABLES && qc_results_tsv_table(i); i++) {
        const char *name = qc_results_tsv_table(i);
        size_t size = strlen(o->tsv_dir) + strlen(name) + 2;
        if (!(tables[i] = malloc(size))) {
            for (size_t k = 0; k < i; k++)
                free(tables[k]);
            return cli_fail("code: out of memory");
        }
        snprintf(tables[i], size, "%s/%s", o->tsv_dir, name);
        snprintf(what[i], sizeof what[i], "--tsv's %s", name);
        outputs[n++] = (cli_file){tables[i], what[i]};
    }
    const cli_file inputs[] = {
        {o->codebook_path, "codebook"}, {o->cases_path, "casebook"}, {o->manual_path, "manual codings"}};
    int rc = cli_refuse_overwrite_corpus("code", outputs, n, inputs, 3, paths, count);
    for (size_t i = 0; i < TABLES; i++)
        free(tables[i]);
    /* The tables' folder: a file in its place would fail only after the whole run was coded. */
    cli_kind tsv = o->tsv_dir ? cli_kind_of(o->tsv_dir) : CLI_MISSING;
    if (rc == QC_EXIT_OK && tsv != CLI_MISSING && tsv != CLI_FOLDER)
        rc = cli_fail("code: --tsv %s is not a folder (the TSV tables are written into a folder)", o->tsv_dir);
    return rc;
}

/* The results the run adds to, with the options they record: made while the inputs are listed
 * when there are two jobs (neither prints anything; the casebook's identifier columns are found
 * over all its rows, some 0.07 s of CPU for the benchmark's, on the one thread working before the
 * run). */
typedef struct results_job {
    const code_options *o;
    const qc_codebook *cb;
    const qc_casebook *cases;
    qc_results_options opts;
    qc_results *res; /* the caller's to free, made or not */
    int rc;
    qc_error err;
} results_job;

static void *make_results(void *arg)
{
    results_job *j = arg;
    j->rc = qc_results_new_opts(&j->res, j->cb, j->cases, &j->opts, &j->err);
    if (j->rc == 0)
        j->rc = record_options(j->res, j->o, &j->err);
    return NULL;
}

/* What the casebook says of the documents read (notes and warnings on stderr): identifier
 * columns, speakers it does not know, rows that name no document or speaker read. */
typedef struct case_notes {
    const char *cases_path;
    const qc_casebook *cases;
    const qc_results *res;
    int name_speakers; /* qc_casebook_has_speakers */
} case_notes;

static void *tell_case_notes(void *arg)
{
    const case_notes *n = arg;
    cli_note_identifiers(n->cases_path, n->res);
    if (n->cases) {
        if (n->name_speakers)
            cli_warn_unknown_speakers_of(n->cases, n->res);
        cli_warn_unmatched_documents_of(n->cases, n->cases_path, n->res);
        cli_warn_unmatched_speakers_of(n->cases, n->cases_path, n->res);
    }
    return NULL;
}

/* With more than one job the notes are told on a thread of their own while results.xml's end is
 * written, which only reads the same results (and the casebook not at all) and prints nothing:
 * they sorted and looked up every speaker of the corpus on the one thread left working (about
 * 0.08 s of CPU at 1 GB). Only when nothing else may print before results.xml is written: the
 * stop of --strict and the warnings of --manual come after the notes. 1 when started (join it). */
static int tell_case_notes_beside(const code_options *o, int strict_stop, case_notes *n, pthread_t *thread)
{
    return o->output && !o->manual_path && !strict_stop && cli_threads(o->jobs) >= 2 &&
           pthread_create(thread, NULL, tell_case_notes, n) == 0;
}

/* The run through the coding cache (--cache): documents and codes it holds are taken from it, the
 * others coded and stored; the codebook is kept there for a later `recode --from` to find. The
 * codes with `where` conditions are keyed per document by the casebook's values they can read
 * there (no context: see qc_cache_open), as `qcode recode` keys them. */
static int run_through_cache(const code_options *o, const qc_codebook *cb, const qc_casebook *cases, char **paths,
                             size_t count, const qc_run_options *ropts, qc_run_stats *stats, qc_error *err)
{
    qc_cache *cache = NULL;
    int rc = qc_cache_open(&cache, o->cache_dir, cb, NULL, err);
    if (rc == 0)
        rc = cli_keep_codebook(o->cache_dir, cb, err);
    if (rc == 0)
        rc = qc_cache_run(cache, (const char *const *)paths, count, cases, ropts, stats, err);
    clear_progress(ropts->user);
    char reason[QC_CACHE_REASON_MAX];
    size_t unwritten = qc_cache_unwritten(cache, reason, sizeof reason);
    cli_warn_unwritten_cache(o->cache_dir, unwritten, reason);
    const run_state *st = ropts->user;
    if (rc == 0 && o->prune_cache && cli_may_prune(o->cache_dir, stats->failed + st->dup_failed)) {
        size_t removed = 0;
        uint64_t bytes = 0;
        qc_error perr;
        int prc = qc_cache_prune(cache, &removed, &bytes, &perr);
        cli_told_pruned(o->cache_dir, prc, removed, bytes, &perr);
    }
    qc_cache_free(cache);
    return rc;
}

static int run(int argc, char **argv)
{
    code_options o;
    int rc = code_options_parse(&o, argc, argv, CODE_OPTIONS_CODE);
    if (rc >= 0)
        return rc;
    if (o.first_input >= argc) {
        code_options_free(&o);
        return cli_fail("code: no transcripts given (see 'qcode help code')");
    }
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    int exit_code = code_options_load(&o, &cb, &cases);
    if (exit_code != QC_EXIT_OK) {
        code_options_free(&o);
        return exit_code;
    }
    /* Only the outputs read quotations (results.xml, quotations.tsv, the project's codings) or
     * per-document and per-speaker counts (results.xml's breakdowns); the summary and --manual's
     * merging need the counts alone, which spares the run its temporary files. */
    results_job made = {&o, cb, cases, QC_RESULTS_OPTIONS_INIT, NULL, 0, {0}};
    made.opts.counts_only = !o.output && !o.tsv_dir && !o.qdpx_path;
    /* Format 2 is written while coding (docs/results-format-2.md); alone, its quotations are kept
     * for nothing else. */
    int stream = o.output && o.results_format != 1 && cli_may_stream_to(o.output);
    made.opts.stream_only = stream && !o.tsv_dir && !o.qdpx_path;
    pthread_t maker;
    int made_beside = cli_threads(o.jobs) >= 2 && pthread_create(&maker, NULL, make_results, &made) == 0;
    char **paths = NULL, **ids = NULL;
    long count = code_options_inputs(argv + o.first_input, argc - o.first_input, &paths, &ids);
    if (count > 0 && (exit_code = refuse_overwrite(&o, paths, (size_t)count)) == QC_EXIT_OK && !made_beside)
        make_results(&made);
    if (made_beside)
        pthread_join(maker, NULL);
    qc_results *res = made.res;
    qc_manual *manual = NULL;
    /* Every output waits here, written, until all are: a run that fails changes none of them. */
    qc_outputs *outputs = NULL;
    qc_error err;
    char qdpx_time[32];
    run_state st;
    memset(&st, 0, sizeof st);
    if (count < 0) {
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    if (count == 0) {
        exit_code = cli_fail("code: no transcripts found (.txt .md .vtt .srt .docx)");
        goto done;
    }
    if (exit_code != QC_EXIT_OK) /* refuse_overwrite's */
        goto done;
    char tbuf[32];
    qc_write_options wopts = QC_WRITE_OPTIONS_INIT;
    wopts.time = cli_fixed_time(tbuf);
    wopts.jobs = cli_write_jobs(o.jobs);
    wopts.format = o.results_format ? o.results_format : 2;
    if (qc_outputs_new(&outputs, &err) != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    wopts.outputs = outputs;
    if (made.rc != 0 || (stream && qc_results_stream_xml(res, o.output, &wopts, &err) != 0)) {
        cli_print_error(made.rc != 0 ? &made.err : &err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    /* Read before the run: a file that is not manual.xml stops here, before any coding. */
    if (o.manual_path && qc_manual_load(&manual, o.manual_path, cb, cli_print_diagnostic, NULL, &err) != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    if (o.qdpx_path) {
        qc_refi_options xo = QC_REFI_OPTIONS_INIT;
        xo.on_warning = qdpx_warning;
        xo.user = (void *)o.manual_path;
        xo.utf16_offsets = o.qdpx_utf16;
        xo.time = cli_fixed_time(qdpx_time); /* SOURCE_DATE_EPOCH, else now */
        xo.outputs = outputs;
        if (qc_refi_export_new(&st.qdpx, cb, cases, &xo, &err) != 0) {
            cli_print_error(&err);
            exit_code = QC_EXIT_USAGE;
            goto done;
        }
    }
    st.res = res;
    st.cases_name_speakers = qc_casebook_has_speakers(cases);
    cli_progress_start(&st.progress, paths, (size_t)count);

    qc_run_options ropts = QC_RUN_OPTIONS_INIT;
    ropts.read = &o.read;
    ropts.engine = o.engine;
    ropts.jobs = o.jobs;
    ropts.strict = o.strict;
    ropts.on_document = on_document;
    ropts.results = st.res; /* on_document adds each document to it: the workers prepare that */
    ropts.on_error = on_error;
    ropts.on_issue = on_issue;
    ropts.on_read_warning = on_read_warning;
    ropts.on_progress = on_progress;
    ropts.user = &st;
    ropts.ids = (const char *const *)ids;
    ropts.manual = manual;
    qc_run_stats stats;
    if (o.cache_dir) {
        rc = run_through_cache(&o, cb, cases, paths, (size_t)count, &ropts, &stats, &err);
    } else {
        rc = qc_corpus_run((const char *const *)paths, (size_t)count, cb, cases, &ropts, &stats, &err);
    }
    clear_progress(&st);
    case_notes notes = {o.cases_path, cases, res, st.cases_name_speakers};
    pthread_t notes_thread;
    int notes_beside = rc == 0 && tell_case_notes_beside(&o, o.strict && st.dup_failed, &notes, &notes_thread);
    if (rc == 0 && !notes_beside)
        tell_case_notes(&notes);
    size_t failed = stats.failed + st.dup_failed;
    if (rc != 0) {
        /* A document that failed stopped it (an unreadable one is QC_ERR_IO too: told already by
         * on_error), or the run itself failed (out of memory, a temporary file not written). */
        if (o.strict && rc != QC_ERR_NOMEM && (rc != QC_ERR_IO || stats.failed > 0)) {
            fprintf(stderr, "qcode: stopped at the first document that failed (--strict); nothing written\n");
            exit_code = QC_EXIT_PARTIAL;
        } else {
            cli_print_error(&err);
            exit_code = QC_EXIT_USAGE;
        }
        goto done;
    }
    if (o.strict && st.dup_failed) {
        fprintf(stderr, "qcode: stopped at the first document that failed (--strict); nothing written\n");
        exit_code = QC_EXIT_PARTIAL;
        goto done;
    }
    qc_manual_finish(manual); /* codings on documents the run did not have */
    int xml_rc = o.output ? qc_results_write_xml(res, o.output, &wopts, &err) : 0;
    if (notes_beside)
        pthread_join(notes_thread, NULL);
    if (xml_rc != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    if (o.tsv_dir && qc_results_write_tsv_opts(res, o.tsv_dir, &wopts, &err) != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    if (st.qdpx && (qc_refi_export_add_results(st.qdpx, res, &err) != 0 ||
                    (o.manual_path && qc_refi_export_add_manual(st.qdpx, o.manual_path, &err) != 0) ||
                    qc_refi_export_write(st.qdpx, o.qdpx_path, &err) != 0)) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    if (qc_outputs_commit(outputs, &err) != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    summary_print(stdout, res, o.top);
    if (failed)
        cli_report_unread(failed, count);
    exit_code = failed ? QC_EXIT_PARTIAL : QC_EXIT_OK;
done:
    qc_refi_export_free(st.qdpx);
    cli_same_bytes_free(&st.same);
    qc_results_free(res);
    qc_outputs_free(outputs); /* what a failed run wrote: its temporaries go, the targets stay */
    qc_manual_free(manual);
    if (count > 0) {
        cli_free_paths(paths, count);
        cli_free_paths(ids, count);
    }
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    code_options_free(&o);
    return exit_code;
}

const cli_command cmd_code = {"code", "code transcripts with a codebook: summary, results.xml, TSV tables", USAGE, run};
