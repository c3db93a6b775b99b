/* emit_wgmma.c - writes the wgmma.mma_async wrapper for the instruction shape the plan
 * chose (PTX ISA 9.7.15.5): an m64nNkK instruction with N/2 f32 accumulator registers per
 * thread, A and B from shared-memory descriptors, scale-d as a run-time predicate (0 on a
 * tile's first K step, so accumulators need no zeroing), and for 16-bit operands the
 * transpose immediates that select MN-major layouts. Only the shapes in use are written:
 * a 128-operand asm statement per unused shape would cost NVRTC parse time for nothing. */
#include <stdio.h>

#include "emit_internal.h"

/* The output operand list, "+f"(d[i]) eight to a line. */
static void emit_outputs(dgk_sm90_ctx *e, int n)
{
    for (int i = 0; i < n; i += 8) {
        char line[256];
        int len = 0;
        for (int j = i; j < n && j < i + 8; j++)
            len += snprintf(line + len, sizeof line - (size_t)len, "%s\"+f\"(d[%d])", j == i ? "" : ", ", j);
        dgk_sm90_line(e, "%s%s%s", i == 0 ? ": " : "  ", line, i + 8 >= n ? "" : ",");
    }
}

static void emit_wgmma_n(dgk_sm90_ctx *e, int inst_n)
{
    const dgk_plan *p = e->p;
    const dgk_plan_mma *m = &p->mma;
    int n = inst_n / 2;
    int sixteen_bit = dgk_dtype_bits(p->a.dtype) == 16;
    const char *at = dgk_sm90_ptx_type(p->a.dtype), *bt = dgk_sm90_ptx_type(p->b.dtype);
    dgk_sm90_line(e, "// D (%d f32 per thread) += A (%s, %s-major) * B (%s, %s-major); PTX 9.7.15.5 wgmma.mma_async", n,
                  at, p->a.major == DGK_MAJOR_K ? "K" : "M", bt, p->b.major == DGK_MAJOR_K ? "K" : "N");
    dgk_sm90_open(e,
                  "static __device__ __forceinline__ void wgmma_m64n%dk%d(float (&d)[%d], dgk_u64 desc_a, dgk_u64 "
                  "desc_b, int scale_d)",
                  inst_n, m->inst_k, n);
    dgk_sm90_line(e, "asm volatile(");
    e->indent++;
    dgk_sm90_line(e, "\"{\\n.reg .pred p;\\nsetp.ne.b32 p, %%%d, 0;\\n\"", n + 2);
    dgk_sm90_line(e, "\"wgmma.mma_async.sync.aligned.m64n%dk%d.f32.%s.%s \"", inst_n, m->inst_k, at, bt);
    for (int i = 0; i < n; i += 8) {
        char line[160];
        int len = 0;
        for (int j = i; j < n && j < i + 8; j++)
            len += snprintf(line + len, sizeof line - (size_t)len, "%s%%%d", j == i ? "" : ", ", j);
        dgk_sm90_line(e, "\"%s%s%s\"", i == 0 ? "{" : "", line, i + 8 >= n ? "}, " : ", ");
    }
    if (sixteen_bit)
        dgk_sm90_line(e, "\"%%%d, %%%d, p, 1, 1, %d, %d;\\n}\\n\"", n, n + 1, p->a.major == DGK_MAJOR_MN,
                      p->b.major == DGK_MAJOR_MN);
    else
        dgk_sm90_line(e, "\"%%%d, %%%d, p, 1, 1;\\n}\\n\"", n, n + 1);
    emit_outputs(e, n);
    dgk_sm90_line(e, ": \"l\"(desc_a), \"l\"(desc_b), \"r\"(scale_d));");
    e->indent--;
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "%s", "");
}

/* The plan's instruction, and with FP8 pieces (plan.h) the one of half its N as well. */
void dgk_sm90_emit_wgmma(dgk_sm90_ctx *e)
{
    emit_wgmma_n(e, e->p->mma.inst_n);
    if (e->p->fp8.pieces)
        emit_wgmma_n(e, e->p->mma.inst_n / 2);
}
