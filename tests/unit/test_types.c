/* test_types.c - Check tests for compiler/types.c and compiler/expr_text.c: type
 * constructors, printing, equality, broadcasting, and source-like expression text. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "compiler/types.h"

static dgk_arena arena;

static void setup(void)
{
    dgk_arena_init(&arena);
}

static void teardown(void)
{
    dgk_arena_free(&arena);
}

static dgk_expr *name(const char *id)
{
    dgk_expr *e = dgk_expr_new(&arena, DGK_EXPR_NAME, dgk_loc_make(NULL, 1, 1));
    e->u.name.id = id;
    return e;
}

static dgk_expr *num(uint64_t v)
{
    dgk_expr *e = dgk_expr_new(&arena, DGK_EXPR_INT, dgk_loc_make(NULL, 1, 1));
    e->u.i.value = v;
    return e;
}

static dgk_expr *bin(dgk_op op, dgk_expr *l, dgk_expr *r)
{
    dgk_expr *e = dgk_expr_new(&arena, DGK_EXPR_BINARY, dgk_loc_make(NULL, 1, 1));
    e->u.binary.op = op;
    e->u.binary.l = l;
    e->u.binary.r = r;
    return e;
}

static dgk_expr *call2(const char *f, dgk_expr *a, dgk_expr *b)
{
    dgk_expr *e = dgk_expr_new(&arena, DGK_EXPR_CALL, dgk_loc_make(NULL, 1, 1));
    e->u.call.callee = name(f);
    e->u.call.args = a;
    a->next = b;
    e->u.call.nargs = 2;
    return e;
}

static dgk_type *tile2(dgk_dtype dt, int64_t a, int64_t b)
{
    int64_t ext[2] = {a, b};
    return dgk_type_tile(&arena, dt, 2, ext);
}

START_TEST(test_print_tiles_and_scalars)
{
    ck_assert_str_eq(dgk_type_str(&arena, tile2(DGK_DT_F32, 128, 64)), "f32[128, 64]");
    ck_assert_str_eq(dgk_type_str(&arena, dgk_type_scalar(&arena, DGK_DT_I32)), "i32");
    ck_assert_str_eq(dgk_type_str(&arena, dgk_type_error()), "<error>");
    ck_assert_str_eq(dgk_shape_str(&arena, dgk_type_scalar(&arena, DGK_DT_BF16)), "[]");
    dgk_type *d = dgk_type_with_kind(&arena, tile2(DGK_DT_BF16, 2, 3), DGK_TYPE_DTYPE);
    ck_assert_str_eq(dgk_type_str(&arena, d), "dtype bf16[2, 3]");
}
END_TEST

START_TEST(test_print_symbolic)
{
    dgk_type *t = dgk_type_new(&arena, DGK_TYPE_TENSOR, DGK_DT_E4M3, 2);
    t->ext[0].expr = name("M");
    t->ext[1].expr = bin(DGK_OP_DIV, name("K"), num(128));
    ck_assert_str_eq(dgk_type_str(&arena, t), "e4m3[M, K / 128]");
    t->ext[1].known = 1;
    t->ext[1].value = 56;
    ck_assert_str_eq(dgk_type_str(&arena, t), "e4m3[M, 56]");
}
END_TEST

START_TEST(test_expr_text_parenthesizes_by_precedence)
{
    ck_assert_str_eq(dgk_expr_text(&arena, bin(DGK_OP_MUL, bin(DGK_OP_ADD, name("a"), name("b")), name("c"))),
                     "(a + b) * c");
    ck_assert_str_eq(dgk_expr_text(&arena, bin(DGK_OP_ADD, name("a"), bin(DGK_OP_MUL, name("b"), name("c")))),
                     "a + b * c");
    ck_assert_str_eq(dgk_expr_text(&arena, bin(DGK_OP_SUB, name("a"), bin(DGK_OP_SUB, name("b"), name("c")))),
                     "a - (b - c)");
    ck_assert_str_eq(dgk_expr_text(&arena, bin(DGK_OP_SUB, bin(DGK_OP_SUB, name("a"), name("b")), name("c"))),
                     "a - b - c");
    ck_assert_str_eq(dgk_expr_text(&arena, call2("cdiv", name("N"), num(128))), "cdiv(N, 128)");
}
END_TEST

START_TEST(test_equality)
{
    ck_assert(dgk_type_equal(tile2(DGK_DT_F32, 4, 8), tile2(DGK_DT_F32, 4, 8)));
    ck_assert(!dgk_type_equal(tile2(DGK_DT_F32, 4, 8), tile2(DGK_DT_F32, 8, 4)));
    ck_assert(!dgk_type_equal(tile2(DGK_DT_F32, 4, 8), tile2(DGK_DT_BF16, 4, 8)));
    dgk_type *x = dgk_type_new(&arena, DGK_TYPE_TENSOR, DGK_DT_F32, 1);
    dgk_type *y = dgk_type_new(&arena, DGK_TYPE_TENSOR, DGK_DT_F32, 1);
    x->ext[0].expr = call2("cdiv", name("K"), num(128));
    y->ext[0].expr = call2("cdiv", name("K"), num(128));
    ck_assert(dgk_type_equal(x, y));
    y->ext[0].expr = call2("cdiv", name("K"), num(64));
    ck_assert(!dgk_type_equal(x, y));
}
END_TEST

START_TEST(test_broadcast)
{
    int64_t out[DGK_MAX_RANK];
    int rank = -1, bad = -1;
    int64_t one[1] = {64};
    dgk_type *row = dgk_type_tile(&arena, DGK_DT_F32, 1, one);
    ck_assert(dgk_broadcast_shape(tile2(DGK_DT_F32, 128, 64), row, out, &rank, &bad));
    ck_assert_int_eq(rank, 2);
    ck_assert_int_eq(out[0], 128);
    ck_assert_int_eq(out[1], 64);
    ck_assert(dgk_broadcast_shape(tile2(DGK_DT_F32, 128, 1), tile2(DGK_DT_F32, 1, 32), out, &rank, &bad));
    ck_assert_int_eq(out[0], 128);
    ck_assert_int_eq(out[1], 32);
    ck_assert(dgk_broadcast_shape(dgk_type_scalar(&arena, DGK_DT_F32), row, out, &rank, &bad));
    ck_assert_int_eq(rank, 1);
    ck_assert(!dgk_broadcast_shape(tile2(DGK_DT_F32, 128, 64), tile2(DGK_DT_F32, 64, 128), out, &rank, &bad));
    ck_assert_int_eq(bad, 0);
    ck_assert(!dgk_broadcast_shape(tile2(DGK_DT_F32, 128, 32), row, out, &rank, &bad));
    ck_assert_int_eq(bad, 1);
}
END_TEST

START_TEST(test_with_dtype_clears_weak)
{
    dgk_type *w = dgk_type_weak(&arena, DGK_DT_I32);
    ck_assert(w->weak);
    dgk_type *s = dgk_type_with_dtype(&arena, w, DGK_DT_I64);
    ck_assert(!s->weak);
    ck_assert_int_eq(s->dtype, DGK_DT_I64);
    ck_assert(dgk_type_is_scalar(s));
    ck_assert(!dgk_type_is_tile(s));
    ck_assert(dgk_type_is_error(dgk_type_with_dtype(&arena, dgk_type_error(), DGK_DT_F32)));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tcase_create("print");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_print_tiles_and_scalars);
    tcase_add_test(tc, test_print_symbolic);
    tcase_add_test(tc, test_expr_text_parenthesizes_by_precedence);
    suite_add_tcase(s, tc);
    tc = tcase_create("compare");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_equality);
    tcase_add_test(tc, test_broadcast);
    tcase_add_test(tc, test_with_dtype_clears_weak);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
