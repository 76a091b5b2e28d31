/* The codebook and casebook the format-2 tests code generated interviews with: nested codes, a
 * phrase, NEAR, a regex and turn-scoped codes, so that a span often carries several codes and
 * turn-scoped codes' spans enclose others'. */
#ifndef QCODE_TESTS_SPAN_CODEBOOK_H
#define QCODE_TESTS_SPAN_CODEBOOK_H

#include "qc_test.h"

static const char span_cb_text[] = "codebook \"F2\"\n"
                                   "code T \"The\"\n"
                                   "  rule the\n"
                                   "  code A \"A\"\n"
                                   "    rule apple OR \"green banana\"\n"
                                   "code R \"Room\"\n"
                                   "  rule room OR talk\n"
                                   "code Z \"Zebra near stripes\"\n"
                                   "  rule zebra NEAR/3 stripes\n"
                                   "code Q \"Quiet\"\n"
                                   "  rule /\\bquiet(er|ly)?\\b/\n"
                                   "  scope turn\n"
                                   "code W \"We, by turn\"\n"
                                   "  rule we\n"
                                   "  scope turn\n";

static const char span_cases_text[] = "speaker\tprofession\nP1\tnurse\nP2\tmanager\nP3\tnurse\nP4\tGP\n";

static inline void span_codebook_load(qc_codebook **cb, qc_casebook **cases)
{
    qc_error err;
    cr_assert_eq(qc_codebook_load_buffer(cb, "f2.qcb", span_cb_text, strlen(span_cb_text), NULL, &err), 0, "%s",
                 err.message);
    cr_assert_eq(qc_casebook_load_buffer(cases, "cases.tsv", span_cases_text, strlen(span_cases_text), &err), 0, "%s",
                 err.message);
}

#endif
