/* qcode recode: code a corpus with a revised codebook and report what moved against the old
 * results (or the old codebook run over the same corpus); carry manual codings across. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "code_options.h"

#define USAGE                                                                                                          \
    "usage: qcode recode --from RESULTS.xml -c NEW.qcb [options] CORPUS...\n"                                          \
    "       qcode recode --old OLD.qcb -c NEW.qcb [options] CORPUS...\n"                                               \
    "\n"                                                                                                               \
    "Codes the corpus with the new codebook and compares it, code by code, with the old results\n"                     \
    "(a results.xml from `qcode code`) or with the old codebook run over the same corpus. Old\n"                       \
    "codes are carried to their successors (same id, `was`, `merged-from`) before comparing, so\n"                     \
    "the report shows, for every code, quotations kept, gained and lost, with the reason (rules\n"                     \
    "changed, reference changed, merged, split, code removed, code added, document changed).\n"                        \
    "The summary goes to stdout; --report writes the full report as XML (docs/recode.md).\n"                           \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  --from FILE         the old results.xml\n"                                                                      \
    "  --old FILE          the old codebook (with --from: used for the diff and the reasons; without it,\n"            \
    "                      the codebook that made --from is looked for by the SHA-256 it records, in\n"                \
    "                      the --cache folder, which keeps a copy of each codebook, then at its path)\n"               \
    "  -c, --codebook FILE the new codebook (required)\n"                                                              \
    "  --cases FILE        casebook (.tsv or .csv) for `where` conditions and breakdowns; the\n"                       \
    "                      people it names are speakers even when they speak once\n"                                   \
    "  -o, --output FILE   write the new results.xml\n"                                                                \
    "  --results-format 1|2  its format (default: that of --from, else 2; docs/results-format-2.md)\n"                 \
    "  --report FILE       write the change report as XML\n"                                                           \
    "  --manual FILE       a manual.xml to carry to the new codebook (the people's codings the old\n"                  \
    "                      results.xml lists are carried too); carried codings are counted in -o\n"                    \
    "  --manual-out FILE   where the carried manual.xml goes (default: the --manual FILE with -recoded\n"              \
    "                      before .xml, else the --from FILE with -manual-recoded)\n"                                  \
    "  --cache DIR         per-document coding cache: unchanged documents and codes are not re-coded\n"                \
    "  --prune-cache       then remove the --cache entries of documents this run did not read\n"                       \
    "  --dry-run           show the report, write no output files (the cache is still kept up to date)\n"              \
    "  -j, --jobs N        threads coding (with or without --cache) and writing -o (default 0: one per core)\n"        \
    "  --verbose           print timing, cache statistics and the old side's source on stderr\n"                       \
    "  --engine fast|reference  matching engine (default fast)\n"                                                      \
    "\n"                                                                                                               \
    "Reading the corpus, as `qcode code`; with --from, what is not given is taken from the old\n"                      \
    "results' provenance, so that the corpus is read as their run read it (an option given that\n"                     \
    "differs from the recorded one is warned about: quotations then move for that alone):\n"                           \
    "  --encoding utf-8|windows-1252   transcript encoding (default utf-8; UTF-16 is told by\n"                        \
    "                                  its bytes and read whatever this says)\n"                                       \
    "  --input-format text|vtt|srt|docx   read every transcript as this format, whatever its name\n"                   \
    "  --speaker-pattern RE   PCRE2 pattern with (?<speaker>...) for speaker labels\n"                                 \
    "  --interviewer LABEL    a label meaning interviewer (repeatable; replaces the defaults)\n"                       \
    "  --no-speakers          read every document as one unlabelled narrative\n"                                       \
    "\n"                                                                                                               \
    "Exit codes: 0 ok, 1 some documents could not be read, 2 usage or I/O error, 3 codebook error.\n"

static void on_error(const char *path, const qc_error *err, void *user)
{
    (void)path;
    (*(size_t *)user)++;
    cli_print_error(err);
}

static void on_issue(const char *path, const char *message, void *user)
{
    (void)user;
    cli_line(stderr, "%s: warning: %s", path, message);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Where the carried manual codings go without --manual-out: beside the --manual file
 * (manual-recoded.xml), else beside --from's results, named so that it is not the name a
 * researcher gives the re-coded results themselves (results-manual-recoded.xml, not
 * results-recoded.xml, which -o would replace). NULL for want of memory. Needs one of the two:
 * with --old alone, manual codings come only from --manual. */
static char *default_manual_out(const code_options *o)
{
    const char *base = o->manual_path ? o->manual_path : o->from;
    const char *tail = o->manual_path ? "-recoded.xml" : "-manual-recoded.xml";
    size_t n = strlen(base), size = n + strlen(tail) + 1;
    char *out = malloc(size);
    if (!out)
        return NULL;
    snprintf(out, size, "%.*s%s", (int)(n > 4 && strcmp(base + n - 4, ".xml") == 0 ? n - 4 : n), base, tail);
    return out;
}

/* The format of the old results.xml, from its root's namespace near the start (2 when it is format
 * 2's, else 1: a file that is neither was refused when it was read). */
static unsigned from_format(const char *path)
{
    char head[4096];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head - 1, f) : 0;
    if (f)
        fclose(f);
    head[n] = '\0';
    const char *root = strstr(head, "<results");
    const char *end = root ? strchr(root, '>') : NULL;
    const char *ns = root ? strstr(root, "urn:qcode:results:2") : NULL;
    return ns && end && ns < end ? 2 : 1;
}

/* The options shared with `qcode code`, then what recode needs besides; the corpus is read as the
 * old results' run read it, but for the reading options given (docs/recode.md). */
static int parse(code_options *o, int argc, char **argv)
{
    int ex = code_options_parse(o, argc, argv, CODE_OPTIONS_RECODE);
    if (ex >= 0)
        return ex;
    if (!o->codebook_path)
        ex = cli_fail("recode: no new codebook given (-c NEW.qcb)");
    else if (!o->from && !o->old)
        ex = cli_fail("recode: give the old side: --from RESULTS.xml or --old OLD.qcb");
    else if (o->first_input >= argc)
        ex = cli_fail("recode: no corpus given (see 'qcode help recode')");
    else if (o->from)
        ex = code_options_read_as_recorded(o, "recode", o->from);
    if (ex >= 0)
        code_options_free(o);
    return ex;
}

/* The new results record how the corpus was read, as `qcode code`'s do, for the next re-code. */
static int record_options(qc_results *res, void *user, qc_error *err)
{
    return code_options_record(res, user, err);
}

/* wopts: results.xml's, which the re-code streamed when it is format 2; its outputs is the commit
 * set every output joins, renamed into place once all are written. The summary is printed only
 * after that: printed first, it told of a re-code whose -o then failed (a full disk) and was never
 * written. */
static int report_and_write(const code_options *o, qc_recode *rc, const qc_write_options *wopts, const char *manual_out)
{
    char *summary = NULL, *xml = NULL;
    size_t summary_len = 0, xml_len = 0;
    qc_error err;
    qc_error_clear(&err);
    int st = qc_recode_render(rc, QC_DIFF_TEXT, &summary, &summary_len, &err);
    if (!st && o->dry_run) {
        cli_put_printable_lines(stdout, summary, summary_len); /* code names from the codebooks */
        qc_diff_text_free(summary);
        fprintf(stderr, "recode: dry run: nothing written\n");
        return QC_EXIT_OK;
    }
    if (!st && o->report) {
        st = qc_recode_render(rc, QC_DIFF_XML, &xml, &xml_len, &err);
        if (!st)
            st = qc_outputs_write(wopts->outputs, o->report, xml, xml_len, &err);
        qc_diff_text_free(xml);
    }
    if (!st && o->output)
        st = qc_results_write_xml(qc_recode_results(rc), o->output, wopts, &err);
    /* Every carried coding goes out, also those that came only from results.xml: one whose code
     * was removed is in no results.xml, only there. */
    qc_recode_totals t;
    qc_recode_get_totals(rc, &t);
    int manual = o->manual_path || t.manual;
    if (!st && manual)
        st = qc_recode_write_manual(rc, manual_out, &err);
    if (!st)
        st = qc_outputs_commit(wopts->outputs, &err);
    if (st) {
        qc_diff_text_free(summary);
        cli_print_error(&err);
        return QC_EXIT_USAGE;
    }
    cli_put_printable_lines(stdout, summary, summary_len);
    qc_diff_text_free(summary);
    if (manual)
        cli_line(stderr, "recode: manual codings written to %s", manual_out);
    return QC_EXIT_OK;
}

/* -o, --report and --manual-out (given or its default: the carried codings are written whenever
 * there are some) against each other and every file the re-code reads. */
static int refuse_overwrite(const code_options *o, const char *manual_out, char **paths, size_t count)
{
    const cli_file outputs[] = {
        {o->output, "-o"},
        {o->report, "--report"},
        {manual_out, o->manual_out ? "--manual-out" : "the manual codings' default --manual-out"}};
    const cli_file inputs[] = {{o->from, "old results"},
                               {o->old, "old codebook"},
                               {o->codebook_path, "codebook"},
                               {o->cases_path, "casebook"},
                               {o->manual_path, "manual codings"}};
    return cli_refuse_overwrite_corpus("recode", outputs, 3, inputs, 5, paths, count);
}

static int run(int argc, char **argv)
{
    code_options o;
    int ex = parse(&o, argc, argv);
    if (ex >= 0)
        return ex;
    qc_codebook *new_cb = NULL, *old_cb = NULL;
    qc_casebook *cases = NULL;
    char **paths = NULL, **ids = NULL;
    long count = 0;
    qc_error err;
    qc_error_clear(&err);
    ex = code_options_load(&o, &new_cb, &cases);
    if (!ex && o.old)
        ex = cli_load_codebook(o.old, &old_cb);
    if (!ex && (count = code_options_inputs(argv + o.first_input, argc - o.first_input, &paths, &ids)) < 0)
        ex = QC_EXIT_USAGE;
    if (!ex && count == 0)
        ex = cli_fail("recode: no transcripts found in the corpus given");
    if (!ex && o.from)
        code_options_check_format(&o, "recode", o.from, paths, count);
    char *manual_default = NULL;
    if (!ex && !o.manual_out && (o.manual_path || o.from) && !(manual_default = default_manual_out(&o)))
        ex = cli_fail("recode: out of memory");
    const char *manual_out = o.manual_out ? o.manual_out : manual_default;
    if (!ex && !o.dry_run)
        ex = refuse_overwrite(&o, manual_out, paths, (size_t)count);
    size_t failed = 0;
    qc_recode *rc = NULL;
    /* Every output waits here, written, until all are: a run that fails changes none of them. */
    qc_outputs *outputs = NULL;
    if (!ex && qc_outputs_new(&outputs, &err) != 0) {
        cli_print_error(&err);
        ex = QC_EXIT_USAGE;
    }
    char tbuf[32];
    qc_write_options wopts = QC_WRITE_OPTIONS_INIT;
    wopts.time = cli_fixed_time(tbuf); /* as `qcode code`: SOURCE_DATE_EPOCH, else now */
    wopts.jobs = cli_write_jobs(o.jobs);
    wopts.format = o.results_format ? o.results_format : o.from ? from_format(o.from) : 2;
    wopts.outputs = outputs;
    if (!ex) {
        qc_recode_options ro = QC_RECODE_OPTIONS_INIT;
        ro.old_cb = old_cb;
        ro.results_path = o.from;
        ro.manual_path = o.manual_path;
        ro.cache_dir = o.cache_dir;
        ro.counts_only = o.dry_run || !o.output; /* the new results are only written by -o */
        /* Format 2 is written while the corpus is coded (docs/results-format-2.md). */
        if (!ro.counts_only && wopts.format == 2 && cli_may_stream_to(o.output)) {
            ro.stream_path = o.output;
            ro.stream_options = &wopts;
        }
        ro.outputs = outputs;
        ro.casebook_changed = o.casebook_changed;
        ro.on_results = record_options;
        ro.results_user = &o;
        ro.run.read = &o.read;
        ro.run.engine = o.engine;
        ro.run.jobs = o.jobs;
        ro.run.ids = (const char *const *)ids;
        ro.run.on_error = on_error;
        ro.run.on_issue = on_issue;
        ro.run.on_read_warning = cli_print_diagnostic;
        ro.run.user = &failed;
        double t0 = now();
        if (qc_recode_run(&rc, (const char *const *)paths, (size_t)count, new_cb, cases, &ro, &err) != 0) {
            cli_print_error(&err);
            ex = QC_EXIT_USAGE;
        } else {
            char reason[QC_CACHE_REASON_MAX];
            size_t unwritten = qc_recode_cache_unwritten(rc, reason, sizeof reason);
            cli_warn_unwritten_cache(o.cache_dir, unwritten, reason);
            if (o.prune_cache && cli_may_prune(o.cache_dir, failed)) {
                size_t removed = 0;
                uint64_t bytes = 0;
                qc_error perr;
                int prc = qc_recode_prune_cache(rc, &removed, &bytes, &perr);
                cli_told_pruned(o.cache_dir, prc, removed, bytes, &perr);
            }
            if (qc_recode_old_codebook_differs(rc))
                cli_line(stderr,
                         "%s: warning: made with another codebook than --old %s (the SHA-256 it records differs): its "
                         "codes are followed through the lineage of %s, so renames and merges may show as losses "
                         "and gains; give the codebook that made it, or leave --old out to have it found by its "
                         "SHA-256 (docs/recode.md)",
                         o.from, o.old, o.old);
            cli_note_identifiers(o.cases_path, qc_recode_results(rc));
            if (cases) {
                if (qc_casebook_has_speakers(cases))
                    cli_warn_unknown_speakers_of(cases, qc_recode_results(rc));
                cli_warn_unmatched_documents_of(cases, o.cases_path, qc_recode_results(rc));
                cli_warn_unmatched_speakers_of(cases, o.cases_path, qc_recode_results(rc));
            }
        }
        if (!ex && o.verbose) {
            qc_cache_stats cs;
            qc_recode_cache_stats(rc, &cs);
            unsigned threads = cli_threads(o.jobs);
            fprintf(stderr, "recode: %ld document%s in %.3f s on %u thread%s", count, count == 1 ? "" : "s", now() - t0,
                    threads, threads == 1 ? "" : "s");
            if (o.cache_dir) {
                fputs("; cache ", stderr);
                cli_put_printable(stderr, o.cache_dir);
                fprintf(stderr,
                        ": %zu hits, %zu new, %zu stale (%zu code codings out of date), %zu rejected, %zu written",
                        cs.hits, cs.misses, cs.stale, cs.codes_recoded, cs.rejected, cs.written);
            }
            const qc_codebook *found = qc_recode_old_codebook(rc);
            if (found) {
                fputs("; old codebook ", stderr);
                cli_put_printable(stderr, qc_codebook_path(found));
                fputs(", found by the SHA-256 in ", stderr);
                cli_put_printable(stderr, o.from);
            }
            size_t from_file = qc_recode_old_side_read_documents(rc);
            int old_codebook_known = o.from && (old_cb || found);
            if (old_codebook_known && !qc_recode_old_side_coded(rc))
                fprintf(stderr, "; old side: read from the file");
            else if (old_codebook_known && !from_file)
                fprintf(stderr, "; old side: coded again (every document's coding matched the file)");
            else if (old_codebook_known)
                fprintf(
                    stderr,
                    "; old side: coded again, but read from the file for %zu document%s whose coding did not match it",
                    from_file, from_file == 1 ? "" : "s");
            fputc('\n', stderr);
        }
    }
    if (!ex)
        ex = report_and_write(&o, rc, &wopts, manual_out);
    if (!ex && failed) {
        cli_report_unread(failed, count);
        ex = QC_EXIT_PARTIAL;
    }
    qc_recode_free(rc);
    qc_outputs_free(outputs); /* what a failed run wrote: its temporaries go, the targets stay */
    cli_free_paths(paths, count > 0 ? count : 0);
    cli_free_paths(ids, count > 0 ? count : 0);
    free(manual_default);
    qc_casebook_free(cases);
    qc_codebook_free(new_cb);
    qc_codebook_free(old_cb);
    code_options_free(&o);
    return ex;
}

const cli_command cmd_recode = {"recode", "re-code a corpus after a codebook revision and report what moved", USAGE,
                                run};
