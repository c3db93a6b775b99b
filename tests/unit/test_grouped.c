/* test_grouped.c - the m-grouped MoE GEMMs without a GPU: the argument checks of the
 * stock entry points, the fused SwiGLU one's included (each failure names the argument;
 * a consistent call gets as far as the NULL context, so every check ran and passed), and
 * the compiler's lowering of the
 * stock grouped kernels (plan facts, and the generated scheduler / 3-D TMA code, the debug
 * build's group-id check through NVRTC). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgk.h"
#include "dgkc.h"
#include "stdlib/source.h"
#include "stdlib/stock.h"
#include "check_main.h"
#include "dgkc_fixture.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

enum { G = 4, MT = 512, MMAX = 256, N = 512, K = 256 };

static char mem[16];

static dgk_tensor t1(dgk_dtype_id dt, int64_t a)
{
    return dgk_tensor_make(mem, dt, 1, (int64_t[]){a});
}

static dgk_tensor t2(dgk_dtype_id dt, int64_t a, int64_t b)
{
    return dgk_tensor_make(mem, dt, 2, (int64_t[]){a, b});
}

static dgk_tensor t3(dgk_dtype_id dt, int64_t a, int64_t b, int64_t c)
{
    return dgk_tensor_make(mem, dt, 3, (int64_t[]){a, b, c});
}

/* Consistent tensors for each layout; a test breaks one of them. */
typedef struct args {
    dgk_tensor a, sa, b, sb, d, ids;
} args;

static args contiguous(dgk_dtype_id in)
{
    args x = {t2(in, MT, K), t2(DGK_DTYPE_F32, K / 128, MT), t3(in, G, N, K), t3(DGK_DTYPE_F32, G, N / 128, K / 128),
              t2(DGK_DTYPE_BF16, MT, N), t1(DGK_DTYPE_I32, MT)};
    return x;
}

static args masked(dgk_dtype_id in)
{
    args x = {t3(in, G, MMAX, K), t3(DGK_DTYPE_F32, G, K / 128, MMAX), t3(in, G, N, K),
              t3(DGK_DTYPE_F32, G, N / 128, K / 128), t3(DGK_DTYPE_BF16, G, MMAX, N), t1(DGK_DTYPE_I32, G)};
    return x;
}

static dgk_status bf16_c(const args *x)
{
    return dgk_m_grouped_gemm_bf16_nt_contiguous(NULL, &x->a, &x->b, &x->d, &x->ids, NULL);
}

static dgk_status fp8_c(const args *x)
{
    return dgk_m_grouped_gemm_fp8_nt_contiguous(NULL, &x->a, &x->sa, &x->b, &x->sb, &x->d, &x->ids, NULL);
}

static dgk_status bf16_m(const args *x, int expected)
{
    return dgk_m_grouped_gemm_bf16_nt_masked(NULL, &x->a, &x->b, &x->d, &x->ids, expected, NULL);
}

static dgk_status fp8_m(const args *x, int expected)
{
    return dgk_m_grouped_gemm_fp8_nt_masked(NULL, &x->a, &x->sa, &x->b, &x->sb, &x->d, &x->ids, expected, NULL);
}

START_TEST(consistent_calls_reach_the_context_check)
{
    args c16 = contiguous(DGK_DTYPE_BF16), c8 = contiguous(DGK_DTYPE_E4M3);
    args m16 = masked(DGK_DTYPE_BF16), m8 = masked(DGK_DTYPE_E4M3);
    ck_assert_int_eq(bf16_c(&c16), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_bf16_nt_contiguous: ctx is NULL");
    ck_assert_int_eq(fp8_c(&c8), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_fp8_nt_contiguous: ctx is NULL");
    ck_assert_int_eq(bf16_m(&m16, 64), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_bf16_nt_masked: ctx is NULL");
    ck_assert_int_eq(fp8_m(&m8, 64), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_fp8_nt_masked: ctx is NULL");
    ck_assert_int_eq(dgk_m_grouped_alignment(), 128);
}
END_TEST

START_TEST(null_tensors_are_named)
{
    args x = contiguous(DGK_DTYPE_E4M3);
    ck_assert_int_eq(dgk_m_grouped_gemm_fp8_nt_contiguous(NULL, &x.a, NULL, &x.b, &x.sb, &x.d, &x.ids, NULL), DGK_EINVAL);
    ck_msg_has("sa is NULL");
    ck_assert_int_eq(dgk_m_grouped_gemm_fp8_nt_contiguous(NULL, &x.a, &x.sa, &x.b, &x.sb, &x.d, NULL, NULL), DGK_EINVAL);
    ck_msg_has("group_ids is NULL");
    args m = masked(DGK_DTYPE_BF16);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_masked(NULL, &m.a, &m.b, &m.d, NULL, 8, NULL), DGK_EINVAL);
    ck_msg_has("masked_m is NULL");
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_masked(NULL, &m.a, NULL, &m.d, &m.ids, 8, NULL), DGK_EINVAL);
    ck_msg_has("b is NULL");
}
END_TEST

START_TEST(dtypes_and_ranks_are_named)
{
    args x = contiguous(DGK_DTYPE_BF16);
    x.a.dtype = DGK_DTYPE_E4M3;
    ck_assert_int_eq(bf16_c(&x), DGK_EDTYPE);
    ck_msg_has("a must be bf16");
    x = contiguous(DGK_DTYPE_BF16);
    x.ids.dtype = DGK_DTYPE_I64;
    ck_assert_int_eq(bf16_c(&x), DGK_EDTYPE);
    ck_msg_has("group_ids must be i32");
    x = contiguous(DGK_DTYPE_BF16);
    x.b = t2(DGK_DTYPE_BF16, N, K);
    ck_assert_int_eq(bf16_c(&x), DGK_ESHAPE);
    ck_msg_has("b must be 3-D [G, N, K]");
    x = contiguous(DGK_DTYPE_E4M3);
    x.d.dtype = DGK_DTYPE_F32;
    ck_assert_int_eq(fp8_c(&x), DGK_EDTYPE);
    ck_msg_has("d must be bf16");
    x = contiguous(DGK_DTYPE_E4M3);
    x.sb = t2(DGK_DTYPE_F32, N / 128, K / 128);
    ck_assert_int_eq(fp8_c(&x), DGK_ESHAPE);
    ck_msg_has("sb must be 3-D");
    args m = masked(DGK_DTYPE_E4M3);
    m.a = t2(DGK_DTYPE_E4M3, MMAX, K);
    ck_assert_int_eq(fp8_m(&m, 8), DGK_ESHAPE);
    ck_msg_has("a must be 3-D [G, MMAX, K]");
    m = masked(DGK_DTYPE_E4M3);
    m.sa.dtype = DGK_DTYPE_BF16;
    ck_assert_int_eq(fp8_m(&m, 8), DGK_EDTYPE);
    ck_msg_has("sa must be f32");
}
END_TEST

START_TEST(extents_must_agree)
{
    args x = contiguous(DGK_DTYPE_BF16);
    x.d = t2(DGK_DTYPE_BF16, MT, N + 8);
    ck_assert_int_eq(bf16_c(&x), DGK_ESHAPE);
    ck_msg_has("d must be [M, N]");
    x = contiguous(DGK_DTYPE_BF16);
    x.ids = t1(DGK_DTYPE_I32, MT - 1);
    ck_assert_int_eq(bf16_c(&x), DGK_ESHAPE);
    ck_msg_has("group_ids must be [M]");
    x = contiguous(DGK_DTYPE_BF16);
    x.b = t3(DGK_DTYPE_BF16, G, N, K + 64);
    ck_assert_int_eq(bf16_c(&x), DGK_ESHAPE);
    ck_msg_has("b must be [G, N, K]");
    x = contiguous(DGK_DTYPE_E4M3);
    x.a = t2(DGK_DTYPE_E4M3, MT, 192);
    x.b = t3(DGK_DTYPE_E4M3, G, N, 192);
    ck_assert_int_eq(fp8_c(&x), DGK_ESHAPE);
    ck_msg_has("K = 192 is not a multiple of 128");
    x = contiguous(DGK_DTYPE_E4M3);
    x.sa = t2(DGK_DTYPE_F32, K / 128, MT / 2);
    ck_assert_int_eq(fp8_c(&x), DGK_ESHAPE);
    ck_msg_has("sa must be [cdiv(K, 128), M]");
    args m = masked(DGK_DTYPE_BF16);
    m.ids = t1(DGK_DTYPE_I32, G + 1);
    ck_assert_int_eq(bf16_m(&m, 8), DGK_ESHAPE);
    ck_msg_has("masked_m must be [G]");
    m = masked(DGK_DTYPE_BF16);
    m.d = t3(DGK_DTYPE_BF16, G, MMAX / 2, N);
    ck_assert_int_eq(bf16_m(&m, 8), DGK_ESHAPE);
    ck_msg_has("d must be [G, MMAX, N]");
    m = masked(DGK_DTYPE_E4M3);
    m.sb = t3(DGK_DTYPE_F32, G - 1, N / 128, K / 128);
    ck_assert_int_eq(fp8_m(&m, 8), DGK_ESHAPE);
    ck_msg_has("sb must be [G, cdiv(N, 128), cdiv(K, 128)]");
    m = masked(DGK_DTYPE_BF16);
    ck_assert_int_eq(bf16_m(&m, 0), DGK_EINVAL);
    ck_msg_has("expected_m = 0 must be positive");
}
END_TEST

/* The offsets form: offsets i32 [G + 1] in place of the group ids. */
START_TEST(offsets_form_is_checked)
{
    args x = contiguous(DGK_DTYPE_BF16);
    dgk_tensor offs = t1(DGK_DTYPE_I32, G + 1);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(NULL, &x.a, &x.b, &x.d, &offs, NULL), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_bf16_nt_contiguous_offsets: ctx is NULL");
    args y = contiguous(DGK_DTYPE_E4M3);
    ck_assert_int_eq(dgk_m_grouped_gemm_fp8_nt_contiguous_offsets(NULL, &y.a, &y.sa, &y.b, &y.sb, &y.d, &offs, NULL),
                     DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_fp8_nt_contiguous_offsets: ctx is NULL");
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(NULL, &x.a, &x.b, &x.d, &x.ids, NULL), DGK_ESHAPE);
    ck_msg_has("offsets must be [G + 1] with G = b's extent 0");
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(NULL, &x.a, &x.b, &x.d, NULL, NULL), DGK_EINVAL);
    ck_msg_has("offsets is NULL");
    offs.dtype = DGK_DTYPE_I64;
    ck_assert_int_eq(dgk_m_grouped_gemm_fp8_nt_contiguous_offsets(NULL, &y.a, &y.sa, &y.b, &y.sb, &y.d, &offs, NULL),
                     DGK_EDTYPE);
    ck_msg_has("offsets must be i32");
    offs = t2(DGK_DTYPE_I32, 1, G + 1);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_contiguous_offsets(NULL, &x.a, &x.b, &x.d, &offs, NULL), DGK_ESHAPE);
    ck_msg_has("offsets must be 1-D [G + 1]");
}
END_TEST

/* The nn form: B stored [G, K, N] (BF16 only); its own extents and row check. */
START_TEST(nn_form_is_checked)
{
    args x = contiguous(DGK_DTYPE_BF16);
    dgk_tensor bkn = t3(DGK_DTYPE_BF16, G, K, N);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nn_contiguous(NULL, &x.a, &bkn, &x.d, &x.ids, NULL), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_bf16_nn_contiguous: ctx is NULL");
    /* the nt form's B [G, N, K] (N != K here) is refused by its extents */
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nn_contiguous(NULL, &x.a, &x.b, &x.d, &x.ids, NULL), DGK_ESHAPE);
    ck_msg_has("b must be [G, K, N] with a's K");
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nn_contiguous(NULL, &x.a, NULL, &x.d, &x.ids, NULL), DGK_EINVAL);
    ck_msg_has("b is NULL");
    dgk_tensor b8 = t3(DGK_DTYPE_E4M3, G, K, N);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nn_contiguous(NULL, &x.a, &b8, &x.d, &x.ids, NULL), DGK_EDTYPE);
    ck_msg_has("b must be bf16");
    /* N = 260: rows of 520 bytes, not whole 16-byte units for TMA */
    dgk_tensor b_odd = t3(DGK_DTYPE_BF16, G, K, 260), d_odd = t2(DGK_DTYPE_BF16, MT, 260);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nn_contiguous(NULL, &x.a, &b_odd, &d_odd, &x.ids, NULL), DGK_EALIGN);
    ck_msg_has("N = 260: TMA reads d's and b's rows in 16-byte units, so N must be a multiple of 8");
}
END_TEST

/* TMA reads every tensor's rows in 16-byte units: the extent to pad is named up front
 * instead of a tensor-map encoding failure at launch. */
START_TEST(rows_must_suit_tma)
{
    args x = contiguous(DGK_DTYPE_BF16);
    dgk_tensor a = t2(DGK_DTYPE_BF16, MT, 260), b = t3(DGK_DTYPE_BF16, G, N, 260);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_contiguous(NULL, &a, &b, &x.d, &x.ids, NULL), DGK_EALIGN);
    ck_msg_has("K = 260: TMA reads a's and b's rows in 16-byte units, so K must be a multiple of 8");
    dgk_tensor bn = t3(DGK_DTYPE_BF16, G, 260, K), d = t2(DGK_DTYPE_BF16, MT, 260);
    ck_assert_int_eq(dgk_m_grouped_gemm_bf16_nt_contiguous(NULL, &x.a, &bn, &d, &x.ids, NULL), DGK_EALIGN);
    ck_msg_has("N = 260: TMA reads d's rows in 16-byte units");
    /* masked FP8: the A scales [G, K / 128, MMAX] are read a row of MMAX f32 at a time */
    args m = masked(DGK_DTYPE_E4M3);
    m.a = t3(DGK_DTYPE_E4M3, G, 250, K);
    m.sa = t3(DGK_DTYPE_F32, G, K / 128, 250);
    m.d = t3(DGK_DTYPE_BF16, G, 250, N);
    ck_assert_int_eq(fp8_m(&m, 64), DGK_EALIGN);
    ck_msg_has("MMAX = 250: TMA reads sa's rows in 16-byte units, so MMAX must be a multiple of 4");
    /* contiguous FP8: sa's row stride (it may be padded) */
    args c8 = contiguous(DGK_DTYPE_E4M3);
    c8.a = t2(DGK_DTYPE_E4M3, 130, K);
    c8.sa = t2(DGK_DTYPE_F32, K / 128, 130);
    c8.d = t2(DGK_DTYPE_BF16, 130, N);
    c8.ids = t1(DGK_DTYPE_I32, 130);
    ck_assert_int_eq(fp8_c(&c8), DGK_EALIGN);
    ck_msg_has("sa's row stride is 130 elements");
    int64_t stride[2] = {132, 1};
    memcpy(c8.sa.stride, stride, sizeof stride);
    ck_assert_int_eq(fp8_c(&c8), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
}
END_TEST

/* ---- the compiler side ---- */

/* With N and K compiled in and `n` (at most 6) more definitions "NAME=VALUE". */
static dgkc_unit *lower_defs(const char *name, const char *src, const char *const *defs, int n)
{
    const char *all[8] = {"N=4096", "K=7168"};
    ck_assert_int_le(n, 6);
    for (int i = 0; i < n; i++)
        all[2 + i] = defs[i];
    return fixture_lower(name, src, all, 2 + n);
}

/* With N and K compiled in, and one more definition NAME=VALUE when `def` is not NULL. */
static dgkc_unit *lower_with(const char *name, const char *src, const char *def, const char *value)
{
    char d[48];
    snprintf(d, sizeof d, "%s=%s", def ? def : "", value ? value : "");
    const char *defs[1] = {d};
    return lower_defs(name, src, defs, def ? 1 : 0);
}

static dgkc_unit *lower(const char *name, const char *src)
{
    return lower_with(name, src, NULL, NULL);
}

#define HAS(text, s) ck_assert_msg(strstr((text), (s)) != NULL, "generated code lacks \"%s\"", (s))

START_TEST(contiguous_plan_and_code)
{
    dgkc_unit *u = lower_with("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "DYN", "0");
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_nt_contiguous", &p);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_M_GROUPED_CONTIGUOUS);
    ck_assert_int_eq(p->args[p->sched.group_arg].kind, DGK_ARG_PTR);
    ck_assert_str_eq(p->args[p->sched.group_arg].name, "ptr_GID");
    ck_assert(!p->a.grouped && p->b.grouped && !p->fp8.sa_grouped && p->fp8.sb_grouped && !p->epi.out_grouped);
    ck_assert_int_eq(p->args[p->b.arg].tma.rank, 3);
    ck_assert_int_eq(p->cluster_m * p->cluster_n, 1);
    ck_assert_int_eq(p->launch.grid, DGK_GRID_PERSISTENT);
    HAS(cu, "group = __ldg(group_ids + m_block * BM);");
    HAS(cu, "return group >= 0;");
    HAS(cu, "if (!tile_coords(tile, M, 4096, ptr_GID, cta_rank, m_block, n_block, group))");
    HAS(cu, "dgk_tma_load_3d(smem_b + stage * B_STAGE_BYTES, &tma_B, bar, kb * BK, n_block * BN, group);");
    HAS(cu, "dgk_tma_load_2d(smem_a + stage * A_STAGE_BYTES, &tma_A, bar, kb * BK, m_block * BM);");
    HAS(cu, "const float *const sb_group = ptr_SB + (long long)group * stride_SB_0;");
    HAS(cu, "dgk_tma_store_2d(&tma_D");
    /* a group's padding rows inside its last block are not stored */
    ck_assert(p->epi.out_guard_rows);
    ck_assert_str_eq(p->args[p->epi.out_ptr_arg].name, "ptr_D");
    /* the group of a warpgroup's last row is read when the tile starts, not in the epilogue */
    HAS(cu, "const int last_group = __ldg(ptr_GID + min(m_block * BM + consumer * WG_ROWS + WG_ROWS, M) - 1);");
    HAS(cu, "if (last >= row0 && last_group != group)");
    ck_assert_ptr_null(strstr(cu, "__ldg(ptr_GID + last)"));
    HAS(cu, "if (row < M && col < 4096 && __ldg(ptr_GID + row) == group)");
    /* 16 bytes (8 bf16) per copy */
    HAS(cu, "constexpr int CHUNK = 8;  // elements per 16-byte copy");
    HAS(cu, "*reinterpret_cast<uint4 *>(out + (long long)row * stride_D_0 + col) =");
    HAS(cu, "*reinterpret_cast<const uint4 *>(staging + staging_offset(r, c));");
    /* DYN = 0: the fixed stride, no counters */
    ck_assert_int_eq(p->sched.dynamic, 0);
    ck_assert(!dgk_plan_uses_workspace(p));
    HAS(cu, "for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x)");
    dgkc_unit_free(u);
}
END_TEST

/* The nn kernel: B [G, K, N] loaded N-major as a 3-D box at (n, k, group). */
START_TEST(nn_plan_and_code)
{
    dgkc_unit *u = lower_with("stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16, "DYN", "0");
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_bf16_nn_contiguous", &p);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_M_GROUPED_CONTIGUOUS);
    ck_assert(p->b.grouped && p->b.major == DGK_MAJOR_MN && p->a.major == DGK_MAJOR_K);
    ck_assert_int_eq(p->args[p->b.arg].tma.rank, 3);
    ck_assert(p->epi.out_guard_rows);
    HAS(cu, "if (!tile_coords(tile, M, 4096, ptr_GID, cta_rank, m_block, n_block, group))");
    HAS(cu, "&tma_B, bar, n_block * BN");
    dgkc_unit_free(u);
}
END_TEST

START_TEST(offsets_plan_and_code)
{
    dgkc_unit *u = lower("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_nt_contiguous_offsets", &p);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_M_GROUPED_CONTIGUOUS);
    ck_assert(p->sched.offsets && p->epi.out_guard_rows);
    ck_assert_str_eq(p->args[p->sched.group_arg].name, "ptr_OFFS");
    ck_assert_str_eq(p->args[p->sched.groups.arg].sym, "G");
    /* tiles walk swaths of one group's blocks: align(offsets[g]) / BM up to the block of the
     * group's last row, SWATH (GROUP, whole cluster pairs) at a time; no tiles for padding;
     * past the last group: done */
    HAS(cu, "const int first = (__ldg(offsets + cur.group) + BM - 1) / BM;  // the group's aligned start");
    HAS(cu, "const int last = min((__ldg(offsets + cur.group + 1) + BM - 1) / BM, m_blocks);");
    HAS(cu, "enum { SWATH = (GROUP + CLUSTER_M - 1) / CLUSTER_M * CLUSTER_M };");
    HAS(cu, "cur.end = min(start + SWATH, last);");
    HAS(cu, "m_block = cur.start + t % size * CLUSTER_M;");
    HAS(cu, "if (!tile_coords(tile, M, 4096, ptr_OFFS, G, cta_rank, cursor, m_block, n_block, group, group_end))\n"
            "                    break;  // past the last group's blocks");
    /* the producer hands the consumers each tile's coordinates in the stage's slot */
    HAS(cu, "dgk_st_shared_v4b32(tile_slot + 16 * stage, (dgk_u32)tile, (dgk_u32)m_block, (dgk_u32)n_block, (dgk_u32)group);");
    HAS(cu, "const int m_block = (int)slot[1], n_block = (int)slot[2], group = (int)slot[3];");
    HAS(cu, "const int group_end = min(__ldg(ptr_OFFS + group + 1), M);");
    ck_assert_int_eq(p->smem.tile_off % 16, 0);
    ck_assert_int_eq(p->smem.total, p->smem.tile_off + 16 * p->stages);
    /* the partial block stops at the group's end; no id reads, no debug id check */
    HAS(cu, "if (last >= row0 && last >= group_end)");
    HAS(cu, "if (row < group_end && col < 4096)");
    ck_assert_ptr_null(strstr(cu, "DGK_DEBUG"));
    dgkc_unit_free(u);
}
END_TEST

START_TEST(masked_plan_and_code)
{
    dgkc_unit *u = lower("stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_bf16_nt_masked", &p);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_M_GROUPED_MASKED);
    ck_assert_str_eq(p->args[p->sched.group_arg].name, "ptr_MASK");
    ck_assert_int_ge(p->sched.groups.arg, 0);
    ck_assert_str_eq(p->args[p->sched.groups.arg].sym, "G");
    ck_assert(p->a.grouped && p->b.grouped && p->epi.out_grouped && !p->epi.out_guard_rows);
    ck_assert_int_eq(p->args[p->epi.out_arg].tma.rank, 3);
    /* only tiles with valid rows are numbered: a group contributes cdiv(masked_m[g], BM) row blocks */
    HAS(cu, "const int rows = min(max(__ldg(masked_m + cur.group), 0), M);");
    HAS(cu, "if (tile < cur.first + m_units * n_units)");
    HAS(cu, "if (!tile_coords(tile, MMAX, 4096, G, ptr_MASK, cursor, m_block, n_block, group))");
    HAS(cu, "break;  // past the last tile with valid rows");
    /* skip_idle 0 (the default): every warpgroup computes every tile, no valid-row count */
    ck_assert_int_eq(p->sched.skip_idle, 0);
    ck_assert_ptr_null(strstr(cu, "rows_left"));
    HAS(cu, "dgk_tma_load_3d(smem_a + stage * A_STAGE_BYTES, &tma_A, bar, kb * BK, m_block * BM, group);");
    HAS(cu, "dgk_tma_store_3d(&tma_D, staging + box * D_BOX_BYTES, col0 + box * D_BOX_COLS, row0, group);");
    dgkc_unit_free(u);
}
END_TEST

/* tail_split 1 (-D TAIL=1): the units are the whole waves' tiles, then K slices of the
 * tail's tiles (tail_unit); a sliced tile's partial sums go through the workspace, one slot
 * per CTA and one counter per tail tile and consumer, sized from the launch's CTAs. */
START_TEST(masked_tail_split)
{
    dgkc_unit *u = lower_with("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "TAIL", "1");
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_nt_masked", &p);
    ck_assert_int_eq(p->split.tail, 1);
    ck_assert_int_eq(p->split.slices, 0);
    ck_assert(dgk_plan_uses_workspace(p));
    ck_assert_int_eq(p->args[p->split.ws_arg].kind, DGK_ARG_WORKSPACE);
    ck_assert_int_eq(p->args[p->split.counters_arg].kind, DGK_ARG_WORKSPACE);
    ck_assert_int_eq(dgk_plan_partial_bytes(p, 4096, 4096, 132), 132LL * 128 * 128 * 4);
    ck_assert_int_eq(dgk_plan_counter_bytes(p, 4096, 4096, 132), 132 * 2 * 4);
    ck_assert_int_eq(dgk_plan_partial_bytes(p, 4096, 4096, 7), 7LL * 128 * 128 * 4);
    HAS(cu, "const int tiles = masked_tiles(MMAX, 4096, G, ptr_MASK);");
    HAS(cu, "if (!tail_unit(it, tiles, k_total, tile, k_first, k_blocks, tail_tile, slice, splits))");
    HAS(cu, "splits = tail ? max(min(min(ctas / tail, TAIL_SLICES), k_total), 1) : 1;");
    HAS(cu, "const long long ws_slot = (long long)tail_tile * splits;");
    HAS(cu, "store_tile = arrive_last(split_counters + tail_tile * CONSUMERS + consumer, splits, consumer);");
    HAS(cu, "for (int kb = k_first; kb < k_first + k_blocks; ++kb)");
    HAS(cu, "float *const part = split_partials + ws_slot * (BM * BN) + consumer * (WG_ROWS * BN) + 4 * (threadIdx.x % 128);");
    /* without it: no workspace, the plain tile loop */
    dgkc_unit *u0 = lower("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8);
    const char *cu0 = fixture_emit(u0, "m_grouped_fp8_nt_masked", &p);
    ck_assert(!dgk_plan_uses_workspace(p));
    ck_assert_ptr_null(strstr(cu0, "tail_unit"));
    dgkc_unit_free(u0);
    dgkc_unit_free(u);
}
END_TEST

/* tail_split on the stock masked kernels only when asked for (DGK_GEMM_TAIL=1: no rule
 * takes it); asked for with a cluster, both go to the compiler, which refuses the pair
 * (plan_split.c). */
static int has_define(const char *const *defs, int n, const char *want)
{
    for (int i = 0; i < n; i++)
        if (strcmp(defs[i], want) == 0)
            return 1;
    return 0;
}

START_TEST(masked_tail_rule)
{
    const stock_kernel k = {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_masked", 0,
                            STOCK_CLUSTER_N | STOCK_CLUSTER_M};
    gemm_shape s = {6144, 6144, 7168, 1, 2, 0, 1, 0, 0, 0, 1024, 0, 0, 0, 0};
    gemm_config c = {128, 192, 1, 1, 1, 0, 0, 0};
    char d[STOCK_CONFIG_DEFINES][48];
    const char *defs[STOCK_CONFIG_DEFINES];
    int n = stock_config_defines(&k, &s, &c, d, defs);
    ck_assert(!has_define(defs, n, "TAIL=1") && has_define(defs, n, "BN=192") && has_define(defs, n, "K=7168"));
    setenv("DGK_GEMM_TAIL", "1", 1);
    c.cluster = 2; /* the heuristic's (32 x 192 rows at K >= 6144) gives way */
    gemm_tail_override(&s, &c);
    ck_assert_int_eq(s.tail_split, 1);
    ck_assert_int_eq(c.cluster, 1);
    n = stock_config_defines(&k, &s, &c, d, defs);
    ck_assert(has_define(defs, n, "TAIL=1"));
    c.cluster = 2; /* DGK_GEMM_CLUSTER=2 as well: both go to the compiler */
    n = stock_config_defines(&k, &s, &c, d, defs);
    ck_assert(has_define(defs, n, "TAIL=1") && has_define(defs, n, "CLUSTER=2"));
    c.cluster = 1, c.cluster_n = 2;
    n = stock_config_defines(&k, &s, &c, d, defs);
    ck_assert(has_define(defs, n, "TAIL=1") && has_define(defs, n, "CLUSTER_N=2"));
    ck_assert_int_le(n, STOCK_CONFIG_DEFINES);
    setenv("DGK_GEMM_TAIL", "0", 1);
    gemm_tail_override(&s, &c);
    ck_assert_int_eq(s.tail_split, 0);
    gemm_shape dense = {4096, 4096, 7168, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    setenv("DGK_GEMM_TAIL", "1", 1);
    gemm_config dc = {256, 128, 1, 1, 2, 0, 0, 0};
    gemm_tail_override(&dense, &dc); /* masked kernels only */
    ck_assert_int_eq(dc.cluster_n, 2);
    ck_assert_int_eq(dense.tail_split, 0);
    unsetenv("DGK_GEMM_TAIL");
}
END_TEST


/* fp8.early_wait (plan.h): FP8 tiles promoted in pieces try the next stage's full barrier
 * before the last piece's promotion, in clusters only (along M or N); unclustered ones and
 * other promotion forms keep the plain wait at the loop's top. Where it is on, every K
 * loop copy (one per sb_split value) starts each tile with `ready = 0` (a real wait), and
 * tries only after releasing the stage and advancing to the next one: a try before the
 * advance would ask about the stage just consumed and pass at once. */
START_TEST(early_wait_in_clusters)
{
    static const struct {
        const char *file, *src, *kernel, *defs[3];
        int n, early;
    } cases[] = {
        {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous", {"BN=192", "DYN=0", "CLUSTER=2"}, 3, 1},
        {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous", {"BN=192", "DYN=0", "CLUSTER_N=2"}, 3, 1},
        {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous", {"BN=192", "DYN=0"}, 2, 0},
        /* two temporaries (overlap), no pieces */
        {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_contiguous", {"BN=128", "DYN=0", "CLUSTER=2"}, 3, 0},
        {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_masked", {"BN=192", "CLUSTER=2"}, 2, 1},
        {"stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "m_grouped_fp8_nt_masked", {"BN=192"}, 1, 0},
        {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_nt", {"BM=128", "BN=192", "CLUSTER_N=2"}, 3, 1},
        /* one m64 block at a time (per_m64): keeps its wait, measured slower with the try */
        {"stdlib/gemm_fp8.dgk", dgk_stdlib_gemm_fp8, "gemm_fp8_nt", {"BM=256", "BN=128", "CLUSTER=2"}, 3, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dgkc_unit *u = lower_defs(cases[i].file, cases[i].src, cases[i].defs, cases[i].n);
        const dgk_plan *p;
        const char *cu = fixture_emit(u, cases[i].kernel, &p);
        ck_assert_msg(p->fp8.early_wait == cases[i].early, "case %zu", i);
        int loops = count_of(cu, "int ready = 0;");
        ck_assert_msg(cases[i].early ? loops >= 1 : loops == 0, "case %zu: %d", i, loops);
        ck_assert_int_eq(count_of(cu, "if (!ready) dgk_mbar_wait(&full_bar[stage], phase);"), loops);
        ck_assert_int_eq(count_of(cu, "ready = kb + 1 < k_blocks && dgk_mbar_try(&full_bar[stage], phase);"), loops);
        /* inside the tile loop: after the per-tile zeroing of the accumulator */
        const char *zero = strstr(cu, "acc[mi][ni][i] = 0.0f;");
        for (const char *decl = strstr(cu, "int ready = 0;"); decl; decl = strstr(decl + 1, "int ready = 0;")) {
            const char *top = strstr(decl, "if (!ready) dgk_mbar_wait(&full_bar[stage], phase);");
            const char *rel = strstr(top, "release_stage(&empty_bar[stage], lane);");
            const char *adv = strstr(rel, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
            const char *try_ = strstr(rel, "dgk_mbar_try(");
            const char *last = strstr(rel, "promote_piece(acc[0], 1, tq1");
            ck_assert_msg(zero && zero < decl, "case %zu: ready declared outside the tile loop", i);
            ck_assert_msg(top && top - decl < 320, "case %zu: ready not reset right before its K loop", i);
            ck_assert_msg(adv && try_ && last && adv < try_ && try_ < last, "case %zu: release, advance, try, promote out of order", i);
        }
        dgkc_unit_free(u);
    }
}
END_TEST

/* tail_split with skip_idle: a warpgroup idle in a tile skips before the reduction (in
 * every slice of that tile alike, so its counter is never touched); with a swapped tile a
 * consumer's slot part is its B rows x BM. */
START_TEST(masked_tail_split_with)
{
    static const char *const skip[] = {"TAIL=1", "SKIP=1"};
    dgkc_unit *u = lower_defs("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, skip, 2);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_nt_masked", &p);
    ck_assert(p->split.tail && p->sched.skip_idle);
    const char *idle = strstr(cu, "if (consumer * WG_ROWS >= rows_left) {"), *reduce = strstr(cu, "arrive_last(split_counters");
    ck_assert(idle && reduce && idle < reduce);
    dgkc_unit_free(u);
    static const char *const swap[] = {"TAIL=1", "BM=16", "BN=128"};
    u = lower_defs("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, swap, 3);
    cu = fixture_emit(u, "m_grouped_fp8_nt_masked", &p);
    ck_assert(p->split.tail && p->swap_ab);
    HAS(cu, "float *const part = split_partials + ws_slot * (BM * BN) + consumer * (WG_ROWS * BM) + 4 * (threadIdx.x % 128);");
    dgkc_unit_free(u);
}
END_TEST

/* skip_idle 1 (-D SKIP=1): the tile walk also tells the group's valid rows from the tile's
 * first row, and a consumer warpgroup whose rows all lie past them skips its mma and store,
 * still releasing every stage; the producer loads whole tiles. */
START_TEST(masked_skip_idle)
{
    dgkc_unit *u = lower_with("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "SKIP", "1");
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_nt_masked", &p);
    ck_assert_int_eq(p->sched.skip_idle, 1);
    ck_assert_int_eq(p->consumer_wgs, 2);
    HAS(cu, "if (!tile_coords(tile, MMAX, 4096, G, ptr_MASK, cursor, m_block, n_block, group, rows_left))");
    HAS(cu, "rows_left = rows - m_block * BM;");
    HAS(cu, "if (consumer * WG_ROWS >= rows_left) {");
    HAS(cu, "release_stage(&empty_bar[stage], lane);\n"
            "                    if (++stage == STAGES) { stage = 0; phase ^= 1; }\n"
            "                }\n"
            "                dgk_named_barrier_sync(3, 128 * CONSUMERS);\n"
            "                continue;");
    /* ... and the warpgroup that computed such a tile meets it there after its store */
    HAS(cu, "if (rows_left <= (CONSUMERS - 1) * WG_ROWS) dgk_named_barrier_sync(3, 128 * CONSUMERS);");
    HAS(cu, "(void)rows_left;  // the producer loads whole tiles");
    dgkc_unit_free(u);
}
END_TEST

/* PTX of `cu` compiled by NVRTC (no GPU), with -DDGK_DEBUG=1 or without. */
static char *ptx_of(const char *cu, const char *kernel, int debug)
{
    dgk_header h;
    ck_assert_int_eq(dgkc_device_header("sm_90a", &h.name, &h.text), DGKC_OK);
    const char *const opts[1] = {"-DDGK_DEBUG=1"};
    dgk_program prog = {.source = cu, .headers = &h, .num_headers = 1, .kernel = kernel, .arch = DGK_ARCH_SM90A,
                        .output = DGK_OUTPUT_PTX, .options = debug ? opts : NULL, .num_options = debug};
    dgk_binary *bin;
    ck_assert_msg(dgk_compile(&prog, &bin, NULL) == DGK_OK, "%s", dgk_last_error());
    size_t n;
    const char *img = dgk_binary_image(bin, &n);
    char *copy = strdup(img);
    dgk_binary_release(bin);
    return copy;
}

/* Debug builds check every group id against B's G and record the first bad one in the
 * module's dgk_debug_word; release builds compile the check out. */
START_TEST(debug_build_checks_group_ids)
{
    setenv("DGK_DISABLE_CACHE", "1", 1);
    dgkc_unit *u = lower("stdlib/grouped_bf16.dgk", dgk_stdlib_grouped_bf16);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_bf16_nt_contiguous", &p);
    ck_assert_str_eq(p->args[p->sched.groups.arg].sym, "G");
    HAS(cu, "extern \"C\" __device__ dgk_u64 dgk_debug_word = 0xffffffffffffffffull;");
    HAS(cu, "if (id < -1 || id >= groups)");
    HAS(cu, "debug_check(ptr_GID, M, G);");
    char *dbg = ptx_of(cu, "m_grouped_bf16_nt_contiguous", 1), *rel = ptx_of(cu, "m_grouped_bf16_nt_contiguous", 0);
    ck_assert_msg(strstr(dbg, "red.min.u64") && strstr(dbg, "dgk_debug_word"), "debug PTX lacks the check");
    ck_assert_msg(!strstr(rel, "red.min.u64") && !strstr(rel, "dgk_debug_word"), "release PTX has the check");
    ck_assert(strstr(dbg, "wgmma.mma_async") && strstr(rel, "wgmma.mma_async"));
    free(dbg);
    free(rel);
    /* masked kernels have no group ids to check */
    cu = fixture_emit(u, "m_grouped_bf16_nt_masked", &p);
    ck_assert_ptr_null(strstr(cu, "DGK_DEBUG"));
    dgkc_unit_free(u);
}
END_TEST

/* `dynamic 1` (the stock contiguous kernels' default, DYN = 1): the
 * producer takes tiles from the counter workspace and hands each to the consumers through
 * the stage's slot; -1 ends them; the last CTA resets the counters. */
static const char *first(const char *text, const char *s)
{
    const char *at = strstr(text, s);
    ck_assert_msg(at != NULL, "generated code lacks \"%s\"", s);
    return at;
}

START_TEST(contiguous_dynamic_tiles)
{
    dgkc_unit *u = lower_with("stdlib/grouped_fp8.dgk", dgk_stdlib_grouped_fp8, "DYN", "1");
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_nt_contiguous", &p);
    ck_assert_int_eq(p->sched.dynamic, 1);
    ck_assert_int_eq(p->sched.counter_arg, p->nargs - 1); /* after every source parameter */
    ck_assert_int_eq(p->args[p->sched.counter_arg].kind, DGK_ARG_WORKSPACE);
    ck_assert_int_eq(p->args[p->sched.counter_arg].axis, 1);
    ck_assert_str_eq(p->args[p->sched.counter_arg].name, "tile_counters");
    ck_assert(dgk_plan_uses_workspace(p));
    ck_assert_int_eq(dgk_plan_counter_bytes(p, 8192, 4096, 132), 8);
    ck_assert_int_eq(dgk_plan_split_partial_bytes(p, 8192, 4096), 0);
    ck_assert_int_eq(p->smem.tile_off, p->smem.bar_off + 2 * p->stages * 8);
    ck_assert_int_eq(p->smem.total, p->smem.tile_off + 4 * p->stages);
    /* producer: take, skip padding, publish the tile with the stage, end marker, reset */
    const char *take = first(cu, "const int tile = dgk_atom_add_relaxed_gpu(tile_counter, 1);");
    const char *skip = first(cu, "if (!tile_coords(tile, M, 4096, ptr_GID, cta_rank, m_block, n_block, group))");
    const char *slot = first(cu, "dgk_st_shared_b32(tile_slot + 4 * stage, (dgk_u32)tile);");
    const char *pub = first(slot, "dgk_mbar_arrive_expect_tx(bar, ");
    const char *end = first(cu, "dgk_st_shared_b32(tile_slot + 4 * stage, (dgk_u32)-1);");
    const char *done = first(cu, "if (dgk_atom_add_acq_rel_gpu(tile_counter + 1, 1) == (int)gridDim.x - 1)");
    HAS(done, "dgk_st_relaxed_gpu_s32(tile_counter, 0);");
    HAS(done, "dgk_st_relaxed_gpu_s32(tile_counter + 1, 0);");
    ck_assert(take < skip && skip < slot && slot < pub && pub < end && end < done);
    /* consumers: the tile from the slot of its first stage; no stride, no padding check */
    const char *read = first(cu, "const int tile = (int)dgk_ld_shared_b32(tile_slot + 4 * stage);");
    ck_assert(done < read);
    HAS(read, "(void)tile_coords(tile, M, 4096, ptr_GID, cta_rank, m_block, n_block, group);");
    ck_assert_ptr_null(strstr(cu, "tile += gridDim.x"));
    HAS(cu, "int *const tile_counters)");
    dgkc_unit_free(u);
}
END_TEST

/* The number N in the first "`before`N`after`" of `text` (-1 if absent). */
static int count_in(const char *text, const char *before)
{
    const char *at = strstr(text, before);
    return at ? atoi(at + strlen(before)) : -1;
}

/* The four stock contiguous kernels as the entry points compile them (DYN = 1; group ids
 * and offsets; N and K compiled in), and the FP8 two again with K given at launch. Full
 * barriers take one arrival per stage, except FP8 with K at launch: two (its B scales
 * copied per stage; with K = 7168 they come once per tile, fp8.sb_tile). The end marker
 * completes a full-barrier phase as a loaded stage does (as many arrivals as the barrier
 * was set up for, after the stage is free), the consumers read a stage's slot only once
 * its phase completed, the slots lie past the barriers inside the launch's shared memory,
 * and the counters are the last argument, 8 bytes. */
START_TEST(dynamic_stock_variants)
{
    static const struct {
        const char *file, *kernel;
        int k_at_launch, arrivals;
    } ks[] = {
        {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_contiguous", 0, 1},
        {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_contiguous_offsets", 0, 1},
        {"stdlib/grouped_bf16.dgk", "m_grouped_bf16_nt_contiguous", 0, 1},
        {"stdlib/grouped_bf16.dgk", "m_grouped_bf16_nt_contiguous_offsets", 0, 1},
        {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_contiguous", 1, 2},
        {"stdlib/grouped_fp8.dgk", "m_grouped_fp8_nt_contiguous_offsets", 1, 2},
    };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        const char *src = strstr(ks[i].kernel, "fp8") ? dgk_stdlib_grouped_fp8 : dgk_stdlib_grouped_bf16;
        const char *n_only[1] = {"N=4096"};
        dgkc_unit *u = ks[i].k_at_launch ? fixture_lower(ks[i].file, src, n_only, 1) : lower(ks[i].file, src);
        const dgk_plan *p;
        const char *cu = fixture_emit(u, ks[i].kernel, &p);
        ck_assert_int_eq(p->sched.dynamic, 1);
        ck_assert_int_eq(p->sched.counter_arg, p->nargs - 1);
        ck_assert_int_eq(p->args[p->nargs - 1].kind, DGK_ARG_WORKSPACE);
        ck_assert_int_eq(p->args[p->nargs - 1].dtype, DGK_DT_I32);
        ck_assert_int_eq(dgk_plan_counter_bytes(p, 1, 1, 132), 8);
        /* group ids: the tile (4 bytes); offsets: the tile and its coordinates (16, v4 accesses) */
        int slot = strstr(ks[i].kernel, "offsets") ? 16 : 4;
        char end[160], read[200];
        ck_assert_int_ge(p->smem.tile_off, p->smem.bar_off + 2 * p->stages * 8);
        ck_assert_int_eq(p->smem.tile_off % slot, 0);
        ck_assert_int_le(p->smem.tile_off + slot * p->stages, p->launch.smem_bytes);
        /* the end marker: as many arrivals as the full barrier expects, on a free stage */
        ck_assert_int_eq(count_in(cu, "dgk_mbar_init(&full_bar[s], "), ks[i].arrivals);
        snprintf(end, sizeof end, "dgk_mbar_wait(&empty_bar[stage], phase ^ 1);\n"
                                  "            dgk_st_shared_b32(tile_slot + %d * stage, (dgk_u32)-1);", slot);
        const char *wait_free = first(cu, end);
        HAS(wait_free, "dgk_mbar_arrive(&full_bar[stage]);");
        ck_assert_int_eq(count_in(wait_free, "for (int i = 0; i < "), ks[i].arrivals);
        /* a stage's slot is read after its full barrier's wait, never before */
        snprintf(read, sizeof read, "dgk_mbar_wait(&full_bar[stage], phase);\n            %s",
                 slot == 4 ? "const int tile = (int)dgk_ld_shared_b32(tile_slot + 4 * stage);"
                           : "dgk_u32 slot[4];\n            dgk_ld_shared_v4b32(tile_slot + 16 * stage, slot[0], slot[1], slot[2], slot[3]);");
        HAS(cu, read);
        ck_assert_ptr_null(strstr(cu, "tile += gridDim.x"));
        dgkc_unit_free(u);
    }
}
END_TEST

/* `dynamic 0` is the fixed stride, the same code as no modifier; `dynamic` is refused
 * outside m_grouped_contiguous and outside 0..1. */
START_TEST(dynamic_0_and_refusals)
{
    static const char *const body = "{ schedule m_grouped_contiguous (cdiv(M, 128), cdiv(N, 128)) group_ids GID%s -> (i, j, g);"
        " var acc = zeros(f32[128, 128]); pipeline k in 0 .. cdiv(K, 64) {"
        " acc += mma(A[i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*128 +: 128] = bf16(acc); }";
    char src[2][1024];
    const char *mods[2] = {"", " dynamic 0"};
    const char *code[2];
    dgkc_unit *u[2];
    for (int i = 0; i < 2; i++) {
        char b[768];
        snprintf(b, sizeof b, body, mods[i]);
        snprintf(src[i], sizeof src[i], "kernel c(A : bf16[M, K], B : bf16[G, N, K], GID : i32[M], D : bf16[M, N]) %s", b);
        u[i] = lower("t.dgk", src[i]);
        const dgk_plan *p;
        code[i] = fixture_emit(u[i], "c", &p);
        ck_assert_int_eq(p->sched.dynamic, 0);
        ck_assert_int_eq(p->sched.counter_arg, -1);
        ck_assert(!dgk_plan_uses_workspace(p));
    }
    ck_assert_str_eq(code[0], code[1]);
    dgkc_unit_free(u[0]);
    dgkc_unit_free(u[1]);
    const char *bad[] = {
        "kernel a(D : f32[M], O : i32[M]) { schedule m_grouped_masked (M, M, M) masked O dynamic 1 -> (g, i, j); D[i] = 0.0; }",
        "kernel a(D : f32[M]) { schedule persistent (M) dynamic 1 -> (i); D[i] = 0.0; }",
        "kernel a(D : f32[M], O : i32[M]) { schedule m_grouped_contiguous (M, M) group_ids O dynamic 2 -> (i, j, g); D[i] = 0.0; }",
    };
    const char *want[] = {"no modifier 'dynamic' for schedule m_grouped_masked", "no modifier 'dynamic' for schedule persistent",
                          "must be at most 1, not 2"};
    for (int i = 0; i < 3; i++) {
        dgkc_unit *b = dgkc_unit_new("t.dgk", bad[i], strlen(bad[i]));
        ck_assert_int_ne(dgkc_check(b), DGKC_OK);
        char *text = fixture_diagnostics(b);
        ck_assert_msg(strstr(text, want[i]) != NULL, "%s", text);
        free(text);
        dgkc_unit_free(b);
    }
}
END_TEST

/* An epilogue vector read from a tensor of two axes at a point of its other axis: the
 * tile's group (a per-expert bias row, a masked group's row weights) or a constant, on
 * axis 0 (the vector along the contiguous axis) or axis 1 (a column: the vector's index
 * scaled by axis 0's stride). The point once went unread (every group read group 0's
 * row); now it is part of the address and checked against its axis's extent, as the
 * vector's index is against its own, and a subscript that is neither is an error, as is a
 * negative constant or one past a known extent, and a transposed epilogue tile. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s (the tests run from the repository root)", path);
    static char buf[1 << 14];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    ck_assert_uint_lt(n, sizeof buf - 1);
    buf[n] = '\0';
    return buf;
}

START_TEST(epilogue_vectors_at_a_point)
{
    const dgk_plan *p;
    dgkc_unit *u = lower("examples/moe_expert_epilogue.dgk", read_text("examples/moe_expert_epilogue.dgk"));
    const char *up = fixture_emit(u, "moe_up_bias_silu", &p);
    ck_assert_int_eq(p->epi.ops[1].op, DGK_EPI_COL);
    ck_assert_int_eq(p->epi.ops[1].point, DGK_EPI_POINT_GROUP);
    ck_assert_str_eq(p->args[p->epi.ops[1].arg2].name, "stride_BIAS_0");
    HAS(up, "float epilogue_value(float acc, int row, int col, int dgk_m, int dgk_n, int group, const float *__restrict__ ptr_BIAS, long long stride_BIAS_0, int G)");
    HAS(up, "const float v1 = col < dgk_n && group < G ? dgk_load_f32(ptr_BIAS + (long long)group * stride_BIAS_0 + col) : 0.0f;");
    HAS(up, "epilogue_value(acc[mi][ni][i + 0], row0 + r + 0, col0 + c + 0, M, 4096, group, ptr_BIAS, stride_BIAS_0, G);");
    const char *down = fixture_emit(u, "moe_down_routed", &p);
    ck_assert_int_eq(p->epi.ops[1].op, DGK_EPI_ROW);
    ck_assert_int_eq(p->epi.ops[1].point, DGK_EPI_POINT_GROUP);
    HAS(down, "const float v1 = row < dgk_m && group < G ? dgk_load_f32(ptr_W + (long long)group * stride_W_0 + row) : 0.0f;");
    dgkc_unit_free(u);

    /* masked, a group point on axis 1 and a vector shorter than the tile's rows: its own
     * extent bounds it (64, not MMAX), the group its axis's (E, not G); the swapped store
     * (BM 32) calls epilogue_value as the plain one does */
    static const char *const masked_src =
        "kernel m<BM = 128, BN = 128>(A : bf16[G, MMAX, K], B : bf16[G, N, K], W : f32[64, E], MASK : i32[G],"
        " D : bf16[G, MMAX, N]) { schedule m_grouped_masked (G, cdiv(MMAX, BM), cdiv(N, BN)) masked MASK -> (g, i, j);"
        " var acc = zeros(f32[BM, BN]); pipeline k in 0 .. cdiv(K, 64) {"
        " acc += mma(A[g, i*BM +: BM, k*64 +: 64], B[g, j*BN +: BN, k*64 +: 64]^T); }"
        " D[g, i*BM +: BM, j*BN +: BN] = bf16(acc * W[i*BM +: BM, g][:, new]); }";
    for (int swapped = 0; swapped < 2; swapped++) {
        const char *bm = swapped ? "BM=32" : "BM=128";
        const char *defs[1] = {bm};
        u = lower_defs("m.dgk", masked_src, defs, 1);
        const char *mc = fixture_emit(u, "m", &p);
        ck_assert_int_eq(p->swap_ab, swapped);
        ck_assert(p->epi.ops[1].point == DGK_EPI_POINT_GROUP && p->epi.ops[1].point_inner);
        HAS(mc, "const float v1 = row < dgk_m && row < 64 && group < E ? dgk_load_f32(ptr_W + (long long)row * stride_W_0 + group) : 0.0f;");
        HAS(mc, ", MMAX, 4096, group, ptr_W, stride_W_0, E);");
        dgkc_unit_free(u);
    }

    static const char *const fmt =
        "kernel v(A : bf16[M, K], B : bf16[N, K], BIAS : f32[4, N], W : f32[M, C], S : f32, D : bf16[M, N]) {"
        " schedule persistent (cdiv(M, 128), cdiv(N, 128)) -> (i, j); var acc = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*128 +: 128] = bf16(%s); }";
    char src[1024];
    snprintf(src, sizeof src, fmt, "acc + BIAS[2, j*128 +: 128][new, :] + W[i*128 +: 128, 3][:, new]");
    u = lower("t.dgk", src);
    const char *c2 = fixture_emit(u, "v", &p);
    ck_assert_int_eq(p->epi.ops[1].point, DGK_EPI_POINT_CONST);
    ck_assert_int_eq(p->epi.ops[1].index, 2);
    ck_assert(!p->epi.ops[1].point_inner && p->epi.ops[3].point_inner);
    /* a row of BIAS: the point scaled by axis 0's stride; its extent 4 is known, so no check */
    HAS(c2, "const float v1 = col < dgk_n ? dgk_load_f32(ptr_BIAS + (long long)2LL * stride_BIAS_0 + col) : 0.0f;");
    /* a column of W: the row scaled by axis 0's stride, the point on the unit-stride axis, checked against C */
    HAS(c2, "const float v3 = row < dgk_m && 3LL < C ? dgk_load_f32(ptr_W + (long long)row * stride_W_0 + 3LL) : 0.0f;");
    ck_assert_ptr_null(strstr(c2, "int group"));
    dgkc_unit_free(u);
    /* extents named like the kernel's symbols are their own parameters (no clash with the
     * output's dgk_m / dgk_n: a vector of N entries on an output of P columns) */
    static const char *const dup_src =
        "kernel dup(A : bf16[M, K], B : bf16[P, K], BIAS : f32[N], D : bf16[M, P]) {"
        " schedule persistent (cdiv(M, 128), cdiv(P, 128)) -> (i, j); var acc = zeros(f32[128, 128]);"
        " pipeline k in 0 .. cdiv(K, 64) { acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T); }"
        " D[i*128 +: 128, j*128 +: 128] = bf16(acc + BIAS[j*128 +: 128][new, :]); }";
    u = fixture_lower("dup.dgk", dup_src, NULL, 0);
    const char *cd = fixture_emit(u, "dup", &p);
    HAS(cd, "epilogue_value(float acc, int row, int col, int dgk_m, int dgk_n, const float *__restrict__ ptr_BIAS, int N)");
    HAS(cd, "const float v1 = col < dgk_n && col < N ? dgk_load_f32(ptr_BIAS + col) : 0.0f;");
    dgkc_unit_free(u);
    static const struct { const char *expr, *want; } bad[] = {
        {"acc + BIAS[i + 1, j*128 +: 128][new, :]",
         "an epilogue vector's other subscript (`BIAS`'s axis 0) must be a constant index, a schedule variable of the "
         "tile's block (a runtime index is not lowered in a GEMM epilogue)"},
        {"acc + BIAS[4, j*128 +: 128][new, :]", "index 4 is past `BIAS`'s axis 0, which has 4 entries"},
        {"acc + BIAS[0 - 1, j*128 +: 128][new, :]", "index -1 of `BIAS`'s axis 0 is negative"},
        {"acc + BIAS[-2, j*128 +: 128][new, :]", "index -2 of `BIAS`'s axis 0 is negative"},
        {"acc + W[i*128 +: 128, 4611686018427387904 * 4][:, new]", "(`W`'s axis 1) must be a constant index"},
        {"acc + f32(D[i*128 +: 128, j*128 +: 128]^T)", "a transposed tile (`^T`) is not lowered in an sm90 epilogue"},
    };
    for (int i = 0; i < 6; i++) {
        snprintf(src, sizeof src, fmt, bad[i].expr);
        const char *defs[2] = {"N=4096", "K=7168"};
        dgkc_unit *b = dgkc_unit_new("t.dgk", src, strlen(src));
        for (int d = 0; d < 2; d++) {
            char name[8], value[8];
            ck_assert_int_eq(sscanf(defs[d], "%7[^=]=%7s", name, value), 2);
            ck_assert_int_eq(dgkc_define(b, name, value), DGKC_OK);
        }
        ck_assert_int_eq(dgkc_check(b), DGKC_OK);
        ck_assert_int_eq(dgkc_lower(b), DGKC_OK);
        ck_assert_int_ne(dgkc_plan_kernel(b, "sm_90a", dgkc_kernel_index(b, "v")), DGKC_OK);
        char *text = fixture_diagnostics(b);
        ck_assert_msg(strstr(text, bad[i].want) != NULL, "%s", text);
        free(text);
        dgkc_unit_free(b);
    }
}
END_TEST

/* Every form of epilogue vector on every schedule that lowers it: a row or column
 * vector, of a 1-D tensor or of a 2-D one with the point (a constant, or the group on the
 * grouped schedules) on either axis; the emitted read must be exactly the address and
 * bounds that form means (the class of bug epilogue_vectors_at_a_point found twice).
 * T's extents X0, X1 are symbols of their own, so no bound is elided. */
START_TEST(epilogue_vector_forms)
{
    static const struct { const char *params, *sched, *mma, *store; int grouped; } sch[] = {
        {"A : bf16[M, K], B : bf16[N, K], T : f32[X0, X1], V : f32[X1], D : bf16[M, N]",
         "schedule persistent (cdiv(M, 128), cdiv(N, 128)) -> (i, j);",
         "acc += mma(A[i*128 +: 128, k*64 +: 64], B[j*128 +: 128, k*64 +: 64]^T);",
         "D[i*128 +: 128, j*128 +: 128] = bf16(acc + %s);", 0},
        {"A : bf16[M, K], B : bf16[G, N, K], T : f32[X0, X1], V : f32[X1], GID : i32[M], D : bf16[M, N]",
         "schedule m_grouped_contiguous (cdiv(M, 128), cdiv(N, 128)) group_ids GID -> (i, j, g);",
         "acc += mma(A[i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T);",
         "D[i*128 +: 128, j*128 +: 128] = bf16(acc + %s);", 1},
        {"A : bf16[G, MM, K], B : bf16[G, N, K], T : f32[X0, X1], V : f32[X1], MASK : i32[G], D : bf16[G, MM, N]",
         "schedule m_grouped_masked (G, cdiv(MM, 128), cdiv(N, 128)) masked MASK -> (g, i, j);",
         "acc += mma(A[g, i*128 +: 128, k*64 +: 64], B[g, j*128 +: 128, k*64 +: 64]^T);",
         "D[g, i*128 +: 128, j*128 +: 128] = bf16(acc + %s);", 1},
        {"A : bf16[KT, M], B : bf16[KT, N], T : f32[X0, X1], V : f32[X1], D : f32[G, M, N], OFFS : i32[G + 1]",
         "schedule k_grouped (G, cdiv(M, 128), cdiv(N, 128)) group_offsets OFFS -> (g, i, j);",
         "acc += mma(A[k*64 +: 64, i*128 +: 128]^T, B[k*64 +: 64, j*128 +: 128]);",
         "D[g, i*128 +: 128, j*128 +: 128] += acc + %s;", 1},
    };
    /* expr with P for the point; the read it must lower to (P: "2LL" or "group") */
    static const struct { const char *expr, *read; int point; } forms[] = {
        {"V[j*128 +: 128][new, :]", "col < dgk_n && col < X1 ? dgk_load_f32(ptr_V + col) : 0.0f", 0},
        {"T[P, j*128 +: 128][new, :]", "col < dgk_n && col < X1 && P < X0 ? dgk_load_f32(ptr_T + (long long)P * stride_T_0 + col) : 0.0f", 1},
        {"T[j*128 +: 128, P][new, :]", "col < dgk_n && col < X0 && P < X1 ? dgk_load_f32(ptr_T + (long long)col * stride_T_0 + P) : 0.0f", 1},
        {"T[P, i*128 +: 128][:, new]", "row < dgk_m && row < X1 && P < X0 ? dgk_load_f32(ptr_T + (long long)P * stride_T_0 + row) : 0.0f", 1},
        {"T[i*128 +: 128, P][:, new]", "row < dgk_m && row < X0 && P < X1 ? dgk_load_f32(ptr_T + (long long)row * stride_T_0 + P) : 0.0f", 1},
    };
    static const char *const points[2][2] = {{"2", "2LL"}, {"g", "group"}};
    int checked = 0;
    for (size_t si = 0; si < sizeof sch / sizeof sch[0]; si++)
        for (size_t fi = 0; fi < sizeof forms / sizeof forms[0]; fi++)
            for (int pi = 0; pi < (forms[fi].point ? 1 + sch[si].grouped : 1); pi++) {
                char expr[96], store[160], src[1024], want[256];
                /* the point, then the expression into the store, then the kernel */
                const char *pe = strchr(forms[fi].expr, 'P');
                fixture_with_point(expr, sizeof expr, forms[fi].expr, points[pi][0]);
                snprintf(store, sizeof store, sch[si].store, expr);
                const char *pipe = si == 3 ? "kbegin(g) / 64 .. kend(g) / 64" : "0 .. cdiv(K, 64)";
                snprintf(src, sizeof src, "kernel e(%s) { %s var acc = zeros(f32[128, 128]); pipeline k in %s { %s } %s }",
                         sch[si].params, sch[si].sched, pipe, sch[si].mma, store);
                /* the expected read with P replaced (twice at most) */
                fixture_with_point(want, sizeof want, forms[fi].read, points[pi][1]);
                dgkc_unit *u = fixture_lower("forms.dgk", src, NULL, 0);
                const dgk_plan *p;
                const char *cu = fixture_emit(u, "e", &p);
                ck_assert_msg(strstr(cu, want) != NULL, "schedule %zu, %s: want \"%s\"\n%s", si, expr, want, src);
                ck_assert_msg((strstr(cu, "int dgk_n, int group") != NULL) == (pe && pi == 1), "schedule %zu, %s: group parameter", si, expr);
                dgkc_unit_free(u);
                checked++;
            }
    ck_assert_int_eq(checked, 4 + 4 * 4 * 2 - 4); /* persistent: no group point */
}
END_TEST

/* dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous (stdlib/grouped_swiglu.c): b holds each
 * expert's gate and up rows [G, 2I, K], d [M, I]; every broken argument is named, a
 * consistent call reaches the NULL context. */
static dgk_status swiglu(const args *x)
{
    return dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous(NULL, &x->a, &x->sa, &x->b, &x->sb, &x->d, &x->ids, NULL);
}

static args swiglu_args(void)
{
    enum { I = 256 };
    args x = {t2(DGK_DTYPE_E4M3, MT, K), t2(DGK_DTYPE_F32, K / 128, MT), t3(DGK_DTYPE_E4M3, G, 2 * I, K),
              t3(DGK_DTYPE_F32, G, 2 * I / 128, K / 128), t2(DGK_DTYPE_BF16, MT, I), t1(DGK_DTYPE_I32, MT)};
    return x;
}

START_TEST(swiglu_entry_checks)
{
    args x = swiglu_args();
    ck_assert_int_eq(swiglu(&x), DGK_EINVAL);
    ck_msg_has("dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous: ctx is NULL");
    static const struct { int which; dgk_tensor t; dgk_status st; const char *want; } bad[] = {
        {0, {0}, DGK_EDTYPE, "a must be e4m3"},
        {2, {0}, DGK_ESHAPE, "b must be [G, 2I, K] with a's K and d's I (gate rows, then up rows): its extent 1 is 256, expected 512"},
        {4, {0}, DGK_ESHAPE, "I = 192 (d's columns) must be a positive multiple of 128"},
        {3, {0}, DGK_ESHAPE, "sb must be [G, cdiv(2I, 128), cdiv(K, 128)]: its extent 2 is 3, expected 2"},
        {5, {0}, DGK_ESHAPE, "group_ids must be [M]"},
        {6, {0}, DGK_EINVAL, "sa is NULL"},
        {7, {0}, DGK_ESHAPE, "K = 200 must be a positive multiple of 128"},
        {8, {0}, DGK_ESHAPE, "K = 0 must be a positive multiple of 128"},
        {9, {0}, DGK_ESHAPE, "must be a positive multiple of 128 (each half of b's rows in whole 128-row scale blocks), at most"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        args y = swiglu_args();
        if (bad[i].which == 0)
            y.a = t2(DGK_DTYPE_BF16, MT, K);
        else if (bad[i].which == 2)
            y.b = t3(DGK_DTYPE_E4M3, G, 256, K);
        else if (bad[i].which == 4)
            y.d = t2(DGK_DTYPE_BF16, MT, 192), y.b = t3(DGK_DTYPE_E4M3, G, 384, K);
        else if (bad[i].which == 3)
            y.sb = t3(DGK_DTYPE_F32, G, 4, K / 128 + 1);
        else if (bad[i].which == 5)
            y.ids = t1(DGK_DTYPE_I32, MT - 1);
        else if (bad[i].which == 7 || bad[i].which == 8) {
            const int64_t k = bad[i].which == 7 ? 200 : 0;
            y.a = t2(DGK_DTYPE_E4M3, MT, k), y.b = t3(DGK_DTYPE_E4M3, G, 512, k);
        } else if (bad[i].which == 9) /* 2I would not fit the kernel's 32-bit shapes */
            y.d = t2(DGK_DTYPE_BF16, MT, (int64_t)1 << 40);
        dgk_status st = bad[i].which == 6
                            ? dgk_m_grouped_gemm_fp8_swiglu_nt_contiguous(NULL, &y.a, NULL, &y.b, &y.sb, &y.d, &y.ids, NULL)
                            : swiglu(&y);
        ck_assert_msg(st == bad[i].st, "case %zu: status %d", i, (int)st);
        ck_msg_has(bad[i].want);
    }
}
END_TEST

/* The stock kernel as the entry point compiles it: two accumulators on the contiguous
 * schedule, the up rows I further in the expert's B, padding rows left untouched. */
START_TEST(swiglu_stock_kernel)
{
    static const char *const defs[3] = {"K=7168", "I=2048", "N2=4096"};
    dgkc_unit *u = fixture_lower("stdlib/moe_fp8.dgk", dgk_stdlib_moe_fp8, defs, 3);
    const dgk_plan *p;
    const char *cu = fixture_emit(u, "m_grouped_fp8_swiglu_nt_contiguous", &p);
    ck_assert(p->dual.enabled && p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS && p->epi.out_guard_rows);
    ck_assert_int_eq(p->bm, 128);
    ck_assert_int_eq(p->bn, 64);
    ck_assert_int_eq(p->mma.inst_n, 128);
    ck_assert(p->fp8.sb_tile && !p->fp8.sb_loads); /* K compiled in: the tile's scale rows once */
    HAS(cu, "dgk_tma_load_3d(smem_b + B_DUAL_BYTES + stage * B_STAGE_BYTES, &tma_B, bar, kb * BK, 2048 + n_block * BN, group);");
    HAS(cu, "const int sb_row2 = min(max((2048 + n_block * BN) / 128, 0), sb_rows - 1);");
    dgkc_unit_free(u);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("grouped");
    TCase *tc = tcase_create("entry_points");
    tcase_add_test(tc, consistent_calls_reach_the_context_check);
    tcase_add_test(tc, null_tensors_are_named);
    tcase_add_test(tc, dtypes_and_ranks_are_named);
    tcase_add_test(tc, extents_must_agree);
    tcase_add_test(tc, offsets_form_is_checked);
    tcase_add_test(tc, nn_form_is_checked);
    tcase_add_test(tc, rows_must_suit_tma);
    tcase_add_test(tc, swiglu_entry_checks);
    tcase_add_test(tc, swiglu_stock_kernel);
    suite_add_tcase(s, tc);
    tc = tcase_create("lowering");
    tcase_add_test(tc, contiguous_plan_and_code);
    tcase_add_test(tc, masked_plan_and_code);
    tcase_add_test(tc, masked_skip_idle);
    tcase_add_test(tc, masked_tail_split);
    tcase_add_test(tc, masked_tail_split_with);
    tcase_add_test(tc, masked_tail_rule);
    tcase_add_test(tc, offsets_plan_and_code);
    tcase_add_test(tc, nn_plan_and_code);
    tcase_add_test(tc, debug_build_checks_group_ids);
    tcase_add_test(tc, contiguous_dynamic_tiles);
    tcase_add_test(tc, dynamic_0_and_refusals);
    tcase_add_test(tc, dynamic_stock_variants);
    tcase_add_test(tc, early_wait_in_clusters);
    tcase_add_test(tc, epilogue_vectors_at_a_point);
    tcase_add_test(tc, epilogue_vector_forms);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
