/* test_fp8_prep.c - the device FP8 preparation helpers without a GPU: their argument
 * checks (each failure names the argument; a consistent call gets as far as the NULL
 * context, so every check ran and passed), and the lowering of their elementwise
 * kernels (stdlib/fp8_prep.dgk): the plan, and the generated code's shape. The GPU check
 * (tests/gpu/prep_check.c) compares their results with the host helpers'. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "dgk.h"
#include "dgkc.h"
#include "stdlib/source.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

static char mem[16];

static dgk_tensor t2(dgk_dtype_id dt, int64_t a, int64_t b)
{
    return dgk_tensor_make(mem, dt, 2, (int64_t[]){a, b});
}

START_TEST(consistent_calls_reach_the_context_check)
{
    for (int ue = 0; ue <= 1; ue++) {
        dgk_dtype_id sd = ue ? DGK_DTYPE_UE8M0 : DGK_DTYPE_F32;
        dgk_tensor x = t2(DGK_DTYPE_F32, 37, 300), q = t2(DGK_DTYPE_E4M3, 37, 300);
        dgk_tensor s1 = t2(sd, 3, 40), s2 = t2(sd, 1, 3), src = t2(sd, 37, 3), dst = t2(sd, 3, 37);
        ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &x, &q, &s1, NULL), DGK_EINVAL);
        ck_msg_has("dgk_fp8_quant_1x128: ctx is NULL");
        ck_assert_int_eq(dgk_fp8_quant_128x128(NULL, &x, &q, &s2, NULL), DGK_EINVAL);
        ck_msg_has("dgk_fp8_quant_128x128: ctx is NULL");
        ck_assert_int_eq(dgk_fp8_scales_to_mn_major(NULL, &src, &dst, NULL), DGK_EINVAL);
        ck_msg_has("dgk_fp8_scales_to_mn_major: ctx is NULL");
    }
}
END_TEST

START_TEST(bad_arguments_are_named)
{
    dgk_tensor x = t2(DGK_DTYPE_F32, 37, 300), q = t2(DGK_DTYPE_E4M3, 37, 300), s = t2(DGK_DTYPE_F32, 3, 40);
    dgk_tensor bf = t2(DGK_DTYPE_BF16, 37, 300), qs = t2(DGK_DTYPE_E4M3, 37, 299), narrow = t2(DGK_DTYPE_F32, 3, 36);
    dgk_tensor few = t2(DGK_DTYPE_F32, 2, 40), huge = t2(DGK_DTYPE_F32, (int64_t)1 << 31, 128);
    dgk_tensor nodata = x;
    nodata.data = NULL;
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &x, NULL, &s, NULL), DGK_EINVAL);
    ck_msg_has("dgk_fp8_quant_1x128: q is NULL");
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &nodata, &q, &s, NULL), DGK_EINVAL);
    ck_msg_has("x->data is NULL");
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &bf, &q, &s, NULL), DGK_EDTYPE);
    ck_msg_has("x must be f32");
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &x, &qs, &s, NULL), DGK_ESHAPE);
    ck_msg_has("q must be [rows, k] like x");
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &x, &q, &narrow, NULL), DGK_ESHAPE);
    ck_msg_has("lds >= rows");
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &x, &q, &few, NULL), DGK_ESHAPE);
    ck_msg_has("s must be [cdiv(k, 128), lds] = [3, >= 37]");
    ck_assert_int_eq(dgk_fp8_quant_128x128(NULL, &x, &q, &bf, NULL), DGK_EDTYPE);
    ck_msg_has("s must be f32 or ue8m0");
    ck_assert_int_eq(dgk_fp8_quant_128x128(NULL, &x, &q, &s, NULL), DGK_ESHAPE);
    ck_msg_has("s must be [cdiv(rows, 128), lds] = [1, >= 3]");
    ck_assert_int_eq(dgk_fp8_quant_128x128(NULL, &huge, &q, &s, NULL), DGK_ESHAPE);
    ck_msg_has("these kernels take 1 .. 2^31 - 129");
    /* cdiv(k, 128) is computed in i32 in the kernel: k + 127 must not wrap */
    dgk_tensor wide = t2(DGK_DTYPE_F32, 1, INT32_MAX - 100), wide_q = t2(DGK_DTYPE_E4M3, 1, INT32_MAX - 100);
    dgk_tensor wide_s = t2(DGK_DTYPE_F32, ((int64_t)INT32_MAX - 100 + 127) / 128, 4);
    ck_assert_int_eq(dgk_fp8_quant_1x128(NULL, &wide, &wide_q, &wide_s, NULL), DGK_ESHAPE);
    ck_msg_has("x's extent 1 is 2147483547");
    dgk_tensor src = t2(DGK_DTYPE_UE8M0, 37, 3), dst = t2(DGK_DTYPE_F32, 3, 48), thin = t2(DGK_DTYPE_UE8M0, 3, 36);
    ck_assert_int_eq(dgk_fp8_scales_to_mn_major(NULL, &src, &dst, NULL), DGK_EDTYPE);
    ck_msg_has("dst must be the dtype of src");
    ck_assert_int_eq(dgk_fp8_scales_to_mn_major(NULL, &src, &thin, NULL), DGK_ESHAPE);
    ck_msg_has("ld >= mn = 37");
}
END_TEST

static dgkc_unit *prep_unit(const char *ts)
{
    dgkc_unit *u = dgkc_unit_new("stdlib/fp8_prep.dgk", dgk_stdlib_fp8_prep, strlen(dgk_stdlib_fp8_prep));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, "TS", ts), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    return u;
}

/* The per-block quantizer: 512 threads in groups of 4 elements, the row maxima by warp
 * shuffles, the grid over (row blocks, scale columns), and a generated kernel with the
 * fast interior path, vector loads and the e4m3 / ue8m0 conversions. */
START_TEST(quant_kernels_lower)
{
    for (int ue = 0; ue <= 1; ue++) {
        dgkc_unit *u = prep_unit(ue ? "ue8m0" : "f32");
        int i = dgkc_kernel_index(u, "fp8_quant_128x128");
        ck_assert_int_ge(i, 0);
        ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", i), DGKC_OK);
        const dgk_plan *p = dgkc_kernel_plan(u, i);
        ck_assert_ptr_nonnull(p);
        ck_assert_ptr_nonnull(p->simt);
        ck_assert_int_eq(p->simt->threads, 512);
        ck_assert_int_eq(p->simt->next, 2);
        ck_assert_int_eq(p->simt->ext[0].div, 128);
        ck_assert_int_eq(p->simt->ext[0].round_up, 1);
        ck_assert_int_eq(p->simt->ext[1].div, 1);
        ck_assert_int_eq(p->launch.grid, DGK_GRID_TILES);
        ck_assert_int_eq(p->simt->vec, 4);
        /* each 128-wide row lies in one warp (32 lanes x 4): amax over rows by shuffles,
         * no shared copy of the 64 KB tile; the 128 row maxima are shared for the last amax */
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(dgkc_dump_plan(u, "sm_90a", i, f), DGKC_OK);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(text, "each row in 32 lanes of a warp"));
        const char *first = strstr(text, "shared copy of");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_null(strstr(first + 1, "shared copy of"));
        free(text);
        ck_assert_int_lt(p->launch.smem_bytes, 4096);
        const char *cu = NULL;
        ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", i, &cu, NULL), DGKC_OK);
        ck_assert_ptr_nonnull(strstr(cu, "__launch_bounds__(512)"));
        ck_assert_ptr_nonnull(strstr(cu, "dgk_put(ptr_Q"));  /* the e4m3 rounding is the store's */
        ck_assert_ptr_nonnull(strstr(cu, "the slice crosses an edge"));
        ck_assert_ptr_nonnull(strstr(cu, "dgk_load4(ptr_X"));
        ck_assert_ptr_nonnull(strstr(cu, "__shfl_xor_sync"));
        ck_assert_ptr_nonnull(strstr(cu, ue ? "dgk_round_ue8m0" : "(float)"));
        ck_assert_ptr_null(strstr(cu, "wgmma"));
        dgkc_unit_free(u);
    }
}
END_TEST

/* The layout transform needs no shared memory: every element is the thread's own. */
START_TEST(mn_major_needs_no_shared_memory)
{
    dgkc_unit *u = prep_unit("f32");
    int i = dgkc_kernel_index(u, "fp8_scales_to_mn_major");
    ck_assert_int_eq(dgkc_plan_kernel(u, "sm_90a", i), DGKC_OK);
    const dgk_plan *p = dgkc_kernel_plan(u, i);
    ck_assert_int_eq(p->launch.smem_bytes, 0);
    ck_assert_int_eq(p->simt->threads, 128);
    dgkc_unit_free(u);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("fp8_prep");
    TCase *tc = tcase_create("entry_points");
    tcase_add_test(tc, consistent_calls_reach_the_context_check);
    tcase_add_test(tc, bad_arguments_are_named);
    suite_add_tcase(s, tc);
    tc = tcase_create("lowering");
    tcase_add_test(tc, quant_kernels_lower);
    tcase_add_test(tc, mn_major_needs_no_shared_memory);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
