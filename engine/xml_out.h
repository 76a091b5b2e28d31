/* A streaming XML writer for results.xml: elements, attributes and text written straight into a
 * large buffer and on to a FILE, indented two spaces a level exactly as libxml2's text writer
 * indents (the format documents were first written with it). It exists for speed: a gigabyte corpus
 * gives millions of quotations, and libxml2's writer cost more than coding them. Strings are UTF-8;
 * characters XML 1.0 cannot carry (C0 controls but tab and LF, U+FFFE, U+FFFF) become U+FFFD. */
#ifndef QC_XML_OUT_H
#define QC_XML_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

typedef struct qc_xml_out {
    FILE *fp;
    char *buf;
    size_t len, cap;
    /* open elements: names (borrowed: string literals or strings that outlive the element) */
    const char **names;
    size_t *name_lens;
    unsigned char *state; /* per open element: 0 start tag open, 1 has child elements, 2 has text */
    size_t depth, depth_cap;
    const char *root_ns; /* xmlns of the root, written when its start tag closes */
    size_t base_depth;   /* a fragment's elements opened elsewhere */
    int error;           /* errno of the first failed write, or ENOMEM */
    int writeback;       /* a regular file: ask the kernel to write it to disk as it grows */
    struct qc_direct_out *direct; /* a regular file written past the page cache (direct_out.h) */
    off_t synced;        /* bytes already handed to writeback */
    /* With direct output, bytes are rendered straight into its buffer: buf is then its free room,
     * unless it is own (own_cap bytes, ours), which holds what the end of a buffer has no room for. */
    char *own;
    size_t own_cap;
    /* Instead of a FILE: a full buffer is handed to sink, which takes it (buf, len bytes) and
     * puts a new empty one of *cap bytes in *buf; nonzero (an errno) stops the writer. */
    int (*sink)(void *user, char **buf, size_t len, size_t *cap);
    void *sink_user;
} qc_xml_out;

/* Starts a document (the XML declaration) on fp. A regular file that fp is at the start of and has
 * nothing buffered for is written with direct I/O when the file system allows (direct_out.h); the
 * caller must then not write to fp itself before qc_xml_out_end. 0, or -1 out of memory. */
int qc_xml_out_begin(qc_xml_out *x, FILE *fp);
/* Starts a fragment: what goes inside `depth` elements opened (and holding elements) by another
 * writer, with the same indentation and no declaration, written into buffers handed to sink (see
 * the struct) instead of a FILE; buf (cap bytes, allocated with qc_malloc, may be NULL: -1) is its
 * first buffer and is the writer's from then on. For rendering parts of a document in parallel.
 * 0, or -1 out of memory (free with qc_xml_out_free). */
int qc_xml_out_begin_sink(qc_xml_out *x, size_t depth, char *buf, size_t cap,
                          int (*sink)(void *user, char **buf, size_t len, size_t *cap), void *user);
/* Closes the start tag of the current element, which is to hold elements written elsewhere (by
 * fragments appended with qc_xml_out_write_raw). */
void qc_xml_out_open_children(qc_xml_out *x);
/* Text escaped as element content, appended as it is (no start tag closed: the caller writes the
 * element's tags itself, as raw bytes). */
void qc_xml_out_text(qc_xml_out *x, const char *text, size_t len);
/* Appends bytes rendered elsewhere, after what is buffered. */
void qc_xml_out_write_raw(qc_xml_out *x, const char *data, size_t len);
/* Closes every open element (of a fragment: its own) and flushes; returns 0 or the errno of the
 * first failure. Frees. */
int qc_xml_out_end(qc_xml_out *x);
/* Frees without finishing (after a failure). */
void qc_xml_out_free(qc_xml_out *x);

/* An element; ns (or NULL) becomes its xmlns attribute. name must live until its end. */
void qc_xml_start(qc_xml_out *x, const char *name, const char *ns);
void qc_xml_end(qc_xml_out *x);
/* Text content of the current element. */
void qc_xml_text(qc_xml_out *x, const char *text);
void qc_xml_text_n(qc_xml_out *x, const char *text, size_t len);

/* Elements and attributes with the name's length given (callers with literal names save a strlen
 * per call). */
void qc_xml_start_n(qc_xml_out *x, const char *name, size_t name_len, const char *ns);
void qc_xml_attr_n(qc_xml_out *x, const char *name, size_t name_len, const char *value);
/* With the value's length given too (value may hold no NUL then). */
void qc_xml_attr_nn(qc_xml_out *x, const char *name, size_t name_len, const char *value, size_t value_len);

/* Whether s[0..n) is read back from an attribute or text as the same bytes (it holds nothing the
 * writer replaces with U+FFFD); qc_xml_as_read appends to b what is read back. A file name that
 * is not UTF-8 is written as its reader will name it, and compared so (recode, manual codings). */
struct qc_buf;
int qc_xml_carries(const char *s, size_t n);
void qc_xml_as_read(struct qc_buf *b, const char *s, size_t n);
/* The bytes that enc[0..len), percent-encoded beside a value XML could not carry (pathBytes,
 * valueBytes: write_xml.c), stands for, into *bytes: 0 when they are a name (not empty, no NUL)
 * that reads back as `shown`; 1 when enc is no percent-encoded name; 2 when it is another value's
 * (left behind when the value was edited); QC_ERR_NOMEM. */
int qc_xml_bytes_beside(const char *enc, size_t len, const char *shown, struct qc_buf *bytes);
/* The string s as results.xml gives it back: s itself when the writer carries it, else its read
 * form, built in *tmp (an empty buffer; the caller frees it with qc_buf_free). NULL: out of memory. */
const char *qc_xml_read_form(const char *s, struct qc_buf *tmp);
/* A file name for people to read in text that goes into XML (a project's provenance), appended to
 * b: s itself when the writer carries it, else with each byte it cannot carry as %XX and each `%`
 * as %25, so that the name shows as not UTF-8 and its bytes can be recovered (percent-decoding),
 * where U+FFFD lost them. */
void qc_xml_put_shown_name(struct qc_buf *b, const char *s, size_t n);

/* Room for n more bytes after what is buffered (flushing or growing the buffer), or NULL after an
 * error: the slow path of qc_xml_out_room. */
char *qc_xml_out_room_slow(qc_xml_out *x, size_t n);

/* Where n more bytes go, written in place by the caller, who then adds n to x->len; NULL after an
 * error. Inline: the writers of results.xml's spans call it for nearly every piece they write. */
static inline char *qc_xml_out_room(qc_xml_out *x, size_t n)
{
    return x->cap - x->len >= n ? x->buf + x->len : qc_xml_out_room_slow(x, n);
}

/* n bytes appended as they are: markup or text already escaped. */
static inline void qc_xml_out_put(qc_xml_out *x, const void *bytes, size_t n)
{
    char *at = qc_xml_out_room(x, n);
    if (!at)
        return;
    memcpy(at, bytes, n);
    x->len += n;
}
/* "00" to "99", for writing numbers two digits per division. */
extern const char qc_xml_digit_pairs[201];
/* 0, then 10 to 10^19: the bounds qc_xml_digits compares with. */
extern const uint64_t qc_xml_pow10[20];

/* The number of decimal digits of v (1 to 20) from its bit length, with one comparison: a loop
 * multiplying by ten cost a compare and a multiply per digit, for five numbers per hit. */
static inline size_t qc_xml_digits(uint64_t v)
{
    unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12; /* bits times log10(2) */
    return t + 1 - (v < qc_xml_pow10[t]);
}

/* Writes v's digits at d, last first once their count is known; returns their end. Numbers that
 * fit 32 bits (nearly all: offsets, turns, counts) are divided in 32 bits, which takes fewer
 * instructions than the 64-bit division by a constant. */
static inline char *qc_xml_put_u64(char *d, uint64_t v)
{
    /* A hit's rule (its index in the code, one digit in nearly every codebook) is one number in
     * three that are written: one store instead of counting digits. */
    if (v < 10) {
        *d = (char)('0' + v);
        return d + 1;
    }
    char *e = d + qc_xml_digits(v), *p = e;
    while (v > UINT32_MAX) {
        unsigned pair = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, qc_xml_digit_pairs + 2 * pair, 2);
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        uint32_t pair = w % 100;
        w /= 100;
        p -= 2;
        memcpy(p, qc_xml_digit_pairs + 2 * pair, 2);
    }
    if (w >= 10)
        memcpy(p - 2, qc_xml_digit_pairs + 2 * w, 2);
    else
        p[-1] = (char)('0' + w);
    return e;
}

/* A number attribute. Inline because numbers are most of a results.xml's attributes (five per
 * hit): with a literal name its copy is a few moves, and the digits are written in place; out of
 * line, the call and the name's memcpy cost more than the digits. */
static inline void qc_xml_attr_u64_n(qc_xml_out *x, const char *name, size_t name_len, uint64_t value)
{
    size_t total = name_len + 24; /* ' name="digits"', at most 20 digits */
    char *at = qc_xml_out_room(x, total);
    if (!at)
        return;
    at[0] = ' ';
    memcpy(at + 1, name, name_len);
    at += 1 + name_len;
    at[0] = '=';
    at[1] = '"';
    char *d = qc_xml_put_u64(at + 2, value);
    *d++ = '"';
    x->len = (size_t)(d - x->buf);
}

#endif
