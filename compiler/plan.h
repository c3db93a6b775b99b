/* plan.h - the kernel plan: every decision the planning passes made about one kernel,
 * in the form a backend emitter consumes without re-deriving anything.
 *
 * Producer: the planning passes (compiler/plan_*.c), from the tile IR of a checked kernel.
 * Consumers: the backend emitters (backend/sm90/emit_*.c write CUDA C from it), the
 * runtime (builds TMA descriptors and launches from `abi` and `launch`), and
 * `dgkc --dump-plan`.
 *
 * Conventions
 * - Everything is allocated from the compilation's arena; arrays are pointer + count.
 * - Every field that came from user source carries a dgk_loc (the construct that caused
 *   it), so the emitter can write `// file.dgk:LINE` comments and report errors there.
 *   Planner-invented facts (stage buffers, barrier counts) carry no loc.
 * - Tensor extents that are runtime values are kernel parameters (DGK_ARG_SHAPE); a
 *   dgk_plan_dim says whether an extent is a compile-time constant or which parameter.
 * - Shapes in TMA terms are innermost first (dimension 0 is the contiguous one), the
 *   order cuTensorMapEncodeTiled takes. A tensor declared `T : bf16[R, C]` (row-major,
 *   C contiguous) has descriptor dims {C, R}; `T : e4m3[G, N, K]` has {K, N, G}.
 *
 * This is version 1 of the contract between the planner and the emitters. Change it only
 * additively (new fields default to zero = the old behaviour). */
#ifndef DGK_PLAN_H
#define DGK_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "../dsl/dtype.h"
#include "../dsl/loc.h"
#include "schedule.h"

/* ---- small vocabulary ------------------------------------------------------------ */

/* Which target the plan is for; planning decisions are target-parameterized. */
typedef enum dgk_target { DGK_TARGET_SM90A = 0, DGK_TARGET_SM100A = 1 } dgk_target;

/* Operand majorness, in the wgmma/tcgen05 sense. K-major: the reduction axis is
 * contiguous in memory (A[M, K] row-major, B[N, K] row-major). MN-major: the M (or N)
 * axis is contiguous (A stored [K, M], B stored [K, N]); wgmma takes it with the
 * transpose bit set, which it supports for 16-bit dtypes only. */
typedef enum dgk_major { DGK_MAJOR_K = 0, DGK_MAJOR_MN = 1 } dgk_major;

/* Shared-memory swizzle of a TMA box. The value is the swizzle span in bytes (0 = none);
 * the TMA box's inner extent in bytes must not exceed it. Tiles read by wgmma use 128. */
typedef enum dgk_swizzle {
    DGK_SWIZZLE_NONE = 0,
    DGK_SWIZZLE_32B = 32,
    DGK_SWIZZLE_64B = 64,
    DGK_SWIZZLE_128B = 128,
} dgk_swizzle;

/* A problem extent (M, N, K): a compile-time constant (arg < 0, value > 0), or read
 * at run time from kernel parameter `arg` (a DGK_ARG_SHAPE). */
typedef struct dgk_plan_dim {
    int64_t value;
    int arg;
} dgk_plan_dim;

/* ---- kernel ABI: the parameters of the emitted __global__ function, in order ------ */

/* X(ID, name)
 *   TMA     a `const __grid_constant__` 128-byte tensor map of tensor parameter `param`
 *           (the runtime encodes it with cuTensorMapEncodeTiled from `tma`)
 *   PTR     a raw device pointer to tensor parameter `param`'s first element
 *   SHAPE   an int32 shape symbol (`sym`, e.g. "M") bound at launch
 *   STRIDE  an int64 element stride of axis `axis` of tensor parameter `param`
 *   SCALAR  a runtime scalar parameter `param`, passed as its dtype's C type
 *   WORKSPACE (added after v1) a device buffer the runtime owns and binds itself (param
 *           -1), for split-K (dgk_plan_split): `axis` 0 the f32 partial sums
 *           (dgk_plan_partial_bytes), `axis` 1 the i32 arrival counters
 *           (dgk_plan_counter_bytes: split-K's or tail_split's, or a dynamic schedule's two tile
 *           counters; all zero between launches) */
#define DGK_ARG_KINDS(X)                                                                                  \
    X(TMA, "tma") X(PTR, "ptr") X(SHAPE, "shape") X(STRIDE, "stride") X(SCALAR, "scalar")                \
    X(WORKSPACE, "workspace")

typedef enum dgk_arg_kind {
#define X(id, s) DGK_ARG_##id,
    DGK_ARG_KINDS(X)
#undef X
    DGK_ARG_COUNT
} dgk_arg_kind;

/* What cuTensorMapEncodeTiled needs beyond the tensor itself. The descriptor covers the
 * whole tensor as stored (dims = the tensor's axes reversed, strides from the tensor);
 * out-of-bounds elements read as zero and are dropped on store. */
typedef struct dgk_tma_info {
    int rank;            /* descriptor rank = tensor rank (1..5) */
    int box[5];          /* box extents in elements, innermost first; box[i] <= 256 */
    dgk_swizzle swizzle;
    int l2_promotion;    /* bytes: 0, 64, 128 or 256 (CU_TENSOR_MAP_L2_PROMOTION_*) */
    /* (added after v1) the runtime shrinks box[1] to the tensor's extent along TMA
     * dimension 1 when that is smaller (a GEMM with M below BM loads only the rows that
     * exist; the kernel expects the bytes of min(box[1], extent) rows, see
     * dgk_plan_operand.fit_rows_arg) */
    int fit_rows;
} dgk_tma_info;

typedef struct dgk_kernel_arg {
    dgk_arg_kind kind;
    const char *name;    /* C identifier in the emitted kernel, unique: "tma_A", "ptr_bias", "M" */
    int param;           /* index of the source kernel's runtime parameter (tensor or scalar), -1 for SHAPE */
    const char *sym;     /* SHAPE: the shape symbol's name */
    int axis;            /* STRIDE: which axis of tensor `param` */
    dgk_dtype dtype;     /* element dtype (TMA, PTR), scalar dtype (SCALAR), i32 (SHAPE), i64 (STRIDE) */
    dgk_tma_info tma;    /* TMA only */
    dgk_loc loc;         /* the parameter's declaration */
    /* PTR: the address, STRIDE: the stride in bytes, must be a multiple of this many bytes
     * (checked at launch; 0: no requirement). Set where the kernel copies rows of the tensor
     * with cp.async.bulk (dgk_plan_fp8.sb_tile). */
    int align;
} dgk_kernel_arg;

/* ---- launch facts ---------------------------------------------------------------- */

/* PERSISTENT: one CTA per SM (the SM count rounded down to a multiple of the cluster
 * size, and at most the number of tiles rounded up to it); CTAs loop over tiles.
 * TILES: one CTA per output tile (num_tiles rounded up to the cluster size). */
typedef enum dgk_grid_policy { DGK_GRID_PERSISTENT = 0, DGK_GRID_TILES = 1 } dgk_grid_policy;

typedef struct dgk_plan_launch {
    int threads;          /* per CTA */
    int smem_bytes;       /* dynamic shared memory; > 48 KiB needs cuFuncSetAttribute */
    int cluster[3];       /* cluster dims, {1,1,1} for none; the grid is 1-D along x */
    dgk_grid_policy grid;
    int pdl;              /* launched with programmatic dependent launch */
} dgk_plan_launch;

/* ---- mainloop -------------------------------------------------------------------- */

/* An mma operand as the pipeline loads it: one tile of `rows` x `cols` per stage, in
 * source orientation (A: BM x BK, B: BN x BK; rows are M/N, cols are K), loaded by TMA
 * through kernel parameter `arg` (a DGK_ARG_TMA whose box and swizzle are set). */
typedef struct dgk_plan_operand {
    dgk_dtype dtype;
    dgk_major major;
    int arg;              /* ABI index of the tensor map */
    int grouped;          /* the tensor is 3-D [G, rows, K] (or [G, K, rows] MN-major); 0 = 2-D */
    int rows, cols;       /* tile extents per stage (M or N, K) */
    dgk_swizzle swizzle;  /* 128B for wgmma operands */
    int multicast;        /* loaded once per cluster and multicast to its peers */
    dgk_loc loc;          /* the tile expression in the mma */
    /* (added after v1) when the operand's tensor argument has tma.fit_rows (see
     * dgk_plan_fits_rows), its row extent (M or N) is known only at launch, as the
     * DGK_ARG_SHAPE `fit_rows_arg`, and the box is fit to it: with fewer rows than the
     * tile, a stage receives min(rows, extent) rows. The TMA unit moves a zero-filled
     * out-of-bounds row like a real one, so a 1-row A in a 64-row box cost as much
     * crossbar traffic as the B tile (ncu, 1x4096x7168 FP8: 59.8 MB delivered for 29.4 MB
     * read). The rows past the extent keep what the stage held; each output row depends
     * on its own A row only, and rows past M are never stored. Read only when fit. */
    int fit_rows_arg;
} dgk_plan_operand;

/* FP8 fine-grained promotion (`acc += mma(a, b) * sa * sb`): each BK = 128 block of K is
 * accumulated into a temporary by wgmma and promoted on CUDA cores as
 *     acc[r][c] += tmp[r][c] * SA[k, m0 + r] * SB[(n0 + c) / 128, k]
 * SA: f32 [K/128, M], M contiguous (MN-major), one row of BM values loaded by TMA into
 *     each stage (kernel param `sa_arg`, a TMA with box {BM, 1}).
 * SB: f32 [cdiv(N, 128), K/128] (kernel param `sb_arg`, a PTR); the producer copies the
 *     tile's value(s) into each stage (cp.async), or its rows once per tile (sb_tile), or
 *     loads them with the stage by TMA (sb_tma, sb_arg then a TMA). A BN tile may straddle
 *     two 128-column scale blocks when 128 % BN != 0 (BN = 112, 144, 160, 192, ...):
 *     `sb_straddle` says the emitter must select per column. */
typedef struct dgk_plan_fp8 {
    int enabled;
    int sa_arg;           /* DGK_ARG_TMA over SA */
    int sb_arg;           /* DGK_ARG_PTR to SB (DGK_ARG_TMA with sb_per_column or sb_tma) */
    int sb_stride_arg;    /* DGK_ARG_STRIDE of SB's axis 0 (elements between scale rows), or -1 when sb_stride is constant */
    int64_t sb_stride;    /* when constant: usually K / 128 */
    int block_k;          /* 128 */
    int block_n;          /* 128 */
    int sb_straddle;      /* a tile can cover two SB blocks */
    dgk_loc loc;          /* the `acc += mma(...) * sa * sb` statement */
    /* (added after v1) two temporaries: K block kb is promoted while the wgmmas of block
     * kb + 1 run, so the tensor cores never wait for the CUDA cores. Costs a third
     * accumulator-sized register set per thread (3 x BN/2 x wg_rows/64 floats). */
    int overlap;
    /* (added after v1) grouped kernels: SA is [G, K/128, M] (a 3-D TMA, box {BM, 1, 1},
     * loaded at the tile's group), and SB is [G, cdiv(N, 128), K/128]: `sb_stride_arg`
     * is then the stride of its axis 1 and `sb_group_stride_arg` that of axis 0. */
    int sa_grouped;
    int sb_grouped;
    int sb_group_stride_arg;  /* DGK_ARG_STRIDE of SB's axis 0 when sb_grouped */
    /* (added after v1) B scaled 1x128 like A (the weight-gradient form): SB is f32
     * [K/128, N], N contiguous, read as `SB[k, j*BN +: BN]`; one row of BN values is
     * loaded by TMA into each stage (`sb_arg` is then a DGK_ARG_TMA with box {BN, 1},
     * sb_stride_arg is -1, block_n is 1) and the promotion reads each thread's columns
     * from the stage:  acc[r][c] += tmp[r][c] * SA[k, m0 + r] * SB[k, n0 + c]. */
    int sb_per_column;
    /* (added after v2) warpgroups of 128 rows (BM = 256) whose accumulator leaves room for
     * only half a temporary: each K block is multiplied and promoted one m64 row block at a
     * time into a temporary of one m64 block (acc + acc / 2 registers); the other consumer
     * warpgroup's wgmmas keep the tensor cores busy meanwhile. */
    int per_m64;
    /* (added after v2) UE8M0 scales: one byte e per scale, worth 2^(e - 127). SA's stage
     * row is then BM bytes (its TMA box {BM, 1} of u8, so M's row stride must be a
     * multiple of 16 bytes) and SB's bytes are loaded by the producer thread itself
     * (cp.async copies 4 bytes at least, past the tensor's end); both are widened to f32
     * by placing e in the exponent field (e = 0 reads as 0, e = 255 as +inf). 0 = f32.
     * sb_ue8m0 is never set with sb_per_column. */
    int sa_ue8m0;
    int sb_ue8m0;
    /* (added after v3) with one temporary (none of overlap, per_m64, sb_per_column) and BN a
     * multiple of 16: the temporary is held as two pieces, each one m64 row block x one
     * half of BN (a wgmma of N = BN / 2), and a K block is worked through piece by piece:
     * the next piece's wgmmas are issued before the previous piece is promoted, so each
     * warpgroup promotes while its own wgmmas run (except after the last piece). `pieces`
     * is the number of pieces per K block, 2 per m64 block; 0 = not used. The registers
     * are those of the one temporary. */
    int pieces;
    /* (added after v4) with pieces in a cluster: once a K block's stage is released, the
     * next stage's full barrier is tried with one try_wait (which may suspend the thread
     * briefly) before that block's last piece is promoted, and the loop's own wait is
     * skipped when it had completed, so the wait's latency hides under the promotion
     * (DeepGEMM's compiled loop does the same). Only in clusters: on the H100 it took
     * 0.5-0.9% off 128 x 192 tiles in a 2-CTA cluster and added 1-6% without one
     * (tests/gpu/results/2026-11-27-H100-early-wait/). Measured on 128 x 192 only (the
     * stock kernels' clustered pieces tile); other clustered pieces tiles follow the rule
     * untimed. */
    int early_wait;
    /* (added after v5) 128x128 B scales, f32, K a multiple of 512 up to 32768 and a
     * compile-time constant, no split and no cluster along N: the producer copies the
     * tile's whole SB row(s) (K/128 values, two rows when straddling) with one
     * cp.async.bulk each, at the tile's first K block, counted in that stage's transaction
     * bytes, into a ring of per-tile slots, instead of a cp.async and a second full-barrier
     * arrival per stage.
     * The SB address and row strides must then be multiples of 16 bytes (`align` on its
     * arguments). Not with a cluster along N: there it made the 256 x 128 kernel 2-7%
     * slower (ncu: 42% more DRAM traffic, A and B reread), elsewhere FP8 +0.6% and grouped
     * +0.5% (geomeans; up to +5% at M <= 128, -0.3% at 128 x 192 with M = 32768)
     * (tests/gpu/results/2026-11-27-H100-sb-rows/). 0 = per stage. */
    int sb_tile;
    /* (added after v6) the B scale of each K block comes by TMA with the stage's operands
     * (plan.c, plan_sb_tma; in a cluster along N, where sb_tile is not taken): `sb_arg` is
     * then a DGK_ARG_TMA over SB with box {DGK_SB_TMA_BOX, 1}, the values of K blocks
     * kb & ~3 .. + 3 (a box at K block kb itself, not on a 16-byte boundary of the row,
     * stopped the kernel with an illegal instruction on the H100), counted in the stage's
     * bytes, in a 128-byte slot per stage (a TMA destination's alignment); the consumers
     * count the K blocks they read (sb_kb, from the tile's or slice's first) and read word
     * sb_kb % 4. sb_stride_arg is -1; SB's address and row stride must be multiples of
     * 16 bytes (`align` on its argument, checked at launch). Never with sb_tile, sb_ue8m0,
     * sb_grouped, sb_straddle or a k-grouped schedule. */
    int sb_tma;
    /* (added after v6) the consumers' K loop unrolled by this factor (`#pragma unroll`;
     * the trip count stays opaque to the compiler, so a remainder loop follows): with
     * per_m64 when a work unit runs many K blocks, and in a one-wave launch (l2_stream)
     * whose tile would take pieces, which then holds its one temporary whole instead.
     * plan_pipeline.c (plan_loop_form) says when and why; 0 = not unrolled. */
    int unroll;
    /* (added after v6) UE8M0 B-scale bytes (sb_ue8m0, staged per stage) loaded and stored
     * by one thread of the producer warpgroup's second warp, which arrives on the stage's
     * full barrier in the TMA thread's place: in a one-wave launch (l2_stream) of a
     * persistent schedule. plan_pipeline.c (plan_loop_form) says why; 0 = the TMA thread
     * loads them. */
    int sb_bytes_warp;
    /* (added later) f32 B scales staged per stage (not sb_tile, sb_tma, per column) in a
     * kernel whose K is known only at launch: the producer thread loads the tile's value(s)
     * for a K block before it waits for the stage to be free and stores them into the slot
     * after, arriving on the full barrier itself (the UE8M0 bytes' path), instead of a
     * cp.async whose arrival completes the barrier. The FP8 SwiGLU kernel with K at launch
     * (128 x 2*64 tiles, M 4096, I 9216, K 7168, H200) ran 921 us with the cp.async copies
     * against 787 us with no copies at all, 870 with K compiled in
     * (tests/gpu/results/2026-11-28-H200-swiglu/probe/); with these loads 1.005-1.03x the
     * time of K compiled in (the cp.async copies 1.06-1.09x), `sb-loads/` there. The stock
     * kernels compile K in and keep cp.async where they copy per stage (split-K, K past
     * 32768 or no multiple of 512, a cluster along N that cannot take sb_tma): not
     * measured against these loads yet. Measured at M 4096 only (the loads' first miss
     * at a launch's start is on the TMA thread, which cost UE8M0 kernels at M <= 128;
     * plan_pipeline.c (4)). 0 = cp.async (or another path above). */
    int sb_loads;
} dgk_plan_fp8;

enum { DGK_SB_TMA_BOX = 4 }; /* dgk_plan_fp8.sb_tma: B scales (f32) per TMA box, 16 bytes */

/* The wgmma instruction: m{inst_m}n{inst_n}k{inst_k}, operand dtypes from a and b (they
 * may differ for fp8: e4m3 x e5m2), f32 accumulators. */
typedef struct dgk_plan_mma {
    int inst_m;           /* 64 */
    int inst_n;           /* N of one wgmma: a multiple of 8 (16 for some sparse forms), <= 256 */
    int inst_k;           /* 16 for 16-bit, 32 for 8-bit */
    int n_insts;          /* wgmma per m64 row block per K step: BN / inst_n */
    int k_steps;          /* K steps per stage: BK / inst_k */
    dgk_loc loc;          /* the mma call */
} dgk_plan_mma;

/* (added later) Two accumulators of one pipeline that share the A tile, the SwiGLU form
 *     gate += mma(X[i*BM +: BM, k*BK +: BK], W[j*BN +: BN, k*BK +: BK]^T) [* sa * sb];
 *     up   += mma(X[i*BM +: BM, k*BK +: BK], W[R + j*BN +: BN, k*BK +: BK]^T) [* sa * sb2];
 * with both B tiles from the same tensor, the second R rows further (R: a constant, or a
 * shape symbol times a constant plus a constant: `I`, `2 * I + 128`). The stage holds the
 * two B boxes one after the other (the second at B_DUAL_BYTES), which wgmma reads as one
 * B tile of 2 * BN rows: mma.inst_n is 2 * BN and the accumulator's columns [BN, 2 * BN)
 * are the second's. `bn` stays the output tile's width (the schedule, the epilogue); the
 * epilogue reads the first accumulator as ACC and the second as ACC2 (column c + BN of
 * the wide fragment, held by the same thread). FP8: the second B tile's scale block is
 * row (R + n0) / 128 of SB, the promotion's sb_hi from column BN on (fp8.sb_straddle is
 * set, its split the constant BN); the planner requires BN to divide 128 and R to be a
 * multiple of 128 (a `where` constraint for a symbol), so each B tile lies in one block.
 * Not with swap-AB, split-K, a cluster along M (B multicast), 1x128 B scales, row
 * reductions or row stores (plan_dual.c says so). */
typedef struct dgk_plan_dual {
    int enabled;
    int64_t row_c;        /* R = row_c + row_mul * (shape argument row_arg, when >= 0) */
    int64_t row_mul;
    int row_arg;          /* DGK_ARG_SHAPE of R's symbol, or -1 when R is the constant row_c */
    dgk_plan_dim b_rows;  /* FP8: B's row extent (plan.n is the output's columns, not B's
                           * rows), which bounds both tiles' scale rows */
    dgk_loc loc;          /* the second update */
} dgk_plan_dual;

/* ---- schedule -------------------------------------------------------------------- */

/* Schedule kinds: the language's table (schedule.h). GRID and PERSISTENT are lowered in
 * version 1; M_GROUPED_CONTIGUOUS, M_GROUPED_MASKED and K_GROUPED were added after it. */

/* Tile order for L2 reuse: tiles are walked in groups of `group` consecutive blocks
 * along `group_axis` (0 = M blocks, 1 = N blocks); inside a group the grouped axis
 * varies fastest. group <= 1 means plain row-major order over (m block, n block). */
typedef struct dgk_plan_sched {
    dgk_sched_kind kind;
    int group;
    int group_axis;
    dgk_loc loc;          /* the schedule statement */
    /* (added after v1) the grouped kinds; unused (zero) for GRID and PERSISTENT.
     *   M_GROUPED_CONTIGUOUS  tiles as PERSISTENT over (cdiv(M, BM), cdiv(N, BN)); a tile's
     *                         group is group_tensor[m_block * BM] (i32[M], the group of each
     *                         row; each group's rows start at a multiple of BM); a tile whose
     *                         group is < 0 (padding) is skipped.
     *   M_GROUPED_MASKED      M is the rows per group; group_tensor (i32[G]) holds each
     *                         group's valid rows. Only tiles with valid rows are numbered,
     *                         group after group (cdiv(valid, BM) x cdiv(N, BN) each, L2
     *                         grouping inside a group); the launch grid assumes all
     *                         G x cdiv(M, BM) x cdiv(N, BN) tiles may be valid.
     *   K_GROUPED             tiles numbered group after group over (G, cdiv(M, BM),
     *                         cdiv(N, BN)); group_tensor (i32[G + 1]) holds the cumulative K
     *                         offsets (multiples of BK): tile (g, m, n) runs K blocks
     *                         offsets[g] / BK .. offsets[g + 1] / BK - 1, loaded at that
     *                         stacked K; a group with none is skipped.
     * Grouped operands / scales / outputs (operand.grouped, fp8.sa_grouped/sb_grouped,
     * epi.out_grouped) take the group as their leading (outermost) coordinate. */
    int group_arg;        /* DGK_ARG_PTR to the group tensor (group ids, masked counts, K offsets) */
    dgk_plan_dim groups;  /* G, the group count (M_GROUPED_MASKED, K_GROUPED; M_GROUPED_CONTIGUOUS:
                             B's leading extent, which debug builds check the ids against and
                             the offsets form searches; {0, -1} when B is not grouped) */
    /* (added after v1) M_GROUPED_CONTIGUOUS with `group_offsets T`: group_tensor is i32
     * [G + 1], group g's rows are align(T[g], BM) .. T[g + 1] - 1; a block's group is the
     * last whose aligned start is <= its first row (binary search), the block is skipped
     * when that row is >= T[g + 1]; rows from T[g + 1] to the next aligned start, and rows
     * past T[G], are padding (the partial block's store stops at T[g + 1]). */
    int offsets;
    /* (added after v1) M_GROUPED_MASKED with `skip_idle 1`: a consumer warpgroup whose
     * rows all lie past the group's valid rows waits for and releases each stage without
     * mma, promotion or store, and meets the others at the tile's end (named barrier). */
    int skip_idle;
    /* (added after v5) M_GROUPED_CONTIGUOUS with `dynamic 1`: each CTA's producer takes
     * its next tile from a device counter (counter_arg, the WORKSPACE i32 buffer: [0] the
     * next tile, [1] the CTAs done; zero between launches) when it starts one, instead of
     * striding by the grid, so CTAs that finish early take more tiles (the fixed stride
     * left the average SM idle 13% of a 4096x2048 FP8 launch, waiting for the slowest).
     * It writes each stage's tile into a shared slot (smem.tile_off) before publishing
     * the stage; the consumers read the tile there (with group offsets also its
     * coordinates), and -1 after the last one. The last CTA to finish sets both counters
     * back to zero. */
    int dynamic;
    int counter_arg;      /* DGK_ARG_WORKSPACE axis 1 when dynamic, else -1 */
} dgk_plan_sched;

/* (added after v1) split-K, `split_k S` on a persistent schedule. Each output block's K
 * blocks are cut into `splits` = min(S, K blocks) contiguous slices of balanced length
 * (slice s: K blocks [s * KB / splits, (s + 1) * KB / splits)), so no slice is empty; a
 * (tile, slice) pair is one work unit of the persistent loop, the slices of a tile
 * numbered next to each other. Per unit, each consumer warpgroup writes its FP32
 * accumulators (after FP8 promotion) to the workspace slot [block][slice], then counts
 * itself in on the block's counter for that warpgroup; the warpgroup that arrives last
 * sums slots 0, 1, ..., splits - 1 in that fixed order (bitwise the same run to run),
 * sets the counter back to 0 and runs the epilogue; the others go on to their next unit.
 * Two runtime-owned buffers; blocks = cluster tiles x CLUSTER (m blocks rounded up to
 * the cluster, times n blocks):
 *     partials  f32 [blocks][S][BM * BN], in accumulator-fragment order (the emitter's
 *               choice); never needs clearing
 *     counters  i32 [blocks][consumer_wgs], all zero between launches: the runtime zeroes
 *               the buffer when it allocates it, each kernel sets back the ones it used.
 *               A separate buffer, so a launch with fewer blocks never leaves partial
 *               sums where a later, larger launch expects zero counters.
 * slices 0 or 1: no split (no workspace arguments).
 *
 * (added after v1) `tail_split 1` on a masked schedule (tail = 1, slices 0): the tiles
 * of the last, partial wave (tiles % CTAs of them; the device counts the tiles from
 * masked_m) are each cut by K into min(CTAs / tail tiles, TAIL_SLICES, K blocks) slices,
 * one CTA per slice, and reduced as above (slot [tail tile][slice]). Whether a tile is in
 * the tail depends on all groups' valid rows and the grid, so its bits may differ from
 * one launch to another with other masked_m (as accurate either way). The buffers:
 *     partials  f32 [CTAs][BM * BN]; counters i32 [CTAs][consumer_wgs]. */
typedef struct dgk_plan_split {
    int slices;           /* S, 2..16; 0 = no split */
    int tail;             /* tail_split 1: the last wave's tiles split by K (masked only) */
    int ws_arg;           /* DGK_ARG_WORKSPACE axis 0: the partial sums (f32) */
    int counters_arg;     /* DGK_ARG_WORKSPACE axis 1: the counters (i32) */
    dgk_loc loc;          /* the split_k (or tail_split) modifier */
} dgk_plan_split;

/* ---- epilogue: a small elementwise SSA program per accumulator element ------------ */

/* X(ID, name, arity). Values are f32 in registers; loads convert from their tensor's
 * dtype. An op's operands (a, b, c) index earlier ops of the same program.
 *   ACC      the accumulator element
 *   CONST    the immediate `imm`
 *   SCALAR   kernel parameter `arg` (a DGK_ARG_SCALAR), converted to f32
 *   ROW      vec[row] of a 1-D tensor (PTR `arg`, `dtype`), the per-row vector (length M)
 *   COL      vec[col], the per-column vector (length N), e.g. a bias
 *   TILE     T[row, col] of a 2-D tensor (PTR `arg`, row stride from STRIDE `arg2`):
 *            a residual or C; or T[point, row, col] of a 3-D one (below)
 *   ELEM     T[point] of a 1-D tensor (below): a per-group or a per-tensor scale
 *   CAST     round to `dtype` and back to f32
 *   WHERE    a != 0 ? b : c
 *   LT .. NE, AND, OR, NOT  (added later) comparisons and logic: 1 or 0 (a bool as f32,
 *            what WHERE tests), nonzero counting as true
 *   ROWMAX, ROWMIN, ROWSUM  (added later) the reduction of op a over the tile's BN
 *            columns, one value per row (amax / amin / sum over axis 1): the same for
 *            every element of a row. Columns past N take no part (the accumulator
 *            holds stale staging or the TMA's zeros there: emit_epi_rows.c).
 *   ACC2     (added later) the second accumulator's element at the same (row, col), in a
 *            kernel with two (dgk_plan_dual)
 * Rows/columns past the tensor's extent read as 0. */
#define DGK_EPI_OPS(X)                                                              \
    X(ACC, "acc", 0) X(CONST, "const", 0) X(SCALAR, "scalar", 0)                    \
    X(ROW, "row", 0) X(COL, "col", 0) X(TILE, "tile", 0) X(ELEM, "elem", 0)         \
    X(NEG, "neg", 1) X(ABS, "abs", 1) X(EXP, "exp", 1) X(EXP2, "exp2", 1)           \
    X(LOG, "log", 1) X(SQRT, "sqrt", 1) X(RSQRT, "rsqrt", 1) X(RELU, "relu", 1)     \
    X(SILU, "silu", 1) X(SIGMOID, "sigmoid", 1) X(TANH, "tanh", 1) X(GELU, "gelu", 1) \
    X(CAST, "cast", 1)                                                              \
    X(ADD, "add", 2) X(SUB, "sub", 2) X(MUL, "mul", 2) X(DIV, "div", 2)             \
    X(MIN, "min", 2) X(MAX, "max", 2)                                               \
    X(CLAMP, "clamp", 3) X(WHERE, "where", 3)                                       \
    X(LT, "lt", 2) X(LE, "le", 2) X(GT, "gt", 2) X(GE, "ge", 2) X(EQ, "eq", 2)      \
    X(NE, "ne", 2) X(AND, "and", 2) X(OR, "or", 2) X(NOT, "not", 1)                 \
    X(ROWMAX, "rowmax", 1) X(ROWMIN, "rowmin", 1) X(ROWSUM, "rowsum", 1)           \
    X(ACC2, "acc2", 0)

typedef enum dgk_epi_opcode {
#define X(id, s, n) DGK_EPI_##id,
    DGK_EPI_OPS(X)
#undef X
    DGK_EPI_COUNT
} dgk_epi_opcode;

/* A ROW/COL vector read from a tensor of two axes, its other axis subscripted by a point
 * (`bias[g, j*BN +: BN]`: an expert's bias row; `w[i*BM +: BM, 3]`: a column): the point
 * is the schedule's group variable, a constant index, or the tile's block index along M
 * or N (`QS[j, i*BM +: BM]`: the scales of column block j). arg2 is the STRIDE of the
 * tensor's axis 0, which scales the point (point on axis 0) or the vector's index
 * (`point_inner`: the point on axis 1, whose stride is 1). */
typedef enum dgk_epi_point {
    DGK_EPI_POINT_NONE = 0,
    DGK_EPI_POINT_GROUP,
    DGK_EPI_POINT_CONST,
    DGK_EPI_POINT_MBLOCK, /* (added later) the tile's block index along M (`i` of `-> (i, j)`) */
    DGK_EPI_POINT_NBLOCK, /* ... along N (`j`): a per-column-block value, e.g. a scale block */
} dgk_epi_point;

/* A TILE is bounded by its own tensor's extents (`ext` its rows', `ext_cols` its
 * columns'), besides the output's. A TILE of a 3-D tensor (`R[g, i*BM +: BM, j*BN +:
 * BN]`) has a point on axis 0 (`point`, `index`, `point_ext` as a vector's), scaled by
 * STRIDE `arg3`; arg2 is then the stride of axis 1, its rows. An ELEM reads a 1-D tensor
 * at a point (`S[g]`, `S[0]`), bounded by point_ext. */

typedef struct dgk_epi_op {
    dgk_epi_opcode op;
    int a, b, c;          /* operand op indices (by arity) */
    double imm;           /* CONST */
    int arg, arg2;        /* SCALAR/ROW/COL/TILE/ELEM: kernel params */
    dgk_dtype dtype;      /* ROW/COL/TILE/ELEM: element dtype of the tensor; CAST: target */
    /* ROW/COL (added after v1); TILE and ELEM (later), above */
    dgk_epi_point point;  /* the other axis's subscript (above) */
    int point_inner;      /* the point is on axis 1 */
    int64_t index;        /* point CONST: the index */
    int bounded;          /* ext and point_ext hold the tensor's extents: the vector's
                           * index and the point are checked against them (reads past
                           * read 0), besides the index against the tile's M or N */
    dgk_plan_dim ext, point_ext;
    dgk_plan_dim ext_cols; /* TILE: its columns' extent */
    int arg3;             /* TILE with a point: STRIDE of axis 0 */
    dgk_loc loc;
} dgk_epi_op;

/* A reduction over the tile's columns (ROWMAX, ROWMIN, ROWSUM). */
static inline int dgk_epi_is_row_reduce(const dgk_epi_op *op)
{
    return op->op == DGK_EPI_ROWMAX || op->op == DGK_EPI_ROWMIN || op->op == DGK_EPI_ROWSUM;
}

/* A ROW or COL vector read (the ops the point and bounds fields belong to). */
static inline int dgk_epi_is_vector(const dgk_epi_op *op)
{
    return op->op == DGK_EPI_ROW || op->op == DGK_EPI_COL;
}

/* An op that reads a tensor through PTR `arg`. */
static inline int dgk_epi_reads_tensor(const dgk_epi_op *op)
{
    return dgk_epi_is_vector(op) || op->op == DGK_EPI_TILE || op->op == DGK_EPI_ELEM;
}

/* (added later) A row vector stored beside the tile: `V[i*BM +: BM] = s`, or `V[p,
 * i*BM +: BM] = s` / `V[i*BM +: BM, p]` at a point, with `s` a per-row value of the
 * program (op `value`, which reads no column: a row reduction, ROW vectors, scalars),
 * e.g. a row's FP8 scale. `at` says where, as a ROW read of V would (op ROW, arg the PTR,
 * arg2, point, point_inner, index, ext, point_ext, dtype V's); rows past M or V's extent
 * are not written. */
typedef struct dgk_epi_vstore {
    dgk_epi_op at;
    int value;
} dgk_epi_vstore;

/* The tile program's last op is the value stored: D[row, col] = dtype(value), or with
 * `accumulate` D[row, col] += value (the `T[...] += e` form; a TMA reduce-add, so D
 * must be f32 or bf16). D is written by TMA through kernel param `out_arg`, whose box is
 * {out_box_cols, rows per consumer warpgroup} with `out_swizzle`; the emitter stages the
 * tile through shared memory in that layout. */
typedef struct dgk_plan_epilogue {
    dgk_epi_op *ops;
    int nops;
    int out_arg;          /* DGK_ARG_TMA of the output tensor */
    dgk_dtype out_dtype;  /* bf16, f16, f32, e4m3 */
    int accumulate;
    int out_box_cols;     /* divides BN */
    dgk_swizzle out_swizzle;
    dgk_loc loc;          /* the store statement */
    /* (added after v1) D is [G, M, N]: its TMA box is {cols, rows, 1}, stored at the
     * tile's group (M_GROUPED_MASKED) */
    int out_grouped;
    /* (added after v1) M_GROUPED_CONTIGUOUS: rows whose group id is not the tile's (the
     * group's padding, after its last row) stay untouched. A consumer warpgroup whose rows
     * are not all the group's (the group ends inside them) copies its staged tile to D
     * element by element through out_ptr_arg (PTR to D) and out_stride_arg (STRIDE of D's
     * axis 0), skipping those rows; every other tile takes the TMA store. */
    int out_guard_rows;
    int out_ptr_arg;
    int out_stride_arg;
    /* (added after v7) `store_passes P`: the tile is stored in P passes of BN / P columns,
     * each staged through 1 / P of the staging buffer, written after the previous pass's
     * TMA store has read it (emit_epilogue.c): less shared memory for the staging, more
     * for stages (an f32 tile of 128 x 256 stages 128 KB whole, 32 KB in 4 passes). 1
     * when not given. */
    int passes;
    /* (added later) row vectors stored beside the tile (dgk_epi_vstore); their values'
     * ops follow the tile's, which are ops 0 .. tile_nops - 1 (tile_nops 0: all nops;
     * dgk_epi_tile_value) */
    dgk_epi_vstore *vstores;
    int nvstores;
    int tile_nops;
} dgk_plan_epilogue;

/* The op whose value is stored into the tile. */
static inline int dgk_epi_tile_value(const dgk_plan_epilogue *ep)
{
    return (ep->tile_nops > 0 ? ep->tile_nops : ep->nops) - 1;
}

/* Whether kernel parameter `arg` is a row vector store's tensor (written, not read). */
static inline int dgk_epi_writes_arg(const dgk_plan_epilogue *ep, int arg)
{
    for (int s = 0; s < ep->nvstores; s++)
        if (ep->vstores[s].at.arg == arg)
            return 1;
    return 0;
}

/* Whether the program reduces rows or stores row vectors (the epilogue's row pass,
 * emit_epi_rows.c). */
static inline int dgk_epi_has_rows(const dgk_plan_epilogue *ep)
{
    for (int i = 0; i < ep->nops; i++)
        if (dgk_epi_is_row_reduce(&ep->ops[i]))
            return 1;
    return ep->nvstores > 0;
}

/* ---- shared memory ----------------------------------------------------------------- */

/* Byte offsets from the 1024-aligned dynamic shared memory base; filled by the target's
 * layout function (dgk_sm90_plan_smem) from the rest of the plan. Stage s of operand A
 * lives at a_off + s * a_stage_bytes, and so on. */
typedef struct dgk_plan_smem {
    int a_off, a_stage_bytes;
    int b_off, b_stage_bytes;
    int sa_off, sa_stage_bytes;   /* FP8 A scales; 0 bytes when not FP8 */
    int epi_off, epi_bytes;       /* output staging for the TMA store (whole BM x BN tile) */
    int bar_off;                  /* full[stages], then empty[stages], then (a cluster) peer[stages], 8 bytes each */
    int total;                    /* == launch.smem_bytes */
    /* (added after v1) FP8 B scales per column (fp8.sb_per_column): BN f32 per stage,
     * after the A scales; 0 bytes otherwise */
    int sb_off, sb_stage_bytes;
    /* (added after v5) sched.dynamic: the tile of each stage after the barriers, one i32
     * per stage; with group offsets also its m block, n block and group (16 bytes per
     * stage, 16-byte aligned); 0 bytes otherwise */
    int tile_off, tile_stage_bytes;
} dgk_plan_smem;

/* ---- elementwise kernels (added after v4) ----------------------------------------------
 * A `grid` kernel without a pipeline (data preparation: scale layouts, quantization,
 * masks) is lowered onto CUDA cores, not onto the GEMM's warp roles: one CTA of `threads`
 * threads per tile of the schedule, in row-major order over its extents. The emitter walks
 * the kernel's tile IR itself (`k`, every op in the prologue region), as one SSA program:
 *   - a scalar op is one CTA-uniform C value;
 *   - a tile op of n elements is a register array: thread t holds the groups of `vec`
 *     consecutive elements t, t + threads, ... of the tile in row-major order, so
 *     same-shaped operands line up in registers;
 *   - a tile that another op reads at other positions (a broadcast operand, a transpose,
 *     a reduction's input) is also written to shared memory at `smem_off[op]` (bytes,
 *     row-major, its last axis padded to `smem_ld[op]` elements against bank conflicts)
 *     and read from there after a barrier;
 *   - a reduction over an axis of length L into O outputs gives each output `parts[op]`
 *     threads (a power of two, at most threads / O) that reduce strided slices into
 *     `part_off[op]`, then combines them in a fixed order (the result is the same run to
 *     run); a reduction to a scalar is combined by every thread. A reduction of rows that
 *     each lie within one warp is done there (`lanes`).
 * Loads read 0 past a tensor's extents, stores skip those elements. The launch grid is
 * the product of the schedule's extents, each one `ext[i]`: a constant, a shape, or one
 * divided by a constant (rounding up for cdiv). */
typedef struct dgk_plan_extent {
    dgk_plan_dim dim;     /* the dividend: a constant or a SHAPE argument */
    int64_t div;          /* >= 1 */
    int round_up;         /* cdiv(dim, div) rather than dim / div */
} dgk_plan_extent;

struct dgk_ir_kernel;

typedef struct dgk_plan_simt {
    const struct dgk_ir_kernel *k;
    int threads;
    int vec;              /* elements per group: thread t holds groups t, t + threads, ...
                           * of `vec` consecutive elements (1 or 4; 4 lets a row-contiguous
                           * slice move as 16-byte loads and stores) */
    dgk_plan_extent ext[3];
    int next;
    int *smem_off;        /* per IR op: byte offset of its shared copy, -1 = registers only */
    int *smem_ld;         /* per IR op: elements between rows of that copy */
    int *parts;           /* per IR op (REDUCE): threads per output, 1 = no partial pass */
    int *part_off;        /* per IR op (REDUCE with parts > 1): the partials' byte offset;
                           * (REDUCE with lanes): where its outputs land */
    int *lanes;           /* per IR op (REDUCE): when the reduced axis is the input's last and
                           * each of its rows lies in `lanes` consecutive threads of one warp
                           * (its length / vec divides 32), the warp reduces it in registers
                           * with xor shuffles (no shared copy of the input); 0 otherwise */
    int *ptr_arg;         /* per tensor: its DGK_ARG_PTR, -1 when the kernel never touches it */
    int (*stride_arg)[4]; /* per tensor and axis but the last: its DGK_ARG_STRIDE */
    dgk_plan_dim (*extent)[4]; /* per tensor and axis: its extent */
    int *scalar_arg;      /* per parameter: its DGK_ARG_SCALAR when a scalar, else -1 */
} dgk_plan_simt;

/* ---- the plan ---------------------------------------------------------------------- */

typedef struct dgk_plan {
    dgk_target target;
    const char *name;          /* the emitted kernel's name (a C identifier) */
    dgk_loc loc;               /* the `kernel` declaration */

    dgk_plan_dim m, n, k;      /* problem extents (K-loop runs over k / bk blocks) */

    /* tile and pipeline */
    int bm, bn, bk;
    int stages;
    dgk_loc tile_loc;          /* where BM/BN/BK were set (the compile-time parameters) */
    dgk_loc stages_loc;        /* the pipeline statement */

    /* warp roles: warpgroup 0 is the producer, 1..consumer_wgs the consumers. The
     * consumers split BM: consumer w owns rows [w * wg_rows, (w + 1) * wg_rows), as
     * wg_rows / 64 wgmma row blocks (m64 each). */
    int consumer_wgs;          /* 1 or 2 */
    int wg_rows;               /* BM / consumer_wgs, a multiple of 64 */
    int producer_regs;         /* setmaxnreg.dec target, e.g. 40 */
    int consumer_regs;         /* setmaxnreg.inc target, e.g. 232 */

    dgk_plan_mma mma;
    dgk_plan_operand a, b;
    dgk_plan_fp8 fp8;

    /* cluster: cluster_m CTAs along M (they share B: multicast B), or cluster_n CTAs
     * along N (they share A: multicast A); at most one of them is > 1. */
    int cluster_m, cluster_n;

    dgk_plan_sched sched;
    dgk_plan_epilogue epi;
    dgk_plan_smem smem;

    dgk_kernel_arg *args;      /* the kernel ABI, in parameter order */
    int nargs;
    dgk_plan_launch launch;

    dgk_plan_split split;      /* (added after v1) */
    /* (added after v4) an elementwise kernel: the fields above for the GEMM stay zero,
     * launch and args are set; NULL for every GEMM-shaped kernel */
    const dgk_plan_simt *simt;
    /* (added after v5) swap-AB, for tiles of fewer rows than wgmma's M (BM = 8 .. 56, a
     * multiple of 8): the operands trade places in the wgmma. Its A is the B tile, 64 of
     * its BN rows per consumer warpgroup (consumer w owns B rows [w * wg_rows, +wg_rows),
     * wg_rows = 64, BN = 64 or 128); its B is the A tile, all BM rows (mma.inst_n = BM).
     * The accumulator then holds D transposed: fragment row r is tile column r of the
     * warpgroup's slice, fragment column c is tile row c. So an FP8 promotion scales by
     * SA per fragment column and by one SB per warpgroup, and the epilogue stores each
     * value at (c, r): the staging boxes are {out_box_cols, BM}, wg_rows / out_box_cols of
     * them per warpgroup. Loads are the unswapped kernel's. The masked expert GEMM with a
     * few rows per group computed 64-row wgmmas for ~20 valid rows (ncu: the wasted tensor
     * work cost clock in a memory-bound kernel); swapped, the waste is at most 7 rows of
     * BM. Not combined with clusters, per-column B scales or the contiguous and k-grouped
     * schedules (the planner says so); skip_idle is cleared (no warpgroup of a swapped tile
     * is ever idle). With split-K a consumer's workspace slot is its wg_rows x BM values. */
    int swap_ab;
    /* (added after v6) `l2_stream 1` (persistent schedules): the producer loads A's and B's
     * tiles (not the scales) with the L2 evict_first policy, for launches whose tiles all
     * run at once (each K block read in one pass, then never again); stdlib/gemm_heuristic.c
     * gemm_l2_rule says when and what it measured. The planner takes it for a one-wave
     * launch: FP8 tiles in pieces then hold their temporary whole (fp8.unroll,
     * plan_pipeline.c). 0: unhinted. */
    int l2_stream;
    dgk_plan_dual dual;        /* (added later) two accumulators sharing A (above) */
} dgk_plan;

/* R of two accumulators as C text into buf: "I", "4096", "(2 * I + 128)"; names are
 * those of the ABI (at most 255 characters, so DGK_PLAN_DUAL_ROW_MAX holds any). */
enum { DGK_PLAN_DUAL_ROW_MAX = 320 };
static inline const char *dgk_plan_dual_row(const dgk_plan *p, char *buf, int n)
{
    const dgk_plan_dual *d = &p->dual;
    if (d->row_arg < 0)
        snprintf(buf, (size_t)n, "%lld", (long long)d->row_c);
    else if (d->row_c == 0 && d->row_mul == 1)
        snprintf(buf, (size_t)n, "%s", p->args[d->row_arg].name);
    else if (d->row_mul == 1)
        snprintf(buf, (size_t)n, "(%s + %lld)", p->args[d->row_arg].name, (long long)d->row_c);
    else
        snprintf(buf, (size_t)n, "(%lld * %s + %lld)", (long long)d->row_mul, p->args[d->row_arg].name,
                 (long long)d->row_c);
    return buf;
}

/* The accumulator's width in columns: BN, or 2 * BN with two accumulators (dual). */
static inline int dgk_plan_acc_cols(const dgk_plan *p)
{
    return p->dual.enabled ? 2 * p->bn : p->bn;
}

/* Whether operand `o`'s box is fit to its row extent at launch (plan_fit_rows; the flag
 * lives on its tensor argument, which the runtime reads). */
static inline int dgk_plan_fits_rows(const dgk_plan *p, const dgk_plan_operand *o)
{
    return p->args[o->arg].tma.fit_rows;
}

/* Output blocks a split-K launch of M x N counts in the workspace: m blocks rounded up
 * to the cluster, times n blocks (every CTA of a cluster tile has its own slot). */
static inline int64_t dgk_plan_split_blocks(const dgk_plan *p, int64_t m, int64_t n)
{
    int64_t cm = p->cluster_m > 0 ? p->cluster_m : 1, cn = p->cluster_n > 0 ? p->cluster_n : 1;
    return (m + p->bm * cm - 1) / (p->bm * cm) * cm * ((n + p->bn * cn - 1) / (p->bn * cn) * cn);
}

/* Bytes of the two split-K buffers a launch of M x N needs (0 without split-K). */
static inline int64_t dgk_plan_split_partial_bytes(const dgk_plan *p, int64_t m, int64_t n)
{
    return p->split.slices < 2 ? 0 : dgk_plan_split_blocks(p, m, n) * p->split.slices * p->bm * p->bn * 4;
}

static inline int64_t dgk_plan_split_counter_bytes(const dgk_plan *p, int64_t m, int64_t n)
{
    return p->split.slices < 2 ? 0 : dgk_plan_split_blocks(p, m, n) * p->consumer_wgs * 4;
}

/* tail_split: the partial-sum and counter bytes of a launch of `grid` CTAs. */
static inline int64_t dgk_plan_tail_partial_bytes(const dgk_plan *p, int64_t grid)
{
    return p->split.tail ? grid * p->bm * p->bn * 4 : 0;
}

static inline int64_t dgk_plan_tail_counter_bytes(const dgk_plan *p, int64_t grid)
{
    return p->split.tail ? grid * p->consumer_wgs * 4 : 0;
}

/* Bytes of the f32 partial-sum buffer (WORKSPACE axis 0) a launch of M x N on `grid`
 * CTAs needs: split-K's or tail_split's (never both: tail_split is masked only). */
static inline int64_t dgk_plan_partial_bytes(const dgk_plan *p, int64_t m, int64_t n, int64_t grid)
{
    return dgk_plan_split_partial_bytes(p, m, n) + dgk_plan_tail_partial_bytes(p, grid);
}

/* Bytes of the i32 counter buffer (WORKSPACE axis 1) a launch needs: split-K's or
 * tail_split's arrival counters, or a dynamic schedule's two tile counters (the
 * schedules that take `dynamic` have neither). */
static inline int64_t dgk_plan_counter_bytes(const dgk_plan *p, int64_t m, int64_t n, int64_t grid)
{
    return dgk_plan_split_counter_bytes(p, m, n) + dgk_plan_tail_counter_bytes(p, grid) + (p->sched.dynamic ? 8 : 0);
}

/* Whether a launch binds the workspace buffers (split-K, tail_split, a dynamic schedule). */
static inline int dgk_plan_uses_workspace(const dgk_plan *p)
{
    return p->split.slices > 1 || p->split.tail || p->sched.dynamic;
}

/* K slices per tile of a launch with K (the kernel's `splits`): S, but at most the K
 * blocks, so no slice is empty; 1 without split-K. */
static inline int64_t dgk_plan_split_slices(const dgk_plan *p, int64_t k)
{
    int64_t kb = (k + p->bk - 1) / p->bk;
    if (p->split.slices < 2 || kb <= 1)
        return 1;
    return kb < p->split.slices ? kb : p->split.slices;
}

/* CTAs a persistent launch of M x N x K (and `groups` groups, sched.groups: counted for
 * masked and k-grouped schedules) can occupy: the kernel's cluster_tiles()
 * (backend/sm90/emit_sched.c) times the CTAs of a cluster, i.e. blocks rounded up to the
 * cluster along each axis (dgk_plan_split_blocks); an m-grouped contiguous walk with
 * group offsets and a cluster along M may pair any row block (a group of an odd block
 * count takes a pair of its own), so there every row block counts a whole cluster; with
 * group ids the pairs are fixed (blocks 2u, 2u + 1). Times the groups and the K slices
 * per tile. The runtime launches min(this, the SMs in whole clusters). */
static inline int64_t dgk_plan_work_ctas(const dgk_plan *p, int64_t m, int64_t n, int64_t k, int64_t groups)
{
    int64_t ctas = dgk_plan_split_blocks(p, m, n);
    if (p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS && p->sched.offsets && p->cluster_m > 1)
        ctas = (m + p->bm - 1) / p->bm * p->cluster_m * ((n + p->bn - 1) / p->bn); /* no cluster along N too */
    if (p->sched.kind == DGK_SCHED_M_GROUPED_MASKED || p->sched.kind == DGK_SCHED_K_GROUPED)
        ctas *= groups; /* masked: M is the rows per group; k-grouped: D is [G, M, N] */
    return ctas * dgk_plan_split_slices(p, k);
}

/* Printable names from the tables above (static inline: the header needs no .c). */
static inline const char *dgk_arg_kind_name(dgk_arg_kind k)
{
    static const char *const names[] = {
#define X(id, s) s,
        DGK_ARG_KINDS(X)
#undef X
    };
    return (unsigned)k < DGK_ARG_COUNT ? names[k] : "?";
}

static inline const char *dgk_epi_op_name(dgk_epi_opcode op)
{
    static const char *const names[] = {
#define X(id, s, n) s,
        DGK_EPI_OPS(X)
#undef X
    };
    return (unsigned)op < DGK_EPI_COUNT ? names[op] : "?";
}

static inline int dgk_epi_op_arity(dgk_epi_opcode op)
{
    static const int arity[] = {
#define X(id, s, n) n,
        DGK_EPI_OPS(X)
#undef X
    };
    return (unsigned)op < DGK_EPI_COUNT ? arity[op] : 0;
}

#endif
