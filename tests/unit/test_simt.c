/* test_simt.c - elementwise kernels (plan_simt.c, emit_simt.c) on small sources written
 * here: the generated code keeps global loads and stores of one tensor in program order
 * across threads, `+=` keeps the cast of its addend, reductions start from their type's
 * identity, integer builtins compile,
 * stored slices count as tiles (threads, size limit), and what the launch or the
 * generated names cannot take is an error at the source.
 * NVRTC compiles the generated code (no GPU needed). */
#include <nvrtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgkc.h"
#include "check_main.h"
#include "sm90_nvrtc.h"

static void compiles(const char *cu);

/* Emits the one kernel of `src`; NULL (with the diagnostics in *diag) when it fails. */
static const char *emit(const char *src, char *diag, size_t n)
{
    dgkc_unit *u = dgkc_unit_new("t.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    const char *cu = NULL;
    int st = dgkc_emit_kernel(u, "sm_90a", 0, &cu, NULL);
    diag[0] = 0;
    FILE *f = fmemopen(diag, n, "w");
    ck_assert_ptr_nonnull(f);
    dgkc_print_diagnostics(u, f);
    fclose(f);
    static char copy[1 << 17];
    if (st != DGKC_OK || !cu) {
        dgkc_unit_free(u);
        return NULL;
    }
    ck_assert_uint_lt(strlen(cu), sizeof copy);
    strcpy(copy, cu);
    dgkc_unit_free(u);
    return copy;
}

static const char *emit_ok(const char *src)
{
    static char diag[4096];
    const char *cu = emit(src, diag, sizeof diag);
    ck_assert_msg(cu != NULL, "emit failed: %s", diag);
    return cu;
}

/* Whether a barrier lies between the first occurrences of `a` and then `b` in cu. */
static int barrier_between(const char *cu, const char *a, const char *b)
{
    const char *x = strstr(cu, a);
    ck_assert_msg(x != NULL, "no \"%s\" in the generated code", a);
    const char *y = strstr(x + 1, b);
    ck_assert_msg(y != NULL, "no \"%s\" after \"%s\" in the generated code", b, a);
    const char *s = strstr(x, "__syncthreads()");
    return s && s < y;
}

/* A single element stored by thread 0 and then read by every thread: the readers must
 * wait for the store. */
START_TEST(store_then_load_waits)
{
    const char *cu = emit_ok("kernel k(X : f32[M], Y : f32[M])\n"
                             "{\n"
                             "    schedule grid (1) -> (i);\n"
                             "    X[0] = 5.0;\n"
                             "    Y[0 +: 128] = X[0 +: 128];\n"
                             "}\n");
    ck_assert(barrier_between(cu, "dgk_put(ptr_X", "*((ptr_X"));
}
END_TEST

/* A slice shifted by one over itself: thread t writes what thread t + 1 reads. */
START_TEST(load_then_overlapping_store_waits)
{
    const char *cu = emit_ok("kernel k(X : f32[M])\n"
                             "{\n"
                             "    schedule grid (cdiv(M, 128)) -> (i);\n"
                             "    let x = X[i*128 +: 128];\n"
                             "    X[i*128 + 1 +: 128] = x * 2.0;\n"
                             "}\n");
    ck_assert(barrier_between(cu, "*((ptr_X", "dgk_put(ptr_X"));
}
END_TEST

/* Two stores that may hit one address from different threads keep their order. */
START_TEST(overlapping_stores_wait)
{
    const char *cu = emit_ok("kernel k(X : f32[M], Y : f32[M])\n"
                             "{\n"
                             "    schedule grid (cdiv(M, 128)) -> (i);\n"
                             "    Y[i*128 +: 128] = X[i*128 +: 128];\n"
                             "    Y[i*128 + 5] = 1.0;\n"
                             "}\n");
    ck_assert(barrier_between(cu, "dgk_put(ptr_Y", "if (tid == 0"));
}
END_TEST

/* The same slice read and written (its starts computed twice): each thread touches only
 * its own elements, so no barrier is needed and none is there. */
START_TEST(same_slice_in_place_needs_no_barrier)
{
    const char *cu = emit_ok("kernel k(X : f32[M])\n"
                             "{\n"
                             "    schedule grid (cdiv(M, 128)) -> (i);\n"
                             "    let x = X[i*128 +: 128];\n"
                             "    X[i*128 +: 128] = x * 2.0;\n"
                             "    X[i*128 +: 128] += 1.0;\n"
                             "}\n");
    ck_assert_ptr_null(strstr(cu, "__syncthreads"));
}
END_TEST

/* Slices that cannot meet need no barrier: an unrolled loop's stores to different
 * columns, and slices whose starts differ by at least their length; an overlap by one
 * element still waits. */
START_TEST(disjoint_slices_need_no_barrier)
{
    const char *cu = emit_ok("kernel k(X : f32[M, 512], Y : f32[M, 4])\n"
                             "{\n"
                             "    schedule grid (cdiv(M, 8)) -> (i);\n"
                             "    for b in 0 .. 4 { Y[i*8 +: 8, b] = amax(X[i*8 +: 8, b*128 +: 128], 1); }\n"
                             "}\n");
    ck_assert_ptr_null(strstr(cu, "in program order"));
    cu = emit_ok("kernel k(X : f32[M])\n"
                 "{\n"
                 "    schedule grid (cdiv(M, 256)) -> (i);\n"
                 "    X[i*256 + 128 +: 128] = X[i*256 +: 128] * 2.0;\n"
                 "    X[i*256 - 5 +: 5] = 0.0;\n"
                 "}\n");
    ck_assert_ptr_null(strstr(cu, "in program order"));
    cu = emit_ok("kernel k(X : f32[M])\n"
                 "{\n"
                 "    schedule grid (cdiv(M, 256)) -> (i);\n"
                 "    X[i*256 + 127 +: 128] = X[i*256 +: 128] * 2.0;\n"
                 "}\n");
    ck_assert_ptr_nonnull(strstr(cu, "in program order"));
}
END_TEST

/* `Y += bf16(x)` rounds x to bf16 before the sum (then the sum to bf16): with Y = 1 and
 * x = 2^-8 + 2^-17 that gives 1, not 1 + 2^-7. Only `Y = bf16(x)` leaves the rounding to
 * the store. */
START_TEST(accumulating_store_keeps_the_cast)
{
    const char *cu = emit_ok("kernel k(X : f32[M], Y : bf16[M])\n"
                             "{\n"
                             "    schedule grid (cdiv(M, 128)) -> (i);\n"
                             "    Y[i*128 +: 128] += bf16(X[i*128 +: 128]);\n"
                             "}\n");
    ck_assert_ptr_nonnull(strstr(cu, "dgk_round_bf16("));
    cu = emit_ok("kernel k(X : f32[M], Y : bf16[M])\n"
                 "{\n"
                 "    schedule grid (cdiv(M, 128)) -> (i);\n"
                 "    Y[i*128 +: 128] = bf16(X[i*128 +: 128]);\n"
                 "}\n");
    ck_assert_ptr_null(strstr(cu, "dgk_round_bf16("));
    compiles(cu);
}
END_TEST

/* A cast stored through a broadcast (a [64] value into a [1, 64] slice) is read from the
 * cast's shared copy: its operand has none (the store read `smem + -1`). */
START_TEST(broadcast_store_of_a_cast_reads_its_copy)
{
    const char *cu = emit_ok("kernel k(X : f32[M, 64], Y : bf16[M, 64])\n"
                             "{\n"
                             "    schedule grid (M) -> (i);\n"
                             "    let x = X[i, :] * 2.0;\n"
                             "    Y[i +: 1, :] = bf16(x);\n"
                             "}\n");
    ck_assert_ptr_null(strstr(cu, "smem + -"));
    ck_assert_ptr_nonnull(strstr(cu, "dgk_round_bf16("));
    compiles(cu);
}
END_TEST

/* NVRTC compiles cu for sm_90a; fails the test with the log otherwise. */
static void compiles(const char *cu)
{
    sm90_build b;
    sm90_compile(cu, "t.cu", &b);
    ck_assert_msg(b.ok, "NVRTC failed: %s\n%s", b.why, b.log ? b.log : "");
    sm90_build_free(&b);
}

/* amax / amin start from the identity of the type they reduce in: 0 for amax of u32
 * (INT_MIN converted to unsigned is 2^31, larger than every value below it), the 64-bit
 * bounds for i64. */
START_TEST(integer_reductions_start_from_their_identity)
{
    const char *cu = emit_ok("kernel k(X : u32[M], Y : u32[1], Z : i64[M], W : i64[2])\n"
                             "{\n"
                             "    schedule grid (1) -> (i);\n"
                             "    Y[0] = amax(X[0 +: 256], 0);\n"
                             "    W[0] = amin(Z[0 +: 256], 0);\n"
                             "    W[1] = amax(Z[0 +: 256], 0);\n"
                             "}\n");
    ck_assert_ptr_nonnull(strstr(cu, "unsigned acc = 0u;"));
    ck_assert_ptr_null(strstr(cu, "unsigned acc = (-2147483647 - 1)"));
    ck_assert_ptr_nonnull(strstr(cu, "long long acc = 9223372036854775807LL;"));
    ck_assert_ptr_nonnull(strstr(cu, "long long acc = (-9223372036854775807LL - 1);"));
    compiles(cu);
}
END_TEST

/* abs, relu, clamp, min, max, cdiv and the reductions on every integer type compile. */
START_TEST(integer_builtins_compile)
{
    static const char *const types[] = {"i32", "u32", "i64"};
    for (int i = 0; i < 3; i++) {
        char src[1024];
        snprintf(src, sizeof src,
                 "kernel k(X : %1$s[M], Y : %1$s[M])\n"
                 "{\n"
                 "    schedule grid (cdiv(M, 128)) -> (i);\n"
                 "    let x = X[i*128 +: 128];\n"
                 "    Y[i*128 +: 128] = abs(x) + relu(x) + clamp(x, %1$s(1), %1$s(5)) + min(x, %1$s(2)) +\n"
                 "        max(x, %1$s(3)) + cdiv(x, %1$s(3)) + sum(x, 0) + amin(x, 0) + amax(x, 0);\n"
                 "}\n",
                 types[i]);
        compiles(emit_ok(src));
    }
}
END_TEST

/* A shape symbol named like a local of the generated code (the element index `e`) would
 * be hidden inside the element loops: the bounds tests would compare with the index. */
START_TEST(parameter_names_of_generated_locals_are_errors)
{
    static const char *const names[] = {"e", "j", "acc", "tid"};
    for (int i = 0; i < 4; i++) {
        char src[512], diag[4096], want[128];
        snprintf(src, sizeof src,
                 "kernel k(X : f32[%1$s], Y : f32[%1$s])\n"
                 "{\n"
                 "    schedule grid (cdiv(%1$s, 128)) -> (i);\n"
                 "    Y[i*128 +: 128] = X[i*128 +: 128];\n"
                 "}\n",
                 names[i]);
        ck_assert_ptr_null(emit(src, diag, sizeof diag));
        snprintf(want, sizeof want, "kernel parameter '%s' collides with a name the elementwise emitter generates",
                 names[i]);
        ck_assert_msg(strstr(diag, want) != NULL, "diagnostics lack \"%s\":\n%s", want, diag);
    }
}
END_TEST

/* The launch passes scalars as f32, i64 or i32: a bf16 or bool scalar is an error at the
 * parameter, not a kernel NVRTC rejects. */
START_TEST(narrow_scalar_parameters_are_errors)
{
    static const char *const types[] = {"bf16", "f16", "e4m3", "bool"};
    for (int i = 0; i < 4; i++) {
        char src[512], diag[4096];
        snprintf(src, sizeof src,
                 "kernel k(Y : f32[M], a : %s)\n"
                 "{\n"
                 "    schedule grid (M) -> (i);\n"
                 "    Y[i] = f32(a);\n"
                 "}\n",
                 types[i]);
        ck_assert_ptr_null(emit(src, diag, sizeof diag));
        ck_assert_msg(strstr(diag, "t.dgk:1:22: error: an elementwise kernel takes scalar parameters of f32, i32, u32 or i64") !=
                          NULL,
                      "diagnostics: %s", diag);
    }
    compiles(emit_ok("kernel k(Y : f32[M], a : f32, b : i32, c : u32, d : i64)\n"
                     "{\n"
                     "    schedule grid (M) -> (i);\n"
                     "    Y[i] = a + f32(b) + f32(c) + f32(d);\n"
                     "}\n"));
}
END_TEST

/* A store of a scalar into a slice writes the whole slice: it counts for the thread
 * count (a fill gets a thread per element, not one warp looping over 512) and for the
 * limit on a tile's size (a slice of 2^22 elements is an error, not a 131072-iteration
 * unrolled loop). */
START_TEST(stored_slices_count_as_tiles)
{
    const char *fill = "kernel k(Y : f32[M])\n"
                       "{\n"
                       "    schedule grid (cdiv(M, 512)) -> (i);\n"
                       "    Y[i*512 +: 512] = 0.0;\n"
                       "}\n";
    dgkc_unit *u = dgkc_unit_new("t.dgk", fill, strlen(fill));
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", 0), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(p->simt);
    ck_assert_int_eq(p->simt->threads * p->simt->vec, 512); /* one group of elements a thread */
    dgkc_unit_free(u);
    char diag[4096];
    ck_assert_ptr_null(emit("kernel k(Y : f32[M])\n"
                            "{\n"
                            "    schedule grid (cdiv(M, 4194304)) -> (i);\n"
                            "    Y[i*4194304 +: 4194304] = 0.0;\n"
                            "}\n",
                            diag, sizeof diag));
    ck_assert_msg(strstr(diag, "t.dgk:4:5: error: a tile of 4194304 elements is too large for one CTA") != NULL,
                  "diagnostics: %s", diag);
}
END_TEST

/* A long chain of elementwise ops, each with a broadcast operand read from shared memory,
 * is written into expressions of bounded length (it was an "internal: expression too long"
 * error at 70 links). */
START_TEST(long_chains_are_split)
{
    static char src[8192], expr[4096];
    strcpy(expr, "x");
    for (int i = 0; i < 70; i++) { /* expr = (expr * b[:, new] + 1.0) */
        size_t n = strlen(expr);
        ck_assert_uint_lt(n + 32, sizeof expr);
        memmove(expr + 1, expr, n + 1);
        expr[0] = '(';
        strcat(expr, " * b[:, new] + 1.0)");
    }
    snprintf(src, sizeof src,
             "kernel k(X : f32[M, 64], B : f32[M], Y : f32[M, 64])\n"
             "{\n"
             "    schedule grid (cdiv(M, 8)) -> (i);\n"
             "    let x = X[i*8 +: 8, :];\n"
             "    let b = B[i*8 +: 8];\n"
             "    Y[i*8 +: 8, :] = %s;\n"
             "}\n",
             expr);
    compiles(emit_ok(src));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("simt");
    TCase *tc = tcase_create("memory_order");
    tcase_add_test(tc, store_then_load_waits);
    tcase_add_test(tc, load_then_overlapping_store_waits);
    tcase_add_test(tc, overlapping_stores_wait);
    tcase_add_test(tc, same_slice_in_place_needs_no_barrier);
    tcase_add_test(tc, disjoint_slices_need_no_barrier);
    suite_add_tcase(s, tc);
    tc = tcase_create("types_and_names");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, accumulating_store_keeps_the_cast);
    tcase_add_test(tc, broadcast_store_of_a_cast_reads_its_copy);
    tcase_add_test(tc, integer_reductions_start_from_their_identity);
    tcase_add_test(tc, integer_builtins_compile);
    tcase_add_test(tc, parameter_names_of_generated_locals_are_errors);
    tcase_add_test(tc, narrow_scalar_parameters_are_errors);
    tcase_add_test(tc, stored_slices_count_as_tiles);
    tcase_add_test(tc, long_chains_are_split);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
