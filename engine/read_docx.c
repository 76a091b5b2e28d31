/* docx reader: placeholder until the real reader lands, so document.c links. */
#include "error.h"
#include "readers.h"

int qc_read_docx(qc_doc_builder *b, const char *name, const char *data, size_t size, const qc_read_options *opts,
                qc_error *err)
{
    (void)b;
    (void)data;
    (void)size;
    (void)opts;
    return qc_error_set(err, QC_ERR_FORMAT, name, 0, 0, -1, "docx reader not finished");
}
