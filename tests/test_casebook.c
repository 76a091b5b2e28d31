/* Casebooks: TSV and CSV, lookup precedence, unknown speakers, bad sheets. */
#include "qc_test.h"

static qc_casebook *load(const char *name, const char *text)
{
    qc_casebook *cb = NULL;
    qc_error err;
    int rc = qc_casebook_load_buffer(&cb, name, text, strlen(text), &err);
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    return cb;
}

static int load_fails(const char *name, const char *text, qc_error *err)
{
    qc_casebook *cb = NULL;
    int rc = qc_casebook_load_buffer(&cb, name, text, strlen(text), err);
    cr_assert_null(cb);
    return rc;
}

Test(casebook, tsv_speakers_and_attributes)
{
    qc_casebook *cb =
        load("c.tsv", "\xEF\xBB\xBFspeaker\tsite\tprofession\tphase\r\nN15\tRS1\tnurse\t1\r\n\r\nOT11\tRS1\t"
                      "occupational therapist\t2\r\n");
    cr_assert_eq(qc_casebook_attribute_count(cb), 3);
    cr_assert_str_eq(qc_casebook_attribute_name(cb, 0), "site");
    cr_assert_str_eq(qc_casebook_attribute_name(cb, 2), "phase");
    cr_assert_null(qc_casebook_attribute_name(cb, 3));
    cr_assert_eq(qc_casebook_row_count(cb), 2);
    cr_assert_str_eq(qc_casebook_value(cb, "any.txt", "OT11", 1), "occupational therapist");
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "N15", 2), "1");
    cr_assert_null(qc_casebook_value(cb, NULL, "X9", 0));
    cr_assert(qc_casebook_knows_speaker(cb, "a.txt", "N15"));
    cr_assert_not(qc_casebook_knows_speaker(cb, "a.txt", "Interviewer"));
    qc_casebook_free(cb);
}

/* `code`, `recode` and `inspect` warn of speakers a casebook does not know only when it describes
 * speakers at all: one of documents alone knows none, and says nothing of them. */
Test(casebook, has_speakers_only_when_some_row_names_one)
{
    qc_casebook *people = load("p.tsv", "document\tspeaker\tsite\na.txt\t\tRS1\nb.txt\tN15\tRS2\n");
    qc_casebook *documents = load("d.tsv", "document\tsite\na.txt\tRS1\nb.txt\tRS2\n");
    cr_assert(qc_casebook_has_speakers(people));
    cr_assert_not(qc_casebook_has_speakers(documents));
    cr_assert_not(qc_casebook_has_speakers(NULL));
    qc_casebook_free(people);
    qc_casebook_free(documents);
}

Test(casebook, csv_with_quotes_and_most_specific_row_wins)
{
    qc_casebook *cb = load("c.csv", "Document,Speaker,site,note\n"
                                    "a.txt,,RS1,\"whole doc, with comma\"\n"
                                    ",N15,RS2,\"said \"\"hi\"\"\"\n"
                                    "a.txt,N15,RS3,\"two\nlines\"\n"
                                    "b.txt,,RS9,\n");
    cr_assert_eq(qc_casebook_attribute_count(cb), 2);
    cr_assert_str_eq(qc_casebook_value(cb, "a.txt", "N15", 0), "RS3"); /* document+speaker */
    cr_assert_str_eq(qc_casebook_value(cb, "c.txt", "N15", 0), "RS2"); /* speaker */
    cr_assert_str_eq(qc_casebook_value(cb, "a.txt", "Z1", 0), "RS1");  /* document */
    cr_assert_str_eq(qc_casebook_value(cb, "a.txt", "Z1", 1), "whole doc, with comma");
    cr_assert_str_eq(qc_casebook_value(cb, "c.txt", "N15", 1), "said \"hi\"");
    cr_assert_str_eq(qc_casebook_value(cb, "a.txt", "N15", 1), "two\nlines");
    /* An empty cell gives no value, so the next row down answers. */
    cr_assert_str_eq(qc_casebook_value(cb, "b.txt", "N15", 1), "said \"hi\"");
    cr_assert(qc_casebook_knows_speaker(cb, "a.txt", "n15"));
    qc_casebook_free(cb);
}

/* Excel writes CSV with semicolons where the comma is the decimal mark (German, French, Danish...
 * locales): its header was one field, "the header has no 'speaker' or 'document' column". */
Test(casebook, csv_with_semicolons_as_excel_writes_it_in_europe)
{
    qc_casebook *cb = load("c.csv", "\xEF\xBB\xBFspeaker;team;hours;note\r\n"
                                    "N15;RS1;37,5;\"nurse; part time\"\r\n"
                                    "OT11;RS2;30;\r\n");
    cr_assert_eq(qc_casebook_attribute_count(cb), 3);
    cr_assert_str_eq(qc_casebook_attribute_name(cb, 1), "hours");
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "N15", 1), "37,5");
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "N15", 2), "nurse; part time");
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "OT11", 0), "RS2");
    cr_assert_null(qc_casebook_value(cb, NULL, "OT11", 2));
    qc_casebook_free(cb);
    /* Excel's "sep=;" line names the separator; the header follows it, and lines keep their numbers */
    cb = load("e.csv", "sep=;\r\nspeaker;team,site\r\nN15;RS1,north\r\n");
    cr_assert_eq(qc_casebook_attribute_count(cb), 1);
    cr_assert_str_eq(qc_casebook_attribute_name(cb, 0), "team,site");
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "N15", 0), "RS1,north");
    uint32_t line = 0;
    cr_assert_eq(qc_casebook_row(cb, 0, NULL, NULL, &line), 0);
    cr_expect_eq(line, 3);
    qc_casebook_free(cb);
    /* a header with more commas than semicolons stays comma-separated */
    cb = load("d.csv", "speaker,note\nN15,\"a;b;c\"\n");
    cr_assert_eq(qc_casebook_attribute_count(cb), 1);
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "N15", 0), "a;b;c");
    qc_casebook_free(cb);
}

Test(casebook, too_many_fields_names_line_and_column)
{
    qc_error err;
    cr_assert_eq(load_fails("c.tsv", "speaker\tsite\nN1\tRS1\nN2\tRS2\textra\n", &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.file, "c.tsv");
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.column, 8);
    cr_assert(qct_contains(err.message, "3 fields"), "%s", err.message);
}

Test(casebook, header_needs_speaker_or_document)
{
    qc_error err;
    cr_assert_eq(load_fails("c.csv", "name,site\nA,B\n", &err), QC_ERR_FORMAT);
    cr_assert_eq(err.line, 1);
    cr_assert(qct_contains(err.message, "'speaker' or 'document'"), "%s", err.message);
    cr_assert_eq(load_fails("c.csv", "", &err), QC_ERR_FORMAT);
    cr_assert(qct_contains(err.message, "empty casebook"), "%s", err.message);
}

/* Rows in file order with what they name and their line (qcode warns of document rows naming no
 * document read, and of speakers only when some row names one). */
Test(casebook, rows_tell_what_they_name_and_where)
{
    qc_casebook *cb = load("c.tsv", "document\tspeaker\tsite\n\nd1.txt\t\tnorth\n\tN15\tsouth\n");
    const char *doc = "?", *speaker = "?";
    uint32_t line = 0;
    cr_assert_eq(qc_casebook_row(cb, 0, &doc, &speaker, &line), 0);
    cr_expect_str_eq(doc, "d1.txt");
    cr_expect_null(speaker);
    cr_expect_eq(line, 3);
    cr_assert_eq(qc_casebook_row(cb, 1, &doc, &speaker, &line), 0);
    cr_expect_null(doc);
    cr_expect_str_eq(speaker, "N15");
    cr_expect_eq(line, 4);
    cr_expect_eq(qc_casebook_row(cb, 2, &doc, NULL, NULL), QC_ERR_NOTFOUND);
    qc_casebook_free(cb);
}

Test(casebook, duplicate_rows_are_errors)
{
    qc_error err;
    cr_assert_eq(load_fails("c.csv", "speaker,site\nN1,A\nN2,B\nn1,C\n", &err), QC_ERR_FORMAT);
    cr_assert_eq(err.line, 4);
    cr_assert(qct_contains(err.message, "duplicate"), "%s", err.message);
    cr_assert(qct_contains(err.message, "line 2"), "%s", err.message);
}

Test(casebook, bad_quotes_and_encoding)
{
    qc_error err;
    cr_assert_eq(load_fails("c.csv", "speaker,site\nN1,\"open\n", &err), QC_ERR_FORMAT);
    cr_assert_eq(err.line, 2);
    cr_assert(qct_contains(err.message, "unterminated"), "%s", err.message);
    cr_assert_eq(load_fails("c.csv", "speaker,site\nN1,caf\xE9\n", &err), QC_ERR_ENCODING);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.column, 7);
    /* Excel's plain CSV is the Windows code page: the message says how to get UTF-8 */
    cr_assert(qct_contains(err.message, "invalid UTF-8 (byte 0xE9); if Excel saved it as plain CSV (\"ANSI\"), save "
                                        "it again as \"CSV UTF-8\", or convert it with iconv -f windows-1252 -t utf-8"),
              "%s", err.message);
}

Test(casebook, load_from_file_and_missing_file)
{
    char *dir = qct_temp_dir();
    char *path = qct_write_file(dir, "cases.tsv", "speaker\tteam\nN1\tRS1\n", 20);
    qc_casebook *cb = NULL;
    qc_error err;
    cr_assert_eq(qc_casebook_load(&cb, path, &err), 0, "%s", err.message);
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "N1", 0), "RS1");
    qc_casebook_free(cb);
    cr_assert_eq(qc_casebook_load(&cb, "/nonexistent/cases.tsv", &err), QC_ERR_IO);
    qc_casebook_free(NULL);
    free(path);
    free(dir);
}

/* A repeated column name is the first column that repeats an earlier one, compared
 * case-insensitively, however many columns there are; the names are sorted, not compared
 * pairwise (100,000 columns took 28 s; the 60,000 here took 10 s of CPU that way). */
Test(casebook, repeated_column_names_are_found_in_wide_headers)
{
    qc_error err;
    cr_assert_eq(load_fails("c.tsv", "speaker\tsite\tPhase\tteam\tSITE\tphase\nS1\ta\tb\tc\td\te\n", &err),
                 QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'SITE' appears twice in the header");
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.column, 25);
    /* the key columns too: a second one was read as an attribute named like the key */
    cr_assert_eq(load_fails("c.tsv", "speaker\tsite\tSpeaker\nS1\ta\tb\n", &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'Speaker' appears twice in the header");
    cr_assert_eq(err.column, 14);
    cr_assert_eq(load_fails("c.tsv", "DOCUMENT\tspeaker\tdocument\nd\tS1\tb\n", &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'document' appears twice in the header");

    const size_t n = 60000;
    char *wide = malloc(n * 8 + 64);
    cr_assert_not_null(wide);
    size_t len = (size_t)sprintf(wide, "speaker");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(wide + len, "\tc%zu", i);
    strcpy(wide + len, "\nS1\tx\n");
    qc_casebook *cb = load("wide.tsv", wide);
    cr_assert_eq(qc_casebook_attribute_count(cb), n);
    cr_assert_str_eq(qc_casebook_value(cb, NULL, "S1", 0), "x");
    qc_casebook_free(cb);
    /* two repeats at the end: the earlier one is named, at its column */
    strcpy(wide + len, "\tC59998\tc12\n");
    cr_assert_eq(load_fails("wide.tsv", wide, &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'C59998' appears twice in the header");
    cr_assert_eq(err.column, len + 2);
    free(wide);
}

/* Column names are names: two that differ only in case beyond ASCII, in how an accent is typed or in
 * `ß` and `ss` are one attribute, which `where` and the breakdowns could not tell apart. They were
 * compared with strcasecmp, so `Région` and `RÉGION` were two attributes, and a `where région`
 * found the first. The error names the later column, at its line and column. */
Test(casebook, repeated_column_names_compare_as_names_beyond_ascii)
{
    qc_error err;
    cr_assert_eq(load_fails("c.tsv", "speaker\tR\xC3\xA9gion\tteam\tR\xC3\x89GION\nS1\ta\tb\tc\n", &err),
                 QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'R\xC3\x89GION' appears twice in the header");
    cr_assert_str_eq(err.file, "c.tsv");
    cr_expect_eq(err.line, 1);
    cr_expect_eq(err.column, 21); /* code points: `speaker\tRégion\tteam\t` is 20 */
    cr_assert_eq(load_fails("c.csv", "speaker,Wei\xC3\x9F,WEISS\nS1,a,b\n", &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'WEISS' appears twice in the header");
    cr_expect_eq(err.column, 14);
    /* É typed as one character, then as E and a combining mark */
    cr_assert_eq(load_fails("c.tsv", "\n\xC3\x89quipe\tspeaker\tE\xCC\x81quipe\n", &err), QC_ERR_FORMAT);
    cr_assert_str_eq(err.message, "column 'E\xCC\x81quipe' appears twice in the header");
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.column, 16);
    /* names that fold apart stay two attributes */
    qc_casebook *cb = load("c.tsv", "speaker\tR\xC3\xA9gion\tRegion\nS1\ta\tb\n");
    cr_expect_eq(qc_casebook_attribute_count(cb), 2);
    qc_casebook_free(cb);
}

/* qc_casebook_name_fold: the bytes qc_casebook_name_compare compares, for a tool that measures how
 * far two names are apart; snprintf's contract. */
Test(casebook, a_name_folds_as_the_casebook_compares_it)
{
    char out[16];
    cr_expect_eq(qc_casebook_name_fold("Wei\xC3\x9F", out, sizeof out), 5);
    cr_expect_str_eq(out, "weiss");
    cr_expect_eq(qc_casebook_name_fold("E\xCC\x81LODIE", out, sizeof out), 7);
    cr_expect_str_eq(out, "\xC3\xA9lodie");
    cr_expect_eq(qc_casebook_name_fold("O’Brien", out, sizeof out), 7);
    cr_expect_str_eq(out, "o'brien");
    cr_expect_eq(qc_casebook_name_fold("Nurse 2", out, sizeof out), 7);
    cr_expect_str_eq(out, "nurse 2");
    /* cut at a character, never inside one; the whole length returned */
    cr_expect_eq(qc_casebook_name_fold("ab\xC3\x89", out, 4), 4);
    cr_expect_str_eq(out, "ab");
    cr_expect_eq(qc_casebook_name_fold("abc", NULL, 0), 3);
    cr_expect_eq(qc_casebook_name_fold("", out, sizeof out), 0);
    cr_expect_str_eq(out, "");
    /* not UTF-8: as written, ASCII case aside */
    cr_expect_eq(qc_casebook_name_fold("AB\xFF", out, sizeof out), 3);
    cr_expect_str_eq(out, "ab\xFF");
    const char *pairs[][2] = {{"Région", "RÉGION"}, {"Weiß", "WEISS"}, {"\xC3\x89", "E\xCC\x81"}, {"Région", "Region"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        char a[32], b[32];
        qc_casebook_name_fold(pairs[i][0], a, sizeof a);
        qc_casebook_name_fold(pairs[i][1], b, sizeof b);
        cr_expect_eq(strcmp(a, b) == 0, qc_casebook_name_compare(pairs[i][0], pairs[i][1]) == 0, "%s %s", pairs[i][0],
                     pairs[i][1]);
    }
}

/* The casebook's order of names (the command line sorts speaker rows and labels by it and
 * searches them): case and accent typing aside, and one order whichever way an accent was typed,
 * or a search could miss a name the sort put elsewhere. */
Test(casebook, names_compare_in_one_order_whatever_their_case_or_accent_typing)
{
    const char *nfd = "E\xCC\x81lodie", *nfc = "\xC3\x89lodie", *lower = "\xC3\xA9lodie";
    cr_expect_eq(qc_casebook_name_compare(nfd, nfc), 0);
    cr_expect_eq(qc_casebook_name_compare(nfd, lower), 0);
    cr_expect_eq(qc_casebook_name_compare("Nurse 2", "nurse 2"), 0);
    cr_expect_lt(qc_casebook_name_compare("abc", "ABD"), 0);
    cr_expect_lt(qc_casebook_name_compare("ab", "ABC"), 0);
    cr_expect_gt(qc_casebook_name_compare("abc", "ab"), 0);
    /* É sorts after F whether typed as one character or as E and a mark. */
    cr_expect_gt(qc_casebook_name_compare(nfc, "F"), 0);
    cr_expect_gt(qc_casebook_name_compare(nfd, "F"), 0);
    cr_expect_lt(qc_casebook_name_compare("F", nfd), 0);
    cr_expect_gt(qc_casebook_name_compare("xE\xCC\x81", "xF"), 0);
    cr_expect_neq(qc_casebook_name_compare("E\xCC\x81", "E"), 0);
}

/* A sheet of a header and rows 1..n, row i written by fmt from i (fmt takes i up to four times). */
static qc_casebook *sheet_of(const char *header, int n, const char *fmt)
{
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);
    cr_assert_not_null(fp);
    fputs(header, fp);
    for (int i = 1; i <= n; i++)
        fprintf(fp, fmt, i, i, i, i);
    fclose(fp);
    qc_casebook *cb = load("cases.tsv", text);
    free(text);
    return cb;
}

enum { MIN = QC_CASEBOOK_IDENTIFIER_MIN };

/* A pseudonym per person is an identifier; 50 people or fewer keep every column broken down (a
 * pilot's `profession`, each person's own, is still a table). */
Test(casebook, an_identifier_is_a_column_whose_values_are_each_one_persons)
{
    size_t values = 0;
    qc_casebook *cb = sheet_of("speaker\tpseudonym\tnumber\n", MIN + 1, "S%d\tP%d\t%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, &values), 1);
    cr_expect_eq(values, MIN + 1);
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 1, NULL), 1);
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 2, &values), 0, "no such column");
    qc_casebook_free(cb);

    cb = sheet_of("speaker\tpseudonym\n", MIN, "S%d\tP%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, &values), 0, "%d values: a table still", MIN);
    qc_casebook_free(cb);

    /* people without a value are not counted: neither a shared value nor one more */
    cb = sheet_of("speaker\tpseudonym\n", MIN + 1, "S%d\tP%d\nX%d\t\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, &values), 1);
    cr_expect_eq(values, MIN + 1);
    qc_casebook_free(cb);

    /* documents described a row each: an identifier of documents */
    cb = sheet_of("document\trecorded\n", MIN + 1, "D%d\t2024-01-%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, NULL), 1);
    qc_casebook_free(cb);
}

/* A value two people have, as names compare (`p3` is `P3`), makes a group, as does a team. */
Test(casebook, a_value_two_people_share_makes_a_group)
{
    qc_casebook *cb = sheet_of("speaker\tteam\n", MIN * 2, "S%d\tT%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, NULL), 1);
    qc_casebook_free(cb);
    cb = sheet_of("speaker\tteam\n", MIN * 2, "S%d\tT%d\nX%d\tt%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, NULL), 0);
    qc_casebook_free(cb);
}

/* One person in two documents keeps their pseudonym (S3 and s3 are one person): one person's
 * value. A document's row and a person's sharing a value are two subjects. */
Test(casebook, a_person_with_rows_in_two_documents_is_one_person)
{
    qc_casebook *cb = sheet_of("document\tspeaker\tpseudonym\n", MIN + 1, "d1\tS%d\tP%d\nd2\ts%d\tP%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, NULL), 1);
    qc_casebook_free(cb);
    cb = sheet_of("document\tspeaker\tpseudonym\n", MIN + 1, "d1\tS%d\tP%d\nD%d\t\tP%d\n");
    cr_expect_eq(qc_casebook_attribute_is_identifier(cb, 0, NULL), 0);
    qc_casebook_free(cb);
}
