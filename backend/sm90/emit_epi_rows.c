/* emit_epi_rows.c - the epilogue's row pass (plan.h: ROWMAX / ROWMIN / ROWSUM and the row
 * vector stores, dgk_epi_vstore): at the start of a tile's epilogue, before its values
 * are staged, each consumer warpgroup reduces the rows it holds and writes the row
 * vectors. In the wgmma accumulator layout a row of an m64 block lives in one quad of one
 * warp (lane l holds rows l / 4 and l / 4 + 8 of its warp's 16, two columns of every 8),
 * so a row's reduction is the thread's own values (of the columns before N), then two xor
 * shuffles inside the quad: no shared memory, no barrier. Each thread keeps its two rows' results per m64 block in
 * dgk_red<j>[WG_M64][2], which epilogue_value then takes as values. The reduced operand
 * and the stored values are the program's ops, computed by functions of their own
 * (epilogue_op<i>, emitted by dgk_sm90_emit_program_fn). plan_epilogue_rows keeps this to
 * plans where a warpgroup holds whole rows of the final sum. */
#include <stdio.h>
#include <string.h>

#include "emit_internal.h"

/* How a reduction starts and combines two values (`FN(a, b)`). */
static const struct {
    dgk_epi_opcode op;
    const char *init, *fn;
} reductions[] = {
    {DGK_EPI_ROWMAX, "-__int_as_float(0x7f800000)", "fmaxf"},
    {DGK_EPI_ROWMIN, "__int_as_float(0x7f800000)", "fminf"},
    {DGK_EPI_ROWSUM, "0.0f", "__fadd_rn"},
};

/* The row of `reductions` for a row reduction op (the last for ROWSUM). */
static size_t reduction_of(dgk_epi_opcode op)
{
    size_t i = 0;
    while (i + 1 < sizeof reductions / sizeof reductions[0] && reductions[i].op != op)
        i++;
    return i;
}

/* The ops the row pass computes through a function of their own: each reduction's
 * operand and each stored row vector's value (need[i] set). */
static void row_fn_ops(const dgk_plan_epilogue *ep, char *need)
{
    memset(need, 0, (size_t)ep->nops);
    for (int i = 0; i < ep->nops; i++)
        if (dgk_epi_is_row_reduce(&ep->ops[i]))
            need[ep->ops[i].a] = 1;
    for (int s = 0; s < ep->nvstores; s++)
        need[ep->vstores[s].value] = 1;
}

void dgk_sm90_emit_row_fns(dgk_sm90_ctx *e)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    if (!dgk_epi_has_rows(ep))
        return;
    char need[ep->nops];
    row_fn_ops(ep, need);
    for (int i = 0; i < ep->nops; i++) {
        if (!need[i])
            continue;
        char name[32];
        snprintf(name, sizeof name, "epilogue_op%d", i);
        dgk_sm90_line(e, "// the epilogue's op %d (%s) for the row pass: a reduced operand or a stored row value", i,
                      dgk_epi_op_name(ep->ops[i].op));
        dgk_sm90_emit_program_fn(e, name, i);
    }
}

/* `dgk_ACC = FN(dgk_ACC, col0 + c + DC < N ? epilogue_op<a>(acc[mi][ni][i + K], r + DR,
 * c + DC, ...) : INIT);`. Columns past N take no part: there the accumulator holds
 * whatever the shared memory past B's last row held (the TMA box is fit to N rows), which
 * the tile store clips but a reduction would fold into the row's value. */
static void emit_fold(dgk_sm90_ctx *e, const dgk_epi_op *op, size_t r, const char *into, int k, int dr, int dc)
{
    char name[32], acc[32], row[16], col[16], nb[32];
    snprintf(name, sizeof name, "epilogue_op%d", op->a);
    snprintf(acc, sizeof acc, "acc[mi][ni][i + %d]", k);
    snprintf(row, sizeof row, "r + %d", dr);
    snprintf(col, sizeof col, "c + %d", dc);
    dgk_sm90_start(e, "%s = %s(%s, col0 + c + %d < %s ? ", into, reductions[r].fn, into, dc,
                   dgk_sm90_dim(e, &e->p->n, nb, sizeof nb));
    dgk_sm90_emit_program_call(e, name, op->a, acc, NULL, row, col, dr ? "1" : "0");
    dgk_sm90_raw(e, " : ");
    dgk_sm90_raw(e, reductions[r].init);
    dgk_sm90_raw(e, ");\n");
}

/* Reduction j: this thread's values of its two rows, then the quad's. */
static void emit_reduction(dgk_sm90_ctx *e, int j)
{
    const dgk_epi_op *op = &e->p->epi.ops[j];
    const size_t r = reduction_of(op->op);
    const char *fn = reductions[r].fn;
    dgk_sm90_loc(e, op->loc, dgk_epi_op_name(op->op));
    dgk_sm90_line(e, "float dgk_red%d[WG_M64][2];  // rows r and r + 8 of each m64 block", j);
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "const int r = mi * 64 + warp * 16 + lane / 4;");
    dgk_sm90_line(e, "float dgk_lo = %s, dgk_hi = %s;", reductions[r].init, reductions[r].init);
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int ni = 0; ni < N_INSTS; ++ni)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int i = 0; i < INST_N / 2; i += 4)");
    dgk_sm90_line(e, "const int c = ni * INST_N + 2 * i + 2 * (lane %% 4);");
    emit_fold(e, op, r, "dgk_lo", 0, 0, 0);
    emit_fold(e, op, r, "dgk_lo", 1, 0, 1);
    emit_fold(e, op, r, "dgk_hi", 2, 8, 0);
    emit_fold(e, op, r, "dgk_hi", 3, 8, 1);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "// the row's other columns are in the quad's other three lanes");
    for (int m = 1; m <= 2; m *= 2) {
        dgk_sm90_line(e, "dgk_lo = %s(dgk_lo, __shfl_xor_sync(0xffffffffu, dgk_lo, %d));", fn, m);
        dgk_sm90_line(e, "dgk_hi = %s(dgk_hi, __shfl_xor_sync(0xffffffffu, dgk_hi, %d));", fn, m);
    }
    dgk_sm90_line(e, "dgk_red%d[mi][0] = dgk_lo;", j);
    dgk_sm90_line(e, "dgk_red%d[mi][1] = dgk_hi;", j);
    dgk_sm90_close(e, NULL);
}

/* The m-grouped contiguous schedule: ` && row is the group's` (its id is the tile's
 * group, or it lies before the group's end), so padding rows stay untouched as the tile
 * store leaves them (emit_epilogue.c). */
static void emit_group_rows(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    if (p->sched.kind != DGK_SCHED_M_GROUPED_CONTIGUOUS)
        return;
    if (p->sched.offsets)
        dgk_sm90_raw(e, " && row < group_end");
    else
        dgk_strbuf_printf(e->out, " && __ldg(%s + row) == group", p->args[p->sched.group_arg].name);
}

/* Store s: `if (bounds) dgk_put(address, epilogue_op<value>(...))` for row `row`. */
static void emit_vstore(dgk_sm90_ctx *e, const dgk_epi_vstore *vs)
{
    char name[32];
    snprintf(name, sizeof name, "epilogue_op%d", vs->value);
    dgk_sm90_loc(e, vs->at.loc, "row vector store");
    dgk_sm90_start(e, "if (");
    dgk_sm90_epi_vector_cond(e, &vs->at);
    emit_group_rows(e);
    dgk_sm90_raw(e, ")\n");
    e->indent++;
    dgk_sm90_start(e, "dgk_put(");
    dgk_sm90_epi_vector_addr(e, &vs->at);
    dgk_sm90_raw(e, ", ");
    dgk_sm90_emit_program_call(e, name, vs->value, "0.0f", NULL, "r", "0", "dgk_h");
    dgk_sm90_raw(e, ");\n");
    e->indent--;
}

/* Lane 0 of each quad writes its two rows of each m64 block, rows past M (or the vector's
 * extent, or a contiguous group's padding rows) not at all. */
static void emit_vstores(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    char mb[32], nb[32];
    dgk_sm90_line(e, "// the row vectors stored beside the tile: lane 0 of each quad writes its rows");
    dgk_sm90_open(e, "if (lane %% 4 == 0)");
    dgk_sm90_line(e, "const int dgk_m = %s, dgk_n = %s;", dgk_sm90_dim(e, &p->m, mb, sizeof mb),
                  dgk_sm90_dim(e, &p->n, nb, sizeof nb));
    dgk_sm90_line(e, "(void)dgk_n;");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int mi = 0; mi < WG_M64; ++mi)");
    dgk_sm90_line(e, "#pragma unroll");
    dgk_sm90_open(e, "for (int dgk_h = 0; dgk_h < 2; ++dgk_h)");
    dgk_sm90_line(e, "const int r = mi * 64 + warp * 16 + lane / 4 + 8 * dgk_h, row = row0 + r, col = col0;");
    dgk_sm90_line(e, "(void)col;");
    for (int s = 0; s < p->epi.nvstores; s++)
        emit_vstore(e, &p->epi.vstores[s]);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

void dgk_sm90_emit_epilogue_rows(dgk_sm90_ctx *e)
{
    const dgk_plan_epilogue *ep = &e->p->epi;
    if (!dgk_epi_has_rows(ep))
        return;
    dgk_sm90_line(e, "// the row pass (emit_epi_rows.c): this warpgroup's row reductions and row vector stores");
    for (int j = 0; j < ep->nops; j++)
        if (dgk_epi_is_row_reduce(&ep->ops[j]))
            emit_reduction(e, j);
    if (ep->nvstores)
        emit_vstores(e);
}
