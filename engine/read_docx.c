/* Word (.docx) reader: the paragraphs of word/document.xml in body order (table cells row by
 * row), read from the zip with zip_read and streamed with xml_safe, then the plain-text speaker
 * conventions applied paragraph by paragraph. The document text is the paragraphs joined by blank
 * lines, so saving it as .txt reads back the same; source offsets are byte offsets into
 * word/document.xml (text copied verbatim from a w:t maps byte for byte, a character reference to
 * where it starts, everything else to the element it came from). docProps/core.xml gives the title, author and created
 * attributes. */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_text.h"
#include "readers.h"
#include "speakers.h"
#include "utf16.h"
#include "xml_safe.h"
#include "zip_read.h"

#define DOCX_MAX_PART ((size_t)64 << 20)

static const char *const W_NS[] = {"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                   "http://purl.oclc.org/ooxml/wordprocessingml/main"};
static const char MC_NS[] = "http://schemas.openxmlformats.org/markup-compatibility/2006";

typedef struct para {
    size_t from, to; /* text in the mapped text */
    uint32_t xml;    /* byte offset of <w:p> in document.xml */
    uint32_t number; /* 1-based paragraph number (the turn's `line`) */
} para;

typedef struct docx_state {
    qc_mapped_text mt;
    para *paras;
    size_t count, cap;
    uint32_t numbered;
    int in_p, in_r, in_t, in_del, in_fallback;
    uint32_t at; /* offset of the element being handled */
    const char *xml;
    size_t xml_size;
    int64_t text_end; /* where the last text copied from document.xml ends, or -1 */
} docx_state;

static int is_w(const char *ns)
{
    return ns && (strcmp(ns, W_NS[0]) == 0 || strcmp(ns, W_NS[1]) == 0);
}

static int add(docx_state *st, const char *s, size_t len)
{
    return qc_mt_add(&st->mt, s, len, st->at, 0) < 0 ? QC_ERR_NOMEM : 0;
}

static int on_start(void *user, const char *ns, const char *local, size_t offset, uint32_t line)
{
    (void)line;
    docx_state *st = user;
    st->at = (uint32_t)offset;
    st->text_end = -1;
    if (ns && strcmp(ns, MC_NS) == 0 && strcmp(local, "Fallback") == 0) {
        st->in_fallback++; /* the same content as mc:Choice, for older readers */
        return 0;
    }
    if (!is_w(ns))
        return 0;
    if (strcmp(local, "p") == 0) {
        if (st->in_p++ > 0)
            return st->mt.text.len > st->paras[st->count - 1].from ? add(st, "\n", 1) : 0; /* a text box */
        if (QC_GROW(st->paras, st->cap, st->count + 1) < 0)
            return QC_ERR_NOMEM;
        st->paras[st->count++] = (para){st->mt.text.len, st->mt.text.len, (uint32_t)offset, ++st->numbered};
        return 0;
    }
    if (strcmp(local, "del") == 0 || strcmp(local, "moveFrom") == 0) {
        st->in_del++; /* tracked deletions are not the text */
        return 0;
    }
    if (!st->in_p || st->in_del || st->in_fallback)
        return 0;
    if (strcmp(local, "t") == 0)
        st->in_t++;
    else if (strcmp(local, "r") == 0)
        st->in_r++;
    else if (strcmp(local, "tab") == 0)
        return st->in_r ? add(st, "\t", 1) : 0; /* outside a run, w:tab is a tab stop definition */
    else if (strcmp(local, "br") == 0 || strcmp(local, "cr") == 0)
        return add(st, "\n", 1);
    else if (strcmp(local, "noBreakHyphen") == 0)
        return add(st, "\xE2\x80\x91", 3); /* U+2011 */
    return 0;
}

static int on_end(void *user, const char *ns, const char *local)
{
    docx_state *st = user;
    st->text_end = -1;
    if (ns && strcmp(ns, MC_NS) == 0 && strcmp(local, "Fallback") == 0) {
        st->in_fallback--;
        return 0;
    }
    if (!is_w(ns))
        return 0;
    if (strcmp(local, "p") == 0 && st->in_p > 0) {
        if (--st->in_p == 0)
            st->paras[st->count - 1].to = st->mt.text.len;
    } else if ((strcmp(local, "del") == 0 || strcmp(local, "moveFrom") == 0) && st->in_del > 0)
        st->in_del--;
    else if (strcmp(local, "t") == 0 && st->in_t > 0)
        st->in_t--;
    else if (strcmp(local, "r") == 0 && st->in_r > 0)
        st->in_r--;
    return 0;
}

static int on_text(void *user, const char *s, size_t len, int64_t offset)
{
    docx_state *st = user;
    if (!st->in_t || !st->in_p || st->in_del || st->in_fallback)
        return 0;
    /* libxml2 hands over text after a non-ASCII character from a copy, in pieces: a piece whose
     * bytes are those that follow the last copied text is the file's text too. */
    int64_t end = st->text_end;
    if (offset < 0 && end >= 0 && (uint64_t)end + len <= st->xml_size && memcmp(st->xml + end, s, len) == 0)
        offset = end;
    st->text_end = offset >= 0 ? offset + (int64_t)len : -1;
    /* Decoded text (a character reference) maps to where it starts when text was copied just
     * before it, else to its element. */
    uint32_t at = end >= 0 ? (uint32_t)end : st->at;
    int rc = offset >= 0 ? qc_mt_add(&st->mt, s, len, (uint32_t)offset, 1) : qc_mt_add(&st->mt, s, len, at, 0);
    return rc < 0 ? QC_ERR_NOMEM : 0;
}

/* docProps/core.xml: the Dublin Core title, creator and created date. */
typedef struct core_state {
    const char *key; /* the attribute the current element feeds, or NULL */
    qc_buf value[3];
} core_state;

static const struct {
    const char *ns, *local, *key;
} core_fields[3] = {{"http://purl.org/dc/elements/1.1/", "title", "title"},
                    {"http://purl.org/dc/elements/1.1/", "creator", "author"},
                    {"http://purl.org/dc/terms/", "created", "created"}};

static int core_start(void *user, const char *ns, const char *local, size_t offset, uint32_t line)
{
    (void)offset;
    (void)line;
    core_state *cs = user;
    cs->key = NULL;
    for (int i = 0; i < 3; i++)
        if (ns && strcmp(ns, core_fields[i].ns) == 0 && strcmp(local, core_fields[i].local) == 0)
            cs->key = core_fields[i].key;
    return 0;
}

static int core_end(void *user, const char *ns, const char *local)
{
    (void)ns;
    (void)local;
    ((core_state *)user)->key = NULL;
    return 0;
}

static int core_text(void *user, const char *s, size_t len, int64_t offset)
{
    (void)offset;
    core_state *cs = user;
    for (int i = 0; i < 3 && cs->key; i++)
        if (cs->key == core_fields[i].key) {
            qc_buf_append(&cs->value[i], s, len);
            return qc_buf_failed(&cs->value[i]) ? QC_ERR_NOMEM : 0;
        }
    return 0;
}

/* The first w in s[0..n), or NULL. */
static const char *find(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, w, k) == 0)
            return s + i;
    return NULL;
}

/* Says how word/document.xml was decoded (qc_document_encoding), once libxml2 has read it: UTF-16
 * as its bytes tell (a byte order mark, or `<?` with NUL beside each character, as libxml2 tells
 * it: qc_utf16_kind); otherwise what its XML declaration names (libxml2 decodes ISO-8859-1,
 * Windows-1252 and whatever iconv knows as declared), UTF-8 when it names none. Word writes UTF-8. */
static void record_encoding(qc_doc_builder *b, const char *xml, size_t size)
{
    int bom = 0, kind = qc_utf16_kind(xml, size, &bom);
    if (kind) {
        qc_doc_builder_encoding(b, kind == 'L' ? "utf-16le" : "utf-16be", bom);
        return;
    }
    bom = size >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0;
    size_t i = bom ? 3 : 0;
    char name[64] = ""; /* the builder keeps fewer */
    if (size - i > 5 && memcmp(xml + i, "<?xml", 5) == 0 && xml[i + 5] && strchr(" \t\r\n", xml[i + 5])) {
        /* The declaration parsed: version, encoding and standalone, whose values hold no "encoding". */
        const char *decl = xml + i, *end = find(decl, size - i, "?>");
        const char *at = end ? find(decl, (size_t)(end - decl), "encoding") : NULL;
        if (at) {
            at += 8;
            while (at < end && *at != '"' && *at != '\'')
                at++; /* white space and '=' */
            const char *q = at < end ? memchr(at + 1, *at, (size_t)(end - at - 1)) : NULL;
            size_t n = q ? (size_t)(q - at - 1) : 0;
            if (n >= sizeof name)
                n = sizeof name - 1;
            memcpy(name, at + 1, n);
            name[n] = '\0';
        }
    }
    qc_doc_builder_encoding(b, name[0] ? name : NULL, bom);
}

static int read_core(qc_zip *z, qc_doc_builder *b, const char *name, qc_error *err)
{
    char *xml = NULL;
    size_t size = 0;
    int rc = qc_zip_read(z, "docProps/core.xml", DOCX_MAX_PART, &xml, &size, err);
    if (rc == QC_ERR_NOTFOUND)
        return 0; /* properties are optional */
    if (rc < 0)
        return rc;
    core_state cs;
    memset(&cs, 0, sizeof cs);
    qc_xml_handler h = {&cs, core_start, core_end, core_text};
    rc = qc_xml_stream(xml, size, name, "docProps/core.xml", &h, err);
    if (rc == QC_ERR_NOMEM)
        qc_error_nomem(err);
    else if (rc < 0)
        qc_xml_error_in_part(err, name, "docProps/core.xml");
    for (int i = 0; i < 3 && rc == 0; i++) {
        /* Trim: an empty <dc:title/> (common) is no title. */
        const char *v = qc_buf_cstr(&cs.value[i]);
        size_t n = cs.value[i].len;
        while (n && (*v == ' ' || *v == '\t' || *v == '\n'))
            v++, n--;
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n'))
            n--;
        if (!n)
            continue;
        char *copy = qc_strndup(v, n);
        rc = copy ? qc_doc_builder_attribute(b, core_fields[i].key, copy) : QC_ERR_NOMEM;
        qc_free(copy);
        if (rc < 0)
            rc = qc_error_nomem(err);
    }
    for (int i = 0; i < 3; i++)
        qc_buf_free(&cs.value[i]);
    qc_free(xml);
    return rc;
}

/* A paragraph's speaker label, when it has one that counts. */
typedef struct para_label {
    int has;      /* matched (before the occurs-twice rule) */
    qc_label lab; /* offsets relative to the paragraph's (trimmed) start */
} para_label;

/* The length of a paragraph's first line, where its label is looked for. */
static size_t first_line(const docx_state *st, const para *p)
{
    const char *nl = memchr(st->mt.text.data + p->from, '\n', p->to - p->from);
    return nl ? (size_t)(nl - (st->mt.text.data + p->from)) : p->to - p->from;
}

static int build_error(qc_error *err, const char *name, int rc)
{
    if (rc == QC_ERR_NOMEM)
        return qc_error_nomem(err);
    return qc_error_set(err, rc, name, 0, 0, -1, "could not build the document: %s", qc_status_name(rc));
}

/* Finds labels on each paragraph's first line and keeps those that are conventional or occur at
 * least twice (qc_label_trusted, as in plain text and subtitles). Returns the number kept, or a negative status. */
static int find_labels(docx_state *st, para_label *pl, const char *name, const qc_read_options *opts, qc_error *err)
{
    qc_speaker_rules *rules = NULL;
    qc_label_tally *tally = NULL;
    int rc = qc_speaker_rules_new(&rules, opts, err);
    if (rc < 0)
        return rc;
    if (qc_label_tally_new(&tally) < 0) {
        qc_speaker_rules_free(rules);
        return qc_error_nomem(err);
    }
    const char *text = st->mt.text.data;
    int kept = 0;
    for (size_t i = 0; i < st->count; i++) {
        const para *p = &st->paras[i];
        if (p->from == p->to)
            continue;
        int m = qc_speaker_match_line(rules, text + p->from, first_line(st, p), &pl[i].lab);
        if (m < 0) {
            rc = qc_error_set(err, m, name, p->number, 0, -1, "the speaker pattern failed on paragraph %u: %s",
                              p->number, qc_status_name(m));
            goto done;
        }
        if (m == 0 || pl[i].lab.label_end <= pl[i].lab.label_start)
            continue;
        pl[i].has = 1;
        if (qc_label_tally_add(tally, text + p->from + pl[i].lab.label_start,
                               pl[i].lab.label_end - pl[i].lab.label_start) < 0) {
            rc = qc_error_nomem(err);
            goto done;
        }
    }
    for (size_t i = 0; i < st->count; i++) {
        if (!pl[i].has)
            continue;
        const qc_label *l = &pl[i].lab;
        const char *label = text + st->paras[i].from + l->label_start;
        size_t len = l->label_end - l->label_start;
        if (!qc_label_trusted(opts, tally, l, label, len) && qc_label_tally_count(tally, label, len) < 2)
            pl[i].has = 0;
        else
            kept++;
    }
    /* Above the dialogue, a role word's label seen once whose paragraph names its person or how many
     * (`Interviewerin: Petra Schmidt`, `BEFRAGTE: B3`) is the preamble's, as in plain text. */
    for (size_t i = 0; i < st->count && !(opts && opts->speaker_pattern); i++) {
        if (!pl[i].has)
            continue;
        const qc_label *l = &pl[i].lab;
        const char *s = text + st->paras[i].from;
        size_t len = l->label_end - l->label_start;
        if (qc_label_tally_count(tally, s + l->label_start, len) >= 2 ||
            !qc_label_line_names(opts, s + l->label_start, len, s + l->text_start,
                                 first_line(st, &st->paras[i]) - l->text_start))
            break;
        pl[i].has = 0;
        kept--;
    }
    rc = kept;
done:
    qc_label_tally_free(tally);
    qc_speaker_rules_free(rules);
    return rc;
}

/* Sends the paragraphs to the builder: preamble paragraphs outside turns, a labelled paragraph's
 * label outside and its text inside the turn, paragraphs after it continuing the turn; a label
 * alone (Otter's "Name  00:12", or "Q:") opens its turn at the next paragraph. */
static int emit(docx_state *st, const para_label *pl, int labelled, qc_doc_builder *b)
{
    const qc_mapped_text *mt = &st->mt;
    int rc = 0, in_turn = 0, first = 1;
    const para *pending = NULL; /* a label alone, waiting for its text */
    const qc_label *pending_lab = NULL;
    const char *text = mt->text.data;
    if (!labelled) {
        /* No labels: one unlabelled narrative. */
        for (size_t i = 0; i < st->count && rc >= 0; i++) {
            const para *p = &st->paras[i];
            if (p->from == p->to)
                continue;
            if (first)
                rc = qc_doc_builder_begin_turn(b, NULL, 0, -1, -1, p->number);
            else
                rc = qc_doc_builder_text_at(b, "\n\n", 2, p->xml);
            if (rc >= 0)
                rc = qc_mt_emit(mt, p->from, p->to, b);
            first = 0;
        }
        return rc < 0 ? rc : qc_doc_builder_end_turn(b);
    }
    for (size_t i = 0; i < st->count && rc >= 0; i++) {
        const para *p = &st->paras[i];
        if (p->from == p->to)
            continue;
        const char *sep = first ? "" : "\n\n";
        first = 0;
        if (pl[i].has || pending) {
            if (in_turn)
                rc = qc_doc_builder_end_turn(b);
            in_turn = 0;
        }
        if (rc >= 0 && pending && pl[i].has) {
            /* A label alone right before another: an empty turn, which the builder reports. */
            rc = qc_doc_builder_begin_turn(b, text + pending->from + pending_lab->label_start,
                                           pending_lab->label_end - pending_lab->label_start, pending_lab->time_ms, -1,
                                           pending->number);
            if (rc >= 0)
                rc = qc_doc_builder_end_turn(b);
            pending = NULL;
        }
        if (rc >= 0)
            rc = qc_doc_builder_text_at(b, sep, strlen(sep), p->xml);
        if (rc < 0)
            break;
        if (pl[i].has) {
            const qc_label *l = &pl[i].lab;
            size_t start = p->from + l->text_start, end = p->to;
            qc_mt_trim(mt, &start, &end);
            /* A label alone on the paragraph's first line: its text starts after the line break. */
            rc = qc_mt_emit(mt, p->from, start < end ? start : p->to, b);
            if (rc >= 0 && start < end) {
                rc = qc_doc_builder_begin_turn(b, text + p->from + l->label_start, l->label_end - l->label_start,
                                               l->time_ms, -1, p->number);
                if (rc >= 0)
                    rc = qc_mt_emit(mt, start, end, b);
                in_turn = 1;
            } else {
                pending = p;
                pending_lab = l;
            }
            continue;
        }
        if (pending) {
            rc = qc_doc_builder_begin_turn(b, text + pending->from + pending_lab->label_start,
                                           pending_lab->label_end - pending_lab->label_start, pending_lab->time_ms, -1,
                                           pending->number);
            in_turn = 1;
            pending = NULL;
        }
        if (rc >= 0)
            rc = qc_mt_emit(mt, p->from, p->to, b);
    }
    if (rc >= 0 && pending) {
        rc = qc_doc_builder_begin_turn(b, text + pending->from + pending_lab->label_start,
                                       pending_lab->label_end - pending_lab->label_start, pending_lab->time_ms, -1,
                                       pending->number);
        in_turn = 1;
    }
    if (rc >= 0 && in_turn)
        rc = qc_doc_builder_end_turn(b);
    return rc;
}

int qc_read_docx(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                 qc_error *err)
{
    qc_zip *z = NULL;
    char *xml = NULL;
    size_t xml_size = 0;
    para_label *pl = NULL;
    docx_state st;
    memset(&st, 0, sizeof st);
    qc_mt_init(&st.mt);
    int rc = qc_zip_open_memory(&z, name, data, size, err);
    if (rc < 0) {
        if (rc == QC_ERR_FORMAT && err) {
            char why[QC_ERROR_MESSAGE_MAX];
            memcpy(why, err->message, sizeof why);
            const char *colon = strstr(why, ": ");
            qc_error_set(err, rc, name, 0, 0, -1, "not a readable .docx file (a .docx is a zip archive): %s",
                         colon ? colon + 2 : why);
        }
        goto done;
    }
    rc = qc_zip_read(z, "word/document.xml", DOCX_MAX_PART, &xml, &xml_size, err);
    if (rc == QC_ERR_NOTFOUND)
        rc = qc_error_set(err, QC_ERR_FORMAT, name, 0, 0, -1,
                          "not a Word document: the archive has no word/document.xml");
    if (rc < 0)
        goto done;
    st.xml = xml;
    st.xml_size = xml_size;
    st.text_end = -1;
    qc_xml_handler h = {&st, on_start, on_end, on_text};
    rc = qc_xml_stream(xml, xml_size, name, "word/document.xml", &h, err);
    if (rc < 0 && rc != QC_ERR_NOMEM)
        qc_xml_error_in_part(err, name, "word/document.xml");
    if (rc == QC_ERR_NOMEM || st.mt.failed) {
        rc = qc_error_nomem(err);
        goto done;
    }
    if (rc < 0)
        goto done;
    record_encoding(b, xml, xml_size);
    for (size_t i = 0; i < st.count; i++) {
        /* Alignment tabs and trailing spaces are layout, not words. */
        qc_mt_trim(&st.mt, &st.paras[i].from, &st.paras[i].to);
    }
    pl = qc_calloc(st.count ? st.count : 1, sizeof *pl);
    if (!pl) {
        rc = qc_error_nomem(err);
        goto done;
    }
    int labelled = 0;
    if (!opts || opts->speakers != QC_SPEAKERS_NONE) {
        labelled = find_labels(&st, pl, name, opts, err);
        if (labelled < 0) {
            rc = labelled;
            goto done;
        }
    }
    rc = read_core(z, b, name, err);
    if (rc < 0)
        goto done;
    rc = emit(&st, pl, labelled, b);
    if (rc < 0)
        rc = build_error(err, name, rc);
done:
    qc_free(pl);
    qc_free(st.paras);
    qc_mt_free(&st.mt);
    qc_free(xml);
    qc_zip_close(z);
    return rc < 0 ? rc : 0;
}
