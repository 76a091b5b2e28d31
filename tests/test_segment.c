/* Segmentation: sentences (abbreviations, numbers, closers), paragraphs and words. */
#include "qc_test.h"

static qc_document *read_txt(const char *text)
{
    qc_document *doc = NULL;
    qc_error err;
    int rc = qc_document_read_buffer(&doc, "s.txt", text, strlen(text), NULL, &err);
    cr_assert_eq(rc, 0, "%s:%u: %s", err.file, err.line, err.message);
    return doc;
}

static char *unit_text(const qc_document *doc, qc_unit_kind kind, size_t i)
{
    qc_unit u;
    cr_assert_eq(qc_document_unit(doc, kind, i, &u), 0, "no unit %zu", i);
    const char *text = qc_document_text(doc, NULL);
    size_t a = qc_document_text_offset(doc, u.start), b = qc_document_text_offset(doc, u.end);
    char *s = malloc(b - a + 1);
    memcpy(s, text + a, b - a);
    s[b - a] = '\0';
    return s;
}

static void assert_units(const char *input, qc_unit_kind kind, const char *const *expected, size_t n)
{
    qc_document *doc = read_txt(input);
    cr_assert_eq(qc_document_unit_count(doc, kind), n, "%zu units, expected %zu", qc_document_unit_count(doc, kind), n);
    for (size_t i = 0; i < n; i++) {
        char *s = unit_text(doc, kind, i);
        cr_assert_str_eq(s, expected[i], "unit %zu", i);
        free(s);
    }
    qc_document_free(doc);
}

Test(segment, sentences_split_on_terminal_punctuation)
{
    const char *e[] = {"It was hard.", "Was it?", "Yes!", "Well\xE2\x80\xA6", "We coped."};
    assert_units("R: It was hard. Was it?  Yes! Well\xE2\x80\xA6 We coped.\n", QC_UNIT_SENTENCE, e, 5);
}

/* An ellipsis followed by a lower-case word is a pause or a broken-off start inside one sentence,
 * as Otter and careful transcribers write it ("many social media... maybe 20 million"): the
 * sentence goes on. Before a capital, or at the end, it ends the sentence as a full stop does; a
 * single full stop before a lower-case word still ends one. */
Test(segment, an_ellipsis_before_a_lower_case_word_does_not_end_the_sentence)
{
    const char *e[] = {"Well\xE2\x80\xA6 we coped, which are... related to it.", "So yeah...", "It was hard.",
                       "and then."};
    assert_units("R: Well\xE2\x80\xA6 we coped, which are... related to it. So yeah... It was hard. and then.\n",
                 QC_UNIT_SENTENCE, e, 4);
}

Test(segment, not_after_abbreviations)
{
    const char *e[] = {"Dr. Smith and Mrs. Jones saw e.g. the ward, i.e. the unit etc. today.",
                       "Prof. X met Mr. Y vs. Ms. Z at St. Mary's, No. 5 ward.", "Then we left."};
    assert_units("R: Dr. Smith and Mrs. Jones saw e.g. the ward, i.e. the unit etc. today. Prof. X met Mr. Y vs. Ms. Z "
                 "at St. Mary's, No. 5 ward. Then we left.\n",
                 QC_UNIT_SENTENCE, e, 3);
}

/* The token before a full stop is looked for up to 7 bytes back (segment.c): the longest
 * abbreviation has 6, and a token with one letter more, or an abbreviation ending a longer word,
 * is none. */
Test(segment, an_abbreviation_is_the_whole_token_before_the_dot)
{
    const char *e[] = {
        "It took approx. Ten days.", "It was Xapprox.", "Then Bprof.", "Then cat.", "Then i.e.g.", "Ok."};
    assert_units("R: It took approx. Ten days. It was Xapprox. Then Bprof. Then cat. Then i.e.g. Ok.\n",
                 QC_UNIT_SENTENCE, e, 6);
}

/* German abbreviations of speech transcripts (z.B., d.h., bzw., Nr., ...) never end a sentence;
 * those that also end sentences ("20 min.", "no.", "usw.") end one only before a capital. */
Test(segment, abbreviations_that_end_sentences_only_before_a_capital)
{
    const char *e[] = {"It was approx. 20 min. of waiting, ward no. 5 too.",
                       "We said no.",
                       "Then it took 20 min.",
                       "Das dauert z.B. ca. 20 Min. und d.h. Nr. 5 bzw. die Station usw. und so.",
                       "Dann usw.",
                       "Fertig."};
    assert_units("R: It was approx. 20 min. of waiting, ward no. 5 too. We said no. Then it took 20 min. Das dauert "
                 "z.B. ca. 20 Min. und d.h. Nr. 5 bzw. die Station usw. und so. Dann usw. Fertig.\n",
                 QC_UNIT_SENTENCE, e, 6);
}

/* Speech ends sentences on "3 p.m." and "etc." as often as it goes on after them: they end one
 * before a capital, as "min." does; German "Hr." (Herr) is a title and never does. */
Test(segment, times_of_day_and_etc_end_sentences_only_before_a_capital)
{
    const char *e[] = {"We met at 3 p.m.", "The ward was full at 10 a.m. on Monday, audits etc. and forms etc.",
                       "But Hr. Weber kam um 9 a.m. zur Station.", "Fertig."};
    assert_units("R: We met at 3 p.m. The ward was full at 10 a.m. on Monday, audits etc. and forms etc. But Hr. Weber "
                 "kam um 9 a.m. zur Station. Fertig.\n",
                 QC_UNIT_SENTENCE, e, 4);
}

/* Found cutting real oral histories: "computer science is kind of U.S." and "a Ph.D." ended
 * sentences in the middle. */
Test(segment, not_after_dotted_abbreviations)
{
    const char *e[] = {"The U.S. and U.K. systems differ, said the Ph.D. student at 9 a.m. or 5 p.m. daily.",
                       "Then we left."};
    assert_units(
        "R: The U.S. and U.K. systems differ, said the Ph.D. student at 9 a.m. or 5 p.m. daily. Then we left.\n",
        QC_UNIT_SENTENCE, e, 2);
}

/* Found in real oral histories: "Amos C. Brown", "John W. Dixon" were cut after the initial, while
 * "in R. However", "Brazil, L. Usually" are sentence ends. */
Test(segment, middle_initials_do_not_end_sentences)
{
    const char *e[] = {"I met John W. Dixon and Amos C. Brown, then J. R. R. Tolkien\xE2\x80\x99s editor \xC3\x89mile "
                       "Z. \xC3\x89tienne.",
                       "I code in R.",
                       "However, tell me one from Brazil, L.",
                       "Usually it works in Team A.",
                       "They said so.",
                       "Hepatitis C.",
                       "It\xE2\x80\x99s treatable.",
                       "Ask J.",
                       "Then go."};
    assert_units("R: I met John W. Dixon and Amos C. Brown, then J. R. R. Tolkien\xE2\x80\x99s editor \xC3\x89mile Z. "
                 "\xC3\x89tienne. I code in R. However, tell me one from Brazil, L. Usually it works in Team A. They "
                 "said so. Hepatitis C. It\xE2\x80\x99s treatable. Ask J. Then go.\n",
                 QC_UNIT_SENTENCE, e, 9);
}

/* A run of initials that opens a turn, a sentence or a bracket was cut into one sentence an initial
 * ("J.", "R.", "R.", "Tolkien wrote it."): only a run after a space was kept together. */
Test(segment, a_run_of_initials_opening_a_sentence_or_a_bracket_does_not_end_sentences)
{
    const char *e[] = {"J. R. R. Tolkien wrote it.", "Then A. A. Milne (J. K. Rowling too) came.",
                       "\xE2\x80\x9C"
                       "C. S. Lewis\xE2\x80\x9D left."};
    assert_units("R: J. R. R. Tolkien wrote it. Then A. A. Milne (J. K. Rowling too) came. \xE2\x80\x9C"
                 "C. S. Lewis\xE2\x80\x9D left.\n",
                 QC_UNIT_SENTENCE, e, 3);
}

/* A name in brackets or quotation marks, or after a no-break space (common in text pasted from a
 * word processor), keeps its middle initial too: "(John W. Dixon)" was cut after "W.". */
Test(segment, middle_initials_inside_brackets_quotes_and_after_no_break_spaces)
{
    const char *e[] = {"My uncle (John W. Dixon) and \xE2\x80\x9C"
                       "Amos C. Brown\xE2\x80\x9D came with\xC2\xA0Jane "
                       "K. Lee.",
                       "Then we left."};
    assert_units("R: My uncle (John W. Dixon) and \xE2\x80\x9C"
                 "Amos C. Brown\xE2\x80\x9D came with\xC2\xA0Jane K. "
                 "Lee. Then we left.\n",
                 QC_UNIT_SENTENCE, e, 2);
    /* a bracket or quote before a lower-case word still ends the sentence */
    const char *f[] = {"It was (in R.", "However) fine."};
    assert_units("R: It was (in R. However) fine.\n", QC_UNIT_SENTENCE, f, 2);
}

/* noScribe's transcripts are often German, where "Frau K." (an anonymised name) ends sentences
 * before a capitalised pronoun; English ones before words such as Many or Nobody. */
Test(segment, an_initial_before_a_german_or_english_sentence_starter_ends_the_sentence)
{
    const char *e[] = {"Ich sprach mit Frau K.", "Sie sagte nein.",  "Er kam mit Herrn B. Schmidt.",
                       "It was World War I.",    "Many died.",       "Ask Plan B.",
                       "Nobody knew.",           "Ich traf Frau L.", "Die kam nicht."};
    assert_units("S01: Ich sprach mit Frau K. Sie sagte nein. Er kam mit Herrn B. Schmidt. It was World War I. Many "
                 "died. Ask Plan B. Nobody knew. Ich traf Frau L. Die kam nicht.\n",
                 QC_UNIT_SENTENCE, e, 9);
}

/* The word after the initial is read as letters of any script: "Über", "Äh" and "Natürlich" were
 * read as nothing or as "Nat", so "Herr K." took the next sentence for a surname. A surname with an
 * umlaut ("Müller") still follows its initial. */
Test(segment, an_initial_before_a_german_sentence_starter_with_an_umlaut_ends_the_sentence)
{
    const char *e[] = {"Das sagte Herr K.",
                       "\xC3\x9C"
                       "ber das Thema sprach er nicht.",
                       "Frau M.",
                       "\xC3\x84h, ja.",
                       "Herr B.",
                       "Nat\xC3\xBCrlich nicht.",
                       "Dann kam Herr K. M\xC3\xBCller."};
    assert_units("S01: Das sagte Herr K. \xC3\x9C"
                 "ber das Thema sprach er nicht. Frau M. \xC3\x84h, ja. Herr B. "
                 "Nat\xC3\xBCrlich nicht. Dann kam Herr K. M\xC3\xBCller.\n",
                 QC_UNIT_SENTENCE, e, 7);
}

Test(segment, no_is_only_an_abbreviation_before_a_number)
{
    const char *e[] = {"I said no.", "Then No. 4 came."};
    assert_units("R: I said no. Then No. 4 came.\n", QC_UNIT_SENTENCE, e, 2);
}

Test(segment, not_inside_numbers)
{
    const char *e[] = {"It went from 3.5 to 4.25 percent in 2019.", "Then it fell."};
    assert_units("R: It went from 3.5 to 4.25 percent in 2019. Then it fell.\n", QC_UNIT_SENTENCE, e, 2);
}

Test(segment, closing_quotes_and_brackets_stay_with_the_sentence)
{
    const char *e[] = {"She said \xE2\x80\x9CNo.\xE2\x80\x9D", "(That was it.)", "Done."};
    assert_units("R: She said \xE2\x80\x9CNo.\xE2\x80\x9D (That was it.) Done.\n", QC_UNIT_SENTENCE, e, 3);
}

Test(segment, a_paragraph_end_ends_a_sentence)
{
    const char *e[] = {"no full stop here", "Next one"};
    assert_units("R: no full stop here\n\n  Next one  \n", QC_UNIT_SENTENCE, e, 2);
    const char *p[] = {"no full stop here", "Next one"};
    assert_units("R: no full stop here\n\n  Next one  \n", QC_UNIT_PARAGRAPH, p, 2);
}

Test(segment, line_breaks_inside_a_paragraph_do_not_split)
{
    const char *e[] = {"one line\nand the next."};
    assert_units("R: one line\nand the next.\n", QC_UNIT_SENTENCE, e, 1);
}

Test(segment, words_with_hyphens_apostrophes_and_digits)
{
    const char *e[] = {"co-location", "co\xE2\x80\x91location", "don\xE2\x80\x99t", "don't", "3.5", "caf\xC3\xA9",
                       "well"};
    assert_units("R: co-location, co\xE2\x80\x91location \xE2\x80\x94 don\xE2\x80\x99t don't 3.5 caf\xC3\xA9 -well-\n",
                 QC_UNIT_WORD, e, 7);
}

/* Time stamps written inside a turn (noScribe's "[00:11:37]", Markdown's "\[16:13\]", and the
 * parentheses and fractions the label forms take) are markup: not words. The text, and so every
 * sentence and paragraph span, keeps them where they stand. */
Test(segment, time_stamps_inside_a_turn_are_not_words)
{
    const char *text = "S01: [00:00:12] F\xC3\xBCr DSD. [00:11:37] Gro\xC3\x9F? Ja (00:12:03) und \\[16:13\\] so "
                       "[01:03:00.13] gut [0:05,250] hier\\[1:02:03\\]dort.\n";
    const char *w[] = {"F\xC3\xBCr", "DSD", "Gro\xC3\x9F", "Ja", "und", "so", "gut", "hier", "dort"};
    assert_units(text, QC_UNIT_WORD, w, 9);
    const char *e[] = {"F\xC3\xBCr DSD.", "[00:11:37] Gro\xC3\x9F?",
                       "Ja (00:12:03) und \\[16:13\\] so [01:03:00.13] gut [0:05,250] hier\\[1:02:03\\]dort."};
    assert_units(text, QC_UNIT_SENTENCE, e, 3);
    /* a stamp alone on a line of its own is a paragraph without words, as "..." would be */
    const char *p[] = {"Yes.", "[00:12:03]", "No."};
    assert_units("R: Yes.\n\n[00:12:03]\n\nNo.\n", QC_UNIT_PARAGRAPH, p, 3);
    const char *pw[] = {"Yes", "No"};
    assert_units("R: Yes.\n\n[00:12:03]\n\nNo.\n", QC_UNIT_WORD, pw, 2);
}

/* Only a clock in brackets is a stamp: a time said ("at 10:30"), a year or a number in brackets, a
 * ratio ("[1:2]": the fields after the first have two digits), a clock that is no time ("[75:00]"),
 * brackets that do not close as they opened, a time with a dot and a time inside a note stay
 * words. */
Test(segment, bare_times_and_other_brackets_stay_words)
{
    const char *w[] = {"met", "at", "10", "30", "2019", "12", "1", "2",  "75", "00",    "laughs",    "3",  "16", "00",
                       "01",  "00", "02", "00", "03",   "04", "0", "05", "x",  "06.46", "inaudible", "00", "02", "49"};
    assert_units("R: met at 10:30 (2019) [12] [1:2] [75:00] [laughs] 3:16 [00:01\\] [00:02 (00:03] [04] 0:05 x "
                 "(06.46) [inaudible 00:02:49]\n",
                 QC_UNIT_WORD, w, 28);
}

/* Segmentation takes most words 64 bytes at a time (segment.c, block_words) and leaves a digit
 * after a bracket to its scalar loop: a stamp is found wherever it falls in or across a block. */
Test(segment, time_stamps_are_found_at_every_offset)
{
    char buf[512];
    for (int k = 0; k < 140; k++) {
        int len = snprintf(buf, sizeof buf, "R: w%*s[00:11:37] z%s\n", k, "",
                           " pad pad pad pad pad pad pad pad pad pad pad pad pad pad pad pad pad pad pad pad");
        cr_assert_lt(len, (int)sizeof buf);
        qc_document *doc = read_txt(buf);
        cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_WORD), 22, "stamp after %d spaces: %zu words", k,
                     qc_document_unit_count(doc, QC_UNIT_WORD));
        char *z = unit_text(doc, QC_UNIT_WORD, 1);
        cr_assert_str_eq(z, "z", "stamp after %d spaces", k);
        free(z);
        qc_document_free(doc);
    }
}

/* The words and sentences of the first paragraph of `doc`, as [start, end) code points. */
static size_t first_paragraph_units(const qc_document *doc, qc_unit_kind kind, qc_unit *out, size_t cap)
{
    qc_unit para;
    cr_assert_eq(qc_document_unit(doc, QC_UNIT_PARAGRAPH, 0, &para), 0);
    size_t n = 0;
    qc_unit u;
    for (size_t i = 0; qc_document_unit(doc, kind, i, &u) == 0 && u.end <= para.end; i++) {
        cr_assert_lt(n, cap);
        out[n++] = u;
    }
    return n;
}

/* Segmentation classifies 64 bytes at a time (block_words: a range test per class, the masks of
 * four 16-byte steps) where 64 bytes of text follow, and byte by byte near the text's end: each
 * ASCII byte between letters, digits and white space gives the same words and sentences both
 * ways, the paragraph followed by a long one (blocks) or alone (bytes). */
Test(segment, every_ascii_byte_is_classified_alike_by_blocks_and_bytes)
{
    static const char tail[] = "\n\nThe next paragraph is long enough that every block of the first is whole.\n";
    for (int c = 0x20; c < 0x7F; c++) {
        char para[64];
        int len = snprintf(para, sizeof para, "R: a%cb 1%c2 %c %cz Q%c. 9%ca.", c, c, c, c, c, c);
        cr_assert_lt(len, (int)sizeof para);
        char both[256];
        snprintf(both, sizeof both, "%s%s", para, tail);
        qc_document *blocks = read_txt(both), *bytes = read_txt(para);
        for (int kind = 0; kind < 2; kind++) {
            qc_unit_kind k = kind ? QC_UNIT_SENTENCE : QC_UNIT_WORD;
            qc_unit a[32], b[32];
            size_t na = first_paragraph_units(blocks, k, a, 32), nb = first_paragraph_units(bytes, k, b, 32);
            cr_assert_eq(na, nb, "byte 0x%02X: %zu units in blocks, %zu in bytes", c, na, nb);
            for (size_t i = 0; i < na; i++)
                cr_assert(a[i].start == b[i].start && a[i].end == b[i].end, "byte 0x%02X: unit %zu differs", c, i);
        }
        qc_document_free(blocks);
        qc_document_free(bytes);
    }
}

Test(segment, every_unit_knows_its_turn)
{
    qc_document *doc = read_txt("I: One. Two.\n\nThree.\nR: Four five.\n");
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_PARAGRAPH), 3);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_SENTENCE), 4);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_WORD), 5);
    size_t expected_turn[] = {0, 0, 0, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        qc_unit u;
        qc_document_unit(doc, QC_UNIT_WORD, i, &u);
        cr_assert_eq(u.turn, expected_turn[i], "word %zu", i);
    }
    qc_unit u;
    qc_document_unit(doc, QC_UNIT_SENTENCE, 3, &u);
    cr_assert_eq(u.turn, 1);
    cr_assert_eq(qc_document_unit(doc, QC_UNIT_SENTENCE, 4, &u), QC_ERR_NOTFOUND);
    qc_document_free(doc);
}

Test(segment, units_are_ordered_and_nested)
{
    qc_document *doc = read_txt("I: A b. C d!\n\nE? F.\nR: G h i. J\xE2\x80\xA6 k.\n");
    size_t ns = qc_document_unit_count(doc, QC_UNIT_SENTENCE), np = qc_document_unit_count(doc, QC_UNIT_PARAGRAPH);
    size_t p = 0;
    qc_unit prev = {0, 0, 0};
    for (size_t i = 0; i < ns; i++) {
        qc_unit s, para;
        qc_document_unit(doc, QC_UNIT_SENTENCE, i, &s);
        cr_assert(s.start >= prev.end && s.start < s.end);
        qc_document_unit(doc, QC_UNIT_PARAGRAPH, p, &para);
        while (s.start >= para.end && p + 1 < np)
            qc_document_unit(doc, QC_UNIT_PARAGRAPH, ++p, &para);
        cr_assert(s.start >= para.start && s.end <= para.end, "sentence %zu outside its paragraph", i);
        prev = s;
    }
    cr_assert_eq(ns, 6); /* "J… k." is one */
    qc_document_free(doc);
}

/* The words' array is sized from the text at once (a word per 5 bytes, segment.c); a text of
 * one-letter words (a word per 2 bytes) must still give every word, at its place. */
Test(segment, words_denser_than_the_first_estimate_all_come_out)
{
    size_t n = 50000;
    char *text = malloc(4 + 2 * n + 1);
    memcpy(text, "R: ", 3);
    for (size_t i = 0; i < n; i++) {
        text[3 + 2 * i] = (char)('a' + i % 26);
        text[4 + 2 * i] = ' ';
    }
    text[3 + 2 * n] = '\n';
    text[4 + 2 * n] = '\0';
    qc_document *doc = read_txt(text);
    cr_assert_eq(qc_document_unit_count(doc, QC_UNIT_WORD), n);
    for (size_t i = 0; i < n; i += 997) {
        qc_unit u;
        cr_assert_eq(qc_document_unit(doc, QC_UNIT_WORD, i, &u), 0);
        cr_assert_eq(u.end - u.start, 1, "word %zu", i);
        char *s = unit_text(doc, QC_UNIT_WORD, i);
        cr_assert_eq(s[0], 'a' + (char)(i % 26), "word %zu", i);
        free(s);
    }
    qc_unit last;
    cr_assert_eq(qc_document_unit(doc, QC_UNIT_WORD, n - 1, &last), 0);
    qc_document_free(doc);
    free(text);
}

static uint64_t seg_rng = 31;

static uint32_t seg_rnd(uint32_t n)
{
    seg_rng = seg_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((seg_rng >> 33) % n);
}

/* Rule evaluation takes a sentence's, paragraph's and turn's words from the words segmentation
 * gave each sentence (rule_eval.c, sentence_words), which is right only if every word lies in the
 * sentence it was given to and every sentence in its paragraph and turn, all in text order: held
 * here on random transcripts of turns, paragraphs, sentence ends, abbreviations, numbers, joiners
 * and non-ASCII text. */
Test(segment, every_word_lies_in_one_sentence_and_every_sentence_in_its_paragraph_and_turn)
{
    static const char *const pieces[] = {"care ",
                                         "team ",
                                         "co-location ",
                                         "don't ",
                                         "don\xE2\x80\x99t ",
                                         "3.5 ",
                                         "1,000 ",
                                         "it's. ",
                                         "e.g. ",
                                         "No. 5 ",
                                         "Dr. ",
                                         "end! ",
                                         "why? ",
                                         "so\xE2\x80\xA6 ",
                                         "\"quoted.\" ",
                                         "(yes.) ",
                                         "caf\xC3\xA9 ",
                                         "- ",
                                         "... ",
                                         "\n",
                                         "\n\n",
                                         "\n\nS2: ok ",
                                         "\nR: ok ",
                                         "  ",
                                         "\t",
                                         "x\xCC\xB3y ",
                                         "[00:11:37] ",
                                         "(00:12:03.5) ",
                                         "\\[16:13\\] ",
                                         "x[00:01]y. ",
                                         "\xE4\xB8\xAD\xE6\x96\x87. "};
    char buf[8192];
    for (int round = 0; round < 400; round++) {
        size_t len = (size_t)snprintf(buf, sizeof buf, "R: start ");
        size_t count = 1 + seg_rnd(300);
        for (size_t i = 0; i < count; i++) {
            const char *p = pieces[seg_rnd(sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            if (len + n + 8 >= sizeof buf)
                break;
            memcpy(buf + len, p, n);
            len += n;
        }
        buf[len++] = '\n';
        buf[len] = '\0';
        qc_document *doc = read_txt(buf);
        size_t nw = qc_document_unit_count(doc, QC_UNIT_WORD), ns = qc_document_unit_count(doc, QC_UNIT_SENTENCE);
        size_t np = qc_document_unit_count(doc, QC_UNIT_PARAGRAPH), nt = qc_document_turn_count(doc);
        size_t s = 0, p = 0, t = 0;
        qc_unit prev_word = {0, 0, 0}, prev_sentence = {0, 0, 0};
        for (size_t w = 0; w < nw; w++) {
            qc_unit u, su;
            cr_assert_eq(qc_document_unit(doc, QC_UNIT_WORD, w, &u), 0);
            cr_assert(w == 0 || u.start >= prev_word.end, "round %d: word %zu out of order", round, w);
            while (s < ns && (qc_document_unit(doc, QC_UNIT_SENTENCE, s, &su), su.end <= u.start))
                s++;
            cr_assert_lt(s, ns, "round %d: word %zu in no sentence", round, w);
            cr_assert(su.start <= u.start && u.end <= su.end, "round %d: word %zu [%zu, %zu) not in sentence %zu",
                      round, w, u.start, u.end, s);
            cr_assert_eq(u.turn, su.turn, "round %d: word %zu", round, w);
            prev_word = u;
        }
        for (s = 0; s < ns; s++) {
            qc_unit su, pu;
            qc_turn tu;
            cr_assert_eq(qc_document_unit(doc, QC_UNIT_SENTENCE, s, &su), 0);
            cr_assert(s == 0 || su.start >= prev_sentence.end, "round %d: sentence %zu out of order", round, s);
            while (p < np && (qc_document_unit(doc, QC_UNIT_PARAGRAPH, p, &pu), pu.end <= su.start))
                p++;
            cr_assert(p < np && pu.start <= su.start && su.end <= pu.end, "round %d: sentence %zu not in a paragraph",
                      round, s);
            while (t < nt && (qc_document_turn(doc, t, &tu), tu.end <= su.start))
                t++;
            cr_assert(t < nt && tu.start <= su.start && su.end <= tu.end && su.turn == t,
                      "round %d: sentence %zu not in its turn", round, s);
            prev_sentence = su;
        }
        qc_document_free(doc);
    }
}
