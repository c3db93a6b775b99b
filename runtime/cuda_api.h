/* cuda_api.h - the CUDA driver entry points the runtime uses, as one table filled from
 * libcuda.so.1 at run time (dlopen + cuGetProcAddress), so libdgk links and its CPU tests
 * run on machines with no driver. The types are the real ones from <cuda.h>; cuda.h's
 * version macros (cuMemAlloc -> cuMemAlloc_v2) pick each field's type, and the table is
 * filled with the same versions by asking cuGetProcAddress for CUDA_VERSION's ABI.
 * GPU tests and benches include this header too, for memory and streams. */
#ifndef DGK_CUDA_API_H
#define DGK_CUDA_API_H

#include <cuda.h>

#include "dgk.h"

/* X(function): every entry point used anywhere in dgk. */
#define DGK_CUDA_FUNCS(X)           \
    X(cuInit)                       \
    X(cuDriverGetVersion)           \
    X(cuGetErrorName)               \
    X(cuGetErrorString)             \
    X(cuDeviceGetCount)             \
    X(cuDeviceGet)                  \
    X(cuDeviceGetName)              \
    X(cuDeviceGetAttribute)         \
    X(cuDevicePrimaryCtxRetain)     \
    X(cuDevicePrimaryCtxRelease)    \
    X(cuCtxSetCurrent)              \
    X(cuCtxSynchronize)             \
    X(cuModuleLoadData)             \
    X(cuModuleUnload)               \
    X(cuModuleGetFunction)          \
    X(cuFuncGetAttribute)           \
    X(cuFuncSetAttribute)           \
    X(cuFuncGetParamInfo)           \
    X(cuLaunchKernelEx)             \
    X(cuLaunchKernel)               \
    X(cuTensorMapEncodeTiled)       \
    X(cuMemAlloc)                   \
    X(cuMemFree)                    \
    X(cuMemcpyHtoD)                 \
    X(cuMemcpyDtoH)                 \
    X(cuMemsetD8)                   \
    X(cuStreamCreate)               \
    X(cuStreamDestroy)              \
    X(cuStreamSynchronize)

typedef struct dgk_cuda_api {
#define DGK_X(fn) __typeof__(fn) *fn;
    DGK_CUDA_FUNCS(DGK_X)
#undef DGK_X
} dgk_cuda_api;

/* The table, loaded once per process. DGK_ENODRIVER (with the dlopen error) when the
 * driver cannot be opened or lacks an entry point; the result is remembered. */
dgk_status dgk_cuda(const dgk_cuda_api **out);

/* Sets the message "WHAT: CUDA_ERROR_X (description)" and returns DGK_ECUDA. */
dgk_status dgk_cuda_fail(const dgk_cuda_api *cu, CUresult r, const char *what);

#endif
