/* emit_check.c - validates a plan before the SM90 emitter writes anything: every limit
 * of the hardware path (wgmma shapes, TMA boxes, register and shared-memory budgets) and
 * every cross-reference (kernel parameter indices and kinds). A plan that fails is a
 * planner bug or a configuration the SM90 fast path cannot take; either way the error
 * names the field, the value, and what would be valid, at the source location that set
 * it. There is no fallback path. */
#include <ctype.h>
#include <string.h>

#include "emit_internal.h"
#include "../../compiler/ident.h"

typedef struct checker {
    const dgk_plan *p;
    dgk_diags *d;
    int errors;
} checker;

#define FAIL(c, loc, ...) (dgk_error((c)->d, (loc), __VA_ARGS__), (c)->errors++)

static void check_args(checker *c)
{
    const dgk_plan *p = c->p;
    for (int i = 0; i < p->nargs; i++) {
        const dgk_kernel_arg *a = &p->args[i];
        const char *clash = a->name ? dgk_sm90_name_clash(a->name, DGK_SM90_CODE_GEMM) : NULL;
        if (!dgk_is_c_ident(a->name))
            FAIL(c, a->loc, "kernel parameter %d has no valid C name", i);
        else if (clash)
            FAIL(c, a->loc, "kernel parameter name '%s' %s; rename it", a->name, clash);
        for (int j = 0; j < i; j++)
            if (a->name && p->args[j].name && strcmp(a->name, p->args[j].name) == 0)
                FAIL(c, a->loc, "two kernel parameters are named '%s'", a->name);
        if ((a->kind == DGK_ARG_PTR || a->kind == DGK_ARG_SCALAR) && !dgk_sm90_ctype(a->dtype))
            FAIL(c, a->loc, "kernel parameter '%s' has dtype %s, which SM90 kernels cannot take", a->name,
                 dgk_dtype_name(a->dtype));
    }
}

static int arg_is(const checker *c, int i, dgk_arg_kind kind)
{
    return i >= 0 && i < c->p->nargs && c->p->args[i].kind == kind;
}

static void need_arg(checker *c, int i, dgk_arg_kind kind, dgk_loc loc, const char *what)
{
    if (!arg_is(c, i, kind))
        FAIL(c, loc, "%s must be a %s kernel parameter (plan names parameter %d)", what, dgk_arg_kind_name(kind), i);
}

static void check_dim(checker *c, const dgk_plan_dim *d, const char *name)
{
    if (d->arg >= 0)
        need_arg(c, d->arg, DGK_ARG_SHAPE, c->p->loc, name);
    else if (d->value <= 0 || d->value > 0x7fffffff)
        FAIL(c, c->p->loc, "extent %s = %lld is not a positive 32-bit value", name, (long long)d->value);
}

static void check_regs(checker *c)
{
    const dgk_plan *p = c->p;
    int prod = p->producer_regs, cons = p->consumer_regs;
    if (prod % 8 || prod < 24 || prod > 256 || cons % 8 || cons < 24 || cons > 256)
        FAIL(c, p->loc, "setmaxnreg budgets %d (producer) and %d (consumer) must be multiples of 8 in [24, 256]", prod,
             cons);
    else if (128 * prod + 128 * p->consumer_wgs * cons > 65536)
        FAIL(c, p->loc, "register budgets exceed the SM's 65536: 128 x %d + %d x 128 x %d", prod, p->consumer_wgs, cons);
    if (p->launch.threads != 128 * (1 + p->consumer_wgs))
        FAIL(c, p->loc, "launch.threads = %d, but 1 producer + %d consumer warpgroups need %d", p->launch.threads,
             p->consumer_wgs, 128 * (1 + p->consumer_wgs));
}

/* Swapped operands (plan.h, swap_ab): BM = 8 .. 56 is wgmma's N, B's rows its M, 64 per
 * consumer warpgroup; what the swapped mainloop and epilogue are written for. */
static void check_swap(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_fp8 *f = &p->fp8;
    if (p->bm < 8 || p->bm >= 64 || p->bm % 8)
        FAIL(c, p->tile_loc, "swap_ab with BM = %d: a swapped tile has 8 to 56 rows, a multiple of 8", p->bm);
    if (p->wg_rows != 64 || p->wg_rows * p->consumer_wgs != p->bn)
        FAIL(c, p->tile_loc, "swap_ab: BN = %d must split into consumer warpgroups of 64 B rows (%d x %d)", p->bn,
             p->consumer_wgs, p->wg_rows);
    if (p->a.major != DGK_MAJOR_K || p->b.major != DGK_MAJOR_K || p->a.multicast || p->b.multicast ||
        p->cluster_m * p->cluster_n != 1)
        FAIL(c, p->loc, "swap_ab takes K-major operands without clusters");
    if (p->sched.skip_idle || p->epi.out_guard_rows || p->sched.kind == DGK_SCHED_K_GROUPED ||
        p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS)
        FAIL(c, p->sched.loc, "swap_ab is lowered for the grid, persistent and m_grouped_masked schedules without "
                              "skip_idle");
    if (f->enabled && (f->sb_per_column || f->per_m64 || f->pieces || f->sb_straddle))
        FAIL(c, f->loc, "swap_ab promotes whole temporaries with one B scale per tile (no per-column B scales, "
                        "m64 blocks, pieces or straddling)");
}

/* Two accumulators (plan.h, dgk_plan_dual): what their loads, promotion and epilogue are
 * written for. */
static void check_dual(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_dual *d = &p->dual;
    if (!d->enabled)
        return;
    if (p->swap_ab || p->cluster_m > 1 || p->b.multicast || p->split.slices > 1 || p->split.tail ||
        p->fp8.sb_per_column || p->fp8.sb_tma || dgk_plan_fits_rows(p, &p->b) || dgk_epi_has_rows(&p->epi))
        FAIL(c, d->loc, "two accumulators are lowered without swap-AB, B multicast, split-K, per-column or TMA B scales, a fit B box and row passes");
    if (2 * p->bn > 256)
        FAIL(c, d->loc, "two accumulators of BN = %d: one wgmma of %d columns exceeds 256", p->bn, 2 * p->bn);
    if (d->row_arg >= 0)
        need_arg(c, d->row_arg, DGK_ARG_SHAPE, d->loc, "the second B tile's row offset");
    if (p->fp8.enabled)
        check_dim(c, &d->b_rows, "B's rows");
}

static void check_tile(checker *c)
{
    const dgk_plan *p = c->p;
    if (p->consumer_wgs < 1 || p->consumer_wgs > 2)
        FAIL(c, p->loc, "consumer_wgs = %d; SM90 kernels use 1 or 2 consumer warpgroups", p->consumer_wgs);
    else if (p->swap_ab)
        check_swap(c);
    else if (p->wg_rows * p->consumer_wgs != p->bm || (p->wg_rows != 64 && p->wg_rows != 128))
        FAIL(c, p->tile_loc, "BM = %d splits into %d consumer warpgroups of %d rows; each must own 64 or 128 rows",
             p->bm, p->consumer_wgs, p->wg_rows);
    if (p->bn < 8 || p->bn > 256 || p->bn % 8)
        FAIL(c, p->tile_loc, "BN = %d is not a multiple of 8 in [8, 256] (wgmma N)", p->bn);
    if (p->stages < 1 || p->stages > 32)
        FAIL(c, p->stages_loc, "stages = %d is outside [1, 32]", p->stages);
}

static void check_mma(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_mma *m = &p->mma;
    int bits = dgk_dtype_bits(p->a.dtype);
    const char *at = dgk_sm90_ptx_type(p->a.dtype), *bt = dgk_sm90_ptx_type(p->b.dtype);
    int ok16 = bits == 16 && p->a.dtype == p->b.dtype && (p->a.dtype == DGK_DT_BF16 || p->a.dtype == DGK_DT_F16);
    int ok8 = bits == 8 && dgk_dtype_bits(p->b.dtype) == 8 && at && bt && (at[1] == '4' || at[1] == '5') &&
              (bt[1] == '4' || bt[1] == '5');
    if (!ok16 && !ok8) {
        FAIL(c, m->loc, "wgmma operands %s x %s are not lowered on SM90 (bf16 x bf16, f16 x f16, or e4m3/e5m2 pairs)",
             dgk_dtype_name(p->a.dtype), dgk_dtype_name(p->b.dtype));
        return;
    }
    if (m->inst_m != 64 || m->inst_k != 256 / bits)
        FAIL(c, m->loc, "wgmma shape m%dk%d; %d-bit operands need m64k%d", m->inst_m, m->inst_k, bits, 256 / bits);
    /* swapped: the A tile's rows are wgmma's N; two accumulators: both B tiles' rows */
    int wgmma_n = p->swap_ab ? p->bm : dgk_plan_acc_cols(p);
    if (m->inst_n < 8 || m->inst_n > 256 || m->inst_n % 8 || m->n_insts * m->inst_n != wgmma_n)
        FAIL(c, m->loc, "wgmma N = %d x %d instructions does not cover %s = %d with N a multiple of 8 <= 256",
             m->inst_n, m->n_insts, p->swap_ab ? "BM" : p->dual.enabled ? "2 x BN" : "BN", wgmma_n);
    if (m->inst_k > 0 && m->k_steps * m->inst_k != p->bk)
        FAIL(c, m->loc, "K_STEPS = %d wgmma of k%d do not cover BK = %d", m->k_steps, m->inst_k, p->bk);
    if (ok8 && (p->a.major != DGK_MAJOR_K || p->b.major != DGK_MAJOR_K))
        FAIL(c, (p->a.major != DGK_MAJOR_K ? p->a : p->b).loc,
             "FP8 operand %s is MN-major; wgmma on SM90 takes 8-bit operands K-major only",
             p->a.major != DGK_MAJOR_K ? "A" : "B");
}

static void check_operand(checker *c, const dgk_plan_operand *o, const char *name, int rows)
{
    const dgk_plan *p = c->p;
    need_arg(c, o->arg, DGK_ARG_TMA, o->loc, name);
    if (!arg_is(c, o->arg, DGK_ARG_TMA))
        return;
    const dgk_tma_info *t = &p->args[o->arg].tma;
    int elt = dgk_dtype_bits(o->dtype) / 8, span = (int)o->swizzle;
    if (o->grouped && !dgk_sm90_grouped(p))
        FAIL(c, o->loc, "operand %s is grouped (3-D), which needs an m-grouped schedule", name);
    if (t->rank != 2 + (o->grouped != 0) || (o->grouped && t->box[2] != 1))
        FAIL(c, o->loc, "operand %s: its TMA map must be %s", name, o->grouped ? "3-D with box {.., .., 1}" : "2-D");
    if (o->rows != rows || o->cols != p->bk)
        FAIL(c, o->loc, "operand %s tile is %dx%d; the plan's tile needs %dx%d", name, o->rows, o->cols, rows, p->bk);
    if (span != 32 && span != 64 && span != 128) {
        FAIL(c, o->loc, "operand %s needs a 32B, 64B or 128B swizzle for wgmma, not %d", name, span);
        return;
    }
    int inner = o->major == DGK_MAJOR_K ? p->bk : span / elt;
    if (t->box[0] != inner || t->box[0] * elt != span || t->swizzle != o->swizzle)
        FAIL(c, o->loc, "operand %s: TMA box inner extent %d (%d bytes, swizzle %d) must be one %d-byte swizzle span",
             name, t->box[0], t->box[0] * elt, (int)t->swizzle, span);
    int outer = o->major == DGK_MAJOR_K ? t->box[1] : p->bk;
    if (o->major == DGK_MAJOR_K && (outer < 8 || outer > 256 || outer % 8 || rows % outer))
        FAIL(c, o->loc, "operand %s: TMA box of %d rows must be a multiple of 8 dividing %d", name, outer, rows);
    if (o->major == DGK_MAJOR_MN && t->box[1] != p->bk)
        FAIL(c, o->loc, "operand %s is MN-major: its TMA box must be {%d, BK = %d}", name, inner, p->bk);
}

static void check_cluster(checker *c)
{
    const dgk_plan *p = c->p;
    int n = p->cluster_m * p->cluster_n;
    /* 2 at most: the stage-release forwarding (emit_producer.c) has one peer */
    if (p->cluster_m < 1 || p->cluster_n < 1 || (p->cluster_m > 1 && p->cluster_n > 1) || n > 2)
        FAIL(c, p->sched.loc, "cluster %dx%d: SM90 kernels use up to 2 CTAs along one axis", p->cluster_m, p->cluster_n);
    if (p->a.multicast && p->cluster_n < 2)
        FAIL(c, p->a.loc, "A is multicast, but only CTAs of a cluster along N share A (cluster_n = %d)", p->cluster_n);
    if (p->b.multicast && p->cluster_m < 2)
        FAIL(c, p->b.loc, "B is multicast, but only CTAs of a cluster along M share B (cluster_m = %d)", p->cluster_m);
    if (p->launch.cluster[0] != n || p->launch.cluster[1] != 1 || p->launch.cluster[2] != 1)
        FAIL(c, p->loc, "launch.cluster must be {%d, 1, 1}: the grid is 1-D", n);
}

/* Grouped schedules: the group tensor is an i32 pointer, masked and k-grouped ones know G;
 * clusters (along N or M) only on the m-grouped ones, in a fixed stride
 * (compiler/plan_group.c): the two CTAs walk the same cluster tiles and fill their stages
 * alike. */
static void check_groups(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_sched *s = &p->sched;
    need_arg(c, s->group_arg, DGK_ARG_PTR, s->loc, "the group tensor");
    if (arg_is(c, s->group_arg, DGK_ARG_PTR) && p->args[s->group_arg].dtype != DGK_DT_I32)
        FAIL(c, s->loc, "the group tensor must be i32, not %s", dgk_dtype_name(p->args[s->group_arg].dtype));
    if (s->kind == DGK_SCHED_M_GROUPED_MASKED || s->kind == DGK_SCHED_K_GROUPED)
        check_dim(c, &s->groups, "G");
    if (p->cluster_m * p->cluster_n != 1 && (s->kind == DGK_SCHED_K_GROUPED || s->dynamic))
        FAIL(c, s->loc, "grouped schedules take clusters on m-grouped kernels without `dynamic` only (cluster %dx%d)",
             p->cluster_m, p->cluster_n);
    if (p->epi.out_guard_rows) {
        /* the partial block's rows are copied 16 bytes at a time (emit_epilogue.c) */
        if (p->bn * dgk_dtype_bits(p->epi.out_dtype) / 8 % 16 != 0)
            FAIL(c, p->epi.loc, "a contiguous grouped output tile's rows must be whole 16-byte pieces (BN %d of %s)",
                 p->bn, dgk_dtype_name(p->epi.out_dtype));
        need_arg(c, p->epi.out_ptr_arg, DGK_ARG_PTR, p->epi.loc, "the output as a pointer (padding rows)");
        need_arg(c, p->epi.out_stride_arg, DGK_ARG_STRIDE, p->epi.loc, "the output's row stride (padding rows)");
        if (s->kind != DGK_SCHED_M_GROUPED_CONTIGUOUS || p->epi.accumulate)
            FAIL(c, p->epi.loc, "padding rows are kept only by m_grouped_contiguous stores with `=`");
    }
    if (p->epi.out_grouped && s->kind != DGK_SCHED_M_GROUPED_MASKED && s->kind != DGK_SCHED_K_GROUPED)
        FAIL(c, p->epi.loc, "a grouped (3-D) output needs the m_grouped_masked or k_grouped schedule");
}

static void check_sched(checker *c)
{
    const dgk_plan_sched *s = &c->p->sched;
    if (s->kind != DGK_SCHED_GRID && s->kind != DGK_SCHED_PERSISTENT && !dgk_sm90_grouped(c->p))
        FAIL(c, s->loc, "schedule %s is not lowered on SM90 yet (grid, persistent and the grouped ones are)",
             dgk_sched_kind_name(s->kind));
    if (dgk_sm90_grouped(c->p))
        check_groups(c);
    if (s->group < 0 || s->group_axis < 0 || s->group_axis > 1)
        FAIL(c, s->loc, "L2 grouping %d along axis %d: group >= 0 and axis 0 (M) or 1 (N)", s->group, s->group_axis);
}

/* B scaled 1x128 ([K/128, N]): a TMA row of BN values per stage, 2-D operands only. */
static void check_sb_per_column(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_fp8 *f = &p->fp8;
    need_arg(c, f->sb_arg, DGK_ARG_TMA, f->loc, "the B scale tensor");
    if (arg_is(c, f->sb_arg, DGK_ARG_TMA)) {
        const dgk_tma_info *t = &p->args[f->sb_arg].tma;
        if (t->box[0] != p->bn || t->box[1] != 1 || t->swizzle != DGK_SWIZZLE_NONE || t->rank != 2)
            FAIL(c, f->loc, "the B scales' TMA box must be {BN = %d, 1} without swizzle", p->bn);
    }
    if (f->sb_grouped || f->sb_straddle || p->b.grouped)
        FAIL(c, f->loc, "1x128 B scales are read per column of 2-D operands (no grouping, no straddle)");
    if (p->smem.sb_stage_bytes < p->bn * 4)
        FAIL(c, f->loc, "the B scale stage holds %d bytes, less than BN = %d f32 values", p->smem.sb_stage_bytes, p->bn);
}

/* The scale dtypes the plan says are those of the scale tensors' arguments; a UE8M0 A
 * scale row of BM bytes is a legal TMA box (a multiple of 16 bytes). */
static void check_scale_dtypes(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_fp8 *f = &p->fp8;
    dgk_dtype sa = f->sa_ue8m0 ? DGK_DT_UE8M0 : DGK_DT_F32, sb = f->sb_ue8m0 ? DGK_DT_UE8M0 : DGK_DT_F32;
    if (f->sa_arg >= 0 && f->sa_arg < p->nargs && p->args[f->sa_arg].dtype != sa)
        FAIL(c, f->loc, "the A scale tensor is %s but the plan reads it as %s", dgk_dtype_name(p->args[f->sa_arg].dtype),
             dgk_dtype_name(sa));
    if (f->sb_arg >= 0 && f->sb_arg < p->nargs && p->args[f->sb_arg].dtype != sb)
        FAIL(c, f->loc, "the B scale tensor is %s but the plan reads it as %s", dgk_dtype_name(p->args[f->sb_arg].dtype),
             dgk_dtype_name(sb));
    if (f->sb_ue8m0 && f->sb_per_column)
        FAIL(c, f->loc, "1x128 B scales are lowered as f32 only");
    if (f->sa_ue8m0 && p->bm % 16)
        FAIL(c, f->loc, "BM = %d ue8m0 A scales are a TMA row of %d bytes, not a multiple of 16", p->bm, p->bm);
}

/* Whether argument i (of `kind`) is checked at launch for 16-byte multiples. */
static int checked_16(const checker *c, int i, dgk_arg_kind kind)
{
    if (!arg_is(c, i, kind))
        return 1; /* a missing argument is need_arg's to report */
    int align = c->p->args[i].align;
    return align >= 16 && align % 16 == 0;
}

/* fp8.sb_tile: one bulk copy of a whole row per tile (16-byte multiples, aligned; every
 * tile takes all K blocks, which the ring's slot count relies on). */
static void check_sb_tile(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_fp8 *f = &p->fp8;
    if (f->sb_ue8m0 || p->k.arg >= 0 || p->k.value <= 0 || p->k.value % 512)
        FAIL(c, f->loc, "B scale rows copied per tile need f32 scales and K a constant multiple of 512");
    if (dgk_sm90_split(p) || p->sched.kind == DGK_SCHED_K_GROUPED)
        FAIL(c, f->loc, "B scale rows copied per tile need every tile to take all K blocks (no split, not k-grouped)");
    if (!checked_16(c, f->sb_arg, DGK_ARG_PTR))
        FAIL(c, f->loc, "B scale rows copied per tile need the scale tensor's address checked for 16-byte alignment");
    if (f->sb_stride_arg < 0 || !checked_16(c, f->sb_stride_arg, DGK_ARG_STRIDE))
        FAIL(c, f->loc, "B scale rows copied per tile need the row stride checked for 16-byte multiples");
    if (f->sb_grouped && !checked_16(c, f->sb_group_stride_arg, DGK_ARG_STRIDE))
        FAIL(c, f->loc, "B scale rows copied per tile need the group stride checked for 16-byte multiples");
}

/* fp8.sb_tma: a TMA box of four f32 per stage (plan.h), into 128-byte aligned slots. */
static void check_sb_tma(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_fp8 *f = &p->fp8;
    need_arg(c, f->sb_arg, DGK_ARG_TMA, f->loc, "the B scale tensor");
    if (arg_is(c, f->sb_arg, DGK_ARG_TMA)) {
        const dgk_tma_info *t = &p->args[f->sb_arg].tma;
        if (t->rank != 2 || t->box[0] != DGK_SB_TMA_BOX || t->box[1] != 1 || t->swizzle != DGK_SWIZZLE_NONE)
            FAIL(c, f->loc, "B scales loaded per stage by TMA need a box of {%d, 1} f32 without swizzle", DGK_SB_TMA_BOX);
        if (!checked_16(c, f->sb_arg, DGK_ARG_TMA))
            FAIL(c, f->loc, "B scales loaded per stage by TMA need their address and row stride checked for 16-byte multiples");
    }
    if (f->sb_ue8m0 || f->sb_grouped || f->sb_straddle || f->sb_tile || f->sb_stride_arg >= 0)
        FAIL(c, f->loc, "B scales loaded per stage by TMA are f32, not grouped, one 128-column block per tile, "
             "and neither copied per tile nor given a stride");
    if (p->sched.kind == DGK_SCHED_K_GROUPED) /* its producer walks k_first + kb, the consumers' count would not */
        FAIL(c, f->loc, "B scales loaded per stage by TMA are not lowered with the k_grouped schedule");
    if (p->smem.sb_off % 128 || p->smem.sb_stage_bytes % 128 || p->smem.sb_stage_bytes < 16)
        FAIL(c, f->loc, "B scales loaded per stage by TMA need 128-byte aligned slots of 16 bytes or more");
}

/* The K loop's form (compiler/plan_pipeline.c plan_loop_form): at most one of overlap,
 * per_m64 and pieces; the unroll is lowered in the per-m64 and one-temporary loops, the
 * early try in the pieces' loop only. */
static void check_loop_form(checker *c)
{
    const dgk_plan_fp8 *f = &c->p->fp8;
    if ((f->overlap != 0) + (f->per_m64 != 0) + (f->pieces != 0) > 1)
        FAIL(c, f->loc, "the FP8 K loop takes one form: overlap, per-m64 or pieces, not several");
    if (f->unroll < 0 || (f->unroll && (f->overlap || f->pieces || f->sb_per_column)))
        FAIL(c, f->loc, "the FP8 K loop is unrolled (%d) only in the per-m64 and one-temporary forms", f->unroll);
    if (f->early_wait && !f->pieces)
        FAIL(c, f->loc, "the FP8 K loop's early try is lowered for pieces only");
    if (f->sb_loads && (f->sb_ue8m0 || f->sb_per_column || f->sb_tile || f->sb_tma))
        FAIL(c, f->loc, "sb_loads stages f32 B scales per stage by the producer thread (not UE8M0, per-column, per-tile or by TMA)");
    /* the bytes warp walks the persistent schedule's tiles (emit_fp8_sb.c) */
    if (f->sb_bytes_warp && (!f->sb_ue8m0 || f->sb_per_column || c->p->sched.kind != DGK_SCHED_PERSISTENT))
        FAIL(c, f->loc, "UE8M0 B-scale bytes are stored by their own warp only for 128x128 B scales under a persistent schedule");
}

static void check_fp8(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_fp8 *f = &p->fp8;
    if (!f->enabled)
        return;
    check_loop_form(c);
    if (dgk_dtype_bits(p->a.dtype) != 8)
        FAIL(c, f->loc, "FP8 promotion needs 8-bit operands, not %s", dgk_dtype_name(p->a.dtype));
    if (f->block_k != 128 || f->block_n != (f->sb_per_column ? 1 : 128) || p->bk != 128)
        FAIL(c, f->loc, "FP8 promotion is lowered for 128-wide scale blocks with BK = 128 (have %d, %d, BK %d)",
             f->block_k, f->block_n, p->bk);
    need_arg(c, f->sa_arg, DGK_ARG_TMA, f->loc, "the A scale tensor");
    check_scale_dtypes(c);
    if (f->sb_per_column) {
        check_sb_per_column(c);
        return;
    }
    if (f->sb_tma)
        check_sb_tma(c);
    else
        need_arg(c, f->sb_arg, DGK_ARG_PTR, f->loc, "the B scale tensor");
    if (f->sb_stride_arg >= 0)
        need_arg(c, f->sb_stride_arg, DGK_ARG_STRIDE, f->loc, "the B scale stride");
    if (arg_is(c, f->sa_arg, DGK_ARG_TMA)) {
        const dgk_tma_info *t = &p->args[f->sa_arg].tma;
        if (t->box[0] != p->bm || t->box[1] != 1 || t->swizzle != DGK_SWIZZLE_NONE ||
            t->rank != 2 + (f->sa_grouped != 0) || (f->sa_grouped && t->box[2] != 1))
            FAIL(c, f->loc, "the A scales' TMA box must be {BM = %d, 1%s} without swizzle", p->bm, f->sa_grouped ? ", 1" : "");
    }
    if ((f->sa_grouped && !p->a.grouped) || (f->sb_grouped && !p->b.grouped))
        FAIL(c, f->loc, "grouped scales need their operand grouped");
    if (f->sb_grouped)
        need_arg(c, f->sb_group_stride_arg, DGK_ARG_STRIDE, f->loc, "the B scales' group stride");
    /* a tile starts at a multiple of gcd(BN, 128) past a scale-block boundary */
    int low = p->bn & -p->bn;
    int span = p->bn + 128 - (low < 128 ? low : 128);
    if (!f->sb_straddle && 128 % p->bn)
        FAIL(c, f->loc, "BN = %d does not divide 128, so tiles straddle B scale blocks: set sb_straddle", p->bn);
    if (p->dual.enabled && (!f->sb_straddle || 128 % p->bn || p->dual.row_c % 128))
        FAIL(c, f->loc, "two accumulators with FP8 scales: BN = %d must divide 128, R's constant term (%lld) be a multiple of 128, and sb_straddle be set (the second tile's scale)",
             p->bn, (long long)p->dual.row_c);
    else if (f->sb_straddle && span > 256)
        FAIL(c, f->loc, "BN = %d tiles can cover three 128-column B scale blocks; at most two are supported", p->bn);
    if (f->sb_tile)
        check_sb_tile(c);
    else if (p->smem.sb_stage_bytes < 8)
        FAIL(c, f->loc, "the B scale stage holds %d bytes, less than a tile's two scale words", p->smem.sb_stage_bytes);
}

static int out_dtype_ok(dgk_dtype t)
{
    return t == DGK_DT_BF16 || t == DGK_DT_F16 || t == DGK_DT_F32 || t == DGK_DT_E4M3 || t == DGK_DT_E5M2;
}

/* A tensor the epilogue reads (op i), or a row vector store's address (i < 0): its
 * parameters, extents and point. */
static void check_access(checker *c, const dgk_epi_op *op, int i)
{
    need_arg(c, op->arg, DGK_ARG_PTR, op->loc, i >= 0 ? "an epilogue tensor read" : "a row vector store's tensor");
    if (op->op == DGK_EPI_TILE)
        need_arg(c, op->arg2, DGK_ARG_STRIDE, op->loc, "the row stride of an epilogue tile read");
    if (op->bounded) {
        if (op->op != DGK_EPI_ELEM && op->ext.arg >= 0)
            need_arg(c, op->ext.arg, DGK_ARG_SHAPE, op->loc, "an epilogue read's extent");
        if (op->op == DGK_EPI_TILE && op->ext_cols.arg >= 0)
            need_arg(c, op->ext_cols.arg, DGK_ARG_SHAPE, op->loc, "an epilogue tile's column extent");
        if (op->point && op->point_ext.arg >= 0)
            need_arg(c, op->point_ext.arg, DGK_ARG_SHAPE, op->loc, "the extent of an epilogue read's point axis");
    }
    if (op->op == DGK_EPI_ELEM && !op->point)
        FAIL(c, op->loc, "epilogue op %d reads an element at no point", i);
    if (!op->point)
        return;
    if ((op->point == DGK_EPI_POINT_CONST && op->index < 0) || (unsigned)op->point > DGK_EPI_POINT_NBLOCK)
        FAIL(c, op->loc, "epilogue op %d reads a tensor at an unknown point (%d, index %lld)", i, (int)op->point,
             (long long)op->index);
    if (dgk_epi_is_vector(op))
        need_arg(c, op->arg2, DGK_ARG_STRIDE, op->loc, "the stride of an epilogue vector's tensor's axis 0");
    if (op->op == DGK_EPI_TILE)
        need_arg(c, op->arg3, DGK_ARG_STRIDE, op->loc, "the stride of an epilogue tile's axis 0");
    if (op->point == DGK_EPI_POINT_GROUP && !dgk_sm90_grouped(c->p))
        FAIL(c, op->loc, "an epilogue read at the tile's group needs a grouped schedule");
}

static void check_epi_ops(checker *c)
{
    const dgk_plan_epilogue *ep = &c->p->epi;
    if (ep->nops < 1 || !ep->ops) {
        FAIL(c, ep->loc, "the epilogue program is empty (it needs at least the accumulator)");
        return;
    }
    for (int i = 0; i < ep->nops; i++) {
        const dgk_epi_op *op = &ep->ops[i];
        int n = dgk_epi_op_arity(op->op);
        if ((unsigned)op->op >= DGK_EPI_COUNT)
            FAIL(c, op->loc, "epilogue op %d has an unknown opcode %d", i, (int)op->op);
        else if ((n > 0 && (op->a < 0 || op->a >= i)) || (n > 1 && (op->b < 0 || op->b >= i)) ||
                 (n > 2 && (op->c < 0 || op->c >= i)))
            FAIL(c, op->loc, "epilogue op %d (%s) uses a value not defined before it", i, dgk_epi_op_name(op->op));
        if (op->op == DGK_EPI_ACC2 && !c->p->dual.enabled)
            FAIL(c, op->loc, "epilogue op %d reads a second accumulator, but the plan has one", i);
        if (op->op == DGK_EPI_SCALAR && !arg_is(c, op->arg, DGK_ARG_SHAPE)) /* a shape symbol's value: its SHAPE arg */
            need_arg(c, op->arg, DGK_ARG_SCALAR, op->loc, "an epilogue scalar");
        if (dgk_epi_reads_tensor(op))
            check_access(c, op, i);
    }
}

/* The row pass (emit_epi_rows.c): the tile's program within the ops, each row store a ROW
 * vector of a PTR parameter whose value is an op, and the plans it needs (a warpgroup
 * holding whole rows of the final sum: not swapped, not split). */
static void check_rows(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_epilogue *ep = &p->epi;
    if (ep->tile_nops < 0 || ep->tile_nops > ep->nops)
        FAIL(c, ep->loc, "the tile's program has %d of the epilogue's %d ops", ep->tile_nops, ep->nops);
    if (ep->nvstores < 0 || (ep->nvstores > 0 && !ep->vstores))
        FAIL(c, ep->loc, "the epilogue lists %d row vector stores and none of their fields", ep->nvstores);
    for (int s = 0; s < ep->nvstores && ep->vstores; s++) {
        const dgk_epi_vstore *v = &ep->vstores[s];
        if (v->value < 0 || v->value >= ep->nops)
            FAIL(c, v->at.loc, "row vector store %d stores op %d of %d", s, v->value, ep->nops);
        if (v->at.op != DGK_EPI_ROW)
            FAIL(c, v->at.loc, "row vector store %d is not addressed as a row vector", s);
        check_access(c, &v->at, -1);
    }
    if (dgk_epi_has_rows(ep) && (p->swap_ab || p->split.slices > 1 || p->split.tail))
        FAIL(c, ep->loc, "row reductions and row vector stores need a warpgroup to hold whole rows of the final sum (not "
             "with swapped operands or split-K)");
}

static void check_epilogue(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_epilogue *ep = &p->epi;
    check_epi_ops(c);
    check_rows(c);
    need_arg(c, ep->out_arg, DGK_ARG_TMA, ep->loc, "the output tensor");
    if (!out_dtype_ok(ep->out_dtype))
        FAIL(c, ep->loc, "output dtype %s is not stored by SM90 kernels (bf16, f16, f32, e4m3, e5m2)",
             dgk_dtype_name(ep->out_dtype));
    if (ep->accumulate && ep->out_dtype != DGK_DT_F32 && ep->out_dtype != DGK_DT_BF16)
        FAIL(c, ep->loc, "accumulating into %s: TMA reduce-add takes f32 or bf16 outputs", dgk_dtype_name(ep->out_dtype));
    int elt = dgk_dtype_bits(ep->out_dtype) / 8, cols = ep->out_box_cols, sw = (int)ep->out_swizzle;
    /* the columns and rows one consumer warpgroup stores (swapped: its B rows, all BM rows) */
    int wg_cols = p->swap_ab ? p->wg_rows : p->bn, box_rows = p->swap_ab ? p->bm : p->wg_rows;
    if (cols <= 0 || wg_cols % cols || p->mma.inst_n % 8 || (sw && cols * elt != sw) || (!sw && (cols * elt) % 16))
        FAIL(c, ep->loc, "output box of %d columns must divide a warpgroup's %d and be one swizzle span (%d bytes) or, "
             "unswizzled, a multiple of 16 bytes", cols, wg_cols, sw);
    if (arg_is(c, ep->out_arg, DGK_ARG_TMA)) {
        const dgk_tma_info *t = &p->args[ep->out_arg].tma;
        if (t->box[0] != cols || t->box[1] != box_rows || t->swizzle != ep->out_swizzle ||
            t->rank != 2 + (ep->out_grouped != 0) || (ep->out_grouped && t->box[2] != 1))
            FAIL(c, ep->loc, "the output's TMA box must be {%d, %d} with swizzle %d", cols, box_rows, sw);
    }
}

/* Split-K: a persistent plain schedule, a store (not a reduce-add), the workspace bound. */
static void check_split(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_split *s = &p->split;
    if (s->slices == 0 || s->slices == 1)
        return;
    if (s->slices < 0 || s->slices > 16)
        FAIL(c, s->loc, "split_k %d: the slice count must be 1 to 16", s->slices);
    if (p->sched.kind != DGK_SCHED_PERSISTENT)
        FAIL(c, s->loc, "split_k needs the persistent schedule, not %s", dgk_sched_kind_name(p->sched.kind));
    if (p->epi.accumulate)
        FAIL(c, s->loc, "split_k cannot feed an accumulating store (`D += ...`)");
    need_arg(c, s->ws_arg, DGK_ARG_WORKSPACE, s->loc, "the split-K partial sums");
    need_arg(c, s->counters_arg, DGK_ARG_WORKSPACE, s->loc, "the split-K counters");
}

/* tail_split: a masked schedule (the loop it rewrites), no cluster (plan_split.c), no
 * split_k (one slot per CTA), a store, the workspace bound. */
static void check_tail(checker *c)
{
    const dgk_plan *p = c->p;
    const dgk_plan_split *s = &p->split;
    if (!s->tail)
        return;
    if (p->sched.kind != DGK_SCHED_M_GROUPED_MASKED)
        FAIL(c, s->loc, "tail_split needs the m_grouped_masked schedule, not %s", dgk_sched_kind_name(p->sched.kind));
    if (p->cluster_m > 1 || p->cluster_n > 1)
        FAIL(c, s->loc, "tail_split is lowered without clusters");
    if (s->slices > 1)
        FAIL(c, s->loc, "tail_split cannot be combined with split_k");
    if (p->epi.accumulate)
        FAIL(c, s->loc, "tail_split cannot feed an accumulating store (`D += ...`)");
    need_arg(c, s->ws_arg, DGK_ARG_WORKSPACE, s->loc, "the tail_split partial sums");
    need_arg(c, s->counters_arg, DGK_ARG_WORKSPACE, s->loc, "the tail_split counters");
}

/* A dynamic schedule: the contiguous kind (the one whose loops it rewrites), no split-K
 * (one counter buffer), the counters bound, a tile slot per stage in shared memory. */
static void check_dynamic(checker *c)
{
    const dgk_plan *p = c->p;
    if (!p->sched.dynamic)
        return;
    if (p->sched.kind != DGK_SCHED_M_GROUPED_CONTIGUOUS)
        FAIL(c, p->sched.loc, "dynamic 1 is lowered for m_grouped_contiguous schedules only, not %s",
             dgk_sched_kind_name(p->sched.kind));
    if (p->split.slices > 1)
        FAIL(c, p->sched.loc, "dynamic 1 cannot be combined with split_k");
    need_arg(c, p->sched.counter_arg, DGK_ARG_WORKSPACE, p->sched.loc, "the dynamic schedule's tile counters");
    if (p->smem.tile_off <= 0)
        FAIL(c, p->sched.loc, "the dynamic schedule's tile slots are missing from the shared-memory layout");
    if (p->smem.tile_stage_bytes != dgk_sm90_slot_bytes(p) || p->smem.tile_off % dgk_sm90_slot_bytes(p))
        FAIL(c, p->sched.loc, "the dynamic schedule's tile slots must be %d bytes per stage, aligned to that (have %d at %d)",
             dgk_sm90_slot_bytes(p), p->smem.tile_stage_bytes, p->smem.tile_off);
}

static void check_smem(checker *c)
{
    const dgk_plan *p = c->p;
    dgk_plan copy = *p;
    if (dgk_sm90_plan_smem(&copy) < 0 || memcmp(&copy.smem, &p->smem, sizeof p->smem) != 0)
        FAIL(c, p->loc, "the plan's shared-memory layout is stale: call dgk_sm90_plan_smem after the last change");
    else if (p->smem.total > DGK_SM90_SMEM_MAX || p->launch.smem_bytes != p->smem.total)
        FAIL(c, p->stages_loc, "%d stages need %d bytes of shared memory; an SM90 CTA has at most %d", p->stages,
             p->smem.total, DGK_SM90_SMEM_MAX);
}

int dgk_sm90_check(const dgk_plan *p, dgk_diags *d)
{
    checker c = {p, d, 0};
    if (p->target != DGK_TARGET_SM90A)
        FAIL(&c, p->loc, "plan for another target given to the SM90 emitter");
    if (!dgk_is_c_ident(p->name))
        FAIL(&c, p->loc, "kernel name is not a C identifier");
    else if (dgk_sm90_kernel_name_clash(p->name))
        FAIL(&c, p->loc, "kernel name '%s' %s; rename it", p->name, dgk_sm90_kernel_name_clash(p->name));
    check_args(&c);
    check_dim(&c, &p->m, "M");
    check_dim(&c, &p->n, "N");
    check_dim(&c, &p->k, "K");
    check_tile(&c);
    check_regs(&c);
    check_mma(&c);
    if (c.errors)
        return c.errors;
    check_operand(&c, &p->a, "A", p->bm);
    check_operand(&c, &p->b, "B", p->bn);
    check_cluster(&c);
    check_sched(&c);
    check_fp8(&c);
    check_dual(&c);
    check_epilogue(&c);
    check_split(&c);
    check_tail(&c);
    check_dynamic(&c);
    if (!c.errors)
        check_smem(&c);
    return c.errors;
}
