/* emit_internal.h - what the SM90 emitter's files share: the emission context (plan,
 * output, diagnostics, indentation) and the facts each part derives from the plan by
 * plain arithmetic (chunk counts, byte strides), computed once in emit.c.
 * Every emit_*.c file writes one part of the generated kernel:
 *   emit_check.c     plan validation (errors name the plan field and the source)
 *   emit_smem.c      shared-memory layout (dgk_sm90_plan_smem) and its carve-up in code
 *   emit_wgmma.c     the m64nNkK wgmma wrappers the kernel uses
 *   emit_sched.c     tile order (persistent loop, L2 grouping, cluster ranks)
 *   emit_producer.c  the TMA producer warpgroup
 *   emit_consumer.c  the wgmma mainloop of the consumer warpgroups
 *   emit_fp8.c       FP8 promotion (per-128-K scaling on CUDA cores)
 *   emit_fp8_sb.c    FP8 128x128-block B scales: the producer's copies, the consumers' reads
 *   emit_epilogue.c  the elementwise epilogue and the staged TMA store
 *   emit_epi_rows.c  the epilogue's row pass: row reductions and row vector stores
 *   emit_split.c     split-K and tail_split: partial sums through the workspace, the last unit reduces
 *   emit_debug.c     debug builds' device-side checks of the group tensor
 *   emit_simt.c      elementwise kernels (no pipeline): the whole kernel, from the IR
 *   emit_names.c     the C names kernel parameters may not take
 *   emit.c           the file and kernel skeleton; dgk_sm90_emit */
#ifndef DGK_SM90_EMIT_INTERNAL_H
#define DGK_SM90_EMIT_INTERNAL_H

#include "sm90.h"

/* How one mma operand's stage tile is cut into TMA boxes ("chunks") along its M/N axis. */
typedef struct dgk_sm90_opnd {
    const dgk_plan_operand *op;
    const dgk_kernel_arg *arg;
    const char *name;      /* "A" or "B", for generated identifiers */
    int elt_bytes;
    int chunk_rows;        /* M/N rows per TMA box */
    int chunks;            /* boxes per stage */
    int chunk_bytes;       /* smem bytes per box */
    int stage_bytes;       /* chunks * chunk_bytes */
    int lbo, sbo;          /* wgmma descriptor strides */
    int kstep_bytes;       /* descriptor advance per wgmma K step */
    int m64_bytes;         /* descriptor advance per 64 rows (A) / 8 rows (B, K-major) */
} dgk_sm90_opnd;

typedef struct dgk_sm90_ctx {
    const dgk_plan *p;
    dgk_strbuf *out;
    dgk_diags *d;
    int indent;
    dgk_sm90_opnd a, b;
    int cluster;           /* CTAs per cluster (cluster_m * cluster_n) */
    int wg_m64;            /* m64 row blocks per consumer warpgroup */
    int out_elt_bytes;
    int out_row_bytes;     /* bytes per staging row (one TMA box row) */
    int out_box_bytes;     /* bytes per staging box (wg_rows rows; swapped: BM rows) */
    int out_boxes;         /* boxes per consumer warpgroup: BN (swapped: wg_rows) / out_box_cols */
    int pass_boxes;        /* of them staged at once: out_boxes / store_passes (plan.h, epi.passes) */
} dgk_sm90_ctx;

/* Output helpers: one indented line; a `// file:LINE` comment for a source location
 * (nothing for a synthetic one); raw text. */
void dgk_sm90_line(dgk_sm90_ctx *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dgk_sm90_loc(dgk_sm90_ctx *e, dgk_loc loc, const char *what);
void dgk_sm90_raw(dgk_sm90_ctx *e, const char *s);
/* Starts an indented line without ending it (finish it with dgk_sm90_raw). */
void dgk_sm90_start(dgk_sm90_ctx *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Opens/closes a brace block: `line {` ... `}` with indentation. */
void dgk_sm90_open(dgk_sm90_ctx *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dgk_sm90_close(dgk_sm90_ctx *e, const char *tail);

/* Which emitter's code a name goes into (emit_names.c). */
typedef enum dgk_sm90_code { DGK_SM90_CODE_GEMM, DGK_SM90_CODE_SIMT } dgk_sm90_code;
/* Why kernel parameter (or kernel) name `s` would collide in that code ("is a C++
 * keyword", ...), or NULL when it is free. */
const char *dgk_sm90_name_clash(const char *s, dgk_sm90_code code);
/* The same for a kernel's name (a global function beside the helpers): keywords, CUDA's
 * names, reserved prefixes, the GEMM emitter's helpers; NULL when free. */
const char *dgk_sm90_kernel_name_clash(const char *s);

/* The C storage type the device header uses for a dtype ("float", "dgk_bf16", ...). */
const char *dgk_sm90_ctype(dgk_dtype t);
/* The PTX type suffix wgmma takes for an operand dtype ("bf16", "e4m3", ...). */
const char *dgk_sm90_ptx_type(dgk_dtype t);

/* Parts, in the order emit.c calls them. Each returns nothing: validation happened
 * first (dgk_sm90_check), so these only write text. */
int dgk_sm90_check(const dgk_plan *p, dgk_diags *d);
void dgk_sm90_derive(dgk_sm90_ctx *e);
void dgk_sm90_emit_wgmma(dgk_sm90_ctx *e);
void dgk_sm90_emit_constants(dgk_sm90_ctx *e);
void dgk_sm90_emit_sched(dgk_sm90_ctx *e);
void dgk_sm90_emit_tile_loop_open(dgk_sm90_ctx *e, int producer);
void dgk_sm90_emit_next_pair_ids(dgk_sm90_ctx *e);
void dgk_sm90_emit_dynamic_end(dgk_sm90_ctx *e);
void dgk_sm90_emit_epilogue_fn(dgk_sm90_ctx *e);
void dgk_sm90_emit_signature(dgk_sm90_ctx *e);
void dgk_sm90_emit_smem_carve(dgk_sm90_ctx *e);
void dgk_sm90_emit_producer(dgk_sm90_ctx *e);
void dgk_sm90_emit_consumer(dgk_sm90_ctx *e);
void dgk_sm90_emit_consumer_helpers(dgk_sm90_ctx *e);
void dgk_sm90_emit_issue(dgk_sm90_ctx *e, const char *dst, const char *accumulate);
/* `stmt` once per accumulator-fragment element, in unrolled loops over mi (with_mi),
 * ni and i (emit_consumer.c). */
void dgk_sm90_emit_frag_loop(dgk_sm90_ctx *e, int with_mi, const char *stmt);

/* emit_wgmma.c: a `__device__` helper issuing one wgmma commit group (see there). */
typedef struct dgk_sm90_wgmma_group {
    const char *name;        /* "mma_stage" */
    const char *t_param;     /* the destination parameter, "float (&t)[N_INSTS][INST_N / 2]" */
    const char *extra_param; /* "" or ", int accumulate" */
    const char *fence;       /* the register-fence helper over t, "fence_acc" */
    const char *scale_d;     /* the wgmma's accumulate predicate, "ks > 0" */
    int over_mi, over_ni;    /* t indexed by m64 row block / by instruction */
    int inst_n;              /* the instruction's N */
} dgk_sm90_wgmma_group;
void dgk_sm90_emit_wgmma_group(dgk_sm90_ctx *e, const dgk_sm90_wgmma_group *g);
void dgk_sm90_emit_fp8_helpers(dgk_sm90_ctx *e);
void dgk_sm90_emit_fp8_decls(dgk_sm90_ctx *e);
void dgk_sm90_emit_fp8_kloop(dgk_sm90_ctx *e);
void dgk_sm90_emit_epilogue(dgk_sm90_ctx *e);
/* emit_epilogue.c, for the row pass: a function computing the epilogue program up to op
 * `ret`, its call (a row reduction's value taken at dgk_red<j>[mi][half]), and a ROW/COL
 * vector's bounds and address. */
void dgk_sm90_emit_program_fn(dgk_sm90_ctx *e, const char *name, int ret);
void dgk_sm90_emit_program_call(dgk_sm90_ctx *e, const char *name, int ret, const char *acc, const char *acc2,
                                const char *row, const char *col, const char *half);
void dgk_sm90_epi_vector_cond(dgk_sm90_ctx *e, const dgk_epi_op *op);
void dgk_sm90_epi_vector_addr(dgk_sm90_ctx *e, const dgk_epi_op *op);
/* emit_epi_rows.c: the functions of the row pass (after epilogue_value), and the pass
 * itself at the start of a tile's epilogue (both nothing without rows). */
void dgk_sm90_emit_row_fns(dgk_sm90_ctx *e);
void dgk_sm90_emit_epilogue_rows(dgk_sm90_ctx *e);

/* emit_fp8_sb.c: B scales per 128x128 block staged through shared memory (each does
 * nothing unless dgk_sm90_sb_staged). */
int dgk_sm90_sb_staged(const dgk_plan *p);
/* fp8.sb_bytes_warp: UE8M0 B-scale bytes loaded and stored by the producer warpgroup's
 * second warp instead of the TMA thread; this its code. */
void dgk_sm90_emit_sb_bytes_warp(dgk_sm90_ctx *e);
/* emit_producer.c: the producers' K-block loop header (the TMA thread's, the bytes warp's). */
void dgk_sm90_emit_producer_kloop_open(dgk_sm90_ctx *e);
int dgk_sm90_full_arrivals(const dgk_plan *p);
void dgk_sm90_emit_sb_pointers(dgk_sm90_ctx *e);
/* emit_fp8_sb_tile.c: with fp8.sb_tile, the tile's B-scale rows in a ring of slots (each
 * does nothing without it). */
int dgk_sm90_sb_ring_slots(const dgk_plan *p);
int dgk_sm90_sb_ring_row_bytes(const dgk_plan *p);
int dgk_sm90_sb_ring_slot_bytes(const dgk_plan *p);
void dgk_sm90_emit_sb_ring_decl(dgk_sm90_ctx *e);
void dgk_sm90_emit_sb_ring_take(dgk_sm90_ctx *e);
const char *dgk_sm90_sb_ring_tx(const dgk_sm90_ctx *e);
void dgk_sm90_emit_sb_ring_load(dgk_sm90_ctx *e);
/* Masked schedules whose tile_coords also give the group's valid rows from the block on
 * (`rows_left`): with skip_idle, and in a cluster along M (a block with none is idle). */
int dgk_sm90_masked_rows_left(const dgk_plan *p);
/* Contiguous with group ids in a cluster along M: whether B is multicast is decided per
 * tile (`b_shared`: the pair's blocks are of one group), and a CTA may run idle. */
int dgk_sm90_b_shared_per_tile(const dgk_plan *p);
/* Bytes of a stage's tile slot under a dynamic schedule (emit_sched.c): the tile, and with
 * group offsets its coordinates too. */
int dgk_sm90_slot_bytes(const dgk_plan *p);
/* The producer's store of the tile (and coordinates) into the stage's slot. */
void dgk_sm90_emit_slot_store(dgk_sm90_ctx *e);
/* The EMPTY_ARRIVALS constant and its comment: how many arrivals release a stage
 * (emit_consumer.c, which also emits release_stage to match). */
void dgk_sm90_emit_empty_arrivals(dgk_sm90_ctx *e);
void dgk_sm90_emit_sb_producer_tile(dgk_sm90_ctx *e);
void dgk_sm90_emit_sb_prefetch(dgk_sm90_ctx *e, const char *kb);
void dgk_sm90_emit_sb_copy(dgk_sm90_ctx *e, const char *kb);
void dgk_sm90_emit_sb_read_helper(dgk_sm90_ctx *e);
void dgk_sm90_emit_sb_consumer_tile(dgk_sm90_ctx *e);
void dgk_sm90_emit_sb_read(dgk_sm90_ctx *e, int n);
const char *dgk_sm90_sb_args(const dgk_sm90_ctx *e, int n);
void dgk_sm90_emit_sb_split_loops(dgk_sm90_ctx *e, void (*loop)(dgk_sm90_ctx *));

/* emit_split.c: split-K and tail_split (all do nothing without plan->split). */
int dgk_sm90_split(const dgk_plan *p);
/* tail_split: a tail tile is cut into at most this many K slices. Its last slice to
 * finish reads the others' partial sums (BM x BN floats each) back from L2: 3-6 us for
 * 2-3 of them at 128 x 192 on the H100, more than shorter slices save. */
enum { DGK_SM90_TAIL_SLICES = 4 };
void dgk_sm90_emit_split_helpers(dgk_sm90_ctx *e);
void dgk_sm90_emit_split_reduce(dgk_sm90_ctx *e);

/* The plan's schedule is one of the grouped kinds (group tensor, 3-D operands). */
int dgk_sm90_grouped(const dgk_plan *p);
/* Debug builds (-DDGK_DEBUG=1) check this kernel's group tensor (emit_debug.c): the
 * module-scope word (before the namespace), the helper (in it), the call in the body. */
int dgk_sm90_debug_checks(const dgk_plan *p);
void dgk_sm90_emit_debug_word(dgk_sm90_ctx *e);
void dgk_sm90_emit_debug_helpers(dgk_sm90_ctx *e);
void dgk_sm90_emit_debug_check(dgk_sm90_ctx *e);

/* emit_simt.c: the whole file of an elementwise kernel (plan->simt); returns the errors. */
int dgk_sm90_emit_simt(dgk_sm90_ctx *e);

/* Bytes of one FP8 A scale in shared memory: 1 for UE8M0, 4 for f32 (plan fp8.sa_ue8m0). */
int dgk_sm90_sa_bytes(const dgk_plan *p);

/* Expression text for problem extents M, N, K (a constant or the parameter's name). */
void dgk_sm90_emit_kblocks(dgk_sm90_ctx *e, char *buf, int n);
const char *dgk_sm90_dim(const dgk_sm90_ctx *e, const dgk_plan_dim *dim, char *buf, int n);

#endif
