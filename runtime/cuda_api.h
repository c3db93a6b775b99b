/* cuda_api.h - the CUDA driver entry points the runtime uses, as one table filled from
 * libcuda.so.1 at run time (dlopen + cuGetProcAddress), so libdgk links and its CPU tests
 * run on machines with no driver. Each row names the CUDA version whose ABI we call
 * (cudaTypedefs.h's PFN_name_vVERSION): cuGetProcAddress is asked for exactly that
 * version, so a symbol that later gained a new signature (cuCtxSynchronize became
 * cuCtxSynchronize_v2(CUcontext) in 13.0) is still the one we declare. cuda_api.c checks
 * at compile time that each row is the signature <cuda.h> declares by default, which is
 * what cu->name(...) calls are compiled against. GPU tests and benches include this
 * header too, for memory and streams. */
#ifndef DGK_CUDA_API_H
#define DGK_CUDA_API_H

#include <cuda.h>
#include <cudaTypedefs.h>

#include "dgk.h"

/* X(function, version): every entry point used anywhere in dgk, with the CUDA version
 * of the signature we call. */
#define DGK_CUDA_FUNCS(X)                        \
    X(cuInit, 2000)                              \
    X(cuDriverGetVersion, 2020)                  \
    X(cuGetErrorName, 6000)                      \
    X(cuGetErrorString, 6000)                    \
    X(cuDeviceGetCount, 2000)                    \
    X(cuDeviceGet, 2000)                         \
    X(cuDeviceGetName, 2000)                     \
    X(cuDeviceGetAttribute, 2000)                \
    X(cuDevicePrimaryCtxRetain, 7000)            \
    X(cuDevicePrimaryCtxRelease, 11000)          \
    X(cuCtxSetCurrent, 4000)                     \
    X(cuCtxSynchronize, 2000)                    \
    X(cuModuleLoadData, 2000)                    \
    X(cuModuleUnload, 2000)                      \
    X(cuModuleGetFunction, 2000)                 \
    X(cuModuleGetGlobal, 3020)                   \
    X(cuFuncGetAttribute, 2020)                  \
    X(cuFuncSetAttribute, 9000)                  \
    X(cuFuncGetParamInfo, 12040)                 \
    X(cuLaunchKernelEx, 11060)                   \
    X(cuLaunchKernel, 4000)                      \
    X(cuTensorMapEncodeTiled, 12000)             \
    X(cuMemAlloc, 3020)                          \
    X(cuMemFree, 3020)                           \
    X(cuMemcpyHtoD, 3020)                        \
    X(cuMemcpyDtoH, 3020)                        \
    X(cuMemsetD8, 3020)                          \
    X(cuMemsetD8Async, 3020)                     \
    X(cuStreamCreate, 2000)                      \
    X(cuStreamDestroy, 4000)                     \
    X(cuStreamSynchronize, 2000)                 \
    X(cuStreamIsCapturing, 10000)                \
    X(cuStreamGetId, 12000)                      \
    X(cuThreadExchangeStreamCaptureMode, 10010)

/* Fields are named as <cuda.h> spells the call (cuMemAlloc is cuMemAlloc_v2 there), so
 * cu->cuMemAlloc(...) reads like the driver API. */
typedef struct dgk_cuda_api {
#define DGK_X(fn, version) PFN_##fn##_v##version fn;
    DGK_CUDA_FUNCS(DGK_X)
#undef DGK_X
} dgk_cuda_api;

/* The table, loaded once per process. DGK_ENODRIVER (with the dlopen error) when the
 * driver cannot be opened or lacks an entry point; the result is remembered. */
dgk_status dgk_cuda(const dgk_cuda_api **out);

/* Sets the message "WHAT: CUDA_ERROR_X (description)" and returns DGK_ECUDA. */
dgk_status dgk_cuda_fail(const dgk_cuda_api *cu, CUresult r, const char *what);

#endif
