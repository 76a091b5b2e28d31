/* The public quotation walk over the spill, for callers that do not ask who coded. */
#include "results_coder.h"

typedef struct plain_walk {
    qc_quotation_fn fn;
    void *user;
} plain_walk;

/* The public walk keeps its meaning: the engine's quotations (coder NULL). A person's would be
 * counted twice by callers that add the engine's quotations and a manual.xml's codings (a .qdpx),
 * or taken for the engine's by callers that do not look at `coder`. The writers and exports that
 * want every coder walk the spill with qc_spill_foreach_quotation. */
static int plain(const qc_result_quotation *q, const char *coder, void *user)
{
    const plain_walk *w = user;
    if (coder)
        return 0;
    qc_result_quotation copy = *q;
    copy.coder = NULL;
    return w->fn(&copy, w->user);
}

int qc_results_foreach_quotation(qc_results *res, size_t code, qc_quotation_fn fn, void *user, qc_error *err)
{
    plain_walk w = {fn, user};
    return qc_spill_foreach_quotation(res, code, plain, &w, err);
}
