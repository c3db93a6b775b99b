/* plan_print.c - dgkc --dump-plan: every decision of a plan, one per line, so a
 * developer sees what the planner chose and can compare plans as text. */
#include "planner.h"

#include "ir.h"

static const char *major_name(dgk_major m)
{
    return m == DGK_MAJOR_K ? "K-major" : "MN-major";
}

static void print_dim(const char *name, const dgk_plan_dim *d, const dgk_plan *p, FILE *out)
{
    if (d->arg >= 0)
        fprintf(out, " %s=%s", name, p->args[d->arg].name);
    else
        fprintf(out, " %s=%lld", name, (long long)d->value);
}

static void print_operand(const char *name, const dgk_plan_operand *o, const dgk_plan *p, FILE *out)
{
    fprintf(out, "  operand %s: %s %s tile %dx%d swizzle %dB via %s%s", name, dgk_dtype_name(o->dtype), major_name(o->major),
            o->rows, o->cols, (int)o->swizzle, p->args[o->arg].name, o->multicast ? " multicast" : "");
    if (dgk_plan_fits_rows(p, o))
        fprintf(out, ", rows fit to %s", p->args[o->fit_rows_arg].name);
    fputc('\n', out);
}

static void print_args(const dgk_plan *p, FILE *out)
{
    for (int i = 0; i < p->nargs; i++) {
        const dgk_kernel_arg *a = &p->args[i];
        fprintf(out, "  arg %d: %s %s %s", i, dgk_arg_kind_name(a->kind), a->name, dgk_dtype_name(a->dtype));
        if (a->kind == DGK_ARG_TMA) {
            fprintf(out, " box [");
            for (int r = 0; r < a->tma.rank; r++)
                fprintf(out, r ? ", %d" : "%d", a->tma.box[r]);
            fprintf(out, "] swizzle %dB%s", (int)a->tma.swizzle, a->tma.fit_rows ? " fit rows" : "");
        }
        if (a->align)
            fprintf(out, a->kind == DGK_ARG_STRIDE ? " (in bytes: a multiple of %d)"
                         : a->kind == DGK_ARG_TMA  ? " (address and row strides: multiples of %d bytes)"
                                                   : " (address: a multiple of %d bytes)",
                    a->align);
        fputc('\n', out);
    }
}

/* A read's point: ` at POINT * STRIDE` (on axis 0), ` at row * STRIDE + POINT` (a vector
 * along axis 0 with the point on axis 1), ` at POINT` (an element). */
static void print_point(const dgk_plan *p, const dgk_epi_op *e, FILE *out)
{
    char pt[32];
    if (e->point == DGK_EPI_POINT_GROUP)
        snprintf(pt, sizeof pt, "group");
    else if (e->point == DGK_EPI_POINT_MBLOCK || e->point == DGK_EPI_POINT_NBLOCK)
        snprintf(pt, sizeof pt, "%s block", e->point == DGK_EPI_POINT_MBLOCK ? "m" : "n");
    else
        snprintf(pt, sizeof pt, "%lld", (long long)e->index);
    if (e->op == DGK_EPI_ELEM)
        fprintf(out, " at %s", pt);
    else if (e->op == DGK_EPI_TILE)
        fprintf(out, " at %s * %s", pt, p->args[e->arg3].name);
    else if (e->point_inner)
        fprintf(out, " at %s * %s + %s", e->op == DGK_EPI_ROW ? "row" : "col", p->args[e->arg2].name, pt);
    else
        fprintf(out, " at %s * %s", pt, p->args[e->arg2].name);
}

/* ` within E0 x E1 ...`: the extents the device checks a read against (a vector's own
 * axis, a tile's rows and columns, then the point's axis). */
static void print_bounds(const dgk_plan *p, const dgk_epi_op *e, FILE *out)
{
    const dgk_plan_dim *d[3];
    int n = 0;
    if (e->op != DGK_EPI_ELEM)
        d[n++] = &e->ext;
    if (e->op == DGK_EPI_TILE)
        d[n++] = &e->ext_cols;
    if (e->point)
        d[n++] = &e->point_ext;
    fputs(" within", out);
    for (int k = 0; k < n; k++) {
        if (d[k]->arg >= 0)
            fprintf(out, " %s%s", k ? "x " : "", p->args[d[k]->arg].name);
        else
            fprintf(out, " %s%lld", k ? "x " : "", (long long)d[k]->value);
    }
}

static void print_epilogue(const dgk_plan *p, FILE *out)
{
    fprintf(out, "  epilogue: %s %s, TMA box %d cols swizzle %dB", p->epi.accumulate ? "+=" : "=",
            dgk_dtype_name(p->epi.out_dtype), p->epi.out_box_cols, (int)p->epi.out_swizzle);
    if (p->epi.passes > 1)
        fprintf(out, ", stored in %d passes of %d columns (store_passes)", p->epi.passes, p->bn / p->epi.passes);
    fputc('\n', out);
    for (int i = 0; i < p->epi.nops; i++) {
        const dgk_epi_op *e = &p->epi.ops[i];
        fprintf(out, "    e%d = %s", i, dgk_epi_op_name(e->op));
        int n = dgk_epi_op_arity(e->op);
        int xs[3] = {e->a, e->b, e->c};
        for (int j = 0; j < n; j++)
            fprintf(out, " e%d", xs[j]);
        if (e->op == DGK_EPI_CONST)
            fprintf(out, " %g", e->imm);
        if (e->op == DGK_EPI_CAST)
            fprintf(out, " %s", dgk_dtype_name(e->dtype));
        if (e->op == DGK_EPI_SCALAR || dgk_epi_reads_tensor(e))
            fprintf(out, " %s", p->args[e->arg].name);
        if (e->point)
            print_point(p, e, out);
        if (dgk_epi_reads_tensor(e) && e->bounded)
            print_bounds(p, e, out);
        if (p->epi.nvstores > 0 && i == dgk_epi_tile_value(&p->epi))
            fputs("  (stored into the tile)", out);
        fputc('\n', out);
    }
    for (int s = 0; s < p->epi.nvstores; s++) {
        const dgk_epi_vstore *v = &p->epi.vstores[s];
        fprintf(out, "    row vector store: %s (%s) = e%d", p->args[v->at.arg].name, dgk_dtype_name(v->at.dtype), v->value);
        if (v->at.point)
            print_point(p, &v->at, out);
        print_bounds(p, &v->at, out);
        fputc('\n', out);
    }
}

/* Grouped kernels only (dense plans print as they always did). */
static void print_groups(const dgk_plan *p, FILE *out)
{
    dgk_sched_kind k = p->sched.kind;
    fprintf(out, "  groups: %s via %s",
            k == DGK_SCHED_M_GROUPED_MASKED ? "valid rows per group"
            : k == DGK_SCHED_K_GROUPED      ? "K offsets per group (pipeline over offsets[g] / BK .. offsets[g + 1] / BK)"
            : p->sched.offsets              ? "row offsets (group g: rows align(offsets[g], BM) .. offsets[g + 1] - 1)"
                                            : "group id per row",
            p->args[p->sched.group_arg].name);
    if (p->sched.groups.arg >= 0 || p->sched.groups.value > 0)
        print_dim("G", &p->sched.groups, p, out);
    if (k == DGK_SCHED_M_GROUPED_CONTIGUOUS && !p->sched.offsets && (p->sched.groups.arg >= 0 || p->sched.groups.value > 0))
        fprintf(out, " (ids checked against it in DGK_DEBUG builds)");
    fprintf(out, "; grouped:%s%s%s%s%s\n", p->a.grouped ? " A" : "", p->b.grouped ? " B" : "", p->fp8.sa_grouped ? " SA" : "",
            p->fp8.sb_grouped ? " SB" : "", p->epi.out_grouped ? " D" : "");
    if (p->epi.out_guard_rows)
        fprintf(out, "  padding rows kept: partial blocks stored row by row via %s, %s\n", p->args[p->epi.out_ptr_arg].name,
                p->args[p->epi.out_stride_arg].name);
    if (p->sched.skip_idle)
        fprintf(out, "  skip_idle: a consumer warpgroup with no valid row in its tile skips its mma and store\n");
    if (p->sched.dynamic)
        fprintf(out, "  dynamic: each CTA takes its next tile from the counters %s when it starts one\n",
                p->args[p->sched.counter_arg].name);
}

/* An elementwise kernel: grid, threads, and the tiles that live in shared memory. */
static void print_simt(const dgk_plan *p, FILE *out)
{
    const dgk_plan_simt *s = p->simt;
    fprintf(out, "  elementwise: one CTA of %d threads per tile, groups of %d elements; grid", s->threads, s->vec);
    for (int i = 0; i < s->next; i++) {
        const dgk_plan_extent *x = &s->ext[i];
        fprintf(out, i ? " x " : " ");
        if (x->div > 1)
            fprintf(out, x->round_up ? "cdiv(" : "(");
        if (x->dim.arg >= 0)
            fprintf(out, "%s", p->args[x->dim.arg].name);
        else
            fprintf(out, "%lld", (long long)x->dim.value);
        if (x->div > 1)
            fprintf(out, x->round_up ? ", %lld)" : " / %lld)", (long long)x->div);
    }
    fputc('\n', out);
    for (int i = 0; i < s->k->nops; i++) {
        if (s->smem_off[i] >= 0)
            fprintf(out, "  shared copy of %%%d (%s, line %d) at %d, row of %d\n", i, s->k->ops[i].name ? s->k->ops[i].name : "-",
                    s->k->ops[i].loc.line, s->smem_off[i], s->smem_ld[i]);
        if (s->lanes[i])
            fprintf(out, "  reduction %%%d: each row in %d lanes of a warp (xor shuffles), outputs at %d\n", i, s->lanes[i],
                    s->part_off[i]);
        if (s->parts[i] > 1)
            fprintf(out, "  reduction %%%d: %d threads per output, partials at %d\n", i, s->parts[i], s->part_off[i]);
    }
    fprintf(out, "  launch: %d threads, %d bytes smem, grid tiles\n", p->launch.threads, p->launch.smem_bytes);
    print_args(p, out);
}

void dgk_plan_print(const dgk_plan *p, FILE *out)
{
    fprintf(out, "plan %s (sm_90a)\n", p->name);
    if (p->simt) {
        print_simt(p, out);
        return;
    }
    fprintf(out, "  problem:");
    print_dim("M", &p->m, p, out);
    print_dim("N", &p->n, p, out);
    print_dim("K", &p->k, p, out);
    fprintf(out, "\n  tile: BM=%d BN=%d BK=%d stages=%d\n", p->bm, p->bn, p->bk, p->stages);
    fprintf(out, "  warps: producer wg (%d regs), %d consumer wg x %d rows (%d regs)\n", p->producer_regs,
            p->consumer_wgs, p->wg_rows, p->consumer_regs);
    fprintf(out, "  wgmma: m%dn%dk%d x %d per k-step, %d k-steps per stage\n", p->mma.inst_m, p->mma.inst_n,
            p->mma.inst_k, p->mma.n_insts, p->mma.k_steps);
    if (p->swap_ab)
        fprintf(out, "  swap-AB: BM = %d < 64, so wgmma's A is the B tile (%d of its rows per consumer wg) and its B the A tile; the accumulator holds D transposed\n",
                p->bm, p->wg_rows);
    print_operand("A", &p->a, p, out);
    print_operand("B", &p->b, p, out);
    if (p->dual.enabled) {
        char r[DGK_PLAN_DUAL_ROW_MAX];
        dgk_plan_dual_row(p, r, sizeof r);
        fprintf(out, "  two accumulators: the second's B tile %s rows after the first's, both in one stage and one wgmma of %d columns; the epilogue's acc2 is column c + BN\n",
                r, p->mma.inst_n);
    }
    char unroll[48] = "";
    if (p->fp8.unroll)
        snprintf(unroll, sizeof unroll, "; the K loop unrolled by %d", p->fp8.unroll);
    if (p->fp8.enabled)
        fprintf(out, "  fp8 promotion: SA via %s, SB via %s%s%s%s%s%s%s%s%s%s%s\n", p->args[p->fp8.sa_arg].name, p->args[p->fp8.sb_arg].name,
                p->dual.enabled ? " (the second accumulator's from its own scale row)"
                : p->fp8.sb_straddle ? " (tile may straddle two B scale blocks)" : "",
                p->fp8.sb_per_column ? " (one B scale per column and K block, staged with A's)"
                : p->fp8.sb_tile     ? " (the tile's rows copied once per tile by cp.async.bulk)"
                : p->fp8.sb_tma      ? " (four K blocks' values loaded into each stage by TMA)"
                : p->fp8.sb_ue8m0    ? " (its bytes loaded and stored into each stage by a producer thread)"
                : p->fp8.sb_loads    ? " (loaded and stored into each stage by the producer thread: K at launch)"
                                     : " (copied into each stage by cp.async)",
                p->fp8.sa_ue8m0 ? ", SA ue8m0 bytes" : "", p->fp8.sb_ue8m0 ? ", SB ue8m0 bytes" : "",
                p->fp8.overlap ? ", overlapped with the next block's wgmma" : "",
                p->fp8.per_m64 ? ", one m64 row block at a time" : "",
                p->fp8.pieces ? ", in pieces of m64 x BN/2, each promoted while the next one's wgmma runs" : "",
                p->fp8.early_wait ? "; the next stage's wait tried before the last piece's promotion" : "",
                unroll, p->fp8.sb_bytes_warp ? "; SB bytes stored by the producer's second warp" : "");
    fprintf(out, "  schedule: %s, L2 group %d along %s; cluster %dx%d\n", dgk_sched_kind_name(p->sched.kind), p->sched.group,
            p->sched.group_axis ? "N" : "M", p->cluster_m, p->cluster_n);
    if (p->l2_stream)
        fprintf(out, "  L2: A and B loaded with evict_first (l2_stream 1)\n");
    if (p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS || p->sched.kind == DGK_SCHED_M_GROUPED_MASKED ||
        p->sched.kind == DGK_SCHED_K_GROUPED)
        print_groups(p, out);
    if (p->split.slices > 1)
        fprintf(out, "  split-K: %d slices per tile (at most; never more than K blocks), partials via %s, counters via %s\n",
                p->split.slices, p->args[p->split.ws_arg].name, p->args[p->split.counters_arg].name);
    if (p->split.tail)
        fprintf(out, "  tail_split: each tile of the last partial wave cut by K over the idle CTAs, partials via %s, counters via %s\n",
                p->args[p->split.ws_arg].name, p->args[p->split.counters_arg].name);
    print_epilogue(p, out);
    fprintf(out, "  smem: A@%d+%d/stage B@%d+%d/stage SA@%d+%d/stage epi@%d (%d) bar@%d total %d\n", p->smem.a_off,
            p->smem.a_stage_bytes, p->smem.b_off, p->smem.b_stage_bytes, p->smem.sa_off, p->smem.sa_stage_bytes,
            p->smem.epi_off, p->smem.epi_bytes, p->smem.bar_off, p->smem.total);
    if (p->smem.sb_stage_bytes)
        fprintf(out, "  smem: SB@%d+%d/stage\n", p->smem.sb_off, p->smem.sb_stage_bytes);
    if (p->sched.dynamic)
        fprintf(out, "  smem: tile@%d+%d/stage\n", p->smem.tile_off, p->smem.tile_stage_bytes);
    fprintf(out, "  launch: %d threads, %d bytes smem, cluster %d, grid %s\n", p->launch.threads, p->launch.smem_bytes,
            p->launch.cluster[0], p->launch.grid == DGK_GRID_PERSISTENT ? "persistent" : "tiles");
    print_args(p, out);
}
