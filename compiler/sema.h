/* sema.h - the checker: names, dtypes, symbolic shapes, compile-time parameters,
 * constraints, mma/scale/schedule rules. Input: the parser's AST. Output: the same AST
 * with every expression's `type` and every name's `sym` filled in, plus per-kernel facts
 * the IR builder reads. Every error is reported through dgk_diags; checking goes on
 * after an error so one run reports all it can. */
#ifndef DGK_SEMA_H
#define DGK_SEMA_H

#include "../dsl/ast.h"
#include "diag.h"

/* One -D NAME=VALUE, in command-line order. */
typedef struct dgk_define {
    const char *name;
    const char *value;
    struct dgk_define *next;
} dgk_define;

/* Returns the number of errors found (0 = the module is well-formed). */
int dgk_sema_check(dgk_module *m, const dgk_define *defines, dgk_diags *d, dgk_arena *a);

#endif
