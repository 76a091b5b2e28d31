/* The compiled codebook's representation: the contract between the codebook compiler (which
 * builds it) and the matcher (which reads it). Immutable after qc_codebook_load returns.
 *
 * Rules are expression trees stored as an array of nodes (indices, not pointers), one array for
 * the whole codebook. Pattern leaves hold folded word patterns (the same folding and word
 * splitting as documents: qc_text_fold, qc_word_scan), so matching compares folded words. */
#ifndef QC_CODEBOOK_IMPL_H
#define QC_CODEBOOK_IMPL_H

#include <stdint.h>

#include "qcode/codebook.h"
#include "regex.h"

typedef enum qc_node_kind {
    QC_NODE_PATTERN, /* a term or a phrase: words[0..word_count) in sequence */
    QC_NODE_REGEX,   /* /.../flags over the unit's normalised text */
    QC_NODE_CODEREF, /* {CODE} or {CODE*} */
    QC_NODE_AND,
    QC_NODE_OR,
    QC_NODE_NOT,     /* left only */
    QC_NODE_NEAR,    /* left within `distance` words of right, either order */
    QC_NODE_BEFORE   /* left ends, then right starts within `distance` words */
} qc_node_kind;

/* One word of a pattern, folded, with '*' (any run of word characters, possibly empty) and '?'
 * (exactly one character) kept as wildcards. */
typedef struct qc_word_pattern {
    char *text;
    uint32_t length;      /* bytes */
    uint8_t has_wildcard;
    uint32_t prefix_len;  /* bytes before the first wildcard (all of it when none) */
} qc_word_pattern;

typedef struct qc_rule_node {
    qc_node_kind kind;
    uint32_t line, column, length; /* where it is written: for messages */
    int32_t left, right;           /* children (node indices), -1 when absent */
    uint32_t distance;             /* NEAR/BEFORE */
    /* PATTERN */
    qc_word_pattern *words;
    uint32_t word_count;
    uint8_t case_sensitive;        /* match unfolded case */
    uint8_t keep_accents;          /* do not strip marks */
    /* REGEX */
    qc_regex *regex;
    unsigned regex_flags;          /* the QC_REGEX_* flags it was compiled with */
    uint8_t regex_case;            /* flag written: 0 none (follows the code), 'i' or 'c' */
    /* REGEX: the pattern without slashes (`\/` unescaped); PATTERN: the term or the quoted
     * text (escapes resolved); CODEREF: the id without braces and star. */
    char *source;
    /* CODEREF */
    int32_t code;
    uint8_t descendants;           /* {CODE*} */
    /* Index of this leaf among all pattern/regex leaves of the codebook (-1 for others): hits
     * carry it so a quotation says which rule matched where. */
    int32_t leaf;
} qc_rule_node;

typedef struct qc_rule {
    char *text;    /* as written, continuation lines joined */
    uint32_t line;
    int32_t root;  /* node index */
} qc_rule;

typedef enum qc_scope_kind {
    QC_SCOPE_SENTENCE = 0,
    QC_SCOPE_MATCH,
    QC_SCOPE_TURN,
    QC_SCOPE_PARAGRAPH,
    QC_SCOPE_WORDS
} qc_scope_kind;

typedef enum qc_speaker_filter {
    QC_FILTER_PARTICIPANTS = 0, /* participants and unlabelled text; interviewers skipped */
    QC_FILTER_ALL,
    QC_FILTER_INTERVIEWERS
} qc_speaker_filter;

typedef struct qc_condition {
    char *key;    /* attribute name (casebook column or document header key) */
    char **values; /* any of these (one for `=`) */
    uint32_t value_count;
    uint8_t negate; /* `!=` / `not in` */
} qc_condition;

typedef struct qc_code_settings {
    qc_scope_kind scope;
    uint32_t scope_words;   /* QC_SCOPE_WORDS: context words each side */
    qc_speaker_filter speakers;
    uint8_t case_sensitive;
    uint8_t keep_accents;
    uint32_t min_hits;      /* `min N`; 0 by default: no minimum (a rule that holds is enough) */
} qc_code_settings;

typedef struct qc_code_def {
    char *id;
    char *name;
    char *definition;  /* "" when none */
    char *guidance;    /* "" when none */
    char *color;       /* "#rrggbb" or "" */
    int32_t parent;    /* -1 for a main code */
    uint32_t depth;    /* 1 for a main code */
    int32_t *children;
    uint32_t child_count;
    uint8_t manual;    /* codable by hand though it has no rules */
    uint8_t codable;   /* has rules, or manual */
    qc_rule *rules;
    uint32_t rule_count;
    int32_t *excludes; /* node indices of exclude patterns */
    uint32_t exclude_count;
    qc_condition *conditions; /* `where` lines: all must hold */
    uint32_t condition_count;
    qc_code_settings settings;
    uint32_t line;
    char **was;        /* `was OLDID` ids (revisions) */
    uint32_t was_count;
    char **merged_from;
    uint32_t merged_from_count;
} qc_code_def;

/* The largest codebook file read. */
#define QC_CODEBOOK_MAX_SIZE (64u * 1024u * 1024u)

struct qc_codebook {
    char *name;
    char *version;
    char *path;
    char sha256[65];
    char *description;
    qc_code_settings defaults;

    qc_code_def *codes;   /* pre-order: parents before children, file order */
    size_t code_count;
    qc_rule_node *nodes;
    size_t node_count;
    size_t leaf_count;

    /* Codes in an order where every {REF} target comes before the codes that use it. */
    int32_t *eval_order;

    /* Id lookup: open addressing over code indices (-1 empty), id_hash_size a power of two. */
    int32_t *id_hash;
    size_t id_hash_size;
    /* One past the last descendant of each code (codes are in pre-order, so the descendants of
     * c are c+1 .. subtree_end[c]-1). */
    int32_t *subtree_end;

    /* Every `was` and `merged-from` id with the code that names it, sorted by id then code (ids
     * borrowed from the codes): a diff or re-code finds an old id's successors by a search, not
     * by a scan of every code (quadratic in codes). */
    struct qc_lineage_link {
        const char *id;
        int32_t code;
    } * lineage;
    size_t lineage_count;

    /* The matcher's prebuilt tables (token hash, wildcard prefixes, regex prefilters), built at
     * load time so that coding threads share them read-only; owned through `match_index_free`. */
    void *match_index;
    void (*match_index_free)(void *index);
};

#endif
