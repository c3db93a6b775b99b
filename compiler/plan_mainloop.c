/* plan_mainloop.c - matches the pipeline body against what the SM90 mainloop does:
 *     acc += mma(a_tile, b_tile)                      (BF16/F16)
 *     acc += mma(a_tile, b_tile) * sa * sb            (FP8 fine-grained promotion)
 * and fills the plan's operands (tensor, layout, tile extents), the wgmma shape and
 * the FP8 scale facts. The tile starts must be (m block * BM, k * BK) for A and
 * (n block * BN, k * BK) for B: that is where the producer's TMA loads them. */
#include "plan_int.h"

static const dgk_ir_op *OPK(const planner *pl, int id)
{
    return &pl->k->ops[id];
}

/* Finds the mainloop's ACC_UPDATE, and a second one (two accumulators sharing A,
 * plan_dual.c) in *second, else -1 there. */
static int find_update(planner *pl, int *second)
{
    const dgk_ir_kernel *k = pl->k;
    int found = -1;
    *second = -1;
    for (int i = 0; i < k->nops; i++) {
        const dgk_ir_op *op = &k->ops[i];
        if (op->region != DGK_IR_MAINLOOP)
            continue;
        if (op->opcode == DGK_IR_ACC_UPDATE) {
            if (*second >= 0) {
                plan_error(pl, op->loc, "the sm90 mainloop takes at most two accumulator updates per pipeline (two sharing the A tile); found a third");
                return -1;
            }
            if (found >= 0)
                *second = i;
            else
                found = i;
        } else if (op->opcode == DGK_IR_STORE || op->opcode == DGK_IR_RETURN) {
            plan_error(pl, op->loc, "stores and returns inside a pipeline are not lowered on sm90; move them after the pipeline");
            return -1;
        }
    }
    if (found < 0)
        plan_error(pl, k->pipe_loc, "this pipeline updates no accumulator: write `acc += mma(a, b)` in its body");
    return found;
}

/* Flattens a product tree into its factors (at most 4; -1 for more). */
int plan_factors(const planner *pl, int id, int *out, int n)
{
    const dgk_ir_op *op = OPK(pl, id);
    if (op->opcode == DGK_IR_EW && op->fn < 0 && op->op == DGK_OP_MUL && op->nargs == 2) {
        n = plan_factors(pl, op->args[0], out, n);
        return n < 0 ? n : plan_factors(pl, op->args[1], out, n);
    }
    if (n == 4)
        return -1;
    out[n] = id;
    return n + 1;
}

/* Strips RESHAPE/TRANSPOSE around a load; returns the load's op id or -1. */
int plan_strip_to_load(const planner *pl, int id, int *transposed)
{
    *transposed = 0;
    for (;;) {
        const dgk_ir_op *op = OPK(pl, id);
        if (op->opcode == DGK_IR_TRANSPOSE) {
            *transposed ^= 1;
            id = op->args[0];
        } else if (op->opcode == DGK_IR_RESHAPE) {
            id = op->args[0];
        } else {
            return op->opcode == DGK_IR_LOAD_TILE || op->opcode == DGK_IR_LOAD_SCALAR ? id : -1;
        }
    }
}

/* The two tile axes of a load (the non-point ones), in tensor order. Point axes must
 * lead: the TMA box covers the last two axes. */
static int tile_axes(planner *pl, const dgk_ir_op *ld, int *r, int *c)
{
    int ax[2], n = 0;
    for (int i = 0; i < ld->nargs; i++)
        if (ld->ext[i]) {
            if (n == 2)
                return 0;
            ax[n++] = i;
        }
    if (n != 2 || ax[1] != ld->nargs - 1 || ax[0] != ld->nargs - 2) {
        plan_error(pl, ld->loc, "an mma operand tile must slice the tensor's last two axes (leading axes indexed by a point)");
        return 0;
    }
    *r = ax[0];
    *c = ax[1];
    return 1;
}

/* Operand `which` (0 = A, 1 = B): its layout and the schedule variable walking its
 * M/N blocks. `tile_t` says the mma sees the load transposed. */
static int match_operand(planner *pl, int which, int id, dgk_plan_operand *o)
{
    int t, r, c;
    int ld = plan_strip_to_load(pl, id, &t);
    const char *name = which ? "B" : "A";
    if (ld < 0 || OPK(pl, ld)->opcode != DGK_IR_LOAD_TILE) {
        plan_error(pl, OPK(pl, id)->loc, "mma operand %s must be a tile slice of a tensor parameter (optionally ^T) on sm90", name);
        return 0;
    }
    const dgk_ir_op *L = OPK(pl, ld);
    if (!tile_axes(pl, L, &r, &c))
        return 0;
    /* Without transpose A's tile is [M, K] (K = c); B's is [K, N] (N = c). */
    int k_is_inner = which == 0 ? !t : t;
    int k_axis = k_is_inner ? c : r, mn_axis = k_is_inner ? r : c;
    const dgk_ir_tensor *ten = &pl->k->tensors[L->tensor];
    o->dtype = ten->dtype;
    o->major = k_is_inner ? DGK_MAJOR_K : DGK_MAJOR_MN;
    o->grouped = L->nargs == 3;
    o->rows = (int)L->ext[mn_axis];
    o->cols = (int)L->ext[k_axis];
    o->swizzle = DGK_SWIZZLE_128B;
    o->loc = L->loc;
    plan_aff fk = plan_affine(pl->k, L->args[k_axis]);
    if (!fk.ok || fk.c0 || fk.kvar != o->cols || fk.coord[0] || fk.coord[1] || fk.coord[2]) {
        plan_error(pl, L->loc, "the K start of mma operand %s must be `k * %d` (the pipeline variable times the tile's K extent)", name, o->cols);
        return 0;
    }
    plan_aff fm = plan_affine(pl->k, L->args[mn_axis]);
    int coord = plan_aff_single_coord(&fm, o->rows);
    if (coord < 0) {
        plan_error(pl, L->loc, "the %s start of mma operand %s must be a schedule variable times %d (the tile's extent)",
                   which ? "N" : "M", name, o->rows);
        return 0;
    }
    if (L->nargs > 3) {
        plan_error(pl, L->loc, "mma operand %s has %d axes; sm90 takes 2-D operands or 3-D ones [group, rows, cols]", name, L->nargs);
        return 0;
    }
    if (o->grouped && !plan_group_point(pl, L->args[0], L->loc, ten->name))
        return 0;
    *(which ? &pl->n_coord : &pl->m_coord) = coord;
    *(which ? &pl->n_axis_b : &pl->m_axis_a) = mn_axis;
    *(which ? &pl->k_axis_b : &pl->k_axis_a) = k_axis;
    *(which ? &pl->b_load : &pl->a_load) = ld;
    return 1;
}

/* The pipeline's wgmma starts each tile's accumulator at zero (scale-d 0): a `var` that
 * starts elsewhere would silently start at zero, so it is an error. */
static int starts_at_zero(planner *pl, int acc)
{
    const dgk_ir_op *init = OPK(pl, acc);
    if (init->opcode == DGK_IR_ACC_INIT && init->nargs == 1 && OPK(pl, init->args[0])->opcode == DGK_IR_ZEROS)
        return 1;
    plan_error(pl, init->loc, "an sm90 accumulator starts at `zeros(...)`: add a start value in the epilogue (`D = f(acc + start)`)");
    return 0;
}

static int is_fp8(dgk_dtype t)
{
    return t == DGK_DT_E4M3 || t == DGK_DT_E5M2;
}

/* The scale factors of `acc += mma(a, b) * sa * sb`: which tensor scales which operand. */
static int match_scales(planner *pl, const int *fs, int nf)
{
    pl->sa_load = pl->sb_load = -1;
    for (int i = 0; i < nf; i++) {
        if (fs[i] == pl->mma)
            continue;
        int t, ld = plan_strip_to_load(pl, fs[i], &t);
        const dgk_ir_op *f = OPK(pl, fs[i]);
        if (ld < 0) {
            plan_error(pl, f->loc, "a factor of the promoted mma must be a slice of a scale tensor");
            return 0;
        }
        const dgk_ir_op *L = OPK(pl, ld);
        const dgk_ir_tensor *st = &pl->k->tensors[L->tensor];
        int a_tensor = OPK(pl, pl->a_load)->tensor, b_tensor = OPK(pl, pl->b_load)->tensor;
        if (st->scales_tensor == a_tensor && pl->sa_load < 0)
            pl->sa_load = ld;
        else if (st->scales_tensor == b_tensor && pl->sb_load < 0)
            pl->sb_load = ld;
        else {
            plan_error(pl, f->loc, "`%s` is not declared as the scales of mma operand A or B (add `scales(A, 1, 128)` or `scales(B, 128, 128)` to its parameter)", st->name);
            return 0;
        }
    }
    if (pl->sa_load < 0 || pl->sb_load < 0) {
        plan_error(pl, OPK(pl, pl->update)->loc, "the sm90 FP8 mainloop needs both scales: `acc += mma(a, b) * sa * sb` with sa scaling A per row and sb scaling B per 128x128 block");
        return 0;
    }
    return 1;
}

/* Grouped scales: a 3-D SA ([G, K/128, M]) or SB ([G, cdiv(N, 128), K/128]) is read at
 * the tile's group, and only where its operand is grouped the same way. */
static int check_scale_groups(planner *pl)
{
    const dgk_ir_op *la = OPK(pl, pl->sa_load), *lb = OPK(pl, pl->sb_load);
    const dgk_ir_tensor *sa = &pl->k->tensors[la->tensor], *sb = &pl->k->tensors[lb->tensor];
    dgk_plan_fp8 *f = &pl->p->fp8;
    f->sa_grouped = la->nargs == 3;
    f->sb_grouped = lb->nargs == 3;
    if (la->nargs > 3 || lb->nargs > 3) {
        plan_error(pl, (la->nargs > 3 ? la : lb)->loc, "scale tensors are 2-D, or 3-D with a leading group axis");
        return 0;
    }
    if (f->sa_grouped != pl->p->a.grouped || f->sb_grouped != pl->p->b.grouped) {
        const dgk_ir_tensor *t = f->sa_grouped != pl->p->a.grouped ? sa : sb;
        plan_error(pl, t->loc, "`%s` must have a leading group axis exactly when its operand has one", t->name);
        return 0;
    }
    if (f->sa_grouped && !plan_group_point(pl, la->args[0], la->loc, sa->name))
        return 0;
    return !f->sb_grouped || plan_group_point(pl, lb->args[0], lb->loc, sb->name);
}

/* SB scaled 1x128 and stored [K/128, N] (the weight-gradient form): the slice must be
 * the tile's BN columns of K block k, `SB[k, j*BN +: BN]`, which the producer loads by
 * TMA into each stage beside A's scales. */
static int check_sb_per_column(planner *pl, const dgk_ir_tensor *sb)
{
    const dgk_ir_op *L = OPK(pl, pl->sb_load);
    const dgk_plan *p = pl->p;
    if (L->nargs != 2 || L->opcode != DGK_IR_LOAD_TILE || L->ext[0] || L->ext[1] != p->bn) {
        plan_error(pl, L->loc, "B's 1x128 scales must be read as the tile's columns of one K block: `%s[k, j * BN +: BN]` (2-D, not grouped)", sb->name);
        return 0;
    }
    plan_aff fk = plan_affine(pl->k, L->args[0]), fn = plan_affine(pl->k, L->args[1]);
    if (!fk.ok || fk.c0 || fk.kvar != 1 || fk.coord[0] || fk.coord[1] || fk.coord[2]) {
        plan_error(pl, L->loc, "the K index of B's scales must be the pipeline variable: `%s[k, j * BN +: BN]`", sb->name);
        return 0;
    }
    if (plan_aff_single_coord(&fn, p->bn) != pl->n_coord) {
        plan_error(pl, L->loc, "the N start of B's scales must be the B tile's: `%s[k, j * %d +: %d]`", sb->name, p->bn, p->bn);
        return 0;
    }
    if (p->b.grouped) {
        plan_error(pl, L->loc, "1x128 B scales are lowered for 2-D (not grouped) operands only");
        return 0;
    }
    pl->p->fp8.sb_per_column = 1;
    return 1;
}

static int scale_dtype_ok(dgk_dtype t)
{
    return t == DGK_DT_F32 || t == DGK_DT_UE8M0;
}

/* SA must be [K/128, M] (MN-major, one TMA row per stage); SB [cdiv(N,128), K/128], or
 * [K/128, N] scaled 1x128. Either may hold f32 or UE8M0 (power-of-two byte) scales, except
 * that 1x128 B scales are f32 only (their per-stage TMA row of BN bytes would need BN % 16
 * == 0, and no caller needs them yet). */
static int check_scale_layouts(planner *pl)
{
    const dgk_ir_tensor *sa = &pl->k->tensors[OPK(pl, pl->sa_load)->tensor];
    const dgk_ir_tensor *sb = &pl->k->tensors[OPK(pl, pl->sb_load)->tensor];
    if (!sa->scale_mn_major || sa->scale_block[0] != 1 || sa->scale_block[1] != 128 || !scale_dtype_ok(sa->dtype)) {
        plan_error(pl, sa->loc, "sm90 reads A's scales as f32 or ue8m0, one per 1x128 block, stored MN-major: declare `%s : f32[cdiv(K, 128), M] scales(A, 1, 128)` (or ue8m0[...])", sa->name);
        return 0;
    }
    pl->p->fp8.sa_ue8m0 = sa->dtype == DGK_DT_UE8M0;
    pl->p->fp8.sb_ue8m0 = sb->dtype == DGK_DT_UE8M0;
    if (sb->scale_mn_major && sb->scale_block[0] == 1 && sb->scale_block[1] == 128 && sb->dtype == DGK_DT_F32)
        return check_sb_per_column(pl, sb);
    if (sb->scale_mn_major && sb->scale_block[0] == 1 && sb->scale_block[1] == 128 && sb->dtype == DGK_DT_UE8M0) {
        plan_error(pl, sb->loc, "1x128 B scales (`%s[k, j * BN +: BN]`) are lowered as f32 only on sm90: declare `%s : f32[cdiv(K, 128), N]`", sb->name, sb->name);
        return 0;
    }
    if (sb->scale_mn_major || sb->scale_block[0] != 128 || sb->scale_block[1] != 128 || !scale_dtype_ok(sb->dtype)) {
        plan_error(pl, sb->loc, "sm90 reads B's scales as f32 or ue8m0, one per 128x128 block, K-major (`%s : f32[cdiv(N, 128), cdiv(K, 128)] scales(B, 128, 128)`), or as f32, one per 1x128 block, MN-major (`%s : f32[cdiv(K, 128), N] scales(B, 1, 128)`)", sb->name, sb->name);
        return 0;
    }
    if (OPK(pl, pl->sb_load)->opcode != DGK_IR_LOAD_SCALAR) {
        plan_error(pl, OPK(pl, pl->sb_load)->loc, "B's scale must be read as one element per K block: `%s[j * BN / 128, k]`", sb->name);
        return 0;
    }
    return check_scale_groups(pl);
}

static void fill_mma(planner *pl)
{
    dgk_plan *p = pl->p;
    int bytes = dgk_dtype_bits(p->a.dtype) / 8;
    p->bm = p->a.rows;
    p->bn = p->b.rows;
    p->bk = p->a.cols;
    p->mma.inst_m = 64;
    p->mma.inst_k = 32 / bytes;
    p->mma.inst_n = p->bn;
    p->mma.n_insts = 1;
    p->mma.k_steps = p->bk / p->mma.inst_k;
    p->mma.loc = OPK(pl, pl->mma)->loc;
}

/* Checks that the tile shapes are ones wgmma and the 128-byte swizzle can take. */
static int check_tiles(planner *pl)
{
    dgk_plan *p = pl->p;
    int bytes = dgk_dtype_bits(p->a.dtype) / 8;
    if (p->a.cols != p->b.cols) {
        plan_error(pl, p->mma.loc, "mma operands have different K extents (%d and %d)", p->a.cols, p->b.cols);
        return 0;
    }
    if (p->bk * bytes != 128) {
        plan_error(pl, p->a.loc, "the K extent of a %s tile must be %d on sm90 (one 128-byte swizzle row); it is %d",
                   dgk_dtype_name(p->a.dtype), 128 / bytes, p->bk);
        return 0;
    }
    if ((p->bm >= 64 && p->bm % 64) || p->bm < 8 || p->bm > 256) {
        plan_error(pl, p->a.loc, "BM = %d: sm90 tiles have 64, 128 or 256 rows (wgmma M is 64 per warpgroup), or 8 to 56 (operands swapped)", p->bm);
        return 0;
    }
    if (p->bn % 8 || p->bn < 8 || p->bn > 256) {
        plan_error(pl, p->b.loc, "BN = %d is not a multiple of 8 in [8, 256] (wgmma N must be a multiple of 8, at most 256)", p->bn);
        return 0;
    }
    if (p->a.major == DGK_MAJOR_MN && p->bm % 64) {
        plan_error(pl, p->a.loc, "an MN-major A tile needs BM a multiple of 64 (one 128-byte swizzle span)");
        return 0;
    }
    if (p->b.major == DGK_MAJOR_MN && p->bn % 64) {
        plan_error(pl, p->b.loc, "an MN-major B tile needs BN a multiple of 64 (one 128-byte swizzle span); BN = %d", p->bn);
        return 0;
    }
    return 1;
}

static int check_dtypes(planner *pl)
{
    dgk_plan *p = pl->p;
    const dgk_dtype_info *ia = dgk_dtype_info_of(p->a.dtype), *ib = dgk_dtype_info_of(p->b.dtype);
    if (ia->sm90 == DGK_SM90_NONE || ia->sm90 == DGK_SM90_TF32 || ia->sm90 == DGK_SM90_S8) {
        plan_error(pl, p->a.loc, "%s operands are not lowered on sm90 yet (bf16, f16, e4m3, e5m2 are)", ia->name);
        return 0;
    }
    if (dgk_dtype_bits(p->a.dtype) != dgk_dtype_bits(p->b.dtype) || (ia->sm90 != ib->sm90 && !is_fp8(p->a.dtype))) {
        plan_error(pl, p->mma.loc, "mma operands %s and %s cannot be mixed in one wgmma", ia->name, ib->name);
        return 0;
    }
    if (is_fp8(p->a.dtype) && (p->a.major != DGK_MAJOR_K || p->b.major != DGK_MAJOR_K)) {
        plan_error(pl, p->a.major != DGK_MAJOR_K ? p->a.loc : p->b.loc,
                   "FP8 wgmma on sm90 reads only K-major operands: store A as [M, K] and B as [N, K] (use B[...]^T)");
        return 0;
    }
    return 1;
}

int plan_mainloop(planner *pl)
{
    dgk_plan *p = pl->p;
    int second;
    if ((pl->update = find_update(pl, &second)) < 0)
        return 0;
    if (second >= 0 && !plan_dual_order(pl, &pl->update, &second))
        return 0;
    const dgk_ir_op *up = OPK(pl, pl->update);
    pl->acc = up->args[0];
    if (!starts_at_zero(pl, pl->acc) || (second >= 0 && !starts_at_zero(pl, OPK(pl, second)->args[0])))
        return 0;
    if (up->op != DGK_OP_ADD_ASSIGN) {
        plan_error(pl, up->loc, "the accumulator must be updated with `+=` in the pipeline");
        return 0;
    }
    int fs[4], nf = plan_factors(pl, up->args[1], fs, 0);
    pl->mma = -1;
    for (int i = 0; i < nf; i++)
        if (OPK(pl, fs[i])->opcode == DGK_IR_MMA)
            pl->mma = fs[i];
    if (nf < 0 || pl->mma < 0) {
        plan_error(pl, up->loc, "the pipeline's update must be `acc += mma(a, b)` or `acc += mma(a, b) * sa * sb`");
        return 0;
    }
    const dgk_ir_op *mma = OPK(pl, pl->mma);
    if (!match_operand(pl, 0, mma->args[0], &p->a) || !match_operand(pl, 1, mma->args[1], &p->b))
        return 0;
    if (pl->m_coord == pl->n_coord) {
        plan_error(pl, mma->loc, "A and B tiles are walked by the same schedule variable; use one for M blocks and one for N blocks");
        return 0;
    }
    fill_mma(pl);
    if (!check_dtypes(pl) || !check_tiles(pl))
        return 0;
    if (nf > 1) {
        if (!is_fp8(p->a.dtype)) {
            plan_error(pl, up->loc, "scaled mma (`mma(a, b) * sa * sb`) is lowered for FP8 operands only");
            return 0;
        }
        if (!match_scales(pl, fs, nf) || !check_scale_layouts(pl))
            return 0;
        p->fp8.enabled = 1;
        p->fp8.block_k = 128;
        p->fp8.block_n = p->fp8.sb_per_column ? 1 : 128;
        p->fp8.sb_straddle = !p->fp8.sb_per_column && 128 % p->bn != 0;
        p->fp8.loc = up->loc;
    } else if (is_fp8(p->a.dtype)) {
        plan_error(pl, up->loc, "FP8 mma without scales is not lowered on sm90 yet; write `acc += mma(a, b) * sa * sb`");
        return 0;
    }
    if (second >= 0) {
        if (!plan_dual_match(pl, second) || !plan_dual_tiles(pl))
            return 0;
        /* one wgmma over both B tiles; the promotion's second scale from column BN on */
        p->mma.inst_n = 2 * p->bn;
        p->fp8.sb_straddle = p->fp8.enabled;
    }
    return 1;
}
