#include "code_options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_CASES = 256,
    OPT_TSV,
    OPT_TOP,
    OPT_ENGINE,
    OPT_STRICT,
    OPT_ENCODING,
    OPT_SPEAKER_PATTERN,
    OPT_INTERVIEWER,
    OPT_NO_SPEAKERS,
    OPT_RESULTS,
    OPT_ROLLUP,
    OPT_QDPX,
    OPT_MANUAL,
    OPT_CACHE,
    OPT_PRUNE_CACHE,
    OPT_OFFSETS,
    OPT_INPUT_FORMAT,
    OPT_RESULTS_FORMAT,
    OPT_FROM,
    OPT_OLD,
    OPT_REPORT,
    OPT_MANUAL_OUT,
    OPT_DRY_RUN,
    OPT_VERBOSE
};

enum {
    ALL = CODE_OPTIONS_CODE | CODE_OPTIONS_QUOTES | CODE_OPTIONS_RECODE,
    WRITES = CODE_OPTIONS_CODE | CODE_OPTIONS_RECODE
};

/* The reading options: the name results.xml records each under (code_options_record), its bit in
 * code_options.given and its flag on the command line. */
static const struct {
    const char *name;
    int opt;
    unsigned bit;
    const char *flag; /* the command line's option, for messages */
} reading_options[] = {{"encoding", OPT_ENCODING, GIVEN_ENCODING, "--encoding"},
                       {"input-format", OPT_INPUT_FORMAT, GIVEN_FORMAT, "--input-format"},
                       {"speaker-pattern", OPT_SPEAKER_PATTERN, GIVEN_SPEAKER_PATTERN, "--speaker-pattern"},
                       {"speakers", OPT_NO_SPEAKERS, GIVEN_SPEAKERS, "--no-speakers"},
                       {"interviewers", OPT_INTERVIEWER, GIVEN_INTERVIEWERS, "--interviewer"}};
enum { READING_OPTIONS = sizeof reading_options / sizeof *reading_options };

static int parse_size(const char *s, size_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > 1000000000ull)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* The option getopt_long just took, as typed: `--top 3` is two words, and argv[optind - 1] is then
 * the value, which is not what a message about the option should name. */
static const char *option_as_given(char **argv, int next)
{
    return optarg && next >= 2 && optarg == argv[next - 1] ? argv[next - 2] : argv[next - 1];
}

/* A reading option, from the command line or from what a results.xml records (the value is
 * borrowed: it must outlive o). 0, -1 for a value the option does not take, -2 out of memory. */
static int set_reading(code_options *o, int opt, const char *value)
{
    switch (opt) {
    case OPT_ENCODING:
        if (strcmp(value, "utf-8") == 0 || strcmp(value, "utf8") == 0 || strcmp(value, "UTF-8") == 0)
            o->read.encoding = QC_ENCODING_UTF8;
        else if (strcmp(value, "windows-1252") == 0 || strcmp(value, "cp1252") == 0)
            o->read.encoding = QC_ENCODING_WINDOWS1252;
        else
            return -1;
        return 0;
    case OPT_INPUT_FORMAT: return cli_parse_input_format(value, &o->read.format);
    case OPT_SPEAKER_PATTERN: o->read.speaker_pattern = value; return 0;
    case OPT_NO_SPEAKERS: o->read.speakers = QC_SPEAKERS_NONE; return 0;
    case OPT_INTERVIEWER: {
        const char **p = realloc(o->interviewers, (o->interviewer_count + 1) * sizeof *p);
        if (!p)
            return -2;
        o->interviewers = p;
        o->interviewers[o->interviewer_count++] = value;
        o->read.interviewer_labels = o->interviewers;
        o->read.interviewer_label_count = o->interviewer_count;
        return 0;
    }
    default: return -1;
    }
}

/* The GIVEN_* bit of a reading option, 0 for the others. */
static unsigned given_bit(int opt)
{
    for (size_t i = 0; i < READING_OPTIONS; i++)
        if (reading_options[i].opt == opt)
            return reading_options[i].bit;
    return 0;
}

/* A reading option given on the command line: 0, or the exit code (printed). */
static int given_reading(code_options *o, int opt, const char *value, const char *cmd)
{
    o->given |= given_bit(opt);
    int rc = set_reading(o, opt, value);
    if (rc == -2)
        return cli_fail("%s: out of memory", cmd);
    if (rc == 0)
        return 0;
    if (opt == OPT_ENCODING)
        return cli_fail("%s: --encoding is utf-8 or windows-1252, not '%s'", cmd, value);
    return cli_fail("%s: --input-format is text, vtt, srt or docx, not '%s'", cmd, value);
}

int code_options_parse(code_options *o, int argc, char **argv, code_options_kind kind)
{
    static const struct option longs[] = {{"codebook", required_argument, NULL, 'c'},
                                          {"cases", required_argument, NULL, OPT_CASES},
                                          {"output", required_argument, NULL, 'o'},
                                          {"tsv", required_argument, NULL, OPT_TSV},
                                          {"top", required_argument, NULL, OPT_TOP},
                                          {"jobs", required_argument, NULL, 'j'},
                                          {"engine", required_argument, NULL, OPT_ENGINE},
                                          {"strict", no_argument, NULL, OPT_STRICT},
                                          {"encoding", required_argument, NULL, OPT_ENCODING},
                                          {"speaker-pattern", required_argument, NULL, OPT_SPEAKER_PATTERN},
                                          {"interviewer", required_argument, NULL, OPT_INTERVIEWER},
                                          {"no-speakers", no_argument, NULL, OPT_NO_SPEAKERS},
                                          {"results", required_argument, NULL, OPT_RESULTS},
                                          {"rollup", no_argument, NULL, OPT_ROLLUP},
                                          {"qdpx", required_argument, NULL, OPT_QDPX},
                                          {"manual", required_argument, NULL, OPT_MANUAL},
                                          {"cache", required_argument, NULL, OPT_CACHE},
                                          {"prune-cache", no_argument, NULL, OPT_PRUNE_CACHE},
                                          {"offsets", required_argument, NULL, OPT_OFFSETS},
                                          {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
                                          {"results-format", required_argument, NULL, OPT_RESULTS_FORMAT},
                                          {"from", required_argument, NULL, OPT_FROM},
                                          {"old", required_argument, NULL, OPT_OLD},
                                          {"report", required_argument, NULL, OPT_REPORT},
                                          {"manual-out", required_argument, NULL, OPT_MANUAL_OUT},
                                          {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                                          {"verbose", no_argument, NULL, OPT_VERBOSE},
                                          {NULL, 0, NULL, 0}};
    const char *cmd = argv[0];
    memset(o, 0, sizeof *o);
    o->read = (qc_read_options)QC_READ_OPTIONS_INIT;
    o->jobs = 0; /* one thread per core: the output is the same whatever the number */
    o->engine = QC_ENGINE_FAST;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:o:j:", longs, NULL)) != -1) {
        unsigned applies = ALL; /* the commands (code_options_kind bits) the option is for */
        int rc = 0;
        size_t n;
        switch (c) {
        case 'c': o->codebook_path = optarg; break;
        case OPT_CASES: o->cases_path = optarg; break;
        case 'o': o->output = optarg, applies = WRITES; break;
        case OPT_TSV: o->tsv_dir = optarg, applies = CODE_OPTIONS_CODE; break;
        case OPT_QDPX: o->qdpx_path = optarg, applies = CODE_OPTIONS_CODE; break;
        case OPT_MANUAL: o->manual_path = optarg, applies = WRITES; break;
        case OPT_CACHE: o->cache_dir = optarg, applies = WRITES; break;
        case OPT_PRUNE_CACHE: o->prune_cache = 1, applies = WRITES; break;
        case OPT_OFFSETS:
            applies = CODE_OPTIONS_CODE;
            o->offsets_given = 1;
            if (strcmp(optarg, "utf16") == 0)
                o->qdpx_utf16 = 1;
            else if (strcmp(optarg, "codepoints") != 0)
                rc = cli_fail("%s: --offsets takes codepoints or utf16, not '%s'", cmd, optarg);
            break;
        case OPT_RESULTS_FORMAT:
            applies = WRITES;
            if (strcmp(optarg, "1") == 0 || strcmp(optarg, "2") == 0)
                o->results_format = (unsigned)(optarg[0] - '0');
            else
                rc = cli_fail("%s: --results-format is 1 or 2, not '%s'", cmd, optarg);
            break;
        case OPT_TOP:
            applies = CODE_OPTIONS_CODE;
            if (parse_size(optarg, &o->top) != 0 || o->top == 0)
                rc = cli_fail("%s: --top needs a positive number, not '%s'", cmd, optarg);
            break;
        case 'j':
            if (parse_size(optarg, &n) != 0 || n > 256)
                rc = cli_fail("%s: --jobs needs a number from 0 to 256, not '%s'", cmd, optarg);
            else
                o->jobs = (unsigned)n;
            break;
        case OPT_ENGINE:
            if (strcmp(optarg, "fast") == 0)
                o->engine = QC_ENGINE_FAST;
            else if (strcmp(optarg, "reference") == 0)
                o->engine = QC_ENGINE_REFERENCE;
            else
                rc = cli_fail("%s: --engine is fast or reference, not '%s'", cmd, optarg);
            break;
        case OPT_STRICT: o->strict = 1, applies = CODE_OPTIONS_CODE; break;
        case OPT_ENCODING:
        case OPT_INPUT_FORMAT:
        case OPT_SPEAKER_PATTERN:
        case OPT_INTERVIEWER:
        case OPT_NO_SPEAKERS: rc = given_reading(o, c, optarg, cmd); break;
        case OPT_RESULTS: o->results_path = optarg, applies = CODE_OPTIONS_QUOTES; break;
        case OPT_ROLLUP: o->rollup = 1, applies = CODE_OPTIONS_QUOTES; break;
        case OPT_FROM: o->from = optarg, applies = CODE_OPTIONS_RECODE; break;
        case OPT_OLD: o->old = optarg, applies = CODE_OPTIONS_RECODE; break;
        case OPT_REPORT: o->report = optarg, applies = CODE_OPTIONS_RECODE; break;
        case OPT_MANUAL_OUT: o->manual_out = optarg, applies = CODE_OPTIONS_RECODE; break;
        case OPT_DRY_RUN: o->dry_run = 1, applies = CODE_OPTIONS_RECODE; break;
        case OPT_VERBOSE: o->verbose = 1, applies = CODE_OPTIONS_RECODE; break;
        case ':':
            rc = cli_fail("%s: option '%s' needs a value (see 'qcode help %s')", cmd, argv[optind - 1], cmd);
            break;
        default: rc = cli_fail("%s: unknown option '%s' (see 'qcode help %s')", cmd, argv[optind - 1], cmd);
        }
        if (!rc && !(applies & kind))
            rc = cli_fail("%s: option '%s' does not apply here (see 'qcode help %s')", cmd,
                          option_as_given(argv, optind), cmd);
        if (rc)
            return code_options_free(o), rc;
    }
    o->first_input = optind;
    if (o->prune_cache && !o->cache_dir)
        return code_options_free(o),
               cli_fail("%s: --prune-cache removes entries of the --cache folder: give --cache DIR too (see "
                        "'qcode help %s')",
                        cmd, cmd);
    /* Alone it would change nothing: results.xml and the tables count code points always. */
    if (o->offsets_given && !o->qdpx_path)
        return code_options_free(o),
               cli_fail("%s: --offsets sets the positions of the --qdpx project: give --qdpx FILE "
                        "too (see 'qcode help %s')",
                        cmd, cmd);
    if (!o->codebook_path && kind != CODE_OPTIONS_RECODE && !(kind == CODE_OPTIONS_QUOTES && o->results_path))
        return code_options_free(o), cli_fail("%s: no codebook given: use -c FILE (see 'qcode help %s')", cmd, cmd);
    return -1;
}

void code_options_free(code_options *o)
{
    free(o->interviewers);
    free(o->recorded_pattern);
    free(o->recorded_labels);
    o->interviewers = NULL;
    o->interviewer_count = 0;
    o->recorded_pattern = o->recorded_labels = NULL;
}

typedef struct recorded {
    code_options rec;    /* the reading options recorded, over the defaults */
    const char *results; /* the file, for messages */
    unsigned given;      /* the command line's GIVEN_* bits: those recorded values are not used */
    unsigned bad_bits;   /* GIVEN_* bits of recorded values this qcode does not take */
    char bad[512];       /* the first of them for an option not given */
    int nomem;
    char *casebook, *casebook_sha1; /* the casebook the run had, and its SHA-1 (owned) */
} recorded;

static int add_label(const char *label, void *user)
{
    return set_reading(user, OPT_INTERVIEWER, label);
}

/* The interviewer labels as recorded (code_options_record), split as every reader of them splits
 * them (qc_results_split_labels). A second record of them (a file edited by hand) replaces the
 * first, as qc_results_set_option does. */
static int set_labels(code_options *o, const char *joined)
{
    free(o->recorded_labels);
    o->interviewer_count = 0;
    if (!(o->recorded_labels = strdup(joined)))
        return -2;
    return qc_results_split_labels(o->recorded_labels, add_label, o);
}

static int on_recorded(const char *name, const char *value, void *user)
{
    recorded *r = user;
    code_options *o = &r->rec;
    char **keep = strcmp(name, "casebook") == 0        ? &r->casebook
                  : strcmp(name, "casebook-sha1") == 0 ? &r->casebook_sha1
                                                       : NULL;
    if (keep) {
        free(*keep);
        r->nomem |= !(*keep = strdup(value));
        return r->nomem;
    }
    for (size_t i = 0; i < READING_OPTIONS; i++) {
        if (strcmp(name, reading_options[i].name) != 0)
            continue;
        int rc;
        if (reading_options[i].opt == OPT_SPEAKER_PATTERN) {
            free(o->recorded_pattern);
            rc = (o->recorded_pattern = strdup(value)) ? set_reading(o, OPT_SPEAKER_PATTERN, o->recorded_pattern) : -2;
        } else if (reading_options[i].opt == OPT_INTERVIEWER)
            rc = set_labels(o, value);
        else if (reading_options[i].opt == OPT_NO_SPEAKERS)
            rc = strcmp(value, "none") == 0 ? set_reading(o, OPT_NO_SPEAKERS, value) : -1;
        else
            rc = set_reading(o, reading_options[i].opt, value);
        r->bad_bits |= rc == -1 ? reading_options[i].bit : 0;
        if (rc == -1 && !(r->given & reading_options[i].bit) && !*r->bad)
            snprintf(r->bad, sizeof r->bad, "%s records %s '%s', which this qcode does not take: give %s", r->results,
                     name, value, reading_options[i].flag);
        r->nomem |= rc == -2;
        return rc == -2;
    }
    return 0;
}

static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether o and rec read the corpus alike as far as the option of bit goes. */
static int reads_alike(const code_options *o, const code_options *rec, unsigned bit)
{
    switch (bit) {
    case GIVEN_ENCODING: return o->read.encoding == rec->read.encoding;
    case GIVEN_FORMAT: return o->read.format == rec->read.format;
    case GIVEN_SPEAKER_PATTERN: return same_text(o->read.speaker_pattern, rec->read.speaker_pattern);
    case GIVEN_SPEAKERS: return o->read.speakers == rec->read.speakers;
    default:
        if (o->interviewer_count != rec->interviewer_count)
            return 0;
        for (size_t i = 0; i < o->interviewer_count; i++)
            if (strcmp(o->interviewers[i], rec->interviewers[i]) != 0)
                return 0;
        return 1;
    }
}

/* Takes the option of bit from rec, which is left without what o now owns. */
static void take_recorded(code_options *o, code_options *rec, unsigned bit)
{
    switch (bit) {
    case GIVEN_ENCODING: o->read.encoding = rec->read.encoding; break;
    case GIVEN_FORMAT: o->read.format = rec->read.format; break;
    case GIVEN_SPEAKERS: o->read.speakers = rec->read.speakers; break;
    case GIVEN_SPEAKER_PATTERN:
        o->read.speaker_pattern = rec->read.speaker_pattern;
        o->recorded_pattern = rec->recorded_pattern;
        rec->recorded_pattern = NULL;
        break;
    default: /* none were given: o has no list of its own */
        o->interviewers = rec->interviewers;
        o->interviewer_count = rec->interviewer_count;
        o->recorded_labels = rec->recorded_labels;
        o->read.interviewer_labels = o->interviewers;
        o->read.interviewer_label_count = o->interviewer_count;
        rec->interviewers = NULL;
        rec->interviewer_count = 0;
        rec->recorded_labels = NULL;
    }
}

/* A casebook other than the run's: `where` conditions hold for other turns and breakdowns give
 * other values, so quotations and counts may move for that alone (the report says "casebook
 * changed"). Compared by the SHA-1 recorded since 2026-12-06, else by path. -1 to go on. */
static int compare_casebook(code_options *o, const char *cmd, const recorded *r)
{
    char *sha1 = o->cases_path && r->casebook_sha1 ? cli_file_sha1(o->cases_path) : NULL;
    if (o->cases_path && r->casebook_sha1 && !sha1)
        return cli_fail("%s: cannot read %s", cmd, o->cases_path);
    if (!r->casebook && !o->cases_path)
        return -1;
    if (!r->casebook)
        fprintf(stderr,
                "%s: warning: %s's run had no casebook, this re-code has --cases %s: `where` conditions, "
                "breakdowns and the speakers it names may move for that alone\n",
                cmd, r->results, o->cases_path);
    else if (!o->cases_path)
        fprintf(stderr,
                "%s: warning: %s's run had the casebook %s, this re-code has none: `where` conditions, "
                "breakdowns and the speakers it names may move for that alone (give --cases %s)\n",
                cmd, r->results, r->casebook, r->casebook);
    else if (sha1 ? strcmp(sha1, r->casebook_sha1) != 0 : strcmp(o->cases_path, r->casebook) != 0)
        fprintf(stderr,
                "%s: warning: the casebook %s is not the one %s's run had (%s%s): `where` conditions, "
                "breakdowns and the speakers it names may move for that alone\n",
                cmd, o->cases_path, r->results, r->casebook, sha1 ? ", whose bytes were others" : "");
    else {
        free(sha1);
        return -1;
    }
    free(sha1);
    o->casebook_changed = 1;
    return -1;
}

int code_options_read_as_recorded(code_options *o, const char *cmd, const char *results)
{
    recorded r;
    memset(&r, 0, sizeof r);
    r.rec.read = (qc_read_options)QC_READ_OPTIONS_INIT;
    r.results = results;
    r.given = o->given;
    qc_error err;
    int read = qc_results_recorded_options(results, on_recorded, &r, &err) == 0;
    int rc = r.nomem ? cli_fail("%s: out of memory", cmd) : *r.bad ? cli_fail("%s: %s", cmd, r.bad) : -1;
    char differ[128] = "";
    for (size_t i = 0; read && rc < 0 && i < READING_OPTIONS; i++) {
        unsigned bit = reading_options[i].bit;
        if (!(o->given & bit))
            take_recorded(o, &r.rec, bit);
        else if (bit == GIVEN_FORMAT && !(r.bad_bits & bit) && r.rec.read.format == QC_FORMAT_AUTO)
            o->format_by_names = 1; /* the same reading where the names say that format: told later */
        else if (!(r.bad_bits & bit) && !reads_alike(o, &r.rec, bit))
            snprintf(differ + strlen(differ), sizeof differ - strlen(differ), "%s%s", *differ ? ", " : "",
                     reading_options[i].flag);
    }
    /* Not an error: reading the corpus otherwise may be what the researcher wants. But then no
     * document's coding can match the file's, so the old side is read from it, and quotations
     * move for the reading alone. */
    if (read && rc < 0 && *differ)
        fprintf(stderr,
                "%s: warning: the corpus is read otherwise than %s's run read it (%s): quotations may move for that "
                "alone\n",
                cmd, results, differ);
    if (read && rc < 0)
        rc = compare_casebook(o, cmd, &r);
    free(r.casebook);
    free(r.casebook_sha1);
    code_options_free(&r.rec);
    return rc;
}

void code_options_check_format(const code_options *o, const char *cmd, const char *results, char *const *paths,
                               long count)
{
    for (long i = 0; o->format_by_names && i < count; i++) {
        qc_format by_name = qc_format_from_path(paths[i]);
        if ((by_name == QC_FORMAT_AUTO ? QC_FORMAT_TEXT : by_name) != o->read.format) {
            fprintf(stderr,
                    "%s: warning: the corpus is read otherwise than %s's run read it (--input-format): %s was read "
                    "as %s, by its name; quotations may move for that alone\n",
                    cmd, results, paths[i], qc_format_name(by_name == QC_FORMAT_AUTO ? QC_FORMAT_TEXT : by_name));
            return;
        }
    }
}

/* --jobs is left out on purpose: it does not change a byte of the output. */
int code_options_record(qc_results *res, const code_options *o, qc_error *err)
{
    int rc = qc_results_set_option(res, "engine", o->engine == QC_ENGINE_REFERENCE ? "reference" : "fast", err);
    if (rc == 0 && o->cases_path)
        rc = qc_results_set_option(res, "casebook", o->cases_path, err);
    if (rc == 0 && o->cases_path) { /* for a re-code to tell whether its casebook is this one */
        char *sha1 = cli_file_sha1(o->cases_path);
        if (sha1) {
            rc = qc_results_set_option(res, "casebook-sha1", sha1, err);
            free(sha1);
        } else {
            *err = (qc_error){.code = QC_ERR_IO};
            snprintf(err->file, sizeof err->file, "%s", o->cases_path);
            snprintf(err->message, sizeof err->message, "cannot read the casebook again");
            rc = QC_ERR_IO;
        }
    }
    if (rc == 0)
        rc = qc_results_set_option(res, "encoding",
                                   o->read.encoding == QC_ENCODING_WINDOWS1252 ? "windows-1252" : "utf-8", err);
    if (rc == 0 && o->read.format != QC_FORMAT_AUTO)
        rc = qc_results_set_option(res, "input-format", qc_format_name(o->read.format), err);
    if (rc == 0 && o->read.speaker_pattern)
        rc = qc_results_set_option(res, "speaker-pattern", o->read.speaker_pattern, err);
    if (rc == 0 && o->read.speakers == QC_SPEAKERS_NONE)
        rc = qc_results_set_option(res, "speakers", "none", err);
    if (rc == 0 && o->interviewer_count) {
        size_t n = 0;
        for (size_t i = 0; i < o->interviewer_count; i++)
            n += strlen(o->interviewers[i]) + 1;
        char *joined = calloc(n + 1, 1);
        if (!joined) {
            *err = (qc_error){.code = QC_ERR_NOMEM};
            snprintf(err->message, sizeof err->message, "out of memory");
            return QC_ERR_NOMEM;
        }
        /* Each label ends with a line end, which no label holds (labels are read off one line);
         * joined by commas, as before, a label "Smith, J" came back as two. Read back by
         * qc_results_split_labels. */
        for (size_t i = 0; i < o->interviewer_count; i++) {
            strcat(joined, o->interviewers[i]);
            strcat(joined, "\n");
        }
        rc = qc_results_set_option(res, "interviewers", joined, err);
        free(joined);
    }
    return rc;
}

int code_options_load(code_options *o, qc_codebook **cb, qc_casebook **cases)
{
    *cb = NULL;
    *cases = NULL;
    int rc = cli_load_codebook(o->codebook_path, cb);
    if (rc != QC_EXIT_OK)
        return rc;
    qc_error err;
    if (o->cases_path && qc_casebook_load(cases, o->cases_path, &err) != 0) {
        cli_print_error(&err);
        qc_codebook_free(*cb);
        *cb = NULL;
        return QC_EXIT_USAGE;
    }
    o->read.casebook = *cases; /* the people it names are speakers even when they speak once */
    return QC_EXIT_OK;
}

static int append(char ***list, long *count, long *cap, char *item)
{
    if (!item)
        return -1;
    if (*count == *cap) {
        long ncap = *cap ? *cap * 2 : 64;
        char **p = realloc(*list, (size_t)ncap * sizeof *p);
        if (!p) {
            free(item);
            return -1;
        }
        *list = p;
        *cap = ncap;
    }
    (*list)[(*count)++] = item;
    return 0;
}

/* A file named directly is known by its name without folders, one found in a folder by its path
 * below that folder. */
static const char *document_id(const char *input, int input_is_dir, const char *path)
{
    size_t plen = strlen(input);
    if (input_is_dir && strncmp(path, input, plen) == 0) {
        const char *id = path + plen;
        while (*id == '/')
            id++;
        return id;
    }
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

long code_options_inputs(char **inputs, int count, char ***paths, char ***ids)
{
    /* One collection for all inputs, so that a file reached from two of them is read once. */
    char **found = NULL, **d = NULL;
    int *origins = NULL;
    long n = cli_collect_inputs(inputs, count, &found, &origins);
    if (n < 0)
        return -1;
    long nd = 0, cd = 0;
    int input = -1, is_dir = 0;
    for (long k = 0; k < n; k++) {
        if (origins[k] != input) { /* the paths of one input come together */
            input = origins[k];
            is_dir = cli_kind_of(inputs[input]) == CLI_FOLDER;
        }
        const char *id = document_id(inputs[input], is_dir, found[k]);
        if (append(&d, &nd, &cd, strdup(id)) != 0) {
            cli_fail("out of memory");
            goto fail;
        }
    }
    free(origins);
    *paths = found;
    *ids = d;
    return n;
fail:
    free(origins);
    cli_free_paths(found, n);
    cli_free_paths(d, nd);
    return -1;
}
