/* What a command says when its --cache could not be kept up to date. The cache only saves later
 * runs their work, so neither case fails the run (docs/recode.md, "The cache"). */
#include "cli.h"

void cli_keep_codebook(const char *cache_dir, const qc_codebook *cb)
{
    qc_error err;
    if (qc_cache_keep_codebook(cache_dir, cb, &err) != 0)
        cli_line(stderr, "%s: warning: %s", err.file[0] ? err.file : cache_dir,
                 err.message[0] ? err.message : qc_status_name(err.code));
}

void cli_warn_unwritten_cache(const char *cache_dir, size_t unwritten, const char *reason)
{
    if (cache_dir && unwritten)
        cli_line(stderr, "%s: warning: %zu cache %s not written (%s): the next run codes %s again", cache_dir,
                 unwritten, unwritten == 1 ? "entry" : "entries", reason,
                 unwritten == 1 ? "that document" : "those documents");
}
