/* The terminal summary of a run: the code tree with quotations (rolled up and own), respondents and
 * documents per code, aligned, a total line and the uncoded share (docs/results.md). */
#ifndef QCODE_SUMMARY_H
#define QCODE_SUMMARY_H

#include <stdio.h>

#include <qcode.h>

/* top: 0 prints every code in tree order; N prints the N main codes with the most rolled-up
 * quotations (most first), each with its coded descendants. */
void summary_print(FILE *fp, const qc_results *res, size_t top);

#endif
