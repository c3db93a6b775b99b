/* plan.c - runs the planning passes over one tile-IR kernel, in dependency order:
 * mainloop match (operands, wgmma shape, FP8; two accumulators) -> swap-AB for short tiles -> warp roles -> epilogue -> schedule and
 * cluster -> split-K -> stages (shared-memory budget) -> kernel ABI and launch facts.
 * A `grid` kernel without a pipeline is an elementwise kernel: plan_simt.c alone. */
#include "planner.h"

#include <stdarg.h>
#include <string.h>

#include "plan_int.h"

void plan_error(planner *pl, dgk_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dgk_vreport(pl->d, DGK_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
    pl->nerr++;
}

static int check_shape(planner *pl)
{
    const dgk_ir_kernel *k = pl->k;
    if (!plan_sched_kind(k->sched_kind, &pl->p->sched.kind, &pl->g_coord)) {
        plan_error(pl, k->sched_loc.src ? k->sched_loc : k->loc,
                   "schedule %s is not lowered on sm90 yet (grid, persistent, m_grouped_contiguous, m_grouped_masked and k_grouped are)",
                   k->sched_kind ? k->sched_kind : "(none)");
        return 0;
    }
    if (!plan_group_check(pl))
        return 0;
    if (!k->has_pipeline) {
        plan_error(pl, k->loc, "kernel %s has no pipeline: the sm90 backend lowers GEMM-shaped kernels (a pipelined K loop feeding mma) and, under a `grid` schedule, elementwise ones", k->name);
        return 0;
    }
    if (pl->p->sched.kind == DGK_SCHED_K_GROUPED)
        return 1; /* kbegin(g) / BK .. kend(g) / BK: plan_group_args checks it */
    plan_aff lo = plan_affine(k, k->pipe_lo);
    if (!lo.ok || lo.c0 || lo.kvar || lo.coord[0] || lo.coord[1] || lo.coord[2]) {
        plan_error(pl, k->pipe_loc, "an sm90 pipeline starts at 0 (`pipeline k in 0 .. K / BK`)");
        return 0;
    }
    return 1;
}

/* dgk_plan_fp8.sb_tma: in a cluster along N (A multicast, where sb_tile's per-tile row copy
 * lost 2-7%, tests/gpu/results/2026-11-27-H100-sb-rows/), the B scale of each K block comes by
 * TMA with the stage's operands instead of by the producer thread's 4-byte cp.async and
 * a second full-barrier arrival. H100, 4096x7168x16384 (256 x 128) beside DeepGEMM:
 * dgk/DG 0.981-0.982 -> 0.984-0.985; FP8 28 shapes level (1.0001), the four shapes with
 * a cluster along N -0.3..+1.0%; taken everywhere in place of sb_tile the one-tile shapes
 * lost up to 4.5% (tests/gpu/results/2026-11-27-H100-sb-tma/). f32 128x128 scales, not
 * grouped, no tile straddling two scale blocks, K a compile-time multiple of 512 (the
 * rows a multiple of 16 bytes, which TMA needs of the row stride; the launch checks the
 * tensor's own, `align`). Runs before plan_sb_tile, which a cluster along N never takes. */
static int plan_sb_tma(planner *pl)
{
    const dgk_plan *p = pl->p;
    const dgk_plan_fp8 *f = &p->fp8;
    int64_t k = pl->k->tensors[pl->k->ops[pl->a_load].tensor].ext[pl->k_axis_a];
    return p->cluster_n > 1 && !f->sb_ue8m0 && !f->sb_grouped && !f->sb_straddle && k > 0 && k % 512 == 0;
}

static int plan_operand_args(planner *pl)
{
    dgk_plan *p = pl->p;
    dgk_plan_operand *ops[2] = {&p->a, &p->b};
    int loads[2] = {pl->a_load, pl->b_load};
    for (int i = 0; i < 2; i++) {
        dgk_plan_operand *o = ops[i];
        int share = o->multicast ? (i == 0 ? p->cluster_n : p->cluster_m) : 1;
        dgk_tma_info tma = {.rank = o->grouped ? 3 : 2, .swizzle = DGK_SWIZZLE_128B, .l2_promotion = 256};
        if (o->major == DGK_MAJOR_K) {
            tma.box[0] = o->cols;
            tma.box[1] = o->rows / share;
        } else {
            tma.box[0] = 64; /* one 128-byte span of M/N; the producer issues rows/64 loads */
            tma.box[1] = o->cols;
        }
        tma.box[2] = o->grouped; /* one group per box */
        o->arg = plan_arg_tensor(pl, DGK_ARG_TMA, pl->k->ops[loads[i]].tensor, tma);
    }
    if (p->fp8.enabled) {
        int sa = pl->k->ops[pl->sa_load].tensor, sb = pl->k->ops[pl->sb_load].tensor;
        int sag = p->fp8.sa_grouped, sbg = p->fp8.sb_grouped;
        p->fp8.sa_arg = plan_arg_tensor(pl, DGK_ARG_TMA, sa, (dgk_tma_info){.rank = 2 + sag, .box = {p->bm, 1, sag}});
        if (p->fp8.sb_per_column) {
            /* one row of BN scales per stage, like SA's */
            p->fp8.sb_arg = plan_arg_tensor(pl, DGK_ARG_TMA, sb, (dgk_tma_info){.rank = 2, .box = {p->bn, 1}});
            return !pl->nerr;
        }
        if (plan_sb_tma(pl)) {
            p->fp8.sb_tma = 1;
            p->fp8.sb_arg = plan_arg_tensor(pl, DGK_ARG_TMA, sb, (dgk_tma_info){.rank = 2, .box = {DGK_SB_TMA_BOX, 1}});
            p->args[p->fp8.sb_arg].align = 16; /* its address and row stride, checked at launch */
            p->fp8.sb_stride_arg = -1;
            return !pl->nerr;
        }
        p->fp8.sb_arg = plan_arg_tensor(pl, DGK_ARG_PTR, sb, (dgk_tma_info){0});
        p->fp8.sb_stride_arg = plan_arg_stride(pl, sb, sbg);
        if (sbg)
            p->fp8.sb_group_stride_arg = plan_arg_stride(pl, sb, 0);
    }
    return !pl->nerr;
}

/* M and K from A, N from B; with two accumulators B has both tiles' rows, so N is the
 * output's columns (its last axis), and with FP8 B's rows bound the tiles' scale rows. */
static int plan_dims(planner *pl)
{
    dgk_plan *p = pl->p;
    int ta = pl->k->ops[pl->a_load].tensor, tb = pl->k->ops[pl->b_load].tensor, td = pl->k->ops[pl->store].tensor;
    if (!plan_arg_shape(pl, ta, pl->m_axis_a, &p->m))
        return 0;
    if (!(p->dual.enabled ? plan_arg_shape(pl, td, pl->k->tensors[td].rank - 1, &p->n)
                          : plan_arg_shape(pl, tb, pl->n_axis_b, &p->n)))
        return 0;
    return plan_arg_shape(pl, ta, pl->k_axis_a, &p->k) &&
           (!p->dual.enabled || !p->fp8.enabled || plan_arg_shape(pl, tb, pl->n_axis_b, &p->dual.b_rows));
}

/* A K-major operand loaded as one box per stage (not multicast), whose row extent is a
 * shape symbol, gets its box fit to that extent at launch (dgk_tma_info.fit_rows): a
 * decode-sized M then moves only its own rows. Runs after plan_dims, so the symbol's
 * SHAPE argument already exists. */
static int plan_fit_rows(planner *pl)
{
    dgk_plan *p = pl->p;
    dgk_plan_operand *ops[2] = {&p->a, &p->b};
    int loads[2] = {pl->a_load, pl->b_load}, axes[2] = {pl->m_axis_a, pl->n_axis_b};
    for (int i = 0; i < 2; i++) {
        dgk_plan_operand *o = ops[i];
        int tensor = pl->k->ops[loads[i]].tensor;
        dgk_plan_dim rows;
        /* two accumulators: B's stage holds two boxes, each of whole tiles (N2 >= 2 * BN) */
        if (o->major != DGK_MAJOR_K || o->multicast || pl->k->tensors[tensor].ext[axes[i]] > 0 || (i == 1 && p->dual.enabled))
            continue;
        if (!plan_arg_shape(pl, tensor, axes[i], &rows))
            return 0;
        o->fit_rows_arg = rows.arg;
        p->args[o->arg].tma.fit_rows = 1;
    }
    return 1;
}

/* Persistent (and m-grouped) schedules walk tiles in L2-friendly groups (8 M blocks
 * unless `swizzle` says otherwise); a cluster of 2 along M shares (multicasts) the B
 * tile, one along N (`cluster_n`) the A tile. The kind was set by check_shape. */
static void plan_schedule(planner *pl)
{
    dgk_plan *p = pl->p;
    const dgk_ir_kernel *k = pl->k;
    int persistent = p->sched.kind != DGK_SCHED_GRID;
    p->sched.group = k->sched_swizzle ? k->sched_swizzle : (persistent ? 8 : 1);
    p->sched.group_axis = 0;
    p->sched.loc = k->sched_loc;
    p->cluster_m = k->sched_cluster > 1 ? k->sched_cluster : 1;
    p->cluster_n = k->sched_cluster_n > 1 ? k->sched_cluster_n : 1;
    p->sched.skip_idle = k->sched_skip_idle;
    p->sched.dynamic = k->sched_dynamic;
    p->l2_stream = k->sched_l2_stream; /* persistent only (sema_sched.c) */
    p->b.multicast = p->cluster_m > 1;
    p->a.multicast = p->cluster_n > 1;
}

enum { SB_TILE_MAX_ROW_BYTES = 1024 }; /* K <= 32768: a slot of at most 2 KiB, straddling */

/* dgk_plan_fp8.sb_tile: whether the tile's B-scale rows come by one bulk copy per tile.
 * A bulk copy moves multiples of 16 bytes from 16-byte aligned addresses, so the row of
 * K/128 f32 values must be such a multiple (K % 512 == 0); its base and strides are
 * checked at launch. Past K = 32768 the rows (and the ring of 2 or more slots) would take
 * shared memory the stages need, so those keep the per-stage copy (16 bytes a stage). Runs
 * after plan_split (the slices copy parts of a row) and before plan_stages (the ring takes
 * shared memory). Never fails. */
static int plan_sb_tile(planner *pl)
{
    dgk_plan *p = pl->p;
    dgk_plan_fp8 *f = &p->fp8;
    if (!f->enabled || f->sb_per_column || f->sb_ue8m0 || p->k.arg >= 0 || p->k.value <= 0 || p->k.value % 512 ||
        p->k.value / 128 * 4 > SB_TILE_MAX_ROW_BYTES || p->split.slices > 1 || p->split.tail ||
        p->sched.kind == DGK_SCHED_K_GROUPED || p->cluster_n > 1)
        return 1;
    f->sb_tile = 1;
    p->args[f->sb_arg].align = 16;
    p->args[f->sb_stride_arg].align = 16;
    if (f->sb_grouped)
        p->args[f->sb_group_stride_arg].align = 16;
    return 1;
}

static void plan_init(planner *pl, const dgk_ir_kernel *k, dgk_plan *p)
{
    pl->k = k;
    pl->p = p;
    pl->sa_load = pl->sb_load = -1;
    pl->g_coord = -1;
    pl->acc2 = -1;
    p->target = DGK_TARGET_SM90A;
    p->name = k->name;
    p->loc = k->loc;
    p->stages_loc = k->pipe_loc;
    p->tile_loc = k->loc;
    p->fp8.sb_stride_arg = -1;
    p->sched.counter_arg = -1;
}

int dgk_plan_kernel(const dgk_ir_kernel *k, dgk_target target, dgk_diags *d, dgk_arena *a, dgk_plan **out)
{
    planner pl;
    memset(&pl, 0, sizeof pl);
    pl.a = a;
    pl.d = d;
    *out = NULL;
    if (target != DGK_TARGET_SM90A) {
        dgk_error(d, k->loc, "kernel %s: only the sm_90a target has a backend so far", k->name);
        return 1;
    }
    dgk_plan *p = DGK_NEW(a, dgk_plan);
    if (!p)
        return 1;
    plan_init(&pl, k, p);
    if (!k->has_pipeline && k->sched_kind && strcmp(k->sched_kind, "grid") == 0) {
        if (plan_simt(&pl))
            plan_abi_finish(&pl);
    } else if (check_shape(&pl) && plan_mainloop(&pl)) {
        plan_schedule(&pl);
        if (plan_swap(&pl) && plan_roles(&pl) && plan_operand_args(&pl) && plan_epilogue(&pl) && plan_dims(&pl) && plan_fit_rows(&pl) &&
            plan_group_args(&pl) && plan_split(&pl) && plan_store_passes(&pl) && plan_epilogue_rows(&pl) && plan_dual_args(&pl) && plan_dynamic(&pl) && plan_sb_tile(&pl) && plan_loop_form(&pl) &&
            plan_stages(&pl))
            plan_abi_finish(&pl);
    }
    if (!pl.nerr)
        *out = p;
    return pl.nerr;
}
