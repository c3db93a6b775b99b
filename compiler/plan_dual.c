/* plan_dual.c - a pipeline with two accumulator updates that share the A tile (plan.h,
 * dgk_plan_dual; the SwiGLU form of examples/gemm_swiglu.dgk):
 *     gate += mma(X[i*BM +: BM, k*BK +: BK], W[j*BN +: BN, k*BK +: BK]^T) [* sa * sb];
 *     up   += mma(X[i*BM +: BM, k*BK +: BK], W[R + j*BN +: BN, k*BK +: BK]^T) [* sa * sb2];
 * lowered as one wgmma of 2 * BN columns over a stage that holds both B tiles. The
 * second update must repeat the first's A tile and A scales, read B from the same tensor
 * R rows further (R a constant or `c * S + d` of one shape symbol S), and, with FP8, the
 * same scale tensor (sema checked that its subscript picks the second tile's block).
 * In plan_mainloop: plan_dual_order (which update is the first: the one whose B tile starts
 * at `j * BN`), then, after the first is matched, plan_dual_match and plan_dual_tiles;
 * plan_dual_args after the schedule, split-K and the epilogue's row pass are planned. */
#include "plan_int.h"

#include <string.h>

static const dgk_ir_op *OPK(const planner *pl, int id)
{
    return &pl->k->ops[id];
}

/* x and y are the same index (plan_affine_sym forms). */
static int same_form(const plan_aff *x, const plan_aff *y)
{
    plan_aff d = plan_aff_sub(*x, *y);
    return plan_aff_is_const(&d) && d.c0 == 0;
}

/* Two loads read the same tile: tensor, extents, transposition and every index alike. */
static int same_tile(const planner *pl, int a, int b)
{
    const dgk_ir_op *x = OPK(pl, a), *y = OPK(pl, b);
    if (x->opcode != y->opcode || x->tensor != y->tensor || x->nargs != y->nargs || x->transposed != y->transposed)
        return 0;
    for (int i = 0; i < x->nargs; i++) {
        plan_aff fx = plan_affine_sym(pl->k, x->args[i]), fy = plan_affine_sym(pl->k, y->args[i]);
        if (x->ext[i] != y->ext[i] || !fx.ok || !same_form(&fx, &fy))
            return 0;
    }
    return 1;
}

/* Whether an update's B tile starts off a plain `j * BN` (a constant or a shape symbol in
 * one of its subscripts): the second tile of the pair. */
static int b_has_offset(const planner *pl, int update)
{
    int fs[4], nf = plan_factors(pl, OPK(pl, update)->args[1], fs, 0), t;
    for (int i = 0; i < nf; i++) {
        if (OPK(pl, fs[i])->opcode != DGK_IR_MMA)
            continue;
        int ld = plan_strip_to_load(pl, OPK(pl, fs[i])->args[1], &t);
        for (int a = 0; ld >= 0 && a < OPK(pl, ld)->nargs; a++) {
            plan_aff f = plan_affine_sym(pl->k, OPK(pl, ld)->args[a]);
            if (f.ok && (f.c0 || f.sym))
                return 1;
        }
    }
    return 0;
}

/* The two updates in the order the match takes them: the one whose B tile starts at
 * `j * BN` first, whichever the source wrote first (`up` may come before `gate`); 0 with
 * an error when neither does. */
int plan_dual_order(planner *pl, int *u1, int *u2)
{
    int off1 = b_has_offset(pl, *u1), off2 = b_has_offset(pl, *u2);
    if (off1 && off2) {
        plan_error(pl, OPK(pl, *u2)->loc, "of two accumulators' B tiles one must start at `j * BN` and the other a fixed number of rows after it (`W[R + j*BN +: BN, ...]`)");
        return 0;
    }
    if (off1) {
        int t = *u1;
        *u1 = *u2;
        *u2 = t;
    }
    return 1;
}

/* The B tiles' row offset R = (second's N start) - (first's): no schedule or pipeline
 * variable, at most one shape symbol. */
static int match_row(planner *pl, int b2, dgk_loc loc)
{
    const dgk_ir_op *x = OPK(pl, pl->b_load), *y = OPK(pl, b2);
    int n = pl->n_axis_b, kx = pl->k_axis_b;
    const char *name = pl->k->tensors[x->tensor].name;
    for (int i = 0; i < x->nargs; i++) {
        plan_aff fx = plan_affine_sym(pl->k, x->args[i]), fy = plan_affine_sym(pl->k, y->args[i]);
        if (i != n && (x->ext[i] != y->ext[i] || !same_form(&fx, &fy))) {
            plan_error(pl, loc, "the second accumulator's B tile must differ from the first's in its N start only (%s axis %d: %s)",
                       name, i, i == kx ? "its K start and extent must be the first's" : "not the same subscript");
            return 0;
        }
    }
    plan_aff r = plan_aff_sub(plan_affine_sym(pl->k, y->args[n]), plan_affine_sym(pl->k, x->args[n]));
    if (!r.ok || r.kvar || r.coord[0] || r.coord[1] || r.coord[2] || x->ext[n] != y->ext[n]) {
        plan_error(pl, loc, "the second accumulator's B tile must start a fixed number of rows after the first's: `%s[R + j*BN +: BN, ...]` with R a constant, or a shape symbol times a constant plus a constant",
                   name);
        return 0;
    }
    pl->dual_row = r.c0;
    pl->dual_mul = r.sym;
    pl->dual_sym = r.sym ? r.sym_name : NULL;
    return 1;
}

/* The scale factors of the second update: the first's SA tile, and SB of the same tensor. */
static int match_scales2(planner *pl, const int *fs, int nf, int mma2, dgk_loc loc)
{
    int sa = 0, sb = 0;
    for (int i = 0; i < nf; i++) {
        if (fs[i] == mma2)
            continue;
        int t, ld = plan_strip_to_load(pl, fs[i], &t);
        if (ld >= 0 && pl->sa_load >= 0 && same_tile(pl, ld, pl->sa_load))
            sa++;
        else if (ld >= 0 && pl->sb_load >= 0 && OPK(pl, ld)->tensor == OPK(pl, pl->sb_load)->tensor &&
                 OPK(pl, ld)->opcode == OPK(pl, pl->sb_load)->opcode)
            sb++;
        else {
            plan_error(pl, OPK(pl, fs[i])->loc, "the second accumulator's scales must be the first's A scales and the same B scale tensor");
            return 0;
        }
    }
    if ((pl->sa_load >= 0) != (sa == 1) || (pl->sb_load >= 0) != (sb == 1)) {
        plan_error(pl, loc, "both accumulators are updated the same way: `acc += mma(a, b)` each, or `acc += mma(a, b) * sa * sb` each");
        return 0;
    }
    return 1;
}

/* The second update (op `u2`): `acc2 += mma(a, b2) [* sa * sb]`, its A the first's. */
int plan_dual_match(planner *pl, int u2)
{
    const dgk_ir_op *up = OPK(pl, u2);
    int fs[4], nf = plan_factors(pl, up->args[1], fs, 0), mma2 = -1;
    for (int i = 0; i < nf; i++)
        if (OPK(pl, fs[i])->opcode == DGK_IR_MMA)
            mma2 = fs[i];
    if (up->op != DGK_OP_ADD_ASSIGN || nf < 0 || mma2 < 0) {
        plan_error(pl, up->loc, "the second accumulator's update must be `acc += mma(a, b)` or `acc += mma(a, b) * sa * sb`");
        return 0;
    }
    if (up->args[0] == pl->acc) {
        plan_error(pl, up->loc, "this pipeline updates one accumulator twice; add the two products in one update");
        return 0;
    }
    const dgk_ir_op *mma = OPK(pl, mma2);
    int ta, tb, t1, tb1, a2 = plan_strip_to_load(pl, mma->args[0], &ta), b2 = plan_strip_to_load(pl, mma->args[1], &tb);
    plan_strip_to_load(pl, OPK(pl, pl->mma)->args[0], &t1);
    plan_strip_to_load(pl, OPK(pl, pl->mma)->args[1], &tb1);
    if (a2 < 0 || !same_tile(pl, a2, pl->a_load) || ta != t1) {
        plan_error(pl, mma->loc, "two accumulators in one pipeline must share the A tile: the second mma's A must be the first's (`%s` at the same subscripts)",
                   pl->k->tensors[OPK(pl, pl->a_load)->tensor].name);
        return 0;
    }
    if (b2 < 0 || OPK(pl, b2)->opcode != DGK_IR_LOAD_TILE || OPK(pl, b2)->tensor != OPK(pl, pl->b_load)->tensor) {
        plan_error(pl, mma->loc, "two accumulators in one pipeline read their B tiles from one tensor (`%s`): stack the two weights as rows of one tensor",
                   pl->k->tensors[OPK(pl, pl->b_load)->tensor].name);
        return 0;
    }
    /* one stage tile, one wgmma: both B tiles in the same layout (a square tile could
     * pass the mma's shape check either way) */
    if (tb != tb1) {
        plan_error(pl, mma->loc, "the second mma reads its B tile %s and the first %s; two accumulators share one B layout",
                   tb ? "transposed (`^T`)" : "untransposed", tb1 ? "transposed" : "untransposed");
        return 0;
    }
    if (!match_row(pl, b2, OPK(pl, b2)->loc) || !match_scales2(pl, fs, nf, mma2, up->loc))
        return 0;
    pl->acc2 = up->args[0];
    dgk_plan *p = pl->p;
    p->dual.enabled = 1;
    p->dual.loc = up->loc;
    p->dual.row_c = pl->dual_row;
    p->dual.row_mul = pl->dual_mul;
    p->dual.row_arg = -1;
    return 1;
}

/* Whether the kernel declares `S % m == 0` for the symbol S of R with mul * m a multiple
 * of d (`where I % 128 == 0`). */
static int declared_multiple(const planner *pl, const char *sym, int64_t mul, int64_t d)
{
    for (const dgk_expr *c = pl->k->ast ? pl->k->ast->constraints : NULL; c; c = c->next) {
        if (c->kind != DGK_EXPR_BINARY || c->u.binary.op != DGK_OP_EQ)
            continue;
        const dgk_expr *l = c->u.binary.l, *r = c->u.binary.r;
        if (l->kind != DGK_EXPR_BINARY) {
            const dgk_expr *t = l;
            l = r;
            r = t;
        }
        if (l->kind != DGK_EXPR_BINARY || l->u.binary.op != DGK_OP_MOD || r->kind != DGK_EXPR_INT || r->u.i.value ||
            l->u.binary.l->kind != DGK_EXPR_NAME || strcmp(l->u.binary.l->u.name.id, sym) != 0 ||
            l->u.binary.r->kind != DGK_EXPR_INT)
            continue;
        int64_t m = (int64_t)l->u.binary.r->u.i.value, t;
        if (m > 0 && !__builtin_mul_overflow(m, mul, &t) && t % d == 0)
            return 1;
    }
    return 0;
}

/* The tile shape: one wgmma of 2 * BN columns; FP8: each B tile in one scale block. */
int plan_dual_tiles(planner *pl)
{
    const dgk_plan *p = pl->p;
    if (!p->dual.enabled)
        return 1;
    if (p->bm < 64) {
        plan_error(pl, p->dual.loc, "two accumulators in one pipeline are not lowered with tiles of fewer than 64 rows (swapped operands); BM = %d", p->bm);
        return 0;
    }
    if (p->fp8.sb_per_column) {
        plan_error(pl, p->dual.loc, "two accumulators in one pipeline are not lowered with 1x128 B scales");
        return 0;
    }
    if (2 * p->bn > 256) {
        plan_error(pl, p->dual.loc, "two accumulators of BN = %d columns make one wgmma of %d columns; wgmma N is at most 256, so BN must be at most 128",
                   p->bn, 2 * p->bn);
        return 0;
    }
    if (!p->fp8.enabled)
        return 1;
    if (128 % p->bn) {
        plan_error(pl, p->dual.loc, "with FP8 scales two accumulators need BN to divide 128 (each B tile in one 128-row scale block); BN = %d", p->bn);
        return 0;
    }
    if (p->dual.row_c % 128 || (pl->dual_sym && !declared_multiple(pl, pl->dual_sym, p->dual.row_mul, 128))) {
        plan_error(pl, p->dual.loc, "with FP8 scales the second B tile must start a multiple of 128 rows after the first (its scale block is then the first's plus R / 128)%s%s%s",
                   pl->dual_sym ? ": declare `where " : "", pl->dual_sym ? pl->dual_sym : "",
                   pl->dual_sym ? " % 128 == 0`" : "");
        return 0;
    }
    return 1;
}

/* What the dual form is not lowered with (swapped tiles and 1x128 B scales are refused by
 * plan_dual_tiles, before their own passes' messages), and R's shape argument. */
int plan_dual_args(planner *pl)
{
    dgk_plan *p = pl->p;
    if (!p->dual.enabled)
        return 1;
    if (p->cluster_m > 1)
        plan_error(pl, p->sched.loc, "two accumulators in one pipeline are not lowered with a cluster along M (B multicast); use cluster_n");
    else if (p->split.slices > 1 || p->split.tail)
        plan_error(pl, p->split.loc, "two accumulators in one pipeline are not lowered with split-K");
    else if (dgk_epi_has_rows(&p->epi))
        plan_error(pl, p->epi.loc, "two accumulators in one pipeline are not lowered with row reductions or row vector stores in the epilogue");
    if (pl->nerr)
        return 0;
    if (!pl->dual_sym)
        return 1;
    const dgk_ir_kernel *k = pl->k;
    for (int i = 0; i < k->nops; i++)
        if (k->ops[i].opcode == DGK_IR_SHAPE && k->ops[i].name && strcmp(k->ops[i].name, pl->dual_sym) == 0) {
            dgk_plan_dim d;
            if (!plan_arg_shape(pl, k->ops[i].tensor, k->ops[i].axis, &d))
                return 0;
            if (d.arg < 0) { /* bound to a constant after all */
                p->dual.row_c += p->dual.row_mul * d.value;
                p->dual.row_mul = 0;
            }
            p->dual.row_arg = d.arg;
            return 1;
        }
    plan_error(pl, p->dual.loc, "internal: shape symbol %s of the second B tile's start has no shape op", pl->dual_sym);
    return 0;
}
