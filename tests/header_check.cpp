// Compiled as C++11 by the build: the public header must be usable from C++.
#include <qcode.h>

int header_check_cxx(void);
int header_check_cxx(void)
{
    qc_read_options opts = QC_READ_OPTIONS_INIT;
    return opts.version == QC_READ_OPTIONS_VERSION ? QC_OK : QC_ERR_INVALID;
}
