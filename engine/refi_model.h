/* The REFI-QDA project as qcode holds it between reading and writing: the part of a project.qde
 * (or codebook.qdc) that qcode understands, in flat arrays that refer to each other by index.
 * The importer fills it from XML (refi_qde_read.c, refi_qdc_read.c); the exporter fills it from a
 * codebook, documents and quotations (refi_export.c) and serialises it (refi_qde_write.c,
 * refi_qdc_write.c). One owner for everything: qc_refi_model_free releases it all.
 *
 * GUIDs are held normalised (lower case, no braces). `line` fields give the line of the element
 * in the XML it was read from (0 when the model was built, not read), for warnings. */
#ifndef QC_REFI_MODEL_H
#define QC_REFI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "qcode/refi.h"

/* The line that separates a code's definition from its qcode statements in a Description, and the
 * one that starts the codebook header block (kept in a Set of its own). */
#define QC_REFI_RULES_MARK "---- qcode rules ----"
#define QC_REFI_HEADER_MARK "---- qcode codebook header ----"
#define QC_REFI_HEADER_SET "qcode codebook header"

typedef struct qc_refi_code {
    char guid[QC_GUID_SIZE];
    char *name;
    char *description; /* NULL when absent */
    char color[8];     /* "#rrggbb" or "" */
    uint8_t codable;
    uint8_t used;   /* a coding refers to it (import) */
    int32_t parent; /* index, -1 for a top-level code; parents come before their children */
    uint32_t child_count;
    uint32_t line;
    char *id; /* the qcode id (assigned on import) */
} qc_refi_code;

typedef struct qc_refi_user {
    char guid[QC_GUID_SIZE];
    char *name;
    uint32_t line;
} qc_refi_user;

typedef struct qc_refi_variable {
    char guid[QC_GUID_SIZE];
    char *name;
    char *type; /* typeOfVariable: Text, Boolean, Integer, Float, Date, DateTime */
    uint32_t line;
} qc_refi_variable;

typedef struct qc_refi_value {
    int32_t variable; /* index, -1 when the reference did not resolve */
    char *value;      /* as text */
} qc_refi_value;

typedef struct qc_refi_case {
    char guid[QC_GUID_SIZE];
    char *name;
    qc_refi_value *values;
    size_t value_count, value_cap;
    int32_t *sources; /* SourceRef: source indices */
    size_t source_count, source_cap;
    uint32_t line;
} qc_refi_case;

typedef struct qc_refi_source {
    char guid[QC_GUID_SIZE];
    char *name;
    char *path;       /* plainTextPath as written (NULL when the text is inline) */
    char *text;       /* the text: read from the archive (import) or the document (export) */
    size_t text_size; /* bytes */
    char *created;    /* creationDateTime, or NULL */
    char creating_user[QC_GUID_SIZE];
    qc_refi_value *values; /* VariableValue of the source (document attributes) */
    size_t value_count, value_cap;
    uint32_t line;
} qc_refi_source;

#define QC_REFI_NO_POSITION (-2)

typedef struct qc_refi_selection {
    char guid[QC_GUID_SIZE];
    int32_t source;
    int64_t start, end; /* as written in the file (or to be written); end -1: the whole source;
                           QC_REFI_NO_POSITION: absent or unreadable (warned when read) */
    char *name;         /* NULL when absent */
    char creating_user[QC_GUID_SIZE];
    char *created;
    uint32_t line;
} qc_refi_selection;

typedef struct qc_refi_coding {
    char guid[QC_GUID_SIZE];
    int32_t selection;
    char code_guid[QC_GUID_SIZE];
    int32_t code; /* index, -1 when the reference did not resolve */
    char creating_user[QC_GUID_SIZE];
    char *created;
    uint32_t line;
} qc_refi_coding;

typedef struct qc_refi_model {
    char *name;
    char *origin;
    char *created;
    char creating_user[QC_GUID_SIZE];
    char *description;
    char *header; /* the qcode codebook header block (without its mark line), or NULL */
    char header_guid[QC_GUID_SIZE];

    qc_refi_user *users;
    size_t user_count, user_cap;
    qc_refi_code *codes; /* pre-order */
    size_t code_count, code_cap;
    qc_refi_variable *variables;
    size_t variable_count, variable_cap;
    qc_refi_case *cases;
    size_t case_count, case_cap;
    qc_refi_source *sources;
    size_t source_count, source_cap;
    qc_refi_selection *selections; /* grouped by source, in file order */
    size_t selection_count, selection_cap;
    qc_refi_coding *codings; /* grouped by selection, in file order */
    size_t coding_count, coding_cap;
} qc_refi_model;

void qc_refi_model_init(qc_refi_model *m);
void qc_refi_model_free(qc_refi_model *m);

/* Appends a zeroed item and returns it (NULL when out of memory). Pointers into the arrays are
 * invalidated by the next append of the same kind. */
qc_refi_user *qc_refi_add_user(qc_refi_model *m);
qc_refi_code *qc_refi_add_code(qc_refi_model *m);
qc_refi_variable *qc_refi_add_variable(qc_refi_model *m);
qc_refi_case *qc_refi_add_case(qc_refi_model *m);
qc_refi_source *qc_refi_add_source(qc_refi_model *m);
qc_refi_selection *qc_refi_add_selection(qc_refi_model *m);
qc_refi_coding *qc_refi_add_coding(qc_refi_model *m);
/* Appends a value to an array of values (a case's or a source's); value is copied. 0 or -1. */
int qc_refi_add_value(qc_refi_value **values, size_t *count, size_t *cap, int32_t variable, const char *value);

/* Index lookups by normalised GUID, -1 when absent (linear scans are too slow for NVivo-sized
 * projects). Keys are borrowed: build an index once the arrays it points into stop growing. */
typedef struct qc_refi_index {
    const char **keys; /* borrowed GUID strings */
    int32_t *values;
    size_t cap; /* power of two */
    size_t count;
} qc_refi_index;

int qc_refi_index_init(qc_refi_index *ix, size_t expected);
/* Returns 0, 1 when the key was already present (the old value kept), -1 out of memory. */
int qc_refi_index_put(qc_refi_index *ix, const char *key, int32_t value);
int32_t qc_refi_index_get(const qc_refi_index *ix, const char *key);
void qc_refi_index_free(qc_refi_index *ix);

#endif
