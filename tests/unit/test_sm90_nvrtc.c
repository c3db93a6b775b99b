/* test_sm90_nvrtc.c - every configuration of sm90_configs.h emitted and compiled by NVRTC
 * for sm_90a: the kernel compiles, its PTX has the Hopper instructions, ptxas reports
 * no spills, no stack frame, no wgmma serialization, no warnings, and registers within
 * the launch cap (sm90_nvrtc.h). CPU only; about a second per configuration. */
#include "check_main.h"
#include "sm90_configs.h"
#include "sm90_nvrtc.h"

enum { NSAMPLE = sizeof sm90_sample / sizeof *sm90_sample };

START_TEST(compiles_fast)
{
    sm90_build b;
    int ok = sm90_emit_and_verify(&sm90_sample[_i], &b, stderr);
    ck_assert_msg(ok, "%s: %s", sm90_sample[_i].name, b.why);
    sm90_build_free(&b);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sm90_nvrtc");
    TCase *tc = tcase_create("compile");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, compiles_fast, 0, NSAMPLE);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
