/* stock.h - what the stock entry points share: the op cache and the tile heuristic.
 * An entry point (gemm_bf16.c, ...) validates its arguments, looks its launch up in the
 * context's memo (no work on a hit), and otherwise picks a tile configuration with the
 * heuristic and gets the op for it from the op cache, compiling it on first use. */
#ifndef DGK_STDLIB_STOCK_H
#define DGK_STDLIB_STOCK_H

#include <stdint.h>

#include "dgk.h"

/* One stock kernel: which embedded source and which kernel in it. */
typedef struct stock_kernel {
    const char *source_name;     /* "stdlib/gemm_bf16.dgk", for diagnostics */
    const char *source;
    const char *kernel;
    int tunable;                 /* the kernel has SPLIT, CLUSTER, CLUSTER_N and L2 parameters
                                  * (the dense GEMMs): split-K, clusters and the L2 policy may be
                                  * picked or forced */
    int clusters;                /* the cluster parameters of a kernel that is not tunable (the
                                  * m-grouped ones), STOCK_CLUSTER_* bits */
} stock_kernel;

enum {
    STOCK_CLUSTER_N = 1,         /* has CLUSTER_N */
    STOCK_CLUSTER_M = 2,         /* has CLUSTER (m-grouped: a pair of row blocks shares B when
                                  * the blocks are of one group) */
    STOCK_CLUSTER_DYN = 4,       /* has DYN, which a cluster sets to 0 (clusters walk their tiles
                                  * in a fixed stride) */
};

enum { STOCK_MAX_DEFINES = 12 };

/* The op for `k` compiled with `defines` (at most STOCK_MAX_DEFINES), from the cache or
 * compiled now. Thread-safe. */
dgk_status stock_op(dgk_context *ctx, const stock_kernel *k, const char *const *defines, int n, dgk_op **out);

/* Argument checks the grouped entry points share (fn names the entry point in the
 * message): `t` has dtype `dt` and rank `rank` (its layout named for the message), and
 * its extents are e[0 .. rank). */
dgk_status stock_want(const char *fn, const dgk_tensor *t, const char *name, dgk_dtype_id dt, const char *dt_name,
                      int rank, const char *layout);
dgk_status stock_extents(const char *fn, const dgk_tensor *t, const char *name, const char *layout, const int64_t *e);
/* A 2-D scale tensor read by TMA one row per K block (FP8 SA, 1x128 SB): its row stride
 * must be a multiple of 16 bytes; the message gives the padded stride
 * (dgk_fp8_scale_stride). */
dgk_status stock_tma_rows(const char *fn, const char *name, const dgk_tensor *t);
/* A 2-D BF16 operand read by TMA row by row from 16-byte-aligned row starts: its rows must
 * be a multiple of 8 elements; the message names the extent (`rows_of`) to pad. */
dgk_status stock_rows_16b(const char *fn, const char *name, const dgk_tensor *t, const char *rows_of);

/* Debug builds (DGK_DEBUG=1 when the op was made): the contiguous kernel recorded the first
 * group id outside -1 .. g - 1; waits for it and reports it. Release builds return at once. */
dgk_status stock_check_group_ids(const char *fn, dgk_op *op, void *stream, int64_t g);

/* A GEMM tile configuration and the shape facts the heuristic reads. */
typedef struct gemm_shape {
    int64_t m, n, k;
    int in_bytes, out_bytes;     /* element sizes of A/B and of D */
    int b_mn_major;              /* B stored [K, N]: BN must be a multiple of 64 */
    int fp8;                     /* promoted FP8 mainloop: twice the accumulator registers */
    int has_c;                   /* the epilogue also reads C: fewer registers to spare */
    int can_split;               /* split-K may be picked (stock ops: set from stock_kernel.tunable) */
    int sb_per_column;           /* FP8 B scaled per column (1x128, the weight gradients): a BN
                                  * that does not divide 128 has no scale block to straddle (the
                                  * heuristic still keeps BN within two 128-column blocks: the
                                  * sources share BN with a block-scaled kernel) */
    int masked_rows;             /* m-grouped masked: the caller's expected valid rows per group
                                  * (few of them take a swapped tile); 0 otherwise */
    int contig_cluster_m;        /* m-grouped contiguous, whose kernel takes a cluster along M:
                                  * 1 with group ids, 2 with group offsets; 0 otherwise */
    int tail_split;              /* m-grouped masked, -D TAIL=1 (tail_split): 1 asked for
                                  * (DGK_GEMM_TAIL=1; no stock rule takes it, gemm_heuristic.c
                                  * says why), a cluster then the compiler's error; 0 none */
    int64_t group_rows;          /* m-grouped masked: one group's expected rows (the rows that
                                  * share one B: the L2 rule of gemm_heuristic.c); 0: all m */
    int min_stages;              /* pipeline stages a tile must leave room for beside its staged
                                  * output (fits_smem); 0: 3 */
} gemm_shape;

typedef struct gemm_config {
    int bm, bn;
    int split;                   /* K slices per tile (-D SPLIT); 0 or 1: none */
    int cluster;                 /* CTAs per cluster along M sharing B by multicast (0 or 1: none) */
    int cluster_n;               /* CTAs per cluster along N sharing A by multicast (0 or 1: none) */
    int swizzle;                 /* row blocks per L2 group of the tile walk (-D SWIZZLE; 0: the
                                  * kernel's default) */
    int l2_stream;               /* -D L2=1 (the tunable kernels' l2_stream): A and B loaded with
                                  * L2 evict_first, for a launch whose tiles all run at once
                                  * (gemm_l2_rule) */
    int passes;                  /* -D PASSES (store_passes) for kernels that have it: the
                                  * output tile stored in that many column passes; 0 or 1: whole */
} gemm_config;

/* Picks BM and BN from a cost model (gemm_heuristic.c), and, for a kernel that can
 * split K (s->can_split) and a tile that leaves SMs idle, the K slices per tile. */
gemm_config gemm_heuristic(const gemm_shape *s, int sm_count);
/* The same with BM fixed to `bm` (0: any), e.g. the m-grouped contiguous kernels, whose
 * BM is the alignment of the groups' rows. */
gemm_config gemm_heuristic_bm(const gemm_shape *s, int sm_count, int bm);
/* Every tile the heuristic may pick for shapes like `s` (its M, N, K are not read):
 * what `make check-kernels` compiles. Returns how many were written (at most max). */
int gemm_candidates(const gemm_shape *s, gemm_config *out, int max);
/* A cluster `c` asks for (forced: the heuristic picks them only where the kernel has them)
 * that kernel `k` has no parameter for is an error naming the parameter, never dropped. */
dgk_status stock_check_clusters(const stock_kernel *k, const gemm_config *c);
/* DGK_GEMM_TILE=BMxBN, DGK_GEMM_CLUSTER=C and DGK_GEMM_CLUSTER_N=C replace the heuristic's
 * choice (for tuning and debugging; the compiler still rejects a tile that cannot take the
 * fast path): forcing any of them drops both of the heuristic's clusters but a forced one.
 * Read on the slow path. */
void gemm_tile_override(gemm_config *c);
/* DGK_GEMM_SPLIT=S (1..16) replaces the heuristic's K slices per tile, for kernels that
 * can split K (others ignore it: they have no split_k). Read on the slow path. */
void gemm_split_override(gemm_config *c);
/* DGK_GEMM_SWIZZLE=G sets the row blocks per L2 group of the tile walk (every stock GEMM
 * kernel has SWIZZLE; 0 keeps the kernel's default, a value it cannot take is the
 * compiler's error). For tuning. */
void gemm_swizzle_override(gemm_config *c);
/* DGK_GEMM_PASSES=P sets the column passes the output tile is stored in, for kernels with
 * a PASSES parameter (store_passes; a value the tile cannot take is the compiler's
 * error). For tuning. */
void gemm_passes_override(gemm_config *c);
/* Sets c->l2_stream for shape `s` on `sm_count` SMs: 1 when the launch's work units (tiles
 * x K slices, in CTAs) all run at once, each K block of A and B then read in one pass
 * (gemm_heuristic.c says what it gains and costs). */
void gemm_l2_rule(const gemm_shape *s, int sm_count, gemm_config *c);
/* DGK_GEMM_L2=0/1 replaces the rule's choice (for tuning; read on the slow path). */
void gemm_l2_override(gemm_config *c);
/* DGK_GEMM_TAIL=1 asks the m-grouped masked kernels (masked_rows > 0) for tail_split
 * (gemm_shape.tail_split 1), which takes no cluster: the heuristic's in `c` is dropped (call
 * it before gemm_tile_override; a cluster forced there is then the compiler's error); 0 or
 * unset: none. For tuning; read on the slow path. */
void gemm_tail_override(gemm_shape *s, gemm_config *c);

/* The definitions the stock kernel `k` is compiled with for shape `s` and config `c`
 * (BM, BN, N, K, then SPLIT, CLUSTER*, DYN=0, SWIZZLE, L2=1, TAIL=1 where they apply), at most
 * STOCK_CONFIG_DEFINES of them, into `defines` (pointing into `d` or at literals); returns
 * how many. */
enum { STOCK_CONFIG_DEFINES = 10 };
int stock_config_defines(const stock_kernel *k, const gemm_shape *s, const gemm_config *c, char (*d)[48],
                         const char **defines);

/* The op of stock GEMM kernel `k` for shape `s`: from the context's memo when this
 * exact (kernel, M, N, K, flags) was seen, else the heuristic's tile (or DGK_GEMM_TILE),
 * with N and K compiled in plus the `extra` definitions (which `flags` must
 * distinguish), compiled on first use. */
dgk_status stock_gemm_op(dgk_context *ctx, const stock_kernel *k, const gemm_shape *s, uint32_t flags,
                         const char *const *extra, int nextra, dgk_op **op);

/* stock_gemm_op with BM fixed to `bm` (0: the heuristic's choice; DGK_GEMM_TILE cannot
 * change a fixed BM). `flags` must distinguish calls with different `bm`. */
dgk_status stock_gemm_op_bm(dgk_context *ctx, const stock_kernel *k, const gemm_shape *s, int bm, uint32_t flags,
                            const char *const *extra, int nextra, dgk_op **op);

#endif
