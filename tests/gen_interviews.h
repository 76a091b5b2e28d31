/* A small generated corpus for the results tests: interviews with header attributes (site,
 * phase), labelled, unlabelled and interviewer turns, and speakers (P0-P12) that first appear in
 * different documents, so that registration order shows in the outputs. Deterministic for a shape. */
#ifndef QCODE_TEST_GEN_INTERVIEWS_H
#define QCODE_TEST_GEN_INTERVIEWS_H

#include <stdio.h>
#include <stdlib.h>

#include "qc_test.h"

typedef struct gen_shape {
    unsigned seed;
    size_t cap;          /* bytes per document at most */
    size_t sites;        /* site: S(i % sites) */
    int turns;           /* turns per document at most */
    unsigned turn_kinds; /* r % turn_kinds: 0 an interviewer turn, 1 unlabelled text, else a speaker */
    int first_labelled;  /* the first turn always has a label */
    int words;           /* words per turn */
    int sentence_every;  /* a full stop after every this many words */
} gen_shape;

/* Writes n documents doc000.txt... into dir; the paths are the caller's (gen_paths_free). */
static inline char **gen_interviews(const char *dir, size_t n, const gen_shape *s)
{
    static const char *words[] = {"apple", "banana", "parent", "zebra", "stripes", "quiet", "quietly", "green",
                                  "the",   "a",      "room",   "talk",  "then",    "so",    "we"};
    char **paths = calloc(n, sizeof *paths);
    cr_assert_not_null(paths);
    unsigned seed = s->seed;
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "doc%03zu.txt", i);
        size_t cap = s->cap, len = 0;
        char *text = malloc(cap);
        cr_assert_not_null(text);
        len += (size_t)snprintf(text + len, cap - len, "site: S%zu\nphase: %zu\n\n", i % s->sites, i % 3);
        for (int t = 0; t < s->turns && len < cap - 400; t++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            if (r % s->turn_kinds == 0)
                len += (size_t)snprintf(text + len, cap - len, "Interviewer: ");
            else if (r % s->turn_kinds != 1 || (s->first_labelled && t == 0))
                len += (size_t)snprintf(text + len, cap - len, "P%zu: ", (i + r % 4) % 13);
            for (int w = 0; w < s->words; w++) {
                seed = seed * 1103515245u + 12345u;
                const char *word = words[(seed >> 16) % (sizeof words / sizeof *words)];
                len += (size_t)snprintf(text + len, cap - len, "%s%s", word,
                                        w % s->sentence_every == s->sentence_every - 1 ? ". " : " ");
            }
            len += (size_t)snprintf(text + len, cap - len, "end.\n");
        }
        paths[i] = qct_write_file(dir, name, text, len);
        free(text);
    }
    return paths;
}

static inline void gen_paths_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

#endif
