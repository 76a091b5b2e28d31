/* Fuzz target bodies, shared by the libFuzzer binaries (fuzz_main.c, clang with
 * QCODE_BUILD_FUZZERS=ON) and the replay test (tests/test_fuzz_replay.c), which runs every saved
 * corpus and crash file as an ordinary test in the default build. Each body must accept any
 * bytes and return 0; a crash, hang, leak or sanitizer report is the finding. */
#ifndef QCODE_FUZZ_TARGETS_H
#define QCODE_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct qcf_target {
    const char *name; /* also the folder name under tests/fuzz/corpus/ */
    int (*run)(const uint8_t *data, size_t size);
} qcf_target;

extern const qcf_target qcf_targets[];
extern const size_t qcf_target_count;

const qcf_target *qcf_find(const char *name);

#endif
