/* Refusing a run whose output would overwrite one of its inputs, or another of its outputs:
 * `qcode code -c cb.qcb -o cb.qcb` used to replace the codebook with results.xml and exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Where a dangling symbolic link leads (through a chain of them): the file an output written
 * there creates (the library follows links the same way); a copy of path when it is no link. */
static char *follow_links(const char *path)
{
    char *cur = strdup(path);
    char target[4096];
    struct stat st;
    for (int hops = 0; cur && hops < 40 && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n < 0)
            break;
        target[n] = '\0';
        const char *slash = strrchr(cur, '/');
        size_t dir = target[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = malloc(dir + (size_t)n + 1);
        if (next) {
            memcpy(next, cur, dir);
            memcpy(next + dir, target, (size_t)n + 1);
        }
        free(cur);
        cur = next;
    }
    return cur;
}

/* The path with its folder resolved (the file itself may not exist yet, or be a link's target
 * not made yet); NULL when the folder cannot be resolved either (the write will say why). */
static char *resolved(const char *given)
{
    char *r = realpath(given, NULL);
    if (r)
        return r;
    char *path = follow_links(given);
    if (!path)
        return NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    char *rdir = dir ? realpath(*dir ? dir : "/", NULL) : NULL;
    free(dir);
    char *out = NULL;
    size_t n = rdir ? strlen(rdir) + strlen(base) + 2 : 0;
    if (rdir && (out = malloc(n)) != NULL)
        snprintf(out, n, "%s/%s", rdir, base);
    free(rdir);
    free(path);
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
        /* Many tools read '-' as standard output; a file named '-' is what it would get here. */
        if (strcmp(outputs[i].path, "-") == 0)
            return cli_fail("%s: %s -: standard output is not written by that name; give a file name (or "
                            "/dev/stdout); nothing written",
                            command, outputs[i].what);
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
