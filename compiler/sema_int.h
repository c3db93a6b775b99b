/* sema_int.h - what the checker's files share: the checking context and each file's
 * entry points. Not for use outside compiler/sema_*.c.
 *
 *   sema.c          driver: module and kernel order, the per-kernel info
 *   sema_scope.c    symbols, scopes, redeclaration and shadowing errors
 *   sema_const.c    compile-time evaluation; -D parsing and lookup
 *   sema_affine.c   affine index forms, to prove two index expressions equal
 *   sema_param.c    compile-time parameters, tensor/scalar parameters, shape symbols,
 *                   constraints
 *   sema_scales.c   the scales(...) attribute and the scale tensor's shape
 *   sema_expr.c     typing of operators, names, casts, conditionals
 *   sema_index.c    slices of tensors, type expressions, reshapes of tiles
 *   sema_builtin.c  typing of builtin calls
 *   sema_mma.c      mma operand rules (dtype, K, layout on SM90)
 *   sema_promote.c  the FP8 promotion form and its scale indexing
 *   sema_stmt.c     statements
 *   sema_sched.c    the schedule statement */
#ifndef DGK_SEMA_INT_H
#define DGK_SEMA_INT_H

#include "builtins.h"
#include "sema.h"

/* One -D after parsing its value once. */
typedef struct sema_define {
    const dgk_define *def;
    dgk_source src;          /* "<command line>" holding "-D NAME=VALUE" for carets */
    int used;                /* some kernel has a parameter or shape symbol by this name */
    int reported;            /* an error about its value was already given */
    int is_int, is_bool;
    int64_t i;
    dgk_dtype dt;            /* DGK_DT_NONE unless VALUE names a dtype */
} sema_define;

typedef struct sema {
    dgk_arena *a;
    dgk_diags *d;
    sema_define *defs;
    int ndefs;
    dgk_sym *dtype_syms[DGK_DT_COUNT];
    dgk_sym *builtin_syms[DGK_BI_COUNT];
    dgk_sym *kernel_names;   /* the module's kernels, for duplicate names */

    /* per kernel */
    dgk_kernel *k;
    dgk_sema_kernel *info;
    dgk_sym *scope;          /* innermost first */
    int depth;               /* 1 = kernel parameters, 2 = kernel body, ... */
    int nest;                /* enclosing for/if/pipeline statements */
    int in_pipeline;
    int stmt_index;
    int expr_depth;          /* recursion guard for absurdly nested input */          /* position of the statement at the body's top level */
    const dgk_stmt *first_pipeline;
    dgk_sema_mma **mma_tail;
} sema;

/* sema_scope.c */
void sema_globals_init(sema *s);
dgk_sym *sema_lookup(sema *s, const char *name);
/* Declares `name` at `loc` in the innermost scope. Reports a redeclaration, a shadowed
 * outer name or a taken dtype/builtin name (with a note at the earlier declaration)
 * and still returns a fresh symbol so checking goes on. */
dgk_sym *sema_declare(sema *s, dgk_sym_kind kind, const char *name, dgk_loc loc, dgk_type *type);
void sema_push(sema *s);
void sema_pop(sema *s);

/* sema_const.c */
/* Evaluates a compile-time expression; returns 1 and fills *v, or 0 if `e` is not
 * constant (a runtime name, a division by zero, an overflow). Silent: callers report. */
int sema_const(sema *s, const dgk_expr *e, dgk_ct_value *v);
int sema_const_int(sema *s, const dgk_expr *e, int64_t *v);
void sema_defines_init(sema *s, const dgk_define *defs);
/* The -D for `name`, marked used, or NULL. */
sema_define *sema_define_find(sema *s, const char *name);
/* Converts a -D to a value of kind `want`; reports a mismatch at the define. */
int sema_define_value(sema *s, sema_define *d, dgk_ct_kind want, const char *what, dgk_ct_value *v);
void sema_defines_finish(sema *s);
dgk_loc sema_define_loc(const sema_define *d, int at_value);

/* sema_affine.c: index expressions as sum(coef * atom) + const. */
typedef struct sema_aff sema_aff;
sema_aff *sema_aff_of(sema *s, const dgk_expr *e);
sema_aff *sema_aff_const(sema *s, int64_t c);
sema_aff *sema_aff_floordiv(sema *s, const sema_aff *x, int64_t d);
sema_aff *sema_aff_ceildiv(sema *s, const sema_aff *x, int64_t d);
int sema_aff_equal(const sema_aff *x, const sema_aff *y);
/* 1 if x is known to be a multiple of d (its terms and constant are). */
int sema_aff_multiple_of(const sema_aff *x, int64_t d);
/* 1 if the form is a single constant (writes it). */
int sema_aff_is_const(const sema_aff *x, int64_t *c);

/* sema_param.c */
void sema_ctparams(sema *s);
void sema_params(sema *s);
void sema_constraints(sema *s);
/* 1 if the kernel's where-clauses state `e % d == 0` for some multiple of d. */
int sema_constraint_divides(sema *s, const sema_aff *e, int64_t d);

/* sema_scales.c */
void sema_scales_attrs(sema *s);

/* sema_expr.c */
dgk_type *sema_expr(sema *s, dgk_expr *e);
/* Types `e` and requires a VALUE (a scalar or tile): a tensor or dtype is reported
 * with `what` naming the position; returns ERROR then. */
dgk_type *sema_value(sema *s, dgk_expr *e, const char *what);
/* Requires a scalar integer; `what` names it in the message. */
dgk_type *sema_scalar_int(sema *s, dgk_expr *e, const char *what);
/* Requires a compile-time integer, >= lo; returns 1 and the value. */
int sema_ct_int(sema *s, dgk_expr *e, const char *what, int64_t lo, int64_t *out);
/* The common dtype of two VALUE operands per SPEC.md 3, or reports at loc. */
int sema_unify(sema *s, dgk_loc loc, const dgk_type *x, const dgk_type *y, const char *what, dgk_dtype *out,
               int *weak);
/* Broadcasts two VALUE shapes; reports at loc with both types. */
dgk_type *sema_broadcast(sema *s, dgk_loc loc, const dgk_type *x, const dgk_type *y, dgk_dtype dt, int weak,
                         const char *what);
/* Whether a value of type `from` may be stored where `to`'s dtype is wanted. */
int sema_assignable(const dgk_type *from, dgk_dtype to);
/* The symbol of a NAME expression, or NULL. */
dgk_sym *sema_name_sym(const dgk_expr *e);
int sema_is_numeric(dgk_dtype t);

/* sema_index.c */
dgk_type *sema_index(sema *s, dgk_expr *e);
dgk_type *sema_transpose(sema *s, dgk_expr *e);
/* The tensor parameter a slice reads (an INDEX whose base names a tensor), or NULL. */
dgk_sym *sema_slice_tensor(const dgk_expr *e);

/* sema_builtin.c */
dgk_type *sema_call(sema *s, dgk_expr *e);

/* sema_mma.c */
dgk_type *sema_mma(sema *s, dgk_expr *call, dgk_type *ta, dgk_type *tb);
dgk_sema_mma *sema_mma_site(sema *s, const dgk_expr *call);

/* sema_promote.c */
void sema_promote(sema *s, dgk_stmt *st);

/* sema_stmt.c */
void sema_block(sema *s, dgk_stmt *body);
void sema_body(sema *s, dgk_stmt *body);

/* sema_sched.c */
void sema_schedule(sema *s, dgk_stmt *st);
void sema_schedule_missing(sema *s);

#endif
