/* qcode inspect: shows what qcode read from transcripts (documents, attributes, speakers and
 * roles, counts, first turns), so a researcher can check their conventions before coding. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* document_xml.h comes with qcode.h */

#include "cli.h"
#include "code_options.h"

#define USAGE                                                                                                          \
    "usage: qcode inspect [options] FILE|FOLDER...\n"                                                                  \
    "\n"                                                                                                               \
    "Reads transcripts (.txt .md .vtt .srt .docx; folders recursively) and prints what was read:\n"                    \
    "format, attributes, speakers with roles and turn counts, counts of cues (subtitles), turns,\n"                    \
    "paragraphs, sentences and words, and the first turns. Turns are numbered from 0, as in every\n"                   \
    "output (quotes, results.xml, the TSV tables).\n"                                                                  \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  --cases FILE              a casebook (TSV or CSV): the people it names are speakers even\n"                     \
    "                            when they speak once; speakers it does not know, and documents\n"                     \
    "                            it names that were not read, are reported\n"                                          \
    "  --format text|xml         output format (default text); xml prints the document model\n"                        \
    "  --words                   with --format xml, include every word\n"                                              \
    "  --turns N                 how many turns to show per document (default 3)\n"                                    \
    "  --encoding utf-8|windows-1252\n"                                                                                \
    "                            how to decode plain text (default utf-8: invalid UTF-8 is an error;\n"                \
    "                            UTF-16 is told by its bytes and read whatever this says)\n"                           \
    "  --speaker-pattern RE      a PCRE2 pattern with (?<speaker>...) (and optional (?<time>...))\n"                   \
    "                            that replaces the built-in speaker-label conventions\n"                               \
    "  --interviewer LABEL       a label that means interviewer (repeatable; replaces the default\n"                   \
    "                            Interviewer, Int, I, Q, Moderator, Facilitator and their German,\n"                   \
    "                            French, Spanish, Dutch and Italian forms: Interviewerin, Enquêteur,\n"               \
    "                            Entrevistador, Gespreksleider, Intervistatore...)\n"                                  \
    "  --no-speakers             read every document as one unlabelled narrative\n"                                    \
    "  --input-format text|vtt|srt|docx\n"                                                                             \
    "                            read every file as this format, whatever its name (a pipe such\n"                     \
    "                            as <(iconv ...), a name without .txt .md .vtt .srt .docx)\n"                          \
    "\n"                                                                                                               \
    "Exit codes: 0 ok, 1 some files could not be read (each is reported), 2 usage or I/O error.\n"                     \
    "Conventions: docs/transcripts.md.\n"

typedef struct inspect_opts {
    const char *cases_path;
    int xml;
    int words;
    long turns;
    qc_read_options read;
    const char **interviewers;
    size_t interviewer_count;
} inspect_opts;

/* Code points of a turn shown by the text output. */
#define PREVIEW 72

/* Prints up to PREVIEW code points of s[0..len) on one line: line ends become spaces, other
 * control characters U+XXXX (cli_put_printable: an ESC in a transcript would act on the terminal). */
static void print_short(const char *s, size_t len)
{
    char shown[4 * PREVIEW + 1];
    size_t cps = 0, i = 0, n = 0;
    int space = 0;
    for (; i < len && cps < PREVIEW && n < sizeof shown - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\t' || c == '\r') {
            if (!space)
                shown[n++] = ' ';
            space = 1;
            cps++;
            continue;
        }
        space = c == ' ';
        if ((c & 0xC0) != 0x80)
            cps++;
        if (cps > PREVIEW)
            break;
        shown[n++] = (char)c;
    }
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80 && n < sizeof shown - 1)
        shown[n++] = s[i++]; /* finish a code point */
    shown[n] = '\0';
    cli_put_printable(stdout, shown);
    if (i < len)
        fputs("…", stdout);
}

static void print_time(int64_t ms)
{
    printf("%02lld:%02lld:%02lld", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
           (long long)(ms / 1000 % 60));
}

/* A document's speakers as coding counts respondents (qc_document_speaker_names): lead[i] is the
 * first speaker of i's name, turns[lead] the turns of every spelling. */
typedef struct speaker_names {
    size_t *lead, *turns;
} speaker_names;

static void speaker_names_free(speaker_names *s)
{
    free(s->lead);
    free(s->turns);
}

/* -1 when out of memory. */
static int speaker_names_of(const qc_document *doc, speaker_names *s)
{
    size_t n = qc_document_speaker_count(doc);
    s->lead = malloc((n + 1) * sizeof *s->lead);
    s->turns = malloc((n + 1) * sizeof *s->turns);
    if (!s->lead || !s->turns || qc_document_speaker_names(doc, s->lead, s->turns) != QC_OK) {
        speaker_names_free(s);
        return -1;
    }
    return 0;
}

/* What a turn's `line` counts in a document of this format (include/qcode/document.h). */
static const char *place_name(qc_format format)
{
    switch (format) {
    case QC_FORMAT_VTT:
    case QC_FORMAT_SRT: return "cue";
    case QC_FORMAT_DOCX: return "paragraph";
    default: return "line";
    }
}

/* How the bytes were decoded, when it is not UTF-8: a researcher sees that a "Unicode text" file
 * was read as UTF-16 (its byte offsets, source-start, count its UTF-8 copy), or that Windows-1252
 * was asked for. A .docx's word/document.xml is decoded as it declares (its byte offsets are its
 * own, whatever the encoding). */
static void print_encoding(const qc_document *doc)
{
    int bom = 0;
    const char *enc = qc_document_encoding(doc, &bom);
    int docx = qc_document_format(doc) == QC_FORMAT_DOCX, utf16 = strncmp(enc, "utf-16", 6) == 0;
    if (strcmp(enc, "utf-8") == 0)
        return;
    fputs("  encoding:   ", stdout);
    if (utf16)
        printf("UTF-16 %s (%s)", strcmp(enc, "utf-16le") == 0 ? "LE" : "BE",
               bom ? "byte order mark" : "no byte order mark");
    else if (docx)
        cli_put_printable(stdout, enc); /* as the file declares it */
    else
        fputs("Windows-1252 (--encoding windows-1252)", stdout);
    puts(docx ? " in word/document.xml" : utf16 ? ", read as UTF-8" : "");
}

/* Every name here is from a file (ids and paths from file names, labels and values from the
 * transcript or the casebook): each goes through cli_put_printable. */
static void print_text(const qc_document *doc, const qc_casebook *cases, const speaker_names *names,
                       const inspect_opts *o)
{
    cli_line(stdout, "%s", qc_document_id(doc));
    cli_line(stdout, "  path:       %s", qc_document_path(doc));
    printf("  format:     %s\n", qc_format_name(qc_document_format(doc)));
    print_encoding(doc);
    for (size_t i = 0; i < qc_document_attribute_count(doc); i++) {
        const char *k, *v;
        qc_document_attribute(doc, i, &k, &v);
        cli_line(stdout, "  attribute:  %s = %s", k, v);
    }
    size_t speakers = qc_document_speaker_count(doc);
    if (!speakers)
        printf("  speakers:   none (one unlabelled narrative)\n");
    for (size_t i = 0; i < speakers; i++) {
        if (names->lead[i] != i)
            continue; /* another spelling of an earlier speaker's name */
        qc_role role;
        const char *name = qc_document_speaker(doc, i, &role);
        size_t n = names->turns[i];
        fputs("  speaker:    ", stdout);
        cli_put_printable(stdout, name);
        printf(" (%s, %zu turn%s)", qc_role_name(role), n, n == 1 ? "" : "s");
        for (size_t k = 0; cases && k < qc_casebook_attribute_count(cases); k++) {
            const char *v = qc_casebook_value(cases, qc_document_id(doc), name, k);
            if (v) {
                putchar(' ');
                cli_put_printable(stdout, qc_casebook_attribute_name(cases, k));
                putchar('=');
                cli_put_printable(stdout, v);
            }
        }
        putchar('\n');
    }
    size_t turns = qc_document_turn_count(doc), paragraphs = qc_document_unit_count(doc, QC_UNIT_PARAGRAPH),
           sentences = qc_document_unit_count(doc, QC_UNIT_SENTENCE), words = qc_document_unit_count(doc, QC_UNIT_WORD);
    fputs("  counts:     ", stdout);
    /* A subtitle file's cues first: its turns merge consecutive cues of one speaker (`cues 4-9`). */
    qc_format format = qc_document_format(doc);
    if (format == QC_FORMAT_VTT || format == QC_FORMAT_SRT) {
        size_t cues = qc_document_cue_count(doc);
        printf("%zu cue%s, ", cues, cues == 1 ? "" : "s");
    }
    printf("%zu turn%s, %zu paragraph%s, %zu sentence%s, %zu word%s\n", turns, turns == 1 ? "" : "s", paragraphs,
           paragraphs == 1 ? "" : "s", sentences, sentences == 1 ? "" : "s", words, words == 1 ? "" : "s");
    size_t size;
    const char *text = qc_document_text(doc, &size);
    for (size_t t = 0; t < qc_document_turn_count(doc) && (long)t < o->turns; t++) {
        qc_turn turn;
        qc_document_turn(doc, t, &turn);
        /* The turn's index, as quotes, results.xml and the TSV tables give it (docs/results.md);
         * where it starts, named as the reader counts it (a subtitle's cue, a .docx paragraph):
         * "line 2" of a WebVTT file sent the reader to the header. A subtitle turn that merged
         * cues of one speaker names them all (`cues 4-9`): a quotation may come from any. */
        uint32_t last = qc_document_turn_last_cue(doc, t);
        if (last > turn.line)
            printf("  turn %zu:     %ss %u-%u", t, place_name(qc_document_format(doc)), turn.line, last);
        else
            printf("  turn %zu:     %s %u", t, place_name(qc_document_format(doc)), turn.line);
        if (turn.time_start_ms >= 0) {
            fputs(", ", stdout);
            print_time(turn.time_start_ms);
        }
        fputs(", ", stdout);
        cli_put_printable(stdout, turn.speaker ? turn.speaker : "(unlabelled)");
        fputs(": ", stdout);
        size_t a = qc_document_text_offset(doc, turn.start), b = qc_document_text_offset(doc, turn.end);
        print_short(text + a, b - a);
        putchar('\n');
    }
    putchar('\n');
}

/* Interviewers are not respondents: a casebook describes participants, so only participant
 * speakers it does not know are reported (docs/transcripts.md), each name once. */
static void warn_unknown_speakers(const qc_document *doc, const qc_casebook *cases, const speaker_names *names)
{
    for (size_t i = 0; i < qc_document_speaker_count(doc); i++) {
        if (names->lead[i] != i)
            continue;
        qc_role role = QC_ROLE_UNKNOWN;
        const char *name = qc_document_speaker(doc, i, &role);
        if (role != QC_ROLE_INTERVIEWER && !qc_casebook_knows_speaker(cases, qc_document_id(doc), name))
            cli_line(stderr, "%s: warning: speaker '%s' in document '%s' is not in the casebook", qc_document_path(doc),
                     name, qc_document_id(doc));
    }
}

/* The labels of a document's speakers, copied: the document is freed before the casebook's
 * rows are checked against every document read. NULL for want of memory. */
static const char *const *copy_speakers(const qc_document *doc)
{
    size_t n = qc_document_speaker_count(doc);
    char **labels = calloc(n + 1, sizeof *labels);
    for (size_t i = 0; labels && i < n; i++)
        if (!(labels[i] = strdup(qc_document_speaker(doc, i, NULL)))) {
            cli_free_paths(labels, (long)i);
            return NULL;
        }
    return (const char *const *)labels;
}

/* What reading left out (a speaker label or voice with no text, text in no turn), as `qcode code`
 * reports it. */
static void warn_notes(const qc_document *doc, const char *path)
{
    for (size_t i = 0; i < qc_document_note_count(doc); i++) {
        qc_diagnostic d = {QC_SEVERITY_WARNING, path, 0, 1, 1, NULL, NULL, 0, 0};
        qc_document_note(doc, i, &d.line, &d.message);
        cli_print_diagnostic(&d, NULL);
    }
}

static int parse_options(int argc, char **argv, inspect_opts *o)
{
    static const struct option longs[] = {
        {"cases", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"turns", required_argument, NULL, 't'},
        {"encoding", required_argument, NULL, 'e'},
        {"speaker-pattern", required_argument, NULL, 'p'},
        {"interviewer", required_argument, NULL, 'i'},
        {"no-speakers", no_argument, NULL, 'n'},
        {"words", no_argument, NULL, 'w'},
        {"input-format", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'c': o->cases_path = optarg; break;
        case 'f':
            if (strcmp(optarg, "xml") == 0)
                o->xml = 1;
            else if (strcmp(optarg, "text") != 0)
                return cli_fail("inspect: --format must be text or xml, not '%s'", optarg);
            break;
        case 't': {
            char *end;
            o->turns = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || o->turns < 0)
                return cli_fail("inspect: --turns needs a number of turns, not '%s'", optarg);
            break;
        }
        case 'e':
            if (strcmp(optarg, "windows-1252") == 0 || strcmp(optarg, "cp1252") == 0)
                o->read.encoding = QC_ENCODING_WINDOWS1252;
            else if (strcmp(optarg, "utf-8") == 0 || strcmp(optarg, "utf8") == 0)
                o->read.encoding = QC_ENCODING_UTF8;
            else
                return cli_fail("inspect: --encoding must be utf-8 or windows-1252, not '%s'", optarg);
            break;
        case 'p': o->read.speaker_pattern = optarg; break;
        case 'i': {
            const char **list = realloc(o->interviewers, (o->interviewer_count + 1) * sizeof *list);
            if (!list)
                return cli_fail("out of memory");
            o->interviewers = list;
            o->interviewers[o->interviewer_count++] = optarg;
            break;
        }
        case 'n': o->read.speakers = QC_SPEAKERS_NONE; break;
        case 'w': o->words = 1; break;
        case 'F':
            if (cli_parse_input_format(optarg, &o->read.format) != 0)
                return cli_fail("inspect: --input-format is text, vtt, srt or docx, not '%s'", optarg);
            break;
        default:
            if (optopt)
                cli_fail("inspect: option '%s' needs a value (see 'qcode help inspect')", argv[optind - 1]);
            else
                cli_fail("inspect: unknown option '%s' (see 'qcode help inspect')", argv[optind - 1]);
            return QC_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_fail("inspect: no transcripts given (see 'qcode help inspect')");
    if (o->words && !o->xml)
        return cli_fail("inspect: --words only applies to --format xml");
    o->read.interviewer_labels = o->interviewers;
    o->read.interviewer_label_count = o->interviewer_count;
    return 0;
}

static int run(int argc, char **argv)
{
    inspect_opts o = {NULL, 0, 0, 3, QC_READ_OPTIONS_INIT, NULL, 0};
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        free(o.interviewers);
        return rc;
    }
    qc_casebook *cases = NULL;
    qc_error err;
    qc_error_clear(&err);
    if (qc_read_options_check(&o.read, &err) != 0) { /* once, not once per file */
        cli_print_error(&err);
        free(o.interviewers);
        return QC_EXIT_USAGE;
    }
    if (o.cases_path && qc_casebook_load(&cases, o.cases_path, &err) != 0) {
        cli_print_error(&err);
        free(o.interviewers);
        return QC_EXIT_USAGE;
    }
    o.read.casebook = cases; /* the people it names are speakers, as in code */
    /* The same document ids as code, quotes and recode, so that one casebook serves them all. */
    char **paths = NULL, **ids = NULL;
    long count = code_options_inputs(argv + optind, argc - optind, &paths, &ids);
    int status = count < 0 ? QC_EXIT_USAGE : QC_EXIT_OK;
    long total = 0, failed = 0, stored = 0;
    char **failures = NULL;
    const char **read_ids = count > 0 ? calloc((size_t)count, sizeof *read_ids) : NULL;
    cli_read_doc *read_docs = count > 0 ? calloc((size_t)count, sizeof *read_docs) : NULL;
    size_t read = 0;
    int cases_name_speakers = qc_casebook_has_speakers(cases);
    if (count > 0 && (!read_ids || !read_docs))
        status = cli_fail("inspect: out of memory");
    if (status == QC_EXIT_OK && o.xml)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<documents>\n", stdout);
    for (long k = 0; k < count && status == QC_EXIT_OK; k++) {
        const char *path = paths[k];
        o.read.id = ids[k];
        qc_document *doc = NULL;
        total++;
        if (qc_document_read_file(&doc, path, &o.read, &err) != 0) {
            if (!err.file[0])
                snprintf(err.file, sizeof err.file, "%s", path);
            cli_print_error(&err);
            char **grown = realloc(failures, (size_t)(stored + 1) * sizeof *grown);
            if (grown) {
                failures = grown;
                failures[stored++] = (char *)path;
            }
            failed++;
            continue;
        }
        warn_notes(doc, path);
        read_ids[read] = ids[k];
        read_docs[read++] = (cli_read_doc){ids[k], cases_name_speakers ? copy_speakers(doc) : NULL,
                                           cases_name_speakers ? qc_document_speaker_count(doc) : 0};
        if (read_docs[read - 1].speaker_count && !read_docs[read - 1].speakers)
            read_docs[read - 1].speaker_count = 0; /* a warning left out for want of memory */
        speaker_names names = {NULL, NULL};
        if (speaker_names_of(doc, &names) != 0) {
            qc_document_free(doc);
            status = cli_fail("inspect: out of memory");
            break;
        }
        if (cases_name_speakers)
            warn_unknown_speakers(doc, cases, &names);
        if (o.xml) {
            if (qc_document_write_xml(doc, cases, stdout, o.words ? QC_DOCUMENT_XML_WORDS : 0, &err) != 0)
                cli_print_error(&err);
        } else {
            print_text(doc, cases, &names, &o);
        }
        speaker_names_free(&names);
        qc_document_free(doc);
    }
    if (status == QC_EXIT_OK && o.xml)
        fputs("</documents>\n", stdout);
    fflush(stdout);
    if (status == QC_EXIT_OK && cases) {
        cli_warn_unmatched_documents(cases, o.cases_path, read_ids, read);
        cli_warn_unmatched_speakers(cases, o.cases_path, read_docs, read);
    }
    if (status == QC_EXIT_OK && failed) {
        fprintf(stderr, "qcode: %ld of %ld file%s could not be read:\n", failed, total, total == 1 ? "" : "s");
        for (long k = 0; k < stored; k++)
            cli_line(stderr, "  %s", failures[k]);
        status = QC_EXIT_PARTIAL;
    } else if (status == QC_EXIT_OK && total == 0) {
        status = cli_fail("inspect: no transcripts found (.txt .md .vtt .srt .docx)");
    }
    cli_free_paths(paths, count);
    cli_free_paths(ids, count);
    free(failures);
    free(read_ids);
    for (size_t k = 0; k < read; k++)
        cli_free_paths((char **)read_docs[k].speakers, (long)read_docs[k].speaker_count);
    free(read_docs);
    free(o.interviewers);
    qc_casebook_free(cases);
    return status;
}

const cli_command cmd_inspect = {"inspect", "show what qcode reads from transcripts (speakers, turns, attributes)",
                                 USAGE, run};
