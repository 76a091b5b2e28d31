#define _GNU_SOURCE /* memmem */
#include "xml_skip.h"

#include <string.h>

enum { TEXT, COMMENT, CDATA, PI, DROP_TAG, DROP_CONTENT, DROP_END_TAG };

void qc_xml_skip_init(qc_xml_skip *k, const char *name)
{
    memset(k, 0, sizeof *k);
    size_t n = strlen(name);
    if (n >= sizeof k->name)
        n = sizeof k->name - 1;
    memcpy(k->name, name, n);
    k->name_len = n;
    k->state = TEXT;
}

static int name_delim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/';
}

/* At a '<' with `avail` bytes from it: 1 when "<NAME" and a delimiter follow, 0 when they do not,
 * -1 when too few bytes are there to tell. */
static int starts_element(const qc_xml_skip *k, const char *p, size_t avail, int final)
{
    if (avail >= k->name_len + 2)
        return memcmp(p + 1, k->name, k->name_len) == 0 && name_delim(p[1 + k->name_len]);
    /* Cut short: undecided while what is there may still become "<NAME" and a delimiter. */
    return !final && memcmp(p + 1, k->name, avail - 1) == 0 ? -1 : 0;
}

/* Copies [from, to) to the output end *o (in place: *o never passes from). */
static void keep(char *buf, size_t *o, size_t from, size_t to)
{
    if (*o != from)
        memmove(buf + *o, buf + from, to - from);
    *o += to - from;
}

/* Passes a comment, CDATA section or processing instruction through to its terminator. */
static size_t pass_until(qc_xml_skip *k, char *buf, size_t *o, size_t i, size_t len, int final, const char *end)
{
    size_t end_len = strlen(end);
    const char *hit = memmem(buf + i, len - i, end, end_len);
    if (hit) {
        size_t stop = (size_t)(hit - buf) + end_len;
        keep(buf, o, i, stop);
        k->state = TEXT;
        return stop;
    }
    /* The terminator may start in the last end_len - 1 bytes: they wait for the next input. */
    size_t stop = final ? len : len - i < end_len ? i : len - (end_len - 1);
    keep(buf, o, i, stop);
    return stop;
}

size_t qc_xml_skip_filter(qc_xml_skip *k, char *buf, size_t len, int final, size_t *consumed)
{
    size_t i = 0, o = 0;
    *consumed = 0;
    if (k->failed)
        return (size_t)-1;
    while (i < len) {
        switch (k->state) {
        case TEXT: {
            const char *lt = memchr(buf + i, '<', len - i);
            size_t at = lt ? (size_t)(lt - buf) : len;
            keep(buf, &o, i, at);
            i = at;
            if (!lt)
                break;
            size_t avail = len - at;
            if (avail < 9 && !final) {
                /* Too little to tell "<!--", "<![CDATA[" or "<NAME ": decided with the next input. */
                *consumed = at;
                return o;
            }
            const char *p = buf + at;
            if (avail >= 4 && memcmp(p, "<!--", 4) == 0) {
                keep(buf, &o, at, at + 4);
                i = at + 4;
                k->state = COMMENT;
            } else if (avail >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
                keep(buf, &o, at, at + 9);
                i = at + 9;
                k->state = CDATA;
            } else if (avail >= 2 && p[1] == '?') {
                keep(buf, &o, at, at + 2);
                i = at + 2;
                k->state = PI;
            } else {
                int e = starts_element(k, p, avail, final);
                if (e < 0) {
                    *consumed = at;
                    return o;
                }
                if (e) {
                    i = at + 1 + k->name_len;
                    k->state = DROP_TAG;
                    k->quote = k->last = 0;
                } else {
                    keep(buf, &o, at, at + 1);
                    i = at + 1;
                }
            }
            break;
        }
        case COMMENT:
        case CDATA:
        case PI:
            i = pass_until(k, buf, &o, i, len, final, k->state == COMMENT ? "-->" : k->state == CDATA ? "]]>" : "?>");
            if (k->state != TEXT && i < len) {
                *consumed = i;
                return o;
            }
            break;
        case DROP_TAG:
            /* An attribute value at a time, then the names and blanks up to the next quote or '>':
             * a byte at a time with every case tested was half this scan's instructions. */
            while (i < len) {
                if (k->quote) {
                    while (i < len && buf[i] != k->quote)
                        i++;
                    if (i < len) {
                        k->quote = 0;
                        i++;
                    }
                    continue;
                }
                size_t from = i;
                while (i < len && buf[i] != '"' && buf[i] != '\'' && buf[i] != '>')
                    i++;
                if (i > from)
                    k->last = buf[i - 1];
                if (i == len)
                    break;
                if (buf[i++] == '>') {
                    k->state = k->last == '/' ? TEXT : DROP_CONTENT;
                    break;
                }
                k->quote = buf[i - 1];
            }
            break;
        case DROP_CONTENT:
            /* Markup after markup without going round the states' switch: a dropped element holds
             * several elements of its own (a span's text and codes). */
            for (;;) {
                const char *lt = memchr(buf + i, '<', len - i);
                if (!lt) {
                    i = len;
                    break;
                }
                size_t at = (size_t)(lt - buf), avail = len - at;
                if (avail < k->name_len + 3 && !final) {
                    *consumed = at;
                    return o;
                }
                const char *p = buf + at;
                if (avail >= 2 && (p[1] == '!' || p[1] == '?')) {
                    k->failed = 1; /* a comment, CDATA or PI inside: a scan cannot tell where it ends */
                    return (size_t)-1;
                }
                if (avail >= k->name_len + 2 && p[1] == '/' && memcmp(p + 2, k->name, k->name_len) == 0 &&
                    (avail == k->name_len + 2 || name_delim(p[2 + k->name_len]))) {
                    i = at + 2 + k->name_len;
                    k->state = DROP_END_TAG;
                    break;
                }
                /* (most markup in a dropped element is other elements': told by their first letter) */
                int e = (!k->name_len || (avail >= 2 && p[1] == k->name[0])) && starts_element(k, p, avail, 1);
                if (e) {
                    k->failed = 1; /* nested: qcode never writes it */
                    return (size_t)-1;
                }
                i = at + 1;
            }
            break;
        case DROP_END_TAG:
            for (; i < len && buf[i] != '>'; i++)
                if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') {
                    k->failed = 1;
                    return (size_t)-1;
                }
            if (i < len) {
                i++;
                k->state = TEXT;
            }
            break;
        }
    }
    *consumed = len;
    return o;
}
