/* Refusing a run whose output would overwrite one of its inputs, or another of its outputs:
 * `qcode code -c cb.qcb -o cb.qcb` used to replace the codebook with results.xml and exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The path with its folder resolved (the file itself may not exist yet); NULL when the folder
 * cannot be resolved either (the write will say why). */
static char *resolved(const char *path)
{
    char *r = realpath(path, NULL);
    if (r)
        return r;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return NULL;
    char *rdir = realpath(*dir ? dir : "/", NULL);
    free(dir);
    if (!rdir)
        return NULL;
    size_t n = strlen(rdir) + strlen(base) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", rdir, base);
    free(rdir);
    return out;
}

/* Whether two outputs name the same file: the same inode when both exist, else the same
 * resolved path. */
static int same_output(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;
    char *ra = resolved(a), *rb = resolved(b);
    int same = ra && rb && strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

int cli_refuse_overwrite(const char *command, const cli_file *outputs, size_t output_count, const cli_file *inputs,
                         size_t input_count)
{
    for (size_t i = 0; i < output_count; i++) {
        if (!outputs[i].path)
            continue;
        for (size_t j = 0; j < i; j++)
            if (outputs[j].path && same_output(outputs[i].path, outputs[j].path))
                return cli_fail("%s: %s and %s are the same file (%s): one would replace the other; nothing written",
                                command, outputs[j].what, outputs[i].what, outputs[i].path);
        /* An output that does not exist yet cannot be an input; one that does is compared by
         * inode, so a link or another spelling of the path is caught too. */
        struct stat so;
        if (stat(outputs[i].path, &so) != 0 || !S_ISREG(so.st_mode))
            continue;
        for (size_t j = 0; j < input_count; j++) {
            struct stat si;
            if (inputs[j].path && stat(inputs[j].path, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
                return cli_fail("%s: %s %s is the %s %s: writing it would destroy it; nothing written", command,
                                outputs[i].what, outputs[i].path, inputs[j].what, inputs[j].path);
        }
    }
    return QC_EXIT_OK;
}

int cli_refuse_overwrite_corpus(const char *command, const cli_file *outputs, size_t output_count,
                                const cli_file *inputs, size_t input_count, char **paths, size_t count)
{
    cli_file *all = calloc(input_count + count + 1, sizeof *all);
    if (!all)
        return cli_fail("out of memory");
    memcpy(all, inputs, input_count * sizeof *inputs);
    for (size_t i = 0; i < count; i++)
        all[input_count + i] = (cli_file){paths[i], "transcript"};
    int rc = cli_refuse_overwrite(command, outputs, output_count, all, input_count + count);
    free(all);
    return rc;
}
