/* One libFuzzer binary per target: QCF_TARGET names the target at compile time. */
#include <stdlib.h>

#include "targets.h"

#define STR2(x) #x
#define STR(x) STR2(x)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const qcf_target *target;
    if (!target) {
        target = qcf_find(STR(QCF_TARGET));
        if (!target)
            abort();
    }
    return target->run(data, size);
}
