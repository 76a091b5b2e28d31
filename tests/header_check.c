/* Compiled as strict C11 by the build: the public header must stand on its own. */
#include <qcode.h>

int header_check_dummy(void);
int header_check_dummy(void)
{
    return QC_OK;
}
