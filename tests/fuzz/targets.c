/* nftw needs X/Open. */
#define _XOPEN_SOURCE 700

#include "targets.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qcode.h>
#include <zlib.h>

/* People a casebook names (for every document and for the fuzzed ones): their labels are trusted
 * even once. Loaded on first use and kept for the process. */
static const qc_casebook *fuzz_casebook(void)
{
    static qc_casebook *cb;
    static const char tsv[] = "document\tspeaker\trole\n\tManager\tlead\n\tMary Major\tnurse\nfuzz.txt\tnurse\tx\n"
                              "fuzz.vtt\tJohn Doe\ty\nfuzz.docx\tQ\tz\n";
    if (!cb && qc_casebook_load_buffer(&cb, "cases.tsv", tsv, sizeof tsv - 1, NULL) != 0)
        __builtin_trap();
    return cb;
}

/* The first byte picks options, as cmark's fuzzer does, so one target covers the reader's modes. */
static qc_read_options options_from(uint8_t selector)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    opts.encoding = (selector & 1) ? QC_ENCODING_WINDOWS1252 : QC_ENCODING_UTF8;
    opts.speakers = (selector & 2) ? QC_SPEAKERS_NONE : QC_SPEAKERS_AUTO;
    opts.casebook = (selector & 4) ? fuzz_casebook() : NULL;
    return opts;
}

/* Walks everything a reader produced, so that bad offsets show up under the sanitizers. */
static void touch_document(const qc_document *doc)
{
    size_t size = 0;
    const char *text = qc_document_text(doc, &size);
    size_t length = qc_document_length(doc);
    volatile unsigned sink = 0;
    for (size_t i = 0; i < size; i++)
        sink += (unsigned char)text[i];
    for (size_t i = 0; i < qc_document_turn_count(doc); i++) {
        qc_turn t;
        if (qc_document_turn(doc, i, &t) == 0 && (t.start > t.end || t.end > length))
            __builtin_trap();
    }
    for (int kind = QC_UNIT_PARAGRAPH; kind <= QC_UNIT_WORD; kind++) {
        for (size_t i = 0; i < qc_document_unit_count(doc, (qc_unit_kind)kind); i++) {
            qc_unit u;
            if (qc_document_unit(doc, (qc_unit_kind)kind, i, &u) == 0 && (u.start > u.end || u.end > length))
                __builtin_trap();
        }
    }
    sink += (unsigned)qc_document_source_offset(doc, length);
    sink += (unsigned)qc_document_utf16_offset(doc, length);
    sink += (unsigned)qc_document_text_offset(doc, length);
    (void)sink;
}

static int read_as(const char *name, const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    qc_read_options opts = options_from(data[0]);
    qc_document *doc = NULL;
    qc_error err;
    if (qc_document_read_buffer(&doc, name, data + 1, size - 1, &opts, &err) == 0) {
        touch_document(doc);
        qc_document_free(doc);
    }
    return 0;
}

static int fuzz_text(const uint8_t *data, size_t size)
{
    return read_as("fuzz.txt", data, size);
}

static int fuzz_vtt(const uint8_t *data, size_t size)
{
    return read_as("fuzz.vtt", data, size);
}

static int fuzz_srt(const uint8_t *data, size_t size)
{
    return read_as("fuzz.srt", data, size);
}

static int fuzz_docx(const uint8_t *data, size_t size)
{
    return read_as("fuzz.docx", data, size);
}

/* Appends n little-endian bytes of v. */
static unsigned char *put_le(unsigned char *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

/* The input (after the selector byte) as word/document.xml of a .docx, stored uncompressed with a
 * good CRC-32: the zip fuzzed whole (`docx`) rarely gets past inflate and the checksum to the XML,
 * where the reader's paragraphs, runs, labels and entities are. */
static int fuzz_docx_xml(const uint8_t *data, size_t size)
{
    static const char part[] = "word/document.xml";
    const uint32_t nlen = sizeof part - 1;
    if (size < 1 || size - 1 > 0xFFFFFFF)
        return 0;
    uint32_t len = (uint32_t)(size - 1);
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data + 1, len);
    size_t total = 30 + nlen + len + 46 + nlen + 22;
    unsigned char *in = malloc(1 + total); /* the selector byte, then the zip, as read_as takes them */
    if (!in)
        return 0;
    unsigned char *zip = in + 1, *p = zip;
    in[0] = data[0];
    /* Local header: signature, version 2.0, no flags, stored, no time, the sizes. */
    p = put_le(p, 0x04034b50, 4), p = put_le(p, 20, 2), p = put_le(p, 0, 2), p = put_le(p, 0, 2);
    p = put_le(p, 0, 4), p = put_le(p, crc, 4), p = put_le(p, len, 4), p = put_le(p, len, 4);
    p = put_le(p, nlen, 2), p = put_le(p, 0, 2);
    memcpy(p, part, nlen), p += nlen;
    if (len)
        memcpy(p, data + 1, len);
    p += len;
    /* Central directory entry, then its end record. */
    unsigned char *cd = p;
    p = put_le(p, 0x02014b50, 4), p = put_le(p, 20, 2), p = put_le(p, 20, 2), p = put_le(p, 0, 2);
    p = put_le(p, 0, 2), p = put_le(p, 0, 4), p = put_le(p, crc, 4), p = put_le(p, len, 4);
    p = put_le(p, len, 4), p = put_le(p, nlen, 2), p = put_le(p, 0, 2), p = put_le(p, 0, 2);
    p = put_le(p, 0, 2), p = put_le(p, 0, 2), p = put_le(p, 0, 4), p = put_le(p, 0, 4);
    memcpy(p, part, nlen), p += nlen;
    uint32_t cd_size = (uint32_t)(p - cd), cd_at = (uint32_t)(cd - zip);
    p = put_le(p, 0x06054b50, 4), p = put_le(p, 0, 2), p = put_le(p, 0, 2), p = put_le(p, 1, 2);
    p = put_le(p, 1, 2), p = put_le(p, cd_size, 4), p = put_le(p, cd_at, 4), p = put_le(p, 0, 2);
    read_as("fuzz.docx", in, 1 + total);
    free(in);
    return 0;
}

static void ignore_diagnostic(const qc_diagnostic *diag, void *user)
{
    (void)diag;
    (void)user;
}

static int fuzz_codebook(const uint8_t *data, size_t size)
{
    qc_codebook_options opts = QC_CODEBOOK_OPTIONS_INIT;
    opts.on_diagnostic = ignore_diagnostic;
    opts.regex_match_limit = 10000;
    qc_codebook *cb = NULL;
    qc_error err;
    if (qc_codebook_load_buffer(&cb, "fuzz.qcb", data, size, &opts, &err) != 0)
        return 0;
    /* A codebook that compiles must also code a document without trouble. */
    static const char transcript[] = "Interviewer: How is the team?\n\n"
                                     "S1: We are co-located now, in the same office. It's not helpful!\n"
                                     "The district nurse can walk over and ask for advice.\n";
    qc_document *doc = NULL;
    qc_coder *coder = NULL;
    qc_coding *coding = NULL;
    if (qc_document_read_buffer(&doc, "t.txt", transcript, sizeof transcript - 1, NULL, &err) == 0 &&
        qc_coder_new(&coder, cb, NULL, &err) == 0 && qc_coder_code(coder, doc, NULL, &coding, &err) == 0) {
        for (size_t i = 0; i < qc_coding_quotation_count(coding); i++) {
            qc_quotation q;
            if (qc_coding_quotation(coding, i, &q) == 0 && (q.start > q.end || q.end > qc_document_length(doc)))
                __builtin_trap();
        }
    }
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
    return 0;
}

/* --- readers that take a path: the input goes to a file in a private folder first --- */

static char work_dir[512];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_work_dir(void)
{
    if (work_dir[0])
        nftw(work_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The private folder (made once, removed at exit); NULL when it cannot be made. */
static const char *work(void)
{
    if (!work_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(work_dir, sizeof work_dir, "%s/qcode-fuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(work_dir)) {
            work_dir[0] = '\0';
            return NULL;
        }
        atexit(remove_work_dir);
    }
    return work_dir;
}

/* Writes the input to work()/name; returns the path in buf, or NULL. */
static const char *write_input(const char *name, const uint8_t *data, size_t size, char *buf, size_t cap)
{
    const char *dir = work();
    if (!dir)
        return NULL;
    snprintf(buf, cap, "%s/%s", dir, name);
    FILE *fp = fopen(buf, "wb");
    if (!fp)
        return NULL;
    size_t n = size ? fwrite(data, 1, size, fp) : 0;
    if (fclose(fp) != 0 || n != size)
        return NULL;
    return buf;
}

static void ignore_warning(const qc_diagnostic *diag, void *user)
{
    /* Touch what a warning hands over, so bad pointers show up under the sanitizers. */
    volatile size_t sink = strlen(diag->message) + (diag->file ? strlen(diag->file) : 0);
    (void)sink;
    (void)user;
}

/* A project: the .qdpx importer (zip, then project.qde, sources, positions), or a bare .qde. */
static int import_project(const char *name, const uint8_t *data, size_t size)
{
    char in[640], out[640];
    if (!write_input(name, data, size, in, sizeof in))
        return 0;
    snprintf(out, sizeof out, "%s/project", work());
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = ignore_warning;
    qc_refi_import_summary sum;
    qc_error err;
    if (qc_refi_import_project(in, out, &opts, &sum, &err) == 0) {
        for (size_t i = 0; i < sum.coder_count; i++)
            if (!sum.coders[i].name)
                __builtin_trap();
        /* What was imported must load: the codebook qcode wrote, and each source text. */
        char path[700];
        snprintf(path, sizeof path, "%s/codebook.qcb", out);
        qc_codebook *cb = NULL;
        qc_codebook_options co = QC_CODEBOOK_OPTIONS_INIT;
        co.on_diagnostic = ignore_warning;
        if (qc_codebook_load(&cb, path, &co, &err) != 0 && err.code != QC_ERR_IO)
            __builtin_trap(); /* the importer wrote a codebook qcode itself cannot read */
        qc_codebook_free(cb);
        /* and the casebook it wrote, when there are cases */
        snprintf(path, sizeof path, "%s/cases.tsv", out);
        qc_casebook *cases = NULL;
        if (qc_casebook_load(&cases, path, &err) != 0 && err.code != QC_ERR_IO)
            __builtin_trap(); /* the importer wrote a cases.tsv qcode itself cannot read */
        qc_casebook_free(cases);
    }
    qc_refi_import_summary_free(&sum);
    nftw(out, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static int fuzz_qdpx(const uint8_t *data, size_t size)
{
    return import_project("in.qdpx", data, size);
}

static int fuzz_qde(const uint8_t *data, size_t size)
{
    return import_project("project.qde", data, size);
}

static int fuzz_qdc(const uint8_t *data, size_t size)
{
    char in[640], out[640];
    if (!write_input("in.qdc", data, size, in, sizeof in))
        return 0;
    snprintf(out, sizeof out, "%s/out.qcb", work());
    qc_refi_options opts = QC_REFI_OPTIONS_INIT;
    opts.on_warning = ignore_warning;
    qc_error err;
    if (qc_refi_import_qdc(in, out, &opts, &err) == 0) {
        qc_codebook *cb = NULL;
        qc_codebook_options co = QC_CODEBOOK_OPTIONS_INIT;
        co.on_diagnostic = ignore_warning;
        if (qc_codebook_load(&cb, out, &co, &err) != 0 && err.code != QC_ERR_CODEBOOK)
            __builtin_trap();
        qc_codebook_free(cb);
    }
    unlink(out);
    return 0;
}

static int on_document(const qc_result_document *doc, size_t index, void *user)
{
    (void)index;
    (void)user;
    volatile size_t sink = strlen(doc->id) + strlen(doc->path) + strlen(doc->sha256);
    (void)sink;
    return 0;
}

static int on_code(const qc_results_file_code *code, void *user)
{
    (void)user;
    volatile size_t sink = strlen(code->id) + strlen(code->name) + (code->parent_id ? strlen(code->parent_id) : 0);
    (void)sink;
    return 0;
}

static int on_quotation(const qc_result_quotation *q, void *user)
{
    (void)user;
    if (q->start > q->end && q->hit_count)
        return 0;
    volatile size_t sink = strlen(q->text) + strlen(q->document_id) + (q->speaker ? strlen(q->speaker) : 0);
    for (size_t i = 0; i < q->hit_count; i++)
        sink += q->hits[i].start;
    (void)sink;
    return 0;
}

/* What the with-counts reading saw: codes listed and codes whose counts came. */
typedef struct counted {
    size_t codes, counts;
} counted;

static int on_code_counted(const qc_results_file_code *code, void *user)
{
    ((counted *)user)->codes++;
    return on_code(code, NULL);
}

static int on_counts(size_t code, const char *id, const qc_counts *own, const qc_counts *rolled_up, void *user)
{
    volatile uint64_t sink = code + strlen(id) + own->hits + rolled_up->respondents;
    (void)sink;
    ((counted *)user)->counts++;
    return 0;
}

static int fuzz_results(const uint8_t *data, size_t size)
{
    char in[640];
    if (!write_input("results.xml", data, size, in, sizeof in))
        return 0;
    qc_results_handlers h = {NULL, on_document, on_code, on_quotation, NULL};
    qc_error err;
    qc_results_read(in, &h, &err);
    /* as `qcode quotes --results` reads it: every quotation, then the counts */
    counted c = {0, 0};
    qc_results_handlers hc = {NULL, on_document, on_code_counted, on_quotation, &c};
    if (qc_results_read_all_with_counts(in, &hc, on_counts, &err) == 0 && c.counts < c.codes)
        __builtin_trap(); /* the header promises every code's counts when the read returns 0 */
    return 0;
}

/* A results.xml as the old side of a re-code (`qcode recode --from`): its header is read first with
 * format 2's spans passed over by a scan of its own (engine/xml_skip.c), then by the parser alone
 * where that scan gives up; when the header fits, the old side is coded and compared. */
static int fuzz_recode_from(const uint8_t *data, size_t size)
{
    static const char book[] = "codebook \"F\" version 1\n"
                               "code TEAM \"Team\"\n  rule team OR colleague*\n"
                               "code OFFICE \"Office\"\n  rule \"same office\"\n";
    static const char transcript[] = "Interviewer: How is the team?\n\n"
                                     "S1: The team works in the same office now. My colleagues agree.\n";
    char in[640], doc[640];
    if (!write_input("results.xml", data, size, in, sizeof in) ||
        !write_input("t.txt", (const uint8_t *)transcript, sizeof transcript - 1, doc, sizeof doc))
        return 0;
    qc_error err;
    qc_codebook *cb = NULL;
    if (qc_codebook_load_buffer(&cb, "f.qcb", book, sizeof book - 1, NULL, &err) != 0)
        __builtin_trap(); /* the codebook is the target's own */
    qc_recode_options opts = QC_RECODE_OPTIONS_INIT;
    opts.old_cb = cb;
    opts.results_path = in;
    opts.counts_only = 1;
    opts.find_old_codebook = 0;
    opts.run.jobs = 1;
    const char *paths[] = {doc};
    qc_recode *rc = NULL;
    if (qc_recode_run(&rc, paths, 1, cb, NULL, &opts, &err) == 0) {
        qc_recode_totals t;
        qc_recode_get_totals(rc, &t);
    }
    qc_recode_free(rc);
    qc_codebook_free(cb);
    return 0;
}

/* --- the coding cache: an entry file with any records --- */

/* One document and two revisions of a codebook whose codes' ids are out of order (so entries need
 * sorting) and whose leaves are of every kind; the cache entry the two leave behind (the revision's
 * changed code kept beside the codebook's records) is the starting point of each input. */
/* The entry's header (docs/recode.md, "The cache"): magic, version, a reserved word and the key,
 * then the payload's size and CRC-32, then the payload. */
enum { CE_SIGNED = 48, CE_HEADER = 56 };

static struct {
    int ready;
    qc_codebook *cb;
    qc_coder *coder;
    qc_document *doc;
    char dir[700], entry[1024];
    unsigned char head[CE_SIGNED]; /* up to the payload's size and CRC-32 */
    unsigned char *payload;
    size_t payload_len;
} ce;

static const char ce_text[] = "Interviewer: How is the team?\n\n"
                              "S1: The team works in the same office now. My colleagues agree, mostly.\n\n"
                              "S2: Band 6 staff left; the office is not the team's any more.\n";

static qc_codebook *ce_book(int revised)
{
    char book[1024];
    snprintf(book, sizeof book,
             "codebook \"F\" version 1\n"
             "code TEAM \"Team\"\n  rule team OR colleague*\n  exclude \"team's\"\n"
             "  code TEAM.NEAR \"Near\"\n    rule team NEAR/3 office\n"
             "code OFFICE \"Office\"\n  rule \"same office\"%s\n  rule /\\bband\\s*[5-8]\\b/\n"
             "code AGREE \"Agree\"\n  rule agree* AND NOT left\n  rule {OFFICE}\n",
             revised ? " OR staff" : "");
    qc_codebook *cb = NULL;
    qc_error err;
    if (qc_codebook_load_buffer(&cb, "f.qcb", book, strlen(book), NULL, &err) != 0)
        __builtin_trap(); /* the codebooks are the target's own */
    return cb;
}

static qc_coding *ce_code(qc_codebook *cb, qc_coder *coder)
{
    qc_cache *cache = NULL;
    qc_error err;
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    qc_coding *coding = NULL;
    if (qc_cache_open(&cache, ce.dir, cb, NULL, &err) != 0 ||
        qc_cache_code(cache, coder, ce.doc, NULL, ce_text, sizeof ce_text - 1, &ro, &coding, &err) != 0)
        coding = NULL;
    qc_cache_free(cache);
    return coding;
}

static int ce_setup(void)
{
    if (ce.ready)
        return ce.ready > 0;
    ce.ready = -1;
    if (!work())
        return 0;
    snprintf(ce.dir, sizeof ce.dir, "%s/cache", work());
    qc_error err;
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    qc_codebook *revised = ce_book(1);
    qc_coder *revised_coder = NULL;
    ce.cb = ce_book(0);
    if (qc_document_read_buffer(&ce.doc, "t.txt", ce_text, sizeof ce_text - 1, &ro, &err) != 0 ||
        qc_coder_new(&ce.coder, ce.cb, NULL, &err) != 0 || qc_coder_new(&revised_coder, revised, NULL, &err) != 0)
        __builtin_trap();
    qc_coding *a = ce_code(revised, revised_coder), *b = ce_code(ce.cb, ce.coder);
    if (!a || !b)
        __builtin_trap(); /* the cache cannot code a document it can write */
    qc_coding_free(a);
    qc_coding_free(b);
    qc_coder_free(revised_coder);
    qc_codebook_free(revised);
    DIR *d = opendir(ce.dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".qcc") == 0)
            snprintf(ce.entry, sizeof ce.entry, "%s/%s", ce.dir, e->d_name);
    }
    if (d)
        closedir(d);
    FILE *fp = ce.entry[0] ? fopen(ce.entry, "rb") : NULL;
    if (!fp)
        __builtin_trap();
    unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    if (n <= CE_HEADER || n == sizeof buf)
        __builtin_trap();
    memcpy(ce.head, buf, sizeof ce.head);
    ce.payload_len = n - CE_HEADER;
    ce.payload = malloc(ce.payload_len);
    if (!ce.payload)
        __builtin_trap();
    memcpy(ce.payload, buf + CE_HEADER, ce.payload_len);
    ce.ready = 1;
    return 1;
}

/* The cache's own payload changed by the input's edits, 5 bytes each: a place (u32, modulo the
 * payload's length) and what to do there (v % 4: 0 write byte v, 1 remove 1 to 8 bytes, 2 insert
 * byte v, 3 write the u32 v / 4, or 0xFFFFFFFF when that is 63). */
static unsigned char *ce_edit(const uint8_t *edits, size_t size, size_t *len)
{
    size_t cap = ce.payload_len + size + 8, n = ce.payload_len;
    unsigned char *p = malloc(cap);
    if (!p)
        return NULL;
    memcpy(p, ce.payload, n);
    for (size_t i = 0; i + 5 <= size; i += 5) {
        uint32_t at = (uint32_t)edits[i] | (uint32_t)edits[i + 1] << 8 | (uint32_t)edits[i + 2] << 16 |
                      (uint32_t)edits[i + 3] << 24;
        unsigned v = edits[i + 4];
        size_t k = n ? at % n : 0;
        switch (v % 4) {
        case 0:
            if (n)
                p[k] = (unsigned char)v;
            break;
        case 1: {
            size_t cut = 1 + (v >> 2) % 8;
            if (cut > n - k)
                cut = n - k;
            memmove(p + k, p + k + cut, n - k - cut);
            n -= cut;
            break;
        }
        case 2:
            memmove(p + k + 1, p + k, n - k);
            p[k] = (unsigned char)v;
            n++;
            break;
        default: {
            uint32_t w = (v >> 2) == 63 ? UINT32_MAX : v >> 2;
            for (size_t b = 0; b < 4 && k + b < n; b++)
                p[k + b] = (unsigned char)(w >> (8 * b));
        }
        }
    }
    *len = n;
    return p;
}

/* The input's first byte: odd, the rest is the whole payload; even, edits to the cache's own (no
 * edits: the entry as written, which must then be a hit). Each entry is signed with a good CRC-32
 * so that its records are read and checked; what the lookup takes must fit the document and go
 * through the results like any coding. */
static int fuzz_cache_entry(const uint8_t *data, size_t size)
{
    if (size < 1 || !ce_setup())
        return 0;
    size_t len = 0;
    unsigned char *payload = NULL;
    if (data[0] & 1) {
        len = size - 1;
        payload = malloc(len + 1);
        if (payload && len)
            memcpy(payload, data + 1, len);
    } else {
        payload = ce_edit(data + 1, size - 1, &len);
    }
    if (!payload)
        return 0;
    uLong crc = crc32(crc32(0L, Z_NULL, 0), payload, (uInt)len);
    unsigned char tail[8];
    for (int b = 0; b < 4; b++) {
        tail[b] = (unsigned char)((uint32_t)len >> (8 * b));
        tail[4 + b] = (unsigned char)((uint32_t)crc >> (8 * b));
    }
    FILE *fp = fopen(ce.entry, "wb");
    int written = fp && fwrite(ce.head, 1, sizeof ce.head, fp) == sizeof ce.head &&
                  fwrite(tail, 1, sizeof tail, fp) == sizeof tail && (!len || fwrite(payload, 1, len, fp) == len);
    if (fp && fclose(fp) != 0)
        written = 0;
    free(payload);
    if (!written)
        return 0;
    qc_cache *cache = NULL;
    qc_error err;
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    qc_coding *coding = NULL;
    if (qc_cache_open(&cache, ce.dir, ce.cb, NULL, &err) != 0)
        __builtin_trap();
    int coded = qc_cache_code(cache, ce.coder, ce.doc, NULL, ce_text, sizeof ce_text - 1, &ro, &coding, &err) == 0;
    qc_cache_stats st;
    qc_cache_get_stats(cache, &st);
    if (!(data[0] & 1) && size - 1 < 5 && (!coded || st.hits != 1))
        __builtin_trap(); /* no whole edit: the entry as the cache wrote it was not taken */
    if (coded) {
        size_t length = qc_document_length(ce.doc), turns = qc_document_turn_count(ce.doc);
        for (size_t i = 0; i < qc_coding_quotation_count(coding); i++) {
            qc_quotation q;
            if (qc_coding_quotation(coding, i, &q) != 0 || q.start > q.end || q.end > length || q.turn >= turns ||
                q.code >= qc_codebook_code_count(ce.cb))
                __builtin_trap();
            for (size_t h = 0; h < q.hit_count; h++) {
                qc_hit hit;
                if (qc_coding_hit(coding, i, h, &hit) != 0 || hit.start < q.start || hit.end > q.end ||
                    hit.start > hit.end)
                    __builtin_trap();
            }
        }
        qc_results *res = NULL;
        if (qc_results_new(&res, ce.cb, NULL, &err) == 0)
            qc_results_add(res, ce.doc, coding, NULL, &err);
        qc_results_free(res);
        qc_coding_free(coding);
    }
    qc_cache_free(cache);
    return 0;
}

/* A casebook (TSV, CSV, `sep=`, quotes, UTF-16) of any bytes: what loads must answer every
 * lookup of its own rows, tell its identifier columns consistently, and serve as the casebook of
 * a reading and of results. */
static int fuzz_casebook_sheet(const uint8_t *data, size_t size)
{
    qc_casebook *cases = NULL;
    qc_error err;
    if (qc_casebook_load_buffer(&cases, "fuzz.tsv", data, size, &err) != 0)
        return 0;
    size_t rows = qc_casebook_row_count(cases), attrs = qc_casebook_attribute_count(cases);
    for (size_t a = 0; a < attrs; a++) {
        size_t values = 0;
        int id = qc_casebook_attribute_is_identifier(cases, a, &values);
        if (!qc_casebook_attribute_name(cases, a) || (id != 0 && id != 1) || values > rows ||
            (id && values <= QC_CASEBOOK_IDENTIFIER_MIN))
            __builtin_trap();
    }
    for (size_t i = 0; i < rows; i++) {
        const char *document = NULL, *speaker = NULL;
        uint32_t line = 0;
        if (qc_casebook_row(cases, i, &document, &speaker, &line) != 0 || line == 0)
            __builtin_trap();
        if (speaker && !qc_casebook_knows_speaker(cases, document, speaker))
            __builtin_trap(); /* its own row names it */
        for (size_t a = 0; a < attrs; a++) {
            const char *own = qc_casebook_row_value(cases, document, speaker, a);
            const char *v = qc_casebook_value(cases, document, speaker, a);
            if (own && *own && (!v || strcmp(own, v) != 0))
                __builtin_trap(); /* the most specific row wins: its own */
        }
    }
    static const char transcript[] = "site: north\n\nInterviewer: How is the team?\n\nS1: Busy.\nP1: Fine.\n";
    static const char codebook[] = "codebook \"F\"\ncode T \"Team\"\n  rule team OR busy OR fine\n";
    qc_read_options ro = QC_READ_OPTIONS_INIT;
    ro.casebook = cases;
    qc_codebook *cb = NULL;
    qc_document *doc = NULL;
    qc_coder *coder = NULL;
    qc_coding *coding = NULL;
    qc_results *res = NULL;
    if (qc_codebook_load_buffer(&cb, "f.qcb", codebook, sizeof codebook - 1, NULL, &err) == 0 &&
        qc_document_read_buffer(&doc, "t.txt", transcript, sizeof transcript - 1, &ro, &err) == 0 &&
        qc_coder_new(&coder, cb, NULL, &err) == 0 && qc_coder_code(coder, doc, cases, &coding, &err) == 0 &&
        qc_results_new(&res, cb, cases, &err) == 0 && qc_results_add(res, doc, coding, NULL, &err) == 0) {
        for (size_t a = 0; a < qc_results_attribute_count(res); a++)
            for (size_t v = 0; v < qc_results_attribute_value_count(res, a); v++)
                if (!qc_results_attribute_value(res, a, v, NULL))
                    __builtin_trap();
    }
    qc_results_free(res);
    qc_coding_free(coding);
    qc_coder_free(coder);
    qc_document_free(doc);
    qc_codebook_free(cb);
    qc_casebook_free(cases);
    return 0;
}

const qcf_target qcf_targets[] = {
    {"text", fuzz_text},
    {"vtt", fuzz_vtt},
    {"srt", fuzz_srt},
    {"docx", fuzz_docx},
    {"docx_xml", fuzz_docx_xml},
    {"codebook", fuzz_codebook},
    {"qdpx", fuzz_qdpx},
    {"qde", fuzz_qde},
    {"qdc", fuzz_qdc},
    {"results", fuzz_results},
    {"recode_from", fuzz_recode_from},
    {"cache_entry", fuzz_cache_entry},
    {"casebook", fuzz_casebook_sheet},
};
const size_t qcf_target_count = sizeof qcf_targets / sizeof qcf_targets[0];

const qcf_target *qcf_find(const char *name)
{
    for (size_t i = 0; i < qcf_target_count; i++)
        if (strcmp(qcf_targets[i].name, name) == 0)
            return &qcf_targets[i];
    return NULL;
}
