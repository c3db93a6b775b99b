/* tma.c - dgk_tma_encode: a small C description of a tiled global tensor (dgk_tma_desc)
 * checked against the TMA unit's rules, then encoded by cuTensorMapEncodeTiled into the
 * 128-byte descriptor a kernel takes by value. The element-type table is
 * DGK_TMA_DTYPE_TABLE (dgk.h); the driver enum for each row is below. */
#include "cuda_api.h"
#include "rt.h"

static const CUtensorMapDataType cu_types[DGK_TMA_DTYPE_COUNT] = {
    [DGK_TMA_U8] = CU_TENSOR_MAP_DATA_TYPE_UINT8,
    [DGK_TMA_U16] = CU_TENSOR_MAP_DATA_TYPE_UINT16,
    [DGK_TMA_U32] = CU_TENSOR_MAP_DATA_TYPE_UINT32,
    [DGK_TMA_I32] = CU_TENSOR_MAP_DATA_TYPE_INT32,
    [DGK_TMA_U64] = CU_TENSOR_MAP_DATA_TYPE_UINT64,
    [DGK_TMA_I64] = CU_TENSOR_MAP_DATA_TYPE_INT64,
    [DGK_TMA_F16] = CU_TENSOR_MAP_DATA_TYPE_FLOAT16,
    [DGK_TMA_F32] = CU_TENSOR_MAP_DATA_TYPE_FLOAT32,
    [DGK_TMA_F64] = CU_TENSOR_MAP_DATA_TYPE_FLOAT64,
    [DGK_TMA_BF16] = CU_TENSOR_MAP_DATA_TYPE_BFLOAT16,
    [DGK_TMA_F32_FTZ] = CU_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ,
    [DGK_TMA_TF32] = CU_TENSOR_MAP_DATA_TYPE_TFLOAT32,
    [DGK_TMA_TF32_FTZ] = CU_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ,
};

static const uint32_t elem_bytes[DGK_TMA_DTYPE_COUNT] = {
#define X(id, bytes) [DGK_TMA_##id] = bytes,
    DGK_TMA_DTYPE_TABLE(X)
#undef X
};

/* Bytes one swizzle pattern spans; the inner box row must fit in it. */
static const uint32_t swizzle_span[] = {0, 32, 64, 128};
static const CUtensorMapSwizzle cu_swizzle[] = {
    CU_TENSOR_MAP_SWIZZLE_NONE, CU_TENSOR_MAP_SWIZZLE_32B, CU_TENSOR_MAP_SWIZZLE_64B,
    CU_TENSOR_MAP_SWIZZLE_128B,
};

enum { MAX_BOX = 256, MAX_ELEM_STRIDE = 8 };
#define MAX_STRIDE_BYTES (1ull << 40)
#define MAX_EXTENT (1ull << 32)

static int is_float(dgk_tma_dtype t)
{
    return t >= DGK_TMA_F16;   /* F16 .. TF32_FTZ are the float rows */
}

static dgk_status check_strides(const dgk_tma_desc *d, uint32_t esize)
{
    if (d->strides[0] != 1)
        return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->strides[0] = %llu; dimension 0 must be contiguous (stride 1)",
                        (unsigned long long)d->strides[0]);
    for (int i = 1; i < d->rank; i++) {
        uint64_t s = d->strides[i];
        if (s == 0 || s >= MAX_STRIDE_BYTES / esize)
            return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->strides[%d] = %llu elements; must be above 0 and below 2^40 bytes",
                            i, (unsigned long long)s);
        if (s * esize % 16 != 0)
            return dgk_fail(DGK_EALIGN, "dgk_tma_encode: desc->strides[%d] = %llu elements = %llu bytes is not a multiple of 16 bytes",
                            i, (unsigned long long)s, (unsigned long long)(s * esize));
    }
    return DGK_OK;
}

static dgk_status check_dims(const dgk_tma_desc *d)
{
    for (int i = 0; i < d->rank; i++) {
        if (d->shape[i] == 0 || d->shape[i] > MAX_EXTENT)
            return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->shape[%d] = %llu; must be 1..2^32",
                            i, (unsigned long long)d->shape[i]);
        if (d->box[i] == 0 || d->box[i] > MAX_BOX)
            return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->box[%d] = %u; must be 1..%d", i,
                            d->box[i], MAX_BOX);
        if (d->elem_strides[i] > MAX_ELEM_STRIDE)
            return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->elem_strides[%d] = %u; must be 0..%d (0 means 1)",
                            i, d->elem_strides[i], MAX_ELEM_STRIDE);
    }
    return DGK_OK;
}

static dgk_status check_box_row(const dgk_tma_desc *d, uint32_t esize)
{
    uint32_t row = d->box[0] * esize;
    if (row % 16 != 0)
        return dgk_fail(DGK_EALIGN, "dgk_tma_encode: desc->box[0] = %u elements = %u bytes is not a multiple of 16 bytes",
                        d->box[0], row);
    if ((unsigned)d->swizzle > DGK_TMA_SWIZZLE_128B)
        return dgk_fail(DGK_EINVAL, "dgk_tma_encode: desc->swizzle = %d is not a dgk_tma_swizzle", (int)d->swizzle);
    uint32_t span = swizzle_span[d->swizzle];
    if (span && row > span)
        return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->box[0] = %u elements = %u bytes exceeds the %u-byte swizzle span; use a box of at most %u elements",
                        d->box[0], row, span, span / esize);
    return DGK_OK;
}

dgk_status dgk_tma_check(const dgk_tma_desc *d)
{
    if (!d)
        return dgk_fail(DGK_EINVAL, "dgk_tma_encode: desc is NULL");
    if (d->dtype <= DGK_TMA_NONE || d->dtype >= DGK_TMA_DTYPE_COUNT)
        return dgk_fail(DGK_EDTYPE, "dgk_tma_encode: desc->dtype = %d is not a TMA element type", (int)d->dtype);
    if (d->rank < 1 || d->rank > 5)
        return dgk_fail(DGK_ESHAPE, "dgk_tma_encode: desc->rank = %d; TMA takes 1 to 5 dimensions", d->rank);
    if (!d->base)
        return dgk_fail(DGK_EINVAL, "dgk_tma_encode: desc->base is NULL");
    if ((uintptr_t)d->base % 16 != 0)
        return dgk_fail(DGK_EALIGN, "dgk_tma_encode: desc->base = %p is not 16-byte aligned", d->base);
    uint32_t esize = elem_bytes[d->dtype];
    dgk_status s = check_dims(d);
    if (s == DGK_OK)
        s = check_strides(d, esize);
    if (s == DGK_OK)
        s = check_box_row(d, esize);
    if (s == DGK_OK && d->l2_promotion != 0 && d->l2_promotion != 64 && d->l2_promotion != 128 &&
        d->l2_promotion != 256)
        s = dgk_fail(DGK_EINVAL, "dgk_tma_encode: desc->l2_promotion = %u; must be 0, 64, 128 or 256",
                     d->l2_promotion);
    if (s == DGK_OK && d->oob_nan && !is_float(d->dtype))
        s = dgk_fail(DGK_EDTYPE, "dgk_tma_encode: desc->oob_nan needs a float dtype");
    return s;
}

static CUtensorMapL2promotion l2(uint32_t bytes)
{
    return bytes == 64    ? CU_TENSOR_MAP_L2_PROMOTION_L2_64B
           : bytes == 128 ? CU_TENSOR_MAP_L2_PROMOTION_L2_128B
           : bytes == 256 ? CU_TENSOR_MAP_L2_PROMOTION_L2_256B
                          : CU_TENSOR_MAP_L2_PROMOTION_NONE;
}

dgk_status dgk_tma_encode(const dgk_tma_desc *d, dgk_tensor_map *out)
{
    const dgk_cuda_api *cu;
    dgk_status s = out ? dgk_tma_check(d) : dgk_fail(DGK_EINVAL, "dgk_tma_encode: out is NULL");
    if (s != DGK_OK || (s = dgk_cuda(&cu)) != DGK_OK)
        return s;
    uint32_t esize = elem_bytes[d->dtype];
    cuuint64_t dims[5], strides[4];
    cuuint32_t box[5], estr[5];
    for (int i = 0; i < d->rank; i++) {
        dims[i] = d->shape[i];
        box[i] = d->box[i];
        estr[i] = d->elem_strides[i] ? d->elem_strides[i] : 1;
        if (i > 0)
            strides[i - 1] = d->strides[i] * esize;
    }
    CUresult r = cu->cuTensorMapEncodeTiled(
        (CUtensorMap *)out, cu_types[d->dtype], (cuuint32_t)d->rank, (void *)d->base, dims, strides,
        box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE, cu_swizzle[d->swizzle], l2(d->l2_promotion),
        d->oob_nan ? CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA : CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    return r == CUDA_SUCCESS ? DGK_OK : dgk_cuda_fail(cu, r, "dgk_tma_encode: cuTensorMapEncodeTiled");
}
