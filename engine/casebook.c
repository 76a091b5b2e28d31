/* Casebooks (qcode/casebook.h): a TSV or CSV classification sheet read into rows, with an index
 * on (document, speaker) so lookups stay constant-time however often the aggregator asks. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qcode/casebook.h"

#include "alloc.h"
#include "buf.h"
#include "casebook_impl.h"
#include "error.h"
#include "fileio.h"
#include "sha256.h"
#include "text.h"
#include "utf16.h"

/* Casebooks are small; this bound only stops a wrong file from eating memory. */
#define MAX_CASEBOOK_BYTES ((size_t)256 << 20)

typedef struct case_row {
    char *speaker;  /* NULL: any speaker */
    char *document; /* NULL: any document */
    char **values;  /* attribute_count entries, NULL when the cell is empty */
    uint32_t line;
} case_row;

struct qc_casebook {
    char *file;   /* casebook_impl.h */
    char **names; /* attribute names */
    size_t attr_count;
    case_row *rows;
    size_t row_count, row_cap;
    int32_t *slots; /* open addressing over rows by (document, speaker) */
    size_t slot_cap;
    int has_speakers; /* some row names a speaker */
    /* What a reading depends on (qc_casebook_speakers_digest), made once at load: the digest of
     * the people the rows for every document name (global_sha, when global_speakers), and of each
     * document some rows name people for (doc_digests, by the hash of its folded id). */
    int global_speakers;
    unsigned char global_sha[32];
    struct doc_digest *doc_digests;
    size_t doc_digest_count;
};

typedef struct doc_digest {
    uint64_t doc_hash;
    uint32_t row; /* a row of the document: its id, compared as the index compares ids */
    unsigned char sha[32];
} doc_digest;

/* --- parsing --- */

typedef struct field {
    size_t start, end; /* raw bytes (quotes included) */
    uint32_t column;   /* code-point column where it starts */
} field;

typedef struct sheet_parser {
    const char *name;
    const char *s;
    size_t len, pos;
    uint32_t line;
    char delim;
} sheet_parser;

/* A CSV's separator, from its header line: ';' when it has more semicolons than commas outside
 * quotes, as Excel writes CSV where the comma is the decimal mark (German, French, Danish... locales),
 * else ','. */
static char csv_delimiter(const char *s, size_t header_len)
{
    size_t commas = 0, semicolons = 0;
    int quoted = 0;
    for (size_t i = 0; i < header_len; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == ',')
            commas++;
        else if (!quoted && s[i] == ';')
            semicolons++;
    }
    return semicolons > commas ? ';' : ',';
}

/* Reads one record into fields (cells appended to `cells`, NUL-separated). Returns the field
 * count, 0 at the end, or a negative status. */
static int next_record(sheet_parser *p, qc_buf *cells, size_t **offsets, size_t *cap, uint32_t **columns, size_t *count,
                       uint32_t *record_line, qc_error *err)
{
    *count = 0;
    qc_buf_clear(cells);
    if (p->pos >= p->len)
        return 0;
    *record_line = p->line;
    uint32_t column = 1;
    for (;;) {
        size_t ccap = *cap;
        if (QC_GROW(*offsets, *cap, *count + 1) != 0 || QC_GROW(*columns, ccap, *count + 1) != 0)
            return qc_error_nomem(err);
        (*offsets)[*count] = cells->len;
        (*columns)[*count] = column;
        (*count)++;
        int quoted = p->delim != '\t' && p->pos < p->len && p->s[p->pos] == '"';
        if (quoted) {
            uint32_t qline = p->line, qcol = column;
            p->pos++;
            column++;
            for (;;) {
                if (p->pos >= p->len)
                    return qc_error_set(err, QC_ERR_FORMAT, p->name, qline, qcol, -1,
                                        "unterminated quoted field (a \" is never closed)");
                char c = p->s[p->pos++];
                if (c == '"') {
                    if (p->pos < p->len && p->s[p->pos] == '"') {
                        qc_buf_putc(cells, '"');
                        p->pos++;
                        column += 2;
                        continue;
                    }
                    column++;
                    break;
                }
                if (c == '\r' || c == '\n') {
                    if (c == '\r' && p->pos < p->len && p->s[p->pos] == '\n')
                        p->pos++;
                    qc_buf_putc(cells, '\n');
                    p->line++;
                    column = 1;
                    continue;
                }
                qc_buf_putc(cells, c);
                if (((unsigned char)c & 0xC0) != 0x80)
                    column++;
            }
            if (p->pos < p->len && p->s[p->pos] != p->delim && p->s[p->pos] != '\n' && p->s[p->pos] != '\r')
                return qc_error_set(err, QC_ERR_FORMAT, p->name, p->line, column, -1,
                                    "text after a closing quote (write \"\" for a quote inside a quoted field)");
        } else {
            while (p->pos < p->len && p->s[p->pos] != p->delim && p->s[p->pos] != '\n' && p->s[p->pos] != '\r') {
                char c = p->s[p->pos++];
                qc_buf_putc(cells, c);
                if (((unsigned char)c & 0xC0) != 0x80)
                    column++;
            }
        }
        qc_buf_putc(cells, '\0');
        if (qc_buf_failed(cells))
            return qc_error_nomem(err);
        if (p->pos < p->len && p->s[p->pos] == p->delim) {
            p->pos++;
            column++;
            continue;
        }
        if (p->pos < p->len) {
            if (p->s[p->pos] == '\r' && p->pos + 1 < p->len && p->s[p->pos + 1] == '\n')
                p->pos++;
            p->pos++;
        }
        p->line++;
        return 1;
    }
}

/* Trims spaces around a cell in place; returns it. */
static char *trim_cell(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* --- the (document, speaker) index --- */

static uint64_t hash_key(const char *document, const char *speaker)
{
    const char *d = document ? document : "", *sp = speaker ? speaker : "";
    return qc_fold_hash(d, strlen(d)) * 31 + qc_fold_hash(sp, strlen(sp));
}

/* Keys compare without case (qc_fold_equal): "Interviewer" in a sheet matches "interviewer", and
 * "Élodie" matches "élodie", as the readers' label tally and the results' respondents have it. */
static int same(const char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    return qc_fold_equal(a, strlen(a), b, strlen(b));
}

static int32_t *slot_for(const qc_casebook *cb, int32_t *slots, size_t cap, const char *document, const char *speaker)
{
    size_t i = (size_t)hash_key(document, speaker) & (cap - 1);
    while (slots[i] >= 0) {
        const case_row *r = &cb->rows[slots[i]];
        if (same(r->document, document) && same(r->speaker, speaker))
            break;
        i = (i + 1) & (cap - 1);
    }
    return &slots[i];
}

static int build_index(qc_casebook *cb, const char *name, qc_error *err)
{
    size_t cap = 16;
    while (cap < cb->row_count * 2 + 2)
        cap *= 2;
    cb->slots = qc_malloc(cap * sizeof *cb->slots);
    if (!cb->slots)
        return qc_error_nomem(err);
    cb->slot_cap = cap;
    for (size_t i = 0; i < cap; i++)
        cb->slots[i] = -1;
    for (size_t i = 0; i < cb->row_count; i++) {
        const case_row *r = &cb->rows[i];
        int32_t *slot = slot_for(cb, cb->slots, cap, r->document, r->speaker);
        if (*slot >= 0)
            return qc_error_set(err, QC_ERR_FORMAT, name, r->line, 1, -1,
                                "duplicate row for %s%s%s%s (first given on line %u)", r->speaker ? "speaker " : "",
                                r->speaker ? r->speaker : "",
                                r->document ? (r->speaker ? " in document " : "document ") : "",
                                r->document ? r->document : "", cb->rows[*slot].line);
        *slot = (int32_t)i;
    }
    return 0;
}

static const case_row *find_row(const qc_casebook *cb, const char *document, const char *speaker);

/* A speaker row, its keys folded as the index compares them (`Élodie` is `élodie`). */
typedef struct folded_row {
    uint64_t doc_hash;
    uint32_t row;
    char *doc, *speaker; /* doc NULL: the row is for every document */
} folded_row;

/* Documents (by hash, then folded id), then speakers in order: a document's people together,
 * sorted; the rows for every document first. */
static int cmp_folded(const void *a, const void *b)
{
    const folded_row *x = a, *y = b;
    if (!x->doc != !y->doc)
        return x->doc ? 1 : -1;
    if (x->doc_hash != y->doc_hash)
        return x->doc_hash < y->doc_hash ? -1 : 1;
    int c = x->doc ? strcmp(x->doc, y->doc) : 0;
    return c ? c : strcmp(x->speaker, y->speaker);
}

/* The digest of the people of one document, f[0..n) sorted: those of every document (by their
 * digest), then its own that are not among them, distinct. */
static void digest_people(const qc_casebook *cb, const folded_row *f, size_t n, unsigned char out[32])
{
    qc_sha256_ctx ctx;
    qc_sha256_init(&ctx);
    qc_sha256_update_str(&ctx, "qcode casebook speakers 2");
    if (cb->global_speakers)
        qc_sha256_update(&ctx, cb->global_sha, sizeof cb->global_sha);
    qc_sha256_update(&ctx, "\x1e", 1);
    for (size_t i = 0; i < n; i++) {
        if ((i && strcmp(f[i].speaker, f[i - 1].speaker) == 0) ||
            (cb->global_speakers && find_row(cb, NULL, cb->rows[f[i].row].speaker)))
            continue;
        qc_sha256_update_str(&ctx, f[i].speaker);
        qc_sha256_update(&ctx, "\x1f", 1);
    }
    qc_sha256_final(&ctx, out);
}

/* Prepares what qc_casebook_speakers_digest gives: a reading trusts the labels the rows for its
 * document or for every document name (qc_casebook_knows_speaker), and nothing else of the
 * casebook, so a row added or changed for one document must not change another's key; their order
 * in the sheet does not matter either. */
static int index_speakers(qc_casebook *cb)
{
    size_t n = 0;
    for (size_t i = 0; i < cb->row_count; i++)
        n += cb->rows[i].speaker != NULL;
    if (!n)
        return 0;
    cb->has_speakers = 1;
    folded_row *f = qc_calloc(n, sizeof *f);
    int rc = f ? 0 : -1;
    size_t k = 0;
    for (size_t i = 0; rc == 0 && i < cb->row_count; i++) {
        const case_row *r = &cb->rows[i];
        if (!r->speaker)
            continue;
        folded_row *d = &f[k++];
        d->row = (uint32_t)i;
        d->speaker = qc_fold_dup(r->speaker);
        d->doc = r->document ? qc_fold_dup(r->document) : NULL;
        d->doc_hash = r->document ? qc_fold_hash(r->document, strlen(r->document)) : 0;
        if (!d->speaker || (r->document && !d->doc))
            rc = -1;
    }
    if (rc == 0) {
        qsort(f, n, sizeof *f, cmp_folded);
        size_t global = 0;
        while (global < n && !f[global].doc)
            global++;
        if (global) {
            /* the people of every document, distinct: a digest of their own, part of each one's */
            qc_sha256_ctx ctx;
            qc_sha256_init(&ctx);
            qc_sha256_update_str(&ctx, "qcode casebook speakers of every document 1");
            for (size_t i = 0; i < global; i++) {
                if (i && strcmp(f[i].speaker, f[i - 1].speaker) == 0)
                    continue;
                qc_sha256_update_str(&ctx, f[i].speaker);
                qc_sha256_update(&ctx, "\x1f", 1);
            }
            qc_sha256_final(&ctx, cb->global_sha);
            cb->global_speakers = 1;
        }
        /* (a digest per document: at most one per row) */
        cb->doc_digests = n > global ? qc_calloc(n - global, sizeof *cb->doc_digests) : NULL;
        if (n > global && !cb->doc_digests)
            rc = -1;
        for (size_t i = global; rc == 0 && i < n;) {
            size_t e = i + 1;
            while (e < n && f[e].doc_hash == f[i].doc_hash && strcmp(f[e].doc, f[i].doc) == 0)
                e++;
            doc_digest *d = &cb->doc_digests[cb->doc_digest_count++];
            d->doc_hash = f[i].doc_hash;
            d->row = f[i].row;
            digest_people(cb, f + i, e - i, d->sha);
            i = e;
        }
    }
    for (size_t i = 0; f && i < n; i++) {
        qc_free(f[i].speaker);
        qc_free(f[i].doc);
    }
    qc_free(f);
    return rc;
}

int qc_casebook_speakers_digest(const qc_casebook *cb, const char *document_id, unsigned char out[32])
{
    if (!cb || !cb->has_speakers)
        return 0;
    /* The document's own digest, filed under its id's hash, checked as the index checks ids. */
    uint64_t h = document_id ? qc_fold_hash(document_id, strlen(document_id)) : 0;
    size_t lo = 0, hi = document_id ? cb->doc_digest_count : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cb->doc_digests[mid].doc_hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; document_id && i < cb->doc_digest_count && cb->doc_digests[i].doc_hash == h; i++) {
        if (same(cb->rows[cb->doc_digests[i].row].document, document_id)) {
            memcpy(out, cb->doc_digests[i].sha, 32);
            return 1;
        }
    }
    if (!cb->global_speakers)
        return 0; /* no row concerns this document: it is read as with no casebook */
    digest_people(cb, NULL, 0, out);
    return 1;
}

int qc_casebook_has_speakers(const qc_casebook *cb)
{
    return cb && cb->has_speakers;
}

int qc_casebook_name_compare(const char *a, const char *b)
{
    return qc_fold_compare(a, strlen(a), b, strlen(b));
}

size_t qc_casebook_name_fold(const char *name, char *out, size_t cap)
{
    char *folded = qc_fold_dup(name ? name : "");
    if (!folded) {
        if (cap)
            *out = '\0';
        return SIZE_MAX;
    }
    size_t len = strlen(folded);
    if (cap) {
        size_t n = len < cap ? len : cap - 1;
        while (n < len && n > 0 && ((unsigned char)folded[n] & 0xC0) == 0x80)
            n--; /* cut before a character, not inside it */
        memcpy(out, folded, n);
        out[n] = '\0';
    }
    qc_free(folded);
    return len;
}

const char *qc_casebook_file(const qc_casebook *cb)
{
    return cb->file;
}

static const case_row *find_row(const qc_casebook *cb, const char *document, const char *speaker)
{
    if (!cb->slots)
        return NULL;
    int32_t i = *slot_for(cb, cb->slots, cb->slot_cap, document, speaker);
    return i >= 0 ? &cb->rows[i] : NULL;
}

uint32_t qc_casebook_row_line(const qc_casebook *cb, const char *document_id, const char *speaker)
{
    const case_row *r = find_row(cb, document_id, speaker);
    return r ? r->line : 0;
}

/* --- loading --- */

void qc_casebook_free(qc_casebook *cb)
{
    if (!cb)
        return;
    for (size_t i = 0; i < cb->row_count; i++) {
        qc_free(cb->rows[i].speaker);
        qc_free(cb->rows[i].document);
        /* A row whose values failed to allocate has none to free. */
        for (size_t k = 0; cb->rows[i].values && k < cb->attr_count; k++)
            qc_free(cb->rows[i].values[k]);
        qc_free(cb->rows[i].values);
    }
    qc_free(cb->rows);
    for (size_t k = 0; k < cb->attr_count; k++)
        qc_free(cb->names[k]);
    qc_free(cb->names);
    qc_free(cb->slots);
    qc_free(cb->doc_digests);
    qc_free(cb->file);
    qc_free(cb);
}

static char *dup_or_null(const char *s)
{
    return *s ? qc_strdup(s) : NULL;
}

typedef struct load_state {
    sheet_parser p;
    qc_buf cells;
    size_t *offsets;
    uint32_t *columns;
    size_t cap, count;
    uint32_t line;
    long speaker_col, document_col;
    size_t header_count;
    size_t *attr_of_col; /* column -> attribute index, or SIZE_MAX */
} load_state;

typedef struct named_column {
    const char *name;
    size_t col;
} named_column;

static int name_compare(const char *a, const char *b)
{
    return qc_fold_compare(a, strlen(a), b, strlen(b));
}

/* Column names compare as names (qc_fold_compare): `Région` and `RÉGION`, `Weiß` and `WEISS` are
 * one attribute, which `where` and the breakdowns find by its name in any case. */
static int by_name_then_column(const void *pa, const void *pb)
{
    const named_column *a = pa, *b = pb;
    int c = name_compare(a->name, b->name);
    return c ? c : (a->col > b->col) - (a->col < b->col);
}

/* The first column whose name an earlier one has, as an error; 0 when names are distinct. Sorted,
 * not compared pairwise: a header of 100,000 columns took 28 s. */
static int refuse_repeated_columns(const qc_casebook *cb, const load_state *st, qc_error *err)
{
    if (cb->attr_count < 2)
        return 0;
    named_column *v = qc_malloc(cb->attr_count * sizeof *v);
    if (!v)
        return qc_error_nomem(err);
    for (size_t i = 0; i < st->header_count; i++)
        if (st->attr_of_col[i] != SIZE_MAX)
            v[st->attr_of_col[i]] = (named_column){cb->names[st->attr_of_col[i]], i};
    qsort(v, cb->attr_count, sizeof *v, by_name_then_column);
    size_t repeated = SIZE_MAX;
    for (size_t k = 1; k < cb->attr_count; k++)
        if (name_compare(v[k - 1].name, v[k].name) == 0 && v[k].col < repeated &&
            (k == 1 || name_compare(v[k - 2].name, v[k].name) != 0))
            repeated = v[k].col;
    qc_free(v);
    if (repeated == SIZE_MAX)
        return 0;
    return qc_error_set(err, QC_ERR_FORMAT, st->p.name, st->line, st->columns[repeated], -1,
                        "column '%s' appears twice in the header", cb->names[st->attr_of_col[repeated]]);
}

static int read_header(qc_casebook *cb, load_state *st, qc_error *err)
{
    int rc;
    /* Blank lines before the header are skipped like any other. */
    do {
        rc = next_record(&st->p, &st->cells, &st->offsets, &st->cap, &st->columns, &st->count, &st->line, err);
    } while (rc == 1 && st->count == 1 && st->cells.data[0] == '\0');
    if (rc < 0)
        return rc;
    if (rc == 0)
        return qc_error_set(err, QC_ERR_FORMAT, st->p.name, 0, 0, -1, "empty casebook (a header row is required)");
    st->header_count = st->count;
    st->attr_of_col = qc_malloc(st->count * sizeof *st->attr_of_col);
    cb->names = qc_calloc(st->count, sizeof *cb->names);
    if (!st->attr_of_col || !cb->names)
        return qc_error_nomem(err);
    st->speaker_col = st->document_col = -1;
    for (size_t i = 0; i < st->count; i++) {
        char *name = trim_cell(st->cells.data + st->offsets[i]);
        st->attr_of_col[i] = SIZE_MAX;
        /* A second key column was read as an attribute named like the key, which `where` and the
         * breakdowns then used instead of the key's values. */
        if ((strcasecmp(name, "speaker") == 0 && st->speaker_col >= 0) ||
            (strcasecmp(name, "document") == 0 && st->document_col >= 0))
            return qc_error_set(err, QC_ERR_FORMAT, st->p.name, st->line, st->columns[i], -1,
                                "column '%s' appears twice in the header", name);
        if (strcasecmp(name, "speaker") == 0) {
            st->speaker_col = (long)i;
        } else if (strcasecmp(name, "document") == 0) {
            st->document_col = (long)i;
        } else {
            if (!*name)
                return qc_error_set(err, QC_ERR_FORMAT, st->p.name, st->line, st->columns[i], -1,
                                    "empty column name in the header");
            st->attr_of_col[i] = cb->attr_count;
            cb->names[cb->attr_count] = qc_strdup(name);
            if (!cb->names[cb->attr_count++])
                return qc_error_nomem(err);
        }
    }
    rc = refuse_repeated_columns(cb, st, err);
    if (rc != 0)
        return rc;
    if (st->speaker_col < 0 && st->document_col < 0)
        return qc_error_set(err, QC_ERR_FORMAT, st->p.name, st->line, 1, -1,
                            "the header has no 'speaker' or 'document' column");
    return 0;
}

static int read_rows(qc_casebook *cb, load_state *st, qc_error *err)
{
    int rc;
    while ((rc = next_record(&st->p, &st->cells, &st->offsets, &st->cap, &st->columns, &st->count, &st->line, err)) ==
           1) {
        if (st->count == 1 && st->cells.data[0] == '\0')
            continue; /* an empty line */
        if (st->count > st->header_count)
            return qc_error_set(err, QC_ERR_FORMAT, st->p.name, st->line, st->columns[st->header_count], -1,
                                "row has %zu fields but the header has %zu columns", st->count, st->header_count);
        if (QC_GROW(cb->rows, cb->row_cap, cb->row_count + 1) != 0)
            return qc_error_nomem(err);
        case_row *row = &cb->rows[cb->row_count++];
        memset(row, 0, sizeof *row);
        row->line = st->line;
        row->values = qc_calloc(cb->attr_count ? cb->attr_count : 1, sizeof *row->values);
        if (!row->values)
            return qc_error_nomem(err);
        for (size_t i = 0; i < st->count; i++) {
            char *cell = trim_cell(st->cells.data + st->offsets[i]);
            if (!*cell)
                continue;
            char **dst = (long)i == st->speaker_col    ? &row->speaker
                         : (long)i == st->document_col ? &row->document
                                                       : &row->values[st->attr_of_col[i]];
            if (!(*dst = dup_or_null(cell)))
                return qc_error_nomem(err);
        }
        if (!row->speaker && !row->document)
            return qc_error_set(err, QC_ERR_FORMAT, st->p.name, st->line, 1, -1,
                                "row names neither a speaker nor a document");
    }
    return rc;
}

static int load_utf8(qc_casebook **out, const char *name, const char *s, size_t size, qc_error *err)
{
    int rc;
    size_t mark = size >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* offsets count it, as the file's */
    s += mark, size -= mark;
    size_t bad;
    int valid = qc_utf8_valid(s, size, &bad);
    const char *nul = valid ? memchr(s, '\0', size) : NULL;
    if (!valid || nul) {
        size_t at = valid ? (size_t)(nul - s) : bad;
        uint32_t line = 1, col = 1;
        for (size_t i = 0; i < at; i++) {
            if (s[i] == '\n')
                line++, col = 1;
            else if (((unsigned char)s[i] & 0xC0) != 0x80)
                col++;
        }
        if (nul) /* where, as for a transcript: a stray NUL in an edited file is found and mended */
            return qc_error_set(err, QC_ERR_FORMAT, name, line, col, (int64_t)(mark + at),
                                "binary file (NUL byte at offset %zu), not a casebook", mark + at);
        return qc_error_set(err, QC_ERR_ENCODING, name, line, col, (int64_t)(mark + bad),
                            "invalid UTF-8 (byte 0x%02X); if Excel saved it as plain CSV (\"ANSI\"), save it again as "
                            "\"CSV UTF-8\", or convert it with iconv -f windows-1252 -t utf-8",
                            (unsigned char)s[bad]);
    }
    size_t n = strlen(name);
    const char *eol = memchr(s, '\n', size);
    size_t first = eol ? (size_t)(eol - s) : size;
    /* Excel's directive line, "sep=;" before the header, names the separator: the header is the
     * next line. */
    size_t start = 0;
    char sep = 0;
    if ((first == 5 || (first == 6 && s[5] == '\r')) && strncasecmp(s, "sep=", 4) == 0 &&
        (s[4] == ';' || s[4] == ',' || s[4] == '\t')) {
        sep = s[4];
        start = eol ? first + 1 : size;
        eol = memchr(s + start, '\n', size - start);
        first = (eol ? (size_t)(eol - s) : size) - start;
    }
    int tsv =
        sep ? sep == '\t' : (n >= 4 && strcasecmp(name + n - 4, ".tsv") == 0) || memchr(s + start, '\t', first) != NULL;
    char delim = sep ? sep : tsv ? '\t' : csv_delimiter(s + start, first);

    qc_casebook *cb = qc_calloc(1, sizeof *cb);
    if (!cb || !(cb->file = qc_strdup(name))) {
        qc_free(cb);
        return qc_error_nomem(err);
    }
    load_state st = {0};
    st.p = (sheet_parser){name, s, size, start, start ? 2 : 1, delim};
    st.cells = (qc_buf)QC_BUF_INIT;
    rc = read_header(cb, &st, err);
    if (rc == 0)
        rc = read_rows(cb, &st, err);
    if (rc == 0)
        rc = build_index(cb, name, err);
    if (rc == 0)
        rc = index_speakers(cb) != 0 ? qc_error_nomem(err) : 0;
    qc_buf_free(&st.cells);
    qc_free(st.offsets);
    qc_free(st.columns);
    qc_free(st.attr_of_col);
    if (rc != 0) {
        qc_casebook_free(cb);
        return rc;
    }
    *out = cb;
    return 0;
}

int qc_casebook_load_buffer(qc_casebook **out, const char *name, const void *data, size_t size, qc_error *err)
{
    if (!out || !name || (!data && size))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_casebook_load_buffer: NULL argument");
    *out = NULL;
    const char *s = data ? data : "";
    /* Excel's "Unicode text" is UTF-16: read as its UTF-8, as codebooks and transcripts are. */
    int bom, kind = qc_utf16_kind(s, size, &bom);
    if (!kind)
        return load_utf8(out, name, s, size, err);
    qc_buf utf8 = QC_BUF_INIT;
    int rc = qc_utf16_to_utf8(name, s, size, kind, bom, &utf8, err);
    if (rc == 0) {
        rc = load_utf8(out, name, qc_buf_cstr(&utf8), utf8.len, err);
        if (rc != 0) /* its offsets count the UTF-8 copy: the file's instead (a NUL's) */
            qc_utf16_error_in_file(err, name, qc_buf_cstr(&utf8), utf8.len, bom);
    }
    qc_buf_free(&utf8);
    return rc;
}

int qc_casebook_load(qc_casebook **out, const char *path, qc_error *err)
{
    if (!out || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_casebook_load: NULL argument");
    *out = NULL;
    char *data = NULL;
    size_t size = 0;
    int rc = qc_file_read(path, MAX_CASEBOOK_BYTES, &data, &size, err);
    if (rc != 0)
        return rc;
    rc = qc_casebook_load_buffer(out, path, data, size, err);
    qc_free(data);
    return rc;
}

size_t qc_casebook_attribute_count(const qc_casebook *cb)
{
    return cb->attr_count;
}

const char *qc_casebook_attribute_name(const qc_casebook *cb, size_t index)
{
    return index < cb->attr_count ? cb->names[index] : NULL;
}

long qc_casebook_attribute_named(const qc_casebook *cb, const char *key)
{
    size_t klen = key ? strlen(key) : 0;
    for (size_t a = 0; cb && key && a < cb->attr_count; a++)
        if (cb->names[a] && qc_fold_equal(cb->names[a], strlen(cb->names[a]), key, klen))
            return (long)a;
    return -1;
}

size_t qc_casebook_row_count(const qc_casebook *cb)
{
    return cb->row_count;
}

int qc_casebook_row(const qc_casebook *cb, size_t index, const char **document, const char **speaker, uint32_t *line)
{
    if (!cb || index >= cb->row_count)
        return QC_ERR_NOTFOUND;
    const case_row *r = &cb->rows[index];
    if (document)
        *document = r->document;
    if (speaker)
        *speaker = r->speaker;
    if (line)
        *line = r->line;
    return QC_OK;
}

const char *qc_casebook_value(const qc_casebook *cb, const char *document_id, const char *speaker, size_t index)
{
    if (index >= cb->attr_count)
        return NULL;
    const case_row *tries[3] = {
        document_id && speaker ? find_row(cb, document_id, speaker) : NULL,
        speaker ? find_row(cb, NULL, speaker) : NULL,
        document_id ? find_row(cb, document_id, NULL) : NULL,
    };
    for (int i = 0; i < 3; i++)
        if (tries[i] && tries[i]->values[index])
            return tries[i]->values[index];
    return NULL;
}

const char *qc_casebook_row_value(const qc_casebook *cb, const char *document_id, const char *speaker, size_t index)
{
    if (index >= cb->attr_count || (!document_id && !speaker))
        return NULL;
    const case_row *r = find_row(cb, document_id, speaker);
    return r ? r->values[index] : NULL;
}

int qc_casebook_knows_speaker(const qc_casebook *cb, const char *document_id, const char *speaker)
{
    if (!speaker)
        return 0;
    return find_row(cb, NULL, speaker) != NULL || (document_id && find_row(cb, document_id, speaker) != NULL);
}
