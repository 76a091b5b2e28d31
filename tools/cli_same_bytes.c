/* Transcripts with the same bytes under two names (a copy left in a "backup" or "old" folder of
 * the corpus): each is coded and counted, so every count of theirs doubles. `code` names each
 * copy once, beside the first file it copies; what to do about it is the researcher's. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct same_entry {
    char sha256[65];
    char *path;
} same_entry;

static size_t slot_of(const char *sha256, size_t cap)
{
    /* The digest's first 16 hex digits are already uniform. */
    size_t h = 0;
    for (int i = 0; i < 16 && sha256[i]; i++)
        h = h * 16 + (size_t)(sha256[i] <= '9' ? sha256[i] - '0' : sha256[i] - 'a' + 10);
    return h & (cap - 1);
}

static int grow(cli_same_bytes *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    same_entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        same_entry *e = &((same_entry *)s->slots)[i];
        if (!e->path)
            continue;
        size_t k = slot_of(e->sha256, cap);
        while (slots[k].path)
            k = (k + 1) & (cap - 1);
        slots[k] = *e;
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

const char *cli_same_bytes_seen(cli_same_bytes *s, const char *path, const char *sha256)
{
    if (!sha256 || strlen(sha256) != 64 || !path)
        return NULL;
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
        return NULL; /* out of memory: a warning less, never a failed run */
    same_entry *slots = s->slots;
    size_t k = slot_of(sha256, s->cap);
    for (; slots[k].path; k = (k + 1) & (s->cap - 1))
        if (memcmp(slots[k].sha256, sha256, 64) == 0)
            return slots[k].path;
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    memcpy(slots[k].sha256, sha256, 65);
    slots[k].path = copy;
    s->count++;
    return NULL;
}

void cli_same_bytes_free(cli_same_bytes *s)
{
    same_entry *slots = s->slots;
    for (size_t i = 0; i < s->cap; i++)
        free(slots[i].path);
    free(slots);
    *s = (cli_same_bytes){0};
}
