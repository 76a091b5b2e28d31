/* qcode/results.h: coding a corpus and what it adds up to.
 *
 * A qc_results gathers the codings of a corpus, document by document in corpus order: quotations,
 * counts per code (own and rolled up the hierarchy), breakdowns by attribute value, by document and
 * by speaker, a sentence-level co-occurrence matrix and the participant text no code touched.
 * docs/semantics.md defines the counts; docs/results.md the outputs.
 *
 * Memory stays flat in corpus size for the bulky part: quotation texts and hits go to a temporary
 * file as they are added and are read back, grouped by code, when written; per-document and
 * per-speaker counts go to another. The corpus and attribute-value counts, and a bit per code for
 * each (respondent, row) pair, stay in memory. Counts-only results (qc_results_new_opts) keep just
 * that in-memory part: no temporary file.
 *
 * qc_corpus_run reads and codes files in several threads and hands each document to a callback in
 * input order, so whatever the number of threads the results (and the bytes written) are the same.
 *
 * Threads: a qc_results is not thread-safe; use it from one thread (qc_corpus_run calls its
 * callbacks on the calling thread).
 */
#ifndef QCODE_RESULTS_H
#define QCODE_RESULTS_H

#include "casebook.h"
#include "codebook.h"
#include "coding.h"
#include "document.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qc_results qc_results;

/* Where a document came from, for provenance. */
typedef struct qc_source_info {
    const char *path;   /* the file as named; NULL: the document's own path */
    uint64_t size;      /* bytes of the file */
    const char *sha256; /* SHA-256 of the file's bytes, 64 lower-case hex digits; NULL when unknown */
} qc_source_info;

/* Creates empty results for a codebook and an optional casebook (both borrowed: they must outlive
 * the results). *out is the caller's. Fails with QC_ERR_IO when no temporary file can be made.
 * The same as qc_results_new_opts with NULL options. */
QC_EXPORT int qc_results_new(qc_results **out, const qc_codebook *cb, const qc_casebook *cases, qc_error *err);
QC_EXPORT void qc_results_free(qc_results *res);

/* How qc_results_new_opts makes results. Versioned like qc_write_options: a caller states the
 * version it was built with and fields added later take their defaults, so programs built against
 * this header keep working with later libraries. qc_results_new keeps its signature for the
 * callers (and binaries) that know nothing of options. */
#define QC_RESULTS_OPTIONS_VERSION 2
typedef struct qc_results_options {
    unsigned version;
    /* Keep the counts only: per code (own and rolled up), per attribute value, the totals,
     * co-occurrence, the respondents and which codes each has (qc_results_respondent_coded), the
     * documents and the uncoded-turn summary, all as with full results; but no quotation records
     * and no per-document or per-speaker counts, so no temporary file and less work per document;
     * documents' coding_sha256 is "".
     * What needs them refuses with QC_ERR_INVALID (see each call): writing results.xml or the TSV
     * tables, walking quotations or uncoded turns, qc_results_document_counts_get and
     * qc_results_respondent_counts_get. For a look at the counts (`qcode code` without outputs). */
    int counts_only;
    /* Version 2. The quotations go only to a results.xml of format 2 written as documents are added
     * (qc_results_stream_xml, which must then be called before the first qc_results_add): kept for
     * nothing else, and no per-document or per-speaker counts, so what needs them refuses with
     * QC_ERR_INVALID as for counts_only (walking quotations, the TSV tables, another
     * results.xml). The documents' coding_sha256 and the uncoded turns are kept. For `qcode code
     * -o results.xml --results-format 2` with no other output. */
    int stream_only;
} qc_results_options;
#define QC_RESULTS_OPTIONS_INIT { QC_RESULTS_OPTIONS_VERSION, 0, 0 }

/* qc_results_new with options (NULL: defaults). A version this library does not know fails with
 * QC_ERR_INVALID (versions 1 and 2 are known). With counts_only it makes no temporary file. */
QC_EXPORT int qc_results_new_opts(qc_results **out, const qc_codebook *cb, const qc_casebook *cases,
                                  const qc_results_options *opts, qc_error *err);

/* 1 when the results were made with counts_only (no quotations kept), else 0. */
QC_EXPORT int qc_results_counts_only(const qc_results *res);

/* Adds one document and its coding (made with the same codebook); both are borrowed for the call
 * only. Documents are kept in the order they are added. src may be NULL. A document id that was
 * already added fails with QC_ERR_INVALID and changes nothing. */
QC_EXPORT int qc_results_add(qc_results *res, const qc_document *doc, const qc_coding *coding,
                             const qc_source_info *src, qc_error *err);

/* Records a run option for provenance (name and value copied; later values of a name replace
 * earlier ones). Options are written in name order. */
QC_EXPORT int qc_results_set_option(qc_results *res, const char *name, const char *value, qc_error *err);

/* --- counts --- */

typedef enum qc_rollup {
    QC_OWN = 0,      /* the code's own quotations */
    QC_ROLLED_UP = 1 /* the union of its own and all its descendants' quotations (docs/semantics.md) */
} qc_rollup;

typedef struct qc_counts {
    uint64_t hits;        /* rule hits inside the quotations */
    uint64_t quotations;  /* coded units */
    uint64_t respondents; /* distinct speakers */
    uint64_t documents;   /* distinct documents */
} qc_counts;

QC_EXPORT const qc_codebook *qc_results_codebook(const qc_results *res);

/* The counts of a code over the corpus. */
QC_EXPORT void qc_results_code_counts(const qc_results *res, size_t code, qc_rollup mode, qc_counts *out);
/* Across all codes: hits and quotations summed over codes' own quotations, respondents and
 * documents with at least one quotation of any code. */
QC_EXPORT void qc_results_totals(const qc_results *res, qc_counts *out);

/* Documents, in the order added. */
typedef struct qc_result_document {
    const char *id;
    const char *path;   /* as given in qc_source_info, or the document's path; from a results.xml, the file's
                         * bytes (its pathBytes when path could not carry them: docs/results.md) */
    const char *sha256; /* "" when unknown */
    uint64_t size;      /* bytes of the file */
    qc_format format;
    size_t length; /* code points of normalised text */
    size_t turns;
    size_t speakers;
    /* A digest of the document's coding: SHA-256 of the file's hash, how it was read, the text's
     * size and each quotation's code, span, turn and coders. Equal digests mean the same
     * quotations with the same texts. "" when unknown (a results.xml written before it was
     * recorded) or not made (counts-only results). docs/results.md. */
    const char *coding_sha256;
} qc_result_document;

QC_EXPORT size_t qc_results_document_count(const qc_results *res);
QC_EXPORT int qc_results_document(const qc_results *res, size_t index, qc_result_document *out);
/* A document's header attributes, in file order. */
QC_EXPORT size_t qc_results_document_attribute_count(const qc_results *res, size_t doc);
QC_EXPORT int qc_results_document_attribute(const qc_results *res, size_t doc, size_t index, const char **key,
                                            const char **value);
/* A document's speakers (first appearance order), with their role and number of turns. */
QC_EXPORT size_t qc_results_document_speaker_count(const qc_results *res, size_t doc);
QC_EXPORT const char *qc_results_document_speaker(const qc_results *res, size_t doc, size_t index, qc_role *role,
                                                  size_t *turns);
/* The counts of a code inside one document: zeros when doc or code is out of range, and also for
 * counts-only results (which keep no per-document counts) and when the temporary file cannot be
 * read; qc_results_document_counts_get tells these apart. */
QC_EXPORT void qc_results_document_counts(const qc_results *res, size_t doc, size_t code, qc_rollup mode,
                                          qc_counts *out);
/* As qc_results_document_counts, but says why there are none: QC_ERR_INVALID for an index out of
 * range or counts-only results, QC_ERR_IO when the temporary file cannot be read (*out zeros). */
QC_EXPORT int qc_results_document_counts_get(const qc_results *res, size_t doc, size_t code, qc_rollup mode,
                                             qc_counts *out, qc_error *err);

/* Respondents: every speaker label of the corpus, labels that differ only in ASCII case being one
 * (as in the casebook) named as first seen (an unlabelled document is one respondent named by its
 * document id; unlabelled text among labelled participants is none, its quotations counted for no
 * respondent: docs/semantics.md), in order of first appearance. role is the participant role unless the label was
 * only ever an interviewer's. */
QC_EXPORT size_t qc_results_respondent_count(const qc_results *res);
QC_EXPORT const char *qc_results_respondent(const qc_results *res, size_t index, qc_role *role);
/* A respondent's counts of a code over the corpus: zeros, like qc_results_document_counts, when
 * out of range, for counts-only results and when the temporary file cannot be read. */
QC_EXPORT void qc_results_respondent_counts(const qc_results *res, size_t respondent, size_t code, qc_rollup mode,
                                            qc_counts *out);
/* As qc_results_respondent_counts, with the errors of qc_results_document_counts_get. */
QC_EXPORT int qc_results_respondent_counts_get(const qc_results *res, size_t respondent, size_t code, qc_rollup mode,
                                               qc_counts *out, qc_error *err);
/* 1 when the respondent has a quotation of the code (in that mode) anywhere in the corpus, else 0
 * (also out of range): a cell of the respondent matrix, kept in memory, so counts-only results
 * have it too. */
QC_EXPORT int qc_results_respondent_coded(const qc_results *res, size_t respondent, size_t code, qc_rollup mode);

/* Attributes: the casebook's columns, then document header keys (case-insensitively distinct) in
 * order of first appearance, identifiers aside (below). A quotation's value for an attribute is its speaker's in the
 * casebook (for that document), else its document's header value; quotations with no value are not counted under that
 * attribute. Values that differ only in ASCII case are one value (as `where` compares them), named as first seen;
 * values are in order of first appearance. */
QC_EXPORT size_t qc_results_attribute_count(const qc_results *res);
QC_EXPORT const char *qc_results_attribute_name(const qc_results *res, size_t attr);
/* The attributes the counts are not broken down by because they are identifiers: the casebook's
 * (qc_casebook_attribute_is_identifier) and header keys that more than QC_CASEBOOK_IDENTIFIER_MIN
 * documents each gave a value of its own before any value came twice (docs/results.md). Not
 * among qc_results_attribute_count's; `title` and `date` are not listed. The name is borrowed;
 * *casebook_values (may be NULL) is the casebook column's number of distinct values, 0 for a
 * header key. */
QC_EXPORT size_t qc_results_unbroken_attribute_count(const qc_results *res);
QC_EXPORT const char *qc_results_unbroken_attribute_name(const qc_results *res, size_t index, size_t *casebook_values);
QC_EXPORT size_t qc_results_attribute_value_count(const qc_results *res, size_t attr);
/* The value, and in *base (may be NULL) how many coded respondents (participants, and unlabelled
 * text where it is a respondent: not among labelled participants) and documents have it: the
 * denominators of a breakdown. hits and quotations are 0. */
QC_EXPORT const char *qc_results_attribute_value(const qc_results *res, size_t attr, size_t value, qc_counts *base);
QC_EXPORT void qc_results_attribute_counts(const qc_results *res, size_t attr, size_t value, size_t code,
                                           qc_rollup mode, qc_counts *out);

/* Co-occurrence over sentences: the number of sentences that overlap a quotation of code a and a
 * quotation of code b (own quotations); for a == b, the number of sentences a touches. */
QC_EXPORT uint64_t qc_results_cooccurrence(const qc_results *res, size_t a, size_t b);

/* Participant text (participant turns and unlabelled text) no quotation of any code touches. */
typedef struct qc_uncoded_summary {
    uint64_t participant_turns;
    uint64_t uncoded_turns;
    uint64_t participant_length; /* code points in participant turns */
    uint64_t uncoded_length;     /* code points in uncoded participant turns */
} qc_uncoded_summary;
QC_EXPORT void qc_results_uncoded(const qc_results *res, qc_uncoded_summary *out);

/* --- quotations --- */

typedef struct qc_result_quotation {
    size_t code;
    size_t document; /* index in the results */
    const char *document_id;
    const char *speaker; /* NULL for unlabelled text */
    qc_role role;
    size_t turn;
    size_t start, end; /* code points, [start, end) */
    const char *text;  /* the quoted text, NUL-terminated */
    size_t hit_count;
    const qc_hit *hits;
    /* Who coded it: NULL for the engine (qcode's rules), else the person whose coding a manual.xml
     * brought in (results.xml's `coder`). The public walks (qc_results_foreach_quotation,
     * qc_results_read's on_quotation) give the engine's quotations only, so it is NULL there. */
    const char *coder;
    size_t text_len; /* bytes of text; 0 also when not given (then strlen(text)) */
} qc_result_quotation;

/* Called for each quotation; everything is borrowed for the call. A nonzero return stops the walk,
 * which then returns QC_ERR_CANCELLED. */
typedef int (*qc_quotation_fn)(const qc_result_quotation *q, void *user);

#define QC_ALL_CODES ((size_t)-1)

/* Walks the quotations of one code (or QC_ALL_CODES: every code in codebook order), each code's in
 * corpus order (document, then start). Reads them back from the temporary file. Only the engine's:
 * codings people made (qc_run_options.manual) are counted and written to results.xml and
 * quotations.tsv with their coder, but not walked here. Counts-only results have no quotations:
 * QC_ERR_INVALID, fn never called. */
QC_EXPORT int qc_results_foreach_quotation(qc_results *res, size_t code, qc_quotation_fn fn, void *user, qc_error *err);

/* The uncoded participant turns, in corpus order, as quotations with code QC_ALL_CODES and no hits.
 * Counts-only results keep only their summary (qc_results_uncoded): QC_ERR_INVALID. */
QC_EXPORT int qc_results_foreach_uncoded(qc_results *res, qc_quotation_fn fn, void *user, qc_error *err);

/* --- writing --- */

#define QC_WRITE_OPTIONS_VERSION 4
typedef struct qc_write_options {
    unsigned version;
    /* The provenance time stamp, "YYYY-MM-DDTHH:MM:SSZ"; NULL: now (UTC). */
    const char *time;
    /* Include the uncoded turns' text in results.xml (the summary is always there). */
    int uncoded_text;
    /* Threads rendering the quotations and, in format 2, the uncoded turns (version 2; 0 or 1: the
     * calling thread). The bytes written are the same whatever the number. */
    unsigned jobs;
    /* The results.xml format (version 3): 1, or 0 for it, quotations listed by code with per-document
     * and per-speaker breakdowns (docs/results.md); 2, quotations listed by document and span, each
     * span's text once, no breakdowns (docs/results-format-2.md). Another value: QC_ERR_INVALID. */
    unsigned format;
    /* (Version 4.) The commit set the finished file joins (qc_outputs, qcode/common.h), renamed over
     * its target only when the caller commits the set with the run's other outputs; NULL: renamed
     * at once. A stream (qc_results_stream_xml) joins the set of its own options when it is
     * finished. Versions 1 to 3 end before it: no set. */
    qc_outputs *outputs;
} qc_write_options;
#define QC_WRITE_OPTIONS_INIT                                                                                          \
    {                                                                                                                  \
        QC_WRITE_OPTIONS_VERSION, NULL, 1, 1, 1, NULL                                                                  \
    }

/* Writes results.xml (namespace urn:qcode:results:1, schema docs/schema/qcode-results.xsd),
 * streaming and atomically: the file appears whole or not at all. opts may be NULL. Counts-only
 * results cannot make it: QC_ERR_INVALID, and no file is touched. */
QC_EXPORT int qc_results_write_xml(qc_results *res, const char *path, const qc_write_options *opts, qc_error *err);

/* Starts results.xml of format 2 (opts->format must be 2) at path, written while documents are
 * added: the provenance (with the options set so far) and the code tree now, each document with
 * its spans when qc_results_add adds it (rendered by the thread that prepared it: with
 * qc_corpus_run and its results option, the workers), and the rest when qc_results_write_xml is
 * called with the same path, which finishes the file and makes it appear (or, when opts name a
 * commit set, leaves it in the set, to appear when the set is committed). The file is written
 * atomically all the same: until then it does not exist, and results freed without it leave
 * nothing. The bytes are those qc_results_write_xml writes after the run. Call it before the first
 * qc_results_add: QC_ERR_INVALID after, for a second stream, for another format, or for
 * counts-only results. */
QC_EXPORT int qc_results_stream_xml(qc_results *res, const char *path, const qc_write_options *opts, qc_error *err);

/* Writes frequencies.tsv, by-attribute.tsv, quotations.tsv, cooccurrence.tsv and
 * respondent-matrix.tsv into the folder dir (created when missing), atomically: all five replace
 * the old tables together, once every one is written, or none does (a folder made is removed). Counts-only
 * results: QC_ERR_INVALID (quotations.tsv needs the quotations), and dir is not created. */
QC_EXPORT int qc_results_write_tsv(qc_results *res, const char *dir, qc_error *err);
/* qc_results_write_tsv with options (NULL: none), of which only outputs is read: the five tables
 * join that commit set (a folder made for them is removed again when the set is freed
 * uncommitted). Without a set the five are still renamed together, once all are written. */
QC_EXPORT int qc_results_write_tsv_opts(qc_results *res, const char *dir, const qc_write_options *opts, qc_error *err);
/* The name of the index-th table written into the folder ("frequencies.tsv", ...), NULL past the
 * last: for a caller checking that no table would replace one of its inputs. */
QC_EXPORT const char *qc_results_tsv_table(size_t index);

/* --- reading results.xml back --- */

typedef struct qc_results_file_code {
    size_t index;
    const char *id;
    const char *name;
    const char *parent_id; /* NULL for a main code */
    size_t depth;
    qc_counts own, rolled_up;
    /* 1 when own and rolled_up hold the file's counts. 0 for a results.xml of format 2, which lists
     * the code tree before the quotations (on_code is called there, so that the quotations' code
     * indices can be told apart) and the counts after them: own and rolled_up are zero then. */
    int counts_known;
} qc_results_file_code;

/* Callbacks for qc_results_read; any may be NULL. Strings are borrowed for the call. A nonzero
 * return stops reading (QC_ERR_CANCELLED). For quotations, `document` is the document's index in
 * the file and `code` the code's index. */
typedef struct qc_results_handlers {
    int (*on_provenance)(const char *codebook_name, const char *codebook_version, const char *codebook_sha256,
                         void *user);
    int (*on_document)(const qc_result_document *doc, size_t index, void *user);
    int (*on_code)(const qc_results_file_code *code, void *user);
    int (*on_quotation)(const qc_result_quotation *q, void *user);
    void *user;
} qc_results_handlers;

/* Reads a results.xml with a streaming parser (no network, no DTD, no entities), calling the
 * handlers in document order. Errors name the file, line and column. on_quotation receives the
 * engine's quotations only, like qc_results_foreach_quotation: not those with a coder attribute.
 * Format 1 and format 2 (docs/results-format-2.md) are read alike, but in file order: format 2
 * gives the codes (counts_known 0) before the documents, and the quotations document by document
 * inside them, their hits with line and column 0 (the codebook gives them by rule). */
QC_EXPORT int qc_results_read(const char *path, const qc_results_handlers *handlers, qc_error *err);
/* As qc_results_read, but on_quotation receives every quotation: the people's too (results.xml's
 * `coder`, from `qcode code --manual`), with q->coder naming the person (NULL for the engine's). */
QC_EXPORT int qc_results_read_all(const char *path, const qc_results_handlers *handlers, qc_error *err);

/* Receives one code's counts as a results.xml holds them (the counts `qcode code` reported: own,
 * and rolled up the hierarchy, docs/semantics.md "Counts"); code and id are those on_code gave.
 * Borrowed for the call. A nonzero return stops reading (QC_ERR_CANCELLED). */
typedef int (*qc_results_counts_fn)(size_t code, const char *id, const qc_counts *own, const qc_counts *rolled_up,
                                    void *user);
/* As qc_results_read_all, and on_counts (NULL: none), given handlers->user, receives each code's
 * counts where the file gives them: format 1 in its code tree (just after the code's on_code),
 * format 2 in <counts>, after the documents and their quotations, once they are checked against
 * the spans. Either way every code's counts have come when the read returns 0, so a reader that
 * lists quotations as they come has the counts of the same file at its end. */
QC_EXPORT int qc_results_read_all_with_counts(const char *path, const qc_results_handlers *handlers,
                                              qc_results_counts_fn on_counts, qc_error *err);

/* Receives one option a results.xml's provenance records (name and value, borrowed for the call).
 * A nonzero return stops the reading (QC_ERR_CANCELLED). */
typedef int (*qc_results_option_fn)(const char *name, const char *value, void *user);
/* Calls fn with each option the provenance of the results.xml at path records (<options>, the
 * options its run set with qc_results_set_option: `qcode code` records how it read the corpus), in
 * file order. Reads the file's head alone (its first 64 KiB), so a file of any size answers at
 * once. QC_ERR_FORMAT when the head has no <provenance>. */
QC_EXPORT int qc_results_recorded_options(const char *path, qc_results_option_fn fn, void *user, qc_error *err);

/* Receives one recorded interviewer label (a pointer into the text being split). A nonzero return
 * stops the splitting. */
typedef int (*qc_results_label_fn)(const char *label, void *user);
/* Splits, in place, the interviewer labels a provenance records (its "interviewers" option, as
 * `qcode code --interviewer` records them), so that every reader reads them back alike: each label
 * is ended by a line end, or, in a file written by a qcode before 2026-12-06, the labels are
 * joined by commas (a text without a line end is read that way). Each separator in text becomes
 * '\0' and fn is called with each label that is not empty, in order; the labels live as long as
 * text, which the caller owns. text NULL holds no labels. Returns 0, or the first nonzero value
 * fn returns. Thread-safe for distinct texts (no strtok). */
QC_EXPORT int qc_results_split_labels(char *text, qc_results_label_fn fn, void *user);

/* --- running a corpus --- */

typedef struct qc_run_stats {
    size_t documents; /* read and coded */
    size_t failed;    /* could not be read (or coded) */
    size_t issues;    /* coding issues (a regex limit hit) */
    uint64_t bytes;   /* file bytes read */
} qc_run_stats;

/* Receives each coded document, on the calling thread, in input order. A negative return stops
 * the run (qc_corpus_run returns it; fill err). */
typedef int (*qc_run_document_fn)(const qc_document *doc, const qc_coding *coding, const qc_source_info *src,
                                  void *user, qc_error *err);
/* Receives each document that could not be read or coded (err names file, line and column). */
typedef void (*qc_run_error_fn)(const char *path, const qc_error *err, void *user);
/* Receives each coding issue (a regex limit hit in some unit): the message names the code and rule. */
typedef void (*qc_run_issue_fn)(const char *path, const char *message, void *user);
/* Called after each document, for a progress display. */
typedef void (*qc_run_progress_fn)(const qc_run_stats *stats, void *user);

/* qc_recode_options holds these by value: a field added here moves every field after its `run`,
 * so it comes with a new recode options version too (engine/recode.c reads the older layouts). */
#define QC_RUN_OPTIONS_VERSION 3
typedef struct qc_run_options {
    unsigned version;
    const qc_read_options *read; /* NULL: defaults (read->id is ignored: see ids) */
    qc_engine engine;
    unsigned jobs; /* threads, the calling thread one of them; 1: no other; 0: one per online core */
    int strict;    /* stop at the first document that cannot be read */
    qc_run_document_fn on_document;
    qc_run_error_fn on_error;
    qc_run_issue_fn on_issue;
    qc_run_progress_fn on_progress;
    void *user;
    /* The document id of each path (count entries); NULL: each file's name without its folders. */
    const char *const *ids;
    /* Codings people made (qc_manual_load), merged into each document's coding before on_document
     * sees it: counted like quotations of their spans, listed by coder (docs/semantics.md). Used
     * on the calling thread only; warnings go to its on_warning. NULL: none. */
    qc_manual *manual;
    /* (Version 2.) The results that on_document adds each document to, unchanged, with
     * qc_results_add (when on_document is qc_results_add_fn, user is taken for them). With more
     * than one job and no manual, the thread that codes a document then prepares its share of
     * the results (tallies, co-occurrence, quotation records encoded), reading only what
     * qc_results_new set, and qc_results_add on the calling thread merges it in input order: the
     * same results, less work on the calling thread (for counts-only results, no quotation
     * records are encoded). No other thread may use the results during the run. NULL: qc_results_add does all of it on
     * the calling thread. */
    qc_results *results;
    /* (Version 3.) Receives each warning about how a document was read (qc_document_note: a
     * speaker label or voice with no text, skipped; text left outside every turn), on the calling
     * thread, in input order, before that document's coding issues: severity warning, file the
     * path, the note's line, column 1, no source line. The document is coded, and counts as coded.
     * NULL: not reported. */
    qc_diagnostic_fn on_read_warning;
} qc_run_options;
#define QC_RUN_OPTIONS_INIT                                                                                            \
    {                                                                                                                  \
        QC_RUN_OPTIONS_VERSION, NULL, QC_ENGINE_FAST, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL       \
    }

/* Reads and codes the files in jobs - 1 worker threads and this one, at most a few documents ahead
 * of the one being handed over (so memory is bounded), and calls the handlers in input order on
 * this thread, which codes a document itself whenever the next one to hand over is not ready.
 * Accepts options of version 1 (without results), 2 (without on_read_warning) and 3.
 * Returns 0 when the run finished (stats->failed says how many documents failed); with
 * opts->strict, the first failure's status (err names it); or the status a handler returned, or
 * QC_ERR_NOMEM. stats may be NULL. */
QC_EXPORT int qc_corpus_run(const char *const *paths, size_t count, const qc_codebook *cb, const qc_casebook *cases,
                            const qc_run_options *opts, qc_run_stats *stats, qc_error *err);

/* Convenience: a qc_run_document_fn that adds to the qc_results passed as `user`. */
QC_EXPORT int qc_results_add_fn(const qc_document *doc, const qc_coding *coding, const qc_source_info *src,
                                void *user, qc_error *err);

#ifdef __cplusplus
}
#endif
#endif
