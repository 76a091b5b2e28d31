/* qcode export: REFI-QDA files for NVivo, ATLAS.ti, MAXQDA and the rest: a codebook (.qdc) or a
 * whole project (.qdpx) from a run's results.xml or from an imported project folder. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define USAGE                                                                                                          \
    "usage: qcode export --qdc OUT.qdc CODEBOOK.qcb\n"                                                                 \
    "       qcode export --qdpx OUT.qdpx RESULTS.xml [--manual manual.xml]\n"                                          \
    "       qcode export --qdpx OUT.qdpx DIR        (a folder written by qcode import)\n"                              \
    "\n"                                                                                                               \
    "Writes REFI-QDA files other tools open. A .qdc holds the code tree with each code's qcode\n"                      \
    "rules kept in its description, so `qcode import --qdc` gives the codebook back. A .qdpx\n"                        \
    "holds the sources (normalised text), the codebook, cases from the casebook, and every\n"                          \
    "quotation as a coded selection, people's codings marked by coder (those RESULTS.xml lists\n"                      \
    "and those of --manual, each once).\n"                                                                             \
    "From RESULTS.xml the corpus files of the run are read again and must be unchanged (SHA-256).\n"                   \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "      --qdc FILE            write the codebook as a .qdc\n"                                                       \
    "      --qdpx FILE           write the project as a .qdpx\n"                                                       \
    "      --manual FILE         add the codings of a manual.xml (from qcode import)\n"                                \
    "      --offsets codepoints|utf16   selection positions in code points (default, the\n"                            \
    "                            standard) or UTF-16 code units (what NVivo counts)\n"                                 \
    "      --check               check the file before it replaces OUT (GUIDs, references,\n"                          \
    "                            positions; the XSD too with --schemas): one that fails is\n"                          \
    "                            not written\n"                                                                        \
    "      --schemas DIR         folder holding Project.xsd and Codebook.xsd (implies --check;\n"                      \
    "                            checked before anything is written)\n"                                                \
    "\n"                                                                                                               \
    "Files are written atomically. Exit codes: 0 ok, 2 usage, I/O error or a failed check,\n"                          \
    "3 codebook error.\n"

/* A checked export is written and checked under a temporary name (checked_temporary): what the
 * user reads names the target they gave instead, in a message's file and in its text (from -> to;
 * from NULL when there is no temporary). They saw "OUT.qdpx.check-Xy12Ab.qdpx: error: cannot write
 * output", a file that never existed. */
typedef struct renamed {
    const char *from, *to;
} renamed;

/* s with every `from` in it written as `to`: a new string (free() it), or NULL when s holds none,
 * or when memory is short (s is then shown as it is). */
static char *rename_in(const renamed *r, const char *s)
{
    if (!r->from || !s || !strstr(s, r->from))
        return NULL;
    size_t nf = strlen(r->from), nt = strlen(r->to), count = 0;
    for (const char *p = s; (p = strstr(p, r->from)); p += nf)
        count++;
    char *out = malloc(strlen(s) + count * nt + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const char *p = s;;) {
        const char *hit = strstr(p, r->from);
        size_t k = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!hit)
            break;
        memcpy(o, r->to, nt);
        o += nt;
        p = hit + nf;
    }
    *o = '\0';
    return out;
}

static void on_warning(const qc_diagnostic *d, void *user)
{
    qc_diagnostic shown = *d;
    char *file = rename_in(user, d->file), *message = rename_in(user, d->message);
    if (file)
        shown.file = file;
    if (message)
        shown.message = message;
    cli_print_diagnostic(&shown, NULL);
    free(file);
    free(message);
}

/* An error under the target's name. Its column goes with the temporary: the caret would be read
 * from the target, which holds another file or none. */
static void print_error(const renamed *r, qc_error *err)
{
    char *file = rename_in(r, err->file), *message = rename_in(r, err->message);
    if (file) {
        snprintf(err->file, sizeof err->file, "%s", file);
        err->column = 0;
    }
    if (message)
        snprintf(err->message, sizeof err->message, "%s", message);
    cli_print_error(err);
    free(file);
    free(message);
}

/* Checks path (the export written for names->to, under names->from when that is a temporary) and
 * says so under the target's name. */
static int check(const char *path, const renamed *names, const char *schemas)
{
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = on_warning;
    opts.user = (void *)names;
    opts.schema_dir = schemas;
    qc_refi_check_result r;
    qc_error err;
    qc_error_clear(&err);
    if (qc_refi_check(path, &opts, &r, &err) != 0) {
        print_error(names, &err);
        return QC_EXIT_USAGE;
    }
    cli_line(stderr, "check %s: %zu error%s, %zu warning%s%s", names->to, r.errors, r.errors == 1 ? "" : "s",
             r.warnings, r.warnings == 1 ? "" : "s", schemas ? "" : " (no XSD: use --schemas DIR)");
    return r.errors ? QC_EXIT_USAGE : QC_EXIT_OK;
}

/* Writes the export: the codebook input as a .qdc, or results.xml / an imported folder as a .qdpx;
 * opts->user is the renamed its messages are shown under. */
static int export_to(const char *input, const char *qdc, const char *qdpx, const char *manual,
                     const qc_refi_options *opts)
{
    const renamed *names = opts->user;
    qc_error err;
    qc_error_clear(&err);
    int rc;
    if (qdc) {
        qc_codebook *cb = NULL;
        int ex = cli_load_codebook(input, &cb);
        if (ex != QC_EXIT_OK)
            return ex;
        rc = qc_refi_export_qdc(cb, qdc, opts, &err);
        qc_codebook_free(cb);
        if (rc != 0) {
            print_error(names, &err);
            return QC_EXIT_USAGE;
        }
        return QC_EXIT_OK;
    }
    if (cli_kind_of(input) == CLI_FOLDER) {
        if (manual)
            return cli_fail("--manual is for RESULTS.xml: a folder's own manual.xml is exported with it");
        rc = qc_refi_export_folder(input, qdpx, opts, &err);
    } else {
        rc = qc_refi_export_results_file(input, manual, qdpx, opts, &err);
    }
    if (rc != 0) {
        print_error(names, &err);
        return rc == QC_ERR_CODEBOOK ? QC_EXIT_CODEBOOK : QC_EXIT_USAGE;
    }
    return QC_EXIT_OK;
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"qdc", required_argument, NULL, 'c'},
        {"qdpx", required_argument, NULL, 'p'},
        {"manual", required_argument, NULL, 'm'},
        {"offsets", required_argument, NULL, 'u'},
        {"check", no_argument, NULL, 'k'},
        {"schemas", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    const char *qdc = NULL, *qdpx = NULL, *manual = NULL, *schemas = NULL;
    int utf16 = 0, do_check = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': qdc = optarg; break;
        case 'p': qdpx = optarg; break;
        case 'm': manual = optarg; break;
        case 'k': do_check = 1; break;
        case 's': schemas = optarg; break;
        case 'u':
            if (strcmp(optarg, "utf16") == 0 || strcmp(optarg, "utf-16") == 0)
                utf16 = 1;
            else if (strcmp(optarg, "codepoints") != 0)
                return cli_fail("--offsets takes codepoints or utf16, not '%s'", optarg);
            break;
        default: cli_print_usage(stderr, &cmd_export); return QC_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || (!qdc == !qdpx)) {
        cli_print_usage(stderr, &cmd_export);
        return QC_EXIT_USAGE;
    }
    const char *input = argv[optind];
    if (schemas) {
        /* A wrong folder fails before anything is written, not after the file it was to check. */
        do_check = 1;
        qc_error serr;
        qc_error_clear(&serr);
        if (qc_refi_schemas_check(schemas, &serr) != 0) {
            cli_print_error(&serr);
            return QC_EXIT_USAGE;
        }
    }
    const cli_file out[] = {{qdc, "--qdc"}, {qdpx, "--qdpx"}};
    const cli_file in[] = {{input, "input"}, {manual, "manual codings"}};
    if (cli_refuse_overwrite("export", out, 2, in, 2) != QC_EXIT_OK)
        return QC_EXIT_USAGE;
    const char *target = qdc ? qdc : qdpx;
    /* A checked export waits in a commit set, as a temporary beside the file the target names
     * (TARGET.tmp-XXXXXX, through a symbolic link as every output is written), and is renamed over
     * the target only once its check passed, so a file that fails its check never takes the
     * target's place. The set's temporary is the library's: tracked for a signal, held and marked
     * as a live run's, and removed by a later run when this one is killed (docs/reliability.md,
     * "Leftovers of interrupted runs"). It was a file of the command's own (OUT.check-XXXXXX.EXT),
     * which a killed run left for good. A target that cannot wait (a pipe, a device) is written and
     * checked in place. */
    qc_outputs *set = NULL;
    if (do_check) {
        qc_error serr;
        qc_error_clear(&serr);
        if (qc_outputs_new(&set, &serr) != 0) {
            cli_print_error(&serr);
            return QC_EXIT_USAGE;
        }
    }
    renamed names = {NULL, target};
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = on_warning;
    opts.user = &names;
    opts.utf16_offsets = utf16;
    opts.outputs = set;
    char tbuf[32];
    opts.time = cli_fixed_time(tbuf); /* as `qcode code --qdpx`: SOURCE_DATE_EPOCH, else now */
    int ex = export_to(input, qdc, qdpx, manual, &opts);
    /* The temporary the check reads, shown under the target's name. */
    const char *waiting = set ? qc_outputs_pending(set, target) : NULL;
    names.from = waiting;
    if (ex == QC_EXIT_OK && do_check)
        ex = check(waiting ? waiting : target, &names, schemas);
    if (ex == QC_EXIT_OK && set) {
        qc_error cerr;
        qc_error_clear(&cerr);
        if (qc_outputs_commit(set, &cerr) != 0) {
            print_error(&names, &cerr);
            ex = QC_EXIT_USAGE;
        }
    }
    qc_outputs_free(set); /* a temporary not committed goes */
    if (ex == QC_EXIT_OK)
        cli_line(stderr, "wrote %s", target);
    else if (do_check && !qc_output_in_place(target))
        cli_line(stderr, "%s: not written", target); /* the target is as it was */
    return ex;
}

const cli_command cmd_export = {"export", "export a project (.qdpx) or codebook (.qdc) for other QDA tools", USAGE,
                                run};
