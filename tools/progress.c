#include "progress.h"

#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void cli_progress_start(cli_progress *p, char *const *paths, size_t count)
{
    *p = (cli_progress){0};
    p->on = cli_stderr_is_tty();
    p->docs_total = count;
    for (size_t i = 0; p->on && i < count; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) == 0 && S_ISREG(sb.st_mode))
            p->bytes_total += (uint64_t)sb.st_size;
    }
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

/* "m:ss" or "h:mm:ss"; "--:--" until there is a rate to go by. */
static void format_left(char *buf, size_t cap, double left)
{
    if (left < 0) {
        snprintf(buf, cap, "--:--");
        return;
    }
    unsigned long s = (unsigned long)(left + 0.5);
    if (s >= 3600)
        snprintf(buf, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", s / 60, s % 60);
}

void cli_progress_update(cli_progress *p, size_t docs_done, uint64_t bytes_done)
{
    if (!p->on)
        return;
    double secs = seconds_since(&p->t0);
    int finished = docs_done >= p->docs_total;
    if (p->shown && !finished && secs - p->last < 0.1)
        return;
    p->shown = 1;
    p->last = secs;
    double mb = (double)bytes_done / 1e6, rate = secs > 0 ? mb / secs : 0;
    /* The rate of the first half second is mostly start-up. */
    double left = finished ? 0 : secs >= 0.5 && bytes_done && bytes_done <= p->bytes_total
                                 ? (double)(p->bytes_total - bytes_done) / ((double)bytes_done / secs)
                                 : -1;
    char eta[32];
    format_left(eta, sizeof eta, left);
    fprintf(stderr, "\r\033[K%zu/%zu documents, %.1f of %.1f MB, %.1f MB/s, ETA %s", docs_done, p->docs_total, mb,
            (double)p->bytes_total / 1e6, rate, eta);
}

void cli_progress_clear(const cli_progress *p)
{
    if (p->on && p->shown)
        fputs("\r\033[K", stderr);
}
