#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void cli_print_usage(FILE *fp, const cli_command *cmd)
{
    fputs(cmd->usage, fp);
}

/* cli_line's body, after `prefix`. */
static void put_line(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
    char small[1024];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    char *whole = n >= (int)sizeof small ? malloc((size_t)n + 1) : NULL;
    if (whole)
        vsnprintf(whole, (size_t)n + 1, fmt, again);
    va_end(again);
    fputs(prefix, fp);
    cli_put_printable(fp, whole ? whole : small); /* out of memory: the message cut short */
    fputc('\n', fp);
    free(whole);
}

void cli_line(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_line(fp, "", fmt, ap);
    va_end(ap);
}

void cli_report_unread(size_t failed, long count)
{
    fprintf(stderr, "qcode: %zu of %ld document%s could not be read\n", failed, count, count == 1 ? "" : "s");
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_line(stderr, "qcode: ", fmt, ap);
    va_end(ap);
    return QC_EXIT_USAGE;
}

const char *cli_fixed_time(char buf[32])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (!sde || !*sde)
        return NULL;
    char *end;
    long long t = strtoll(sde, &end, 10);
    if (*end || t < 0)
        return NULL;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return NULL;
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

char *cli_file_sha1(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *data = malloc(cap);
    for (size_t n; data && (n = fread(data + len, 1, cap - len, fp)) > 0;) {
        len += n;
        if (len == cap) {
            char *p = realloc(data, cap *= 2);
            if (!p) {
                free(data);
                data = NULL;
            }
            data = p;
        }
    }
    fclose(fp);
    char *hex = data ? malloc(41) : NULL;
    if (hex)
        qc_refi_sha1_hex(data, len, hex);
    free(data);
    return hex;
}

unsigned cli_threads(unsigned jobs)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return jobs ? jobs : cores > 0 ? (unsigned)cores : 1;
}

unsigned cli_write_jobs(unsigned jobs)
{
    const char *wj = getenv("QCODE_WRITE_JOBS");
    if (wj && *wj)
        return (unsigned)strtoul(wj, NULL, 10);
    return cli_threads(jobs);
}

int cli_may_stream_to(const char *path)
{
    return !qc_output_in_place(path);
}

int cli_stdout_is_tty(void)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO);
}

/* Reads line `line` (1-based) of a file into buf, cut to fit at a character boundary. Returns 1
 * when the line is text worth showing under a message, 0 when it is there but is not: a NUL or
 * other control byte, or invalid UTF-8, anywhere in the line (not only in what fits). Such a line
 * is a UTF-16 file without a byte order mark (a NUL after every ASCII letter, which would show as
 * a lone first letter), a binary file, or a zip's own bytes under the line of an entry inside it.
 * Returns -1 when the file or the line cannot be read. */
static int read_text_line(const char *path, uint32_t line, uint32_t first_cp, char *buf, size_t cap, int *more)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    uint32_t n = 1, cp = 0;
    int c, found = 0, text = 1, need = 0; /* need: continuation bytes still to come */
    size_t len = 0, whole = 0;            /* whole: bytes of buf that end on a character boundary */
    *more = 0;
    while ((c = fgetc(fp)) != EOF) {
        if (n < line) {
            n += c == '\n';
            continue;
        }
        found = 1;
        if (c == '\n' || c == '\r')
            break;
        if (need > 0) {
            text = (c & 0xC0) == 0x80;
            need--;
        } else if (c < 0x80) {
            text = c >= 0x20 || c == '\t';
        } else {
            need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
            text = need > 0;
        }
        if (!text)
            break;
        cp += (c & 0xC0) != 0x80;
        if (cp < first_cp)
            continue; /* before the part shown */
        if (len + 1 < cap) {
            buf[len++] = (char)c;
            if (need == 0)
                whole = len;
        } else {
            *more = 1;
        }
    }
    fclose(fp);
    buf[whole] = '\0';
    if (whole < len)
        *more = 1;
    if (!found)
        return -1;
    return text && need == 0;
}

/* Whether a source line handed over in a diagnostic is text to show: the same rule as above. */
static int printable_text(const char *line)
{
    const unsigned char *p = (const unsigned char *)line;
    while (*p) {
        if (*p < 0x20 && *p != '\t')
            return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int extra = *p >= 0xC2 && *p <= 0xDF ? 1 : *p >= 0xE0 && *p <= 0xEF ? 2 : *p >= 0xF0 && *p <= 0xF4 ? 3 : -1;
        if (extra < 0)
            return 0;
        for (int k = 1; k <= extra; k++)
            if ((p[k] & 0xC0) != 0x80)
                return 0;
        p += extra + 1;
    }
    return 1;
}

/* Prints the source line and a caret under column `column` (code points), `length` wide. */
/* Code points of a long source line shown around the caret: a casebook header or a rule with
 * thousands of alternatives is one line of megabytes, and the terminal wants the place, not the
 * whole line. */
#define SOURCE_WINDOW 160

static uint32_t code_points(const char *s)
{
    uint32_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* The byte offset of code point k (1-based) of s, or its length when s is shorter. */
static size_t offset_of(const char *s, uint32_t k)
{
    size_t i = 0;
    for (uint32_t cp = 1; s[i] && cp < k; cp++)
        do
            i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80);
    return i;
}

/* The source line under a message, with the caret at column: `source` holds the line's code
 * points from first_cp on (1: the whole line), `more` says the line goes on after it. */
static void print_caret(const char *source, uint32_t first_cp, int more, uint32_t column, uint32_t length)
{
    uint32_t end = first_cp + code_points(source); /* the line's code points [first_cp, end) */
    uint32_t from = first_cp, to = end;            /* those shown */
    if (end - first_cp > SOURCE_WINDOW) {
        from = column > first_cp + SOURCE_WINDOW / 2 ? column - SOURCE_WINDOW / 2 : first_cp;
        if (from + SOURCE_WINDOW > end)
            from = end - SOURCE_WINDOW;
        to = from + SOURCE_WINDOW;
    }
    size_t a = offset_of(source, from - first_cp + 1), b = offset_of(source, to - first_cp + 1);
    fprintf(stderr, "  %s%.*s%s\n  %s", from > 1 ? "..." : "", (int)(b - a), source + a, to < end || more ? "..." : "",
            from > 1 ? "   " : "");
    uint32_t cp = from;
    for (const unsigned char *p = (const unsigned char *)source + a; *p && cp < column && cp < to; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        fputc(*p == '\t' ? '\t' : ' ', stderr);
        cp++;
    }
    fputc('^', stderr);
    for (uint32_t i = 1; i < length && column + i < to; i++)
        fputc('~', stderr);
    fputc('\n', stderr);
}

cli_kind cli_kind_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return CLI_MISSING;
    return S_ISREG(st.st_mode) ? CLI_REGULAR : S_ISDIR(st.st_mode) ? CLI_FOLDER : CLI_OTHER;
}

static void print_location(const char *file, uint32_t line, uint32_t column)
{
    if (file && *file) {
        cli_put_printable(stderr, file);
        fputc(':', stderr);
        if (line) {
            fprintf(stderr, "%u:", line);
            if (column)
                fprintf(stderr, "%u:", column);
        }
        fputc(' ', stderr);
    } else {
        fputs("qcode: ", stderr);
    }
}

static int is_zip_container(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (strcasecmp(dot, ".docx") == 0 || strcasecmp(dot, ".qdpx") == 0 || strcasecmp(dot, ".zip") == 0);
}

void cli_print_error(const qc_error *err)
{
    print_location(err->file, err->line, err->column);
    cli_line(stderr, "error: %s", err->message[0] ? err->message : qc_status_name(err->code));
    char line[1024];
    int more = 0;
    /* Read from a whole window before the column: a line that short is then read (and shown)
     * whole, and a longer one still has the half window print_caret shows before the caret. */
    uint32_t first = err->column > SOURCE_WINDOW ? err->column - SOURCE_WINDOW : 1;
    if (err->file[0] && err->line && err->column && !is_zip_container(err->file) &&
        read_text_line(err->file, err->line, first, line, sizeof line, &more) == 1)
        print_caret(line, first, more, err->column, 1);
}

void cli_print_diagnostic(const qc_diagnostic *diag, void *user)
{
    (void)user;
    print_location(diag->file, diag->line, diag->column);
    cli_line(stderr, "%s: %s", diag->severity == QC_SEVERITY_ERROR ? "error" : "warning", diag->message);
    if (diag->source_line && diag->column && printable_text(diag->source_line))
        print_caret(diag->source_line, 1, 0, diag->column, diag->length ? diag->length : 1);
}

void cli_put_printable(FILE *fp, const char *s)
{
    char small[512];
    size_t n = qc_printable(s, small, sizeof small);
    char *whole = n < sizeof small ? NULL : malloc(n + 1);
    if (whole)
        qc_printable(s, whole, n + 1);
    fputs(whole ? whole : small, fp); /* out of memory: the name cut short */
    free(whole);
}

void cli_put_printable_lines(FILE *fp, const char *text, size_t len)
{
    char *line = malloc(len + 1);
    if (!line) { /* out of memory: the text as it is rather than nothing */
        fwrite(text, 1, len, fp);
        return;
    }
    for (size_t a = 0; a < len;) {
        const char *nl = memchr(text + a, '\n', len - a);
        size_t b = nl ? (size_t)(nl - text) : len;
        memcpy(line, text + a, b - a);
        line[b - a] = '\0';
        cli_put_printable(fp, line);
        if (nl)
            putc('\n', fp);
        a = b + 1;
    }
    free(line);
}

int cli_load_codebook(const char *path, qc_codebook **cb)
{
    qc_codebook_options copts = QC_CODEBOOK_OPTIONS_INIT;
    copts.on_diagnostic = cli_print_diagnostic;
    qc_error err;
    qc_error_clear(&err);
    int rc = qc_codebook_load(cb, path, &copts, &err);
    if (rc == QC_ERR_CODEBOOK)
        return QC_EXIT_CODEBOOK; /* the diagnostics said it all */
    if (rc != 0) {
        cli_print_error(&err);
        return QC_EXIT_USAGE; /* not read (missing, too large, no memory): the codebook itself may be fine */
    }
    return QC_EXIT_OK;
}

/* --- input collection --- */

typedef struct path_list {
    char **items;
    long count;
    long cap;
} path_list;

static int push_path(path_list *list, const char *path)
{
    if (list->count == list->cap) {
        long cap = list->cap ? list->cap * 2 : 64;
        char **p = realloc(list->items, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        list->items = p;
        list->cap = cap;
    }
    list->items[list->count] = strdup(path);
    return list->items[list->count++] ? 0 : -1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders and files collected so far, known by (device, inode), each with the path it was
 * first reached by. Links and hard links give one folder or file many paths; a path can name a
 * folder that holds it (a link to "..") too, so paths cannot tell. An open-addressed hash table:
 * a corpus may hold a hundred thousand files. */
typedef struct seen_entry {
    dev_t dev;
    ino_t ino;
    char *path; /* NULL: the slot is free */
} seen_entry;

typedef struct seen_set {
    seen_entry *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} seen_set;

static size_t seen_slot(const seen_set *s, dev_t dev, ino_t ino)
{
    size_t h = (size_t)(((uint64_t)ino * 0x9E3779B97F4A7C15ull) ^ (uint64_t)dev);
    for (h &= s->cap - 1; s->slots[h].path; h = (h + 1) & (s->cap - 1))
        if (s->slots[h].dev == dev && s->slots[h].ino == ino)
            break;
    return h;
}

static int seen_grow(seen_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    seen_set bigger = {calloc(cap, sizeof(seen_entry)), cap, s->count};
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].path)
            bigger.slots[seen_slot(&bigger, s->slots[i].dev, s->slots[i].ino)] = s->slots[i];
    free(s->slots);
    *s = bigger;
    return 0;
}

static void seen_free(seen_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i].path);
    free(s->slots);
}

/* 1 when st's folder or file is met for the first time (and is now remembered by path), 0 when it
 * was met before (a warning names the path it was read by), -1 when memory ran out. */
static int first_visit(seen_set *s, const struct stat *st, const char *path, const char *what)
{
    if (2 * (s->count + 1) > s->cap && seen_grow(s) != 0)
        return -1;
    seen_entry *e = &s->slots[seen_slot(s, st->st_dev, st->st_ino)];
    if (e->path) {
        if (strcmp(path, e->path) == 0) /* named twice, or a folder given inside another given */
            cli_line(stderr, "qcode: %s: skipped: already read", path);
        else
            cli_line(stderr, "qcode: %s: skipped: the same %s as %s", path, what, e->path);
        return 0;
    }
    if (!(e->path = strdup(path)))
        return -1;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    s->count++;
    return 1;
}

/* The transcripts found, with the input (its index on the command line) each was found from. */
typedef struct collector {
    path_list list;
    int *origins; /* as many as list.cap */
    int input;
    seen_set seen;
    path_list unread; /* documents in formats qcode does not read, found in folders */
} collector;

/* Word-processor and page formats a transcript is often delivered in: found in a folder, each is
 * named once at the end, since an interview left out of the counts without a word is a silently
 * wrong count. Other files (a casebook, notes, audio) are passed over without one. */
static int unread_document_format(const char *path)
{
    static const char *const ext[] = {".doc", ".docm", ".rtf", ".odt", ".pages", ".pdf", ".wpd"};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcasecmp(path + n - k, ext[i]) == 0)
            return 1;
    }
    return 0;
}

static void warn_unread(const path_list *unread)
{
    if (!unread->count)
        return;
    char names[1024] = "";
    size_t used = 0;
    long shown = 0;
    for (; shown < unread->count && shown < 5; shown++) {
        int w = snprintf(names + used, sizeof names - used, "%s%s", shown ? ", " : "", unread->items[shown]);
        if (w < 0 || (size_t)w >= sizeof names - used)
            break;
        used += (size_t)w;
    }
    char more[48] = "";
    if (shown < unread->count)
        snprintf(more, sizeof more, " and %ld more", unread->count - shown);
    int one = unread->count == 1;
    cli_line(stderr,
             "qcode: warning: %ld file%s not read, in a format qcode does not read: %s%s (it reads .txt .md .vtt "
             ".srt .docx: save %s as .docx or plain text)",
             unread->count, one ? "" : "s", names, more, one ? "it" : "them");
}

static int collect(collector *c, const char *path)
{
    long cap = c->list.cap;
    if (push_path(&c->list, path) != 0)
        return -1;
    if (c->list.cap != cap) {
        int *p = realloc(c->origins, (size_t)c->list.cap * sizeof *p);
        if (!p)
            return -1;
        c->origins = p;
    }
    c->origins[c->list.count - 1] = c->input;
    return 0;
}

/* A regular file is collected the first time it is reached only: a link beside its target, or a
 * file named twice, would be coded twice and double every count. */
static int collect_file(collector *c, const char *path, const struct stat *st)
{
    int first = first_visit(&c->seen, st, path, "file");
    return first == 1 ? collect(c, path) : first;
}

static int walk(collector *c, const char *dir, int depth);

/* A folder is entered the first time it is reached only: a link to an ancestor would loop (two
 * of them without end: the paths double at each level) and a link to a sibling read it twice. */
static int enter(collector *c, const char *dir, const struct stat *st, int depth)
{
    int first = first_visit(&c->seen, st, dir, "folder");
    return first == 1 ? walk(c, dir, depth) : first;
}

static int walk(collector *c, const char *dir, int depth)
{
    if (depth > 64)
        return cli_fail("%s: folders nested too deeply", dir), -1;
    DIR *d = opendir(dir);
    if (!d)
        return cli_fail("%s: cannot open folder: %s", dir, strerror(errno)), -1;
    path_list here = {0};
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        /* Hidden files and editor droppings; "~$" starts the owner file Word and Excel keep beside
         * a document while it is open (162 bytes, not a zip): one transcript left open must not
         * fail the run. A file given by name is still read. */
        if (e->d_name[0] == '.' || (e->d_name[0] == '~' && e->d_name[1] == '$'))
            continue;
        if (push_path(&here, e->d_name) != 0) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    if (here.count) /* an empty folder has no array to sort */
        qsort(here.items, (size_t)here.count, sizeof *here.items, compare_names);
    for (long i = 0; i < here.count && rc >= 0; i++) {
        size_t n = strlen(dir) + strlen(here.items[i]) + 2;
        char *full = malloc(n);
        if (!full) {
            rc = -1;
            break;
        }
        snprintf(full, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", here.items[i]);
        struct stat st;
        int found = stat(full, &st) == 0;
        if (found && S_ISDIR(st.st_mode))
            rc = enter(c, full, &st, depth + 1);
        else if (qc_format_from_path(full) == QC_FORMAT_AUTO)
            rc = found && S_ISREG(st.st_mode) && unread_document_format(full) ? push_path(&c->unread, full) : 0;
        else if (found && !S_ISREG(st.st_mode))
            /* A FIFO would block the run for ever and a device (a link to /dev/zero) never end. */
            cli_line(stderr, "qcode: %s: skipped: not a regular file", full);
        else if (found)
            rc = collect_file(c, full, &st);
        else
            rc = collect(c, full); /* a broken link is reported when it is read */
        free(full);
    }
    cli_free_paths(here.items, here.count);
    return rc < 0 ? -1 : 0;
}

/* One input: a folder is walked, a regular file collected once, anything else (a pipe) kept. */
static int collect_input(collector *c, const char *input)
{
    struct stat st;
    if (stat(input, &st) != 0)
        return cli_fail("%s: %s", input, strerror(errno)), -1;
    if (S_ISDIR(st.st_mode))
        return enter(c, input, &st, 0) < 0 ? -1 : 0;
    if (S_ISREG(st.st_mode))
        return collect_file(c, input, &st) < 0 ? -1 : 0;
    return collect(c, input);
}

long cli_collect_inputs(char **inputs, int count, char ***paths, int **origins)
{
    collector c = {0};
    int rc = 0;
    for (c.input = 0; c.input < count && rc == 0; c.input++)
        rc = collect_input(&c, inputs[c.input]);
    seen_free(&c.seen);
    if (rc == 0)
        warn_unread(&c.unread);
    cli_free_paths(c.unread.items, c.unread.count);
    if (rc != 0) {
        cli_free_paths(c.list.items, c.list.count);
        free(c.origins);
        return -1;
    }
    *paths = c.list.items;
    *origins = c.origins;
    return c.list.count;
}

void cli_free_paths(char **paths, long count)
{
    for (long i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

int cli_parse_input_format(const char *name, qc_format *out)
{
    static const struct {
        const char *name;
        qc_format format;
    } names[] = {{"text", QC_FORMAT_TEXT}, {"txt", QC_FORMAT_TEXT}, {"md", QC_FORMAT_TEXT},
                 {"vtt", QC_FORMAT_VTT},   {"srt", QC_FORMAT_SRT},  {"docx", QC_FORMAT_DOCX}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].format;
            return 0;
        }
    return -1;
}
