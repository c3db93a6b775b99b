/* dgk_dense.h - dgk tensors over the GPU harness's device buffers, for the programs that
 * call dgk entry points directly (grouped runners, k-grouped, grouped debug). */
#ifndef DGK_GPU_DGK_DENSE_H
#define DGK_GPU_DGK_DENSE_H

#include "dgk.h"

/* The process's dgk context, made on first use on device 0 (runners_dgk.c); NULL with
 * the harness error set when dgk_init failed. */
dgk_context *gh_dgk_context(void);

/* A dense tensor of rank 1..3 (row-major, the last axis contiguous), strides explicit so
 * that a caller may widen a leading stride afterwards (padded scale rows). */
static inline dgk_tensor gh_dense(const void *p, dgk_dtype_id dt, int rank, int64_t d0, int64_t d1, int64_t d2)
{
    int64_t ext[3] = {d0, d1, d2};
    dgk_tensor t = {(void *)p, dt, rank, {0}, {0}};
    int64_t stride = 1;
    for (int i = rank - 1; i >= 0; i--) {
        t.shape[i] = ext[i];
        t.stride[i] = stride;
        stride *= ext[i];
    }
    return t;
}

#endif
