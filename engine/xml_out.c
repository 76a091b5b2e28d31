/* The streaming XML writer (xml_out.h). */
#include "xml_out.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"

enum { OUT_BUF = 1 << 18, OPEN = 0, ELEMS = 1, TEXT = 2 };

static void flush(qc_xml_out *x)
{
    if (x->len && !x->error && fwrite(x->buf, 1, x->len, x->fp) != x->len)
        x->error = errno ? errno : EIO;
    x->len = 0;
}

/* Room for n more bytes. */
static char *room(qc_xml_out *x, size_t n)
{
    if (x->cap - x->len < n) {
        flush(x);
        if (n > x->cap) {
            char *b = qc_realloc(x->buf, n);
            if (!b) {
                x->error = ENOMEM;
                return NULL;
            }
            x->buf = b;
            x->cap = n;
        }
    }
    return x->buf + x->len;
}

static void put(qc_xml_out *x, const char *s, size_t n)
{
    char *at = room(x, n);
    if (!at)
        return;
    memcpy(at, s, n);
    x->len += n;
}

static void puts_(qc_xml_out *x, const char *s)
{
    put(x, s, strlen(s));
}

int qc_xml_out_begin(qc_xml_out *x, FILE *fp)
{
    memset(x, 0, sizeof *x);
    x->fp = fp;
    x->cap = OUT_BUF;
    x->buf = qc_malloc(x->cap);
    if (!x->buf)
        return -1;
    puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    return 0;
}

int qc_xml_out_begin_fragment(qc_xml_out *x, FILE *fp, size_t depth)
{
    memset(x, 0, sizeof *x);
    x->fp = fp;
    x->cap = OUT_BUF;
    x->buf = qc_malloc(x->cap);
    x->names = qc_calloc(depth + 1, sizeof *x->names);
    x->state = qc_calloc(depth + 1, 1);
    if (!x->buf || !x->names || !x->state)
        return -1;
    x->depth_cap = depth + 1;
    for (size_t d = 0; d < depth; d++)
        x->state[d] = ELEMS;
    x->depth = x->base_depth = depth;
    return 0;
}

int qc_xml_out_flush(qc_xml_out *x)
{
    flush(x);
    return x->error;
}

void qc_xml_out_free(qc_xml_out *x)
{
    qc_free(x->buf);
    qc_free(x->names);
    qc_free(x->state);
    memset(x, 0, sizeof *x);
}

/* Ends the start tag of the current element when it is still open. */
static void close_start_tag(qc_xml_out *x, int then)
{
    if (!x->depth || x->state[x->depth - 1] != OPEN)
        return;
    if (x->depth == 1 && x->root_ns) {
        puts_(x, " xmlns=\"");
        puts_(x, x->root_ns);
        puts_(x, "\"");
    }
    puts_(x, then == ELEMS ? ">\n" : ">");
    x->state[x->depth - 1] = (unsigned char)then;
}

static void indent(qc_xml_out *x)
{
    size_t n = x->depth * 2;
    char *at = room(x, n);
    if (!at)
        return;
    memset(at, ' ', n);
    x->len += n;
}

void qc_xml_start(qc_xml_out *x, const char *name, const char *ns)
{
    close_start_tag(x, ELEMS);
    if (x->depth && x->state[x->depth - 1] == TEXT)
        x->state[x->depth - 1] = ELEMS; /* mixed content: not written by qcode */
    if (QC_GROW(x->names, x->depth_cap, x->depth + 1) != 0) {
        x->error = ENOMEM;
        return;
    }
    size_t cap = x->depth_cap;
    unsigned char *st = qc_realloc(x->state, cap);
    if (!st) {
        x->error = ENOMEM;
        return;
    }
    x->state = st;
    indent(x);
    put(x, "<", 1);
    puts_(x, name);
    if (x->depth == 0)
        x->root_ns = ns;
    x->names[x->depth] = name;
    x->state[x->depth] = OPEN;
    x->depth++;
}

void qc_xml_end(qc_xml_out *x)
{
    if (!x->depth)
        return;
    size_t d = x->depth - 1;
    if (x->state[d] == OPEN) {
        if (d == 0 && x->root_ns) {
            puts_(x, " xmlns=\"");
            puts_(x, x->root_ns);
            puts_(x, "\"");
        }
        puts_(x, "/>\n");
    } else {
        if (x->state[d] == ELEMS) {
            x->depth--;
            indent(x);
            x->depth++;
        }
        put(x, "</", 2);
        puts_(x, x->names[d]);
        put(x, ">\n", 2);
    }
    x->depth--;
}

/* Bytes that need more than a copy, in attributes (1) and in text (2). */
static const unsigned char special[256] = {
    [0] = 3, [1] = 3, [2] = 3, [3] = 3, [4] = 3, [5] = 3, [6] = 3, [7] = 3, [8] = 3, ['\t'] = 1, ['\n'] = 1,
    [11] = 3, [12] = 3, [13] = 3, [14] = 3, [15] = 3, [16] = 3, [17] = 3, [18] = 3, [19] = 3, [20] = 3, [21] = 3,
    [22] = 3, [23] = 3, [24] = 3, [25] = 3, [26] = 3, [27] = 3, [28] = 3, [29] = 3, [30] = 3, [31] = 3,
    ['&'] = 3, ['<'] = 3, ['>'] = 3, ['"'] = 3, [0xEF] = 3,
};

/* Writes s escaped; mask 1 for an attribute value, 2 for text. */
static void escaped(qc_xml_out *x, const char *s, unsigned mask)
{
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (;; p++) {
        unsigned char c = *p;
        if (!(special[c] & mask) && c)
            continue;
        put(x, (const char *)run, (size_t)(p - run));
        run = p + 1;
        if (!c)
            return;
        switch (c) {
        case '&': puts_(x, "&amp;"); break;
        case '<': puts_(x, "&lt;"); break;
        case '>': puts_(x, "&gt;"); break;
        case '"': puts_(x, "&quot;"); break;
        case '\t': puts_(x, "&#9;"); break;
        case '\n': puts_(x, "&#10;"); break;
        case 0xEF:
            if (p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
                puts_(x, "\xEF\xBF\xBD"); /* U+FFFE, U+FFFF */
                p += 2;
                run = p + 1;
            } else {
                run = p; /* an ordinary character: copied with the run */
            }
            break;
        default: puts_(x, "\xEF\xBF\xBD"); break; /* C0 controls */
        }
    }
}

void qc_xml_attr(qc_xml_out *x, const char *name, const char *value)
{
    put(x, " ", 1);
    puts_(x, name);
    put(x, "=\"", 2);
    escaped(x, value ? value : "", 1);
    put(x, "\"", 1);
}

void qc_xml_attr_u64(qc_xml_out *x, const char *name, uint64_t value)
{
    char num[24];
    size_t n = 0;
    do {
        num[sizeof num - 1 - n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    put(x, " ", 1);
    puts_(x, name);
    put(x, "=\"", 2);
    put(x, num + sizeof num - n, n);
    put(x, "\"", 1);
}

void qc_xml_text(qc_xml_out *x, const char *text)
{
    close_start_tag(x, TEXT);
    escaped(x, text ? text : "", 2);
}

int qc_xml_out_end(qc_xml_out *x)
{
    while (x->depth > x->base_depth)
        qc_xml_end(x);
    flush(x);
    int e = x->error;
    qc_xml_out_free(x);
    return e;
}
