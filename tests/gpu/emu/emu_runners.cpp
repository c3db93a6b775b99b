/* emu_runners.cpp - the emulation's runners (rows in emu_runners.def): a plain CPU
 * GEMM that reads the buffers exactly as harness.h documents them (layouts, FP8
 * scales and their leading dimensions), and faulty variants of it. Under emulation
 * device memory is host memory, so they compute in place. */
#include "harness.h"
#include "harness_dev.h"

static float bf16_at(const void *p, size_t i)
{
    return __bfloat162float(((const __nv_bfloat16 *)p)[i]);
}

static float e4m3_at(const void *p, size_t i)
{
    __half_raw h = __nv_cvt_fp8_to_halfraw(((const __nv_fp8_storage_t *)p)[i], __NV_E4M3);
    return __half2float(__half(h));
}

static double dot_bf16(const gh_problem *p, const gh_buffers *b, int m, int n)
{
    int ak = gh_layout_a_kmajor(p->layout), bk = gh_layout_b_kmajor(p->layout);
    double acc = 0;
    for (int k = 0; k < p->k; k++)
        acc += (double)bf16_at(b->a, ak ? (size_t)m * b->lda + k : (size_t)k * b->lda + m) *
               bf16_at(b->b, bk ? (size_t)n * b->ldb + k : (size_t)k * b->ldb + n);
    return acc;
}

/* Per 128-wide K block: the e4m3 partial sum times the A and B scales. */
static double dot_fp8(const gh_problem *p, const gh_buffers *b, int m, int n, int b_scale)
{
    double acc = 0;
    for (int kb = 0; kb < p->k / 128; kb++) {
        double part = 0;
        for (int k = kb * 128; k < kb * 128 + 128; k++)
            part += (double)e4m3_at(b->a, (size_t)m * b->lda + k) *
                    e4m3_at(b->b, (size_t)n * b->ldb + k);
        if (p->recipe == GH_RECIPE_TENSOR)
            acc += part * b->sa[0] * (b_scale ? b->sb[0] : 1.0f);
        else if (p->recipe == GH_RECIPE_WGRAD) /* SB [K/128][sb_ld], one per column */
            acc += part * b->sa[kb * b->sa_ld + m] * (b_scale ? b->sb[kb * b->sb_ld + n] : 1.0f);
        else
            acc += part * b->sa[kb * b->sa_ld + m] *
                   (b_scale ? b->sb[(n / 128) * b->sb_ld + kb] : 1.0f);
    }
    return acc;
}

static void store(const gh_problem *p, const gh_buffers *b, int m, int n, double v)
{
    size_t i = (size_t)m * p->n + n;
    if (p->has_c)
        v += p->out == GH_F32 ? ((const float *)b->c)[i] : bf16_at(b->c, i);
    if (p->out == GH_F32)
        ((float *)b->d)[i] = (float)v;
    else
        ((__nv_bfloat16 *)b->d)[i] = __float2bfloat16_rn((float)v);
}

static int cpu_gemm(const gh_problem *p, const gh_buffers *b, int rows, int b_scale)
{
    for (int m = 0; m < rows; m++)
        for (int n = 0; n < p->n; n++)
            store(p, b, m, n, p->in == GH_BF16 ? dot_bf16(p, b, m, n) : dot_fp8(p, b, m, n, b_scale));
    return GH_OK;
}

extern "C" int gh_emu_cpu(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    return cpu_gemm(p, b, p->m, 1);
}

/* Leaves the last row of D unwritten. */
extern "C" int gh_emu_fault_last_row(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    return cpu_gemm(p, b, p->m - 1, 1);
}

/* Claims f32 output, then refuses it. */
extern "C" int gh_emu_fault_claims_f32(const gh_problem *, const gh_buffers *, cudaStream_t)
{
    gh_set_error("emu-fault-claims-f32: no f32 output after all");
    return GH_UNSUPPORTED;
}

/* Forgets the B scales. */
extern "C" int gh_emu_fault_b_scale(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    return cpu_gemm(p, b, p->m, 0);
}

/* The weight gradient: D (f32, starting as C) += A*B for the first `rows` rows. */
static int cpu_wgrad(const gh_problem *p, const gh_buffers *b, int rows)
{
    for (int m = 0; m < rows; m++)
        for (int n = 0; n < p->n; n++)
            ((float *)b->d)[(size_t)m * p->n + n] += (float)dot_fp8(p, b, m, n, 1);
    return GH_OK;
}

extern "C" int gh_emu_cpu_wgrad(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    return cpu_wgrad(p, b, p->m);
}

/* Accumulates into every row but the last (which keeps C: unchanged, not poisoned). */
extern "C" int gh_emu_fault_wgrad_row(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    return cpu_wgrad(p, b, p->m - 1);
}

/* Right, but its 4th call fails (an error, not a wrong result): with --no-verify, 1
 * warm-up and 3 timed runs, dgk-bench must report it for the first shape only, keep the
 * other runners' timings of that shape, and time it on the later shapes. */
extern "C" int gh_emu_fault_fails_once(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    static unsigned calls;
    if (++calls == 4) {
        gh_set_error("emu-fault-fails-once: planted failure on call 4");
        return GH_ERROR;
    }
    return cpu_gemm(p, b, p->m, 1);
}

/* Right to within the bar, but not the same bits twice: every second call flips the
 * lowest bit of D's first element (what an order of additions that depends on timing,
 * e.g. a split-K reduction in arrival order, would do). The repeat check must catch it. */
extern "C" int gh_emu_fault_nondeterministic(const gh_problem *p, const gh_buffers *b, cudaStream_t)
{
    static unsigned calls;
    cpu_gemm(p, b, p->m, 1);
    if (calls++ % 2)
        ((unsigned char *)b->d)[0] ^= 1; /* little-endian: the lowest mantissa bit */
    return GH_OK;
}
