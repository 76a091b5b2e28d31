/* Source texts of imported projects, normalised with position maps. */
#include "refi_text.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "text.h"

const char *qc_refi_unit_name(qc_refi_unit unit)
{
    switch (unit) {
    case QC_REFI_UNIT_UTF16: return "UTF-16 code units";
    case QC_REFI_UNIT_CP_LF: return "code points (CRLF counted once)";
    default: return "code points";
    }
}

void qc_refi_text_free(qc_refi_text *t)
{
    qc_free(t->text);
    qc_free(t->raw_to_lf);
    qc_free(t->raw_u16);
    qc_free(t->lf_to_out);
    qc_free(t->out_to_byte);
    memset(t, 0, sizeof *t);
}

/* NFC, chunk by chunk: a chunk is a code point and the unstable ones after it (marks, Hangul
 * jamo...), the only places normalisation can change. Positions inside a chunk that changed map
 * to the chunk's start. */
static int nfc_with_map(qc_refi_text *t, const char *lf, size_t lf_size)
{
    qc_buf out = QC_BUF_INIT;
    if (qc_buf_reserve(&out, lf_size) != 0)
        return -1;
    size_t p = 0, i = 0, out_cp = 0;
    while (p < lf_size) {
        size_t start_byte = p, start_cp = i;
        qc_utf8_decode(lf, lf_size, &p);
        i++;
        while (p < lf_size) {
            size_t q = p;
            int32_t cp = qc_utf8_decode(lf, lf_size, &q);
            if (qc_char_nfc_stable(cp))
                break;
            p = q;
            i++;
        }
        size_t n_cp = i - start_cp;
        if (n_cp == 1) {
            qc_buf_append(&out, lf + start_byte, p - start_byte);
            t->lf_to_out[start_cp] = (uint32_t)out_cp;
            out_cp++;
            continue;
        }
        char *norm = NULL;
        size_t norm_len = 0;
        if (qc_text_nfc(lf + start_byte, p - start_byte, &norm, &norm_len) != 0) {
            qc_buf_free(&out);
            return -1;
        }
        size_t m = qc_utf8_length(norm, norm_len);
        int same = norm_len == p - start_byte && memcmp(norm, lf + start_byte, norm_len) == 0;
        for (size_t k = 0; k < n_cp; k++)
            t->lf_to_out[start_cp + k] = (uint32_t)(out_cp + (same ? k : 0));
        qc_buf_append(&out, norm, norm_len);
        qc_free(norm);
        out_cp += m;
    }
    t->lf_to_out[i] = (uint32_t)out_cp;
    if (qc_buf_failed(&out)) {
        qc_buf_free(&out);
        return -1;
    }
    t->size = out.len;
    t->length = out_cp;
    t->text = qc_buf_detach(&out);
    return t->text ? 0 : -1;
}

int qc_refi_text_prepare(qc_refi_text *t, const char *raw, size_t size, size_t *bad)
{
    memset(t, 0, sizeof *t);
    if (size >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0) {
        raw += 3;
        size -= 3;
    }
    if (size >= UINT32_MAX / 2)
        return -3;
    size_t badpos = 0;
    if (!qc_utf8_valid(raw, size, &badpos)) {
        if (bad)
            *bad = badpos;
        return -2;
    }
    size_t cps = qc_utf8_length(raw, size);
    size_t nuls = 0;
    for (const char *z = memchr(raw, '\0', size); z; z = memchr(z + 1, '\0', size - (size_t)(z + 1 - raw)))
        nuls++;
    t->raw_cps = cps;
    t->nuls_replaced = nuls;
    t->raw_to_lf = qc_malloc((cps + 1) * sizeof *t->raw_to_lf);
    t->raw_u16 = qc_malloc((cps + 1) * sizeof *t->raw_u16);
    char *lf = qc_malloc(size + 2 * nuls + 1);
    if (!t->raw_to_lf || !t->raw_u16 || !lf) {
        qc_free(lf);
        qc_refi_text_free(t);
        return -1;
    }
    size_t p = 0, i = 0, lf_len = 0, lf_cp = 0, u16 = 0;
    while (p < size) {
        size_t q = p;
        int32_t cp = qc_utf8_decode(raw, size, &q);
        t->raw_u16[i] = (uint32_t)u16;
        t->raw_to_lf[i] = (uint32_t)lf_cp;
        u16 += qc_utf16_units(cp);
        if (cp == '\r' && q < size && raw[q] == '\n') {
            /* CR of CRLF: the pair becomes the one LF that follows. */
        } else if (cp == '\r') {
            lf[lf_len++] = '\n';
            lf_cp++;
        } else if (cp == 0) {
            /* qcode reads no NUL bytes (a transcript with one is binary); U+FFFD keeps the source
             * codeable and every position, in code points and in UTF-16 units, where it was. */
            memcpy(lf + lf_len, "\xEF\xBF\xBD", 3);
            lf_len += 3;
            lf_cp++;
        } else {
            memcpy(lf + lf_len, raw + p, q - p);
            lf_len += q - p;
            lf_cp++;
        }
        p = q;
        i++;
    }
    t->raw_u16[i] = (uint32_t)u16;
    t->raw_to_lf[i] = (uint32_t)lf_cp;
    t->lf_cps = lf_cp;
    t->lf_to_out = qc_malloc((lf_cp + 1) * sizeof *t->lf_to_out);
    if (!t->lf_to_out || nfc_with_map(t, lf, lf_len) != 0) {
        qc_free(lf);
        qc_refi_text_free(t);
        return -1;
    }
    qc_free(lf);
    t->out_to_byte = qc_malloc((t->length + 1) * sizeof *t->out_to_byte);
    if (!t->out_to_byte) {
        qc_refi_text_free(t);
        return -1;
    }
    size_t b = 0;
    for (size_t k = 0; k < t->length; k++) {
        t->out_to_byte[k] = (uint32_t)b;
        qc_utf8_decode(t->text, t->size, &b);
    }
    t->out_to_byte[t->length] = (uint32_t)t->size;
    return 0;
}

int qc_refi_text_map(const qc_refi_text *t, qc_refi_unit unit, int64_t pos, size_t *out)
{
    if (pos < 0)
        return -1;
    if (unit == QC_REFI_UNIT_CP_LF) {
        if ((uint64_t)pos > t->lf_cps)
            return -1;
        *out = t->lf_to_out[pos];
        return 0;
    }
    size_t raw;
    int inside = 0;
    if (unit == QC_REFI_UNIT_CP) {
        if ((uint64_t)pos > t->raw_cps)
            return -1;
        raw = (size_t)pos;
    } else {
        if ((uint64_t)pos > t->raw_u16[t->raw_cps])
            return -1;
        /* The last code point starting at or before pos. */
        size_t lo = 0, hi = t->raw_cps;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (t->raw_u16[mid] <= (uint64_t)pos)
                lo = mid;
            else
                hi = mid - 1;
        }
        raw = lo;
        inside = t->raw_u16[lo] != (uint64_t)pos;
    }
    *out = t->lf_to_out[t->raw_to_lf[raw]];
    return inside;
}

int qc_refi_utf16_offsets(const char *text, size_t size, uint32_t *u16, size_t length)
{
    size_t p = 0, u = 0;
    for (size_t k = 0; k < length; k++) {
        u16[k] = (uint32_t)u;
        int32_t cp = qc_utf8_decode(text, size, &p);
        if (cp < 0)
            return -1;
        u += qc_utf16_units(cp);
    }
    u16[length] = (uint32_t)u;
    return 0;
}
