/* emit_fp8_sb.c - FP8 B scales per 128x128 block (`SB[j * BN / 128, k]`): how they reach
 * the promotion. A tile needs one f32 per K block, two when it straddles two 128-column
 * scale blocks (BN = 144, 160, 192, ...). With fp8.sb_tile the producer copies the tile's
 * whole rows once (emit_fp8_sb_tile.c); with fp8.sb_tma it loads a box of four K blocks'
 * values by TMA with each stage (below). Otherwise they go per stage by the producer
 * thread: it copies them with cp.async into a 16-byte slot of the stage beside the A
 * scales, and a cp.async arrive makes the stage's full barrier wait for them as it waits
 * for the TMA bytes; or, in a kernel with K at launch (fp8.sb_loads, plan.h says why), it
 * loads and stores them itself as UE8M0 bytes go (below). Either way the consumers read
 * them from shared memory with the A scales, before releasing the stage.
 * Earlier the consumers loaded them from global one or two K blocks ahead into register
 * slots. Staging them was within noise on its own (H100 A/B), but it frees the registers
 * that 128 x 192 FP8 tiles need and keeps global loads out of the promotion.
 * UE8M0 scales are bytes, which cp.async (4 bytes at least) cannot copy without reading
 * past the tensor: a thread loads them itself, before it waits for the stage to be free
 * (so the load's latency hides behind that wait in steady state), stores them into the
 * slot and arrives on the full barrier in place of the cp.async arrive. With
 * fp8.sb_bytes_warp (one-wave launches, plan_pipeline.c says why) that thread is one of
 * the producer warpgroup's second warp, walking the TMA thread's tiles (persistent
 * schedules only), else the TMA thread itself.
 * With fp8.sb_tma (clusters along N, plan.c) the producer loads them by TMA with the
 * stage's operands instead: a box of the values of K blocks kb & ~3 .. + 3 (DGK_SB_TMA_BOX;
 * a box at K block kb itself, not on a 16-byte boundary of the row, stopped the kernel with
 * an illegal instruction on the H100, compute-sanitizer on that UTMALDG), counted in the
 * stage's bytes, so the full barrier takes one arrival; the consumers count their K
 * blocks (sb_kb) and read word sb_kb % 4. */
#include <stdio.h>

#include "emit_internal.h"

int dgk_sm90_sb_staged(const dgk_plan *p)
{
    return p->fp8.enabled && !p->fp8.sb_per_column;
}

static const char *sb_stride(const dgk_sm90_ctx *e, char *buf, int n)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    dgk_plan_dim d = {f->sb_stride, f->sb_stride_arg};
    return dgk_sm90_dim(e, &d, buf, n);
}

/* The tile's SB rows (sb_lo_ptr, and sb_hi_ptr when straddling), at K block 0. */
void dgk_sm90_emit_sb_pointers(dgk_sm90_ctx *e)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    char nb[32], sbuf[32];
    const char *sbp = e->p->args[f->sb_arg].name, *stride = sb_stride(e, sbuf, sizeof sbuf);
    const char *sbt = dgk_sm90_ctype(e->p->args[f->sb_arg].dtype);  /* float, or dgk_ue8m0 bytes */
    /* B's scale rows: N's blocks, or with two accumulators those of B's rows (N is the
     * output's columns there) */
    const dgk_plan_dim *rows = e->p->dual.enabled ? &e->p->dual.b_rows : &e->p->n;
    dgk_sm90_line(e, "const int sb_rows = (%s + 127) / 128;", dgk_sm90_dim(e, rows, nb, sizeof nb));
    dgk_sm90_line(e, "const int sb_row = min(n_block * BN / 128, sb_rows - 1);");
    if (f->sb_tma)
        return; /* the TMA load names the row */
    if (f->sb_grouped) {
        dgk_sm90_line(e, "// this tile's group's B scales");
        dgk_sm90_line(e, "const %s *const sb_group = %s + (long long)group * %s;", sbt, sbp,
                      e->p->args[f->sb_group_stride_arg].name);
        sbp = "sb_group";
    }
    dgk_sm90_line(e, "const %s *const sb_lo_ptr = %s + (long long)sb_row * %s;", sbt, sbp, stride);
    if (e->p->dual.enabled) {
        /* clamped both ways: an R that puts the tile before B's first row or past its last
         * reads TMA's zeros, and its scale row must still lie in SB */
        char r[DGK_PLAN_DUAL_ROW_MAX];
        dgk_sm90_loc(e, e->p->dual.loc, "the second accumulator's B tile: its scale row, R / 128 rows further");
        dgk_sm90_line(e, "const int sb_row2 = min(max((%s + n_block * BN) / 128, 0), sb_rows - 1);",
                      dgk_plan_dual_row(e->p, r, sizeof r));
        dgk_sm90_line(e, "const %s *const sb_hi_ptr = %s + (long long)sb_row2 * %s;", sbt, sbp, stride);
    } else if (f->sb_straddle) {
        dgk_sm90_line(e, "// the next 128-column block's row: the scales of the tile's columns past the boundary");
        dgk_sm90_line(e, "const %s *const sb_hi_ptr = %s + (long long)min(sb_row + 1, sb_rows - 1) * %s;", sbt, sbp,
                      stride);
    }
}

void dgk_sm90_emit_sb_producer_tile(dgk_sm90_ctx *e)
{
    if (!dgk_sm90_sb_staged(e->p) || e->p->fp8.sb_bytes_warp)
        return;
    dgk_sm90_loc(e, e->p->fp8.loc, e->p->fp8.sb_tile  ? "this tile's B scale rows, copied once into its slot"
                                   : e->p->fp8.sb_tma ? "this tile's B scale row, loaded with each stage by TMA"
                                                      : "this tile's B scale rows, copied into each stage");
    dgk_sm90_emit_sb_pointers(e);
    dgk_sm90_emit_sb_ring_take(e);
}

/* Whether a producer thread loads the per-stage B scales and stores them into the slot
 * itself: UE8M0 bytes, and f32 values with fp8.sb_loads. */
static int sb_by_thread(const dgk_plan *p)
{
    return dgk_sm90_sb_staged(p) && (p->fp8.sb_ue8m0 || p->fp8.sb_loads);
}

/* Before the wait for the stage: the scales of the K block are loaded here (UE8M0 bytes by
 * the bytes warp, or else by the TMA thread; f32 values, sb_loads, by the TMA thread). The
 * load's latency then hides behind the wait. Loading f32 values a K block ahead instead
 * (in the previous block's iteration) measured level: I 9216 0.8% faster, I 2048 2.7%
 * slower (tests/gpu/results/2026-11-28-H200-swiglu/sb-loads/). */
static void emit_sb_thread_loads(dgk_sm90_ctx *e, const char *kb)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    if (f->sb_ue8m0) {
        dgk_sm90_loc(e, f->loc, "B scale bytes of this K block, loaded while the stage may still be in use");
        dgk_sm90_line(e, "const dgk_u32 sb_lo_b = dgk_ldg_u8(sb_lo_ptr + %s);", kb);
        if (f->sb_straddle)
            dgk_sm90_line(e, "const dgk_u32 sb_hi_b = dgk_ldg_u8(sb_hi_ptr + %s);", kb);
        return;
    }
    dgk_sm90_loc(e, f->loc, "B scales of this K block, loaded while the stage may still be in use");
    dgk_sm90_line(e, "const float sb_lo_b = dgk_ldg_f32(sb_lo_ptr + %s);", kb);
    if (f->sb_straddle)
        dgk_sm90_line(e, "const float sb_hi_b = dgk_ldg_f32(sb_hi_ptr + %s);", kb);
}

/* The TMA thread's part: only where no bytes warp takes them. */
void dgk_sm90_emit_sb_prefetch(dgk_sm90_ctx *e, const char *kb)
{
    if (sb_by_thread(e->p) && !e->p->fp8.sb_bytes_warp) /* sb_tile is never ue8m0 or sb_loads */
        emit_sb_thread_loads(e, kb);
}

/* The stored scales (bytes, or f32 bit patterns), and the stage's second arrival. */
static void emit_sb_thread_stores(dgk_sm90_ctx *e)
{
    int ue = e->p->fp8.sb_ue8m0;
    dgk_sm90_line(e, "const dgk_u32 sb_dst = dgk_smem_u32(smem_sb) + stage * SB_STAGE_BYTES;");
    dgk_sm90_line(e, "%s", ue ? "dgk_st_shared_u8(sb_dst, sb_lo_b);" : "dgk_st_shared_b32(sb_dst, __float_as_uint(sb_lo_b));");
    if (e->p->fp8.sb_straddle)
        dgk_sm90_line(e, "%s", ue ? "dgk_st_shared_u8(sb_dst + 4, sb_hi_b);"
                                  : "dgk_st_shared_b32(sb_dst + 4, __float_as_uint(sb_hi_b));");
    dgk_sm90_line(e, "dgk_mbar_arrive(bar);  // the stage's second arrival (release: the scales are visible)");
}

/* The bytes warp's walk (fp8.sb_bytes_warp, a persistent schedule: emit_check.c): the TMA
 * thread's tiles (or split-K units) and K blocks, per K block the byte loads, the wait for
 * the stage, the stores and the arrival. It waits on this CTA's empty barrier only: the
 * bytes are its own CTA's, never multicast. */
void dgk_sm90_emit_sb_bytes_warp(dgk_sm90_ctx *e)
{
    char kbuf[32];
    dgk_sm90_line(e, "// the UE8M0 B-scale bytes: loaded and stored by this warp, so that the TMA thread never waits on a load");
    dgk_sm90_line(e, "const dgk_u32 cta_rank = %s;", e->cluster > 1 ? "dgk_cluster_rank()" : "0");
    dgk_sm90_emit_kblocks(e, kbuf, sizeof kbuf);
    dgk_sm90_line(e, "int stage = 0;");
    dgk_sm90_line(e, "dgk_u32 phase = 0;");
    dgk_sm90_emit_tile_loop_open(e, 1);
    dgk_sm90_loc(e, e->p->fp8.loc, "this tile's B scale rows, their bytes stored into each stage");
    dgk_sm90_emit_sb_pointers(e);
    dgk_sm90_emit_producer_kloop_open(e);
    emit_sb_thread_loads(e, "kb");
    dgk_sm90_loc(e, e->p->stages_loc, "pipeline stage: wait until free, then store the bytes");
    dgk_sm90_line(e, "dgk_mbar_wait(&empty_bar[stage], phase ^ 1);");
    dgk_sm90_line(e, "dgk_u64 *const bar = &full_bar[stage];");
    emit_sb_thread_stores(e);
    dgk_sm90_line(e, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "(void)cta_rank;");
}

/* In the producer, after the stage's TMA loads; `kb` is the absolute K block. */
void dgk_sm90_emit_sb_copy(dgk_sm90_ctx *e, const char *kb)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    if (!dgk_sm90_sb_staged(e->p) || e->p->fp8.sb_tile)
        return;
    if (f->sb_tma) {
        dgk_sm90_loc(e, f->loc, "B scales of this K block and its neighbours: the box holding the tile's SB value");
        dgk_sm90_line(e, "dgk_tma_load_2d(smem_sb + stage * SB_STAGE_BYTES, &%s, bar, (%s) & ~%d, sb_row);  // K blocks kb & ~%d .. + %d",
                      e->p->args[f->sb_arg].name, kb, DGK_SB_TMA_BOX - 1, DGK_SB_TMA_BOX - 1, DGK_SB_TMA_BOX - 1);
        return;
    }
    if (e->p->fp8.sb_bytes_warp)
        return; /* the bytes warp stores them */
    dgk_sm90_loc(e, f->loc, f->sb_straddle ? "B scales of this K block: the tile's two SB values"
                                           : "B scale of this K block: the tile's SB value");
    if (sb_by_thread(e->p)) {
        emit_sb_thread_stores(e);
        return;
    }
    dgk_sm90_line(e, "const dgk_u32 sb_dst = dgk_smem_u32(smem_sb) + stage * SB_STAGE_BYTES;");
    dgk_sm90_line(e, "dgk_cp_async_4(sb_dst, sb_lo_ptr + %s);", kb);
    if (f->sb_straddle)
        dgk_sm90_line(e, "dgk_cp_async_4(sb_dst + 4, sb_hi_ptr + %s);", kb);
    dgk_sm90_line(e, "dgk_cp_async_mbar_arrive(bar);  // the stage's second arrival: once the copies landed");
}

/* The full barrier's arrivals per phase: the producer's arrive.expect_tx, and with staged
 * B scales the cp.async arrive (or, where a thread loads them, UE8M0 bytes and sb_loads, a
 * plain arrive after storing them);
 * scales that come by TMA (sb_tile, sb_tma) are counted in the expected bytes. */
int dgk_sm90_full_arrivals(const dgk_plan *p)
{
    return dgk_sm90_sb_staged(p) && !p->fp8.sb_tile && !p->fp8.sb_tma ? 2 : 1;
}

void dgk_sm90_emit_sb_read_helper(dgk_sm90_ctx *e)
{
    const dgk_plan_fp8 *f = &e->p->fp8;
    if (!dgk_sm90_sb_staged(e->p))
        return;
    if (f->sb_straddle)
        dgk_sm90_line(e, "// the tile's B scales in a stage: sb[0] for columns before sb_split, sb[1] after%s",
                      f->sb_ue8m0 ? " (ue8m0 bytes)" : "");
    else
        dgk_sm90_line(e, "// the tile's B scale in a stage, as sb[0] and sb[1]%s", f->sb_ue8m0 ? " (a ue8m0 byte)" : "");
    dgk_sm90_open(e, "static __device__ __forceinline__ void read_sb(float (&sb)[2], dgk_u32 addr)");
    if (e->p->fp8.sb_tile) {
        dgk_sm90_line(e, "sb[0] = dgk_ld_shared_f32(addr);");
        dgk_sm90_line(e, f->sb_straddle ? "sb[1] = dgk_ld_shared_f32(addr + SB_ROW_BYTES);" : "sb[1] = sb[0];");
        dgk_sm90_close(e, NULL);
        return;
    }
    if (f->sb_ue8m0)
        dgk_sm90_line(e, "sb[0] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr));");
    else
        dgk_sm90_line(e, "sb[0] = dgk_ld_shared_f32(addr);");
    if (f->sb_straddle && f->sb_ue8m0)
        dgk_sm90_line(e, "sb[1] = dgk_ue8m0_to_f32(dgk_ld_shared_u8(addr + 4));");
    else if (f->sb_straddle)
        dgk_sm90_line(e, "sb[1] = dgk_ld_shared_f32(addr + 4);");
    else
        dgk_sm90_line(e, "sb[1] = sb[0];");
    dgk_sm90_close(e, NULL);
}

/* Per consumer tile: with sb_tile the walk through the tile's slot starts; where the
 * split falls. */
void dgk_sm90_emit_sb_consumer_tile(dgk_sm90_ctx *e)
{
    if (e->p->fp8.sb_tile)
        dgk_sm90_line(e, "dgk_u32 sb_at = sb_slot;  // the next K block's B scales");
    if (e->p->fp8.sb_tma)
        dgk_sm90_line(e, "int sb_kb = %s;  // the next K block: its scale is word sb_kb %% %d of its stage's box",
                      dgk_sm90_split(e->p) ? "k_first" : "0", DGK_SB_TMA_BOX);
    if (!dgk_sm90_sb_staged(e->p) || !e->p->fp8.sb_straddle || e->p->dual.enabled)
        return;
    dgk_sm90_line(e, "// columns [sb_split, BN) of the tile fall in the next SB block");
    dgk_sm90_line(e, "const int sb_split = 128 - n_block * BN %% 128;");
}

/* Read the B scales of the block in `stage` (with sb_tile: the next K block's in the
 * tile's slot) into sbN (next to read_sa). */
void dgk_sm90_emit_sb_read(dgk_sm90_ctx *e, int n)
{
    if (e->p->fp8.sb_tile)
        dgk_sm90_line(e, "read_sb(sb%d, sb_at);  sb_at += 4;", n);
    else if (e->p->fp8.sb_tma)
        dgk_sm90_line(e, "read_sb(sb%d, dgk_smem_u32(smem_sb) + stage * SB_STAGE_BYTES + 4 * (sb_kb & %d));  ++sb_kb;", n,
                      DGK_SB_TMA_BOX - 1);
    else if (dgk_sm90_sb_staged(e->p))
        dgk_sm90_line(e, "read_sb(sb%d, dgk_smem_u32(smem_sb) + stage * SB_STAGE_BYTES);", n);
}

/* The promotion's B-scale arguments from sbN; a straddling tile's split is the constant
 * of the K loop's copy (dgk_sm90_emit_sb_split_open). */
const char *dgk_sm90_sb_args(const dgk_sm90_ctx *e, int n)
{
    static const char *const plain[2] = {"sb0[0]", "sb1[0]"};
    static const char *const split[2] = {"sb0[0], sb0[1], SB_SPLIT", "sb1[0], sb1[1], SB_SPLIT"};
    return e->p->fp8.sb_straddle ? split[n] : plain[n];
}

/* A straddling tile selects one of two scales per 8-column group by comparing the group's
 * column with sb_split. With sb_split a runtime value those compares and selects cost
 * about as many instructions as the promotion's FFMAs (ncu, 128 x 192), and a promotion
 * with one temporary is on the critical path. So the K loop is emitted once per value
 * sb_split can take, under a switch, with SB_SPLIT a constant in each copy so that the
 * selects fold away: the values 128 - (n_block * BN) % 128 of the tiles that exist when N
 * is a compile-time constant (N = 576 with BN = 144: 4 of 8), else every multiple of
 * gcd(BN, 128). (A generic lambda would say it once, but NVRTC rejects lambdas in device
 * code without --extended-lambda.) */
static int split_values(const dgk_plan *p, int *out, int max)
{
    int step = p->bn & -p->bn, n = 0;
    step = step < 128 ? step : 128;
    for (int off = 0; off < 128 && n < max; off += step) {
        int occurs = p->n.arg >= 0;
        for (int64_t nb = 0; !occurs && nb * p->bn < p->n.value; nb++)
            occurs = nb * p->bn % 128 == off;
        if (occurs)
            out[n++] = 128 - off;
    }
    return n;
}

void dgk_sm90_emit_sb_split_loops(dgk_sm90_ctx *e, void (*loop)(dgk_sm90_ctx *))
{
    int v[128];
    if (!e->p->fp8.sb_straddle || e->p->fp8.sb_per_column) {
        loop(e);
        return;
    }
    if (e->p->dual.enabled) {
        dgk_sm90_line(e, "{");
        e->indent++;
        dgk_sm90_line(e, "constexpr int SB_SPLIT = BN;  // two accumulators: the second's columns [BN, 2 * BN) take sb_hi");
        loop(e);
        dgk_sm90_close(e, NULL);
        return;
    }
    int n = split_values(e->p, v, 128);
    dgk_sm90_line(e, "// one copy of the K loop per value of sb_split, SB_SPLIT its constant");
    dgk_sm90_open(e, "switch (sb_split)");
    for (int i = 0; i < n; i++) {
        dgk_sm90_open(e, "case %d:", v[i]);
        dgk_sm90_line(e, "constexpr int SB_SPLIT = %d;", v[i]);
        loop(e);
        dgk_sm90_line(e, "break;");
        dgk_sm90_close(e, NULL);
    }
    dgk_sm90_line(e, "default: __trap();  // unreachable: every value the tiles give is listed");
    dgk_sm90_close(e, NULL);
}
