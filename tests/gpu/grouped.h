/* grouped.h - the grouped (MoE) GEMM part of the GPU harness ("gg"): case specs
 * (DeepGEMM's grouped shapes and edge cases), a grouped case (inputs, per-group
 * reference, FP8 quantization per group, run + verify over the valid rows only), and
 * the grouped runner table. Built on harness.h: the same random inputs, reference
 * GEMM, quantizers, poison and diff metric, applied per group.
 *
 * Data flow: grouped_shapes.c turns a set name into specs and a spec plus a seed into
 * per-group row counts; grouped_case.c lays the groups out (contiguous: groups one
 * after another, each padded to dgk_m_grouped_alignment() rows marked -1 in group_ids;
 * masked: [G, max_m] with masked_m[g] valid rows), draws inputs, computes the
 * reference group by group, runs a runner (grouped_runners.def) on poisoned D and
 * judges it; dgk-grouped-check and dgk-grouped-bench print the verdicts and timings.
 *
 * Kept out of libgh.a and of the dense programs on purpose: the dgk grouped entry
 * points live on another branch, and the dense programs must link without them. */
#ifndef GG_GROUPED_H
#define GG_GROUPED_H

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gg_mode { GG_CONTIG, GG_MASKED, GG_MODE_COUNT } gg_mode;

/* Edge cases a spec may ask for on top of the drawn sizes:
 *   contig: EDGES = a whole block of padding first, then group 0 empty (0 rows), group 1
 *           exactly one 128-row block;
 *           ALL_PADDING = every row of A/D is padding (group_ids all -1);
 *           EXACT = every group exactly ROWS rows, nothing drawn (`contig-exact:` specs:
 *           with ROWS a multiple of 128, no group has a partial block);
 *   masked: EDGES = masked_m[0] = 0, masked_m[1] = max_m;
 *           EXACT = masked_m[g] = ROWS for every group (`masked-exact:` specs). */
typedef enum gg_edge { GG_EDGE_NONE, GG_EDGE_EDGES, GG_EDGE_ALL_PADDING, GG_EDGE_EXACT } gg_edge;

typedef struct gg_spec {
    gg_mode mode;
    int groups;
    int rows;   /* contig: nominal rows per group; masked: expected_m */
    int max_m;  /* masked: rows per group in A and D; contig: unused (0) */
    int n, k;
    gg_edge edge;
} gg_spec;

#define GG_MAX_SPECS 64
#define GG_MAX_GROUPS 64
/* The alignment the contiguous layout pads each group to (dgk_m_grouped_alignment()
 * where dgk is linked; the emulation has no dgk and uses DeepGEMM's 128). */
int gg_alignment(void);

/* Correctness specs ("full": DeepGEMM's grouped shapes plus the edge cases; "quick":
 * a subset; "tiny": small edge cases for a first run and the CPU emulation) or, for
 * the benchmark, the same without edge cases. Returns the count, -1 for an unknown
 * set. `modes` is a bit set of 1 << gg_mode. */
int gg_specs_check(const char *set, unsigned modes, gg_spec *out, int max);
int gg_specs_bench(const char *set, unsigned modes, gg_spec *out, int max);
/* Whether --shapes `set` gives at least one spec of `modes` through `specs` (one of the two
 * above), else 0 with the error set: checked before any GPU work, so that a run that
 * checks nothing does not read as a pass. */
int gg_specs_known(const char *set, unsigned modes, int (*specs)(const char *, unsigned, gg_spec *, int));
/* Rows of each group (valid rows: contig group size, masked masked_m[g]), drawn from
 * the seed 0.7x..1.3x around spec->rows (clipped to [0, max_m] for masked), with the
 * spec's edge cases applied. Pure host arithmetic. */
void gg_draw_rows(const gg_spec *s, uint64_t seed, int *rows);
/* "contig G=4 m~8192 N=6144 K=7168" (+ " edges" / " all-padding") */
void gg_spec_str(const gg_spec *s, char *buf, size_t len);
const char *gg_mode_name(gg_mode m);

/* --- what a runner sees ------------------------------------------------------------ */

typedef struct gg_problem {
    gg_mode mode;
    gh_dtype in;         /* GH_BF16 or GH_E4M3 (1x128 / 128x128 block scales) */
    int groups, n, k;
    int64_t m_rows;      /* rows of A and D: contig M_sum (padding included); masked max_m */
    int expected_m;      /* masked: the expected rows per group (a hint); contig: 0 */
    int64_t valid_rows;  /* rows that count: contig group_ids != -1; masked sum(masked_m) */
    const int *rows;     /* host [groups]: each group's valid rows (masked: its masked_m) */
    const int64_t *row0; /* host [groups]: the group's first row in A and D */
} gg_problem;

/* Device buffers, all dense (cudaMalloc'd), D bf16:
 *   contig: a [M_sum, K], b [G, N, K], d [M_sum, N], group_ids i32 [M_sum] (-1 = padding);
 *           FP8: sa f32 [K/128][sa_ld] (sa_ld = align(M_sum, 4), padding entries NaN),
 *           sb f32 [G][cdiv(N,128)][K/128];
 *   masked: a [G, max_m, K], b [G, N, K], d [G, max_m, N], masked_m i32 [G];
 *           FP8: sa f32 [G][K/128][max_m] (sa_ld = max_m), sb as contig. */
typedef struct gg_buffers {
    const void *a, *b;
    const float *sa, *sb;
    int64_t sa_ld;
    void *d;
    const int *group_ids;  /* contig only */
    const int *offsets;    /* contig only: the same layout as i32 [G + 1] offsets, group g's
                              rows align(offsets[g], 128) .. offsets[g + 1] - 1 */
    const int *masked_m;   /* masked only */
    const void *b_kn;      /* BF16 only: B stored [G, K, N] (dgk's nn form) */
} gg_buffers;

typedef int (*gg_runner_fn)(const gg_problem *p, const gg_buffers *b, cudaStream_t s);

typedef struct gg_runner {
    const char *name;
    gg_mode mode;
    gh_dtype in;
    gg_runner_fn fn;
} gg_runner;

extern const gg_runner gg_runners[];
extern const int gg_runner_count;
void gg_runners_print(FILE *out);

/* The self-tests (grouped_selftest.def): a naive grouped GEMM on CUDA cores
 * (grouped_selftest.cu), correct or with a planted fault, and whether its verdict
 * must be PASS. gg_naive and gg_fault_padding are what the faults are told apart by. */
typedef struct gg_self {
    gg_runner r;
    int must_pass;
} gg_self;
extern const gg_self gg_selftests[];
extern const int gg_selftest_count;
int gg_naive(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
int gg_fault_padding(const gg_problem *p, const gg_buffers *b, cudaStream_t s);

/* --- a case ---------------------------------------------------------------------------- */

typedef struct gg_case {
    gg_spec spec;
    uint64_t seed;
    int rows[GG_MAX_GROUPS];      /* valid rows per group */
    int64_t off[GG_MAX_GROUPS];   /* first row of group g in A/D */
    int64_t span[GG_MAX_GROUPS];  /* rows group g occupies (contig: padded; masked: max_m) */
    int64_t m_rows;               /* rows of A and D in all (contig M_sum; masked G*max_m) */
    int64_t valid_rows;
    int *ids;                     /* device: contig group_ids [M_sum] */
    int *offs;                    /* device: contig group offsets [G + 1] */
    int *masked_m;                /* device: masked_m [G] */
    void *a16, *b16, *d;
    float *ref;                   /* [m_rows, N]; valid rows only, the rest 0 */
    void *a8, *b8;                /* FP8 inputs, made on first use */
    void *b16_kn;                 /* B stored [G, K, N] (the nn runners'), made with the BF16
                                     contiguous buffers: a runner may be captured in a graph */
    float *sa, *sb;
    int64_t sa_ld;
    int quant_ready;
    float *ref_q;                 /* FP8: the quantized operands' exact product, per group (like ref) */
} gg_case;

typedef struct gg_verdict {
    int status;               /* the runner's return code */
    int pass;
    size_t unwritten, nonfinite;  /* over the valid rows */
    int64_t first_bad_row, first_bad_col;  /* global row of A/D, or -1 */
    size_t padding_touched;   /* contig: padding elements no longer holding the poison */
    int64_t first_touched_row;
    double diff;              /* the worst group's diff */
    int diff_group;
    double max_abs, ref_rms;  /* over the valid rows */
    double bar;
    /* FP8: every group's rows against the quantized operands' exact product (the worst
     * group's diff, bar gh_recipe_bar), and that product against the unquantized one in
     * the group with the worst diff: at or over `bar` there, the draw's noise (see
     * harness.h gh_verdict) */
    int has_q;
    double diff_q, bar_q, recipe_diff;
} gg_verdict;

int gg_case_setup(gg_case *c, const gg_spec *s, uint64_t seed, cudaStream_t st);
/* The problem and buffers for a runner of input dtype `in` (quantizing on first use). */
int gg_case_buffers(gg_case *c, gh_dtype in, gg_problem *p, gg_buffers *b, cudaStream_t st);
/* Poisons D, runs the runner once, synchronizes, compares every group's valid rows
 * with the reference and checks the padding rows still hold the poison. GH_ERROR only
 * when the harness itself failed; the runner's failure is in v. */
int gg_case_run(gg_case *c, const gg_runner *r, gg_verdict *v, cudaStream_t st);
/* The parts of gg_case_run, for runs it does not cover (grouped_concurrent.c): poison D
 * on `st`; judge D once the runner's work has finished (the verdict's status GH_OK). */
int gg_case_poison(gg_case *c, cudaStream_t st);
int gg_case_judge(gg_case *c, const gg_runner *r, gg_verdict *v, cudaStream_t st);
/* One shape computed by one runner from GG_CONCURRENT places at once, `rounds` times: two
 * CUDA graphs captured one after the other on one stream (global capture mode), replayed
 * side by side on two streams, and eager calls on two more streams, into the cases' D,
 * all released together by one event (grouped_concurrent.c). The cases must be set up
 * from one spec and seed (the same op serves all). An eager call on the capture stream
 * runs and is judged first (the warm-up a program does before capturing; it also
 * compiles the op outside the capture). v[]: the verdicts of the first failing round, or
 * of the last; *round: that round (-1: the warm-up). GH_ERROR when the harness failed. */
enum { GG_CONCURRENT = 4 };
int gg_concurrent_run(gg_case c[GG_CONCURRENT], const gg_runner *r, int rounds, gg_verdict v[GG_CONCURRENT], int *round);
void gg_case_free(gg_case *c);
/* Bytes moved once each: valid rows of A (and their scales), B of every group (and
 * scales), valid rows of D, group_ids / masked_m. */
double gg_problem_bytes(const gg_problem *p);
/* 2 * valid rows * N * K. */
double gg_problem_flops(const gg_problem *p);
/* The work as DeepGEMM's tests count it, which its numbers in DESIGN.md (and the bars set
 * from them) are: contiguous 2 * M_sum * N * K, every row of A (the padding that aligns
 * each group included: the kernels compute those rows in their groups' last blocks);
 * masked 2 * valid rows * N * K, as gg_problem_flops. */
double gg_problem_flops_as_deepgemm(const gg_problem *p);

/* DeepGEMM's FP8 TFLOPS for the spec on an H100 (shared/DESIGN.md "Performance
 * anchors"), or 0 where DESIGN.md has none. */
double gg_deepgemm_tflops(const gg_spec *s, gh_dtype in);

/* Removes "--mode contig|masked|all" from argv (in place, argc updated) into *modes
 * (bits 1 << gg_mode; default both). -1 after gh_set_error on a bad value. */
int gg_take_mode(int *argc, char **argv, unsigned *modes);

#ifdef __cplusplus
}
#endif
#endif
