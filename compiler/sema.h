/* sema.h - the checker: names, dtypes, symbolic shapes, compile-time parameters,
 * constraints, mma/scale/schedule rules. Input: the parser's AST. Output: the same AST
 * with every expression's `type` and every name's `sym` filled in, plus per-kernel facts
 * the IR builder reads. Every error is reported through dgk_diags; checking goes on
 * after an error so one run reports all it can.
 *
 * What the IR builder may rely on after dgk_sema_check() returns 0:
 *   - every dgk_expr has `type` set (compiler/types.h); no type is DGK_TYPE_ERROR;
 *     a call's callee NAME carries the call's type;
 *   - every NAME expression has `sym` set, and so has every dgk_ident that declares a
 *     name: compile-time parameters, parameters, locals, loop and schedule variables
 *     (tests/unit/test_sema.c walks every shipped kernel to hold this);
 *   - every kernel has `info` (struct dgk_sema_kernel below) with
 *       ctparams[]  each compile-time parameter's final value (after -D), or
 *                   `known == 0` for an int parameter bound from a tensor extent;
 *       shapes[]    each shape symbol: which tensor parameter and axis binds it at
 *                   launch, and its value if specialized with -D;
 *       params[]    each runtime parameter in order: scalar dtype, or tensor dtype,
 *                   rank, extents and its resolved scales(...) attribute;
 *       sched       the schedule: kind, extents, modifiers, bound variables;
 *       pipeline    the pipeline statement (or NULL);
 *       mmas        every mma call with each operand's tensor and layout;
 *   - `where` constraints stay in kernel->constraints (typed); those that sema could
 *     decide held, the rest are for the launch-time check;
 *   - an ASSIGN statement of the FP8 promotion form `acc += mma(a, b) * sa * sb`
 *     inside a pipeline has `u.assign.promote` set (struct dgk_sema_promote);
 *     the scale operands' indexing has been checked against their block shape.
 * When errors were found these may be partial; nothing after sema may run then. */
#ifndef DGK_SEMA_H
#define DGK_SEMA_H

#include <stdint.h>

#include "../dsl/ast.h"
#include "diag.h"
#include "schedule.h"
#include "types.h"

/* One -D NAME=VALUE, in command-line order. */
typedef struct dgk_define {
    const char *name;
    const char *value;
    struct dgk_define *next;
} dgk_define;

/* What a name can stand for: X(ID, description used in messages). */
#define DGK_SYM_KINDS(X)                                             \
    X(CTPARAM, "compile-time parameter")                             \
    X(SHAPE, "shape symbol")                                         \
    X(TENSOR, "tensor parameter")                                    \
    X(SCALAR, "scalar parameter")                                    \
    X(VAR, "variable")                                               \
    X(LET, "let constant")                                           \
    X(LOOPVAR, "loop variable")                                      \
    X(SCHEDVAR, "schedule variable")                                 \
    X(DTYPE, "dtype")                                                \
    X(BUILTIN, "builtin")

typedef enum dgk_sym_kind {
#define X(id, s) DGK_SYM_##id,
    DGK_SYM_KINDS(X)
#undef X
    DGK_SYM_COUNT
} dgk_sym_kind;

const char *dgk_sym_kind_name(dgk_sym_kind k);

typedef struct dgk_sym {
    dgk_sym_kind kind;
    const char *name;
    dgk_loc loc;             /* where it was declared; no src for dtypes and builtins */
    dgk_type *type;          /* VALUE for values, TENSOR for tensors, DTYPE for dtypes */
    /* CTPARAM: index into info->ctparams; SHAPE: into info->shapes; TENSOR, SCALAR:
     * into info->params; SCHEDVAR: position in the schedule's `-> (...)`;
     * BUILTIN: dgk_builtin id; DTYPE: the dgk_dtype. */
    int index;
    const dgk_expr *init;    /* VAR, LET: the initializer */
    int depth;               /* scope depth, for shadowing checks */
    struct dgk_sym *next;    /* the next visible name (sema's scope chain) */
} dgk_sym;

/* A compile-time value: int, bool or dtype. known == 0: no value at check time (an
 * int parameter without default that is bound from a tensor extent at launch). */
typedef struct dgk_ct_value {
    dgk_ct_kind kind;
    int known;
    int64_t i;               /* INT; BOOL as 0/1 */
    dgk_dtype dt;            /* DTYPE */
} dgk_ct_value;

typedef struct dgk_sema_ctparam {
    const dgk_ctparam *decl;
    dgk_sym *sym;
    dgk_ct_value value;
    int from_define;         /* the value came from -D */
    int shape;               /* >= 0: also a shape symbol (bound from a tensor extent) */
    int erroneous;           /* its default had an error (already reported) */
} dgk_sema_ctparam;

typedef struct dgk_sema_shape {
    const char *name;
    dgk_loc loc;             /* its first appearance, in a tensor's extents */
    dgk_sym *sym;
    int param;               /* index into info->params of the tensor that binds it */
    int axis;                /* which axis of that tensor */
    int specialized;         /* -D gave its value */
    int64_t value;
    int ctparam;             /* >= 0: it is this compile-time parameter (no default) */
} dgk_sema_shape;

/* scales(X, BR, BC): this tensor holds one scale per BR x BC block of X's last two
 * axes (leading axes match one to one). mn_major: stored transposed, as
 * [cdiv(cols, BC), cdiv(rows, BR)] (the M/N-contiguous layout DeepGEMM uses). */
typedef struct dgk_sema_scales {
    int present;
    int of;                  /* index into info->params of X */
    int64_t block_rows, block_cols;
    int mn_major;
} dgk_sema_scales;

typedef struct dgk_sema_param {
    const dgk_param *decl;
    dgk_sym *sym;
    int is_tensor;
    dgk_type *type;          /* TENSOR type, or the scalar's VALUE type */
    dgk_sema_scales scales;
} dgk_sema_param;


/* Schedule modifiers: X(ID, spelling). */
#define DGK_SCHED_MODS(X)                                             \
    X(SWIZZLE, "swizzle")                                             \
    X(CLUSTER, "cluster")                                             \
    X(CLUSTER_N, "cluster_n")                                         \
    X(GROUP_IDS, "group_ids")                                         \
    X(GROUP_OFFSETS, "group_offsets")                                 \
    X(MASKED, "masked")                                               \
    X(SPLIT_K, "split_k")                                             \
    X(SKIP_IDLE, "skip_idle")                                         \
    X(TAIL_SPLIT, "tail_split")                                       \
    X(DYNAMIC, "dynamic")                                             \
    X(L2_STREAM, "l2_stream")                                         \
    X(STORE_PASSES, "store_passes")

typedef enum dgk_sched_mod_kind {
#define X(id, s) DGK_SMOD_##id,
    DGK_SCHED_MODS(X)
#undef X
    DGK_SMOD_COUNT
} dgk_sched_mod_kind;

const char *dgk_sched_mod_name(dgk_sched_mod_kind k);

typedef struct dgk_sema_sched {
    const dgk_stmt *stmt;    /* NULL if the kernel has none (an error) */
    dgk_sched_kind kind;
    int nextents;
    const dgk_expr *extents[3];
    /* Per modifier: given or not; constant modifiers (swizzle, cluster, cluster_n, split_k) have `value`,
     * tensor modifiers (group_ids, group_offsets, masked) have `param`. */
    struct {
        int given;
        int64_t value;
        int param;
        const dgk_sched_mod *mod;
    } mods[DGK_SMOD_COUNT];
    int nvars;
    dgk_sym *vars[3];
} dgk_sema_sched;

/* How an mma operand reaches the tensor cores. */
typedef struct dgk_sema_operand {
    const dgk_expr *slice;   /* the INDEX expression on the tensor */
    int param;               /* index into info->params */
    int transposed;          /* written with ^T */
    int k_major;             /* K is the tensor's contiguous (last) axis */
    int k_axis, mn_axis;     /* which tensor axes hold K and M (for a) or N (for b) */
} dgk_sema_operand;

typedef struct dgk_sema_mma {
    const dgk_expr *call;
    dgk_sema_operand a, b;
    int64_t m, n, k;
    struct dgk_sema_mma *next;
} dgk_sema_mma;

/* `acc += mma(a, b) * sa * sb` (factors in any order): the FP8 promotion construct.
 * Each K block's partial product is scaled by one scale of A per row and one scale of
 * B per column, then added to acc in FP32 on CUDA cores. */
typedef struct dgk_sema_promote {
    const dgk_sema_mma *mma;
    int nscales;
    struct {
        const dgk_expr *factor;  /* the factor as written, e.g. SA[k, i*BM +: BM][:, new] */
        const dgk_expr *slice;   /* the INDEX on the scale tensor inside it */
        int param;               /* the scale tensor */
        int operand;             /* 0: scales mma operand a (rows, M); 1: b (cols, N) */
    } scales[2];
} dgk_sema_promote;

typedef struct dgk_sema_kernel {
    const dgk_kernel *kernel;
    int nctparams, nshapes, nparams;
    dgk_sema_ctparam *ctparams;
    dgk_sema_shape *shapes;
    dgk_sema_param *params;
    dgk_sema_sched sched;
    const dgk_stmt *pipeline;
    dgk_sema_mma *mmas;      /* in source order */
} dgk_sema_kernel;

/* Returns the number of errors found (0 = the module is well-formed). */
int dgk_sema_check(dgk_module *m, const dgk_define *defines, dgk_diags *d, dgk_arena *a);

/* Prints each kernel's dgk_sema_kernel facts as stable text (tests, debugging). */
#include <stdio.h>
void dgk_sema_print(const dgk_module *m, dgk_arena *a, FILE *out);

#endif
