/* The public quotation walk over the spill, for callers that do not ask who coded. */
#include "results_coder.h"

typedef struct plain_walk {
    qc_quotation_fn fn;
    void *user;
} plain_walk;

/* qc_result_quotation has no coder yet (a new field would break positional initialisers in
 * tools), so the public walk keeps its meaning: the engine's quotations. A person's would come
 * out looking like the engine's: a .qdpx would then hold them twice, once by nobody. */
static int plain(const qc_result_quotation *q, const char *coder, void *user)
{
    const plain_walk *w = user;
    return coder ? 0 : w->fn(q, w->user);
}

int qc_results_foreach_quotation(qc_results *res, size_t code, qc_quotation_fn fn, void *user, qc_error *err)
{
    plain_walk w = {fn, user};
    return qc_spill_foreach_quotation(res, code, plain, &w, err);
}
