/* Parsing untrusted XML (parts of .docx and .qdpx files) with libxml2, safely: no network, no
 * entity substitution, no DTD loading or validation, documents with a DOCTYPE refused outright
 * (OOXML and REFI-QDA never have one, and a DTD is how entity bombs and external entities get
 * in), libxml2's default size and depth limits kept (no XML_PARSE_HUGE), a cap on the document
 * size, and errors returned with their XML line and column instead of printed.
 *
 * Two ways in: a tree (for the REFI-QDA importer) or a stream of events with byte offsets into
 * the input (for the .docx reader, whose text maps back to word/document.xml); a file of any size
 * (results.xml) is streamed by xml_stream.h, which reads it through qc_xml_file_read below.
 * Thread-safe: each call has its own parser context; libxml2 is initialised once. xml_safe.c,
 * xml_stream.c and the modules that walk a tree are the only files that include libxml headers. */
#ifndef QC_XML_SAFE_H
#define QC_XML_SAFE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "qcode/common.h"

/* Initialises libxml2 once, whichever thread gets here first; every parse calls it before its
 * first libxml2 call. */
void qc_xml_init(void);

/* libxml2's generic error function, caught on the calling thread while a parse runs (libxml2's
 * globals are each thread's own). Some failures are told only there, which prints on stderr: a
 * byte the file's declared encoding cannot convert above all ("input conversion failed due to
 * input error, bytes 0xFF ..."), after which a push parser just stops as if the file had ended.
 * The first line said is kept, for the caller's message, and nothing is printed. Catch it around
 * any libxml2 call that allocates (a parser's context, a node's text copied out): out of memory,
 * libxml2 prints "Memory allocation failed : ..." there and often goes on without what it could not
 * allocate (nomem then says so). */
typedef struct qc_xml_generic {
    void (*saved)(void *ctx, const char *msg, ...);
    void *saved_ctx;
    char first[160];
    int whole; /* first holds a whole line */
    int nomem; /* libxml2 said an allocation of its own failed (it may have gone on without it) */
} qc_xml_generic;
void qc_xml_generic_catch(qc_xml_generic *g);
void qc_xml_generic_release(qc_xml_generic *g);
/* Whether the line caught tells an encoding failure. */
int qc_xml_generic_encoding(const qc_xml_generic *g);

/* The largest XML document accepted (1 GiB, the bound of a whole .qdpx). A project's .qde and its
 * imported manual.xml grow with its codings, about ten times the corpus' text for qcode's own
 * export: 64 MiB refused the export of a 20 MB corpus. Readers of smaller files bound them below
 * this (a .docx part, a .qdc, manual.xml). */
#define QC_XML_MAX_BYTES ((size_t)1 << 30)

/* Errors name `file` (the archive or file the user knows) and say `part` (the entry inside it,
 * e.g. "word/document.xml"; may be NULL) in the message, with the XML line and column in
 * err->line/column. Malformed XML and refused documents are QC_ERR_FORMAT, an over-size document
 * QC_ERR_LIMIT. */

/* A document cut short (the first error where no tag is left unparsed, an element open or none
 * complete yet) is told as such at its end, whatever libxml2 said: "the file ends inside <w:t>
 * (truncated?)", "the file ends before its first element is complete (truncated?)", QC_ERR_FORMAT.
 * results.xml's push parser (xml_stream.c) does the same for a file it never holds whole. */

/* What both parsers keep to tell a document cut short, fed by their own start and end callbacks and
 * libxml2's public xmlByteConsumed only (not the parser's input internals). `gt_end` is how many
 * bytes of the document are known up to and including its last '>' seen so far (0: none):
 * a '>' at or after where the parser stands means a tag is still there whole. */
enum { QC_XML_OPEN_MAX = 512 };
typedef struct qc_xml_cut {
    const unsigned char *open[QC_XML_OPEN_MAX], *open_prefix[QC_XML_OPEN_MAX]; /* the parser's dictionary's */
    size_t depth; /* may exceed QC_XML_OPEN_MAX: names past it are not kept */
    int element_seen;
    int started, starts_with_lt;  /* a byte other than white space came; the first was '<' */
    int blank_after_gt;           /* nothing but white space after the last '>' */
    uint64_t gt_end, lt_end, fed; /* bytes up to and including the last '>', the last '<' */
    uint32_t end_line, end_col;   /* just past the bytes seen so far (1-based, code points) */
} qc_xml_cut;

void qc_xml_cut_init(qc_xml_cut *c);
/* Bytes of the document in order, all of them, as they are handed to the parser. */
void qc_xml_cut_feed(qc_xml_cut *c, const char *data, size_t n);
/* Whether libxml2's first error (`code`), raised with the parser `consumed` bytes in once all of the
 * document was given, means the document was cut short: no whole tag is left ahead, and an element
 * is open, or none was yet and the document starts as XML does and ends inside markup or after
 * its prolog. Not a mismatched end tag (it is there whole), nor text that is no XML at all. */
int qc_xml_cut_short(const qc_xml_cut *c, long consumed, int code);
/* A start tag reported at `consumed`: open unless its '>' never came (libxml2 reports a start tag
 * cut short at the end before it finds the '>' missing). Returns whether it was opened. */
int qc_xml_cut_open(qc_xml_cut *c, long consumed, const unsigned char *prefix, const unsigned char *local);
void qc_xml_cut_close(qc_xml_cut *c);
/* The error for a document cut short, at its end: "PART: the file ends inside <p:x> (truncated?)"
 * or "... before its first element is complete (truncated?)"; part may be NULL. */
int qc_xml_cut_error(const qc_xml_cut *c, const char *file, const char *part, qc_error *err);

/* An empty document (no bytes, or only white space, perhaps after a UTF-8 byte order mark) is
 * refused by both parsers below, before libxml2 sees it (its words for it, "Document is empty" or
 * "Extra content at the end of the document", say nothing useful): "the file is empty (expected
 * a REFI-QDA project)", or with a part "project.qde is empty (expected ...)", QC_ERR_FORMAT, no
 * line. What was expected is told from the part's or file's name (.qde, .qdc, manual.xml,
 * results.xml, word/document.xml), "an XML document" otherwise. */

/* The same check for a caller that parses on its own: 0 when data holds more than white space,
 * else the error. `expected` NULL: told from the name, as above. */
int qc_xml_refuse_empty(const char *data, size_t size, const char *file, const char *part, const char *expected,
                        qc_error *err);
/* A file fed to the streaming parser (xml_stream.c) by qc_xml_file_read, which notes whether
 * anything but white space came by, so that an empty input of any kind (an empty file, /dev/null,
 * a pipe that closes at once) is told as empty, as a buffer is above. */
typedef struct qc_xml_file_input {
    FILE *fp;
    int content;    /* a byte other than white space (or a leading byte order mark) was read */
    int read_errno; /* the error a read failed with (a folder: EISDIR), or 0 */
    size_t offset;
} qc_xml_file_input;

/* 0, or -1 with errno when the file cannot be opened. */
int qc_xml_file_open(qc_xml_file_input *in, const char *path);
/* Reads up to len bytes into buf: their count, 0 at the end, -1 when the read failed (read_errno
 * says why). ctx is the qc_xml_file_input. */
int qc_xml_file_read(void *ctx, char *buf, int len);
void qc_xml_file_close(qc_xml_file_input *in);
/* When the reader failed: the read's own error ("cannot read results file: Is a directory") if a
 * read failed, else the "file is empty" error if the input held nothing but white space, else 0
 * (the parser's own error stands). */
int qc_xml_file_refuse_empty(const qc_xml_file_input *in, const char *path, const char *expected, qc_error *err);

/* Parses data[0..size) into a tree; *out is the caller's, freed with qc_xml_free. */
struct _xmlDoc;
int qc_xml_read_tree(struct _xmlDoc **out, const char *data, size_t size, const char *file, const char *part,
                     qc_error *err);
void qc_xml_free(struct _xmlDoc *doc);

/* Streaming. Names are the element's local name and namespace URI (NULL when none). A callback
 * returns 0 to go on, or a negative qc_status to stop parsing; qc_xml_stream then returns that
 * status (the callback fills its own error). */
typedef struct qc_xml_handler {
    void *user;
    /* An element starts; `offset` is the byte offset of its '<' in data, `line` its line. */
    int (*start)(void *user, const char *ns, const char *local, size_t offset, uint32_t line);
    int (*end)(void *user, const char *ns, const char *local);
    /* Character data (also CDATA, and the predefined entities such as &amp; decoded). `offset`
     * is where s[0..len) lies verbatim in data, or -1 when it is not a verbatim copy. */
    int (*text)(void *user, const char *s, size_t len, int64_t offset);
} qc_xml_handler;

/* An error at a line of an archive's entry names the entry in its position, once:
 * "x.qdpx:project.qde:2:1: error: ..." (no one looks for line 2 of a zip file), and drops the
 * "part: " its message starts with. Errors without a line keep the archive and the message. */
void qc_xml_error_in_part(qc_error *err, const char *file, const char *part);

int qc_xml_stream(const char *data, size_t size, const char *file, const char *part, const qc_xml_handler *h,
                  qc_error *err);

#endif
