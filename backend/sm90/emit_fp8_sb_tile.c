/* emit_fp8_sb_tile.c - FP8 128x128 B scales copied once per tile (dgk_plan_fp8.sb_tile):
 * at the tile's first K block the producer copies the tile's SB row (K/128 f32, and the
 * next row when the tile straddles two 128-column blocks) with one cp.async.bulk each into
 * a slot of a ring in shared memory, its bytes counted in that stage's expect_tx, so the
 * first full-barrier wait of the tile also waits for them. Consumers read K block kb's
 * value at slot + 4 * kb, walking the slot as they walk the K blocks (sb_at).
 * Per stage (emit_fp8_sb.c) each stage carried a cp.async of 4 bytes and a second
 * full-barrier arrival. DeepGEMM loads a tile's B scales once too (its math warps, into
 * shared memory), and its kernel made to copy them per stage as ours did ran 1% slower.
 * Measured on the H100 (tests/gpu/results/2026-11-27-H100-sb-rows/): FP8 dense shapes
 * +0.6% (geomean; up to +4% at M <= 128, one tile per CTA; -0.3% at 128 x 192 with
 * M = 32768), grouped contiguous and masked +0.5%; with a cluster along N (A multicast,
 * 256 x 128) 2-7% slower, with 42% more DRAM traffic (A and B reread from DRAM), so the
 * planner keeps those per stage (by TMA with the stage where it can, fp8.sb_tma). Slower
 * overall, not kept: the consumers loading the tile's row at its start (faster at
 * M <= 128, up to 5% slower at M = 4096), or
 * prefetching the next tile's by cp.async; the producer thread issuing one cp.async per
 * K block at the tile's start; the producer copying the next tile's rows a tile ahead. */
#include "emit_internal.h"

static int k_blocks(const dgk_plan *p)
{
    return (int)((p->k.value + 127) / 128);
}

/* A slot is refilled for the tile SB_SLOTS tiles later, after that tile's first empty
 * wait: by then the consumers have released every fill up to STAGES before, so the
 * slot's old tile ended that far back once (slots - 1) * (K blocks per tile) >= STAGES
 * (every tile has all K blocks: sb_tile is never split). */
int dgk_sm90_sb_ring_slots(const dgk_plan *p)
{
    int kb = k_blocks(p) > 0 ? k_blocks(p) : 1;
    return 1 + (p->stages + kb - 1) / kb;
}

int dgk_sm90_sb_ring_row_bytes(const dgk_plan *p)
{
    return k_blocks(p) * 4;
}

int dgk_sm90_sb_ring_slot_bytes(const dgk_plan *p)
{
    return dgk_sm90_sb_ring_row_bytes(p) * (p->fp8.sb_straddle ? 2 : 1);
}

/* Producer and consumers, before the tile loop. */
void dgk_sm90_emit_sb_ring_decl(dgk_sm90_ctx *e)
{
    if (e->p->fp8.sb_tile)
        dgk_sm90_line(e, "int sb_ring = 0;  // the B-scale slot of the next tile");
}

/* Both sides, per tile after the schedule's skips: the tile's slot, taken in the same
 * order on both sides. */
void dgk_sm90_emit_sb_ring_take(dgk_sm90_ctx *e)
{
    if (!e->p->fp8.sb_tile)
        return;
    dgk_sm90_line(e, "const dgk_u32 sb_slot = dgk_smem_u32(smem_sb) + sb_ring * SB_SLOT_BYTES;  // this tile's B scales");
    dgk_sm90_line(e, "if (++sb_ring == SB_SLOTS) sb_ring = 0;");
}

/* The stage's expect_tx addend: the rows' bytes at the tile's first K block. */
const char *dgk_sm90_sb_ring_tx(const dgk_sm90_ctx *e)
{
    return e->p->fp8.sb_tile ? " + (kb == 0 ? SB_SLOT_BYTES : 0)" : "";
}

/* Producer, after the stage's TMA loads (issued before them, the 256 x 128 kernel in a
 * cluster along N ran as fast as per stage but the one-tile shapes lost their gain). */
void dgk_sm90_emit_sb_ring_load(dgk_sm90_ctx *e)
{
    if (!e->p->fp8.sb_tile)
        return;
    dgk_sm90_loc(e, e->p->fp8.loc, "the tile's first K block: its B scales, every K block's, into its slot");
    dgk_sm90_open(e, "if (kb == 0)");
    dgk_sm90_line(e, "dgk_bulk_load(sb_slot, sb_lo_ptr, SB_ROW_BYTES, bar);");
    if (e->p->fp8.sb_straddle)
        dgk_sm90_line(e, "dgk_bulk_load(sb_slot + SB_ROW_BYTES, sb_hi_ptr, SB_ROW_BYTES, bar);");
    dgk_sm90_close(e, NULL);
}
