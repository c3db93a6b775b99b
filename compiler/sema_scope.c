/* sema_scope.c - symbols and scopes. The global names (dtypes from dgk_dtypes.def, builtins
 * from builtins.def) are made once per check; each kernel pushes a scope for its
 * parameters, its body and every nested block. A name may be declared once among all
 * visible scopes: a kernel is small, and a shadowed name in a kernel is a bug more often
 * than a choice, so shadowing is an error (SPEC.md section 8). */
#include "sema_int.h"

#include <string.h>

static const char *const kind_names[] = {
#define X(id, s) s,
    DGK_SYM_KINDS(X)
#undef X
};

const char *dgk_sym_kind_name(dgk_sym_kind k)
{
    return (unsigned)k < DGK_SYM_COUNT ? kind_names[k] : "symbol";
}

static dgk_sym *global(sema *s, dgk_sym_kind kind, const char *name, int index, dgk_type *type)
{
    dgk_sym *g = DGK_NEW(s->a, dgk_sym);
    if (!g)
        return NULL;
    g->kind = kind;
    g->name = name;
    g->index = index;
    g->type = type;
    return g;
}

void sema_globals_init(sema *s)
{
    for (int t = 1; t < DGK_DT_COUNT; t++)
        s->dtype_syms[t] = global(s, DGK_SYM_DTYPE, dgk_dtype_name((dgk_dtype)t), t,
                                  dgk_type_new(s->a, DGK_TYPE_DTYPE, (dgk_dtype)t, 0));
    for (int b = 0; b < DGK_BI_COUNT; b++)
        s->builtin_syms[b] = global(s, DGK_SYM_BUILTIN, dgk_builtin_info_of((dgk_builtin)b)->name, b, NULL);
}

static dgk_sym *lookup_global(sema *s, const char *name)
{
    dgk_dtype t = dgk_dtype_lookup(name, strlen(name));
    if (t != DGK_DT_NONE)
        return s->dtype_syms[t];
    dgk_builtin b = dgk_builtin_lookup(name);
    return b != DGK_BI_COUNT ? s->builtin_syms[b] : NULL;
}

dgk_sym *sema_lookup(sema *s, const char *name)
{
    for (dgk_sym *p = s->scope; p; p = p->next)
        if (strcmp(p->name, name) == 0)
            return p;
    return lookup_global(s, name);
}

static void report_clash(sema *s, const dgk_sym *old, const char *name, dgk_loc loc)
{
    if (old->kind == DGK_SYM_DTYPE || old->kind == DGK_SYM_BUILTIN) {
        dgk_error(s->d, loc, "'%s' is the name of a %s; choose another name", name, dgk_sym_kind_name(old->kind));
        return;
    }
    if (old->depth == s->depth)
        dgk_error(s->d, loc, "redeclaration of '%s'", name);
    else
        dgk_error(s->d, loc, "'%s' shadows the %s declared in an enclosing scope; choose another name", name,
                  dgk_sym_kind_name(old->kind));
    dgk_note(s->d, old->loc, "previously declared here as a %s", dgk_sym_kind_name(old->kind));
}

dgk_sym *sema_declare(sema *s, dgk_sym_kind kind, const char *name, dgk_loc loc, dgk_type *type)
{
    dgk_sym *old = sema_lookup(s, name);
    if (old)
        report_clash(s, old, name, loc);
    /* A name taken from a dtype or builtin stays unbound: later uses mean the dtype or
     * builtin, so they should not fail again. */
    int detached = old && (old->kind == DGK_SYM_DTYPE || old->kind == DGK_SYM_BUILTIN);
    dgk_sym *n = DGK_NEW(s->a, dgk_sym);
    if (!n)
        return NULL;
    n->kind = kind;
    n->name = name;
    n->loc = loc;
    n->type = type ? type : dgk_type_error();
    n->index = -1;
    n->depth = s->depth;
    if (!detached) {
        n->next = s->scope;
        s->scope = n;
    }
    return n;
}

/* Symbols enter the chain at its head with the current depth, so leaving a scope
 * drops every symbol of that depth from the head. */
void sema_push(sema *s)
{
    s->depth++;
}

void sema_pop(sema *s)
{
    while (s->scope && s->scope->depth >= s->depth)
        s->scope = s->scope->next;
    s->depth--;
}
