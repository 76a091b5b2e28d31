/* The streaming XML writer (xml_out.h). Escaping looks at 16 bytes at a time (SSE2 where the
 * compiler targets it) because quotation texts are most of what results.xml holds and almost none
 * of their bytes need escaping. */
#define _GNU_SOURCE /* sync_file_range */
#include "xml_out.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "buf.h"
#include "direct_out.h"
#include "qcode/common.h"
#include "text.h"

enum { OUT_BUF = 1 << 18, OPEN = 0, ELEMS = 1, TEXT = 2 };

/* Written bytes after which the kernel is asked to start writing them to disk, so that the fsync
 * that commits the file finds little left to do (the disk works while the run goes on). */
#define WRITEBACK_STEP ((off_t)32 << 20)

static void start_writeback(qc_xml_out *x)
{
#if defined(SYNC_FILE_RANGE_WRITE)
    off_t at = ftello(x->fp);
    if (at < 0 || at - x->synced < WRITEBACK_STEP || fflush(x->fp) != 0)
        return;
    /* A hint: a range it misses is written by the fsync all the same. */
    (void)sync_file_range(fileno(x->fp), x->synced, at - x->synced, SYNC_FILE_RANGE_WRITE);
    x->synced = at;
#endif
}

/* Writes bytes to the file: directly, or through fp. */
static void emit(qc_xml_out *x, const char *data, size_t len)
{
    if (x->direct) {
        int e = qc_direct_out_write(x->direct, data, len);
        if (e)
            x->error = e;
    } else if (fwrite(data, 1, len, x->fp) != len) {
        x->error = errno ? errno : EIO;
    } else if (x->writeback) {
        start_writeback(x);
    }
}

/* Renders on into the direct output's buffer, where it has room. */
static void take_room(qc_xml_out *x)
{
    x->buf = qc_direct_out_room(x->direct, &x->cap);
    x->len = 0;
}

/* Grows *buf, ours, to n bytes at least; 0, or -1 with the writer failed. */
static int grow(qc_xml_out *x, char **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    char *b = qc_realloc(*buf, n);
    if (!b) {
        x->error = ENOMEM;
        return -1;
    }
    *buf = b;
    *cap = n;
    return 0;
}

static void flush(qc_xml_out *x)
{
    if (x->len && !x->error) {
        if (x->sink) {
            int e = x->sink(x->sink_user, &x->buf, x->len, &x->cap);
            if (e || !x->buf) {
                x->error = e ? e : ENOMEM;
                x->cap = 0;
            }
        } else if (x->direct && x->buf != x->own) { /* rendered in the direct output's room */
            int e = qc_direct_out_commit(x->direct, x->len);
            if (e)
                x->error = e;
        } else {
            emit(x, x->buf, x->len);
        }
    }
    x->len = 0;
    if (x->direct && !x->error)
        take_room(x);
    else if (x->direct)
        x->cap = 0; /* after a failure nothing is rendered into a buffer the writers may hold */
}

/* Room for n more bytes: the slow path of qc_xml_out_room (xml_out.h). */
char *qc_xml_out_room_slow(qc_xml_out *x, size_t n)
{
    flush(x);
    if (x->error)
        return NULL;
    if (n > x->cap && x->direct) {
        /* The end of a direct buffer is too small for n bytes together: they go to own, and on at
         * the next flush (copied, across the buffers' boundary) as soon as they are written. */
        if (grow(x, &x->own, &x->own_cap, n) != 0)
            return NULL;
        x->buf = x->own;
        x->cap = n;
    } else if (grow(x, &x->buf, &x->cap, n) != 0) {
        return NULL;
    }
    return x->buf + x->len;
}

static void puts_(qc_xml_out *x, const char *s)
{
    qc_xml_out_put(x, s, strlen(s));
}

/* Writing back early is for a regular file, the results themselves (not a device, a pipe or a
 * temporary part). */
static void close_start_tag(qc_xml_out *x, int then);

static int is_regular_file(FILE *fp)
{
    struct stat st;
    return fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
}

int qc_xml_out_begin(qc_xml_out *x, FILE *fp)
{
    memset(x, 0, sizeof *x);
    x->fp = fp;
    x->writeback = is_regular_file(fp);
    if (x->writeback && ftello(fp) == 0)
        x->direct = qc_direct_out_open(fileno(fp));
    x->cap = OUT_BUF;
    x->buf = qc_malloc(x->cap);
    if (!x->buf)
        return -1;
    if (x->direct) {
        x->own = x->buf;
        x->own_cap = x->cap;
        take_room(x);
    }
    puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    return 0;
}

int qc_xml_out_begin_sink(qc_xml_out *x, size_t depth, char *buf, size_t cap,
                          int (*sink)(void *user, char **buf, size_t len, size_t *cap), void *user)
{
    /* The `depth` elements around the fragment are open elsewhere and hold elements. */
    memset(x, 0, sizeof *x);
    x->buf = buf;
    x->cap = cap;
    x->sink = sink;
    x->sink_user = user;
    x->names = qc_calloc(depth + 1, sizeof *x->names);
    x->name_lens = qc_calloc(depth + 1, sizeof *x->name_lens);
    x->state = qc_calloc(depth + 1, 1);
    if (!x->buf || !x->names || !x->name_lens || !x->state)
        return -1;
    x->depth_cap = depth + 1;
    for (size_t d = 0; d < depth; d++)
        x->state[d] = ELEMS;
    x->depth = x->base_depth = depth;
    return 0;
}

void qc_xml_out_open_children(qc_xml_out *x)
{
    close_start_tag(x, ELEMS);
}

void qc_xml_out_write_raw(qc_xml_out *x, const char *data, size_t len)
{
    if (len <= x->cap - x->len) {
        qc_xml_out_put(x, data, len);
        return;
    }
    flush(x);
    if (!x->error)
        emit(x, data, len);
    if (x->direct && !x->error)
        take_room(x); /* the room moved on past data */
    else if (x->direct)
        x->cap = 0;
}

void qc_xml_out_free(qc_xml_out *x)
{
    if (x->direct)
        (void)qc_direct_out_close(x->direct); /* a failure: the output is abandoned anyway */
    qc_free(x->own ? x->own : x->buf);        /* buf may be the direct output's room */
    qc_free(x->names);
    qc_free(x->name_lens);
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
    if (then == ELEMS)
        qc_xml_out_put(x, ">\n", 2);
    else
        qc_xml_out_put(x, ">", 1);
    x->state[x->depth - 1] = (unsigned char)then;
}

static void indent(qc_xml_out *x)
{
    size_t n = x->depth * 2;
    char *at = qc_xml_out_room(x, n);
    if (!at)
        return;
    memset(at, ' ', n);
    x->len += n;
}

/* Room for one more open element. */
static int grow_depth(qc_xml_out *x)
{
    size_t cap = x->depth_cap ? x->depth_cap * 2 : 16;
    const char **names = qc_realloc(x->names, cap * sizeof *names);
    if (!names)
        return -1;
    x->names = names;
    size_t *lens = qc_realloc(x->name_lens, cap * sizeof *lens);
    if (!lens)
        return -1;
    x->name_lens = lens;
    unsigned char *st = qc_realloc(x->state, cap);
    if (!st)
        return -1;
    x->state = st;
    x->depth_cap = cap;
    return 0;
}

void qc_xml_start_n(qc_xml_out *x, const char *name, size_t name_len, const char *ns)
{
    close_start_tag(x, ELEMS);
    if (x->depth && x->state[x->depth - 1] == TEXT)
        x->state[x->depth - 1] = ELEMS; /* mixed content: not written by qcode */
    if (x->depth + 1 > x->depth_cap && grow_depth(x) != 0) {
        x->error = ENOMEM;
        return;
    }
    size_t n = x->depth * 2;
    char *at = qc_xml_out_room(x, n + 1 + name_len);
    if (!at)
        return;
    memset(at, ' ', n);
    at[n] = '<';
    memcpy(at + n + 1, name, name_len);
    x->len += n + 1 + name_len;
    if (x->depth == 0)
        x->root_ns = ns;
    x->names[x->depth] = name;
    x->name_lens[x->depth] = name_len;
    x->state[x->depth] = OPEN;
    x->depth++;
}

void qc_xml_start(qc_xml_out *x, const char *name, const char *ns)
{
    qc_xml_start_n(x, name, strlen(name), ns);
}

void qc_xml_end(qc_xml_out *x)
{
    /* After an error the elements open may not be those started (a start that failed pushed
     * nothing), and the output is to be thrown away: nothing more is written. A fragment never
     * closes the elements it was opened inside. */
    if (x->depth <= x->base_depth || x->error)
        return;
    size_t d = x->depth - 1;
    if (x->state[d] == OPEN) {
        if (d == 0 && x->root_ns) {
            puts_(x, " xmlns=\"");
            puts_(x, x->root_ns);
            puts_(x, "\"");
        }
        qc_xml_out_put(x, "/>\n", 3);
    } else {
        if (x->state[d] == ELEMS) {
            x->depth--;
            indent(x);
            x->depth++;
        }
        size_t name_len = x->name_lens[d];
        char *at = qc_xml_out_room(x, name_len + 4);
        if (at) {
            at[0] = '<';
            at[1] = '/';
            memcpy(at + 2, x->names[d], name_len);
            at[2 + name_len] = '>';
            at[3 + name_len] = '\n';
            x->len += name_len + 4;
        }
    }
    x->depth--;
}

/* Bytes that need more than a copy, in attributes (1) and in text (2). */
static const unsigned char special[256] = {
    [0] = 3,    [1] = 3,  [2] = 3,   [3] = 3,   [4] = 3,   [5] = 3,   [6] = 3,    [7] = 3,  [8] = 3,  ['\t'] = 1,
    ['\n'] = 1, [11] = 3, [12] = 3,  [13] = 3,  [14] = 3,  [15] = 3,  [16] = 3,   [17] = 3, [18] = 3, [19] = 3,
    [20] = 3,   [21] = 3, [22] = 3,  [23] = 3,  [24] = 3,  [25] = 3,  [26] = 3,   [27] = 3, [28] = 3, [29] = 3,
    [30] = 3,   [31] = 3, ['&'] = 3, ['<'] = 3, ['>'] = 3, ['"'] = 3, [0xEF] = 3,
};

#if defined(__SSE2__)
/* Bits of the 16 bytes at p that may need escaping: bytes below 0x20, '&', '<', '>', '"' and 0xEF;
 * the table decides (tab and LF are plain in text). */
static inline unsigned candidates(const unsigned char *p)
{
    const __m128i c1f = _mm_set1_epi8(0x1F), amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
                  ef = _mm_set1_epi8((char)0xEF), quot = _mm_set1_epi8('"');
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i hit = _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f);
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, amp));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, lt));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, gt));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, ef));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, quot));
    return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* The length of the run of p[0..n) that needs no escaping under mask. */
static size_t plain_run(const unsigned char *p, size_t n, unsigned mask)
{
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        for (unsigned bits = candidates(p + i); bits; bits &= bits - 1) {
            unsigned k = (unsigned)__builtin_ctz(bits);
            if (special[p[i + k]] & mask)
                return i + k;
        }
    }
    if (i < n && n >= 16) {
        /* The last bytes as the 16 that end them: those before i were found plain already, so the
         * first byte found here is at i or after. Byte by byte, the tails of a span's texts were
         * half of what finding their runs cost. */
        size_t last = n - 16;
        for (unsigned bits = candidates(p + last); bits; bits &= bits - 1) {
            unsigned k = (unsigned)__builtin_ctz(bits);
            if (special[p[last + k]] & mask)
                return last + k;
        }
        return n;
    }
#endif
    for (; i < n; i++)
        if (special[p[i]] & mask)
            return i;
    return n;
}

/* Writes s[0..n) escaped; mask 1 for an attribute value, 2 for text. */
static void escaped(qc_xml_out *x, const char *s, size_t n, unsigned mask)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        size_t run = plain_run(p, (size_t)(e - p), mask);
        qc_xml_out_put(x, (const char *)p, run);
        p += run;
        if (p == e)
            return;
        unsigned char c = *p++;
        switch (c) {
        case '&': qc_xml_out_put(x, "&amp;", 5); break;
        case '<': qc_xml_out_put(x, "&lt;", 4); break;
        case '>': qc_xml_out_put(x, "&gt;", 4); break;
        case '"': qc_xml_out_put(x, "&quot;", 6); break;
        case '\t': qc_xml_out_put(x, "&#9;", 4); break;
        case '\n': qc_xml_out_put(x, "&#10;", 5); break;
        case 0xEF:
            if (e - p >= 2 && p[0] == 0xBF && (p[1] == 0xBE || p[1] == 0xBF)) {
                qc_xml_out_put(x, "\xEF\xBF\xBD", 3); /* U+FFFE, U+FFFF */
                p += 2;
            } else {
                qc_xml_out_put(x, "\xEF", 1); /* an ordinary character: its other bytes follow with the run */
            }
            break;
        default: qc_xml_out_put(x, "\xEF\xBF\xBD", 3); break; /* C0 controls */
        }
    }
}

void qc_xml_attr_nn(qc_xml_out *x, const char *name, size_t name_len, const char *value, size_t value_len)
{
    char *at = qc_xml_out_room(x, name_len + 3);
    if (!at)
        return;
    at[0] = ' ';
    memcpy(at + 1, name, name_len);
    at[1 + name_len] = '=';
    at[2 + name_len] = '"';
    x->len += name_len + 3;
    /* Text from documents is UTF-8 by the time it gets here; an attribute may carry what is not:
     * a file name or a command-line value in another encoding would make the file unreadable XML.
     * Each bad byte becomes U+FFFD. */
    size_t bad;
    while (!qc_utf8_valid(value, value_len, &bad)) {
        escaped(x, value, bad, 1);
        qc_xml_out_put(x, "\xEF\xBF\xBD", 3);
        value += bad + 1;
        value_len -= bad + 1;
    }
    escaped(x, value, value_len, 1);
    qc_xml_out_put(x, "\"", 1);
}

/* The length of s[0..n)'s longest prefix that XML carries as it is; *lost: how many bytes after
 * it are written as one U+FFFD (a byte that is not UTF-8, a C0 control but tab and LF, U+FFFE or
 * U+FFFF), 0 at the end. The rule of escaped() and qc_xml_attr_nn, for the callers that need
 * what a reader gets back. */
static size_t carried(const char *s, size_t n, size_t *lost)
{
    size_t valid = n, bad;
    if (!qc_utf8_valid(s, n, &bad))
        valid = bad;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < valid; i++) {
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
            return *lost = 1, i;
        if (p[i] == 0xEF && i + 2 < valid && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF))
            return *lost = 3, i;
    }
    *lost = valid < n;
    return valid;
}

int qc_xml_carries(const char *s, size_t n)
{
    size_t lost;
    return carried(s, n, &lost) == n;
}

void qc_xml_as_read(qc_buf *b, const char *s, size_t n)
{
    while (n) {
        size_t lost, run = carried(s, n, &lost);
        qc_buf_append(b, s, run);
        if (lost)
            qc_buf_append(b, "\xEF\xBF\xBD", 3);
        s += run + lost;
        n -= run + lost;
    }
}

const char *qc_xml_read_form(const char *s, qc_buf *tmp)
{
    size_t n = strlen(s);
    if (qc_xml_carries(s, n))
        return s;
    qc_xml_as_read(tmp, s, n);
    return qc_buf_failed(tmp) || !tmp->data ? NULL : tmp->data;
}

int qc_xml_bytes_beside(const char *enc, size_t len, const char *shown, qc_buf *bytes)
{
    qc_buf read = QC_BUF_INIT;
    int bad = qc_buf_put_unpercent(bytes, enc, len) != 0 || !bytes->len || memchr(bytes->data, '\0', bytes->len);
    if (!bad)
        qc_xml_as_read(&read, bytes->data, bytes->len);
    size_t n = shown ? strlen(shown) : 0;
    int rc = qc_buf_failed(bytes) || qc_buf_failed(&read)        ? QC_ERR_NOMEM
             : bad                                               ? 1
             : read.len != n || memcmp(read.data, shown, n) != 0 ? 2
                                                                 : 0;
    qc_buf_free(&read);
    return rc;
}

void qc_xml_put_shown_name(qc_buf *b, const char *s, size_t n)
{
    if (qc_xml_carries(s, n)) {
        qc_buf_append(b, s, n);
        return;
    }
    while (n) {
        size_t lost, run = carried(s, n, &lost);
        for (size_t i = 0; i < run; i++)
            if (s[i] == '%')
                qc_buf_puts(b, "%25");
            else
                qc_buf_putc(b, s[i]);
        qc_buf_put_percent(b, s + run, lost); /* bytes not UTF-8, or control characters */
        s += run + lost;
        n -= run + lost;
    }
}

void qc_xml_attr_n(qc_xml_out *x, const char *name, size_t name_len, const char *value)
{
    qc_xml_attr_nn(x, name, name_len, value ? value : "", value ? strlen(value) : 0);
}

/* "00" to "99": two digits per division (a results.xml is mostly numbers between its texts). */
const char qc_xml_digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";
const uint64_t qc_xml_pow10[20] = {0,
                                   10,
                                   100,
                                   1000,
                                   10000,
                                   100000,
                                   1000000,
                                   10000000,
                                   100000000,
                                   1000000000,
                                   10000000000,
                                   100000000000,
                                   1000000000000,
                                   10000000000000,
                                   100000000000000,
                                   1000000000000000,
                                   10000000000000000,
                                   100000000000000000,
                                   1000000000000000000,
                                   10000000000000000000u};

void qc_xml_out_text(qc_xml_out *x, const char *text, size_t len)
{
    escaped(x, text, len, 2);
}

void qc_xml_text_n(qc_xml_out *x, const char *text, size_t len)
{
    close_start_tag(x, TEXT);
    escaped(x, text, len, 2);
}

void qc_xml_text(qc_xml_out *x, const char *text)
{
    qc_xml_text_n(x, text ? text : "", text ? strlen(text) : 0);
}

int qc_xml_out_end(qc_xml_out *x)
{
    while (x->depth > x->base_depth && !x->error)
        qc_xml_end(x);
    flush(x);
    int e = x->error;
    if (x->direct) {
        int de = qc_direct_out_close(x->direct);
        x->direct = NULL;
        if (!e)
            e = de;
    }
    qc_xml_out_free(x);
    return e;
}
