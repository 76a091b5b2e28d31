/* The document model as XML (qcode/document_xml.h), written with libxml2's streaming writer. */
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <string.h>

#include "qcode/document_xml.h"

#include "alloc.h"
#include "buf.h"
#include "casebook_impl.h"
#include "document_impl.h"
#include "error.h"
#include "xml_out.h"
#include "xml_safe.h"

typedef struct dx {
    xmlTextWriterPtr w;
    int failed;
    int nomem; /* an allocation of ours failed */
    qc_buf tmp;
} dx;

static int out_write(void *ctx, const char *buffer, int len)
{
    return fwrite(buffer, 1, (size_t)len, (FILE *)ctx) == (size_t)len ? len : -1;
}

static int out_close(void *ctx)
{
    (void)ctx;
    return 0; /* the caller owns the FILE */
}

/* s[0..len) with the characters XML 1.0 cannot carry (C0 controls but tab and LF, U+FFFE,
 * U+FFFF) and bytes that are not UTF-8 (a file name's) replaced by U+FFFD, as results.xml writes
 * them; a NUL-terminated copy in x->tmp. */
static const char *clean(dx *x, const char *s, size_t len)
{
    qc_buf_clear(&x->tmp);
    qc_xml_as_read(&x->tmp, s, len);
    if (qc_buf_failed(&x->tmp))
        x->failed = 1;
    return qc_buf_cstr(&x->tmp);
}

static void check(dx *x, int rc)
{
    if (rc < 0)
        x->failed = 1;
}

static void start(dx *x, const char *name)
{
    check(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

static void end(dx *x)
{
    check(x, xmlTextWriterEndElement(x->w));
}

static void attr(dx *x, const char *name, const char *value)
{
    check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST clean(x, value, strlen(value))));
}

static void attr_num(dx *x, const char *name, uint64_t value)
{
    check(x, xmlTextWriterWriteFormatAttribute(x->w, BAD_CAST name, "%llu", (unsigned long long)value));
}

static void attr_time(dx *x, const char *name, int64_t ms)
{
    if (ms < 0)
        return;
    check(x, xmlTextWriterWriteFormatAttribute(x->w, BAD_CAST name, "%02lld:%02lld:%02lld.%03lld",
                                               (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
                                               (long long)(ms / 1000 % 60), (long long)(ms % 1000)));
}

static void span(dx *x, uint32_t start, uint32_t end)
{
    attr_num(x, "start", start);
    attr_num(x, "end", end);
}

static void text_of(dx *x, const qc_document *doc, uint32_t start, uint32_t end)
{
    const char *s = doc->text + doc->cp_to_byte[start];
    size_t n = doc->cp_to_byte[end] - doc->cp_to_byte[start];
    check(x, xmlTextWriterWriteString(x->w, BAD_CAST clean(x, s, n)));
}

static void write_speakers(dx *x, const qc_document *doc, const qc_casebook *cases)
{
    size_t n = doc->speaker_count;
    size_t *lead = qc_malloc((n ? n : 1) * sizeof *lead), *turns = qc_malloc((n ? n : 1) * sizeof *turns);
    if (!lead || !turns || qc_document_speaker_names(doc, lead, turns) != 0) {
        qc_free(lead);
        qc_free(turns);
        x->nomem = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (lead[i] != i)
            continue; /* another spelling of an earlier speaker's name */
        size_t count = turns[i];
        start(x, "speaker");
        attr(x, "name", doc->speakers[i]);
        attr(x, "role", qc_role_name((qc_role)doc->speaker_roles[i]));
        attr_num(x, "turns", count);
        if (cases) {
            /* A casebook of documents alone knows no speaker and is not asked. */
            if (qc_casebook_has_speakers(cases))
                attr(x, "in-casebook", qc_casebook_knows_speaker(cases, doc->id, doc->speakers[i]) ? "yes" : "no");
            for (size_t k = 0; k < qc_casebook_attribute_count(cases); k++) {
                const char *v = qc_casebook_value(cases, doc->id, doc->speakers[i], k);
                if (!v)
                    continue;
                start(x, "case-attribute");
                attr(x, "name", qc_casebook_attribute_name(cases, k));
                attr(x, "value", v);
                end(x);
            }
        }
        end(x);
    }
    qc_free(lead);
    qc_free(turns);
}

static void write_turns(dx *x, const qc_document *doc, unsigned flags)
{
    size_t p = 0, s = 0, w = 0;
    for (size_t t = 0; t < doc->turn_count; t++) {
        const qc_doc_turn *turn = &doc->turns[t];
        start(x, "turn");
        attr_num(x, "index", t);
        span(x, turn->start, turn->end);
        attr_num(x, "source-start", qc_document_source_offset(doc, turn->start));
        attr_num(x, "source-end", qc_doc_source_end(doc, turn->end));
        if (turn->speaker >= 0)
            attr(x, "speaker", doc->speakers[turn->speaker]);
        attr(x, "role", qc_role_name((qc_role)turn->role));
        attr_num(x, "line", turn->line);
        if (turn->last_line > turn->line)
            attr_num(x, "last-cue", turn->last_line); /* cues merged into one turn */
        attr_time(x, "time", turn->time_start_ms);
        attr_time(x, "time-end", turn->time_end_ms);
        for (; p < doc->paragraph_count && doc->paragraphs[p].turn == t; p++) {
            const qc_doc_unit *para = &doc->paragraphs[p];
            start(x, "paragraph");
            span(x, para->start, para->end);
            for (; s < doc->sentence_count && doc->sentences[s].turn == t && doc->sentences[s].end <= para->end; s++) {
                start(x, "sentence");
                span(x, doc->sentences[s].start, doc->sentences[s].end);
                start(x, "text");
                text_of(x, doc, doc->sentences[s].start, doc->sentences[s].end);
                end(x);
                for (; w < doc->word_count && doc->words[w].sentence == s; w++) {
                    if (!(flags & QC_DOCUMENT_XML_WORDS))
                        continue;
                    start(x, "word");
                    span(x, doc->words[w].start, doc->words[w].end);
                    text_of(x, doc, doc->words[w].start, doc->words[w].end);
                    end(x);
                }
                end(x);
            }
            end(x);
        }
        end(x);
    }
}

int qc_document_write_xml(const qc_document *doc, const qc_casebook *cases, FILE *fp, unsigned flags, qc_error *err)
{
    if (!doc || !fp)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_document_write_xml: NULL argument");
    /* Out of memory, libxml2's writer printed what failed itself: caught, and told as out of
     * memory rather than as a failed write. */
    qc_xml_generic quiet;
    qc_xml_generic_catch(&quiet);
    xmlOutputBufferPtr out = xmlOutputBufferCreateIO(out_write, out_close, fp, NULL);
    dx x = {out ? xmlNewTextWriter(out) : NULL, 0, 0, QC_BUF_INIT};
    if (!x.w) {
        if (out)
            xmlOutputBufferClose(out);
        qc_xml_generic_release(&quiet);
        return qc_error_nomem(err);
    }
    check(&x, xmlTextWriterSetIndent(x.w, 1));
    check(&x, xmlTextWriterSetIndentString(x.w, BAD_CAST "  "));
    start(&x, "document");
    attr(&x, "id", doc->id);
    attr(&x, "path", doc->path);
    attr(&x, "format", qc_format_name(doc->format));
    int bom = 0;
    attr(&x, "encoding", qc_document_encoding(doc, &bom));
    attr(&x, "byte-order-mark", bom ? "yes" : "no");
    attr_num(&x, "length", doc->length);
    if (doc->format == QC_FORMAT_VTT || doc->format == QC_FORMAT_SRT)
        attr_num(&x, "cues", doc->cue_count); /* a subtitle file's, which its turns merge */
    attr_num(&x, "turns", doc->turn_count);
    attr_num(&x, "paragraphs", doc->paragraph_count);
    attr_num(&x, "sentences", doc->sentence_count);
    attr_num(&x, "words", doc->word_count);
    for (size_t i = 0; i < doc->attr_count; i++) {
        start(&x, "attribute");
        attr(&x, "name", doc->attr_keys[i]);
        attr(&x, "value", doc->attr_values[i]);
        end(&x);
    }
    write_speakers(&x, doc, cases);
    write_turns(&x, doc, flags);
    end(&x);
    check(&x, xmlTextWriterFlush(x.w));
    xmlFreeTextWriter(x.w); /* closes `out` */
    qc_xml_generic_release(&quiet);
    /* The writer fails for a write that failed or for memory (told in words of its own each
     * time, "out of memory!", "Cannot initialize memory for new link"...): what is not the FILE's
     * error is memory. */
    int nomem = x.nomem || qc_buf_failed(&x.tmp) || quiet.nomem || (x.failed && !ferror(fp));
    qc_buf_free(&x.tmp);
    if (nomem)
        return qc_error_nomem(err);
    if (fputc('\n', fp) == EOF || x.failed)
        return qc_error_set(err, QC_ERR_IO, NULL, 0, 0, -1, "could not write the document's XML");
    return 0;
}
