/* emit_fp8.c - FP8 fine-grained promotion (`acc += mma(a, b) * sa * sb`). Each 128-wide
 * K block is multiplied into `tmp` by wgmma; after it completes, each thread scales its
 * tmp values by SA (one f32 per row, loaded by TMA into the stage with the operands)
 * times SB (one f32 per 128x128 block of B, read from global one K block ahead) and adds
 * them into `acc` on the CUDA cores. A tile whose BN does not divide 128 can straddle two
 * SB blocks; the boundary always falls on a multiple of 8 columns (BN and the tile start
 * are multiples of 8), so each 8-column accumulator group picks one of two scales. */
#include "emit_internal.h"

static const char *sb_stride(const dgk_sm90_ctx *e, char *buf, int n)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    dgk_plan_dim d = {f->sb_stride, f->sb_stride_arg};
    return dgk_sm90_dim(e, &d, buf, n);
}

/* Per tile: zero the accumulators, find this tile's SB rows, load the first K block's. */
void dgk_sm90_emit_fp8_setup(dgk_sm90_ctx *e)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    char nb[32], sb[32];
    const char *sbp = e->p->args[f->sb_arg].name;
    dgk_sm90_loc(e, f->loc, "FP8 promotion: acc += (A x B) * SA[row] * SB[col / 128]");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_line(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "    #pragma unroll");
    dgk_sm90_line(e, "    for (int ni = 0; ni < N_INSTS; ++ni)");
    dgk_sm90_line(e, "        #pragma unroll");
    dgk_sm90_line(e, "        for (int i = 0; i < INST_N / 2; ++i)");
    dgk_sm90_line(e, "            acc[mi][ni][i] = 0.0f;");
    dgk_sm90_line(e, "const int sb_rows = (%s + 127) / 128;", dgk_sm90_dim(e, &e->p->n, nb, sizeof nb));
    dgk_sm90_line(e, "const int sb_row = min(n_block * BN / 128, sb_rows - 1);");
    const char *stride = sb_stride(e, sb, sizeof sb); /* the buffer, or the argument's name */
    dgk_sm90_line(e, "const float *const sb_lo_ptr = %s + (long long)sb_row * %s;", sbp, stride);
    dgk_sm90_line(e, "float sb_lo_next = dgk_load_f32(sb_lo_ptr);");
    if (f->sb_straddle) {
        dgk_sm90_line(e, "// columns [sb_split, BN) of the tile fall in the next SB block");
        dgk_sm90_line(e, "const int sb_split = 128 - n_block * BN %% 128;");
        dgk_sm90_line(e, "const float *const sb_hi_ptr = %s + (long long)min(sb_row + 1, sb_rows - 1) * %s;", sbp, stride);
        dgk_sm90_line(e, "float sb_hi_next = dgk_load_f32(sb_hi_ptr);");
    }
}

/* This thread's A scales: rows lane/4 and lane/4 + 8 of each of its 16-row slices. */
static void emit_read_sa(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// this thread's rows' A scales, read before the stage is released");
    dgk_sm90_line(e, "const dgk_u32 sa_addr = dgk_smem_u32(smem_sa + stage * SA_STAGE_BYTES) + 4 * (consumer * WG_ROWS + warp * 16 + lane / 4);");
    dgk_sm90_line(e, "float sa[WG_M64][2];");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "sa[mi][0] = dgk_ld_shared_f32(sa_addr + 4 * (mi * 64));");
    dgk_sm90_line(e, "sa[mi][1] = dgk_ld_shared_f32(sa_addr + 4 * (mi * 64 + 8));");
    dgk_sm90_close(e, NULL);
}

static void emit_sb_step(dgk_sm90_ctx *e, int straddle)
{
    dgk_sm90_line(e, "// this K block's B scale(s); fetch the next block's now, used one K block later");
    dgk_sm90_line(e, "const float sb_lo = sb_lo_next;");
    if (straddle)
        dgk_sm90_line(e, "const float sb_hi = sb_hi_next;");
    dgk_sm90_open(e, "if (kb + 1 < k_blocks)");
    dgk_sm90_line(e, "sb_lo_next = dgk_load_f32(sb_lo_ptr + kb + 1);");
    if (straddle)
        dgk_sm90_line(e, "sb_hi_next = dgk_load_f32(sb_hi_ptr + kb + 1);");
    dgk_sm90_close(e, NULL);
}

static void emit_promote(dgk_sm90_ctx *e, int straddle)
{
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "const float s_lo0 = sa[mi][0] * sb_lo, s_lo1 = sa[mi][1] * sb_lo;");
    if (straddle)
        dgk_sm90_line(e, "const float s_hi0 = sa[mi][0] * sb_hi, s_hi1 = sa[mi][1] * sb_hi;");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int i = 0; i < INST_N / 2; i += 4)");
    if (straddle) {
        dgk_sm90_line(e, "// the 8-column group of values i..i+3 starts at tile column ni * INST_N + 2 * i");
        dgk_sm90_line(e, "const bool lo = ni * INST_N + 2 * i < sb_split;");
        dgk_sm90_line(e, "const float s0 = lo ? s_lo0 : s_hi0, s1 = lo ? s_lo1 : s_hi1;");
    } else {
        dgk_sm90_line(e, "const float s0 = s_lo0, s1 = s_lo1;");
    }
    dgk_sm90_line(e, "acc[mi][ni][i + 0] += tmp[mi][ni][i + 0] * s0;");
    dgk_sm90_line(e, "acc[mi][ni][i + 1] += tmp[mi][ni][i + 1] * s0;");
    dgk_sm90_line(e, "acc[mi][ni][i + 2] += tmp[mi][ni][i + 2] * s1;");
    dgk_sm90_line(e, "acc[mi][ni][i + 3] += tmp[mi][ni][i + 3] * s1;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

/* After the stage's wgmmas were committed into tmp. */
void dgk_sm90_emit_fp8_kblock(dgk_sm90_ctx *e)
{
    int straddle = e->p->fp8.sb_straddle;
    emit_read_sa(e);
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    dgk_sm90_line(e, "fence_acc(tmp);");
    dgk_sm90_line(e, "release_stage(&empty_bar[stage], lane);");
    emit_sb_step(e, straddle);
    emit_promote(e, straddle);
}
