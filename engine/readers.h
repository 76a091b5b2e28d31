/* The format readers. Each parses one format's raw file bytes and feeds a document builder;
 * qc_document_read_file/read_buffer (document.c) picks the reader and finishes the document.
 * `name` is the file name used in messages. */
#ifndef QC_READERS_H
#define QC_READERS_H

#include "doc_builder.h"

int qc_read_text(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                 qc_error *err);
int qc_read_vtt(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                qc_error *err);
int qc_read_srt(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                qc_error *err);
int qc_read_docx(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                 qc_error *err);

#endif
