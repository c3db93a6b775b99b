/* arch.c - the target table (DGK_ARCH_TABLE in dgk.h): names and compute capabilities.
 * Read by the compiler back ends (-arch=NAME) and by dgk_init (device -> target). */
#include <string.h>

#include "rt.h"

typedef struct arch_row {
    const char *name;
    int major, minor;
} arch_row;

static const arch_row rows[DGK_ARCH_COUNT] = {
    [DGK_ARCH_NONE] = {"none", 0, 0},
#define X(id, name, major, minor) [DGK_ARCH_##id] = {name, major, minor},
    DGK_ARCH_TABLE(X)
#undef X
};

const char *dgk_arch_name(dgk_arch a)
{
    return (unsigned)a < DGK_ARCH_COUNT ? rows[a].name : "none";
}

dgk_arch dgk_arch_lookup(const char *name)
{
    for (int a = 1; name && a < DGK_ARCH_COUNT; a++)
        if (strcmp(rows[a].name, name) == 0)
            return (dgk_arch)a;
    return DGK_ARCH_NONE;
}

void dgk_arch_cc(dgk_arch a, int *major, int *minor)
{
    dgk_arch v = (unsigned)a < DGK_ARCH_COUNT ? a : DGK_ARCH_NONE;
    *major = rows[v].major;
    *minor = rows[v].minor;
}

dgk_arch dgk_arch_for_cc(int major, int minor)
{
    for (int a = 1; a < DGK_ARCH_COUNT; a++)
        if (rows[a].major == major && rows[a].minor == minor)
            return (dgk_arch)a;
    return DGK_ARCH_NONE;
}
