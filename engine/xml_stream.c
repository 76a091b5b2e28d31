#include "xml_stream.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "xml_safe.h"
#include "xml_skip.h"

/* Read in pieces this big: large enough that the parser's own per-call work does not show. */
#define CHUNK ((size_t)256 << 10)

struct qc_xml_parse {
    xmlParserCtxtPtr ctxt;
    const char *path;
    const char *expected;
    const qc_xml_stream_handler *h;
    qc_error *err;
    int rc;          /* a callback's status or a refused DOCTYPE: the parse stopped */
    int xml_failed;  /* libxml2 reported an error, in xml_err */
    int terminating; /* in the last xmlParseChunk: the input has ended */
    qc_xml_cut cut;  /* the open elements and where the input ends, to tell a file cut short */
    qc_error xml_err;
    qc_xml_stream_attr *attrs;
    size_t attr_cap;
    qc_xml_skip *skip; /* elements dropped unparsed, or NULL */
    qc_xml_generic generic; /* what libxml2 said past the structured handler */
};

static void stop(qc_xml_parse *s, int rc)
{
    s->rc = rc;
    xmlStopParser(s->ctxt);
}

/* Code points in [a, b): bytes that are not UTF-8 continuation bytes. */
static uint32_t code_points(const xmlChar *a, const xmlChar *b)
{
    uint32_t n = 0;
    for (; a < b; a++)
        n += (*a & 0xC0) != 0x80;
    return n;
}

/* The line and column of p, which lies in the parser's buffer at or before where it stands. */
static void position_of(const qc_xml_parse *s, const xmlChar *p, uint32_t *line, uint32_t *column)
{
    xmlParserInputPtr in = s->ctxt->input;
    uint32_t lines_back = 0;
    for (const xmlChar *c = p; c < in->cur; c++)
        lines_back += *c == '\n';
    *line = in->line > 0 && (uint32_t)in->line > lines_back ? (uint32_t)in->line - lines_back : 0;
    if (lines_back == 0) {
        uint32_t back = code_points(p, in->cur);
        *column = in->col > 0 && (uint32_t)in->col > back ? (uint32_t)in->col - back : 0;
        return;
    }
    const xmlChar *bol = p;
    while (bol > in->base && bol[-1] != '\n')
        bol--;
    /* The line's start is known when found, or when the buffer still holds the file's start. */
    *column = bol > in->base || in->consumed == 0 ? code_points(bol, p) + 1 : 0;
}

/* The tag's '<': in a start callback the parser stands at the tag's end ('>' or "/>"), in an end
 * callback just past it, with the whole tag in its buffer; attribute values cannot hold a raw '<'.
 * NULL when it is not there after all. */
static const xmlChar *tag_start(const qc_xml_parse *s)
{
    xmlParserInputPtr in = s->ctxt->input;
    for (const xmlChar *p = in->cur; p > in->base;)
        if (*--p == '<')
            return p;
    return NULL;
}

static int is_blank(xmlChar c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where attr's name is written: back from its value over the quote, '=' and blanks around it.
 * NULL when the value is not a slice of the tag (it was decoded into a copy). */
static const xmlChar *attr_start(const qc_xml_stream_attr *a, const xmlChar *tag, const xmlChar *end)
{
    const xmlChar *v = (const xmlChar *)a->value;
    if (!tag || v <= tag || v > end)
        return NULL;
    const xmlChar *p = v - 1; /* the quote */
    while (p > tag && is_blank(p[-1]))
        p--;
    if (p <= tag || p[-1] != '=')
        return NULL;
    p--;
    while (p > tag && is_blank(p[-1]))
        p--;
    size_t n = strlen(a->name);
    if ((size_t)(p - tag) <= n || memcmp(p - n, a->name, n) != 0)
        return NULL;
    return p - n;
}

void qc_xml_stream_position(const qc_xml_parse *s, const qc_xml_stream_attr *attr, uint32_t *line, uint32_t *column)
{
    const xmlChar *tag = tag_start(s);
    const xmlChar *at = attr ? attr_start(attr, tag, s->ctxt->input->cur) : NULL;
    if (!at)
        at = tag;
    if (at) {
        position_of(s, at, line, column);
    } else {
        *line = s->ctxt->input->line > 0 ? (uint32_t)s->ctxt->input->line : 0;
        *column = s->ctxt->input->col > 0 ? (uint32_t)s->ctxt->input->col : 0;
    }
}

static int vfail_at(qc_xml_parse *s, uint32_t line, uint32_t column, int code, const char *fmt, va_list ap)
{
    char msg[QC_ERROR_MESSAGE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return qc_error_set(s->err, code, s->path, line, column, -1, "%s", msg);
}

int qc_xml_stream_fail_at(qc_xml_parse *s, uint32_t line, uint32_t column, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_at(s, line, column, code, fmt, ap);
    va_end(ap);
    return rc;
}

int qc_xml_stream_fail(qc_xml_parse *s, const qc_xml_stream_attr *attr, int code, const char *fmt, ...)
{
    uint32_t line, column;
    qc_xml_stream_position(s, attr, &line, &column);
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_at(s, line, column, code, fmt, ap);
    va_end(ap);
    return rc;
}

static void on_start(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nb_ns,
                     const xmlChar **ns, int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
    (void)nb_ns;
    (void)ns;
    (void)nb_defaulted;
    qc_xml_parse *s = user;
    /* At the end of the input libxml2 hands over a tag cut short (`<hit rule="0" `) before it
     * finds the '>' missing: its attributes are not all there, and the error about the cut
     * follows. */
    if (!qc_xml_cut_open(&s->cut, xmlByteConsumed(s->ctxt), prefix, local))
        return;
    if (s->rc || !s->h->start)
        return;
    size_t n = nb_attrs > 0 ? (size_t)nb_attrs : 0;
    if (QC_GROW(s->attrs, s->attr_cap, n)) {
        stop(s, qc_error_nomem(s->err));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const xmlChar *const *a = attrs + 5 * i;
        s->attrs[i] =
            (qc_xml_stream_attr){(const char *)a[0], (const char *)a[2], (const char *)a[3], (size_t)(a[4] - a[3])};
    }
    int rc = s->h->start(s->h->user, s, (const char *)uri, (const char *)local, s->attrs, n);
    if (rc < 0)
        stop(s, rc);
}

static void on_end(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    qc_xml_parse *s = user;
    qc_xml_cut_close(&s->cut);
    if (s->rc || !s->h->end)
        return;
    int rc = s->h->end(s->h->user, s, (const char *)uri, (const char *)local);
    if (rc < 0)
        stop(s, rc);
}

static void on_text(void *user, const xmlChar *ch, int len)
{
    qc_xml_parse *s = user;
    if (s->rc || !s->h->text || len <= 0)
        return;
    int rc = s->h->text(s->h->user, (const char *)ch, (size_t)len);
    if (rc < 0)
        stop(s, rc);
}

static void refuse_dtd(void *user, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    (void)name;
    (void)ext_id;
    (void)sys_id;
    qc_xml_parse *s = user;
    if (s->rc)
        return;
    stop(s, qc_xml_stream_fail(s, NULL, QC_ERR_FORMAT, "DTDs and entities are not allowed in %s", s->expected));
}

/* The first error names the cause, later ones its consequences. One that comes when the input
 * has ended is told as a file cut short, at its end, when qc_xml_cut_short says it is one (the
 * same test as the tree and event parsers of xml_safe.c). */
static void on_error(void *user, xmlErrorPtr e)
{
    qc_xml_parse *s = user;
    if (s->rc || s->xml_failed || !e || e->level < XML_ERR_ERROR)
        return;
    s->xml_failed = 1;
    uint32_t line = e->line > 0 ? (uint32_t)e->line : 0, column = e->int2 > 0 ? (uint32_t)e->int2 : 0;
    if (s->terminating && qc_xml_cut_short(&s->cut, xmlByteConsumed(s->ctxt), e->code)) {
        qc_xml_cut_error(&s->cut, s->path, NULL, &s->xml_err);
        return;
    }
    char msg[QC_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    qc_error_set(&s->xml_err, e->code == XML_ERR_NO_MEMORY ? QC_ERR_NOMEM : QC_ERR_FORMAT, s->path, line, column, -1,
                 "%s", msg);
}

/* An xmlParseChunk that failed (`ret`) with no error reported through on_error. A byte the
 * declared encoding cannot convert is told only through libxml2's generic error function, after
 * which xmlParseChunk halts the parser and returns XML_ERR_INVALID_ENCODING, or XML_PARSER_EOF
 * (-1) when the byte was in a later chunk than the first; the file then read as one that had
 * ended there, without its codes and quotations (found by the recode_from fuzz target). Any
 * failure that leaves the parser halted without our stop is an error here; other codes come with
 * a structured error first, or are warnings the parse goes on after. */
static void chunk_failed(qc_xml_parse *s, int ret)
{
    if (s->rc || s->xml_failed || ret == XML_ERR_OK)
        return;
    int halted = s->ctxt->instate == XML_PARSER_EOF || s->ctxt->disableSAX;
    if (ret != XML_ERR_NO_MEMORY && ret != XML_ERR_INVALID_ENCODING && ret != XML_ERR_UNSUPPORTED_ENCODING && !halted)
        return;
    s->xml_failed = 1;
    if (ret == XML_ERR_NO_MEMORY) {
        qc_error_nomem(&s->xml_err);
        return;
    }
    xmlParserInputPtr in = s->ctxt->input;
    uint32_t line = in && in->line > 0 ? (uint32_t)in->line : 0, column = in && in->col > 0 ? (uint32_t)in->col : 0;
    const char *why = s->generic.first;
    while (*why == ' ')
        why++;
    if (qc_xml_generic_encoding(&s->generic) || ret == XML_ERR_INVALID_ENCODING)
        qc_error_set(&s->xml_err, QC_ERR_FORMAT, s->path, line, column, -1,
                     "cannot read the file in the encoding it declares%s%s", *why ? ": " : "", why);
    else
        qc_error_set(&s->xml_err, QC_ERR_FORMAT, s->path, line, column, -1, "the XML parser stopped here%s%s",
                     *why ? ": " : "", why);
}

static int parse(qc_xml_parse *s, qc_xml_file_input *in)
{
    char *buf = qc_malloc(CHUNK);
    if (!buf)
        return qc_error_nomem(s->err);
    size_t held = 0; /* bytes the skip filter left undecided, at buf's start */
    for (;;) {
        int n = qc_xml_file_read(in, buf + held, (int)(CHUNK - held));
        if (n < 0) {
            qc_free(buf);
            return qc_xml_file_refuse_empty(in, s->path, s->expected, s->err);
        }
        if (n == 0 && !held)
            break;
        size_t len = held + (size_t)n, consumed = len, kept = len;
        if (s->skip && (kept = qc_xml_skip_filter(s->skip, buf, len, n == 0, &consumed)) == (size_t)-1) {
            stop(s,
                 qc_error_set(s->err, QC_ERR_FORMAT, s->path, 0, 0, -1,
                              "cannot pass over <%s> unparsed (it holds a comment, CDATA or itself)", s->skip->name));
            break;
        }
        if (kept) {
            qc_xml_cut_feed(&s->cut, buf, kept);
            chunk_failed(s, xmlParseChunk(s->ctxt, buf, (int)kept, 0));
        }
        held = len - consumed;
        memmove(buf, buf + consumed, held);
        if (s->rc || s->xml_failed || n == 0)
            break;
    }
    qc_free(buf);
    if (!s->rc && !s->xml_failed) {
        s->terminating = 1;
        chunk_failed(s, xmlParseChunk(s->ctxt, NULL, 0, 1));
    }
    if (s->rc)
        return s->rc;
    if (s->generic.nomem) /* libxml2 may have gone on without what it could not allocate */
        return qc_error_nomem(s->err);
    int empty = qc_xml_file_refuse_empty(in, s->path, s->expected, s->err);
    if (empty)
        return empty;
    if (s->xml_failed) {
        *s->err = s->xml_err;
        return s->xml_err.code;
    }
    if (!s->ctxt->wellFormed)
        return qc_error_set(s->err, QC_ERR_FORMAT, s->path, 0, 0, -1, "malformed XML");
    return QC_OK;
}

static int stream_file(const char *path, const char *expected, const qc_xml_stream_handler *h, qc_xml_skip *skip,
                       qc_error *err);

int qc_xml_stream_file(const char *path, const char *expected, const qc_xml_stream_handler *h, qc_error *err)
{
    return stream_file(path, expected, h, NULL, err);
}

int qc_xml_stream_file_skipping(const char *path, const char *expected, const qc_xml_stream_handler *h,
                                const char *skip, qc_error *err)
{
    qc_xml_skip k;
    qc_xml_skip_init(&k, skip);
    return stream_file(path, expected, h, &k, err);
}

static int stream_file(const char *path, const char *expected, const qc_xml_stream_handler *h, qc_xml_skip *skip,
                       qc_error *err)
{
    qc_error local;
    if (!err)
        err = &local;
    qc_xml_file_input in;
    if (qc_xml_file_open(&in, path) != 0)
        return qc_error_set(err, QC_ERR_IO, path, 0, 0, -1, "cannot open: %s", strerror(errno));
    qc_xml_init();
    qc_xml_parse s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.expected = expected;
    s.h = h;
    s.err = err;
    s.skip = skip;
    qc_xml_cut_init(&s.cut);
    /* Our callbacks only: no tree, no entity declarations kept, a DOCTYPE refused. */
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.ignorableWhitespace = on_text;
    sax.serror = on_error;
    sax.internalSubset = refuse_dtd;
    sax.externalSubset = refuse_dtd;
    qc_xml_generic_catch(&s.generic); /* from the context's allocation on */
    s.ctxt = xmlCreatePushParserCtxt(&sax, &s, NULL, 0, path);
    int rc;
    if (!s.ctxt) {
        rc = qc_error_nomem(err);
    } else {
        /* NOENT: without it libxml2 hands an attribute's "&amp;" on as "&#38;" (kept for a tree
         * builder to decode), so a document id "R&D.txt" came back as "R&#38;D.txt". With the
         * DOCTYPE refused no entity can be declared, so only the predefined ones and character
         * references are substituted. */
        int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOENT;
#ifdef XML_PARSE_NO_XXE
        opts |= XML_PARSE_NO_XXE;
#endif
        xmlCtxtUseOptions(s.ctxt, opts);
        rc = parse(&s, &in);
        xmlFreeParserCtxt(s.ctxt);
    }
    qc_xml_generic_release(&s.generic);
    qc_free(s.attrs);
    qc_xml_file_close(&in);
    return rc;
}
