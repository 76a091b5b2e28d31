/* A results.xml with one thing qcode never writes, for the tests of what its readers refuse
 * (test_quotes_cli, test_recode_cli): dir/bad.xml is dir/r.xml with the first `from` after
 * `after` replaced by `to` (NULL: the file cut half-way through that `from`); *where gets
 * "bad.xml:LINE:COLUMN: ", the position of the change, or of the cut's end, that the error must
 * name. */
#ifndef RESULTS_EDIT_H
#define RESULTS_EDIT_H

#include "qc_test.h"

static inline void results_write_bad(const char *dir, const char *after, const char *from, const char *to, char *where,
                                     size_t cap)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/r.xml", dir);
    char *text = qct_read_file(path, NULL);
    cr_assert_not_null(text);
    char *at = strstr(text, after);
    cr_assert_not_null(at, "%s", after);
    at = strstr(at, from);
    cr_assert_not_null(at, "%s", from);
    size_t head = (size_t)(at - text);
    char *out = malloc(strlen(text) + (to ? strlen(to) : 0) + 1);
    memcpy(out, text, head);
    size_t len = head;
    if (to) {
        strcpy(out + head, to);
        strcat(out, at + strlen(from));
        len = strlen(out);
    } else {
        len = head + strlen(from) / 2; /* cut half-way through */
        memcpy(out + head, at, len - head);
    }
    const char *point = to ? out + head : out + len;
    unsigned line = 1, column = 1;
    for (const char *p = out; p < point; p++) {
        if (*p == '\n') {
            line++;
            column = 1;
        } else if ((*p & 0xC0) != 0x80) {
            column++;
        }
    }
    snprintf(where, cap, "bad.xml:%u:%u: ", line, column);
    free(qct_write_file(dir, "bad.xml", out, len));
    free(out);
    free(text);
}

#endif
