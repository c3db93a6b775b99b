/* test_swap_nvrtc.c - swapped-operand tiles (BM < 64, compiler/plan_swap.c) of the stock
 * dense BF16 kernel, planned and emitted through dgkc and compiled by NVRTC for sm_90a:
 * ptxas must not serialize the wgmmas (C7514), spill or keep a stack frame. The forms
 * are those the kernel-configuration sweep (tests/kernels/configs.c) does not reach:
 * N and K known only at launch, with an f32 output stored unconverted. Needs NVRTC, no
 * GPU; about a second per form. */
#include "rt_fixture.h"
#include "check_main.h"
#include "dgkc.h"
#include "stdlib/source.h"

typedef struct swap_form {
    const char *bm, *bn, *td, *has_c;
} swap_form;

static const swap_form forms[] = {
    {"8", "64", "f32", "false"},   {"24", "128", "f32", "false"}, {"56", "128", "f32", "false"},
    {"40", "64", "f32", "false"},  {"24", "128", "bf16", "false"}, {"24", "128", "f32", "true"},
};

/* The emitted source of gemm_bf16_nt with the form's parameters (N and K left to launch). */
static char *emit_form(const swap_form *f)
{
    const char *src = dgk_stdlib_gemm_bf16;
    dgkc_unit *u = dgkc_unit_new("stdlib/gemm_bf16.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(dgkc_define(u, "BM", f->bm), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "BN", f->bn), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "TD", f->td), DGKC_OK);
    ck_assert_int_eq(dgkc_define(u, "HAS_C", f->has_c), DGKC_OK);
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    int k = dgkc_kernel_index(u, "gemm_bf16_nt");
    ck_assert_int_ge(k, 0);
    const char *cu;
    size_t len;
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", k, &cu, &len), DGKC_OK);
    ck_assert_ptr_nonnull(strstr(cu, "Swap-AB"));
    char *copy = strndup(cu, len);
    dgkc_unit_free(u);
    return copy;
}

START_TEST(swap_not_serialized)
{
    const swap_form *f = &forms[_i];
    rt_setup();
    char *cu = emit_form(f);
    dgk_header h;
    ck_assert_int_eq(dgkc_device_header("sm_90a", &h.name, &h.text), DGKC_OK);
    dgk_program p = {.source = cu, .source_name = "gemm_bf16_nt.cu", .headers = &h, .num_headers = 1,
                     .kernel = "gemm_bf16_nt", .arch = DGK_ARCH_SM90A};
    dgk_binary *b = NULL;
    dgk_status s = dgk_compile(&p, &b, NULL);
    ck_assert_msg(s == DGK_OK, "%s: %s", dgk_status_name(s), dgk_last_error());
    const dgk_func_report *r = dgk_report_find(dgk_binary_report(b), "gemm_bf16_nt");
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(!r->wgmma_serialized, "BM=%s BN=%s TD=%s HAS_C=%s: wgmma serialized: %s", f->bm, f->bn, f->td,
                  f->has_c, r->wgmma_reason ? r->wgmma_reason : "?");
    ck_assert_int_eq(r->spill_store_bytes + r->spill_load_bytes, 0);
    ck_assert_int_eq(r->stack_bytes, 0);
    dgk_binary_release(b);
    free(cu);
    rt_teardown();
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("swap_nvrtc");
    TCase *t = tcase_create("compile");
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, swap_not_serialized, 0, (int)(sizeof forms / sizeof forms[0]));
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
