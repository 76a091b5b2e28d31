/* The public quotation walk over the spill, for callers that do not ask who coded. */
#include "results_coder.h"

typedef struct plain_walk {
    qc_quotation_fn fn;
    void *user;
} plain_walk;

static int plain(const qc_result_quotation *q, const char *coder, void *user)
{
    (void)coder;
    const plain_walk *w = user;
    return w->fn(q, w->user);
}

int qc_results_foreach_quotation(qc_results *res, size_t code, qc_quotation_fn fn, void *user, qc_error *err)
{
    plain_walk w = {fn, user};
    return qc_spill_foreach_quotation(res, code, plain, &w, err);
}
