/* emit_consumer.c - the consumer warpgroups' mainloop. Each consumer raises its register
 * budget (setmaxnreg.inc), then per tile and per K block: wait for the stage's full
 * barrier, issue every wgmma of the stage back to back (K_STEPS x its m64 row blocks x
 * N_INSTS, the namespace helper mma_stage) and commit them as one group. BF16/F16: keep
 * that group in flight (wait<1>) and release the previous stage, whose group is now
 * done. FP8 with promotion: emit_fp8.c. Then the epilogue (emit_epilogue.c). A stage is
 * released by one arrive per consumer warp on its CTA's empty barrier; with FP8
 * promotion by one arrive per consumer thread (emit_release_helper,
 * dgk_sm90_empty_arrivals). In a cluster the producer forwards the release to the peer
 * CTAs (emit_producer.c). */
#include "emit_internal.h"

/* How consumers release a stage. FP8 consumers read the stage's scales with ordinary
 * shared loads, and an mbarrier arrive releases only the arriving thread's own earlier
 * accesses (PTX memory model), so there every consumer thread arrives on its own CTA's
 * barrier: with one arrive per warp, racecheck reported the producer's next write of the
 * scale slot racing with the other lanes' reads (also with a __syncwarp() before the
 * arrive); with one per thread, 0 hazards and no change in cycles
 * (tests/gpu/results/2026-11-26-H100-pieces/). BF16 consumers read the stage only
 * through wgmma: one arrive per warp. Consumers arrive on their own CTA's barrier only,
 * also in a cluster: a remote arrive (mapa + mbarrier.arrive.shared::cluster) in the
 * consumers' loop cost FP8 256 x 128 tiles with A multicast 10% at locked clocks
 * (843 -> 755 us with it removed, 4096x7168x16384); the producer forwards the release
 * to the peer CTAs instead (emit_producer.c), off the consumers' path
 * (tests/gpu/results/2026-11-27-H100-cluster-forward/). Indexed [per thread]. */
static const struct release_policy {
    const char *who;           /* the count's comment */
    const char *count;         /* EMPTY_ARRIVALS */
    const char *body[3];       /* release_stage(bar, lane), NULL-terminated */
} policies[2] = {
    {"every consumer warp of this CTA", "4 * CONSUMERS", {"if (lane == 0) dgk_mbar_arrive(bar);", NULL}},
    {"every consumer thread of this CTA (its scale reads)", "128 * CONSUMERS", {"(void)lane;", "dgk_mbar_arrive(bar);", NULL}},
};

static const struct release_policy *release_policy(const dgk_sm90_ctx *e)
{
    return &policies[e->p->fp8.enabled];
}

void dgk_sm90_emit_empty_arrivals(dgk_sm90_ctx *e)
{
    const struct release_policy *r = release_policy(e);
    dgk_sm90_line(e, "// a stage is free once %s released it", r->who);
    dgk_sm90_line(e, "enum { EMPTY_ARRIVALS = %s };", r->count);
}

static void emit_release_helper(dgk_sm90_ctx *e)
{
    const struct release_policy *r = release_policy(e);
    dgk_sm90_line(e, "// releases a stage: its empty barrier expects %s", r->who);
    dgk_sm90_open(e, "static __device__ __forceinline__ void release_stage(dgk_u64 *bar, int lane)");
    for (int i = 0; i < 3 && r->body[i]; i++)
        dgk_sm90_line(e, "%s", r->body[i]);
    dgk_sm90_close(e, NULL);
}

void dgk_sm90_emit_frag_loop(dgk_sm90_ctx *e, int with_mi, const char *stmt)
{
    static const char *const loops[3] = {"for (int mi = 0; mi < WG_M64; ++mi)", "for (int ni = 0; ni < N_INSTS; ++ni)",
                                         "for (int i = 0; i < INST_N / 2; ++i)"};
    int depth = 0;
    for (int l = with_mi ? 0 : 1; l < 3; l++, depth++) {
        dgk_sm90_line(e, "%*s#pragma unroll", 4 * depth, "");
        dgk_sm90_line(e, "%*s%s", 4 * depth, "", loops[l]);
    }
    dgk_sm90_line(e, "%*s%s", 4 * depth, "", stmt);
}

static void emit_fence_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// keeps the compiler from moving accumulator accesses across wgmma fences and waits");
    dgk_sm90_open(e, "static __device__ __forceinline__ void fence_acc(float (&t)[WG_M64][N_INSTS][INST_N / 2])");
    dgk_sm90_emit_frag_loop(e, 1, "dgk_reg_fence(t[mi][ni][i]);");
    dgk_sm90_close(e, NULL);
}

/* mma_stage: the whole stage as one wgmma group into t. The first K step adds to t only
 * when `accumulate` (a tile's first stage, and every FP8 temporary, start from zero). */
static void emit_mma_stage_helper(dgk_sm90_ctx *e)
{
    const dgk_sm90_wgmma_group g = {"mma_stage", "float (&t)[WG_M64][N_INSTS][INST_N / 2]", ", int accumulate",
                                    "fence_acc", "ks > 0 || accumulate", 1, 1, e->p->mma.inst_n};
    dgk_sm90_loc(e, e->p->mma.loc, "mma: every wgmma of a stage, then one commit");
    dgk_sm90_emit_wgmma_group(e, &g);
}

void dgk_sm90_emit_consumer_helpers(dgk_sm90_ctx *e)
{
    emit_release_helper(e);
    emit_fence_helper(e);
    emit_mma_stage_helper(e);
    if (e->p->fp8.enabled)
        dgk_sm90_emit_fp8_helpers(e);
    dgk_sm90_line(e, "%s", "");
}

/* `mma_stage(DST, ...)` on the stage `stage` after waiting for it to fill. */
void dgk_sm90_emit_issue(dgk_sm90_ctx *e, const char *dst, const char *accumulate)
{
    int swap = e->p->swap_ab; /* desc_a0 is over B's stage, desc_b0 over A's */
    dgk_sm90_line(e, "dgk_mbar_wait(&full_bar[stage], phase);");
    dgk_sm90_line(e, "mma_stage(%s, dgk_wgmma_desc_add(desc_a0, stage * %s_STAGE_BYTES),", dst, swap ? "B" : "A");
    dgk_sm90_line(e, "          dgk_wgmma_desc_add(desc_b0, stage * %s_STAGE_BYTES), %s);", swap ? "A" : "B", accumulate);
}

static void emit_kloop_16bit(dgk_sm90_ctx *e)
{
    /* Swapped operands (plan.h, swap_ab) with an f32 output and K known only at launch:
     * unless acc holds a value on the path that skips the K loop, ptxas 13.0 serializes
     * every wgmma (C7514) once the epilogue stores acc's registers unconverted (BM = 8 ..
     * 56, BN 64 and 128; the unswapped stores do not trip it). BM / 2 moves per tile. */
    if (e->p->swap_ab)
        dgk_sm90_emit_frag_loop(e, 1, "acc[mi][ni][i] = 0.0f;");
    dgk_sm90_open(e, "for (int kb = 0; kb < k_blocks; ++kb)");
    dgk_sm90_emit_issue(e, "acc", "kb > 0");
    dgk_sm90_line(e, "// this stage's group stays in flight; the previous stage's group is done: release it");
    dgk_sm90_line(e, "dgk_wgmma_wait<1>();");
    dgk_sm90_line(e, "if (kb > 0) release_stage(&empty_bar[stage == 0 ? STAGES - 1 : stage - 1], lane);");
    dgk_sm90_line(e, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "dgk_wgmma_wait<0>();");
    dgk_sm90_line(e, "fence_acc(acc);");
    dgk_sm90_line(e, "release_stage(&empty_bar[stage == 0 ? STAGES - 1 : stage - 1], lane);");
}

static void emit_consumer_setup(dgk_sm90_ctx *e)
{
    char kb[32];
    dgk_sm90_line(e, "// consumers: wgmma over each stage, then the epilogue");
    dgk_sm90_line(e, "dgk_setmaxnreg_inc<CONSUMER_REGS>();");
    dgk_sm90_line(e, "const int consumer = warpgroup - 1;");
    dgk_sm90_line(e, "const int warp = dgk_warp_id() %% 4;  // rows [16 * warp, +16) of each m64 block");
    dgk_sm90_line(e, "const int lane = dgk_lane_id();");
    dgk_sm90_line(e, "const dgk_u32 cta_rank = %s;", e->cluster > 1 ? "dgk_cluster_rank()" : "0");
    dgk_sm90_emit_kblocks(e, kb, sizeof kb);
    dgk_sm90_line(e, "float acc[WG_M64][N_INSTS][INST_N / 2];");
    if (e->p->fp8.enabled)
        dgk_sm90_emit_fp8_decls(e);
    if (e->p->swap_ab) {
        dgk_sm90_line(e, "// swap-AB: wgmma's A is this consumer's rows of B, its B the whole A tile (stage 0)");
        dgk_sm90_line(e, "const dgk_u64 desc_a0 = dgk_wgmma_desc(dgk_smem_u32(smem_b) + consumer * B_WG_BYTES, B_LBO, B_SBO, %d);",
                      (int)e->p->b.swizzle);
        dgk_sm90_line(e, "const dgk_u64 desc_b0 = dgk_wgmma_desc(dgk_smem_u32(smem_a), A_LBO, A_SBO, %d);",
                      (int)e->p->a.swizzle);
    } else {
        dgk_sm90_line(e, "// descriptors of stage 0 at this consumer's rows of A");
        dgk_sm90_line(e, "const dgk_u64 desc_a0 = dgk_wgmma_desc(dgk_smem_u32(smem_a) + consumer * A_WG_BYTES, A_LBO, A_SBO, %d);",
                      (int)e->p->a.swizzle);
        dgk_sm90_line(e, "const dgk_u64 desc_b0 = dgk_wgmma_desc(dgk_smem_u32(smem_b), B_LBO, B_SBO, %d);",
                      (int)e->p->b.swizzle);
    }
    dgk_sm90_line(e, "int stage = 0;");
    dgk_sm90_line(e, "dgk_u32 phase = 0;");
}

/* Waits for each of the tile's stages and releases it, without mma: the consumers' phases
 * stay in step with the producer's fills. */
static void emit_stage_drain(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (int kb = 0; kb < k_blocks; ++kb)");
    dgk_sm90_line(e, "dgk_mbar_wait(&full_bar[stage], phase);");
    dgk_sm90_line(e, "release_stage(&empty_bar[stage], lane);");
    dgk_sm90_line(e, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
    dgk_sm90_close(e, NULL);
}

/* Masked schedules with `skip_idle 1`: a tile's last valid row may lie in its first
 * warpgroup's rows, and then the other warpgroups' mma (and store) would only compute rows
 * past masked_m. They skip it (DeepGEMM's masked kernel does the same), but still wait for
 * every stage and release it, so the pipeline's barrier phases stay in step with the other
 * consumers. At 32 groups of 192 rows (two 128-row blocks, the second about half valid)
 * the kernel was bound by that wgmma work (ncu: 80% SM throughput); at 20 rows per group
 * that work costs clock in a memory-bound kernel (tests/gpu/results/2026-11-26-H100-masked-stream/).
 * Such a tile ends with a barrier of all consumers: left alone, the skipping warpgroup
 * ran up to STAGES blocks ahead into the next tile and from then on waited for each stage
 * as it landed. Even with the barrier the code cost 2-9% at 6 groups of 1024 rows, where
 * few tiles skip (tests/gpu/results/2026-11-26-H100-masked-skip/), so it is a modifier
 * the stock entry point sets only when the expected rows leave a warpgroup idle. */
enum { MASKED_SKIP_BARRIER = 3 }; /* named barrier ids 1 .. CONSUMERS are the epilogues' */

static void emit_masked_skip(dgk_sm90_ctx *e)
{
    if (e->p->sched.kind != DGK_SCHED_M_GROUPED_MASKED || !e->p->sched.skip_idle)
        return;
    if (e->p->consumer_wgs < 2) {
        dgk_sm90_line(e, "(void)rows_left;  // one consumer: it always holds a valid row");
        return;
    }
    dgk_sm90_line(e, "// every row of this warpgroup lies past the group's valid rows: no mma and no store, but");
    dgk_sm90_line(e, "// wait for and release every stage as the other consumers do, and meet them at the tile's end");
    dgk_sm90_open(e, "if (consumer * WG_ROWS >= rows_left)");
    emit_stage_drain(e);
    dgk_sm90_line(e, "dgk_named_barrier_sync(%d, 128 * CONSUMERS);", MASKED_SKIP_BARRIER);
    dgk_sm90_line(e, "continue;");
    dgk_sm90_close(e, NULL);
}

/* m-grouped in a cluster along M: the CTA whose row block holds no row of the tile's
 * group (masked: past the valid rows; contiguous with offsets: past the group's end, the
 * next group's rows or none; with group ids: padding, the peer's block holding rows)
 * waits for every stage and releases it, with no mma and no store; its producer loaded the
 * stages as the peer's did, and both consumers' releases are needed before either CTA
 * refills a stage. */
static void emit_idle_block(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    if (p->cluster_m < 2 || !dgk_sm90_grouped(p))
        return;
    const char *cond = p->sched.kind == DGK_SCHED_M_GROUPED_MASKED ? "if (rows_left <= 0)"
                       : dgk_sm90_b_shared_per_tile(p)              ? "if (idle)"
                                                                    : "if (m_block * BM >= group_end)";
    dgk_sm90_line(e, "// no row of the group in this CTA's block: run the stages without mma or store");
    dgk_sm90_open(e, "%s", cond);
    emit_stage_drain(e);
    dgk_sm90_line(e, "continue;");
    dgk_sm90_close(e, NULL);
}

/* The other side of emit_masked_skip's barrier: the warpgroups that computed a tile in
 * which the last one skipped meet it after their store. */
static void emit_masked_skip_join(dgk_sm90_ctx *e)
{
    if (e->p->sched.kind != DGK_SCHED_M_GROUPED_MASKED || !e->p->sched.skip_idle || e->p->consumer_wgs < 2)
        return;
    dgk_sm90_line(e, "// the last warpgroup skipped this tile: meet it, so it does not run ahead into the next");
    dgk_sm90_line(e, "if (rows_left <= (CONSUMERS - 1) * WG_ROWS) dgk_named_barrier_sync(%d, 128 * CONSUMERS);",
                  MASKED_SKIP_BARRIER);
}

void dgk_sm90_emit_consumer(dgk_sm90_ctx *e)
{
    int fp8 = e->p->fp8.enabled;
    emit_consumer_setup(e);
    dgk_sm90_emit_sb_ring_decl(e);
    dgk_sm90_emit_tile_loop_open(e, 0);
    dgk_sm90_emit_sb_ring_take(e);
    emit_idle_block(e);
    emit_masked_skip(e);
    if (dgk_sm90_split(e->p) && !fp8)
        dgk_sm90_line(e, "(void)k_first;  // the 16-bit mainloop counts its blocks from 0");
    if (fp8)
        dgk_sm90_emit_fp8_kloop(e);
    else
        emit_kloop_16bit(e);
    dgk_sm90_emit_split_reduce(e);
    dgk_sm90_emit_epilogue(e);
    emit_masked_skip_join(e);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "// the last TMA store has read its staging before the CTA's shared memory goes away");
    dgk_sm90_line(e, "if (threadIdx.x %% 128 == 0) dgk_tma_store_wait<0>();");
    if (e->cluster == 1)
        dgk_sm90_line(e, "(void)cta_rank;");
}
