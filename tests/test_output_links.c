/* Outputs named through symbolic links: the link is followed, never replaced. The temporary twin
 * is made beside the end of the chain of links and renamed over it, so the link stays and leads
 * to the new file; a dangling link gets its target made; a target that is not a regular file (a
 * pipe, a device, a descriptor's link such as /dev/stdout) is written in place. Every writer goes
 * through the same rule (engine/fileio.c qc_atomic_open_in, docs/reliability.md). */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qc_test.h"

static const char codebook_src[] = "codebook \"OK\" version 1\n"
                                   "code TEAM \"Team\"\n"
                                   "  rule \"same office\" OR co-locat*\n";
static const char transcript_src[] = "Interviewer: How is the team?\n\n"
                                     "S1: We are co-located now, in the same office.\n";

/* A folder with cb.qcb, t.txt and the folders real/ and links/; SOURCE_DATE_EPOCH fixed so that
 * two runs write the same bytes. */
static char *setup(void)
{
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    char *dir = qct_temp_dir();
    free(qct_write_file(dir, "cb.qcb", codebook_src, sizeof codebook_src - 1));
    free(qct_write_file(dir, "t.txt", transcript_src, sizeof transcript_src - 1));
    char *real = rel_path_in(dir, "real"), *links = rel_path_in(dir, "links");
    cr_assert_eq(mkdir(real, 0755), 0);
    cr_assert_eq(mkdir(links, 0755), 0);
    free(real);
    free(links);
    return dir;
}

/* dir/name made a symbolic link to target. */
static void make_link(const char *dir, const char *name, const char *target)
{
    char *p = rel_path_in(dir, name);
    cr_assert_eq(symlink(target, p), 0, "symlink %s -> %s: %s", p, target, strerror(errno));
    free(p);
}

/* dir/name is still a symbolic link to target. */
static void expect_link(const char *dir, const char *name, const char *target)
{
    char *p = rel_path_in(dir, name);
    struct stat st;
    cr_expect(lstat(p, &st) == 0 && S_ISLNK(st.st_mode), "%s is no longer a symbolic link", name);
    char got[4096];
    ssize_t n = readlink(p, got, sizeof got - 1);
    got[n > 0 ? n : 0] = '\0';
    cr_expect_str_eq(got, target, "%s now leads elsewhere", name);
    free(p);
}

/* dir/name is a regular file with exactly the bytes of dir/reference. */
static void expect_same_file(const char *dir, const char *name, const char *reference)
{
    char *p = rel_path_in(dir, name), *r = rel_path_in(dir, reference);
    struct stat st;
    cr_expect(lstat(p, &st) == 0 && S_ISREG(st.st_mode), "%s is not a regular file", name);
    size_t n = 0;
    char *want = qct_read_file(r, &n);
    cr_assert_not_null(want, "%s was not written", reference);
    cr_expect(rel_file_equals(p, want, n), "%s differs from %s", name, reference);
    free(want);
    free(p);
    free(r);
}

/* No TARGET.tmp-XXXXXX left in dir/sub. */
static void expect_no_temporary(const char *dir, const char *sub)
{
    char *p = rel_path_in(dir, sub);
    char names[4096];
    long n = rel_list_dir(p, names, sizeof names);
    cr_expect(n >= 0 && !strstr(names, ".tmp-"), "a temporary was left in %s:\n%s", sub, names);
    free(p);
}

Test(output_links, a_link_to_a_file_is_written_through)
{
    char *dir = setup();
    rel_run_ok(dir, "code -c cb.qcb -o plain.xml t.txt");
    free(qct_write_file(dir, "real/results.xml", "old\n", 4));
    make_link(dir, "link.xml", "real/results.xml");
    rel_run_ok(dir, "code -c cb.qcb -o link.xml t.txt");
    expect_link(dir, "link.xml", "real/results.xml");
    expect_same_file(dir, "real/results.xml", "plain.xml");
    expect_no_temporary(dir, ".");
    expect_no_temporary(dir, "real");
    rel_rm_tree(dir);
    free(dir);
}

Test(output_links, a_chain_of_links_with_a_relative_one_in_another_folder)
{
    char *dir = setup();
    rel_run_ok(dir, "code -c cb.qcb -o plain.xml t.txt");
    /* chain2 -> chain1 -> links/rel.xml -> ../real/results.xml: the last is relative to links/,
     * not to the folder qcode runs in. */
    make_link(dir, "links/rel.xml", "../real/results.xml");
    make_link(dir, "chain1", "links/rel.xml");
    make_link(dir, "chain2", "chain1");
    rel_run_ok(dir, "code -c cb.qcb -o chain2 t.txt");
    expect_link(dir, "chain2", "chain1");
    expect_link(dir, "chain1", "links/rel.xml");
    expect_link(dir, "links/rel.xml", "../real/results.xml");
    expect_same_file(dir, "real/results.xml", "plain.xml");
    expect_no_temporary(dir, "real");
    expect_no_temporary(dir, "links");
    rel_rm_tree(dir);
    free(dir);
}

Test(output_links, a_dangling_link_gets_its_target_made)
{
    char *dir = setup();
    rel_run_ok(dir, "code -c cb.qcb -o plain.xml t.txt");
    make_link(dir, "links/new.xml", "../real/new.xml");
    rel_run_ok(dir, "code -c cb.qcb -o links/new.xml t.txt");
    expect_link(dir, "links/new.xml", "../real/new.xml");
    expect_same_file(dir, "real/new.xml", "plain.xml");
    rel_rm_tree(dir);
    free(dir);
}

/* Each writer, its output a link into real/: --tsv (a folder), --qdpx, diff -o, export --qdc,
 * recode -o and --report, import -o (a folder) and import --qdc -o. */
Test(output_links, every_writer_follows_links)
{
    char *dir = setup();
    static const char *const outs[] = {"r.xml",  "tsv",     "p.qdpx",   "d.txt", "c.qdc",
                                       "re.xml", "rep.xml", "imported", "i.qcb"};
    char target[64];
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        snprintf(target, sizeof target, "../real/%s", outs[i]);
        char name[64];
        snprintf(name, sizeof name, "links/%s", outs[i]);
        make_link(dir, name, target);
    }
    free(qct_write_file(dir, "real/r.xml", "old\n", 4)); /* one existing, the others dangling */
    rel_run_ok(dir, "code -c cb.qcb -o links/r.xml --tsv links/tsv --qdpx links/p.qdpx t.txt");
    rel_run_ok(dir, "diff cb.qcb cb.qcb -o links/d.txt");
    rel_run_ok(dir, "export --qdc links/c.qdc cb.qcb");
    rel_run_ok(dir, "recode --old cb.qcb -c cb.qcb -o links/re.xml --report links/rep.xml t.txt");
    rel_run_ok(dir, "import real/p.qdpx -o links/imported");
    rel_run_ok(dir, "import --qdc real/c.qdc -o links/i.qcb");
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        char name[64];
        snprintf(target, sizeof target, "../real/%s", outs[i]);
        snprintf(name, sizeof name, "links/%s", outs[i]);
        expect_link(dir, name, target);
        snprintf(name, sizeof name, "real/%s", outs[i]);
        char *p = rel_path_in(dir, name);
        struct stat st;
        cr_expect(stat(p, &st) == 0 && st.st_size > 0, "%s was not written", name);
        free(p);
    }
    char *tables = rel_path_in(dir, "real/tsv/frequencies.tsv"),
         *imported = rel_path_in(dir, "real/imported/codebook.qcb");
    struct stat st;
    cr_expect_eq(stat(tables, &st), 0, "--tsv through a link: no frequencies.tsv");
    cr_expect_eq(stat(imported, &st), 0, "import -o through a link: no codebook.qcb");
    free(tables);
    free(imported);
    expect_no_temporary(dir, "real");
    expect_no_temporary(dir, "links");
    rel_rm_tree(dir);
    free(dir);
}

/* /dev/stdout is a link to /proc/self/fd/1; a link of our own to it stands in for it here (the
 * system's /dev/stdout must never be at risk in a test run as root). With the standard output a
 * file, it was the link that got replaced by a regular file; now the results go to the standard
 * output, where it stands, and the summary printed there after them. */
Test(output_links, a_link_to_the_standard_output_writes_to_it)
{
    char *dir = setup();
    rel_run_ok(dir, "code -c cb.qcb -o plain.xml t.txt");
    make_link(dir, "out", "/proc/self/fd/1");
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o out t.txt");
    cr_expect_eq(r.status, 0, "exit %d, stderr: %s", r.status, r.err);
    expect_link(dir, "out", "/proc/self/fd/1");
    char *plain_path = rel_path_in(dir, "plain.xml");
    size_t n = 0;
    char *plain = qct_read_file(plain_path, &n);
    cr_assert_not_null(plain);
    cr_expect(strncmp(r.out, plain, n) == 0, "stdout does not start with the results:\n%s", r.out);
    cr_expect(qct_contains(r.out + (strlen(r.out) >= n ? n : 0), "Total"), "no summary after the results:\n%s", r.out);
    free(plain);
    free(plain_path);
    qct_run_free(&r);
    expect_no_temporary(dir, ".");
    rel_rm_tree(dir);
    free(dir);
}

/* Written in place, the standard output cannot be streamed into while coding (results.xml format
 * 2 is, to a file): a run that then fails would leave its reader half a results.xml. */
Test(output_links, a_failed_run_gives_the_standard_output_nothing)
{
    char *dir = setup();
    char *src = qct_source_path("");
    static const char bad[] = "S1: a bad \xfe byte\n";
    free(qct_write_file(dir, "zz-bad.txt", bad, sizeof bad - 1));
    make_link(dir, "out", "/proc/self/fd/1");
    qct_run r;
    qct_qcode(&r, dir,
              "code --strict -c '%s/codebooks/integrated-care.qcb' -o out '%s/corpora/integrated-care' zz-bad.txt", src,
              src);
    cr_expect_eq(r.status, 1, "exit %d, stderr: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "nothing written"), "%s", r.err);
    cr_expect(!qct_contains(r.out, "<?xml"), "the standard output got part of a results.xml");
    qct_run_free(&r);
    expect_link(dir, "out", "/proc/self/fd/1");
    free(src);
    rel_rm_tree(dir);
    free(dir);
}

/* A FIFO behind a link is written into (a reader gets the results); the FIFO stays. */
Test(output_links, a_link_to_a_fifo_is_written_into)
{
    char *dir = setup();
    rel_run_ok(dir, "code -c cb.qcb -o plain.xml t.txt");
    char *fifo = rel_path_in(dir, "real/fifo"), *got = rel_path_in(dir, "got.xml");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    make_link(dir, "links/pipe.xml", "../real/fifo");
    pid_t reader = fork();
    cr_assert_neq(reader, -1);
    if (reader == 0) {
        int in = open(fifo, O_RDONLY), out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[4096];
        ssize_t k;
        while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)k) != k)
                _exit(1);
        _exit(in >= 0 && out >= 0 ? 0 : 1);
    }
    rel_run_ok(dir, "code -c cb.qcb -o links/pipe.xml t.txt");
    int st = 0;
    cr_assert_eq(waitpid(reader, &st, 0), reader);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the reader failed");
    expect_link(dir, "links/pipe.xml", "../real/fifo");
    struct stat sb;
    cr_expect(lstat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode), "the FIFO was replaced");
    expect_same_file(dir, "got.xml", "plain.xml");
    expect_no_temporary(dir, "real");
    free(fifo);
    free(got);
    rel_rm_tree(dir);
    free(dir);
}

/* A device behind a link: a private null device when root (never the system's /dev/null), else
 * /dev/null itself, which a user cannot replace. */
Test(output_links, a_link_to_a_device_is_written_into)
{
    char *dir = setup();
    char *node = rel_path_in(dir, "real/null");
    const char *dev = node;
    if (geteuid() != 0 || mknod(node, S_IFCHR | 0666, makedev(1, 3)) != 0)
        dev = "/dev/null";
    make_link(dir, "links/null.xml", dev);
    make_link(dir, "links/chain.xml", "null.xml");
    rel_run_ok(dir, "code -c cb.qcb -o links/chain.xml t.txt");
    rel_run_ok(dir, "code -c cb.qcb --qdpx links/null.xml t.txt");
    expect_link(dir, "links/chain.xml", "null.xml");
    expect_link(dir, "links/null.xml", dev);
    struct stat st;
    cr_expect(stat(dev, &st) == 0 && S_ISCHR(st.st_mode), "%s is no longer a device", dev);
    expect_no_temporary(dir, "real");
    expect_no_temporary(dir, "links");
    free(node);
    rel_rm_tree(dir);
    free(dir);
}

/* An input reached through links is still refused as an output, and two outputs whose links lead
 * to one file not made yet are the same file. */
Test(output_links, inputs_are_refused_through_links)
{
    char *dir = setup();
    make_link(dir, "links/cb.qcb", "../cb.qcb");
    make_link(dir, "chain", "links/cb.qcb");
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o chain t.txt");
    cr_expect_eq(r.status, 2, "exit %d, stderr: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "-o chain is the codebook cb.qcb: writing it would destroy it"), "%s", r.err);
    qct_run_free(&r);
    make_link(dir, "links/a.xml", "../real/same");
    qct_qcode(&r, dir, "code -c cb.qcb -o links/a.xml --qdpx real/same t.txt");
    cr_expect_eq(r.status, 2, "exit %d, stderr: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "are the same file"), "%s", r.err);
    qct_run_free(&r);
    char *cb = rel_path_in(dir, "cb.qcb");
    cr_expect(rel_file_equals(cb, codebook_src, sizeof codebook_src - 1), "the codebook changed");
    free(cb);
    rel_rm_tree(dir);
    free(dir);
}

Test(output_links, a_loop_of_links_is_an_error)
{
    char *dir = setup();
    make_link(dir, "loop1", "loop2");
    make_link(dir, "loop2", "loop1");
    qct_run r;
    qct_qcode(&r, dir, "code -c cb.qcb -o loop1 t.txt");
    cr_expect_eq(r.status, 2, "exit %d, stderr: %s", r.status, r.err);
    cr_expect(qct_contains(r.err, "loop1: error: cannot write output: Too many levels of symbolic links"), "%s", r.err);
    qct_run_free(&r);
    expect_link(dir, "loop1", "loop2");
    expect_no_temporary(dir, ".");
    rel_rm_tree(dir);
    free(dir);
}
