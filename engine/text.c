#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "alloc.h"

int32_t qc_utf8_decode(const char *str, size_t len, size_t *pos)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = *pos;
    if (i >= len)
        return -1;
    unsigned c = s[i];
    if (c < 0x80) {
        *pos = i + 1;
        return (int32_t)c;
    }
    int32_t cp;
    size_t need;
    int32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return -1;
    }
    if (len - i <= need)
        return -1;
    for (size_t k = 1; k <= need; k++) {
        unsigned cc = s[i + k];
        if ((cc & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (int32_t)(cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *pos = i + need + 1;
    return cp;
}

int qc_utf8_valid(const char *s, size_t len, size_t *bad)
{
    size_t pos = 0;
    while (pos < len) {
        /* ASCII runs dominate transcripts: skip them a byte at a time without decoding. */
        if ((unsigned char)s[pos] < 0x80) {
            pos++;
            continue;
        }
        if (qc_utf8_decode(s, len, &pos) < 0) {
            if (bad)
                *bad = pos;
            return 0;
        }
    }
    return 1;
}

size_t qc_utf8_encode(int32_t cp, char out[4])
{
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t qc_utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

int qc_char_is_letter_or_digit(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

int qc_char_is_letter(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return 1;
    default: return 0;
    }
}

int qc_char_is_upper(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

int qc_char_is_lower(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z';
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

static int is_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

static unsigned char lower_ascii(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* A name beyond ASCII as the matcher folds words (qc_text_fold: NFC, full case folding, the
 * look-alike hyphens and apostrophes), in out; the name as it is when it is no UTF-8 or memory is
 * short, its ASCII letters lowered where it is compared. */
static const char *folded_name(const char *s, size_t *len, qc_buf *out)
{
    if (is_ascii(s, *len) || !qc_utf8_valid(s, *len, NULL) || qc_text_fold(s, *len, 1, 0, out) != 0)
        return s;
    *len = out->len;
    return qc_buf_cstr(out);
}

uint64_t qc_fold_hash(const char *s, size_t len)
{
    /* Nearly every name is ASCII: hashed in one pass, folded only once a byte says otherwise. */
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    size_t i = 0;
    for (; i < len && (unsigned char)s[i] < 0x80; i++)
        h = (h ^ lower_ascii((unsigned char)s[i])) * 1099511628211ull;
    if (i == len)
        return h;
    qc_buf b = QC_BUF_INIT;
    s = folded_name(s, &len, &b);
    h = 1469598103934665603ull;
    for (i = 0; i < len; i++)
        h = (h ^ lower_ascii((unsigned char)s[i])) * 1099511628211ull;
    qc_buf_free(&b);
    return h;
}

/* Whether s[k] is past the end or ASCII: then the ASCII before it stands as written in the folded
 * name (a mark after a letter would compose with it). */
static int ascii_or_end(const char *s, size_t len, size_t k)
{
    return k >= len || (unsigned char)s[k] < 0x80;
}

int qc_fold_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Nearly every name is ASCII: compared where it stands, folded only once a byte says otherwise. */
    size_t k = 0;
    for (; k < alen && k < blen; k++) {
        unsigned char x = (unsigned char)a[k], y = (unsigned char)b[k];
        if (x != y && ((x | y) >= 0x80 || lower_ascii(x) != lower_ascii(y)))
            break;
        if (x >= 0x80)
            break;
    }
    if (ascii_or_end(a, alen, k) && ascii_or_end(b, blen, k) && ascii_or_end(a, alen, k + 1) &&
        ascii_or_end(b, blen, k + 1)) {
        int x = k < alen ? lower_ascii((unsigned char)a[k]) : -1, y = k < blen ? lower_ascii((unsigned char)b[k]) : -1;
        return (x > y) - (x < y);
    }
    qc_buf fa = QC_BUF_INIT, fb = QC_BUF_INIT;
    a = folded_name(a, &alen, &fa);
    b = folded_name(b, &blen, &fb);
    int order = 0;
    for (size_t i = 0; !order && i < alen && i < blen; i++) {
        unsigned char x = lower_ascii((unsigned char)a[i]), y = lower_ascii((unsigned char)b[i]);
        order = (x > y) - (x < y);
    }
    if (!order)
        order = (alen > blen) - (alen < blen);
    qc_buf_free(&fa);
    qc_buf_free(&fb);
    return order;
}

int qc_fold_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    return qc_fold_compare(a, alen, b, blen) == 0;
}

char *qc_fold_dup(const char *s)
{
    qc_buf b = QC_BUF_INIT;
    size_t len = strlen(s);
    s = folded_name(s, &len, &b);
    char *out = qc_strndup(s, len);
    for (size_t i = 0; out && i < len; i++)
        out[i] = (char)lower_ascii((unsigned char)out[i]);
    qc_buf_free(&b);
    return out;
}

int qc_char_is_mark(int32_t cp)
{
    if (cp < 0x300)
        return 0;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return 1;
    default:
        return 0;
    }
}

int qc_char_is_space(int32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= '\t' && cp <= '\r');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return 1;
    default:
        return cp == 0x85;
    }
}

int qc_char_is_inner_hyphen(int32_t cp)
{
    return cp == '-' || cp == 0x2010 || cp == 0x2011;
}

int qc_char_is_apostrophe(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

int qc_char_nfc_stable(int32_t cp)
{
    if (cp < 0x300)
        return cp < 0xC0; /* Latin-1 letters can be targets of composition with a following mark */
    /* Hangul composes algorithmically (leading + vowel jamo, syllable + trailing jamo), which the
     * property table does not show. */
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xAC00 && cp <= 0xD7A3))
        return 0;
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    return p->combining_class == 0 && p->decomp_seqindex == UINT16_MAX && !p->comp_exclusion &&
           p->comb_index == UINT16_MAX;
}

int qc_char_nfc_inert(int32_t cp)
{
    if (cp < 0xC0)
        return 1;
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xAC00 && cp <= 0xD7A3))
        return 0; /* Hangul jamo and syllables compose by rule, not through the tables */
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    /* A compatibility decomposition (U+2011 to U+2010, ² to 2) is NFKC's business, not NFC's. */
    int canonical_decomposition = p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0;
    return p->combining_class == 0 && !canonical_decomposition && !p->comp_exclusion && p->comb_index == UINT16_MAX;
}

static void append_cp(qc_buf *out, int32_t cp)
{
    char tmp[4];
    size_t n = qc_utf8_encode(cp, tmp);
    qc_buf_append(out, tmp, n);
}

int qc_text_fold(const char *s, size_t len, int casefold, int strip_marks, qc_buf *out)
{
    /* ASCII fast path: the vast majority of words in English transcripts. */
    size_t i = 0;
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    if (i == len) {
        if (qc_buf_reserve(out, len) != 0)
            return -1;
        char *d = out->data + out->len;
        for (size_t k = 0; k < len; k++) {
            char c = s[k];
            d[k] = (casefold && c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        out->len += len;
        out->data[out->len] = '\0';
        return 0;
    }
    utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (casefold)
        opts |= UTF8PROC_CASEFOLD;
    if (strip_marks)
        opts |= UTF8PROC_STRIPMARK;
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &mapped, opts);
    if (n < 0)
        return -1;
    /* Map the look-alike hyphens and apostrophes to their ASCII forms after folding. */
    size_t pos = 0;
    int rc = 0;
    while (pos < (size_t)n) {
        int32_t cp = qc_utf8_decode((const char *)mapped, (size_t)n, &pos);
        if (cp < 0) {
            rc = -1;
            break;
        }
        if (qc_char_is_inner_hyphen(cp))
            cp = '-';
        else if (qc_char_is_apostrophe(cp))
            cp = '\'';
        append_cp(out, cp);
    }
    free(mapped); /* utf8proc allocates with malloc */
    return rc == 0 && !qc_buf_failed(out) ? 0 : -1;
}

int qc_text_nfc(const char *s, size_t len, char **out, size_t *out_len)
{
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n =
        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &mapped, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return -1;
    char *copy = qc_strndup((const char *)mapped, (size_t)n);
    free(mapped);
    if (!copy)
        return -1;
    *out = copy;
    *out_len = (size_t)n;
    return 0;
}

/* --- words --- */

/* Short names for the table and the scanner (text.h explains the classes). */
#define L QC_WC_WORD
#define M QC_WC_MARK
#define D QC_WC_DIGIT
#define J QC_WC_JOIN
#define S QC_WC_NUMSEP
#define W QC_WC_WILD
#define H QC_WC_HIGH

/* clang-format off */
const uint8_t qc_word_byte_class[256] = {
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   /* */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   /* */
    0,   0,   0,   0,   0,   0,   0,   J,   0,   0,   W,   0,   S,   J,   S,   0,   /* ' * , - . */
    L|D, L|D, L|D, L|D, L|D, L|D, L|D, L|D, L|D, L|D, 0,   0,   0,   0,   0,   W,   /* 0-9 ? */
    0,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   /* A-O */
    L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   0,   0,   0,   0,   0,   /* P-Z */
    0,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   /* a-o */
    L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   L,   0,   0,   0,   0,   0,   /* p-z */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
    H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   H,   /* */
};
/* clang-format on */

/* The class of a code point >= 0x80 (one category lookup). */
static unsigned char_class(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return L;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return M;
    default: return cp == 0x2010 || cp == 0x2011 || cp == 0x2019 || cp == 0x02BC ? J : 0;
    }
}

unsigned qc_word_class(int32_t cp)
{
    if (cp < 0)
        return 0;
    return cp < 0x80 ? qc_word_byte_class[cp] : char_class(cp);
}

/* The class of the code point at s[*p] and its end in *next; -1 for invalid UTF-8. */
static inline int class_at(const char *s, size_t len, size_t p, size_t *next)
{
    unsigned c = qc_word_byte_class[(unsigned char)s[p]];
    if (!(c & H)) {
        *next = p + 1;
        return (int)c;
    }
    size_t q = p;
    int32_t cp = qc_utf8_decode(s, len, &q);
    if (cp < 0)
        return -1;
    *next = q;
    return (int)char_class(cp);
}

/* ASCII letters and digits are nearly every byte of a word: the loops step over them with the
 * table alone and decode only bytes >= 0x80. The rules are the ones in text.h; tests/test_text.c
 * holds this scanner equal to a plain statement of them. */
int qc_word_scan(const char *str, size_t len, size_t *pos, int wildcards, size_t *start, size_t *end)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned starts = L | (wildcards ? W : 0u);
    const unsigned inside = starts | M;
    size_t p = *pos, next;
    /* Skip to the first word character (marks alone do not start a word). */
    for (;;) {
        while (p < len && !(qc_word_byte_class[s[p]] & (starts | H)))
            p++;
        if (p >= len) {
            *pos = len;
            return 0;
        }
        int c = class_at(str, len, p, &next);
        if (c >= 0 && ((unsigned)c & starts))
            break;
        p = c < 0 ? p + 1 : next;
    }
    *start = p;
    unsigned prev = 0; /* class of the last code point taken */
    for (;;) {
        while (p < len && (qc_word_byte_class[s[p]] & inside)) {
            prev = qc_word_byte_class[s[p]];
            p++;
        }
        if (p >= len)
            break;
        int c = class_at(str, len, p, &next);
        if (c < 0)
            break;
        unsigned cls = (unsigned)c;
        if (cls & inside) {
            prev = cls;
            p = next;
            continue;
        }
        int numeric = (cls & S) && (prev & D);
        if (!(cls & J) && !numeric)
            break;
        if (next >= len)
            break;
        size_t after;
        int n = class_at(str, len, next, &after);
        if (n < 0 || !((unsigned)n & (numeric ? (unsigned)D : inside)))
            break;
        prev = cls;
        p = next;
    }
    *end = p;
    *pos = p;
    return 1;
}

#undef L
#undef M
#undef D
#undef J
#undef S
#undef W
#undef H
