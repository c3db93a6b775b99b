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
    /* swapped operands (plan.h, swap_ab): the instruction's A is the B tile */
    const dgk_plan_operand *oa = p->swap_ab ? &p->b : &p->a, *ob = p->swap_ab ? &p->a : &p->b;
    const char *at = dgk_sm90_ptx_type(oa->dtype), *bt = dgk_sm90_ptx_type(ob->dtype);
    dgk_sm90_line(e, "// D (%d f32 per thread) += A (%s, %s-major) * B (%s, %s-major); PTX 9.7.15.5 wgmma.mma_async%s", n,
                  at, oa->major == DGK_MAJOR_K ? "K" : "M", bt, ob->major == DGK_MAJOR_K ? "K" : "N",
                  p->swap_ab ? "; A is the B tile, B the A tile (swap-AB)" : "");
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
        dgk_sm90_line(e, "\"%%%d, %%%d, p, 1, 1, %d, %d;\\n}\\n\"", n, n + 1, oa->major == DGK_MAJOR_MN,
                      ob->major == DGK_MAJOR_MN);
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

/* A helper that issues one wgmma commit group into t, between the fences that keep the
 * compiler from moving t's accesses across it:
 *     FENCE(t); wgmma.fence; for ks [for mi] [for ni] wgmma_m64nNkK(...); commit; FENCE(t)
 * The descriptors advance by K step, by m64 row block (over_mi) and by instruction N range
 * (over_ni); desc_b already points at the group's first B row. */
void dgk_sm90_emit_wgmma_group(dgk_sm90_ctx *e, const dgk_sm90_wgmma_group *g)
{
    char t[32];
    snprintf(t, sizeof t, "t%s%s", g->over_mi ? "[mi]" : "", g->over_ni ? "[ni]" : "");
    dgk_sm90_open(e, "static __device__ __forceinline__ void %s(%s, dgk_u64 desc_a, dgk_u64 desc_b%s)", g->name,
                  g->t_param, g->extra_param);
    dgk_sm90_line(e, "%s(t);", g->fence);
    dgk_sm90_line(e, "dgk_wgmma_fence();");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int ks = 0; ks < K_STEPS; ++ks)");
    if (g->over_mi) {
        dgk_sm90_line(e, "#pragma unroll");
        dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    }
    if (g->over_ni) {
        dgk_sm90_line(e, "#pragma unroll");
        dgk_sm90_line(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
        e->indent++;
    }
    /* the tiles behind the instruction's A and B: swapped operands read B's rows as M */
    const char *ta = e->p->swap_ab ? "B" : "A", *tb = e->p->swap_ab ? "A" : "B";
    dgk_sm90_line(e, "wgmma_m64n%dk%d(%s, dgk_wgmma_desc_add(desc_a, ks * %s_KSTEP_BYTES%s%s%s),", g->inst_n,
                  e->p->mma.inst_k, t, ta, g->over_mi ? " + mi * " : "", g->over_mi ? ta : "", g->over_mi ? "_M64_BYTES" : "");
    dgk_sm90_line(e, "                dgk_wgmma_desc_add(desc_b, ks * %s_KSTEP_BYTES%s%s%s), %s);", tb,
                  g->over_ni ? " + ni * " : "", g->over_ni ? tb : "", g->over_ni ? "_INST_BYTES" : "", g->scale_d);
    if (g->over_ni)
        e->indent--;
    if (g->over_mi)
        dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "dgk_wgmma_commit();");
    dgk_sm90_line(e, "%s(t);", g->fence);
    dgk_sm90_close(e, NULL);
}
