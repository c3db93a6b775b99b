/* cuda_api.c - opens the CUDA driver (DGK_CUDA_DRIVER, default libcuda.so.1) once per
 * process and fills the dgk_cuda_api table: cuGetProcAddress_v2 and cuDriverGetVersion
 * come from dlsym, every row from cuGetProcAddress at the row's version. No driver, or
 * one too old for a row, is an error status, never a crash. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cuda_api.h"
#include "rt.h"

typedef struct entry {
    const char *name;   /* the base name cuGetProcAddress wants: "cuMemAlloc" */
    int version;        /* the ABI: cuGetProcAddress returns the variant current then */
    size_t offset;
} entry;

static const entry entries[] = {
#define X(fn, version) {#fn, version, offsetof(dgk_cuda_api, fn)},
    DGK_CUDA_FUNCS(X)
#undef X
};

/* Each row's signature is the one <cuda.h> declares for the plain name. */
#define X(fn, version)                                                                  \
    _Static_assert(__builtin_types_compatible_p(PFN_##fn##_v##version, __typeof__(&fn)), \
                   #fn " at version " #version " is not the signature cuda.h declares");
DGK_CUDA_FUNCS(X)
#undef X

static pthread_once_t once = PTHREAD_ONCE_INIT;
static dgk_cuda_api api;
static dgk_status load_status;
static char load_message[512];

typedef CUresult (*get_proc_fn)(const char *, void **, int, cuuint64_t,
                                CUdriverProcAddressQueryResult *);
typedef CUresult (*version_fn)(int *);

static dgk_status fill(get_proc_fn get_proc, int driver_version)
{
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        void *fn = NULL;
        CUdriverProcAddressQueryResult q = CU_GET_PROC_ADDRESS_SUCCESS;
        CUresult r = entries[i].version > driver_version
                         ? CUDA_ERROR_NOT_SUPPORTED
                         : get_proc(entries[i].name, &fn, entries[i].version,
                                    CU_GET_PROC_ADDRESS_DEFAULT, &q);
        if (r != CUDA_SUCCESS || !fn || q != CU_GET_PROC_ADDRESS_SUCCESS) {
            snprintf(load_message, sizeof load_message,
                     "no CUDA driver: %s (CUDA %d) lacks %s of CUDA %d",
                     dgk_env_driver_path(), driver_version, entries[i].name, entries[i].version);
            return DGK_ENODRIVER;
        }
        memcpy((char *)&api + entries[i].offset, &fn, sizeof fn);
    }
    return DGK_OK;
}

static dgk_status load(void)
{
    const char *path = dgk_env_driver_path();
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_message, sizeof load_message, "no CUDA driver: cannot load %s (%s)",
                 path, dlerror());
        return DGK_ENODRIVER;
    }
    get_proc_fn get_proc = (get_proc_fn)dlsym(lib, "cuGetProcAddress_v2");
    version_fn version = (version_fn)dlsym(lib, "cuDriverGetVersion");
    int v = 0;
    if (!get_proc || !version || version(&v) != CUDA_SUCCESS) {
        snprintf(load_message, sizeof load_message,
                 "no CUDA driver: %s has no cuGetProcAddress_v2 (a driver for CUDA 12.4 or later is needed)",
                 path);
        dlclose(lib);
        return DGK_ENODRIVER;
    }
    return fill(get_proc, v);
}

static void init(void)
{
    load_status = load();
}

dgk_status dgk_cuda(const dgk_cuda_api **out)
{
    pthread_once(&once, init);
    if (load_status != DGK_OK)
        return dgk_fail(load_status, "%s", load_message);
    *out = &api;
    return DGK_OK;
}

dgk_status dgk_cuda_fail(const dgk_cuda_api *cu, CUresult r, const char *what)
{
    const char *name = NULL, *text = NULL;
    cu->cuGetErrorName(r, &name);
    cu->cuGetErrorString(r, &text);
    return dgk_fail(DGK_ECUDA, "%s: %s (%s)", what, name ? name : "CUDA error",
                    text ? text : "no description");
}
