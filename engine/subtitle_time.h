/* Cue timings shared by the WebVTT and SubRip readers: "start --> end [settings]" with
 * timestamps [H:]MM:SS.mmm (WebVTT) or [H:]MM:SS,mmm (SubRip, which also accepts '.'). */
#ifndef QC_SUBTITLE_TIME_H
#define QC_SUBTITLE_TIME_H

#include <stddef.h>
#include <stdint.h>

enum { QC_TIMING_VTT = 0, QC_TIMING_SRT = 1 };

/* Whether a line holds the "-->" arrow, i.e. is meant as a timing line. */
int qc_timing_line_like(const char *line, size_t len);

/* Parses a timing line. Returns 0 with *start_ms and *end_ms set; or -1 with *bad the byte index
 * in the line where the problem is and *why a static description of it. Anything after the end
 * timestamp (WebVTT cue settings, SubRip coordinates) is ignored when separated by white space. */
int qc_timing_parse(const char *line, size_t len, int flavour, int64_t *start_ms, int64_t *end_ms, size_t *bad,
                    const char **why);

#endif
