/* The qcode binary's global options and exit codes. */
#include "rel_helpers.h" /* first: it sets _XOPEN_SOURCE */

#include <unistd.h>

#include "qc_test.h"

Test(cli, help_lists_commands)
{
    qct_run r;
    qct_qcode(&r, NULL, "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "usage: qcode <command>"));
    cr_assert(qct_contains(r.out, "inspect"));
    cr_assert(qct_contains(r.out, "Exit codes"));
    qct_run_free(&r);
}

Test(cli, version_prints_library_version)
{
    qct_run r;
    qct_qcode(&r, NULL, "--version");
    cr_assert_eq(r.status, 0);
    char expected[64];
    snprintf(expected, sizeof expected, "qcode %s\n", qc_version());
    cr_assert_str_eq(r.out, expected);
    qct_run_free(&r);
}

Test(cli, no_arguments_is_usage_error)
{
    qct_run r;
    qct_qcode(&r, NULL, "%s", "");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "usage: qcode"));
    qct_run_free(&r);
}

Test(cli, unknown_command_is_usage_error)
{
    qct_run r;
    qct_qcode(&r, NULL, "frobnicate");
    cr_assert_eq(r.status, 2);
    cr_assert(qct_contains(r.err, "unknown command 'frobnicate'"));
    qct_run_free(&r);
}

Test(cli, help_command_prints_usage)
{
    qct_run r;
    qct_qcode(&r, NULL, "help inspect");
    cr_assert_eq(r.status, 0);
    cr_assert(qct_contains(r.out, "usage: qcode inspect"));
    qct_run_free(&r);
    qct_qcode(&r, NULL, "help nosuch");
    cr_assert_eq(r.status, 2);
    qct_run_free(&r);
}

/* docs/cli.md carries `qcode help COMMAND` verbatim for every command (scripts/cli-docs.sh
 * regenerates it): the manual cannot drift from the binary. */
Test(cli, manual_has_every_commands_help_verbatim)
{
    char *path = qct_source_path("docs/cli.md");
    char *doc = qct_read_file(path, NULL);
    cr_assert_not_null(doc, "cannot read %s", path);
    qct_run help;
    qct_qcode(&help, NULL, "--help");
    cr_assert_eq(help.status, 0);
    const char *p = strstr(help.out, "Commands:\n");
    cr_assert_not_null(p);
    p += strlen("Commands:\n");
    int commands = 0;
    while (p[0] == ' ' && p[1] == ' ' && p[2] != ' ') {
        char name[32];
        cr_assert_eq(sscanf(p, " %31s", name), 1);
        qct_run r;
        qct_qcode(&r, NULL, "help %s", name);
        cr_assert_eq(r.status, 0);
        cr_expect(qct_contains(doc, r.out),
                  "docs/cli.md lacks the current `qcode help %s` text: run scripts/cli-docs.sh", name);
        qct_run_free(&r);
        commands++;
        p = strchr(p, '\n') + 1;
    }
    cr_expect_geq(commands, 8, "found %d commands in --help", commands);
    qct_run_free(&help);
    free(doc);
    free(path);
}

/* An error inside a .docx names the XML entry's line: the caret display must not print the zip's
 * own bytes as if they were that line. */
Test(cli, errors_inside_zip_entries_print_no_binary_source_line)
{
    char *path = qct_source_path("tests/bad/docx-malformed-xml.docx");
    qct_run r;
    qct_qcode(&r, NULL, "inspect '%s'", path);
    cr_assert_eq(r.status, 1);
    cr_assert(qct_contains(r.err, "docx-malformed-xml.docx:word/document.xml:2:121: error: malformed XML"), "%s",
              r.err);
    for (const unsigned char *p = (const unsigned char *)r.err; *p; p++)
        cr_assert(*p >= 0x20 || *p == '\n' || *p == '\t', "control byte 0x%02x in stderr", *p);
    cr_assert(!qct_contains(r.err, "PK"), "zip bytes in stderr: %s", r.err);
    qct_run_free(&r);
    free(path);
}

/* The source line under an error is read back from the file: a line with a NUL byte or invalid
 * UTF-8 anywhere in it (a UTF-16 file without a byte order mark, a binary file) is not shown at
 * all, even where the bad byte lies past the part that would fit on screen. */
Test(cli, a_line_that_is_not_text_is_not_shown)
{
    static const struct {
        const char *name, *bad, *message;
    } cases[] = {
        {"nul.txt", "\0", "nul.txt:1:2005: error: binary file (NUL byte at offset 2004), not a text transcript\n"},
        {"latin1.txt", "\xe9", "latin1.txt:1:2005: error: invalid UTF-8 (byte 0xE9 at offset 2004)"},
        {"utf16.txt", NULL,
         "utf16.txt:2:1: error: the UTF-16 file ends in the middle of a character (byte offset 22 of 23)\n"},
    };
    char *tmp = qct_temp_dir();
    char data[2100];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = 0;
        if (cases[i].bad) { /* 2000 good bytes, then the bad one: past what the caret display keeps */
            memcpy(data, "S1: ", 4);
            memset(data + 4, 'a', 2000);
            n = 2004;
            data[n++] = cases[i].bad[0];
            memcpy(data + n, " tail\n", 6);
            n += 6;
        } else { /* "I said yes\n" as UTF-16 LE, a NUL after each letter, cut off in a character */
            for (const char *p = "I said yes\n"; *p; p++) {
                data[n++] = *p;
                data[n++] = '\0';
            }
            data[n++] = 'S';
        }
        free(qct_write_file(tmp, cases[i].name, data, n));
        qct_run r;
        qct_qcode(&r, tmp, "inspect %s", cases[i].name);
        cr_expect_eq(r.status, 1, "%s: exit %d", cases[i].name, r.status);
        cr_expect(strncmp(r.err, cases[i].message, strlen(cases[i].message)) == 0, "%s: stderr:\n%s", cases[i].name,
                  r.err);
        const char *second = strchr(r.err, '\n');
        cr_expect(second && strncmp(second + 1, "qcode: 1 of 1 file could not be read:\n", 38) == 0,
                  "%s: a source line follows the message:\n%s", cases[i].name, r.err);
        qct_run_free(&r);
    }
    free(tmp);
}

/* An output that is one of the command's inputs, or another of its outputs, is refused before
 * anything is written: `code -c cb.qcb -o cb.qcb` replaced the codebook with results.xml and
 * exited 0 (found by a hostile-input sweep). Each case: exit 2, a message naming both roles, and
 * the input byte for byte as it was. */
Test(cli, an_output_never_overwrites_an_input)
{
    char *dir = qct_temp_dir();
    char *src = qct_source_path("");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cp '%s/codebooks/integrated-care.qcb' '%s/cb.qcb' && cp '%s/codebooks/integrated-care-v2.qcb' "
             "'%s/v2.qcb' && cp '%s/corpora/integrated-care/rs1-p1-interview-n15.txt' '%s/t1.txt'",
             src, dir, src, dir, src, dir);
    cr_assert_eq(system(cmd), 0);
    qct_run r;
    qct_qcode(&r, dir, "export --qdc cb.qdc cb.qcb");
    cr_assert_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    static const struct {
        const char *args, *says, *input;
    } cases[] = {
        {"code -c cb.qcb -o cb.qcb t1.txt", "-o cb.qcb is the codebook", "cb.qcb"},
        {"code -c cb.qcb --qdpx ./t1.txt t1.txt", "--qdpx ./t1.txt is the transcript", "t1.txt"},
        {"code -c cb.qcb -o same.x --qdpx ./same.x t1.txt", "-o and --qdpx are the same file", NULL},
        {"code -c cb.qcb -o - t1.txt", "-o -: standard output is not written by that name", NULL},
        {"diff cb.qcb v2.qcb -o -", "-o -: standard output is not written by that name", NULL},
        {"diff v2.qcb cb.qcb -o cb.qcb", "-o cb.qcb is the new codebook", "cb.qcb"},
        {"recode --old v2.qcb -c cb.qcb --report v2.qcb t1.txt", "--report v2.qcb is the old codebook", "v2.qcb"},
        {"export --qdc cb.qcb cb.qcb", "--qdc cb.qcb is the input", "cb.qcb"},
        {"import --qdc cb.qdc -o cb.qdc", "-o cb.qdc is the input", "cb.qdc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[1200];
        size_t before_len = 0, after_len = 0;
        char *before = NULL;
        if (cases[i].input) {
            snprintf(path, sizeof path, "%s/%s", dir, cases[i].input);
            before = qct_read_file(path, &before_len);
            cr_assert_not_null(before, "%s", path);
        }
        qct_qcode(&r, dir, "%s", cases[i].args);
        cr_expect_eq(r.status, 2, "%s: exit %d: %s", cases[i].args, r.status, r.err);
        cr_expect(qct_contains(r.err, cases[i].says), "%s: %s", cases[i].args, r.err);
        cr_expect(qct_contains(r.err, "nothing written"), "%s: %s", cases[i].args, r.err);
        if (before) {
            char *after = qct_read_file(path, &after_len);
            cr_expect(after && after_len == before_len && memcmp(after, before, before_len) == 0, "%s: %s changed",
                      cases[i].args, cases[i].input);
            free(after);
            free(before);
        } else {
            snprintf(path, sizeof path, "%s/same.x", dir);
            cr_expect(access(path, F_OK) != 0, "%s: same.x was written", cases[i].args);
            snprintf(path, sizeof path, "%s/-", dir);
            cr_expect(access(path, F_OK) != 0, "%s: a file named '-' was written", cases[i].args);
        }
        qct_run_free(&r);
    }
    /* Writing over the previous run's output is what -o is for. */
    qct_qcode(&r, dir, "code -c cb.qcb -o r.xml t1.txt && '%s' code -c cb.qcb -o r.xml t1.txt", QCODE_BIN);
    cr_expect_eq(r.status, 0, "%s", r.err);
    qct_run_free(&r);
    rel_rm_tree(dir);
    free(src);
    free(dir);
}

/* The line of stderr after the message line that starts with `lead`: the source line (n = 1) or the
 * caret line (n = 2), without its line end, in out. */
static void line_after(const char *err, const char *lead, int n, char *out, size_t cap)
{
    const char *p = strstr(err, lead);
    cr_assert_not_null(p, "%s", err);
    for (int i = 0; i < n; i++) {
        p = strchr(p, '\n');
        cr_assert_not_null(p, "%s", err);
        p++;
    }
    size_t len = strcspn(p, "\n");
    cr_assert_lt(len, cap, "a line of %zu bytes under the message", len);
    memcpy(out, p, len);
    out[len] = '\0';
}

/* A long source line (a rule of 2,000 alternatives, a casebook header of 100,000 columns) is shown
 * as 160 code points around the caret, "..." marking what is cut, with the caret under the place:
 * it was printed whole (megabytes under one message), and a header read from the file was cut at
 * 1 KB, so that the caret stood under the wrong column. */
Test(cli, a_long_source_line_is_shown_around_the_caret)
{
    char *dir = qct_temp_dir();
    char *text = malloc(1 << 20);
    cr_assert_not_null(text);
    size_t len = (size_t)sprintf(text, "codebook \"L\"\ncode A \"A\"\n  rule w0");
    for (int i = 1; i < 2000; i++)
        len += (size_t)sprintf(text + len, i == 1000 ? " OR {NOPE}" : " OR w%d", i);
    text[len++] = '\n';
    free(qct_write_file(dir, "long.qcb", text, len));
    qct_run r;
    qct_qcode(&r, dir, "check long.qcb");
    cr_expect_eq(r.status, 3);
    char src[512], caret[512];
    line_after(r.err, "error: unknown code '{NOPE}'", 1, src, sizeof src);
    line_after(r.err, "error: unknown code '{NOPE}'", 2, caret, sizeof caret);
    cr_expect_eq(strlen(src), 2 + 3 + 160 + 3, "%s", src);
    cr_expect(strncmp(src, "  ...", 5) == 0 && strcmp(src + strlen(src) - 3, "...") == 0, "%s", src);
    cr_expect_eq(strlen(caret), 2 + 3 + 80 + 6, "%s", caret);
    cr_expect(strncmp(src + strlen(caret) - 6, "{NOPE}", 6) == 0, "the caret is not under {NOPE}:\n%s\n%s", src,
              caret);
    cr_expect_str_eq(caret + strlen(caret) - 6, "^~~~~~");
    qct_run_free(&r);

    /* An error read back from the file (cli_print_error): the casebook's repeated column. */
    len = (size_t)sprintf(text, "speaker");
    for (int i = 0; i < 100000; i++)
        len += (size_t)sprintf(text + len, "\tc%d", i);
    len += (size_t)sprintf(text + len, "\tC5\tc7\nS1\n");
    free(qct_write_file(dir, "wide.tsv", text, len));
    static const char cb[] = "codebook \"T\"\ncode A \"A\"\n  rule x\n";
    free(qct_write_file(dir, "cb.qcb", cb, strlen(cb)));
    free(qct_write_file(dir, "S1.txt", "S1: x\n", 6));
    qct_qcode(&r, dir, "code -c cb.qcb --cases wide.tsv S1.txt");
    cr_expect_eq(r.status, 2, "%s", r.err);
    line_after(r.err, "error: column 'C5' appears twice in the header", 1, src, sizeof src);
    line_after(r.err, "error: column 'C5' appears twice in the header", 2, caret, sizeof caret);
    cr_expect(strncmp(src, "  ...", 5) == 0, "%s", src);
    cr_expect(strlen(src) <= 2 + 3 + 160 + 3, "%s", src);
    cr_expect_eq(caret[strlen(caret) - 1], '^', "%s", caret);
    cr_expect(strncmp(src + strlen(caret) - 1, "C5\t", 3) == 0, "the caret is not under C5:\n%s\n%s", src, caret);
    qct_run_free(&r);

    /* A line of 160 code points or fewer is shown whole, wherever the column (it was cut 80 before
     * the column when read back from the file). */
    len = (size_t)sprintf(text, "speaker\tprofession_of_the_respondent_as_recorded_at_the_first_interview_in_phase_one"
                                "\tteam\tteam_lead\tteam\nS1\n");
    free(qct_write_file(dir, "short.tsv", text, len));
    qct_qcode(&r, dir, "code -c cb.qcb --cases short.tsv S1.txt");
    cr_expect_eq(r.status, 2, "%s", r.err);
    line_after(r.err, "error: column 'team' appears twice in the header", 1, src, sizeof src);
    line_after(r.err, "error: column 'team' appears twice in the header", 2, caret, sizeof caret);
    cr_expect(strncmp(src, "  speaker\t", 10) == 0, "%s", src);
    cr_expect(strstr(src, "...") == NULL, "%s", src);
    cr_expect(strncmp(src + strlen(caret) - 1, "team\n", 4) == 0 || strcmp(src + strlen(caret) - 1, "team") == 0,
              "the caret is not under the second team:\n%s\n%s", src, caret);
    qct_run_free(&r);
    free(text);
    free(dir);
}

/* The other commands print names from files too: a codebook's path, name and version, a code's
 * name and a rule's phrase (a quoted string may hold an ESC), the files export and import write,
 * and what import read from another tool. Each goes to the terminal as qc_printable shows it. */
Test(cli, names_in_every_command_reach_the_terminal_without_their_control_characters)
{
    char *dir = qct_temp_dir();
    const char qcb[] = "codebook \"Care\033[31m\" version \"2\033[0m\"\n\ncode WAIT \"Wait\033[5m\"\n"
                       "  rule \"wait\033[1m list\"\n";
    free(qct_write_file(dir, "c\033[31m.qcb", qcb, strlen(qcb)));
    /* A coding issue (a regex at its limit) names the transcript in code, quotes and recode. */
    const char limits[] = "codebook \"l\"\ncode LONGA \"a\"\n  rule office\n  rule /(a+)+$/\n";
    free(qct_write_file(dir, "l.qcb", limits, strlen(limits)));
    static char text[20100];
    memset(text, 'a', 20000);
    memcpy(text, "P1: ", 4);
    strcpy(text + 20000, "b! The office is fine.\n");
    free(qct_write_file(dir, "long\033[2J.txt", text, strlen(text)));
    const char *issue = "longU+001B[2J.txt: warning: code LONGA, rule at line 4: regex /(a+)+$/ stopped at the regex "
                        "limit in 1 unit (first at line 1, column 5 of longU+001B[2J.txt)";
    /* Each command (in this order: import reads what export wrote, recode what code wrote) and
     * what it must say on stdout or stderr. */
    static const struct {
        const char *command, *out, *err;
    } runs[] = {
        {"check c*.qcb", "cU+001B[31m.qcb: ok: 1 code:", ""},
        {"tree --rules c*.qcb",
         "codebook \"CareU+001B[31m\" version 2U+001B[0m: 1 code\nWAIT \"WaitU+001B[5m\" (1 rule)\n"
         "  rule \"waitU+001B[1m list\"\n",
         ""},
        {"export --qdc 'o\033[2J.qdc' c*.qcb", "", "wrote oU+001B[2J.qdc\n"},
        {"import --qdc o*.qdc -o 'i\033[2J.qcb'", "imported codebook oU+001B[2J.qdc -> iU+001B[2J.qcb (0 warnings)\n",
         ""},
        {"code -c l.qcb -o r.xml long*.txt", "", NULL},
        {"quotes -c l.qcb LONGA long*.txt", "", NULL},
        {"recode -c l.qcb --from r.xml -o r2.xml long*.txt", "", NULL},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        qct_run r;
        qct_qcode(&r, dir, "%s", runs[i].command);
        cr_expect_eq(r.status, 0, "%s: %s", runs[i].command, r.err);
        cr_expect(qct_contains(r.out, runs[i].out), "%s: %s", runs[i].command, r.out);
        cr_expect(qct_contains(r.err, runs[i].err ? runs[i].err : issue), "%s: %s", runs[i].command, r.err);
        cr_expect(!qct_wrote_esc(&r), "%s: an ESC reached the terminal:\n%s%s", runs[i].command, r.out, r.err);
        qct_run_free(&r);
    }
    free(dir);
}
