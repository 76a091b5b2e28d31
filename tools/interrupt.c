/* Ctrl-C, kill, a closed terminal and a closed pipe (SIGINT, SIGTERM, SIGHUP, SIGPIPE: `qcode ...
 * -o r.xml | head`) during a command: the outputs being written are temporary files beside their
 * targets, which the signal's default action would leave behind. The handler removes them (the
 * library keeps them where a handler can) and then ends the process by the same signal, so that
 * the shell sees 130, 143, 129 or 141 and a script's trap runs as it would without qcode's
 * handler.
 *
 * The handler lives here, not in the library: a library must not take a program's signals. */
#include <signal.h>
#include <string.h>

#include "cli.h"

static void on_signal(int sig)
{
    qc_temp_files_remove_all();
    /* Blocked while this handler runs: it is delivered, with the default action, on return. */
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_catch_interrupts(void)
{
    /* A write past a file size limit (ulimit -f) raises SIGXFSZ, whose default action ends the
     * process on the spot, leaving the output's temporary behind and no word of why. Ignored, the
     * write fails with EFBIG instead, and the run reports it, removes the temporary and keeps the
     * previous output, as on a full disk. */
    signal(SIGXFSZ, SIG_IGN);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&sa.sa_mask, sigs[i]); /* one handler at a time per thread: the first signal wins */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        /* A signal ignored when qcode started stays ignored (nohup, a background job's SIGINT). */
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}
