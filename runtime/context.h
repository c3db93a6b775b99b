/* context.h - the context and kernel objects, shared by context.c (init, properties),
 * module.c (compile + load), memo.c (the hot-path memo) and launch.c. Tests include it
 * to build kernels with chosen limits and exercise launch validation without a GPU. */
#ifndef DGK_CONTEXT_H
#define DGK_CONTEXT_H

#include <pthread.h>

#include "compiler/arena.h"
#include "cuda_api.h"
#include "rt.h"

struct dgk_kernel {
    dgk_context *ctx;
    const dgk_cuda_api *cu;
    char *name;
    uint8_t key[16];
    CUmodule module;
    CUfunction fn;
    dgk_binary *bin;
    dgk_func_report report;     /* the entry's report; zeros for PTX */
    int takes_params;           /* the function has at least one parameter */
    int max_threads;            /* per block, for this function */
    int static_smem;
    int max_dyn_smem;           /* device opt-in limit minus static smem */
    atomic_int dyn_smem_attr;   /* the MAX_DYNAMIC_SHARED_SIZE_BYTES value set now */
    int cluster_launch;         /* the device can launch clusters */
    struct dgk_kernel *next;
};

/* Open addressing, never shrinks, entries never removed: a reader that loaded an old
 * table still finds what it held. */
typedef struct memo_slot {
    _Atomic uint64_t a, b;
    _Atomic(void *) value;      /* NULL: empty */
} memo_slot;

typedef struct memo_table {
    size_t mask;
    size_t used;
    struct memo_table *retired; /* older tables, freed with the context */
    memo_slot slots[];
} memo_table;

struct dgk_context {
    const dgk_cuda_api *cu;
    CUdevice dev;
    CUcontext cuctx;
    dgk_device_props props;
    pthread_mutex_t lock;       /* kernels, memo writers, arena */
    dgk_kernel *kernels;
    _Atomic(memo_table *) memo;
    dgk_arena arena;
    struct dgk_op *ops;         /* .dgk kernels compiled on this context (op.c) */
};

/* launch.c: every check dgk_launch makes before it calls the driver. */
dgk_status dgk_launch_check(const dgk_kernel *k, const dgk_launch_cfg *c, void **args);
/* memo.c */
void dgk_memo_free(dgk_context *ctx);
/* module.c */
void dgk_kernels_free(dgk_context *ctx);
/* op.c */
void dgk_ops_free(dgk_context *ctx);

#endif
