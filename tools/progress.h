/* The progress line a long run shows on standard error when it is a terminal: documents, MB of
 * MB, MB/s and the time left. */
#ifndef QC_TOOLS_PROGRESS_H
#define QC_TOOLS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cli_progress {
    int on; /* stderr is a terminal */
    int shown;
    size_t docs_total;
    uint64_t bytes_total;   /* the inputs' sizes when the run began */
    struct timespec t0;
    double last; /* seconds since t0 of the last line drawn */
} cli_progress;

/* Starts the clock; when stderr is a terminal, adds up the sizes of the count paths (a file that
 * cannot be stat'ed counts 0: the run reports it). */
void cli_progress_start(cli_progress *p, char *const *paths, size_t count);
/* Redraws the line after a document, at most ten times a second and always for the last one. */
void cli_progress_update(cli_progress *p, size_t docs_done, uint64_t bytes_done);
/* Erases the line, before other output on stderr and at the end. */
void cli_progress_clear(const cli_progress *p);

#endif
