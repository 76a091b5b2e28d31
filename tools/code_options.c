#include "code_options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { OPT_CASES = 256, OPT_TSV, OPT_TOP, OPT_ENGINE, OPT_STRICT, OPT_ENCODING, OPT_SPEAKER_PATTERN,
       OPT_INTERVIEWER, OPT_NO_SPEAKERS, OPT_RESULTS, OPT_ROLLUP, OPT_QDPX, OPT_MANUAL, OPT_CACHE, OPT_OFFSETS,
       OPT_INPUT_FORMAT, OPT_RESULTS_FORMAT };

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

int code_options_parse(code_options *o, int argc, char **argv, code_options_kind kind)
{
    static const struct option longs[] = {
        {"codebook", required_argument, NULL, 'c'},
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
        {"offsets", required_argument, NULL, OPT_OFFSETS},
        {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
        {"results-format", required_argument, NULL, OPT_RESULTS_FORMAT},
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
        int code_only = 0, quotes_only = 0;
        size_t n;
        switch (c) {
        case 'c': o->codebook_path = optarg; break;
        case OPT_CASES: o->cases_path = optarg; break;
        case 'o': o->output = optarg, code_only = 1; break;
        case OPT_TSV: o->tsv_dir = optarg, code_only = 1; break;
        case OPT_QDPX: o->qdpx_path = optarg, code_only = 1; break;
        case OPT_MANUAL: o->manual_path = optarg, code_only = 1; break;
        case OPT_CACHE: o->cache_dir = optarg, code_only = 1; break;
        case OPT_OFFSETS:
            code_only = 1;
            if (strcmp(optarg, "utf16") == 0)
                o->qdpx_utf16 = 1;
            else if (strcmp(optarg, "codepoints") != 0)
                return code_options_free(o), cli_fail("%s: --offsets takes codepoints or utf16, not '%s'", cmd, optarg);
            break;
        case OPT_RESULTS_FORMAT:
            code_only = 1;
            if (strcmp(optarg, "1") == 0 || strcmp(optarg, "2") == 0)
                o->results_format = (unsigned)(optarg[0] - '0');
            else
                return code_options_free(o), cli_fail("%s: --results-format is 1 or 2, not '%s'", cmd, optarg);
            break;
        case OPT_TOP:
            code_only = 1;
            if (parse_size(optarg, &o->top) != 0 || o->top == 0)
                return code_options_free(o), cli_fail("%s: --top needs a positive number, not '%s'", cmd, optarg);
            break;
        case 'j':
            if (parse_size(optarg, &n) != 0 || n > 256)
                return code_options_free(o), cli_fail("%s: --jobs needs a number from 0 to 256, not '%s'", cmd, optarg);
            o->jobs = (unsigned)n;
            break;
        case OPT_ENGINE:
            if (strcmp(optarg, "fast") == 0)
                o->engine = QC_ENGINE_FAST;
            else if (strcmp(optarg, "reference") == 0)
                o->engine = QC_ENGINE_REFERENCE;
            else
                return code_options_free(o), cli_fail("%s: --engine is fast or reference, not '%s'", cmd, optarg);
            break;
        case OPT_STRICT: o->strict = 1, code_only = 1; break;
        case OPT_ENCODING:
            if (strcmp(optarg, "utf-8") == 0 || strcmp(optarg, "utf8") == 0 || strcmp(optarg, "UTF-8") == 0)
                o->read.encoding = QC_ENCODING_UTF8;
            else if (strcmp(optarg, "windows-1252") == 0 || strcmp(optarg, "cp1252") == 0)
                o->read.encoding = QC_ENCODING_WINDOWS1252;
            else
                return code_options_free(o),
                       cli_fail("%s: --encoding is utf-8 or windows-1252, not '%s'", cmd, optarg);
            break;
        case OPT_INPUT_FORMAT:
            if (cli_parse_input_format(optarg, &o->read.format) != 0)
                return code_options_free(o),
                       cli_fail("%s: --input-format is text, vtt, srt or docx, not '%s'", cmd, optarg);
            break;
        case OPT_SPEAKER_PATTERN: o->read.speaker_pattern = optarg; break;
        case OPT_INTERVIEWER: {
            const char **p = realloc(o->interviewers, (o->interviewer_count + 1) * sizeof *p);
            if (!p)
                return code_options_free(o), cli_fail("%s: out of memory", cmd);
            o->interviewers = p;
            o->interviewers[o->interviewer_count++] = optarg;
            break;
        }
        case OPT_NO_SPEAKERS: o->read.speakers = QC_SPEAKERS_NONE; break;
        case OPT_RESULTS: o->results_path = optarg, quotes_only = 1; break;
        case OPT_ROLLUP: o->rollup = 1, quotes_only = 1; break;
        case ':':
            return code_options_free(o), cli_fail("%s: option '%s' needs a value (see 'qcode help %s')", cmd,
                                                 argv[optind - 1], cmd);
        default:
            return code_options_free(o),
                   cli_fail("%s: unknown option '%s' (see 'qcode help %s')", cmd, argv[optind - 1], cmd);
        }
        if ((code_only && kind != CODE_OPTIONS_CODE) || (quotes_only && kind != CODE_OPTIONS_QUOTES))
            return code_options_free(o), cli_fail("%s: option '%s' does not apply here (see 'qcode help %s')", cmd,
                                                  option_as_given(argv, optind), cmd);
    }
    o->read.interviewer_labels = o->interviewers;
    o->read.interviewer_label_count = o->interviewer_count;
    o->first_input = optind;
    if (!o->codebook_path && !(kind == CODE_OPTIONS_QUOTES && o->results_path))
        return code_options_free(o), cli_fail("%s: no codebook given: use -c FILE (see 'qcode help %s')", cmd, cmd);
    return -1;
}

void code_options_free(code_options *o)
{
    free(o->interviewers);
    o->interviewers = NULL;
    o->interviewer_count = 0;
}

int code_options_load(const code_options *o, qc_codebook **cb, qc_casebook **cases)
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

long code_options_inputs(char **inputs, int count, char ***paths, char ***ids)
{
    char **p = NULL, **d = NULL;
    long np = 0, cp = 0, nd = 0, cd = 0;
    for (int i = 0; i < count; i++) {
        struct stat st;
        int is_dir = stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode);
        char **found = NULL;
        long n = cli_collect_inputs(&inputs[i], 1, &found);
        if (n < 0)
            goto fail;
        size_t plen = strlen(inputs[i]);
        for (long k = 0; k < n; k++) {
            const char *path = found[k];
            const char *id;
            if (is_dir && strncmp(path, inputs[i], plen) == 0) {
                id = path + plen;
                while (*id == '/')
                    id++;
            } else {
                const char *slash = strrchr(path, '/');
                id = slash ? slash + 1 : path;
            }
            if (append(&d, &nd, &cd, strdup(id)) != 0 || append(&p, &np, &cp, strdup(path)) != 0) {
                cli_free_paths(found, n);
                cli_fail("out of memory");
                goto fail;
            }
        }
        cli_free_paths(found, n);
    }
    *paths = p;
    *ids = d;
    return np;
fail:
    cli_free_paths(p, np);
    cli_free_paths(d, nd);
    return -1;
}
