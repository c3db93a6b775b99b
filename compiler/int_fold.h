/* int_fold.h - integer constant folding with C semantics, shared by the checker's
 * compile-time evaluation (sema_const.c, over AST expressions) and the tile IR's constant
 * folding (ir_build.c, over IR ops), so the two agree on what a constant is. */
#ifndef DGK_INT_FOLD_H
#define DGK_INT_FOLD_H

#include <stdint.h>

#include "../dsl/ast.h"

/* x op y for + - * / % << >> & | ^ (division toward zero). Returns 0, leaving *r alone,
 * for any other op, on overflow, a zero divisor or a shift out of range: the callers turn
 * that into "not a constant". */
int dgk_int_arith(dgk_op op, int64_t x, int64_t y, int64_t *r);

/* op x for unary - and ~. Returns 0, leaving *r alone, for any other op or on overflow
 * (-INT64_MIN). */
int dgk_int_unary(dgk_op op, int64_t x, int64_t *r);

/* x op y for == != < <= > >=, as 0 or 1. Returns 0 for any other op. */
int dgk_int_compare(dgk_op op, int64_t x, int64_t y, int *r);

#endif
