/* emit_split.c - split-K (plan->split, `split_k S`) and tail_split (the last partial
 * wave's tiles of a masked schedule, plan.h): the reduction of a tile's K slices across
 * work units. Each unit's consumer warpgroup writes its FP32 accumulators (FP8: after
 * promotion) to its workspace slot (split-K: [block][slice]; tail_split: [tail tile *
 * splits + slice]), in accumulator-fragment order
 * (16-byte stores, a warpgroup's 128 threads side by side, so every store instruction
 * writes 2 KiB contiguously) in the partial-sum buffer, then counts itself in on the
 * block's counter for that warpgroup (the counter buffer, plan.h dgk_plan_split). The
 * warpgroup that sees the count reach splits - 1 is the last: it sets the counter back
 * to 0 (so the next launch, or a CUDA graph replay, needs no memset), sums slots 0, 1,
 * ..., splits - 1 in that order into its accumulators (its own slot read back too, so
 * the order, and the bits of the result, never depend on which unit came last) and
 * stores the tile through the normal epilogue; the others skip the store and go on to
 * their next unit. Nobody waits for anybody, so no unit needs another to be
 * resident.
 *
 * Memory ordering (PTX ISA 8.x memory consistency model):
 *   writer: each thread's partial stores -> its fence.acq_rel.gpu -> warpgroup barrier
 *           -> thread 0's atom.acq_rel.gpu (release: the barrier put every thread's
 *           stores before it in causality order);
 *   last:   thread 0's atom.acq_rel.gpu (acquire: it reads the count every earlier
 *           arriver released, through a chain of acq_rel RMWs) -> warpgroup barrier
 *           (bar.red, which broadcasts "last") -> each thread's fence.acq_rel.gpu ->
 *           ld.global.cg of the slots (L2, never a stale L1 line).
 * The per-thread fences are more than the model needs (the barrier chains thread 0's
 * release/acquire to the others); they cost one fence per unit and make the pattern the
 * one CUDA documents for __threadfence, so it does not rest on one subtle argument. */
#include "emit_internal.h"

int dgk_sm90_split(const dgk_plan *p)
{
    return p->split.slices > 1 || p->split.tail;
}

/* The loops over this thread's accumulator values, four at a time; q is the quad's index
 * in the thread's fragment. close_quads ends them. */
static void open_quads(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int i = 0; i < INST_N / 2; i += 4)");
    dgk_sm90_line(e, "const int q = (mi * N_INSTS + ni) * (INST_N / 8) + i / 4;");
}

static void close_quads(dgk_sm90_ctx *e)
{
    for (int i = 0; i < 3; i++)
        dgk_sm90_close(e, NULL);
}

static void emit_store_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// this thread's accumulators to its workspace slot; `part` already points at the thread's first quad");
    dgk_sm90_open(e, "static __device__ __forceinline__ void store_partial(const float (&acc)[WG_M64][N_INSTS][INST_N / 2], "
                     "float *part)");
    open_quads(e);
    dgk_sm90_line(e, "dgk_st_global_cg_f32x4(part + 4 * (q * 128), acc[mi][ni][i], acc[mi][ni][i + 1], acc[mi][ni][i + 2], "
                     "acc[mi][ni][i + 3]);");
    close_quads(e);
    dgk_sm90_close(e, NULL);
}

/* Slot 0 is loaded, the others added in slice order: the same additions in the same
 * order whichever unit sums them. (Slot 0 peeled off the loop: a select between "load"
 * and "add" in one loop made ptxas spill the 128-register accumulator of 128 x 256.)
 * The slice loop is unrolled by 4 so that the loads of four slots go out before their
 * adds: rolled, every slot cost the last unit one more L2 round trip, in series, on the
 * few-tile shapes split-K is for (2.5-5% of the whole GEMM on the H100,
 * tests/gpu/results/2026-11-26-H100-split-sum/). The adds keep their order (no
 * reassociation). Only for accumulators of up to 64 registers a thread (tiles up to
 * 128 x 128, all the heuristic splits): with 88-128 (128 x 176 with C, 256 x 128,
 * 128 x 256) ptxas spilled (`make check-kernels`, split-K forced). */
enum { SUM_UNROLL_MAX_ACC = 64 };
static void emit_sum_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// acc = slot 0 + slot 1 + ... + slot splits-1, added in that order");
    dgk_sm90_open(e, "static __device__ __forceinline__ void sum_partials(float (&acc)[WG_M64][N_INSTS][INST_N / 2], "
                     "const float *part, int splits)");
    open_quads(e);
    dgk_sm90_line(e, "dgk_ld_global_cg_f32x4(part + 4 * (q * 128), acc[mi][ni][i], acc[mi][ni][i + 1], acc[mi][ni][i + 2], "
                     "acc[mi][ni][i + 3]);");
    close_quads(e);
    /* accumulator registers per thread: wg_rows x the wgmma N (BN; swapped, BM) / 128 */
    int acc = e->p->wg_rows * (e->p->swap_ab ? e->p->bm : e->p->bn) / 128;
    dgk_sm90_line(e, "#pragma unroll %d", acc <= SUM_UNROLL_MAX_ACC ? 4 : 1);
    dgk_sm90_open(e, "for (int s = 1; s < splits; ++s)");
    dgk_sm90_line(e, "part += BM * BN;");
    open_quads(e);
    dgk_sm90_line(e, "float x0, x1, x2, x3;");
    dgk_sm90_line(e, "dgk_ld_global_cg_f32x4(part + 4 * (q * 128), x0, x1, x2, x3);");
    dgk_sm90_line(e, "acc[mi][ni][i + 0] += x0;");
    dgk_sm90_line(e, "acc[mi][ni][i + 1] += x1;");
    dgk_sm90_line(e, "acc[mi][ni][i + 2] += x2;");
    dgk_sm90_line(e, "acc[mi][ni][i + 3] += x3;");
    close_quads(e);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

static void emit_arrive_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// counts this warpgroup's unit in; true (in all its threads) when it is the tile's last");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool arrive_last(int *counter, int splits, int consumer)");
    dgk_sm90_line(e, "dgk_fence_acq_rel_gpu();  // this thread's partial stores before the count");
    dgk_sm90_line(e, "dgk_named_barrier_sync(1 + consumer, 128);  // every thread's stores before thread 0's release");
    dgk_sm90_line(e, "bool last = false;");
    dgk_sm90_open(e, "if (threadIdx.x %% 128 == 0)");
    dgk_sm90_line(e, "last = dgk_atom_add_acq_rel_gpu(counter, 1) == splits - 1;");
    dgk_sm90_line(e, "if (last)");
    dgk_sm90_line(e, "    dgk_st_relaxed_gpu_s32(counter, 0);  // every unit has counted in: ready for the next launch");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "last = dgk_named_barrier_or(1 + consumer, 128, last);");
    dgk_sm90_line(e, "if (last)");
    dgk_sm90_line(e, "    dgk_fence_acq_rel_gpu();  // each reader's own acquire side, after thread 0's");
    dgk_sm90_line(e, "return last;");
    dgk_sm90_close(e, NULL);
}

void dgk_sm90_emit_split_helpers(dgk_sm90_ctx *e)
{
    if (!dgk_sm90_split(e->p))
        return;
    dgk_sm90_loc(e, e->p->split.loc, e->p->split.tail ? "tail_split: partial sums through the workspace"
                                                       : "split-K: partial sums through the workspace");
    emit_store_helper(e);
    emit_sum_helper(e);
    emit_arrive_helper(e);
}

/* Per unit, after the mainloop: publish the partial; the tile's last unit sums them all.
 * Every unit then runs the epilogue, but only the last one stores (`store_tile`, read by
 * emit_epilogue.c): the epilogue is register math and a staging write, and branching
 * around all of it (a `continue`) made ptxas spill accumulators (BF16 128 x 192 with C). */
void dgk_sm90_emit_split_reduce(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    if (!dgk_sm90_split(p))
        return;
    const char *what = p->split.tail ? "tail_split" : "split-K";
    char note[128];
    snprintf(note, sizeof note, "%s: publish this slice's partial; the tile's last unit sums them in slice order", what);
    dgk_sm90_loc(e, p->split.loc, note);
    dgk_sm90_line(e, "bool store_tile = true;  // %s: only the tile's last unit stores it", what);
    dgk_sm90_open(e, "if (splits > 1)");
    /* a consumer's accumulator is WG_ROWS x BN, or swapped (plan.h) WG_ROWS B rows x BM */
    const char *wg_cols = p->swap_ab ? "BM" : "BN";
    if (p->split.tail) {
        dgk_sm90_line(e, "const long long ws_slot = (long long)tail_tile * splits;  // the tail tile's first slot (plan.h)");
        dgk_sm90_line(e, "float *const part = %s + ws_slot * (BM * BN) + consumer * (WG_ROWS * %s) + 4 * (threadIdx.x %% 128);",
                      p->args[p->split.ws_arg].name, wg_cols);
    } else {
        dgk_sm90_line(e, "const long long ws_block = (long long)tile * CLUSTER + (int)cta_rank;  // this CTA's output block");
        dgk_sm90_line(e, "float *const part = %s + ws_block * (SPLIT * BM * BN) + consumer * (WG_ROWS * %s) + "
                         "4 * (threadIdx.x %% 128);",
                      p->args[p->split.ws_arg].name, wg_cols);
    }
    dgk_sm90_line(e, "store_partial(acc, part + (long long)slice * (BM * BN));");
    dgk_sm90_line(e, "store_tile = arrive_last(%s + %s * CONSUMERS + consumer, splits, consumer);",
                  p->args[p->split.counters_arg].name, p->split.tail ? "tail_tile" : "ws_block");
    dgk_sm90_line(e, "if (store_tile)");
    dgk_sm90_line(e, "    sum_partials(acc, part, splits);  // else a later unit of this tile sums and stores it");
    dgk_sm90_close(e, NULL);
}
