/* The document builder (doc_builder.h): collects the readers' text with its origin, then
 * normalises it to NFC, builds the offset maps and segments it.
 *
 * Appends only copy bytes and record where they came from (one record per run of contiguous
 * file bytes), so reading is a memcpy per line. finish() makes one pass over the text: stretches
 * of whole ASCII lines get their maps in bulk; a line with other characters is checked, and kept
 * as it is when all of them are NFC-inert (exact maps); only a line that may change is normalised
 * piece by piece, each changed piece mapping to the start of its input. The text is copied only
 * once NFC changes something: until then the output is the appended text itself. */
#include "doc_builder.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "buf.h"
#include "document_impl.h"
#include "error.h"
#include "segment.h"
#include "speakers.h"
#include "text.h"

/* Where raw bytes from `raw` on came from. */
typedef struct origin {
    uint32_t raw;
    uint32_t source;
    uint8_t verbatim;
} origin;

typedef struct pending_turn {
    uint32_t start, end; /* raw bytes */
    int32_t speaker;
    int64_t time_start_ms, time_end_ms;
    uint32_t line;
    int32_t host;       /* a piece after an interjection: the index of the turn's first piece; else -1 */
    uint32_t last_line; /* the last cue merged into the turn (qc_doc_builder_turn_last_line); 0: line */
} pending_turn;

struct qc_doc_builder {
    char *id, *path, *name;
    qc_format format;
    const qc_read_options *opts; /* borrowed until finish */

    qc_buf raw;
    /* Bytes lent by qc_doc_builder_text_lent that follow raw's, not copied yet: a reader's lines
     * are appended a piece at a time (a label, the text after it, the line end), and one copy of
     * a stretch costs less than a call and a copy a piece. */
    const char *lent;
    size_t lent_len;
    uint32_t lent_source; /* the file offset of lent[0] */
    origin *origins;
    size_t origin_count, origin_cap;

    pending_turn *turns;
    size_t turn_count, turn_cap;
    int in_turn;
    int has_pieces; /* some turn was continued (qc_doc_builder_continue_turn) */

    char **speakers;
    size_t speaker_count, speaker_cap;
    int32_t *speaker_slots; /* open addressing: index into speakers, -1 empty */
    size_t slot_cap;
    /* The speakers of the last two turns begun, the last first: index + 1 (0: none), and length. */
    size_t recent[2], recent_len[2];

    char **attr_keys, **attr_values;
    size_t attr_count, attr_cap, attr_values_cap;

    qc_doc_note *notes; /* the reader's, then finish's; handed to the document */
    size_t note_count, note_cap;

    uint32_t cue_count; /* qc_doc_builder_cue_count */
    /* qc_doc_builder_encoding: a static name, or NULL with encoding_name set (or UTF-8: neither). */
    const char *encoding;
    char encoding_name[QC_DOC_ENCODING_NAME_MAX];
    int byte_order_mark;
};

int qc_doc_builder_new(qc_doc_builder **out, const char *id, const char *path, qc_format format,
                       const qc_read_options *opts, qc_error *err)
{
    *out = NULL;
    qc_doc_builder *b = qc_calloc(1, sizeof *b);
    if (!b)
        return qc_error_nomem(err);
    b->id = qc_strdup(id ? id : "");
    b->path = qc_strdup(path ? path : "");
    b->format = format;
    b->opts = opts;
    if (!b->id || !b->path) {
        qc_doc_builder_free(b);
        return qc_error_nomem(err);
    }
    *out = b;
    return 0;
}

int qc_doc_builder_set_name(qc_doc_builder *b, const char *name)
{
    char *copy = qc_strdup(name ? name : "");
    if (!copy)
        return QC_ERR_NOMEM;
    qc_free(b->name);
    b->name = copy;
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qc_free(v[i]);
    qc_free(v);
}

void qc_doc_builder_free(qc_doc_builder *b)
{
    if (!b)
        return;
    qc_free(b->id);
    qc_free(b->path);
    qc_free(b->name);
    qc_buf_free(&b->raw);
    qc_free(b->origins);
    qc_free(b->turns);
    free_strings(b->speakers, b->speaker_count);
    qc_free(b->speaker_slots);
    free_strings(b->attr_keys, b->attr_count);
    free_strings(b->attr_values, b->attr_count);
    for (size_t i = 0; i < b->note_count; i++)
        qc_free(b->notes[i].message);
    qc_free(b->notes);
    qc_free(b);
}

/* The text's length so far, lent bytes included. */
static size_t text_len(const qc_doc_builder *b)
{
    return b->raw.len + b->lent_len;
}

/* Copies the lent bytes into raw. */
static int copy_lent(qc_doc_builder *b)
{
    if (b->lent_len)
        qc_buf_append(&b->raw, b->lent, b->lent_len);
    b->lent_len = 0;
    return qc_buf_failed(&b->raw) ? QC_ERR_NOMEM : 0;
}

/* Lent bytes are copied once this many are held: copies of a few kilobytes stay in the cache
 * and in memcpy's vector loop. */
#define LENT_MAX 4096

static int append(qc_doc_builder *b, const char *s, size_t len, uint32_t source, int verbatim, int lend)
{
    if (len == 0)
        return 0;
    size_t have = text_len(b);
    if (len > UINT32_MAX - 1 - have)
        return QC_ERR_LIMIT; /* offsets are 32-bit */
    uint32_t at = (uint32_t)have;
    int extends = 0;
    if (b->origin_count) {
        const origin *o = &b->origins[b->origin_count - 1];
        /* Contiguous file bytes need no new record. */
        extends = verbatim && o->verbatim && (uint64_t)o->source + (at - o->raw) == source;
    }
    if (!extends) {
        if (b->origin_count >= b->origin_cap && QC_GROW(b->origins, b->origin_cap, b->origin_count + 1) != 0)
            return QC_ERR_NOMEM;
        b->origins[b->origin_count++] = (origin){at, source, (uint8_t)(verbatim != 0)};
    }
    if (lend && b->lent_len && b->lent + b->lent_len == s) {
        b->lent_len += len;
        return b->lent_len >= LENT_MAX ? copy_lent(b) : 0;
    }
    if (copy_lent(b) != 0)
        return QC_ERR_NOMEM;
    if (lend) {
        b->lent = s;
        b->lent_len = len;
        b->lent_source = source;
        return 0;
    }
    qc_buf_append(&b->raw, s, len);
    return qc_buf_failed(&b->raw) ? QC_ERR_NOMEM : 0;
}

int qc_doc_builder_text(qc_doc_builder *b, const char *s, size_t len, uint32_t source_offset)
{
    return append(b, s, len, source_offset, 1, 0);
}

int qc_doc_builder_text_lent(qc_doc_builder *b, const char *s, size_t len, uint32_t source_offset)
{
    /* The bytes just after the lent ones, from the file bytes just after theirs (a line's text
     * after its label, its line end, the next line): they carry on the last origin, which the lent
     * bytes' is (any other append copies them first). */
    size_t have = b->lent_len;
    if (have && s == b->lent + have && source_offset == b->lent_source + have && have + len < LENT_MAX &&
        len <= UINT32_MAX - 1 - text_len(b)) {
        b->lent_len = have + len;
        return 0;
    }
    return append(b, s, len, source_offset, 1, 1);
}

int qc_doc_builder_text_at(qc_doc_builder *b, const char *s, size_t len, uint32_t source_offset)
{
    return append(b, s, len, source_offset, 0, 0);
}

static uint64_t hash_label(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int32_t *speaker_slot(int32_t *slots, size_t cap, char **speakers, const char *s, size_t len)
{
    size_t i = (size_t)hash_label(s, len) & (cap - 1);
    while (slots[i] >= 0) {
        const char *name = speakers[slots[i]];
        if (strlen(name) == len && memcmp(name, s, len) == 0)
            break;
        i = (i + 1) & (cap - 1);
    }
    return &slots[i];
}

static int grow_slots(qc_doc_builder *b)
{
    size_t cap = b->slot_cap ? b->slot_cap * 2 : 16;
    int32_t *slots = qc_malloc(cap * sizeof *slots);
    if (!slots)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < cap; i++)
        slots[i] = -1;
    for (size_t k = 0; k < b->speaker_count; k++) {
        const char *name = b->speakers[k];
        *speaker_slot(slots, cap, b->speakers, name, strlen(name)) = (int32_t)k;
    }
    qc_free(b->speaker_slots);
    b->speaker_slots = slots;
    b->slot_cap = cap;
    return 0;
}

/* Notes speaker `k` (of `len` bytes) as the last one begun. */
static void note_recent(qc_doc_builder *b, size_t k, size_t len)
{
    if (b->recent[0] == k + 1)
        return;
    b->recent[1] = b->recent[0];
    b->recent_len[1] = b->recent_len[0];
    b->recent[0] = k + 1;
    b->recent_len[0] = len;
}

/* The index of a speaker, added on first sight. */
static int intern_speaker(qc_doc_builder *b, const char *s, size_t len, int32_t *index)
{
    /* Turns alternate between a few speakers: one of the last two is found without hashing. */
    for (int r = 0; r < 2 && b->recent[r]; r++) {
        size_t k = b->recent[r] - 1;
        if (b->recent_len[r] == len && memcmp(b->speakers[k], s, len) == 0) {
            note_recent(b, k, len);
            *index = (int32_t)k;
            return 0;
        }
    }
    if ((b->speaker_count + 1) * 2 > b->slot_cap && grow_slots(b) != 0)
        return QC_ERR_NOMEM;
    int32_t *slot = speaker_slot(b->speaker_slots, b->slot_cap, b->speakers, s, len);
    if (*slot < 0) {
        if (b->speaker_count >= INT32_MAX || QC_GROW(b->speakers, b->speaker_cap, b->speaker_count + 1) != 0)
            return QC_ERR_NOMEM;
        char *copy = qc_strndup(s, len);
        if (!copy)
            return QC_ERR_NOMEM;
        b->speakers[b->speaker_count] = copy;
        *slot = (int32_t)b->speaker_count++;
    }
    *index = *slot;
    note_recent(b, (size_t)*slot, len);
    return 0;
}

int qc_doc_builder_begin_turn(qc_doc_builder *b, const char *speaker, size_t speaker_len, int64_t time_start_ms,
                              int64_t time_end_ms, uint32_t line)
{
    /* Labels are stored trimmed, so "Q " and "Q" are one speaker. */
    while (speaker && speaker_len && (speaker[0] == ' ' || speaker[0] == '\t'))
        speaker++, speaker_len--;
    while (speaker && speaker_len && (speaker[speaker_len - 1] == ' ' || speaker[speaker_len - 1] == '\t'))
        speaker_len--;
    int32_t index = -1;
    if (speaker && speaker_len && intern_speaker(b, speaker, speaker_len, &index) != 0)
        return QC_ERR_NOMEM;
    qc_doc_builder_end_turn(b);
    if (b->turn_count >= b->turn_cap && QC_GROW(b->turns, b->turn_cap, b->turn_count + 1) != 0)
        return QC_ERR_NOMEM;
    uint32_t at = (uint32_t)text_len(b);
    b->turns[b->turn_count++] = (pending_turn){at, at, index, time_start_ms, time_end_ms, line, -1, 0};
    b->in_turn = 1;
    return 0;
}

size_t qc_doc_builder_turn_count(const qc_doc_builder *b)
{
    return b->turn_count;
}

int qc_doc_builder_continue_turn(qc_doc_builder *b, size_t host, uint32_t line)
{
    if (host >= b->turn_count || host > INT32_MAX)
        return QC_ERR_INVALID;
    if (b->turns[host].host >= 0)
        host = (size_t)b->turns[host].host; /* every piece points at the first */
    qc_doc_builder_end_turn(b);
    if (b->turn_count >= b->turn_cap && QC_GROW(b->turns, b->turn_cap, b->turn_count + 1) != 0)
        return QC_ERR_NOMEM;
    uint32_t at = (uint32_t)text_len(b);
    b->turns[b->turn_count++] = (pending_turn){at, at, b->turns[host].speaker, -1, -1, line, (int32_t)host, 0};
    b->in_turn = 1;
    b->has_pieces = 1;
    return 0;
}

void qc_doc_builder_turn_end_time(qc_doc_builder *b, int64_t time_end_ms)
{
    if (b->turn_count)
        b->turns[b->turn_count - 1].time_end_ms = time_end_ms;
}

void qc_doc_builder_turn_last_line(qc_doc_builder *b, uint32_t line)
{
    if (b->turn_count)
        b->turns[b->turn_count - 1].last_line = line;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether a equals the lower-case b but for the case of ASCII letters (no locale's rules). */
static int same_name(const char *a, const char *b)
{
    for (; *a && ascii_lower(*a) == *b; a++, b++)
        ;
    return !*a && !*b;
}

void qc_doc_builder_encoding(qc_doc_builder *b, const char *encoding, int byte_order_mark)
{
    static const char *const known[] = {"utf-16le", "utf-16be", "windows-1252", "iso-8859-1", "us-ascii"};
    b->byte_order_mark = byte_order_mark;
    b->encoding = NULL;
    b->encoding_name[0] = '\0';
    if (!encoding || same_name(encoding, "utf-8"))
        return;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (same_name(encoding, known[i])) {
            b->encoding = known[i];
            return;
        }
    size_t n = 0;
    for (; encoding[n] && n < sizeof b->encoding_name - 1; n++)
        b->encoding_name[n] = ascii_lower(encoding[n]);
    b->encoding_name[n] = '\0';
}

void qc_doc_builder_cue_count(qc_doc_builder *b, uint32_t cues)
{
    b->cue_count = cues;
}

int qc_doc_builder_end_turn(qc_doc_builder *b)
{
    if (b->in_turn)
        b->turns[b->turn_count - 1].end = (uint32_t)text_len(b);
    b->in_turn = 0;
    return 0;
}

int qc_doc_builder_reserve(qc_doc_builder *b, size_t bytes)
{
    size_t have = text_len(b);
    return bytes > have && qc_buf_reserve(&b->raw, bytes - b->raw.len) != 0 ? QC_ERR_NOMEM : 0;
}

int qc_doc_builder_note(qc_doc_builder *b, uint32_t line, const char *fmt, ...)
{
    if (QC_GROW(b->notes, b->note_cap, b->note_count + 1) != 0)
        return QC_ERR_NOMEM;
    qc_buf m = QC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    qc_buf_vprintf(&m, fmt, ap);
    va_end(ap);
    char *message = qc_buf_detach(&m);
    if (!message)
        return QC_ERR_NOMEM;
    b->notes[b->note_count++] = (qc_doc_note){line, message};
    return 0;
}

int qc_doc_builder_attribute(qc_doc_builder *b, const char *key, const char *value)
{
    for (size_t i = 0; i < b->attr_count; i++) {
        if (qc_fold_equal(b->attr_keys[i], strlen(b->attr_keys[i]), key, strlen(key))) {
            char *v = qc_strdup(value);
            if (!v)
                return QC_ERR_NOMEM;
            qc_free(b->attr_values[i]);
            b->attr_values[i] = v;
            return 0;
        }
    }
    if (QC_GROW(b->attr_keys, b->attr_cap, b->attr_count + 1) != 0 ||
        QC_GROW(b->attr_values, b->attr_values_cap, b->attr_count + 1) != 0)
        return QC_ERR_NOMEM;
    char *k = qc_strdup(key), *v = qc_strdup(value);
    if (!k || !v) {
        qc_free(k);
        qc_free(v);
        return QC_ERR_NOMEM;
    }
    b->attr_keys[b->attr_count] = k;
    b->attr_values[b->attr_count] = v;
    b->attr_count++;
    return 0;
}

/* --- finish: normalisation and maps --- */

typedef struct norm_state {
    const qc_doc_builder *b;
    /* The normalised text. Until NFC first changes something it is the raw text itself, so
     * nothing is copied: `out_len` bytes of raw are the output, and `out` stays empty. From the
     * first change on (`copied`) `out` holds the output. */
    qc_buf out;
    size_t out_len;
    int copied;
    uint32_t *cp_to_byte, *cp_to_utf16;
    size_t cap;              /* entries allocated in each map */
    qc_doc_source_run *runs; /* document_impl.h: where code points came from */
    size_t run_count, run_cap;
    uint32_t source_end;
    size_t count;
    size_t utf16;
    size_t origin; /* cursor into b->origins */
    uint32_t *lines;
    size_t line_count, line_cap;
    /* Turn boundaries (raw bytes, ascending) and their code points once known. */
    uint32_t *bounds, *bound_cps;
    size_t bound_count, bound_next;
} norm_state;

static uint32_t source_of(norm_state *st, size_t raw)
{
    const qc_doc_builder *b = st->b;
    while (st->origin + 1 < b->origin_count && b->origins[st->origin + 1].raw <= raw)
        st->origin++;
    if (!b->origin_count)
        return 0;
    const origin *o = &b->origins[st->origin];
    return o->verbatim ? o->source + (uint32_t)(raw - o->raw) : o->source;
}

static int realloc_map(uint32_t **map, size_t cap)
{
    uint32_t *p = qc_realloc(*map, cap * sizeof *p);
    if (!p)
        return QC_ERR_NOMEM;
    *map = p;
    return 0;
}

/* Room for `extra` more code points (plus the end entry) in every map; grows geometrically. */
static int reserve_maps(norm_state *st, size_t extra)
{
    size_t need = st->count + extra + 1;
    if (need <= st->cap)
        return 0;
    size_t cap = st->cap ? st->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / sizeof(uint32_t))
            return QC_ERR_NOMEM;
        cap *= 2;
    }
    if (cap > SIZE_MAX / 2 / sizeof(uint32_t))
        return QC_ERR_NOMEM;
    /* The byte map's block is twice the map (the second half is never touched, so it costs no
     * memory): glibc sets its trim threshold from the largest block freed, and one this large
     * keeps a document's memory in the heap for the next document, where a block of the map alone
     * had a library reading documents one after another fault every page in again (1,060 ->
     * 41,170 page faults reading the 20 MB benchmark with qcode-read-bench; the CLI sets the
     * thresholds itself, tools/main.c). The block once held the source map in that half. */
    uint32_t *block = qc_malloc(2 * cap * sizeof *block);
    if (!block || (st->cp_to_utf16 && realloc_map(&st->cp_to_utf16, cap) != 0)) {
        qc_free(block);
        return QC_ERR_NOMEM;
    }
    if (st->count)
        memcpy(block, st->cp_to_byte, st->count * sizeof *block);
    qc_free(st->cp_to_byte);
    st->cp_to_byte = block;
    st->cap = cap;
    return 0;
}

/* Code points from `cp` on, the first at output byte `byte`, come from file byte `source` on, a
 * byte a byte (linear), or all from `source`: a new run of the source map unless they carry on
 * the last one. */
static int source_run(norm_state *st, size_t cp, size_t byte, uint32_t source, int linear)
{
    if (st->run_count) {
        const qc_doc_source_run *r = &st->runs[st->run_count - 1];
        if (linear ? r->linear && r->source + ((uint32_t)byte - r->byte) == source : !r->linear && r->source == source)
            return 0;
    }
    if (st->run_count >= st->run_cap && QC_GROW(st->runs, st->run_cap, st->run_count + 1) != 0)
        return QC_ERR_NOMEM;
    st->runs[st->run_count++] = (qc_doc_source_run){(uint32_t)cp, (uint32_t)byte, source, (uint32_t)(linear != 0)};
    return 0;
}

/* Whether the origin source_of last found copies file bytes as they are. */
static int origin_verbatim(const norm_state *st)
{
    return st->b->origin_count && st->b->origins[st->origin].verbatim;
}

/* Records that output code point `count` starts at raw byte `raw`: turn boundaries at or before
 * it map here. */
static void settle_bounds(norm_state *st, size_t raw)
{
    while (st->bound_next < st->bound_count && st->bounds[st->bound_next] <= raw)
        st->bound_cps[st->bound_next++] = (uint32_t)st->count;
}

static int start_utf16_map(norm_state *st)
{
    st->cp_to_utf16 = qc_malloc(st->cap * sizeof *st->cp_to_utf16);
    if (!st->cp_to_utf16)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < st->count; i++)
        st->cp_to_utf16[i] = (uint32_t)i; /* all BMP so far */
    return 0;
}

/* Output bytes that are raw[at..at+n) as they are. */
static void out_raw(norm_state *st, const char *raw, size_t at, size_t n)
{
    if (st->copied)
        qc_buf_append(&st->out, raw + at, n);
    st->out_len += n;
}

/* Output bytes that NFC changed: from here on the output needs a buffer of its own. */
static int out_changed(norm_state *st, const char *raw, const char *s, size_t n)
{
    if (!st->copied) {
        if (qc_buf_reserve(&st->out, st->b->raw.len + n) != 0)
            return QC_ERR_NOMEM;
        qc_buf_append(&st->out, raw, st->out_len);
        st->copied = 1;
    }
    qc_buf_append(&st->out, s, n);
    st->out_len += n;
    return qc_buf_failed(&st->out) ? QC_ERR_NOMEM : 0;
}

/* One output code point of `n` bytes, just output, from file byte `source` (linear: its origin's
 * bytes are copied as they are). */
static int emit_cp(norm_state *st, int32_t cp, size_t n, uint32_t source, int linear)
{
    if (st->count + 1 >= st->cap && reserve_maps(st, 1) != 0)
        return QC_ERR_NOMEM;
    if (cp >= 0x10000 && !st->cp_to_utf16 && start_utf16_map(st) != 0)
        return QC_ERR_NOMEM;
    if (source_run(st, st->count, st->out_len - n, source, linear) != 0)
        return QC_ERR_NOMEM;
    st->cp_to_byte[st->count] = (uint32_t)(st->out_len - n);
    if (st->cp_to_utf16)
        st->cp_to_utf16[st->count] = (uint32_t)st->utf16;
    st->utf16 += qc_utf16_units(cp);
    st->count++;
    if (cp == '\n') {
        if (st->line_count >= st->line_cap && QC_GROW(st->lines, st->line_cap, st->line_count + 1) != 0)
            return QC_ERR_NOMEM;
        st->lines[st->line_count++] = (uint32_t)st->count;
    }
    return 0;
}

/* The first byte >= 0x80 in s[p..len), or len: sixteen bytes at a time (SSE2), else eight. */
static size_t next_high(const char *s, size_t p, size_t len)
{
#ifdef __SSE2__
    while (p + 16 <= len) {
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + p)));
        if (mask)
            return p + (size_t)__builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + p, 8);
        if (w & 0x8080808080808080ull)
            break;
        p += 8;
    }
    while (p < len && (unsigned char)s[p] < 0x80)
        p++;
    return p;
}

/* dst[k] = first + k for k < n: a map entry a byte (or UTF-16 unit) of ASCII text. Sixteen entries
 * a step with SSE2, where the compiler's loop widened a 64-bit index for every four. */
static void fill_linear(uint32_t *dst, size_t n, uint32_t first)
{
    size_t k = 0;
#ifdef __SSE2__
    __m128i v = _mm_add_epi32(_mm_set1_epi32((int)first), _mm_setr_epi32(0, 1, 2, 3));
    const __m128i four = _mm_set1_epi32(4), sixteen = _mm_set1_epi32(16);
    for (; k + 16 <= n; k += 16) {
        __m128i v1 = _mm_add_epi32(v, four), v2 = _mm_add_epi32(v1, four), v3 = _mm_add_epi32(v2, four);
        _mm_storeu_si128((__m128i *)(void *)(dst + k), v);
        _mm_storeu_si128((__m128i *)(void *)(dst + k + 4), v1);
        _mm_storeu_si128((__m128i *)(void *)(dst + k + 8), v2);
        _mm_storeu_si128((__m128i *)(void *)(dst + k + 12), v3);
        v = _mm_add_epi32(v, sixteen);
    }
#endif
    for (; k < n; k++)
        dst[k] = first + (uint32_t)k;
}

/* The line starts of raw[a..e), whose first byte is code point `count` and all ASCII: the code
 * point after each '\n'. Sixteen bytes a step (SSE2), where a memchr and a growth check a line
 * cost more than the bytes. */
static int ascii_line_starts(norm_state *st, const char *raw, size_t a, size_t e, size_t count)
{
    size_t p = a;
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n');
    for (; p + 16 <= e; p += 16) {
        unsigned mask =
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(raw + p)), lf));
        if (!mask)
            continue;
        if (st->line_count + 16 > st->line_cap && QC_GROW(st->lines, st->line_cap, st->line_count + 16) != 0)
            return QC_ERR_NOMEM;
        uint32_t at = (uint32_t)(count + (p - a)) + 1;
        uint32_t *line = st->lines + st->line_count;
        for (; mask; mask &= mask - 1)
            *line++ = at + (uint32_t)__builtin_ctz(mask);
        st->line_count = (size_t)(line - st->lines);
    }
#endif
    for (const char *nl = memchr(raw + p, '\n', e - p); nl; nl = memchr(nl + 1, '\n', (size_t)(raw + e - nl - 1))) {
        if (st->line_count >= st->line_cap && QC_GROW(st->lines, st->line_cap, st->line_count + 1) != 0)
            return QC_ERR_NOMEM;
        st->lines[st->line_count++] = (uint32_t)(count + (size_t)(nl - (raw + a)) + 1);
    }
    return 0;
}

/* The first byte >= 0x80 in raw[a..len), or len, and the line starts of the ASCII before it (raw[a]
 * is code point st->count, and a code point a byte up to there): one pass where a search for the
 * byte and then one for the line ends went over the stretch each. *after_nl: the byte after the
 * last '\n' found, or a. */
static int high_and_lines(norm_state *st, const char *raw, size_t a, size_t len, size_t *high, size_t *after_nl)
{
    size_t p = a, last = a;
    uint32_t first = (uint32_t)(st->count - a) + 1; /* the line start after a '\n' at byte x: first + x */
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n');
    for (; p + 16 <= len; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(raw + p));
        unsigned hi = (unsigned)_mm_movemask_epi8(v);
        unsigned nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
        if (hi) {
            nl &= (hi & -hi) - 1; /* the line ends before the high byte */
            p += (size_t)__builtin_ctz(hi);
        }
        if (nl) {
            if (st->line_count + 16 > st->line_cap && QC_GROW(st->lines, st->line_cap, st->line_count + 16) != 0)
                return QC_ERR_NOMEM;
            uint32_t *line = st->lines + st->line_count;
            size_t base = hi ? p - (size_t)__builtin_ctz(hi) : p;
            for (; nl; nl &= nl - 1)
                *line++ = first + (uint32_t)(base + (size_t)__builtin_ctz(nl));
            st->line_count = (size_t)(line - st->lines);
            last = (size_t)(line[-1] - first) + 1;
        }
        if (hi) {
            *high = p;
            *after_nl = last;
            return 0;
        }
    }
#endif
    for (; p < len && (unsigned char)raw[p] < 0x80; p++) {
        if (raw[p] != '\n')
            continue;
        if (st->line_count >= st->line_cap && QC_GROW(st->lines, st->line_cap, st->line_count + 1) != 0)
            return QC_ERR_NOMEM;
        st->lines[st->line_count++] = first + (uint32_t)p;
        last = p + 1;
    }
    *high = p;
    *after_nl = last;
    return 0;
}

/* Copies raw[a..e), all ASCII (line ends included), with its maps and line starts in bulk: what
 * emit_verbatim does one run at a time, in loops the compiler can vectorise. `lines_known`: its
 * line starts are recorded already (high_and_lines). */
static int emit_ascii(norm_state *st, const char *raw, size_t a, size_t e, int lines_known)
{
    const qc_doc_builder *b = st->b;
    size_t n = e - a, count = st->count;
    if (reserve_maps(st, n) != 0 || (st->copied && qc_buf_reserve(&st->out, n) != 0))
        return QC_ERR_NOMEM;
    /* Turn boundaries in the stretch: a code point per byte. */
    while (st->bound_next < st->bound_count && st->bounds[st->bound_next] < e) {
        size_t at = st->bounds[st->bound_next];
        st->bound_cps[st->bound_next++] = (uint32_t)(count + (at > a ? at - a : 0));
    }
    uint32_t byte = (uint32_t)st->out_len;
    fill_linear(st->cp_to_byte + count, n, byte);
    /* A run of the source map for each origin the stretch crosses, rather than an entry a byte. */
    for (size_t p = a; p < e;) {
        uint32_t source = source_of(st, p);
        size_t q = e;
        if (st->origin + 1 < b->origin_count && b->origins[st->origin + 1].raw < q)
            q = b->origins[st->origin + 1].raw;
        if (source_run(st, count + (p - a), byte + (p - a), source, origin_verbatim(st)) != 0)
            return QC_ERR_NOMEM;
        p = q;
    }
    if (st->cp_to_utf16)
        fill_linear(st->cp_to_utf16 + count, n, (uint32_t)st->utf16);
    if (!lines_known && ascii_line_starts(st, raw, a, e, count) != 0)
        return QC_ERR_NOMEM;
    out_raw(st, raw, a, n);
    st->count += n;
    st->utf16 += n;
    return 0;
}

/* Copies raw[a..e) as it is: exact maps. `in_line`: the bytes are part of a line without its
 * '\n', so that no line starts are looked for in them. */
static int emit_verbatim(norm_state *st, const char *raw, size_t a, size_t e, int in_line)
{
    if (reserve_maps(st, e - a) != 0 || (st->copied && qc_buf_reserve(&st->out, e - a) != 0))
        return QC_ERR_NOMEM;
    size_t p = a;
    while (p < e) {
        /* ASCII runs (most of any transcript) in bulk. */
        size_t q = next_high(raw, p, e);
        if (q > p) {
            int rc = emit_ascii(st, raw, p, q, in_line);
            if (rc != 0)
                return rc;
            p = q;
            continue;
        }
        size_t here = p;
        int32_t cp = (unsigned char)raw[p] < 0x80 ? raw[p++] : qc_utf8_decode(raw, e, &p);
        if (cp < 0)
            return QC_ERR_ENCODING;
        settle_bounds(st, here);
        out_raw(st, raw, here, p - here);
        uint32_t source = source_of(st, here);
        if (emit_cp(st, cp, p - here, source, origin_verbatim(st)) != 0)
            return QC_ERR_NOMEM;
    }
    return 0;
}

/* Normalises raw[a..e), a piece that starts and ends at stable code points; every output code
 * point maps to the piece's start. */
static int emit_normalised(norm_state *st, const char *raw, size_t a, size_t e)
{
    char *nfc = NULL;
    size_t n = 0;
    if (qc_text_nfc(raw + a, e - a, &nfc, &n) != 0)
        return QC_ERR_NOMEM;
    int rc = 0;
    if (n == e - a && memcmp(nfc, raw + a, n) == 0) {
        rc = emit_verbatim(st, raw, a, e, 1);
    } else {
        settle_bounds(st, a);
        uint32_t source = source_of(st, a);
        size_t p = 0;
        while (p < n && rc == 0) {
            size_t here = p;
            int32_t cp = qc_utf8_decode(nfc, n, &p);
            if (cp < 0) {
                rc = QC_ERR_ENCODING;
                break;
            }
            rc = out_changed(st, raw, nfc + here, p - here);
            if (rc == 0)
                rc = emit_cp(st, cp, p - here, source, 0);
        }
    }
    qc_free(nfc);
    return rc;
}

/* The first turn boundary not yet settled that lies after raw byte `raw`, or SIZE_MAX. */
static size_t next_bound_after(const norm_state *st, size_t raw)
{
    for (size_t i = st->bound_next; i < st->bound_count; i++)
        if (st->bounds[i] > raw)
            return st->bounds[i];
    return SIZE_MAX;
}

/* A line NFC changes: copy its stable stretches, normalise the pieces around unstable code points
 * (from the code point before, which may compose with them, to the next stable one). A piece
 * never spans a turn boundary: its output maps as a whole to where it starts, so a turn whose
 * text began inside it (after "P1: ", a Kelvin sign or a CJK compatibility ideograph) lost its
 * first character; nothing composes across a turn's edge anyway. */
static int emit_line_pieces(norm_state *st, const char *raw, size_t a, size_t e)
{
    size_t copy_from = a, prev = a, p = a;
    while (p < e) {
        size_t high = next_high(raw, p, e);
        if (high > p) {
            /* ASCII is stable (qc_char_nfc_stable): a run of it is stepped over at once, its last
             * byte the stable code point before whatever follows, without decoding a byte a call. */
            prev = high - 1;
            p = high;
            continue;
        }
        size_t here = p;
        int32_t cp = qc_utf8_decode(raw, e, &p);
        if (cp < 0)
            return QC_ERR_ENCODING;
        if (qc_char_nfc_stable(cp)) {
            prev = here;
            continue;
        }
        size_t piece = prev >= copy_from && prev < here ? prev : here;
        size_t end = p;
        while (end < e) {
            size_t q = end;
            int32_t c2 = qc_utf8_decode(raw, e, &q);
            if (c2 < 0)
                return QC_ERR_ENCODING;
            if (qc_char_nfc_stable(c2))
                break;
            end = q;
        }
        size_t bound = next_bound_after(st, piece);
        if (bound <= here)
            piece = here;
        else if (bound < end)
            end = bound;
        if (emit_verbatim(st, raw, copy_from, piece, 1) != 0 || emit_normalised(st, raw, piece, end) != 0)
            return QC_ERR_NOMEM;
        copy_from = prev = p = end;
    }
    return emit_verbatim(st, raw, copy_from, e, 1);
}

static int line_needs_nfc(const char *raw, size_t a, size_t e, int *needs)
{
    *needs = 0;
    size_t p = a;
    while ((p = next_high(raw, p, e)) < e) {
        int32_t cp = qc_utf8_decode(raw, e, &p);
        if (cp < 0)
            return QC_ERR_ENCODING;
        if (qc_char_nfc_inert(cp))
            continue;
        /* Latin-1 letters (é, ø, ß...) are NFC themselves; they change only when a combining
         * mark follows, so one followed by ASCII or by an inert character needs nothing. */
        if (cp >= 0xC0 && cp <= 0xFF) {
            size_t q = p;
            int32_t next = q < e ? qc_utf8_decode(raw, e, &q) : ' ';
            if (next >= 0 && (next < 0x80 || qc_char_nfc_inert(next)))
                continue;
        }
        *needs = 1;
        return 0;
    }
    return 0;
}

static int emit_line(norm_state *st, const char *raw, size_t a, size_t e)
{
    int needs;
    int rc = line_needs_nfc(raw, a, e, &needs);
    if (rc != 0)
        return rc;
    /* A line that may change is normalised piece by piece: a piece NFC leaves alone is copied
     * with exact maps, so a line that turns out unchanged gets the maps of a plain copy. */
    return needs ? emit_line_pieces(st, raw, a, e) : emit_verbatim(st, raw, a, e, 1);
}

static int normalise(norm_state *st)
{
    const char *raw = st->b->raw.data ? st->b->raw.data : "";
    size_t len = st->b->raw.len;
    if (reserve_maps(st, len) != 0 || QC_GROW(st->lines, st->line_cap, 1) != 0)
        return QC_ERR_NOMEM;
    st->lines[st->line_count++] = 0;
    size_t a = 0;
    while (a < len) {
        /* Whole lines of ASCII need no normalisation: copy them up to the line holding the next
         * byte >= 0x80, which goes through emit_line. */
        size_t high, ascii_end;
        if (high_and_lines(st, raw, a, len, &high, &ascii_end) != 0)
            return QC_ERR_NOMEM;
        if (high == len)
            ascii_end = len;
        if (ascii_end > a) {
            int rc = emit_ascii(st, raw, a, ascii_end, 1);
            if (rc != 0)
                return rc;
            a = ascii_end;
            continue;
        }
        const char *nl = memchr(raw + a, '\n', len - a);
        size_t e = nl ? (size_t)(nl - raw) : len;
        int rc = emit_line(st, raw, a, e);
        if (rc == 0 && nl)
            rc = emit_verbatim(st, raw, e, e + 1, 0);
        if (rc != 0)
            return rc;
        a = nl ? e + 1 : len;
    }
    settle_bounds(st, (size_t)-1);
    if (reserve_maps(st, 0) != 0)
        return QC_ERR_NOMEM;
    /* The end entries, so every offset 0..length maps. */
    st->cp_to_byte[st->count] = (uint32_t)st->out_len;
    st->source_end = 0;
    if (st->b->origin_count) {
        const origin *o = &st->b->origins[st->b->origin_count - 1];
        st->source_end = o->verbatim ? o->source + (uint32_t)(len - o->raw) : o->source;
    }
    if (st->cp_to_utf16)
        st->cp_to_utf16[st->count] = (uint32_t)st->utf16;
    return qc_buf_failed(&st->out) ? QC_ERR_NOMEM : 0;
}

static int is_space_cp_at(const qc_document *doc, uint32_t cp)
{
    size_t p = doc->cp_to_byte[cp];
    unsigned char b = (unsigned char)doc->text[p];
    if (b < 0x80) /* a turn's edges, nearly always: no decoding, no call */
        return b == ' ' || (b >= '\t' && b <= '\r');
    int32_t c = qc_utf8_decode(doc->text, doc->text_size, &p);
    return c >= 0 && qc_char_is_space(c);
}

static int fail(qc_doc_builder *b, qc_error *err, int rc)
{
    if (rc == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    if (rc == QC_ERR_LIMIT)
        return qc_error_set(err, rc, b->name ? b->name : b->path, 0, 0, -1, "document too large (4 GiB at most)");
    return qc_error_set(err, rc, b->name ? b->name : b->path, 0, 0, -1, "reader produced invalid UTF-8");
}

/* Moves the builder's strings and turns into doc, with turn offsets in code points. */
static int build_turns(qc_doc_builder *b, qc_document *doc, const uint32_t *bound_cps)
{
    doc->turns = qc_calloc(b->turn_count ? b->turn_count : 1, sizeof *doc->turns);
    if (!doc->turns)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < b->turn_count; i++) {
        const pending_turn *p = &b->turns[i];
        qc_doc_turn *t = &doc->turns[i];
        t->start = bound_cps[2 * i];
        t->end = bound_cps[2 * i + 1];
        /* A turn spans its text, not the white space around it. */
        while (t->start < t->end && is_space_cp_at(doc, t->start))
            t->start++;
        while (t->end > t->start && is_space_cp_at(doc, t->end - 1))
            t->end--;
        t->speaker = p->speaker;
        t->role = (uint8_t)QC_ROLE_UNKNOWN;
        t->time_start_ms = p->time_start_ms;
        t->time_end_ms = p->time_end_ms;
        t->line = p->line;
        t->last_line = p->last_line > p->line ? p->last_line : p->line;
    }
    doc->turn_count = b->turn_count;
    return 0;
}

/* Drops the pieces of continued turns that hold no text (an interjection right after a label, or
 * at the end of a line the next label follows). A turn none of whose pieces has text keeps its
 * first piece, so that finish skips its label as one with no text, with a note. A dropped first
 * piece hands its time to the next piece kept. */
static int drop_empty_pieces(const qc_doc_builder *b, qc_document *doc)
{
    if (!b->has_pieces)
        return 0;
    uint8_t *spoke = qc_calloc(doc->turn_count ? doc->turn_count : 1, 1);
    if (!spoke)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < doc->turn_count; i++) {
        int32_t host = b->turns[i].host;
        if (doc->turns[i].start < doc->turns[i].end)
            spoke[host >= 0 ? (size_t)host : i] = 1;
    }
    size_t kept = 0;
    int32_t carried_from = -1; /* the dropped first piece whose time is carried */
    int64_t carried_time = -1;
    for (size_t i = 0; i < doc->turn_count; i++) {
        qc_doc_turn t = doc->turns[i];
        int32_t host = b->turns[i].host;
        size_t first = host >= 0 ? (size_t)host : i;
        if (t.start == t.end && (host >= 0 || spoke[first])) {
            if (host < 0) {
                carried_from = (int32_t)i;
                carried_time = t.time_start_ms;
            }
            continue;
        }
        if (host >= 0 && host == carried_from) {
            t.time_start_ms = carried_time;
            carried_from = -1;
        }
        doc->turns[kept++] = t;
    }
    doc->turn_count = kept;
    qc_free(spoke);
    return 0;
}

static int take_strings(qc_doc_builder *b, qc_document *doc)
{
    doc->speaker_roles = qc_calloc(b->speaker_count ? b->speaker_count : 1, 1);
    if (!doc->speaker_roles)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < b->speaker_count; i++)
        doc->speaker_roles[i] = (uint8_t)qc_speaker_role(b->opts, b->speakers[i], strlen(b->speakers[i]));
    for (size_t i = 0; i < doc->turn_count; i++)
        if (doc->turns[i].speaker >= 0)
            doc->turns[i].role = doc->speaker_roles[doc->turns[i].speaker];
    doc->speakers = b->speakers;
    doc->speaker_count = b->speaker_count;
    b->speakers = NULL;
    b->speaker_count = b->speaker_cap = 0;
    doc->attr_keys = b->attr_keys;
    doc->attr_values = b->attr_values;
    doc->attr_count = b->attr_count;
    b->attr_keys = b->attr_values = NULL;
    b->attr_count = b->attr_cap = b->attr_values_cap = 0;
    doc->id = b->id;
    doc->path = b->path;
    b->id = b->path = NULL;
    return 0;
}

/* Drops the speakers no turn is left to (doc->turns say which), keeping the others' order. 0, or
 * QC_ERR_NOMEM (nothing changed). */
static int drop_silent_speakers(qc_document *doc)
{
    int32_t *index = qc_malloc((doc->speaker_count ? doc->speaker_count : 1) * sizeof *index);
    if (!index)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < doc->speaker_count; i++)
        index[i] = -1;
    for (size_t i = 0; i < doc->turn_count; i++)
        if (doc->turns[i].speaker >= 0)
            index[doc->turns[i].speaker] = 0;
    size_t kept = 0;
    for (size_t i = 0; i < doc->speaker_count; i++) {
        if (index[i] < 0) {
            qc_free(doc->speakers[i]);
            continue;
        }
        index[i] = (int32_t)kept;
        doc->speakers[kept] = doc->speakers[i];
        doc->speaker_roles[kept++] = doc->speaker_roles[i];
    }
    doc->speaker_count = kept;
    for (size_t i = 0; i < doc->turn_count; i++)
        if (doc->turns[i].speaker >= 0)
            doc->turns[i].speaker = index[doc->turns[i].speaker];
    qc_free(index);
    return 0;
}

/* Leaves out each labelled turn with no text, with a note naming its label, rather than the whole
 * document: noScribe writes a label and its time alone for a pause or an inaudible stretch
 * (`S1: [00:11:37]`, then the next label), and a researcher would otherwise lose the interview
 * until the file is edited. Its speaker goes too when no other turn is left to it, so that the
 * document is as if the label were not there. Fails only when no turn with text is left. */
static int skip_empty_turns(qc_doc_builder *b, qc_document *doc, const char *name, qc_error *err)
{
    /* Most documents have none: find the first before moving any turn. */
    size_t kept = 0;
    int spoken = 0;
    for (; kept < doc->turn_count; kept++) {
        const qc_doc_turn *t = &doc->turns[kept];
        if (t->start == t->end && t->speaker >= 0)
            break;
        spoken |= t->start < t->end;
    }
    if (kept == doc->turn_count)
        return 0;
    uint32_t first_empty = 0;
    for (size_t i = kept; i < doc->turn_count; i++) {
        qc_doc_turn t = doc->turns[i];
        if (t.start < t.end || t.speaker < 0) {
            spoken |= t.start < t.end;
            doc->turns[kept++] = t;
            continue;
        }
        if (!first_empty)
            first_empty = t.line;
        if (qc_doc_builder_note(b, t.line, "speaker label '%s' with no text; turn skipped", doc->speakers[t.speaker]))
            return qc_error_nomem(err);
    }
    doc->turn_count = kept;
    if (!spoken)
        return qc_error_set(err, QC_ERR_FORMAT, name, first_empty, 1, -1,
                            "empty transcript (no speaker label has text)");
    return drop_silent_speakers(doc) ? qc_error_nomem(err) : 0;
}

/* Hands the builder's notes to the document in line order (a stable sort: notes on one line keep
 * the order they were made in). There are few, so insertion sort. */
static void take_notes(qc_doc_builder *b, qc_document *doc)
{
    qc_doc_note *n = b->notes;
    for (size_t i = 1; i < b->note_count; i++) {
        qc_doc_note x = n[i];
        size_t j = i;
        for (; j > 0 && n[j - 1].line > x.line; j--)
            n[j] = n[j - 1];
        n[j] = x;
    }
    doc->notes = b->notes;
    doc->note_count = b->note_count;
    b->notes = NULL;
    b->note_count = b->note_cap = 0;
}

int qc_doc_builder_finish(qc_doc_builder *b, qc_document **out, qc_error *err)
{
    *out = NULL;
    qc_doc_builder_end_turn(b);
    if (copy_lent(b) != 0)
        return qc_error_nomem(err);
    const char *name = b->name && *b->name ? b->name : b->path;
    norm_state st = {0};
    st.b = b;
    st.out = (qc_buf)QC_BUF_INIT;
    st.bound_count = 2 * b->turn_count;
    st.bounds = qc_malloc((st.bound_count + 1) * sizeof *st.bounds);
    st.bound_cps = qc_malloc((st.bound_count + 1) * sizeof *st.bound_cps);
    qc_document *doc = qc_calloc(1, sizeof *doc);
    int rc = st.bounds && st.bound_cps && doc ? 0 : QC_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < b->turn_count; i++) {
        st.bounds[2 * i] = b->turns[i].start;
        st.bounds[2 * i + 1] = b->turns[i].end;
    }
    if (rc == 0)
        rc = normalise(&st);
    if (rc == 0) {
        doc->format = b->format;
        doc->cue_count = b->cue_count;
        memcpy(doc->encoding_name, b->encoding_name, sizeof doc->encoding_name);
        doc->encoding = b->encoding ? b->encoding : doc->encoding_name[0] ? doc->encoding_name : NULL;
        doc->byte_order_mark = b->byte_order_mark;
        doc->text_size = st.out_len;
        /* Text NFC left alone (nearly always) is the raw text: the builder hands it over. */
        doc->text = st.copied ? qc_buf_detach(&st.out) : qc_buf_detach(&b->raw);
        /* The appended text and its origins are done with: a copy NFC made need not have the text
         * it was made from beside it while the words are found. */
        qc_buf_free(&b->raw);
        qc_free(b->origins);
        b->origins = NULL;
        b->origin_count = b->origin_cap = 0;
        if (!doc->text)
            doc->text = qc_strdup("");
        doc->length = st.count;
        doc->cp_to_byte = st.cp_to_byte;
        doc->source_runs = st.runs;
        doc->source_run_count = st.run_count;
        doc->source_end = st.source_end;
        doc->cp_to_utf16 = st.cp_to_utf16;
        doc->line_starts = st.lines;
        doc->line_count = st.line_count;
        st.cp_to_byte = st.cp_to_utf16 = st.lines = NULL;
        st.runs = NULL;
        rc = doc->text ? build_turns(b, doc, st.bound_cps) : QC_ERR_NOMEM;
        if (rc == 0)
            rc = drop_empty_pieces(b, doc);
    }
    if (rc == 0)
        rc = take_strings(b, doc);
    qc_buf_free(&st.out);
    qc_free(st.cp_to_byte);
    qc_free(st.runs);
    qc_free(st.cp_to_utf16);
    qc_free(st.lines);
    qc_free(st.bounds);
    qc_free(st.bound_cps);
    if (rc != 0) {
        qc_document_free(doc);
        return fail(b, err, rc);
    }
    size_t content = 0;
    for (size_t i = 0; i < doc->length && !content; i++)
        content = !is_space_cp_at(doc, (uint32_t)i);
    if (!content) {
        qc_document_free(doc);
        return qc_error_set(err, QC_ERR_FORMAT, name, 0, 0, -1, "empty transcript (no text)");
    }
    rc = skip_empty_turns(b, doc, name, err);
    if (rc != 0) {
        qc_document_free(doc);
        return rc;
    }
    take_notes(b, doc);
    if (qc_segment_document(doc) != 0) {
        qc_document_free(doc);
        return qc_error_nomem(err);
    }
    *out = doc;
    return 0;
}
