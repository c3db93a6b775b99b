/* sema.c - the checker's driver. For each kernel in source order: a scope for its
 * signature (compile-time parameters, runtime parameters and shape symbols, scales
 * attributes, constraints), then its body; the facts found go into a dgk_sema_kernel
 * hung on the kernel (sema.h lists them). -D names no kernel declares are reported at
 * the end. Input: the parser's module; output: the annotated module and the error
 * count. */
#include "sema_int.h"

#include <string.h>

static void kernel_name(sema *s, dgk_kernel *k)
{
    for (dgk_sym *p = s->kernel_names; p; p = p->next)
        if (strcmp(p->name, k->name.id) == 0) {
            dgk_error(s->d, k->name.loc, "redefinition of kernel '%s'", k->name.id);
            dgk_note(s->d, p->loc, "previously defined here");
            return;
        }
    dgk_sym *y = DGK_NEW(s->a, dgk_sym);
    if (!y)
        return;
    y->name = k->name.id;
    y->loc = k->name.loc;
    y->index = -1;
    y->next = s->kernel_names;
    s->kernel_names = y;
}

static void kernel(sema *s, dgk_kernel *k)
{
    dgk_sema_kernel *info = DGK_NEW(s->a, dgk_sema_kernel);
    if (!info)
        return;
    info->kernel = k;
    k->info = info;
    s->k = k;
    s->info = info;
    s->scope = NULL;
    s->depth = 0;
    s->nest = 0;
    s->in_pipeline = 0;
    s->first_pipeline = NULL;
    s->mma_tail = &info->mmas;
    kernel_name(s, k);
    sema_push(s);
    sema_ctparams(s);
    sema_params(s);
    sema_constraints(s); /* before scales: a scale extent may rely on `where K % 128 == 0` */
    sema_scales_attrs(s);
    sema_body(s, k->body);
    sema_pop(s);
}

int dgk_sema_check(dgk_module *m, const dgk_define *defines, dgk_diags *d, dgk_arena *a)
{
    sema s;
    memset(&s, 0, sizeof s);
    s.a = a;
    s.d = d;
    int before = d->nerrors;
    sema_globals_init(&s);
    sema_defines_init(&s, defines);
    for (dgk_kernel *k = m ? m->kernels : NULL; k; k = k->next)
        kernel(&s, k);
    sema_defines_finish(&s);
    if (a->failed)
        dgk_error(d, dgk_loc_make(NULL, 0, 0), "out of memory while checking");
    return d->nerrors - before;
}
