/* What a command says when its --cache could not be kept up to date, and what --prune-cache
 * removed. The cache only saves later runs their work, so none of these fails the run
 * (docs/recode.md, "The cache"). */
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

int cli_may_prune(const char *cache_dir, size_t failed)
{
    if (failed)
        cli_line(stderr,
                 "%s: warning: cache not pruned: %zu document%s failed, and the entries of their bytes as "
                 "they were would have gone",
                 cache_dir, failed, failed == 1 ? "" : "s");
    return failed == 0;
}

void cli_told_pruned(const char *cache_dir, int rc, size_t removed, uint64_t bytes, const qc_error *err)
{
    int mb = bytes >= 1048576;
    if (rc == QC_OK)
        cli_line(stderr, "%s: %zu cache %s of documents this run did not read removed (%.1f %s)", cache_dir, removed,
                 removed == 1 ? "entry" : "entries", (double)bytes / (mb ? 1048576.0 : 1024.0), mb ? "MB" : "KB");
    else
        cli_line(stderr, "%s: warning: cache pruned in part (%zu %s removed): %s", err->file[0] ? err->file : cache_dir,
                 removed, removed == 1 ? "entry" : "entries", err->message);
}
