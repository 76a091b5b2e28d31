/* A results.xml's <provenance> read on its own (the head of a file that may be gigabytes): which
 * codebook made it and how the corpus was read, for commands that go back to them (`qcode export`
 * from results.xml, `qcode recode --from` looking for the old codebook). */
#ifndef QC_RESULTS_PROVENANCE_H
#define QC_RESULTS_PROVENANCE_H

#include "qcode/common.h"

typedef struct qc_provenance {
    char *codebook_path, *codebook_sha; /* as recorded: the path as given to the run */
    char **option_names, **option_values; /* <options>, in file order */
    size_t option_count;
} qc_provenance;

/* Reads the provenance of the results.xml at path. QC_ERR_FORMAT when there is none or it names
 * no codebook. *p is to be freed with qc_provenance_free whatever the return. */
int qc_provenance_read(const char *path, qc_provenance *p, qc_error *err);
void qc_provenance_free(qc_provenance *p);

/* The value of the option `name` (the last one, as later values replace earlier ones when they are
 * set), or NULL when it is not recorded. Borrowed from p. */
const char *qc_provenance_option(const qc_provenance *p, const char *name);

/* A path recorded in results.xml: as given when it is absolute or exists, else beside results.xml
 * (a run and its results often travel together). Allocated; NULL when out of memory. */
char *qc_provenance_resolve(const char *results_path, const char *recorded);

#endif
