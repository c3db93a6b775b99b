/* dtype.c - lookups over the dtype table generated from include/dgk_dtypes.def. */
#include "dtype.h"

#include <string.h>

static const dgk_dtype_info table[DGK_DT_COUNT] = {
    [DGK_DT_NONE] = {"none", 0, DGK_DTC_FLOAT, "void", DGK_SM90_NONE, DGK_SM100_NONE},
#define X(id, name, bits, cls, ctype, sm90, sm100) \
    [DGK_DT_##id] = {name, bits, DGK_DTC_##cls, ctype, DGK_SM90_##sm90, DGK_SM100_##sm100},
#include "../include/dgk_dtypes.def"
#undef X
};

const dgk_dtype_info *dgk_dtype_info_of(dgk_dtype t)
{
    return (unsigned)t < DGK_DT_COUNT ? &table[t] : &table[DGK_DT_NONE];
}

const char *dgk_dtype_name(dgk_dtype t)
{
    return dgk_dtype_info_of(t)->name;
}

dgk_dtype dgk_dtype_lookup(const char *name, size_t n)
{
    for (int t = 1; t < DGK_DT_COUNT; t++)
        if (strlen(table[t].name) == n && memcmp(table[t].name, name, n) == 0)
            return (dgk_dtype)t;
    return DGK_DT_NONE;
}

int dgk_dtype_bits(dgk_dtype t)
{
    return dgk_dtype_info_of(t)->bits;
}

int dgk_dtype_is_float(dgk_dtype t)
{
    dgk_dtype_class c = dgk_dtype_info_of(t)->cls;
    return t != DGK_DT_NONE && (c == DGK_DTC_FLOAT || c == DGK_DTC_SCALE);
}

int dgk_dtype_is_integer(dgk_dtype t)
{
    dgk_dtype_class c = dgk_dtype_info_of(t)->cls;
    return c == DGK_DTC_INT || c == DGK_DTC_UINT;
}
