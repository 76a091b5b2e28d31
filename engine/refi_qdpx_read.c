/* `qcode import project.qdpx -o DIR`: a REFI-QDA project into qcode's files.
 *
 * Real archives differ from the spec (any *.qde name, `Sources/`, BOMs, no `internal://`), and so
 * do positions: NVivo counts UTF-16 code units with CRLF as two, ATLAS.ti code points with CRLF as
 * one, the spec and QualCoder code points. The unit is chosen from the project's `origin` and then
 * checked on the data: selections past the end of their text, inside a surrogate pair, or whose
 * text differs from the `name` the tool stored are counted for each unit, and when another unit
 * fits the data better it is used, with a warning. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "leftovers.h"
#include "refi_cases.h"
#include "refi_guid.h"
#include "refi_manual.h"
#include "refi_qdc.h"
#include "refi_project.h"
#include "refi_qde.h"
#include "refi_text.h"
#include "temp_files.h"
#include "text.h"
#include "xml_safe.h"
#include "zip_read.h"

#define MAX_SOURCE_BYTES ((size_t)256 << 20)

typedef struct summary_store {
    char *project, *origin;
    qc_refi_coder_count *coders;
    char **names;
} summary_store;

/* --- reading the container --- */

static int looks_like_xml(const char *data, size_t size)
{
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    return i < size && data[i] == '<';
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Reads the project's .qde: the single *.qde at the root of the archive, or the file itself when it
 * is a bare .qde. */
static int read_project_xml(qc_refi_loaded *st, char **data, size_t *size, char **part, qc_error *err)
{
    *data = NULL;
    *part = NULL;
    int rc = qc_zip_open_file(&st->zip, st->path, err);
    if (rc == QC_ERR_FORMAT) {
        qc_error ignored;
        char *raw = NULL;
        size_t n = 0;
        if (qc_file_read(st->path, QC_XML_MAX_BYTES, &raw, &n, &ignored) == 0) {
            if (looks_like_xml(raw, n)) {
                qc_refi_warn(&st->log, 0, "a bare .qde, not a .qdpx archive: the sources' texts are not included");
                *data = raw;
                *size = n;
                return 0;
            }
            /* An empty file is neither a zip nor XML: say it is empty rather than "not a zip archive". */
            int empty = qc_xml_refuse_empty(raw, n, st->path, NULL, "a REFI-QDA project", err);
            qc_free(raw);
            return empty < 0 ? empty : rc;
        }
        return rc;
    }
    if (rc != 0)
        return rc;
    const char *found = NULL;
    size_t count = 0;
    for (size_t i = 0; i < qc_zip_count(st->zip); i++) {
        const char *name = qc_zip_name(st->zip, i);
        if (!name)
            continue;
        if (!qc_zip_name_safe(name)) {
            qc_refi_warn(&st->log, 0, "archive entry '%s' has an unsafe name (absolute or with ..): ignored", name);
            continue;
        }
        if (!strchr(name, '/') && ends_with_ci(name, ".qde")) {
            found = name;
            count++;
        }
    }
    if (count == 0)
        return qc_error_set(err, QC_ERR_FORMAT, st->path, 0, 0, -1,
                            "no .qde file at the root of the archive: not a REFI-QDA project");
    if (count > 1)
        return qc_error_set(err, QC_ERR_FORMAT, st->path, 0, 0, -1,
                            "%zu .qde files at the root of the archive: which one is the project is unclear", count);
    if (strcmp(found, "project.qde") != 0)
        qc_refi_warn(&st->log, 0, "the project file is named '%s', not project.qde", found);
    *part = qc_strdup(found);
    if (!*part)
        return qc_error_nomem(err);
    return qc_zip_read(st->zip, found, QC_XML_MAX_BYTES, data, size, err);
}

/* A name in NFC, when it has a byte beyond ASCII (NFC leaves ASCII as it is) and is UTF-8; else
 * NULL in *out. -1 out of memory. */
static int nfc_of(const char *s, char **out, size_t *len)
{
    *out = NULL;
    *len = strlen(s);
    size_t i = 0;
    while (i < *len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == *len || !qc_utf8_valid(s, *len, NULL))
        return 0;
    return qc_text_nfc(s, *len, out, len);
}

/* The archive entry a plainTextPath names, into *entry (NULL: none): `sources/` in any ASCII case
 * and the file name in either normalisation form (macOS writes names decomposed, NFD: `A` +
 * U+0308 for `Ä`, where the .qde has them composed), else a file of that name anywhere, compared
 * as names are (qc_fold_equal: `Ärzte.txt` is `ärzte.txt`), with a warning. nfc[i]: entry i's name
 * in NFC, NULL when that is the name as it is. -1 out of memory. */
static int find_source_entry(qc_refi_loaded *st, char *const *nfc, const char *path, uint32_t line, int *warned_folder,
                             const char **entry)
{
    const char *file = path;
    *entry = NULL;
    if (strncmp(path, "internal://", 11) == 0) {
        file = path + 11;
    } else if (strstr(path, "://")) {
        qc_refi_warn(&st->log, line, "plainTextPath '%s' points outside the archive: source skipped", path);
        return 0;
    } else {
        qc_refi_warn(&st->log, line, "plainTextPath '%s' lacks the internal:// prefix (accepted)", path);
    }
    if (!st->zip)
        return 0;
    char *file_nfc = NULL;
    size_t n = 0;
    if (nfc_of(file, &file_nfc, &n) != 0)
        return -1;
    const char *want = file_nfc ? file_nfc : file;
    for (size_t i = 0; i < qc_zip_count(st->zip) && !*entry; i++) {
        const char *name = qc_zip_name(st->zip, i), *as_nfc = nfc[i] ? nfc[i] : name;
        if (!name || strncasecmp(name, "sources/", 8) != 0 || strcmp(as_nfc + 8, want) != 0)
            continue;
        if (strncmp(name, "sources/", 8) != 0 && !*warned_folder) {
            qc_refi_warn(&st->log, 0, "the sources folder is named '%.8s' (accepted)", name);
            *warned_folder = 1;
        }
        *entry = name;
    }
    qc_free(file_nfc);
    if (*entry)
        return 0;
    /* Some writers put the file at the root or differ in case: a last look, names compared as names. */
    for (size_t i = 0; i < qc_zip_count(st->zip); i++) {
        const char *name = qc_zip_name(st->zip, i);
        const char *b = name ? base_of(name) : NULL;
        if (b && qc_fold_equal(b, strlen(b), file, strlen(file))) {
            qc_refi_warn(&st->log, line, "source '%s' found as '%s' (accepted)", file, name);
            *entry = name;
            break;
        }
    }
    return 0;
}

/* A file name for a source: its name made safe, ".txt" added unless already there, unique as the
 * casebook compares document ids (qc_fold_dup: `élodie.txt` is `Élodie.txt`, as it is to a file
 * system that folds case). taken holds the folded names given so far, its keys in folded (owned;
 * folded[index] is this one's). NULL when out of memory. */
static char *file_name_for(qc_refi_loaded *st, size_t index, qc_refi_index *taken, char **folded)
{
    const char *name = st->m.sources[index].name;
    qc_buf b = QC_BUF_INIT;
    /* At most NAME_MAX_BYTES of the name, cut before a character, so that ".txt" and a "-N" that
     * makes it unique fit in a file name (255 bytes): a longer one failed the whole import. */
    enum { NAME_MAX_BYTES = 200 };
    for (const char *p = name ? name : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (b.len >= NAME_MAX_BYTES && (c & 0xC0) != 0x80)
            break;
        int bad = c < 0x20 || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
                  c == '>' || c == '|' || (b.len == 0 && c == '.');
        qc_buf_putc(&b, bad ? '_' : (char)c);
    }
    if (b.len == 0)
        qc_buf_printf(&b, "source-%zu", index + 1);
    if (!ends_with_ci(qc_buf_cstr(&b), ".txt"))
        qc_buf_puts(&b, ".txt");
    char *base = qc_buf_detach(&b);
    if (!base)
        return NULL;
    char *candidate = qc_strdup(base);
    for (unsigned k = 2; candidate; k++) {
        char *key = qc_fold_dup(candidate);
        if (!key) {
            qc_free(candidate);
            candidate = NULL;
            break;
        }
        if (qc_refi_index_get(taken, key) < 0) {
            folded[index] = key;
            if (qc_refi_index_put(taken, key, (int32_t)index) < 0) {
                qc_free(candidate);
                candidate = NULL;
            }
            break;
        }
        qc_free(key);
        qc_free(candidate);
        qc_buf c = QC_BUF_INIT;
        qc_buf_printf(&c, "%.*s-%u.txt", (int)(strlen(base) - 4), base, k);
        candidate = qc_buf_detach(&c);
    }
    qc_free(base);
    return candidate;
}

/* Source i's text, from the project or from its archive entry (NULL: not in the archive). */
static int load_source(qc_refi_loaded *st, size_t i, const char *entry, qc_refi_index *taken, char **folded,
                       qc_error *err)
{
    qc_refi_source *src = &st->m.sources[i];
    const char *label = src->name ? src->name : src->guid;
    char *data = NULL;
    size_t size = 0;
    if (src->text) {
        data = src->text;
        size = src->text_size;
    } else if (!src->path) {
        qc_refi_warn(&st->log, src->line, "<TextSource> '%s' has neither plainTextPath nor PlainTextContent", label);
        return QC_OK;
    } else {
        if (!entry) {
            qc_refi_warn(&st->log, src->line, "<TextSource> '%s': %s is not in the archive: source skipped", label,
                         src->path);
            return QC_OK;
        }
        qc_error e;
        int rc = qc_zip_read(st->zip, entry, MAX_SOURCE_BYTES, &data, &size, &e);
        if (rc == QC_ERR_NOMEM)
            return qc_error_nomem(err);
        if (rc == QC_ERR_INVALID) { /* an unsafe name or a link: never used, as documented */
            qc_refi_warn(&st->log, src->line, "<TextSource> '%s': %s: source skipped", label, e.message);
            return QC_OK;
        }
        /* A damaged or oversized entry is a damaged archive: skipping it lost the document
         * and every coding on it behind a warning and exit 0. */
        if (rc != 0) {
            if (err)
                *err = e;
            return rc;
        }
    }
    size_t bad = 0;
    int rc = qc_refi_text_prepare(&st->texts[i], data, size, &bad);
    if (data != src->text)
        qc_free(data);
    if (rc == -1)
        return qc_error_nomem(err);
    if (rc != 0) {
        qc_refi_warn(&st->log, src->line, "<TextSource> '%s': %s: source skipped", label,
                     rc == -2 ? "the text is not valid UTF-8" : "the text is too large");
        return QC_OK;
    }
    if (st->texts[i].nuls_replaced)
        qc_refi_warn(&st->log, src->line,
                     "<TextSource> '%s': %zu NUL character%s written as U+FFFD (qcode reads no NUL bytes; "
                     "positions are unchanged)",
                     label, st->texts[i].nuls_replaced, st->texts[i].nuls_replaced == 1 ? "" : "s");
    st->file_names[i] = file_name_for(st, i, taken, folded);
    if (!st->file_names[i])
        return qc_error_nomem(err);
    return QC_OK;
}

static int load_sources(qc_refi_loaded *st, qc_error *err)
{
    size_t n = st->m.source_count;
    st->texts = qc_calloc(n ? n : 1, sizeof *st->texts);
    st->file_names = qc_calloc(n ? n : 1, sizeof *st->file_names);
    /* The archive entry of each source read from one (NULL: none), all found first, so that
     * sources whose headers claim more than an archive may hold in all are refused before the
     * first is inflated (qc_zip_fits), not after a gigabyte of them. */
    const char **entries = qc_calloc(n ? n : 1, sizeof *entries);
    if (!st->texts || !st->file_names || !entries) {
        qc_free(entries);
        return qc_error_nomem(err);
    }
    /* The entries' names in NFC, made once: each source's path is compared with every one. */
    size_t ne = st->zip ? qc_zip_count(st->zip) : 0;
    char **nfc = qc_calloc(ne ? ne : 1, sizeof *nfc);
    int warned_folder = 0, rc = nfc ? QC_OK : qc_error_nomem(err);
    for (size_t i = 0; i < ne && rc == QC_OK; i++) {
        const char *name = qc_zip_name(st->zip, i);
        size_t len;
        if (name && nfc_of(name, &nfc[i], &len) != 0)
            rc = qc_error_nomem(err);
    }
    for (size_t i = 0; i < n && rc == QC_OK; i++) {
        const qc_refi_source *src = &st->m.sources[i];
        if (!src->text && src->path &&
            find_source_entry(st, nfc, src->path, src->line, &warned_folder, &entries[i]) != 0)
            rc = qc_error_nomem(err);
    }
    for (size_t i = 0; nfc && i < ne; i++)
        qc_free(nfc[i]);
    qc_free(nfc);
    if (rc == QC_OK && st->zip)
        rc = qc_zip_fits(st->zip, entries, n, MAX_SOURCE_BYTES, err);
    qc_refi_index taken = {0};
    char **folded = qc_calloc(n ? n : 1, sizeof *folded); /* the keys of taken */
    if (rc == QC_OK && (!folded || qc_refi_index_init(&taken, n) != 0))
        rc = qc_error_nomem(err);
    for (size_t i = 0; i < n && rc == QC_OK; i++)
        rc = load_source(st, i, entries[i], &taken, folded, err);
    qc_refi_index_free(&taken);
    for (size_t i = 0; folded && i < n; i++)
        qc_free(folded[i]);
    qc_free(folded);
    qc_free(entries);
    return rc;
}

/* --- positions --- */

static qc_refi_unit unit_from_origin(const char *origin)
{
    if (!origin)
        return QC_REFI_UNIT_CP;
    if (strstr(origin, "NVivo") || strstr(origin, "nvivo") || strstr(origin, "UTF-16"))
        return QC_REFI_UNIT_UTF16;
    if (strstr(origin, "ATLAS.ti") || strstr(origin, "Atlas.ti"))
        return QC_REFI_UNIT_CP_LF;
    return QC_REFI_UNIT_CP;
}

/* Whether the selection's text agrees with the name the tool stored (tools store the start of the
 * text there, often cut with an ellipsis; NVivo leaves it empty). 1 agrees, 0 differs, -1 no name. */
/* Bytes of text's first character when a name's U+FFFD stands for it: writers (qcode's among
 * them) put U+FFFD in the selection's name where the source text has what XML 1.0 cannot carry,
 * as qc_refi_xml_escape does. 0 otherwise. */
static size_t replaced_by_the_writer(const char *name, size_t n, const char *text, size_t len)
{
    if (n < 3 || memcmp(name, "\xEF\xBF\xBD", 3) != 0)
        return 0;
    return qc_refi_xml_replaced(text, len, NULL);
}

static int name_agrees(const char *name, const char *text, size_t len)
{
    if (!name || !*name)
        return -1;
    size_t n = strlen(name);
    int cut = 0;
    if (n >= 3 && memcmp(name + n - 3, "\xe2\x80\xa6", 3) == 0) {
        n -= 3;
        cut = 1;
    }
    /* Compare ignoring white space differences (tools collapse line breaks in names). */
    size_t i = 0, k = 0;
    while (i < n && k < len) {
        int si = name[i] == ' ' || name[i] == '\n' || name[i] == '\r' || name[i] == '\t';
        int sk = text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t';
        if (si || sk) {
            if (!(si && sk) && !(si && k > 0) && !(sk && i > 0))
                return 0;
            while (i < n && (name[i] == ' ' || name[i] == '\n' || name[i] == '\r' || name[i] == '\t'))
                i++;
            while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t'))
                k++;
            continue;
        }
        size_t replaced = replaced_by_the_writer(name + i, n - i, text + k, len - k);
        if (replaced) { /* a U+FFFD in the name for what XML cannot carry */
            i += 3;
            k += replaced;
            continue;
        }
        if (name[i] != text[k])
            return 0;
        i++;
        k++;
    }
    while (i < n && (name[i] == ' ' || name[i] == '\n'))
        i++;
    if (i < n)
        return 0;
    if (!cut) {
        while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' || text[k] == '\t'))
            k++;
        return k == len;
    }
    return 1;
}

typedef enum sel_problem {
    SEL_OK = 0,
    SEL_PAST_END,
    SEL_REVERSED,
    SEL_IN_PAIR,
    SEL_NAME,
    SEL_NO_TEXT,
    SEL_UNREADABLE /* a position absent or not a number: warned when read */
} sel_problem;

static sel_problem place(const qc_refi_loaded *st, size_t i, qc_refi_unit unit, size_t *start, size_t *end)
{
    const qc_refi_selection *s = &st->m.selections[i];
    const qc_refi_text *t = &st->texts[s->source];
    if (!t->text)
        return SEL_NO_TEXT;
    if (s->start == QC_REFI_NO_POSITION || s->end == QC_REFI_NO_POSITION)
        return SEL_UNREADABLE;
    if (s->end == -1) { /* the whole source */
        *start = 0;
        *end = t->length;
        return SEL_OK;
    }
    if (s->start < 0 || s->end < 0)
        return SEL_PAST_END;
    if (s->start > s->end)
        return SEL_REVERSED;
    int a = qc_refi_text_map(t, unit, s->start, start);
    int b = qc_refi_text_map(t, unit, s->end, end);
    if (a < 0 || b < 0)
        return SEL_PAST_END;
    if (a == 1 || b == 1)
        return SEL_IN_PAIR;
    const char *text = t->text + t->out_to_byte[*start];
    size_t len = t->out_to_byte[*end] - t->out_to_byte[*start];
    if (name_agrees(s->name, text, len) == 0)
        return SEL_NAME;
    return SEL_OK;
}

/* Whether a position splits a word (a letter or digit on both sides). */
static int splits_word(const qc_refi_text *t, size_t pos)
{
    if (pos == 0 || pos >= t->length)
        return 0;
    size_t a = t->out_to_byte[pos - 1], b = t->out_to_byte[pos];
    int32_t before = qc_utf8_decode(t->text, t->size, &a);
    int32_t after = qc_utf8_decode(t->text, t->size, &b);
    return qc_char_is_letter_or_digit(before) && qc_char_is_letter_or_digit(after);
}

/* Selections that do not fit their text when read in `unit`: past the end, inside a surrogate
 * pair, off their name, or (a softer sign, but the only one NVivo's empty names leave) cutting
 * through a word. */
static size_t count_problems(const qc_refi_loaded *st, qc_refi_unit unit)
{
    size_t bad = 0;
    for (size_t i = 0; i < st->m.selection_count; i++) {
        size_t a, b;
        sel_problem p = place(st, i, unit, &a, &b);
        if (p == SEL_NO_TEXT)
            continue;
        const qc_refi_text *t = &st->texts[st->m.selections[i].source];
        bad += p != SEL_OK || splits_word(t, a) || splits_word(t, b);
    }
    return bad;
}

static int place_selections(qc_refi_loaded *st, qc_error *err)
{
    size_t n = st->m.selection_count;
    st->sel_start = qc_calloc(n ? n : 1, sizeof *st->sel_start);
    st->sel_end = qc_calloc(n ? n : 1, sizeof *st->sel_end);
    st->sel_ok = qc_calloc(n ? n : 1, 1);
    if (!st->sel_start || !st->sel_end || !st->sel_ok)
        return qc_error_nomem(err);
    qc_refi_unit suggested = unit_from_origin(st->m.origin);
    st->unit = suggested;
    /* The origin's unit stands unless the data clearly disagree: several selections misfit and
     * another unit halves that. A lone odd selection is warned about, not taken as a sign. */
    size_t at_origin = count_problems(st, suggested), best = at_origin;
    if (at_origin >= 2) {
        static const qc_refi_unit all[] = {QC_REFI_UNIT_CP, QC_REFI_UNIT_UTF16, QC_REFI_UNIT_CP_LF};
        for (size_t k = 0; k < 3; k++) {
            if (all[k] == suggested)
                continue;
            size_t p = count_problems(st, all[k]);
            if (p * 2 < at_origin && p < best) {
                best = p;
                st->unit = all[k];
            }
        }
        if (st->unit != suggested)
            qc_refi_warn(&st->log, 0,
                         "positions read as %s: as %s (what origin '%s' suggests) %zu selection(s) did not fit "
                         "their text, as %s %zu",
                         qc_refi_unit_name(st->unit), qc_refi_unit_name(suggested), st->m.origin ? st->m.origin : "",
                         at_origin, qc_refi_unit_name(st->unit), best);
    }
    for (size_t i = 0; i < n; i++) {
        const qc_refi_selection *s = &st->m.selections[i];
        sel_problem p = place(st, i, st->unit, &st->sel_start[i], &st->sel_end[i]);
        const char *src = st->m.sources[s->source].name ? st->m.sources[s->source].name : "";
        switch (p) {
        case SEL_OK: st->sel_ok[i] = 1; break;
        case SEL_NO_TEXT: break; /* the source was already warned about */
        case SEL_UNREADABLE: st->problems++; break;
        case SEL_PAST_END:
            st->problems++;
            qc_refi_warn(&st->log, s->line,
                         "<PlainTextSelection> %s: positions %lld-%lld lie past the end of source '%s' (%zu %s): "
                         "skipped",
                         s->guid, (long long)s->start, (long long)s->end, src,
                         st->unit == QC_REFI_UNIT_UTF16
                             ? (size_t)st->texts[s->source].raw_u16[st->texts[s->source].raw_cps]
                         : st->unit == QC_REFI_UNIT_CP ? st->texts[s->source].raw_cps
                                                       : st->texts[s->source].lf_cps,
                         qc_refi_unit_name(st->unit));
            break;
        case SEL_REVERSED:
            st->problems++;
            qc_refi_warn(&st->log, s->line,
                         "<PlainTextSelection> %s: startPosition %lld is after endPosition %lld: skipped", s->guid,
                         (long long)s->start, (long long)s->end);
            break;
        case SEL_IN_PAIR:
            qc_refi_warn(&st->log, s->line,
                         "<PlainTextSelection> %s: a position falls inside a surrogate pair of source '%s' (rounded "
                         "down to the character)",
                         s->guid, src);
            st->sel_ok[i] = 1;
            break;
        case SEL_NAME:
            st->problems++;
            qc_refi_warn(&st->log, s->line,
                         "<PlainTextSelection> %s: the text at %lld-%lld of source '%s' differs from the selection's "
                         "name '%s' (kept where the positions say)",
                         s->guid, (long long)s->start, (long long)s->end, src, s->name);
            st->sel_ok[i] = 1;
            break;
        }
    }
    return 0;
}

/* --- codings --- */

static const char *user_name(const qc_refi_loaded *st, const qc_refi_index *users, const char *guid, uint32_t line,
                             int *unknown_warned)
{
    int32_t u = guid[0] ? qc_refi_index_get(users, guid) : -1;
    if (u >= 0 && st->m.users[u].name && *st->m.users[u].name)
        return st->m.users[u].name;
    if (u >= 0)
        return st->m.users[u].guid;
    if (guid[0] && !(*unknown_warned & 1)) {
        qc_refi_warn((qc_refi_log *)&st->log, line, "creatingUser %s is not among the project's users: coder 'unknown'",
                     guid);
        *unknown_warned |= 1;
    }
    /* No creatingUser on the coding, its selection or the project: the coder is as unknown, and
     * docs/refi.md promises a warning for every way a coder resolves to 'unknown'. */
    if (!guid[0] && !(*unknown_warned & 2)) {
        qc_refi_warn((qc_refi_log *)&st->log, line,
                     "coding with no creatingUser (nor on its selection or the project): coder 'unknown'");
        *unknown_warned |= 2;
    }
    return "unknown";
}

static int collect_codings(qc_refi_loaded *st, qc_error *err)
{
    qc_refi_index codes = {0}, users = {0};
    if (qc_refi_index_init(&codes, st->m.code_count) != 0 || qc_refi_index_init(&users, st->m.user_count) != 0) {
        qc_refi_index_free(&codes);
        return qc_error_nomem(err);
    }
    int rc = 0;
    for (size_t i = 0; i < st->m.code_count && rc == 0; i++)
        if (qc_refi_index_put(&codes, st->m.codes[i].guid, (int32_t)i) < 0)
            rc = qc_error_nomem(err);
    for (size_t i = 0; i < st->m.user_count && rc == 0; i++)
        if (qc_refi_index_put(&users, st->m.users[i].guid, (int32_t)i) < 0)
            rc = qc_error_nomem(err);
    int unknown_warned = 0;
    for (size_t i = 0; i < st->m.coding_count && rc == 0; i++) {
        qc_refi_coding *c = &st->m.codings[i];
        if (!c->code_guid[0]) {
            st->skipped++;
            continue;
        }
        c->code = qc_refi_index_get(&codes, c->code_guid);
        if (c->code < 0) {
            qc_refi_warn(&st->log, c->line, "<Coding> %s: CodeRef targetGUID %s matches no code: skipped", c->guid,
                         c->code_guid);
            st->skipped++;
            continue;
        }
        st->m.codes[c->code].used = 1;
        int32_t s = c->selection;
        if (!st->sel_ok[s]) {
            st->skipped++;
            continue;
        }
        const qc_refi_selection *sel = &st->m.selections[s];
        const char *who_guid = c->creating_user[0]     ? c->creating_user
                               : sel->creating_user[0] ? sel->creating_user
                                                       : st->m.creating_user;
        const char *who = user_name(st, &users, who_guid, c->line, &unknown_warned);
        const qc_refi_text *t = &st->texts[sel->source];
        size_t a = st->sel_start[s], b = st->sel_end[s];
        char *text = qc_strndup(t->text + t->out_to_byte[a], t->out_to_byte[b] - t->out_to_byte[a]);
        if (!text || qc_refi_manual_add(&st->manual, "", st->file_names[sel->source], a, b, text, who,
                                        c->created ? c->created : sel->created) != 0) {
            qc_free(text);
            rc = qc_error_nomem(err);
            break;
        }
        qc_free(text);
        /* The code id is known only once the .qcb assigns ids: keep the index for now. */
        qc_free(st->manual.items[st->manual.count - 1].code);
        qc_buf idx = QC_BUF_INIT;
        qc_buf_printf(&idx, "%d", c->code);
        st->manual.items[st->manual.count - 1].code = qc_buf_detach(&idx);
        if (!st->manual.items[st->manual.count - 1].code)
            rc = qc_error_nomem(err);
    }
    qc_refi_index_free(&codes);
    qc_refi_index_free(&users);
    return rc;
}

/* --- writing the folder --- */

static int write_in(const char *dir, const char *name, const void *data, size_t size, qc_error *err)
{
    qc_buf p = QC_BUF_INIT;
    qc_buf_printf(&p, "%s/%s", dir, name);
    if (qc_buf_failed(&p))
        return qc_error_nomem(err);
    int rc = qc_atomic_write(p.data, data, size, NULL, err);
    qc_buf_free(&p);
    return rc;
}

static void remove_tree(const char *dir, char **names, size_t n)
{
    qc_buf p = QC_BUF_INIT;
    static const char *const files[] = {"codebook.qcb", "cases.tsv", "manual.xml"};
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        qc_buf_clear(&p);
        qc_buf_printf(&p, "%s/sources/%s", dir, names[i]);
        unlink(qc_buf_cstr(&p));
    }
    for (size_t i = 0; i < 3; i++) {
        qc_buf_clear(&p);
        qc_buf_printf(&p, "%s/%s", dir, files[i]);
        unlink(qc_buf_cstr(&p));
    }
    qc_buf_clear(&p);
    qc_buf_printf(&p, "%s/sources", dir);
    rmdir(qc_buf_cstr(&p));
    rmdir(dir);
    qc_buf_free(&p);
}

/* Whether dir is absent or an empty folder. */
static int usable_target(const char *dir, qc_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return errno == ENOENT ? 0 : qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot use: %s", strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "exists and is not a folder");
    if (rmdir(dir) == 0 || errno == ENOENT)
        return 0; /* it was empty: the rename will put the import in its place */
    return qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "exists and is not empty: import into a new folder");
}

static int write_outputs_at(qc_refi_loaded *st, const char *dir, qc_error *err)
{
    int rc = usable_target(dir, err);
    if (rc != 0)
        return rc;
    qc_buf tmpl = QC_BUF_INIT;
    qc_buf_printf(&tmpl, "%s.tmp-XXXXXX", dir);
    if (qc_buf_failed(&tmpl))
        return qc_error_nomem(err);
    /* Tracked, so that an interrupted import removes it with what it holds (temp_files.h), and
     * held as a live writer's, so that a later import removes it only once this run is dead
     * (leftovers.h). */
    int token = -1;
    int held = qc_temp_dir_create(tmpl.data, &token);
    if (held < 0) {
        int saved = errno;
        rc = saved == ENOMEM
                 ? qc_error_nomem(err)
                 : qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot create a folder beside it: %s", strerror(saved));
        qc_buf_free(&tmpl);
        return rc;
    }
    const char *tmp = tmpl.data;
    qc_buf p = QC_BUF_INIT, b = QC_BUF_INIT;
    qc_buf_printf(&p, "%s/sources", tmp);
    if (mkdir(qc_buf_cstr(&p), 0777) != 0)
        rc = qc_error_set(err, QC_ERR_IO, qc_buf_cstr(&p), 0, 0, -1, "cannot create: %s", strerror(errno));
    for (size_t i = 0; i < st->m.source_count && rc == 0; i++) {
        if (!st->file_names[i])
            continue;
        qc_buf_clear(&p);
        qc_buf_printf(&p, "sources/%s", st->file_names[i]);
        rc = write_in(tmp, qc_buf_cstr(&p), st->texts[i].text, st->texts[i].size, err);
        st->summary->sources++;
    }
    /* The codebook: written, then loaded back to be sure qcode accepts it. */
    if (rc == 0) {
        const char *name = st->m.name && *st->m.name ? st->m.name : "Imported project";
        rc = qc_refi_write_qcb(&st->m, name, base_of(st->path), &st->log, &b, err);
        if (rc == 0 && st->m.code_count == 0)
            qc_refi_warn(&st->log, 0, "the project has no codes");
        if (rc == 0) {
            qc_codebook *cb = NULL;
            rc = qc_codebook_load_buffer(&cb, "codebook.qcb", b.data, b.len, NULL, err);
            qc_codebook_free(cb);
            /* The codebook is never written then, so its name and place alone led nowhere
             * ("codebook.qcb:9:8: ..." of a file that does not exist). */
            if (rc == QC_ERR_CODEBOOK && err) {
                qc_error made = *err;
                qc_error_set(err, rc, st->path, 0, 0, -1,
                             "the codebook made from the project's codes does not load (line %u, column %u of it, "
                             "where a code's qcode rules were copied: %s)",
                             made.line, made.column, made.message);
            }
        }
        if (rc == 0)
            rc = write_in(tmp, "codebook.qcb", b.data, b.len, err);
    }
    /* Cases, or variables on the imported sources alone (MAXQDA's document variables, ATLAS.ti's
     * document groups, in a project with no cases) */
    int source_values = 0;
    for (size_t i = 0; i < st->m.source_count && !source_values; i++)
        source_values = st->file_names && st->file_names[i] && st->m.sources[i].value_count > 0;
    if (rc == 0 && (st->m.case_count > 0 || source_values)) {
        qc_buf_clear(&b);
        rc = qc_refi_write_cases(&st->m, st->texts, st->file_names, &st->log, &b) != 0 || qc_buf_failed(&b)
                 ? qc_error_nomem(err)
                 : write_in(tmp, "cases.tsv", b.data, b.len, err);
    }
    if (rc == 0) {
        /* Code indices become ids now that the .qcb has assigned them. */
        for (size_t i = 0; i < st->manual.count && rc == 0; i++) {
            long idx = strtol(st->manual.items[i].code, NULL, 10);
            char *id = qc_strdup(st->m.codes[idx].id);
            if (!id) {
                rc = qc_error_nomem(err);
                break;
            }
            qc_free(st->manual.items[i].code);
            st->manual.items[i].code = id;
        }
        size_t dropped = rc == 0 ? qc_refi_manual_sort(&st->manual) : 0;
        if (dropped)
            qc_refi_warn(&st->log, 0, "%zu coding(s) repeat another (same code, span and coder): kept once", dropped);
        qc_buf_clear(&b);
        st->manual.source = qc_strdup(base_of(st->path));
        st->manual.origin = st->m.origin ? qc_strdup(st->m.origin) : NULL;
        qc_refi_manual_write(&st->manual, &b);
        if (rc == 0)
            rc = qc_buf_failed(&b) || !st->manual.source ? qc_error_nomem(err)
                                                         : write_in(tmp, "manual.xml", b.data, b.len, err);
    }
    if (rc == 0 && rename(tmp, dir) != 0)
        rc = qc_error_set(err, QC_ERR_IO, dir, 0, 0, -1, "cannot move the import into place: %s", strerror(errno));
    /* Once in place, the DIR.tmp-XXXXXX folders of dead imports go (leftovers.h). */
    if (rc != 0)
        remove_tree(tmp, st->file_names, st->m.source_count);
    else
        qc_leftovers_remove(dir);
    /* Renamed into place or removed: forgotten, then its mark and lock go (after: a remover never
     * sees the name unheld). */
    qc_temp_forget(token);
    qc_leftover_release(held, tmp);
    qc_buf_free(&p);
    qc_buf_free(&b);
    qc_buf_free(&tmpl);
    return rc;
}

/* Writes the import at dir, or where dir leads when it is a symbolic link (through a chain of
 * them; a dangling one gets its folder made): the link stays, as for every other output, and
 * messages name the folder written. */
static int write_outputs(qc_refi_loaded *st, const char *dir, qc_error *err)
{
    /* "-o imp/" names the folder imp: its temporary goes beside it ("imp.tmp-..."), not into a
     * folder that does not exist yet ("imp/.tmp-..."). */
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *named = qc_strndup(dir, n), *real = NULL;
    if (!named)
        return qc_error_nomem(err);
    int through_proc = 0;
    int e = qc_output_target(named, &real, &through_proc);
    int rc = e == 0        ? write_outputs_at(st, real, err)
             : e == ENOMEM ? qc_error_nomem(err)
                           : qc_error_set(err, QC_ERR_IO, named, 0, 0, -1, "cannot use: %s", strerror(e));
    qc_free(real);
    qc_free(named);
    return rc;
}

/* --- summary --- */

static int fill_summary(qc_refi_loaded *st, summary_store *store)
{
    qc_refi_import_summary *s = st->summary;
    store->project = qc_strdup(st->m.name ? st->m.name : "");
    store->origin = qc_strdup(st->m.origin ? st->m.origin : "");
    if (!store->project || !store->origin)
        return -1;
    s->project = store->project;
    s->origin = store->origin;
    s->offsets = qc_refi_unit_name(st->unit);
    s->codes = st->m.code_count;
    s->cases = st->m.case_count;
    s->codings = st->manual.count;
    size_t cap = 0;
    for (size_t i = 0; i < st->manual.count; i++) {
        const char *who = st->manual.items[i].coder;
        size_t k = 0;
        while (k < s->coder_count && !qc_fold_equal(store->names[k], strlen(store->names[k]), who, strlen(who)))
            k++;
        if (k == s->coder_count) {
            size_t ncap = cap;
            if (QC_GROW(store->names, ncap, k + 1) != 0 || QC_GROW(store->coders, cap, k + 1) != 0)
                return -1;
            if (!(store->names[k] = qc_strdup(who)))
                return -1;
            store->coders[k].name = store->names[k];
            store->coders[k].codings = 0;
            s->coder_count++;
        }
        store->coders[k].codings++;
        s->coders = store->coders;
    }
    size_t placed = 0;
    for (size_t i = 0; i < st->m.selection_count; i++)
        placed += st->sel_ok && st->sel_ok[i];
    s->selections = placed;
    return 0;
}

void qc_refi_import_summary_free(qc_refi_import_summary *summary)
{
    if (!summary)
        return;
    summary_store *store = summary->internal_;
    if (store) {
        for (size_t i = 0; i < summary->coder_count; i++)
            qc_free(store->names[i]);
        qc_free(store->names);
        qc_free(store->coders);
        qc_free(store->project);
        qc_free(store->origin);
        qc_free(store);
    }
    memset(summary, 0, sizeof *summary);
}

void qc_refi_project_unload(qc_refi_loaded *st)
{
    for (size_t i = 0; st->texts && i < st->m.source_count; i++)
        qc_refi_text_free(&st->texts[i]);
    qc_free(st->texts);
    for (size_t i = 0; st->file_names && i < st->m.source_count; i++)
        qc_free(st->file_names[i]);
    qc_free(st->file_names);
    qc_free(st->sel_start);
    qc_free(st->sel_end);
    qc_free(st->sel_ok);
    qc_refi_manual_free(&st->manual);
    qc_refi_model_free(&st->m);
    qc_zip_close(st->zip);
    qc_free(st->log_file);
    qc_free(st->qde);
    qc_free(st->part);
    memset(st, 0, sizeof *st);
}

int qc_refi_project_load(qc_refi_loaded *st, const char *path, const qc_refi_options *opts, qc_error *err)
{
    memset(st, 0, sizeof *st);
    st->path = path;
    st->log.fn = opts ? opts->on_warning : NULL;
    st->log.user = opts ? opts->user : NULL;
    st->log.file = path;
    qc_refi_model_init(&st->m);
    int rc = read_project_xml(st, &st->qde, &st->qde_size, &st->part, err);
    if (rc == 0) {
        qc_buf lf = QC_BUF_INIT;
        qc_buf_printf(&lf, "%s%s%s", path, st->part ? ":" : "", st->part ? st->part : "");
        st->log_file = qc_buf_detach(&lf);
        if (!st->log_file)
            rc = qc_error_nomem(err);
        st->log.file = st->log_file;
    }
    if (rc == 0)
        rc = qc_refi_read_qde(&st->m, st->qde, st->qde_size, path, st->part, &st->log, err);
    if (rc == 0)
        rc = load_sources(st, err);
    if (rc == 0)
        rc = place_selections(st, err);
    return rc;
}

int qc_refi_import_project(const char *path, const char *dir, const qc_refi_options *opts,
                           qc_refi_import_summary *summary, qc_error *err)
{
    qc_refi_import_summary local;
    if (!summary)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    summary->project = summary->origin = summary->offsets = "";
    if (!path || !dir)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "no project or no output folder");
    summary_store *store = qc_calloc(1, sizeof *store);
    if (!store)
        return qc_error_nomem(err);
    summary->internal_ = store;
    qc_refi_loaded st;
    int rc = qc_refi_project_load(&st, path, opts, err);
    st.summary = summary;
    if (rc == 0)
        rc = collect_codings(&st, err);
    if (rc == 0)
        rc = write_outputs(&st, dir, err);
    if (rc == 0 && fill_summary(&st, store) != 0)
        rc = qc_error_nomem(err);
    summary->warnings = st.log.warnings;
    summary->skipped = st.skipped;
    qc_refi_project_unload(&st);
    if (summary == &local)
        qc_refi_import_summary_free(&local);
    return rc;
}
