/* emit_producer.c - the producer warpgroup (warpgroup 0). It gives most of its registers
 * to the consumers (setmaxnreg.dec), and one elected thread of its first warp walks the
 * tile sequence issuing, per K block: wait until the stage is free (empty barrier),
 * announce the bytes to expect (arrive.expect_tx on the full barrier), then the TMA loads
 * of the A and B tiles (and the FP8 scales: TMA; 128x128 B scales by TMA with the stage
 * or per tile, else by cp.async or, with K at launch, by a load and a store, emit_fp8_sb.c)
 * into that stage. With fp8.sb_bytes_warp
 * one thread of its second warp loads and stores the UE8M0 B-scale bytes (emit_fp8_sb.c).
 * The other threads idle until the end of the kernel. A multicast operand lands in every
 * CTA of the cluster: rank 0 issues every chunk of B's tile, the CTAs issue A's chunks in turn
 * (emit_operand_loads), and rank 0 the FP8 A scales with A (emit_sa_load).
 * In a cluster a stage may be refilled only once the consumers of every CTA released
 * it (the multicast chunks land in all of them). Consumers arrive on their own CTA's
 * empty barrier only; the producer, once that completes, forwards the release to each
 * peer's peer barrier with one remote arrive and then waits on its own peer barrier for
 * the peers' forwards. The remote arrives stay off the consumers' path, where they cost
 * 10% (emit_consumer.c). A stage's first fill has no release to forward.
 * tests/unit/test_cluster_protocol.c runs a model of this protocol under random
 * interleavings (no hang, no load into a stage still held, nothing into a CTA that left). */
#include <stdio.h>
#include <string.h>

#include "emit_internal.h"

/* Loads of one operand's stage tile, chunk by chunk (emit_operand_loads). K-major boxes
 * are {BK, rows}, MN-major boxes {rows, BK} (coordinates innermost first).
 * A multicast tile lands in both CTAs of the cluster; who issues its chunks was measured
 * per operand (H100, FP8, kernel time with DeepGEMM's method,
 * tests/gpu/results/2026-11-27-H100-tile-rates/rank0/): B (a cluster along M) is issued by
 * rank 0, every chunk of it (DeepGEMM issues it whole): 128 x 192 with a cluster
 * 1420-1427 TFLOPS at 32768x6144x7168 and 1408-1409 at 32768x4096x4096, against 1368-1373
 * and 1338-1343 with each CTA issuing half (and 1399-1406 / 1264-1276 without a cluster;
 * at locked clocks 2.04 against 2.16 ms). A (a cluster along N) stays split: rank 0
 * issuing it made 256 x 128 slower (4096x7168x16384 1391-1401 against 1430-1446,
 * 32768x4096x4096 1254-1279 against 1385-1391). */
static void emit_mc_loads(dgk_sm90_ctx *e, const dgk_sm90_opnd *o, const char *at, const char *c0, const char *c1)
{
    if (o == &e->b) /* the comment above says why B and A differ */
        dgk_sm90_line(e, "if (cta_rank == 0) for (int c = 0; c < %s_CHUNKS; ++c)", o->name);
    else
        dgk_sm90_line(e, "for (int c = (int)cta_rank; c < %s_CHUNKS; c += CLUSTER)", o->name);
    if (o->op->grouped) /* [G, rows, K]: the cluster's CTAs share the tile's group */
        dgk_sm90_line(e, "    dgk_tma_load_3d_mc(%s, &%s, bar, %s, %s, group, CLUSTER_MASK);", at, o->arg->name, c0, c1);
    else if (e->p->l2_stream)
        dgk_sm90_line(e, "    dgk_tma_load_2d_mc_hint(%s, &%s, bar, %s, %s, CLUSTER_MASK, l2_first);", at, o->arg->name, c0, c1);
    else
        dgk_sm90_line(e, "    dgk_tma_load_2d_mc(%s, &%s, bar, %s, %s, CLUSTER_MASK);", at, o->arg->name, c0, c1);
}

/* This CTA's loads of the tile; `one`: a single chunk, no loop. With l2_stream (plan.h)
 * A and B carry the policy l2_first, as the multicast ones above. */
static void emit_own_loads(dgk_sm90_ctx *e, const dgk_sm90_opnd *o, const char *at, const char *c0, const char *c1,
                           int one)
{
    if (!one)
        dgk_sm90_line(e, "for (int c = 0; c < %s_CHUNKS; ++c)", o->name);
    if (o->op->grouped) /* [G, rows, K] (or [G, K, rows]): the tile's group is the outermost coordinate */
        dgk_sm90_line(e, "%sdgk_tma_load_3d(%s, &%s, bar, %s, %s, group);", one ? "" : "    ", at, o->arg->name, c0, c1);
    else if (e->p->l2_stream)
        dgk_sm90_line(e, "%sdgk_tma_load_2d_hint(%s, &%s, bar, %s, %s, l2_first);", one ? "" : "    ", at, o->arg->name, c0, c1);
    else
        dgk_sm90_line(e, "%sdgk_tma_load_2d(%s, &%s, bar, %s, %s);", one ? "" : "    ", at, o->arg->name, c0, c1);
}

/* `base`: NULL, or the text of a row offset added to the tile's first row (the second B
 * tile of two accumulators, plan.h dgk_plan_dual, whose place in the stage `smem` names). */
static void emit_operand_loads(dgk_sm90_ctx *e, const dgk_sm90_opnd *o, const char *smem, const char *block,
                               const char *tile_rows, const char *base)
{
    char rows[DGK_PLAN_DUAL_ROW_MAX + 96], at[128];
    int mc = o->op->multicast && e->cluster > 1;
    int one = o->chunks == 1 && !mc;
    snprintf(rows, sizeof rows, one ? "%s%s%s * %s" : "%s%s%s * %s + c * %s_CHUNK_ROWS", base ? base : "", base ? " + " : "",
             block, tile_rows, o->name);
    snprintf(at, sizeof at, one ? "%s + stage * %s_STAGE_BYTES" : "%s + stage * %s_STAGE_BYTES + c * %s_CHUNK_BYTES",
             smem, o->name, o->name);
    const char *k = e->p->sched.kind == DGK_SCHED_K_GROUPED ? "(k_first + kb) * BK" : "kb * BK";
    const char *c0 = o->op->major == DGK_MAJOR_K ? k : rows, *c1 = o->op->major == DGK_MAJOR_K ? rows : k;
    if (base)
        dgk_sm90_loc(e, e->p->dual.loc, "the second accumulator's B tile, R rows further, after the first in the stage");
    else
        dgk_sm90_loc(e, o->op->loc, mc ? "operand tile, multicast to the cluster" : "operand tile");
    if (!mc) {
        emit_own_loads(e, o, at, c0, c1, one);
        return;
    }
    /* group ids along M: the pair's blocks may hold two groups, so B is multicast only when
     * they share one (b_shared, emit_sched.c), else each CTA loads its own group's tile */
    if (!(o == &e->b && dgk_sm90_b_shared_per_tile(e->p))) {
        emit_mc_loads(e, o, at, c0, c1);
        return;
    }
    dgk_sm90_open(e, "if (b_shared)");
    emit_mc_loads(e, o, at, c0, c1);
    dgk_sm90_close(e, " else {");
    e->indent++;
    dgk_sm90_line(e, "// two groups in the pair: each CTA loads its own group's tile, no multicast");
    emit_own_loads(e, o, at, c0, c1, 0);
    dgk_sm90_close(e, NULL);
}

static void emit_prefetch_descs(dgk_sm90_ctx *e)
{
    for (int i = 0; i < e->p->nargs; i++)
        if (e->p->args[i].kind == DGK_ARG_TMA)
            dgk_sm90_line(e, "dgk_tma_prefetch_desc(&%s);", e->p->args[i].name);
}

static int fits_rows(const dgk_plan *p)
{
    return dgk_plan_fits_rows(p, &p->a) || dgk_plan_fits_rows(p, &p->b);
}

/* The bytes a stage receives when a box is fit to a short operand (plan_fit_rows): the
 * runtime shrank the box to min(tile rows, extent) rows of BK elements each. */
static void emit_stage_tx(dgk_sm90_ctx *e)
{
    const dgk_sm90_opnd *ops[2] = {&e->a, &e->b};
    const char *tile[2] = {"BM", "BN"};
    char expr[256] = "STAGE_TX_BYTES";
    size_t len = strlen(expr);
    if (!fits_rows(e->p))
        return;
    for (int i = 0; i < 2; i++) {
        const dgk_plan_operand *o = ops[i]->op;
        if (dgk_plan_fits_rows(e->p, o) && len < sizeof expr)
            len += (size_t)snprintf(expr + len, sizeof expr - len, " - (dgk_u32)(%s - min(%s, %s)) * %d", tile[i], tile[i],
                                    e->p->args[o->fit_rows_arg].name, o->cols * ops[i]->elt_bytes);
    }
    dgk_sm90_loc(e, dgk_plan_fits_rows(e->p, &e->p->a) ? e->a.op->loc : e->b.op->loc,
                 "an operand with fewer rows than the tile: its box was fit to the rows that exist");
    dgk_sm90_line(e, "const dgk_u32 stage_tx = %s;", expr);
}

/* After the wait on this CTA's empty barrier: from a stage's second fill on, forward the
 * release to the peer (clusters are 2 CTAs, sema_sched.c) and wait for the peer's. Both
 * only from the second fill: a first-round wait (parity phase ^ 1 on a fresh barrier)
 * passes only while the barrier's phase 0 is open, and a peer that loads nothing into
 * this CTA's stages (a multicast tile of one chunk, all issued by rank 0) could complete
 * phase 0 before it, which would hang (found in review, reproduced on an H200 with a
 * delayed producer). From the second fill on the peer is at most one forward ahead: its
 * next one on this stage comes after its fills of the other stages, each of which waits
 * for this CTA's forward. The one remote arrive is written straight, not as a loop over
 * the cluster's other ranks: the loop's form made FP8 4096x7168x16384 with A multicast
 * 2.6% slower (1416 -> 1454 TFLOPS written straight, same card and run; the producer
 * runs on 40 registers). */
static void emit_forward_release(dgk_sm90_ctx *e)
{
    dgk_sm90_open(e, "if (fills >= STAGES)");
    dgk_sm90_line(e, "dgk_mbar_arrive_cluster(&peer_bar[stage], cta_rank ^ 1);  // our consumers released it");
    dgk_sm90_line(e, "dgk_mbar_wait(&peer_bar[stage], phase ^ 1);  // the peer's consumers released theirs");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "++fills;");
}

/* A cluster's producer leaves only once every stage it filled was released in every CTA
 * (one more round of the waits, forwarding as it goes): until then peers may multicast
 * into this CTA and arrive on its barriers. This replaces a closing cluster barrier of
 * all threads, which kept the producer warp's other lanes waiting beside the producer
 * thread. FP8 4096x7168x16384 with A multicast, beside DeepGEMM (two calls): closing
 * barrier and the loop-form forward 1401 TFLOPS against 1466 with both fixed; drain with
 * the loop form 1416 against 1454 (tests/gpu/results/2026-11-27-H100-cluster-forward/). */
static void emit_cluster_drain(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// stay until every stage this CTA filled was released cluster-wide: peers write into it until then");
    dgk_sm90_open(e, "for (int i = 0; i < STAGES; ++i)");
    dgk_sm90_line(e, "dgk_mbar_wait(&empty_bar[stage], phase ^ 1);");
    emit_forward_release(e);
    dgk_sm90_line(e, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
    dgk_sm90_close(e, NULL);
}

/* The K block's FP8 A scales, one per tile row (`kb` the absolute K block). In a cluster
 * along N both CTAs have the tile's rows, so rank 0 loads their scales for both by
 * multicast, as it loads A's chunks (the forwarded release already lets it write into the
 * peer's stage); DeepGEMM does the same, and loading them per CTA cost its own kernel
 * 0.5%. Ours, FP8 4096x7168x16384 (256 x 128, cluster_n 2) beside DeepGEMM, two cards:
 * 0.962-0.970 -> 0.980-0.981 on one, 0.977-0.981 -> 0.980-0.981 on the other; the other
 * clustered M = 4096 shapes within 0.5% (tests/gpu/results/2026-11-27-H100-release-paths/,
 * sa-multicast/ and dg-ablation/). */
static void emit_sa_load(dgk_sm90_ctx *e, const char *kb)
{
    const dgk_plan *p = e->p;
    int mc = p->cluster_n > 1, grouped = p->fp8.sa_grouped;
    dgk_sm90_loc(e, p->fp8.loc, p->fp8.sa_ue8m0 ? "A scales of this K block: BM ue8m0 bytes"
                                                 : "A scales of this K block: BM f32 values");
    if (mc)
        dgk_sm90_line(e, "// the cluster's CTAs share the tile's rows: rank 0 multicasts their scales");
    dgk_sm90_line(e, "%sdgk_tma_load_%s%s(smem_sa + stage * SA_STAGE_BYTES, &%s, bar, m_block * BM, %s%s%s);",
                  mc ? "if (cta_rank == 0) " : "", grouped ? "3d" : "2d", mc ? "_mc" : "", p->args[p->fp8.sa_arg].name, kb,
                  grouped ? ", group" : "", mc ? ", CLUSTER_MASK" : "");
}

static void emit_kblock(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    /* k_grouped: K block kb of the tile's group is block k_first + kb of the stacked K */
    const char *kb = p->sched.kind == DGK_SCHED_K_GROUPED ? "k_first + kb" : "kb";
    dgk_sm90_emit_sb_prefetch(e, kb);
    dgk_sm90_loc(e, p->stages_loc, "pipeline stage: wait until free, then fill");
    dgk_sm90_line(e, "dgk_mbar_wait(&empty_bar[stage], phase ^ 1);");
    if (e->cluster > 1)
        emit_forward_release(e);
    dgk_sm90_line(e, "dgk_u64 *const bar = &full_bar[stage];");
    dgk_sm90_emit_slot_store(e);
    dgk_sm90_line(e, "dgk_mbar_arrive_expect_tx(bar, %s%s);", fits_rows(e->p) ? "stage_tx" : "STAGE_TX_BYTES",
                  dgk_sm90_sb_ring_tx(e));
    emit_operand_loads(e, &e->a, "smem_a", "m_block", "BM", NULL);
    emit_operand_loads(e, &e->b, "smem_b", "n_block", "BN", NULL);
    if (p->dual.enabled) {
        char r[DGK_PLAN_DUAL_ROW_MAX];
        emit_operand_loads(e, &e->b, "smem_b + B_DUAL_BYTES", "n_block", "BN", dgk_plan_dual_row(p, r, sizeof r));
    }
    if (p->fp8.enabled)
        emit_sa_load(e, kb);
    dgk_sm90_emit_sb_ring_load(e);
    dgk_sm90_emit_sb_copy(e, kb);
    if (p->fp8.sb_per_column) {
        dgk_sm90_loc(e, p->fp8.loc, "B scales of this K block: BN f32 values");
        dgk_sm90_line(e, "dgk_tma_load_2d(smem_sb + stage * SB_STAGE_BYTES, &%s, bar, n_block * BN, %s);",
                      p->args[p->fp8.sb_arg].name, kb);
    }
    dgk_sm90_line(e, "if (++stage == STAGES) { stage = 0; phase ^= 1; }");
}

/* The producers' loop over the K blocks of the tile (or of the split-K unit): the TMA
 * thread's and the bytes warp's (emit_fp8_sb.c), which must walk the same stages. */
void dgk_sm90_emit_producer_kloop_open(dgk_sm90_ctx *e)
{
    if (e->p->fp8.enabled)
        dgk_sm90_line(e, "#pragma unroll 1");
    if (dgk_sm90_split(e->p))
        dgk_sm90_open(e, "for (int kb = k_first; kb < k_first + k_blocks; ++kb)");
    else
        dgk_sm90_open(e, "for (int kb = 0; kb < k_blocks; ++kb)");
}

void dgk_sm90_emit_producer(dgk_sm90_ctx *e)
{
    char kb[32];
    dgk_sm90_line(e, "// producer: one thread issues every TMA load");
    dgk_sm90_line(e, "dgk_setmaxnreg_dec<PRODUCER_REGS>();");
    if (e->p->fp8.sb_bytes_warp) {
        /* dgk_warp_id() shuffles over the whole warp: read once, before warp 0's lanes part */
        dgk_sm90_line(e, "const int producer_warp = dgk_warp_id();");
        dgk_sm90_open(e, "if (producer_warp == 0 && dgk_elect_one())");
    } else {
        dgk_sm90_open(e, "if (dgk_warp_id() == 0 && dgk_elect_one())");
    }
    emit_prefetch_descs(e);
    dgk_sm90_line(e, "const dgk_u32 cta_rank = %s;", e->cluster > 1 ? "dgk_cluster_rank()" : "0");
    if (e->cluster > 1)
        dgk_sm90_line(e, "constexpr dgk_u16 CLUSTER_MASK = (1u << CLUSTER) - 1;");
    dgk_sm90_emit_kblocks(e, kb, sizeof kb);
    if (e->p->l2_stream) /* plan.h, l2_stream */
        dgk_sm90_line(e, "const dgk_u64 l2_first = dgk_l2_policy_evict_first();  // A and B: read in one pass");
    emit_stage_tx(e);
    dgk_sm90_line(e, "int stage = 0;");
    dgk_sm90_line(e, "dgk_u32 phase = 0;");
    if (e->cluster > 1)
        dgk_sm90_line(e, "int fills = 0;  // stages filled so far: from STAGES on, each fill reuses a released stage");
    dgk_sm90_emit_sb_ring_decl(e);
    dgk_sm90_emit_tile_loop_open(e, 1);
    if (dgk_sm90_masked_rows_left(e->p))
        dgk_sm90_line(e, "(void)rows_left;  // the producer loads whole tiles");
    dgk_sm90_emit_sb_producer_tile(e);
    dgk_sm90_emit_producer_kloop_open(e);
    emit_kblock(e);
    dgk_sm90_emit_next_pair_ids(e);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_emit_dynamic_end(e);
    if (e->cluster > 1)
        emit_cluster_drain(e);
    else
        dgk_sm90_line(e, "(void)cta_rank;");
    if (e->p->fp8.sb_bytes_warp) {
        dgk_sm90_close(e, " else if (producer_warp == 1 && dgk_elect_one()) {");
        e->indent++;
        dgk_sm90_emit_sb_bytes_warp(e);
    }
    dgk_sm90_close(e, NULL);
}
