/* ir_print.c - dgkc --dump-ir: the tile IR as text, one op per line,
 *     %7 = load.t A[%3, %6] ext [128, 64] : bf16[128, 64]   @12:18
 * grouped by region. Deterministic: values are named by op index. */
#include "ir.h"

#include "builtins.h"

static const char *const region_names[] = {"prologue", "mainloop", "epilogue"};

static void print_type(const dgk_ir_type *t, FILE *out)
{
    if (t->dtype == DGK_DT_NONE)
        return;
    fprintf(out, " : %s", dgk_dtype_name(t->dtype));
    if (t->rank == 0)
        return;
    fputc('[', out);
    for (int i = 0; i < t->rank; i++)
        fprintf(out, i ? ", %lld" : "%lld", (long long)t->ext[i]);
    fputc(']', out);
}

static void print_args(const dgk_ir_op *op, int from, int to, FILE *out)
{
    for (int i = from; i < to; i++)
        fprintf(out, i > from ? ", %%%d" : "%%%d", op->args[i]);
}

static void print_detail(const dgk_ir_kernel *k, const dgk_ir_op *op, FILE *out)
{
    const char *tname = op->tensor >= 0 && op->tensor < k->ntensors ? k->tensors[op->tensor].name : "?";
    switch (op->opcode) {
    case DGK_IR_CONST:
        if (op->is_float)
            fprintf(out, " %g", op->fimm);
        else
            fprintf(out, " %lld", (long long)op->imm);
        return;
    case DGK_IR_SHAPE:
        fprintf(out, " %s (%s axis %d)", op->name ? op->name : "?", tname, op->axis);
        return;
    case DGK_IR_PARAM:
    case DGK_IR_TILE_COORD:
    case DGK_IR_LOOP_VAR:
        fprintf(out, " %s", op->name ? op->name : "?");
        return;
    case DGK_IR_LOAD_SCALAR:
    case DGK_IR_LOAD_TILE:
        fprintf(out, " %s[", tname);
        print_args(op, 0, op->nargs, out);
        fputc(']', out);
        if (op->opcode == DGK_IR_LOAD_TILE) {
            fputs(" ext [", out);
            for (int i = 0; i < op->nargs; i++)
                fprintf(out, i ? ", %lld" : "%lld", (long long)op->ext[i]);
            fputc(']', out);
        }
        return;
    case DGK_IR_STORE:
        fprintf(out, " %s[", tname);
        print_args(op, 0, op->nargs - 1, out);
        fprintf(out, "] %s %%%d", dgk_op_spelling(op->op), op->args[op->nargs - 1]);
        return;
    case DGK_IR_SCALAR:
    case DGK_IR_EW:
        fprintf(out, " %s ", op->fn >= 0 ? dgk_builtin_info_of((dgk_builtin)op->fn)->name : dgk_op_spelling(op->op));
        print_args(op, 0, op->nargs, out);
        return;
    case DGK_IR_REDUCE:
        fprintf(out, " %s %%%d axis %d", dgk_builtin_info_of((dgk_builtin)op->fn)->name, op->args[0], op->axis);
        return;
    case DGK_IR_ACC_UPDATE:
        fprintf(out, " %%%d %s %%%d", op->args[0], dgk_op_spelling(op->op), op->args[1]);
        return;
    default:
        fputc(' ', out);
        print_args(op, 0, op->nargs, out);
        return;
    }
}

static void print_kernel(const dgk_ir_kernel *k, FILE *out)
{
    fprintf(out, "kernel %s  schedule %s", k->name, k->sched_kind ? k->sched_kind : "(none)");
    if (k->sched_swizzle)
        fprintf(out, " swizzle %d", k->sched_swizzle);
    if (k->sched_split)
        fprintf(out, " split_k %d", k->sched_split);
    if (k->sched_skip_idle)
        fprintf(out, " skip_idle %d", k->sched_skip_idle);
    if (k->sched_dynamic)
        fprintf(out, " dynamic %d", k->sched_dynamic);
    if (k->sched_tail_split)
        fprintf(out, " tail_split %d", k->sched_tail_split);
    if (k->sched_l2_stream)
        fprintf(out, " l2_stream %d", k->sched_l2_stream);
    if (k->sched_store_passes)
        fprintf(out, " store_passes %d", k->sched_store_passes);
    if (k->has_pipeline)
        fprintf(out, "  pipeline %%%d .. %%%d stages %d", k->pipe_lo, k->pipe_hi, k->pipe_stages);
    fputc('\n', out);
    for (int i = 0; i < k->ntensors; i++) {
        const dgk_ir_tensor *t = &k->tensors[i];
        if (t->rank == 0)
            continue;
        fprintf(out, "  tensor %s : %s[", t->name, dgk_dtype_name(t->dtype));
        for (int a = 0; a < t->rank; a++) {
            const dgk_expr *e = t->ext_expr[a];
            if (a)
                fputs(", ", out);
            if (t->ext[a] >= 0)
                fprintf(out, "%lld", (long long)t->ext[a]);
            else /* symbolic: a shape symbol's name, or `?` for an expression of them */
                fputs(e && e->kind == DGK_EXPR_NAME ? e->u.name.id : "?", out);
        }
        fprintf(out, "]%s\n", t->written ? " (written)" : "");
    }
    for (int r = 0; r < DGK_IR_NREGIONS; r++) {
        fprintf(out, " %s:\n", region_names[r]);
        for (int i = 0; i < k->nops; i++) {
            const dgk_ir_op *op = &k->ops[i];
            if ((int)op->region != r)
                continue;
            fprintf(out, "  %%%d = %s", i, dgk_ir_opcode_name(op->opcode));
            print_detail(k, op, out);
            print_type(&op->type, out);
            fprintf(out, "   @%d:%d\n", op->loc.line, op->loc.col);
        }
    }
}

void dgk_ir_print(const dgk_ir_module *m, FILE *out)
{
    for (int i = 0; i < m->nkernels; i++)
        print_kernel(&m->kernels[i], out);
}
