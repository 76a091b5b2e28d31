#include "xml_safe.h"

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

#include "error.h"

/* libxml2 2.9 wants xmlInitParser called once before threads parse; pthread_once makes that safe
 * whichever thread gets here first. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

void qc_xml_init(void)
{
    pthread_once(&init_once, init_libxml);
}

/* What may be enabled: nothing that loads, substitutes or validates. */
static int safe_options(void)
{
    /* BIG_LINES: real line numbers past 65535, for messages about long files. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;
#ifdef XML_PARSE_NO_XXE
    opts |= XML_PARSE_NO_XXE;
#endif
    return opts;
}

static void on_generic(void *user, const char *fmt, ...)
{
    qc_xml_generic *g = user;
    char piece[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    /* libxml2 tells only here of many of its allocations that failed (xmlNewNs in the tree
     * builder, a buffer growing): without this the parse went on with the namespace or the text
     * left out. Every such message says "Memory allocation failed", but the writer's ("out of
     * memory!"). */
    if (strstr(piece, "Memory allocation failed") || strstr(piece, "out of memory"))
        g->nomem = 1;
    size_t n = strlen(g->first);
    if (g->whole || n + 1 >= sizeof g->first)
        return;
    snprintf(g->first + n, sizeof g->first - n, "%s", piece);
    char *eol = strchr(g->first, '\n');
    if (eol) {
        *eol = '\0';
        g->whole = 1;
    }
}

void qc_xml_generic_catch(qc_xml_generic *g)
{
    memset(g, 0, sizeof *g);
    g->saved = xmlGenericError;
    g->saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(g, on_generic);
}

void qc_xml_generic_release(qc_xml_generic *g)
{
    xmlSetGenericErrorFunc(g->saved_ctx, g->saved);
}

int qc_xml_generic_encoding(const qc_xml_generic *g)
{
    return strstr(g->first, "conversion failed") || strstr(g->first, "encod");
}

typedef struct parse_state {
    xmlParserCtxtPtr ctxt;
    const char *data;
    size_t size;
    const qc_xml_handler *h;
    int stop_code; /* a callback's status, or QC_ERR_FORMAT for a refused DOCTYPE */
    int doctype;   /* a DOCTYPE was refused */
    /* The first error: it names the cause, later ones its consequences. */
    int first_code, first_line, first_col;
    long first_offset; /* where the parser stood (xmlByteConsumed), -1 when unknown */
    char first_msg[256];
    /* The open elements, to tell a file cut short inside one. */
    qc_xml_cut cut;
    qc_xml_generic generic; /* what libxml2 said past the structured handler */
} parse_state;

/* Keeps libxml2 from printing, and remembers the first error. */
static void record_error(parse_state *st, xmlErrorPtr e)
{
    if (!e || st->first_code || e->level < XML_ERR_ERROR)
        return;
    st->first_code = e->code ? e->code : -1;
    st->first_offset = st->ctxt ? xmlByteConsumed(st->ctxt) : -1;
    st->first_line = e->line;
    st->first_col = e->int2;
    snprintf(st->first_msg, sizeof st->first_msg, "%s", e->message ? e->message : "malformed XML");
}

static void quiet_stream(void *user, xmlErrorPtr e)
{
    record_error(user, e);
}

static void quiet_tree(void *user, xmlErrorPtr e)
{
    record_error(((xmlParserCtxtPtr)user)->_private, e);
}

static void refuse_dtd(void *user, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    (void)name;
    (void)ext_id;
    (void)sys_id;
    parse_state *st = user;
    st->doctype = 1;
    st->stop_code = QC_ERR_FORMAT;
    xmlStopParser(st->ctxt);
}

static void refuse_dtd_tree(void *user, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    xmlParserCtxtPtr ctxt = user;
    refuse_dtd(ctxt->_private, name, ext_id, sys_id);
}

/* Whether name (a path or an entry name) ends with suffix, ignoring ASCII case. */
static int ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = name[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

/* What the user meant to give, told from the name every reader already passes (the part inside
 * an archive, or else the file), so that no caller has to say it. */
static const char *expected_from_name(const char *file, const char *part)
{
    const char *name = part ? part : file ? file : "";
    if (ends_with(name, ".qde"))
        return "a REFI-QDA project";
    if (ends_with(name, ".qdc"))
        return "a REFI-QDA codebook";
    if (ends_with(name, "manual.xml"))
        return "a qcode manual.xml";
    if (ends_with(name, "results.xml"))
        return "a qcode results.xml";
    if (ends_with(name, "word/document.xml"))
        return "the text of a Word document";
    if (ends_with(name, "docprops/core.xml"))
        return "the properties of a Word document";
    return "an XML document";
}

/* How many bytes of XML white space data starts with, after a UTF-8 byte order mark when `start`
 * (data is the beginning of the document). */
static size_t skip_blank(const char *data, size_t size, int start)
{
    size_t i = start && size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i;
}

static int empty_error(const char *file, const char *part, const char *expected, qc_error *err)
{
    if (!expected)
        expected = expected_from_name(file, part);
    if (part)
        return qc_error_set(err, QC_ERR_FORMAT, file, 0, 0, -1, "%s is empty (expected %s)", part, expected);
    return qc_error_set(err, QC_ERR_FORMAT, file, 0, 0, -1, "the file is empty (expected %s)", expected);
}

int qc_xml_refuse_empty(const char *data, size_t size, const char *file, const char *part, const char *expected,
                        qc_error *err)
{
    if (skip_blank(data, size, 1) < size)
        return 0;
    return empty_error(file, part, expected, err);
}

int qc_xml_file_open(qc_xml_file_input *in, const char *path)
{
    memset(in, 0, sizeof *in);
    in->fp = fopen(path, "rb");
    return in->fp ? 0 : -1;
}

int qc_xml_file_read(void *ctx, char *buf, int len)
{
    qc_xml_file_input *in = ctx;
    if (len <= 0)
        return 0;
    size_t n = fread(buf, 1, (size_t)len, in->fp);
    if (n == 0 && ferror(in->fp)) {
        in->read_errno = errno ? errno : EIO;
        return -1;
    }
    if (!in->content && n) {
        /* Only the first chunk can start with the byte order mark; a mark split across reads
         * would need a read of fewer than 3 bytes, and xml_stream.c reads 256 KB at a time. */
        in->content = skip_blank(buf, n, in->offset == 0) < n;
    }
    in->offset += n;
    return (int)n;
}

void qc_xml_file_close(qc_xml_file_input *in)
{
    if (in->fp)
        fclose(in->fp);
    in->fp = NULL;
}

int qc_xml_file_refuse_empty(const qc_xml_file_input *in, const char *path, const char *expected, qc_error *err)
{
    if (in->read_errno)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot read %s: %s", expected, strerror(in->read_errno));
    return in->content ? 0 : empty_error(path, NULL, expected, err);
}

static int check_size(size_t size, const char *data, const char *file, const char *part, qc_error *err)
{
    int rc = qc_xml_refuse_empty(data, size, file, part, NULL, err);
    if (rc < 0)
        return rc;
    if (size > QC_XML_MAX_BYTES)
        return qc_error_set(err, QC_ERR_LIMIT, file, 0, 0, -1,
                            "%s%sthe XML document is %zu bytes, over the limit of %zu", part ? part : "",
                            part ? ": " : "", size, QC_XML_MAX_BYTES);
    return 0;
}

/* Where "<!DOCTYPE" starts (1-based line, column in code points), so the refusal points at it
 * rather than at wherever the parser stopped. Leaves line and col alone when it is not found. */
static void doctype_position(const char *data, size_t size, uint32_t *line, uint32_t *col)
{
    static const char tag[] = "<!DOCTYPE";
    const size_t n = sizeof tag - 1;
    uint32_t l = 1, c = 1;
    for (size_t i = 0; i + n <= size; i++) {
        if (memcmp(data + i, tag, n) == 0) {
            *line = l;
            *col = c;
            return;
        }
        if (data[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
            c++;
        }
    }
}

void qc_xml_cut_init(qc_xml_cut *c)
{
    memset(c, 0, sizeof *c);
    c->end_line = 1;
    c->end_col = 1;
}

void qc_xml_cut_feed(qc_xml_cut *c, const char *data, size_t n)
{
    if (!c->started) {
        size_t first = skip_blank(data, n, c->fed == 0);
        c->started = first < n;
        c->starts_with_lt = c->started && data[first] == '<';
    }
    size_t gt = 0, lt = 0; /* 1 + the index of the chunk's last '>' and last '<'; 0: none */
    for (size_t i = n; i > 0 && (!gt || !lt); i--) {
        if (!gt && data[i - 1] == '>')
            gt = i;
        else if (!lt && data[i - 1] == '<')
            lt = i;
    }
    if (gt) {
        c->gt_end = c->fed + gt;
        c->blank_after_gt = skip_blank(data + gt, n - gt, 0) == n - gt;
    } else {
        c->blank_after_gt = c->blank_after_gt && skip_blank(data, n, 0) == n;
    }
    if (lt)
        c->lt_end = c->fed + lt;
    const char *p = data, *end = data + n, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c->end_line++;
        c->end_col = 1;
        p = nl + 1;
    }
    for (; p < end; p++)
        c->end_col += ((unsigned char)*p & 0xC0) != 0x80;
    c->fed += n;
}


/* Whether the parser, standing `consumed` bytes into the document, has a whole tag still ahead. */
static int tag_ahead(const qc_xml_cut *c, long consumed)
{
    return consumed >= 0 && c->gt_end > (uint64_t)consumed;
}

/* libxml2's words for a cut vary with where it fell ("Premature end of data in tag", "Couldn't
 * find end of Start Tag", "AttValue: ' expected", "Extra content at the end of the document"), so
 * both parsers tell it in ours when this says it is one. */
int qc_xml_cut_short(const qc_xml_cut *c, long consumed, int code)
{
    if (code == XML_ERR_TAG_NAME_MISMATCH || consumed < 0 ||
        (uint64_t)consumed > c->fed || tag_ahead(c, consumed))
        return 0;
    if (c->depth > 0)
        return 1;
    /* No element open: cut short only if none was ever, the document starts with '<' and ends
     * inside markup (a '<' with no '>' after it) or after its prolog with nothing but white space;
     * not text that is no XML at all ("code A ...", "this is not XML <Project"). */
    if (c->element_seen || !c->starts_with_lt)
        return 0;
    return c->lt_end > c->gt_end || (c->gt_end > 0 && c->blank_after_gt);
}

int qc_xml_cut_open(qc_xml_cut *c, long consumed, const unsigned char *prefix, const unsigned char *local)
{
    if (consumed >= 0 && !tag_ahead(c, consumed))
        return 0;
    /* Deeper than QC_XML_OPEN_MAX, names are not kept (libxml2 refuses depths over 256 without
     * XML_PARSE_HUGE anyway). */
    if (c->depth < QC_XML_OPEN_MAX) {
        c->open[c->depth] = local;
        c->open_prefix[c->depth] = prefix;
    }
    c->depth++;
    c->element_seen = 1;
    return 1;
}

void qc_xml_cut_close(qc_xml_cut *c)
{
    if (c->depth > 0)
        c->depth--;
}

int qc_xml_cut_error(const qc_xml_cut *c, const char *file, const char *part, qc_error *err)
{
    const char *sep = part ? ": " : "";
    part = part ? part : "";
    if (c->depth == 0)
        return qc_error_set(err, QC_ERR_FORMAT, file, c->end_line, c->end_col, -1,
                            "%s%sthe file ends before its first element is complete (truncated?)", part, sep);
    if (c->depth > QC_XML_OPEN_MAX)
        return qc_error_set(err, QC_ERR_FORMAT, file, c->end_line, c->end_col, -1,
                            "%s%sthe file ends inside an element %zu deep (truncated?)", part, sep, c->depth);
    /* As written: <w:t> in a .docx. */
    const unsigned char *prefix = c->open_prefix[c->depth - 1];
    return qc_error_set(err, QC_ERR_FORMAT, file, c->end_line, c->end_col, -1,
                        "%s%sthe file ends inside <%s%s%s> (truncated?)", part, sep, prefix ? (const char *)prefix : "",
                        prefix ? ":" : "", (const char *)c->open[c->depth - 1]);
}

/* Turns the parse outcome into a status and message. */
static int parse_result(parse_state *st, const char *file, const char *part, qc_error *err)
{
    const char *sep = part ? ": " : "";
    part = part ? part : "";
    if (st->doctype) {
        uint32_t line = (uint32_t)st->ctxt->input->line, col = 0;
        doctype_position(st->data, st->size, &line, &col);
        return qc_error_set(err, QC_ERR_FORMAT, file, line, col, -1,
                            "%s%sdocuments with a DOCTYPE are not accepted (DTDs can smuggle in entities)", part, sep);
    }
    if (st->stop_code < 0)
        return st->stop_code;
    /* Out of memory in the tree builder stops the parse but leaves it well-formed: a document
     * without its root, or cut short. */
    if (st->generic.nomem || st->first_code == XML_ERR_NO_MEMORY || st->ctxt->errNo == XML_ERR_NO_MEMORY)
        return qc_error_nomem(err);
    if (st->ctxt->wellFormed)
        return 0;
    if (qc_xml_generic_encoding(&st->generic)) /* the cause; the parser's own error followed from it */
        return qc_error_set(err, QC_ERR_FORMAT, file, st->first_line > 0 ? (uint32_t)st->first_line : 0,
                            st->first_col > 0 ? (uint32_t)st->first_col : 0, -1,
                            "%s%scannot read the file in the encoding it declares: %s", part, sep, st->generic.first);
    if (!st->first_code) {
        xmlErrorPtr e = xmlCtxtGetLastError(st->ctxt);
        record_error(st, e);
    }
    if (!st->first_code)
        return qc_error_set(err, QC_ERR_FORMAT, file, 0, 0, -1, "%s%smalformed XML", part, sep);
    if (st->first_code == XML_ERR_NO_MEMORY)
        return qc_error_nomem(err);
    if (qc_xml_cut_short(&st->cut, st->first_offset, st->first_code))
        return qc_xml_cut_error(&st->cut, file, *sep ? part : NULL, err);
    /* libxml2 messages end with a newline. */
    size_t n = strlen(st->first_msg);
    while (n && (st->first_msg[n - 1] == '\n' || st->first_msg[n - 1] == ' '))
        n--;
    return qc_error_set(err, QC_ERR_FORMAT, file, st->first_line > 0 ? (uint32_t)st->first_line : 0,
                        st->first_col > 0 ? (uint32_t)st->first_col : 0, -1, "%s%smalformed XML at line %d: %.*s", part,
                        sep, st->first_line, (int)n, st->first_msg);
}

static xmlParserCtxtPtr new_context(const char *data, size_t size, qc_error *err)
{
    qc_xml_init();
    qc_xml_generic quiet; /* out of memory, libxml2 prints "cannot allocate parser context" */
    qc_xml_generic_catch(&quiet);
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(data, (int)size);
    qc_xml_generic_release(&quiet);
    if (!ctxt)
        qc_error_nomem(err);
    return ctxt;
}

/* The tree builder's own element callbacks, with the open elements kept on the way. */
static void tree_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nns,
                       const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
    parse_state *st = ((xmlParserCtxtPtr)ctx)->_private;
    qc_xml_cut_open(&st->cut, xmlByteConsumed(ctx), prefix, local);
    xmlSAX2StartElementNs(ctx, local, prefix, uri, nns, nss, nattr, ndef, attrs);
}

static void tree_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    qc_xml_cut_close(&((parse_state *)((xmlParserCtxtPtr)ctx)->_private)->cut);
    xmlSAX2EndElementNs(ctx, local, prefix, uri);
}

/* The checks and the parser context both readers start with; st holds the data and where it was
 * cut short. 0, or the error (err set). */
static int begin_parse(parse_state *st, const char *data, size_t size, const char *file, const char *part,
                       qc_error *err)
{
    int rc = check_size(size, data, file, part, err);
    if (rc < 0)
        return rc;
    memset(st, 0, sizeof *st);
    st->ctxt = new_context(data, size, err);
    if (!st->ctxt)
        return QC_ERR_NOMEM;
    st->data = data;
    st->size = size;
    qc_xml_cut_init(&st->cut);
    qc_xml_cut_feed(&st->cut, data, size);
    return 0;
}

int qc_xml_read_tree(struct _xmlDoc **out, const char *data, size_t size, const char *file, const char *part,
                     qc_error *err)
{
    *out = NULL;
    parse_state st;
    int rc = begin_parse(&st, data, size, file, part, err);
    if (rc < 0)
        return rc;
    xmlParserCtxtPtr ctxt = st.ctxt;
    xmlCtxtUseOptions(ctxt, safe_options() | XML_PARSE_COMPACT);
    /* The context's SAX handler is its own copy: changing it affects no other parse. The tree
     * builder's callbacks take the context as user data, so st travels in _private. */
    ctxt->sax->serror = quiet_tree;
    ctxt->sax->internalSubset = refuse_dtd_tree;
    ctxt->sax->externalSubset = refuse_dtd_tree;
    ctxt->sax->startElementNs = tree_start;
    ctxt->sax->endElementNs = tree_end;
    ctxt->_private = &st;
    qc_xml_generic_catch(&st.generic);
    xmlParseDocument(ctxt);
    qc_xml_generic_release(&st.generic);
    rc = parse_result(&st, file, part, err);
    if (rc == 0)
        *out = ctxt->myDoc;
    else if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    return rc;
}

void qc_xml_free(struct _xmlDoc *doc)
{
    if (doc)
        xmlFreeDoc(doc);
}

static void on_start(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nns,
                     const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
    (void)nns;
    (void)nss;
    (void)nattr;
    (void)ndef;
    (void)attrs;
    parse_state *st = user;
    qc_xml_cut_open(&st->cut, xmlByteConsumed(st->ctxt), prefix, local);
    if (!st->h->start || st->stop_code)
        return;
    /* The parser stands at the end of the start tag; its '<' is the last one before (attribute
     * values cannot hold a raw '<'). */
    long at = xmlByteConsumed(st->ctxt);
    size_t off = at > 0 && (size_t)at <= st->size ? (size_t)at : 0;
    while (off > 0 && st->data[off] != '<')
        off--;
    /* In UTF-16 big-endian the '<' found is the second byte of its character (00 3C). */
    xmlParserInputBufferPtr in = st->ctxt->input->buf;
    if (off > 0 && in && in->encoder && in->encoder->name && strcmp(in->encoder->name, "UTF-16BE") == 0)
        off--;
    int rc = st->h->start(st->h->user, (const char *)uri, (const char *)local, off, (uint32_t)st->ctxt->input->line);
    if (rc < 0) {
        st->stop_code = rc;
        xmlStopParser(st->ctxt);
    }
}

static void on_end(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    parse_state *st = user;
    qc_xml_cut_close(&st->cut);
    if (!st->h->end || st->stop_code)
        return;
    int rc = st->h->end(st->h->user, (const char *)uri, (const char *)local);
    if (rc < 0) {
        st->stop_code = rc;
        xmlStopParser(st->ctxt);
    }
}

static void on_text(void *user, const xmlChar *ch, int len)
{
    parse_state *st = user;
    if (!st->h->text || st->stop_code || len <= 0)
        return;
    /* Text handed over straight from the input buffer sits at a known offset of the data; check
     * the bytes, since entities and re-encoded input are handed over from elsewhere. */
    int64_t offset = -1;
    xmlParserInputPtr in = st->ctxt->input;
    int encoded = in->buf && in->buf->encoder;
    if (!encoded && in->base && (const xmlChar *)ch >= in->base && (const xmlChar *)ch + len <= in->end) {
        uint64_t off = (uint64_t)in->consumed + (uint64_t)((const xmlChar *)ch - in->base);
        if (off + (uint64_t)len <= st->size && memcmp(st->data + off, ch, (size_t)len) == 0)
            offset = (int64_t)off;
    }
    int rc = st->h->text(st->h->user, (const char *)ch, (size_t)len, offset);
    if (rc < 0) {
        st->stop_code = rc;
        xmlStopParser(st->ctxt);
    }
}

void qc_xml_error_in_part(qc_error *err, const char *file, const char *part)
{
    if (!err || !part || !file || !err->line)
        return;
    snprintf(err->file, sizeof err->file, "%s:%s", file, part);
    size_t n = strlen(part);
    if (strncmp(err->message, part, n) == 0 && err->message[n] == ':' && err->message[n + 1] == ' ')
        memmove(err->message, err->message + n + 2, strlen(err->message + n + 2) + 1);
}

int qc_xml_stream(const char *data, size_t size, const char *file, const char *part, const qc_xml_handler *h,
                  qc_error *err)
{
    parse_state st;
    int rc = begin_parse(&st, data, size, file, part, err);
    if (rc < 0)
        return rc;
    xmlParserCtxtPtr ctxt = st.ctxt;
    st.h = h;
    xmlCtxtUseOptions(ctxt, safe_options());
    /* Our handler only: no tree, no entity declarations kept, DOCTYPE refused. */
    memset(ctxt->sax, 0, sizeof *ctxt->sax);
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    ctxt->sax->startElementNs = on_start;
    ctxt->sax->endElementNs = on_end;
    ctxt->sax->characters = on_text;
    ctxt->sax->serror = quiet_stream;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->externalSubset = refuse_dtd;
    ctxt->userData = &st;
    qc_xml_generic_catch(&st.generic);
    xmlParseDocument(ctxt);
    qc_xml_generic_release(&st.generic);
    rc = parse_result(&st, file, part, err);
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    return rc;
}
