/* Manual codings across a revision: people's work is never dropped. A coding follows its code to
 * the code's successors (same id, `was`, `merged-from`; each successor of a split); a coding whose
 * code has no successor goes to "UNASSIGNED.R<version>" and is listed in the report. Codings of
 * codes the old side does not know (an earlier revision's unassigned codings, or codes only the
 * new codebook has) are carried unchanged. The codings come from a manual.xml and from the people's
 * quotations the old results.xml lists (`coder="NAME"`); those carried to a code of the new
 * codebook are counted in the new results, as `qcode code --manual` counts them. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "codebook_diff.h"
#include "coding_manual.h"
#include "error.h"
#include "fileio.h"
#include "recode.h"
#include "refi_manual.h"

static int add_move(qc_recode *rc, size_t *cap, size_t item, const char *to, int unassigned, int moved)
{
    if (QC_GROW(rc->moves, *cap, rc->move_count + 1))
        return QC_ERR_NOMEM;
    qc_rq_manual *m = &rc->moves[rc->move_count];
    m->item = item;
    m->to = qc_strdup(to);
    m->unassigned = (uint8_t)unassigned;
    m->moved = (uint8_t)moved;
    if (!m->to)
        return QC_ERR_NOMEM;
    rc->move_count++;
    return QC_OK;
}

/* A warning about a carried coding that cannot be counted in the new results (its text changed,
 * its document is not in the run...), to the run's issue callback: "manual.xml:LINE" or the
 * results.xml that listed it. */
static void on_warning(const qc_diagnostic *d, void *user)
{
    const qc_recode *rc = user;
    if (!rc->on_issue)
        return;
    char where[1024];
    if (d->line)
        snprintf(where, sizeof where, "%s:%u", d->file ? d->file : "", (unsigned)d->line);
    else
        snprintf(where, sizeof where, "%s", d->file ? d->file : "");
    rc->on_issue(where, d->message, rc->issue_user);
}

/* The carried codings whose code is in the new codebook, as a qc_manual the new run counts. told:
 * what adopting them warns of was told already (qc_recode_carry_again). */
static int make_counted(qc_recode *rc, const char *label, int told, qc_error *err)
{
    qc_refi_manual cm;
    memset(&cm, 0, sizeof cm);
    for (size_t i = 0; i < rc->move_count; i++) {
        const qc_rq_manual *m = &rc->moves[i];
        const qc_refi_manual_coding *c = &rc->manual->items[m->item];
        if (m->unassigned || qc_codebook_find(rc->new_cb, m->to) < 0)
            continue; /* listed in the report and in the carried manual.xml, not counted */
        if (qc_refi_manual_add(&cm, m->to, c->document, c->start, c->end, c->text, c->coder, c->created)) {
            qc_refi_manual_free(&cm);
            return qc_error_nomem(err);
        }
        cm.items[cm.count - 1].line = c->line;
    }
    int st = qc_manual_adopt(&rc->counted, &cm, label, rc->new_cb, told ? NULL : on_warning, rc, err);
    if (!st && told)
        qc_manual_set_warnings(rc->counted, on_warning, rc); /* those of merging documents from now on */
    return st;
}

/* The codings to carry: the manual.xml's (path, may be NULL), then the people's quotations
 * results.xml listed. A coding in both (results.xml was made with that manual.xml) is one. */
static int gather(qc_recode *rc, const char *path, qc_error *err)
{
    qc_refi_manual *mm = qc_calloc(1, sizeof *mm);
    if (!mm)
        return qc_error_nomem(err);
    rc->manual = mm;
    if (path) {
        qc_refi_log log = {NULL, NULL, path, 0, 0, 0};
        int st = qc_refi_manual_read(mm, path, &log, err);
        if (st)
            return st;
    }
    qc_refi_manual *fr = rc->from_results;
    if (!fr || !fr->count)
        return QC_OK;
    for (size_t i = 0; i < fr->count; i++) {
        const qc_refi_manual_coding *c = &fr->items[i];
        if (qc_refi_manual_add(mm, c->code, c->document, c->start, c->end, c->text, c->coder, c->created))
            return qc_error_nomem(err);
    }
    qc_refi_manual_sort(mm);
    return QC_OK;
}

static int carry(qc_recode *rc, const char *path, int told, qc_error *err)
{
    int st = gather(rc, path, err);
    if (st)
        return st;
    qc_refi_manual *mm = rc->manual;
    size_t ncodes = qc_codebook_code_count(rc->new_cb);
    size_t *succ = qc_calloc(ncodes + 1, sizeof *succ);
    unsigned *how = qc_calloc(ncodes + 1, sizeof *how);
    size_t cap = 0;
    if (!succ || !how)
        st = QC_ERR_NOMEM;
    for (size_t i = 0; i < mm->count && !st; i++) {
        const char *code = mm->items[i].code;
        rc->totals.manual++;
        if (!qc_recode_old_has(code, rc)) {
            int unassigned = strncmp(code, "UNASSIGNED.R", 12) == 0;
            st = add_move(rc, &cap, i, code, unassigned, 0);
            continue;
        }
        size_t k = qc_lineage_successors(rc->new_cb, code, qc_recode_old_has, rc, rc->old_cb, succ, how, ncodes);
        if (k == 0) {
            rc->totals.manual_unassigned++;
            st = add_move(rc, &cap, i, rc->unassigned_id, 1, 1);
            continue;
        }
        int moved = 0;
        for (size_t s = 0; s < k && !st; s++) {
            const char *to = qc_code_id(rc->new_cb, succ[s]);
            int m = strcmp(to, code) != 0;
            moved |= m;
            st = add_move(rc, &cap, i, to, 0, m);
        }
        rc->totals.manual_moved += (size_t)moved;
    }
    qc_free(succ);
    qc_free(how);
    if (st)
        return st == QC_ERR_NOMEM ? qc_error_nomem(err) : st;
    return make_counted(rc, path ? path : rc->results_path, told, err);
}

int qc_recode_carry_manual(qc_recode *rc, const char *path, qc_error *err)
{
    if (!path && !(rc->from_results && rc->from_results->count))
        return QC_OK;
    return carry(rc, path, 0, err);
}

int qc_recode_carry_again(qc_recode *rc, const char *path, qc_error *err)
{
    /* What the first carry made (of path's codings alone, when there was one) goes: the new results
     * took what they needed of it, coder names included, as each document was added. */
    int told = rc->manual != NULL;
    struct qc_refi_manual *from = rc->from_results;
    rc->from_results = NULL;
    qc_recode_free_manual(rc);
    rc->from_results = from;
    rc->totals.manual = rc->totals.manual_moved = rc->totals.manual_unassigned = 0;
    int st = carry(rc, path, told, err);
    for (size_t d = 0; d < rc->doc_count && !st; d++)
        if (rc->docs[d].in_new)
            qc_manual_pass_over(rc->counted, rc->docs[d].id);
    return st;
}

void qc_recode_free_manual(qc_recode *rc)
{
    for (size_t i = 0; i < rc->move_count; i++)
        qc_free(rc->moves[i].to);
    qc_free(rc->moves);
    rc->moves = NULL;
    rc->move_count = 0;
    if (rc->manual) {
        qc_refi_manual_free(rc->manual);
        qc_free(rc->manual);
        rc->manual = NULL;
    }
    if (rc->from_results) {
        qc_refi_manual_free(rc->from_results);
        qc_free(rc->from_results);
        rc->from_results = NULL;
    }
    qc_manual_free(rc->counted);
    rc->counted = NULL;
}

int qc_recode_write_manual(const qc_recode *rc, const char *path, qc_error *err)
{
    if (!rc || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_recode_write_manual: NULL argument");
    if (!rc->manual)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "the re-code was given no manual.xml");
    qc_refi_manual out;
    memset(&out, 0, sizeof out);
    out.source = rc->manual->source;
    out.origin = rc->manual->origin;
    int st = QC_OK;
    for (size_t i = 0; i < rc->move_count && !st; i++) {
        const qc_refi_manual_coding *c = &rc->manual->items[rc->moves[i].item];
        if (qc_refi_manual_add(&out, rc->moves[i].to, c->document, c->start, c->end, c->text, c->coder, c->created))
            st = QC_ERR_NOMEM;
    }
    qc_refi_manual_sort(&out);
    qc_buf b = QC_BUF_INIT;
    if (!st)
        qc_refi_manual_write(&out, &b);
    out.source = NULL;
    out.origin = NULL;
    qc_refi_manual_free(&out);
    if (st || qc_buf_failed(&b)) {
        qc_buf_free(&b);
        return qc_error_nomem(err);
    }
    st = qc_atomic_write(path, qc_buf_cstr(&b), b.len, rc->outputs, err);
    qc_buf_free(&b);
    return st;
}
