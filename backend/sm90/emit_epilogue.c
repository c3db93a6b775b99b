/* emit_epilogue.c - the epilogue: the plan's elementwise SSA program as one inline
 * function of (accumulator element, row, column), and per tile the store path:
 * registers -> shared-memory staging laid out exactly as the output's TMA boxes
 * (swizzled; stmatrix for 16-bit outputs, st.shared otherwise) -> one TMA store (or
 * reduce-add) per box, issued by one thread per consumer warpgroup. The staging buffer
 * is reused only after the previous tile's store has read it (bulk wait_group.read), so
 * the store overlaps the next tile's mainloop. Tile edges are clipped by TMA. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit_internal.h"

/* Expression templates for the pure math ops: $a $b $c are the operands. */
static const char *const op_fmt[DGK_EPI_COUNT] = {
    [DGK_EPI_NEG] = "-$a",           [DGK_EPI_ABS] = "fabsf($a)",     [DGK_EPI_EXP] = "dgk_exp($a)",
    [DGK_EPI_EXP2] = "dgk_ex2($a)",  [DGK_EPI_LOG] = "__logf($a)",    [DGK_EPI_SQRT] = "sqrtf($a)",
    [DGK_EPI_RSQRT] = "rsqrtf($a)",  [DGK_EPI_RELU] = "dgk_relu($a)", [DGK_EPI_SILU] = "dgk_silu($a)",
    [DGK_EPI_SIGMOID] = "dgk_sigmoid($a)", [DGK_EPI_TANH] = "dgk_tanh($a)", [DGK_EPI_GELU] = "dgk_gelu($a)",
    [DGK_EPI_ADD] = "$a + $b",       [DGK_EPI_SUB] = "$a - $b",       [DGK_EPI_MUL] = "$a * $b",
    [DGK_EPI_DIV] = "$a / $b",       [DGK_EPI_MIN] = "fminf($a, $b)", [DGK_EPI_MAX] = "fmaxf($a, $b)",
    [DGK_EPI_CLAMP] = "fminf(fmaxf($a, $b), $c)", [DGK_EPI_WHERE] = "$a != 0.0f ? $b : $c",
    [DGK_EPI_LT] = "$a < $b ? 1.0f : 0.0f",  [DGK_EPI_LE] = "$a <= $b ? 1.0f : 0.0f", [DGK_EPI_GT] = "$a > $b ? 1.0f : 0.0f",
    [DGK_EPI_GE] = "$a >= $b ? 1.0f : 0.0f", [DGK_EPI_EQ] = "$a == $b ? 1.0f : 0.0f", [DGK_EPI_NE] = "$a != $b ? 1.0f : 0.0f",
    [DGK_EPI_AND] = "$a != 0.0f && $b != 0.0f ? 1.0f : 0.0f", [DGK_EPI_OR] = "$a != 0.0f || $b != 0.0f ? 1.0f : 0.0f",
    [DGK_EPI_NOT] = "$a == 0.0f ? 1.0f : 0.0f",
};

/* Rounding through a narrow format, by target dtype (CAST). */
static const char *const round_fn[DGK_DT_COUNT] = {
    [DGK_DT_BF16] = "dgk_round_bf16", [DGK_DT_F16] = "dgk_round_f16",
    [DGK_DT_E4M3] = "dgk_round_e4m3", [DGK_DT_E5M2] = "dgk_round_e5m2", [DGK_DT_UE8M0] = "dgk_round_ue8m0",
};

/* A cast to an integer type converts as C does (toward zero) and comes back as f32, as
 * the elementwise kernels' casts do (emit_simt.c); $a is the operand. */
static const char *const int_cast_fmt[DGK_DT_COUNT] = {
    [DGK_DT_I32] = "(float)(int)$a", [DGK_DT_U32] = "(float)(unsigned)$a", [DGK_DT_I64] = "(float)(long long)$a",
    [DGK_DT_BOOL] = "($a != 0.0f ? 1.0f : 0.0f)",
};

/* Writes `fmt` with $a/$b/$c replaced by v<a>, v<b>, v<c>. */
static void expand(dgk_strbuf *out, const char *fmt, const dgk_epi_op *op)
{
    for (const char *s = fmt; *s; s++) {
        if (s[0] == '$' && (s[1] == 'a' || s[1] == 'b' || s[1] == 'c')) {
            int v = s[1] == 'a' ? op->a : s[1] == 'b' ? op->b : op->c;
            dgk_strbuf_printf(out, "v%d", v);
            s++;
        } else {
            dgk_strbuf_putn(out, s, 1);
        }
    }
}

/* A float literal that reads back exactly; inf and nan spelled by bit pattern. */
static void emit_const(dgk_strbuf *out, double x)
{
    float f = (float)x;
    if (isnan(f))
        dgk_strbuf_puts(out, "__int_as_float(0x7fffffff)");
    else if (isinf(f))
        dgk_strbuf_puts(out, f > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)");
    else {
        char buf[64];
        snprintf(buf, sizeof buf, "%.9g", (double)f);
        dgk_strbuf_puts(out, buf);
        if (!strpbrk(buf, ".e"))
            dgk_strbuf_puts(out, ".0");
        dgk_strbuf_puts(out, "f");
    }
}

static int same_dim(const dgk_plan_dim *a, const dgk_plan_dim *b)
{
    return a->arg >= 0 ? a->arg == b->arg : b->arg < 0 && a->value == b->value;
}

/* An extent inside epilogue_value: its dgk_m or dgk_n parameter (the output's rows and
 * columns, named apart from the kernel's symbols, which may also be passed) when it is the
 * tile's, else the value or the kernel parameter (passed to it: uses_arg). */
static const char *epi_dim(const dgk_sm90_ctx *e, const dgk_plan_dim *d, char *buf, int n)
{
    if (same_dim(d, &e->p->m))
        return "dgk_m";
    if (same_dim(d, &e->p->n))
        return "dgk_n";
    return dgk_sm90_dim(e, d, buf, n);
}

/* The point of a vector, tile or element read: `group`, the constant index, or the
 * tile's block index (row / BM, col / BN: exact for every element of the tile). */
static void point_text(const dgk_sm90_ctx *e, const dgk_epi_op *op, char *pt, int n)
{
    if (op->point == DGK_EPI_POINT_GROUP)
        snprintf(pt, (size_t)n, "group");
    else if (op->point == DGK_EPI_POINT_MBLOCK)
        snprintf(pt, (size_t)n, "(row / %d)", e->p->bm);
    else if (op->point == DGK_EPI_POINT_NBLOCK)
        snprintf(pt, (size_t)n, "(col / %d)", e->p->bn);
    else
        snprintf(pt, (size_t)n, "%lldLL", (long long)op->index);
}

/* Whether the point needs `point < point_ext` on the device: not a constant index the
 * planner checked against a known extent. */
static int point_bounded(const dgk_epi_op *op)
{
    return op->bounded && op->point && !(op->point == DGK_EPI_POINT_CONST && op->point_ext.arg < 0);
}

/* `JOIN point < point_ext` when point_bounded. */
static void emit_point_bound(dgk_sm90_ctx *e, const dgk_epi_op *op, const char *join, const char *pt)
{
    char b[32];
    if (point_bounded(op))
        dgk_strbuf_printf(e->out, "%s%s < %s", join, pt, epi_dim(e, &op->point_ext, b, sizeof b));
}

/* ` && IDX < ext` when the read's own extent is not the output's (`tile_dim`) already. */
static void emit_own_bound(dgk_sm90_ctx *e, const char *idx, const dgk_plan_dim *ext, const dgk_plan_dim *tile_dim)
{
    char b[32];
    if (!same_dim(ext, tile_dim))
        dgk_strbuf_printf(e->out, " && %s < %s", idx, epi_dim(e, ext, b, sizeof b));
}

/* A ROW/COL vector's bounds: `row < dgk_m [&& row < ext] [&& point < point_ext]` (with
 * col and dgk_n for a COL); shared with the row vector stores (emit_epi_rows.c). */
void dgk_sm90_epi_vector_cond(dgk_sm90_ctx *e, const dgk_epi_op *op)
{
    const int is_row = op->op == DGK_EPI_ROW;
    const char *at = is_row ? "row" : "col";
    char pt[32];
    point_text(e, op, pt, sizeof pt);
    dgk_strbuf_printf(e->out, "%s < %s", at, is_row ? "dgk_m" : "dgk_n");
    if (op->bounded)
        emit_own_bound(e, at, &op->ext, is_row ? &e->p->m : &e->p->n);
    emit_point_bound(e, op, " && ", pt);
}

/* A ROW/COL vector's element address: `ptr [+ point * stride0] + row`, or `ptr + row *
 * stride0 + point` (the point on axis 1). */
void dgk_sm90_epi_vector_addr(dgk_sm90_ctx *e, const dgk_epi_op *op)
{
    dgk_strbuf *out = e->out;
    const dgk_kernel_arg *args = e->p->args;
    const char *at = op->op == DGK_EPI_ROW ? "row" : "col";
    char pt[32];
    point_text(e, op, pt, sizeof pt);
    dgk_strbuf_printf(out, "%s + ", args[op->arg].name);
    if (!op->point)
        dgk_strbuf_printf(out, "%s", at);
    else if (op->point_inner)
        dgk_strbuf_printf(out, "(long long)%s * %s + %s", at, args[op->arg2].name, pt);
    else
        dgk_strbuf_printf(out, "(long long)%s * %s + %s", pt, args[op->arg2].name, at);
}

/* A ROW/COL vector read (plan.h dgk_epi_op): `bounds ? load(address) : 0`. */
static void emit_vector(dgk_sm90_ctx *e, const dgk_epi_op *op)
{
    dgk_sm90_epi_vector_cond(e, op);
    dgk_strbuf_puts(e->out, " ? dgk_load_f32(");
    dgk_sm90_epi_vector_addr(e, op);
    dgk_strbuf_puts(e->out, ") : 0.0f");
}

/* A TILE: `row < dgk_m && col < dgk_n [&& own extents] [&& point < point_ext] ?
 * load(ptr [+ point * stride0] + row * stride_rows + col) : 0`. */
static void emit_tile(dgk_sm90_ctx *e, const dgk_epi_op *op)
{
    dgk_strbuf *out = e->out;
    const dgk_kernel_arg *args = e->p->args;
    char pt[32];
    point_text(e, op, pt, sizeof pt);
    dgk_strbuf_puts(out, "row < dgk_m && col < dgk_n");
    if (op->bounded) {
        emit_own_bound(e, "row", &op->ext, &e->p->m);
        emit_own_bound(e, "col", &op->ext_cols, &e->p->n);
    }
    emit_point_bound(e, op, " && ", pt);
    dgk_strbuf_printf(out, " ? dgk_load_f32(%s + ", args[op->arg].name);
    if (op->point)
        dgk_strbuf_printf(out, "(long long)%s * %s + ", pt, args[op->arg3].name);
    dgk_strbuf_printf(out, "(long long)row * %s + col) : 0.0f", args[op->arg2].name);
}

/* An ELEM: `[point < point_ext ?] load(ptr + point) [: 0]` (the bound as a vector's). */
static void emit_elem(dgk_sm90_ctx *e, const dgk_epi_op *op)
{
    char pt[32];
    const int bounded = point_bounded(op);
    point_text(e, op, pt, sizeof pt);
    emit_point_bound(e, op, "", pt);
    dgk_strbuf_printf(e->out, "%sdgk_load_f32(%s + %s)%s", bounded ? " ? " : "", e->p->args[op->arg].name, pt,
                      bounded ? " : 0.0f" : "");
}

/* The right-hand side of op i. */
static void emit_rhs(dgk_sm90_ctx *e, const dgk_epi_op *op)
{
    dgk_strbuf *out = e->out;
    const dgk_kernel_arg *args = e->p->args;
    switch (op->op) {
    case DGK_EPI_ACC: dgk_strbuf_puts(out, "acc"); break;
    case DGK_EPI_ACC2: dgk_strbuf_puts(out, "acc2"); break;
    case DGK_EPI_CONST: emit_const(out, op->imm); break;
    case DGK_EPI_SCALAR: dgk_strbuf_printf(out, "(float)%s", args[op->arg].name); break;
    case DGK_EPI_ROW:
    case DGK_EPI_COL: emit_vector(e, op); break;
    case DGK_EPI_TILE: emit_tile(e, op); break;
    case DGK_EPI_ELEM: emit_elem(e, op); break;
    case DGK_EPI_ROWMAX:
    case DGK_EPI_ROWMIN:
    case DGK_EPI_ROWSUM: dgk_strbuf_printf(out, "dgk_red%d", (int)(op - e->p->epi.ops)); break;
    case DGK_EPI_CAST:
        if (round_fn[op->dtype])
            dgk_strbuf_printf(out, "%s(v%d)", round_fn[op->dtype], op->a);
        else if (int_cast_fmt[op->dtype])
            expand(out, int_cast_fmt[op->dtype], op);
        else
            dgk_strbuf_printf(out, "v%d", op->a);
        break;
    default: expand(out, op_fmt[op->op], op); break;
    }
}

static int has_stride2(const dgk_epi_op *op)
{
    return op->op == DGK_EPI_TILE || (dgk_epi_is_vector(op) && op->point);
}

/* A read's own extent that epilogue_value reads as a parameter of its own (not the
 * tile's M or N, not a constant). */
static int extent_arg(const dgk_plan *p, const dgk_epi_op *op, const dgk_plan_dim *d, int arg)
{
    return dgk_epi_reads_tensor(op) && op->bounded && d->arg == arg && arg >= 0 &&
           !same_dim(d, &p->m) && !same_dim(d, &p->n);
}

/* The kernel parameters the program reads, in ABI order (a bitmap over args). */
static int uses_arg(const dgk_plan *p, int arg)
{
    const dgk_plan_epilogue *ep = &p->epi;
    for (int i = 0; i < ep->nops; i++) {
        const dgk_epi_op *op = &ep->ops[i];
        int loads = op->op == DGK_EPI_SCALAR || dgk_epi_reads_tensor(op);
        int tile_point = op->op == DGK_EPI_TILE && op->point;
        if (loads && (op->arg == arg || (has_stride2(op) && op->arg2 == arg) || (tile_point && op->arg3 == arg)))
            return 1;
        if (op->op != DGK_EPI_ELEM && extent_arg(p, op, &op->ext, arg))
            return 1;
        if ((op->op == DGK_EPI_TILE && extent_arg(p, op, &op->ext_cols, arg)) ||
            (op->point && extent_arg(p, op, &op->point_ext, arg)))
            return 1;
    }
    return 0;
}

/* Whether the program reads a tensor at the tile's group (epilogue_value then takes it). */
static int uses_group(const dgk_plan_epilogue *ep)
{
    for (int i = 0; i < ep->nops; i++)
        if (dgk_epi_reads_tensor(&ep->ops[i]) && ep->ops[i].point == DGK_EPI_POINT_GROUP)
            return 1;
    return 0;
}

static void emit_fn_params(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    for (int i = 0; i < p->nargs; i++) {
        const dgk_kernel_arg *a = &p->args[i];
        if (!uses_arg(p, i))
            continue;
        if (a->kind == DGK_ARG_PTR)
            dgk_strbuf_printf(e->out, ", const %s *__restrict__ %s", dgk_sm90_ctype(a->dtype), a->name);
        else if (a->kind == DGK_ARG_STRIDE)
            dgk_strbuf_printf(e->out, ", long long %s", a->name);
        else
            dgk_strbuf_printf(e->out, ", %s %s", dgk_sm90_ctype(a->dtype), a->name);
    }
}

/* Whether op i is the program's last op and a cast to D's dtype in a plain store (`D =`).
 * Every store path packs the value into D's dtype with the same round-to-nearest
 * conversion (cvt.rn, the one round_fn goes through), which gives the same bits from the
 * cast's rounded value as from the unrounded one: the cast need not round first. (`D +=`
 * keeps it, as the SIMT lowering does: the cast's rounding is the addend's.) Rounding
 * twice cost each thread a conversion per element that ptxas kept (FP8 256 x 128: 192
 * F2FP per tile's epilogue, 64 without); without it FP8 4096x24576x1536 ran 3.6-3.8%
 * faster, 4096x576x7168 2.1%, DeepGEMM's 28 dense FP8 shapes 0.8-1.1% by geometric mean
 * (kernel time, H100, tests/gpu/results/2026-11-28-H100-epilogue-round/). */
static int store_rounds(const dgk_plan_epilogue *ep, int i)
{
    const dgk_epi_op *op = &ep->ops[i];
    return i == dgk_epi_tile_value(ep) && op->op == DGK_EPI_CAST && op->dtype == ep->out_dtype && round_fn[op->dtype] &&
           !ep->accumulate;
}

/* The row reductions among ops 0 .. ret, which a program function takes as values
 * (`float dgk_red<j>`): the row pass computes them first (emit_epi_rows.c). */
static int reduces_before(const dgk_plan_epilogue *ep, int j, int ret)
{
    return j <= ret && dgk_epi_is_row_reduce(&ep->ops[j]);
}

/* `static __device__ float NAME(acc, row, col, dgk_m, dgk_n[, group], <params>, <row
 * reductions>)` computing ops 0 .. ret of the program and returning op ret's value:
 * epilogue_value for the tile's (ret its value), epilogue_op<ret> for a row reduction's
 * operand or a stored row vector (emit_epi_rows.c). */
void dgk_sm90_emit_program_fn(dgk_sm90_ctx *e, const char *name, int ret)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    dgk_sm90_start(e, "static __device__ __forceinline__ float %s(float acc, %sint row, int col, int dgk_m, int dgk_n", name,
                   e->p->dual.enabled ? "float acc2, " : "");
    if (uses_group(ep))
        dgk_sm90_raw(e, ", int group");
    emit_fn_params(e);
    for (int j = 0; j < ep->nops; j++)
        if (reduces_before(ep, j, ret))
            dgk_strbuf_printf(e->out, ", float dgk_red%d", j);
    dgk_sm90_raw(e, ")\n{\n");
    e->indent++;
    dgk_sm90_line(e, "(void)row; (void)col; (void)dgk_m; (void)dgk_n;");
    for (int i = 0; i <= ret; i++) {
        const dgk_epi_op *op = &ep->ops[i];
        dgk_sm90_loc(e, op->loc, dgk_epi_op_name(op->op));
        if (store_rounds(ep, i) && ret == dgk_epi_tile_value(ep)) {
            dgk_sm90_line(e, "const float v%d = v%d;  // the store rounds to %s", i, op->a, dgk_dtype_name(op->dtype));
            continue;
        }
        dgk_sm90_start(e, "const float v%d = ", i);
        emit_rhs(e, op);
        dgk_sm90_raw(e, ";\n");
    }
    dgk_sm90_line(e, "return v%d;", ret);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "%s", "");
}

void dgk_sm90_emit_epilogue_fn(dgk_sm90_ctx *e)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    dgk_sm90_loc(e, ep->loc, "epilogue, per accumulator element at global (row, col)");
    dgk_sm90_emit_program_fn(e, "epilogue_value", dgk_epi_tile_value(ep));
    dgk_sm90_emit_row_fns(e);
    dgk_sm90_line(e, "// byte offset of this warpgroup's tile element (r, c) in its staging boxes (TMA's swizzled layout)");
    dgk_sm90_open(e, "static __device__ __forceinline__ dgk_u32 staging_offset(int r, int c)");
    dgk_sm90_line(e, "const dgk_u32 off = (dgk_u32)(r * D_ROW_BYTES + (c %% D_BOX_COLS) * %d);", e->out_elt_bytes);
    dgk_sm90_line(e, "return (dgk_u32)(c / D_BOX_COLS * D_BOX_BYTES) + dgk_swizzle_offset(off, D_SWIZZLE);");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "%s", "");
}

/* ---- per tile ---------------------------------------------------------------------- */

/* `NAME(ACC[, ACC2], row0 + ROW, col0 + COL, M, N[, group], <params>, <row reductions>)`,
 * the call of dgk_sm90_emit_program_fn's function for op `ret` (ACC2, the second
 * accumulator's value, with two accumulators only); a row reduction's value is this
 * thread's for the row, dgk_red<j>[mi][HALF] (HALF 0: row r, 1: row r + 8). */
void dgk_sm90_emit_program_call(dgk_sm90_ctx *e, const char *name, int ret, const char *acc, const char *acc2,
                                const char *row, const char *col, const char *half)
{
    char m[32], n[32];
    const dgk_plan *p = e->p;
    dgk_strbuf_printf(e->out, "%s(%s%s%s, row0 + %s, col0 + %s, %s, %s", name, acc, acc2 ? ", " : "", acc2 ? acc2 : "", row, col,
                      dgk_sm90_dim(e, &p->m, m, sizeof m), dgk_sm90_dim(e, &p->n, n, sizeof n));
    if (uses_group(&p->epi))
        dgk_sm90_raw(e, ", group");
    for (int i = 0; i < p->nargs; i++)
        if (uses_arg(p, i))
            dgk_strbuf_printf(e->out, ", %s", p->args[i].name);
    for (int j = 0; j < p->epi.nops; j++)
        if (reduces_before(&p->epi, j, ret))
            dgk_strbuf_printf(e->out, ", dgk_red%d[mi][%s]", j, half);
    dgk_sm90_raw(e, ")");
}

/* `const float xK = epilogue_value(...);` for the tile value at ACC (and ACC2), (ROW, COL). */
static void emit_call(dgk_sm90_ctx *e, int k, const char *acc, const char *acc2, const char *row, const char *col,
                      const char *half)
{
    dgk_sm90_start(e, "const float x%d = ", k);
    dgk_sm90_emit_program_call(e, "epilogue_value", dgk_epi_tile_value(&e->p->epi), acc, acc2, row, col, half);
    dgk_sm90_raw(e, ";\n");
}

/* The call of epilogue_value for value acc[mi][ni][i + K] at local (r + dr, c + dc). With
 * two accumulators (plan.h, dgk_plan_dual) the loops walk the first's columns [0, BN),
 * and the second's value of the same element, column c + BN of the wide fragment, is
 * this thread's value BN / 2 further (4 values per 8 columns): epilogue_value's acc2. */
static void emit_value(dgk_sm90_ctx *e, int k, int dr, int dc)
{
    char acc[32], acc2[48], row[16], col[16];
    snprintf(acc, sizeof acc, "acc[mi][ni][i + %d]", k);
    snprintf(acc2, sizeof acc2, "acc[mi][ni][i + %d + INST_N / 4]", k);
    snprintf(row, sizeof row, "r + %d", dr);
    snprintf(col, sizeof col, "c + %d", dc);
    emit_call(e, k, acc, e->p->dual.enabled ? acc2 : NULL, row, col, dr ? "1" : "0");
}

/* store_passes (plan.h, epi.passes): a step whose columns are not this pass's is skipped
 * (a constant test once the loops unroll), and the staging column is the pass's own. */
static void emit_pass_skip(dgk_sm90_ctx *e)
{
    if (e->p->epi.passes > 1)
        dgk_sm90_line(e, "if ((ni * INST_N + 2 * i) / D_PASS_COLS != pass) continue;");
}

static const char *pass_shift(const dgk_sm90_ctx *e)
{
    return e->p->epi.passes > 1 ? " - pass * D_PASS_COLS" : "";
}

static int use_stmatrix(const dgk_sm90_ctx *e)
{
    return e->out_elt_bytes == 2 && e->p->bn % 16 == 0 && e->p->epi.out_box_cols % 16 == 0;
}

/* The bound of the store loops' i: every value of the fragment, or with two accumulators
 * those of the first's columns (emit_value). */
static const char *stored_values(const dgk_sm90_ctx *e)
{
    return e->p->dual.enabled ? "INST_N / 4" : "INST_N / 2";
}

/* 16 columns per step: eight values, one stmatrix.x4 of four 8x8 matrices (rows r and
 * r + 8, columns c and c + 8). Lane l gives the address of row l % 8 of matrix l / 8. */
static void emit_store_stmatrix(dgk_sm90_ctx *e)
{
    const char *pack = e->p->epi.out_dtype == DGK_DT_F16 ? "dgk_pack_f16x2" : "dgk_pack_bf16x2";
    dgk_sm90_open(e, "for (int i = 0; i < %s; i += 8)", stored_values(e));
    emit_pass_skip(e);
    dgk_sm90_line(e, "const int c = ni * INST_N + 2 * i + 2 * (lane %% 4);");
    emit_value(e, 0, 0, 0);
    emit_value(e, 1, 0, 1);
    emit_value(e, 2, 8, 0);
    emit_value(e, 3, 8, 1);
    emit_value(e, 4, 0, 8);
    emit_value(e, 5, 0, 9);
    emit_value(e, 6, 8, 8);
    emit_value(e, 7, 8, 9);
    dgk_sm90_line(e, "const int sr = mi * 64 + warp * 16 + (lane / 8 %% 2) * 8 + lane %% 8;");
    dgk_sm90_line(e, "const int sc = ni * INST_N + 2 * i + (lane / 16) * 8%s;", pass_shift(e));
    dgk_sm90_line(e, "dgk_stmatrix_x4(staging_addr + staging_offset(sr, sc), %s(x0, x1), %s(x2, x3), %s(x4, x5), %s(x6, x7));",
                  pack, pack, pack, pack);
    dgk_sm90_close(e, NULL);
}

/* 8 columns per step: this thread's pair in rows r and r + 8. */
static void emit_store_pairs(dgk_sm90_ctx *e)
{
    static const char *const store[DGK_DT_COUNT] = {
        [DGK_DT_F32] = "dgk_st_shared_v2f32(staging_addr + staging_offset(%s, %s), x%d, x%d);",
        [DGK_DT_BF16] = "dgk_st_shared_b32(staging_addr + staging_offset(%s, %s), dgk_pack_bf16x2(x%d, x%d));",
        [DGK_DT_F16] = "dgk_st_shared_b32(staging_addr + staging_offset(%s, %s), dgk_pack_f16x2(x%d, x%d));",
        [DGK_DT_E4M3] = "dgk_st_shared_b16(staging_addr + staging_offset(%s, %s), dgk_pack_e4m3x2(x%d, x%d));",
        [DGK_DT_E5M2] = "dgk_st_shared_b16(staging_addr + staging_offset(%s, %s), dgk_pack_e5m2x2(x%d, x%d));",
    };
    const char *fmt = store[e->p->epi.out_dtype];
    dgk_sm90_open(e, "for (int i = 0; i < %s; i += 4)", stored_values(e));
    emit_pass_skip(e);
    dgk_sm90_line(e, "const int c = ni * INST_N + 2 * i + 2 * (lane %% 4);");
    emit_value(e, 0, 0, 0);
    emit_value(e, 1, 0, 1);
    emit_value(e, 2, 8, 0);
    emit_value(e, 3, 8, 1);
    char sc[48];
    snprintf(sc, sizeof sc, "c%s", pass_shift(e));
    dgk_sm90_line(e, fmt, "r", sc, 0, 1);
    dgk_sm90_line(e, fmt, "r + 8", sc, 2, 3);
    dgk_sm90_close(e, NULL);
}

static void emit_tma_store_body(dgk_sm90_ctx *e, const char *boxes, const char *first);

/* m_grouped_contiguous, a warpgroup whose rows end the group (its padding follows in
 * the same block): its threads copy the staged rows of the group to D (rows whose id is
 * the group's; with group_offsets, rows before the group's end, which is at most M), 16
 * bytes at a time: the staging's swizzle permutes whole 16-byte units, and D is a TMA
 * tensor, so its base and row stride are multiples of 16 bytes (runtime/tma.c) and so is
 * each row's length (dgk_op_check_store_rows); emit_check.c checks BN's bytes. With a
 * two-byte copy, FP8 6144x7168 at 16 groups of drawn sizes ran 11% below 16 groups of
 * whole blocks (1242 against 1394 TFLOPS on the H100); with the 16-byte copy 6% below
 * (1312: the partial blocks' padding rows are still computed), and at 4 x 8192 rows +2.2%
 * (group offsets) / +3.2% (ids) (tests/gpu/results/2026-11-27-H100-contig-cluster/). */
static void emit_guarded_copy(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    char mb[32], nb[32];
    const char *m = dgk_sm90_dim(e, &p->m, mb, sizeof mb), *n = dgk_sm90_dim(e, &p->n, nb, sizeof nb);
    const char *ty = dgk_sm90_ctype(p->epi.out_dtype);
    dgk_sm90_line(e, "// the group ends inside these rows: store its rows only, the padding after it stays untouched");
    dgk_sm90_line(e, "%s *const out = const_cast<%s *>(%s);  // D is written, never read, here", ty, ty,
                  p->args[p->epi.out_ptr_arg].name);
    dgk_sm90_line(e, "constexpr int CHUNK = %d;  // elements per 16-byte copy", 16 / e->out_elt_bytes);
    dgk_sm90_open(e, "for (int idx = threadIdx.x %% 128; idx < WG_ROWS * (BN / CHUNK); idx += 128)");
    dgk_sm90_line(e, "const int r = idx / (BN / CHUNK), c = idx %% (BN / CHUNK) * CHUNK, row = row0 + r, col = col0 + c;");
    if (p->sched.offsets)
        dgk_sm90_line(e, "if (row < group_end && col < %s)", n);
    else
        dgk_sm90_line(e, "if (row < %s && col < %s && __ldg(%s + row) == group)", m, n, p->args[p->sched.group_arg].name);
    dgk_sm90_line(e, "    *reinterpret_cast<uint4 *>(out + (long long)row * %s + col) =", p->args[p->epi.out_stride_arg].name);
    dgk_sm90_line(e, "        *reinterpret_cast<const uint4 *>(staging + staging_offset(r, c));");
    dgk_sm90_close(e, NULL);
}

static void emit_tma_stores(dgk_sm90_ctx *e)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    if (ep->out_guard_rows) {
        char mb[32];
        dgk_sm90_line(e, "const int last = min(row0 + WG_ROWS, %s) - 1;  // this warpgroup's last row in D",
                      dgk_sm90_dim(e, &e->p->m, mb, sizeof mb));
        if (e->p->sched.offsets)
            dgk_sm90_open(e, "if (last >= row0 && last >= group_end)");
        else
            dgk_sm90_open(e, "if (last >= row0 && last_group != group)");
        emit_guarded_copy(e);
        dgk_sm90_close(e, " else if (threadIdx.x % 128 == 0) {");
        e->indent++;
        emit_tma_store_body(e, "D_BOXES", NULL);
        dgk_sm90_close(e, NULL);
        return;
    }
    /* split-K: a unit that is not its tile's last stores nothing (emit_split.c) */
    dgk_sm90_open(e, dgk_sm90_split(e->p) ? "if (store_tile && threadIdx.x %% 128 == 0)" : "if (threadIdx.x %% 128 == 0)");
    emit_tma_store_body(e, "D_BOXES", NULL);
    dgk_sm90_close(e, NULL);
}

/* One thread: a TMA store (or reduce-add) per staging box (`boxes` of them, the first
 * one D's box `first` when not NULL), then the bulk-group commit. */
static void emit_tma_store_body(dgk_sm90_ctx *e, const char *boxes, const char *first)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    const char *fn = ep->accumulate ? (ep->out_grouped ? "dgk_tma_reduce_add_3d" : "dgk_tma_reduce_add_2d")
                                    : (ep->out_grouped ? "dgk_tma_store_3d" : "dgk_tma_store_2d");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_line(e, "for (int box = 0; box < %s; ++box)", boxes);
    dgk_sm90_line(e, "    %s(&%s, staging + box * D_BOX_BYTES, col0 + %s%sbox%s * D_BOX_COLS, row0%s);", fn,
                  e->p->args[ep->out_arg].name, first ? "(" : "", first ? first : "", first ? ")" : "",
                  ep->out_grouped ? ", group" : "");
    dgk_sm90_line(e, "dgk_tma_store_commit();");
}

/* Swapped operands (plan.h, swap_ab): fragment value (r, c) is D's element (tile row c,
 * column r of the warpgroup's slice); each goes to the staging boxes on its own (a
 * thread's values of one D row are 8 columns apart). */
static const char *const store_one[DGK_DT_COUNT] = {
    [DGK_DT_F32] = "dgk_st_shared_b32(staging_addr + staging_offset(%s, %s), __float_as_uint(x%d));",
    [DGK_DT_BF16] = "dgk_st_shared_b16(staging_addr + staging_offset(%s, %s), (dgk_u16)dgk_pack_bf16x2(x%d, 0.0f));",
    [DGK_DT_F16] = "dgk_st_shared_b16(staging_addr + staging_offset(%s, %s), (dgk_u16)dgk_pack_f16x2(x%d, 0.0f));",
    [DGK_DT_E4M3] = "dgk_st_shared_u8(staging_addr + staging_offset(%s, %s), dgk_pack_e4m3x2(x%d, 0.0f) & 0xffu);",
    [DGK_DT_E5M2] = "dgk_st_shared_u8(staging_addr + staging_offset(%s, %s), dgk_pack_e5m2x2(x%d, 0.0f) & 0xffu);",
};

static void emit_store_swapped(dgk_sm90_ctx *e)
{
    static const char *const at[4][2] = {{"c", "r"}, {"c + 1", "r"}, {"c", "r + 8"}, {"c + 1", "r + 8"}};
    const dgk_plan *p = e->p;
    /* dgk_-prefixed: a kernel's shape symbols (`g`) are in scope here */
    dgk_sm90_open(e, "for (int dgk_c8 = 0; dgk_c8 < INST_N / 8; ++dgk_c8)");
    dgk_sm90_line(e, "const int c = 8 * dgk_c8 + 2 * (lane %% 4);  // the tile row of values 4 dgk_c8 + 0, 2 (+ 1, 3: c + 1)");
    for (int v = 0; v < 4; v++) {
        char acc[40];
        snprintf(acc, sizeof acc, "acc[mi][0][4 * dgk_c8 + %d]", v);
        emit_call(e, v, acc, NULL, at[v][0], at[v][1], "0");  /* no row reductions here (plan_epilogue_rows) */
    }
    for (int v = 0; v < 4; v++)
        dgk_sm90_line(e, store_one[p->epi.out_dtype], at[v][0], at[v][1], v);
    dgk_sm90_close(e, NULL);
}

/* Every value of the warpgroup's tile (of the pass's columns: store_passes) into the
 * staging boxes. */
static void emit_stage_values(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "const int r = mi * 64 + warp * 16 + lane / 4;");
    dgk_sm90_line(e, "#pragma unroll");
    if (e->p->swap_ab) {
        emit_store_swapped(e);
    } else {
        dgk_sm90_open(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
        dgk_sm90_line(e, "#pragma unroll");
        if (use_stmatrix(e))
            emit_store_stmatrix(e);
        else
            emit_store_pairs(e);
        dgk_sm90_close(e, NULL);
    }
    dgk_sm90_close(e, NULL);
}

/* The warpgroup waits until the previous `what`'s ("tile", "pass") TMA store has read the
 * staging buffer before writing it again. */
static void emit_staging_free(dgk_sm90_ctx *e, const char *what)
{
    dgk_sm90_line(e, "// the previous %s's TMA store has finished reading the staging buffer", what);
    dgk_sm90_line(e, "if (threadIdx.x %% 128 == 0) dgk_tma_store_wait_read<0>();");
    dgk_sm90_line(e, "dgk_named_barrier_sync(1 + consumer, 128);");
}

void dgk_sm90_emit_epilogue(dgk_sm90_ctx *e)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    const int passes = ep->passes > 1; /* plan_store_passes: not swapped, guarded or split */
    dgk_sm90_loc(e, ep->loc, ep->accumulate ? "store: D += epilogue(acc)" : "store: D = epilogue(acc)");
    if (e->p->swap_ab) {
        dgk_sm90_line(e, "// swap-AB: every warpgroup holds all BM rows; its B rows are D's columns");
        dgk_sm90_line(e, "const int row0 = m_block * BM;");
        dgk_sm90_line(e, "const int col0 = n_block * BN + consumer * WG_ROWS;  // this warpgroup's first column");
    } else {
        dgk_sm90_line(e, "const int row0 = m_block * BM + consumer * WG_ROWS;  // this warpgroup's first row");
        dgk_sm90_line(e, "const int col0 = n_block * BN;");
    }
    dgk_sm90_emit_epilogue_rows(e);
    dgk_sm90_line(e, "dgk_u8 *const staging = smem_d + consumer * (%s * D_BOX_BYTES);", passes ? "D_PASS_BOXES" : "D_BOXES");
    dgk_sm90_line(e, "const dgk_u32 staging_addr = dgk_smem_u32(staging);");
    emit_staging_free(e, "tile");
    if (passes) {
        dgk_sm90_line(e, "#pragma unroll");
        dgk_sm90_open(e, "for (int pass = 0; pass < D_PASSES; ++pass)");
        dgk_sm90_open(e, "if (pass > 0)");
        emit_staging_free(e, "pass");
        dgk_sm90_close(e, NULL);
    }
    emit_stage_values(e);
    dgk_sm90_line(e, "// make the staging writes visible to the TMA engine, then one thread stores");
    dgk_sm90_line(e, "dgk_fence_proxy_async_smem();");
    dgk_sm90_line(e, "dgk_named_barrier_sync(1 + consumer, 128);");
    if (!passes) {
        emit_tma_stores(e);
        return;
    }
    dgk_sm90_open(e, "if (threadIdx.x %% 128 == 0)");
    emit_tma_store_body(e, "D_PASS_BOXES", "pass * D_PASS_BOXES + ");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}
