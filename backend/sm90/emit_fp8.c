/* emit_fp8.c - FP8 fine-grained promotion (`acc += mma(a, b) * sa * sb`). Each 128-wide
 * K block is multiplied into a temporary by wgmma; once that completes, each thread
 * scales its values by SA (one f32 per row, loaded by TMA into the stage with the
 * operands) times SB and adds them into `acc` on the CUDA cores.
 * SB (one f32 per 128x128 block of B) comes through the stage too: the producer copies
 * the tile's value(s) there (emit_fp8_sb.c), read with the A scales.
 * Temporaries: with plan->fp8.overlap two alternate, so block kb is promoted while block
 * kb + 1's wgmmas run and the tensor cores do not idle; with plan->fp8.per_m64 (BM = 256)
 * one temporary holds one m64 row block and each block is multiplied and promoted in turn
 * (with wgmmas of the whole BN, while the other warpgroup's keep the tensor cores busy);
 * otherwise one temporary holds the whole block. With plan->fp8.pieces that one temporary
 * is held as two pieces of m64 rows x BN/2 columns (a wgmma of half the N), and a K block
 * is worked through piece by piece, each piece's wgmmas issued before the previous piece
 * is promoted: the warpgroup's own wgmmas then run under its promotion (all but the last
 * piece's), where the whole-temporary loops left the tensor cores to the other warpgroup.
 * (Carrying the last piece into the next K block's trip would overlap that one too, but
 * ptxas then serializes every wgmma, C7514: a wgmma in flight across the loop's back
 * edge with its accumulator in a piece.)
 * A tile whose BN does not divide 128 can straddle two SB blocks; the boundary always falls
 * on a multiple of 8 columns (BN and the tile start are multiples of 8), so each 8-column
 * accumulator group picks one of two scales. With plan->fp8.sb_per_column (B scaled 1x128,
 * the weight gradient), SB is a row of BN values per K block that the producer loads into
 * each stage beside SA's; each thread reads its two columns of every 8-column group from
 * the stage while promoting, so a stage is released only after the promotion of its
 * block. UE8M0 scales (plan fp8.sa_ue8m0 / sb_ue8m0) are bytes in the stage or in global
 * memory, widened to f32 by dgk_ue8m0_to_f32 where they are read; the promotion itself is
 * the same. */
#include <stdio.h>

#include "emit_internal.h"

/* UE8M0 A scales are bytes in the stage, widened to f32 as they are read. */
static void emit_read_sa_helper(dgk_sm90_ctx *e)
{
    int ue = e->p->fp8.sa_ue8m0;
    dgk_sm90_line(e, "// this thread's A scales in a stage: rows lane/4 and lane/4 + 8 of each 16-row slice%s",
                  ue ? " (ue8m0 bytes)" : "");
    dgk_sm90_open(e, "static __device__ __forceinline__ void read_sa(float (&sa)[WG_M64][2], dgk_u32 addr)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    if (ue) {
        dgk_sm90_line(e, "sa[mi][0] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + (mi * 64)));");
        dgk_sm90_line(e, "sa[mi][1] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + (mi * 64 + 8)));");
    } else {
        dgk_sm90_line(e, "sa[mi][0] = dgk_ld_shared_f32(addr + 4 * (mi * 64));");
        dgk_sm90_line(e, "sa[mi][1] = dgk_ld_shared_f32(addr + 4 * (mi * 64 + 8));");
    }
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

/* The scales of rows r and r + 8 for the low (and, straddling, the high) B scale block. */
static void emit_scale_products(dgk_sm90_ctx *e, int straddle)
{
    dgk_sm90_line(e, "const float s_lo0 = sa_r0 * sb_lo, s_lo1 = sa_r8 * sb_lo;");
    if (straddle)
        dgk_sm90_line(e, "const float s_hi0 = sa_r0 * sb_hi, s_hi1 = sa_r8 * sb_hi;");
}

/* One 8-column group of an accumulator fragment, values i..i+3 (rows r, r, r + 8, r + 8):
 * its scales (picked by the group's tile column `col` when the tile straddles), then
 * acc += t * scale. `pre` is a line before the FFMAs or NULL; `acc` and `t` are formats
 * of the value with index 0..3. */
static void emit_promote_group(dgk_sm90_ctx *e, int straddle, const char *col, const char *pre, const char *acc,
                               const char *t)
{
    static const char *const scale[4] = {"s0", "s0", "s1", "s1"};
    if (straddle) {
        dgk_sm90_line(e, "// the 8-column group of values i..i+3 starts at tile column %s", col);
        dgk_sm90_line(e, "const bool lo = %s < sb_split;", col);
        dgk_sm90_line(e, "const float s0 = lo ? s_lo0 : s_hi0, s1 = lo ? s_lo1 : s_hi1;");
    } else {
        dgk_sm90_line(e, "const float s0 = s_lo0, s1 = s_lo1;");
    }
    if (pre)
        dgk_sm90_line(e, "%s", pre);
    for (int v = 0; v < 4; v++) {
        char a[64], tv[64];
        snprintf(a, sizeof a, acc, v);
        snprintf(tv, sizeof tv, t, v);
        dgk_sm90_line(e, "%s += %s * %s;", a, tv, scale[v]);
    }
}

/* promote_m64: one m64 row block's fragment (rows r and r + 8 of each 16-row slice, with
 * A scales sa_r0 and sa_r8); promote: every row block of the warpgroup. */
static void emit_promote_helper(dgk_sm90_ctx *e, int straddle)
{
    const char *sb_args = straddle ? ", float sb_hi, int sb_split" : "";
    dgk_sm90_loc(e, e->p->fp8.loc, straddle ? "promotion: acc += t * SA[row] * (column < sb_split ? sb_lo : sb_hi)"
                                            : "promotion: acc += t * SA[row] * sb");
    dgk_sm90_open(e, "static __device__ __forceinline__ void promote_m64(float (&acc)[N_INSTS][INST_N / 2], "
                     "float (&t)[N_INSTS][INST_N / 2], float sa_r0, float sa_r8, float sb_lo%s)", sb_args);
    emit_scale_products(e, straddle);
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int i = 0; i < INST_N / 2; i += 4)");
    emit_promote_group(e, straddle, "ni * INST_N + 2 * i", NULL, "acc[ni][i + %d]", "t[ni][i + %d]");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_open(e, "static __device__ __forceinline__ void promote(float (&acc)[WG_M64][N_INSTS][INST_N / 2], "
                     "float (&t)[WG_M64][N_INSTS][INST_N / 2], const float (&sa)[WG_M64][2], float sb_lo%s)", sb_args);
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_line(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "    promote_m64(acc[mi], t[mi], sa[mi][0], sa[mi][1], sb_lo%s);", straddle ? ", sb_hi, sb_split" : "");
    dgk_sm90_close(e, NULL);
}

/* fp8.per_m64: the wgmmas of one m64 row block of a stage into a one-block temporary. */
static void emit_mma_m64_helper(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    dgk_sm90_line(e, "// keeps the compiler from moving a one-block temporary's accesses across wgmma fences and waits");
    dgk_sm90_open(e, "static __device__ __forceinline__ void fence_frag(float (&t)[N_INSTS][INST_N / 2])");
    dgk_sm90_emit_frag_loop(e, 0, "dgk_reg_fence(t[ni][i]);");
    dgk_sm90_close(e, NULL);
    const dgk_sm90_wgmma_group g = {"mma_m64", "float (&t)[N_INSTS][INST_N / 2]", "", "fence_frag", "ks > 0", 0, 1,
                                    p->mma.inst_n};
    dgk_sm90_loc(e, p->mma.loc, "mma of one m64 row block of a stage (desc_a at that block), then one commit");
    dgk_sm90_emit_wgmma_group(e, &g);
}

/* Per-column B scales: the accumulator fragment's values i..i+3 of an 8-column group are
 * rows (r, r, r + 8, r + 8) and columns (c, c + 1, c, c + 1), c = group * 8 + (lane % 4) * 2;
 * sb_addr already points at column (lane % 4) * 2 of the stage's SB row. */
static void emit_promote_columns_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_loc(e, e->p->fp8.loc, "promotion: acc += t * SA[row] * SB[col], SB read from the stage");
    dgk_sm90_open(e, "static __device__ __forceinline__ void promote(float (&acc)[WG_M64][N_INSTS][INST_N / 2], "
                     "float (&t)[WG_M64][N_INSTS][INST_N / 2], const float (&sa)[WG_M64][2], dgk_u32 sb_addr)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int i = 0; i < INST_N / 2; i += 4)");
    dgk_sm90_line(e, "// the 8-column group of values i..i+3 starts at tile column ni * INST_N + 2 * i");
    dgk_sm90_line(e, "const float sb0 = dgk_ld_shared_f32(sb_addr + 4 * (ni * INST_N + 2 * i));");
    dgk_sm90_line(e, "const float sb1 = dgk_ld_shared_f32(sb_addr + 4 * (ni * INST_N + 2 * i + 1));");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "acc[mi][ni][i + 0] += t[mi][ni][i + 0] * (sa[mi][0] * sb0);");
    dgk_sm90_line(e, "acc[mi][ni][i + 1] += t[mi][ni][i + 1] * (sa[mi][0] * sb1);");
    dgk_sm90_line(e, "acc[mi][ni][i + 2] += t[mi][ni][i + 2] * (sa[mi][1] * sb0);");
    dgk_sm90_line(e, "acc[mi][ni][i + 3] += t[mi][ni][i + 3] * (sa[mi][1] * sb1);");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

/* fp8.pieces: a piece's wgmmas (K_STEPS of m64 x BN/2, one commit group) and its promotion
 * into acc's values [h * INST_N / 4, +INST_N / 4), columns h * INST_N / 2 onwards. */
static void emit_piece_helpers(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    int straddle = p->fp8.sb_straddle;
    dgk_sm90_line(e, "enum { B_PIECE_BYTES = B_INST_BYTES / 2 };  // INST_N / 2 rows of B");
    dgk_sm90_line(e, "// keeps the compiler from moving a piece's accesses across wgmma fences and waits");
    dgk_sm90_open(e, "static __device__ __forceinline__ void fence_piece(float (&t)[INST_N / 4])");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_line(e, "for (int i = 0; i < INST_N / 4; ++i) dgk_reg_fence(t[i]);");
    dgk_sm90_close(e, NULL);
    const dgk_sm90_wgmma_group g = {"mma_piece", "float (&t)[INST_N / 4]", "", "fence_piece", "ks > 0", 0, 0,
                                    p->mma.inst_n / 2};
    dgk_sm90_loc(e, p->mma.loc, "mma of one piece of a stage (desc_a at its m64 block, desc_b at its half), then one commit");
    dgk_sm90_emit_wgmma_group(e, &g);
    dgk_sm90_loc(e, p->fp8.loc, straddle ? "promotion of piece h: acc += t * SA[row] * (column < sb_split ? sb_lo : sb_hi)"
                                         : "promotion of piece h: acc += t * SA[row] * sb");
    dgk_sm90_open(e, "static __device__ __forceinline__ void promote_piece(float (&acc)[N_INSTS][INST_N / 2], int h, "
                     "float (&t)[INST_N / 4], float sa_r0, float sa_r8, float sb_lo%s)",
                  straddle ? ", float sb_hi, int sb_split" : "");
    emit_scale_products(e, straddle);
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int i = 0; i < INST_N / 4; i += 4)");
    emit_promote_group(e, straddle, "h * (INST_N / 2) + 2 * i", "float *const a = &acc[0][h * (INST_N / 4) + i];",
                       "a[%d]", "t[i + %d]");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

/* Swapped operands (plan.h, swap_ab): the fragment's columns are tile rows, so A's scales
 * go by column: values i..i+3 of 8-column group g are (row r, col c), (r, c + 1),
 * (r + 8, c), (r + 8, c + 1) with c = 8 g + 2 (lane % 4), and sa[2 g], sa[2 g + 1] are the
 * scales of columns c and c + 1 (sa_base points at this thread's first column). The tile's
 * B rows lie in one 128-row scale block (BN = 64 or 128), so one SB scales them all. */
static void emit_swap_helpers(dgk_sm90_ctx *e)
{
    int ue = e->p->fp8.sa_ue8m0, bytes = dgk_sm90_sa_bytes(e->p);
    dgk_sm90_line(e, "// swap-AB: this thread's A scales in a stage: its two columns of each 8-column group%s",
                  ue ? " (ue8m0 bytes)" : "");
    dgk_sm90_open(e, "static __device__ __forceinline__ void read_sa(float (&sa)[INST_N / 4], dgk_u32 addr)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int g = 0; g < INST_N / 8; ++g)");
    if (ue) {
        dgk_sm90_line(e, "sa[2 * g] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + 8 * g));");
        dgk_sm90_line(e, "sa[2 * g + 1] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + 8 * g + 1));");
    } else {
        dgk_sm90_line(e, "sa[2 * g] = dgk_ld_shared_f32(addr + %d * g);", 8 * bytes);
        dgk_sm90_line(e, "sa[2 * g + 1] = dgk_ld_shared_f32(addr + %d * g + 4);", 8 * bytes);
    }
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_loc(e, e->p->fp8.loc, "promotion, swap-AB: acc[B row][A row] += t * SA[A row] * sb");
    dgk_sm90_open(e, "static __device__ __forceinline__ void promote(float (&acc)[WG_M64][N_INSTS][INST_N / 2], "
                     "float (&t)[WG_M64][N_INSTS][INST_N / 2], const float (&sa)[INST_N / 4], float sb)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int g = 0; g < INST_N / 8; ++g)");
    dgk_sm90_line(e, "const float s0 = sa[2 * g] * sb, s1 = sa[2 * g + 1] * sb;");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "acc[mi][0][4 * g + 0] += t[mi][0][4 * g + 0] * s0;");
    dgk_sm90_line(e, "acc[mi][0][4 * g + 1] += t[mi][0][4 * g + 1] * s1;");
    dgk_sm90_line(e, "acc[mi][0][4 * g + 2] += t[mi][0][4 * g + 2] * s0;");
    dgk_sm90_line(e, "acc[mi][0][4 * g + 3] += t[mi][0][4 * g + 3] * s1;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

void dgk_sm90_emit_fp8_helpers(dgk_sm90_ctx *e)
{
    if (e->p->swap_ab) {
        emit_swap_helpers(e);
        dgk_sm90_emit_sb_read_helper(e);
        return;
    }
    emit_read_sa_helper(e);
    dgk_sm90_emit_sb_read_helper(e);
    if (e->p->fp8.sb_per_column)
        emit_promote_columns_helper(e);
    else if (e->p->fp8.pieces)
        emit_piece_helpers(e);
    else
        emit_promote_helper(e, e->p->fp8.sb_straddle);
    if (e->p->fp8.per_m64)
        emit_mma_m64_helper(e);
}

void dgk_sm90_emit_fp8_decls(dgk_sm90_ctx *e)
{
    if (e->p->fp8.pieces) {
        dgk_sm90_line(e, "// two pieces (m64 rows x BN/2) of one K block's product before scaling");
        dgk_sm90_line(e, "float tq0[INST_N / 4], tq1[INST_N / 4], sa0[WG_M64][2], sb0[2];");
    } else if (e->p->fp8.per_m64) {
        dgk_sm90_line(e, "// one m64 row block of one K block's product before scaling");
        dgk_sm90_line(e, "float tmp0[N_INSTS][INST_N / 2], sa0[WG_M64][2], sb0[2];");
    } else {
        /* A's scales per row, or swapped per column (emit_swap_helpers) */
        const char *sa_dims = e->p->swap_ab ? "[INST_N / 4]" : "[WG_M64][2]";
        dgk_sm90_line(e, "// one K block's product before scaling%s", e->p->fp8.overlap ? ", two alternating" : "");
        dgk_sm90_line(e, "float tmp0[WG_M64][N_INSTS][INST_N / 2], sa0%s%s;", sa_dims,
                      e->p->fp8.sb_per_column ? "" : ", sb0[2]");
        if (e->p->fp8.overlap)
            dgk_sm90_line(e, "float tmp1[WG_M64][N_INSTS][INST_N / 2], sa1%s%s;", sa_dims,
                          e->p->fp8.sb_per_column ? "" : ", sb1[2]");
    }

    if (e->p->swap_ab)
        dgk_sm90_line(e, "const dgk_u32 sa_base = dgk_smem_u32(smem_sa) + %d * (2 * (lane %% 4));  // this thread's first column",
                      dgk_sm90_sa_bytes(e->p));
    else
        dgk_sm90_line(e, "const dgk_u32 sa_base = dgk_smem_u32(smem_sa) + %d * (consumer * WG_ROWS + warp * 16 + lane / 4);",
                      dgk_sm90_sa_bytes(e->p));
    if (e->p->fp8.sb_per_column)
        dgk_sm90_line(e, "const dgk_u32 sb_base = dgk_smem_u32(smem_sb) + 4 * (2 * (lane %% 4));  // this thread's first column");
}

/* Per tile: zero the accumulators; where the tile's B scales split. */
static void emit_tile_setup(dgk_sm90_ctx *e)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    dgk_sm90_loc(e, f->loc, f->sb_per_column ? "FP8 promotion: acc += (A x B) * SA[row] * SB[col] per 128-wide K block"
                                             : "FP8 promotion: acc += (A x B) * SA[row] * SB[col / 128] per 128-wide K block");
    dgk_sm90_emit_frag_loop(e, 1, "acc[mi][ni][i] = 0.0f;");
    dgk_sm90_emit_sb_consumer_tile(e);
}

/* Issue K block `stage` into tmpN and read its scales (before the stage is released). */
static void emit_issue_block(dgk_sm90_ctx *e, int n)
{
    char dst[8];
    snprintf(dst, sizeof dst, "tmp%d", n);
    dgk_sm90_emit_issue(e, dst, "0");
    dgk_sm90_line(e, "read_sa(sa%d, sa_base + stage * SA_STAGE_BYTES);", n);
    dgk_sm90_emit_sb_read(e, n);
}

/* Promote temporary n. */
static void emit_promote_block(dgk_sm90_ctx *e, int n)
{
    dgk_sm90_line(e, "fence_acc(tmp%d);", n);
    dgk_sm90_line(e, "promote(acc, tmp%d, sa%d, %s);", n, n, dgk_sm90_sb_args(e, n));
}

/* Per-column B scales: promote K block `n` from the stage `held` it was read from, then
 * release that stage (its SB row is read during the promotion). */
static void emit_promote_held(dgk_sm90_ctx *e, int n, const char *held)
{
    dgk_sm90_line(e, "fence_acc(tmp%d);", n);
    dgk_sm90_line(e, "promote(acc, tmp%d, sa%d, sb_base + %s * SB_STAGE_BYTES);", n, n, held);
    dgk_sm90_line(e, "release_stage(&empty_bar[%s], lane);", held);
}

static void emit_advance(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
}

/* The K loop's pragma: not unrolled, or fp8.unroll (compiler/plan_pipeline.c, plan_loop_form) */
static void emit_kloop_pragma(dgk_sm90_ctx *e)
{
    if (e->p->fp8.unroll)
        dgk_sm90_line(e, "// unrolled, so that ptxas can issue the next stage's wait under this block's promotion");
    dgk_sm90_line(e, "#pragma unroll %d", e->p->fp8.unroll ? e->p->fp8.unroll : 1);
}

/* One temporary: issue, wait for it, release the stage, promote (the loop unrolled with
 * fp8.unroll: plan_pipeline.c). */
static void emit_kloop_serial(dgk_sm90_ctx *e)
{
    emit_kloop_pragma(e);
    dgk_sm90_open(e, "for (int kb = 0; kb < k_blocks; ++kb)");
    emit_issue_block(e, 0);
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    if (e->p->fp8.sb_per_column) {
        emit_promote_held(e, 0, "stage");
        emit_advance(e);
    } else {
        dgk_sm90_line(e, "release_stage(&empty_bar[stage], lane);");
        emit_advance(e);
        emit_promote_block(e, 0);
    }
    dgk_sm90_close(e, NULL);
}

/* Issue the next block into tmpN, then wait until the older block (tmpO) is done and
 * release its stage. */
static void emit_issue_next(dgk_sm90_ctx *e, int n, int older)
{
    emit_issue_block(e, n);
    dgk_sm90_line(e, "held%d = stage;", n);
    emit_advance(e);
    dgk_sm90_line(e, "dgk_wgmma_wait<1>();  // every group but tmp%d's is done", n);
    if (!e->p->fp8.sb_per_column)
        dgk_sm90_line(e, "release_stage(&empty_bar[held%d], lane);", older);
}

/* Promote the older block (temporary n): per column from its held stage (released
 * after), else with the scales read when it was issued. */
static void emit_promote_older(dgk_sm90_ctx *e, int n)
{
    char held[8];
    snprintf(held, sizeof held, "held%d", n);
    if (e->p->fp8.sb_per_column)
        emit_promote_held(e, n, held);
    else
        emit_promote_block(e, n);
}

/* Two temporaries. The steady-state loop takes two blocks per trip with no branch around
 * a wgmma (ptxas serializes wgmma it cannot follow through branches); the tail handles
 * the last one or two blocks. */
static void emit_kloop_overlap(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "int held0, held1;  // the stage each temporary's block was read from");
    emit_issue_block(e, 0);
    dgk_sm90_line(e, "held0 = stage;");
    emit_advance(e);
    dgk_sm90_line(e, "int kb = 0;");
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (; kb + 2 < k_blocks; kb += 2)");
    int pc = e->p->fp8.sb_per_column;
    emit_issue_next(e, 1, 0);
    emit_promote_older(e, 0);
    emit_issue_next(e, 0, 1);
    emit_promote_older(e, 1);
    dgk_sm90_close(e, NULL);
    dgk_sm90_open(e, "if (kb + 1 < k_blocks)");
    emit_issue_next(e, 1, 0);
    emit_promote_older(e, 0);
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    if (!pc)
        dgk_sm90_line(e, "release_stage(&empty_bar[held1], lane);");
    emit_promote_older(e, 1);
    dgk_sm90_close(e, " else {");
    e->indent++;
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    if (!pc)
        dgk_sm90_line(e, "release_stage(&empty_bar[held0], lane);");
    emit_promote_older(e, 0);
    dgk_sm90_close(e, NULL);
}

/* fp8.per_m64: per K block, each m64 row block in turn is multiplied into the one-block
 * temporary, waited for and promoted; the stage is released after the last block's wait.
 * With fp8.unroll the K loop is unrolled (plan_pipeline.c says when and why). */
static void emit_kloop_per_m64(dgk_sm90_ctx *e)
{
    emit_kloop_pragma(e);
    dgk_sm90_open(e, "for (int kb = 0; kb < k_blocks; ++kb)");
    dgk_sm90_line(e, "dgk_mbar_wait(&full_bar[stage], phase);");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "mma_m64(tmp0, dgk_wgmma_desc_add(desc_a0, stage * A_STAGE_BYTES + mi * A_M64_BYTES),");
    dgk_sm90_line(e, "        dgk_wgmma_desc_add(desc_b0, stage * B_STAGE_BYTES));");
    /* the scales are read under the first m64 block's wgmmas: ptxas hoists their first
     * use up to the loads, and ahead of the wgmmas that stall held the issue back
     * (ncu: 1% more cycles at 256 x 128) */
    dgk_sm90_open(e, "if (mi == 0)");
    dgk_sm90_line(e, "read_sa(sa0, sa_base + stage * SA_STAGE_BYTES);");
    dgk_sm90_emit_sb_read(e, 0);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    dgk_sm90_line(e, "if (mi == WG_M64 - 1) release_stage(&empty_bar[stage], lane);");
    dgk_sm90_line(e, "fence_frag(tmp0);");
    dgk_sm90_line(e, "promote_m64(acc[mi], tmp0, sa0[mi][0], sa0[mi][1], %s);", dgk_sm90_sb_args(e, 0));
    dgk_sm90_close(e, NULL);
    emit_advance(e);
    dgk_sm90_close(e, NULL);
}

/* fp8.pieces: per K block, piece u (m64 block u / 2, half u % 2) goes into tq[u % 2]; its
 * wgmmas are issued, then the previous piece is waited for (wait_group 1) and promoted. The
 * stage is released once the last piece's wgmmas are done, before that piece's promotion. */
static void emit_promote_piece(dgk_sm90_ctx *e, int u)
{
    dgk_sm90_line(e, "fence_piece(tq%d);", u % 2);
    dgk_sm90_line(e, "promote_piece(acc[%d], %d, tq%d, sa0[%d][0], sa0[%d][1], %s);", u / 2, u % 2, u % 2, u / 2, u / 2,
                  dgk_sm90_sb_args(e, 0));
}

/* With fp8.early_wait, after the stage is released and `stage` advanced, the next stage's
 * full barrier is tried once and the loop-top wait skipped when that try saw it complete:
 * the try's latency then hides under the last promotion instead of following it (ptxas
 * cannot hoist the loop-top wait across the back edge; DeepGEMM's unrolled loop gets the
 * same placement from it). Trying before the advance would ask about the stage just
 * consumed. */
static void emit_kloop_pieces(dgk_sm90_ctx *e)
{
    int pieces = e->p->fp8.pieces, early = e->p->fp8.early_wait;
    if (early)
        dgk_sm90_line(e, "int ready = 0;  // the next stage's full barrier was seen complete");
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (int kb = 0; kb < k_blocks; ++kb)");
    dgk_sm90_line(e, "%sdgk_mbar_wait(&full_bar[stage], phase);", early ? "if (!ready) " : "");
    dgk_sm90_line(e, "read_sa(sa0, sa_base + stage * SA_STAGE_BYTES);");
    dgk_sm90_emit_sb_read(e, 0);
    dgk_sm90_line(e, "const dgk_u64 da = dgk_wgmma_desc_add(desc_a0, stage * A_STAGE_BYTES);");
    dgk_sm90_line(e, "const dgk_u64 db = dgk_wgmma_desc_add(desc_b0, stage * B_STAGE_BYTES);");
    for (int u = 0; u < pieces; u++) {
        dgk_sm90_line(e, "mma_piece(tq%d, dgk_wgmma_desc_add(da, %d * A_M64_BYTES), dgk_wgmma_desc_add(db, %d * B_PIECE_BYTES));",
                      u % 2, u / 2, u % 2);
        if (u == 0)
            continue;
        dgk_sm90_line(e, "dgk_wgmma_wait<1>();  // every group but tq%d's is done", u % 2);
        emit_promote_piece(e, u - 1);
    }
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    dgk_sm90_line(e, "release_stage(&empty_bar[stage], lane);");
    if (early) {
        emit_advance(e);
        /* not after the tile's last block: each tile's loop starts with ready = 0, so that
         * try would be thrown away (and a try_wait on an unfilled stage can suspend) */
        dgk_sm90_line(e, "ready = kb + 1 < k_blocks && dgk_mbar_try(&full_bar[stage], phase);");
        emit_promote_piece(e, pieces - 1);
    } else {
        emit_promote_piece(e, pieces - 1);
        emit_advance(e);
    }
    dgk_sm90_close(e, NULL);
}

void dgk_sm90_emit_fp8_kloop(dgk_sm90_ctx *e)
{
    emit_tile_setup(e);
    dgk_sm90_emit_sb_split_loops(e, e->p->fp8.pieces    ? emit_kloop_pieces
                                    : e->p->fp8.per_m64 ? emit_kloop_per_m64
                                    : e->p->fp8.overlap ? emit_kloop_overlap
                                                        : emit_kloop_serial);
}
