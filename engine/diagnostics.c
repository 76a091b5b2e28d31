#include "diagnostics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "alloc.h"
#include "error.h"
#include "text.h"

int qc_diag_init(qc_diag_list *d, const char *file, const char *text, size_t size)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->text = text;
    d->size = size;
    /* Lines end in LF, CRLF or a lone CR (files saved by old Mac tools), as in transcripts. */
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n' || (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n'));
    d->line_starts = qc_malloc(lines * sizeof *d->line_starts);
    if (!d->line_starts)
        return QC_ERR_NOMEM;
    d->line_starts[0] = 0;
    size_t n = 1;
    for (size_t i = 0; i < size; i++)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n')))
            d->line_starts[n++] = i + 1;
    d->line_count = n;
    return 0;
}

void qc_diag_free(qc_diag_list *d)
{
    for (size_t i = 0; i < d->count; i++)
        qc_free(d->items[i].message);
    qc_free(d->items);
    qc_free(d->line_starts);
    memset(d, 0, sizeof *d);
}

/* Whether a code point is never copied into a message: a control character (C0, DEL, C1), which
 * a terminal would act on, or one that shows nothing (a format character such as a BOM, a zero
 * width space or a bidirectional override, a line or paragraph separator), with which
 * "unknown keyword 'code'" hid a BOM in the middle of the file and an override can make a line
 * read otherwise than it is. */
static int is_control(int32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return 1;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

size_t qc_printable(const char *s, char *out, size_t cap)
{
    size_t len = s ? strlen(s) : 0, n = 0, written = 0;
    int full = cap == 0;
    for (size_t i = 0; i < len;) {
        char unit[8];
        size_t k, at = i;
        int32_t cp = qc_utf8_decode(s, len, &i);
        if (cp < 0) {
            unit[0] = '?';
            k = 1;
            i++;
        } else if (is_control(cp)) {
            k = (size_t)snprintf(unit, sizeof unit, "U+%04X", (unsigned)cp);
        } else {
            k = i - at;
            memcpy(unit, s + at, k);
        }
        /* cut at a character, never inside one */
        if (!full && written + k < cap) {
            memcpy(out + written, unit, k);
            written += k;
        } else {
            full = 1;
        }
        n += k;
    }
    if (cap)
        out[written] = '\0';
    return n;
}

static void push(qc_diag_list *d, qc_severity severity, uint32_t line, uint32_t column, uint32_t length,
                 const char *message)
{
    if (QC_GROW(d->items, d->cap, d->count + 1) < 0) {
        d->nomem = 1;
        return;
    }
    char clean[QC_ERROR_MESSAGE_MAX];
    qc_printable(message, clean, sizeof clean);
    char *copy = qc_strdup(clean);
    if (!copy) {
        d->nomem = 1;
        return;
    }
    qc_diag_entry *e = &d->items[d->count];
    e->severity = severity;
    e->line = line;
    e->column = column ? column : 1;
    e->length = length ? length : 1;
    e->seq = (uint32_t)d->count;
    e->message = copy;
    d->count++;
}

void qc_diag_add(qc_diag_list *d, qc_severity severity, uint32_t line, uint32_t column, uint32_t length,
                 const char *fmt, ...)
{
    if (severity == QC_SEVERITY_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->count >= QC_DIAG_MAX) {
        d->dropped++;
        d->dropped_errors += severity == QC_SEVERITY_ERROR;
        return;
    }
    char message[QC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    push(d, severity, line, column, length, message);
}

size_t qc_diag_line_end(const qc_diag_list *d, uint32_t line)
{
    size_t end = line < d->line_count ? d->line_starts[line] - 1 : d->size;
    size_t start = d->line_starts[line - 1];
    if (end > start && end < d->size && d->text[end] == '\n' && d->text[end - 1] == '\r')
        end--;
    return end;
}

uint32_t qc_diag_column(qc_diag_list *d, uint32_t line, size_t byte_in_line)
{
    if (line == 0 || line > d->line_count)
        return 1;
    size_t start = d->line_starts[line - 1];
    uint32_t col = 1;
    size_t i = 0;
    if (d->cache_line == line && d->cache_byte <= byte_in_line) {
        i = d->cache_byte;
        col = d->cache_col;
    }
    for (; i < byte_in_line && start + i < d->size; i++)
        if (((unsigned char)d->text[start + i] & 0xC0) != 0x80)
            col++;
    d->cache_line = line;
    d->cache_byte = i;
    d->cache_col = col;
    return col;
}

static int compare_entries(const void *pa, const void *pb)
{
    const qc_diag_entry *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The source line for a caret display: NULs, control characters (ESC would reach the terminal)
 * and invalid bytes would cut or garble it, so each is shown as one '?' (a tab stays: it lines
 * the caret up). Returns a string to qc_free, or NULL. */
static char *source_line(const qc_diag_list *d, uint32_t line)
{
    if (line == 0 || line > d->line_count)
        return NULL;
    size_t start = d->line_starts[line - 1], end = qc_diag_line_end(d, line);
    char *s = qc_strndup(d->text + start, end - start);
    if (!s)
        return NULL;
    size_t out = 0;
    for (size_t i = 0; i < end - start;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        int ok = n > 0 && i + n <= end - start && c != 0;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (!ok) {
            s[out++] = '?';
            i++;
            continue;
        }
        /* C0 controls and DEL are one byte, C1 controls two (C2 80..C2 9F): one '?' each. */
        if ((c < 0x20 && c != '\t') || c == 0x7F || (c == 0xC2 && (unsigned char)s[i + 1] <= 0x9F)) {
            s[out++] = '?';
            i += n;
            continue;
        }
        memmove(s + out, s + i, n);
        out += n;
        i += n;
    }
    s[out] = '\0';
    return s;
}

int qc_diag_emit(qc_diag_list *d, const qc_codebook_options *opts, qc_error *err)
{
    if (d->dropped) {
        char msg[96];
        snprintf(msg, sizeof msg, "too many problems: %zu more not shown", d->dropped);
        push(d, d->errors ? QC_SEVERITY_ERROR : QC_SEVERITY_WARNING, (uint32_t)d->line_count, 1, 1, msg);
        d->items[d->count - 1].seq = UINT32_MAX;
    }
    if (d->count > 1)
        qsort(d->items, d->count, sizeof *d->items, compare_entries);
    int first_error = 1;
    for (size_t i = 0; i < d->count; i++) {
        qc_diag_entry *e = &d->items[i];
        if (e->severity == QC_SEVERITY_ERROR && first_error) {
            first_error = 0;
            size_t offset = e->line && e->line <= d->line_count ? d->line_starts[e->line - 1] : 0;
            qc_error_set(err, QC_ERR_CODEBOOK, d->file, e->line, e->column, (int64_t)offset, "%s", e->message);
        }
        if (opts && opts->on_diagnostic) {
            char *src = source_line(d, e->line);
            qc_diagnostic diag = {e->severity, d->file, e->line, e->column, e->length, e->message, src, 0, 0};
            if (e->seq == UINT32_MAX) {
                diag.not_shown_errors = d->dropped_errors;
                diag.not_shown_warnings = d->dropped - d->dropped_errors;
            }
            opts->on_diagnostic(&diag, opts->user);
            qc_free(src);
        }
    }
    if (d->nomem)
        return qc_error_nomem(err);
    return d->errors ? QC_ERR_CODEBOOK : 0;
}

size_t qc_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char ca = a[i - 1], cb = b[j - 1];
            if (ca >= 'A' && ca <= 'Z')
                ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z')
                cb = (char)(cb - 'A' + 'a');
            size_t v = diag + (ca != cb);
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            diag = row[j];
            row[j] = v;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}
