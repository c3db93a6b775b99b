/* emit.c - the SM90 emitter's entry point and the generated file's skeleton.
 * Input: a validated dgk_plan. Output: CUDA C text appended to a dgk_strbuf: a header
 * comment, `#include "dgk_sm90.cuh"`, a namespace with the kernel's constants and helper
 * functions, and the extern "C" __global__ kernel whose body the emit_*.c parts write.
 * Output is a pure function of the plan (no pointers, no clocks), so it is byte-stable. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emit_internal.h"

/* ---- text helpers ------------------------------------------------------------------ */

static void indent(dgk_sm90_ctx *e)
{
    for (int i = 0; i < e->indent; i++)
        dgk_strbuf_puts(e->out, "    ");
}

void dgk_sm90_line(dgk_sm90_ctx *e, const char *fmt, ...)
{
    va_list ap;
    indent(e);
    va_start(ap, fmt);
    dgk_strbuf_vprintf(e->out, fmt, ap);
    va_end(ap);
    dgk_strbuf_puts(e->out, "\n");
}

void dgk_sm90_start(dgk_sm90_ctx *e, const char *fmt, ...)
{
    va_list ap;
    indent(e);
    va_start(ap, fmt);
    dgk_strbuf_vprintf(e->out, fmt, ap);
    va_end(ap);
}

void dgk_sm90_open(dgk_sm90_ctx *e, const char *fmt, ...)
{
    va_list ap;
    indent(e);
    va_start(ap, fmt);
    dgk_strbuf_vprintf(e->out, fmt, ap);
    va_end(ap);
    dgk_strbuf_puts(e->out, " {\n");
    e->indent++;
}

void dgk_sm90_close(dgk_sm90_ctx *e, const char *tail)
{
    e->indent--;
    indent(e);
    dgk_strbuf_printf(e->out, "}%s\n", tail ? tail : "");
}

void dgk_sm90_raw(dgk_sm90_ctx *e, const char *s)
{
    dgk_strbuf_puts(e->out, s);
}

/* `// gemm.dgk:12: what` above the code a source construct produced. */
void dgk_sm90_loc(dgk_sm90_ctx *e, dgk_loc loc, const char *what)
{
    if (loc.src && loc.src->name)
        dgk_sm90_line(e, "// %s:%d: %s", loc.src->name, loc.line, what);
    else
        dgk_sm90_line(e, "// %s", what);
}

/* ---- dtype names --------------------------------------------------------------------- */

/* Storage types in the device header (it cannot include cuda_bf16.h, see device.cuh). */
static const char *const ctypes[DGK_DT_COUNT] = {
    [DGK_DT_F32] = "float",      [DGK_DT_BF16] = "dgk_bf16", [DGK_DT_F16] = "dgk_f16",
    [DGK_DT_E4M3] = "dgk_e4m3",  [DGK_DT_E5M2] = "dgk_e5m2", [DGK_DT_I32] = "int",
    [DGK_DT_U32] = "unsigned int", [DGK_DT_I64] = "long long", [DGK_DT_UE8M0] = "dgk_ue8m0",
};

const char *dgk_sm90_ctype(dgk_dtype t)
{
    return (unsigned)t < DGK_DT_COUNT ? ctypes[t] : NULL;
}

const char *dgk_sm90_ptx_type(dgk_dtype t)
{
    static const char *const names[] = {
        [DGK_SM90_BF16] = "bf16", [DGK_SM90_F16] = "f16", [DGK_SM90_E4M3] = "e4m3",
        [DGK_SM90_E5M2] = "e5m2", [DGK_SM90_TF32] = "tf32", [DGK_SM90_S8] = "s8",
    };
    dgk_sm90_mma k = dgk_dtype_info_of(t)->sm90;
    return k == DGK_SM90_NONE ? NULL : names[k];
}

const char *dgk_sm90_dim(const dgk_sm90_ctx *e, const dgk_plan_dim *dim, char *buf, int n)
{
    if (dim->arg >= 0)
        return e->p->args[dim->arg].name;
    snprintf(buf, (size_t)n, "%lld", (long long)dim->value);
    return buf;
}

/* `const int k_blocks = ...;` (split-K: `k_total` and the slice count `splits`, tail_split:
 * `k_total`; the tile loop sets k_blocks per unit; k_grouped: set per tile by tile_coords). With K
 * compiled in, NVVM unrolls an FP8 K loop (promotion included) completely — hundreds of wgmma and 20-30 s compiles — so its bound is hidden
 * behind dgk_opaque. A 16-bit K loop is not unrolled that way, so it keeps the plain
 * bound (both forms timed the same at K = 16384 on an H100, tests/gpu/results/). */
void dgk_sm90_emit_kblocks(dgk_sm90_ctx *e, char *buf, int n)
{
    if (e->p->sched.kind == DGK_SCHED_K_GROUPED) {
        dgk_sm90_line(e, "// K blocks per tile: its group's, k_first .. k_first + k_blocks (tile_coords)");
        return;
    }
    const char *k = dgk_sm90_dim(e, &e->p->k, buf, n);
    const char *name = dgk_sm90_split(e->p) ? "k_total" : "k_blocks";
    if (e->p->fp8.enabled)
        dgk_sm90_line(e, "const int %s = dgk_opaque((%s + BK - 1) / BK);  // K blocks per tile", name, k);
    else
        dgk_sm90_line(e, "const int %s = (%s + BK - 1) / BK;  // K blocks per tile", name, k);
    if (e->p->split.slices > 1)
        dgk_sm90_line(e, "const int splits = min(SPLIT, max(k_total, 1));  // K slices per tile: none of them empty");
}

/* ---- derived facts ----------------------------------------------------------------- */

/* Cuts an operand's stage tile into TMA boxes and computes its wgmma strides. K-major:
 * a box is box[1] rows of one swizzle span (the whole BK); 8-row groups are 8 spans
 * apart. MN-major: a box is span/elt rows (M/N) by BK, one span per k; consecutive boxes
 * are LBO apart, 8-deep k groups SBO apart. */
static void derive_operand(dgk_sm90_opnd *o, const dgk_plan *p, const dgk_plan_operand *op, const char *name)
{
    const dgk_kernel_arg *arg = &p->args[op->arg];
    int span = (int)op->swizzle;
    o->op = op;
    o->arg = arg;
    o->name = name;
    o->elt_bytes = dgk_dtype_bits(op->dtype) / 8;
    o->sbo = 8 * span;
    if (op->major == DGK_MAJOR_K) {
        o->chunk_rows = arg->tma.box[1];
        o->chunk_bytes = o->chunk_rows * span;
        o->lbo = 0;
        o->kstep_bytes = p->mma.inst_k * o->elt_bytes;
    } else {
        o->chunk_rows = span / o->elt_bytes;
        o->chunk_bytes = op->cols * span;
        o->lbo = o->chunk_bytes;
        o->kstep_bytes = p->mma.inst_k * span;
    }
    o->chunks = (op->rows + o->chunk_rows - 1) / o->chunk_rows;
    o->stage_bytes = o->chunks * o->chunk_bytes;
    /* two accumulators (plan.h, dgk_plan_dual): the stage holds both B tiles, the second
     * at B_DUAL_BYTES, and wgmma reads them as one tile of twice the rows */
    if (op == &p->b && p->dual.enabled)
        o->stage_bytes *= 2;
}

void dgk_sm90_derive(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    derive_operand(&e->a, p, &p->a, "A");
    derive_operand(&e->b, p, &p->b, "B");
    e->cluster = p->cluster_m * p->cluster_n;
    e->wg_m64 = p->wg_rows / 64;
    e->out_elt_bytes = dgk_dtype_bits(p->epi.out_dtype) / 8;
    e->out_row_bytes = p->epi.out_box_cols * e->out_elt_bytes;
    /* a consumer warpgroup stores its rows x BN, or with swapped operands BM x its B rows */
    e->out_box_bytes = (p->swap_ab ? p->bm : p->wg_rows) * e->out_row_bytes;
    e->out_boxes = (p->swap_ab ? p->wg_rows : p->bn) / p->epi.out_box_cols;
    e->pass_boxes = e->out_boxes / (p->epi.passes > 1 ? p->epi.passes : 1);
}

/* ---- the file ---------------------------------------------------------------------- */

static void emit_banner(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    const char *src = p->loc.src && p->loc.src->name ? p->loc.src->name : "(no source)";
    dgk_sm90_line(e, "// %s - generated by dgk from %s for sm_90a; do not edit.", p->name, src);
    dgk_sm90_line(e, "// Tile %dx%dx%d, %d stages, %d consumer warpgroup%s of %d rows, wgmma m64n%dk%d %s x %s -> f32,",
                  p->bm, p->bn, p->bk, p->stages, p->consumer_wgs, p->consumer_wgs > 1 ? "s" : "", p->wg_rows,
                  p->mma.inst_n, p->mma.inst_k, dgk_dtype_name(p->a.dtype), dgk_dtype_name(p->b.dtype));
    dgk_sm90_line(e, "// A %s-major, B %s-major, cluster %dx%d%s, %s schedule%s.",
                  p->a.major == DGK_MAJOR_K ? "K" : "M", p->b.major == DGK_MAJOR_K ? "K" : "N", p->cluster_m,
                  p->cluster_n, p->a.multicast ? " (A multicast)" : p->b.multicast ? " (B multicast)" : "",
                  dgk_sched_kind_name(p->sched.kind), p->fp8.enabled ? ", FP8 promotion per 128-wide K block" : "");
    if (p->swap_ab)
        dgk_sm90_line(e, "// Swap-AB: BM < 64, so wgmma's A is the B tile (%d rows per consumer) and its B the A tile (N = BM).",
                      p->wg_rows);
    if (p->split.slices > 1)
        dgk_sm90_line(e, "// Split-K: up to %d K slices per tile, summed through the workspace in slice order.",
                      p->split.slices);
    if (p->split.tail)
        dgk_sm90_line(e, "// tail_split: each tile of the last partial wave cut by K over the CTAs it would leave idle, "
                         "summed through the workspace.");
    dgk_sm90_line(e, "#include \"" DGK_SM90_HEADER_NAME "\"");
    dgk_sm90_line(e, "%s", "");
    dgk_sm90_emit_debug_word(e);
}

/* The namespace that keeps this kernel's constants and helpers apart from other kernels
 * compiled in the same program. */
static void emit_namespace(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "namespace %s_impl {", e->p->name);
    dgk_sm90_line(e, "%s", "");
    dgk_sm90_emit_constants(e);
    dgk_sm90_emit_wgmma(e);
    dgk_sm90_emit_sched(e);
    dgk_sm90_emit_debug_helpers(e);
    dgk_sm90_emit_consumer_helpers(e);
    dgk_sm90_emit_split_helpers(e);
    dgk_sm90_emit_epilogue_fn(e);
    dgk_sm90_line(e, "} // namespace %s_impl", e->p->name);
    dgk_sm90_line(e, "%s", "");
}

/* Barrier setup: full barriers complete on the producer's one arrive plus the TMA bytes
 * (and, with FP8 128x128 B scales copied per stage by cp.async or stored by a producer
 * thread, a second arrive once they are in the stage, dgk_sm90_full_arrivals); empty
 * barriers on this CTA's consumers' arrivals (emit_consumer.c); in a cluster, peer
 * barriers on one arrival from each other CTA's producer (emit_producer.c). */
static void emit_barrier_init(dgk_sm90_ctx *e)
{
    dgk_sm90_open(e, "if (threadIdx.x == 0)");
    dgk_sm90_open(e, "for (int s = 0; s < STAGES; ++s)");
    if (dgk_sm90_full_arrivals(e->p) == 2)
        dgk_sm90_line(e, "dgk_mbar_init(&full_bar[s], 2);  // the TMA thread's arrive.expect_tx and the B scales' arrive");
    else
        dgk_sm90_line(e, "dgk_mbar_init(&full_bar[s], 1);");
    dgk_sm90_line(e, "dgk_mbar_init(&empty_bar[s], EMPTY_ARRIVALS);");
    if (e->cluster > 1)
        dgk_sm90_line(e, "dgk_mbar_init(&peer_bar[s], 1);  // the peer CTA's forwarded release");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "dgk_fence_mbar_init();");
    dgk_sm90_close(e, NULL);
    if (e->cluster > 1) {
        dgk_sm90_line(e, "// every CTA of the cluster has its barriers set up before any peer uses them");
        dgk_sm90_line(e, "dgk_cluster_sync();");
    } else {
        dgk_sm90_line(e, "__syncthreads();");
    }
    if (e->p->launch.pdl) {
        dgk_sm90_line(e, "// programmatic dependent launch: inputs are ready once the previous grid finished");
        dgk_sm90_line(e, "dgk_pdl_wait();");
    }
}

static void emit_kernel(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    dgk_sm90_loc(e, p->loc, "kernel");
    dgk_sm90_emit_signature(e);
    dgk_sm90_line(e, "{");
    e->indent++;
    dgk_sm90_line(e, "using namespace %s_impl;", p->name);
    dgk_sm90_emit_smem_carve(e);
    emit_barrier_init(e);
    dgk_sm90_emit_debug_check(e);
    dgk_sm90_line(e, "%s", "");
    dgk_sm90_line(e, "const int warpgroup = dgk_warpgroup_id();");
    dgk_sm90_open(e, "if (warpgroup == 0)");
    dgk_sm90_emit_producer(e);
    dgk_sm90_close(e, " else {");
    e->indent++;
    dgk_sm90_emit_consumer(e);
    dgk_sm90_close(e, NULL);
    if (p->launch.pdl)
        dgk_sm90_line(e, "dgk_pdl_launch_dependents();");
    /* a cluster's CTAs leave without a closing cluster barrier: each producer stays until
     * its stages were released cluster-wide (emit_producer.c) */
    dgk_sm90_close(e, NULL);
}

int dgk_sm90_emit(const dgk_plan *p, dgk_strbuf *out, dgk_diags *d)
{
    dgk_sm90_ctx e;
    memset(&e, 0, sizeof e);
    e.p = p;
    e.out = out;
    e.d = d;
    if (p->simt)
        return dgk_sm90_emit_simt(&e);
    int errors = dgk_sm90_check(p, d);
    if (errors)
        return errors;
    dgk_sm90_derive(&e);
    emit_banner(&e);
    emit_namespace(&e);
    emit_kernel(&e);
    if (out->failed) {
        dgk_error(d, p->loc, "out of memory while writing kernel %s", p->name);
        return 1;
    }
    return 0;
}
