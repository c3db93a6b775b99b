/* ir.h - the tile IR: what one kernel computes, in terms of global tensors, tiles and
 * a schedule, before any decision about how (TMA or not, stages, warp roles).
 * Built from the checked AST by ir_build.c; read by the planning passes (plan_*.c);
 * printed by ir_print.c (dgkc --dump-ir).
 *
 * Shape: a kernel is three regions run per output tile —
 *   prologue  scalar code after the schedule (group ids, bounds),
 *   mainloop  the `pipeline` body, run for k in [lo, hi),
 *   epilogue  everything after the pipeline (elementwise math on accumulators, stores).
 * Each region is a list of ops in program order. Every op defines at most one value,
 * named by its index in the kernel's op array, so printing is deterministic. */
#ifndef DGK_IR_H
#define DGK_IR_H

#include <stdint.h>
#include <stdio.h>

#include "../dsl/ast.h"
#include "../dsl/dtype.h"
#include "diag.h"

enum { DGK_IR_MAX_RANK = 4, DGK_IR_MAX_ARGS = 4 };

/* X(ID, printable name, number of operands or -1 for variable) */
#define DGK_IR_OPS(X)                                                             \
    X(CONST, "const", 0)           /* int or float literal; .imm / .fimm */        \
    X(SHAPE, "shape", 0)           /* a shape symbol's runtime value; .tensor/.axis */ \
    X(PARAM, "param", 0)           /* a scalar kernel parameter; .param */         \
    X(TILE_COORD, "coord", 0)      /* a schedule variable; .index */               \
    X(LOOP_VAR, "kvar", 0)         /* the pipeline's induction variable */         \
    X(SCALAR, "scalar", -1)        /* scalar arithmetic; .op */                    \
    X(LOAD_SCALAR, "load.s", -1)   /* T[p0, p1, ..]: one element; args = indices */ \
    X(LOAD_TILE, "load.t", -1)     /* a tile slice of T; args = starts; .ext */    \
    X(ZEROS, "zeros", 0)                                                           \
    X(FULL, "full", 1)             /* a tile of the scalar args[0] */              \
    X(IOTA, "iota", 0)             /* i32[n]: 0 .. n-1 */                           \
    X(MMA, "mma", 2)               /* f32[M, N] = a[M, K] x b[K, N] */              \
    X(EW, "ew", -1)                /* elementwise unary/binary; .op or .fn */      \
    X(CAST, "cast", 1)                                                             \
    X(SELECT, "select", 3)                                                         \
    X(RESHAPE, "reshape", 1)       /* add/drop unit axes (`new`) */                \
    X(TRANSPOSE, "transpose", 1)                                                   \
    X(REDUCE, "reduce", 1)         /* .fn over .axis */                            \
    X(ACC_INIT, "acc.init", 1)     /* defines an accumulator from a value */       \
    X(ACC_UPDATE, "acc.update", 2) /* acc op= value; args = (acc, value); .op */    \
    X(STORE, "store", -1)          /* T[starts] (op)= value; args = starts.., value */ \
    X(RETURN, "return", 0)

typedef enum dgk_ir_opcode {
#define X(id, name, n) DGK_IR_##id,
    DGK_IR_OPS(X)
#undef X
    DGK_IR_OPCODE_COUNT
} dgk_ir_opcode;

const char *dgk_ir_opcode_name(dgk_ir_opcode op);

typedef enum dgk_ir_region { DGK_IR_PROLOGUE, DGK_IR_MAINLOOP, DGK_IR_EPILOGUE, DGK_IR_NREGIONS } dgk_ir_region;

/* Type of a value: scalar (rank 0) or tile with compile-time extents. */
typedef struct dgk_ir_type {
    dgk_dtype dtype;
    int rank;
    int64_t ext[DGK_IR_MAX_RANK];
} dgk_ir_type;

/* A global tensor parameter as the IR sees it. */
typedef struct dgk_ir_tensor {
    const char *name;
    dgk_loc loc;
    int param_index;         /* position among the kernel's runtime parameters */
    dgk_dtype dtype;
    int rank;
    /* Extents: a compile-time value when known (specialized), else -1 with the
     * symbolic expression kept for the launcher. */
    int64_t ext[DGK_IR_MAX_RANK];
    const dgk_expr *ext_expr[DGK_IR_MAX_RANK];
    int scales_tensor;       /* index of the tensor this one holds scales for, or -1 */
    int scale_block[2];      /* rows, cols of one scale block */
    int scale_mn_major;      /* stored transposed ([K-blocks, MN]) */
    int written;             /* some STORE targets it */
} dgk_ir_tensor;

typedef struct dgk_ir_op {
    dgk_ir_opcode opcode;
    dgk_loc loc;
    dgk_ir_region region;
    dgk_ir_type type;        /* of the value it defines (dtype NONE if none) */
    int args[DGK_IR_MAX_RANK + 1];
    int nargs;
    dgk_op op;               /* SCALAR, EW (binary/unary operator), ACC_UPDATE, STORE */
    int fn;                  /* EW/REDUCE builtin id when not an operator; -1 otherwise */
    int tensor;              /* LOAD_*, STORE, SHAPE: index into kernel tensors */
    int axis;                /* SHAPE, REDUCE, TILE_COORD (the schedule variable index) */
    int param;               /* PARAM */
    int64_t ext[DGK_IR_MAX_RANK]; /* LOAD_TILE: extent per tensor axis; 0 = POINT (dropped) */
    int transposed;          /* LOAD_TILE: the tile is used transposed (`^T`) */
    int64_t imm;             /* CONST int */
    double fimm;             /* CONST float */
    int is_float;            /* CONST */
    const char *name;        /* for printing: the source name it was bound to, if any */
} dgk_ir_op;

typedef struct dgk_ir_kernel {
    const char *name;
    dgk_loc loc;
    const dgk_kernel *ast;
    dgk_ir_tensor *tensors;
    int ntensors;
    dgk_ir_op *ops;
    int nops, capops;
    /* schedule */
    const char *sched_kind;
    dgk_loc sched_loc;
    int sched_extents[3];    /* op ids of the extent expressions */
    int nsched;
    int sched_swizzle;       /* 0 = none */
    int sched_cluster;       /* 0 = compiler's choice */
    int sched_cluster_n;     /* `cluster_n`: CTAs along N sharing A (0 = none) */
    int sched_tensor;        /* the group_ids / group_offsets / masked tensor, -1 if none */
    int sched_offsets;       /* sched_tensor was given as group_offsets */
    int sched_split;         /* split_k S: K slices per output tile; 0 = not given */
    int sched_skip_idle;     /* skip_idle 1 (masked): idle consumer warpgroups skip their math */
    int sched_dynamic;       /* dynamic 1 (contiguous): tiles taken from a counter as CTAs free up */
    int sched_l2_stream;     /* l2_stream 1 (persistent): operand tiles loaded with L2 evict_first */
    int sched_store_passes;  /* store_passes P: the output tile stored in P column passes (0: not given) */
    dgk_loc sched_store_passes_loc; /* the store_passes modifier, else the schedule */
    int sched_tail_split;    /* tail_split 1 (masked): the last partial wave's tiles cut by K */
    dgk_loc sched_tail_split_loc; /* the tail_split modifier, else the schedule */
    dgk_loc sched_dynamic_loc; /* the dynamic modifier, else the schedule */
    dgk_loc sched_split_loc; /* the split_k modifier (the schedule when not given) */
    /* pipeline */
    int has_pipeline;
    dgk_loc pipe_loc;
    int pipe_lo, pipe_hi;    /* op ids (prologue scalars) */
    int pipe_stages;         /* 0 = compiler's choice */
} dgk_ir_kernel;

/* Shape helpers the planners and emitters share. */
static inline int64_t dgk_ir_numel(const dgk_ir_type *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->ext[i];
    return n;
}

static inline int dgk_ir_same_shape(const dgk_ir_type *a, const dgk_ir_type *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->ext[i] != b->ext[i])
            return 0;
    return 1;
}

/* The shape a STORE writes: its slice's extents without the points (dtype unset). */
static inline dgk_ir_type dgk_ir_store_shape(const dgk_ir_op *op)
{
    dgk_ir_type t = {.rank = 0};
    for (int i = 0; i < op->nargs - 1; i++)
        if (op->ext[i])
            t.ext[t.rank++] = op->ext[i];
    return t;
}

typedef struct dgk_ir_module {
    dgk_ir_kernel *kernels;
    int nkernels;
} dgk_ir_module;

/* Lowers a module that passed sema. Reports constructs the IR cannot express (with
 * their location) as errors; returns the number of errors. */
int dgk_ir_build(const dgk_module *m, dgk_ir_module *out, dgk_diags *d, dgk_arena *a);
void dgk_ir_print(const dgk_ir_module *m, FILE *out);

#endif
