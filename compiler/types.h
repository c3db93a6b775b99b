/* types.h - what sema knows about a value: its dtype and its shape.
 * Made by sema (compiler/sema_*.c) and hung on every dgk_expr's `type`; read by the IR
 * builder and by diagnostics, which print types as `f32[128, 64]` or `e4m3[M, K]`.
 *
 * Kinds:
 *   ERROR   an expression that already produced an error. Every rule that meets one
 *           returns ERROR without reporting, so one mistake gives one message.
 *   VALUE   a scalar (rank 0) or a register tile (rank >= 1, every extent a
 *           compile-time integer).
 *   TENSOR  a global-memory tensor parameter; its extents may be symbolic.
 *   DTYPE   a dtype written where an expression goes: `f32` (rank 0) or the type
 *           expression `f32[BM, BN]` that zeros()/full() take.
 * A VALUE may be *weak*: an untyped literal (or a compile-time int parameter, which
 * behaves like one) whose dtype yields to the other operand's (SPEC.md section 3). */
#ifndef DGK_TYPES_H
#define DGK_TYPES_H

#include <stdint.h>

#include "../dsl/ast.h"
#include "../dsl/dtype.h"
#include "arena.h"

enum { DGK_MAX_RANK = 8 };

/* One axis. known: `value` is the extent. Otherwise `expr` is the symbolic extent as
 * written in the parameter list (an expression over shape symbols and compile-time
 * parameters). `expr` is kept for known extents too when they came from source. */
typedef struct dgk_extent {
    int known;
    int64_t value;
    const dgk_expr *expr;
} dgk_extent;

#define DGK_TYPE_KINDS(X) X(ERROR, "error") X(VALUE, "value") X(TENSOR, "tensor") X(DTYPE, "dtype")

typedef enum dgk_type_kind {
#define X(id, s) DGK_TYPE_##id,
    DGK_TYPE_KINDS(X)
#undef X
} dgk_type_kind;

typedef struct dgk_type {
    dgk_type_kind kind;
    dgk_dtype dtype;
    int weak;             /* VALUE: an untyped literal's dtype (i32/i64/f32), yields */
    int rank;
    dgk_extent *ext;      /* rank entries, outermost first */
} dgk_type;

/* The shared ERROR type (never NULL, never written). */
dgk_type *dgk_type_error(void);
/* Constructors. They return dgk_type_error() when the arena is out of memory. */
dgk_type *dgk_type_scalar(dgk_arena *a, dgk_dtype dt);
dgk_type *dgk_type_weak(dgk_arena *a, dgk_dtype dt);
dgk_type *dgk_type_tile(dgk_arena *a, dgk_dtype dt, int rank, const int64_t *ext);
dgk_type *dgk_type_new(dgk_arena *a, dgk_type_kind kind, dgk_dtype dt, int rank);
/* A copy with another dtype (and weak cleared) / another kind. */
dgk_type *dgk_type_with_dtype(dgk_arena *a, const dgk_type *t, dgk_dtype dt);
dgk_type *dgk_type_with_kind(dgk_arena *a, const dgk_type *t, dgk_type_kind kind);

int dgk_type_is_error(const dgk_type *t);
int dgk_type_is_scalar(const dgk_type *t);       /* VALUE of rank 0 */
int dgk_type_is_tile(const dgk_type *t);         /* VALUE of rank >= 1 */
/* Same kind, dtype, rank and extents (symbolic extents compared as written). */
int dgk_type_equal(const dgk_type *x, const dgk_type *y);
int dgk_type_same_shape(const dgk_type *x, const dgk_type *y);
/* Structural equality of two extent expressions: the same tree with the same names. */
int dgk_extent_expr_equal(const dgk_expr *x, const dgk_expr *y);

/* NumPy broadcasting of two VALUE shapes (aligned at the right; an extent of 1
 * stretches). Writes the result into out[] (*out_rank axes) and returns 1, or returns 0
 * and sets *bad_axis to the first axis (counted in the result, from the left) where
 * the extents differ and neither is 1. */
int dgk_broadcast_shape(const dgk_type *x, const dgk_type *y, int64_t *out, int *out_rank, int *bad_axis);

/* `f32[128, 64]`, `e4m3[M, K]`, `i32`, `dtype bf16`, `<error>`: an arena string. */
const char *dgk_type_str(dgk_arena *a, const dgk_type *t);
/* The shape alone: `[128, 64]`, `[]` for a scalar. */
const char *dgk_shape_str(dgk_arena *a, const dgk_type *t);

/* Source-like text of an expression for messages: `K / 128`, `cdiv(N, BN)`. */
const char *dgk_expr_text(dgk_arena *a, const dgk_expr *e);

#endif
