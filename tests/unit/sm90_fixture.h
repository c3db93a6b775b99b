/* sm90_fixture.h - hand-built GEMM plans for the SM90 emitter's tests, standing in for
 * the planner: a compact configuration (dtypes, majorness, tile, stages, warpgroups,
 * cluster, epilogue) expands into a full dgk_plan with its kernel ABI, TMA boxes and
 * shared-memory layout, the way the planner is expected to fill them.
 * Used by tests/unit/test_sm90_emit.c, tests/kernels/ and tests/gpu/sm90_gemm_check.c. */
#ifndef DGK_SM90_FIXTURE_H
#define DGK_SM90_FIXTURE_H

#include <string.h>

#include "backend/sm90/sm90.h"
#include "compiler/arena.h"
#include "compiler/plan.h"

typedef struct sm90_cfg {
    const char *name;
    dgk_dtype ab;              /* DGK_DT_BF16 or DGK_DT_E4M3 */
    dgk_major a_major, b_major;
    int bm, bn, stages, wgs;
    int cluster_m, cluster_n;  /* > 1: multicast B (cluster_m) or A (cluster_n) */
    dgk_dtype out;
    int bias_silu;             /* epilogue: silu(acc + bias[col]) instead of acc */
    int fp8_promote;           /* FP8 with per-128 scales */
    int persistent, group;     /* schedule */
    int n, k;                  /* > 0: specialized at compile time; 0: runtime */
    int accumulate;            /* D += result */
    int no_multicast;          /* a cluster whose CTAs each load their own tiles (experiments) */
    int fp8_overlap;           /* FP8: promote block kb while block kb + 1 multiplies */
} sm90_cfg;

/* A small .dgk text whose lines the plan's locations point at. */
static const char sm90_fixture_src_text[] =
    "kernel gemm<BM = 128, BN = 128, STAGES = 4>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N], bias : bf16[N])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) swizzle 8 -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. K / 64 stages STAGES {\n"
    "        acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T);\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(silu(acc + bias[j*BN +: BN][new, :]));\n"
    "}\n";

static const dgk_source sm90_fixture_src = {"gemm.dgk", sm90_fixture_src_text, sizeof sm90_fixture_src_text - 1};

static inline dgk_loc sm90_at(int line, int col)
{
    return dgk_loc_make(&sm90_fixture_src, line, col);
}

static inline int sm90_add_arg(dgk_plan *p, dgk_arg_kind kind, const char *name, dgk_dtype dt, int param)
{
    dgk_kernel_arg *a = &p->args[p->nargs];
    a->kind = kind;
    a->name = name;
    a->dtype = dt;
    a->param = param;
    a->loc = sm90_at(1, 1);
    return p->nargs++;
}

static inline void sm90_tma(dgk_plan *p, int arg, int b0, int b1, dgk_swizzle sw)
{
    dgk_tma_info *t = &p->args[arg].tma;
    t->rank = 2;
    t->box[0] = b0;
    t->box[1] = b1;
    t->swizzle = sw;
    t->l2_promotion = 256;
}

static inline void sm90_operand(dgk_plan *p, dgk_plan_operand *o, dgk_dtype dt, dgk_major mj, int rows, int share)
{
    int elt = dgk_dtype_bits(dt) / 8;
    o->dtype = dt;
    o->major = mj;
    o->rows = rows;
    o->cols = p->bk;
    o->swizzle = DGK_SWIZZLE_128B;
    o->multicast = share > 1;
    if (mj == DGK_MAJOR_K)
        sm90_tma(p, o->arg, p->bk, rows / share, DGK_SWIZZLE_128B);
    else
        sm90_tma(p, o->arg, 128 / elt, p->bk, DGK_SWIZZLE_128B);
}

/* The widest swizzled output box that divides BN. */
static inline void sm90_out_box(dgk_plan *p, int elt)
{
    static const int spans[] = {128, 64, 32};
    for (int i = 0; i < 3; i++) {
        if (p->bn % (spans[i] / elt) == 0) {
            p->epi.out_box_cols = spans[i] / elt;
            p->epi.out_swizzle = (dgk_swizzle)spans[i];
            return;
        }
    }
    p->epi.out_box_cols = p->bn;
    p->epi.out_swizzle = DGK_SWIZZLE_NONE;
}

static inline void sm90_epilogue(dgk_plan *p, const sm90_cfg *c, int bias_arg)
{
    dgk_epi_op *ops = p->epi.ops;
    ops[0] = (dgk_epi_op){.op = DGK_EPI_ACC, .loc = sm90_at(8, 50)};
    p->epi.nops = 1;
    if (c->bias_silu) {
        ops[1] = (dgk_epi_op){.op = DGK_EPI_COL, .arg = bias_arg, .dtype = DGK_DT_BF16, .loc = sm90_at(8, 56)};
        ops[2] = (dgk_epi_op){.op = DGK_EPI_ADD, .a = 0, .b = 1, .loc = sm90_at(8, 54)};
        ops[3] = (dgk_epi_op){.op = DGK_EPI_SILU, .a = 2, .loc = sm90_at(8, 40)};
        p->epi.nops = 4;
    }
    p->epi.out_dtype = c->out;
    p->epi.accumulate = c->accumulate;
    p->epi.loc = sm90_at(8, 5);
    sm90_out_box(p, dgk_dtype_bits(c->out) / 8);
    sm90_tma(p, p->epi.out_arg, p->epi.out_box_cols, p->wg_rows, p->epi.out_swizzle);
}

static inline void sm90_mainloop(dgk_plan *p, const sm90_cfg *c)
{
    int bits = dgk_dtype_bits(c->ab);
    p->bm = c->bm;
    p->bn = c->bn;
    p->bk = bits == 16 ? 64 : 128;
    p->stages = c->stages;
    p->consumer_wgs = c->wgs;
    p->wg_rows = c->bm / c->wgs;
    p->producer_regs = 40;
    p->consumer_regs = c->wgs == 2 ? 232 : 240;
    p->mma = (dgk_plan_mma){64, c->bn, 256 / bits, 1, p->bk / (256 / bits), sm90_at(6, 16)};
    p->cluster_m = c->cluster_m;
    p->cluster_n = c->cluster_n;
    p->tile_loc = sm90_at(1, 13);
    p->stages_loc = sm90_at(5, 5);
}

/* The plan for `c`, allocated from `a`; NULL only when out of memory. */
static inline dgk_plan *sm90_build_plan(dgk_arena *a, const sm90_cfg *c)
{
    dgk_plan *p = DGK_NEW(a, dgk_plan);
    p->args = DGK_NEW_ARRAY(a, dgk_kernel_arg, 16);
    p->epi.ops = DGK_NEW_ARRAY(a, dgk_epi_op, 8);
    if (!p || !p->args || !p->epi.ops)
        return NULL;
    p->target = DGK_TARGET_SM90A;
    p->name = c->name;
    p->loc = sm90_at(1, 1);
    sm90_mainloop(p, c);
    p->a.arg = sm90_add_arg(p, DGK_ARG_TMA, "tma_A", c->ab, 0);
    p->a.loc = sm90_at(6, 20);
    p->b.arg = sm90_add_arg(p, DGK_ARG_TMA, "tma_B", c->ab, 1);
    p->b.loc = sm90_at(6, 47);
    sm90_operand(p, &p->a, c->ab, c->a_major, c->bm, c->no_multicast ? 1 : c->cluster_n);
    sm90_operand(p, &p->b, c->ab, c->b_major, c->bn, c->no_multicast ? 1 : c->cluster_m);
    if (c->fp8_promote) {
        p->fp8 = (dgk_plan_fp8){.enabled = 1, .sb_stride_arg = -1, .block_k = 128, .block_n = 128,
                                .sb_straddle = 128 % c->bn != 0, .loc = sm90_at(6, 9), .overlap = c->fp8_overlap};
        p->fp8.sa_arg = sm90_add_arg(p, DGK_ARG_TMA, "tma_SA", DGK_DT_F32, 4);
        sm90_tma(p, p->fp8.sa_arg, c->bm, 1, DGK_SWIZZLE_NONE);
        p->fp8.sb_arg = sm90_add_arg(p, DGK_ARG_PTR, "ptr_SB", DGK_DT_F32, 5);
    }
    p->epi.out_arg = sm90_add_arg(p, DGK_ARG_TMA, "tma_D", c->out, 2);
    int bias = c->bias_silu ? sm90_add_arg(p, DGK_ARG_PTR, "ptr_bias", DGK_DT_BF16, 3) : -1;
    p->m = (dgk_plan_dim){0, sm90_add_arg(p, DGK_ARG_SHAPE, "M", DGK_DT_I32, -1)};
    p->n = c->n ? (dgk_plan_dim){c->n, -1} : (dgk_plan_dim){0, sm90_add_arg(p, DGK_ARG_SHAPE, "N", DGK_DT_I32, -1)};
    p->k = c->k ? (dgk_plan_dim){c->k, -1} : (dgk_plan_dim){0, sm90_add_arg(p, DGK_ARG_SHAPE, "K", DGK_DT_I32, -1)};
    if (c->fp8_promote) {
        p->fp8.sb_stride = c->k / 128;
        if (!c->k)
            p->fp8.sb_stride_arg = sm90_add_arg(p, DGK_ARG_STRIDE, "SB_stride", DGK_DT_I64, 5);
    }
    sm90_epilogue(p, c, bias);
    p->sched = (dgk_plan_sched){c->persistent ? DGK_SCHED_PERSISTENT : DGK_SCHED_GRID, c->group, 0, sm90_at(3, 5), 0, {0, 0}, 0, 0, 0, -1};
    p->launch = (dgk_plan_launch){128 * (1 + c->wgs), 0, {c->cluster_m * c->cluster_n, 1, 1},
                             c->persistent ? DGK_GRID_PERSISTENT : DGK_GRID_TILES, 0};
    dgk_sm90_plan_smem(p);
    return p;
}

#endif
