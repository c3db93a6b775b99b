/* dtype.h - the dtype table (include/dgk_dtypes.def) as an enum plus lookups. */
#ifndef DGK_DTYPE_H
#define DGK_DTYPE_H

#include <stddef.h>

typedef enum dgk_dtype {
    DGK_DT_NONE = 0,
#define X(id, name, bits, cls, ctype, sm90, sm100) DGK_DT_##id,
#include "../include/dgk_dtypes.def"
#undef X
    DGK_DT_COUNT
} dgk_dtype;

typedef enum dgk_dtype_class { DGK_DTC_FLOAT, DGK_DTC_INT, DGK_DTC_UINT, DGK_DTC_BOOL, DGK_DTC_SCALE } dgk_dtype_class;

typedef enum dgk_sm90_mma {
    DGK_SM90_NONE, DGK_SM90_TF32, DGK_SM90_BF16, DGK_SM90_F16, DGK_SM90_E4M3, DGK_SM90_E5M2, DGK_SM90_S8
} dgk_sm90_mma;

typedef enum dgk_sm100_mma {
    DGK_SM100_NONE, DGK_SM100_KIND_TF32, DGK_SM100_KIND_F16, DGK_SM100_KIND_F8F6F4,
    DGK_SM100_KIND_I8, DGK_SM100_KIND_MXF4
} dgk_sm100_mma;

typedef struct dgk_dtype_info {
    const char *name;
    int bits;
    dgk_dtype_class cls;
    const char *cuda_type;
    dgk_sm90_mma sm90;
    dgk_sm100_mma sm100;
} dgk_dtype_info;

/* Info for a valid dtype; DGK_DT_NONE yields a row named "none". */
const dgk_dtype_info *dgk_dtype_info_of(dgk_dtype t);
const char *dgk_dtype_name(dgk_dtype t);
/* DGK_DT_NONE if `name` (n bytes) is not a dtype. */
dgk_dtype dgk_dtype_lookup(const char *name, size_t n);
int dgk_dtype_bits(dgk_dtype t);
int dgk_dtype_is_float(dgk_dtype t);
int dgk_dtype_is_integer(dgk_dtype t);

#endif
