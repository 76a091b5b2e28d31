/* The public codebook API: load (parse + compile + match index), free, accessors, statistics. */
#include <string.h>

#include "alloc.h"
#include "codebook_compile.h"
#include "codebook_impl.h"
#include "codebook_parse.h"
#include "diagnostics.h"
#include "error.h"
#include "fileio.h"
#include "match_index.h"
#include "sha256.h"
#include "utf16.h"

/* Codebooks are hand-written text; anything larger is not one. */

static void free_strings(char **list, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        qc_free(list[i]);
    qc_free(list);
}

void qc_codebook_free(qc_codebook *cb)
{
    if (!cb)
        return;
    if (cb->match_index && cb->match_index_free)
        cb->match_index_free(cb->match_index);
    for (size_t c = 0; c < cb->code_count; c++) {
        qc_code_def *def = &cb->codes[c];
        qc_free(def->id);
        qc_free(def->name);
        qc_free(def->definition);
        qc_free(def->guidance);
        qc_free(def->color);
        qc_free(def->children);
        for (uint32_t r = 0; r < def->rule_count; r++)
            qc_free(def->rules[r].text);
        qc_free(def->rules);
        qc_free(def->excludes);
        for (uint32_t i = 0; i < def->condition_count; i++) {
            qc_free(def->conditions[i].key);
            free_strings(def->conditions[i].values, def->conditions[i].value_count);
        }
        qc_free(def->conditions);
        free_strings(def->was, def->was_count);
        free_strings(def->merged_from, def->merged_from_count);
    }
    qc_free(cb->codes);
    for (size_t i = 0; i < cb->node_count; i++) {
        qc_rule_node *n = &cb->nodes[i];
        for (uint32_t w = 0; w < n->word_count; w++)
            qc_free(n->words[w].text);
        qc_free(n->words);
        qc_regex_free(n->regex);
        qc_free(n->source);
    }
    qc_free(cb->nodes);
    qc_free(cb->eval_order);
    qc_free(cb->id_hash);
    qc_free(cb->subtree_end);
    qc_free(cb->lineage);
    qc_free(cb->name);
    qc_free(cb->version);
    qc_free(cb->path);
    qc_free(cb->description);
    qc_free(cb);
}

int qc_codebook_load_buffer(qc_codebook **out, const char *name, const void *data, size_t size,
                            const qc_codebook_options *opts, qc_error *err)
{
    if (!out || (!data && size))
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_load_buffer: missing argument");
    *out = NULL;
    if (opts && opts->version != QC_CODEBOOK_OPTIONS_VERSION)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_options: unknown version %u",
                            opts->version);
    if (size > QC_CODEBOOK_MAX_SIZE)
        return qc_error_set(err, QC_ERR_LIMIT, name, 0, 0, -1, "codebook larger than %u bytes", QC_CODEBOOK_MAX_SIZE);
    qc_codebook *cb = qc_calloc(1, sizeof *cb);
    if (!cb)
        return qc_error_nomem(err);
    cb->path = qc_strdup(name ? name : "<codebook>");
    if (!cb->path) {
        qc_free(cb);
        return qc_error_nomem(err);
    }
    const char *text = data ? data : "";
    /* The SHA-256 of the file's own bytes: a re-code finds its old codebook by it. */
    qc_sha256_hex(text, size, cb->sha256);
    /* A UTF-16 file ("Unicode text") is parsed as its UTF-8, as transcripts are. */
    qc_buf utf8 = QC_BUF_INIT;
    qc_error why;
    int bom, kind = qc_utf16_kind(text, size, &bom), bad = 0;
    if (kind) {
        bad = qc_utf16_to_utf8(cb->path, text, size, kind, bom, &utf8, &why) != 0;
        text = qc_buf_cstr(&utf8);
        size = utf8.len;
    }
    qc_diag_list d;
    int rc = qc_diag_init(&d, cb->path, text, size);
    if (rc == 0 && bad) {
        qc_diag_add(&d, QC_SEVERITY_ERROR, why.line, why.column, 1, "%s", why.message);
    } else {
        if (rc == 0)
            rc = qc_codebook_parse(cb, text, size, &d, opts);
        if (rc == 0)
            rc = qc_codebook_compile(cb, &d, opts);
    }
    if (rc == 0)
        rc = qc_diag_emit(&d, opts, err);
    else
        qc_error_nomem(err);
    qc_diag_free(&d);
    qc_buf_free(&utf8);
    if (rc == 0)
        rc = qc_match_index_build(cb, err);
    if (rc < 0) {
        qc_codebook_free(cb);
        return rc;
    }
    *out = cb;
    return 0;
}

int qc_codebook_load(qc_codebook **out, const char *path, const qc_codebook_options *opts, qc_error *err)
{
    if (!out || !path)
        return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "qc_codebook_load: missing argument");
    *out = NULL;
    char *data = NULL;
    size_t size = 0;
    int rc = qc_file_read(path, QC_CODEBOOK_MAX_SIZE, &data, &size, err);
    if (rc < 0)
        return rc;
    rc = qc_codebook_load_buffer(out, path, data, size, opts, err);
    qc_free(data);
    return rc;
}

const char *qc_codebook_name(const qc_codebook *cb)
{
    return cb->name;
}

const char *qc_codebook_version(const qc_codebook *cb)
{
    return cb->version;
}

const char *qc_codebook_path(const qc_codebook *cb)
{
    return cb->path;
}

const char *qc_codebook_sha256(const qc_codebook *cb)
{
    return cb->sha256;
}

static void count_leaves(const qc_codebook *cb, int32_t i, qc_codebook_stats *st)
{
    if (i < 0)
        return;
    const qc_rule_node *n = &cb->nodes[i];
    switch (n->kind) {
    case QC_NODE_PATTERN:
        if (n->word_count > 1)
            st->phrases++;
        else if (n->word_count == 1 && n->words[0].has_wildcard)
            st->wildcards++;
        else
            st->terms++;
        return;
    case QC_NODE_REGEX: st->regexes++; return;
    case QC_NODE_CODEREF: st->references++; return;
    case QC_NODE_NEAR:
    case QC_NODE_BEFORE: st->proximity++; break;
    default: break;
    }
    count_leaves(cb, n->left, st);
    count_leaves(cb, n->right, st);
}

void qc_codebook_get_stats(const qc_codebook *cb, qc_codebook_stats *out)
{
    memset(out, 0, sizeof *out);
    out->codes = cb->code_count;
    for (size_t c = 0; c < cb->code_count; c++) {
        const qc_code_def *def = &cb->codes[c];
        if (def->depth == 1) {
            out->main_codes++;
            out->main_with_children += def->child_count > 0;
        } else {
            out->sub_codes++;
        }
        if (def->depth > out->max_depth)
            out->max_depth = def->depth;
        out->categories += !def->codable;
        out->rules += def->rule_count;
        for (uint32_t r = 0; r < def->rule_count; r++)
            count_leaves(cb, def->rules[r].root, out);
    }
}

size_t qc_codebook_code_count(const qc_codebook *cb)
{
    return cb->code_count;
}

long qc_codebook_find(const qc_codebook *cb, const char *id)
{
    return id ? qc_codebook_id_lookup(cb, id, strlen(id)) : -1;
}

const char *qc_code_id(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].id;
}

const char *qc_code_name(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].name;
}

const char *qc_code_definition(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].definition;
}

const char *qc_code_color(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].color;
}

long qc_code_parent(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].parent;
}

size_t qc_code_depth(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].depth;
}

size_t qc_code_child_count(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].child_count;
}

size_t qc_code_child(const qc_codebook *cb, size_t code, size_t index)
{
    return (size_t)cb->codes[code].children[index];
}

int qc_code_is_codable(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].codable;
}

size_t qc_code_rule_count(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].rule_count;
}

const char *qc_code_rule_text(const qc_codebook *cb, size_t code, size_t rule)
{
    return cb->codes[code].rules[rule].text;
}

uint32_t qc_code_line(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].line;
}

const char *qc_codebook_description(const qc_codebook *cb)
{
    return cb->description;
}

const char *qc_code_guidance(const qc_codebook *cb, size_t code)
{
    return cb->codes[code].guidance;
}
