/* Replays every saved fuzz input (tests/fuzz/corpus/TARGET/FILE, seeds and fixed crashes alike)
 * through the same target bodies the fuzzers run, as an ordinary test in the default build. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc_test.h"
#include "targets.h"

static size_t replay_target(const qcf_target *target)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", QCODE_SOURCE_DIR, target->name);
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "no corpus folder %s", dir);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t size = 0;
        char *data = qct_read_file(path, &size);
        cr_assert_not_null(data, "cannot read %s", path);
        cr_assert_eq(target->run((const uint8_t *)data, size), 0, "%s", path);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

Test(fuzz_replay, every_saved_input_runs_clean)
{
    for (size_t i = 0; i < qcf_target_count; i++) {
        size_t n = replay_target(&qcf_targets[i]);
        cr_assert_gt(n, 0, "target %s has no saved inputs", qcf_targets[i].name);
    }
}

Test(fuzz_replay, empty_and_one_byte_inputs)
{
    static const uint8_t one[1] = {0xff};
    for (size_t i = 0; i < qcf_target_count; i++) {
        cr_assert_eq(qcf_targets[i].run(one, 0), 0);
        cr_assert_eq(qcf_targets[i].run(one, 1), 0);
    }
}
