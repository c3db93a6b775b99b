/* test_runtime_report.c - the ptxas -v report parser on logs in the exact shapes ptxas
 * 13.0 prints (entries, device functions, spills, the wgmma serialization warning,
 * items the parser does not track). The same parser on real NVRTC output is covered by
 * test_runtime_compile. */
#include "runtime/rt.h"
#include "check_main.h"

static const char log_two_entries[] =
    "ptxas info    : 0 bytes gmem\n"
    "ptxas info    : Compiling entry function 'k2' for 'sm_90a'\n"
    "ptxas info    : Function properties for k2\n"
    "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
    "ptxas info    : Used 8 registers, used 0 barriers\n"
    "ptxas info    : Compile time = 10.926 ms\n"
    "ptxas info    : Compiling entry function 'k' for 'sm_90a'\n"
    "ptxas info    : Function properties for k\n"
    "ptxas         .     256 bytes stack frame, 16 bytes spill stores, 20 bytes spill loads\n"
    "ptxas info    : Used 37 registers, used 1 barriers, 256 bytes cumulative stack size, 1024 bytes smem, 380 bytes cmem[0]\n"
    "ptxas info    : Compile time = 56.561 ms\n"
    "ptxas info    : Function properties for _Z3extPf\n"
    "ptxas         .     8 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n";

static const char log_wgmma[] =
    "ptxas info    : (C7519) warpgroup.arrive is injected in around line 37 by compiler to allow use of registers in GMMA in function 'wg'\n"
    "ptxas info    : (C7511) Potential Performance Loss: wgmma.mma_async instructions are serialized due to insufficient register resources for the wgmma pipeline in the function 'wg'\n"
    "ptxas info    : 0 bytes gmem\n"
    "ptxas info    : Compiling entry function 'wg' for 'sm_90a'\n"
    "ptxas info    : Function properties for wg\n"
    "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
    "ptxas info    : Used 30 registers, used 0 barriers\r\n"
    "ptxas info    : Compiling entry function 'clean' for 'sm_90a'\n"
    "ptxas info    : Used 12 registers, used 0 barriers";   /* no final newline */

static dgk_report parse(const char *log, dgk_func_report **funcs)
{
    dgk_report r = {0};
    ck_assert_int_eq(dgk_report_parse(log, funcs, &r.num_funcs), DGK_OK);
    r.funcs = *funcs;
    return r;
}

START_TEST(test_entries_and_device_functions)
{
    dgk_func_report *funcs;
    dgk_report r = parse(log_two_entries, &funcs);
    ck_assert_int_eq(r.num_funcs, 3);
    const dgk_func_report *k2 = dgk_report_find(&r, "k2"), *k = dgk_report_find(&r, "k");
    const dgk_func_report *ext = dgk_report_find(&r, "_Z3extPf");
    ck_assert_ptr_eq(k2, &funcs[0]);
    ck_assert_ptr_eq(k, &funcs[1]);
    ck_assert_int_eq(k2->is_entry, 1);
    ck_assert_int_eq(k2->registers, 8);
    ck_assert_int_eq(k2->stack_bytes, 0);
    ck_assert_int_eq(k->registers, 37);
    ck_assert_int_eq(k->barriers, 1);
    ck_assert_int_eq(k->smem_bytes, 1024);
    ck_assert_int_eq(k->stack_bytes, 256);
    ck_assert_int_eq(k->cumulative_stack_bytes, 256);
    ck_assert_int_eq(k->spill_store_bytes, 16);
    ck_assert_int_eq(k->spill_load_bytes, 20);
    ck_assert_int_eq(k->wgmma_serialized, 0);
    ck_assert_ptr_null(k->wgmma_reason);
    ck_assert_int_eq(ext->is_entry, 0);
    ck_assert_int_eq(ext->stack_bytes, 8);
    ck_assert_ptr_null(dgk_report_find(&r, "nope"));
    dgk_report_free(funcs, r.num_funcs);
}
END_TEST

START_TEST(test_wgmma_warning)
{
    dgk_func_report *funcs;
    dgk_report r = parse(log_wgmma, &funcs);
    ck_assert_int_eq(r.num_funcs, 2);
    const dgk_func_report *wg = dgk_report_find(&r, "wg"), *clean = dgk_report_find(&r, "clean");
    ck_assert_int_eq(wg->is_entry, 1);   /* named by the warning first, then compiled */
    ck_assert_int_eq(wg->wgmma_serialized, 1);
    ck_assert_str_eq(wg->wgmma_reason,
                     "due to insufficient register resources for the wgmma pipeline");
    ck_assert_int_eq(wg->registers, 30);
    ck_assert_int_eq(clean->wgmma_serialized, 0);
    ck_assert_int_eq(clean->registers, 12);
    dgk_report_free(funcs, r.num_funcs);
}
END_TEST

START_TEST(test_empty_and_foreign_logs)
{
    dgk_func_report *funcs;
    dgk_report r = parse("", &funcs);
    ck_assert_int_eq(r.num_funcs, 0);
    dgk_report_free(funcs, r.num_funcs);
    /* Error text and stray numbers before any function attach to nothing. */
    r = parse("t.cu(3): error: expected a \";\"\n"
              "ptxas info    : Used 5 registers\n"
              "1 error detected in the compilation of \"t.cu\".\n", &funcs);
    ck_assert_int_eq(r.num_funcs, 0);
    dgk_report_free(funcs, r.num_funcs);
    r = parse(NULL, &funcs);
    ck_assert_int_eq(r.num_funcs, 0);
    dgk_report_free(funcs, r.num_funcs);
}
END_TEST

START_TEST(test_binary_report_flag)
{
    uint8_t key[16] = {1};
    dgk_binary *b;
    char *log = strdup(log_wgmma);
    char *image = strdup("img");
    ck_assert_int_eq(dgk_binary_new(key, log, strlen(log), image, 3, &b), DGK_OK);
    const dgk_report *r = dgk_binary_report(b);
    ck_assert_int_eq(r->wgmma_serialized, 1);
    ck_assert_int_eq(r->num_funcs, 2);
    size_t n;
    ck_assert_str_eq(dgk_binary_image(b, &n), "img");
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(dgk_binary_log(b), log_wgmma);
    dgk_binary_release(b);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("runtime_report");
    TCase *t = tcase_create("parse");
    tcase_add_test(t, test_entries_and_device_functions);
    tcase_add_test(t, test_wgmma_warning);
    tcase_add_test(t, test_empty_and_foreign_logs);
    tcase_add_test(t, test_binary_report_flag);
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
