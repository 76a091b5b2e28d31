/* qcode quotes: the quotations of one code (with --rollup, also its descendants'), from a corpus
 * coded now or from a results.xml, each with document, speaker and a keyword-in-context line. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "code_options.h"

#define USAGE                                                                                                          \
    "usage: qcode quotes -c CODEBOOK [options] CODE FILE|FOLDER...\n"                                                  \
    "       qcode quotes --results results.xml [--rollup] CODE\n"                                                      \
    "\n"                                                                                                               \
    "Prints the quotations of one code in corpus order: document, speaker, role, turn and span,\n"                     \
    "then a keyword-in-context line around the first rule hit (hit words in bold on a terminal).\n"                    \
    "From a results.xml made with --manual, people's codings are listed too, with \"coded by NAME\".\n"                \
    "The last line counts the quotations, respondents and documents as `qcode code` does (own, or\n"                   \
    "rolled up with --rollup); the quotations may be fewer than the lines listed.\n"                                   \
    "\n"                                                                                                               \
    "Options:\n"                                                                                                       \
    "  -c, --codebook FILE        code the transcripts with this codebook\n"                                           \
    "      --results FILE         read the quotations from a results.xml instead\n"                                    \
    "      --rollup               include the quotations of the code's descendants\n"                                  \
    "      --cases FILE           casebook (for `where` conditions, and the people it names speak\n"                   \
    "                             even once; not with --results)\n"                                                    \
    "  -j, --jobs N               threads (default 0: one per core; 1: all on one)\n"                                  \
    "      --engine fast|reference, --encoding utf-8|windows-1252, --speaker-pattern RE,\n"                            \
    "      --interviewer LABEL, --no-speakers, --input-format FORMAT   as for `qcode code`\n"                          \
    "\n"                                                                                                               \
    "Exit codes: 0 ok, 1 some documents failed, 2 usage or I/O error (or an unknown code),\n"                          \
    "3 codebook error.\n"

#define LEFT_CONTEXT 50
#define RIGHT_CONTEXT 70

/* One quotation kept for printing: a copy, since callbacks only lend theirs. */
typedef struct quote {
    size_t doc, start, end, code, turn;
    char *doc_id, *speaker, *code_id, *text;
    char *coder; /* a person's coding (results.xml's coder); NULL: the engine's */
    qc_role role;
    qc_hit *hits;
    size_t hit_count;
} quote;

typedef struct quote_list {
    quote *items;
    size_t count, cap;
    int failed;
} quote_list;

static void quote_free(quote *q)
{
    free(q->doc_id);
    free(q->speaker);
    free(q->code_id);
    free(q->text);
    free(q->hits);
    free(q->coder);
}

static void list_clear(quote_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        quote_free(&l->items[i]);
    l->count = 0;
}

static void list_push(quote_list *l, const qc_result_quotation *rq, const char *code_id)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        quote *p = realloc(l->items, cap * sizeof *p);
        if (!p) {
            l->failed = 1;
            return;
        }
        l->items = p;
        l->cap = cap;
    }
    quote *q = &l->items[l->count];
    memset(q, 0, sizeof *q);
    q->doc = rq->document;
    q->start = rq->start;
    q->end = rq->end;
    q->code = rq->code;
    q->turn = rq->turn;
    q->role = rq->role;
    q->doc_id = strdup(rq->document_id);
    q->speaker = rq->speaker ? strdup(rq->speaker) : NULL;
    q->code_id = strdup(code_id);
    q->text = strdup(rq->text);
    q->coder = rq->coder ? strdup(rq->coder) : NULL;
    q->hit_count = rq->hit_count;
    if (rq->hit_count) {
        q->hits = malloc(rq->hit_count * sizeof *q->hits);
        if (q->hits)
            memcpy(q->hits, rq->hits, rq->hit_count * sizeof *q->hits);
    }
    if (!q->doc_id || !q->code_id || !q->text || (rq->speaker && !q->speaker) || (rq->hit_count && !q->hits) ||
        (rq->coder && !q->coder)) {
        quote_free(q);
        l->failed = 1;
        return;
    }
    l->count++;
}

static int by_place(const void *a, const void *b)
{
    const quote *x = a, *y = b;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    /* the engine's, then people's by name */
    if (!x->coder || !y->coder)
        return (x->coder != NULL) - (y->coder != NULL);
    return strcmp(x->coder, y->coder);
}

/* Byte offset of code point `cp` in UTF-8 s (clamped to its end). */
static size_t cp_byte(const char *s, size_t cp)
{
    size_t i = 0;
    for (; s[i] && cp; cp--) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* Whether code point `cp` (relative to the quotation) lies in a hit. */
static int in_hit(const quote *q, size_t cp)
{
    for (size_t h = 0; h < q->hit_count; h++)
        if (q->start + cp >= q->hits[h].start && q->start + cp < q->hits[h].end)
            return 1;
    return 0;
}

/* Whether the character at s (len bytes) is a control character, C0, DEL or C1 (U+0080 to
 * U+009F, C2 80 to C2 9F in UTF-8): one the terminal would act on (an ESC). */
static int is_control(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    return c < 0x20 || c == 0x7F || (len == 2 && c == 0xC2 && (unsigned char)s[1] < 0xA0);
}

/* Prints text from code point a to b (relative), newlines as spaces, other control characters as
 * U+XXXX (qc_printable), hits bold on a terminal. Format characters are the text's own (a zero-width
 * non-joiner in Persian, a joiner in an emoji or a Devanagari conjunct) and print as they are. */
static void print_span(const quote *q, size_t a, size_t b, int bold)
{
    const char *s = q->text + cp_byte(q->text, a);
    int on = 0;
    for (size_t cp = a; cp < b && *s; cp++) {
        int hit = bold && in_hit(q, cp);
        if (hit != on) {
            fputs(hit ? "\033[1m" : "\033[0m", stdout);
            on = hit;
        }
        size_t len = 1;
        while (((unsigned char)s[len] & 0xC0) == 0x80)
            len++;
        if (*s == '\n' || *s == '\t' || *s == '\r') {
            putchar(' ');
        } else if (is_control(s, len)) { /* an ESC in the text would act on the terminal: U+001B */
            char unit[3] = {0}, shown[16];
            memcpy(unit, s, len);
            qc_printable(unit, shown, sizeof shown);
            fputs(shown, stdout);
        } else {
            fwrite(s, 1, len, stdout);
        }
        s += len;
    }
    if (on)
        fputs("\033[0m", stdout);
}

static size_t cp_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void print_quote(const quote *q, int bold)
{
    /* Names from files on one line each: an id with a line break (results.xml carries one) was
     * printed as two lines. */
    cli_put_printable(stdout, q->doc_id);
    fputs("  ", stdout);
    cli_put_printable(stdout, q->speaker ? q->speaker : "-");
    printf(" (%s)  turn %zu  [%zu,%zu)  %s", qc_role_name(q->role), q->turn, q->start, q->end, q->code_id);
    if (q->coder) {
        fputs("  coded by ", stdout);
        cli_put_printable(stdout, q->coder);
    }
    putchar('\n');
    size_t len = cp_count(q->text);
    size_t first = 0, last = len;
    if (q->hit_count) { /* centre on the first hit */
        size_t hs = q->hits[0].start > q->start ? q->hits[0].start - q->start : 0;
        size_t he = q->hits[0].end > q->start ? q->hits[0].end - q->start : 0;
        first = hs > LEFT_CONTEXT ? hs - LEFT_CONTEXT : 0;
        last = he + RIGHT_CONTEXT < len ? he + RIGHT_CONTEXT : len;
    } else if (len > LEFT_CONTEXT + RIGHT_CONTEXT) {
        last = LEFT_CONTEXT + RIGHT_CONTEXT;
    }
    fputs("    ", stdout);
    if (first > 0)
        fputs("\xE2\x80\xA6", stdout);
    print_span(q, first, last, bold);
    if (last < len)
        fputs("\xE2\x80\xA6", stdout);
    putchar('\n');
}

static void print_all(quote_list *l, int bold)
{
    if (l->count > 1)
        qsort(l->items, l->count, sizeof *l->items, by_place);
    for (size_t i = 0; i < l->count; i++)
        print_quote(&l->items[i], bold);
}

/* --- the last line ---
 * The counts are the library's, those `qcode code` reports for the code (docs/semantics.md,
 * "Counts"): from the corpus, counts-only results the documents are added to as they are listed;
 * from a results.xml, its counts. Only "listed" is this tool's: a span coded by several coders is
 * one quotation, and with --rollup a passage coded by a parent and a child counts once, so the
 * lines printed can be more. */

typedef struct listed {
    size_t lines;
    int coders; /* some quotation listed is a person's */
} listed;

static void note_listed(listed *t, const quote_list *l)
{
    t->lines += l->count;
    for (size_t i = 0; i < l->count && !t->coders; i++)
        t->coders = l->items[i].coder != NULL;
}

/* "3 quotations of TEAM and its sub-codes, rolled up (4 listed, ...), from 2 respondents in 2 of 3
 * documents": the way findings are reported ("21 respondents (30 comments)"). */
static void print_counts(const qc_counts *c, const listed *t, const char *code_id, int rollup, size_t documents_read)
{
    size_t counted = (size_t)c->quotations;
    printf("%zu %s of %s%s", counted, counted == 1 ? "quotation" : "quotations", code_id,
           rollup ? " and its sub-codes, rolled up" : "");
    if (t->lines != counted)
        printf(" (%zu listed, one per %s of a passage)", t->lines,
               rollup && t->coders ? "code and coder"
               : rollup            ? "code"
                                   : "coder");
    printf("%s from %zu %s in %zu of %zu %s\n", t->lines != counted || rollup ? "," : "", (size_t)c->respondents,
           c->respondents == 1 ? "respondent" : "respondents", (size_t)c->documents, documents_read,
           documents_read == 1 ? "document" : "documents");
}

/* --- from a corpus --- */

typedef struct corpus_state {
    const qc_codebook *cb;
    qc_results *res;  /* counts only: each document is added once listed */
    size_t code, end; /* codes [code, end) are wanted */
    size_t doc_index;
    quote_list list;
    int bold;
    listed listed;
    size_t dup_failed; /* documents whose id another had: reported and skipped, as `qcode code` does */
} corpus_state;

static int on_document(const qc_document *doc, const qc_coding *coding, const qc_source_info *src, void *user,
                       qc_error *err)
{
    corpus_state *st = user;
    /* Counted first: a document the results refuse (its id is another's) is reported and skipped
     * as `qcode code` reports it, not listed, and the run goes on (exit 1). */
    int rc = qc_results_add(st->res, doc, coding, src, err);
    if (rc == QC_ERR_INVALID) {
        cli_print_error(err);
        st->dup_failed++;
        return 0;
    }
    if (rc != 0)
        return rc;
    size_t n = qc_coding_quotation_count(coding);
    size_t size;
    const char *text = qc_document_text(doc, &size);
    qc_hit *hits = NULL;
    size_t hits_cap = 0;
    for (size_t i = 0; i < n; i++) {
        qc_quotation q;
        if (qc_coding_quotation(coding, i, &q) != 0 || q.code < st->code || q.code >= st->end)
            continue;
        qc_turn turn;
        qc_document_turn(doc, q.turn, &turn);
        size_t a = qc_document_text_offset(doc, q.start), b = qc_document_text_offset(doc, q.end);
        char *qt = strndup(text + a, b - a);
        if (q.hit_count > hits_cap) {
            qc_hit *p = realloc(hits, q.hit_count * sizeof *p);
            if (!p) {
                free(qt);
                st->list.failed = 1;
                continue;
            }
            hits = p;
            hits_cap = q.hit_count;
        }
        for (size_t h = 0; h < q.hit_count; h++)
            qc_coding_hit(coding, i, h, &hits[h]);
        qc_result_quotation rq = {.code = q.code,
                                  .document = st->doc_index,
                                  .document_id = qc_document_id(doc),
                                  .speaker = turn.speaker,
                                  .role = turn.role,
                                  .turn = q.turn,
                                  .start = q.start,
                                  .end = q.end,
                                  .text = qt ? qt : "",
                                  .hit_count = q.hit_count,
                                  .hits = hits};
        list_push(&st->list, &rq, qc_code_id(st->cb, q.code));
        free(qt);
    }
    free(hits);
    /* Quotations of one document are printed as soon as it is coded: memory stays flat. */
    print_all(&st->list, st->bold);
    note_listed(&st->listed, &st->list);
    list_clear(&st->list);
    st->doc_index++;
    if (st->list.failed) {
        err->code = QC_ERR_NOMEM; /* cli_print_error names the status */
        return QC_ERR_NOMEM;
    }
    return 0;
}

static void on_error(const char *path, const qc_error *err, void *user)
{
    (void)user;
    if (err->file[0])
        cli_print_error(err);
    else
        cli_line(stderr, "%s: error: %s", path, err->message);
}

static void on_issue(const char *path, const char *message, void *user)
{
    (void)user;
    cli_line(stderr, "%s: warning: %s", path, message);
}

static size_t subtree_end(const qc_codebook *cb, size_t code)
{
    size_t n = qc_codebook_code_count(cb), depth = qc_code_depth(cb, code), e = code + 1;
    while (e < n && qc_code_depth(cb, e) > depth)
        e++;
    return e;
}

static int from_corpus(code_options *o, int argc, char **argv)
{
    if (o->first_input >= argc)
        return cli_fail("quotes: no code given (see 'qcode help quotes')");
    const char *code_id = argv[o->first_input];
    if (o->first_input + 1 >= argc)
        return cli_fail("quotes: no transcripts given (see 'qcode help quotes')");
    qc_codebook *cb = NULL;
    qc_casebook *cases = NULL;
    int exit_code = code_options_load(o, &cb, &cases);
    if (exit_code != QC_EXIT_OK)
        return exit_code;
    char **paths = NULL, **ids = NULL;
    long count = -1;
    corpus_state st;
    memset(&st, 0, sizeof st);
    long code = qc_codebook_find(cb, code_id);
    if (code < 0) {
        exit_code = cli_fail("quotes: no code '%s' in %s", code_id, o->codebook_path);
        goto done;
    }
    count = code_options_inputs(argv + o->first_input + 1, argc - o->first_input - 1, &paths, &ids);
    if (count < 0) {
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    qc_error err;
    qc_results_options res_opts = QC_RESULTS_OPTIONS_INIT;
    res_opts.counts_only = 1;
    if (qc_results_new_opts(&st.res, cb, cases, &res_opts, &err) != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    st.cb = cb;
    st.code = (size_t)code;
    st.end = o->rollup ? subtree_end(cb, (size_t)code) : (size_t)code + 1;
    st.bold = cli_stdout_is_tty();
    qc_run_options ropts = QC_RUN_OPTIONS_INIT;
    ropts.read = &o->read;
    ropts.engine = o->engine;
    ropts.jobs = o->jobs;
    ropts.on_document = on_document;
    ropts.on_error = on_error;
    ropts.on_issue = on_issue;
    ropts.on_read_warning = cli_print_diagnostic;
    ropts.user = &st;
    ropts.ids = (const char *const *)ids;
    ropts.results = st.res; /* the workers prepare each document's counts */
    qc_run_stats stats;
    int rc = qc_corpus_run((const char *const *)paths, (size_t)count, cb, cases, &ropts, &stats, &err);
    free(st.list.items);
    if (rc != 0) {
        cli_print_error(&err);
        exit_code = QC_EXIT_USAGE;
        goto done;
    }
    qc_counts counts;
    qc_results_code_counts(st.res, (size_t)code, o->rollup ? QC_ROLLED_UP : QC_OWN, &counts);
    print_counts(&counts, &st.listed, code_id, o->rollup, qc_results_document_count(st.res));
    size_t failed = stats.failed + st.dup_failed;
    if (failed)
        cli_report_unread(failed, count);
    exit_code = failed ? QC_EXIT_PARTIAL : QC_EXIT_OK;
done:
    qc_results_free(st.res);
    if (count >= 0) {
        cli_free_paths(paths, count);
        cli_free_paths(ids, count);
    }
    qc_casebook_free(cases);
    qc_codebook_free(cb);
    return exit_code;
}

/* --- from results.xml --- */

typedef struct file_state {
    const char *want;
    int rollup;
    char **wanted; /* ids of the wanted codes (the code, then descendants with --rollup) */
    size_t wanted_count;
    size_t *wanted_index;
    int found;
    size_t documents;
    quote_list list;
    qc_counts counts; /* the file's for the code (own, or rolled up with --rollup) */
} file_state;

static int on_file_document(const qc_result_document *doc, size_t index, void *user)
{
    (void)doc;
    (void)index;
    ((file_state *)user)->documents++;
    return 0;
}

static int is_wanted(const file_state *st, const char *id)
{
    for (size_t i = 0; i < st->wanted_count; i++)
        if (strcmp(st->wanted[i], id) == 0)
            return 1;
    return 0;
}

static int on_code(const qc_results_file_code *code, void *user)
{
    file_state *st = user;
    int want = strcmp(code->id, st->want) == 0 || (st->rollup && code->parent_id && is_wanted(st, code->parent_id));
    if (!want)
        return 0;
    char **p = realloc(st->wanted, (st->wanted_count + 1) * sizeof *p);
    size_t *pi = realloc(st->wanted_index, (st->wanted_count + 1) * sizeof *pi);
    if (p)
        st->wanted = p;
    if (pi)
        st->wanted_index = pi;
    if (!p || !pi || !(st->wanted[st->wanted_count] = strdup(code->id)))
        return st->list.failed = 1;
    st->wanted_index[st->wanted_count++] = code->index;
    st->found = 1;
    return 0;
}

static int on_quotation(const qc_result_quotation *q, void *user)
{
    file_state *st = user;
    for (size_t i = 0; i < st->wanted_count; i++)
        if (st->wanted_index[i] == q->code) {
            list_push(&st->list, q, st->wanted[i]);
            break;
        }
    return st->list.failed;
}

static int on_counts(size_t code, const char *id, const qc_counts *own, const qc_counts *rolled_up, void *user)
{
    (void)code;
    file_state *st = user;
    if (strcmp(id, st->want) == 0)
        st->counts = st->rollup ? *rolled_up : *own;
    return 0;
}

static int from_results(code_options *o, int argc, char **argv)
{
    if (o->first_input >= argc)
        return cli_fail("quotes: no code given (see 'qcode help quotes')");
    if (o->first_input + 1 < argc)
        return cli_fail("quotes: with --results, give only the code (no transcripts)");
    file_state st;
    memset(&st, 0, sizeof st);
    st.want = argv[o->first_input];
    st.rollup = o->rollup;
    qc_results_handlers h = {NULL, on_file_document, on_code, on_quotation, &st};
    qc_error err;
    int rc = qc_results_read_all_with_counts(o->results_path, &h, on_counts, &err);
    int exit_code = QC_EXIT_OK;
    if (rc != 0 || st.list.failed) {
        if (rc != 0)
            cli_print_error(&err);
        else
            cli_fail("quotes: out of memory");
        exit_code = QC_EXIT_USAGE;
    } else if (!st.found) {
        exit_code = cli_fail("quotes: no code '%s' in %s", st.want, o->results_path);
    } else {
        print_all(&st.list, cli_stdout_is_tty());
        listed t = {0, 0};
        note_listed(&t, &st.list);
        print_counts(&st.counts, &t, st.want, o->rollup, st.documents);
    }
    list_clear(&st.list);
    free(st.list.items);
    for (size_t i = 0; i < st.wanted_count; i++)
        free(st.wanted[i]);
    free(st.wanted);
    free(st.wanted_index);
    return exit_code;
}

static int run(int argc, char **argv)
{
    code_options o;
    int rc = code_options_parse(&o, argc, argv, CODE_OPTIONS_QUOTES);
    if (rc >= 0)
        return rc;
    if (o.results_path && o.codebook_path) {
        code_options_free(&o);
        return cli_fail("quotes: give either -c CODEBOOK with transcripts or --results FILE, not both");
    }
    /* A results.xml holds its quotations as its run found them: a casebook or a way of reading
     * given with it would change nothing, and was taken without a word (a casebook that does not
     * exist included). */
    if (o.results_path && (o.cases_path || o.given)) {
        code_options_free(&o);
        return cli_fail("quotes: %s does not apply with --results (the results.xml holds its quotations as its run "
                        "coded them; code the transcripts with -c for another casebook or reading)",
                        o.cases_path ? "--cases" : "a reading option");
    }
    rc = o.results_path ? from_results(&o, argc, argv) : from_corpus(&o, argc, argv);
    code_options_free(&o);
    return rc;
}

const cli_command cmd_quotes = {"quotes", "the quotations of one code, keyword in context", USAGE, run};
