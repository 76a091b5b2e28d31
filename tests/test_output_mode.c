/* Outputs get the mode the user's umask gives new files, whichever way they are written: results.xml
 * through the atomic temporary file of engine/fileio.c, a .qdpx through libzip (whose temporary is
 * made with mkstemp, 0600, and would keep that mode). */
#include <dirent.h>
#include <sys/stat.h>

#include "qc_test.h"

static const char doc[] = "Interviewer: Where are you based?\n"
                          "Nurse 2: In the same office as the therapists.\n"
                          "Nurse 2: Trust is good.\n";

/* The permission bits of dir/name, or -1 when it is not there. */
static int mode_of(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return (int)(st.st_mode & 07777);
}

/* How many names in dir contain ".tmp-" (a temporary output left behind). */
static int temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

/* Runs `qcode ARGS` in dir under the given umask (the child inherits it). */
static void run_under(qct_run *r, mode_t mask, const char *dir, const char *args)
{
    mode_t old = umask(mask);
    qct_qcode(r, dir, "%s", args);
    umask(old);
}

static char *corpus_with_results(void)
{
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "P01.txt", doc, sizeof doc - 1));
    char *cb = qct_source_path("tests/data/refi/care.qcb");
    char args[4096];
    snprintf(args, sizeof args, "code -c '%s' -o results.xml P01.txt", cb);
    qct_run r;
    run_under(&r, 022, dir, args);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    qct_run_free(&r);
    free(cb);
    return dir;
}

Test(output_mode, qdpx_honours_the_umask_like_results_xml)
{
    char *dir = corpus_with_results();
    cr_expect_eq(mode_of(dir, "results.xml"), 0644, "results.xml is %o under umask 022", mode_of(dir, "results.xml"));
    qct_run r;
    run_under(&r, 022, dir, "export --qdpx p.qdpx results.xml");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    qct_run_free(&r);
    cr_expect_eq(mode_of(dir, "p.qdpx"), 0644, "p.qdpx is %o under umask 022, expected 644", mode_of(dir, "p.qdpx"));
    /* Another umask gives another mode: the umask is honoured, not 0644 written in. */
    run_under(&r, 027, dir, "export --qdpx q.qdpx results.xml");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    qct_run_free(&r);
    cr_expect_eq(mode_of(dir, "q.qdpx"), 0640, "q.qdpx is %o under umask 027, expected 640", mode_of(dir, "q.qdpx"));
    cr_expect_eq(temporaries(dir), 0, "a temporary file was left beside the outputs");
    free(dir);
}

Test(output_mode, a_replaced_qdpx_gets_the_umask_mode_too)
{
    char *dir = corpus_with_results();
    qct_run r;
    run_under(&r, 077, dir, "export --qdpx p.qdpx results.xml");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    qct_run_free(&r);
    cr_assert_eq(mode_of(dir, "p.qdpx"), 0600, "p.qdpx is %o under umask 077", mode_of(dir, "p.qdpx"));
    /* Written again under 022: a new file renamed over the old one, as results.xml is. */
    run_under(&r, 022, dir, "export --qdpx p.qdpx results.xml");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    qct_run_free(&r);
    cr_expect_eq(mode_of(dir, "p.qdpx"), 0644, "p.qdpx is %o after a new export under umask 022",
                 mode_of(dir, "p.qdpx"));
    cr_expect_eq(temporaries(dir), 0, "a temporary file was left beside the outputs");
    free(dir);
}
