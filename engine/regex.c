#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

struct qc_regex {
    pcre2_code *code;
    uint32_t match_limit, heap_limit_kib; /* the match limit bounds the depth too */
    int jit;
    int offset_limit; /* compiled to take one (qc_regex_match_until) */
};

/* A thread's: a regex is shared by every thread's coder, so what a match changes (the match data,
 * the JIT stack, the match context the stack is assigned to and the limits are set in) is here.
 * The match context was the regex's once, each match assigning its thread's JIT stack to it just
 * before running: two threads matching one regex could then run on one stack, and crash. */
struct qc_regex_scratch {
    pcre2_match_data *md;
    pcre2_jit_stack *jit_stack;
    pcre2_match_context *mctx;
    size_t ovector_pairs;
    /* the limits set in mctx (0: none yet): most regexes share them, so few matches set them */
    uint32_t match_limit, heap_limit_kib;
};

static void *pcre_alloc(size_t size, void *data)
{
    (void)data;
    return qc_malloc(size);
}

static void pcre_free(void *ptr, void *data)
{
    (void)data;
    qc_free(ptr);
}

static pcre2_general_context *general_context(void)
{
    /* Created per call (it is tiny): keeps PCRE2's allocations on our allocator without a global. */
    return pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
}

int qc_regex_compile(qc_regex **out, const char *pattern, size_t len, unsigned flags, uint32_t match_limit,
                     uint32_t heap_limit_kib, size_t *error_offset, char *message, size_t message_cap)
{
    *out = NULL;
    if (error_offset)
        *error_offset = 0;
    if (message && message_cap)
        message[0] = '\0';
    uint32_t options = PCRE2_UTF | PCRE2_UCP;
    if (flags & QC_REGEX_CASELESS)
        options |= PCRE2_CASELESS;
    if (flags & QC_REGEX_EXTENDED)
        options |= PCRE2_EXTENDED;
    if (flags & QC_REGEX_DOTALL)
        options |= PCRE2_DOTALL;
    if (flags & QC_REGEX_MULTILINE)
        options |= PCRE2_MULTILINE;
    /* An anchored regex has one place to start: only an unanchored one can use an offset limit. */
    if (flags & QC_REGEX_ANCHORED)
        options |= PCRE2_ANCHORED;
    else
        options |= PCRE2_USE_OFFSET_LIMIT;

    qc_regex *rx = qc_calloc(1, sizeof *rx);
    pcre2_general_context *gctx = general_context();
    pcre2_compile_context *cctx = gctx ? pcre2_compile_context_create(gctx) : NULL;
    if (!rx || !gctx || !cctx) {
        pcre2_compile_context_free(cctx);
        pcre2_general_context_free(gctx);
        qc_free(rx);
        if (message && message_cap)
            snprintf(message, message_cap, "out of memory");
        return QC_ERR_NOMEM;
    }
    /* Patterns come from codebooks typed by hand: refuse the (*...) start-of-pattern verbs that
     * would lift our limits, and bound nesting. */
    pcre2_set_compile_extra_options(cctx, 0);
    pcre2_set_parens_nest_limit(cctx, 250);
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    rx->code = pcre2_compile((PCRE2_SPTR)pattern, len, options | PCRE2_NEVER_BACKSLASH_C, &errcode, &erroff, cctx);
    pcre2_compile_context_free(cctx);
    if (!rx->code) {
        if (error_offset)
            *error_offset = erroff;
        if (message && message_cap) {
            PCRE2_UCHAR buf[256];
            if (pcre2_get_error_message(errcode, buf, sizeof buf) < 0)
                strcpy((char *)buf, "invalid regular expression");
            snprintf(message, message_cap, "%s", (const char *)buf);
        }
        pcre2_general_context_free(gctx);
        qc_free(rx);
        /* PCRE2_ERROR_HEAP_FAILED is how pcre2_compile says our allocator refused: out of memory,
         * not a fault of the pattern. */
        return errcode == PCRE2_ERROR_HEAP_FAILED || errcode == PCRE2_ERROR_NOMEMORY ? QC_ERR_NOMEM : QC_ERR_INVALID;
    }
    rx->jit = pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE) == 0;
    rx->offset_limit = !(flags & QC_REGEX_ANCHORED);
    pcre2_general_context_free(gctx);
    rx->match_limit = match_limit ? match_limit : QC_REGEX_DEFAULT_MATCH_LIMIT;
    rx->heap_limit_kib = heap_limit_kib ? heap_limit_kib : QC_REGEX_DEFAULT_HEAP_LIMIT_KIB;
    *out = rx;
    return QC_OK;
}

void qc_regex_free(qc_regex *rx)
{
    if (!rx)
        return;
    pcre2_code_free(rx->code);
    qc_free(rx);
}

int qc_regex_group_index(const qc_regex *rx, const char *name)
{
    int n = pcre2_substring_number_from_name(rx->code, (PCRE2_SPTR)name);
    return n > 0 ? n : -1;
}

qc_regex_scratch *qc_regex_scratch_new(void)
{
    qc_regex_scratch *s = qc_calloc(1, sizeof *s);
    pcre2_general_context *gctx = general_context();
    if (!s || !gctx) {
        pcre2_general_context_free(gctx);
        qc_free(s);
        return NULL;
    }
    s->ovector_pairs = 32;
    s->md = pcre2_match_data_create((uint32_t)s->ovector_pairs, gctx);
    s->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, gctx);
    s->mctx = pcre2_match_context_create(gctx);
    pcre2_general_context_free(gctx);
    if (!s->md || !s->jit_stack || !s->mctx) {
        qc_regex_scratch_free(s);
        return NULL;
    }
    pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
    return s;
}

void qc_regex_scratch_free(qc_regex_scratch *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jit_stack);
    qc_free(s);
}

int qc_regex_match(const qc_regex *rx, qc_regex_scratch *scratch, const char *subject, size_t len, size_t start,
                   int subject_checked, size_t *mstart, size_t *mend)
{
    return qc_regex_match_until(rx, scratch, subject, len, start, SIZE_MAX, subject_checked, mstart, mend);
}

int qc_regex_match_until(const qc_regex *rx, qc_regex_scratch *scratch, const char *subject, size_t len, size_t start,
                         size_t last_start, int subject_checked, size_t *mstart, size_t *mend)
{
    uint32_t opts = subject_checked ? PCRE2_NO_UTF_CHECK : 0;
    int rc;
    /* The regex's limits, in this thread's context, when the last match's differ. */
    if (scratch->match_limit != rx->match_limit) {
        pcre2_set_match_limit(scratch->mctx, rx->match_limit);
        pcre2_set_depth_limit(scratch->mctx, rx->match_limit);
        scratch->match_limit = rx->match_limit;
    }
    if (scratch->heap_limit_kib != rx->heap_limit_kib) {
        pcre2_set_heap_limit(scratch->mctx, rx->heap_limit_kib);
        scratch->heap_limit_kib = rx->heap_limit_kib;
    }
    if (rx->offset_limit)
        pcre2_set_offset_limit(scratch->mctx, last_start < len ? (PCRE2_SIZE)last_start : PCRE2_UNSET);
    if (rx->jit)
        rc = pcre2_jit_match(rx->code, (PCRE2_SPTR)subject, len, start, opts, scratch->md, scratch->mctx);
    else
        rc = pcre2_match(rx->code, (PCRE2_SPTR)subject, len, start, opts, scratch->md, scratch->mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT)
        return QC_ERR_LIMIT;
    if (rc == PCRE2_ERROR_NOMEMORY)
        return QC_ERR_NOMEM;
    if (rc < 0)
        return QC_ERR_INVALID;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(scratch->md);
    *mstart = ov[0];
    *mend = ov[1];
    return 1;
}

int qc_regex_group(const qc_regex_scratch *scratch, int group, size_t *gstart, size_t *gend)
{
    if (group < 0 || (uint32_t)group >= pcre2_get_ovector_count(scratch->md))
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(scratch->md);
    if (ov[2 * group] == PCRE2_UNSET)
        return 0;
    *gstart = ov[2 * group];
    *gend = ov[2 * group + 1];
    return 1;
}
