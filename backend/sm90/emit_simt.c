/* emit_simt.c - CUDA C for an elementwise kernel (plan.h, dgk_plan_simt): one CTA per
 * tile of the grid, the kernel's tile IR written out op by op. A scalar op is a const
 * local every thread computes alike; a tile op is a register array in which thread `tid`
 * holds elements tid, tid + THREADS, ... (row-major), filled by an unrolled loop; a tile
 * the plan gave a shared copy is written there and a barrier follows. Loads past a
 * tensor's extents read 0, stores skip them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../compiler/builtins.h"
#include "../../compiler/ident.h"
#include "../../compiler/ir.h"
#include "emit_internal.h"

enum { EXPR_MAX = 4096, INLINE_MAX = 12 };

typedef struct simt_ctx {
    dgk_sm90_ctx *e;
    const dgk_plan *p;
    const dgk_plan_simt *s;
    const dgk_ir_kernel *k;
    int overflow;          /* an expression did not fit EXPR_MAX */
    int unshared;          /* a tile was read across threads without a shared copy */
    char *inl;             /* per op: computed inside its one user's expression, no array */
    int *since;            /* the loads and stores emitted since the last barrier (op ids) */
    int nsince;
} simt_ctx;

static int compute_expr(simt_ctx *c, char *out, const dgk_ir_op *op, const char *const *x);

/* ---- types and text ------------------------------------------------------------------- */

/* The C type a value is computed in: every float and scale format as f32. */
static const char *compute_type(dgk_dtype t)
{
    switch (dgk_dtype_info_of(t)->cls) {
    case DGK_DTC_INT: return t == DGK_DT_I64 ? "long long" : "int";
    case DGK_DTC_UINT: return "unsigned";
    case DGK_DTC_BOOL: return "bool";
    default: return "float";
    }
}

static int is_float(dgk_dtype t)
{
    return strcmp(compute_type(t), "float") == 0;
}

static void cat(simt_ctx *c, char *buf, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(simt_ctx *c, char *buf, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, EXPR_MAX - len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= EXPR_MAX - len)
        c->overflow = 1;
}

/* `fmt` with $a, $b, $c replaced by the operand texts. */
static void subst(simt_ctx *c, char *out, const char *fmt, const char *const *x)
{
    out[0] = 0;
    for (const char *f = fmt; *f; f++) {
        if (f[0] == '$' && f[1] >= 'a' && f[1] <= 'c') {
            cat(c, out, "(%s)", x[f[1] - 'a']);
            f++;
        } else {
            cat(c, out, "%c", *f);
        }
    }
}

/* Index of axis `a` of element `var` of a row-major tile of type t. */
static void axis_index(simt_ctx *c, char *out, const dgk_ir_type *t, int a, const char *var)
{
    int64_t inner = 1;
    for (int i = a + 1; i < t->rank; i++)
        inner *= t->ext[i];
    out[0] = 0;
    if (inner > 1)
        cat(c, out, "(%s / %lld)", var, (long long)inner);
    else
        cat(c, out, "%s", var);
    if (a > 0)
        cat(c, out, " %% %lld", (long long)t->ext[a]);
}

static const char *dim_text(const simt_ctx *c, const dgk_plan_dim *d, char *buf)
{
    if (d->arg >= 0)
        return c->p->args[d->arg].name;
    snprintf(buf, 32, "%lldLL", (long long)d->value);
    return buf;
}

/* ---- operand references ----------------------------------------------------------------- */

/* Flat index into op x's shared copy for element indices idx[] of a user of type `u`
 * (broadcast: x's axes line up with u's last ones, unit axes read index 0). */
static void shared_index(simt_ctx *c, char *out, int x, const dgk_ir_type *u, char idx[][96])
{
    const dgk_ir_type *t = &c->k->ops[x].type;
    int64_t stride = 1;
    out[0] = 0;
    cat(c, out, "0");
    for (int a = t->rank - 1; a >= 0; a--) {
        if (t->ext[a] != 1)
            cat(c, out, " + (%s) * %lld", idx[a + u->rank - t->rank], (long long)stride);
        stride *= a == t->rank - 1 ? c->s->smem_ld[x] : t->ext[a];
    }
}

/* Operand x as read by element (e, j) of a tile of type u whose indices are idx[]. */
static void operand(simt_ctx *c, char *out, int x, const dgk_ir_type *u, char idx[][96])
{
    const dgk_ir_op *op = &c->k->ops[x];
    out[0] = 0;
    if (op->type.rank == 0) {
        cat(c, out, "v%d", x);
    } else if (dgk_ir_same_shape(&op->type, u) && c->inl[x]) {
        char xs[3][EXPR_MAX];
        const char *xp[3] = {xs[0], xs[1], xs[2]};
        for (int a = 0; a < op->nargs && a < 3; a++)
            operand(c, xs[a], op->args[a], u, idx);
        if (!compute_expr(c, out, op, xp))
            c->overflow = 1;
    } else if (dgk_ir_same_shape(&op->type, u)) {
        cat(c, out, "v%d[s]", x);
    } else {
        char flat[EXPR_MAX];
        if (c->s->smem_off[x] < 0)
            c->unshared = 1; /* a planner gap (mark_shared): never read smem + -1 */
        shared_index(c, flat, x, u, idx);
        cat(c, out, "((const %s *)(smem + %d))[%s]", compute_type(op->type.dtype), c->s->smem_off[x], flat);
    }
}

/* ---- expressions ------------------------------------------------------------------------ */

static const char *const op_fmt[DGK_OP_COUNT] = {
    [DGK_OP_ADD] = "$a + $b", [DGK_OP_SUB] = "$a - $b", [DGK_OP_MUL] = "$a * $b", [DGK_OP_DIV] = "$a / $b",
    [DGK_OP_MOD] = "$a % $b", [DGK_OP_SHL] = "$a << $b", [DGK_OP_SHR] = "$a >> $b", [DGK_OP_BAND] = "$a & $b",
    [DGK_OP_BOR] = "$a | $b", [DGK_OP_BXOR] = "$a ^ $b", [DGK_OP_EQ] = "$a == $b", [DGK_OP_NE] = "$a != $b",
    [DGK_OP_LT] = "$a < $b", [DGK_OP_LE] = "$a <= $b", [DGK_OP_GT] = "$a > $b", [DGK_OP_GE] = "$a >= $b",
    [DGK_OP_LAND] = "$a && $b", [DGK_OP_LOR] = "$a || $b", [DGK_OP_NEG] = "-$a", [DGK_OP_NOT] = "!$a",
    [DGK_OP_BNOT] = "~$a",
};

/* Builtins by the dtype they compute in: [0] floats, [1] integers. The float forms are
 * the GEMM epilogue's (emit_epilogue.c), so a function means the same in both. */
static const char *const fn_fmt[DGK_BI_COUNT][2] = {
    [DGK_BI_CDIV] = {NULL, "($a + $b - 1) / $b"},
    [DGK_BI_MIN] = {"fminf($a, $b)", "min($a, $b)"},
    [DGK_BI_MAX] = {"fmaxf($a, $b)", "max($a, $b)"},
    [DGK_BI_ABS] = {"fabsf($a)", "abs($a)"},
    [DGK_BI_RELU] = {"dgk_relu($a)", "$a > 0 ? $a : 0"},
    [DGK_BI_EXP] = {"dgk_exp($a)", NULL},
    [DGK_BI_EXP2] = {"dgk_ex2($a)", NULL},
    [DGK_BI_LOG] = {"__logf($a)", NULL},
    [DGK_BI_SQRT] = {"sqrtf($a)", NULL},
    [DGK_BI_RSQRT] = {"rsqrtf($a)", NULL},
    [DGK_BI_SILU] = {"dgk_silu($a)", NULL},
    [DGK_BI_SIGMOID] = {"dgk_sigmoid($a)", NULL},
    [DGK_BI_TANH] = {"dgk_tanh($a)", NULL},
    [DGK_BI_GELU] = {"dgk_gelu($a)", NULL},
    [DGK_BI_CLAMP] = {"fminf(fmaxf($a, $b), $c)", "min(max($a, $b), $c)"},
    [DGK_BI_WHERE] = {"$a ? $b : $c", "$a ? $b : $c"},
};

/* A reduction: combine per [0] float / [1] integer. */
static const char *const reduce_fmt[DGK_BI_COUNT][2] = {
    [DGK_BI_SUM] = {"$a + $b", "$a + $b"},
    [DGK_BI_AMAX] = {"fmaxf($a, $b)", "max($a, $b)"},
    [DGK_BI_AMIN] = {"fminf($a, $b)", "min($a, $b)"},
};

/* A reduction's start value, its identity in the type it computes in: the smallest value
 * for amax and the largest for amin (0 and UINT_MAX for u32, the 64-bit bounds for i64). */
static const char *reduce_init(int fn, dgk_dtype t)
{
    static const char *const f32[] = {"0.0f", "-__int_as_float(0x7f800000)", "__int_as_float(0x7f800000)"};
    static const char *const i32[] = {"0", "(-2147483647 - 1)", "2147483647"};
    static const char *const u32[] = {"0u", "0u", "4294967295u"};
    static const char *const i64[] = {"0LL", "(-9223372036854775807LL - 1)", "9223372036854775807LL"};
    int k = fn == DGK_BI_AMAX ? 1 : fn == DGK_BI_AMIN ? 2 : 0;
    if (is_float(t))
        return f32[k];
    if (t == DGK_DT_I64)
        return i64[k];
    return dgk_dtype_info_of(t)->cls == DGK_DTC_UINT ? u32[k] : i32[k];
}

/* Casts on the computed value: floats round through their format and come back as f32. */
static const char *const cast_fmt[DGK_DT_COUNT] = {
    [DGK_DT_F32] = "(float)$a",          [DGK_DT_BF16] = "dgk_round_bf16($a)", [DGK_DT_F16] = "dgk_round_f16($a)",
    [DGK_DT_E4M3] = "dgk_round_e4m3($a)", [DGK_DT_E5M2] = "dgk_round_e5m2($a)", [DGK_DT_UE8M0] = "dgk_round_ue8m0($a)",
    [DGK_DT_I32] = "(int)$a",            [DGK_DT_U32] = "(unsigned)$a",        [DGK_DT_I64] = "(long long)$a",
    [DGK_DT_BOOL] = "$a != 0",
};

static void const_text(simt_ctx *c, char *out, const dgk_ir_op *op)
{
    char num[64];
    out[0] = 0;
    if (!op->is_float)
        cat(c, out, "%lldLL", (long long)op->imm);
    else if (op->fimm != op->fimm)
        cat(c, out, "__int_as_float(0x7fc00000)");
    else if (op->fimm > 3.5e38 || op->fimm < -3.5e38)
        cat(c, out, "%s__int_as_float(0x7f800000)", op->fimm < 0 ? "-" : "");
    else {
        snprintf(num, sizeof num, "%.9g", op->fimm);
        cat(c, out, "%s%sf", num, strpbrk(num, ".e") ? "" : ".0");
    }
}

/* The value of an EW / SCALAR / SELECT / CAST op from its operand texts; 0 when the
 * backend has no form for it. */
static int compute_expr(simt_ctx *c, char *out, const dgk_ir_op *op, const char *const *x)
{
    const char *fmt = NULL;
    int integer = !is_float(op->type.dtype);
    if (op->opcode == DGK_IR_CAST)
        fmt = cast_fmt[op->type.dtype];
    else if (op->opcode == DGK_IR_SELECT)
        fmt = "$a ? $b : $c";
    else if (op->fn == DGK_BI_ABS && dgk_dtype_info_of(op->type.dtype)->cls == DGK_DTC_UINT)
        fmt = "$a"; /* CUDA's abs has no unsigned overload: the call would be ambiguous */
    else if (op->fn >= 0)
        fmt = fn_fmt[op->fn][integer];
    else
        fmt = op_fmt[op->op];
    if (!fmt)
        return 0;
    subst(c, out, fmt, x);
    return 1;
}

/* ---- ops ---------------------------------------------------------------------------------- */

/* A CTA barrier at the top level of the kernel (never under a condition that differs
 * between threads); it also orders every global load and store made before it. */
static void barrier(simt_ctx *c)
{
    dgk_sm90_line(c->e, "__syncthreads();");
    c->nsince = 0;
}

/* Slots per thread of a tile of n elements: groups of VEC consecutive elements, group g
 * of the thread being tid + j * THREADS. */
static int64_t groups_per_thread(const simt_ctx *c, const dgk_ir_type *t)
{
    int64_t per_pass = (int64_t)c->s->threads * c->s->vec;
    return (dgk_ir_numel(t) + per_pass - 1) / per_pass;
}

/* Opens the unrolled loops over a tile of type t's elements held by this thread: inside,
 * `e` is the element (row-major), `s` its slot in the thread's array; closes with
 * close_elements. */
static void open_elements(simt_ctx *c, const dgk_ir_type *t)
{
    int64_t n = dgk_ir_numel(t), vec = c->s->vec;
    dgk_sm90_line(c->e, "#pragma unroll");
    dgk_sm90_open(c->e, "for (int j = 0; j < %lld; ++j)", (long long)groups_per_thread(c, t));
    if (vec > 1) {
        dgk_sm90_line(c->e, "#pragma unroll");
        dgk_sm90_open(c->e, "for (int v = 0; v < VEC; ++v)");
        dgk_sm90_line(c->e, "const int s = j * VEC + v, e = (tid + j * THREADS) * VEC + v;");
    } else {
        dgk_sm90_line(c->e, "const int s = j, e = tid + j * THREADS;");
    }
    dgk_sm90_line(c->e, "(void)s, (void)e;");
    if (n % ((int64_t)c->s->threads * vec))
        dgk_sm90_open(c->e, "if (e < %lld)", (long long)n);
}

static void close_elements(simt_ctx *c, const dgk_ir_type *t)
{
    if (dgk_ir_numel(t) % ((int64_t)c->s->threads * c->s->vec))
        dgk_sm90_close(c->e, NULL);
    if (c->s->vec > 1)
        dgk_sm90_close(c->e, NULL);
    dgk_sm90_close(c->e, NULL);
}

/* (g / inner) % ext (no modulo for the first axis) for this thread's group g = tid + j *
 * THREADS, written so the compiler sees what does not change with j (tid < THREADS, j a
 * constant once the loops are unrolled): g / inner is tid / inner + j (THREADS / inner)
 * when inner divides THREADS, and j / (inner / THREADS) when THREADS divides inner. */
static int group_index(simt_ctx *c, char *out, int64_t inner, int64_t ext, int first)
{
    int64_t nt = c->s->threads;
    out[0] = 0;
    if (nt % inner == 0) {
        int64_t q = nt / inner;
        char base[64];
        snprintf(base, sizeof base, inner > 1 ? "(tid / %lld)" : "tid", (long long)inner);
        if (first)
            cat(c, out, "(%s + j * %lld)", base, (long long)q);
        else if (q % ext == 0)
            cat(c, out, "(%s %% %lld)", base, (long long)ext);
        else
            cat(c, out, "((%s + j * %lld) %% %lld)", base, (long long)q, (long long)ext);
        return 1;
    }
    if (inner % nt == 0) {
        cat(c, out, "(j / %lld)", (long long)(inner / nt));
        if (!first)
            cat(c, out, " %% %lld", (long long)ext);
        return 1;
    }
    return 0;
}

/* Index of axis `a` of this thread's element e = g * VEC + v. With P the elements per
 * index of the axis: when VEC divides P, e / P = g / (P / VEC); the last axis, when VEC
 * divides its extent, is (g % (ext / VEC)) * VEC + v. */
static int thread_axis_index(simt_ctx *c, char *out, const dgk_ir_type *t, int a)
{
    int64_t inner = 1, vec = c->s->vec, ext = t->ext[a];
    for (int i = a + 1; i < t->rank; i++)
        inner *= t->ext[i];
    if (inner % vec == 0)
        return group_index(c, out, inner / vec, ext, a == 0);
    if (a == t->rank - 1 && ext % vec == 0) {
        char g[EXPR_MAX];
        if (!group_index(c, g, 1, ext / vec, a == 0))
            return 0;
        out[0] = 0;
        cat(c, out, "(%s * VEC + v)", g);
        return 1;
    }
    return 0;
}

static void element_indices(simt_ctx *c, const dgk_ir_type *t, char idx[][96], const char *var)
{
    for (int a = 0; a < t->rank; a++) {
        char buf[EXPR_MAX];
        if (strcmp(var, "e") != 0 || !thread_axis_index(c, buf, t, a))
            axis_index(c, buf, t, a, var);
        size_t len = strlen(buf);
        if (len >= 96) {
            c->overflow = 1;
            len = 95;
        }
        memcpy(idx[a], buf, len);
        idx[a][len] = 0;
    }
}

static void declare_tile(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    int64_t slots = groups_per_thread(c, &op->type) * c->s->vec;
    dgk_sm90_line(c->e, "%s v%d[%lld];", compute_type(op->type.dtype), id, (long long)slots);
}

/* Address of tensor t's element at coordinates co[] and its bounds test. */
static void tensor_access(simt_ctx *c, char *addr, char *inb, int t, char co[][128])
{
    const dgk_ir_tensor *tn = &c->k->tensors[t];
    char buf[32];
    addr[0] = inb[0] = 0;
    cat(c, addr, "%s", c->p->args[c->s->ptr_arg[t]].name);
    for (int a = 0; a < tn->rank; a++) {
        if (a + 1 < tn->rank)
            cat(c, addr, " + (%s) * %s", co[a], c->p->args[c->s->stride_arg[t][a]].name);
        else
            cat(c, addr, " + (%s)", co[a]);
        cat(c, inb, "%s(unsigned long long)(%s) < (unsigned long long)%s", a ? " && " : "", co[a],
            dim_text(c, &c->s->extent[t][a], buf));
    }
}

/* Whether the whole slice of a load or store lies inside its tensor (the same in every
 * thread): then its elements need no bounds test. */
static void slice_inside(simt_ctx *c, char *out, const dgk_ir_op *op, int nstarts)
{
    char buf[32];
    out[0] = 0;
    for (int a = 0; a < nstarts; a++) {
        const char *ext = dim_text(c, &c->s->extent[op->tensor][a], buf);
        cat(c, out, "%s(long long)v%d >= 0 && (long long)v%d + %lld <= (long long)%s", a ? " && " : "", op->args[a],
            op->args[a], (long long)(op->ext[a] ? op->ext[a] : 1), ext);
    }
}

/* Coordinates of a load's or store's element: start + index along its ranges. */
static void slice_coords(simt_ctx *c, const dgk_ir_op *op, int nstarts, char idx[][96], char co[][128])
{
    for (int a = 0, r = 0; a < nstarts; a++) {
        if (op->ext[a])
            snprintf(co[a], 128, "(long long)v%d + %s", op->args[a], idx[r++]);
        else
            snprintf(co[a], 128, "(long long)v%d", op->args[a]);
    }
}

static const char *load_fn(const simt_ctx *c, int t)
{
    int written = c->k->tensors[t].written;
    if (is_float(c->k->tensors[t].dtype))
        return written ? "dgk_to_f32(*($a))" : "dgk_load_f32($a)";
    return written ? "*($a)" : "__ldg($a)";
}

/* Whether a slice of op (a LOAD_TILE, or a STORE's target) can move as groups of four
 * elements: groups of 4, the tile's last axis a range of the tensor's contiguous last axis
 * with a length a multiple of 4, a type dgk_load4 / dgk_put4 take. */
static int vector_slice(const simt_ctx *c, const dgk_ir_op *op, int nstarts, const dgk_ir_type *shape)
{
    dgk_dtype t = c->k->tensors[op->tensor].dtype;
    return c->s->vec == 4 && shape->rank > 0 && shape->ext[shape->rank - 1] % 4 == 0 && op->ext[nstarts - 1] &&
           !op->transposed && t != DGK_DT_I64;
}

/* The run-time half: the group's first element is 4 elements aligned (the base pointer,
 * every row stride and the last axis' start). */
static void vector_aligned(simt_ctx *c, char *out, const dgk_ir_op *op, int nstarts)
{
    int t = op->tensor, bytes = 4 * dgk_dtype_bits(c->k->tensors[t].dtype) / 8;
    out[0] = 0;
    cat(c, out, "(unsigned long long)%s %% %d == 0 && (long long)v%d %% 4 == 0", c->p->args[c->s->ptr_arg[t]].name, bytes,
        op->args[nstarts - 1]);
    for (int a = 0; a + 1 < nstarts; a++)
        cat(c, out, " && %s %% 4 == 0", c->p->args[c->s->stride_arg[t][a]].name);
}

/* Opens the loop over this thread's groups whose first element (v = 0) exists. */
static void open_groups(simt_ctx *c, const dgk_ir_type *t)
{
    dgk_sm90_line(c->e, "#pragma unroll");
    dgk_sm90_open(c->e, "for (int j = 0; j < %lld; ++j)", (long long)groups_per_thread(c, t));
    dgk_sm90_line(c->e, "const int v = 0, s = j * VEC, e = (tid + j * THREADS) * VEC;");
    dgk_sm90_line(c->e, "(void)v, (void)s, (void)e;");
    if (dgk_ir_numel(t) % ((int64_t)c->s->threads * c->s->vec))
        dgk_sm90_open(c->e, "if (e < %lld)", (long long)dgk_ir_numel(t));
}

static void close_groups(simt_ctx *c, const dgk_ir_type *t)
{
    if (dgk_ir_numel(t) % ((int64_t)c->s->threads * c->s->vec))
        dgk_sm90_close(c->e, NULL);
    dgk_sm90_close(c->e, NULL);
}

static void emit_load(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    char idx[DGK_IR_MAX_RANK][96], co[DGK_IR_MAX_RANK][128], addr[EXPR_MAX], inb[EXPR_MAX], val[EXPR_MAX];
    const char *xs[1] = {addr};
    int tile = op->opcode == DGK_IR_LOAD_TILE;
    if (tile) {
        char inside[EXPR_MAX];
        declare_tile(c, id);
        slice_inside(c, inside, op, op->nargs);
        element_indices(c, &op->type, idx, "e");
        slice_coords(c, op, op->nargs, idx, co);
        tensor_access(c, addr, inb, op->tensor, co);
        subst(c, val, load_fn(c, op->tensor), xs);
        if (vector_slice(c, op, op->nargs, &op->type)) {
            char al[EXPR_MAX];
            vector_aligned(c, al, op, op->nargs);
            dgk_sm90_open(c->e, "if (%s && %s)", inside, al);
            open_groups(c, &op->type);
            dgk_sm90_line(c->e, "dgk_load4(%s, &v%d[s], %d);", addr, id, !c->k->tensors[op->tensor].written);
            close_groups(c, &op->type);
        } else {
            dgk_sm90_open(c->e, "if (%s)", inside);
            open_elements(c, &op->type);
            dgk_sm90_line(c->e, "v%d[s] = %s;", id, val);
            close_elements(c, &op->type);
        }
        dgk_sm90_close(c->e, " else {  // the slice crosses an edge (or is not aligned): elements past it read 0");
        c->e->indent++;
        open_elements(c, &op->type);
        dgk_sm90_line(c->e, "v%d[s] = %s ? %s : 0;", id, inb, val);
        close_elements(c, &op->type);
        dgk_sm90_close(c->e, NULL);
        return;
    }
    slice_coords(c, op, op->nargs, idx, co);
    tensor_access(c, addr, inb, op->tensor, co);
    subst(c, val, load_fn(c, op->tensor), xs);
    dgk_sm90_line(c->e, "const %s v%d = %s ? %s : 0;", compute_type(op->type.dtype), id, inb, val);
}

/* The value written to memory of dtype t from computed text v. */
static void store_stmt(simt_ctx *c, const dgk_ir_op *op, const char *addr, const char *v)
{
    dgk_dtype t = c->k->tensors[op->tensor].dtype;
    int acc = op->op == DGK_OP_ADD_ASSIGN;
    char sum[EXPR_MAX];
    sum[0] = 0;
    if (acc)
        cat(c, sum, "%s(*(%s)) + (%s)", is_float(t) ? "dgk_to_f32" : "", addr, v);
    else
        cat(c, sum, "%s", v);
    if (is_float(t))
        dgk_sm90_line(c->e, "dgk_put(%s, %s);", addr, sum);
    else
        dgk_sm90_line(c->e, "*(%s) = (%s)(%s);", addr, dgk_sm90_ctype(t), sum);
}

/* The op whose value a store writes: a cast to the tensor's own float format is left to
 * dgk_put, which rounds the same way (rounding twice to one format is rounding once).
 * Not for `+=`: there the cast rounds the addend, before the sum is rounded. Nor for a
 * cast the store reads from its shared copy (a broadcast): its operand has none. */
static int stored_value(const simt_ctx *c, const dgk_ir_op *store)
{
    int v = store->args[store->nargs - 1];
    const dgk_ir_op *op = &c->k->ops[v];
    dgk_dtype t = c->k->tensors[store->tensor].dtype;
    if (store->op == DGK_OP_ASSIGN && c->s->smem_off[v] < 0 && op->opcode == DGK_IR_CAST && op->type.dtype == t && is_float(t) &&
        c->k->ops[op->args[0]].type.rank == op->type.rank && is_float(c->k->ops[op->args[0]].type.dtype))
        return op->args[0];
    return v;
}

static void emit_store(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    char idx[DGK_IR_MAX_RANK][96], co[DGK_IR_MAX_RANK][128], addr[EXPR_MAX], inb[EXPR_MAX], v[EXPR_MAX];
    dgk_ir_type shape = dgk_ir_store_shape(op);
    int n = op->nargs - 1;
    if (shape.rank == 0) {
        slice_coords(c, op, n, idx, co);
        tensor_access(c, addr, inb, op->tensor, co);
        dgk_sm90_open(c->e, "if (tid == 0 && %s)", inb);
        snprintf(v, sizeof v, "v%d", op->args[n]);
        store_stmt(c, op, addr, v);
        dgk_sm90_close(c->e, NULL);
        return;
    }
    char inside[EXPR_MAX];
    slice_inside(c, inside, op, n);
    element_indices(c, &shape, idx, "e");
    slice_coords(c, op, n, idx, co);
    tensor_access(c, addr, inb, op->tensor, co);
    operand(c, v, stored_value(c, op), &shape, idx);
    if (op->op == DGK_OP_ASSIGN && vector_slice(c, op, n, &shape)) {
        char al[EXPR_MAX];
        const char *ct = compute_type(c->k->tensors[op->tensor].dtype);
        vector_aligned(c, al, op, n);
        dgk_sm90_open(c->e, "if (%s && %s)", inside, al);
        open_groups(c, &shape);
        dgk_sm90_line(c->e, "%s four[4];", ct);
        dgk_sm90_line(c->e, "#pragma unroll");
        dgk_sm90_open(c->e, "for (int v = 0; v < VEC; ++v)");
        dgk_sm90_line(c->e, "const int s = j * VEC + v, e = (tid + j * THREADS) * VEC + v;");
        dgk_sm90_line(c->e, "(void)s, (void)e;");
        dgk_sm90_line(c->e, "four[v] = %s;", v);
        dgk_sm90_close(c->e, NULL);
        dgk_sm90_line(c->e, "dgk_put4(%s, four);", addr);
        close_groups(c, &shape);
    } else {
        dgk_sm90_open(c->e, "if (%s)", inside);
        open_elements(c, &shape);
        store_stmt(c, op, addr, v);
        close_elements(c, &shape);
    }
    dgk_sm90_close(c->e, " else {  // the slice crosses an edge (or is not aligned): elements past it are not stored");
    c->e->indent++;
    open_elements(c, &shape);
    dgk_sm90_open(c->e, "if (%s)", inb);
    store_stmt(c, op, addr, v);
    dgk_sm90_close(c->e, NULL);
    close_elements(c, &shape);
    dgk_sm90_close(c->e, NULL);
}

/* EW, SELECT, CAST, FULL, IOTA, ZEROS, RESHAPE, ACC_INIT, TRANSPOSE on tiles; the first
 * three also on scalars. */
static int emit_compute(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    char idx[DGK_IR_MAX_RANK][96], xs[3][EXPR_MAX], out[EXPR_MAX];
    const char *xp[3] = {xs[0], xs[1], xs[2]};
    int tile = op->type.rank > 0;
    if (tile) {
        declare_tile(c, id);
        open_elements(c, &op->type);
        element_indices(c, &op->type, idx, "e");
    }
    int ok = 1;
    switch (op->opcode) {
    case DGK_IR_FULL: operand(c, out, op->args[0], &op->type, idx); break;
    case DGK_IR_IOTA: snprintf(out, sizeof out, "e"); break;
    case DGK_IR_ZEROS: snprintf(out, sizeof out, "0"); break;
    case DGK_IR_RESHAPE:
    case DGK_IR_ACC_INIT:
        snprintf(out, sizeof out, c->k->ops[op->args[0]].type.rank ? "v%d[s]" : "v%d", op->args[0]);
        break;
    case DGK_IR_TRANSPOSE: {
        char tidx[DGK_IR_MAX_RANK][96];
        for (int a = 0; a < op->type.rank; a++)
            snprintf(tidx[a], 96, "%s", idx[op->type.rank - 1 - a]);
        char flat[EXPR_MAX];
        shared_index(c, flat, op->args[0], &c->k->ops[op->args[0]].type, tidx);
        out[0] = 0;
        cat(c, out, "((const %s *)(smem + %d))[%s]", compute_type(op->type.dtype), c->s->smem_off[op->args[0]], flat);
        break;
    }
    default:
        for (int a = 0; a < op->nargs && a < 3; a++)
            operand(c, xs[a], op->args[a], &op->type, idx);
        ok = compute_expr(c, out, op, xp);
        break;
    }
    if (!ok)
        dgk_error(c->e->d, op->loc, "the elementwise backend has no form for this operation on %s",
                  dgk_dtype_name(op->type.dtype));
    if (tile) {
        dgk_sm90_line(c->e, "v%d[s] = %s;", id, out);
        close_elements(c, &op->type);
    } else {
        dgk_sm90_line(c->e, "const %s v%d = %s;", compute_type(op->type.dtype), id, out);
    }
    return ok;
}

/* Element o's reduction over the input's axis as text: the input's shared index with
 * `l` at the reduced axis. */
static void reduce_index(simt_ctx *c, char *out, const dgk_ir_op *op, const char *o)
{
    const dgk_ir_type *in = &c->k->ops[op->args[0]].type;
    char idx[DGK_IR_MAX_RANK][96], oidx[DGK_IR_MAX_RANK][96];
    element_indices(c, &op->type, oidx, o);
    for (int a = 0, r = 0; a < in->rank; a++)
        snprintf(idx[a], 96, "%s", a == op->axis ? "l" : oidx[r++]);
    shared_index(c, out, op->args[0], in, idx);
}

/* A reduction of the input's last axis whose rows each lie in `lanes` consecutive threads
 * of one warp: each thread reduces its group, xor shuffles over the row's lanes (a fixed
 * tree), the row's first lane writes the result to shared memory, from where the output
 * tile is read in its own layout. */
static void emit_warp_reduce(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    const dgk_ir_op *in = &c->k->ops[op->args[0]];
    int integer = !is_float(op->type.dtype), lanes = c->s->lanes[id];
    const char *ct = compute_type(op->type.dtype);
    char comb[EXPR_MAX], other[EXPR_MAX], cur[EXPR_MAX];
    const char *xs[2] = {"acc", cur};
    dgk_sm90_line(c->e, "// each row of v%d in %d lanes of one warp: xor shuffles, the row's first lane writes", op->args[0],
                  lanes);
    dgk_sm90_line(c->e, "#pragma unroll");
    dgk_sm90_open(c->e, "for (int j = 0; j < %lld; ++j)", (long long)groups_per_thread(c, &in->type));
    dgk_sm90_line(c->e, "const int g = tid + j * THREADS;");
    dgk_sm90_line(c->e, "const bool here = g * VEC < %lld;", (long long)dgk_ir_numel(&in->type));
    dgk_sm90_line(c->e, "%s acc = %s;", ct, reduce_init(op->fn, op->type.dtype));
    snprintf(cur, sizeof cur, "v%d[j * VEC + v]", op->args[0]);
    subst(c, comb, reduce_fmt[op->fn][integer], xs);
    dgk_sm90_line(c->e, "#pragma unroll");
    dgk_sm90_line(c->e, "for (int v = 0; v < VEC; ++v) if (here) acc = %s;", comb);
    snprintf(cur, sizeof cur, "__shfl_xor_sync(0xffffffffu, acc, m)");
    subst(c, other, reduce_fmt[op->fn][integer], xs);
    dgk_sm90_line(c->e, "#pragma unroll");
    dgk_sm90_line(c->e, "for (int m = %d; m > 0; m /= 2) acc = %s;", lanes / 2, other);
    dgk_sm90_line(c->e, "if (here && g %% %d == 0) ((%s *)(smem + %d))[g / %d] = acc;", lanes, ct, c->s->part_off[id], lanes);
    dgk_sm90_close(c->e, NULL);
    barrier(c);
    declare_tile(c, id);
    open_elements(c, &op->type);
    dgk_sm90_line(c->e, "v%d[s] = ((const %s *)(smem + %d))[e];", id, ct, c->s->part_off[id]);
    close_elements(c, &op->type);
}

static void emit_reduce(simt_ctx *c, int id)
{
    if (c->s->lanes[id]) {
        emit_warp_reduce(c, id);
        return;
    }
    const dgk_ir_op *op = &c->k->ops[id];
    const dgk_ir_op *in = &c->k->ops[op->args[0]];
    int integer = !is_float(op->type.dtype), parts = c->s->parts[id];
    int64_t outs = op->type.rank ? dgk_ir_numel(&op->type) : 1, len = in->type.ext[op->axis];
    const char *ct = compute_type(op->type.dtype);
    char comb[EXPR_MAX], flat[EXPR_MAX], src[EXPR_MAX];
    const char *xs[2] = {"acc", src};
    if (parts > 1) {
        dgk_sm90_line(c->e, "// %lld outputs, %d threads each over strided slices of %lld", (long long)outs, parts,
                      (long long)len);
        dgk_sm90_open(c->e, "for (int w = tid; w < %lld; w += THREADS)", (long long)outs * parts);
        dgk_sm90_line(c->e, "const int o = w / %d, part = w %% %d;", parts, parts);
        dgk_sm90_line(c->e, "%s acc = %s;", ct, reduce_init(op->fn, op->type.dtype));
        reduce_index(c, flat, op, "o");
        src[0] = 0;
        cat(c, src, "((const %s *)(smem + %d))[%s]", ct, c->s->smem_off[op->args[0]], flat);
        subst(c, comb, reduce_fmt[op->fn][integer], xs);
        dgk_sm90_line(c->e, "for (int l = part; l < %lld; l += %d) acc = %s;", (long long)len, parts, comb);
        dgk_sm90_line(c->e, "((%s *)(smem + %d))[w] = acc;", ct, c->s->part_off[id]);
        dgk_sm90_close(c->e, NULL);
        barrier(c);
        /* a fixed tree over each output's partials: log2(parts) steps, not parts serial ones */
        dgk_sm90_open(c->e, "for (int half = %d; half > 0; half /= 2)", parts / 2);
        dgk_sm90_open(c->e, "for (int w = tid; w < %lld * half; w += THREADS)", (long long)outs);
        dgk_sm90_line(c->e, "%s *const q = (%s *)(smem + %d) + (w / half) * %d + w %% half;", ct, ct, c->s->part_off[id],
                      parts);
        snprintf(src, sizeof src, "q[half]");
        xs[0] = "q[0]";
        subst(c, comb, reduce_fmt[op->fn][integer], xs);
        xs[0] = "acc";
        dgk_sm90_line(c->e, "q[0] = %s;", comb);
        dgk_sm90_close(c->e, NULL);
        dgk_sm90_line(c->e, "__syncthreads();");
        dgk_sm90_close(c->e, NULL);
        snprintf(src, sizeof src, "((const %s *)(smem + %d))[o * %d + l]", ct, c->s->part_off[id], parts);
        subst(c, comb, reduce_fmt[op->fn][integer], xs);
        len = 1;
    } else {
        reduce_index(c, flat, op, "o");
        src[0] = 0;
        cat(c, src, "((const %s *)(smem + %d))[%s]", ct, c->s->smem_off[op->args[0]], flat);
        subst(c, comb, reduce_fmt[op->fn][integer], xs);
    }
    /* the combine, in a fixed order: l = 0, 1, ... */
    if (op->type.rank == 0) {
        dgk_sm90_line(c->e, "%s v%d;", ct, id);
        dgk_sm90_line(c->e, "{");
        c->e->indent++;
        dgk_sm90_line(c->e, "const int o = 0;");
    } else {
        declare_tile(c, id);
        open_elements(c, &op->type);
        dgk_sm90_line(c->e, "const int o = e;");
    }
    dgk_sm90_line(c->e, "%s acc = %s;", ct, reduce_init(op->fn, op->type.dtype));
    dgk_sm90_line(c->e, "for (int l = 0; l < %lld; ++l) acc = %s;", (long long)len, comb);
    if (op->type.rank == 0) {
        dgk_sm90_line(c->e, "(void)o;");
        dgk_sm90_line(c->e, "v%d = acc;", id);
        dgk_sm90_close(c->e, NULL);
    } else {
        dgk_sm90_line(c->e, "v%d[s] = acc;", id);
        close_elements(c, &op->type);
    }
}

/* Writes tile `id` to its shared copy; the barrier makes it visible to every thread. */
static void emit_share(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    char idx[DGK_IR_MAX_RANK][96], flat[EXPR_MAX];
    dgk_sm90_line(c->e, "// v%d is read across threads: a shared copy", id);
    open_elements(c, &op->type);
    element_indices(c, &op->type, idx, "e");
    shared_index(c, flat, id, &op->type, idx);
    dgk_sm90_line(c->e, "((%s *)(smem + %d))[%s] = v%d[s];", compute_type(op->type.dtype), c->s->smem_off[id], flat, id);
    close_elements(c, &op->type);
    barrier(c);
}

/* A schedule variable: its index in row-major order over the extents, from blockIdx.x. */
static void emit_coord(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    char buf[EXPR_MAX];
    buf[0] = 0;
    cat(c, buf, "(long long)blockIdx.x");
    for (int a = op->axis + 1; a < c->k->nsched; a++)
        cat(c, buf, " / (long long)v%d", c->k->sched_extents[a]);
    if (op->axis > 0)
        cat(c, buf, " %% (long long)v%d", c->k->sched_extents[op->axis]);
    dgk_sm90_line(c->e, "const int v%d = (int)(%s);  // %s", id, buf, op->name ? op->name : "");
}

static void emit_scalar_leaf(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    char buf[EXPR_MAX], d[32];
    const char *ct = compute_type(op->type.dtype);
    switch (op->opcode) {
    case DGK_IR_CONST:
        const_text(c, buf, op);
        dgk_sm90_line(c->e, "const %s v%d = %s;", ct, id, buf);
        break;
    case DGK_IR_SHAPE:
        dgk_sm90_line(c->e, "const int v%d = %s;  // %s", id, dim_text(c, &c->s->extent[op->tensor][op->axis], d),
                      op->name ? op->name : "");
        break;
    case DGK_IR_PARAM:
        dgk_sm90_line(c->e, "const %s v%d = %s;", ct, id, c->p->args[c->s->scalar_arg[op->param]].name);
        break;
    default: break;
    }
}

/* ---- ordering of global memory ---------------------------------------------------------- */

/* Whether scalar ops a and b compute the same value (the same start written twice). */
static int same_value(const simt_ctx *c, int a, int b)
{
    const dgk_ir_op *x = &c->k->ops[a], *y = &c->k->ops[b];
    if (a == b)
        return 1;
    if (x->opcode != y->opcode || x->type.rank || y->type.rank)
        return 0;
    switch (x->opcode) {
    case DGK_IR_CONST: return x->is_float == y->is_float && (x->is_float ? x->fimm == y->fimm : x->imm == y->imm);
    case DGK_IR_SHAPE: return x->tensor == y->tensor && x->axis == y->axis;
    case DGK_IR_TILE_COORD: return x->axis == y->axis;
    case DGK_IR_PARAM: return x->param == y->param;
    case DGK_IR_SCALAR:
        if (x->op != y->op || x->fn != y->fn || x->nargs != y->nargs)
            return 0;
        for (int i = 0; i < x->nargs; i++)
            if (!same_value(c, x->args[i], y->args[i]))
                return 0;
        return 1;
    default: return 0; /* a load: memory may have changed in between */
    }
}

static int is_store(const dgk_ir_op *op)
{
    return op->opcode == DGK_IR_STORE;
}

/* Whether accesses a and b of one tensor touch each address from the same thread: two
 * stores of single elements (both by thread 0), or two slices with the same starts and
 * extents (element e of both is thread (e / VEC) % THREADS's, vector access or not). */
static int same_thread(const simt_ctx *c, const dgk_ir_op *a, const dgk_ir_op *b)
{
    int na = a->nargs - is_store(a), nb = b->nargs - is_store(b), tile_a = 0, tile_b = 0;
    for (int i = 0; i < na; i++)
        tile_a |= a->ext[i] != 0;
    for (int i = 0; i < nb; i++)
        tile_b |= b->ext[i] != 0;
    if (!tile_a && !tile_b && is_store(a) && is_store(b))
        return 1;
    if (!tile_a || !tile_b || na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (a->ext[i] != b->ext[i] || !same_value(c, a->args[i], b->args[i]))
            return 0;
    return 1;
}

/* A scalar start as a symbolic part plus a constant: `x + 5`, `x - 5`, `5`, `b * 128` with
 * b an unrolled loop's constant (*sym is -1 for a constant). 0 on overflow. */
static int split_start(const simt_ctx *c, int id, int *sym, int64_t *off)
{
    const dgk_ir_op *op = &c->k->ops[id];
    int64_t x, y;
    int sx, sy;
    if (op->opcode == DGK_IR_CONST && !op->is_float)
        return (*sym = -1, *off = op->imm), 1;
    if (op->opcode != DGK_IR_SCALAR || op->fn >= 0 || op->nargs != 2 ||
        (op->op != DGK_OP_ADD && op->op != DGK_OP_SUB && op->op != DGK_OP_MUL))
        return (*sym = id, *off = 0), 1;
    if (!split_start(c, op->args[0], &sx, &x) || !split_start(c, op->args[1], &sy, &y))
        return 0;
    if (sx < 0 && sy < 0) /* constants on both sides fold */
        return (*sym = -1), op->op == DGK_OP_ADD   ? !__builtin_add_overflow(x, y, off)
                            : op->op == DGK_OP_SUB ? !__builtin_sub_overflow(x, y, off)
                                                   : !__builtin_mul_overflow(x, y, off);
    if (op->op == DGK_OP_MUL || (sx >= 0 && sy >= 0) || (op->op == DGK_OP_SUB && sx < 0))
        return (*sym = id, *off = 0), 1;
    *sym = sx >= 0 ? sx : sy; /* sym + const, const + sym, sym - const */
    if (op->op == DGK_OP_SUB)
        return !__builtin_sub_overflow(x, y, off);
    return !__builtin_add_overflow(x, y, off);
}

/* Whether accesses a and b of one tensor touch no common element: along some axis their
 * starts differ by a constant at least the earlier one's length (different columns of
 * an unrolled loop's stores, for example). */
static int disjoint(const simt_ctx *c, const dgk_ir_op *a, const dgk_ir_op *b)
{
    int na = a->nargs - is_store(a), nb = b->nargs - is_store(b);
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++) {
        int sa, sb;
        int64_t oa, ob, la = a->ext[i] ? a->ext[i] : 1, lb = b->ext[i] ? b->ext[i] : 1;
        if (!split_start(c, a->args[i], &sa, &oa) || !split_start(c, b->args[i], &sb, &ob))
            continue;
        if (!((sa < 0 && sb < 0) || (sa >= 0 && sb >= 0 && same_value(c, sa, sb))))
            continue;
        int64_t gap;
        if (oa <= ob ? !__builtin_sub_overflow(ob, oa, &gap) && gap >= la : !__builtin_sub_overflow(oa, ob, &gap) && gap >= lb)
            return 1;
    }
    return 0;
}

/* Before load or store `id`: a barrier when an earlier access of its tensor since the
 * last one, either of them a store, may touch an address of it from another thread, as
 * far as the starts show (a
 * store then a load of what it wrote, a load then a store over what it read, two stores
 * to one address), so the CTA's accesses happen in program order. */
static void order_access(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    for (int i = 0; i < c->nsince; i++) {
        const dgk_ir_op *prev = &c->k->ops[c->since[i]];
        if (prev->tensor == op->tensor && (is_store(prev) || is_store(op)) && !same_thread(c, prev, op) &&
            !disjoint(c, prev, op)) {
            dgk_sm90_line(c->e, "// %s is written and read by different threads: in program order", c->k->tensors[op->tensor].name);
            barrier(c);
            break;
        }
    }
    c->since[c->nsince++] = id;
}

/* An elementwise tile op with one user that reads it at the same positions is written
 * into that user's expression instead of an array of its own: a chain such as
 * `e4m3(x / s)` into a store keeps one array live, not three. */
static void find_inline(simt_ctx *c)
{
    const dgk_ir_kernel *k = c->k;
    int *uses = calloc((size_t)k->nops, sizeof *uses), *user = calloc((size_t)k->nops, sizeof *user);
    int *size = calloc((size_t)k->nops, sizeof *size);
    if (!uses || !user || !size) {
        free(uses);
        free(user);
        free(size);
        return;
    }
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i];
        for (int a = 0; a < op->nargs; a++)
            uses[op->args[a]]++, user[op->args[a]] = i;
    }
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i], *u = &k->ops[user[i]];
        int pure = op->opcode == DGK_IR_EW || op->opcode == DGK_IR_CAST || op->opcode == DGK_IR_SELECT;
        int reader = u->opcode == DGK_IR_EW || u->opcode == DGK_IR_CAST || u->opcode == DGK_IR_SELECT ||
                     (u->opcode == DGK_IR_STORE && u->args[u->nargs - 1] == i);
        dgk_ir_type ut = u->opcode == DGK_IR_STORE ? dgk_ir_store_shape(u) : u->type;
        c->inl[i] = (char)(pure && op->type.rank > 0 && uses[i] == 1 && reader && c->s->smem_off[i] < 0 &&
                           dgk_ir_same_shape(&op->type, &ut));
        /* the ops written into one expression, this one and its inlined operands: a long
         * chain gets an array every INLINE_MAX ops, so its text stays within EXPR_MAX */
        size[i] = 1;
        for (int a = 0; a < op->nargs; a++)
            if (c->inl[op->args[a]])
                size[i] += size[op->args[a]];
        if (size[i] > INLINE_MAX)
            c->inl[i] = 0;
    }
    free(uses);
    free(user);
    free(size);
}

static int emit_op(simt_ctx *c, int id)
{
    const dgk_ir_op *op = &c->k->ops[id];
    if (c->inl[id])
        return 1;
    switch (op->opcode) {
    case DGK_IR_CONST:
    case DGK_IR_SHAPE:
    case DGK_IR_PARAM: emit_scalar_leaf(c, id); return 1;
    case DGK_IR_TILE_COORD: emit_coord(c, id); return 1;
    case DGK_IR_LOAD_SCALAR:
    case DGK_IR_LOAD_TILE:
        order_access(c, id);
        emit_load(c, id);
        break;
    case DGK_IR_STORE:
        order_access(c, id);
        emit_store(c, id);
        return 1;
    case DGK_IR_REDUCE: emit_reduce(c, id); break;
    case DGK_IR_RETURN:
        if (op->nargs)
            dgk_sm90_line(c->e, "if (v%d) return;  // the whole CTA: the condition is the same in every thread", op->args[0]);
        else
            dgk_sm90_line(c->e, "return;");
        return 1;
    default:
        if (!emit_compute(c, id))
            return 0;
        break;
    }
    if (c->s->smem_off[id] >= 0)
        emit_share(c, id);
    return 1;
}

/* ---- the file ------------------------------------------------------------------------------ */

/* The kernel parameters as C names, each once, each of a type the kernel can take
 * (dgk_sm90_check does this for the GEMM path, which this one does not run). */
static int check_args(const simt_ctx *c)
{
    const dgk_plan *p = c->p;
    int errors = 0;
    if (!dgk_is_c_ident(p->name)) {
        dgk_error(c->e->d, p->loc, "kernel name is not a C identifier");
        errors++;
    } else if (dgk_sm90_kernel_name_clash(p->name)) {
        dgk_error(c->e->d, p->loc, "kernel name '%s' %s; rename it", p->name, dgk_sm90_kernel_name_clash(p->name));
        errors++;
    }
    for (int i = 0; i < p->nargs; i++) {
        const dgk_kernel_arg *a = &p->args[i];
        const char *why = NULL, *clash = a->name ? dgk_sm90_name_clash(a->name, DGK_SM90_CODE_SIMT) : NULL;
        if (!dgk_is_c_ident(a->name))
            why = "is not a C identifier";
        else if (clash)
            why = clash;
        else if ((a->kind == DGK_ARG_PTR || a->kind == DGK_ARG_SCALAR) && !dgk_sm90_ctype(a->dtype))
            why = "has a dtype SM90 kernels cannot take";
        for (int j = 0; j < i && !why; j++)
            if (strcmp(a->name, p->args[j].name) == 0)
                why = "is the name of another kernel parameter";
        if (why) {
            dgk_error(c->e->d, a->loc, "kernel parameter '%s' %s%s", a->name ? a->name : "(null)", why,
                      why == clash ? "; rename it" : "");
            errors++;
        }
    }
    return errors;
}

static void emit_signature(simt_ctx *c)
{
    const dgk_plan *p = c->p;
    dgk_sm90_line(c->e, "extern \"C\" __global__ void __launch_bounds__(%d)", c->s->threads);
    dgk_sm90_line(c->e, "%s(", p->name);
    c->e->indent++;
    for (int i = 0; i < p->nargs; i++) {
        const dgk_kernel_arg *a = &p->args[i];
        const char *sep = i == p->nargs - 1 ? ")" : ",";
        switch (a->kind) {
        case DGK_ARG_PTR:
            if (c->k->tensors[a->param].written)
                dgk_sm90_line(c->e, "%s *%s%s", dgk_sm90_ctype(a->dtype), a->name, sep);
            else
                dgk_sm90_line(c->e, "const %s *__restrict__ %s%s", dgk_sm90_ctype(a->dtype), a->name, sep);
            break;
        case DGK_ARG_SHAPE: dgk_sm90_line(c->e, "int %s%s", a->name, sep); break;
        case DGK_ARG_STRIDE: dgk_sm90_line(c->e, "long long %s%s", a->name, sep); break;
        default: dgk_sm90_line(c->e, "%s %s%s", dgk_sm90_ctype(a->dtype), a->name, sep); break;
        }
    }
    if (p->nargs == 0)
        dgk_sm90_line(c->e, "void)");
    c->e->indent--;
}

static int emit_file(simt_ctx *c);

int dgk_sm90_emit_simt(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    simt_ctx c = {.e = e, .p = p, .s = p->simt, .k = p->simt->k};
    int errors = check_args(&c);
    if (errors)
        return errors;
    c.inl = calloc((size_t)(c.k->nops ? c.k->nops : 1), 1);
    c.since = calloc((size_t)(c.k->nops ? c.k->nops : 1), sizeof *c.since);
    if (!c.inl || !c.since) {
        free(c.inl);
        free(c.since);
        dgk_error(e->d, p->loc, "out of memory while writing kernel %s", p->name);
        return 1;
    }
    find_inline(&c);
    size_t start = e->out->len;
    errors = emit_file(&c);
    if (c.overflow && !errors && !e->out->failed && e->out->data) {
        /* operands long enough (shared reads of rank-4 tiles) to overflow even a bounded
         * chain: again with every tile op in an array of its own */
        e->out->len = start;
        e->out->data[start] = 0;
        memset(c.inl, 0, (size_t)(c.k->nops ? c.k->nops : 1));
        c.overflow = c.nsince = 0;
        errors = emit_file(&c);
    }
    if (c.overflow) {
        dgk_error(e->d, p->loc, "internal: an expression of kernel %s is too long for the elementwise emitter", p->name);
        errors++;
    }
    if (c.unshared) {
        dgk_error(e->d, p->loc, "internal: kernel %s reads a tile across threads that the plan gave no shared copy", p->name);
        errors++;
    }
    free(c.inl);
    free(c.since);
    return errors;
}

/* The whole file; returns the ops that had no form. */
static int emit_file(simt_ctx *c)
{
    dgk_sm90_ctx *e = c->e;
    const dgk_plan *p = c->p;
    int errors = 0;
    const char *src = p->loc.src && p->loc.src->name ? p->loc.src->name : "(no source)";
    dgk_sm90_line(e, "// %s - generated by dgk from %s for sm_90a; do not edit.", p->name, src);
    dgk_sm90_line(e, "// Elementwise kernel: one CTA of %d threads per tile of the %d-D grid, %d bytes of shared memory.",
                  c->s->threads, c->k->nsched, p->launch.smem_bytes);
    dgk_sm90_line(e, "#include \"" DGK_SM90_HEADER_NAME "\"");
    dgk_sm90_line(e, "%s", "");
    dgk_sm90_loc(e, p->loc, "kernel");
    emit_signature(c);
    dgk_sm90_line(e, "{");
    e->indent++;
    dgk_sm90_line(e, "enum { THREADS = %d, VEC = %d };  // a thread holds groups of VEC consecutive elements", c->s->threads,
                  c->s->vec);
    if (p->launch.smem_bytes)
        dgk_sm90_line(e, "extern __shared__ __align__(16) dgk_u8 smem[];");
    dgk_sm90_line(e, "const int tid = threadIdx.x;");
    dgk_loc last = {0};
    for (int i = 0; i < c->k->nops; i++) {
        const dgk_ir_op *op = &c->k->ops[i];
        if (op->loc.line != last.line && op->type.rank > 0) {
            dgk_sm90_loc(e, op->loc, dgk_ir_opcode_name(op->opcode));
            last = op->loc;
        } else if (op->opcode == DGK_IR_STORE) {
            dgk_sm90_loc(e, op->loc, "store");
            last = op->loc;
        }
        if (!emit_op(c, i))
            errors++;
    }
    e->indent--;
    dgk_sm90_line(e, "}");
    return errors;
}
