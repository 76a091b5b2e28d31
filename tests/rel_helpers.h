/* Helpers shared by the reliability tests (test_oom, test_faults, test_pathological,
 * test_bad_inputs): removing a folder tree and listing what a folder holds. Header-only so that
 * each test stays one file. Include first: nftw needs _XOPEN_SOURCE. */
#ifndef QC_REL_HELPERS_H
#define QC_REL_HELPERS_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>

static inline int rel_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it (symbolic links are removed, not followed). */
static inline void rel_rm_tree(const char *dir)
{
    if (dir)
        nftw(dir, rel_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The names in dir (not . and ..) joined by '\n' into buf, sorted as readdir gives them: for
 * messages. Returns how many entries there are, or -1 when dir cannot be opened. */
static inline long rel_list_dir(const char *dir, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long n = 0;
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (cap && len + strlen(e->d_name) + 2 < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s\n", e->d_name);
    }
    closedir(d);
    return n;
}

#endif
