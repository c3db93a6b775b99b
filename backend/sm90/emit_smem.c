/* emit_smem.c - the kernel's frame: the shared-memory layout (dgk_sm90_plan_smem, which
 * the planner also calls to size the pipeline), the namespace constants every other part
 * refers to, the kernel signature from the plan's ABI, and the carve-up of dynamic
 * shared memory into stage buffers, staging and barriers. */
#include <string.h>

#include "emit_internal.h"

static int align_up(int x, int a)
{
    return (x + a - 1) / a * a;
}

int dgk_sm90_sa_bytes(const dgk_plan *p)
{
    return p->fp8.sa_ue8m0 ? 1 : 4;
}

/* B scales per stage: per column a row of BN values; per 128x128 block the tile's one or
 * two values (a 16-byte slot the producer fills with cp.async or its own stores; with fp8.sb_tma a
 * 128-byte one, a TMA destination's alignment, for a box of DGK_SB_TMA_BOX values); none
 * with fp8.sb_tile. */
static int sb_stage_bytes(const dgk_plan *p)
{
    if (p->fp8.sb_tile)
        return 0;
    if (p->fp8.sb_per_column)
        return align_up(p->bn * 4, 128);
    return p->fp8.sb_tma ? 128 : 16;
}

/* All the B scales' shared memory: the stages' slots, or the ring of per-tile slots
 * (emit_fp8_sb_tile.c). */
static int sb_bytes(const dgk_plan *p)
{
    if (p->fp8.sb_tile)
        return dgk_sm90_sb_ring_slots(p) * dgk_sm90_sb_ring_slot_bytes(p);
    return p->stages * sb_stage_bytes(p);
}

/* Offsets, in order: A stages, B stages (1024-aligned: the 128B swizzle atom), FP8 A-scale
 * and B-scale stages, output staging (1024-aligned: TMA store boxes are swizzled), barriers,
 * and with a dynamic schedule each stage's tile slot. */
static void layout(dgk_plan *p, const dgk_sm90_ctx *e)
{
    dgk_plan_smem *s = &p->smem;
    memset(s, 0, sizeof *s);
    s->a_stage_bytes = align_up(e->a.stage_bytes, 1024);
    s->b_stage_bytes = align_up(e->b.stage_bytes, 1024);
    s->a_off = 0;
    s->b_off = s->a_off + p->stages * s->a_stage_bytes;
    int off = s->b_off + p->stages * s->b_stage_bytes;
    if (p->fp8.enabled) {
        s->sa_off = off;
        s->sa_stage_bytes = align_up(p->bm * dgk_sm90_sa_bytes(p), 128);
        off += p->stages * s->sa_stage_bytes;
    }
    if (p->fp8.enabled) {
        s->sb_off = off;
        s->sb_stage_bytes = sb_stage_bytes(p);
        off += sb_bytes(p);
    }
    s->epi_off = align_up(off, 1024);
    s->epi_bytes = p->consumer_wgs * e->pass_boxes * e->out_box_bytes;
    s->bar_off = align_up(s->epi_off + s->epi_bytes, 8);
    /* full and empty barriers per stage; in a cluster also the peer barriers (emit_producer.c) */
    s->total = s->bar_off + (p->cluster_m * p->cluster_n > 1 ? 3 : 2) * p->stages * 8;
    if (p->sched.dynamic) {
        s->tile_stage_bytes = dgk_sm90_slot_bytes(p);
        s->tile_off = s->tile_stage_bytes == 16 ? align_up(s->total, 16) : s->total; /* v4 accesses */
        s->total = s->tile_off + p->stages * s->tile_stage_bytes;
    }
}

static int arg_ok(const dgk_plan *p, int i, dgk_arg_kind kind)
{
    return p->args && i >= 0 && i < p->nargs && p->args[i].kind == kind;
}

int dgk_sm90_plan_smem(dgk_plan *p)
{
    if (!arg_ok(p, p->a.arg, DGK_ARG_TMA) || !arg_ok(p, p->b.arg, DGK_ARG_TMA) || p->epi.out_box_cols <= 0 ||
        p->a.swizzle == DGK_SWIZZLE_NONE || p->b.swizzle == DGK_SWIZZLE_NONE || p->consumer_wgs <= 0 ||
        p->a.rows <= 0 || p->b.rows <= 0 || p->args[p->a.arg].tma.box[1] <= 0 ||
        p->args[p->b.arg].tma.box[1] <= 0)
        return -1;
    dgk_sm90_ctx e;
    memset(&e, 0, sizeof e);
    e.p = p;
    dgk_sm90_derive(&e);
    layout(p, &e);
    p->launch.smem_bytes = p->smem.total;
    return p->smem.total;
}

/* ---- constants ------------------------------------------------------------------------ */

static void emit_operand_constants(dgk_sm90_ctx *e, const dgk_sm90_opnd *o, int stage_bytes)
{
    const char *n = o->name;
    dgk_sm90_loc(e, o->op->loc, o->op->major == DGK_MAJOR_K ? "operand tile, K-major" : "operand tile, MN-major");
    dgk_sm90_line(e, "enum { %s_CHUNK_ROWS = %d, %s_CHUNKS = %d, %s_CHUNK_BYTES = %d, %s_STAGE_BYTES = %d };", n,
                  o->chunk_rows, n, o->chunks, n, o->chunk_bytes, n, stage_bytes);
    dgk_sm90_line(e, "enum { %s_LBO = %d, %s_SBO = %d, %s_KSTEP_BYTES = %d };", n, o->lbo, n, o->sbo, n,
                  o->kstep_bytes);
}

/* Bytes from the start of a stage tile to operand row `rows` (a multiple of 8 K-major,
 * of a chunk MN-major): where a consumer's rows or an instruction's N range begin. */
static int row_offset(const dgk_sm90_opnd *o, int rows)
{
    if (o->op->major == DGK_MAJOR_K)
        return rows * (int)o->op->swizzle;
    return rows / o->chunk_rows * o->chunk_bytes;
}

void dgk_sm90_emit_constants(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    const dgk_plan_smem *s = &p->smem;
    dgk_sm90_loc(e, p->tile_loc, "tile shape");
    dgk_sm90_line(e, "enum { BM = %d, BN = %d, BK = %d };", p->bm, p->bn, p->bk);
    dgk_sm90_loc(e, p->stages_loc, "pipeline depth");
    dgk_sm90_line(e, "enum { STAGES = %d };", p->stages);
    dgk_sm90_line(e, "// warpgroup 0 loads; consumer w (warpgroup w + 1) owns %s [w * WG_ROWS, (w + 1) * WG_ROWS)",
                  p->swap_ab ? "B rows (D columns)" : "rows");
    dgk_sm90_line(e, "enum { CONSUMERS = %d, WG_ROWS = %d, WG_M64 = %d };", p->consumer_wgs, p->wg_rows, e->wg_m64);
    dgk_sm90_line(e, "enum { PRODUCER_REGS = %d, CONSUMER_REGS = %d };", p->producer_regs, p->consumer_regs);
    dgk_sm90_loc(e, p->mma.loc, "wgmma shape");
    dgk_sm90_line(e, "enum { INST_N = %d, N_INSTS = %d, K_STEPS = %d };", p->mma.inst_n, p->mma.n_insts,
                  p->mma.k_steps);
    dgk_sm90_line(e, "enum { CLUSTER = %d };", e->cluster);
    if (p->split.slices > 1) {
        dgk_sm90_loc(e, p->split.loc, "split_k: K slices per tile (at most; never more than the K blocks)");
        dgk_sm90_line(e, "enum { SPLIT = %d };", p->split.slices);
    }
    if (p->split.tail) {
        dgk_sm90_loc(e, p->split.loc, "tail_split: a tail tile is cut into at most this many K slices");
        dgk_sm90_line(e, "enum { TAIL_SLICES = %d };", DGK_SM90_TAIL_SLICES);
    }
    emit_operand_constants(e, &e->a, s->a_stage_bytes);
    dgk_sm90_line(e, "enum { A_M64_BYTES = %d };  // 64 rows of A", row_offset(&e->a, 64));
    dgk_sm90_line(e, "enum { A_WG_BYTES = %d };   // WG_ROWS rows of A", row_offset(&e->a, p->wg_rows));
    emit_operand_constants(e, &e->b, s->b_stage_bytes);
    dgk_sm90_line(e, "enum { B_INST_BYTES = %d }; // INST_N rows of B", row_offset(&e->b, p->mma.inst_n));
    if (p->dual.enabled) {
        dgk_sm90_loc(e, p->dual.loc, "the second accumulator's B tile: BN rows after the first's in the stage");
        dgk_sm90_line(e, "enum { B_DUAL_BYTES = %d };", e->b.stage_bytes / 2);
    }
    if (p->swap_ab) {
        dgk_sm90_line(e, "// swap-AB: wgmma's A is WG_ROWS rows of B per consumer, its B all BM rows of A");
        dgk_sm90_line(e, "enum { B_WG_BYTES = %d, B_M64_BYTES = %d, A_INST_BYTES = %d };", row_offset(&e->b, p->wg_rows),
                      row_offset(&e->b, 64), row_offset(&e->a, p->mma.inst_n));
    }
    dgk_sm90_line(e, "// shared memory layout (bytes from the 1024-aligned base)");
    dgk_sm90_line(e, "enum { SMEM_A = %d, SMEM_B = %d, SMEM_SA = %d, SMEM_D = %d, SMEM_BAR = %d };", s->a_off,
                  s->b_off, s->sa_off, s->epi_off, s->bar_off);
    dgk_sm90_line(e, "enum { SA_STAGE_BYTES = %d };", s->sa_stage_bytes);
    if (p->fp8.sb_per_column)
        dgk_sm90_line(e, "enum { SMEM_SB = %d, SB_STAGE_BYTES = %d };  // B scales: BN f32 per stage", s->sb_off,
                      s->sb_stage_bytes);
    else if (p->fp8.sb_tile)
        dgk_sm90_line(e, "enum { SMEM_SB = %d, SB_SLOTS = %d, SB_SLOT_BYTES = %d, SB_ROW_BYTES = %d };  // B scales: a ring of per-tile slots",
                      s->sb_off, dgk_sm90_sb_ring_slots(p), dgk_sm90_sb_ring_slot_bytes(p), dgk_sm90_sb_ring_row_bytes(p));
    else if (p->fp8.enabled)
        dgk_sm90_line(e, "enum { SMEM_SB = %d, SB_STAGE_BYTES = %d };  // B scales: the tile's %s per stage",
                      s->sb_off, s->sb_stage_bytes,
                      p->fp8.sb_tma        ? "SB values of four K blocks (a TMA box)"
                      : p->fp8.sb_straddle ? "two SB values (its two 128-column blocks)"
                                           : "SB value");
    if (p->sched.dynamic)
        dgk_sm90_line(e, "enum { SMEM_TILE = %d };  // dynamic schedule: each stage's tile%s (i32); tile -1 after the last", s->tile_off,
                      p->sched.offsets ? ", m block, n block, group" : "");
    dgk_sm90_line(e, "// bytes TMA delivers into one stage of one CTA (multicast chunks from peers included)");
    dgk_sm90_line(e, "enum { STAGE_TX_BYTES = %d };",
                  e->a.stage_bytes + e->b.stage_bytes + (p->fp8.enabled ? p->bm * dgk_sm90_sa_bytes(p) : 0) +
                      (p->fp8.sb_per_column ? p->bn * 4 : 0) + (p->fp8.sb_tma ? DGK_SB_TMA_BOX * 4 : 0));
    dgk_sm90_emit_empty_arrivals(e);
    dgk_sm90_loc(e, p->epi.loc, p->swap_ab ? "output staging: per consumer, D_BOXES TMA boxes of BM x D_BOX_COLS"
                                           : "output staging: per consumer, D_BOXES TMA boxes of WG_ROWS x D_BOX_COLS");
    dgk_sm90_line(e, "enum { D_BOX_COLS = %d, D_ROW_BYTES = %d, D_BOX_BYTES = %d, D_BOXES = %d, D_SWIZZLE = %d };",
                  p->epi.out_box_cols, e->out_row_bytes, e->out_box_bytes, e->out_boxes, (int)p->epi.out_swizzle);
    if (p->epi.passes > 1)
        dgk_sm90_line(e, "enum { D_PASSES = %d, D_PASS_BOXES = %d, D_PASS_COLS = %d };  // store_passes: staging for one pass",
                      p->epi.passes, e->pass_boxes, e->pass_boxes * p->epi.out_box_cols);
    dgk_sm90_line(e, "%s", "");
}

/* ---- signature ------------------------------------------------------------------------ */

static void emit_param(dgk_sm90_ctx *e, const dgk_kernel_arg *a, int last)
{
    const char *sep = last ? ")" : ",";
    switch (a->kind) {
    case DGK_ARG_TMA:
        dgk_sm90_line(e, "const __grid_constant__ dgk_tensormap %s%s", a->name, sep);
        break;
    case DGK_ARG_PTR:
        dgk_sm90_line(e, "%s%s *__restrict__ %s%s", dgk_epi_writes_arg(&e->p->epi, (int)(a - e->p->args)) ? "" : "const ",
                      dgk_sm90_ctype(a->dtype), a->name, sep);
        break;
    case DGK_ARG_SHAPE:
        dgk_sm90_line(e, "int %s%s", a->name, sep);
        break;
    case DGK_ARG_STRIDE:
        dgk_sm90_line(e, "long long %s%s", a->name, sep);
        break;
    case DGK_ARG_WORKSPACE:
        dgk_sm90_line(e, "%s *const %s%s  // %s, bound by the runtime", dgk_sm90_ctype(a->dtype), a->name, sep,
                      !a->axis                ? "split-K partial sums"
                      : e->p->sched.dynamic ? "the dynamic schedule's tile counters (next tile, CTAs done)"
                                              : "split-K arrival counters");
        break;
    default:
        dgk_sm90_line(e, "%s %s%s", dgk_sm90_ctype(a->dtype), a->name, sep);
        break;
    }
}

void dgk_sm90_emit_signature(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    dgk_sm90_line(e, "extern \"C\" __global__ void __launch_bounds__(%d, 1)", p->launch.threads);
    if (p->nargs == 0) {
        dgk_sm90_line(e, "%s(void)", p->name);
        return;
    }
    dgk_sm90_line(e, "%s(", p->name);
    e->indent++;
    for (int i = 0; i < p->nargs; i++)
        emit_param(e, &p->args[i], i == p->nargs - 1);
    e->indent--;
}

/* ---- carve-up ------------------------------------------------------------------------- */

void dgk_sm90_emit_smem_carve(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "extern __shared__ __align__(1024) dgk_u8 smem[];");
    dgk_sm90_line(e, "dgk_u8 *const smem_a = smem + SMEM_A;    // STAGES x A_STAGE_BYTES, %dB swizzle",
                  (int)e->p->a.swizzle);
    dgk_sm90_line(e, "dgk_u8 *const smem_b = smem + SMEM_B;    // STAGES x B_STAGE_BYTES, %dB swizzle",
                  (int)e->p->b.swizzle);
    if (e->p->fp8.enabled)
        dgk_sm90_line(e, "dgk_u8 *const smem_sa = smem + SMEM_SA;  // STAGES x BM %s A scales",
                      e->p->fp8.sa_ue8m0 ? "ue8m0" : "f32");
    if (e->p->fp8.sb_per_column)
        dgk_sm90_line(e, "dgk_u8 *const smem_sb = smem + SMEM_SB;  // STAGES x BN f32 B scales");
    else if (e->p->fp8.sb_tile)
        dgk_sm90_line(e, "dgk_u8 *const smem_sb = smem + SMEM_SB;  // SB_SLOTS x SB_SLOT_BYTES: a tile's B scale rows each");
    else if (e->p->fp8.enabled)
        dgk_sm90_line(e, "dgk_u8 *const smem_sb = smem + SMEM_SB;  // STAGES x SB_STAGE_BYTES: the tile's B scales");
    dgk_sm90_line(e, "dgk_u8 *const smem_d = smem + SMEM_D;    // CONSUMERS x D_BOXES x D_BOX_BYTES output staging");
    dgk_sm90_line(e, "dgk_u64 *const full_bar = (dgk_u64 *)(smem + SMEM_BAR);  // stage filled by TMA");
    dgk_sm90_line(e, "dgk_u64 *const empty_bar = full_bar + STAGES;            // stage released by consumers");
    if (e->cluster > 1)
        dgk_sm90_line(e, "dgk_u64 *const peer_bar = empty_bar + STAGES;  // stage released in the peer CTA (its producer forwards it)");
    if (e->p->sched.dynamic)
        dgk_sm90_line(e, "const dgk_u32 tile_slot = dgk_smem_u32(smem + SMEM_TILE);  // STAGES slots: each stage's tile%s",
                      e->p->sched.offsets ? " and its coordinates" : "");
}
