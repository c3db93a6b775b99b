/* test_splitk.c - split-K (`split_k S`, SPEC.md sections 6 and 10) without a GPU: what
 * the checker and planner accept and refuse, the plan's workspace arguments and sizes,
 * the emitted reduction (and that split_k 1 is the plain kernel byte for byte), the
 * runtime's workspace buffers against a fake driver table (allocation, zeroing, growth,
 * stream changes, errors), and which of DeepGEMM's shapes the stock heuristic splits on
 * 132 SMs. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "compiler/plan.h"
#include "dgkc.h"
#include "runtime/workspace.h"
#include "stdlib/stock.h"

/* A BF16 NT GEMM; %s is the schedule's modifiers. */
static const char bf16_fmt[] =
    "kernel g<BM = 64, BN = 96>(A : bf16[M, K], B : bf16[N, K], D : bf16[M, N])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) swizzle 8%s -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 64) {\n"
    "        acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T);\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
    "}\n";

static const char fp8_src[] =
    "kernel f<BM = 128, BN = 128, SPLIT = 1>(\n"
    "    A : e4m3[M, K], SA : f32[cdiv(K, 128), M] scales(A, 1, 128),\n"
    "    B : e4m3[N, K], SB : f32[cdiv(N, 128), cdiv(K, 128)] scales(B, 128, 128), D : bf16[M, N])\n"
    "{\n"
    "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) split_k SPLIT -> (i, j);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. cdiv(K, 128) {\n"
    "        acc += mma(A[i*BM +: BM, k*128 +: 128], B[j*BN +: BN, k*128 +: 128]^T)\n"
    "               * SA[k, i*BM +: BM][:, new] * SB[j*BN / 128, k];\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
    "}\n";

static char src_buf[4096];

static dgkc_unit *unit_with(const char *mods)
{
    snprintf(src_buf, sizeof src_buf, bf16_fmt, mods);
    dgkc_unit *u = dgkc_unit_new("t.dgk", src_buf, strlen(src_buf));
    ck_assert_ptr_nonnull(u);
    return u;
}

static const dgk_plan *planned(dgkc_unit *u)
{
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, 0);
    ck_assert_ptr_nonnull(p);
    return p;
}

static char *diagnostics(const dgkc_unit *u)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dgkc_print_diagnostics(u, f);
    fclose(f);
    return text;
}

/* ---- checker and planner ------------------------------------------------------------ */

START_TEST(plan_has_workspace_args)
{
    dgkc_unit *u = unit_with(" split_k 4");
    const dgk_plan *p = planned(u);
    ck_assert_int_eq(p->split.slices, 4);
    ck_assert_int_eq(p->nargs >= 2, 1);
    /* the two buffers come last: the source's parameters keep their positions */
    const dgk_kernel_arg *ws = &p->args[p->split.ws_arg], *cnt = &p->args[p->split.counters_arg];
    ck_assert_int_eq(p->split.ws_arg, p->nargs - 2);
    ck_assert_int_eq(p->split.counters_arg, p->nargs - 1);
    ck_assert_int_eq(ws->kind, DGK_ARG_WORKSPACE);
    ck_assert_int_eq(cnt->kind, DGK_ARG_WORKSPACE);
    ck_assert_int_eq(ws->axis, 0);
    ck_assert_int_eq(cnt->axis, 1);
    ck_assert_int_eq(ws->dtype, DGK_DT_F32);
    ck_assert_int_eq(cnt->dtype, DGK_DT_I32);
    ck_assert_int_eq(ws->param, -1);
    ck_assert_int_eq(dgkc_kernel_param_count(u, 0), 3);
    ck_assert_int_eq(p->sched.kind, DGK_SCHED_PERSISTENT);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(plan_no_split_no_workspace)
{
    const char *mods[] = {"", " split_k 1"};
    for (int i = 0; i < 2; i++) {
        dgkc_unit *u = unit_with(mods[i]);
        const dgk_plan *p = planned(u);
        ck_assert_int_eq(p->split.slices, 0);
        for (int a = 0; a < p->nargs; a++)
            ck_assert_int_ne(p->args[a].kind, DGK_ARG_WORKSPACE);
        ck_assert_int_eq(dgk_plan_split_partial_bytes(p, 4096, 576), 0);
        ck_assert_int_eq(dgk_plan_split_counter_bytes(p, 4096, 576), 0);
        ck_assert_int_eq(dgk_plan_split_slices(p, 7168), 1);
        dgkc_unit_free(u);
    }
}
END_TEST

/* blocks x S x BM x BN f32 and blocks x consumer warpgroups i32; blocks rounded up to
 * the cluster along M. */
START_TEST(plan_workspace_sizes)
{
    dgkc_unit *u = unit_with(" split_k 4");
    const dgk_plan *p = planned(u);
    ck_assert_int_eq(p->bm, 64);
    ck_assert_int_eq(p->bn, 96);
    ck_assert_int_eq(p->consumer_wgs, 1);
    /* M = 64, N = 576: 1 x 6 blocks */
    ck_assert_int_eq(dgk_plan_split_blocks(p, 64, 576), 6);
    ck_assert_int_eq(dgk_plan_split_partial_bytes(p, 64, 576), 6LL * 4 * 64 * 96 * 4);
    ck_assert_int_eq(dgk_plan_split_counter_bytes(p, 64, 576), 6 * 4);
    /* M = 65: 2 x 6 */
    ck_assert_int_eq(dgk_plan_split_partial_bytes(p, 65, 576), 12LL * 4 * 64 * 96 * 4);
    /* slices: never more than the K blocks (BK = 64) */
    ck_assert_int_eq(dgk_plan_split_slices(p, 7168), 4);
    ck_assert_int_eq(dgk_plan_split_slices(p, 192), 3);
    ck_assert_int_eq(dgk_plan_split_slices(p, 64), 1);
    ck_assert_int_eq(dgk_plan_split_slices(p, 0), 1);
    dgkc_unit_free(u);

    u = unit_with(" cluster 2 split_k 3");
    p = planned(u);
    ck_assert_int_eq(p->cluster_m, 2);
    /* M = 100: cdiv(100, 128) = 1 cluster row = 2 blocks along M, times 6 */
    ck_assert_int_eq(dgk_plan_split_blocks(p, 100, 576), 12);
    ck_assert_int_eq(dgk_plan_split_counter_bytes(p, 100, 576), 12 * 4);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(plan_rejects_accumulate)
{
    const char *src = "kernel g<BM = 128, BN = 128>(A : bf16[M, K], B : bf16[N, K], D : f32[M, N])\n"
                      "{\n"
                      "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) split_k 2 -> (i, j);\n"
                      "    var acc = zeros(f32[BM, BN]);\n"
                      "    pipeline k in 0 .. cdiv(K, 64) {\n"
                      "        acc += mma(A[i*BM +: BM, k*64 +: 64], B[j*BN +: BN, k*64 +: 64]^T);\n"
                      "    }\n"
                      "    D[i*BM +: BM, j*BN +: BN] += acc;\n"
                      "}\n";
    dgkc_unit *u = dgkc_unit_new("t.dgk", src, strlen(src));
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    ck_assert_int_ne(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    char *d = diagnostics(u);
    ck_assert_ptr_nonnull(strstr(d, "t.dgk:3:52: error: split_k 2 with an accumulating store"));
    free(d);
    dgkc_unit_free(u);
}
END_TEST

START_TEST(sema_rejects_grouped_and_range)
{
    const char *srcs[] = {
        "kernel a(D : f32[M], O : i32[M]) { schedule m_grouped_masked (M, M, M) masked O split_k 2 -> (g, i, j); D[i] = 0.0; }",
        "kernel a(D : f32[M]) { schedule grid (M) split_k 2 -> (i); D[i] = 0.0; }",
        "kernel a(D : f32[M]) { schedule persistent (M) split_k 17 -> (i); D[i] = 0.0; }",
    };
    const char *want[] = {"no modifier 'split_k' for schedule m_grouped_masked", "no modifier 'split_k' for schedule grid",
                          "must be at most 16, not 17"};
    for (int i = 0; i < 3; i++) {
        dgkc_unit *u = dgkc_unit_new("t.dgk", srcs[i], strlen(srcs[i]));
        ck_assert_int_ne(dgkc_check(u), DGKC_OK);
        char *d = diagnostics(u);
        ck_assert_msg(strstr(d, want[i]) != NULL, "%s", d);
        free(d);
        dgkc_unit_free(u);
    }
}
END_TEST

/* ---- emitted code ------------------------------------------------------------------- */

static char *emit_with(const char *mods)
{
    dgkc_unit *u = unit_with(mods);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", 0, &cu, NULL), DGKC_OK);
    char *copy = strdup(cu);
    dgkc_unit_free(u);
    return copy;
}

/* a and b are found, a before b */
static void before(const char *a, const char *b)
{
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(a < b, "out of order: '%.40s' after '%.40s'", a, b);
}

START_TEST(emit_split_1_is_plain)
{
    char *plain = emit_with(""), *one = emit_with(" split_k 1");
    ck_assert_str_eq(plain, one);
    ck_assert_ptr_null(strstr(plain, "split"));
    free(plain);
    free(one);
}
END_TEST

START_TEST(emit_split_reduction)
{
    char *cu = emit_with(" split_k 5");
    const char *must[] = {
        "enum { SPLIT = 5 };",
        "const int splits = min(SPLIT, max(k_total, 1));",
        "const int tile = unit / splits, slice = unit % splits;",
        "for (int kb = k_first; kb < k_first + k_blocks; ++kb)",
        "store_partial(acc, part + (long long)slice * (BM * BN));",
        "store_tile = arrive_last(split_counters + ws_block * CONSUMERS + consumer, splits, consumer);",
        "sum_partials(acc, part, splits);",
        "if (store_tile && threadIdx.x % 128 == 0)",
        "dgk_atom_add_acq_rel_gpu(counter, 1) == splits - 1",
        "dgk_st_relaxed_gpu_s32(counter, 0);",
        "float *const split_partials,",
        "int *const split_counters)",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        ck_assert_msg(strstr(cu, must[i]) != NULL, "missing: %s", must[i]);
    /* the release side comes before the count, the reduction after it, the store last */
    before(strstr(cu, "store_partial(acc, part"), strstr(cu, "store_tile = arrive_last("));
    before(strstr(cu, "store_tile = arrive_last("), strstr(cu, "sum_partials(acc, part, splits);"));
    before(strstr(cu, "sum_partials(acc, part, splits);"), strstr(cu, "store: D = epilogue(acc)"));
    before(strstr(cu, "store: D = epilogue(acc)"), strstr(cu, "if (store_tile && threadIdx.x % 128 == 0)"));
    const char *arrive = strstr(cu, "bool arrive_last(");
    ck_assert_ptr_nonnull(arrive);
    before(strstr(arrive, "dgk_fence_acq_rel_gpu();"), strstr(arrive, "dgk_atom_add_acq_rel_gpu"));
    before(strstr(arrive, "dgk_named_barrier_sync(1 + consumer, 128);"), strstr(arrive, "dgk_atom_add_acq_rel_gpu"));
    free(cu);
}
END_TEST

/* The last unit's slot loads are unrolled for small accumulators (the tiles the heuristic
 * splits) and rolled for big ones, where ptxas spilled with split-K forced. */
START_TEST(emit_split_sum_unroll)
{
    char *small = emit_with(" split_k 3");
    const char *sum = strstr(small, "void sum_partials(");
    ck_assert_ptr_nonnull(sum);
    ck_assert_ptr_nonnull(strstr(sum, "#pragma unroll 4\n    for (int s = 1; s < splits; ++s)"));
    free(small);
    dgkc_unit *u = unit_with(" split_k 3");
    ck_assert_int_eq(dgkc_define(u, "BM", "128"), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "BN", "256"), DGKC_OK); /* 128 accumulator registers a thread */
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", 0, &cu, NULL), DGKC_OK);
    sum = strstr(cu, "void sum_partials(");
    ck_assert_ptr_nonnull(sum);
    ck_assert_ptr_nonnull(strstr(sum, "#pragma unroll 1\n    for (int s = 1; s < splits; ++s)"));
    dgkc_unit_free(u);
}
END_TEST

START_TEST(emit_split_fp8_offsets_scales)
{
    dgkc_unit *u = dgkc_unit_new("f.dgk", fp8_src, strlen(fp8_src));
    ck_assert_int_eq(dgkc_define(u, "SPLIT", "3"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    const char *cu = NULL;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", 0, &cu, NULL), DGKC_OK);
    /* the producer walks the slice's absolute K blocks, and loads their B scales itself
     * (K at launch: plan.h fp8.sb_loads) */
    ck_assert_ptr_nonnull(strstr(cu, "for (int kb = k_first; kb < k_first + k_blocks; ++kb)"));
    ck_assert_ptr_nonnull(strstr(cu, "const float *const sb_lo_ptr = ptr_SB + (long long)sb_row * stride_SB_0;"));
    ck_assert_ptr_nonnull(strstr(cu, "const float sb_lo_b = dgk_ldg_f32(sb_lo_ptr + kb);"));
    ck_assert_ptr_nonnull(strstr(cu, "dgk_st_shared_b32(sb_dst, __float_as_uint(sb_lo_b));"));
    ck_assert_ptr_null(strstr(cu, "dgk_cp_async_4("));
    ck_assert_ptr_nonnull(strstr(cu, "const int k_total = dgk_opaque((K + BK - 1) / BK);"));
    ck_assert_ptr_nonnull(strstr(cu, "sum_partials(acc, part, splits);"));
    dgkc_unit_free(u);
    /* K compiled in (the stock kernels' case, split-K keeps the per-stage slot): cp.async */
    u = dgkc_unit_new("f.dgk", fp8_src, strlen(fp8_src));
    ck_assert_int_eq(dgkc_define(u, "SPLIT", "3"), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "K", "7168"), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", 0, &cu, NULL), DGKC_OK);
    ck_assert_ptr_nonnull(strstr(cu, "dgk_cp_async_4(sb_dst, sb_lo_ptr + kb);"));
    ck_assert_ptr_null(strstr(cu, "dgk_ldg_f32("));
    dgkc_unit_free(u);
}
END_TEST

/* ---- runtime workspace, against a fake driver ----------------------------------------- */

static struct fake {
    int allocs, frees, memsets, syncs, ctx_syncs, fail_alloc, exchanges, relaxed_allocs;
    CUdeviceptr next, freed[32];
    size_t alloc_bytes[8], memset_bytes;
    CUdeviceptr memset_ptr;
    CUstream memset_stream, synced[8], capturing, reborn;
    CUstreamCaptureStatus capture_status;
    CUstreamCaptureMode mode;
    CUresult query_result, id_result;
    unsigned long long generation; /* of `reborn`: a handle destroyed and created again */
} fk;

static CUresult f_alloc(CUdeviceptr *p, size_t n)
{
    if (fk.fail_alloc)
        return CUDA_ERROR_OUT_OF_MEMORY;
    fk.relaxed_allocs += fk.mode == CU_STREAM_CAPTURE_MODE_RELAXED;
    fk.alloc_bytes[fk.allocs++ % 8] = n;
    *p = fk.next;
    fk.next += 0x100000;
    return CUDA_SUCCESS;
}

static CUresult f_free(CUdeviceptr p)
{
    fk.freed[fk.frees++ % 32] = p;
    return CUDA_SUCCESS;
}

static CUresult f_memset(CUdeviceptr p, unsigned char v, size_t n, CUstream s)
{
    ck_assert_int_eq(v, 0);
    fk.memsets++;
    fk.memset_ptr = p;
    fk.memset_bytes = n;
    fk.memset_stream = s;
    return CUDA_SUCCESS;
}

static CUresult f_sync(CUstream s)
{
    fk.synced[fk.syncs++ % 8] = s;
    return CUDA_SUCCESS;
}

static CUresult f_ctx_sync(void)
{
    fk.ctx_syncs++;
    return CUDA_SUCCESS;
}

static CUresult f_is_capturing(CUstream s, CUstreamCaptureStatus *st)
{
    *st = s == fk.capturing ? fk.capture_status : CU_STREAM_CAPTURE_STATUS_NONE;
    return fk.query_result;
}

/* Ids as the driver gives them: one per stream for the life of the process. A handle
 * stays one stream unless a test destroys and recreates it (`reborn`, `generation`);
 * CU_STREAM_PER_THREAD is a stream per thread. */
static CUresult f_stream_id(CUstream s, unsigned long long *id)
{
    static _Thread_local unsigned long long per_thread;
    static unsigned long long threads;
    if (s == CU_STREAM_PER_THREAD) {
        if (!per_thread)
            per_thread = (1ull << 48) + __atomic_add_fetch(&threads, 1, __ATOMIC_RELAXED);
        *id = per_thread;
    } else {
        *id = (uintptr_t)s + (s == fk.reborn ? fk.generation << 32 : 0);
    }
    return fk.id_result;
}

static CUresult f_exchange(CUstreamCaptureMode *mode)
{
    CUstreamCaptureMode old = fk.mode;
    fk.mode = *mode;
    *mode = old;
    fk.exchanges++;
    return CUDA_SUCCESS;
}

static CUresult f_err_name(CUresult r, const char **s)
{
    *s = r == CUDA_ERROR_OUT_OF_MEMORY ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA_ERROR";
    return CUDA_SUCCESS;
}

static CUresult f_err_string(CUresult r, const char **s)
{
    (void)r;
    *s = "fake";
    return CUDA_SUCCESS;
}

static dgk_cuda_api fake_api(void)
{
    dgk_cuda_api cu;
    memset(&cu, 0, sizeof cu);
    memset(&fk, 0, sizeof fk);
    fk.next = 0x1000000;
    fk.mode = CU_STREAM_CAPTURE_MODE_GLOBAL;
    fk.capture_status = CU_STREAM_CAPTURE_STATUS_ACTIVE;
    cu.cuMemAlloc = f_alloc;
    cu.cuMemFree = f_free;
    cu.cuMemsetD8Async = f_memset;
    cu.cuStreamSynchronize = f_sync;
    cu.cuCtxSynchronize = f_ctx_sync;
    cu.cuStreamIsCapturing = f_is_capturing;
    cu.cuStreamGetId = f_stream_id;
    cu.cuThreadExchangeStreamCaptureMode = f_exchange;
    cu.cuGetErrorName = f_err_name;
    cu.cuGetErrorString = f_err_string;
    return cu;
}

#define S1 ((CUstream)0x11)
#define S2 ((CUstream)0x22)

START_TEST(workspace_first_bind_allocates_and_zeroes_counters)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr part = 0, cnt = 0;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 1 << 20, 96, S1, &part, &cnt), DGK_OK);
    ck_assert_int_eq(fk.allocs, 2);
    ck_assert_int_eq(fk.alloc_bytes[0], 1 << 20);
    ck_assert_int_eq(fk.alloc_bytes[1], 96);
    ck_assert(part != 0 && cnt != 0 && part != cnt);
    /* only the counters are zeroed, on the launch's stream */
    ck_assert_int_eq(fk.memsets, 1);
    ck_assert(fk.memset_ptr == cnt);
    ck_assert_int_eq(fk.memset_bytes, 96);
    ck_assert(fk.memset_stream == S1);
    ck_assert_int_eq(fk.syncs, 0);
    /* the same or a smaller launch on the same stream: nothing to do */
    CUdeviceptr part2, cnt2;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 1000, 8, S1, &part2, &cnt2), DGK_OK);
    ck_assert(part2 == part && cnt2 == cnt);
    ck_assert_int_eq(fk.allocs, 2);
    ck_assert_int_eq(fk.memsets, 1);
    ck_assert_int_eq(fk.syncs, 0);
    dgk_workspace_free(&w, &cu);
    ck_assert_int_eq(fk.frees, 2);
}
END_TEST

START_TEST(workspace_grows_keeping_the_old)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr part, cnt, part2, cnt2;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &part, &cnt), DGK_OK);
    /* more partials: a new buffer; the old one stays allocated (a queued launch or a
     * captured graph may use it), and nothing waits */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 8192, 16, S1, &part2, &cnt2), DGK_OK);
    ck_assert_int_eq(fk.syncs, 0);
    ck_assert_int_eq(fk.frees, 0);
    ck_assert(part2 != part && cnt2 == cnt);
    ck_assert_int_eq(fk.memsets, 1); /* partials are never zeroed */
    /* more counters: a new zeroed counter buffer */
    CUdeviceptr part3, cnt3;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 8192, 64, S1, &part3, &cnt3), DGK_OK);
    ck_assert(part3 == part2 && cnt3 != cnt);
    ck_assert_int_eq(fk.memsets, 2);
    ck_assert(fk.memset_ptr == cnt3);
    ck_assert_int_eq(fk.memset_bytes, 64);
    ck_assert_int_eq(fk.frees, 0);
    /* freeing the op frees all four: current and outgrown */
    dgk_workspace_free(&w, &cu);
    ck_assert_int_eq(fk.frees, 4);
    int seen = 0;
    for (int i = 0; i < 4; i++)
        seen += fk.freed[i] == part || fk.freed[i] == cnt || fk.freed[i] == part3 || fk.freed[i] == cnt3;
    ck_assert_int_eq(seen, 4);
}
END_TEST

/* Eager launches on different streams may run at the same time: each stream gets buffers
 * of its own and nothing waits, until DGK_WS_STREAMS streams hold slots. */
START_TEST(workspace_streams_get_their_own_slots)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr p1, c1, p2, c2, p, c, p102 = 0, c102 = 0;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p1, &c1), DGK_OK);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p2, &c2), DGK_OK);
    ck_assert(p1 != p2 && c1 != c2);
    ck_assert_int_eq(fk.allocs, 4);
    ck_assert_int_eq(fk.memsets, 2);
    ck_assert(fk.memset_ptr == c2 && fk.memset_stream == S2);
    /* back and forth: each stream finds its own buffers, nothing waits */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p, &c), DGK_OK);
    ck_assert(p == p1 && c == c1);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p, &c), DGK_OK);
    ck_assert(p == p2 && c == c2);
    ck_assert_int_eq(fk.syncs + fk.ctx_syncs, 0);
    ck_assert_int_eq(fk.allocs, 4);
    /* more streams than slots: the least recently used slot (S1's) is taken over once
     * the context has finished with it (S1 may have been destroyed since, so it is not
     * waited for by its handle); its buffers are reused */
    for (int i = 2; i < DGK_WS_STREAMS; i++) {
        ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, (CUstream)(uintptr_t)(0x100 + i), &p, &c), DGK_OK);
        if (i == 2)
            p102 = p, c102 = c;
    }
    ck_assert_int_eq(fk.syncs + fk.ctx_syncs, 0);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, (CUstream)0x999, &p, &c), DGK_OK);
    ck_assert_int_eq(fk.ctx_syncs, 1);
    ck_assert(p == p1 && c == c1);
    /* S2 still has its slot; S1 is now the one that must wait, and takes the slot of
     * stream 0x102, now the least recently used */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p, &c), DGK_OK);
    ck_assert(p == p2 && fk.ctx_syncs == 1);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p, &c), DGK_OK);
    ck_assert_int_eq(fk.ctx_syncs, 2);
    ck_assert(p == p102 && c == c102);
    ck_assert_int_eq(fk.syncs, 0);
    ck_assert_int_eq(fk.allocs, 2 * DGK_WS_STREAMS);
    dgk_workspace_free(&w, &cu);
    ck_assert_int_eq(fk.frees, 2 * DGK_WS_STREAMS);
}
END_TEST

/* cuStreamDestroy returns while the stream's work still runs, and a stream created next
 * may get the same handle: it is another stream (another id), so it must not find the
 * old one's buffers, which a kernel may still be using. */
START_TEST(workspace_reused_stream_handle_is_another_stream)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr p1, c1, p, c;
    fk.reborn = S1;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p1, &c1), DGK_OK);
    fk.generation = 1; /* S1 destroyed with its launch pending; a new stream, same handle */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p, &c), DGK_OK);
    ck_assert(p != p1 && c != c1);
    ck_assert_int_eq(fk.allocs, 4);
    ck_assert(fk.memset_ptr == c && fk.memset_stream == S1);
    /* and that new stream keeps its own slot */
    CUdeviceptr p2, c2;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p2, &c2), DGK_OK);
    ck_assert(p2 == p && c2 == c && fk.allocs == 4);
    ck_assert_int_eq(fk.syncs + fk.ctx_syncs, 0);
    dgk_workspace_free(&w, &cu);
    ck_assert_int_eq(fk.frees, 4);
}
END_TEST

typedef struct bind_job {
    dgk_workspace *w;
    const dgk_cuda_api *cu;
    dgk_status s;
    CUdeviceptr part, cnt;
} bind_job;

static void *bind_per_thread(void *arg)
{
    bind_job *j = arg;
    j->s = dgk_workspace_bind(j->w, j->cu, 4096, 16, CU_STREAM_PER_THREAD, &j->part, &j->cnt);
    return NULL;
}

START_TEST(workspace_per_thread_stream_is_per_thread)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr part, cnt, p, c;
    /* the same handle from the same thread is the same stream: one slot, no wait */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, CU_STREAM_PER_THREAD, &part, &cnt), DGK_OK);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, CU_STREAM_PER_THREAD, &p, &c), DGK_OK);
    ck_assert(p == part && c == cnt);
    /* from another thread it is another stream: a slot of its own */
    bind_job j = {&w, &cu, DGK_EINVAL, 0, 0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, bind_per_thread, &j), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(j.s, DGK_OK);
    ck_assert(j.part != part && j.cnt != cnt);
    ck_assert_int_eq(fk.syncs + fk.ctx_syncs, 0);
    /* back in this thread: its own slot again */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, CU_STREAM_PER_THREAD, &p, &c), DGK_OK);
    ck_assert(p == part && c == cnt);
    /* the other thread's slot is the least recently used: taking it over waits for the
     * whole context, since its stream cannot be named from this thread */
    for (int i = 2; i < DGK_WS_STREAMS; i++)
        ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, (CUstream)(uintptr_t)(0x100 + i), &p, &c), DGK_OK);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p, &c), DGK_OK);
    ck_assert_int_eq(fk.ctx_syncs, 1);
    ck_assert_int_eq(fk.syncs, 0);
    ck_assert(p == j.part);
    dgk_workspace_free(&w, &cu);
}
END_TEST

/* A launch captured into a CUDA graph may be replayed beside anything: buffers of its own
 * every time, counters zeroed by a memset captured on its stream, allocated in relaxed
 * capture mode, kept until the op is freed; the eager slots are left alone. */
START_TEST(workspace_captured_launches_get_their_own)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr pe, ce, p1, c1, p2, c2, p, c;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &pe, &ce), DGK_OK);
    fk.capturing = S2;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p1, &c1), DGK_OK);
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p2, &c2), DGK_OK);
    ck_assert(p1 != pe && c1 != ce && p2 != p1 && c2 != c1 && p2 != pe && c2 != ce);
    ck_assert_int_eq(fk.allocs, 6);
    /* every allocation in relaxed mode, eager ones too (another thread's global-mode
     * capture would forbid them otherwise), and the thread's mode put back each time */
    ck_assert_int_eq(fk.relaxed_allocs, 6);
    ck_assert(fk.mode == CU_STREAM_CAPTURE_MODE_GLOBAL);
    ck_assert_int_eq(fk.exchanges, 12);
    ck_assert_int_eq(fk.memsets, 3);
    ck_assert(fk.memset_ptr == c2 && fk.memset_stream == S2 && fk.memset_bytes == 16);
    /* a dynamic schedule without split-K: counters only */
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 0, 8, S2, &p, &c), DGK_OK);
    ck_assert(p == 0 && c != 0 && fk.allocs == 7);
    /* the capture ends: S2's eager launches find their slot as before */
    fk.capturing = NULL;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p, &c), DGK_OK);
    ck_assert(p == pe && c == ce && fk.allocs == 7);
    ck_assert_int_eq(fk.syncs + fk.ctx_syncs, 0);
    dgk_workspace_free(&w, &cu);
    ck_assert_int_eq(fk.frees, 7);
}
END_TEST

/* The driver's answers that stop a bind: an invalidated capture, a failed capture query, a
 * stream it cannot identify; each an error naming the call, nothing allocated. */
START_TEST(workspace_driver_query_errors)
{
    dgk_cuda_api cu = fake_api();
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr p = 1, c = 1;
    fk.capturing = S1;
    fk.capture_status = CU_STREAM_CAPTURE_STATUS_INVALIDATED;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &p, &c), DGK_ECUDA);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "invalidated"));
    ck_assert(p == 0 && c == 0 && fk.allocs == 0);
    fk.query_result = CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p, &c), DGK_ECUDA);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "cuStreamIsCapturing"));
    ck_assert_int_eq(fk.allocs, 0);
    /* a handle the driver cannot identify: an error naming the call, nothing allocated */
    fk.query_result = CUDA_SUCCESS;
    fk.id_result = CUDA_ERROR_INVALID_HANDLE;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p, &c), DGK_ECUDA);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "cuStreamGetId"));
    ck_assert(p == 0 && c == 0 && fk.allocs == 0);
    /* and once the driver answers, the launch gets its buffers */
    fk.id_result = CUDA_SUCCESS;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S2, &p, &c), DGK_OK);
    ck_assert(p != 0 && c != 0);
    dgk_workspace_free(&w, &cu);
}
END_TEST

START_TEST(workspace_alloc_failure_is_an_error)
{
    dgk_cuda_api cu = fake_api();
    fk.fail_alloc = 1;
    dgk_workspace w;
    dgk_workspace_init(&w);
    CUdeviceptr part = 1, cnt = 1;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &part, &cnt), DGK_ECUDA);
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "cuMemAlloc"));
    ck_assert_ptr_nonnull(strstr(dgk_last_error(), "CUDA_ERROR_OUT_OF_MEMORY"));
    ck_assert(part == 0);
    /* it recovers once memory is there */
    fk.fail_alloc = 0;
    ck_assert_int_eq(dgk_workspace_bind(&w, &cu, 4096, 16, S1, &part, &cnt), DGK_OK);
    ck_assert(part != 0 && cnt != 0);
    dgk_workspace_free(&w, &cu);
}
END_TEST

/* ---- the stock heuristic on 132 SMs ---------------------------------------------------- */

typedef struct pick {
    int64_t m, n, k;
    int fp8;
    int split;      /* > 1: must split (any S >= 2); 1: must not */
} pick;

static const pick picks[] = {
    /* few tiles: split */
    {1, 2112, 7168, 0, 2},   {64, 2112, 7168, 0, 2},  {64, 576, 7168, 0, 2},   {128, 2112, 7168, 0, 2},
    {128, 576, 7168, 0, 2},  {64, 576, 7168, 1, 2},   {128, 576, 7168, 1, 2},
    /* tiles on half the SMs or more, each streaming a 13-16 stage pipeline: unsplit (H100
     * sweep 2026-11-26, tests/gpu/results/2026-11-26-H100-small-m-fit/: 1x4096x7168 64 x 64
     * unsplit 20.5 us FP8 / 32.0 us BF16 against 22.1 / 33.9 in 2 slices; 1x2112x7168 FP8
     * unsplit 15.7, 2 slices 15.3, 4 slices 16.0; 64x7168x16384 BF16 unsplit 64 x 64 94.7,
     * 64 x 128 in 2 slices 97.5) */
    {1, 4096, 7168, 0, 1},   {1, 4096, 7168, 1, 1},   {64, 4096, 7168, 0, 1},  {64, 4096, 7168, 1, 1},
    {1, 2112, 7168, 1, 1},   {64, 7168, 16384, 0, 1},
    /* FP8 64x2112x7168: 64 x 32 unsplit (66 tiles) 14.0-14.3 us, 64 x 64 in 4 slices 16.1-16.3
     * (tests/gpu/results/2026-11-26-H100-small-m-32/) */
    {64, 2112, 7168, 1, 1},
    /* the SMs are busy already (or K is short): no split */
    {128, 24576, 1536, 0, 1}, {128, 7168, 16384, 0, 1}, {4096, 2112, 7168, 0, 1},
    {4096, 24576, 1536, 0, 1}, {4096, 32768, 512, 0, 1}, {4096, 7168, 16384, 0, 1}, {4096, 4096, 7168, 0, 1},
    {4096, 7168, 2048, 0, 1},  {64, 7168, 16384, 1, 1},  {128, 24576, 1536, 1, 1}, {4096, 2112, 7168, 1, 1},
    {4096, 7168, 16384, 1, 1}, {4096, 4096, 7168, 1, 1}, {4096, 7168, 2048, 1, 1}, {1, 7168, 2048, 0, 1},
};

START_TEST(heuristic_splits_few_tile_shapes)
{
    for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
        const pick *t = &picks[i];
        gemm_shape s = {t->m, t->n, t->k, t->fp8 ? 1 : 2, 2, 0, t->fp8, 0, 1, 0, 0, 0, 0, 0, 0};
        gemm_shape plain = s;
        plain.can_split = 0;
        gemm_config c = gemm_heuristic(&s, 132), c0 = gemm_heuristic(&plain, 132);
        ck_assert_int_eq(c0.split, 1);
        if (t->split > 1) {
            ck_assert_msg(c.split >= 2 && c.split <= 16, "%lld x %lld x %lld %s: split %d", (long long)t->m,
                          (long long)t->n, (long long)t->k, t->fp8 ? "fp8" : "bf16", c.split);
            /* the split tile leaves SMs idle, and no slice is empty */
            int64_t tiles = ((t->m + c.bm - 1) / c.bm) * ((t->n + c.bn - 1) / c.bn);
            ck_assert_int_lt(tiles, 132);
            ck_assert_int_le(c.split, (t->k + (t->fp8 ? 128 : 64) - 1) / (t->fp8 ? 128 : 64));
        } else {
            /* unsplit shapes keep exactly the tile of the heuristic without split-K */
            ck_assert_msg(c.split == 1, "%lld x %lld x %lld %s: split %d", (long long)t->m, (long long)t->n,
                          (long long)t->k, t->fp8 ? "fp8" : "bf16", c.split);
            ck_assert_int_eq(c.bm, c0.bm);
            ck_assert_int_eq(c.bn, c0.bn);
        }
    }
}
END_TEST

/* FP8 with 16 waves or more of 128 x 192 tiles takes them in 2-CTA clusters along M (B
 * multicast); else FP8 256 x 128 tiles over 6 waves or more take a 2-CTA cluster along N
 * (A multicast); fewer waves, other tiles, BF16 and kernels without clusters (can_split 0)
 * take none. */
START_TEST(heuristic_clusters)
{
    static const struct { int64_t m, n, k; int fp8, can_split, cluster, cluster_n; } cases[] = {
        {4096, 7168, 16384, 1, 1, 1, 2}, {4096, 24576, 1536, 1, 1, 2, 1}, {4096, 32768, 512, 1, 1, 2, 1},
        {4096, 4096, 7168, 1, 1, 1, 1},  {4096, 2112, 7168, 1, 1, 1, 1},  {4096, 576, 7168, 1, 1, 1, 1},
        {4096, 7168, 2048, 1, 1, 1, 1},  /* 128 x 160 since the per-form tile prologue: no cluster */
        {4096, 7168, 7168, 1, 1, 1, 2},  /* 256 x 128 over 6.8 waves: A multicast */
        {32768, 6144, 7168, 1, 1, 2, 1}, {32768, 4096, 4096, 1, 1, 2, 1}, {16384, 6144, 7168, 1, 1, 2, 1},
        {32768, 4096, 4096, 0, 1, 1, 1}, /* BF16 */
        {32640, 4096, 4096, 1, 1, 1, 1}, /* 255 row blocks: odd, no pairs along M */
        {32768, 3850, 4096, 1, 1, 1, 1}, /* 21 x 192 = 4032 columns for 3850: 4.7% waste, not taken */
        {32768, 5000, 4096, 1, 1, 2, 1}, /* 27 x 192 = 5184 columns for 5000: 3.7% waste, taken */
        {128, 7168, 16384, 1, 1, 1, 1},  {4096, 7168, 16384, 0, 1, 1, 1}, {4096, 7168, 16384, 1, 0, 1, 1},
        {4096, 7296, 16384, 1, 1, 1, 1}, /* 57 column tiles of 128: odd, no pairs along N */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gemm_shape s = {cases[i].m, cases[i].n, cases[i].k, cases[i].fp8 ? 1 : 2, 2, 0, cases[i].fp8, 0,
                        cases[i].can_split, 0, 0, 0, 0, 0, 0};
        gemm_config c = gemm_heuristic(&s, 132);
        int cl = c.cluster > 1 ? c.cluster : 1, cn = c.cluster_n > 1 ? c.cluster_n : 1;
        ck_assert_msg(cl == cases[i].cluster && cn == cases[i].cluster_n,
                      "%lld x %lld x %lld fp8 %d: cluster %d, cluster_n %d", (long long)cases[i].m, (long long)cases[i].n,
                      (long long)cases[i].k, cases[i].fp8, c.cluster, c.cluster_n);
        if (cn == 2)
            ck_assert(c.bm == 256 && c.bn == 128 && c.split <= 1);
        if (cl == 2)
            ck_assert(c.bm == 128 && c.bn == 192 && c.split <= 1);
    }
}
END_TEST

/* A forced tile or cluster is the whole configuration: the heuristic's cluster along N is
 * dropped unless DGK_GEMM_CLUSTER_N itself is set; forcing one axis clears the other. */
START_TEST(cluster_override)
{
    /* the heuristic's picks with a cluster along N (256 x 128) and along M (128 x 192) */
    static const struct { int heur_m, heur_n; const char *tile, *cl, *cn; int cluster, cluster_n; } cases[] = {
        {1, 2, NULL, NULL, NULL, 1, 2},      {1, 2, "128x128", NULL, NULL, 1, 1}, {1, 2, NULL, "1", NULL, 1, 1},
        {1, 2, NULL, "2", NULL, 2, 1},       {1, 2, NULL, NULL, "1", 1, 1},       {1, 2, "256x128", NULL, "2", 1, 2},
        {1, 2, NULL, "2", "2", 2, 2}, /* both: the compiler refuses it with its reason */
        {2, 1, NULL, NULL, NULL, 2, 1},      {2, 1, "128x192", NULL, NULL, 1, 1}, {2, 1, NULL, NULL, "2", 1, 2},
        {2, 1, NULL, "1", NULL, 1, 1},       {2, 1, "128x192", "2", NULL, 2, 1},
    };
    static const char *const names[3] = {"DGK_GEMM_TILE", "DGK_GEMM_CLUSTER", "DGK_GEMM_CLUSTER_N"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gemm_config c = {cases[i].heur_n > 1 ? 256 : 128, cases[i].heur_n > 1 ? 128 : 192, 1, cases[i].heur_m,
                         cases[i].heur_n, 0, 0, 0};
        const char *vals[3] = {cases[i].tile, cases[i].cl, cases[i].cn};
        for (int v = 0; v < 3; v++) {
            if (vals[v])
                setenv(names[v], vals[v], 1);
            else
                unsetenv(names[v]);
        }
        gemm_tile_override(&c);
        ck_assert_msg(c.cluster == cases[i].cluster && c.cluster_n == cases[i].cluster_n,
                      "case %zu: cluster %d cluster_n %d", i, c.cluster, c.cluster_n);
    }
    for (int v = 0; v < 3; v++)
        unsetenv(names[v]);
}
END_TEST

/* At N = 576 and M <= 64 the narrow 64 x 32 tile split four ways (18 column tiles x 4 = 72
 * units) is taken: on the H100 it beat the 64 x 64 split 4-6% for FP8
 * (tests/gpu/results/2026-11-26-H100-small-m-narrow/), and 6 slices by 2-4%
 * (tests/gpu/results/2026-11-26-H100-small-m-32/: 1x576x7168 10.7 against 10.9 us). */
START_TEST(heuristic_splits_narrow_tiles)
{
    for (int64_t m = 1; m <= 64; m += 63) {
        gemm_shape s = {m, 576, 7168, 1, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
        gemm_config c = gemm_heuristic(&s, 132);
        ck_assert_int_eq(c.bm, 64);
        ck_assert_int_eq(c.bn, 32);
        ck_assert_int_eq(c.split, 4);
    }
}
END_TEST

/* FP8 with M <= 64 at N = 2112 and 4096: 64 x 32 unsplit, the best of the H100 sweep at
 * N = 2112 (64x2112x7168: 14.0-14.3 us, 64 x 64 in 4 slices 16.1-16.3,
 * tests/gpu/results/2026-11-26-H100-small-m-32/). */
START_TEST(heuristic_narrow_unsplit)
{
    for (int64_t m = 1; m <= 64; m += 63)
        for (int64_t n = 2112; n <= 4096; n += 4096 - 2112) {
            gemm_shape s = {m, n, 7168, 1, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
            gemm_config c = gemm_heuristic(&s, 132);
            ck_assert_msg(c.bm == 64 && c.bn == 32 && c.split == 1, "%lld x %lld: %d x %d split %d", (long long)m,
                          (long long)n, c.bm, c.bn, c.split);
        }
}
END_TEST

/* Kernels that cannot split (grouped, weight gradient) never get a split. */
START_TEST(heuristic_no_split_without_split_k)
{
    gemm_shape s = {64, 576, 7168, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(gemm_heuristic(&s, 132).split, 1);
    ck_assert_int_eq(gemm_heuristic_bm(&s, 132, 128).split, 1);
}
END_TEST

START_TEST(heuristic_split_override)
{
    gemm_config c = {128, 128, 1, 1, 1, 0, 0, 0};
    setenv("DGK_GEMM_SPLIT", "3", 1);
    gemm_split_override(&c);
    ck_assert_int_eq(c.split, 3);
    ck_assert_int_eq(c.bm, 128);
    setenv("DGK_GEMM_SPLIT", "junk", 1);
    gemm_split_override(&c);
    ck_assert_int_eq(c.split, 3);
    unsetenv("DGK_GEMM_SPLIT");
    gemm_split_override(&c);
    ck_assert_int_eq(c.split, 3);
    /* DGK_GEMM_TILE leaves the split alone */
    setenv("DGK_GEMM_TILE", "64x64", 1);
    gemm_tile_override(&c);
    ck_assert_int_eq(c.split, 3);
    ck_assert_int_eq(c.bn, 64);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("splitk");
    TCase *t = tcase_create("plan");
    tcase_add_test(t, plan_has_workspace_args);
    tcase_add_test(t, plan_no_split_no_workspace);
    tcase_add_test(t, plan_workspace_sizes);
    tcase_add_test(t, plan_rejects_accumulate);
    tcase_add_test(t, sema_rejects_grouped_and_range);
    suite_add_tcase(s, t);
    t = tcase_create("emit");
    tcase_add_test(t, emit_split_1_is_plain);
    tcase_add_test(t, emit_split_reduction);
    tcase_add_test(t, emit_split_fp8_offsets_scales);
    tcase_add_test(t, emit_split_sum_unroll);
    suite_add_tcase(s, t);
    t = tcase_create("workspace");
    tcase_add_test(t, workspace_first_bind_allocates_and_zeroes_counters);
    tcase_add_test(t, workspace_grows_keeping_the_old);
    tcase_add_test(t, workspace_streams_get_their_own_slots);
    tcase_add_test(t, workspace_reused_stream_handle_is_another_stream);
    tcase_add_test(t, workspace_per_thread_stream_is_per_thread);
    tcase_add_test(t, workspace_captured_launches_get_their_own);
    tcase_add_test(t, workspace_driver_query_errors);
    tcase_add_test(t, workspace_alloc_failure_is_an_error);
    suite_add_tcase(s, t);
    t = tcase_create("heuristic");
    tcase_add_test(t, heuristic_splits_few_tile_shapes);
    tcase_add_test(t, heuristic_clusters);
    tcase_add_test(t, cluster_override);
    tcase_add_test(t, heuristic_splits_narrow_tiles);
    tcase_add_test(t, heuristic_narrow_unsplit);
    tcase_add_test(t, heuristic_no_split_without_split_k);
    tcase_add_test(t, heuristic_split_override);
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
