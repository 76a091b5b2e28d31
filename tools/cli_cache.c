/* What a command says when its --cache could not be kept up to date. The cache only saves later
 * runs their work, so neither case fails the run (docs/recode.md, "The cache"). */
#include "cli.h"

int cli_keep_codebook(const char *cache_dir, const qc_codebook *cb, qc_error *err)
{
    qc_error kerr;
    int rc = qc_cache_keep_codebook(cache_dir, cb, &kerr);
    if (rc == QC_ERR_NOMEM) {
        *err = kerr;
        return rc;
    }
    if (rc != 0)
        cli_line(stderr, "%s: warning: %s", kerr.file[0] ? kerr.file : cache_dir,
                 kerr.message[0] ? kerr.message : qc_status_name(kerr.code));
    return 0;
}

void cli_warn_unwritten_cache(const char *cache_dir, size_t unwritten, const char *reason)
{
    if (cache_dir && unwritten)
        cli_line(stderr, "%s: warning: %zu cache %s not written (%s): the next run codes %s again", cache_dir,
                 unwritten, unwritten == 1 ? "entry" : "entries", reason,
                 unwritten == 1 ? "that document" : "those documents");
}
