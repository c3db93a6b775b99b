/* sema_print.c - prints what sema found per kernel (the dgk_sema_kernel facts of
 * sema.h) as stable text: compile-time values, shape symbols and their binding,
 * parameter types and scales, the schedule, the pipeline, each mma's operand layouts
 * and each FP8 promotion. For unit tests and for a `--dump-sema` style debug view.
 * Deterministic: source order throughout, no pointers printed. */
#include "sema.h"

#include <stdio.h>

static void ctvalue(const dgk_sema_ctparam *c, FILE *out)
{
    if (!c->value.known) {
        fprintf(out, " (no value%s)", c->shape >= 0 ? ", bound at launch" : "");
        return;
    }
    switch (c->value.kind) {
    case DGK_CT_BOOL: fprintf(out, " = %s", c->value.i ? "true" : "false"); break;
    case DGK_CT_DTYPE: fprintf(out, " = %s", dgk_dtype_name(c->value.dt)); break;
    default: fprintf(out, " = %lld", (long long)c->value.i); break;
    }
    if (c->from_define)
        fputs(" (-D)", out);
}

static void params(const dgk_sema_kernel *k, dgk_arena *a, FILE *out)
{
    for (int i = 0; i < k->nctparams; i++) {
        fprintf(out, "  ctparam %s %s", k->ctparams[i].decl->name.id, dgk_ct_kind_name(k->ctparams[i].value.kind));
        ctvalue(&k->ctparams[i], out);
        fputc('\n', out);
    }
    for (int i = 0; i < k->nshapes; i++) {
        const dgk_sema_shape *s = &k->shapes[i];
        fprintf(out, "  shape %s: %s axis %d", s->name, k->params[s->param].decl->name.id, s->axis);
        if (s->specialized)
            fprintf(out, " = %lld (-D)", (long long)s->value);
        fputs(s->ctparam >= 0 ? " (compile-time parameter)\n" : "\n", out);
    }
    for (int i = 0; i < k->nparams; i++) {
        const dgk_sema_param *p = &k->params[i];
        fprintf(out, "  param %s: %s %s", p->decl->name.id, p->is_tensor ? "tensor" : "scalar", dgk_type_str(a, p->type));
        if (p->scales.present)
            fprintf(out, " scales(%s, %lld, %lld)%s", k->params[p->scales.of].decl->name.id,
                    (long long)p->scales.block_rows, (long long)p->scales.block_cols,
                    p->scales.mn_major ? " mn-major" : "");
        fputc('\n', out);
    }
}

static void schedule(const dgk_sema_kernel *k, dgk_arena *a, FILE *out)
{
    const dgk_sema_sched *s = &k->sched;
    if (!s->stmt)
        return;
    fprintf(out, "  schedule %s (", dgk_sched_kind_name(s->kind));
    for (int i = 0; i < s->nextents; i++)
        fprintf(out, "%s%s", i ? ", " : "", dgk_expr_text(a, s->extents[i]));
    fputc(')', out);
    for (int m = 0; m < DGK_SMOD_COUNT; m++) {
        if (!s->mods[m].given)
            continue;
        if (s->mods[m].mod && s->mods[m].param >= 0 && s->mods[m].mod->value->kind == DGK_EXPR_NAME &&
            s->mods[m].mod->value->u.name.sym && s->mods[m].mod->value->u.name.sym->kind == DGK_SYM_TENSOR)
            fprintf(out, " %s %s", dgk_sched_mod_name((dgk_sched_mod_kind)m), k->params[s->mods[m].param].decl->name.id);
        else
            fprintf(out, " %s %lld", dgk_sched_mod_name((dgk_sched_mod_kind)m), (long long)s->mods[m].value);
    }
    fputs(" ->", out);
    for (int i = 0; i < s->nvars; i++)
        fprintf(out, "%s%s", i ? ", " : " ", s->vars[i] ? s->vars[i]->name : "?");
    fputc('\n', out);
}

static void operand(const dgk_sema_kernel *k, const char *nm, const dgk_sema_operand *o, FILE *out)
{
    fprintf(out, " %s=%s%s %s-major", nm, k->params[o->param].decl->name.id, o->transposed ? "^T" : "",
            o->k_major ? "K" : "MN");
}

static void mmas(const dgk_sema_kernel *k, FILE *out)
{
    for (const dgk_sema_mma *m = k->mmas; m; m = m->next) {
        fprintf(out, "  mma %d:%d m%lld n%lld k%lld", m->call->loc.line, m->call->loc.col, (long long)m->m,
                (long long)m->n, (long long)m->k);
        operand(k, "a", &m->a, out);
        operand(k, "b", &m->b, out);
        fputc('\n', out);
    }
}

static void promotes(const dgk_stmt *st, FILE *out)
{
    for (; st; st = st->next) {
        if (st->kind == DGK_STMT_ASSIGN && st->u.assign.promote) {
            const dgk_sema_promote *p = st->u.assign.promote;
            fprintf(out, "  promote %d:%d mma %d:%d", st->loc.line, st->loc.col, p->mma->call->loc.line,
                    p->mma->call->loc.col);
            for (int i = 0; i < p->nscales; i++)
                fprintf(out, " %s->%s", p->scales[i].slice->u.index.base->u.name.id, p->scales[i].operand ? "b" : "a");
            fputc('\n', out);
        }
        if (st->kind == DGK_STMT_PIPELINE || st->kind == DGK_STMT_FOR)
            promotes(st->u.loop.body, out);
        if (st->kind == DGK_STMT_IF) {
            promotes(st->u.if_.then_body, out);
            promotes(st->u.if_.else_body, out);
        }
    }
}

void dgk_sema_print(const dgk_module *m, dgk_arena *a, FILE *out)
{
    for (const dgk_kernel *kn = m ? m->kernels : NULL; kn; kn = kn->next) {
        const dgk_sema_kernel *k = kn->info;
        fprintf(out, "kernel %s\n", kn->name.id);
        if (!k)
            continue;
        params(k, a, out);
        schedule(k, a, out);
        if (k->pipeline)
            fprintf(out, "  pipeline %s at %d:%d\n", k->pipeline->u.loop.var.id, k->pipeline->loc.line,
                    k->pipeline->loc.col);
        mmas(k, out);
        promotes(kn->body, out);
    }
}
