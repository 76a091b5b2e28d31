/* Unicode text primitives over UTF-8: decoding, validation, character classes, folding.
 * The only file that includes utf8proc.h is text.c. */
#ifndef QC_TEXT_H
#define QC_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Decodes one code point at s[*pos] (strict UTF-8: no overlongs, surrogates or > U+10FFFF) and
 * advances *pos. Returns the code point, or -1 for an invalid sequence (then *pos is unchanged). */
int32_t qc_utf8_decode(const char *s, size_t len, size_t *pos);

/* Checks a whole buffer. Returns 1 when valid; else 0 and *bad is the offset of the first bad byte. */
int qc_utf8_valid(const char *s, size_t len, size_t *bad);

/* Encodes a code point into out (4 bytes), returns the byte count (1..4), 0 for an invalid one. */
size_t qc_utf8_encode(int32_t cp, char out[4]);

/* The number of code points in valid UTF-8. */
size_t qc_utf8_length(const char *s, size_t len);

/* Number of UTF-16 code units a code point takes (1 or 2). */
static inline unsigned qc_utf16_units(int32_t cp) { return cp >= 0x10000 ? 2u : 1u; }

/* Character classes, from Unicode general categories (utf8proc). */
int qc_char_is_letter_or_digit(int32_t cp); /* L*, N* */
int qc_char_is_letter(int32_t cp);          /* L* */
int qc_char_is_mark(int32_t cp);            /* M*: belongs to the letter before it */
int qc_char_is_space(int32_t cp);           /* Zs, Zl, Zp, tab, LF, CR, VT, FF */
int qc_char_is_upper(int32_t cp);           /* Lu, Lt */
int qc_char_is_lower(int32_t cp);           /* Ll */
/* Names that differ only in case, or in how an accent or an apostrophe was typed (`É` or `E` +
 * U+0301, `’` or `'`), are one name: speaker labels in the tally and in roles, header keys,
 * respondents, casebook keys, attribute values, a project's participants. They are folded as the
 * matcher folds words (qc_text_fold: NFC, full case folding, so `ß` is `ss`), an ASCII name where it
 * stands without a copy; a name that is no UTF-8 compares as written, ASCII case aside. The hash is
 * FNV-1a over the folded bytes; the order is theirs (0 exactly when qc_fold_equal). qc_fold_dup
 * returns the folded name, a new string (NULL when out of memory): a key for an index that
 * compares bytes. */
uint64_t qc_fold_hash(const char *s, size_t len);
int qc_fold_equal(const char *a, size_t alen, const char *b, size_t blen);
int qc_fold_compare(const char *a, size_t alen, const char *b, size_t blen);
char *qc_fold_dup(const char *s);
/* Hyphens that join a word's parts: - U+2010 U+2011 (not dashes, not minus). */
int qc_char_is_inner_hyphen(int32_t cp);
/* Apostrophes inside words: ' U+2019 U+02BC. */
int qc_char_is_apostrophe(int32_t cp);

/* Folding for matching: case-folded (full Unicode case folding), marks stripped when
 * `strip_marks` (café -> cafe), inner hyphens mapped to '-', apostrophes to '\'', and NFC.
 * Appends the folded form of s[0..len) to out. The input must be valid UTF-8.
 * When `casefold` is 0 case is kept. Returns 0, or -1 when out failed. */
int qc_text_fold(const char *s, size_t len, int casefold, int strip_marks, qc_buf *out);

/* NFC-normalises valid UTF-8 s[0..len) into a new buffer the caller frees with qc_free.
 * Returns 0 or -1 (out of memory). */
int qc_text_nfc(const char *s, size_t len, char **out, size_t *out_len);

/* Whether a code point can change under NFC when followed or preceded by others: false for
 * ASCII and for most letters; used to skip normalisation of runs that need none. */
int qc_char_nfc_stable(int32_t cp);

/* Whether NFC leaves a code point as it is wherever it stands: a starter with no canonical
 * decomposition that composes with nothing. Text of inert code points is NFC already. Unlike
 * qc_char_nfc_stable, characters with only a compatibility decomposition (U+2011, ²) are inert. */
int qc_char_nfc_inert(int32_t cp);

#endif

/* Byte classes of the word scanner, for callers that step over ASCII words themselves (segment.c):
 * an ASCII byte's class decides it alone; QC_WC_HIGH marks a byte of a multi-byte sequence, which
 * only qc_word_scan classifies (from the Unicode categories). */
enum {
    QC_WC_WORD = 1,    /* letter or digit: starts and continues a word */
    QC_WC_MARK = 2,    /* combining mark: continues a word, never starts one (never ASCII) */
    QC_WC_DIGIT = 4,   /* ASCII digit: '.' and ',' join two of them (3.5, 1,000) */
    QC_WC_JOIN = 8,    /* inner hyphen or apostrophe: joins two word characters */
    QC_WC_NUMSEP = 16, /* '.' or ',' */
    QC_WC_WILD = 32,   /* '*' or '?': word characters in codebook patterns */
    QC_WC_HIGH = 64    /* a byte >= 0x80 */
};
extern const uint8_t qc_word_byte_class[256];

/* The class (QC_WC_* bits, never QC_WC_HIGH) of any code point. */
unsigned qc_word_class(int32_t cp);

/* Finds the next word in s[*pos..len): a run of letters and digits (with their marks), joined by
 * inner hyphens (co-location, co‑location) and apostrophes (don't, don’t) that stand between two
 * word characters, and by '.' or ',' between digits (3.5, 1,000). With `wildcards`, '*' and '?'
 * count as word characters (for codebook patterns). Returns 1 and the word's byte span
 * [*start, *end), advancing *pos past it; 0 when no word is left. s must be valid UTF-8. */
int qc_word_scan(const char *s, size_t len, size_t *pos, int wildcards, size_t *start, size_t *end);
