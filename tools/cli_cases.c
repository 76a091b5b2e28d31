/* What a casebook says about the corpus read, beyond each lookup: whether it describes speakers at
 * all, and which of its document rows name no document read (a silently missing breakdown value:
 * "a" where the id is "a.txt"). Shared by `code` and `inspect`. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int cli_cases_name_speakers(const qc_casebook *cases)
{
    const char *speaker = NULL;
    for (size_t i = 0; qc_casebook_row(cases, i, NULL, &speaker, NULL) == 0; i++)
        if (speaker)
            return 1;
    return 0;
}

/* Whether id is name with an extension after it ("a.txt" for "a"), ASCII case aside. */
static int is_name_with_extension(const char *id, const char *name)
{
    size_t n = strlen(name);
    const char *dot = strrchr(id, '.');
    return dot && (size_t)(dot - id) == n && strncasecmp(id, name, n) == 0;
}

/* Past this many, the rest are counted: a casebook of a whole study used on one site's files
 * names many documents not read, on purpose. */
enum { LISTED = 5 };

void cli_warn_unmatched_documents(const qc_casebook *cases, const char *cases_path, const char *const *ids, size_t n)
{
    size_t unmatched = 0;
    const char *doc = NULL;
    uint32_t line = 0;
    for (size_t r = 0; qc_casebook_row(cases, r, &doc, NULL, &line) == 0; r++) {
        if (!doc)
            continue;
        /* a document named by an earlier row was looked at there */
        int earlier = 0;
        const char *prev = NULL;
        for (size_t q = 0; q < r && !earlier; q++)
            earlier = qc_casebook_row(cases, q, &prev, NULL, NULL) == 0 && prev && strcasecmp(prev, doc) == 0;
        if (earlier)
            continue;
        const char *near = NULL;
        int found = 0;
        for (size_t i = 0; i < n && !found; i++) {
            found = strcasecmp(ids[i], doc) == 0;
            if (!near && is_name_with_extension(ids[i], doc))
                near = ids[i];
        }
        if (found)
            continue;
        if (++unmatched > LISTED)
            continue;
        if (near)
            cli_line(stderr,
                     "%s:%u: warning: document '%s' is not one of the documents read; did you mean '%s'? "
                     "(a document's id is its file name with the extension, and its path below a folder given)",
                     cases_path, line, doc, near);
        else
            cli_line(stderr, "%s:%u: warning: document '%s' is not one of the documents read: its rows give no values",
                     cases_path, line, doc);
    }
    if (unmatched > LISTED)
        cli_line(stderr, "%s: warning: %zu more documents are not among the documents read", cases_path,
                 unmatched - LISTED);
}
